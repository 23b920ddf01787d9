/*
 * Physical -> logical batches: fields found by logical name, physical name
 * or field id (PROTOCOL.md#column-mapping), absent fields filled with nulls,
 * widened types cast (PROTOCOL.md type widening), struct children reordered
 * and pruned to the logical schema. Lists and maps are rebuilt around their
 * converted children; leaves are copied (or cast).
 */
#include "table/table.h"
#include "compute/compute.h"
#include "compute/variant.h"

#include <strings.h>

static const char *meta_str(const struct ArrowSchema *s, const char *key, char *buf, size_t cap)
{
	const char *v;
	int32_t len;
	if (dlt_schema__metadata_get(s, key, &v, &len) < 0 || len < 0 || (size_t)len >= cap)
		return NULL;
	memcpy(buf, v, (size_t)len);
	buf[len] = 0;
	return buf;
}

const char *dlt_table__physical_name(const struct ArrowSchema *lf, dlt_match_mode mode,
                                    char *buf, size_t cap)
{
	const char *pn;
	if (mode == DLT_MATCH_NAME)
		return lf->name;
	pn = meta_str(lf, "delta.columnMapping.physicalName", buf, cap);
	return pn ? pn : lf->name;
}

int64_t dlt_table__find_child(const struct ArrowSchema *ps, const struct ArrowSchema *lf,
                              dlt_match_mode mode)
{
	char buf[256];
	const char *want = lf->name;
	int64_t i;

	if (mode == DLT_MATCH_FIELD_ID) {
		const char *id = meta_str(lf, "delta.columnMapping.id", buf, sizeof(buf));
		if (id != NULL) {
			for (i = 0; i < ps->n_children; i++) {
				char b2[64];
				const char *fid =
					meta_str(ps->children[i], "PARQUET:field_id", b2, sizeof(b2));
				if (fid != NULL && strcmp(fid, id) == 0)
					return i;
			}
		}
		/* files written before id mode was enabled, or without ids: physical name */
		mode = DLT_MATCH_PHYSICAL;
	}
	if (mode == DLT_MATCH_PHYSICAL) {
		const char *pn = meta_str(lf, "delta.columnMapping.physicalName", buf, sizeof(buf));
		if (pn != NULL)
			want = pn;
	}
	if (want == NULL)
		return -1;
	for (i = 0; i < ps->n_children; i++)
		if (ps->children[i]->name != NULL && strcmp(ps->children[i]->name, want) == 0)
			return i;
	for (i = 0; i < ps->n_children; i++)
		if (ps->children[i]->name != NULL && strcasecmp(ps->children[i]->name, want) == 0)
			return i;
	return -1;
}

int dlt_table__nulls(struct ArrowArray *out, const struct ArrowSchema *s, int64_t n,
                     dlt_error *err)
{
	dlt_builder *b = NULL;
	int rc;
	if ((rc = dlt_builder__new(&b, s, err)) < 0)
		return rc;
	if ((rc = dlt_builder__append_nulls(b, n, err)) == DLT_OK)
		rc = dlt_builder__finish(out, b, err);
	dlt_builder__free(b);
	return rc;
}

/* Validity bits [off, off + n) of `a` into a new bitmap; NULL when all valid. */
static int copy_validity(uint8_t **out, int64_t *null_count, const struct ArrowArray *a,
                         int64_t off, int64_t n, dlt_error *err)
{
	uint8_t *bm;
	int64_t i, nulls = 0;
	*out = NULL;
	*null_count = 0;
	if (a->n_buffers < 1 || a->buffers[0] == NULL || n == 0)
		return DLT_OK;
	if ((bm = dlt_calloc((size_t)(n + 7) / 8 + 1, 1)) == NULL)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		bool v = dlt_arrow__bit(a->buffers[0], off + i);
		dlt_arrow__set_bit(bm, i, v);
		nulls += !v;
	}
	*out = bm;
	*null_count = nulls;
	return DLT_OK;
}

