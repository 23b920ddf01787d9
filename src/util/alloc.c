/* Allocator hooks and the counting/failing debug mode.
 * Every block carries a 16-byte header with its size so counting can be
 * switched on at any time and realloc/free know how many bytes to account. */
#include "util/util.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define HDR 16
#define HDR_MAGIC 0x646c746d656d0001ull /* "dltmem" + version */

static void *sys_malloc(size_t n, void *p) { (void)p; return malloc(n); }
static void *sys_realloc(void *q, size_t n, void *p) { (void)p; return realloc(q, n); }
static void sys_free(void *q, void *p) { (void)p; free(q); }

static dlt_allocator g_alloc = { sys_malloc, sys_realloc, sys_free, NULL };
static atomic_int g_alloc_used;   /* set once anything was allocated */
static atomic_int g_counting;
static atomic_llong g_live_blocks, g_live_bytes, g_total, g_peak, g_failed;
static atomic_llong g_fail_after; /* 0: off; n: the nth allocation from now fails */

int dlt_set_allocator(const dlt_allocator *a)
{
	if (atomic_load(&g_alloc_used))
		return DLT_EINVAL;
	if (a == NULL) {
		g_alloc = (dlt_allocator){ sys_malloc, sys_realloc, sys_free, NULL };
		return DLT_OK;
	}
	if (!a->malloc_fn || !a->realloc_fn || !a->free_fn)
		return DLT_EINVAL;
	g_alloc = *a;
	return DLT_OK;
}

static bool should_fail(void)
{
	long long n = atomic_load(&g_fail_after);
	if (n <= 0)
		return false;
	/* Count down; exactly the nth call fails, then failing stops. */
	n = atomic_fetch_sub(&g_fail_after, 1);
	if (n == 1) {
		atomic_fetch_add(&g_failed, 1);
		return true;
	}
	return false;
}

static void count(long long dblocks, long long dbytes)
{
	if (!atomic_load(&g_counting))
		return;
	atomic_fetch_add(&g_live_blocks, dblocks);
	long long live = atomic_fetch_add(&g_live_bytes, dbytes) + dbytes;
	if (dblocks > 0)
		atomic_fetch_add(&g_total, dblocks);
	long long peak = atomic_load(&g_peak);
	while (live > peak && !atomic_compare_exchange_weak(&g_peak, &peak, live)) {
	}
}

/* Header: size, and a flag telling whether the block was counted. */
typedef struct hdr { uint64_t size; uint64_t magic_counted; } hdr;

void *dlt_malloc(size_t size)
{
	size_t total;
	hdr *h;
	atomic_store(&g_alloc_used, 1);
	if (should_fail() || dlt_add_overflow(size, HDR, &total))
		return NULL;
	h = g_alloc.malloc_fn(total, g_alloc.payload);
	if (!h)
		return NULL;
	h->size = size;
	h->magic_counted = HDR_MAGIC | (atomic_load(&g_counting) ? 0x100 : 0);
	if (h->magic_counted & 0x100)
		count(1, (long long)size);
	return (uint8_t *)h + HDR;
}

void *dlt_realloc(void *ptr, size_t size)
{
	hdr *h, *nh;
	size_t total;
	if (!ptr)
		return dlt_malloc(size);
	if (should_fail() || dlt_add_overflow(size, HDR, &total))
		return NULL;
	h = (hdr *)((uint8_t *)ptr - HDR);
	uint64_t old = h->size;
	bool counted = (h->magic_counted & 0x100) != 0;
	nh = g_alloc.realloc_fn(h, total, g_alloc.payload);
	if (!nh)
		return NULL;
	nh->size = size;
	if (counted)
		count(0, (long long)size - (long long)old);
	return (uint8_t *)nh + HDR;
}

void dlt_free(void *ptr)
{
	hdr *h;
	if (!ptr)
		return;
	h = (hdr *)((uint8_t *)ptr - HDR);
	if (h->magic_counted & 0x100)
		count(-1, -(long long)h->size);
	h->magic_counted = 0;
	g_alloc.free_fn(h, g_alloc.payload);
}

void dlt_alloc_counting(int enable)
{
	if (enable && !atomic_load(&g_counting)) {
		atomic_store(&g_live_blocks, 0);
		atomic_store(&g_live_bytes, 0);
		atomic_store(&g_total, 0);
		atomic_store(&g_peak, 0);
		atomic_store(&g_failed, 0);
	}
	atomic_store(&g_counting, enable ? 1 : 0);
}

void dlt_alloc_stats_get(dlt_alloc_stats *out)
{
	if (!out)
		return;
	out->live_blocks = atomic_load(&g_live_blocks);
	out->live_bytes = atomic_load(&g_live_bytes);
	out->total_blocks = atomic_load(&g_total);
	out->peak_bytes = atomic_load(&g_peak);
	out->failed = atomic_load(&g_failed);
}

void dlt_alloc_fail_after(int64_t n) { atomic_store(&g_fail_after, n > 0 ? n : 0); }

void *dlt_calloc(size_t n, size_t size)
{
	size_t total;
	void *p;
	if (dlt_mul_overflow(n, size, &total))
		return NULL;
	p = dlt_malloc(total);
	if (p)
		memset(p, 0, total);
	return p;
}

char *dlt_strndup(const char *s, size_t n)
{
	char *p = dlt_malloc(n + 1);
	if (!p)
		return NULL;
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *dlt_strdup(const char *s) { return s ? dlt_strndup(s, strlen(s)) : NULL; }

char *dlt_asprintf(const char *fmt, ...)
{
	va_list ap, ap2;
	int n;
	char *p;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		va_end(ap2);
		return NULL;
	}
	p = dlt_malloc((size_t)n + 1);
	if (p)
		vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}
