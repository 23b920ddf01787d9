/* Column statistics for the writer: see stats.h. Sort orders follow
 * parquet-format LogicalTypes.md ("Sort Order") and the ColumnOrder notes of
 * parquet.thrift: signed/unsigned integers, lexicographic unsigned bytes,
 * signed decimals, floats without NaN and with -0.0 min / +0.0 max. */
#include "parquet/stats.h"

#include <math.h>

void dlt_parquet__stats_init(dlt_pq_stats *s, dlt_pq_sort order, int32_t width,
                             bool is_string)
{
	memset(s, 0, sizeof(*s));
	s->order = order;
	s->width = width;
	s->is_string = is_string;
}

void dlt_parquet__stats_reset(dlt_pq_stats *s)
{
	s->has_minmax = false;
	s->null_count = 0;
	dlt_buf_clear(&s->b_min);
	dlt_buf_clear(&s->b_max);
}

void dlt_parquet__stats_dispose(dlt_pq_stats *s)
{
	dlt_buf_dispose(&s->b_min);
	dlt_buf_dispose(&s->b_max);
}

double dlt_parquet__half_to_double(uint16_t h)
{
	int sign = h >> 15, e = (h >> 10) & 0x1f;
	unsigned m = h & 0x3ffu;
	double v;

	if (e == 0)
		v = ldexp((double)m, -24);
	else if (e == 31)
		v = m ? NAN : INFINITY;
	else
		v = ldexp((double)(m | 0x400u), e - 25);
	return sign ? -v : v;
}

static int cmp_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = DLT_MIN(alen, blen);
	int c = n ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Big-endian two's complement of equal width: flip the sign bit, then unsigned. */
static int cmp_decimal_be(const uint8_t *a, const uint8_t *b, size_t w)
{
	if (w == 0)
		return 0;
	if ((a[0] ^ b[0]) & 0x80)
		return (a[0] & 0x80) ? -1 : 1;
	return memcmp(a, b, w);
}

static int set_buf(dlt_buf *b, const uint8_t *p, size_t n, dlt_error *err)
{
	dlt_buf_clear(b);
	return dlt_buf_append(b, p, n, err);
}

static int update_one_bytes(dlt_pq_stats *s, const uint8_t *p, size_t n, dlt_error *err)
{
	int rc;

	if (!s->has_minmax) {
		if ((rc = set_buf(&s->b_min, p, n, err)) < 0 ||
		    (rc = set_buf(&s->b_max, p, n, err)) < 0)
			return rc;
		s->has_minmax = true;
		return DLT_OK;
	}
	if (s->order == DLT_PQ_SORT_DECIMAL_BE) {
		if (cmp_decimal_be(p, s->b_min.data, n) < 0)
			return set_buf(&s->b_min, p, n, err);
		if (cmp_decimal_be(p, s->b_max.data, n) > 0)
			return set_buf(&s->b_max, p, n, err);
		return DLT_OK;
	}
	if (cmp_bytes(p, n, s->b_min.data, s->b_min.len) < 0)
		return set_buf(&s->b_min, p, n, err);
	if (cmp_bytes(p, n, s->b_max.data, s->b_max.len) > 0)
		return set_buf(&s->b_max, p, n, err);
	return DLT_OK;
}

#define MINMAX_LOOP(T, load, field_min, field_max)                                \
	do {                                                                       \
		T lo = (T)s->field_min, hi = (T)s->field_max;                      \
		size_t q_ = 0;                                                     \
		if (!s->has_minmax) {                                              \
			lo = hi = load(vals);                                      \
			s->has_minmax = true;                                      \
		}                                                                  \
		for (; q_ < n; q_++) {                                             \
			T v = load(vals + q_ * sizeof(T));                         \
			lo = v < lo ? v : lo;                                      \
			hi = v > hi ? v : hi;                                      \
		}                                                                  \
		s->field_min = lo;                                                 \
		s->field_max = hi;                                                 \
	} while (0)

static inline int32_t ld_i32(const uint8_t *p) { int32_t v; memcpy(&v, p, 4); return v; }
static inline uint32_t ld_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline int64_t ld_i64(const uint8_t *p) { int64_t v; memcpy(&v, p, 8); return v; }
static inline uint64_t ld_u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline float ld_f32(const uint8_t *p) { float v; memcpy(&v, p, 4); return v; }
static inline double ld_f64(const uint8_t *p) { double v; memcpy(&v, p, 8); return v; }

static void update_double(dlt_pq_stats *s, double v, uint64_t bits)
{
	if (isnan(v))
		return;
	if (!s->has_minmax) {
		s->d_min = s->d_max = v;
		s->u_min = s->u_max = bits;
		s->has_minmax = true;
		return;
	}
	if (v < s->d_min) {
		s->d_min = v;
		s->u_min = bits;
	}
	if (v > s->d_max) {
		s->d_max = v;
		s->u_max = bits;
	}
}

