/* Parquet reader public API: open errors, schema mapping, projection by path
 * and field id, row-group selection and statistics predicate, counters,
 * schema text and metadata JSON. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers_pq.h"

#define PQ DLT_CONFORMANCE_DIR "/parquet/data/"

static void test_read_open_errors(void **state)
{
	dlt_parquet_file *f = NULL;
	dlt_input *in = NULL;
	dlt_error err;
	static const uint8_t junk[] = "PAR1 this is not a parquet file at all PAR1";
	static const uint8_t small[] = "PAR1PAR1";
	(void)state;
	assert_int_equal(dlt_input_from_memory(&in, junk, sizeof(junk) - 1, "junk", &err), 0);
	assert_int_equal(dlt_parquet_open(&f, in, NULL, &err), DLT_ECORRUPT);
	assert_null(f);
	assert_string_equal(err.path, "junk");
	assert_int_equal(dlt_input_from_memory(&in, small, 8, "small", &err), 0);
	assert_int_equal(dlt_parquet_open(&f, in, NULL, &err), DLT_ECORRUPT);
	assert_int_equal(dlt_parquet_open_path(&f, PQ "uniform_encryption.parquet.encrypted", NULL,
	                                       &err),
	                 DLT_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "encrypted parquet is not supported"));
	assert_int_equal(dlt_parquet_open_path(&f, PQ "does-not-exist.parquet", NULL, &err),
	                 DLT_ENOTFOUND);
	assert_int_equal(dlt_parquet_open(NULL, NULL, NULL, &err), DLT_EINVAL);
}

static void test_read_schema_mapping(void **state)
{
	dlt_parquet_file *f = NULL;
	struct ArrowSchema s;
	dlt_error err;
	const char *fmts[] = {"i", "b", "i", "i", "i", "l", "f", "g", "z", "z", "tsu:"};
	int i;
	(void)state;
	assert_int_equal(dlt_parquet_open_path(&f, PQ "alltypes_plain.parquet", NULL, &err), 0);
	assert_int_equal(dlt_parquet_file_num_rows(f), 8);
	assert_int_equal(dlt_parquet_file_num_row_groups(f), 1);
	assert_int_equal(dlt_parquet_file_row_group_rows(f, 0), 8);
	assert_int_equal(dlt_parquet_file_row_group_rows(f, 1), -1);
	assert_int_equal(dlt_parquet_file_schema(&s, f, &err), 0);
	assert_string_equal(s.format, "+s");
	assert_int_equal(s.n_children, 11);
	for (i = 0; i < 11; i++)
		assert_string_equal(s.children[i]->format, fmts[i]);
	assert_string_equal(s.children[0]->name, "id");
	assert_true(s.children[0]->flags & ARROW_FLAG_NULLABLE);
	s.release(&s);
	dlt_parquet_file_free(f);

	/* nested: list, map, struct */
	assert_int_equal(dlt_parquet_open_path(&f, PQ "nullable.impala.parquet", NULL, &err), 0);
	assert_int_equal(dlt_parquet_file_schema(&s, f, &err), 0);
	assert_string_equal(s.children[1]->format, "+l");
	assert_string_equal(s.children[2]->format, "+l");
	assert_string_equal(s.children[2]->children[0]->format, "+l");
	assert_string_equal(s.children[3]->format, "+m");
	assert_string_equal(s.children[3]->children[0]->format, "+s");
	assert_string_equal(s.children[3]->children[0]->children[0]->format, "u");
	assert_string_equal(s.children[5]->format, "+s");
	s.release(&s);
	dlt_parquet_file_free(f);

	/* field ids become PARQUET:field_id metadata; decimals on BYTE_ARRAY */
	assert_int_equal(dlt_parquet_open_path(&f, PQ "byte_array_decimal.parquet", NULL, &err), 0);
	assert_int_equal(dlt_parquet_file_schema(&s, f, &err), 0);
	assert_string_equal(s.children[0]->format, "d:4,2");
	assert_non_null(s.children[0]->metadata);
	{
		/* metadata: int32 n, then int32 klen, key, int32 vlen, value */
		const char *m = s.children[0]->metadata;
		int32_t n, kl, vl;
		memcpy(&n, m, 4);
		memcpy(&kl, m + 4, 4);
		assert_int_equal(n, 1);
		assert_memory_equal(m + 8, "PARQUET:field_id", (size_t)kl);
		memcpy(&vl, m + 8 + kl, 4);
		assert_memory_equal(m + 12 + kl, "6", (size_t)vl);
	}
	s.release(&s);
	dlt_parquet_file_free(f);
}

