/* Parser, canonical text and builders. Expected texts are written by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>

#include "expr/helpers_expr.h"

static void canon_is(const char *sql, const char *want)
{
	char *s = x_canon(sql);
	if (strcmp(s, want) != 0)
		print_error("'%s' -> '%s', want '%s'\n", sql, s, want);
	assert_string_equal(s, want);
	/* Canonical text is a fixed point. */
	char *again = x_canon(s);
	assert_string_equal(again, s);
	dlt_free(again);
	dlt_free(s);
}

static void parse_fails(const char *sql, int code, int64_t offset, const char *msg)
{
	dlt_expr *e = (dlt_expr *)1;
	dlt_error err;
	int rc = dlt_expr_parse(&e, sql, &err);
	if (rc != code || !strstr(err.message, msg))
		print_error("'%s': rc %d, message '%s'\n", sql, rc, err.message);
	assert_int_equal(rc, code);
	assert_null(e);
	assert_non_null(strstr(err.message, msg));
	if (offset >= 0)
		assert_int_equal(err.offset, offset);
}

static void lit_type_is(const char *sql, const char *fmt)
{
	dlt_expr *e = NULL;
	assert_int_equal(dlt_expr_parse(&e, sql, NULL), DLT_OK);
	assert_int_equal(e->kind, DLT_EK_LITERAL);
	assert_string_equal(e->lit_schema.format, fmt);
	dlt_expr_free(e);
}

static void test_expr_parse_precedence(void **state)
{
	(void)state;
	canon_is("a OR b AND c", "a OR b AND c");
	canon_is("(a OR b) AND c", "(a OR b) AND c");
	canon_is("a AND (b AND c)", "a AND (b AND c)");
	canon_is("((a AND b)) AND c", "(a AND b) AND c");
	canon_is("NOT (a = 1) AND b", "NOT a = 1 AND b");
	canon_is("NOT (a = 1 AND b)", "NOT (a = 1 AND b)");
	canon_is("not not a", "NOT NOT a");
	canon_is("1 + 2 * 3", "1 + 2 * 3");
	canon_is("(1 + 2) * 3", "(1 + 2) * 3");
	canon_is("1 - (2 - 3)", "1 - (2 - 3)");
	canon_is("(1 - 2) - 3", "1 - 2 - 3");
	canon_is("a % 2 / b", "a % 2 / b");
	canon_is("-a * b", "-a * b");
	canon_is("-(a * b)", "-(a * b)");
	canon_is("- - a", "- -a");
	canon_is("-(-5)", "-(-5)");
	canon_is("-(5)", "-(5)");
	canon_is("a - -5", "a - -5");
	canon_is("a+1>b*2 OR c IS NULL", "a + 1 > b * 2 OR c IS NULL");
	canon_is("x between 1 and 5 and y", "x BETWEEN 1 AND 5 AND y");
	canon_is("x between 1 + 1 and 5 * 2", "x BETWEEN 1 + 1 AND 5 * 2");
	canon_is("a not in (1, 2)", "a NOT IN (1, 2)");
	canon_is("a in (1 = 1 OR b, 2)", "a IN (1 = 1 OR b, 2)");
	canon_is("a not like 'x%' escape '!'", "a NOT LIKE 'x%' ESCAPE '!'");
	canon_is("a like 'x\\%'", "a LIKE 'x\\%'");
	canon_is("a is not null", "a IS NOT NULL");
	canon_is("a != 1 AND b == 2 AND c <> 3", "a <> 1 AND b = 2 AND c <> 3");
	canon_is("a <= 1 or a >= 2 or a < 3 or a > 4", "a <= 1 OR a >= 2 OR a < 3 OR a > 4");
	canon_is("A aNd b oR NoT c", "A AND b OR NOT c");
	canon_is("a = (b = c)", "a = (b = c)");
	parse_fails("a = NOT b", DLT_EINVAL, 4, "expected an expression, found 'NOT'");
}

