/*
 * cli/cli.h - what the commands of the deltalite tool share: the per-run
 * context, error reporting (exit codes 0 ok, 1 failure, 2 usage), data
 * formats, progress on a terminal, and the Parquet writer options.
 */
#ifndef DLT_CLI_H
#define DLT_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "deltalite.h"
#include "deltalite/parquet_write.h"
#include "deltalite/text.h"
#include "opt.h"

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

typedef struct cli_ctx {
	const char *cmd;    /* "convert", "parquet cat": names the help to point at */
	FILE *out;          /* stdout */
	FILE *err;          /* stderr */
	int progress;       /* 1: stderr is a terminal, report progress of long work */
} cli_ctx;

/** A command: argv[0] is the command name; options and arguments follow. */
typedef int (*cli_cmd_fn)(cli_ctx *c, int argc, char **argv);

int cmd_convert(cli_ctx *c, int argc, char **argv);
int cmd_parquet(cli_ctx *c, int argc, char **argv);
int cmd_inspect(cli_ctx *c, int argc, char **argv);
int cmd_files(cli_ctx *c, int argc, char **argv);
int cmd_history(cli_ctx *c, int argc, char **argv);
int cmd_scan(cli_ctx *c, int argc, char **argv);
int cmd_changes(cli_ctx *c, int argc, char **argv);

/* ---- reporting ---- */

/** "deltalite: <msg>" and a pointer to --help on stderr; returns EXIT_USAGE. */
int cli_usage(cli_ctx *c, const char *fmt, ...) DLT_PRINTF(2, 3);
/** "deltalite: <message>" from a dlt_error (path and line added when set and
 * not already in the message); returns EXIT_FAIL. */
int cli_fail(cli_ctx *c, const dlt_error *err);
/** "deltalite: <msg>"; returns EXIT_FAIL. */
int cli_failf(cli_ctx *c, const char *fmt, ...) DLT_PRINTF(2, 3);
/** Print a help text to stdout; returns EXIT_OK. */
int cli_help(cli_ctx *c, const char *text);
/** The usage error of an opt_next failure. */
int cli_opt_error(cli_ctx *c, const opt_parser *p);
/** Flush stdout and report a write error (EPIPE included) as a failure. */
int cli_finish_output(cli_ctx *c, int rc);

/* ---- data formats ---- */

typedef enum cli_format {
	FMT_NONE = 0,
	FMT_CSV,
	FMT_JSONL,
	FMT_PARQUET
} cli_format;

/** "csv", "jsonl" (also "ndjson", "json"), "parquet"; FMT_NONE if unknown. */
cli_format cli_format_parse(const char *s);
/** From the file name's extension; FMT_NONE when it has none we know. */
cli_format cli_format_from_path(const char *path);
const char *cli_format_name(cli_format f);

/** Options of the text formats. */
typedef struct cli_text_opts {
	char delimiter;          /* CSV field delimiter */
	int header;              /* CSV has / gets a header line */
	int64_t batch_rows;      /* rows per batch when reading text; 0 default */
	int64_t infer_rows;      /* rows used to infer types; 0 default, -1 all */
	const char *null_value;  /* CSV text of null (reading and writing); NULL: empty */
	int binary_hex;          /* binary as hex instead of base64 in text output */
	int raw_variant;         /* variant columns as their {metadata, value} struct,
	                          * not as JSON */
	const char *nulls[1];    /* storage for the reader's null list: readers may keep
	                          * the pointer for the life of their stream */
} cli_text_opts;
#define CLI_TEXT_OPTS_INIT { ',', 1, 0, 0, NULL, 0, 0, { NULL } }

/** Wrap `inner` (moved) so that at most `limit` rows come out. */
int cli_limit_wrap(struct ArrowArrayStream *out, struct ArrowArrayStream *inner,
                   int64_t limit, dlt_error *err);

/**
 * Open `path` ("-": stdin) in format `fmt` as a stream of record batches.
 * `*pq_out` receives the Parquet file handle when fmt is Parquet (free it after
 * the stream; NULL otherwise); `*mem_out` a buffer to free() after that (stdin
 * read into memory for Parquet). `columns` (NULL: all) projects Parquet input.
 */
int cli_open_reader(struct ArrowArrayStream *out, dlt_parquet_file **pq_out, void **mem_out,
                    const char *path, cli_format fmt, cli_text_opts *topts,
                    const dlt_parquet_read_options *popts, dlt_error *err);

