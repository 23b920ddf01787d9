/* Arithmetic: integer widening/overflow, division by zero, floats, Spark decimals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "compute/helpers.h"

static struct ArrowSchema rs_;
static struct ArrowArray ro_;

static int run(dlt_arith_op op, const char *lf, const struct ArrowArray *l, bool ls,
               const char *rf, const struct ArrowArray *r, bool rsc, dlt_error *err)
{
	struct ArrowSchema s1, s2;
	h_schema(&s1, lf);
	h_schema(&s2, rf);
	dlt_datum a = { &s1, l, ls }, b = { &s2, r, rsc };
	int rc = dlt_compute__arith(&ro_, &rs_, op, &a, &b, err);
	dlt_schema__release(&s1);
	dlt_schema__release(&s2);
	return rc;
}

static void done(void)
{
	dlt_array__release(&ro_);
	dlt_schema__release(&rs_);
}

static void test_compute_arith_int_widen_nulls_offset(void **state)
{
	struct ArrowArray a, b;
	const int32_t x[] = { 0, 5, -7, 100 };
	const int64_t y[] = { 10, 2, 3 };
	(void)state;
	h_i32(&a, x, 4, "1110");
	h_skip(&a, 1); /* 5 -7 null */
	h_i64(&b, y, 3, NULL);
	assert_int_equal(run(DLT_ARITH_ADD, "i", &a, false, "l", &b, false, NULL), DLT_OK);
	assert_string_equal(rs_.format, "l");
	assert_int_equal(h_int(&ro_, 8, 0), 15);
	assert_int_equal(h_int(&ro_, 8, 1), -5);
	assert_true(h_null(&ro_, 2));
	done();
	assert_int_equal(run(DLT_ARITH_MUL, "i", &a, false, "l", &b, true, NULL), DLT_OK);
	assert_int_equal(h_int(&ro_, 8, 0), 50);
	assert_int_equal(h_int(&ro_, 8, 1), -70);
	done();
	dlt_array__release(&a);
	dlt_array__release(&b);
}

static void test_compute_arith_int_overflow_names_row(void **state)
{
	struct ArrowArray a, b;
	const int32_t x[] = { 1, INT32_MAX }, y[] = { 1, 1 };
	const int32_t mn[] = { INT32_MIN }, m1[] = { -1 };
	dlt_error err;
	(void)state;
	h_i32(&a, x, 2, NULL);
	h_i32(&b, y, 2, NULL);
	assert_int_equal(run(DLT_ARITH_ADD, "i", &a, false, "i", &b, false, &err), DLT_ELIMIT);
	assert_non_null(strstr(err.message, "row 1"));
	assert_int_equal(err.row, 1);
	assert_null(ro_.release);
	dlt_array__release(&a);
	dlt_array__release(&b);
	h_i32(&a, mn, 1, NULL);
	h_i32(&b, m1, 1, NULL);
	assert_int_equal(run(DLT_ARITH_DIV, "i", &a, false, "i", &b, false, &err), DLT_ELIMIT);
	dlt_array__release(&a);
	dlt_array__release(&b);
	/* uint8 + int8 widens to int16: 255 + 127 fits */
	const uint8_t u[] = { 255 };
	const int8_t s8[] = { 127 };
	h_fixed(&a, u, 1, 1, NULL);
	h_fixed(&b, s8, 1, 1, NULL);
	assert_int_equal(run(DLT_ARITH_ADD, "C", &a, false, "c", &b, false, NULL), DLT_OK);
	assert_string_equal(rs_.format, "s");
	assert_int_equal(h_int(&ro_, 2, 0), 382);
	done();
	dlt_array__release(&a);
	dlt_array__release(&b);
}

static void test_compute_arith_div_mod_by_zero_null(void **state)
{
	struct ArrowArray a, b;
	const int64_t x[] = { -7, -7, 9 }, y[] = { 2, 0, -4 };
	const double fx[] = { 1.0, 1.0, 7.5 }, fy[] = { 0.0, 4.0, 2.0 };
	(void)state;
	h_i64(&a, x, 3, NULL);
	h_i64(&b, y, 3, NULL);
	assert_int_equal(run(DLT_ARITH_DIV, "l", &a, false, "l", &b, false, NULL), DLT_OK);
	assert_int_equal(h_int(&ro_, 8, 0), -3);
	assert_true(h_null(&ro_, 1));
	assert_int_equal(h_int(&ro_, 8, 2), -2);
	done();
	assert_int_equal(run(DLT_ARITH_MOD, "l", &a, false, "l", &b, false, NULL), DLT_OK);
	assert_int_equal(h_int(&ro_, 8, 0), -1);
	assert_true(h_null(&ro_, 1));
	assert_int_equal(h_int(&ro_, 8, 2), 1);
	done();
	dlt_array__release(&a);
	dlt_array__release(&b);
	h_f64(&a, fx, 3, NULL);
	h_f64(&b, fy, 3, NULL);
	assert_int_equal(run(DLT_ARITH_DIV, "g", &a, false, "g", &b, false, NULL), DLT_OK);
	assert_string_equal(rs_.format, "g");
	assert_true(h_null(&ro_, 0));
	assert_true(h_dbl(&ro_, 1) == 0.25);
	assert_true(h_dbl(&ro_, 2) == 3.75);
	done();
	assert_int_equal(run(DLT_ARITH_MOD, "g", &a, false, "g", &b, false, NULL), DLT_OK);
	assert_true(h_dbl(&ro_, 2) == 1.5);
	done();
	dlt_array__release(&a);
	dlt_array__release(&b);
}

