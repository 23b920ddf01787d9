/* Data skipping decisions: 1 = may contain matching rows, 0 = certainly none. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "expr/helpers_expr.h"

/* Table: i int32, s utf8, f double, ts timestamp[us, UTC], p int32, q utf8 (p, q partitions). */
typedef struct fx {
	struct ArrowSchema table;
	struct ArrowSchema i_s, s_s, f_s, ts_s;
	struct ArrowArray i_min, i_max, s_min, s_max, f_min, f_max, ts_max;
	dlt_column_stats cols[4];
	const char *paths[4][1];
	struct ArrowSchema part_schema;
	struct ArrowArray part_values;
	dlt_file_stats st;
} fx;

static void one_i32(struct ArrowArray *a, int32_t v)
{
	x_fixed(a, &v, 4, 1, NULL);
}

static int setup(void **state)
{
	fx *f = dlt_calloc(1, sizeof(*f));
	struct ArrowSchema fs[6], ps[2];
	struct ArrowArray pv[2];
	static const char *const smin[1] = { "apple" }, *const smax[1] = { "melon" };
	static const char *const p_text[1] = { "3" }, *const q_text[1] = { "x" };
	double fmin = 1.0, fmax = 2.0;
	int64_t tsmax = 1000000; /* 1970-01-01 00:00:01, truncated to ms */
	x_leaf(&fs[0], "i", "i");
	x_leaf(&fs[1], "u", "s");
	x_leaf(&fs[2], "g", "f");
	x_leaf(&fs[3], "tsu:UTC", "ts");
	x_leaf(&fs[4], "i", "p");
	x_leaf(&fs[5], "u", "q");
	x_struct_schema(&f->table, "", fs, 6);
	x_leaf(&f->i_s, "i", "i");
	x_leaf(&f->s_s, "u", "s");
	x_leaf(&f->f_s, "g", "f");
	x_leaf(&f->ts_s, "tsu:UTC", "ts");
	one_i32(&f->i_min, 10);
	one_i32(&f->i_max, 20);
	x_str(&f->s_min, smin, 1);
	x_str(&f->s_max, smax, 1);
	x_fixed(&f->f_min, &fmin, 8, 1, NULL);
	x_fixed(&f->f_max, &fmax, 8, 1, NULL);
	x_fixed(&f->ts_max, &tsmax, 8, 1, NULL);
	f->paths[0][0] = "i";
	f->paths[1][0] = "S"; /* stats paths match case-insensitively */
	f->paths[2][0] = "f";
	f->paths[3][0] = "ts";
	f->cols[0] = (dlt_column_stats){ f->paths[0], 1, &f->i_s, &f->i_min, &f->i_max, 0 };
	f->cols[1] = (dlt_column_stats){ f->paths[1], 1, &f->s_s, &f->s_min, &f->s_max, 5 };
	f->cols[2] = (dlt_column_stats){ f->paths[2], 1, &f->f_s, &f->f_min, &f->f_max, 0 };
	f->cols[3] = (dlt_column_stats){ f->paths[3], 1, &f->ts_s, NULL, &f->ts_max, 0 };
	/* Partition values: p given as text "3" (cast to int), q = 'x'. */
	x_leaf(&ps[0], "u", "P");
	x_leaf(&ps[1], "u", "q");
	x_struct_schema(&f->part_schema, "", ps, 2);
	x_str(&pv[0], p_text, 1);
	x_str(&pv[1], q_text, 1);
	x_struct(&f->part_values, pv, 2, 1, NULL);
	f->st = (dlt_file_stats)DLT_FILE_STATS_INIT;
	f->st.num_records = 100;
	f->st.columns = f->cols;
	f->st.n_columns = 4;
	f->st.partition_schema = &f->part_schema;
	f->st.partition_values = &f->part_values;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	struct ArrowSchema *ss[] = { &f->table, &f->i_s, &f->s_s, &f->f_s, &f->ts_s, &f->part_schema };
	struct ArrowArray *as[] = { &f->i_min, &f->i_max, &f->s_min, &f->s_max, &f->f_min,
	                            &f->f_max, &f->ts_max, &f->part_values };
	for (size_t i = 0; i < sizeof(ss) / sizeof(ss[0]); i++)
		ss[i]->release(ss[i]);
	for (size_t i = 0; i < sizeof(as) / sizeof(as[0]); i++)
		as[i]->release(as[i]);
	dlt_free(f);
	return 0;
}

