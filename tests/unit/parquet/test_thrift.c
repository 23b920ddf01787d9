/* Thrift compact protocol: round trips, hand-made bytes, malformed input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "parquet/thrift.h"

/* Writes a struct with every kind of field, reads it back. */
static void test_thrift_round_trip_all_types(void **state)
{
	dlt_buf b = DLT_BUF_INIT;
	dlt_thrift_writer w;
	dlt_thrift_reader r;
	dlt_error err;
	int16_t last, id;
	uint8_t t;
	int32_t i32;
	int64_t i64;
	int16_t i16;
	int8_t i8;
	double dbl;
	const uint8_t *bin;
	size_t blen;
	uint32_t n;
	bool bv;
	(void)state;

	dlt_thrift__writer_init(&w, &b, &err);
	dlt_thrift__write_struct_begin(&w);
	dlt_thrift__write_field_i32(&w, 1, -123456);
	dlt_thrift__write_field_i64(&w, 2, INT64_MIN);
	dlt_thrift__write_field_bool(&w, 3, true);
	dlt_thrift__write_field_bool(&w, 4, false);
	dlt_thrift__write_field_string(&w, 5, "hello");
	dlt_thrift__write_field_i16(&w, 40, -7); /* long-form id (delta > 15) */
	dlt_thrift__write_field_i8(&w, 41, -5);
	dlt_thrift__write_field_double(&w, 42, 2.5);
	dlt_thrift__write_field_list_begin(&w, 43, DLT_THRIFT_I64, 20);
	for (int k = 0; k < 20; k++)
		dlt_thrift__write_i64(&w, (int64_t)k * 1000000007LL - 5);
	dlt_thrift__write_field_struct_begin(&w, 44);
	dlt_thrift__write_field_i32(&w, 1, INT32_MAX);
	dlt_thrift__write_struct_end(&w);
	dlt_thrift__write_struct_end(&w);
	assert_int_equal(dlt_thrift__writer_status(&w), DLT_OK);

	dlt_thrift__reader_init(&r, b.data, b.len);
	assert_int_equal(dlt_thrift__struct_begin(&r, &last, &err), DLT_OK);
	assert_int_equal(dlt_thrift__field_next(&r, &last, &t, &id, &err), 1);
	assert_int_equal(id, 1);
	assert_int_equal(t, DLT_THRIFT_I32);
	assert_int_equal(dlt_thrift__read_i32(&r, &i32, &err), DLT_OK);
	assert_int_equal(i32, -123456);
	assert_int_equal(dlt_thrift__field_next(&r, &last, &t, &id, &err), 1);
	assert_int_equal(dlt_thrift__read_i64(&r, &i64, &err), DLT_OK);
	assert_true(i64 == INT64_MIN);
	assert_int_equal(dlt_thrift__field_next(&r, &last, &t, &id, &err), 1);
	assert_int_equal(dlt_thrift__field_bool(&bv, t, &err), DLT_OK);
	assert_true(bv);
	assert_int_equal(dlt_thrift__field_next(&r, &last, &t, &id, &err), 1);
	assert_int_equal(dlt_thrift__field_bool(&bv, t, &err), DLT_OK);
	assert_false(bv);
	assert_int_equal(dlt_thrift__field_next(&r, &last, &t, &id, &err), 1);
	assert_int_equal(id, 5);
	assert_int_equal(dlt_thrift__read_binary(&r, &bin, &blen, &err), DLT_OK);
	assert_int_equal(blen, 5);
	assert_memory_equal(bin, "hello", 5);
	assert_int_equal(dlt_thrift__field_next(&r, &last, &t, &id, &err), 1);
	assert_int_equal(id, 40);
	assert_int_equal(dlt_thrift__read_i16(&r, &i16, &err), DLT_OK);
	assert_int_equal(i16, -7);
	assert_int_equal(dlt_thrift__field_next(&r, &last, &t, &id, &err), 1);
	assert_int_equal(id, 41);
	assert_int_equal(dlt_thrift__read_byte(&r, &i8, &err), DLT_OK);
	assert_int_equal(i8, -5);
	assert_int_equal(dlt_thrift__field_next(&r, &last, &t, &id, &err), 1);
	assert_int_equal(dlt_thrift__read_double(&r, &dbl, &err), DLT_OK);
	assert_true(dbl == 2.5);
	assert_int_equal(dlt_thrift__field_next(&r, &last, &t, &id, &err), 1);
	assert_int_equal(id, 43);
	assert_int_equal(dlt_thrift__list_begin(&r, &t, &n, &err), DLT_OK);
	assert_int_equal(n, 20);
	for (uint32_t k = 0; k < n; k++) {
		assert_int_equal(dlt_thrift__read_i64(&r, &i64, &err), DLT_OK);
		assert_true(i64 == (int64_t)k * 1000000007LL - 5);
	}
	dlt_thrift__container_end(&r);
	/* skip the nested struct */
	assert_int_equal(dlt_thrift__field_next(&r, &last, &t, &id, &err), 1);
	assert_int_equal(t, DLT_THRIFT_STRUCT);
	assert_int_equal(dlt_thrift__skip(&r, t, &err), DLT_OK);
	assert_int_equal(dlt_thrift__field_next(&r, &last, &t, &id, &err), 0);
	assert_int_equal(dlt_thrift__remaining(&r), 0);
	assert_int_equal(r.depth, 0);
	dlt_buf_dispose(&b);
}

