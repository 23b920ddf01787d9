/* CSV reader: quoting, newlines, BOM, inference, explicit schemas, errors, batching. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "arrow/arrow.h"
#include "csv/helpers.h"

static int64_t live_before;

static int setup(void **state)
{
	dlt_alloc_stats st;
	(void)state;
	dlt_alloc_counting(1);
	dlt_alloc_stats_get(&st);
	live_before = st.live_blocks;
	return 0;
}

static int teardown(void **state)
{
	dlt_alloc_stats st;
	(void)state;
	dlt_alloc_stats_get(&st);
	if (st.live_blocks != live_before)
		fail_msg("leak: %lld blocks still live", (long long)(st.live_blocks - live_before));
	return 0;
}

/* Read csv (whole, and 1 byte per read) and compare dump and schema. */
static void expect_csv(const char *csv, const dlt_csv_read_options *o, const char *want_schema,
                       const char *want_rows)
{
	size_t steps[2] = { 0, 1 };
	int k;
	for (k = 0; k < 2; k++) {
		char *text = NULL, desc[512] = "";
		dlt_error err;
		int rc = th_csv_to_jsonl(csv, strlen(csv), steps[k], o, &text, desc, sizeof(desc),
		                         NULL, &err);
		if (rc != DLT_OK)
			fail_msg("read failed (%d): %s", rc, err.message);
		if (want_schema)
			assert_string_equal(desc, want_schema);
		assert_string_equal(text, want_rows);
		dlt_free(text);
	}
}

static int expect_error(const char *csv, const dlt_csv_read_options *o, dlt_error *err)
{
	char *text = NULL;
	int rc = th_csv_to_jsonl(csv, strlen(csv), 0, o, &text, NULL, 0, NULL, err);
	dlt_free(text);
	return rc;
}

static void test_csv_read_quoting_and_embedded_newlines(void **state)
{
	(void)state;
	expect_csv("a,b\n\"x,y\",\"he said \"\"hi\"\"\"\n\"line1\nline2\",\"crlf\r\nin\"\r\nplain,\"\"\n",
	           NULL, NULL,
	           "{\"a\":\"x,y\",\"b\":\"he said \\\"hi\\\"\"}\n"
	           "{\"a\":\"line1\\nline2\",\"b\":\"crlf\\r\\nin\"}\n"
	           "{\"a\":\"plain\",\"b\":\"\"}\n");
}

static void test_csv_read_crlf_cr_and_no_final_newline(void **state)
{
	(void)state;
	expect_csv("a,b\r\n1,2\r\n3,4", NULL, "struct<a: int64, b: int64>",
	           "{\"a\":1,\"b\":2}\n{\"a\":3,\"b\":4}\n");
	expect_csv("a,b\r1,2\r3,4\r", NULL, NULL, "{\"a\":1,\"b\":2}\n{\"a\":3,\"b\":4}\n");
	expect_csv("a,b\n1,\n,4\n", NULL, NULL, "{\"a\":1,\"b\":null}\n{\"a\":null,\"b\":4}\n");
}

static void test_csv_read_utf8_and_bom(void **state)
{
	(void)state;
	expect_csv("\xEF\xBB\xBFname,v\n\xC3\xA9t\xC3\xA9,\xE2\x82\xAC\n", NULL, NULL,
	           "{\"name\":\"\xC3\xA9t\xC3\xA9\",\"v\":\"\xE2\x82\xAC\"}\n");
}

static void test_csv_read_empty_and_header_only(void **state)
{
	char *text = NULL, desc[128];
	dlt_error err;
	int64_t nb = -1;
	(void)state;
	assert_int_equal(th_csv_to_jsonl("", 0, 0, NULL, &text, desc, sizeof(desc), &nb, &err),
	                 DLT_OK);
	assert_string_equal(text, "");
	assert_string_equal(desc, "struct<>");
	assert_int_equal(nb, 0);
	dlt_free(text);
	assert_int_equal(th_csv_to_jsonl("x,y\n", 4, 0, NULL, &text, desc, sizeof(desc), &nb, &err),
	                 DLT_OK);
	assert_string_equal(text, "");
	assert_string_equal(desc, "struct<x: null, y: null>");
	assert_int_equal(nb, 0);
	dlt_free(text);
}

