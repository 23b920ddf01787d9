/* Regression: struct-level nulls of a nullable struct whose first (or only)
 * child is required. Such a leaf's definition levels still say whether the
 * struct was null (its max_def counts the struct's optional level); when that
 * leaf is "flat" (max_def 1, max_rep 0) the reader keeps its levels only as a
 * bitmap, and the struct used to come back valid where it was null.
 *
 * Each shape is written by our writer (page v1/v2, one or many row groups,
 * dictionary on/off), read back (whole and in small batches, dictionary
 * arrays, two threads, projections) and compared with hand-written values;
 * the same files are read by DuckDB, and a DuckDB-written file with the same
 * shapes must read as DuckDB reads it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arrow/arrow.h"
#include "deltalite/io.h"
#include "deltalite/parquet.h"
#include "deltalite/parquet_write.h"
#include "helpers_pq.h"

#define SN_DIR DLT_TEST_TMPDIR "/struct_nulls"

/* ---------- schemas ---------- */

static void mk(struct ArrowSchema *s, const char *fmt, const char *name, bool nullable,
               int64_t n_children)
{
	dlt_error err;
	if (dlt_schema__init(s, fmt, name, nullable ? ARROW_FLAG_NULLABLE : 0, n_children, &err) !=
	    DLT_OK)
		fail_msg("schema: %s", err.message);
}

/* struct<a: a_fmt NOT NULL, b: b_fmt> (b omitted when b_fmt is NULL) */
static void mk_ab(struct ArrowSchema *s, const char *name, bool nullable, const char *a_fmt,
                  const char *b_fmt)
{
	mk(s, "+s", name, nullable, b_fmt ? 2 : 1);
	mk(s->children[0], a_fmt, "a", false, 0);
	if (b_fmt)
		mk(s->children[1], b_fmt, "b", true, 0);
}

static void mk_map(struct ArrowSchema *s, const char *name, bool nullable)
{
	mk(s, "+m", name, nullable, 1);
	mk(s->children[0], "+s", "entries", false, 2);
	mk(s->children[0]->children[0], "u", "key", false, 0);
}

/* s: struct<a: utf8 NOT NULL, b: int32> */
static void shape_flat(struct ArrowSchema *r)
{
	mk(r, "+s", "", false, 2);
	mk_ab(r->children[0], "s", true, "u", "i");
	mk_ab(r->children[1], "o", true, "l", NULL); /* only child required */
}

/* l: list<struct<a: int32 NOT NULL, b: utf8>> */
static void shape_struct_in_list(struct ArrowSchema *r)
{
	mk(r, "+s", "", false, 1);
	mk(r->children[0], "+l", "l", true, 1);
	mk_ab(r->children[0]->children[0], "element", true, "i", "u");
}

/* s: struct<l: list<int32> NOT NULL, b: int32> */
static void shape_list_in_struct(struct ArrowSchema *r)
{
	mk(r, "+s", "", false, 1);
	mk(r->children[0], "+s", "s", true, 2);
	mk(r->children[0]->children[0], "+l", "l", false, 1);
	mk(r->children[0]->children[0]->children[0], "i", "element", true, 0);
	mk(r->children[0]->children[1], "i", "b", true, 0);
}

/* m: map<utf8, struct<a: int32 NOT NULL, b: utf8>> */
static void shape_map(struct ArrowSchema *r)
{
	mk(r, "+s", "", false, 1);
	mk_map(r->children[0], "m", true);
	mk_ab(r->children[0]->children[0]->children[1], "value", true, "i", "u");
}

/* d: struct<x: struct<y: struct<a: int32 NOT NULL> NOT NULL> NOT NULL, z: int32>,
 * e: struct<n: struct<a: int32 NOT NULL, b: struct<c: utf8 NOT NULL>>> NOT NULL,
 * g: list<list<struct<a: int64 NOT NULL>>> */
static void shape_deep(struct ArrowSchema *r)
{
	struct ArrowSchema *d, *e, *g;
	mk(r, "+s", "", false, 3);
	d = r->children[0];
	mk(d, "+s", "d", true, 2);
	mk(d->children[0], "+s", "x", false, 1);
	mk(d->children[0]->children[0], "+s", "y", false, 1);
	mk(d->children[0]->children[0]->children[0], "i", "a", false, 0);
	mk(d->children[1], "i", "z", true, 0);
	e = r->children[1];
	mk(e, "+s", "e", false, 1);
	mk(e->children[0], "+s", "n", true, 2);
	mk(e->children[0]->children[0], "i", "a", false, 0);
	mk(e->children[0]->children[1], "+s", "b", true, 1);
	mk(e->children[0]->children[1]->children[0], "u", "c", false, 0);
	g = r->children[2];
	mk(g, "+l", "g", true, 1);
	mk(g->children[0], "+l", "element", true, 1);
	mk_ab(g->children[0]->children[0], "element", true, "l", NULL);
}

