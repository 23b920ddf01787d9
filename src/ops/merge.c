/*
 * MERGE builder (include/deltalite/merge.h): clauses as SQL text, parsed
 * here; column names are resolved against the two sides at execution time
 * (merge_exec.c), when the target and source schemas are known.
 */
#include "ops/merge.h"
#include "util/util.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

DLT_API int dlt_merge_options_init(dlt_merge_options *opts, unsigned int version)
{
	dlt_merge_options d = DLT_MERGE_OPTIONS_INIT;
	if (!opts || version != DLT_MERGE_OPTIONS_VERSION)
		return DLT_EINVAL;
	*opts = d;
	return DLT_OK;
}

static void clause_dispose(dlt_merge_clause *c)
{
	dlt_free(c->cond_sql);
	dlt_expr_free(c->cond);
	for (size_t i = 0; i < c->n_set; i++) {
		dlt_free(c->cols ? c->cols[i] : NULL);
		dlt_expr_free(c->vals ? c->vals[i] : NULL);
		dlt_free(c->val_sql ? c->val_sql[i] : NULL);
	}
	dlt_free(c->cols);
	dlt_free(c->vals);
	dlt_free(c->val_sql);
	memset(c, 0, sizeof(*c));
}

DLT_API void dlt_merge_free(dlt_merge *m)
{
	if (!m)
		return;
	if (m->source.release)
		m->source.release(&m->source);
	dlt_free(m->on_sql);
	dlt_expr_free(m->on);
	dlt_free(m->salias);
	dlt_free(m->talias);
	for (size_t i = 0; i < m->n_clauses; i++)
		clause_dispose(&m->clauses[i]);
	dlt_free(m->clauses);
	dlt_free(m);
}

static bool valid_alias(const char *a)
{
	if (!a || !*a || !(isalpha((unsigned char)*a) || *a == '_'))
		return false;
	for (; *a; a++)
		if (!(isalnum((unsigned char)*a) || *a == '_'))
			return false;
	return true;
}

DLT_API int dlt_merge_new(dlt_merge **out, dlt_table *table, struct ArrowArrayStream *source,
                          const char *on, const char *source_alias, const char *target_alias,
                          dlt_error *err)
{
	dlt_merge *m = NULL;
	int rc;
	if (out)
		*out = NULL;
	if (!out || !table || !source || !source->release || !on) {
		if (source && source->release)
			source->release(source);
		return dlt_error_set(err, DLT_EINVAL, "merge: invalid argument: %s",
		                     !out ? "out is NULL" : !table ? "table is NULL"
		                     : !source || !source->release ? "no source stream"
		                     : "on predicate is NULL");
	}
	m = dlt_calloc(1, sizeof(*m));
	if (!m) {
		source->release(source);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory starting a merge");
	}
	m->source = *source;
	source->release = NULL;
	m->table = table;
	dlt_merge_options_init(&m->opts, DLT_MERGE_OPTIONS_VERSION);
	if (!source_alias)
		source_alias = "source";
	if (!target_alias)
		target_alias = "target";
	if (!valid_alias(source_alias) || !valid_alias(target_alias)) {
		rc = dlt_error_set(err, DLT_EINVAL, "merge: alias '%s' is not an identifier",
		                   valid_alias(source_alias) ? target_alias : source_alias);
		goto fail;
	}
	if (strcasecmp(source_alias, target_alias) == 0) {
		rc = dlt_error_set(err, DLT_EINVAL, "merge: source and target aliases are both '%s'",
		                   source_alias);
		goto fail;
	}
	if (!(m->on_sql = dlt_strdup(on)) || !(m->salias = dlt_strdup(source_alias)) ||
	    !(m->talias = dlt_strdup(target_alias))) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory starting a merge");
		goto fail;
	}
	if ((rc = dlt_expr_parse(&m->on, on, err)) < 0) {
		dlt_error_prefix(err, "merge: on predicate");
		goto fail;
	}
	*out = m;
	return DLT_OK;
