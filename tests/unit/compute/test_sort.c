/* Stable multi-key sort indices. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "compute/helpers.h"

static void test_compute_sort_two_keys_stable_nulls(void **state)
{
	struct ArrowSchema s1, s2;
	struct ArrowArray a, b;
	const int32_t k1[] = { 9, 2, 1, 2, 1, 0, 2 };
	const char *k2[] = { "z", "b", "a", "a", "a", NULL, "b" };
	int64_t out[6];
	(void)state;
	h_schema(&s1, "i");
	h_schema(&s2, "u");
	h_i32(&a, k1, 7, "1111101");
	h_skip(&a, 1); /* 2 1 2 1 null 2 */
	h_str(&b, k2, 7, false);
	h_skip(&b, 1); /* b a a a null b */
	dlt_sort_key keys[2] = { { { &s1, &a }, false, false }, { { &s2, &b }, true, false } };
	assert_int_equal(dlt_compute__sort_indices(out, keys, 2, 6, NULL), DLT_OK);
	/* k1 asc nulls last, k2 desc: (1,a)r1 (1,a)r3 (2,b)r0 (2,b)r5 (2,a)r2 null r4 */
	const int64_t want[] = { 1, 3, 0, 5, 2, 4 };
	assert_memory_equal(out, want, sizeof(want));
	keys[0].nulls_first = true;
	keys[0].descending = true;
	assert_int_equal(dlt_compute__sort_indices(out, keys, 1, 6, NULL), DLT_OK);
	const int64_t want2[] = { 4, 0, 2, 5, 1, 3 };
	assert_memory_equal(out, want2, sizeof(want2));
	dlt_array__release(&a);
	dlt_array__release(&b);
	dlt_schema__release(&s1);
	dlt_schema__release(&s2);
}

static void test_compute_sort_floats_nan_last_and_decimals(void **state)
{
	struct ArrowSchema s, sd;
	struct ArrowArray a, d;
	const double x[] = { NAN, 1.0, -INFINITY, INFINITY, -1.0 };
	const int64_t dv[] = { 5, -100, 0, 7 };
	int64_t out[5];
	(void)state;
	h_schema(&s, "g");
	h_f64(&a, x, 5, NULL);
	dlt_sort_key k = { { &s, &a }, false, false };
	assert_int_equal(dlt_compute__sort_indices(out, &k, 1, 5, NULL), DLT_OK);
	const int64_t want[] = { 2, 4, 1, 3, 0 };
	assert_memory_equal(out, want, sizeof(want));
	h_schema(&sd, "d:10,2");
	h_dec(&d, dv, 4, NULL);
	dlt_sort_key kd = { { &sd, &d }, true, false };
	assert_int_equal(dlt_compute__sort_indices(out, &kd, 1, 4, NULL), DLT_OK);
	const int64_t wantd[] = { 3, 0, 2, 1 };
	assert_memory_equal(out, wantd, sizeof(wantd));
	dlt_array__release(&a);
	dlt_array__release(&d);
	dlt_schema__release(&s);
	dlt_schema__release(&sd);
}

static void test_compute_sort_large_stable_and_errors(void **state)
{
	struct ArrowSchema s, sl, cs;
	struct ArrowArray a, l, child;
	enum { N = 1000 };
	int64_t v[N], out[N];
	dlt_error err;
	(void)state;
	for (int i = 0; i < N; i++)
		v[i] = (i * 37) % 10; /* many ties */
	h_schema(&s, "l");
	h_i64(&a, v, N, NULL);
	dlt_sort_key k = { { &s, &a }, false, false };
	assert_int_equal(dlt_compute__sort_indices(out, &k, 1, N, NULL), DLT_OK);
	for (int i = 1; i < N; i++) {
		assert_true(v[out[i - 1]] <= v[out[i]]);
		if (v[out[i - 1]] == v[out[i]])
			assert_true(out[i - 1] < out[i]); /* stable */
	}
	assert_int_equal(dlt_compute__sort_indices(out, &k, 1, 0, &err), DLT_EINVAL);
	const int32_t cv[] = { 1 }, off[] = { 0, 1 };
	h_schema(&cs, "i");
	h_schema_nested(&sl, "+l", &cs, 1);
	h_i32(&child, cv, 1, NULL);
	h_list(&l, off, 1, &child, NULL);
	dlt_sort_key kl = { { &sl, &l }, false, false };
	assert_int_equal(dlt_compute__sort_indices(out, &kl, 1, 1, &err), DLT_EUNSUPPORTED);
	assert_int_equal(dlt_compute__sort_indices(out, &k, 0, 0, NULL), DLT_OK);
	dlt_array__release(&a);
	dlt_array__release(&l);
	dlt_schema__release(&s);
	dlt_schema__release(&sl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compute_sort_two_keys_stable_nulls),
		cmocka_unit_test(test_compute_sort_floats_nan_last_and_decimals),
		cmocka_unit_test(test_compute_sort_large_stable_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
