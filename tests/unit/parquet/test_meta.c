/* Parquet metadata: round trips, footer checks, and the footers of the conformance corpus
 * compared with DuckDB's view of them (parquet/expected/<file>.json). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <jansson.h>

#include "parquet/meta.h"
#include "parquet/thrift.h"

/* ---------------- round trips ---------------- */

static void build_meta(dlt_pq_file_meta *m, dlt_pq_schema_element *schema,
                       dlt_pq_row_group *rg, dlt_pq_column_chunk *cc, dlt_pq_column_meta *cm)
{
	static int32_t encodings[] = { DLT_PQ_ENC_PLAIN, DLT_PQ_ENC_RLE_DICTIONARY, DLT_PQ_ENC_RLE };
	static const char *path[] = { "a", "b" };
	static dlt_pq_kv kv[] = { { "k1", "v1", 2, 2 }, { "k2", NULL, 2, 0 } };
	static int32_t orders[] = { 1, 1 };
	static dlt_pq_sorting_column sorting[] = { { 1, true, false } };
	static dlt_pq_page_encoding_stats es[] = { { DLT_PQ_PAGE_DATA, DLT_PQ_ENC_PLAIN, 3 } };

	memset(m, 0, sizeof(*m));
	memset(schema, 0, 3 * sizeof(*schema));
	memset(rg, 0, sizeof(*rg));
	memset(cc, 0, sizeof(*cc));
	memset(cm, 0, sizeof(*cm));
	schema[0].name = "schema";
	schema[0].has_num_children = true;
	schema[0].num_children = 2;
	schema[1].name = "ts";
	schema[1].has_type = true;
	schema[1].type = DLT_PQ_TYPE_INT64;
	schema[1].has_repetition = true;
	schema[1].repetition = DLT_PQ_OPTIONAL;
	schema[1].logical.kind = DLT_PQ_LT_TIMESTAMP;
	schema[1].logical.unit = DLT_PQ_UNIT_NANOS;
	schema[1].logical.is_adjusted_to_utc = true;
	schema[1].has_field_id = true;
	schema[1].field_id = 77;
	schema[2].name = "dec";
	schema[2].has_type = true;
	schema[2].type = DLT_PQ_TYPE_FIXED_LEN_BYTE_ARRAY;
	schema[2].has_type_length = true;
	schema[2].type_length = 16;
	schema[2].has_repetition = true;
	schema[2].repetition = DLT_PQ_REQUIRED;
	schema[2].has_converted_type = true;
	schema[2].converted_type = DLT_PQ_CT_DECIMAL;
	schema[2].has_scale = true;
	schema[2].scale = 4;
	schema[2].has_precision = true;
	schema[2].precision = 30;
	schema[2].logical.kind = DLT_PQ_LT_DECIMAL;
	schema[2].logical.scale = 4;
	schema[2].logical.precision = 30;

	cm->type = DLT_PQ_TYPE_INT64;
	cm->encodings = encodings;
	cm->num_encodings = 3;
	cm->path = path;
	cm->path_len = 2;
	cm->codec = DLT_PQ_CODEC_ZSTD;
	cm->num_values = 1000;
	cm->total_uncompressed_size = 8000;
	cm->total_compressed_size = 1234;
	cm->kv = kv;
	cm->num_kv = 2;
	cm->data_page_offset = 4;
	cm->has_dictionary_page_offset = true;
	cm->dictionary_page_offset = 4;
	cm->statistics.present = true;
	cm->statistics.has_null_count = true;
	cm->statistics.null_count = 5;
	cm->statistics.min_value.data = (const uint8_t *)"\x01\0\0\0\0\0\0\0";
	cm->statistics.min_value.len = 8;
	cm->statistics.max_value.data = (const uint8_t *)"\xff\0\0\0\0\0\0\0";
	cm->statistics.max_value.len = 8;
	cm->statistics.has_is_max_value_exact = true;
	cm->statistics.is_max_value_exact = true;
	cm->encoding_stats = es;
	cm->num_encoding_stats = 1;
	cm->has_bloom_filter_offset = true;
	cm->bloom_filter_offset = 99999;
	cm->has_bloom_filter_length = true;
	cm->bloom_filter_length = 4096;

	cc->file_offset = 4;
	cc->meta = cm;
	cc->has_offset_index = true;
	cc->offset_index_offset = 5000;
	cc->offset_index_length = 33;
	cc->has_column_index = true;
	cc->column_index_offset = 6000;
	cc->column_index_length = 44;

	rg->columns = cc;
	rg->num_columns = 1;
	rg->total_byte_size = 8000;
	rg->num_rows = 1000;
	rg->sorting_columns = sorting;
	rg->num_sorting_columns = 1;
	rg->has_file_offset = true;
	rg->file_offset = 4;
	rg->has_ordinal = true;
	rg->ordinal = 0;

	m->version = 2;
	m->schema = schema;
	m->num_schema = 3;
	m->num_rows = 1000;
	m->row_groups = rg;
	m->num_row_groups = 1;
	m->kv = kv;
	m->num_kv = 1;
	m->created_by = "deltalite test";
	m->column_orders = orders;
	m->num_column_orders = 2;
}

