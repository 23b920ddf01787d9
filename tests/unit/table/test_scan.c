/* Scans: data skipping, projection, deletion vectors (inline, file, checksum),
 * change data feed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <roaring/roaring.h>

#include "helpers.h"
#include "table/table.h"

#define DELTA_DIR DLT_CONFORMANCE_DIR "/delta"

typedef struct scan_result {
	th_lines rows;
	dlt_scan_metrics m;
	int rc;
	char err[1024];
} scan_result;

static void run_scan(scan_result *r, const char *root, const dlt_scan_options *o)
{
	dlt_table *t = NULL;
	dlt_snapshot *snap = NULL;
	dlt_scan *sc = NULL;
	struct ArrowArrayStream s;
	dlt_error err;
	memset(r, 0, sizeof(*r));
	assert_int_equal(dlt_table_open(&t, root, NULL, &err), DLT_OK);
	assert_int_equal(dlt_table_snapshot(&snap, t, -1, &err), DLT_OK);
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

static void test_scan_skipping_by_stats(void **state)
{
	dlt_scan_options o = DLT_SCAN_OPTIONS_INIT;
	scan_result r;
	(void)state;
	o.predicate_sql = "id BETWEEN 150 AND 250";
	o.exact_filter = 1;
	run_scan(&r, DELTA_DIR "/kernel/parsed-stats", &o);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.m.files_considered, 6);
	assert_int_equal(r.m.files_skipped_stats, 4);
	assert_int_equal(r.m.files_read, 2);
	assert_int_equal(r.rows.n, 101);
	assert_int_equal(r.m.rows_returned, 101);
	assert_int_equal(r.m.rows_read, 200);
	th_lines_free(&r.rows);

	/* not exact: the two files are returned whole */
	o.exact_filter = 0;
	run_scan(&r, DELTA_DIR "/kernel/parsed-stats", &o);
	assert_int_equal(r.rows.n, 200);
	assert_int_equal(r.m.files_skipped_stats, 4);
	th_lines_free(&r.rows);

	/* nothing can match: every file skipped, no row read */
	o.predicate_sql = "value > 100";
	run_scan(&r, DELTA_DIR "/delta-rs/table-without-dv-small", &o);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.rows.n, 0);
	assert_int_equal(r.m.files_skipped_stats, 1);
	assert_int_equal(r.m.rows_read, 0);
	th_lines_free(&r.rows);

	o.predicate_sql = "value > 5";
	o.exact_filter = 1;
	run_scan(&r, DELTA_DIR "/delta-rs/table-without-dv-small", &o);
	assert_int_equal(r.rows.n, 4);
	assert_string_equal(r.rows.v[0], "{\"value\":6}");
	assert_int_equal(r.m.rows_filtered, 6);
	th_lines_free(&r.rows);
}

static void test_scan_skipping_by_partition(void **state)
{
	dlt_scan_options o = DLT_SCAN_OPTIONS_INIT;
	scan_result r;
	(void)state;
	o.predicate_sql = "year = '2021' AND month = '12'";
	run_scan(&r, DELTA_DIR "/delta-rs/delta-0.8.0-partitioned", &o);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.m.files_considered, 6);
	assert_int_equal(r.m.files_skipped_partition, 4);
	assert_int_equal(r.rows.n, 3);
	assert_string_equal(r.rows.v[0],
	                    "{\"value\":\"5\",\"year\":\"2021\",\"month\":\"12\",\"day\":\"4\"}");
	th_lines_free(&r.rows);
}

