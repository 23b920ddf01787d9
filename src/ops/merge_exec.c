/*
 * MERGE execution (include/deltalite/merge.h).
 *
 * 1. The source stream is read once and concatenated into one batch; the
 *    equality conjuncts of ON (target expr = source expr) give the join keys,
 *    hashed into a chained hash table over the source rows.
 * 2. Target files are pruned with the source key ranges (min <= t.key <= max)
 *    and the target-only conjuncts of ON (all files with NOT MATCHED BY SOURCE
 *    clauses). Each candidate file is read with its DV applied; its rows probe
 *    the hash table, candidate pairs are checked with rows_equal and the rest
 *    of ON, and every target row gets the first MATCHED (or NOT MATCHED BY
 *    SOURCE) clause that acts on it.
 * 3. A file with acted-on rows is rewritten (copy-on-write: removed, its other
 *    rows copied) or gets a deletion vector; updated rows are new files.
 * 4. Source rows that matched nothing go through the NOT MATCHED clauses.
 * 5. One commit, operation MERGE, with Spark's parameters and metrics.
 * Memory: the source (+ hash table) and one target file's batches.
 */
#include "ops/merge.h"
#include "ops/dml.h"
#include "compute/compute.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ helpers -- */

static void noop_release(struct ArrowArray *a) { a->release = NULL; }

/* A struct array over borrowed children (not owned: release is a no-op). */
typedef struct wrap {
	struct ArrowArray a;
	struct ArrowArray *kids[2];
	const void *bufs[1];
} wrap;

static void wrap_init(wrap *w, struct ArrowArray *k0, struct ArrowArray *k1, int64_t len)
{
	memset(w, 0, sizeof(*w));
	w->kids[0] = k0;
	w->kids[1] = k1;
	w->a.length = len;
	w->a.n_buffers = 1;
	w->a.buffers = w->bufs;
	w->a.n_children = k1 ? 2 : 1;
	w->a.children = w->kids;
	w->a.release = noop_release;
}

/* Struct schema named `name` with copies of the children of `s`. */
static int struct_copy_named(struct ArrowSchema *out, const struct ArrowSchema *s,
                             const char *name, dlt_error *err)
{
	int rc = dlt_schema__init(out, "+s", name, ARROW_FLAG_NULLABLE, s->n_children, err);
	for (int64_t i = 0; rc >= 0 && i < s->n_children; i++)
		rc = dlt_schema__copy(out->children[i], s->children[i], err);
	if (rc < 0)
		dlt_schema__release(out);
	return rc;
}

/* {a0: s0[, a1: s1]} */
static int wrap_schema(struct ArrowSchema *out, const char *a0, const struct ArrowSchema *s0,
                       const char *a1, const struct ArrowSchema *s1, dlt_error *err)
{
	int rc = dlt_schema__init(out, "+s", "", 0, s1 ? 2 : 1, err);
	if (rc >= 0)
		rc = struct_copy_named(out->children[0], s0, a0, err);
	if (rc >= 0 && s1)
		rc = struct_copy_named(out->children[1], s1, a1, err);
	if (rc < 0)
		dlt_schema__release(out);
	return rc;
}

/* Struct array of n rows from nc child arrays (moved in). */
static int assemble(struct ArrowArray *out, struct ArrowArray *cols, int64_t nc, int64_t n,
                    dlt_error *err)
{
	int rc = dlt_array__init(out, 1, nc, err);
	if (rc < 0) {
		for (int64_t i = 0; i < nc; i++)
			dlt_array__release(&cols[i]);
		return rc;
	}
	out->length = n;
	for (int64_t i = 0; i < nc; i++)
		dlt_array__move(out->children[i], &cols[i]);
	return DLT_OK;
}

static int64_t fixed_bits(const char *f)
{
	switch (f[0]) {
	case 'b': return 1;
	case 'c': case 'C': return 8;
	case 's': case 'S': case 'e': return 16;
	case 'i': case 'I': case 'f': return 32;
	case 'l': case 'L': case 'g': return 64;
	case 'd': return 128;
	case 't':
		return f[1] == 'd' && f[2] == 'D' ? 32 : f[1] == 't' && (f[2] == 's' || f[2] == 'm')
		       ? 32 : 64;
	case 'w': return 8 * (int64_t)strtol(f + 2, NULL, 10);
	default: return 0;
	}
}

/* Approximate bytes held by an array (buffers it spans). */
static int64_t array_bytes(const struct ArrowSchema *s, const struct ArrowArray *a)
{
	int64_t n = a->offset + a->length, b = a->buffers && a->n_buffers > 0 &&
	            a->buffers[0] ? (n + 7) / 8 : 0;
	const char *f = s->format;
	if ((f[0] == 'u' || f[0] == 'z') && f[1] == 0 && a->n_buffers >= 3 && a->buffers[1])
		b += 4 * (n + 1) + ((const int32_t *)a->buffers[1])[n];
	else if ((f[0] == 'U' || f[0] == 'Z') && f[1] == 0 && a->n_buffers >= 3 && a->buffers[1])
		b += 8 * (n + 1) + ((const int64_t *)a->buffers[1])[n];
	else if (f[0] == '+' && (f[1] == 'l' || f[1] == 'm'))
		b += 4 * (n + 1);
	else if (f[0] == '+' && f[1] == 'L')
		b += 8 * (n + 1);
	else
		b += (fixed_bits(f) * n + 7) / 8;
	for (int64_t i = 0; i < a->n_children && i < s->n_children; i++)
		b += array_bytes(s->children[i], a->children[i]);
	if (a->dictionary && s->dictionary)
		b += array_bytes(s->dictionary, a->dictionary);
	return b;
}

static bool is_int_fmt(const char *f)
{
	return f[1] == 0 && strchr("cCsSiIlL", f[0]) != NULL;
}

/* ------------------------------------------------------------- state -- */

typedef struct key_pair {
	dlt_expr *tb, *sb;                /* bound: vs {talias: ts} / {salias: ss} */
	bool cast;                        /* both cast to int64 */
	char *tcol;                       /* plain top-level target column, or NULL */
} key_pair;

typedef struct bclause {
	const dlt_merge_clause *c;
	dlt_expr *cond;                   /* bound vs cs; NULL: always */
	dlt_expr **val;                   /* per output column: bound expr; NULL: keep/null */
} bclause;

typedef struct mx {
	dlt_merge *m;
	dlt_dml_ctx c;
	bool began;
	const struct ArrowSchema *ts;     /* target logical schema (snapshot) */
	struct ArrowSchema ss;            /* source schema */
	struct ArrowSchema os;            /* output (maybe evolved) schema */
	bool evolved;
	char *evolved_json;
	dlt_snapshot *fake;               /* snapshot copy with the evolved schema */
	dlt_snapshot *real;               /* the transaction's snapshot */
	struct ArrowSchema cs, ts1, ss1;  /* {t, s}, {t}, {s} */
	struct ArrowArray src;
	int64_t n_src;
	key_pair *keys;
	size_t n_keys;
	dlt_expr *residual;               /* bound vs cs; NULL: none */
	bclause *cl;
	size_t n_cl;
	bool has_matched, has_nm, has_nmbs;
	/* hash table over source rows */
	struct ArrowArray *skeys;
	struct ArrowSchema *skeys_s;
	uint64_t *shash;
	int64_t *head, *next;
	uint64_t hmask;
	uint8_t *smatched;
	dlt_expr *prune;                  /* unbound, vs the target schema; NULL: all */
	dlt_merge_metrics mt;
	int64_t scan_ns, rewrite_ns;
} mx;

static void mx_dispose(mx *x)
{
	for (size_t i = 0; i < x->n_keys; i++) {
		dlt_expr_free(x->keys[i].tb);
		dlt_expr_free(x->keys[i].sb);
		dlt_free(x->keys[i].tcol);
		if (x->skeys) {
			dlt_array__release(&x->skeys[i]);
			dlt_schema__release(&x->skeys_s[i]);
		}
	}
	dlt_free(x->keys);
	dlt_free(x->skeys);
	dlt_free(x->skeys_s);
	for (size_t i = 0; i < x->n_cl; i++) {
		dlt_expr_free(x->cl[i].cond);
		for (int64_t k = 0; x->cl[i].val && k < x->os.n_children; k++)
			dlt_expr_free(x->cl[i].val[k]);
		dlt_free(x->cl[i].val);
	}
	dlt_free(x->cl);
	dlt_expr_free(x->residual);
	dlt_expr_free(x->prune);
	dlt_free(x->shash);
	dlt_free(x->head);
	dlt_free(x->next);
	dlt_free(x->smatched);
	dlt_array__release(&x->src);
	dlt_schema__release(&x->ss);
	dlt_schema__release(&x->cs);
	dlt_schema__release(&x->ts1);
	dlt_schema__release(&x->ss1);
	if (x->began)
		dlt_dml__dispose(&x->c);
	dlt_free(x->fake);
	dlt_schema__release(&x->os);
	dlt_free(x->evolved_json);
}

