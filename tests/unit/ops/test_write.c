/* Write path: create tables, append / overwrite / replaceWhere, partitions,
 * statistics (checked against DuckDB), schema enforcement and constraints,
 * column mapping, generated columns, table properties, DDL parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deltalite.h"
#include "deltalite/txn.h"
#include "arrow/arrow.h"
#include "ops/ops.h"
#include "table/helpers.c" /* canonical row rendering shared with the scan tests */

#define ALL_TYPES_DDL                                                                     \
	"id bigint not null, b tinyint, s smallint, i int, f float, d double, "           \
	"dec decimal(10,2), str string comment 'a string', bin binary, flag boolean, "    \
	"dt date, ts timestamp, tsn timestamp_ntz, tags array<string>, m map<string,int>, " \
	"st struct<a: int, b: string>"

static char *tmp_table(const char *name)
{
	char *p = malloc(1024);
	char cmd[1200];
	snprintf(p, 1024, "%s/write_%s_%d", DLT_TEST_TMPDIR, name, (int)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p);
	assert_int_equal(system(cmd), 0);
	return p;
}

static void parse_ddl(struct ArrowSchema *s, const char *ddl)
{
	dlt_error err;
	int rc = dlt_schema_parse_ddl(s, ddl, &err);
	if (rc)
		fail_msg("ddl: %s", err.message);
}

/* Row k of the all-types schema; k % 4 == 3 gives nulls where allowed. */
static void append_all_types(dlt_builder *b, int64_t k)
{
	static const char *const strs[] = { "alpha", "b=/ %x", "",
		"a very long string value that exceeds thirty-two characters, surely" };
	bool nul = k % 4 == 3;
	int64_t n = dlt_builder__n_children(b);
	for (int64_t c = 0; c < n; c++) {
		dlt_builder *cb = dlt_builder__child(b, c);
		const dlt_type_view *t = dlt_builder__type(cb);
		if (nul && c > 0) {
			assert_int_equal(dlt_builder__append_null(cb, NULL), 0);
			continue;
		}
		switch (t->type) {
		case DLT_AT_INT8: case DLT_AT_INT16: case DLT_AT_INT32: case DLT_AT_INT64:
			assert_int_equal(dlt_builder__append_int(cb, c == 0 ? k : (k * 7 - 5) % 100, NULL), 0);
			break;
		case DLT_AT_FLOAT32: case DLT_AT_FLOAT64:
			assert_int_equal(dlt_builder__append_double(cb, (double)k * 1.5 - 2.25, NULL), 0);
			break;
		case DLT_AT_DECIMAL128: {
			uint64_t w[2];
			int64_t v = k * 12345 - 999;
			w[0] = (uint64_t)v;
			w[1] = v < 0 ? UINT64_MAX : 0;
			assert_int_equal(dlt_builder__append_decimal(cb, w, 2, NULL), 0);
			break;
		}
		case DLT_AT_STRING: case DLT_AT_BINARY: {
			const char *s = strs[k % 4];
			assert_int_equal(dlt_builder__append_bytes(cb, s, strlen(s), NULL), 0);
			break;
		}
		case DLT_AT_BOOL:
			assert_int_equal(dlt_builder__append_bool(cb, k % 2, NULL), 0);
			break;
		case DLT_AT_DATE32:
			assert_int_equal(dlt_builder__append_int(cb, 19000 + k, NULL), 0);
			break;
		case DLT_AT_TIMESTAMP:
			assert_int_equal(dlt_builder__append_int(cb, 1700000000123456LL + k * 1000001, NULL), 0);
			break;
		case DLT_AT_LIST: {
			dlt_builder *e = dlt_builder__child(cb, 0);
			for (int64_t i = 0; i < k % 3; i++)
				assert_int_equal(dlt_builder__append_bytes(e, "x", 1, NULL), 0);
			assert_int_equal(dlt_builder__append_valid(cb, NULL), 0);
			break;
		}
		case DLT_AT_MAP: {
			dlt_builder *e = dlt_builder__child(cb, 0);
			if (k % 2) {
				assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(e, 0), "k", 1, NULL), 0);
				assert_int_equal(dlt_builder__append_int(dlt_builder__child(e, 1), k, NULL), 0);
				assert_int_equal(dlt_builder__append_valid(e, NULL), 0);
			}
			assert_int_equal(dlt_builder__append_valid(cb, NULL), 0);
			break;
		}
		case DLT_AT_STRUCT:
			assert_int_equal(dlt_builder__append_int(dlt_builder__child(cb, 0), k, NULL), 0);
			assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(cb, 1), "s", 1, NULL), 0);
			assert_int_equal(dlt_builder__append_valid(cb, NULL), 0);
			break;
		default:
			fail_msg("type %d", (int)t->type);
		}
	}
	assert_int_equal(dlt_builder__append_valid(b, NULL), 0);
}

