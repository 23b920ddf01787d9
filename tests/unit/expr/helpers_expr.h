/* Test helpers for expressions: small arrays and batches from literals. */
#ifndef DLT_TEST_EXPR_HELPERS_H
#define DLT_TEST_EXPR_HELPERS_H

#include "expr/expr.h"

/* Leaf field schema (nullable). */
void x_leaf(struct ArrowSchema *s, const char *fmt, const char *name);
/* Struct schema named `name` over n children (moved in). */
void x_struct_schema(struct ArrowSchema *s, const char *name, struct ArrowSchema *children,
                     int64_t n);
/* Fixed-width array (width bytes each); valid: "1"/"0" per element or NULL. */
void x_fixed(struct ArrowArray *a, const void *vals, int width, int64_t n, const char *valid);
/* Boolean array from text: '1' true, '0' false, 'n' null. */
void x_bool(struct ArrowArray *a, const char *text);
/* String array; NULL entries are nulls. */
void x_str(struct ArrowArray *a, const char *const *v, int64_t n);
/* Struct array over children (moved in); valid may be NULL. */
void x_struct(struct ArrowArray *a, struct ArrowArray *children, int64_t nc, int64_t n,
              const char *valid);
/* Boolean results as text ("10n"); buf holds length + 1. */
const char *x_bools(const struct ArrowArray *a, char *buf);
/* Evaluate sql over (schema, batch) and return the boolean text in buf; asserts success. */
const char *x_eval_bools(const char *sql, const struct ArrowSchema *s, const struct ArrowArray *b,
                         char *buf);
/* Parse then print; returns dlt_malloc'd text (asserts success). */
char *x_canon(const char *sql);

#endif
