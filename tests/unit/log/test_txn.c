/* Transactions: create, action JSON round trips, commitInfo, conflicts
 * (blind appends commute, overwrites, delete vs append under both isolation
 * levels, app ids, metadata), fault injection, in-commit timestamps,
 * protocol on write, checksum files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "deltalite.h"
#include "log/txn.h"
#include "util/util.h"

#define SCHEMA                                                                              \
	"{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"long\",\"nullable\":true," \
	"\"metadata\":{}},{\"name\":\"p\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]}"

static int n_mem;

/* A fresh memory table location (uri into buf). */
static dlt_table *mem_location(char *uri, size_t cap)
{
	dlt_table *t = NULL;
	dlt_error err;
	snprintf(uri, cap, "memory://txn_test_%d", n_mem++);
	assert_int_equal(dlt_table_open_location(&t, uri, NULL, &err), DLT_OK);
	return t;
}

static void stage_md(dlt_txn *txn, const dlt_kv *conf, size_t nconf, bool partitioned)
{
	dlt_txn_metadata md = DLT_TXN_METADATA_INIT;
	const char *pc[] = { "p" };
	dlt_error err;
	md.schema_string = SCHEMA;
	md.partition_columns = pc;
	md.n_partition_columns = partitioned ? 1 : 0;
	md.configuration = conf;
	md.n_configuration = nconf;
	assert_int_equal(dlt_txn_set_metadata(txn, &md, &err), DLT_OK);
}

static void add(dlt_txn *txn, const char *path, const char *p, int64_t rows)
{
	dlt_txn_file f = DLT_TXN_FILE_INIT;
	dlt_kv pv = { "p", p };
	char stats[64];
	dlt_error err;
	snprintf(stats, sizeof(stats), "{\"numRecords\":%" PRId64 "}", rows);
	f.path = path;
	f.partition_values = &pv;
	f.n_partition_values = p ? 1 : 0;
	f.size = 100;
	f.modification_time = 5;
	f.stats = stats;
	assert_int_equal(dlt_txn_add_file(txn, &f, &err), DLT_OK);
}

/* Create a table (version 0) with files in partitions (p may be NULL: unpartitioned). */
static dlt_table *create(char *uri, size_t cap, const dlt_kv *conf, size_t nconf,
                         bool partitioned)
{
	dlt_table *t = mem_location(uri, cap);
	dlt_txn *txn = NULL;
	dlt_error err;
	int64_t v = -1;
	assert_int_equal(dlt_txn_begin(&txn, t, NULL, &err), DLT_OK);
	assert_int_equal(dlt_txn_read_version(txn), -1);
	assert_null(dlt_txn_snapshot(txn));
	stage_md(txn, conf, nconf, partitioned);
	add(txn, partitioned ? "p=a/f0.parquet" : "f0.parquet", partitioned ? "a" : NULL, 10);
	add(txn, partitioned ? "p=b/f1.parquet" : "f1.parquet", partitioned ? "b" : NULL, 20);
	assert_int_equal(dlt_txn_commit(&v, txn, &err), DLT_OK);
	assert_int_equal(v, 0);
	dlt_txn_free(txn);
	return t;
}

static int64_t latest(dlt_table *t)
{
	dlt_snapshot *s = NULL;
	dlt_error err;
	int64_t v;
	assert_int_equal(dlt_table_snapshot(&s, t, -1, &err), DLT_OK);
	v = dlt_snapshot_version(s);
	dlt_snapshot_free(s);
	return v;
}

static char *read_key(dlt_table *t, const char *key)
{
	dlt_bytes b = DLT_BYTES_INIT;
	dlt_error err;
	char *s;
	assert_int_equal(dlt_storage_get(&b, dlt_table_storage(t), key, &err), DLT_OK);
	s = dlt_strndup((const char *)b.data, b.len);
	dlt_bytes_dispose(&b);
	return s;
}

static void test_txn_create_table_opens(void **state)
{
	char uri[64], *c0;
	dlt_table *t, *t2 = NULL;
	dlt_snapshot *s = NULL;
	dlt_protocol_info pi;
	dlt_log_crc crc;
	dlt_error err;
	(void)state;
	t = create(uri, sizeof(uri), NULL, 0, true);
	assert_int_equal(dlt_table_open(&t2, uri, NULL, &err), DLT_OK);
	assert_int_equal(dlt_table_snapshot(&s, t2, -1, &err), DLT_OK);
	assert_int_equal(dlt_snapshot_version(s), 0);
	assert_int_equal(dlt_snapshot_num_files(s), 2);
	dlt_snapshot_protocol(&pi, s);
	assert_int_equal(pi.min_reader_version, 1);
	assert_int_equal(pi.min_writer_version, 2);
	c0 = read_key(t, "_delta_log/00000000000000000000.json");
	assert_int_equal(strncmp(c0, "{\"commitInfo\":{", 15), 0);
	assert_non_null(strstr(c0, "\"engineInfo\":\"deltalite/" DLT_VERSION_STRING "\""));
	assert_non_null(strstr(c0, "\"isBlindAppend\":true"));
	assert_non_null(strstr(c0, "\"numFiles\":\"2\""));
	assert_non_null(strstr(c0, "\"numOutputRows\":\"30\""));
	assert_non_null(strstr(c0, "\"numOutputBytes\":\"200\""));
	assert_non_null(strstr(c0, "\"isolationLevel\":\"WriteSerializable\""));
	assert_null(strstr(c0, "readVersion"));
	dlt_free(c0);
	assert_int_equal(dlt_log__crc_read(&crc, dlt_table_storage(t), 0, &err), DLT_OK);
	assert_int_equal(crc.num_files, 2);
	assert_int_equal(crc.table_size_bytes, 200);
	assert_true(dlt_log__crc_matches(&crc, s));
	dlt_log__crc_dispose(&crc);
	dlt_snapshot_free(s);
	dlt_table_free(t2);
	dlt_table_free(t);
}

