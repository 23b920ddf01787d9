/* Data skipping: may a file (or row group) whose statistics are known hold a
 * row for which the predicate is TRUE? Every rule answers "certainly none"
 * only when no row can match under three-valued logic; anything not
 * understood answers "may match". NOT is pushed down by De Morgan
 * (NOT (a AND b) = NOT a OR NOT b; NOT (x < v) = x >= v, which holds in 3VL
 * because both sides are NULL exactly when x or v is NULL). Sub-predicates
 * that read only partition columns (all rows of a file share them) are
 * evaluated exactly over a one-row batch of partition values. */
#include "expr/expr.h"

#include <math.h>
#include <stdio.h>
#include <strings.h>

typedef struct sctx {
	const dlt_file_stats *st;
	const struct ArrowSchema *schema;
	struct ArrowArray row; /* 1 row of the table schema: partition values, else NULL */
	bool *is_part;         /* per top-level column */
	dlt_error *err;
} sctx;

enum { NONE = 0, MAY = 1 };

static bool uses_data_columns(const sctx *c, const dlt_expr *e)
{
	if (e->kind == DLT_EK_COLUMN)
		return !c->is_part[e->idx[0]];
	for (size_t i = 0; i < e->n_args; i++)
		if (uses_data_columns(c, e->args[i]))
			return true;
	return false;
}

/* Evaluate a predicate without data columns on the partition row. */
static int exact(sctx *c, const dlt_expr *e, bool neg)
{
	struct ArrowArray out = { 0 };
	struct ArrowSchema os = { 0 };
	dlt_error e2;
	int rc = dlt_expr__eval(&out, &os, e, c->schema, &c->row, &e2), r;
	if (rc < 0)
		return rc == DLT_ENOMEM ? dlt_error_set(c->err, rc, "%s", e2.message) : MAY;
	if (strcmp(os.format, "b") != 0 || out.length < 1 || dlt_arrow__is_null(&out, 0))
		r = strcmp(os.format, "b") == 0 || strcmp(os.format, "n") == 0 ? NONE : MAY;
	else
		r = dlt_arrow__bit(out.buffers[1], out.offset) != neg ? MAY : NONE;
	dlt_array__release(&out);
	dlt_schema__release(&os);
	return r;
}

static const dlt_column_stats *find_stats(const sctx *c, const dlt_expr *col)
{
	const struct ArrowSchema *s = c->schema;
	for (size_t i = 0; i < c->st->n_columns; i++) {
		const dlt_column_stats *cs = &c->st->columns[i];
		bool same = cs->path && cs->path_len == col->path_len;
		s = c->schema;
		for (size_t k = 0; same && k < col->path_len; k++) {
			s = s->children[col->idx[k]];
			same = cs->path[k] && s->name && strcasecmp(cs->path[k], s->name) == 0;
		}
		if (same)
			return cs;
	}
	return NULL;
}

static bool all_null(const sctx *c, const dlt_column_stats *cs)
{
	return cs && cs->null_count >= 0 && c->st->num_records >= 0 &&
	       cs->null_count >= c->st->num_records;
}

/* Is element 0 of a stats bound usable? */
static bool usable(const dlt_column_stats *cs, const struct ArrowArray *a)
{
	return cs->schema && a && a->length >= 1 && !dlt_arrow__is_null(a, 0);
}

/* l op r on element 0 of each: 1 true, 0 false, -1 unknown. */
static int cmp1(dlt_cmp_op op, const struct ArrowSchema *ls, const struct ArrowArray *la,
                const struct ArrowSchema *rs, const struct ArrowArray *ra, dlt_error *err)
{
	struct ArrowArray out = { 0 };
	dlt_datum l = { ls, la, true }, r = { rs, ra, true };
	dlt_error e2;
	int rc = dlt_compute__compare(&out, op, &l, &r, &e2), v;
	if (rc < 0)
		return rc == DLT_ENOMEM ? dlt_error_set(err, rc, "%s", e2.message) : -1;
	v = dlt_arrow__is_null(&out, 0) ? -1 : dlt_arrow__bit(out.buffers[1], out.offset);
	dlt_array__release(&out);
	return v;
}

static bool is_nan_literal(const dlt_expr *lit)
{
	const struct ArrowArray *a = &lit->lit;
	if (strcmp(lit->fmt, "g") == 0)
		return isnan(((const double *)a->buffers[1])[a->offset]);
	if (strcmp(lit->fmt, "f") == 0)
		return isnan(((const float *)a->buffers[1])[a->offset]);
	return false;
}