fail:
	dlt_merge_free(m);
	return rc;
}

DLT_API int dlt_merge_set_options(dlt_merge *m, const dlt_merge_options *opts, dlt_error *err)
{
	DLT_ARG_CHECK(m != NULL && opts != NULL && opts->version >= 1, err);
	m->opts = *opts;
	m->opts.version = DLT_MERGE_OPTIONS_VERSION;
	if (opts->use_deletion_vectors < -1 || opts->use_deletion_vectors > 1)
		return dlt_error_set(err, DLT_EINVAL, "merge: use_deletion_vectors must be -1, 0 or 1");
	return DLT_OK;
}

/* ------------------------------------------------------------ parsing -- */

static const char *skip_quoted(const char *p)
{
	char q = *p++;
	while (*p) {
		if (*p == q) {
			if (p[1] == q && q != '"') {
				p += 2;
				continue;
			}
			return p + 1;
		}
		if (*p == '\\' && q == '\'' && p[1])
			p++;
		p++;
	}
	return p;
}

static char *trimmed(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return dlt_strndup(s, n);
}

int dlt_merge__split(char ***out, size_t *n_out, const char *text, dlt_error *err)
{
	char **v = NULL;
	size_t n = 0, cap = 0;
	const char *p = text, *start = text;
	int depth = 0;
	*out = NULL;
	*n_out = 0;
	for (;;) {
		if (*p == '\'' || *p == '`' || *p == '"') {
			p = skip_quoted(p);
			continue;
		}
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		if (*p == 0 || (*p == ',' && depth == 0)) {
			char *piece;
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 8;
				char **nv = dlt_realloc(v, nc * sizeof(*v));
				if (!nv)
					goto oom;
				v = nv;
				cap = nc;
			}
			if (!(piece = trimmed(start, (size_t)(p - start))))
				goto oom;
			v[n++] = piece;
			if (!*piece) {
				for (size_t i = 0; i < n; i++)
					dlt_free(v[i]);
				dlt_free(v);
				return dlt_error_set(err, DLT_EINVAL, "empty item in list '%s'", text);
			}
			if (*p == 0)
				break;
			start = p + 1;
		}
		p++;
	}
	*out = v;
	*n_out = n;
	return DLT_OK;
oom:
	for (size_t i = 0; i < n; i++)
		dlt_free(v[i]);
	dlt_free(v);
	return dlt_error_set(err, DLT_ENOMEM, "out of memory parsing a merge clause");
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dlt_free(v[i]);
	dlt_free(v);
}

/* A target column name: "c", "`c`", "t.c" (t: the target alias). */
static int target_column(char **out, const dlt_merge *m, const char *text, dlt_error *err)
{
	dlt_expr *e = NULL;
	int rc;
	*out = NULL;
	if ((rc = dlt_expr_parse(&e, text, err)) < 0)
		return rc;
	if (e->kind != DLT_EK_COLUMN || e->path_len > 2 ||
	    (e->path_len == 2 && strcasecmp(e->path[0], m->talias) != 0)) {
		dlt_expr_free(e);
		return dlt_error_set(err, DLT_EINVAL, "'%s' is not a column of the target", text);
	}
	*out = dlt_strdup(e->path[e->path_len - 1]);
	dlt_expr_free(e);
	return *out ? DLT_OK : dlt_error_set(err, DLT_ENOMEM, "out of memory");
}

