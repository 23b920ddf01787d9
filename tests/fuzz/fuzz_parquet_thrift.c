/* Fuzz the Parquet metadata decoder: FileMetaData, PageHeader, ColumnIndex, OffsetIndex.
 * Whatever decodes is re-encoded, decoded again and re-encoded: both encodings must match. */
#include "parquet/meta.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
	if (!cond)
		abort(); /* test harness only: signals a round-trip mismatch to libFuzzer */
}

static void same_bytes(const dlt_buf *a, const dlt_buf *b)
{
	must(a->len == b->len);
	must(a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dlt_error err;
	dlt_buf e1 = DLT_BUF_INIT, e2 = DLT_BUF_INIT;
	dlt_pq_file_meta *m = NULL, *m2 = NULL;
	dlt_pq_page_header h, h2;
	dlt_pq_column_index *ci = NULL;
	dlt_pq_offset_index *oi = NULL;
	size_t used, used2;
	bool trunc;

	if (dlt_pq__file_meta_decode(&m, data, size, &err) == DLT_OK) {
		must(dlt_pq__file_meta_encode(&e1, m, &err) == DLT_OK);
		must(dlt_pq__file_meta_decode(&m2, e1.data, e1.len, &err) == DLT_OK);
		must(m2->num_rows == m->num_rows && m2->num_schema == m->num_schema &&
		     m2->num_row_groups == m->num_row_groups);
		must(dlt_pq__file_meta_encode(&e2, m2, &err) == DLT_OK);
		same_bytes(&e1, &e2);
		dlt_pq__file_meta_free(m);
		dlt_pq__file_meta_free(m2);
		dlt_buf_clear(&e1);
		dlt_buf_clear(&e2);
	}
	if (dlt_pq__page_header_decode(&h, &used, data, size, &trunc, &err) == DLT_OK) {
		must(used <= size);
		must(dlt_pq__page_header_encode(&e1, &h, &err) == DLT_OK);
		must(dlt_pq__page_header_decode(&h2, &used2, e1.data, e1.len, &trunc, &err) == DLT_OK);
		must(used2 == e1.len && h2.type == h.type &&
		     h2.compressed_page_size == h.compressed_page_size);
		must(dlt_pq__page_header_encode(&e2, &h2, &err) == DLT_OK);
		same_bytes(&e1, &e2);
		dlt_buf_clear(&e1);
		dlt_buf_clear(&e2);
	}
	if (dlt_pq__column_index_decode(&ci, data, size, &err) == DLT_OK) {
		dlt_pq_column_index *ci2 = NULL;
		must(dlt_pq__column_index_encode(&e1, ci, &err) == DLT_OK);
		must(dlt_pq__column_index_decode(&ci2, e1.data, e1.len, &err) == DLT_OK);
		must(dlt_pq__column_index_encode(&e2, ci2, &err) == DLT_OK);
		same_bytes(&e1, &e2);
		dlt_pq__column_index_free(ci2);
		dlt_pq__column_index_free(ci);
		dlt_buf_clear(&e1);
		dlt_buf_clear(&e2);
	}
	if (dlt_pq__offset_index_decode(&oi, data, size, &err) == DLT_OK) {
		dlt_pq_offset_index *oi2 = NULL;
		must(dlt_pq__offset_index_encode(&e1, oi, &err) == DLT_OK);
		must(dlt_pq__offset_index_decode(&oi2, e1.data, e1.len, &err) == DLT_OK);
		must(dlt_pq__offset_index_encode(&e2, oi2, &err) == DLT_OK);
		same_bytes(&e1, &e2);
		dlt_pq__offset_index_free(oi2);
		dlt_pq__offset_index_free(oi);
	}
	dlt_buf_dispose(&e1);
	dlt_buf_dispose(&e2);
	return 0;
}
