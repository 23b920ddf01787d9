/*
 * Vectorized compute kernels over Arrow arrays (src/arrow/arrow.h):
 * selection (filter, take, concat, slice), comparisons and Kleene logic,
 * arithmetic, casts, row hashing/equality and multi-column sort indices.
 *
 * Conventions:
 * - Inputs are borrowed and must be valid (dlt_arrow__validate'd if foreign).
 *   Outputs are arrays we own (release with dlt_array__release / ->release).
 * - A "record batch" is a struct array; its offset applies to the children.
 * - Logical index i of array `a` is physical slot a->offset + i.
 * - Null semantics follow SQL: null in -> null out, except where noted.
 * - Errors: DLT_EINVAL (bad arguments, index out of range), DLT_ESCHEMA
 *   (incompatible types, strict cast failures), DLT_ELIMIT (overflow, naming
 *   the row), DLT_EUNSUPPORTED (type combination not implemented), DLT_ENOMEM.
 */
#ifndef DLT_COMPUTE_COMPUTE_H
#define DLT_COMPUTE_COMPUTE_H

#include "arrow/arrow.h"

#include <stdbool.h>
#include <stdint.h>

/* An operand: an array, or a scalar = element 0 of a length-1 array
 * broadcast against the other operand. */
typedef struct dlt_datum {
	const struct ArrowSchema *schema;
	const struct ArrowArray *array;
	bool is_scalar;
} dlt_datum;

/* ---------- selection: output has the input's schema ---------- */

/*
 * Keep rows where `mask` (a boolean array of a->length) is true; a null in the
 * mask drops the row. Works for every type incl. nested and record batches;
 * dictionary-encoded input stays dictionary-encoded (dictionary copied).
 */
int dlt_compute__filter(struct ArrowArray *out, const struct ArrowSchema *schema,
                        const struct ArrowArray *a, const struct ArrowArray *mask,
                        dlt_error *err);
/* Rows a[idx[0]], ..., a[idx[n-1]]; idx -1 gives a null row. Other
 * out-of-range indices: DLT_EINVAL naming the position. */
int dlt_compute__take(struct ArrowArray *out, const struct ArrowSchema *schema,
                      const struct ArrowArray *a, const int64_t *idx, int64_t n,
                      dlt_error *err);
/* Number of true (valid and set) bits of a boolean mask, and the selection
 * vector (positions of those rows, ascending) into idx_out (room for n_true). */
int64_t dlt_compute__mask_count(const struct ArrowArray *mask);
void dlt_compute__mask_indices(int64_t *idx_out, const struct ArrowArray *mask);
/* Concatenate n arrays of the same schema into one. Dictionary-encoded inputs
 * with different dictionaries get their dictionaries concatenated (indices
 * shifted; DLT_ELIMIT if the index type overflows). */
int dlt_compute__concat(struct ArrowArray *out, const struct ArrowSchema *schema,
                        const struct ArrowArray *const *arrays, int64_t n, dlt_error *err);
/* Copying slice [offset, offset + length) of `a` (compacted buffers). */
int dlt_compute__slice(struct ArrowArray *out, const struct ArrowSchema *schema,
                       const struct ArrowArray *a, int64_t offset, int64_t length,
                       dlt_error *err);
/* Decode a dictionary-encoded array (schema->dictionary set) into a plain
 * array of the value type (schema->dictionary). DLT_ECORRUPT for an index
 * outside the dictionary. */
int dlt_compute__decode_dictionary(struct ArrowArray *out, const struct ArrowSchema *schema,
                                   const struct ArrowArray *a, dlt_error *err);
/* Zero-copy slice of a shared array (dlt_array__share). */
int dlt_compute__slice_shared(struct ArrowArray *out, dlt_shared_array *sh, int64_t offset,
                              int64_t length, dlt_error *err);

/* ---------- comparisons: output is a boolean array ("b") ---------- */

typedef enum dlt_cmp_op {
	DLT_CMP_EQ = 0,
	DLT_CMP_NE,
	DLT_CMP_LT,
	DLT_CMP_LE,
	DLT_CMP_GT,
	DLT_CMP_GE
} dlt_cmp_op;

/*
 * Compare l op r element-wise (or against a scalar). Numbers compare exactly
 * across widths/signedness (int64 vs uint64, int vs double); decimals across
 * scales (decimal vs float: the decimal is converted to double, as Spark
 * does); strings/binary bytewise; booleans false < true; date32/date64/
 * timestamps across units exactly. NaN equals NaN and is greater than every
 * other number (Spark). Null in either input gives null. Incompatible types:
 * DLT_ESCHEMA. Lengths must match unless one side is a scalar.
 */
int dlt_compute__compare(struct ArrowArray *out, dlt_cmp_op op, const dlt_datum *l,
                         const dlt_datum *r, dlt_error *err);
/* Non-nullable boolean: validity of each element. */
int dlt_compute__is_null(struct ArrowArray *out, const struct ArrowSchema *schema,
                         const struct ArrowArray *a, dlt_error *err);
int dlt_compute__is_not_null(struct ArrowArray *out, const struct ArrowSchema *schema,
                             const struct ArrowArray *a, dlt_error *err);
/* a IN (values[0], values[1], ...) with SQL semantics: null if a is null, true
 * if some value equals a, else null if some value is null, else false. */
