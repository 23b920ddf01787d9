/* Builders for every type, nulls at every nesting level, empty lists,
 * append_from (plain, sliced, nested, dictionary-encoded), OOM sweep. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>

#include "arrow/arrow.h"

static int setup(void **state)
{
	(void)state;
	dlt_alloc_counting(1);
	return 0;
}

static int teardown(void **state)
{
	dlt_alloc_stats st;
	(void)state;
	dlt_alloc_stats_get(&st);
	dlt_alloc_counting(0);
	if (st.live_blocks != 0)
		fail_msg("%lld blocks leaked", (long long)st.live_blocks);
	return 0;
}

static dlt_builder *leaf_builder(const char *format, struct ArrowSchema *s)
{
	dlt_builder *b;
	assert_int_equal(dlt_schema__init_leaf(s, format, "x", true, NULL), DLT_OK);
	assert_int_equal(dlt_builder__new(&b, s, NULL), DLT_OK);
	return b;
}

static void finish_valid(dlt_builder *b, const struct ArrowSchema *s, struct ArrowArray *a)
{
	dlt_error err;
	assert_int_equal(dlt_builder__finish(a, b, &err), DLT_OK);
	if (dlt_arrow__validate(s, a, &err) != DLT_OK)
		fail_msg("validate: %s", err.message);
	assert_int_equal(dlt_builder__length(b), 0);
}

static void test_builder_integers_ranges(void **state)
{
	static const struct { const char *f; int64_t lo, hi; int w; } t[] = {
		{ "c", INT8_MIN, INT8_MAX, 1 },   { "s", INT16_MIN, INT16_MAX, 2 },
		{ "i", INT32_MIN, INT32_MAX, 4 }, { "l", INT64_MIN, INT64_MAX, 8 },
		{ "C", 0, UINT8_MAX, 1 },         { "S", 0, UINT16_MAX, 2 },
		{ "I", 0, UINT32_MAX, 4 },        { "tdD", INT32_MIN, INT32_MAX, 4 },
		{ "tts", INT32_MIN, INT32_MAX, 4 }, { "ttn", INT64_MIN, INT64_MAX, 8 },
		{ "tsu:UTC", INT64_MIN, INT64_MAX, 8 }, { "tDm", INT64_MIN, INT64_MAX, 8 },
		{ "tdm", INT64_MIN, INT64_MAX, 8 },
	};
	(void)state;
	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		struct ArrowSchema s;
		struct ArrowArray a;
		dlt_error err;
		dlt_builder *b = leaf_builder(t[k].f, &s);
		assert_int_equal(dlt_builder__append_int(b, t[k].lo, NULL), DLT_OK);
		assert_int_equal(dlt_builder__append_null(b, NULL), DLT_OK);
		assert_int_equal(dlt_builder__append_int(b, t[k].hi, NULL), DLT_OK);
		if (t[k].lo > INT64_MIN)
			assert_int_equal(dlt_builder__append_int(b, t[k].lo - 1, &err), DLT_ESCHEMA);
		if (t[k].hi < INT64_MAX)
			assert_int_equal(dlt_builder__append_int(b, t[k].hi + 1, &err), DLT_ESCHEMA);
		assert_int_equal(dlt_builder__append_bytes(b, "x", 1, &err), DLT_ESCHEMA);
		assert_int_equal(dlt_builder__append_double(b, 1.0, &err), DLT_ESCHEMA);
		assert_int_equal(dlt_builder__length(b), 3);
		finish_valid(b, &s, &a);
		assert_int_equal(a.length, 3);
		assert_int_equal(a.null_count, 1);
		assert_false(dlt_arrow__is_null(&a, 0));
		assert_true(dlt_arrow__is_null(&a, 1));
		assert_false(dlt_arrow__is_null(&a, 2));
		{
			int64_t lo = 0, hi = 0;
			const uint8_t *p = a.buffers[1];
			if (t[k].w == 1) { lo = t[k].lo < 0 ? (int8_t)p[0] : p[0]; hi = t[k].lo < 0 ? (int8_t)p[2] : p[2]; }
			if (t[k].w == 2) { int16_t x, y; uint16_t ux, uy; memcpy(&x, p, 2); memcpy(&y, p + 4, 2); memcpy(&ux, p, 2); memcpy(&uy, p + 4, 2); lo = t[k].lo < 0 ? x : ux; hi = t[k].lo < 0 ? y : uy; }
			if (t[k].w == 4) { int32_t x, y; uint32_t ux, uy; memcpy(&x, p, 4); memcpy(&y, p + 8, 4); memcpy(&ux, p, 4); memcpy(&uy, p + 8, 4); lo = t[k].lo < 0 ? (int64_t)x : (int64_t)ux; hi = t[k].lo < 0 ? (int64_t)y : (int64_t)uy; }
			if (t[k].w == 8) { memcpy(&lo, p, 8); memcpy(&hi, p + 16, 8); }
			assert_true(lo == t[k].lo);
			assert_true(hi == t[k].hi);
		}
		dlt_array__release(&a);
		dlt_builder__free(b);
		dlt_schema__release(&s);
	}
	/* uint64 */
	{
		struct ArrowSchema s;
		struct ArrowArray a;
		uint64_t v;
		dlt_builder *b = leaf_builder("L", &s);
		assert_int_equal(dlt_builder__append_uint(b, UINT64_MAX, NULL), DLT_OK);
		assert_int_equal(dlt_builder__append_int(b, -1, NULL), DLT_ESCHEMA);
		assert_int_equal(dlt_builder__append_int(b, 5, NULL), DLT_OK);
		finish_valid(b, &s, &a);
		memcpy(&v, a.buffers[1], 8);
		assert_true(v == UINT64_MAX);
		assert_null(a.buffers[0]); /* no nulls: no bitmap */
		assert_int_equal(a.null_count, 0);
		dlt_array__release(&a);
		dlt_builder__free(b);
		dlt_schema__release(&s);
	}
	{
		struct ArrowSchema s;
		dlt_builder *b = leaf_builder("c", &s);
		assert_int_equal(dlt_builder__append_uint(b, 200, NULL), DLT_ESCHEMA);
		assert_int_equal(dlt_builder__append_uint(b, UINT64_MAX, NULL), DLT_ESCHEMA);
		assert_int_equal(dlt_builder__append_uint(b, 100, NULL), DLT_OK);
		dlt_builder__free(b);
		dlt_schema__release(&s);
	}
}

