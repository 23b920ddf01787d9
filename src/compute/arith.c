/* Arithmetic kernels: + - * / % and negation on integers, floats and
 * decimal128 (Spark result precision/scale rules, non-ANSI division by zero
 * -> null, overflow -> DLT_ELIMIT naming the row). Operands are loaded chunk
 * by chunk into i128 or double vectors, so the inner loops are free of type
 * dispatch; decimal products/quotients use a small 256-bit helper. */
#include "compute/kernels.h"

#include <math.h>
#include <stdio.h>

#define CHUNK 1024

/* ------------------------------------------------------------- 256-bit */

typedef struct u256 { uint64_t w[4]; } u256; /* little-endian limbs */

static u256 u256_from_u128(dlt_u128 v)
{
	u256 r = { { (uint64_t)v, (uint64_t)(v >> 64), 0, 0 } };
	return r;
}

/* r = a * m; returns false on overflow. */
static bool u256_mul_u64(u256 *r, const u256 *a, uint64_t m)
{
	dlt_u128 carry = 0;
	for (int i = 0; i < 4; i++) {
		dlt_u128 t = (dlt_u128)a->w[i] * m + carry;
		r->w[i] = (uint64_t)t;
		carry = t >> 64;
	}
	return carry == 0;
}

static u256 u256_mul_u128(dlt_u128 a, dlt_u128 b)
{
	uint64_t x[2] = { (uint64_t)a, (uint64_t)(a >> 64) };
	uint64_t y[2] = { (uint64_t)b, (uint64_t)(b >> 64) };
	u256 r = { { 0, 0, 0, 0 } };
	for (int i = 0; i < 2; i++) {
		dlt_u128 carry = 0;
		for (int j = 0; j < 2; j++) {
			dlt_u128 t = (dlt_u128)x[i] * y[j] + r.w[i + j] + carry;
			r.w[i + j] = (uint64_t)t;
			carry = t >> 64;
		}
		r.w[i + 2] = (uint64_t)carry;
	}
	return r;
}

/* q = a / d, returns a % d. */
static uint64_t u256_div_u64(u256 *q, const u256 *a, uint64_t d)
{
	dlt_u128 rem = 0;
	for (int i = 3; i >= 0; i--) {
		dlt_u128 cur = (rem << 64) | a->w[i];
		q->w[i] = (uint64_t)(cur / d);
		rem = cur % d;
	}
	return (uint64_t)rem;
}

static bool u256_fits_u128(const u256 *a)
{
	return a->w[2] == 0 && a->w[3] == 0;
}

static dlt_u128 u256_lo(const u256 *a)
{
	return ((dlt_u128)a->w[1] << 64) | a->w[0];
}

/* q = a / d (d > 0), *rem = a % d; shift-subtract for divisors above 64 bits. */
static void u256_divmod_u128(u256 *q, dlt_u128 *rem, const u256 *a, dlt_u128 d)
{
	if ((d >> 64) == 0) {
		*rem = u256_div_u64(q, a, (uint64_t)d);
		return;
	}
	dlt_u128 r = 0;
	u256 out = { { 0, 0, 0, 0 } };
	for (int bit = 255; bit >= 0; bit--) {
		bool top = (r >> 127) != 0;
		r = (r << 1) | ((a->w[bit >> 6] >> (bit & 63)) & 1);
		if (top || r >= d) {
			r -= d;
			out.w[bit >> 6] |= UINT64_C(1) << (bit & 63);
		}
	}
	*q = out;
	*rem = r;
}

/* a /= 10^k rounding half up (on the magnitude). */
static void u256_div_pow10_round(u256 *a, int k)
{
	if (k <= 0)
		return;
	/* Drop k-1 digits by truncation, then the last one with rounding. */
	int t = k - 1;
	while (t > 0) {
		int step = t > 19 ? 19 : t;
		uint64_t d = 1;
		for (int i = 0; i < step; i++)
			d *= 10;
		u256_div_u64(a, a, d);
		t -= step;
	}
	uint64_t last = u256_div_u64(a, a, 10);
	if (last >= 5) {
		for (int i = 0; i < 4; i++)
			if (++a->w[i] != 0)
				break;
	}
}

