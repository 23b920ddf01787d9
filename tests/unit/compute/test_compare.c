/* Comparisons across types, null semantics, NaN, IN, Kleene logic. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "compute/helpers.h"

static char sb[256];

/* Compare l op r (arrays or scalars) and return the result as text. */
static const char *cmp(dlt_cmp_op op, const char *lf, const struct ArrowArray *l, bool ls,
                       const char *rf, const struct ArrowArray *r, bool rs)
{
	struct ArrowSchema s1, s2;
	struct ArrowArray out;
	h_schema(&s1, lf);
	h_schema(&s2, rf);
	dlt_datum a = { &s1, l, ls }, b = { &s2, r, rs };
	assert_int_equal(dlt_compute__compare(&out, op, &a, &b, NULL), DLT_OK);
	h_bools(&out, sb);
	dlt_array__release(&out);
	dlt_schema__release(&s1);
	dlt_schema__release(&s2);
	return sb;
}

static void test_compute_compare_int_ops_nulls_offset(void **state)
{
	struct ArrowArray a, b;
	const int32_t x[] = { 7, 1, 2, 3, 4 };
	const int64_t y[] = { 2, 2, 2, 9 };
	(void)state;
	h_i32(&a, x, 5, "11101");
	h_skip(&a, 1); /* 1 2 null 4 */
	h_i64(&b, y, 4, NULL);
	assert_string_equal(cmp(DLT_CMP_EQ, "i", &a, false, "l", &b, false), "01n0");
	assert_string_equal(cmp(DLT_CMP_NE, "i", &a, false, "l", &b, false), "10n1");
	assert_string_equal(cmp(DLT_CMP_LT, "i", &a, false, "l", &b, false), "10n1");
	assert_string_equal(cmp(DLT_CMP_LE, "i", &a, false, "l", &b, false), "11n1");
	assert_string_equal(cmp(DLT_CMP_GT, "i", &a, false, "l", &b, false), "00n0");
	assert_string_equal(cmp(DLT_CMP_GE, "i", &a, false, "l", &b, false), "01n0");
	/* scalar on the left: 2 < a */
	assert_string_equal(cmp(DLT_CMP_LT, "l", &b, true, "i", &a, false), "00n1");
	dlt_array__release(&a);
	dlt_array__release(&b);
}

static void test_compute_compare_uint64_vs_int64_exact(void **state)
{
	struct ArrowArray a, b;
	const uint64_t x[] = { UINT64_MAX, 0, (uint64_t)INT64_MAX + 1 };
	const int64_t y[] = { -1, -1, INT64_MAX };
	(void)state;
	h_fixed(&a, x, 8, 3, NULL);
	h_i64(&b, y, 3, NULL);
	assert_string_equal(cmp(DLT_CMP_GT, "L", &a, false, "l", &b, false), "111");
	assert_string_equal(cmp(DLT_CMP_EQ, "L", &a, false, "l", &b, false), "000");
	dlt_array__release(&a);
	dlt_array__release(&b);
}

static void test_compute_compare_int_vs_double_exact(void **state)
{
	struct ArrowArray a, b;
	/* 2^53 + 1 is not a double: must compare greater than 2^53 exactly */
	const int64_t x[] = { 9007199254740993, 3, 3, -3, 5, INT64_MAX };
	const double y[] = { 9007199254740992.0, 3.5, 3.0, -3.5, NAN, 9223372036854775808.0 };
	(void)state;
	h_i64(&a, x, 6, NULL);
	h_f64(&b, y, 6, NULL);
	assert_string_equal(cmp(DLT_CMP_GT, "l", &a, false, "g", &b, false), "100100");
	assert_string_equal(cmp(DLT_CMP_EQ, "l", &a, false, "g", &b, false), "001000");
	assert_string_equal(cmp(DLT_CMP_LT, "g", &b, false, "l", &a, false), "100100");
	dlt_array__release(&a);
	dlt_array__release(&b);
}

