/* Streams (callback and batch list) and zero-copy shared arrays. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>

#include "arrow/arrow.h"
#include "deltalite/arrow.h"

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

static void make_schema(struct ArrowSchema *s)
{
	assert_int_equal(dlt_schema__init(s, "+s", "", 0, 2, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s->children[0], "l", "id", false, NULL), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s->children[1], "u", "name", true, NULL), DLT_OK);
}

static void make_batch(const struct ArrowSchema *s, struct ArrowArray *out, int64_t first,
                       int64_t n)
{
	dlt_builder *b;
	assert_int_equal(dlt_builder__new(&b, s, NULL), DLT_OK);
	for (int64_t i = first; i < first + n; i++) {
		char name[32];
		int len = snprintf(name, sizeof(name), "n%lld", (long long)i);
		assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 0), i, NULL), DLT_OK);
		if (i % 3 == 2)
			assert_int_equal(dlt_builder__append_null(dlt_builder__child(b, 1), NULL), DLT_OK);
		else
			assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 1), name,
			                                           (size_t)len, NULL), DLT_OK);
		assert_int_equal(dlt_builder__append_valid(b, NULL), DLT_OK);
	}
	assert_int_equal(dlt_builder__finish(out, b, NULL), DLT_OK);
	dlt_builder__free(b);
}

static int64_t id_at(const struct ArrowArray *col, int64_t i)
{
	int64_t v;
	memcpy(&v, (const uint8_t *)col->buffers[1] + 8 * (col->offset + i), 8);
	return v;
}

static void test_stream_from_batches(void **state)
{
	struct ArrowSchema s, got;
	struct ArrowArray batches[3], a;
	struct ArrowArrayStream st;
	int64_t total = 0, next_id = 0;
	dlt_error err;
	(void)state;
	make_schema(&s);
	for (int i = 0; i < 3; i++)
		make_batch(&s, &batches[i], i * 10, 10 + i);
	assert_int_equal(dlt_stream__from_batches(&st, &s, batches, 3, &err), DLT_OK);
	assert_null(s.release);
	for (int i = 0; i < 3; i++)
		assert_null(batches[i].release);
	/* get_schema returns a fresh deep copy every call */
	for (int k = 0; k < 2; k++) {
		assert_int_equal(st.get_schema(&st, &got), 0);
		assert_string_equal(got.children[1]->name, "name");
		dlt_arrow_schema_release(&got);
		assert_null(got.release);
	}
	assert_null(st.get_last_error(&st));
	assert_int_equal(dlt_stream__schema(&st, &got, &err), DLT_OK);
	for (;;) {
		assert_int_equal(dlt_stream__next(&st, &a, &err), DLT_OK);
		if (!a.release)
			break;
		assert_int_equal(dlt_arrow__validate(&got, &a, &err), DLT_OK);
		next_id = id_at(a.children[0], 0);
		assert_int_equal(next_id, total == 0 ? 0 : total == 10 ? 10 : 20);
		total += a.length;
		dlt_array__release(&a);
	}
	assert_int_equal(total, 33);
	/* end of stream stays at end */
	assert_int_equal(st.get_next(&st, &a), 0);
	assert_null(a.release);
	dlt_schema__release(&got);
	dlt_arrow_stream_release(&st);
	assert_null(st.release);
	dlt_arrow_stream_release(&st); /* NULL-safe, no double release */
	dlt_arrow_stream_release(NULL);
}

static void test_stream_release_before_consuming(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray batches[2], a;
	struct ArrowArrayStream st;
	(void)state;
	make_schema(&s);
	make_batch(&s, &batches[0], 0, 5);
	make_batch(&s, &batches[1], 5, 5);
	assert_int_equal(dlt_stream__from_batches(&st, &s, batches, 2, NULL), DLT_OK);
	assert_int_equal(st.get_next(&st, &a), 0);
	st.release(&st); /* one batch not consumed: freed with the stream */
	assert_null(st.release);
	dlt_array__release(&a); /* the consumed batch outlives the stream */
}

typedef struct counter { int calls; int fail_at; struct ArrowSchema *s; } counter;