static bool u256_mul_pow10(u256 *a, int k)
{
	while (k > 0) {
		int step = k > 19 ? 19 : k;
		uint64_t d = 1;
		for (int i = 0; i < step; i++)
			d *= 10;
		if (!u256_mul_u64(a, a, d))
			return false;
		k -= step;
	}
	return true;
}

static dlt_u128 uabs128(dlt_i128 v)
{
	return v < 0 ? (dlt_u128)0 - (dlt_u128)v : (dlt_u128)v;
}

/* Signed result from magnitude; false if it does not fit i128. */
static bool signed_from_u256(dlt_i128 *out, const u256 *m, bool neg)
{
	if (!u256_fits_u128(m))
		return false;
	dlt_u128 v = u256_lo(m);
	if (v > (dlt_u128)DLT_I128_MAX)
		return false;
	*out = neg ? -(dlt_i128)v : (dlt_i128)v;
	return true;
}

/* ------------------------------------------------------------ operands */

typedef struct opnd {
	const struct ArrowArray *a;
	dlt_type_view tv;
	bool scalar;
	int prec, scale; /* decimal view (integers: digits, 0) */
} opnd;

static int int_digits(dlt_atype t)
{
	switch (t) {
	case DLT_AT_INT8: case DLT_AT_UINT8: return 3;
	case DLT_AT_INT16: case DLT_AT_UINT16: return 5;
	case DLT_AT_INT32: case DLT_AT_UINT32: return 10;
	case DLT_AT_INT64: return 19;
	default: return 20;
	}
}

static int int_bits(dlt_atype t)
{
	switch (t) {
	case DLT_AT_INT8: case DLT_AT_UINT8: return 8;
	case DLT_AT_INT16: case DLT_AT_UINT16: return 16;
	case DLT_AT_INT32: case DLT_AT_UINT32: return 32;
	default: return 64;
	}
}

#define LD(T)                                                                  \
	do {                                                                   \
		const T *s_ = (const T *)o->a->buffers[1] + o->a->offset + start; \
		for (int64_t i = 0; i < cnt; i++)                              \
			dst[i] = (dlt_i128)s_[i];                              \
	} while (0)

static void load_i128(dlt_i128 *dst, const opnd *o, int64_t start, int64_t cnt)
{
	switch (o->tv.type) {
	case DLT_AT_INT8: LD(int8_t); break;
	case DLT_AT_UINT8: LD(uint8_t); break;
	case DLT_AT_INT16: LD(int16_t); break;
	case DLT_AT_UINT16: LD(uint16_t); break;
	case DLT_AT_INT32: LD(int32_t); break;
	case DLT_AT_UINT32: LD(uint32_t); break;
	case DLT_AT_INT64: LD(int64_t); break;
	case DLT_AT_UINT64: LD(uint64_t); break;
	case DLT_AT_DECIMAL128: {
		const uint8_t *s = (const uint8_t *)o->a->buffers[1] + (o->a->offset + start) * 16;
		for (int64_t i = 0; i < cnt; i++)
			dst[i] = dlt_compute__load_i128(s + i * 16);
		break;
	}
	default:
		break;
	}
}
#undef LD