static void may(fx *f, const char *sql, int want)
{
	dlt_expr *e = NULL;
	dlt_error err;
	int got = -1, rc;
	assert_int_equal(dlt_expr_parse(&e, sql, NULL), DLT_OK);
	rc = dlt_expr_may_match(&got, e, &f->table, &f->st, &err);
	if (rc != DLT_OK || got != want)
		print_error("%s: rc %d (%s) got %d want %d\n", sql, rc, rc ? err.message : "", got,
		            want);
	assert_int_equal(rc, DLT_OK);
	assert_int_equal(got, want);
	dlt_expr_free(e);
}

static void test_expr_skip_min_max(void **state)
{
	fx *f = *state;
	may(f, "i = 5", 0);
	may(f, "i = 10", 1);
	may(f, "i = 20", 1);
	may(f, "i = 21", 0);
	may(f, "i < 10", 0);
	may(f, "i <= 10", 1);
	may(f, "i > 20", 0);
	may(f, "i >= 20", 1);
	may(f, "5 > i", 0);
	may(f, "25 > i", 1);
	may(f, "i <> 15", 1);
	may(f, "i = 15.5", 1);
	may(f, "i = 9.5", 0);
	may(f, "i > 19.5", 1);
	may(f, "i > 20.5", 0);
	may(f, "i = 20L", 1);
	may(f, "i = '25'", 0);
	may(f, "i = NULL", 0);
	may(f, "i + 1 = 5", 1);
	may(f, "i = i", 1);
	may(f, "s = 'zebra'", 0);
	may(f, "s < 'apple'", 0);
	may(f, "s = 'banana'", 1);
	may(f, "s LIKE 'z%'", 1);
}

static void test_expr_skip_in_between_null(void **state)
{
	fx *f = *state;
	may(f, "i IN (1, 2, 30)", 0);
	may(f, "i IN (1, 15)", 1);
	may(f, "i IN (NULL, 30)", 0);
	may(f, "i NOT IN (15)", 1);
	may(f, "i NOT IN (1, NULL)", 0);
	may(f, "i BETWEEN 21 AND 30", 0);
	may(f, "i BETWEEN 0 AND 9", 0);
	may(f, "i BETWEEN 0 AND 10", 1);
	may(f, "i NOT BETWEEN 0 AND 30", 0);
	may(f, "i NOT BETWEEN 15 AND 30", 1);
	may(f, "i IS NULL", 0);
	may(f, "i IS NOT NULL", 1);
	may(f, "s IS NULL", 1);
	may(f, "NOT i IS NOT NULL", 0);
	may(f, "ts IS NULL", 0);
}

static void test_expr_skip_logic_de_morgan(void **state)
{
	fx *f = *state;
	may(f, "i = 5 OR i = 15", 1);
	may(f, "i = 5 OR i = 25", 0);
	may(f, "i = 5 AND s = 'x'", 0);
	may(f, "i = 15 AND s = 'zebra'", 0);
	may(f, "NOT i = 5", 1);
	may(f, "NOT i > 5", 0);
	may(f, "NOT (i > 5 AND i < 25)", 0);
	may(f, "NOT (i > 5 OR s = 'x')", 0);
	may(f, "NOT (i < 5 OR i > 25)", 1);
	may(f, "NOT NOT i = 5", 0);
	may(f, "NOT i IN (15, 16)", 1);
	may(f, "NOT i BETWEEN 0 AND 30", 0);
	may(f, "FALSE", 0);
	may(f, "NULL", 0);
	may(f, "TRUE", 1);
	may(f, "NOT (i + 1 = 5)", 1);
}