bool dlt_table__same_leaf(const char *l, const char *p)
{
	if (strcmp(l, p) == 0)
		return true;
	/* timestamps of one unit: the time zone is a property of the logical type */
	if (strncmp(l, "ts", 2) == 0 && strncmp(p, "ts", 2) == 0 && l[2] == p[2] && l[2] != 0)
		return true;
	/* utf8 read for a binary logical column and the reverse: same layout */
	if ((l[0] == 'z' || l[0] == 'u') && (p[0] == 'z' || p[0] == 'u') && !l[1] && !p[1])
		return true;
	return false;
}

/* Whether physical `ps` needs no conversion to logical `ls` (same layout,
 * same children in the same order): its arrays can be passed on unchanged. */
static bool identical_rec(const struct ArrowSchema *ls, const struct ArrowSchema *ps,
                           dlt_match_mode mode, bool by_position, int depth)
{
	const char *lf = ls->format, *pf = ps->format;
	int64_t i;
	if (depth > 64 || ps->dictionary != NULL || ls->dictionary != NULL)
		return false;
	if (lf[0] != '+')
		return pf[0] != '+' && strcmp(lf, "n") != 0 && dlt_table__same_leaf(lf, pf);
	if (strcmp(lf, pf) != 0 || ls->n_children != ps->n_children)
		return false;
	if (strcmp(lf, "+s") == 0) {
		for (i = 0; i < ls->n_children; i++)
			if ((!by_position && dlt_table__find_child(ps, ls->children[i], mode) != i) ||
			    !identical_rec(ls->children[i], ps->children[i], mode, false, depth + 1))
				return false;
		return true;
	}
	if (strcmp(lf, "+l") == 0)
		return ls->n_children == 1 &&
		       identical_rec(ls->children[0], ps->children[0], mode, false, depth + 1);
	if (strcmp(lf, "+m") == 0) /* entries struct matched by position */
		return ls->n_children == 1 &&
		       identical_rec(ls->children[0], ps->children[0], mode, true, depth + 1);
	return false;
}

bool dlt_table__identical_type(const struct ArrowSchema *ls, const struct ArrowSchema *ps,
                               dlt_match_mode mode)
{
	return identical_rec(ls, ps, mode, false, 0);
}

static int conform_rec(struct ArrowArray *out, const struct ArrowSchema *ls,
                       const struct ArrowSchema *ps, const struct ArrowArray *view,
                       int64_t n, dlt_match_mode mode, int depth, dlt_error *err);


static int conform_struct(struct ArrowArray *out, const struct ArrowSchema *ls,
                          const struct ArrowSchema *ps, const struct ArrowArray *v, int64_t n,
                          dlt_match_mode mode, bool by_position, int depth, dlt_error *err)
{
	uint8_t *bm = NULL;
	int64_t nulls = 0, i;
	int rc;

	if ((rc = dlt_array__init(out, 1, ls->n_children, err)) < 0)
		return rc;
	out->length = n;
	if ((rc = copy_validity(&bm, &nulls, v, v->offset, n, err)) < 0)
		goto fail;
	dlt_array__set_buffer(out, 0, bm);
	out->null_count = nulls;
	for (i = 0; i < ls->n_children; i++) {
		int64_t j = by_position ? (i < ps->n_children ? i : -1)
		                        : dlt_table__find_child(ps, ls->children[i], mode);
		struct ArrowArray cv;
		if (j < 0 || j >= v->n_children) {
			rc = dlt_table__nulls(out->children[i], ls->children[i], n, err);
		} else {
			cv = *v->children[j];
			cv.offset += v->offset;
			cv.length = n;
			cv.release = NULL;
			rc = conform_rec(out->children[i], ls->children[i], ps->children[j], &cv, n,
			                 mode, depth + 1, err);
		}
		if (rc < 0)
			goto fail;
	}
	return DLT_OK;
fail:
	dlt_array__release(out);
	return rc;
}