/* --------------------------------------------------- source reading -- */

static int read_source(mx *x, dlt_error *err)
{
	struct ArrowArray *v = NULL, b;
	const struct ArrowArray **pv = NULL;
	size_t n = 0, cap = 0;
	int rc;
	b.release = NULL;
	if ((rc = dlt_stream__schema(&x->m->source, &x->ss, err)) < 0)
		goto done;
	if (strcmp(x->ss.format, "+s") != 0) {
		rc = dlt_error_set(err, DLT_ESCHEMA, "merge: the source is not a stream of record "
		                   "batches (format '%s')", x->ss.format);
		goto done;
	}
	for (;;) {
		if ((rc = dlt_stream__next(&x->m->source, &b, err)) < 0)
			goto done;
		if (!b.release)
			break;
		if ((rc = dlt_arrow__validate(&x->ss, &b, err)) < 0) {
			dlt_error_prefix(err, "merge: source batch %zu", n);
			goto done;
		}
		if (b.length == 0) {
			dlt_array__release(&b);
			continue;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct ArrowArray *nv = dlt_realloc(v, nc * sizeof(*nv));
			if (!nv) {
				rc = dlt_error_set(err, DLT_ENOMEM, "out of memory reading the source");
				goto done;
			}
			v = nv;
			cap = nc;
		}
		dlt_array__move(&v[n++], &b);
	}
	x->m->source.release(&x->m->source);
	if (n == 0) {
		rc = dlt_array__init_empty(&x->src, &x->ss, err);
	} else if (n == 1) {
		dlt_array__move(&x->src, &v[0]);
		n = 0;
		rc = DLT_OK;
	} else {
		if (!(pv = dlt_calloc(n, sizeof(*pv)))) {
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory reading the source");
			goto done;
		}
		for (size_t i = 0; i < n; i++)
			pv[i] = &v[i];
		rc = dlt_compute__concat(&x->src, &x->ss, pv, (int64_t)n, err);
	}
	if (rc >= 0) {
		x->n_src = x->src.length;
		x->mt.num_source_rows = x->n_src;
		x->mt.source_memory_bytes = array_bytes(&x->ss, &x->src);
		if (x->m->opts.max_source_bytes > 0 &&
		    x->mt.source_memory_bytes > x->m->opts.max_source_bytes)
			rc = dlt_error_set(err, DLT_ELIMIT, "merge: the source needs %" PRId64 " bytes, "
			                   "more than max_source_bytes %" PRId64,
			                   x->mt.source_memory_bytes, x->m->opts.max_source_bytes);
	}
done:
	if (b.release)
		b.release(&b);
	for (size_t i = 0; i < n; i++)
		dlt_array__release(&v[i]);
	dlt_free(v);
	dlt_free(pv);
	return rc;
}

/* ---------------------------------------------------------- planning -- */

static int64_t find_ci(const struct ArrowSchema *s, const char *name)
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

/* Output schema: the target's, plus (schema evolution with * clauses) the
 * source columns it lacks, nullable, appended. */
static int plan_schema(mx *x, dlt_error *err)
{
	const struct ArrowSchema *ts = x->ts, *ss = &x->ss;
	bool star = false;
	int64_t extra = 0, k;
	int rc;
	for (size_t i = 0; i < x->m->n_clauses; i++)
		star |= x->m->clauses[i].star;
	if (x->m->opts.schema_evolution && star)
		for (int64_t i = 0; i < ss->n_children; i++)
			extra += find_ci(ts, ss->children[i]->name ? ss->children[i]->name : "") < 0;
	if (extra == 0)
		return dlt_schema__copy(&x->os, ts, err);
	if (x->c.snap->column_mapping != DLT_LOG_CM_NONE)
		return dlt_error_set(err, DLT_EUNSUPPORTED, "merge: schema evolution on a table "
		                     "with column mapping is not supported");
	if ((rc = dlt_schema__init(&x->os, "+s", ts->name ? ts->name : "", ts->flags,
	                           ts->n_children + extra, err)) < 0)
		return rc;
	for (k = 0; k < ts->n_children; k++)
		if ((rc = dlt_schema__copy(x->os.children[k], ts->children[k], err)) < 0)
			return rc;
	for (int64_t i = 0; i < ss->n_children; i++) {
		if (find_ci(ts, ss->children[i]->name ? ss->children[i]->name : "") >= 0)
			continue;
		if ((rc = dlt_schema__copy(x->os.children[k], ss->children[i], err)) < 0)
			return rc;
		x->os.children[k]->flags |= ARROW_FLAG_NULLABLE;
		k++;
	}
	x->evolved = true;
	return dlt_ops__schema_to_json(&x->evolved_json, &x->os, err);
}

static int bind_qualified(dlt_expr **out, mx *x, const dlt_expr *e, unsigned allow,
                          unsigned *refs, const struct ArrowSchema *against, const char *what,
                          dlt_error *err)
{
	dlt_expr *q = NULL;
	unsigned r = 0;
	int rc;
	*out = NULL;
	if ((rc = dlt_expr_clone(&q, e, err)) < 0)
		return rc;
	if ((rc = dlt_merge__qualify(q, x->m, x->ts, &x->ss, allow, &r, what, err)) >= 0 &&
	    (rc = dlt_expr__bind(out, q, against, err)) < 0)
		dlt_error_prefix(err, "merge: %s", what);
	if (refs)
		*refs = r;
	dlt_expr_free(q);
	return rc;
}

/* Drop the alias (first path element) of every column of a qualified tree. */
static void strip_alias(dlt_expr *q)
{
	if (q->kind == DLT_EK_COLUMN && q->path_len >= 2) {
		dlt_free(q->path[0]);
		memmove(q->path, q->path + 1, (q->path_len - 1) * sizeof(char *));
		q->path_len--;
	}
	for (size_t a = 0; a < q->n_args; a++)
		strip_alias(q->args[a]);
}

