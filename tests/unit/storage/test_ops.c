/* Every operation on the local and memory backends, special characters in
 * keys, listing order / start-after / delimiter, root escapes, registry. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "deltalite/storage.h"
#include "deltalite/sys/storage_backend.h"
#include "helpers.h"

static void put_str(dlt_storage *s, const char *key, const char *v)
{
	dlt_error err;
	int rc = dlt_storage_put(s, key, v, strlen(v), DLT_PUT_OVERWRITE, &err);
	if (rc != DLT_OK)
		fail_msg("put '%s': %s", key, err.message);
}

static void assert_get(dlt_storage *s, const char *key, const char *v)
{
	dlt_bytes b = DLT_BYTES_INIT;
	dlt_error err;
	int rc = dlt_storage_get(&b, s, key, &err);
	if (rc != DLT_OK)
		fail_msg("get '%s': %s", key, err.message);
	assert_int_equal(b.len, strlen(v));
	assert_memory_equal(b.data, v, b.len);
	dlt_bytes_dispose(&b);
}

/* The same checks on any backend. */
static void exercise(dlt_storage *s)
{
	static const char *const special[] = { "p=a b/x.parquet", "p=a%3Db/x%20y.parquet",
		                               "p=\xc3\xbc\xe2\x82\xac/\xf0\x9f\x98\x80.bin",
		                               "p=#1/h#sh", "sp ace/=eq=/%25" };
	dlt_object_meta m;
	dlt_bytes b = DLT_BYTES_INIT;
	dlt_error err;
	dlt_input *in;
	char buf[8];
	size_t i, got;
	uint64_t size;
	st_list l = { 0 };

	/* missing objects */
	assert_int_equal(dlt_storage_head(&m, s, "nope", &err), DLT_ENOTFOUND);
	assert_non_null(strstr(err.message, "nope"));
	assert_int_equal(dlt_storage_get(&b, s, "nope", &err), DLT_ENOTFOUND);
	assert_int_equal(dlt_storage_open_input(&in, s, "nope", &err), DLT_ENOTFOUND);
	assert_int_equal(dlt_storage_delete(s, "nope", &err), DLT_OK);

	/* put / head / get / ranged get / overwrite */
	put_str(s, "_delta_log/00000000000000000000.json", "{\"commitInfo\":{}}\n");
	assert_int_equal(dlt_storage_head(&m, s, "_delta_log/00000000000000000000.json", &err),
	                 DLT_OK);
	assert_int_equal(m.size, 18);
	assert_true(m.mtime_ms > 1600000000000LL);
	assert_get(s, "_delta_log/00000000000000000000.json", "{\"commitInfo\":{}}\n");
	assert_int_equal(dlt_storage_get_range(&b, s, "_delta_log/00000000000000000000.json", 2, 10,
	                                       &err), DLT_OK);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.data, "commitInfo", 10);
	dlt_bytes_dispose(&b);
	assert_int_equal(dlt_storage_get_range(&b, s, "_delta_log/00000000000000000000.json", 15,
	                                       100, &err), DLT_OK);
	assert_int_equal(b.len, 3);
	dlt_bytes_dispose(&b);
	assert_int_equal(dlt_storage_get_range(&b, s, "_delta_log/00000000000000000000.json", 99, 1,
	                                       &err), DLT_OK);
	assert_int_equal(b.len, 0);
	dlt_bytes_dispose(&b);
	put_str(s, "_delta_log/00000000000000000000.json", "v2");
	assert_get(s, "_delta_log/00000000000000000000.json", "v2");
	put_str(s, "empty", "");
	assert_get(s, "empty", "");

	/* put-if-absent */
	assert_int_equal(dlt_storage_put(s, "_delta_log/00000000000000000001.json", "one", 3,
	                                 DLT_PUT_IF_ABSENT, &err), DLT_OK);
	assert_int_equal(dlt_storage_put(s, "_delta_log/00000000000000000001.json", "two", 3,
	                                 DLT_PUT_IF_ABSENT, &err), DLT_EEXISTS);
	assert_non_null(strstr(err.message, "00000000000000000001.json"));
	assert_get(s, "_delta_log/00000000000000000001.json", "one");

	/* special characters round-trip and list back verbatim */
	for (i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		put_str(s, special[i], special[i]);
		assert_get(s, special[i], special[i]);
	}

	/* input: ranged reads */
	assert_int_equal(dlt_storage_open_input(&in, s, "p=a%3Db/x%20y.parquet", &err), DLT_OK);
	assert_int_equal(dlt_input_size(&size, in, &err), DLT_OK);
	assert_int_equal(size, strlen("p=a%3Db/x%20y.parquet"));
	assert_int_equal(dlt_input_read_at(in, 3, buf, 4, &got, &err), DLT_OK);
	assert_int_equal(got, 4);
	assert_memory_equal(buf, "%3Db", 4);
	assert_int_equal(dlt_input_read_at(in, size - 2, buf, 8, &got, &err), DLT_OK);
	assert_int_equal(got, 2);
	dlt_input_free(in);

	/* recursive listing: byte order, sizes */
	assert_int_equal(st_list_all(&l, s, "", NULL, 1), DLT_OK);
	assert_int_equal(l.n, 8);
	for (i = 1; i < (size_t)l.n; i++)
		assert_true(strcmp(l.keys[i - 1], l.keys[i]) < 0);
	assert_string_equal(l.keys[0], "_delta_log/00000000000000000000.json");
	assert_int_equal(l.sizes[0], 2);
	assert_string_equal(l.keys[2], "empty");
	assert_string_equal(l.keys[3], "p=#1/h#sh");
	assert_string_equal(l.keys[4], "p=a b/x.parquet");
	assert_string_equal(l.keys[5], "p=a%3Db/x%20y.parquet");
	assert_string_equal(l.keys[6], "p=\xc3\xbc\xe2\x82\xac/\xf0\x9f\x98\x80.bin");
	assert_string_equal(l.keys[7], "sp ace/=eq=/%25");

	/* string prefix + start-after, as the log reader uses them */
	assert_int_equal(st_list_all(&l, s, "_delta_log/0000", NULL, 1), DLT_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(st_list_all(&l, s, "_delta_log/",
	                             "_delta_log/00000000000000000000.json", 1), DLT_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.keys[0], "_delta_log/00000000000000000001.json");
	assert_int_equal(st_list_all(&l, s, "p=", "p=a b/x.parquet", 1), DLT_OK);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.keys[0], "p=a%3Db/x%20y.parquet");
	assert_int_equal(st_list_all(&l, s, "zzz", NULL, 1), DLT_OK);
	assert_int_equal(l.n, 0);
	assert_int_equal(st_list_all(&l, s, "no/such/dir/", NULL, 1), DLT_OK);
	assert_int_equal(l.n, 0);

	/* non-recursive: objects and one "dir/" per subdirectory, in order */
	assert_int_equal(st_list_all(&l, s, "", NULL, 0), DLT_OK);
	assert_int_equal(l.n, 7);
	assert_string_equal(l.keys[0], "_delta_log/");
	assert_true(l.is_prefix[0]);
	assert_string_equal(l.keys[1], "empty");
	assert_false(l.is_prefix[1]);
	assert_string_equal(l.keys[2], "p=#1/");
	assert_string_equal(l.keys[6], "sp ace/");
	assert_int_equal(st_list_all(&l, s, "sp ace/", NULL, 0), DLT_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.keys[0], "sp ace/=eq=/");
	assert_int_equal(st_list_all(&l, s, "", "p=a b/", 0), DLT_OK);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.keys[0], "p=a%3Db/");

	/* early stop */
	l.stop_after = 2;
	assert_int_equal(st_list_all(&l, s, "", NULL, 1), DLT_OK);
	assert_int_equal(l.n, 2);
	l.stop_after = 0;

	/* keys escaping the root are refused, naming the key */
	assert_int_equal(dlt_storage_put(s, "../escape", "x", 1, DLT_PUT_OVERWRITE, &err),
	                 DLT_EINVAL);
	assert_non_null(strstr(err.message, "../escape"));
	assert_string_equal(err.path, "../escape");
	assert_int_equal(dlt_storage_get(&b, s, "/etc/passwd", &err), DLT_EINVAL);
	assert_int_equal(dlt_storage_head(&m, s, "a/../../b", &err), DLT_EINVAL);
	assert_int_equal(dlt_storage_delete(s, "..", &err), DLT_EINVAL);
	assert_int_equal(dlt_storage_open_input(&in, s, "a\\..\\..\\b", &err), DLT_EINVAL);
	assert_int_equal(st_list_all(&l, s, "../", NULL, 1), DLT_EINVAL);

	/* delete */
	assert_int_equal(dlt_storage_delete(s, "p=#1/h#sh", &err), DLT_OK);
	assert_int_equal(dlt_storage_head(&m, s, "p=#1/h#sh", &err), DLT_ENOTFOUND);
	assert_int_equal(dlt_storage_delete(s, "p=#1/h#sh", &err), DLT_OK);
}

