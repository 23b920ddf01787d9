/* Selection kernels: take (gather by indices), filter (mask -> indices ->
 * take), concat (copy ranges of several arrays), slices, dictionary decode.
 * All work recursively over the type tree; logical index i of array a is
 * physical slot a->offset + i, and a struct's offset applies to its children
 * (Columnar.rst, "Struct Layout"). */
#include "compute/kernels.h"

static int elem_width(const dlt_type_view *tv)
{
	switch (tv->type) {
	case DLT_AT_INT8: case DLT_AT_UINT8:
		return 1;
	case DLT_AT_INT16: case DLT_AT_UINT16: case DLT_AT_FLOAT16:
		return 2;
	case DLT_AT_INT32: case DLT_AT_UINT32: case DLT_AT_FLOAT32: case DLT_AT_DATE32:
	case DLT_AT_TIME32:
		return 4;
	case DLT_AT_INT64: case DLT_AT_UINT64: case DLT_AT_FLOAT64: case DLT_AT_DATE64:
	case DLT_AT_TIME64: case DLT_AT_TIMESTAMP: case DLT_AT_DURATION:
		return 8;
	case DLT_AT_DECIMAL128:
		return 16;
	case DLT_AT_DECIMAL256:
		return 32;
	case DLT_AT_FIXED_BINARY:
		return tv->byte_width;
	default:
		return 0;
	}
}

static void *alloc_buf(size_t n)
{
	return dlt_malloc(n ? n : 8);
}

static int oom(dlt_error *err, const char *what)
{
	return dlt_error_set(err, DLT_ENOMEM, "out of memory in %s", what);
}

/* ------------------------------------------------------------------ take */

static int take_rec(struct ArrowArray *out, const struct ArrowSchema *s,
                    const struct ArrowArray *a, const int64_t *idx, int64_t n, dlt_error *err);
static int copy_pieces(struct ArrowArray *out, const struct ArrowSchema *s,
                       const struct ArrowArray *const *arrs, const int64_t *starts,
                       const int64_t *lens, int64_t np, dlt_error *err);

static int copy_whole(struct ArrowArray *out, const struct ArrowSchema *s,
                      const struct ArrowArray *a, dlt_error *err)
{
	int64_t start = 0, len = a->length;
	return copy_pieces(out, s, &a, &start, &len, 1, err);
}

#define GATHER(T)                                                              \
	do {                                                                   \
		const T *src_ = (const T *)a->buffers[1] + a->offset;          \
		T *dst_ = (T *)data;                                           \
		if (has_neg) {                                                 \
			for (int64_t i = 0; i < n; i++)                        \
				dst_[i] = idx[i] >= 0 ? src_[idx[i]] : (T)0;   \
		} else {                                               \
			for (int64_t i = 0; i < n; i++)                        \
				dst_[i] = src_[idx[i]];                        \
		}                                                      \
	} while (0)

