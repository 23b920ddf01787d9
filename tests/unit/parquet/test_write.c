/* Parquet writer: files read back by independent readers (DuckDB, hyparquet,
 * parquet-wasm through tests/unit/parquet/write_read.mjs), statistics checked
 * against DuckDB's own aggregates, the typed result, and failures (invalid
 * batch, unsupported type, failing sink). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "deltalite/parquet_write.h"
#include "arrow/arrow.h"
#include "parquet/stats.h"

#define N_ROWS 5000

/* ---------- deterministic data (fixed seed) ---------- */

static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state = rng_state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	return rng_state >> 17;
}

static const char *const k_words[] = { "alpha", "", "beta", "gamma", "d\xc3\xa9j\xc3\xa0",
	                                   "zeta", "\xe6\x97\xa5\xe6\x9c\xac", "omega" };

typedef struct gen_row {
	bool i32_null;
	int32_t i32;
	int64_t i64;
	bool s_null;
	int s_word;
	double d;
	bool b_null, b;
	int8_t i8;
	uint32_t u32;
	bool l_null;
	int l_len;
	int32_t l_val[4];
	bool l_elem_null[4];
	bool st_null;
	int32_t st_x;
	bool st_y_null;
	int st_y;
} gen_row;

static gen_row *gen_rows(size_t n, uint64_t seed)
{
	gen_row *r = calloc(n, sizeof(*r));
	size_t i;
	int k;
	rng_state = seed;
	for (i = 0; i < n; i++) {
		gen_row *g = &r[i];
		g->i32_null = rnd() % 7 == 0;
		g->i32 = (int32_t)(rnd() % 2000001) - 1000000;
		if (i == 3)
			g->i32 = INT32_MIN;
		if (i == 4)
			g->i32 = INT32_MAX;
		g->i64 = (int64_t)(rnd() % (UINT64_C(1) << 41)) - (INT64_C(1) << 40);
		g->s_null = rnd() % 11 == 0;
		g->s_word = (int)(rnd() % 8);
		g->d = (double)((int64_t)(rnd() % 4001) - 2000) * 0.25;
		g->b_null = rnd() % 5 == 0;
		g->b = rnd() % 2;
		g->i8 = (int8_t)(int)(rnd() % 256 - 128);
		g->u32 = (uint32_t)rnd();
		g->l_null = rnd() % 9 == 0;
		g->l_len = (int)(rnd() % 4);
		for (k = 0; k < g->l_len; k++) {
			g->l_elem_null[k] = rnd() % 6 == 0;
			g->l_val[k] = (int32_t)(rnd() % 1000);
		}
		g->st_null = rnd() % 10 == 0;
		g->st_x = (int32_t)(rnd() % 100);
		g->st_y_null = rnd() % 4 == 0;
		g->st_y = (int)(rnd() % 8);
	}
	return r;
}

