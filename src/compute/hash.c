/* Row hashing and row equality.
 *
 * Hashes are built column by column into a per-row accumulator. Every value
 * is first reduced to 64-bit words (integers sign-extended, floats widened to
 * double with -0.0 and NaN canonicalised, decimals as two words, bytes in
 * 8-byte blocks) and mixed with our multiply/xor-shift finaliser. Nested
 * values hash their children (structs per field, lists folded in order);
 * dictionary-encoded columns hash their dictionary once and gather, so they
 * hash exactly like the decoded values. */
#include "compute/typetree.h"

#include <math.h>

#define HK1 UINT64_C(0xa3b195354a39b70d)
#define HK2 UINT64_C(0x1b03738712fad5c9)
#define HK3 UINT64_C(0x7c15e0d2f5b3a491)
#define NULL_HASH UINT64_C(0x5bd1e9955bd1e995)
#define LIST_SEED UINT64_C(0x2545f4914f6cdd1d)

static inline uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= HK1;
	x ^= x >> 29;
	x *= HK2;
	x ^= x >> 32;
	return x;
}

static inline uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t combine(uint64_t h, uint64_t v)
{
	return mix(rotl(h, 23) * HK3 + v);
}

static uint64_t hash_bytes(const uint8_t *p, int64_t n)
{
	uint64_t acc = HK3 ^ ((uint64_t)n * HK1);
	int64_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		acc = rotl((acc ^ w) * HK2, 29) * HK1;
	}
	if (i < n) {
		uint64_t w = 0;
		memcpy(&w, p + i, (size_t)(n - i));
		acc = rotl((acc ^ w) * HK2, 29) * HK1;
	}
	return mix(acc);
}

static inline uint64_t hash_f64(double d)
{
	uint64_t b;
	if (d == 0)
		d = 0; /* -0.0 -> 0.0 */
	if (isnan(d))
		return UINT64_C(0x7ff8000000000000) * HK2;
	memcpy(&b, &d, 8);
	return mix(b);
}

/* ---------------------------------------------------------------- tnode */

int dlt_compute__tnode_build(dlt_tnode *out, const struct ArrowSchema *s, int depth,
                             dlt_error *err)
{
	int rc;
	memset(out, 0, sizeof(*out));
	if (depth > 64)
		return dlt_error_set(err, DLT_ELIMIT, "type nesting deeper than 64 levels");
	out->s = s;
	if ((rc = dlt_compute__type(&out->tv, s, err)) < 0)
		return rc;
	if (s->n_children > 0) {
		out->children = dlt_calloc((size_t)s->n_children, sizeof(dlt_tnode));
		if (!out->children)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory building type tree");
		out->n_children = s->n_children;
		for (int64_t i = 0; i < s->n_children; i++)
			if ((rc = dlt_compute__tnode_build(&out->children[i], s->children[i], depth + 1,
			                                   err)) < 0)
				return rc;
	}
	if (s->dictionary) {
		out->dict = dlt_calloc(1, sizeof(dlt_tnode));
		if (!out->dict)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory building type tree");
		if ((rc = dlt_compute__tnode_build(out->dict, s->dictionary, depth + 1, err)) < 0)
			return rc;
	}
	return DLT_OK;
}

void dlt_compute__tnode_free(dlt_tnode *t)
{
	if (!t)
		return;
	for (int64_t i = 0; i < t->n_children; i++)
		dlt_compute__tnode_free(&t->children[i]);
	dlt_free(t->children);
	if (t->dict) {
		dlt_compute__tnode_free(t->dict);
		dlt_free(t->dict);
	}
	t->children = NULL;
	t->dict = NULL;
	t->n_children = 0;
}

/* --------------------------------------------------------------- hashing */

static int64_t load_index_any(const dlt_type_view *tv, const void *buf, int64_t slot)
{
	switch (tv->type) {
	case DLT_AT_INT8: return ((const int8_t *)buf)[slot];
	case DLT_AT_UINT8: return ((const uint8_t *)buf)[slot];
	case DLT_AT_INT16: return ((const int16_t *)buf)[slot];
	case DLT_AT_UINT16: return ((const uint16_t *)buf)[slot];
	case DLT_AT_INT32: return ((const int32_t *)buf)[slot];
	case DLT_AT_UINT32: return ((const uint32_t *)buf)[slot];
	default: return ((const int64_t *)buf)[slot];
	}
}

