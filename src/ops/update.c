/*
 * UPDATE t SET c = e, ... [WHERE p] (deltalite/dml.h). Candidate files as
 * for DELETE; matching rows get the new values (each expression evaluated
 * over the row's current values, cast to the column's type with overflow
 * errors, as Spark's store assignment) and are written to new files and
 * checked against the table's constraints. Copy-on-write rewrites each
 * affected file (copied + updated rows); merge-on-read marks the old rows
 * in a DV. CDF: update_preimage / update_postimage rows.
 */
#include "ops/dml.h"
#include "compute/compute.h"

#include <string.h>
#include <strings.h>

static int oom(dlt_error *err)
{
	return dlt_error_set(err, DLT_ENOMEM, "out of memory");
}

typedef struct assign {
	int64_t col;          /* top-level column of the table schema */
	dlt_expr *expr;
} assign;

typedef struct upd {
	dlt_dml_ctx c;
	assign *a;
	size_t n;
	const dlt_expr *pred;
} upd;

static int find_column(const struct ArrowSchema *s, const char *name, size_t n)
{
	for (int64_t i = 0; i < s->n_children; i++)
		if (strlen(s->children[i]->name) == n && strncmp(s->children[i]->name, name, n) == 0)
			return (int)i;
	for (int64_t i = 0; i < s->n_children; i++)
		if (strlen(s->children[i]->name) == n &&
		    strncasecmp(s->children[i]->name, name, n) == 0)
			return (int)i;
	return -1;
}

static int add_assign(upd *u, const char *name, size_t nlen, const char *sql, dlt_error *err)
{
	const struct ArrowSchema *ss = &u->c.snap->schema;
	int col;
	int rc;

	while (nlen && (*name == ' ' || *name == '\t' || *name == '\n')) {
		name++;
		nlen--;
	}
	while (nlen && (name[nlen - 1] == ' ' || name[nlen - 1] == '\t' || name[nlen - 1] == '\n'))
		nlen--;
	if (nlen >= 2 && name[0] == '`' && name[nlen - 1] == '`') {
		name++;
		nlen -= 2;
	}
	if (nlen == 0)
		return dlt_error_set(err, DLT_EINVAL, "update: empty column name in set clause");
	if ((col = find_column(ss, name, nlen)) < 0) {
		if (memchr(name, '.', nlen))
			return dlt_error_set(err, DLT_EUNSUPPORTED, "update: assigning nested field "
			                     "'%.*s' is not supported", (int)nlen, name);
		return dlt_error_set(err, DLT_ENOTFOUND, "update: unknown column '%.*s'", (int)nlen,
		                     name);
	}
	for (size_t i = 0; i < u->n; i++)
		if (u->a[i].col == col)
			return dlt_error_set(err, DLT_EINVAL, "update: column '%s' is assigned twice",
			                     ss->children[col]->name);
	u->a[u->n].col = col;
	if ((rc = dlt_expr_parse(&u->a[u->n].expr, sql, err)) < 0)
		return dlt_error_prefix(err, "update: value of column '%s'", ss->children[col]->name);
	u->n++;
	return DLT_OK;
}

/* "a = a + 1, b = 'x'": split at top-level commas, then at the first '='
 * that is not part of <=, >=, !=, ==. */
static int parse_set_clause(upd *u, const char *s, dlt_error *err)
{
	size_t len = strlen(s), start = 0, cap = 1;
	int rc = DLT_OK;

	for (size_t i = 0; i < len; i++)
		cap += s[i] == ',';
	if (!(u->a = dlt_calloc(cap + 1, sizeof(*u->a))))
		return oom(err);
	while (start < len && rc == 0) {
		size_t i = start, eq = (size_t)-1;
		int depth = 0;
		char q = 0;
		for (; i < len; i++) {
			char ch = s[i];
			if (q) {
				if (ch == q)
					q = 0;
				continue;
			}
			if (ch == '\'' || ch == '"' || ch == '`')
				q = ch;
			else if (ch == '(')
				depth++;
			else if (ch == ')')
				depth--;
			else if (ch == ',' && depth == 0)
				break;
			else if (ch == '=' && depth == 0 && eq == (size_t)-1 &&
			         !(i > start && strchr("<>!=", s[i - 1])) && !(i + 1 < len && s[i + 1] == '='))
				eq = i;
		}
		if (eq == (size_t)-1) {
			size_t n = i - start;
			while (n && s[start] == ' ') {
				start++;
				n--;
			}
			if (n == 0 && i >= len && u->n > 0)
				break;
			return dlt_error_set(err, DLT_EINVAL, "update: set clause: expected "
			                     "'column = expression' in '%.*s'", (int)(i - start), s + start);
		}
		{
			char *expr = dlt_strndup(s + eq + 1, i - eq - 1);
			if (!expr)
				return oom(err);
			rc = add_assign(u, s + start, eq - start, expr, err);
			dlt_free(expr);
		}
		start = i + 1;
	}
	if (rc == 0 && u->n == 0)
		rc = dlt_error_set(err, DLT_EINVAL, "update: empty set clause");
	return rc;
}

