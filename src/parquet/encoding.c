/* Parquet value and level encodings (see encoding.h). */
#include "parquet/encoding.h"
#include "parquet/meta.h"

#include <limits.h>

static int enc_corrupt(dlt_error *err, const char *what)
{
	return dlt_error_set(err, DLT_ECORRUPT, "%s", what);
}

/* Unsigned LEB128 varint from [*p, end). */
static int read_uvarint(const uint8_t **pp, const uint8_t *end, uint64_t *out, const char *what,
                        dlt_error *err)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	unsigned shift = 0;
	for (;;) {
		uint8_t b;
		if (p >= end)
			return dlt_error_set(err, DLT_ECORRUPT, "%s: truncated varint", what);
		b = *p++;
		if (shift == 63 && (b & 0x7e))
			return dlt_error_set(err, DLT_ECORRUPT, "%s: varint overflows 64 bits", what);
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
		shift += 7;
		if (shift > 63)
			return dlt_error_set(err, DLT_ECORRUPT, "%s: varint too long", what);
	}
	*pp = p;
	*out = v;
	return DLT_OK;
}

static int put_uvarint(dlt_buf *out, uint64_t v, dlt_error *err)
{
	uint8_t tmp[10];
	size_t n = 0;
	while (v >= 0x80) {
		tmp[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (uint8_t)v;
	return dlt_buf_append(out, tmp, n, err);
}

static inline uint64_t zigzag_enc(int64_t v)
{
	return ((uint64_t)v << 1) ^ (0 - ((uint64_t)v >> 63));
}

static inline uint64_t zigzag_dec(uint64_t v)
{
	return (v >> 1) ^ (0 - (v & 1));
}

/* ================= RLE / bit-packed hybrid ================= */

int dlt_pq__rle_init(dlt_pq_rle_decoder *d, const uint8_t *data, size_t len, int bit_width,
                     dlt_error *err)
{
	memset(d, 0, sizeof(*d));
	if (bit_width < 0 || bit_width > 32)
		return dlt_error_set(err, DLT_ECORRUPT, "rle: bit width %d out of range 0..32",
		                     bit_width);
	d->p = data;
	d->end = data + len;
	d->bit_width = bit_width;
	return DLT_OK;
}

int dlt_pq__rle_init_prefixed(dlt_pq_rle_decoder *d, size_t *consumed, const uint8_t *data,
                              size_t len, int bit_width, dlt_error *err)
{
	uint32_t n;
	memset(d, 0, sizeof(*d));
	*consumed = 0;
	if (len < 4)
		return enc_corrupt(err, "rle: truncated length prefix");
	n = dlt_load_u32le(data);
	if (n > len - 4)
		return dlt_error_set(err, DLT_ECORRUPT,
		                     "rle: length prefix %" PRIu32 " exceeds the %zu bytes left", n,
		                     len - 4);
	*consumed = (size_t)n + 4;
	return dlt_pq__rle_init(d, data + 4, n, bit_width, err);
}

/* Read the next run header; DLT_ECORRUPT at end of data. */
static int rle_next_run(dlt_pq_rle_decoder *d, dlt_error *err)
{
	uint64_t h;
	int rc = read_uvarint(&d->p, d->end, &h, "rle run header", err);
	if (rc < 0)
		return rc;
	if (h & 1) {
		uint64_t groups = h >> 1;
		size_t avail = (size_t)(d->end - d->p), bytes, vals;
		if (groups == 0 || groups > (uint64_t)UINT32_MAX / 8)
			return enc_corrupt(err, "rle: invalid bit-packed run length");
		/* full groups take groups*bw bytes; tolerate a short final run */
		if (d->bit_width == 0) {
			vals = (size_t)groups * 8;
			bytes = 0;
		} else if (groups * (uint64_t)d->bit_width <= avail) {
			bytes = (size_t)groups * (size_t)d->bit_width;
			vals = (size_t)groups * 8;
		} else {
			bytes = avail;
			vals = (avail * 8) / (size_t)d->bit_width;
			if (vals == 0)
				return enc_corrupt(err, "rle: truncated bit-packed run");
		}
		d->bp = d->p;
		d->bp_end = d->p + bytes;
		d->bp_left = (uint32_t)vals;
		d->p += bytes;
	} else {
		uint64_t count = h >> 1;
		unsigned nb = ((unsigned)d->bit_width + 7) / 8, i;
		uint32_t v = 0;
		if (count == 0 || count > UINT32_MAX)
			return enc_corrupt(err, "rle: invalid run length");
		if ((size_t)(d->end - d->p) < nb)
			return enc_corrupt(err, "rle: truncated run value");
		for (i = 0; i < nb; i++)
			v |= (uint32_t)d->p[i] << (8 * i);
		d->p += nb;
		if (d->bit_width < 32 && (v >> d->bit_width) != 0)
			return dlt_error_set(err, DLT_ECORRUPT,
			                     "rle: run value %" PRIu32 " exceeds bit width %d", v,
			                     d->bit_width);
		d->rle_left = (uint32_t)count;
		d->rle_value = v;
	}
	return DLT_OK;
}

int dlt_pq__rle_get_u32(dlt_pq_rle_decoder *d, uint32_t *out, size_t n, dlt_error *err)
{
	while (n > 0) {
		if (d->rle_left) {
			size_t k = DLT_MIN(n, (size_t)d->rle_left), i;
			uint32_t v = d->rle_value;
			for (i = 0; i < k; i++)
				out[i] = v;
			out += k;
			n -= k;
			d->rle_left -= (uint32_t)k;
		} else if (d->buf_pos < d->buf_len) {
			size_t k = DLT_MIN(n, (size_t)(d->buf_len - d->buf_pos));
			memcpy(out, d->buf + d->buf_pos, k * sizeof(uint32_t));
			out += k;
			n -= k;
			d->buf_pos += (uint32_t)k;
		} else if (d->bp_left) {
			size_t k = DLT_MIN(n, (size_t)d->bp_left);
			size_t avail = (size_t)(d->bp_end - d->bp);
			if (k >= 8) {
				size_t groups = k / 8, m = groups * 8;
				dlt_pq__unpack_u32(out, d->bp, avail, m, d->bit_width);
				d->bp += groups * (size_t)d->bit_width;
				d->bp_left -= (uint32_t)m;
				out += m;
				n -= m;
			} else {
				uint32_t g = DLT_MIN(d->bp_left, 8u);
				dlt_pq__unpack_u32(d->buf, d->bp, avail, g, d->bit_width);
				d->bp += DLT_MIN(avail, (size_t)d->bit_width);
				d->bp_left -= g;
				d->buf_pos = 0;
				d->buf_len = g;
			}
		} else {
			int rc;
			if (d->p >= d->end)
				return enc_corrupt(err, "rle: data ends before all values were decoded");
			if ((rc = rle_next_run(d, err)) < 0)
				return rc;
		}
	}
	return DLT_OK;
}

int dlt_pq__rle_get_i16(dlt_pq_rle_decoder *d, int16_t *out, size_t n, dlt_error *err)
{
	uint32_t tmp[256];
	if (d->bit_width > 15)
		return dlt_error_set(err, DLT_ECORRUPT, "rle: level bit width %d exceeds 15",
		                     d->bit_width);
	while (n > 0) {
		size_t k = DLT_MIN(n, (size_t)256), i;
		int rc;
		if (d->rle_left >= k) { /* fast path for long runs */
			int16_t v = (int16_t)d->rle_value;
			for (i = 0; i < k; i++)
				out[i] = v;
			d->rle_left -= (uint32_t)k;
		} else {
			if ((rc = dlt_pq__rle_get_u32(d, tmp, k, err)) < 0)
				return rc;
			for (i = 0; i < k; i++)
				out[i] = (int16_t)tmp[i];
		}
		out += k;
		n -= k;
	}
	return DLT_OK;
}

/* Write k copies of bit v at bit position pos of bits. */
static void bits_fill(uint8_t *bits, size_t pos, size_t k, unsigned v)
{
	uint8_t fill = v ? 0xff : 0;
	while (k > 0 && (pos & 7) != 0) {
		if (v)
			bits[pos >> 3] |= (uint8_t)(1u << (pos & 7));
		else
			bits[pos >> 3] &= (uint8_t)~(1u << (pos & 7));
		pos++;
		k--;
	}
	if (k >= 8) {
		memset(bits + (pos >> 3), fill, k >> 3);
		pos += k & ~(size_t)7;
		k &= 7;
	}
	while (k > 0) {
		if (v)
			bits[pos >> 3] |= (uint8_t)(1u << (pos & 7));
		else
			bits[pos >> 3] &= (uint8_t)~(1u << (pos & 7));
		pos++;
		k--;
	}
}

/* Copy nbytes whole bytes of packed bits to bit position pos (LSB-first). */
static void bits_put_bytes(uint8_t *bits, size_t pos, const uint8_t *src, size_t nbytes)
{
	unsigned sh = (unsigned)(pos & 7);
	uint8_t *o = bits + (pos >> 3);
	size_t i;
	if (sh == 0) {
		memcpy(o, src, nbytes);
		return;
	}
	for (i = 0; i < nbytes; i++) {
		o[i] = (uint8_t)((o[i] & ((1u << sh) - 1)) | (uint8_t)(src[i] << sh));
		o[i + 1] = (uint8_t)(src[i] >> (8 - sh));
	}
}

int dlt_pq__rle_get_bitmap(dlt_pq_rle_decoder *d, uint8_t *bits, size_t pos, size_t n,
                           size_t *ones, dlt_error *err)
{
	size_t cnt = 0;
	if (d->bit_width != 1)
		return dlt_error_set(err, DLT_EINVAL, "rle: bitmap decoding needs bit width 1, not %d",
		                     d->bit_width);
	while (n > 0) {
		if (d->rle_left) {
			size_t k = DLT_MIN(n, (size_t)d->rle_left);
			bits_fill(bits, pos, k, d->rle_value);
			cnt += d->rle_value ? k : 0;
			pos += k;
			n -= k;
			d->rle_left -= (uint32_t)k;
		} else if (d->buf_pos < d->buf_len) {
			uint32_t v = d->buf[d->buf_pos++] & 1u;
			bits_fill(bits, pos, 1, v);
			cnt += v;
			pos++;
			n--;
		} else if (d->bp_left) {
			size_t k = DLT_MIN(n, (size_t)d->bp_left);
			size_t avail = (size_t)(d->bp_end - d->bp);
			if (k >= 8 && avail >= k / 8) {
				size_t nb = k / 8, i;
				bits_put_bytes(bits, pos, d->bp, nb);
				for (i = 0; i < nb; i++)
					cnt += (size_t)__builtin_popcount(d->bp[i]);
				d->bp += nb;
				d->bp_left -= (uint32_t)(nb * 8);
				pos += nb * 8;
				n -= nb * 8;
			} else {
				uint32_t g = DLT_MIN(d->bp_left, 8u);
				dlt_pq__unpack_u32(d->buf, d->bp, avail, g, 1);
				d->bp += DLT_MIN(avail, (size_t)1);
				d->bp_left -= g;
				d->buf_pos = 0;
				d->buf_len = g;
			}
		} else {
			int rc;
			if (d->p >= d->end)
				return enc_corrupt(err, "rle: data ends before all values were decoded");
			if ((rc = rle_next_run(d, err)) < 0)
				return rc;
		}
	}
	*ones += cnt;
	return DLT_OK;
}

int dlt_pq__rle_get_indices(dlt_pq_rle_decoder *d, uint32_t *out, size_t n, uint32_t dict_len,
                            dlt_error *err)
{
	size_t i;
	uint32_t mx = 0;
	int rc = dlt_pq__rle_get_u32(d, out, n, err);
	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++)
		mx = out[i] > mx ? out[i] : mx;
	if (n > 0 && mx >= dict_len)
		return dlt_error_set(err, DLT_ECORRUPT,
		                     "dictionary index %" PRIu32 " out of range (dictionary has %" PRIu32
		                     " values)", mx, dict_len);
	return DLT_OK;
}

int dlt_pq__rle_skip(dlt_pq_rle_decoder *d, size_t n, dlt_error *err)
{
	uint32_t tmp[256];
	while (n > 0) {
		size_t k = DLT_MIN(n, (size_t)256);
		int rc;
		if (d->rle_left >= k) {
			d->rle_left -= (uint32_t)k;
		} else if ((rc = dlt_pq__rle_get_u32(d, tmp, k, err)) < 0) {
			return rc;
		}
		n -= k;
	}
	return DLT_OK;
}

int dlt_pq__bitpacked_levels_decode(int16_t *out, size_t n, size_t *consumed,
                                    const uint8_t *data, size_t len, int bit_width,
                                    dlt_error *err)
{
	size_t bits, bytes, i, bit = 0;
	*consumed = 0;
	if (bit_width < 0 || bit_width > 15)
		return dlt_error_set(err, DLT_ECORRUPT, "bit-packed levels: bit width %d out of range",
		                     bit_width);
	if (dlt_mul_overflow(n, (size_t)bit_width, &bits))
		return enc_corrupt(err, "bit-packed levels: too many values");
	bytes = bits / 8 + (bits % 8 != 0);
	if (bytes > len)
		return dlt_error_set(err, DLT_ECORRUPT,
		                     "bit-packed levels: need %zu bytes, page has %zu", bytes, len);
	for (i = 0; i < n; i++) {
		unsigned v = 0;
		int b;
		for (b = 0; b < bit_width; b++, bit++) {
			unsigned byte = data[bit >> 3];
			v = (v << 1) | ((byte >> (7 - (bit & 7))) & 1u);
		}
		out[i] = (int16_t)v;
	}
	*consumed = bytes;
	return DLT_OK;
}

/* ---- RLE encoder ---- */

static int rle_put_run(dlt_buf *out, uint32_t value, size_t count, int bw, dlt_error *err)
{
	uint8_t tmp[4];
	unsigned nb = ((unsigned)bw + 7) / 8, i;
	int rc = put_uvarint(out, (uint64_t)count << 1, err);
	if (rc < 0)
		return rc;
	for (i = 0; i < nb; i++)
		tmp[i] = (uint8_t)(value >> (8 * i));
	return nb ? dlt_buf_append(out, tmp, nb, err) : DLT_OK;
}

static size_t run_len_u32(const uint32_t *v, size_t i, size_t n)
{
	size_t j = i + 1;
	while (j < n && v[j] == v[i])
		j++;
	return j - i;
}

int dlt_pq__rle_encode_u32(dlt_buf *out, const uint32_t *v, size_t n, int bit_width,
                           dlt_error *err)
{
	size_t i = 0;
	int rc;
	if (bit_width < 0 || bit_width > 32)
		return dlt_error_set(err, DLT_EINVAL, "rle encode: bit width %d out of range",
		                     bit_width);
	while (i < n) {
		size_t run = run_len_u32(v, i, n);
		if (run >= 8) {
			if ((rc = rle_put_run(out, v[i], run, bit_width, err)) < 0)
				return rc;
			i += run;
		} else {
			size_t start = i, k = i, groups, bytes, count;
			uint32_t pad[8];
			for (;;) {
				k += 8;
				if (k >= n) {
					k = n;
					break;
				}
				if (run_len_u32(v, k, n) >= 8)
					break;
			}
			count = k - start;
			groups = (count + 7) / 8;
			bytes = groups * (size_t)bit_width;
			if ((rc = put_uvarint(out, ((uint64_t)groups << 1) | 1, err)) < 0 ||
			    (rc = dlt_buf_reserve(out, bytes + 8, err)) < 0)
				return rc;
			if (bit_width > 0) {
				size_t full = (count / 8) * 8;
				dlt_pq__pack_u32(out->data + out->len, v + start, full, bit_width);
				if (full < count) {
					memset(pad, 0, sizeof(pad));
					memcpy(pad, v + start + full, (count - full) * sizeof(uint32_t));
					dlt_pq__pack_u32(out->data + out->len + (full / 8) * (size_t)bit_width,
					                 pad, 8, bit_width);
				}
				out->len += bytes;
			}
			i = k;
		}
	}
	return DLT_OK;
}

int dlt_pq__rle_encode_i16(dlt_buf *out, const int16_t *values, size_t n, int bit_width,
                           dlt_error *err)
{
	uint32_t *tmp;
	size_t i;
	int rc;
	if (n == 0)
		return DLT_OK;
	tmp = dlt_calloc(n, sizeof(*tmp));
	if (!tmp)
		return dlt_error_set(err, DLT_ENOMEM, "rle encode: out of memory");
	for (i = 0; i < n; i++)
		tmp[i] = (uint32_t)(uint16_t)values[i];
	rc = dlt_pq__rle_encode_u32(out, tmp, n, bit_width, err);
	dlt_free(tmp);
	return rc;
}

/* ================= dictionary gather ================= */

void dlt_pq__dict_gather_fixed(void *out, const void *dict, size_t width, const uint32_t *idx,
                               size_t n)
{
	size_t i;
	uint8_t *o = out;
	const uint8_t *d = dict;
	switch (width) {
	case 4: {
		for (i = 0; i < n; i++)
			memcpy(o + i * 4, d + (size_t)idx[i] * 4, 4);
		return;
	}
	case 8: {
		for (i = 0; i < n; i++)
			memcpy(o + i * 8, d + (size_t)idx[i] * 8, 8);
		return;
	}
	case 1: {
		for (i = 0; i < n; i++)
			o[i] = d[idx[i]];
		return;
	}
	case 12: {
		for (i = 0; i < n; i++)
			memcpy(o + i * 12, d + (size_t)idx[i] * 12, 12);
		return;
	}
	case 16: {
		for (i = 0; i < n; i++)
			memcpy(o + i * 16, d + (size_t)idx[i] * 16, 16);
		return;
	}
	case 2: {
		for (i = 0; i < n; i++)
			memcpy(o + i * 2, d + (size_t)idx[i] * 2, 2);
		return;
	}
	default:
		for (i = 0; i < n; i++)
			memcpy(o + i * width, d + (size_t)idx[i] * width, width);
		return;
	}
}

int dlt_pq__dict_gather_binary32(int32_t *offsets, dlt_buf *data, const int32_t *dict_offsets,
                                 const uint8_t *dict_data, const uint32_t *idx, size_t n,
                                 dlt_error *err)
{
	size_t i, total = 0;
	int64_t pos = offsets[0];
	uint8_t *o;
	int rc;
	for (i = 0; i < n; i++)
		total += (size_t)(dict_offsets[idx[i] + 1] - dict_offsets[idx[i]]);
	if ((int64_t)total > (int64_t)INT32_MAX - pos)
		return dlt_error_set(err, DLT_ELIMIT,
		                     "byte array data exceeds 2 GiB for int32 offsets");
	if ((rc = dlt_buf_reserve(data, total, err)) < 0)
		return rc;
	o = data->data + data->len;
	for (i = 0; i < n; i++) {
		int32_t s = dict_offsets[idx[i]], e = dict_offsets[idx[i] + 1];
		size_t l = (size_t)(e - s);
		memcpy(o, dict_data + s, l);
		o += l;
		pos += (int64_t)l;
		offsets[i + 1] = (int32_t)pos;
	}
	data->len += total;
	return DLT_OK;
}

int dlt_pq__dict_gather_binary64(int64_t *offsets, dlt_buf *data, const int64_t *dict_offsets,
                                 const uint8_t *dict_data, const uint32_t *idx, size_t n,
                                 dlt_error *err)
{
	size_t i, total = 0;
	int64_t pos = offsets[0];
	uint8_t *o;
	int rc;
	for (i = 0; i < n; i++)
		total += (size_t)(dict_offsets[idx[i] + 1] - dict_offsets[idx[i]]);
	if ((rc = dlt_buf_reserve(data, total, err)) < 0)
		return rc;
	o = data->data + data->len;
	for (i = 0; i < n; i++) {
		int64_t s = dict_offsets[idx[i]], e = dict_offsets[idx[i] + 1];
		size_t l = (size_t)(e - s);
		memcpy(o, dict_data + s, l);
		o += l;
		pos += (int64_t)l;
		offsets[i + 1] = pos;
	}
	data->len += total;
	return DLT_OK;
}

/* ================= DELTA_BINARY_PACKED state ================= */

typedef struct dlt_pq_delta_state delta_state;

static int delta_init(delta_state *s, const uint8_t *p, const uint8_t *end, dlt_error *err)
{
	uint64_t first;
	int rc;
	memset(s, 0, sizeof(*s));
	s->p = p;
	s->end = end;
	if ((rc = read_uvarint(&s->p, end, &s->block_size, "delta header", err)) < 0 ||
	    (rc = read_uvarint(&s->p, end, &s->miniblocks, "delta header", err)) < 0 ||
	    (rc = read_uvarint(&s->p, end, &s->total, "delta header", err)) < 0 ||
	    (rc = read_uvarint(&s->p, end, &first, "delta header", err)) < 0)
		return rc;
	if (s->block_size == 0 || s->block_size % 128 != 0 || s->block_size > ((uint64_t)1 << 30))
		return dlt_error_set(err, DLT_ECORRUPT,
		                     "delta: block size %" PRIu64 " is not a positive multiple of 128",
		                     s->block_size);
	if (s->miniblocks == 0 || s->miniblocks > 256 || s->block_size % s->miniblocks != 0 ||
	    (s->block_size / s->miniblocks) % 32 != 0)
		return dlt_error_set(err, DLT_ECORRUPT,
		                     "delta: %" PRIu64 " miniblocks do not divide block size %" PRIu64
		                     " into multiples of 32", s->miniblocks, s->block_size);
	s->per_miniblock = s->block_size / s->miniblocks;
	s->last = zigzag_dec(first);
	s->first_pending = s->total > 0;
	s->produced = s->total > 0 ? 1 : 0;
	s->mb_index = (uint32_t)s->miniblocks; /* forces a block header read */
	return DLT_OK;
}

/* Fill s->tmp with the next group of up to 32 absolute values. */
static int delta_refill(delta_state *s, dlt_error *err)
{
	uint64_t cnt, w, need_bits, need_bytes, avail, group_bytes, k;
	uint64_t last, min_delta;
	int rc;

	if (s->mb_left == 0) {
		uint64_t full;
		s->mb_index++;
		if (s->mb_index >= s->miniblocks) {
			uint64_t md;
			if ((rc = read_uvarint(&s->p, s->end, &md, "delta block header", err)) < 0)
				return rc;
			s->min_delta = zigzag_dec(md);
			if ((uint64_t)(s->end - s->p) < s->miniblocks)
				return enc_corrupt(err, "delta: truncated miniblock bit widths");
			memcpy(s->widths, s->p, (size_t)s->miniblocks);
			s->p += s->miniblocks;
			s->mb_index = 0;
		}
		w = s->widths[s->mb_index];
		if (w > 64)
			return dlt_error_set(err, DLT_ECORRUPT,
			                     "delta: miniblock bit width %" PRIu64 " exceeds 64", w);
		cnt = DLT_MIN(s->per_miniblock, s->total - s->produced);
		need_bits = cnt * w;
		need_bytes = need_bits / 8 + (need_bits % 8 != 0);
		full = s->per_miniblock * w / 8;
		avail = (uint64_t)(s->end - s->p);
		if (avail < need_bytes)
			return enc_corrupt(err, "delta: truncated miniblock");
		s->mb_p = s->p;
		s->p += DLT_MIN(full, avail);
		s->mb_left = s->per_miniblock;
	}
	w = s->widths[s->mb_index];
	cnt = DLT_MIN((uint64_t)32, s->total - s->produced);
	group_bytes = 4 * w;
	avail = (uint64_t)(s->end - s->mb_p);
	dlt_pq__unpack_u64(s->tmp, s->mb_p, (size_t)DLT_MIN(avail, group_bytes), (size_t)cnt,
	                   (int)w);
	s->mb_p += DLT_MIN(avail, group_bytes);
	s->mb_left -= 32;
	last = s->last;
	min_delta = s->min_delta;
	for (k = 0; k < cnt; k++) {
		last += min_delta + s->tmp[k];
		s->tmp[k] = last;
	}
	s->last = last;
	s->tmp_pos = 0;
	s->tmp_len = (uint32_t)cnt;
	s->produced += cnt;
	return DLT_OK;
}

/* n values, caller checked n <= values left. Writes 4- or 8-byte ints. */
static int delta_get(delta_state *s, void *out, size_t n, bool is32, dlt_error *err)
{
	size_t i = 0;
	int32_t *o32 = out;
	int64_t *o64 = out;
	int rc;

	if (n && s->first_pending) {
		if (is32)
			o32[0] = (int32_t)(uint32_t)s->last;
		else
			memcpy(&o64[0], &s->last, 8);
		s->first_pending = false;
		i = 1;
	}
	while (i < n) {
		size_t k, avail;
		if (s->tmp_pos >= s->tmp_len) {
			if (s->produced >= s->total)
				return enc_corrupt(err, "delta: more values requested than encoded");
			if ((rc = delta_refill(s, err)) < 0)
				return rc;
		}
		avail = s->tmp_len - s->tmp_pos;
		k = DLT_MIN(n - i, avail);
		if (is32) {
			size_t j;
			for (j = 0; j < k; j++)
				o32[i + j] = (int32_t)(uint32_t)s->tmp[s->tmp_pos + j];
		} else {
			memcpy(o64 + i, s->tmp + s->tmp_pos, k * 8);
		}
		s->tmp_pos += (uint32_t)k;
		i += k;
	}
	return DLT_OK;
}

/* Decode all `total` values of a delta stream as int32 (lengths); *end_out = first byte
 * after the stream. */
static int delta_decode_all_i32(int32_t **out, size_t *n_out, const uint8_t **end_out,
                                const uint8_t *p, const uint8_t *end, size_t max_values,
                                const char *what, dlt_error *err)
{
	delta_state *s;
	int32_t *a = NULL;
	int rc;
	size_t i;

	*out = NULL;
	*n_out = 0;
	s = dlt_malloc(sizeof(*s));
	if (!s)
		return dlt_error_set(err, DLT_ENOMEM, "%s: out of memory", what);
	if ((rc = delta_init(s, p, end, err)) < 0)
		goto done;
	if (s->total > max_values) {
		rc = dlt_error_set(err, DLT_ECORRUPT,
		                   "%s: %" PRIu64 " values exceed the page's %zu", what, s->total,
		                   max_values);
		goto done;
	}
	a = dlt_malloc(((size_t)s->total + 1) * sizeof(int32_t));
	if (!a) {
		rc = dlt_error_set(err, DLT_ENOMEM, "%s: out of memory", what);
		goto done;
	}
	if ((rc = delta_get(s, a, (size_t)s->total, true, err)) < 0)
		goto done;
	for (i = 0; i < (size_t)s->total; i++)
		if (a[i] < 0) {
			rc = dlt_error_set(err, DLT_ECORRUPT, "%s: negative length %" PRId32, what,
			                   a[i]);
			goto done;
		}
	/* the stream ends after the last miniblock we consumed */
	*end_out = s->p;
	*n_out = (size_t)s->total;
	*out = a;
	a = NULL;
done:
	dlt_free(a);
	dlt_free(s);
	return rc;
}

/* ================= value decoder ================= */

static size_t type_width(int type, int32_t type_length)
{
	switch (type) {
	case DLT_PQ_TYPE_BOOLEAN: return 1;
	case DLT_PQ_TYPE_INT32: case DLT_PQ_TYPE_FLOAT: return 4;
	case DLT_PQ_TYPE_INT64: case DLT_PQ_TYPE_DOUBLE: return 8;
	case DLT_PQ_TYPE_INT96: return 12;
	case DLT_PQ_TYPE_FIXED_LEN_BYTE_ARRAY: return type_length > 0 ? (size_t)type_length : 0;
	default: return 0;
	}
}

static int dec_unsupported(int encoding, int type, dlt_error *err)
{
	return dlt_error_set(err, DLT_EUNSUPPORTED, "encoding %s is not supported for type %s",
	                     dlt_pq__encoding_name(encoding), dlt_pq__type_name(type));
}

void dlt_pq__decoder_dispose(dlt_pq_decoder *d)
{
	if (!d)
		return;
	dlt_free(d->lengths);
	dlt_free(d->prefixes);
	d->lengths = d->prefixes = NULL;
	dlt_buf_dispose(&d->prev);
}

int dlt_pq__decoder_init(dlt_pq_decoder *d, int encoding, int type, int32_t type_length,
                         const uint8_t *data, size_t len, size_t num_values, dlt_error *err)
{
	int rc;
	memset(d, 0, sizeof(*d));
	if (!data && len > 0)
		return dlt_error_set(err, DLT_EINVAL, "decoder: NULL data");
	d->encoding = encoding;
	d->type = type;
	d->width = type_width(type, type_length);
	d->data = d->p = data;
	d->end = data + len;
	d->left = num_values;
	if (type < 0 || type > DLT_PQ_TYPE_FIXED_LEN_BYTE_ARRAY)
		return dlt_error_set(err, DLT_ECORRUPT, "decoder: invalid physical type %d", type);
	if (type == DLT_PQ_TYPE_FIXED_LEN_BYTE_ARRAY && type_length < 0)
		return dlt_error_set(err, DLT_ECORRUPT,
		                     "decoder: negative FIXED_LEN_BYTE_ARRAY length %" PRId32,
		                     type_length);

	switch (encoding) {
	case DLT_PQ_ENC_PLAIN:
		return DLT_OK;
	case DLT_PQ_ENC_RLE: {
		size_t used;
		if (type != DLT_PQ_TYPE_BOOLEAN)
			return dec_unsupported(encoding, type, err);
		if (len == 0 && num_values == 0)
			return dlt_pq__rle_init(&d->rle, data, 0, 1, err);
		return dlt_pq__rle_init_prefixed(&d->rle, &used, data, len, 1, err);
	}
	case DLT_PQ_ENC_PLAIN_DICTIONARY:
	case DLT_PQ_ENC_RLE_DICTIONARY:
		if (len == 0) {
			if (num_values != 0)
				d->left = 0; /* nothing encoded: any request fails */
			return dlt_pq__rle_init(&d->rle, data, 0, 0, err);
		}
		if (data[0] > 32)
			return dlt_error_set(err, DLT_ECORRUPT,
			                     "dictionary indices: bit width %u exceeds 32", data[0]);
		return dlt_pq__rle_init(&d->rle, data + 1, len - 1, data[0], err);
	case DLT_PQ_ENC_DELTA_BINARY_PACKED:
		if (type != DLT_PQ_TYPE_INT32 && type != DLT_PQ_TYPE_INT64)
			return dec_unsupported(encoding, type, err);
		if ((rc = delta_init(&d->delta, data, d->end, err)) < 0)
			return rc;
		if (d->delta.total > num_values)
			return dlt_error_set(err, DLT_ECORRUPT,
			                     "delta: %" PRIu64 " values exceed the page's %zu",
			                     d->delta.total, num_values);
		d->left = (size_t)d->delta.total;
		return DLT_OK;
	case DLT_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY: {
		const uint8_t *after;
		size_t i;
		uint64_t sum = 0;
		if (type != DLT_PQ_TYPE_BYTE_ARRAY)
			return dec_unsupported(encoding, type, err);
		if ((rc = delta_decode_all_i32(&d->lengths, &d->n_lengths, &after, data, d->end,
		                               num_values, "delta length byte array", err)) < 0)
			return rc;
		for (i = 0; i < d->n_lengths; i++)
			sum += (uint64_t)d->lengths[i];
		if (sum > (uint64_t)(d->end - after))
			return dlt_error_set(err, DLT_ECORRUPT,
			                     "delta length byte array: lengths sum to %" PRIu64
			                     " bytes, %zu left in page", sum, (size_t)(d->end - after));
		d->p = after;
		d->left = d->n_lengths;
		return DLT_OK;
	}
	case DLT_PQ_ENC_DELTA_BYTE_ARRAY: {
		const uint8_t *after, *after2;
		size_t i, n2;
		uint64_t sum = 0;
		if (type != DLT_PQ_TYPE_BYTE_ARRAY && type != DLT_PQ_TYPE_FIXED_LEN_BYTE_ARRAY)
			return dec_unsupported(encoding, type, err);
		if ((rc = delta_decode_all_i32(&d->prefixes, &d->n_lengths, &after, data, d->end,
		                               num_values, "delta byte array prefixes", err)) < 0 ||
		    (rc = delta_decode_all_i32(&d->lengths, &n2, &after2, after, d->end, num_values,
		                               "delta byte array suffixes", err)) < 0)
			return rc;
		if (n2 != d->n_lengths)
			return dlt_error_set(err, DLT_ECORRUPT,
			                     "delta byte array: %zu prefixes but %zu suffixes",
			                     d->n_lengths, n2);
		for (i = 0; i < n2; i++)
			sum += (uint64_t)d->lengths[i];
		if (sum > (uint64_t)(d->end - after2))
			return dlt_error_set(err, DLT_ECORRUPT,
			                     "delta byte array: suffixes sum to %" PRIu64
			                     " bytes, %zu left in page", sum, (size_t)(d->end - after2));
		d->p = after2;
		d->left = n2;
		return DLT_OK;
	}
	case DLT_PQ_ENC_BYTE_STREAM_SPLIT:
		if (type == DLT_PQ_TYPE_BOOLEAN || type == DLT_PQ_TYPE_BYTE_ARRAY ||
		    type == DLT_PQ_TYPE_INT96 || d->width == 0)
			return dec_unsupported(encoding, type, err);
		if (len % d->width != 0)
			return dlt_error_set(err, DLT_ECORRUPT,
			                     "byte stream split: %zu bytes is not a multiple of the "
			                     "value width %zu", len, d->width);
		d->bss_count = len / d->width;
		if (d->bss_count > num_values)
			return dlt_error_set(err, DLT_ECORRUPT,
			                     "byte stream split: %zu values exceed the page's %zu",
			                     d->bss_count, num_values);
		d->left = d->bss_count;
		return DLT_OK;
	default:
		if (encoding >= 0 && encoding <= DLT_PQ_ENC_BYTE_STREAM_SPLIT)
			return dec_unsupported(encoding, type, err);
		return dlt_error_set(err, DLT_EUNSUPPORTED, "unknown encoding %d", encoding);
	}
}

static int too_many(dlt_pq_decoder *d, size_t n, dlt_error *err)
{
	return dlt_error_set(err, DLT_ECORRUPT,
	                     "%s page: %zu values requested but only %zu remain",
	                     dlt_pq__encoding_name(d->encoding), n, d->left);
}

static int plain_truncated(dlt_pq_decoder *d, size_t n, dlt_error *err)
{
	return dlt_error_set(err, DLT_ECORRUPT,
	                     "PLAIN %s page: truncated (%zu values need more than the %zu bytes "
	                     "left)", dlt_pq__type_name(d->type), n, (size_t)(d->end - d->p));
}

/* DELTA_BYTE_ARRAY: produce n values (append to data). Offsets via callback-free
 * loops for both widths: off32 or off64 (one of them NULL); fixed: width check. */
static int dba_decode(dlt_pq_decoder *d, int32_t *off32, int64_t *off64, dlt_buf *data,
                      size_t n, size_t fixed_width, dlt_error *err)
{
	size_t i, total = 0, prev_len = d->prev.len, base;
	const uint8_t *prev;
	uint8_t *o;
	int64_t pos = off32 ? off32[0] : off64 ? off64[0] : 0;
	int rc;

	/* validate and size */
	{
		size_t pl = prev_len;
		for (i = 0; i < n; i++) {
			size_t pre = (size_t)d->prefixes[d->pos + i];
			size_t suf = (size_t)d->lengths[d->pos + i];
			if (pre > pl)
				return dlt_error_set(err, DLT_ECORRUPT,
				                     "delta byte array: prefix length %zu exceeds the "
				                     "previous value's %zu", pre, pl);
			pl = pre + suf;
			if (fixed_width && pl != fixed_width)
				return dlt_error_set(err, DLT_ECORRUPT,
				                     "delta byte array: value of %zu bytes in a "
				                     "FIXED_LEN_BYTE_ARRAY(%zu) column", pl, fixed_width);
			total += pl;
		}
	}
	if (off32 && (int64_t)total > (int64_t)INT32_MAX - pos)
		return dlt_error_set(err, DLT_ELIMIT,
		                     "byte array data exceeds 2 GiB for int32 offsets");
	if ((rc = dlt_buf_reserve(data, total, err)) < 0)
		return rc;
	base = data->len;
	o = data->data + base;
	prev = d->prev.data;
	for (i = 0; i < n; i++) {
		size_t pre = (size_t)d->prefixes[d->pos + i];
		size_t suf = (size_t)d->lengths[d->pos + i];
		if (pre)
			memcpy(o, prev, pre);
		memcpy(o + pre, d->p, suf);
		d->p += suf;
		prev = o;
		o += pre + suf;
		pos += (int64_t)(pre + suf);
		if (off32)
			off32[i + 1] = (int32_t)pos;
		else if (off64)
			off64[i + 1] = pos;
	}
	data->len += total;
	if (n > 0) {
		size_t last_len = (size_t)(o - prev);
		dlt_buf_clear(&d->prev);
		if ((rc = dlt_buf_append(&d->prev, prev, last_len, err)) < 0)
			return rc;
	}
	d->pos += n;
	d->left -= n;
	return DLT_OK;
}

int dlt_pq__decoder_fixed(dlt_pq_decoder *d, void *out, size_t n, dlt_error *err)
{
	size_t bytes;
	uint8_t *o = out;
	int rc;

	if (n > d->left)
		return too_many(d, n, err);
	if (d->type == DLT_PQ_TYPE_BYTE_ARRAY)
		return dlt_error_set(err, DLT_EINVAL, "decoder: BYTE_ARRAY values need a binary call");
	switch (d->encoding) {
	case DLT_PQ_ENC_PLAIN:
		if (d->type == DLT_PQ_TYPE_BOOLEAN) {
			size_t i, avail_bits = (size_t)(d->end - d->p) * 8 - d->bit;
			if ((size_t)(d->end - d->p) * 8 < d->bit || n > avail_bits)
				return plain_truncated(d, n, err);
			for (i = 0; i < n; i++) {
				o[i] = (uint8_t)((*d->p >> d->bit) & 1u);
				if (++d->bit == 8) {
					d->bit = 0;
					d->p++;
				}
			}
			break;
		}
		if (dlt_mul_overflow(n, d->width, &bytes) || bytes > (size_t)(d->end - d->p))
			return plain_truncated(d, n, err);
		if (bytes)
			memcpy(out, d->p, bytes);
		d->p += bytes;
		break;
	case DLT_PQ_ENC_RLE: {
		uint32_t tmp[256];
		size_t done = 0, i;
		while (done < n) {
			size_t k = DLT_MIN(n - done, (size_t)256);
			if ((rc = dlt_pq__rle_get_u32(&d->rle, tmp, k, err)) < 0)
				return rc;
			for (i = 0; i < k; i++)
				o[done + i] = (uint8_t)tmp[i];
			done += k;
		}
		break;
	}
	case DLT_PQ_ENC_DELTA_BINARY_PACKED:
		if ((rc = delta_get(&d->delta, out, n, d->type == DLT_PQ_TYPE_INT32, err)) < 0)
			return rc;
		break;
	case DLT_PQ_ENC_BYTE_STREAM_SPLIT: {
		size_t w = d->width, cnt = d->bss_count, i, b;
		const uint8_t *src = d->data + d->bss_pos;
		if (w == 4) {
			for (i = 0; i < n; i++) {
				o[i * 4 + 0] = src[i];
				o[i * 4 + 1] = src[cnt + i];
				o[i * 4 + 2] = src[2 * cnt + i];
				o[i * 4 + 3] = src[3 * cnt + i];
			}
		} else if (w == 8) {
			for (i = 0; i < n; i++)
				for (b = 0; b < 8; b++)
					o[i * 8 + b] = src[b * cnt + i];
		} else {
			for (b = 0; b < w; b++) {
				const uint8_t *s = src + b * cnt;
				for (i = 0; i < n; i++)
					o[i * w + b] = s[i];
			}
		}
		d->bss_pos += n;
		break;
	}
	case DLT_PQ_ENC_DELTA_BYTE_ARRAY: {
		/* FIXED_LEN_BYTE_ARRAY: decode into a scratch buffer, then copy */
		dlt_buf tmp = DLT_BUF_INIT;
		if ((rc = dba_decode(d, NULL, NULL, &tmp, n, d->width ? d->width : SIZE_MAX,
		                     err)) < 0) {
			dlt_buf_dispose(&tmp);
			return rc;
		}
		if (tmp.len)
			memcpy(out, tmp.data, tmp.len);
		dlt_buf_dispose(&tmp);
		return DLT_OK; /* dba_decode updated left */
	}
	default:
		return dlt_error_set(err, DLT_EINVAL,
		                     "decoder: %s values are dictionary indices, not values",
		                     dlt_pq__encoding_name(d->encoding));
	}
	d->left -= n;
	return DLT_OK;
}

/* PLAIN byte arrays: u32 length + bytes. */
static int plain_binary(dlt_pq_decoder *d, int32_t *off32, int64_t *off64, dlt_buf *data,
                        size_t n, dlt_error *err)
{
	size_t i, room = (size_t)(d->end - d->p);
	int64_t pos = off32 ? off32[0] : off64[0];
	const uint8_t *p = d->p, *end = d->end;
	uint8_t *o;
	int rc;

	/* the values' bytes are fewer than the page bytes left: one reservation
	 * (plus slack for the 32-byte copies of short values) */
	if ((rc = dlt_buf_reserve(data, room + 32, err)) < 0)
		return rc;
	o = data->data + data->len;
	for (i = 0; i < n; i++) {
		uint32_t l;
		if ((size_t)(end - p) < 4)
			return plain_truncated(d, n, err);
		l = dlt_load_u32le(p);
		p += 4;
		if (l > (size_t)(end - p))
			return dlt_error_set(err, DLT_ECORRUPT,
			                     "PLAIN BYTE_ARRAY page: value length %" PRIu32
			                     " exceeds the %zu bytes left", l, (size_t)(end - p));
		if ((size_t)(end - p) >= 32 && l <= 32) {
			memcpy(o, p, 16); /* in bounds on both sides: short values in one go */
			memcpy(o + 16, p + 16, 16);
		} else {
			memcpy(o, p, l);
		}
		o += l;
		p += l;
		pos += l;
		if (off32) {
			if (pos > INT32_MAX)
				return dlt_error_set(err, DLT_ELIMIT,
				                     "byte array data exceeds 2 GiB for int32 offsets");
			off32[i + 1] = (int32_t)pos;
		} else {
			off64[i + 1] = pos;
		}
	}
	data->len = (size_t)(o - data->data);
	d->p = p;
	d->left -= n;
	return DLT_OK;
}

static int dlba_binary(dlt_pq_decoder *d, int32_t *off32, int64_t *off64, dlt_buf *data,
                       size_t n, dlt_error *err)
{
	size_t i, total = 0;
	int64_t pos = off32 ? off32[0] : off64[0];
	int rc;
	for (i = 0; i < n; i++) {
		size_t l = (size_t)d->lengths[d->pos + i];
		total += l;
		pos += (int64_t)l;
		if (off32) {
			if (pos > INT32_MAX)
				return dlt_error_set(err, DLT_ELIMIT,
				                     "byte array data exceeds 2 GiB for int32 offsets");
			off32[i + 1] = (int32_t)pos;
		} else {
			off64[i + 1] = pos;
		}
	}
	/* sum of all lengths was checked against the page at init */
	if ((rc = dlt_buf_append(data, d->p, total, err)) < 0)
		return rc;
	d->p += total;
	d->pos += n;
	d->left -= n;
	return DLT_OK;
}

static int decoder_binary(dlt_pq_decoder *d, int32_t *off32, int64_t *off64, dlt_buf *data,
                          size_t n, dlt_error *err)
{
	if (n > d->left)
		return too_many(d, n, err);
	if (d->type != DLT_PQ_TYPE_BYTE_ARRAY)
		return dlt_error_set(err, DLT_EINVAL, "decoder: %s values are not byte arrays",
		                     dlt_pq__type_name(d->type));
	switch (d->encoding) {
	case DLT_PQ_ENC_PLAIN: return plain_binary(d, off32, off64, data, n, err);
	case DLT_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY: return dlba_binary(d, off32, off64, data, n, err);
	case DLT_PQ_ENC_DELTA_BYTE_ARRAY: return dba_decode(d, off32, off64, data, n, 0, err);
	default:
		return dlt_error_set(err, DLT_EINVAL, "decoder: %s does not produce byte arrays",
		                     dlt_pq__encoding_name(d->encoding));
	}
}

int dlt_pq__decoder_binary32(dlt_pq_decoder *d, int32_t *offsets, dlt_buf *data, size_t n,
                             dlt_error *err)
{
	return decoder_binary(d, offsets, NULL, data, n, err);
}

int dlt_pq__decoder_binary64(dlt_pq_decoder *d, int64_t *offsets, dlt_buf *data, size_t n,
                             dlt_error *err)
{
	return decoder_binary(d, NULL, offsets, data, n, err);
}

int dlt_pq__decoder_indices(dlt_pq_decoder *d, uint32_t *out, size_t n, uint32_t dict_len,
                            dlt_error *err)
{
	int rc;
	if (d->encoding != DLT_PQ_ENC_PLAIN_DICTIONARY && d->encoding != DLT_PQ_ENC_RLE_DICTIONARY)
		return dlt_error_set(err, DLT_EINVAL, "decoder: %s page has no dictionary indices",
		                     dlt_pq__encoding_name(d->encoding));
	if (n > d->left)
		return too_many(d, n, err);
	if ((rc = dlt_pq__rle_get_indices(&d->rle, out, n, dict_len, err)) < 0)
		return rc;
	d->left -= n;
	return DLT_OK;
}

/* ================= encoders ================= */

int dlt_pq__plain_encode_fixed(dlt_buf *out, const void *values, size_t n, size_t width,
                               dlt_error *err)
{
	size_t bytes;
	if (dlt_mul_overflow(n, width, &bytes))
		return dlt_error_set(err, DLT_EINVAL, "plain encode: size overflow");
	return bytes ? dlt_buf_append(out, values, bytes, err) : DLT_OK;
}

int dlt_pq__plain_encode_bool(dlt_buf *out, const uint8_t *values, size_t n, dlt_error *err)
{
	size_t bytes = n / 8 + (n % 8 != 0), i;
	uint8_t *o;
	int rc;
	if ((rc = dlt_buf_reserve(out, bytes, err)) < 0)
		return rc;
	o = out->data + out->len;
	memset(o, 0, bytes);
	for (i = 0; i < n; i++)
		if (values[i])
			o[i >> 3] |= (uint8_t)(1u << (i & 7));
	out->len += bytes;
	return DLT_OK;
}

static int plain_encode_binary(dlt_buf *out, const int32_t *o32, const int64_t *o64,
                               const uint8_t *data, size_t n, dlt_error *err)
{
	size_t i, total;
	int64_t first = o32 ? o32[0] : o64[0], last = o32 ? o32[n] : o64[n];
	uint8_t *o;
	int rc;
	if (last < first)
		return dlt_error_set(err, DLT_EINVAL, "plain encode: decreasing offsets");
	if (dlt_mul_overflow(n, 4, &total) || dlt_add_overflow(total, (size_t)(last - first), &total))
		return dlt_error_set(err, DLT_EINVAL, "plain encode: size overflow");
	if ((rc = dlt_buf_reserve(out, total, err)) < 0)
		return rc;
	o = out->data + out->len;
	for (i = 0; i < n; i++) {
		int64_t s = o32 ? o32[i] : o64[i], e = o32 ? o32[i + 1] : o64[i + 1];
		size_t l = (size_t)(e - s);
		if (e < s || e - s > (int64_t)UINT32_MAX)
			return dlt_error_set(err, DLT_EINVAL, "plain encode: invalid value length");
		dlt_store_u32le(o, (uint32_t)l);
		memcpy(o + 4, data + s, l);
		o += 4 + l;
	}
	out->len = (size_t)(o - out->data);
	return DLT_OK;
}

int dlt_pq__plain_encode_binary32(dlt_buf *out, const int32_t *offsets, const uint8_t *data,
                                  size_t n, dlt_error *err)
{
	return plain_encode_binary(out, offsets, NULL, data, n, err);
}

int dlt_pq__plain_encode_binary64(dlt_buf *out, const int64_t *offsets, const uint8_t *data,
                                  size_t n, dlt_error *err)
{
	return plain_encode_binary(out, NULL, offsets, data, n, err);
}

/* DELTA_BINARY_PACKED writer over values fetched as uint64 (is32: 32-bit wrap). */
#define DELTA_BLOCK 128
#define DELTA_MINIBLOCKS 4
#define DELTA_PER_MB 32

static int delta_encode(dlt_buf *out, const int32_t *v32, const int64_t *v64, size_t n,
                        dlt_error *err)
{
	bool is32 = v32 != NULL;
	uint64_t prev;
	size_t i;
	int rc;

	if ((rc = put_uvarint(out, DELTA_BLOCK, err)) < 0 ||
	    (rc = put_uvarint(out, DELTA_MINIBLOCKS, err)) < 0 ||
	    (rc = put_uvarint(out, n, err)) < 0)
		return rc;
	if (n == 0)
		return put_uvarint(out, 0, err);
	prev = is32 ? (uint64_t)(int64_t)v32[0] : (uint64_t)v64[0];
	{
		int64_t first;
		memcpy(&first, &prev, 8);
		if ((rc = put_uvarint(out, zigzag_enc(first), err)) < 0)
			return rc;
	}
	for (i = 1; i < n; i += DELTA_BLOCK) {
		uint64_t deltas[DELTA_BLOCK];
		size_t cnt = DLT_MIN((size_t)DELTA_BLOCK, n - i), k, m;
		int64_t min_delta = INT64_MAX;
		uint8_t widths[DELTA_MINIBLOCKS];
		size_t used_mb = (cnt + DELTA_PER_MB - 1) / DELTA_PER_MB;
		for (k = 0; k < cnt; k++) {
			uint64_t cur = is32 ? (uint64_t)(int64_t)v32[i + k] : (uint64_t)v64[i + k];
			int64_t dd;
			if (is32) {
				uint32_t d32 = (uint32_t)cur - (uint32_t)prev;
				dd = (int32_t)d32;
			} else {
				uint64_t du = cur - prev;
				memcpy(&dd, &du, 8);
			}
			memcpy(&deltas[k], &dd, 8);
			if (dd < min_delta)
				min_delta = dd;
			prev = cur;
		}
		for (k = 0; k < cnt; k++) {
			uint64_t adj = deltas[k] - (uint64_t)min_delta;
			deltas[k] = is32 ? (adj & 0xffffffffu) : adj;
		}
		for (k = cnt; k < DELTA_BLOCK; k++)
			deltas[k] = 0;
		if ((rc = put_uvarint(out, zigzag_enc(min_delta), err)) < 0)
			return rc;
		for (m = 0; m < DELTA_MINIBLOCKS; m++) {
			uint64_t mx = 0;
			if (m < used_mb)
				for (k = 0; k < DELTA_PER_MB; k++)
					mx |= deltas[m * DELTA_PER_MB + k];
			widths[m] = (uint8_t)dlt_pq__bit_width(mx);
		}
		if ((rc = dlt_buf_append(out, widths, DELTA_MINIBLOCKS, err)) < 0)
			return rc;
		for (m = 0; m < used_mb; m++) {
			size_t bytes = (size_t)widths[m] * DELTA_PER_MB / 8;
			if ((rc = dlt_buf_reserve(out, bytes + 8, err)) < 0)
				return rc;
			dlt_pq__pack_u64(out->data + out->len, deltas + m * DELTA_PER_MB, DELTA_PER_MB,
			                 widths[m]);
			out->len += bytes;
		}
	}
	return DLT_OK;
}

int dlt_pq__delta_encode_i32(dlt_buf *out, const int32_t *values, size_t n, dlt_error *err)
{
	static const int32_t none = 0;
	return delta_encode(out, values ? values : &none, NULL, n, err);
}

int dlt_pq__delta_encode_i64(dlt_buf *out, const int64_t *values, size_t n, dlt_error *err)
{
	static const int64_t none = 0;
	return delta_encode(out, NULL, values ? values : &none, n, err);
}

static int lengths_of(int32_t **out, const int32_t *o32, const int64_t *o64, size_t n,
                      dlt_error *err)
{
	size_t i;
	int32_t *l = dlt_malloc((n ? n : 1) * sizeof(*l));
	*out = l;
	if (!l)
		return dlt_error_set(err, DLT_ENOMEM, "delta encode: out of memory");
	for (i = 0; i < n; i++) {
		int64_t len = o32 ? (int64_t)o32[i + 1] - o32[i] : o64[i + 1] - o64[i];
		if (len < 0 || len > INT32_MAX)
			return dlt_error_set(err, DLT_EINVAL, "delta encode: invalid value length");
		l[i] = (int32_t)len;
	}
	return DLT_OK;
}

static int dlba_encode(dlt_buf *out, const int32_t *o32, const int64_t *o64,
                       const uint8_t *data, size_t n, dlt_error *err)
{
	int32_t *lens;
	int64_t first = o32 ? o32[0] : o64[0], last = o32 ? o32[n] : o64[n];
	int rc = lengths_of(&lens, o32, o64, n, err);
	if (rc >= 0)
		rc = dlt_pq__delta_encode_i32(out, lens, n, err);
	if (rc >= 0 && last > first)
		rc = dlt_buf_append(out, data + first, (size_t)(last - first), err);
	dlt_free(lens);
	return rc;
}

int dlt_pq__delta_length_encode_binary32(dlt_buf *out, const int32_t *offsets,
                                         const uint8_t *data, size_t n, dlt_error *err)
{
	return dlba_encode(out, offsets, NULL, data, n, err);
}

int dlt_pq__delta_length_encode_binary64(dlt_buf *out, const int64_t *offsets,
                                         const uint8_t *data, size_t n, dlt_error *err)
{
	return dlba_encode(out, NULL, offsets, data, n, err);
}

static int dba_encode(dlt_buf *out, const int32_t *o32, const int64_t *o64,
                      const uint8_t *data, size_t n, dlt_error *err)
{
	int32_t *pre = NULL, *suf = NULL;
	size_t i;
	int rc;
	const uint8_t *pv = NULL;
	size_t pl = 0;

	pre = dlt_malloc((n ? n : 1) * sizeof(*pre));
	suf = dlt_malloc((n ? n : 1) * sizeof(*suf));
	if (!pre || !suf) {
		rc = dlt_error_set(err, DLT_ENOMEM, "delta byte array encode: out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		int64_t s = o32 ? o32[i] : o64[i], e = o32 ? o32[i + 1] : o64[i + 1];
		size_t l, k = 0, m;
		if (e < s || e - s > INT32_MAX) {
			rc = dlt_error_set(err, DLT_EINVAL, "delta byte array encode: invalid length");
			goto done;
		}
		l = (size_t)(e - s);
		m = DLT_MIN(l, pl);
		while (k < m && pv[k] == data[s + (int64_t)k])
			k++;
		pre[i] = (int32_t)k;
		suf[i] = (int32_t)(l - k);
		pv = data + s;
		pl = l;
	}
	if ((rc = dlt_pq__delta_encode_i32(out, pre, n, err)) < 0 ||
	    (rc = dlt_pq__delta_encode_i32(out, suf, n, err)) < 0)
		goto done;
	for (i = 0; i < n; i++) {
		int64_t s = o32 ? o32[i] : o64[i];
		if ((rc = dlt_buf_append(out, data + s + pre[i], (size_t)suf[i], err)) < 0)
			goto done;
	}
	rc = DLT_OK;
done:
	dlt_free(pre);
	dlt_free(suf);
	return rc;
}

int dlt_pq__delta_byte_array_encode_binary32(dlt_buf *out, const int32_t *offsets,
                                             const uint8_t *data, size_t n, dlt_error *err)
{
	return dba_encode(out, offsets, NULL, data, n, err);
}

int dlt_pq__delta_byte_array_encode_binary64(dlt_buf *out, const int64_t *offsets,
                                             const uint8_t *data, size_t n, dlt_error *err)
{
	return dba_encode(out, NULL, offsets, data, n, err);
}

int dlt_pq__bss_encode(dlt_buf *out, const void *values, size_t n, size_t width,
                       dlt_error *err)
{
	size_t bytes, i, b;
	const uint8_t *v = values;
	uint8_t *o;
	int rc;
	if (dlt_mul_overflow(n, width, &bytes))
		return dlt_error_set(err, DLT_EINVAL, "byte stream split encode: size overflow");
	if ((rc = dlt_buf_reserve(out, bytes, err)) < 0)
		return rc;
	o = out->data + out->len;
	for (b = 0; b < width; b++)
		for (i = 0; i < n; i++)
			o[b * n + i] = v[i * width + b];
	out->len += bytes;
	return DLT_OK;
}
