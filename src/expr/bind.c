/* Typing a tree against an Arrow schema: resolve columns (case-insensitively,
 * an exact match first, as Spark does by default), give every node its result
 * type, and coerce operands the way Spark does: string literals become the
 * type they are compared with, NULL literals take the other side's type,
 * string expressions compared with dates/numbers are cast (NULL if invalid). */
#include "expr/expr.h"

#include <stdio.h>
#include <strings.h>

typedef enum cat {
	C_NULL, C_INT, C_DEC, C_FLT, C_STR, C_BIN, C_BOOL, C_DATE, C_TS, C_STRUCT, C_OTHER
} cat;

static cat cat_of(const char *fmt)
{
	dlt_type_view tv;
	if (dlt_arrow__parse_format(&tv, fmt, NULL) < 0)
		return C_OTHER;
	switch (tv.type) {
	case DLT_AT_NA: return C_NULL;
	case DLT_AT_BOOL: return C_BOOL;
	case DLT_AT_DECIMAL128: return C_DEC;
	case DLT_AT_FLOAT16: case DLT_AT_FLOAT32: case DLT_AT_FLOAT64: return C_FLT;
	case DLT_AT_STRING: case DLT_AT_LARGE_STRING: return C_STR;
	case DLT_AT_BINARY: case DLT_AT_LARGE_BINARY: case DLT_AT_FIXED_BINARY: return C_BIN;
	case DLT_AT_DATE32: case DLT_AT_DATE64: return C_DATE;
	case DLT_AT_TIMESTAMP: return C_TS;
	case DLT_AT_STRUCT: return C_STRUCT;
	default: return dlt_arrow__is_integer(tv.type) ? C_INT : C_OTHER;
	}
}

static bool is_num(cat c)
{
	return c == C_INT || c == C_DEC || c == C_FLT;
}

static bool is_temporal(cat c)
{
	return c == C_DATE || c == C_TS;
}

/* "a.b (int)" for messages. */
static const char *operand(const dlt_expr *e, char *buf, size_t cap)
{
	char text[96], type[64];
	dlt_expr__describe(e, text, sizeof(text));
	snprintf(buf, cap, "%s (%s)", text, dlt_expr__type_name(e->fmt, type, sizeof(type)));
	return buf;
}

/* Replace literal *slot by the same value cast to `fmt` (strictly). */
static int cast_literal(dlt_expr **slot, const char *fmt, dlt_error *err)
{
	dlt_expr *old = *slot, *lit = NULL;
	struct ArrowArray a = { 0 };
	struct ArrowSchema s = { 0 };
	int rc;
	if (dlt_expr__lit_is_null(old)) {
		rc = dlt_expr__literal_null_of(&lit, fmt, err);
	} else {
		if ((rc = dlt_compute__cast(&a, &old->lit_schema, &old->lit, fmt, DLT_CAST_STRICT,
		                            err)) < 0)
			return rc;
		if ((rc = dlt_schema__init_leaf(&s, fmt, "literal", true, err)) >= 0)
			rc = dlt_expr__literal_from(&lit, &s, &a, 0, err);
		dlt_schema__release(&s);
		dlt_array__release(&a);
	}
	if (rc < 0)
		return rc;
	snprintf(lit->fmt, sizeof(lit->fmt), "%s", fmt);
	dlt_expr_free(old);
	*slot = lit;
	return DLT_OK;
}

static int implicit_cast(dlt_expr **slot, const char *fmt, dlt_error *err)
{
	dlt_expr *c;
	int rc = dlt_expr__new(&c, DLT_EK_CAST, err);
	if (rc < 0)
		return rc;
	if ((rc = dlt_expr__push(c, *slot, err)) < 0) {
		*slot = NULL;
		dlt_expr_free(c);
		return rc;
	}
	c->implicit = true;
	snprintf(c->type, sizeof(c->type), "%s", fmt);
	snprintf(c->fmt, sizeof(c->fmt), "%s", fmt);
	*slot = c;
	return DLT_OK;
}

static bool comparable(cat a, cat b)
{
	return (is_num(a) && is_num(b)) || (is_temporal(a) && is_temporal(b)) ||
	       ((a == C_STR || a == C_BIN) && (b == C_STR || b == C_BIN)) ||
	       (a == C_BOOL && b == C_BOOL);
}