static void test_txn_new_table_needs_metadata(void **state)
{
	char uri[64];
	dlt_table *t = mem_location(uri, sizeof(uri));
	dlt_txn *txn = NULL;
	dlt_error err;
	(void)state;
	assert_int_equal(dlt_txn_begin(&txn, t, NULL, &err), DLT_OK);
	add(txn, "x.parquet", NULL, 1);
	assert_int_equal(dlt_txn_commit(NULL, txn, &err), DLT_EINVAL);
	assert_non_null(strstr(err.message, "metadata"));
	dlt_txn_free(txn);
	dlt_table_free(t);
}

/* ---------------------------------------------------------- round trip -- */

typedef struct rt {
	dlt_log_action a[16];
	char *paths[16];
	char *json[16];
	char *stats[16];
	size_t n;
	char pv[16][4][2][32];
	int npv[16];
	bool pv_null[16][4];
} rt;

static int rt_cb(const dlt_log_action *a, void *payload, dlt_error *err)
{
	rt *r = payload;
	(void)err;
	r->a[r->n] = *a;
	r->paths[r->n] = a->file.path ? dlt_strdup(a->file.path) : NULL;
	r->json[r->n] = a->json ? dlt_strdup(a->json) : NULL;
	r->stats[r->n] = a->file.stats ? dlt_strdup(a->file.stats) : NULL;
	r->npv[r->n] = 0;
	if ((a->kind == DLT_LOG_ADD || a->kind == DLT_LOG_REMOVE || a->kind == DLT_LOG_CDC) &&
	    a->file.partition_values) {
		for (size_t i = 0; i < a->file.partition_values->n && i < 4; i++) {
			snprintf(r->pv[r->n][i][0], 32, "%s", a->file.partition_values->kv[i].key);
			r->pv_null[r->n][i] = a->file.partition_values->kv[i].value == NULL;
			snprintf(r->pv[r->n][i][1], 32, "%s",
			         a->file.partition_values->kv[i].value ? a->file.partition_values->kv[i].value
			                                               : "");
			r->npv[r->n]++;
		}
	}
	r->n++;
	return DLT_OK;
}

