/* JSON-lines and CSV writers: Arrow record batches to text (see deltalite/text.h).
 *
 * A batch is first turned into a tree of `wnode`s (type view + array per
 * field, dictionary values as a separate node), checked once; rows are then
 * rendered into a dlt_buf that is flushed to the output about every 1 MiB. */
#include "csv/csv.h"

#include "arrow/arrow.h"
#include "compute/variant.h"
#include "util/parse.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>

#define FLUSH_AT (1u << 20)
#define MAX_DEPTH 64

typedef struct wnode {
	dlt_type_view tv;
	const struct ArrowSchema *schema;
	const struct ArrowArray *array;
	struct wnode *children; /* n_children */
	int64_t n_children;
	struct wnode *dict; /* value node of a dictionary-encoded array */
	int variant_metadata, variant_value; /* a variant struct: its two children; else -1 */
} wnode;

typedef struct wctx {
	dlt_buf buf;
	int binary_as_hex;
	int variant_as_json;
	dlt_buf scratch;
	dlt_buf vtext;      /* text of one variant value */
} wctx;

static void wctx_dispose(wctx *c)
{
	dlt_buf_dispose(&c->buf);
	dlt_buf_dispose(&c->scratch);
	dlt_buf_dispose(&c->vtext);
}

static void wnode_dispose(wnode *n)
{
	int64_t i;
	if (!n)
		return;
	for (i = 0; i < n->n_children; i++)
		wnode_dispose(&n->children[i]);
	dlt_free(n->children);
	if (n->dict) {
		wnode_dispose(n->dict);
		dlt_free(n->dict);
	}
	memset(n, 0, sizeof(*n));
}

static int wnode_build(wnode *n, const struct ArrowSchema *s, const struct ArrowArray *a,
                       int depth, dlt_error *err)
{
	int64_t i;
	int rc;
	memset(n, 0, sizeof(*n));
	n->variant_metadata = n->variant_value = -1;
	if (depth > MAX_DEPTH)
		return dlt_error_set(err, DLT_ELIMIT, "nesting deeper than %d levels", MAX_DEPTH);
	if ((rc = dlt_arrow__parse_format(&n->tv, s->format, err)) < 0)
		return dlt_error_prefix(err, "field '%s'", s->name ? s->name : "");
	n->schema = s;
	n->array = a;
	if (s->dictionary) {
		if (!a->dictionary)
			return dlt_error_set(err, DLT_ECORRUPT, "field '%s': dictionary missing",
			                     s->name ? s->name : "");
		if (!dlt_arrow__is_integer(n->tv.type))
			return dlt_error_set(err, DLT_ECORRUPT,
			                     "field '%s': dictionary index is not an integer",
			                     s->name ? s->name : "");
		n->dict = dlt_calloc(1, sizeof(wnode));
		if (!n->dict)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		if ((rc = wnode_build(n->dict, s->dictionary, a->dictionary, depth + 1, err)) < 0)
			return rc;
	}
	if (s->n_children != a->n_children)
		return dlt_error_set(err, DLT_ECORRUPT, "field '%s': schema has %" PRId64
		                     " children, array %" PRId64, s->name ? s->name : "",
		                     s->n_children, a->n_children);
	if (s->n_children > 0) {
		n->children = dlt_calloc((size_t)s->n_children, sizeof(wnode));
		if (!n->children)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		n->n_children = s->n_children;
		for (i = 0; i < s->n_children; i++)
			if ((rc = wnode_build(&n->children[i], s->children[i], a->children[i],
			                      depth + 1, err)) < 0)
				return rc;
	}
	if (n->tv.type == DLT_AT_STRUCT && dlt_schema__delta_type_is(s, "variant", false)) {
		for (i = 0; i < n->n_children; i++) {
			const wnode *ch = &n->children[i];
			const char *nm = s->children[i]->name ? s->children[i]->name : "";
			bool bin = ch->tv.type == DLT_AT_BINARY && !ch->dict;
			if (bin && strcmp(nm, "metadata") == 0)
				n->variant_metadata = (int)i;
			else if (bin && strcmp(nm, "value") == 0)
				n->variant_value = (int)i;
		}
		if (n->variant_metadata < 0 || n->variant_value < 0)
			n->variant_metadata = n->variant_value = -1;
	}
	return DLT_OK;
}


/* ---------- small renderers ---------- */

static inline bool valid_at(const struct ArrowArray *a, int64_t p)
{
	if (a->n_buffers == 0)
		return false;
	return a->buffers[0] == NULL || dlt_arrow__bit(a->buffers[0], p);
}