static void test_csv_read_inference_widening(void **state)
{
	(void)state;
	expect_csv("i,d,b,dt,ts,tz,s,n,mix\n"
	           "1,1,true,2024-01-31,2024-01-31 10:00:00,2024-01-31T10:00:00Z,a,,1\n"
	           "-2,2.5,False,1969-12-31,2024-01-31,2024-01-31T12:00:00+02:00,b,,x\n",
	           NULL,
	           "struct<i: int64, d: float64, b: bool, dt: date32, ts: timestamp[us], "
	           "tz: timestamp[us, tz=UTC], s: utf8, n: null, mix: utf8>",
	           "{\"i\":1,\"d\":1.0,\"b\":true,\"dt\":\"2024-01-31\",\"ts\":\"2024-01-31T10:00:00\","
	           "\"tz\":\"2024-01-31T10:00:00Z\",\"s\":\"a\",\"n\":null,\"mix\":\"1\"}\n"
	           "{\"i\":-2,\"d\":2.5,\"b\":false,\"dt\":\"1969-12-31\",\"ts\":\"2024-01-31T00:00:00\","
	           "\"tz\":\"2024-01-31T10:00:00Z\",\"s\":\"b\",\"n\":null,\"mix\":\"x\"}\n");
	/* int64 overflow widens to double; 0/1 stay integers */
	expect_csv("a,b\n9223372036854775808,0\n1,1\n", NULL, "struct<a: float64, b: int64>",
	           "{\"a\":9.223372036854776e+18,\"b\":0}\n{\"a\":1.0,\"b\":1}\n");
}

static void test_csv_read_value_after_inference_window(void **state)
{
	dlt_csv_read_options o = DLT_CSV_READ_OPTIONS_INIT;
	dlt_error err;
	(void)state;
	o.infer_rows = 2;
	assert_int_equal(expect_error("a\n1\n2\nthree\n", &o, &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "line 4"));
	assert_non_null(strstr(err.message, "'a'"));
	o.infer_rows = -1;
	expect_csv("a\n1\n2\nthree\n", &o, "struct<a: utf8>",
	           "{\"a\":\"1\"}\n{\"a\":\"2\"}\n{\"a\":\"three\"}\n");
}

static void test_csv_read_no_header_and_options(void **state)
{
	dlt_csv_read_options o = DLT_CSV_READ_OPTIONS_INIT;
	static const char *const nulls[] = { "NA", "null" };
	(void)state;
	o.has_header = 0;
	o.delimiter = ';';
	o.null_values = nulls;
	o.n_null_values = 2;
	expect_csv("1;NA;x\n2;3;\"NA\"\nnull;4;\n", &o,
	           "struct<column0: int64, column1: int64, column2: utf8>",
	           "{\"column0\":1,\"column1\":null,\"column2\":\"x\"}\n"
	           "{\"column0\":2,\"column1\":3,\"column2\":\"NA\"}\n"
	           "{\"column0\":null,\"column1\":4,\"column2\":\"\"}\n");
	o = (dlt_csv_read_options)DLT_CSV_READ_OPTIONS_INIT;
	o.escape = '\\';
	expect_csv("a\n\"x\\\"y\"\n", &o, NULL, "{\"a\":\"x\\\"y\"}\n");
}

static void make_schema(struct ArrowSchema *s, const char *const *fmts, const char *const *names,
                        int n, bool nullable)
{
	int k;
	assert_int_equal(dlt_schema__init(s, "+s", NULL, 0, n, NULL), DLT_OK);
	for (k = 0; k < n; k++)
		assert_int_equal(dlt_schema__init_leaf(s->children[k], fmts[k], names[k], nullable, NULL),
		                 DLT_OK);
}

