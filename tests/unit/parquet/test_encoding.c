/* Parquet encodings: spec examples, random round trips in batches, malformed input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "parquet/encoding.h"
#include "parquet/meta.h"

static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void *xcalloc(size_t n, size_t s)
{
	void *p = calloc(n ? n : 1, s ? s : 1);
	assert_non_null(p);
	return p;
}

/* batch size in 1..max, at most left */
static size_t pick(size_t left, size_t max)
{
	size_t r = (size_t)(rnd() % max) + 1;
	return r < left ? r : left;
}

/* ---------------- spec examples ---------------- */

static void test_encoding_spec_bitpacking_examples(void **state)
{
	/* Encodings.md: values 0..7 with bit width 3 */
	static const uint32_t vals[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	static const uint8_t rle_bytes[] = { 0x03, 0x88, 0xc6, 0xfa }; /* header (1 group) */
	static const uint8_t msb[] = { 0x05, 0x39, 0x77 };
	uint32_t out[8];
	int16_t lv[8];
	dlt_pq_rle_decoder d;
	dlt_buf b = DLT_BUF_INIT;
	dlt_error err;
	size_t used;
	(void)state;

	assert_int_equal(dlt_pq__rle_init(&d, rle_bytes, sizeof(rle_bytes), 3, &err), DLT_OK);
	assert_int_equal(dlt_pq__rle_get_u32(&d, out, 8, &err), DLT_OK);
	assert_memory_equal(out, vals, sizeof(vals));
	assert_int_equal(dlt_pq__rle_get_u32(&d, out, 1, &err), DLT_ECORRUPT);
	assert_int_equal(dlt_pq__rle_encode_u32(&b, vals, 8, 3, &err), DLT_OK);
	assert_int_equal(b.len, sizeof(rle_bytes));
	assert_memory_equal(b.data, rle_bytes, sizeof(rle_bytes));
	/* deprecated BIT_PACKED is MSB first */
	assert_int_equal(dlt_pq__bitpacked_levels_decode(lv, 8, &used, msb, 3, 3, &err), DLT_OK);
	assert_int_equal(used, 3);
	for (int i = 0; i < 8; i++)
		assert_int_equal(lv[i], i);
	assert_int_equal(dlt_pq__bitpacked_levels_decode(lv, 8, &used, msb, 2, 3, &err),
	                 DLT_ECORRUPT);
	/* an RLE run: 100 times the value 5 at bit width 3: header 200 (varint c8 01), 05 */
	dlt_buf_clear(&b);
	{
		uint32_t many[100];
		static const uint8_t want[] = { 0xc8, 0x01, 0x05 };
		for (int i = 0; i < 100; i++)
			many[i] = 5;
		assert_int_equal(dlt_pq__rle_encode_u32(&b, many, 100, 3, &err), DLT_OK);
		assert_int_equal(b.len, 3);
		assert_memory_equal(b.data, want, 3);
	}
	dlt_buf_dispose(&b);
}

static void test_encoding_spec_delta_examples(void **state)
{
	static const int32_t ex1[] = { 1, 2, 3, 4, 5 };
	static const uint8_t ex1_bytes[] = { 0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0, 0, 0, 0 };
	static const int32_t ex2[] = { 7, 5, 3, 1, 2, 3, 4, 5 };
	static const uint8_t ex2_bytes[] = { 0x80, 0x01, 0x04, 0x08, 0x0e, 0x03, 2, 0, 0, 0,
		                             0xc0, 0x3f, 0, 0, 0, 0, 0, 0 };
	dlt_buf b = DLT_BUF_INIT;
	dlt_pq_decoder d;
	dlt_error err;
	int32_t out[8];
	(void)state;

	assert_int_equal(dlt_pq__delta_encode_i32(&b, ex1, 5, &err), DLT_OK);
	assert_int_equal(b.len, sizeof(ex1_bytes));
	assert_memory_equal(b.data, ex1_bytes, sizeof(ex1_bytes));
	assert_int_equal(dlt_pq__decoder_init(&d, DLT_PQ_ENC_DELTA_BINARY_PACKED, DLT_PQ_TYPE_INT32,
	                                      0, ex1_bytes, sizeof(ex1_bytes), 5, &err), DLT_OK);
	assert_int_equal(dlt_pq__decoder_fixed(&d, out, 5, &err), DLT_OK);
	assert_memory_equal(out, ex1, sizeof(ex1));
	assert_int_equal(dlt_pq__decoder_fixed(&d, out, 1, &err), DLT_ECORRUPT);
	dlt_pq__decoder_dispose(&d);

	dlt_buf_clear(&b);
	assert_int_equal(dlt_pq__delta_encode_i32(&b, ex2, 8, &err), DLT_OK);
	assert_int_equal(b.len, sizeof(ex2_bytes));
	assert_memory_equal(b.data, ex2_bytes, sizeof(ex2_bytes));
	assert_int_equal(dlt_pq__decoder_init(&d, DLT_PQ_ENC_DELTA_BINARY_PACKED, DLT_PQ_TYPE_INT32,
	                                      0, ex2_bytes, sizeof(ex2_bytes), 8, &err), DLT_OK);
	assert_int_equal(dlt_pq__decoder_fixed(&d, out, 3, &err), DLT_OK);
	assert_int_equal(dlt_pq__decoder_fixed(&d, out + 3, 5, &err), DLT_OK);
	assert_memory_equal(out, ex2, sizeof(ex2));
	dlt_pq__decoder_dispose(&d);
	/* page says 4 values but the stream holds 8 */
	assert_int_equal(dlt_pq__decoder_init(&d, DLT_PQ_ENC_DELTA_BINARY_PACKED, DLT_PQ_TYPE_INT32,
	                                      0, ex2_bytes, sizeof(ex2_bytes), 4, &err),
	                 DLT_ECORRUPT);
	dlt_pq__decoder_dispose(&d);
	dlt_buf_dispose(&b);
}

/* ---------------- RLE round trips ---------------- */

static void rle_round_trip(int bw, size_t n, int pattern)
{
	uint32_t *v = xcalloc(n, 4), *o = xcalloc(n, 4);
	uint64_t mask = bw == 32 ? 0xffffffffu : (((uint64_t)1 << bw) - 1);
	dlt_buf b = DLT_BUF_INIT;
	dlt_pq_rle_decoder d;
	dlt_error err;
	size_t i, done = 0;

	for (i = 0; i < n; i++) {
		if (pattern == 0)
			v[i] = (uint32_t)(rnd() & mask);
		else /* runs */
			v[i] = (i / 37) % 3 == 0 ? (uint32_t)((i / 37) & mask) : (uint32_t)(rnd() & mask);
	}
	assert_int_equal(dlt_pq__rle_encode_u32(&b, v, n, bw, &err), DLT_OK);
	assert_int_equal(dlt_pq__rle_init(&d, b.data, b.len, bw, &err), DLT_OK);
	while (done < n) {
		size_t k = pick(n - done, 300);
		assert_int_equal(dlt_pq__rle_get_u32(&d, o + done, k, &err), DLT_OK);
		done += k;
	}
	for (i = 0; i < n; i++)
		if (v[i] != o[i])
			fail_msg("rle bw %d n %zu: value %zu is %u, want %u", bw, n, i, o[i], v[i]);
	dlt_buf_dispose(&b);
	free(v);
	free(o);
}

static void test_encoding_rle_round_trips(void **state)
{
	static const size_t sizes[] = { 1, 7, 8, 9, 100, 1000, 4097 };
	(void)state;
	rng_state = 12345;
	for (int bw = 0; bw <= 32; bw++)
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			rle_round_trip(bw, sizes[s], 0);
			rle_round_trip(bw, sizes[s], 1);
		}
}

