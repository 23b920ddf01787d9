/* Parquet writer, Arrow type mapping: decimals (INT32/INT64/FLBA), dates,
 * timestamps (s scaled to ms, tz -> UTC), times, unsigned ints, float16,
 * uuid, maps, dictionary-encoded and large strings, INT96. The file is read
 * back by DuckDB (values cast to text in SQL, so formatting is DuckDB's own)
 * and hyparquet, and DuckDB's DESCRIBE must show the logical types. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "deltalite/parquet_write.h"
#include "arrow/arrow.h"

#define N 6

static void leaf(struct ArrowSchema *s, const char *fmt, const char *name)
{
	dlt_error err;
	assert_int_equal(dlt_schema__init_leaf(s, fmt, name, true, &err), DLT_OK);
}

static void make_schema(struct ArrowSchema *s)
{
	dlt_error err;
	struct ArrowSchema *m;
	static const char *const k[] = { "ARROW:extension:name" };
	static const char *const v[] = { "arrow.uuid" };
	assert_int_equal(dlt_schema__init(s, "+s", "", 0, 16, &err), DLT_OK);
	leaf(s->children[0], "d:5,2", "dec5");
	leaf(s->children[1], "d:15,3", "dec15");
	leaf(s->children[2], "d:30,4", "dec30");
	leaf(s->children[3], "tdD", "date");
	leaf(s->children[4], "tsu:UTC", "ts_utc");
	leaf(s->children[5], "tss:", "ts_s");
	leaf(s->children[6], "ttu", "time_us");
	leaf(s->children[7], "C", "u8");
	leaf(s->children[8], "L", "u64");
	leaf(s->children[9], "e", "f16");
	leaf(s->children[10], "w:16", "id");
	assert_int_equal(dlt_schema__set_metadata(s->children[10], k, v, 1, &err), DLT_OK);
	m = s->children[11];
	assert_int_equal(dlt_schema__init(m, "+m", "m", ARROW_FLAG_NULLABLE, 1, &err), DLT_OK);
	assert_int_equal(dlt_schema__init(m->children[0], "+s", "entries", 0, 2, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(m->children[0]->children[0], "u", "key", false, &err), 0);
	leaf(m->children[0]->children[1], "i", "value");
	leaf(s->children[12], "U", "big_s");
	leaf(s->children[13], "f", "f32");
	leaf(s->children[14], "tdm", "date64");
	leaf(s->children[15], "z", "bin");
}

static void build(struct ArrowArray *out, const struct ArrowSchema *s)
{
	dlt_builder *b = NULL;
	dlt_error err;
	int i;
	assert_int_equal(dlt_builder__new(&b, s, &err), DLT_OK);
	for (i = 0; i < N; i++) {
		int64_t sign = (i % 2) ? -1 : 1;
		uint64_t w[2];
		uint8_t id[16];
		dlt_builder *m = dlt_builder__child(b, 11);
		if (i == 5) { /* a row of nulls */
			int c;
			for (c = 0; c < 16; c++)
				assert_int_equal(dlt_builder__append_null(dlt_builder__child(b, c), &err), 0);
			assert_int_equal(dlt_builder__append_valid(b, &err), 0);
			continue;
		}
		w[0] = (uint64_t)(sign * (12345 + i)); w[1] = sign < 0 ? UINT64_MAX : 0;
		assert_int_equal(dlt_builder__append_decimal(dlt_builder__child(b, 0), w, 2, &err), 0);
		w[0] = (uint64_t)(sign * (INT64_C(123456789012345) - i));
		assert_int_equal(dlt_builder__append_decimal(dlt_builder__child(b, 1), w, 2, &err), 0);
		/* 10^29 + i: needs the high word */
		w[0] = UINT64_C(0x4674edea40000000) + (uint64_t)i; w[1] = UINT64_C(0x00000001431e0fae);
		if (sign < 0) { w[0] = ~w[0] + 1; w[1] = ~w[1] + (w[0] == 0); }
		assert_int_equal(dlt_builder__append_decimal(dlt_builder__child(b, 2), w, 2, &err), 0);
		assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 3), 19000 + 400 * sign * i, &err), 0);
		assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 4), INT64_C(1700000000123456) + sign * i * INT64_C(86400000000), &err), 0);
		assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 5), INT64_C(1700000000) - i * 1000, &err), 0);
		assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 6), INT64_C(45296789012) + i, &err), 0);
		assert_int_equal(dlt_builder__append_uint(dlt_builder__child(b, 7), 250u - (unsigned)i * 60u, &err), 0);
		assert_int_equal(dlt_builder__append_uint(dlt_builder__child(b, 8), UINT64_MAX - (uint64_t)i * 7, &err), 0);
		assert_int_equal(dlt_builder__append_double(dlt_builder__child(b, 9), 1.5 * sign * i, &err), 0);
		memset(id, 0x11 * i, sizeof(id));
		id[15] = (uint8_t)i;
		assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 10), id, 16, &err), 0);
		if (i == 2) {
			assert_int_equal(dlt_builder__append_null(m, &err), 0);
		} else {
			int k;
			for (k = 0; k < i; k++) {
				char key[8];
				snprintf(key, sizeof(key), "k%d", k);
				assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(dlt_builder__child(m, 0), 0), key, strlen(key), &err), 0);
				if (k == 1)
					assert_int_equal(dlt_builder__append_null(dlt_builder__child(dlt_builder__child(m, 0), 1), &err), 0);
				else
					assert_int_equal(dlt_builder__append_int(dlt_builder__child(dlt_builder__child(m, 0), 1), k * 10, &err), 0);
				assert_int_equal(dlt_builder__append_valid(dlt_builder__child(m, 0), &err), 0);
			}
			assert_int_equal(dlt_builder__append_valid(m, &err), 0);
		}
		assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 12), "large\xe2\x82\xac", 8, &err), 0);
		assert_int_equal(dlt_builder__append_double(dlt_builder__child(b, 13), -0.5 * i, &err), 0);
		assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 14), INT64_C(86400000) * (i - 2) - (i == 1 ? 1 : 0), &err), 0);
		assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 15), "\x00\xff\x10", (size_t)(i % 4), &err), 0);
		assert_int_equal(dlt_builder__append_valid(b, &err), 0);
	}
	assert_int_equal(dlt_builder__finish(out, b, &err), DLT_OK);
	dlt_builder__free(b);
}

