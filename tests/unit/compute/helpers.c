/* Builders and readers for compute tests (see helpers.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "compute/helpers.h"

void h_schema(struct ArrowSchema *s, const char *format)
{
	assert_int_equal(dlt_schema__init_leaf(s, format, "x", true, NULL), DLT_OK);
}

void h_schema_nested(struct ArrowSchema *s, const char *format, struct ArrowSchema *children,
                     int64_t n)
{
	assert_int_equal(dlt_schema__init(s, format, "x", 2, n, NULL), DLT_OK);
	for (int64_t i = 0; i < n; i++)
		dlt_schema__move(s->children[i], &children[i]);
}

static void set_validity(struct ArrowArray *a, int64_t n, const char *valid)
{
	if (!valid)
		return;
	uint8_t *v = dlt_calloc(1, (size_t)(n + 8) / 8 + 8);
	int64_t nulls = 0;
	assert_non_null(v);
	for (int64_t i = 0; i < n; i++) {
		bool ok = valid[i] == '1';
		dlt_arrow__set_bit(v, i, ok);
		nulls += !ok;
	}
	a->null_count = nulls;
	dlt_array__set_buffer(a, 0, v);
}

void h_fixed(struct ArrowArray *a, const void *vals, int width, int64_t n, const char *valid)
{
	assert_int_equal(dlt_array__init(a, 2, 0, NULL), DLT_OK);
	void *d = dlt_malloc((size_t)(n * width) + 16);
	assert_non_null(d);
	if (n)
		memcpy(d, vals, (size_t)(n * width));
	a->length = n;
	dlt_array__set_buffer(a, 1, d);
	set_validity(a, n, valid);
}

void h_i32(struct ArrowArray *a, const int32_t *v, int64_t n, const char *valid)
{
	h_fixed(a, v, 4, n, valid);
}
void h_i64(struct ArrowArray *a, const int64_t *v, int64_t n, const char *valid)
{
	h_fixed(a, v, 8, n, valid);
}
void h_f64(struct ArrowArray *a, const double *v, int64_t n, const char *valid)
{
	h_fixed(a, v, 8, n, valid);
}

void h_dec(struct ArrowArray *a, const int64_t *v, int64_t n, const char *valid)
{
	uint8_t *buf = dlt_malloc((size_t)n * 16 + 16);
	assert_non_null(buf);
	for (int64_t i = 0; i < n; i++) {
		uint64_t lo = (uint64_t)v[i], hi = v[i] < 0 ? UINT64_MAX : 0;
		memcpy(buf + i * 16, &lo, 8);
		memcpy(buf + i * 16 + 8, &hi, 8);
	}
	h_fixed(a, buf, 16, n, valid);
	dlt_free(buf);
}

void h_bool(struct ArrowArray *a, const char *text)
{
	int64_t n = (int64_t)strlen(text);
	char *valid = dlt_malloc((size_t)n + 1);
	uint8_t *d = dlt_calloc(1, (size_t)(n + 8) / 8 + 8);
	assert_non_null(valid);
	assert_non_null(d);
	bool any_null = false;
	for (int64_t i = 0; i < n; i++) {
		valid[i] = text[i] == 'n' ? '0' : '1';
		any_null |= text[i] == 'n';
		dlt_arrow__set_bit(d, i, text[i] == '1');
	}
	valid[n] = 0;
	assert_int_equal(dlt_array__init(a, 2, 0, NULL), DLT_OK);
	a->length = n;
	dlt_array__set_buffer(a, 1, d);
	set_validity(a, n, any_null ? valid : NULL);
	dlt_free(valid);
}

void h_str(struct ArrowArray *a, const char *const *v, int64_t n, bool large)
{
	size_t total = 0;
	char *valid = dlt_malloc((size_t)n + 1);
	bool any_null = false;
	for (int64_t i = 0; i < n; i++) {
		total += v[i] ? strlen(v[i]) : 0;
		valid[i] = v[i] ? '1' : '0';
		any_null |= !v[i];
	}
	valid[n] = 0;
	uint8_t *d = dlt_malloc(total + 8);
	void *off = dlt_malloc((size_t)(n + 1) * (large ? 8 : 4));
	assert_non_null(d);
	assert_non_null(off);
	size_t pos = 0;
	for (int64_t i = 0; i <= n; i++) {
		if (large)
			((int64_t *)off)[i] = (int64_t)pos;
		else
			((int32_t *)off)[i] = (int32_t)pos;
		if (i < n && v[i]) {
			memcpy(d + pos, v[i], strlen(v[i]));
			pos += strlen(v[i]);
		}
	}
	assert_int_equal(dlt_array__init(a, 3, 0, NULL), DLT_OK);
	a->length = n;
	dlt_array__set_buffer(a, 1, off);
	dlt_array__set_buffer(a, 2, d);
	set_validity(a, n, any_null ? valid : NULL);
	dlt_free(valid);
}

void h_struct(struct ArrowArray *a, struct ArrowArray *children, int64_t n_children, int64_t n,
              const char *valid)
{
	assert_int_equal(dlt_array__init(a, 1, n_children, NULL), DLT_OK);
	a->length = n;
	for (int64_t i = 0; i < n_children; i++)
		dlt_array__move(a->children[i], &children[i]);
	set_validity(a, n, valid);
}

void h_list(struct ArrowArray *a, const int32_t *offsets, int64_t n, struct ArrowArray *child,
            const char *valid)
{
	assert_int_equal(dlt_array__init(a, 2, 1, NULL), DLT_OK);
	int32_t *o = dlt_malloc((size_t)(n + 1) * 4);
	assert_non_null(o);
	memcpy(o, offsets, (size_t)(n + 1) * 4);
	a->length = n;
	dlt_array__set_buffer(a, 1, o);
	dlt_array__move(a->children[0], child);
	set_validity(a, n, valid);
}

void h_skip(struct ArrowArray *a, int64_t k)
{
	a->offset += k;
	a->length -= k;
	a->null_count = -1;
}

bool h_null(const struct ArrowArray *a, int64_t i)
{
	return dlt_arrow__is_null(a, i);
}

int64_t h_int(const struct ArrowArray *a, int width, int64_t i)
{
	const uint8_t *p = (const uint8_t *)a->buffers[1] + (a->offset + i) * width;
	switch (width) {
	case 1: { int8_t v; memcpy(&v, p, 1); return v; }
	case 2: { int16_t v; memcpy(&v, p, 2); return v; }
	case 4: { int32_t v; memcpy(&v, p, 4); return v; }
	default: { int64_t v; memcpy(&v, p, 8); return v; }
	}
}

double h_dbl(const struct ArrowArray *a, int64_t i)
{
	double v;
	memcpy(&v, (const uint8_t *)a->buffers[1] + (a->offset + i) * 8, 8);
	return v;
}

const char *h_bools(const struct ArrowArray *a, char *buf)
{
	for (int64_t i = 0; i < a->length; i++)
		buf[i] = h_null(a, i) ? 'n' : dlt_arrow__bit(a->buffers[1], a->offset + i) ? '1' : '0';
	buf[a->length] = 0;
	return buf;
}

const char *h_strat(const struct ArrowArray *a, int64_t i, char *buf, size_t cap)
{
	if (h_null(a, i)) {
		snprintf(buf, cap, "<null>");
		return buf;
	}
	const int32_t *o = a->buffers[1];
	int32_t b = o[a->offset + i], e = o[a->offset + i + 1];
	snprintf(buf, cap, "%.*s", (int)(e - b), (const char *)a->buffers[2] + b);
	return buf;
}

int64_t h_dec_at(const struct ArrowArray *a, int64_t i)
{
	int64_t lo;
	memcpy(&lo, (const uint8_t *)a->buffers[1] + (a->offset + i) * 16, 8);
	return lo;
}