static void make_schema(struct ArrowSchema *s)
{
	dlt_error err;
	struct ArrowSchema *l, *st;
	assert_int_equal(dlt_schema__init(s, "+s", "", 0, 10, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s->children[0], "i", "i32", true, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s->children[1], "l", "i64", false, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s->children[2], "u", "s", true, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s->children[3], "g", "d", false, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s->children[4], "b", "b", true, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s->children[5], "c", "i8", false, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s->children[6], "I", "u32", false, &err), DLT_OK);
	l = s->children[7];
	assert_int_equal(dlt_schema__init(l, "+l", "l", ARROW_FLAG_NULLABLE, 1, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(l->children[0], "i", "item", true, &err), DLT_OK);
	st = s->children[8];
	assert_int_equal(dlt_schema__init(st, "+s", "st", ARROW_FLAG_NULLABLE, 2, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(st->children[0], "i", "x", false, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(st->children[1], "u", "y", true, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s->children[9], "l", "row", false, &err), DLT_OK);
}

static void build_batch(struct ArrowArray *out, const struct ArrowSchema *s, const gen_row *r,
                        size_t from, size_t n)
{
	dlt_builder *b = NULL;
	dlt_error err;
	size_t i;
	int k;
	assert_int_equal(dlt_builder__new(&b, s, &err), DLT_OK);
	for (i = from; i < from + n; i++) {
		const gen_row *g = &r[i];
		dlt_builder *l = dlt_builder__child(b, 7), *st = dlt_builder__child(b, 8);
		if (g->i32_null)
			assert_int_equal(dlt_builder__append_null(dlt_builder__child(b, 0), &err), 0);
		else
			assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 0), g->i32, &err), 0);
		assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 1), g->i64, &err), 0);
		if (g->s_null)
			assert_int_equal(dlt_builder__append_null(dlt_builder__child(b, 2), &err), 0);
		else
			assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 2),
			                                           k_words[g->s_word],
			                                           strlen(k_words[g->s_word]), &err), 0);
		assert_int_equal(dlt_builder__append_double(dlt_builder__child(b, 3), g->d, &err), 0);
		if (g->b_null)
			assert_int_equal(dlt_builder__append_null(dlt_builder__child(b, 4), &err), 0);
		else
			assert_int_equal(dlt_builder__append_bool(dlt_builder__child(b, 4), g->b, &err), 0);
		assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 5), g->i8, &err), 0);
		assert_int_equal(dlt_builder__append_uint(dlt_builder__child(b, 6), g->u32, &err), 0);
		if (g->l_null) {
			assert_int_equal(dlt_builder__append_null(l, &err), 0);
		} else {
			for (k = 0; k < g->l_len; k++) {
				if (g->l_elem_null[k])
					assert_int_equal(dlt_builder__append_null(dlt_builder__child(l, 0), &err), 0);
				else
					assert_int_equal(dlt_builder__append_int(dlt_builder__child(l, 0),
					                                         g->l_val[k], &err), 0);
			}
			assert_int_equal(dlt_builder__append_valid(l, &err), 0);
		}
		if (g->st_null) {
			assert_int_equal(dlt_builder__append_null(st, &err), 0);
		} else {
			assert_int_equal(dlt_builder__append_int(dlt_builder__child(st, 0), g->st_x, &err), 0);
			if (g->st_y_null)
				assert_int_equal(dlt_builder__append_null(dlt_builder__child(st, 1), &err), 0);
			else
				assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(st, 1),
				                                           k_words[g->st_y],
				                                           strlen(k_words[g->st_y]), &err), 0);
			assert_int_equal(dlt_builder__append_valid(st, &err), 0);
		}
		assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 9), (int64_t)i, &err), 0);
		assert_int_equal(dlt_builder__append_valid(b, &err), 0);
	}
	assert_int_equal(dlt_builder__finish(out, b, &err), DLT_OK);
	dlt_builder__free(b);
}

/* The canonical JSON row write_read.mjs prints (JSON.stringify of canon()). */
static void json_str(dlt_buf *o, const char *s)
{
	dlt_error err;
	assert_int_equal(dlt_buf_appendf(o, &err, "\"%s\"", s), 0);
}

static char *expected_row(const gen_row *g, size_t i)
{
	dlt_buf o = DLT_BUF_INIT;
	dlt_error err;
	int k;
	char num[64];
#define APP(...) assert_int_equal(dlt_buf_appendf(&o, &err, __VA_ARGS__), 0)
	APP("{\"i32\":");
	if (g->i32_null)
		APP("null");
	else
		APP("\"%d\"", g->i32);
	APP(",\"i64\":\"%lld\",\"s\":", (long long)g->i64);
	if (g->s_null)
		APP("null");
	else
		json_str(&o, k_words[g->s_word]);
	/* JS String() of a multiple of 0.25 below 1e21: shortest decimal */
	snprintf(num, sizeof(num), "%.17g", g->d);
	if (g->d == 0)
		strcpy(num, "0");
	else
		snprintf(num, sizeof(num), "%g", g->d);
	APP(",\"d\":\"%s\",\"b\":", num);
	if (g->b_null)
		APP("null");
	else
		APP("\"%s\"", g->b ? "true" : "false");
	APP(",\"i8\":\"%d\",\"u32\":\"%u\",\"l\":", g->i8, g->u32);
	if (g->l_null) {
		APP("null");
	} else {
		APP("[");
		for (k = 0; k < g->l_len; k++) {
			if (k)
				APP(",");
			if (g->l_elem_null[k])
				APP("null");
			else
				APP("\"%d\"", g->l_val[k]);
		}
		APP("]");
	}
	APP(",\"st\":");
	if (g->st_null) {
		APP("null");
	} else {
		APP("{\"x\":\"%d\",\"y\":", g->st_x);
		if (g->st_y_null)
			APP("null");
		else
			json_str(&o, k_words[g->st_y]);
		APP("}");
	}
	APP(",\"row\":\"%zu\"}", i);
#undef APP
	assert_int_equal(dlt_buf_append_byte(&o, 0, &err), 0);
	return (char *)o.data;
}

