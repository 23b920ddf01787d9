/* Scalar text parsing and formatting: numbers, dates, times, timestamps, decimals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/parse.h"
#include "util/util.h"

static int pd(const char *s, double *v) { return dlt_parse_double(s, strlen(s), v); }

static void check_double_exact(const char *s)
{
	double v = 0, ref = strtod(s, NULL);
	assert_int_equal(pd(s, &v), DLT_PARSE_OK);
	if (memcmp(&v, &ref, sizeof(v)) != 0)
		fail_msg("parse %s: got %.17g want %.17g", s, v, ref);
}

static void test_parse_int64_edges(void **state)
{
	int64_t v;
	uint64_t u;
	(void)state;
	assert_int_equal(dlt_parse_int64("9223372036854775807", 19, &v), DLT_PARSE_OK);
	assert_true(v == INT64_MAX);
	assert_int_equal(dlt_parse_int64("-9223372036854775808", 20, &v), DLT_PARSE_OK);
	assert_true(v == INT64_MIN);
	assert_int_equal(dlt_parse_int64("9223372036854775808", 19, &v), DLT_PARSE_RANGE);
	assert_int_equal(dlt_parse_int64("-9223372036854775809", 20, &v), DLT_PARSE_RANGE);
	assert_int_equal(dlt_parse_int64("99999999999999999999999", 23, &v), DLT_PARSE_RANGE);
	assert_int_equal(dlt_parse_int64("999999999999999999999x9", 23, &v), DLT_PARSE_INVALID);
	assert_int_equal(dlt_parse_int64("+42", 3, &v), DLT_PARSE_OK);
	assert_int_equal(v, 42);
	assert_int_equal(dlt_parse_int64("-0", 2, &v), DLT_PARSE_OK);
	assert_int_equal(v, 0);
	assert_int_equal(dlt_parse_int64("", 0, &v), DLT_PARSE_INVALID);
	assert_int_equal(dlt_parse_int64("-", 1, &v), DLT_PARSE_INVALID);
	assert_int_equal(dlt_parse_int64(" 1", 2, &v), DLT_PARSE_INVALID);
	assert_int_equal(dlt_parse_int64("1.0", 3, &v), DLT_PARSE_INVALID);
	assert_int_equal(dlt_parse_uint64("18446744073709551615", 20, &u), DLT_PARSE_OK);
	assert_true(u == UINT64_MAX);
	assert_int_equal(dlt_parse_uint64("18446744073709551616", 20, &u), DLT_PARSE_RANGE);
	assert_int_equal(dlt_parse_uint64("-1", 2, &u), DLT_PARSE_INVALID);
}

static void test_parse_bool_forms(void **state)
{
	bool b;
	(void)state;
	assert_int_equal(dlt_parse_bool("TRUE", 4, &b), DLT_PARSE_OK);
	assert_true(b);
	assert_int_equal(dlt_parse_bool("False", 5, &b), DLT_PARSE_OK);
	assert_false(b);
	assert_int_equal(dlt_parse_bool("t", 1, &b), DLT_PARSE_OK);
	assert_true(b);
	assert_int_equal(dlt_parse_bool("0", 1, &b), DLT_PARSE_OK);
	assert_false(b);
	assert_int_equal(dlt_parse_bool("yes", 3, &b), DLT_PARSE_INVALID);
	assert_int_equal(dlt_parse_bool("truex", 5, &b), DLT_PARSE_INVALID);
	assert_int_equal(dlt_parse_bool("", 0, &b), DLT_PARSE_INVALID);
}

static void test_parse_double_tricky_values(void **state)
{
	static const char *cases[] = {
		"0.1", "1e-320", "1.7976931348623157e308", "5e-324", "4.9406564584124654e-324",
		"2.2250738585072011e-308", "2.2250738585072014e-308", "1.1", "3.14159265358979323846",
		"123456789012345678901234567890", "9007199254740993", "0.30000000000000004",
		"1e22", "1e23", "8.98846567431158e307", "1.00000000000000011102230246251565404236316680908203125",
		"1.00000000000000011102230246251565404236316680908203124", "0.000001", "-2.5e-5",
		"1E+10", ".5", "5.", "00012.500", "123.456e-2", "7e-10", "1e300",
		"0.0000000000000000000000000000000000000000001",
	};
	size_t i;
	double v;
	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_double_exact(cases[i]);
	assert_int_equal(pd("-0.0", &v), DLT_PARSE_OK);
	assert_true(v == 0 && signbit(v));
	assert_int_equal(pd("1e309", &v), DLT_PARSE_RANGE);
	assert_int_equal(pd("NaN", &v), DLT_PARSE_OK);
	assert_true(isnan(v));
	assert_int_equal(pd("-Infinity", &v), DLT_PARSE_OK);
	assert_true(isinf(v) && v < 0);
	assert_int_equal(pd("inf", &v), DLT_PARSE_OK);
	assert_true(isinf(v) && v > 0);
	assert_int_equal(pd("1e", &v), DLT_PARSE_INVALID);
	assert_int_equal(pd(".", &v), DLT_PARSE_INVALID);
	assert_int_equal(pd("-", &v), DLT_PARSE_INVALID);
	assert_int_equal(pd("1.2.3", &v), DLT_PARSE_INVALID);
	assert_int_equal(pd("12345678901234567.8.9", &v), DLT_PARSE_INVALID);
	assert_int_equal(pd("1,5", &v), DLT_PARSE_INVALID);
	assert_int_equal(pd("", &v), DLT_PARSE_INVALID);
	assert_int_equal(pd("abc", &v), DLT_PARSE_INVALID);
}

static void test_parse_double_random_matches_strtod(void **state)
{
	unsigned seed = 12345;
	int i;
	(void)state;
	for (i = 0; i < 20000; i++) {
		char s[64];
		uint64_t bits;
		double d;
		seed = seed * 1103515245u + 12345u;
		bits = (uint64_t)seed << 32;
		seed = seed * 1103515245u + 12345u;
		bits ^= seed ^ ((uint64_t)rand() << 11);
		memcpy(&d, &bits, 8);
		if (!isfinite(d))
			continue;
		snprintf(s, sizeof(s), "%.*g", 1 + i % 19, d);
		check_double_exact(s);
	}
}

static void fmt_d(double v, const char *want)
{
	char buf[DLT_FORMAT_DOUBLE_MAX];
	size_t n = dlt_format_double(buf, v);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void fmt_f(float v, const char *want)
{
	char buf[DLT_FORMAT_DOUBLE_MAX];
	dlt_format_float(buf, v);
	assert_string_equal(buf, want);
}

static void test_format_double_shortest(void **state)
{
	(void)state;
	fmt_d(0.1, "0.1");
	fmt_d(1.1, "1.1");
	fmt_d(3.0, "3.0");
	fmt_d(-0.0, "-0.0");
	fmt_d(0.0, "0.0");
	fmt_d(1e100, "1e+100");
	fmt_d(1.7976931348623157e308, "1.7976931348623157e+308");
	fmt_d(5e-324, "5e-324");
	fmt_d(1e-320, "1e-320");
	fmt_d(0.30000000000000004, "0.30000000000000004");
	fmt_d(0.0001, "0.0001");
	fmt_d(0.00001, "1e-05");
	fmt_d(123456.789, "123456.789");
	fmt_d(-2.5, "-2.5");
	fmt_d(1e16, "1e+16");
	fmt_d(1e15, "1000000000000000.0");
	fmt_d(9007199254740993.0, "9007199254740992.0");
	fmt_d(NAN, "NaN");
	fmt_d(-INFINITY, "-Infinity");
	fmt_f(1.1f, "1.1");
	fmt_f(0.1f, "0.1");
	fmt_f(16777216.0f, "16777216.0");
	fmt_f(3.4028235e38f, "3.4028235e+38");
	fmt_f(1e-45f, "1e-45");
	fmt_f(-0.0f, "-0.0");
}

/* Significant digits of a formatted number (leading/trailing zeros not counted). */
static int sig_digits(const char *s)
{
	char d[64];
	int n = 0, a = 0;
	for (; *s && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9')
			d[n++] = *s;
	while (n > 0 && d[n - 1] == '0')
		n--;
	while (a < n && d[a] == '0')
		a++;
	return n - a;
}

static void test_format_double_round_trips_random(void **state)
{
	unsigned seed = 777;
	int i;
	(void)state;
	for (i = 0; i < 20000; i++) {
		char buf[DLT_FORMAT_DOUBLE_MAX], ref[40];
		uint64_t bits = 0;
		double d, back;
		float f, fb;
		int k;
		for (k = 0; k < 4; k++) {
			seed = seed * 1103515245u + 12345u;
			bits = (bits << 16) ^ (seed >> 8);
		}
		memcpy(&d, &bits, 8);
		if (!isfinite(d))
			continue;
		dlt_format_double(buf, d);
		assert_int_equal(dlt_parse_double(buf, strlen(buf), &back), DLT_PARSE_OK);
		if (memcmp(&back, &d, 8) != 0)
			fail_msg("%s does not round-trip", buf);
		/* shortest: no more significant digits than %.17g needs minimally */
		for (k = 1; k <= 17; k++) {
			snprintf(ref, sizeof(ref), "%.*e", k - 1, d);
			if (strtod(ref, NULL) == d)
				break;
		}
		assert_true(sig_digits(buf) <= k);
		f = (float)d;
		if (isfinite(f)) {
			dlt_format_float(buf, f);
			assert_int_equal(dlt_parse_double(buf, strlen(buf), &back), DLT_PARSE_OK);
			fb = (float)back;
			assert_true(memcmp(&fb, &f, 4) == 0);
		}
	}
}

static void test_format_double_ignores_locale(void **state)
{
	char buf[DLT_FORMAT_DOUBLE_MAX];
	double v;
	(void)state;
	if (setlocale(LC_NUMERIC, "de_DE.UTF-8") == NULL &&
	    setlocale(LC_NUMERIC, "fr_FR.UTF-8") == NULL)
		setlocale(LC_NUMERIC, "C.UTF-8"); /* none installed: still exercise the path */
	dlt_format_double(buf, 1234.5678901234567);
	assert_string_equal(buf, "1234.5678901234567");
	assert_int_equal(pd("0.12345678901234567890", &v), DLT_PARSE_OK);
	assert_true(v == 0.12345678901234568);
	setlocale(LC_NUMERIC, "C");
}

static void test_parse_date32_before_epoch_and_far_years(void **state)
{
	int32_t d;
	char buf[DLT_FORMAT_DATETIME_MAX];
	(void)state;
	assert_int_equal(dlt_parse_date32("1970-01-01", 10, &d), DLT_PARSE_OK);
	assert_int_equal(d, 0);
	assert_int_equal(dlt_parse_date32("1969-12-31", 10, &d), DLT_PARSE_OK);
	assert_int_equal(d, -1);
	assert_int_equal(dlt_parse_date32("2024-02-29", 10, &d), DLT_PARSE_OK);
	assert_int_equal(d, 19782);
	assert_int_equal(dlt_parse_date32("2023-02-29", 10, &d), DLT_PARSE_INVALID);
	assert_int_equal(dlt_parse_date32("1900-02-29", 10, &d), DLT_PARSE_INVALID);
	assert_int_equal(dlt_parse_date32("2000-02-29", 10, &d), DLT_PARSE_OK);
	assert_int_equal(dlt_parse_date32("0001-01-01", 10, &d), DLT_PARSE_OK);
	assert_int_equal(d, -719162);
	dlt_format_date32(buf, d);
	assert_string_equal(buf, "0001-01-01");
	assert_int_equal(dlt_parse_date32("9999-12-31", 10, &d), DLT_PARSE_OK);
	assert_int_equal(d, 2932896);
	assert_int_equal(dlt_parse_date32("+10000-01-01", 12, &d), DLT_PARSE_OK);
	dlt_format_date32(buf, d);
	assert_string_equal(buf, "+10000-01-01");
	assert_int_equal(dlt_parse_date32("-0001-03-01", 11, &d), DLT_PARSE_OK);
	dlt_format_date32(buf, d);
	assert_string_equal(buf, "-0001-03-01");
	dlt_format_date32(buf, 19753);
	assert_string_equal(buf, "2024-01-31");
	assert_int_equal(dlt_parse_date32("2024-1-31", 9, &d), DLT_PARSE_INVALID);
	assert_int_equal(dlt_parse_date32("2024-13-01", 10, &d), DLT_PARSE_INVALID);
	assert_int_equal(dlt_parse_date32("2024-01-31x", 11, &d), DLT_PARSE_INVALID);
	assert_int_equal(dlt_parse_date32("99999999-01-01", 14, &d), DLT_PARSE_RANGE);
}

static void test_parse_time_units(void **state)
{
	int64_t t;
	char buf[DLT_FORMAT_DATETIME_MAX];
	(void)state;
	assert_int_equal(dlt_parse_time("13:45:00.5", 10, 2, &t), DLT_PARSE_OK);
	assert_true(t == (13 * 3600 + 45 * 60) * 1000000LL + 500000);
	dlt_format_time(buf, t, 2);
	assert_string_equal(buf, "13:45:00.5");
	assert_int_equal(dlt_parse_time("13:45", 5, 0, &t), DLT_PARSE_OK);
	assert_true(t == 13 * 3600 + 45 * 60);
	dlt_format_time(buf, t, 0);
	assert_string_equal(buf, "13:45:00");
	assert_int_equal(dlt_parse_time("00:00:00.123456789", 18, 3, &t), DLT_PARSE_OK);
	assert_true(t == 123456789);
	assert_int_equal(dlt_parse_time("00:00:00.1234", 13, 1, &t), DLT_PARSE_RANGE);
	assert_int_equal(dlt_parse_time("00:00:00.1230", 13, 1, &t), DLT_PARSE_OK);
	assert_true(t == 123);
	assert_int_equal(dlt_parse_time("24:00:00", 8, 0, &t), DLT_PARSE_INVALID);
	assert_int_equal(dlt_parse_time("12:60", 5, 0, &t), DLT_PARSE_INVALID);
	assert_int_equal(dlt_parse_time("12:00:00.", 9, 0, &t), DLT_PARSE_INVALID);
	dlt_format_time(buf, 3723004, 1);
	assert_string_equal(buf, "01:02:03.004");
}

static void test_parse_timestamp_offsets(void **state)
{
	int64_t t;
	bool tz;
	char buf[DLT_FORMAT_DATETIME_MAX];
	const char *s;
	(void)state;
	s = "2024-01-31T13:45:00.123456";
	assert_int_equal(dlt_parse_timestamp(s, strlen(s), 2, &t, &tz), DLT_PARSE_OK);
	assert_false(tz);
	assert_true(t == 1706708700123456LL);
	dlt_format_timestamp(buf, t, 2, false);
	assert_string_equal(buf, s);
	dlt_format_timestamp(buf, t, 2, true);
	assert_string_equal(buf, "2024-01-31T13:45:00.123456Z");
	s = "2024-01-31 15:45:00.123456+02:00";
	assert_int_equal(dlt_parse_timestamp(s, strlen(s), 2, &t, &tz), DLT_PARSE_OK);
	assert_true(tz);
	assert_true(t == 1706708700123456LL);
	s = "2024-01-31T08:15-0530";
	assert_int_equal(dlt_parse_timestamp(s, strlen(s), 0, &t, &tz), DLT_PARSE_OK);
	assert_true(t == 1706708700LL);
	s = "2024-01-31T13:45:00Z";
	assert_int_equal(dlt_parse_timestamp(s, strlen(s), 1, &t, &tz), DLT_PARSE_OK);
	assert_true(tz && t == 1706708700000LL);
	s = "1969-12-31T23:59:59.999";
	assert_int_equal(dlt_parse_timestamp(s, strlen(s), 1, &t, &tz), DLT_PARSE_OK);
	assert_true(t == -1);
	dlt_format_timestamp(buf, t, 1, false);
	assert_string_equal(buf, s);
	s = "2024-01-31";
	assert_int_equal(dlt_parse_timestamp(s, strlen(s), 2, &t, &tz), DLT_PARSE_OK);
	assert_true(t == 1706659200000000LL);
	dlt_format_timestamp(buf, t, 2, false);
	assert_string_equal(buf, "2024-01-31T00:00:00");
	s = "3000-01-01T00:00:00";
	assert_int_equal(dlt_parse_timestamp(s, strlen(s), 3, &t, &tz), DLT_PARSE_RANGE);
	s = "2024-01-31T13:45:00+25:00";
	assert_int_equal(dlt_parse_timestamp(s, strlen(s), 2, &t, &tz), DLT_PARSE_INVALID);
	s = "2024-01-31X13:45";
	assert_int_equal(dlt_parse_timestamp(s, strlen(s), 2, &t, &tz), DLT_PARSE_INVALID);
	s = "2024-01-31T13:45Zx";
	assert_int_equal(dlt_parse_timestamp(s, strlen(s), 2, &t, &tz), DLT_PARSE_INVALID);
}

static void dec_rt(const char *in, int32_t p, int32_t s, int nw, const char *want)
{
	uint64_t w[4];
	char buf[DLT_FORMAT_DECIMAL_MAX];
	int rc = dlt_parse_decimal(in, strlen(in), p, s, w, nw);
	if (rc != DLT_PARSE_OK)
		fail_msg("decimal %s (%d,%d): rc %d", in, p, s, rc);
	dlt_format_decimal(buf, w, nw, s);
	assert_string_equal(buf, want);
}

static void test_parse_decimal_rounding_and_overflow(void **state)
{
	uint64_t w[4];
	(void)state;
	dec_rt("-12.345", 10, 3, 2, "-12.345");
	dec_rt("12.345", 10, 2, 2, "12.35");
	dec_rt("-12.345", 10, 2, 2, "-12.35");
	dec_rt("12.344", 10, 2, 2, "12.34");
	dec_rt("1e3", 10, 2, 2, "1000.00");
	dec_rt(".5", 5, 0, 2, "1");
	dec_rt("-.5", 5, 0, 2, "-1");
	dec_rt("0", 5, 2, 2, "0.00");
	dec_rt("-0.001", 5, 2, 2, "0.00");
	dec_rt("0.05", 3, 2, 2, "0.05");
	dec_rt("123.45e-2", 6, 4, 2, "1.2345");
	dec_rt("99999999999999999999999999999999999999", 38, 0, 2,
	       "99999999999999999999999999999999999999");
	dec_rt("-99999999999999999999999999999999999999", 38, 0, 2,
	       "-99999999999999999999999999999999999999");
	dec_rt("-1234567890123456789012345678901234567890123456789012345678901234567890.123456",
	       76, 6, 4,
	       "-1234567890123456789012345678901234567890123456789012345678901234567890.123456");
	dec_rt("5e-10", 5, 2, 2, "0.00");
	dec_rt("1", 5, 0, 2, "1");
	assert_int_equal(dlt_parse_decimal("999.995", 7, 5, 2, w, 2), DLT_PARSE_RANGE);
	assert_int_equal(dlt_parse_decimal("1000", 4, 3, 0, w, 2), DLT_PARSE_RANGE);
	assert_int_equal(dlt_parse_decimal("1e40", 4, 38, 0, w, 2), DLT_PARSE_RANGE);
	assert_int_equal(dlt_parse_decimal("1e999999999999", 14, 38, 0, w, 2), DLT_PARSE_RANGE);
	assert_int_equal(dlt_parse_decimal("0e999999999999", 14, 38, 0, w, 2), DLT_PARSE_OK);
	assert_int_equal(dlt_parse_decimal("abc", 3, 10, 2, w, 2), DLT_PARSE_INVALID);
	assert_int_equal(dlt_parse_decimal("1.2.3", 5, 10, 2, w, 2), DLT_PARSE_INVALID);
	assert_int_equal(dlt_parse_decimal(".", 1, 10, 2, w, 2), DLT_PARSE_INVALID);
	assert_int_equal(dlt_parse_decimal("1e", 2, 10, 2, w, 2), DLT_PARSE_INVALID);
	assert_int_equal(dlt_parse_decimal("-1", 2, 10, 0, w, 2), DLT_PARSE_OK);
	assert_true(w[0] == UINT64_MAX && w[1] == UINT64_MAX);
}

static void test_format_decimal_negative_scale_and_int_min(void **state)
{
	char buf[DLT_FORMAT_DECIMAL_MAX];
	uint64_t w[4] = { 123, 0, 0, 0 };
	uint64_t mn[2] = { 0, (uint64_t)1 << 63 };
	(void)state;
	dlt_format_decimal(buf, w, 2, -2);
	assert_string_equal(buf, "12300");
	dlt_format_decimal(buf, w, 4, 5);
	assert_string_equal(buf, "0.00123");
	dlt_format_decimal(buf, mn, 2, 0);
	assert_string_equal(buf, "-170141183460469231731687303715884105728");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_int64_edges),
		cmocka_unit_test(test_parse_bool_forms),
		cmocka_unit_test(test_parse_double_tricky_values),
		cmocka_unit_test(test_parse_double_random_matches_strtod),
		cmocka_unit_test(test_format_double_shortest),
		cmocka_unit_test(test_format_double_round_trips_random),
		cmocka_unit_test(test_format_double_ignores_locale),
		cmocka_unit_test(test_parse_date32_before_epoch_and_far_years),
		cmocka_unit_test(test_parse_time_units),
		cmocka_unit_test(test_parse_timestamp_offsets),
		cmocka_unit_test(test_parse_decimal_rounding_and_overflow),
		cmocka_unit_test(test_format_decimal_negative_scale_and_int_min),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
