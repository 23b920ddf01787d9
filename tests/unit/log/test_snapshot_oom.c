/* Loading a snapshot when any allocation fails: the answer is DLT_ENOMEM or
 * the snapshot, never another code, a crash or a leak. The table has a
 * checkpoint of several batches (replayed by two consumers on two threads,
 * so failures land on either) and commits after it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deltalite/table.h"
#include "log/ckpt_write.h"
#include "log/log.h"
#include "util/util.h"

#define DIR DLT_TEST_TMPDIR "/snapshot_oom"

static void write_file(const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/_delta_log/%s", DIR, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void make_table(void)
{
	dlt_buf b = DLT_BUF_INIT;
	assert_int_equal(system("rm -rf '" DIR "' && mkdir -p '" DIR "/_delta_log'"), 0);
	write_file("00000000000000000000.json",
	           "{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n"
	           "{\"metaData\":{\"id\":\"oom\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"
	           "\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":[{\\\"name\\\":"
	           "\\\"p\\\",\\\"type\\\":\\\"integer\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}}]}\","
	           "\"partitionColumns\":[\"p\"],\"configuration\":{},\"createdTime\":0}}\n");
	for (int i = 0; i < 9000; i++) {
		assert_int_equal(dlt_buf_appendf(&b, NULL,
		                                 "{\"add\":{\"path\":\"p=%d/f%05d.parquet\","
		                                 "\"partitionValues\":{\"p\":\"%d\"},\"size\":%d,"
		                                 "\"modificationTime\":1,\"dataChange\":true,"
		                                 "\"stats\":\"{\\\"numRecords\\\":%d}\"}}\n",
		                                 i % 3, i, i % 3, i + 1, i),
		                 DLT_OK);
		if (i % 3000 == 0)
			assert_int_equal(dlt_buf_appendf(&b, NULL,
			                                 "{\"txn\":{\"appId\":\"a%d\",\"version\":1}}\n", i),
			                 DLT_OK);
	}
	assert_int_equal(dlt_buf_append_byte(&b, 0, NULL), DLT_OK);
	write_file("00000000000000000001.json", (const char *)b.data);
	dlt_buf_dispose(&b);

	dlt_table *t = NULL;
	dlt_snapshot *s = NULL;
	dlt_log_ckpt_opts o = DLT_LOG_CKPT_OPTS_INIT;
	dlt_log_ckpt_info info;
	dlt_error err;
	assert_int_equal(dlt_table_open(&t, DIR, NULL, &err), DLT_OK);
	assert_int_equal(dlt_table_snapshot(&s, t, -1, &err), DLT_OK);
	o.kind = DLT_LOG_CKPT_WRITE_CLASSIC;
	if (dlt_log__checkpoint_write(&info, s, &o, &err) != DLT_OK)
		fail_msg("%s", err.message);
	dlt_snapshot_free(s);
	dlt_table_free(t);
	write_file("00000000000000000002.json",
	           "{\"remove\":{\"path\":\"p=0/f00000.parquet\",\"deletionTimestamp\":5,"
	           "\"dataChange\":true}}\n"
	           "{\"add\":{\"path\":\"p=1/new.parquet\",\"partitionValues\":{\"p\":\"1\"},"
	           "\"size\":7,\"modificationTime\":2,\"dataChange\":true}}\n");
}

static void test_snapshot_load_oom_sweep(void **state)
{
	dlt_alloc_stats before, after;
	dlt_table *t = NULL;
	dlt_snapshot *s = NULL;
	dlt_error err;
	int failures = 0, tolerated = 0;
	(void)state;
	make_table();
	assert_int_equal(dlt_table_open(&t, DIR, NULL, &err), DLT_OK);
	dlt_alloc_counting(1);
	/* how many allocations a load makes */
	dlt_alloc_stats_get(&before);
	assert_int_equal(dlt_table_snapshot(&s, t, -1, &err), DLT_OK);
	dlt_snapshot_free(s);
	dlt_alloc_stats_get(&after);
	int64_t total = after.total_blocks - before.total_blocks;
	assert_true(total > 50);
	/* each of the first allocations failing, then every 13th (threads make
	 * the order vary a little between runs: each run is checked on its own) */
	for (int64_t n = 1; n <= total; n += n < 400 ? 1 : 13) {
		dlt_alloc_stats_get(&before);
		dlt_alloc_fail_after(n);
		int rc = dlt_table_snapshot(&s, t, -1, &err);
		dlt_alloc_fail_after(0);
		if (rc == DLT_OK) {
			/* an allocation that may fail (a cache, a recycled buffer): same answer */
			assert_int_equal(s->n_files, 9000);
			assert_int_equal(s->n_tombstones, 1);
			assert_int_equal(s->n_txns, 3);
			assert_int_equal(s->segment.checkpoint_version, 1);
			dlt_snapshot_free(s);
			tolerated++;
		} else {
			if (rc != DLT_ENOMEM)
				fail_msg("allocation %lld failing gave %d: %s", (long long)n, rc,
				         err.message);
			assert_null(s);
			failures++;
		}
		dlt_alloc_stats_get(&after);
		if (after.live_blocks != before.live_blocks)
			fail_msg("allocation %lld failing (rc %d) leaked %lld blocks", (long long)n, rc,
			         (long long)(after.live_blocks - before.live_blocks));
	}
	assert_true(failures > 100);
	print_message("snapshot load: %lld allocations; %d failures gave ENOMEM, %d were "
	              "tolerated\n", (long long)total, failures, tolerated);
	dlt_alloc_counting(0);
	dlt_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_load_oom_sweep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
