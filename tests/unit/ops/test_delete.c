/* DELETE and UPDATE (deltalite/dml.h) against DuckDB's own SQL on the same
 * rows: randomized tables (fixed seeds, nulls, partitioned or not, with and
 * without deletion vectors and change data feed). Also: CDF = before/after
 * difference, live files read by DuckDB with exact stats (no DVs), DV
 * serialization round trip, constraint violations leave the table as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deltalite.h"
#include "arrow/arrow.h"
#include "ops/dml.h"
#include "table/table.h"

#define DDL "id bigint not null, p string, a int, s string"

typedef struct lines {
	char **v;
	size_t n, cap;
} lines;

static void lines_push(lines *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof(char *));
		assert_non_null(l->v);
	}
	l->v[l->n++] = strdup(s);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void lines_sort(lines *l)
{
	if (l->n)
		qsort(l->v, l->n, sizeof(char *), cmp_str);
}

static void lines_free(lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static char *tmp_path(const char *name)
{
	char *p = malloc(1024);
	char cmd[1200];
	snprintf(p, 1024, "%s/dml_%s_%d", DLT_TEST_TMPDIR, name, (int)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p);
	assert_int_equal(system(cmd), 0);
	return p;
}

/* ---------------------------------------------------------------- rows -- */

static int64_t child_index(const struct ArrowSchema *s, const char *name)
{
	for (int64_t i = 0; i < s->n_children; i++)
		if (strcmp(s->children[i]->name, name) == 0)
			return i;
	fail_msg("no column %s", name);
	return -1;
}

static const char *str_at(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i,
                          size_t *n)
{
	int64_t j = a->offset + i;
	if (dlt_arrow__is_null(a, i))
		return NULL;
	if (strcmp(s->format, "U") == 0) {
		const int64_t *o = a->buffers[1];
		*n = (size_t)(o[j + 1] - o[j]);
		return (const char *)a->buffers[2] + o[j];
	}
	{
		const int32_t *o = a->buffers[1];
		*n = (size_t)(o[j + 1] - o[j]);
		return (const char *)a->buffers[2] + o[j];
	}
}

/* "id|p|a|s" lines (and JSON lines when json != NULL) of a batch; with
 * ctype, the _change_type value is prefixed ("delete:..."). */
static void render(lines *out, lines *json, const struct ArrowSchema *s,
                   const struct ArrowArray *b, bool ctype)
{
	int64_t ci = child_index(s, "id"), cp = child_index(s, "p"), ca = child_index(s, "a"),
	        cs = child_index(s, "s"), cc = ctype ? child_index(s, "_change_type") : -1;
	for (int64_t r = 0; r < b->length; r++) {
		char line[512], js[600], pv[64] = "\\N", sv[64] = "\\N", av[32] = "\\N", ct[40] = "";
		char pj[80] = "null", sj[80] = "null", aj[32] = "null";
		const struct ArrowArray *ida = b->children[ci], *aa = b->children[ca];
		int64_t id = ((const int64_t *)ida->buffers[1])[ida->offset + r];
		size_t n = 0;
		const char *x = str_at(s->children[cp], b->children[cp], r, &n);
		if (x) {
			snprintf(pv, sizeof(pv), "%.*s", (int)n, x);
			snprintf(pj, sizeof(pj), "\"%.*s\"", (int)n, x);
		}
		x = str_at(s->children[cs], b->children[cs], r, &n);
		if (x) {
			snprintf(sv, sizeof(sv), "%.*s", (int)n, x);
			snprintf(sj, sizeof(sj), "\"%.*s\"", (int)n, x);
		}
		if (!dlt_arrow__is_null(aa, r)) {
			snprintf(av, sizeof(av), "%d", ((const int32_t *)aa->buffers[1])[aa->offset + r]);
			snprintf(aj, sizeof(aj), "%s", av);
		}
		if (cc >= 0) {
			x = str_at(s->children[cc], b->children[cc], r, &n);
			assert_non_null(x);
			snprintf(ct, sizeof(ct), "%.*s:", (int)n, x);
		}
		snprintf(line, sizeof(line), "%s%lld|%s|%s|%s", ct, (long long)id, pv, av, sv);
		lines_push(out, line);
		if (json) {
			snprintf(js, sizeof(js), "{\"id\":%lld,\"p\":%s,\"a\":%s,\"s\":%s}",
			         (long long)id, pj, aj, sj);
			lines_push(json, js);
		}
	}
}

