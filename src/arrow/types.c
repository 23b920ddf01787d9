/* Arrow format strings: parsing into type views, simple formats, descriptions. */
#include "arrow/arrow.h"

#include <stdio.h>

static const struct {
	char c;
	dlt_atype type;
	int32_t bits;
	int n_buffers;
} k_simple[] = {
	{ 'n', DLT_AT_NA, 0, 0 },          { 'b', DLT_AT_BOOL, 1, 2 },
	{ 'c', DLT_AT_INT8, 8, 2 },        { 'C', DLT_AT_UINT8, 8, 2 },
	{ 's', DLT_AT_INT16, 16, 2 },      { 'S', DLT_AT_UINT16, 16, 2 },
	{ 'i', DLT_AT_INT32, 32, 2 },      { 'I', DLT_AT_UINT32, 32, 2 },
	{ 'l', DLT_AT_INT64, 64, 2 },      { 'L', DLT_AT_UINT64, 64, 2 },
	{ 'e', DLT_AT_FLOAT16, 16, 2 },    { 'f', DLT_AT_FLOAT32, 32, 2 },
	{ 'g', DLT_AT_FLOAT64, 64, 2 },    { 'u', DLT_AT_STRING, 0, 3 },
	{ 'U', DLT_AT_LARGE_STRING, 0, 3 }, { 'z', DLT_AT_BINARY, 0, 3 },
	{ 'Z', DLT_AT_LARGE_BINARY, 0, 3 },
};

/* Parse a non-negative decimal integer <= max; returns chars consumed or 0. */
static size_t parse_uint(const char *s, int64_t max, int64_t *out)
{
	size_t i = 0;
	int64_t v = 0;
	while (s[i] >= '0' && s[i] <= '9') {
		v = v * 10 + (s[i] - '0');
		if (v > max)
			return 0;
		i++;
		if (i > 12)
			return 0;
	}
	*out = v;
	return i;
}

static int unit_from_char(char c, dlt_time_unit *u)
{
	switch (c) {
	case 's': *u = DLT_TU_SECOND; return 1;
	case 'm': *u = DLT_TU_MILLI; return 1;
	case 'u': *u = DLT_TU_MICRO; return 1;
	case 'n': *u = DLT_TU_NANO; return 1;
	default: return 0;
	}
}

