/* Zero-copy sharing: one holder owns the source array; every exported view
 * mirrors the source tree (its own child structs) and holds one reference. */
#include "arrow/arrow.h"

#include <stdatomic.h>

#define DLT_ARROW_MAX_DEPTH 64

struct dlt_shared_array {
	atomic_llong refs;
	struct ArrowArray arr;
};

/* private_data of an exported node */
typedef struct view_priv {
	dlt_shared_array *sh;
	struct ArrowArray **children; /* n_children pointers, each its own block */
	struct ArrowArray *dictionary;
} view_priv;

static void shared_unref(dlt_shared_array *sh)
{
	if (sh && atomic_fetch_sub(&sh->refs, 1) == 1) {
		if (sh->arr.release)
			sh->arr.release(&sh->arr);
		dlt_free(sh);
	}
}

static void view_release(struct ArrowArray *a)
{
	view_priv *p;
	if (!a || !a->release)
		return;
	p = a->private_data;
	if (p->children) {
		for (int64_t i = 0; i < a->n_children; i++) {
			if (p->children[i] && p->children[i]->release)
				p->children[i]->release(p->children[i]);
			dlt_free(p->children[i]);
		}
		dlt_free(p->children);
	}
	if (p->dictionary) {
		if (p->dictionary->release)
			p->dictionary->release(p->dictionary);
		dlt_free(p->dictionary);
	}
	shared_unref(p->sh);
	dlt_free(p);
	a->release = NULL;
}

/* A view of `src` (a node of sh->arr) into *out, taking one reference. */
static int view_make(struct ArrowArray *out, dlt_shared_array *sh, const struct ArrowArray *src,
                     int depth, dlt_error *err)
{
	view_priv *p;
	int rc;

	memset(out, 0, sizeof(*out));
	if (depth > DLT_ARROW_MAX_DEPTH)
		return dlt_error_set(err, DLT_ECORRUPT, "shared array: nesting deeper than %d",
		                     DLT_ARROW_MAX_DEPTH);
	p = dlt_calloc(1, sizeof(*p));
	if (!p)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory exporting a shared array");
	atomic_fetch_add(&sh->refs, 1);
	p->sh = sh;
	*out = *src;
	out->children = NULL;
	out->dictionary = NULL;
	out->private_data = p;
	out->release = view_release;
	out->n_children = 0; /* raised as children are made, so release frees only those */
	if (src->n_children > 0) {
		p->children = dlt_calloc((size_t)src->n_children, sizeof(*p->children));
		if (!p->children)
			goto oom;
		out->children = p->children;
		out->n_children = src->n_children;
		for (int64_t i = 0; i < src->n_children; i++) {
			p->children[i] = dlt_calloc(1, sizeof(struct ArrowArray));
			if (!p->children[i])
				goto oom;
			if ((rc = view_make(p->children[i], sh, src->children[i], depth + 1, err)) < 0)
				goto fail;
		}
	}
	if (src->dictionary) {
		p->dictionary = dlt_calloc(1, sizeof(struct ArrowArray));
		if (!p->dictionary)
			goto oom;
		out->dictionary = p->dictionary;
		if ((rc = view_make(p->dictionary, sh, src->dictionary, depth + 1, err)) < 0)
			goto fail;
	}
	return DLT_OK;
oom:
	rc = dlt_error_set(err, DLT_ENOMEM, "out of memory exporting a shared array");
fail:
	view_release(out);
	return rc;
}

int dlt_array__share(dlt_shared_array **out, struct ArrowArray *src, dlt_error *err)
{
	dlt_shared_array *sh;
	DLT_ARG_CHECK(out != NULL && src != NULL && src->release != NULL, err);
	*out = NULL;
	sh = dlt_calloc(1, sizeof(*sh));
	if (!sh)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory sharing an array");
	atomic_init(&sh->refs, 1);
	dlt_array__move(&sh->arr, src);
	*out = sh;
	return DLT_OK;
}

static int export_node(struct ArrowArray *out, dlt_shared_array *sh,
                       const struct ArrowArray *node, int64_t base, int64_t offset,
                       int64_t length, int64_t parent_len, dlt_error *err)
{
	int rc;
	if (offset < 0 || length < 0 || offset > parent_len || length > parent_len - offset)
		return dlt_error_set(err, DLT_EINVAL, "shared array: slice [%" PRId64 ", +%" PRId64
		                     ") out of range for length %" PRId64, offset, length, parent_len);
	if ((rc = view_make(out, sh, node, 0, err)) < 0)
		return rc;
	out->offset = base + offset;
	out->length = length;
	if (out->offset != node->offset || out->length != node->length)
		out->null_count = node->null_count == 0 ? 0 : -1;
	return DLT_OK;
}

int dlt_shared__export(struct ArrowArray *out, dlt_shared_array *sh, int64_t offset,
                       int64_t length, dlt_error *err)
{
	DLT_ARG_CHECK(out != NULL && sh != NULL, err);
	return export_node(out, sh, &sh->arr, sh->arr.offset, offset, length, sh->arr.length, err);
}

int dlt_shared__export_child(struct ArrowArray *out, dlt_shared_array *sh, int64_t child,
                             int64_t offset, int64_t length, dlt_error *err)
{
	const struct ArrowArray *c;
	DLT_ARG_CHECK(out != NULL && sh != NULL, err);
	if (child < 0 || child >= sh->arr.n_children)
		return dlt_error_set(err, DLT_EINVAL, "shared array: no child %" PRId64, child);
	c = sh->arr.children[child];
	/* A struct's offset applies to its children too. */
	return export_node(out, sh, c, c->offset + sh->arr.offset, offset, length, sh->arr.length,
	                   err);
}

void dlt_shared__release(dlt_shared_array *sh) { shared_unref(sh); }
