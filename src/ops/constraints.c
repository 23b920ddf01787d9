/* Row checks of every write: NOT NULL columns, CHECK constraints
 * (PROTOCOL.md#check-constraints: table properties delta.constraints.<name>),
 * column invariants (PROTOCOL.md#column-invariants: field metadata
 * delta.invariants), generated columns (PROTOCOL.md#generated-columns:
 * delta.generationExpression). As in Delta, a constraint that evaluates to
 * NULL is violated. Errors name the rule and show the row's values. */
#include "ops/ops.h"
#include "compute/compute.h"
#include "util/parse.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------- render -- */

static void render_value(dlt_buf *b, const struct ArrowSchema *s, const struct ArrowArray *a,
                         int64_t row)
{
	dlt_type_view tv;
	bool is_null;

	if (dlt_arrow__parse_format(&tv, s->format, NULL) < 0) {
		dlt_buf_append_str(b, "?", NULL);
		return;
	}
	if (dlt_arrow__is_null(a, row)) {
		dlt_buf_append_str(b, "NULL", NULL);
		return;
	}
	switch (tv.type) {
	case DLT_AT_STRING: case DLT_AT_LARGE_STRING: {
		size_t mark = b->len;
		dlt_buf_append_byte(b, '\'', NULL);
		if (dlt_ops__partition_value(b, &is_null, s, a, row, NULL) < 0)
			b->len = mark;
		if (b->len - mark > 64)
			b->len = mark + 64;
		dlt_buf_append_byte(b, '\'', NULL);
		return;
	}
	case DLT_AT_BINARY: case DLT_AT_LARGE_BINARY:
		dlt_buf_append_str(b, "X'...'", NULL);
		return;
	case DLT_AT_STRUCT: {
		dlt_buf_append_byte(b, '{', NULL);
		for (int64_t i = 0; i < s->n_children && i < 8; i++) {
			dlt_buf_appendf(b, NULL, "%s%s=", i ? ", " : "", s->children[i]->name);
			render_value(b, s->children[i], a->children[i], row + a->offset);
		}
		dlt_buf_append_byte(b, '}', NULL);
		return;
	}
	case DLT_AT_LIST: case DLT_AT_LARGE_LIST: case DLT_AT_MAP: case DLT_AT_FIXED_LIST:
		dlt_buf_append_str(b, "[...]", NULL);
		return;
	default:
		if (dlt_ops__partition_value(b, &is_null, s, a, row, NULL) < 0)
			dlt_buf_append_str(b, "?", NULL);
		return;
	}
}

void dlt_ops__render_row(char *buf, size_t cap, const struct ArrowSchema *schema,
                         const struct ArrowArray *batch, int64_t row)
{
	dlt_buf b = DLT_BUF_INIT;

	if (cap == 0)
		return;
	buf[0] = 0;
	for (int64_t i = 0; i < schema->n_children && b.len < cap; i++) {
		dlt_buf_appendf(&b, NULL, "%s%s=", i ? ", " : "", schema->children[i]->name);
		render_value(&b, schema->children[i], batch->children[i], row + batch->offset);
	}
	if (b.data) {
		size_t n = b.len < cap - 1 ? b.len : cap - 1;
		memcpy(buf, b.data, n);
		buf[n] = 0;
	}
	dlt_buf_dispose(&b);
}

/* ------------------------------------------------------------ load -- */