/* Split ON into join keys and a residual predicate. */
static int plan_on(mx *x, dlt_error *err)
{
	dlt_expr *on = NULL, *res = NULL, *prune = NULL;
	dlt_expr **conj;
	size_t n_conj;
	unsigned refs = 0;
	int rc;
	if ((rc = dlt_expr_clone(&on, x->m->on, err)) < 0)
		return rc;
	if ((rc = dlt_merge__qualify(on, x->m, x->ts, &x->ss,
	                             DLT_MERGE_REF_TARGET | DLT_MERGE_REF_SOURCE, &refs,
	                             "on predicate", err)) < 0)
		goto done;
	if (on->kind == DLT_EK_AND) {
		conj = on->args;
		n_conj = on->n_args;
	} else {
		conj = &on;
		n_conj = 1;
	}
	if (!(x->keys = dlt_calloc(n_conj, sizeof(*x->keys)))) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory planning a merge");
		goto done;
	}
	for (size_t i = 0; i < n_conj; i++) {
		dlt_expr *e = conj[i];
		unsigned r0 = 0, r1 = 0;
		bool key = false;
		if (e->kind == DLT_EK_CMP && e->op == DLT_CMP_EQ && e->n_args == 2) {
			dlt_expr *te = e->args[0], *se = e->args[1];
			dlt_merge__qualify(te, x->m, x->ts, &x->ss, 3, &r0, "on", NULL);
			dlt_merge__qualify(se, x->m, x->ts, &x->ss, 3, &r1, "on", NULL);
			if (r0 == DLT_MERGE_REF_SOURCE && r1 == DLT_MERGE_REF_TARGET) {
				dlt_expr *t = te;
				te = se;
				se = t;
				r0 = DLT_MERGE_REF_TARGET;
				r1 = DLT_MERGE_REF_SOURCE;
			}
			if (r0 == DLT_MERGE_REF_TARGET && r1 == DLT_MERGE_REF_SOURCE) {
				key_pair *kp = &x->keys[x->n_keys];
				if ((rc = dlt_expr__bind(&kp->tb, te, &x->ts1, err)) < 0 ||
				    (rc = dlt_expr__bind(&kp->sb, se, &x->ss1, err)) < 0) {
					dlt_error_prefix(err, "merge: on predicate");
					x->n_keys++;
					goto done;
				}
				x->n_keys++;
				if (strcmp(kp->tb->fmt, kp->sb->fmt) == 0 &&
				    strchr("+n", kp->tb->fmt[0]) == NULL) {
					key = true;
				} else if (is_int_fmt(kp->tb->fmt) && is_int_fmt(kp->sb->fmt)) {
					key = true;
					kp->cast = true;
				}
				if (key && te->kind == DLT_EK_COLUMN && te->path_len == 2 &&
				    !(kp->tcol = dlt_strdup(te->path[1]))) {
					rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
					goto done;
				}
				if (!key) {
					x->n_keys--;
					dlt_expr_free(kp->tb);
					dlt_expr_free(kp->sb);
					memset(kp, 0, sizeof(*kp));
				}
			}
		}
		if (key)
			continue;
		/* residual conjunct */
		{
			dlt_expr *cl = NULL;
			unsigned rr = 0;
			dlt_merge__qualify(e, x->m, x->ts, &x->ss, 3, &rr, "on", NULL);
			if ((rc = dlt_expr_clone(&cl, e, err)) < 0)
				goto done;
			if (res) {
				if ((rc = dlt_expr_binary(&res, DLT_EXPR_AND, res, cl, err)) < 0)
					goto done;
			} else {
				res = cl;
			}
			/* target-only conjunct: prunes files (alias stripped) */
			if (rr == DLT_MERGE_REF_TARGET) {
				dlt_expr *p = NULL;
				if ((rc = dlt_expr_clone(&p, e, err)) < 0)
					goto done;
				strip_alias(p);
				if (prune) {
					if ((rc = dlt_expr_binary(&prune, DLT_EXPR_AND, prune, p, err)) < 0)
						goto done;
				} else {
					prune = p;
				}
			}
		}
	}
	if (res && (rc = dlt_expr__bind(&x->residual, res, &x->cs, err)) < 0) {
		dlt_error_prefix(err, "merge: on predicate");
		goto done;
	}
	x->prune = prune;
	prune = NULL;
	rc = DLT_OK;
done:
	dlt_expr_free(prune);
	dlt_expr_free(res);
	dlt_expr_free(on);
	return rc;
}

static int plan_clauses(mx *x, dlt_error *err)
{
	int rc;
	int64_t nout = x->os.n_children;
	if (!(x->cl = dlt_calloc(x->m->n_clauses ? x->m->n_clauses : 1, sizeof(*x->cl))))
		return dlt_error_set(err, DLT_ENOMEM, "out of memory planning a merge");
	for (size_t i = 0; i < x->m->n_clauses; i++) {
		const dlt_merge_clause *c = &x->m->clauses[i];
		bclause *b = &x->cl[x->n_cl++];
		unsigned allow = c->kind == DLT_MERGE_MATCHED ? 3u
		                 : c->kind == DLT_MERGE_NOT_MATCHED ? DLT_MERGE_REF_SOURCE
		                 : DLT_MERGE_REF_TARGET;
		const char *what = c->kind == DLT_MERGE_MATCHED ? "when matched clause"
		                   : c->kind == DLT_MERGE_NOT_MATCHED ? "when not matched clause"
		                   : "when not matched by source clause";
		b->c = c;
		x->has_matched |= c->kind == DLT_MERGE_MATCHED;
		x->has_nm |= c->kind == DLT_MERGE_NOT_MATCHED;
		x->has_nmbs |= c->kind == DLT_MERGE_NOT_MATCHED_BY_SOURCE;
		if (c->cond && (rc = bind_qualified(&b->cond, x, c->cond, allow, NULL, &x->cs, what,
		                                    err)) < 0)
			return rc;
		if (c->action == DLT_MERGE_DELETE)
			continue;
		if (!(b->val = dlt_calloc((size_t)nout, sizeof(dlt_expr *))))
			return dlt_error_set(err, DLT_ENOMEM, "out of memory planning a merge");
		if (c->star) {
			for (int64_t k = 0; k < nout; k++) {
				const char *name = x->os.children[k]->name ? x->os.children[k]->name : "";
				int64_t si = find_ci(&x->ss, name);
				const char *path[2];
				dlt_expr *col = NULL;
				if (si < 0) {
					if (x->m->opts.schema_evolution)
						continue; /* update: kept; insert: NULL */
					return dlt_error_set(err, DLT_ESCHEMA, "merge: %s *: target column '%s' "
					                     "is not in the source", c->action ==
					                     DLT_MERGE_INSERT ? "insert" : "update set", name);
				}
				path[0] = x->m->salias;
				path[1] = x->ss.children[si]->name;
				if ((rc = dlt_expr_column_path(&col, path, 2, err)) < 0)
					return rc;
				rc = bind_qualified(&b->val[k], x, col, allow, NULL, &x->cs, what, err);
				dlt_expr_free(col);
				if (rc < 0)
					return rc;
			}
			continue;
		}
		for (size_t j = 0; j < c->n_set; j++) {
			int64_t k = find_ci(&x->os, c->cols[j]);
			if (k < 0)
				return dlt_error_set(err, DLT_ENOTFOUND, "merge: %s: column '%s' is not in "
				                     "the target", what, c->cols[j]);
			if ((rc = bind_qualified(&b->val[k], x, c->vals[j], allow, NULL, &x->cs, what,
			                         err)) < 0)
				return rc;
		}
	}
	return DLT_OK;
}

/* ------------------------------------------------------------ hashing -- */

/* Evaluate the key expressions of one side over `batch` (wrapped under the
 * alias); casts to int64 where planned. */
static int eval_keys(mx *x, bool target, const struct ArrowArray *batch, int64_t n,
                     struct ArrowArray *arr, struct ArrowSchema *sch, dlt_error *err)
{
	wrap w;
	int rc = DLT_OK;
	size_t i;
	wrap_init(&w, (struct ArrowArray *)batch, NULL, n);
	for (i = 0; i < x->n_keys; i++) {
		const key_pair *kp = &x->keys[i];
		if ((rc = dlt_expr__eval(&arr[i], &sch[i], target ? kp->tb : kp->sb,
		                         target ? &x->ts1 : &x->ss1, &w.a, err)) < 0)
			break;
		if (kp->cast && strcmp(sch[i].format, "l") != 0) {
			struct ArrowArray c;
			struct ArrowSchema cs;
			c.release = NULL;
			if ((rc = dlt_compute__cast(&c, &sch[i], &arr[i], "l", DLT_CAST_SAFE, err)) < 0 ||
			    (rc = dlt_schema__init_leaf(&cs, "l", "", true, err)) < 0) {
				dlt_array__release(&c);
				i++;
				break;
			}
			dlt_array__release(&arr[i]);
			dlt_schema__release(&sch[i]);
			dlt_array__move(&arr[i], &c);
			dlt_schema__move(&sch[i], &cs);
		}
	}
	if (rc < 0) {
		for (size_t k = 0; k < i; k++) {
			dlt_array__release(&arr[k]);
			dlt_schema__release(&sch[k]);
		}
		dlt_error_prefix(err, "merge: join key");
	}
	return rc;
}

static bool any_key_null(const struct ArrowArray *arr, size_t n_keys, int64_t row)
{
	for (size_t k = 0; k < n_keys; k++)
		if (dlt_arrow__is_null(&arr[k], row))
			return true;
	return false;
}