static void test_storage_local_all_operations(void **state)
{
	char *dir = st_tmpdir("ops"), *uri, *path, *data;
	dlt_storage *s;
	dlt_error err;
	struct stat st;
	(void)state;
	/* file:// URI with %-escapes naming a directory with a space and '%'. */
	path = malloc(strlen(dir) + 64);
	sprintf(path, "%s/my table%%", dir);
	uri = malloc(strlen(dir) + 64);
	sprintf(uri, "file://%s/my%%20table%%25", dir);
	assert_int_equal(dlt_storage_open(&s, uri, NULL, 0, &err), DLT_OK);
	assert_string_equal(dlt_storage_uri(s), uri);
	assert_true(dlt_storage_caps(s) & DLT_STORAGE_CAP_PUT_IF_ABSENT);
	exercise(s);
	dlt_storage_free(s);
	/* The keys are the literal file names on disk (Spark's encoding, untouched). */
	sprintf(path, "%s/my table%%/p=a%%3Db/x%%20y.parquet", dir);
	data = st_slurp(path, NULL);
	assert_non_null(data);
	assert_string_equal(data, "p=a%3Db/x%20y.parquet");
	free(data);
	sprintf(path, "%s/my table%%/p=\xc3\xbc\xe2\x82\xac", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* A plain path opens the same root, taken literally. */
	sprintf(path, "%s/my table%%", dir);
	assert_int_equal(dlt_storage_open(&s, path, NULL, 0, &err), DLT_OK);
	assert_get(s, "sp ace/=eq=/%25", "sp ace/=eq=/%25");
	dlt_storage_free(s);
	st_rmtree(dir);
	free(path);
	free(uri);
	free(dir);
}

static void test_storage_memory_all_operations(void **state)
{
	dlt_storage *s, *s2, *sub;
	dlt_error err;
	st_list l = { 0 };
	(void)state;
	assert_int_equal(dlt_storage_open(&s, "memory://ops", NULL, 0, &err), DLT_OK);
	exercise(s);
	/* Shared by name; a sub-root sees only its part. */
	assert_int_equal(dlt_storage_open(&s2, "memory://ops", NULL, 0, &err), DLT_OK);
	assert_get(s2, "empty", "");
	assert_int_equal(dlt_storage_open(&sub, "memory://ops/sp%20ace", NULL, 0, &err), DLT_OK);
	assert_get(sub, "=eq=/%25", "sp ace/=eq=/%25");
	assert_int_equal(st_list_all(&l, sub, "", NULL, 1), DLT_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.keys[0], "=eq=/%25");
	dlt_storage_free(sub);
	dlt_storage_free(s2);
	dlt_storage_free(s);
	/* Another name is another store. */
	assert_int_equal(dlt_storage_open(&s, "memory://other", NULL, 0, &err), DLT_OK);
	assert_int_equal(st_list_all(&l, s, "", NULL, 1), DLT_OK);
	assert_int_equal(l.n, 0);
	dlt_storage_free(s);
	dlt_storage_memory_drop(NULL);
	assert_int_equal(dlt_storage_open(&s, "memory://ops", NULL, 0, &err), DLT_OK);
	assert_int_equal(st_list_all(&l, s, "", NULL, 1), DLT_OK);
	assert_int_equal(l.n, 0);
	dlt_storage_free(s);
	dlt_storage_memory_drop(NULL);
}

static void test_storage_outputs_visible_only_on_finish(void **state)
{
	char *dir = st_tmpdir("out");
	const char *uris[2];
	dlt_error err;
	size_t k;
	(void)state;
	uris[0] = dir;
	uris[1] = "memory://out";
	for (k = 0; k < 2; k++) {
		dlt_storage *s;
		dlt_output *o;
		dlt_object_meta m;
		st_list l = { 0 };
		assert_int_equal(dlt_storage_open(&s, uris[k], NULL, 0, &err), DLT_OK);
		/* aborted: nothing left, not even in a listing */
		assert_int_equal(dlt_storage_open_output(&o, s, "d/part-0.parquet", DLT_PUT_OVERWRITE,
		                                         &err), DLT_OK);
		assert_int_equal(dlt_output_write(o, "abc", 3, &err), DLT_OK);
		assert_int_equal(dlt_storage_head(&m, s, "d/part-0.parquet", &err), DLT_ENOTFOUND);
		assert_int_equal(st_list_all(&l, s, "", NULL, 1), DLT_OK);
		assert_int_equal(l.n, 0);
		dlt_output_free(o);
		assert_int_equal(st_list_all(&l, s, "", NULL, 1), DLT_OK);
		assert_int_equal(l.n, 0);
		/* finished: visible at once */
		assert_int_equal(dlt_storage_open_output(&o, s, "d/part-0.parquet", DLT_PUT_IF_ABSENT,
		                                         &err), DLT_OK);
		assert_int_equal(dlt_output_write(o, "abc", 3, &err), DLT_OK);
		assert_int_equal(dlt_output_write(o, "def", 3, &err), DLT_OK);
		assert_int_equal(dlt_output_finish(o, &err), DLT_OK);
		dlt_output_free(o);
		assert_get(s, "d/part-0.parquet", "abcdef");
		/* if-absent stream loses to the existing object and leaves nothing else */
		assert_int_equal(dlt_storage_open_output(&o, s, "d/part-0.parquet", DLT_PUT_IF_ABSENT,
		                                         &err), DLT_OK);
		assert_int_equal(dlt_output_write(o, "zzz", 3, &err), DLT_OK);
		assert_int_equal(dlt_output_finish(o, &err), DLT_EEXISTS);
		dlt_output_free(o);
		assert_get(s, "d/part-0.parquet", "abcdef");
		assert_int_equal(st_list_all(&l, s, "", NULL, 1), DLT_OK);
		assert_int_equal(l.n, 1);
		assert_int_equal(dlt_storage_open_output(&o, s, "../x", DLT_PUT_OVERWRITE, &err),
		                 DLT_EINVAL);
		dlt_storage_free(s);
	}
	dlt_storage_memory_drop(NULL);
	st_rmtree(dir);
	free(dir);
}

/* A custom backend registered by scheme: the memory one under another name. */
static int my_factory(dlt_storage_backend **out, const dlt_uri *uri, const dlt_kv *options,
                      size_t n, void *payload, dlt_error *err)
{
	char *u;
	dlt_storage *s;
	int rc;
	*(int *)payload += 1;
	assert_int_equal(n, 1);
	assert_string_equal(options[0].key, "region");
	u = malloc(strlen(uri->bucket) + 16);
	sprintf(u, "memory://%s", uri->bucket);
	rc = dlt_storage_open(&s, u, NULL, 0, err);
	free(u);
	if (rc < 0)
		return rc;
	/* Steal the backend out of the handle (test only: knows the layout). */
	*out = *(dlt_storage_backend **)s;
	*(dlt_storage_backend **)s = NULL;
	dlt_storage_free(s);
	return DLT_OK;
}

static void test_storage_registry_by_scheme(void **state)
{
	dlt_kv kv[1] = { { "region", "eu-west-1" } };
	dlt_storage *s;
	dlt_error err;
	int calls = 0;
	(void)state;
	assert_int_equal(dlt_storage_open(&s, "s3://bucket/t", kv, 1, &err), DLT_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "'s3'"));
	assert_int_equal(dlt_storage_register("S3", my_factory, &calls, &err), DLT_OK);
	assert_int_equal(dlt_storage_open(&s, "s3://bucket/t", kv, 1, &err), DLT_OK);
	assert_int_equal(calls, 1);
	put_str(s, "k", "v");
	assert_get(s, "k", "v");
	dlt_storage_free(s);
	assert_int_equal(dlt_storage_register("s3", NULL, NULL, &err), DLT_OK);
	assert_int_equal(dlt_storage_open(&s, "s3://bucket/t", kv, 1, &err), DLT_EUNSUPPORTED);
	assert_int_equal(dlt_storage_register("bad scheme", my_factory, NULL, &err), DLT_EINVAL);
	assert_int_equal(dlt_storage_open(&s, "memory://", NULL, 0, &err), DLT_EINVAL);
	dlt_storage_memory_drop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_storage_local_all_operations),
		cmocka_unit_test(test_storage_memory_all_operations),
		cmocka_unit_test(test_storage_outputs_visible_only_on_finish),
		cmocka_unit_test(test_storage_registry_by_scheme),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