/* ---------- writing ---------- */

static void file_path(char *buf, size_t cap, const char *name)
{
	mkdir(DLT_TEST_TMPDIR, 0755);
	snprintf(buf, cap, "%s/%s", DLT_TEST_TMPDIR, name);
}

static dlt_parquet_write_result *write_file(const char *path, const gen_row *rows, size_t n,
                                            const dlt_parquet_write_options *o)
{
	struct ArrowSchema s;
	struct ArrowArray batch;
	dlt_output *out = NULL;
	dlt_parquet_writer *w = NULL;
	dlt_parquet_write_result *res = NULL;
	dlt_error err;
	size_t at = 0;
	make_schema(&s);
	assert_int_equal(dlt_output_open_file(&out, path, &err), DLT_OK);
	if (dlt_parquet_writer_open(&w, out, &s, o, &err) != DLT_OK)
		fail_msg("open: %s", err.message);
	/* uneven batches, so batches straddle pages and row groups */
	while (at < n) {
		size_t take = DLT_MIN(n - at, (size_t)1777);
		build_batch(&batch, &s, rows, at, take);
		if (dlt_parquet_writer_write(w, &batch, &err) != DLT_OK)
			fail_msg("write %s: %s", path, err.message);
		batch.release(&batch);
		at += take;
	}
	if (dlt_parquet_writer_close(w, &res, &err) != DLT_OK)
		fail_msg("close: %s", err.message);
	dlt_parquet_writer_free(w);
	dlt_output_free(out);
	dlt_schema__release(&s);
	return res;
}

typedef struct config {
	const char *name;
	int codec, level, version, dictionary;
	bool delta, bss, crc;
	bool bss_int; /* BYTE_STREAM_SPLIT on an INT64 column too */
} config;

static const config k_configs[] = {
	{ "w_snappy_v1.parquet", DLT_PARQUET_CODEC_SNAPPY, 0, 1, 1, false, false, false, false },
	{ "w_zstd_v2.parquet", DLT_PARQUET_CODEC_ZSTD, 5, 2, 1, false, false, true, false },
	{ "w_gzip_plain.parquet", DLT_PARQUET_CODEC_GZIP, 0, 1, 0, false, false, false, false },
	{ "w_none_delta.parquet", DLT_PARQUET_CODEC_UNCOMPRESSED, 0, 1, 1, true, true, false, false },
	{ "w_brotli_v2_delta.parquet", DLT_PARQUET_CODEC_BROTLI, 0, 2, 0, true, false, true, false },
	{ "w_lz4raw_bss.parquet", DLT_PARQUET_CODEC_LZ4_RAW, 0, 1, 1, false, true, false, true },
};
#define N_CONFIGS (sizeof(k_configs) / sizeof(k_configs[0]))

