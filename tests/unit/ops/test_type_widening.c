/* Type widening on schema merge (PROTOCOL.md "Type Widening"): writes whose
 * column types are supported widenings of the table's widen the table schema
 * in the same commit (delta.typeChanges), old files read back widened,
 * narrower data is cast up, refusals name the column and both types. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deltalite.h"
#include "deltalite/txn.h"
#include "arrow/arrow.h"
#include "ops/ops.h"
#include "table/helpers.c" /* canonical row rendering shared with the scan tests */

static char *tmp_table(const char *name)
{
	char *p = malloc(1024);
	char cmd[1200];
	snprintf(p, 1024, "%s/widen_%s_%d", DLT_TEST_TMPDIR, name, (int)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p);
	assert_int_equal(system(cmd), 0);
	return p;
}

static void parse_ddl(struct ArrowSchema *s, const char *ddl)
{
	dlt_error err;
	if (dlt_schema_parse_ddl(s, ddl, &err))
		fail_msg("ddl '%s': %s", ddl, err.message);
}

/* Row values: every leaf of column c holds a logical number x, encoded in
 * the leaf's type: integers x, floats x, decimals x at their scale, dates x
 * days, timestamps x days in microseconds. x = 3k + strlen(name) for
 * integer-like columns, k / 2 for columns named "f*", 5k / 4 for "dec*";
 * "id" is k. With g_big, int64 leaves get 3e9 added (values no int column
 * can hold). Values depend on names, not positions. */
static bool g_big;

static void put(dlt_builder *b, double x)
{
	const dlt_type_view *t = dlt_builder__type(b);
	switch (t->type) {
	case DLT_AT_INT8: case DLT_AT_INT16: case DLT_AT_INT32:
		assert_int_equal(dlt_builder__append_int(b, (int64_t)x, NULL), 0);
		break;
	case DLT_AT_INT64:
		assert_int_equal(dlt_builder__append_int(b, (int64_t)x + (g_big ? 3000000000LL : 0),
		                                         NULL), 0);
		break;
	case DLT_AT_FLOAT32: case DLT_AT_FLOAT64:
		assert_int_equal(dlt_builder__append_double(b, x, NULL), 0);
		break;
	case DLT_AT_DECIMAL128: {
		uint64_t w[2];
		int64_t v = llround(x * pow(10.0, t->scale));
		w[0] = (uint64_t)v;
		w[1] = v < 0 ? UINT64_MAX : 0;
		assert_int_equal(dlt_builder__append_decimal(b, w, 2, NULL), 0);
		break;
	}
	case DLT_AT_DATE32:
		assert_int_equal(dlt_builder__append_int(b, 19000 + (int64_t)x, NULL), 0);
		break;
	case DLT_AT_TIMESTAMP:
		assert_int_equal(dlt_builder__append_int(b, (19000 + (int64_t)x) * 86400000000LL,
		                                         NULL), 0);
		break;
	case DLT_AT_STRING:
		assert_int_equal(dlt_builder__append_bytes(b, "k", 1, NULL), 0);
		break;
	case DLT_AT_STRUCT:
		for (int64_t i = 0; i < dlt_builder__n_children(b); i++)
			put(dlt_builder__child(b, i), x + (double)i);
		assert_int_equal(dlt_builder__append_valid(b, NULL), 0);
		break;
	case DLT_AT_LIST:
		put(dlt_builder__child(b, 0), x);
		put(dlt_builder__child(b, 0), x + 1);
		assert_int_equal(dlt_builder__append_valid(b, NULL), 0);
		break;
	case DLT_AT_MAP: {
		dlt_builder *e = dlt_builder__child(b, 0);
		put(dlt_builder__child(e, 0), x);
		put(dlt_builder__child(e, 1), x);
		assert_int_equal(dlt_builder__append_valid(e, NULL), 0);
		assert_int_equal(dlt_builder__append_valid(b, NULL), 0);
		break;
	}
	default:
		fail_msg("type %d", (int)t->type);
	}
}

