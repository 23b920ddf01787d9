/* Builders: append values row by row into growing buffers, finish into an
 * ArrowArray. The validity bitmap is materialized only at the first null, so
 * all-valid columns finish with buffers[0] == NULL and pay nothing per value. */
#include "arrow/arrow.h"

#include <stdio.h>

#define DLT_ARROW_MAX_DEPTH 64

struct dlt_builder {
	dlt_type_view tv;
	const struct ArrowSchema *schema; /* node inside the root's `owned` copy */
	struct ArrowSchema owned;         /* root only: the decoded schema copy */
	int64_t length;
	int64_t null_count;
	int width;       /* bytes per value (fixed), per offset (var, list, map); 0 otherwise */
	bool has_bitmap; /* validity materialized (a null was appended) */
	bool is_var;     /* string/binary (offsets + bytes) */
	bool is_offsets; /* var or list/large_list/map: data holds offsets */
	dlt_buf valid;   /* validity bits, (length + 7) / 8 bytes */
	dlt_buf data;    /* values, value bits (bool) or offsets */
	dlt_buf extra;   /* var: the bytes */
	int64_t n_children;
	dlt_builder **children;
};

static const char *bname(const dlt_builder *b)
{
	return (b->schema && b->schema->name) ? b->schema->name : "";
}

static int type_error(const dlt_builder *b, const char *what, dlt_error *err)
{
	char d[96];
	return dlt_error_set(err, DLT_ESCHEMA, "field '%s': cannot append %s to a %s column",
	                     bname(b), what, dlt_arrow__format_describe(b->schema->format, d,
	                                                                sizeof(d)));
}

static int oom(const dlt_builder *b, dlt_error *err)
{
	return dlt_error_set(err, DLT_ENOMEM, "field '%s': out of memory growing a builder",
	                     bname(b));
}

/* ---------- construction ---------- */

static void node_free(dlt_builder *b)
{
	if (!b)
		return;
	for (int64_t i = 0; i < b->n_children; i++)
		node_free(b->children[i]);
	dlt_free(b->children);
	dlt_buf_dispose(&b->valid);
	dlt_buf_dispose(&b->data);
	dlt_buf_dispose(&b->extra);
	dlt_schema__release(&b->owned);
	dlt_free(b);
}

static int node_new(dlt_builder **out, const struct ArrowSchema *s, int depth, dlt_error *err)
{
	dlt_builder *b;
	int rc;
	int64_t want = -1;

	*out = NULL;
	if (depth > DLT_ARROW_MAX_DEPTH)
		return dlt_error_set(err, DLT_ECORRUPT, "builder: nesting deeper than %d",
		                     DLT_ARROW_MAX_DEPTH);
	b = dlt_calloc(1, sizeof(*b));
	if (!b)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory creating a builder");
	b->schema = s;
	if ((rc = dlt_arrow__parse_format(&b->tv, s->format, err)) < 0) {
		dlt_error_prefix(err, "field '%s'", s->name ? s->name : "");
		goto fail;
	}
	switch (b->tv.type) {
	case DLT_AT_NA:
	case DLT_AT_STRUCT:
	case DLT_AT_FIXED_LIST:
		break;
	case DLT_AT_BOOL:
		b->width = 0;
		break;
	case DLT_AT_STRING:
	case DLT_AT_BINARY:
		b->is_var = b->is_offsets = true;
		b->width = 4;
		break;
	case DLT_AT_LARGE_STRING:
	case DLT_AT_LARGE_BINARY:
		b->is_var = b->is_offsets = true;
		b->width = 8;
		break;
	case DLT_AT_LIST:
	case DLT_AT_MAP:
		b->is_offsets = true;
		b->width = 4;
		break;
	case DLT_AT_LARGE_LIST:
		b->is_offsets = true;
		b->width = 8;
		break;
	case DLT_AT_FIXED_BINARY:
	case DLT_AT_DECIMAL128:
	case DLT_AT_DECIMAL256:
		b->width = b->tv.byte_width;
		break;
	default:
		b->width = b->tv.bit_width / 8;
		break;
	}
	if (b->tv.type == DLT_AT_LIST || b->tv.type == DLT_AT_LARGE_LIST ||
	    b->tv.type == DLT_AT_FIXED_LIST || b->tv.type == DLT_AT_MAP)
		want = 1;
	else if (b->tv.type != DLT_AT_STRUCT)
		want = 0;
	if ((want >= 0 && s->n_children != want) || s->n_children < 0 ||
	    (s->n_children > 0 && !s->children)) {
		rc = dlt_error_set(err, DLT_ECORRUPT, "field '%s': %" PRId64
		                   " children do not fit format '%s'",
		                   s->name ? s->name : "", s->n_children, s->format);
		goto fail;
	}
	if (b->tv.type == DLT_AT_MAP) {
		const struct ArrowSchema *e = s->children[0];
		if (!e || !e->format || strcmp(e->format, "+s") != 0 || e->n_children != 2) {
			rc = dlt_error_set(err, DLT_ECORRUPT,
			                   "field '%s': map entries must be a struct of 2 fields",
			                   s->name ? s->name : "");
			goto fail;
		}
	}
	if (s->n_children > 0) {
		b->children = dlt_calloc((size_t)s->n_children, sizeof(*b->children));
		if (!b->children) {
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory creating a builder");
			goto fail;
		}
		b->n_children = s->n_children;
		for (int64_t i = 0; i < s->n_children; i++) {
			if (!s->children[i]) {
				rc = dlt_error_set(err, DLT_ECORRUPT, "field '%s': child %" PRId64
				                   " is NULL", s->name ? s->name : "", i);
				goto fail;
			}
			if ((rc = node_new(&b->children[i], s->children[i], depth + 1, err)) < 0)
				goto fail;
		}
	}
	*out = b;
	return DLT_OK;
fail:
	node_free(b);
	return rc;
}