/* Make args[i] and args[j] of e comparable (or fail naming both). */
static int coerce_pair(dlt_expr *e, size_t i, size_t j, dlt_error *err)
{
	dlt_expr **L = &e->args[i], **R = &e->args[j];
	cat cl = cat_of((*L)->fmt), cr = cat_of((*R)->fmt);
	char b1[200], b2[200];
	int rc;

	if (cl == C_NULL && cr == C_NULL && (*L)->kind == DLT_EK_LITERAL &&
	    (*R)->kind == DLT_EK_LITERAL) {
		if ((rc = cast_literal(L, "b", err)) < 0)
			return rc;
		return cast_literal(R, "b", err);
	}
	if (cl == C_NULL && (*L)->kind == DLT_EK_LITERAL)
		return cast_literal(L, (*R)->fmt, err);
	if (cr == C_NULL && (*R)->kind == DLT_EK_LITERAL)
		return cast_literal(R, (*L)->fmt, err);
	if (comparable(cl, cr))
		return DLT_OK;
	for (int side = 0; side < 2; side++) {
		dlt_expr **s = side ? R : L, **o = side ? L : R;
		cat cs = side ? cr : cl, co = side ? cl : cr;
		if (cs != C_STR || !(is_num(co) || is_temporal(co) || co == C_BOOL))
			continue;
		if ((*s)->kind == DLT_EK_LITERAL) {
			dlt_error e2;
			rc = cast_literal(s, (*o)->fmt, &e2);
			if (rc == DLT_ESCHEMA && (co == C_INT || co == C_DEC))
				rc = cast_literal(s, "g", &e2); /* '1.5' against an int column */
			if (rc < 0) {
				if (rc == DLT_ENOMEM)
					return dlt_error_set(err, rc, "%s", e2.message);
				return dlt_error_set(err, DLT_ESCHEMA, "cannot compare %s with %s: %s",
				                     operand(*L, b1, sizeof(b1)), operand(*R, b2, sizeof(b2)),
				                     e2.message);
			}
			return DLT_OK;
		}
		return implicit_cast(s, (*o)->fmt, err);
	}
	return dlt_error_set(err, DLT_ESCHEMA, "cannot compare %s with %s",
	                     operand(*L, b1, sizeof(b1)), operand(*R, b2, sizeof(b2)));
}

static int resolve_column(dlt_expr *e, const struct ArrowSchema *schema, dlt_error *err)
{
	const struct ArrowSchema *s = schema;
	char type[64];
	e->idx = dlt_calloc(e->path_len, sizeof(int64_t));
	if (!e->idx)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory binding a column");
	for (size_t k = 0; k < e->path_len; k++) {
		int64_t found = -1, ci = -1, n_ci = 0;
		if (strcmp(s->format, "+s") != 0) {
			return dlt_error_set(err, DLT_ESCHEMA, "column %s: '%s' is %s, not a struct",
			                     e->path[0], e->path[k - (k > 0)],
			                     dlt_expr__type_name(s->format, type, sizeof(type)));
		}
		for (int64_t i = 0; i < s->n_children; i++) {
			const char *name = s->children[i]->name ? s->children[i]->name : "";
			if (strcmp(name, e->path[k]) == 0) {
				found = i;
				break;
			}
			if (strcasecmp(name, e->path[k]) == 0) {
				ci = i;
				n_ci++;
			}
		}
		if (found < 0 && n_ci > 1)
			return dlt_error_set(err, DLT_ESCHEMA, "column name '%s' is ambiguous: it matches "
			                     "%" PRId64 " fields case-insensitively", e->path[k], n_ci);
		if (found < 0)
			found = ci;
		if (found < 0) {
			dlt_buf names = DLT_BUF_INIT;
			char text[96];
			int64_t shown = DLT_MIN(s->n_children, 20);
			for (int64_t i = 0; i < shown; i++)
				dlt_buf_appendf(&names, NULL, "%s%s", i ? ", " : "",
				                s->children[i]->name ? s->children[i]->name : "");
			dlt_buf_append_byte(&names, 0, NULL);
			dlt_error_set(err, DLT_ENOTFOUND, "column %s not found (%s: %s%s)",
			              dlt_expr__describe(e, text, sizeof(text)),
			              k ? "fields there" : "columns",
			              names.data ? (const char *)names.data : "",
			              s->n_children > shown ? ", ..." : "");
			dlt_buf_dispose(&names);
			return DLT_ENOTFOUND;
		}
		e->idx[k] = found;
		s = s->children[found];
	}
	snprintf(e->fmt, sizeof(e->fmt), "%s", s->dictionary ? s->dictionary->format : s->format);
	return DLT_OK;
}