static void load_f64(double *dst, const opnd *o, int64_t start, int64_t cnt)
{
	const struct ArrowArray *a = o->a;
	if (o->tv.type == DLT_AT_FLOAT64) {
		memcpy(dst, (const double *)a->buffers[1] + a->offset + start, (size_t)cnt * 8);
	} else if (o->tv.type == DLT_AT_FLOAT32) {
		const float *s = (const float *)a->buffers[1] + a->offset + start;
		for (int64_t i = 0; i < cnt; i++)
			dst[i] = s[i];
	} else {
		dlt_i128 tmp[64];
		double p = 1;
		for (int k = 0; k < o->scale; k++)
			p *= 10;
		for (int64_t b = 0; b < cnt; b += 64) {
			int64_t m = DLT_MIN((int64_t)64, cnt - b);
			load_i128(tmp, o, start + b, m);
			for (int64_t i = 0; i < m; i++)
				dst[b + i] = (double)tmp[i] / p;
		}
	}
}

static int prep(opnd *o, const dlt_datum *d, dlt_error *err)
{
	int rc;
	o->a = d->array;
	o->scalar = d->is_scalar;
	if ((rc = dlt_compute__type(&o->tv, d->schema, err)) < 0)
		return rc;
	if (d->schema->dictionary)
		return dlt_error_set(err, DLT_EUNSUPPORTED,
		                     "arithmetic: dictionary-encoded operand not supported");
	if (o->tv.type == DLT_AT_DECIMAL128) {
		o->prec = o->tv.precision;
		o->scale = o->tv.scale;
		if (o->scale < 0 || o->scale > 38 || o->prec < 1 || o->prec > 38)
			return dlt_error_set(err, DLT_EUNSUPPORTED,
			                     "arithmetic: decimal(%d, %d) not supported", o->prec, o->scale);
	} else if (dlt_arrow__is_integer(o->tv.type)) {
		o->prec = int_digits(o->tv.type);
		o->scale = 0;
	} else if (o->tv.type == DLT_AT_FLOAT32 || o->tv.type == DLT_AT_FLOAT64) {
		o->prec = o->scale = 0;
	} else if (o->tv.type == DLT_AT_DECIMAL256) {
		return dlt_error_set(err, DLT_EUNSUPPORTED, "arithmetic: decimal256 not supported");
	} else {
		return dlt_error_set(err, DLT_ESCHEMA, "arithmetic: operand type '%s' is not numeric",
		                     d->schema->format);
	}
	if (o->scalar && o->a->length < 1)
		return dlt_error_set(err, DLT_EINVAL, "arithmetic: scalar operand has no element");
	return DLT_OK;
}

static void operand_validity(uint64_t *w, const opnd *o, int64_t n)
{
	if (o->scalar) {
		bool valid = !dlt_arrow__is_null(o->a, 0);
		for (int64_t i = 0; i < (n + 63) / 64; i++)
			w[i] = valid ? ~UINT64_C(0) : 0;
		if (n & 63)
			w[n >> 6] &= (UINT64_C(1) << (n & 63)) - 1;
	} else {
		dlt_compute__extract_words(w, dlt_compute__validity(o->a), o->a->offset, n);
	}
}

static const char *op_name(dlt_arith_op op)
{
	static const char *names[] = { "+", "-", "*", "/", "%" };
	return names[op];
}

/* Spark's DecimalPrecision rules, with adjustPrecisionScale for p > 38. */
static void dec_result(int *p, int *s, dlt_arith_op op, const opnd *l, const opnd *r)
{
	int p1 = l->prec, s1 = l->scale, p2 = r->prec, s2 = r->scale;
	int rp, rs;
	switch (op) {
	case DLT_ARITH_ADD: case DLT_ARITH_SUB:
		rs = DLT_MAX(s1, s2);
		rp = DLT_MAX(p1 - s1, p2 - s2) + rs + 1;
		break;
	case DLT_ARITH_MUL:
		rp = p1 + p2 + 1;
		rs = s1 + s2;
		break;
	case DLT_ARITH_DIV:
		rs = DLT_MAX(6, s1 + p2 + 1);
		rp = p1 - s1 + s2 + rs;
		break;
	default:
		rp = DLT_MIN(p1 - s1, p2 - s2) + DLT_MAX(s1, s2);
		rs = DLT_MAX(s1, s2);
		break;
	}
	if (rp > 38) {
		int int_digits_ = rp - rs;
		int min_scale = DLT_MIN(rs, 6);
		rs = DLT_MAX(38 - int_digits_, min_scale);
		rp = 38;
	}
	*p = rp;
	*s = rs;
}