static void test_meta_file_meta_round_trip(void **state)
{
	dlt_pq_file_meta m, *d = NULL;
	dlt_pq_schema_element schema[3];
	dlt_pq_row_group rg;
	dlt_pq_column_chunk cc;
	dlt_pq_column_meta cm;
	dlt_buf b = DLT_BUF_INIT, b2 = DLT_BUF_INIT;
	dlt_error err;
	(void)state;

	build_meta(&m, schema, &rg, &cc, &cm);
	assert_int_equal(dlt_pq__file_meta_encode(&b, &m, &err), DLT_OK);
	assert_int_equal(dlt_pq__file_meta_decode(&d, b.data, b.len, &err), DLT_OK);
	assert_int_equal(d->version, 2);
	assert_int_equal(d->num_schema, 3);
	assert_string_equal(d->schema[1].name, "ts");
	assert_int_equal(d->schema[1].logical.kind, DLT_PQ_LT_TIMESTAMP);
	assert_int_equal(d->schema[1].logical.unit, DLT_PQ_UNIT_NANOS);
	assert_true(d->schema[1].logical.is_adjusted_to_utc);
	assert_int_equal(d->schema[1].field_id, 77);
	assert_false(d->schema[1].has_converted_type);
	assert_int_equal(d->schema[2].logical.kind, DLT_PQ_LT_DECIMAL);
	assert_int_equal(d->schema[2].logical.precision, 30);
	assert_int_equal(d->schema[2].type_length, 16);
	assert_false(d->schema[0].has_type);
	assert_int_equal(d->num_row_groups, 1);
	assert_int_equal(d->row_groups[0].num_columns, 1);
	{
		const dlt_pq_column_chunk *c = &d->row_groups[0].columns[0];
		const dlt_pq_column_meta *mm = c->meta;
		assert_non_null(mm);
		assert_int_equal(mm->codec, DLT_PQ_CODEC_ZSTD);
		assert_int_equal(mm->num_encodings, 3);
		assert_int_equal(mm->encodings[1], DLT_PQ_ENC_RLE_DICTIONARY);
		assert_string_equal(mm->path[1], "b");
		assert_int_equal(mm->num_kv, 2);
		assert_null(mm->kv[1].value);
		assert_true(mm->statistics.present);
		assert_int_equal(mm->statistics.null_count, 5);
		assert_null(mm->statistics.min.data);
		assert_int_equal(mm->statistics.max_value.len, 8);
		assert_int_equal(mm->statistics.max_value.data[0], 0xff);
		assert_true(mm->statistics.is_max_value_exact);
		assert_false(mm->statistics.has_is_min_value_exact);
		assert_int_equal(mm->num_encoding_stats, 1);
		assert_int_equal(mm->encoding_stats[0].count, 3);
		assert_int_equal(mm->bloom_filter_length, 4096);
		assert_true(c->has_offset_index);
		assert_int_equal(c->column_index_length, 44);
	}
	assert_true(d->row_groups[0].sorting_columns[0].descending);
	assert_string_equal(d->created_by, "deltalite test");
	assert_int_equal(d->num_column_orders, 2);
	assert_int_equal(d->column_orders[0], DLT_PQ_ORDER_TYPE_DEFINED);
	/* re-encoding the decoded tree gives the same bytes */
	assert_int_equal(dlt_pq__file_meta_encode(&b2, d, &err), DLT_OK);
	assert_int_equal(b.len, b2.len);
	assert_memory_equal(b.data, b2.data, b.len);
	dlt_pq__file_meta_free(d);

	/* every truncation fails cleanly */
	for (size_t n = 0; n < b.len; n++) {
		d = NULL;
		assert_int_equal(dlt_pq__file_meta_decode(&d, b.data, n, &err), DLT_ECORRUPT);
		assert_null(d);
	}
	dlt_buf_dispose(&b);
	dlt_buf_dispose(&b2);
}

