/*
 * deltalite/dml.h - DELETE and UPDATE: change the rows of a table that match
 * a predicate, in one commit.
 *
 * Files are first pruned by partition values and column statistics; only
 * files that may hold matching rows are read. A file whose rows all match
 * a partition-only predicate is removed without being read. Two strategies,
 * as Delta defines them:
 *   - copy-on-write: every affected file is removed and its surviving (and,
 *     for UPDATE, updated) rows are written to new data files;
 *   - merge-on-read, when deletion vectors are enabled
 *     (delta.enableDeletionVectors, or opts->use_deletion_vectors = 1):
 *     the matching rows of a file are marked deleted in a deletion vector
 *     (merged with the file's existing one) and the file is re-added with
 *     it; UPDATE writes the updated rows to new files.
 * With delta.enableChangeDataFeed on, change data files (_change_data/,
 * column _change_type = "delete", "update_preimage", "update_postimage")
 * are written as Spark does, so dlt_table_changes reports the changes.
 *
 * The read predicate and the files read are declared to the transaction:
 * concurrent commits that add matching rows or remove files we read make
 * the commit fail with DLT_ECONFLICT (the table is then unchanged).
 * Updated rows are checked like written rows (NOT NULL, CHECK constraints,
 * invariants, generated columns): a violation fails with DLT_ESCHEMA
 * naming the constraint and the row, and nothing is committed.
 *
 * Thread safety: a dlt_table serves one thread at a time.
 */
#ifndef DELTALITE_DML_H
#define DELTALITE_DML_H

#include "common.h"
#include "table.h"
#include "storage.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a DELETE / UPDATE did (the operationMetrics Spark logs, and more). */
typedef struct dlt_dml_metrics {
	int64_t version;                   /* committed version; -1: nothing committed */
	int64_t num_deleted_rows;          /* DELETE: rows deleted */
	int64_t num_updated_rows;          /* UPDATE: rows changed */
	int64_t num_copied_rows;           /* unchanged rows rewritten (copy-on-write) */
	int64_t num_added_files;
	int64_t num_removed_files;
	int64_t num_added_change_files;
	int64_t num_deletion_vectors_added;
	int64_t num_deletion_vectors_removed;
	int64_t num_deletion_vectors_updated; /* a DV replaced by a larger one */
	int64_t num_added_bytes;
	int64_t num_removed_bytes;
	int64_t num_files_scanned;         /* candidate files read */
	int64_t num_files_skipped;         /* pruned by partition values or statistics */
	int64_t scan_time_ms;
	int64_t rewrite_time_ms;
	int64_t execution_time_ms;
} dlt_dml_metrics;

/** Options of DELETE / UPDATE. Fields are only appended; pointers borrowed. */
typedef struct dlt_dml_options {
	unsigned int version;              /* DLT_DML_OPTIONS_VERSION */
	int use_deletion_vectors;          /* -1: delta.enableDeletionVectors; 0: copy-on-
	                                    * write; 1: deletion vectors (the table must
	                                    * support the deletionVectors feature) */
	int write_cdf;                     /* -1: delta.enableChangeDataFeed; 0: never */
	const dlt_kv *commit_properties;   /* extra commitInfo fields (string values) */
	size_t commit_properties_len;
	int codec;                         /* dlt_parquet_codec of new files; default SNAPPY */
	int64_t target_file_size;          /* bytes; 0: 128 MiB */
} dlt_dml_options;
#define DLT_DML_OPTIONS_VERSION 1
#define DLT_DML_OPTIONS_INIT { DLT_DML_OPTIONS_VERSION, -1, -1, NULL, 0, 1, 0 }
/** Fill `opts` with defaults for `version` (DLT_EINVAL for an unknown version). */
DLT_API int dlt_dml_options_init(dlt_dml_options *opts, unsigned int version);

/**
 * DELETE FROM table WHERE predicate.
 * @param[out] metrics_out  may be NULL; filled on success (version -1 when
 *                          no row matched: nothing is committed).
 * @param predicate  SQL predicate (dlt_expr_parse grammar); NULL: every row.
 *                   Rows for which it is NULL are kept.
 * @param opts       may be NULL (defaults).
 * @return DLT_OK; DLT_EINVAL (parse error, bad options, append-only table);
 *         DLT_ENOTFOUND / DLT_ESCHEMA (unknown column, type error);
 *         DLT_ECONFLICT; DLT_EUNSUPPORTED; DLT_EIO...
 */
DLT_API int dlt_table_delete(dlt_dml_metrics *metrics_out, dlt_table *table,
                             const char *predicate, const dlt_dml_options *opts,
                             dlt_error *err);

/**
 * UPDATE table SET set_clause WHERE predicate.
 * @param set_clause  "a = a + 1, b = 'x', `c d` = NULL": assignments to
 *                    top-level columns, each an expression over the row's
 *                    current values (cast to the column's type).
 *                    Partition columns may be assigned (rows move).
 * @param predicate   NULL: every row.
 * @return as dlt_table_delete; DLT_ESCHEMA for a constraint or NOT NULL
 *         violation (table unchanged).
 */
DLT_API int dlt_table_update(dlt_dml_metrics *metrics_out, dlt_table *table,
                             const char *set_clause, const char *predicate,
                             const dlt_dml_options *opts, dlt_error *err);

/** UPDATE with the assignments as arrays: columns[i] = expressions[i] (SQL). */
DLT_API int dlt_table_update_columns(dlt_dml_metrics *metrics_out, dlt_table *table,
                                     const char *const *columns,
                                     const char *const *expressions, size_t n,
                                     const char *predicate, const dlt_dml_options *opts,
                                     dlt_error *err);

#ifdef __cplusplus
}
#endif
#endif /* DELTALITE_DML_H */
