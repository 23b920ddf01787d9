/* The validator on good arrays from builders and on many hand-made broken
 * ones; UTF-8 validation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "arrow/arrow.h"
#include "deltalite/arrow.h"

static void expect_bad(const struct ArrowSchema *s, const struct ArrowArray *a, const char *what)
{
	dlt_error err;
	int rc = dlt_arrow_validate(s, a, &err);
	if (rc != DLT_ECORRUPT)
		fail_msg("expected DLT_ECORRUPT, got %d", rc);
	if (!strstr(err.message, what))
		fail_msg("message '%s' lacks '%s'", err.message, what);
}

static void expect_ok(const struct ArrowSchema *s, const struct ArrowArray *a)
{
	dlt_error err;
	if (dlt_arrow_validate(s, a, &err) != DLT_OK)
		fail_msg("validate: %s", err.message);
}

static void test_validate_utf8(void **state)
{
	(void)state;
	static const struct { const char *s; bool ok; } t[] = {
		{ "", true }, { "plain ascii text that is longer than sixteen bytes", true },
		{ "\xc3\xa9", true }, { "\xe2\x82\xac", true }, { "\xf0\x9f\x98\x80", true },
		{ "\xf4\x8f\xbf\xbf", true }, { "\xed\x9f\xbf", true },
		{ "\x80", false }, { "\xc0\xaf", false }, { "\xc1\xbf", false },
		{ "\xe0\x80\xaf", false }, { "\xed\xa0\x80", false }, { "\xf0\x80\x80\xaf", false },
		{ "\xf4\x90\x80\x80", false }, { "\xf5\x80\x80\x80", false }, { "\xff", false },
		{ "\xc3", false }, { "\xe2\x82", false }, { "\xf0\x9f\x98", false },
		{ "abcdefghijklmnopqrstuvwx\xc3(", false }, { "abcdefghijklmnopq\xe2\x82\xac", true },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (dlt_utf8_valid((const uint8_t *)t[i].s, strlen(t[i].s)) != t[i].ok)
			fail_msg("utf8 case %zu", i);
	}
}

/* A list<utf8> array with 3 rows: ["a", "bc"], null, ["d\xc3\xa9"]. */
static void make_list(struct ArrowSchema *s, struct ArrowArray *a)
{
	dlt_builder *b;
	dlt_builder *it;
	assert_int_equal(dlt_schema__init(s, "+l", "l", 2, 1, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s->children[0], "u", "item", true, NULL), DLT_OK);
	assert_int_equal(dlt_builder__new(&b, s, NULL), DLT_OK);
	it = dlt_builder__child(b, 0);
	assert_int_equal(dlt_builder__append_bytes(it, "a", 1, NULL), DLT_OK);
	assert_int_equal(dlt_builder__append_bytes(it, "bc", 2, NULL), DLT_OK);
	assert_int_equal(dlt_builder__append_valid(b, NULL), DLT_OK);
	assert_int_equal(dlt_builder__append_null(b, NULL), DLT_OK);
	assert_int_equal(dlt_builder__append_bytes(it, "d\xc3\xa9", 3, NULL), DLT_OK);
	assert_int_equal(dlt_builder__append_valid(b, NULL), DLT_OK);
	assert_int_equal(dlt_builder__finish(a, b, NULL), DLT_OK);
	dlt_builder__free(b);
}