static void append_row(dlt_builder *b, const struct ArrowSchema *s, int64_t k)
{
	for (int64_t c = 0; c < dlt_builder__n_children(b); c++) {
		const char *n = s->children[c]->name;
		double x = n[0] == 'f' ? (double)k / 2 : strncmp(n, "dec", 3) == 0
		                       ? (double)k * 1.25 : (double)(3 * k + (int64_t)strlen(n));
		if (strcmp(n, "id") == 0)
			assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, c), k, NULL), 0);
		else
			put(dlt_builder__child(b, c), x);
	}
	assert_int_equal(dlt_builder__append_valid(b, NULL), 0);
}

static void make_stream(struct ArrowArrayStream *out, const char *ddl, int64_t first, int64_t n)
{
	struct ArrowSchema s, s2;
	struct ArrowArray a;
	dlt_builder *b = NULL;
	parse_ddl(&s, ddl);
	assert_int_equal(dlt_builder__new(&b, &s, NULL), 0);
	for (int64_t k = first; k < first + n; k++)
		append_row(b, &s, k);
	assert_int_equal(dlt_builder__finish(&a, b, NULL), 0);
	dlt_builder__free(b);
	assert_int_equal(dlt_schema__copy(&s2, &s, NULL), 0);
	assert_int_equal(dlt_stream__from_batches(out, &s2, &a, 1, NULL), 0);
	s.release(&s);
}

static int write_rows(dlt_table *t, const char *ddl, int64_t first, int64_t n,
                      dlt_schema_mode mode, dlt_error *err)
{
	dlt_write_options o = DLT_WRITE_OPTIONS_INIT;
	struct ArrowArrayStream st;
	int64_t v;
	o.schema_mode = mode;
	make_stream(&st, ddl, first, n);
	return dlt_table_write(&v, t, &st, &o, err);
}

static void render(th_lines *out, struct ArrowArrayStream *s)
{
	char msg[512];
	int rc = th_render_stream(out, s, msg, sizeof(msg));
	if (s->release)
		s->release(s);
	if (rc)
		fail_msg("stream: %s", msg);
}

/* Append the rendering of rows [first, first + n) of ddl built with g_big = big. */
static void expect(th_lines *want, const char *ddl, int64_t first, int64_t n, bool big)
{
	struct ArrowArrayStream st;
	bool save = g_big;
	g_big = big;
	make_stream(&st, ddl, first, n);
	g_big = save;
	render(want, &st);
}

static void scan_cols(const char *uri, th_lines *want, const char *pred,
                      const char *const *cols, size_t n_cols)
{
	dlt_table *t = NULL;
	dlt_snapshot *snap = NULL;
	struct ArrowArrayStream s;
	dlt_scan_options so = DLT_SCAN_OPTIONS_INIT;
	th_lines got = { 0 };
	dlt_error err;
	so.predicate_sql = pred;
	so.exact_filter = 1;
	so.columns = cols;
	so.n_columns = n_cols;
	if (dlt_table_open(&t, uri, NULL, &err) || dlt_table_snapshot(&snap, t, -1, &err) ||
	    dlt_snapshot_scan(&s, snap, &so, &err))
		fail_msg("scan %s: %s", uri, err.message);
	render(&got, &s);
	th_lines_sort(&got);
	th_lines_sort(want);
	if (got.n != want->n)
		fail_msg("%zu rows, want %zu (first: %s)", got.n, want->n, got.n ? got.v[0] : "-");
	for (size_t i = 0; i < got.n; i++)
		if (strcmp(got.v[i], want->v[i]) != 0)
			fail_msg("row %zu:\n  got  %s\n  want %s", i, got.v[i], want->v[i]);
	th_lines_free(&got);
	th_lines_free(want);
	dlt_snapshot_free(snap);
	dlt_table_free(t);
}

static void scan_equals(const char *uri, th_lines *want, const char *pred)
{
	scan_cols(uri, want, pred, NULL, 0);
}

