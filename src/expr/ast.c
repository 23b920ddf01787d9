/* Expression trees: nodes, public builders, literals, type names, canonical text. */
#include "expr/expr.h"
#include "util/parse.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <strings.h>

/* ---------- nodes ---------- */

int dlt_expr__new(dlt_expr **out, dlt_expr__kind kind, dlt_error *err)
{
	dlt_expr *e = dlt_calloc(1, sizeof(*e));
	*out = NULL;
	if (!e)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory building an expression");
	e->kind = kind;
	e->escape = '\\';
	e->depth = 1;
	*out = e;
	return DLT_OK;
}

DLT_API void dlt_expr_free(dlt_expr *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n_args; i++)
		dlt_expr_free(e->args[i]);
	dlt_free(e->args);
	for (size_t i = 0; i < e->path_len; i++)
		dlt_free(e->path[i]);
	dlt_free(e->path);
	dlt_schema__release(&e->lit_schema);
	dlt_array__release(&e->lit);
	dlt_free(e->idx);
	dlt_free(e);
}

int dlt_expr__push(dlt_expr *e, dlt_expr *child, dlt_error *err)
{
	dlt_expr **a;
	if (!child)
		return dlt_error_set(err, DLT_EINVAL, "expression operand is NULL");
	if (child->depth + 1 > DLT_EXPR_MAX_DEPTH) {
		dlt_expr_free(child);
		return dlt_error_set(err, DLT_ELIMIT, "expression nesting exceeds %d levels",
		                     DLT_EXPR_MAX_DEPTH);
	}
	a = dlt_realloc(e->args, (e->n_args + 1) * sizeof(*a));
	if (!a) {
		dlt_expr_free(child);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory building an expression");
	}
	e->args = a;
	a[e->n_args++] = child;
	if (child->depth + 1 > e->depth)
		e->depth = child->depth + 1;
	return DLT_OK;
}

bool dlt_expr__lit_is_null(const dlt_expr *e)
{
	return e->kind == DLT_EK_LITERAL && dlt_arrow__is_null(&e->lit, 0);
}

/* ---------- literals ---------- */

int dlt_expr__literal_from(dlt_expr **out, const struct ArrowSchema *schema,
                           const struct ArrowArray *a, int64_t i, dlt_error *err)
{
	dlt_expr *e;
	int rc;
	*out = NULL;
	if ((rc = dlt_expr__new(&e, DLT_EK_LITERAL, err)) < 0)
		return rc;
	if ((rc = dlt_schema__init_leaf(&e->lit_schema, schema->format, "literal", true, err)) < 0 ||
	    (rc = dlt_compute__slice(&e->lit, schema, a, i, 1, err)) < 0) {
		dlt_expr_free(e);
		return rc;
	}
	*out = e;
	return DLT_OK;
}

/* A builder for one value of format fmt. */
static int lit_begin(dlt_builder **b, const char *fmt, dlt_error *err)
{
	struct ArrowSchema s = { 0 };
	int rc = dlt_schema__init_leaf(&s, fmt, "literal", true, err);
	if (rc < 0)
		return rc;
	rc = dlt_builder__new(b, &s, err);
	dlt_schema__release(&s);
	return rc;
}

/* Finish the builder into a literal node (frees b on every path). */
static int lit_end(dlt_expr **out, dlt_builder *b, int rc, dlt_error *err)
{
	dlt_expr *e = NULL;
	*out = NULL;
	if (rc >= 0)
		rc = dlt_expr__new(&e, DLT_EK_LITERAL, err);
	if (rc >= 0)
		rc = dlt_schema__copy(&e->lit_schema, dlt_builder__schema(b), err);
	if (rc >= 0)
		rc = dlt_builder__finish(&e->lit, b, err);
	dlt_builder__free(b);
	if (rc < 0) {
		dlt_expr_free(e);
		return rc;
	}
	*out = e;
	return DLT_OK;
}

int dlt_expr__literal_null_of(dlt_expr **out, const char *fmt, dlt_error *err)
{
	dlt_builder *b = NULL;
	int rc;
	*out = NULL;
	if ((rc = lit_begin(&b, fmt, err)) < 0)
		return rc;
	return lit_end(out, b, dlt_builder__append_null(b, err), err);
}

static int lit_int(dlt_expr **out, const char *fmt, int64_t v, dlt_error *err)
{
	dlt_builder *b = NULL;
	int rc;
	if (!out)
		return dlt_error_set(err, DLT_EINVAL, "literal: out is NULL");
	*out = NULL;
	if ((rc = lit_begin(&b, fmt, err)) < 0)
		return rc;
	return lit_end(out, b, dlt_builder__append_int(b, v, err), err);
}

