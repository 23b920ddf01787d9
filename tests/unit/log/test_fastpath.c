/* The fast scanner for add/remove lines against jansson, the reference: over
 * every JSON log file of the conformance corpus and over generated lines
 * (common shapes, escapes, odd values, broken input), both parsers must give
 * the same actions, the same return code and the same error message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log/log.h"
#include "log/ckpt.h"
#include "util/util.h"

static int describe_cb(const dlt_log_action *a, void *payload, dlt_error *err)
{
	(void)err;
	dlt_log__action_describe(payload, a);
	return DLT_OK;
}

/* Parse with jansson only and with the fast path; compare everything. */
static void same(const char *data, size_t len, const char *name)
{
	dlt_buf x = DLT_BUF_INIT, y = DLT_BUF_INIT;
	dlt_error ex, ey;
	dlt_error_clear(&ex);
	dlt_error_clear(&ey);
	int rx = dlt_log__parse_actions_mode(data, len, name, describe_cb, &x, 1, &ex);
	int ry = dlt_log__parse_actions_mode(data, len, name, describe_cb, &y, 0, &ey);
	(void)dlt_buf_append_byte(&x, 0, NULL);
	(void)dlt_buf_append_byte(&y, 0, NULL);
	if (rx != ry || strcmp((const char *)x.data, (const char *)y.data) != 0 ||
	    (rx < 0 && strcmp(ex.message, ey.message) != 0)) {
		fprintf(stderr, "mismatch on %s (%d vs %d)\n--- input\n%.*s\n--- jansson\n%s%s\n"
		        "--- fast\n%s%s\n", name, rx, ry, (int)(len > 2000 ? 2000 : len), data,
		        (const char *)x.data, rx < 0 ? ex.message : "", (const char *)y.data,
		        ry < 0 ? ey.message : "");
		fail();
	}
	dlt_buf_dispose(&x);
	dlt_buf_dispose(&y);
}

/* The fast path alone accepts the line (so the common shapes are covered). */
static void fast_ok(const char *line)
{
	dlt_buf y = DLT_BUF_INIT;
	dlt_error e;
	int rc = dlt_log__parse_actions_mode(line, strlen(line), "gen", describe_cb, &y, 2, &e);
	if (rc != DLT_OK)
		fprintf(stderr, "fast path declined: %s\n", line);
	assert_int_equal(rc, DLT_OK);
	dlt_buf_dispose(&y);
	same(line, strlen(line), "gen");
}

static size_t n_files;

static void walk(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char p[4096];
		struct stat sb;
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (stat(p, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			walk(p);
			continue;
		}
		size_t n = strlen(p);
		if (n < 5 || strcmp(p + n - 5, ".json") != 0 || !strstr(p, "_delta_log"))
			continue;
		FILE *f = fopen(p, "rb");
		if (!f)
			continue;
		char *buf = malloc((size_t)sb.st_size + 1);
		assert_non_null(buf);
		size_t got = fread(buf, 1, (size_t)sb.st_size, f);
		fclose(f);
		same(buf, got, p);
		free(buf);
		n_files++;
	}
	closedir(d);
}

static void test_fastpath_corpus(void **state)
{
	(void)state;
	walk(DLT_CONFORMANCE_DIR "/delta");
	assert_true(n_files > 0);
}

#define STATS "\"{\\\"numRecords\\\":5,\\\"minValues\\\":{\\\"a\\\":\\\"x\\\\\\\"y\\\"}}\""

static void test_fastpath_common_shapes(void **state)
{
	(void)state;
	fast_ok("{\"add\":{\"path\":\"date=2024-01-01/part-0.parquet\",\"partitionValues\":"
	        "{\"date\":\"2024-01-01\"},\"size\":123,\"modificationTime\":1,\"dataChange\":true,"
	        "\"stats\":" STATS "}}");
	fast_ok("{\"add\":{\"path\":\"a%20b.parquet\",\"partitionValues\":{\"p\":null,\"q\":\"\"},"
	        "\"size\":0,\"modificationTime\":-5,\"dataChange\":false,\"stats\":null,"
	        "\"tags\":{\"INSERTION_TIME\":\"1\"},\"deletionVector\":null,\"baseRowId\":7,"
	        "\"defaultRowCommitVersion\":3,\"clusteringProvider\":\"liquid\"}}\r");
	fast_ok("  { \"remove\" : { \"path\" : \"x.parquet\" , \"deletionTimestamp\" : 9 ,"
	        " \"dataChange\" : true , \"extendedFileMetadata\" : true , \"size\" : 4 ,"
	        " \"partitionValues\" : { } } }  ");
	fast_ok("{\"remove\":{\"path\":\"x.parquet\",\"deletionTimestamp\":null}}");
	fast_ok("{\"add\":{\"path\":\"s3://bucket/t/x.parquet\",\"partitionValues\":{},\"size\":1,"
	        "\"modificationTime\":1,\"dataChange\":true,\"deletionVector\":{\"storageType\":\"u\","
	        "\"pathOrInlineDv\":\"ab^-aqEH.-t@S}K{vb[*k^\",\"offset\":4,\"sizeInBytes\":40,"
	        "\"cardinality\":6}}}");
	fast_ok("{\"add\":{\"path\":\"/abs/x.parquet\",\"partitionValues\":{\"k\":\"\\u00e9\\ud83d"
	        "\\ude00\\n\\t\\\\\\/\"},\"size\":1,\"modificationTime\":1,\"dataChange\":true,"
	        "\"stats\":\"caf\xc3\xa9\",\"deletionVector\":{\"storageType\":\"i\",\"pathOrInlineDv\":"
	        "\"wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L\",\"sizeInBytes\":40,"
	        "\"cardinality\":2,\"maxRowIndex\":9}}}");
	fast_ok("{\"add\":{\"path\":\"x\",\"size\":1,\"deletionTimestamp\":\"ignored\","
	        "\"extendedFileMetadata\":12}}");
	fast_ok("{\"remove\":{\"path\":\"x\",\"modificationTime\":\"ignored\"}}");
}