static int take_rec(struct ArrowArray *out, const struct ArrowSchema *s,
                    const struct ArrowArray *a, const int64_t *idx, int64_t n, dlt_error *err)
{
	dlt_type_view tv;
	int rc;
	bool has_neg = false;
	size_t sz;

	if ((rc = dlt_compute__type(&tv, s, err)) < 0 ||
	    (rc = dlt_array__init(out, tv.type == DLT_AT_NA ? 0 : tv.n_buffers, s->n_children,
	                          err)) < 0)
		return rc;
	out->length = n;
	if (tv.type == DLT_AT_NA) {
		out->null_count = n;
		return DLT_OK;
	}
	for (int64_t i = 0; i < n; i++)
		has_neg |= idx[i] < 0;

	/* validity */
	const uint8_t *v = dlt_compute__validity(a);
	if (v || has_neg) {
		uint64_t *ov = dlt_malloc(dlt_compute__bitmap_bytes(n));
		uint64_t w = 0;
		int64_t valid = 0;
		if (!ov)
			goto nomem;
		for (int64_t i = 0; i < n; i++) {
			int64_t j = idx[i];
			uint64_t bit = j >= 0 && (!v || dlt_arrow__bit(v, a->offset + j));
			w |= bit << (i & 63);
			if ((i & 63) == 63) {
				ov[i >> 6] = w;
				valid += __builtin_popcountll(w);
				w = 0;
			}
		}
		if (n & 63) {
			ov[n >> 6] = w;
			valid += __builtin_popcountll(w);
		}
		out->null_count = n - valid;
		dlt_array__set_buffer(out, 0, ov);
	}

	int width = elem_width(&tv);
	if (tv.type == DLT_AT_BOOL) {
		uint64_t *ob = dlt_malloc(dlt_compute__bitmap_bytes(n));
		const uint8_t *src = a->buffers[1];
		uint64_t w = 0;
		if (!ob)
			goto nomem;
		for (int64_t i = 0; i < n; i++) {
			int64_t j = idx[i];
			uint64_t bit = j >= 0 && dlt_arrow__bit(src, a->offset + j);
			w |= bit << (i & 63);
			if ((i & 63) == 63) {
				ob[i >> 6] = w;
				w = 0;
			}
		}
		if (n & 63)
			ob[n >> 6] = w;
		dlt_array__set_buffer(out, 1, ob);
	} else if (width > 0 && s->n_children == 0) {
		if (dlt_mul_overflow((size_t)n, (size_t)width, &sz))
			return dlt_error_set(err, DLT_ELIMIT, "take: result too large");
		uint8_t *data = alloc_buf(sz);
		if (!data)
			goto nomem;
		dlt_array__set_buffer(out, 1, data);
		switch (width) {
		case 1: GATHER(uint8_t); break;
		case 2: GATHER(uint16_t); break;
		case 4: GATHER(uint32_t); break;
		case 8: GATHER(uint64_t); break;
		default: {
			const uint8_t *src = (const uint8_t *)a->buffers[1] + a->offset * width;
			for (int64_t i = 0; i < n; i++) {
				if (idx[i] >= 0)
					memcpy(data + i * width, src + idx[i] * width, (size_t)width);
				else
					memset(data + i * width, 0, (size_t)width);
			}
		}
		}
	} else if (tv.type == DLT_AT_STRING || tv.type == DLT_AT_BINARY ||
	           tv.type == DLT_AT_LARGE_STRING || tv.type == DLT_AT_LARGE_BINARY) {
		bool large = tv.type == DLT_AT_LARGE_STRING || tv.type == DLT_AT_LARGE_BINARY;
		const uint8_t *src = a->buffers[2];
		uint64_t total = 0;
		if (large) {
			const int64_t *so = (const int64_t *)a->buffers[1] + a->offset;
			int64_t *oo = dlt_malloc(((size_t)n + 1) * 8);
			if (!oo)
				goto nomem;
			dlt_array__set_buffer(out, 1, oo);
			oo[0] = 0;
			for (int64_t i = 0; i < n; i++) {
				int64_t j = idx[i];
				total += j >= 0 ? (uint64_t)(so[j + 1] - so[j]) : 0;
				oo[i + 1] = (int64_t)total;
			}
			uint8_t *d = alloc_buf(total);
			if (!d)
				goto nomem;
			dlt_array__set_buffer(out, 2, d);
			for (int64_t i = 0; i < n; i++) {
				int64_t j = idx[i];
				if (j >= 0)
					memcpy(d + oo[i], src + so[j], (size_t)(oo[i + 1] - oo[i]));
			}
		} else {
			const int32_t *so = (const int32_t *)a->buffers[1] + a->offset;
			for (int64_t i = 0; i < n; i++) {
				int64_t j = idx[i];
				total += j >= 0 ? (uint64_t)(uint32_t)(so[j + 1] - so[j]) : 0;
			}
			if (total > INT32_MAX)
				return dlt_error_set(err, DLT_ELIMIT,
				                     "take: %" PRIu64 " bytes exceed a 32-bit "
				                     "offset string array", total);
			int32_t *oo = dlt_malloc(((size_t)n + 1) * 4);
			uint8_t *d = alloc_buf(total);
			dlt_array__set_buffer(out, 1, oo);
			dlt_array__set_buffer(out, 2, d);
			if (!oo || !d)
				goto nomem;
			int32_t pos = 0;
			oo[0] = 0;
			for (int64_t i = 0; i < n; i++) {
				int64_t j = idx[i];
				if (j >= 0) {
					int32_t l = so[j + 1] - so[j];
					memcpy(d + pos, src + so[j], (size_t)l);
					pos += l;
				}
				oo[i + 1] = pos;
			}
		}
	} else if (tv.type == DLT_AT_LIST || tv.type == DLT_AT_LARGE_LIST ||
	           tv.type == DLT_AT_MAP) {
		bool large = tv.type == DLT_AT_LARGE_LIST;
		uint64_t total = 0;
		int64_t *cidx;
		if (large) {
			const int64_t *so = (const int64_t *)a->buffers[1] + a->offset;
			int64_t *oo = dlt_malloc(((size_t)n + 1) * 8);
			if (!oo)
				goto nomem;
			dlt_array__set_buffer(out, 1, oo);
			oo[0] = 0;
			for (int64_t i = 0; i < n; i++) {
				int64_t j = idx[i];
				total += j >= 0 ? (uint64_t)(so[j + 1] - so[j]) : 0;
				oo[i + 1] = (int64_t)total;
			}
			cidx = dlt_malloc((size_t)total * 8 + 8);
			if (!cidx)
				goto nomem;
			int64_t p = 0;
			for (int64_t i = 0; i < n; i++) {
				int64_t j = idx[i];
				if (j >= 0)
					for (int64_t k = so[j]; k < so[j + 1]; k++)
						cidx[p++] = k;
			}
		} else {
			const int32_t *so = (const int32_t *)a->buffers[1] + a->offset;
			int32_t *oo = dlt_malloc(((size_t)n + 1) * 4);
			if (!oo)
				goto nomem;
			dlt_array__set_buffer(out, 1, oo);
			oo[0] = 0;
			for (int64_t i = 0; i < n; i++) {
				int64_t j = idx[i];
				total += j >= 0 ? (uint64_t)(uint32_t)(so[j + 1] - so[j]) : 0;
				if (total > INT32_MAX)
					return dlt_error_set(err, DLT_ELIMIT,
					                     "take: list child exceeds 32-bit offsets");
				oo[i + 1] = (int32_t)total;
			}
			cidx = dlt_malloc((size_t)total * 8 + 8);
			if (!cidx)
				goto nomem;
			int64_t p = 0;
			for (int64_t i = 0; i < n; i++) {
				int64_t j = idx[i];
				if (j >= 0)
					for (int64_t k = so[j]; k < so[j + 1]; k++)
						cidx[p++] = k;
			}
		}
		rc = take_rec(out->children[0], s->children[0], a->children[0], cidx,
		              (int64_t)total, err);
		dlt_free(cidx);
		if (rc < 0)
			return rc;
	} else if (tv.type == DLT_AT_FIXED_LIST) {
		int64_t L = tv.byte_width, total;
		if (dlt_mul_overflow_i64(n, L, &total))
			return dlt_error_set(err, DLT_ELIMIT, "take: result too large");
		int64_t *cidx = dlt_malloc((size_t)total * 8 + 8);
		if (!cidx)
			goto nomem;
		for (int64_t i = 0; i < n; i++) {
			int64_t j = idx[i];
			for (int64_t k = 0; k < L; k++)
				cidx[i * L + k] = j >= 0 ? (a->offset + j) * L + k : -1;
		}
		rc = take_rec(out->children[0], s->children[0], a->children[0], cidx, total, err);
		dlt_free(cidx);
		if (rc < 0)
			return rc;
	} else if (tv.type == DLT_AT_STRUCT) {
		int64_t *cidx = NULL;
		const int64_t *use = idx;
		if (a->offset != 0) {
			cidx = dlt_malloc((size_t)n * 8 + 8);
			if (!cidx)
				goto nomem;
			for (int64_t i = 0; i < n; i++)
				cidx[i] = idx[i] >= 0 ? idx[i] + a->offset : -1;
			use = cidx;
		}
		for (int64_t c = 0; c < s->n_children; c++) {
			rc = take_rec(out->children[c], s->children[c], a->children[c], use, n, err);
			if (rc < 0) {
				dlt_free(cidx);
				return rc;
			}
		}
		dlt_free(cidx);
	} else {
		return dlt_error_set(err, DLT_EUNSUPPORTED, "take: unsupported type '%s'",
		                     s->format);
	}
	if (s->dictionary) {
		if ((rc = dlt_array__alloc_dictionary(out, err)) < 0 ||
		    (rc = copy_whole(out->dictionary, s->dictionary, a->dictionary, err)) < 0)
			return rc;
	}
	return DLT_OK;
nomem:
	return oom(err, "take");
}