int dlt_builder__new(dlt_builder **out, const struct ArrowSchema *schema, dlt_error *err)
{
	struct ArrowSchema copy;
	dlt_builder *b;
	int rc;

	DLT_ARG_CHECK(out != NULL && schema != NULL, err);
	*out = NULL;
	if ((rc = dlt_schema__copy_decoded(&copy, schema, err)) < 0)
		return rc;
	if ((rc = node_new(&b, &copy, 0, err)) < 0) {
		dlt_schema__release(&copy);
		return rc;
	}
	dlt_schema__move(&b->owned, &copy);
	b->schema = &b->owned; /* the struct moved; children pointers are unchanged */
	*out = b;
	return DLT_OK;
}

void dlt_builder__free(dlt_builder *b) { node_free(b); }

dlt_builder *dlt_builder__child(dlt_builder *b, int64_t i)
{
	return (b && i >= 0 && i < b->n_children) ? b->children[i] : NULL;
}
int64_t dlt_builder__n_children(const dlt_builder *b) { return b ? b->n_children : 0; }
const dlt_type_view *dlt_builder__type(const dlt_builder *b) { return &b->tv; }
const struct ArrowSchema *dlt_builder__schema(const dlt_builder *b) { return b->schema; }
int64_t dlt_builder__length(const dlt_builder *b) { return b ? b->length : 0; }

/* ---------- bit helpers ---------- */

/* Append n bits of value v at bit index `at` (== bits already stored). */
static int bits_append(dlt_buf *bm, int64_t at, int64_t n, bool v, dlt_error *err)
{
	size_t need = (size_t)((at + n + 7) >> 3);
	uint8_t *p;
	int64_t i = at, end = at + n;

	if (n <= 0)
		return DLT_OK;
	if (need > bm->len) {
		if (dlt_buf_reserve(bm, need - bm->len, err) < 0)
			return DLT_ENOMEM;
		memset(bm->data + bm->len, 0, need - bm->len);
		bm->len = need;
	}
	if (!v)
		return DLT_OK; /* new bytes are zero; bits past `at` in the last byte are zero */
	p = bm->data;
	while (i < end && (i & 7)) {
		p[i >> 3] |= (uint8_t)(1u << (i & 7));
		i++;
	}
	if (end - i >= 8) {
		memset(p + (i >> 3), 0xff, (size_t)((end - i) >> 3));
		i += ((end - i) >> 3) << 3;
	}
	while (i < end) {
		p[i >> 3] |= (uint8_t)(1u << (i & 7));
		i++;
	}
	return DLT_OK;
}

static int materialize_bitmap(dlt_builder *b, dlt_error *err)
{
	if (b->has_bitmap)
		return DLT_OK;
	if (bits_append(&b->valid, 0, b->length, true, err) < 0)
		return oom(b, err);
	b->has_bitmap = true;
	return DLT_OK;
}

/* Room for one more validity bit (when a bitmap exists) and `bytes` more data bytes. */
static inline int reserve_one(dlt_builder *b, size_t bytes, dlt_error *err)
{
	if (DLT_UNLIKELY(b->has_bitmap) && (b->length & 7) == 0 && b->valid.len == b->valid.cap &&
	    dlt_buf_reserve(&b->valid, 1, err) < 0)
		return oom(b, err);
	if (DLT_UNLIKELY(b->data.len + bytes > b->data.cap) &&
	    dlt_buf_reserve(&b->data, bytes, err) < 0)
		return oom(b, err);
	return DLT_OK;
}

/* Record one valid slot (after reserve_one). */
static inline void commit_valid(dlt_builder *b)
{
	if (DLT_UNLIKELY(b->has_bitmap)) {
		if ((b->length & 7) == 0)
			b->valid.data[b->valid.len++] = 0;
		b->valid.data[b->length >> 3] |= (uint8_t)(1u << (b->length & 7));
	}
	b->length++;
}

static inline int push_fixed(dlt_builder *b, const void *v, size_t w, dlt_error *err)
{
	if (DLT_UNLIKELY(reserve_one(b, w, err) < 0))
		return DLT_ENOMEM;
	if (DLT_LIKELY(w != 0))
		memcpy(b->data.data + b->data.len, v, w);
	b->data.len += w;
	commit_valid(b);
	return DLT_OK;
}

static int64_t last_offset(const dlt_builder *b)
{
	if (b->data.len == 0)
		return 0;
	if (b->width == 4) {
		int32_t o;
		memcpy(&o, b->data.data + b->data.len - 4, 4);
		return o;
	}
	int64_t o;
	memcpy(&o, b->data.data + b->data.len - 8, 8);
	return o;
}