static int build_hash(mx *x, dlt_error *err)
{
	dlt_column *cols = NULL;
	uint64_t nb = 16;
	int rc;
	if (!(x->smatched = dlt_calloc((size_t)x->n_src + 1, 1)))
		return dlt_error_set(err, DLT_ENOMEM, "out of memory building the merge hash table");
	if (x->n_keys == 0)
		return DLT_OK;
	x->skeys = dlt_calloc(x->n_keys, sizeof(*x->skeys));
	x->skeys_s = dlt_calloc(x->n_keys, sizeof(*x->skeys_s));
	cols = dlt_calloc(x->n_keys, sizeof(*cols));
	while (nb < (uint64_t)x->n_src * 2)
		nb <<= 1;
	x->hmask = nb - 1;
	x->shash = dlt_calloc((size_t)x->n_src + 1, sizeof(uint64_t));
	x->next = dlt_calloc((size_t)x->n_src + 1, sizeof(int64_t));
	x->head = dlt_malloc((size_t)nb * sizeof(int64_t));
	if (!x->skeys || !x->skeys_s || !cols || !x->shash || !x->next || !x->head) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory building the merge hash table");
		goto done;
	}
	if ((rc = eval_keys(x, false, &x->src, x->n_src, x->skeys, x->skeys_s, err)) < 0) {
		dlt_free(x->skeys);
		dlt_free(x->skeys_s);
		x->skeys = NULL;
		x->skeys_s = NULL;
		goto done;
	}
	for (size_t k = 0; k < x->n_keys; k++) {
		cols[k].schema = &x->skeys_s[k];
		cols[k].array = &x->skeys[k];
		x->mt.source_memory_bytes += array_bytes(&x->skeys_s[k], &x->skeys[k]);
	}
	if (x->n_src > 0 &&
	    (rc = dlt_compute__hash_rows(x->shash, cols, (int64_t)x->n_keys, x->n_src, err)) < 0)
		goto done;
	for (uint64_t b = 0; b < nb; b++)
		x->head[b] = -1;
	/* chains in descending row order so probes see ascending source rows */
	for (int64_t j = x->n_src - 1; j >= 0; j--) {
		uint64_t b = x->shash[j] & x->hmask;
		if (any_key_null(x->skeys, x->n_keys, j)) {
			x->next[j] = -1;
			continue;
		}
		x->next[j] = x->head[b];
		x->head[b] = j;
	}
	x->mt.source_memory_bytes += (int64_t)(nb * 8 + (uint64_t)x->n_src * 17);
	rc = DLT_OK;
done:
	dlt_free(cols);
	return rc;
}

/* Pruning predicate: min <= t.key <= max of the source keys, AND the
 * target-only conjuncts of ON. FALSE when no source key is non-null. */
static int plan_prune(mx *x, dlt_error *err)
{
	int rc = DLT_OK;
	int64_t *idx = NULL;
	if (x->has_nmbs) {
		dlt_expr_free(x->prune);
		x->prune = NULL;
		return DLT_OK;
	}
	if (x->n_keys > 0 && x->n_src > 0 && !(idx = dlt_malloc((size_t)x->n_src * 8)))
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	for (size_t k = 0; k < x->n_keys; k++) {
		dlt_sort_key sk;
		dlt_expr *lo = NULL, *hi = NULL, *col = NULL, *b = NULL;
		int64_t first, last;
		dlt_error tmp;
		if (!x->keys[k].tcol)
			continue;
		if (x->n_src == 0)
			last = -1;
		else {
			sk.col.schema = &x->skeys_s[k];
			sk.col.array = &x->skeys[k];
			sk.descending = false;
			sk.nulls_first = false;
			if (dlt_compute__sort_indices(idx, &sk, 1, x->n_src, &tmp) < 0)
				continue; /* type without an order: no pruning on this key */
			last = x->n_src - 1;
			while (last >= 0 && dlt_arrow__is_null(&x->skeys[k], idx[last]))
				last--;
		}
		if (last < 0) {
			/* no non-null key: nothing can match */
			dlt_expr_free(x->prune);
			x->prune = NULL;
			rc = dlt_expr_literal_bool(&x->prune, 0, err);
			goto done;
		}
		first = idx[0];
		if ((rc = dlt_expr_column(&col, x->keys[k].tcol, err)) < 0 ||
		    (rc = dlt_expr__literal_from(&lo, &x->skeys_s[k], &x->skeys[k], first, err)) < 0 ||
		    (rc = dlt_expr__literal_from(&hi, &x->skeys_s[k], &x->skeys[k], idx[last],
		                                 err)) < 0) {
			dlt_expr_free(col);
			dlt_expr_free(lo);
			goto done;
		}
		if ((rc = dlt_expr_between(&b, col, lo, hi, 0, err)) < 0)
			goto done;
		if (x->prune) {
			if ((rc = dlt_expr_binary(&x->prune, DLT_EXPR_AND, x->prune, b, err)) < 0) {
				x->prune = NULL;
				goto done;
			}
		} else {
			x->prune = b;
		}
	}
done:
	dlt_free(idx);
	return rc;
}

/* ------------------------------------------------------ target files -- */

typedef struct tbatch {
	struct ArrowArray a;
	int64_t *phys;
	int32_t *act;                     /* clause index, -1: none */
	int64_t *srow;                    /* matched source row, -1 */
} tbatch;

static void tbatch_dispose(tbatch *t)
{
	dlt_array__release(&t->a);
	dlt_free(t->phys);
	dlt_free(t->act);
	dlt_free(t->srow);
}

/* Evaluate a bound condition over a combined batch into a 0/1 vector. */
static int eval_cond(uint8_t *out, mx *x, const dlt_expr *cond, const struct ArrowArray *cb,
                     int64_t n, dlt_error *err)
{
	struct ArrowArray r;
	struct ArrowSchema rs;
	int rc;
	if (!cond) {
		memset(out, 1, (size_t)n);
		return DLT_OK;
	}
	if ((rc = dlt_expr__eval(&r, &rs, cond, &x->cs, cb, err)) < 0)
		return rc;
	if (strcmp(rs.format, "b") != 0) {
		rc = dlt_error_set(err, DLT_ESCHEMA, "merge: condition is not a boolean");
	} else {
		for (int64_t i = 0; i < n; i++)
			out[i] = !dlt_arrow__is_null(&r, i) &&
			         dlt_arrow__bit(r.buffers[1], r.offset + i);
	}
	dlt_array__release(&r);
	dlt_schema__release(&rs);
	return rc;
}

/* Combined batch {t: take(tb, ti) or nulls, s: take(src, sj) or nulls}. */
typedef struct combined {
	struct ArrowArray t, s;
	wrap w;
} combined;

static void combined_dispose(combined *c)
{
	dlt_array__release(&c->t);
	dlt_array__release(&c->s);
}

static int combine(combined *c, mx *x, const struct ArrowArray *tb, const int64_t *ti,
                   const int64_t *sj, int64_t n, dlt_error *err)
{
	int rc;
	c->t.release = NULL;
	c->s.release = NULL;
	if (tb)
		rc = dlt_compute__take(&c->t, x->ts, tb, ti, n, err);
	else
		rc = dlt_table__nulls(&c->t, x->ts, n, err);
	if (rc >= 0)
		rc = sj ? dlt_compute__take(&c->s, &x->ss, &x->src, sj, n, err)
		        : dlt_table__nulls(&c->s, &x->ss, n, err);
	if (rc < 0) {
		combined_dispose(c);
		return rc;
	}
	wrap_init(&c->w, &c->t, &c->s, n);
	return DLT_OK;
}

/* Assign clauses of `kind` in order to n rows of combined batch cb: act[i]. */
static int assign_clauses(int32_t *act, mx *x, dlt_merge_kind kind, const struct ArrowArray *cb,
                          int64_t n, dlt_error *err)
{
	uint8_t *hit = dlt_malloc((size_t)n + 1);
	int rc = DLT_OK;
	if (!hit)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	for (int64_t i = 0; i < n; i++)
		act[i] = -1;
	for (size_t k = 0; k < x->n_cl; k++) {
		bool left = false;
		if (x->cl[k].c->kind != kind)
			continue;
		for (int64_t i = 0; i < n && !left; i++)
			left = act[i] < 0;
		if (!left)
			break;
		if ((rc = eval_cond(hit, x, x->cl[k].cond, cb, n, err)) < 0)
			break;
		for (int64_t i = 0; i < n; i++)
			if (act[i] < 0 && hit[i])
				act[i] = (int32_t)k;
	}
	dlt_free(hit);
	return rc;
}

