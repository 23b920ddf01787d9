/* Differential test: DuckDB writes Parquet files (pqread_duckdb.mjs: many types,
 * null densities, nesting, row-group sizes, every codec it writes, format
 * v1/v2) and reads them back in the corpus's canonical text; our reader must
 * produce exactly the same rows, with one thread or several, small batches,
 * and dictionary arrays. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers_pq.h"

#define DD_DIR DLT_TEST_TMPDIR "/pqread_duckdb"

static char files[16][512];
static int n_files;

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;
	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	if (buf)
		buf[n] = 0;
	return buf;
}

static int setup(void **state)
{
	char cmd[2048], line[512];
	FILE *p;
	(void)state;
	mkdir(DLT_TEST_TMPDIR, 0755);
	mkdir(DD_DIR, 0755);
	snprintf(cmd, sizeof(cmd),
	         "timeout 300 node '" DLT_SOURCE_DIR "/tests/unit/parquet/pqread_duckdb.mjs' '" DD_DIR
	         "' '" DLT_NODE_DIR "'");
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	while (n_files < 16 && fgets(line, sizeof(line), p) != NULL) {
		line[strcspn(line, "\n")] = 0;
		snprintf(files[n_files++], sizeof(files[0]), "%s", line);
	}
	if (pclose(p) != 0 || n_files < 7) {
		printf("pqread_duckdb.mjs failed (%d files)\n", n_files);
		return -1;
	}
	return 0;
}

static int compare_all(const dlt_parquet_read_options *opts, const char *what)
{
	int i, fails = 0;
	for (i = 0; i < n_files; i++) {
		char exp_path[8192 + 32];
		char *want;
		pqt_result r;
		dlt_error err;
		int rc;
		snprintf(exp_path, sizeof(exp_path), "%s.expected.txt", files[i]);
		want = slurp(exp_path);
		assert_non_null(want);
		rc = pqt_read_file(&r, files[i], opts, &err);
		if (rc < 0) {
			printf("FAIL [%s] %s: %s\n", what, files[i], err.message);
			fails++;
		} else if (strcmp(r.text, want) != 0) {
			const char *g = r.text, *w = want;
			int line = 0;
			while (*g && *g == *w) {
				if (*g == '\n')
					line++;
				g++;
				w++;
			}
			printf("FAIL [%s] %s: row %d differs:\n  got:  %.300s\n  want: %.300s\n", what,
			       files[i], line, g, w);
			fails++;
		} else {
			printf("ok   [%s] %s (%lld rows)\n", what, files[i], (long long)r.n_rows);
		}
		pqt_result_free(&r);
		free(want);
	}
	return fails;
}

static void test_read_duckdb_default(void **state)
{
	(void)state;
	assert_int_equal(compare_all(NULL, "default"), 0);
}

static void test_read_duckdb_threads_small_batches(void **state)
{
	dlt_parquet_read_options o = DLT_PARQUET_READ_OPTIONS_INIT;
	(void)state;
	o.threads = 3;
	o.batch_size = 333;
	assert_int_equal(compare_all(&o, "threads=3,batch=333"), 0);
}

static void test_read_duckdb_dictionary(void **state)
{
	dlt_parquet_read_options o = DLT_PARQUET_READ_OPTIONS_INIT;
	(void)state;
	o.dictionary = 1;
	assert_int_equal(compare_all(&o, "dictionary"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_duckdb_default),
		cmocka_unit_test(test_read_duckdb_threads_small_batches),
		cmocka_unit_test(test_read_duckdb_dictionary),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