static void test_expr_parse_literals(void **state)
{
	(void)state;
	canon_is("1", "1");
	canon_is("3000000000", "3000000000");
	canon_is("5L", "5L");
	canon_is("5y", "5Y");
	canon_is("7s", "7S");
	canon_is("-128Y", "-128Y");
	canon_is("-9223372036854775808", "-9223372036854775808");
	canon_is("99999999999999999999", "99999999999999999999BD");
	canon_is("1.50", "1.50");
	canon_is("0.05", "0.05");
	canon_is("-0.5", "-0.5");
	canon_is("100BD", "100BD");
	canon_is("1e3", "1000.0D");
	canon_is("1.5D", "1.5D");
	canon_is("2.5F", "2.5F");
	canon_is("'it''s'", "'it''s'");
	canon_is("''", "''");
	canon_is("X'0aFF'", "X'0AFF'");
	canon_is("true", "TRUE");
	canon_is("False", "FALSE");
	canon_is("null", "NULL");
	canon_is("DATE '2026-02-03'", "DATE '2026-02-03'");
	canon_is("timestamp '2026-02-03 04:05:06.5'", "TIMESTAMP '2026-02-03T04:05:06.5'");
	canon_is("TIMESTAMP '2026-02-03T04:05:06+01:00'", "TIMESTAMP '2026-02-03T03:05:06'");
	canon_is("TIMESTAMP_NTZ '2026-02-03 04:05:06'", "TIMESTAMP_NTZ '2026-02-03T04:05:06'");
	canon_is("cast(a as decimal(10, 2))", "CAST(a AS DECIMAL(10,2))");
	canon_is("CAST(a AS integer)", "CAST(a AS INT)");
	canon_is("CAST(a AS decimal)", "CAST(a AS DECIMAL(10,0))");
	canon_is("cast(x as timestamp_ntz)", "CAST(x AS TIMESTAMP_NTZ)");
	canon_is("cast(x as long) + cast(y as byte)", "CAST(x AS BIGINT) + CAST(y AS TINYINT)");
	canon_is("cast(x as short) = cast(y as Boolean)", "CAST(x AS SMALLINT) = CAST(y AS BOOLEAN)");
	canon_is("cast(x as binary) = cast(y as string)", "CAST(x AS BINARY) = CAST(y AS STRING)");
	canon_is("cast(x as float) = cast(y as double)", "CAST(x AS FLOAT) = CAST(y AS DOUBLE)");
	canon_is("cast(x as date) = cast(y as timestamp)", "CAST(x AS DATE) = CAST(y AS TIMESTAMP)");

	lit_type_is("1", "i");
	lit_type_is("-2147483648", "i");
	lit_type_is("2147483648", "l");
	lit_type_is("1.50", "d:3,2");
	lit_type_is("0.05", "d:2,2");
	lit_type_is("99999999999999999999", "d:20,0");
	lit_type_is("1e3", "g");
	lit_type_is("1.5F", "f");
	lit_type_is("'x'", "u");
	lit_type_is("X''", "z");
	lit_type_is("TRUE", "b");
	lit_type_is("NULL", "n");
	lit_type_is("DATE '2026-02-03'", "tdD");
	lit_type_is("TIMESTAMP '2026-02-03'", "tsu:UTC");
	lit_type_is("TIMESTAMP_NTZ '2026-02-03'", "tsu:");
	lit_type_is("5Y", "c");
	lit_type_is("5S", "s");
	lit_type_is("5L", "l");
}

static void test_expr_parse_columns(void **state)
{
	dlt_expr *e = NULL;
	(void)state;
	canon_is("`a b`.c", "`a b`.c");
	canon_is("a.b.c = 1", "a.b.c = 1");
	canon_is("`x``y`", "`x``y`");
	canon_is("`and` = 1", "`and` = 1");
	canon_is("date = DATE '2020-01-01'", "`date` = DATE '2020-01-01'");
	canon_is("`plain`", "plain");
	canon_is("_x1", "_x1");
	assert_int_equal(dlt_expr_parse(&e, "a.`b c`.d", NULL), DLT_OK);
	assert_int_equal(e->kind, DLT_EK_COLUMN);
	assert_int_equal(e->path_len, 3);
	assert_string_equal(e->path[1], "b c");
	dlt_expr_free(e);
}

