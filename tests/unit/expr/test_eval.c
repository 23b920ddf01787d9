/* Typing and vectorized evaluation; expected arrays written by hand
 * ('1' true, '0' false, 'n' null). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "expr/helpers_expr.h"

typedef struct fixture {
	struct ArrowSchema schema;
	struct ArrowArray batch;
} fixture;

/* i int32 [1, 2, null, 4, 5]; s utf8 [apple, banana, null, cherry, Apple];
 * b bool [1, 0, n, 1, n]; d date32 [0, 18000 (2019-04-14), 19000 (2022-01-08), null,
 * 20000 (2024-10-04)]; st struct{x int64 [10, 20, 30, 40, 50]} null at row 3. */
static int setup(void **state)
{
	fixture *f = dlt_calloc(1, sizeof(*f));
	struct ArrowSchema fs[5], xs[1];
	struct ArrowArray cols[5], xa[1];
	static const int32_t iv[5] = { 1, 2, 0, 4, 5 };
	static const int32_t dv[5] = { 0, 18000, 19000, 0, 20000 };
	static const int64_t xv[5] = { 10, 20, 30, 40, 50 };
	static const char *const sv[5] = { "apple", "banana", NULL, "cherry", "Apple" };
	x_leaf(&fs[0], "i", "i");
	x_leaf(&fs[1], "u", "s");
	x_leaf(&fs[2], "b", "b");
	x_leaf(&fs[3], "tdD", "d");
	x_leaf(&xs[0], "l", "x");
	x_struct_schema(&fs[4], "st", xs, 1);
	x_struct_schema(&f->schema, "", fs, 5);
	x_fixed(&cols[0], iv, 4, 5, "11011");
	x_str(&cols[1], sv, 5);
	x_bool(&cols[2], "10n1n");
	x_fixed(&cols[3], dv, 4, 5, "11101");
	x_fixed(&xa[0], xv, 8, 5, NULL);
	x_struct(&cols[4], xa, 1, 5, "11101");
	x_struct(&f->batch, cols, 5, 5, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	f->schema.release(&f->schema);
	f->batch.release(&f->batch);
	dlt_free(f);
	return 0;
}

#define EXPECT(sql, want)                                                          \
	do {                                                                       \
		char buf_[64];                                                     \
		const char *got_ = x_eval_bools(sql, &f->schema, &f->batch, buf_); \
		if (strcmp(got_, want) != 0)                                       \
			print_error("%s: got %s want %s\n", sql, got_, want);      \
		assert_string_equal(got_, want);                                   \
	} while (0)

static void test_expr_eval_logic_with_nulls(void **state)
{
	fixture *f = *state;
	EXPECT("i > 2", "00n11");
	EXPECT("i > 2 AND b", "00n1n");
	EXPECT("i > 2 OR b", "10n11");
	EXPECT("NOT b", "01n0n");
	EXPECT("b AND NULL", "n0nnn");
	EXPECT("b OR NULL", "1nn1n");
	EXPECT("i IS NULL", "00100");
	EXPECT("s IS NOT NULL", "11011");
	EXPECT("TRUE", "11111");
	EXPECT("NULL = 1", "nnnnn");
	EXPECT("1 = 1 AND i = 2", "01n00");
	EXPECT("i > 2 AND i < 5 OR s = 'Apple'", "00n11");
	EXPECT("NOT (i > 2 AND b)", "11n0n");
}

static void test_expr_eval_in_between(void **state)
{
	fixture *f = *state;
	EXPECT("i IN (1, 5)", "10n01");
	EXPECT("i IN (1, NULL)", "1nnnn");
	EXPECT("i NOT IN (1, NULL)", "0nnnn");
	EXPECT("i NOT IN (1, 5)", "01n10");
	EXPECT("i IN (1L, 4.0, 5.5)", "10n10");
	EXPECT("s IN ('banana', 'x')", "01n00");
	EXPECT("i BETWEEN 2 AND 4", "01n10");
	EXPECT("i NOT BETWEEN 2 AND 4", "10n01");
	EXPECT("i BETWEEN NULL AND 4", "nnnn0");
	EXPECT("d BETWEEN '2019-01-01' AND '2022-01-08'", "011n0");
}

static void test_expr_eval_like(void **state)
{
	fixture *f = *state;
	EXPECT("s LIKE 'a%'", "10n00");
	EXPECT("s LIKE '%an%'", "01n00");
	EXPECT("s LIKE '_pple'", "10n01");
	EXPECT("s NOT LIKE '%e'", "01n10");
	EXPECT("s LIKE '%'", "11n11");
	EXPECT("s LIKE NULL", "nnnnn");
	EXPECT("s LIKE 'b_n_n_'", "01n00");
}

static void test_expr_eval_arith_cast_coercion(void **state)
{
	fixture *f = *state;
	EXPECT("i + 1 = 3", "01n00");
	EXPECT("i * 2 > 5 OR i % 2 = 0", "01n11");
	EXPECT("-i < -3", "00n11");
	EXPECT("i / 0 IS NULL", "11111");
	EXPECT("i = 1.5", "00n00");
	EXPECT("i < 1.5", "10n00");
	EXPECT("i > '3'", "00n11");
	EXPECT("i = '1.0'", "10n00");
	EXPECT("i + 0.5 > 2", "01n11");
	EXPECT("i > 2.5D", "00n11");
	EXPECT("CAST(s AS INT) IS NULL", "11111");
	EXPECT("CAST(i AS STRING) = '4'", "00n10");
	EXPECT("d > '2020-01-01'", "001n1");
	EXPECT("d = DATE '2019-04-14'", "010n0");
	EXPECT("d < TIMESTAMP '2019-04-14 00:00:01'", "110n0");
	EXPECT("'2022-01-08' = d", "001n0");
	EXPECT("st.x > 15", "011n1");
	EXPECT("ST.X > 15 AND `st`.`x` < 50", "011n0");
	EXPECT("st IS NULL", "00010");
}

static void bind_fails(fixture *f, const char *sql, int code, const char *msg)
{
	dlt_expr *e = NULL;
	struct ArrowArray out = { 0 };
	struct ArrowSchema os = { 0 };
	dlt_error err;
	assert_int_equal(dlt_expr_parse(&e, sql, NULL), DLT_OK);
	int rc = dlt_expr_evaluate(&out, &os, e, &f->schema, &f->batch, &err);
	if (rc != code || !strstr(err.message, msg))
		print_error("%s: rc %d '%s'\n", sql, rc, err.message);
	assert_int_equal(rc, code);
	assert_non_null(strstr(err.message, msg));
	assert_null(out.release);
	assert_null(os.release);
	dlt_expr_free(e);
}

static void test_expr_bind_errors(void **state)
{
	fixture *f = *state;
	bind_fails(f, "nope = 1", DLT_ENOTFOUND, "column nope not found (columns: i, s, b, d, st)");
	bind_fails(f, "st.y = 1", DLT_ENOTFOUND, "column st.y not found (fields there: x)");
	bind_fails(f, "i = DATE '2020-01-01'", DLT_ESCHEMA,
	           "cannot compare i (int) with DATE '2020-01-01' (date)");
	bind_fails(f, "d = 'notadate'", DLT_ESCHEMA, "cannot compare d (date) with 'notadate'");
	bind_fails(f, "b = d", DLT_ESCHEMA, "cannot compare b (boolean) with d (date)");
	bind_fails(f, "i AND b", DLT_ESCHEMA, "AND operand i (int) is not a boolean");
	bind_fails(f, "NOT s", DLT_ESCHEMA, "NOT operand s (string) is not a boolean");
	bind_fails(f, "i LIKE 'x'", DLT_ESCHEMA, "LIKE needs a string operand, not i (int)");
	bind_fails(f, "s LIKE s", DLT_EUNSUPPORTED, "LIKE pattern must be a string literal");
	bind_fails(f, "s LIKE 'a\\b'", DLT_EINVAL, "escape character must be followed by");
	bind_fails(f, "i.x = 1", DLT_ESCHEMA, "column i: 'i' is int, not a struct");
	bind_fails(f, "d + 1 = 2", DLT_ESCHEMA, "cannot apply + to d (date) and 1 (int)");
	bind_fails(f, "-s = 1", DLT_ESCHEMA, "cannot negate s (string)");
	bind_fails(f, "st = 1", DLT_ESCHEMA, "cannot compare st");
	bind_fails(f, "i IN (1, 'x')", DLT_ESCHEMA, "cannot compare i (int) with 'x'");
}

static void test_expr_bind_case_insensitive_ambiguous(void **state)
{
	struct ArrowSchema fs[2], s;
	struct ArrowArray cols[2], b;
	static const int32_t v1[2] = { 1, 2 }, v2[2] = { 2, 2 };
	dlt_expr *e = NULL;
	struct ArrowArray out = { 0 };
	struct ArrowSchema os = { 0 };
	dlt_error err;
	char buf[8];
	(void)state;
	x_leaf(&fs[0], "i", "Ab");
	x_leaf(&fs[1], "i", "aB");
	x_struct_schema(&s, "", fs, 2);
	x_fixed(&cols[0], v1, 4, 2, NULL);
	x_fixed(&cols[1], v2, 4, 2, NULL);
	x_struct(&b, cols, 2, 2, NULL);
	assert_string_equal(x_eval_bools("Ab = 1", &s, &b, buf), "10");
	assert_string_equal(x_eval_bools("aB = 2", &s, &b, buf), "11");
	assert_int_equal(dlt_expr_parse(&e, "ab = 1", NULL), DLT_OK);
	assert_int_equal(dlt_expr_evaluate(&out, &os, e, &s, &b, &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "column name 'ab' is ambiguous"));
	dlt_expr_free(e);
	/* A sliced batch: the struct's offset applies to its columns. */
	b.offset = 1;
	b.length = 1;
	assert_string_equal(x_eval_bools("Ab = 2 AND aB = 2", &s, &b, buf), "1");
	s.release(&s);
	b.release(&b);
}

static void test_expr_like_matcher(void **state)
{
	static const struct { const char *pat, *s; int esc; bool want; } cases[] = {
		{ "", "", '\\', true }, { "", "a", '\\', false }, { "%", "", '\\', true },
		{ "%", "anything", '\\', true }, { "a_c", "abc", '\\', true },
		{ "a_c", "ac", '\\', false }, { "a_c", "a\xc3\xa9" "c", '\\', true },
		{ "%%a", "ba", '\\', true }, { "a\\%", "a%", '\\', true }, { "a\\%", "ab", '\\', false },
		{ "a!_b", "a_b", '!', true }, { "a!_b", "axb", '!', false }, { "a\\_b", "a\\xb", '!', true },
		{ "%b%c", "abxbc", '\\', true }, { "a%b%c", "aXbYbZ", '\\', false },
		{ "%aab", "aaab", '\\', true }, { "_%_", "x", '\\', false }, { "_%_", "xy", '\\', true },
		{ "a\\\\", "a\\", '\\', true }, { "%.txt", "file.txt", '\\', true },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dlt_like_pattern p;
		assert_int_equal(dlt_expr__like_compile(&p, cases[i].pat, strlen(cases[i].pat),
		                                        cases[i].esc, NULL), DLT_OK);
		bool got = dlt_expr__like_match(&p, (const uint8_t *)cases[i].s, strlen(cases[i].s));
		if (got != cases[i].want)
			print_error("'%s' LIKE '%s'\n", cases[i].s, cases[i].pat);
		assert_int_equal(got, cases[i].want);
		dlt_expr__like_dispose(&p);
	}
	dlt_like_pattern p;
	dlt_error err;
	assert_int_equal(dlt_expr__like_compile(&p, "a\\", 2, '\\', &err), DLT_EINVAL);
	assert_non_null(strstr(err.message, "ends with the escape character"));
	assert_int_equal(dlt_expr__like_compile(&p, "\\x", 2, '\\', &err), DLT_EINVAL);
}

static void test_expr_eval_leaves_no_allocations(void **state)
{
	fixture *f = *state;
	dlt_alloc_stats before, after;
	char buf[8];
	dlt_alloc_counting(1);
	dlt_alloc_stats_get(&before);
	x_eval_bools("st.x IN (10, 30) OR s LIKE '%e%' AND i + 1 BETWEEN 2 AND 5", &f->schema,
	             &f->batch, buf);
	assert_string_equal(buf, "10110");
	dlt_alloc_stats_get(&after);
	assert_int_equal(after.live_blocks, before.live_blocks);
	dlt_alloc_counting(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_expr_eval_logic_with_nulls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expr_eval_in_between, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expr_eval_like, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expr_eval_arith_cast_coercion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expr_bind_errors, setup, teardown),
		cmocka_unit_test(test_expr_bind_case_insensitive_ambiguous),
		cmocka_unit_test(test_expr_like_matcher),
		cmocka_unit_test_setup_teardown(test_expr_eval_leaves_no_allocations, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