/* Join one target batch with the source: fills t->act / t->srow. */
static int process_batch(mx *x, tbatch *t, dlt_error *err)
{
	int64_t n = t->a.length, np = 0, cap = 0;
	struct ArrowArray *tk = NULL;
	struct ArrowSchema *tks = NULL;
	uint64_t *th = NULL;
	int64_t *pi = NULL, *pj = NULL, *mcount = NULL;
	int32_t *pact = NULL;
	uint8_t *eq = NULL;
	dlt_column *lc = NULL, *rcol = NULL;
	combined cb;
	bool have_cb = false;
	int rc = DLT_OK;

	t->act = dlt_malloc((size_t)n * sizeof(int32_t) + 1);
	t->srow = dlt_malloc((size_t)n * sizeof(int64_t) + 1);
	mcount = dlt_calloc((size_t)n + 1, sizeof(int64_t));
	if (!t->act || !t->srow || !mcount)
		goto oom;
	for (int64_t i = 0; i < n; i++) {
		t->act[i] = -1;
		t->srow[i] = -1;
	}
	/* candidate pairs */
	if (x->n_keys > 0 && x->n_src > 0) {
		tk = dlt_calloc(x->n_keys, sizeof(*tk));
		tks = dlt_calloc(x->n_keys, sizeof(*tks));
		th = dlt_malloc((size_t)n * 8 + 8);
		lc = dlt_calloc(x->n_keys, sizeof(*lc));
		rcol = dlt_calloc(x->n_keys, sizeof(*rcol));
		if (!tk || !tks || !th || !lc || !rcol)
			goto oom;
		if ((rc = eval_keys(x, true, &t->a, n, tk, tks, err)) < 0) {
			dlt_free(tk);
			dlt_free(tks);
			tk = NULL;
			tks = NULL;
			goto done;
		}
		for (size_t k = 0; k < x->n_keys; k++) {
			lc[k].schema = &tks[k];
			lc[k].array = &tk[k];
			rcol[k].schema = &x->skeys_s[k];
			rcol[k].array = &x->skeys[k];
		}
		if ((rc = dlt_compute__hash_rows(th, lc, (int64_t)x->n_keys, n, err)) < 0)
			goto done;
		for (int64_t i = 0; i < n; i++) {
			if (any_key_null(tk, x->n_keys, i))
				continue;
			for (int64_t j = x->head[th[i] & x->hmask]; j >= 0; j = x->next[j]) {
				if (x->shash[j] != th[i])
					continue;
				if (np == cap) {
					int64_t nc = cap ? cap * 2 : 1024;
					int64_t *a = dlt_realloc(pi, (size_t)nc * 8), *b;
					if (!a)
						goto oom;
					pi = a;
					if (!(b = dlt_realloc(pj, (size_t)nc * 8)))
						goto oom;
					pj = b;
					cap = nc;
				}
				pi[np] = i;
				pj[np] = j;
				np++;
			}
		}
		if (np > 0) {
			int64_t w = 0;
			if (!(eq = dlt_malloc((size_t)np)))
				goto oom;
			if ((rc = dlt_compute__rows_equal(eq, lc, pi, rcol, pj, (int64_t)x->n_keys, np,
			                                  false, err)) < 0)
				goto done;
			for (int64_t p = 0; p < np; p++)
				if (eq[p]) {
					pi[w] = pi[p];
					pj[w] = pj[p];
					w++;
				}
			np = w;
		}
	} else if (x->n_keys == 0 && x->n_src > 0 && n > 0) {
		/* no equality: every pair is a candidate (nested loop) */
		int64_t total;
		if (dlt_mul_overflow_i64(n, x->n_src, &total) || total > ((int64_t)1 << 31)) {
			rc = dlt_error_set(err, DLT_ELIMIT, "merge: the on predicate has no equality "
			                   "between target and source columns and %" PRId64 " x %"
			                   PRId64 " row pairs are too many", n, x->n_src);
			goto done;
		}
		pi = dlt_malloc((size_t)total * 8);
		pj = dlt_malloc((size_t)total * 8);
		if (!pi || !pj)
			goto oom;
		for (int64_t i = 0; i < n; i++)
			for (int64_t j = 0; j < x->n_src; j++) {
				pi[np] = i;
				pj[np] = j;
				np++;
			}
	}
	/* the rest of ON */
	if (np > 0 && x->residual) {
		uint8_t *ok = dlt_malloc((size_t)np);
		int64_t w = 0;
		if (!ok)
			goto oom;
		if ((rc = combine(&cb, x, &t->a, pi, pj, np, err)) < 0) {
			dlt_free(ok);
			goto done;
		}
		rc = eval_cond(ok, x, x->residual, &cb.w.a, np, err);
		combined_dispose(&cb);
		if (rc < 0) {
			dlt_free(ok);
			goto done;
		}
		for (int64_t p = 0; p < np; p++)
			if (ok[p]) {
				pi[w] = pi[p];
				pj[w] = pj[p];
				w++;
			}
		np = w;
		dlt_free(ok);
	}
	for (int64_t p = 0; p < np; p++) {
		mcount[pi[p]]++;
		x->smatched[pj[p]] = 1;
	}
	/* WHEN MATCHED: first clause acting on each pair */
	if (np > 0 && x->has_matched) {
		if (!(pact = dlt_malloc((size_t)np * sizeof(int32_t))))
			goto oom;
		if ((rc = combine(&cb, x, &t->a, pi, pj, np, err)) < 0)
			goto done;
		have_cb = true;
		if ((rc = assign_clauses(pact, x, DLT_MERGE_MATCHED, &cb.w.a, np, err)) < 0)
			goto done;
		for (int64_t p = 0; p < np;) {
			int64_t q = p, i = pi[p];
			bool any = false, all_delete = true;
			while (q < np && pi[q] == i) {
				if (pact[q] >= 0) {
					any = true;
					all_delete &= x->cl[pact[q]].c->action == DLT_MERGE_DELETE;
				} else {
					all_delete = false;
				}
				q++;
			}
			if (q - p > 1 && any && !all_delete) {
				char row[256];
				dlt_ops__render_row(row, sizeof(row), x->ts, &t->a, i);
				rc = dlt_error_set(err, DLT_EINVAL, "merge: %" PRId64 " source rows matched "
				                   "the same target row (%s) and a WHEN MATCHED clause would "
				                   "change it: the result is ambiguous; make the source keys "
				                   "unique", q - p, row);
				goto done;
			}
			if (any) {
				t->act[i] = pact[p];
				t->srow[i] = pj[p];
			}
			p = q;
		}
	}
	/* WHEN NOT MATCHED BY SOURCE */
	if (x->has_nmbs) {
		int64_t nu = 0, *rows = dlt_malloc((size_t)n * 8 + 8);
		int32_t *a = dlt_malloc((size_t)n * 4 + 4);
		if (!rows || !a) {
			dlt_free(rows);
			dlt_free(a);
			goto oom;
		}
		for (int64_t i = 0; i < n; i++)
			if (mcount[i] == 0)
				rows[nu++] = i;
		if (nu > 0) {
			combined c2;
			if ((rc = combine(&c2, x, &t->a, rows, NULL, nu, err)) >= 0) {
				rc = assign_clauses(a, x, DLT_MERGE_NOT_MATCHED_BY_SOURCE, &c2.w.a, nu, err);
				combined_dispose(&c2);
			}
			for (int64_t u = 0; rc >= 0 && u < nu; u++)
				t->act[rows[u]] = a[u];
		}
		dlt_free(rows);
		dlt_free(a);
		if (rc < 0)
			goto done;
	}
	goto done;
oom:
	rc = dlt_error_set(err, DLT_ENOMEM, "out of memory joining target rows");
done:
	if (have_cb)
		combined_dispose(&cb);
	if (tk) {
		for (size_t k = 0; k < x->n_keys; k++) {
			dlt_array__release(&tk[k]);
			dlt_schema__release(&tks[k]);
		}
	}
	dlt_free(tk);
	dlt_free(tks);
	dlt_free(th);
	dlt_free(pi);
	dlt_free(pj);
	dlt_free(pact);
	dlt_free(eq);
	dlt_free(lc);
	dlt_free(rcol);
	dlt_free(mcount);
	return rc;
}

/* ------------------------------------------------------------ output -- */