static void test_expr_parse_errors(void **state)
{
	(void)state;
	parse_fails("a = ", DLT_EINVAL, 4, "expected an expression, found end of input");
	parse_fails("a = 1 )", DLT_EINVAL, 6, "expected end of input, found ')'");
	parse_fails("'abc", DLT_EINVAL, 0, "unterminated string literal");
	parse_fails("`abc", DLT_EINVAL, 0, "unterminated quoted identifier");
	parse_fails("a IN ()", DLT_EINVAL, 6, "expected an expression, found ')'");
	parse_fails("a IN (1 2)", DLT_EINVAL, 8, "expected ',' or ')'");
	parse_fails("cast(a as foo)", DLT_EINVAL, 10, "unknown type 'foo'");
	parse_fails("cast(a as decimal(40,2))", DLT_EINVAL, 10, "unknown type");
	parse_fails("cast(a int)", DLT_EINVAL, 7, "expected AS");
	parse_fails("DATE '2026-13-01'", DLT_EINVAL, 5, "invalid date '2026-13-01'");
	parse_fails("TIMESTAMP 'yesterday'", DLT_EINVAL, 10, "invalid timestamp");
	parse_fails("TIMESTAMP_NTZ '2026-01-01T00:00:00Z'", DLT_EINVAL, 14,
	            "must not have a time zone");
	parse_fails("1.5L", DLT_EINVAL, 0, "invalid numeric literal");
	parse_fails("12abc", DLT_EINVAL, 0, "invalid numeric literal");
	parse_fails("x = 128Y", DLT_EINVAL, 4, "tinyint literal '128' out of range");
	parse_fails("x = -32769S", DLT_EINVAL, 4, "smallint literal '-32769' out of range");
	parse_fails("9223372036854775808L", DLT_EINVAL, 0, "out of range");
	parse_fails("1e999", DLT_EINVAL, 0, "out of range");
	parse_fails("123456789012345678901234567890123456789", DLT_EINVAL, 0, "more than 38 digits");
	parse_fails("a # b", DLT_EINVAL, 2, "unexpected character '#'");
	parse_fails("a ! b", DLT_EINVAL, 2, "expected '!='");
	parse_fails("a BETWEEN 1 OR 2", DLT_EINVAL, 12, "expected AND");
	parse_fails("a IS 1", DLT_EINVAL, 5, "expected NULL");
	parse_fails("a LIKE 'x' ESCAPE 'ab'", DLT_EINVAL, 18, "single ascii character");
	parse_fails("X'abc'", DLT_EINVAL, 0, "even number of hex digits");
	parse_fails("X'zz'", DLT_EINVAL, 0, "hex digits");
	parse_fails("a AND", DLT_EINVAL, 5, "expected an expression");
	parse_fails("AND a", DLT_EINVAL, 0, "expected an expression, found 'AND'");
	parse_fails("a.", DLT_EINVAL, 2, "expected a column name");
	parse_fails("``", DLT_EINVAL, 0, "empty quoted identifier");
	parse_fails("", DLT_EINVAL, 0, "expected an expression, found end of input");
	parse_fails("'\xff'", DLT_EINVAL, 0, "not valid utf-8");
	parse_fails("(1", DLT_EINVAL, 2, "expected ')'");
}

static void test_expr_parse_limits(void **state)
{
	dlt_expr *e = NULL;
	dlt_buf b = DLT_BUF_INIT;
	(void)state;
	/* Nesting beyond the limit: DLT_ELIMIT, no stack exhaustion. */
	for (int i = 0; i < 300; i++)
		assert_int_equal(dlt_buf_append_byte(&b, '(', NULL), DLT_OK);
	assert_int_equal(dlt_buf_append_str(&b, "1", NULL), DLT_OK);
	for (int i = 0; i < 300; i++)
		assert_int_equal(dlt_buf_append_byte(&b, ')', NULL), DLT_OK);
	assert_int_equal(dlt_buf_append_byte(&b, 0, NULL), DLT_OK);
	parse_fails((const char *)b.data, DLT_ELIMIT, -1, "nesting exceeds 200 levels");
	dlt_buf_clear(&b);
	for (int i = 0; i < 300; i++)
		assert_int_equal(dlt_buf_append_str(&b, "NOT ", NULL), DLT_OK);
	assert_int_equal(dlt_buf_append_str(&b, "a", NULL), DLT_OK);
	assert_int_equal(dlt_buf_append_byte(&b, 0, NULL), DLT_OK);
	parse_fails((const char *)b.data, DLT_ELIMIT, -1, "nesting exceeds");
	dlt_buf_clear(&b);
	for (int i = 0; i < 300; i++)
		assert_int_equal(dlt_buf_append_str(&b, "- ", NULL), DLT_OK);
	assert_int_equal(dlt_buf_append_str(&b, "a", NULL), DLT_OK);
	assert_int_equal(dlt_buf_append_byte(&b, 0, NULL), DLT_OK);
	parse_fails((const char *)b.data, DLT_ELIMIT, -1, "nesting exceeds");
	dlt_buf_clear(&b);
	for (int i = 0; i < 300; i++)
		assert_int_equal(dlt_buf_append_str(&b, "1 + ", NULL), DLT_OK);
	assert_int_equal(dlt_buf_append_str(&b, "a", NULL), DLT_OK);
	assert_int_equal(dlt_buf_append_byte(&b, 0, NULL), DLT_OK);
	parse_fails((const char *)b.data, DLT_ELIMIT, -1, "nesting exceeds");
	/* A long AND/OR chain is flat, so it is fine. */
	dlt_buf_clear(&b);
	for (int i = 0; i < 5000; i++)
		assert_int_equal(dlt_buf_appendf(&b, NULL, "%sa = %d", i ? " AND " : "", i), DLT_OK);
	assert_int_equal(dlt_buf_append_byte(&b, 0, NULL), DLT_OK);
	assert_int_equal(dlt_expr_parse(&e, (const char *)b.data, NULL), DLT_OK);
	assert_int_equal(e->kind, DLT_EK_AND);
	assert_int_equal(e->n_args, 5000);
	dlt_expr_free(e);
	/* Text longer than the limit. */
	dlt_buf_clear(&b);
	assert_int_equal(dlt_buf_append_zeros(&b, DLT_EXPR_MAX_TEXT + 2, NULL), DLT_OK);
	memset(b.data, 'a', DLT_EXPR_MAX_TEXT + 1);
	parse_fails((const char *)b.data, DLT_ELIMIT, -1, "longer than");
	dlt_buf_dispose(&b);
}

