/* Test helpers for compute kernels: build small arrays from literals and
 * read results back as text. All arrays/schemas are ours (release normally). */
#ifndef DLT_TEST_COMPUTE_HELPERS_H
#define DLT_TEST_COMPUTE_HELPERS_H

#include "compute/compute.h"

/* Leaf schema. */
void h_schema(struct ArrowSchema *s, const char *format);
/* Fixed-width array from raw values (width bytes each); valid: "1"/"0" per
 * element or NULL for all valid. */
void h_fixed(struct ArrowArray *a, const void *vals, int width, int64_t n, const char *valid);
void h_i32(struct ArrowArray *a, const int32_t *v, int64_t n, const char *valid);
void h_i64(struct ArrowArray *a, const int64_t *v, int64_t n, const char *valid);
void h_f64(struct ArrowArray *a, const double *v, int64_t n, const char *valid);
/* Decimal128 from int64 unscaled values. */
void h_dec(struct ArrowArray *a, const int64_t *v, int64_t n, const char *valid);
/* Boolean from text: '1' true, '0' false, 'n' null. */
void h_bool(struct ArrowArray *a, const char *text);
/* String (or binary) array; NULL entries are nulls. large: int64 offsets. */
void h_str(struct ArrowArray *a, const char *const *v, int64_t n, bool large);
/* Struct array of n rows with the given children (moved in); valid may be NULL. */
void h_struct(struct ArrowArray *a, struct ArrowArray *children, int64_t n_children, int64_t n,
              const char *valid);
/* List array (int32 offsets) over child (moved in); valid may be NULL. */
void h_list(struct ArrowArray *a, const int32_t *offsets, int64_t n, struct ArrowArray *child,
            const char *valid);
/* Struct/list schemas with children schemas moved in. */
void h_schema_nested(struct ArrowSchema *s, const char *format, struct ArrowSchema *children,
                     int64_t n);
/* Shift the start: offset += k, length -= k (null_count becomes unknown). */
void h_skip(struct ArrowArray *a, int64_t k);

/* Readers. */
bool h_null(const struct ArrowArray *a, int64_t i);
int64_t h_int(const struct ArrowArray *a, int width, int64_t i);
double h_dbl(const struct ArrowArray *a, int64_t i);
/* Booleans as text: "10n1". buf must hold length+1. */
const char *h_bools(const struct ArrowArray *a, char *buf);
/* String element i into buf ("<null>" for null). */
const char *h_strat(const struct ArrowArray *a, int64_t i, char *buf, size_t cap);
int64_t h_dec_at(const struct ArrowArray *a, int64_t i);

#endif