int dlt_arrow__parse_format(dlt_type_view *out, const char *f, dlt_error *err)
{
	dlt_type_view v;
	int64_t a, b;
	size_t n;

	memset(&v, 0, sizeof(v));
	if (out)
		memset(out, 0, sizeof(*out));
	if (!out || !f)
		return dlt_error_set(err, DLT_EINVAL, "arrow format: missing format string");
	if (f[0] != '\0' && f[1] == '\0') {
		for (size_t i = 0; i < sizeof(k_simple) / sizeof(k_simple[0]); i++) {
			if (k_simple[i].c == f[0]) {
				v.type = k_simple[i].type;
				v.bit_width = k_simple[i].bits;
				v.n_buffers = k_simple[i].n_buffers;
				*out = v;
				return DLT_OK;
			}
		}
		goto unsupported;
	}
	switch (f[0]) {
	case 'd': /* d:P,S[,bitwidth] */
		if (f[1] != ':')
			goto bad;
		n = parse_uint(f + 2, 1000, &a);
		if (n == 0 || f[2 + n] != ',')
			goto bad;
		f += 2 + n + 1;
		{
			int neg = (*f == '-');
			size_t m = parse_uint(f + neg, 1000, &b);
			if (m == 0)
				goto bad_restore;
			f += neg + m;
			v.scale = (int32_t)(neg ? -b : b);
		}
		v.precision = (int32_t)a;
		v.type = DLT_AT_DECIMAL128;
		v.byte_width = 16;
		v.bit_width = 128;
		if (*f == ',') {
			int64_t bw;
			size_t m = parse_uint(f + 1, 1000, &bw);
			if (m == 0 || f[1 + m] != '\0')
				goto bad_restore;
			if (bw == 256) {
				v.type = DLT_AT_DECIMAL256;
				v.byte_width = 32;
				v.bit_width = 256;
			} else if (bw != 128) {
				return dlt_error_set(err, DLT_EUNSUPPORTED,
				                     "arrow format: decimal bit width %" PRId64
				                     " is not supported", bw);
			}
		} else if (*f != '\0') {
			goto bad_restore;
		}
		if (v.precision < 1 || v.precision > (v.byte_width == 16 ? 38 : 76))
			return dlt_error_set(err, DLT_ECORRUPT,
			                     "arrow format: decimal precision %d out of range",
			                     (int)v.precision);
		v.n_buffers = 2;
		*out = v;
		return DLT_OK;
	case 'w': /* w:N */
		if (f[1] != ':')
			goto bad;
		n = parse_uint(f + 2, INT32_MAX / 8, &a);
		if (n == 0 || f[2 + n] != '\0')
			goto bad;
		v.type = DLT_AT_FIXED_BINARY;
		v.byte_width = (int32_t)a;
		v.bit_width = (int32_t)(a * 8);
		v.n_buffers = 2;
		*out = v;
		return DLT_OK;
	case 't':
		if (f[1] == 'd' && (f[2] == 'D' || f[2] == 'm') && f[3] == '\0') {
			v.type = f[2] == 'D' ? DLT_AT_DATE32 : DLT_AT_DATE64;
			v.bit_width = f[2] == 'D' ? 32 : 64;
			v.unit = f[2] == 'D' ? DLT_TU_SECOND : DLT_TU_MILLI;
			v.n_buffers = 2;
			*out = v;
			return DLT_OK;
		}
		if (f[1] == 't' && f[2] != '\0' && f[3] == '\0' && unit_from_char(f[2], &v.unit)) {
			v.type = (v.unit <= DLT_TU_MILLI) ? DLT_AT_TIME32 : DLT_AT_TIME64;
			v.bit_width = (v.unit <= DLT_TU_MILLI) ? 32 : 64;
			v.n_buffers = 2;
			*out = v;
			return DLT_OK;
		}
		if (f[1] == 's' && f[2] != '\0' && f[3] == ':' && unit_from_char(f[2], &v.unit)) {
			v.type = DLT_AT_TIMESTAMP;
			v.bit_width = 64;
			v.tz = f[4] != '\0' ? f + 4 : NULL;
			v.n_buffers = 2;
			*out = v;
			return DLT_OK;
		}
		if (f[1] == 'D' && f[2] != '\0' && f[3] == '\0' && unit_from_char(f[2], &v.unit)) {
			v.type = DLT_AT_DURATION;
			v.bit_width = 64;
			v.n_buffers = 2;
			*out = v;
			return DLT_OK;
		}
		if (f[1] == 'i' || (f[1] == 's' && f[2] != '\0' && f[3] == '\0'))
			goto unsupported;
		goto bad;
	case '+':
		if (f[1] != '\0' && f[2] == '\0') {
			switch (f[1]) {
			case 'l': v.type = DLT_AT_LIST; v.n_buffers = 2; break;
			case 'L': v.type = DLT_AT_LARGE_LIST; v.n_buffers = 2; break;
			case 's': v.type = DLT_AT_STRUCT; v.n_buffers = 1; break;
			case 'm': v.type = DLT_AT_MAP; v.n_buffers = 2; break;
			default: goto unsupported;
			}
			*out = v;
			return DLT_OK;
		}
		if (f[1] == 'w' && f[2] == ':') {
			n = parse_uint(f + 3, INT32_MAX, &a);
			if (n == 0 || f[3 + n] != '\0')
				goto bad;
			v.type = DLT_AT_FIXED_LIST;
			v.byte_width = (int32_t)a;
			v.n_buffers = 1;
			*out = v;
			return DLT_OK;
		}
		goto unsupported;
	case 'v':
		goto unsupported;
	default:
		goto bad;
	}
bad_restore:
bad:
	return dlt_error_set(err, DLT_ECORRUPT, "arrow format: malformed format string");
unsupported:
	return dlt_error_set(err, DLT_EUNSUPPORTED, "arrow format: unsupported format string");
}

