/* Vectorized evaluation of a bound tree over a record batch with the compute
 * kernels. Literals stay length-1 "scalars" until an operator needs a full
 * column; NULL follows SQL three-valued logic throughout (Kleene AND/OR). */
#include "expr/expr.h"

typedef struct val {
	struct ArrowSchema s; /* owned parts (release NULL when borrowed) */
	struct ArrowArray a;
	const struct ArrowSchema *sp; /* what to read: the owned parts or borrowed ones */
	const struct ArrowArray *ap;
	bool scalar;
} val;

typedef struct ctx {
	const struct ArrowSchema *schema;
	const struct ArrowArray *batch;
	int64_t n;
	dlt_error *err;
} ctx;

static void val_init(val *v)
{
	memset(v, 0, sizeof(*v));
}

static void val_free(val *v)
{
	dlt_schema__release(&v->s);
	dlt_array__release(&v->a);
	v->sp = NULL;
	v->ap = NULL;
}

/* Take ownership of array `a` (moved) with a leaf schema of `fmt`. */
static int val_set(val *v, struct ArrowArray *a, const char *fmt, bool scalar, dlt_error *err)
{
	struct ArrowSchema s = { 0 };
	int rc = dlt_schema__init_leaf(&s, fmt, "value", true, err);
	if (rc < 0) {
		dlt_array__release(a);
		return rc;
	}
	val_free(v);
	dlt_schema__move(&v->s, &s);
	dlt_array__move(&v->a, a);
	v->sp = &v->s;
	v->ap = &v->a;
	v->scalar = scalar;
	return DLT_OK;
}

/* A scalar becomes a column of n copies. */
static int broadcast(val *v, int64_t n, dlt_error *err)
{
	dlt_builder *b = NULL;
	struct ArrowArray out = { 0 };
	int rc;
	if (!v->scalar)
		return DLT_OK;
	if ((rc = dlt_builder__new(&b, v->sp, err)) < 0)
		return rc;
	if ((rc = dlt_builder__reserve(b, n, err)) >= 0) {
		for (int64_t i = 0; i < n && rc >= 0; i++)
			rc = dlt_builder__append_from(b, v->sp, v->ap, 0, err);
	}
	if (rc >= 0)
		rc = dlt_builder__finish(&out, b, err);
	dlt_builder__free(b);
	if (rc < 0)
		return rc;
	if (v->s.release == NULL && (rc = dlt_schema__copy(&v->s, v->sp, err)) < 0) {
		dlt_array__release(&out);
		return rc;
	}
	dlt_array__release(&v->a);
	dlt_array__move(&v->a, &out);
	v->sp = &v->s;
	v->ap = &v->a;
	v->scalar = false;
	return DLT_OK;
}

/* Make both operands columns if either is one. */
static int align(val *a, val *b, int64_t n, dlt_error *err)
{
	int rc = DLT_OK;
	if (a->scalar && !b->scalar)
		rc = broadcast(a, n, err);
	else if (b->scalar && !a->scalar)
		rc = broadcast(b, n, err);
	return rc;
}

static int eval(const dlt_expr *e, ctx *c, val *out);