static void config_options(dlt_parquet_write_options *o, const config *c,
                           dlt_parquet_column_options *cols)
{
	size_t n = 0;
	assert_int_equal(dlt_parquet_write_options_init(o, DLT_PARQUET_WRITE_OPTIONS_VERSION), 0);
	o->codec = c->codec;
	o->compression_level = c->level;
	o->data_page_version = c->version;
	o->dictionary = c->dictionary;
	o->page_crc = c->crc;
	o->row_group_rows = 2000;
	o->page_rows = 700;
	if (c->delta) {
		cols[n++] = (dlt_parquet_column_options){ "i64", DLT_PARQUET_ENCODING_DELTA_BINARY_PACKED, -1 };
		cols[n++] = (dlt_parquet_column_options){ "s", DLT_PARQUET_ENCODING_DELTA_BYTE_ARRAY, -1 };
		cols[n++] = (dlt_parquet_column_options){ "st.y", DLT_PARQUET_ENCODING_DELTA_LENGTH_BYTE_ARRAY, -1 };
		cols[n++] = (dlt_parquet_column_options){ "l", DLT_PARQUET_ENCODING_DELTA_BINARY_PACKED, -1 };
	}
	if (c->bss) {
		cols[n++] = (dlt_parquet_column_options){ "d", DLT_PARQUET_ENCODING_BYTE_STREAM_SPLIT, -1 };
	}
	if (c->bss_int)
		cols[n++] = (dlt_parquet_column_options){ "row", DLT_PARQUET_ENCODING_BYTE_STREAM_SPLIT, -1 };
	o->columns = cols;
	o->n_columns = n;
}

static char *run_node(const char *mode, char paths[][512], size_t n)
{
	dlt_buf cmd = DLT_BUF_INIT, out = DLT_BUF_INIT;
	dlt_error err;
	FILE *p;
	char buf[4096];
	size_t i, got;
	assert_int_equal(dlt_buf_appendf(&cmd, &err, "timeout 300 node %s/tests/unit/parquet/write_read.mjs %s %s",
	                                 DLT_SOURCE_DIR, DLT_NODE_DIR, mode), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(dlt_buf_appendf(&cmd, &err, " '%s'", paths[i]), 0);
	assert_int_equal(dlt_buf_append_byte(&cmd, 0, &err), 0);
	p = popen((char *)cmd.data, "r");
	assert_non_null(p);
	while ((got = fread(buf, 1, sizeof(buf), p)) > 0)
		assert_int_equal(dlt_buf_append(&out, buf, got, &err), 0);
	assert_int_equal(pclose(p), 0);
	assert_int_equal(dlt_buf_append_byte(&out, 0, &err), 0);
	dlt_buf_dispose(&cmd);
	return (char *)out.data;
}

/* Lines "<reader>\t<file>\t<payload>" of one reader and file, in order. */
static size_t reader_lines(const char *all, const char *reader, const char *file,
                           const char **lines, size_t cap, size_t *lens)
{
	/* memchr over a known length: ASan's strchr re-measures the whole rest of the
	 * string on every call, which made this loop quadratic (minutes on a busy box). */
	const char *p = all, *end = all + strlen(all);
	size_t n = 0, rl = strlen(reader), fl = strlen(file);
	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		size_t len = e ? (size_t)(e - p) : (size_t)(end - p);
		if (len > rl + fl + 2 && memcmp(p, reader, rl) == 0 && p[rl] == '\t' &&
		    memcmp(p + rl + 1, file, fl) == 0 && p[rl + 1 + fl] == '\t') {
			if (n < cap) {
				lines[n] = p + rl + fl + 2;
				lens[n] = len - rl - fl - 2;
			}
			n++;
		}
		p += len + (e ? 1 : 0);
	}
	return n;
}

static char g_paths[N_CONFIGS][512];
static gen_row *g_rows;
static dlt_parquet_write_result *g_results[N_CONFIGS];

static int setup_files(void **state)
{
	size_t i;
	(void)state;
	g_rows = gen_rows(N_ROWS, 42);
	for (i = 0; i < N_CONFIGS; i++) {
		dlt_parquet_write_options o;
		dlt_parquet_column_options cols[8];
		config_options(&o, &k_configs[i], cols);
		file_path(g_paths[i], sizeof(g_paths[i]), k_configs[i].name);
		g_results[i] = write_file(g_paths[i], g_rows, N_ROWS, &o);
	}
	return 0;
}