static int counter_next(void *state, struct ArrowArray *out, dlt_error *err)
{
	counter *c = state;
	if (c->calls == c->fail_at)
		return dlt_error_set(err, DLT_ECORRUPT, "file part-%d.parquet: bad page", c->calls);
	if (c->calls >= 3)
		return DLT_OK;
	make_batch(c->s, out, c->calls * 4, 4);
	c->calls++;
	return DLT_OK;
}

static int freed;
static void counter_free(void *state)
{
	dlt_free(state);
	freed++;
}

static void test_stream_callback_errors(void **state)
{
	struct ArrowSchema s, keep;
	struct ArrowArray a;
	struct ArrowArrayStream st;
	dlt_error err;
	counter *c;
	(void)state;
	make_schema(&s);
	make_schema(&keep);
	c = dlt_calloc(1, sizeof(*c));
	c->fail_at = 2;
	c->s = &keep;
	freed = 0;
	assert_int_equal(dlt_stream__new(&st, &s, counter_next, counter_free, c, &err), DLT_OK);
	assert_int_equal(dlt_stream__next(&st, &a, &err), DLT_OK);
	dlt_array__release(&a);
	assert_int_equal(st.get_next(&st, &a), 0);
	dlt_array__release(&a);
	assert_int_equal(st.get_next(&st, &a), dlt_code_to_errno(DLT_ECORRUPT));
	assert_null(a.release);
	assert_string_equal(st.get_last_error(&st), "file part-2.parquet: bad page");
	assert_int_equal(dlt_stream__next(&st, &a, &err), DLT_ECORRUPT); /* exact code kept */
	assert_non_null(strstr(err.message, "bad page"));
	st.release(&st);
	assert_int_equal(freed, 1);
	/* consumed on failure too */
	make_schema(&s);
	c = dlt_calloc(1, sizeof(*c));
	assert_int_equal(dlt_stream__new(&st, &s, NULL, counter_free, c, &err), DLT_EINVAL);
	assert_null(s.release);
	assert_int_equal(freed, 2);
	dlt_schema__release(&keep);
}

/* Read-ahead: a producer of `n` batches of 4 rows, failing at batch fail_at. */
typedef struct seq { int calls, n, fail_at; struct ArrowSchema s; } seq;

static int seq_next(void *state, struct ArrowArray *out, dlt_error *err)
{
	seq *q = state;
	if (q->calls == q->fail_at)
		return dlt_error_set(err, DLT_ECORRUPT, "checkpoint part-%d.parquet: bad page",
		                     q->calls);
	if (q->calls >= q->n)
		return DLT_OK;
	make_batch(&q->s, out, q->calls * 4, 4);
	q->calls++;
	return DLT_OK;
}

static void seq_free(void *state)
{
	seq *q = state;
	dlt_schema__release(&q->s);
	dlt_free(q);
	freed++;
}

static void open_seq(struct ArrowArrayStream *out, int n, int fail_at, size_t depth)
{
	struct ArrowSchema s;
	struct ArrowArrayStream in;
	seq *q = dlt_calloc(1, sizeof(*q));
	assert_non_null(q);
	q->n = n;
	q->fail_at = fail_at;
	make_schema(&q->s);
	make_schema(&s);
	assert_int_equal(dlt_stream__new(&in, &s, seq_next, seq_free, q, NULL), DLT_OK);
	assert_int_equal(dlt_stream__read_ahead(out, &in, depth, NULL), DLT_OK);
	assert_null(in.release); /* moved */
}

static void test_read_ahead_order(void **state)
{
	static const size_t depths[] = { 1, 3, 64 };
	(void)state;
	for (size_t d = 0; d < sizeof(depths) / sizeof(depths[0]); d++) {
		struct ArrowArrayStream st;
		struct ArrowSchema sch;
		struct ArrowArray a;
		dlt_error err;
		int64_t next_id = 0;
		freed = 0;
		open_seq(&st, 50, -1, depths[d]);
		assert_int_equal(dlt_stream__schema(&st, &sch, &err), DLT_OK);
		assert_int_equal(sch.n_children, 2);
		dlt_schema__release(&sch);
		for (;;) {
			assert_int_equal(dlt_stream__next(&st, &a, &err), DLT_OK);
			if (!a.release)
				break;
			assert_int_equal(a.length, 4);
			for (int64_t i = 0; i < a.length; i++)
				assert_int_equal(id_at(a.children[0], i), next_id++);
			dlt_array__release(&a);
		}
		assert_int_equal(next_id, 200);
		/* the end stays the end */
		assert_int_equal(dlt_stream__next(&st, &a, &err), DLT_OK);
		assert_null(a.release);
		st.release(&st);
		assert_int_equal(freed, 1);
	}
}

