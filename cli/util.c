/* Shared helpers of the deltalite tool: reporting, formats, progress. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- reporting ---- */

int cli_usage(cli_ctx *c, const char *fmt, ...)
{
	va_list ap;

	fputs("deltalite: ", c->err);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	fprintf(c->err, "\nTry 'deltalite %s%s--help' for more information.\n",
	        c->cmd ? c->cmd : "", c->cmd ? " " : "");
	return EXIT_USAGE;
}

int cli_failf(cli_ctx *c, const char *fmt, ...)
{
	va_list ap;

	fflush(c->out);
	fputs("deltalite: ", c->err);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	fputc('\n', c->err);
	return EXIT_FAIL;
}

int cli_fail(cli_ctx *c, const dlt_error *err)
{
	const char *msg = err->message[0] ? err->message : dlt_code_name(err->code);

	fflush(c->out);
	fprintf(c->err, "deltalite: ");
	/* The path first, unless the message names it already. */
	if (err->path[0] && !strstr(msg, err->path))
		fprintf(c->err, "%s: ", err->path);
	fputs(msg, c->err);
	if (err->row >= 0 && !strstr(msg, "line ") && !strstr(msg, "row "))
		fprintf(c->err, " (line %lld)", (long long)err->row);
	fputc('\n', c->err);
	return EXIT_FAIL;
}

int cli_help(cli_ctx *c, const char *text)
{
	fputs(text, c->out);
	return cli_finish_output(c, EXIT_OK);
}

int cli_opt_error(cli_ctx *c, const opt_parser *p)
{
	return cli_usage(c, "%s", p->error);
}

int cli_finish_output(cli_ctx *c, int rc)
{
	if (fflush(c->out) != 0 || ferror(c->out)) {
		if (rc == EXIT_OK)
			return cli_failf(c, "writing to standard output: %s", strerror(errno));
	}
	return rc;
}

/* ---- formats ---- */

cli_format cli_format_parse(const char *s)
{
	if (strcmp(s, "csv") == 0)
		return FMT_CSV;
	if (strcmp(s, "jsonl") == 0 || strcmp(s, "ndjson") == 0 || strcmp(s, "json") == 0)
		return FMT_JSONL;
	if (strcmp(s, "parquet") == 0)
		return FMT_PARQUET;
	return FMT_NONE;
}

cli_format cli_format_from_path(const char *path)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');

	if (!dot || (slash && dot < slash) || strcmp(path, "-") == 0)
		return FMT_NONE;
	dot++;
	if (strcmp(dot, "csv") == 0 || strcmp(dot, "CSV") == 0)
		return FMT_CSV;
	if (strcmp(dot, "jsonl") == 0 || strcmp(dot, "ndjson") == 0 || strcmp(dot, "json") == 0)
		return FMT_JSONL;
	if (strcmp(dot, "parquet") == 0 || strcmp(dot, "pq") == 0)
		return FMT_PARQUET;
	return FMT_NONE;
}

const char *cli_format_name(cli_format f)
{
	switch (f) {
	case FMT_CSV: return "csv";
	case FMT_JSONL: return "jsonl";
	case FMT_PARQUET: return "parquet";
	default: return "?";
	}
}

/* ---- Parquet writer options ---- */

const char cli_pq_write_help[] =
	"Parquet output options:\n"
	"  --codec CODEC          compression: snappy (default), zstd[:LEVEL], gzip[:LEVEL],\n"
	"                         lz4 (LZ4_RAW), brotli[:LEVEL] or none\n"
	"  --row-group-rows N     at most N rows per row group (default 1048576)\n"
	"  --row-group-bytes N    at most N encoded bytes per row group (default 128M);\n"
	"                         sizes take K, M or G suffixes\n"
	"  --page-bytes N         target size of a data page before compression (default 1M)\n"
	"  --page-rows N          at most N rows per data page (default 20000)\n"
	"  --dictionary on|off    dictionary-encode columns (default on; falls back to\n"
	"                         plain when a column's dictionary grows past 1 MiB)\n"
	"  --encoding COL=ENC     encoding of column COL (dotted path, or a group for all of\n"
	"                         its leaves): plain, dictionary, delta_binary_packed,\n"
	"                         delta_length_byte_array, delta_byte_array,\n"
	"                         byte_stream_split. Repeat for several columns\n"
	"  --page-version 1|2     data page format (default 1)\n"
	"  --no-statistics        write no min/max/null-count statistics\n";

void cli_pq_write_init(cli_pq_write *w)
{
	dlt_parquet_write_options init = DLT_PARQUET_WRITE_OPTIONS_INIT;

	memset(w, 0, sizeof(*w));
	w->opts = init;
}

void cli_pq_write_dispose(cli_pq_write *w)
{
	free(w->cols);
	w->cols = NULL;
	w->n_cols = 0;
}

