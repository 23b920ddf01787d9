/* Row hashing and row equality. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "compute/helpers.h"

static void test_compute_hash_equal_values_equal_hashes(void **state)
{
	struct ArrowSchema si, ss;
	struct ArrowArray a, b;
	const int64_t x[] = { 7, 8, 7, 7, 0 };
	const char *y[] = { "k", "k", "k", "j", NULL };
	uint64_t h[5];
	(void)state;
	h_schema(&si, "l");
	h_schema(&ss, "u");
	h_i64(&a, x, 5, "11110");
	h_str(&b, y, 5, false);
	dlt_column cols[2] = { { &si, &a }, { &ss, &b } };
	assert_int_equal(dlt_compute__hash_rows(h, cols, 2, 5, NULL), DLT_OK);
	assert_true(h[0] == h[2]);
	assert_true(h[0] != h[1]);
	assert_true(h[0] != h[3]);
	/* a null row hashes to a fixed value independent of the data slot */
	uint64_t h2[5];
	int64_t x2[] = { 1, 2, 3, 4, 99 };
	struct ArrowArray a2;
	h_i64(&a2, x2, 5, "00001");
	dlt_column cols2[1] = { { &si, &a2 } };
	dlt_column cols1[1] = { { &si, &a } };
	assert_int_equal(dlt_compute__hash_rows(h2, cols2, 1, 5, NULL), DLT_OK);
	assert_true(h2[0] == h2[1] && h2[1] == h2[2]);
	uint64_t h1[5];
	assert_int_equal(dlt_compute__hash_rows(h1, cols1, 1, 5, NULL), DLT_OK);
	assert_true(h1[4] == h2[0]);
	/* column order matters */
	dlt_column rev[2] = { { &ss, &b }, { &si, &a } };
	uint64_t hr[5];
	assert_int_equal(dlt_compute__hash_rows(hr, rev, 2, 5, NULL), DLT_OK);
	assert_true(hr[0] != h[0]);
	dlt_array__release(&a);
	dlt_array__release(&a2);
	dlt_array__release(&b);
	dlt_schema__release(&si);
	dlt_schema__release(&ss);
}

static void test_compute_hash_offsets_floats_and_spread(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a, b;
	const double x[] = { 1.0, 0.0, -0.0, NAN, -NAN, 2.0 };
	uint64_t h[6], hs[4];
	(void)state;
	h_schema(&s, "g");
	h_f64(&a, x, 6, NULL);
	dlt_column c = { &s, &a };
	assert_int_equal(dlt_compute__hash_rows(h, &c, 1, 6, NULL), DLT_OK);
	assert_true(h[1] == h[2]);
	assert_true(h[3] == h[4]);
	assert_true(h[0] != h[5]);
	b = a;
	b.release = NULL;
	b.offset = 2;
	b.length = 4;
	dlt_column cb = { &s, &b };
	assert_int_equal(dlt_compute__hash_rows(hs, &cb, 1, 4, NULL), DLT_OK);
	assert_true(hs[0] == h[2] && hs[3] == h[5]);
	dlt_array__release(&a);
	dlt_schema__release(&s);
	/* 4096 consecutive integers: no collisions in the low 16 bits beyond chance */
	int64_t v[4096];
	uint64_t hh[4096];
	for (int i = 0; i < 4096; i++)
		v[i] = i;
	h_schema(&s, "l");
	h_i64(&a, v, 4096, NULL);
	dlt_column cc = { &s, &a };
	assert_int_equal(dlt_compute__hash_rows(hh, &cc, 1, 4096, NULL), DLT_OK);
	static uint8_t seen[65536];
	int dup = 0;
	for (int i = 0; i < 4096; i++) {
		dup += seen[hh[i] & 0xffff];
		seen[hh[i] & 0xffff] = 1;
	}
	assert_true(dup < 300); /* ~124 expected for a uniform hash */
	dlt_array__release(&a);
	dlt_schema__release(&s);
}

