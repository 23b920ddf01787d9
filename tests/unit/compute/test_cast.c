/* Casts: numeric range checks, decimals, temporal units, text both ways, modes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "compute/helpers.h"

static char sb[256];
static struct ArrowArray co;

static int cast(const char *from, const struct ArrowArray *a, const char *to, dlt_cast_mode m,
                dlt_error *err)
{
	struct ArrowSchema s;
	h_schema(&s, from);
	int rc = dlt_compute__cast(&co, &s, a, to, m, err);
	dlt_schema__release(&s);
	return rc;
}

static void test_compute_cast_int_narrowing_range(void **state)
{
	struct ArrowArray a;
	const int64_t x[] = { 0, 127, -128, 128, 5 };
	dlt_error err;
	(void)state;
	h_i64(&a, x, 5, "11111");
	h_skip(&a, 1);
	assert_int_equal(cast("l", &a, "c", DLT_CAST_STRICT, &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "row 2: cannot cast '128' to int8"));
	assert_int_equal(err.row, 2);
	assert_int_equal(cast("l", &a, "c", DLT_CAST_SAFE, NULL), DLT_OK);
	assert_int_equal(h_int(&co, 1, 0), 127);
	assert_int_equal(h_int(&co, 1, 1), -128);
	assert_true(h_null(&co, 2));
	assert_int_equal(h_int(&co, 1, 3), 5);
	assert_int_equal(co.null_count, 1);
	dlt_array__release(&co);
	dlt_array__release(&a);
}

static void test_compute_cast_float_int_decimal(void **state)
{
	struct ArrowArray a;
	const double x[] = { 2.7, -2.7, 0.125, 1e30 };
	(void)state;
	h_f64(&a, x, 4, NULL);
	assert_int_equal(cast("g", &a, "i", DLT_CAST_SAFE, NULL), DLT_OK);
	assert_int_equal(h_int(&co, 4, 0), 2);
	assert_int_equal(h_int(&co, 4, 1), -2);
	assert_int_equal(h_int(&co, 4, 2), 0);
	assert_true(h_null(&co, 3));
	dlt_array__release(&co);
	/* double -> decimal(5,2): 0.125 rounds half up to 0.13, 1e30 overflows */
	assert_int_equal(cast("g", &a, "d:5,2", DLT_CAST_SAFE, NULL), DLT_OK);
	assert_int_equal(h_dec_at(&co, 0), 270);
	assert_int_equal(h_dec_at(&co, 1), -270);
	assert_int_equal(h_dec_at(&co, 2), 13);
	assert_true(h_null(&co, 3));
	dlt_array__release(&co);
	dlt_array__release(&a);
}

static void test_compute_cast_decimal_rescale_and_to_int(void **state)
{
	struct ArrowArray a;
	const int64_t x[] = { 12345, -12345, 99999 }; /* d:5,3: 12.345 -12.345 99.999 */
	(void)state;
	h_dec(&a, x, 3, NULL);
	assert_int_equal(cast("d:5,3", &a, "d:4,2", DLT_CAST_SAFE, NULL), DLT_OK);
	assert_int_equal(h_dec_at(&co, 0), 1235);
	assert_int_equal(h_dec_at(&co, 1), -1235);
	assert_true(h_null(&co, 2)); /* 100.00 does not fit decimal(4,2) */
	dlt_array__release(&co);
	assert_int_equal(cast("d:5,3", &a, "l", DLT_CAST_STRICT, NULL), DLT_OK);
	assert_int_equal(h_int(&co, 8, 0), 12);
	assert_int_equal(h_int(&co, 8, 1), -12);
	dlt_array__release(&co);
	assert_int_equal(cast("d:5,3", &a, "d:10,5", DLT_CAST_STRICT, NULL), DLT_OK);
	assert_int_equal(h_dec_at(&co, 0), 1234500);
	dlt_array__release(&co);
	assert_int_equal(cast("d:5,3", &a, "u", DLT_CAST_STRICT, NULL), DLT_OK);
	assert_string_equal(h_strat(&co, 1, sb, sizeof(sb)), "-12.345");
	dlt_array__release(&co);
	dlt_array__release(&a);
}

static void test_compute_cast_temporal_units(void **state)
{
	struct ArrowArray a, b;
	const int32_t days[] = { 0, -1, 19000 };
	const int64_t us[] = { -1, 86400000001, 1500 };
	(void)state;
	h_i32(&a, days, 3, NULL);
	assert_int_equal(cast("tdD", &a, "tsu:UTC", DLT_CAST_STRICT, NULL), DLT_OK);
	assert_int_equal(h_int(&co, 8, 1), -86400000000LL);
	assert_int_equal(h_int(&co, 8, 2), 19000LL * 86400000000LL);
	dlt_array__release(&co);
	h_i64(&b, us, 3, NULL);
	assert_int_equal(cast("tsu:", &b, "tdD", DLT_CAST_STRICT, NULL), DLT_OK);
	assert_int_equal(h_int(&co, 4, 0), -1); /* floor, not truncation */
	assert_int_equal(h_int(&co, 4, 1), 1);
	dlt_array__release(&co);
	assert_int_equal(cast("tsu:", &b, "tsm:", DLT_CAST_STRICT, NULL), DLT_OK);
	assert_int_equal(h_int(&co, 8, 0), -1);
	assert_int_equal(h_int(&co, 8, 2), 1);
	dlt_array__release(&co);
	assert_int_equal(cast("tsu:", &b, "tsn:", DLT_CAST_STRICT, NULL), DLT_OK);
	assert_int_equal(h_int(&co, 8, 2), 1500000);
	dlt_array__release(&co);
	assert_int_equal(cast("tdD", &a, "u", DLT_CAST_STRICT, NULL), DLT_OK);
	assert_string_equal(h_strat(&co, 1, sb, sizeof(sb)), "1969-12-31");
	dlt_array__release(&co);
	dlt_array__release(&a);
	dlt_array__release(&b);
}