/* ----------------------------------------------------------- the kernel */

typedef enum akind { A_INT, A_FLT, A_DEC } akind;

int dlt_compute__arith(struct ArrowArray *out, struct ArrowSchema *out_schema, dlt_arith_op op,
                       const dlt_datum *ld, const dlt_datum *rd, dlt_error *err)
{
	opnd L, R;
	int rc;
	char fmt[32];
	akind kind;
	dlt_atype it = DLT_AT_INT64; /* integer result type */
	int rp = 0, rs = 0;
	bool f32 = false;

	DLT_ARG_CHECK(out && out_schema && ld && rd && ld->schema && ld->array && rd->schema &&
	              rd->array && (unsigned)op <= DLT_ARITH_MOD, err);
	out->release = NULL;
	out_schema->release = NULL;
	if ((rc = prep(&L, ld, err)) < 0 || (rc = prep(&R, rd, err)) < 0)
		return rc;
	if (!L.scalar && !R.scalar && L.a->length != R.a->length)
		return dlt_error_set(err, DLT_EINVAL,
		                     "arithmetic: operand lengths differ (%" PRId64 " and %" PRId64 ")",
		                     L.a->length, R.a->length);
	int64_t n = L.scalar && R.scalar ? 1 : L.scalar ? R.a->length : L.a->length;
	bool lf = dlt_arrow__is_float(L.tv.type), rf = dlt_arrow__is_float(R.tv.type);
	if (lf || rf) {
		kind = A_FLT;
		f32 = (L.tv.type == DLT_AT_FLOAT32 || !lf) && (R.tv.type == DLT_AT_FLOAT32 || !rf) &&
		      lf && rf;
		snprintf(fmt, sizeof(fmt), "%s", f32 ? "f" : "g");
	} else if (L.tv.type == DLT_AT_DECIMAL128 || R.tv.type == DLT_AT_DECIMAL128) {
		kind = A_DEC;
		dec_result(&rp, &rs, op, &L, &R);
		snprintf(fmt, sizeof(fmt), "d:%d,%d", rp, rs);
	} else {
		kind = A_INT;
		bool ls = dlt_arrow__is_signed(L.tv.type), rsg = dlt_arrow__is_signed(R.tv.type);
		int lb = int_bits(L.tv.type), rb = int_bits(R.tv.type), bits;
		bool sig;
		if (ls == rsg) {
			bits = DLT_MAX(lb, rb);
			sig = ls;
		} else {
			int ub = ls ? rb : lb, sb = ls ? lb : rb;
			bits = DLT_MIN(64, DLT_MAX(2 * ub, sb));
			sig = true;
		}
		switch (bits) {
		case 8: it = sig ? DLT_AT_INT8 : DLT_AT_UINT8; break;
		case 16: it = sig ? DLT_AT_INT16 : DLT_AT_UINT16; break;
		case 32: it = sig ? DLT_AT_INT32 : DLT_AT_UINT32; break;
		default: it = sig ? DLT_AT_INT64 : DLT_AT_UINT64; break;
		}
		snprintf(fmt, sizeof(fmt), "%s", dlt_arrow__type_format(it));
	}

	size_t nb = dlt_compute__bitmap_bytes(n);
	int width = kind == A_DEC ? 16 : kind == A_FLT ? (f32 ? 4 : 8) : int_bits(it) / 8;
	uint64_t *valid = dlt_malloc(nb), *rv = dlt_malloc(nb);
	uint8_t *data = dlt_calloc((size_t)n + 1, (size_t)width);
	void *lb_ = dlt_malloc(CHUNK * 16), *rb_ = dlt_malloc(CHUNK * 16);
	if (!valid || !rv || !data || !lb_ || !rb_) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory in arithmetic");
		goto fail;
	}
	operand_validity(valid, &L, n);
	operand_validity(rv, &R, n);
	for (int64_t w = 0; w < (n + 63) / 64; w++)
		valid[w] &= rv[w];

	const int64_t lm = L.scalar ? 0 : -1, rm = R.scalar ? 0 : -1;
	/* Integer result range. */
	dlt_i128 lo, hi;
	{
		int bits = int_bits(it);
		bool sig = dlt_arrow__is_signed(it);
		hi = sig ? (((dlt_i128)1 << (bits - 1)) - 1) : (((dlt_i128)1 << bits) - 1);
		lo = sig ? -((dlt_i128)1 << (bits - 1)) : 0;
	}
	/* Decimal: scale factors to the common scale for + - %. */
	int cs = DLT_MAX(L.scale, R.scale);
	dlt_i128 lfac = dlt_compute__pow10(cs - L.scale), rfac = dlt_compute__pow10(cs - R.scale);

	for (int64_t base = 0; base < n; base += CHUNK) {
		int64_t cnt = DLT_MIN((int64_t)CHUNK, n - base);
		int64_t ls = L.scalar ? 0 : base, rs_ = R.scalar ? 0 : base;
		int64_t lc = L.scalar ? 1 : cnt, rc2 = R.scalar ? 1 : cnt;
		if (kind == A_FLT) {
			double *x = lb_, *y = rb_;
			load_f64(x, &L, ls, lc);
			load_f64(y, &R, rs_, rc2);
			for (int64_t i = 0; i < cnt; i++) {
				double a = x[i & lm], b = y[i & rm], v;
				switch (op) {
				case DLT_ARITH_ADD: v = a + b; break;
				case DLT_ARITH_SUB: v = a - b; break;
				case DLT_ARITH_MUL: v = a * b; break;
				case DLT_ARITH_DIV: v = b != 0 ? a / b : 0; break;
				default: v = b != 0 ? fmod(a, b) : 0; break;
				}
				if ((op == DLT_ARITH_DIV || op == DLT_ARITH_MOD) && b == 0)
					dlt_arrow__set_bit(valid, base + i, false);
				if (f32) {
					float fv = (float)v;
					memcpy(data + (base + i) * 4, &fv, 4);
				} else {
					memcpy(data + (base + i) * 8, &v, 8);
				}
			}
			continue;
		}
		dlt_i128 *x = lb_, *y = rb_;
		load_i128(x, &L, ls, lc);
		load_i128(y, &R, rs_, rc2);
		for (int64_t i = 0; i < cnt; i++) {
			int64_t row = base + i;
			if (!dlt_arrow__bit(valid, row))
				continue;
			dlt_i128 a = x[i & lm], b = y[i & rm], v = 0;
			bool ok = true;
			if (kind == A_INT) {
				switch (op) {
				case DLT_ARITH_ADD: v = a + b; break;
				case DLT_ARITH_SUB: v = a - b; break;
				case DLT_ARITH_MUL: {
					/* |a|,|b| < 2^64: the product fits in i128 unless both are
					 * near 2^64 (uint64 * uint64); check via magnitudes. */
					dlt_u128 ua = uabs128(a), ub = uabs128(b);
					if (ua != 0 && ub > ((dlt_u128)DLT_I128_MAX) / ua)
						ok = false;
					else
						v = a * b;
					break;
				}
				case DLT_ARITH_DIV:
					if (b == 0) {
						dlt_arrow__set_bit(valid, row, false);
						continue;
					}
					v = a / b;
					break;
				default:
					if (b == 0) {
						dlt_arrow__set_bit(valid, row, false);
						continue;
					}
					v = a % b;
					break;
				}
				if (!ok || v < lo || v > hi) {
					rc = dlt_error_set(err, DLT_ELIMIT,
					                   "arithmetic: integer overflow in row %" PRId64
					                   " (%s result does not fit '%s')", row, op_name(op), fmt);
					dlt_error__set_row(err, row);
					goto fail;
				}
				switch (width) {
				case 1: { uint8_t t = (uint8_t)v; data[row] = t; break; }
				case 2: { uint16_t t = (uint16_t)v; memcpy(data + row * 2, &t, 2); break; }
				case 4: { uint32_t t = (uint32_t)v; memcpy(data + row * 4, &t, 4); break; }
				default: { uint64_t t = (uint64_t)v; memcpy(data + row * 8, &t, 8); break; }
				}
				continue;
			}
			/* Decimal. */
			switch (op) {
			case DLT_ARITH_ADD: case DLT_ARITH_SUB: case DLT_ARITH_MOD: {
				dlt_i128 hl = DLT_I128_MAX / lfac, hr = DLT_I128_MAX / rfac;
				if (a > hl || a < -hl || b > hr || b < -hr) {
					ok = false;
					break;
				}
				a *= lfac;
				b *= rfac;
				if (op == DLT_ARITH_MOD) {
					if (b == 0) {
						dlt_arrow__set_bit(valid, row, false);
						continue;
					}
					v = a % b;
				} else {
					v = op == DLT_ARITH_ADD ? a + b : a - b; /* |a|,|b| < 10^38: no overflow */
				}
				if (rs < cs) {
					u256 m = u256_from_u128(uabs128(v));
					u256_div_pow10_round(&m, cs - rs);
					ok = signed_from_u256(&v, &m, v < 0);
				}
				break;
			}
			case DLT_ARITH_MUL: {
				u256 m = u256_mul_u128(uabs128(a), uabs128(b));
				u256_div_pow10_round(&m, L.scale + R.scale - rs);
				ok = signed_from_u256(&v, &m, (a < 0) != (b < 0));
				break;
			}
			default: { /* DIV: a * 10^(rs - sa + sb) / b, rounded half up */
				if (b == 0) {
					dlt_arrow__set_bit(valid, row, false);
					continue;
				}
				int k = rs - L.scale + R.scale;
				u256 m = u256_from_u128(uabs128(a)), q;
				dlt_u128 rem, ub = uabs128(b);
				if (k < 0 || !u256_mul_pow10(&m, k)) {
					ok = false;
					break;
				}
				u256_divmod_u128(&q, &rem, &m, ub);
				if (rem >= ub - rem) { /* 2*rem >= b without overflow */
					for (int w = 0; w < 4; w++)
						if (++q.w[w] != 0)
							break;
				}
				ok = signed_from_u256(&v, &q, (a < 0) != (b < 0));
				break;
			}
			}
			if (!ok || !dlt_compute__fits_precision(v, rp)) {
				rc = dlt_error_set(err, DLT_ELIMIT,
				                   "arithmetic: decimal overflow in row %" PRId64
				                   " (%s result does not fit decimal(%d, %d))", row, op_name(op),
				                   rp, rs);
				dlt_error__set_row(err, row);
				goto fail;
			}
			dlt_compute__store_i128(data + row * 16, v);
		}
	}
	dlt_free(rv);
	dlt_free(lb_);
	dlt_free(rb_);
	rv = lb_ = rb_ = NULL;
	if ((rc = dlt_compute__make_bool(out, NULL, valid, n, err)) < 0) {
		valid = NULL;
		goto fail;
	}
	valid = NULL;
	dlt_array__set_buffer(out, 1, data);
	data = NULL;
	if ((rc = dlt_schema__init_leaf(out_schema, fmt, NULL, true, err)) < 0) {
		dlt_array__release(out);
		goto fail;
	}
	return DLT_OK;
