/* ArrowArrayStream adapters: over a next() callback, over a list of batches. */
#include "arrow/arrow.h"

#include <errno.h>
#include <string.h>

typedef struct stream_priv {
	struct ArrowSchema schema;
	dlt_stream_next_fn next;
	void (*free_state)(void *state);
	void *state;
	dlt_error err;
	bool failed; /* err holds the last failure */
} stream_priv;

static int stream_get_schema(struct ArrowArrayStream *s, struct ArrowSchema *out)
{
	stream_priv *p;
	int rc;
	if (!s || !s->release || !out)
		return EINVAL;
	p = s->private_data;
	if ((rc = dlt_schema__copy(out, &p->schema, &p->err)) < 0) {
		p->failed = true;
		return dlt_code_to_errno(rc);
	}
	return 0;
}

static int stream_get_next(struct ArrowArrayStream *s, struct ArrowArray *out)
{
	stream_priv *p;
	int rc;
	if (!s || !s->release || !out)
		return EINVAL;
	p = s->private_data;
	memset(out, 0, sizeof(*out));
	rc = p->next(p->state, out, &p->err);
	if (rc < 0) {
		if (out->release)
			out->release(out);
		memset(out, 0, sizeof(*out));
		p->failed = true;
		if (p->err.code != rc) /* a callback that did not fill err */
			dlt_error_set(&p->err, rc, "stream: next batch failed (%s)", dlt_code_name(rc));
		return dlt_code_to_errno(rc);
	}
	return 0;
}

static const char *stream_last_error(struct ArrowArrayStream *s)
{
	stream_priv *p;
	if (!s || !s->release)
		return NULL;
	p = s->private_data;
	return p->failed ? p->err.message : NULL;
}

static void stream_release(struct ArrowArrayStream *s)
{
	stream_priv *p;
	if (!s || !s->release)
		return;
	p = s->private_data;
	if (p->free_state)
		p->free_state(p->state);
	dlt_schema__release(&p->schema);
	dlt_free(p);
	s->release = NULL;
	s->private_data = NULL;
}

int dlt_stream__new(struct ArrowArrayStream *out, struct ArrowSchema *schema,
                    dlt_stream_next_fn next, void (*free_state)(void *state), void *state,
                    dlt_error *err)
{
	stream_priv *p = NULL;
	int rc;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!out || !schema || !schema->release || !next) {
		rc = dlt_error_set(err, DLT_EINVAL, "dlt_stream__new: invalid argument");
		goto fail;
	}
	p = dlt_calloc(1, sizeof(*p));
	if (!p) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory creating a stream");
		goto fail;
	}
	dlt_error_clear(&p->err);
	dlt_schema__move(&p->schema, schema);
	p->next = next;
	p->free_state = free_state;
	p->state = state;
	out->get_schema = stream_get_schema;
	out->get_next = stream_get_next;
	out->get_last_error = stream_last_error;
	out->release = stream_release;
	out->private_data = p;
	return DLT_OK;
fail:
	if (schema && schema->release)
		schema->release(schema);
	if (free_state)
		free_state(state);
	return rc;
}

typedef struct batches_state {
	struct ArrowArray *batches;
	size_t n, next;
} batches_state;

static int batches_next(void *state, struct ArrowArray *out, dlt_error *err)
{
	batches_state *b = state;
	(void)err;
	if (b->next < b->n)
		dlt_array__move(out, &b->batches[b->next++]);
	return DLT_OK;
}

static void batches_free(void *state)
{
	batches_state *b = state;
	if (!b)
		return;
	for (size_t i = b->next; i < b->n; i++)
		dlt_array__release(&b->batches[i]);
	dlt_free(b->batches);
	dlt_free(b);
}

int dlt_stream__from_batches(struct ArrowArrayStream *out, struct ArrowSchema *schema,
                             struct ArrowArray *batches, size_t n, dlt_error *err)
{
	batches_state *st;

	st = dlt_calloc(1, sizeof(*st));
	if (st && n > 0 && !(st->batches = dlt_calloc(n, sizeof(*batches)))) {
		dlt_free(st);
		st = NULL;
	}
	if (!st || (n > 0 && !batches)) {
		for (size_t i = 0; batches && i < n; i++)
			dlt_array__release(&batches[i]);
		if (schema && schema->release)
			schema->release(schema);
		if (out)
			memset(out, 0, sizeof(*out));
		if (st) {
			dlt_free(st->batches);
			dlt_free(st);
			return dlt_error_set(err, DLT_EINVAL, "dlt_stream__from_batches: NULL batches");
		}
		return dlt_error_set(err, DLT_ENOMEM, "out of memory creating a stream");
	}
	for (size_t i = 0; i < n; i++)
		dlt_array__move(&st->batches[i], &batches[i]);
	st->n = n;
	return dlt_stream__new(out, schema, batches_next, batches_free, st, err);
}

int dlt_stream__next(struct ArrowArrayStream *s, struct ArrowArray *out, dlt_error *err)
{
	int e;
	DLT_ARG_CHECK(s != NULL && s->release != NULL && out != NULL, err);
	memset(out, 0, sizeof(*out));
	e = s->get_next(s, out);
	if (e == 0)
		return DLT_OK;
	if (s->get_next == stream_get_next) { /* ours: keep the exact code */
		stream_priv *p = s->private_data;
		return dlt_error_set(err, p->err.code < 0 ? p->err.code : DLT_ERROR, "%s",
		                     p->err.message);
	}
	{
		const char *m = s->get_last_error ? s->get_last_error(s) : NULL;
		int code = dlt_code_from_errno(e);
		return dlt_error_set(err, code, "stream: %s", m ? m : "producer failed without a message");
	}
}

int dlt_stream__schema(struct ArrowArrayStream *s, struct ArrowSchema *out, dlt_error *err)
{
	int e;
	DLT_ARG_CHECK(s != NULL && s->release != NULL && out != NULL, err);
	memset(out, 0, sizeof(*out));
	e = s->get_schema(s, out);
	if (e == 0)
		return DLT_OK;
	if (s->get_schema == stream_get_schema) {
		stream_priv *p = s->private_data;
		return dlt_error_set(err, p->err.code < 0 ? p->err.code : DLT_ERROR, "%s",
		                     p->err.message);
	}
	{
		const char *m = s->get_last_error ? s->get_last_error(s) : NULL;
		return dlt_error_set(err, dlt_code_from_errno(e), "stream: %s", m ? m : "producer failed without a message");
	}
}