static int eval_column(const dlt_expr *e, ctx *c, val *out)
{
	const struct ArrowSchema *s = c->schema;
	const struct ArrowArray *a = c->batch;
	const struct ArrowArray *chain[DLT_EXPR_MAX_DEPTH + 1];
	bool copy = false;
	int rc;

	/* Walk down; a struct's offset applies to its children, and a null struct
	 * makes its fields null. */
	for (size_t k = 0; k < e->path_len; k++) {
		chain[k] = a;
		if (a->offset != 0 || (a->null_count != 0 && a->n_buffers > 0 && a->buffers[0]))
			copy = true;
		if (e->idx[k] >= s->n_children || e->idx[k] >= a->n_children)
			return dlt_error_set(c->err, DLT_EINVAL, "batch does not match the schema");
		s = s->children[e->idx[k]];
		a = a->children[e->idx[k]];
	}
	if (!copy) {
		out->sp = s;
		out->ap = a;
		out->scalar = false;
	} else {
		int64_t *idx = dlt_malloc((size_t)DLT_MAX(c->n, 1) * sizeof(int64_t));
		struct ArrowArray t = { 0 };
		if (!idx)
			return dlt_error_set(c->err, DLT_ENOMEM, "out of memory reading a column");
		for (int64_t i = 0; i < c->n; i++) {
			int64_t pos = i;
			bool null = false;
			for (size_t k = 0; k < e->path_len; k++) {
				null = null || dlt_arrow__is_null(chain[k], pos);
				pos += chain[k]->offset;
			}
			idx[i] = null ? -1 : pos;
		}
		rc = dlt_compute__take(&t, s, a, idx, c->n, c->err);
		dlt_free(idx);
		if (rc < 0)
			return rc;
		if ((rc = dlt_schema__copy(&out->s, s, c->err)) < 0) {
			dlt_array__release(&t);
			return rc;
		}
		dlt_array__move(&out->a, &t);
		out->sp = &out->s;
		out->ap = &out->a;
	}
	if (out->sp->dictionary) {
		struct ArrowArray d = { 0 };
		if ((rc = dlt_compute__decode_dictionary(&d, out->sp, out->ap, c->err)) < 0)
			return rc;
		return val_set(out, &d, e->fmt, false, c->err);
	}
	return DLT_OK;
}

static int eval_like(const dlt_expr *e, const val *x, ctx *c, val *out)
{
	const dlt_expr *pat = e->args[1];
	dlt_like_pattern lp = { NULL, 0 };
	dlt_builder *b = NULL;
	struct ArrowSchema bs = { 0 };
	struct ArrowArray r = { 0 };
	const struct ArrowArray *a = x->ap;
	bool large = x->sp->format[0] == 'U', pnull = dlt_expr__lit_is_null(pat);
	int rc;

	if (!pnull) {
		const int32_t *o = pat->lit.buffers[1];
		const char *d = (const char *)pat->lit.buffers[2] + o[pat->lit.offset];
		if ((rc = dlt_expr__like_compile(&lp, d, (size_t)(o[pat->lit.offset + 1] -
		                                 o[pat->lit.offset]), e->escape, c->err)) < 0)
			return rc;
	}
	if ((rc = dlt_schema__init_leaf(&bs, "b", "value", true, c->err)) < 0 ||
	    (rc = dlt_builder__new(&b, &bs, c->err)) < 0 ||
	    (rc = dlt_builder__reserve(b, a->length, c->err)) < 0)
		goto done;
	for (int64_t i = 0; i < a->length && rc >= 0; i++) {
		int64_t j = a->offset + i, lo, hi;
		if (pnull || dlt_arrow__is_null(a, i)) {
			rc = dlt_builder__append_null(b, c->err);
			continue;
		}
		if (large) {
			lo = ((const int64_t *)a->buffers[1])[j];
			hi = ((const int64_t *)a->buffers[1])[j + 1];
		} else {
			lo = ((const int32_t *)a->buffers[1])[j];
			hi = ((const int32_t *)a->buffers[1])[j + 1];
		}
		bool m = dlt_expr__like_match(&lp, (const uint8_t *)a->buffers[2] + lo,
		                              (size_t)(hi - lo));
		rc = dlt_builder__append_bool(b, m != e->negated, c->err);
	}
	if (rc >= 0 && (rc = dlt_builder__finish(&r, b, c->err)) >= 0)
		rc = val_set(out, &r, "b", x->scalar, c->err);
done:
	dlt_builder__free(b);
	dlt_schema__release(&bs);
	dlt_expr__like_dispose(&lp);
	return rc;
}

static int cmp_vals(val *out, dlt_cmp_op op, const val *l, const val *r, ctx *c)
{
	struct ArrowArray t = { 0 };
	dlt_datum ld = { l->sp, l->ap, l->scalar }, rd = { r->sp, r->ap, r->scalar };
	int rc = dlt_compute__compare(&t, op, &ld, &rd, c->err);
	if (rc < 0)
		return rc;
	return val_set(out, &t, "b", l->scalar && r->scalar, c->err);
}

