/*
 * deltalite/parquet.h - reading Parquet files into Arrow.
 *
 * A dlt_parquet_file is an opened Parquet file: its footer decoded, its
 * schema mapped to Arrow. dlt_parquet_read() streams its rows as Arrow record
 * batches (struct arrays), optionally projected to some columns, restricted to
 * some row groups (by index or by a predicate over row-group statistics), and
 * decoded on several threads.
 *
 * Type mapping (Parquet -> Arrow):
 *   BOOLEAN -> bool; INT32/INT64 -> int32/int64 (INTEGER(8|16|32|64, signed or
 *   not) -> the matching int/uint); INT96 -> timestamp (microseconds by default,
 *   as Spark and Delta mean it; nanoseconds on request, see int96_unit: values
 *   outside the nanosecond range then fail with DLT_ECORRUPT); FLOAT/DOUBLE ->
 *   float32/float64; FLOAT16 -> float16; BYTE_ARRAY -> binary, or utf8 when
 *   annotated STRING/UTF8/ENUM/JSON; BSON -> binary; FIXED_LEN_BYTE_ARRAY ->
 *   fixed_size_binary (UUID -> fixed 16, INTERVAL -> fixed 12); DECIMAL ->
 *   decimal128 (decimal256 when precision > 38); DATE -> date32; TIME(ms) ->
 *   time32[ms], TIME(us|ns) -> time64; TIMESTAMP(ms|us|ns) -> timestamp of that
 *   unit, tz "UTC" when adjusted to UTC; LIST (and the legacy 2-level and
 *   unannotated repeated forms) -> list; MAP / MAP_KEY_VALUE -> map; groups ->
 *   struct. A Parquet field_id becomes Arrow field metadata "PARQUET:field_id".
 *
 * Thread safety: a dlt_parquet_file may be read by one stream at a time; the
 * file must outlive the streams made from it.
 */
#ifndef DELTALITE_PARQUET_H
#define DELTALITE_PARQUET_H

#include "arrow_c.h"
#include "common.h"
#include "io.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dlt_parquet_file dlt_parquet_file; /* opaque */

/** Parquet physical types (the numbers of parquet.thrift). */
typedef enum dlt_parquet_physical {
	DLT_PARQUET_BOOLEAN = 0,
	DLT_PARQUET_INT32 = 1,
	DLT_PARQUET_INT64 = 2,
	DLT_PARQUET_INT96 = 3,
	DLT_PARQUET_FLOAT = 4,
	DLT_PARQUET_DOUBLE = 5,
	DLT_PARQUET_BYTE_ARRAY = 6,
	DLT_PARQUET_FIXED_LEN_BYTE_ARRAY = 7
} dlt_parquet_physical;

/** A statistics value decoded from its plain encoding. */
typedef struct dlt_parquet_value {
	int present;            /* 0: absent (no statistic); the rest is meaningless */
	int physical;           /* dlt_parquet_physical of the column */
	int64_t i64;            /* BOOLEAN (0/1), INT32, INT64 (as signed) */
	double f64;             /* FLOAT, DOUBLE */
	const uint8_t *bytes;   /* BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY, INT96: borrowed */
	size_t len;
} dlt_parquet_value;

/** Statistics of one leaf column in one row group (borrowed during the callback). */
typedef struct dlt_parquet_column_stats {
	const char *path;       /* dotted path in the Parquet schema: "a.b.c" */
	int32_t field_id;       /* -1 when the schema has none */
	int column;             /* leaf column index */
	int physical;           /* dlt_parquet_physical */
	int is_unsigned;        /* INTEGER(unsigned): compare i64 as uint64 */
	dlt_parquet_value min;  /* exact or truncated min (min_value, else legacy min if safe) */
	dlt_parquet_value max;
	int64_t null_count;     /* -1 if unknown */
	int64_t num_values;     /* values in the chunk, nulls included */
} dlt_parquet_column_stats;

/**
 * Row-group predicate: return 1 to read the row group, 0 to skip it, or a
 * negative dlt_code to fail the read. `cols` covers every leaf column.
 */
typedef int (*dlt_parquet_row_group_cb)(int64_t row_group, int64_t num_rows,
                                        const dlt_parquet_column_stats *cols, size_t n_cols,
                                        void *payload);

/**
 * Page predicate (needs the file's page index: ColumnIndex + OffsetIndex).
 * Asked, for each row group that is read, once per row range [first_row,
 * first_row + num_rows) (row numbers within the row group) between consecutive
 * page boundaries of any column; `cols` covers every leaf column and holds the
 * ColumnIndex statistics of the page of that column covering the range
 * (num_values: rows of that page), or the row group's statistics when the column
 * has no page index. Return 1 when rows of the range may match, 0 when none can, or a
 * negative dlt_code to fail the read. Ranges are widened to whole pages of every
 * projected column, so batches hold every row of the pages read (filter rows
 * afterwards); the counters report pages read and skipped.
 */
typedef int (*dlt_parquet_page_cb)(int64_t row_group, int64_t first_row, int64_t num_rows,
                                   const dlt_parquet_column_stats *cols, size_t n_cols,
                                   void *payload);

/** Unit of INT96 timestamps. */
typedef enum dlt_parquet_int96_unit {
	DLT_PARQUET_INT96_MICROS = 0, /* default: covers every INT96 value Spark writes */
	DLT_PARQUET_INT96_NANOS = 1   /* out-of-range values fail with DLT_ECORRUPT */
} dlt_parquet_int96_unit;