/* Lines the fast path must decline or get exactly right: compared both ways. */
static const char *const kOdd[] = {
	"{\"add\":{\"path\":\"x\",\"size\":1,\"size\":2}}",
	"{\"add\":{\"path\":\"x\",\"size\":1,\"unknown\":2}}",
	"{\"add\":{\"path\":\"x\",\"size\":1.0}}",
	"{\"add\":{\"path\":\"x\",\"size\":1e3}}",
	"{\"add\":{\"path\":\"x\",\"size\":01}}",
	"{\"add\":{\"path\":\"x\",\"size\":-1}}",
	"{\"add\":{\"path\":\"x\",\"size\":-0}}",
	"{\"add\":{\"path\":\"x\",\"size\":99999999999999999999}}",
	"{\"add\":{\"path\":\"x\",\"size\":9223372036854775807}}",
	"{\"add\":{\"path\":\"x\",\"size\":\"1\"}}",
	"{\"add\":{\"path\":\"x\",\"size\":null}}",
	"{\"add\":{\"path\":\"x\"}}",
	"{\"add\":{\"size\":1}}",
	"{\"add\":{}}",
	"{\"add\":null}",
	"{\"add\":{\"path\":\"x\",\"size\":1},\"remove\":{\"path\":\"y\"}}",
	"{\"add\":{\"path\":\"x\",\"size\":1}} x",
	"{\"add\":{\"path\":\"x\",\"size\":1}",
	"{\"add\":{\"path\":\"x\",\"size\":1,}}",
	"{\"add\":{\"path\":\"../x\",\"size\":1}}",
	"{\"add\":{\"path\":\"a//b\",\"size\":1}}",
	"{\"add\":{\"path\":\"a\\\\b\",\"size\":1}}",
	"{\"add\":{\"path\":\"a%2\",\"size\":1}}",
	"{\"add\":{\"path\":\"a%00\",\"size\":1}}",
	"{\"add\":{\"path\":\"\",\"size\":1}}",
	"{\"add\":{\"path\":\"\\u0000\",\"size\":1}}",
	"{\"add\":{\"path\":\"\\ud800\",\"size\":1}}",
	"{\"add\":{\"path\":\"\\udc00\",\"size\":1}}",
	"{\"add\":{\"path\":\"\\ud800\\u0041\",\"size\":1}}",
	"{\"add\":{\"path\":\"\\x\",\"size\":1}}",
	"{\"add\":{\"path\":\"\xff\",\"size\":1}}",
	"{\"add\":{\"path\":\"\xed\xa0\x80\",\"size\":1}}",
	"{\"add\":{\"path\":\"a\tb\",\"size\":1}}",
	"{\"add\":{\"pa\\u0074h\":\"x\",\"size\":1}}",
	"{\"add\":{\"path\":\"x\",\"size\":1,\"partitionValues\":{\"a\":1}}}",
	"{\"add\":{\"path\":\"x\",\"size\":1,\"partitionValues\":{\"a\":\"1\",\"a\":\"2\"}}}",
	"{\"add\":{\"path\":\"x\",\"size\":1,\"partitionValues\":[]}}",
	"{\"add\":{\"path\":\"x\",\"size\":1,\"partitionValues\":{\"\\u0061\":\"1\"}}}",
	"{\"add\":{\"path\":\"x\",\"size\":1,\"tags\":{\"t\":\"1\"},\"partitionValues\":{\"a\":\"1\"}}}",
	"{\"add\":{\"path\":\"x\",\"size\":1,\"tags\":null,\"partitionValues\":{\"a\":\"1\"}}}",
	"{\"add\":{\"path\":\"x\",\"size\":1,\"dataChange\":1}}",
	"{\"add\":{\"path\":\"x\",\"size\":1,\"dataChange\":null}}",
	"{\"add\":{\"path\":\"x\",\"size\":1,\"stats\":{}}}",
	"{\"add\":{\"path\":\"x\",\"size\":1,\"deletionTimestamp\":{\"a\":1}}}",
	"{\"add\":{\"path\":\"x\",\"size\":1,\"deletionVector\":{}}}",
	"{\"add\":{\"path\":\"x\",\"size\":1,\"deletionVector\":{\"storageType\":\"q\","
	"\"pathOrInlineDv\":\"a\",\"sizeInBytes\":1,\"cardinality\":1}}}",
	"{\"add\":{\"path\":\"x\",\"size\":1,\"deletionVector\":{\"storageType\":\"u\","
	"\"pathOrInlineDv\":\"a\",\"sizeInBytes\":-1,\"cardinality\":1}}}",
	"{\"add\":{\"path\":\"x\",\"size\":1,\"deletionVector\":{\"storageType\":\"u\","
	"\"pathOrInlineDv\":\"a\",\"sizeInBytes\":1,\"cardinality\":1,\"offset\":null}}}",
	"{\"add\":{\"path\":\"x\",\"size\":1,\"deletionVector\":{\"storageType\":\"u\","
	"\"pathOrInlineDv\":\"a\",\"sizeInBytes\":1,\"cardinality\":1,\"extra\":1}}}",
	"{\"remove\":{\"path\":\"x\",\"size\":-1}}",
	"{\"remove\":{\"path\":\"x\",\"size\":-2}}",
	"{\"remove\":{\"path\":\"x\",\"deletionTimestamp\":true}}",
	"{\"remove\":{\"path\":\"x\",\"extendedFileMetadata\":\"true\"}}",
	"{\"add\":{\"path\":\"x\",\"size\":1,\"stats\":\"{\\\"numRecords\\\":12}\"}}\n\n"
	"{\"commitInfo\":{\"timestamp\":5,\"operation\":\"WRITE\"}}\n"
	"{\"remove\":{\"path\":\"x\",\"deletionTimestamp\":6,\"dataChange\":true}}\n",
	"[]",
	"{}",
	"{\"add\":{\"path\":\"x\",\"size\":1}}\n{\"add\":{\"path\":\"y\",\"size\":true}}\n",
};