static void test_read_ahead_error_after_batches(void **state)
{
	struct ArrowArrayStream st;
	struct ArrowArray a;
	dlt_error err;
	(void)state;
	freed = 0;
	open_seq(&st, 50, 5, 2);
	for (int b = 0; b < 5; b++) { /* the batches before the failure come first */
		assert_int_equal(dlt_stream__next(&st, &a, &err), DLT_OK);
		assert_non_null(a.release);
		assert_int_equal(id_at(a.children[0], 0), b * 4);
		dlt_array__release(&a);
	}
	assert_int_equal(dlt_stream__next(&st, &a, &err), DLT_ECORRUPT);
	assert_null(a.release);
	assert_string_equal(err.message, "checkpoint part-5.parquet: bad page");
	assert_int_equal(dlt_stream__next(&st, &a, &err), DLT_ECORRUPT); /* and stays failed */
	st.release(&st);
	assert_int_equal(freed, 1);
}

static void test_read_ahead_release_early(void **state)
{
	(void)state;
	for (int consumed = 0; consumed < 3; consumed++) {
		struct ArrowArrayStream st;
		struct ArrowArray a;
		freed = 0;
		open_seq(&st, 1000, -1, 8);
		for (int b = 0; b < consumed; b++) {
			assert_int_equal(dlt_stream__next(&st, &a, NULL), DLT_OK);
			dlt_array__release(&a);
		}
		st.release(&st); /* the producer is stopped and joined; queued batches freed */
		assert_int_equal(freed, 1);
	}
}

static void test_stream_shared_slices(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray batch, v1, v2, col, moved;
	dlt_shared_array *sh;
	dlt_error err;
	(void)state;
	make_schema(&s);
	make_batch(&s, &batch, 100, 50);
	assert_int_equal(dlt_array__share(&sh, &batch, &err), DLT_OK);
	assert_null(batch.release);
	assert_int_equal(dlt_shared__export(&v1, sh, 10, 20, &err), DLT_OK);
	assert_int_equal(dlt_shared__export(&v2, sh, 0, 50, &err), DLT_OK);
	assert_int_equal(dlt_shared__export_child(&col, sh, 1, 40, 10, &err), DLT_OK);
	assert_int_equal(dlt_shared__export(&moved, sh, 40, 11, &err), DLT_EINVAL);
	assert_int_equal(dlt_shared__export(&moved, sh, -1, 1, &err), DLT_EINVAL);
	assert_int_equal(dlt_shared__export_child(&moved, sh, 2, 0, 1, &err), DLT_EINVAL);
	dlt_shared__release(sh); /* views keep the data alive */
	assert_int_equal(dlt_arrow__validate(&s, &v1, &err), DLT_OK);
	assert_int_equal(v1.length, 20);
	assert_int_equal(id_at(v1.children[0], v1.offset + 0), 110);
	assert_int_equal(v2.null_count, 0);
	assert_int_equal(dlt_arrow__validate(s.children[1], &col, &err), DLT_OK);
	assert_int_equal(col.length, 10);
	assert_true(dlt_arrow__is_null(&col, 0)); /* id 140: 140 % 3 == 2 */
	assert_false(dlt_arrow__is_null(&col, 1));
	assert_int_equal(col.null_count, -1);
	/* move a child out of a view and release it after the view */
	dlt_array__move(&moved, v1.children[1]);
	v1.release(&v1);
	assert_int_equal(dlt_arrow__validate(s.children[1], &moved, &err), DLT_OK);
	moved.release(&moved);
	v2.release(&v2);
	col.release(&col);
	dlt_schema__release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stream_from_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_release_before_consuming, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_callback_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_shared_slices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_ahead_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_ahead_error_after_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_ahead_release_early, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
