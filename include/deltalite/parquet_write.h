/*
 * deltalite/parquet_write.h - writing Arrow record batches as Parquet.
 *
 * A dlt_parquet_writer turns Arrow record batches (struct arrays, "+s") into
 * one Parquet file written incrementally to a dlt_output: column chunks are
 * buffered (encoded and compressed) only for the row group being built, so
 * memory is bounded by the row group size. On any failure the output is
 * aborted: a half-written file is never finished.
 *
 * Type mapping (Arrow -> Parquet, logical type + matching converted type):
 *   bool -> BOOLEAN; int8/16/32 -> INT32 INTEGER(n, signed) (INT_8/16/32);
 *   int64 -> INT64; uint8/16/32 -> INT32 INTEGER(n, unsigned) (UINT_8/16/32);
 *   uint64 -> INT64 INTEGER(64, unsigned); float16 -> FIXED_LEN_BYTE_ARRAY(2)
 *   FLOAT16; float32 -> FLOAT; float64 -> DOUBLE; utf8/large_utf8 -> BYTE_ARRAY
 *   STRING (UTF8); binary/large_binary -> BYTE_ARRAY; fixed_size_binary(n) ->
 *   FIXED_LEN_BYTE_ARRAY(n) (UUID when the field has extension name
 *   "arrow.uuid" and n is 16); decimal128/256(p, s) -> INT32 when p <= 9, INT64
 *   when p <= 18, else FIXED_LEN_BYTE_ARRAY of the minimal width (DECIMAL);
 *   date32 -> INT32 DATE; date64 -> INT32 DATE (ms / 86400000);
 *   time32[s] -> INT32 TIME(MILLIS) scaled, time32[ms] -> TIME(MILLIS),
 *   time64[us] -> INT64 TIME(MICROS), time64[ns] -> INT64 TIME(NANOS);
 *   timestamp[s] -> INT64 TIMESTAMP(MILLIS) scaled, [ms] MILLIS, [us] MICROS,
 *   [ns] NANOS, isAdjustedToUTC when the type has a time zone (INT96 on
 *   request); list/large_list/fixed_size_list -> 3-level LIST; map -> MAP
 *   (key_value group, required key); struct -> group; dictionary-encoded
 *   input -> its value type. A field id comes from the Arrow field metadata
 *   key "PARQUET:field_id". Null type -> INT32 with the UNKNOWN (null) logical
 *   type, every value null. Duration, intervals, unions, and other types
 *   Parquet cannot express -> DLT_EUNSUPPORTED naming the column.
 *
 * Thread safety: a writer is used by one thread at a time.
 */
#ifndef DELTALITE_PARQUET_WRITE_H
#define DELTALITE_PARQUET_WRITE_H

#include "arrow_c.h"
#include "common.h"
#include "io.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dlt_parquet_writer dlt_parquet_writer;             /* opaque */
typedef struct dlt_parquet_write_result dlt_parquet_write_result; /* opaque */

/** Compression codecs (the numbers of parquet.thrift CompressionCodec). */
typedef enum dlt_parquet_codec {
	DLT_PARQUET_CODEC_UNCOMPRESSED = 0,
	DLT_PARQUET_CODEC_SNAPPY = 1,
	DLT_PARQUET_CODEC_GZIP = 2,
	DLT_PARQUET_CODEC_BROTLI = 4,
	DLT_PARQUET_CODEC_ZSTD = 6,
	DLT_PARQUET_CODEC_LZ4_RAW = 7
} dlt_parquet_codec;

/** Value encodings (the numbers of parquet.thrift Encoding). */
typedef enum dlt_parquet_encoding {
	DLT_PARQUET_ENCODING_DEFAULT = -1, /* dictionary when enabled, else PLAIN */
	DLT_PARQUET_ENCODING_PLAIN = 0,
	DLT_PARQUET_ENCODING_RLE_DICTIONARY = 8,
	DLT_PARQUET_ENCODING_DELTA_BINARY_PACKED = 5,    /* INT32, INT64 */
	DLT_PARQUET_ENCODING_DELTA_LENGTH_BYTE_ARRAY = 6, /* BYTE_ARRAY */
	DLT_PARQUET_ENCODING_DELTA_BYTE_ARRAY = 7,        /* BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY */
	DLT_PARQUET_ENCODING_BYTE_STREAM_SPLIT = 9        /* FLOAT, DOUBLE, INT32, INT64, FLBA */
} dlt_parquet_encoding;