int dlt_compute__take(struct ArrowArray *out, const struct ArrowSchema *schema,
                      const struct ArrowArray *a, const int64_t *idx, int64_t n, dlt_error *err)
{
	int rc;
	DLT_ARG_CHECK(out && schema && a && (idx || n == 0) && n >= 0, err);
	out->release = NULL;
	for (int64_t i = 0; i < n; i++) {
		if (idx[i] < -1 || idx[i] >= a->length)
			return dlt_error_set(err, DLT_EINVAL,
			                     "take: index %" PRId64 " at position %" PRId64
			                     " out of range for array of length %" PRId64,
			                     idx[i], i, a->length);
	}
	rc = take_rec(out, schema, a, idx, n, err);
	if (rc < 0)
		dlt_array__release(out);
	return rc;
}

/* ---------------------------------------------------------------- filter */

int64_t dlt_compute__mask_count(const struct ArrowArray *mask)
{
	const uint8_t *vals = mask->buffers[1];
	const uint8_t *v = dlt_compute__validity(mask);
	int64_t c = 0;
	for (int64_t i = 0; i < mask->length; i += 64) {
		int k = (int)DLT_MIN((int64_t)64, mask->length - i);
		uint64_t w = dlt_compute__load_bits(vals, mask->offset + i, k);
		if (v)
			w &= dlt_compute__load_bits(v, mask->offset + i, k);
		c += __builtin_popcountll(w);
	}
	return c;
}