typedef void (*row_fn)(dlt_builder *b, int64_t k);

/* A stream of `nb` batches of `rows` rows each (row k = first + i). */
static void make_stream(struct ArrowArrayStream *out, const struct ArrowSchema *schema,
                        row_fn fn, int64_t first, int64_t rows, int nb)
{
	struct ArrowArray batches[8];
	struct ArrowSchema s;
	dlt_builder *b = NULL;
	assert_true(nb <= 8);
	assert_int_equal(dlt_builder__new(&b, schema, NULL), 0);
	for (int i = 0; i < nb; i++) {
		for (int64_t r = 0; r < rows; r++)
			fn(b, first + i * rows + r);
		assert_int_equal(dlt_builder__finish(&batches[i], b, NULL), 0);
	}
	dlt_builder__free(b);
	assert_int_equal(dlt_schema__copy(&s, schema, NULL), 0);
	assert_int_equal(dlt_stream__from_batches(out, &s, batches, (size_t)nb, NULL), 0);
}

/* Rendered rows of a stream (consumed), sorted. */
static void render_stream(th_lines *out, struct ArrowArrayStream *s)
{
	char msg[512];
	int rc = th_render_stream(out, s, msg, sizeof(msg));
	if (s->release)
		s->release(s);
	if (rc)
		fail_msg("stream: %s", msg);
	th_lines_sort(out);
}

static void scan_table(th_lines *out, const char *uri, int64_t version)
{
	dlt_table *t = NULL;
	dlt_snapshot *snap = NULL;
	struct ArrowArrayStream s;
	dlt_error err;
	if (dlt_table_open(&t, uri, NULL, &err) || dlt_table_snapshot(&snap, t, version, &err) ||
	    dlt_snapshot_scan(&s, snap, NULL, &err))
		fail_msg("scan %s: %s", uri, err.message);
	render_stream(out, &s);
	dlt_snapshot_free(snap);
	dlt_table_free(t);
}

static void assert_lines_equal(const th_lines *a, const th_lines *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			fail_msg("row %zu differs:\n  got  %s\n  want %s", i, a->v[i], b->v[i]);
}

static int64_t latest_version(const char *uri, int64_t *n_files)
{
	dlt_table *t = NULL;
	dlt_snapshot *snap = NULL;
	dlt_error err;
	int64_t v;
	if (dlt_table_open(&t, uri, NULL, &err) || dlt_table_snapshot(&snap, t, -1, &err))
		fail_msg("open %s: %s", uri, err.message);
	v = dlt_snapshot_version(snap);
	if (n_files)
		*n_files = dlt_snapshot_num_files(snap);
	dlt_snapshot_free(snap);
	dlt_table_free(t);
	return v;
}

static dlt_table *create(const char *uri, const char *ddl, const char *const *parts, size_t np,
                         const dlt_kv *props, size_t nprops, int cm)
{
	struct ArrowSchema s;
	dlt_create_options o = DLT_CREATE_OPTIONS_INIT;
	dlt_table *t = NULL;
	dlt_error err;
	parse_ddl(&s, ddl);
	o.partition_by = parts;
	o.partition_by_len = np;
	o.properties = props;
	o.properties_len = nprops;
	o.column_mapping = cm ? DLT_COLUMN_MAPPING_NAME : DLT_COLUMN_MAPPING_NONE;
	o.name = "t";
	o.description = "test table";
	if (dlt_table_create(&t, uri, &s, &o, &err))
		fail_msg("create: %s", err.message);
	s.release(&s);
	return t;
}

static int write_rows(dlt_table *t, const char *ddl, row_fn fn, int64_t first, int64_t rows,
                      int nb, const dlt_write_options *o, dlt_error *err)
{
	struct ArrowSchema s;
	struct ArrowArrayStream st;
	int64_t v;
	int rc;
	parse_ddl(&s, ddl);
	make_stream(&st, &s, fn, first, rows, nb);
	rc = dlt_table_write(&v, t, &st, o, err);
	assert_null(st.release);
	s.release(&s);
	return rc;
}

/* The expected rendering of rows [first, first + n) of `ddl` built by fn. */
static void expected_rows(th_lines *out, const char *ddl, row_fn fn, int64_t first, int64_t n)
{
	struct ArrowSchema s;
	struct ArrowArrayStream st;
	parse_ddl(&s, ddl);
	make_stream(&st, &s, fn, first, n, 1);
	render_stream(out, &st);
	s.release(&s);
}

