/* dlt_storage: the handle, scheme registry, key checks and the operations
 * every backend shares (argument checks, listing order check, generic
 * input/output adapters). */
#include "storage/internal.h"

#include <ctype.h>
#include <pthread.h>
#include <time.h>

/* ------------------------------------------------------------ registry -- */

#define MAX_SCHEMES 32
#define MAX_SCHEME_LEN 31

typedef struct scheme_entry {
	char scheme[MAX_SCHEME_LEN + 1];
	dlt_storage_factory_fn factory; /* NULL: unregistered (hides a built-in) */
	void *payload;
} scheme_entry;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static scheme_entry registry[MAX_SCHEMES];
static size_t registry_len;

static const struct {
	const char *scheme;
	dlt_storage_factory_fn factory;
} builtins[] = {
	{ "file", dlt_storage__file_factory },
	{ "memory", dlt_storage__memory_factory },
};

static int scheme_valid(const char *s, size_t n)
{
	size_t i;
	if (n == 0 || n > MAX_SCHEME_LEN || !isalpha((unsigned char)s[0]))
		return 0;
	for (i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '+' && c != '-' && c != '.')
			return 0;
	}
	return 1;
}

int dlt_storage_register(const char *scheme, dlt_storage_factory_fn factory, void *payload,
                         dlt_error *err)
{
	char low[MAX_SCHEME_LEN + 1];
	size_t i, n;
	DLT_ARG_CHECK(scheme != NULL, err);
	n = strlen(scheme);
	if (!scheme_valid(scheme, n))
		return dlt_error_set(err, DLT_EINVAL, "invalid url scheme '%s'", scheme);
	for (i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)scheme[i]);
	pthread_mutex_lock(&registry_lock);
	for (i = 0; i < registry_len; i++)
		if (strcmp(registry[i].scheme, low) == 0)
			break;
	if (i == registry_len) {
		if (registry_len == MAX_SCHEMES) {
			pthread_mutex_unlock(&registry_lock);
			return dlt_error_set(err, DLT_ELIMIT,
			                     "cannot register scheme '%s': %d schemes already", low,
			                     MAX_SCHEMES);
		}
		registry_len++;
		memcpy(registry[i].scheme, low, n + 1);
	}
	registry[i].factory = factory;
	registry[i].payload = payload;
	pthread_mutex_unlock(&registry_lock);
	return DLT_OK;
}

static int registry_find(dlt_storage_factory_fn *factory, void **payload, const char *scheme)
{
	size_t i;
	int found = 0;
	pthread_mutex_lock(&registry_lock);
	for (i = 0; i < registry_len; i++) {
		if (strcmp(registry[i].scheme, scheme) == 0) {
			*factory = registry[i].factory;
			*payload = registry[i].payload;
			found = 1;
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	if (found)
		return *factory != NULL;
	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		if (strcmp(builtins[i].scheme, scheme) == 0) {
			*factory = builtins[i].factory;
			*payload = NULL;
			return 1;
		}
	}
	return 0;
}

/* ----------------------------------------------------------------- keys -- */

int dlt_storage__check_key(const char *key, int is_prefix, dlt_error *err)
{
	const char *seg = key, *p;
	int rc;
	if (!key)
		return dlt_error_set(err, DLT_EINVAL, "storage key is NULL");
	if (*key == '\0') {
		if (is_prefix)
			return DLT_OK;
		return dlt_error_set(err, DLT_EINVAL, "storage key is empty");
	}
	if (key[0] == '/') {
		rc = dlt_error_set(err, DLT_EINVAL,
		                   "storage key '%s' is absolute: keys are relative to the table root",
		                   key);
		goto fail;
	}
	for (p = key;; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\\') {
			rc = dlt_error_set(err, DLT_EINVAL, "storage key '%s' holds a backslash", key);
			goto fail;
		}
		if (c != 0 && (c < 0x20 || c == 0x7f)) {
			rc = dlt_error_set(err, DLT_EINVAL, "storage key '%s' holds control byte 0x%02x",
			                   key, c);
			goto fail;
		}
		if (c == '/' || c == 0) {
			size_t n = (size_t)(p - seg);
			/* A prefix may end in '/' or in a partial segment; a key may not end in '/'. */
			int last = c == 0 || (c == '/' && p[1] == 0);
			if (n == 0 && !(is_prefix && c == 0)) {
				rc = dlt_error_set(err, DLT_EINVAL,
				                   "storage key '%s' has an empty path segment", key);
				goto fail;
			}
			if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.')) {
				rc = dlt_error_set(err, DLT_EINVAL,
				                   "storage key '%s' has a '%.*s' segment: it would leave "
				                   "the table root", key, (int)n, seg);
				goto fail;
			}
			if (c == '/' && last && !is_prefix) {
				rc = dlt_error_set(err, DLT_EINVAL, "storage key '%s' ends with '/'", key);
				goto fail;
			}
			if (c == 0)
				break;
			seg = p + 1;
		}
	}
	return DLT_OK;