/* ---------- rows: canonical text -> builder ---------- */

static const char *ws(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

static const char *expect(const char *p, char ch)
{
	p = ws(p);
	if (*p != ch)
		fail_msg("row text: '%c' expected at \"%s\"", ch, p);
	return p + 1;
}

/* Append the value at p (null, integer, "string", [..], {..}) to b. */
static const char *append_text(dlt_builder *b, const char *p)
{
	const char *fmt = dlt_builder__schema(b)->format;
	dlt_error err;
	int rc = DLT_OK;

	p = ws(p);
	if (strncmp(p, "null", 4) == 0) {
		if (dlt_builder__append_null(b, &err) != DLT_OK)
			fail_msg("append null: %s", err.message);
		return p + 4;
	}
	if (fmt[0] == '+' && fmt[1] == 's') {
		int64_t i, n = dlt_builder__n_children(b);
		p = expect(p, '{');
		for (i = 0; i < n; i++) {
			const char *name = dlt_builder__schema(dlt_builder__child(b, i))->name;
			size_t nl = strlen(name);
			if (i > 0)
				p = expect(p, ',');
			p = expect(p, '"');
			if (strncmp(p, name, nl) != 0 || p[nl] != '"')
				fail_msg("row text: field %s expected at \"%s\"", name, p);
			p = expect(p + nl + 1, ':');
			p = append_text(dlt_builder__child(b, i), p);
		}
		p = expect(p, '}');
		rc = dlt_builder__append_valid(b, &err);
	} else if (fmt[0] == '+') { /* list, map (entries as {"key":..,"value":..}) */
		p = expect(p, '[');
		if (*ws(p) != ']') {
			for (;;) {
				p = append_text(dlt_builder__child(b, 0), p);
				if (*ws(p) != ',')
					break;
				p = ws(p) + 1;
			}
		}
		p = expect(p, ']');
		rc = dlt_builder__append_valid(b, &err);
	} else if (*p == '"') {
		const char *q = strchr(p + 1, '"');
		if (q == NULL)
			fail_msg("row text: unterminated string");
		rc = dlt_builder__append_bytes(b, p + 1, (size_t)(q - p - 1), &err);
		p = q + 1;
	} else {
		char *end;
		long long v = strtoll(p, &end, 10);
		if (end == p)
			fail_msg("row text: value expected at \"%s\"", p);
		rc = dlt_builder__append_int(b, v, &err);
		p = end;
	}
	if (rc != DLT_OK)
		fail_msg("append: %s", err.message);
	return p;
}

/* ---------- write, read, compare ---------- */

typedef struct shape {
	const char *name;
	void (*schema)(struct ArrowSchema *);
	const char *const *rows; /* canonical text, one row each */
	size_t n_rows;
} shape;

typedef struct wconf {
	const char *tag;
	int page_version, dictionary;
	int64_t rg_rows, page_rows;
} wconf;

static const wconf k_wconfs[] = {
	{ "v1", 1, 1, 1048576, 20000 },
	{ "v2_small", 2, 0, 3, 2 },
	{ "v1_small_dict", 1, 1, 4, 1 },
};
#define N_WCONFS (sizeof(k_wconfs) / sizeof(k_wconfs[0]))

static void write_shape(char *path, size_t cap, const shape *sh, const wconf *wc)
{
	struct ArrowSchema s;
	struct ArrowArray batch;
	dlt_builder *b = NULL;
	dlt_output *out = NULL;
	dlt_parquet_writer *w = NULL;
	dlt_parquet_write_options o;
	dlt_error err;
	size_t i;

	mkdir(DLT_TEST_TMPDIR, 0755);
	mkdir(SN_DIR, 0755);
	snprintf(path, cap, SN_DIR "/%s_%s.parquet", sh->name, wc->tag);
	sh->schema(&s);
	if (dlt_builder__new(&b, &s, &err) != DLT_OK)
		fail_msg("builder: %s", err.message);
	for (i = 0; i < sh->n_rows; i++) {
		const char *end = append_text(b, sh->rows[i]);
		if (*ws(end) != 0)
			fail_msg("row text: trailing \"%s\"", end);
	}
	if (dlt_builder__finish(&batch, b, &err) != DLT_OK)
		fail_msg("finish: %s", err.message);
	assert_int_equal(dlt_parquet_write_options_init(&o, DLT_PARQUET_WRITE_OPTIONS_VERSION), 0);
	o.data_page_version = wc->page_version;
	o.dictionary = wc->dictionary;
	o.row_group_rows = wc->rg_rows;
	o.page_rows = wc->page_rows;
	assert_int_equal(dlt_output_open_file(&out, path, &err), DLT_OK);
	if (dlt_parquet_writer_open(&w, out, &s, &o, &err) != DLT_OK ||
	    dlt_parquet_writer_write(w, &batch, &err) != DLT_OK ||
	    dlt_parquet_writer_close(w, NULL, &err) != DLT_OK)
		fail_msg("write %s: %s", path, err.message);
	dlt_parquet_writer_free(w);
	dlt_output_free(out);
	batch.release(&batch);
	dlt_builder__free(b);
	dlt_schema__release(&s);
}

/* All rows of `path` as text lines; every batch validated. Caller frees. */
static char *read_text(const char *path, const dlt_parquet_read_options *opts)
{
	dlt_parquet_file *f = NULL;
	struct ArrowArrayStream st;
	struct ArrowSchema sch;
	dlt_buf text = DLT_BUF_INIT;
	dlt_error err;

	memset(&st, 0, sizeof(st));
	if (dlt_parquet_open_path(&f, path, opts, &err) != DLT_OK ||
	    dlt_parquet_read(&st, f, opts, &err) != DLT_OK)
		fail_msg("read %s: %s", path, err.message);
	assert_int_equal(st.get_schema(&st, &sch), 0);
	for (;;) {
		struct ArrowArray batch;
		int64_t i;
		if (dlt_stream__next(&st, &batch, &err) != DLT_OK)
			fail_msg("next %s: %s", path, err.message);
		if (batch.release == NULL)
			break;
		if (dlt_arrow__validate(&sch, &batch, &err) != DLT_OK)
			fail_msg("%s: invalid batch: %s", path, err.message);
		for (i = 0; i < batch.length; i++)
			if (pqt_render_row(&text, &sch, &batch, i) < 0 ||
			    dlt_buf_append_byte(&text, '\n', NULL) < 0)
				fail_msg("render");
		batch.release(&batch);
	}
	assert_int_equal(dlt_buf_append_byte(&text, 0, NULL), DLT_OK);
	sch.release(&sch);
	st.release(&st);
	dlt_parquet_file_free(f);
	return (char *)dlt_buf_detach(&text, NULL);
}

static char *join_rows(const char *const *rows, size_t n, const char *top)
{
	dlt_buf b = DLT_BUF_INIT;
	size_t i;
	for (i = 0; i < n; i++) {
		char line[1024];
		/* the rows are values of the one (or first) top-level column unless
		 * they are whole rows already */
		if (top != NULL)
			snprintf(line, sizeof(line), "{\"%s\":%s}\n", top, rows[i]);
		else
			snprintf(line, sizeof(line), "%s\n", rows[i]);
		assert_int_equal(dlt_buf_append(&b, line, strlen(line), NULL), DLT_OK);
	}
	assert_int_equal(dlt_buf_append_byte(&b, 0, NULL), DLT_OK);
	return (char *)dlt_buf_detach(&b, NULL);
}

static void check_text(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want) != 0) {
		printf("%s\n--- want\n%s--- got\n%s", what, want, got);
		fail_msg("%s: rows differ", what);
	}
}

