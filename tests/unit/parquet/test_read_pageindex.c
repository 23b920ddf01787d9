/* Parquet reader: page skipping through the page index (ColumnIndex +
 * OffsetIndex) with a page predicate, on a sorted file written by our writer:
 * the rows returned, pages read and skipped, whole row groups skipped,
 * projection, and a version-1 options struct ignoring the page filter. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arrow/arrow.h"
#include "deltalite/parquet_write.h"
#include "helpers_pq.h"

#define N_ROWS 10000
#define RG_ROWS 5000
#define PAGE_ROWS 500

static void noop_schema_release(struct ArrowSchema *s) { s->release = NULL; }

static void make_schema(struct ArrowSchema *root, struct ArrowSchema *kids,
                        struct ArrowSchema **kidp)
{
	memset(root, 0, sizeof(*root));
	memset(kids, 0, 2 * sizeof(*kids));
	kids[0].format = "l";
	kids[0].name = "k";
	kids[0].release = noop_schema_release;
	kids[1].format = "u";
	kids[1].name = "s";
	kids[1].flags = ARROW_FLAG_NULLABLE;
	kids[1].release = noop_schema_release;
	kidp[0] = &kids[0];
	kidp[1] = &kids[1];
	root->format = "+s";
	root->name = "";
	root->n_children = 2;
	root->children = kidp;
	root->release = noop_schema_release;
}

static void make_batch(struct ArrowArray *out)
{
	int64_t *k = dlt_malloc(N_ROWS * sizeof(int64_t));
	int32_t *off = dlt_malloc((N_ROWS + 1) * sizeof(int32_t));
	char *data = dlt_malloc(N_ROWS * 8);
	int32_t pos = 0;
	int i;
	assert_non_null(k);
	assert_non_null(off);
	assert_non_null(data);
	for (i = 0; i < N_ROWS; i++) {
		k[i] = i;
		off[i] = pos;
		pos += snprintf(data + pos, 8, "v%05d", i);
	}
	off[N_ROWS] = pos;
	assert_int_equal(dlt_array__init(out, 1, 2, NULL), 0);
	assert_int_equal(dlt_array__init(out->children[0], 2, 0, NULL), 0);
	assert_int_equal(dlt_array__init(out->children[1], 3, 0, NULL), 0);
	dlt_array__set_buffer(out->children[0], 1, k);
	dlt_array__set_buffer(out->children[1], 1, off);
	dlt_array__set_buffer(out->children[1], 2, data);
	out->length = out->children[0]->length = out->children[1]->length = N_ROWS;
}

static void write_sorted(const char *path)
{
	struct ArrowSchema root, kids[2], *kidp[2];
	struct ArrowArray batch;
	dlt_parquet_write_options o;
	dlt_output *out = NULL;
	dlt_parquet_writer *w = NULL;
	dlt_error err;

	make_schema(&root, kids, kidp);
	make_batch(&batch);
	assert_int_equal(dlt_parquet_write_options_init(&o, DLT_PARQUET_WRITE_OPTIONS_VERSION), 0);
	o.row_group_rows = RG_ROWS;
	o.page_rows = PAGE_ROWS;
	o.page_index = 1;
	assert_int_equal(dlt_output_open_file(&out, path, &err), DLT_OK);
	if (dlt_parquet_writer_open(&w, out, &root, &o, &err) != DLT_OK)
		fail_msg("open: %s", err.message);
	if (dlt_parquet_writer_write(w, &batch, &err) != DLT_OK)
		fail_msg("write: %s", err.message);
	if (dlt_parquet_writer_close(w, NULL, &err) != DLT_OK)
		fail_msg("close: %s", err.message);
	dlt_parquet_writer_free(w);
	dlt_output_free(out);
	batch.release(&batch);
}

typedef struct range_pred {
	int64_t lo, hi;
	int calls;
	int with_page_stats; /* calls where k had page statistics narrower than the row group */
} range_pred;

/* keep ranges whose k may lie in [lo, hi] */
static int k_between(int64_t rg, int64_t first_row, int64_t num_rows,
                     const dlt_parquet_column_stats *cols, size_t n_cols, void *payload)
{
	range_pred *p = payload;
	(void)rg;
	(void)first_row;
	assert_int_equal(n_cols, 2);
	assert_string_equal(cols[0].path, "k");
	assert_true(num_rows > 0);
	p->calls++;
	if (!cols[0].min.present || !cols[0].max.present)
		return 1;
	if (cols[0].max.i64 - cols[0].min.i64 < RG_ROWS - 1)
		p->with_page_stats++;
	return cols[0].max.i64 >= p->lo && cols[0].min.i64 <= p->hi;
}