static void duckdb_check(const char *uri, int64_t rows)
{
	char cmd[2048], line[4096], want[1100];
	bool ok = false, rows_ok = false;
	FILE *p;
	snprintf(cmd, sizeof(cmd), "timeout 300 node %s/tests/unit/ops/write_duckdb.mjs %s '%s' 2>&1",
	         DLT_SOURCE_DIR, DLT_NODE_DIR, uri);
	p = popen(cmd, "r");
	assert_non_null(p);
	snprintf(want, sizeof(want), "ROWS %s %lld", uri, (long long)rows);
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = 0;
		if (strncmp(line, "MISMATCH", 8) == 0 || strstr(line, "Error"))
			fail_msg("duckdb: %s", line);
		if (strcmp(line, want) == 0)
			rows_ok = true;
		if (strncmp(line, "OK ", 3) == 0)
			ok = true;
	}
	assert_int_equal(pclose(p), 0);
	assert_true(rows_ok);
	assert_true(ok);
}

/* ------------------------------------------------------------- tests -- */

static void test_write_all_types_append_roundtrip(void **state)
{
	char *uri = tmp_table("types");
	dlt_table *t = create(uri, ALL_TYPES_DDL, NULL, 0, NULL, 0, 0);
	dlt_write_options o = DLT_WRITE_OPTIONS_INIT;
	dlt_write_metrics m;
	th_lines got = { 0 }, want = { 0 };
	dlt_error err;
	dlt_table *t2 = NULL;
	dlt_snapshot *snap = NULL;
	dlt_protocol_info pi;
	dlt_metadata_info mi;
	(void)state;

	o.metrics = &m;
	if (write_rows(t, ALL_TYPES_DDL, append_all_types, 0, 50, 2, &o, &err))
		fail_msg("write: %s", err.message);
	assert_int_equal(m.rows_written, 100);
	assert_int_equal(m.files_added, 1);
	if (write_rows(t, ALL_TYPES_DDL, append_all_types, 100, 10, 1, NULL, &err))
		fail_msg("append: %s", err.message);
	scan_table(&got, uri, -1);
	expected_rows(&want, ALL_TYPES_DDL, append_all_types, 0, 110);
	assert_lines_equal(&got, &want);
	/* log checks: protocol, schema, versions */
	assert_int_equal(dlt_table_open(&t2, uri, NULL, &err), 0);
	assert_int_equal(dlt_table_snapshot(&snap, t2, -1, &err), 0);
	assert_int_equal(dlt_snapshot_version(snap), 2);
	assert_int_equal(dlt_snapshot_num_files(snap), 2);
	dlt_snapshot_protocol(&pi, snap);
	/* timestamp_ntz needs table features */
	assert_int_equal(pi.min_reader_version, 3);
	assert_int_equal(pi.min_writer_version, 7);
	dlt_snapshot_metadata(&mi, snap);
	assert_string_equal(mi.name, "t");
	assert_non_null(strstr(mi.schema_string, "\"name\":\"dec\",\"type\":\"decimal(10,2)\""));
	assert_non_null(strstr(mi.schema_string, "\"comment\":\"a string\""));
	assert_non_null(strstr(mi.schema_string, "{\"name\":\"id\",\"type\":\"long\",\"nullable\":false"));
	assert_non_null(strstr(mi.schema_string,
	                       "{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":\"integer\""));
	dlt_snapshot_free(snap);
	dlt_table_free(t2);
	duckdb_check(uri, 110);
	th_lines_free(&got);
	th_lines_free(&want);
	dlt_table_free(t);
	free(uri);
}

#define PART_DDL "id int not null, ps string, pi int, pd date, pb boolean, pts timestamp, " \
	"pdec decimal(5,2), v double"

static void append_part(dlt_builder *b, int64_t k)
{
	static const char *const ps[] = { "a b", "x=y/z", "%25 ' \"q\"", "[1]:{2}", "ümlaut#?" };
	dlt_builder *c;
	assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 0), k, NULL), 0);
	c = dlt_builder__child(b, 1);
	if (k % 6 == 5)
		assert_int_equal(dlt_builder__append_null(c, NULL), 0);
	else
		assert_int_equal(dlt_builder__append_bytes(c, ps[k % 5], strlen(ps[k % 5]), NULL), 0);
	c = dlt_builder__child(b, 2);
	assert_int_equal(k % 4 == 3 ? dlt_builder__append_null(c, NULL)
	                            : dlt_builder__append_int(c, (k % 3) - 1, NULL), 0);
	assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 3), 18000 + k % 2, NULL), 0);
	assert_int_equal(dlt_builder__append_bool(dlt_builder__child(b, 4), k % 2, NULL), 0);
	assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 5), 1600000000000000LL + (k % 2) * 1500, NULL), 0);
	{
		uint64_t w[2] = { (uint64_t)(k % 2 ? -1250 : 999), k % 2 ? UINT64_MAX : 0 };
		assert_int_equal(dlt_builder__append_decimal(dlt_builder__child(b, 6), w, 2, NULL), 0);
	}
	assert_int_equal(dlt_builder__append_double(dlt_builder__child(b, 7), (double)k / 4, NULL), 0);
	assert_int_equal(dlt_builder__append_valid(b, NULL), 0);
}