static void test_txn_actions_round_trip(void **state)
{
	dlt_buf b = DLT_BUF_INIT;
	dlt_log_action a;
	dlt_log_kv pvkv[2] = { { "p", "x y%z/é" }, { "q", NULL } };
	dlt_log_kvs pv = { 2, pvkv };
	dlt_log_kv tagkv[1] = { { "t", "v\"\n" } };
	dlt_log_kvs tags = { 1, tagkv };
	const char *rf[] = { "deletionVectors" }, *wf[] = { "deletionVectors", "appendOnly" };
	const char *pc[] = { "p" };
	dlt_log_kv confkv[1] = { { "delta.appendOnly", "false" } };
	rt *r = calloc(1, sizeof(*r));
	dlt_error err;
	(void)state;

	memset(&a, 0, sizeof(a));
	a.kind = DLT_LOG_ADD;
	a.file.path = "p=x y%z/part 1#.parquet";
	a.file.partition_values = &pv;
	a.file.size = 1234;
	a.file.modification_time = 99;
	a.file.stats = "{\"numRecords\":7,\"minValues\":{\"a\":\"\\u0001\"}}";
	a.file.tags = &tags;
	a.file.dv.storage_type = 'u';
	a.file.dv.path_or_inline_dv = "ab^-aqEH.-t@S}K{vb[*k^";
	a.file.dv.offset = 4;
	a.file.dv.size_in_bytes = 40;
	a.file.dv.cardinality = 6;
	a.file.dv.max_row_index = -1;
	a.file.base_row_id = 17;
	a.file.default_row_commit_version = 3;
	a.file.flags = DLT_LOG_FILE_DATA_CHANGE | DLT_LOG_FILE_HAS_BASE_ROW_ID |
	               DLT_LOG_FILE_HAS_ROW_COMMIT_V;
	assert_int_equal(dlt_log__write_action(&b, &a, &err), DLT_OK);
	a.kind = DLT_LOG_REMOVE;
	a.file.flags = DLT_LOG_FILE_EXTENDED_METADATA;
	a.file.modification_time = 55;
	a.file.dv.storage_type = 0;
	assert_int_equal(dlt_log__write_action(&b, &a, &err), DLT_OK);
	a.kind = DLT_LOG_CDC;
	a.file.path = "_change_data/c.parquet";
	a.file.tags = NULL;
	assert_int_equal(dlt_log__write_action(&b, &a, &err), DLT_OK);
	memset(&a, 0, sizeof(a));
	a.kind = DLT_LOG_PROTOCOL;
	a.protocol.min_reader_version = 3;
	a.protocol.min_writer_version = 7;
	a.protocol.has_reader_features = a.protocol.has_writer_features = true;
	a.protocol.reader_features = rf;
	a.protocol.n_reader_features = 1;
	a.protocol.writer_features = wf;
	a.protocol.n_writer_features = 2;
	assert_int_equal(dlt_log__write_action(&b, &a, &err), DLT_OK);
	memset(&a, 0, sizeof(a));
	a.kind = DLT_LOG_METADATA;
	a.metadata.id = "id-1";
	a.metadata.name = "n\\ame";
	a.metadata.schema_string = SCHEMA;
	a.metadata.partition_columns = pc;
	a.metadata.n_partition_columns = 1;
	a.metadata.configuration.n = 1;
	a.metadata.configuration.kv = confkv;
	a.metadata.created_time = 77;
	assert_int_equal(dlt_log__write_action(&b, &a, &err), DLT_OK);
	memset(&a, 0, sizeof(a));
	a.kind = DLT_LOG_TXN;
	a.txn.app_id = "app";
	a.txn.version = 42;
	a.txn.last_updated = 9;
	assert_int_equal(dlt_log__write_action(&b, &a, &err), DLT_OK);
	memset(&a, 0, sizeof(a));
	a.kind = DLT_LOG_DOMAIN_METADATA;
	a.domain.domain = "dom";
	a.domain.configuration = "{\"k\":1}";
	a.removed = true;
	assert_int_equal(dlt_log__write_action(&b, &a, &err), DLT_OK);
	memset(&a, 0, sizeof(a));
	a.kind = DLT_LOG_COMMIT_INFO;
	a.json = "{\"timestamp\":5,\"operation\":\"X\",\"inCommitTimestamp\":6}";
	assert_int_equal(dlt_log__write_action(&b, &a, &err), DLT_OK);
	memset(&a, 0, sizeof(a));
	a.kind = DLT_LOG_CHECKPOINT_METADATA;
	a.version = 12;
	assert_int_equal(dlt_log__write_action(&b, &a, &err), DLT_OK);
	memset(&a, 0, sizeof(a));
	a.kind = DLT_LOG_SIDECAR;
	a.file.path = "s1.parquet";
	a.file.size = 10;
	a.file.modification_time = 11;
	assert_int_equal(dlt_log__write_action(&b, &a, &err), DLT_OK);

	assert_int_equal(dlt_log__parse_actions((const char *)b.data, b.len, "rt", rt_cb, r, &err),
	                 DLT_OK);
	assert_int_equal(r->n, 10);
	/* add */
	assert_int_equal(r->a[0].kind, DLT_LOG_ADD);
	assert_string_equal(r->paths[0], "p=x y%z/part 1#.parquet");
	assert_int_equal(r->npv[0], 2);
	assert_string_equal(r->pv[0][0][1], "x y%z/é");
	assert_true(r->pv_null[0][1]);
	assert_int_equal(r->a[0].file.size, 1234);
	assert_int_equal(r->a[0].file.modification_time, 99);
	assert_string_equal(r->stats[0], "{\"numRecords\":7,\"minValues\":{\"a\":\"\\u0001\"}}");
	assert_int_equal(r->a[0].file.num_records, 7);
	assert_int_equal(r->a[0].file.dv.storage_type, 'u');
	assert_int_equal(r->a[0].file.dv.offset, 4);
	assert_int_equal(r->a[0].file.dv.cardinality, 6);
	assert_int_equal(r->a[0].file.base_row_id, 17);
	assert_int_equal(r->a[0].file.default_row_commit_version, 3);
	assert_true(r->a[0].file.flags & DLT_LOG_FILE_DATA_CHANGE);
	/* remove */
	assert_int_equal(r->a[1].kind, DLT_LOG_REMOVE);
	assert_int_equal(r->a[1].file.modification_time, 55);
	assert_false(r->a[1].file.flags & DLT_LOG_FILE_DATA_CHANGE);
	assert_true(r->a[1].file.flags & DLT_LOG_FILE_EXTENDED_METADATA);
	assert_int_equal(r->a[1].file.size, 1234);
	assert_int_equal(r->npv[1], 2);
	/* cdc */
	assert_int_equal(r->a[2].kind, DLT_LOG_CDC);
	assert_string_equal(r->paths[2], "_change_data/c.parquet");
	/* protocol, metadata, txn, domain, commitInfo, checkpointMetadata, sidecar */
	assert_int_equal(r->a[3].kind, DLT_LOG_PROTOCOL);
	assert_int_equal(r->a[4].kind, DLT_LOG_METADATA);
	assert_int_equal(r->a[4].metadata.created_time, 77);
	assert_int_equal(r->a[5].kind, DLT_LOG_TXN);
	assert_int_equal(r->a[5].txn.version, 42);
	assert_int_equal(r->a[5].txn.last_updated, 9);
	assert_int_equal(r->a[6].kind, DLT_LOG_DOMAIN_METADATA);
	assert_true(r->a[6].removed);
	assert_int_equal(r->a[7].kind, DLT_LOG_COMMIT_INFO);
	assert_int_equal(r->a[7].ict, 6);
	assert_int_equal(r->a[8].kind, DLT_LOG_CHECKPOINT_METADATA);
	assert_int_equal(r->a[8].version, 12);
	assert_int_equal(r->a[9].kind, DLT_LOG_SIDECAR);
	assert_int_equal(r->a[9].file.size, 10);
	for (size_t i = 0; i < r->n; i++) {
		dlt_free(r->paths[i]);
		dlt_free(r->json[i]);
		dlt_free(r->stats[i]);
	}
	/* protocol/metadata/txn/domain fields: parse again to check strings in place */
	{
		char *text = dlt_strndup((const char *)b.data, b.len);
		assert_non_null(strstr(text, "\"readerFeatures\":[\"deletionVectors\"]"));
		assert_non_null(strstr(text, "\"writerFeatures\":[\"deletionVectors\",\"appendOnly\"]"));
		assert_non_null(strstr(text, "\"path\":\"p=x%20y%25z/part%201%23.parquet\""));
		assert_non_null(strstr(text, "\"name\":\"n\\\\ame\""));
		assert_non_null(strstr(text, "\"configuration\":\"{\\\"k\\\":1}\""));
		dlt_free(text);
	}
	free(r);
	dlt_buf_dispose(&b);
}

/* ----------------------------------------------------------- conflicts -- */

static dlt_txn *begin(dlt_table *t, dlt_isolation_level iso)
{
	dlt_txn_options o = DLT_TXN_OPTIONS_INIT;
	dlt_txn *txn = NULL;
	dlt_error err;
	o.isolation = iso;
	assert_int_equal(dlt_txn_begin(&txn, t, &o, &err), DLT_OK);
	return txn;
}