static int push_check(dlt_ops_checks *c, const char *name, const char *sql, dlt_error *err)
{
	dlt_expr *e = NULL;
	char **nn, **ns;
	dlt_expr **ne;
	int rc;

	if ((rc = dlt_expr_parse(&e, sql, err)) < 0)
		return dlt_error_set(err, DLT_EUNSUPPORTED, "%s: cannot parse '%s': %s", name, sql,
		                     err ? err->message : "syntax error");
	nn = dlt_realloc(c->names, (c->n + 1) * sizeof(*nn));
	if (nn)
		c->names = nn;
	ns = nn ? dlt_realloc(c->sql, (c->n + 1) * sizeof(*ns)) : NULL;
	if (ns)
		c->sql = ns;
	ne = ns ? dlt_realloc(c->exprs, (c->n + 1) * sizeof(*ne)) : NULL;
	if (ne)
		c->exprs = ne;
	if (!ne) {
		dlt_expr_free(e);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	c->names[c->n] = dlt_strdup(name);
	c->sql[c->n] = dlt_strdup(sql);
	c->exprs[c->n] = e;
	c->n++;
	if (!c->names[c->n - 1] || !c->sql[c->n - 1])
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	return DLT_OK;
}

static int meta_str(char **out, const struct ArrowSchema *s, const char *key)
{
	const char *v;
	int32_t n;

	*out = NULL;
	if (dlt_schema__metadata_get(s, key, &v, &n) != DLT_OK)
		return DLT_OK;
	if (!(*out = dlt_strndup(v, (size_t)n)))
		return DLT_ENOMEM;
	return DLT_OK;
}

static int load_field(dlt_ops_checks *c, const struct ArrowSchema *f, const char *parent,
                      int64_t top, int depth, dlt_error *err)
{
	char path[512], name[600];
	char *inv = NULL, *gen = NULL;
	int rc = DLT_OK;

	if (depth > 64)
		return DLT_OK;
	snprintf(path, sizeof(path), "%s%s%s", parent, parent[0] ? "." : "", f->name ? f->name : "");
	if (meta_str(&inv, f, "delta.invariants") < 0 || meta_str(&gen, f, "delta.generationExpression") < 0) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto done;
	}
	if (inv) {
		/* {"expression": {"expression": "<sql>"}} */
		json_error_t je;
		json_t *j = json_loads(inv, 0, &je);
		json_t *e1 = j ? json_object_get(j, "expression") : NULL;
		json_t *e2 = e1 && json_is_object(e1) ? json_object_get(e1, "expression") : NULL;
		snprintf(name, sizeof(name), "invariant of column '%s'", path);
		if (!e2 || !json_is_string(e2))
			rc = dlt_error_set(err, DLT_EUNSUPPORTED, "%s: malformed delta.invariants '%s'",
			                   name, inv);
		else
			rc = push_check(c, name, json_string_value(e2), err);
		json_decref(j);
		if (rc < 0)
			goto done;
	}
	if (gen && top >= 0 && depth == 0) {
		dlt_expr *e = NULL;
		int64_t *ng;
		char **ns;
		dlt_expr **ne;
		if ((rc = dlt_expr_parse(&e, gen, err)) < 0) {
			rc = dlt_error_set(err, DLT_EUNSUPPORTED, "generated column '%s': cannot parse '%s'",
			                   path, gen);
			goto done;
		}
		ng = dlt_realloc(c->gen_col, (size_t)(c->n_gen + 1) * sizeof(*ng));
		if (ng)
			c->gen_col = ng;
		ns = ng ? dlt_realloc(c->gen_sql, (size_t)(c->n_gen + 1) * sizeof(*ns)) : NULL;
		if (ns)
			c->gen_sql = ns;
		ne = ns ? dlt_realloc(c->gen_exprs, (size_t)(c->n_gen + 1) * sizeof(*ne)) : NULL;
		if (ne)
			c->gen_exprs = ne;
		if (!ne) {
			dlt_expr_free(e);
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
			goto done;
		}
		c->gen_col[c->n_gen] = top;
		c->gen_sql[c->n_gen] = gen;
		c->gen_exprs[c->n_gen] = e;
		c->n_gen++;
		gen = NULL;
	}
	if (f->format && strcmp(f->format, "+s") == 0)
		for (int64_t i = 0; i < f->n_children && rc == 0; i++)
			rc = load_field(c, f->children[i], path, top, depth + 1, err);
done:
	dlt_free(inv);
	dlt_free(gen);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(((const dlt_log_kv *)a)->key, ((const dlt_log_kv *)b)->key);
}

int dlt_ops__checks_load(dlt_ops_checks *out, const struct ArrowSchema *schema,
                         const dlt_log_kvs *config, dlt_error *err)
{
	dlt_log_kv *kv = NULL;
	size_t n = 0;
	int rc = DLT_OK;

	memset(out, 0, sizeof(*out));
	for (int64_t i = 0; i < schema->n_children && rc == 0; i++)
		rc = load_field(out, schema->children[i], "", i, 0, err);
	if (rc == 0 && config && config->n) {
		/* constraints in name order, for deterministic messages */
		if (!(kv = dlt_calloc(config->n, sizeof(*kv))))
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		for (size_t i = 0; kv && i < config->n; i++)
			if (strncmp(config->kv[i].key, "delta.constraints.", 18) == 0 && config->kv[i].value)
				kv[n++] = config->kv[i];
		if (n)
			qsort(kv, n, sizeof(*kv), cmp_str);
		for (size_t i = 0; i < n && rc == 0; i++) {
			char name[300];
			snprintf(name, sizeof(name), "check constraint '%s'", kv[i].key + 18);
			rc = push_check(out, name, kv[i].value, err);
		}
	}
	dlt_free(kv);
	if (rc < 0)
		dlt_ops__checks_dispose(out);
	return rc;
}