DLT_API int dlt_expr_literal_null(dlt_expr **out, dlt_error *err)
{
	DLT_ARG_CHECK(out != NULL, err);
	return dlt_expr__literal_null_of(out, "n", err);
}

DLT_API int dlt_expr_literal_bool(dlt_expr **out, int value, dlt_error *err)
{
	dlt_builder *b = NULL;
	int rc;
	DLT_ARG_CHECK(out != NULL, err);
	*out = NULL;
	if ((rc = lit_begin(&b, "b", err)) < 0)
		return rc;
	return lit_end(out, b, dlt_builder__append_bool(b, value != 0, err), err);
}

DLT_API int dlt_expr_literal_int8(dlt_expr **out, int8_t v, dlt_error *err)
{
	return lit_int(out, "c", v, err);
}
DLT_API int dlt_expr_literal_int16(dlt_expr **out, int16_t v, dlt_error *err)
{
	return lit_int(out, "s", v, err);
}
DLT_API int dlt_expr_literal_int32(dlt_expr **out, int32_t v, dlt_error *err)
{
	return lit_int(out, "i", v, err);
}
DLT_API int dlt_expr_literal_int64(dlt_expr **out, int64_t v, dlt_error *err)
{
	return lit_int(out, "l", v, err);
}
DLT_API int dlt_expr_literal_date(dlt_expr **out, int32_t days, dlt_error *err)
{
	return lit_int(out, "tdD", days, err);
}
DLT_API int dlt_expr_literal_timestamp(dlt_expr **out, int64_t micros, int utc, dlt_error *err)
{
	return lit_int(out, utc ? "tsu:UTC" : "tsu:", micros, err);
}

static int lit_double(dlt_expr **out, const char *fmt, double v, dlt_error *err)
{
	dlt_builder *b = NULL;
	int rc;
	DLT_ARG_CHECK(out != NULL, err);
	*out = NULL;
	if ((rc = lit_begin(&b, fmt, err)) < 0)
		return rc;
	return lit_end(out, b, dlt_builder__append_double(b, v, err), err);
}

DLT_API int dlt_expr_literal_float(dlt_expr **out, float v, dlt_error *err)
{
	return lit_double(out, "f", v, err);
}
DLT_API int dlt_expr_literal_double(dlt_expr **out, double v, dlt_error *err)
{
	return lit_double(out, "g", v, err);
}

static int lit_bytes(dlt_expr **out, const char *fmt, const void *p, size_t n, dlt_error *err)
{
	dlt_builder *b = NULL;
	int rc;
	DLT_ARG_CHECK(out != NULL && (p != NULL || n == 0), err);
	*out = NULL;
	if (fmt[0] == 'u' && !dlt_utf8_valid(p, n))
		return dlt_error_set(err, DLT_EINVAL, "string literal is not valid utf-8");
	if (n > INT32_MAX)
		return dlt_error_set(err, DLT_ELIMIT, "literal longer than 2 GiB");
	if ((rc = lit_begin(&b, fmt, err)) < 0)
		return rc;
	return lit_end(out, b, dlt_builder__append_bytes(b, n ? p : "", n, err), err);
}

DLT_API int dlt_expr_literal_string(dlt_expr **out, const char *v, size_t n, dlt_error *err)
{
	return lit_bytes(out, "u", v, n, err);
}
DLT_API int dlt_expr_literal_binary(dlt_expr **out, const void *v, size_t n, dlt_error *err)
{
	return lit_bytes(out, "z", v, n, err);
}

DLT_API int dlt_expr_literal_decimal(dlt_expr **out, const char *text, int precision, int scale,
                                     dlt_error *err)
{
	uint64_t w[2];
	char fmt[DLT_EXPR__FMT_MAX];
	dlt_builder *b = NULL;
	int rc;
	DLT_ARG_CHECK(out != NULL && text != NULL, err);
	*out = NULL;
	if (precision < 1 || precision > 38 || scale < 0 || scale > precision)
		return dlt_error_set(err, DLT_EINVAL, "decimal(%d,%d): precision must be 1..38 and "
		                     "scale 0..precision", precision, scale);
	if (dlt_parse_decimal(text, strlen(text), precision, scale, w, 2) != DLT_PARSE_OK)
		return dlt_error_set(err, DLT_EINVAL, "'%.64s' is not a decimal(%d,%d)", text,
		                     precision, scale);
	snprintf(fmt, sizeof(fmt), "d:%d,%d", precision, scale);
	if ((rc = lit_begin(&b, fmt, err)) < 0)
		return rc;
	return lit_end(out, b, dlt_builder__append_decimal(b, w, 2, err), err);
}