#define HLOOP(T, EXPR)                                                         \
	do {                                                                   \
		const T *src_ = (const T *)a->buffers[1] + a->offset + start;  \
		for (int64_t i = 0; i < n; i++) {                              \
			T x = src_[i];                                         \
			h[i] = (EXPR);                                         \
		}                                                              \
	} while (0)

/* h[i] = hash of logical element start + i of a, for i < n. */
static int hash_array(uint64_t *h, const dlt_tnode *t, const struct ArrowArray *a, int64_t start,
                      int64_t n, dlt_error *err)
{
	int rc = DLT_OK;
	const dlt_type_view *tv = &t->tv;
	if (tv->type == DLT_AT_NA || a->n_buffers == 0) {
		for (int64_t i = 0; i < n; i++)
			h[i] = NULL_HASH;
		return DLT_OK;
	}
	if (t->dict) {
		const struct ArrowArray *d = a->dictionary;
		uint64_t *dh = dlt_malloc((size_t)d->length * 8 + 8);
		if (!dh)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory in hash");
		if ((rc = hash_array(dh, t->dict, d, 0, d->length, err)) < 0) {
			dlt_free(dh);
			return rc;
		}
		for (int64_t i = 0; i < n; i++) {
			int64_t k = load_index_any(tv, a->buffers[1], a->offset + start + i);
			h[i] = (k >= 0 && k < d->length) ? dh[k] : NULL_HASH;
		}
		dlt_free(dh);
		goto nulls;
	}
	switch (tv->type) {
	case DLT_AT_BOOL: {
		const uint8_t *b = a->buffers[1];
		for (int64_t i = 0; i < n; i++)
			h[i] = mix(HK1 + dlt_arrow__bit(b, a->offset + start + i));
		break;
	}
	case DLT_AT_INT8: HLOOP(int8_t, mix((uint64_t)(int64_t)x)); break;
	case DLT_AT_UINT8: HLOOP(uint8_t, mix((uint64_t)x)); break;
	case DLT_AT_INT16: HLOOP(int16_t, mix((uint64_t)(int64_t)x)); break;
	case DLT_AT_UINT16: case DLT_AT_FLOAT16: HLOOP(uint16_t, mix((uint64_t)x)); break;
	case DLT_AT_INT32: case DLT_AT_DATE32: case DLT_AT_TIME32:
		HLOOP(int32_t, mix((uint64_t)(int64_t)x)); break;
	case DLT_AT_UINT32: HLOOP(uint32_t, mix((uint64_t)x)); break;
	case DLT_AT_INT64: case DLT_AT_UINT64: case DLT_AT_DATE64: case DLT_AT_TIME64:
	case DLT_AT_TIMESTAMP: case DLT_AT_DURATION:
		HLOOP(uint64_t, mix(x)); break;
	case DLT_AT_FLOAT32: HLOOP(float, hash_f64((double)x)); break;
	case DLT_AT_FLOAT64: HLOOP(double, hash_f64(x)); break;
	case DLT_AT_DECIMAL128: case DLT_AT_DECIMAL256: case DLT_AT_FIXED_BINARY: {
		int w = tv->type == DLT_AT_DECIMAL128 ? 16 : tv->type == DLT_AT_DECIMAL256 ? 32
		        : tv->byte_width;
		const uint8_t *p = (const uint8_t *)a->buffers[1] + (a->offset + start) * w;
		for (int64_t i = 0; i < n; i++)
			h[i] = hash_bytes(p + i * w, w);
		break;
	}
	case DLT_AT_STRING: case DLT_AT_BINARY: {
		const int32_t *o = (const int32_t *)a->buffers[1] + a->offset + start;
		const uint8_t *d = a->buffers[2];
		for (int64_t i = 0; i < n; i++)
			h[i] = hash_bytes(d + o[i], o[i + 1] - o[i]);
		break;
	}
	case DLT_AT_LARGE_STRING: case DLT_AT_LARGE_BINARY: {
		const int64_t *o = (const int64_t *)a->buffers[1] + a->offset + start;
		const uint8_t *d = a->buffers[2];
		for (int64_t i = 0; i < n; i++)
			h[i] = hash_bytes(d + o[i], o[i + 1] - o[i]);
		break;
	}
	case DLT_AT_STRUCT: {
		uint64_t *tmp = dlt_malloc((size_t)n * 8 + 8);
		if (!tmp)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory in hash");
		for (int64_t i = 0; i < n; i++)
			h[i] = HK2;
		for (int64_t c = 0; c < t->n_children && rc >= 0; c++) {
			rc = hash_array(tmp, &t->children[c], a->children[c], a->offset + start, n, err);
			for (int64_t i = 0; rc >= 0 && i < n; i++)
				h[i] = combine(h[i], tmp[i]);
		}
		dlt_free(tmp);
		if (rc < 0)
			return rc;
		break;
	}
	case DLT_AT_LIST: case DLT_AT_LARGE_LIST: case DLT_AT_MAP: case DLT_AT_FIXED_LIST: {
		int64_t c0, c1;
		const int32_t *o32 = NULL;
		const int64_t *o64 = NULL;
		int64_t L = tv->byte_width;
		if (tv->type == DLT_AT_FIXED_LIST) {
			c0 = (a->offset + start) * L;
			c1 = (a->offset + start + n) * L;
		} else if (tv->type == DLT_AT_LARGE_LIST) {
			o64 = (const int64_t *)a->buffers[1] + a->offset + start;
			c0 = o64[0];
			c1 = o64[n];
		} else {
			o32 = (const int32_t *)a->buffers[1] + a->offset + start;
			c0 = o32[0];
			c1 = o32[n];
		}
		uint64_t *ch = dlt_malloc((size_t)(c1 - c0) * 8 + 8);
		if (!ch)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory in hash");
		if ((rc = hash_array(ch, &t->children[0], a->children[0], c0, c1 - c0, err)) < 0) {
			dlt_free(ch);
			return rc;
		}
		for (int64_t i = 0; i < n; i++) {
			int64_t b0 = o32 ? o32[i] : o64 ? o64[i] : c0 + i * L;
			int64_t b1 = o32 ? o32[i + 1] : o64 ? o64[i + 1] : c0 + (i + 1) * L;
			uint64_t acc = LIST_SEED;
			for (int64_t k = b0; k < b1; k++)
				acc = combine(acc, ch[k - c0]);
			h[i] = mix(acc ^ (uint64_t)(b1 - b0));
		}
		dlt_free(ch);
		break;
	}
	default:
		return dlt_error_set(err, DLT_EUNSUPPORTED, "hash: unsupported type '%s'",
		                     t->s->format);
	}
nulls:;
	const uint8_t *v = dlt_compute__validity(a);
	if (v) {
		for (int64_t i = 0; i < n; i++)
			if (!dlt_arrow__bit(v, a->offset + start + i))
				h[i] = NULL_HASH;
	}
	return DLT_OK;
}

