/* Deletion vectors from hostile bytes: the input as a serialized DV
 * (magic + 64-bit portable RoaringBitmapArray), as a DV file image with a
 * descriptor offset/size taken from its first bytes, and as z85 text
 * (inline DV, relative 'u' path). Decode must never crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "table/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dlt_dv_bitmap bm;
	dlt_error err;
	char *text, *path = NULL;
	dlt_log_dv d;

	if (dlt_table__dv_parse(&bm, data, size, &err) == DLT_OK) {
		(void)dlt_table__dv_contains(&bm, 0);
		(void)dlt_table__dv_contains(&bm, ((uint64_t)1 << 32) + 5);
		dlt_table__dv_dispose(&bm);
	}
	if (size >= 8) {
		int64_t off = (int64_t)(data[0] % 16);
		int32_t sz = (int32_t)(((uint32_t)data[1] << 8) | data[2]);
		if (dlt_table__dv_parse_file(&bm, data + 3, size - 3, off, sz, "fuzz", &err) ==
		    DLT_OK)
			dlt_table__dv_dispose(&bm);
	}
	text = dlt_malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	memset(&d, 0, sizeof(d));
	d.storage_type = 'i';
	d.path_or_inline_dv = text;
	d.offset = -1;
	d.size_in_bytes = (int32_t)(strlen(text) / 5 * 4);
	d.cardinality = -1;
	if (size > 0)
		d.size_in_bytes -= data[0] % 4;
	if (d.size_in_bytes < 0)
		d.size_in_bytes = 0;
	if (dlt_table__dv_load(&bm, &d, NULL, NULL, &err) == DLT_OK)
		dlt_table__dv_dispose(&bm);
	if (dlt_table__dv_relative_path(&path, text, &err) == DLT_OK)
		dlt_free(path);
	dlt_free(text);
	return 0;
}