/* ---------- other builders ---------- */

static int column_from(dlt_expr **out, const char *const *path, size_t n, dlt_error *err)
{
	dlt_expr *e;
	int rc;
	DLT_ARG_CHECK(out != NULL && path != NULL && n >= 1 && n <= DLT_EXPR_MAX_DEPTH, err);
	*out = NULL;
	if ((rc = dlt_expr__new(&e, DLT_EK_COLUMN, err)) < 0)
		return rc;
	e->path = dlt_calloc(n, sizeof(char *));
	if (!e->path) {
		dlt_expr_free(e);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory building a column");
	}
	for (size_t i = 0; i < n; i++) {
		if (!path[i] || !(e->path[i] = dlt_strdup(path[i]))) {
			e->path_len = i + (path[i] != NULL);
			dlt_expr_free(e);
			return path[i] ? dlt_error_set(err, DLT_ENOMEM, "out of memory building a column")
			               : dlt_error_set(err, DLT_EINVAL, "column path element is NULL");
		}
		e->path_len = i + 1;
	}
	*out = e;
	return DLT_OK;
}

DLT_API int dlt_expr_column(dlt_expr **out, const char *name, dlt_error *err)
{
	return column_from(out, &name, 1, err);
}

DLT_API int dlt_expr_column_path(dlt_expr **out, const char *const *path, size_t n,
                                 dlt_error *err)
{
	return column_from(out, path, n, err);
}

/* A node of `kind` over up to 3 consumed operands (NULL entries end the list). */
static int node3(dlt_expr **out, dlt_expr__kind kind, int op, dlt_expr *a, dlt_expr *b,
                 dlt_expr *c, size_t n, dlt_error *err)
{
	dlt_expr *e = NULL, *ops[3] = { a, b, c };
	int rc = DLT_OK;
	if (out)
		*out = NULL;
	for (size_t i = 0; i < n; i++)
		if (!ops[i])
			rc = dlt_error_set(err, DLT_EINVAL, "expression operand %zu is NULL", i + 1);
	if (rc >= 0 && !out)
		rc = dlt_error_set(err, DLT_EINVAL, "expression builder: out is NULL");
	if (rc >= 0)
		rc = dlt_expr__new(&e, kind, err);
	if (rc < 0) {
		for (size_t i = 0; i < n; i++)
			dlt_expr_free(ops[i]);
		return rc;
	}
	e->op = op;
	for (size_t i = 0; i < n; i++) {
		if ((rc = dlt_expr__push(e, ops[i], err)) < 0) {
			for (size_t j = i + 1; j < n; j++)
				dlt_expr_free(ops[j]);
			dlt_expr_free(e);
			return rc;
		}
	}
	*out = e;
	return DLT_OK;
}

DLT_API int dlt_expr_binary(dlt_expr **out, dlt_expr_op op, dlt_expr *l, dlt_expr *r,
                            dlt_error *err)
{
	if (op == DLT_EXPR_AND || op == DLT_EXPR_OR) {
		dlt_expr__kind k = op == DLT_EXPR_AND ? DLT_EK_AND : DLT_EK_OR;
		/* Flatten chains so long generated conjunctions stay shallow. */
		if (out && l && r && l->kind == k) {
			int rc = dlt_expr__push(l, r, err);
			if (rc < 0) {
				dlt_expr_free(l);
				*out = NULL;
				return rc;
			}
			*out = l;
			return DLT_OK;
		}
		return node3(out, k, 0, l, r, NULL, 2, err);
	}
	if (op >= DLT_EXPR_EQ && op <= DLT_EXPR_GE)
		return node3(out, DLT_EK_CMP, (int)op - DLT_EXPR_EQ, l, r, NULL, 2, err);
	if (op >= DLT_EXPR_ADD && op <= DLT_EXPR_MOD)
		return node3(out, DLT_EK_ARITH, (int)op - DLT_EXPR_ADD, l, r, NULL, 2, err);
	dlt_expr_free(l);
	dlt_expr_free(r);
	return dlt_error_set(err, DLT_EINVAL, "unknown expression operator %d", (int)op);
}

