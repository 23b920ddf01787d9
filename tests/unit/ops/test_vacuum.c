/* VACUUM: dry run lists exactly the unreferenced old files (DV files
 * included), hidden paths and _delta_log are left alone, short retention is
 * refused unless overridden, deletion, VACUUM START / END commits. */
#include "maint_helpers.h"
#include "log/ckpt_write.h"
#include "log/txn.h"

#define TMP DLT_TEST_TMPDIR "/vacuum"

static void touch_file(const char *dir, const char *rel, int days_ago)
{
	sh("mkdir -p \"$(dirname '%s/%s')\" && echo junk > '%s/%s' && touch -d '%d days ago' '%s/%s'",
	   dir, rel, dir, rel, days_ago, dir, rel);
}

static bool listed(const dlt_vacuum_result *r, const char *path)
{
	for (int64_t i = 0; i < dlt_vacuum_result_num_files(r); i++)
		if (strcmp(dlt_vacuum_result_path(r, i), path) == 0)
			return true;
	return false;
}

static void test_vacuum_dry_run_refuse_delete(void **state)
{
	const char *dir = TMP "/simple";
	dlt_vacuum_options vo = DLT_VACUUM_OPTIONS_INIT;
	dlt_vacuum_result *r = NULL;
	dlt_error err;
	char op[64];
	int64_t ids_before[64], ids_after[64];
	(void)state;
	copy_table(dir, "delta-rs/simple_table", 30);
	touch_file(dir, "junk.parquet", 10);
	touch_file(dir, "young.parquet", 1);
	touch_file(dir, "_hidden/old.parquet", 30);
	touch_file(dir, ".hidden.parquet", 30);
	touch_file(dir, "sub/.x.crc", 30);
	touch_file(dir, "sub/old.parquet", 30);
	touch_file(dir, "_delta_log/junk.txt", 30);

	dlt_table *t = open_t(dir);
	dlt_snapshot *s = snap_of(t, -1);
	int64_t v0 = s->version;
	size_t n_before = scan_ids(ids_before, 64, s, "id");
	/* expected: every root parquet file not live, plus junk and sub/old */
	int64_t n_exp = 2;
	{
		FILE *p = popen("cd '" TMP "/simple' && ls *.parquet", "r");
		char line[512];
		assert_non_null(p);
		while (fgets(line, sizeof(line), p)) {
			line[strcspn(line, "\n")] = 0;
			bool live = false;
			for (size_t i = 0; i < s->n_files; i++)
				live |= strcmp(s->files[i].path, line) == 0;
			if (!live && strcmp(line, "young.parquet") != 0 && strcmp(line, "junk.parquet") != 0)
				n_exp++;
		}
		pclose(p);
	}
	vo.dry_run = 1;
	if (dlt_table_vacuum(&r, t, &vo, &err) != DLT_OK)
		fail_msg("%s", err.message);
	assert_true(dlt_vacuum_result_dry_run(r));
	assert_int_equal(dlt_vacuum_result_num_files(r), n_exp);
	assert_true(listed(r, "junk.parquet"));
	assert_true(listed(r, "sub/old.parquet"));
	assert_false(listed(r, "young.parquet"));
	assert_false(listed(r, "_hidden/old.parquet"));
	assert_false(listed(r, ".hidden.parquet"));
	assert_false(listed(r, "sub/.x.crc"));
	for (size_t i = 0; i < s->n_files; i++)
		assert_false(listed(r, s->files[i].path));
	for (int64_t i = 0; i < dlt_vacuum_result_num_files(r); i++)
		assert_true(strncmp(dlt_vacuum_result_path(r, i), "_delta_log", 10) != 0);
	assert_true(dlt_vacuum_result_bytes(r) > 0);
	{
		struct ArrowArrayStream st;
		struct ArrowArray b;
		assert_int_equal(dlt_vacuum_result_files(&st, r, &err), DLT_OK);
		assert_int_equal(st.get_next(&st, &b), 0);
		assert_int_equal(b.length, n_exp);
		b.release(&b);
		st.release(&st);
	}
	dlt_vacuum_result_free(r);
	assert_true(exists(dir, "junk.parquet")); /* dry run deletes nothing */

	/* too short a retention is refused unless overridden */
	vo.dry_run = 0;
	vo.retention_hours = 1;
	assert_int_equal(dlt_table_vacuum(&r, t, &vo, &err), DLT_EINVAL);
	assert_non_null(strstr(err.message, "deletedFileRetentionDuration"));
	assert_non_null(strstr(err.message, "enforce_retention"));
	assert_null(r);
	assert_true(exists(dir, "junk.parquet"));

	/* the real thing */
	vo.retention_hours = -1;
	if (dlt_table_vacuum(&r, t, &vo, &err) != DLT_OK)
		fail_msg("%s", err.message);
	assert_int_equal(dlt_vacuum_result_num_files(r), n_exp);
	dlt_vacuum_result_free(r);
	assert_false(exists(dir, "junk.parquet"));
	assert_false(exists(dir, "sub/old.parquet"));
	assert_true(exists(dir, "young.parquet"));
	assert_true(exists(dir, "_hidden/old.parquet"));
	assert_true(exists(dir, ".hidden.parquet"));
	assert_true(exists(dir, "_delta_log/junk.txt"));
	operation_of(op, sizeof(op), dir, v0 + 1);
	assert_string_equal(op, "VACUUM START");
	operation_of(op, sizeof(op), dir, v0 + 2);
	assert_string_equal(op, "VACUUM END");
	dlt_snapshot *s2 = snap_of(t, -1);
	assert_int_equal(s2->version, v0 + 2);
	size_t n_after = scan_ids(ids_after, 64, s2, "id");
	assert_int_equal(n_after, n_before);
	assert_memory_equal(ids_before, ids_after, n_after * sizeof(int64_t));
	/* nothing left: a second run deletes nothing */
	vo.log_commits = 0;
	assert_int_equal(dlt_table_vacuum(&r, t, &vo, &err), DLT_OK);
	assert_int_equal(dlt_vacuum_result_num_files(r), 0);
	dlt_vacuum_result_free(r);
	dlt_snapshot_free(s);
	dlt_snapshot_free(s2);
	dlt_table_free(t);
}