static void test_expr_skip_float_and_timestamp(void **state)
{
	fx *f = *state;
	may(f, "f > 3.0", 1); /* NaN is not in min/max */
	may(f, "f < 0.5", 0);
	may(f, "f = 5.0", 0);
	may(f, "f = CAST('NaN' AS DOUBLE)", 1);
	may(f, "ts > TIMESTAMP '1970-01-01 00:00:01'", 1);
	may(f, "ts > TIMESTAMP '1970-01-01 00:00:01.000999'", 0);
	may(f, "ts >= TIMESTAMP '1970-01-01 00:00:01.000999'", 1);
	may(f, "ts < TIMESTAMP '1960-01-01'", 1); /* no minimum */
}

static void test_expr_skip_partitions(void **state)
{
	fx *f = *state;
	may(f, "p = 3", 1);
	may(f, "p = 4", 0);
	may(f, "P = 4 OR i = 15", 1);
	may(f, "p = 4 OR i = 5", 0);
	may(f, "q LIKE 'x%'", 1);
	may(f, "q LIKE 'y%'", 0);
	may(f, "NOT p = 3", 0);
	may(f, "p IS NULL", 0);
	may(f, "p + 1 = 4 AND q = 'x'", 1);
	may(f, "p + 1 = 5", 0);
	may(f, "p IN (1, 2)", 0);
}

static void test_expr_skip_all_null_and_empty(void **state)
{
	fx *f = *state;
	f->cols[1].null_count = 100; /* s: all null */
	may(f, "s = 'a'", 0);
	may(f, "s <> 'a'", 0);
	may(f, "s IS NULL", 1);
	may(f, "s IS NOT NULL", 0);
	may(f, "s NOT IN ('a')", 0);
	may(f, "s NOT BETWEEN 'a' AND 'b'", 0);
	f->cols[1].null_count = -1; /* unknown */
	may(f, "s IS NULL", 1);
	may(f, "s IS NOT NULL", 1);
	f->st.num_records = 0;
	may(f, "s IS NULL", 0);
	f->st.num_records = -1;
	f->cols[0].min = NULL; /* unknown minimum */
	may(f, "i < 5", 1);
	may(f, "i > 25", 0);
	may(f, "i <> 15", 1);
	/* min = max = 15 */
	f->cols[0].min = &f->i_max;
	may(f, "i <> 20", 0);
	may(f, "i NOT IN (20)", 0);
	may(f, "i NOT IN (19)", 1);
	f->st.n_columns = 0; /* no statistics at all */
	may(f, "i = 5", 1);
}

static void test_expr_skip_errors(void **state)
{
	fx *f = *state;
	dlt_expr *e = NULL;
	dlt_error err;
	int m = -1;
	assert_int_equal(dlt_expr_parse(&e, "i = DATE '2020-01-01'", NULL), DLT_OK);
	assert_int_equal(dlt_expr_may_match(&m, e, &f->table, &f->st, &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "cannot compare i (int) with DATE"));
	dlt_expr_free(e);
	assert_int_equal(dlt_expr_parse(&e, "i + 1", NULL), DLT_OK);
	assert_int_equal(dlt_expr_may_match(&m, e, &f->table, &f->st, &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "predicate is not a boolean but int"));
	dlt_expr_free(e);
	assert_int_equal(dlt_expr_parse(&e, "i = 1", NULL), DLT_OK);
	assert_int_equal(dlt_expr_may_match(&m, e, &f->table, NULL, &err), DLT_EINVAL);
	dlt_expr_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_expr_skip_min_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expr_skip_in_between_null, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expr_skip_logic_de_morgan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expr_skip_float_and_timestamp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expr_skip_partitions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expr_skip_all_null_and_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expr_skip_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
