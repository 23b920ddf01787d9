/*
 * deltalite/merge.h - MERGE INTO: upsert a source (an Arrow stream) into a
 * Delta table in one commit, with SQL MERGE semantics as Delta/Spark define
 * them.
 *
 *   dlt_merge *m;
 *   dlt_merge_new(&m, table, &source, "t.id = s.id", "s", "t", &err);
 *   dlt_merge_when_matched_update(m, "s.op = 'u'", "t.v = s.v, n = t.n + 1", &err);
 *   dlt_merge_when_matched_delete(m, "s.op = 'd'", &err);
 *   dlt_merge_when_not_matched_insert(m, NULL, NULL, NULL, &err);   (INSERT *)
 *   dlt_merge_execute(&metrics, m, &err);
 *   dlt_merge_free(m);
 *
 * Expressions use the grammar of deltalite/expr.h. Columns are written
 * `alias.col` (t.id, s.value); an unqualified name is resolved against both
 * sides and must be found in exactly one of them (else DLT_ESCHEMA
 * "ambiguous"). Names match case-insensitively.
 *
 * Semantics (as Spark/Delta):
 *   - A target row and a source row match when the ON predicate is TRUE
 *     (NULL never matches, so a NULL key matches nothing).
 *   - Clauses of each kind are tried in the order they were added; the first
 *     whose condition is TRUE acts, the others are skipped; a row for which
 *     no clause acts is left as it is (target) or not inserted (source).
 *     Only the last clause of a kind may lack a condition (DLT_EINVAL).
 *   - WHEN MATCHED: UPDATE SET ... / UPDATE SET * / DELETE, for each
 *     (target row, source row) pair. WHEN NOT MATCHED [BY TARGET]:
 *     INSERT (cols) VALUES (exprs) / INSERT *, for each source row matching
 *     no target row. WHEN NOT MATCHED BY SOURCE: UPDATE / DELETE of target
 *     rows matching no source row (their conditions may reference only the
 *     target).
 *   - A target row matched by more than one source row is an error
 *     (DLT_EINVAL "multiple source rows matched ... target row"), unless no
 *     MATCHED clause acts on any of its pairs or every pair deletes it.
 *   - SET * / INSERT * assign every target column from the source column of
 *     the same name. A target column missing in the source is DLT_ESCHEMA,
 *     except with schema evolution, where UPDATE SET * keeps it and INSERT *
 *     makes it NULL. Extra source columns are ignored, or with schema
 *     evolution added to the table (nullable, appended).
 *   - Values are cast to the target column type (an impossible or lossy
 *     cast: DLT_ESCHEMA naming the column). NOT NULL columns, CHECK
 *     constraints and invariants are enforced on every written row.
 *
 * Execution: the source is read once and held in memory in a hash table on
 * the equality conjuncts of ON (target expr = source expr); target files are
 * pruned with the source's key ranges and ON's target-only conjuncts (not
 * with NOT MATCHED BY SOURCE clauses, which need every target row). Files
 * with changed rows are rewritten (copy-on-write) or, with deletion vectors
 * enabled (delta.enableDeletionVectors) and requested, get a deletion vector
 * and the changed rows go to new files. With delta.enableChangeDataFeed,
 * change data files record insert / delete / update_preimage /
 * update_postimage rows. One commit: operation "MERGE", with Spark's
 * operationParameters and operationMetrics.
 *
 * A failed MERGE commits nothing: the table is left as it was.
 * Thread safety: a dlt_merge serves one thread at a time.
 */
#ifndef DELTALITE_MERGE_H
#define DELTALITE_MERGE_H

#include "common.h"
#include "arrow_c.h"
#include "table.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A MERGE being built (opaque). */
typedef struct dlt_merge dlt_merge;

/** What a MERGE did (Spark's operationMetrics names in comments). */
typedef struct dlt_merge_metrics {
	int64_t version;                          /* committed version; -1: nothing committed */
	int64_t num_source_rows;                  /* numSourceRows */
	int64_t num_target_rows_inserted;         /* numTargetRowsInserted */
	int64_t num_target_rows_updated;          /* numTargetRowsUpdated */
	int64_t num_target_rows_deleted;          /* numTargetRowsDeleted */
	int64_t num_target_rows_copied;           /* numTargetRowsCopied (copy-on-write) */
	int64_t num_target_rows_matched_updated;  /* numTargetRowsMatchedUpdated */
	int64_t num_target_rows_matched_deleted;  /* numTargetRowsMatchedDeleted */
	int64_t num_target_rows_not_matched_by_source_updated;
	int64_t num_target_rows_not_matched_by_source_deleted;
	int64_t num_target_files_added;           /* numTargetFilesAdded */
	int64_t num_target_files_removed;         /* numTargetFilesRemoved */
	int64_t num_target_change_files_added;    /* numTargetChangeFilesAdded */
	int64_t num_target_deletion_vectors_added; /* numTargetDeletionVectorsAdded */
	int64_t num_target_bytes_added;           /* numTargetBytesAdded */
	int64_t num_target_bytes_removed;         /* numTargetBytesRemoved */
	int64_t num_target_files_scanned;         /* target files read (after pruning) */
	int64_t num_target_files_skipped;         /* target files pruned */
	int64_t source_memory_bytes;              /* bytes held for the source + hash table */
	int64_t execution_time_ms;                /* executionTimeMs */
	int64_t scan_time_ms;                     /* scanTimeMs */
	int64_t rewrite_time_ms;                  /* rewriteTimeMs */
} dlt_merge_metrics;

