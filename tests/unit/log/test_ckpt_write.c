/* Checkpoint writing (classic, stats_parsed, v2 + sidecars), _last_checkpoint
 * and expired log cleanup: what we write is read back by our reader into the
 * same snapshot as JSON replay gives, and by DuckDB. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include "deltalite/maintenance.h"
#include "deltalite/table.h"
#include "deltalite/txn.h"
#include "log/ckpt.h"
#include "log/ckpt_write.h"
#include "log/txn.h"
#include "log/log.h"

#define DELTA_DIR DLT_CONFORMANCE_DIR "/delta"
#define TMP DLT_TEST_TMPDIR "/ckpt_write"

static void sh(const char *fmt, ...) DLT_PRINTF(1, 2);
static void sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

/* Copy the _delta_log of corpus table `rel` to TMP/<name>; returns the dir. */
static const char *copy_log(char *buf, size_t cap, const char *rel, const char *name)
{
	snprintf(buf, cap, TMP "/%s", name);
	sh("rm -rf '%s' && mkdir -p '%s' && cp -r '" DELTA_DIR "/%s/_delta_log' '%s/'", buf, buf,
	   rel, buf);
	return buf;
}

static void write_text(const char *dir, const char *name, const char *text)
{
	char p[1024];
	FILE *f;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void set_mtime(const char *path, int64_t ms)
{
	struct timeval tv[2];
	tv[0].tv_sec = tv[1].tv_sec = (time_t)(ms / 1000);
	tv[0].tv_usec = tv[1].tv_usec = (suseconds_t)(ms % 1000) * 1000;
	assert_int_equal(utimes(path, tv), 0);
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static dlt_snapshot *snap_of(dlt_table *t, int64_t v)
{
	dlt_snapshot *s = NULL;
	dlt_error err;
	int rc = dlt_table_snapshot(&s, t, v, &err);
	if (rc != DLT_OK)
		fail_msg("snapshot %lld: %s", (long long)v, err.message);
	return s;
}

static dlt_table *open_t(const char *dir)
{
	dlt_table *t = NULL;
	dlt_error err;
	if (dlt_table_open(&t, dir, NULL, &err) != DLT_OK)
		fail_msg("open %s: %s", dir, err.message);
	return t;
}

static void eq_str(const char *a, const char *b, const char *what)
{
	if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
		fail_msg("%s differs: '%s' vs '%s'", what, a ? a : "(null)", b ? b : "(null)");
}

static void eq_kvs(const dlt_log_kvs *a, const dlt_log_kvs *b, const char *what)
{
	size_t na = a ? a->n : 0, nb = b ? b->n : 0;
	if (na != nb)
		fail_msg("%s: %zu vs %zu entries", what, na, nb);
	for (size_t i = 0; i < na; i++) {
		bool found = false;
		const char *v = dlt_log__kvs_get(b, a->kv[i].key, &found);
		if (!found)
			fail_msg("%s: key '%s' missing", what, a->kv[i].key);
		eq_str(a->kv[i].value, v, what);
	}
}

/* A timestamp without a zone and one in UTC ("...177" / "...177Z") read the same. */
static void strip_z(char *s)
{
	char *o = s;
	if (!s)
		return;
	for (; *s; s++)
		if (!(s[0] == 'Z' && s[1] == '"'))
			*o++ = *s;
	*o = 0;
}

static void eq_file(const dlt_log_file *a, const dlt_log_file *b, bool stats)
{
	const uint32_t ignore = DLT_LOG_FILE_DATA_CHANGE | DLT_LOG_FILE_STATS_FROM_PARSED;
	eq_str(a->path, b->path, "path");
	assert_int_equal(a->size, b->size);
	assert_int_equal(a->modification_time, b->modification_time);
	if (stats && a->stats && b->stats && strcmp(a->stats, b->stats) != 0) {
		/* rebuilt from stats_parsed: same content, maybe other text */
		json_t *x = json_loads(a->stats, 0, NULL), *y = json_loads(b->stats, 0, NULL);
		const char *k;
		json_t *v;
		assert_non_null(x);
		assert_non_null(y);
		json_object_foreach(x, k, v) {
			char *d1 = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
			char *d2 = json_dumps(json_object_get(y, k), JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
			strip_z(d1);
			strip_z(d2);
			if (!d2 || strcmp(d1, d2) != 0) {
				printf("stats.%s: %s vs %s\n", k, d1, d2 ? d2 : "(none)");
				free(d1);
				free(d2);
				fail_msg("%s: stats differ", a->path);
			}
			free(d1);
			free(d2);
		}
		json_decref(x);
		json_decref(y);
	} else if (stats) {
		eq_str(a->stats, b->stats, a->path);
	}
	assert_int_equal(a->num_records, b->num_records);
	eq_kvs(a->partition_values, b->partition_values, "partitionValues");
	eq_kvs(a->tags, b->tags, "tags");
	assert_int_equal(a->dv.storage_type, b->dv.storage_type);
	if (a->dv.storage_type) {
		eq_str(a->dv.path_or_inline_dv, b->dv.path_or_inline_dv, "dv");
		assert_int_equal(a->dv.offset, b->dv.offset);
		assert_int_equal(a->dv.size_in_bytes, b->dv.size_in_bytes);
		assert_int_equal(a->dv.cardinality, b->dv.cardinality);
	}
	assert_int_equal(a->flags & ~ignore, b->flags & ~ignore);
	if (a->flags & DLT_LOG_FILE_HAS_BASE_ROW_ID)
		assert_int_equal(a->base_row_id, b->base_row_id);
	eq_str(a->clustering_provider, b->clustering_provider, "clusteringProvider");
}

/* Snapshots equal in every part a checkpoint carries. */
static void eq_snap(const dlt_snapshot *a, const dlt_snapshot *b, bool tombstones, bool stats)
{
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->protocol.min_reader_version, b->protocol.min_reader_version);
	assert_int_equal(a->protocol.min_writer_version, b->protocol.min_writer_version);
	assert_int_equal(a->protocol.n_reader_features, b->protocol.n_reader_features);
	assert_int_equal(a->protocol.n_writer_features, b->protocol.n_writer_features);
	for (size_t i = 0; i < a->protocol.n_writer_features; i++)
		eq_str(a->protocol.writer_features[i], b->protocol.writer_features[i], "feature");
	eq_str(a->metadata.id, b->metadata.id, "metadata.id");
	eq_str(a->metadata.name, b->metadata.name, "metadata.name");
	eq_str(a->metadata.description, b->metadata.description, "metadata.description");
	eq_str(a->metadata.schema_string, b->metadata.schema_string, "schemaString");
	assert_int_equal(a->metadata.created_time, b->metadata.created_time);
	assert_int_equal(a->metadata.n_partition_columns, b->metadata.n_partition_columns);
	for (size_t i = 0; i < a->metadata.n_partition_columns; i++)
		eq_str(a->metadata.partition_columns[i], b->metadata.partition_columns[i], "pcol");
	eq_kvs(&a->metadata.configuration, &b->metadata.configuration, "configuration");
	assert_int_equal(a->n_files, b->n_files);
	for (size_t i = 0; i < a->n_files; i++)
		eq_file(&a->files[i], &b->files[i], stats);
	if (tombstones) {
		assert_int_equal(a->n_tombstones, b->n_tombstones);
		for (size_t i = 0; i < a->n_tombstones; i++) {
			eq_str(a->tombstones[i].path, b->tombstones[i].path, "tombstone");
			assert_int_equal(a->tombstones[i].modification_time,
			                 b->tombstones[i].modification_time);
		}
	}
	assert_int_equal(a->n_txns, b->n_txns);
	for (size_t i = 0; i < a->n_txns; i++) {
		eq_str(a->txns[i].app_id, b->txns[i].app_id, "txn");
		assert_int_equal(a->txns[i].version, b->txns[i].version);
		assert_int_equal(a->txns[i].last_updated, b->txns[i].last_updated);
	}
	assert_int_equal(a->n_domains, b->n_domains);
	for (size_t i = 0; i < a->n_domains; i++) {
		eq_str(a->domains[i].domain, b->domains[i].domain, "domain");
		eq_str(a->domains[i].configuration, b->domains[i].configuration, "domain config");
	}
}

static int64_t expected_version(const char *rel, int64_t *n_files)
{
	char p[1024];
	json_error_t je;
	json_t *o;
	int64_t v;
	snprintf(p, sizeof(p), DELTA_DIR "/%s/EXPECTED.json", rel);
	o = json_load_file(p, 0, &je);
	assert_non_null(o);
	v = (int64_t)json_integer_value(json_object_get(o, "latest_version"));
	*n_files = (int64_t)json_integer_value(json_object_get(o, "active_files"));
	json_decref(o);
	return v;
}

/* Run a DuckDB query over a Parquet file; returns the output (static buffer). */
static const char *duck2(const char *file, const char *select, const char *tail)
{
	static char out[65536];
	char cmd[4096];
	size_t n = 0;
	FILE *p;
	snprintf(cmd, sizeof(cmd),
	         "timeout 300 node '" DLT_SOURCE_DIR "/tests/unit/log/ckpt_duckdb.mjs' '" DLT_NODE_DIR
	         "' '%s' \"%s\" \"%s\" 2>&1",
	         file, select, tail);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (n + 1 < sizeof(out) && fgets(out + n, (int)(sizeof(out) - n), p))
		n += strlen(out + n);
	out[n] = 0;
	pclose(p);
	if (strncmp(out, "ERROR", 5) == 0)
		fail_msg("duckdb: %s", out);
	return out;
}

static const char *duck(const char *file, const char *select)
{
	return duck2(file, select, "");
}

/* ------------------------------------------------------------ tests -- */

static const char *const kTables[] = {
	"kernel/app-txn-with-last-updated", "kernel/basic_partitioned",
	"kernel/table-with-dv-small",       "kernel/parsed-stats",
	"kernel/type-widening",             "delta-rs/checkpoints",
	"delta-rs/checkpoint-v2-table", "delta-rs/table_with_deletion_logs",
	"delta-rs/cdf-table-with-cdc-and-dvs", "delta-rs/delta-1.2.1-only-struct-stats",
	"kernel/partitioned_with_materialize_feature", "delta-rs/table_with_column_mapping",
};

static void test_ckpt_write_corpus_roundtrip(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(kTables) / sizeof(kTables[0]); k++) {
		char dir[512], name[64], key[1024];
		const char *rel = kTables[k];
		int64_t n_exp = 0, v_exp;
		dlt_log_ckpt_opts o = DLT_LOG_CKPT_OPTS_INIT;
		dlt_log_ckpt_info info;
		dlt_error err;
		snprintf(name, sizeof(name), "corpus%zu", k);
		copy_log(dir, sizeof(dir), rel, name);
		v_exp = expected_version(rel, &n_exp);
		/* drop a checkpoint of the latest version: we write our own */
		sh("rm -f '%s/_delta_log/%020lld.checkpoint'*", dir, (long long)v_exp);
		dlt_table *t = open_t(dir);
		dlt_snapshot *a = snap_of(t, -1);
		assert_int_equal(a->version, v_exp);
		o.kind = DLT_LOG_CKPT_WRITE_CLASSIC;
		o.now_ms = 1; /* keep every tombstone, to compare them too */
		if (dlt_log__checkpoint_write(&info, a, &o, &err) != DLT_OK)
			fail_msg("%s: %s", rel, err.message);
		if (info.existed)
			fail_msg("%s: checkpoint %s already there", rel, info.key);
		assert_int_equal(info.n_add_files, (int64_t)a->n_files);
		snprintf(key, sizeof(key), "%s/%s", dir, info.key);
		assert_true(file_exists(key));
		dlt_snapshot *b = snap_of(t, -1);
		if (b->segment.checkpoint_version != a->version ||
		    b->segment.checkpoint_kind != DLT_LOG_CKPT_CLASSIC)
			fail_msg("%s: snapshot not built from our checkpoint", rel);
		assert_int_equal(b->segment.n_commits, 0);
		eq_snap(a, b, true, true);
		assert_int_equal((int64_t)b->n_files, n_exp);
		assert_int_equal(dlt_log__last_checkpoint_hint(dlt_table_storage(t)), a->version);
		dlt_snapshot_free(a);
		dlt_snapshot_free(b);
		dlt_table_free(t);
	}
}

/* A small table written as commit JSON: protocol, metadata, n adds. */
static void make_table(const char *dir, const char *protocol, const char *config, int n_adds,
                       bool partitioned)
{
	char buf[1 << 16];
	size_t o = 0;
	sh("rm -rf '%s' && mkdir -p '%s/_delta_log'", dir, dir);
	o += (size_t)snprintf(buf + o, sizeof(buf) - o,
	                      "{\"commitInfo\":{\"timestamp\":1700000000000,\"operation\":\"CREATE\"}}\n"
	                      "{\"protocol\":%s}\n"
	                      "{\"metaData\":{\"id\":\"0f3c1e52-8d3c-4c1e-9a0e-5a6c7e8f9a0b\",\"format\":"
	                      "{\"provider\":\"parquet\",\"options\":{}},\"schemaString\":\"{\\\"type\\\":"
	                      "\\\"struct\\\",\\\"fields\\\":[{\\\"name\\\":\\\"id\\\",\\\"type\\\":"
	                      "\\\"long\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}},{\\\"name\\\":"
	                      "\\\"s\\\",\\\"type\\\":\\\"string\\\",\\\"nullable\\\":true,\\\"metadata\\\":"
	                      "{}},{\\\"name\\\":\\\"p\\\",\\\"type\\\":\\\"integer\\\",\\\"nullable\\\":"
	                      "true,\\\"metadata\\\":{}}]}\",\"partitionColumns\":[%s],\"configuration\":"
	                      "{%s},\"createdTime\":1700000000000}}\n",
	                      protocol, partitioned ? "\"p\"" : "", config);
	for (int i = 0; i < n_adds; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
		                      "{\"add\":{\"path\":\"%sf%02d%%20x.parquet\",\"partitionValues\":{%s},"
		                      "\"size\":%d,\"modificationTime\":1700000000000,\"dataChange\":true,"
		                      "\"stats\":\"{\\\"numRecords\\\":%d,\\\"minValues\\\":{\\\"id\\\":%d,"
		                      "\\\"s\\\":\\\"a%02d\\\"},\\\"maxValues\\\":{\\\"id\\\":%d,\\\"s\\\":"
		                      "\\\"z%02d\\\"},\\\"nullCount\\\":{\\\"id\\\":0,\\\"s\\\":1}}\"}}\n",
		                      partitioned ? (i % 2 ? "p=1/" : "p=2/") : "", i,
		                      partitioned ? (i % 2 ? "\"p\":\"1\"" : "\"p\":\"2\"") : "",
		                      100 + i, i + 1, i * 10, i, i * 10 + 9, i);
	write_text(dir, "_delta_log/00000000000000000000.json", buf);
}

static void commit_text(const char *dir, int64_t v, const char *text)
{
	char name[64];
	snprintf(name, sizeof(name), "_delta_log/%020lld.json", (long long)v);
	write_text(dir, name, text);
}

static void test_ckpt_write_duckdb_reads_classic(void **state)
{
	char dir[512] = TMP "/duck", file[1024];
	dlt_checkpoint_options co = DLT_CHECKPOINT_OPTIONS_INIT;
	dlt_error err;
	int64_t v = -1;
	const char *out;
	(void)state;
	make_table(dir, "{\"minReaderVersion\":1,\"minWriterVersion\":2}", "", 5, true);
	commit_text(dir, 1, "{\"remove\":{\"path\":\"p=2/f00%20x.parquet\",\"deletionTimestamp\":"
	                    "4102444800000,\"dataChange\":true,\"partitionValues\":{\"p\":\"2\"},"
	                    "\"size\":100}}\n"
	                    "{\"txn\":{\"appId\":\"app\",\"version\":3,\"lastUpdated\":5}}\n");
	dlt_table *t = open_t(dir);
	co.stats_as_struct = 1;
	if (dlt_table_checkpoint(&v, t, &co, &err) != DLT_OK)
		fail_msg("%s", err.message);
	assert_int_equal(v, 1);
	snprintf(file, sizeof(file), "%s/_delta_log/00000000000000000001.checkpoint.parquet", dir);
	out = duck(file, "count(add.path) AS adds, count(remove.path) AS removes, "
	                 "count(txn.appId) AS txns, max(protocol.minWriterVersion) AS w, "
	                 "max(metaData.id) AS id, sum(add.size) AS bytes, "
	                 "sum(add.stats_parsed.numRecords) AS recs, "
	                 "max(add.stats_parsed.maxValues.id) AS maxid, "
	                 "min(add.partitionValues_parsed.p) AS minp, "
	                 "max(remove.deletionTimestamp) AS dts");
	if (!strstr(out, "\"adds\":\"4\"") || !strstr(out, "\"removes\":\"1\"") ||
	    !strstr(out, "\"txns\":\"1\"") || !strstr(out, "\"w\":2") ||
	    !strstr(out, "\"id\":\"0f3c1e52-8d3c-4c1e-9a0e-5a6c7e8f9a0b\"") ||
	    !strstr(out, "\"bytes\":\"410\"") || !strstr(out, "\"recs\":\"14\"") ||
	    !strstr(out, "\"maxid\":\"49\"") || !strstr(out, "\"minp\":1") ||
	    !strstr(out, "\"dts\":\"4102444800000\""))
		fail_msg("duckdb got: %s", out);
	/* paths are logged URI-encoded, map partition values, json stats kept */
	out = duck2(file, "add.path AS p, add.partitionValues['p'] AS pv, add.stats AS st",
	            "WHERE add.path IS NOT NULL ORDER BY 1 LIMIT 1");
	if (!strstr(out, "p=1/f01%20x.parquet") || !strstr(out, "\"pv\":\"1\"") ||
	    !strstr(out, "numRecords"))
		fail_msg("duckdb got: %s", out);
	/* _last_checkpoint */
	{
		char p[1024];
		json_error_t je;
		snprintf(p, sizeof(p), "%s/_delta_log/_last_checkpoint", dir);
		json_t *o = json_load_file(p, 0, &je);
		assert_non_null(o);
		assert_int_equal(json_integer_value(json_object_get(o, "version")), 1);
		assert_int_equal(json_integer_value(json_object_get(o, "numOfAddFiles")), 4);
		assert_int_equal(json_integer_value(json_object_get(o, "size")), 1 + 1 + 1 + 4 + 1);
		assert_true(json_integer_value(json_object_get(o, "sizeInBytes")) > 0);
		json_decref(o);
	}
	dlt_table_free(t);
}

/* Stats only as struct: the reader rebuilds stats from stats_parsed. */
static void test_ckpt_write_stats_struct_only(void **state)
{
	char dir[512] = TMP "/structonly";
	dlt_log_ckpt_opts o = DLT_LOG_CKPT_OPTS_INIT;
	dlt_log_ckpt_info info;
	dlt_error err;
	(void)state;
	make_table(dir, "{\"minReaderVersion\":1,\"minWriterVersion\":2}", "", 6, true);
	dlt_table *t = open_t(dir);
	dlt_snapshot *a = snap_of(t, -1);
	o.stats_json = 0;
	o.stats_struct = 1;
	if (dlt_log__checkpoint_write(&info, a, &o, &err) != DLT_OK)
		fail_msg("%s", err.message);
	dlt_snapshot *b = snap_of(t, -1);
	assert_int_equal(b->segment.checkpoint_version, 0);
	eq_snap(a, b, true, false);
	for (size_t i = 0; i < b->n_files; i++) {
		json_t *x = json_loads(a->files[i].stats, 0, NULL), *y;
		assert_non_null(b->files[i].stats);
		y = json_loads(b->files[i].stats, 0, NULL);
		assert_non_null(x);
		assert_non_null(y);
		assert_true(json_equal(json_object_get(x, "minValues"), json_object_get(y, "minValues")));
		assert_true(json_equal(json_object_get(x, "maxValues"), json_object_get(y, "maxValues")));
		assert_true(json_equal(json_object_get(x, "nullCount"), json_object_get(y, "nullCount")));
		json_decref(x);
		json_decref(y);
	}
	dlt_snapshot_free(a);
	dlt_snapshot_free(b);
	dlt_table_free(t);
}

static int count_files(const char *dir)
{
	char cmd[1024];
	int n = 0;
	FILE *p;
	snprintf(cmd, sizeof(cmd), "ls '%s' 2>/dev/null | wc -l", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (fscanf(p, "%d", &n) != 1)
		n = -1;
	pclose(p);
	return n;
}

static const char kV2Proto[] =
	"{\"minReaderVersion\":3,\"minWriterVersion\":7,\"readerFeatures\":[\"v2Checkpoint\"],"
	"\"writerFeatures\":[\"v2Checkpoint\",\"domainMetadata\"]}";

static void test_ckpt_write_v2_sidecars_roundtrip(void **state)
{
	char dir[512] = TMP "/v2", sc[600], file[1024];
	dlt_log_ckpt_opts o = DLT_LOG_CKPT_OPTS_INIT;
	dlt_log_ckpt_info info;
	dlt_error err;
	(void)state;
	make_table(dir, kV2Proto, "\"delta.checkpointPolicy\":\"v2\"", 15, false);
	commit_text(dir, 1, "{\"remove\":{\"path\":\"f03%20x.parquet\",\"deletionTimestamp\":"
	                    "4102444800000,\"dataChange\":true}}\n"
	                    "{\"domainMetadata\":{\"domain\":\"d1\",\"configuration\":\"{\\\"a\\\":1}\","
	                    "\"removed\":false}}\n");
	dlt_table *t = open_t(dir);
	dlt_snapshot *a = snap_of(t, -1);
	o.sidecar_actions = 4;
	if (dlt_log__checkpoint_write(&info, a, &o, &err) != DLT_OK)
		fail_msg("%s", err.message);
	assert_true(info.v2);
	assert_int_equal(info.n_sidecars, 4); /* 14 adds + 1 tombstone, 4 per sidecar */
	snprintf(sc, sizeof(sc), "%s/_delta_log/_sidecars", dir);
	assert_int_equal(count_files(sc), 4);
	dlt_snapshot *b = snap_of(t, -1);
	assert_int_equal(b->segment.checkpoint_version, 1);
	assert_int_equal(b->segment.checkpoint_kind, DLT_LOG_CKPT_V2_PARQUET);
	eq_snap(a, b, true, true);
	snprintf(file, sizeof(file), "%s/%s", dir, info.key);
	const char *out = duck(file, "max(checkpointMetadata.version) AS v, count(sidecar.path) AS n,"
	                             " sum(sidecar.sizeInBytes) > 0 AS sz");
	if (!strstr(out, "\"v\":\"1\"") || !strstr(out, "\"n\":\"4\"") || !strstr(out, "\"sz\":true"))
		fail_msg("duckdb got: %s", out);
	/* small enough: file actions inline, no new sidecars */
	dlt_snapshot_free(b);
	commit_text(dir, 2, "{\"commitInfo\":{\"timestamp\":1700000000001}}\n");
	dlt_snapshot *c = snap_of(t, -1);
	o.sidecar_actions = 100;
	if (dlt_log__checkpoint_write(&info, c, &o, &err) != DLT_OK)
		fail_msg("%s", err.message);
	assert_int_equal(info.n_sidecars, 0);
	assert_int_equal(count_files(sc), 4);
	dlt_snapshot *d = snap_of(t, -1);
	assert_int_equal(d->segment.checkpoint_version, 2);
	eq_snap(c, d, true, true);
	/* classic on request: follows the v2 spec (checkpointMetadata row) */
	o.kind = DLT_LOG_CKPT_WRITE_CLASSIC;
	if (dlt_log__checkpoint_write(&info, c, &o, &err) != DLT_OK)
		fail_msg("%s", err.message);
	snprintf(file, sizeof(file), "%s/%s", dir, info.key);
	out = duck(file, "count(checkpointMetadata.version) AS n");
	if (!strstr(out, "\"n\":\"1\""))
		fail_msg("duckdb got: %s", out);
	dlt_snapshot_free(a);
	dlt_snapshot_free(c);
	dlt_snapshot_free(d);
	dlt_table_free(t);
}

/* A checkpoint of tens of thousands of files (many batches, replayed by two
 * consumers on two threads into slots by row), classic and v2 with
 * sidecars: the snapshot read back equals the one replayed from JSON, file
 * for file in the same order, with tombstones, app txns and domains. */
static void test_ckpt_write_large_roundtrip(void **state)
{
	char dir[512] = TMP "/large";
	const int n = 40000;
	dlt_buf b = DLT_BUF_INIT;
	dlt_log_ckpt_opts o = DLT_LOG_CKPT_OPTS_INIT;
	dlt_log_ckpt_info info;
	dlt_error err;
	(void)state;
	make_table(dir, kV2Proto, "\"delta.checkpointPolicy\":\"v2\"", 0, true);
	for (int i = 0; i < n; i++) {
		assert_int_equal(dlt_buf_appendf(&b, NULL,
		                                 "{\"add\":{\"path\":\"p=%d/g%06d.parquet\","
		                                 "\"partitionValues\":{\"p\":\"%d\"},\"size\":%d,"
		                                 "\"modificationTime\":1700000000000,\"dataChange\":true,"
		                                 "\"stats\":\"{\\\"numRecords\\\":%d}\"}}\n",
		                                 i % 7, i, i % 7, 1000 + i, i),
		                 DLT_OK);
		if (i % 5000 == 0)
			assert_int_equal(dlt_buf_appendf(&b, NULL,
			                                 "{\"txn\":{\"appId\":\"app%d\",\"version\":%d}}\n"
			                                 "{\"domainMetadata\":{\"domain\":\"d%d\","
			                                 "\"configuration\":\"{}\",\"removed\":false}}\n",
			                                 i, i, i),
			                 DLT_OK);
	}
	assert_int_equal(dlt_buf_append_byte(&b, 0, NULL), DLT_OK);
	commit_text(dir, 1, (const char *)b.data);
	dlt_buf_clear(&b);
	for (int i = 0; i < n; i += 97)
		assert_int_equal(dlt_buf_appendf(&b, NULL,
		                                 "{\"remove\":{\"path\":\"p=%d/g%06d.parquet\","
		                                 "\"deletionTimestamp\":4102444800000,"
		                                 "\"dataChange\":true}}\n",
		                                 i % 7, i),
		                 DLT_OK);
	assert_int_equal(dlt_buf_append_byte(&b, 0, NULL), DLT_OK);
	commit_text(dir, 2, (const char *)b.data);
	dlt_buf_dispose(&b);

	dlt_table *t = open_t(dir);
	dlt_snapshot *a = snap_of(t, -1);
	assert_int_equal(a->n_files, n - (n + 96) / 97);
	/* classic */
	o.kind = DLT_LOG_CKPT_WRITE_CLASSIC;
	if (dlt_log__checkpoint_write(&info, a, &o, &err) != DLT_OK)
		fail_msg("%s", err.message);
	dlt_snapshot *c = snap_of(t, -1);
	assert_int_equal(c->segment.checkpoint_version, 2);
	eq_snap(a, c, true, true);
	dlt_snapshot_free(c);
	/* v2 with sidecars of more than one batch each */
	o = (dlt_log_ckpt_opts)DLT_LOG_CKPT_OPTS_INIT;
	o.sidecar_actions = 20000;
	if (dlt_log__checkpoint_write(&info, a, &o, &err) != DLT_OK)
		fail_msg("%s", err.message);
	assert_true(info.v2);
	assert_true(info.n_sidecars >= 2);
	c = snap_of(t, -1);
	assert_int_equal(c->segment.checkpoint_kind, DLT_LOG_CKPT_V2_PARQUET);
	eq_snap(a, c, true, true);
	dlt_snapshot_free(c);
	dlt_snapshot_free(a);
	dlt_table_free(t);
}

static void test_ckpt_write_v2_refused_without_feature(void **state)
{
	char dir[512] = TMP "/nov2";
	dlt_log_ckpt_opts o = DLT_LOG_CKPT_OPTS_INIT;
	dlt_log_ckpt_info info;
	dlt_error err;
	(void)state;
	make_table(dir, "{\"minReaderVersion\":1,\"minWriterVersion\":2}", "", 1, false);
	dlt_table *t = open_t(dir);
	dlt_snapshot *a = snap_of(t, -1);
	o.kind = DLT_LOG_CKPT_WRITE_V2;
	assert_int_equal(dlt_log__checkpoint_write(&info, a, &o, &err), DLT_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "v2Checkpoint"));
	dlt_snapshot_free(a);
	dlt_table_free(t);
}

static void test_ckpt_write_expires_old_tombstones(void **state)
{
	char dir[512] = TMP "/tomb";
	dlt_log_ckpt_opts o = DLT_LOG_CKPT_OPTS_INIT;
	dlt_log_ckpt_info info;
	dlt_error err;
	int64_t now = 1700000000000;
	char text[1024];
	(void)state;
	make_table(dir, "{\"minReaderVersion\":1,\"minWriterVersion\":2}", "", 3, false);
	/* f00 removed 8 days ago (expired), f01 removed 1 day ago (kept) */
	snprintf(text, sizeof(text),
	         "{\"remove\":{\"path\":\"f00%%20x.parquet\",\"deletionTimestamp\":%lld,"
	         "\"dataChange\":true}}\n{\"remove\":{\"path\":\"f01%%20x.parquet\","
	         "\"deletionTimestamp\":%lld,\"dataChange\":true}}\n",
	         (long long)(now - 8 * DLT_LOG_DAY_MS), (long long)(now - DLT_LOG_DAY_MS));
	commit_text(dir, 1, text);
	dlt_table *t = open_t(dir);
	dlt_snapshot *a = snap_of(t, -1);
	o.now_ms = now;
	if (dlt_log__checkpoint_write(&info, a, &o, &err) != DLT_OK)
		fail_msg("%s", err.message);
	assert_int_equal(info.n_tombstones, 1);
	dlt_snapshot *b = snap_of(t, -1);
	assert_int_equal(b->n_tombstones, 1);
	eq_str(b->tombstones[0].path, "f01 x.parquet", "kept tombstone");
	dlt_snapshot_free(a);
	dlt_snapshot_free(b);
	dlt_table_free(t);
}

/* A checkpoint that fails half way is never visible; the table reads as before. */
static void test_ckpt_write_failure_leaves_table_readable(void **state)
{
	char dir[512] = TMP "/fail", ck[1024];
	dlt_storage *inner = NULL, *fs = NULL;
	dlt_table *t = NULL;
	dlt_checkpoint_options co = DLT_CHECKPOINT_OPTIONS_INIT;
	dlt_error err;
	(void)state;
	make_table(dir, "{\"minReaderVersion\":1,\"minWriterVersion\":2}", "", 50, false);
	assert_int_equal(dlt_storage_open(&inner, dir, NULL, 0, &err), DLT_OK);
	assert_int_equal(dlt_storage_fault_wrap(&fs, inner, &err), DLT_OK);
	assert_int_equal(dlt_table_open_storage(&t, fs, NULL, &err), DLT_OK);
	assert_int_equal(dlt_storage_fault_fail(fs, DLT_STORAGE_OP_WRITE, 2, DLT_EIO, 1, &err), DLT_OK);
	assert_int_equal(dlt_table_checkpoint(NULL, t, &co, &err), DLT_EIO);
	assert_non_null(strstr(err.message, "checkpoint"));
	snprintf(ck, sizeof(ck), "%s/_delta_log/00000000000000000000.checkpoint.parquet", dir);
	assert_false(file_exists(ck));
	snprintf(ck, sizeof(ck), "%s/_delta_log/_last_checkpoint", dir);
	assert_false(file_exists(ck));
	dlt_snapshot *s = snap_of(t, -1);
	assert_int_equal(s->n_files, 50);
	dlt_snapshot_free(s);
	assert_int_equal(dlt_storage_fault_fail(fs, DLT_STORAGE_OP_WRITE, 0, 0, 0, &err), DLT_OK);
	assert_int_equal(dlt_table_checkpoint(NULL, t, &co, &err), DLT_OK);
	dlt_table_free(t);
}

static void test_ckpt_write_interval_parse(void **state)
{
	int64_t v;
	(void)state;
	assert_int_equal(dlt_log__parse_interval_ms("interval 7 days", &v), 0);
	assert_int_equal(v, 7 * DLT_LOG_DAY_MS);
	assert_int_equal(dlt_log__parse_interval_ms("INTERVAL 1 WEEK 2 hours", &v), 0);
	assert_int_equal(v, 7 * DLT_LOG_DAY_MS + 2 * 3600000);
	assert_int_equal(dlt_log__parse_interval_ms("168 hours", &v), 0);
	assert_int_equal(v, 7 * DLT_LOG_DAY_MS);
	assert_int_equal(dlt_log__parse_interval_ms("30 seconds", &v), 0);
	assert_int_equal(v, 30000);
	assert_int_equal(dlt_log__parse_interval_ms("interval", &v), -1);
	assert_int_equal(dlt_log__parse_interval_ms("7 fortnights", &v), -1);
	assert_int_equal(dlt_log__parse_interval_ms("-1 days", &v), -1);
}

/* Cleanup: commits older than the retention go up to the newest checkpoint
 * that such a commit allows; every version from that checkpoint on reads. */
static void test_ckpt_write_cleanup_keeps_retained_versions(void **state)
{
	char dir[512] = TMP "/cleanup", p[1024];
	dlt_log_ckpt_opts o = DLT_LOG_CKPT_OPTS_INIT;
	dlt_log_ckpt_info info;
	dlt_log_cleanup_info ci;
	dlt_error err;
	int64_t now = dlt_log__now_ms(), old = now - 40 * DLT_LOG_DAY_MS;
	(void)state;
	make_table(dir, kV2Proto, "", 3, false);
	for (int v = 1; v <= 12; v++) {
		char text[256];
		snprintf(text, sizeof(text), "{\"add\":{\"path\":\"g%d.parquet\",\"partitionValues\":{},"
		         "\"size\":1,\"modificationTime\":1,\"dataChange\":true}}\n", v);
		commit_text(dir, v, text);
	}
	dlt_table *t = open_t(dir);
	o.update_last = 1;
	o.sidecar_actions = 2;
	for (int v = 3; v <= 12; v += 3) { /* v2 checkpoints with sidecars at 3, 6, 9, 12 */
		dlt_snapshot *s = snap_of(t, v);
		if (dlt_log__checkpoint_write(&info, s, &o, &err) != DLT_OK)
			fail_msg("%s", err.message);
		dlt_snapshot_free(s);
	}
	snprintf(p, sizeof(p), "%s/_delta_log/_sidecars", dir);
	int n_sidecars = count_files(p);
	assert_true(n_sidecars > 4);
	/* commits 0..7 and the sidecars are old */
	sh("cd '%s/_delta_log' && for f in _sidecars/*; do touch -d @%lld \"$f\"; done", dir,
	   (long long)(old / 1000));
	for (int v = 0; v <= 7; v++) {
		snprintf(p, sizeof(p), "%s/_delta_log/%020d.json", dir, v);
		set_mtime(p, old + v);
	}
	dlt_snapshot *s = snap_of(t, -1);
	if (dlt_log__cleanup_expired(&ci, s, 0, -1, &err) != DLT_OK)
		fail_msg("%s", err.message);
	dlt_snapshot_free(s);
	/* newest commit older than 30 days: 7; newest checkpoint <= 7: 6 */
	assert_int_equal(ci.oldest_version_kept, 6);
	assert_int_equal(ci.n_deleted, 6 + 1); /* commits 0..5, checkpoint 3 */
	assert_true(ci.n_sidecars_deleted > 0);
	snprintf(p, sizeof(p), "%s/_delta_log/00000000000000000005.json", dir);
	assert_false(file_exists(p));
	snprintf(p, sizeof(p), "%s/_delta_log/00000000000000000006.json", dir);
	assert_true(file_exists(p));
	for (int v = 6; v <= 12; v++) {
		dlt_snapshot *x = snap_of(t, v);
		assert_int_equal(x->n_files, 3 + v);
		dlt_snapshot_free(x);
	}
	{
		dlt_snapshot *x = NULL;
		assert_int_equal(dlt_table_snapshot(&x, t, 4, &err), DLT_ENOTFOUND);
	}
	/* nothing more to do: idempotent */
	dlt_cleanup_options co = DLT_CLEANUP_OPTIONS_INIT;
	int64_t n = -1;
	assert_int_equal(dlt_table_cleanup_log(&n, t, &co, &err), DLT_OK);
	assert_int_equal(n, 0);
	dlt_table_free(t);
}

static int64_t wall_ms(void *payload)
{
	(void)payload;
	return dlt_log__now_ms();
}

/* Auto-checkpoint: the post-commit hook checkpoints every
 * delta.checkpointInterval commits. */
static void test_ckpt_write_auto_checkpoint_every_n(void **state)
{
	char dir[512] = TMP "/auto", p[1024];
	dlt_error err;
	(void)state;
	make_table(dir, "{\"minReaderVersion\":1,\"minWriterVersion\":2}",
	           "\"delta.checkpointInterval\":\"4\"", 3, false);
	assert_int_equal(dlt_log__register_post_commit_hook("checkpoint", dlt_log__checkpoint_hook,
	                                                    NULL, &err), DLT_OK);
	dlt_table *t = open_t(dir);
	for (int i = 1; i <= 9; i++) {
		dlt_txn *txn = NULL;
		dlt_txn_file f = DLT_TXN_FILE_INIT;
		char path[64];
		int64_t v = -1;
		snprintf(path, sizeof(path), "n%d.parquet", i);
		f.path = path;
		f.size = 10;
		assert_int_equal(dlt_txn_begin(&txn, t, NULL, &err), DLT_OK);
		dlt_log__txn_set_clock(txn, wall_ms, NULL);
		if (dlt_txn_add_file(txn, &f, &err) != DLT_OK || dlt_txn_commit(&v, txn, &err) != DLT_OK)
			fail_msg("%s", err.message);
		assert_int_equal(v, i);
		assert_int_equal(dlt_log__txn_hook_status(txn, &err), DLT_OK);
		dlt_txn_free(txn);
	}
	for (int v = 1; v <= 9; v++) {
		snprintf(p, sizeof(p), "%s/_delta_log/%020d.checkpoint.parquet", dir, v);
		assert_int_equal(file_exists(p), v % 4 == 0);
	}
	assert_int_equal(dlt_log__last_checkpoint_hint(dlt_table_storage(t)), 8);
	dlt_snapshot *s = snap_of(t, -1);
	assert_int_equal(s->segment.checkpoint_version, 8);
	assert_int_equal(s->n_files, 12);
	dlt_snapshot_free(s);
	assert_int_equal(dlt_log__register_post_commit_hook("checkpoint", NULL, NULL, &err), DLT_OK);
	dlt_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ckpt_write_interval_parse),
		cmocka_unit_test(test_ckpt_write_corpus_roundtrip),
		cmocka_unit_test(test_ckpt_write_duckdb_reads_classic),
		cmocka_unit_test(test_ckpt_write_stats_struct_only),
		cmocka_unit_test(test_ckpt_write_v2_sidecars_roundtrip),
		cmocka_unit_test(test_ckpt_write_large_roundtrip),
		cmocka_unit_test(test_ckpt_write_v2_refused_without_feature),
		cmocka_unit_test(test_ckpt_write_expires_old_tombstones),
		cmocka_unit_test(test_ckpt_write_failure_leaves_table_readable),
		cmocka_unit_test(test_ckpt_write_cleanup_keeps_retained_versions),
		cmocka_unit_test(test_ckpt_write_auto_checkpoint_every_n),
	};
	mkdir(DLT_TEST_TMPDIR, 0777);
	mkdir(TMP, 0777);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