static void test_encoding_rle_levels_and_indices(void **state)
{
	int16_t lv[1000], lo[1000];
	uint32_t idx[1000], io[1000];
	dlt_buf b = DLT_BUF_INIT;
	dlt_pq_rle_decoder d;
	dlt_error err;
	size_t used;
	(void)state;
	rng_state = 777;
	for (int i = 0; i < 1000; i++)
		lv[i] = (int16_t)(rnd() % 4);
	assert_int_equal(dlt_buf_append_zeros(&b, 4, &err), DLT_OK);
	assert_int_equal(dlt_pq__rle_encode_i16(&b, lv, 1000, 2, &err), DLT_OK);
	dlt_store_u32le(b.data, (uint32_t)(b.len - 4));
	assert_int_equal(dlt_buf_append(&b, "tail", 4, &err), DLT_OK);
	assert_int_equal(dlt_pq__rle_init_prefixed(&d, &used, b.data, b.len, 2, &err), DLT_OK);
	assert_int_equal(used, b.len - 4);
	assert_int_equal(dlt_pq__rle_skip(&d, 10, &err), DLT_OK);
	assert_int_equal(dlt_pq__rle_get_i16(&d, lo, 990, &err), DLT_OK);
	assert_memory_equal(lo, lv + 10, 990 * sizeof(int16_t));
	dlt_buf_clear(&b);

	for (int i = 0; i < 1000; i++)
		idx[i] = (uint32_t)(rnd() % 50);
	assert_int_equal(dlt_pq__rle_encode_u32(&b, idx, 1000, 6, &err), DLT_OK);
	assert_int_equal(dlt_pq__rle_init(&d, b.data, b.len, 6, &err), DLT_OK);
	assert_int_equal(dlt_pq__rle_get_indices(&d, io, 1000, 50, &err), DLT_OK);
	assert_memory_equal(io, idx, sizeof(idx));
	assert_int_equal(dlt_pq__rle_init(&d, b.data, b.len, 6, &err), DLT_OK);
	assert_int_equal(dlt_pq__rle_get_indices(&d, io, 1000, 49, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "dictionary index"));
	/* prefix claims more bytes than present, bad widths, truncated runs */
	dlt_store_u32le(b.data, 0xffff);
	assert_int_equal(dlt_pq__rle_init_prefixed(&d, &used, b.data, 10, 2, &err), DLT_ECORRUPT);
	assert_int_equal(dlt_pq__rle_init(&d, b.data, b.len, 33, &err), DLT_ECORRUPT);
	{
		static const uint8_t runbad[] = { 0x10, 0x09 }; /* run value 9 at width 3 */
		assert_int_equal(dlt_pq__rle_init(&d, runbad, 2, 3, &err), DLT_OK);
		assert_int_equal(dlt_pq__rle_get_u32(&d, io, 1, &err), DLT_ECORRUPT);
		static const uint8_t bptrunc[] = { 0x05, 0xff }; /* 2 groups of width 8, 1 byte */
		assert_int_equal(dlt_pq__rle_init(&d, bptrunc, 2, 8, &err), DLT_OK);
		assert_int_equal(dlt_pq__rle_get_u32(&d, io, 1, &err), DLT_OK);
		assert_int_equal(io[0], 0xff);
		assert_int_equal(dlt_pq__rle_get_u32(&d, io, 1, &err), DLT_ECORRUPT);
	}
	dlt_buf_dispose(&b);
}