static void drain(lines *out, lines *json, struct ArrowArrayStream *st, bool ctype)
{
	struct ArrowSchema s;
	assert_int_equal(st->get_schema(st, &s), 0);
	for (;;) {
		struct ArrowArray b;
		int rc = st->get_next(st, &b);
		if (rc)
			fail_msg("stream: %s", st->get_last_error(st));
		if (!b.release)
			break;
		render(out, json, &s, &b, ctype);
		b.release(&b);
	}
	s.release(&s);
	st->release(st);
	lines_sort(out);
}

static void scan_rows(lines *out, lines *json, const char *uri)
{
	dlt_table *t = NULL;
	dlt_snapshot *snap = NULL;
	struct ArrowArrayStream st;
	dlt_error err;
	if (dlt_table_open(&t, uri, NULL, &err) || dlt_table_snapshot(&snap, t, -1, &err) ||
	    dlt_snapshot_scan(&st, snap, NULL, &err))
		fail_msg("scan %s: %s", uri, err.message);
	drain(out, json, &st, false);
	dlt_snapshot_free(snap);
	dlt_table_free(t);
}

static int64_t version_of(const char *uri)
{
	dlt_table *t = NULL;
	dlt_snapshot *snap = NULL;
	dlt_error err;
	int64_t v;
	if (dlt_table_open(&t, uri, NULL, &err) || dlt_table_snapshot(&snap, t, -1, &err))
		fail_msg("open %s: %s", uri, err.message);
	v = dlt_snapshot_version(snap);
	dlt_snapshot_free(snap);
	dlt_table_free(t);
	return v;
}

/* DuckDB's result of `sql` over the rows of `json`. */
static void reference(lines *out, const lines *json, const char *sql)
{
	char path[1100], cmd[4096], line[1024];
	FILE *f, *p;
	snprintf(path, sizeof(path), "%s/dml_rows_%d.jsonl", DLT_TEST_TMPDIR, (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; i < json->n; i++)
		fprintf(f, "%s\n", json->v[i]);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "timeout 300 node %s/tests/unit/ops/dml_ref.mjs %s '%s' \"%s\" 2>&1",
	         DLT_SOURCE_DIR, DLT_NODE_DIR, path, sql);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = 0;
		lines_push(out, line);
	}
	if (pclose(p) != 0) {
		for (size_t i = 0; i < out->n; i++)
			fprintf(stderr, "%s\n", out->v[i]);
		fail_msg("dml_ref.mjs failed: %s", sql);
	}
	unlink(path);
}

static void assert_same(const lines *got, const lines *want, const char *what)
{
	if (got->n != want->n)
		fail_msg("%s: %zu rows, want %zu", what, got->n, want->n);
	for (size_t i = 0; i < got->n; i++)
		if (strcmp(got->v[i], want->v[i]) != 0)
			fail_msg("%s: row %zu: got %s want %s", what, i, got->v[i], want->v[i]);
}

/* ------------------------------------------------------------- tables -- */

static uint64_t rng_next(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

static dlt_table *make_table(const char *uri, bool part, bool dv, bool cdf, uint64_t seed,
                             int n_files, int rows_per_file, const dlt_kv *extra, size_t n_extra)
{
	static const char *const parts[] = { "p" };
	static const char *const pvals[] = { "x", "y", "z" };
	dlt_kv props[6];
	size_t np = 0;
	struct ArrowSchema s;
	dlt_create_options o = DLT_CREATE_OPTIONS_INIT;
	dlt_table *t = NULL;
	dlt_error err;
	int64_t id = 0;

	if (dv) {
		props[np].key = "delta.enableDeletionVectors";
		props[np++].value = "true";
	}
	if (cdf) {
		props[np].key = "delta.enableChangeDataFeed";
		props[np++].value = "true";
	}
	for (size_t i = 0; i < n_extra; i++)
		props[np++] = extra[i];
	assert_int_equal(dlt_schema_parse_ddl(&s, DDL, &err), 0);
	o.partition_by = parts;
	o.partition_by_len = part ? 1 : 0;
	o.properties = props;
	o.properties_len = np;
	if (dlt_table_create(&t, uri, &s, &o, &err))
		fail_msg("create: %s", err.message);
	for (int f = 0; f < n_files; f++) {
		dlt_builder *b = NULL;
		struct ArrowArray arr;
		struct ArrowSchema sc;
		struct ArrowArrayStream st;
		assert_int_equal(dlt_builder__new(&b, &s, NULL), 0);
		for (int r = 0; r < rows_per_file; r++) {
			uint64_t x = rng_next(&seed);
			char sv[32];
			assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 0), id++, NULL), 0);
			if (x % 11 == 0)
				assert_int_equal(dlt_builder__append_null(dlt_builder__child(b, 1), NULL), 0);
			else
				assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 1),
				                                           pvals[(x >> 4) % 3], 1, NULL), 0);
			if (x % 7 == 0)
				assert_int_equal(dlt_builder__append_null(dlt_builder__child(b, 2), NULL), 0);
			else
				assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 2),
				                                         (int64_t)((x >> 8) % 100), NULL), 0);
			if (x % 5 == 0) {
				assert_int_equal(dlt_builder__append_null(dlt_builder__child(b, 3), NULL), 0);
			} else {
				snprintf(sv, sizeof(sv), "k%d", (int)((x >> 12) % 30));
				assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 3), sv,
				                                           strlen(sv), NULL), 0);
			}
			assert_int_equal(dlt_builder__append_valid(b, NULL), 0);
		}
		assert_int_equal(dlt_builder__finish(&arr, b, NULL), 0);
		dlt_builder__free(b);
		assert_int_equal(dlt_schema__copy(&sc, &s, NULL), 0);
		assert_int_equal(dlt_stream__from_batches(&st, &sc, &arr, 1, NULL), 0);
		if (dlt_table_write(NULL, t, &st, NULL, &err))
			fail_msg("write: %s", err.message);
	}
	s.release(&s);
	return t;
}