/* Delta statistics keep timestamps in milliseconds: the true maximum may be up to
 * 999 us (999999 ns) above the recorded one. */
static int widen_max(struct ArrowArray *out, const dlt_column_stats *cs, bool *widened,
                     dlt_error *err)
{
	dlt_type_view tv;
	int64_t v, add;
	struct ArrowArray t = { 0 };
	int rc;
	*widened = false;
	if (dlt_arrow__parse_format(&tv, cs->schema->format, NULL) < 0 ||
	    tv.type != DLT_AT_TIMESTAMP || tv.unit < DLT_TU_MICRO || cs->schema->dictionary)
		return DLT_OK;
	add = tv.unit == DLT_TU_MICRO ? 999 : 999999;
	v = ((const int64_t *)cs->max->buffers[1])[cs->max->offset];
	v = v > INT64_MAX - add ? INT64_MAX : v + add;
	if ((rc = dlt_compute__slice(&t, cs->schema, cs->max, 0, 1, err)) < 0)
		return rc;
	memcpy((uint8_t *)t.buffers[1] + t.offset * 8, &v, 8);
	dlt_array__move(out, &t);
	*widened = true;
	return DLT_OK;
}

/* col op lit, or NOT (col op lit) when neg. */
static int skip_cmp(sctx *c, const dlt_expr *col, dlt_cmp_op op, const dlt_expr *lit, bool neg)
{
	static const dlt_cmp_op negop[] = { DLT_CMP_NE, DLT_CMP_EQ, DLT_CMP_GE,
	                                    DLT_CMP_GT, DLT_CMP_LE, DLT_CMP_LT };
	const dlt_column_stats *cs;
	const struct ArrowSchema *ls = &lit->lit_schema;
	const struct ArrowArray *la = &lit->lit;
	struct ArrowArray wmax = { 0 };
	const struct ArrowArray *max;
	bool has_min, has_max, widened = false, flt;
	int r = MAY, v1, v2;

	if (neg)
		op = negop[op];
	if (dlt_expr__lit_is_null(lit))
		return NONE; /* comparison with NULL is never TRUE, nor is its negation */
	if (!(cs = find_stats(c, col)))
		return MAY;
	if (all_null(c, cs))
		return NONE;
	has_min = usable(cs, cs->min);
	has_max = usable(cs, cs->max);
	flt = col->fmt[0] == 'f' || col->fmt[0] == 'g' || col->fmt[0] == 'e';
	/* NaN is above every number but not in min/max: only predicates that NaN
	 * cannot satisfy may skip. */
	if (flt && (op == DLT_CMP_GT || op == DLT_CMP_GE || op == DLT_CMP_NE || is_nan_literal(lit)))
		return MAY;
	max = cs->max;
	if (has_max) {
		int rc = widen_max(&wmax, cs, &widened, c->err);
		if (rc < 0)
			return rc;
		if (widened)
			max = &wmax;
	}
	switch (op) {
	case DLT_CMP_EQ:
		v1 = has_min ? cmp1(DLT_CMP_LT, ls, la, cs->schema, cs->min, c->err) : -1;
		v2 = has_max ? cmp1(DLT_CMP_GT, ls, la, cs->schema, max, c->err) : -1;
		r = v1 < -1 || v2 < -1 ? DLT_ENOMEM : (v1 == 1 || v2 == 1) ? NONE : MAY;
		break;
	case DLT_CMP_NE:
		v1 = has_min && has_max && !widened ? cmp1(DLT_CMP_EQ, cs->schema, cs->min, ls, la,
		                                           c->err) : -1;
		v2 = v1 == 1 ? cmp1(DLT_CMP_EQ, cs->schema, max, ls, la, c->err) : -1;
		r = v1 < -1 || v2 < -1 ? DLT_ENOMEM : (v1 == 1 && v2 == 1) ? NONE : MAY;
		break;
	case DLT_CMP_LT:
	case DLT_CMP_LE:
		v1 = has_min ? cmp1(op == DLT_CMP_LT ? DLT_CMP_GE : DLT_CMP_GT, cs->schema, cs->min,
		                    ls, la, c->err) : -1;
		r = v1 < -1 ? DLT_ENOMEM : v1 == 1 ? NONE : MAY;
		break;
	case DLT_CMP_GT:
	case DLT_CMP_GE:
		v1 = has_max ? cmp1(op == DLT_CMP_GT ? DLT_CMP_LE : DLT_CMP_LT, cs->schema, max,
		                    ls, la, c->err) : -1;
		r = v1 < -1 ? DLT_ENOMEM : v1 == 1 ? NONE : MAY;
		break;
	}
	dlt_array__release(&wmax);
	return r;
}

