/* Reading and writing data files for the deltalite tool: CSV, JSON lines, Parquet. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Readers need random access (Parquet reads its footer first; CSV and JSON
 * re-read the rows they inferred types from), so standard input that is a
 * pipe is first copied to an anonymous temporary file (bounded memory).
 */
static int spool_size(void *ctx, uint64_t *size_out, dlt_error *err)
{
	struct stat st;

	if (fstat(fileno((FILE *)ctx), &st) != 0)
		return dlt_error_set(err, DLT_EIO, "standard input: %s", strerror(errno));
	*size_out = (uint64_t)st.st_size;
	return DLT_OK;
}

static int spool_read_at(void *ctx, uint64_t offset, void *dst, size_t len, size_t *got,
                         dlt_error *err)
{
	int fd = fileno((FILE *)ctx);
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)dst + done, len - done, (off_t)(offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return dlt_error_set(err, DLT_EIO, "standard input: %s", strerror(errno));
		if (n == 0)
			break;
		done += (size_t)n;
	}
	*got = done;
	return DLT_OK;
}

static void spool_close(void *ctx)
{
	fclose((FILE *)ctx);
}

static int open_stdin(dlt_input **out, dlt_error *err)
{
	static const dlt_input_ops ops = { DLT_INPUT_OPS_VERSION, spool_size, spool_read_at,
		                           spool_close };
	struct stat st;
	char buf[1 << 16];
	FILE *t;
	int rc;

	if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode))
		return dlt_input_open_file(out, "-", err); /* a redirected file: seekable */
	if (!(t = tmpfile()))
		return dlt_error_set(err, DLT_EIO, "temporary file for standard input: %s",
		                     strerror(errno));
	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (n > 0 && fwrite(buf, 1, (size_t)n, t) != (size_t)n)) {
			rc = dlt_error_set(err, DLT_EIO, "copying standard input: %s", strerror(errno));
			fclose(t);
			return rc;
		}
		if (n == 0)
			break;
	}
	if (fflush(t) != 0) {
		rc = dlt_error_set(err, DLT_EIO, "copying standard input: %s", strerror(errno));
		fclose(t);
		return rc;
	}
	if ((rc = dlt_input_new(out, &ops, t, "<stdin>", err)) < 0)
		fclose(t);
	return rc;
}

int cli_open_reader(struct ArrowArrayStream *out, dlt_parquet_file **pq_out, void **mem_out,
                    const char *path, cli_format fmt, cli_text_opts *topts,
                    const dlt_parquet_read_options *popts, dlt_error *err)
{
	dlt_input *in = NULL;
	int rc;

	*pq_out = NULL;
	*mem_out = NULL;
	if (strcmp(path, "-") == 0)
		rc = open_stdin(&in, err);
	else
		rc = dlt_input_open_file(&in, path, err);
	if (rc < 0)
		goto fail;

	if (fmt == FMT_PARQUET) {
		rc = dlt_parquet_open(pq_out, in, popts, err);
		in = NULL; /* consumed, even on failure */
		if (rc < 0)
			goto fail;
		if ((rc = dlt_parquet_read(out, *pq_out, popts, err)) < 0)
			goto fail;
		return DLT_OK;
	}
	if (fmt == FMT_CSV) {
		dlt_csv_read_options o = DLT_CSV_READ_OPTIONS_INIT;

		o.delimiter = topts->delimiter;
		o.has_header = topts->header;
		o.batch_rows = topts->batch_rows;
		o.infer_rows = topts->infer_rows;
		if (topts->null_value) {
			topts->nulls[0] = topts->null_value;
			o.null_values = topts->nulls;
			o.n_null_values = 1;
		}
		rc = dlt_csv_read(out, in, &o, err);
	} else {
		dlt_ndjson_read_options o = DLT_NDJSON_READ_OPTIONS_INIT;

		o.batch_rows = topts->batch_rows;
		o.infer_rows = topts->infer_rows;
		rc = dlt_ndjson_read(out, in, &o, err);
	}
	in = NULL; /* consumed */
	if (rc < 0)
		goto fail;
	return DLT_OK;
fail:
	dlt_input_free(in);
	dlt_parquet_file_free(*pq_out);
	*pq_out = NULL;
	free(*mem_out);
	*mem_out = NULL;
	if (!err->path[0] && strcmp(path, "-") != 0 && !strstr(err->message, path))
		dlt_error_prefix(err, "%s", path);
	return rc;
}

int cli_write_text(dlt_output *sink, struct ArrowArrayStream *stream, cli_format fmt,
                   const cli_text_opts *topts, dlt_error *err)
{
	if (fmt == FMT_CSV) {
		dlt_csv_write_options o = DLT_CSV_WRITE_OPTIONS_INIT;

		o.delimiter = topts->delimiter;
		o.header = topts->header;
		o.null_string = topts->null_value;
		o.binary_as_hex = topts->binary_hex;
		o.variant_as_json = !topts->raw_variant;
		return dlt_csv_write(sink, stream, &o, err);
	} else {
		dlt_jsonl_write_options o = DLT_JSONL_WRITE_OPTIONS_INIT;

		o.binary_as_hex = topts->binary_hex;
		o.variant_as_json = !topts->raw_variant;
		return dlt_jsonl_write(sink, stream, &o, err);
	}
}

/* ---- limit ---- */

typedef struct limit_stream {
	struct ArrowArrayStream inner;
	int64_t left;
} limit_stream;