static void test_meta_page_header_round_trip(void **state)
{
	dlt_pq_page_header h, d;
	dlt_buf b = DLT_BUF_INIT;
	dlt_error err;
	size_t used;
	bool trunc;
	(void)state;

	memset(&h, 0, sizeof(h));
	h.type = DLT_PQ_PAGE_DATA_V2;
	h.uncompressed_page_size = 1000;
	h.compressed_page_size = 600;
	h.has_crc = true;
	h.crc = -12345;
	h.has_data_v2 = true;
	h.data_v2.num_values = 100;
	h.data_v2.num_nulls = 10;
	h.data_v2.num_rows = 50;
	h.data_v2.encoding = DLT_PQ_ENC_DELTA_BINARY_PACKED;
	h.data_v2.definition_levels_byte_length = 7;
	h.data_v2.repetition_levels_byte_length = 9;
	h.data_v2.is_compressed = false;
	h.data_v2.statistics.present = true;
	h.data_v2.statistics.min_value.data = (const uint8_t *)"abc";
	h.data_v2.statistics.min_value.len = 3;
	assert_int_equal(dlt_pq__page_header_encode(&b, &h, &err), DLT_OK);
	assert_int_equal(dlt_buf_append(&b, "XYZ", 3, &err), DLT_OK); /* page bytes follow */
	assert_int_equal(dlt_pq__page_header_decode(&d, &used, b.data, b.len, &trunc, &err),
	                 DLT_OK);
	assert_int_equal(used, b.len - 3);
	assert_int_equal(d.type, DLT_PQ_PAGE_DATA_V2);
	assert_int_equal(d.crc, -12345);
	assert_true(d.has_data_v2);
	assert_false(d.has_data);
	assert_int_equal(d.data_v2.num_nulls, 10);
	assert_int_equal(d.data_v2.repetition_levels_byte_length, 9);
	assert_false(d.data_v2.is_compressed);
	assert_int_equal(d.data_v2.statistics.min_value.len, 3);
	/* borrowed: points into the input */
	assert_true(d.data_v2.statistics.min_value.data >= b.data &&
	            d.data_v2.statistics.min_value.data < b.data + b.len);
	for (size_t n = 0; n < used; n++) {
		assert_int_equal(dlt_pq__page_header_decode(&d, &used, b.data, n, &trunc, &err),
		                 DLT_ECORRUPT);
		assert_true(trunc);
		used = b.len - 3;
	}
	dlt_buf_clear(&b);

	/* dictionary page, v1 data page */
	memset(&h, 0, sizeof(h));
	h.type = DLT_PQ_PAGE_DICTIONARY;
	h.uncompressed_page_size = 10;
	h.compressed_page_size = 10;
	h.has_dictionary = true;
	h.dictionary.num_values = 3;
	h.dictionary.encoding = DLT_PQ_ENC_PLAIN;
	h.dictionary.has_is_sorted = true;
	h.dictionary.is_sorted = true;
	assert_int_equal(dlt_pq__page_header_encode(&b, &h, &err), DLT_OK);
	assert_int_equal(dlt_pq__page_header_decode(&d, &used, b.data, b.len, NULL, &err), DLT_OK);
	assert_true(d.has_dictionary && d.dictionary.is_sorted && d.dictionary.num_values == 3);
	assert_true(d.data_v2.is_compressed == false);
	dlt_buf_clear(&b);
	memset(&h, 0, sizeof(h));
	h.type = DLT_PQ_PAGE_DATA;
	h.uncompressed_page_size = 10;
	h.compressed_page_size = 10;
	h.has_data = true;
	h.data.num_values = 3;
	h.data.encoding = DLT_PQ_ENC_RLE_DICTIONARY;
	h.data.definition_level_encoding = DLT_PQ_ENC_RLE;
	h.data.repetition_level_encoding = DLT_PQ_ENC_BIT_PACKED;
	assert_int_equal(dlt_pq__page_header_encode(&b, &h, &err), DLT_OK);
	assert_int_equal(dlt_pq__page_header_decode(&d, &used, b.data, b.len, NULL, &err), DLT_OK);
	assert_true(d.has_data && d.data.repetition_level_encoding == DLT_PQ_ENC_BIT_PACKED);
	/* negative page size */
	dlt_buf_clear(&b);
	h.compressed_page_size = -1;
	assert_int_equal(dlt_pq__page_header_encode(&b, &h, &err), DLT_OK);
	assert_int_equal(dlt_pq__page_header_decode(&d, &used, b.data, b.len, NULL, &err),
	                 DLT_ECORRUPT);
	dlt_buf_dispose(&b);
}

