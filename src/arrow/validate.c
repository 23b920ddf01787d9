/* Validation of (possibly foreign, possibly hostile) schemas and arrays, and
 * UTF-8 validation. Nothing is read before the pointer it comes through was
 * checked non-NULL and the index was checked against what lengths and
 * offsets already validated imply. */
#include "arrow/arrow.h"

#include <stdarg.h>
#include <stdio.h>

#define DLT_ARROW_MAX_DEPTH 64

/* ---------- UTF-8 ---------- */

bool dlt_utf8_valid(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if (p[i] < 0x80) {
			while (i + 16 <= n) {
				uint64_t a, b;
				memcpy(&a, p + i, 8);
				memcpy(&b, p + i + 8, 8);
				if ((a | b) & 0x8080808080808080ull)
					break;
				i += 16;
			}
			while (i < n && p[i] < 0x80)
				i++;
			if (i >= n)
				return true;
		}
		uint8_t c = p[i], c1;
		if (c < 0xC2)
			return false; /* stray continuation or overlong 2-byte lead */
		if (c < 0xE0) {
			if (i + 1 >= n || (p[i + 1] & 0xC0) != 0x80)
				return false;
			i += 2;
			continue;
		}
		if (c < 0xF0) {
			if (i + 2 >= n)
				return false;
			c1 = p[i + 1];
			if ((c1 & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80)
				return false;
			if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0))
				return false; /* overlong, surrogate */
			i += 3;
			continue;
		}
		if (c < 0xF5) {
			if (i + 3 >= n)
				return false;
			c1 = p[i + 1];
			if ((c1 & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80 ||
			    (p[i + 3] & 0xC0) != 0x80)
				return false;
			if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90))
				return false; /* overlong, > U+10FFFF */
			i += 4;
			continue;
		}
		return false;
	}
	return true;
}

/* ---------- context ---------- */

typedef struct vctx {
	dlt_error *err;
	char path[512];
	size_t plen;
} vctx;

static int vfail(vctx *c, int code, const char *fmt, ...) DLT_PRINTF(3, 4);
static int vfail(vctx *c, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return dlt_error_set(c->err, code, "arrow field '%s': %s", c->plen ? c->path : "<root>",
	                     msg);
}