static dlt_table *create(const char *uri, const char *ddl, bool widening, int cm,
                         const char *const *parts, size_t np)
{
	struct ArrowSchema s;
	dlt_create_options o = DLT_CREATE_OPTIONS_INIT;
	dlt_kv props[] = { { "delta.enableTypeWidening", "true" } };
	dlt_table *t = NULL;
	dlt_error err;
	parse_ddl(&s, ddl);
	o.properties = props;
	o.properties_len = widening ? 1 : 0;
	o.column_mapping = cm ? DLT_COLUMN_MAPPING_NAME : DLT_COLUMN_MAPPING_NONE;
	o.partition_by = parts;
	o.partition_by_len = np;
	if (dlt_table_create(&t, uri, &s, &o, &err))
		fail_msg("create: %s", err.message);
	s.release(&s);
	return t;
}

static int64_t version_of(dlt_table *t)
{
	dlt_snapshot *snap = NULL;
	int64_t v;
	assert_int_equal(dlt_table_snapshot(&snap, t, -1, NULL), 0);
	v = dlt_snapshot_version(snap);
	dlt_snapshot_free(snap);
	return v;
}

/* The table's schema JSON (copied) at the latest version. */
static char *schema_json(dlt_table *t)
{
	dlt_snapshot *snap = NULL;
	dlt_metadata_info mi;
	char *s;
	assert_int_equal(dlt_table_snapshot(&snap, t, -1, NULL), 0);
	dlt_snapshot_metadata(&mi, snap);
	s = strdup(mi.schema_string);
	dlt_snapshot_free(snap);
	return s;
}

static bool has_feature(const char *const *v, size_t n, const char *f)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], f) == 0)
			return true;
	return false;
}

static void assert_widening_protocol(dlt_table *t)
{
	dlt_snapshot *snap = NULL;
	dlt_protocol_info p;
	assert_int_equal(dlt_table_snapshot(&snap, t, -1, NULL), 0);
	dlt_snapshot_protocol(&p, snap);
	assert_int_equal(p.min_reader_version, 3);
	assert_int_equal(p.min_writer_version, 7);
	assert_true(has_feature(p.reader_features, p.n_reader_features, "typeWidening"));
	assert_true(has_feature(p.writer_features, p.n_writer_features, "typeWidening"));
	dlt_snapshot_free(snap);
}