static void test_builder_bool_and_many_nulls(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a;
	dlt_builder *b;
	(void)state;
	b = leaf_builder("b", &s);
	for (int i = 0; i < 1000; i++) {
		if (i % 7 == 3)
			assert_int_equal(dlt_builder__append_null(b, NULL), DLT_OK);
		else
			assert_int_equal(dlt_builder__append_bool(b, (i % 3) == 0, NULL), DLT_OK);
	}
	assert_int_equal(dlt_builder__append_nulls(b, 20, NULL), DLT_OK);
	assert_int_equal(dlt_builder__append_int(b, 1, NULL), DLT_ESCHEMA);
	finish_valid(b, &s, &a);
	assert_int_equal(a.length, 1020);
	assert_int_equal(a.null_count, 143 + 20);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(dlt_arrow__is_null(&a, i), i % 7 == 3);
		if (i % 7 != 3)
			assert_int_equal(dlt_arrow__bit(a.buffers[1], i), (i % 3) == 0);
	}
	for (int i = 1000; i < 1020; i++)
		assert_true(dlt_arrow__is_null(&a, i));
	dlt_array__release(&a);
	/* the builder is reusable after finish */
	assert_int_equal(dlt_builder__append_bool(b, true, NULL), DLT_OK);
	finish_valid(b, &s, &a);
	assert_int_equal(a.length, 1);
	assert_int_equal(a.null_count, 0);
	dlt_array__release(&a);
	dlt_builder__free(b);
	dlt_schema__release(&s);
}