static void test_compute_arith_decimal_spark_types(void **state)
{
	struct ArrowArray a, b, c;
	const int64_t x[] = { 150, -25, 100 }, y[] = { 1, 3, 300 };
	(void)state;
	h_dec(&a, x, 3, NULL); /* d:5,2: 1.50 -0.25 1.00 */
	h_dec(&b, y, 3, NULL); /* d:6,3: 0.001 0.003 0.300 */
	assert_int_equal(run(DLT_ARITH_ADD, "d:5,2", &a, false, "d:6,3", &b, false, NULL), DLT_OK);
	assert_string_equal(rs_.format, "d:7,3");
	assert_int_equal(h_dec_at(&ro_, 0), 1501);
	assert_int_equal(h_dec_at(&ro_, 1), -247);
	assert_int_equal(h_dec_at(&ro_, 2), 1300);
	done();
	assert_int_equal(run(DLT_ARITH_MUL, "d:5,2", &a, false, "d:5,2", &a, false, NULL), DLT_OK);
	assert_string_equal(rs_.format, "d:11,4");
	assert_int_equal(h_dec_at(&ro_, 0), 22500);
	assert_int_equal(h_dec_at(&ro_, 1), 625);
	done();
	/* 1.00 / 3.00 and 2.00 / 3.00 -> d:13,8, rounded half up */
	const int64_t n1[] = { 100, 200, -200 }, d1[] = { 300, 300, 300 };
	dlt_array__release(&a);
	dlt_array__release(&b);
	h_dec(&a, n1, 3, NULL);
	h_dec(&b, d1, 3, NULL);
	assert_int_equal(run(DLT_ARITH_DIV, "d:5,2", &a, false, "d:5,2", &b, false, NULL), DLT_OK);
	assert_string_equal(rs_.format, "d:13,8");
	assert_int_equal(h_dec_at(&ro_, 0), 33333333);
	assert_int_equal(h_dec_at(&ro_, 1), 66666667);
	assert_int_equal(h_dec_at(&ro_, 2), -66666667);
	done();
	/* int + decimal: int32 is decimal(10,0) */
	const int32_t iv[] = { 2, 2, 2 };
	h_i32(&c, iv, 3, NULL);
	assert_int_equal(run(DLT_ARITH_SUB, "i", &c, false, "d:5,2", &a, false, NULL), DLT_OK);
	assert_string_equal(rs_.format, "d:13,2");
	assert_int_equal(h_dec_at(&ro_, 0), 100);
	assert_int_equal(h_dec_at(&ro_, 2), 400);
	done();
	dlt_array__release(&a);
	dlt_array__release(&b);
	dlt_array__release(&c);
}

static void test_compute_arith_decimal_precision_loss_and_overflow(void **state)
{
	struct ArrowArray a, b;
	const int64_t x[] = { 15000000000 }, y[] = { 25000000000 }; /* 1.5, 2.5 at scale 10 */
	dlt_error err;
	(void)state;
	h_dec(&a, x, 1, NULL);
	h_dec(&b, y, 1, NULL);
	assert_int_equal(run(DLT_ARITH_MUL, "d:38,10", &a, false, "d:38,10", &b, false, NULL),
	                 DLT_OK);
	assert_string_equal(rs_.format, "d:38,6");
	assert_int_equal(h_dec_at(&ro_, 0), 3750000);
	done();
	dlt_array__release(&a);
	dlt_array__release(&b);
	/* (10^38 - 1) + 1 does not fit decimal(38, 0) */
	__extension__ __int128 big = 1;
	for (int i = 0; i < 38; i++)
		big *= 10;
	big -= 1;
	h_fixed(&a, &big, 16, 1, NULL);
	const int64_t one[] = { 1 };
	h_dec(&b, one, 1, NULL);
	assert_int_equal(run(DLT_ARITH_ADD, "d:38,0", &a, false, "d:38,0", &b, false, &err),
	                 DLT_ELIMIT);
	assert_non_null(strstr(err.message, "row 0"));
	dlt_array__release(&a);
	dlt_array__release(&b);
}

static void test_compute_negate(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a, out;
	const int32_t x[] = { 3, -4, INT32_MIN };
	dlt_error err;
	(void)state;
	h_schema(&s, "i");
	h_i32(&a, x, 3, "110");
	assert_int_equal(dlt_compute__negate(&out, &s, &a, NULL), DLT_OK);
	assert_int_equal(h_int(&out, 4, 0), -3);
	assert_int_equal(h_int(&out, 4, 1), 4);
	assert_true(h_null(&out, 2));
	dlt_array__release(&out);
	dlt_array__release(&a);
	h_i32(&a, x, 3, NULL);
	assert_int_equal(dlt_compute__negate(&out, &s, &a, &err), DLT_ELIMIT);
	assert_int_equal(err.row, 2);
	dlt_array__release(&a);
	dlt_schema__release(&s);
}

static void test_compute_arith_rejects_strings(void **state)
{
	struct ArrowArray a;
	const char *x[] = { "1" };
	dlt_error err;
	(void)state;
	h_str(&a, x, 1, false);
	assert_int_equal(run(DLT_ARITH_ADD, "u", &a, false, "u", &a, false, &err), DLT_ESCHEMA);
	dlt_array__release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compute_arith_int_widen_nulls_offset),
		cmocka_unit_test(test_compute_arith_int_overflow_names_row),
		cmocka_unit_test(test_compute_arith_div_mod_by_zero_null),
		cmocka_unit_test(test_compute_arith_decimal_spark_types),
		cmocka_unit_test(test_compute_arith_decimal_precision_loss_and_overflow),
		cmocka_unit_test(test_compute_negate),
		cmocka_unit_test(test_compute_arith_rejects_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