/* New values for the rows of `b` (all of them to be updated): a copy with
 * the assigned columns replaced. */
static int apply(upd *u, struct ArrowArray *out, const struct ArrowArray *b, dlt_error *err)
{
	const struct ArrowSchema *ss = &u->c.snap->schema;
	struct ArrowArray *vals = NULL;
	int rc = DLT_OK;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!(vals = dlt_calloc(u->n + 1, sizeof(*vals))))
		return oom(err);
	/* evaluate all against the old values first */
	for (i = 0; i < u->n && rc == 0; i++) {
		const struct ArrowSchema *cs = ss->children[u->a[i].col];
		struct ArrowArray r;
		struct ArrowSchema rs;
		memset(&r, 0, sizeof(r));
		memset(&rs, 0, sizeof(rs));
		if ((rc = dlt_expr_evaluate(&r, &rs, u->a[i].expr, ss, b, err)) < 0) {
			dlt_error_prefix(err, "update: value of column '%s'", cs->name);
			break;
		}
		if (strcmp(rs.format, "n") == 0)
			rc = dlt_table__nulls(&vals[i], cs, b->length, err);
		else if (strcmp(rs.format, cs->format) == 0)
			dlt_array__move(&vals[i], &r);
		else if ((rc = dlt_compute__cast(&vals[i], &rs, &r, cs->format, DLT_CAST_STRICT,
		                                 err)) < 0)
			dlt_error_prefix(err, "update: value of column '%s'", cs->name);
		dlt_array__release(&r);
		dlt_schema__release(&rs);
	}
	if (rc == 0) {
		/* a full copy of b, then the assigned children swapped */
		int64_t *idx = dlt_malloc((size_t)(b->length + 1) * sizeof(*idx));
		if (!idx)
			rc = oom(err);
		for (int64_t k = 0; rc == 0 && k < b->length; k++)
			idx[k] = k;
		if (rc == 0)
			rc = dlt_compute__take(out, ss, b, idx, b->length, err);
		dlt_free(idx);
	}
	for (i = 0; i < u->n && rc == 0; i++) {
		struct ArrowArray *ch = out->children[u->a[i].col];
		dlt_array__release(ch);
		dlt_array__move(ch, &vals[i]);
	}
	for (i = 0; i < u->n; i++)
		dlt_array__release(&vals[i]);
	dlt_free(vals);
	if (rc < 0)
		dlt_array__release(out);
	return rc;
}

