/* libFuzzer target: a whole Parquet file from memory; open, schema text, meta
 * JSON, and read every batch (plain and as dictionaries). Must never crash,
 * leak or read out of bounds. */
#include "deltalite.h"

#include <stdint.h>
#include <string.h>

/* Page filter over hostile page indexes: keep every other range. */
static int some_pages(int64_t rg, int64_t first_row, int64_t num_rows,
                      const dlt_parquet_column_stats *cols, size_t n_cols, void *payload)
{
	(void)rg;
	(void)num_rows;
	(void)payload;
	if (n_cols > 0 && cols[0].min.present && cols[0].max.present && cols[0].min.i64 > 1000)
		return 0;
	return (first_row / 3) % 2 == 0;
}

static void read_all(const uint8_t *data, size_t size, int dictionary)
{
	dlt_input *in = NULL;
	dlt_parquet_file *f = NULL;
	dlt_parquet_read_options o = DLT_PARQUET_READ_OPTIONS_INIT;
	struct ArrowArrayStream st;
	dlt_error err;
	char *text = NULL;
	int n = 0;

	o.dictionary = dictionary;
	o.batch_size = 1000;
	if (size > 0 && (data[size - 1] & 1))
		o.page_filter = some_pages;
	if (dlt_input_from_memory(&in, data, size, "fuzz.parquet", &err) < 0)
		return;
	if (dlt_parquet_open(&f, in, &o, &err) < 0)
		return;
	if (dlt_parquet_schema_text(&text, f, &err) == 0)
		dlt_free(text);
	if (!dictionary && dlt_parquet_meta_json(&text, f, &err) == 0)
		dlt_free(text);
	memset(&st, 0, sizeof(st));
	if (dlt_parquet_read(&st, f, &o, &err) == 0) {
		for (;;) {
			struct ArrowArray b;
			memset(&b, 0, sizeof(b));
			if (st.get_next(&st, &b) != 0 || b.release == NULL)
				break;
			b.release(&b);
			if (++n > 10000)
				break;
		}
		st.release(&st);
	}
	dlt_parquet_file_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_all(data, size, 0);
	read_all(data, size, 1);
	return 0;
}