/* ---------------- value encodings ---------------- */

static void decode_fixed_batches(int enc, int type, int32_t tl, const dlt_buf *b, void *out,
                                 size_t n, size_t width)
{
	dlt_pq_decoder d;
	dlt_error err;
	size_t done = 0;
	int rc = dlt_pq__decoder_init(&d, enc, type, tl, b->data, b->len, n, &err);
	if (rc != DLT_OK)
		fail_msg("init %s/%s: %s", dlt_pq__encoding_name(enc), dlt_pq__type_name(type),
		         err.message);
	while (done < n) {
		size_t k = pick(n - done, 200);
		rc = dlt_pq__decoder_fixed(&d, (uint8_t *)out + done * width, k, &err);
		if (rc != DLT_OK)
			fail_msg("decode %s: %s", dlt_pq__encoding_name(enc), err.message);
		done += k;
	}
	assert_int_equal(dlt_pq__decoder_fixed(&d, out, 1, &err), DLT_ECORRUPT);
	dlt_pq__decoder_dispose(&d);
}

static void test_encoding_fixed_round_trips(void **state)
{
	static const size_t sizes[] = { 0, 1, 2, 31, 32, 33, 127, 128, 129, 1000, 5000 };
	dlt_error err;
	(void)state;
	rng_state = 99;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s];
		int32_t *a32 = xcalloc(n, 4), *o32 = xcalloc(n + 1, 4);
		int64_t *a64 = xcalloc(n, 8), *o64 = xcalloc(n + 1, 8);
		uint8_t *raw = xcalloc(n, 16), *oraw = xcalloc(n + 1, 16);
		uint8_t *bools = xcalloc(n, 1), *obools = xcalloc(n + 1, 1);
		dlt_buf b = DLT_BUF_INIT;
		for (size_t i = 0; i < n; i++) {
			int mode = (int)(s % 3);
			uint64_t r = rnd();
			a64[i] = mode == 0 ? (int64_t)r : mode == 1 ? (int64_t)(r % 1000) - 500
			                                            : (int64_t)i * 3 + (int64_t)(r % 4);
			if (i % 97 == 5)
				a64[i] = i % 2 ? INT64_MIN : INT64_MAX;
			a32[i] = (int32_t)(uint32_t)(uint64_t)a64[i];
			bools[i] = (uint8_t)(r >> 60 & 1);
		}
		for (size_t i = 0; i < n * 16; i++)
			raw[i] = (uint8_t)rnd();
		/* DELTA_BINARY_PACKED int32 / int64 */
		assert_int_equal(dlt_pq__delta_encode_i32(&b, a32, n, &err), DLT_OK);
		decode_fixed_batches(DLT_PQ_ENC_DELTA_BINARY_PACKED, DLT_PQ_TYPE_INT32, 0, &b, o32, n, 4);
		assert_memory_equal(o32, a32, n * 4);
		dlt_buf_clear(&b);
		assert_int_equal(dlt_pq__delta_encode_i64(&b, a64, n, &err), DLT_OK);
		decode_fixed_batches(DLT_PQ_ENC_DELTA_BINARY_PACKED, DLT_PQ_TYPE_INT64, 0, &b, o64, n, 8);
		assert_memory_equal(o64, a64, n * 8);
		dlt_buf_clear(&b);
		/* PLAIN */
		assert_int_equal(dlt_pq__plain_encode_fixed(&b, a64, n, 8, &err), DLT_OK);
		decode_fixed_batches(DLT_PQ_ENC_PLAIN, DLT_PQ_TYPE_DOUBLE, 0, &b, o64, n, 8);
		assert_memory_equal(o64, a64, n * 8);
		dlt_buf_clear(&b);
		assert_int_equal(dlt_pq__plain_encode_fixed(&b, raw, n, 12, &err), DLT_OK);
		decode_fixed_batches(DLT_PQ_ENC_PLAIN, DLT_PQ_TYPE_INT96, 0, &b, oraw, n, 12);
		assert_memory_equal(oraw, raw, n * 12);
		dlt_buf_clear(&b);
		assert_int_equal(dlt_pq__plain_encode_bool(&b, bools, n, &err), DLT_OK);
		assert_int_equal(b.len, (n + 7) / 8);
		decode_fixed_batches(DLT_PQ_ENC_PLAIN, DLT_PQ_TYPE_BOOLEAN, 0, &b, obools, n, 1);
		assert_memory_equal(obools, bools, n);
		dlt_buf_clear(&b);
		/* RLE booleans (length-prefixed) */
		{
			uint32_t *u = xcalloc(n, 4);
			for (size_t i = 0; i < n; i++)
				u[i] = bools[i];
			assert_int_equal(dlt_buf_append_zeros(&b, 4, &err), DLT_OK);
			assert_int_equal(dlt_pq__rle_encode_u32(&b, u, n, 1, &err), DLT_OK);
			dlt_store_u32le(b.data, (uint32_t)(b.len - 4));
			decode_fixed_batches(DLT_PQ_ENC_RLE, DLT_PQ_TYPE_BOOLEAN, 0, &b, obools, n, 1);
			assert_memory_equal(obools, bools, n);
			dlt_buf_clear(&b);
			free(u);
		}
		/* BYTE_STREAM_SPLIT for several widths */
		{
			static const size_t widths[] = { 2, 3, 4, 8, 16 };
			for (size_t w = 0; w < 5; w++) {
				int type = widths[w] == 4 ? DLT_PQ_TYPE_FLOAT
				           : widths[w] == 8 ? DLT_PQ_TYPE_INT64
				                            : DLT_PQ_TYPE_FIXED_LEN_BYTE_ARRAY;
				assert_int_equal(dlt_pq__bss_encode(&b, raw, n, widths[w], &err), DLT_OK);
				decode_fixed_batches(DLT_PQ_ENC_BYTE_STREAM_SPLIT, type, (int32_t)widths[w],
				                     &b, oraw, n, widths[w]);
				assert_memory_equal(oraw, raw, n * widths[w]);
				dlt_buf_clear(&b);
			}
		}
		dlt_buf_dispose(&b);
		free(a32);
		free(o32);
		free(a64);
		free(o64);
		free(raw);
		free(oraw);
		free(bools);
		free(obools);
	}
}

