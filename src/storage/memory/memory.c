/* The "memory" backend: memory://name[/sub/dir] is an in-process object store
 * shared by every handle that names it, kept until dlt_storage_memory_drop().
 * Objects live in a sorted array (byte order of key) under a mutex; every
 * operation copies, so callbacks and readers never see a later change. */
#include "storage/internal.h"

#include <pthread.h>

typedef struct mem_obj {
	char *key; /* full key inside the store */
	uint8_t *data;
	size_t len;
	int64_t mtime_ms;
} mem_obj;

typedef struct mem_store {
	struct mem_store *next;
	char *name;
	int refs;    /* open handles (under stores_lock) */
	int dropped; /* no longer findable by name */
	pthread_mutex_t lock;
	mem_obj *objs;
	size_t len, cap;
} mem_store;

typedef struct mem_backend {
	dlt_storage_backend base;
	mem_store *st;
	char *root; /* "" or "sub/dir/": prepended to every key */
} mem_backend;

static pthread_mutex_t stores_lock = PTHREAD_MUTEX_INITIALIZER;
static mem_store *stores;

static void store_destroy(mem_store *st)
{
	size_t i;
	for (i = 0; i < st->len; i++) {
		dlt_free(st->objs[i].key);
		dlt_free(st->objs[i].data);
	}
	dlt_free(st->objs);
	dlt_free(st->name);
	pthread_mutex_destroy(&st->lock);
	dlt_free(st);
}

void dlt_storage_memory_drop(const char *name)
{
	mem_store **pp, *st;
	pthread_mutex_lock(&stores_lock);
	for (pp = &stores; (st = *pp) != NULL;) {
		if (!name || strcmp(st->name, name) == 0) {
			*pp = st->next;
			st->dropped = 1;
			if (st->refs == 0)
				store_destroy(st);
		} else {
			pp = &st->next;
		}
	}
	pthread_mutex_unlock(&stores_lock);
}