/* Rows of the CDF between versions (from, to], "<type>:id|p|a|s", sorted. */
static void changes(lines *out, dlt_table *t, int64_t from, int64_t to)
{
	dlt_changes_options o = DLT_CHANGES_OPTIONS_INIT;
	struct ArrowArrayStream st;
	dlt_error err;
	o.start_version = from + 1;
	o.end_version = to;
	if (dlt_table_changes(&st, t, &o, &err))
		fail_msg("changes: %s", err.message);
	drain(out, NULL, &st, true);
}

/* before - {delete, update_preimage} + {update_postimage} == after */
static void check_cdf(const lines *before, const lines *after, const lines *cdf)
{
	lines expect = { 0 };
	bool *gone = calloc(before->n + 1, 1);
	for (size_t i = 0; i < cdf->n; i++) {
		const char *c = cdf->v[i];
		const char *row = strchr(c, ':') + 1;
		if (strncmp(c, "update_postimage:", 17) == 0) {
			lines_push(&expect, row);
			continue;
		}
		assert_true(strncmp(c, "delete:", 7) == 0 || strncmp(c, "update_preimage:", 16) == 0);
		size_t k;
		for (k = 0; k < before->n; k++)
			if (!gone[k] && strcmp(before->v[k], row) == 0)
				break;
		if (k == before->n)
			fail_msg("cdf removes a row that was not there: %s", c);
		gone[k] = true;
	}
	for (size_t k = 0; k < before->n; k++)
		if (!gone[k])
			lines_push(&expect, before->v[k]);
	lines_sort(&expect);
	assert_same(after, &expect, "before + cdf");
	lines_free(&expect);
	free(gone);
}

static void duckdb_files_check(const char *uri)
{
	char cmd[2048], line[4096];
	bool ok = false;
	FILE *p;
	snprintf(cmd, sizeof(cmd), "timeout 300 node %s/tests/unit/ops/write_duckdb.mjs %s '%s' 2>&1",
	         DLT_SOURCE_DIR, DLT_NODE_DIR, uri);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = 0;
		if (strncmp(line, "MISMATCH", 8) == 0 || strstr(line, "Error"))
			fail_msg("duckdb: %s", line);
		if (strncmp(line, "OK ", 3) == 0)
			ok = true;
	}
	assert_int_equal(pclose(p), 0);
	assert_true(ok);
}

/* One operation: ours vs DuckDB's, CDF, files. */
static int64_t g_dvs_added;