/* byte arrays: random strings with shared prefixes */
static void make_strings(int64_t *off, dlt_buf *data, size_t n)
{
	dlt_error err;
	off[0] = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = (size_t)(rnd() % 12);
		if (i > 0 && rnd() % 2) { /* share a prefix with the previous */
			size_t pl = (size_t)(off[i] - off[i - 1]);
			size_t k = (size_t)(rnd() % ((pl < 16 ? pl : 16) + 1));
			uint8_t tmp[32];
			memcpy(tmp, data->data + off[i - 1], k);
			assert_int_equal(dlt_buf_append(data, tmp, k, &err), DLT_OK);
		}
		for (size_t k = 0; k < len; k++)
			assert_int_equal(dlt_buf_append_byte(data, (uint8_t)('a' + rnd() % 3), &err),
			                 DLT_OK);
		off[i + 1] = (int64_t)data->len;
	}
}

static void check_binary(int enc, const dlt_buf *b, size_t n, const int64_t *off,
                         const dlt_buf *data)
{
	dlt_pq_decoder d;
	dlt_error err;
	int32_t *o32 = xcalloc(n + 1, 4);
	int64_t *o64 = xcalloc(n + 1, 8);
	dlt_buf od = DLT_BUF_INIT;
	size_t done = 0;
	int rc;

	/* int32 offsets, batches */
	assert_int_equal(dlt_pq__decoder_init(&d, enc, DLT_PQ_TYPE_BYTE_ARRAY, 0, b->data, b->len, n,
	                                      &err), DLT_OK);
	o32[0] = 0;
	while (done < n) {
		size_t k = pick(n - done, 100);
		rc = dlt_pq__decoder_binary32(&d, o32 + done, &od, k, &err);
		if (rc != DLT_OK)
			fail_msg("%s: %s", dlt_pq__encoding_name(enc), err.message);
		done += k;
	}
	for (size_t i = 0; i <= n; i++)
		assert_int_equal(o32[i], off[i]);
	assert_int_equal(od.len, data->len);
	if (od.len)
		assert_memory_equal(od.data, data->data, od.len);
	dlt_pq__decoder_dispose(&d);
	/* int64 offsets, one go */
	dlt_buf_clear(&od);
	assert_int_equal(dlt_pq__decoder_init(&d, enc, DLT_PQ_TYPE_BYTE_ARRAY, 0, b->data, b->len, n,
	                                      &err), DLT_OK);
	o64[0] = 0;
	assert_int_equal(dlt_pq__decoder_binary64(&d, o64, &od, n, &err), DLT_OK);
	assert_memory_equal(o64, off, (n + 1) * 8);
	dlt_pq__decoder_dispose(&d);
	/* every truncation is rejected or decodes safely, never out of bounds */
	for (size_t cut = 0; cut < b->len; cut += 1 + b->len / 50) {
		dlt_buf_clear(&od);
		rc = dlt_pq__decoder_init(&d, enc, DLT_PQ_TYPE_BYTE_ARRAY, 0, b->data, cut, n, &err);
		if (rc == DLT_OK) {
			o64[0] = 0;
			rc = dlt_pq__decoder_binary64(&d, o64, &od, n, &err);
		}
		if (n > 0)
			assert_int_equal(rc, DLT_ECORRUPT);
		dlt_pq__decoder_dispose(&d);
	}
	dlt_buf_dispose(&od);
	free(o32);
	free(o64);
}