void dlt_compute__mask_indices(int64_t *idx_out, const struct ArrowArray *mask)
{
	const uint8_t *vals = mask->buffers[1];
	const uint8_t *v = dlt_compute__validity(mask);
	int64_t p = 0;
	for (int64_t i = 0; i < mask->length; i += 64) {
		int k = (int)DLT_MIN((int64_t)64, mask->length - i);
		uint64_t w = dlt_compute__load_bits(vals, mask->offset + i, k);
		if (v)
			w &= dlt_compute__load_bits(v, mask->offset + i, k);
		while (w) {
			idx_out[p++] = i + __builtin_ctzll(w);
			w &= w - 1;
		}
	}
}

int dlt_compute__filter(struct ArrowArray *out, const struct ArrowSchema *schema,
                        const struct ArrowArray *a, const struct ArrowArray *mask,
                        dlt_error *err)
{
	int rc;
	DLT_ARG_CHECK(out && schema && a && mask, err);
	out->release = NULL;
	if (mask->length != a->length)
		return dlt_error_set(err, DLT_EINVAL,
		                     "filter: mask length %" PRId64 " differs from array length %" PRId64,
		                     mask->length, a->length);
	if (mask->n_buffers != 2)
		return dlt_error_set(err, DLT_EINVAL, "filter: mask is not a boolean array");
	int64_t n = dlt_compute__mask_count(mask);
	int64_t *idx = dlt_malloc((size_t)n * 8 + 8);
	if (!idx)
		return oom(err, "filter");
	dlt_compute__mask_indices(idx, mask);
	rc = take_rec(out, schema, a, idx, n, err);
	dlt_free(idx);
	if (rc < 0)
		dlt_array__release(out);
	return rc;
}