fail:
	dlt_free(valid);
	dlt_free(rv);
	dlt_free(data);
	dlt_free(lb_);
	dlt_free(rb_);
	return rc;
}

int dlt_compute__negate(struct ArrowArray *out, const struct ArrowSchema *schema,
                        const struct ArrowArray *a, dlt_error *err)
{
	dlt_type_view tv;
	int rc;
	DLT_ARG_CHECK(out && schema && a, err);
	out->release = NULL;
	if ((rc = dlt_compute__type(&tv, schema, err)) < 0)
		return rc;
	int64_t n = a->length;
	int w;
	switch (tv.type) {
	case DLT_AT_INT8: w = 1; break;
	case DLT_AT_INT16: w = 2; break;
	case DLT_AT_INT32: case DLT_AT_FLOAT32: w = 4; break;
	case DLT_AT_INT64: case DLT_AT_FLOAT64: w = 8; break;
	case DLT_AT_DECIMAL128: w = 16; break;
	default:
		return dlt_error_set(err, DLT_ESCHEMA, "negate: unsupported type '%s'", schema->format);
	}
	uint8_t *validity = NULL;
	int64_t nulls = 0;
	if ((rc = dlt_compute__copy_validity(&validity, &nulls, a, err)) < 0)
		return rc;
	uint8_t *d = dlt_malloc((size_t)n * (size_t)w + 16);
	if (!d) {
		dlt_free(validity);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory in negate");
	}
	const uint8_t *src = (const uint8_t *)a->buffers[1] + a->offset * w;
	for (int64_t i = 0; i < n; i++) {
		bool valid = !validity || dlt_arrow__bit(validity, i);
		switch (tv.type) {
		case DLT_AT_INT8: case DLT_AT_INT16: case DLT_AT_INT32: case DLT_AT_INT64: {
			int64_t v = 0;
			if (w == 1) { int8_t t; memcpy(&t, src + i, 1); v = t; }
			else if (w == 2) { int16_t t; memcpy(&t, src + i * 2, 2); v = t; }
			else if (w == 4) { int32_t t; memcpy(&t, src + i * 4, 4); v = t; }
			else memcpy(&v, src + i * 8, 8);
			int64_t minv = w == 8 ? INT64_MIN : -((int64_t)1 << (w * 8 - 1));
			if (valid && v == minv) {
				dlt_free(validity);
				dlt_free(d);
				rc = dlt_error_set(err, DLT_ELIMIT,
				                   "negate: integer overflow in row %" PRId64, i);
				dlt_error__set_row(err, i);
				return rc;
			}
			v = v == minv ? v : -v;
			if (w == 1) { int8_t t = (int8_t)v; memcpy(d + i, &t, 1); }
			else if (w == 2) { int16_t t = (int16_t)v; memcpy(d + i * 2, &t, 2); }
			else if (w == 4) { int32_t t = (int32_t)v; memcpy(d + i * 4, &t, 4); }
			else memcpy(d + i * 8, &v, 8);
			break;
		}
		case DLT_AT_FLOAT32: { float f; memcpy(&f, src + i * 4, 4); f = -f; memcpy(d + i * 4, &f, 4); break; }
		case DLT_AT_FLOAT64: { double f; memcpy(&f, src + i * 8, 8); f = -f; memcpy(d + i * 8, &f, 8); break; }
		default: {
			dlt_i128 v = dlt_compute__load_i128(src + i * 16);
			dlt_compute__store_i128(d + i * 16, v == DLT_I128_MIN ? v : -v);
			break;
		}
		}
	}
	if ((rc = dlt_array__init(out, 2, 0, err)) < 0) {
		dlt_free(validity);
		dlt_free(d);
		return rc;
	}
	out->length = n;
	out->null_count = nulls;
	dlt_array__set_buffer(out, 0, validity);
	dlt_array__set_buffer(out, 1, d);
	return DLT_OK;
}