static void test_validate_list_of_strings(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a;
	const void *saved;
	int32_t *off;
	uint8_t *data;
	(void)state;
	make_list(&s, &a);
	expect_ok(&s, &a);
	assert_int_equal(dlt_arrow__validate_schema(&s, NULL), DLT_OK);

	a.n_buffers = 3;
	expect_bad(&s, &a, "buffers");
	a.n_buffers = 2;
	saved = a.buffers[1];
	a.buffers[1] = NULL;
	expect_bad(&s, &a, "offsets buffer is NULL");
	a.buffers[1] = saved;
	off = (int32_t *)(uintptr_t)a.buffers[1];
	off[1] = 5; /* 0 5 2 3: decreasing */
	expect_bad(&s, &a, "offsets decrease");
	off[1] = 2;
	off[3] = 4; /* child has 3 values */
	expect_bad(&s, &a, "shorter");
	off[3] = 3;
	off[0] = -1;
	expect_bad(&s, &a, "negative");
	off[0] = 0;
	a.null_count = 0;
	expect_bad(&s, &a, "null_count");
	a.null_count = 2;
	expect_bad(&s, &a, "null_count");
	a.null_count = 5;
	expect_bad(&s, &a, "null_count");
	a.null_count = -1; /* unknown is fine */
	expect_ok(&s, &a);
	a.null_count = 1;
	saved = a.buffers[0];
	a.buffers[0] = NULL;
	expect_bad(&s, &a, "no validity bitmap");
	a.buffers[0] = saved;
	a.length = -1;
	expect_bad(&s, &a, "bad length");
	a.length = 4; /* offsets[4] would be out of what lengths imply: reading past is the
	                 producer's lie, but the offset check still bounds the child */
	a.length = 3;
	a.offset = -1;
	expect_bad(&s, &a, "bad length");
	a.offset = 0;

	/* string child: bad UTF-8, split sequence, NULL data */
	data = (uint8_t *)(uintptr_t)a.children[0]->buffers[2];
	data[5] = 0xff;
	expect_bad(&s, &a, "UTF-8");
	data[5] = 0xa9;
	off = (int32_t *)(uintptr_t)a.children[0]->buffers[1];
	off[2] = 5; /* "a" | "bcd\xc3" | "\xa9" */
	expect_bad(&s, &a, "starts inside a UTF-8 sequence");
	off[2] = 3;
	saved = a.children[0]->buffers[2];
	a.children[0]->buffers[2] = NULL;
	expect_bad(&s, &a, "data buffer is NULL");
	a.children[0]->buffers[2] = saved;
	{
		dlt_error err;
		assert_int_equal(dlt_arrow_validate(&s, &a, &err), DLT_OK);
		a.children[0]->buffers[2] = NULL;
		a.children[0]->offset = 0;
		a.children[0]->length = 3;
		assert_int_equal(dlt_arrow_validate(&s, &a, &err), DLT_ECORRUPT);
		assert_non_null(strstr(err.message, "'item'"));
		a.children[0]->buffers[2] = saved;
	}
	expect_ok(&s, &a);

	/* a released child, a NULL child, wrong child count, released schema */
	{
		struct ArrowArray *c = a.children[0];
		a.children[0] = NULL;
		expect_bad(&s, &a, "child 0 is NULL");
		a.children[0] = c;
		a.n_children = 0;
		expect_bad(&s, &a, "children");
		a.n_children = 1;
		void (*rel)(struct ArrowArray *) = c->release;
		c->release = NULL;
		expect_bad(&s, &a, "released");
		c->release = rel;
	}
	dlt_array__release(&a);
	expect_bad(&s, &a, "released");
	dlt_schema__release(&s);
	expect_bad(&s, &a, "released");
}

