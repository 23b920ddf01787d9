/* Schema evolution of writes (schema_mode merge): new columns and nested
 * struct fields appended (nullable), and type widening (PROTOCOL.md "Type
 * Widening") where the table allows it: the wider type replaces the table's
 * and the change is recorded in the "delta.typeChanges" metadata of the
 * nearest ancestor struct field ({"fromType", "toType", "fieldPath"?}; no
 * "tableVersion", as in the current spec text). Data narrower than the
 * table's type is accepted when the cast up is lossless (the same relation). */
#include "ops/ops.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int oom(dlt_error *err)
{
	return dlt_error_set(err, DLT_ENOMEM, "out of memory");
}

/* ------------------------------------------------------------ widening -- */

typedef struct leaf {
	bool ok;
	dlt_atype t;
	int32_t p, s;
	bool tz;
} leaf;

static leaf leaf_of(const struct ArrowSchema *s)
{
	dlt_type_view tv;
	leaf l;
	memset(&l, 0, sizeof(l));
	if (s->dictionary)
		s = s->dictionary;
	if (!s->format || s->format[0] == '+' || dlt_arrow__parse_format(&tv, s->format, NULL) < 0)
		return l;
	l.ok = true;
	l.t = tv.type == DLT_AT_DATE64 ? DLT_AT_DATE32 : tv.type;
	l.p = tv.precision;
	l.s = tv.scale;
	l.tz = tv.tz && tv.tz[0];
	return l;
}

static int int_rank(dlt_atype t)
{
	switch (t) {
	case DLT_AT_INT8: return 1;
	case DLT_AT_INT16: return 2;
	case DLT_AT_INT32: return 3;
	case DLT_AT_INT64: return 4;
	default: return 0;
	}
}

bool dlt_ops__is_widening(const struct ArrowSchema *from, const struct ArrowSchema *to)
{
	leaf f = leaf_of(from), t = leaf_of(to);
	int rf, rt;

	if (!f.ok || !t.ok)
		return false;
	rf = int_rank(f.t);
	rt = int_rank(t.t);
	if (rf && rt)                                    /* byte -> short -> int -> long */
		return rf < rt;
	if (f.t == DLT_AT_FLOAT32 && t.t == DLT_AT_FLOAT64)
		return true;
	if (rf && rf <= 3 && t.t == DLT_AT_FLOAT64)      /* byte, short, int -> double */
		return true;
	if (f.t == DLT_AT_DATE32 && t.t == DLT_AT_TIMESTAMP && !t.tz) /* date -> timestamp_ntz */
		return true;
	if (t.t != DLT_AT_DECIMAL128 || t.p < 1 || t.p > 38)
		return false;
	if (f.t == DLT_AT_DECIMAL128) {                  /* (p, s) -> (p + k1, s + k2), k1 >= k2 >= 0 */
		int32_t k1 = t.p - f.p, k2 = t.s - f.s;
		return k2 >= 0 && k1 >= k2 && k1 > 0;
	}
	if (rf && rf <= 3)                               /* -> decimal(10 + k1, k2) */
		return t.p - 10 >= t.s && t.s >= 0;
	if (rf == 4)                                     /* long -> decimal(20 + k1, k2) */
		return t.p - 20 >= t.s && t.s >= 0;
	return false;
}

static bool same_type(const struct ArrowSchema *a, const struct ArrowSchema *b)
{
	char x[256], y[256];
	return strcmp(dlt_ops__type_name(a, x, sizeof(x)), dlt_ops__type_name(b, y, sizeof(y))) == 0;
}

static int64_t find_field(const struct ArrowSchema *s, const char *name)
{
	if (!name)
		return -1;
	for (int64_t i = 0; i < s->n_children; i++)
		if (s->children[i]->name && strcmp(s->children[i]->name, name) == 0)
			return i;
	for (int64_t i = 0; i < s->n_children; i++)
		if (s->children[i]->name && strcasecmp(s->children[i]->name, name) == 0)
			return i;
	return -1;
}

