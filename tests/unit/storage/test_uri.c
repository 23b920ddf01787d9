/* URI parsing, key checks and the Spark / RFC 2396 path escapings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "deltalite/storage.h"
#include "storage/internal.h"

static void test_storage_uri_parse_forms(void **state)
{
	dlt_uri u;
	dlt_error err;
	(void)state;
	assert_int_equal(dlt_uri_parse(&u, "/data/my table%20x", &err), DLT_OK);
	assert_string_equal(u.scheme, "file");
	assert_string_equal(u.path, "/data/my table%20x"); /* plain path: literal */
	dlt_uri_dispose(&u);

	assert_int_equal(dlt_uri_parse(&u, "FILE:///data/my%20table/%25x", &err), DLT_OK);
	assert_string_equal(u.scheme, "file");
	assert_string_equal(u.path, "/data/my table/%x");
	dlt_uri_dispose(&u);

	assert_int_equal(dlt_uri_parse(&u, "file:/tmp/t", &err), DLT_OK);
	assert_string_equal(u.path, "/tmp/t");
	dlt_uri_dispose(&u);

	assert_int_equal(dlt_uri_parse(&u, "file://localhost/tmp/t", &err), DLT_OK);
	assert_string_equal(u.path, "/tmp/t");
	dlt_uri_dispose(&u);

	assert_int_equal(dlt_uri_parse(&u, "s3://my-bucket/path/to/table", &err), DLT_OK);
	assert_string_equal(u.scheme, "s3");
	assert_string_equal(u.bucket, "my-bucket");
	assert_string_equal(u.path, "/path/to/table");
	dlt_uri_dispose(&u);

	assert_int_equal(dlt_uri_parse(&u, "abfss://cont@acct.dfs.core.windows.net/t", &err),
	                 DLT_OK);
	assert_string_equal(u.bucket, "cont");
	assert_string_equal(u.account, "acct.dfs.core.windows.net");
	assert_string_equal(u.path, "/t");
	dlt_uri_dispose(&u);

	assert_int_equal(dlt_uri_parse(&u, "gs://b", &err), DLT_OK);
	assert_string_equal(u.bucket, "b");
	assert_string_equal(u.path, "");
	dlt_uri_dispose(&u);

	assert_int_equal(dlt_uri_parse(&u, "memory://store/sub", &err), DLT_OK);
	assert_string_equal(u.authority, "store");
	assert_string_equal(u.path, "/sub");
	dlt_uri_dispose(&u);
}

static void test_storage_uri_parse_rejects(void **state)
{
	dlt_uri u;
	dlt_error err;
	(void)state;
	assert_int_equal(dlt_uri_parse(&u, "", &err), DLT_EINVAL);
	assert_int_equal(dlt_uri_parse(&u, "file:///a%2", &err), DLT_EINVAL);
	assert_non_null(strstr(err.message, "bad %-escape"));
	assert_int_equal(dlt_uri_parse(&u, "file:///a%00b", &err), DLT_EINVAL);
	assert_int_equal(dlt_uri_parse(&u, "file:///a#frag", &err), DLT_EINVAL);
	assert_int_equal(dlt_uri_parse(&u, "s3://b/k?x=1", &err), DLT_EINVAL);
	assert_int_equal(dlt_uri_parse(&u, "file://otherhost/x", &err), DLT_EINVAL);
	assert_non_null(strstr(err.message, "otherhost"));
}

static void test_storage_key_escape_refused(void **state)
{
	static const char *const bad[] = { "", "/etc/passwd", "..", "../x", "a/../../x", "a/..",
		                           "./a", "a/./b", "a//b", "a/", "a\\..\\b", "..\\x",
		                           "a\nb", "a\x7f" };
	static const char *const good[] = { "_delta_log/00000000000000000000.json", "a b/c%20d",
		                            "p=a%3Db/x", "\xc3\xbc/#x", "..a/b..", ".hidden",
		                            "a/...", "x=1/y=%2F" };
	dlt_error err;
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(dlt_storage__check_key(bad[i], 0, &err), DLT_EINVAL);
		assert_non_null(strstr(err.message, "storage key"));
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(dlt_storage__check_key(good[i], 0, &err), DLT_OK);
	/* Prefixes may be empty or end in '/' or a partial name, never climb. */
	assert_int_equal(dlt_storage__check_key("", 1, &err), DLT_OK);
	assert_int_equal(dlt_storage__check_key("_delta_log/", 1, &err), DLT_OK);
	assert_int_equal(dlt_storage__check_key("_delta_log/0000", 1, &err), DLT_OK);
	assert_int_equal(dlt_storage__check_key("../", 1, &err), DLT_EINVAL);
	assert_int_equal(dlt_storage__check_key("/", 1, &err), DLT_EINVAL);
}

