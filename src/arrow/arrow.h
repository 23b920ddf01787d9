/*
 * Internal Arrow core: type views over format strings, owned arrays and
 * schemas, builders, validation of foreign arrays, stream adapters.
 * Every module that produces or consumes Arrow data goes through this.
 *
 * Conventions: a "record batch" is a struct array ("+s") whose children are
 * the columns, exactly as in the Arrow C Data Interface. Buffers we allocate
 * come from dlt_malloc and are at least 16-byte aligned.
 */
#ifndef DLT_ARROW_ARROW_H
#define DLT_ARROW_ARROW_H

#include "deltalite/arrow_c.h"
#include "deltalite/common.h"
#include "util/util.h"

#include <stdbool.h>

/* ---------- types ---------- */

typedef enum dlt_atype {
	DLT_AT_NA = 0,
	DLT_AT_BOOL,
	DLT_AT_INT8,
	DLT_AT_UINT8,
	DLT_AT_INT16,
	DLT_AT_UINT16,
	DLT_AT_INT32,
	DLT_AT_UINT32,
	DLT_AT_INT64,
	DLT_AT_UINT64,
	DLT_AT_FLOAT16,
	DLT_AT_FLOAT32,
	DLT_AT_FLOAT64,
	DLT_AT_DECIMAL128,
	DLT_AT_DECIMAL256,
	DLT_AT_DATE32,       /* days since epoch, int32 */
	DLT_AT_DATE64,       /* ms since epoch, int64 */
	DLT_AT_TIME32,       /* s or ms, int32 */
	DLT_AT_TIME64,       /* us or ns, int64 */
	DLT_AT_TIMESTAMP,    /* int64 in `unit`, tz optional */
	DLT_AT_DURATION,     /* int64 in `unit` */
	DLT_AT_STRING,       /* int32 offsets, UTF-8 */
	DLT_AT_LARGE_STRING, /* int64 offsets */
	DLT_AT_BINARY,
	DLT_AT_LARGE_BINARY,
	DLT_AT_FIXED_BINARY, /* byte_width */
	DLT_AT_LIST,         /* int32 offsets, 1 child */
	DLT_AT_LARGE_LIST,   /* int64 offsets, 1 child */
	DLT_AT_FIXED_LIST,   /* list_size in byte_width, 1 child */
	DLT_AT_STRUCT,
	DLT_AT_MAP,          /* list of struct<key, value>, 1 child */
	DLT_AT__COUNT
} dlt_atype;

typedef enum dlt_time_unit {
	DLT_TU_SECOND = 0,
	DLT_TU_MILLI,
	DLT_TU_MICRO,
	DLT_TU_NANO
} dlt_time_unit;

/* What a format string says. For dictionary-encoded arrays the schema's own
 * format is the index type (an integer); the value type is in
 * schema->dictionary. */
typedef struct dlt_type_view {
	dlt_atype type;
	dlt_time_unit unit;  /* time32/64, timestamp, duration */
	int32_t byte_width;  /* fixed binary width; decimal: 16 or 32; fixed list: list size */
	int32_t precision;   /* decimal */
	int32_t scale;       /* decimal */
	int32_t bit_width;   /* element bit width of buffer 1 (1 for bool, 0 for var/nested) */
	const char *tz;      /* timestamp time zone, points into the format; NULL if none */
	int n_buffers;       /* buffers this layout has (validity counted) */
} dlt_type_view;

/* Parse an Arrow format string ("i", "tsu:UTC", "d:10,2", "w:16", "+l", ...). */
int dlt_arrow__parse_format(dlt_type_view *out, const char *format, dlt_error *err);
/* Format string for simple types (no parameters); NULL for parameterized ones. */
const char *dlt_arrow__type_format(dlt_atype t);
/* "int32", "timestamp[us, tz=UTC]", "decimal128(10, 2)": for messages. Writes to buf. */
const char *dlt_arrow__format_describe(const char *format, char *buf, size_t cap);
bool dlt_arrow__is_integer(dlt_atype t);
bool dlt_arrow__is_signed(dlt_atype t);
bool dlt_arrow__is_float(dlt_atype t);
bool dlt_arrow__is_nested(dlt_atype t);
/* Recursive description of a schema ("struct<a: int32, b: list<utf8>>") into
 * buf (always NUL-terminated when cap > 0). DLT_OK; DLT_ELIMIT if truncated;
 * DLT_EUNSUPPORTED if some format is unknown (described as "unknown(...)");
 * DLT_EINVAL for NULL/zero-capacity arguments. */
