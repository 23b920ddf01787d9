/* Row-group skipping in scans: a table whose one data file has four row
 * groups of 100 rows (written here with the Parquet writer, the log by hand),
 * with an inline deletion vector across row groups, so skipped row groups
 * must not shift the row indexes the DV is applied to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <roaring/roaring.h>

#include "helpers.h"
#include "arrow/arrow.h"
#include "deltalite/parquet_write.h"
#include "table/table.h"

#define N_ROWS 400
#define RG_ROWS 100

static char root[4096];

static void z85_encode(char *out, const uint8_t *in, size_t n)
{
	static const char a[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                        ".-:+=^!/*?&<>()[]{}@%$#";
	size_t i, o = 0;
	int k;
	for (i = 0; i < n; i += 4) {
		uint32_t v = (uint32_t)in[i] << 24 | (uint32_t)in[i + 1] << 16 |
		             (uint32_t)in[i + 2] << 8 | in[i + 3];
		for (k = 4; k >= 0; k--) {
			out[o + (size_t)k] = a[v % 85];
			v /= 85;
		}
		o += 5;
	}
	out[o] = 0;
}

/* Inline DV text of `rows`; returns sizeInBytes. */
static size_t inline_dv(char *z, const uint32_t *rows, size_t n)
{
	uint8_t buf[512];
	roaring_bitmap_t *bm = roaring_bitmap_create();
	size_t i, sz, padded;
	uint32_t magic = 1681511377u, key = 0;
	uint64_t nb = 1;
	for (i = 0; i < n; i++)
		roaring_bitmap_add(bm, rows[i]);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &magic, 4);
	memcpy(buf + 4, &nb, 8);
	memcpy(buf + 12, &key, 4);
	sz = 16 + roaring_bitmap_portable_serialize(bm, (char *)buf + 16);
	roaring_bitmap_free(bm);
	padded = (sz + 3) / 4 * 4;
	z85_encode(z, buf, padded);
	return sz;
}

static int setup(void **state)
{
	struct ArrowSchema sch;
	struct ArrowArray batch;
	dlt_builder *b = NULL;
	dlt_parquet_write_options po = DLT_PARQUET_WRITE_OPTIONS_INIT;
	dlt_parquet_writer *w = NULL;
	dlt_output *o = NULL;
	dlt_error err;
	char path[9000], dv[256];
	const uint32_t deleted[] = { 5, 260, 399 };
	size_t dv_size;
	uint64_t fsize;
	FILE *f;
	int i;
	(void)state;

	snprintf(root, sizeof(root), "%s/rowgroups-%ld", DLT_TEST_TMPDIR, (long)getpid());
	snprintf(path, sizeof(path), "rm -rf '%s' && mkdir -p '%s/_delta_log'", root, root);
	assert_int_equal(system(path), 0);

	assert_int_equal(dlt_schema__init(&sch, "+s", "", 0, 2, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(sch.children[0], "l", "id", true, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(sch.children[1], "u", "s", true, &err), DLT_OK);
	assert_int_equal(dlt_builder__new(&b, &sch, &err), DLT_OK);
	for (i = 0; i < N_ROWS; i++) {
		char s[16];
		snprintf(s, sizeof(s), "v%03d", i);
		assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 0), i, &err), DLT_OK);
		assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 1), s, 4, &err),
		                 DLT_OK);
		assert_int_equal(dlt_builder__append_valid(b, &err), DLT_OK);
	}
	assert_int_equal(dlt_builder__finish(&batch, b, &err), DLT_OK);
	dlt_builder__free(b);

	po.row_group_rows = RG_ROWS;
	snprintf(path, sizeof(path), "%s/part-00000.parquet", root);
	assert_int_equal(dlt_output_open_file(&o, path, &err), DLT_OK);
	assert_int_equal(dlt_parquet_writer_open(&w, o, &sch, &po, &err), DLT_OK);
	assert_int_equal(dlt_parquet_writer_write(w, &batch, &err), DLT_OK);
	assert_int_equal(dlt_parquet_writer_close(w, NULL, &err), DLT_OK);
	dlt_parquet_writer_free(w);
	fsize = dlt_output_position(o);
	dlt_output_free(o);
	dlt_array__release(&batch);
	dlt_schema__release(&sch);

	dv_size = inline_dv(dv, deleted, 3);
	snprintf(path, sizeof(path), "%s/_delta_log/00000000000000000000.json", root);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
	        "{\"protocol\":{\"minReaderVersion\":3,\"minWriterVersion\":7,"
	        "\"readerFeatures\":[\"deletionVectors\"],\"writerFeatures\":"
	        "[\"deletionVectors\"]}}\n"
	        "{\"metaData\":{\"id\":\"rg\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"
	        "\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":["
	        "{\\\"name\\\":\\\"id\\\",\\\"type\\\":\\\"long\\\",\\\"nullable\\\":true,"
	        "\\\"metadata\\\":{}},{\\\"name\\\":\\\"s\\\",\\\"type\\\":\\\"string\\\","
	        "\\\"nullable\\\":true,\\\"metadata\\\":{}}]}\",\"partitionColumns\":[],"
	        "\"configuration\":{},\"createdTime\":0}}\n"
	        "{\"add\":{\"path\":\"part-00000.parquet\",\"partitionValues\":{},\"size\":%llu,"
	        "\"modificationTime\":0,\"dataChange\":true,\"stats\":\"{\\\"numRecords\\\":%d,"
	        "\\\"minValues\\\":{\\\"id\\\":0,\\\"s\\\":\\\"v000\\\"},\\\"maxValues\\\":"
	        "{\\\"id\\\":%d,\\\"s\\\":\\\"v399\\\"},\\\"nullCount\\\":{\\\"id\\\":0,"
	        "\\\"s\\\":0}}\",\"deletionVector\":{\"storageType\":\"i\","
	        "\"pathOrInlineDv\":\"%s\",\"sizeInBytes\":%zu,\"cardinality\":3}}}\n",
	        (unsigned long long)fsize, N_ROWS, N_ROWS - 1, dv, dv_size);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	char cmd[4200 + 16];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void scan(th_lines *rows, dlt_scan_metrics *m, const char *pred, int exact)
{
	dlt_table *t = NULL;
	dlt_snapshot *snap = NULL;
	dlt_scan *sc = NULL;
	dlt_scan_options o = DLT_SCAN_OPTIONS_INIT;
	struct ArrowArrayStream s;
	dlt_error err;
	char ebuf[1024];
	o.predicate_sql = pred;
	o.exact_filter = exact;
	memset(rows, 0, sizeof(*rows));
	assert_int_equal(dlt_table_open(&t, root, NULL, &err), DLT_OK);
	assert_int_equal(dlt_table_snapshot(&snap, t, -1, &err), DLT_OK);
	assert_int_equal(dlt_scan_new(&sc, snap, &o, &err), DLT_OK);
	assert_int_equal(dlt_scan_stream(&s, sc, &err), DLT_OK);
	if (th_render_stream(rows, &s, ebuf, sizeof(ebuf)) != 0)
		fail_msg("%s: %s", pred ? pred : "(none)", ebuf);
	s.release(&s);
	dlt_scan_get_metrics(m, sc);
	dlt_scan_free(sc);
	dlt_snapshot_free(snap);
	dlt_table_free(t);
}