static void builder_text_is(dlt_expr *e, const char *want)
{
	char *s = NULL;
	assert_non_null(e);
	assert_int_equal(dlt_expr_to_string(&s, e, NULL), DLT_OK);
	assert_string_equal(s, want);
	char *again = x_canon(s);
	assert_string_equal(again, want);
	dlt_free(again);
	dlt_free(s);
	dlt_expr_free(e);
}

static void test_expr_builders(void **state)
{
	dlt_expr *a = NULL, *b = NULL, *c = NULL, *e = NULL, *list[2];
	const char *path[2] = { "a", "b" };
	dlt_error err;
	(void)state;
	assert_int_equal(dlt_expr_column_path(&a, path, 2, NULL), DLT_OK);
	assert_int_equal(dlt_expr_literal_int32(&b, 5, NULL), DLT_OK);
	assert_int_equal(dlt_expr_binary(&c, DLT_EXPR_EQ, a, b, NULL), DLT_OK);
	assert_int_equal(dlt_expr_column(&a, "c", NULL), DLT_OK);
	assert_int_equal(dlt_expr_literal_string(&list[0], "x", 1, NULL), DLT_OK);
	assert_int_equal(dlt_expr_literal_null(&list[1], NULL), DLT_OK);
	assert_int_equal(dlt_expr_in(&b, a, list, 2, 0, NULL), DLT_OK);
	assert_int_equal(dlt_expr_not(&a, b, NULL), DLT_OK);
	assert_int_equal(dlt_expr_binary(&e, DLT_EXPR_AND, c, a, NULL), DLT_OK);
	builder_text_is(e, "a.b = 5 AND NOT c IN ('x', NULL)");

	assert_int_equal(dlt_expr_literal_decimal(&e, "1.5", 10, 2, NULL), DLT_OK);
	builder_text_is(e, "CAST(1.50 AS DECIMAL(10,2))");
	assert_int_equal(dlt_expr_literal_decimal(&e, "-7", 1, 0, NULL), DLT_OK);
	builder_text_is(e, "-7BD");
	assert_int_equal(dlt_expr_literal_timestamp(&e, 1500000, 1, NULL), DLT_OK);
	builder_text_is(e, "TIMESTAMP '1970-01-01T00:00:01.5'");
	assert_int_equal(dlt_expr_literal_date(&e, -1, NULL), DLT_OK);
	builder_text_is(e, "DATE '1969-12-31'");
	assert_int_equal(dlt_expr_literal_double(&e, NAN, NULL), DLT_OK);
	builder_text_is(e, "CAST('NaN' AS DOUBLE)");
	assert_int_equal(dlt_expr_literal_double(&e, -INFINITY, NULL), DLT_OK);
	builder_text_is(e, "CAST('-Infinity' AS DOUBLE)");
	assert_int_equal(dlt_expr_literal_int64(&e, 7, NULL), DLT_OK);
	builder_text_is(e, "7L");
	assert_int_equal(dlt_expr_literal_int8(&a, -128, NULL), DLT_OK);
	assert_int_equal(dlt_expr_negate(&e, a, NULL), DLT_OK);
	builder_text_is(e, "-(-128Y)");
	assert_int_equal(dlt_expr_column(&a, "x", NULL), DLT_OK);
	assert_int_equal(dlt_expr_negate(&b, a, NULL), DLT_OK);
	assert_int_equal(dlt_expr_negate(&e, b, NULL), DLT_OK);
	builder_text_is(e, "- -x");
	assert_int_equal(dlt_expr_literal_binary(&e, "\x01\xab", 2, NULL), DLT_OK);
	builder_text_is(e, "X'01AB'");
	assert_int_equal(dlt_expr_column(&a, "s", NULL), DLT_OK);
	assert_int_equal(dlt_expr_literal_string(&b, "a'%", 3, NULL), DLT_OK);
	assert_int_equal(dlt_expr_like(&e, a, b, '#', 1, NULL), DLT_OK);
	builder_text_is(e, "s NOT LIKE 'a''%' ESCAPE '#'");
	assert_int_equal(dlt_expr_column(&a, "x", NULL), DLT_OK);
	assert_int_equal(dlt_expr_cast(&e, a, "Decimal(5,1)", NULL), DLT_OK);
	builder_text_is(e, "CAST(x AS DECIMAL(5,1))");
	assert_int_equal(dlt_expr_column(&a, "x", NULL), DLT_OK);
	assert_int_equal(dlt_expr_literal_int32(&b, 1, NULL), DLT_OK);
	assert_int_equal(dlt_expr_literal_int32(&c, 9, NULL), DLT_OK);
	assert_int_equal(dlt_expr_between(&e, a, b, c, 1, NULL), DLT_OK);
	builder_text_is(e, "x NOT BETWEEN 1 AND 9");
	assert_int_equal(dlt_expr_column(&a, "x", NULL), DLT_OK);
	assert_int_equal(dlt_expr_is_null(&e, a, 1, NULL), DLT_OK);
	builder_text_is(e, "x IS NOT NULL");

	/* Consumed operands are freed on failure too (ASan checks the leak). */
	assert_int_equal(dlt_expr_column(&a, "x", NULL), DLT_OK);
	assert_int_equal(dlt_expr_binary(&e, DLT_EXPR_ADD, a, NULL, &err), DLT_EINVAL);
	assert_null(e);
	assert_int_equal(dlt_expr_column(&a, "x", NULL), DLT_OK);
	assert_int_equal(dlt_expr_cast(&e, a, "varchar", &err), DLT_EINVAL);
	assert_non_null(strstr(err.message, "unknown type 'varchar'"));
	assert_int_equal(dlt_expr_literal_string(&e, "\xc3", 1, &err), DLT_EINVAL);
	assert_int_equal(dlt_expr_literal_decimal(&e, "123.4", 3, 1, &err), DLT_EINVAL);
	/* Depth limit for built trees. */
	assert_int_equal(dlt_expr_column(&a, "x", NULL), DLT_OK);
	int rc = DLT_OK;
	for (int i = 0; i < 250 && rc == DLT_OK; i++) {
		rc = dlt_expr_negate(&b, a, &err);
		a = b;
	}
	assert_int_equal(rc, DLT_ELIMIT);
	assert_null(a);
	/* AND chains built one by one stay flat. */
	assert_int_equal(dlt_expr_column(&a, "x", NULL), DLT_OK);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(dlt_expr_column(&b, "y", NULL), DLT_OK);
		assert_int_equal(dlt_expr_binary(&a, DLT_EXPR_AND, a, b, NULL), DLT_OK);
	}
	assert_int_equal(a->n_args, 1001);
	assert_int_equal(dlt_expr_clone(&e, a, NULL), DLT_OK);
	assert_int_equal(e->n_args, 1001);
	dlt_expr_free(e);
	dlt_expr_free(a);
}