static void test_read_projection(void **state)
{
	dlt_parquet_read_options o = DLT_PARQUET_READ_OPTIONS_INIT;
	const char *cols[] = {"string_col", "id"};
	const char *nested[] = {"nested_struct.C"};
	const char *missing[] = {"nope"};
	int32_t ids[] = {6};
	pqt_result r;
	dlt_error err;
	dlt_parquet_file *f = NULL;
	struct ArrowArrayStream st;
	(void)state;
	o.columns = cols;
	o.n_columns = 2;
	assert_int_equal(pqt_read_file(&r, PQ "alltypes_plain.parquet", &o, &err), 0);
	assert_int_equal(r.n_cols, 2); /* file order, not request order */
	assert_string_equal(r.cols[0].name, "id");
	assert_string_equal(r.cols[1].name, "string_col");
	assert_int_equal(strncmp(r.text, "{\"id\":4,\"string_col\":\"30\"}\n", 27), 0);
	pqt_result_free(&r);

	o.columns = nested;
	o.n_columns = 1;
	assert_int_equal(pqt_read_file(&r, PQ "nullable.impala.parquet", &o, &err), 0);
	assert_int_equal(r.n_cols, 1);
	assert_int_equal(strncmp(r.text,
	                         "{\"nested_struct\":{\"C\":{\"d\":[[{\"E\":10,\"F\":\"aaa\"},{\"E\":-10,"
	                         "\"F\":\"bbb\"}],[{\"E\":11,\"F\":\"c\"}]]}}}\n",
	                         80),
	                 0);
	pqt_result_free(&r);

	o.columns = missing;
	assert_int_equal(dlt_parquet_open_path(&f, PQ "alltypes_plain.parquet", NULL, &err), 0);
	assert_int_equal(dlt_parquet_read(&st, f, &o, &err), DLT_ENOTFOUND);
	assert_non_null(strstr(err.message, "nope"));
	dlt_parquet_file_free(f);

	o.columns = NULL;
	o.n_columns = 0;
	o.field_ids = ids;
	o.n_field_ids = 1;
	assert_int_equal(pqt_read_file(&r, PQ "byte_array_decimal.parquet", &o, &err), 0);
	assert_int_equal(r.n_cols, 1);
	assert_int_equal(strncmp(r.text, "{\"value\":\"1.00\"}\n", 17), 0);
	pqt_result_free(&r);
	ids[0] = 77;
	assert_int_not_equal(pqt_read_file(&r, PQ "byte_array_decimal.parquet", &o, &err), 0);
}

typedef struct pred_ctx {
	int calls;
	int64_t min_seen[8];
} pred_ctx;

/* keep row groups whose column 'a' may contain 1 (min <= 1 <= max) */
static int pred_a_has_1(int64_t rg, int64_t num_rows, const dlt_parquet_column_stats *cols,
                        size_t n_cols, void *payload)
{
	pred_ctx *p = payload;
	(void)num_rows;
	assert_true(n_cols == 2);
	assert_string_equal(cols[0].path, "a");
	p->calls++;
	if (!cols[0].min.present || !cols[0].max.present)
		return 1;
	p->min_seen[rg & 7] = cols[0].min.i64;
	return cols[0].min.i64 <= 1 && cols[0].max.i64 >= 1 && rg == 0;
}

static void test_read_row_groups(void **state)
{
	dlt_parquet_read_options o = DLT_PARQUET_READ_OPTIONS_INIT;
	int64_t rgs[] = {1};
	pqt_result r;
	dlt_error err;
	pred_ctx pc;
	dlt_parquet_file *f = NULL;
	struct ArrowArrayStream st;
	dlt_parquet_counters cnt;
	(void)state;
	/* sort_columns.parquet: 2 row groups of 3 rows */
	o.row_groups = rgs;
	o.n_row_groups = 1;
	assert_int_equal(pqt_read_file(&r, PQ "sort_columns.parquet", &o, &err), 0);
	assert_int_equal(r.n_rows, 3);
	assert_string_equal(r.text, "{\"a\":null,\"b\":\"a\"}\n{\"a\":2,\"b\":\"b\"}\n{\"a\":1,\"b\":\"c\"}\n");
	pqt_result_free(&r);
	rgs[0] = 2;
	assert_int_equal(pqt_read_file(&r, PQ "sort_columns.parquet", &o, &err), DLT_EINVAL);

	memset(&pc, 0, sizeof(pc));
	o.row_groups = NULL;
	o.n_row_groups = 0;
	o.row_group_filter = pred_a_has_1;
	o.row_group_filter_payload = &pc;
	assert_int_equal(dlt_parquet_open_path(&f, PQ "sort_columns.parquet", NULL, &err), 0);
	assert_int_equal(dlt_parquet_read(&st, f, &o, &err), 0);
	{
		struct ArrowArray b;
		int64_t rows = 0;
		for (;;) {
			assert_int_equal(st.get_next(&st, &b), 0);
			if (b.release == NULL)
				break;
			rows += b.length;
			b.release(&b);
		}
		assert_int_equal(rows, 3);
	}
	st.release(&st);
	assert_int_equal(pc.calls, 2);
	assert_int_equal(pc.min_seen[0], 1);
	dlt_parquet_file_counters(&cnt, f);
	assert_int_equal(cnt.row_groups_read, 1);
	assert_int_equal(cnt.row_groups_skipped, 1);
	assert_true(cnt.pages_read >= 2);
	dlt_parquet_file_free(f);
}

static void test_read_text_and_json(void **state)
{
	dlt_parquet_file *f = NULL;
	dlt_error err;
	char *text = NULL;
	json_t *j;
	json_error_t jerr;
	(void)state;
	assert_int_equal(dlt_parquet_open_path(&f, PQ "nested_maps.snappy.parquet", NULL, &err), 0);
	assert_int_equal(dlt_parquet_schema_text(&text, f, &err), 0);
	assert_non_null(strstr(text, "message spark_schema {\n"));
	assert_non_null(strstr(text, "  optional group a (MAP) {\n    repeated group key_value {\n"
	                             "      required binary key (UTF8);\n"));
	assert_non_null(strstr(text, "  required int32 b;\n"));
	dlt_free(text);
	assert_int_equal(dlt_parquet_meta_json(&text, f, &err), 0);
	j = json_loads(text, 0, &jerr);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "num_rows")), 6);
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(json_object_get(json_array_get(json_object_get(j, "row_groups"), 0),
	                                                       "columns"),
	                                       0),
	                        "codec")),
	                    "SNAPPY");
	json_decref(j);
	dlt_free(text);
	dlt_parquet_file_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_open_errors),
		cmocka_unit_test(test_read_schema_mapping),
		cmocka_unit_test(test_read_projection),
		cmocka_unit_test(test_read_row_groups),
		cmocka_unit_test(test_read_text_and_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
