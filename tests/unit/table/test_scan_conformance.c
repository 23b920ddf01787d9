/* Every corpus table with EXPECTED.rows.jsonl: scan the latest version, render
 * the rows in the oracle's canonical text, sort, compare exactly. Tables using
 * a feature deltalite refuses must fail with a clear error instead. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"

#define DELTA_DIR DLT_CONFORMANCE_DIR "/delta"

/* Tables refused on purpose, with a fragment of the expected message. */
static const struct {
	const char *table;
	int code;
	const char *msg;
} refused[] = {
	{ "delta-rs/simple_table_features", DLT_EUNSUPPORTED, "reader version 5" },
};

static int find_refused(const char *rel)
{
	size_t i;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (strcmp(refused[i].table, rel) == 0)
			return (int)i;
	return -1;
}

/* Scan `root` and compare with `expected`; returns 0 if equal, else writes why. */
static int check_table(const char *root, const char *expected, char *why, size_t cap,
                       int *code_out)
{
	dlt_table *t = NULL;
	dlt_snapshot *snap = NULL;
	struct ArrowArrayStream s;
	dlt_error err;
	th_lines got = { 0 }, want = { 0 };
	char ebuf[1024];
	int rc;
	size_t i;

	*code_out = 0;
	if ((rc = dlt_table_open(&t, root, NULL, &err)) < 0 ||
	    (rc = dlt_table_snapshot(&snap, t, -1, &err)) < 0 ||
	    (rc = dlt_snapshot_scan(&s, snap, NULL, &err)) < 0) {
		snprintf(why, cap, "%s: %s", dlt_code_name(rc), err.message);
		*code_out = rc;
		dlt_snapshot_free(snap);
		dlt_table_free(t);
		return -1;
	}
	rc = th_render_stream(&got, &s, ebuf, sizeof(ebuf));
	s.release(&s);
	dlt_snapshot_free(snap);
	dlt_table_free(t);
	if (rc != 0) {
		snprintf(why, cap, "stream error %d: %s", rc, ebuf);
		*code_out = DLT_ERROR;
		th_lines_free(&got);
		return -1;
	}
	if (th_read_lines(&want, expected) != 0) {
		snprintf(why, cap, "cannot read %s", expected);
		th_lines_free(&got);
		return -1;
	}
	th_lines_sort(&got);
	th_lines_sort(&want);
	rc = 0;
	if (got.n != want.n) {
		snprintf(why, cap, "%zu rows, expected %zu%s%.300s", got.n, want.n,
		         got.n ? "; first: " : "", got.n ? got.v[0] : "");
		rc = -1;
	}
	for (i = 0; rc == 0 && i < got.n; i++) {
		if (strcmp(got.v[i], want.v[i]) != 0) {
			snprintf(why, cap, "row %zu:\n   got %.400s\n  want %.400s", i, got.v[i],
			         want.v[i]);
			rc = -1;
		}
	}
	th_lines_free(&got);
	th_lines_free(&want);
	return rc;
}

static void test_scan_conformance_all_tables(void **state)
{
	FILE *p;
	char line[4096];
	int n_ok = 0, n_refused = 0, n_fail = 0;
	(void)state;

	p = popen("cd '" DELTA_DIR "' && find . -name EXPECTED.rows.jsonl | sort", "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p) != NULL) {
		char dir[8192], rel[4096], expected[8300], why[2048];
		char *root, *slash;
		int code, r;
		line[strcspn(line, "\n")] = 0;
		slash = strrchr(line, '/');
		*slash = 0;
		snprintf(rel, sizeof(rel), "%s", line + 2);
		snprintf(dir, sizeof(dir), "%s/%s", DELTA_DIR, rel);
		snprintf(expected, sizeof(expected), "%s/EXPECTED.rows.jsonl", dir);
		root = th_table_root(dir);
		if (root == NULL) {
			printf("FAIL %s: no table root (archive not unpacked?)\n", rel);
			n_fail++;
			continue;
		}
		r = find_refused(rel);
		if (check_table(root, expected, why, sizeof(why), &code) == 0) {
			if (r >= 0) {
				printf("FAIL %s: expected refusal, read fine\n", rel);
				n_fail++;
			} else {
				n_ok++;
			}
		} else if (r >= 0 && code == refused[r].code && strstr(why, refused[r].msg)) {
			printf("refused %s: %s\n", rel, why);
			n_refused++;
		} else {
			printf("FAIL %s: %s\n", rel, why);
			n_fail++;
		}
		free(root);
	}
	pclose(p);
	printf("scan conformance: %d tables equal, %d refused, %d failed\n", n_ok, n_refused,
	       n_fail);
	assert_true(n_ok > 50);
	assert_int_equal(n_fail, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_conformance_all_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