static bool upcast_rec(const struct ArrowSchema *d, const struct ArrowSchema *t, int depth)
{
	char a[32], b[32];
	const char *fd, *ft;

	if (depth > 64)
		return false;
	if (d->dictionary)
		d = d->dictionary;
	if (same_type(d, t))
		return true;
	if (!(fd = dlt_ops__canonical_format(d->format, a, sizeof(a))) ||
	    !(ft = dlt_ops__canonical_format(t->format, b, sizeof(b))))
		return false;
	if (fd[0] != '+' && ft[0] != '+')
		return dlt_ops__is_widening(d, t);
	if (strcmp(fd, ft) != 0 || d->n_children != t->n_children)
		return false;
	for (int64_t i = 0; i < d->n_children; i++) {
		int64_t j = strcmp(ft, "+s") == 0 ? find_field(t, d->children[i]->name) : i;
		if (j < 0 || !upcast_rec(d->children[i], t->children[j], depth + 1))
			return false;
	}
	return true;
}

bool dlt_ops__is_lossless_upcast(const struct ArrowSchema *data, const struct ArrowSchema *table)
{
	return upcast_rec(data, table, 0);
}

/* ------------------------------------------------------- typeChanges -- */

/* Append the entries of `changes` (JSON array) to the field's
 * delta.typeChanges, keeping its other metadata. */