/** Write a whole stream (consumed) as CSV or JSON lines to `sink`. */
int cli_write_text(dlt_output *sink, struct ArrowArrayStream *stream, cli_format fmt,
                   const cli_text_opts *topts, dlt_error *err);

/* ---- Parquet writer options shared by "convert" and "parquet write" ---- */

typedef struct cli_pq_write {
	dlt_parquet_write_options opts;
	dlt_parquet_column_options *cols; /* --encoding overrides, malloc'd */
	size_t n_cols;
} cli_pq_write;

enum { /* option ids of the writer options, above those of any command */
	PQW_CODEC = 100,
	PQW_ROW_GROUP_ROWS,
	PQW_ROW_GROUP_BYTES,
	PQW_PAGE_BYTES,
	PQW_PAGE_ROWS,
	PQW_DICTIONARY,
	PQW_ENCODING,
	PQW_PAGE_VERSION,
	PQW_NO_STATS
};
#define CLI_PQ_WRITE_OPTS                                             \
	{ "codec", 0, 1, PQW_CODEC },                                 \
	{ "row-group-rows", 0, 1, PQW_ROW_GROUP_ROWS },               \
	{ "row-group-bytes", 0, 1, PQW_ROW_GROUP_BYTES },             \
	{ "page-bytes", 0, 1, PQW_PAGE_BYTES },                       \
	{ "page-rows", 0, 1, PQW_PAGE_ROWS },                         \
	{ "dictionary", 0, 1, PQW_DICTIONARY },                       \
	{ "encoding", 0, 1, PQW_ENCODING },                           \
	{ "page-version", 0, 1, PQW_PAGE_VERSION },                   \
	{ "no-statistics", 0, 0, PQW_NO_STATS }

/** The help text of those options (shared by both commands' help). */
extern const char cli_pq_write_help[];

void cli_pq_write_init(cli_pq_write *w);
void cli_pq_write_dispose(cli_pq_write *w);
/** Apply writer option `id` with `value`: 0, or EXIT_USAGE after reporting. */
int cli_pq_write_option(cli_ctx *c, cli_pq_write *w, int id, const char *value);

/* ---- progress (only when stderr is a terminal) ---- */

/**
 * Wrap `inner` (moved into the wrapper) to count rows into *rows (may be NULL)
 * and, when c->progress is set, refresh "<label>: N rows (R rows/s)" on stderr
 * a few times a second; the line is cleared when the stream is released.
 */
int cli_progress_wrap(struct ArrowArrayStream *out, struct ArrowArrayStream *inner,
                      cli_ctx *c, const char *label, int64_t *rows, dlt_error *err);

/* ---- the pipeline of convert, parquet write and parquet cat ---- */

typedef struct cli_job {
	const char *in_path, *out_path;     /* "-": stdin / stdout */
	cli_format in_fmt, out_fmt;
	cli_text_opts in_text, out_text;
	dlt_parquet_read_options pq_read;   /* Parquet input: projection, threads, batch size */
	cli_pq_write pq_write;              /* Parquet output */
	int64_t limit;                      /* -1: all rows */
	int json;                           /* print a JSON summary on stdout */
	int out_delim_set;                  /* --out-delimiter given */
	const char *label;                  /* progress label */
} cli_job;

void cli_job_init(cli_job *j);

enum { /* ids of the options the pipeline commands share */
	J_DELIM = 50, J_NO_HEADER, J_NULL, J_INFER, J_BATCH, J_LIMIT, J_COLUMNS, J_THREADS,
	J_BINHEX, J_JSON, J_OUT_DELIM, J_RAW_VARIANT
};
#define CLI_JOB_OPTS                                  \
	{ "delimiter", 'd', 1, J_DELIM },             \
	{ "out-delimiter", 0, 1, J_OUT_DELIM },       \
	{ "no-header", 0, 0, J_NO_HEADER },           \
	{ "null", 0, 1, J_NULL },                     \
	{ "infer-rows", 0, 1, J_INFER },              \
	{ "batch-rows", 0, 1, J_BATCH },              \
	{ "limit", 0, 1, J_LIMIT },                   \
	{ "columns", 0, 1, J_COLUMNS },               \
	{ "threads", 0, 1, J_THREADS },               \
	{ "binary-hex", 0, 0, J_BINHEX }