/* ---------------------------------------------------------------- concat */

/* Write index value v to slot i of an integer buffer of the given type. */
static bool store_index(void *buf, const dlt_type_view *tv, int64_t i, int64_t v)
{
	switch (tv->type) {
	case DLT_AT_INT8: if (v > INT8_MAX) return false; ((int8_t *)buf)[i] = (int8_t)v; return true;
	case DLT_AT_UINT8: if (v > UINT8_MAX) return false; ((uint8_t *)buf)[i] = (uint8_t)v; return true;
	case DLT_AT_INT16: if (v > INT16_MAX) return false; ((int16_t *)buf)[i] = (int16_t)v; return true;
	case DLT_AT_UINT16: if (v > UINT16_MAX) return false; ((uint16_t *)buf)[i] = (uint16_t)v; return true;
	case DLT_AT_INT32: if (v > INT32_MAX) return false; ((int32_t *)buf)[i] = (int32_t)v; return true;
	case DLT_AT_UINT32: if (v > (int64_t)UINT32_MAX) return false; ((uint32_t *)buf)[i] = (uint32_t)v; return true;
	case DLT_AT_INT64: ((int64_t *)buf)[i] = v; return true;
	case DLT_AT_UINT64: ((uint64_t *)buf)[i] = (uint64_t)v; return true;
	default: return false;
	}
}

static int64_t load_index(const void *buf, const dlt_type_view *tv, int64_t i)
{
	switch (tv->type) {
	case DLT_AT_INT8: return ((const int8_t *)buf)[i];
	case DLT_AT_UINT8: return ((const uint8_t *)buf)[i];
	case DLT_AT_INT16: return ((const int16_t *)buf)[i];
	case DLT_AT_UINT16: return ((const uint16_t *)buf)[i];
	case DLT_AT_INT32: return ((const int32_t *)buf)[i];
	case DLT_AT_UINT32: return ((const uint32_t *)buf)[i];
	case DLT_AT_INT64: return ((const int64_t *)buf)[i];
	case DLT_AT_UINT64: return (int64_t)((const uint64_t *)buf)[i];
	default: return 0;
	}
}