typedef int (*bool2_fn)(struct ArrowArray *, const struct ArrowArray *,
                        const struct ArrowArray *, dlt_error *);

/* acc = acc op v (both boolean). */
static int combine(val *acc, val *v, bool2_fn fn, ctx *c)
{
	struct ArrowArray t = { 0 };
	int rc;
	if ((rc = align(acc, v, c->n, c->err)) < 0 || (rc = fn(&t, acc->ap, v->ap, c->err)) < 0)
		return rc;
	return val_set(acc, &t, "b", acc->scalar, c->err);
}

static int negate_bool(val *v, ctx *c)
{
	struct ArrowArray t = { 0 };
	int rc = dlt_compute__not(&t, v->ap, c->err);
	if (rc < 0)
		return rc;
	return val_set(v, &t, "b", v->scalar, c->err);
}

static int eval(const dlt_expr *e, ctx *c, val *out)
{
	val x, y;
	struct ArrowArray t = { 0 };
	int rc = DLT_OK;

	val_init(out);
	switch (e->kind) {
	case DLT_EK_LITERAL:
		out->sp = &e->lit_schema;
		out->ap = &e->lit;
		out->scalar = true;
		return DLT_OK;
	case DLT_EK_COLUMN:
		return eval_column(e, c, out);
	case DLT_EK_CMP:
		if ((rc = eval(e->args[0], c, &x)) < 0)
			return rc;
		if ((rc = eval(e->args[1], c, &y)) >= 0) {
			rc = cmp_vals(out, (dlt_cmp_op)e->op, &x, &y, c);
			val_free(&y);
		}
		val_free(&x);
		return rc;
	case DLT_EK_AND:
	case DLT_EK_OR:
		if ((rc = eval(e->args[0], c, out)) < 0)
			return rc;
		for (size_t i = 1; i < e->n_args && rc >= 0; i++) {
			if ((rc = eval(e->args[i], c, &y)) < 0)
				break;
			rc = combine(out, &y, e->kind == DLT_EK_AND ? dlt_compute__and : dlt_compute__or, c);
			val_free(&y);
		}
		return rc;
	case DLT_EK_NOT:
		if ((rc = eval(e->args[0], c, out)) < 0)
			return rc;
		return negate_bool(out, c);
	case DLT_EK_IS_NULL:
		if ((rc = eval(e->args[0], c, &x)) < 0)
			return rc;
		rc = e->negated ? dlt_compute__is_not_null(&t, x.sp, x.ap, c->err)
		                : dlt_compute__is_null(&t, x.sp, x.ap, c->err);
		if (rc >= 0)
			rc = val_set(out, &t, "b", x.scalar, c->err);
		val_free(&x);
		return rc;
	case DLT_EK_IN:
		/* x IN (a, b) is x = a OR x = b in three-valued logic. */
		if ((rc = eval(e->args[0], c, &x)) < 0)
			return rc;
		for (size_t i = 1; i < e->n_args && rc >= 0; i++) {
			val eq;
			if ((rc = eval(e->args[i], c, &y)) < 0)
				break;
			val_init(&eq);
			rc = cmp_vals(i == 1 ? out : &eq, DLT_CMP_EQ, &x, &y, c);
			if (rc >= 0 && i > 1)
				rc = combine(out, &eq, dlt_compute__or, c);
			val_free(&eq);
			val_free(&y);
		}
		val_free(&x);
		if (rc >= 0 && e->negated)
			rc = negate_bool(out, c);
		return rc;
	case DLT_EK_BETWEEN: {
		val lo, hi;
		if ((rc = eval(e->args[0], c, &x)) < 0)
			return rc;
		if ((rc = eval(e->args[1], c, &y)) >= 0) {
			val_init(&lo);
			rc = cmp_vals(out, DLT_CMP_GE, &x, &y, c);
			val_free(&y);
			if (rc >= 0 && (rc = eval(e->args[2], c, &y)) >= 0) {
				val_init(&hi);
				if ((rc = cmp_vals(&hi, DLT_CMP_LE, &x, &y, c)) >= 0)
					rc = combine(out, &hi, dlt_compute__and, c);
				val_free(&hi);
				val_free(&y);
			}
			val_free(&lo);
		}
		val_free(&x);
		if (rc >= 0 && e->negated)
			rc = negate_bool(out, c);
		return rc;
	}
	case DLT_EK_LIKE:
		if ((rc = eval(e->args[0], c, &x)) < 0)
			return rc;
		rc = eval_like(e, &x, c, out);
		val_free(&x);
		return rc;
	case DLT_EK_ARITH: {
		struct ArrowSchema os = { 0 };
		if ((rc = eval(e->args[0], c, &x)) < 0)
			return rc;
		if ((rc = eval(e->args[1], c, &y)) >= 0) {
			dlt_datum l = { x.sp, x.ap, x.scalar }, r = { y.sp, y.ap, y.scalar };
			if ((rc = dlt_compute__arith(&t, &os, (dlt_arith_op)e->op, &l, &r, c->err)) >= 0) {
				dlt_schema__move(&out->s, &os);
				dlt_array__move(&out->a, &t);
				out->sp = &out->s;
				out->ap = &out->a;
				out->scalar = x.scalar && y.scalar;
			}
			val_free(&y);
		}
		val_free(&x);
		return rc;
	}
	case DLT_EK_NEG:
		if ((rc = eval(e->args[0], c, &x)) < 0)
			return rc;
		if ((rc = dlt_compute__negate(&t, x.sp, x.ap, c->err)) >= 0)
			rc = val_set(out, &t, e->fmt, x.scalar, c->err);
		val_free(&x);
		return rc;
	case DLT_EK_CAST:
		if ((rc = eval(e->args[0], c, &x)) < 0)
			return rc;
		if ((rc = dlt_compute__cast(&t, x.sp, x.ap, e->type, DLT_CAST_SAFE, c->err)) >= 0)
			rc = val_set(out, &t, e->type, x.scalar, c->err);
		val_free(&x);
		return rc;
	}
	return dlt_error_set(c->err, DLT_EINVAL, "unknown expression node %d", (int)e->kind);
}