int dlt_compute__hash_rows(uint64_t *out, const dlt_column *cols, int64_t n_cols,
                           int64_t n_rows, dlt_error *err)
{
	int rc = DLT_OK;
	DLT_ARG_CHECK(out && (cols || n_cols == 0) && n_cols >= 0 && n_rows >= 0, err);
	for (int64_t c = 0; c < n_cols; c++)
		if (cols[c].array->length != n_rows)
			return dlt_error_set(err, DLT_EINVAL,
			                     "hash: column %" PRId64 " has %" PRId64 " rows, expected %" PRId64,
			                     c, cols[c].array->length, n_rows);
	uint64_t *tmp = dlt_malloc((size_t)n_rows * 8 + 8);
	if (!tmp)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory in hash");
	for (int64_t i = 0; i < n_rows; i++)
		out[i] = HK1;
	for (int64_t c = 0; c < n_cols && rc >= 0; c++) {
		dlt_tnode t;
		rc = dlt_compute__tnode_build(&t, cols[c].schema, 0, err);
		if (rc >= 0)
			rc = hash_array(tmp, &t, cols[c].array, 0, n_rows, err);
		dlt_compute__tnode_free(&t);
		for (int64_t i = 0; rc >= 0 && i < n_rows; i++)
			out[i] = combine(out[i], tmp[i]);
	}
	dlt_free(tmp);
	return rc;
}

