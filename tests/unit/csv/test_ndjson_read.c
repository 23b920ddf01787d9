/* NDJSON reader: inference (nesting, widening), explicit schemas, bad lines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

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

static void expect_nd(const char *js, const dlt_ndjson_read_options *o, const char *want_schema,
                      const char *want)
{
	char *text = NULL, desc[512] = "";
	dlt_error err;
	if (th_ndjson_to_jsonl(js, strlen(js), o, &text, desc, sizeof(desc), &err) != DLT_OK)
		fail_msg("ndjson read failed: %s", err.message);
	if (want_schema)
		assert_string_equal(desc, want_schema);
	assert_string_equal(text, want);
	dlt_free(text);
}

static void test_ndjson_read_inference_nested_and_widening(void **state)
{
	(void)state;
	expect_nd("{\"a\":1,\"b\":\"x\",\"c\":[1,2],\"d\":{\"e\":true},\"m\":1}\n"
	          "\n"
	          "{\"a\":2.5,\"c\":[],\"d\":{\"e\":false,\"f\":null},\"m\":\"s\",\"z\":null}\r\n"
	          "{\"b\":null,\"c\":null,\"m\":{\"k\":[1]}}",
	          NULL,
	          "struct<a: float64, b: utf8, c: list<int64>, d: struct<e: bool, f: null>, "
	          "m: utf8, z: null>",
	          "{\"a\":1.0,\"b\":\"x\",\"c\":[1,2],\"d\":{\"e\":true,\"f\":null},\"m\":\"1\",\"z\":null}\n"
	          "{\"a\":2.5,\"b\":null,\"c\":[],\"d\":{\"e\":false,\"f\":null},\"m\":\"s\",\"z\":null}\n"
	          "{\"a\":null,\"b\":null,\"c\":null,\"d\":null,\"m\":\"{\\\"k\\\":[1]}\",\"z\":null}\n");
}

static void test_ndjson_read_explicit_schema(void **state)
{
	struct ArrowSchema s;
	dlt_ndjson_read_options o = DLT_NDJSON_READ_OPTIONS_INIT;
	(void)state;
	assert_int_equal(dlt_schema__init(&s, "+s", NULL, 0, 5, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[0], "i", "n", true, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[1], "tsu:UTC", "t", true, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[2], "d:6,2", "p", true, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[3], "z", "bin", true, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init(s.children[4], "+m", "m", ARROW_FLAG_NULLABLE, 1, NULL),
	                 DLT_OK);
	assert_int_equal(dlt_schema__init(s.children[4]->children[0], "+s", "entries", 0, 2, NULL),
	                 DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[4]->children[0]->children[0], "u", "key",
	                                       false, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[4]->children[0]->children[1], "l", "value",
	                                       true, NULL), DLT_OK);
	o.schema = &s;
	expect_nd("{\"n\":5,\"t\":\"2024-01-31T15:45:00+02:00\",\"p\":\"1.005\",\"bin\":\"AP8=\","
	          "\"m\":{\"a\":1}}\n"
	          "{\"p\":12,\"m\":[{\"key\":\"b\",\"value\":null}],\"extra\":1}\n",
	          &o, NULL,
	          "{\"n\":5,\"t\":\"2024-01-31T13:45:00Z\",\"p\":\"1.01\",\"bin\":\"AP8=\","
	          "\"m\":[{\"key\":\"a\",\"value\":1}]}\n"
	          "{\"n\":null,\"t\":null,\"p\":\"12.00\",\"bin\":null,"
	          "\"m\":[{\"key\":\"b\",\"value\":null}]}\n");
	{
		char *text = NULL;
		dlt_error err;
		const char *bad = "{\"n\":1}\n{\"n\":\"x\"}\n";
		assert_int_equal(th_ndjson_to_jsonl(bad, strlen(bad), &o, &text, NULL, 0, &err),
		                 DLT_ECORRUPT);
		assert_non_null(strstr(err.message, "line 2"));
		assert_non_null(strstr(err.message, "field 'n'"));
		bad = "{\"n\":3000000000}\n";
		assert_int_equal(th_ndjson_to_jsonl(bad, strlen(bad), &o, &text, NULL, 0, &err),
		                 DLT_ECORRUPT);
		assert_non_null(strstr(err.message, "out of range"));
	}
	dlt_schema__release(&s);
}

static void test_ndjson_read_bad_lines(void **state)
{
	char *text = NULL;
	dlt_error err;
	const char *bad[] = { "{\"a\":1}\n{\"a\":\n", "{\"a\":1}\n\n[1,2]\n", "{\"a\":1}\n42\n" };
	const int64_t line[] = { 2, 3, 2 };
	size_t k;
	(void)state;
	for (k = 0; k < 3; k++) {
		assert_int_equal(th_ndjson_to_jsonl(bad[k], strlen(bad[k]), NULL, &text, NULL, 0, &err),
		                 DLT_ECORRUPT);
		assert_int_equal(err.row, line[k]);
		assert_null(text);
	}
	assert_int_equal(th_ndjson_to_jsonl("", 0, NULL, &text, NULL, 0, &err), DLT_OK);
	assert_string_equal(text, "");
	dlt_free(text);
}

static void test_ndjson_read_round_trips_writer_output(void **state)
{
	/* What the JSON-lines writer prints, read back with inference, prints the same. */
	const char *js = "{\"i\":-9223372036854775808,\"d\":0.1,\"s\":\"\\u0001\\\"\",\"l\":[[1],[]],"
	                 "\"o\":{\"x\":null,\"y\":[true]}}\n"
	                 "{\"i\":9223372036854775807,\"d\":1e+100,\"s\":\"\xc3\xa9\",\"l\":null,"
	                 "\"o\":{\"x\":null,\"y\":[]}}\n";
	(void)state;
	expect_nd(js, NULL, NULL, js);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ndjson_read_inference_nested_and_widening, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_ndjson_read_explicit_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ndjson_read_bad_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ndjson_read_round_trips_writer_output, setup,
		                                teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