static int parse_codec(cli_ctx *c, cli_pq_write *w, const char *v)
{
	static const struct {
		const char *name;
		int codec;
		int levels;
	} codecs[] = {
		{ "snappy", DLT_PARQUET_CODEC_SNAPPY, 0 },
		{ "zstd", DLT_PARQUET_CODEC_ZSTD, 1 },
		{ "gzip", DLT_PARQUET_CODEC_GZIP, 1 },
		{ "lz4", DLT_PARQUET_CODEC_LZ4_RAW, 0 },
		{ "lz4_raw", DLT_PARQUET_CODEC_LZ4_RAW, 0 },
		{ "brotli", DLT_PARQUET_CODEC_BROTLI, 1 },
		{ "none", DLT_PARQUET_CODEC_UNCOMPRESSED, 0 },
		{ "uncompressed", DLT_PARQUET_CODEC_UNCOMPRESSED, 0 },
	};
	const char *colon = strchr(v, ':');
	size_t len = colon ? (size_t)(colon - v) : strlen(v);

	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
		if (strlen(codecs[i].name) != len || memcmp(codecs[i].name, v, len) != 0)
			continue;
		w->opts.codec = codecs[i].codec;
		w->opts.compression_level = 0;
		if (colon) {
			char *end;
			long lvl;

			if (!codecs[i].levels)
				return cli_usage(c, "codec '%s' takes no level", codecs[i].name);
			errno = 0;
			lvl = strtol(colon + 1, &end, 10);
			if (errno || end == colon + 1 || *end || lvl < -100 || lvl > 100 || lvl == 0)
				return cli_usage(c, "bad compression level '%s'", colon + 1);
			w->opts.compression_level = (int)lvl;
		}
		return 0;
	}
	return cli_usage(c, "unknown codec '%.*s' (snappy, zstd, gzip, lz4, brotli, none)",
	                 (int)len, v);
}

static int parse_encoding(const char *s, int *enc)
{
	static const struct {
		const char *name;
		int enc;
	} encs[] = {
		{ "plain", DLT_PARQUET_ENCODING_PLAIN },
		{ "dictionary", DLT_PARQUET_ENCODING_RLE_DICTIONARY },
		{ "rle_dictionary", DLT_PARQUET_ENCODING_RLE_DICTIONARY },
		{ "delta_binary_packed", DLT_PARQUET_ENCODING_DELTA_BINARY_PACKED },
		{ "delta_length_byte_array", DLT_PARQUET_ENCODING_DELTA_LENGTH_BYTE_ARRAY },
		{ "delta_byte_array", DLT_PARQUET_ENCODING_DELTA_BYTE_ARRAY },
		{ "byte_stream_split", DLT_PARQUET_ENCODING_BYTE_STREAM_SPLIT },
	};
	for (size_t i = 0; i < sizeof(encs) / sizeof(encs[0]); i++) {
		if (strcmp(encs[i].name, s) == 0) {
			*enc = encs[i].enc;
			return 0;
		}
	}
	return -1;
}

int cli_pq_write_option(cli_ctx *c, cli_pq_write *w, int id, const char *value)
{
	long long n;

	switch (id) {
	case PQW_CODEC:
		return parse_codec(c, w, value);
	case PQW_ROW_GROUP_ROWS:
		if (opt_parse_size(value, &n) < 0 || n < 1)
			return cli_usage(c, "--row-group-rows: expected a positive count, got '%s'",
			                 value);
		w->opts.row_group_rows = n;
		return 0;
	case PQW_ROW_GROUP_BYTES:
		if (opt_parse_size(value, &n) < 0 || n < 1)
			return cli_usage(c, "--row-group-bytes: expected a size like 64M, got '%s'",
			                 value);
		w->opts.row_group_bytes = n;
		return 0;
	case PQW_PAGE_BYTES:
		if (opt_parse_size(value, &n) < 0 || n < 1)
			return cli_usage(c, "--page-bytes: expected a size like 1M, got '%s'", value);
		w->opts.page_bytes = n;
		return 0;
	case PQW_PAGE_ROWS:
		if (opt_parse_size(value, &n) < 0 || n < 1)
			return cli_usage(c, "--page-rows: expected a positive count, got '%s'", value);
		w->opts.page_rows = n;
		return 0;
	case PQW_DICTIONARY:
		if (strcmp(value, "on") == 0)
			w->opts.dictionary = 1;
		else if (strcmp(value, "off") == 0)
			w->opts.dictionary = 0;
		else
			return cli_usage(c, "--dictionary: expected on or off, got '%s'", value);
		return 0;
	case PQW_PAGE_VERSION:
		if (strcmp(value, "1") == 0)
			w->opts.data_page_version = 1;
		else if (strcmp(value, "2") == 0)
			w->opts.data_page_version = 2;
		else
			return cli_usage(c, "--page-version: expected 1 or 2, got '%s'", value);
		return 0;
	case PQW_NO_STATS:
		w->opts.write_statistics = 0;
		return 0;
	case PQW_ENCODING: {
		const char *eq = strrchr(value, '=');
		dlt_parquet_column_options *grown;
		int enc;

		if (!eq || eq == value || parse_encoding(eq + 1, &enc) < 0)
			return cli_usage(c, "--encoding: expected COLUMN=ENCODING (plain, dictionary, "
			                 "delta_binary_packed, delta_length_byte_array, "
			                 "delta_byte_array, byte_stream_split), got '%s'", value);
		grown = realloc(w->cols, (w->n_cols + 1) * sizeof(*grown));
		if (!grown)
			return cli_failf(c, "out of memory");
		w->cols = grown;
		/* The path points into argv (lives as long as the run); cut at '='
		 * by keeping a copy-free view: argv strings are writable. */
		((char *)eq)[0] = '\0';
		w->cols[w->n_cols].path = value;
		w->cols[w->n_cols].encoding = enc;
		w->cols[w->n_cols].dictionary = enc == DLT_PARQUET_ENCODING_RLE_DICTIONARY ? 1 : -1;
		w->n_cols++;
		w->opts.columns = w->cols;
		w->opts.n_columns = w->n_cols;
		return 0;
	}
	default:
		return cli_usage(c, "internal: unknown writer option %d", id);
	}
}