static const dlt_expr *bare_column(const dlt_expr *e)
{
	return e->kind == DLT_EK_COLUMN ? e : NULL;
}

static int skip(sctx *c, const dlt_expr *e, bool neg)
{
	static const dlt_cmp_op flip[] = { DLT_CMP_EQ, DLT_CMP_NE, DLT_CMP_GT,
	                                   DLT_CMP_GE, DLT_CMP_LT, DLT_CMP_LE };
	const dlt_expr *col;
	int r;

	if (!uses_data_columns(c, e))
		return exact(c, e, neg);
	switch (e->kind) {
	case DLT_EK_AND:
	case DLT_EK_OR:
		if ((e->kind == DLT_EK_AND) != neg) { /* all must hold */
			for (size_t i = 0; i < e->n_args; i++)
				if ((r = skip(c, e->args[i], neg)) <= NONE)
					return r;
			return MAY;
		}
		for (size_t i = 0; i < e->n_args; i++)
			if ((r = skip(c, e->args[i], neg)) != NONE)
				return r;
		return NONE;
	case DLT_EK_NOT:
		return skip(c, e->args[0], !neg);
	case DLT_EK_COLUMN: { /* a boolean column used as a predicate: col = TRUE */
		dlt_expr *t = NULL;
		if ((r = dlt_expr_literal_bool(&t, 1, c->err)) < 0)
			return r;
		snprintf(t->fmt, sizeof(t->fmt), "b");
		r = skip_cmp(c, e, DLT_CMP_EQ, t, neg);
		dlt_expr_free(t);
		return r;
	}
	case DLT_EK_CMP:
		if ((col = bare_column(e->args[0])) && e->args[1]->kind == DLT_EK_LITERAL)
			return skip_cmp(c, col, (dlt_cmp_op)e->op, e->args[1], neg);
		if ((col = bare_column(e->args[1])) && e->args[0]->kind == DLT_EK_LITERAL)
			return skip_cmp(c, col, flip[e->op], e->args[0], neg);
		return MAY;
	case DLT_EK_IS_NULL: {
		const dlt_column_stats *cs;
		bool want_null = e->negated == neg; /* NOT (x IS NOT NULL) = x IS NULL */
		if (!(col = bare_column(e->args[0])) || !(cs = find_stats(c, col)))
			return MAY;
		if (want_null)
			return cs->null_count == 0 ? NONE : MAY;
		return all_null(c, cs) ? NONE : MAY;
	}
	case DLT_EK_IN: {
		bool not_in = e->negated != neg; /* AND of <> when true, OR of = otherwise */
		if (!(col = bare_column(e->args[0])))
			return MAY;
		for (size_t i = 1; i < e->n_args; i++)
			if (e->args[i]->kind != DLT_EK_LITERAL)
				return MAY;
		for (size_t i = 1; i < e->n_args; i++) {
			r = skip_cmp(c, col, DLT_CMP_EQ, e->args[i], not_in);
			if (r < 0 || (not_in && r == NONE) || (!not_in && r == MAY))
				return r;
		}
		return not_in ? MAY : NONE;
	}
	case DLT_EK_BETWEEN: {
		/* x >= lo AND x <= hi; negated: x < lo OR x > hi. */
		bool n2 = e->negated != neg;
		int a = MAY, b = MAY;
		if (!(col = bare_column(e->args[0])))
			return MAY;
		if (e->args[1]->kind == DLT_EK_LITERAL &&
		    (a = skip_cmp(c, col, DLT_CMP_GE, e->args[1], n2)) < 0)
			return a;
		if (e->args[2]->kind == DLT_EK_LITERAL &&
		    (b = skip_cmp(c, col, DLT_CMP_LE, e->args[2], n2)) < 0)
			return b;
		if (n2)
			return (a == NONE && b == NONE) ? NONE : MAY;
		return (a == NONE || b == NONE) ? NONE : MAY;
	}
	default:
		return MAY;
	}
}

