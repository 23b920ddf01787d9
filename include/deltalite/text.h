/*
 * deltalite/text.h - CSV and NDJSON readers, CSV and JSON-lines writers.
 *
 * Readers turn a dlt_input into an ArrowArrayStream of record batches (struct
 * arrays whose children are the columns), in bounded memory: the input is
 * read in chunks and batches of `batch_rows` rows are produced on demand.
 * Writers take an ArrowArrayStream (or one batch at a time) and write text to
 * a dlt_output.
 *
 * The JSON-lines writer is the canonical dump of Arrow data used by the CLI
 * and the conformance tests: one JSON object per row, keys in field order;
 *   integers as exact JSON numbers; floats in the shortest form that reads
 *   back to the same value (float32 as float32: 1.1, not 1.100000023841858),
 *   NaN/Infinity/-Infinity as the strings "NaN", "Infinity", "-Infinity";
 *   decimals as strings with exactly their scale ("12.30"); date32/date64 as
 *   "2024-01-31"; timestamps as "2024-01-31T13:45:00.123456" (fraction digits
 *   as the unit has, trailing zeros dropped) with a trailing "Z" when the type
 *   has a time zone; time32/time64 as "13:45:00.5"; durations as integers;
 *   binary as base64 (or lowercase hex, see binary_as_hex); structs as
 *   objects; lists as arrays; maps as arrays of {"key":..,"value":..};
 *   dictionary-encoded values as their values; null as null. Strings are
 *   escaped as JSON requires; invalid UTF-8 becomes U+FFFD.
 *
 * Thread safety: independent calls may run on different threads.
 */
#ifndef DELTALITE_TEXT_H
#define DELTALITE_TEXT_H

#include "arrow_c.h"
#include "common.h"
#include "io.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- CSV in -- */

/**
 * Options of dlt_csv_read. Initialise with DLT_CSV_READ_OPTIONS_INIT or
 * dlt_csv_read_options_init(); fields are only ever appended.
 *
 * Quoting follows RFC 4180: a quoted field may hold delimiters, newlines
 * (LF or CRLF) and doubled quotes. Records end at LF, CRLF or CR. A UTF-8 BOM
 * at the start is skipped. Without an explicit schema, column names come from
 * the header (or are "column0", "column1", ...) and types are inferred from
 * the first `infer_rows` records: null -> bool -> int64 -> double, date32,
 * timestamp[us] (timestamp[us, tz=UTC] when every value has an offset or Z),
 * else utf8, widening as values require (int64 + double -> double, anything
 * mixed -> utf8). Inferred columns are nullable. A value after the inference
 * window that does not fit the inferred type fails with DLT_ESCHEMA naming
 * the line (raise infer_rows, or pass -1 to infer over the whole input).
 */
typedef struct dlt_csv_read_options {
	unsigned int version;           /* DLT_CSV_READ_OPTIONS_VERSION */
	char delimiter;                 /* field separator; default ',' */
	char quote;                     /* quote character; default '"'; 0: no quoting */
	char escape;                    /* escape inside quotes; 0 (default): doubled quotes */
	int has_header;                 /* nonzero (default): first record names the columns */
	int64_t batch_rows;             /* rows per batch; <= 0: 65536 */
	/** Explicit schema (a struct schema whose children are the columns), borrowed
	 * for the call (copied). NULL: infer. Values that do not convert fail with
	 * DLT_ECORRUPT naming the line (err->row) and the column. */
	const struct ArrowSchema *schema;
	int64_t infer_rows;             /* records used for inference; 0: 10000; -1: all */
	/** Unquoted field texts that mean null; NULL (default): just the empty field. */
	const char *const *null_values;
	size_t n_null_values;
} dlt_csv_read_options;
#define DLT_CSV_READ_OPTIONS_VERSION 1
#define DLT_CSV_READ_OPTIONS_INIT \
	{ DLT_CSV_READ_OPTIONS_VERSION, ',', '"', 0, 1, 0, NULL, 0, NULL, 0 }
/** Fill `opts` with the defaults of `version`. DLT_EINVAL for an unknown version. */
DLT_API int dlt_csv_read_options_init(dlt_csv_read_options *opts, unsigned int version);

/**
 * Read CSV from `in` as a stream of record batches.
 * @param[out] out  the stream (release it when done); untouched on failure.
 * @param in        consumed: freed by the stream's release, or on failure.
 * @param opts      may be NULL (defaults).
 * @return DLT_OK; DLT_ECORRUPT (unterminated quote, ragged row: err->row is the
 *   1-based line), DLT_EIO, DLT_ENOMEM, DLT_EINVAL. Errors found later are
 *   returned by get_next (errno values) with get_last_error() describing them.
 */
DLT_API int dlt_csv_read(struct ArrowArrayStream *out, dlt_input *in,
                         const dlt_csv_read_options *opts, dlt_error *err);

/* ------------------------------------------------------------- NDJSON in -- */

/**
 * Options of dlt_ndjson_read: one JSON object per line (blank lines skipped).
 * Inference: objects -> struct (fields in first-seen order), arrays -> list,
 * integers -> int64, other numbers -> double, strings -> utf8, true/false ->
 * bool; int64 + double -> double; other mixes -> utf8 holding the JSON text.
 * A key missing from a row is null.
 */