static int limit_get_schema(struct ArrowArrayStream *s, struct ArrowSchema *out)
{
	limit_stream *p = s->private_data;
	return p->inner.get_schema(&p->inner, out);
}

static int limit_get_next(struct ArrowArrayStream *s, struct ArrowArray *out)
{
	limit_stream *p = s->private_data;
	int rc;

	if (p->left <= 0) {
		memset(out, 0, sizeof(*out)); /* end of stream */
		return 0;
	}
	rc = p->inner.get_next(&p->inner, out);
	if (rc != 0 || !out->release)
		return rc;
	if (out->length > p->left) {
		/* A struct array may be shorter than its children: cut the top level. */
		out->length = p->left;
		out->null_count = -1;
	}
	p->left -= out->length;
	return 0;
}

static const char *limit_get_last_error(struct ArrowArrayStream *s)
{
	limit_stream *p = s->private_data;
	return p->inner.get_last_error(&p->inner);
}

static void limit_release(struct ArrowArrayStream *s)
{
	limit_stream *p = s->private_data;

	if (p->inner.release)
		p->inner.release(&p->inner);
	free(p);
	s->release = NULL;
}

int cli_limit_wrap(struct ArrowArrayStream *out, struct ArrowArrayStream *inner,
                   int64_t limit, dlt_error *err)
{
	limit_stream *p = calloc(1, sizeof(*p));

	if (!p) {
		inner->release(inner);
		inner->release = NULL;
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	p->inner = *inner;
	inner->release = NULL;
	p->left = limit;
	out->get_schema = limit_get_schema;
	out->get_next = limit_get_next;
	out->get_last_error = limit_get_last_error;
	out->release = limit_release;
	out->private_data = p;
	return DLT_OK;
}

/* ---- the pipeline: read IN, write OUT ---- */

void cli_job_init(cli_job *j)
{
	cli_text_opts t = CLI_TEXT_OPTS_INIT;
	dlt_parquet_read_options r = DLT_PARQUET_READ_OPTIONS_INIT;

	memset(j, 0, sizeof(*j));
	j->in_text = t;
	j->out_text = t;
	j->pq_read = r;
	cli_pq_write_init(&j->pq_write);
	j->limit = -1;
	j->label = "rows";
}

int cli_job_run(cli_ctx *c, cli_job *j)
{
	struct ArrowArrayStream raw, counted;
	dlt_parquet_file *pq = NULL;
	dlt_parquet_write_result *res = NULL;
	dlt_output *sink = NULL;
	void *mem = NULL;
	dlt_error err;
	int64_t rows = 0;
	uint64_t bytes = 0;
	int rc, status = EXIT_OK;

	dlt_error_clear(&err);
	memset(&raw, 0, sizeof(raw));
	memset(&counted, 0, sizeof(counted));
	if (j->limit >= 0 && j->in_fmt == FMT_PARQUET &&
	    (j->pq_read.batch_size == 0 || j->pq_read.batch_size > j->limit))
		j->pq_read.batch_size = j->limit > 0 ? j->limit : 1; /* decode no more than needed */
	if (j->limit >= 0 && j->in_fmt != FMT_PARQUET && j->in_text.batch_rows == 0)
		j->in_text.batch_rows = j->limit > 0 && j->limit < 65536 ? j->limit : 0;

	if ((rc = cli_open_reader(&raw, &pq, &mem, j->in_path, j->in_fmt, &j->in_text,
	                          &j->pq_read, &err)) < 0)
		goto fail;
	if (j->limit >= 0) {
		struct ArrowArrayStream lim;
		if ((rc = cli_limit_wrap(&lim, &raw, j->limit, &err)) < 0)
			goto fail;
		raw = lim;
	}
	if ((rc = cli_progress_wrap(&counted, &raw, c, j->label, &rows, &err)) < 0)
		goto fail;
	if (strcmp(j->out_path, "-") == 0)
		fflush(c->out); /* the sink writes to file descriptor 1 directly */
	if ((rc = dlt_output_open_file(&sink, j->out_path, &err)) < 0) {
		if (!err.path[0])
			dlt_error_set_path(&err, j->out_path);
		goto fail;
	}
	if (j->out_fmt == FMT_PARQUET) {
		rc = dlt_parquet_write_stream(sink, &counted, &j->pq_write.opts, &res, &err);
		if (rc < 0)
			goto fail;
		bytes = dlt_parquet_write_result_file_size(res);
	} else {
		rc = cli_write_text(sink, &counted, j->out_fmt, &j->out_text, &err);
		if (rc < 0 || (rc = dlt_output_finish(sink, &err)) < 0)
			goto fail;
		bytes = dlt_output_position(sink);
	}
	if (j->json) {
		fputs("{\"input\":", c->out);
		cli_json_string(c->out, j->in_path);
		fprintf(c->out, ",\"input_format\":\"%s\",\"output\":", cli_format_name(j->in_fmt));
		cli_json_string(c->out, j->out_path);
		fprintf(c->out, ",\"output_format\":\"%s\",\"rows\":%lld,\"bytes\":%llu}\n",
		        cli_format_name(j->out_fmt), (long long)rows, (unsigned long long)bytes);
	}
	goto done;
fail:
	status = cli_fail(c, &err);
done:
	if (counted.release)
		counted.release(&counted);
	if (raw.release)
		raw.release(&raw);
	dlt_output_free(sink);
	dlt_parquet_write_result_free(res);
	dlt_parquet_file_free(pq);
	free(mem);
	return cli_finish_output(c, status);
}
