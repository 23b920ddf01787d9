/*
 * Internal API of the table module: deletion vectors, partition values,
 * physical -> logical conversion of batches, per-file reading shared by the
 * scan and the change data feed. Never exported.
 */
#ifndef DLT_TABLE_TABLE_H
#define DLT_TABLE_TABLE_H

#include "deltalite/scan.h"
#include "deltalite/parquet.h"
#include "arrow/arrow.h"
#include "log/log.h"

#include <stdbool.h>

/* ---------------------------------------------------------------- dv.c -- */

/* A decoded deletion vector: the set of deleted row indexes, as sorted
 * 32-bit buckets (high 32 bits) of CRoaring bitmaps (low 32 bits). */
typedef struct dlt_dv_bitmap {
	size_t n;
	uint32_t *keys;
	void **maps;          /* roaring_bitmap_t * */
	uint64_t cardinality;
} dlt_dv_bitmap;

void dlt_table__dv_dispose(dlt_dv_bitmap *dv);
bool dlt_table__dv_contains(const dlt_dv_bitmap *dv, uint64_t row);

/* Z85 (ZeroMQ RFC 32) decode: n must be a multiple of 5; out gets up to
 * n/5*4 bytes, *out_len of them. allow_pad: the final group may start with
 * k = 1..3 '#', a partial block of 4 - k bytes (right-aligned in the group,
 * as the Rust z85 crate writes a tail). Every group must fit its bytes
 * (never taken modulo 2^32). DLT_ECORRUPT naming the position. */
int dlt_table__z85_decode(uint8_t *out, size_t *out_len, const char *s, size_t n,
                          bool allow_pad, dlt_error *err);
/* Relative DV path of a 'u' descriptor: "<prefix>/deletion_vector_<uuid>.bin"
 * (no "<prefix>/" when the prefix is empty). *out: dlt_free. */
int dlt_table__dv_relative_path(char **out, const char *path_or_inline, dlt_error *err);
/* Parse a serialized DV (magic number + 64-bit portable RoaringBitmapArray). */
int dlt_table__dv_parse(dlt_dv_bitmap *out, const uint8_t *data, size_t n, dlt_error *err);
/* Parse one DV stored in a DV file image at `offset` (size, data, CRC-32
 * checked against the descriptor's size_in_bytes). `name` is for messages. */
int dlt_table__dv_parse_file(dlt_dv_bitmap *out, const uint8_t *file, size_t n,
                             int64_t offset, int32_t size_in_bytes, const char *name,
                             dlt_error *err);
/* Load the DV of a descriptor: inline, or read from storage. The decoded
 * cardinality must equal dv->cardinality. *bytes_read (may be NULL). */
int dlt_table__dv_load(dlt_dv_bitmap *out, const dlt_log_dv *dv, dlt_storage *st,
                       int64_t *bytes_read, dlt_error *err);

/* --------------------------------------------------------- partition.c -- */

/* Append the typed value of partition text `text` (NULL: null) to `b`, whose
 * type is the partition column's logical type. DLT_ECORRUPT naming `column`
 * when the text is not a value of that type. */
int dlt_table__append_partition_value(dlt_builder *b, const char *text, const char *column,
                                      dlt_error *err);

/* ------------------------------------------------------------ conform.c -- */

/* How fields of a physical struct are found for a logical field. */
typedef enum dlt_match_mode {
	DLT_MATCH_NAME = 0,     /* logical name (no column mapping, or logical -> logical) */
	DLT_MATCH_PHYSICAL,     /* delta.columnMapping.physicalName */
	DLT_MATCH_FIELD_ID      /* delta.columnMapping.id vs PARQUET:field_id */
} dlt_match_mode;

/* Index of the child of struct schema `ps` that holds logical field `lf`; -1. */
int64_t dlt_table__find_child(const struct ArrowSchema *ps, const struct ArrowSchema *lf,
                              dlt_match_mode mode);
/* The name of `lf` as stored in files under `mode` (physicalName or the name). */
const char *dlt_table__physical_name(const struct ArrowSchema *lf, dlt_match_mode mode,
                                    char *buf, size_t cap);
/* Convert `pa` (schema `ps`; NULL: absent -> nulls) into a new array of type
 * `ls` of `length` rows. */