static void test_txn_blind_appends_commute(void **state)
{
	char uri[64];
	dlt_table *t = create(uri, sizeof(uri), NULL, 0, true);
	dlt_txn *a = begin(t, DLT_ISOLATION_SERIALIZABLE), *b = begin(t, DLT_ISOLATION_SERIALIZABLE);
	dlt_error err;
	int64_t v;
	(void)state;
	add(a, "p=a/x.parquet", "a", 1);
	add(b, "p=a/y.parquet", "a", 1);
	assert_int_equal(dlt_txn_commit(&v, a, &err), DLT_OK);
	assert_int_equal(v, 1);
	assert_int_equal(dlt_txn_commit(&v, b, &err), DLT_OK);
	assert_int_equal(v, 2);
	assert_int_equal(dlt_txn_attempts(b), 2);
	assert_int_equal(dlt_txn_commit(&v, b, &err), DLT_EINVAL);
	dlt_txn_free(a);
	dlt_txn_free(b);
	{
		char *c2 = read_key(t, "_delta_log/00000000000000000002.json");
		assert_non_null(strstr(c2, "\"readVersion\":0"));
		dlt_free(c2);
	}
	dlt_table_free(t);
}

static void overwrite(dlt_txn *txn, const char *newfile)
{
	dlt_error err;
	dlt_txn_read_whole_table(txn);
	assert_int_equal(dlt_log__txn_remove_all(txn, true, &err), DLT_OK);
	add(txn, newfile, "a", 5);
	assert_int_equal(dlt_txn_set_operation(txn, "WRITE", "{\"mode\":\"Overwrite\"}", &err),
	                 DLT_OK);
}

static void test_txn_two_overwrites_conflict(void **state)
{
	char uri[64];
	dlt_table *t = create(uri, sizeof(uri), NULL, 0, true);
	dlt_txn *a = begin(t, DLT_ISOLATION_DEFAULT), *b = begin(t, DLT_ISOLATION_DEFAULT);
	dlt_error err;
	int64_t v;
	(void)state;
	overwrite(a, "p=a/o1.parquet");
	overwrite(b, "p=a/o2.parquet");
	assert_int_equal(dlt_txn_commit(&v, a, &err), DLT_OK);
	assert_int_equal(dlt_txn_commit(&v, b, &err), DLT_ECONFLICT);
	assert_non_null(strstr(err.message, "version 1 (WRITE)"));
	assert_non_null(strstr(err.message, "concurrent append"));
	assert_int_equal(latest(t), 1);
	dlt_txn_free(a);
	dlt_txn_free(b);
	dlt_table_free(t);
}

static void test_txn_remove_same_file_conflicts(void **state)
{
	char uri[64];
	dlt_table *t = create(uri, sizeof(uri), NULL, 0, true);
	dlt_txn *a = begin(t, DLT_ISOLATION_DEFAULT), *b = begin(t, DLT_ISOLATION_DEFAULT);
	dlt_error err;
	(void)state;
	/* b removes without declaring reads (e.g. a compaction): delete-delete */
	assert_int_equal(dlt_txn_remove_live_file(a, "p=a/f0.parquet", 1, &err), DLT_OK);
	{
		dlt_txn_file f = DLT_TXN_FILE_INIT;
		f.path = "p=a/f0.parquet";
		f.data_change = 0;
		assert_int_equal(dlt_txn_remove_file(b, &f, &err), DLT_OK);
	}
	assert_int_equal(dlt_txn_remove_live_file(a, "nope", 1, &err), DLT_ENOTFOUND);
	assert_int_equal(dlt_txn_commit(NULL, a, &err), DLT_OK);
	assert_int_equal(dlt_txn_commit(NULL, b, &err), DLT_ECONFLICT);
	assert_non_null(strstr(err.message, "delete-delete"));
	assert_non_null(strstr(err.message, "p=a/f0.parquet"));
	dlt_txn_free(a);
	dlt_txn_free(b);
	dlt_table_free(t);
}

/* A delete reads p = 'a' and removes its file; a blind append into p=a wins. */
static int delete_vs_append(dlt_isolation_level iso, const char *append_part, dlt_error *err)
{
	char uri[64], path[64];
	dlt_table *t = create(uri, sizeof(uri), NULL, 0, true);
	dlt_txn *del = begin(t, iso), *app = begin(t, DLT_ISOLATION_DEFAULT);
	dlt_expr *pred = NULL;
	int rc;
	assert_int_equal(dlt_expr_parse(&pred, "p = 'a'", err), DLT_OK);
	assert_int_equal(dlt_txn_read_predicate(del, pred, err), DLT_OK);
	assert_int_equal(dlt_txn_remove_live_file(del, "p=a/f0.parquet", 1, err), DLT_OK);
	assert_int_equal(dlt_txn_set_operation(del, "DELETE", "{\"predicate\":\"p = 'a'\"}", err),
	                 DLT_OK);
	snprintf(path, sizeof(path), "p=%s/new.parquet", append_part);
	add(app, path, append_part, 3);
	assert_int_equal(dlt_txn_commit(NULL, app, err), DLT_OK);
	rc = dlt_txn_commit(NULL, del, err);
	dlt_expr_free(pred);
	dlt_txn_free(del);
	dlt_txn_free(app);
	dlt_table_free(t);
	return rc;
}

static void test_txn_delete_racing_append(void **state)
{
	dlt_error err;
	(void)state;
	/* Serializable: the appended file matches the delete's predicate */
	assert_int_equal(delete_vs_append(DLT_ISOLATION_SERIALIZABLE, "a", &err), DLT_ECONFLICT);
	assert_non_null(strstr(err.message, "concurrent append"));
	assert_non_null(strstr(err.message, "p=a/new.parquet"));
	/* Serializable, append into another partition: no conflict */
	assert_int_equal(delete_vs_append(DLT_ISOLATION_SERIALIZABLE, "b", &err), DLT_OK);
	/* WriteSerializable: a blind append commutes with the delete */
	assert_int_equal(delete_vs_append(DLT_ISOLATION_WRITE_SERIALIZABLE, "a", &err), DLT_OK);
}

