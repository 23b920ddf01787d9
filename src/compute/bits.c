/* Bitmap helpers, boolean array construction and small numeric helpers. */
#include "compute/kernels.h"

void dlt_compute__copy_bits(uint8_t *dst, int64_t doff, const uint8_t *src, int64_t soff,
                            int64_t n)
{
	/* Head: bring doff to a byte boundary. */
	while (n > 0 && (doff & 7)) {
		int k = (int)DLT_MIN((int64_t)(8 - (doff & 7)), n);
		uint64_t v = src ? dlt_compute__load_bits(src, soff, k) : ((UINT64_C(1) << k) - 1);
		uint8_t m = (uint8_t)(((1u << k) - 1) << (doff & 7));
		uint8_t *b = dst + (doff >> 3);
		*b = (uint8_t)((*b & ~m) | ((v << (doff & 7)) & m));
		doff += k;
		soff += k;
		n -= k;
	}
	if (n <= 0)
		return;
	uint8_t *d = dst + (doff >> 3);
	if (!src) {
		memset(d, 0xff, (size_t)(n >> 3));
	} else if ((soff & 7) == 0) {
		memcpy(d, src + (soff >> 3), (size_t)(n >> 3));
	} else {
		int64_t w = 0;
		for (; w + 64 <= (n & ~(int64_t)7); w += 64) {
			uint64_t v = dlt_compute__load_bits(src, soff + w, 64);
			memcpy(d + (w >> 3), &v, 8);
		}
		for (; w < (n & ~(int64_t)7); w += 8)
			d[w >> 3] = (uint8_t)dlt_compute__load_bits(src, soff + w, 8);
	}
	int64_t done = n & ~(int64_t)7;
	if (n > done) {
		int k = (int)(n - done);
		uint64_t v = src ? dlt_compute__load_bits(src, soff + done, k) : ((UINT64_C(1) << k) - 1);
		uint8_t m = (uint8_t)((1u << k) - 1);
		d[done >> 3] = (uint8_t)((d[done >> 3] & ~m) | (v & m));
	}
}

void dlt_compute__extract_words(uint64_t *dst, const uint8_t *src, int64_t off, int64_t n)
{
	int64_t nw = (n + 63) / 64;
	if (!src) {
		for (int64_t w = 0; w < nw; w++)
			dst[w] = ~UINT64_C(0);
	} else if ((off & 7) == 0) {
		size_t nb = (size_t)((n + 7) / 8);
		if (nw > 0)
			dst[nw - 1] = 0;
		memcpy(dst, src + (off >> 3), nb);
	} else {
		for (int64_t w = 0; w < nw; w++) {
			int k = (int)DLT_MIN((int64_t)64, n - w * 64);
			dst[w] = dlt_compute__load_bits(src, off + w * 64, k);
		}
	}
	if (n & 63)
		dst[nw - 1] &= (UINT64_C(1) << (n & 63)) - 1;
}

int64_t dlt_compute__popcount_words(const uint64_t *w, int64_t n)
{
	int64_t c = 0, nw = n / 64;
	for (int64_t i = 0; i < nw; i++)
		c += __builtin_popcountll(w[i]);
	if (n & 63)
		c += __builtin_popcountll(w[nw] & ((UINT64_C(1) << (n & 63)) - 1));
	return c;
}

int dlt_compute__copy_validity(uint8_t **out, int64_t *null_count, const struct ArrowArray *a,
                               dlt_error *err)
{
	const uint8_t *v = dlt_compute__validity(a);
	*out = NULL;
	*null_count = 0;
	if (a->n_buffers == 0) {
		/* NA type: everything null. */
		*out = dlt_calloc(1, dlt_compute__bitmap_bytes(a->length));
		if (!*out)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory copying validity");
		*null_count = a->length;
		return DLT_OK;
	}
	if (!v)
		return DLT_OK;
	uint64_t *w = dlt_malloc(dlt_compute__bitmap_bytes(a->length));
	if (!w)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory copying validity");
	dlt_compute__extract_words(w, v, a->offset, a->length);
	*null_count = a->length - dlt_compute__popcount_words(w, a->length);
	*out = (uint8_t *)w;
	return DLT_OK;
}

int dlt_compute__make_bool(struct ArrowArray *out, uint64_t *values, uint64_t *validity,
                           int64_t n, dlt_error *err)
{
	int rc = dlt_array__init(out, 2, 0, err);
	if (rc < 0) {
		dlt_free(values);
		dlt_free(validity);
		return rc;
	}
	out->length = n;
	out->null_count = validity ? n - dlt_compute__popcount_words(validity, n) : 0;
	if (validity && out->null_count == 0) {
		dlt_free(validity);
		validity = NULL;
	}
	dlt_array__set_buffer(out, 0, validity);
	dlt_array__set_buffer(out, 1, values);
	return DLT_OK;
}

dlt_i128 dlt_compute__pow10(int k)
{
	dlt_i128 v = 1;
	for (int i = 0; i < k && i < 38; i++)
		v *= 10;
	return v;
}

bool dlt_compute__fits_precision(dlt_i128 v, int p)
{
	if (p >= 39)
		return true;
	dlt_i128 lim = dlt_compute__pow10(p);
	return v < lim && v > -lim;
}

int dlt_compute__type(dlt_type_view *tv, const struct ArrowSchema *s, dlt_error *err)
{
	if (!s || !s->format)
		return dlt_error_set(err, DLT_EINVAL, "compute: schema without format");
	return dlt_arrow__parse_format(tv, s->format, err);
}