static void test_compute_compare_nan_spark_semantics(void **state)
{
	struct ArrowArray a, b;
	const double x[] = { NAN, NAN, 1.0, INFINITY, -0.0 };
	const double y[] = { NAN, INFINITY, NAN, NAN, 0.0 };
	(void)state;
	h_f64(&a, x, 5, NULL);
	h_f64(&b, y, 5, NULL);
	assert_string_equal(cmp(DLT_CMP_EQ, "g", &a, false, "g", &b, false), "10001");
	assert_string_equal(cmp(DLT_CMP_GT, "g", &a, false, "g", &b, false), "01000");
	assert_string_equal(cmp(DLT_CMP_LT, "g", &a, false, "g", &b, false), "00110");
	dlt_array__release(&a);
	dlt_array__release(&b);
}

static void test_compute_compare_decimals_mixed_scales(void **state)
{
	struct ArrowArray a, b, c;
	const int64_t x[] = { 150, 150, -1 };   /* d:5,2: 1.50 1.50 -0.01 */
	const int64_t y[] = { 1500, 1501, -10 }; /* d:6,3: 1.500 1.501 -0.010 */
	const int32_t z[] = { 1, 2, 0 };
	(void)state;
	h_dec(&a, x, 3, NULL);
	h_dec(&b, y, 3, NULL);
	h_i32(&c, z, 3, NULL);
	assert_string_equal(cmp(DLT_CMP_EQ, "d:5,2", &a, false, "d:6,3", &b, false), "101");
	assert_string_equal(cmp(DLT_CMP_LT, "d:5,2", &a, false, "d:6,3", &b, false), "010");
	assert_string_equal(cmp(DLT_CMP_GT, "d:5,2", &a, false, "d:6,3", &b, false), "000");
	assert_string_equal(cmp(DLT_CMP_GT, "d:5,2", &a, false, "i", &c, false), "100");
	assert_string_equal(cmp(DLT_CMP_LT, "d:5,2", &a, false, "i", &c, false), "011");
	dlt_array__release(&a);
	dlt_array__release(&b);
	dlt_array__release(&c);
}

static void test_compute_compare_strings_bytewise(void **state)
{
	struct ArrowArray a, b;
	const char *x[] = { "abc", "ab", "", NULL, "\xc3\xa9", "b" };
	const char *y[] = { "abd", "abc", "", "x", "z", "b" };
	(void)state;
	h_str(&a, x, 6, false);
	h_str(&b, y, 6, true);
	assert_string_equal(cmp(DLT_CMP_LT, "u", &a, false, "U", &b, false), "110n00");
	assert_string_equal(cmp(DLT_CMP_EQ, "u", &a, false, "U", &b, false), "001n01");
	assert_string_equal(cmp(DLT_CMP_GT, "u", &a, false, "U", &b, false), "000n10");
	dlt_array__release(&b);
	const char *sc[] = { "ab" };
	h_str(&b, sc, 1, false);
	assert_string_equal(cmp(DLT_CMP_GE, "u", &a, false, "u", &b, true), "110n11");
	dlt_array__release(&a);
	dlt_array__release(&b);
}

static void test_compute_compare_dates_timestamps_units(void **state)
{
	struct ArrowArray a, b, c;
	const int32_t days[] = { 0, 1, 19000 };
	const int64_t us[] = { 0, 86400000000 - 1, 19000LL * 86400000000 };
	const int64_t sec[] = { 1, 86399, 19000LL * 86400 };
	(void)state;
	h_i32(&a, days, 3, NULL);
	h_i64(&b, us, 3, NULL);
	h_i64(&c, sec, 3, NULL);
	assert_string_equal(cmp(DLT_CMP_EQ, "tdD", &a, false, "tsu:", &b, false), "101");
	assert_string_equal(cmp(DLT_CMP_GT, "tdD", &a, false, "tsu:UTC", &b, false), "010");
	assert_string_equal(cmp(DLT_CMP_LT, "tss:", &c, false, "tsu:", &b, false), "010");
	assert_string_equal(cmp(DLT_CMP_GT, "tss:", &c, false, "tsu:", &b, false), "100");
	dlt_array__release(&a);
	dlt_array__release(&b);
	dlt_array__release(&c);
}