static void test_encoding_binary_round_trips(void **state)
{
	static const size_t sizes[] = { 0, 1, 5, 128, 129, 2000 };
	dlt_error err;
	(void)state;
	rng_state = 4242;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s];
		int64_t *off = xcalloc(n + 1, 8);
		int32_t *off32 = xcalloc(n + 1, 4);
		dlt_buf data = DLT_BUF_INIT, b = DLT_BUF_INIT;
		make_strings(off, &data, n);
		for (size_t i = 0; i <= n; i++)
			off32[i] = (int32_t)off[i];
		assert_int_equal(dlt_pq__plain_encode_binary64(&b, off, data.data, n, &err), DLT_OK);
		check_binary(DLT_PQ_ENC_PLAIN, &b, n, off, &data);
		dlt_buf_clear(&b);
		assert_int_equal(dlt_pq__plain_encode_binary32(&b, off32, data.data, n, &err), DLT_OK);
		check_binary(DLT_PQ_ENC_PLAIN, &b, n, off, &data);
		dlt_buf_clear(&b);
		assert_int_equal(dlt_pq__delta_length_encode_binary32(&b, off32, data.data, n, &err),
		                 DLT_OK);
		check_binary(DLT_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY, &b, n, off, &data);
		dlt_buf_clear(&b);
		assert_int_equal(dlt_pq__delta_byte_array_encode_binary64(&b, off, data.data, n, &err),
		                 DLT_OK);
		check_binary(DLT_PQ_ENC_DELTA_BYTE_ARRAY, &b, n, off, &data);
		dlt_buf_dispose(&b);
		dlt_buf_dispose(&data);
		free(off);
		free(off32);
	}
}

