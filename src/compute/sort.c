/* Stable multi-key sort indices: each key column is materialised once into a
 * canonical vector (int64, uint64, double, i128) or read in place (bytes,
 * decimal256), then an index array is sorted by insertion-sorted runs merged
 * bottom-up (stable: ties keep row order). */
#include "compute/kernels.h"

#include <math.h>

#define RUN 24

typedef enum skind { SK_I64, SK_U64, SK_F64, SK_I128, SK_BYTES, SK_DEC256 } skind;

typedef struct skey {
	skind kind;
	bool desc, nulls_first;
	const uint8_t *valid; /* NULL: no nulls */
	int64_t voff;
	void *vals;           /* owned canonical vector (I64/U64/F64/I128) */
	const struct ArrowArray *a;
	dlt_type_view tv;
	struct ArrowArray decoded; /* owned, for dictionary keys */
} skey;

static inline int cmp_f64(double a, double b)
{
	if (a < b)
		return -1;
	if (a > b)
		return 1;
	if (a == b)
		return 0;
	return isnan(a) - isnan(b);
}

static inline int cmp_bytes_at(const skey *k, int64_t i, int64_t j)
{
	const struct ArrowArray *a = k->a;
	const uint8_t *p, *q;
	int64_t pn, qn, si = a->offset + i, sj = a->offset + j;
	switch (k->tv.type) {
	case DLT_AT_FIXED_BINARY:
		p = (const uint8_t *)a->buffers[1] + si * k->tv.byte_width;
		q = (const uint8_t *)a->buffers[1] + sj * k->tv.byte_width;
		pn = qn = k->tv.byte_width;
		break;
	case DLT_AT_LARGE_STRING: case DLT_AT_LARGE_BINARY: {
		const int64_t *o = a->buffers[1];
		p = (const uint8_t *)a->buffers[2] + o[si];
		q = (const uint8_t *)a->buffers[2] + o[sj];
		pn = o[si + 1] - o[si];
		qn = o[sj + 1] - o[sj];
		break;
	}
	default: {
		const int32_t *o = a->buffers[1];
		p = (const uint8_t *)a->buffers[2] + o[si];
		q = (const uint8_t *)a->buffers[2] + o[sj];
		pn = o[si + 1] - o[si];
		qn = o[sj + 1] - o[sj];
		break;
	}
	}
	int64_t m = pn < qn ? pn : qn;
	int c = m ? memcmp(p, q, (size_t)m) : 0;
	if (c)
		return c < 0 ? -1 : 1;
	return (pn > qn) - (pn < qn);
}