static int update_file(upd *u, const dlt_log_file *f, bool all, dlt_error *err)
{
	dlt_dml_ctx *c = &u->c;
	const struct ArrowSchema *ss = &c->snap->schema;
	dlt_table_rows *r = NULL;
	uint64_t *hit = NULL;
	size_t n_hit = 0, cap_hit = 0;
	struct ArrowArray *keep = NULL, *news = NULL;
	size_t n_keep = 0, n_news = 0, cap_keep = 0, cap_news = 0;
	int64_t t0 = dlt_now_ns(), kept_rows = 0;
	int rc;

	if ((rc = dlt_table__rows_open(&r, c->snap, f, err)) < 0)
		return rc;
	for (;;) {
		struct ArrowArray b, mask, inv, rest, pre, post;
		const int64_t *idx;
		int64_t n_true = 0;
		memset(&mask, 0, sizeof(mask));
		memset(&inv, 0, sizeof(inv));
		memset(&rest, 0, sizeof(rest));
		memset(&pre, 0, sizeof(pre));
		memset(&post, 0, sizeof(post));
		if ((rc = dlt_table__rows_next(r, &b, &idx, err)) < 0 || !b.release)
			break;
		if (all || !u->pred) {
			n_true = b.length;
		} else {
			rc = dlt_dml__eval_mask(&mask, &n_true, u->pred, ss, &b, err);
		}
		if (rc == 0 && n_true > 0) {
			if (n_hit + (size_t)n_true > cap_hit) {
				size_t nc = (n_hit + (size_t)n_true) * 2;
				uint64_t *nh = dlt_realloc(hit, nc * sizeof(*nh));
				if (!nh)
					rc = oom(err);
				else {
					hit = nh;
					cap_hit = nc;
				}
			}
			for (int64_t i = 0; i < b.length && rc == 0; i++)
				if (n_true == b.length || dlt_arrow__bit(mask.buffers[1], mask.offset + i))
					hit[n_hit++] = (uint64_t)idx[i];
			if (rc == 0) {
				if (n_true == b.length)
					rc = apply(u, &post, &b, err);
				else if ((rc = dlt_compute__filter(&pre, ss, &b, &mask, err)) == 0)
					rc = apply(u, &post, &pre, err);
			}
			if (rc == 0 && c->cdf)
				rc = dlt_dml__write_cdc(c, pre.release ? &pre : &b, "update_preimage", err);
			if (rc == 0 && c->cdf)
				rc = dlt_dml__write_cdc(c, &post, "update_postimage", err);
			if (rc == 0) {
				if (n_news == cap_news) {
					size_t nc = cap_news ? cap_news * 2 : 4;
					struct ArrowArray *nn = dlt_realloc(news, nc * sizeof(*nn));
					if (!nn)
						rc = oom(err);
					else {
						news = nn;
						cap_news = nc;
					}
				}
				if (rc == 0)
					dlt_array__move(&news[n_news++], &post);
			}
		}
		if (rc == 0 && !c->use_dv && n_true < b.length) {
			struct ArrowArray *src = &b;
			if (n_true > 0) {
				if ((rc = dlt_compute__not(&inv, &mask, err)) == 0)
					rc = dlt_compute__filter(&rest, ss, &b, &inv, err);
				src = &rest;
			}
			if (rc == 0 && n_keep == cap_keep) {
				size_t nc = cap_keep ? cap_keep * 2 : 4;
				struct ArrowArray *nk = dlt_realloc(keep, nc * sizeof(*nk));
				if (!nk)
					rc = oom(err);
				else {
					keep = nk;
					cap_keep = nc;
				}
			}
			if (rc == 0) {
				kept_rows += src->length;
				dlt_array__move(&keep[n_keep++], src);
			}
		}
		dlt_array__release(&b);
		dlt_array__release(&mask);
		dlt_array__release(&inv);
		dlt_array__release(&rest);
		dlt_array__release(&pre);
		dlt_array__release(&post);
		if (rc < 0)
			break;
	}
	c->m.scan_time_ms += (dlt_now_ns() - t0) / 1000000;
	t0 = dlt_now_ns();
	if (rc == 0 && n_hit > 0) {
		c->m.num_updated_rows += (int64_t)n_hit;
		if (c->use_dv) {
			rc = dlt_dml__stage_dv(c, f, dlt_table__rows_dv(r), hit, n_hit, err);
		} else if ((rc = dlt_dml__remove_file(c, f, err)) == 0) {
			for (size_t i = 0; i < n_keep && rc == 0; i++)
				rc = dlt_dml__write_data(c, &keep[i], false, err);
			c->m.num_copied_rows += kept_rows;
		}
		for (size_t i = 0; i < n_news && rc == 0; i++)
			rc = dlt_dml__write_data(c, &news[i], true, err);
	}
	c->m.rewrite_time_ms += (dlt_now_ns() - t0) / 1000000;
	for (size_t i = 0; i < n_keep; i++)
		dlt_array__release(&keep[i]);
	for (size_t i = 0; i < n_news; i++)
		dlt_array__release(&news[i]);
	dlt_free(keep);
	dlt_free(news);
	dlt_free(hit);
	dlt_table__rows_free(r);
	if (rc < 0 && rc != DLT_ESCHEMA)
		dlt_error_prefix(err, "file %s", f->path);
	return rc;
}