static void test_encoding_dictionary_gather(void **state)
{
	static const int32_t dict_i32[] = { 10, 20, 30, 40 };
	static const int32_t doff[] = { 0, 3, 3, 8, 8 };
	static const uint8_t ddata[] = "abchello";
	uint32_t idx[6] = { 3, 0, 0, 2, 1, 3 };
	int32_t out[6], off[7];
	dlt_buf data = DLT_BUF_INIT, b = DLT_BUF_INIT;
	dlt_pq_decoder d;
	dlt_error err;
	uint32_t got[6];
	(void)state;

	dlt_pq__dict_gather_fixed(out, dict_i32, 4, idx, 6);
	assert_int_equal(out[0], 40);
	assert_int_equal(out[3], 30);
	off[0] = 5;
	assert_int_equal(dlt_buf_append(&data, "XXXXX", 5, &err), DLT_OK);
	assert_int_equal(dlt_pq__dict_gather_binary32(off, &data, doff, ddata, idx, 6, &err), DLT_OK);
	assert_int_equal(off[6], 5 + 0 + 3 + 3 + 5 + 0 + 0);
	assert_int_equal(off[1], 5);
	assert_memory_equal(data.data, "XXXXXabcabchello", 16);
	/* RLE_DICTIONARY page: bit width byte + runs */
	assert_int_equal(dlt_buf_append_byte(&b, 2, &err), DLT_OK);
	assert_int_equal(dlt_pq__rle_encode_u32(&b, idx, 6, 2, &err), DLT_OK);
	assert_int_equal(dlt_pq__decoder_init(&d, DLT_PQ_ENC_RLE_DICTIONARY, DLT_PQ_TYPE_INT32, 0,
	                                      b.data, b.len, 6, &err), DLT_OK);
	assert_int_equal(dlt_pq__decoder_indices(&d, got, 6, 4, &err), DLT_OK);
	assert_memory_equal(got, idx, sizeof(idx));
	assert_int_equal(dlt_pq__decoder_fixed(&d, out, 1, &err), DLT_ECORRUPT);
	dlt_pq__decoder_dispose(&d);
	b.data[0] = 33;
	assert_int_equal(dlt_pq__decoder_init(&d, DLT_PQ_ENC_RLE_DICTIONARY, DLT_PQ_TYPE_INT32, 0,
	                                      b.data, b.len, 6, &err), DLT_ECORRUPT);
	dlt_pq__decoder_dispose(&d);
	dlt_buf_dispose(&b);
	dlt_buf_dispose(&data);
}