fail:
	dlt_error_set_path(err, key);
	return rc;
}

/* --------------------------------------------------------------- handle -- */

int64_t dlt_storage__now_ms(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void dlt_bytes_dispose(dlt_bytes *b)
{
	if (!b)
		return;
	dlt_free(b->data);
	b->data = NULL;
	b->len = 0;
}

int dlt_list_options_init(dlt_list_options *opts, unsigned int version)
{
	static const dlt_list_options init = DLT_LIST_OPTIONS_INIT;
	DLT_ARG_CHECK(opts != NULL, NULL);
	if (version == 0 || version > DLT_LIST_OPTIONS_VERSION)
		return dlt_error_set(NULL, DLT_EINVAL, "bad version");
	*opts = init;
	opts->version = version;
	return DLT_OK;
}

int dlt_storage_from_backend(dlt_storage **out, dlt_storage_backend *backend, const char *uri,
                             dlt_error *err)
{
	dlt_storage *s;
	if (!out || !backend) {
		if (backend && backend->free)
			backend->free(backend);
		return dlt_error_set(err, DLT_EINVAL, "dlt_storage_from_backend: invalid argument");
	}
	*out = NULL;
	if (backend->version < 1 || !backend->head || !backend->read_range || !backend->put ||
	    !backend->list || !backend->remove) {
		if (backend->free)
			backend->free(backend);
		return dlt_error_set(err, DLT_EINVAL,
		                     "storage backend for '%s': version %u or missing functions",
		                     uri ? uri : "", backend->version);
	}
	s = dlt_calloc(1, sizeof(*s));
	if (!s || !(s->uri = dlt_strdup(uri ? uri : ""))) {
		dlt_free(s);
		if (backend->free)
			backend->free(backend);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory opening storage '%s'",
		                     uri ? uri : "");
	}
	s->backend = backend;
	*out = s;
	return DLT_OK;
}

int dlt_storage_open(dlt_storage **out, const char *uri, const dlt_kv *options,
                     size_t options_len, dlt_error *err)
{
	dlt_uri u = DLT_URI_INIT;
	dlt_storage_factory_fn factory = NULL;
	dlt_storage_backend *b = NULL;
	void *payload = NULL;
	size_t i;
	int rc;
	DLT_ARG_CHECK(out != NULL && uri != NULL && (options != NULL || options_len == 0), err);
	*out = NULL;
	for (i = 0; i < options_len; i++)
		if (!options[i].key || !options[i].value)
			return dlt_error_set(err, DLT_EINVAL,
			                     "storage option %zu for '%s' has a NULL key or value", i,
			                     uri);
	if ((rc = dlt_uri_parse(&u, uri, err)) < 0)
		goto done;
	if (!registry_find(&factory, &payload, u.scheme)) {
		rc = dlt_error_set(err, DLT_EUNSUPPORTED, "'%s': no storage backend for scheme '%s'",
		                   uri, u.scheme);
		goto done;
	}
	if ((rc = factory(&b, &u, options, options_len, payload, err)) < 0) {
		dlt_error_prefix(err, "open storage '%s'", uri);
		goto done;
	}
	rc = dlt_storage_from_backend(out, b, uri, err);
done:
	dlt_uri_dispose(&u);
	return rc;
}

