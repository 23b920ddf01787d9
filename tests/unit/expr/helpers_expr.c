/* Builders and readers for expression tests (see helpers_expr.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "expr/helpers_expr.h"

void x_leaf(struct ArrowSchema *s, const char *fmt, const char *name)
{
	assert_int_equal(dlt_schema__init_leaf(s, fmt, name, true, NULL), DLT_OK);
}

void x_struct_schema(struct ArrowSchema *s, const char *name, struct ArrowSchema *children,
                     int64_t n)
{
	assert_int_equal(dlt_schema__init(s, "+s", name, 2, n, NULL), DLT_OK);
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
		dlt_arrow__set_bit(v, i, valid[i] == '1');
		nulls += valid[i] != '1';
	}
	a->null_count = nulls;
	dlt_array__set_buffer(a, 0, v);
}

void x_fixed(struct ArrowArray *a, const void *vals, int width, int64_t n, const char *valid)
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

void x_bool(struct ArrowArray *a, const char *text)
{
	int64_t n = (int64_t)strlen(text);
	char valid[256];
	uint8_t *d = dlt_calloc(1, (size_t)(n + 8) / 8 + 8);
	bool any_null = false;
	assert_true(n < 255);
	assert_non_null(d);
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
}

void x_str(struct ArrowArray *a, const char *const *v, int64_t n)
{
	size_t total = 0, pos = 0;
	char valid[256];
	bool any_null = false;
	assert_true(n < 255);
	for (int64_t i = 0; i < n; i++) {
		total += v[i] ? strlen(v[i]) : 0;
		valid[i] = v[i] ? '1' : '0';
		any_null |= !v[i];
	}
	valid[n] = 0;
	uint8_t *d = dlt_malloc(total + 8);
	int32_t *off = dlt_malloc((size_t)(n + 1) * 4);
	assert_non_null(d);
	assert_non_null(off);
	for (int64_t i = 0; i <= n; i++) {
		off[i] = (int32_t)pos;
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
}

void x_struct(struct ArrowArray *a, struct ArrowArray *children, int64_t nc, int64_t n,
              const char *valid)
{
	assert_int_equal(dlt_array__init(a, 1, nc, NULL), DLT_OK);
	a->length = n;
	a->null_count = 0;
	for (int64_t i = 0; i < nc; i++)
		dlt_array__move(a->children[i], &children[i]);
	set_validity(a, n, valid);
}

const char *x_bools(const struct ArrowArray *a, char *buf)
{
	for (int64_t i = 0; i < a->length; i++)
		buf[i] = dlt_arrow__is_null(a, i) ? 'n'
		         : dlt_arrow__bit(a->buffers[1], a->offset + i) ? '1' : '0';
	buf[a->length] = 0;
	return buf;
}

const char *x_eval_bools(const char *sql, const struct ArrowSchema *s, const struct ArrowArray *b,
                         char *buf)
{
	dlt_expr *e = NULL;
	struct ArrowArray out = { 0 };
	struct ArrowSchema os = { 0 };
	dlt_error err;
	int rc = dlt_expr_parse(&e, sql, &err);
	if (rc != DLT_OK)
		print_error("parse '%s': %s\n", sql, err.message);
	assert_int_equal(rc, DLT_OK);
	rc = dlt_expr_evaluate(&out, &os, e, s, b, &err);
	if (rc != DLT_OK)
		print_error("eval '%s': %s\n", sql, err.message);
	assert_int_equal(rc, DLT_OK);
	assert_string_equal(os.format, "b");
	assert_int_equal(out.length, b->length);
	x_bools(&out, buf);
	out.release(&out);
	os.release(&os);
	dlt_expr_free(e);
	return buf;
}

char *x_canon(const char *sql)
{
	dlt_expr *e = NULL;
	char *s = NULL;
	dlt_error err;
	int rc = dlt_expr_parse(&e, sql, &err);
	if (rc != DLT_OK)
		print_error("parse '%s': %s\n", sql, err.message);
	assert_int_equal(rc, DLT_OK);
	assert_int_equal(dlt_expr_to_string(&s, e, &err), DLT_OK);
	dlt_expr_free(e);
	return s;
}