static int teardown_files(void **state)
{
	size_t i;
	(void)state;
	for (i = 0; i < N_CONFIGS; i++)
		dlt_parquet_write_result_free(g_results[i]);
	free(g_rows);
	return 0;
}

static void test_write_independent_readers_agree(void **state)
{
	static const char *const readers[] = { "duckdb", "hyparquet", "parquet-wasm" };
	char *out;
	const char **lines = calloc(N_ROWS + 1, sizeof(char *));
	size_t *lens = calloc(N_ROWS + 1, sizeof(size_t));
	size_t i, r, k;
	(void)state;
	out = run_node("rows", g_paths, N_CONFIGS);
	for (i = 0; i < N_CONFIGS; i++) {
		for (r = 0; r < 3; r++) {
			size_t n = reader_lines(out, readers[r], g_paths[i], lines, N_ROWS + 1, lens);
			if (r == 0 && k_configs[i].bss_int) {
				/* Known reader gap: DuckDB 1.x reads BYTE_STREAM_SPLIT only for
				 * FLOAT/DOUBLE (Encodings.md also allows INT32/INT64/FLBA). */
				static const char msg[] = "ERROR Invalid Error: BYTE_STREAM_SPLIT encoding "
				                          "is only supported for FLOAT or DOUBLE data";
				assert_int_equal(n, 1);
				if (lens[0] != strlen(msg) || memcmp(lines[0], msg, lens[0]) != 0)
					fail_msg("duckdb on %s: %.*s", g_paths[i], (int)lens[0], lines[0]);
				continue;
			}
			if (n != N_ROWS)
				fail_msg("%s on %s: %zu lines (%.*s)", readers[r], g_paths[i], n,
				         n ? (int)DLT_MIN(lens[0], 300) : 0, n ? lines[0] : "");
			for (k = 0; k < N_ROWS; k++) {
				char *exp = expected_row(&g_rows[k], k);
				if (strlen(exp) != lens[k] || memcmp(exp, lines[k], lens[k]) != 0)
					fail_msg("%s on %s row %zu:\n got %.*s\nwant %s", readers[r],
					         g_paths[i], k, (int)lens[k], lines[k], exp);
				dlt_free(exp);
			}
		}
	}
	free(lines);
	free(lens);
	dlt_free(out);
}

static void test_write_statistics_match_duckdb(void **state)
{
	char *out;
	const char *lines[4];
	size_t lens[4], i;
	(void)state;
	out = run_node("stats", g_paths, N_CONFIGS);
	for (i = 0; i < N_CONFIGS; i++) {
		size_t n;
		if (k_configs[i].bss_int)
			continue; /* DuckDB cannot read it: see above */
		n = reader_lines(out, "stats", g_paths[i], lines, 4, lens);
		assert_true(n >= 1);
		/* 3 row groups x 8 flat columns (i32 i64 s d b i8 u32 row) */
		if (lens[0] < 3 || memcmp(lines[0], "OK ", 3) != 0 || atoi(lines[0] + 3) != 24)
			fail_msg("%s: %.*s", g_paths[i], (int)lens[0], lines[0]);
	}
	dlt_free(out);
}

