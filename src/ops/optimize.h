/* Internal to OPTIMIZE (src/ops/optimize.c, zorder.c). Never exported. */
#ifndef DLT_OPS_OPTIMIZE_H
#define DLT_OPS_OPTIMIZE_H

#include "deltalite/optimize.h"
#include "compute/compute.h"

#include <stdbool.h>
#include <stdint.h>

/* ------------------------------------------------------------ zorder.c -- */

/* Can values of Arrow format `format` be Z-ordered (mapped to a sortable
 * unsigned key)? Integers, floats, decimal128, bool, dates, times,
 * timestamps, durations, strings and binaries (plain or large), fixed
 * binaries; dictionary-encoded of those (checked on the value type). */
bool dlt_ops__zorder_orderable(const struct ArrowSchema *schema);

/*
 * Row order of a Z-order sort: out (n_rows entries) gets the row indices
 * sorted by the interleaved bits of the columns. Each column's values are
 * mapped to an order-preserving unsigned 64-bit key (signed integers: sign
 * bit flipped; floats: IEEE total order; strings/binaries: first 8 bytes
 * big-endian; dates/timestamps: their integers; decimals: the value
 * saturated to int64), then to their dense rank among the column's values
 * (nulls first: rank 0), scaled to 64 / n_cols bits (at most 32), so that
 * every column contributes equally whatever its value distribution. Ties
 * keep the input order. DLT_EUNSUPPORTED naming a column whose type is not
 * orderable.
 */
int dlt_ops__zorder_indices(int64_t *out, const dlt_column *cols, size_t n_cols,
                            int64_t n_rows, dlt_error *err);

/* ---------------------------------------------------------- optimize.c -- */

/* Called after every bin is rewritten and staged, just before the commit
 * (tests use it to commit concurrently). A negative return aborts. */
typedef int (*dlt_ops_optimize_hook)(dlt_table *table, void *payload, dlt_error *err);

/* dlt_table_optimize with a hook (NULL: none). */
int dlt_ops__optimize_run(dlt_optimize_metrics *out, dlt_table *table,
                          const dlt_optimize_options *opts, dlt_ops_optimize_hook hook,
                          void *payload, dlt_error *err);

#endif /* DLT_OPS_OPTIMIZE_H */