/* --------------------------------------------------------- row equality */

static bool elem_eq(const dlt_tnode *t, const struct ArrowArray *a, int64_t i,
                    const struct ArrowArray *b, int64_t j, bool nulls_equal)
{
	bool na = dlt_arrow__is_null(a, i), nb = dlt_arrow__is_null(b, j);
	if (na || nb)
		return na && nb && nulls_equal;
	const dlt_type_view *tv = &t->tv;
	int64_t si = a->offset + i, sj = b->offset + j;
	if (t->dict) {
		int64_t ki = load_index_any(tv, a->buffers[1], si);
		int64_t kj = load_index_any(tv, b->buffers[1], sj);
		return elem_eq(t->dict, a->dictionary, ki, b->dictionary, kj, true);
	}
	switch (tv->type) {
	case DLT_AT_BOOL:
		return dlt_arrow__bit(a->buffers[1], si) == dlt_arrow__bit(b->buffers[1], sj);
	case DLT_AT_FLOAT32: {
		float x = ((const float *)a->buffers[1])[si], y = ((const float *)b->buffers[1])[sj];
		return x == y || (isnan(x) && isnan(y));
	}
	case DLT_AT_FLOAT64: {
		double x = ((const double *)a->buffers[1])[si], y = ((const double *)b->buffers[1])[sj];
		return x == y || (isnan(x) && isnan(y));
	}
	case DLT_AT_STRING: case DLT_AT_BINARY: {
		const int32_t *oa = a->buffers[1], *ob = b->buffers[1];
		int64_t la = oa[si + 1] - oa[si], lb = ob[sj + 1] - ob[sj];
		return la == lb && (la == 0 || memcmp((const uint8_t *)a->buffers[2] + oa[si],
		                                      (const uint8_t *)b->buffers[2] + ob[sj],
		                                      (size_t)la) == 0);
	}
	case DLT_AT_LARGE_STRING: case DLT_AT_LARGE_BINARY: {
		const int64_t *oa = a->buffers[1], *ob = b->buffers[1];
		int64_t la = oa[si + 1] - oa[si], lb = ob[sj + 1] - ob[sj];
		return la == lb && (la == 0 || memcmp((const uint8_t *)a->buffers[2] + oa[si],
		                                      (const uint8_t *)b->buffers[2] + ob[sj],
		                                      (size_t)la) == 0);
	}
	case DLT_AT_STRUCT:
		for (int64_t c = 0; c < t->n_children; c++)
			if (!elem_eq(&t->children[c], a->children[c], si, b->children[c], sj, true))
				return false;
		return true;
	case DLT_AT_LIST: case DLT_AT_LARGE_LIST: case DLT_AT_MAP: case DLT_AT_FIXED_LIST: {
		int64_t a0, a1, b0, b1;
		if (tv->type == DLT_AT_FIXED_LIST) {
			a0 = si * tv->byte_width; a1 = a0 + tv->byte_width;
			b0 = sj * tv->byte_width; b1 = b0 + tv->byte_width;
		} else if (tv->type == DLT_AT_LARGE_LIST) {
			const int64_t *oa = a->buffers[1], *ob = b->buffers[1];
			a0 = oa[si]; a1 = oa[si + 1]; b0 = ob[sj]; b1 = ob[sj + 1];
		} else {
			const int32_t *oa = a->buffers[1], *ob = b->buffers[1];
			a0 = oa[si]; a1 = oa[si + 1]; b0 = ob[sj]; b1 = ob[sj + 1];
		}
		if (a1 - a0 != b1 - b0)
			return false;
		for (int64_t k = 0; k < a1 - a0; k++)
			if (!elem_eq(&t->children[0], a->children[0], a0 + k, b->children[0], b0 + k, true))
				return false;
		return true;
	}
	default: {
		int w;
		switch (tv->type) {
		case DLT_AT_INT8: case DLT_AT_UINT8: w = 1; break;
		case DLT_AT_INT16: case DLT_AT_UINT16: case DLT_AT_FLOAT16: w = 2; break;
		case DLT_AT_INT32: case DLT_AT_UINT32: case DLT_AT_DATE32: case DLT_AT_TIME32: w = 4; break;
		case DLT_AT_DECIMAL128: w = 16; break;
		case DLT_AT_DECIMAL256: w = 32; break;
		case DLT_AT_FIXED_BINARY: w = tv->byte_width; break;
		default: w = 8; break;
		}
		return memcmp((const uint8_t *)a->buffers[1] + si * w,
		              (const uint8_t *)b->buffers[1] + sj * w, (size_t)w) == 0;
	}
	}
}

