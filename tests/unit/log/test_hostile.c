/* Corrupt and hostile logs built in the in-memory store: each gives a clear
 * error naming the file (and line), never a crash. Also time travel by
 * timestamp (mtimes and in-commit timestamps), history and incremental update. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deltalite/table.h"
#include "log/log.h"
#include "util/util.h"

#define PROTO "{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n"
#define META                                                                                \
	"{\"metaData\":{\"id\":\"abc\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"  \
	"\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":[{\\\"name\\\":\\\"a\\\"," \
	"\\\"type\\\":\\\"long\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}}]}\","             \
	"\"partitionColumns\":[],\"configuration\":{},\"createdTime\":1}}\n"
#define ADD(p, n)                                                                           \
	"{\"add\":{\"path\":\"" p "\",\"partitionValues\":{},\"size\":10,"                  \
	"\"modificationTime\":1,\"dataChange\":true,\"stats\":\"{\\\"numRecords\\\":" #n "}\"}}\n"
#define CI(ts, op) "{\"commitInfo\":{\"timestamp\":" #ts ",\"operation\":\"" op "\"," \
	"\"operationParameters\":{\"mode\":\"Append\"}}}\n"

static int n_store;

static dlt_storage *store(char *uri, size_t cap)
{
	dlt_storage *st = NULL;
	dlt_error err;
	snprintf(uri, cap, "memory://log_hostile_%d", n_store++);
	assert_int_equal(dlt_storage_open(&st, uri, NULL, 0, &err), DLT_OK);
	return st;
}

static void put(dlt_storage *st, const char *key, const char *text)
{
	dlt_error err;
	assert_int_equal(dlt_storage_put(st, key, text, strlen(text), DLT_PUT_OVERWRITE, &err),
	                 DLT_OK);
}

static void commit(dlt_storage *st, int v, const char *text)
{
	char key[64];
	snprintf(key, sizeof(key), "_delta_log/%020d.json", v);
	put(st, key, text);
}

/* Open + latest snapshot; returns the code, err filled. */
static int load(const char *uri, dlt_snapshot **out, int64_t version, dlt_error *err)
{
	dlt_table *t = NULL;
	int rc = dlt_table_open(&t, uri, NULL, err);
	*out = NULL;
	if (rc == DLT_OK)
		rc = dlt_table_snapshot(out, t, version, err);
	dlt_table_free(t);
	return rc;
}

static void expect_error(const char *uri, int code, const char *needle1, const char *needle2)
{
	dlt_snapshot *s = NULL;
	dlt_error err;
	int rc = load(uri, &s, -1, &err);
	if (rc != code || (needle1 && !strstr(err.message, needle1)) ||
	    (needle2 && !strstr(err.message, needle2)))
		print_error("got %d '%s'\n", rc, rc ? err.message : "");
	assert_int_equal(rc, code);
	if (needle1)
		assert_non_null(strstr(err.message, needle1));
	if (needle2)
		assert_non_null(strstr(err.message, needle2));
	dlt_snapshot_free(s);
}

static void test_log_simple_table_reads(void **state)
{
	char uri[64];
	dlt_storage *st = store(uri, sizeof(uri));
	dlt_snapshot *s;
	dlt_error err;
	(void)state;
	commit(st, 0, CI(1000, "CREATE") PROTO META ADD("a.parquet", 3));
	commit(st, 1, CI(2000, "WRITE") ADD("b%20c.parquet", 4)
	       "{\"remove\":{\"path\":\"a.parquet\",\"deletionTimestamp\":5,\"dataChange\":true}}\n"
	       "{\"txn\":{\"appId\":\"app\",\"version\":7}}\n"
	       "{\"futureAction\":{\"x\":1}}\n");
	assert_int_equal(load(uri, &s, -1, &err), DLT_OK);
	assert_int_equal(dlt_snapshot_version(s), 1);
	assert_int_equal(dlt_snapshot_num_files(s), 1);
	assert_string_equal(s->files[0].path, "b c.parquet"); /* percent-decoded */
	assert_int_equal(s->files[0].num_records, 4);
	assert_int_equal(s->n_tombstones, 1);
	int64_t v = 0;
	assert_int_equal(dlt_snapshot_app_txn_version(&v, s, "app", &err), DLT_OK);
	assert_int_equal(v, 7);
	assert_int_equal(dlt_snapshot_app_txn_version(&v, s, "nope", &err), DLT_ENOTFOUND);
	struct ArrowSchema sch;
	assert_int_equal(dlt_snapshot_schema(&sch, s, &err), DLT_OK);
	assert_int_equal(sch.n_children, 1);
	assert_string_equal(sch.children[0]->name, "a");
	assert_string_equal(sch.children[0]->format, "l");
	sch.release(&sch);
	dlt_snapshot_free(s);
	dlt_storage_free(st);
}