static int conform_list(struct ArrowArray *out, const struct ArrowSchema *ls,
                        const struct ArrowSchema *ps, const struct ArrowArray *v, int64_t n,
                        dlt_match_mode mode, int depth, dlt_error *err)
{
	const int32_t *po = v->buffers[1];
	int32_t *offs;
	uint8_t *bm = NULL;
	int64_t nulls = 0, i;
	int32_t first;
	struct ArrowArray cv;
	int rc;

	if ((rc = dlt_array__init(out, 2, 1, err)) < 0)
		return rc;
	out->length = n;
	if ((offs = dlt_malloc(sizeof(int32_t) * (size_t)(n + 1))) == NULL) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto fail;
	}
	dlt_array__set_buffer(out, 1, offs);
	first = po ? po[v->offset] : 0;
	for (i = 0; i <= n; i++)
		offs[i] = po ? po[v->offset + i] - first : 0;
	if ((rc = copy_validity(&bm, &nulls, v, v->offset, n, err)) < 0)
		goto fail;
	dlt_array__set_buffer(out, 0, bm);
	out->null_count = nulls;
	cv = *v->children[0];
	cv.offset += first;
	cv.length = offs[n];
	cv.release = NULL;
	if (ls->format[1] == 'm')
		rc = conform_struct(out->children[0], ls->children[0], ps->children[0], &cv,
		                    offs[n], mode, true, depth + 1, err);
	else
		rc = conform_rec(out->children[0], ls->children[0], ps->children[0], &cv, offs[n],
		                 mode, depth + 1, err);
	if (rc < 0)
		goto fail;
	return DLT_OK;
fail:
	dlt_array__release(out);
	return rc;
}

static int conform_rec(struct ArrowArray *out, const struct ArrowSchema *ls,
                       const struct ArrowSchema *ps, const struct ArrowArray *view,
                       int64_t n, dlt_match_mode mode, int depth, dlt_error *err)
{
	const char *lf = ls->format, *pf = ps->format;

	memset(out, 0, sizeof(*out));
	if (depth > 64)
		return dlt_error_set(err, DLT_ELIMIT, "column '%s': nesting deeper than 64",
		                     ls->name ? ls->name : "");
	if (strcmp(lf, "n") == 0)
		return dlt_table__nulls(out, ls, n, err);
	if (strcmp(lf, "+s") == 0) {
		if (strcmp(pf, "+s") != 0)
			goto mismatch;
		if (dlt_schema__delta_type_is(ls, "variant", false) && dlt_variant__is_shredded(ps)) {
			/* variantShredding: rebuild each value from value + typed_value */
			struct ArrowArray whole = *view;
			whole.length = n;
			int rc = dlt_variant__unshred(out, ps, &whole, err);
			if (rc < 0)
				dlt_error_prefix(err, "column '%s'", ls->name ? ls->name : "");
			return rc;
		}
		return conform_struct(out, ls, ps, view, n, mode, false, depth, err);
	}
	if (strcmp(lf, "+l") == 0 || strcmp(lf, "+m") == 0) {
		if (strcmp(pf, lf) != 0 || ps->n_children != 1 || view->n_children != 1 ||
		    ls->n_children != 1)
			goto mismatch;
		return conform_list(out, ls, ps, view, n, mode, depth, err);
	}
	if (lf[0] == '+')
		goto mismatch;
	if (pf[0] == '+')
		goto mismatch;
	if (dlt_table__same_leaf(lf, pf)) {
		int rc = dlt_compute__slice(out, ps, view, 0, n, err);
		return rc;
	}
	{
		int rc = dlt_compute__cast(out, ps, view, lf, DLT_CAST_SAFE, err);
		if (rc < 0)
			return dlt_error_prefix(err, "column '%s': reading %s as %s",
			                        ls->name ? ls->name : "", pf, lf);
		return rc;
	}
mismatch:
	return dlt_error_set(err, DLT_ESCHEMA,
	                     "column '%s': file has type %s where the table schema has %s",
	                     ls->name ? ls->name : "", pf, lf);
}

int dlt_table__conform(struct ArrowArray *out, const struct ArrowSchema *ls,
                       const struct ArrowSchema *ps, const struct ArrowArray *pa,
                       int64_t length, dlt_match_mode mode, dlt_error *err)
{
	struct ArrowArray v;
	if (pa == NULL || ps == NULL)
		return dlt_table__nulls(out, ls, length, err);
	v = *pa;
	v.release = NULL;
	return conform_rec(out, ls, ps, &v, length, mode, 0, err);
}