/* What DuckDB prints (values cast to VARCHAR by DuckDB itself). Checked by
 * hand against the inputs: 19000 days = 2022-01-08, 1700000000.123456 s =
 * 2023-11-14 22:13:20.123456 UTC, 45296789012 us = 12:34:56.789012, the
 * decimal(30,4) words are 99999999997190552213790916608 (x 10^-4), date64
 * -86400001 ms floors to 1969-12-30, etc. */
static const char k_duckdb[] =
	"type\tdec5\tDECIMAL(5,2)\n"
	"type\tdec15\tDECIMAL(15,3)\n"
	"type\tdec30\tDECIMAL(30,4)\n"
	"type\tdate\tDATE\n"
	"type\tts_utc\tTIMESTAMP WITH TIME ZONE\n"
	"type\tts_s\tTIMESTAMP\n"
	"type\ttime_us\tTIME\n"
	"type\tu8\tUTINYINT\n"
	"type\tu64\tUBIGINT\n"
	"type\tf16\tFLOAT\n"
	"type\tid\tUUID\n"
	"type\tm\tMAP(VARCHAR, INTEGER)\n"
	"type\tbig_s\tVARCHAR\n"
	"type\tf32\tFLOAT\n"
	"type\tdate64\tDATE\n"
	"type\tbin\tBLOB\n"
	"row\t[\"123.45\",\"123456789012.345\",\"9999999999719055221379091.6608\",\"2022-01-08\",\"2023-11-14 22:13:20.123456+00\",\"2023-11-14 22:13:20\",\"12:34:56.789012\",\"250\",\"18446744073709551615\",\"0.0\",\"00000000-0000-0000-0000-000000000000\",\"{}\",\"large\xe2\x82\xac""\",\"-0.0\",\"1969-12-30\",\"\"]\n"
	"row\t[\"-123.46\",\"-123456789012.344\",\"-9999999999719055221379091.6609\",\"2020-12-04\",\"2023-11-13 22:13:20.123456+00\",\"2023-11-14 21:56:40\",\"12:34:56.789013\",\"190\",\"18446744073709551608\",\"-1.5\",\"11111111-1111-1111-1111-111111111101\",\"{k0=0}\",\"large\xe2\x82\xac""\",\"-0.5\",\"1969-12-30\",\"\\\\x00\"]\n"
	"row\t[\"123.47\",\"123456789012.343\",\"9999999999719055221379091.6610\",\"2024-03-18\",\"2023-11-16 22:13:20.123456+00\",\"2023-11-14 21:40:00\",\"12:34:56.789014\",\"130\",\"18446744073709551601\",\"3.0\",\"22222222-2222-2222-2222-222222222202\",null,\"large\xe2\x82\xac""\",\"-1.0\",\"1970-01-01\",\"\\\\x00\\\\xFF\"]\n"
	"row\t[\"-123.48\",\"-123456789012.342\",\"-9999999999719055221379091.6611\",\"2018-09-26\",\"2023-11-11 22:13:20.123456+00\",\"2023-11-14 21:23:20\",\"12:34:56.789015\",\"70\",\"18446744073709551594\",\"-4.5\",\"33333333-3333-3333-3333-333333333303\",\"{k0=0, k1=NULL, k2=20}\",\"large\xe2\x82\xac""\",\"-1.5\",\"1970-01-02\",\"\\\\x00\\\\xFF\\\\x10\"]\n"
	"row\t[\"123.49\",\"123456789012.341\",\"9999999999719055221379091.6612\",\"2026-05-27\",\"2023-11-18 22:13:20.123456+00\",\"2023-11-14 21:06:40\",\"12:34:56.789016\",\"10\",\"18446744073709551587\",\"6.0\",\"44444444-4444-4444-4444-444444444404\",\"{k0=0, k1=NULL, k2=20, k3=30}\",\"large\xe2\x82\xac""\",\"-2.0\",\"1970-01-03\",\"\"]\n"
	"row\t[null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null]\n";