/**
 * Start a MERGE of `source` into `table` (its latest snapshot when executed).
 * @param[out] out      new builder (dlt_merge_free); NULL on failure.
 * @param source        consumed on every path (released by dlt_merge_free at
 *                      the latest); a stream of struct batches.
 * @param on            the ON predicate, e.g. "t.id = s.id AND t.p = 'a'".
 * @param source_alias  e.g. "s"; target_alias e.g. "t" (must differ).
 * @return DLT_OK; DLT_EINVAL (NULL argument, bad predicate text, same aliases);
 *         DLT_ENOMEM.
 */
DLT_API int dlt_merge_new(dlt_merge **out, dlt_table *table,
                          struct ArrowArrayStream *source /* consumed */, const char *on,
                          const char *source_alias, const char *target_alias, dlt_error *err);

/**
 * WHEN MATCHED [AND cond] THEN UPDATE SET set_clause.
 * @param cond        NULL: no condition.
 * @param set_clause  "t.a = s.a, b = s.b + 1" (the left side names a target
 *                    column, qualified or not); NULL: UPDATE SET *.
 * @return DLT_OK; DLT_EINVAL (syntax, a clause after an unconditional one).
 */
DLT_API int dlt_merge_when_matched_update(dlt_merge *m, const char *cond, const char *set_clause,
                                          dlt_error *err);
/** WHEN MATCHED [AND cond] THEN DELETE. */
DLT_API int dlt_merge_when_matched_delete(dlt_merge *m, const char *cond, dlt_error *err);
/**
 * WHEN NOT MATCHED [BY TARGET] [AND cond] THEN INSERT (columns) VALUES (values).
 * @param columns  "a, b, c" (target columns; unlisted ones get NULL);
 *                 values "s.a, s.b * 2, 'x'" (as many). Both NULL: INSERT *.
 */
DLT_API int dlt_merge_when_not_matched_insert(dlt_merge *m, const char *cond,
                                              const char *columns, const char *values,
                                              dlt_error *err);
/** WHEN NOT MATCHED BY SOURCE [AND cond] THEN UPDATE SET set_clause (not NULL). */
DLT_API int dlt_merge_when_not_matched_by_source_update(dlt_merge *m, const char *cond,
                                                        const char *set_clause,
                                                        dlt_error *err);
/** WHEN NOT MATCHED BY SOURCE [AND cond] THEN DELETE. */
DLT_API int dlt_merge_when_not_matched_by_source_delete(dlt_merge *m, const char *cond,
                                                        dlt_error *err);

/** Options; fields are only appended. */
typedef struct dlt_merge_options {
	unsigned int version;             /* DLT_MERGE_OPTIONS_VERSION */
	int schema_evolution;             /* nonzero: add source columns with * clauses */
	int use_deletion_vectors;         /* -1: when the table enables them (default);
	                                   * 0: copy-on-write; 1: DVs (the table must
	                                   * enable them, else DLT_EUNSUPPORTED) */
	int64_t max_source_bytes;         /* > 0: DLT_ELIMIT when the source needs more */
	const dlt_kv *commit_properties;  /* extra commitInfo fields (JSON values) */
	size_t commit_properties_len;
} dlt_merge_options;
#define DLT_MERGE_OPTIONS_VERSION 1
#define DLT_MERGE_OPTIONS_INIT { DLT_MERGE_OPTIONS_VERSION, 0, -1, 0, NULL, 0 }
/** Fill `opts` with defaults for `version` (DLT_EINVAL for an unknown version). */
DLT_API int dlt_merge_options_init(dlt_merge_options *opts, unsigned int version);
/** Set the options of `m` (copied; pointers borrowed until dlt_merge_execute). */
DLT_API int dlt_merge_set_options(dlt_merge *m, const dlt_merge_options *opts, dlt_error *err);

/**
 * Run the MERGE: one commit on success. Can be called once.
 * @param[out] out  may be NULL; filled on success.
 * @return DLT_OK; DLT_ESCHEMA (source does not fit, unknown column, type
 *         mismatch, constraint violated: the message names it); DLT_EINVAL
 *         (multiple source rows match one target row ambiguously; bad
 *         clauses); DLT_ECONFLICT (concurrent commit); DLT_ELIMIT; DLT_EIO...
 */
DLT_API int dlt_merge_execute(dlt_merge_metrics *out, dlt_merge *m, dlt_error *err);

/** Free the builder (and the source stream if not consumed yet). NULL ok. */
DLT_API void dlt_merge_free(dlt_merge *m);

#ifdef __cplusplus
}
#endif
#endif /* DELTALITE_MERGE_H */
