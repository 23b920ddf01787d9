/* A stream that pulls batches from another on a background thread, so that
 * producing the next batches (decoding Parquet) overlaps with consuming the
 * current one. The inner stream is only ever touched by that thread. */
#include "arrow/arrow.h"

#include <pthread.h>
#include <string.h>

typedef struct readahead {
	struct ArrowArrayStream in;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	struct ArrowArray *ring; /* depth slots */
	size_t depth, head, count;
	bool done;               /* producer finished: end of stream or error */
	bool stop;               /* consumer went away */
	int rc;                  /* < 0: the producer's error, in err */
	dlt_error err;
} readahead;

static void *produce(void *arg)
{
	readahead *ra = arg;
	for (;;) {
		struct ArrowArray b;
		dlt_error e;
		pthread_mutex_lock(&ra->mu);
		while (ra->count == ra->depth && !ra->stop)
			pthread_cond_wait(&ra->not_full, &ra->mu);
		bool stop = ra->stop;
		pthread_mutex_unlock(&ra->mu);
		if (stop)
			return NULL;
		dlt_error_clear(&e);
		int rc = dlt_stream__next(&ra->in, &b, &e);
		pthread_mutex_lock(&ra->mu);
		if (rc < 0 || !b.release) {
			ra->rc = rc < 0 ? rc : DLT_OK;
			if (rc < 0)
				ra->err = e;
			ra->done = true;
		} else {
			ra->ring[(ra->head + ra->count) % ra->depth] = b;
			ra->count++;
		}
		bool done = ra->done;
		pthread_cond_signal(&ra->not_empty);
		pthread_mutex_unlock(&ra->mu);
		if (done)
			return NULL;
	}
}

static int readahead_next(void *state, struct ArrowArray *out, dlt_error *err)
{
	readahead *ra = state;
	int rc = DLT_OK;
	pthread_mutex_lock(&ra->mu);
	while (ra->count == 0 && !ra->done)
		pthread_cond_wait(&ra->not_empty, &ra->mu);
	if (ra->count > 0) {
		*out = ra->ring[ra->head];
		ra->head = (ra->head + 1) % ra->depth;
		ra->count--;
		pthread_cond_signal(&ra->not_full);
	} else if (ra->rc < 0) { /* batches before the error were delivered first */
		rc = ra->rc;
		if (err)
			*err = ra->err;
	}
	pthread_mutex_unlock(&ra->mu);
	return rc;
}

static void readahead_free(void *state)
{
	readahead *ra = state;
	pthread_mutex_lock(&ra->mu);
	ra->stop = true;
	pthread_cond_signal(&ra->not_full);
	pthread_mutex_unlock(&ra->mu);
	pthread_join(ra->thread, NULL);
	for (size_t i = 0; i < ra->count; i++) {
		struct ArrowArray *b = &ra->ring[(ra->head + i) % ra->depth];
		b->release(b);
	}
	if (ra->in.release)
		ra->in.release(&ra->in);
	pthread_cond_destroy(&ra->not_full);
	pthread_cond_destroy(&ra->not_empty);
	pthread_mutex_destroy(&ra->mu);
	dlt_free(ra->ring);
	dlt_free(ra);
}

int dlt_stream__read_ahead(struct ArrowArrayStream *out, struct ArrowArrayStream *in,
                           size_t depth, dlt_error *err)
{
	struct ArrowSchema schema;
	readahead *ra;
	int rc;
	DLT_ARG_CHECK(out != NULL && in != NULL && in->release != NULL && depth > 0, err);
	if ((rc = dlt_stream__schema(in, &schema, err)) < 0)
		return rc;
	ra = dlt_calloc(1, sizeof(*ra));
	if (ra && !(ra->ring = dlt_calloc(depth, sizeof(*ra->ring)))) {
		dlt_free(ra);
		ra = NULL;
	}
	if (!ra) {
		dlt_schema__release(&schema);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	ra->depth = depth;
	ra->in = *in;
	if (pthread_mutex_init(&ra->mu, NULL) != 0)
		goto no_thread;
	if (pthread_cond_init(&ra->not_empty, NULL) != 0) {
		pthread_mutex_destroy(&ra->mu);
		goto no_thread;
	}
	if (pthread_cond_init(&ra->not_full, NULL) != 0) {
		pthread_cond_destroy(&ra->not_empty);
		pthread_mutex_destroy(&ra->mu);
		goto no_thread;
	}
	if (pthread_create(&ra->thread, NULL, produce, ra) != 0) {
		pthread_cond_destroy(&ra->not_full);
		pthread_cond_destroy(&ra->not_empty);
		pthread_mutex_destroy(&ra->mu);
		goto no_thread;
	}
	memset(in, 0, sizeof(*in)); /* moved: the thread owns it now */
	/* on failure dlt_stream__new frees the state (readahead_free joins) */
	return dlt_stream__new(out, &schema, readahead_next, readahead_free, ra, err);
no_thread:
	/* no thread to be had: the caller's stream, as it was, is the answer */
	dlt_free(ra->ring);
	dlt_free(ra);
	dlt_schema__release(&schema);
	*out = *in;
	memset(in, 0, sizeof(*in));
	return DLT_OK;
}
