/* libFuzzer target: bytes as a Parquet checkpoint (classic, version 1) after
 * a valid commit 0, in the in-memory store; then replay, the file list with
 * statistics, and a scan plan with a predicate (statistics decoding). Seeds:
 * the corpus's checkpoint files (run_fuzzer.sh). */
#include <stdint.h>
#include <string.h>

#include "deltalite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char base[] =
	        "{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n"
	        "{\"metaData\":{\"id\":\"f\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"
	        "\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":[{\\\"name\\\":"
	        "\\\"a\\\",\\\"type\\\":\\\"long\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}}]}\","
	        "\"partitionColumns\":[],\"configuration\":{}}}\n";
	dlt_error err;
	dlt_storage *st = NULL;
	dlt_table *t = NULL;
	dlt_snapshot *s = NULL;

	if (dlt_storage_open(&st, "memory://fuzz_checkpoint", NULL, 0, &err) != DLT_OK)
		return 0;
	(void)dlt_storage_put(st, "_delta_log/00000000000000000000.json", base, sizeof(base) - 1,
	                      DLT_PUT_OVERWRITE, &err);
	(void)dlt_storage_put(st, "_delta_log/00000000000000000001.json", base, sizeof(base) - 1,
	                      DLT_PUT_OVERWRITE, &err);
	(void)dlt_storage_put(st, "_delta_log/00000000000000000001.checkpoint.parquet", data, size,
	                      DLT_PUT_OVERWRITE, &err);
	if (dlt_table_open(&t, "memory://fuzz_checkpoint", NULL, &err) == DLT_OK) {
		if (dlt_table_snapshot(&s, t, -1, &err) == DLT_OK) {
			struct ArrowArrayStream fs;
			if (dlt_snapshot_files(&fs, s, &err) == DLT_OK) {
				struct ArrowArray b;
				while (fs.get_next(&fs, &b) == 0 && b.release)
					b.release(&b);
				fs.release(&fs);
			}
			/* planning a filtered scan reads every file's statistics */
			dlt_scan *sc = NULL;
			dlt_scan_options so = DLT_SCAN_OPTIONS_INIT;
			so.predicate_sql = "a > 5";
			if (dlt_scan_new(&sc, s, &so, &err) == DLT_OK) {
				struct ArrowArrayStream ss;
				if (dlt_scan_stream(&ss, sc, &err) == DLT_OK) {
					struct ArrowArray b;
					/* data files are absent: the first read fails, cleanly */
					while (ss.get_next(&ss, &b) == 0 && b.release)
						b.release(&b);
					ss.release(&ss);
				}
				dlt_scan_free(sc);
			}
			dlt_snapshot_free(s);
		}
		dlt_table_free(t);
	}
	dlt_storage_free(st);
	dlt_storage_memory_drop("fuzz_checkpoint");
	return 0;
}