/* Cast an evaluated value to the output column type. */
static int to_column(struct ArrowArray *out, struct ArrowArray *v, struct ArrowSchema *vs,
                     const struct ArrowSchema *f, int64_t n, dlt_error *err)
{
	int rc;
	if (strcmp(vs->format, f->format) == 0 && !vs->dictionary) {
		dlt_array__move(out, v);
		return DLT_OK;
	}
	if (strcmp(vs->format, "n") == 0) {
		dlt_array__release(v);
		return dlt_table__nulls(out, f, n, err);
	}
	rc = dlt_compute__cast(out, vs, v, f->format, DLT_CAST_STRICT, err);
	dlt_array__release(v);
	if (rc < 0)
		dlt_error_prefix(err, "merge: value of column '%s'", f->name ? f->name : "");
	return rc;
}

/* Rows of output schema from a combined batch: per column the clause's
 * expression, else the target's value (tk, may be NULL: null), else null. */
static int build_output(struct ArrowArray *out, mx *x, const bclause *b,
                        const struct ArrowArray *cb, const struct ArrowArray *tk, int64_t n,
                        dlt_error *err)
{
	int64_t nc = x->os.n_children, k;
	struct ArrowArray *cols = dlt_calloc((size_t)nc + 1, sizeof(*cols));
	int rc = DLT_OK;
	if (!cols)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	for (k = 0; k < nc; k++) {
		const struct ArrowSchema *f = x->os.children[k];
		if (b && b->val && b->val[k]) {
			struct ArrowArray v;
			struct ArrowSchema vs;
			if ((rc = dlt_expr__eval(&v, &vs, b->val[k], &x->cs, cb, err)) < 0)
				break;
			rc = to_column(&cols[k], &v, &vs, f, n, err);
			dlt_schema__release(&vs);
		} else if (tk && k < x->ts->n_children) {
			rc = dlt_compute__slice(&cols[k], x->ts->children[k], tk->children[k],
			                        tk->offset, n, err);
		} else {
			rc = dlt_table__nulls(&cols[k], f, n, err);
		}
		if (rc < 0)
			break;
	}
	if (rc < 0) {
		for (int64_t i = 0; i < k; i++)
			dlt_array__release(&cols[i]);
		dlt_free(cols);
		return rc;
	}
	rc = assemble(out, cols, nc, n, err);
	dlt_free(cols);
	return rc;
}

/* Target rows `rows` of tb in the output schema (evolved: new columns null). */
static int target_rows(struct ArrowArray *out, mx *x, const struct ArrowArray *tb,
                       const int64_t *rows, int64_t n, dlt_error *err)
{
	struct ArrowArray t;
	int rc = dlt_compute__take(&t, x->ts, tb, rows, n, err);
	if (rc < 0 || !x->evolved) {
		if (rc >= 0)
			dlt_array__move(out, &t);
		return rc;
	}
	rc = build_output(out, x, NULL, NULL, &t, n, err);
	dlt_array__release(&t);
	return rc;
}

static int write_rows(mx *x, const struct ArrowArray *b, bool check, const char *cdc,
                      dlt_error *err)
{
	int rc;
	if (b->length == 0)
		return DLT_OK;
	if (x->fake)
		x->c.snap = x->fake; /* the writers write the evolved schema */
	rc = cdc ? dlt_dml__write_cdc(&x->c, b, cdc, err)
	         : dlt_dml__write_data(&x->c, b, check, err);
	x->c.snap = x->real;
	return rc;
}

/* Outputs of one target batch whose file is rewritten (or gets a DV). */
static int emit_batch(mx *x, tbatch *t, bool cow, dlt_error *err)
{
	int64_t n = t->a.length, nk = 0, nd = 0;
	int64_t *keep = dlt_malloc((size_t)n * 8 + 8), *del = dlt_malloc((size_t)n * 8 + 8);
	int64_t *ti = dlt_malloc((size_t)n * 8 + 8), *sj = dlt_malloc((size_t)n * 8 + 8);
	struct ArrowArray o;
	int rc = DLT_OK;
	o.release = NULL;
	if (!keep || !del || !ti || !sj) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto done;
	}
	for (int64_t i = 0; i < n; i++) {
		if (t->act[i] < 0)
			keep[nk++] = i;
		else if (x->cl[t->act[i]].c->action == DLT_MERGE_DELETE) {
			del[nd++] = i;
			if (x->cl[t->act[i]].c->kind == DLT_MERGE_MATCHED)
				x->mt.num_target_rows_matched_deleted++;
			else
				x->mt.num_target_rows_not_matched_by_source_deleted++;
		}
	}
	if (cow && nk > 0) {
		if ((rc = target_rows(&o, x, &t->a, keep, nk, err)) < 0 ||
		    (rc = write_rows(x, &o, false, NULL, err)) < 0)
			goto done;
		dlt_array__release(&o);
		x->mt.num_target_rows_copied += nk;
	}
	if (nd > 0 && x->c.cdf) {
		if ((rc = target_rows(&o, x, &t->a, del, nd, err)) < 0 ||
		    (rc = write_rows(x, &o, false, "delete", err)) < 0)
			goto done;
		dlt_array__release(&o);
	}
	for (size_t k = 0; k < x->n_cl; k++) {
		const bclause *b = &x->cl[k];
		int64_t nu = 0;
		bool matched = b->c->kind == DLT_MERGE_MATCHED;
		combined c;
		if (b->c->action != DLT_MERGE_UPDATE || b->c->kind == DLT_MERGE_NOT_MATCHED)
			continue;
		for (int64_t i = 0; i < n; i++)
			if (t->act[i] == (int32_t)k) {
				ti[nu] = i;
				sj[nu] = t->srow[i];
				nu++;
			}
		if (nu == 0)
			continue;
		if (matched)
			x->mt.num_target_rows_matched_updated += nu;
		else
			x->mt.num_target_rows_not_matched_by_source_updated += nu;
		if ((rc = combine(&c, x, &t->a, ti, matched ? sj : NULL, nu, err)) < 0)
			goto done;
		rc = build_output(&o, x, b, &c.w.a, &c.t, nu, err);
		if (rc >= 0)
			rc = write_rows(x, &o, true, NULL, err);
		if (rc >= 0 && x->c.cdf) {
			struct ArrowArray pre;
			rc = write_rows(x, &o, false, "update_postimage", err);
			if (rc >= 0 && (rc = target_rows(&pre, x, &t->a, ti, nu, err)) >= 0) {
				rc = write_rows(x, &pre, false, "update_preimage", err);
				dlt_array__release(&pre);
			}
		}
		combined_dispose(&c);
		dlt_array__release(&o);
		if (rc < 0)
			goto done;
	}
done:
	dlt_array__release(&o);
	dlt_free(keep);
	dlt_free(del);
	dlt_free(ti);
	dlt_free(sj);
	return rc;
}

/* Untouched target batches buffered (copy-on-write) while no row of their
 * file has matched yet; past this, they are dropped and the file is read a
 * second time if a later row matches. */
#define MERGE_PENDING_BYTES ((int64_t)16 << 20)

typedef struct pending {
	tbatch *v;
	size_t n, cap;
	int64_t bytes;
} pending;

static void pending_clear(pending *p)
{
	for (size_t b = 0; b < p->n; b++)
		tbatch_dispose(&p->v[b]);
	p->n = 0;
	p->bytes = 0;
}

/* One pass over a target file, streaming: each batch is joined and, once
 * the file is known to change, its outputs are written right away (kept
 * rows with copy-on-write, updated rows, change data) and it is released.
 * Deletion vectors: the changed rows' indexes are collected for the DV.
 * *rescan: copy-on-write only, batches were dropped before the first match
 * (the caller reads the file again with emit_all). */
