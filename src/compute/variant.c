/*
 * Parquet Variant: reading and validating variant bytes, canonical text, and
 * rebuilding shredded variant columns (see variant.h).
 *
 * Specs: parquet-format VariantEncoding.md (layout, type ids, field order)
 * and VariantShredding.md (value/typed_value semantics, reconstruction).
 */
#include "compute/variant.h"
#include "util/parse.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Basic types (VariantEncoding.md "Encoding types"). */
enum { VB_PRIMITIVE = 0, VB_SHORT_STRING = 1, VB_OBJECT = 2, VB_ARRAY = 3 };

/* Primitive type ids (VariantEncoding.md "Variant primitive types"). */
enum {
	VT_NULL = 0,
	VT_TRUE = 1,
	VT_FALSE = 2,
	VT_INT8 = 3,
	VT_INT16 = 4,
	VT_INT32 = 5,
	VT_INT64 = 6,
	VT_DOUBLE = 7,
	VT_DECIMAL4 = 8,
	VT_DECIMAL8 = 9,
	VT_DECIMAL16 = 10,
	VT_DATE = 11,
	VT_TIMESTAMP = 12,
	VT_TIMESTAMP_NTZ = 13,
	VT_FLOAT = 14,
	VT_BINARY = 15,
	VT_STRING = 16,
	VT_TIME = 17,
	VT_TIMESTAMP_NANOS = 18,
	VT_TIMESTAMP_NTZ_NANOS = 19,
	VT_UUID = 20,
	VT_COUNT
};

/* Bytes after the header of each primitive; -1: 4-byte length + bytes. */
static const int8_t prim_data_size[VT_COUNT] = {
	0, 0, 0, 1, 2, 4, 8, 8, 5, 9, 17, 4, 8, 8, 4, -1, -1, 8, 8, 8, 16
};

#define MICROS_PER_DAY INT64_C(86400000000)
#define NOT_FOUND UINT32_MAX

static uint32_t load_le(const uint8_t *p, int w)
{
	uint32_t v = 0;
	for (int k = 0; k < w; k++)
		v |= (uint32_t)p[k] << (8 * k);
	return v;
}

static void store_le(uint8_t *p, uint64_t v, int w)
{
	for (int k = 0; k < w; k++)
		p[k] = (uint8_t)(v >> (8 * k));
}

/* Fewest bytes (1..4) holding `max`: the spec lets writers pick, we pick minimal. */
static int width_for(uint64_t max)
{
	return max <= 0xff ? 1 : max <= 0xffff ? 2 : max <= 0xffffff ? 3 : 4;
}

static int name_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	int c = memcmp(a, b, DLT_MIN(an, bn));
	return c ? c : (an < bn ? -1 : an > bn ? 1 : 0);
}

/* ====================== metadata ====================== */

typedef struct vmeta {
	uint32_t n;          /* dictionary size */
	int osz;             /* bytes per size/offset */
	bool sorted;         /* sorted_strings: names sorted and unique */
	const uint8_t *offs; /* n + 1 offsets into strs */
	const uint8_t *strs;
	size_t len;          /* bytes of the whole metadata */
} vmeta;

/* Parse and check the metadata at the start of p[0, n): every offset within
 * the buffer and ascending, every name UTF-8. Bytes after it are not read. */
static int meta_parse(vmeta *m, const uint8_t *p, size_t n, dlt_error *err)
{
	size_t hdr, avail;
	uint32_t prev = 0;
	int version;

	if (n < 1)
		return dlt_error_set(err, DLT_ECORRUPT, "variant metadata: empty");
	version = p[0] & 0x0f;
	if (version != 1)
		return dlt_error_set(err, version == 0 ? DLT_ECORRUPT : DLT_EUNSUPPORTED,
		                     "variant metadata: version %d (expected 1)", version);
	m->osz = (p[0] >> 6) + 1;
	m->sorted = (p[0] >> 4) & 1;
	if (n < 1 + (size_t)m->osz)
		return dlt_error_set(err, DLT_ECORRUPT, "variant metadata: truncated header");
	m->n = load_le(p + 1, m->osz);
	if (dlt_mul_overflow((size_t)m->n + 1, (size_t)m->osz, &hdr) ||
	    dlt_add_overflow(hdr, 1 + (size_t)m->osz, &hdr) || hdr > n)
		return dlt_error_set(err, DLT_ECORRUPT, "variant metadata: %" PRIu32
		                     " dictionary offsets run past the end (%zu bytes)", m->n, n);
	m->offs = p + 1 + m->osz;
	m->strs = p + hdr;
	avail = n - hdr;
	for (uint64_t i = 0; i <= m->n; i++) {
		uint32_t o = load_le(m->offs + i * (size_t)m->osz, m->osz);
		if ((i == 0 && o != 0) || o < prev || o > avail)
			return dlt_error_set(err, DLT_ECORRUPT, "variant metadata: dictionary offset %"
			                     PRIu64 " (%" PRIu32 ") out of order or past the end",
			                     i, o);
		if (i > 0 && !dlt_utf8_valid(m->strs + prev, o - prev))
			return dlt_error_set(err, DLT_ECORRUPT, "variant metadata: name %" PRIu64
			                     " is not UTF-8", i - 1);
		prev = o;
	}
	m->len = hdr + prev;
	return DLT_OK;
}

/* Name of dictionary entry id (< m->n, offsets checked by meta_parse). */
static void meta_name(const vmeta *m, uint32_t id, const uint8_t **s, size_t *len)
{
	uint32_t a = load_le(m->offs + (size_t)id * m->osz, m->osz);
	uint32_t b = load_le(m->offs + ((size_t)id + 1) * m->osz, m->osz);
	*s = m->strs + a;
	*len = b - a;
}

/* Dictionary id of a name, NOT_FOUND if absent. Binary search when the
 * metadata says it is sorted (a lying flag only makes the lookup miss). */
static uint32_t meta_find(const vmeta *m, const uint8_t *name, size_t len)
{
	const uint8_t *s;
	size_t sl;
	if (m->sorted) {
		uint32_t lo = 0, hi = m->n;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			int c;
			meta_name(m, mid, &s, &sl);
			c = name_cmp(s, sl, name, len);
			if (c == 0)
				return mid;
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		return NOT_FOUND;
	}
	for (uint32_t i = 0; i < m->n; i++) {
		meta_name(m, i, &s, &sl);
		if (sl == len && memcmp(s, name, len) == 0)
			return i;
	}
	return NOT_FOUND;
}

int dlt_variant__metadata_len(size_t *out, const uint8_t *buf, size_t n, dlt_error *err)
{
	vmeta m;
	int rc;
	DLT_ARG_CHECK(out != NULL && (buf != NULL || n == 0), err);
	if ((rc = meta_parse(&m, buf, n, err)) < 0)
		return rc;
	*out = m.len;
	return DLT_OK;
}

/* ====================== values: walking, validating, text ====================== */

typedef struct vwalk {
	const vmeta *m;
	dlt_buf *text;       /* NULL: validate only */
	const uint8_t *base; /* start of the top-level value: error offsets */
	dlt_error *err;
} vwalk;

/* An object or array header, checked against the bytes available. */
typedef struct vcont {
	uint32_t n;
	int isz, osz;        /* field id / offset widths (isz 0 for arrays) */
	const uint8_t *ids, *offs, *data;
	size_t data_len;     /* bytes of the element values */
} vcont;

static int wfail(const vwalk *w, const uint8_t *at, int code, const char *fmt, ...)
	DLT_PRINTF(4, 5);
static int wfail(const vwalk *w, const uint8_t *at, int code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return dlt_error_set(w->err, code, "variant value at byte %zu: %s",
	                     at && w->base ? (size_t)(at - w->base) : 0, msg);
}