/**
 * Apply a shared option (J_* or PQW_*) to `j`: 0 done, 1 not a shared option,
 * EXIT_USAGE/EXIT_FAIL after reporting. --columns keeps its list in *colbuf
 * and *cols (free both).
 */
int cli_job_option(cli_ctx *c, cli_job *j, int id, const char *v, char **colbuf,
                   const char ***cols);
/** Formats of IN and OUT: `from`/`to` when given, else the extensions. */
int cli_job_formats(cli_ctx *c, cli_job *j, cli_format from, cli_format to);
/** Split "a,b.c" into names: pointers into a copy in *buf (free both). */
int cli_parse_columns(cli_ctx *c, const char *list, char **buf, const char ***cols,
                      size_t *n);
/** Run the job; reports failure itself and returns an exit status. */
int cli_job_run(cli_ctx *c, cli_job *j);

/* ---- JSON rendering for humans ---- */

/** Render JSON text as indented "key: value" lines; -1 if it is not valid JSON. */
int cli_json_render(FILE *out, const char *json);
/** 1 when `json` is one valid JSON value (and nothing else). */
int cli_json_valid(const char *json);
/* The value of field metadata `key` of `s` into buf (NUL-terminated, cut to
 * cap); NULL when absent. */
const char *cli_arrow_metadata(const struct ArrowSchema *s, const char *key, char *buf,
                               size_t cap);
/** Write `s` as a JSON string literal. */
void cli_json_string(FILE *out, const char *s);

/* ---- Delta tables (delta.c) ---- */

/**
 * Parse a point in time: epoch milliseconds ("1706695200000"), a date
 * ("2024-01-31", midnight UTC) or ISO-8601 date and time ("2024-01-31T10:00:00Z",
 * "2024-01-31 10:00:00.5", "2024-01-31T11:00+01:00"; no offset: UTC).
 * Returns 0, or -1 when `s` is none of those.
 */
int cli_parse_timestamp(const char *s, int64_t *ms_out);
/** "2024-01-31T10:00:00.000Z" of epoch ms, into buf[n]. */
void cli_format_timestamp(char *buf, size_t n, int64_t ms);

/** Which version of a table to read: --version N or --timestamp T. */
typedef struct cli_at {
	int64_t version;        /* -1: latest (or by timestamp) */
	int by_timestamp;
	int64_t timestamp_ms;
} cli_at;
#define CLI_AT_INIT { -1, 0, 0 }
enum { /* ids of --version / --timestamp, above those of any command */
	AT_VERSION = 90, AT_TIMESTAMP
};
#define CLI_AT_OPTS { "version", 0, 1, AT_VERSION }, { "timestamp", 0, 1, AT_TIMESTAMP }
/** Apply AT_VERSION / AT_TIMESTAMP: 0, or EXIT_USAGE after reporting. */
int cli_at_option(cli_ctx *c, cli_at *at, int id, const char *v);

/**
 * Open the table at `uri` (a path or file:// URI) and take the snapshot `at`
 * asks for. On failure reports it (naming the table) and returns EXIT_FAIL;
 * *table_out and *snap_out are then NULL.
 */
int cli_open_snapshot(cli_ctx *c, const char *uri, const cli_at *at, dlt_table **table_out,
                      dlt_snapshot **snap_out);
/** Open the table only (same reporting). */
int cli_open_table(cli_ctx *c, const char *uri, dlt_table **table_out);

/**
 * Write `stream` (consumed) to `path` ("-": stdout) as `fmt`, counting rows
 * into *rows (may be NULL). Reports failure; returns an exit status.
 */
int cli_write_stream(cli_ctx *c, struct ArrowArrayStream *stream, const char *path,
                     cli_format fmt, const cli_text_opts *topts, const char *label,
                     int64_t *rows);

/* Reading values out of Arrow arrays (utf8/large_utf8, int64, int32; validity). */
int cli_arrow_is_null(const struct ArrowArray *a, int64_t i);
/** String i of a "u" or "U" array (not NUL-terminated): NULL when null. */
const char *cli_arrow_str(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i,
                          size_t *len);
/** Integer i of an int64/int32/timestamp array; `dflt` when null. */
int64_t cli_arrow_int(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i,
                      int64_t dflt);
/** Index of child `name` of a struct schema, -1 if absent. */
int cli_arrow_child(const struct ArrowSchema *s, const char *name);

/** Write n bytes of `s` as a JSON string literal. */
void cli_json_stringn(FILE *out, const char *s, size_t n);

#endif