static void test_log_truncated_json_names_file_and_line(void **state)
{
	char uri[64];
	dlt_storage *st = store(uri, sizeof(uri));
	(void)state;
	commit(st, 0, PROTO META);
	commit(st, 1, ADD("a.parquet", 1) "{\"add\":{\"path\":\"b.parq");
	expect_error(uri, DLT_ECORRUPT, "00000000000000000001.json", "line 2");
	dlt_storage_free(st);
}

static void test_log_missing_commit_in_middle_is_gap(void **state)
{
	char uri[64];
	dlt_storage *st = store(uri, sizeof(uri));
	(void)state;
	commit(st, 0, PROTO META);
	commit(st, 1, ADD("a.parquet", 1));
	commit(st, 3, ADD("b.parquet", 1));
	expect_error(uri, DLT_ECORRUPT, "gap", "00000000000000000002.json");
	dlt_storage_free(st);
}

static void test_log_checkpoint_gone_falls_back_or_fails(void **state)
{
	char uri[64];
	dlt_storage *st = store(uri, sizeof(uri));
	dlt_snapshot *s;
	dlt_error err;
	(void)state;
	commit(st, 0, PROTO META);
	commit(st, 1, ADD("a.parquet", 1));
	commit(st, 2, ADD("b.parquet", 1));
	/* _last_checkpoint names a checkpoint that is not there: ignored safely */
	put(st, "_delta_log/_last_checkpoint", "{\"version\":1,\"size\":3}");
	assert_int_equal(load(uri, &s, -1, &err), DLT_OK);
	assert_int_equal(dlt_snapshot_num_files(s), 2);
	dlt_snapshot_free(s);
	/* and with commit 0 gone too, nothing covers version 0: clear error */
	assert_int_equal(dlt_storage_delete(st, "_delta_log/00000000000000000000.json", &err),
	                 DLT_OK);
	expect_error(uri, DLT_ENOTFOUND, "commit 0", NULL);
	dlt_storage_free(st);
}

static void test_log_corrupt_last_checkpoint_ignored(void **state)
{
	char uri[64];
	dlt_storage *st = store(uri, sizeof(uri));
	dlt_snapshot *s;
	dlt_error err;
	(void)state;
	commit(st, 0, PROTO META ADD("a.parquet", 1));
	put(st, "_delta_log/_last_checkpoint", "{\"version\": 12, \"si");
	assert_int_equal(load(uri, &s, -1, &err), DLT_OK);
	assert_int_equal(dlt_snapshot_num_files(s), 1);
	dlt_snapshot_free(s);
	put(st, "_delta_log/_last_checkpoint", "{\"version\": \"x\"}");
	assert_int_equal(load(uri, &s, -1, &err), DLT_OK);
	dlt_snapshot_free(s);
	dlt_storage_free(st);
}

