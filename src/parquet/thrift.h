/*
 * parquet/thrift.h - Thrift compact protocol: a small strict pull decoder and an
 * encoder, written for Parquet metadata. Internal, never exported.
 *
 * Decoder: bounds-checked on every byte, depth-limited (DLT_THRIFT_MAX_DEPTH
 * nested structs/containers), list/set/map sizes are checked against the bytes
 * that remain before anyone allocates (every element takes >= 1 byte, except
 * bools in lists which take 1 byte each too, so count <= remaining is a safe
 * bound; empty structs take 1 byte: the stop field). Unknown fields of every
 * type are skipped with dlt_thrift__skip(). Errors are DLT_ECORRUPT with
 * "thrift: ..." messages; the reader remembers whether the failure was running
 * out of bytes (`truncated`), so a caller that decoded a prefix can retry with
 * more bytes.
 *
 * Typical decode loop:
 *
 *     int16_t last = 0; uint8_t type; int16_t id; int rc;
 *     if ((rc = dlt_thrift__struct_begin(r, &last, err)) < 0) return rc;
 *     while ((rc = dlt_thrift__field_next(r, &last, &type, &id, err)) > 0) {
 *         switch (id) {
 *         case 1: if (type != DLT_THRIFT_I32) goto skip; rc = dlt_thrift__read_i32(r, &v, err); break;
 *         default: skip: rc = dlt_thrift__skip(r, type, err);
 *         }
 *         if (rc < 0) return rc;
 *     }
 *     // rc == 0: stop field read, struct ended (depth released); rc < 0: error
 *
 * Encoder: appends to a dlt_buf; errors (only DLT_ENOMEM, or misuse such as
 * nesting too deep -> DLT_EINVAL) are sticky in the writer: every call returns
 * the sticky code, so a sequence of calls can be checked once at the end with
 * dlt_thrift__writer_status(). Field ids must be written in ascending order
 * within a struct (the caller's job); deltas 1..15 use the short form.
 */
#ifndef DLT_PARQUET_THRIFT_H
#define DLT_PARQUET_THRIFT_H

#include "util/util.h"

#include <stdbool.h>
#include <stdint.h>

#define DLT_THRIFT_MAX_DEPTH 64

/* Compact protocol type ids (as they appear on the wire in field headers). */
enum dlt_thrift_type {
	DLT_THRIFT_STOP = 0,
	DLT_THRIFT_BOOL_TRUE = 1,  /* in a field header: bool field with value true */
	DLT_THRIFT_BOOL_FALSE = 2, /* in a field header: false; in list headers: "bool" */
	DLT_THRIFT_BYTE = 3,       /* i8 */
	DLT_THRIFT_I16 = 4,
	DLT_THRIFT_I32 = 5,
	DLT_THRIFT_I64 = 6,
	DLT_THRIFT_DOUBLE = 7,
	DLT_THRIFT_BINARY = 8,     /* also string */
	DLT_THRIFT_LIST = 9,
	DLT_THRIFT_SET = 10,
	DLT_THRIFT_MAP = 11,
	DLT_THRIFT_STRUCT = 12,
	DLT_THRIFT_UUID = 13       /* 16 raw bytes */
};

/* ---------------- decoder ---------------- */

typedef struct dlt_thrift_reader {
	const uint8_t *start; /* first byte (for offsets in messages) */
	const uint8_t *p;     /* next byte */
	const uint8_t *end;   /* one past the last byte */
	int depth;            /* current nesting */
	int max_depth;        /* DLT_THRIFT_MAX_DEPTH by default */
	bool truncated;       /* the last error was "ran out of bytes" */
} dlt_thrift_reader;

/* Start reading `len` bytes at `data` (borrowed). */
void dlt_thrift__reader_init(dlt_thrift_reader *r, const uint8_t *data, size_t len);
/* Bytes consumed so far / bytes left. */
static inline size_t dlt_thrift__offset(const dlt_thrift_reader *r)
{
	return (size_t)(r->p - r->start);
}
static inline size_t dlt_thrift__remaining(const dlt_thrift_reader *r)
{
	return (size_t)(r->end - r->p);
}

/* Enter a struct: checks depth, resets *last_id to 0. */
int dlt_thrift__struct_begin(dlt_thrift_reader *r, int16_t *last_id, dlt_error *err);
/*
 * Read the next field header of the current struct. Returns 1 with *type and
 * *id set (for bool fields *type is DLT_THRIFT_BOOL_TRUE/FALSE and the value is
 * already known: use dlt_thrift__field_bool), 0 at the stop field (the struct
 * is left: depth decremented), or a negative code.
 */
int dlt_thrift__field_next(dlt_thrift_reader *r, int16_t *last_id, uint8_t *type, int16_t *id,
                           dlt_error *err);
/* Value of a bool field from its header type; DLT_ECORRUPT if type is not a bool. */
int dlt_thrift__field_bool(bool *out, uint8_t type, dlt_error *err);