/* Result format of l op r, asked of the kernel itself on empty operands. */
static int arith_format(dlt_expr *e, dlt_error *err)
{
	struct ArrowSchema ls = { 0 }, rs = { 0 }, os = { 0 };
	struct ArrowArray la = { 0 }, ra = { 0 }, oa = { 0 };
	char b1[200], b2[200];
	dlt_error e2;
	int rc;
	if ((rc = dlt_schema__init_leaf(&ls, e->args[0]->fmt, "l", true, err)) < 0 ||
	    (rc = dlt_schema__init_leaf(&rs, e->args[1]->fmt, "r", true, err)) < 0 ||
	    (rc = dlt_array__init_empty(&la, &ls, err)) < 0 ||
	    (rc = dlt_array__init_empty(&ra, &rs, err)) < 0)
		goto done;
	{
		dlt_datum l = { &ls, &la, false }, r = { &rs, &ra, false };
		rc = dlt_compute__arith(&oa, &os, (dlt_arith_op)e->op, &l, &r, &e2);
	}
	if (rc < 0) {
		if (rc == DLT_ENOMEM)
			dlt_error_set(err, rc, "%s", e2.message);
		else
			rc = dlt_error_set(err, DLT_ESCHEMA, "cannot apply %s to %s and %s",
			                   (const char *[]){ "+", "-", "*", "/", "%" }[e->op],
			                   operand(e->args[0], b1, sizeof(b1)),
			                   operand(e->args[1], b2, sizeof(b2)));
		goto done;
	}
	snprintf(e->fmt, sizeof(e->fmt), "%s", os.format);
done:
	dlt_schema__release(&ls);
	dlt_schema__release(&rs);
	dlt_schema__release(&os);
	dlt_array__release(&la);
	dlt_array__release(&ra);
	dlt_array__release(&oa);
	return rc;
}

static int check_cast(dlt_expr *e, dlt_error *err)
{
	struct ArrowSchema s = { 0 };
	struct ArrowArray a = { 0 }, o = { 0 };
	char b1[200], t[64];
	dlt_error e2;
	int rc;
	if ((rc = dlt_schema__init_leaf(&s, e->args[0]->fmt, "x", true, err)) < 0 ||
	    (rc = dlt_array__init_empty(&a, &s, err)) < 0)
		goto done;
	if ((rc = dlt_compute__cast(&o, &s, &a, e->type, DLT_CAST_SAFE, &e2)) < 0) {
		if (rc == DLT_ENOMEM)
			dlt_error_set(err, rc, "%s", e2.message);
		else
			rc = dlt_error_set(err, DLT_ESCHEMA, "cannot cast %s to %s",
			                   operand(e->args[0], b1, sizeof(b1)),
			                   dlt_expr__type_name(e->type, t, sizeof(t)));
	}
done:
	dlt_schema__release(&s);
	dlt_array__release(&a);
	dlt_array__release(&o);
	return rc;
}

static int need_bool(dlt_expr **slot, const char *what, dlt_error *err)
{
	char b1[200];
	cat c = cat_of((*slot)->fmt);
	if (c == C_BOOL)
		return DLT_OK;
	if (c == C_NULL && (*slot)->kind == DLT_EK_LITERAL)
		return cast_literal(slot, "b", err);
	return dlt_error_set(err, DLT_ESCHEMA, "%s operand %s is not a boolean", what,
	                     operand(*slot, b1, sizeof(b1)));
}