static void test_expr_roundtrip_mixed(void **state)
{
	static const char *const cases[] = {
		"a.b + 1 > 2 AND (c = 'x' OR d IS NOT NULL)",
		"NOT (a BETWEEN 1.5 AND 2.50) OR b NOT IN (DATE '2020-01-01', NULL)",
		"CAST(a AS STRING) LIKE '%\\_%' AND x % 3 = -1",
		"-(a) * -(2) <> 3e2",
		"a = b = c",
		"a IN (1) IN (TRUE)",
		"a IS NULL IS NULL",
		"`weird name`.`x.y` >= X'00' AND t < TIMESTAMP '2020-01-01 00:00:00.000001'",
		"((a))",
		"a BETWEEN b AND c BETWEEN d AND e",
		"x LIKE y LIKE z",
		"1 - 2 - 3 * 4 / 5 % 6",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = x_canon(cases[i]);
		char *t = x_canon(s);
		assert_string_equal(s, t);
		dlt_free(s);
		dlt_free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expr_parse_precedence),
		cmocka_unit_test(test_expr_parse_literals),
		cmocka_unit_test(test_expr_parse_columns),
		cmocka_unit_test(test_expr_parse_errors),
		cmocka_unit_test(test_expr_parse_limits),
		cmocka_unit_test(test_expr_builders),
		cmocka_unit_test(test_expr_roundtrip_mixed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