static void test_compute_compare_errors_and_bool(void **state)
{
	struct ArrowSchema s1, s2;
	struct ArrowArray a, b, out;
	const char *x[] = { "1" };
	const int32_t y[] = { 1, 2 };
	dlt_error err;
	(void)state;
	h_schema(&s1, "u");
	h_schema(&s2, "i");
	h_str(&a, x, 1, false);
	h_i32(&b, y, 2, NULL);
	dlt_datum l = { &s1, &a, false }, r = { &s2, &b, false };
	assert_int_equal(dlt_compute__compare(&out, DLT_CMP_EQ, &l, &r, &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "cannot compare"));
	dlt_datum l2 = { &s2, &b, false }, r2 = { &s2, &b, false };
	struct ArrowArray one = b;
	one.length = 1;
	one.release = NULL;
	r2.array = &one;
	assert_int_equal(dlt_compute__compare(&out, DLT_CMP_EQ, &l2, &r2, &err), DLT_EINVAL);
	dlt_array__release(&a);
	dlt_array__release(&b);
	dlt_schema__release(&s1);
	dlt_schema__release(&s2);
	h_bool(&a, "01n1");
	h_bool(&b, "1100");
	assert_string_equal(cmp(DLT_CMP_LT, "b", &a, false, "b", &b, false), "10n0");
	dlt_array__release(&a);
	dlt_array__release(&b);
}

static void test_compute_kleene_logic(void **state)
{
	struct ArrowArray a, b, out;
	struct ArrowSchema kls;
	(void)state;
	h_schema(&kls, "b");
	/* all 9 combinations, shifted by an offset of 3 */
	h_bool(&a, "101111000nnn");
	h_bool(&b, "01010n10n10n");
	h_skip(&a, 3);
	h_skip(&b, 3);
	assert_int_equal(dlt_compute__and(&out, &a, &b, NULL), DLT_OK);
	assert_string_equal(h_bools(&out, sb), "10n000n0n");
	dlt_array__release(&out);
	assert_int_equal(dlt_compute__or(&out, &a, &b, NULL), DLT_OK);
	assert_string_equal(h_bools(&out, sb), "11110n1nn");
	dlt_array__release(&out);
	assert_int_equal(dlt_compute__not(&out, &a, NULL), DLT_OK);
	assert_string_equal(h_bools(&out, sb), "000111nnn");
	dlt_array__release(&out);
	assert_int_equal(dlt_compute__mask_coalesce_false(&out, &a, NULL), DLT_OK);
	assert_string_equal(h_bools(&out, sb), "111000000");
	assert_null(out.buffers[0]);
	dlt_array__release(&out);
	assert_int_equal(dlt_compute__is_null(&out, &kls, &a, NULL), DLT_OK);
	assert_string_equal(h_bools(&out, sb), "000000111");
	dlt_array__release(&out);
	dlt_schema__release(&kls);
	dlt_array__release(&a);
	dlt_array__release(&b);
}

static void test_compute_in_list_sql_semantics(void **state)
{
	struct ArrowSchema s, vs;
	struct ArrowArray a, v, v2, out;
	const int32_t x[] = { 1, 2, 3, 4 };
	const int64_t y[] = { 3, 1 }, y2[] = { 3, 0 };
	(void)state;
	h_schema(&s, "i");
	h_schema(&vs, "l");
	h_i32(&a, x, 4, "1101");
	h_i64(&v, y, 2, NULL);
	h_i64(&v2, y2, 2, "10");
	assert_int_equal(dlt_compute__in(&out, &s, &a, &vs, &v, NULL), DLT_OK);
	assert_string_equal(h_bools(&out, sb), "10n0");
	dlt_array__release(&out);
	assert_int_equal(dlt_compute__in(&out, &s, &a, &vs, &v2, NULL), DLT_OK);
	assert_string_equal(h_bools(&out, sb), "nnnn");
	dlt_array__release(&out);
	dlt_array__release(&a);
	dlt_array__release(&v);
	dlt_array__release(&v2);
	dlt_schema__release(&s);
	dlt_schema__release(&vs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compute_compare_int_ops_nulls_offset),
		cmocka_unit_test(test_compute_compare_uint64_vs_int64_exact),
		cmocka_unit_test(test_compute_compare_int_vs_double_exact),
		cmocka_unit_test(test_compute_compare_nan_spark_semantics),
		cmocka_unit_test(test_compute_compare_decimals_mixed_scales),
		cmocka_unit_test(test_compute_compare_strings_bytewise),
		cmocka_unit_test(test_compute_compare_dates_timestamps_units),
		cmocka_unit_test(test_compute_compare_errors_and_bool),
		cmocka_unit_test(test_compute_kleene_logic),
		cmocka_unit_test(test_compute_in_list_sql_semantics),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