static void test_compute_cast_string_to_values(void **state)
{
	struct ArrowArray a;
	const char *x[] = { "42", "x1", NULL, "-7" };
	const char *d[] = { "2024-02-29", "2023-02-29" };
	const char *t[] = { "2024-01-31T13:45:00.5Z", "yes?" };
	const char *dec[] = { "1.005", "-0.004" };
	const char *bo[] = { "true", "FALSE", "maybe" };
	dlt_error err;
	(void)state;
	h_str(&a, x, 4, false);
	assert_int_equal(cast("u", &a, "i", DLT_CAST_STRICT, &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "row 1: cannot cast 'x1'"));
	assert_int_equal(cast("u", &a, "i", DLT_CAST_SAFE, NULL), DLT_OK);
	assert_int_equal(h_int(&co, 4, 0), 42);
	assert_true(h_null(&co, 1));
	assert_true(h_null(&co, 2));
	assert_int_equal(h_int(&co, 4, 3), -7);
	dlt_array__release(&co);
	dlt_array__release(&a);
	h_str(&a, d, 2, false);
	assert_int_equal(cast("u", &a, "tdD", DLT_CAST_SAFE, NULL), DLT_OK);
	assert_int_equal(h_int(&co, 4, 0), 19782);
	assert_true(h_null(&co, 1));
	dlt_array__release(&co);
	dlt_array__release(&a);
	h_str(&a, t, 2, false);
	assert_int_equal(cast("u", &a, "tsm:UTC", DLT_CAST_SAFE, NULL), DLT_OK);
	assert_int_equal(h_int(&co, 8, 0), 1706708700500LL);
	assert_true(h_null(&co, 1));
	dlt_array__release(&co);
	dlt_array__release(&a);
	h_str(&a, dec, 2, false);
	assert_int_equal(cast("u", &a, "d:4,2", DLT_CAST_STRICT, NULL), DLT_OK);
	assert_int_equal(h_dec_at(&co, 0), 101);
	assert_int_equal(h_dec_at(&co, 1), 0);
	dlt_array__release(&co);
	dlt_array__release(&a);
	h_str(&a, bo, 3, false);
	assert_int_equal(cast("u", &a, "b", DLT_CAST_SAFE, NULL), DLT_OK);
	assert_string_equal(h_bools(&co, sb), "10n");
	dlt_array__release(&co);
	dlt_array__release(&a);
}

static void test_compute_cast_to_string_canonical(void **state)
{
	struct ArrowArray a;
	const double x[] = { 1.5, 3.0, -0.0 };
	const int64_t ts[] = { 1706708700123456LL };
	(void)state;
	h_f64(&a, x, 3, "101");
	assert_int_equal(cast("g", &a, "u", DLT_CAST_STRICT, NULL), DLT_OK);
	assert_string_equal(h_strat(&co, 0, sb, sizeof(sb)), "1.5");
	assert_true(h_null(&co, 1));
	assert_string_equal(h_strat(&co, 2, sb, sizeof(sb)), "-0.0");
	dlt_array__release(&co);
	dlt_array__release(&a);
	h_i64(&a, ts, 1, NULL);
	assert_int_equal(cast("tsu:UTC", &a, "u", DLT_CAST_STRICT, NULL), DLT_OK);
	assert_string_equal(h_strat(&co, 0, sb, sizeof(sb)), "2024-01-31T13:45:00.123456Z");
	dlt_array__release(&co);
	dlt_array__release(&a);
	h_bool(&a, "10n");
	assert_int_equal(cast("b", &a, "u", DLT_CAST_STRICT, NULL), DLT_OK);
	assert_string_equal(h_strat(&co, 0, sb, sizeof(sb)), "true");
	assert_string_equal(h_strat(&co, 1, sb, sizeof(sb)), "false");
	assert_true(h_null(&co, 2));
	dlt_array__release(&co);
	dlt_array__release(&a);
}

static void test_compute_cast_unsupported_pair(void **state)
{
	struct ArrowArray a;
	const int32_t x[] = { 1 };
	dlt_error err;
	(void)state;
	h_i32(&a, x, 1, NULL);
	assert_int_equal(cast("tdD", &a, "i", DLT_CAST_STRICT, &err), DLT_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "not supported"));
	dlt_array__release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compute_cast_int_narrowing_range),
		cmocka_unit_test(test_compute_cast_float_int_decimal),
		cmocka_unit_test(test_compute_cast_decimal_rescale_and_to_int),
		cmocka_unit_test(test_compute_cast_temporal_units),
		cmocka_unit_test(test_compute_cast_string_to_values),
		cmocka_unit_test(test_compute_cast_to_string_canonical),
		cmocka_unit_test(test_compute_cast_unsupported_pair),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