static void test_scan_projection_and_errors(void **state)
{
	dlt_scan_options o = DLT_SCAN_OPTIONS_INIT;
	const char *cols[] = { "DAY", "value" };
	const char *bad[] = { "nope" };
	scan_result r;
	(void)state;
	o.columns = cols;
	o.n_columns = 2;
	run_scan(&r, DELTA_DIR "/delta-rs/delta-0.8.0-partitioned", &o);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.rows.n, 7);
	/* schema order, not request order */
	assert_string_equal(r.rows.v[0], "{\"value\":\"1\",\"day\":\"1\"}");
	th_lines_free(&r.rows);

	o.columns = bad;
	o.n_columns = 1;
	run_scan(&r, DELTA_DIR "/delta-rs/delta-0.8.0-partitioned", &o);
	assert_int_equal(r.rc, DLT_ENOTFOUND);
	assert_non_null(strstr(r.err, "'nope' not found"));

	o.columns = NULL;
	o.n_columns = 0;
	o.predicate_sql = "nope = 1";
	run_scan(&r, DELTA_DIR "/delta-rs/delta-0.8.0-partitioned", &o);
	assert_true(r.rc < 0);
}

static void test_scan_nested_projection(void **state)
{
	dlt_scan_options o = DLT_SCAN_OPTIONS_INIT;
	const char *cols[] = { "chrono.date32", "bool" };
	scan_result r;
	th_lines want = { 0 };
	(void)state;
	/* kernel/parquet_row_group_skipping: struct "chrono" keeps only date32 */
	o.columns = cols;
	o.n_columns = 2;
	run_scan(&r, DELTA_DIR "/kernel/parquet_row_group_skipping", &o);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.rows.n, 5);
	assert_string_equal(r.rows.v[0], "{\"bool\":false,\"chrono\":{\"date32\":\"1971-01-02\"}}");
	th_lines_free(&r.rows);
	th_lines_free(&want);
}

/* ---------------------------------------------------------- deletion vectors -- */

static void z85_encode(char *out, const uint8_t *in, size_t n)
{
	static const char a[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                        ".-:+=^!/*?&<>()[]{}@%$#";
	size_t i, o = 0;
	int k;
	for (i = 0; i < n; i += 4) {
		uint32_t v = (uint32_t)in[i] << 24 | (uint32_t)in[i + 1] << 16 |
		             (uint32_t)in[i + 2] << 8 | in[i + 3];
		for (k = 4; k >= 0; k--) {
			out[o + (size_t)k] = a[v % 85];
			v /= 85;
		}
		o += 5;
	}
	out[o] = 0;
}

/* Serialized DV (magic, bucket count, key 0, portable roaring) of rows. */
static size_t make_dv(uint8_t *buf, const uint32_t *rows, size_t n)
{
	roaring_bitmap_t *bm = roaring_bitmap_create();
	size_t i, sz;
	uint32_t magic = 1681511377u, key = 0;
	uint64_t nb = 1;
	for (i = 0; i < n; i++)
		roaring_bitmap_add(bm, rows[i]);
	memcpy(buf, &magic, 4);
	memcpy(buf + 4, &nb, 8);
	memcpy(buf + 12, &key, 4);
	sz = roaring_bitmap_portable_serialize(bm, (char *)buf + 16);
	roaring_bitmap_free(bm);
	return 16 + sz;
}

static void test_dv_z85_uuid_path(void **state)
{
	char *p = NULL;
	dlt_error err;
	(void)state;
	/* PROTOCOL.md, "JSON Example 1" */
	assert_int_equal(dlt_table__dv_relative_path(&p, "ab^-aqEH.-t@S}K{vb[*k^", &err), DLT_OK);
	assert_string_equal(p, "ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin");
	dlt_free(p);
	assert_int_equal(dlt_table__dv_relative_path(&p, "vBn[lx{q8@P<9BNH/isA", &err), DLT_OK);
	assert_string_equal(p, "deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin");
	dlt_free(p);
	assert_int_equal(dlt_table__dv_relative_path(&p, "short", &err), DLT_ECORRUPT);
	assert_int_equal(dlt_table__dv_relative_path(&p, "ab~-aqEH.-t@S}K{vb[*k^", &err),
	                 DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "invalid character"));
}