static int file_pass(mx *x, const dlt_log_file *f, bool emit_all, bool *touched, bool *rescan,
                     dlt_error *err)
{
	dlt_table_rows *r = NULL;
	pending p = { NULL, 0, 0, 0 };
	bool cow = !x->c.use_dv, dropped = false;
	uint64_t *dvrows = NULL;
	size_t ndv = 0, dvcap = 0;
	int64_t t0 = dlt_now_ns(), t_emit = 0;
	int rc;

	*rescan = false;
	if ((rc = dlt_table__rows_open(&r, x->c.snap, f, err)) < 0)
		goto done;
	for (;;) {
		tbatch t;
		struct ArrowArray a;
		const int64_t *ri;
		bool bt = false;
		int64_t t1;
		memset(&t, 0, sizeof(t));
		if ((rc = dlt_table__rows_next(r, &a, &ri, err)) < 0)
			goto done;
		if (!a.release)
			break;
		dlt_array__move(&t.a, &a);
		if ((rc = process_batch(x, &t, err)) < 0) {
			dlt_error_prefix(err, "target file %s", f->path);
			tbatch_dispose(&t);
			goto done;
		}
		for (int64_t i = 0; i < t.a.length; i++)
			if (t.act[i] >= 0) {
				bt = true;
				break;
			}
		if (bt && x->c.use_dv) {
			size_t need = ndv + (size_t)t.a.length;
			if (need > dvcap) {
				size_t nc = DLT_MAX(need, dvcap * 2);
				uint64_t *nv = dlt_realloc(dvrows, nc * sizeof(*nv));
				if (!nv) {
					tbatch_dispose(&t);
					rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
					goto done;
				}
				dvrows = nv;
				dvcap = nc;
			}
			for (int64_t i = 0; i < t.a.length; i++)
				if (t.act[i] >= 0)
					dvrows[ndv++] = (uint64_t)ri[i];
		}
		t1 = dlt_now_ns();
		if (bt && !*touched) {
			*touched = true;
			if (cow && dropped) { /* earlier rows are gone: read the file again */
				tbatch_dispose(&t);
				*rescan = true;
				goto done;
			}
			if (cow && !emit_all && (rc = dlt_dml__remove_file(&x->c, f, err)) < 0) {
				tbatch_dispose(&t);
				goto done;
			}
			for (size_t b = 0; b < p.n && rc >= 0; b++)
				rc = emit_batch(x, &p.v[b], cow, err);
			pending_clear(&p);
			if (rc < 0) {
				tbatch_dispose(&t);
				goto done;
			}
		}
		if (*touched || emit_all) {
			rc = emit_batch(x, &t, cow, err);
			tbatch_dispose(&t);
			if (rc < 0)
				goto done;
		} else if (cow && !dropped) {
			if (p.n == p.cap) {
				size_t nc = p.cap ? p.cap * 2 : 8;
				tbatch *nv = dlt_realloc(p.v, nc * sizeof(*nv));
				if (!nv) {
					tbatch_dispose(&t);
					rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
					goto done;
				}
				p.v = nv;
				p.cap = nc;
			}
			p.bytes += array_bytes(x->ts, &t.a);
			p.v[p.n++] = t;
			if (p.bytes > MERGE_PENDING_BYTES) {
				pending_clear(&p);
				dropped = true;
			}
		} else {
			tbatch_dispose(&t);
		}
		t_emit += dlt_now_ns() - t1;
	}
	if (*touched && x->c.use_dv &&
	    (rc = dlt_dml__stage_dv(&x->c, f, dlt_table__rows_dv(r), dvrows, ndv, err)) < 0)
		goto done;
done:
	x->scan_ns += dlt_now_ns() - t0 - t_emit;
	x->rewrite_ns += t_emit;
	pending_clear(&p);
	dlt_free(p.v);
	dlt_free(dvrows);
	dlt_table__rows_free(r);
	return rc;
}

static int process_file(mx *x, const dlt_log_file *f, dlt_error *err)
{
	bool touched = false, rescan = false;
	int rc = file_pass(x, f, false, &touched, &rescan, err);
	if (rc >= 0 && rescan) {
		/* copy-on-write, first match after the buffered rows were dropped */
		if ((rc = dlt_dml__remove_file(&x->c, f, err)) < 0)
			return rc;
		rc = file_pass(x, f, true, &touched, &rescan, err);
	}
	return rc;
}

/* WHEN NOT MATCHED: insert unmatched source rows, in chunks. */
static int insert_phase(mx *x, dlt_error *err)
{
	const int64_t chunk = 65536;
	int64_t *rows = NULL, *sel = NULL;
	int32_t *act = NULL;
	int rc = DLT_OK;
	if (!x->has_nm || x->n_src == 0)
		return DLT_OK;
	rows = dlt_malloc((size_t)chunk * 8);
	sel = dlt_malloc((size_t)chunk * 8);
	act = dlt_malloc((size_t)chunk * 4);
	if (!rows || !sel || !act) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto done;
	}
	for (int64_t j0 = 0; j0 < x->n_src && rc >= 0;) {
		int64_t nr = 0;
		combined c;
		for (; j0 < x->n_src && nr < chunk; j0++)
			if (!x->smatched[j0])
				rows[nr++] = j0;
		if (nr == 0)
			break;
		if ((rc = combine(&c, x, NULL, NULL, rows, nr, err)) < 0)
			break;
		rc = assign_clauses(act, x, DLT_MERGE_NOT_MATCHED, &c.w.a, nr, err);
		for (size_t k = 0; rc >= 0 && k < x->n_cl; k++) {
			int64_t ns = 0;
			struct ArrowArray o;
			combined c2;
			if (x->cl[k].c->kind != DLT_MERGE_NOT_MATCHED)
				continue;
			for (int64_t i = 0; i < nr; i++)
				if (act[i] == (int32_t)k)
					sel[ns++] = rows[i];
			if (ns == 0)
				continue;
			if ((rc = combine(&c2, x, NULL, NULL, sel, ns, err)) < 0)
				break;
			rc = build_output(&o, x, &x->cl[k], &c2.w.a, NULL, ns, err);
			if (rc >= 0) {
				rc = write_rows(x, &o, true, NULL, err);
				if (rc >= 0 && x->c.cdf)
					rc = write_rows(x, &o, false, "insert", err);
				dlt_array__release(&o);
			}
			combined_dispose(&c2);
			x->mt.num_target_rows_inserted += ns;
		}
		combined_dispose(&c);
	}
done:
	dlt_free(rows);
	dlt_free(sel);
	dlt_free(act);
	return rc;
}

/* -------------------------------------------------------------- commit -- */

static int params_json(dlt_buf *b, mx *x, dlt_error *err)
{
	dlt_buf arr = DLT_BUF_INIT, tmp = DLT_BUF_INIT;
	int rc;
	static const char *const keys[3] = { "matchedPredicates", "notMatchedPredicates",
	                                     "notMatchedBySourcePredicates" };
	if ((rc = dlt_buf_append_str(b, "{\"predicate\":", err)) < 0 ||
	    (rc = dlt_buf_append_str(&tmp, "[", err)) < 0 ||
	    (rc = dlt_ops__json_str(&tmp, x->m->on_sql, err)) < 0 ||
	    (rc = dlt_buf_append_str(&tmp, "]", err)) < 0 ||
	    (rc = dlt_ops__json_strn(b, (const char *)tmp.data, tmp.len, err)) < 0)
		goto done;
	for (int kind = 0; kind < 3; kind++) {
		bool first = true;
		dlt_buf_clear(&arr);
		if ((rc = dlt_buf_append_str(&arr, "[", err)) < 0)
			goto done;
		for (size_t i = 0; i < x->m->n_clauses; i++) {
			const dlt_merge_clause *c = &x->m->clauses[i];
			if ((int)c->kind != kind)
				continue;
			if ((rc = dlt_buf_append_str(&arr, first ? "{" : ",{", err)) < 0)
				goto done;
			first = false;
			if (c->cond_sql && ((rc = dlt_buf_append_str(&arr, "\"predicate\":", err)) < 0 ||
			                    (rc = dlt_ops__json_str(&arr, c->cond_sql, err)) < 0 ||
			                    (rc = dlt_buf_append_str(&arr, ",", err)) < 0))
				goto done;
			if ((rc = dlt_buf_appendf(&arr, err, "\"actionType\":\"%s\"}",
			                          c->action == DLT_MERGE_DELETE ? "delete"
			                          : c->action == DLT_MERGE_INSERT ? "insert"
			                          : "update")) < 0)
				goto done;
		}
		if ((rc = dlt_buf_append_str(&arr, "]", err)) < 0 ||
		    (rc = dlt_buf_appendf(b, err, ",\"%s\":", keys[kind])) < 0 ||
		    (rc = dlt_ops__json_strn(b, (const char *)arr.data, arr.len, err)) < 0)
			goto done;
	}
	if ((rc = dlt_buf_append_str(b, "}", err)) < 0 ||
	    (rc = dlt_buf_append_byte(b, 0, err)) < 0)
		goto done;
done:
	dlt_buf_dispose(&arr);
	dlt_buf_dispose(&tmp);
	return rc;
}