void dlt_storage_free(dlt_storage *s)
{
	if (!s)
		return;
	if (s->backend && s->backend->free)
		s->backend->free(s->backend);
	dlt_free(s->uri);
	dlt_free(s);
}

const char *dlt_storage_uri(const dlt_storage *s) { return s ? s->uri : ""; }

uint32_t dlt_storage_caps(const dlt_storage *s) { return s ? s->backend->caps : 0; }

/* On failure, make sure err->path names the object when the backend did not. */
static int name_key(int rc, dlt_error *err, const char *key)
{
	if (rc < 0 && err && err->path[0] == '\0')
		dlt_error_set_path(err, key);
	return rc;
}

int dlt_storage_head(dlt_object_meta *out, dlt_storage *s, const char *key, dlt_error *err)
{
	int rc;
	DLT_ARG_CHECK(out != NULL && s != NULL, err);
	if ((rc = dlt_storage__check_key(key, 0, err)) < 0)
		return rc;
	memset(out, 0, sizeof(*out));
	rc = s->backend->head(s->backend, key, out, err);
	out->key = key;
	return name_key(rc, err, key);
}

int dlt_storage_get_range(dlt_bytes *out, dlt_storage *s, const char *key, uint64_t offset,
                          uint64_t len, dlt_error *err)
{
	dlt_object_meta meta;
	uint8_t *buf = NULL;
	size_t n, got = 0;
	int rc;
	DLT_ARG_CHECK(out != NULL && s != NULL, err);
	out->data = NULL;
	out->len = 0;
	if ((rc = dlt_storage__check_key(key, 0, err)) < 0)
		return rc;
	/* Size the buffer from the object, not from `len` (which may be UINT64_MAX). */
	memset(&meta, 0, sizeof(meta));
	if ((rc = s->backend->head(s->backend, key, &meta, err)) < 0)
		return name_key(rc, err, key);
	if (offset >= meta.size)
		n = 0;
	else if (meta.size - offset > SIZE_MAX - 1)
		return name_key(dlt_error_set(err, DLT_ELIMIT, "'%s': %" PRIu64 " bytes do not fit "
		                              "in memory", key, meta.size - offset), err, key);
	else
		n = (size_t)DLT_MIN(len, meta.size - offset);
	if (!(buf = dlt_malloc(n ? n : 1)))
		return name_key(dlt_error_set(err, DLT_ENOMEM, "out of memory reading %zu bytes of "
		                              "'%s'", n, key), err, key);
	/* The object may have changed since head: read_range reports what is there. */
	if (n > 0 && (rc = s->backend->read_range(s->backend, key, offset, buf, n, &got, err)) < 0) {
		dlt_free(buf);
		return name_key(rc, err, key);
	}
	out->data = buf;
	out->len = got;
	return DLT_OK;
}

int dlt_storage_get(dlt_bytes *out, dlt_storage *s, const char *key, dlt_error *err)
{
	return dlt_storage_get_range(out, s, key, 0, UINT64_MAX, err);
}

int dlt_storage_put(dlt_storage *s, const char *key, const void *data, size_t len,
                    dlt_put_mode mode, dlt_error *err)
{
	int rc;
	DLT_ARG_CHECK(s != NULL && (data != NULL || len == 0), err);
	DLT_ARG_CHECK(mode == DLT_PUT_OVERWRITE || mode == DLT_PUT_IF_ABSENT, err);
	if ((rc = dlt_storage__check_key(key, 0, err)) < 0)
		return rc;
	if (mode == DLT_PUT_IF_ABSENT && !(s->backend->caps & DLT_STORAGE_CAP_PUT_IF_ABSENT))
		return name_key(dlt_error_set(err, DLT_EUNSUPPORTED, "'%s': storage backend '%s' "
		                              "has no atomic put-if-absent", key,
		                              s->backend->name ? s->backend->name : "?"),
		                err, key);
	rc = s->backend->put(s->backend, key, data ? data : "", len, mode, err);
	return name_key(rc, err, key);
}