int dlt_thrift__read_byte(dlt_thrift_reader *r, int8_t *out, dlt_error *err);
int dlt_thrift__read_i16(dlt_thrift_reader *r, int16_t *out, dlt_error *err);
int dlt_thrift__read_i32(dlt_thrift_reader *r, int32_t *out, dlt_error *err);
int dlt_thrift__read_i64(dlt_thrift_reader *r, int64_t *out, dlt_error *err);
int dlt_thrift__read_double(dlt_thrift_reader *r, double *out, dlt_error *err);
/* A bool inside a list/set/map (one byte: 1 true, 0 or 2 false). */
int dlt_thrift__read_bool(dlt_thrift_reader *r, bool *out, dlt_error *err);
/* Binary/string: *data points INTO the input (borrowed), length checked. */
int dlt_thrift__read_binary(dlt_thrift_reader *r, const uint8_t **data, size_t *len,
                            dlt_error *err);
/* Unsigned varint (up to 10 bytes; overlong encodings rejected). */
int dlt_thrift__read_uvarint(dlt_thrift_reader *r, uint64_t *out, dlt_error *err);

/*
 * List or set header: element type and count. The count is checked against the
 * remaining bytes (each element needs at least one byte) and the depth is
 * entered: call dlt_thrift__container_end() after reading the elements.
 */
int dlt_thrift__list_begin(dlt_thrift_reader *r, uint8_t *elem_type, uint32_t *count,
                           dlt_error *err);
/* Map header: key/value types and count (0 -> types are 0). Enters depth too. */
int dlt_thrift__map_begin(dlt_thrift_reader *r, uint8_t *key_type, uint8_t *val_type,
                          uint32_t *count, dlt_error *err);
void dlt_thrift__container_end(dlt_thrift_reader *r);

/* Skip a value of `type` (field-header type or element type), recursively. */
int dlt_thrift__skip(dlt_thrift_reader *r, uint8_t type, dlt_error *err);

/* ---------------- encoder ---------------- */

typedef struct dlt_thrift_writer {
	dlt_buf *out;                            /* appended to; not owned */
	int depth;                               /* open structs */
	int16_t last_id[DLT_THRIFT_MAX_DEPTH + 1]; /* last field id per open struct */
	int rc;                                  /* sticky status */
	dlt_error *err;                          /* where the sticky error is reported */
} dlt_thrift_writer;

void dlt_thrift__writer_init(dlt_thrift_writer *w, dlt_buf *out, dlt_error *err);
/* DLT_OK or the first error any call met. */
static inline int dlt_thrift__writer_status(const dlt_thrift_writer *w) { return w->rc; }

/* Top-level struct or struct element of a list: open / close (writes the stop byte). */
int dlt_thrift__write_struct_begin(dlt_thrift_writer *w);
int dlt_thrift__write_struct_end(dlt_thrift_writer *w);

/* Fields of the current struct (ids ascending). */
int dlt_thrift__write_field_begin(dlt_thrift_writer *w, int16_t id, uint8_t type);
int dlt_thrift__write_field_bool(dlt_thrift_writer *w, int16_t id, bool v);
int dlt_thrift__write_field_i8(dlt_thrift_writer *w, int16_t id, int8_t v);
int dlt_thrift__write_field_i16(dlt_thrift_writer *w, int16_t id, int16_t v);
int dlt_thrift__write_field_i32(dlt_thrift_writer *w, int16_t id, int32_t v);
int dlt_thrift__write_field_i64(dlt_thrift_writer *w, int16_t id, int64_t v);
int dlt_thrift__write_field_double(dlt_thrift_writer *w, int16_t id, double v);
int dlt_thrift__write_field_binary(dlt_thrift_writer *w, int16_t id, const void *data,
                                   size_t len);
/* NUL-terminated string field. */
int dlt_thrift__write_field_string(dlt_thrift_writer *w, int16_t id, const char *s);
/* Struct field: header + open; close with dlt_thrift__write_struct_end. */
int dlt_thrift__write_field_struct_begin(dlt_thrift_writer *w, int16_t id);
/* List field header (then write `count` elements with the element writers below). */
int dlt_thrift__write_field_list_begin(dlt_thrift_writer *w, int16_t id, uint8_t elem_type,
                                       uint32_t count);

/* Bare values (list elements). Struct elements: dlt_thrift__write_struct_begin/end. */
int dlt_thrift__write_list_begin(dlt_thrift_writer *w, uint8_t elem_type, uint32_t count);
int dlt_thrift__write_bool(dlt_thrift_writer *w, bool v);
int dlt_thrift__write_i32(dlt_thrift_writer *w, int32_t v);
int dlt_thrift__write_i64(dlt_thrift_writer *w, int64_t v);
int dlt_thrift__write_binary(dlt_thrift_writer *w, const void *data, size_t len);
int dlt_thrift__write_uvarint(dlt_thrift_writer *w, uint64_t v);

/* Zigzag helpers (unsigned arithmetic, no UB). */
static inline uint64_t dlt_thrift__zigzag64(int64_t v)
{
	return ((uint64_t)v << 1) ^ (0 - ((uint64_t)v >> 63));
}
static inline int64_t dlt_thrift__unzigzag64(uint64_t v)
{
	uint64_t u = (v >> 1) ^ (0 - (v & 1));
	int64_t r;
	memcpy(&r, &u, sizeof(r));
	return r;
}

#endif /* DLT_PARQUET_THRIFT_H */
