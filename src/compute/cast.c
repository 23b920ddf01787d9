/* Casts between scalar types. Text conversions go through src/util/parse.h
 * (the same parsers/formatters as CSV and JSON). double -> decimal goes via
 * the shortest round-trip text of the double and rounds half up, which is
 * what Spark does (BigDecimal of Double.toString). */
#include "compute/kernels.h"
#include "util/parse.h"

#include <math.h>
#include <stdio.h>

typedef enum cclass {
	C_INT, C_DEC, C_FLT, C_BOOL, C_STR, C_BIN, C_DATE32, C_DATE64, C_TS, C_OTHER
} cclass;

static cclass class_of(const dlt_type_view *tv)
{
	if (dlt_arrow__is_integer(tv->type))
		return C_INT;
	switch (tv->type) {
	case DLT_AT_DECIMAL128: return C_DEC;
	case DLT_AT_FLOAT32: case DLT_AT_FLOAT64: return C_FLT;
	case DLT_AT_BOOL: return C_BOOL;
	case DLT_AT_STRING: case DLT_AT_LARGE_STRING: return C_STR;
	case DLT_AT_BINARY: case DLT_AT_LARGE_BINARY: return C_BIN;
	case DLT_AT_DATE32: return C_DATE32;
	case DLT_AT_DATE64: return C_DATE64;
	case DLT_AT_TIMESTAMP: return C_TS;
	default: return C_OTHER;
	}
}

static const int64_t ticks_per_sec[4] = { 1, 1000, 1000000, 1000000000 };

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

typedef struct cctx {
	const struct ArrowArray *a;
	dlt_type_view from, to;
	cclass fc, tc;
	int width; /* output element width for fixed targets */
} cctx;

/* Source element i as i128 (int/bool/decimal: unscaled) */
static dlt_i128 src_i128(const cctx *c, int64_t i)
{
	const struct ArrowArray *a = c->a;
	int64_t s = a->offset + i;
	const void *b = a->buffers[1];
	switch (c->from.type) {
	case DLT_AT_BOOL: return dlt_arrow__bit(b, s);
	case DLT_AT_INT8: return ((const int8_t *)b)[s];
	case DLT_AT_UINT8: return ((const uint8_t *)b)[s];
	case DLT_AT_INT16: return ((const int16_t *)b)[s];
	case DLT_AT_UINT16: return ((const uint16_t *)b)[s];
	case DLT_AT_INT32: case DLT_AT_DATE32: return ((const int32_t *)b)[s];
	case DLT_AT_UINT32: return ((const uint32_t *)b)[s];
	case DLT_AT_UINT64: return ((const uint64_t *)b)[s];
	case DLT_AT_DECIMAL128: return dlt_compute__load_i128((const uint8_t *)b + s * 16);
	default: return ((const int64_t *)b)[s];
	}
}

static double src_f64(const cctx *c, int64_t i)
{
	int64_t s = c->a->offset + i;
	if (c->from.type == DLT_AT_FLOAT32)
		return ((const float *)c->a->buffers[1])[s];
	return ((const double *)c->a->buffers[1])[s];
}

static void src_bytes(const cctx *c, int64_t i, const char **p, size_t *n)
{
	const struct ArrowArray *a = c->a;
	int64_t s = a->offset + i;
	if (c->from.type == DLT_AT_LARGE_STRING || c->from.type == DLT_AT_LARGE_BINARY) {
		const int64_t *o = a->buffers[1];
		*p = (const char *)a->buffers[2] + o[s];
		*n = (size_t)(o[s + 1] - o[s]);
	} else {
		const int32_t *o = a->buffers[1];
		*p = (const char *)a->buffers[2] + o[s];
		*n = (size_t)(o[s + 1] - o[s]);
	}
}

static int scale_of(const cctx *c)
{
	return c->fc == C_DEC ? c->from.scale : 0;
}

