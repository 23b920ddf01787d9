/* OPTIMIZE: compaction of small files (unpartitioned, partitioned, partition
 * filter, min files, target size), deletion vectors materialized, Z-order
 * (data skipping on either column improves), conflicts with concurrent
 * appends and deletes, option errors. Rows are compared before / after,
 * statistics of the new files against DuckDB. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deltalite.h"
#include "deltalite/dml.h"
#include "arrow/arrow.h"
#include "log/log.h"
#include "ops/optimize.h"
#include "table/helpers.c" /* canonical row rendering shared with the scan tests */

#define DDL "id bigint not null, p string, v int, s string"

static char *tmp_table(const char *name)
{
	char *p = malloc(1024);
	char cmd[1200];
	snprintf(p, 1024, "%s/optimize_%s_%d", DLT_TEST_TMPDIR, name, (int)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p);
	assert_int_equal(system(cmd), 0);
	return p;
}

static void parse_ddl(struct ArrowSchema *s, const char *ddl)
{
	dlt_error err;
	if (dlt_schema_parse_ddl(s, ddl, &err))
		fail_msg("ddl: %s", err.message);
}

static dlt_table *create(const char *uri, const char *ddl, const char *part,
                         const dlt_kv *props, size_t nprops)
{
	struct ArrowSchema s;
	dlt_create_options o = DLT_CREATE_OPTIONS_INIT;
	const char *parts[1] = { part };
	dlt_table *t = NULL;
	dlt_error err;
	parse_ddl(&s, ddl);
	o.partition_by = part ? parts : NULL;
	o.partition_by_len = part ? 1 : 0;
	o.properties = props;
	o.properties_len = nprops;
	if (dlt_table_create(&t, uri, &s, &o, &err))
		fail_msg("create: %s", err.message);
	s.release(&s);
	return t;
}

/* Row k of DDL: p cycles a/b/c, v pseudo-random, s null every 7th row. */
static void row_std(dlt_builder *b, int64_t k)
{
	static const char *const ps[] = { "a", "b", "c" };
	char s[32];
	assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 0), k, NULL), 0);
	assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 1), ps[k % 3], 1, NULL), 0);
	assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 2), (k * 37) % 101 - 50,
	                                         NULL), 0);
	if (k % 7 == 0)
		assert_int_equal(dlt_builder__append_null(dlt_builder__child(b, 3), NULL), 0);
	else {
		snprintf(s, sizeof(s), "s%05lld", (long long)k);
		assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 3), s, strlen(s),
		                                           NULL), 0);
	}
	assert_int_equal(dlt_builder__append_valid(b, NULL), 0);
}

static uint64_t rng_state;
static uint32_t rnd(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rng_state >> 33);
}

#define ZDDL "id bigint not null, x int, y int"
/* Row k of ZDDL: x, y uniformly random in [0, 1000000). */
static void row_xy(dlt_builder *b, int64_t k)
{
	assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 0), k, NULL), 0);
	assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 1), rnd() % 1000000, NULL), 0);
	assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 2), rnd() % 1000000, NULL), 0);
	assert_int_equal(dlt_builder__append_valid(b, NULL), 0);
}

typedef void (*row_fn)(dlt_builder *b, int64_t k);

/* Append rows [first, first + n) in one write (one file per partition). */
static void append(dlt_table *t, const char *ddl, row_fn fn, int64_t first, int64_t n)
{
	struct ArrowSchema s, s2;
	struct ArrowArray batch;
	struct ArrowArrayStream st;
	dlt_builder *b = NULL;
	dlt_error err;
	parse_ddl(&s, ddl);
	assert_int_equal(dlt_builder__new(&b, &s, NULL), 0);
	for (int64_t k = first; k < first + n; k++)
		fn(b, k);
	assert_int_equal(dlt_builder__finish(&batch, b, NULL), 0);
	dlt_builder__free(b);
	assert_int_equal(dlt_schema__copy(&s2, &s, NULL), 0);
	assert_int_equal(dlt_stream__from_batches(&st, &s2, &batch, 1, NULL), 0);
	if (dlt_table_write(NULL, t, &st, NULL, &err))
		fail_msg("write: %s", err.message);
	s.release(&s);
}

