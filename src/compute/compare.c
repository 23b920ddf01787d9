/* Comparison kernels, null tests, IN lists and Kleene logic.
 *
 * Both operands are loaded chunk by chunk into a canonical representation
 * (int64, i128 scaled to a common unit/scale, double, byte ranges, bits);
 * the comparison loop then runs over plain arrays with no per-value type
 * dispatch. A scalar operand is loaded once and read through index mask 0. */
#include "compute/kernels.h"

#include <math.h>

#define CHUNK 1024

typedef enum num_class {
	NC_INT,    /* integers: i128 (all widths fit) */
	NC_DEC,    /* decimal128: i128 + scale */
	NC_FLT,    /* float32/float64 */
	NC_DATE,   /* date32/date64/timestamp: ticks with a ns multiplier */
	NC_TIME,   /* time32/time64 */
	NC_DUR,    /* duration */
	NC_STR,    /* string/binary/large/fixed: bytes */
	NC_BOOL,
	NC_OTHER
} num_class;

typedef struct side {
	const struct ArrowArray *a;
	dlt_type_view tv;
	num_class nc;
	int64_t unit_ns; /* temporal: ns per tick */
	bool scalar;
} side;

static num_class classify(const dlt_type_view *tv, int64_t *unit_ns)
{
	static const int64_t tu_ns[4] = { 1000000000, 1000000, 1000, 1 };
	*unit_ns = 1;
	switch (tv->type) {
	case DLT_AT_INT8: case DLT_AT_UINT8: case DLT_AT_INT16: case DLT_AT_UINT16:
	case DLT_AT_INT32: case DLT_AT_UINT32: case DLT_AT_INT64: case DLT_AT_UINT64:
		return NC_INT;
	case DLT_AT_DECIMAL128:
		return NC_DEC;
	case DLT_AT_FLOAT32: case DLT_AT_FLOAT64:
		return NC_FLT;
	case DLT_AT_DATE32:
		*unit_ns = INT64_C(86400000000000);
		return NC_DATE;
	case DLT_AT_DATE64:
		*unit_ns = 1000000;
		return NC_DATE;
	case DLT_AT_TIMESTAMP:
		*unit_ns = tu_ns[tv->unit & 3];
		return NC_DATE;
	case DLT_AT_TIME32: case DLT_AT_TIME64:
		*unit_ns = tu_ns[tv->unit & 3];
		return NC_TIME;
	case DLT_AT_DURATION:
		*unit_ns = tu_ns[tv->unit & 3];
		return NC_DUR;
	case DLT_AT_STRING: case DLT_AT_LARGE_STRING: case DLT_AT_BINARY:
	case DLT_AT_LARGE_BINARY: case DLT_AT_FIXED_BINARY:
		return NC_STR;
	case DLT_AT_BOOL:
		return NC_BOOL;
	default:
		return NC_OTHER;
	}
}

/* Raw integer storage of logical element i (int-like fixed-width types). */
#define LOAD_LOOP(T, DST, EXPR)                                                \
	do {                                                                   \
		const T *src_ = (const T *)a->buffers[1] + a->offset + start;  \
		for (int64_t i = 0; i < cnt; i++) {                            \
			T x = src_[i];                                         \
			DST[i] = (EXPR);                                       \
		}                                                              \
	} while (0)

/* Load cnt elements from `start` as i128, multiplied by f (saturating: a
 * saturated value compares beyond every unscaled one, see cmp_prepare). */
static void load_i128(dlt_i128 *dst, const side *sd, int64_t start, int64_t cnt, dlt_i128 f)
{
	const struct ArrowArray *a = sd->a;
	switch (sd->tv.type) {
	case DLT_AT_INT8: LOAD_LOOP(int8_t, dst, (dlt_i128)x); break;
	case DLT_AT_UINT8: LOAD_LOOP(uint8_t, dst, (dlt_i128)x); break;
	case DLT_AT_INT16: LOAD_LOOP(int16_t, dst, (dlt_i128)x); break;
	case DLT_AT_UINT16: LOAD_LOOP(uint16_t, dst, (dlt_i128)x); break;
	case DLT_AT_INT32: case DLT_AT_DATE32: case DLT_AT_TIME32:
		LOAD_LOOP(int32_t, dst, (dlt_i128)x); break;
	case DLT_AT_UINT32: LOAD_LOOP(uint32_t, dst, (dlt_i128)x); break;
	case DLT_AT_UINT64: LOAD_LOOP(uint64_t, dst, (dlt_i128)x); break;
	case DLT_AT_DECIMAL128: {
		const uint8_t *src = (const uint8_t *)a->buffers[1] + (a->offset + start) * 16;
		for (int64_t i = 0; i < cnt; i++)
			dst[i] = dlt_compute__load_i128(src + i * 16);
		break;
	}
	default: LOAD_LOOP(int64_t, dst, (dlt_i128)x); break;
	}
	if (f != 1) {
		dlt_i128 hi = DLT_I128_MAX / f, lo = DLT_I128_MIN / f;
		for (int64_t i = 0; i < cnt; i++) {
			dlt_i128 v = dst[i];
			dst[i] = v > hi ? DLT_I128_MAX : v < lo ? DLT_I128_MIN : v * f;
		}
	}
}