static bool same_type(const dlt_tnode *x, const dlt_tnode *y)
{
	const dlt_tnode *vx = x->dict ? x->dict : x, *vy = y->dict ? y->dict : y;
	if (strcmp(vx->s->format, vy->s->format) != 0 || vx->n_children != vy->n_children)
		return false;
	if (vx->dict || vy->dict)
		return false;
	for (int64_t c = 0; c < vx->n_children; c++)
		if (!same_type(&vx->children[c], &vy->children[c]))
			return false;
	return true;
}

int dlt_compute__rows_equal(uint8_t *out, const dlt_column *l, const int64_t *lrows,
                            const dlt_column *r, const int64_t *rrows, int64_t n_cols,
                            int64_t n, bool nulls_equal, dlt_error *err)
{
	int rc = DLT_OK;
	DLT_ARG_CHECK(out && (n == 0 || (lrows && rrows)) && n >= 0 && n_cols >= 0 &&
	              (n_cols == 0 || (l && r)), err);
	for (int64_t k = 0; k < n; k++) {
		out[k] = 1;
		for (int64_t c = 0; c < n_cols; c++) {
			if (lrows[k] < 0 || lrows[k] >= l[c].array->length || rrows[k] < 0 ||
			    rrows[k] >= r[c].array->length)
				return dlt_error_set(err, DLT_EINVAL,
				                     "rows_equal: row pair %" PRId64 " out of range", k);
		}
	}
	for (int64_t c = 0; c < n_cols && rc >= 0; c++) {
		dlt_tnode tl, tr;
		memset(&tl, 0, sizeof(tl));
		memset(&tr, 0, sizeof(tr));
		rc = dlt_compute__tnode_build(&tl, l[c].schema, 0, err);
		if (rc >= 0)
			rc = dlt_compute__tnode_build(&tr, r[c].schema, 0, err);
		if (rc >= 0 && !same_type(&tl, &tr))
			rc = dlt_error_set(err, DLT_ESCHEMA,
			                   "rows_equal: column %" PRId64 " types differ ('%s' and '%s')",
			                   c, l[c].schema->format, r[c].schema->format);
		if (rc >= 0) {
			/* Compare through the value type; dictionary handled on each side. */
			for (int64_t k = 0; k < n; k++) {
				if (!out[k])
					continue;
				const struct ArrowArray *la = l[c].array, *ra = r[c].array;
				int64_t li = lrows[k], ri = rrows[k];
				bool ln = dlt_arrow__is_null(la, li), rn = dlt_arrow__is_null(ra, ri);
				if (ln || rn) {
					out[k] = ln && rn && nulls_equal;
					continue;
				}
				const dlt_tnode *lt = &tl, *rt = &tr;
				if (lt->dict) {
					li = load_index_any(&lt->tv, la->buffers[1], la->offset + li);
					la = la->dictionary;
					lt = lt->dict;
				}
				if (rt->dict) {
					ri = load_index_any(&rt->tv, ra->buffers[1], ra->offset + ri);
					ra = ra->dictionary;
					rt = rt->dict;
				}
				out[k] = elem_eq(lt, la, li, ra, ri, nulls_equal);
			}
		}
		dlt_compute__tnode_free(&tl);
		dlt_compute__tnode_free(&tr);
	}
	return rc;
}
