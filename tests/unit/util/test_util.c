/* Error object, allocator counting/failure, buffers, base64, civil dates, I/O. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <unistd.h>

#include "deltalite/io.h"
#include "util/util.h"

static void test_util_error_set_returns_code_and_formats(void **state)
{
	dlt_error err;
	(void)state;
	assert_int_equal(dlt_error_set(&err, DLT_ECORRUPT, "page at offset %d: truncated", 4096),
	                 DLT_ECORRUPT);
	assert_int_equal(err.code, DLT_ECORRUPT);
	assert_string_equal(err.message, "page at offset 4096: truncated");
	assert_int_equal(err.offset, -1);
	dlt_error_prefix(&err, "checkpoint %d", 10);
	assert_string_equal(err.message, "checkpoint 10: page at offset 4096: truncated");
	assert_int_equal(err.code, DLT_ECORRUPT);
	assert_int_equal(dlt_error_set(NULL, DLT_EIO, "x"), DLT_EIO);
	assert_string_equal(dlt_code_name(DLT_ESCHEMA), "DLT_ESCHEMA");
	assert_string_equal(dlt_code_name(12345), "DLT_UNKNOWN");
}

static void test_util_error_message_truncates_safely(void **state)
{
	dlt_error err;
	char big[4000];
	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	dlt_error_set(&err, DLT_EINVAL, "%s", big);
	assert_int_equal(strlen(err.message), DLT_ERROR_MESSAGE_MAX - 1);
	dlt_error_set_path(&err, big);
	assert_int_equal(strlen(err.path), DLT_ERROR_PATH_MAX - 1);
}

static void test_util_alloc_counting_and_failure(void **state)
{
	dlt_alloc_stats st;
	void *p, *q;
	(void)state;
	dlt_alloc_counting(1);
	p = dlt_malloc(100);
	q = dlt_realloc(NULL, 50);
	assert_non_null(p);
	q = dlt_realloc(q, 500);
	dlt_alloc_stats_get(&st);
	assert_int_equal(st.live_blocks, 2);
	assert_int_equal(st.live_bytes, 600);
	dlt_free(p);
	dlt_free(q);
	dlt_alloc_stats_get(&st);
	assert_int_equal(st.live_blocks, 0);
	assert_int_equal(st.live_bytes, 0);
	assert_true(st.peak_bytes >= 600);

	dlt_alloc_fail_after(2);
	p = dlt_malloc(8);
	assert_non_null(p);
	assert_null(dlt_malloc(8)); /* the 2nd fails */
	q = dlt_malloc(8);          /* then failing stops */
	assert_non_null(q);
	dlt_free(p);
	dlt_free(q);
	dlt_alloc_stats_get(&st);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.live_blocks, 0);
	dlt_alloc_counting(0);
	/* Too late to swap allocators once memory was handed out. */
	assert_int_equal(dlt_set_allocator(NULL), DLT_EINVAL);
}

static void test_util_buf_grows_and_formats(void **state)
{
	dlt_buf b = DLT_BUF_INIT;
	dlt_error err;
	(void)state;
	for (int i = 0; i < 1000; i++)
		assert_int_equal(dlt_buf_appendf(&b, &err, "%d,", i), DLT_OK);
	assert_int_equal(b.len, 3890);
	assert_memory_equal(b.data, "0,1,2,", 6);
	char long_s[600];
	memset(long_s, 'a', 599);
	long_s[599] = 0;
	assert_int_equal(dlt_buf_appendf(&b, &err, "%s", long_s), DLT_OK);
	assert_int_equal(b.len, 3890 + 599);
	dlt_buf_dispose(&b);
	assert_null(b.data);
}

static void test_util_base64_round_trip(void **state)
{
	static const char *cases[][2] = { { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		                          { "foo", "Zm9v" }, { "foobar", "Zm9vYmFy" } };
	dlt_error err;
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dlt_buf b = DLT_BUF_INIT, d = DLT_BUF_INIT;
		assert_int_equal(dlt_base64_encode(&b, (const uint8_t *)cases[i][0],
		                                   strlen(cases[i][0]), &err), DLT_OK);
		assert_int_equal(b.len, strlen(cases[i][1]));
		assert_memory_equal(b.data ? (const char *)b.data : "", cases[i][1], b.len);
		assert_int_equal(dlt_base64_decode(&d, cases[i][1], strlen(cases[i][1]), &err), DLT_OK);
		assert_int_equal(d.len, strlen(cases[i][0]));
		dlt_buf_dispose(&b);
		dlt_buf_dispose(&d);
	}
	dlt_buf d = DLT_BUF_INIT;
	assert_int_equal(dlt_base64_decode(&d, "Zm*v", 4, &err), DLT_ECORRUPT);
	dlt_buf_dispose(&d);
}