static inline int64_t load_int(const void *data, int bw, dlt_atype t, int64_t p)
{
	const uint8_t *d = data;
	switch (bw) {
	case 8:
		return t == DLT_AT_UINT8 ? (int64_t)d[p] : (int64_t)(int8_t)d[p];
	case 16: {
		uint16_t v;
		memcpy(&v, d + p * 2, 2);
		return t == DLT_AT_UINT16 ? (int64_t)v : (int64_t)(int16_t)v;
	}
	case 32: {
		uint32_t v;
		memcpy(&v, d + p * 4, 4);
		return t == DLT_AT_UINT32 ? (int64_t)v : (int64_t)(int32_t)v;
	}
	default: {
		int64_t v;
		memcpy(&v, d + p * 8, 8);
		return v;
	}
	}
}

static size_t fmt_i64(char *b, int64_t v)
{
	char t[24];
	int n = 0;
	size_t o = 0;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		t[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		b[o++] = '-';
	while (n)
		b[o++] = t[--n];
	return o;
}

static size_t fmt_u64(char *b, uint64_t u)
{
	char t[24];
	int n = 0;
	size_t o = 0;
	do {
		t[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n)
		b[o++] = t[--n];
	return o;
}

static double half_to_double(uint16_t h)
{
	int e = (h >> 10) & 0x1f;
	int m = h & 0x3ff;
	double v;
	if (e == 0)
		v = ldexp(m, -24);
	else if (e == 31)
		v = m ? NAN : INFINITY;
	else
		v = ldexp(m + 1024, e - 25);
	return (h & 0x8000) ? -v : v;
}

/* Shortest decimal that rounds back to the same float16. */
static size_t fmt_half(char *buf, uint16_t h)
{
	double v = half_to_double(h), a, lo, hi;
	uint16_t mag = h & 0x7fff;
	int p;
	if (!isfinite(v) || v == 0)
		return dlt_format_double(buf, v);
	a = fabs(v);
	lo = mag > 1 ? (a + half_to_double((uint16_t)(mag - 1))) / 2 : a / 2;
	hi = mag < 0x7bff ? (a + half_to_double((uint16_t)(mag + 1))) / 2 : 65520.0;
	for (p = 0; p < 5; p++) {
		char t[40];
		double c;
		snprintf(t, sizeof(t), "%.*e", p, a);
		if (dlt_parse_double(t, strlen(t), &c) != DLT_PARSE_OK) /* locale radix: skip */
			continue;
		if ((c > lo && c < hi) || ((c == lo || c == hi) && (mag & 1) == 0)) {
			size_t n = dlt_format_double(buf + (v < 0), c);
			if (v < 0)
				buf[0] = '-';
			return n + (v < 0);
		}
	}
	return dlt_format_double(buf, v);
}

static const char hexd[] = "0123456789abcdef";

/* JSON string body (no quotes) with escapes; invalid UTF-8 -> U+FFFD. */
static int put_json_str(dlt_buf *b, const uint8_t *s, size_t n, dlt_error *err)
{
	size_t i = 0, run = 0;
	int rc;
	/* Worst case 6 bytes per input byte. */
	size_t need;
	if (dlt_mul_overflow(n, 6, &need) || need > SIZE_MAX - 2)
		return dlt_error_set(err, DLT_ENOMEM, "string too long");
	if ((rc = dlt_buf_reserve(b, need + 2, err)) < 0)
		return rc;
	{
		uint8_t *o = b->data + b->len;
		while (i < n) {
			uint8_t ch = s[i];
			if (ch >= 0x20 && ch < 0x80 && ch != '"' && ch != '\\') {
				run = i;
				while (i < n && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
					i++;
				memcpy(o, s + run, i - run);
				o += i - run;
				continue;
			}
			if (ch < 0x80) {
				*o++ = '\\';
				switch (ch) {
				case '"': *o++ = '"'; break;
				case '\\': *o++ = '\\'; break;
				case '\n': *o++ = 'n'; break;
				case '\r': *o++ = 'r'; break;
				case '\t': *o++ = 't'; break;
				case '\b': *o++ = 'b'; break;
				case '\f': *o++ = 'f'; break;
				default:
					*o++ = 'u';
					*o++ = '0';
					*o++ = '0';
					*o++ = (uint8_t)hexd[ch >> 4];
					*o++ = (uint8_t)hexd[ch & 15];
				}
				i++;
				continue;
			}
			{
				/* Multi-byte sequence: validate. */
				size_t len = 0;
				uint32_t cp = 0, min = 0;
				if (ch >= 0xc2 && ch <= 0xdf) {
					len = 2;
					cp = ch & 0x1f;
					min = 0x80;
				} else if (ch >= 0xe0 && ch <= 0xef) {
					len = 3;
					cp = ch & 0x0f;
					min = 0x800;
				} else if (ch >= 0xf0 && ch <= 0xf4) {
					len = 4;
					cp = ch & 0x07;
					min = 0x10000;
				}
				if (len && i + len <= n) {
					size_t k;
					for (k = 1; k < len; k++) {
						if ((s[i + k] & 0xc0) != 0x80)
							break;
						cp = (cp << 6) | (s[i + k] & 0x3f);
					}
					if (k == len && cp >= min && cp <= 0x10ffff &&
					    !(cp >= 0xd800 && cp <= 0xdfff)) {
						memcpy(o, s + i, len);
						o += len;
						i += len;
						continue;
					}
				}
				/* One replacement per bad lead byte (then resync). */
				*o++ = 0xef;
				*o++ = 0xbf;
				*o++ = 0xbd;
				i++;
				while (i < n && (s[i] & 0xc0) == 0x80)
					i++;
			}
		}
		b->len = (size_t)(o - b->data);
	}
	return DLT_OK;
}

static int put_bytes_encoded(wctx *c, dlt_buf *b, const uint8_t *d, size_t n, dlt_error *err)
{
	int rc;
	if (c->binary_as_hex) {
		size_t need, k;
		uint8_t *o;
		if (dlt_mul_overflow(n, 2, &need) || (rc = dlt_buf_reserve(b, need, err)) < 0)
			return dlt_error_set(err, DLT_ENOMEM, "binary value too long");
		o = b->data + b->len;
		for (k = 0; k < n; k++) {
			*o++ = (uint8_t)hexd[d[k] >> 4];
			*o++ = (uint8_t)hexd[d[k] & 15];
		}
		b->len += need;
		return DLT_OK;
	}
	return dlt_base64_encode(b, d, n, err);
}

/* Resolve var-size element p of a string/binary array. */
static void var_elem(const struct ArrowArray *a, bool large, int64_t p, const uint8_t **d,
                     size_t *n)
{
	const uint8_t *data = a->buffers[2];
	if (large) {
		int64_t o0, o1;
		memcpy(&o0, (const uint8_t *)a->buffers[1] + p * 8, 8);
		memcpy(&o1, (const uint8_t *)a->buffers[1] + (p + 1) * 8, 8);
		*d = data ? data + o0 : (const uint8_t *)"";
		*n = (size_t)(o1 - o0);
	} else {
		int32_t o0, o1;
		memcpy(&o0, (const uint8_t *)a->buffers[1] + p * 4, 4);
		memcpy(&o1, (const uint8_t *)a->buffers[1] + (p + 1) * 4, 4);
		*d = data ? data + o0 : (const uint8_t *)"";
		*n = (size_t)(o1 - o0);
	}
}

static void list_range(const struct ArrowArray *a, const dlt_type_view *tv, int64_t p,
                       int64_t *b, int64_t *e)
{
	if (tv->type == DLT_AT_FIXED_LIST) {
		*b = p * tv->byte_width;
		*e = *b + tv->byte_width;
	} else if (tv->type == DLT_AT_LARGE_LIST) {
		memcpy(b, (const uint8_t *)a->buffers[1] + p * 8, 8);
		memcpy(e, (const uint8_t *)a->buffers[1] + (p + 1) * 8, 8);
	} else {
		int32_t o0, o1;
		memcpy(&o0, (const uint8_t *)a->buffers[1] + p * 4, 4);
		memcpy(&o1, (const uint8_t *)a->buffers[1] + (p + 1) * 4, 4);
		*b = o0;
		*e = o1;
	}
}

/*
 * Render logical element j of node n (the node's array offset is added here).
 * json: JSON value; otherwise the bare CSV text of a scalar (nested values are
 * still JSON). Returns DLT_OK or an error; caller checked nothing about j.
 */
/* Row p of a variant struct node as its JSON text (dlt_variant__to_text). */
static int render_variant(wctx *c, dlt_buf *b, const wnode *n, int64_t p, dlt_error *err)
{
	const uint8_t *m, *v;
	size_t ml, vl;
	const wnode *mn = &n->children[n->variant_metadata], *vn = &n->children[n->variant_value];
	int64_t mp = mn->array->offset + p, vp = vn->array->offset + p;
	if (!valid_at(mn->array, mp) || !valid_at(vn->array, vp))
		return dlt_buf_append(b, "null", 4, err);
	var_elem(mn->array, false, mp, &m, &ml);
	var_elem(vn->array, false, vp, &v, &vl);
	dlt_buf_clear(&c->vtext);
	int rc = dlt_variant__to_text(&c->vtext, m, ml, v, vl, err);
	if (rc < 0)
		return dlt_error_prefix(err, "variant column '%s'", n->schema->name ? n->schema->name : "");
	return dlt_buf_append(b, c->vtext.data, c->vtext.len, err);
}

static int render(wctx *c, dlt_buf *b, const wnode *n, int64_t j, bool json, int depth,
                  dlt_error *err)
{
	const struct ArrowArray *a = n->array;
	const dlt_type_view *tv = &n->tv;
	int64_t p = a->offset + j;
	char t[DLT_FORMAT_DECIMAL_MAX + 8];
	size_t tl = 0;
	int rc;
	bool quote = false;

	if (!valid_at(a, p) || tv->type == DLT_AT_NA)
		return json ? dlt_buf_append(b, "null", 4, err) : DLT_OK;
	if (n->dict) {
		int64_t k = load_int(a->buffers[1], tv->bit_width, tv->type, p);
		return render(c, b, n->dict, k, json, depth + 1, err);
	}
	switch (tv->type) {
	case DLT_AT_BOOL:
		if (dlt_arrow__bit(a->buffers[1], p))
			return dlt_buf_append(b, "true", 4, err);
		return dlt_buf_append(b, "false", 5, err);
	case DLT_AT_INT8: case DLT_AT_INT16: case DLT_AT_INT32: case DLT_AT_INT64:
	case DLT_AT_UINT8: case DLT_AT_UINT16: case DLT_AT_UINT32: case DLT_AT_DURATION:
		tl = fmt_i64(t, load_int(a->buffers[1], tv->bit_width, tv->type, p));
		break;
	case DLT_AT_UINT64: {
		uint64_t u;
		memcpy(&u, (const uint8_t *)a->buffers[1] + p * 8, 8);
		tl = fmt_u64(t, u);
		break;
	}
	case DLT_AT_FLOAT16: {
		uint16_t h;
		memcpy(&h, (const uint8_t *)a->buffers[1] + p * 2, 2);
		tl = fmt_half(t, h);
		quote = json && !isfinite(half_to_double(h));
		break;
	}
	case DLT_AT_FLOAT32: {
		float f;
		memcpy(&f, (const uint8_t *)a->buffers[1] + p * 4, 4);
		tl = dlt_format_float(t, f);
		quote = json && !isfinite(f);
		break;
	}
	case DLT_AT_FLOAT64: {
		double d;
		memcpy(&d, (const uint8_t *)a->buffers[1] + p * 8, 8);
		tl = dlt_format_double(t, d);
		quote = json && !isfinite(d);
		break;
	}
	case DLT_AT_DECIMAL128: case DLT_AT_DECIMAL256: {
		uint64_t w[4];
		int nw = tv->type == DLT_AT_DECIMAL128 ? 2 : 4;
		memcpy(w, (const uint8_t *)a->buffers[1] + p * nw * 8, (size_t)nw * 8);
		tl = dlt_format_decimal(t, w, nw, tv->scale);
		quote = json;
		break;
	}
	case DLT_AT_DATE32: {
		int32_t d;
		memcpy(&d, (const uint8_t *)a->buffers[1] + p * 4, 4);
		tl = dlt_format_date32(t, d);
		quote = json;
		break;
	}
	case DLT_AT_DATE64: {
		int64_t ms, days;
		memcpy(&ms, (const uint8_t *)a->buffers[1] + p * 8, 8);
		days = ms / 86400000;
		if (ms % 86400000 < 0)
			days--;
		if (days < INT32_MIN || days > INT32_MAX)
			tl = dlt_format_timestamp(t, ms, 1, false);
		else
			tl = dlt_format_date32(t, (int32_t)days);
		quote = json;
		break;
	}
	case DLT_AT_TIME32: case DLT_AT_TIME64:
		tl = dlt_format_time(t, load_int(a->buffers[1], tv->bit_width, tv->type, p),
		                     (int)tv->unit);
		quote = json;
		break;
	case DLT_AT_TIMESTAMP: {
		int64_t v;
		memcpy(&v, (const uint8_t *)a->buffers[1] + p * 8, 8);
		tl = dlt_format_timestamp(t, v, (int)tv->unit, tv->tz != NULL);
		quote = json;
		break;
	}
	case DLT_AT_STRING: case DLT_AT_LARGE_STRING: {
		const uint8_t *d;
		size_t len;
		var_elem(a, tv->type == DLT_AT_LARGE_STRING, p, &d, &len);
		if (!json)
			return dlt_buf_append(b, d, len, err);
		if ((rc = dlt_buf_append_byte(b, '"', err)) < 0 ||
		    (rc = put_json_str(b, d, len, err)) < 0)
			return rc;
		return dlt_buf_append_byte(b, '"', err);
	}
	case DLT_AT_BINARY: case DLT_AT_LARGE_BINARY: case DLT_AT_FIXED_BINARY: {
		const uint8_t *d;
		size_t len;
		if (tv->type == DLT_AT_FIXED_BINARY) {
			d = (const uint8_t *)a->buffers[1] + p * tv->byte_width;
			len = (size_t)tv->byte_width;
		} else {
			var_elem(a, tv->type == DLT_AT_LARGE_BINARY, p, &d, &len);
		}
		if (json && (rc = dlt_buf_append_byte(b, '"', err)) < 0)
			return rc;
		if ((rc = put_bytes_encoded(c, b, d, len, err)) < 0)
			return rc;
		return json ? dlt_buf_append_byte(b, '"', err) : DLT_OK;
	}
	case DLT_AT_STRUCT: {
		int64_t k;
		if (c->variant_as_json && n->variant_metadata >= 0)
			return render_variant(c, b, n, p, err);
		if ((rc = dlt_buf_append_byte(b, '{', err)) < 0)
			return rc;
		for (k = 0; k < n->n_children; k++) {
			const char *name = n->children[k].schema->name;
			if (name == NULL)
				name = "";
			if ((k && (rc = dlt_buf_append_byte(b, ',', err)) < 0) ||
			    (rc = dlt_buf_append_byte(b, '"', err)) < 0 ||
			    (rc = put_json_str(b, (const uint8_t *)name, strlen(name), err)) < 0 ||
			    (rc = dlt_buf_append(b, "\":", 2, err)) < 0 ||
			    (rc = render(c, b, &n->children[k], p, true, depth + 1, err)) < 0)
				return rc;
		}
		return dlt_buf_append_byte(b, '}', err);
	}
	case DLT_AT_LIST: case DLT_AT_LARGE_LIST: case DLT_AT_FIXED_LIST: case DLT_AT_MAP: {
		int64_t lb, le, k;
		const wnode *ch = &n->children[0];
		list_range(a, tv, p, &lb, &le);
		if ((rc = dlt_buf_append_byte(b, '[', err)) < 0)
			return rc;
		for (k = lb; k < le; k++) {
			if (k > lb && (rc = dlt_buf_append_byte(b, ',', err)) < 0)
				return rc;
			if (tv->type == DLT_AT_MAP) {
				int64_t q = ch->array->offset + k;
				if (ch->n_children != 2)
					return dlt_error_set(err, DLT_ECORRUPT,
					                     "map entries must have 2 fields");
				if ((rc = dlt_buf_append(b, "{\"key\":", 7, err)) < 0 ||
				    (rc = render(c, b, &ch->children[0], q, true, depth + 1, err)) < 0 ||
				    (rc = dlt_buf_append(b, ",\"value\":", 9, err)) < 0 ||
				    (rc = render(c, b, &ch->children[1], q, true, depth + 1, err)) < 0 ||
				    (rc = dlt_buf_append_byte(b, '}', err)) < 0)
					return rc;
			} else if ((rc = render(c, b, ch, k, true, depth + 1, err)) < 0) {
				return rc;
			}
		}
		return dlt_buf_append_byte(b, ']', err);
	}
	default:
		return dlt_error_set(err, DLT_EUNSUPPORTED, "cannot write arrow type '%s' as text",
		                     n->schema->format);
	}
	if (quote) {
		if ((rc = dlt_buf_reserve(b, tl + 2, err)) < 0)
			return rc;
		b->data[b->len++] = '"';
		memcpy(b->data + b->len, t, tl);
		b->len += tl;
		b->data[b->len++] = '"';
		return DLT_OK;
	}
	return dlt_buf_append(b, t, tl, err);
}

static int flush(wctx *c, dlt_output *out, bool force, dlt_error *err)
{
	int rc;
	if (c->buf.len == 0 || (!force && c->buf.len < FLUSH_AT))
		return DLT_OK;
	rc = dlt_output_write(out, c->buf.data, c->buf.len, err);
	c->buf.len = 0;
	return rc;
}

/*
 * Validation without the UTF-8 check: the writers promise to replace invalid
 * UTF-8, so strings are validated as binary (same layout). A shallow clone of
 * the schema tree with "u"/"U" turned into "z"/"Z"; nothing is owned but the
 * clone's own nodes.
 */
static void noop_release(struct ArrowSchema *s) { (void)s; }

static void clone_free(struct ArrowSchema *c)
{
	int64_t i;
	if (!c)
		return;
	for (i = 0; c->children && i < c->n_children; i++)
		clone_free(c->children[i]);
	dlt_free(c->children);
	clone_free(c->dictionary);
	dlt_free(c);
}

static struct ArrowSchema *clone_as_binary(const struct ArrowSchema *s, int depth)
{
	struct ArrowSchema *c;
	int64_t i;
	if (!s || depth > MAX_DEPTH || s->n_children < 0 || s->n_children > (1 << 20) ||
	    (s->n_children > 0 && !s->children))
		return NULL;
	c = dlt_calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	*c = *s;
	c->children = NULL;
	c->dictionary = NULL;
	c->release = s->release ? noop_release : NULL;
	if (s->format && strcmp(s->format, "u") == 0)
		c->format = "z";
	else if (s->format && strcmp(s->format, "U") == 0)
		c->format = "Z";
	if (s->n_children > 0) {
		c->children = dlt_calloc((size_t)s->n_children, sizeof(*c->children));
		if (!c->children)
			goto fail;
		for (i = 0; i < s->n_children; i++)
			if (!s->children[i] || !(c->children[i] = clone_as_binary(s->children[i], depth + 1)))
				goto fail;
	}
	if (s->dictionary && !(c->dictionary = clone_as_binary(s->dictionary, depth + 1)))
		goto fail;
	return c;
fail:
	clone_free(c);
	return NULL;
}

static int validate_lenient(const struct ArrowSchema *schema, const struct ArrowArray *batch,
                            dlt_error *err)
{
	struct ArrowSchema *c = clone_as_binary(schema, 0);
	int rc;
	if (!c) /* malformed tree or no memory: let the validator say which */
		return dlt_arrow__validate(schema, batch, err);
	rc = dlt_arrow__validate(c, batch, err);
	clone_free(c);
	return rc;
}

static int prepare(wnode *root, const struct ArrowSchema *schema, const struct ArrowArray *batch,
                   dlt_error *err)
{
	int rc;
	memset(root, 0, sizeof(*root));
	if (!schema || !batch || !schema->format || !batch->release)
		return dlt_error_set(err, DLT_EINVAL, "text writer: missing schema or batch");
	if ((rc = validate_lenient(schema, batch, err)) < 0)
		return dlt_error_prefix(err, "text writer: invalid batch");
	if ((rc = wnode_build(root, schema, batch, 0, err)) < 0)
		return rc;
	if (root->tv.type != DLT_AT_STRUCT || root->dict)
		return dlt_error_set(err, DLT_EINVAL,
		                     "text writer: a batch must be a struct array, not '%s'",
		                     schema->format);
	return DLT_OK;
}

static int jsonl_batch(wctx *c, dlt_output *out, const struct ArrowSchema *schema,
                       const struct ArrowArray *batch, dlt_error *err)
{
	wnode root;
	int64_t i;
	int rc;
	if ((rc = prepare(&root, schema, batch, err)) < 0)
		goto done;
	for (i = 0; i < batch->length; i++) {
		if ((rc = render(c, &c->buf, &root, i, true, 0, err)) < 0 ||
		    (rc = dlt_buf_append_byte(&c->buf, '\n', err)) < 0 ||
		    (rc = flush(c, out, false, err)) < 0)
			goto done;
	}
	rc = flush(c, out, true, err);
done:
	wnode_dispose(&root);
	return rc;
}

/* A caller built against an older header has a shorter struct: fill only
 * the fields its version has. */
int dlt_jsonl_write_options_init(dlt_jsonl_write_options *opts, unsigned int version)
{
	dlt_jsonl_write_options d = DLT_JSONL_WRITE_OPTIONS_INIT;
	if (!opts || version == 0 || version > DLT_JSONL_WRITE_OPTIONS_VERSION)
		return DLT_EINVAL;
	d.version = version;
	memcpy(opts, &d, version >= 2 ? sizeof(d) : offsetof(dlt_jsonl_write_options, variant_as_json));
	return DLT_OK;
}

int dlt_csv_write_options_init(dlt_csv_write_options *opts, unsigned int version)
{
	dlt_csv_write_options d = DLT_CSV_WRITE_OPTIONS_INIT;
	if (!opts || version == 0 || version > DLT_CSV_WRITE_OPTIONS_VERSION)
		return DLT_EINVAL;
	d.version = version;
	memcpy(opts, &d, version >= 2 ? sizeof(d) : offsetof(dlt_csv_write_options, variant_as_json));
	return DLT_OK;
}

int dlt_jsonl_write_batch(dlt_output *out, const struct ArrowSchema *schema,
                          const struct ArrowArray *batch, const dlt_jsonl_write_options *opts,
                          dlt_error *err)
{
	wctx c;
	int rc;
	DLT_ARG_CHECK(out != NULL, err);
	memset(&c, 0, sizeof(c));
	c.binary_as_hex = opts && opts->version >= 1 ? opts->binary_as_hex : 0;
	c.variant_as_json = opts && opts->version >= 2 ? opts->variant_as_json : 0;
	rc = jsonl_batch(&c, out, schema, batch, err);
	wctx_dispose(&c);
	return rc;
}

/* Drain a stream, calling fn on each batch; releases the stream on every path. */
typedef int (*batch_fn)(void *p, const struct ArrowSchema *s, const struct ArrowArray *a,
                        dlt_error *err);

/* fn is called once with a == NULL right after the schema is known. */
static int drain(struct ArrowArrayStream *in, batch_fn fn, void *p, dlt_error *err)
{
	struct ArrowSchema schema;
	struct ArrowArray batch;
	int rc = DLT_OK, e;
	memset(&schema, 0, sizeof(schema));
	if (!in || !in->release)
		return dlt_error_set(err, DLT_EINVAL, "text writer: stream is NULL or released");
	if ((e = in->get_schema(in, &schema)) != 0) {
		const char *m = in->get_last_error ? in->get_last_error(in) : NULL;
		rc = dlt_error_set(err, dlt_code_from_errno(e), "text writer: stream schema: %s",
		                   m ? m : "unknown error");
		goto done;
	}
	if ((rc = fn(p, &schema, NULL, err)) < 0)
		goto done;
	for (;;) {
		memset(&batch, 0, sizeof(batch));
		if ((e = in->get_next(in, &batch)) != 0) {
			const char *m = in->get_last_error ? in->get_last_error(in) : NULL;
			rc = dlt_error_set(err, dlt_code_from_errno(e), "%s", m ? m : "stream failed");
			goto done;
		}
		if (!batch.release)
			break;
		rc = fn(p, &schema, &batch, err);
		batch.release(&batch);
		if (rc < 0)
			goto done;
	}
done:
	if (schema.release)
		schema.release(&schema);
	in->release(in);
	return rc;
}

typedef struct jsonl_state {
	wctx c;
	dlt_output *out;
} jsonl_state;

static int jsonl_fn(void *p, const struct ArrowSchema *s, const struct ArrowArray *a,
                    dlt_error *err)
{
	jsonl_state *st = p;
	if (!a)
		return DLT_OK;
	return jsonl_batch(&st->c, st->out, s, a, err);
}

int dlt_jsonl_write(dlt_output *out, struct ArrowArrayStream *in,
                    const dlt_jsonl_write_options *opts, dlt_error *err)
{
	jsonl_state st;
	int rc;
	if (!out) {
		if (in && in->release)
			in->release(in);
		return dlt_error_set(err, DLT_EINVAL, "dlt_jsonl_write: output is NULL");
	}
	memset(&st, 0, sizeof(st));
	st.out = out;
	st.c.binary_as_hex = opts && opts->version >= 1 ? opts->binary_as_hex : 0;
	st.c.variant_as_json = opts && opts->version >= 2 ? opts->variant_as_json : 0;
	rc = drain(in, jsonl_fn, &st, err);
	wctx_dispose(&st.c);
	return rc;
}

/* ---------- CSV ---------- */

typedef struct csv_state {
	wctx c;
	dlt_output *out;
	char delim, quote;
	const char *null_string;
	size_t null_len;
	bool header_pending;
} csv_state;

/* Append field text, quoted when it needs to be. */
static int csv_field(csv_state *st, const uint8_t *s, size_t n, bool force_quote, dlt_error *err)
{
	dlt_buf *b = &st->c.buf;
	size_t i, extra = 0;
	bool q = force_quote;
	int rc;
	for (i = 0; i < n; i++) {
		uint8_t ch = s[i];
		if (ch == (uint8_t)st->quote) {
			q = true;
			extra++;
		} else if (ch == (uint8_t)st->delim || ch == '\n' || ch == '\r') {
			q = true;
		}
	}
	if (!q && st->null_len > 0 && n == st->null_len && memcmp(s, st->null_string, n) == 0)
		q = true;
	if (!q)
		return dlt_buf_append(b, s, n, err);
	if ((rc = dlt_buf_reserve(b, n + extra + 2, err)) < 0)
		return rc;
	b->data[b->len++] = (uint8_t)st->quote;
	for (i = 0; i < n; i++) {
		if (s[i] == (uint8_t)st->quote)
			b->data[b->len++] = (uint8_t)st->quote;
		b->data[b->len++] = s[i];
	}
	b->data[b->len++] = (uint8_t)st->quote;
	return DLT_OK;
}

static int csv_header(csv_state *st, const struct ArrowSchema *schema, dlt_error *err)
{
	int64_t k;
	int rc;
	if (!st->header_pending)
		return DLT_OK;
	if (!schema || !schema->format || strcmp(schema->format, "+s") != 0 ||
	    schema->n_children < 0 || (schema->n_children > 0 && !schema->children))
		return dlt_error_set(err, DLT_EINVAL, "csv writer: schema is not a struct");
	for (k = 0; k < schema->n_children; k++) {
		const char *name = schema->children[k] ? schema->children[k]->name : NULL;
		if (!name)
			name = "";
		if ((k && (rc = dlt_buf_append_byte(&st->c.buf, (uint8_t)st->delim, err)) < 0) ||
		    (rc = csv_field(st, (const uint8_t *)name, strlen(name),
		                    schema->n_children == 1 && name[0] == 0, err)) < 0)
			return rc;
	}
	st->header_pending = false;
	return dlt_buf_append_byte(&st->c.buf, '\n', err);
}

static int csv_batch(csv_state *st, const struct ArrowSchema *schema,
                     const struct ArrowArray *batch, dlt_error *err)
{
	wnode root;
	int64_t i, k;
	int rc;
	memset(&root, 0, sizeof(root));
	if ((rc = csv_header(st, schema, err)) < 0 || (rc = prepare(&root, schema, batch, err)) < 0)
		goto done;
	for (i = 0; i < batch->length; i++) {
		int64_t p = batch->offset + i;
		for (k = 0; k < root.n_children; k++) {
			const wnode *ch = &root.children[k];
			if (k && (rc = dlt_buf_append_byte(&st->c.buf, (uint8_t)st->delim, err)) < 0)
				goto done;
			if (!valid_at(ch->array, ch->array->offset + p) || ch->tv.type == DLT_AT_NA) {
				if (st->null_len &&
				    (rc = dlt_buf_append(&st->c.buf, st->null_string, st->null_len, err)) < 0)
					goto done;
				continue;
			}
			st->c.scratch.len = 0;
			if ((rc = render(&st->c, &st->c.scratch, ch, p, false, 0, err)) < 0)
				goto done;
			/* An empty non-null value must not read back as null. */
			if ((rc = csv_field(st, st->c.scratch.data ? st->c.scratch.data : (const uint8_t *)"",
			                    st->c.scratch.len,
			                    st->c.scratch.len == 0 && st->null_len == 0, err)) < 0)
				goto done;
		}
		if ((rc = dlt_buf_append_byte(&st->c.buf, '\n', err)) < 0 ||
		    (rc = flush(&st->c, st->out, false, err)) < 0)
			goto done;
	}
	rc = flush(&st->c, st->out, true, err);
done:
	wnode_dispose(&root);
	return rc;
}

static int csv_state_init(csv_state *st, dlt_output *out, const dlt_csv_write_options *opts,
                          dlt_error *err)
{
	memset(st, 0, sizeof(*st));
	st->out = out;
	st->delim = ',';
	st->quote = '"';
	st->header_pending = true;
	if (opts && opts->version >= 1) {
		st->delim = opts->delimiter;
		st->quote = opts->quote;
		st->header_pending = opts->header != 0;
		st->null_string = opts->null_string;
		st->c.binary_as_hex = opts->binary_as_hex;
		st->c.variant_as_json = opts->version >= 2 ? opts->variant_as_json : 0;
	}
	if (st->null_string)
		st->null_len = strlen(st->null_string);
	if (st->delim == 0 || st->quote == 0 || st->delim == st->quote || st->delim == '\n' ||
	    st->delim == '\r' || st->quote == '\n' || st->quote == '\r')
		return dlt_error_set(err, DLT_EINVAL, "csv writer: invalid delimiter or quote");
	return DLT_OK;
}

static int csv_fn(void *p, const struct ArrowSchema *s, const struct ArrowArray *a,
                  dlt_error *err)
{
	csv_state *st = p;
	int rc;
	if (a)
		return csv_batch(st, s, a, err);
	if ((rc = csv_header(st, s, err)) < 0)
		return rc;
	return flush(&st->c, st->out, true, err);
}

int dlt_csv_write(dlt_output *out, struct ArrowArrayStream *in, const dlt_csv_write_options *opts,
                  dlt_error *err)
{
	csv_state st;
	int rc;
	if (!out || (rc = csv_state_init(&st, out, opts, err)) < 0) {
		if (in && in->release)
			in->release(in);
		return out ? rc : dlt_error_set(err, DLT_EINVAL, "dlt_csv_write: output is NULL");
	}
	rc = drain(in, csv_fn, &st, err);
	wctx_dispose(&st.c);
	return rc;
}

int dlt_csv_write_batch(dlt_output *out, const struct ArrowSchema *schema,
                        const struct ArrowArray *batch, int write_header,
                        const dlt_csv_write_options *opts, dlt_error *err)
{
	csv_state st;
	int rc;
	DLT_ARG_CHECK(out != NULL, err);
	if ((rc = csv_state_init(&st, out, opts, err)) < 0)
		return rc;
	st.header_pending = write_header != 0;
	rc = csv_batch(&st, schema, batch, err);
	wctx_dispose(&st.c);
	return rc;
}
