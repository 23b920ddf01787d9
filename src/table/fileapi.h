/*
 * Per-file helpers for operations that change rows (src/ops/dml.h): data
 * skipping of one file against a predicate, and reading one file as logical
 * batches with its deletion vector applied and the physical row index of
 * every row. Implemented in fileapi.c. Never exported.
 */
#ifndef DLT_TABLE_FILEAPI_H
#define DLT_TABLE_FILEAPI_H

#include "table/table.h"

/* Skipping one file at a time: partition values, then statistics
 * (top-level primitive columns). */
typedef struct dlt_table_skipper dlt_table_skipper;
/* pred (cloned; NULL: every file matches) is typed against snap->schema
 * (DLT_ESCHEMA / DLT_ENOTFOUND on typing errors). */
int dlt_table__skipper_new(dlt_table_skipper **out, dlt_snapshot *snap, const dlt_expr *pred,
                           dlt_error *err);
/* *may: 0 = certainly no TRUE row (*by_partition: decided by partition
 * values alone); 1 = may match. *all_match: the predicate only uses
 * partition columns and is TRUE for this file's values (every row matches). */
int dlt_table__skipper_check(dlt_table_skipper *s, const dlt_log_file *f, int *may,
                             bool *by_partition, bool *all_match, dlt_error *err);
void dlt_table__skipper_free(dlt_table_skipper *s);

/* Reading one file of a snapshot: logical batches of snap->schema (all
 * columns, partition values filled), rows deleted by the file's DV dropped,
 * with the physical row index (0-based position in the Parquet file) of
 * every returned row. */
typedef struct dlt_table_rows dlt_table_rows;
int dlt_table__rows_open(dlt_table_rows **out, dlt_snapshot *snap, const dlt_log_file *f,
                         dlt_error *err);
/* Options of dlt_table__rows_open_ex (all borrowed for the reader's life). */
typedef struct dlt_table_rows_opts {
	const dlt_expr *columns_of;      /* read only the top-level columns this expression
	                                  * references (batches of dlt_table__rows_schema);
	                                  * NULL, or unknown/no columns: every column */
	const dlt_expr *skip;            /* row groups whose Parquet statistics prove no
	                                  * row makes it TRUE are not read (their rows are
	                                  * not returned); NULL: read all */
} dlt_table_rows_opts;
/* As dlt_table__rows_open, projected and skipping by o (NULL: as rows_open). */
int dlt_table__rows_open_ex(dlt_table_rows **out, dlt_snapshot *snap, const dlt_log_file *f,
                            const dlt_table_rows_opts *o, dlt_error *err);
/* Schema of the batches (snap->schema unless projected); borrowed. */
const struct ArrowSchema *dlt_table__rows_schema(const dlt_table_rows *r);
/* Row groups read / skipped so far. */
void dlt_table__rows_counters(const dlt_table_rows *r, int64_t *rg_read, int64_t *rg_skipped);
/* Next batch (out->release NULL at the end); *row_idx: batch-length array,
 * owned by the reader, valid until the next call. */
int dlt_table__rows_next(dlt_table_rows *r, struct ArrowArray *out, const int64_t **row_idx,
                         dlt_error *err);
/* The file's existing DV (NULL: none); borrowed while r lives. */
const dlt_dv_bitmap *dlt_table__rows_dv(const dlt_table_rows *r);
/* Physical rows decoded so far (after the end: the file's row count, or the end
 * of the last row group read when row groups were skipped). */
int64_t dlt_table__rows_physical(const dlt_table_rows *r);
void dlt_table__rows_free(dlt_table_rows *r);

#endif /* DLT_TABLE_FILEAPI_H */