static int add_clause(dlt_merge *m, dlt_merge_kind kind, dlt_merge_action action,
                      const char *cond, dlt_merge_clause **out, dlt_error *err)
{
	dlt_merge_clause *c;
	int rc;
	DLT_ARG_CHECK(m != NULL, err);
	if (m->executed)
		return dlt_error_set(err, DLT_EINVAL, "merge: already executed");
	/* Only the last clause of a kind may be unconditional (SQL). */
	for (size_t i = 0; i < m->n_clauses; i++)
		if (m->clauses[i].kind == kind && !m->clauses[i].cond)
			return dlt_error_set(err, DLT_EINVAL, "merge: a WHEN %s clause follows an "
			                     "unconditional one; only the last may omit the condition",
			                     kind == DLT_MERGE_MATCHED ? "MATCHED"
			                     : kind == DLT_MERGE_NOT_MATCHED ? "NOT MATCHED"
			                     : "NOT MATCHED BY SOURCE");
	if (m->n_clauses == m->cap_clauses) {
		size_t nc = m->cap_clauses ? m->cap_clauses * 2 : 4;
		dlt_merge_clause *nv = dlt_realloc(m->clauses, nc * sizeof(*nv));
		if (!nv)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory adding a merge clause");
		m->clauses = nv;
		m->cap_clauses = nc;
	}
	c = &m->clauses[m->n_clauses];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->action = action;
	if (cond) {
		if (!(c->cond_sql = dlt_strdup(cond))) {
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory adding a merge clause");
			goto fail;
		}
		if ((rc = dlt_expr_parse(&c->cond, cond, err)) < 0) {
			dlt_error_prefix(err, "merge: clause condition");
			goto fail;
		}
	}
	*out = c;
	return DLT_OK;
fail:
	clause_dispose(c);
	return rc;
}

static int alloc_set(dlt_merge_clause *c, size_t n, dlt_error *err)
{
	c->cols = dlt_calloc(n ? n : 1, sizeof(char *));
	c->vals = dlt_calloc(n ? n : 1, sizeof(dlt_expr *));
	c->val_sql = dlt_calloc(n ? n : 1, sizeof(char *));
	if (!c->cols || !c->vals || !c->val_sql)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory adding a merge clause");
	c->n_set = n;
	return DLT_OK;
}

/* Position of the first top-level '=' that is an assignment, or NULL. */
static const char *assign_eq(const char *s)
{
	for (const char *p = s; *p;) {
		if (*p == '\'' || *p == '`' || *p == '"') {
			p = skip_quoted(p);
			continue;
		}
		if (*p == '=' && !(p > s && strchr("<>!=", p[-1])) && p[1] != '=')
			return p;
		p++;
	}
	return NULL;
}