static void test_log_wrong_types_rejected(void **state)
{
	char uri[64];
	dlt_storage *st = store(uri, sizeof(uri));
	(void)state;
	commit(st, 0, PROTO META
	       "{\"add\":{\"path\":\"a\",\"partitionValues\":{},\"size\":\"ten\","
	       "\"modificationTime\":1,\"dataChange\":true}}\n");
	expect_error(uri, DLT_ECORRUPT, "add.size: expected an integer", "line 3");
	commit(st, 0, PROTO META "{\"add\":{\"path\":7}}\n");
	expect_error(uri, DLT_ECORRUPT, "add.path: expected a string", NULL);
	commit(st, 0, PROTO META "[1,2]\n");
	expect_error(uri, DLT_ECORRUPT, "expected a JSON object", NULL);
	commit(st, 0, "{\"protocol\":{\"minReaderVersion\":\"1\"}}\n" META);
	expect_error(uri, DLT_ECORRUPT, "protocol.minReaderVersion", NULL);
	commit(st, 0, PROTO META "{\"add\":{\"path\":\"a\",\"partitionValues\":{\"p\":1},"
	       "\"size\":1,\"modificationTime\":1,\"dataChange\":true}}\n");
	expect_error(uri, DLT_ECORRUPT, "partitionValues['p']", NULL);
	commit(st, 0, PROTO META "{\"add\":{\"path\":\"a\",\"partitionValues\":{},\"size\":1,"
	       "\"modificationTime\":1,\"dataChange\":true,\"deletionVector\":{\"storageType\":\"q\","
	       "\"pathOrInlineDv\":\"x\",\"sizeInBytes\":1,\"cardinality\":1}}}\n");
	expect_error(uri, DLT_ECORRUPT, "unknown storage type", NULL);
	commit(st, 0, PROTO);
	expect_error(uri, DLT_ECORRUPT, "no metaData", NULL);
	dlt_storage_free(st);
}

static void test_log_path_escaping_root_refused(void **state)
{
	char uri[64];
	dlt_storage *st = store(uri, sizeof(uri));
	(void)state;
	commit(st, 0, PROTO META ADD("../x.parquet", 1));
	expect_error(uri, DLT_ECORRUPT, "escapes the table root", "line 3");
	commit(st, 0, PROTO META ADD("a/%2E%2E/%2E%2E/x.parquet", 1));
	expect_error(uri, DLT_ECORRUPT, "escapes the table root", NULL);
	commit(st, 0, PROTO META ADD("a/%zz", 1));
	expect_error(uri, DLT_ECORRUPT, "percent-encoding", NULL);
	dlt_storage_free(st);
}

static void test_log_huge_line_no_crash(void **state)
{
	char uri[64];
	dlt_storage *st = store(uri, sizeof(uri));
	dlt_snapshot *s;
	dlt_error err;
	size_t n = 8u << 20;
	(void)state;
	/* 8 MiB of stats text in one add: accepted, kept as text */
	char *big = malloc(n + 1024);
	int len = snprintf(big, 1024, "%s%s{\"add\":{\"path\":\"a\",\"partitionValues\":{},\"size\":1,"
	                   "\"modificationTime\":1,\"dataChange\":true,\"stats\":\"", PROTO, META);
	memset(big + len, 'x', n);
	strcpy(big + len + n, "\"}}\n");
	commit(st, 0, big);
	assert_int_equal(load(uri, &s, -1, &err), DLT_OK);
	assert_int_equal(strlen(s->files[0].stats), n);
	assert_int_equal(s->files[0].num_records, -1);
	dlt_snapshot_free(s);
	/* 8 MiB of garbage on one line: a clear error */
	memset(big + len, '{', n);
	strcpy(big + len + n, "\n");
	commit(st, 0, big);
	expect_error(uri, DLT_ECORRUPT, "malformed JSON", NULL);
	free(big);
	dlt_storage_free(st);
}

/* A commit bigger than the reader's window (it is parsed a window at a
 * time): every add is kept, lines cut by a window edge parse, and an error
 * far into the file names the right line. */