static void test_write_partitioned_every_type(void **state)
{
	static const char *const parts[] = { "ps", "pi", "pd", "pb", "pts", "pdec" };
	char *uri = tmp_table("parts");
	dlt_table *t = create(uri, PART_DDL, parts, 6, NULL, 0, 0);
	th_lines got = { 0 }, want = { 0 };
	dlt_error err;
	char path[1400];
	struct stat st;
	int64_t nf = 0;
	(void)state;

	if (write_rows(t, PART_DDL, append_part, 0, 60, 1, NULL, &err))
		fail_msg("write: %s", err.message);
	scan_table(&got, uri, -1);
	expected_rows(&want, PART_DDL, append_part, 0, 60);
	assert_lines_equal(&got, &want);
	latest_version(uri, &nf);
	assert_true(nf > 10);
	/* Hive-style directories with Spark escaping, nulls as the default partition */
	snprintf(path, sizeof(path), "%s/ps=x%%3Dy%%2Fz", uri);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/ps=__HIVE_DEFAULT_PARTITION__", uri);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/ps=a b/pi=-1/pd=2019-04-14/pb=false/"
	         "pts=2020-09-13 12%%3A26%%3A40/pdec=9.99", uri);
	assert_int_equal(stat(path, &st), 0);
	duckdb_check(uri, 60);
	th_lines_free(&got);
	th_lines_free(&want);
	dlt_table_free(t);
	free(uri);
}

#define SIMPLE_DDL "id int not null, p string, v string"

static void append_simple(dlt_builder *b, int64_t k)
{
	char v[64];
	const char *p = k % 2 ? "odd" : "even";
	snprintf(v, sizeof(v), "value-%lld", (long long)k);
	assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 0), k, NULL), 0);
	assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 1), p, strlen(p), NULL), 0);
	assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 2), v, strlen(v), NULL), 0);
	assert_int_equal(dlt_builder__append_valid(b, NULL), 0);
}

static void test_write_overwrite_and_replace_where(void **state)
{
	static const char *const parts[] = { "p" };
	char *uri = tmp_table("overwrite");
	dlt_table *t = create(uri, SIMPLE_DDL, parts, 1, NULL, 0, 0);
	dlt_write_options o = DLT_WRITE_OPTIONS_INIT;
	th_lines got = { 0 }, want = { 0 };
	dlt_error err;
	int64_t nf;
	(void)state;

	assert_int_equal(write_rows(t, SIMPLE_DDL, append_simple, 0, 10, 1, NULL, &err), 0);
	/* full overwrite */
	o.mode = DLT_WRITE_OVERWRITE;
	if (write_rows(t, SIMPLE_DDL, append_simple, 100, 4, 1, &o, &err))
		fail_msg("overwrite: %s", err.message);
	scan_table(&got, uri, -1);
	expected_rows(&want, SIMPLE_DDL, append_simple, 100, 4);
	assert_lines_equal(&got, &want);
	th_lines_free(&got);
	th_lines_free(&want);
	/* the old version is still readable */
	scan_table(&got, uri, 1);
	assert_int_equal(got.n, 10);
	th_lines_free(&got);

	/* replaceWhere on a partition column: rows 200..203 even only */
	o.replace_where = "p = 'even'";
	{
		struct ArrowSchema s;
		struct ArrowArrayStream st;
		dlt_builder *b = NULL;
		struct ArrowArray a;
		parse_ddl(&s, SIMPLE_DDL);
		assert_int_equal(dlt_builder__new(&b, &s, NULL), 0);
		append_simple(b, 200);
		append_simple(b, 202);
		assert_int_equal(dlt_builder__finish(&a, b, NULL), 0);
		dlt_builder__free(b);
		assert_int_equal(dlt_stream__from_batches(&st, &s, &a, 1, NULL), 0);
		if (dlt_table_write(NULL, t, &st, &o, &err))
			fail_msg("replaceWhere: %s", err.message);
	}
	scan_table(&got, uri, -1);
	assert_int_equal(got.n, 4); /* 101, 103 kept; 100, 102 replaced by 200, 202 */
	assert_non_null(strstr(got.v[0], "101") ? got.v[0] : got.v[1]);
	th_lines_free(&got);

	/* replaceWhere on a data column: the file is rewritten without those rows */
	o.replace_where = "id >= 202";
	{
		struct ArrowSchema s;
		struct ArrowArrayStream st;
		dlt_builder *b = NULL;
		struct ArrowArray a;
		parse_ddl(&s, SIMPLE_DDL);
		assert_int_equal(dlt_builder__new(&b, &s, NULL), 0);
		append_simple(b, 300);
		assert_int_equal(dlt_builder__finish(&a, b, NULL), 0);
		dlt_builder__free(b);
		assert_int_equal(dlt_stream__from_batches(&st, &s, &a, 1, NULL), 0);
		if (dlt_table_write(NULL, t, &st, &o, &err))
			fail_msg("replaceWhere data: %s", err.message);
	}
	scan_table(&got, uri, -1);
	assert_int_equal(got.n, 4); /* 101, 103, 200, 300 */
	for (size_t i = 0; i < got.n; i++)
		assert_null(strstr(got.v[i], "202"));
	th_lines_free(&got);

	/* new rows outside the predicate are refused, naming the row */
	o.replace_where = "p = 'odd'";
	assert_int_equal(write_rows(t, SIMPLE_DDL, append_simple, 400, 2, 1, &o, &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "does not match the replaceWhere predicate"));
	assert_non_null(strstr(err.message, "row 0"));
	assert_int_equal(latest_version(uri, &nf), 4);
	duckdb_check(uri, 4);
	dlt_table_free(t);
	free(uri);
}