static void test_vacuum_keeps_deletion_vectors(void **state)
{
	const char *dir = TMP "/dv";
	dlt_vacuum_options vo = DLT_VACUUM_OPTIONS_INIT;
	dlt_vacuum_result *r = NULL;
	dlt_error err;
	(void)state;
	copy_table(dir, "kernel/table-with-dv-small", 30);
	touch_file(dir, "deletion_vector_00000000-0000-0000-0000-000000000000.bin", 30);
	dlt_table *t = open_t(dir);
	vo.dry_run = 1;
	if (dlt_table_vacuum(&r, t, &vo, &err) != DLT_OK)
		fail_msg("%s", err.message);
	assert_int_equal(dlt_vacuum_result_num_files(r), 1);
	assert_string_equal(dlt_vacuum_result_path(r, 0),
	                    "deletion_vector_00000000-0000-0000-0000-000000000000.bin");
	dlt_vacuum_result_free(r);
	/* zero retention, overridden: the live DV stays, the stray one goes */
	vo.dry_run = 0;
	vo.retention_hours = 0;
	vo.enforce_retention = 0;
	vo.log_commits = 0;
	assert_int_equal(dlt_table_vacuum(&r, t, &vo, &err), DLT_OK);
	assert_int_equal(dlt_vacuum_result_num_files(r), 1);
	dlt_vacuum_result_free(r);
	assert_true(exists(dir, "deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin"));
	dlt_table_free(t);
}

static int64_t wall_ms(void *payload)
{
	(void)payload;
	return dlt_log__now_ms();
}

/* Tombstones younger than the retention keep their files. */
static void test_vacuum_keeps_young_tombstones(void **state)
{
	const char *dir = TMP "/tomb";
	dlt_vacuum_options vo = DLT_VACUUM_OPTIONS_INIT;
	dlt_vacuum_result *r = NULL;
	dlt_txn *txn = NULL;
	dlt_error err;
	(void)state;
	copy_table(dir, "delta-rs/simple_table", 30);
	dlt_table *t = open_t(dir);
	dlt_snapshot *s = snap_of(t, -1);
	char victim[512];
	snprintf(victim, sizeof(victim), "%s", s->files[0].path);
	assert_int_equal(dlt_txn_begin(&txn, t, NULL, &err), DLT_OK);
	dlt_log__txn_set_clock(txn, wall_ms, NULL);
	if (dlt_txn_remove_live_file(txn, victim, 1, &err) != DLT_OK ||
	    dlt_txn_commit(NULL, txn, &err) != DLT_OK)
		fail_msg("%s", err.message);
	dlt_txn_free(txn);
	vo.dry_run = 1;
	assert_int_equal(dlt_table_vacuum(&r, t, &vo, &err), DLT_OK);
	assert_false(listed(r, victim)); /* removed now: tombstone is young */
	dlt_vacuum_result_free(r);
	vo.retention_hours = 0;
	vo.enforce_retention = 0;
	assert_int_equal(dlt_table_vacuum(&r, t, &vo, &err), DLT_OK);
	assert_true(listed(r, victim)); /* zero retention: expired */
	dlt_vacuum_result_free(r);
	dlt_snapshot_free(s);
	dlt_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vacuum_dry_run_refuse_delete),
		cmocka_unit_test(test_vacuum_keeps_deletion_vectors),
		cmocka_unit_test(test_vacuum_keeps_young_tombstones),
	};
	mkdir(DLT_TEST_TMPDIR, 0777);
	mkdir(TMP, 0777);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