static void test_builder_floats(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a;
	dlt_builder *b;
	uint16_t h[10];
	(void)state;
	b = leaf_builder("e", &s);
	/* 1, -2, 65504 (max), 65520 (rounds to inf), 2^-24 (min subnormal), 2^-25 (ties to 0),
	 * 1 + 2^-11 (tie: to even 1.0), 1 + 3*2^-11 (tie: up), NaN, 0.1 */
	double in[10] = { 1.0, -2.0, 65504.0, 65520.0, ldexp(1, -24), ldexp(1, -25),
	                  1.0 + ldexp(1, -11), 1.0 + 3 * ldexp(1, -11), NAN, 0.1 };
	uint16_t want[10] = { 0x3c00, 0xc000, 0x7bff, 0x7c00, 0x0001, 0x0000, 0x3c00, 0x3c02,
	                      0x7e00, 0x2e66 };
	for (int i = 0; i < 10; i++)
		assert_int_equal(dlt_builder__append_double(b, in[i], NULL), DLT_OK);
	finish_valid(b, &s, &a);
	memcpy(h, a.buffers[1], sizeof(h));
	for (int i = 0; i < 10; i++) {
		if (i == 8)
			assert_true((h[i] & 0x7c00) == 0x7c00 && (h[i] & 0x3ff) != 0);
		else if (h[i] != want[i])
			fail_msg("float16 %d: got 0x%04x want 0x%04x", i, h[i], want[i]);
	}
	dlt_array__release(&a);
	dlt_builder__free(b);
	dlt_schema__release(&s);

	b = leaf_builder("f", &s);
	assert_int_equal(dlt_builder__append_double(b, 1.5, NULL), DLT_OK);
	assert_int_equal(dlt_builder__append_int(b, 1, NULL), DLT_ESCHEMA);
	finish_valid(b, &s, &a);
	{
		float f;
		memcpy(&f, a.buffers[1], 4);
		assert_true(f == 1.5f);
	}
	dlt_array__release(&a);
	dlt_builder__free(b);
	dlt_schema__release(&s);

	b = leaf_builder("g", &s);
	assert_int_equal(dlt_builder__append_double(b, -0.25, NULL), DLT_OK);
	assert_int_equal(dlt_builder__append_null(b, NULL), DLT_OK);
	finish_valid(b, &s, &a);
	{
		double d;
		memcpy(&d, a.buffers[1], 8);
		assert_true(d == -0.25);
	}
	dlt_array__release(&a);
	dlt_builder__free(b);
	dlt_schema__release(&s);
}

static void check_var(const struct ArrowArray *a, int w, int64_t i, const char *want)
{
	int64_t s0 = 0, s1 = 0;
	if (w == 4) {
		int32_t x, y;
		memcpy(&x, (const uint8_t *)a->buffers[1] + 4 * (a->offset + i), 4);
		memcpy(&y, (const uint8_t *)a->buffers[1] + 4 * (a->offset + i + 1), 4);
		s0 = x;
		s1 = y;
	} else {
		memcpy(&s0, (const uint8_t *)a->buffers[1] + 8 * (a->offset + i), 8);
		memcpy(&s1, (const uint8_t *)a->buffers[1] + 8 * (a->offset + i + 1), 8);
	}
	assert_int_equal(s1 - s0, strlen(want));
	assert_memory_equal((const char *)a->buffers[2] + s0, want, strlen(want));
}

static void test_builder_strings_binary(void **state)
{
	static const char *const fmts[] = { "u", "U", "z", "Z" };
	(void)state;
	for (int k = 0; k < 4; k++) {
		struct ArrowSchema s;
		struct ArrowArray a;
		dlt_builder *b = leaf_builder(fmts[k], &s);
		int w = (k % 2) ? 8 : 4;
		assert_int_equal(dlt_builder__append_bytes(b, "hello", 5, NULL), DLT_OK);
		assert_int_equal(dlt_builder__append_null(b, NULL), DLT_OK);
		assert_int_equal(dlt_builder__append_bytes(b, "", 0, NULL), DLT_OK);
		assert_int_equal(dlt_builder__append_bytes(b, "w\xc3\xb6rld", 6, NULL), DLT_OK);
		assert_int_equal(dlt_builder__append_nulls(b, 3, NULL), DLT_OK);
		assert_int_equal(dlt_builder__append_int(b, 3, NULL), DLT_ESCHEMA);
		finish_valid(b, &s, &a);
		assert_int_equal(a.length, 7);
		assert_int_equal(a.null_count, 4);
		check_var(&a, w, 0, "hello");
		check_var(&a, w, 1, "");
		check_var(&a, w, 2, "");
		check_var(&a, w, 3, "w\xc3\xb6rld");
		check_var(&a, w, 6, "");
		dlt_array__release(&a);
		/* empty finish: one zero offset, non-NULL buffers */
		finish_valid(b, &s, &a);
		assert_int_equal(a.length, 0);
		assert_non_null(a.buffers[1]);
		assert_non_null(a.buffers[2]);
		dlt_array__release(&a);
		dlt_builder__free(b);
		dlt_schema__release(&s);
	}
}