/* Append offset value `o` (n times), writing the initial 0 first if needed. */
static int push_offsets(dlt_builder *b, int64_t o, int64_t n, dlt_error *err)
{
	size_t bytes;
	bool init = b->data.len == 0;
	if (n <= 0 && !init)
		return DLT_OK;
	if (dlt_mul_overflow((size_t)n + (init ? 1 : 0), (size_t)b->width, &bytes) ||
	    dlt_buf_reserve(&b->data, bytes, err) < 0)
		return oom(b, err);
	if (init) {
		memset(b->data.data, 0, (size_t)b->width);
		b->data.len = (size_t)b->width;
	}
	for (int64_t i = 0; i < n; i++) {
		if (b->width == 4) {
			int32_t v = (int32_t)o;
			memcpy(b->data.data + b->data.len, &v, 4);
		} else {
			memcpy(b->data.data + b->data.len, &o, 8);
		}
		b->data.len += (size_t)b->width;
	}
	return DLT_OK;
}

/* ---------- nulls ---------- */

int dlt_builder__append_nulls(dlt_builder *b, int64_t n, dlt_error *err)
{
	int rc;
	size_t bytes;

	DLT_ARG_CHECK(b != NULL && n >= 0, err);
	if (n == 0)
		return DLT_OK;
	if (n > INT64_MAX / 2 - b->length)
		return dlt_error_set(err, DLT_ELIMIT, "field '%s': too many rows", bname(b));
	if (b->tv.type == DLT_AT_NA) {
		b->length += n;
		b->null_count += n;
		return DLT_OK;
	}
	if ((rc = materialize_bitmap(b, err)) < 0)
		return rc;
	switch (b->tv.type) {
	case DLT_AT_BOOL:
		if (bits_append(&b->data, b->length, n, false, err) < 0)
			return oom(b, err);
		break;
	case DLT_AT_STRUCT:
		for (int64_t i = 0; i < b->n_children; i++) {
			if ((rc = dlt_builder__append_nulls(b->children[i], n, err)) < 0)
				return rc;
		}
		break;
	case DLT_AT_FIXED_LIST: {
		int64_t cn;
		if (dlt_mul_overflow_i64(n, b->tv.byte_width, &cn))
			return dlt_error_set(err, DLT_ELIMIT, "field '%s': too many rows", bname(b));
		if ((rc = dlt_builder__append_nulls(b->children[0], cn, err)) < 0)
			return rc;
		break;
	}
	case DLT_AT_LIST:
	case DLT_AT_LARGE_LIST:
	case DLT_AT_MAP:
		if ((rc = push_offsets(b, b->children[0]->length, n, err)) < 0)
			return rc;
		break;
	default:
		if (b->is_var) {
			if ((rc = push_offsets(b, last_offset(b), n, err)) < 0)
				return rc;
			break;
		}
		if (dlt_mul_overflow((size_t)n, (size_t)b->width, &bytes) ||
		    dlt_buf_append_zeros(&b->data, bytes, err) < 0)
			return oom(b, err);
		break;
	}
	if (bits_append(&b->valid, b->length, n, false, err) < 0)
		return oom(b, err);
	b->length += n;
	b->null_count += n;
	return DLT_OK;
}

int dlt_builder__append_null(dlt_builder *b, dlt_error *err)
{
	return dlt_builder__append_nulls(b, 1, err);
}

/* ---------- typed appends ---------- */

int dlt_builder__append_bool(dlt_builder *b, bool v, dlt_error *err)
{
	if (b->tv.type != DLT_AT_BOOL)
		return type_error(b, "a boolean", err);
	if (DLT_UNLIKELY(reserve_one(b, (b->length & 7) == 0 ? 1 : 0, err) < 0))
		return DLT_ENOMEM;
	if ((b->length & 7) == 0)
		b->data.data[b->data.len++] = 0;
	if (v)
		b->data.data[b->length >> 3] |= (uint8_t)(1u << (b->length & 7));
	commit_valid(b);
	return DLT_OK;
}

static int range_error(const dlt_builder *b, const char *v, dlt_error *err)
{
	char d[96];
	return dlt_error_set(err, DLT_ESCHEMA, "field '%s': value %s out of range for %s",
	                     bname(b), v, dlt_arrow__format_describe(b->schema->format, d,
	                                                             sizeof(d)));
}

static int range_error_i(const dlt_builder *b, int64_t v, dlt_error *err)
{
	char t[32];
	snprintf(t, sizeof(t), "%" PRId64, v);
	return range_error(b, t, err);
}