DLT_API int dlt_expr_not(dlt_expr **out, dlt_expr *x, dlt_error *err)
{
	return node3(out, DLT_EK_NOT, 0, x, NULL, NULL, 1, err);
}

DLT_API int dlt_expr_negate(dlt_expr **out, dlt_expr *x, dlt_error *err)
{
	return node3(out, DLT_EK_NEG, 0, x, NULL, NULL, 1, err);
}

DLT_API int dlt_expr_is_null(dlt_expr **out, dlt_expr *x, int negated, dlt_error *err)
{
	int rc = node3(out, DLT_EK_IS_NULL, 0, x, NULL, NULL, 1, err);
	if (rc >= 0)
		(*out)->negated = negated != 0;
	return rc;
}

DLT_API int dlt_expr_between(dlt_expr **out, dlt_expr *x, dlt_expr *lo, dlt_expr *hi,
                             int negated, dlt_error *err)
{
	int rc = node3(out, DLT_EK_BETWEEN, 0, x, lo, hi, 3, err);
	if (rc >= 0)
		(*out)->negated = negated != 0;
	return rc;
}

DLT_API int dlt_expr_like(dlt_expr **out, dlt_expr *x, dlt_expr *pattern, char escape,
                          int negated, dlt_error *err)
{
	int rc;
	if ((unsigned char)escape >= 0x80 || escape == 0) {
		if (escape != 0) {
			dlt_expr_free(x);
			dlt_expr_free(pattern);
			if (out)
				*out = NULL;
			return dlt_error_set(err, DLT_EINVAL, "like escape must be an ascii character");
		}
		escape = '\\';
	}
	rc = node3(out, DLT_EK_LIKE, 0, x, pattern, NULL, 2, err);
	if (rc >= 0) {
		(*out)->negated = negated != 0;
		(*out)->escape = (unsigned char)escape;
	}
	return rc;
}

DLT_API int dlt_expr_in(dlt_expr **out, dlt_expr *x, dlt_expr **list, size_t n, int negated,
                        dlt_error *err)
{
	dlt_expr *e = NULL;
	int rc = DLT_OK;
	size_t i = 0;
	if (!out || !x || !list || n == 0)
		rc = dlt_error_set(err, DLT_EINVAL, "IN needs an operand and a non-empty list");
	for (size_t k = 0; rc >= 0 && k < n; k++)
		if (!list[k])
			rc = dlt_error_set(err, DLT_EINVAL, "IN list item %zu is NULL", k + 1);
	if (rc >= 0)
		rc = dlt_expr__new(&e, DLT_EK_IN, err);
	if (out)
		*out = NULL;
	if (rc >= 0 && (rc = dlt_expr__push(e, x, err)) >= 0) {
		x = NULL;
		for (; i < n; i++)
			if ((rc = dlt_expr__push(e, list[i], err)) < 0) {
				i++;
				break;
			}
	}
	if (rc < 0) {
		dlt_expr_free(x);
		for (; list && i < n; i++)
			dlt_expr_free(list[i]);
		dlt_expr_free(e);
		return rc;
	}
	e->negated = negated != 0;
	*out = e;
	return DLT_OK;
}

DLT_API int dlt_expr_cast(dlt_expr **out, dlt_expr *x, const char *type, dlt_error *err)
{
	char fmt[DLT_EXPR__FMT_MAX];
	int rc;
	if (!type) {
		dlt_expr_free(x);
		if (out)
			*out = NULL;
		return dlt_error_set(err, DLT_EINVAL, "cast: type is NULL");
	}
	if ((rc = dlt_expr__type_format(fmt, sizeof(fmt), type, strlen(type), err)) < 0) {
		dlt_expr_free(x);
		if (out)
			*out = NULL;
		return rc;
	}
	rc = node3(out, DLT_EK_CAST, 0, x, NULL, NULL, 1, err);
	if (rc >= 0)
		memcpy((*out)->type, fmt, sizeof(fmt));
	return rc;
}

DLT_API int dlt_expr_clone(dlt_expr **out, const dlt_expr *src, dlt_error *err)
{
	dlt_expr *e;
	int rc;
	DLT_ARG_CHECK(out != NULL && src != NULL, err);
	*out = NULL;
	if (src->kind == DLT_EK_LITERAL)
		rc = dlt_expr__literal_from(&e, &src->lit_schema, &src->lit, 0, err);
	else if (src->kind == DLT_EK_COLUMN)
		rc = column_from(&e, (const char *const *)src->path, src->path_len, err);
	else
		rc = dlt_expr__new(&e, src->kind, err);
	if (rc < 0)
		return rc;
	e->op = src->op;
	e->negated = src->negated;
	e->implicit = src->implicit;
	e->escape = src->escape;
	memcpy(e->type, src->type, sizeof(e->type));
	memcpy(e->fmt, src->fmt, sizeof(e->fmt));
	for (size_t i = 0; i < src->n_args; i++) {
		dlt_expr *c;
		if ((rc = dlt_expr_clone(&c, src->args[i], err)) < 0 ||
		    (rc = dlt_expr__push(e, c, err)) < 0) {
			dlt_expr_free(e);
			return rc;
		}
	}
	*out = e;
	return DLT_OK;
}