static void test_log_big_commit_windows(void **state)
{
	char uri[64];
	dlt_storage *st = store(uri, sizeof(uri));
	dlt_snapshot *s;
	dlt_error err;
	const int n = 60000; /* ~10 MiB: more than two windows */
	dlt_buf b = DLT_BUF_INIT;
	(void)state;
	assert_int_equal(dlt_buf_append_str(&b, PROTO META, NULL), DLT_OK);
	for (int i = 0; i < n; i++)
		assert_int_equal(dlt_buf_appendf(&b, NULL,
		                                 "{\"add\":{\"path\":\"part-%06d.parquet\","
		                                 "\"partitionValues\":{},\"size\":%d,"
		                                 "\"modificationTime\":1,\"dataChange\":true,"
		                                 "\"stats\":\"{\\\"numRecords\\\":%d,"
		                                 "\\\"pad\\\":\\\"%0*d\\\"}\"}}\n",
		                                 i, i + 1, i, 40 + i % 60, i),
		                 DLT_OK);
	assert_int_equal(dlt_buf_append_byte(&b, 0, NULL), DLT_OK);
	commit(st, 0, (const char *)b.data);
	assert_int_equal(load(uri, &s, -1, &err), DLT_OK);
	assert_int_equal(s->n_files, n);
	int64_t sum = 0, rows = 0;
	for (size_t i = 0; i < s->n_files; i++) {
		sum += s->files[i].size;
		rows += s->files[i].num_records;
	}
	assert_int_equal(sum, (int64_t)n * (n + 1) / 2);
	assert_int_equal(rows, (int64_t)n * (n - 1) / 2);
	dlt_snapshot_free(s);
	/* break line 50003 (2 header lines, then adds): named by number */
	char *p = (char *)b.data;
	for (int line = 1; line < 50003; line++)
		p = strchr(p, '\n') + 1;
	p[0] = '[';
	commit(st, 0, (const char *)b.data);
	expect_error(uri, DLT_ECORRUPT, "line 50003", "00000000000000000000.json");
	dlt_buf_dispose(&b);
	dlt_storage_free(st);
}

static void test_log_unsupported_reader_feature_refused(void **state)
{
	char uri[64];
	dlt_storage *st = store(uri, sizeof(uri));
	(void)state;
	commit(st, 0, "{\"protocol\":{\"minReaderVersion\":3,\"minWriterVersion\":7,"
	       "\"readerFeatures\":[\"deletionVectors\",\"catalogManaged\"],"
	       "\"writerFeatures\":[\"deletionVectors\",\"catalogManaged\"]}}\n" META);
	expect_error(uri, DLT_EUNSUPPORTED, "catalogManaged", NULL);
	commit(st, 0, "{\"protocol\":{\"minReaderVersion\":4,\"minWriterVersion\":7}}\n" META);
	expect_error(uri, DLT_EUNSUPPORTED, "reader version 4", NULL);
	dlt_storage_free(st);
}

static void test_log_not_a_table(void **state)
{
	char uri[64];
	dlt_storage *st = store(uri, sizeof(uri));
	dlt_table *t = NULL;
	dlt_error err;
	(void)state;
	put(st, "x/_delta_log/readme.txt", "hi");
	assert_int_equal(dlt_table_open(&t, uri, NULL, &err), DLT_ENOTFOUND);
	assert_null(t);
	dlt_storage_free(st);
}

static void test_log_version_out_of_range(void **state)
{
	char uri[64];
	dlt_storage *st = store(uri, sizeof(uri));
	dlt_snapshot *s;
	dlt_error err;
	(void)state;
	commit(st, 0, PROTO META);
	assert_int_equal(load(uri, &s, 5, &err), DLT_ENOTFOUND);
	assert_non_null(strstr(err.message, "version 5"));
	dlt_storage_free(st);
}

