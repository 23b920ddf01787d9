/* Format strings: parsing every type of the C Data Interface, bad formats,
 * descriptions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "arrow/arrow.h"
#include "deltalite/arrow.h"

static void expect(const char *f, dlt_atype t, int n_buffers, int bit_width)
{
	dlt_type_view v;
	dlt_error err;
	int rc = dlt_arrow__parse_format(&v, f, &err);
	if (rc != DLT_OK)
		fail_msg("format '%s': %s", f, err.message);
	if (v.type != t || v.n_buffers != n_buffers || v.bit_width != bit_width)
		fail_msg("format '%s': type %d buffers %d bits %d", f, (int)v.type, v.n_buffers,
		         (int)v.bit_width);
}

static void test_types_parse_simple(void **state)
{
	(void)state;
	expect("n", DLT_AT_NA, 0, 0);
	expect("b", DLT_AT_BOOL, 2, 1);
	expect("c", DLT_AT_INT8, 2, 8);
	expect("C", DLT_AT_UINT8, 2, 8);
	expect("s", DLT_AT_INT16, 2, 16);
	expect("S", DLT_AT_UINT16, 2, 16);
	expect("i", DLT_AT_INT32, 2, 32);
	expect("I", DLT_AT_UINT32, 2, 32);
	expect("l", DLT_AT_INT64, 2, 64);
	expect("L", DLT_AT_UINT64, 2, 64);
	expect("e", DLT_AT_FLOAT16, 2, 16);
	expect("f", DLT_AT_FLOAT32, 2, 32);
	expect("g", DLT_AT_FLOAT64, 2, 64);
	expect("u", DLT_AT_STRING, 3, 0);
	expect("U", DLT_AT_LARGE_STRING, 3, 0);
	expect("z", DLT_AT_BINARY, 3, 0);
	expect("Z", DLT_AT_LARGE_BINARY, 3, 0);
	expect("tdD", DLT_AT_DATE32, 2, 32);
	expect("tdm", DLT_AT_DATE64, 2, 64);
	expect("+l", DLT_AT_LIST, 2, 0);
	expect("+L", DLT_AT_LARGE_LIST, 2, 0);
	expect("+s", DLT_AT_STRUCT, 1, 0);
	expect("+m", DLT_AT_MAP, 2, 0);
	for (int t = 0; t < DLT_AT__COUNT; t++) {
		const char *f = dlt_arrow__type_format((dlt_atype)t);
		dlt_type_view v;
		if (!f)
			continue;
		assert_int_equal(dlt_arrow__parse_format(&v, f, NULL), DLT_OK);
		assert_int_equal(v.type, t);
	}
	assert_null(dlt_arrow__type_format(DLT_AT_TIMESTAMP));
	assert_null(dlt_arrow__type_format(DLT_AT_DECIMAL128));
}

static void test_types_parse_parameterized(void **state)
{
	dlt_type_view v;
	(void)state;
	assert_int_equal(dlt_arrow__parse_format(&v, "d:10,2", NULL), DLT_OK);
	assert_int_equal(v.type, DLT_AT_DECIMAL128);
	assert_int_equal(v.precision, 10);
	assert_int_equal(v.scale, 2);
	assert_int_equal(v.byte_width, 16);
	assert_int_equal(dlt_arrow__parse_format(&v, "d:40,-3,256", NULL), DLT_OK);
	assert_int_equal(v.type, DLT_AT_DECIMAL256);
	assert_int_equal(v.scale, -3);
	assert_int_equal(v.byte_width, 32);
	assert_int_equal(dlt_arrow__parse_format(&v, "d:38,0,128", NULL), DLT_OK);
	assert_int_equal(v.type, DLT_AT_DECIMAL128);
	assert_int_equal(dlt_arrow__parse_format(&v, "w:16", NULL), DLT_OK);
	assert_int_equal(v.type, DLT_AT_FIXED_BINARY);
	assert_int_equal(v.byte_width, 16);
	assert_int_equal(v.bit_width, 128);
	assert_int_equal(dlt_arrow__parse_format(&v, "+w:3", NULL), DLT_OK);
	assert_int_equal(v.type, DLT_AT_FIXED_LIST);
	assert_int_equal(v.byte_width, 3);
	assert_int_equal(v.n_buffers, 1);

	static const struct { const char *f; dlt_atype t; dlt_time_unit u; int bits; } tm[] = {
		{ "tts", DLT_AT_TIME32, DLT_TU_SECOND, 32 }, { "ttm", DLT_AT_TIME32, DLT_TU_MILLI, 32 },
		{ "ttu", DLT_AT_TIME64, DLT_TU_MICRO, 64 },  { "ttn", DLT_AT_TIME64, DLT_TU_NANO, 64 },
		{ "tDs", DLT_AT_DURATION, DLT_TU_SECOND, 64 }, { "tDm", DLT_AT_DURATION, DLT_TU_MILLI, 64 },
		{ "tDu", DLT_AT_DURATION, DLT_TU_MICRO, 64 }, { "tDn", DLT_AT_DURATION, DLT_TU_NANO, 64 },
		{ "tss:", DLT_AT_TIMESTAMP, DLT_TU_SECOND, 64 },
		{ "tsm:", DLT_AT_TIMESTAMP, DLT_TU_MILLI, 64 },
		{ "tsu:", DLT_AT_TIMESTAMP, DLT_TU_MICRO, 64 },
		{ "tsn:", DLT_AT_TIMESTAMP, DLT_TU_NANO, 64 },
	};
	for (size_t i = 0; i < sizeof(tm) / sizeof(tm[0]); i++) {
		assert_int_equal(dlt_arrow__parse_format(&v, tm[i].f, NULL), DLT_OK);
		assert_int_equal(v.type, tm[i].t);
		assert_int_equal(v.unit, tm[i].u);
		assert_int_equal(v.bit_width, tm[i].bits);
		assert_null(v.tz);
	}
	assert_int_equal(dlt_arrow__parse_format(&v, "tsu:Europe/Paris", NULL), DLT_OK);
	assert_string_equal(v.tz, "Europe/Paris");
	assert_int_equal(v.unit, DLT_TU_MICRO);
}

static void test_types_parse_bad(void **state)
{
	dlt_type_view v;
	dlt_error err;
	(void)state;
	static const char *const bad[] = { "", "x", "ii", "d", "d:", "d:10", "d:,2", "d:10,",
	                                   "d:10,2,", "d:10,2,64x", "d:0,0", "d:39,0", "w", "w:",
	                                   "w:-1", "w:1x", "+w:", "+w", "td", "tdX", "tt", "ttx",
	                                   "tsu", "tsx:", "tD", "tDx", "+", "+lx", "t", "tdDx",
	                                   "d:10,2,1000000000000" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = dlt_arrow__parse_format(&v, bad[i], &err);
		if (rc != DLT_ECORRUPT && rc != DLT_EUNSUPPORTED)
			fail_msg("format '%s' accepted (rc %d)", bad[i], rc);
	}
	assert_int_equal(dlt_arrow__parse_format(&v, "+r", &err), DLT_EUNSUPPORTED);
	assert_int_equal(dlt_arrow__parse_format(&v, "vu", &err), DLT_EUNSUPPORTED);
	assert_int_equal(dlt_arrow__parse_format(&v, "tiM", &err), DLT_EUNSUPPORTED);
	assert_int_equal(dlt_arrow__parse_format(&v, "d:10,2,64", &err), DLT_EUNSUPPORTED);
	assert_int_equal(dlt_arrow__parse_format(&v, "q", &err), DLT_EUNSUPPORTED);
	assert_int_equal(dlt_arrow__parse_format(&v, NULL, &err), DLT_EINVAL);
	assert_non_null(strstr(err.message, "format"));
}

static void test_types_predicates(void **state)
{
	(void)state;
	assert_true(dlt_arrow__is_integer(DLT_AT_UINT64));
	assert_false(dlt_arrow__is_integer(DLT_AT_FLOAT16));
	assert_true(dlt_arrow__is_signed(DLT_AT_INT8));
	assert_false(dlt_arrow__is_signed(DLT_AT_UINT8));
	assert_true(dlt_arrow__is_float(DLT_AT_FLOAT16));
	assert_true(dlt_arrow__is_nested(DLT_AT_MAP));
	assert_false(dlt_arrow__is_nested(DLT_AT_STRING));
}

static void test_types_describe(void **state)
{
	char buf[256];
	struct ArrowSchema s, *a, *b;
	(void)state;
	assert_string_equal(dlt_arrow__format_describe("i", buf, sizeof(buf)), "int32");
	assert_string_equal(dlt_arrow__format_describe("tsu:UTC", buf, sizeof(buf)),
	                    "timestamp[us, tz=UTC]");
	assert_string_equal(dlt_arrow__format_describe("d:10,2", buf, sizeof(buf)),
	                    "decimal128(10, 2)");
	assert_string_equal(dlt_arrow__format_describe("w:5", buf, sizeof(buf)),
	                    "fixed_size_binary[5]");

	assert_int_equal(dlt_schema__init(&s, "+s", "", 0, 2, NULL), DLT_OK);
	a = s.children[0];
	b = s.children[1];
	assert_int_equal(dlt_schema__init_leaf(a, "i", "a", true, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init(b, "+l", "b", 0, 1, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(b->children[0], "u", "item", true, NULL), DLT_OK);
	assert_int_equal(dlt_arrow_type_describe(buf, sizeof(buf), &s), DLT_OK);
	assert_string_equal(buf, "struct<a: int32, b: list<utf8>>");
	assert_int_equal(dlt_arrow_type_describe(buf, 10, &s), DLT_ELIMIT);
	assert_string_equal(buf, "struct<a:");
	assert_int_equal(dlt_arrow_type_describe(buf, 0, &s), DLT_EINVAL);
	dlt_schema__release(&s);

	assert_int_equal(dlt_schema__init_leaf(&s, "i", "d", true, NULL), DLT_OK);
	assert_int_equal(dlt_schema__alloc_dictionary(&s, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.dictionary, "u", NULL, false, NULL), DLT_OK);
	assert_int_equal(dlt_arrow_type_describe(buf, sizeof(buf), &s), DLT_OK);
	assert_string_equal(buf, "dictionary<values=utf8, indices=int32>");
	dlt_schema__release(&s);

	assert_int_equal(dlt_schema__init(&s, "+m", "m", 0, 1, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init(s.children[0], "+s", "entries", 0, 2, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[0]->children[0], "u", "key", false, NULL),
	                 DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[0]->children[1], "d:5,1", "value", true,
	                                       NULL), DLT_OK);
	assert_int_equal(dlt_arrow_type_describe(buf, sizeof(buf), &s), DLT_OK);
	assert_string_equal(buf, "map<utf8, decimal128(5, 1)>");
	dlt_schema__release(&s);

	assert_int_equal(dlt_schema__init_leaf(&s, "+r", "x", true, NULL), DLT_OK);
	assert_int_equal(dlt_arrow_type_describe(buf, sizeof(buf), &s), DLT_EUNSUPPORTED);
	assert_string_equal(buf, "unknown(+r)");
	dlt_schema__release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types_parse_simple),
		cmocka_unit_test(test_types_parse_parameterized),
		cmocka_unit_test(test_types_parse_bad),
		cmocka_unit_test(test_types_predicates),
		cmocka_unit_test(test_types_describe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