static int has_id(const th_lines *l, int id)
{
	char want[64];
	size_t i;
	snprintf(want, sizeof(want), "{\"id\":%d,", id);
	for (i = 0; i < l->n; i++)
		if (strncmp(l->v[i], want, strlen(want)) == 0)
			return 1;
	return 0;
}

static void test_row_groups_skipped(void **state)
{
	static const struct {
		const char *pred;
		int64_t rg_read, rg_skipped;
		size_t exact_rows; /* with exact_filter */
		int64_t deleted;   /* DV rows in the row groups read */
	} cases[] = {
		{ NULL, 4, 0, N_ROWS - 3, 3 },
		{ "id >= 250", 2, 2, 150 - 2, 2 },
		{ "id < 100 OR id >= 350", 2, 2, 150 - 2, 2 },
		{ "NOT (id < 300)", 1, 3, 100 - 1, 1 },
		{ "s >= 'v100' AND s < 'v200'", 1, 3, 100, 0 },
		{ "id BETWEEN 150 AND 160 AND s = 'v155'", 1, 3, 1, 0 },
		{ "id > 1000", 0, 0, 0, 0 }, /* the file is skipped by its stats */
	};
	size_t c;
	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		int exact;
		for (exact = 0; exact <= 1; exact++) {
			th_lines rows;
			dlt_scan_metrics m;
			scan(&rows, &m, cases[c].pred, exact);
			if (m.row_groups_read != cases[c].rg_read ||
			    m.row_groups_skipped != cases[c].rg_skipped)
				fail_msg("%s: %lld row groups read, %lld skipped; expected %lld, %lld",
				         cases[c].pred ? cases[c].pred : "(none)",
				         (long long)m.row_groups_read, (long long)m.row_groups_skipped,
				         (long long)cases[c].rg_read, (long long)cases[c].rg_skipped);
			assert_int_equal(m.rows_deleted, cases[c].deleted);
			assert_int_equal(m.rows_read, cases[c].rg_read * RG_ROWS);
			if (exact)
				assert_int_equal(rows.n, cases[c].exact_rows);
			else
				assert_int_equal(rows.n, (size_t)(cases[c].rg_read * RG_ROWS -
				                                  cases[c].deleted));
			/* the DV hits exactly rows 5, 260, 399, whatever was skipped */
			assert_false(has_id(&rows, 5) || has_id(&rows, 260) || has_id(&rows, 399));
			if (cases[c].rg_read > 0 && cases[c].pred != NULL && c == 1) {
				assert_true(has_id(&rows, 250));
				assert_true(has_id(&rows, 261));
				assert_true(has_id(&rows, 398));
			}
			th_lines_free(&rows);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_row_groups_skipped),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