static void test_txn_delete_read_conflict(void **state)
{
	char uri[64];
	dlt_table *t = create(uri, sizeof(uri), NULL, 0, true);
	dlt_txn *upd = begin(t, DLT_ISOLATION_WRITE_SERIALIZABLE), *del = begin(t, DLT_ISOLATION_DEFAULT);
	dlt_error err;
	(void)state;
	/* upd read f1 (and writes a new file); del removes f1 first */
	assert_int_equal(dlt_txn_read_file(upd, "p=b/f1.parquet", &err), DLT_OK);
	add(upd, "p=b/u.parquet", "b", 1);
	assert_int_equal(dlt_txn_remove_live_file(del, "p=b/f1.parquet", 1, &err), DLT_OK);
	assert_int_equal(dlt_txn_commit(NULL, del, &err), DLT_OK);
	assert_int_equal(dlt_txn_commit(NULL, upd, &err), DLT_ECONFLICT);
	assert_non_null(strstr(err.message, "delete-read"));
	dlt_txn_free(upd);
	dlt_txn_free(del);
	dlt_table_free(t);
}

static void test_txn_app_id(void **state)
{
	char uri[64];
	dlt_table *t = create(uri, sizeof(uri), NULL, 0, false);
	dlt_txn_options o = DLT_TXN_OPTIONS_INIT;
	dlt_txn *a = NULL, *b = NULL;
	dlt_snapshot *s = NULL;
	dlt_error err;
	int64_t v = -1;
	(void)state;
	o.app_id = "ingest";
	o.app_version = 1;
	assert_int_equal(dlt_txn_begin(&a, t, &o, &err), DLT_OK);
	o.app_version = 2;
	assert_int_equal(dlt_txn_begin(&b, t, &o, &err), DLT_OK);
	add(a, "x.parquet", NULL, 1);
	add(b, "y.parquet", NULL, 1);
	assert_int_equal(dlt_txn_commit(NULL, a, &err), DLT_OK);
	assert_int_equal(dlt_txn_commit(NULL, b, &err), DLT_ECONFLICT);
	assert_non_null(strstr(err.message, "application id 'ingest'"));
	assert_int_equal(dlt_table_snapshot(&s, t, -1, &err), DLT_OK);
	assert_int_equal(dlt_snapshot_app_txn_version(&v, s, "ingest", &err), DLT_OK);
	assert_int_equal(v, 1);
	dlt_snapshot_free(s);
	dlt_txn_free(a);
	dlt_txn_free(b);
	dlt_table_free(t);
}

static void test_txn_metadata_change_conflicts(void **state)
{
	char uri[64];
	dlt_table *t = create(uri, sizeof(uri), NULL, 0, false);
	dlt_txn *a = begin(t, DLT_ISOLATION_DEFAULT), *b = begin(t, DLT_ISOLATION_DEFAULT);
	dlt_kv conf = { "delta.logRetentionDuration", "interval 1 days" };
	dlt_error err;
	(void)state;
	stage_md(a, &conf, 1, false);
	add(b, "y.parquet", NULL, 1);
	assert_int_equal(dlt_txn_commit(NULL, a, &err), DLT_OK);
	assert_int_equal(dlt_txn_commit(NULL, b, &err), DLT_ECONFLICT);
	assert_non_null(strstr(err.message, "metadata"));
	dlt_txn_free(a);
	dlt_txn_free(b);
	dlt_table_free(t);
}

static void test_txn_domain_conflict(void **state)
{
	char uri[64];
	dlt_table *t = create(uri, sizeof(uri), NULL, 0, false);
	dlt_txn *a = begin(t, DLT_ISOLATION_DEFAULT), *b, *c;
	dlt_snapshot *s = NULL;
	const char *cfg = NULL;
	dlt_error err;
	(void)state;
	/* the first domain commit upgrades the protocol (domainMetadata feature) */
	assert_int_equal(dlt_txn_set_domain_metadata(a, "d1", "{\"x\":1}", 0, &err), DLT_OK);
	assert_int_equal(dlt_txn_commit(NULL, a, &err), DLT_OK);
	b = begin(t, DLT_ISOLATION_DEFAULT);
	c = begin(t, DLT_ISOLATION_DEFAULT);
	assert_int_equal(dlt_txn_set_domain_metadata(b, "d1", "{\"x\":2}", 0, &err), DLT_OK);
	assert_int_equal(dlt_txn_set_domain_metadata(c, "d1", "{\"x\":3}", 0, &err), DLT_OK);
	assert_int_equal(dlt_txn_commit(NULL, b, &err), DLT_OK);
	assert_int_equal(dlt_txn_commit(NULL, c, &err), DLT_ECONFLICT);
	assert_non_null(strstr(err.message, "domain 'd1'"));
	assert_int_equal(dlt_table_snapshot(&s, t, -1, &err), DLT_OK);
	assert_int_equal(dlt_snapshot_domain_metadata(&cfg, s, "d1", &err), DLT_OK);
	assert_string_equal(cfg, "{\"x\":2}");
	dlt_snapshot_free(s);
	dlt_txn_free(a);
	dlt_txn_free(b);
	dlt_txn_free(c);
	dlt_table_free(t);
}

/* ------------------------------------------------------ fault injection -- */