static void test_meta_indexes_round_trip(void **state)
{
	bool nulls[3] = { false, true, false };
	dlt_pq_bytes mins[3] = { { (const uint8_t *)"a", 1 }, { (const uint8_t *)"", 0 },
		                 { (const uint8_t *)"c", 1 } };
	dlt_pq_bytes maxs[3] = { { (const uint8_t *)"b", 1 }, { (const uint8_t *)"", 0 },
		                 { (const uint8_t *)"zz", 2 } };
	int64_t ncount[3] = { 0, 10, 2 };
	dlt_pq_column_index ci, *dci = NULL;
	dlt_pq_page_location locs[2] = { { 4, 100, 0 }, { 104, 50, 1000 } };
	dlt_pq_offset_index oi, *doi = NULL;
	dlt_pq_bloom_filter_header bh = { 1024, 1, 1, 1 }, dbh;
	dlt_buf b = DLT_BUF_INIT;
	dlt_error err;
	size_t used;
	(void)state;

	memset(&ci, 0, sizeof(ci));
	ci.null_pages = nulls;
	ci.num_pages = 3;
	ci.min_values = mins;
	ci.max_values = maxs;
	ci.boundary_order = DLT_PQ_BOUNDARY_ASCENDING;
	ci.null_counts = ncount;
	assert_int_equal(dlt_pq__column_index_encode(&b, &ci, &err), DLT_OK);
	assert_int_equal(dlt_pq__column_index_decode(&dci, b.data, b.len, &err), DLT_OK);
	assert_int_equal(dci->num_pages, 3);
	assert_true(dci->null_pages[1] && !dci->null_pages[0]);
	assert_int_equal(dci->max_values[2].len, 2);
	assert_memory_equal(dci->max_values[2].data, "zz", 2);
	assert_int_equal(dci->null_counts[1], 10);
	assert_int_equal(dci->boundary_order, DLT_PQ_BOUNDARY_ASCENDING);
	assert_null(dci->repetition_level_histograms);
	dlt_pq__column_index_free(dci);
	dlt_buf_clear(&b);

	memset(&oi, 0, sizeof(oi));
	oi.pages = locs;
	oi.num_pages = 2;
	assert_int_equal(dlt_pq__offset_index_encode(&b, &oi, &err), DLT_OK);
	assert_int_equal(dlt_pq__offset_index_decode(&doi, b.data, b.len, &err), DLT_OK);
	assert_int_equal(doi->num_pages, 2);
	assert_int_equal(doi->pages[1].offset, 104);
	assert_int_equal(doi->pages[1].first_row_index, 1000);
	dlt_pq__offset_index_free(doi);
	dlt_buf_clear(&b);

	assert_int_equal(dlt_pq__bloom_header_encode(&b, &bh, &err), DLT_OK);
	assert_int_equal(dlt_buf_append(&b, "\0\0\0\0", 4, &err), DLT_OK);
	assert_int_equal(dlt_pq__bloom_header_decode(&dbh, &used, b.data, b.len, &err), DLT_OK);
	assert_int_equal(used, b.len - 4);
	assert_int_equal(dbh.num_bytes, 1024);
	assert_int_equal(dbh.algorithm, 1);
	assert_int_equal(dbh.hash, 1);
	dlt_buf_dispose(&b);
}

