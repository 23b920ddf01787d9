/* Parsed type tree of a schema, so per-value code never re-parses formats. */
#ifndef DLT_COMPUTE_TYPETREE_H
#define DLT_COMPUTE_TYPETREE_H

#include "compute/kernels.h"

typedef struct dlt_tnode {
	dlt_type_view tv;
	const struct ArrowSchema *s;
	int64_t n_children;
	struct dlt_tnode *children; /* n_children */
	struct dlt_tnode *dict;     /* value type of a dictionary-encoded schema */
} dlt_tnode;

int dlt_compute__tnode_build(dlt_tnode *out, const struct ArrowSchema *s, int depth,
                             dlt_error *err);
void dlt_compute__tnode_free(dlt_tnode *t);

#endif /* DLT_COMPUTE_TYPETREE_H */
