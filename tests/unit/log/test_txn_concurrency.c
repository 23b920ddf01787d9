/* Transactions across processes on one local table: concurrent appenders
 * (fork) lose no commit and duplicate none; a committer SIGKILLed at random
 * points always leaves a table that opens at a consistent version. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "deltalite.h"
#include "log/log.h"

#define SCHEMA                                                                              \
	"{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"long\",\"nullable\":true," \
	"\"metadata\":{}}]}"

static void fresh_dir(char *dir, size_t cap, const char *name)
{
	char cmd[600];
	snprintf(dir, cap, "%s/txn_%s_%d", DLT_TEST_TMPDIR, name, (int)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", dir, dir);
	assert_int_equal(system(cmd), 0);
}

static void remove_dir(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void create_table(const char *dir)
{
	dlt_table *t = NULL;
	dlt_txn *txn = NULL;
	dlt_txn_metadata md = DLT_TXN_METADATA_INIT;
	dlt_error err;
	assert_int_equal(dlt_table_open_location(&t, dir, NULL, &err), DLT_OK);
	assert_int_equal(dlt_txn_begin(&txn, t, NULL, &err), DLT_OK);
	md.schema_string = SCHEMA;
	assert_int_equal(dlt_txn_set_metadata(txn, &md, &err), DLT_OK);
	assert_int_equal(dlt_txn_commit(NULL, txn, &err), DLT_OK);
	dlt_txn_free(txn);
	dlt_table_free(t);
}

/* One append of file "<tag>.parquet"; returns the code. */
static int append_one(dlt_table *t, const char *tag, dlt_error *err)
{
	dlt_txn_options o = DLT_TXN_OPTIONS_INIT;
	dlt_txn_file f = DLT_TXN_FILE_INIT;
	dlt_txn *txn = NULL;
	char path[64];
	int rc;
	o.max_retries = 10000;
	if ((rc = dlt_txn_begin(&txn, t, &o, err)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s.parquet", tag);
	f.path = path;
	f.size = 10;
	f.stats = "{\"numRecords\":1}";
	if ((rc = dlt_txn_add_file(txn, &f, err)) == DLT_OK)
		rc = dlt_txn_commit(NULL, txn, err);
	dlt_txn_free(txn);
	return rc;
}

enum { N_PROCS = 4, N_APPENDS = 12 };

static void test_txn_concurrent_appenders(void **state)
{
	char dir[512];
	pid_t pids[N_PROCS];
	dlt_table *t = NULL;
	dlt_snapshot *s = NULL;
	dlt_error err;
	(void)state;
	fresh_dir(dir, sizeof(dir), "conc");
	create_table(dir);
	for (int p = 0; p < N_PROCS; p++) {
		pids[p] = fork();
		assert_true(pids[p] >= 0);
		if (pids[p] == 0) {
			dlt_table *ct = NULL;
			int bad = 0;
			if (dlt_table_open(&ct, dir, NULL, &err) < 0)
				_exit(2);
			for (int k = 0; k < N_APPENDS && !bad; k++) {
				char tag[32];
				snprintf(tag, sizeof(tag), "w%d_%d", p, k);
				if (append_one(ct, tag, &err) < 0) {
					fprintf(stderr, "child %d: %s\n", p, err.message);
					bad = 1;
				}
			}
			dlt_table_free(ct);
			_exit(bad);
		}
	}
	for (int p = 0; p < N_PROCS; p++) {
		int st = 0;
		assert_int_equal(waitpid(pids[p], &st, 0), pids[p]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	assert_int_equal(dlt_table_open(&t, dir, NULL, &err), DLT_OK);
	/* contiguous versions (a gap fails the load), one commit per append */
	assert_int_equal(dlt_table_snapshot(&s, t, -1, &err), DLT_OK);
	assert_int_equal(dlt_snapshot_version(s), N_PROCS * N_APPENDS);
	assert_int_equal(dlt_snapshot_num_files(s), N_PROCS * N_APPENDS);
	for (int p = 0; p < N_PROCS; p++)
		for (int k = 0; k < N_APPENDS; k++) {
			char path[64];
			bool found = false;
			snprintf(path, sizeof(path), "w%d_%d.parquet", p, k);
			for (size_t i = 0; i < s->n_files; i++)
				found = found || strcmp(s->files[i].path, path) == 0;
			assert_true(found);
		}
	dlt_snapshot_free(s);
	/* every commit file has exactly one add */
	for (int v = 1; v <= N_PROCS * N_APPENDS; v++) {
		char key[64];
		dlt_bytes b = DLT_BYTES_INIT;
		const char *q;
		int n = 0;
		snprintf(key, sizeof(key), "_delta_log/%020d.json", v);
		assert_int_equal(dlt_storage_get(&b, dlt_table_storage(t), key, &err), DLT_OK);
		{
			char *text = calloc(1, b.len + 1);
			memcpy(text, b.data, b.len);
			for (q = text; (q = strstr(q, "{\"add\":")) != NULL; q++)
				n++;
			free(text);
		}
		assert_int_equal(n, 1);
		dlt_bytes_dispose(&b);
	}
	dlt_table_free(t);
	remove_dir(dir);
}

static void test_txn_sigkill_crash_safety(void **state)
{
	char dir[512];
	dlt_error err;
	int64_t prev = 0;
	(void)state;
	fresh_dir(dir, sizeof(dir), "kill");
	create_table(dir);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (int round = 0; round < 30; round++) {
		dlt_table *t = NULL;
		dlt_snapshot *s = NULL;
		int st = 0;
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			dlt_table *ct = NULL;
			if (dlt_table_open(&ct, dir, NULL, &err) < 0)
				_exit(2);
			for (int k = 0;; k++) {
				char tag[32];
				snprintf(tag, sizeof(tag), "r%d_%d", round, k);
				if (append_one(ct, tag, &err) < 0)
					_exit(3);
			}
		}
		usleep((useconds_t)(rand() % 30000));
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFSIGNALED(st)); /* never exited on its own (no error) */
		assert_int_equal(dlt_table_open(&t, dir, NULL, &err), DLT_OK);
		assert_int_equal(dlt_table_snapshot(&s, t, -1, &err), DLT_OK);
		/* every commit holds exactly one add: files == versions */
		assert_int_equal(dlt_snapshot_num_files(s), dlt_snapshot_version(s));
		assert_true(dlt_snapshot_version(s) >= prev);
		prev = dlt_snapshot_version(s);
		dlt_snapshot_free(s);
		dlt_table_free(t);
	}
	assert_true(prev > 0);
	/* the table still takes commits after all the crashes */
	{
		dlt_table *t = NULL;
		assert_int_equal(dlt_table_open(&t, dir, NULL, &err), DLT_OK);
		assert_int_equal(append_one(t, "after", &err), DLT_OK);
		dlt_table_free(t);
	}
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_txn_concurrent_appenders),
		cmocka_unit_test(test_txn_sigkill_crash_safety),
	};
	mkdir(DLT_TEST_TMPDIR, 0777);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
