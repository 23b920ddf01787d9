/* Snapshot memory: strings and small structs live in 64 KiB chunks freed all
 * at once; partition values and keys are interned so a million files with a
 * few distinct partitions cost one pointer each. */
#include "log/arena.h"

#include <string.h>

#define CHUNK_SIZE (64u * 1024u)
#define MAX_CHUNK_SIZE ((size_t)16 << 20)

typedef struct chunk {
	struct chunk *next;
	size_t used, cap;
	/* data follows, 16-aligned */
} chunk;

typedef struct intern_table {
	const void **slots; /* const char * or const dlt_log_kvs * */
	size_t cap, n;
} intern_table;

struct dlt_log_arena {
	chunk *head;
	size_t bytes;
	intern_table strs;
	intern_table kvss;
};

static const dlt_log_kvs empty_kvs = { 0, NULL };

uint64_t dlt_log__hash_str(const char *s, uint64_t h)
{
	/* FNV-1a, 64-bit */
	if (h == 0)
		h = 1469598103934665603ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static uint64_t hash_ptr(const void *p, uint64_t h)
{
	uintptr_t v = (uintptr_t)p;
	h ^= (uint64_t)v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 1099511628211ull;
}

static uint64_t hash_kvs(const dlt_log_kv *kv, size_t n)
{
	uint64_t h = 1469598103934665603ull ^ n;
	for (size_t i = 0; i < n; i++) {
		h = hash_ptr(kv[i].key, h);
		h = hash_ptr(kv[i].value, h);
	}
	return h;
}

int dlt_log__arena_new(dlt_log_arena **out, dlt_error *err)
{
	*out = dlt_calloc(1, sizeof(**out));
	if (!*out)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	(*out)->bytes = sizeof(**out);
	return DLT_OK;
}

void dlt_log__arena_free(dlt_log_arena *a)
{
	if (!a)
		return;
	for (chunk *c = a->head, *n; c; c = n) {
		n = c->next;
		dlt_free(c);
	}
	dlt_free(a->strs.slots);
	dlt_free(a->kvss.slots);
	dlt_free(a);
}

void dlt_log__arena_adopt(dlt_log_arena *dst, dlt_log_arena *src)
{
	if (!src)
		return;
	chunk *tail = src->head;
	while (tail && tail->next)
		tail = tail->next;
	if (tail) {
		/* behind dst's open chunk, which stays the one small blocks come from */
		if (dst->head) {
			tail->next = dst->head->next;
			dst->head->next = src->head;
		} else {
			dst->head = src->head;
		}
		dst->bytes += src->bytes - sizeof(*src) -
		              (src->strs.cap + src->kvss.cap) * sizeof(*src->strs.slots);
	}
	src->head = NULL;
	dlt_log__arena_free(src);
}

size_t dlt_log__arena_bytes(const dlt_log_arena *a)
{
	return a ? a->bytes : 0;
}

void *dlt_log__arena_alloc(dlt_log_arena *a, size_t n)
{
	size_t hdr = (sizeof(chunk) + 15u) & ~(size_t)15u;
	n = (n + 7u) & ~(size_t)7u;
	if (n == 0)
		n = 8;
	if (!a->head || a->head->cap - a->head->used < n) {
		/* chunks grow with the arena (a sixteenth of it, so at most ~6% is
		 * left unused): a million-file snapshot takes a few dozen big
		 * blocks instead of thousands of small ones */
		size_t grow = a->bytes / 16;
		grow = grow < CHUNK_SIZE ? CHUNK_SIZE : grow > MAX_CHUNK_SIZE ? MAX_CHUNK_SIZE : grow;
		size_t cap = n > CHUNK_SIZE / 4 ? n : grow;
		chunk *c = dlt_malloc(hdr + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		if (n > CHUNK_SIZE / 4 && a->head) {
			/* a big block: keep the current chunk open for small ones */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
		a->bytes += hdr + cap;
		if (a->head != c) {
			c->used = n;
			return (char *)c + hdr;
		}
	}
	void *p = (char *)a->head + hdr + a->head->used;
	a->head->used += n;
	return p;
}

const char *dlt_log__arena_strdup(dlt_log_arena *a, const char *s, bool *ok)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *p = dlt_log__arena_alloc(a, n);
	if (!p) {
		*ok = false;
		return NULL;
	}
	memcpy(p, s, n);
	return p;
}

static bool table_grow(dlt_log_arena *a, intern_table *t, bool is_str)
{
	size_t ncap = t->cap ? t->cap * 2 : 256;
	const void **ns = dlt_calloc(ncap, sizeof(*ns));
	if (!ns)
		return false;
	for (size_t i = 0; i < t->cap; i++) {
		const void *v = t->slots[i];
		if (!v)
			continue;
		uint64_t h = is_str ? dlt_log__hash_str(v, 0)
		                    : hash_kvs(((const dlt_log_kvs *)v)->kv,
		                               ((const dlt_log_kvs *)v)->n);
		size_t j = (size_t)h & (ncap - 1);
		while (ns[j])
			j = (j + 1) & (ncap - 1);
		ns[j] = v;
	}
	a->bytes += (ncap - t->cap) * sizeof(*ns);
	dlt_free(t->slots);
	t->slots = ns;
	t->cap = ncap;
	return true;
}

const char *dlt_log__arena_intern(dlt_log_arena *a, const char *s, bool *ok)
{
	intern_table *t = &a->strs;
	if (!s)
		return NULL;
	if ((t->n + 1) * 2 > t->cap && !table_grow(a, t, true)) {
		*ok = false;
		return NULL;
	}
	uint64_t h = dlt_log__hash_str(s, 0);
	size_t j = (size_t)h & (t->cap - 1);
	while (t->slots[j]) {
		if (strcmp(t->slots[j], s) == 0)
			return t->slots[j];
		j = (j + 1) & (t->cap - 1);
	}
	const char *c = dlt_log__arena_strdup(a, s, ok);
	if (!c)
		return NULL;
	t->slots[j] = c;
	t->n++;
	return c;
}

static const dlt_log_kvs *make_kvs(dlt_log_arena *a, const dlt_log_kv *kv, size_t n,
                                   bool *ok, dlt_log_kv **items_out)
{
	dlt_log_kvs *k = dlt_log__arena_alloc(a, sizeof(*k));
	dlt_log_kv *items = n ? dlt_log__arena_alloc(a, n * sizeof(*items)) : NULL;
	if (!k || (n && !items)) {
		*ok = false;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		items[i].key = dlt_log__arena_intern(a, kv[i].key, ok);
		items[i].value = dlt_log__arena_intern(a, kv[i].value, ok);
		if (!*ok)
			return NULL;
	}
	k->n = n;
	k->kv = items;
	*items_out = items;
	return k;
}

const dlt_log_kvs *dlt_log__arena_copy_kvs(dlt_log_arena *a, const dlt_log_kv *kv, size_t n,
                                           bool *ok)
{
	dlt_log_kv *items;
	return make_kvs(a, kv, n, ok, &items);
}

const dlt_log_kvs *dlt_log__arena_intern_kvs(dlt_log_arena *a, const dlt_log_kv *kv, size_t n,
                                             bool *ok)
{
	intern_table *t = &a->kvss;
	if (n == 0)
		return &empty_kvs;
	if ((t->n + 1) * 2 > t->cap && !table_grow(a, t, false)) {
		*ok = false;
		return NULL;
	}
	/* Intern the strings first so the tuple hashes by pointer. Lookup with a
	 * temporary array on the stack for small tuples, else in the arena. */
	dlt_log_kv small[16];
	dlt_log_kv *tmp = n <= 16 ? small : dlt_malloc(n * sizeof(*tmp));
	if (!tmp) {
		*ok = false;
		return NULL;
	}
	for (size_t i = 0; i < n && *ok; i++) {
		tmp[i].key = dlt_log__arena_intern(a, kv[i].key, ok);
		tmp[i].value = dlt_log__arena_intern(a, kv[i].value, ok);
	}
	const dlt_log_kvs *res = NULL;
	if (*ok) {
		uint64_t h = hash_kvs(tmp, n);
		size_t j = (size_t)h & (t->cap - 1);
		while (t->slots[j]) {
			const dlt_log_kvs *c = t->slots[j];
			if (c->n == n && memcmp(c->kv, tmp, n * sizeof(*tmp)) == 0) {
				res = c;
				break;
			}
			j = (j + 1) & (t->cap - 1);
		}
		if (!res) {
			dlt_log_kv *items;
			res = make_kvs(a, tmp, n, ok, &items);
			if (res) {
				t->slots[j] = res;
				t->n++;
			}
		}
	}
	if (tmp != small)
		dlt_free(tmp);
	return res;
}