static void test_write_result_has_delta_stats(void **state)
{
	dlt_parquet_write_result *res = g_results[0];
	const dlt_parquet_write_column *c;
	struct ArrowSchema s;
	struct ArrowArray a;
	struct stat st;
	dlt_error err;
	int64_t nulls = 0, mn = INT64_MAX, mx = INT64_MIN, u_nulls = 0;
	size_t i;
	(void)state;
	for (i = 0; i < N_ROWS; i++) {
		if (g_rows[i].i32_null) {
			nulls++;
			continue;
		}
		mn = DLT_MIN(mn, g_rows[i].i32);
		mx = DLT_MAX(mx, g_rows[i].i32);
	}
	for (i = 0; i < N_ROWS; i++)
		u_nulls += g_rows[i].st_null || g_rows[i].st_y_null;
	assert_int_equal(dlt_parquet_write_result_num_rows(res), N_ROWS);
	assert_int_equal(stat(g_paths[0], &st), 0);
	assert_int_equal(dlt_parquet_write_result_file_size(res), (uint64_t)st.st_size);
	/* leaves: i32 i64 s d b i8 u32 l.list.element st.x st.y row */
	assert_int_equal(dlt_parquet_write_result_num_columns(res), 11);
	c = dlt_parquet_write_result_column(res, 0);
	assert_string_equal(c->path, "i32");
	assert_int_equal(c->null_count, nulls);
	c = dlt_parquet_write_result_column(res, 7);
	assert_string_equal(c->path, "l.list.element");
	assert_true(c->in_list);
	c = dlt_parquet_write_result_column(res, 9);
	assert_string_equal(c->path, "st.y");
	assert_int_equal(c->n_names, 2);
	assert_string_equal(c->names[1], "y");
	assert_int_equal(c->null_count, u_nulls);

	assert_int_equal(dlt_parquet_write_result_stats(&s, &a, res, &err), DLT_OK);
	assert_int_equal(dlt_arrow__validate(&s, &a, &err), DLT_OK);
	assert_int_equal(a.length, 1);
	assert_string_equal(s.children[0]->name, "minValues");
	/* minValues: i32 i64 s d b i8 u32 st row (the list is left out) */
	assert_int_equal(s.children[0]->n_children, 9);
	{
		const struct ArrowArray *minv = a.children[0], *maxv = a.children[1], *nc = a.children[2];
		int32_t v;
		int64_t v64;
		uint32_t u, umin = UINT32_MAX, umax = 0;
		memcpy(&v, (const int32_t *)minv->children[0]->buffers[1] + minv->children[0]->offset, 4);
		assert_int_equal(v, mn);
		memcpy(&v, (const int32_t *)maxv->children[0]->buffers[1] + maxv->children[0]->offset, 4);
		assert_int_equal(v, mx);
		memcpy(&v64, (const int64_t *)nc->children[0]->buffers[1] + nc->children[0]->offset, 8);
		assert_int_equal(v64, nulls);
		for (i = 0; i < N_ROWS; i++) {
			umin = DLT_MIN(umin, g_rows[i].u32);
			umax = DLT_MAX(umax, g_rows[i].u32);
		}
		/* unsigned order: values above 2^31 are the largest */
		memcpy(&u, (const uint32_t *)minv->children[6]->buffers[1] + minv->children[6]->offset, 4);
		assert_int_equal(u, umin);
		memcpy(&u, (const uint32_t *)maxv->children[6]->buffers[1] + maxv->children[6]->offset, 4);
		assert_int_equal(u, umax);
		assert_true(umax > 0x80000000u);
	}
	a.release(&a);
	s.release(&s);
}

/* ---------- failures ---------- */

typedef struct fail_sink {
	size_t limit, written;
	int finished, aborted;
} fail_sink;

static int fs_write(void *ctx, const void *data, size_t len, dlt_error *err)
{
	fail_sink *f = ctx;
	(void)data;
	if (f->written + len > f->limit)
		return dlt_error_set(err, DLT_EIO, "disk full");
	f->written += len;
	return DLT_OK;
}
static int fs_finish(void *ctx, dlt_error *err)
{
	(void)err;
	((fail_sink *)ctx)->finished = 1;
	return DLT_OK;
}
static void fs_abort(void *ctx) { ((fail_sink *)ctx)->aborted = 1; }
static void fs_close(void *ctx) { (void)ctx; }