static void load_i64(int64_t *dst, const side *sd, int64_t start, int64_t cnt)
{
	const struct ArrowArray *a = sd->a;
	switch (sd->tv.type) {
	case DLT_AT_INT8: LOAD_LOOP(int8_t, dst, x); break;
	case DLT_AT_UINT8: LOAD_LOOP(uint8_t, dst, x); break;
	case DLT_AT_INT16: LOAD_LOOP(int16_t, dst, x); break;
	case DLT_AT_UINT16: LOAD_LOOP(uint16_t, dst, x); break;
	case DLT_AT_INT32: case DLT_AT_DATE32: case DLT_AT_TIME32:
		LOAD_LOOP(int32_t, dst, x); break;
	case DLT_AT_UINT32: LOAD_LOOP(uint32_t, dst, x); break;
	default: LOAD_LOOP(int64_t, dst, x); break;
	}
}

static void load_f64(double *dst, const side *sd, int64_t start, int64_t cnt)
{
	const struct ArrowArray *a = sd->a;
	if (sd->tv.type == DLT_AT_FLOAT32) {
		LOAD_LOOP(float, dst, (double)x);
	} else if (sd->tv.type == DLT_AT_FLOAT64) {
		LOAD_LOOP(double, dst, x);
	} else { /* decimal128 -> double, as Spark compares decimal with double */
		const uint8_t *src = (const uint8_t *)a->buffers[1] + (a->offset + start) * 16;
		double p = 1;
		for (int k = 0; k < sd->tv.scale; k++)
			p *= 10;
		for (int64_t i = 0; i < cnt; i++) {
			double v = (double)dlt_compute__load_i128(src + i * 16);
			dst[i] = sd->tv.scale >= 0 ? v / p : v;
		}
	}
}

/* Byte range of logical element i. */
static inline void bytes_at(const side *sd, int64_t i, const uint8_t **p, int64_t *n)
{
	const struct ArrowArray *a = sd->a;
	int64_t slot = a->offset + i;
	switch (sd->tv.type) {
	case DLT_AT_FIXED_BINARY:
		*p = (const uint8_t *)a->buffers[1] + slot * sd->tv.byte_width;
		*n = sd->tv.byte_width;
		return;
	case DLT_AT_LARGE_STRING: case DLT_AT_LARGE_BINARY: {
		const int64_t *o = a->buffers[1];
		*p = (const uint8_t *)a->buffers[2] + o[slot];
		*n = o[slot + 1] - o[slot];
		return;
	}
	default: {
		const int32_t *o = a->buffers[1];
		*p = (const uint8_t *)a->buffers[2] + o[slot];
		*n = o[slot + 1] - o[slot];
		return;
	}
	}
}

static inline int cmp_bytes(const uint8_t *a, int64_t an, const uint8_t *b, int64_t bn)
{
	int64_t m = an < bn ? an : bn;
	int c = m ? memcmp(a, b, (size_t)m) : 0;
	if (c)
		return c < 0 ? -1 : 1;
	return (an > bn) - (an < bn);
}

/* Spark: NaN = NaN, NaN > everything else. */
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

/* Exact: integer x vs double d. */
static inline int cmp_int_f64(dlt_i128 x, double d)
{
	if (isnan(d))
		return -1;
	if (d >= 0x1p127)
		return -1;
	if (d < -0x1p127)
		return 1;
	double t = trunc(d);
	dlt_i128 ti = (dlt_i128)t;
	if (x != ti)
		return x < ti ? -1 : 1;
	double fr = d - t;
	return fr > 0 ? -1 : fr < 0 ? 1 : 0;
}