static int rg_all(int64_t rg, int64_t num_rows, const dlt_parquet_column_stats *cols,
                  size_t n_cols, void *payload)
{
	(void)rg;
	(void)num_rows;
	(void)cols;
	(void)n_cols;
	(void)payload;
	return 1;
}

/* Read with the page filter; check the rows are exactly k in [first, first+n). */
static void read_check(const char *path, const char *const *cols, size_t n_cols,
                       int version, range_pred *pred, int64_t first, int64_t n,
                       dlt_parquet_counters *cnt)
{
	dlt_parquet_read_options o = DLT_PARQUET_READ_OPTIONS_INIT;
	dlt_parquet_file *f = NULL;
	struct ArrowArrayStream st;
	dlt_error err;
	int64_t rows = 0;

	o.version = (unsigned)version;
	o.columns = cols;
	o.n_columns = n_cols;
	o.row_group_filter = rg_all;
	o.page_filter = k_between;
	o.page_filter_payload = pred;
	o.batch_size = 300;
	assert_int_equal(dlt_parquet_open_path(&f, path, NULL, &err), 0);
	assert_int_equal(dlt_parquet_read(&st, f, &o, &err), 0);
	for (;;) {
		struct ArrowArray b;
		int64_t i;
		if (st.get_next(&st, &b) != 0)
			fail_msg("get_next: %s", st.get_last_error(&st));
		if (b.release == NULL)
			break;
		for (i = 0; i < b.length; i++) {
			int64_t want = first + rows + i;
			char sv[16];
			const struct ArrowArray *sa = b.children[n_cols == 1 ? 0 : 1];
			const int32_t *off = sa->buffers[1];
			const char *data = sa->buffers[2];
			int64_t j = b.offset + sa->offset + i; /* a struct's offset applies to its children */
			if (n_cols != 1) {
				const int64_t *k = b.children[0]->buffers[1];
				assert_int_equal(k[b.offset + b.children[0]->offset + i], want);
			}
			snprintf(sv, sizeof(sv), "v%05d", (int)want);
			assert_int_equal(off[j + 1] - off[j], (int32_t)strlen(sv));
			assert_memory_equal(data + off[j], sv, strlen(sv));
		}
		rows += b.length;
		b.release(&b);
	}
	st.release(&st);
	assert_int_equal(rows, n);
	dlt_parquet_file_counters(cnt, f);
	dlt_parquet_file_free(f);
}

static void test_page_skipping(void **state)
{
	char path[512];
	const char *both[] = { "k", "s" };
	const char *only_s[] = { "s" };
	range_pred p;
	dlt_parquet_counters cnt;
	(void)state;

	mkdir(DLT_TEST_TMPDIR, 0755);
	snprintf(path, sizeof(path), "%s/pqperf_sorted_pageindex.parquet", DLT_TEST_TMPDIR);
	write_sorted(path);

	/* k in [1234, 1300]: only page 2 of row group 0 ([1000, 1500)) */
	memset(&p, 0, sizeof(p));
	p.lo = 1234;
	p.hi = 1300;
	read_check(path, both, 2, DLT_PARQUET_READ_OPTIONS_VERSION, &p, 1000, PAGE_ROWS, &cnt);
	assert_true(p.with_page_stats > 0);
	assert_int_equal(p.calls, 2 * (RG_ROWS / PAGE_ROWS));
	assert_int_equal(cnt.row_groups_read, 1);
	assert_int_equal(cnt.row_groups_skipped, 1);
	/* row group 0: 9 of 10 pages skipped per column; row group 1: all 10 */
	assert_int_equal(cnt.pages_skipped, 2 * 9 + 2 * 10);
	assert_true(cnt.pages_read >= 2 && cnt.pages_read <= 4); /* + dictionary pages */

	/* a range straddling a page boundary: two pages */
	memset(&p, 0, sizeof(p));
	p.lo = 1499;
	p.hi = 1500;
	read_check(path, both, 2, DLT_PARQUET_READ_OPTIONS_VERSION, &p, 1000, 2 * PAGE_ROWS, &cnt);
	assert_int_equal(cnt.pages_skipped, 2 * 8 + 2 * 10);

	/* projection: the predicate sees k's page statistics, only s is read */
	memset(&p, 0, sizeof(p));
	p.lo = 7777;
	p.hi = 7777;
	read_check(path, only_s, 1, DLT_PARQUET_READ_OPTIONS_VERSION, &p, 7500, PAGE_ROWS, &cnt);
	assert_int_equal(cnt.row_groups_skipped, 1);
	assert_int_equal(cnt.pages_skipped, 9 + 10);
	assert_true(cnt.pages_read >= 1 && cnt.pages_read <= 2);

	/* nothing matches: every row group skipped */
	memset(&p, 0, sizeof(p));
	p.lo = 20000;
	p.hi = 30000;
	read_check(path, both, 2, DLT_PARQUET_READ_OPTIONS_VERSION, &p, 0, 0, &cnt);
	assert_int_equal(cnt.row_groups_skipped, 2);
	assert_int_equal(cnt.pages_read, 0);

	/* a version-1 options struct has no page filter: everything is read */
	memset(&p, 0, sizeof(p));
	p.lo = 1234;
	p.hi = 1300;
	read_check(path, both, 2, 1, &p, 0, N_ROWS, &cnt);
	assert_int_equal(p.calls, 0);
	assert_int_equal(cnt.pages_skipped, 0);
	remove(path);
}