static void run_op(const char *uri, dlt_table *t, bool cdf, bool dv, const char *set,
                   const char *pred)
{
	lines before = { 0 }, json = { 0 }, want = { 0 }, after = { 0 }, cdfl = { 0 };
	char sql[1024];
	dlt_dml_metrics m;
	dlt_error err;
	int64_t v0 = version_of(uri);
	int rc;

	scan_rows(&before, &json, uri);
	if (set)
		snprintf(sql, sizeof(sql), "UPDATE t SET %s%s%s", set, pred ? " WHERE " : "",
		         pred ? pred : "");
	else
		snprintf(sql, sizeof(sql), "DELETE FROM t%s%s", pred ? " WHERE " : "", pred ? pred : "");
	reference(&want, &json, sql);
	rc = set ? dlt_table_update(&m, t, set, pred, NULL, &err)
	         : dlt_table_delete(&m, t, pred, NULL, &err);
	if (rc)
		fail_msg("%s: %s", sql, err.message);
	scan_rows(&after, NULL, uri);
	assert_same(&after, &want, sql);
	if (m.version < 0) {
		assert_int_equal(version_of(uri), v0);
	} else {
		assert_int_equal(m.version, v0 + 1);
		if (set)
			assert_true(m.num_updated_rows > 0);
		else
			assert_int_equal(m.num_deleted_rows, (int64_t)(before.n - after.n));
		if (!dv)
			assert_int_equal(m.num_deletion_vectors_added, 0);
		g_dvs_added += m.num_deletion_vectors_added;
		if (cdf) {
			changes(&cdfl, t, v0, m.version);
			check_cdf(&before, &after, &cdfl);
			if (set)
				assert_int_equal((int64_t)cdfl.n, 2 * m.num_updated_rows);
			else
				assert_int_equal((int64_t)cdfl.n, m.num_deleted_rows);
		}
	}
	if (!dv)
		duckdb_files_check(uri);
	lines_free(&before);
	lines_free(&json);
	lines_free(&want);
	lines_free(&after);
	lines_free(&cdfl);
}

static void scenario(const char *name, bool part, bool dv, bool cdf, uint64_t seed)
{
	char *uri = tmp_path(name);
	dlt_table *t = make_table(uri, part, dv, cdf, seed, 3, 40, NULL, 0);
	g_dvs_added = 0;
	run_op(uri, t, cdf, dv, NULL, "a > 70");
	run_op(uri, t, cdf, dv, "a = a + 1, s = 'upd'", "s LIKE 'k1%' OR a IS NULL");
	run_op(uri, t, cdf, dv, NULL, "p = 'x'");                   /* partition only */
	run_op(uri, t, cdf, dv, "p = 'z', a = NULL", "id % 5 = 0");  /* moves rows */
	run_op(uri, t, cdf, dv, NULL, "id % 3 = 1 AND a < 40");
	run_op(uri, t, cdf, dv, NULL, "a > 1000");                  /* no match */
	run_op(uri, t, cdf, dv, "a = 7", NULL);                     /* every row */
	if (dv)
		assert_true(g_dvs_added >= 3); /* merge-on-read really happened */
	run_op(uri, t, cdf, dv, NULL, NULL);                        /* delete all */
	dlt_table_free(t);
	free(uri);
}

static void test_dml_cow_unpartitioned(void **state)
{
	(void)state;
	scenario("cow_u", false, false, false, 1);
}

static void test_dml_cow_partitioned_cdf(void **state)
{
	(void)state;
	scenario("cow_p_cdf", true, false, true, 2);
}

static void test_dml_dv_unpartitioned_cdf(void **state)
{
	(void)state;
	scenario("dv_u_cdf", false, true, true, 3);
}

static void test_dml_dv_partitioned(void **state)
{
	(void)state;
	scenario("dv_p", true, true, false, 4);
}

/* ------------------------------------------------------ deletion vectors -- */

