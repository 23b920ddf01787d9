/* Shared helpers of the text-module tests. */
#include "csv/helpers.h"

#include "arrow/arrow.h"

#include <string.h>

typedef struct trickle {
	const uint8_t *data;
	size_t len, step;
} trickle;

static int tr_size(void *ctx, uint64_t *size_out, dlt_error *err)
{
	(void)err;
	*size_out = ((trickle *)ctx)->len;
	return DLT_OK;
}

static int tr_read(void *ctx, uint64_t off, void *dst, size_t len, size_t *got, dlt_error *err)
{
	trickle *t = ctx;
	size_t n;
	(void)err;
	if (off >= t->len) {
		*got = 0;
		return DLT_OK;
	}
	n = t->len - (size_t)off;
	if (n > len)
		n = len;
	if (n > t->step)
		n = t->step;
	memcpy(dst, t->data + off, n);
	*got = n;
	return DLT_OK;
}

static void tr_close(void *ctx) { dlt_free(ctx); }

int th_input_trickle(dlt_input **out, const void *data, size_t len, size_t step, dlt_error *err)
{
	static const dlt_input_ops ops = { DLT_INPUT_OPS_VERSION, tr_size, tr_read, tr_close };
	trickle *t = dlt_malloc(sizeof(*t));
	int rc;
	if (!t)
		return DLT_ENOMEM;
	t->data = data;
	t->len = len;
	t->step = step ? step : len + 1;
	if ((rc = dlt_input_new(out, &ops, t, "trickle.csv", err)) < 0)
		dlt_free(t);
	return rc;
}

int th_stream_to_jsonl(struct ArrowArrayStream *s, char **text, char *desc, size_t cap,
                       int64_t *n_batches, dlt_error *err)
{
	dlt_output *o = NULL;
	struct ArrowSchema sc;
	struct ArrowArray b;
	int rc;
	const uint8_t *d;
	size_t n;
	int64_t nb = 0;
	*text = NULL;
	memset(&sc, 0, sizeof(sc));
	if ((rc = dlt_output_to_memory(&o, err)) < 0)
		goto done;
	if ((rc = dlt_stream__schema(s, &sc, err)) < 0)
		goto done;
	if (desc)
		dlt_arrow__describe_schema(desc, cap, &sc);
	for (;;) {
		if ((rc = dlt_stream__next(s, &b, err)) < 0)
			goto done;
		if (!b.release)
			break;
		nb++;
		if ((rc = dlt_arrow__validate(&sc, &b, err)) < 0) {
			b.release(&b);
			goto done;
		}
		rc = dlt_jsonl_write_batch(o, &sc, &b, NULL, err);
		b.release(&b);
		if (rc < 0)
			goto done;
	}
	d = dlt_output_memory_data(o, &n);
	*text = dlt_strndup(n ? (const char *)d : "", n);
	rc = *text ? DLT_OK : DLT_ENOMEM;
	if (n_batches)
		*n_batches = nb;
done:
	if (sc.release)
		sc.release(&sc);
	if (s->release)
		s->release(s);
	dlt_output_free(o);
	return rc;
}

int th_csv_to_jsonl(const char *csv, size_t n, size_t step, const dlt_csv_read_options *opts,
                    char **text, char *desc, size_t cap, int64_t *n_batches, dlt_error *err)
{
	dlt_input *in = NULL;
	struct ArrowArrayStream s;
	int rc;
	*text = NULL;
	if ((rc = th_input_trickle(&in, csv, n, step, err)) < 0)
		return rc;
	if ((rc = dlt_csv_read(&s, in, opts, err)) < 0)
		return rc;
	return th_stream_to_jsonl(&s, text, desc, cap, n_batches, err);
}

int th_ndjson_to_jsonl(const char *js, size_t n, const dlt_ndjson_read_options *opts,
                       char **text, char *desc, size_t cap, dlt_error *err)
{
	dlt_input *in = NULL;
	struct ArrowArrayStream s;
	int rc;
	*text = NULL;
	if ((rc = dlt_input_from_memory(&in, js, n, "test.ndjson", err)) < 0)
		return rc;
	if ((rc = dlt_ndjson_read(&s, in, opts, err)) < 0)
		return rc;
	return th_stream_to_jsonl(&s, text, desc, cap, NULL, err);
}