/* Append a path component; returns the previous length for path_pop. */
static size_t path_push(vctx *c, const char *sep, const char *name)
{
	size_t old = c->plen;
	int n = snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "%s%s",
	                 c->plen ? sep : "", name ? name : "?");
	if (n > 0)
		c->plen = DLT_MIN(sizeof(c->path) - 1, c->plen + (size_t)n);
	return old;
}
static void path_pop(vctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

/* ---------- schema ---------- */

static int check_schema(vctx *c, const struct ArrowSchema *s, dlt_type_view *v, int depth)
{
	int rc;
	int64_t want = -1;

	if (depth > DLT_ARROW_MAX_DEPTH)
		return vfail(c, DLT_ECORRUPT, "nesting deeper than %d", DLT_ARROW_MAX_DEPTH);
	if (!s)
		return vfail(c, DLT_ECORRUPT, "schema is NULL");
	if (!s->release)
		return vfail(c, DLT_ECORRUPT, "schema is released");
	if (!s->format)
		return vfail(c, DLT_ECORRUPT, "schema has no format");
	if ((rc = dlt_arrow__parse_format(v, s->format, NULL)) < 0)
		return vfail(c, rc, "%s format string", rc == DLT_EUNSUPPORTED ? "unsupported"
		                                                                : "malformed");
	if (s->n_children < 0 || (s->n_children > 0 && !s->children))
		return vfail(c, DLT_ECORRUPT, "schema children missing (n_children %" PRId64 ")",
		             s->n_children);
	switch (v->type) {
	case DLT_AT_LIST:
	case DLT_AT_LARGE_LIST:
	case DLT_AT_FIXED_LIST:
	case DLT_AT_MAP:
		want = 1;
		break;
	case DLT_AT_STRUCT:
		break;
	default:
		want = 0;
		break;
	}
	if (want >= 0 && s->n_children != want)
		return vfail(c, DLT_ECORRUPT, "type needs %" PRId64 " children, schema has %" PRId64,
		             want, s->n_children);
	for (int64_t i = 0; i < s->n_children; i++) {
		if (!s->children[i] || !s->children[i]->release)
			return vfail(c, DLT_ECORRUPT, "child schema %" PRId64 " is NULL or released", i);
	}
	if (v->type == DLT_AT_MAP) {
		const struct ArrowSchema *e = s->children[0];
		if (!e->format || strcmp(e->format, "+s") != 0 || e->n_children != 2)
			return vfail(c, DLT_ECORRUPT, "map entries must be a struct of 2 fields");
	}
	if (s->dictionary) {
		if (!dlt_arrow__is_integer(v->type))
			return vfail(c, DLT_ECORRUPT, "dictionary index type must be an integer");
		if (!s->dictionary->release)
			return vfail(c, DLT_ECORRUPT, "dictionary schema is released");
	}
	return DLT_OK;
}

static int validate_schema(vctx *c, const struct ArrowSchema *s, int depth)
{
	dlt_type_view v;
	int rc;
	if ((rc = check_schema(c, s, &v, depth)) < 0)
		return rc;
	for (int64_t i = 0; i < s->n_children; i++) {
		size_t old = path_push(c, ".", s->children[i]->name);
		rc = validate_schema(c, s->children[i], depth + 1);
		path_pop(c, old);
		if (rc < 0)
			return rc;
	}
	if (s->dictionary) {
		size_t old = path_push(c, "", "<dictionary>");
		rc = validate_schema(c, s->dictionary, depth + 1);
		path_pop(c, old);
	}
	return rc;
}

int dlt_arrow__validate_schema(const struct ArrowSchema *schema, dlt_error *err)
{
	vctx c;
	c.err = err;
	c.plen = 0;
	c.path[0] = '\0';
	return validate_schema(&c, schema, 0);
}

/* ---------- arrays ---------- */

/* Number of zero bits in bitmap[start, start + n). */
static int64_t count_zeros(const uint8_t *bm, int64_t start, int64_t n)
{
	int64_t ones = 0, i = start, end = start + n;
	while (i < end && (i & 7)) {
		ones += (bm[i >> 3] >> (i & 7)) & 1;
		i++;
	}
	while (end - i >= 64) {
		uint64_t w;
		memcpy(&w, bm + (i >> 3), 8);
		ones += __builtin_popcountll(w);
		i += 64;
	}
	while (end - i >= 8) {
		ones += __builtin_popcount(bm[i >> 3]);
		i += 8;
	}
	while (i < end) {
		ones += (bm[i >> 3] >> (i & 7)) & 1;
		i++;
	}
	return n - ones;
}

static bool aligned(const void *p, size_t a) { return ((uintptr_t)p & (a - 1)) == 0; }

static int64_t load_off(const void *buf, int w, int64_t i)
{
	if (w == 4) {
		int32_t v;
		memcpy(&v, (const uint8_t *)buf + 4 * i, 4);
		return v;
	}
	int64_t v;
	memcpy(&v, (const uint8_t *)buf + 8 * i, 8);
	return v;
}

/* Check offsets[offset .. offset+length]: non-NULL, aligned, first >= 0,
 * non-decreasing. Returns first/last through the out-parameters. */
static int check_offsets(vctx *c, const struct ArrowArray *a, int w, int64_t *first,
                         int64_t *last)
{
	const void *ob = a->buffers[1];
	int64_t prev, end = a->offset + a->length;
	*first = *last = 0;
	if (a->length == 0)
		return DLT_OK; /* the offsets buffer may be NULL for an empty array */
	if (!ob)
		return vfail(c, DLT_ECORRUPT, "offsets buffer is NULL for length %" PRId64,
		             a->length);
	if (!aligned(ob, (size_t)w))
		return vfail(c, DLT_ECORRUPT, "offsets buffer is not %d-byte aligned", w);
	prev = load_off(ob, w, a->offset);
	if (prev < 0)
		return vfail(c, DLT_ECORRUPT, "first offset %" PRId64 " is negative", prev);
	*first = prev;
	for (int64_t i = a->offset + 1; i <= end; i++) {
		int64_t o = load_off(ob, w, i);
		if (o < prev)
			return vfail(c, DLT_ECORRUPT, "offsets decrease at %" PRId64 " (%" PRId64
			             " < %" PRId64 ")", i - a->offset, o, prev);
		prev = o;
	}
	*last = prev;
	return DLT_OK;
}

static int validate_array(vctx *c, const struct ArrowSchema *s, const struct ArrowArray *a,
                          int depth);

static int validate_child(vctx *c, const struct ArrowSchema *s, const struct ArrowArray *a,
                          int64_t i, int64_t min_len, int depth)
{
	const struct ArrowArray *ch = a->children[i];
	size_t old;
	int rc;
	old = path_push(c, ".", s->children[i]->name && s->children[i]->name[0]
	                             ? s->children[i]->name : "<child>");
	rc = validate_array(c, s->children[i], ch, depth + 1);
	if (rc == DLT_OK && ch->length < min_len)
		rc = vfail(c, DLT_ECORRUPT, "child length %" PRId64 " is shorter than the %" PRId64
		           " values the parent refers to", ch->length, min_len);
	path_pop(c, old);
	return rc;
}

static int validate_array(vctx *c, const struct ArrowSchema *s, const struct ArrowArray *a,
                          int depth)
{
	dlt_type_view v;
	int rc;
	int64_t end, nbytes, first, last;

	if ((rc = check_schema(c, s, &v, depth)) < 0)
		return rc;
	if (!a)
		return vfail(c, DLT_ECORRUPT, "array is NULL");
	if (!a->release)
		return vfail(c, DLT_ECORRUPT, "array is released");
	if (a->length < 0 || a->offset < 0 || dlt_add_overflow_i64(a->length, a->offset, &end) ||
	    end > (INT64_MAX >> 8))
		return vfail(c, DLT_ECORRUPT, "bad length %" PRId64 " / offset %" PRId64, a->length,
		             a->offset);
	if (a->null_count < -1 || a->null_count > a->length)
		return vfail(c, DLT_ECORRUPT, "null_count %" PRId64 " out of range for length %" PRId64,
		             a->null_count, a->length);
	if (a->n_buffers != v.n_buffers)
		return vfail(c, DLT_ECORRUPT, "has %" PRId64 " buffers, type needs %d", a->n_buffers,
		             v.n_buffers);
	if (a->n_buffers > 0 && !a->buffers)
		return vfail(c, DLT_ECORRUPT, "buffers array is NULL");
	if (a->n_children != s->n_children)
		return vfail(c, DLT_ECORRUPT, "has %" PRId64 " children, schema has %" PRId64,
		             a->n_children, s->n_children);
	if (a->n_children > 0 && !a->children)
		return vfail(c, DLT_ECORRUPT, "children array is NULL");
	for (int64_t i = 0; i < a->n_children; i++) {
		if (!a->children[i])
			return vfail(c, DLT_ECORRUPT, "child %" PRId64 " is NULL", i);
	}
	if ((s->dictionary != NULL) != (a->dictionary != NULL))
		return vfail(c, DLT_ECORRUPT, s->dictionary ? "dictionary array is missing"
		                                            : "unexpected dictionary array");

	/* validity */
	if (v.type == DLT_AT_NA) {
		if (a->null_count != -1 && a->null_count != a->length)
			return vfail(c, DLT_ECORRUPT, "null array with null_count %" PRId64
			             " != length %" PRId64, a->null_count, a->length);
	} else if (a->buffers[0] == NULL) {
		if (a->null_count > 0)
			return vfail(c, DLT_ECORRUPT, "null_count %" PRId64 " but no validity bitmap",
			             a->null_count);
	} else if (a->null_count != -1 && a->length > 0) {
		int64_t z = count_zeros(a->buffers[0], a->offset, a->length);
		if (z != a->null_count)
			return vfail(c, DLT_ECORRUPT, "null_count %" PRId64 " but the bitmap has %" PRId64
			             " nulls", a->null_count, z);
	}

	switch (v.type) {
	case DLT_AT_NA:
		break;
	case DLT_AT_BOOL:
		if (a->length > 0 && !a->buffers[1])
			return vfail(c, DLT_ECORRUPT, "data buffer is NULL");
		break;
	case DLT_AT_STRING:
	case DLT_AT_LARGE_STRING:
	case DLT_AT_BINARY:
	case DLT_AT_LARGE_BINARY: {
		int w = (v.type == DLT_AT_STRING || v.type == DLT_AT_BINARY) ? 4 : 8;
		const uint8_t *d = a->buffers[2];
		if ((rc = check_offsets(c, a, w, &first, &last)) < 0)
			return rc;
		if (last > first && !d)
			return vfail(c, DLT_ECORRUPT, "data buffer is NULL for %" PRId64 " bytes",
			             last - first);
		if (v.type == DLT_AT_STRING || v.type == DLT_AT_LARGE_STRING) {
			if (last > first && !dlt_utf8_valid(d + first, (size_t)(last - first)))
				return vfail(c, DLT_ECORRUPT, "invalid UTF-8 in string data");
			for (int64_t i = a->offset + 1; i < end && last > first; i++) {
				int64_t o = load_off(a->buffers[1], w, i);
				if (o < last && (d[o] & 0xC0) == 0x80)
					return vfail(c, DLT_ECORRUPT, "string %" PRId64
					             " starts inside a UTF-8 sequence", i - a->offset);
			}
		}
		break;
	}
	case DLT_AT_LIST:
	case DLT_AT_LARGE_LIST:
	case DLT_AT_MAP:
		if ((rc = check_offsets(c, a, v.type == DLT_AT_LARGE_LIST ? 8 : 4, &first, &last)) < 0)
			return rc;
		if ((rc = validate_child(c, s, a, 0, last, depth)) < 0)
			return rc;
		break;
	case DLT_AT_FIXED_LIST:
		if (dlt_mul_overflow_i64(end, v.byte_width, &nbytes))
			return vfail(c, DLT_ECORRUPT, "length too large for list size %d",
			             (int)v.byte_width);
		if ((rc = validate_child(c, s, a, 0, nbytes, depth)) < 0)
			return rc;
		break;
	case DLT_AT_STRUCT:
		for (int64_t i = 0; i < a->n_children; i++) {
			if ((rc = validate_child(c, s, a, i, end, depth)) < 0)
				return rc;
		}
		break;
	default: { /* fixed width */
		int64_t w = v.byte_width ? v.byte_width : v.bit_width / 8;
		if (dlt_mul_overflow_i64(end, w, &nbytes))
			return vfail(c, DLT_ECORRUPT, "length too large for width %" PRId64, w);
		if (nbytes > 0 && !a->buffers[1])
			return vfail(c, DLT_ECORRUPT, "data buffer is NULL");
		if (v.type != DLT_AT_FIXED_BINARY && a->buffers[1] &&
		    !aligned(a->buffers[1], (size_t)DLT_MIN(w, 8)))
			return vfail(c, DLT_ECORRUPT, "data buffer is not %d-byte aligned",
			             (int)DLT_MIN(w, 8));
		break;
	}
	}

	if (s->dictionary) {
		const struct ArrowArray *d = a->dictionary;
		size_t old = path_push(c, "", "<dictionary>");
		rc = validate_array(c, s->dictionary, d, depth + 1);
		path_pop(c, old);
		if (rc < 0)
			return rc;
		/* indices: v is the index type (checked integer by check_schema) */
		const uint8_t *ib = a->buffers[1];
		int w = v.bit_width / 8;
		for (int64_t i = a->offset; i < end; i++) {
			int64_t k;
			if (a->buffers[0] && !dlt_arrow__bit(a->buffers[0], i))
				continue;
			switch (v.type) {
			case DLT_AT_INT8: k = (int8_t)ib[i]; break;
			case DLT_AT_UINT8: k = ib[i]; break;
			case DLT_AT_INT16: { int16_t x; memcpy(&x, ib + 2 * i, 2); k = x; break; }
			case DLT_AT_UINT16: { uint16_t x; memcpy(&x, ib + 2 * i, 2); k = x; break; }
			case DLT_AT_INT32: { int32_t x; memcpy(&x, ib + 4 * i, 4); k = x; break; }
			case DLT_AT_UINT32: { uint32_t x; memcpy(&x, ib + 4 * i, 4); k = x; break; }
			case DLT_AT_INT64: memcpy(&k, ib + 8 * i, 8); break;
			default: {
				uint64_t x;
				memcpy(&x, ib + (size_t)w * (size_t)i, 8);
				k = x > INT64_MAX ? -1 : (int64_t)x;
				break;
			}
			}
			if (k < 0 || k >= d->length)
				return vfail(c, DLT_ECORRUPT, "dictionary index %" PRId64 " at %" PRId64
				             " out of range for a dictionary of %" PRId64, k,
				             i - a->offset, d->length);
		}
	}
	return DLT_OK;
}

int dlt_arrow__validate(const struct ArrowSchema *schema, const struct ArrowArray *array,
                        dlt_error *err)
{
	vctx c;
	c.err = err;
	c.plen = 0;
	c.path[0] = '\0';
	return validate_array(&c, schema, array, 0);
}