int dlt_builder__append_int(dlt_builder *b, int64_t v, dlt_error *err)
{
	switch (b->tv.type) {
	case DLT_AT_INT64:
	case DLT_AT_DATE64:
	case DLT_AT_TIME64:
	case DLT_AT_TIMESTAMP:
	case DLT_AT_DURATION:
		return push_fixed(b, &v, 8, err);
	case DLT_AT_INT32:
	case DLT_AT_DATE32:
	case DLT_AT_TIME32: {
		int32_t x = (int32_t)v;
		if (DLT_UNLIKELY(v < INT32_MIN || v > INT32_MAX))
			return range_error_i(b, v, err);
		return push_fixed(b, &x, 4, err);
	}
	case DLT_AT_INT16: {
		int16_t x = (int16_t)v;
		if (v < INT16_MIN || v > INT16_MAX)
			return range_error_i(b, v, err);
		return push_fixed(b, &x, 2, err);
	}
	case DLT_AT_INT8: {
		int8_t x = (int8_t)v;
		if (v < INT8_MIN || v > INT8_MAX)
			return range_error_i(b, v, err);
		return push_fixed(b, &x, 1, err);
	}
	case DLT_AT_UINT8:
	case DLT_AT_UINT16:
	case DLT_AT_UINT32:
	case DLT_AT_UINT64:
		if (v < 0)
			return range_error_i(b, v, err);
		return dlt_builder__append_uint(b, (uint64_t)v, err);
	default:
		return type_error(b, "an integer", err);
	}
}

int dlt_builder__append_uint(dlt_builder *b, uint64_t v, dlt_error *err)
{
	char t[32];
	switch (b->tv.type) {
	case DLT_AT_UINT64:
		return push_fixed(b, &v, 8, err);
	case DLT_AT_UINT32: {
		uint32_t x = (uint32_t)v;
		if (v > UINT32_MAX)
			break;
		return push_fixed(b, &x, 4, err);
	}
	case DLT_AT_UINT16: {
		uint16_t x = (uint16_t)v;
		if (v > UINT16_MAX)
			break;
		return push_fixed(b, &x, 2, err);
	}
	case DLT_AT_UINT8: {
		uint8_t x = (uint8_t)v;
		if (v > UINT8_MAX)
			break;
		return push_fixed(b, &x, 1, err);
	}
	default:
		if (v > (uint64_t)INT64_MAX) {
			if (dlt_arrow__is_integer(b->tv.type))
				break;
			return type_error(b, "an unsigned integer", err);
		}
		return dlt_builder__append_int(b, (int64_t)v, err);
	}
	snprintf(t, sizeof(t), "%" PRIu64, v);
	return range_error(b, t, err);
}

/* IEEE binary16 from a double, rounding to nearest even. */
static uint16_t half_from_double(double d)
{
	uint64_t u, mant, rem, half;
	uint16_t sign, h;
	int exp, e, shift;

	memcpy(&u, &d, 8);
	sign = (uint16_t)((u >> 48) & 0x8000);
	exp = (int)((u >> 52) & 0x7ff);
	mant = u & 0xFFFFFFFFFFFFFull;
	if (exp == 0x7ff)
		return (uint16_t)(sign | 0x7c00 | (mant ? 0x200 : 0));
	e = exp - 1023 + 15;
	if (e >= 31)
		return (uint16_t)(sign | 0x7c00);
	if (e <= 0) {
		if (exp == 0)
			return sign; /* double subnormal: far below half's range */
		mant |= 1ull << 52;
		shift = 1051 - exp;
		if (shift >= 64)
			return sign;
		h = (uint16_t)(mant >> shift);
		rem = mant & ((1ull << shift) - 1);
		half = 1ull << (shift - 1);
		if (rem > half || (rem == half && (h & 1)))
			h++;
		return (uint16_t)(sign | h);
	}
	h = (uint16_t)(((unsigned)e << 10) | (unsigned)(mant >> 42));
	rem = mant & ((1ull << 42) - 1);
	half = 1ull << 41;
	if (rem > half || (rem == half && (h & 1)))
		h++; /* may carry into the exponent, up to infinity: correct */
	return (uint16_t)(sign | h);
}

int dlt_builder__append_double(dlt_builder *b, double v, dlt_error *err)
{
	switch (b->tv.type) {
	case DLT_AT_FLOAT64:
		return push_fixed(b, &v, 8, err);
	case DLT_AT_FLOAT32: {
		float f = (float)v;
		return push_fixed(b, &f, 4, err);
	}
	case DLT_AT_FLOAT16: {
		uint16_t h = half_from_double(v);
		return push_fixed(b, &h, 2, err);
	}
	default:
		return type_error(b, "a floating-point number", err);
	}
}

int dlt_builder__append_bytes(dlt_builder *b, const void *data, size_t n, dlt_error *err)
{
	if (b->is_var) {
		int64_t end = last_offset(b);
		size_t obytes = b->data.len == 0 ? 2 * (size_t)b->width : (size_t)b->width;
		if (n > (size_t)(b->width == 4 ? INT32_MAX : INT64_MAX) - (size_t)end)
			return dlt_error_set(err, DLT_ELIMIT,
			                     "field '%s': more than %s bytes of data in one array",
			                     bname(b), b->width == 4 ? "2^31-1" : "2^63-1");
		end += (int64_t)n;
		if (DLT_UNLIKELY(reserve_one(b, obytes, err) < 0))
			return DLT_ENOMEM;
		if (DLT_UNLIKELY(b->extra.len + n > b->extra.cap) &&
		    dlt_buf_reserve(&b->extra, n, err) < 0)
			return oom(b, err);
		if (b->data.len == 0) {
			memset(b->data.data, 0, (size_t)b->width);
			b->data.len = (size_t)b->width;
		}
		if (n)
			memcpy(b->extra.data + b->extra.len, data, n);
		b->extra.len += n;
		if (b->width == 4) {
			int32_t o = (int32_t)end;
			memcpy(b->data.data + b->data.len, &o, 4);
		} else {
			memcpy(b->data.data + b->data.len, &end, 8);
		}
		b->data.len += (size_t)b->width;
		commit_valid(b);
		return DLT_OK;
	}
	if (b->tv.type == DLT_AT_FIXED_BINARY) {
		if (n != (size_t)b->width)
			return dlt_error_set(err, DLT_ESCHEMA,
			                     "field '%s': %zu bytes do not fit fixed_size_binary[%d]",
			                     bname(b), n, b->width);
		if (DLT_UNLIKELY(reserve_one(b, n, err) < 0))
			return DLT_ENOMEM;
		if (n)
			memcpy(b->data.data + b->data.len, data, n);
		b->data.len += n;
		commit_valid(b);
		return DLT_OK;
	}
	return type_error(b, "bytes", err);
}

