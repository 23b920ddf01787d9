/* filter / take / concat / slice over primitive, string, nested, dictionary. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "compute/helpers.h"

static char sb[256];

static void test_compute_take_int32_nulls_offset(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a, out;
	const int32_t v[] = { 99, 10, 20, 30, 40 };
	int64_t idx[] = { 3, 0, -1, 2, 2 };
	(void)state;
	h_schema(&s, "i");
	h_i32(&a, v, 5, "11011");
	h_skip(&a, 1); /* logical: 10, null, 30, 40 */
	assert_int_equal(dlt_compute__take(&out, &s, &a, idx, 5, NULL), DLT_OK);
	assert_int_equal(out.length, 5);
	assert_int_equal(out.null_count, 1);
	assert_int_equal(h_int(&out, 4, 0), 40);
	assert_int_equal(h_int(&out, 4, 1), 10);
	assert_true(h_null(&out, 2));
	assert_int_equal(h_int(&out, 4, 3), 30);
	assert_int_equal(h_int(&out, 4, 4), 30);
	int64_t idx2[] = { 1, 1 };
	dlt_array__release(&out);
	assert_int_equal(dlt_compute__take(&out, &s, &a, idx2, 2, NULL), DLT_OK);
	assert_int_equal(out.null_count, 2);
	dlt_array__release(&out);
	dlt_array__release(&a);
	dlt_schema__release(&s);
}

static void test_compute_take_rejects_bad_index(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a, out;
	const int32_t v[] = { 1, 2 };
	int64_t idx[] = { 0, 2 };
	dlt_error err;
	(void)state;
	h_schema(&s, "i");
	h_i32(&a, v, 2, NULL);
	assert_int_equal(dlt_compute__take(&out, &s, &a, idx, 2, &err), DLT_EINVAL);
	assert_non_null(strstr(err.message, "index 2 at position 1 out of range"));
	assert_null(out.release);
	dlt_array__release(&a);
	dlt_schema__release(&s);
}

static void test_compute_filter_mask_nulls_drop(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a, m, out;
	const char *v[] = { "skip", "a", NULL, "ccc", "dd", "" };
	(void)state;
	h_schema(&s, "u");
	h_str(&a, v, 6, false);
	h_skip(&a, 1);
	h_bool(&m, "0n111"); /* a: drop, null row: mask null -> drop */
	assert_int_equal(dlt_compute__filter(&out, &s, &a, &m, NULL), DLT_OK);
	assert_int_equal(out.length, 3);
	assert_string_equal(h_strat(&out, 0, sb, sizeof(sb)), "ccc");
	assert_string_equal(h_strat(&out, 1, sb, sizeof(sb)), "dd");
	assert_string_equal(h_strat(&out, 2, sb, sizeof(sb)), "");
	assert_int_equal(out.null_count, 0);
	dlt_array__release(&out);
	dlt_array__release(&m);
	/* mask length mismatch */
	h_bool(&m, "1");
	assert_int_equal(dlt_compute__filter(&out, &s, &a, &m, NULL), DLT_EINVAL);
	dlt_array__release(&m);
	dlt_array__release(&a);
	dlt_schema__release(&s);
}

static void test_compute_filter_bool_and_empty(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a, m, out;
	(void)state;
	h_schema(&s, "b");
	h_bool(&a, "0110n10011");
	h_skip(&a, 3);     /* 0n10011 */
	h_bool(&m, "1111111");
	assert_int_equal(dlt_compute__filter(&out, &s, &a, &m, NULL), DLT_OK);
	assert_string_equal(h_bools(&out, sb), "0n10011");
	dlt_array__release(&out);
	dlt_array__release(&m);
	h_bool(&m, "0000000");
	assert_int_equal(dlt_compute__filter(&out, &s, &a, &m, NULL), DLT_OK);
	assert_int_equal(out.length, 0);
	dlt_array__release(&out);
	dlt_array__release(&m);
	dlt_array__release(&a);
	dlt_schema__release(&s);
}