int dlt_expr__eval(struct ArrowArray *out, struct ArrowSchema *out_schema, const dlt_expr *bound,
                   const struct ArrowSchema *schema, const struct ArrowArray *batch,
                   dlt_error *err)
{
	ctx c = { schema, batch, batch->length, err };
	val v;
	int rc;
	out->release = NULL;
	out_schema->release = NULL;
	if ((rc = eval(bound, &c, &v)) < 0 || (rc = broadcast(&v, c.n, err)) < 0)
		goto fail;
	if (v.s.release == NULL && (rc = dlt_schema__copy(&v.s, v.sp, err)) < 0)
		goto fail;
	if (v.a.release == NULL && (rc = dlt_compute__slice(&v.a, v.sp, v.ap, 0, v.ap->length,
	                                                   err)) < 0)
		goto fail;
	dlt_schema__move(out_schema, &v.s);
	dlt_array__move(out, &v.a);
	return DLT_OK;
fail:
	val_free(&v);
	return rc;
}

DLT_API int dlt_expr_evaluate(struct ArrowArray *out, struct ArrowSchema *out_schema,
                              const dlt_expr *expr, const struct ArrowSchema *schema,
                              const struct ArrowArray *batch, dlt_error *err)
{
	dlt_expr *bound = NULL;
	int rc;
	DLT_ARG_CHECK(out != NULL && out_schema != NULL && expr != NULL && schema != NULL &&
	              batch != NULL, err);
	out->release = NULL;
	out_schema->release = NULL;
	if ((rc = dlt_arrow__validate(schema, batch, err)) < 0 ||
	    (rc = dlt_expr__bind(&bound, expr, schema, err)) < 0)
		return rc;
	rc = dlt_expr__eval(out, out_schema, bound, schema, batch, err);
	dlt_expr_free(bound);
	return rc;
}