int dlt_compute__in(struct ArrowArray *out, const struct ArrowSchema *schema,
                    const struct ArrowArray *a, const struct ArrowSchema *values_schema,
                    const struct ArrowArray *values, dlt_error *err);
/* Kleene three-valued logic over boolean arrays of equal length. */
int dlt_compute__and(struct ArrowArray *out, const struct ArrowArray *l,
                     const struct ArrowArray *r, dlt_error *err);
int dlt_compute__or(struct ArrowArray *out, const struct ArrowArray *l,
                    const struct ArrowArray *r, dlt_error *err);
int dlt_compute__not(struct ArrowArray *out, const struct ArrowArray *a, dlt_error *err);
/* Null becomes false; result has no validity bitmap (a filter mask). */
int dlt_compute__mask_coalesce_false(struct ArrowArray *out, const struct ArrowArray *a,
                                     dlt_error *err);

/* ---------- arithmetic ---------- */

typedef enum dlt_arith_op {
	DLT_ARITH_ADD = 0,
	DLT_ARITH_SUB,
	DLT_ARITH_MUL,
	DLT_ARITH_DIV,
	DLT_ARITH_MOD
} dlt_arith_op;

/*
 * l op r. Result type (written to *out_schema, owned by the caller):
 * - integers: the wider type (signed if either is signed; a signed/unsigned
 *   mix widens to the next signed width, int64 at most). Overflow, and
 *   INT_MIN / -1: DLT_ELIMIT naming the row. DIV is integer division
 *   truncating toward zero, MOD has the sign of the dividend.
 * - any float involved: float64 (float32 op float32: float32).
 * - decimals (and integers mixed with decimals): Spark's result precision and
 *   scale (p <= 38, scale reduced with rounding half-up when p would exceed 38);
 *   a result not fitting its precision: DLT_ELIMIT naming the row.
 *   decimal256 operands: DLT_EUNSUPPORTED.
 * Division or modulo by zero gives null (Spark non-ANSI semantics), for
 * integers, floats and decimals alike.
 */
int dlt_compute__arith(struct ArrowArray *out, struct ArrowSchema *out_schema, dlt_arith_op op,
                       const dlt_datum *l, const dlt_datum *r, dlt_error *err);
/* -a, same type; DLT_ELIMIT for the minimum signed integer. */
int dlt_compute__negate(struct ArrowArray *out, const struct ArrowSchema *schema,
                        const struct ArrowArray *a, dlt_error *err);

/* ---------- casts ---------- */

typedef enum dlt_cast_mode {
	DLT_CAST_STRICT = 0, /* unparsable / out of range: DLT_ESCHEMA naming row and text */
	DLT_CAST_SAFE        /* unparsable / out of range: null */
} dlt_cast_mode;

/*
 * Cast `a` to the Arrow type `to_format` ("i", "l", "g", "d:10,2", "tsu:UTC",
 * "tdD", "u", ...). Supported: int<->int (range checked), int<->float
 * (float->int truncates toward zero, range checked), int/float<->decimal
 * (exact; rounding half-up), decimal rescale/reprecision, bool<->int,
 * date32<->timestamp, timestamp unit changes (coarser: floor), anything
 * primitive -> string (canonical text), string -> number/bool/date/
 * timestamp/decimal, same type (copy). Dictionary input is decoded first.
 * Other pairs: DLT_EUNSUPPORTED.
 */
int dlt_compute__cast(struct ArrowArray *out, const struct ArrowSchema *schema,
                      const struct ArrowArray *a, const char *to_format, dlt_cast_mode mode,
                      dlt_error *err);

/* ---------- hashing and row equality ---------- */

/* A column: schema + array (each of the same length within a call). */
typedef struct dlt_column {
	const struct ArrowSchema *schema;
	const struct ArrowArray *array;
} dlt_column;

/*
 * out[i] = 64-bit hash of row i over n_cols columns (any type incl. nested and
 * dictionary-encoded: a dictionary-encoded value hashes like the plain value).
 * Nulls hash to a fixed value; equal values of the same type hash equal
 * (-0.0 and 0.0 alike, all NaNs alike). Not stable across versions.
 */
int dlt_compute__hash_rows(uint64_t *out, const dlt_column *cols, int64_t n_cols,
                           int64_t n_rows, dlt_error *err);
/*
 * out[k] = 1 if row lrows[k] of `l` equals row rrows[k] of `r` over all n_cols
 * column pairs (same types), else 0. Null equals null only if nulls_equal.
 * NaN equals NaN.
 */
int dlt_compute__rows_equal(uint8_t *out, const dlt_column *l, const int64_t *lrows,
                            const dlt_column *r, const int64_t *rrows, int64_t n_cols,
                            int64_t n, bool nulls_equal, dlt_error *err);

/* ---------- sorting ---------- */

typedef struct dlt_sort_key {
	dlt_column col;
	bool descending;
	bool nulls_first;
} dlt_sort_key;

/*
 * Stable sort of n_rows rows by the keys: out (n_rows entries) gets the row
 * indices in sorted order. Keys: integers, floats (NaN after all numbers in
 * ascending order), decimals, booleans, strings/binary (bytewise), dates,
 * times, timestamps, durations, dictionary-encoded of those. Nested key
 * types: DLT_EUNSUPPORTED.
 */
int dlt_compute__sort_indices(int64_t *out, const dlt_sort_key *keys, int64_t n_keys,
                              int64_t n_rows, dlt_error *err);

#endif /* DLT_COMPUTE_COMPUTE_H */