static void test_builder_fixed_binary_decimal(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a;
	dlt_builder *b;
	dlt_error err;
	uint64_t w2[2] = { (uint64_t)-5, UINT64_MAX }; /* -5 */
	uint64_t w4[4] = { 7, 0, 0, 0 };
	uint64_t big[4] = { 0, 0, 1, 0 };
	uint64_t got[4];
	(void)state;
	b = leaf_builder("w:3", &s);
	assert_int_equal(dlt_builder__append_bytes(b, "abc", 3, NULL), DLT_OK);
	assert_int_equal(dlt_builder__append_bytes(b, "ab", 2, &err), DLT_ESCHEMA);
	assert_int_equal(dlt_builder__append_null(b, NULL), DLT_OK);
	assert_int_equal(dlt_builder__append_bytes(b, "xyz", 3, NULL), DLT_OK);
	finish_valid(b, &s, &a);
	assert_memory_equal(a.buffers[1], "abc\0\0\0xyz", 9);
	dlt_array__release(&a);
	dlt_builder__free(b);
	dlt_schema__release(&s);

	b = leaf_builder("d:10,2", &s);
	assert_int_equal(dlt_builder__append_decimal(b, w2, 2, NULL), DLT_OK);
	assert_int_equal(dlt_builder__append_decimal(b, w4, 4, NULL), DLT_OK);
	assert_int_equal(dlt_builder__append_decimal(b, big, 4, &err), DLT_ESCHEMA);
	assert_int_equal(dlt_builder__append_int(b, 1, &err), DLT_ESCHEMA);
	finish_valid(b, &s, &a);
	memcpy(got, a.buffers[1], 32);
	assert_true(got[0] == (uint64_t)-5 && got[1] == UINT64_MAX && got[2] == 7 && got[3] == 0);
	dlt_array__release(&a);
	dlt_builder__free(b);
	dlt_schema__release(&s);

	b = leaf_builder("d:40,2,256", &s);
	assert_int_equal(dlt_builder__append_decimal(b, w2, 2, NULL), DLT_OK); /* sign-extended */
	finish_valid(b, &s, &a);
	memcpy(got, a.buffers[1], 32);
	assert_true(got[0] == (uint64_t)-5 && got[1] == UINT64_MAX && got[2] == UINT64_MAX &&
	            got[3] == UINT64_MAX);
	dlt_array__release(&a);
	dlt_builder__free(b);
	dlt_schema__release(&s);
}