void dlt_ops__checks_dispose(dlt_ops_checks *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		dlt_free(c->names ? c->names[i] : NULL);
		dlt_free(c->sql ? c->sql[i] : NULL);
		dlt_expr_free(c->exprs ? c->exprs[i] : NULL);
	}
	for (int64_t i = 0; i < c->n_gen; i++) {
		dlt_free(c->gen_sql[i]);
		dlt_expr_free(c->gen_exprs[i]);
	}
	dlt_free(c->names);
	dlt_free(c->sql);
	dlt_free(c->exprs);
	dlt_free(c->gen_col);
	dlt_free(c->gen_sql);
	dlt_free(c->gen_exprs);
	memset(c, 0, sizeof(*c));
}

/* ------------------------------------------------------------- run -- */

static int violation(dlt_error *err, const struct ArrowSchema *schema,
                     const struct ArrowArray *batch, int64_t row, int64_t row_base,
                     const char *what)
{
	char vals[600];
	dlt_ops__render_row(vals, sizeof(vals), schema, batch, row);
	dlt_error_set(err, DLT_ESCHEMA, "%s at row %" PRId64 " (%s)", what, row + row_base, vals);
	dlt_error__set_row(err, row + row_base);
	return DLT_ESCHEMA;
}

/* `a` holds row r of the batch at logical index base + r; `parent` (the
 * enclosing struct, NULL at the top) at pbase + r. */
static int check_not_null(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t base,
                          const struct ArrowArray *parent, int64_t pbase, const char *path,
                          const struct ArrowSchema *bs, const struct ArrowArray *batch,
                          int64_t row_base, int depth, dlt_error *err)
{
	char p[512], what[700];
	int rc;

	snprintf(p, sizeof(p), "%s%s%s", path, path[0] ? "." : "", s->name ? s->name : "");
	if (!(s->flags & ARROW_FLAG_NULLABLE) && a->null_count != 0 && a->n_buffers > 0 &&
	    a->buffers[0]) {
		for (int64_t r = 0; r < batch->length; r++) {
			if (parent && dlt_arrow__is_null(parent, pbase + r))
				continue;
			if (dlt_arrow__is_null(a, base + r)) {
				snprintf(what, sizeof(what), "NOT NULL column '%s' is null", p);
				return violation(err, bs, batch, r, row_base, what);
			}
		}
	}
	if (depth < 64 && strcmp(s->format, "+s") == 0)
		for (int64_t i = 0; i < s->n_children; i++)
			if ((rc = check_not_null(s->children[i], a->children[i], base + a->offset, a, base,
			                         p, bs, batch, row_base, depth + 1, err)) < 0)
				return rc;
	return DLT_OK;
}

int dlt_ops__generate(const dlt_ops_checks *c, int64_t k, const struct ArrowSchema *schema,
                      struct ArrowArray *batch, dlt_error *err)
{
	struct ArrowArray res, cast;
	struct ArrowSchema rs;
	int64_t col = c->gen_col[k];
	const struct ArrowSchema *cs = schema->children[col];
	int rc;

	memset(&res, 0, sizeof(res));
	memset(&rs, 0, sizeof(rs));
	memset(&cast, 0, sizeof(cast));
	if ((rc = dlt_expr_evaluate(&res, &rs, c->gen_exprs[k], schema, batch, err)) < 0)
		return dlt_error_prefix(err, "generated column '%s' (%s)", cs->name, c->gen_sql[k]);
	if (strcmp(rs.format, cs->format) != 0) {
		if ((rc = dlt_compute__cast(&cast, &rs, &res, cs->format, DLT_CAST_STRICT, err)) < 0) {
			dlt_array__release(&res);
			dlt_schema__release(&rs);
			return dlt_error_prefix(err, "generated column '%s' (%s)", cs->name, c->gen_sql[k]);
		}
		dlt_array__release(&res);
		dlt_array__move(&res, &cast);
	}
	dlt_schema__release(&rs);
	/* the batch has no offset of its own here (we built it) */
	dlt_array__release(batch->children[col]);
	dlt_array__move(batch->children[col], &res);
	return DLT_OK;
}