static void test_fastpath_odd_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kOdd) / sizeof(kOdd[0]); i++)
		same(kOdd[i], strlen(kOdd[i]), "odd");
}

/* Random mutations of a few valid lines: each byte replaced, deleted, or a
 * random token inserted; both parsers must agree on every result. */
static void test_fastpath_mutations(void **state)
{
	static const char *const base[] = {
		"{\"add\":{\"path\":\"d=1/p%20q.parquet\",\"partitionValues\":{\"d\":\"1\",\"e\":null},"
		"\"size\":12,\"modificationTime\":3,\"dataChange\":true,\"stats\":" STATS
		",\"tags\":{\"a\":\"b\"},\"deletionVector\":{\"storageType\":\"p\",\"pathOrInlineDv\":"
		"\"/x/y.bin\",\"offset\":1,\"sizeInBytes\":2,\"cardinality\":3,\"maxRowIndex\":4},"
		"\"baseRowId\":5,\"defaultRowCommitVersion\":6,\"clusteringProvider\":\"c\"}}",
		"{\"remove\":{\"path\":\"x\\u00e9.parquet\",\"deletionTimestamp\":9,\"dataChange\":false,"
		"\"extendedFileMetadata\":true,\"partitionValues\":{},\"size\":4}}",
	};
	static const char *const tokens[] = { "\"", "\\", "\\u", "{", "}", ",", ":", "null", "1",
		"-", ".5", "e9", "\xc3", "\xe9", " ", "\"path\"", "\"size\":2", "[", "true" };
	unsigned seed = 12345;
	char buf[2048];
	(void)state;
	for (int round = 0; round < 20000; round++) {
		const char *b = base[round % 2];
		size_t n = strlen(b), at;
		seed = seed * 1103515245u + 12345u;
		at = (seed >> 8) % n;
		int op = (int)((seed >> 4) % 3);
		size_t o = 0;
		memcpy(buf, b, at);
		o = at;
		if (op == 0) {
			buf[o++] = (char)(32 + (seed >> 16) % 95);
			at++;
		} else if (op == 1) {
			at++;
		} else {
			const char *t = tokens[(seed >> 16) % (sizeof(tokens) / sizeof(tokens[0]))];
			memcpy(buf + o, t, strlen(t));
			o += strlen(t);
		}
		memcpy(buf + o, b + at, n - at);
		o += n - at;
		same(buf, o, "mutation");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fastpath_common_shapes),
		cmocka_unit_test(test_fastpath_odd_lines),
		cmocka_unit_test(test_fastpath_mutations),
		cmocka_unit_test(test_fastpath_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