static int cont_parse(vcont *c, const vwalk *w, const uint8_t *p, size_t avail)
{
	int h = p[0] >> 2;
	bool obj = (p[0] & 3) == VB_OBJECT;
	size_t pos = 1, nsz, ids_len, offs_len, tab;

	c->osz = (h & 3) + 1;
	c->isz = obj ? ((h >> 2) & 3) + 1 : 0;
	nsz = (obj ? (h >> 4) & 1 : (h >> 2) & 1) ? 4 : 1;
	if (avail < pos + nsz)
		return wfail(w, p, DLT_ECORRUPT, "truncated %s header", obj ? "object" : "array");
	c->n = load_le(p + pos, (int)nsz);
	pos += nsz;
	if (dlt_mul_overflow(c->n, (size_t)c->isz, &ids_len) ||
	    dlt_mul_overflow((size_t)c->n + 1, (size_t)c->osz, &offs_len) ||
	    dlt_add_overflow(ids_len, offs_len, &tab) || tab > avail - pos)
		return wfail(w, p, DLT_ECORRUPT, "%s of %" PRIu32 " elements: header runs past "
		             "the end (%zu bytes left)", obj ? "object" : "array", c->n, avail);
	c->ids = p + pos;
	c->offs = p + pos + ids_len;
	pos += tab;
	c->data = p + pos;
	c->data_len = load_le(c->offs + (size_t)c->n * c->osz, c->osz);
	if (c->data_len > avail - pos)
		return wfail(w, p, DLT_ECORRUPT, "%s values (%zu bytes) run past the end "
		             "(%zu bytes left)", obj ? "object" : "array", c->data_len, avail - pos);
	return DLT_OK;
}

/* Start of element i's value inside the container's value bytes. */
static int cont_elem(const vcont *c, const vwalk *w, uint32_t i, const uint8_t **p, size_t *avail)
{
	size_t off = load_le(c->offs + (size_t)i * c->osz, c->osz);
	if (off >= c->data_len)
		return wfail(w, c->offs, DLT_ECORRUPT, "element %" PRIu32 " starts at %zu, past "
		             "its container's %zu value bytes", i, off, c->data_len);
	*p = c->data + off;
	*avail = c->data_len - off;
	return DLT_OK;
}

/* Size of the value at p (shallow: containers by their header), checked to fit. */
static int value_size(const vwalk *w, const uint8_t *p, size_t avail, size_t *size)
{
	int h;
	if (avail < 1)
		return wfail(w, p, DLT_ECORRUPT, "truncated value: no header byte");
	h = p[0] >> 2;
	switch (p[0] & 3) {
	case VB_PRIMITIVE:
		if (h >= VT_COUNT)
			return wfail(w, p, DLT_EUNSUPPORTED, "unknown primitive type id %d", h);
		if (prim_data_size[h] >= 0) {
			*size = 1 + (size_t)prim_data_size[h];
		} else {
			if (avail < 5)
				return wfail(w, p, DLT_ECORRUPT, "truncated %s length",
				             h == VT_STRING ? "string" : "binary");
			if (dlt_add_overflow(5, (size_t)load_le(p + 1, 4), size))
				return wfail(w, p, DLT_ECORRUPT, "string or binary too long");
		}
		break;
	case VB_SHORT_STRING:
		*size = 1 + (size_t)h;
		break;
	default: {
		vcont c;
		int rc = cont_parse(&c, w, p, avail);
		if (rc < 0)
			return rc;
		*size = (size_t)(c.data - p) + c.data_len;
		return DLT_OK;
	}
	}
	if (*size > avail)
		return wfail(w, p, DLT_ECORRUPT, "truncated value: needs %zu bytes, %zu left", *size,
		             avail);
	return DLT_OK;
}

/* JSON string: quotes, backslash and control characters escaped; UTF-8 kept. */
static int text_string(dlt_buf *b, const uint8_t *s, size_t n, dlt_error *err)
{
	static const char hex[] = "0123456789abcdef";
	int rc = dlt_buf_append_byte(b, '"', err);
	for (size_t i = 0; i < n && rc == DLT_OK; i++) {
		uint8_t c = s[i];
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			rc = dlt_buf_append(b, e, 2, err);
		} else if (c < 0x20) {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			rc = dlt_buf_append(b, e, 6, err);
		} else {
			rc = dlt_buf_append_byte(b, c, err);
		}
	}
	return rc < 0 ? rc : dlt_buf_append_byte(b, '"', err);
}

/* {"$tag":"text"}: a value JSON has no type for. */
static int text_tagged(dlt_buf *b, const char *tag, const char *s, size_t n, dlt_error *err)
{
	int rc;
	if ((rc = dlt_buf_appendf(b, err, "{\"$%s\":", tag)) < 0 ||
	    (rc = text_string(b, (const uint8_t *)s, n, err)) < 0)
		return rc;
	return dlt_buf_append_byte(b, '}', err);
}

static int text_double(dlt_buf *b, double v, bool is_float, dlt_error *err)
{
	char s[DLT_FORMAT_DOUBLE_MAX + 4];
	size_t n;
	if (isnan(v) || isinf(v)) {
		const char *t = isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
		return text_tagged(b, is_float ? "float" : "double", t, strlen(t), err);
	}
	n = is_float ? dlt_format_float(s, (float)v) : dlt_format_double(s, v);
	if (!memchr(s, '.', n) && !memchr(s, 'e', n) && !memchr(s, 'E', n)) {
		memcpy(s + n, ".0", 3); /* keep doubles apart from integers */
		n += 2;
	}
	return is_float ? text_tagged(b, "float", s, n, err) : dlt_buf_append(b, s, n, err);
}

/* Decimal: p is the value header; p[1] the scale, then the unscaled integer. */
static int text_decimal(dlt_buf *b, const uint8_t *p, int width, dlt_error *err)
{
	char s[DLT_FORMAT_DECIMAL_MAX];
	uint64_t words[2];
	if (width == 16) {
		words[0] = dlt_load_u64le(p + 2);
		words[1] = dlt_load_u64le(p + 10);
	} else {
		int64_t v = width == 4 ? (int64_t)(int32_t)dlt_load_u32le(p + 2)
		                       : (int64_t)dlt_load_u64le(p + 2);
		words[0] = (uint64_t)v;
		words[1] = v < 0 ? UINT64_MAX : 0; /* sign extension */
	}
	return text_tagged(b, "decimal", s, dlt_format_decimal(s, words, 2, p[1]), err);
}

static int text_uuid(dlt_buf *b, const uint8_t *u, dlt_error *err)
{
	static const char hex[] = "0123456789abcdef";
	char s[36];
	size_t o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			s[o++] = '-';
		s[o++] = hex[u[i] >> 4];
		s[o++] = hex[u[i] & 15];
	}
	return text_tagged(b, "uuid", s, o, err);
}

static int text_datetime(dlt_buf *b, int type, const uint8_t *d, dlt_error *err)
{
	char s[DLT_FORMAT_DATETIME_MAX];
	int64_t v = type == VT_DATE ? (int32_t)dlt_load_u32le(d) : (int64_t)dlt_load_u64le(d);
	switch (type) {
	case VT_DATE:
		return text_tagged(b, "date", s, dlt_format_date32(s, (int32_t)v), err);
	case VT_TIME:
		return text_tagged(b, "time", s, dlt_format_time(s, v, 2), err);
	case VT_TIMESTAMP:
		return text_tagged(b, "timestamptz", s, dlt_format_timestamp(s, v, 2, true), err);
	case VT_TIMESTAMP_NTZ:
		return text_tagged(b, "timestamp_ntz", s, dlt_format_timestamp(s, v, 2, false), err);
	case VT_TIMESTAMP_NANOS:
		return text_tagged(b, "timestamptz_nanos", s, dlt_format_timestamp(s, v, 3, true),
		                   err);
	default:
		return text_tagged(b, "timestamp_ntz_nanos", s,
		                   dlt_format_timestamp(s, v, 3, false), err);
	}
}