/* Text of source element i (for string targets and error messages). */
static size_t src_text(const cctx *c, int64_t i, char *buf, const char **p)
{
	size_t n = 0;
	*p = buf;
	switch (c->fc) {
	case C_STR: case C_BIN:
		src_bytes(c, i, p, &n);
		return n;
	case C_BOOL:
		return (size_t)snprintf(buf, 8, "%s", src_i128(c, i) ? "true" : "false");
	case C_INT: {
		dlt_i128 v = src_i128(c, i);
		if (c->from.type == DLT_AT_UINT64)
			return (size_t)snprintf(buf, 32, "%" PRIu64, (uint64_t)v);
		return (size_t)snprintf(buf, 32, "%" PRId64, (int64_t)v);
	}
	case C_DEC: {
		dlt_i128 v = src_i128(c, i);
		uint64_t w[2] = { (uint64_t)(dlt_u128)v, (uint64_t)((dlt_u128)v >> 64) };
		return dlt_format_decimal(buf, w, 2, c->from.scale);
	}
	case C_FLT: {
		double d = src_f64(c, i);
		if (isnan(d))
			return (size_t)snprintf(buf, 8, "NaN");
		if (isinf(d))
			return (size_t)snprintf(buf, 12, "%s", d > 0 ? "Infinity" : "-Infinity");
		return c->from.type == DLT_AT_FLOAT32 ? dlt_format_float(buf, (float)d)
		                                      : dlt_format_double(buf, d);
	}
	case C_DATE32:
		return dlt_format_date32(buf, (int32_t)src_i128(c, i));
	case C_DATE64:
		return dlt_format_timestamp(buf, (int64_t)src_i128(c, i), 1, false);
	case C_TS:
		return dlt_format_timestamp(buf, (int64_t)src_i128(c, i), (int)c->from.unit,
		                            c->from.tz != NULL && c->from.tz[0] != 0);
	default:
		return 0;
	}
}

/* Rescale i128 v from scale fs to ts (half-up when dropping digits).
 * false on overflow. */
static bool rescale(dlt_i128 *v, int fs, int ts)
{
	if (ts == fs)
		return true;
	if (ts > fs) {
		if (ts - fs > 38)
			return *v == 0;
		dlt_i128 f = dlt_compute__pow10(ts - fs);
		if (*v > DLT_I128_MAX / f || *v < -(DLT_I128_MAX / f))
			return false;
		*v *= f;
		return true;
	}
	if (fs - ts > 38) {
		*v = 0;
		return true;
	}
	dlt_i128 f = dlt_compute__pow10(fs - ts);
	dlt_i128 q = *v / f, r = *v % f;
	if (r < 0)
		r = -r;
	if (r >= f - r)
		q += *v < 0 ? -1 : 1;
	*v = q;
	return true;
}

static bool int_range(dlt_atype t, dlt_i128 v)
{
	switch (t) {
	case DLT_AT_INT8: return v >= INT8_MIN && v <= INT8_MAX;
	case DLT_AT_UINT8: return v >= 0 && v <= UINT8_MAX;
	case DLT_AT_INT16: return v >= INT16_MIN && v <= INT16_MAX;
	case DLT_AT_UINT16: return v >= 0 && v <= UINT16_MAX;
	case DLT_AT_INT32: return v >= INT32_MIN && v <= INT32_MAX;
	case DLT_AT_UINT32: return v >= 0 && v <= UINT32_MAX;
	case DLT_AT_INT64: return v >= INT64_MIN && v <= INT64_MAX;
	default: return v >= 0 && v <= (dlt_i128)UINT64_MAX;
	}
}

static void put_int(uint8_t *d, int width, dlt_i128 v)
{
	switch (width) {
	case 1: { uint8_t t = (uint8_t)v; memcpy(d, &t, 1); break; }
	case 2: { uint16_t t = (uint16_t)v; memcpy(d, &t, 2); break; }
	case 4: { uint32_t t = (uint32_t)v; memcpy(d, &t, 4); break; }
	default: { uint64_t t = (uint64_t)(dlt_u128)v; memcpy(d, &t, 8); break; }
	}
}