const char *dlt_arrow__type_format(dlt_atype t)
{
	switch (t) {
	case DLT_AT_NA: return "n";
	case DLT_AT_BOOL: return "b";
	case DLT_AT_INT8: return "c";
	case DLT_AT_UINT8: return "C";
	case DLT_AT_INT16: return "s";
	case DLT_AT_UINT16: return "S";
	case DLT_AT_INT32: return "i";
	case DLT_AT_UINT32: return "I";
	case DLT_AT_INT64: return "l";
	case DLT_AT_UINT64: return "L";
	case DLT_AT_FLOAT16: return "e";
	case DLT_AT_FLOAT32: return "f";
	case DLT_AT_FLOAT64: return "g";
	case DLT_AT_DATE32: return "tdD";
	case DLT_AT_DATE64: return "tdm";
	case DLT_AT_STRING: return "u";
	case DLT_AT_LARGE_STRING: return "U";
	case DLT_AT_BINARY: return "z";
	case DLT_AT_LARGE_BINARY: return "Z";
	case DLT_AT_LIST: return "+l";
	case DLT_AT_LARGE_LIST: return "+L";
	case DLT_AT_STRUCT: return "+s";
	case DLT_AT_MAP: return "+m";
	default: return NULL;
	}
}

static const char *unit_name(dlt_time_unit u)
{
	switch (u) {
	case DLT_TU_SECOND: return "s";
	case DLT_TU_MILLI: return "ms";
	case DLT_TU_MICRO: return "us";
	default: return "ns";
	}
}

/* Name of a view's type without children. */
static void view_describe(const dlt_type_view *v, char *buf, size_t cap)
{
	static const char *const names[DLT_AT__COUNT] = {
		[DLT_AT_NA] = "null",          [DLT_AT_BOOL] = "bool",
		[DLT_AT_INT8] = "int8",        [DLT_AT_UINT8] = "uint8",
		[DLT_AT_INT16] = "int16",      [DLT_AT_UINT16] = "uint16",
		[DLT_AT_INT32] = "int32",      [DLT_AT_UINT32] = "uint32",
		[DLT_AT_INT64] = "int64",      [DLT_AT_UINT64] = "uint64",
		[DLT_AT_FLOAT16] = "float16",  [DLT_AT_FLOAT32] = "float32",
		[DLT_AT_FLOAT64] = "float64",  [DLT_AT_DATE32] = "date32",
		[DLT_AT_DATE64] = "date64",    [DLT_AT_STRING] = "utf8",
		[DLT_AT_LARGE_STRING] = "large_utf8", [DLT_AT_BINARY] = "binary",
		[DLT_AT_LARGE_BINARY] = "large_binary", [DLT_AT_LIST] = "list",
		[DLT_AT_LARGE_LIST] = "large_list", [DLT_AT_STRUCT] = "struct",
		[DLT_AT_MAP] = "map",
	};
	switch (v->type) {
	case DLT_AT_DECIMAL128:
	case DLT_AT_DECIMAL256:
		snprintf(buf, cap, "decimal%d(%d, %d)", v->type == DLT_AT_DECIMAL128 ? 128 : 256,
		         (int)v->precision, (int)v->scale);
		break;
	case DLT_AT_FIXED_BINARY:
		snprintf(buf, cap, "fixed_size_binary[%d]", (int)v->byte_width);
		break;
	case DLT_AT_FIXED_LIST:
		snprintf(buf, cap, "fixed_size_list[%d]", (int)v->byte_width);
		break;
	case DLT_AT_TIME32:
	case DLT_AT_TIME64:
		snprintf(buf, cap, "time%d[%s]", v->type == DLT_AT_TIME32 ? 32 : 64,
		         unit_name(v->unit));
		break;
	case DLT_AT_DURATION:
		snprintf(buf, cap, "duration[%s]", unit_name(v->unit));
		break;
	case DLT_AT_TIMESTAMP:
		if (v->tz)
			snprintf(buf, cap, "timestamp[%s, tz=%s]", unit_name(v->unit), v->tz);
		else
			snprintf(buf, cap, "timestamp[%s]", unit_name(v->unit));
		break;
	default:
		snprintf(buf, cap, "%s",
		         (v->type >= 0 && v->type < DLT_AT__COUNT && names[v->type]) ? names[v->type]
		                                                                     : "?");
		break;
	}
}

const char *dlt_arrow__format_describe(const char *format, char *buf, size_t cap)
{
	dlt_type_view v;
	if (!buf || cap == 0)
		return "";
	if (dlt_arrow__parse_format(&v, format, NULL) < 0)
		snprintf(buf, cap, "unknown format '%s'", format ? format : "(null)");
	else
		view_describe(&v, buf, cap);
	return buf;
}

bool dlt_arrow__is_integer(dlt_atype t) { return t >= DLT_AT_INT8 && t <= DLT_AT_UINT64; }