static void test_txn_fault_injection(void **state)
{
	char uri[64];
	dlt_table *t0 = create(uri, sizeof(uri), NULL, 0, false), *t = NULL;
	dlt_storage *inner = NULL, *fs = NULL;
	dlt_txn *a = NULL;
	dlt_error err;
	int64_t v;
	const char *blind = "{\"commitInfo\":{\"operation\":\"WRITE\",\"isBlindAppend\":true}}\n"
	                    "{\"add\":{\"path\":\"w.parquet\",\"partitionValues\":{},\"size\":1,"
	                    "\"modificationTime\":1,\"dataChange\":true}}\n";
	const char *meta = "{\"commitInfo\":{\"operation\":\"SET TBLPROPERTIES\"}}\n"
	                   "{\"metaData\":{\"id\":\"zz\",\"format\":{\"provider\":\"parquet\","
	                   "\"options\":{}},\"schemaString\":\"{\\\"type\\\":\\\"struct\\\","
	                   "\\\"fields\\\":[]}\",\"partitionColumns\":[],\"configuration\":{}}}\n";
	(void)state;
	assert_int_equal(dlt_storage_open(&inner, uri, NULL, 0, &err), DLT_OK);
	assert_int_equal(dlt_storage_fault_wrap(&fs, inner, &err), DLT_OK);
	assert_int_equal(dlt_table_open_storage(&t, fs, uri, &err), DLT_OK);

	/* I/O error on the commit put: clear error, nothing committed, retry works */
	assert_int_equal(dlt_txn_begin(&a, t, NULL, &err), DLT_OK);
	add(a, "e.parquet", NULL, 1);
	assert_int_equal(dlt_storage_fault_fail(fs, DLT_STORAGE_OP_PUT_IF_ABSENT, 1, DLT_EIO, 0,
	                                        &err), DLT_OK);
	assert_int_equal(dlt_txn_commit(&v, a, &err), DLT_EIO);
	assert_non_null(strstr(err.message, "commit of version 1"));
	assert_int_equal(latest(t0), 0);
	assert_int_equal(dlt_txn_commit(&v, a, &err), DLT_OK);
	assert_int_equal(v, 1);
	dlt_txn_free(a);

	/* lost race against a blind append: rebased to version 3 */
	assert_int_equal(dlt_txn_begin(&a, t, NULL, &err), DLT_OK);
	add(a, "r.parquet", NULL, 1);
	assert_int_equal(dlt_storage_fault_lose_race(fs, 1, blind, strlen(blind), &err), DLT_OK);
	assert_int_equal(dlt_txn_commit(&v, a, &err), DLT_OK);
	assert_int_equal(v, 3);
	assert_int_equal(dlt_txn_attempts(a), 2);
	dlt_txn_free(a);

	/* lost race with retries disabled */
	{
		dlt_txn_options o = DLT_TXN_OPTIONS_INIT;
		o.max_retries = 0;
		assert_int_equal(dlt_txn_begin(&a, t, &o, &err), DLT_OK);
		add(a, "r0.parquet", NULL, 1);
		assert_int_equal(dlt_storage_fault_lose_race(fs, 1, blind, strlen(blind), &err),
		                 DLT_OK);
		assert_int_equal(dlt_txn_commit(&v, a, &err), DLT_ECONFLICT);
		assert_non_null(strstr(err.message, "version 4"));
		dlt_txn_free(a);
	}

	/* lost race against a metadata change: conflict naming the version */
	assert_int_equal(dlt_txn_begin(&a, t, NULL, &err), DLT_OK);
	add(a, "m.parquet", NULL, 1);
	assert_int_equal(dlt_storage_fault_lose_race(fs, 1, meta, strlen(meta), &err), DLT_OK);
	assert_int_equal(dlt_txn_commit(&v, a, &err), DLT_ECONFLICT);
	assert_non_null(strstr(err.message, "version 5 (SET TBLPROPERTIES)"));
	dlt_txn_free(a);

	/* corrupt winner: clear error naming the file */
	assert_int_equal(dlt_txn_begin(&a, t, NULL, &err), DLT_OK);
	add(a, "c.parquet", NULL, 1);
	assert_int_equal(dlt_storage_fault_lose_race(fs, 1, "{nope", 5, &err), DLT_OK);
	assert_int_equal(dlt_txn_commit(&v, a, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "00000000000000000006.json"));
	dlt_txn_free(a);
	dlt_table_free(t);
	dlt_table_free(t0);
}

/* --------------------------------------------------- ICT, protocol, crc -- */

static int64_t fixed_clock(void *payload)
{
	return *(int64_t *)payload;
}

static void test_txn_in_commit_timestamps(void **state)
{
	char uri[64];
	dlt_table *t = mem_location(uri, sizeof(uri));
	dlt_kv conf = { "delta.enableInCommitTimestamps", "true" };
	dlt_txn *a = NULL;
	dlt_snapshot *s = NULL;
	dlt_protocol_info pi;
	dlt_error err;
	int64_t now = 1000000, v;
	char *c;
	(void)state;
	assert_int_equal(dlt_txn_begin(&a, t, NULL, &err), DLT_OK);
	dlt_log__txn_set_clock(a, fixed_clock, &now);
	stage_md(a, &conf, 1, false);
	assert_int_equal(dlt_txn_commit(&v, a, &err), DLT_OK);
	dlt_txn_free(a);
	c = read_key(t, "_delta_log/00000000000000000000.json");
	assert_int_equal(strncmp(c, "{\"commitInfo\":{\"inCommitTimestamp\":1000000,", 43), 0);
	dlt_free(c);
	assert_int_equal(dlt_table_snapshot(&s, t, -1, &err), DLT_OK);
	dlt_snapshot_protocol(&pi, s);
	assert_int_equal(pi.min_writer_version, 7);
	assert_int_equal(dlt_snapshot_timestamp(s), 1000000);
	dlt_snapshot_free(s);
	/* the clock goes back: still strictly increasing */
	now = 5;
	assert_int_equal(dlt_txn_begin(&a, t, NULL, &err), DLT_OK);
	dlt_log__txn_set_clock(a, fixed_clock, &now);
	add(a, "x.parquet", NULL, 1);
	assert_int_equal(dlt_txn_commit(&v, a, &err), DLT_OK);
	dlt_txn_free(a);
	assert_int_equal(dlt_table_snapshot(&s, t, -1, &err), DLT_OK);
	assert_int_equal(dlt_snapshot_timestamp(s), 1000001);
	dlt_snapshot_free(s);
	dlt_table_free(t);
}