static void test_validate_fixed_struct_dictionary(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a;
	dlt_builder *b;
	const void *saved;
	(void)state;
	/* struct<x: int32, y: +w:2 int8, d: dictionary<utf8, int8>> */
	assert_int_equal(dlt_schema__init(&s, "+s", "", 0, 3, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[0], "i", "x", true, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init(s.children[1], "+w:2", "y", 2, 1, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[1]->children[0], "c", "item", true, NULL),
	                 DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[2], "c", "d", true, NULL), DLT_OK);
	{
		/* build the struct without the dictionary child, then attach it by hand */
		struct ArrowSchema plain;
		assert_int_equal(dlt_schema__copy(&plain, &s, NULL), DLT_OK);
		assert_int_equal(dlt_builder__new(&b, &plain, NULL), DLT_OK);
		for (int r = 0; r < 4; r++) {
			assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 0), r, NULL), DLT_OK);
			dlt_builder *y = dlt_builder__child(b, 1);
			assert_int_equal(dlt_builder__append_int(dlt_builder__child(y, 0), r, NULL), DLT_OK);
			assert_int_equal(dlt_builder__append_null(dlt_builder__child(y, 0), NULL), DLT_OK);
			assert_int_equal(dlt_builder__append_valid(y, NULL), DLT_OK);
			if (r == 3)
				assert_int_equal(dlt_builder__append_null(dlt_builder__child(b, 2), NULL),
				                 DLT_OK);
			else
				assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 2), r, NULL),
				                 DLT_OK);
			assert_int_equal(dlt_builder__append_valid(b, NULL), DLT_OK);
		}
		assert_int_equal(dlt_builder__finish(&a, b, NULL), DLT_OK);
		dlt_builder__free(b);
		dlt_schema__release(&plain);
	}
	assert_int_equal(dlt_schema__alloc_dictionary(s.children[2], NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[2]->dictionary, "u", NULL, true, NULL),
	                 DLT_OK);
	expect_bad(&s, &a, "dictionary array is missing");
	assert_int_equal(dlt_array__alloc_dictionary(a.children[2], NULL), DLT_OK);
	assert_int_equal(dlt_builder__new(&b, s.children[2]->dictionary, NULL), DLT_OK);
	assert_int_equal(dlt_builder__append_bytes(b, "p", 1, NULL), DLT_OK);
	assert_int_equal(dlt_builder__append_bytes(b, "q", 1, NULL), DLT_OK);
	assert_int_equal(dlt_builder__finish(a.children[2]->dictionary, b, NULL), DLT_OK);
	dlt_builder__free(b);
	expect_bad(&s, &a, "dictionary index 2");
	/* index 2 at row 2: change it to 1 */
	((int8_t *)(uintptr_t)a.children[2]->buffers[1])[2] = 1;
	expect_ok(&s, &a);
	((int8_t *)(uintptr_t)a.children[2]->buffers[1])[1] = -1;
	expect_bad(&s, &a, "dictionary index -1");
	((int8_t *)(uintptr_t)a.children[2]->buffers[1])[1] = 1;
	/* a null index may hold anything */
	((int8_t *)(uintptr_t)a.children[2]->buffers[1])[3] = 100;
	expect_ok(&s, &a);

	/* struct child shorter than the parent */
	a.children[0]->length = 3;
	expect_bad(&s, &a, "shorter");
	a.children[0]->length = 4;
	/* fixed list child shorter than length * size */
	a.children[1]->children[0]->null_count = -1;
	a.children[1]->children[0]->length = 7;
	expect_bad(&s, &a, "shorter");
	a.children[1]->children[0]->length = 8;
	/* slice: parent offset makes the children need more */
	a.offset = 1;
	expect_bad(&s, &a, "shorter");
	a.length = 3;
	a.null_count = -1;
	expect_ok(&s, &a);
	a.offset = 0;
	a.length = 4;
	a.null_count = 0;
	/* NULL data buffer; misaligned data buffer */
	saved = a.children[0]->buffers[1];
	a.children[0]->buffers[1] = NULL;
	expect_bad(&s, &a, "data buffer is NULL");
	a.children[0]->buffers[1] = (const uint8_t *)saved + 1;
	expect_bad(&s, &a, "aligned");
	a.children[0]->buffers[1] = saved;
	a.children[0]->length = 0; /* empty: NULL data is fine, but the parent needs 4 */
	a.children[0]->buffers[1] = NULL;
	expect_bad(&s, &a, "shorter");
	a.children[0]->length = 4;
	a.children[0]->buffers[1] = saved;
	/* dictionary on a non-dictionary field */
	{
		struct ArrowArray *d = a.children[2]->dictionary;
		a.children[0]->dictionary = d;
		expect_bad(&s, &a, "unexpected dictionary");
		a.children[0]->dictionary = NULL;
	}
	expect_ok(&s, &a);
	dlt_array__release(&a);
	dlt_schema__release(&s);
}