static inline int cmp_dec256(const skey *k, int64_t i, int64_t j)
{
	const uint8_t *p = (const uint8_t *)k->a->buffers[1] + (k->a->offset + i) * 32;
	const uint8_t *q = (const uint8_t *)k->a->buffers[1] + (k->a->offset + j) * 32;
	int64_t hp, hq;
	memcpy(&hp, p + 24, 8);
	memcpy(&hq, q + 24, 8);
	if (hp != hq)
		return hp < hq ? -1 : 1;
	for (int w = 2; w >= 0; w--) {
		uint64_t x, y;
		memcpy(&x, p + w * 8, 8);
		memcpy(&y, q + w * 8, 8);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

static inline int key_cmp(const skey *k, int64_t i, int64_t j)
{
	if (k->valid) {
		bool ni = !dlt_arrow__bit(k->valid, k->voff + i);
		bool nj = !dlt_arrow__bit(k->valid, k->voff + j);
		if (ni | nj) {
			if (ni && nj)
				return 0;
			return (ni ? -1 : 1) * (k->nulls_first ? 1 : -1);
		}
	}
	int c;
	switch (k->kind) {
	case SK_I64: {
		const int64_t *v = k->vals;
		c = (v[i] > v[j]) - (v[i] < v[j]);
		break;
	}
	case SK_U64: {
		const uint64_t *v = k->vals;
		c = (v[i] > v[j]) - (v[i] < v[j]);
		break;
	}
	case SK_F64: {
		const double *v = k->vals;
		c = cmp_f64(v[i], v[j]);
		break;
	}
	case SK_I128: {
		const dlt_i128 *v = k->vals;
		c = (v[i] > v[j]) - (v[i] < v[j]);
		break;
	}
	case SK_BYTES:
		c = cmp_bytes_at(k, i, j);
		break;
	default:
		c = cmp_dec256(k, i, j);
		break;
	}
	return k->desc ? -c : c;
}

typedef struct sctx {
	const skey *keys;
	int64_t n_keys;
} sctx;

static inline int row_cmp(const sctx *c, int64_t i, int64_t j)
{
	for (int64_t k = 0; k < c->n_keys; k++) {
		int r = key_cmp(&c->keys[k], i, j);
		if (r)
			return r;
	}
	return 0;
}

#define MAT(T, EXPR)                                                           \
	do {                                                                   \
		const T *src_ = (const T *)a->buffers[1] + a->offset;          \
		for (int64_t i = 0; i < n; i++) {                              \
			T x = src_[i];                                         \
			dst[i] = (EXPR);                                       \
		}                                                              \
	} while (0)

static int prepare_key(skey *k, const dlt_sort_key *sk, int64_t n, dlt_error *err)
{
	int rc;
	const struct ArrowSchema *s = sk->col.schema;
	const struct ArrowArray *a = sk->col.array;
	k->desc = sk->descending;
	k->nulls_first = sk->nulls_first;
	if (s->dictionary) {
		if ((rc = dlt_compute__decode_dictionary(&k->decoded, s, a, err)) < 0)
			return rc;
		s = s->dictionary;
		a = &k->decoded;
	}
	if ((rc = dlt_compute__type(&k->tv, s, err)) < 0)
		return rc;
	k->a = a;
	if (a->n_buffers == 0) { /* NA type: all null, all equal */
		k->kind = SK_I64;
		k->vals = dlt_calloc((size_t)n + 1, 8);
		k->valid = NULL;
		return k->vals ? DLT_OK : dlt_error_set(err, DLT_ENOMEM, "out of memory in sort");
	}
	k->valid = dlt_compute__validity(a);
	k->voff = a->offset;
	switch (k->tv.type) {
	case DLT_AT_BOOL: case DLT_AT_INT8: case DLT_AT_UINT8: case DLT_AT_INT16:
	case DLT_AT_UINT16: case DLT_AT_INT32: case DLT_AT_UINT32: case DLT_AT_INT64:
	case DLT_AT_DATE32: case DLT_AT_DATE64: case DLT_AT_TIME32: case DLT_AT_TIME64:
	case DLT_AT_TIMESTAMP: case DLT_AT_DURATION: {
		int64_t *dst = dlt_malloc((size_t)n * 8 + 8);
		if (!dst)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory in sort");
		k->vals = dst;
		k->kind = SK_I64;
		switch (k->tv.type) {
		case DLT_AT_BOOL:
			for (int64_t i = 0; i < n; i++)
				dst[i] = dlt_arrow__bit(a->buffers[1], a->offset + i);
			break;
		case DLT_AT_INT8: MAT(int8_t, x); break;
		case DLT_AT_UINT8: MAT(uint8_t, x); break;
		case DLT_AT_INT16: MAT(int16_t, x); break;
		case DLT_AT_UINT16: MAT(uint16_t, x); break;
		case DLT_AT_INT32: case DLT_AT_DATE32: case DLT_AT_TIME32: MAT(int32_t, x); break;
		case DLT_AT_UINT32: MAT(uint32_t, x); break;
		default: MAT(int64_t, x); break;
		}
		return DLT_OK;
	}
	case DLT_AT_UINT64: {
		uint64_t *dst = dlt_malloc((size_t)n * 8 + 8);
		if (!dst)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory in sort");
		k->vals = dst;
		k->kind = SK_U64;
		MAT(uint64_t, x);
		return DLT_OK;
	}
	case DLT_AT_FLOAT32: case DLT_AT_FLOAT64: {
		double *dst = dlt_malloc((size_t)n * 8 + 8);
		if (!dst)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory in sort");
		k->vals = dst;
		k->kind = SK_F64;
		if (k->tv.type == DLT_AT_FLOAT32)
			MAT(float, (double)x);
		else
			MAT(double, x);
		return DLT_OK;
	}
	case DLT_AT_DECIMAL128: {
		dlt_i128 *dst = dlt_malloc((size_t)n * 16 + 16);
		if (!dst)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory in sort");
		k->vals = dst;
		k->kind = SK_I128;
		const uint8_t *src = (const uint8_t *)a->buffers[1] + a->offset * 16;
		for (int64_t i = 0; i < n; i++)
			dst[i] = dlt_compute__load_i128(src + i * 16);
		return DLT_OK;
	}
	case DLT_AT_DECIMAL256:
		k->kind = SK_DEC256;
		return DLT_OK;
	case DLT_AT_STRING: case DLT_AT_LARGE_STRING: case DLT_AT_BINARY:
	case DLT_AT_LARGE_BINARY: case DLT_AT_FIXED_BINARY:
		k->kind = SK_BYTES;
		return DLT_OK;
	default:
		return dlt_error_set(err, DLT_EUNSUPPORTED, "sort: unsupported key type '%s'",
		                     s->format);
	}
}

static void sort_run(int64_t *v, int64_t n, const sctx *c)
{
	for (int64_t i = 1; i < n; i++) {
		int64_t x = v[i], j = i;
		while (j > 0 && row_cmp(c, v[j - 1], x) > 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

static void merge(int64_t *dst, const int64_t *l, int64_t ln, const int64_t *r, int64_t rn,
                  const sctx *c)
{
	int64_t i = 0, j = 0, o = 0;
	while (i < ln && j < rn) {
		if (row_cmp(c, r[j], l[i]) < 0)
			dst[o++] = r[j++];
		else
			dst[o++] = l[i++];
	}
	while (i < ln)
		dst[o++] = l[i++];
	while (j < rn)
		dst[o++] = r[j++];
}

int dlt_compute__sort_indices(int64_t *out, const dlt_sort_key *keys, int64_t n_keys,
                              int64_t n_rows, dlt_error *err)
{
	int rc = DLT_OK;
	skey *k = NULL;
	int64_t *tmp = NULL;
	DLT_ARG_CHECK(out && (keys || n_keys == 0) && n_keys >= 0 && n_rows >= 0, err);
	for (int64_t i = 0; i < n_keys; i++)
		if (!keys[i].col.schema || !keys[i].col.array ||
		    keys[i].col.array->length != n_rows)
			return dlt_error_set(err, DLT_EINVAL,
			                     "sort: key %" PRId64 " is missing or has the wrong length", i);
	k = dlt_calloc((size_t)n_keys + 1, sizeof(*k));
	tmp = dlt_malloc((size_t)n_rows * 8 + 8);
	if (!k || !tmp) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory in sort");
		goto done;
	}
	for (int64_t i = 0; i < n_keys; i++)
		if ((rc = prepare_key(&k[i], &keys[i], n_rows, err)) < 0)
			goto done;
	for (int64_t i = 0; i < n_rows; i++)
		out[i] = i;
	sctx c = { k, n_keys };
	for (int64_t s = 0; s < n_rows; s += RUN)
		sort_run(out + s, DLT_MIN((int64_t)RUN, n_rows - s), &c);
	int64_t *src = out, *dst = tmp;
	for (int64_t w = RUN; w < n_rows; w *= 2) {
		for (int64_t lo = 0; lo < n_rows; lo += 2 * w) {
			int64_t mid = DLT_MIN(lo + w, n_rows), hi = DLT_MIN(lo + 2 * w, n_rows);
			merge(dst + lo, src + lo, mid - lo, src + mid, hi - mid, &c);
		}
		int64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != out)
		memcpy(out, src, (size_t)n_rows * 8);
done:
	for (int64_t i = 0; k && i < n_keys; i++) {
		dlt_free(k[i].vals);
		dlt_array__release(&k[i].decoded);
	}
	dlt_free(k);
	dlt_free(tmp);
	return rc;
}