static void test_encoding_malformed(void **state)
{
	dlt_pq_decoder d;
	dlt_error err;
	int64_t out[64];
	(void)state;
	/* miniblock bit width 65 */
	{
		static const uint8_t bad[] = { 0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 65, 0, 0, 0,
			                       0,    0,    0,    0,    0,    0,    0,  0, 0, 0 };
		assert_int_equal(dlt_pq__decoder_init(&d, DLT_PQ_ENC_DELTA_BINARY_PACKED,
		                                      DLT_PQ_TYPE_INT64, 0, bad, sizeof(bad), 5, &err),
		                 DLT_OK);
		assert_int_equal(dlt_pq__decoder_fixed(&d, out, 5, &err), DLT_ECORRUPT);
		assert_non_null(strstr(err.message, "exceeds 64"));
		dlt_pq__decoder_dispose(&d);
	}
	/* block size not a multiple of 128, zero miniblocks */
	{
		static const uint8_t bad1[] = { 0x40, 0x04, 0x05, 0x02 };
		static const uint8_t bad2[] = { 0x80, 0x01, 0x00, 0x05, 0x02 };
		assert_int_equal(dlt_pq__decoder_init(&d, DLT_PQ_ENC_DELTA_BINARY_PACKED,
		                                      DLT_PQ_TYPE_INT64, 0, bad1, sizeof(bad1), 5, &err),
		                 DLT_ECORRUPT);
		dlt_pq__decoder_dispose(&d);
		assert_int_equal(dlt_pq__decoder_init(&d, DLT_PQ_ENC_DELTA_BINARY_PACKED,
		                                      DLT_PQ_TYPE_INT64, 0, bad2, sizeof(bad2), 5, &err),
		                 DLT_ECORRUPT);
		dlt_pq__decoder_dispose(&d);
	}
	/* truncated delta miniblock */
	{
		static const uint8_t bad[] = { 0x80, 0x01, 0x04, 0x08, 0x0e, 0x03, 2, 0, 0, 0, 0xc0 };
		assert_int_equal(dlt_pq__decoder_init(&d, DLT_PQ_ENC_DELTA_BINARY_PACKED,
		                                      DLT_PQ_TYPE_INT32, 0, bad, sizeof(bad), 8, &err),
		                 DLT_OK);
		assert_int_equal(dlt_pq__decoder_fixed(&d, out, 8, &err), DLT_ECORRUPT);
		dlt_pq__decoder_dispose(&d);
	}
	/* PLAIN: more values than bytes; BSS: length not a multiple of the width */
	{
		static const uint8_t few[12] = { 0 };
		assert_int_equal(dlt_pq__decoder_init(&d, DLT_PQ_ENC_PLAIN, DLT_PQ_TYPE_INT64, 0, few,
		                                      12, 10, &err), DLT_OK);
		assert_int_equal(dlt_pq__decoder_fixed(&d, out, 2, &err), DLT_ECORRUPT);
		assert_int_equal(dlt_pq__decoder_fixed(&d, out, 1, &err), DLT_OK);
		dlt_pq__decoder_dispose(&d);
		assert_int_equal(dlt_pq__decoder_init(&d, DLT_PQ_ENC_BYTE_STREAM_SPLIT,
		                                      DLT_PQ_TYPE_DOUBLE, 0, few, 12, 10, &err),
		                 DLT_ECORRUPT);
		dlt_pq__decoder_dispose(&d);
		assert_int_equal(dlt_pq__decoder_init(&d, DLT_PQ_ENC_DELTA_BINARY_PACKED,
		                                      DLT_PQ_TYPE_DOUBLE, 0, few, 12, 10, &err),
		                 DLT_EUNSUPPORTED);
		dlt_pq__decoder_dispose(&d);
		assert_int_equal(dlt_pq__decoder_init(&d, 42, DLT_PQ_TYPE_DOUBLE, 0, few, 12, 10, &err),
		                 DLT_EUNSUPPORTED);
		dlt_pq__decoder_dispose(&d);
	}
	/* PLAIN byte array with a length past the end */
	{
		static const uint8_t bad[] = { 3, 0, 0, 0, 'a', 'b', 'c', 9, 0, 0, 0, 'x' };
		int32_t off[3] = { 0 };
		dlt_buf data = DLT_BUF_INIT;
		assert_int_equal(dlt_pq__decoder_init(&d, DLT_PQ_ENC_PLAIN, DLT_PQ_TYPE_BYTE_ARRAY, 0,
		                                      bad, sizeof(bad), 2, &err), DLT_OK);
		assert_int_equal(dlt_pq__decoder_binary32(&d, off, &data, 2, &err), DLT_ECORRUPT);
		dlt_pq__decoder_dispose(&d);
		dlt_buf_dispose(&data);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encoding_spec_bitpacking_examples),
		cmocka_unit_test(test_encoding_spec_delta_examples),
		cmocka_unit_test(test_encoding_rle_round_trips),
		cmocka_unit_test(test_encoding_rle_levels_and_indices),
		cmocka_unit_test(test_encoding_fixed_round_trips),
		cmocka_unit_test(test_encoding_binary_round_trips),
		cmocka_unit_test(test_encoding_dictionary_gather),
		cmocka_unit_test(test_encoding_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