static void test_txn_ict_enablement_on_existing_table(void **state)
{
	char uri[64];
	dlt_table *t = create(uri, sizeof(uri), NULL, 0, false);
	dlt_kv conf = { "delta.enableInCommitTimestamps", "true" };
	dlt_txn *a = begin(t, DLT_ISOLATION_DEFAULT), *b = begin(t, DLT_ISOLATION_DEFAULT);
	dlt_snapshot *s = NULL;
	dlt_error err;
	int64_t v;
	(void)state;
	add(b, "b.parquet", NULL, 1);
	assert_int_equal(dlt_txn_commit(NULL, b, &err), DLT_OK); /* a is rebased to version 2 */
	stage_md(a, &conf, 1, false);
	/* a changes metadata while b only appended: no conflict for a */
	assert_int_equal(dlt_txn_commit(&v, a, &err), DLT_OK);
	assert_int_equal(v, 2);
	assert_int_equal(dlt_table_snapshot(&s, t, -1, &err), DLT_OK);
	assert_string_equal(dlt_snapshot_property(s, "delta.inCommitTimestampEnablementVersion"), "2");
	assert_non_null(dlt_snapshot_property(s, "delta.inCommitTimestampEnablementTimestamp"));
	dlt_snapshot_free(s);
	dlt_txn_free(a);
	dlt_txn_free(b);
	dlt_table_free(t);
}

static void test_txn_protocol_on_write(void **state)
{
	char uri[64];
	dlt_table *t = create(uri, sizeof(uri), NULL, 0, false);
	dlt_txn *a = begin(t, DLT_ISOLATION_DEFAULT), *b = NULL;
	const char *wf[] = { "rowTracking", "domainMetadata" };
	dlt_txn_protocol p = { 1, 7, NULL, 0, wf, 2 };
	dlt_error err;
	(void)state;
	assert_int_equal(dlt_txn_set_protocol(a, &p, &err), DLT_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "rowTracking"));
	dlt_txn_free(a);
	/* a table written by someone else with an unsupported writer feature */
	{
		const char *c = "{\"commitInfo\":{}}\n{\"protocol\":{\"minReaderVersion\":1,"
		                "\"minWriterVersion\":7,\"writerFeatures\":[\"identityColumns\"]}}\n";
		assert_int_equal(dlt_storage_put(dlt_table_storage(t),
		                                 "_delta_log/00000000000000000001.json", c, strlen(c),
		                                 DLT_PUT_IF_ABSENT, &err), DLT_OK);
	}
	assert_int_equal(dlt_txn_begin(&b, t, NULL, &err), DLT_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "identityColumns"));
	assert_null(b);
	dlt_table_free(t);
}

static void required(const char *k, const char *v, int r, int w, const char *feature)
{
	dlt_log_protocol_owned po;
	dlt_log_kv kv = { k, v };
	dlt_log_kvs c = { 1, &kv };
	dlt_error err;
	bool changed;
	assert_int_equal(dlt_log__protocol_required(&po, &changed, NULL, &c, SCHEMA, NULL, 0, &err),
	                 DLT_OK);
	assert_int_equal(po.p.min_reader_version, r);
	assert_int_equal(po.p.min_writer_version, w);
	if (feature)
		assert_true(dlt_log__has_writer_feature(&po.p, feature));
	dlt_log__protocol_dispose(&po);
}

static void test_txn_protocol_required(void **state)
{
	dlt_log_protocol_owned po;
	dlt_log_kv kv = { "delta.enableRowTracking", "true" };
	dlt_log_kvs c = { 1, &kv };
	dlt_error err;
	(void)state;
	required("x", "y", 1, 2, NULL);
	required("delta.appendOnly", "true", 1, 2, NULL);
	required("delta.constraints.c1", "a > 0", 1, 3, NULL);
	required("delta.enableChangeDataFeed", "true", 1, 4, NULL);
	required("delta.columnMapping.mode", "name", 2, 5, NULL);
	required("delta.enableDeletionVectors", "true", 3, 7, "deletionVectors");
	required("delta.enableInCommitTimestamps", "true", 1, 7, "inCommitTimestamp");
	required("delta.feature.domainMetadata", "supported", 1, 7, "domainMetadata");
	required("delta.checkpointPolicy", "v2", 3, 7, "v2Checkpoint");
	assert_int_equal(dlt_log__protocol_required(&po, NULL, NULL, &c, SCHEMA, NULL, 0, &err),
	                 DLT_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "rowTracking"));
}

static void test_txn_append_only(void **state)
{
	char uri[64];
	dlt_kv conf = { "delta.appendOnly", "true" };
	dlt_table *t = create(uri, sizeof(uri), &conf, 1, false);
	dlt_txn *a = begin(t, DLT_ISOLATION_DEFAULT);
	dlt_error err;
	(void)state;
	assert_int_equal(dlt_txn_remove_live_file(a, "f0.parquet", 1, &err), DLT_OK);
	assert_int_equal(dlt_txn_commit(NULL, a, &err), DLT_EINVAL);
	assert_non_null(strstr(err.message, "append-only"));
	dlt_txn_free(a);
	/* dataChange=false (compaction) is allowed */
	a = begin(t, DLT_ISOLATION_DEFAULT);
	assert_int_equal(dlt_txn_remove_live_file(a, "f0.parquet", 0, &err), DLT_OK);
	assert_int_equal(dlt_txn_commit(NULL, a, &err), DLT_OK);
	dlt_txn_free(a);
	dlt_table_free(t);
}

static void test_txn_malformed_crc(void **state)
{
	char uri[64];
	dlt_table *t = create(uri, sizeof(uri), NULL, 0, false), *t2 = NULL;
	dlt_log_crc crc;
	dlt_error err;
	(void)state;
	assert_int_equal(dlt_storage_put(dlt_table_storage(t), "_delta_log/00000000000000000000.crc",
	                                 "{\"numFiles\":\"x\"", 16, DLT_PUT_OVERWRITE, &err), DLT_OK);
	assert_int_equal(dlt_log__crc_read(&crc, dlt_table_storage(t), 0, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, ".crc"));
	assert_int_equal(dlt_log__crc_read(&crc, dlt_table_storage(t), 7, &err), DLT_ENOTFOUND);
	assert_int_equal(dlt_table_open(&t2, uri, NULL, &err), DLT_OK);
	assert_int_equal(latest(t2), 0);
	dlt_table_free(t2);
	dlt_table_free(t);
}