static void test_csv_read_explicit_schema_types(void **state)
{
	static const char *const fmts[] = { "c", "S", "I", "L", "f", "d:6,2", "d:40,3,256",
		                            "tdm", "tts", "ttu", "tsn:", "tDs", "U", "z", "b" };
	static const char *const names[] = { "i8", "u16", "u32", "u64", "f32", "dec", "dec256",
		                             "d64", "t32", "t64", "tsn", "dur", "ls", "bin", "b" };
	struct ArrowSchema s;
	dlt_csv_read_options o = DLT_CSV_READ_OPTIONS_INIT;
	(void)state;
	make_schema(&s, fmts, names, 15, true);
	o.schema = &s;
	expect_csv("i8,u16,u32,u64,f32,dec,dec256,d64,t32,t64,tsn,dur,ls,bin,b\n"
	           "-128,65535,4294967295,18446744073709551615,1.1,1234.565,-1.5,2024-01-31,"
	           "13:45:00,13:45:00.5,2024-01-31T13:45:00.123456789,-5,txt,abc,T\n"
	           ",,,,,,,,,,,,,,\n",
	           &o, NULL,
	           "{\"i8\":-128,\"u16\":65535,\"u32\":4294967295,\"u64\":18446744073709551615,"
	           "\"f32\":1.1,\"dec\":\"1234.57\",\"dec256\":\"-1.500\",\"d64\":\"2024-01-31\","
	           "\"t32\":\"13:45:00\",\"t64\":\"13:45:00.5\","
	           "\"tsn\":\"2024-01-31T13:45:00.123456789\",\"dur\":-5,\"ls\":\"txt\","
	           "\"bin\":\"YWJj\",\"b\":true}\n"
	           "{\"i8\":null,\"u16\":null,\"u32\":null,\"u64\":null,\"f32\":null,\"dec\":null,"
	           "\"dec256\":null,\"d64\":null,\"t32\":null,\"t64\":null,\"tsn\":null,\"dur\":null,"
	           "\"ls\":null,\"bin\":null,\"b\":null}\n");
	dlt_schema__release(&s);
}

static void test_csv_read_explicit_schema_strict_errors(void **state)
{
	static const char *const fmts[] = { "i", "u" };
	static const char *const names[] = { "n", "s" };
	struct ArrowSchema s;
	dlt_csv_read_options o = DLT_CSV_READ_OPTIONS_INIT;
	dlt_error err;
	(void)state;
	make_schema(&s, fmts, names, 2, true);
	o.schema = &s;
	assert_int_equal(expect_error("n,s\n1,a\n2,b\nx3,c\n", &o, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "line 4"));
	assert_non_null(strstr(err.message, "column 'n'"));
	assert_non_null(strstr(err.message, "'x3'"));
	assert_int_equal(expect_error("n,s\n1,a\n3000000000,c\n", &o, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "out of range"));
	assert_int_equal(expect_error("n,s,t\n1,a,b\n", &o, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "header"));
	dlt_schema__release(&s);
	make_schema(&s, fmts, names, 2, false);
	o.schema = &s;
	assert_int_equal(expect_error("n,s\n,a\n", &o, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "non-nullable"));
	dlt_schema__release(&s);
}

static void test_csv_read_malformed(void **state)
{
	dlt_error err;
	(void)state;
	assert_int_equal(expect_error("a,b\n1,2\n\"open,3\n", NULL, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "unterminated"));
	assert_non_null(strstr(err.message, "line 3"));
	assert_int_equal(err.row, 3);
	assert_int_equal(expect_error("a,b\n1,2\n3\n", NULL, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "line 3: expected 2 fields, found 1"));
	assert_int_equal(expect_error("a,b\n1,2\n\"x\nx\",1\n4,5,6\n", NULL, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "line 5"));
	assert_int_equal(expect_error("a\n\"x\"y\n", NULL, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "after closing quote"));
}