static int copy_pieces(struct ArrowArray *out, const struct ArrowSchema *s,
                       const struct ArrowArray *const *arrs, const int64_t *starts,
                       const int64_t *lens, int64_t np, dlt_error *err)
{
	dlt_type_view tv;
	int rc;
	int64_t n = 0;
	bool any_nulls = false;
	const struct ArrowArray **carrs = NULL;
	int64_t *cstarts = NULL, *clens = NULL;
	size_t sz;

	if ((rc = dlt_compute__type(&tv, s, err)) < 0 ||
	    (rc = dlt_array__init(out, tv.type == DLT_AT_NA ? 0 : tv.n_buffers, s->n_children,
	                          err)) < 0)
		return rc;
	for (int64_t p = 0; p < np; p++) {
		if (dlt_add_overflow_i64(n, lens[p], &n))
			return dlt_error_set(err, DLT_ELIMIT, "concat: length overflow");
		any_nulls |= dlt_compute__validity(arrs[p]) != NULL;
	}
	out->length = n;
	if (tv.type == DLT_AT_NA) {
		out->null_count = n;
		return DLT_OK;
	}
	if (any_nulls) {
		uint8_t *ov = dlt_calloc(1, dlt_compute__bitmap_bytes(n));
		int64_t pos = 0;
		if (!ov)
			goto nomem;
		dlt_array__set_buffer(out, 0, ov);
		for (int64_t p = 0; p < np; p++) {
			dlt_compute__copy_bits(ov, pos, dlt_compute__validity(arrs[p]),
			                       arrs[p]->offset + starts[p], lens[p]);
			pos += lens[p];
		}
		uint64_t *w = (uint64_t *)ov;
		if (n & 63)
			w[n >> 6] &= (UINT64_C(1) << (n & 63)) - 1;
		out->null_count = n - dlt_compute__popcount_words(w, n);
	}

	int width = elem_width(&tv);
	if (tv.type == DLT_AT_BOOL) {
		uint8_t *ob = dlt_calloc(1, dlt_compute__bitmap_bytes(n));
		int64_t pos = 0;
		if (!ob)
			goto nomem;
		dlt_array__set_buffer(out, 1, ob);
		for (int64_t p = 0; p < np; p++) {
			dlt_compute__copy_bits(ob, pos, arrs[p]->buffers[1], arrs[p]->offset + starts[p],
			                       lens[p]);
			pos += lens[p];
		}
	} else if (width > 0 && s->n_children == 0) {
		if (dlt_mul_overflow((size_t)n, (size_t)width, &sz))
			return dlt_error_set(err, DLT_ELIMIT, "concat: result too large");
		uint8_t *d = alloc_buf(sz);
		size_t pos = 0;
		if (!d)
			goto nomem;
		dlt_array__set_buffer(out, 1, d);
		bool same_dict = true;
		for (int64_t p = 1; s->dictionary && p < np; p++)
			same_dict &= arrs[p]->dictionary == arrs[0]->dictionary;
		if (s->dictionary && !same_dict) {
			/* Concatenate the dictionaries, shifting each piece's indices. */
			const struct ArrowArray **darrs = dlt_calloc((size_t)np, sizeof(*darrs));
			int64_t *dst = dlt_calloc((size_t)np, 8), *dl = dlt_calloc((size_t)np, 8);
			int64_t base = 0, o = 0;
			if (!darrs || !dst || !dl) {
				dlt_free(darrs); dlt_free(dst); dlt_free(dl);
				goto nomem;
			}
			for (int64_t p = 0; p < np; p++) {
				const struct ArrowArray *a = arrs[p];
				darrs[p] = a->dictionary;
				dl[p] = a->dictionary->length;
				const uint8_t *v = dlt_compute__validity(a);
				for (int64_t i = 0; i < lens[p]; i++, o++) {
					int64_t slot = a->offset + starts[p] + i;
					int64_t x = (v && !dlt_arrow__bit(v, slot)) ? 0
					            : load_index(a->buffers[1], &tv, slot) + base;
					if (!store_index(d, &tv, o, x)) {
						dlt_free(darrs); dlt_free(dst); dlt_free(dl);
						return dlt_error_set(err, DLT_ELIMIT,
						                     "concat: dictionary index %" PRId64
						                     " overflows index type '%s'", x, s->format);
					}
				}
				base += dl[p];
			}
			if ((rc = dlt_array__alloc_dictionary(out, err)) >= 0)
				rc = copy_pieces(out->dictionary, s->dictionary, darrs, dst, dl, np, err);
			dlt_free(darrs); dlt_free(dst); dlt_free(dl);
			return rc;
		}
		for (int64_t p = 0; p < np; p++) {
			size_t l = (size_t)lens[p] * (size_t)width;
			if (l)
				memcpy(d + pos, (const uint8_t *)arrs[p]->buffers[1] +
				       (size_t)(arrs[p]->offset + starts[p]) * (size_t)width, l);
			pos += l;
		}
	} else if (tv.type == DLT_AT_STRING || tv.type == DLT_AT_BINARY ||
	           tv.type == DLT_AT_LARGE_STRING || tv.type == DLT_AT_LARGE_BINARY ||
	           tv.type == DLT_AT_LIST || tv.type == DLT_AT_LARGE_LIST ||
	           tv.type == DLT_AT_MAP) {
		bool large = tv.type == DLT_AT_LARGE_STRING || tv.type == DLT_AT_LARGE_BINARY ||
		             tv.type == DLT_AT_LARGE_LIST;
		bool nested = tv.type == DLT_AT_LIST || tv.type == DLT_AT_LARGE_LIST ||
		              tv.type == DLT_AT_MAP;
		uint64_t total = 0;
		void *oo = dlt_malloc(((size_t)n + 1) * (large ? 8 : 4));
		if (!oo)
			goto nomem;
		dlt_array__set_buffer(out, 1, oo);
		if (nested) {
			carrs = dlt_calloc((size_t)np + 1, sizeof(*carrs));
			cstarts = dlt_calloc((size_t)np + 1, 8);
			clens = dlt_calloc((size_t)np + 1, 8);
			if (!carrs || !cstarts || !clens)
				goto nomem;
		}
		int64_t o = 0;
		if (large)
			((int64_t *)oo)[0] = 0;
		else
			((int32_t *)oo)[0] = 0;
		for (int64_t p = 0; p < np; p++) {
			const struct ArrowArray *a = arrs[p];
			int64_t first = a->offset + starts[p];
			int64_t b0, b1;
			if (large) {
				const int64_t *so = (const int64_t *)a->buffers[1] + first;
				b0 = so[0];
				b1 = so[lens[p]];
				for (int64_t i = 0; i < lens[p]; i++)
					((int64_t *)oo)[o + i + 1] = (int64_t)total + (so[i + 1] - b0);
			} else {
				const int32_t *so = (const int32_t *)a->buffers[1] + first;
				b0 = so[0];
				b1 = so[lens[p]];
				if (total + (uint64_t)(b1 - b0) > INT32_MAX) {
					rc = dlt_error_set(err, DLT_ELIMIT,
					                   "concat: data exceeds 32-bit offsets");
					goto fail;
				}
				for (int64_t i = 0; i < lens[p]; i++)
					((int32_t *)oo)[o + i + 1] = (int32_t)((int64_t)total + (so[i + 1] - b0));
			}
			if (nested) {
				carrs[p] = a->children[0];
				cstarts[p] = b0;
				clens[p] = b1 - b0;
			}
			o += lens[p];
			total += (uint64_t)(b1 - b0);
		}
		if (nested) {
			rc = copy_pieces(out->children[0], s->children[0], carrs, cstarts, clens, np, err);
			if (rc < 0)
				goto fail;
		} else {
			uint8_t *d = alloc_buf(total);
			size_t pos = 0;
			if (!d)
				goto nomem;
			dlt_array__set_buffer(out, 2, d);
			for (int64_t p = 0; p < np; p++) {
				const struct ArrowArray *a = arrs[p];
				int64_t first = a->offset + starts[p], b0, b1;
				if (large) {
					b0 = ((const int64_t *)a->buffers[1])[first];
					b1 = ((const int64_t *)a->buffers[1])[first + lens[p]];
				} else {
					b0 = ((const int32_t *)a->buffers[1])[first];
					b1 = ((const int32_t *)a->buffers[1])[first + lens[p]];
				}
				if (b1 > b0)
					memcpy(d + pos, (const uint8_t *)a->buffers[2] + b0, (size_t)(b1 - b0));
				pos += (size_t)(b1 - b0);
			}
		}
	} else if (tv.type == DLT_AT_FIXED_LIST || tv.type == DLT_AT_STRUCT) {
		int64_t L = tv.type == DLT_AT_FIXED_LIST ? tv.byte_width : 1;
		carrs = dlt_calloc((size_t)np + 1, sizeof(*carrs));
		cstarts = dlt_calloc((size_t)np + 1, 8);
		clens = dlt_calloc((size_t)np + 1, 8);
		if (!carrs || !cstarts || !clens)
			goto nomem;
		for (int64_t c = 0; c < s->n_children; c++) {
			for (int64_t p = 0; p < np; p++) {
				carrs[p] = arrs[p]->children[c];
				cstarts[p] = (arrs[p]->offset + starts[p]) * L;
				clens[p] = lens[p] * L;
			}
			rc = copy_pieces(out->children[c], s->children[c], carrs, cstarts, clens, np, err);
			if (rc < 0)
				goto fail;
		}
	} else {
		return dlt_error_set(err, DLT_EUNSUPPORTED, "concat: unsupported type '%s'", s->format);
	}
	if (s->dictionary) {
		if ((rc = dlt_array__alloc_dictionary(out, err)) < 0 ||
		    (rc = copy_whole(out->dictionary, s->dictionary, arrs[0]->dictionary, err)) < 0)
			goto fail;
	}
	rc = DLT_OK;
fail:
	dlt_free(carrs);
	dlt_free(cstarts);
	dlt_free(clens);
	return rc;
nomem:
	rc = oom(err, "concat");
	goto fail;
}