/**
 * Options for opening and reading. Fields are only appended; set `version`
 * (DLT_PARQUET_READ_OPTIONS_INIT or dlt_parquet_read_options_init does).
 * Pointers are borrowed for the duration of the call that receives them.
 * Schema-shaping fields (int96_unit, dictionary) are taken from the options
 * given to dlt_parquet_open; the others from those given to dlt_parquet_read
 * (or, when it gets NULL, from those given to open, without projection).
 */
typedef struct dlt_parquet_read_options {
	unsigned int version;
	int64_t batch_size;              /* max rows per batch; 0: 65536 */
	int threads;                     /* decode threads; 0 or 1: the calling thread only */
	int verify_checksums;            /* check page CRC32 when present (default 1) */
	int dictionary;                  /* 1: dictionary-encoded string/binary columns become
	                                  * Arrow dictionary arrays (int32 indices) */
	int int96_unit;                  /* dlt_parquet_int96_unit */
	const char *const *columns;      /* projection by dotted path ("a.b.c" or a prefix
	                                  * "a" for a whole group); NULL: all */
	size_t n_columns;
	const int32_t *field_ids;        /* projection by field id (any level) */
	size_t n_field_ids;
	const int64_t *row_groups;       /* read only these row groups, in this order; NULL: all */
	size_t n_row_groups;
	dlt_parquet_row_group_cb row_group_filter; /* NULL: none */
	void *row_group_filter_payload;
	/* version 2 */
	dlt_parquet_page_cb page_filter;  /* NULL: none (see dlt_parquet_page_cb) */
	void *page_filter_payload;
} dlt_parquet_read_options;

#define DLT_PARQUET_READ_OPTIONS_VERSION 2
#define DLT_PARQUET_READ_OPTIONS_INIT \
	{ DLT_PARQUET_READ_OPTIONS_VERSION, 0, 0, 1, 0, DLT_PARQUET_INT96_MICROS, NULL, 0, \
	  NULL, 0, NULL, 0, NULL, NULL, NULL, NULL }

/** Fill `opts` with defaults for `version` (DLT_EINVAL for an unknown version). */
DLT_API int dlt_parquet_read_options_init(dlt_parquet_read_options *opts,
                                          unsigned int version);

/**
 * Open a Parquet file: read and check the tail and footer, map the schema.
 * @param[out] out  new handle (dlt_parquet_file_free); NULL on failure.
 * @param in        consumed on every path (freed with the handle or on failure).
 * @param opts      may be NULL (defaults).
 * @return DLT_OK; DLT_ECORRUPT (not parquet, bad footer or schema);
 *         DLT_EUNSUPPORTED (encrypted footer "PARE", unknown physical type);
 *         DLT_EIO; DLT_ENOMEM.
 */
DLT_API int dlt_parquet_open(dlt_parquet_file **out, dlt_input *in /* consumed */,
                             const dlt_parquet_read_options *opts, dlt_error *err);
/** dlt_parquet_open over a local file. */
DLT_API int dlt_parquet_open_path(dlt_parquet_file **out, const char *path,
                                  const dlt_parquet_read_options *opts, dlt_error *err);
/** Free the handle and its input. NULL ok. */
DLT_API void dlt_parquet_file_free(dlt_parquet_file *f);

/** Arrow schema of the whole file (a struct "+s" with one child per top-level column). */
DLT_API int dlt_parquet_file_schema(struct ArrowSchema *out, const dlt_parquet_file *f,
                                    dlt_error *err);
DLT_API int64_t dlt_parquet_file_num_rows(const dlt_parquet_file *f);
DLT_API int64_t dlt_parquet_file_num_row_groups(const dlt_parquet_file *f);
/** Rows in row group `rg`; -1 if out of range. */
DLT_API int64_t dlt_parquet_file_row_group_rows(const dlt_parquet_file *f, int64_t rg);

/**
 * Stream the rows. `out` gets a stream of struct arrays whose schema is the
 * projected schema (top-level columns in file order, nested groups pruned to
 * the selected leaves). The stream keeps `f` borrowed: free it after the
 * stream is released. Errors surface from get_next (get_last_error names the
 * file, column and page).
 * @return DLT_OK; DLT_ENOTFOUND (projected column or field id absent);
 *         DLT_EINVAL (row group out of range); DLT_ENOMEM.
 */
DLT_API int dlt_parquet_read(struct ArrowArrayStream *out, dlt_parquet_file *f,
                             const dlt_parquet_read_options *opts, dlt_error *err);

/**
 * The Parquet schema as text, like parquet-tools' "schema" command:
 * "message schema {\n  optional int32 id;\n  ...}\n". Caller dlt_free's *out.
 */
DLT_API int dlt_parquet_schema_text(char **out, const dlt_parquet_file *f, dlt_error *err);

/**
 * The footer as JSON text: created_by, num_rows, key/value metadata, and per
 * row group its rows, sizes and, per column chunk, path, type, codec,
 * encodings, sizes, offsets and statistics (values as JSON scalars, bytes
 * as strings or hex). Caller dlt_free's *out.
 */
DLT_API int dlt_parquet_meta_json(char **out, const dlt_parquet_file *f, dlt_error *err);

/** Counters since open, for benchmarks and tests. */
typedef struct dlt_parquet_counters {
	int64_t row_groups_read;
	int64_t row_groups_skipped;
	int64_t pages_read;
	int64_t pages_skipped;
	int64_t bytes_read;
} dlt_parquet_counters;
DLT_API void dlt_parquet_file_counters(dlt_parquet_counters *out, const dlt_parquet_file *f);

#ifdef __cplusplus
}
#endif
#endif /* DELTALITE_PARQUET_H */
