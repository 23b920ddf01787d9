/* Helpers shared by the compute kernels (not part of compute.h's contract). */
#ifndef DLT_COMPUTE_KERNELS_H
#define DLT_COMPUTE_KERNELS_H

#include "compute/compute.h"

__extension__ typedef __int128 dlt_i128;
__extension__ typedef unsigned __int128 dlt_u128;

#define DLT_I128_MAX ((dlt_i128)(((dlt_u128)1 << 127) - 1))
#define DLT_I128_MIN (-DLT_I128_MAX - 1)

/* Validity bitmap of `a`, NULL when it has none (or is the NA type). */
static inline const uint8_t *dlt_compute__validity(const struct ArrowArray *a)
{
	return a->n_buffers > 0 && a->null_count != 0 ? (const uint8_t *)a->buffers[0] : NULL;
}

/* Bytes for an n-bit bitmap, rounded up to whole 64-bit words, never 0. */
static inline size_t dlt_compute__bitmap_bytes(int64_t n)
{
	return ((size_t)(n + 63) / 64) * 8 + 8;
}

/* Up to 64 bits of `src` starting at bit `off` (n bits, rest zero). Reads only
 * the bytes covering [off, off + n). */
static inline uint64_t dlt_compute__load_bits(const uint8_t *src, int64_t off, int n)
{
	const uint8_t *p = src + (off >> 3);
	int sh = (int)(off & 7);
	int nbytes = (sh + n + 7) >> 3;
	uint64_t v = 0;
	if (nbytes >= 8) {
		memcpy(&v, p, 8);
		v >>= sh;
		if (nbytes == 9 && sh)
			v |= (uint64_t)p[8] << (64 - sh);
	} else {
		for (int k = 0; k < nbytes; k++)
			v |= (uint64_t)p[k] << (8 * k);
		v >>= sh;
	}
	return n >= 64 ? v : v & ((UINT64_C(1) << n) - 1);
}

/* Copy n bits: dst[doff..] = src[soff..]; src NULL means all ones. */
void dlt_compute__copy_bits(uint8_t *dst, int64_t doff, const uint8_t *src, int64_t soff,
                            int64_t n);
/* Normalized bitmap words: dst[w] = bits [off + 64w, off + 64w + 64) of src
 * (src NULL: all ones); the bits beyond n in the last word are zero. */
void dlt_compute__extract_words(uint64_t *dst, const uint8_t *src, int64_t off, int64_t n);
/* Number of set bits among the first n of word buffer w. */
int64_t dlt_compute__popcount_words(const uint64_t *w, int64_t n);
/* New bitmap (dlt_malloc) with the validity of `a` at offset 0, or NULL + *null_count 0
 * when `a` has no nulls. DLT_ENOMEM on failure. */
int dlt_compute__copy_validity(uint8_t **out, int64_t *null_count, const struct ArrowArray *a,
                               dlt_error *err);
/* Make `out` a boolean array of length n from value words and optional validity words
 * (both taken over: dlt_malloc'd, or NULL for validity). */
int dlt_compute__make_bool(struct ArrowArray *out, uint64_t *values, uint64_t *validity,
                           int64_t n, dlt_error *err);

/* 10^k as i128 for k in [0, 38]. */
dlt_i128 dlt_compute__pow10(int k);
/* Read decimal128 element (physical slot) as i128. */
static inline dlt_i128 dlt_compute__load_i128(const void *p)
{
	uint64_t lo, hi;
	memcpy(&lo, p, 8);
	memcpy(&hi, (const uint8_t *)p + 8, 8);
	return (dlt_i128)(((dlt_u128)hi << 64) | lo);
}
static inline void dlt_compute__store_i128(void *p, dlt_i128 v)
{
	uint64_t lo = (uint64_t)(dlt_u128)v, hi = (uint64_t)((dlt_u128)v >> 64);
	memcpy(p, &lo, 8);
	memcpy((uint8_t *)p + 8, &hi, 8);
}
/* Number of decimal digits allowed by precision p: |v| < 10^p. */
bool dlt_compute__fits_precision(dlt_i128 v, int p);

/* Parse a schema's format (the value type for dictionary schemas is not
 * resolved: the index type is reported). */
int dlt_compute__type(dlt_type_view *tv, const struct ArrowSchema *s, dlt_error *err);


#endif /* DLT_COMPUTE_KERNELS_H */
