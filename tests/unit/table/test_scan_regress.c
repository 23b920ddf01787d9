/* Scan regressions: inline deletion vectors with a '#'-padded last z85 block
 * (every version of kernel/cdf-table-with-dv against EXPECTED.json), and
 * predicates mixing partition and data columns on partitioned tables (exact
 * rows and files skipped). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "helpers.h"
#include "table/table.h"

#define DELTA_DIR DLT_CONFORMANCE_DIR "/delta"

typedef struct scan_result {
	th_lines rows;
	dlt_scan_metrics m;
	int rc;
	char err[1024];
} scan_result;

static void run_scan_at(scan_result *r, const char *root, int64_t version,
                        const dlt_scan_options *o)
{
	dlt_table *t = NULL;
	dlt_snapshot *snap = NULL;
	dlt_scan *sc = NULL;
	struct ArrowArrayStream s;
	dlt_error err;
	memset(r, 0, sizeof(*r));
	assert_int_equal(dlt_table_open(&t, root, NULL, &err), DLT_OK);
	assert_int_equal(dlt_table_snapshot(&snap, t, version, &err), DLT_OK);
	r->rc = dlt_scan_new(&sc, snap, o, &err);
	if (r->rc < 0) {
		snprintf(r->err, sizeof(r->err), "%s", err.message);
	} else {
		assert_int_equal(dlt_scan_stream(&s, sc, &err), DLT_OK);
		r->rc = th_render_stream(&r->rows, &s, r->err, sizeof(r->err));
		s.release(&s);
		dlt_scan_get_metrics(&r->m, sc);
		dlt_scan_free(sc);
	}
	th_lines_sort(&r->rows);
	dlt_snapshot_free(snap);
	dlt_table_free(t);
}

/* ------------------------------------------------------------- z85 tail -- */

static void test_z85_padded_tail(void **state)
{
	uint8_t out[16];
	size_t n = 99;
	dlt_error err;
	(void)state;
	/* "##093": two '#' = two padding bytes; "093" = 768 = bytes 03 00 */
	assert_int_equal(dlt_table__z85_decode(out, &n, "00000##093", 10, true, &err), DLT_OK);
	assert_int_equal(n, 6);
	assert_int_equal(out[4], 3);
	assert_int_equal(out[5], 0);
	/* one '#': three bytes; three: one byte */
	assert_int_equal(dlt_table__z85_decode(out, &n, "#0001", 5, true, &err), DLT_OK);
	assert_int_equal(n, 3);
	assert_int_equal(out[2], 1);
	assert_int_equal(dlt_table__z85_decode(out, &n, "###2Y", 5, true, &err), DLT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 2 * 85 + 60);
	/* the tail must fit its bytes; '#' only in the last group, only with allow_pad */
	assert_int_equal(dlt_table__z85_decode(out, &n, "##zzz", 5, true, &err), DLT_ECORRUPT);
	assert_int_equal(dlt_table__z85_decode(out, &n, "##09300000", 10, true, &err),
	                 DLT_ECORRUPT);
	assert_int_equal(dlt_table__z85_decode(out, &n, "##093", 5, false, &err), DLT_ECORRUPT);
	/* a group above 2^32 is corrupt, never wrapped */
	assert_int_equal(dlt_table__z85_decode(out, &n, "%nSc1", 5, true, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "exceeds"));
	assert_int_equal(dlt_table__z85_decode(out, &n, "%nSc0", 5, false, &err), DLT_OK);
	assert_int_equal(n, 4);
	assert_int_equal(out[0], 0xff);
	assert_int_equal(out[3], 0xff);
}

/* The inline DV of version 5 of kernel/cdf-table-with-dv, decoded. */
static void test_dv_inline_padded_tail(void **state)
{
	dlt_log_dv d;
	dlt_dv_bitmap bm;
	dlt_error err;
	uint64_t i;
	(void)state;
	memset(&d, 0, sizeof(d));
	d.storage_type = 'i';
	d.path_or_inline_dv = "^Bg9^0rr910000000000iXQKl0rr91000005c8Xg##093";
	d.offset = -1;
	d.size_in_bytes = 34;
	d.cardinality = 1;
	assert_int_equal(dlt_table__dv_load(&bm, &d, NULL, NULL, &err), DLT_OK);
	assert_int_equal(bm.cardinality, 1);
	for (i = 0; i < 10; i++)
		assert_int_equal(dlt_table__dv_contains(&bm, i), i == 3);
	dlt_table__dv_dispose(&bm);
	d.size_in_bytes = 35; /* more than the padded tail holds */
	assert_int_equal(dlt_table__dv_load(&bm, &d, NULL, NULL, &err), DLT_ECORRUPT);
}