/* Every read mode must give `want`. */
static void check_reads(const char *path, const char *want, const char *const *cols,
                        size_t n_cols)
{
	static const struct {
		int64_t batch;
		int threads, dictionary;
	} modes[] = { { 0, 1, 0 }, { 2, 1, 0 }, { 3, 2, 1 }, { 1, 2, 0 } };
	size_t m;
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		dlt_parquet_read_options o = DLT_PARQUET_READ_OPTIONS_INIT;
		char what[600];
		char *got;
		o.batch_size = modes[m].batch;
		o.threads = modes[m].threads;
		o.dictionary = modes[m].dictionary;
		o.columns = cols;
		o.n_columns = n_cols;
		got = read_text(path, &o);
		snprintf(what, sizeof(what), "%s (batch %d, threads %d, dict %d, %zu columns)", path,
		         (int)modes[m].batch, modes[m].threads, modes[m].dictionary, n_cols);
		check_text(what, got, want);
		dlt_free(got);
	}
}

static void run_shape(const shape *sh, char *first_path, size_t cap)
{
	char *want = join_rows(sh->rows, sh->n_rows, NULL);
	size_t k;
	for (k = 0; k < N_WCONFS; k++) {
		char path[512];
		write_shape(path, sizeof(path), sh, &k_wconfs[k]);
		check_reads(path, want, NULL, 0);
		if (k == 0 && first_path != NULL)
			snprintf(first_path, cap, "%s", path);
	}
	dlt_free(want);
}