int dlt_storage_delete(dlt_storage *s, const char *key, dlt_error *err)
{
	int rc;
	DLT_ARG_CHECK(s != NULL, err);
	if ((rc = dlt_storage__check_key(key, 0, err)) < 0)
		return rc;
	return name_key(s->backend->remove(s->backend, key, err), err, key);
}

/* Listing: check what the backend hands out (prefix, bound, strict order), so
 * a faulty backend cannot make the log reader skip or repeat a commit. */
typedef struct list_check {
	dlt_list_cb cb;
	void *payload;
	const char *prefix;
	const char *start_after;
	int recursive;
	dlt_buf last;
	int have_last;
	const char *backend;
	dlt_error *err;
} list_check;

static int list_check_cb(const dlt_object_meta *e, void *payload)
{
	list_check *lc = payload;
	int rc;
	if (!e || !e->key || !e->key[0] || !dlt_storage__has_prefix(e->key, lc->prefix) ||
	    (lc->start_after && strcmp(e->key, lc->start_after) <= 0) ||
	    (lc->have_last && strcmp(e->key, (const char *)lc->last.data) <= 0) ||
	    (e->is_prefix && (lc->recursive || e->key[strlen(e->key) - 1] != '/')))
		return dlt_error_set(lc->err, DLT_ERROR,
		                     "storage backend '%s' listed '%s' out of order or outside "
		                     "prefix '%s'", lc->backend, e && e->key ? e->key : "(null)",
		                     lc->prefix);
	dlt_buf_clear(&lc->last);
	if ((rc = dlt_buf_append(&lc->last, e->key, strlen(e->key) + 1, lc->err)) < 0)
		return rc;
	lc->have_last = 1;
	rc = lc->cb(e, lc->payload);
	if (rc < 0)
		dlt_error_set(lc->err, rc, "listing '%s': callback failed with %s", lc->prefix,
		              dlt_code_name(rc));
	return rc;
}

int dlt_storage_list(dlt_storage *s, const char *prefix, const dlt_list_options *opts,
                     dlt_list_cb cb, void *payload, dlt_error *err)
{
	list_check lc;
	int rc;
	DLT_ARG_CHECK(s != NULL && cb != NULL, err);
	DLT_ARG_CHECK(opts == NULL || (opts->version >= 1 && opts->version <= DLT_LIST_OPTIONS_VERSION), err);
	if (!prefix)
		prefix = "";
	if ((rc = dlt_storage__check_key(prefix, 1, err)) < 0)
		return rc;
	memset(&lc, 0, sizeof(lc));
	lc.cb = cb;
	lc.payload = payload;
	lc.prefix = prefix;
	lc.start_after = opts ? opts->start_after : NULL;
	lc.recursive = opts ? opts->recursive != 0 : 1;
	lc.backend = s->backend->name ? s->backend->name : "?";
	lc.err = err;
	rc = s->backend->list(s->backend, prefix, lc.start_after, lc.recursive, list_check_cb, &lc,
	                      err);
	dlt_buf_dispose(&lc.last);
	if (rc > 0)
		return DLT_OK;
	return rc;
}

/* ---------------------------------------------------- generic adapters -- */

typedef struct gen_in {
	dlt_storage_backend *b;
	char *key;
	uint64_t size;
} gen_in;

static int gen_in_size(void *ctx, uint64_t *size_out, dlt_error *err)
{
	DLT_UNUSED(err);
	*size_out = ((gen_in *)ctx)->size;
	return DLT_OK;
}

static int gen_in_read_at(void *ctx, uint64_t offset, void *dst, size_t len, size_t *got,
                          dlt_error *err)
{
	gen_in *g = ctx;
	*got = 0;
	if (offset >= g->size || len == 0)
		return DLT_OK;
	len = (size_t)DLT_MIN((uint64_t)len, g->size - offset);
	return g->b->read_range(g->b, g->key, offset, dst, len, got, err);
}

static void gen_in_close(void *ctx)
{
	gen_in *g = ctx;
	dlt_free(g->key);
	dlt_free(g);
}

