/* Every Delta table of the conformance corpus (../shared/conformance/delta):
 * version, protocol, schema, partition columns, live files (also at every
 * version and via incremental update), rows from stats, app transactions and
 * domain metadata, compared with its EXPECTED.json. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "deltalite/table.h"
#include "log/log.h"

#define DELTA_DIR DLT_CONFORMANCE_DIR "/delta"

static int n_fail;
static int n_tables;
static char refused[4096];

static void mismatch(const char *table, const char *fmt, ...) DLT_PRINTF(2, 3);
static void mismatch(const char *table, const char *fmt, ...)
{
	va_list ap;
	printf("MISMATCH %s: ", table);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	n_fail++;
}

static int64_t rows_from_stats(const dlt_snapshot *s, bool *known)
{
	int64_t t = 0;
	*known = true;
	for (size_t i = 0; i < s->n_files; i++) {
		if (s->files[i].num_records < 0)
			*known = false;
		t += s->files[i].num_records - s->files[i].dv.cardinality;
	}
	return t;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void check_features(const char *table, const char *what, json_t *exp, size_t n,
                           const char *const *got)
{
	size_t ne = json_is_array(exp) ? json_array_size(exp) : 0;
	if (ne != n) {
		mismatch(table, "%s: %zu features, expected %zu", what, n, ne);
		return;
	}
	const char **sorted = calloc(n + 1, sizeof(*sorted));
	if (n)
		memcpy(sorted, got, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (strcmp(sorted[i], json_string_value(json_array_get(exp, i))) != 0)
			mismatch(table, "%s[%zu]: '%s', expected '%s'", what, i, sorted[i],
			         json_string_value(json_array_get(exp, i)));
	free(sorted);
}

static void check_table(const char *name, const char *root, json_t *exp)
{
	dlt_table *t = NULL;
	dlt_snapshot *s = NULL;
	dlt_error err;
	int64_t latest = json_integer_value(json_object_get(exp, "latest_version"));
	int rc;

	n_tables++;
	rc = dlt_table_open(&t, root, NULL, &err);
	if (latest < 0) {
		/* not a table: must fail cleanly (open or snapshot) */
		if (rc == DLT_OK) {
			rc = dlt_table_snapshot(&s, t, -1, &err);
			if (rc == DLT_OK)
				mismatch(name, "expected an error for a log without commits");
			dlt_snapshot_free(s);
			dlt_table_free(t);
		}
		return;
	}
	if (rc != DLT_OK) {
		mismatch(name, "open: %s", err.message);
		return;
	}
	rc = dlt_table_snapshot(&s, t, -1, &err);
	if (rc == DLT_EUNSUPPORTED) {
		printf("REFUSED %s: %s\n", name, err.message);
		strncat(refused, name, sizeof(refused) - strlen(refused) - 3);
		strcat(refused, " ");
		if (!strstr(err.message, "feature '") && !strstr(err.message, "reader version"))
			mismatch(name, "refusal does not name the feature: %s", err.message);
		dlt_table_free(t);
		return;
	}
	if (rc != DLT_OK) {
		mismatch(name, "snapshot: %s", err.message);
		dlt_table_free(t);
		return;
	}
	if (s->version != latest)
		mismatch(name, "version %" PRId64 ", expected %" PRId64, s->version, latest);
	json_t *p = json_object_get(exp, "protocol");
	if (s->protocol.min_reader_version != json_integer_value(json_object_get(p, "minReaderVersion")) ||
	    s->protocol.min_writer_version != json_integer_value(json_object_get(p, "minWriterVersion")))
		mismatch(name, "protocol %d/%d", s->protocol.min_reader_version,
		         s->protocol.min_writer_version);
	check_features(name, "readerFeatures", json_object_get(p, "readerFeatures"),
	               s->protocol.n_reader_features, s->protocol.reader_features);
	check_features(name, "writerFeatures", json_object_get(p, "writerFeatures"),
	               s->protocol.n_writer_features, s->protocol.writer_features);
	const char *ss = json_string_value(json_object_get(exp, "schema_string"));
	if (ss && strcmp(ss, s->metadata.schema_string) != 0)
		mismatch(name, "schema string differs");
	json_t *pc = json_object_get(exp, "partition_columns");
	if (json_array_size(pc) != s->metadata.n_partition_columns)
		mismatch(name, "partition columns count %zu", s->metadata.n_partition_columns);
	else
		for (size_t i = 0; i < s->metadata.n_partition_columns; i++)
			if (strcmp(json_string_value(json_array_get(pc, i)),
			           s->metadata.partition_columns[i]) != 0)
				mismatch(name, "partition column %zu", i);
	int64_t af = json_integer_value(json_object_get(exp, "active_files"));
	if (af >= 100000) {
		size_t per = dlt_snapshot_memory_bytes(s) / (size_t)af;
		printf("%s: %" PRId64 " files, %zu bytes per live file\n", name, af, per);
		if (per > 400)
			mismatch(name, "%zu bytes per live file", per);
	}
	if ((int64_t)s->n_files != af)
		mismatch(name, "active files %zu, expected %" PRId64, s->n_files, af);
	json_t *trs = json_object_get(exp, "total_rows_from_stats");
	bool known;
	int64_t rfs = rows_from_stats(s, &known);
	if (json_is_integer(trs) && (!known || rfs != json_integer_value(trs)))
		mismatch(name, "rows from stats %" PRId64 " (known %d), expected %" PRId64, rfs, known,
		         (int64_t)json_integer_value(trs));
	/* the files stream has one row per live file */
	{
		struct ArrowArrayStream st;
		struct ArrowArray b;
		int64_t rows = 0;
		assert_int_equal(dlt_snapshot_files(&st, s, &err), DLT_OK);
		while (st.get_next(&st, &b) == 0 && b.release) {
			rows += b.length;
			b.release(&b);
		}
		st.release(&st);
		if (rows != af)
			mismatch(name, "files stream has %" PRId64 " rows", rows);
	}
	json_t *txns = json_object_get(exp, "app_transactions");
	const char *k;
	json_t *v;
	json_object_foreach(txns, k, v) {
		int64_t ver = -1;
		if (dlt_snapshot_app_txn_version(&ver, s, k, &err) != DLT_OK ||
		    ver != json_integer_value(v))
			mismatch(name, "txn %s: %" PRId64, k, ver);
	}
	if (json_object_size(txns) != s->n_txns)
		mismatch(name, "%zu txns, expected %zu", s->n_txns, json_object_size(txns));
	json_t *dms = json_object_get(exp, "domain_metadata");
	size_t ndm = json_is_array(dms) ? json_array_size(dms) : 0;
	if (ndm != s->n_domains)
		mismatch(name, "%zu domains, expected %zu", s->n_domains, ndm);
	for (size_t i = 0; i < ndm; i++) {
		const char *conf = NULL;
		json_t *d = json_array_get(dms, i);
		if (dlt_snapshot_domain_metadata(&conf, s, json_string_value(json_object_get(d, "domain")),
		                                 &err) != DLT_OK ||
		    strcmp(conf, json_string_value(json_object_get(d, "configuration"))) != 0)
			mismatch(name, "domain %s", json_string_value(json_object_get(d, "domain")));
	}
	/* time travel at every version the oracle lists, and incremental update */
	json_t *pv = json_object_get(exp, "per_version");
	dlt_snapshot *prev = NULL;
	for (size_t i = 0; i < json_array_size(pv); i++) {
		json_t *e = json_array_get(pv, i);
		int64_t ver = json_integer_value(json_object_get(e, "version"));
		int64_t want = json_integer_value(json_object_get(e, "active_files"));
		dlt_snapshot *vs = NULL;
		if ((rc = dlt_table_snapshot(&vs, t, ver, &err)) != DLT_OK) {
			mismatch(name, "snapshot at %" PRId64 ": %s", ver, err.message);
			continue;
		}
		if ((int64_t)vs->n_files != want)
			mismatch(name, "v%" PRId64 ": %zu files, expected %" PRId64, ver, vs->n_files, want);
		json_t *rs = json_object_get(e, "rows_from_stats");
		int64_t r2 = rows_from_stats(vs, &known);
		if (json_is_integer(rs) && !known && vs->segment.checkpoint_version >= 0)
			printf("NOTE %s: v%" PRId64 ": checkpoint carries no stats for some files\n", name,
			       ver);
		else if (json_is_integer(rs) && (!known || r2 != json_integer_value(rs)))
			mismatch(name, "v%" PRId64 ": rows from stats %" PRId64, ver, r2);
		if (prev) {
			dlt_snapshot *up = NULL;
			if (dlt_snapshot_update(&up, prev, ver, &err) != DLT_OK)
				mismatch(name, "update to %" PRId64 ": %s", ver, err.message);
			else if (up->n_files != vs->n_files)
				mismatch(name, "update to v%" PRId64 ": %zu files, expected %zu", ver,
				         up->n_files, vs->n_files);
			dlt_snapshot_free(up);
		}
		dlt_snapshot_free(prev);
		prev = vs;
	}
	dlt_snapshot_free(prev);
	dlt_snapshot_free(s);
	dlt_table_free(t);
}