/* ---------- the shapes ---------- */

static const char *const k_flat_rows[] = {
	"{\"s\":{\"a\":\"x0\",\"b\":0},\"o\":{\"a\":10}}",
	"{\"s\":null,\"o\":{\"a\":11}}",
	"{\"s\":{\"a\":\"x2\",\"b\":null},\"o\":null}",
	"{\"s\":null,\"o\":null}",
	"{\"s\":null,\"o\":{\"a\":14}}",
	"{\"s\":{\"a\":\"\",\"b\":5},\"o\":null}",
	"{\"s\":{\"a\":\"x6\",\"b\":6},\"o\":{\"a\":16}}",
	"{\"s\":{\"a\":\"x0\",\"b\":null},\"o\":null}",
};
static const char *const k_sil_rows[] = {
	"{\"l\":[{\"a\":1,\"b\":\"p\"},null,{\"a\":2,\"b\":null}]}",
	"{\"l\":null}",
	"{\"l\":[]}",
	"{\"l\":[null]}",
	"{\"l\":[{\"a\":3,\"b\":\"q\"}]}",
	"{\"l\":[null,null,{\"a\":4,\"b\":\"q\"},null]}",
	"{\"l\":null}",
};
static const char *const k_lis_rows[] = {
	"{\"s\":{\"l\":[1,null],\"b\":1}}",
	"{\"s\":null}",
	"{\"s\":{\"l\":[],\"b\":null}}",
	"{\"s\":null}",
	"{\"s\":{\"l\":[4],\"b\":4}}",
	"{\"s\":null}",
};
static const char *const k_map_rows[] = {
	"{\"m\":[{\"key\":\"k1\",\"value\":{\"a\":1,\"b\":\"x\"}},{\"key\":\"k2\",\"value\":null}]}",
	"{\"m\":null}",
	"{\"m\":[]}",
	"{\"m\":[{\"key\":\"k3\",\"value\":null}]}",
	"{\"m\":[{\"key\":\"k4\",\"value\":{\"a\":4,\"b\":null}}]}",
	"{\"m\":[{\"key\":\"k5\",\"value\":null},{\"key\":\"k6\",\"value\":{\"a\":6,\"b\":\"y\"}}]}",
};
static const char *const k_deep_rows[] = {
	"{\"d\":{\"x\":{\"y\":{\"a\":1}},\"z\":1},\"e\":{\"n\":{\"a\":1,\"b\":{\"c\":\"u\"}}},"
	"\"g\":[[{\"a\":1},null],null,[]]}",
	"{\"d\":null,\"e\":{\"n\":null},\"g\":null}",
	"{\"d\":{\"x\":{\"y\":{\"a\":3}},\"z\":null},\"e\":{\"n\":{\"a\":3,\"b\":null}},"
	"\"g\":[[null]]}",
	"{\"d\":null,\"e\":{\"n\":null},\"g\":[]}",
	"{\"d\":null,\"e\":{\"n\":{\"a\":5,\"b\":{\"c\":\"\"}}},\"g\":[[{\"a\":5}],[null,{\"a\":6}]]}",
};

#define SHAPE(n, f, r) { n, f, r, sizeof(r) / sizeof(r[0]) }
static const shape k_shapes[] = {
	SHAPE("flat", shape_flat, k_flat_rows),
	SHAPE("struct_in_list", shape_struct_in_list, k_sil_rows),
	SHAPE("list_in_struct", shape_list_in_struct, k_lis_rows),
	SHAPE("map_values", shape_map, k_map_rows),
	SHAPE("deep", shape_deep, k_deep_rows),
};
#define N_SHAPES (sizeof(k_shapes) / sizeof(k_shapes[0]))
static char g_files[N_SHAPES][512]; /* the v1 file of each shape, for DuckDB */