int dlt_compute__concat(struct ArrowArray *out, const struct ArrowSchema *schema,
                        const struct ArrowArray *const *arrays, int64_t n, dlt_error *err)
{
	int rc;
	DLT_ARG_CHECK(out && schema && (arrays || n == 0) && n >= 0, err);
	out->release = NULL;
	int64_t *starts = dlt_calloc((size_t)n + 1, 8), *lens = dlt_calloc((size_t)n + 1, 8);
	if (!starts || !lens) {
		dlt_free(starts);
		dlt_free(lens);
		return oom(err, "concat");
	}
	for (int64_t i = 0; i < n; i++)
		lens[i] = arrays[i]->length;
	rc = copy_pieces(out, schema, arrays, starts, lens, n, err);
	dlt_free(starts);
	dlt_free(lens);
	if (rc < 0)
		dlt_array__release(out);
	return rc;
}

int dlt_compute__slice(struct ArrowArray *out, const struct ArrowSchema *schema,
                       const struct ArrowArray *a, int64_t offset, int64_t length,
                       dlt_error *err)
{
	int rc;
	DLT_ARG_CHECK(out && schema && a, err);
	out->release = NULL;
	if (offset < 0 || length < 0 || offset > a->length || length > a->length - offset)
		return dlt_error_set(err, DLT_EINVAL,
		                     "slice: range [%" PRId64 ", +%" PRId64 ") outside array of "
		                     "length %" PRId64, offset, length, a->length);
	rc = copy_pieces(out, schema, &a, &offset, &length, 1, err);
	if (rc < 0)
		dlt_array__release(out);
	return rc;
}