static void test_log_timestamp_travel_ict(void **state)
{
	char uri[64];
	dlt_storage *st = store(uri, sizeof(uri));
	dlt_table *t;
	dlt_snapshot *s;
	dlt_error err;
	(void)state;
	/* in-commit timestamps enabled from version 0: file mtimes do not matter */
	commit(st, 0, "{\"commitInfo\":{\"inCommitTimestamp\":1000,\"operation\":\"CREATE\"}}\n"
	       PROTO
	       "{\"metaData\":{\"id\":\"x\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"
	       "\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":[]}\","
	       "\"partitionColumns\":[],\"configuration\":{\"delta.enableInCommitTimestamps\":"
	       "\"true\"}}}\n");
	commit(st, 1, "{\"commitInfo\":{\"inCommitTimestamp\":2000,\"operation\":\"WRITE\"}}\n"
	       ADD("a", 1));
	commit(st, 2, "{\"commitInfo\":{\"inCommitTimestamp\":3000,\"operation\":\"WRITE\"}}\n"
	       ADD("b", 1));
	assert_int_equal(dlt_table_open(&t, uri, NULL, &err), DLT_OK);
	assert_int_equal(dlt_table_snapshot_at(&s, t, 2500, &err), DLT_OK);
	assert_int_equal(dlt_snapshot_version(s), 1);
	assert_int_equal(dlt_snapshot_timestamp(s), 2000);
	dlt_snapshot_free(s);
	assert_int_equal(dlt_table_snapshot_at(&s, t, 3000, &err), DLT_OK);
	assert_int_equal(dlt_snapshot_version(s), 2);
	dlt_snapshot_free(s);
	assert_int_equal(dlt_table_snapshot_at(&s, t, 99999, &err), DLT_OK);
	assert_int_equal(dlt_snapshot_version(s), 2);
	dlt_snapshot_free(s);
	assert_int_equal(dlt_table_snapshot_at(&s, t, 1000, &err), DLT_OK);
	assert_int_equal(dlt_snapshot_version(s), 0);
	dlt_snapshot_free(s);
	assert_int_equal(dlt_table_snapshot_at(&s, t, 999, &err), DLT_ENOTFOUND);

	/* history: newest first, with operation and parameters */
	struct ArrowArrayStream hs;
	struct ArrowArray b;
	assert_int_equal(dlt_table_history(&hs, t, 2, &err), DLT_OK);
	assert_int_equal(hs.get_next(&hs, &b), 0);
	assert_int_equal(b.length, 2);
	const int64_t *ver = b.children[0]->buffers[1];
	const int64_t *ts = b.children[1]->buffers[1];
	assert_int_equal(ver[0], 2);
	assert_int_equal(ts[0], 3000);
	assert_int_equal(ver[1], 1);
	b.release(&b);
	hs.release(&hs);
	dlt_table_free(t);
	dlt_storage_free(st);
}

static void test_log_timestamp_travel_mtime(void **state)
{
	char uri[64];
	dlt_storage *st = store(uri, sizeof(uri));
	dlt_table *t;
	dlt_snapshot *s;
	dlt_error err;
	(void)state;
	commit(st, 0, PROTO META);
	commit(st, 1, ADD("a", 1));
	assert_int_equal(dlt_table_open(&t, uri, NULL, &err), DLT_OK);
	/* both written just now: far future gives the latest, far past nothing */
	assert_int_equal(dlt_table_snapshot_at(&s, t, INT64_MAX / 2, &err), DLT_OK);
	assert_int_equal(dlt_snapshot_version(s), 1);
	dlt_snapshot_free(s);
	assert_int_equal(dlt_table_snapshot_at(&s, t, 0, &err), DLT_ENOTFOUND);
	dlt_table_free(t);
	dlt_storage_free(st);
}