/* ---------- type names ---------- */

int dlt_expr__type_format(char *fmt, size_t cap, const char *name, size_t n, dlt_error *err)
{
	static const struct { const char *name, *fmt; } names[] = {
		{ "byte", "c" }, { "tinyint", "c" }, { "short", "s" }, { "smallint", "s" },
		{ "int", "i" }, { "integer", "i" }, { "long", "l" }, { "bigint", "l" },
		{ "float", "f" }, { "real", "f" }, { "double", "g" }, { "string", "u" },
		{ "boolean", "b" }, { "date", "tdD" }, { "timestamp", "tsu:UTC" },
		{ "timestamp_ntz", "tsu:" }, { "binary", "z" },
	};
	size_t w = 0;
	while (w < n && (isalnum((unsigned char)name[w]) || name[w] == '_'))
		w++;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (w == n && strlen(names[i].name) == n && strncasecmp(name, names[i].name, n) == 0) {
			snprintf(fmt, cap, "%s", names[i].fmt);
			return DLT_OK;
		}
	}
	if ((w == 7 && strncasecmp(name, "decimal", 7) == 0) ||
	    (w == 3 && strncasecmp(name, "dec", 3) == 0) ||
	    (w == 7 && strncasecmp(name, "numeric", 7) == 0)) {
		long p = 10, s = 0;
		size_t i = w;
		if (i < n) {
			char tmp[64];
			int used = 0;
			size_t len = n - i < sizeof(tmp) - 1 ? n - i : sizeof(tmp) - 1;
			memcpy(tmp, name + i, len);
			tmp[len] = 0;
			if (sscanf(tmp, " ( %3ld , %3ld ) %n", &p, &s, &used) != 2 || (size_t)used != len) {
				s = 0;
				used = 0;
				if (sscanf(tmp, " ( %3ld ) %n", &p, &used) != 1 || (size_t)used != len)
					return dlt_error_set(err, DLT_EINVAL, "invalid decimal type '%.*s'",
					                     (int)DLT_MIN(n, 64), name);
			}
		}
		if (p < 1 || p > 38 || s < 0 || s > p)
			return dlt_error_set(err, DLT_EINVAL, "decimal(%ld,%ld): precision must be 1..38 "
			                     "and scale 0..precision", p, s);
		snprintf(fmt, cap, "d:%ld,%ld", p, s);
		return DLT_OK;
	}
	return dlt_error_set(err, DLT_EINVAL, "unknown type '%.*s'", (int)DLT_MIN(n, 64), name);
}

const char *dlt_expr__type_name(const char *fmt, char *buf, size_t cap)
{
	static const struct { const char *fmt, *name; } names[] = {
		{ "n", "void" }, { "b", "boolean" }, { "c", "tinyint" }, { "s", "smallint" },
		{ "i", "int" }, { "l", "bigint" }, { "f", "float" }, { "g", "double" },
		{ "u", "string" }, { "U", "string" }, { "z", "binary" }, { "Z", "binary" },
		{ "tdD", "date" }, { "tsu:UTC", "timestamp" }, { "tsu:", "timestamp_ntz" },
	};
	int p, s;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(fmt, names[i].fmt) == 0) {
			snprintf(buf, cap, "%s", names[i].name);
			return buf;
		}
	int used = 0;
	if (strncmp(fmt, "d:", 2) == 0 && sscanf(fmt, "d:%d,%d%n", &p, &s, &used) == 2 &&
	    fmt[used] == 0) {
		snprintf(buf, cap, "decimal(%d,%d)", p, s);
		return buf;
	}
	return dlt_arrow__format_describe(fmt, buf, cap);
}

/* ---------- canonical text ---------- */

static const char *const keywords[] = {
	"and", "or", "not", "in", "is", "null", "true", "false", "between", "like", "escape",
	"cast", "as", "date", "timestamp", "timestamp_ntz",
};