/* Text of a primitive already checked by walk_primitive. */
static int text_primitive(dlt_buf *b, const uint8_t *p, size_t size, dlt_error *err)
{
	int t = p[0] >> 2;
	const uint8_t *d = p + 1;
	switch (t) {
	case VT_NULL: return dlt_buf_append_str(b, "null", err);
	case VT_TRUE: return dlt_buf_append_str(b, "true", err);
	case VT_FALSE: return dlt_buf_append_str(b, "false", err);
	case VT_INT8: return dlt_buf_appendf(b, err, "%d", (int)(int8_t)d[0]);
	case VT_INT16: return dlt_buf_appendf(b, err, "%d", (int)(int16_t)dlt_load_u16le(d));
	case VT_INT32: return dlt_buf_appendf(b, err, "%" PRId32, (int32_t)dlt_load_u32le(d));
	case VT_INT64: return dlt_buf_appendf(b, err, "%" PRId64, (int64_t)dlt_load_u64le(d));
	case VT_DOUBLE: {
		double v;
		memcpy(&v, d, 8);
		return text_double(b, v, false, err);
	}
	case VT_FLOAT: {
		float v;
		memcpy(&v, d, 4);
		return text_double(b, v, true, err);
	}
	case VT_DECIMAL4: return text_decimal(b, p, 4, err);
	case VT_DECIMAL8: return text_decimal(b, p, 8, err);
	case VT_DECIMAL16: return text_decimal(b, p, 16, err);
	case VT_BINARY: {
		int rc = dlt_buf_append_str(b, "{\"$binary\":\"", err);
		if (rc == DLT_OK)
			rc = dlt_base64_encode(b, p + 5, size - 5, err);
		return rc < 0 ? rc : dlt_buf_append_str(b, "\"}", err);
	}
	case VT_STRING: return text_string(b, p + 5, size - 5, err);
	case VT_UUID: return text_uuid(b, d, err);
	default: return text_datetime(b, t, d, err);
	}
}

/* Checks a primitive needs beyond its size: UTF-8, decimal scale, time of day. */
static int walk_primitive(const vwalk *w, const uint8_t *p, size_t size)
{
	int t = p[0] >> 2;
	if (t == VT_STRING && !dlt_utf8_valid(p + 5, size - 5))
		return wfail(w, p, DLT_ECORRUPT, "string is not UTF-8");
	if ((t == VT_DECIMAL4 || t == VT_DECIMAL8 || t == VT_DECIMAL16) && p[1] > 38)
		return wfail(w, p, DLT_ECORRUPT, "decimal scale %d above 38", p[1]);
	if (t == VT_TIME) {
		int64_t v = (int64_t)dlt_load_u64le(p + 1);
		if (v < 0 || v >= MICROS_PER_DAY)
			return wfail(w, p, DLT_ECORRUPT, "time %" PRId64 " us outside a day", v);
	}
	return w->text ? text_primitive(w->text, p, size, w->err) : DLT_OK;
}

static int walk_value(const vwalk *w, const uint8_t *p, size_t avail, int depth, size_t *size);

/* Count element i's es bytes into *used. The fields of a container are its
 * num_elements values (VariantEncoding.md "Value encoding grammar"): sizes
 * adding up past the value bytes mean elements sharing bytes, which would
 * make walking (and the text) exponential in the input size. */
static int cont_used(const vcont *c, const vwalk *w, uint32_t i, size_t es, size_t *used)
{
	if (es > c->data_len - *used)
		return wfail(w, c->offs, DLT_ECORRUPT, "element %" PRIu32 " overlaps others: the "
		             "element sizes add up past the %zu value bytes", i, c->data_len);
	*used += es;
	return DLT_OK;
}

static int walk_array(const vwalk *w, const uint8_t *p, size_t avail, int depth)
{
	vcont c;
	size_t used = 0;
	int rc = cont_parse(&c, w, p, avail);
	if (rc == DLT_OK && w->text)
		rc = dlt_buf_append_byte(w->text, '[', w->err);
	for (uint32_t i = 0; i < c.n && rc == DLT_OK; i++) {
		const uint8_t *e;
		size_t ea, es;
		if (i > 0 && w->text && (rc = dlt_buf_append_byte(w->text, ',', w->err)) < 0)
			break;
		if ((rc = cont_elem(&c, w, i, &e, &ea)) == DLT_OK &&
		    (rc = walk_value(w, e, ea, depth + 1, &es)) == DLT_OK)
			rc = cont_used(&c, w, i, es, &used);
	}
	if (rc == DLT_OK && w->text)
		rc = dlt_buf_append_byte(w->text, ']', w->err);
	return rc;
}

/* Object fields must be listed by name, unique (VariantEncoding.md "Object
 * field ID order and uniqueness"), so the text comes out in key order. */
static int walk_object(const vwalk *w, const uint8_t *p, size_t avail, int depth)
{
	const uint8_t *prev = NULL, *key;
	size_t prev_len = 0, key_len, used = 0;
	vcont c;
	int rc = cont_parse(&c, w, p, avail);
	if (rc == DLT_OK && w->text)
		rc = dlt_buf_append_byte(w->text, '{', w->err);
	for (uint32_t i = 0; i < c.n && rc == DLT_OK; i++) {
		uint32_t id = load_le(c.ids + (size_t)i * c.isz, c.isz);
		const uint8_t *e;
		size_t ea, es;
		if (id >= w->m->n)
			return wfail(w, p, DLT_ECORRUPT, "field id %" PRIu32 " not in the metadata "
			             "(%" PRIu32 " names)", id, w->m->n);
		meta_name(w->m, id, &key, &key_len);
		if (prev && name_cmp(prev, prev_len, key, key_len) >= 0)
			return wfail(w, p, DLT_ECORRUPT, "object field '%.*s' %s", (int)key_len,
			             (const char *)key,
			             name_cmp(prev, prev_len, key, key_len) ? "out of name order"
			                                                    : "duplicated");
		prev = key;
		prev_len = key_len;
		if (w->text && ((i > 0 && (rc = dlt_buf_append_byte(w->text, ',', w->err)) < 0) ||
		                (rc = text_string(w->text, key, key_len, w->err)) < 0 ||
		                (rc = dlt_buf_append_byte(w->text, ':', w->err)) < 0))
			break;
		if ((rc = cont_elem(&c, w, i, &e, &ea)) == DLT_OK &&
		    (rc = walk_value(w, e, ea, depth + 1, &es)) == DLT_OK)
			rc = cont_used(&c, w, i, es, &used);
	}
	if (rc == DLT_OK && w->text)
		rc = dlt_buf_append_byte(w->text, '}', w->err);
	return rc;
}

/* Check (and render if w->text) the value at p; *size is its length. */
static int walk_value(const vwalk *w, const uint8_t *p, size_t avail, int depth, size_t *size)
{
	int rc;
	if (depth > DLT_VARIANT_MAX_DEPTH)
		return wfail(w, p, DLT_ELIMIT, "nested deeper than %d", DLT_VARIANT_MAX_DEPTH);
	if ((rc = value_size(w, p, avail, size)) < 0)
		return rc;
	switch (p[0] & 3) {
	case VB_PRIMITIVE:
		return walk_primitive(w, p, *size);
	case VB_SHORT_STRING:
		if (!dlt_utf8_valid(p + 1, *size - 1))
			return wfail(w, p, DLT_ECORRUPT, "short string is not UTF-8");
		return w->text ? text_string(w->text, p + 1, *size - 1, w->err) : DLT_OK;
	case VB_OBJECT:
		return walk_object(w, p, avail, depth);
	default:
		return walk_array(w, p, avail, depth);
	}
}

/* Check a whole value of exactly vlen bytes under metadata m. */
static int walk_top(const vmeta *m, const uint8_t *value, size_t vlen, int depth, dlt_buf *text,
                    dlt_error *err)
{
	vwalk w = { m, text, value, err };
	size_t size;
	int rc = walk_value(&w, value, vlen, depth, &size);
	if (rc == DLT_OK && size != vlen)
		rc = wfail(&w, value + size, DLT_ECORRUPT, "%zu trailing bytes after the value",
		           vlen - size);
	return rc;
}