/* First index whose key is >= `key`. */
static size_t lower_bound(const mem_store *st, const char *key)
{
	size_t lo = 0, hi = st->len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(st->objs[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static mem_obj *find(mem_store *st, const char *key)
{
	size_t i = lower_bound(st, key);
	return i < st->len && strcmp(st->objs[i].key, key) == 0 ? &st->objs[i] : NULL;
}

static char *full_key(const mem_backend *mb, const char *key)
{
	return dlt_asprintf("%s%s", mb->root, key);
}

static int nomem(dlt_error *err, const char *key)
{
	return dlt_error_set(err, DLT_ENOMEM, "out of memory on '%s'", key);
}

static int not_found(dlt_error *err, const mem_backend *mb, const char *key)
{
	int rc = dlt_error_set(err, DLT_ENOTFOUND, "'%s': no such object in memory://%s/%s", key,
	                       mb->st->name, mb->root);
	dlt_error_set_path(err, key);
	return rc;
}

static int mem_head(dlt_storage_backend *b, const char *key, dlt_object_meta *out,
                    dlt_error *err)
{
	mem_backend *mb = (mem_backend *)b;
	char *fk = full_key(mb, key);
	mem_obj *o;
	int rc = DLT_OK;
	if (!fk)
		return nomem(err, key);
	pthread_mutex_lock(&mb->st->lock);
	if ((o = find(mb->st, fk)) != NULL) {
		out->size = o->len;
		out->mtime_ms = o->mtime_ms;
		out->is_prefix = 0;
	}
	pthread_mutex_unlock(&mb->st->lock);
	if (!o)
		rc = not_found(err, mb, key);
	dlt_free(fk);
	return rc;
}

static int mem_read_range(dlt_storage_backend *b, const char *key, uint64_t offset, void *dst,
                          size_t len, size_t *got, dlt_error *err)
{
	mem_backend *mb = (mem_backend *)b;
	char *fk = full_key(mb, key);
	mem_obj *o;
	*got = 0;
	if (!fk)
		return nomem(err, key);
	pthread_mutex_lock(&mb->st->lock);
	if ((o = find(mb->st, fk)) != NULL && offset < o->len) {
		*got = (size_t)DLT_MIN((uint64_t)len, o->len - offset);
		memcpy(dst, o->data + offset, *got);
	}
	pthread_mutex_unlock(&mb->st->lock);
	dlt_free(fk);
	return o ? DLT_OK : not_found(err, mb, key);
}

static int mem_put(dlt_storage_backend *b, const char *key, const void *data, size_t len,
                   dlt_put_mode mode, dlt_error *err)
{
	mem_backend *mb = (mem_backend *)b;
	mem_store *st = mb->st;
	char *fk = full_key(mb, key);
	uint8_t *copy = dlt_malloc(len ? len : 1);
	size_t i;
	int rc = DLT_OK;
	if (!fk || !copy) {
		dlt_free(fk);
		dlt_free(copy);
		return nomem(err, key);
	}
	memcpy(copy, data, len);
	pthread_mutex_lock(&st->lock);
	i = lower_bound(st, fk);
	if (i < st->len && strcmp(st->objs[i].key, fk) == 0) {
		if (mode == DLT_PUT_IF_ABSENT) {
			rc = dlt_error_set(err, DLT_EEXISTS, "'%s' already exists", key);
			dlt_error_set_path(err, key);
		} else {
			dlt_free(st->objs[i].data);
			st->objs[i].data = copy;
			st->objs[i].len = len;
			st->objs[i].mtime_ms = dlt_storage__now_ms();
			copy = NULL;
		}
	} else {
		if (st->len == st->cap) {
			size_t ncap = st->cap ? st->cap * 2 : 16, bytes;
			mem_obj *nv;
			if (dlt_mul_overflow(ncap, sizeof(mem_obj), &bytes) ||
			    !(nv = dlt_realloc(st->objs, bytes))) {
				rc = nomem(err, key);
				goto unlock;
			}
			st->objs = nv;
			st->cap = ncap;
		}
		memmove(&st->objs[i + 1], &st->objs[i], (st->len - i) * sizeof(mem_obj));
		st->objs[i].key = fk;
		st->objs[i].data = copy;
		st->objs[i].len = len;
		st->objs[i].mtime_ms = dlt_storage__now_ms();
		st->len++;
		fk = NULL;
		copy = NULL;
	}
unlock:
	pthread_mutex_unlock(&st->lock);
	dlt_free(fk);
	dlt_free(copy);
	return rc;
}

static int mem_remove(dlt_storage_backend *b, const char *key, dlt_error *err)
{
	mem_backend *mb = (mem_backend *)b;
	mem_store *st = mb->st;
	char *fk = full_key(mb, key);
	size_t i;
	if (!fk)
		return nomem(err, key);
	pthread_mutex_lock(&st->lock);
	i = lower_bound(st, fk);
	if (i < st->len && strcmp(st->objs[i].key, fk) == 0) {
		dlt_free(st->objs[i].key);
		dlt_free(st->objs[i].data);
		memmove(&st->objs[i], &st->objs[i + 1], (st->len - i - 1) * sizeof(mem_obj));
		st->len--;
	}
	pthread_mutex_unlock(&st->lock);
	dlt_free(fk);
	return DLT_OK;
}

typedef struct snap_entry {
	char *key; /* relative to the handle's root */
	uint64_t size;
	int64_t mtime_ms;
	int is_prefix;
} snap_entry;

static int mem_list(dlt_storage_backend *b, const char *prefix, const char *start_after,
                    int recursive, dlt_list_cb cb, void *payload, dlt_error *err)
{
	mem_backend *mb = (mem_backend *)b;
	mem_store *st = mb->st;
	size_t rootlen = strlen(mb->root), i, n = 0, dirlen;
	const char *slash = strrchr(prefix, '/');
	char *fp = full_key(mb, prefix);
	snap_entry *v = NULL;
	int rc = DLT_OK;
	if (!fp)
		return nomem(err, prefix);
	dirlen = slash ? (size_t)(slash - prefix) + 1 : 0;
	/* Snapshot under the lock, call back without it (callbacks may use the store). */
	pthread_mutex_lock(&st->lock);
	for (i = lower_bound(st, fp); i < st->len && rc == DLT_OK; i++) {
		const mem_obj *o = &st->objs[i];
		const char *rel = o->key + rootlen, *sub;
		char *k;
		int is_prefix = 0;
		if (!dlt_storage__has_prefix(o->key, fp))
			break;
		sub = recursive ? NULL : strchr(rel + dirlen, '/');
		if (sub) {
			k = dlt_strndup(rel, (size_t)(sub - rel) + 1);
			is_prefix = 1;
		} else {
			k = dlt_strdup(rel);
		}
		if (!k) {
			rc = nomem(err, prefix);
			break;
		}
		if ((start_after && strcmp(k, start_after) <= 0) ||
		    (is_prefix && n > 0 && v[n - 1].is_prefix && strcmp(v[n - 1].key, k) == 0)) {
			dlt_free(k);
			continue;
		}
		if ((n & (n - 1)) == 0) { /* grow at powers of two */
			snap_entry *nv = dlt_realloc(v, (n ? 2 * n : 1) * sizeof(*v));
			if (!nv) {
				dlt_free(k);
				rc = nomem(err, prefix);
				break;
			}
			v = nv;
		}
		v[n].key = k;
		v[n].size = is_prefix ? 0 : o->len;
		v[n].mtime_ms = is_prefix ? 0 : o->mtime_ms;
		v[n].is_prefix = is_prefix;
		n++;
	}
	pthread_mutex_unlock(&st->lock);
	for (i = 0; i < n && rc == DLT_OK; i++) {
		dlt_object_meta m;
		m.key = v[i].key;
		m.size = v[i].size;
		m.mtime_ms = v[i].mtime_ms;
		m.is_prefix = v[i].is_prefix;
		rc = cb(&m, payload);
	}
	for (i = 0; i < n; i++)
		dlt_free(v[i].key);
	dlt_free(v);
	dlt_free(fp);
	return rc;
}

static void mem_free(dlt_storage_backend *b)
{
	mem_backend *mb = (mem_backend *)b;
	if (!mb)
		return;
	pthread_mutex_lock(&stores_lock);
	if (--mb->st->refs == 0 && mb->st->dropped)
		store_destroy(mb->st);
	pthread_mutex_unlock(&stores_lock);
	dlt_free(mb->root);
	dlt_free(mb);
}

int dlt_storage__memory_factory(dlt_storage_backend **out, const dlt_uri *uri,
                                const dlt_kv *options, size_t options_len, void *payload,
                                dlt_error *err)
{
	mem_backend *mb;
	mem_store *st;
	const char *p = uri->path;
	size_t n;
	int rc;
	DLT_UNUSED(options);
	DLT_UNUSED(options_len);
	DLT_UNUSED(payload);
	*out = NULL;
	if (!uri->authority[0])
		return dlt_error_set(err, DLT_EINVAL, "memory uri needs a store name: memory://name");
	while (*p == '/')
		p++;
	n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	mb = dlt_calloc(1, sizeof(*mb));
	if (!mb || !(mb->root = dlt_asprintf("%.*s%s", (int)n, p, n ? "/" : ""))) {
		dlt_free(mb);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	if (n && (rc = dlt_storage__check_key(mb->root, 1, err)) < 0) {
		dlt_free(mb->root);
		dlt_free(mb);
		return rc;
	}
	pthread_mutex_lock(&stores_lock);
	for (st = stores; st; st = st->next)
		if (strcmp(st->name, uri->authority) == 0)
			break;
	if (!st) {
		st = dlt_calloc(1, sizeof(*st));
		if (!st || !(st->name = dlt_strdup(uri->authority)) ||
		    pthread_mutex_init(&st->lock, NULL) != 0) {
			pthread_mutex_unlock(&stores_lock);
			if (st)
				dlt_free(st->name);
			dlt_free(st);
			dlt_free(mb->root);
			dlt_free(mb);
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		}
		st->next = stores;
		stores = st;
	}
	st->refs++;
	pthread_mutex_unlock(&stores_lock);
	mb->st = st;
	mb->base.version = DLT_STORAGE_BACKEND_VERSION;
	mb->base.caps = DLT_STORAGE_CAP_PUT_IF_ABSENT | DLT_STORAGE_CAP_RANGE_READ |
	                DLT_STORAGE_CAP_MTIME;
	mb->base.name = "memory";
	mb->base.head = mem_head;
	mb->base.read_range = mem_read_range;
	mb->base.put = mem_put;
	mb->base.list = mem_list;
	mb->base.remove = mem_remove;
	mb->base.free = mem_free;
	*out = &mb->base;
	return DLT_OK;
}