/* ---- progress ---- */

typedef struct progress_stream {
	struct ArrowArrayStream inner;
	cli_ctx *c;
	const char *label;
	int64_t rows;
	int64_t *rows_out;
	double start, last;
	int shown;
} progress_stream;

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int progress_get_schema(struct ArrowArrayStream *s, struct ArrowSchema *out)
{
	progress_stream *p = s->private_data;
	return p->inner.get_schema(&p->inner, out);
}

static int progress_get_next(struct ArrowArrayStream *s, struct ArrowArray *out)
{
	progress_stream *p = s->private_data;
	int rc = p->inner.get_next(&p->inner, out);
	double t;

	if (rc != 0 || !out->release)
		return rc;
	p->rows += out->length;
	if (p->rows_out)
		*p->rows_out = p->rows;
	if (!p->c->progress)
		return 0;
	t = now_seconds();
	if (t - p->last >= 0.25) {
		double el = t - p->start;
		fprintf(p->c->err, "\r%s: %lld rows (%.0f rows/s)\033[K", p->label,
		        (long long)p->rows, el > 0 ? (double)p->rows / el : 0.0);
		fflush(p->c->err);
		p->last = t;
		p->shown = 1;
	}
	return 0;
}

static const char *progress_get_last_error(struct ArrowArrayStream *s)
{
	progress_stream *p = s->private_data;
	return p->inner.get_last_error(&p->inner);
}

static void progress_release(struct ArrowArrayStream *s)
{
	progress_stream *p = s->private_data;

	if (p->shown) {
		fputs("\r\033[K", p->c->err);
		fflush(p->c->err);
	}
	if (p->inner.release)
		p->inner.release(&p->inner);
	free(p);
	s->release = NULL;
}

int cli_progress_wrap(struct ArrowArrayStream *out, struct ArrowArrayStream *inner,
                      cli_ctx *c, const char *label, int64_t *rows, dlt_error *err)
{
	progress_stream *p = calloc(1, sizeof(*p));
	if (!p) {
		inner->release(inner);
		inner->release = NULL;
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	p->inner = *inner;
	inner->release = NULL;
	p->c = c;
	p->label = label;
	p->rows_out = rows;
	if (rows)
		*rows = 0;
	p->start = p->last = now_seconds();
	out->get_schema = progress_get_schema;
	out->get_next = progress_get_next;
	out->get_last_error = progress_get_last_error;
	out->release = progress_release;
	out->private_data = p;
	return DLT_OK;
}

const char *cli_arrow_metadata(const struct ArrowSchema *s, const char *key, char *buf,
                               size_t cap)
{
	/* the C Data Interface's encoding: int32 count, then (int32 length,
	 * bytes) for each key and value, native byte order */
	const char *m = s->metadata;
	int32_t n, kl, vl;
	if (!m || cap == 0)
		return NULL;
	memcpy(&n, m, 4);
	m += 4;
	for (int32_t i = 0; i < n; i++) {
		memcpy(&kl, m, 4);
		const char *k = m + 4;
		memcpy(&vl, k + kl, 4);
		const char *v = k + kl + 4;
		if ((size_t)kl == strlen(key) && memcmp(k, key, (size_t)kl) == 0) {
			size_t len = (size_t)vl < cap - 1 ? (size_t)vl : cap - 1;
			memcpy(buf, v, len);
			buf[len] = 0;
			return buf;
		}
		m = v + vl;
	}
	return NULL;
}