/* Batches kept alive across row groups keep their values: buffers are reused only
 * after a whole row group has been released. */
static void test_hold_batches(void **state)
{
	char path[512];
	dlt_parquet_read_options o = DLT_PARQUET_READ_OPTIONS_INIT;
	dlt_parquet_file *f = NULL;
	struct ArrowArrayStream st;
	struct ArrowArray held[64];
	dlt_error err;
	int n = 0, round, i;
	(void)state;
	mkdir(DLT_TEST_TMPDIR, 0755);
	snprintf(path, sizeof(path), "%s/pqperf_hold.parquet", DLT_TEST_TMPDIR);
	write_sorted(path);
	o.batch_size = 1000;
	assert_int_equal(dlt_parquet_open_path(&f, path, NULL, &err), 0);
	for (round = 0; round < 2; round++) { /* second round: the bin is warm */
		int64_t row = 0;
		n = 0;
		assert_int_equal(dlt_parquet_read(&st, f, &o, &err), 0);
		for (;;) {
			assert_true(n < 64);
			assert_int_equal(st.get_next(&st, &held[n]), 0);
			if (held[n].release == NULL)
				break;
			n++;
		}
		st.release(&st); /* batches outlive the stream */
		for (i = 0; i < n; i++) {
			const struct ArrowArray *b = &held[i];
			const int64_t *k = b->children[0]->buffers[1];
			int64_t j;
			for (j = 0; j < b->length; j++)
				assert_int_equal(k[b->offset + b->children[0]->offset + j], row + j);
			row += b->length;
			if (round == 1 || i % 2 == 0)
				held[i].release(&held[i]);
		}
		assert_int_equal(row, N_ROWS);
		for (i = 0; round == 0 && i < n; i++)
			if (i % 2 == 1)
				held[i].release(&held[i]);
	}
	dlt_parquet_file_free(f);
	remove(path);
}

static void test_options_init_v1(void **state)
{
	dlt_parquet_read_options o;
	(void)state;
	memset(&o, 0x5a, sizeof(o));
	assert_int_equal(dlt_parquet_read_options_init(&o, 1), 0);
	assert_int_equal(o.version, 1);
	assert_null(o.row_group_filter_payload);
	/* fields of later versions are not written for a version-1 struct */
	{
		unsigned char probe;
		memcpy(&probe, (const unsigned char *)&o + offsetof(dlt_parquet_read_options, page_filter),
		       1);
		assert_int_equal(probe, 0x5a);
	}
	assert_int_equal(dlt_parquet_read_options_init(&o, DLT_PARQUET_READ_OPTIONS_VERSION), 0);
	assert_null(o.page_filter);
	assert_null(o.page_filter_payload);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_skipping),
		cmocka_unit_test(test_hold_batches),
		cmocka_unit_test(test_options_init_v1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