static void test_write_file_rolling_and_stats(void **state)
{
	char *uri = tmp_table("roll");
	dlt_kv props[] = { { "delta.dataSkippingNumIndexedCols", "2" } };
	dlt_table *t = create(uri, ALL_TYPES_DDL, NULL, 0, props, 1, 0);
	dlt_write_options o = DLT_WRITE_OPTIONS_INIT;
	dlt_write_metrics m;
	dlt_snapshot *snap = NULL;
	dlt_error err;
	(void)state;

	o.target_file_size = 4096;
	o.metrics = &m;
	o.codec = DLT_PARQUET_CODEC_ZSTD;
	if (write_rows(t, ALL_TYPES_DDL, append_all_types, 0, 400, 4, &o, &err))
		fail_msg("write: %s", err.message);
	assert_true(m.files_added > 1);
	assert_int_equal(dlt_table_snapshot(&snap, t, -1, &err), 0);
	for (size_t i = 0; i < snap->n_files; i++) {
		const char *s = snap->files[i].stats;
		assert_non_null(strstr(snap->files[i].path, ".zstd.parquet"));
		assert_non_null(strstr(snap->files[i].path, "part-"));
		assert_non_null(s);
		/* only the first 2 columns are indexed */
		assert_non_null(strstr(s, "\"minValues\":{\"id\":"));
		assert_null(strstr(s, "\"str\""));
	}
	dlt_snapshot_free(snap);
	duckdb_check(uri, 1600);
	dlt_table_free(t);
	free(uri);
}

static void append_long_str(dlt_builder *b, int64_t k)
{
	const char *s = "a very long string value that exceeds thirty-two characters, surely";
	(void)k;
	assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 0), k, NULL), 0);
	assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 1), s, strlen(s), NULL), 0);
	assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 2), 1700000000123999LL + k, NULL), 0);
	assert_int_equal(dlt_builder__append_valid(b, NULL), 0);
}

static void test_write_stats_truncation(void **state)
{
	const char *ddl = "id int, s string, ts timestamp";
	char *uri = tmp_table("trunc");
	dlt_table *t = create(uri, ddl, NULL, 0, NULL, 0, 0);
	dlt_snapshot *snap = NULL;
	dlt_error err;
	const char *s;
	(void)state;

	assert_int_equal(write_rows(t, ddl, append_long_str, 0, 3, 1, NULL, &err), 0);
	assert_int_equal(dlt_table_snapshot(&snap, t, -1, &err), 0);
	s = snap->files[0].stats;
	assert_non_null(strstr(s, "\"minValues\":{\"id\":0,\"s\":\"a very long string value that ex\""));
	assert_non_null(strstr(s, "\"s\":\"a very long string value that ex\xf4\x8f\xbf\xbf\""));
	assert_non_null(strstr(s, "\"ts\":\"2023-11-14T22:13:20.123Z\""));
	assert_non_null(strstr(s, "\"maxValues\":{\"id\":2,"));
	dlt_snapshot_free(snap);
	duckdb_check(uri, 3);
	dlt_table_free(t);
	free(uri);
}

static void append_neg(dlt_builder *b, int64_t k)
{
	append_simple(b, k == 2 ? -5 : k);
}

static void append_null_id(dlt_builder *b, int64_t k)
{
	dlt_builder *c = dlt_builder__child(b, 0);
	if (k == 1)
		assert_int_equal(dlt_builder__append_null(c, NULL), 0);
	else
		assert_int_equal(dlt_builder__append_int(c, k, NULL), 0);
	assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 1), "p", 1, NULL), 0);
	assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 2), "v", 1, NULL), 0);
	assert_int_equal(dlt_builder__append_valid(b, NULL), 0);
}