static void test_meta_footer_checks(void **state)
{
	dlt_pq_file_meta m, *d = NULL;
	dlt_pq_schema_element schema[3];
	dlt_pq_row_group rg;
	dlt_pq_column_chunk cc;
	dlt_pq_column_meta cm;
	dlt_buf f = DLT_BUF_INIT;
	dlt_error err;
	uint32_t flen = 0;
	size_t mlen;
	uint8_t lenb[4];
	(void)state;

	build_meta(&m, schema, &rg, &cc, &cm);
	assert_int_equal(dlt_buf_append(&f, "PAR1", 4, &err), DLT_OK);
	assert_int_equal(dlt_pq__file_meta_encode(&f, &m, &err), DLT_OK);
	mlen = f.len - 4;
	dlt_store_u32le(lenb, (uint32_t)mlen);
	assert_int_equal(dlt_buf_append(&f, lenb, 4, &err), DLT_OK);
	assert_int_equal(dlt_buf_append(&f, "PAR1", 4, &err), DLT_OK);

	assert_int_equal(dlt_pq__footer_parse(&d, &flen, f.data, f.len, f.len, &err), DLT_OK);
	assert_non_null(d);
	assert_int_equal(flen, mlen);
	assert_int_equal(d->num_rows, 1000);
	dlt_pq__file_meta_free(d);
	/* short tail: asks for more */
	assert_int_equal(dlt_pq__footer_parse(&d, &flen, f.data + f.len - 8, 8, f.len, &err),
	                 DLT_OK);
	assert_null(d);
	assert_int_equal(flen, mlen);
	/* encrypted footer */
	memcpy(f.data + f.len - 4, "PARE", 4);
	assert_int_equal(dlt_pq__footer_parse(&d, &flen, f.data, f.len, f.len, &err),
	                 DLT_EUNSUPPORTED);
	assert_string_equal(err.message, "encrypted parquet is not supported");
	memcpy(f.data + f.len - 4, "PARX", 4);
	assert_int_equal(dlt_pq__footer_parse(&d, &flen, f.data, f.len, f.len, &err), DLT_ECORRUPT);
	memcpy(f.data + f.len - 4, "PAR1", 4);
	/* footer length larger than the file */
	dlt_store_u32le(f.data + f.len - 8, 0x7fffffff);
	assert_int_equal(dlt_pq__footer_parse(&d, &flen, f.data, f.len, f.len, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "exceeds file size"));
	/* tiny file */
	assert_int_equal(dlt_pq__footer_parse(&d, &flen, f.data, 8, 8, &err), DLT_ECORRUPT);
	dlt_buf_dispose(&f);
}

/* A schema list claiming 1e9 elements in a small footer is rejected before allocating. */
static void test_meta_absurd_counts(void **state)
{
	static const uint8_t bad[] = { 0x15, 0x02, 0x19, 0xfc, 0x80, 0x94, 0xeb, 0xdc, 0x03,
		                       0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
	dlt_pq_file_meta *d = NULL;
	dlt_alloc_stats st;
	dlt_error err;
	(void)state;
	dlt_alloc_counting(1);
	assert_int_equal(dlt_pq__file_meta_decode(&d, bad, sizeof(bad), &err), DLT_ECORRUPT);
	dlt_alloc_stats_get(&st);
	assert_true(st.peak_bytes < 1 << 20);
	assert_int_equal(st.live_blocks, 0);
	dlt_alloc_counting(0);
	/* missing required fields */
	{
		static const uint8_t nover[] = { 0x00 };
		assert_int_equal(dlt_pq__file_meta_decode(&d, nover, 1, &err), DLT_ECORRUPT);
		assert_non_null(strstr(err.message, "version"));
	}
}

/* ---------------- conformance corpus ---------------- */

static int read_tail(const char *path, dlt_pq_file_meta **out, dlt_error *err)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	long size;
	size_t tail;
	uint32_t flen = 0;
	int rc;

	if (!fp)
		return DLT_EIO;
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	tail = (size_t)(size < 65536 ? size : 65536);
	for (int attempt = 0; attempt < 2; attempt++) {
		buf = realloc(buf, tail ? tail : 1);
		fseek(fp, size - (long)tail, SEEK_SET);
		if (fread(buf, 1, tail, fp) != tail) {
			rc = DLT_EIO;
			break;
		}
		rc = dlt_pq__footer_parse(out, &flen, buf, tail, (uint64_t)size, err);
		if (rc < 0 || *out)
			break;
		tail = (size_t)flen + 8;
	}
	free(buf);
	fclose(fp);
	return rc;
}

