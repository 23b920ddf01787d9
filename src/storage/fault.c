/* Fault-injecting wrapper backend, for tests: forwards every call to the
 * wrapped backend, counts calls per kind, and fails the Nth (or every call
 * from the Nth) of a kind, or lets a simulated rival writer win a
 * put-if-absent race just before the Nth attempt. */
#include "storage/internal.h"

#include <pthread.h>

typedef struct fault_rule {
	uint64_t at; /* absolute call number that fails; 0: none */
	int code;
	int sticky;
} fault_rule;

typedef struct fault_backend {
	dlt_storage_backend base;
	dlt_storage_backend *inner;
	pthread_mutex_t lock;
	uint64_t count[DLT_STORAGE_OP_COUNT_];
	fault_rule rule[DLT_STORAGE_OP_COUNT_];
	uint64_t race_seen, race_at;
	uint8_t *race_data;
	size_t race_len;
} fault_backend;

static const char *const op_names[DLT_STORAGE_OP_COUNT_] = {
	"any", "head", "read", "put", "put-if-absent", "list", "delete", "write"
};

static int hit(const fault_rule *r, uint64_t n)
{
	return r->at != 0 && (n == r->at || (r->sticky && n > r->at));
}

/* Count one call of kind `op`; fail it if a rule says so. */
static int check(fault_backend *fb, dlt_storage_op op, const char *key, dlt_error *err)
{
	int code = DLT_OK;
	uint64_t n;
	pthread_mutex_lock(&fb->lock);
	n = ++fb->count[op];
	++fb->count[DLT_STORAGE_OP_ANY];
	if (hit(&fb->rule[op], n))
		code = fb->rule[op].code;
	else if (hit(&fb->rule[DLT_STORAGE_OP_ANY], fb->count[DLT_STORAGE_OP_ANY]))
		code = fb->rule[DLT_STORAGE_OP_ANY].code;
	pthread_mutex_unlock(&fb->lock);
	if (code == DLT_OK)
		return DLT_OK;
	code = dlt_error_set(err, code, "'%s': injected fault: %s #%" PRIu64 " failed", key,
	                     op_names[op], n);
	dlt_error_set_path(err, key);
	return code;
}

/* Before a put-if-absent: maybe let the rival win. */
static void maybe_lose_race(fault_backend *fb, const char *key)
{
	int lose;
	dlt_error ignored;
	pthread_mutex_lock(&fb->lock);
	lose = fb->race_at != 0 && ++fb->race_seen == fb->race_at;
	if (lose)
		fb->race_at = 0;
	pthread_mutex_unlock(&fb->lock);
	if (lose)
		(void)fb->inner->put(fb->inner, key, fb->race_data ? (const void *)fb->race_data : "",
		                     fb->race_len, DLT_PUT_IF_ABSENT, &ignored);
}

static int f_head(dlt_storage_backend *b, const char *key, dlt_object_meta *out, dlt_error *err)
{
	fault_backend *fb = (fault_backend *)b;
	int rc = check(fb, DLT_STORAGE_OP_HEAD, key, err);
	return rc < 0 ? rc : fb->inner->head(fb->inner, key, out, err);
}

static int f_read_range(dlt_storage_backend *b, const char *key, uint64_t offset, void *dst,
                        size_t len, size_t *got, dlt_error *err)
{
	fault_backend *fb = (fault_backend *)b;
	int rc = check(fb, DLT_STORAGE_OP_READ, key, err);
	*got = 0;
	return rc < 0 ? rc : fb->inner->read_range(fb->inner, key, offset, dst, len, got, err);
}

static int f_put(dlt_storage_backend *b, const char *key, const void *data, size_t len,
                 dlt_put_mode mode, dlt_error *err)
{
	fault_backend *fb = (fault_backend *)b;
	int rc = check(fb, mode == DLT_PUT_IF_ABSENT ? DLT_STORAGE_OP_PUT_IF_ABSENT
	                                              : DLT_STORAGE_OP_PUT, key, err);
	if (rc < 0)
		return rc;
	if (mode == DLT_PUT_IF_ABSENT)
		maybe_lose_race(fb, key);
	return fb->inner->put(fb->inner, key, data, len, mode, err);
}

static int f_list(dlt_storage_backend *b, const char *prefix, const char *start_after,
                  int recursive, dlt_list_cb cb, void *payload, dlt_error *err)
{
	fault_backend *fb = (fault_backend *)b;
	int rc = check(fb, DLT_STORAGE_OP_LIST, prefix, err);
	return rc < 0 ? rc
	              : fb->inner->list(fb->inner, prefix, start_after, recursive, cb, payload, err);
}

static int f_remove(dlt_storage_backend *b, const char *key, dlt_error *err)
{
	fault_backend *fb = (fault_backend *)b;
	int rc = check(fb, DLT_STORAGE_OP_DELETE, key, err);
	return rc < 0 ? rc : fb->inner->remove(fb->inner, key, err);
}

/* Streamed outputs: open, each write and finish count as DLT_STORAGE_OP_WRITE. */
typedef struct f_out {
	fault_backend *fb;
	dlt_output *inner;
	char *key;
	dlt_put_mode mode;
} f_out;

static int fo_write(void *ctx, const void *data, size_t len, dlt_error *err)
{
	f_out *o = ctx;
	int rc = check(o->fb, DLT_STORAGE_OP_WRITE, o->key, err);
	return rc < 0 ? rc : dlt_output_write(o->inner, data, len, err);
}

