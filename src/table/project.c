/*
 * Projection of the logical schema to column paths ("a", "s.x", "`a.b`.c").
 */
#include "table/table.h"

#include <strings.h>

dlt_match_mode dlt_table__match_mode(const dlt_snapshot *snap)
{
	switch (snap->column_mapping) {
	case DLT_LOG_CM_ID:
		return DLT_MATCH_FIELD_ID;
	case DLT_LOG_CM_NAME:
		return DLT_MATCH_PHYSICAL;
	default:
		return DLT_MATCH_NAME;
	}
}

static void free_segs(char **segs, size_t n)
{
	size_t i;
	for (i = 0; segs != NULL && i < n; i++)
		dlt_free(segs[i]);
	dlt_free(segs);
}

int dlt_table__split_path(char ***out, size_t *n_out, const char *path, dlt_error *err)
{
	char **segs = NULL;
	size_t n = 0, cap = 0;
	const char *p = path;
	dlt_buf cur = DLT_BUF_INIT;
	int rc = DLT_OK;

	*out = NULL;
	*n_out = 0;
	if (path == NULL || *path == 0)
		return dlt_error_set(err, DLT_EINVAL, "empty column path");
	for (;;) {
		dlt_buf_clear(&cur);
		if (*p == '`') {
			p++;
			for (;;) {
				if (*p == 0) {
					rc = dlt_error_set(err, DLT_EINVAL,
					                   "column path '%s': unterminated backquote", path);
					goto fail;
				}
				if (*p == '`' && p[1] == '`') {
					rc = dlt_buf_append_byte(&cur, '`', err);
					p += 2;
				} else if (*p == '`') {
					p++;
					break;
				} else {
					rc = dlt_buf_append_byte(&cur, (uint8_t)*p++, err);
				}
				if (rc < 0)
					goto fail;
			}
		} else {
			while (*p != 0 && *p != '.') {
				if ((rc = dlt_buf_append_byte(&cur, (uint8_t)*p++, err)) < 0)
					goto fail;
			}
		}
		if (cur.len == 0 || (*p != 0 && *p != '.')) {
			rc = dlt_error_set(err, DLT_EINVAL, "column path '%s': malformed", path);
			goto fail;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 4;
			char **ns = dlt_realloc(segs, nc * sizeof(*ns));
			if (ns == NULL) {
				rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
				goto fail;
			}
			segs = ns;
			cap = nc;
		}
		if ((segs[n] = dlt_strndup((const char *)cur.data, cur.len)) == NULL) {
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
			goto fail;
		}
		n++;
		if (*p == 0)
			break;
		p++; /* '.' */
	}
	dlt_buf_dispose(&cur);
	*out = segs;
	*n_out = n;
	return DLT_OK;
fail:
	dlt_buf_dispose(&cur);
	free_segs(segs, n);
	return rc;
}

static int64_t find_field(const struct ArrowSchema *s, const char *name)
{
	int64_t i;
	for (i = 0; i < s->n_children; i++)
		if (s->children[i]->name && strcmp(s->children[i]->name, name) == 0)
			return i;
	for (i = 0; i < s->n_children; i++)
		if (s->children[i]->name && strcasecmp(s->children[i]->name, name) == 0)
			return i;
	return -1;
}

typedef struct sel_path {
	int64_t *idx;
	size_t n;
} sel_path;

static int prune(struct ArrowSchema *out, const struct ArrowSchema *s, const sel_path *paths,
                 const bool *active, size_t np, size_t depth, dlt_error *err)
{
	size_t k;
	int64_t i, nsel = 0, o = 0;
	bool *child_active = NULL;
	int rc;

	for (k = 0; k < np; k++)
		if (active[k] && paths[k].n == depth)
			return dlt_schema__copy(out, s, err);
	for (i = 0; i < s->n_children; i++) {
		for (k = 0; k < np; k++)
			if (active[k] && paths[k].idx[depth] == i)
				break;
		nsel += k < np;
	}
	if ((rc = dlt_schema__init(out, s->format, s->name, s->flags, nsel, err)) < 0)
		return rc;
	if ((child_active = dlt_calloc(np ? np : 1, sizeof(bool))) == NULL) {
		dlt_schema__release(out);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	for (i = 0; i < s->n_children; i++) {
		bool any = false;
		for (k = 0; k < np; k++) {
			child_active[k] = active[k] && paths[k].idx[depth] == i;
			any |= child_active[k];
		}
		if (!any)
			continue;
		if ((rc = prune(out->children[o++], s->children[i], paths, child_active, np, depth + 1,
		                err)) < 0) {
			dlt_free(child_active);
			dlt_schema__release(out);
			return rc;
		}
	}
	dlt_free(child_active);
	return DLT_OK;
}

int dlt_table__project_schema(struct ArrowSchema *out, const struct ArrowSchema *full,
                              const char *const *paths, size_t n, dlt_error *err)
{
	sel_path *sp = NULL;
	bool *active = NULL;
	size_t k, m;
	int rc = DLT_OK;

	memset(out, 0, sizeof(*out));
	if (paths == NULL || n == 0)
		return dlt_schema__copy(out, full, err);
	sp = dlt_calloc(n, sizeof(*sp));
	active = dlt_calloc(n, sizeof(bool));
	if (sp == NULL || active == NULL) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto done;
	}
	for (k = 0; k < n; k++) {
		char **segs = NULL;
		size_t ns = 0;
		const struct ArrowSchema *cur = full;
		if ((rc = dlt_table__split_path(&segs, &ns, paths[k], err)) < 0)
			goto done;
		if ((sp[k].idx = dlt_calloc(ns, sizeof(int64_t))) == NULL) {
			free_segs(segs, ns);
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
			goto done;
		}
		sp[k].n = ns;
		active[k] = true;
		for (m = 0; m < ns; m++) {
			int64_t i = strcmp(cur->format, "+s") == 0 ? find_field(cur, segs[m]) : -1;
			if (i < 0) {
				rc = dlt_error_set(err, DLT_ENOTFOUND,
				                   "projection: column '%s' not found in the table schema",
				                   paths[k]);
				free_segs(segs, ns);
				goto done;
			}
			sp[k].idx[m] = i;
			cur = cur->children[i];
		}
		free_segs(segs, ns);
	}
	rc = prune(out, full, sp, active, n, 0, err);
done:
	for (k = 0; sp != NULL && k < n; k++)
		dlt_free(sp[k].idx);
	dlt_free(sp);
	dlt_free(active);
	return rc;
}
