/* Z-order: the row order that interleaves the bits of several columns.
 *
 * Each column is first mapped to order-preserving unsigned keys, then to the
 * dense rank of each key among the column's distinct keys, scaled to a fixed
 * number of bits. Ranking (rather than interleaving the raw keys, whose high
 * bits are often all equal: small integers, dates of one decade, strings with
 * a common prefix) makes every column contribute its full share of bits, as
 * Spark's range-partition ids do; then the bits are interleaved, column 0
 * most significant at each level, and the rows sorted by that value. */
#include "ops/optimize.h"

#include <stdlib.h>
#include <string.h>

typedef struct zkey {
	uint64_t key;
	int64_t row;
} zkey;

static int oom(dlt_error *err)
{
	return dlt_error_set(err, DLT_ENOMEM, "out of memory");
}

static int cmp_zkey(const void *a, const void *b)
{
	const zkey *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

static bool orderable_type(const dlt_type_view *t)
{
	switch (t->type) {
	case DLT_AT_BOOL: case DLT_AT_INT8: case DLT_AT_UINT8: case DLT_AT_INT16:
	case DLT_AT_UINT16: case DLT_AT_INT32: case DLT_AT_UINT32: case DLT_AT_INT64:
	case DLT_AT_UINT64: case DLT_AT_FLOAT32: case DLT_AT_FLOAT64: case DLT_AT_DECIMAL128:
	case DLT_AT_DATE32: case DLT_AT_DATE64: case DLT_AT_TIME32: case DLT_AT_TIME64:
	case DLT_AT_TIMESTAMP: case DLT_AT_DURATION: case DLT_AT_STRING:
	case DLT_AT_LARGE_STRING: case DLT_AT_BINARY: case DLT_AT_LARGE_BINARY:
	case DLT_AT_FIXED_BINARY:
		return true;
	default:
		return false;
	}
}

bool dlt_ops__zorder_orderable(const struct ArrowSchema *schema)
{
	dlt_type_view t;
	const struct ArrowSchema *s = schema;

	if (!s || !s->format)
		return false;
	if (s->dictionary)
		s = s->dictionary;
	if (dlt_arrow__parse_format(&t, s->format, NULL) < 0)
		return false;
	return orderable_type(&t);
}

static uint64_t flip_signed(int64_t v)
{
	return (uint64_t)v ^ UINT64_C(0x8000000000000000);
}

/* IEEE 754 total order: negative numbers have every bit inverted (larger
 * magnitude -> smaller key), positive ones only the sign bit set. */
static uint64_t float_key64(uint64_t bits)
{
	return (bits >> 63) ? ~bits : bits | UINT64_C(0x8000000000000000);
}

static uint64_t bytes_key(const uint8_t *p, int64_t n)
{
	uint64_t k = 0;
	for (int i = 0; i < 8; i++)
		k = (k << 8) | (i < n ? p[i] : 0u);
	return k;
}

/* Key of row i (valid) of a plain (not dictionary-encoded) array. */
static uint64_t value_key(const dlt_type_view *t, const struct ArrowArray *a, int64_t i)
{
	int64_t j = a->offset + i;
	const void *v = a->buffers[1];

	switch (t->type) {
	case DLT_AT_BOOL:
		return dlt_arrow__bit(v, j) ? 1u : 0u;
	case DLT_AT_INT8:
		return flip_signed(((const int8_t *)v)[j]);
	case DLT_AT_UINT8:
		return ((const uint8_t *)v)[j];
	case DLT_AT_INT16:
		return flip_signed(((const int16_t *)v)[j]);
	case DLT_AT_UINT16:
		return ((const uint16_t *)v)[j];
	case DLT_AT_INT32: case DLT_AT_DATE32: case DLT_AT_TIME32:
		return flip_signed(((const int32_t *)v)[j]);
	case DLT_AT_UINT32:
		return ((const uint32_t *)v)[j];
	case DLT_AT_INT64: case DLT_AT_DATE64: case DLT_AT_TIME64: case DLT_AT_TIMESTAMP:
	case DLT_AT_DURATION:
		return flip_signed(((const int64_t *)v)[j]);
	case DLT_AT_UINT64:
		return ((const uint64_t *)v)[j];
	case DLT_AT_FLOAT32: {
		float f = ((const float *)v)[j];
		uint32_t b;
		memcpy(&b, &f, 4);
		/* same total-order trick on 32 bits, widened keeping the order */
		b = (b >> 31) ? ~b : b | UINT32_C(0x80000000);
		return (uint64_t)b << 32;
	}
	case DLT_AT_FLOAT64: {
		double d = ((const double *)v)[j];
		uint64_t b;
		memcpy(&b, &d, 8);
		return float_key64(b);
	}
	case DLT_AT_DECIMAL128: {
		const uint8_t *p = (const uint8_t *)v + (size_t)j * 16;
		uint64_t lo = dlt_load_u64le(p), hi = dlt_load_u64le(p + 8);
		/* fits int64 when the high word is the sign extension of the low */
		if (hi == ((lo >> 63) ? UINT64_MAX : 0))
			return lo ^ UINT64_C(0x8000000000000000);
		return (hi >> 63) ? 0 : UINT64_MAX;
	}
	case DLT_AT_STRING: case DLT_AT_BINARY: {
		const int32_t *o = a->buffers[1];
		return bytes_key((const uint8_t *)a->buffers[2] + o[j], (int64_t)o[j + 1] - o[j]);
	}
	case DLT_AT_LARGE_STRING: case DLT_AT_LARGE_BINARY: {
		const int64_t *o = a->buffers[1];
		return bytes_key((const uint8_t *)a->buffers[2] + o[j], o[j + 1] - o[j]);
	}
	case DLT_AT_FIXED_BINARY:
		return bytes_key((const uint8_t *)v + (size_t)j * (size_t)t->byte_width,
		                 t->byte_width);
	default:
		return 0;
	}
}

/* Scaled dense ranks of one column into rank[] (nulls: 0). */
static int column_ranks(uint64_t *rank, const dlt_column *c, size_t ci, int64_t n, int bits,
                        zkey *scratch, dlt_error *err)
{
	struct ArrowArray decoded = { 0 };
	const struct ArrowSchema *s = c->schema;
	const struct ArrowArray *a = c->array;
	dlt_type_view t;
	int64_t m = 0, distinct = 0;
	int rc;

	if (s->dictionary) {
		if ((rc = dlt_compute__decode_dictionary(&decoded, s, a, err)) < 0)
			return rc;
		s = s->dictionary;
		a = &decoded;
	}
	if ((rc = dlt_arrow__parse_format(&t, s->format, err)) < 0)
		goto done;
	if (!orderable_type(&t)) {
		char buf[64];
		rc = dlt_error_set(err, DLT_EUNSUPPORTED, "z-order column %zu ('%s'): type %s "
		                   "cannot be ordered", ci, s->name ? s->name : "",
		                   dlt_arrow__format_describe(s->format, buf, sizeof(buf)));
		goto done;
	}
	if (a->length < n) {
		rc = dlt_error_set(err, DLT_EINVAL, "z-order column %zu: %" PRId64 " rows, expected %"
		                   PRId64, ci, a->length, n);
		goto done;
	}
	for (int64_t i = 0; i < n; i++) {
		rank[i] = 0;
		if (dlt_arrow__is_null(a, i))
			continue;
		scratch[m].key = value_key(&t, a, i);
		scratch[m].row = i;
		m++;
	}
	qsort(scratch, (size_t)m, sizeof(*scratch), cmp_zkey);
	for (int64_t i = 0; i < m; i++) {
		if (i == 0 || scratch[i].key != scratch[i - 1].key)
			distinct++;
		rank[scratch[i].row] = (uint64_t)distinct;   /* 1..distinct; nulls 0 */
	}
	if (distinct > 0) {
		/* spread ranks 0..distinct over 0..2^bits-1 (order kept, ties kept) */
		double scale = (double)((UINT64_C(1) << bits) - 1) / (double)distinct;
		for (int64_t i = 0; i < n; i++)
			rank[i] = (uint64_t)((double)rank[i] * scale);
	}
	rc = DLT_OK;
done:
	if (decoded.release)
		dlt_array__release(&decoded);
	return rc;
}

int dlt_ops__zorder_indices(int64_t *out, const dlt_column *cols, size_t n_cols,
                            int64_t n_rows, dlt_error *err)
{
	uint64_t *ranks = NULL;
	zkey *scratch = NULL;
	size_t bytes;
	int bits, rc = DLT_OK;

	DLT_ARG_CHECK(out != NULL && cols != NULL && n_cols > 0 && n_cols <= 64 && n_rows >= 0,
	              err);
	if (n_rows == 0)
		return DLT_OK;
	bits = (int)(64 / n_cols);
	if (bits > 32)
		bits = 32;
	if (dlt_mul_overflow((size_t)n_rows, n_cols * sizeof(uint64_t), &bytes) ||
	    !(ranks = dlt_malloc(bytes)) ||
	    !(scratch = dlt_calloc((size_t)n_rows, sizeof(*scratch)))) {
		rc = oom(err);
		goto done;
	}
	for (size_t c = 0; c < n_cols; c++)
		if ((rc = column_ranks(ranks + c * (size_t)n_rows, &cols[c], c, n_rows, bits,
		                       scratch, err)) < 0)
			goto done;
	for (int64_t i = 0; i < n_rows; i++) {
		uint64_t z = 0;
		for (int b = bits - 1; b >= 0; b--)
			for (size_t c = 0; c < n_cols; c++)
				z = (z << 1) | ((ranks[c * (size_t)n_rows + (size_t)i] >> b) & 1u);
		scratch[i].key = z;
		scratch[i].row = i;
	}
	qsort(scratch, (size_t)n_rows, sizeof(*scratch), cmp_zkey);
	for (int64_t i = 0; i < n_rows; i++)
		out[i] = scratch[i].row;
done:
	dlt_free(ranks);
	dlt_free(scratch);
	return rc;
}
