/* Owned schemas and arrays: metadata, deep copy, release semantics (children
 * moved out and released separately), init_empty; no leaks (counting mode). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

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

/* struct<a: int32, b: list<utf8>, c: dictionary<utf8, int8>> */
static void make_schema(struct ArrowSchema *s)
{
	assert_int_equal(dlt_schema__init(s, "+s", "root", 0, 3, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s->children[0], "i", "a", true, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init(s->children[1], "+l", "b", ARROW_FLAG_NULLABLE, 1, NULL),
	                 DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s->children[1]->children[0], "u", "item", true, NULL),
	                 DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s->children[2], "c", "c", true, NULL), DLT_OK);
	assert_int_equal(dlt_schema__alloc_dictionary(s->children[2], NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s->children[2]->dictionary, "u", NULL, false, NULL),
	                 DLT_OK);
}

static void test_schema_metadata_round_trip(void **state)
{
	struct ArrowSchema s, c;
	const char *keys[] = { "delta.columnMapping.id", "comment", "" };
	const char *vals[] = { "7", "h\xc3\xa9llo", "empty-key" };
	const char *v;
	int32_t len;
	(void)state;
	assert_int_equal(dlt_schema__init_leaf(&s, "l", "x", true, NULL), DLT_OK);
	assert_int_equal(dlt_schema__metadata_get(&s, "comment", &v, &len), DLT_ENOTFOUND);
	assert_int_equal(dlt_schema__set_metadata(&s, keys, vals, 3, NULL), DLT_OK);
	assert_int_equal(dlt_schema__metadata_get(&s, "comment", &v, &len), DLT_OK);
	assert_int_equal(len, 6);
	assert_memory_equal(v, "h\xc3\xa9llo", 6);
	assert_int_equal(dlt_schema__metadata_get(&s, "", &v, &len), DLT_OK);
	assert_int_equal(len, 9);
	assert_int_equal(dlt_schema__metadata_get(&s, "commen", &v, &len), DLT_ENOTFOUND);
	/* binary layout per the C data interface: int32 n, then len-prefixed k/v */
	{
		int32_t n;
		memcpy(&n, s.metadata, 4);
		assert_int_equal(n, 3);
		memcpy(&n, s.metadata + 4, 4);
		assert_int_equal(n, 22);
		assert_memory_equal(s.metadata + 8, "delta.columnMapping.id", 22);
	}
	assert_int_equal(dlt_schema__copy(&c, &s, NULL), DLT_OK);
	dlt_schema__release(&s);
	assert_null(s.release);
	assert_int_equal(dlt_schema__metadata_get(&c, "delta.columnMapping.id", &v, &len), DLT_OK);
	assert_int_equal(len, 1);
	assert_memory_equal(v, "7", 1);
	/* replace, then clear */
	assert_int_equal(dlt_schema__set_metadata(&c, keys + 1, vals + 1, 1, NULL), DLT_OK);
	assert_int_equal(dlt_schema__metadata_get(&c, "delta.columnMapping.id", &v, &len),
	                 DLT_ENOTFOUND);
	assert_int_equal(dlt_schema__set_metadata(&c, NULL, NULL, 0, NULL), DLT_OK);
	assert_null(c.metadata);
	dlt_schema__release(&c);
}

static void test_schema_copy_deep_and_decoded(void **state)
{
	struct ArrowSchema s, c, d;
	(void)state;
	make_schema(&s);
	assert_int_equal(dlt_schema__copy(&c, &s, NULL), DLT_OK);
	dlt_schema__release(&s);
	assert_string_equal(c.format, "+s");
	assert_string_equal(c.name, "root");
	assert_int_equal(c.n_children, 3);
	assert_string_equal(c.children[1]->children[0]->format, "u");
	assert_int_equal(c.children[1]->flags, ARROW_FLAG_NULLABLE);
	assert_non_null(c.children[2]->dictionary);
	assert_string_equal(c.children[2]->format, "c");
	assert_int_equal(dlt_schema__copy_decoded(&d, &c, NULL), DLT_OK);
	assert_null(d.children[2]->dictionary);
	assert_string_equal(d.children[2]->format, "u");
	assert_string_equal(d.children[2]->name, "c");
	dlt_schema__release(&c);
	dlt_schema__release(&d);
}

static void test_schema_child_moved_out_released_separately(void **state)
{
	struct ArrowSchema s, moved, dict;
	(void)state;
	make_schema(&s);
	dlt_schema__move(&moved, s.children[1]);
	assert_null(s.children[1]->release);
	dlt_schema__move(&dict, s.children[2]->dictionary);
	s.release(&s);
	assert_null(s.release);
	/* the moved child still works on its own */
	assert_string_equal(moved.children[0]->name, "item");
	moved.release(&moved);
	assert_null(moved.release);
	dlt_schema__release(&dict);
	dlt_schema__release(NULL);
}

static void test_schema_array_release_and_move(void **state)
{
	struct ArrowArray a, child, m;
	(void)state;
	assert_int_equal(dlt_array__init(&a, 1, 2, NULL), DLT_OK);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(dlt_array__init(a.children[i], 2, 0, NULL), DLT_OK);
		dlt_array__set_buffer(a.children[i], 1, dlt_malloc(64));
		dlt_array__set_buffer(a.children[i], 1, dlt_malloc(32)); /* frees the previous */
	}
	assert_int_equal(dlt_array__alloc_dictionary(&a, NULL), DLT_OK);
	assert_int_equal(dlt_array__init(a.dictionary, 0, 0, NULL), DLT_OK);
	dlt_array__move(&child, a.children[0]);
	assert_null(a.children[0]->release);
	dlt_array__move(&m, &a);
	assert_null(a.release);
	dlt_array__release(&a); /* no-op on a released array */
	m.release(&m);
	assert_null(m.release);
	assert_non_null(child.buffers[1]);
	child.release(&child);
	assert_null(child.release);
}

static void test_schema_init_empty(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a;
	dlt_error err;
	(void)state;
	make_schema(&s);
	assert_int_equal(dlt_array__init_empty(&a, &s, &err), DLT_OK);
	assert_int_equal(a.length, 0);
	assert_int_equal(a.n_children, 3);
	assert_int_equal(a.children[1]->n_buffers, 2);
	assert_non_null(a.children[1]->buffers[1]);
	assert_non_null(a.children[2]->dictionary);
	assert_int_equal(a.children[2]->dictionary->n_buffers, 3);
	assert_int_equal(dlt_arrow__validate(&s, &a, &err), DLT_OK);
	dlt_array__release(&a);
	dlt_schema__release(&s);
}

static void test_schema_oom_sweep(void **state)
{
	(void)state;
	for (int64_t n = 1;; n++) {
		struct ArrowSchema s, c;
		struct ArrowArray a;
		dlt_alloc_stats st;
		int rc;
		make_schema(&s);
		dlt_alloc_fail_after(n);
		rc = dlt_schema__copy(&c, &s, NULL);
		if (rc == DLT_OK) {
			rc = dlt_array__init_empty(&a, &c, NULL);
			if (rc == DLT_OK)
				dlt_array__release(&a);
			dlt_schema__release(&c);
		}
		dlt_alloc_fail_after(0);
		dlt_schema__release(&s);
		dlt_alloc_stats_get(&st);
		assert_int_equal(st.live_blocks, 0);
		if (rc == DLT_OK)
			break;
		assert_int_equal(rc, DLT_ENOMEM);
		assert_true(n < 1000);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_metadata_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_copy_deep_and_decoded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_child_moved_out_released_separately, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_schema_array_release_and_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_init_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_oom_sweep, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