static const char *lt_class(int kind)
{
	switch (kind) {
	case DLT_PQ_LT_STRING: return "StringType";
	case DLT_PQ_LT_MAP: return "MapType";
	case DLT_PQ_LT_LIST: return "ListType";
	case DLT_PQ_LT_ENUM: return "EnumType";
	case DLT_PQ_LT_DECIMAL: return "DecimalType";
	case DLT_PQ_LT_DATE: return "DateType";
	case DLT_PQ_LT_TIME: return "TimeType";
	case DLT_PQ_LT_TIMESTAMP: return "TimestampType";
	case DLT_PQ_LT_INTEGER: return "IntType";
	case DLT_PQ_LT_UNKNOWN: return "NullType";
	case DLT_PQ_LT_JSON: return "JsonType";
	case DLT_PQ_LT_BSON: return "BsonType";
	case DLT_PQ_LT_UUID: return "UUIDType";
	case DLT_PQ_LT_FLOAT16: return "Float16Type";
	case DLT_PQ_LT_VARIANT: return "VariantType";
	case DLT_PQ_LT_GEOMETRY: return "GeometryType";
	case DLT_PQ_LT_GEOGRAPHY: return "GeographyType";
	default: return NULL;
	}
}

static void check_opt_int(json_t *o, const char *key, bool has, int64_t v, const char *file)
{
	json_t *j = json_object_get(o, key);
	if (!j || json_is_null(j)) {
		if (has)
			fail_msg("%s: %s present (%lld) but expected null", file, key, (long long)v);
		return;
	}
	{
		/* the oracle gives some integers as strings */
		long long want = json_is_string(j) ? atoll(json_string_value(j))
		                                   : (long long)json_integer_value(j);
		if (!has || want != v)
			fail_msg("%s: %s = %lld (has %d), expected %lld", file, key, (long long)v,
			         has, want);
	}
}

static void check_opt_str(json_t *o, const char *key, bool has, const char *v, const char *file)
{
	json_t *j = json_object_get(o, key);
	if (!j || json_is_null(j)) {
		if (has)
			fail_msg("%s: %s present (%s) but expected null", file, key, v);
		return;
	}
	if (!has || strcmp(json_string_value(j), v) != 0)
		fail_msg("%s: %s = %s, expected %s", file, key, has ? v : "(null)",
		         json_string_value(j));
}

static int n_files, n_encrypted, n_compared;