static char *run(const char *cmd)
{
	dlt_buf out = DLT_BUF_INIT;
	dlt_error err;
	char buf[4096];
	size_t got;
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	while ((got = fread(buf, 1, sizeof(buf), p)) > 0)
		assert_int_equal(dlt_buf_append(&out, buf, got, &err), 0);
	assert_int_equal(pclose(p), 0);
	assert_int_equal(dlt_buf_append_byte(&out, 0, &err), 0);
	return (char *)out.data;
}

static void test_write_types_read_by_duckdb(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a;
	dlt_output *o = NULL;
	dlt_parquet_writer *w = NULL;
	dlt_error err;
	char path[512], cmd[2048];
	char *got;
	(void)state;
	mkdir(DLT_TEST_TMPDIR, 0755);
	snprintf(path, sizeof(path), "%s/w_types.parquet", DLT_TEST_TMPDIR);
	make_schema(&s);
	build(&a, &s);
	assert_int_equal(dlt_output_open_file(&o, path, &err), DLT_OK);
	if (dlt_parquet_writer_open(&w, o, &s, NULL, &err) != DLT_OK)
		fail_msg("%s", err.message);
	if (dlt_parquet_writer_write(w, &a, &err) != DLT_OK)
		fail_msg("%s", err.message);
	assert_int_equal(dlt_parquet_writer_close(w, NULL, &err), DLT_OK);
	dlt_parquet_writer_free(w);
	dlt_output_free(o);
	snprintf(cmd, sizeof(cmd), "timeout 300 node %s/tests/unit/parquet/write_types.mjs %s '%s'",
	         DLT_SOURCE_DIR, DLT_NODE_DIR, path);
	got = run(cmd);
	{
		size_t dl = strlen(k_duckdb);
		const char *h;
		int rows = 0;
		if (strncmp(got, k_duckdb, dl) != 0)
			fail_msg("duckdb output differs:\n%s\nwant:\n%s", got, k_duckdb);
		/* hyparquet: 6 rows; it decodes decimals to doubles (lossy) and TIME
		 * to raw integers, so only exactly-representable columns are compared */
		for (h = got + dl; (h = strstr(h, "hyparquet\t")) != NULL; h++)
			rows++;
		assert_int_equal(rows, N);
		assert_null(strstr(got + dl, "ERROR"));
		assert_non_null(strstr(got + dl, "\"u64\":\"18446744073709551594\""));
		assert_non_null(strstr(got + dl, "\"id\":\"33333333-3333-3333-3333-333333333303\""));
		assert_non_null(strstr(got + dl, "\"m\":{\"k0\":\"0\",\"k1\":null,\"k2\":\"20\"}"));
		assert_non_null(strstr(got + dl, "\"ts_s\":\"2023-11-14T21:06:40.000Z\""));
	}
	dlt_free(got);
	a.release(&a);
	s.release(&s);
}

