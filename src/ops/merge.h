/*
 * Internal API of MERGE (include/deltalite/merge.h): the builder's clauses
 * (merge.c) and their execution (merge_exec.c). Never exported.
 */
#ifndef DLT_OPS_MERGE_H
#define DLT_OPS_MERGE_H

#include "deltalite/merge.h"
#include "deltalite/expr.h"
#include "expr/expr.h"

#include <stdbool.h>

typedef enum dlt_merge_kind {
	DLT_MERGE_MATCHED = 0,
	DLT_MERGE_NOT_MATCHED,           /* [BY TARGET]: source rows without a match */
	DLT_MERGE_NOT_MATCHED_BY_SOURCE  /* target rows without a match */
} dlt_merge_kind;

typedef enum dlt_merge_action {
	DLT_MERGE_UPDATE = 0,
	DLT_MERGE_DELETE,
	DLT_MERGE_INSERT
} dlt_merge_action;

/* One WHEN clause as given (unqualified column names not yet resolved). */
typedef struct dlt_merge_clause {
	dlt_merge_kind kind;
	dlt_merge_action action;
	char *cond_sql;                   /* NULL: none */
	dlt_expr *cond;
	bool star;                        /* UPDATE SET * / INSERT * */
	size_t n_set;
	char **cols;                      /* target column names */
	dlt_expr **vals;
	char **val_sql;
} dlt_merge_clause;

struct dlt_merge {
	dlt_table *table;
	struct ArrowArrayStream source;   /* release NULL once consumed */
	char *on_sql;
	dlt_expr *on;
	char *salias, *talias;
	dlt_merge_clause *clauses;
	size_t n_clauses, cap_clauses;
	dlt_merge_options opts;
	bool executed;
};

/* merge.c: split `text` at top-level commas (outside quotes, backquotes and
 * parentheses) into trimmed pieces (dlt_free each and the array). */
int dlt_merge__split(char ***out, size_t *n_out, const char *text, dlt_error *err);

/* merge.c: resolve the columns of `e` (in place) so each path starts with
 * an alias; `allow` bit 1: target columns, bit 2: source columns. *refs
 * |= the sides referenced. */
int dlt_merge__qualify(dlt_expr *e, const struct dlt_merge *m, const struct ArrowSchema *ts,
                       const struct ArrowSchema *ss, unsigned allow, unsigned *refs,
                       const char *what, dlt_error *err);

#define DLT_MERGE_REF_TARGET 1u
#define DLT_MERGE_REF_SOURCE 2u

#endif /* DLT_OPS_MERGE_H */