static int hook_calls;
static int hook_fn(dlt_txn *txn, int64_t version, void *payload, dlt_error *err)
{
	dlt_snapshot *s = NULL;
	(void)payload;
	hook_calls++;
	assert_int_equal(dlt_log__txn_post_snapshot(&s, txn, err), DLT_OK);
	assert_int_equal(dlt_snapshot_version(s), version);
	return dlt_error_set(err, DLT_EIO, "hook failed on purpose");
}

static void test_txn_post_commit_hooks(void **state)
{
	char uri[64];
	dlt_table *t = create(uri, sizeof(uri), NULL, 0, false);
	dlt_txn *a = begin(t, DLT_ISOLATION_DEFAULT);
	dlt_error err;
	(void)state;
	hook_calls = 0;
	assert_int_equal(dlt_log__txn_add_hook(a, "test", hook_fn, NULL, &err), DLT_OK);
	add(a, "h.parquet", NULL, 1);
	assert_int_equal(dlt_txn_commit(NULL, a, &err), DLT_OK);
	assert_int_equal(hook_calls, 1);
	assert_int_equal(dlt_log__txn_hook_status(a, &err), DLT_EIO);
	assert_non_null(strstr(err.message, "hook 'test'"));
	dlt_txn_free(a);
	dlt_table_free(t);
}

/* Regression: commit timestamps come from the wall clock (they are dates), not the
 * monotonic clock, which made fresh tombstones look decades old to vacuum. */
static void test_txn_commit_timestamp_is_wall_clock(void **state)
{
	char uri[64];
	dlt_table *t = create(uri, sizeof(uri), NULL, 0, false);
	dlt_snapshot *s = NULL;
	dlt_error err;
	int64_t before = dlt_wall_ms() - 1000;
	(void)state;
	dlt_txn *a = begin(t, DLT_ISOLATION_DEFAULT);
	add(a, "w.parquet", NULL, 1);
	assert_int_equal(dlt_txn_commit(NULL, a, &err), DLT_OK);
	dlt_txn_free(a);
	char *c = read_key(t, "_delta_log/00000000000000000001.json");
	const char *ts = strstr(c, "\"timestamp\":");
	assert_non_null(ts);
	int64_t v = strtoll(ts + 12, NULL, 10);
	assert_true(v >= before && v <= dlt_wall_ms() + 1000);
	dlt_free(c);
	assert_int_equal(dlt_table_snapshot(&s, t, -1, &err), DLT_OK);
	dlt_snapshot_free(s);
	dlt_table_free(t);
}

/* Every delta.checkpointInterval commits a checkpoint appears by itself, and the
 * table read from it equals the one replayed from JSON. */
static void test_txn_auto_checkpoint_every_interval(void **state)
{
	const dlt_kv conf[] = { { "delta.checkpointInterval", "3" } };
	char uri[64], path[64];
	dlt_table *t = create(uri, sizeof(uri), conf, 1, false);
	dlt_bytes b = DLT_BYTES_INIT;
	dlt_snapshot *s = NULL;
	dlt_error err;
	(void)state;
	for (int i = 1; i <= 7; i++) {
		dlt_txn *a = begin(t, DLT_ISOLATION_DEFAULT);
		snprintf(path, sizeof(path), "auto%d.parquet", i);
		add(a, path, NULL, i);
		assert_int_equal(dlt_txn_commit(NULL, a, &err), DLT_OK);
		assert_int_equal(dlt_log__txn_hook_status(a, &err), DLT_OK);
		dlt_txn_free(a);
	}
	/* versions 3 and 6 are multiples of the interval; 7 is not */
	assert_int_equal(dlt_storage_get(&b, dlt_table_storage(t),
	                                 "_delta_log/00000000000000000003.checkpoint.parquet", &err), DLT_OK);
	dlt_bytes_dispose(&b);
	assert_int_equal(dlt_storage_get(&b, dlt_table_storage(t),
	                                 "_delta_log/00000000000000000006.checkpoint.parquet", &err), DLT_OK);
	dlt_bytes_dispose(&b);
	assert_int_equal(dlt_storage_get(&b, dlt_table_storage(t),
	                                 "_delta_log/00000000000000000007.checkpoint.parquet", &err),
	                 DLT_ENOTFOUND);
	char *lc = read_key(t, "_delta_log/_last_checkpoint");
	assert_non_null(strstr(lc, "\"version\":6"));
	dlt_free(lc);
	assert_int_equal(dlt_table_snapshot(&s, t, -1, &err), DLT_OK);
	assert_int_equal(dlt_snapshot_version(s), 7);
	assert_int_equal(dlt_snapshot_num_files(s), 2 + 7);
	dlt_snapshot_free(s);
	dlt_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_txn_create_table_opens),
		cmocka_unit_test(test_txn_new_table_needs_metadata),
		cmocka_unit_test(test_txn_actions_round_trip),
		cmocka_unit_test(test_txn_blind_appends_commute),
		cmocka_unit_test(test_txn_two_overwrites_conflict),
		cmocka_unit_test(test_txn_remove_same_file_conflicts),
		cmocka_unit_test(test_txn_delete_racing_append),
		cmocka_unit_test(test_txn_delete_read_conflict),
		cmocka_unit_test(test_txn_app_id),
		cmocka_unit_test(test_txn_metadata_change_conflicts),
		cmocka_unit_test(test_txn_domain_conflict),
		cmocka_unit_test(test_txn_fault_injection),
		cmocka_unit_test(test_txn_in_commit_timestamps),
		cmocka_unit_test(test_txn_ict_enablement_on_existing_table),
		cmocka_unit_test(test_txn_protocol_on_write),
		cmocka_unit_test(test_txn_protocol_required),
		cmocka_unit_test(test_txn_append_only),
		cmocka_unit_test(test_txn_malformed_crc),
		cmocka_unit_test(test_txn_post_commit_hooks),
		cmocka_unit_test(test_txn_commit_timestamp_is_wall_clock),
		cmocka_unit_test(test_txn_auto_checkpoint_every_interval),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