int dlt_storage__backend_input(dlt_input **out, dlt_storage_backend *b, const char *key,
                               dlt_error *err)
{
	static const dlt_input_ops ops = { DLT_INPUT_OPS_VERSION, gen_in_size, gen_in_read_at,
		                           gen_in_close };
	dlt_object_meta meta;
	gen_in *g;
	int rc;
	*out = NULL;
	if (b->open_input)
		return b->open_input(b, key, out, err);
	memset(&meta, 0, sizeof(meta));
	if ((rc = b->head(b, key, &meta, err)) < 0)
		return rc;
	g = dlt_calloc(1, sizeof(*g));
	if (!g || !(g->key = dlt_strdup(key))) {
		dlt_free(g);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory opening '%s'", key);
	}
	g->b = b;
	g->size = meta.size;
	if ((rc = dlt_input_new(out, &ops, g, key, err)) < 0)
		gen_in_close(g);
	return rc;
}

int dlt_storage_open_input(dlt_input **out, dlt_storage *s, const char *key, dlt_error *err)
{
	int rc;
	DLT_ARG_CHECK(out != NULL && s != NULL, err);
	*out = NULL;
	if ((rc = dlt_storage__check_key(key, 0, err)) < 0)
		return rc;
	return name_key(dlt_storage__backend_input(out, s->backend, key, err), err, key);
}

/* Buffered output for backends without streaming: the whole object is put on finish. */
typedef struct gen_out {
	dlt_storage_backend *b;
	char *key;
	dlt_put_mode mode;
	dlt_buf buf;
} gen_out;

static int gen_out_write(void *ctx, const void *data, size_t len, dlt_error *err)
{
	return dlt_buf_append(&((gen_out *)ctx)->buf, data, len, err);
}

static int gen_out_finish(void *ctx, dlt_error *err)
{
	gen_out *g = ctx;
	return g->b->put(g->b, g->key, g->buf.data ? (const void *)g->buf.data : "", g->buf.len,
	                 g->mode, err);
}

static void gen_out_close(void *ctx)
{
	gen_out *g = ctx;
	dlt_buf_dispose(&g->buf);
	dlt_free(g->key);
	dlt_free(g);
}

int dlt_storage__backend_output(dlt_output **out, dlt_storage_backend *b, const char *key,
                                dlt_put_mode mode, dlt_error *err)
{
	static const dlt_output_ops ops = { DLT_OUTPUT_OPS_VERSION, gen_out_write, gen_out_finish,
		                            NULL, gen_out_close };
	gen_out *g;
	int rc;
	*out = NULL;
	if (b->open_output)
		return b->open_output(b, key, mode, out, err);
	g = dlt_calloc(1, sizeof(*g));
	if (!g || !(g->key = dlt_strdup(key))) {
		dlt_free(g);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory opening '%s'", key);
	}
	g->b = b;
	g->mode = mode;
	if ((rc = dlt_output_new(out, &ops, g, key, err)) < 0)
		gen_out_close(g);
	return rc;
}

int dlt_storage_open_output(dlt_output **out, dlt_storage *s, const char *key,
                            dlt_put_mode mode, dlt_error *err)
{
	int rc;
	DLT_ARG_CHECK(out != NULL && s != NULL, err);
	DLT_ARG_CHECK(mode == DLT_PUT_OVERWRITE || mode == DLT_PUT_IF_ABSENT, err);
	*out = NULL;
	if ((rc = dlt_storage__check_key(key, 0, err)) < 0)
		return rc;
	if (mode == DLT_PUT_IF_ABSENT && !(s->backend->caps & DLT_STORAGE_CAP_PUT_IF_ABSENT))
		return name_key(dlt_error_set(err, DLT_EUNSUPPORTED, "'%s': storage backend '%s' "
		                              "has no atomic put-if-absent", key,
		                              s->backend->name ? s->backend->name : "?"),
		                err, key);
	return name_key(dlt_storage__backend_output(out, s->backend, key, mode, err), err, key);
}