static bool plain_ident(const char *s)
{
	if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (const char *p = s; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_'))
			return false;
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strcasecmp(s, keywords[i]) == 0)
			return false;
	return true;
}

static int prec_of(const dlt_expr *e)
{
	switch (e->kind) {
	case DLT_EK_OR: return 1;
	case DLT_EK_AND: return 2;
	case DLT_EK_NOT: return 3;
	case DLT_EK_CMP: case DLT_EK_IS_NULL: case DLT_EK_IN: case DLT_EK_BETWEEN:
	case DLT_EK_LIKE: return 4;
	case DLT_EK_ARITH: return e->op <= DLT_ARITH_SUB ? 5 : 6;
	case DLT_EK_NEG: return 7;
	default: return 8;
	}
}

static int write_sub(dlt_buf *b, const dlt_expr *e, int min_prec, dlt_error *err)
{
	int rc;
	if (prec_of(e) >= min_prec)
		return dlt_expr__write(b, e, err);
	if ((rc = dlt_buf_append_byte(b, '(', err)) < 0 || (rc = dlt_expr__write(b, e, err)) < 0)
		return rc;
	return dlt_buf_append_byte(b, ')', err);
}

static int write_quoted(dlt_buf *b, const uint8_t *p, size_t n, char q, dlt_error *err)
{
	int rc = dlt_buf_append_byte(b, (uint8_t)q, err);
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		if (p[i] == (uint8_t)q)
			rc = dlt_buf_append_byte(b, (uint8_t)q, err);
		if (rc >= 0)
			rc = dlt_buf_append_byte(b, p[i], err);
	}
	return rc < 0 ? rc : dlt_buf_append_byte(b, (uint8_t)q, err);
}