/** A per-column override, selected by the dotted Parquet path of a leaf
 * ("a.b", "tags.list.element", "m.key_value.key") or of a group (applies to
 * every leaf below it). */
typedef struct dlt_parquet_column_options {
	const char *path;              /* borrowed for the call */
	int encoding;                  /* dlt_parquet_encoding; a non-dictionary encoding
	                                * also turns the dictionary off for the column */
	int dictionary;                /* -1 inherit, 0 off, 1 on */
} dlt_parquet_column_options;

/**
 * Writer options. Fields are only appended; set `version` (the INIT macro or
 * dlt_parquet_write_options_init do). Pointers are borrowed for the call of
 * dlt_parquet_writer_open (everything needed is copied).
 */
typedef struct dlt_parquet_write_options {
	unsigned int version;
	int codec;                     /* dlt_parquet_codec; default SNAPPY */
	int compression_level;         /* 0: codec default (zstd 3, gzip 6, brotli 1) */
	int64_t row_group_rows;        /* max rows per row group; default 1048576 */
	int64_t row_group_bytes;       /* max buffered (encoded) bytes per row group;
	                                * default 128 MiB */
	int64_t page_bytes;            /* target data page size before compression; 1 MiB */
	int64_t page_rows;             /* max rows per data page; default 20000 */
	int dictionary;                /* 1 (default): dictionary-encode where it pays: each
	                                * column chunk's first page compares dictionary +
	                                * indices with PLAIN (compressed) and keeps the
	                                * smaller; a column option dictionary = 1 forces it */
	int64_t dictionary_bytes;      /* dictionary size limit per column chunk, then PLAIN
	                                * fallback; default 1 MiB */
	const dlt_parquet_column_options *columns; /* per-column overrides; may be NULL */
	size_t n_columns;
	int data_page_version;         /* 1 (default) or 2 */
	int int96_timestamps;          /* 1: timestamps as INT96 (Spark legacy); default 0 */
	const char *created_by;        /* NULL: "deltalite version X.Y.Z" */
	const char *const *kv_keys;    /* footer key/value metadata; may be NULL */
	const char *const *kv_values;  /* values (NULL entries allowed) */
	size_t n_kv;
	int write_statistics;          /* 1 (default): chunk and page statistics */
	int page_index;                /* 1 (default): ColumnIndex + OffsetIndex */
	int page_crc;                  /* 1: CRC32 of each page; default 0 */
	int32_t stats_truncate_bytes;  /* longer binary min/max get truncated; default 64 */
} dlt_parquet_write_options;

#define DLT_PARQUET_WRITE_OPTIONS_VERSION 1
#define DLT_PARQUET_WRITE_OPTIONS_INIT                                                  \
	{ DLT_PARQUET_WRITE_OPTIONS_VERSION, DLT_PARQUET_CODEC_SNAPPY, 0, 1048576,      \
	  (int64_t)128 << 20, (int64_t)1 << 20, 20000, 1, (int64_t)1 << 20, NULL, 0, 1, 0, \
	  NULL, NULL, NULL, 0, 1, 1, 0, 64 }

/** Fill `opts` with the defaults of `version` (DLT_EINVAL for an unknown version). */
DLT_API int dlt_parquet_write_options_init(dlt_parquet_write_options *opts,
                                           unsigned int version);

/**
 * Start a Parquet file on `sink` (borrowed: it must outlive the writer; the
 * writer finishes it on close, or aborts it on failure/free. The caller
 * still frees it with dlt_output_free).
 * @param schema  record batch schema ("+s"), borrowed for the call (copied).
 * @param opts    may be NULL (defaults).
 * @return DLT_OK; DLT_EUNSUPPORTED naming a column Parquet cannot express;
 *         DLT_EINVAL (bad options, schema not a struct); DLT_EIO; DLT_ENOMEM.
 *         On failure *out is NULL and the sink has been aborted.
 */
