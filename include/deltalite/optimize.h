/*
 * deltalite/optimize.h - OPTIMIZE: compact small data files (bin-packing)
 * and Z-order data files by several columns, in one commit that changes no
 * rows.
 *
 * Compaction: within each partition (selected by an optional predicate over
 * partition columns only), the live files smaller than the target size, and
 * every file with a deletion vector, are packed into bins of at most the
 * target size (first fit in ascending size order); each bin holding at least
 * `min_files` files, or any file with a deletion vector, is read (deletion
 * vectors applied: the rewritten files have none) and written back as new
 * files of about the target size. Files already large enough and alone in
 * their bin are left alone.
 *
 * Z-order (`zorder_by`): every live file of each selected partition is read,
 * the rows are sorted by the interleaved bits of the Z-order columns (each
 * value mapped to its rank among the column's values: ints, floats, decimals,
 * strings (by an 8-byte prefix), binaries, booleans, dates and timestamps;
 * nulls first), and written back in files of about the target size, so the
 * min/max statistics of every file are narrow on each column and data
 * skipping on any of them improves. A partition of a single file is rewritten
 * too (its rows are reordered).
 *
 * The commit (operation "OPTIMIZE", operationParameters "predicate" and
 * "zOrderBy" as JSON array text, as Spark logs them) removes and adds files
 * with dataChange = false, so streaming readers skip it. It declares the
 * files it rewrites as read: a concurrent append (blind or into the same
 * partitions) commutes and is kept; a concurrent commit that removes one of
 * the rewritten files (DELETE, UPDATE, another OPTIMIZE) makes OPTIMIZE fail
 * with DLT_ECONFLICT, leaving the table as the winner left it.
 *
 * Nothing to do (no bin qualifies) commits nothing (metrics all zero but
 * totalConsideredFiles / totalFilesSkipped; metrics.version -1).
 *
 * Thread safety: a dlt_table serves one thread at a time.
 */
#ifndef DELTALITE_OPTIMIZE_H
#define DELTALITE_OPTIMIZE_H

#include "common.h"
#include "table.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Distribution of file sizes (bytes) of a set of files. */
typedef struct dlt_optimize_file_stats {
	int64_t min;                      /* 0 when total_files is 0 */
	int64_t max;
	double avg;
	int64_t total_files;
	int64_t total_size;
} dlt_optimize_file_stats;

/** What OPTIMIZE did (also logged in commitInfo.operationMetrics). */
typedef struct dlt_optimize_metrics {
	int64_t version;                  /* committed version; -1 if nothing was committed */
	int64_t num_files_added;
	int64_t num_files_removed;
	dlt_optimize_file_stats files_added;
	dlt_optimize_file_stats files_removed;
	int64_t partitions_optimized;     /* partitions in which files were rewritten */
	int64_t num_batches;              /* bins rewritten */
	int64_t total_considered_files;   /* live files of the selected partitions */
	int64_t total_files_skipped;      /* considered files left as they were */
	int64_t num_deletion_vectors_removed; /* rewritten files that had a DV */
	int64_t rows_rewritten;
	int64_t duration_ms;
} dlt_optimize_metrics;

/**
 * Options of dlt_table_optimize. Fields are only ever appended; the library
 * reads only those of the caller's `version`. Pointers are borrowed.
 */
typedef struct dlt_optimize_options {
	unsigned int version;             /* DLT_OPTIMIZE_OPTIONS_VERSION */
	int64_t target_size;              /* bytes; 0: table property delta.targetFileSize,
	                                   * else 100 MiB (as delta-rs) */
	int64_t min_files;                /* compaction: files a bin needs to be rewritten
	                                   * (a bin with a DV always is); 0: 2 */
	const char *partition_filter;     /* SQL predicate over partition columns only
	                                   * (NULL: every partition) */
	const char *const *zorder_by;     /* Z-order columns (top-level, not partition
	                                   * columns); NULL / 0: compaction */
	size_t zorder_by_len;
	int allow_zorder_without_stats;   /* nonzero: accept Z-order columns that have no
	                                   * statistics (else DLT_EINVAL) */
	int max_retries;                  /* commit rebase attempts; 0: 10, -1: none */
} dlt_optimize_options;
#define DLT_OPTIMIZE_OPTIONS_VERSION 1
#define DLT_OPTIMIZE_OPTIONS_INIT \
	{ DLT_OPTIMIZE_OPTIONS_VERSION, 0, 0, NULL, NULL, 0, 0, 0 }
/** Fill `opts` with defaults for `version` (DLT_EINVAL for an unknown version). */
DLT_API int dlt_optimize_options_init(dlt_optimize_options *opts, unsigned int version);

/**
 * Compact (or Z-order) the latest version of `table` in one commit.
 * @param[out] out  may be NULL; else the metrics (filled on success).
 * @param opts      may be NULL (compaction of every partition, defaults).
 * @return DLT_OK; DLT_EINVAL (a filter that uses a non-partition column or
 *         does not parse, a Z-order column that is a partition column, is
 *         unknown, not orderable or has no statistics; bad sizes);
 *         DLT_ECONFLICT (a concurrent commit removed a file being rewritten:
 *         nothing was committed); DLT_EUNSUPPORTED (writer feature);
 *         DLT_ECORRUPT, DLT_EIO... (reading or writing data files).
 */
DLT_API int dlt_table_optimize(dlt_optimize_metrics *out, dlt_table *table,
                               const dlt_optimize_options *opts, dlt_error *err);

#ifdef __cplusplus
}
#endif
#endif /* DELTALITE_OPTIMIZE_H */