int dlt_arrow__describe_schema(char *buf, size_t cap, const struct ArrowSchema *s);

/* ---------- schemas we own ---------- */

/*
 * Initialise `out` as a schema we own: format/name copied, `n_children`
 * child schemas allocated (each zeroed: release == NULL) for the caller to
 * fill with dlt_schema__init. On failure `out` is left released (release NULL).
 * name may be NULL.
 */
int dlt_schema__init(struct ArrowSchema *out, const char *format, const char *name,
                     int64_t flags, int64_t n_children, dlt_error *err);
/* Shorthand for a leaf field: dlt_schema__init with no children. */
int dlt_schema__init_leaf(struct ArrowSchema *out, const char *format, const char *name,
                          bool nullable, dlt_error *err);
/* Allocate schema->dictionary (zeroed) on a schema made by dlt_schema__init. */
int dlt_schema__alloc_dictionary(struct ArrowSchema *s, dlt_error *err);
/* Set metadata from n key/value pairs (copied). Replaces existing metadata. */
int dlt_schema__set_metadata(struct ArrowSchema *s, const char *const *keys,
                             const char *const *values, size_t n, dlt_error *err);
/* Look up a metadata key: *value and *len point into s->metadata; DLT_ENOTFOUND if absent. */
int dlt_schema__metadata_get(const struct ArrowSchema *s, const char *key,
                             const char **value, int32_t *len);
/* Does field metadata "delta.type" (the Delta type a storage layout stands
 * for: "variant", "geometry(...)") equal `type`, or start with it when
 * `prefix`? */
bool dlt_schema__delta_type_is(const struct ArrowSchema *s, const char *type, bool prefix);
/* Deep copy of any (also foreign) schema into one we own. */
int dlt_schema__copy(struct ArrowSchema *out, const struct ArrowSchema *src, dlt_error *err);
/* Deep copy in which every dictionary-encoded field is replaced by its value
 * type (name, flags and metadata of the field kept): the schema of decoded data. */
int dlt_schema__copy_decoded(struct ArrowSchema *out, const struct ArrowSchema *src,
                             dlt_error *err);
/* Release if set, then zero. NULL ok. */
void dlt_schema__release(struct ArrowSchema *s);
void dlt_array__release(struct ArrowArray *a);
/* Move: *dst = *src, src->release = NULL. */
void dlt_schema__move(struct ArrowSchema *dst, struct ArrowSchema *src);
void dlt_array__move(struct ArrowArray *dst, struct ArrowArray *src);

/* ---------- arrays we own ---------- */

/*
 * Initialise `out` as an array we own with n_buffers NULL buffers and
 * n_children zeroed child arrays. Buffers set with dlt_array__set_buffer
 * are freed with dlt_free when the array is released.
 */
int dlt_array__init(struct ArrowArray *out, int64_t n_buffers, int64_t n_children,
                    dlt_error *err);
/* Give buffer i (from dlt_malloc, or NULL) to the array; frees a previous one. */
void dlt_array__set_buffer(struct ArrowArray *a, int64_t i, void *data);
/* Allocate a->dictionary (zeroed) on an array made by dlt_array__init. */
int dlt_array__alloc_dictionary(struct ArrowArray *a, dlt_error *err);
/* Allocate an array of the given type tree, all buffers empty and length 0
 * (a valid empty array for `schema`). */
int dlt_array__init_empty(struct ArrowArray *out, const struct ArrowSchema *schema,
                          dlt_error *err);