static int meta_parse_exact(vmeta *m, const uint8_t *p, size_t n, dlt_error *err)
{
	int rc = meta_parse(m, p, n, err);
	if (rc == DLT_OK && m->len != n)
		rc = dlt_error_set(err, DLT_ECORRUPT, "variant metadata: %zu trailing bytes",
		                   n - m->len);
	return rc;
}

int dlt_variant__validate(const uint8_t *metadata, size_t mlen, const uint8_t *value,
                          size_t vlen, dlt_error *err)
{
	vmeta m;
	int rc;
	DLT_ARG_CHECK((metadata != NULL || mlen == 0) && (value != NULL || vlen == 0), err);
	if ((rc = meta_parse_exact(&m, metadata, mlen, err)) < 0)
		return rc;
	return walk_top(&m, value, vlen, 0, NULL, err);
}

int dlt_variant__to_text(dlt_buf *out, const uint8_t *metadata, size_t mlen,
                         const uint8_t *value, size_t vlen, dlt_error *err)
{
	vmeta m;
	int rc;
	DLT_ARG_CHECK(out != NULL, err);
	DLT_ARG_CHECK((metadata != NULL || mlen == 0) && (value != NULL || vlen == 0), err);
	if ((rc = meta_parse_exact(&m, metadata, mlen, err)) < 0)
		return rc;
	return walk_top(&m, value, vlen, 0, out, err);
}

/* ====================== unshredding: the plan ====================== */

/* A place in the variant, for messages: "$", "$.a", "$.a[2]" ("[]" in plans). */
typedef struct vpath {
	const struct vpath *up; /* NULL: the root */
	const char *name;       /* object field; NULL: array element */
	size_t name_len;
	int64_t index;          /* array element; -1: any */
} vpath;

static const vpath root_path = { NULL, NULL, 0, -1 };

static void path_text(char *buf, size_t cap, const vpath *p)
{
	const vpath *chain[24]; /* the deepest steps; the rest shows as "..." */
	int n = 0;
	bool cut = false;
	size_t o;
	for (; p && p->up; p = p->up) {
		if (n == 24) {
			cut = true;
			break;
		}
		chain[n++] = p;
	}
	o = (size_t)snprintf(buf, cap, "%s", cut ? "$..." : "$");
	while (n-- > 0 && o < cap) {
		const vpath *q = chain[n];
		int k = q->name ? snprintf(buf + o, cap - o, ".%.*s", (int)DLT_MIN(q->name_len, 64),
		                           q->name)
		        : q->index < 0 ? snprintf(buf + o, cap - o, "[]")
		                       : snprintf(buf + o, cap - o, "[%" PRId64 "]", q->index);
		if (k < 0)
			break;
		o += (size_t)k;
	}
}

static int pfail(dlt_error *err, const vpath *path, int code, const char *fmt, ...)
	DLT_PRINTF(4, 5);