static int fo_finish(void *ctx, dlt_error *err)
{
	f_out *o = ctx;
	int rc = check(o->fb, DLT_STORAGE_OP_WRITE, o->key, err);
	if (rc < 0)
		return rc;
	if (o->mode == DLT_PUT_IF_ABSENT)
		maybe_lose_race(o->fb, o->key);
	return dlt_output_finish(o->inner, err);
}

static void fo_close(void *ctx)
{
	f_out *o = ctx;
	dlt_output_free(o->inner); /* not finished: the inner output discards its bytes */
	dlt_free(o->key);
	dlt_free(o);
}

static int f_open_output(dlt_storage_backend *b, const char *key, dlt_put_mode mode,
                         dlt_output **out, dlt_error *err)
{
	static const dlt_output_ops ops = { DLT_OUTPUT_OPS_VERSION, fo_write, fo_finish, NULL,
		                            fo_close };
	fault_backend *fb = (fault_backend *)b;
	f_out *o;
	int rc;
	if ((rc = check(fb, DLT_STORAGE_OP_WRITE, key, err)) < 0)
		return rc;
	o = dlt_calloc(1, sizeof(*o));
	if (!o || !(o->key = dlt_strdup(key))) {
		dlt_free(o);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory opening '%s'", key);
	}
	o->fb = fb;
	o->mode = mode;
	if ((rc = dlt_storage__backend_output(&o->inner, fb->inner, key, mode, err)) < 0 ||
	    (rc = dlt_output_new(out, &ops, o, key, err)) < 0) {
		fo_close(o);
		return rc;
	}
	return DLT_OK;
}

static void f_free(dlt_storage_backend *b)
{
	fault_backend *fb = (fault_backend *)b;
	if (!fb)
		return;
	if (fb->inner && fb->inner->free)
		fb->inner->free(fb->inner);
	pthread_mutex_destroy(&fb->lock);
	dlt_free(fb->race_data);
	dlt_free(fb);
}

int dlt_storage_fault_wrap(dlt_storage **out, dlt_storage *inner, dlt_error *err)
{
	fault_backend *fb;
	if (!out || !inner) {
		dlt_storage_free(inner);
		return dlt_error_set(err, DLT_EINVAL, "dlt_storage_fault_wrap: invalid argument");
	}
	*out = NULL;
	fb = dlt_calloc(1, sizeof(*fb));
	if (!fb || pthread_mutex_init(&fb->lock, NULL) != 0) {
		dlt_free(fb);
		dlt_storage_free(inner);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory wrapping a storage");
	}
	fb->inner = inner->backend;
	fb->base.version = DLT_STORAGE_BACKEND_VERSION;
	fb->base.caps = fb->inner->caps;
	fb->base.name = "fault";
	fb->base.head = f_head;
	fb->base.read_range = f_read_range;
	fb->base.put = f_put;
	fb->base.list = f_list;
	fb->base.remove = f_remove;
	fb->base.open_output = f_open_output;
	fb->base.free = f_free;
	/* The handle keeps its URI; its backend moves into the wrapper. */
	inner->backend = &fb->base;
	*out = inner;
	return DLT_OK;
}

static fault_backend *as_fault(const dlt_storage *s)
{
	return s && s->backend && s->backend->head == f_head ? (fault_backend *)s->backend : NULL;
}

int dlt_storage_fault_fail(dlt_storage *s, dlt_storage_op op, uint64_t nth, int code,
                           int sticky, dlt_error *err)
{
	fault_backend *fb = as_fault(s);
	if (!fb)
		return dlt_error_set(err, DLT_EINVAL, "not a fault-injecting storage");
	if ((int)op < 0 || op >= DLT_STORAGE_OP_COUNT_ || (nth && code >= 0))
		return dlt_error_set(err, DLT_EINVAL,
		                     "fault rule: bad operation %d or non-negative code %d", (int)op,
		                     code);
	pthread_mutex_lock(&fb->lock);
	fb->rule[op].at = nth ? fb->count[op] + nth : 0;
	fb->rule[op].code = code;
	fb->rule[op].sticky = sticky != 0;
	pthread_mutex_unlock(&fb->lock);
	return DLT_OK;
}

int dlt_storage_fault_lose_race(dlt_storage *s, uint64_t nth, const void *winner,
                                size_t winner_len, dlt_error *err)
{
	fault_backend *fb = as_fault(s);
	uint8_t *copy = NULL;
	if (!fb)
		return dlt_error_set(err, DLT_EINVAL, "not a fault-injecting storage");
	DLT_ARG_CHECK(winner != NULL || winner_len == 0, err);
	if (winner_len && !(copy = dlt_malloc(winner_len)))
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	if (winner_len)
		memcpy(copy, winner, winner_len);
	pthread_mutex_lock(&fb->lock);
	dlt_free(fb->race_data);
	fb->race_data = copy;
	fb->race_len = winner_len;
	fb->race_at = nth ? fb->race_seen + nth : 0;
	pthread_mutex_unlock(&fb->lock);
	return DLT_OK;
}

uint64_t dlt_storage_fault_count(const dlt_storage *s, dlt_storage_op op)
{
	fault_backend *fb = as_fault(s);
	uint64_t n;
	if (!fb || (int)op < 0 || op >= DLT_STORAGE_OP_COUNT_)
		return 0;
	pthread_mutex_lock(&fb->lock);
	n = fb->count[op];
	pthread_mutex_unlock(&fb->lock);
	return n;
}