/* struct<id: int64, tags: list<utf8>, pt: +w:2 float64, m: map<utf8, int32>> */
static void make_nested(struct ArrowSchema *s)
{
	struct ArrowSchema *m;
	assert_int_equal(dlt_schema__init(s, "+s", "", 0, 4, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s->children[0], "l", "id", true, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init(s->children[1], "+l", "tags", 2, 1, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s->children[1]->children[0], "u", "item", true, NULL),
	                 DLT_OK);
	assert_int_equal(dlt_schema__init(s->children[2], "+w:2", "pt", 2, 1, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s->children[2]->children[0], "g", "item", true, NULL),
	                 DLT_OK);
	m = s->children[3];
	assert_int_equal(dlt_schema__init(m, "+m", "m", 2, 1, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init(m->children[0], "+s", "entries", 0, 2, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(m->children[0]->children[0], "u", "key", false, NULL),
	                 DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(m->children[0]->children[1], "i", "value", true,
	                                       NULL), DLT_OK);
}

/* Row r of the nested test data: row 2 is null at the top; row 1 has null
 * tags, an empty map and a null pt; row 3 has an empty tag list and a null tag. */
static int build_nested_row(dlt_builder *b, int r)
{
	dlt_builder *id = dlt_builder__child(b, 0), *tags = dlt_builder__child(b, 1),
	            *pt = dlt_builder__child(b, 2), *m = dlt_builder__child(b, 3);
	dlt_builder *item = dlt_builder__child(tags, 0), *ptv = dlt_builder__child(pt, 0);
	dlt_builder *ent = dlt_builder__child(m, 0);
	int rc;
	if (r == 2)
		return dlt_builder__append_null(b, NULL);
	if ((rc = dlt_builder__append_int(id, r * 10, NULL)) < 0)
		return rc;
	if (r == 1) {
		if ((rc = dlt_builder__append_null(tags, NULL)) < 0 ||
		    (rc = dlt_builder__append_null(pt, NULL)) < 0 ||
		    (rc = dlt_builder__append_valid(m, NULL)) < 0)
			return rc;
	} else {
		if (r == 0) {
			if ((rc = dlt_builder__append_bytes(item, "a", 1, NULL)) < 0 ||
			    (rc = dlt_builder__append_bytes(item, "bc", 2, NULL)) < 0)
				return rc;
		} else if ((rc = dlt_builder__append_null(item, NULL)) < 0) {
			return rc;
		}
		if ((rc = dlt_builder__append_valid(tags, NULL)) < 0 ||
		    (rc = dlt_builder__append_double(ptv, r, NULL)) < 0 ||
		    (rc = dlt_builder__append_null(ptv, NULL)) < 0 ||
		    (rc = dlt_builder__append_valid(pt, NULL)) < 0)
			return rc;
		for (int k = 0; k < r + 1; k++) {
			char key[16];
			snprintf(key, sizeof(key), "k%d", k);
			if ((rc = dlt_builder__append_bytes(dlt_builder__child(ent, 0), key, strlen(key),
			                                    NULL)) < 0)
				return rc;
			if (k == 1)
				rc = dlt_builder__append_null(dlt_builder__child(ent, 1), NULL);
			else
				rc = dlt_builder__append_int(dlt_builder__child(ent, 1), k, NULL);
			if (rc < 0 || (rc = dlt_builder__append_valid(ent, NULL)) < 0)
				return rc;
		}
		if ((rc = dlt_builder__append_valid(m, NULL)) < 0)
			return rc;
	}
	return dlt_builder__append_valid(b, NULL);
}

static void check_nested(const struct ArrowArray *a, int64_t first_row)
{
	const struct ArrowArray *tags = a->children[1], *m = a->children[3];
	for (int64_t i = 0; i < a->length; i++) {
		int64_t r = first_row + i, j = a->offset + i;
		assert_int_equal(dlt_arrow__is_null(a, i), r == 2);
		if (r == 2)
			continue;
		int64_t id;
		memcpy(&id, (const uint8_t *)a->children[0]->buffers[1] +
		                8 * (a->children[0]->offset + j), 8);
		assert_int_equal(id, r * 10);
		assert_int_equal(dlt_arrow__is_null(tags, j), r == 1);
		assert_int_equal(dlt_arrow__is_null(a->children[2], j), r == 1);
		int32_t o0, o1;
		memcpy(&o0, (const uint8_t *)m->buffers[1] + 4 * (m->offset + j), 4);
		memcpy(&o1, (const uint8_t *)m->buffers[1] + 4 * (m->offset + j + 1), 4);
		assert_int_equal(o1 - o0, r == 1 ? 0 : r + 1);
		memcpy(&o0, (const uint8_t *)tags->buffers[1] + 4 * (tags->offset + j), 4);
		memcpy(&o1, (const uint8_t *)tags->buffers[1] + 4 * (tags->offset + j + 1), 4);
		assert_int_equal(o1 - o0, r == 0 ? 2 : r == 1 ? 0 : 1);
		if (r == 0) {
			check_var(tags->children[0], 4, o0, "a");
			check_var(tags->children[0], 4, o0 + 1, "bc");
		}
		if (r >= 3)
			assert_true(dlt_arrow__is_null(tags->children[0], o0));
	}
}

static void test_builder_nested_with_nulls_everywhere(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a;
	dlt_builder *b;
	dlt_error err;
	(void)state;
	make_nested(&s);
	assert_int_equal(dlt_builder__new(&b, &s, NULL), DLT_OK);
	assert_int_equal(dlt_builder__n_children(b), 4);
	assert_null(dlt_builder__child(b, 4));
	for (int r = 0; r < 6; r++)
		assert_int_equal(build_nested_row(b, r), DLT_OK);
	/* wrong shapes are refused */
	assert_int_equal(dlt_builder__append_valid(b, &err), DLT_ESCHEMA);
	assert_int_equal(dlt_builder__append_double(dlt_builder__child(dlt_builder__child(b, 2), 0),
	                                            1, NULL), DLT_OK);
	assert_int_equal(dlt_builder__append_valid(dlt_builder__child(b, 2), &err), DLT_ESCHEMA);
	dlt_builder__free(b);

	assert_int_equal(dlt_builder__new(&b, &s, NULL), DLT_OK);
	for (int r = 0; r < 6; r++)
		assert_int_equal(build_nested_row(b, r), DLT_OK);
	finish_valid(b, &s, &a);
	assert_int_equal(a.length, 6);
	assert_int_equal(a.null_count, 1);
	assert_int_equal(a.children[0]->length, 6);
	assert_int_equal(a.children[2]->children[0]->length, 12);
	check_nested(&a, 0);
	dlt_array__release(&a);
	dlt_builder__free(b);
	dlt_schema__release(&s);
}

static void test_builder_append_from_slices_and_nested(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a, c;
	dlt_builder *b, *b2;
	dlt_error err;
	(void)state;
	make_nested(&s);
	assert_int_equal(dlt_builder__new(&b, &s, NULL), DLT_OK);
	for (int r = 0; r < 6; r++)
		assert_int_equal(build_nested_row(b, r), DLT_OK);
	finish_valid(b, &s, &a);
	/* copy rows 1..5 of a slice starting at offset 1 */
	a.offset = 1;
	a.length = 5;
	a.null_count = -1;
	assert_int_equal(dlt_arrow__validate(&s, &a, &err), DLT_OK);
	check_nested(&a, 1);
	assert_int_equal(dlt_builder__new(&b2, &s, NULL), DLT_OK);
	for (int64_t i = 0; i < a.length; i++) {
		if (dlt_builder__append_from(b2, &s, &a, i, &err) != DLT_OK)
			fail_msg("append_from %d: %s", (int)i, err.message);
	}
	assert_int_equal(dlt_builder__append_from(b2, &s, &a, 5, &err), DLT_EINVAL);
	finish_valid(b2, &s, &c);
	assert_int_equal(c.length, 5);
	assert_int_equal(c.offset, 0);
	check_nested(&c, 1);
	dlt_array__release(&c);
	/* a type mismatch is refused */
	assert_int_equal(dlt_builder__append_from(dlt_builder__child(b2, 0), s.children[1],
	                                          a.children[1], 0, &err), DLT_ESCHEMA);
	dlt_array__release(&a);
	dlt_builder__free(b);
	dlt_builder__free(b2);
	dlt_schema__release(&s);
}

static void test_builder_append_from_dictionary(void **state)
{
	struct ArrowSchema s, plain;
	struct ArrowArray a, out;
	dlt_builder *vb, *ib, *b;
	dlt_error err;
	(void)state;
	/* dictionary<utf8, int16>: values ["x", "yy", null], indices [1, null, 0, 2, 1] */
	assert_int_equal(dlt_schema__init_leaf(&s, "s", "d", true, NULL), DLT_OK);
	assert_int_equal(dlt_schema__alloc_dictionary(&s, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.dictionary, "u", NULL, true, NULL), DLT_OK);
	assert_int_equal(dlt_builder__new(&vb, s.dictionary, NULL), DLT_OK);
	assert_int_equal(dlt_builder__append_bytes(vb, "x", 1, NULL), DLT_OK);
	assert_int_equal(dlt_builder__append_bytes(vb, "yy", 2, NULL), DLT_OK);
	assert_int_equal(dlt_builder__append_null(vb, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(&plain, "s", "d", true, NULL), DLT_OK);
	assert_int_equal(dlt_builder__new(&ib, &plain, NULL), DLT_OK);
	int idx[5] = { 1, -1, 0, 2, 1 };
	for (int i = 0; i < 5; i++) {
		if (idx[i] < 0)
			assert_int_equal(dlt_builder__append_null(ib, NULL), DLT_OK);
		else
			assert_int_equal(dlt_builder__append_int(ib, idx[i], NULL), DLT_OK);
	}
	assert_int_equal(dlt_builder__finish(&a, ib, NULL), DLT_OK);
	assert_int_equal(dlt_array__alloc_dictionary(&a, NULL), DLT_OK);
	assert_int_equal(dlt_builder__finish(a.dictionary, vb, NULL), DLT_OK);
	assert_int_equal(dlt_arrow__validate(&s, &a, &err), DLT_OK);

	/* the builder of a dictionary schema builds the plain value type */
	assert_int_equal(dlt_builder__new(&b, &s, NULL), DLT_OK);
	assert_string_equal(dlt_builder__schema(b)->format, "u");
	assert_null(dlt_builder__schema(b)->dictionary);
	assert_int_equal(dlt_builder__type(b)->type, DLT_AT_STRING);
	for (int i = 0; i < 5; i++)
		assert_int_equal(dlt_builder__append_from(b, &s, &a, i, &err), DLT_OK);
	finish_valid(b, dlt_builder__schema(b), &out);
	assert_int_equal(out.null_count, 2);
	check_var(&out, 4, 0, "yy");
	assert_true(dlt_arrow__is_null(&out, 1));
	check_var(&out, 4, 2, "x");
	assert_true(dlt_arrow__is_null(&out, 3));
	check_var(&out, 4, 4, "yy");
	dlt_array__release(&out);
	dlt_array__release(&a);
	dlt_builder__free(b);
	dlt_builder__free(ib);
	dlt_builder__free(vb);
	dlt_schema__release(&s);
	dlt_schema__release(&plain);
}

static void test_builder_null_type(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a;
	dlt_builder *b = leaf_builder("n", &s);
	(void)state;
	assert_int_equal(dlt_builder__append_nulls(b, 5, NULL), DLT_OK);
	assert_int_equal(dlt_builder__append_int(b, 1, NULL), DLT_ESCHEMA);
	finish_valid(b, &s, &a);
	assert_int_equal(a.length, 5);
	assert_int_equal(a.null_count, 5);
	assert_int_equal(a.n_buffers, 0);
	assert_true(dlt_arrow__is_null(&a, 3));
	dlt_array__release(&a);
	dlt_builder__free(b);
	dlt_schema__release(&s);
}

static void test_builder_oom_sweep(void **state)
{
	struct ArrowSchema s;
	dlt_alloc_stats base;
	(void)state;
	make_nested(&s);
	dlt_alloc_stats_get(&base);
	for (int64_t n = 1;; n++) {
		dlt_builder *b = NULL;
		struct ArrowArray a;
		dlt_alloc_stats st;
		int rc;
		dlt_alloc_fail_after(n);
		rc = dlt_builder__new(&b, &s, NULL);
		for (int r = 0; rc == DLT_OK && r < 40; r++)
			rc = build_nested_row(b, r % 6);
		if (rc == DLT_OK) {
			rc = dlt_builder__finish(&a, b, NULL);
			if (rc == DLT_OK) {
				assert_int_equal(a.length, 40);
				dlt_array__release(&a);
			}
		}
		dlt_alloc_fail_after(0);
		dlt_builder__free(b);
		dlt_alloc_stats_get(&st);
		assert_int_equal(st.live_blocks, base.live_blocks);
		if (rc == DLT_OK)
			break;
		assert_int_equal(rc, DLT_ENOMEM);
		assert_true(n < 5000);
	}
	dlt_schema__release(&s);
}

static void test_builder_reserve_and_large_volume(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a;
	dlt_builder *b = leaf_builder("i", &s);
	(void)state;
	assert_int_equal(dlt_builder__reserve(b, 100000, NULL), DLT_OK);
	for (int i = 0; i < 100000; i++)
		assert_int_equal(dlt_builder__append_int(b, i, NULL), DLT_OK);
	assert_int_equal(dlt_builder__append_null(b, NULL), DLT_OK); /* bitmap materialized late */
	finish_valid(b, &s, &a);
	assert_int_equal(a.null_count, 1);
	assert_false(dlt_arrow__is_null(&a, 99999));
	assert_true(dlt_arrow__is_null(&a, 100000));
	{
		int32_t v;
		memcpy(&v, (const uint8_t *)a.buffers[1] + 4 * 77777, 4);
		assert_int_equal(v, 77777);
	}
	dlt_array__release(&a);
	dlt_builder__free(b);
	dlt_schema__release(&s);
}

/* append_range must produce exactly what element-wise append_from does. */
static void check_range_equals_from(const struct ArrowSchema *s, const struct ArrowArray *a,
                                    int64_t off, int64_t n)
{
	dlt_builder *b1, *b2;
	struct ArrowArray r1, r2;
	dlt_error err;
	assert_int_equal(dlt_builder__new(&b1, s, NULL), DLT_OK);
	assert_int_equal(dlt_builder__new(&b2, s, NULL), DLT_OK);
	/* a leading element so rebasing of offsets and bit positions is exercised */
	assert_int_equal(dlt_builder__append_from(b1, s, a, 0, &err), DLT_OK);
	assert_int_equal(dlt_builder__append_from(b2, s, a, 0, &err), DLT_OK);
	if (dlt_builder__append_range(b1, s, a, off, n, &err) != DLT_OK)
		fail_msg("append_range: %s", err.message);
	for (int64_t i = off; i < off + n; i++)
		assert_int_equal(dlt_builder__append_from(b2, s, a, i, &err), DLT_OK);
	assert_int_equal(dlt_builder__append_range(b1, s, a, off, a->length - off + 1, &err),
	                 DLT_EINVAL);
	finish_valid(b1, dlt_builder__schema(b1), &r1);
	finish_valid(b2, dlt_builder__schema(b2), &r2);
	assert_int_equal(r1.length, n + 1);
	assert_int_equal(r1.length, r2.length);
	assert_int_equal(r1.null_count, r2.null_count);
	for (int64_t i = 0; i < r1.length; i++) {
		assert_int_equal(dlt_arrow__is_null(&r1, i), dlt_arrow__is_null(&r2, i));
		if (dlt_arrow__is_null(&r1, i) || r1.n_buffers < 2)
			continue;
		dlt_type_view v;
		assert_int_equal(dlt_arrow__parse_format(&v, dlt_builder__schema(b1)->format, NULL), DLT_OK);
		if (v.type == DLT_AT_BOOL) {
			assert_int_equal(dlt_arrow__bit(r1.buffers[1], i), dlt_arrow__bit(r2.buffers[1], i));
		} else if (v.n_buffers == 3) {
			int32_t a0, a1, b0, b1_;
			memcpy(&a0, (const uint8_t *)r1.buffers[1] + 4 * i, 4);
			memcpy(&a1, (const uint8_t *)r1.buffers[1] + 4 * i + 4, 4);
			memcpy(&b0, (const uint8_t *)r2.buffers[1] + 4 * i, 4);
			memcpy(&b1_, (const uint8_t *)r2.buffers[1] + 4 * i + 4, 4);
			assert_int_equal(a1 - a0, b1_ - b0);
			assert_memory_equal((const uint8_t *)r1.buffers[2] + a0,
			                    (const uint8_t *)r2.buffers[2] + b0, (size_t)(a1 - a0));
		} else if (v.bit_width) {
			size_t w = (size_t)v.bit_width / 8;
			assert_memory_equal((const uint8_t *)r1.buffers[1] + w * (size_t)i,
			                    (const uint8_t *)r2.buffers[1] + w * (size_t)i, w);
		}
	}
	dlt_array__release(&r1);
	dlt_array__release(&r2);
	dlt_builder__free(b1);
	dlt_builder__free(b2);
}

static void test_builder_append_range(void **state)
{
	static const char *const fmts[] = { "i", "b", "u", "g", "w:3" };
	(void)state;
	for (size_t k = 0; k < sizeof(fmts) / sizeof(fmts[0]); k++) {
		struct ArrowSchema s;
		struct ArrowArray a;
		dlt_builder *b = leaf_builder(fmts[k], &s);
		for (int i = 0; i < 50; i++) {
			int rc;
			if (i % 5 == 4 && k != 4)
				rc = dlt_builder__append_null(b, NULL);
			else if (k == 0)
				rc = dlt_builder__append_int(b, i * 3, NULL);
			else if (k == 1)
				rc = dlt_builder__append_bool(b, i % 3 == 0, NULL);
			else if (k == 2)
				rc = dlt_builder__append_bytes(b, &"abcdefgh"[i % 8], (size_t)(8 - i % 8), NULL);
			else if (k == 3)
				rc = dlt_builder__append_double(b, i / 4.0, NULL);
			else
				rc = dlt_builder__append_bytes(b, &"xyzw"[i % 2], 3, NULL);
			assert_int_equal(rc, DLT_OK);
		}
		finish_valid(b, &s, &a);
		check_range_equals_from(&s, &a, 0, 50);
		check_range_equals_from(&s, &a, 7, 30);
		a.offset = 3; /* a slice of the source */
		a.length = 40;
		a.null_count = -1;
		check_range_equals_from(&s, &a, 5, 33);
		dlt_array__release(&a);
		dlt_builder__free(b);
		dlt_schema__release(&s);
	}
	/* nested falls back to element-wise */
	{
		struct ArrowSchema s;
		struct ArrowArray a;
		dlt_builder *b;
		make_nested(&s);
		assert_int_equal(dlt_builder__new(&b, &s, NULL), DLT_OK);
		for (int r = 0; r < 6; r++)
			assert_int_equal(build_nested_row(b, r), DLT_OK);
		finish_valid(b, &s, &a);
		dlt_builder__free(b);
		assert_int_equal(dlt_builder__new(&b, &s, NULL), DLT_OK);
		assert_int_equal(dlt_builder__append_range(b, &s, &a, 1, 5, NULL), DLT_OK);
		dlt_array__release(&a);
		finish_valid(b, &s, &a);
		check_nested(&a, 1);
		dlt_array__release(&a);
		dlt_builder__free(b);
		dlt_schema__release(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_builder_integers_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builder_bool_and_many_nulls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builder_floats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builder_strings_binary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builder_fixed_binary_decimal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builder_nested_with_nulls_everywhere, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_builder_append_from_slices_and_nested, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_builder_append_from_dictionary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builder_null_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builder_oom_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builder_reserve_and_large_volume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builder_append_range, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