static void test_storage_partition_escape_matches_spark(void **state)
{
	char *s = NULL, *back = NULL;
	dlt_error err;
	(void)state;
	/* Spark/Hive escape " # % ' * / : = ? \ { [ ] ^, controls and DEL; not space or UTF-8. */
	assert_int_equal(dlt_storage_escape_partition(&s, "a b=c/d%e#f:g?h*i'j\"k\\l{m[n]o^p\x01q\x7f"
	                                              "\xc3\xbc}<>|", &err), DLT_OK);
	assert_string_equal(s, "a b%3Dc%2Fd%25e%23f%3Ag%3Fh%2Ai%27j%22k%5Cl%7Bm%5Bn%5Do%5Ep%01q%7F"
	                       "\xc3\xbc}<>|");
	assert_int_equal(dlt_storage_unescape_partition(&back, s, &err), DLT_OK);
	assert_string_equal(back, "a b=c/d%e#f:g?h*i'j\"k\\l{m[n]o^p\x01q\x7f\xc3\xbc}<>|");
	dlt_free(s);
	dlt_free(back);
	/* Malformed escapes stay literal, as in Spark's unescapePathName. */
	assert_int_equal(dlt_storage_unescape_partition(&back, "100%", &err), DLT_OK);
	assert_string_equal(back, "100%");
	dlt_free(back);
	assert_int_equal(dlt_storage_unescape_partition(&back, "%zz%4", &err), DLT_OK);
	assert_string_equal(back, "%zz%4");
	dlt_free(back);
	/* Java decodes %E9 to the char U+00E9, which is two bytes in UTF-8. */
	assert_int_equal(dlt_storage_unescape_partition(&back, "caf%E9", &err), DLT_OK);
	assert_string_equal(back, "caf\xc3\xa9");
	dlt_free(back);
	assert_int_equal(dlt_storage_escape_partition(&s, "", &err), DLT_OK);
	assert_string_equal(s, "");
	dlt_free(s);
}

static void test_storage_uri_encode_decode_log_paths(void **state)
{
	char *part = NULL, *enc = NULL, *dec = NULL, *key = NULL;
	dlt_error err;
	(void)state;
	/* A partition value escaped for the directory, then URI-encoded for add.path. */
	assert_int_equal(dlt_storage_escape_partition(&part, "a=b c%\xc3\xbc#", &err), DLT_OK);
	assert_string_equal(part, "a%3Db c%25\xc3\xbc%23");
	key = dlt_asprintf("p=%s/part-0.parquet", part);
	assert_int_equal(dlt_storage_uri_encode(&enc, key, &err), DLT_OK);
	assert_string_equal(enc, "p=a%253Db%20c%2525\xc3\xbc%2523/part-0.parquet");
	assert_int_equal(dlt_storage_uri_decode(&dec, enc, &err), DLT_OK);
	assert_string_equal(dec, key);
	dlt_free(part);
	dlt_free(enc);
	dlt_free(dec);
	dlt_free(key);
	assert_int_equal(dlt_storage_uri_decode(&dec, "bad%g1", &err), DLT_EINVAL);
	assert_null(dec);
	assert_int_equal(dlt_storage_uri_decode(&dec, "nul%00", &err), DLT_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_storage_uri_parse_forms),
		cmocka_unit_test(test_storage_uri_parse_rejects),
		cmocka_unit_test(test_storage_key_escape_refused),
		cmocka_unit_test(test_storage_partition_escape_matches_spark),
		cmocka_unit_test(test_storage_uri_encode_decode_log_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