static void test_flat(void **state)
{
	(void)state;
	run_shape(&k_shapes[0], g_files[0], sizeof(g_files[0]));
}
static void test_struct_in_list(void **state)
{
	(void)state;
	run_shape(&k_shapes[1], g_files[1], sizeof(g_files[1]));
}
static void test_list_in_struct(void **state)
{
	(void)state;
	run_shape(&k_shapes[2], g_files[2], sizeof(g_files[2]));
}
static void test_map_values(void **state)
{
	(void)state;
	run_shape(&k_shapes[3], g_files[3], sizeof(g_files[3]));
}
static void test_deep(void **state)
{
	(void)state;
	run_shape(&k_shapes[4], g_files[4], sizeof(g_files[4]));
}

/* Projections keeping only the required leaf: the struct still gets its nulls. */
static void test_projection(void **state)
{
	static const char *const flat_a[] = {
		"{\"a\":\"x0\"}", "null", "{\"a\":\"x2\"}", "null", "null", "{\"a\":\"\"}",
		"{\"a\":\"x6\"}", "{\"a\":\"x0\"}",
	};
	static const char *const deep_d[] = {
		"{\"x\":{\"y\":{\"a\":1}}}", "null", "{\"x\":{\"y\":{\"a\":3}}}", "null", "null",
	};
	static const char *const deep_e[] = {
		"{\"n\":{\"a\":1}}", "{\"n\":null}", "{\"n\":{\"a\":3}}", "{\"n\":null}",
		"{\"n\":{\"a\":5}}",
	};
	static const char *const c_flat[] = { "s.a" };
	static const char *const c_d[] = { "d.x.y.a" };
	static const char *const c_e[] = { "e.n.a" };
	size_t k;
	(void)state;
	for (k = 0; k < N_WCONFS; k++) {
		char path[512];
		char *want;
		write_shape(path, sizeof(path), &k_shapes[0], &k_wconfs[k]);
		want = join_rows(flat_a, sizeof(flat_a) / sizeof(flat_a[0]), "s");
		check_reads(path, want, c_flat, 1);
		dlt_free(want);
		write_shape(path, sizeof(path), &k_shapes[4], &k_wconfs[k]);
		want = join_rows(deep_d, sizeof(deep_d) / sizeof(deep_d[0]), "d");
		check_reads(path, want, c_d, 1);
		dlt_free(want);
		want = join_rows(deep_e, sizeof(deep_e) / sizeof(deep_e[0]), "e");
		check_reads(path, want, c_e, 1);
		dlt_free(want);
	}
}

/* ---------- DuckDB ---------- */

/* node <script> <outdir> <node dir> <our files...>: writes duckdb_struct_nulls.parquet
 * (+ .expected.txt: DuckDB's read of it) and <our file>.duckdb.txt for each of ours. */