static void check_file(const char *path, const char *rel)
{
	char exp_path[2048];
	json_t *exp, *fm, *ps;
	json_error_t jerr;
	dlt_pq_file_meta *m = NULL;
	dlt_error err;
	int rc;

	snprintf(exp_path, sizeof(exp_path), "%s/parquet/expected/%s.json", DLT_CONFORMANCE_DIR, rel);
	exp = json_load_file(exp_path, 0, &jerr);
	if (!exp)
		fail_msg("no oracle %s", exp_path);
	n_files++;
	rc = read_tail(path, &m, &err);
	fm = json_object_get(exp, "file_metadata");
	ps = json_object_get(exp, "parquet_schema");
	if (strstr(rel, ".encrypted") && rc == DLT_EUNSUPPORTED) {
		assert_string_equal(err.message, "encrypted parquet is not supported");
		n_encrypted++;
		json_decref(exp);
		return;
	}
	if (rc != DLT_OK)
		fail_msg("%s: footer parse failed: %s", rel, err.message);
	if (fm && json_is_object(fm)) {
		json_t *cb = json_object_get(fm, "created_by");
		assert_int_equal(m->num_rows, json_integer_value(json_object_get(fm, "num_rows")));
		assert_int_equal(m->num_row_groups,
		                 json_integer_value(json_object_get(fm, "num_row_groups")));
		if (cb && json_is_string(cb)) {
			assert_non_null(m->created_by);
			assert_string_equal(m->created_by, json_string_value(cb));
		} else {
			assert_null(m->created_by);
		}
		assert_int_equal(m->version,
		                 json_integer_value(json_object_get(fm, "format_version")));
	}
	if (ps && json_is_array(ps)) {
		assert_int_equal(m->num_schema, json_array_size(ps));
		for (size_t i = 0; i < m->num_schema; i++) {
			const dlt_pq_schema_element *e = &m->schema[i];
			json_t *je = json_array_get(ps, i);
			json_t *lt = json_object_get(je, "logical_type");
			assert_string_equal(e->name, json_string_value(json_object_get(je, "name")));
			check_opt_str(je, "type", e->has_type, dlt_pq__type_name(e->type), rel);
			check_opt_int(je, "type_length", e->has_type_length, e->type_length, rel);
			check_opt_str(je, "repetition_type", e->has_repetition,
			              dlt_pq__repetition_name(e->repetition), rel);
			check_opt_int(je, "num_children", e->has_num_children, e->num_children, rel);
			check_opt_str(je, "converted_type", e->has_converted_type,
			              dlt_pq__converted_type_name(e->converted_type), rel);
			check_opt_int(je, "scale", e->has_scale, e->scale, rel);
			check_opt_int(je, "precision", e->has_precision, e->precision, rel);
			check_opt_int(je, "field_id", e->has_field_id, e->field_id, rel);
			if (!lt || json_is_null(lt)) {
				if (e->logical.kind != DLT_PQ_LT_NONE && e->logical.kind != DLT_PQ_LT_OTHER)
					fail_msg("%s: %s has logical type %s, expected none", rel, e->name,
					         dlt_pq__logical_kind_name(e->logical.kind));
			} else {
				const char *want = json_string_value(lt);
				const char *cls = lt_class(e->logical.kind);
				if (!cls || strncmp(want, cls, strlen(cls)) != 0 || want[strlen(cls)] != '(')
					fail_msg("%s: %s logical %s, expected %s", rel, e->name,
					         dlt_pq__logical_kind_name(e->logical.kind), want);
				if (e->logical.kind == DLT_PQ_LT_DECIMAL) {
					char buf[128];
					snprintf(buf, sizeof(buf), "DecimalType(scale=%d, precision=%d)",
					         e->logical.scale, e->logical.precision);
					assert_string_equal(buf, want);
				}
				if (e->logical.kind == DLT_PQ_LT_TIME ||
				    e->logical.kind == DLT_PQ_LT_TIMESTAMP) {
					static const char *u[] = { "?", "MILLIS=Milli", "MICROS=Micro",
						                   "NANOS=Nano" };
					assert_non_null(strstr(want, u[e->logical.unit]));
					assert_non_null(strstr(want, e->logical.is_adjusted_to_utc
					                                 ? "isAdjustedToUTC=1"
					                                 : "isAdjustedToUTC=0"));
				}
				if (e->logical.kind == DLT_PQ_LT_GEOMETRY && e->logical.crs) {
					assert_non_null(strstr(want, e->logical.crs));
				}
			}
		}
		n_compared++;
	}
	/* every column chunk has metadata with a path that matches the leaf count */
	for (size_t g = 0; g < m->num_row_groups; g++)
		for (size_t c = 0; c < m->row_groups[g].num_columns; c++)
			if (!m->row_groups[g].columns[c].has_encrypted_column_metadata)
				assert_non_null(m->row_groups[g].columns[c].meta);
	dlt_pq__file_meta_free(m);
	json_decref(exp);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void walk(const char *dir, const char *rel, void (*fn)(const char *, const char *))
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	assert_non_null(d);
	while ((ent = readdir(d)) != NULL) {
		char path[2048], r[1024];
		struct stat st;
		if (ent->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
		snprintf(r, sizeof(r), "%s%s%s", rel, rel[0] ? "/" : "", ent->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			walk(path, r, fn);
		else if (ends_with(ent->d_name, ".parquet") ||
		         ends_with(ent->d_name, ".parquet.encrypted"))
			fn(path, r);
	}
	closedir(d);
}

static void test_meta_conformance_footers(void **state)
{
	(void)state;
	walk(DLT_CONFORMANCE_DIR "/parquet/data", "", check_file);
	assert_true(n_files >= 70);
	assert_true(n_encrypted >= 8);
	assert_true(n_compared >= 60);
}

static int n_bad;

static void check_bad(const char *path, const char *rel)
{
	dlt_pq_file_meta *m = NULL;
	dlt_error err;
	int rc = read_tail(path, &m, &err);
	(void)rel;
	n_bad++;
	if (rc == DLT_OK)
		dlt_pq__file_meta_free(m);
	else
		assert_true(strlen(err.message) > 0);
}

static void test_meta_bad_data_no_crash(void **state)
{
	(void)state;
	walk(DLT_CONFORMANCE_DIR "/parquet/bad_data", "", check_bad);
	assert_true(n_bad >= 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meta_file_meta_round_trip),
		cmocka_unit_test(test_meta_page_header_round_trip),
		cmocka_unit_test(test_meta_indexes_round_trip),
		cmocka_unit_test(test_meta_footer_checks),
		cmocka_unit_test(test_meta_absurd_counts),
		cmocka_unit_test(test_meta_conformance_footers),
		cmocka_unit_test(test_meta_bad_data_no_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