int dlt_parquet__stats_update_fixed(dlt_pq_stats *s, const uint8_t *vals, size_t n,
                                    dlt_error *err)
{
	size_t i;
	int rc;

	if (n == 0)
		return DLT_OK;
	switch (s->order) {
	case DLT_PQ_SORT_NONE:
		return DLT_OK;
	case DLT_PQ_SORT_BOOL: {
		int64_t lo = s->has_minmax ? s->i_min : 1, hi = s->has_minmax ? s->i_max : 0;
		for (i = 0; i < n && (lo > 0 || hi < 1); i++) {
			int64_t v = vals[i] != 0;
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		s->i_min = lo;
		s->i_max = hi;
		s->has_minmax = true;
		return DLT_OK;
	}
	case DLT_PQ_SORT_I32:
		MINMAX_LOOP(int32_t, ld_i32, i_min, i_max);
		return DLT_OK;
	case DLT_PQ_SORT_U32:
		MINMAX_LOOP(uint32_t, ld_u32, u_min, u_max);
		return DLT_OK;
	case DLT_PQ_SORT_I64:
		MINMAX_LOOP(int64_t, ld_i64, i_min, i_max);
		return DLT_OK;
	case DLT_PQ_SORT_U64:
		MINMAX_LOOP(uint64_t, ld_u64, u_min, u_max);
		return DLT_OK;
	case DLT_PQ_SORT_FLOAT:
		for (i = 0; i < n; i++) {
			float f = ld_f32(vals + 4 * i);
			update_double(s, (double)f, ld_u32(vals + 4 * i));
		}
		return DLT_OK;
	case DLT_PQ_SORT_DOUBLE:
		for (i = 0; i < n; i++)
			update_double(s, ld_f64(vals + 8 * i), ld_u64(vals + 8 * i));
		return DLT_OK;
	case DLT_PQ_SORT_FLOAT16:
		for (i = 0; i < n; i++) {
			uint16_t h = dlt_load_u16le(vals + 2 * i);
			update_double(s, dlt_parquet__half_to_double(h), h);
		}
		return DLT_OK;
	case DLT_PQ_SORT_BYTES:
	case DLT_PQ_SORT_DECIMAL_BE:
		for (i = 0; i < n; i++)
			if ((rc = update_one_bytes(s, vals + (size_t)s->width * i, (size_t)s->width,
			                           err)) < 0)
				return rc;
		return DLT_OK;
	}
	return DLT_OK;
}

int dlt_parquet__stats_update_views(dlt_pq_stats *s, const dlt_pq_bview *v, size_t n,
                                    dlt_error *err)
{
	size_t i;
	int rc;

	if (s->order != DLT_PQ_SORT_BYTES)
		return DLT_OK;
	for (i = 0; i < n; i++)
		if ((rc = update_one_bytes(s, v[i].ptr, v[i].len, err)) < 0)
			return rc;
	return DLT_OK;
}

int dlt_parquet__stats_merge(dlt_pq_stats *dst, const dlt_pq_stats *src, dlt_error *err)
{
	int rc;

	dst->null_count += src->null_count;
	if (!src->has_minmax)
		return DLT_OK;
	switch (dst->order) {
	case DLT_PQ_SORT_NONE:
		return DLT_OK;
	case DLT_PQ_SORT_BOOL:
	case DLT_PQ_SORT_I32:
	case DLT_PQ_SORT_I64:
		if (!dst->has_minmax || src->i_min < dst->i_min)
			dst->i_min = src->i_min;
		if (!dst->has_minmax || src->i_max > dst->i_max)
			dst->i_max = src->i_max;
		break;
	case DLT_PQ_SORT_U32:
	case DLT_PQ_SORT_U64:
		if (!dst->has_minmax || src->u_min < dst->u_min)
			dst->u_min = src->u_min;
		if (!dst->has_minmax || src->u_max > dst->u_max)
			dst->u_max = src->u_max;
		break;
	case DLT_PQ_SORT_FLOAT:
	case DLT_PQ_SORT_DOUBLE:
	case DLT_PQ_SORT_FLOAT16:
		if (!dst->has_minmax || src->d_min < dst->d_min) {
			dst->d_min = src->d_min;
			dst->u_min = src->u_min;
		}
		if (!dst->has_minmax || src->d_max > dst->d_max) {
			dst->d_max = src->d_max;
			dst->u_max = src->u_max;
		}
		break;
	case DLT_PQ_SORT_BYTES:
	case DLT_PQ_SORT_DECIMAL_BE:
		if ((rc = update_one_bytes(dst, src->b_min.data, src->b_min.len, err)) < 0 ||
		    (rc = update_one_bytes(dst, src->b_max.data, src->b_max.len, err)) < 0)
			return rc;
		break;
	}
	dst->has_minmax = true;
	return DLT_OK;
}

int dlt_parquet__stats_compare(const dlt_pq_stats *s, const uint8_t *a, size_t alen,
                               const uint8_t *b, size_t blen)
{
	switch (s->order) {
	case DLT_PQ_SORT_NONE:
		return 0;
	case DLT_PQ_SORT_BOOL:
		return (a[0] > b[0]) - (a[0] < b[0]);
	case DLT_PQ_SORT_I32: {
		int32_t x = ld_i32(a), y = ld_i32(b);
		return (x > y) - (x < y);
	}
	case DLT_PQ_SORT_U32: {
		uint32_t x = ld_u32(a), y = ld_u32(b);
		return (x > y) - (x < y);
	}
	case DLT_PQ_SORT_I64: {
		int64_t x = ld_i64(a), y = ld_i64(b);
		return (x > y) - (x < y);
	}
	case DLT_PQ_SORT_U64: {
		uint64_t x = ld_u64(a), y = ld_u64(b);
		return (x > y) - (x < y);
	}
	case DLT_PQ_SORT_FLOAT: {
		float x = ld_f32(a), y = ld_f32(b);
		return (x > y) - (x < y);
	}
	case DLT_PQ_SORT_DOUBLE: {
		double x = ld_f64(a), y = ld_f64(b);
		return (x > y) - (x < y);
	}
	case DLT_PQ_SORT_FLOAT16: {
		double x = dlt_parquet__half_to_double(dlt_load_u16le(a));
		double y = dlt_parquet__half_to_double(dlt_load_u16le(b));
		return (x > y) - (x < y);
	}
	case DLT_PQ_SORT_BYTES:
		return cmp_bytes(a, alen, b, blen);
	case DLT_PQ_SORT_DECIMAL_BE:
		return alen == blen ? cmp_decimal_be(a, b, alen) : cmp_bytes(a, alen, b, blen);
	}
	return 0;
}

/* Length of the UTF-8 sequence starting with byte c (1 for invalid leads). */
static size_t utf8_len(uint8_t c)
{
	if (c < 0xc0)
		return 1;
	if (c < 0xe0)
		return 2;
	if (c < 0xf0)
		return 3;
	return 4;
}

/* Largest prefix length <= limit ending on a character boundary. */
static size_t utf8_prefix(const uint8_t *p, size_t n, size_t limit)
{
	size_t i = 0;

	while (i < n) {
		size_t l = utf8_len(p[i]);
		if (i + l > limit)
			break;
		i += l;
	}
	return i;
}

static size_t utf8_encode(uint8_t *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (uint8_t)(0xc0 | (cp >> 6));
		o[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (uint8_t)(0xe0 | (cp >> 12));
		o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (uint8_t)(0xf0 | (cp >> 18));
	o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

static uint32_t utf8_decode(const uint8_t *p, size_t l)
{
	uint32_t cp;
	size_t i;

	if (l == 1)
		return p[0];
	cp = p[0] & (0x7fu >> l);
	for (i = 1; i < l; i++)
		cp = (cp << 6) | (p[i] & 0x3fu);
	return cp;
}

/*
 * Upper bound of all strings starting with p[0..n) truncated to <= limit
 * bytes. Bytes: keep a prefix and increment its last byte, dropping trailing
 * 0xff (carry). UTF-8: keep whole characters and increment the last code
 * point (UTF-8 byte order is code point order, and the encoding is prefix
 * free, so prefix + bigger char is bigger than every extension). Returns
 * false when no shorter bound exists (then the full value is kept).
 */
static bool truncate_max(dlt_buf *out, const uint8_t *p, size_t n, size_t limit, bool utf8,
                         dlt_error *err, int *rc)
{
	*rc = DLT_OK;
	if (!utf8) {
		size_t k = DLT_MIN(n, limit);
		while (k > 0 && p[k - 1] == 0xff)
			k--;
		if (k == 0)
			return false;
		if ((*rc = dlt_buf_append(out, p, k, err)) < 0)
			return false;
		out->data[k - 1]++;
		return true;
	}
	{
		size_t k = utf8_prefix(p, n, limit);
		while (k > 0) {
			/* find the start of the last character */
			size_t s = k - 1, l;
			uint32_t cp;
			uint8_t enc[4];
			while (s > 0 && (p[s] & 0xc0) == 0x80)
				s--;
			l = k - s;
			cp = utf8_decode(p + s, l) + 1;
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xe000;
			if (cp <= 0x10ffff) {
				size_t el = utf8_encode(enc, cp);
				if (s + el > limit + 3) { /* never much longer than asked */
					k = s;
					continue;
				}
				if ((*rc = dlt_buf_append(out, p, s, err)) < 0 ||
				    (*rc = dlt_buf_append(out, enc, el, err)) < 0)
					return false;
				return true;
			}
			k = s;
		}
	}
	return false;
}

int dlt_parquet__stats_encode(const dlt_pq_stats *s, size_t truncate, dlt_buf *min_out,
                              bool *min_exact, dlt_buf *max_out, bool *max_exact,
                              dlt_error *err)
{
	uint8_t tmp[8];
	int rc = DLT_OK;

	dlt_buf_clear(min_out);
	dlt_buf_clear(max_out);
	*min_exact = *max_exact = true;
	if (!s->has_minmax || s->order == DLT_PQ_SORT_NONE)
		return DLT_OK;
	switch (s->order) {
	case DLT_PQ_SORT_NONE:
		return DLT_OK;
	case DLT_PQ_SORT_BOOL:
		tmp[0] = (uint8_t)s->i_min;
		if ((rc = dlt_buf_append(min_out, tmp, 1, err)) < 0)
			return rc;
		tmp[0] = (uint8_t)s->i_max;
		return dlt_buf_append(max_out, tmp, 1, err);
	case DLT_PQ_SORT_I32: {
		int32_t lo = (int32_t)s->i_min, hi = (int32_t)s->i_max;
		if ((rc = dlt_buf_append(min_out, &lo, 4, err)) < 0)
			return rc;
		return dlt_buf_append(max_out, &hi, 4, err);
	}
	case DLT_PQ_SORT_U32: {
		uint32_t lo = (uint32_t)s->u_min, hi = (uint32_t)s->u_max;
		if ((rc = dlt_buf_append(min_out, &lo, 4, err)) < 0)
			return rc;
		return dlt_buf_append(max_out, &hi, 4, err);
	}
	case DLT_PQ_SORT_I64:
		if ((rc = dlt_buf_append(min_out, &s->i_min, 8, err)) < 0)
			return rc;
		return dlt_buf_append(max_out, &s->i_max, 8, err);
	case DLT_PQ_SORT_U64:
		if ((rc = dlt_buf_append(min_out, &s->u_min, 8, err)) < 0)
			return rc;
		return dlt_buf_append(max_out, &s->u_max, 8, err);
	case DLT_PQ_SORT_FLOAT: {
		/* Zero bounds: -0.0 as min, +0.0 as max (parquet.thrift ColumnOrder). */
		float lo = s->d_min == 0 ? -0.0f : (float)s->d_min;
		float hi = s->d_max == 0 ? 0.0f : (float)s->d_max;
		if ((rc = dlt_buf_append(min_out, &lo, 4, err)) < 0)
			return rc;
		return dlt_buf_append(max_out, &hi, 4, err);
	}
	case DLT_PQ_SORT_DOUBLE: {
		double lo = s->d_min == 0 ? -0.0 : s->d_min;
		double hi = s->d_max == 0 ? 0.0 : s->d_max;
		if ((rc = dlt_buf_append(min_out, &lo, 8, err)) < 0)
			return rc;
		return dlt_buf_append(max_out, &hi, 8, err);
	}
	case DLT_PQ_SORT_FLOAT16: {
		uint16_t lo = s->d_min == 0 ? 0x8000 : (uint16_t)s->u_min;
		uint16_t hi = s->d_max == 0 ? 0x0000 : (uint16_t)s->u_max;
		if ((rc = dlt_buf_append(min_out, &lo, 2, err)) < 0)
			return rc;
		return dlt_buf_append(max_out, &hi, 2, err);
	}
	case DLT_PQ_SORT_DECIMAL_BE:
		if ((rc = dlt_buf_append(min_out, s->b_min.data, s->b_min.len, err)) < 0)
			return rc;
		return dlt_buf_append(max_out, s->b_max.data, s->b_max.len, err);
	case DLT_PQ_SORT_BYTES:
		break;
	}
	/* BYTES: FLBA values keep their width (a truncated FLBA would not be a value
	 * of the column), byte arrays are truncated when longer than `truncate`. */
	if (truncate == 0 || s->width > 0 || s->b_min.len <= truncate) {
		rc = dlt_buf_append(min_out, s->b_min.data, s->b_min.len, err);
	} else {
		size_t k = s->is_string ? utf8_prefix(s->b_min.data, s->b_min.len, truncate)
		                        : truncate;
		rc = dlt_buf_append(min_out, s->b_min.data, k, err);
		*min_exact = false;
	}
	if (rc < 0)
		return rc;
	if (truncate == 0 || s->width > 0 || s->b_max.len <= truncate ||
	    !truncate_max(max_out, s->b_max.data, s->b_max.len, truncate, s->is_string, err,
	                  &rc)) {
		if (rc < 0)
			return rc;
		dlt_buf_clear(max_out);
		return dlt_buf_append(max_out, s->b_max.data, s->b_max.len, err);
	}
	*max_exact = false;
	return rc;
}