/* Convert element i into d (fixed-width target); false if invalid/out of range. */
static bool convert(const cctx *c, int64_t i, uint8_t *d, uint8_t *bits)
{
	const char *p;
	size_t n;
	switch (c->tc) {
	case C_INT: {
		dlt_i128 v;
		if (c->fc == C_INT || c->fc == C_BOOL || c->fc == C_DEC) {
			v = src_i128(c, i);
			if (c->fc == C_DEC) {
				v /= dlt_compute__pow10(scale_of(c)); /* truncate toward zero */
			}
		} else if (c->fc == C_FLT) {
			double x = src_f64(c, i);
			if (!(x > -0x1p64 && x < 0x1p64))
				return false;
			v = (dlt_i128)trunc(x);
		} else if (c->fc == C_STR) {
			src_bytes(c, i, &p, &n);
			if (c->to.type == DLT_AT_UINT64) {
				uint64_t u;
				if (dlt_parse_uint64(p, n, &u) != DLT_PARSE_OK)
					return false;
				v = u;
			} else {
				int64_t s;
				if (dlt_parse_int64(p, n, &s) != DLT_PARSE_OK)
					return false;
				v = s;
			}
		} else {
			return false;
		}
		if (!int_range(c->to.type, v))
			return false;
		put_int(d, c->width, v);
		return true;
	}
	case C_FLT: {
		double x;
		if (c->fc == C_INT || c->fc == C_BOOL) {
			x = (double)src_i128(c, i);
		} else if (c->fc == C_DEC) {
			/* Via text: correctly rounded. */
			char buf[DLT_FORMAT_DECIMAL_MAX];
			size_t l = src_text(c, i, buf, &p);
			if (dlt_parse_double(p, l, &x) != DLT_PARSE_OK)
				return false;
		} else if (c->fc == C_FLT) {
			x = src_f64(c, i);
		} else if (c->fc == C_STR) {
			src_bytes(c, i, &p, &n);
			if (dlt_parse_double(p, n, &x) != DLT_PARSE_OK)
				return false;
		} else {
			return false;
		}
		if (c->to.type == DLT_AT_FLOAT32) {
			float f = (float)x;
			if (isinf(f) && !isinf(x))
				return false;
			memcpy(d, &f, 4);
		} else {
			memcpy(d, &x, 8);
		}
		return true;
	}
	case C_DEC: {
		dlt_i128 v;
		if (c->fc == C_INT || c->fc == C_BOOL || c->fc == C_DEC) {
			v = src_i128(c, i);
			if (!rescale(&v, scale_of(c), c->to.scale))
				return false;
		} else if (c->fc == C_FLT || c->fc == C_STR) {
			char buf[DLT_FORMAT_DOUBLE_MAX + 16];
			uint64_t w[2];
			if (c->fc == C_FLT) {
				double x = src_f64(c, i);
				if (isnan(x) || isinf(x))
					return false;
				n = src_text(c, i, buf, &p);
			} else {
				src_bytes(c, i, &p, &n);
			}
			if (dlt_parse_decimal(p, n, c->to.precision, c->to.scale, w, 2) != DLT_PARSE_OK)
				return false;
			v = (dlt_i128)(((dlt_u128)w[1] << 64) | w[0]);
		} else {
			return false;
		}
		if (!dlt_compute__fits_precision(v, c->to.precision))
			return false;
		dlt_compute__store_i128(d, v);
		return true;
	}
	case C_BOOL: {
		bool b;
		if (c->fc == C_INT || c->fc == C_DEC || c->fc == C_BOOL) {
			b = src_i128(c, i) != 0;
		} else if (c->fc == C_FLT) {
			b = src_f64(c, i) != 0;
		} else if (c->fc == C_STR) {
			src_bytes(c, i, &p, &n);
			if (dlt_parse_bool(p, n, &b) != DLT_PARSE_OK)
				return false;
		} else {
			return false;
		}
		dlt_arrow__set_bit(bits, i, b);
		return true;
	}
	case C_DATE32: {
		int64_t days;
		if (c->fc == C_DATE32) {
			days = (int64_t)src_i128(c, i);
		} else if (c->fc == C_DATE64) {
			days = floor_div((int64_t)src_i128(c, i), INT64_C(86400000));
		} else if (c->fc == C_TS) {
			days = floor_div((int64_t)src_i128(c, i),
			                 INT64_C(86400) * ticks_per_sec[c->from.unit & 3]);
		} else if (c->fc == C_STR) {
			int32_t dd;
			src_bytes(c, i, &p, &n);
			if (dlt_parse_date32(p, n, &dd) != DLT_PARSE_OK)
				return false;
			days = dd;
		} else {
			return false;
		}
		if (days < INT32_MIN || days > INT32_MAX)
			return false;
		int32_t t = (int32_t)days;
		memcpy(d, &t, 4);
		return true;
	}
	case C_TS: case C_DATE64: {
		int unit = c->tc == C_DATE64 ? 1 : (int)(c->to.unit & 3);
		int64_t tps = ticks_per_sec[unit], v;
		if (c->fc == C_TS || c->fc == C_DATE64) {
			int64_t x = (int64_t)src_i128(c, i);
			int64_t fps = c->fc == C_DATE64 ? 1000 : ticks_per_sec[c->from.unit & 3];
			if (fps == tps)
				v = x;
			else if (tps > fps) {
				if (dlt_mul_overflow_i64(x, tps / fps, &v))
					return false;
			} else {
				v = floor_div(x, fps / tps);
			}
		} else if (c->fc == C_DATE32) {
			if (dlt_mul_overflow_i64((int64_t)src_i128(c, i), INT64_C(86400) * tps, &v))
				return false;
		} else if (c->fc == C_STR) {
			bool has_tz;
			src_bytes(c, i, &p, &n);
			if (dlt_parse_timestamp(p, n, unit, &v, &has_tz) != DLT_PARSE_OK)
				return false;
		} else {
			return false;
		}
		memcpy(d, &v, 8);
		return true;
	}
	default:
		return false;
	}
}