static void test_write_bad_input_leaves_table_unchanged(void **state)
{
	static const char *const bad_parts[] = { "nope" };
	dlt_kv props[] = { { "delta.constraints.id_positive", "id >= 0" } };
	char *uri = tmp_table("bad");
	dlt_table *t = create(uri, SIMPLE_DDL, NULL, 0, props, 1, 0);
	dlt_write_options o = DLT_WRITE_OPTIONS_INIT;
	dlt_error err;
	int64_t nf = 0;
	(void)state;

	assert_int_equal(write_rows(t, SIMPLE_DDL, append_simple, 0, 3, 1, NULL, &err), 0);
	assert_int_equal(latest_version(uri, &nf), 1);
	/* CHECK constraint, with the row's values */
	assert_int_equal(write_rows(t, SIMPLE_DDL, append_neg, 0, 4, 1, NULL, &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "check constraint 'id_positive' (id >= 0) violated"));
	assert_non_null(strstr(err.message, "id=-5"));
	/* NOT NULL */
	assert_int_equal(write_rows(t, SIMPLE_DDL, append_null_id, 0, 3, 1, NULL, &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "NOT NULL column 'id' is null at row 1"));
	/* type mismatch names the column and both types */
	assert_int_equal(write_rows(t, "id int not null, p string, v bigint", NULL, 0, 0, 0, NULL,
	                            &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "column 'v': table type string, data type long"));
	/* extra column */
	assert_int_equal(write_rows(t, "id int not null, p string, v string, w int", NULL, 0, 0, 0,
	                            NULL, &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "column 'w'"));
	/* unknown partition column */
	o.partition_by = bad_parts;
	o.partition_by_len = 1;
	assert_int_equal(write_rows(t, SIMPLE_DDL, append_simple, 0, 3, 1, &o, &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "unknown partition column 'nope'"));
	assert_int_equal(latest_version(uri, &nf), 1);
	assert_int_equal(nf, 1);
	dlt_table_free(t);
	free(uri);
}

static void test_write_unsupported_writer_feature_refused(void **state)
{
	char *uri = tmp_table("feature");
	char path[1200];
	const char *log =
		"{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":7,"
		"\"writerFeatures\":[\"identityColumns\",\"rowTracking\"]}}\n"
		"{\"metaData\":{\"id\":\"x\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"
		"\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":[{\\\"name\\\":\\\"id\\\","
		"\\\"type\\\":\\\"integer\\\",\\\"nullable\\\":false,\\\"metadata\\\":{}},{\\\"name\\\":\\\"p\\\","
		"\\\"type\\\":\\\"string\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}},{\\\"name\\\":\\\"v\\\","
		"\\\"type\\\":\\\"string\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}}]}\","
		"\"partitionColumns\":[],\"configuration\":{},\"createdTime\":1}}\n";
	FILE *f;
	dlt_table *t = NULL;
	dlt_error err;
	int64_t nf;
	(void)state;

	snprintf(path, sizeof(path), "%s/_delta_log", uri);
	assert_int_equal(mkdir(uri, 0755), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/_delta_log/00000000000000000000.json", uri);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(log, f);
	fclose(f);
	assert_int_equal(dlt_table_open(&t, uri, NULL, &err), 0);
	assert_int_equal(write_rows(t, SIMPLE_DDL, append_simple, 0, 3, 1, NULL, &err),
	                 DLT_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "identityColumns"));
	assert_int_equal(latest_version(uri, &nf), 0);
	assert_int_equal(nf, 0);
	dlt_table_free(t);
	free(uri);
}

static void test_write_create_modes(void **state)
{
	char *uri = tmp_table("modes");
	dlt_table *t = create(uri, SIMPLE_DDL, NULL, 0, NULL, 0, 0);
	dlt_create_options o = DLT_CREATE_OPTIONS_INIT;
	struct ArrowSchema s;
	dlt_table *t2 = NULL;
	dlt_error err;
	dlt_write_options wo = DLT_WRITE_OPTIONS_INIT;
	int64_t nf;
	(void)state;

	parse_ddl(&s, "a string");
	assert_int_equal(dlt_table_create(&t2, uri, &s, &o, &err), DLT_EEXISTS);
	o.mode = DLT_WRITE_IGNORE;
	assert_int_equal(dlt_table_create(&t2, uri, &s, &o, &err), 0);
	dlt_table_free(t2);
	assert_int_equal(latest_version(uri, &nf), 0);
	assert_int_equal(write_rows(t, SIMPLE_DDL, append_simple, 0, 3, 1, NULL, &err), 0);
	/* write mode error / ignore on a table with data */
	wo.mode = DLT_WRITE_ERROR;
	assert_int_equal(write_rows(t, SIMPLE_DDL, append_simple, 0, 3, 1, &wo, &err), DLT_EEXISTS);
	wo.mode = DLT_WRITE_IGNORE;
	assert_int_equal(write_rows(t, SIMPLE_DDL, append_simple, 0, 3, 1, &wo, &err), 0);
	assert_int_equal(latest_version(uri, &nf), 1);
	o.mode = DLT_WRITE_OVERWRITE;
	assert_int_equal(dlt_table_create(&t2, uri, &s, &o, &err), 0);
	assert_int_equal(latest_version(uri, &nf), 2);
	assert_int_equal(nf, 0);
	dlt_table_free(t2);
	/* unknown partition column at create */
	{
		const char *const bad[] = { "zzz" };
		char *u2 = tmp_table("modes2");
		o.mode = DLT_WRITE_ERROR;
		o.partition_by = bad;
		o.partition_by_len = 1;
		assert_int_equal(dlt_table_create(NULL, u2, &s, &o, &err), DLT_ESCHEMA);
		assert_non_null(strstr(err.message, "unknown partition column 'zzz'"));
		free(u2);
	}
	s.release(&s);
	dlt_table_free(t);
	free(uri);
}

static void append_simple_x(dlt_builder *b, int64_t k)
{
	char v[64];
	snprintf(v, sizeof(v), "x%lld", (long long)k);
	assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 0), k, NULL), 0);
	assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 1), "odd", 3, NULL), 0);
	assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 2), "v", 1, NULL), 0);
	assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 3), v, strlen(v), NULL), 0);
	assert_int_equal(dlt_builder__append_valid(b, NULL), 0);
}