static const char *const k_js[] = {
	"import { writeFileSync } from 'node:fs';",
	"import { createRequire } from 'node:module';",
	"const [out, nodeDir, ...ours] = process.argv.slice(2);",
	"const require = createRequire(nodeDir + '/package.json');",
	"const { DuckDBInstance, DuckDBTypeId: T } = require('@duckdb/node-api');",
	"const con = await (await DuckDBInstance.create(':memory:')).connect();",
	"function text(v, t) {",
	"  if (v === null || v === undefined) return 'null';",
	"  switch (t.typeId) {",
	"    case T.TINYINT: case T.SMALLINT: case T.INTEGER: case T.BIGINT: return String(v);",
	"    case T.LIST: return '[' + v.map((e) => text(e, t.valueType)).join(',') + ']';",
	"    case T.STRUCT: return '{' + t.entryNames.map((n, k) => JSON.stringify(n) + ':' +",
	"      text(v[n], t.entryTypes[k])).join(',') + '}';",
	"    case T.MAP: return '[' + v.map((e) => '{\"key\":' + text(e.key, t.keyType) +",
	"      ',\"value\":' + text(e.value, t.valueType) + '}').join(',') + ']';",
	"    default: return JSON.stringify(v);",
	"  }",
	"}",
	"async function dump(file, dst) {",
	"  const r = await con.runAndReadAll(`SELECT * FROM read_parquet('${file}')`);",
	"  const names = r.columnNames(), types = r.columnTypes();",
	"  let s = '';",
	"  for (const row of r.getRowObjectsJson())",
	"    s += '{' + names.map((c, k) => JSON.stringify(c) + ':' + text(row[c], types[k]))",
	"      .join(',') + '}\\n';",
	"  writeFileSync(dst, s);",
	"}",
	"const f = out + '/duckdb_struct_nulls.parquet';",
	"await con.run(`COPY (SELECT",
	"  CASE WHEN i % 3 = 0 THEN NULL ELSE {'a': 'x' || i,",
	"    'b': CASE WHEN i % 2 = 0 THEN NULL ELSE i END::INTEGER} END AS s,",
	"  CASE WHEN i % 5 = 0 THEN NULL ELSE [CASE WHEN i % 2 = 0 THEN NULL",
	"    ELSE {'a': i::INTEGER, 'b': 'v'} END, {'a': 7, 'b': NULL}] END AS l,",
	"  CASE WHEN i % 4 = 0 THEN NULL ELSE {'l': [i::INTEGER, NULL], 'b': i::INTEGER} END AS ls,",
	"  CASE WHEN i % 6 = 0 THEN NULL ELSE MAP {'k' || (i % 3): CASE WHEN i % 2 = 0 THEN NULL",
	"    ELSE {'a': i::INTEGER, 'b': NULL::VARCHAR} END} END AS m,",
	"  CASE WHEN i % 7 = 0 THEN NULL ELSE {'x': {'y': CASE WHEN i % 2 = 0 THEN NULL",
	"    ELSE {'a': i::INTEGER} END}, 'z': i::INTEGER} END AS d",
	"  FROM range(300) t(i)) TO '${f}' (FORMAT parquet, ROW_GROUP_SIZE 100)`);",
	"await dump(f, f + '.expected.txt');",
	"for (const o of ours) await dump(o, o + '.duckdb.txt');",
	"console.log('ok');",
	"process.stdout.write('', () => process.exit(process.exitCode ?? 0));",
};

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

static void test_duckdb(void **state)
{
	char cmd[8192], line[256], dfile[600];
	FILE *fp;
	size_t i;
	int pos;
	bool ok = false;
	(void)state;
	for (i = 0; i < N_SHAPES; i++)
		if (g_files[i][0] == 0)
			run_shape(&k_shapes[i], g_files[i], sizeof(g_files[i]));
	mkdir(SN_DIR, 0755);
	fp = fopen(SN_DIR "/struct_nulls.mjs", "w");
	assert_non_null(fp);
	for (i = 0; i < sizeof(k_js) / sizeof(k_js[0]); i++)
		fprintf(fp, "%s\n", k_js[i]);
	fclose(fp);
	pos = snprintf(cmd, sizeof(cmd), "timeout 300 node '" SN_DIR "/struct_nulls.mjs' '" SN_DIR "' '"
	               DLT_NODE_DIR "'");
	for (i = 0; i < N_SHAPES; i++)
		pos += snprintf(cmd + pos, sizeof(cmd) - (size_t)pos, " '%s'", g_files[i]);
	fp = popen(cmd, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL)
		ok = ok || strncmp(line, "ok", 2) == 0;
	if (pclose(fp) != 0 || !ok)
		fail_msg("%s failed", cmd);

	/* DuckDB's file, read by us as DuckDB reads it */
	snprintf(dfile, sizeof(dfile), SN_DIR "/duckdb_struct_nulls.parquet");
	{
		char exp_path[700];
		char *want;
		snprintf(exp_path, sizeof(exp_path), "%s.expected.txt", dfile);
		want = slurp(exp_path);
		assert_non_null(want);
		check_reads(dfile, want, NULL, 0);
		free(want);
	}
	/* our files, read by DuckDB as we read them */
	for (i = 0; i < N_SHAPES; i++) {
		char exp_path[2560 + 32], what[2560 + 32];
		char *want, *got;
		dlt_parquet_read_options o = DLT_PARQUET_READ_OPTIONS_INIT;
		snprintf(exp_path, sizeof(exp_path), "%s.duckdb.txt", g_files[i]);
		want = slurp(exp_path);
		assert_non_null(want);
		got = read_text(g_files[i], &o);
		snprintf(what, sizeof(what), "%s vs DuckDB", g_files[i]);
		check_text(what, got, want);
		dlt_free(got);
		free(want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flat),
		cmocka_unit_test(test_struct_in_list),
		cmocka_unit_test(test_list_in_struct),
		cmocka_unit_test(test_map_values),
		cmocka_unit_test(test_deep),
		cmocka_unit_test(test_projection),
		cmocka_unit_test(test_duckdb),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