static int check_generated(const dlt_ops_checks *c, int64_t k, const struct ArrowSchema *schema,
                           const struct ArrowArray *batch, int64_t row_base, dlt_error *err)
{
	struct ArrowArray res, cast, eq;
	struct ArrowSchema rs;
	int64_t col = c->gen_col[k];
	const struct ArrowSchema *cs = schema->children[col];
	const struct ArrowArray *ca = batch->children[col];
	const struct ArrowArray *ra;
	char what[700];
	int rc;

	memset(&res, 0, sizeof(res));
	memset(&rs, 0, sizeof(rs));
	memset(&cast, 0, sizeof(cast));
	memset(&eq, 0, sizeof(eq));
	if ((rc = dlt_expr_evaluate(&res, &rs, c->gen_exprs[k], schema, batch, err)) < 0)
		return dlt_error_prefix(err, "generated column '%s' (%s)", cs->name, c->gen_sql[k]);
	if (strcmp(rs.format, cs->format) != 0 &&
	    (rc = dlt_compute__cast(&cast, &rs, &res, cs->format, DLT_CAST_SAFE, err)) < 0)
		goto done;
	ra = cast.release ? &cast : &res;
	{
		/* the column as a standalone array of batch->length rows */
		struct ArrowArray view = *ca;
		dlt_datum l, r;
		view.offset = ca->offset + batch->offset;
		view.length = batch->length;
		view.null_count = -1;
		l.schema = cs; l.array = &view; l.is_scalar = false;
		r.schema = cs; r.array = ra; r.is_scalar = false;
		if ((rc = dlt_compute__compare(&eq, DLT_CMP_EQ, &l, &r, err)) < 0)
			goto done;
		for (int64_t i = 0; i < batch->length; i++) {
			bool ln = dlt_arrow__is_null(&view, i), rn = dlt_arrow__is_null(ra, i);
			bool ok = (ln && rn) || (!ln && !rn && !dlt_arrow__is_null(&eq, i) &&
			                         dlt_arrow__bit(eq.buffers[1], eq.offset + i));
			if (!ok) {
				snprintf(what, sizeof(what), "generated column '%s' does not match its "
				         "expression (%s)", cs->name, c->gen_sql[k]);
				rc = violation(err, schema, batch, i, row_base, what);
				goto done;
			}
		}
	}
done:
	dlt_array__release(&eq);
	dlt_array__release(&cast);
	dlt_array__release(&res);
	dlt_schema__release(&rs);
	return rc;
}

int dlt_ops__checks_run(const dlt_ops_checks *c, const struct ArrowSchema *schema,
                        const struct ArrowArray *batch, int64_t row_base, dlt_error *err)
{
	int rc;

	for (int64_t i = 0; i < schema->n_children; i++)
		if ((rc = check_not_null(schema->children[i], batch->children[i], batch->offset, NULL,
		                         0, "", schema, batch, row_base, 0, err)) < 0)
			return rc;
	for (size_t k = 0; k < c->n; k++) {
		struct ArrowArray res;
		struct ArrowSchema rs;
		memset(&res, 0, sizeof(res));
		memset(&rs, 0, sizeof(rs));
		if ((rc = dlt_expr_evaluate(&res, &rs, c->exprs[k], schema, batch, err)) < 0)
			return dlt_error_prefix(err, "%s (%s)", c->names[k], c->sql[k]);
		if (strcmp(rs.format, "b") != 0) {
			dlt_array__release(&res);
			dlt_schema__release(&rs);
			return dlt_error_set(err, DLT_ESCHEMA, "%s (%s) is not a boolean expression",
			                     c->names[k], c->sql[k]);
		}
		for (int64_t i = 0; i < res.length; i++)
			if (dlt_arrow__is_null(&res, i) ||
			    !dlt_arrow__bit(res.buffers[1], res.offset + i)) {
				char what[700];
				snprintf(what, sizeof(what), "%s (%s) violated", c->names[k], c->sql[k]);
				dlt_array__release(&res);
				dlt_schema__release(&rs);
				return violation(err, schema, batch, i, row_base, what);
			}
		dlt_array__release(&res);
		dlt_schema__release(&rs);
	}
	for (int64_t k = 0; k < c->n_gen; k++)
		if ((rc = check_generated(c, k, schema, batch, row_base, err)) < 0)
			return rc;
	return DLT_OK;
}