static void test_cdf_table_with_dv_every_version(void **state)
{
	char *root = th_table_root(DELTA_DIR "/kernel/cdf-table-with-dv");
	json_error_t je;
	json_t *exp, *pv;
	size_t i;
	(void)state;
	assert_non_null(root);
	exp = json_load_file(DELTA_DIR "/kernel/cdf-table-with-dv/EXPECTED.json", 0, &je);
	assert_non_null(exp);
	pv = json_object_get(exp, "per_version");
	assert_true(json_is_array(pv));
	assert_int_equal(json_array_size(pv), 7);
	for (i = 0; i < json_array_size(pv); i++) {
		json_t *e = json_array_get(pv, i);
		int64_t v = (int64_t)json_integer_value(json_object_get(e, "version"));
		size_t want = (size_t)json_integer_value(json_object_get(e, "rows"));
		scan_result r;
		run_scan_at(&r, root, v, NULL);
		if (r.rc != 0)
			fail_msg("version %lld: %s", (long long)v, r.err);
		if (r.rows.n != want)
			fail_msg("version %lld: %zu rows, expected %zu", (long long)v, r.rows.n,
			         want);
		assert_int_equal(r.m.rows_deleted, 10 - (int64_t)want);
		if (v == 5) /* the '#'-padded inline DV deletes row 3 ({"value":3}) */
			for (size_t k = 0; k < r.rows.n; k++)
				assert_string_not_equal(r.rows.v[k], "{\"value\":3}");
		th_lines_free(&r.rows);
	}
	json_decref(exp);
	free(root);
}

/* ------------------------------------- partition + data column predicates -- */

/* delta-rs/cdf-table (partitioned by birthday, one row per file):
 * expected rows = EXPECTED.rows.jsonl filtered by a C predicate. */
typedef int (*row_pred)(long id, const char *name, const char *bday);

static int p_id_ge_9(long id, const char *n, const char *b)
{
	(void)n; (void)b;
	return id >= 9;
}
static int p_ge9_and_22(long id, const char *n, const char *b)
{
	(void)n;
	return id >= 9 && strcmp(b, "2023-12-22") == 0;
}
static int p_25_or_lt2(long id, const char *n, const char *b)
{
	(void)n;
	return strcmp(b, "2023-12-25") == 0 || id < 2;
}
static int p_not_22_and_gt2(long id, const char *n, const char *b)
{
	(void)n;
	return !(strcmp(b, "2023-12-22") == 0 && id > 2);
}
static int p_gt24_and_not9(long id, const char *n, const char *b)
{
	(void)n;
	return strcmp(b, "2023-12-24") > 0 && id != 9;
}
static int p_or_and_name(long id, const char *n, const char *b)
{
	return (strcmp(b, "2023-12-29") == 0 || id == 1) && strcmp(n, "Carl") >= 0;
}
static int p_in_or_range(long id, const char *n, const char *b)
{
	(void)n;
	return (id == 3 || id == 10) || (strcmp(b, "2023-12-29") == 0 && id <= 5);
}

static void expected_rows(th_lines *out, row_pred p)
{
	th_lines all = { 0 };
	size_t i;
	memset(out, 0, sizeof(*out));
	assert_int_equal(th_read_lines(&all, DELTA_DIR "/delta-rs/cdf-table/EXPECTED.rows.jsonl"),
	                 0);
	for (i = 0; i < all.n; i++) {
		json_error_t je;
		json_t *o = json_loads(all.v[i], 0, &je);
		assert_non_null(o);
		if (p((long)json_integer_value(json_object_get(o, "id")),
		      json_string_value(json_object_get(o, "name")),
		      json_string_value(json_object_get(o, "birthday")))) {
			char *s = malloc(strlen(all.v[i]) + 1);
			assert_non_null(s);
			strcpy(s, all.v[i]);
			th_lines_push(out, s);
		}
		json_decref(o);
	}
	th_lines_free(&all);
	th_lines_sort(out);
}

static void test_partitioned_mixed_predicates(void **state)
{
	static const struct {
		const char *sql;
		row_pred p;
		int64_t skipped_partition, skipped_stats;
	} cases[] = {
		{ "id >= 9", p_id_ge_9, 0, 7 },
		{ "id >= 9 AND birthday = DATE '2023-12-22'", p_ge9_and_22, 5, 4 },
		{ "birthday = DATE '2023-12-25' OR id < 2", p_25_or_lt2, 0, 5 },
		{ "NOT (birthday = DATE '2023-12-22' AND id > 2)", p_not_22_and_gt2, 0, 2 },
		{ "birthday > DATE '2023-12-24' AND NOT (id = 9)", p_gt24_and_not9, 4, 1 },
		{ "(birthday = DATE '2023-12-29' OR id = 1) AND name >= 'Carl'", p_or_and_name, 0,
		  6 },
		{ "id IN (3, 10) OR (birthday = DATE '2023-12-29' AND id <= 5)", p_in_or_range, 0,
		  6 },
	};
	size_t c, i;
	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		int exact;
		for (exact = 0; exact <= 1; exact++) {
			dlt_scan_options o = DLT_SCAN_OPTIONS_INIT;
			scan_result r;
			th_lines want;
			o.predicate_sql = cases[c].sql;
			o.exact_filter = exact;
			run_scan_at(&r, DELTA_DIR "/delta-rs/cdf-table", -1, &o);
			if (r.rc != 0)
				fail_msg("%s: %s", cases[c].sql, r.err);
			expected_rows(&want, cases[c].p);
			/* one row per file with exact stats: skipping alone is exact here */
			if (r.rows.n != want.n)
				fail_msg("%s (exact %d): %zu rows, expected %zu", cases[c].sql, exact,
				         r.rows.n, want.n);
			for (i = 0; i < want.n; i++)
				assert_string_equal(r.rows.v[i], want.v[i]);
			if (r.m.files_skipped_partition != cases[c].skipped_partition ||
			    r.m.files_skipped_stats != cases[c].skipped_stats)
				fail_msg("%s: skipped %lld by partition, %lld by stats; expected "
				         "%lld, %lld", cases[c].sql,
				         (long long)r.m.files_skipped_partition,
				         (long long)r.m.files_skipped_stats,
				         (long long)cases[c].skipped_partition,
				         (long long)cases[c].skipped_stats);
			assert_int_equal(r.m.files_considered, 9);
			assert_int_equal(r.m.files_read, (int64_t)want.n);
			th_lines_free(&r.rows);
			th_lines_free(&want);
		}
	}
}