static int write_type(dlt_buf *b, const char *fmt, dlt_error *err)
{
	char name[64];
	dlt_expr__type_name(fmt, name, sizeof(name));
	for (char *p = name; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return dlt_buf_append_str(b, name, err);
}

/* Digits a decimal literal written as `text` gets: max(significant digits, scale, 1). */
static int decimal_text_precision(const char *text, int *scale_out)
{
	int sig = 0, scale = 0;
	bool frac = false, lead = true;
	for (const char *p = text; *p; p++) {
		if (*p == '.') {
			frac = true;
			continue;
		}
		if (*p < '0' || *p > '9')
			continue;
		if (frac)
			scale++;
		if (lead && *p == '0')
			continue;
		lead = false;
		sig++;
	}
	*scale_out = scale;
	return DLT_MAX(DLT_MAX(sig, scale), 1);
}

static int write_literal(dlt_buf *b, const dlt_expr *e, dlt_error *err)
{
	const struct ArrowArray *a = &e->lit;
	dlt_type_view tv;
	char buf[DLT_FORMAT_DECIMAL_MAX + DLT_FORMAT_DOUBLE_MAX];
	int64_t i = a->offset;
	int rc;

	if ((rc = dlt_arrow__parse_format(&tv, e->lit_schema.format, err)) < 0)
		return rc;
	if (dlt_arrow__is_null(a, 0)) {
		if (tv.type == DLT_AT_NA)
			return dlt_buf_append_str(b, "NULL", err);
		if ((rc = dlt_buf_append_str(b, "CAST(NULL AS ", err)) < 0 ||
		    (rc = write_type(b, e->lit_schema.format, err)) < 0)
			return rc;
		return dlt_buf_append_byte(b, ')', err);
	}
	switch (tv.type) {
	case DLT_AT_BOOL:
		return dlt_buf_append_str(b, dlt_arrow__bit(a->buffers[1], i) ? "TRUE" : "FALSE", err);
	case DLT_AT_INT8:
		return dlt_buf_appendf(b, err, "%dY", ((const int8_t *)a->buffers[1])[i]);
	case DLT_AT_INT16:
		return dlt_buf_appendf(b, err, "%dS", ((const int16_t *)a->buffers[1])[i]);
	case DLT_AT_INT32:
		return dlt_buf_appendf(b, err, "%" PRId32, ((const int32_t *)a->buffers[1])[i]);
	case DLT_AT_INT64: {
		int64_t v = ((const int64_t *)a->buffers[1])[i];
		return dlt_buf_appendf(b, err, "%" PRId64 "%s", v,
		                       v >= INT32_MIN && v <= INT32_MAX ? "L" : "");
	}
	case DLT_AT_FLOAT32:
	case DLT_AT_FLOAT64: {
		bool f32 = tv.type == DLT_AT_FLOAT32;
		double v = f32 ? ((const float *)a->buffers[1])[i] : ((const double *)a->buffers[1])[i];
		if (isnan(v) || isinf(v))
			return dlt_buf_appendf(b, err, "CAST('%s' AS %s)",
			                       isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity",
			                       f32 ? "FLOAT" : "DOUBLE");
		if (f32)
			dlt_format_float(buf, (float)v);
		else
			dlt_format_double(buf, v);
		return dlt_buf_appendf(b, err, "%s%s", buf, f32 ? "F" : "D");
	}
	case DLT_AT_DECIMAL128: {
		uint64_t w[2];
		int s;
		memcpy(w, (const uint8_t *)a->buffers[1] + i * 16, 16);
		dlt_format_decimal(buf, w, 2, tv.scale);
		if (decimal_text_precision(buf, &s) == tv.precision)
			return dlt_buf_appendf(b, err, "%s%s", buf, tv.scale == 0 ? "BD" : "");
		return dlt_buf_appendf(b, err, "CAST(%s%s AS DECIMAL(%d,%d))", buf,
		                       tv.scale == 0 ? "BD" : "", (int)tv.precision, (int)tv.scale);
	}
	case DLT_AT_STRING:
	case DLT_AT_BINARY: {
		const int32_t *o = a->buffers[1];
		const uint8_t *d = (const uint8_t *)a->buffers[2] + o[i];
		size_t n = (size_t)(o[i + 1] - o[i]);
		if (tv.type == DLT_AT_STRING)
			return write_quoted(b, d, n, '\'', err);
		rc = dlt_buf_append_str(b, "X'", err);
		for (size_t k = 0; rc >= 0 && k < n; k++)
			rc = dlt_buf_appendf(b, err, "%02X", d[k]);
		return rc < 0 ? rc : dlt_buf_append_byte(b, '\'', err);
	}
	case DLT_AT_DATE32:
		dlt_format_date32(buf, ((const int32_t *)a->buffers[1])[i]);
		return dlt_buf_appendf(b, err, "DATE '%s'", buf);
	case DLT_AT_TIMESTAMP:
		if (tv.unit == DLT_TU_MICRO) {
			dlt_format_timestamp(buf, ((const int64_t *)a->buffers[1])[i], 2, false);
			return dlt_buf_appendf(b, err, "%s '%s'", tv.tz ? "TIMESTAMP" : "TIMESTAMP_NTZ",
			                       buf);
		}
		break;
	default:
		break;
	}
	return dlt_error_set(err, DLT_EUNSUPPORTED, "cannot write a literal of type %s",
	                     dlt_expr__type_name(e->lit_schema.format, buf, sizeof(buf)));
}

static const char *const cmp_text[] = { " = ", " <> ", " < ", " <= ", " > ", " >= " };
static const char *const arith_text[] = { " + ", " - ", " * ", " / ", " % " };

int dlt_expr__write(dlt_buf *b, const dlt_expr *e, dlt_error *err)
{
	int rc = DLT_OK;
	switch (e->kind) {
	case DLT_EK_LITERAL:
		return write_literal(b, e, err);
	case DLT_EK_COLUMN:
		for (size_t i = 0; rc >= 0 && i < e->path_len; i++) {
			if (i)
				rc = dlt_buf_append_byte(b, '.', err);
			if (rc >= 0)
				rc = plain_ident(e->path[i])
				     ? dlt_buf_append_str(b, e->path[i], err)
				     : write_quoted(b, (const uint8_t *)e->path[i], strlen(e->path[i]),
				                    '`', err);
		}
		return rc;
	case DLT_EK_AND:
	case DLT_EK_OR:
		for (size_t i = 0; rc >= 0 && i < e->n_args; i++) {
			if (i)
				rc = dlt_buf_append_str(b, e->kind == DLT_EK_AND ? " AND " : " OR ", err);
			if (rc >= 0)
				rc = write_sub(b, e->args[i], e->kind == DLT_EK_AND ? 3 : 2, err);
		}
		return rc;
	case DLT_EK_NOT:
		if ((rc = dlt_buf_append_str(b, "NOT ", err)) < 0)
			return rc;
		return write_sub(b, e->args[0], 3, err);
	case DLT_EK_CMP:
		if ((rc = write_sub(b, e->args[0], 4, err)) < 0 ||
		    (rc = dlt_buf_append_str(b, cmp_text[e->op], err)) < 0)
			return rc;
		return write_sub(b, e->args[1], 5, err);
	case DLT_EK_ARITH: {
		int p = prec_of(e);
		if ((rc = write_sub(b, e->args[0], p, err)) < 0 ||
		    (rc = dlt_buf_append_str(b, arith_text[e->op], err)) < 0)
			return rc;
		return write_sub(b, e->args[1], p + 1, err);
	}
	case DLT_EK_NEG: {
		/* "- -a", never "--a"; a literal operand in parentheses so -(5) stays a NEG. */
		dlt_expr__kind k = e->args[0]->kind;
		if ((rc = dlt_buf_append_str(b, k == DLT_EK_NEG ? "- " : "-", err)) < 0)
			return rc;
		return write_sub(b, e->args[0], k == DLT_EK_COLUMN || k == DLT_EK_CAST ||
		                 k == DLT_EK_NEG ? 7 : 9, err);
	}
	case DLT_EK_IS_NULL:
		if ((rc = write_sub(b, e->args[0], 4, err)) < 0)
			return rc;
		return dlt_buf_append_str(b, e->negated ? " IS NOT NULL" : " IS NULL", err);
	case DLT_EK_IN:
		if ((rc = write_sub(b, e->args[0], 4, err)) < 0 ||
		    (rc = dlt_buf_append_str(b, e->negated ? " NOT IN (" : " IN (", err)) < 0)
			return rc;
		for (size_t i = 1; rc >= 0 && i < e->n_args; i++) {
			if (i > 1)
				rc = dlt_buf_append_str(b, ", ", err);
			if (rc >= 0)
				rc = write_sub(b, e->args[i], 1, err);
		}
		return rc < 0 ? rc : dlt_buf_append_byte(b, ')', err);
	case DLT_EK_BETWEEN:
		if ((rc = write_sub(b, e->args[0], 4, err)) < 0 ||
		    (rc = dlt_buf_append_str(b, e->negated ? " NOT BETWEEN " : " BETWEEN ", err)) < 0 ||
		    (rc = write_sub(b, e->args[1], 5, err)) < 0 ||
		    (rc = dlt_buf_append_str(b, " AND ", err)) < 0)
			return rc;
		return write_sub(b, e->args[2], 5, err);
	case DLT_EK_LIKE:
		if ((rc = write_sub(b, e->args[0], 4, err)) < 0 ||
		    (rc = dlt_buf_append_str(b, e->negated ? " NOT LIKE " : " LIKE ", err)) < 0 ||
		    (rc = write_sub(b, e->args[1], 5, err)) < 0)
			return rc;
		if (e->escape != '\\') {
			uint8_t c = (uint8_t)e->escape;
			if ((rc = dlt_buf_append_str(b, " ESCAPE ", err)) < 0)
				return rc;
			return write_quoted(b, &c, 1, '\'', err);
		}
		return DLT_OK;
	case DLT_EK_CAST:
		if ((rc = dlt_buf_append_str(b, "CAST(", err)) < 0 ||
		    (rc = write_sub(b, e->args[0], 1, err)) < 0 ||
		    (rc = dlt_buf_append_str(b, " AS ", err)) < 0 ||
		    (rc = write_type(b, e->type, err)) < 0)
			return rc;
		return dlt_buf_append_byte(b, ')', err);
	}
	return dlt_error_set(err, DLT_EINVAL, "unknown expression node %d", (int)e->kind);
}

DLT_API int dlt_expr_to_string(char **out, const dlt_expr *e, dlt_error *err)
{
	dlt_buf b = DLT_BUF_INIT;
	int rc;
	DLT_ARG_CHECK(out != NULL && e != NULL, err);
	*out = NULL;
	if ((rc = dlt_expr__write(&b, e, err)) < 0 || (rc = dlt_buf_append_byte(&b, 0, err)) < 0) {
		dlt_buf_dispose(&b);
		return rc;
	}
	*out = (char *)dlt_buf_detach(&b, NULL);
	return DLT_OK;
}

const char *dlt_expr__describe(const dlt_expr *e, char *buf, size_t cap)
{
	dlt_buf b = DLT_BUF_INIT;
	if (cap == 0)
		return buf;
	if (dlt_expr__write(&b, e, NULL) < 0 || dlt_buf_append_byte(&b, 0, NULL) < 0) {
		snprintf(buf, cap, "<expression>");
	} else if (b.len > 80) {
		snprintf(buf, cap, "%.76s...", (const char *)b.data);
	} else {
		snprintf(buf, cap, "%s", (const char *)b.data);
	}
	dlt_buf_dispose(&b);
	return buf;
}