typedef struct dlt_ndjson_read_options {
	unsigned int version;              /* DLT_NDJSON_READ_OPTIONS_VERSION */
	int64_t batch_rows;                /* rows per batch; <= 0: 65536 */
	const struct ArrowSchema *schema;  /* explicit schema (borrowed, copied); NULL: infer */
	int64_t infer_rows;                /* lines used for inference; 0: 10000; -1: all */
} dlt_ndjson_read_options;
#define DLT_NDJSON_READ_OPTIONS_VERSION 1
#define DLT_NDJSON_READ_OPTIONS_INIT { DLT_NDJSON_READ_OPTIONS_VERSION, 0, NULL, 0 }
DLT_API int dlt_ndjson_read_options_init(dlt_ndjson_read_options *opts, unsigned int version);

/**
 * Read newline-delimited JSON from `in` (consumed) as a stream of record
 * batches. A line that is not a JSON object, or a value that does not fit
 * the schema, fails with DLT_ECORRUPT naming the line (err->row).
 */
DLT_API int dlt_ndjson_read(struct ArrowArrayStream *out, dlt_input *in,
                            const dlt_ndjson_read_options *opts, dlt_error *err);

/* --------------------------------------------------------------- CSV out -- */

/**
 * Options of dlt_csv_write. Values are rendered as in the JSON-lines dump
 * (without JSON quoting); nested values are written as their JSON text.
 * Fields holding the delimiter, the quote, CR or LF, or equal to a non-empty
 * null_string's text, are quoted (quotes doubled). Records end with "\n".
 */
typedef struct dlt_csv_write_options {
	unsigned int version;    /* DLT_CSV_WRITE_OPTIONS_VERSION */
	char delimiter;          /* default ',' */
	char quote;              /* default '"' */
	int header;              /* nonzero (default): write the column names first */
	const char *null_string; /* text of null; NULL (default): empty field */
	int binary_as_hex;       /* nonzero: binary as lowercase hex instead of base64 */
	/* version 2: */
	int variant_as_json;     /* nonzero: a variant column (struct of metadata and value
	                          * binaries tagged "delta.type" = "variant") as the JSON
	                          * text of its value (see dlt_jsonl_write_options) */
} dlt_csv_write_options;
#define DLT_CSV_WRITE_OPTIONS_VERSION 2
#define DLT_CSV_WRITE_OPTIONS_INIT { DLT_CSV_WRITE_OPTIONS_VERSION, ',', '"', 1, NULL, 0, 0 }
DLT_API int dlt_csv_write_options_init(dlt_csv_write_options *opts, unsigned int version);

/**
 * Write every batch of `in` (consumed: released on every path) to `out` as
 * CSV. Does not finish `out` (call dlt_output_finish). `opts` may be NULL.
 * @return DLT_OK; DLT_ECORRUPT for an invalid array; DLT_EIO; DLT_ENOMEM.
 */
DLT_API int dlt_csv_write(dlt_output *out, struct ArrowArrayStream *in,
                          const dlt_csv_write_options *opts, dlt_error *err);
/**
 * Write one record batch (borrowed; a struct array of `schema`), preceded by
 * the header line when `write_header` is nonzero (opts->header is ignored).
 * The array is validated first.
 */
DLT_API int dlt_csv_write_batch(dlt_output *out, const struct ArrowSchema *schema,
                                const struct ArrowArray *batch, int write_header,
                                const dlt_csv_write_options *opts, dlt_error *err);

/* -------------------------------------------------------- JSON lines out -- */

typedef struct dlt_jsonl_write_options {
	unsigned int version; /* DLT_JSONL_WRITE_OPTIONS_VERSION */
	int binary_as_hex;    /* nonzero: binary as lowercase hex instead of base64 */
	/* version 2: */
	int variant_as_json;  /* nonzero: a variant column (struct of metadata and value
	                       * binaries tagged "delta.type" = "variant") as the JSON of its
	                       * value: objects (keys sorted), arrays, strings, exact
	                       * numbers; types JSON lacks as tagged objects such as
	                       * {"$date":"2024-01-31"}, {"$decimal":"1.50"},
	                       * {"$binary":"<base64>"}. 0 (default): the struct as is */
} dlt_jsonl_write_options;
#define DLT_JSONL_WRITE_OPTIONS_VERSION 2
#define DLT_JSONL_WRITE_OPTIONS_INIT { DLT_JSONL_WRITE_OPTIONS_VERSION, 0, 0 }
DLT_API int dlt_jsonl_write_options_init(dlt_jsonl_write_options *opts, unsigned int version);

/**
 * Write every batch of `in` (consumed) to `out` as JSON lines (see the top of
 * this file for the format). Does not finish `out`. `opts` may be NULL.
 */
DLT_API int dlt_jsonl_write(dlt_output *out, struct ArrowArrayStream *in,
                            const dlt_jsonl_write_options *opts, dlt_error *err);
/**
 * Write one record batch (borrowed, validated first) as JSON lines; usable
 * incrementally (the CLI prints batches as they come).
 */
DLT_API int dlt_jsonl_write_batch(dlt_output *out, const struct ArrowSchema *schema,
                                  const struct ArrowArray *batch,
                                  const dlt_jsonl_write_options *opts, dlt_error *err);

#ifdef __cplusplus
}
#endif
#endif /* DELTALITE_TEXT_H */