static void test_write_column_mapping_and_schema_merge(void **state)
{
	static const char *const parts[] = { "p" };
	char *uri = tmp_table("cm");
	dlt_table *t = create(uri, SIMPLE_DDL, parts, 1, NULL, 0, 1);
	dlt_write_options o = DLT_WRITE_OPTIONS_INIT;
	th_lines got = { 0 }, want = { 0 };
	dlt_snapshot *snap = NULL;
	dlt_error err;
	(void)state;

	if (write_rows(t, SIMPLE_DDL, append_simple, 0, 6, 1, NULL, &err))
		fail_msg("write: %s", err.message);
	scan_table(&got, uri, -1);
	expected_rows(&want, SIMPLE_DDL, append_simple, 0, 6);
	assert_lines_equal(&got, &want);
	th_lines_free(&got);
	th_lines_free(&want);
	assert_int_equal(dlt_table_snapshot(&snap, t, -1, &err), 0);
	assert_int_equal(snap->column_mapping, DLT_LOG_CM_NAME);
	assert_non_null(strstr(snap->files[0].path, "col-"));
	assert_non_null(strstr(snap->files[0].stats, "\"col-"));
	assert_string_equal(dlt_snapshot_property(snap, "delta.columnMapping.maxColumnId"), "3");
	dlt_snapshot_free(snap);
	duckdb_check(uri, 6);
	/* merge: a new column */
	o.schema_mode = DLT_SCHEMA_MERGE;
	if (write_rows(t, "id int not null, p string, v string, extra string", append_simple_x, 10, 2,
	               1, &o, &err))
		fail_msg("merge: %s", err.message);
	assert_int_equal(dlt_table_snapshot(&snap, t, -1, &err), 0);
	assert_string_equal(dlt_snapshot_property(snap, "delta.columnMapping.maxColumnId"), "4");
	assert_int_equal(snap->schema.n_children, 4);
	dlt_snapshot_free(snap);
	scan_table(&got, uri, -1);
	assert_int_equal(got.n, 8);
	th_lines_free(&got);
	dlt_table_free(t);
	free(uri);
}

static void append_gen(dlt_builder *b, int64_t k)
{
	assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 0), k, NULL), 0);
	assert_int_equal(dlt_builder__append_valid(b, NULL), 0);
}

static void append_gen_bad(dlt_builder *b, int64_t k)
{
	assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 0), k, NULL), 0);
	assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 1), k == 1 ? 99 : k * 2, NULL), 0);
	assert_int_equal(dlt_builder__append_valid(b, NULL), 0);
}