static int bind_node(dlt_expr *e, const struct ArrowSchema *schema, dlt_error *err)
{
	char b1[200];
	int rc;
	for (size_t i = 0; i < e->n_args; i++)
		if ((rc = bind_node(e->args[i], schema, err)) < 0)
			return rc;
	switch (e->kind) {
	case DLT_EK_LITERAL:
		snprintf(e->fmt, sizeof(e->fmt), "%s", e->lit_schema.format);
		return DLT_OK;
	case DLT_EK_COLUMN:
		return resolve_column(e, schema, err);
	case DLT_EK_CMP:
		snprintf(e->fmt, sizeof(e->fmt), "b");
		return coerce_pair(e, 0, 1, err);
	case DLT_EK_AND:
	case DLT_EK_OR:
	case DLT_EK_NOT:
		snprintf(e->fmt, sizeof(e->fmt), "b");
		for (size_t i = 0; i < e->n_args; i++)
			if ((rc = need_bool(&e->args[i], e->kind == DLT_EK_AND ? "AND" :
			                    e->kind == DLT_EK_OR ? "OR" : "NOT", err)) < 0)
				return rc;
		return DLT_OK;
	case DLT_EK_IS_NULL:
		snprintf(e->fmt, sizeof(e->fmt), "b");
		return DLT_OK;
	case DLT_EK_IN:
		snprintf(e->fmt, sizeof(e->fmt), "b");
		for (size_t i = 1; i < e->n_args; i++)
			if ((rc = coerce_pair(e, 0, i, err)) < 0)
				return rc;
		return DLT_OK;
	case DLT_EK_BETWEEN:
		snprintf(e->fmt, sizeof(e->fmt), "b");
		if ((rc = coerce_pair(e, 0, 1, err)) < 0)
			return rc;
		return coerce_pair(e, 0, 2, err);
	case DLT_EK_LIKE: {
		dlt_expr *pat = e->args[1];
		dlt_like_pattern lp;
		cat cx = cat_of(e->args[0]->fmt);
		snprintf(e->fmt, sizeof(e->fmt), "b");
		if (cx == C_NULL && e->args[0]->kind == DLT_EK_LITERAL) {
			if ((rc = cast_literal(&e->args[0], "u", err)) < 0)
				return rc;
		} else if (cx != C_STR)
			return dlt_error_set(err, DLT_ESCHEMA, "LIKE needs a string operand, not %s",
			                     operand(e->args[0], b1, sizeof(b1)));
		if (pat->kind != DLT_EK_LITERAL || (cat_of(pat->fmt) != C_STR &&
		                                    cat_of(pat->fmt) != C_NULL))
			return dlt_error_set(err, DLT_EUNSUPPORTED, "LIKE pattern must be a string "
			                     "literal, not %s", operand(pat, b1, sizeof(b1)));
		if (dlt_expr__lit_is_null(pat))
			return DLT_OK;
		{
			const int32_t *o = pat->lit.buffers[1];
			const char *d = (const char *)pat->lit.buffers[2] + o[pat->lit.offset];
			size_t n = (size_t)(o[pat->lit.offset + 1] - o[pat->lit.offset]);
			if ((rc = dlt_expr__like_compile(&lp, d, n, e->escape, err)) < 0)
				return rc;
			dlt_expr__like_dispose(&lp);
		}
		return DLT_OK;
	}
	case DLT_EK_ARITH:
		for (int side = 0; side < 2; side++) {
			dlt_expr **s = &e->args[side], *o = e->args[!side];
			cat cs = cat_of((*s)->fmt), co = cat_of(o->fmt);
			if (cs == C_NULL && (*s)->kind == DLT_EK_LITERAL)
				rc = cast_literal(s, is_num(co) ? o->fmt : "g", err);
			else if (cs == C_STR && (*s)->kind == DLT_EK_LITERAL && is_num(co))
				rc = cast_literal(s, "g", err);
			else
				rc = DLT_OK;
			if (rc < 0)
				return rc == DLT_ENOMEM ? rc : dlt_error_set(err, DLT_ESCHEMA,
				        "cannot use %s in arithmetic", operand(*s, b1, sizeof(b1)));
		}
		return arith_format(e, err);
	case DLT_EK_NEG: {
		cat c = cat_of(e->args[0]->fmt);
		if (c == C_NULL && e->args[0]->kind == DLT_EK_LITERAL &&
		    (rc = cast_literal(&e->args[0], "i", err)) < 0)
			return rc;
		if (!is_num(cat_of(e->args[0]->fmt)))
			return dlt_error_set(err, DLT_ESCHEMA, "cannot negate %s",
			                     operand(e->args[0], b1, sizeof(b1)));
		snprintf(e->fmt, sizeof(e->fmt), "%s", e->args[0]->fmt);
		return DLT_OK;
	}
	case DLT_EK_CAST:
		snprintf(e->fmt, sizeof(e->fmt), "%s", e->type);
		if (dlt_expr__lit_is_null(e->args[0]))
			return cast_literal(&e->args[0], e->type, err);
		return check_cast(e, err);
	}
	return dlt_error_set(err, DLT_EINVAL, "unknown expression node %d", (int)e->kind);
}

int dlt_expr__bind(dlt_expr **out, const dlt_expr *e, const struct ArrowSchema *schema,
                   dlt_error *err)
{
	dlt_expr *b = NULL;
	int rc;
	DLT_ARG_CHECK(out != NULL && e != NULL && schema != NULL, err);
	*out = NULL;
	if ((rc = dlt_arrow__validate_schema(schema, err)) < 0)
		return rc;
	if (strcmp(schema->format, "+s") != 0)
		return dlt_error_set(err, DLT_EINVAL, "expression schema must be a struct, not '%s'",
		                     schema->format);
	if ((rc = dlt_expr_clone(&b, e, err)) < 0)
		return rc;
	if ((rc = bind_node(b, schema, err)) < 0) {
		dlt_expr_free(b);
		return rc;
	}
	*out = b;
	return DLT_OK;
}