static void test_write_sink_failure_aborts(void **state)
{
	static const dlt_output_ops ops = { DLT_OUTPUT_OPS_VERSION, fs_write, fs_finish, fs_abort,
		                            fs_close };
	size_t limits[] = { 2, 100, 5000, 20000 };
	size_t i;
	gen_row *rows = gen_rows(3000, 7);
	(void)state;
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		fail_sink fs = { limits[i], 0, 0, 0 };
		dlt_output *out = NULL;
		dlt_parquet_writer *w = NULL;
		struct ArrowSchema s;
		struct ArrowArray batch;
		dlt_parquet_write_options o;
		dlt_error err;
		int rc;
		dlt_parquet_write_options_init(&o, DLT_PARQUET_WRITE_OPTIONS_VERSION);
		o.row_group_rows = 1000;
		make_schema(&s);
		assert_int_equal(dlt_output_new(&out, &ops, &fs, "failing", &err), DLT_OK);
		rc = dlt_parquet_writer_open(&w, out, &s, &o, &err);
		if (rc == DLT_OK) {
			build_batch(&batch, &s, rows, 0, 3000);
			rc = dlt_parquet_writer_write(w, &batch, &err);
			batch.release(&batch);
			if (rc == DLT_OK)
				rc = dlt_parquet_writer_close(w, NULL, &err);
			else /* the writer refuses to go on */
				assert_int_equal(dlt_parquet_writer_close(w, NULL, NULL), DLT_EINVAL);
		}
		assert_int_equal(rc, DLT_EIO);
		assert_non_null(strstr(err.message, "disk full"));
		dlt_parquet_writer_free(w);
		assert_int_equal(fs.finished, 0);
		dlt_output_free(out);
		assert_int_equal(fs.aborted, 1);
		dlt_schema__release(&s);
	}
	free(rows);
}

static void test_write_invalid_batch_is_rejected(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray batch;
	dlt_output *out = NULL;
	dlt_parquet_writer *w = NULL;
	dlt_error err;
	gen_row *rows = gen_rows(10, 1);
	int32_t *off;
	(void)state;
	make_schema(&s);
	build_batch(&batch, &s, rows, 0, 10);
	/* break the string offsets of column "s": not monotonic */
	off = (int32_t *)(uintptr_t)batch.children[2]->buffers[1];
	off[3] = 1000000;
	assert_int_equal(dlt_output_to_memory(&out, &err), DLT_OK);
	assert_int_equal(dlt_parquet_writer_open(&w, out, &s, NULL, &err), DLT_OK);
	assert_int_equal(dlt_parquet_writer_write(w, &batch, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "invalid batch"));
	assert_int_equal(dlt_parquet_writer_close(w, NULL, &err), DLT_EINVAL);
	dlt_parquet_writer_free(w);
	dlt_output_free(out);
	batch.release(&batch);
	dlt_schema__release(&s);
	free(rows);
}

static void test_write_unsupported_type_names_column(void **state)
{
	struct ArrowSchema s;
	dlt_output *out = NULL;
	dlt_parquet_writer *w = NULL;
	dlt_error err;
	(void)state;
	assert_int_equal(dlt_schema__init(&s, "+s", "", 0, 2, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[0], "i", "ok", true, &err), DLT_OK);
	assert_int_equal(dlt_schema__init(s.children[1], "+s", "outer", ARROW_FLAG_NULLABLE, 1, &err), 0);
	assert_int_equal(dlt_schema__init_leaf(s.children[1]->children[0], "tDu", "elapsed", true, &err), 0);
	assert_int_equal(dlt_output_to_memory(&out, &err), DLT_OK);
	assert_int_equal(dlt_parquet_writer_open(&w, out, &s, NULL, &err), DLT_EUNSUPPORTED);
	assert_null(w);
	assert_non_null(strstr(err.message, "outer.elapsed"));
	dlt_output_free(out);
	dlt_schema__release(&s);
}

/* ---------- statistics module ---------- */