int dlt_builder__append_decimal(dlt_builder *b, const uint64_t *words, int n_words,
                                dlt_error *err)
{
	uint64_t w[4];
	int need;

	if (b->tv.type != DLT_AT_DECIMAL128 && b->tv.type != DLT_AT_DECIMAL256)
		return type_error(b, "a decimal", err);
	if (!words || (n_words != 2 && n_words != 4))
		return dlt_error_set(err, DLT_EINVAL, "field '%s': decimal needs 2 or 4 words",
		                     bname(b));
	need = b->tv.type == DLT_AT_DECIMAL128 ? 2 : 4;
	for (int i = 0; i < 4; i++) {
		if (i < n_words)
			w[i] = words[i];
		else
			w[i] = (words[n_words - 1] >> 63) ? UINT64_MAX : 0; /* sign extension */
	}
	if (need == 2 && n_words == 4) {
		uint64_t ext = (w[1] >> 63) ? UINT64_MAX : 0;
		if (w[2] != ext || w[3] != ext)
			return range_error(b, "(256-bit)", err);
	}
	return push_fixed(b, w, (size_t)need * 8, err);
}

int dlt_builder__append_valid(dlt_builder *b, dlt_error *err)
{
	switch (b->tv.type) {
	case DLT_AT_STRUCT:
		for (int64_t i = 0; i < b->n_children; i++) {
			if (b->children[i]->length != b->length + 1)
				return dlt_error_set(err, DLT_ESCHEMA,
				                     "struct '%s': child '%s' has %" PRId64
				                     " values, expected %" PRId64,
				                     bname(b), bname(b->children[i]),
				                     b->children[i]->length, b->length + 1);
		}
		if (DLT_UNLIKELY(reserve_one(b, 0, err) < 0))
			return DLT_ENOMEM;
		commit_valid(b);
		return DLT_OK;
	case DLT_AT_FIXED_LIST: {
		int64_t want;
		if (dlt_mul_overflow_i64(b->length + 1, b->tv.byte_width, &want) ||
		    b->children[0]->length != want)
			return dlt_error_set(err, DLT_ESCHEMA,
			                     "fixed_size_list '%s': child has %" PRId64
			                     " values, expected %" PRId64, bname(b),
			                     b->children[0]->length, want);
		if (DLT_UNLIKELY(reserve_one(b, 0, err) < 0))
			return DLT_ENOMEM;
		commit_valid(b);
		return DLT_OK;
	}
	case DLT_AT_LIST:
	case DLT_AT_LARGE_LIST:
	case DLT_AT_MAP: {
		int64_t end = b->children[0]->length;
		size_t obytes = b->data.len == 0 ? 2 * (size_t)b->width : (size_t)b->width;
		if (b->width == 4 && end > INT32_MAX)
			return dlt_error_set(err, DLT_ELIMIT,
			                     "list '%s': more than 2^31-1 child values in one array",
			                     bname(b));
		if (DLT_UNLIKELY(reserve_one(b, obytes, err) < 0))
			return DLT_ENOMEM;
		if (b->data.len == 0) {
			memset(b->data.data, 0, (size_t)b->width);
			b->data.len = (size_t)b->width;
		}
		if (b->width == 4) {
			int32_t o = (int32_t)end;
			memcpy(b->data.data + b->data.len, &o, 4);
		} else {
			memcpy(b->data.data + b->data.len, &end, 8);
		}
		b->data.len += (size_t)b->width;
		commit_valid(b);
		return DLT_OK;
	}
	default:
		return type_error(b, "a nested element", err);
	}
}

int dlt_builder__reserve(dlt_builder *b, int64_t additional, dlt_error *err)
{
	size_t bytes;
	int rc;

	DLT_ARG_CHECK(b != NULL && additional >= 0, err);
	if (b->has_bitmap && dlt_buf_reserve(&b->valid, (size_t)(additional >> 3) + 1, err) < 0)
		return oom(b, err);
	switch (b->tv.type) {
	case DLT_AT_NA:
		return DLT_OK;
	case DLT_AT_BOOL:
		bytes = (size_t)(additional >> 3) + 1;
		break;
	case DLT_AT_STRUCT:
		for (int64_t i = 0; i < b->n_children; i++) {
			if ((rc = dlt_builder__reserve(b->children[i], additional, err)) < 0)
				return rc;
		}
		return DLT_OK;
	case DLT_AT_FIXED_LIST: {
		int64_t cn;
		if (dlt_mul_overflow_i64(additional, b->tv.byte_width, &cn))
			return oom(b, err);
		return dlt_builder__reserve(b->children[0], cn, err);
	}
	default:
		if (dlt_mul_overflow((size_t)additional + 1, (size_t)b->width, &bytes))
			return oom(b, err);
		break;
	}
	if (dlt_buf_reserve(&b->data, bytes, err) < 0)
		return oom(b, err);
	return DLT_OK;
}

