/* RESTORE: the new version scans like the old one; refused when a file to
 * bring back is gone. */
#include "maint_helpers.h"

#define TMP DLT_TEST_TMPDIR "/restore"

static void test_restore_roundtrip(void **state)
{
	const char *dir = TMP "/rt";
	dlt_restore_options ro = DLT_RESTORE_OPTIONS_INIT;
	dlt_error err;
	int64_t v = -1, a[64], b[64];
	char op[64];
	(void)state;
	copy_table(dir, "delta-rs/simple_table", 1);
	dlt_table *t = open_t(dir);
	dlt_snapshot *latest = snap_of(t, -1);
	for (int64_t target = 0; target < 4; target++) {
		dlt_snapshot *old = snap_of(t, target);
		size_t na = scan_ids(a, 64, old, "id");
		ro.table_version = target;
		if (dlt_table_restore(&v, t, &ro, &err) != DLT_OK)
			fail_msg("restore %lld: %s", (long long)target, err.message);
		dlt_snapshot *now = snap_of(t, -1);
		assert_int_equal(now->version, v);
		size_t nb = scan_ids(b, 64, now, "id");
		assert_int_equal(na, nb);
		assert_memory_equal(a, b, na * sizeof(int64_t));
		if (now->n_files != old->n_files)
			fail_msg("restore %lld -> v%lld: %zu files, want %zu", (long long)target,
			         (long long)v, now->n_files, old->n_files);
		operation_of(op, sizeof(op), dir, v);
		assert_string_equal(op, "RESTORE");
		dlt_snapshot_free(old);
		dlt_snapshot_free(now);
	}
	/* metrics logged as Spark does */
	{
		char p[1024], buf[8192];
		snprintf(p, sizeof(p), "%s/_delta_log/%020lld.json", dir, (long long)v);
		FILE *f = fopen(p, "rb");
		assert_non_null(f);
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = 0;
		assert_non_null(strstr(buf, "\"numRestoredFiles\""));
		assert_non_null(strstr(buf, "\"numOfFilesAfterRestore\""));
		assert_non_null(strstr(buf, "\"tableSizeAfterRestore\""));
		assert_non_null(strstr(buf, "\"dataChange\":true"));
	}
	dlt_snapshot_free(latest);
	dlt_table_free(t);
}

/* By timestamp: the latest version committed at or before it. */
static void test_restore_by_timestamp(void **state)
{
	const char *dir = TMP "/ts";
	dlt_restore_options ro = DLT_RESTORE_OPTIONS_INIT;
	dlt_error err;
	int64_t v = -1, a[64], b[64];
	(void)state;
	copy_table(dir, "delta-rs/simple_table", 1);
	for (int i = 0; i <= 4; i++)
		sh("touch -d '%d hours ago' '%s/_delta_log/%020d.json'", 10 - i, dir, i);
	dlt_table *t = open_t(dir);
	dlt_snapshot *old = snap_of(t, 2);
	ro.timestamp_ms = old->timestamp + 1000;
	if (dlt_table_restore(&v, t, &ro, &err) != DLT_OK)
		fail_msg("%s", err.message);
	assert_int_equal(v, 5);
	dlt_snapshot *now = snap_of(t, -1);
	size_t na = scan_ids(a, 64, old, "id"), nb = scan_ids(b, 64, now, "id");
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na * sizeof(int64_t));
	assert_non_null(strstr(now->metadata.id, "")); /* metadata kept */
	dlt_snapshot_free(now);
	dlt_snapshot_free(old);
	dlt_table_free(t);
}

static void test_restore_refuses_vacuumed_files(void **state)
{
	const char *dir = TMP "/gone";
	dlt_restore_options ro = DLT_RESTORE_OPTIONS_INIT;
	dlt_vacuum_options vo = DLT_VACUUM_OPTIONS_INIT;
	dlt_vacuum_result *r = NULL;
	dlt_error err;
	int64_t v = -1;
	(void)state;
	copy_table(dir, "delta-rs/simple_table", 30);
	dlt_table *t = open_t(dir);
	dlt_snapshot *before = snap_of(t, -1);
	vo.log_commits = 0;
	assert_int_equal(dlt_table_vacuum(&r, t, &vo, &err), DLT_OK);
	assert_true(dlt_vacuum_result_num_files(r) > 0);
	dlt_vacuum_result_free(r);
	ro.table_version = 0;
	assert_int_equal(dlt_table_restore(&v, t, &ro, &err), DLT_ENOTFOUND);
	assert_non_null(strstr(err.message, "is missing"));
	assert_non_null(strstr(err.message, ".parquet"));
	assert_non_null(strstr(err.path, ".parquet"));
	dlt_snapshot *after = snap_of(t, -1);
	assert_int_equal(after->version, before->version); /* nothing committed */
	/* no version nor timestamp */
	ro.table_version = -1;
	assert_int_equal(dlt_table_restore(&v, t, &ro, &err), DLT_EINVAL);
	dlt_snapshot_free(before);
	dlt_snapshot_free(after);
	dlt_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restore_roundtrip),
		cmocka_unit_test(test_restore_by_timestamp),
		cmocka_unit_test(test_restore_refuses_vacuumed_files),
	};
	mkdir(DLT_TEST_TMPDIR, 0777);
	mkdir(TMP, 0777);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
