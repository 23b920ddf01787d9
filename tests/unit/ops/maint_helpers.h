/* Shared by the vacuum / restore tests (included, not linked). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "deltalite/maintenance.h"
#include "deltalite/scan.h"
#include "deltalite/table.h"
#include "deltalite/txn.h"
#include "log/log.h"

#define DELTA_DIR DLT_CONFORMANCE_DIR "/delta"

static void sh(const char *fmt, ...) DLT_PRINTF(1, 2);
static void sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

/* Copy a whole corpus table to `dir`, every file's mtime `days_ago` days back. */
static inline void copy_table(const char *dir, const char *rel, int days_ago)
{
	sh("rm -rf '%s' && mkdir -p '%s' && cp -r '" DELTA_DIR "/%s/.' '%s/' && "
	   "find '%s' -type f -exec touch -d '%d days ago' {} + && rm -f '%s'/EXPECTED*", dir, dir, rel, dir, dir, days_ago, dir);
}

static inline bool exists(const char *dir, const char *rel)
{
	char p[1024];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return stat(p, &st) == 0;
}

static inline dlt_table *open_t(const char *dir)
{
	dlt_table *t = NULL;
	dlt_error err;
	if (dlt_table_open(&t, dir, NULL, &err) != DLT_OK)
		fail_msg("open %s: %s", dir, err.message);
	return t;
}

static inline dlt_snapshot *snap_of(dlt_table *t, int64_t v)
{
	dlt_snapshot *s = NULL;
	dlt_error err;
	if (dlt_table_snapshot(&s, t, v, &err) != DLT_OK)
		fail_msg("snapshot %lld: %s", (long long)v, err.message);
	return s;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Sorted values of int64 column `col` over a scan of `snap`; returns the count. */
static inline size_t scan_ids(int64_t *ids, size_t cap, dlt_snapshot *snap, const char *col)
{
	struct ArrowArrayStream st;
	struct ArrowSchema sch;
	dlt_error err;
	size_t n = 0;
	if (dlt_snapshot_scan(&st, snap, NULL, &err) != DLT_OK)
		fail_msg("scan: %s", err.message);
	assert_int_equal(st.get_schema(&st, &sch), 0);
	int64_t ci = -1;
	for (int64_t i = 0; i < sch.n_children; i++)
		if (strcmp(sch.children[i]->name, col) == 0)
			ci = i;
	assert_true(ci >= 0);
	assert_string_equal(sch.children[ci]->format, "l");
	for (;;) {
		struct ArrowArray b;
		assert_int_equal(st.get_next(&st, &b), 0);
		if (!b.release)
			break;
		const struct ArrowArray *c = b.children[ci];
		for (int64_t i = 0; i < c->length && n < cap; i++)
			ids[n++] = ((const int64_t *)c->buffers[1])[c->offset + i];
		b.release(&b);
	}
	sch.release(&sch);
	st.release(&st);
	qsort(ids, n, sizeof(*ids), cmp_i64);
	return n;
}

/* commitInfo.operation of version v ("" if none). */
static inline void operation_of(char *out, size_t cap, const char *dir, int64_t v)
{
	char p[1024];
	FILE *f;
	snprintf(p, sizeof(p), "%s/_delta_log/%020lld.json", dir, (long long)v);
	f = fopen(p, "rb");
	out[0] = 0;
	if (!f)
		return;
	char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	const char *o = strstr(buf, "\"operation\":\"");
	if (!o)
		return;
	o += 13;
	size_t k = 0;
	while (o[k] && o[k] != '"' && k + 1 < cap) {
		out[k] = o[k];
		k++;
	}
	out[k] = 0;
}