/* The one-row batch: partition values where known, NULL elsewhere. */
static int build_row(sctx *c, dlt_error *err)
{
	const struct ArrowSchema *ps = c->st->partition_schema;
	const struct ArrowArray *pv = c->st->partition_values;
	int64_t n = c->schema->n_children;
	int rc;

	if (!(c->is_part = dlt_calloc((size_t)DLT_MAX(n, 1), sizeof(bool))))
		return dlt_error_set(err, DLT_ENOMEM, "out of memory in data skipping");
	if ((rc = dlt_array__init(&c->row, 1, n, err)) < 0)
		return rc;
	c->row.length = 1;
	c->row.null_count = 0;
	if (ps || pv) {
		if (!ps || !pv || strcmp(ps->format, "+s") != 0)
			return dlt_error_set(err, DLT_EINVAL, "partition values need a struct schema "
			                     "and a struct array");
		if ((rc = dlt_arrow__validate(ps, pv, err)) < 0)
			return rc;
		if (pv->length < 1)
			return dlt_error_set(err, DLT_EINVAL, "partition values have no row");
	}
	for (int64_t i = 0; i < n; i++) {
		const struct ArrowSchema *f = c->schema->children[i];
		dlt_builder *b = NULL;
		int64_t j = -1;
		for (int64_t k = 0; ps && k < ps->n_children; k++)
			if (f->name && ps->children[k]->name &&
			    strcasecmp(f->name, ps->children[k]->name) == 0)
				j = k;
		if ((rc = dlt_builder__new(&b, f, err)) < 0)
			return rc;
		if (j < 0) {
			rc = dlt_builder__append_null(b, err);
		} else {
			struct ArrowArray one = { 0 }, cast = { 0 };
			const char *want = f->dictionary ? f->dictionary->format : f->format;
			c->is_part[i] = true;
			rc = dlt_compute__slice(&one, ps->children[j], pv->children[j], pv->offset, 1, err);
			if (rc >= 0 && strcmp(ps->children[j]->format, want) != 0) {
				if ((rc = dlt_compute__cast(&cast, ps->children[j], &one, want,
				                            DLT_CAST_STRICT, err)) >= 0) {
					struct ArrowSchema cs = { 0 };
					if ((rc = dlt_schema__init_leaf(&cs, want, "p", true, err)) >= 0)
						rc = dlt_builder__append_from(b, &cs, &cast, 0, err);
					dlt_schema__release(&cs);
				}
				if (rc < 0)
					dlt_error_prefix(err, "partition column '%s'", f->name);
			} else if (rc >= 0) {
				rc = dlt_builder__append_from(b, ps->children[j], &one, 0, err);
			}
			dlt_array__release(&one);
			dlt_array__release(&cast);
		}
		if (rc >= 0)
			rc = dlt_builder__finish(c->row.children[i], b, err);
		dlt_builder__free(b);
		if (rc < 0)
			return rc;
	}
	return DLT_OK;
}

DLT_API int dlt_expr_may_match(int *may_match, const dlt_expr *pred,
                               const struct ArrowSchema *schema, const dlt_file_stats *stats,
                               dlt_error *err)
{
	sctx c;
	dlt_expr *bound = NULL;
	char type[64];
	int rc;
	DLT_ARG_CHECK(may_match != NULL && pred != NULL && schema != NULL && stats != NULL, err);
	DLT_ARG_CHECK(stats->version >= 1 && (stats->columns != NULL || stats->n_columns == 0), err);
	*may_match = MAY;
	memset(&c, 0, sizeof(c));
	c.st = stats;
	c.schema = schema;
	c.err = err;
	if ((rc = dlt_expr__bind(&bound, pred, schema, err)) < 0)
		return rc;
	if (strcmp(bound->fmt, "b") != 0 && strcmp(bound->fmt, "n") != 0) {
		rc = dlt_error_set(err, DLT_ESCHEMA, "predicate is not a boolean but %s",
		                   dlt_expr__type_name(bound->fmt, type, sizeof(type)));
		goto done;
	}
	for (size_t i = 0; i < stats->n_columns; i++) {
		const dlt_column_stats *cs = &stats->columns[i];
		if (!cs->schema)
			continue;
		if ((cs->min && (rc = dlt_arrow__validate(cs->schema, cs->min, err)) < 0) ||
		    (cs->max && (rc = dlt_arrow__validate(cs->schema, cs->max, err)) < 0)) {
			dlt_error_prefix(err, "statistics of column %zu", i);
			goto done;
		}
	}
	if (stats->num_records == 0) {
		*may_match = NONE;
		rc = DLT_OK;
		goto done;
	}
	if ((rc = build_row(&c, err)) < 0)
		goto done;
	if ((rc = skip(&c, bound, false)) < 0)
		goto done;
	*may_match = rc;
	rc = DLT_OK;
done:
	dlt_array__release(&c.row);
	dlt_free(c.is_part);
	dlt_expr_free(bound);
	return rc;
}