static int parse_set(dlt_merge *m, dlt_merge_clause *c, const char *set, dlt_error *err)
{
	char **items = NULL;
	size_t n = 0;
	int rc;
	if ((rc = dlt_merge__split(&items, &n, set, err)) < 0 || (rc = alloc_set(c, n, err)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		const char *eq = assign_eq(items[i]);
		char *lhs;
		if (!eq) {
			rc = dlt_error_set(err, DLT_EINVAL, "merge: set clause: '%s' is not "
			                   "'column = expression'", items[i]);
			goto done;
		}
		if (!(lhs = trimmed(items[i], (size_t)(eq - items[i]))) ||
		    !(c->val_sql[i] = trimmed(eq + 1, strlen(eq + 1)))) {
			dlt_free(lhs);
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
			goto done;
		}
		rc = target_column(&c->cols[i], m, lhs, err);
		dlt_free(lhs);
		if (rc < 0 || (rc = dlt_expr_parse(&c->vals[i], c->val_sql[i], err)) < 0) {
			dlt_error_prefix(err, "merge: set clause '%s'", items[i]);
			goto done;
		}
		for (size_t k = 0; k < i; k++)
			if (strcasecmp(c->cols[k], c->cols[i]) == 0) {
				rc = dlt_error_set(err, DLT_EINVAL, "merge: column '%s' is assigned twice",
				                   c->cols[i]);
				goto done;
			}
	}
done:
	free_strs(items, n);
	return rc;
}

static int finish_clause(dlt_merge *m, int rc)
{
	if (rc < 0)
		clause_dispose(&m->clauses[m->n_clauses]);
	else
		m->n_clauses++;
	return rc;
}

DLT_API int dlt_merge_when_matched_update(dlt_merge *m, const char *cond, const char *set_clause,
                                          dlt_error *err)
{
	dlt_merge_clause *c;
	int rc = add_clause(m, DLT_MERGE_MATCHED, DLT_MERGE_UPDATE, cond, &c, err);
	if (rc < 0)
		return rc;
	if (!set_clause)
		c->star = true;
	else
		rc = parse_set(m, c, set_clause, err);
	return finish_clause(m, rc);
}

DLT_API int dlt_merge_when_matched_delete(dlt_merge *m, const char *cond, dlt_error *err)
{
	dlt_merge_clause *c;
	int rc = add_clause(m, DLT_MERGE_MATCHED, DLT_MERGE_DELETE, cond, &c, err);
	return rc < 0 ? rc : finish_clause(m, rc);
}

DLT_API int dlt_merge_when_not_matched_insert(dlt_merge *m, const char *cond,
                                              const char *columns, const char *values,
                                              dlt_error *err)
{
	dlt_merge_clause *c;
	char **cols = NULL, **vals = NULL;
	size_t nc = 0, nv = 0;
	int rc;
	if ((columns == NULL) != (values == NULL))
		return dlt_error_set(err, DLT_EINVAL, "merge: insert needs both columns and values "
		                     "(or neither, for INSERT *)");
	if ((rc = add_clause(m, DLT_MERGE_NOT_MATCHED, DLT_MERGE_INSERT, cond, &c, err)) < 0)
		return rc;
	if (!columns) {
		c->star = true;
		return finish_clause(m, DLT_OK);
	}
	if ((rc = dlt_merge__split(&cols, &nc, columns, err)) < 0 ||
	    (rc = dlt_merge__split(&vals, &nv, values, err)) < 0)
		goto done;
	if (nc != nv) {
		rc = dlt_error_set(err, DLT_EINVAL, "merge: insert lists %zu columns but %zu values",
		                   nc, nv);
		goto done;
	}
	if ((rc = alloc_set(c, nc, err)) < 0)
		goto done;
	for (size_t i = 0; i < nc; i++) {
		if ((rc = target_column(&c->cols[i], m, cols[i], err)) < 0 ||
		    !(c->val_sql[i] = dlt_strdup(vals[i])) ||
		    (rc = dlt_expr_parse(&c->vals[i], vals[i], err)) < 0) {
			if (rc >= 0)
				rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
			dlt_error_prefix(err, "merge: insert");
			goto done;
		}
		for (size_t k = 0; k < i; k++)
			if (strcasecmp(c->cols[k], c->cols[i]) == 0) {
				rc = dlt_error_set(err, DLT_EINVAL, "merge: insert lists column '%s' twice",
				                   c->cols[i]);
				goto done;
			}
	}
done:
	free_strs(cols, nc);
	free_strs(vals, nv);
	return finish_clause(m, rc);
}

DLT_API int dlt_merge_when_not_matched_by_source_update(dlt_merge *m, const char *cond,
                                                        const char *set_clause,
                                                        dlt_error *err)
{
	dlt_merge_clause *c;
	int rc;
	if (!set_clause)
		return dlt_error_set(err, DLT_EINVAL, "merge: not matched by source update needs a "
		                     "set clause (SET * is not allowed there)");
	if ((rc = add_clause(m, DLT_MERGE_NOT_MATCHED_BY_SOURCE, DLT_MERGE_UPDATE, cond, &c,
	                     err)) < 0)
		return rc;
	return finish_clause(m, parse_set(m, c, set_clause, err));
}

DLT_API int dlt_merge_when_not_matched_by_source_delete(dlt_merge *m, const char *cond,
                                                        dlt_error *err)
{
	dlt_merge_clause *c;
	int rc = add_clause(m, DLT_MERGE_NOT_MATCHED_BY_SOURCE, DLT_MERGE_DELETE, cond, &c, err);
	return rc < 0 ? rc : finish_clause(m, rc);
}

/* --------------------------------------------------------- qualifying -- */

static int64_t find_col(const struct ArrowSchema *s, const char *name)
{
	int64_t ci = -1;
	for (int64_t i = 0; i < s->n_children; i++) {
		const char *n = s->children[i]->name ? s->children[i]->name : "";
		if (strcmp(n, name) == 0)
			return i;
		if (ci < 0 && strcasecmp(n, name) == 0)
			ci = i;
	}
	return ci;
}

static int prepend(dlt_expr *e, const char *alias, dlt_error *err)
{
	char **np = dlt_calloc(e->path_len + 1, sizeof(char *));
	char *a = dlt_strdup(alias);
	if (!np || !a) {
		dlt_free(np);
		dlt_free(a);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	np[0] = a;
	memcpy(np + 1, e->path, e->path_len * sizeof(char *));
	dlt_free(e->path);
	e->path = np;
	e->path_len++;
	return DLT_OK;
}

int dlt_merge__qualify(dlt_expr *e, const struct dlt_merge *m, const struct ArrowSchema *ts,
                       const struct ArrowSchema *ss, unsigned allow, unsigned *refs,
                       const char *what, dlt_error *err)
{
	int rc;
	if (e->kind == DLT_EK_COLUMN && e->path_len >= 1) {
		unsigned side = 0;
		if (e->path_len >= 2 && strcasecmp(e->path[0], m->talias) == 0)
			side = DLT_MERGE_REF_TARGET;
		else if (e->path_len >= 2 && strcasecmp(e->path[0], m->salias) == 0)
			side = DLT_MERGE_REF_SOURCE;
		else {
			bool in_t = (allow & DLT_MERGE_REF_TARGET) && find_col(ts, e->path[0]) >= 0;
			bool in_s = (allow & DLT_MERGE_REF_SOURCE) && find_col(ss, e->path[0]) >= 0;
			if (in_t && in_s)
				return dlt_error_set(err, DLT_ESCHEMA, "merge: %s: column '%s' is ambiguous: "
				                     "it is in the target and the source; write %s.%s or "
				                     "%s.%s", what, e->path[0], m->talias, e->path[0],
				                     m->salias, e->path[0]);
			if (!in_t && !in_s)
				return dlt_error_set(err, DLT_ENOTFOUND, "merge: %s: column '%s' not found "
				                     "in the %s", what, e->path[0],
				                     allow == DLT_MERGE_REF_TARGET ? "target"
				                     : allow == DLT_MERGE_REF_SOURCE ? "source"
				                     : "target or the source");
			side = in_t ? DLT_MERGE_REF_TARGET : DLT_MERGE_REF_SOURCE;
			if ((rc = prepend(e, side == DLT_MERGE_REF_TARGET ? m->talias : m->salias,
			                  err)) < 0)
				return rc;
		}
		if (!(allow & side))
			return dlt_error_set(err, DLT_EINVAL, "merge: %s may not reference %s columns "
			                     "('%s.%s')", what,
			                     side == DLT_MERGE_REF_TARGET ? "target" : "source",
			                     e->path[0], e->path[1]);
		if (find_col(side == DLT_MERGE_REF_TARGET ? ts : ss, e->path[1]) < 0)
			return dlt_error_set(err, DLT_ENOTFOUND, "merge: %s: column '%s' not found in "
			                     "the %s", what, e->path[1],
			                     side == DLT_MERGE_REF_TARGET ? "target" : "source");
		*refs |= side;
		return DLT_OK;
	}
	for (size_t i = 0; i < e->n_args; i++)
		if ((rc = dlt_merge__qualify(e->args[i], m, ts, ss, allow, refs, what, err)) < 0)
			return rc;
	return DLT_OK;
}