/* op -> bit mask over (lt, eq, gt); result = (mask >> (cmp + 1)) & 1. */
static const unsigned op_mask[6] = { 2, 5, 1, 3, 4, 6 };

typedef enum path { P_I64, P_I128, P_F64, P_INT_F64, P_F64_INT, P_BYTES, P_BOOL } path;

static int prepare(side *sd, const dlt_datum *d, dlt_error *err)
{
	int rc;
	sd->a = d->array;
	sd->scalar = d->is_scalar;
	if ((rc = dlt_compute__type(&sd->tv, d->schema, err)) < 0)
		return rc;
	sd->nc = classify(&sd->tv, &sd->unit_ns);
	return DLT_OK;
}

/* Fill `bits` words for [0, n) from the validity of a side (scalar: broadcast). */
static void side_validity(uint64_t *w, const side *sd, int64_t n)
{
	if (sd->scalar) {
		bool valid = !dlt_arrow__is_null(sd->a, 0);
		for (int64_t i = 0; i < (n + 63) / 64; i++)
			w[i] = valid ? ~UINT64_C(0) : 0;
		if (n & 63)
			w[n >> 6] &= (UINT64_C(1) << (n & 63)) - 1;
	} else if (sd->a->n_buffers == 0) {
		memset(w, 0, (size_t)((n + 63) / 64) * 8);
	} else {
		dlt_compute__extract_words(w, dlt_compute__validity(sd->a), sd->a->offset, n);
	}
}