static int pfail(dlt_error *err, const vpath *path, int code, const char *fmt, ...)
{
	char msg[256], where[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	path_text(where, sizeof(where), path);
	return dlt_error_set(err, code, "at %s: %s", where, msg);
}

/* How to read a binary or string column: offset width, dictionary encoding. */
typedef struct vbytes {
	bool large;      /* int64 offsets */
	int index_width; /* dictionary index bytes; 0: not dictionary-encoded */
} vbytes;

/* *type is the value type (the dictionary's for dictionary-encoded columns). */
static int bytes_plan(vbytes *b, dlt_atype *type, const struct ArrowSchema *s, dlt_error *err)
{
	dlt_type_view tv;
	int rc;
	b->index_width = 0;
	if (s->dictionary) {
		if ((rc = dlt_arrow__parse_format(&tv, s->format, err)) < 0)
			return rc;
		if (!dlt_arrow__is_integer(tv.type) || !dlt_arrow__is_signed(tv.type))
			return dlt_error_set(err, DLT_EUNSUPPORTED, "dictionary index type '%s'",
			                     s->format);
		b->index_width = tv.bit_width / 8;
		s = s->dictionary;
	}
	if ((rc = dlt_arrow__parse_format(&tv, s->format, err)) < 0)
		return rc;
	*type = tv.type;
	b->large = tv.type == DLT_AT_LARGE_STRING || tv.type == DLT_AT_LARGE_BINARY;
	return DLT_OK;
}

static bool is_binary(dlt_atype t) { return t == DLT_AT_BINARY || t == DLT_AT_LARGE_BINARY; }
static bool is_string(dlt_atype t) { return t == DLT_AT_STRING || t == DLT_AT_LARGE_STRING; }

/* Bytes of logical element i; -1 for a dictionary index out of range. */
static int bytes_at(const vbytes *b, const struct ArrowArray *a, int64_t i, const uint8_t **p,
                    size_t *n)
{
	int64_t j, s, e;
	if (b->index_width) {
		const uint8_t *ix = (const uint8_t *)a->buffers[1] + (a->offset + i) * b->index_width;
		int64_t k = b->index_width == 1   ? (int64_t)(int8_t)ix[0]
		            : b->index_width == 2 ? (int64_t)(int16_t)dlt_load_u16le(ix)
		            : b->index_width == 4 ? (int64_t)(int32_t)dlt_load_u32le(ix)
		                                  : (int64_t)dlt_load_u64le(ix);
		a = a->dictionary;
		if (!a || k < 0 || k >= a->length)
			return -1;
		i = k;
	}
	j = a->offset + i;
	if (b->large) {
		s = ((const int64_t *)a->buffers[1])[j];
		e = ((const int64_t *)a->buffers[1])[j + 1];
	} else {
		s = ((const int32_t *)a->buffers[1])[j];
		e = ((const int32_t *)a->buffers[1])[j + 1];
	}
	*n = (size_t)(e - s);
	*p = *n ? (const uint8_t *)a->buffers[2] + s : (const uint8_t *)""; /* no NULL + 0 */
	return 0;
}

typedef enum vkind { VK_NONE = 0, VK_PRIM, VK_LIST, VK_OBJECT } vkind;
typedef enum vprim { VP_FIXED = 0, VP_BOOL, VP_DECIMAL, VP_STRING, VP_BINARY } vprim;

typedef struct vfield vfield;

/* One {value, typed_value} group of the shredded schema, compiled once per call. */
typedef struct vnode {
	int64_t value_child, typed_child; /* children of the group struct; -1: absent */
	vbytes value_bytes;
	vkind kind;                       /* of typed_value */
	vprim prim;                       /* VK_PRIM: how to encode */
	uint8_t type_id;                  /*   variant primitive type id */
	int width;                        /*   VP_FIXED bytes copied; VP_DECIMAL 4, 8 or 16 */
	uint8_t scale;                    /*   VP_DECIMAL */
	vbytes typed_bytes;               /*   VP_STRING, VP_BINARY */
	bool list_large;                  /* VK_LIST: int64 offsets */
	struct vnode *elem;               /*   the element group */
	vfield *fields;                   /* VK_OBJECT: shredded fields in schema order */
	size_t n_fields;
	const vfield **by_name;           /*   sorted by name, to drop them from `value` */
	uint32_t *ids;                    /*   their ids in ids_meta (NOT_FOUND: absent) */
	const uint8_t *ids_meta;          /*   the metadata bytes ids were looked up in */
	size_t ids_meta_len;
} vnode;

struct vfield {
	const char *name; /* borrowed from the input schema */
	size_t name_len;
	vnode node;
};

static void node_free(vnode *nd)
{
	if (nd->elem) {
		node_free(nd->elem);
		dlt_free(nd->elem);
	}
	for (size_t k = 0; k < nd->n_fields; k++)
		node_free(&nd->fields[k].node);
	dlt_free(nd->fields);
	dlt_free(nd->by_name);
	dlt_free(nd->ids);
}

static int plan_group(vnode *nd, const struct ArrowSchema *g, const vpath *path, int depth,
                      bool top, dlt_error *err);

static int unsupported_type(dlt_error *err, const vpath *path, const char *format)
{
	char d[96];
	return pfail(err, path, DLT_EUNSUPPORTED, "unsupported shredded value type: %s",
	             dlt_arrow__format_describe(format, d, sizeof(d)));
}

/* Decimal width by precision (VariantEncoding.md "Decimal table"). */
static int plan_decimal(vnode *nd, const dlt_type_view *tv, const vpath *path,
                        const char *format, dlt_error *err)
{
	if (tv->precision < 1 || tv->precision > 38 || tv->scale < 0 || tv->scale > 38)
		return unsupported_type(err, path, format);
	nd->prim = VP_DECIMAL;
	nd->scale = (uint8_t)tv->scale;
	nd->width = tv->precision <= 9 ? 4 : tv->precision <= 18 ? 8 : 16;
	nd->type_id = nd->width == 4 ? VT_DECIMAL4 : nd->width == 8 ? VT_DECIMAL8 : VT_DECIMAL16;
	return DLT_OK;
}

/* Arrow types of VariantShredding.md "Shredded Value Types", as our reader maps them. */
static int plan_prim(vnode *nd, const struct ArrowSchema *ts, const dlt_type_view *tv,
                     const vpath *path, dlt_error *err)
{
	static const struct { dlt_atype t; int width; uint8_t id; } fixed[] = {
		{ DLT_AT_INT8, 1, VT_INT8 },     { DLT_AT_INT16, 2, VT_INT16 },
		{ DLT_AT_INT32, 4, VT_INT32 },   { DLT_AT_INT64, 8, VT_INT64 },
		{ DLT_AT_FLOAT32, 4, VT_FLOAT }, { DLT_AT_FLOAT64, 8, VT_DOUBLE },
		{ DLT_AT_DATE32, 4, VT_DATE },
	};
	bool tz = tv->tz != NULL && tv->tz[0] != '\0';
	nd->kind = VK_PRIM;
	nd->prim = VP_FIXED;
	for (size_t k = 0; k < sizeof(fixed) / sizeof(fixed[0]); k++) {
		if (fixed[k].t == tv->type) {
			nd->width = fixed[k].width;
			nd->type_id = fixed[k].id;
			return DLT_OK;
		}
	}
	nd->width = 8;
	if (tv->type == DLT_AT_TIME64 && tv->unit == DLT_TU_MICRO)
		nd->type_id = VT_TIME;
	else if (tv->type == DLT_AT_TIMESTAMP && tv->unit == DLT_TU_MICRO)
		nd->type_id = tz ? VT_TIMESTAMP : VT_TIMESTAMP_NTZ;
	else if (tv->type == DLT_AT_TIMESTAMP && tv->unit == DLT_TU_NANO)
		nd->type_id = tz ? VT_TIMESTAMP_NANOS : VT_TIMESTAMP_NTZ_NANOS;
	else if (tv->type == DLT_AT_FIXED_BINARY && tv->byte_width == 16) {
		nd->width = 16; /* UUID: 16 big-endian bytes in Parquet and in Variant */
		nd->type_id = VT_UUID;
	} else if (tv->type == DLT_AT_BOOL)
		nd->prim = VP_BOOL;
	else if (tv->type == DLT_AT_DECIMAL128)
		return plan_decimal(nd, tv, path, ts->format, err);
	else if (is_string(tv->type) || is_binary(tv->type)) {
		nd->prim = is_string(tv->type) ? VP_STRING : VP_BINARY;
		nd->typed_bytes.large = tv->type == DLT_AT_LARGE_STRING ||
		                        tv->type == DLT_AT_LARGE_BINARY;
		nd->typed_bytes.index_width = 0;
	} else
		return unsupported_type(err, path, ts->format);
	return DLT_OK;
}

static int field_cmp(const void *a, const void *b)
{
	const vfield *x = *(const vfield *const *)a, *y = *(const vfield *const *)b;
	return name_cmp((const uint8_t *)x->name, x->name_len, (const uint8_t *)y->name,
	                y->name_len);
}

static int plan_object(vnode *nd, const struct ArrowSchema *ts, const vpath *path, int depth,
                       dlt_error *err)
{
	size_t n = (size_t)ts->n_children;
	int rc;
	nd->kind = VK_OBJECT;
	nd->fields = dlt_calloc(n ? n : 1, sizeof(*nd->fields));
	nd->by_name = dlt_calloc(n ? n : 1, sizeof(*nd->by_name));
	nd->ids = dlt_calloc(n ? n : 1, sizeof(*nd->ids));
	if (!nd->fields || !nd->by_name || !nd->ids)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory planning a shredded object");
	for (size_t k = 0; k < n; k++) {
		const struct ArrowSchema *c = ts->children[k];
		vfield *f = &nd->fields[k];
		vpath sub;
		nd->n_fields = k + 1; /* node_free frees what was planned so far */
		f->name = c->name ? c->name : "";
		f->name_len = strlen(f->name);
		nd->by_name[k] = f;
		sub = (vpath){ path, f->name, f->name_len, -1 };
		if (strcmp(c->format, "+s") != 0)
			return pfail(err, &sub, DLT_ECORRUPT, "a shredded object field must be a "
			             "{value, typed_value} struct, not '%s'", c->format);
		if ((rc = plan_group(&f->node, c, &sub, depth + 1, false, err)) < 0)
			return rc;
	}
	qsort(nd->by_name, n, sizeof(*nd->by_name), field_cmp);
	for (size_t k = 1; k < n; k++) {
		if (field_cmp(&nd->by_name[k - 1], &nd->by_name[k]) == 0)
			return pfail(err, path, DLT_ECORRUPT, "shredded field '%s' appears twice",
			             nd->by_name[k]->name);
	}
	return DLT_OK;
}

static int plan_list(vnode *nd, const struct ArrowSchema *ts, const dlt_type_view *tv,
                     const vpath *path, int depth, dlt_error *err)
{
	vpath sub = { path, NULL, 0, -1 };
	nd->kind = VK_LIST;
	nd->list_large = tv->type == DLT_AT_LARGE_LIST;
	if (ts->n_children != 1 || strcmp(ts->children[0]->format, "+s") != 0)
		return pfail(err, &sub, DLT_ECORRUPT, "a shredded array element must be a "
		             "{value, typed_value} struct");
	if (!(nd->elem = dlt_calloc(1, sizeof(*nd->elem))))
		return dlt_error_set(err, DLT_ENOMEM, "out of memory planning a shredded array");
	return plan_group(nd->elem, ts->children[0], &sub, depth + 1, false, err);
}

static int plan_typed(vnode *nd, const struct ArrowSchema *ts, const vpath *path, int depth,
                      dlt_error *err)
{
	dlt_type_view tv;
	int rc;
	if (ts->dictionary) { /* our reader's dictionary mode: strings and binaries only */
		dlt_atype t;
		if ((rc = bytes_plan(&nd->typed_bytes, &t, ts, err)) < 0)
			return rc;
		if (!is_string(t) && !is_binary(t))
			return unsupported_type(err, path, ts->dictionary->format);
		nd->kind = VK_PRIM;
		nd->prim = is_string(t) ? VP_STRING : VP_BINARY;
		return DLT_OK;
	}
	if ((rc = dlt_arrow__parse_format(&tv, ts->format, err)) < 0)
		return rc;
	if (tv.type == DLT_AT_STRUCT)
		return plan_object(nd, ts, path, depth, err);
	if (tv.type == DLT_AT_LIST || tv.type == DLT_AT_LARGE_LIST)
		return plan_list(nd, ts, &tv, path, depth, err);
	return plan_prim(nd, ts, &tv, path, err);
}

/* Columns of a group are found by name (VariantShredding.md: "must be
 * accessed by name, not by position"); anything else is not a variant. */
static int plan_group(vnode *nd, const struct ArrowSchema *g, const vpath *path, int depth,
                      bool top, dlt_error *err)
{
	int rc;
	nd->value_child = nd->typed_child = -1;
	if (depth > DLT_VARIANT_MAX_DEPTH)
		return pfail(err, path, DLT_ELIMIT, "shredded schema nested deeper than %d",
		             DLT_VARIANT_MAX_DEPTH);
	for (int64_t k = 0; k < g->n_children; k++) {
		const struct ArrowSchema *c = g->children[k];
		const char *name = c->name ? c->name : "";
		if (strcmp(name, "value") == 0 && nd->value_child < 0) {
			dlt_atype t;
			if ((rc = bytes_plan(&nd->value_bytes, &t, c, err)) < 0)
				return rc;
			if (!is_binary(t))
				return pfail(err, path, DLT_ECORRUPT, "'value' must be binary, not '%s'",
				             c->format);
			nd->value_child = k;
		} else if (strcmp(name, "typed_value") == 0 && nd->typed_child < 0) {
			nd->typed_child = k;
			if ((rc = plan_typed(nd, c, path, depth, err)) < 0)
				return rc;
		} else if (!(top && strcmp(name, "metadata") == 0)) {
			return pfail(err, path, DLT_ECORRUPT, "unexpected field '%s' in a variant group",
			             name);
		}
	}
	if (nd->value_child < 0 && nd->typed_child < 0)
		return pfail(err, path, DLT_ECORRUPT, "variant group has neither 'value' nor "
		             "'typed_value'");
	return DLT_OK;
}

/* ====================== unshredding: rows ====================== */

/* An element of a container being built: where its value starts in the
 * container's value bytes, and for objects its field id and name. */
typedef struct vent {
	uint32_t id;
	const uint8_t *name;
	size_t name_len;
	size_t off;
} vent;

typedef struct vctx {
	const char *column;        /* for messages */
	int64_t row;
	vmeta meta;                /* of the current row */
	const uint8_t *meta_bytes; /* the row's metadata (NULL before the first row) */
	size_t meta_len;
	vent *ents;                /* stack: entries of the containers being built */
	size_t n_ents, cap_ents;
	dlt_error *err;
} vctx;

static int rfail(const vctx *ctx, const vpath *path, int code, const char *fmt, ...)
	DLT_PRINTF(4, 5);
static int rfail(const vctx *ctx, const vpath *path, int code, const char *fmt, ...)
{
	char msg[256], where[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	path_text(where, sizeof(where), path);
	dlt_error_set(ctx->err, code, "variant column '%s' row %" PRId64 " at %s: %s",
	              ctx->column, ctx->row, where, msg);
	dlt_error__set_row(ctx->err, ctx->row);
	return code;
}

/* Name the column, row and path of an error raised by the value walker. */
static int rprefix(const vctx *ctx, const vpath *path, int rc)
{
	char where[256];
	path_text(where, sizeof(where), path);
	dlt_error_prefix(ctx->err, "variant column '%s' row %" PRId64 " at %s", ctx->column,
	                 ctx->row, where);
	dlt_error__set_row(ctx->err, ctx->row);
	return rc;
}

static int ents_push(vctx *ctx, uint32_t id, const uint8_t *name, size_t name_len, size_t off)
{
	if (ctx->n_ents == ctx->cap_ents) {
		size_t cap = ctx->cap_ents ? ctx->cap_ents * 2 : 32;
		vent *e = dlt_realloc(ctx->ents, cap * sizeof(*e));
		if (!e)
			return dlt_error_set(ctx->err, DLT_ENOMEM, "out of memory building a variant");
		ctx->ents = e;
		ctx->cap_ents = cap;
	}
	ctx->ents[ctx->n_ents++] = (vent){ id, name, name_len, off };
	return DLT_OK;
}

static int ent_cmp(const void *a, const void *b)
{
	const vent *x = a, *y = b;
	return name_cmp(x->name, x->name_len, y->name, y->name_len);
}

/* Close the container whose values were appended to out from `start` and
 * whose entries are ctx->ents[base..]: sort object fields by name, pick
 * minimal widths, then slide the values right to make room for the header
 * (its size is known only now). */
static int finish_container(vctx *ctx, bool obj, size_t base, size_t start, dlt_buf *out,
                            const vpath *path)
{
	vent *e = ctx->ents + base;
	size_t n = ctx->n_ents - base, values = out->len - start, hdr, pos;
	uint32_t max_id = 0;
	int isz = 0, osz, nsz = n > 255 ? 4 : 1, rc;
	uint8_t *q;
	if (values > UINT32_MAX)
		return rfail(ctx, path, DLT_ELIMIT, "variant value larger than 4 GiB");
	if (obj) {
		if (n > 1) /* ents may still be NULL */
			qsort(e, n, sizeof(*e), ent_cmp);
		for (size_t i = 0; i < n; i++) {
			if (i > 0 && ent_cmp(&e[i - 1], &e[i]) == 0)
				return rfail(ctx, path, DLT_ECORRUPT, "field '%.*s' appears twice",
				             (int)DLT_MIN(e[i].name_len, 64), (const char *)e[i].name);
			max_id = DLT_MAX(max_id, e[i].id);
		}
		isz = width_for(max_id);
	}
	osz = width_for(values);
	hdr = 1 + (size_t)nsz + n * (size_t)isz + (n + 1) * (size_t)osz;
	if ((rc = dlt_buf_reserve(out, hdr, ctx->err)) < 0)
		return rc;
	q = out->data + start;
	memmove(q + hdr, q, values);
	q[0] = obj ? (uint8_t)(VB_OBJECT | ((nsz == 4) << 4 | (isz - 1) << 2 | (osz - 1)) << 2)
	           : (uint8_t)(VB_ARRAY | ((nsz == 4) << 2 | (osz - 1)) << 2);
	store_le(q + 1, n, nsz);
	pos = 1 + (size_t)nsz;
	for (size_t i = 0; obj && i < n; i++, pos += (size_t)isz)
		store_le(q + pos, e[i].id, isz);
	for (size_t i = 0; i < n; i++, pos += (size_t)osz)
		store_le(q + pos, e[i].off, osz);
	store_le(q + pos, values, osz);
	out->len += hdr;
	ctx->n_ents = base;
	return DLT_OK;
}

/* Field ids of a shredded object's names in the row's metadata, looked up
 * again only when the metadata bytes change (rows usually share them). */
static void resolve_ids(vctx *ctx, vnode *nd)
{
	if (nd->ids_meta && nd->ids_meta_len == ctx->meta_len &&
	    (nd->ids_meta == ctx->meta_bytes ||
	     memcmp(nd->ids_meta, ctx->meta_bytes, ctx->meta_len) == 0)) {
		nd->ids_meta = ctx->meta_bytes;
		return;
	}
	for (size_t k = 0; k < nd->n_fields; k++)
		nd->ids[k] = meta_find(&ctx->meta, (const uint8_t *)nd->fields[k].name,
		                       nd->fields[k].name_len);
	nd->ids_meta = ctx->meta_bytes;
	nd->ids_meta_len = ctx->meta_len;
}

static bool is_shredded_name(const vnode *nd, const uint8_t *name, size_t len)
{
	vfield key = { (const char *)name, len, { 0 } };
	const vfield *kp = &key;
	return bsearch(&kp, nd->by_name, nd->n_fields, sizeof(*nd->by_name), field_cmp) != NULL;
}

static int emit_group(vctx *ctx, vnode *nd, const struct ArrowArray *g, int64_t gi,
                      dlt_buf *out, bool *present, const vpath *path, int depth);

/* A shredded primitive: Arrow storage to the variant encoding (both little-endian). */
static int emit_prim(vctx *ctx, const vnode *nd, const struct ArrowArray *t, int64_t ti,
                     dlt_buf *out, const vpath *path)
{
	int64_t j = t->offset + ti;
	const uint8_t *p;
	size_t n;
	uint8_t h[6];
	int rc;
	switch (nd->prim) {
	case VP_BOOL:
		return dlt_buf_append_byte(out, (uint8_t)((dlt_arrow__bit(t->buffers[1], j) ? VT_TRUE
		                                                                          : VT_FALSE)
		                                          << 2), ctx->err);
	case VP_FIXED:
		h[0] = (uint8_t)(nd->type_id << 2);
		if ((rc = dlt_buf_append_byte(out, h[0], ctx->err)) < 0)
			return rc;
		return dlt_buf_append(out, (const uint8_t *)t->buffers[1] + j * nd->width,
		                      (size_t)nd->width, ctx->err);
	case VP_DECIMAL: {
		const uint8_t *d = (const uint8_t *)t->buffers[1] + j * 16;
		int64_t lo = (int64_t)dlt_load_u64le(d), hi = (int64_t)dlt_load_u64le(d + 8);
		bool fits = nd->width == 16 || (hi == (lo < 0 ? -1 : 0) &&
		                                (nd->width == 8 || (lo >= INT32_MIN && lo <= INT32_MAX)));
		if (!fits)
			return rfail(ctx, path, DLT_ECORRUPT, "decimal value exceeds its precision");
		h[0] = (uint8_t)(nd->type_id << 2);
		h[1] = nd->scale;
		if ((rc = dlt_buf_append(out, h, 2, ctx->err)) < 0)
			return rc;
		return dlt_buf_append(out, d, (size_t)nd->width, ctx->err); /* low bytes of LE */
	}
	default:
		break;
	}
	if (bytes_at(&nd->typed_bytes, t, ti, &p, &n) < 0)
		return rfail(ctx, path, DLT_ECORRUPT, "dictionary index out of range");
	if (n > UINT32_MAX)
		return rfail(ctx, path, DLT_ELIMIT, "value of %zu bytes exceeds 4 GiB", n);
	if (nd->prim == VP_STRING && !dlt_utf8_valid(p, n))
		return rfail(ctx, path, DLT_ECORRUPT, "string is not UTF-8");
	if (nd->prim == VP_STRING && n < 64) { /* short string: length in the header */
		h[0] = (uint8_t)(VB_SHORT_STRING | n << 2);
		rc = dlt_buf_append_byte(out, h[0], ctx->err);
	} else {
		h[0] = (uint8_t)((nd->prim == VP_STRING ? VT_STRING : VT_BINARY) << 2);
		dlt_store_u32le(h + 1, (uint32_t)n);
		rc = dlt_buf_append(out, h, 5, ctx->err);
	}
	return rc < 0 ? rc : dlt_buf_append(out, p, n, ctx->err);
}

static int emit_list(vctx *ctx, const vnode *nd, const struct ArrowArray *l, int64_t li,
                     dlt_buf *out, const vpath *path, int depth)
{
	const struct ArrowArray *el = l->children[0];
	int64_t j = l->offset + li, b, e;
	size_t base = ctx->n_ents, start = out->len;
	int rc;
	if (nd->list_large) {
		b = ((const int64_t *)l->buffers[1])[j];
		e = ((const int64_t *)l->buffers[1])[j + 1];
	} else {
		b = ((const int32_t *)l->buffers[1])[j];
		e = ((const int32_t *)l->buffers[1])[j + 1];
	}
	if (b < 0 || e < b || e > el->length)
		return rfail(ctx, path, DLT_ECORRUPT, "list offsets out of range");
	for (int64_t k = b; k < e; k++) {
		vpath sub = { path, NULL, 0, k - b };
		size_t at = out->len;
		bool present = false;
		if (!dlt_arrow__is_null(el, k) &&
		    (rc = emit_group(ctx, nd->elem, el, k, out, &present, &sub, depth + 1)) < 0)
			return rc;
		/* Elements cannot be missing: an absent one reads as Variant null. */
		if (!present && (rc = dlt_buf_append_byte(out, VT_NULL, ctx->err)) < 0)
			return rc;
		if ((rc = ents_push(ctx, 0, NULL, 0, at - start)) < 0)
			return rc;
	}
	return finish_container(ctx, false, base, start, out, path);
}

/* Copy the fields of a partially shredded object's `value` that no shredded
 * column covers: on a name clash the shredded column wins (VariantShredding.md
 * lets readers assume `value` never repeats shredded fields). vp is validated. */
static int merge_value_fields(vctx *ctx, const vnode *nd, const uint8_t *vp, size_t vn,
                              dlt_buf *out, size_t start)
{
	vwalk w = { &ctx->meta, NULL, vp, ctx->err };
	vcont c;
	int rc = cont_parse(&c, &w, vp, vn);
	for (uint32_t i = 0; i < c.n && rc == DLT_OK; i++) {
		uint32_t id = load_le(c.ids + (size_t)i * c.isz, c.isz);
		const uint8_t *name, *e;
		size_t len, ea, es, at = out->len;
		meta_name(&ctx->meta, id, &name, &len);
		if (is_shredded_name(nd, name, len))
			continue;
		if ((rc = cont_elem(&c, &w, i, &e, &ea)) < 0 || (rc = value_size(&w, e, ea, &es)) < 0 ||
		    (rc = dlt_buf_append(out, e, es, ctx->err)) < 0)
			break;
		rc = ents_push(ctx, id, name, len, at - start);
	}
	return rc;
}

static int emit_object(vctx *ctx, vnode *nd, const struct ArrowArray *t, int64_t ti,
                       const uint8_t *vp, size_t vn, dlt_buf *out, const vpath *path, int depth)
{
	size_t base = ctx->n_ents, start = out->len;
	int rc;
	if (vp && (vp[0] & 3) != VB_OBJECT)
		return rfail(ctx, path, DLT_ECORRUPT, "non-object value with shredded fields");
	resolve_ids(ctx, nd);
	for (size_t k = 0; k < nd->n_fields; k++) {
		const vfield *f = &nd->fields[k];
		const struct ArrowArray *fa = t->children[k];
		int64_t fi = t->offset + ti;
		vpath sub = { path, f->name, f->name_len, -1 };
		size_t at = out->len;
		bool present;
		if (dlt_arrow__is_null(fa, fi))
			continue; /* a null field group (invalid but seen): the field is missing */
		if ((rc = emit_group(ctx, &nd->fields[k].node, fa, fi, out, &present, &sub,
		                     depth + 1)) < 0)
			return rc;
		if (!present)
			continue;
		if (nd->ids[k] == NOT_FOUND)
			return rfail(ctx, &sub, DLT_ECORRUPT, "field name missing from the metadata");
		if ((rc = ents_push(ctx, nd->ids[k], (const uint8_t *)f->name, f->name_len,
		                    at - start)) < 0)
			return rc;
	}
	if (vp && (rc = merge_value_fields(ctx, nd, vp, vn, out, start)) < 0)
		return rprefix(ctx, path, rc);
	return finish_container(ctx, true, base, start, out, path);
}

/*
 * One {value, typed_value} group at logical index gi of struct array g
 * (VariantShredding.md "Reconstructing a Shredded Variant"). *present is
 * false when both are null: the caller decides between Variant null and a
 * missing object field.
 */
static int emit_group(vctx *ctx, vnode *nd, const struct ArrowArray *g, int64_t gi,
                      dlt_buf *out, bool *present, const vpath *path, int depth)
{
	int64_t ci = g->offset + gi; /* a struct's offset applies to its children */
	const struct ArrowArray *va = nd->value_child >= 0 ? g->children[nd->value_child] : NULL;
	const struct ArrowArray *ta = nd->typed_child >= 0 ? g->children[nd->typed_child] : NULL;
	bool has_value = va && !dlt_arrow__is_null(va, ci);
	const uint8_t *vp = NULL;
	size_t vn = 0;
	int rc;

	*present = true;
	if (has_value) {
		if (bytes_at(&nd->value_bytes, va, ci, &vp, &vn) < 0)
			return rfail(ctx, path, DLT_ECORRUPT, "dictionary index out of range");
		if ((rc = walk_top(&ctx->meta, vp, vn, depth, NULL, ctx->err)) < 0)
			return rprefix(ctx, path, rc);
	}
	if (ta && !dlt_arrow__is_null(ta, ci)) {
		if (nd->kind == VK_OBJECT)
			return emit_object(ctx, nd, ta, ci, vp, vn, out, path, depth);
		if (has_value)
			return rfail(ctx, path, DLT_ECORRUPT, "conflicting value and typed_value");
		if (nd->kind == VK_LIST)
			return emit_list(ctx, nd, ta, ci, out, path, depth);
		return emit_prim(ctx, nd, ta, ci, out, path);
	}
	if (has_value)
		return dlt_buf_append(out, vp, vn, ctx->err);
	*present = false;
	return DLT_OK;
}

/* Reconstruct non-null row i of `in` into `value`. */
static int unshred_row(vctx *ctx, vnode *top, const vbytes *mbytes,
                       const struct ArrowArray *meta, const struct ArrowArray *in, int64_t i,
                       dlt_buf *value)
{
	int64_t mi = in->offset + i;
	const uint8_t *mp;
	size_t mn;
	bool present;
	int rc;
	ctx->row = i;
	ctx->n_ents = 0;
	dlt_buf_clear(value);
	if (dlt_arrow__is_null(meta, mi))
		return rfail(ctx, &root_path, DLT_ECORRUPT, "metadata is null");
	if (bytes_at(mbytes, meta, mi, &mp, &mn) < 0)
		return rfail(ctx, &root_path, DLT_ECORRUPT, "metadata dictionary index out of range");
	/* Rows usually share their metadata: check it once while it repeats. */
	if (!ctx->meta_bytes || mn != ctx->meta_len ||
	    (mp != ctx->meta_bytes && memcmp(mp, ctx->meta_bytes, mn) != 0)) {
		ctx->meta_bytes = NULL;
		if ((rc = meta_parse_exact(&ctx->meta, mp, mn, ctx->err)) < 0)
			return rprefix(ctx, &root_path, rc);
	}
	ctx->meta_bytes = mp;
	ctx->meta_len = mn;
	if ((rc = emit_group(ctx, top, in, i, value, &present, &root_path, 0)) < 0)
		return rc;
	/* Missing at the top level reads as Variant null (VariantShredding.md). */
	return present ? DLT_OK : dlt_buf_append_byte(value, VT_NULL, ctx->err);
}

/* ====================== unshredding: entry points ====================== */

static const struct ArrowSchema *child_named(const struct ArrowSchema *s, const char *name,
                                             int64_t *index)
{
	for (int64_t k = 0; k < s->n_children; k++) {
		if (s->children[k]->name && strcmp(s->children[k]->name, name) == 0) {
			if (index)
				*index = k;
			return s->children[k];
		}
	}
	return NULL;
}

bool dlt_variant__is_shredded(const struct ArrowSchema *s)
{
	const struct ArrowSchema *m;
	const char *f;
	if (!s || !s->format || strcmp(s->format, "+s") != 0)
		return false;
	if (!(m = child_named(s, "metadata", NULL)))
		return false;
	f = m->dictionary ? m->dictionary->format : m->format;
	if (!f || (strcmp(f, "z") != 0 && strcmp(f, "Z") != 0))
		return false;
	return child_named(s, "typed_value", NULL) != NULL;
}

int dlt_variant__unshredded_schema(struct ArrowSchema *out, const char *name, int64_t flags,
                                   dlt_error *err)
{
	int rc;
	DLT_ARG_CHECK(out != NULL, err);
	if ((rc = dlt_schema__init(out, "+s", name, flags, 2, err)) < 0)
		return rc;
	if ((rc = dlt_schema__init_leaf(out->children[0], "z", "metadata", false, err)) < 0 ||
	    (rc = dlt_schema__init_leaf(out->children[1], "z", "value", false, err)) < 0)
		dlt_schema__release(out);
	return rc;
}

static int plan_top(vnode *top, int64_t *meta_child, vbytes *mbytes,
                    const struct ArrowSchema *s, dlt_error *err)
{
	const struct ArrowSchema *m;
	dlt_atype t;
	int rc;
	if (!s->format || strcmp(s->format, "+s") != 0)
		return dlt_error_set(err, DLT_EINVAL, "not a variant struct: format '%s'",
		                     s->format ? s->format : "");
	if (!(m = child_named(s, "metadata", meta_child)))
		return dlt_error_set(err, DLT_EINVAL, "not a variant struct: no 'metadata' field");
	if ((rc = bytes_plan(mbytes, &t, m, err)) < 0)
		return rc;
	if (!is_binary(t))
		return dlt_error_set(err, DLT_EINVAL, "variant 'metadata' must be binary, not '%s'",
		                     m->format);
	return plan_group(top, s, &root_path, 0, true, err);
}

static int binary_builder(dlt_builder **out, const char *name, int64_t n, dlt_error *err)
{
	struct ArrowSchema s;
	int rc = dlt_schema__init_leaf(&s, "z", name, false, err);
	if (rc < 0)
		return rc;
	rc = dlt_builder__new(out, &s, err);
	dlt_schema__release(&s);
	return rc < 0 ? rc : dlt_builder__reserve(*out, n, err);
}

/* The output struct: built by hand so that null rows keep non-null (empty)
 * children, as the non-nullable child fields promise. */
static int assemble(struct ArrowArray *out, dlt_builder *mb, dlt_builder *vb, uint8_t **valid,
                    int64_t n, int64_t nulls, dlt_error *err)
{
	int rc = dlt_array__init(out, 1, 2, err);
	if (rc < 0)
		return rc;
	out->length = n;
	out->null_count = nulls;
	if (nulls > 0) {
		dlt_array__set_buffer(out, 0, *valid);
		*valid = NULL;
	}
	if ((rc = dlt_builder__finish(out->children[0], mb, err)) < 0 ||
	    (rc = dlt_builder__finish(out->children[1], vb, err)) < 0)
		dlt_array__release(out);
	return rc;
}

int dlt_variant__unshred(struct ArrowArray *out, const struct ArrowSchema *in_schema,
                         const struct ArrowArray *in, dlt_error *err)
{
	vnode top;
	vbytes mbytes;
	vctx ctx;
	int64_t meta_child = -1, nulls = 0;
	dlt_buf value = DLT_BUF_INIT;
	dlt_builder *mb = NULL, *vb = NULL;
	uint8_t *valid = NULL;
	int rc;

	DLT_ARG_CHECK(out != NULL && in_schema != NULL && in != NULL && in->length >= 0, err);
	memset(out, 0, sizeof(*out));
	memset(&top, 0, sizeof(top));
	memset(&ctx, 0, sizeof(ctx));
	ctx.column = in_schema->name ? in_schema->name : "";
	ctx.err = err;
	if ((rc = plan_top(&top, &meta_child, &mbytes, in_schema, err)) < 0) {
		dlt_error_prefix(err, "variant column '%s'", ctx.column);
		goto done;
	}
	if ((rc = binary_builder(&mb, "metadata", in->length, err)) < 0 ||
	    (rc = binary_builder(&vb, "value", in->length, err)) < 0)
		goto done;
	if (!(valid = dlt_calloc((size_t)in->length / 8 + 1, 1))) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory unshredding a variant column");
		goto done;
	}
	for (int64_t i = 0; i < in->length; i++) {
		if (dlt_arrow__is_null(in, i)) {
			nulls++;
			if ((rc = dlt_builder__append_bytes(mb, "", 0, err)) < 0 ||
			    (rc = dlt_builder__append_bytes(vb, "", 0, err)) < 0)
				goto done;
			continue;
		}
		dlt_arrow__set_bit(valid, i, true);
		if ((rc = unshred_row(&ctx, &top, &mbytes, in->children[meta_child], in, i,
		                      &value)) < 0 ||
		    (rc = dlt_builder__append_bytes(mb, ctx.meta_bytes, ctx.meta_len, err)) < 0 ||
		    (rc = dlt_builder__append_bytes(vb, value.data, value.len, err)) < 0)
			goto done;
	}
	rc = assemble(out, mb, vb, &valid, in->length, nulls, err);
done:
	dlt_free(valid);
	dlt_builder__free(mb);
	dlt_builder__free(vb);
	dlt_buf_dispose(&value);
	dlt_free(ctx.ents);
	node_free(&top);
	return rc;
}