/* Contents of the commit file of version v. */
static char *commit_text(const char *uri, int64_t v)
{
	char path[1400];
	FILE *f;
	long n;
	char *s;
	snprintf(path, sizeof(path), "%s/_delta_log/%020lld.json", uri, (long long)v);
	assert_non_null(f = fopen(path, "rb"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return s;
}

/* ------------------------------------------------------------- tests -- */

#define OLD_DDL "id bigint not null, v int, st struct<a: int, b: string>, arr array<int>, " \
                "m map<string, short>"
#define NEW_DDL "id bigint not null, v bigint, st struct<a: bigint, b: string>, " \
                "arr array<bigint>, m map<string, int>"

static void test_widen_int_to_long_roundtrip(void **state)
{
	char *uri = tmp_table("long");
	dlt_table *t = create(uri, OLD_DDL, true, 0, NULL, 0);
	th_lines want = { 0 };
	char *js, *log;
	dlt_error err;
	(void)state;

	assert_widening_protocol(t);
	assert_int_equal(write_rows(t, OLD_DDL, 0, 20, DLT_SCHEMA_STRICT, &err), 0);
	g_big = true;
	if (write_rows(t, NEW_DDL, 100, 10, DLT_SCHEMA_MERGE, &err))
		fail_msg("widening write: %s", err.message);
	g_big = false;
	assert_int_equal(version_of(t), 2);
	/* one commit: the metadata with the wider types and the new file */
	log = commit_text(uri, 2);
	assert_non_null(strstr(log, "\"metaData\""));
	assert_non_null(strstr(log, "\"add\""));
	free(log);
	js = schema_json(t);
	assert_non_null(strstr(js, "{\"name\":\"v\",\"type\":\"long\""));
	assert_non_null(strstr(js, "\"delta.typeChanges\":[{\"fromType\":\"integer\","
	                           "\"toType\":\"long\"}]"));
	/* nested: on the nearest struct field, with fieldPath for elements/values */
	assert_non_null(strstr(js, "{\"name\":\"a\",\"type\":\"long\""));
	assert_non_null(strstr(js, "{\"fromType\":\"integer\",\"toType\":\"long\","
	                           "\"fieldPath\":\"element\"}"));
	assert_non_null(strstr(js, "{\"fromType\":\"short\",\"toType\":\"integer\","
	                           "\"fieldPath\":\"value\"}"));
	assert_null(strstr(js, "tableVersion"));
	free(js);
	assert_widening_protocol(t);
	/* old int files read back as long; new rows beyond the int range exact */
	expect(&want, NEW_DDL, 0, 20, false);
	expect(&want, NEW_DDL, 100, 10, true);
	scan_equals(uri, &want, NULL);
	/* data skipping with the old files' int stats and the new long ones */
	expect(&want, NEW_DDL, 5, 1, false);
	scan_equals(uri, &want, "v = 16");
	expect(&want, NEW_DDL, 101, 1, true);
	scan_equals(uri, &want, "v = 3000000304");

	/* narrower data (the old types) into the widened table: cast up, no metadata */
	assert_int_equal(write_rows(t, OLD_DDL, 200, 5, DLT_SCHEMA_STRICT, &err), 0);
	assert_int_equal(write_rows(t, OLD_DDL, 300, 5, DLT_SCHEMA_MERGE, &err), 0);
	log = commit_text(uri, 4);
	assert_null(strstr(log, "\"metaData\""));
	free(log);
	/* a second widening of the same column keeps the history */
	assert_int_equal(write_rows(t, "id bigint not null, v decimal(25,2)", 400, 3,
	                            DLT_SCHEMA_MERGE, &err), 0);
	js = schema_json(t);
	assert_non_null(strstr(js, "\"delta.typeChanges\":[{\"fromType\":\"integer\","
	                           "\"toType\":\"long\"},{\"fromType\":\"long\","
	                           "\"toType\":\"decimal(25,2)\"}]"));
	free(js);
	{
		const char *dd = "id bigint not null, v decimal(25,2), st struct<a: bigint, b: string>, "
		                 "arr array<bigint>, m map<string, int>";
		expect(&want, dd, 0, 20, false);
		expect(&want, dd, 200, 5, false);
		expect(&want, dd, 300, 5, false);
		scan_equals(uri, &want, "id < 400 and (id < 100 or id >= 200)");
		static const char *const iv[] = { "id", "v" };
		expect(&want, "id bigint not null, v decimal(25,2)", 400, 3, false);
		scan_cols(uri, &want, "id >= 400", iv, 2);
	}
	/* DML over the mixed files */
	{
		dlt_dml_metrics dm;
		if (dlt_table_delete(&dm, t, "v < 30", NULL, &err))
			fail_msg("delete: %s", err.message);
		assert_int_equal(dm.num_deleted_rows, 10);
	}
	dlt_table_free(t);
	free(uri);
}

static void test_widen_other_types(void **state)
{
	static const char *const parts[] = { "pi" };
	const char *old_ddl = "id bigint not null, pi int, b tinyint, s smallint, i2d int, "
	                      "f float, dec decimal(10,2), i2dec int, dt date";
	const char *new_ddl = "id bigint not null, pi bigint, b int, s double, i2d double, "
	                      "f double, dec decimal(12,4), i2dec decimal(14,2), dt timestamp_ntz";
	char *uri = tmp_table("types");
	dlt_table *t = create(uri, old_ddl, true, 1, parts, 1);
	th_lines want = { 0 };
	char *js;
	dlt_error err;
	(void)state;

	assert_int_equal(write_rows(t, old_ddl, 0, 8, DLT_SCHEMA_STRICT, &err), 0);
	if (write_rows(t, new_ddl, 50, 8, DLT_SCHEMA_MERGE, &err))
		fail_msg("widening write: %s", err.message);
	js = schema_json(t);
	assert_non_null(strstr(js, "{\"fromType\":\"byte\",\"toType\":\"integer\"}"));
	assert_non_null(strstr(js, "{\"fromType\":\"short\",\"toType\":\"double\"}"));
	assert_non_null(strstr(js, "{\"fromType\":\"float\",\"toType\":\"double\"}"));
	assert_non_null(strstr(js, "{\"fromType\":\"decimal(10,2)\",\"toType\":\"decimal(12,4)\"}"));
	assert_non_null(strstr(js, "{\"fromType\":\"integer\",\"toType\":\"decimal(14,2)\"}"));
	assert_non_null(strstr(js, "{\"fromType\":\"date\",\"toType\":\"timestamp_ntz\"}"));
	/* column mapping: the widened columns keep their ids and physical names */
	assert_non_null(strstr(js, "\"delta.columnMapping.id\":9"));
	free(js);
	expect(&want, new_ddl, 0, 8, false);
	expect(&want, new_ddl, 50, 8, false);
	scan_equals(uri, &want, NULL);
	/* partition pruning on the widened partition column */
	expect(&want, new_ddl, 51, 1, false);
	scan_equals(uri, &want, "pi = 155");
	expect(&want, new_ddl, 1, 1, false);
	scan_equals(uri, &want, "pi = 5");
	dlt_table_free(t);
	free(uri);
}

static void test_widen_refusals(void **state)
{
	char *uri = tmp_table("refuse"), *uri2 = tmp_table("refuse_off");
	const char *ddl = "id bigint not null, v int, l bigint, dec decimal(10,2), g double, "
	                  "st struct<a: int>";
	dlt_table *t = create(uri, ddl, true, 0, NULL, 0);
	dlt_table *off = create(uri2, ddl, false, 0, NULL, 0);
	dlt_error err;
	int64_t v0;
	(void)state;

	assert_int_equal(write_rows(t, ddl, 0, 4, DLT_SCHEMA_STRICT, &err), 0);
	assert_int_equal(write_rows(off, ddl, 0, 4, DLT_SCHEMA_STRICT, &err), 0);
	v0 = version_of(t);
	/* without the table property */
	assert_int_equal(write_rows(off, "id bigint not null, v bigint", 10, 2, DLT_SCHEMA_MERGE,
	                            &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "column 'v': table type integer, data type long"));
	assert_non_null(strstr(err.message, "delta.enableTypeWidening=true"));
	assert_int_equal(write_rows(off, "id bigint not null, st struct<a: bigint>", 10, 2,
	                            DLT_SCHEMA_MERGE, &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "column 'st.a': table type integer, data type long"));
	/* strict mode never widens, but says how to */
	assert_int_equal(write_rows(t, "id bigint not null, v bigint", 10, 2, DLT_SCHEMA_STRICT,
	                            &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "column 'v': table type integer, data type long"));
	assert_non_null(strstr(err.message, "schema merge"));
	/* unsupported changes, feature on */
	assert_int_equal(write_rows(t, "id bigint not null, l double", 10, 2, DLT_SCHEMA_MERGE,
	                            &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "column 'l': table type long, data type double: not a "
	                                    "supported type widening"));
	assert_int_equal(write_rows(t, "id bigint not null, dec decimal(10,4)", 10, 2,
	                            DLT_SCHEMA_MERGE, &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "table type decimal(10,2), data type decimal(10,4)"));
	assert_int_equal(write_rows(t, "id bigint not null, v decimal(11,2)", 10, 2,
	                            DLT_SCHEMA_MERGE, &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "table type integer, data type decimal(11,2)"));
	assert_int_equal(write_rows(t, "id bigint not null, v string", 10, 2, DLT_SCHEMA_MERGE,
	                            &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "table type integer, data type string"));
	/* narrower but lossy is not a cast up: double data into a float? table g is
	 * double; long data into double is not lossless */
	assert_int_equal(write_rows(t, "id bigint not null, g bigint", 10, 2, DLT_SCHEMA_STRICT,
	                            &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "column 'g': table type double, data type long"));
	assert_int_equal(version_of(t), v0);
	/* lossless narrower data is accepted in both tables */
	assert_int_equal(write_rows(off, "id bigint not null, v smallint, g float, dec decimal(6,2)",
	                            20, 3, DLT_SCHEMA_STRICT, &err), 0);
	{
		static const char *const cols[] = { "id", "v", "dec", "g" };
		th_lines want = { 0 };
		expect(&want, "id bigint not null, v int, dec decimal(10,2), g double", 20, 3, false);
		scan_cols(uri2, &want, "id >= 20", cols, 4);
	}
	dlt_table_free(t);
	dlt_table_free(off);
	free(uri);
	free(uri2);
}

static void test_widen_enabled_later(void **state)
{
	char *uri = tmp_table("later");
	dlt_table *t = create(uri, "id bigint not null, f float", false, 0, NULL, 0);
	dlt_kv prop = { "delta.enableTypeWidening", "true" };
	th_lines want = { 0 };
	dlt_error err;
	(void)state;

	assert_int_equal(write_rows(t, "id bigint not null, f float", 0, 3, DLT_SCHEMA_STRICT,
	                            &err), 0);
	assert_int_equal(write_rows(t, "id bigint not null, f double", 3, 3, DLT_SCHEMA_MERGE,
	                            &err), DLT_ESCHEMA);
	if (dlt_table_set_properties(NULL, t, &prop, 1, &err))
		fail_msg("set: %s", err.message);
	assert_widening_protocol(t);
	if (write_rows(t, "id bigint not null, f double", 3, 3, DLT_SCHEMA_MERGE, &err))
		fail_msg("widen: %s", err.message);
	expect(&want, "id bigint not null, f double", 0, 6, false);
	scan_equals(uri, &want, NULL);
	dlt_table_free(t);
	free(uri);
}

static void test_widen_rules(void **state)
{
	static const struct { const char *from, *to; bool ok; } cases[] = {
		{ "c", "s", true }, { "c", "l", true }, { "i", "l", true }, { "l", "i", false },
		{ "f", "g", true }, { "g", "f", false }, { "i", "g", true }, { "l", "g", false },
		{ "tdD", "tsu:", true }, { "tdD", "tsu:UTC", false }, { "tdm", "tsn:", true },
		{ "d:10,2", "d:12,4", true }, { "d:10,2", "d:10,4", false },
		{ "d:10,2", "d:12,1", false }, { "d:10,2", "d:10,2", false },
		{ "i", "d:10,0", true }, { "i", "d:12,2", true }, { "i", "d:11,2", false },
		{ "l", "d:20,0", true }, { "l", "d:21,2", false }, { "l", "d:38,18", true },
		{ "u", "l", false }, { "i", "u", false },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ArrowSchema a, b;
		assert_int_equal(dlt_schema__init_leaf(&a, cases[i].from, "x", true, NULL), 0);
		assert_int_equal(dlt_schema__init_leaf(&b, cases[i].to, "x", true, NULL), 0);
		if (dlt_ops__is_widening(&a, &b) != cases[i].ok)
			fail_msg("%s -> %s: want %d", cases[i].from, cases[i].to, (int)cases[i].ok);
		dlt_schema__release(&a);
		dlt_schema__release(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_widen_rules),
		cmocka_unit_test(test_widen_int_to_long_roundtrip),
		cmocka_unit_test(test_widen_other_types),
		cmocka_unit_test(test_widen_refusals),
		cmocka_unit_test(test_widen_enabled_later),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