static void test_write_generated_column(void **state)
{
	char *uri = tmp_table("gen");
	struct ArrowSchema s;
	dlt_table *t = NULL;
	dlt_error err;
	th_lines got = { 0 };
	dlt_protocol_info pi;
	dlt_snapshot *snap = NULL;
	const char *k = "delta.generationExpression", *v = "id * 2";
	(void)state;

	parse_ddl(&s, "id int, g int");
	assert_int_equal(dlt_schema__set_metadata(s.children[1], &k, &v, 1, NULL), 0);
	assert_int_equal(dlt_table_create(&t, uri, &s, NULL, &err), 0);
	s.release(&s);
	if (write_rows(t, "id int", append_gen, 0, 3, 1, NULL, &err))
		fail_msg("gen: %s", err.message);
	scan_table(&got, uri, -1);
	assert_int_equal(got.n, 3);
	assert_non_null(strstr(got.v[2], "\"g\":4"));
	th_lines_free(&got);
	assert_int_equal(write_rows(t, "id int, g int", append_gen_bad, 0, 3, 1, NULL, &err),
	                 DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "generated column 'g' does not match"));
	assert_non_null(strstr(err.message, "g=99"));
	assert_int_equal(dlt_table_snapshot(&snap, t, -1, &err), 0);
	dlt_snapshot_protocol(&pi, snap);
	assert_int_equal(pi.min_writer_version, 4);
	dlt_snapshot_free(snap);
	dlt_table_free(t);
	free(uri);
}

static void test_write_set_unset_properties(void **state)
{
	char *uri = tmp_table("props");
	dlt_table *t = create(uri, SIMPLE_DDL, NULL, 0, NULL, 0, 0);
	dlt_kv set[] = { { "delta.constraints.small", "id < 100" }, { "owner", "me" } };
	const char *const unset[] = { "owner" };
	const char *const missing[] = { "nope" };
	dlt_snapshot *snap = NULL;
	dlt_protocol_info pi;
	dlt_error err;
	int64_t v = 0;
	(void)state;

	if (dlt_table_set_properties(&v, t, set, 2, &err))
		fail_msg("set: %s", err.message);
	assert_int_equal(v, 1);
	assert_int_equal(dlt_table_snapshot(&snap, t, -1, &err), 0);
	assert_string_equal(dlt_snapshot_property(snap, "owner"), "me");
	dlt_snapshot_protocol(&pi, snap);
	assert_int_equal(pi.min_writer_version, 3); /* CHECK constraints */
	dlt_snapshot_free(snap);
	assert_int_equal(write_rows(t, SIMPLE_DDL, append_simple, 99, 3, 1, NULL, &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "check constraint 'small'"));
	assert_int_equal(dlt_table_unset_properties(&v, t, unset, 1, 0, &err), 0);
	assert_int_equal(v, 2);
	assert_int_equal(dlt_table_unset_properties(&v, t, missing, 1, 0, &err), DLT_ENOTFOUND);
	assert_int_equal(dlt_table_unset_properties(&v, t, missing, 1, 1, &err), 0);
	dlt_table_free(t);
	free(uri);
}

static void test_write_ddl_parser(void **state)
{
	struct ArrowSchema s;
	char buf[512];
	dlt_error err;
	(void)state;

	parse_ddl(&s, "id bigint not null, name string, ts timestamp, d decimal(10,2), "
	          "tags array<string>, m map<string,int>, s struct<a: int, `b c`: string>");
	assert_int_equal(s.n_children, 7);
	assert_false(s.children[0]->flags & ARROW_FLAG_NULLABLE);
	assert_string_equal(dlt_ops__type_name(&s, buf, sizeof(buf)),
	                    "struct<id: long, name: string, ts: timestamp, d: decimal(10,2), "
	                    "tags: array<string>, m: map<string,integer>, s: struct<a: integer, "
	                    "b c: string>>");
	s.release(&s);
	assert_int_equal(dlt_schema_parse_ddl(&s, "id bigint, x strin", &err), DLT_EINVAL);
	assert_non_null(strstr(err.message, "at offset 13: expected a type"));
	assert_int_equal(dlt_schema_parse_ddl(&s, "d decimal(40,2)", &err), DLT_EINVAL);
	assert_int_equal(dlt_schema_parse_ddl(&s, "a array<int", &err), DLT_EINVAL);
	assert_int_equal(dlt_schema_parse_ddl(&s, "", &err), DLT_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_ddl_parser),
		cmocka_unit_test(test_write_all_types_append_roundtrip),
		cmocka_unit_test(test_write_partitioned_every_type),
		cmocka_unit_test(test_write_overwrite_and_replace_where),
		cmocka_unit_test(test_write_file_rolling_and_stats),
		cmocka_unit_test(test_write_stats_truncation),
		cmocka_unit_test(test_write_bad_input_leaves_table_unchanged),
		cmocka_unit_test(test_write_unsupported_writer_feature_refused),
		cmocka_unit_test(test_write_create_modes),
		cmocka_unit_test(test_write_column_mapping_and_schema_merge),
		cmocka_unit_test(test_write_generated_column),
		cmocka_unit_test(test_write_set_unset_properties),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