static void test_compute_hash_dictionary_like_plain_and_nested(void **state)
{
	struct ArrowSchema sd, sp, cs, ls;
	struct ArrowArray d, p, child, l;
	const char *words[] = { "x", "y" }, *plain[] = { "y", "x", "y" };
	const int32_t codes[] = { 1, 0, 1 };
	uint64_t hd[3], hp[3], hl[3];
	(void)state;
	h_schema(&sd, "c");
	assert_int_equal(dlt_schema__alloc_dictionary(&sd, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(sd.dictionary, "u", NULL, true, NULL), DLT_OK);
	const int8_t c8[] = { 1, 0, 1 };
	h_fixed(&d, c8, 1, 3, NULL);
	assert_int_equal(dlt_array__alloc_dictionary(&d, NULL), DLT_OK);
	h_str(d.dictionary, words, 2, false);
	h_schema(&sp, "u");
	h_str(&p, plain, 3, false);
	dlt_column c1 = { &sd, &d }, c2 = { &sp, &p };
	assert_int_equal(dlt_compute__hash_rows(hd, &c1, 1, 3, NULL), DLT_OK);
	assert_int_equal(dlt_compute__hash_rows(hp, &c2, 1, 3, NULL), DLT_OK);
	assert_memory_equal(hd, hp, sizeof(hd));
	/* lists [1,2] [] [1,2] */
	const int32_t cv[] = { 1, 2, 1, 2 }, off[] = { 0, 2, 2, 4 };
	h_schema(&cs, "i");
	h_schema_nested(&ls, "+l", &cs, 1);
	h_i32(&child, cv, 4, NULL);
	h_list(&l, off, 3, &child, NULL);
	dlt_column c3 = { &ls, &l };
	assert_int_equal(dlt_compute__hash_rows(hl, &c3, 1, 3, NULL), DLT_OK);
	assert_true(hl[0] == hl[2]);
	assert_true(hl[0] != hl[1]);
	/* rows_equal: dictionary vs plain, lists */
	uint8_t eq[3];
	int64_t lr[] = { 0, 1, 2 }, rr[] = { 0, 0, 2 };
	assert_int_equal(dlt_compute__rows_equal(eq, &c1, lr, &c2, rr, 1, 3, false, NULL), DLT_OK);
	assert_int_equal(eq[0], 1);
	assert_int_equal(eq[1], 0);
	assert_int_equal(eq[2], 1);
	int64_t l2[] = { 0, 1 }, r2[] = { 2, 0 };
	assert_int_equal(dlt_compute__rows_equal(eq, &c3, l2, &c3, r2, 1, 2, false, NULL), DLT_OK);
	assert_int_equal(eq[0], 1);
	assert_int_equal(eq[1], 0);
	(void)codes;
	dlt_array__release(&d);
	dlt_array__release(&p);
	dlt_array__release(&l);
	dlt_schema__release(&sd);
	dlt_schema__release(&sp);
	dlt_schema__release(&ls);
}

static void test_compute_rows_equal_nulls_and_type_mismatch(void **state)
{
	struct ArrowSchema s, s2;
	struct ArrowArray a, b;
	const int64_t x[] = { 1, 0, 3 };
	const int32_t y[] = { 1 };
	uint8_t eq[2];
	int64_t lr[] = { 1, 0 }, rr[] = { 1, 2 };
	dlt_error err;
	(void)state;
	h_schema(&s, "l");
	h_i64(&a, x, 3, "101");
	dlt_column c = { &s, &a };
	assert_int_equal(dlt_compute__rows_equal(eq, &c, lr, &c, rr, 1, 2, false, NULL), DLT_OK);
	assert_int_equal(eq[0], 0);
	assert_int_equal(eq[1], 0);
	assert_int_equal(dlt_compute__rows_equal(eq, &c, lr, &c, rr, 1, 2, true, NULL), DLT_OK);
	assert_int_equal(eq[0], 1);
	h_schema(&s2, "i");
	h_i32(&b, y, 1, NULL);
	dlt_column c2 = { &s2, &b };
	int64_t z[] = { 0 };
	assert_int_equal(dlt_compute__rows_equal(eq, &c, z, &c2, z, 1, 1, false, &err), DLT_ESCHEMA);
	dlt_array__release(&a);
	dlt_array__release(&b);
	dlt_schema__release(&s);
	dlt_schema__release(&s2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compute_hash_equal_values_equal_hashes),
		cmocka_unit_test(test_compute_hash_offsets_floats_and_spread),
		cmocka_unit_test(test_compute_hash_dictionary_like_plain_and_nested),
		cmocka_unit_test(test_compute_rows_equal_nulls_and_type_mismatch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