static bool supported(cclass f, cclass t)
{
	switch (t) {
	case C_INT: case C_DEC: case C_BOOL:
		return f == C_INT || f == C_DEC || f == C_BOOL || f == C_FLT || f == C_STR;
	case C_FLT:
		return f == C_INT || f == C_DEC || f == C_BOOL || f == C_FLT || f == C_STR;
	case C_DATE32: case C_TS: case C_DATE64:
		return f == C_DATE32 || f == C_DATE64 || f == C_TS || f == C_STR;
	case C_STR:
		return f != C_OTHER;
	case C_BIN:
		return f == C_STR || f == C_BIN;
	default:
		return false;
	}
}

static int fail_row(const cctx *c, int64_t i, const char *to_format, dlt_error *err)
{
	char buf[128], desc[64];
	const char *p;
	size_t n = src_text(c, i, buf, &p);
	int rc = dlt_error_set(err, DLT_ESCHEMA,
	                       "cast: row %" PRId64 ": cannot cast '%.*s' to %s", i,
	                       (int)DLT_MIN(n, (size_t)200), p,
	                       dlt_arrow__format_describe(to_format, desc, sizeof(desc)));
	dlt_error__set_row(err, i);
	return rc;
}

static int cast_plain(struct ArrowArray *out, const struct ArrowSchema *schema,
                      const struct ArrowArray *a, const char *to_format, dlt_cast_mode mode,
                      dlt_error *err)
{
	cctx c;
	int rc;
	uint8_t *valid = NULL, *data = NULL;
	int64_t nulls = 0, n = a->length;
	dlt_buf sbuf = DLT_BUF_INIT;
	void *offs = NULL;

	c.a = a;
	if ((rc = dlt_compute__type(&c.from, schema, err)) < 0 ||
	    (rc = dlt_arrow__parse_format(&c.to, to_format, err)) < 0)
		return rc;
	if (strcmp(schema->format, to_format) == 0)
		return dlt_compute__slice(out, schema, a, 0, a->length, err);
	c.fc = class_of(&c.from);
	c.tc = class_of(&c.to);
	if (c.tc == C_DEC && (c.to.precision < 1 || c.to.precision > 38 || c.to.scale < 0 ||
	                      c.to.scale > c.to.precision))
		return dlt_error_set(err, DLT_EUNSUPPORTED, "cast: target decimal(%d, %d) not supported",
		                     c.to.precision, c.to.scale);
	if (c.fc == C_DEC && (c.from.scale < 0 || c.from.scale > 38))
		return dlt_error_set(err, DLT_EUNSUPPORTED, "cast: source decimal scale %d not supported",
		                     c.from.scale);
	if (!supported(c.fc, c.tc) || a->n_buffers == 0) {
		char d1[64], d2[64];
		return dlt_error_set(err, DLT_EUNSUPPORTED, "cast: %s to %s is not supported",
		                     dlt_arrow__format_describe(schema->format, d1, sizeof(d1)),
		                     dlt_arrow__format_describe(to_format, d2, sizeof(d2)));
	}
	if ((rc = dlt_compute__copy_validity(&valid, &nulls, a, err)) < 0)
		return rc;
	bool str_out = c.tc == C_STR || c.tc == C_BIN;
	bool large = c.to.type == DLT_AT_LARGE_STRING || c.to.type == DLT_AT_LARGE_BINARY;
	switch (c.to.type) {
	case DLT_AT_BOOL: c.width = 0; break;
	case DLT_AT_INT8: case DLT_AT_UINT8: c.width = 1; break;
	case DLT_AT_INT16: case DLT_AT_UINT16: c.width = 2; break;
	case DLT_AT_INT32: case DLT_AT_UINT32: case DLT_AT_FLOAT32: case DLT_AT_DATE32:
		c.width = 4; break;
	case DLT_AT_DECIMAL128: c.width = 16; break;
	default: c.width = 8; break;
	}
	if (str_out) {
		offs = dlt_malloc(((size_t)n + 1) * (large ? 8 : 4));
		if (!offs)
			goto nomem;
	} else {
		data = c.width ? dlt_calloc((size_t)n + 1, (size_t)c.width)
		               : dlt_calloc(1, dlt_compute__bitmap_bytes(n));
		if (!data)
			goto nomem;
	}
	for (int64_t i = 0; i < n; i++) {
		bool isnull = valid && !dlt_arrow__bit(valid, i);
		if (str_out) {
			if (!isnull) {
				char buf[128];
				const char *p;
				size_t l = src_text(&c, i, buf, &p);
				if ((rc = dlt_buf_append(&sbuf, p, l, err)) < 0)
					goto fail;
				if (!large && sbuf.len > INT32_MAX) {
					rc = dlt_error_set(err, DLT_ELIMIT,
					                   "cast: string data exceeds 32-bit offsets");
					goto fail;
				}
			}
			if (large)
				((int64_t *)offs)[i + 1] = (int64_t)sbuf.len;
			else
				((int32_t *)offs)[i + 1] = (int32_t)sbuf.len;
			continue;
		}
		if (isnull)
			continue;
		if (!convert(&c, i, c.width ? data + i * c.width : NULL, data)) {
			if (mode == DLT_CAST_STRICT) {
				rc = fail_row(&c, i, to_format, err);
				goto fail;
			}
			if (!valid) {
				valid = dlt_malloc(dlt_compute__bitmap_bytes(n));
				if (!valid)
					goto nomem;
				memset(valid, 0xff, dlt_compute__bitmap_bytes(n));
			}
			dlt_arrow__set_bit(valid, i, false);
			nulls++;
		}
	}
	if ((rc = dlt_array__init(out, str_out ? 3 : 2, 0, err)) < 0)
		goto fail;
	out->length = n;
	out->null_count = nulls;
	dlt_array__set_buffer(out, 0, valid);
	if (str_out) {
		if (large)
			((int64_t *)offs)[0] = 0;
		else
			((int32_t *)offs)[0] = 0;
		size_t l;
		uint8_t *d = dlt_buf_detach(&sbuf, &l);
		if (!d)
			d = dlt_malloc(8);
		dlt_array__set_buffer(out, 1, offs);
		dlt_array__set_buffer(out, 2, d);
		if (!d) {
			dlt_array__release(out);
			return dlt_error_set(err, DLT_ENOMEM, "out of memory in cast");
		}
	} else {
		dlt_array__set_buffer(out, 1, data);
	}
	return DLT_OK;
nomem:
	rc = dlt_error_set(err, DLT_ENOMEM, "out of memory in cast");
fail:
	dlt_free(valid);
	dlt_free(data);
	dlt_free(offs);
	dlt_buf_dispose(&sbuf);
	return rc;
}

int dlt_compute__cast(struct ArrowArray *out, const struct ArrowSchema *schema,
                      const struct ArrowArray *a, const char *to_format, dlt_cast_mode mode,
                      dlt_error *err)
{
	int rc;
	DLT_ARG_CHECK(out && schema && a && to_format, err);
	out->release = NULL;
	if (schema->dictionary) {
		struct ArrowArray dec;
		if ((rc = dlt_compute__decode_dictionary(&dec, schema, a, err)) < 0)
			return rc;
		rc = cast_plain(out, schema->dictionary, &dec, to_format, mode, err);
		dlt_array__release(&dec);
		return rc;
	}
	return cast_plain(out, schema, a, to_format, mode, err);
}