static int add_type_changes(struct ArrowSchema *f, json_t *changes, dlt_error *err)
{
	const char *md = f->metadata;
	char **keys = NULL, **vals = NULL, *text = NULL;
	int32_t n = 0, kl, vl;
	size_t pos = 4, nk = 0;
	json_t *arr = NULL;
	int rc = DLT_OK;

	if (md)
		memcpy(&n, md, 4);
	if (n < 0 || !(keys = dlt_calloc((size_t)n + 1, sizeof(*keys))) ||
	    !(vals = dlt_calloc((size_t)n + 1, sizeof(*vals)))) {
		rc = oom(err);
		goto done;
	}
	for (int32_t i = 0; i < n; i++) {
		char *k, *v;
		memcpy(&kl, md + pos, 4);
		pos += 4;
		k = dlt_strndup(md + pos, (size_t)kl);
		pos += (size_t)kl;
		memcpy(&vl, md + pos, 4);
		pos += 4;
		v = dlt_strndup(md + pos, (size_t)vl);
		pos += (size_t)vl;
		if (!k || !v) {
			dlt_free(k);
			dlt_free(v);
			rc = oom(err);
			goto done;
		}
		if (strcmp(k, "delta.typeChanges") == 0) {
			json_error_t je;
			arr = json_loads(v, 0, &je);
			if (arr && !json_is_array(arr)) {
				json_decref(arr);
				arr = NULL;
			}
			dlt_free(k);
			dlt_free(v);
			continue;
		}
		keys[nk] = k;
		vals[nk++] = v;
	}
	if (!arr && !(arr = json_array())) {
		rc = oom(err);
		goto done;
	}
	if (json_array_extend(arr, changes) < 0 ||
	    !(text = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
		rc = oom(err);
		goto done;
	}
	if (!(keys[nk] = dlt_strdup("delta.typeChanges")) || !(vals[nk] = dlt_strdup(text))) {
		rc = oom(err);
		goto done;
	}
	nk++;
	rc = dlt_schema__set_metadata(f, (const char *const *)keys, (const char *const *)vals, nk,
	                              err);
done:
	for (size_t i = 0; keys && vals && i <= nk && i <= (size_t)n; i++) {
		dlt_free(keys[i]);
		dlt_free(vals[i]);
	}
	dlt_free(keys);
	dlt_free(vals);
	free(text); /* jansson's allocation */
	json_decref(arr);
	return rc;
}

static int record_change(json_t *changes, const struct ArrowSchema *from,
                         const struct ArrowSchema *to, const char *field_path, dlt_error *err)
{
	char a[256], b[256];
	json_t *o = json_object();

	if (!o)
		return oom(err);
	if (json_object_set_new(o, "fromType", json_string(dlt_ops__type_name(from, a, sizeof(a)))) <
	            0 ||
	    json_object_set_new(o, "toType", json_string(dlt_ops__type_name(to, b, sizeof(b)))) < 0 ||
	    (field_path[0] && json_object_set_new(o, "fieldPath", json_string(field_path)) < 0) ||
	    json_array_append_new(changes, o) < 0) {
		json_decref(o);
		return oom(err);
	}
	return DLT_OK;
}

/* --------------------------------------------------------------- merge -- */

/* `out` as `t` (format, name, flags, metadata) with n_children empty children. */
static int init_like(struct ArrowSchema *out, const struct ArrowSchema *t, int64_t n_children,
                     dlt_error *err)
{
	int rc;
	if ((rc = dlt_schema__init(out, t->format, t->name, t->flags, n_children, err)) < 0)
		return rc;
	if (t->metadata) {
		struct ArrowSchema tmp;
		struct ArrowSchema leafcopy = *t;
		leafcopy.n_children = 0;
		leafcopy.children = NULL;
		leafcopy.dictionary = NULL;
		leafcopy.release = NULL;
		if ((rc = dlt_schema__copy(&tmp, &leafcopy, err)) < 0) {
			dlt_schema__release(out);
			return rc;
		}
		dlt_free((void *)out->metadata);
		out->metadata = tmp.metadata;
		tmp.metadata = NULL;
		dlt_schema__release(&tmp);
	}
	return DLT_OK;
}

typedef struct mctx {
	bool widen;          /* the table allows type widening */
	dlt_error *err;
} mctx;

static int merge_struct(mctx *m, struct ArrowSchema *out, const struct ArrowSchema *t,
                        const struct ArrowSchema *d, const char *path, int depth);

/* Merge the type of data field `d` into table field `t` (out: t's name,
 * flags, metadata; the merged type). Type changes below the nearest struct
 * field are appended to `changes` with their fieldPath. */
static int merge_type(mctx *m, struct ArrowSchema *out, const struct ArrowSchema *t,
                      const struct ArrowSchema *d, const char *path, const char *fpath,
                      json_t *changes, int depth)
{
	char ct[32], cd[32], a[256], b[256], fp[256];
	const char *ft, *fd;
	int rc;

	if (depth > 64)
		return dlt_error_set(m->err, DLT_ELIMIT, "schema merge: nesting too deep");
	if (d->dictionary)
		d = d->dictionary;
	ft = dlt_ops__canonical_format(t->format, ct, sizeof(ct));
	fd = dlt_ops__canonical_format(d->format, cd, sizeof(cd));
	if (ft && fd && strcmp(ft, "+s") == 0 && strcmp(fd, "+s") == 0)
		return merge_struct(m, out, t, d, path, depth);
	if (ft && fd && ft[0] == '+' && strcmp(ft, fd) == 0 && strcmp(ft, "+s") != 0 &&
	    t->n_children == 1 && d->n_children == 1) {
		bool map = strcmp(ft, "+m") == 0;
		const struct ArrowSchema *te = t->children[0], *de = d->children[0];
		if ((rc = init_like(out, t, 1, m->err)) < 0)
			return rc;
		if (!map) {
			snprintf(fp, sizeof(fp), "%s%selement", fpath, fpath[0] ? "." : "");
			rc = merge_type(m, out->children[0], te, de, path, fp, changes, depth + 1);
		} else if (te->n_children != 2 || de->n_children != 2) {
			rc = dlt_error_set(m->err, DLT_ESCHEMA, "schema merge: column '%s': malformed map",
			                   path);
		} else if ((rc = init_like(out->children[0], te, 2, m->err)) == 0) {
			snprintf(fp, sizeof(fp), "%s%skey", fpath, fpath[0] ? "." : "");
			rc = merge_type(m, out->children[0]->children[0], te->children[0],
			                de->children[0], path, fp, changes, depth + 1);
			snprintf(fp, sizeof(fp), "%s%svalue", fpath, fpath[0] ? "." : "");
			if (rc == 0)
				rc = merge_type(m, out->children[0]->children[1], te->children[1],
				                de->children[1], path, fp, changes, depth + 1);
		}
		if (rc < 0)
			dlt_schema__release(out);
		return rc;
	}
	if (same_type(t, d) || (ft && ft[0] != '+' && dlt_ops__is_widening(d, t)))
		return dlt_schema__copy(out, t, m->err); /* same, or narrower data cast up */
	dlt_ops__type_name(t, a, sizeof(a));
	dlt_ops__type_name(d, b, sizeof(b));
	if (fd && ft && ft[0] != '+' && dlt_ops__is_widening(t, d)) {
		if (!m->widen)
			return dlt_error_set(m->err, DLT_ESCHEMA, "schema merge: column '%s'%s%s: table "
			                     "type %s, data type %s: widening the type needs the table "
			                     "property delta.enableTypeWidening=true", path,
			                     fpath[0] ? " " : "", fpath, a, b);
		if ((rc = dlt_schema__copy(out, t, m->err)) < 0)
			return rc;
		{
			char *nf = dlt_strdup(fd);
			if (!nf) {
				dlt_schema__release(out);
				return oom(m->err);
			}
			dlt_free((void *)out->format);
			out->format = nf;
		}
		if ((rc = record_change(changes, t, d, fpath, m->err)) < 0)
			dlt_schema__release(out);
		return rc;
	}
	return dlt_error_set(m->err, DLT_ESCHEMA, "schema merge: column '%s'%s%s: table type %s, "
	                     "data type %s%s", path, fpath[0] ? " " : "", fpath, a, b,
	                     ft && fd && ft[0] != '+' && fd[0] != '+'
	                             ? ": not a supported type widening" : "");
}

static int merge_struct(mctx *m, struct ArrowSchema *out, const struct ArrowSchema *t,
                        const struct ArrowSchema *d, const char *path, int depth)
{
	int64_t extra = 0, k;
	char p[512];
	int rc;

	if (depth > 64)
		return dlt_error_set(m->err, DLT_ELIMIT, "schema merge: nesting too deep");
	for (int64_t i = 0; i < d->n_children; i++)
		if (find_field(t, d->children[i]->name) < 0)
			extra++;
	if ((rc = init_like(out, t, t->n_children + extra, m->err)) < 0)
		return rc;
	for (int64_t i = 0; i < t->n_children; i++) {
		const struct ArrowSchema *tc = t->children[i];
		int64_t j = find_field(d, tc->name);
		json_t *changes;
		snprintf(p, sizeof(p), "%s%s%s", path, path[0] ? "." : "", tc->name ? tc->name : "");
		if (j < 0) {
			if ((rc = dlt_schema__copy(out->children[i], tc, m->err)) < 0)
				goto fail;
			continue;
		}
		if (!(changes = json_array())) {
			rc = oom(m->err);
			goto fail;
		}
		rc = merge_type(m, out->children[i], tc, d->children[j], p, "", changes, depth + 1);
		if (rc == 0 && json_array_size(changes) > 0)
			rc = add_type_changes(out->children[i], changes, m->err);
		json_decref(changes);
		if (rc < 0)
			goto fail;
	}
	k = t->n_children;
	for (int64_t i = 0; i < d->n_children; i++) {
		if (find_field(t, d->children[i]->name) >= 0)
			continue;
		if ((rc = dlt_schema__copy_decoded(out->children[k], d->children[i], m->err)) < 0)
			goto fail;
		out->children[k]->flags |= ARROW_FLAG_NULLABLE;
		if ((rc = dlt_ops__canonicalize(out->children[k], path, 0, m->err)) < 0)
			goto fail;
		k++;
	}
	return DLT_OK;
fail:
	dlt_schema__release(out);
	return rc;
}

int dlt_ops__schema_merge(struct ArrowSchema *out, const struct ArrowSchema *table,
                          const struct ArrowSchema *data, bool widen, dlt_error *err)
{
	mctx m;
	m.widen = widen;
	m.err = err;
	return merge_struct(&m, out, table, data, "", 0);
}
