/* Fuzz the CSV reader: read the input, drain the stream and dump it as JSON lines. */
#include "deltalite.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dlt_input *in = NULL;
	dlt_output *out = NULL;
	struct ArrowArrayStream s;
	dlt_error err;
	if (dlt_input_from_memory(&in, data, size, "fuzz", &err) < 0)
		return 0;
	{
		dlt_csv_read_options o = DLT_CSV_READ_OPTIONS_INIT;
		/* First byte picks options so both inference and quoting modes get exercised. */
		if (size > 0) {
			o.has_header = data[0] & 1;
			o.batch_rows = 1 + (data[0] >> 4);
			o.escape = (data[0] & 2) ? '\\' : 0;
			o.infer_rows = (data[0] & 4) ? -1 : 3;
		}
		if (dlt_csv_read(&s, in, &o, &err) < 0)
			return 0;
	}
	if (dlt_output_to_memory(&out, &err) < 0) {
		s.release(&s);
		return 0;
	}
	(void)dlt_jsonl_write(out, &s, NULL, &err);
	dlt_output_free(out);
	return 0;
}