/* ---------- finish ---------- */

/* Make every buffer the finished array needs exist (may allocate, may fail). */
static int prepare(dlt_builder *b, dlt_error *err)
{
	int rc;
	if (b->is_offsets && b->data.len == 0 && (rc = push_offsets(b, 0, 0, err)) < 0)
		return rc;
	if (b->tv.n_buffers >= 2 && !b->data.data && dlt_buf_reserve(&b->data, 1, err) < 0)
		return oom(b, err);
	if (b->is_var && !b->extra.data && dlt_buf_reserve(&b->extra, 1, err) < 0)
		return oom(b, err);
	for (int64_t i = 0; i < b->n_children; i++) {
		if ((rc = prepare(b->children[i], err)) < 0)
			return rc;
	}
	return DLT_OK;
}

static int skeleton(struct ArrowArray *out, const dlt_builder *b, dlt_error *err)
{
	int rc;
	if ((rc = dlt_array__init(out, b->tv.n_buffers, b->n_children, err)) < 0)
		return rc;
	for (int64_t i = 0; i < b->n_children; i++) {
		if ((rc = skeleton(out->children[i], b->children[i], err)) < 0)
			return rc; /* the caller releases the root */
	}
	return DLT_OK;
}

static void transfer(struct ArrowArray *out, dlt_builder *b)
{
	out->length = b->length;
	out->null_count = b->null_count;
	out->offset = 0;
	if (b->tv.n_buffers >= 1) {
		if (b->has_bitmap && b->null_count > 0)
			out->buffers[0] = dlt_buf_detach(&b->valid, NULL);
		else
			dlt_buf_dispose(&b->valid);
	}
	if (b->tv.n_buffers >= 2)
		out->buffers[1] = dlt_buf_detach(&b->data, NULL);
	if (b->tv.n_buffers >= 3)
		out->buffers[2] = dlt_buf_detach(&b->extra, NULL);
	b->length = 0;
	b->null_count = 0;
	b->has_bitmap = false;
	for (int64_t i = 0; i < b->n_children; i++)
		transfer(out->children[i], b->children[i]);
}

int dlt_builder__finish(struct ArrowArray *out, dlt_builder *b, dlt_error *err)
{
	int rc;
	DLT_ARG_CHECK(out != NULL && b != NULL, err);
	memset(out, 0, sizeof(*out));
	if ((rc = prepare(b, err)) < 0)
		return rc;
	if ((rc = skeleton(out, b, err)) < 0) {
		dlt_array__release(out);
		return rc;
	}
	transfer(out, b);
	return DLT_OK;
}

/* ---------- append_from ---------- */

static int from_error(const dlt_builder *b, const char *src_format, dlt_error *err)
{
	char d1[96], d2[96];
	return dlt_error_set(err, DLT_ESCHEMA, "field '%s': cannot append a %s value to a %s column",
	                     bname(b), dlt_arrow__format_describe(src_format, d1, sizeof(d1)),
	                     dlt_arrow__format_describe(b->schema->format, d2, sizeof(d2)));
}

static int64_t read_index(dlt_atype t, const void *buf, int64_t i)
{
	const uint8_t *p = buf;
	switch (t) {
	case DLT_AT_INT8: return ((const int8_t *)buf)[i];
	case DLT_AT_UINT8: return p[i];
	case DLT_AT_INT16: { int16_t v; memcpy(&v, p + 2 * i, 2); return v; }
	case DLT_AT_UINT16: { uint16_t v; memcpy(&v, p + 2 * i, 2); return v; }
	case DLT_AT_INT32: { int32_t v; memcpy(&v, p + 4 * i, 4); return v; }
	case DLT_AT_UINT32: { uint32_t v; memcpy(&v, p + 4 * i, 4); return v; }
	case DLT_AT_INT64: { int64_t v; memcpy(&v, p + 8 * i, 8); return v; }
	default: { uint64_t v; memcpy(&v, p + 8 * i, 8); return v > INT64_MAX ? -1 : (int64_t)v; }
	}
}

static int64_t read_offset(const void *buf, int w, int64_t i)
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