static int stage_evolution(mx *x, dlt_error *err)
{
	const dlt_log_metadata *md = &x->c.snap->metadata;
	dlt_txn_metadata tm = DLT_TXN_METADATA_INIT;
	dlt_kv *conf = NULL;
	int rc;
	if (md->configuration.n &&
	    !(conf = dlt_calloc(md->configuration.n, sizeof(*conf))))
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	for (size_t i = 0; i < md->configuration.n; i++) {
		conf[i].key = md->configuration.kv[i].key;
		conf[i].value = md->configuration.kv[i].value;
	}
	tm.id = md->id;
	tm.name = md->name;
	tm.description = md->description;
	tm.schema_string = x->evolved_json;
	tm.partition_columns = md->partition_columns;
	tm.n_partition_columns = md->n_partition_columns;
	tm.configuration = conf;
	tm.n_configuration = md->configuration.n;
	tm.created_time = md->created_time;
	rc = dlt_txn_set_metadata(x->c.txn, &tm, err);
	dlt_free(conf);
	if (rc < 0)
		return rc;
	/* The writers write snap->schema: give them a snapshot view with the
	 * evolved schema (see build/REQUESTS-merge-to-dml.md). */
	if (!(x->fake = dlt_malloc(sizeof(*x->fake))))
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	memcpy((void *)x->fake, (const void *)x->c.snap, sizeof(*x->fake));
	memcpy(&x->fake->schema, &x->os, sizeof(x->os));
	x->fake->metadata.schema_string = x->evolved_json;
	return DLT_OK;
}

static int set_metrics(mx *x, dlt_error *err)
{
	const dlt_merge_metrics *t = &x->mt;
	struct { const char *k; int64_t v; } m[] = {
		{ "numSourceRows", t->num_source_rows },
		{ "numTargetRowsInserted", t->num_target_rows_inserted },
		{ "numTargetRowsUpdated", t->num_target_rows_updated },
		{ "numTargetRowsDeleted", t->num_target_rows_deleted },
		{ "numTargetRowsCopied", t->num_target_rows_copied },
		{ "numTargetRowsMatchedUpdated", t->num_target_rows_matched_updated },
		{ "numTargetRowsMatchedDeleted", t->num_target_rows_matched_deleted },
		{ "numTargetRowsNotMatchedBySourceUpdated",
		  t->num_target_rows_not_matched_by_source_updated },
		{ "numTargetRowsNotMatchedBySourceDeleted",
		  t->num_target_rows_not_matched_by_source_deleted },
		{ "numTargetFilesAdded", x->c.m.num_added_files },
		{ "numTargetFilesRemoved", x->c.m.num_removed_files },
		{ "numTargetChangeFilesAdded", x->c.m.num_added_change_files },
		{ "numTargetDeletionVectorsAdded", x->c.m.num_deletion_vectors_added },
		{ "numTargetDeletionVectorsRemoved", x->c.m.num_deletion_vectors_removed },
		{ "numTargetBytesAdded", x->c.m.num_added_bytes },
		{ "numTargetBytesRemoved", x->c.m.num_removed_bytes },
		{ "executionTimeMs", t->execution_time_ms },
		{ "scanTimeMs", t->scan_time_ms },
		{ "rewriteTimeMs", t->rewrite_time_ms },
	};
	int rc;
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if ((rc = dlt_txn_set_metric(x->c.txn, m[i].k, m[i].v, err)) < 0)
			return rc;
	return DLT_OK;
}

static int execute(mx *x, dlt_error *err)
{
	dlt_dml_options dopts = DLT_DML_OPTIONS_INIT;
	dlt_dml_candidates cands;
	dlt_buf params = DLT_BUF_INIT;
	int64_t t0 = dlt_now_ns();
	int rc;
	memset(&cands, 0, sizeof(cands));
	dopts.use_deletion_vectors = x->m->opts.use_deletion_vectors;
	dopts.commit_properties = x->m->opts.commit_properties;
	dopts.commit_properties_len = x->m->opts.commit_properties_len;
	if ((rc = dlt_dml__begin(&x->c, x->m->table, "MERGE", &dopts, err)) < 0)
		goto done;
	x->began = true;
	x->real = x->c.snap;
	x->ts = &x->c.snap->schema;
	if ((rc = read_source(x, err)) < 0 || (rc = plan_schema(x, err)) < 0 ||
	    (rc = wrap_schema(&x->cs, x->m->talias, x->ts, x->m->salias, &x->ss, err)) < 0 ||
	    (rc = wrap_schema(&x->ts1, x->m->talias, x->ts, NULL, NULL, err)) < 0 ||
	    (rc = wrap_schema(&x->ss1, x->m->salias, &x->ss, NULL, NULL, err)) < 0 ||
	    (rc = plan_on(x, err)) < 0 || (rc = plan_clauses(x, err)) < 0 ||
	    (rc = build_hash(x, err)) < 0 || (rc = plan_prune(x, err)) < 0)
		goto done;
	if (x->evolved && (rc = stage_evolution(x, err)) < 0)
		goto done;
	if ((rc = dlt_dml__find_candidates(&cands, x->c.snap, x->prune, err)) < 0)
		goto done;
	if (x->prune)
		rc = dlt_txn_read_predicate(x->c.txn, x->prune, err);
	else
		dlt_txn_read_whole_table(x->c.txn);
	if (rc < 0)
		goto done;
	x->mt.num_target_files_scanned = (int64_t)cands.n;
	x->mt.num_target_files_skipped = cands.n_skipped_partition + cands.n_skipped_stats;
	for (size_t i = 0; i < cands.n; i++)
		if ((rc = process_file(x, cands.v[i].file, err)) < 0)
			goto done;
	if ((rc = insert_phase(x, err)) < 0)
		goto done;
	x->mt.num_target_rows_updated = x->mt.num_target_rows_matched_updated +
	                                x->mt.num_target_rows_not_matched_by_source_updated;
	x->mt.num_target_rows_deleted = x->mt.num_target_rows_matched_deleted +
	                                x->mt.num_target_rows_not_matched_by_source_deleted;
	x->mt.scan_time_ms = x->scan_ns / 1000000;
	x->mt.rewrite_time_ms = x->rewrite_ns / 1000000;
	x->mt.execution_time_ms = (dlt_now_ns() - t0) / 1000000;
	if ((rc = params_json(&params, x, err)) < 0)
		goto done;
	/* metrics set twice: before the commit for commitInfo (file counts as
	 * the writers know them once finished: dlt_dml__commit recounts) */
	if ((rc = set_metrics(x, err)) < 0)
		goto done;
	if ((rc = dlt_dml__run_test_hook(x->m->table, "MERGE", err)) < 0)
		goto done;
	rc = dlt_dml__commit(&x->c, "MERGE", (const char *)params.data, err);
	if (rc < 0)
		goto done;
	x->mt.version = x->c.m.version;
	x->mt.num_target_files_added = x->c.m.num_added_files;
	x->mt.num_target_files_removed = x->c.m.num_removed_files;
	x->mt.num_target_change_files_added = x->c.m.num_added_change_files;
	x->mt.num_target_deletion_vectors_added = x->c.m.num_deletion_vectors_added;
	x->mt.num_target_bytes_added = x->c.m.num_added_bytes;
	x->mt.num_target_bytes_removed = x->c.m.num_removed_bytes;
done:
	dlt_dml__candidates_dispose(&cands);
	dlt_buf_dispose(&params);
	return rc;
}

DLT_API int dlt_merge_execute(dlt_merge_metrics *out, dlt_merge *m, dlt_error *err)
{
	mx x;
	int rc;
	DLT_ARG_CHECK(m != NULL, err);
	if (m->executed || !m->source.release)
		return dlt_error_set(err, DLT_EINVAL, "merge: already executed");
	m->executed = true;
	memset(&x, 0, sizeof(x));
	x.m = m;
	x.mt.version = -1;
	rc = execute(&x, err);
	if (rc >= 0 && out)
		*out = x.mt;
	mx_dispose(&x);
	if (m->source.release)
		m->source.release(&m->source);
	return rc;
}