DLT_API int dlt_parquet_writer_open(dlt_parquet_writer **out, dlt_output *sink,
                                    const struct ArrowSchema *schema,
                                    const dlt_parquet_write_options *opts, dlt_error *err);

/**
 * Append a record batch (a struct array of the writer's schema; borrowed:
 * the caller still releases it). The batch is validated first.
 * @return DLT_OK; DLT_ECORRUPT (the batch fails validation, message names the
 *         field); DLT_EIO (sink write); DLT_ENOMEM. After a failure the sink
 *         is aborted and every later call fails with DLT_EINVAL.
 */
DLT_API int dlt_parquet_writer_write(dlt_parquet_writer *w, const struct ArrowArray *batch,
                                     dlt_error *err);

/**
 * Flush the last row group, write the page indexes and the footer, and
 * finish the sink.
 * @param[out] result  may be NULL; else a new result (dlt_parquet_write_result_free).
 * @return DLT_OK or a negative code (the sink is then aborted).
 */
DLT_API int dlt_parquet_writer_close(dlt_parquet_writer *w, dlt_parquet_write_result **result,
                                     dlt_error *err);

/** Free a writer; one not closed has its sink aborted. NULL ok. */
DLT_API void dlt_parquet_writer_free(dlt_parquet_writer *w);

/**
 * Write a whole stream (consumed: released on every path) as one file.
 * Opens, writes every batch and closes. `result` may be NULL.
 */
DLT_API int dlt_parquet_write_stream(dlt_output *sink, struct ArrowArrayStream *stream,
                                     const dlt_parquet_write_options *opts,
                                     dlt_parquet_write_result **result, dlt_error *err);

/* ---------- what the file contains (for a Delta add action) ---------- */

/** Rows written. */
DLT_API int64_t dlt_parquet_write_result_num_rows(const dlt_parquet_write_result *r);
/** Size of the file in bytes. */
DLT_API uint64_t dlt_parquet_write_result_file_size(const dlt_parquet_write_result *r);
/** Number of leaf columns. */
DLT_API size_t dlt_parquet_write_result_num_columns(const dlt_parquet_write_result *r);

/** Statistics of one leaf column over the whole file (borrowed from `r`). */
typedef struct dlt_parquet_write_column {
	const char *path;          /* dotted Parquet path ("a.b", "l.list.element") */
	const char *const *names;  /* the path as Arrow field names (no list/element) */
	size_t n_names;
	int in_list;               /* 1 if some ancestor is a list or map (Delta keeps
	                            * no min/max for those) */
	int64_t null_count;        /* leaf values that are null (parent nulls included) */
	int has_min_max;           /* 0 when every value is null (or NaN), or stats off */
	int min_exact, max_exact;  /* 0 when truncated (a bound, not a value) */
} dlt_parquet_write_column;

/** Column `i` (0 <= i < num_columns), or NULL. */
DLT_API const dlt_parquet_write_column *
dlt_parquet_write_result_column(const dlt_parquet_write_result *r, size_t i);

/**
 * Typed statistics as Arrow: one struct row with fields "minValues",
 * "maxValues" and "nullCount", each a struct shaped like the written schema
 * (nested structs kept; fields under lists or maps left out). min/max
 * leaves have the column's Arrow value type (dictionary input: its value
 * type) and are null when unknown; nullCount leaves are int64. Truncated
 * binary bounds appear as the truncated bound. This is what a Delta "stats"
 * JSON needs. Both outputs are owned by the caller (release them).
 */
DLT_API int dlt_parquet_write_result_stats(struct ArrowSchema *schema_out,
                                           struct ArrowArray *array_out,
                                           const dlt_parquet_write_result *r, dlt_error *err);

DLT_API void dlt_parquet_write_result_free(dlt_parquet_write_result *r);

#ifdef __cplusplus
}
#endif
#endif /* DELTALITE_PARQUET_WRITE_H */