/*
 * Zero-copy sharing: several ArrowArrays that reference one parent's buffers.
 * dlt_array__share moves `src` into a refcounted holder; each
 * dlt_shared__export makes a new ArrowArray (same buffers, offset/length
 * adjusted for a slice) that keeps the holder alive until released.
 */
typedef struct dlt_shared_array dlt_shared_array;
int dlt_array__share(dlt_shared_array **out, struct ArrowArray *src /* moved */,
                     dlt_error *err);
int dlt_shared__export(struct ArrowArray *out, dlt_shared_array *sh, int64_t offset,
                       int64_t length, dlt_error *err);
/* Top-level child i of a shared struct array (a column of a batch), sliced. */
int dlt_shared__export_child(struct ArrowArray *out, dlt_shared_array *sh, int64_t child,
                             int64_t offset, int64_t length, dlt_error *err);
void dlt_shared__release(dlt_shared_array *sh);

/* ---------- reading values (after validation) ---------- */

static inline bool dlt_arrow__bit(const void *bitmap, int64_t i)
{
	return (((const uint8_t *)bitmap)[i >> 3] >> (i & 7)) & 1;
}
static inline void dlt_arrow__set_bit(void *bitmap, int64_t i, bool v)
{
	uint8_t *b = (uint8_t *)bitmap + (i >> 3);
	uint8_t m = (uint8_t)(1u << (i & 7));
	*b = v ? (uint8_t)(*b | m) : (uint8_t)(*b & ~m);
}
/* Is logical element i (offset applied inside) null? Handles NA type and no bitmap. */
static inline bool dlt_arrow__is_null(const struct ArrowArray *a, int64_t i)
{
	if (a->n_buffers == 0)
		return true; /* null type */
	return a->buffers[0] != NULL && !dlt_arrow__bit(a->buffers[0], a->offset + i);
}

/* ---------- builders ---------- */

/*
 * A builder appends values row by row into growing buffers and finishes into
 * an ArrowArray of its schema. It mirrors the type tree:
 *   struct: dlt_builder__child(b, i) for each field; append to every child,
 *           then dlt_builder__append_valid(b) (or append_null: children get
 *           nulls automatically, keeping lengths equal).
 *   list/large_list/map: append the element's values to child 0, then
 *           dlt_builder__append_valid(b) closes one list element.
 *           map: child 0 is the entries struct with children key, value.
 *   fixed_size_list: append exactly list_size values to child 0, then
 *           append_valid; append_null adds list_size nulls to the child.
 * Typed appends check the value fits the type (range, fixed width) and
 * return DLT_ESCHEMA otherwise; append_int accepts every integer type and
 * date32/date64/time/timestamp/duration (their storage integer).
 * Dictionary-encoded schemas are built as their value type (the builder
 * decodes; the finished array is plain).
 */
typedef struct dlt_builder dlt_builder;

int dlt_builder__new(dlt_builder **out, const struct ArrowSchema *schema /* copied */,
                     dlt_error *err);
void dlt_builder__free(dlt_builder *b);
dlt_builder *dlt_builder__child(dlt_builder *b, int64_t i);
int64_t dlt_builder__n_children(const dlt_builder *b);
const dlt_type_view *dlt_builder__type(const dlt_builder *b);
const struct ArrowSchema *dlt_builder__schema(const dlt_builder *b);
int64_t dlt_builder__length(const dlt_builder *b);
int dlt_builder__reserve(dlt_builder *b, int64_t additional, dlt_error *err);

int dlt_builder__append_null(dlt_builder *b, dlt_error *err);
int dlt_builder__append_nulls(dlt_builder *b, int64_t n, dlt_error *err);
int dlt_builder__append_bool(dlt_builder *b, bool v, dlt_error *err);
int dlt_builder__append_int(dlt_builder *b, int64_t v, dlt_error *err);
int dlt_builder__append_uint(dlt_builder *b, uint64_t v, dlt_error *err);
/* float16/float32/float64 (float16 rounds to nearest even). */
int dlt_builder__append_double(dlt_builder *b, double v, dlt_error *err);
/* string/large_string (not UTF-8 checked here), binary, fixed binary (n must equal width). */
int dlt_builder__append_bytes(dlt_builder *b, const void *data, size_t n, dlt_error *err);
/* decimal128/256: two's complement little-endian words (2 or 4 uint64_t). */
int dlt_builder__append_decimal(dlt_builder *b, const uint64_t *words, int n_words,
                                dlt_error *err);