static void test_util_civil_dates(void **state)
{
	int64_t y;
	unsigned m, d;
	(void)state;
	assert_int_equal(dlt_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(dlt_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(dlt_days_from_civil(1969, 12, 31), -1);
	for (int64_t z = -800000; z < 800000; z += 997) {
		dlt_civil_from_days(z, &y, &m, &d);
		assert_int_equal(dlt_days_from_civil(y, m, d), z);
	}
}

static void test_util_output_file_is_atomic(void **state)
{
	char path[512];
	dlt_output *o = NULL;
	dlt_input *in = NULL;
	dlt_error err;
	uint64_t size;
	char back[16];
	(void)state;
	snprintf(path, sizeof(path), "%s/util_atomic_%d.bin", DLT_TEST_TMPDIR, (int)getpid());
	unlink(path);
	/* An output freed before finish leaves nothing behind. */
	assert_int_equal(dlt_output_open_file(&o, path, &err), DLT_OK);
	assert_int_equal(dlt_output_write(o, "hello", 5, &err), DLT_OK);
	dlt_output_free(o);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(dlt_input_open_file(&in, path, &err), DLT_ENOTFOUND);
	assert_non_null(strstr(err.message, path));
	assert_non_null(strstr(err.message, "No such file or directory"));
	assert_string_equal(err.path, path);

	/* An explicit abort discards at once and refuses later writes and finish. */
	assert_int_equal(dlt_output_open_file(&o, path, &err), DLT_OK);
	assert_int_equal(dlt_output_write(o, "partial", 7, &err), DLT_OK);
	dlt_output_abort(o);
	assert_int_equal(dlt_output_write(o, "x", 1, &err), DLT_EINVAL);
	assert_int_equal(dlt_output_finish(o, &err), DLT_EINVAL);
	dlt_output_free(o);
	assert_int_equal(access(path, F_OK), -1);

	assert_int_equal(dlt_output_open_file(&o, path, &err), DLT_OK);
	assert_int_equal(dlt_output_write(o, "hello world", 11, &err), DLT_OK);
	assert_int_equal(dlt_output_position(o), 11);
	assert_int_equal(dlt_output_finish(o, &err), DLT_OK);
	dlt_output_free(o);
	assert_int_equal(dlt_input_open_file(&in, path, &err), DLT_OK);
	assert_int_equal(dlt_input_size(&size, in, &err), DLT_OK);
	assert_int_equal(size, 11);
	assert_int_equal(dlt_input_read_exact(in, 6, back, 5, &err), DLT_OK);
	assert_memory_equal(back, "world", 5);
	assert_int_equal(dlt_input_read_exact(in, 8, back, 5, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "truncated"));
	assert_int_equal(err.offset, 8);
	dlt_input_free(in);
	unlink(path);
}

static void test_util_memory_io(void **state)
{
	dlt_output *o;
	dlt_input *in;
	dlt_error err;
	size_t len, got;
	char back[8];
	(void)state;
	assert_int_equal(dlt_output_to_memory(&o, &err), DLT_OK);
	assert_int_equal(dlt_output_write(o, "abc", 3, &err), DLT_OK);
	assert_int_equal(dlt_output_write(o, "def", 3, &err), DLT_OK);
	const uint8_t *data = dlt_output_memory_data(o, &len);
	assert_int_equal(len, 6);
	assert_int_equal(dlt_input_from_memory(&in, data, len, "mem", &err), DLT_OK);
	assert_int_equal(dlt_input_read_at(in, 4, back, 8, &got, &err), DLT_OK);
	assert_int_equal(got, 2);
	assert_memory_equal(back, "ef", 2);
	dlt_input_free(in);
	assert_int_equal(dlt_output_finish(o, &err), DLT_OK);
	assert_int_equal(dlt_output_write(o, "x", 1, &err), DLT_EINVAL);
	dlt_output_free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_util_error_set_returns_code_and_formats),
		cmocka_unit_test(test_util_error_message_truncates_safely),
		cmocka_unit_test(test_util_alloc_counting_and_failure),
		cmocka_unit_test(test_util_buf_grows_and_formats),
		cmocka_unit_test(test_util_base64_round_trip),
		cmocka_unit_test(test_util_civil_dates),
		cmocka_unit_test(test_util_output_file_is_atomic),
		cmocka_unit_test(test_util_memory_io),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