int dlt_compute__slice_shared(struct ArrowArray *out, dlt_shared_array *sh, int64_t offset,
                              int64_t length, dlt_error *err)
{
	DLT_ARG_CHECK(out && sh && offset >= 0 && length >= 0, err);
	return dlt_shared__export(out, sh, offset, length, err);
}

/* ------------------------------------------------------ dictionary decode */

int dlt_compute__decode_dictionary(struct ArrowArray *out, const struct ArrowSchema *schema,
                                   const struct ArrowArray *a, dlt_error *err)
{
	dlt_type_view tv;
	int rc;
	DLT_ARG_CHECK(out && schema && schema->dictionary && a && a->dictionary, err);
	out->release = NULL;
	if ((rc = dlt_compute__type(&tv, schema, err)) < 0)
		return rc;
	int64_t *idx = dlt_malloc((size_t)a->length * 8 + 8);
	if (!idx)
		return oom(err, "dictionary decode");
	const uint8_t *v = dlt_compute__validity(a);
	int64_t dl = a->dictionary->length;
	for (int64_t i = 0; i < a->length; i++) {
		int64_t slot = a->offset + i;
		int64_t x = load_index(a->buffers[1], &tv, slot);
		if (v && !dlt_arrow__bit(v, slot))
			x = -1;
		else if (x < 0 || x >= dl) {
			dlt_free(idx);
			return dlt_error_set(err, DLT_ECORRUPT,
			                     "dictionary index %" PRId64 " at row %" PRId64
			                     " out of range (dictionary length %" PRId64 ")", x, i, dl);
		}
		idx[i] = x;
	}
	rc = take_rec(out, schema->dictionary, a->dictionary, idx, a->length, err);
	dlt_free(idx);
	if (rc < 0)
		dlt_array__release(out);
	return rc;
}