static void test_compute_filter_many_rows(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a, m, out;
	int64_t v[300];
	char mask[301];
	(void)state;
	for (int i = 0; i < 300; i++) {
		v[i] = i * 3;
		mask[i] = (i % 7 == 0) ? '1' : (i % 11 == 0 ? 'n' : '0');
	}
	mask[300] = 0;
	h_schema(&s, "l");
	h_i64(&a, v, 300, NULL);
	h_bool(&m, mask);
	assert_int_equal(dlt_compute__mask_count(&m), 43);
	assert_int_equal(dlt_compute__filter(&out, &s, &a, &m, NULL), DLT_OK);
	assert_int_equal(out.length, 43);
	for (int i = 0; i < 43; i++)
		assert_int_equal(h_int(&out, 8, i), i * 7 * 3);
	dlt_array__release(&out);
	dlt_array__release(&m);
	dlt_array__release(&a);
	dlt_schema__release(&s);
}

static void test_compute_concat_mixed_nulls_and_offsets(void **state)
{
	struct ArrowSchema s, ss;
	struct ArrowArray a, b, c, out;
	const int32_t v1[] = { 1, 2, 3 }, v2[] = { 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
	(void)state;
	h_schema(&s, "i");
	h_i32(&a, v1, 3, NULL);
	h_i32(&b, v2, 10, "1011111110");
	h_skip(&b, 1); /* 5(null) 6 7 ... 13(null) */
	const struct ArrowArray *arrs[] = { &a, &b };
	assert_int_equal(dlt_compute__concat(&out, &s, arrs, 2, NULL), DLT_OK);
	assert_int_equal(out.length, 12);
	assert_int_equal(out.null_count, 2);
	assert_int_equal(h_int(&out, 4, 2), 3);
	assert_true(h_null(&out, 3));
	assert_int_equal(h_int(&out, 4, 4), 6);
	assert_true(h_null(&out, 11));
	dlt_array__release(&out);
	/* strings, large offsets, with a sliced input */
	const char *x[] = { "ab", NULL, "c" }, *y[] = { "zz", "de", "" };
	h_schema(&ss, "U");
	dlt_array__release(&a);
	dlt_array__release(&b);
	h_str(&a, x, 3, true);
	h_str(&b, y, 3, true);
	h_skip(&b, 1);
	const struct ArrowArray *sarrs[] = { &a, &b };
	assert_int_equal(dlt_compute__concat(&out, &ss, sarrs, 2, NULL), DLT_OK);
	assert_int_equal(out.length, 5);
	const int64_t *o = out.buffers[1];
	assert_int_equal(o[5], 5);
	assert_memory_equal((const char *)out.buffers[2], "abcde", 5);
	assert_true(h_null(&out, 1));
	dlt_array__release(&out);
	/* zero arrays -> empty */
	assert_int_equal(dlt_compute__concat(&out, &ss, NULL, 0, NULL), DLT_OK);
	assert_int_equal(out.length, 0);
	dlt_array__release(&out);
	(void)c;
	dlt_array__release(&a);
	dlt_array__release(&b);
	dlt_schema__release(&s);
	dlt_schema__release(&ss);
}

/* A record batch {id: int64, name: utf8} of 4 rows, then slice/take with offsets. */
static void make_batch(struct ArrowSchema *s, struct ArrowArray *a)
{
	struct ArrowSchema cs[2];
	struct ArrowArray ca[2];
	const int64_t id[] = { 1, 2, 3, 4 };
	const char *nm[] = { "one", NULL, "three", "four" };
	h_schema(&cs[0], "l");
	h_schema(&cs[1], "u");
	h_schema_nested(s, "+s", cs, 2);
	h_i64(&ca[0], id, 4, NULL);
	h_str(&ca[1], nm, 4, false);
	h_struct(a, ca, 2, 4, "1101");
}

static void test_compute_slice_and_take_struct_batch(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a, out, out2;
	int64_t idx[] = { 1, 0, -1 };
	(void)state;
	make_batch(&s, &a);
	h_skip(&a, 1); /* rows 2, 3(struct null), 4 */
	assert_int_equal(dlt_compute__slice(&out, &s, &a, 1, 2, NULL), DLT_OK);
	assert_int_equal(out.length, 2);
	assert_true(h_null(&out, 0));
	assert_int_equal(h_int(out.children[0], 8, 1), 4);
	assert_string_equal(h_strat(out.children[1], 1, sb, sizeof(sb)), "four");
	assert_int_equal(dlt_compute__take(&out2, &s, &a, idx, 3, NULL), DLT_OK);
	assert_int_equal(out2.length, 3);
	assert_true(h_null(&out2, 0));
	assert_false(h_null(&out2, 1));
	assert_true(h_null(&out2, 2));
	assert_int_equal(h_int(out2.children[0], 8, 1), 2);
	assert_true(h_null(out2.children[1], 1)); /* row 2 has a null name */
	assert_int_equal(h_int(out2.children[0], 8, 0), 3);
	dlt_array__release(&out2);
	dlt_array__release(&out);
	assert_int_equal(dlt_compute__slice(&out, &s, &a, 2, 5, NULL), DLT_EINVAL);
	dlt_array__release(&a);
	dlt_schema__release(&s);
}

static void test_compute_take_and_concat_list(void **state)
{
	struct ArrowSchema cs, s;
	struct ArrowArray child, a, out, cat;
	const int32_t cv[] = { 1, 2, 3, 4, 5, 6 };
	const int32_t off[] = { 0, 2, 2, 3, 6 }; /* [1,2] null [3] [4,5,6] */
	int64_t idx[] = { 3, 1, 0 };
	(void)state;
	h_schema(&cs, "i");
	h_schema_nested(&s, "+l", &cs, 1);
	h_i32(&child, cv, 6, NULL);
	h_list(&a, off, 4, &child, "1011");
	assert_int_equal(dlt_compute__take(&out, &s, &a, idx, 3, NULL), DLT_OK);
	const int32_t *o = out.buffers[1];
	assert_int_equal(o[0], 0);
	assert_int_equal(o[1], 3);
	assert_int_equal(o[2], 3);
	assert_int_equal(o[3], 5);
	assert_true(h_null(&out, 1));
	assert_int_equal(out.children[0]->length, 5);
	assert_int_equal(h_int(out.children[0], 4, 0), 4);
	assert_int_equal(h_int(out.children[0], 4, 4), 2);
	/* concat [a[2:4]] + out */
	struct ArrowArray tail = a;
	tail.offset = 2;
	tail.length = 2;
	tail.release = NULL;
	const struct ArrowArray *arrs[] = { &tail, &out };
	assert_int_equal(dlt_compute__concat(&cat, &s, arrs, 2, NULL), DLT_OK);
	assert_int_equal(cat.length, 5);
	o = cat.buffers[1];
	assert_int_equal(o[5], 9);
	assert_int_equal(o[1], 1);
	assert_int_equal(h_int(cat.children[0], 4, 0), 3);
	assert_int_equal(h_int(cat.children[0], 4, 4), 4);
	assert_true(h_null(&cat, 3));
	dlt_array__release(&cat);
	dlt_array__release(&out);
	dlt_array__release(&a);
	dlt_schema__release(&s);
}

static void make_dict(struct ArrowSchema *s, struct ArrowArray *a, const char *const *words,
                      int64_t nw, const int32_t *codes, int64_t n, const char *valid)
{
	h_schema(s, "i");
	assert_int_equal(dlt_schema__alloc_dictionary(s, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s->dictionary, "u", NULL, true, NULL), DLT_OK);
	h_i32(a, codes, n, valid);
	assert_int_equal(dlt_array__alloc_dictionary(a, NULL), DLT_OK);
	h_str(a->dictionary, words, nw, false);
}

static void test_compute_dictionary_take_and_concat(void **state)
{
	struct ArrowSchema s, s2;
	struct ArrowArray a, b, out, dec;
	const char *w1[] = { "red", "green" }, *w2[] = { "blue" };
	const int32_t c1[] = { 1, 0, 1 }, c2[] = { 0, 0 };
	int64_t idx[] = { 2, -1, 1 };
	(void)state;
	make_dict(&s, &a, w1, 2, c1, 3, NULL);
	make_dict(&s2, &b, w2, 1, c2, 2, "01");
	assert_int_equal(dlt_compute__take(&out, &s, &a, idx, 3, NULL), DLT_OK);
	assert_non_null(out.dictionary);
	assert_int_equal(h_int(&out, 4, 0), 1);
	assert_true(h_null(&out, 1));
	assert_int_equal(dlt_compute__decode_dictionary(&dec, &s, &out, NULL), DLT_OK);
	assert_string_equal(h_strat(&dec, 0, sb, sizeof(sb)), "green");
	assert_string_equal(h_strat(&dec, 2, sb, sizeof(sb)), "red");
	dlt_array__release(&dec);
	dlt_array__release(&out);
	const struct ArrowArray *arrs[] = { &a, &b };
	assert_int_equal(dlt_compute__concat(&out, &s, arrs, 2, NULL), DLT_OK);
	assert_int_equal(out.dictionary->length, 3);
	assert_int_equal(dlt_compute__decode_dictionary(&dec, &s, &out, NULL), DLT_OK);
	assert_string_equal(h_strat(&dec, 0, sb, sizeof(sb)), "green");
	assert_string_equal(h_strat(&dec, 3, sb, sizeof(sb)), "<null>");
	assert_string_equal(h_strat(&dec, 4, sb, sizeof(sb)), "blue");
	dlt_array__release(&dec);
	dlt_array__release(&out);
	dlt_array__release(&a);
	dlt_array__release(&b);
	dlt_schema__release(&s);
	dlt_schema__release(&s2);
}

static void test_compute_slice_shared_zero_copy(void **state)
{
	struct ArrowArray a, out;
	dlt_shared_array *sh = NULL;
	const int64_t v[] = { 5, 6, 7, 8 };
	(void)state;
	h_i64(&a, v, 4, NULL);
	const void *data = a.buffers[1];
	assert_int_equal(dlt_array__share(&sh, &a, NULL), DLT_OK);
	assert_int_equal(dlt_compute__slice_shared(&out, sh, 1, 2, NULL), DLT_OK);
	assert_ptr_equal(out.buffers[1], data);
	assert_int_equal(out.length, 2);
	assert_int_equal(h_int(&out, 8, 0), 6);
	dlt_shared__release(sh);
	assert_int_equal(h_int(&out, 8, 1), 7); /* still alive through `out` */
	dlt_array__release(&out);
}

/* Every allocation failure gives DLT_ENOMEM and leaks nothing. */
static void test_compute_take_struct_oom_sweep(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a, out;
	int64_t idx[] = { 3, -1, 0, 1 };
	dlt_alloc_stats before, after;
	int rc = DLT_ENOMEM;
	(void)state;
	make_batch(&s, &a);
	dlt_alloc_counting(1);
	for (int64_t n = 1; rc == DLT_ENOMEM && n < 200; n++) {
		dlt_alloc_stats_get(&before);
		dlt_alloc_fail_after(n);
		rc = dlt_compute__take(&out, &s, &a, idx, 4, NULL);
		dlt_alloc_fail_after(0);
		if (rc == DLT_ENOMEM) {
			assert_null(out.release);
			dlt_alloc_stats_get(&after);
			assert_int_equal(after.live_blocks, before.live_blocks);
		}
	}
	assert_int_equal(rc, DLT_OK);
	assert_string_equal(h_strat(out.children[1], 0, sb, sizeof(sb)), "four");
	dlt_array__release(&out);
	dlt_alloc_counting(0);
	dlt_array__release(&a);
	dlt_schema__release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compute_take_int32_nulls_offset),
		cmocka_unit_test(test_compute_take_rejects_bad_index),
		cmocka_unit_test(test_compute_filter_mask_nulls_drop),
		cmocka_unit_test(test_compute_filter_bool_and_empty),
		cmocka_unit_test(test_compute_filter_many_rows),
		cmocka_unit_test(test_compute_concat_mixed_nulls_and_offsets),
		cmocka_unit_test(test_compute_slice_and_take_struct_batch),
		cmocka_unit_test(test_compute_take_and_concat_list),
		cmocka_unit_test(test_compute_dictionary_take_and_concat),
		cmocka_unit_test(test_compute_slice_shared_zero_copy),
		cmocka_unit_test(test_compute_take_struct_oom_sweep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