static void test_log_update_incremental_and_domains(void **state)
{
	char uri[64];
	dlt_storage *st = store(uri, sizeof(uri));
	dlt_table *t;
	dlt_snapshot *s0, *s2, *same;
	const char *conf;
	dlt_error err;
	(void)state;
	commit(st, 0, PROTO META ADD("a", 1)
	       "{\"domainMetadata\":{\"domain\":\"d1\",\"configuration\":\"{}\",\"removed\":false}}\n"
	       "{\"domainMetadata\":{\"domain\":\"d2\",\"configuration\":\"{\\\"k\\\":1}\","
	       "\"removed\":false}}\n");
	assert_int_equal(dlt_table_open(&t, uri, NULL, &err), DLT_OK);
	assert_int_equal(dlt_table_snapshot(&s0, t, -1, &err), DLT_OK);
	assert_int_equal(s0->n_domains, 2);
	commit(st, 1, ADD("b", 1)
	       "{\"domainMetadata\":{\"domain\":\"d1\",\"configuration\":\"{}\",\"removed\":true}}\n");
	commit(st, 2, "{\"remove\":{\"path\":\"a\",\"dataChange\":true}}\n" ADD("c", 1));
	assert_int_equal(dlt_snapshot_update(&s2, s0, -1, &err), DLT_OK);
	assert_int_equal(dlt_snapshot_version(s2), 2);
	assert_int_equal(dlt_snapshot_num_files(s2), 2);
	assert_string_equal(s2->files[0].path, "b");
	assert_string_equal(s2->files[1].path, "c");
	assert_int_equal(dlt_snapshot_domain_metadata(&conf, s2, "d1", &err), DLT_ENOTFOUND);
	assert_int_equal(dlt_snapshot_domain_metadata(&conf, s2, "d2", &err), DLT_OK);
	assert_string_equal(conf, "{\"k\":1}");
	dlt_snapshot_free(s0); /* s2 keeps what it borrows alive */
	assert_int_equal(dlt_snapshot_update(&same, s2, -1, &err), DLT_OK);
	assert_ptr_equal(same, s2);
	dlt_snapshot_free(same);
	assert_string_equal(s2->files[0].path, "b");
	dlt_snapshot_free(s2);
	dlt_table_free(t);
	dlt_storage_free(st);
}

static void test_log_dv_keys_distinct(void **state)
{
	char uri[64];
	dlt_storage *st = store(uri, sizeof(uri));
	dlt_snapshot *s;
	dlt_error err;
	(void)state;
	/* same path, a DV added: remove(no DV) + add(DV) leaves one live file */
	commit(st, 0, PROTO META ADD("a", 5));
	commit(st, 1, "{\"remove\":{\"path\":\"a\",\"dataChange\":true}}\n"
	       "{\"add\":{\"path\":\"a\",\"partitionValues\":{},\"size\":10,\"modificationTime\":1,"
	       "\"dataChange\":true,\"stats\":\"{\\\"numRecords\\\":5}\",\"deletionVector\":"
	       "{\"storageType\":\"i\",\"pathOrInlineDv\":\"wi5b=000010000siXQKl0rr91000f55c8Xg0@"
	       "(ecu\",\"sizeInBytes\":40,\"cardinality\":2}}}\n");
	assert_int_equal(load(uri, &s, -1, &err), DLT_OK);
	assert_int_equal(dlt_snapshot_num_files(s), 1);
	assert_int_equal(s->files[0].dv.storage_type, 'i');
	assert_int_equal(s->files[0].dv.cardinality, 2);
	assert_int_equal(s->n_tombstones, 1);
	dlt_snapshot_free(s);
	dlt_storage_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_simple_table_reads),
		cmocka_unit_test(test_log_truncated_json_names_file_and_line),
		cmocka_unit_test(test_log_missing_commit_in_middle_is_gap),
		cmocka_unit_test(test_log_checkpoint_gone_falls_back_or_fails),
		cmocka_unit_test(test_log_corrupt_last_checkpoint_ignored),
		cmocka_unit_test(test_log_wrong_types_rejected),
		cmocka_unit_test(test_log_path_escaping_root_refused),
		cmocka_unit_test(test_log_huge_line_no_crash),
		cmocka_unit_test(test_log_big_commit_windows),
		cmocka_unit_test(test_log_unsupported_reader_feature_refused),
		cmocka_unit_test(test_log_not_a_table),
		cmocka_unit_test(test_log_version_out_of_range),
		cmocka_unit_test(test_log_timestamp_travel_ict),
		cmocka_unit_test(test_log_timestamp_travel_mtime),
		cmocka_unit_test(test_log_update_incremental_and_domains),
		cmocka_unit_test(test_log_dv_keys_distinct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