static dlt_snapshot *latest(dlt_table *t)
{
	dlt_snapshot *snap = NULL;
	dlt_error err;
	if (dlt_table_snapshot(&snap, t, -1, &err))
		fail_msg("snapshot: %s", err.message);
	return snap;
}

static void scan_rows(th_lines *out, dlt_table *t)
{
	dlt_snapshot *snap = latest(t);
	struct ArrowArrayStream s;
	char msg[512];
	dlt_error err;
	if (dlt_snapshot_scan(&s, snap, NULL, &err))
		fail_msg("scan: %s", err.message);
	if (th_render_stream(out, &s, msg, sizeof(msg)))
		fail_msg("scan: %s", msg);
	if (s.release)
		s.release(&s);
	th_lines_sort(out);
	dlt_snapshot_free(snap);
}

static void assert_same_rows(const th_lines *a, const th_lines *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			fail_msg("row %zu differs:\n  got  %s\n  want %s", i, a->v[i], b->v[i]);
}

static int64_t num_files(dlt_table *t)
{
	dlt_snapshot *snap = latest(t);
	int64_t n = dlt_snapshot_num_files(snap);
	dlt_snapshot_free(snap);
	return n;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static size_t count_str(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* The commit of `v`: OPTIMIZE, only dataChange false actions, n removes and adds. */
static void check_commit(const char *uri, int64_t v, size_t removes, size_t adds,
                         const char *params_part)
{
	char path[1200];
	char *j;
	snprintf(path, sizeof(path), "%s/_delta_log/%020lld.json", uri, (long long)v);
	j = read_text(path);
	assert_non_null(strstr(j, "\"operation\":\"OPTIMIZE\""));
	assert_null(strstr(j, "\"dataChange\":true"));
	assert_int_equal(count_str(j, "{\"remove\":"), removes);
	assert_int_equal(count_str(j, "{\"add\":"), adds);
	assert_int_equal(count_str(j, "\"dataChange\":false"), removes + adds);
	assert_non_null(strstr(j, "\"numFilesAdded\":"));
	assert_non_null(strstr(j, "\"totalConsideredFiles\":"));
	assert_non_null(strstr(j, "\"filesRemoved.totalSize\":"));
	if (params_part && !strstr(j, params_part))
		fail_msg("commit %lld lacks %s:\n%s", (long long)v, params_part, j);
	free(j);
}

static void duckdb_check(const char *uri, int64_t rows, int64_t files)
{
	char cmd[2048], line[4096], want_rows[64], want_files[64];
	bool ok = false, rows_ok = false, files_ok = false;
	FILE *p;
	snprintf(cmd, sizeof(cmd), "timeout 300 node %s/tests/unit/ops/optimize_duckdb.mjs %s '%s' 2>&1",
	         DLT_SOURCE_DIR, DLT_NODE_DIR, uri);
	p = popen(cmd, "r");
	assert_non_null(p);
	snprintf(want_rows, sizeof(want_rows), "ROWS %lld", (long long)rows);
	snprintf(want_files, sizeof(want_files), "FILES %lld", (long long)files);
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = 0;
		if (strncmp(line, "MISMATCH", 8) == 0 || strstr(line, "Error"))
			fail_msg("duckdb: %s", line);
		rows_ok |= strcmp(line, want_rows) == 0;
		files_ok |= strcmp(line, want_files) == 0;
		ok |= strncmp(line, "OK ", 3) == 0;
	}
	assert_int_equal(pclose(p), 0);
	assert_true(rows_ok);
	assert_true(files_ok);
	assert_true(ok);
}

/* Number of .parquet files on disk below dir (recursive). */
static int64_t parquet_on_disk(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int64_t n = 0;
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char p[2048];
		struct stat st;
		if (e->d_name[0] == '.' || strcmp(e->d_name, "_delta_log") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (stat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			n += parquet_on_disk(p);
		else if (strstr(e->d_name, ".parquet"))
			n++;
	}
	closedir(d);
	return n;
}

static void optimize_ok(dlt_optimize_metrics *m, dlt_table *t, const dlt_optimize_options *o)
{
	dlt_error err;
	if (dlt_table_optimize(m, t, o, &err))
		fail_msg("optimize: %s", err.message);
}

/* ------------------------------------------------------------- tests -- */

static void test_optimize_compacts_unpartitioned(void **state)
{
	char *uri = tmp_table("flat");
	dlt_table *t = create(uri, DDL, NULL, NULL, 0);
	dlt_optimize_metrics m;
	th_lines before = { 0 }, after = { 0 };
	(void)state;

	for (int i = 0; i < 10; i++)
		append(t, DDL, row_std, i * 50, 50);
	assert_int_equal(num_files(t), 10);
	scan_rows(&before, t);

	optimize_ok(&m, t, NULL);
	assert_int_equal(m.version, 11);
	assert_int_equal(m.num_files_removed, 10);
	assert_int_equal(m.num_files_added, 1);
	assert_int_equal(m.files_removed.total_files, 10);
	assert_int_equal(m.files_added.total_files, 1);
	assert_true(m.files_removed.min > 0 && m.files_removed.min <= m.files_removed.max);
	assert_true(m.files_added.total_size > 0);
	assert_int_equal(m.partitions_optimized, 1);
	assert_int_equal(m.num_batches, 1);
	assert_int_equal(m.total_considered_files, 10);
	assert_int_equal(m.total_files_skipped, 0);
	assert_int_equal(m.rows_rewritten, 500);
	assert_int_equal(num_files(t), 1);
	check_commit(uri, 11, 10, 1, "\"zOrderBy\":\"[]\"");

	scan_rows(&after, t);
	assert_same_rows(&after, &before);
	duckdb_check(uri, 500, 1);

	/* nothing left to do: no commit */
	optimize_ok(&m, t, NULL);
	assert_int_equal(m.version, -1);
	assert_int_equal(m.num_files_added, 0);
	assert_int_equal(m.total_considered_files, 1);
	assert_int_equal(m.total_files_skipped, 1);
	{
		dlt_snapshot *snap = latest(t);
		assert_int_equal(dlt_snapshot_version(snap), 11);
		dlt_snapshot_free(snap);
	}

	th_lines_free(&before);
	th_lines_free(&after);
	dlt_table_free(t);
	free(uri);
}

static void test_optimize_partitioned_filter_and_min_files(void **state)
{
	char *uri = tmp_table("part");
	dlt_table *t = create(uri, DDL, "p", NULL, 0);
	dlt_optimize_options o = DLT_OPTIMIZE_OPTIONS_INIT;
	dlt_optimize_metrics m;
	th_lines before = { 0 }, after = { 0 };
	dlt_error err;
	(void)state;

	for (int i = 0; i < 8; i++)
		append(t, DDL, row_std, i * 30, 30);
	assert_int_equal(num_files(t), 24);
	scan_rows(&before, t);

	/* a filter on a data column is refused */
	o.partition_filter = "v > 3";
	assert_int_equal(dlt_table_optimize(&m, t, &o, &err), DLT_EINVAL);
	assert_non_null(strstr(err.message, "'v', which is not a partition column"));
	o.partition_filter = "p = ";
	assert_int_equal(dlt_table_optimize(&m, t, &o, &err), DLT_EINVAL);

	/* min_files above what a partition has: nothing to do */
	o.partition_filter = NULL;
	o.min_files = 9;
	optimize_ok(&m, t, &o);
	assert_int_equal(m.version, -1);
	assert_int_equal(m.total_files_skipped, 24);

	/* only partition a */
	o.min_files = 0;
	o.partition_filter = "p = 'a'";
	optimize_ok(&m, t, &o);
	assert_int_equal(m.num_files_removed, 8);
	assert_int_equal(m.num_files_added, 1);
	assert_int_equal(m.total_considered_files, 8);
	assert_int_equal(m.partitions_optimized, 1);
	assert_int_equal(num_files(t), 17);
	check_commit(uri, m.version, 8, 1, "\"predicate\":\"[\\\"");

	/* the rest */
	optimize_ok(&m, t, NULL);
	assert_int_equal(m.num_files_removed, 16);
	assert_int_equal(m.num_files_added, 2);
	assert_int_equal(m.partitions_optimized, 2);
	assert_int_equal(m.total_considered_files, 17);
	assert_int_equal(m.total_files_skipped, 1);
	assert_int_equal(num_files(t), 3);
	{
		dlt_snapshot *snap = latest(t);
		for (size_t i = 0; i < snap->n_files; i++) {
			const dlt_log_file *f = &snap->files[i];
			bool found;
			const char *pv = dlt_log__kvs_get(f->partition_values, "p", &found);
			char dir[16];
			assert_true(found && pv);
			snprintf(dir, sizeof(dir), "p=%s/", pv);
			assert_true(strncmp(f->path, dir, strlen(dir)) == 0);
		}
		dlt_snapshot_free(snap);
	}
	scan_rows(&after, t);
	assert_same_rows(&after, &before);
	duckdb_check(uri, 240, 3);

	th_lines_free(&before);
	th_lines_free(&after);
	dlt_table_free(t);
	free(uri);
}

static void test_optimize_target_size_bins(void **state)
{
	char *uri = tmp_table("bins");
	dlt_kv props[1] = { { "delta.targetFileSize", NULL } };
	dlt_table *t = create(uri, DDL, NULL, NULL, 0);
	dlt_optimize_options o = DLT_OPTIMIZE_OPTIONS_INIT;
	dlt_optimize_metrics m;
	th_lines before = { 0 }, after = { 0 };
	dlt_snapshot *snap;
	int64_t total = 0, biggest = 0;
	char val[32];
	dlt_error err;
	(void)state;

	for (int i = 0; i < 12; i++)
		append(t, DDL, row_std, i * 40, 40);
	snap = latest(t);
	for (size_t i = 0; i < snap->n_files; i++) {
		total += snap->files[i].size;
		if (snap->files[i].size > biggest)
			biggest = snap->files[i].size;
	}
	dlt_snapshot_free(snap);
	scan_rows(&before, t);

	/* target from the table property: room for ~4 files per bin */
	snprintf(val, sizeof(val), "%lld", (long long)(biggest * 4 + biggest / 2));
	props[0].value = val;
	if (dlt_table_set_properties(NULL, t, props, 1, &err))
		fail_msg("set property: %s", err.message);
	optimize_ok(&m, t, &o);
	assert_int_equal(m.num_files_removed, 12);
	assert_true(m.num_batches >= 3 && m.num_batches <= 4);
	assert_true(m.num_files_added >= m.num_batches && m.num_files_added <= 2 * m.num_batches);
	assert_int_equal(num_files(t), m.num_files_added);
	scan_rows(&after, t);
	assert_same_rows(&after, &before);

	/* an unparsable property is a clear error */
	props[0].value = "lots";
	if (dlt_table_set_properties(NULL, t, props, 1, &err) == DLT_OK) {
		o.target_size = 0;
		assert_int_equal(dlt_table_optimize(&m, t, &o, &err), DLT_EINVAL);
		assert_non_null(strstr(err.message, "delta.targetFileSize"));
	}
	(void)total;
	th_lines_free(&before);
	th_lines_free(&after);
	dlt_table_free(t);
	free(uri);
}

static void test_optimize_materializes_deletion_vectors(void **state)
{
	char *uri = tmp_table("dv");
	dlt_kv props[] = { { "delta.enableDeletionVectors", "true" } };
	dlt_table *t = create(uri, DDL, NULL, props, 1);
	dlt_dml_options d = DLT_DML_OPTIONS_INIT;
	dlt_dml_metrics dm;
	dlt_optimize_options o = DLT_OPTIMIZE_OPTIONS_INIT;
	dlt_optimize_metrics m;
	th_lines before = { 0 }, after = { 0 };
	dlt_snapshot *snap;
	dlt_error err;
	int64_t big_size = 0;
	(void)state;

	append(t, DDL, row_std, 0, 300);          /* one file, alone in its bin */
	d.use_deletion_vectors = 1;
	if (dlt_table_delete(&dm, t, "id % 5 = 0", &d, &err))
		fail_msg("delete: %s", err.message);
	assert_int_equal(dm.num_deletion_vectors_added, 1);
	snap = latest(t);
	assert_int_equal(snap->n_files, 1);
	assert_true(snap->files[0].dv.storage_type != 0);
	big_size = snap->files[0].size;
	dlt_snapshot_free(snap);
	scan_rows(&before, t);
	assert_int_equal(before.n, 240);

	/* a file larger than the target but with a DV is rewritten */
	o.target_size = big_size / 2 > 0 ? big_size / 2 : 1;
	optimize_ok(&m, t, &o);
	assert_int_equal(m.num_files_removed, 1);
	assert_int_equal(m.num_deletion_vectors_removed, 1);
	assert_int_equal(m.rows_rewritten, 240);
	assert_true(m.num_files_added >= 1);
	snap = latest(t);
	for (size_t i = 0; i < snap->n_files; i++)
		assert_int_equal(snap->files[i].dv.storage_type, 0);
	dlt_snapshot_free(snap);
	check_commit(uri, m.version, 1, (size_t)m.num_files_added, "\"numDeletionVectorsRemoved\":\"1\"");
	scan_rows(&after, t);
	assert_same_rows(&after, &before);
	duckdb_check(uri, 240, m.num_files_added);

	th_lines_free(&before);
	th_lines_free(&after);
	dlt_table_free(t);
	free(uri);
}

/* Average files read by point predicates "col = value" over `n` values. */
static double files_read(dlt_table *t, const char *col, const int32_t *vals, int n)
{
	dlt_snapshot *snap = latest(t);
	int64_t total = 0;
	for (int i = 0; i < n; i++) {
		char sql[64];
		dlt_scan_options so = DLT_SCAN_OPTIONS_INIT;
		dlt_scan_metrics sm;
		dlt_scan *scan = NULL;
		struct ArrowArrayStream st;
		dlt_error err;
		snprintf(sql, sizeof(sql), "%s = %d", col, (int)vals[i]);
		so.predicate_sql = sql;
		if (dlt_scan_new(&scan, snap, &so, &err) || dlt_scan_stream(&st, scan, &err))
			fail_msg("scan: %s", err.message);
		for (;;) {
			struct ArrowArray b;
			assert_int_equal(st.get_next(&st, &b), 0);
			if (!b.release)
				break;
			b.release(&b);
		}
		dlt_scan_get_metrics(&sm, scan);
		total += sm.files_read;
		st.release(&st);
		dlt_scan_free(scan);
	}
	dlt_snapshot_free(snap);
	return (double)total / n;
}

static void test_optimize_zorder_improves_skipping_on_both_columns(void **state)
{
	char *uri = tmp_table("zorder");
	dlt_table *t = create(uri, ZDDL, NULL, NULL, 0);
	dlt_optimize_options o = DLT_OPTIMIZE_OPTIONS_INIT;
	const char *z[] = { "x", "y" };
	dlt_optimize_metrics m;
	th_lines before = { 0 }, after = { 0 };
	int32_t xs[16], ys[16];
	double bx, by, ax, ay;
	int64_t bytes = 0;
	dlt_snapshot *snap;
	(void)state;

	rng_state = 42;
	for (int i = 0; i < 16; i++)
		append(t, ZDDL, row_xy, i * 1250, 1250);
	/* probe values that exist: x / y of some rows */
	rng_state = 42;
	for (int i = 0; i < 16; i++) {
		xs[i] = (int32_t)(rnd() % 1000000);
		ys[i] = (int32_t)(rnd() % 1000000);
		for (int k = 0; k < 2 * 1249; k++)
			(void)rnd();
	}
	snap = latest(t);
	for (size_t i = 0; i < snap->n_files; i++)
		bytes += snap->files[i].size;
	dlt_snapshot_free(snap);
	scan_rows(&before, t);
	bx = files_read(t, "x", xs, 16);
	by = files_read(t, "y", ys, 16);
	assert_true(bx >= 15.0 && by >= 15.0);     /* random data: every file overlaps */

	o.zorder_by = z;
	o.zorder_by_len = 2;
	o.target_size = bytes / 16;
	optimize_ok(&m, t, &o);
	assert_int_equal(m.num_files_removed, 16);
	assert_int_equal(m.num_batches, 1);
	assert_true(m.num_files_added >= 8);
	check_commit(uri, m.version, 16, (size_t)m.num_files_added,
	             "\"zOrderBy\":\"[\\\"x\\\",\\\"y\\\"]\"");
	ax = files_read(t, "x", xs, 16);
	ay = files_read(t, "y", ys, 16);
	print_message("zorder: %lld files; files read x %.2f -> %.2f, y %.2f -> %.2f\n",
	              (long long)m.num_files_added, bx, ax, by, ay);
	/* 16 files in a 2-d z-order: ~4-6 files per point; before: all of them */
	assert_true(ax <= 0.5 * bx);
	assert_true(ay <= 0.5 * by);
	scan_rows(&after, t);
	assert_same_rows(&after, &before);
	duckdb_check(uri, 20000, m.num_files_added);

	th_lines_free(&before);
	th_lines_free(&after);
	dlt_table_free(t);
	free(uri);
}

static void test_optimize_zorder_option_errors(void **state)
{
	char *uri = tmp_table("zerr");
	dlt_kv props[] = { { "delta.dataSkippingNumIndexedCols", "2" } };
	dlt_table *t = create(uri, DDL, "p", props, 1);
	dlt_optimize_options o = DLT_OPTIMIZE_OPTIONS_INIT;
	dlt_optimize_metrics m;
	const char *zp[] = { "p" }, *zu[] = { "nope" }, *zs[] = { "s" }, *zd[] = { "v", "V" };
	dlt_error err;
	(void)state;

	append(t, DDL, row_std, 0, 30);
	append(t, DDL, row_std, 30, 30);
	o.zorder_by_len = 1;
	o.zorder_by = zp;
	assert_int_equal(dlt_table_optimize(&m, t, &o, &err), DLT_EINVAL);
	assert_non_null(strstr(err.message, "'p' is a partition column"));
	o.zorder_by = zu;
	assert_int_equal(dlt_table_optimize(&m, t, &o, &err), DLT_EINVAL);
	assert_non_null(strstr(err.message, "'nope' is not a top-level column"));
	/* s is the third data column: no stats with 2 indexed columns */
	o.zorder_by = zs;
	assert_int_equal(dlt_table_optimize(&m, t, &o, &err), DLT_EINVAL);
	assert_non_null(strstr(err.message, "'s' has no statistics"));
	o.zorder_by = zd;
	o.zorder_by_len = 2;
	assert_int_equal(dlt_table_optimize(&m, t, &o, &err), DLT_EINVAL);
	assert_non_null(strstr(err.message, "listed twice"));
	assert_int_equal(num_files(t), 6);
	/* allowed on request; z-order rewrites every file of each partition */
	o.zorder_by = zs;
	o.zorder_by_len = 1;
	o.allow_zorder_without_stats = 1;
	optimize_ok(&m, t, &o);
	assert_int_equal(m.num_files_removed, 6);
	assert_int_equal(m.partitions_optimized, 3);
	assert_int_equal(num_files(t), 3);
	o.version = 99;
	assert_int_equal(dlt_table_optimize(&m, t, &o, &err), DLT_EINVAL);
	dlt_table_free(t);
	free(uri);
}

static void test_optimize_append_only_and_column_mapping(void **state)
{
	char *uri = tmp_table("cm");
	dlt_kv props[] = { { "delta.appendOnly", "true" } };
	dlt_create_options co = DLT_CREATE_OPTIONS_INIT;
	const char *parts[] = { "p" };
	dlt_optimize_options o;
	dlt_optimize_metrics m;
	th_lines before = { 0 }, after = { 0 };
	struct ArrowSchema s;
	dlt_table *t = NULL;
	dlt_error err;
	(void)state;

	parse_ddl(&s, DDL);
	co.partition_by = parts;
	co.partition_by_len = 1;
	co.properties = props;
	co.properties_len = 1;
	co.column_mapping = DLT_COLUMN_MAPPING_NAME;
	if (dlt_table_create(&t, uri, &s, &co, &err))
		fail_msg("create: %s", err.message);
	s.release(&s);
	for (int i = 0; i < 4; i++)
		append(t, DDL, row_std, i * 30, 30);
	scan_rows(&before, t);
	assert_int_equal(dlt_optimize_options_init(&o, 99), DLT_EINVAL);
	assert_int_equal(dlt_optimize_options_init(&o, DLT_OPTIMIZE_OPTIONS_VERSION), 0);
	o.partition_filter = "p IN ('b', 'c')";
	optimize_ok(&m, t, &o);               /* dataChange=false removes: allowed */
	assert_int_equal(m.num_files_removed, 8);
	assert_int_equal(m.num_files_added, 2);
	assert_int_equal(num_files(t), 6);
	scan_rows(&after, t);
	assert_same_rows(&after, &before);
	th_lines_free(&before);
	th_lines_free(&after);
	dlt_table_free(t);
	free(uri);
}

/* ---------------------------------------------------------- conflicts -- */

typedef struct hook_ctx {
	const char *uri;
	int mode;               /* 0: append, 1: delete a file being compacted */
} hook_ctx;

static int concurrent(dlt_table *table, void *payload, dlt_error *err)
{
	hook_ctx *h = payload;
	dlt_table *other = NULL;
	(void)table;
	if (dlt_table_open(&other, h->uri, NULL, err))
		return err->code;
	if (h->mode == 0) {
		append(other, DDL, row_std, 1000, 20);
	} else {
		dlt_txn *txn = NULL;
		dlt_snapshot *snap = latest(other);
		const char *victim = snap->files[0].path;
		if (dlt_txn_begin(&txn, other, NULL, err) ||
		    dlt_txn_remove_live_file(txn, victim, 1, err) ||
		    dlt_txn_commit(NULL, txn, err))
			fail_msg("concurrent delete: %s", err->message);
		dlt_txn_free(txn);
		dlt_snapshot_free(snap);
	}
	dlt_table_free(other);
	return 0;
}

static void test_optimize_concurrent_append_commutes_delete_conflicts(void **state)
{
	char *uri = tmp_table("conflict");
	dlt_table *t = create(uri, DDL, NULL, NULL, 0);
	hook_ctx h = { uri, 0 };
	dlt_optimize_metrics m;
	th_lines rows = { 0 };
	int64_t on_disk, v;
	dlt_error err;
	(void)state;

	for (int i = 0; i < 5; i++)
		append(t, DDL, row_std, i * 20, 20);
	/* an append lands between our read and our commit: both survive */
	if (dlt_ops__optimize_run(&m, t, NULL, concurrent, &h, &err))
		fail_msg("optimize: %s", err.message);
	assert_int_equal(m.version, 7);
	assert_int_equal(num_files(t), 2);      /* compacted + the concurrent append */
	scan_rows(&rows, t);
	assert_int_equal(rows.n, 120);
	th_lines_free(&rows);

	/* a concurrent delete of a file being compacted: clean failure */
	for (int i = 0; i < 3; i++)
		append(t, DDL, row_std, 2000 + i * 20, 20);
	h.mode = 1;
	on_disk = parquet_on_disk(uri);
	assert_int_equal(dlt_ops__optimize_run(&m, t, NULL, concurrent, &h, &err), DLT_ECONFLICT);
	assert_non_null(strstr(err.message, "conflict"));
	{
		dlt_snapshot *snap = latest(t);
		v = dlt_snapshot_version(snap);
		dlt_snapshot_free(snap);
	}
	assert_int_equal(v, 11);                /* the winner's delete, nothing of ours */
	assert_int_equal(num_files(t), 4);
	assert_int_equal(parquet_on_disk(uri), on_disk);   /* our new files were removed */
	/* a retry then succeeds */
	optimize_ok(&m, t, NULL);
	assert_int_equal(num_files(t), 1);
	dlt_table_free(t);
	free(uri);
}

/* ------------------------------------------------------------ zorder.c -- */

static void test_optimize_zorder_keys_order_types(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a;
	dlt_builder *b = NULL;
	dlt_column col;
	int64_t idx[7];
	const double d[] = { 3.0, -1.5, 0.0, -1e300, 1e300, 0.5 };
	const int64_t want[] = { 6, 3, 1, 2, 5, 0, 4 };
	(void)state;

	/* doubles with negatives and a null: nulls first, then numeric order */
	assert_int_equal(dlt_schema__init_leaf(&s, "g", "d", true, NULL), 0);
	assert_int_equal(dlt_builder__new(&b, &s, NULL), 0);
	for (int i = 0; i < 6; i++)
		assert_int_equal(dlt_builder__append_double(b, d[i], NULL), 0);
	assert_int_equal(dlt_builder__append_null(b, NULL), 0);
	assert_int_equal(dlt_builder__finish(&a, b, NULL), 0);
	dlt_builder__free(b);
	col.schema = &s;
	col.array = &a;
	assert_int_equal(dlt_ops__zorder_indices(idx, &col, 1, 7, NULL), 0);
	for (int i = 0; i < 7; i++)
		assert_int_equal(idx[i], want[i]);
	dlt_array__release(&a);
	dlt_schema__release(&s);

	/* signed ints and strings order likewise */
	{
		const int64_t iv[] = { 5, -7, 0, INT64_MIN, INT64_MAX };
		const int64_t iw[] = { 3, 1, 2, 0, 4 };
		assert_int_equal(dlt_schema__init_leaf(&s, "l", "i", false, NULL), 0);
		assert_int_equal(dlt_builder__new(&b, &s, NULL), 0);
		for (int i = 0; i < 5; i++)
			assert_int_equal(dlt_builder__append_int(b, iv[i], NULL), 0);
		assert_int_equal(dlt_builder__finish(&a, b, NULL), 0);
		dlt_builder__free(b);
		assert_int_equal(dlt_ops__zorder_indices(idx, &col, 1, 5, NULL), 0);
		for (int i = 0; i < 5; i++)
			assert_int_equal(idx[i], iw[i]);
		dlt_array__release(&a);
		dlt_schema__release(&s);
	}
	{
		const char *sv[] = { "pear", "apple", "", "apples", "b" };
		const int64_t sw[] = { 2, 1, 3, 4, 0 };
		assert_int_equal(dlt_schema__init_leaf(&s, "u", "s", false, NULL), 0);
		assert_int_equal(dlt_builder__new(&b, &s, NULL), 0);
		for (int i = 0; i < 5; i++)
			assert_int_equal(dlt_builder__append_bytes(b, sv[i], strlen(sv[i]), NULL), 0);
		assert_int_equal(dlt_builder__finish(&a, b, NULL), 0);
		dlt_builder__free(b);
		assert_int_equal(dlt_ops__zorder_indices(idx, &col, 1, 5, NULL), 0);
		for (int i = 0; i < 5; i++)
			assert_int_equal(idx[i], sw[i]);
		dlt_array__release(&a);
		dlt_schema__release(&s);
	}
	/* a list column is refused */
	assert_int_equal(dlt_schema__init(&s, "+l", "lst", 2, 1, NULL), 0);
	assert_int_equal(dlt_schema__init_leaf(s.children[0], "i", "item", true, NULL), 0);
	assert_false(dlt_ops__zorder_orderable(&s));
	dlt_schema__release(&s);
}

#ifndef TEST_OPTIMIZE_NO_MAIN   /* test_optimize_oom.c reuses the helpers */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_optimize_zorder_keys_order_types),
		cmocka_unit_test(test_optimize_compacts_unpartitioned),
		cmocka_unit_test(test_optimize_partitioned_filter_and_min_files),
		cmocka_unit_test(test_optimize_target_size_bins),
		cmocka_unit_test(test_optimize_materializes_deletion_vectors),
		cmocka_unit_test(test_optimize_zorder_improves_skipping_on_both_columns),
		cmocka_unit_test(test_optimize_zorder_option_errors),
		cmocka_unit_test(test_optimize_append_only_and_column_mapping),
		cmocka_unit_test(test_optimize_concurrent_append_commutes_delete_conflicts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