static void test_dv_inline_roundtrip(void **state)
{
	uint8_t buf[256];
	char z[400];
	const uint32_t rows[] = { 0, 3, 70000, 70001 };
	size_t n = make_dv(buf, rows, 4), padded = (n + 3) / 4 * 4;
	dlt_log_dv d;
	dlt_dv_bitmap bm;
	dlt_error err;
	(void)state;
	memset(buf + n, 0, padded - n);
	z85_encode(z, buf, padded);
	memset(&d, 0, sizeof(d));
	d.storage_type = 'i';
	d.path_or_inline_dv = z;
	d.offset = -1;
	d.size_in_bytes = (int32_t)n;
	d.cardinality = 4;
	assert_int_equal(dlt_table__dv_load(&bm, &d, NULL, NULL, &err), DLT_OK);
	assert_true(dlt_table__dv_contains(&bm, 3));
	assert_true(dlt_table__dv_contains(&bm, 70001));
	assert_false(dlt_table__dv_contains(&bm, 4));
	assert_false(dlt_table__dv_contains(&bm, ((uint64_t)1 << 32) | 3));
	dlt_table__dv_dispose(&bm);

	d.cardinality = 5; /* descriptor disagrees with the bitmap */
	assert_int_equal(dlt_table__dv_load(&bm, &d, NULL, NULL, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "cardinality"));

	buf[0] ^= 1; /* bad magic */
	z85_encode(z, buf, padded);
	d.cardinality = 4;
	assert_int_equal(dlt_table__dv_load(&bm, &d, NULL, NULL, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "magic"));
}

static void test_dv_absolute_path(void **state)
{
	dlt_log_dv d;
	dlt_dv_bitmap bm;
	dlt_error err;
	(void)state;
	memset(&d, 0, sizeof(d));
	d.storage_type = 'p';
	d.path_or_inline_dv = "file://" DELTA_DIR "/delta-rs/table-with-dv-small/"
	                      "deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin";
	d.offset = 1;
	d.size_in_bytes = 36;
	d.cardinality = 2;
	assert_int_equal(dlt_table__dv_load(&bm, &d, NULL, NULL, &err), DLT_OK);
	assert_int_equal(bm.cardinality, 2);
	dlt_table__dv_dispose(&bm);
	d.size_in_bytes = 35;
	assert_int_equal(dlt_table__dv_load(&bm, &d, NULL, NULL, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "descriptor says 35"));
}

static void test_dv_file_checksum_mismatch(void **state)
{
	char *root = th_copy_table(DELTA_DIR "/delta-rs/table-with-dv-small", "dvcrc");
	char path[8192];
	FILE *f;
	scan_result r;
	(void)state;
	assert_non_null(root);
	run_scan(&r, root, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.rows.n, 8);
	assert_int_equal(r.m.rows_deleted, 2);
	th_lines_free(&r.rows);
	snprintf(path, sizeof(path),
	         "%s/deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin", root);
	f = fopen(path, "r+b");
	assert_non_null(f);
	fseek(f, -1, SEEK_END); /* last byte of the CRC */
	fputc(0x55, f);
	fclose(f);
	run_scan(&r, root, NULL);
	assert_int_not_equal(r.rc, 0);
	assert_non_null(strstr(r.err, "checksum mismatch"));
	assert_non_null(strstr(r.err, "deletion_vector_61d16c75"));
	th_lines_free(&r.rows);
	free(root);
}

/* ------------------------------------------------------------------- CDF -- */

static int count_prefix(const th_lines *l, const char *needle)
{
	size_t i;
	int n = 0;
	for (i = 0; i < l->n; i++)
		n += strstr(l->v[i], needle) != NULL;
	return n;
}