static int compare_plain(struct ArrowArray *out, dlt_cmp_op op, const dlt_datum *ld,
                         const dlt_datum *rd, dlt_error *err)
{
	side L, R;
	int rc;
	path p;
	dlt_i128 lf = 1, rf = 1;

	if ((rc = prepare(&L, ld, err)) < 0 || (rc = prepare(&R, rd, err)) < 0)
		return rc;
	if ((L.scalar && L.a->length < 1) || (R.scalar && R.a->length < 1))
		return dlt_error_set(err, DLT_EINVAL, "compare: scalar operand has no element");

	/* Choose the path. */
	num_class lc = L.nc, rc_ = R.nc;
	bool l_num = lc == NC_INT || lc == NC_DEC, r_num = rc_ == NC_INT || rc_ == NC_DEC;
	if (l_num && r_num) {
		int ls = lc == NC_DEC ? L.tv.scale : 0, rs = rc_ == NC_DEC ? R.tv.scale : 0;
		if (ls < 0 || rs < 0 || ls > 38 || rs > 38)
			return dlt_error_set(err, DLT_EUNSUPPORTED, "compare: decimal scale out of range");
		if (ls < rs)
			lf = dlt_compute__pow10(rs - ls);
		else
			rf = dlt_compute__pow10(ls - rs);
		p = (lc == NC_INT && rc_ == NC_INT && L.tv.type != DLT_AT_UINT64 &&
		     R.tv.type != DLT_AT_UINT64) ? P_I64 : P_I128;
	} else if (lc == NC_FLT && rc_ == NC_FLT) {
		p = P_F64;
	} else if ((lc == NC_FLT && rc_ == NC_DEC) || (lc == NC_DEC && rc_ == NC_FLT)) {
		p = P_F64;
	} else if (lc == NC_INT && rc_ == NC_FLT) {
		p = P_INT_F64;
	} else if (lc == NC_FLT && rc_ == NC_INT) {
		p = P_F64_INT;
	} else if ((lc == NC_DATE || lc == NC_TIME || lc == NC_DUR) && lc == rc_) {
		int64_t m = DLT_MIN(L.unit_ns, R.unit_ns);
		lf = L.unit_ns / m;
		rf = R.unit_ns / m;
		p = lf == 1 && rf == 1 ? P_I64 : P_I128;
	} else if (lc == NC_STR && rc_ == NC_STR) {
		p = P_BYTES;
	} else if (lc == NC_BOOL && rc_ == NC_BOOL) {
		p = P_BOOL;
	} else {
		return dlt_error_set(err, DLT_ESCHEMA, "compare: cannot compare '%s' with '%s'",
		                     ld->schema->format, rd->schema->format);
	}

	if (!L.scalar && !R.scalar && L.a->length != R.a->length)
		return dlt_error_set(err, DLT_EINVAL,
		                     "compare: operand lengths differ (%" PRId64 " and %" PRId64 ")",
		                     L.a->length, R.a->length);
	int64_t n = L.scalar && R.scalar ? 1 : L.scalar ? R.a->length : L.a->length;
	uint64_t *vals = dlt_calloc(1, dlt_compute__bitmap_bytes(n));
	uint64_t *valid = dlt_malloc(dlt_compute__bitmap_bytes(n));
	uint64_t *rvalid = dlt_malloc(dlt_compute__bitmap_bytes(n));
	void *lbuf = dlt_malloc(CHUNK * 16), *rbuf = dlt_malloc(CHUNK * 16);
	if (!vals || !valid || !rvalid || !lbuf || !rbuf) {
		dlt_free(vals); dlt_free(valid); dlt_free(rvalid); dlt_free(lbuf); dlt_free(rbuf);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory in compare");
	}
	side_validity(valid, &L, n);
	side_validity(rvalid, &R, n);
	for (int64_t w = 0; w < (n + 63) / 64; w++)
		valid[w] &= rvalid[w];
	dlt_free(rvalid);

	const unsigned mask = op_mask[op];
	const int64_t lm = L.scalar ? 0 : -1, rm = R.scalar ? 0 : -1;
	uint8_t *vb = (uint8_t *)vals;
	for (int64_t base = 0; base < n; base += CHUNK) {
		int64_t cnt = DLT_MIN((int64_t)CHUNK, n - base);
		int64_t lcnt = L.scalar ? 1 : cnt, rcnt = R.scalar ? 1 : cnt;
		int64_t ls = L.scalar ? 0 : base, rs = R.scalar ? 0 : base;
#define RUN(EXPR)                                                              \
	for (int64_t i = 0; i < cnt; i++) {                                    \
		int c_ = (EXPR);                                               \
		unsigned bit_ = (mask >> (c_ + 1)) & 1u;                       \
		vb[(base + i) >> 3] |= (uint8_t)(bit_ << ((base + i) & 7));    \
	}
		switch (p) {
		case P_I64: {
			int64_t *x = lbuf, *y = rbuf;
			load_i64(x, &L, ls, lcnt);
			load_i64(y, &R, rs, rcnt);
			RUN((x[i & lm] > y[i & rm]) - (x[i & lm] < y[i & rm]));
			break;
		}
		case P_I128: {
			dlt_i128 *x = lbuf, *y = rbuf;
			load_i128(x, &L, ls, lcnt, lf);
			load_i128(y, &R, rs, rcnt, rf);
			RUN((x[i & lm] > y[i & rm]) - (x[i & lm] < y[i & rm]));
			break;
		}
		case P_F64: {
			double *x = lbuf, *y = rbuf;
			load_f64(x, &L, ls, lcnt);
			load_f64(y, &R, rs, rcnt);
			RUN(cmp_f64(x[i & lm], y[i & rm]));
			break;
		}
		case P_INT_F64: {
			dlt_i128 *x = lbuf;
			double *y = rbuf;
			load_i128(x, &L, ls, lcnt, 1);
			load_f64(y, &R, rs, rcnt);
			RUN(cmp_int_f64(x[i & lm], y[i & rm]));
			break;
		}
		case P_F64_INT: {
			double *x = lbuf;
			dlt_i128 *y = rbuf;
			load_f64(x, &L, ls, lcnt);
			load_i128(y, &R, rs, rcnt, 1);
			RUN(-cmp_int_f64(y[i & rm], x[i & lm]));
			break;
		}
		case P_BOOL: {
			const struct ArrowArray *la = L.a, *ra = R.a;
			RUN((int)dlt_arrow__bit(la->buffers[1], la->offset + ((ls + i) & lm)) -
			    (int)dlt_arrow__bit(ra->buffers[1], ra->offset + ((rs + i) & rm)));
			break;
		}
		case P_BYTES: {
			for (int64_t i = 0; i < cnt; i++) {
				const uint8_t *xp, *yp;
				int64_t xn, yn;
				if (!dlt_arrow__bit(valid, base + i))
					continue;
				bytes_at(&L, (ls + i) & lm, &xp, &xn);
				bytes_at(&R, (rs + i) & rm, &yp, &yn);
				int c = cmp_bytes(xp, xn, yp, yn);
				unsigned bit = (mask >> (c + 1)) & 1u;
				vb[(base + i) >> 3] |= (uint8_t)(bit << ((base + i) & 7));
			}
			break;
		}
		}
#undef RUN
	}
	dlt_free(lbuf);
	dlt_free(rbuf);
	return dlt_compute__make_bool(out, vals, valid, n, err);
}