bool dlt_arrow__is_signed(dlt_atype t)
{
	return t == DLT_AT_INT8 || t == DLT_AT_INT16 || t == DLT_AT_INT32 || t == DLT_AT_INT64;
}

bool dlt_arrow__is_float(dlt_atype t) { return t >= DLT_AT_FLOAT16 && t <= DLT_AT_FLOAT64; }

bool dlt_arrow__is_nested(dlt_atype t)
{
	return t == DLT_AT_LIST || t == DLT_AT_LARGE_LIST || t == DLT_AT_FIXED_LIST ||
	       t == DLT_AT_STRUCT || t == DLT_AT_MAP;
}

/* ---------- recursive description (public dlt_arrow_type_describe) ---------- */

typedef struct desc_out {
	char *buf;
	size_t cap, len;
	bool truncated;
	bool unknown;
} desc_out;

static void desc_put(desc_out *o, const char *s)
{
	size_t n = strlen(s);
	if (o->len + n >= o->cap) {
		n = o->cap - 1 - o->len;
		o->truncated = true;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void desc_schema(desc_out *o, const struct ArrowSchema *s, int depth)
{
	dlt_type_view v;
	char tmp[128];

	if (!s || !s->format || depth > 64) {
		desc_put(o, "?");
		o->unknown = true;
		return;
	}
	if (s->dictionary) {
		desc_put(o, "dictionary<values=");
		desc_schema(o, s->dictionary, depth + 1);
		desc_put(o, ", indices=");
		desc_put(o, dlt_arrow__format_describe(s->format, tmp, sizeof(tmp)));
		desc_put(o, ">");
		return;
	}
	if (dlt_arrow__parse_format(&v, s->format, NULL) < 0) {
		snprintf(tmp, sizeof(tmp), "unknown(%.100s)", s->format);
		desc_put(o, tmp);
		o->unknown = true;
		return;
	}
	switch (v.type) {
	case DLT_AT_LIST:
	case DLT_AT_LARGE_LIST:
	case DLT_AT_FIXED_LIST:
		desc_put(o, v.type == DLT_AT_LIST ? "list<" : v.type == DLT_AT_LARGE_LIST
		                                                     ? "large_list<"
		                                                     : "fixed_size_list<");
		if (s->n_children >= 1 && s->children)
			desc_schema(o, s->children[0], depth + 1);
		else
			desc_put(o, "?");
		if (v.type == DLT_AT_FIXED_LIST) {
			snprintf(tmp, sizeof(tmp), ">[%d]", (int)v.byte_width);
			desc_put(o, tmp);
		} else {
			desc_put(o, ">");
		}
		return;
	case DLT_AT_MAP: {
		const struct ArrowSchema *e = (s->n_children >= 1 && s->children) ? s->children[0]
		                                                                 : NULL;
		desc_put(o, "map<");
		if (e && e->n_children == 2 && e->children) {
			desc_schema(o, e->children[0], depth + 2);
			desc_put(o, ", ");
			desc_schema(o, e->children[1], depth + 2);
		} else {
			desc_put(o, "?");
			o->unknown = true;
		}
		desc_put(o, ">");
		return;
	}
	case DLT_AT_STRUCT:
		desc_put(o, "struct<");
		for (int64_t i = 0; i < s->n_children && s->children; i++) {
			const struct ArrowSchema *c = s->children[i];
			if (i)
				desc_put(o, ", ");
			desc_put(o, (c && c->name) ? c->name : "");
			desc_put(o, ": ");
			desc_schema(o, c, depth + 1);
		}
		desc_put(o, ">");
		return;
	default:
		view_describe(&v, tmp, sizeof(tmp));
		desc_put(o, tmp);
		return;
	}
}

/* Shared by the public dlt_arrow_type_describe (public.c). */
int dlt_arrow__describe_schema(char *buf, size_t cap, const struct ArrowSchema *s)
{
	desc_out o = { buf, cap, 0, false, false };
	if (!buf || cap == 0)
		return DLT_EINVAL;
	buf[0] = '\0';
	if (!s)
		return DLT_EINVAL;
	desc_schema(&o, s, 0);
	if (o.truncated)
		return DLT_ELIMIT;
	return o.unknown ? DLT_EUNSUPPORTED : DLT_OK;
}