int dlt_table__conform(struct ArrowArray *out, const struct ArrowSchema *ls,
                       const struct ArrowSchema *ps, const struct ArrowArray *pa,
                       int64_t length, dlt_match_mode mode, dlt_error *err);
/* Leaf formats `l` (logical) and `p` (physical) share one layout. */
bool dlt_table__same_leaf(const char *l, const char *p);
/* Whether physical `ps` needs no conversion to logical `ls` (same layouts,
 * same children in the same order): its arrays can be passed on as they are. */
bool dlt_table__identical_type(const struct ArrowSchema *ls, const struct ArrowSchema *ps,
                               dlt_match_mode mode);
/* A null array of type `s`. */
int dlt_table__nulls(struct ArrowArray *out, const struct ArrowSchema *s, int64_t n,
                     dlt_error *err);

/* ----------------------------------------------------------- fileread.c -- */

/* Rows to keep of one file, by row index: not in `exclude`, and (when
 * `include` is set) in `include`. Both borrowed, may be NULL. */
typedef struct dlt_row_selection {
	const dlt_dv_bitmap *exclude;
	const dlt_dv_bitmap *include;
} dlt_row_selection;

/* Reading one data file into logical batches of `read_schema` (a struct
 * schema of logical top-level columns, some of them partition columns). */
typedef struct dlt_file_reader dlt_file_reader;

typedef struct dlt_file_reader_args {
	dlt_storage *storage;                  /* the table's */
	const dlt_log_file *file;              /* path, partition values, DV */
	const struct ArrowSchema *read_schema; /* logical, borrowed */
	const bool *is_partition;              /* per read_schema child */
	dlt_match_mode mode;
	int64_t batch_size;
	dlt_row_selection sel;
	dlt_parquet_row_group_cb rg_filter;    /* NULL: none */
	void *rg_payload;
	struct dlt_pq_carry *carry;            /* Parquet work state kept across the files
	                                        * of a scan (NULL: none); outlives the reader */
} dlt_file_reader_args;

int dlt_table__file_reader_open(dlt_file_reader **out, const dlt_file_reader_args *args,
                                dlt_error *err);
/* Next batch (out->release NULL at the end). Rows removed by the selection
 * are counted in *deleted; decoded rows in *decoded. */
int dlt_table__file_reader_next(dlt_file_reader *r, struct ArrowArray *out, int64_t *decoded,
                                int64_t *deleted, dlt_error *err);
void dlt_table__file_reader_counters(const dlt_file_reader *r, int64_t *rg_read,
                                     int64_t *rg_skipped);
void dlt_table__file_reader_free(dlt_file_reader *r);

/* Open an input for a file path as logged: relative keys through `st`,
 * absolute URIs through a storage opened for their directory. */
int dlt_table__open_input(dlt_input **out, dlt_storage *st, const char *path, bool absolute,
                          dlt_error *err);
/* Whole object by path (same rules). */
int dlt_table__get_bytes(dlt_bytes *out, dlt_storage *st, const char *path, bool absolute,
                         dlt_error *err);

/* ------------------------------------------------------------ project.c -- */

/* Column mapping mode of a snapshot as a match mode. */
dlt_match_mode dlt_table__match_mode(const dlt_snapshot *snap);
/* Split a projection path ("a.`b.c`.d") into segments (dlt_free each and the array). */
int dlt_table__split_path(char ***out, size_t *n_out, const char *path, dlt_error *err);
/* Prune `full` (struct) to the given paths; DLT_ENOTFOUND naming a missing one. */
int dlt_table__project_schema(struct ArrowSchema *out, const struct ArrowSchema *full,
                              const char *const *paths, size_t n, dlt_error *err);

/* One statistic from a file's stats JSON (minValues/maxValues leaf `v`) into a 1-row
 * array of the leaf type `sch`; an unknown or unparsable value gives a null row. `raw`
 * (may be NULL) is the value's original JSON text, needed for exact decimals. */
struct json_t;
int dlt_table__stat_from_json(struct ArrowArray *out, const struct ArrowSchema *sch,
                              const struct json_t *v, const char *raw, size_t raw_len,
                              dlt_error *err);

#endif /* DLT_TABLE_TABLE_H */