int dlt_compute__compare(struct ArrowArray *out, dlt_cmp_op op, const dlt_datum *l,
                         const dlt_datum *r, dlt_error *err)
{
	struct ArrowArray ld = { 0 }, rd = { 0 };
	dlt_datum l2, r2;
	int rc;
	DLT_ARG_CHECK(out && l && r && l->schema && l->array && r->schema && r->array &&
	              (unsigned)op <= DLT_CMP_GE, err);
	out->release = NULL;
	l2 = *l;
	r2 = *r;
	/* Dictionary-encoded operands are compared by value. */
	if (l->schema->dictionary) {
		if ((rc = dlt_compute__decode_dictionary(&ld, l->schema, l->array, err)) < 0)
			return rc;
		l2.schema = l->schema->dictionary;
		l2.array = &ld;
	}
	if (r->schema->dictionary) {
		if ((rc = dlt_compute__decode_dictionary(&rd, r->schema, r->array, err)) < 0) {
			dlt_array__release(&ld);
			return rc;
		}
		r2.schema = r->schema->dictionary;
		r2.array = &rd;
	}
	rc = compare_plain(out, op, &l2, &r2, err);
	dlt_array__release(&ld);
	dlt_array__release(&rd);
	return rc;
}

/* ------------------------------------------------------------ null tests */

static int null_test(struct ArrowArray *out, const struct ArrowArray *a, bool want_null,
                     dlt_error *err)
{
	int64_t n = a->length;
	uint64_t *w = dlt_malloc(dlt_compute__bitmap_bytes(n));
	if (!w)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory in is_null");
	if (a->n_buffers == 0)
		memset(w, 0, (size_t)((n + 63) / 64) * 8);
	else
		dlt_compute__extract_words(w, dlt_compute__validity(a), a->offset, n);
	if (want_null) {
		for (int64_t i = 0; i < (n + 63) / 64; i++)
			w[i] = ~w[i];
		if (n & 63)
			w[n >> 6] &= (UINT64_C(1) << (n & 63)) - 1;
	}
	return dlt_compute__make_bool(out, w, NULL, n, err);
}

int dlt_compute__is_null(struct ArrowArray *out, const struct ArrowSchema *schema,
                         const struct ArrowArray *a, dlt_error *err)
{
	DLT_ARG_CHECK(out && schema && a, err);
	out->release = NULL;
	return null_test(out, a, true, err);
}

int dlt_compute__is_not_null(struct ArrowArray *out, const struct ArrowSchema *schema,
                             const struct ArrowArray *a, dlt_error *err)
{
	DLT_ARG_CHECK(out && schema && a, err);
	out->release = NULL;
	return null_test(out, a, false, err);
}

/* ---------------------------------------------------------------- Kleene */

typedef enum kop { K_AND, K_OR, K_NOT, K_COALESCE } kop;

static int kleene(struct ArrowArray *out, kop op, const struct ArrowArray *l,
                  const struct ArrowArray *r, dlt_error *err)
{
	int64_t n = l->length;
	size_t nb = dlt_compute__bitmap_bytes(n);
	int64_t nw = (n + 63) / 64;
	if (l->n_buffers != 2 || (r && r->n_buffers != 2))
		return dlt_error_set(err, DLT_ESCHEMA, "boolean logic: operand is not boolean");
	if (r && r->length != n)
		return dlt_error_set(err, DLT_EINVAL,
		                     "boolean logic: operand lengths differ (%" PRId64 " and %" PRId64 ")",
		                     n, r->length);
	uint64_t *a = dlt_malloc(nb), *va = dlt_malloc(nb);
	uint64_t *b = r ? dlt_malloc(nb) : NULL, *vb = r ? dlt_malloc(nb) : NULL;
	if (!a || !va || (r && (!b || !vb))) {
		dlt_free(a); dlt_free(va); dlt_free(b); dlt_free(vb);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory in boolean logic");
	}
	dlt_compute__extract_words(a, l->buffers[1], l->offset, n);
	dlt_compute__extract_words(va, dlt_compute__validity(l), l->offset, n);
	if (r) {
		dlt_compute__extract_words(b, r->buffers[1], r->offset, n);
		dlt_compute__extract_words(vb, dlt_compute__validity(r), r->offset, n);
	}
	switch (op) {
	case K_AND:
		for (int64_t w = 0; w < nw; w++) {
			uint64_t fa = va[w] & ~a[w], fb = vb[w] & ~b[w];
			uint64_t valid = (va[w] & vb[w]) | fa | fb;
			a[w] = a[w] & b[w] & va[w] & vb[w];
			va[w] = valid;
		}
		break;
	case K_OR:
		for (int64_t w = 0; w < nw; w++) {
			uint64_t ta = va[w] & a[w], tb = vb[w] & b[w];
			va[w] = (va[w] & vb[w]) | ta | tb;
			a[w] = ta | tb;
		}
		break;
	case K_NOT:
		for (int64_t w = 0; w < nw; w++)
			a[w] = ~a[w] & va[w];
		break;
	case K_COALESCE:
		for (int64_t w = 0; w < nw; w++)
			a[w] &= va[w];
		dlt_free(va);
		va = NULL;
		break;
	}
	if (n & 63) {
		a[n >> 6] &= (UINT64_C(1) << (n & 63)) - 1;
		if (va)
			va[n >> 6] &= (UINT64_C(1) << (n & 63)) - 1;
	}
	dlt_free(b);
	dlt_free(vb);
	return dlt_compute__make_bool(out, a, va, n, err);
}

