/* libFuzzer target: bytes as a Delta commit file, and as _last_checkpoint,
 * in the in-memory store; then action parsing and full replay. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "deltalite/table.h"
#include "log/log.h"
#include "log/ckpt.h"

static int count_cb(const dlt_log_action *a, void *payload, dlt_error *err)
{
	(void)a;
	(void)err;
	(*(size_t *)payload)++;
	return DLT_OK;
}

static int describe_cb(const dlt_log_action *a, void *payload, dlt_error *err)
{
	(void)err;
	dlt_log__action_describe(payload, a);
	return DLT_OK;
}

/* The fast add/remove scanner must agree with jansson (the reference) on
 * every input: same actions, same code, same message. */
static void compare_parsers(const uint8_t *data, size_t size)
{
	dlt_buf x = DLT_BUF_INIT, y = DLT_BUF_INIT;
	dlt_error ex, ey;
	dlt_error_clear(&ex);
	dlt_error_clear(&ey);
	int rx = dlt_log__parse_actions_mode((const char *)data, size, "fuzz.json", describe_cb,
	                                     &x, 1, &ex);
	int ry = dlt_log__parse_actions_mode((const char *)data, size, "fuzz.json", describe_cb,
	                                     &y, 0, &ey);
	if (rx != ry || x.len != y.len || (x.len && memcmp(x.data, y.data, x.len) != 0) ||
	    (rx < 0 && rx != DLT_ENOMEM && strcmp(ex.message, ey.message) != 0)) {
		fprintf(stderr, "fast path and jansson differ: %d vs %d\n%.*s\n--\n%.*s\n%s\n%s\n",
		        rx, ry, (int)x.len, (const char *)x.data, (int)y.len, (const char *)y.data,
		        ex.message, ey.message);
		__builtin_trap();
	}
	dlt_buf_dispose(&x);
	dlt_buf_dispose(&y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char base[] =
	        "{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n"
	        "{\"metaData\":{\"id\":\"f\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"
	        "\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":[]}\","
	        "\"partitionColumns\":[],\"configuration\":{}}}\n";
	dlt_error err;
	dlt_storage *st = NULL;
	dlt_table *t = NULL;
	dlt_snapshot *s = NULL;
	size_t n = 0;

	/* 1. the parser alone */
	(void)dlt_log__parse_actions((const char *)data, size, "fuzz.json", count_cb, &n, &err);
	compare_parsers(data, size);

	/* 2. as commit 1 after a valid commit 0, and as _last_checkpoint */
	if (dlt_storage_open(&st, "memory://fuzz_delta_log", NULL, 0, &err) != DLT_OK)
		return 0;
	(void)dlt_storage_put(st, "_delta_log/00000000000000000000.json", base, sizeof(base) - 1,
	                      DLT_PUT_OVERWRITE, &err);
	(void)dlt_storage_put(st, "_delta_log/00000000000000000001.json", data, size,
	                      DLT_PUT_OVERWRITE, &err);
	(void)dlt_storage_put(st, "_delta_log/_last_checkpoint", data, size, DLT_PUT_OVERWRITE,
	                      &err);
	if (dlt_table_open(&t, "memory://fuzz_delta_log", NULL, &err) == DLT_OK) {
		if (dlt_table_snapshot(&s, t, -1, &err) == DLT_OK) {
			struct ArrowArrayStream fs;
			if (dlt_snapshot_files(&fs, s, &err) == DLT_OK) {
				struct ArrowArray b;
				while (fs.get_next(&fs, &b) == 0 && b.release)
					b.release(&b);
				fs.release(&fs);
			}
			dlt_snapshot_free(s);
		}
		struct ArrowArrayStream hs;
		if (dlt_table_history(&hs, t, 0, &err) == DLT_OK)
			hs.release(&hs);
		dlt_table_free(t);
	}
	dlt_storage_free(st);
	dlt_storage_memory_drop("fuzz_delta_log");
	return 0;
}