static int changes(th_lines *out, const char *root, int64_t from, int64_t to, char *errbuf)
{
	dlt_table *t = NULL;
	dlt_changes_options o = DLT_CHANGES_OPTIONS_INIT;
	struct ArrowArrayStream s;
	dlt_error err;
	int rc;
	memset(out, 0, sizeof(*out));
	assert_int_equal(dlt_table_open(&t, root, NULL, &err), DLT_OK);
	o.start_version = from;
	o.end_version = to;
	rc = dlt_table_changes(&s, t, &o, &err);
	if (rc < 0) {
		snprintf(errbuf, 1024, "%s", err.message);
	} else {
		rc = th_render_stream(out, &s, errbuf, 1024);
		s.release(&s);
	}
	dlt_table_free(t);
	return rc;
}

static void test_cdf_cdf_table(void **state)
{
	th_lines l;
	char e[1024];
	(void)state;
	assert_int_equal(changes(&l, DELTA_DIR "/delta-rs/cdf-table", 0, -1, e), 0);
	assert_int_equal(count_prefix(&l, "\"_change_type\":\"insert\",\"_commit_version\":0"), 10);
	assert_int_equal(count_prefix(&l, "\"update_preimage\",\"_commit_version\":1"), 3);
	assert_int_equal(count_prefix(&l, "\"update_postimage\",\"_commit_version\":1"), 3);
	assert_int_equal(count_prefix(&l, "\"update_preimage\",\"_commit_version\":2"), 3);
	assert_int_equal(count_prefix(&l, "\"update_postimage\",\"_commit_version\":2"), 3);
	assert_int_equal(count_prefix(&l, "\"delete\",\"_commit_version\":3"), 1);
	assert_int_equal(l.n, 23);
	th_lines_free(&l);

	/* a sub-range */
	assert_int_equal(changes(&l, DELTA_DIR "/delta-rs/cdf-table", 3, 3, e), 0);
	assert_int_equal(l.n, 1);
	assert_non_null(strstr(l.v[0], "Dennis"));
	th_lines_free(&l);
}

static void test_cdf_not_enabled(void **state)
{
	th_lines l;
	char e[1024];
	(void)state;
	assert_int_equal(changes(&l, DELTA_DIR "/delta-rs/simple_table", 0, -1, e),
	                 DLT_EUNSUPPORTED);
	assert_non_null(strstr(e, "delta.enableChangeDataFeed"));
	assert_int_equal(changes(&l, DELTA_DIR "/delta-rs/cdf-table", 2, 1, e), DLT_EINVAL);
	assert_int_equal(changes(&l, DELTA_DIR "/delta-rs/cdf-table", 0, 9, e), DLT_ENOTFOUND);
}

static void test_cdf_with_deletion_vectors(void **state)
{
	th_lines l;
	char e[1024];
	char *root = th_table_root(DELTA_DIR "/kernel/cdf-table-with-dv");
	(void)state;
	assert_non_null(root);
	if (changes(&l, root, 0, -1, e) != 0)
		fail_msg("%s", e);
	/* inserts at version 0 and deletes recorded through DV updates */
	assert_true(count_prefix(&l, "\"insert\"") >= 10);
	assert_true(count_prefix(&l, "\"delete\"") >= 1);
	printf("cdf-table-with-dv: %zu change rows, %d deletes\n", l.n,
	       count_prefix(&l, "\"delete\""));
	th_lines_free(&l);
	free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_skipping_by_stats),
		cmocka_unit_test(test_scan_skipping_by_partition),
		cmocka_unit_test(test_scan_projection_and_errors),
		cmocka_unit_test(test_scan_nested_projection),
		cmocka_unit_test(test_dv_z85_uuid_path),
		cmocka_unit_test(test_dv_inline_roundtrip),
		cmocka_unit_test(test_dv_absolute_path),
		cmocka_unit_test(test_dv_file_checksum_mismatch),
		cmocka_unit_test(test_cdf_cdf_table),
		cmocka_unit_test(test_cdf_not_enabled),
		cmocka_unit_test(test_cdf_with_deletion_vectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