/* struct/list/map/fixed list: close the current element as valid. */
int dlt_builder__append_valid(dlt_builder *b, dlt_error *err);
/* Append element i of `src` (same type as the builder, or a compatible
 * dictionary-encoded array) with its nested content. */
int dlt_builder__append_from(dlt_builder *b, const struct ArrowSchema *src_schema,
                             const struct ArrowArray *src, int64_t i, dlt_error *err);
/* Append elements [offset, offset + n) of `src` (logical indices, as in
 * append_from, same type rules). Bulk copies (memcpy of values, rebased
 * offsets) when src has exactly the builder's fixed-width, boolean or
 * string/binary type; element by element otherwise. `src` must be validated. */
int dlt_builder__append_range(dlt_builder *b, const struct ArrowSchema *src_schema,
                              const struct ArrowArray *src, int64_t offset, int64_t n,
                              dlt_error *err);
/* Move the built data into `out` and reset the builder (same schema) for reuse. */
int dlt_builder__finish(struct ArrowArray *out, dlt_builder *b, dlt_error *err);

/* ---------- validation ---------- */

/*
 * Fully check a (possibly foreign) array against its schema before reading
 * it: buffer count and non-NULL buffers where required, buffer sizes implied
 * by length+offset, offsets monotonic and within the data buffer, child
 * lengths, dictionary indices in range, UTF-8 validity of strings, decimal
 * and fixed width, null_count consistent with the bitmap when not -1,
 * nesting depth bounded. Returns DLT_ECORRUPT (or DLT_EUNSUPPORTED for an
 * unknown format) with a message naming the field path and what is wrong.
 * Note: the C Data Interface does not carry buffer sizes, so "buffer sizes"
 * are checked via what lengths and offsets imply, reading offsets only after
 * checking the offsets buffer is non-NULL.
 */
int dlt_arrow__validate(const struct ArrowSchema *schema, const struct ArrowArray *array,
                        dlt_error *err);
int dlt_arrow__validate_schema(const struct ArrowSchema *schema, dlt_error *err);
/* Is [p, p+n) valid UTF-8 (no overlongs, surrogates or > U+10FFFF)? */
bool dlt_utf8_valid(const uint8_t *p, size_t n);

/* ---------- streams ---------- */

/* Produce the next batch into *out; leave out->release NULL at end of stream. */
typedef int (*dlt_stream_next_fn)(void *state, struct ArrowArray *out, dlt_error *err);

/* A stream over callbacks. `schema` is moved in; free_state(state) on release. */
int dlt_stream__new(struct ArrowArrayStream *out, struct ArrowSchema *schema /* moved */,
                    dlt_stream_next_fn next, void (*free_state)(void *state), void *state,
                    dlt_error *err);
/* A stream over n batches (moved in, each a struct array matching schema). */
int dlt_stream__from_batches(struct ArrowArrayStream *out,
                             struct ArrowSchema *schema /* moved */,
                             struct ArrowArray *batches /* n, each moved */, size_t n,
                             dlt_error *err);
/* A stream that reads `in` (moved) up to `depth` batches ahead on a
 * background thread: the next batches are produced while the caller works
 * on the current one. `in`'s batches must be releasable from any thread.
 * Without a thread to be had, *out is simply `in`. */
int dlt_stream__read_ahead(struct ArrowArrayStream *out, struct ArrowArrayStream *in /* moved */,
                           size_t depth, dlt_error *err);
/* Call get_next and translate the stream's errno + last error into a dlt_error. */
int dlt_stream__next(struct ArrowArrayStream *s, struct ArrowArray *out, dlt_error *err);
int dlt_stream__schema(struct ArrowArrayStream *s, struct ArrowSchema *out, dlt_error *err);

#endif /* DLT_ARROW_ARROW_H */