/* Hand-computed bytes from the compact protocol spec. */
static void test_thrift_known_bytes(void **state)
{
	dlt_buf b = DLT_BUF_INIT;
	dlt_thrift_writer w;
	dlt_error err;
	(void)state;
	dlt_thrift__writer_init(&w, &b, &err);
	dlt_thrift__write_struct_begin(&w);
	dlt_thrift__write_field_i32(&w, 1, 1);   /* 0x15 0x02 */
	dlt_thrift__write_field_i64(&w, 3, -1);  /* 0x26 0x01 */
	dlt_thrift__write_field_bool(&w, 4, true); /* 0x11 */
	dlt_thrift__write_field_i32(&w, 100, 0); /* 0x05 (i16 100 zigzag=200: 0xc8 0x01) 0x00 */
	dlt_thrift__write_field_list_begin(&w, 101, DLT_THRIFT_I32, 16); /* 0x19 0xf5 0x10 */
	for (int k = 0; k < 16; k++)
		dlt_thrift__write_i32(&w, 0);
	dlt_thrift__write_struct_end(&w);
	{
		static const uint8_t want[] = { 0x15, 0x02, 0x26, 0x01, 0x11, 0x05, 0xc8, 0x01,
			                        0x00, 0x19, 0xf5, 0x10, 0, 0, 0, 0, 0, 0, 0, 0,
			                        0,    0,    0,    0,    0, 0, 0, 0, 0x00 };
		assert_int_equal(b.len, sizeof(want));
		assert_memory_equal(b.data, want, sizeof(want));
	}
	dlt_buf_dispose(&b);
}

static int skip_whole(const uint8_t *d, size_t n, dlt_error *err)
{
	dlt_thrift_reader r;
	dlt_thrift__reader_init(&r, d, n);
	return dlt_thrift__skip(&r, DLT_THRIFT_STRUCT, err);
}

static void test_thrift_skip_every_type(void **state)
{
	/* struct: byte, i16, double, binary, list<bool>, set<i32>, map<binary,i64>, uuid,
	 * nested struct, bools; then stop */
	static const uint8_t in[] = {
		0x13, 0x7f,                                     /* 1: byte */
		0x14, 0x03,                                     /* 2: i16 */
		0x17, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f,             /* 3: double 1.0 */
		0x18, 0x02, 'h', 'i',                           /* 4: binary */
		0x19, 0x31, 0x01, 0x02, 0x01,                   /* 5: list<bool>[3] */
		0x1a, 0x25, 0x02, 0x04,                         /* 6: set<i32>[2] */
		0x1b, 0x02, 0x86, 0x01, 'a', 0x02, 0x01, 'b', 0x04, /* 7: map<bin,i64>{2} */
		0x1d, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, /* 8: uuid */
		0x1c, 0x11, 0x12, 0x00,                         /* 9: struct{bool,bool} */
		0x1b, 0x00,                                     /* 10: empty map */
		0x00
	};
	dlt_error err;
	dlt_thrift_reader r;
	(void)state;
	dlt_thrift__reader_init(&r, in, sizeof(in));
	assert_int_equal(dlt_thrift__skip(&r, DLT_THRIFT_STRUCT, &err), DLT_OK);
	assert_int_equal(dlt_thrift__remaining(&r), 0);
	/* every strict prefix is truncated, never out of bounds */
	for (size_t n = 0; n < sizeof(in); n++) {
		dlt_thrift__reader_init(&r, in, n);
		assert_int_equal(dlt_thrift__skip(&r, DLT_THRIFT_STRUCT, &err), DLT_ECORRUPT);
		assert_true(r.truncated);
	}
}

static void test_thrift_malformed(void **state)
{
	dlt_error err;
	uint8_t deep[200];
	(void)state;
	/* nesting deeper than the limit */
	for (size_t i = 0; i < sizeof(deep); i++)
		deep[i] = 0x1c; /* field 1 struct, again and again */
	assert_int_equal(skip_whole(deep, sizeof(deep), &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "too deep"));
	/* list claims a billion elements in a few bytes */
	{
		static const uint8_t huge[] = { 0x19, 0xf5, 0x80, 0x94, 0xeb, 0xdc, 0x03, 0x00 };
		assert_int_equal(skip_whole(huge, sizeof(huge), &err), DLT_ECORRUPT);
		assert_non_null(strstr(err.message, "list"));
	}
	/* invalid field type 14 */
	{
		static const uint8_t bad[] = { 0x1e, 0x00 };
		assert_int_equal(skip_whole(bad, sizeof(bad), &err), DLT_ECORRUPT);
		assert_non_null(strstr(err.message, "invalid field type"));
	}
	/* varint longer than 10 bytes */
	{
		static const uint8_t bad[] = { 0x16, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			                       0xff, 0xff, 0xff, 0xff, 0x01, 0x00 };
		assert_int_equal(skip_whole(bad, sizeof(bad), &err), DLT_ECORRUPT);
	}
	/* binary length past the end */
	{
		static const uint8_t bad[] = { 0x18, 0x10, 'a', 0x00 };
		assert_int_equal(skip_whole(bad, sizeof(bad), &err), DLT_ECORRUPT);
	}
	/* i32 varint beyond 32 bits */
	{
		static const uint8_t bad[] = { 0xff, 0xff, 0xff, 0xff, 0x7f };
		dlt_thrift_reader r;
		int32_t v;
		dlt_thrift__reader_init(&r, bad, sizeof(bad));
		assert_int_equal(dlt_thrift__read_i32(&r, &v, &err), DLT_ECORRUPT);
	}
	/* map with invalid element type */
	{
		static const uint8_t bad[] = { 0x1b, 0x01, 0xe5, 0x00, 0x00 };
		assert_int_equal(skip_whole(bad, sizeof(bad), &err), DLT_ECORRUPT);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thrift_round_trip_all_types),
		cmocka_unit_test(test_thrift_known_bytes),
		cmocka_unit_test(test_thrift_skip_every_type),
		cmocka_unit_test(test_thrift_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
