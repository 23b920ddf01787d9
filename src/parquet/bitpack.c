/* LSB-first bit packing / unpacking with per-bit-width specialized loops. */
#include "parquet/encoding.h"

#if defined(__GNUC__) || defined(__clang__)
#define BP_INLINE static inline __attribute__((always_inline))
#else
#define BP_INLINE static inline
#endif

/* Values i with byte offset (i*bw)/8 + 8 <= in_len can use an 8-byte load. */
static size_t bp_safe_count(size_t in_len, int bw, size_t slack)
{
	if (in_len < slack || bw == 0)
		return bw == 0 ? SIZE_MAX : 0;
	return ((in_len - slack) * 8) / (size_t)bw;
}

BP_INLINE void unpack32_bw(uint32_t *out, const uint8_t *in, size_t in_len, size_t n,
                           const int bw)
{
	const uint64_t mask = bw == 32 ? 0xffffffffu : (((uint64_t)1 << bw) - 1);
	size_t safe = bp_safe_count(in_len, bw, 8);
	size_t i = 0;

	for (; i + 8 <= n && i + 8 <= safe; i += 8) {
		const uint8_t *base = in + (i / 8) * (size_t)bw;
		int k;
		for (k = 0; k < 8; k++) {
			const unsigned bit = (unsigned)(k * bw);
			out[i + (size_t)k] =
				(uint32_t)((dlt_load_u64le(base + (bit >> 3)) >> (bit & 7)) & mask);
		}
	}
	for (; i < n; i++) {
		size_t bit = i * (size_t)bw, byte = bit >> 3, b;
		unsigned sh = (unsigned)(bit & 7);
		size_t nb = (sh + (unsigned)bw + 7) / 8;
		uint64_t v = 0;
		for (b = 0; b < nb && byte + b < in_len; b++)
			v |= (uint64_t)in[byte + b] << (8 * b);
		out[i] = (uint32_t)((v >> sh) & mask);
	}
}

void dlt_pq__unpack_u32(uint32_t *out, const uint8_t *in, size_t in_len, size_t n,
                        int bit_width)
{
	switch (bit_width) {
#define C(w) case w: unpack32_bw(out, in, in_len, n, w); return;
	C(1) C(2) C(3) C(4) C(5) C(6) C(7) C(8) C(9) C(10) C(11) C(12) C(13) C(14) C(15) C(16)
	C(17) C(18) C(19) C(20) C(21) C(22) C(23) C(24) C(25) C(26) C(27) C(28) C(29) C(30)
	C(31) C(32)
#undef C
	default:
		if (n)
			memset(out, 0, n * sizeof(*out));
		return;
	}
}

BP_INLINE void unpack64_bw(uint64_t *out, const uint8_t *in, size_t in_len, size_t n,
                           const int bw)
{
	const uint64_t mask = bw == 64 ? ~(uint64_t)0 : (((uint64_t)1 << bw) - 1);
	size_t safe = bp_safe_count(in_len, bw, 9);
	size_t i = 0;

	for (; i + 8 <= n && i + 8 <= safe; i += 8) {
		const uint8_t *base = in + (i / 8) * (size_t)bw;
		int k;
		for (k = 0; k < 8; k++) {
			const unsigned bit = (unsigned)(k * bw);
			const unsigned sh = bit & 7;
			uint64_t v = dlt_load_u64le(base + (bit >> 3)) >> sh;
			if (sh + (unsigned)bw > 64)
				v |= (uint64_t)base[(bit >> 3) + 8] << (64 - sh);
			out[i + (size_t)k] = v & mask;
		}
	}
	for (; i < n; i++) {
		size_t bit = i * (size_t)bw, byte = bit >> 3, b;
		unsigned sh = (unsigned)(bit & 7);
		size_t nb = (sh + (unsigned)bw + 7) / 8; /* up to 9 */
		uint64_t v = 0;
		for (b = 0; b < nb && b < 8 && byte + b < in_len; b++)
			v |= (uint64_t)in[byte + b] << (8 * b);
		v >>= sh;
		if (nb == 9 && byte + 8 < in_len)
			v |= (uint64_t)in[byte + 8] << (64 - sh);
		out[i] = v & mask;
	}
}

void dlt_pq__unpack_u64(uint64_t *out, const uint8_t *in, size_t in_len, size_t n,
                        int bit_width)
{
	switch (bit_width) {
#define C(w) case w: unpack64_bw(out, in, in_len, n, w); return;
	C(1) C(2) C(3) C(4) C(5) C(6) C(7) C(8) C(9) C(10) C(11) C(12) C(13) C(14) C(15) C(16)
	C(17) C(18) C(19) C(20) C(21) C(22) C(23) C(24) C(25) C(26) C(27) C(28) C(29) C(30)
	C(31) C(32) C(33) C(34) C(35) C(36) C(37) C(38) C(39) C(40) C(41) C(42) C(43) C(44)
	C(45) C(46) C(47) C(48) C(49) C(50) C(51) C(52) C(53) C(54) C(55) C(56) C(57) C(58)
	C(59) C(60) C(61) C(62) C(63) C(64)
#undef C
	default:
		if (n)
			memset(out, 0, n * sizeof(*out));
		return;
	}
}

typedef struct bp_writer {
	uint8_t *out;
	uint64_t acc;
	unsigned bits;
} bp_writer;

/* Push up to 32 bits (pending bits < 8, so acc never overflows). */
static inline void bp_push(bp_writer *w, uint64_t v, unsigned bw)
{
	w->acc |= v << w->bits;
	w->bits += bw;
	while (w->bits >= 8) {
		*w->out++ = (uint8_t)w->acc;
		w->acc >>= 8;
		w->bits -= 8;
	}
}

static inline void bp_flush(bp_writer *w)
{
	if (w->bits > 0) {
		*w->out++ = (uint8_t)w->acc;
		w->acc = 0;
		w->bits = 0;
	}
}

void dlt_pq__pack_u32(uint8_t *out, const uint32_t *in, size_t n, int bit_width)
{
	bp_writer w = { out, 0, 0 };
	uint64_t mask;
	size_t i;
	if (bit_width <= 0)
		return;
	mask = bit_width >= 32 ? 0xffffffffu : (((uint64_t)1 << bit_width) - 1);
	for (i = 0; i < n; i++)
		bp_push(&w, in[i] & mask, (unsigned)bit_width);
	bp_flush(&w);
}

void dlt_pq__pack_u64(uint8_t *out, const uint64_t *in, size_t n, int bit_width)
{
	bp_writer w = { out, 0, 0 };
	size_t i;
	if (bit_width <= 0)
		return;
	if (bit_width <= 32) {
		uint64_t mask = bit_width == 32 ? 0xffffffffu : (((uint64_t)1 << bit_width) - 1);
		for (i = 0; i < n; i++)
			bp_push(&w, in[i] & mask, (unsigned)bit_width);
	} else {
		unsigned hi = (unsigned)bit_width - 32;
		uint64_t mask = hi == 32 ? 0xffffffffu : (((uint64_t)1 << hi) - 1);
		for (i = 0; i < n; i++) {
			bp_push(&w, in[i] & 0xffffffffu, 32);
			bp_push(&w, (in[i] >> 32) & mask, hi);
		}
	}
	bp_flush(&w);
}