/* Dictionary-encoded input (int8 indices into a utf8 dictionary), built by
 * hand: written as plain strings. */
static void noop_release(struct ArrowArray *a) { a->release = NULL; }

static void test_write_dictionary_input(void **state)
{
	static const int8_t idx[5] = { 2, 0, 1, 2, 0 };
	static const uint8_t valid[1] = { 0x1b }; /* row 2 null */
	static const int32_t off[4] = { 0, 3, 3, 8 };
	static const char data[] = "abcxyzzy";
	const void *dbufs[3] = { NULL, off, data };
	const void *ibufs[2] = { valid, idx };
	struct ArrowArray dict = { 3, 0, 0, 3, 0, dbufs, NULL, NULL, noop_release, NULL };
	struct ArrowArray col = { 5, 1, 0, 2, 0, ibufs, NULL, &dict, noop_release, NULL };
	struct ArrowArray *children[1] = { &col };
	const void *bbufs[1] = { NULL };
	struct ArrowArray batch = { 5, 0, 0, 1, 1, bbufs, children, NULL, noop_release, NULL };
	struct ArrowSchema s;
	dlt_output *o = NULL;
	dlt_parquet_writer *w = NULL;
	dlt_error err;
	char path[512], cmd[2048];
	char *got;
	(void)state;
	assert_int_equal(dlt_schema__init(&s, "+s", "", 0, 1, &err), DLT_OK);
	leaf(s.children[0], "c", "c");
	assert_int_equal(dlt_schema__alloc_dictionary(s.children[0], &err), DLT_OK);
	leaf(s.children[0]->dictionary, "u", "");
	mkdir(DLT_TEST_TMPDIR, 0755);
	snprintf(path, sizeof(path), "%s/w_dict_input.parquet", DLT_TEST_TMPDIR);
	assert_int_equal(dlt_output_open_file(&o, path, &err), DLT_OK);
	assert_int_equal(dlt_parquet_writer_open(&w, o, &s, NULL, &err), DLT_OK);
	if (dlt_parquet_writer_write(w, &batch, &err) != DLT_OK)
		fail_msg("%s", err.message);
	assert_int_equal(dlt_parquet_writer_close(w, NULL, &err), DLT_OK);
	dlt_parquet_writer_free(w);
	dlt_output_free(o);
	snprintf(cmd, sizeof(cmd), "timeout 300 node %s/tests/unit/parquet/write_types.mjs %s '%s'",
	         DLT_SOURCE_DIR, DLT_NODE_DIR, path);
	got = run(cmd);
	assert_string_equal(got, "type\tc\tVARCHAR\n"
	                         "row\t[\"xyzzy\"]\nrow\t[\"abc\"]\nrow\t[null]\n"
	                         "row\t[\"xyzzy\"]\nrow\t[\"abc\"]\n"
	                         "hyparquet\t{\"c\":\"xyzzy\"}\nhyparquet\t{\"c\":\"abc\"}\n"
	                         "hyparquet\t{\"c\":null}\nhyparquet\t{\"c\":\"xyzzy\"}\n"
	                         "hyparquet\t{\"c\":\"abc\"}\n");
	dlt_free(got);
	dlt_schema__release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_types_read_by_duckdb),
		cmocka_unit_test(test_write_dictionary_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