static int run_update(dlt_dml_metrics *metrics_out, dlt_table *table, const char *set_clause,
                      const char *const *columns, const char *const *exprs, size_t n,
                      const char *predicate, const dlt_dml_options *opts, dlt_error *err)
{
	upd u;
	dlt_dml_candidates cands;
	dlt_expr *pred = NULL;
	dlt_buf params = DLT_BUF_INIT;
	int64_t t0;
	int rc;

	memset(&u, 0, sizeof(u));
	memset(&cands, 0, sizeof(cands));
	if (metrics_out) {
		memset(metrics_out, 0, sizeof(*metrics_out));
		metrics_out->version = -1;
	}
	if ((rc = dlt_dml__begin(&u.c, table, "UPDATE", opts, err)) < 0)
		goto done;
	if (set_clause) {
		if ((rc = parse_set_clause(&u, set_clause, err)) < 0)
			goto done;
	} else {
		if (n == 0 || !columns || !exprs) {
			rc = dlt_error_set(err, DLT_EINVAL, "update: no assignments");
			goto done;
		}
		if (!(u.a = dlt_calloc(n + 1, sizeof(*u.a)))) {
			rc = oom(err);
			goto done;
		}
		for (size_t i = 0; i < n; i++) {
			if (!columns[i] || !exprs[i]) {
				rc = dlt_error_set(err, DLT_EINVAL, "update: assignment %zu is NULL", i);
				goto done;
			}
			if ((rc = add_assign(&u, columns[i], strlen(columns[i]), exprs[i], err)) < 0)
				goto done;
		}
	}
	if (predicate && (rc = dlt_expr_parse(&pred, predicate, err)) < 0) {
		dlt_error_prefix(err, "update: predicate");
		goto done;
	}
	u.pred = pred;
	t0 = dlt_now_ns();
	if ((rc = dlt_dml__find_candidates(&cands, u.c.snap, pred, err)) < 0) {
		dlt_error_prefix(err, "update");
		goto done;
	}
	u.c.m.scan_time_ms += (dlt_now_ns() - t0) / 1000000;
	u.c.m.num_files_skipped = cands.n_skipped_partition + cands.n_skipped_stats;
	if (pred)
		rc = dlt_txn_read_predicate(u.c.txn, pred, err);
	else
		dlt_txn_read_whole_table(u.c.txn);
	for (size_t i = 0; i < cands.n && rc == 0; i++) {
		const dlt_log_file *f = cands.v[i].file;
		if ((rc = dlt_txn_read_file(u.c.txn, f->path, err)) < 0)
			break;
		u.c.m.num_files_scanned++;
		rc = update_file(&u, f, cands.v[i].all_match, err);
	}
	if (rc < 0)
		goto done;
	rc = dlt_buf_append_str(&params, "{\"predicate\":", err);
	if (rc == 0)
		rc = dlt_ops__json_str(&params, predicate ? predicate : "true", err);
	if (rc == 0)
		rc = dlt_buf_append_str(&params, "}", err);
	if (rc < 0 || (rc = dlt_buf_append_byte(&params, 0, err)) < 0 ||
	    (rc = dlt_dml__run_test_hook(table, "UPDATE", err)) < 0 ||
	    (rc = dlt_dml__commit(&u.c, "UPDATE", (const char *)params.data, err)) < 0)
		goto done;
	if (metrics_out)
		*metrics_out = u.c.m;
done:
	dlt_buf_dispose(&params);
	dlt_dml__candidates_dispose(&cands);
	dlt_expr_free(pred);
	for (size_t i = 0; i < u.n; i++)
		dlt_expr_free(u.a[i].expr);
	dlt_free(u.a);
	dlt_dml__dispose(&u.c);
	return rc;
}

int dlt_table_update(dlt_dml_metrics *metrics_out, dlt_table *table, const char *set_clause,
                     const char *predicate, const dlt_dml_options *opts, dlt_error *err)
{
	if (!set_clause)
		return dlt_error_set(err, DLT_EINVAL, "update: set clause is NULL");
	return run_update(metrics_out, table, set_clause, NULL, NULL, 0, predicate, opts, err);
}

int dlt_table_update_columns(dlt_dml_metrics *metrics_out, dlt_table *table,
                             const char *const *columns, const char *const *expressions,
                             size_t n, const char *predicate, const dlt_dml_options *opts,
                             dlt_error *err)
{
	return run_update(metrics_out, table, NULL, columns, expressions, n, predicate, opts, err);
}