int dlt_compute__and(struct ArrowArray *out, const struct ArrowArray *l,
                     const struct ArrowArray *r, dlt_error *err)
{
	DLT_ARG_CHECK(out && l && r, err);
	out->release = NULL;
	return kleene(out, K_AND, l, r, err);
}

int dlt_compute__or(struct ArrowArray *out, const struct ArrowArray *l,
                    const struct ArrowArray *r, dlt_error *err)
{
	DLT_ARG_CHECK(out && l && r, err);
	out->release = NULL;
	return kleene(out, K_OR, l, r, err);
}

int dlt_compute__not(struct ArrowArray *out, const struct ArrowArray *a, dlt_error *err)
{
	DLT_ARG_CHECK(out && a, err);
	out->release = NULL;
	return kleene(out, K_NOT, a, NULL, err);
}

int dlt_compute__mask_coalesce_false(struct ArrowArray *out, const struct ArrowArray *a,
                                     dlt_error *err)
{
	DLT_ARG_CHECK(out && a, err);
	out->release = NULL;
	return kleene(out, K_COALESCE, a, NULL, err);
}

/* -------------------------------------------------------------------- IN */

int dlt_compute__in(struct ArrowArray *out, const struct ArrowSchema *schema,
                    const struct ArrowArray *a, const struct ArrowSchema *values_schema,
                    const struct ArrowArray *values, dlt_error *err)
{
	struct ArrowArray acc = { 0 }, eq = { 0 }, tmp = { 0 };
	int rc = DLT_OK;
	DLT_ARG_CHECK(out && schema && a && values_schema && values, err);
	out->release = NULL;
	int64_t n = a->length;
	/* Start from "false, valid where a is valid" (null if a is null). */
	{
		uint64_t *v = dlt_calloc(1, dlt_compute__bitmap_bytes(n));
		uint64_t *va = dlt_malloc(dlt_compute__bitmap_bytes(n));
		if (!v || !va) {
			dlt_free(v);
			dlt_free(va);
			return dlt_error_set(err, DLT_ENOMEM, "out of memory in IN");
		}
		if (a->n_buffers == 0)
			memset(va, 0, dlt_compute__bitmap_bytes(n));
		else
			dlt_compute__extract_words(va, dlt_compute__validity(a), a->offset, n);
		if ((rc = dlt_compute__make_bool(&acc, v, va, n, err)) < 0)
			return rc;
	}
	for (int64_t k = 0; k < values->length; k++) {
		struct ArrowArray one = *values; /* borrowed view of element k */
		one.offset = values->offset + k;
		one.length = 1;
		one.release = NULL;
		dlt_datum l = { schema, a, false }, r = { values_schema, &one, true };
		if ((rc = dlt_compute__compare(&eq, DLT_CMP_EQ, &l, &r, err)) < 0 ||
		    (rc = dlt_compute__or(&tmp, &acc, &eq, err)) < 0)
			goto done;
		dlt_array__release(&acc);
		dlt_array__release(&eq);
		dlt_array__move(&acc, &tmp);
	}
	/* Rows where a itself is null must stay null even if OR made them true:
	 * impossible (compare gives null there, and null OR null = null). */
	dlt_array__move(out, &acc);
done:
	dlt_array__release(&acc);
	dlt_array__release(&eq);
	dlt_array__release(&tmp);
	return rc;
}
