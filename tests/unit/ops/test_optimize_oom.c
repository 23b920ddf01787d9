/* OPTIMIZE under allocation failures (the helpers of test_optimize.c).
 * Kept apart: it is the slowest test, and the one that finds leaks in the
 * readers and writers OPTIMIZE drives. */
#define TEST_OPTIMIZE_NO_MAIN
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#include "test_optimize.c"

static dlt_table *open_table_at(const char *uri)
{
	dlt_table *t = NULL;
	dlt_error err;
	if (dlt_table_open(&t, uri, NULL, &err))
		fail_msg("open %s: %s", uri, err.message);
	return t;
}

/* Allocation n failing, for a sample of n over the whole operation (on a
 * fresh copy of the table each time): DLT_ENOMEM, nothing leaked, the table
 * unchanged, or success when the failure was tolerated
 * (best-effort caches, .crc files); until no allocation fails. */
static void test_optimize_out_of_memory_leaves_table_unchanged(void **state)
{
	char *src = tmp_table("oom_src"), *uri = tmp_table("oom");
	dlt_table *t = create(src, DDL, "p", NULL, 0);
	const char *z[] = { "v" };
	th_lines before = { 0 };
	int64_t n, failures = 0;
	bool done = false;
	char cmd[4096];
	(void)state;

	for (int i = 0; i < 3; i++)
		append(t, DDL, row_std, i * 12, 12);
	scan_rows(&before, t);
	dlt_table_free(t);
	dlt_alloc_counting(1);
	for (n = 1; !done && n < 1000000; n += n < 300 ? 1 : n / 20) {
		dlt_optimize_options o = DLT_OPTIMIZE_OPTIONS_INIT;
		dlt_alloc_stats s0, s1;
		dlt_error err;
		dlt_table *h = NULL;
		th_lines after = { 0 };
		int rc;

		snprintf(cmd, sizeof(cmd), "rm -rf '%s' && cp -r '%s' '%s'", uri, src, uri);
		assert_int_equal(system(cmd), 0);
		o.zorder_by = z;
		o.zorder_by_len = 1;
		dlt_alloc_stats_get(&s0);
		h = open_table_at(uri);
		dlt_alloc_fail_after(n);
		rc = dlt_table_optimize(NULL, h, &o, &err);
		dlt_alloc_fail_after(0);
		dlt_table_free(h);
		dlt_alloc_stats_get(&s1);
		if (s1.live_blocks != s0.live_blocks)
			fail_msg("allocation %lld: rc %d (%s): %lld blocks leaked", (long long)n, rc,
			         rc ? err.message : "", (long long)(s1.live_blocks - s0.live_blocks));
		h = open_table_at(uri);
		if (rc == DLT_OK) {
			done = s1.failed == s0.failed;
			assert_int_equal(num_files(h), 3);
		} else {
			if (rc != DLT_ENOMEM)
				fail_msg("allocation %lld: %d %s", (long long)n, rc, err.message);
			failures++;
			assert_int_equal(num_files(h), 9);   /* unreferenced files may remain */
		}
		scan_rows(&after, h);
		assert_same_rows(&after, &before);
		th_lines_free(&after);
		dlt_table_free(h);
	}
	dlt_alloc_counting(0);
	assert_true(done);
	assert_true(failures > 100);
	th_lines_free(&before);
	free(src);
	free(uri);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_optimize_out_of_memory_leaves_table_unchanged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