static void test_dv_write_roundtrip(void **state)
{
	uint64_t rows[] = { 5, 1, 5, 70000, (1ULL << 32) + 3, 2, 3, 4 };
	uint8_t *data = NULL;
	size_t len = 0, got = 0;
	int64_t card = 0, maxr = 0;
	dlt_dv_bitmap dv, dv2;
	dlt_dml_dv w;
	dlt_error err;
	char *uri = tmp_path("dvfile");
	dlt_storage *st = NULL;
	(void)state;
	assert_int_equal(dlt_dml__dv_serialize(&data, &len, &card, &maxr, NULL, rows, 8, &err), 0);
	assert_int_equal(card, 7);
	assert_int_equal(maxr, (int64_t)((1ULL << 32) + 3));
	assert_int_equal(dlt_table__dv_parse(&dv, data, len, &err), 0);
	assert_int_equal(dv.cardinality, 7);
	for (size_t i = 0; i < 8; i++)
		assert_true(dlt_table__dv_contains(&dv, rows[i]));
	assert_false(dlt_table__dv_contains(&dv, 6));
	/* inline: z85 round trip */
	{
		char *z = NULL;
		uint8_t *back = malloc(len + 8);
		assert_int_equal(dlt_dml__z85_encode(&z, data, len, &err), 0);
		assert_int_equal(dlt_table__z85_decode(back, &got, z, strlen(z), true, &err), 0);
		assert_true(got >= len);
		assert_memory_equal(back, data, len);
		free(back);
		dlt_free(z);
	}
	/* a DV file, merged with the first: decodes through the descriptor, CRC ok */
	assert_int_equal(system("true"), 0);
	{
		char cmd[1200];
		snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", uri);
		assert_int_equal(system(cmd), 0);
	}
	assert_int_equal(dlt_storage_open(&st, uri, NULL, 0, &err), 0);
	{
		uint64_t more[] = { 100, 1 };
		dlt_log_dv d;
		assert_int_equal(dlt_dml__dv_write(&w, st, &dv, more, 2, 0, &err), 0);
		assert_int_equal(w.d.storage_type, 'u');
		assert_int_equal(w.d.cardinality, 8);
		assert_non_null(w.file_key);
		memset(&d, 0, sizeof(d));
		d.storage_type = 'u';
		d.path_or_inline_dv = w.d.path_or_inline_dv;
		d.offset = w.d.offset;
		d.size_in_bytes = w.d.size_in_bytes;
		d.cardinality = w.d.cardinality;
		d.max_row_index = w.d.max_row_index;
		if (dlt_table__dv_load(&dv2, &d, st, NULL, &err))
			fail_msg("dv load: %s", err.message);
		assert_true(dlt_table__dv_contains(&dv2, 100));
		assert_true(dlt_table__dv_contains(&dv2, (1ULL << 32) + 3));
		dlt_table__dv_dispose(&dv2);
		dlt_dml__dv_dispose(&w);
		/* inline */
		assert_int_equal(dlt_dml__dv_write(&w, st, NULL, more, 2, 1000, &err), 0);
		assert_int_equal(w.d.storage_type, 'i');
		d.storage_type = 'i';
		d.path_or_inline_dv = w.d.path_or_inline_dv;
		d.offset = -1;
		d.size_in_bytes = w.d.size_in_bytes;
		d.cardinality = 2;
		assert_int_equal(dlt_table__dv_load(&dv2, &d, st, NULL, &err), 0);
		assert_true(dlt_table__dv_contains(&dv2, 100));
		dlt_table__dv_dispose(&dv2);
		dlt_dml__dv_dispose(&w);
	}
	dlt_storage_free(st);
	dlt_table__dv_dispose(&dv);
	dlt_free(data);
	free(uri);
}

/* --------------------------------------------------------------- errors -- */

static void test_dml_bad_input_leaves_table_unchanged(void **state)
{
	dlt_kv c = { "delta.constraints.apos", "a IS NULL OR a >= 0" };
	char *uri = tmp_path("bad");
	dlt_table *t = make_table(uri, false, false, false, 9, 2, 20, &c, 1);
	int64_t v = version_of(uri);
	dlt_dml_metrics m;
	dlt_error err;
	lines before = { 0 }, after = { 0 };
	(void)state;
	scan_rows(&before, NULL, uri);
	assert_int_equal(dlt_table_update(&m, t, "a = -1", "id = 3", NULL, &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "apos"));
	assert_int_equal(dlt_table_update(&m, t, "id = NULL", "id < 5", NULL, &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "id"));
	assert_int_not_equal(dlt_table_update(&m, t, "nope = 1", NULL, NULL, &err), 0);
	assert_non_null(strstr(err.message, "nope"));
	assert_int_not_equal(dlt_table_update(&m, t, "a 1", NULL, NULL, &err), 0);
	assert_int_not_equal(dlt_table_delete(&m, t, "a >", NULL, &err), 0);
	assert_int_not_equal(dlt_table_delete(&m, t, "zz = 1", NULL, &err), 0);
	assert_int_equal(version_of(uri), v);
	scan_rows(&after, NULL, uri);
	assert_same(&after, &before, "unchanged");
	lines_free(&before);
	lines_free(&after);
	dlt_table_free(t);
	free(uri);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dv_write_roundtrip),
		cmocka_unit_test(test_dml_bad_input_leaves_table_unchanged),
		cmocka_unit_test(test_dml_cow_unpartitioned),
		cmocka_unit_test(test_dml_cow_partitioned_cdf),
		cmocka_unit_test(test_dml_dv_unpartitioned_cdf),
		cmocka_unit_test(test_dml_dv_partitioned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