static int append_from(dlt_builder *b, const struct ArrowSchema *ss, const struct ArrowArray *sa,
                       int64_t i, int depth, dlt_error *err)
{
	dlt_type_view sv;
	int rc;
	int64_t j;

	if (depth > DLT_ARROW_MAX_DEPTH)
		return dlt_error_set(err, DLT_ECORRUPT, "append: nesting deeper than %d",
		                     DLT_ARROW_MAX_DEPTH);
	if ((rc = dlt_arrow__parse_format(&sv, ss->format, err)) < 0)
		return rc;
	if (dlt_arrow__is_null(sa, i))
		return dlt_builder__append_null(b, err);
	j = sa->offset + i;
	if (ss->dictionary) {
		if (!dlt_arrow__is_integer(sv.type))
			return from_error(b, ss->format, err);
		int64_t k = read_index(sv.type, sa->buffers[1], j);
		if (k < 0 || !sa->dictionary || k >= sa->dictionary->length)
			return dlt_error_set(err, DLT_ECORRUPT, "field '%s': dictionary index %" PRId64
			                     " out of range", bname(b), k);
		return append_from(b, ss->dictionary, sa->dictionary, k, depth + 1, err);
	}
	if (sv.type != b->tv.type) {
		bool ok = false;
		if (dlt_arrow__is_integer(sv.type) && dlt_arrow__is_integer(b->tv.type)) {
			int64_t w = sv.bit_width / 8;
			const uint8_t *p = (const uint8_t *)sa->buffers[1] + j * w;
			if (dlt_arrow__is_signed(sv.type)) {
				int64_t v = sv.type == DLT_AT_INT8 ? (int8_t)p[0] : 0;
				if (sv.type == DLT_AT_INT16) { int16_t x; memcpy(&x, p, 2); v = x; }
				if (sv.type == DLT_AT_INT32) { int32_t x; memcpy(&x, p, 4); v = x; }
				if (sv.type == DLT_AT_INT64) memcpy(&v, p, 8);
				return dlt_builder__append_int(b, v, err);
			} else {
				uint64_t v = sv.type == DLT_AT_UINT8 ? p[0] : 0;
				if (sv.type == DLT_AT_UINT16) { uint16_t x; memcpy(&x, p, 2); v = x; }
				if (sv.type == DLT_AT_UINT32) { uint32_t x; memcpy(&x, p, 4); v = x; }
				if (sv.type == DLT_AT_UINT64) memcpy(&v, p, 8);
				return dlt_builder__append_uint(b, v, err);
			}
		}
		switch (b->tv.type) {
		case DLT_AT_STRING: case DLT_AT_LARGE_STRING:
			ok = sv.type == DLT_AT_STRING || sv.type == DLT_AT_LARGE_STRING;
			break;
		case DLT_AT_BINARY: case DLT_AT_LARGE_BINARY:
			ok = sv.type == DLT_AT_BINARY || sv.type == DLT_AT_LARGE_BINARY ||
			     sv.type == DLT_AT_STRING || sv.type == DLT_AT_LARGE_STRING;
			break;
		case DLT_AT_LIST: case DLT_AT_LARGE_LIST:
			ok = sv.type == DLT_AT_LIST || sv.type == DLT_AT_LARGE_LIST;
			break;
		default:
			break;
		}
		if (!ok)
			return from_error(b, ss->format, err);
	} else if (sv.byte_width != b->tv.byte_width ||
	           ((sv.type == DLT_AT_TIME32 || sv.type == DLT_AT_TIME64 ||
	             sv.type == DLT_AT_TIMESTAMP || sv.type == DLT_AT_DURATION) &&
	            sv.unit != b->tv.unit) ||
	           (sv.type == DLT_AT_STRUCT && ss->n_children != b->n_children)) {
		return from_error(b, ss->format, err);
	}

	switch (sv.type) {
	case DLT_AT_NA:
		return dlt_builder__append_null(b, err);
	case DLT_AT_BOOL:
		return dlt_builder__append_bool(b, dlt_arrow__bit(sa->buffers[1], j), err);
	case DLT_AT_STRING:
	case DLT_AT_LARGE_STRING:
	case DLT_AT_BINARY:
	case DLT_AT_LARGE_BINARY: {
		int w = (sv.type == DLT_AT_STRING || sv.type == DLT_AT_BINARY) ? 4 : 8;
		int64_t s0 = read_offset(sa->buffers[1], w, j), s1 = read_offset(sa->buffers[1], w, j + 1);
		const uint8_t *d = (const uint8_t *)sa->buffers[2];
		return dlt_builder__append_bytes(b, d ? d + s0 : (const uint8_t *)"",
		                                 (size_t)(s1 - s0), err);
	}
	case DLT_AT_STRUCT:
		for (int64_t c = 0; c < b->n_children; c++) {
			if ((rc = append_from(b->children[c], ss->children[c], sa->children[c], j,
			                      depth + 1, err)) < 0)
				return rc;
		}
		return dlt_builder__append_valid(b, err);
	case DLT_AT_LIST:
	case DLT_AT_LARGE_LIST:
	case DLT_AT_MAP: {
		int w = sv.type == DLT_AT_LARGE_LIST ? 8 : 4;
		int64_t s0 = read_offset(sa->buffers[1], w, j), s1 = read_offset(sa->buffers[1], w, j + 1);
		for (int64_t k = s0; k < s1; k++) {
			if ((rc = append_from(b->children[0], ss->children[0], sa->children[0], k,
			                      depth + 1, err)) < 0)
				return rc;
		}
		return dlt_builder__append_valid(b, err);
	}
	case DLT_AT_FIXED_LIST: {
		int64_t n = sv.byte_width;
		for (int64_t k = j * n; k < (j + 1) * n; k++) {
			if ((rc = append_from(b->children[0], ss->children[0], sa->children[0], k,
			                      depth + 1, err)) < 0)
				return rc;
		}
		return dlt_builder__append_valid(b, err);
	}
	default: { /* fixed width: copy the raw value */
		size_t w = (size_t)b->width;
		return push_fixed(b, (const uint8_t *)sa->buffers[1] + (size_t)j * w, w, err);
	}
	}
}