static void test_stats_truncation_and_orders(void **state)
{
	dlt_pq_stats s;
	dlt_buf mn = DLT_BUF_INIT, mx = DLT_BUF_INIT;
	bool mne, mxe;
	dlt_error err;
	dlt_pq_bview v[3];
	uint8_t long1[80], long2[80];
	(void)state;

	/* bytes: max truncated to 4 bytes with carry over 0xff */
	memset(long1, 'a', sizeof(long1));
	memset(long2, 'b', sizeof(long2));
	long2[2] = 0xfe;
	long2[3] = 0xff;
	v[0] = (dlt_pq_bview){ long1, sizeof(long1) };
	v[1] = (dlt_pq_bview){ long2, sizeof(long2) };
	dlt_parquet__stats_init(&s, DLT_PQ_SORT_BYTES, 0, false);
	assert_int_equal(dlt_parquet__stats_update_views(&s, v, 2, &err), 0);
	assert_int_equal(dlt_parquet__stats_encode(&s, 4, &mn, &mne, &mx, &mxe, &err), 0);
	assert_int_equal(mn.len, 4);
	assert_memory_equal(mn.data, "aaaa", 4);
	assert_false(mne);
	assert_int_equal(mx.len, 3);
	assert_memory_equal(mx.data, "b\x62\xff", 3);
	assert_false(mxe);
	dlt_parquet__stats_dispose(&s);

	/* UTF-8: cut on a character boundary, max bumps the last code point */
	v[0] = (dlt_pq_bview){ (const uint8_t *)"\xc3\xa9\xc3\xa9\xc3\xa9", 6 };
	dlt_parquet__stats_init(&s, DLT_PQ_SORT_BYTES, 0, true);
	assert_int_equal(dlt_parquet__stats_update_views(&s, v, 1, &err), 0);
	assert_int_equal(dlt_parquet__stats_encode(&s, 3, &mn, &mne, &mx, &mxe, &err), 0);
	assert_int_equal(mn.len, 2);
	assert_memory_equal(mn.data, "\xc3\xa9", 2);
	assert_int_equal(mx.len, 2);
	assert_memory_equal(mx.data, "\xc3\xaa", 2);
	dlt_parquet__stats_dispose(&s);

	/* doubles: NaN ignored, zero bounds are -0.0 (min) and +0.0 (max) */
	{
		double d[3] = { NAN, 0.0, -0.0 };
		double got;
		dlt_parquet__stats_init(&s, DLT_PQ_SORT_DOUBLE, 0, false);
		assert_int_equal(dlt_parquet__stats_update_fixed(&s, (const uint8_t *)d, 3, &err), 0);
		assert_int_equal(dlt_parquet__stats_encode(&s, 64, &mn, &mne, &mx, &mxe, &err), 0);
		memcpy(&got, mn.data, 8);
		assert_true(got == 0 && signbit(got));
		memcpy(&got, mx.data, 8);
		assert_true(got == 0 && !signbit(got));
		dlt_parquet__stats_dispose(&s);
	}
	/* decimals in FLBA compare signed */
	{
		uint8_t vals[4] = { 0xff, 0xfe, 0x00, 0x05 }; /* -2, 5 as 2-byte BE */
		dlt_parquet__stats_init(&s, DLT_PQ_SORT_DECIMAL_BE, 2, false);
		assert_int_equal(dlt_parquet__stats_update_fixed(&s, vals, 2, &err), 0);
		assert_int_equal(dlt_parquet__stats_encode(&s, 64, &mn, &mne, &mx, &mxe, &err), 0);
		assert_memory_equal(mn.data, "\xff\xfe", 2);
		assert_memory_equal(mx.data, "\x00\x05", 2);
		dlt_parquet__stats_dispose(&s);
	}
	dlt_buf_dispose(&mn);
	dlt_buf_dispose(&mx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_independent_readers_agree),
		cmocka_unit_test(test_write_statistics_match_duckdb),
		cmocka_unit_test(test_write_result_has_delta_stats),
	};
	const struct CMUnitTest others[] = {
		cmocka_unit_test(test_write_sink_failure_aborts),
		cmocka_unit_test(test_write_invalid_batch_is_rejected),
		cmocka_unit_test(test_write_unsupported_type_names_column),
		cmocka_unit_test(test_stats_truncation_and_orders),
	};
	int rc = cmocka_run_group_tests(others, NULL, NULL);
	return rc | cmocka_run_group_tests(tests, setup_files, teardown_files);
}