/* Decimal statistics come from the JSON text, compared exactly (every file of
 * delta-rs/delta-1.2.1-only-struct-stats has decimal min = max = -5.67800). */
static void test_decimal_stats_exact(void **state)
{
	static const struct {
		const char *sql;
		int64_t skipped, rows;
	} cases[] = {
		{ "decimal = -5.678", 0, 12 },
		{ "decimal >= -5.67800", 0, 12 },
		{ "decimal < -5.6781", 12, 0 },
		{ "decimal > -5.678", 12, 0 },
		{ "decimal > -5.67801", 0, 12 },
		{ "decimal = -5.6780000001", 12, 0 },
		{ "decimal <= -5.678 AND integer = 0", 11, 1 },
		{ "NOT (decimal = -5.678) OR integer > 9", 10, 2 },
	};
	size_t c;
	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		dlt_scan_options o = DLT_SCAN_OPTIONS_INIT;
		scan_result r;
		o.predicate_sql = cases[c].sql;
		o.exact_filter = 1;
		run_scan_at(&r, DELTA_DIR "/delta-rs/delta-1.2.1-only-struct-stats", -1, &o);
		if (r.rc != 0)
			fail_msg("%s: %s", cases[c].sql, r.err);
		if (r.m.files_skipped_stats != cases[c].skipped ||
		    (int64_t)r.rows.n != cases[c].rows)
			fail_msg("%s: %lld skipped, %zu rows; expected %lld, %lld", cases[c].sql,
			         (long long)r.m.files_skipped_stats, r.rows.n,
			         (long long)cases[c].skipped, (long long)cases[c].rows);
		th_lines_free(&r.rows);
	}
}

/* Nested projection happens in the Parquet read; a column the exact filter
 * evaluates is still read whole, then pruned. */
static void test_nested_projection_in_read(void **state)
{
	const char *cols[] = { "numeric.ints.int32", "chrono.date32" };
	dlt_scan_options o = DLT_SCAN_OPTIONS_INIT;
	scan_result r;
	(void)state;
	o.columns = cols;
	o.n_columns = 2;
	run_scan_at(&r, DELTA_DIR "/kernel/parquet_row_group_skipping", -1, &o);
	if (r.rc != 0)
		fail_msg("%s", r.err);
	assert_int_equal(r.rows.n, 5);
	assert_string_equal(r.rows.v[0],
	                    "{\"chrono\":{\"date32\":\"1971-01-01\"},"
	                    "\"numeric\":{\"ints\":{\"int32\":1000000}}}");
	th_lines_free(&r.rows);

	o.predicate_sql = "numeric.ints.int8 >= 3 OR chrono.timestamp_ntz IS NULL";
	o.exact_filter = 1;
	run_scan_at(&r, DELTA_DIR "/kernel/parquet_row_group_skipping", -1, &o);
	if (r.rc != 0)
		fail_msg("%s", r.err);
	assert_int_equal(r.rows.n, 2);
	assert_string_equal(r.rows.v[0],
	                    "{\"chrono\":{\"date32\":\"1971-01-04\"},"
	                    "\"numeric\":{\"ints\":{\"int32\":1000003}}}");
	assert_string_equal(r.rows.v[1],
	                    "{\"chrono\":{\"date32\":\"1971-01-05\"},"
	                    "\"numeric\":{\"ints\":{\"int32\":1000004}}}");
	th_lines_free(&r.rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_z85_padded_tail),
		cmocka_unit_test(test_dv_inline_padded_tail),
		cmocka_unit_test(test_cdf_table_with_dv_every_version),
		cmocka_unit_test(test_partitioned_mixed_predicates),
		cmocka_unit_test(test_decimal_stats_exact),
		cmocka_unit_test(test_nested_projection_in_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