static void test_csv_read_batch_boundaries(void **state)
{
	dlt_csv_read_options o = DLT_CSV_READ_OPTIONS_INIT;
	char *text = NULL;
	const char *csv = "a,b\n1,\"x\ny\"\n2,z\n3,\"\"\"\"\n";
	dlt_error err;
	int64_t nb = 0;
	(void)state;
	o.batch_rows = 1;
	assert_int_equal(th_csv_to_jsonl(csv, strlen(csv), 1, &o, &text, NULL, 0, &nb, &err), DLT_OK);
	assert_int_equal(nb, 3);
	assert_string_equal(text, "{\"a\":1,\"b\":\"x\\ny\"}\n{\"a\":2,\"b\":\"z\"}\n"
	                          "{\"a\":3,\"b\":\"\\\"\"}\n");
	dlt_free(text);
	o.batch_rows = 2;
	assert_int_equal(th_csv_to_jsonl(csv, strlen(csv), 3, &o, &text, NULL, 0, &nb, &err), DLT_OK);
	assert_int_equal(nb, 2);
	dlt_free(text);
}

static void test_csv_read_huge_field(void **state)
{
	size_t big = 10u << 20, n = 0;
	char *csv = dlt_malloc(big + 64), *text = NULL;
	dlt_error err;
	(void)state;
	assert_non_null(csv);
	n += (size_t)sprintf(csv, "k,v\n1,\"");
	memset(csv + n, 'x', big);
	n += big;
	memcpy(csv + n, "\"\n2,short\n", 10);
	n += 10;
	assert_int_equal(th_csv_to_jsonl(csv, n, 0, NULL, &text, NULL, 0, NULL, &err), DLT_OK);
	assert_int_equal(strlen(text), big + strlen("{\"k\":1,\"v\":\"\"}\n{\"k\":2,\"v\":\"short\"}\n"));
	assert_non_null(strstr(text, "{\"k\":2,\"v\":\"short\"}\n"));
	dlt_free(text);
	dlt_free(csv);
}

static void test_csv_read_many_rows_multiple_chunks(void **state)
{
	dlt_buf b = DLT_BUF_INIT;
	char *text = NULL;
	int64_t nb = 0, i;
	dlt_error err;
	(void)state;
	assert_int_equal(dlt_buf_append_str(&b, "id,x,s\n", NULL), DLT_OK);
	for (i = 0; i < 200000; i++)
		assert_int_equal(dlt_buf_appendf(&b, NULL, "%lld,%lld.25,\"s%lld\"\n", (long long)i,
		                                 (long long)i, (long long)i), DLT_OK);
	assert_int_equal(th_csv_to_jsonl((const char *)b.data, b.len, 0, NULL, &text, NULL, 0, &nb,
	                                 &err), DLT_OK);
	assert_int_equal(nb, 4); /* 65536-row batches */
	assert_non_null(strstr(text, "{\"id\":199999,\"x\":199999.25,\"s\":\"s199999\"}\n"));
	assert_non_null(strstr(text, "{\"id\":65536,\"x\":65536.25,\"s\":\"s65536\"}\n"));
	dlt_free(text);
	dlt_buf_dispose(&b);
}

static void test_csv_read_oom_sweep(void **state)
{
	const char *csv = "a,b,c\n1,x,2.5\n2,\"y\"\"\",3\n";
	int64_t n;
	(void)state;
	for (n = 1; n < 200; n++) {
		char *text = NULL;
		dlt_error err;
		int rc;
		dlt_alloc_fail_after(n);
		rc = th_csv_to_jsonl(csv, strlen(csv), 0, NULL, &text, NULL, 0, NULL, &err);
		dlt_alloc_fail_after(0);
		dlt_free(text);
		if (rc == DLT_OK)
			break;
		assert_int_equal(rc, DLT_ENOMEM);
	}
	assert_true(n < 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_csv_read_quoting_and_embedded_newlines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_read_crlf_cr_and_no_final_newline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_read_utf8_and_bom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_read_empty_and_header_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_read_inference_widening, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_read_value_after_inference_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_read_no_header_and_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_read_explicit_schema_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_read_explicit_schema_strict_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_read_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_read_batch_boundaries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_read_huge_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_read_many_rows_multiple_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_read_oom_sweep, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