int dlt_builder__append_from(dlt_builder *b, const struct ArrowSchema *src_schema,
                             const struct ArrowArray *src, int64_t i, dlt_error *err)
{
	DLT_ARG_CHECK(b != NULL && src_schema != NULL && src != NULL, err);
	if (i < 0 || i >= src->length)
		return dlt_error_set(err, DLT_EINVAL, "append: index %" PRId64
		                     " out of range for an array of length %" PRId64, i, src->length);
	return append_from(b, src_schema, src, i, 0, err);
}

/* ---------- append_range ---------- */

/* Validity of src[j0, j0 + n) appended to b (b->length not yet advanced). */
static int copy_validity(dlt_builder *b, const struct ArrowArray *sa, int64_t j0, int64_t n,
                         dlt_error *err)
{
	const uint8_t *bm = sa->buffers[0];
	int64_t nulls = 0;
	if (bm == NULL || sa->null_count == 0) {
		if (b->has_bitmap && bits_append(&b->valid, b->length, n, true, err) < 0)
			return oom(b, err);
		return DLT_OK;
	}
	if (materialize_bitmap(b, err) < 0 || bits_append(&b->valid, b->length, n, false, err) < 0)
		return oom(b, err);
	for (int64_t k = 0; k < n; k++) {
		if (dlt_arrow__bit(bm, j0 + k))
			b->valid.data[(b->length + k) >> 3] |= (uint8_t)(1u << ((b->length + k) & 7));
		else
			nulls++;
	}
	b->null_count += nulls;
	return DLT_OK;
}

int dlt_builder__append_range(dlt_builder *b, const struct ArrowSchema *src_schema,
                              const struct ArrowArray *src, int64_t offset, int64_t n,
                              dlt_error *err)
{
	dlt_type_view sv;
	int rc;
	int64_t j0;

	DLT_ARG_CHECK(b != NULL && src_schema != NULL && src != NULL, err);
	if (offset < 0 || n < 0 || offset > src->length || n > src->length - offset)
		return dlt_error_set(err, DLT_EINVAL, "append: range [%" PRId64 ", +%" PRId64
		                     ") out of range for an array of length %" PRId64, offset, n,
		                     src->length);
	if (n == 0)
		return DLT_OK;
	if ((rc = dlt_arrow__parse_format(&sv, src_schema->format, err)) < 0)
		return rc;
	j0 = src->offset + offset;
	if (!src_schema->dictionary && sv.type == b->tv.type && sv.byte_width == b->tv.byte_width &&
	    sv.unit == b->tv.unit && !dlt_arrow__is_nested(sv.type) && sv.type != DLT_AT_NA) {
		if (sv.type == DLT_AT_BOOL) {
			if (bits_append(&b->data, b->length, n, false, err) < 0)
				return oom(b, err);
			for (int64_t k = 0; k < n; k++) {
				if (dlt_arrow__bit(src->buffers[1], j0 + k))
					dlt_arrow__set_bit(b->data.data, b->length + k, true);
			}
		} else if (b->is_var) {
			int w = b->width;
			const uint8_t *ob = src->buffers[1];
			const uint8_t *d = src->buffers[2];
			int64_t s0 = read_offset(ob, w, j0), s1 = read_offset(ob, w, j0 + n);
			int64_t base = last_offset(b);
			size_t bytes = (size_t)(s1 - s0);
			if (bytes > (size_t)(w == 4 ? INT32_MAX : INT64_MAX) - (size_t)base)
				return dlt_error_set(err, DLT_ELIMIT,
				                     "field '%s': too much data in one array", bname(b));
			if (push_offsets(b, 0, 0, err) < 0 ||
			    dlt_buf_reserve(&b->data, (size_t)n * (size_t)w, err) < 0 ||
			    dlt_buf_reserve(&b->extra, bytes, err) < 0)
				return oom(b, err);
			if (bytes)
				memcpy(b->extra.data + b->extra.len, d + s0, bytes);
			b->extra.len += bytes;
			for (int64_t k = 1; k <= n; k++) {
				int64_t o = read_offset(ob, w, j0 + k) - s0 + base;
				if (w == 4) {
					int32_t x = (int32_t)o;
					memcpy(b->data.data + b->data.len, &x, 4);
				} else {
					memcpy(b->data.data + b->data.len, &o, 8);
				}
				b->data.len += (size_t)w;
			}
		} else {
			size_t w = (size_t)b->width, bytes = (size_t)n * w;
			if (dlt_buf_reserve(&b->data, bytes, err) < 0)
				return oom(b, err);
			if (bytes)
				memcpy(b->data.data + b->data.len,
				       (const uint8_t *)src->buffers[1] + (size_t)j0 * w, bytes);
			b->data.len += bytes;
		}
		if ((rc = copy_validity(b, src, j0, n, err)) < 0)
			return rc;
		b->length += n;
		return DLT_OK;
	}
	for (int64_t k = 0; k < n; k++) {
		if ((rc = append_from(b, src_schema, src, offset + k, 0, err)) < 0)
			return rc;
	}
	return DLT_OK;
}