static void test_validate_bad_schemas(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a;
	dlt_error err;
	(void)state;
	assert_int_equal(dlt_schema__init(&s, "+l", "l", 0, 0, NULL), DLT_OK);
	assert_int_equal(dlt_arrow__validate_schema(&s, &err), DLT_ECORRUPT);
	dlt_schema__release(&s);
	assert_int_equal(dlt_schema__init_leaf(&s, "i", "x", true, NULL), DLT_OK);
	assert_int_equal(dlt_schema__alloc_dictionary(&s, NULL), DLT_OK);
	assert_int_equal(dlt_arrow__validate_schema(&s, &err), DLT_ECORRUPT); /* released dict */
	assert_int_equal(dlt_schema__init_leaf(s.dictionary, "u", NULL, true, NULL), DLT_OK);
	assert_int_equal(dlt_arrow__validate_schema(&s, &err), DLT_OK);
	dlt_schema__release(&s);
	assert_int_equal(dlt_schema__init_leaf(&s, "u", "x", true, NULL), DLT_OK);
	assert_int_equal(dlt_schema__alloc_dictionary(&s, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.dictionary, "u", NULL, true, NULL), DLT_OK);
	assert_int_equal(dlt_arrow__validate_schema(&s, &err), DLT_ECORRUPT); /* utf8 indices */
	dlt_schema__release(&s);
	assert_int_equal(dlt_schema__init(&s, "+m", "m", 0, 1, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[0], "i", "x", true, NULL), DLT_OK);
	assert_int_equal(dlt_arrow__validate_schema(&s, &err), DLT_ECORRUPT);
	dlt_schema__release(&s);
	assert_int_equal(dlt_schema__init_leaf(&s, "+r", "x", true, NULL), DLT_OK);
	assert_int_equal(dlt_arrow__validate_schema(&s, &err), DLT_EUNSUPPORTED);
	dlt_schema__release(&s);
	/* null type with a wrong null_count */
	assert_int_equal(dlt_schema__init_leaf(&s, "n", "x", true, NULL), DLT_OK);
	assert_int_equal(dlt_array__init(&a, 0, 0, NULL), DLT_OK);
	a.length = 3;
	a.null_count = 3;
	expect_ok(&s, &a);
	a.null_count = 1;
	expect_bad(&s, &a, "null_count");
	dlt_array__release(&a);
	dlt_schema__release(&s);
	assert_int_equal(dlt_arrow_validate(NULL, NULL, &err), DLT_ECORRUPT);
}

static void test_validate_too_deep(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a;
	struct ArrowSchema *cs = &s;
	struct ArrowArray *ca = &a;
	dlt_error err;
	(void)state;
	/* 70 nested structs with no rows */
	for (int i = 0; i < 70; i++) {
		assert_int_equal(dlt_schema__init(cs, "+s", "n", 0, 1, NULL), DLT_OK);
		assert_int_equal(dlt_array__init(ca, 1, 1, NULL), DLT_OK);
		cs = cs->children[0];
		ca = ca->children[0];
	}
	assert_int_equal(dlt_schema__init_leaf(cs, "i", "leaf", true, NULL), DLT_OK);
	assert_int_equal(dlt_array__init(ca, 2, 0, NULL), DLT_OK);
	assert_int_equal(dlt_arrow__validate(&s, &a, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "deeper"));
	assert_int_equal(dlt_arrow__validate_schema(&s, &err), DLT_ECORRUPT);
	dlt_array__release(&a);
	dlt_schema__release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_utf8),
		cmocka_unit_test(test_validate_list_of_strings),
		cmocka_unit_test(test_validate_fixed_struct_dictionary),
		cmocka_unit_test(test_validate_bad_schemas),
		cmocka_unit_test(test_validate_too_deep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