static bool skip_big(const char *name)
{
	return strstr(name, "300k-add-files") != NULL; /* its own test below */
}

static void run_expected(const char *dir, const char *name, bool only_big)
{
	char path[1024], root[1024];
	json_error_t je;
	snprintf(path, sizeof(path), "%s/EXPECTED.json", dir);
	json_t *exp = json_load_file(path, 0, &je);
	if (!exp)
		return;
	bool big = strstr(name, "300k-add-files") != NULL;
	if (only_big != big || (!only_big && skip_big(name))) {
		json_decref(exp);
		return;
	}
	json_t *arch = json_object_get(exp, "archive");
	if (arch && !json_is_null(arch)) {
		const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
		char cmd[4096];
		snprintf(root, sizeof(root), "%s/log_conf/%s", DLT_TEST_TMPDIR, base);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s/log_conf' && tar --zstd -xf "
		         "'%s/%s.tar.zst' -C '%s/log_conf'", root, DLT_TEST_TMPDIR, dir, base,
		         DLT_TEST_TMPDIR);
		assert_int_equal(system(cmd), 0);
	} else {
		snprintf(root, sizeof(root), "%s", dir);
	}
	check_table(name, root, exp);
	json_decref(exp);
}

static void walk(const char *dir, const char *rel, bool only_big)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "_delta_log") == 0 ||
		    strcmp(e->d_name, "ffi-expected") == 0)
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char p[1024], r[1024];
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		snprintf(r, sizeof(r), "%s%s%s", rel, *rel ? "/" : "", names[i]);
		if (strcmp(names[i], "EXPECTED.json") == 0)
			run_expected(dir, rel, only_big);
		else if (stat(p, &st) == 0 && S_ISDIR(st.st_mode) && strchr(rel, '/') == NULL)
			walk(p, r, only_big);
		else if (stat(p, &st) == 0 && S_ISDIR(st.st_mode) &&
		         strncmp(rel, "kernel/partition_cm", 19) == 0)
			walk(p, r, only_big);
		else if (stat(p, &st) == 0 && S_ISDIR(st.st_mode) &&
		         strcmp(rel, "kernel/stats-writing-all-types") == 0)
			walk(p, r, only_big);
		free(names[i]);
	}
	free(names);
}

static void test_log_conformance_corpus(void **state)
{
	(void)state;
	struct stat st;
	assert_int_equal(stat(DELTA_DIR, &st), 0); /* a missing corpus fails, never skips */
	n_fail = 0;
	n_tables = 0;
	refused[0] = 0;
	walk(DELTA_DIR, "", false);
	printf("tables checked: %d, mismatches: %d, refused: %s\n", n_tables, n_fail, refused);
	assert_true(n_tables >= 100);
	assert_int_equal(n_fail, 0);
}

/* 300,000 add actions: memory per live file stays small. */
static void test_log_conformance_300k_files(void **state)
{
	(void)state;
	/* about 4 s per version under ASan: fine for every build type */
	n_fail = 0;
	walk(DELTA_DIR, "", true);
	assert_int_equal(n_fail, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_conformance_corpus),
		cmocka_unit_test(test_log_conformance_300k_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
