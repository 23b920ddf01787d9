/*
 * deltalite/scan.h - read the rows of a snapshot (a scan) and the change data
 * feed between two versions, as Arrow streams.
 *
 * A scan reads the live files of a snapshot one at a time through the
 * table's storage and returns record batches (struct arrays) in the table's
 * LOGICAL schema:
 *   - partition columns are materialized from each file's partitionValues
 *     (typed per the schema; "" and __HIVE_DEFAULT_PARTITION__ are null;
 *     timestamps without an offset are taken as UTC);
 *   - columns absent from older files are null;
 *   - column mapping (name and id modes, nested) is resolved: physical
 *     names / field ids in the files, logical names out;
 *   - deletion vectors (inline, relative 'u' and absolute 'p' files) remove
 *     the deleted rows; a DV file whose size or CRC-32 does not match the
 *     descriptor is DLT_ECORRUPT;
 *   - widened types (typeWidening) are cast to the current type.
 * With a predicate, files are skipped using partition values and the stats
 * JSON (minValues/maxValues/nullCount/numRecords/tightBounds), and row groups
 * using Parquet statistics; rows are filtered exactly only when asked
 * (`exact_filter`), otherwise the result is a superset of the matching rows.
 *
 * Memory: one data file (its current row group) at a time.
 * Threads: a dlt_scan serves one thread at a time; the snapshot it reads is
 * retained by the scan and may be shared.
 */
#ifndef DELTALITE_SCAN_H
#define DELTALITE_SCAN_H

#include "common.h"
#include "arrow_c.h"
#include "expr.h"
#include "table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dlt_scan dlt_scan; /* opaque; one thread at a time */

/** Options of a scan. Fields are only ever appended. Pointers are borrowed
 * for the call (dlt_scan_new / dlt_snapshot_scan copies what it keeps). */
typedef struct dlt_scan_options {
	unsigned int version;          /* DLT_SCAN_OPTIONS_VERSION */
	/* Projection: logical column paths, '.'-separated, a segment holding
	 * dots or backquotes in backquotes ("a", "s.x", "`a.b`.c"); matched
	 * case-insensitively (exact match wins). NULL / 0: every column.
	 * Output columns follow the table schema order; a nested path keeps
	 * only the named fields of its struct. */
	const char *const *columns;
	size_t n_columns;
	/* Predicate: SQL text (dlt_expr_parse grammar) or a tree; not both. */
	const char *predicate_sql;
	const dlt_expr *predicate;
	int exact_filter;              /* nonzero: drop rows for which the predicate is
	                                * not TRUE; 0: skip files and row groups only */
	int64_t batch_size;            /* max rows per batch; 0: 65536 */
} dlt_scan_options;
#define DLT_SCAN_OPTIONS_VERSION 1
#define DLT_SCAN_OPTIONS_INIT { DLT_SCAN_OPTIONS_VERSION, NULL, 0, NULL, NULL, 0, 0 }
/** Fill `opts` with defaults for `version` (DLT_EINVAL for an unknown version). */
DLT_API int dlt_scan_options_init(dlt_scan_options *opts, unsigned int version);

/** What a scan did (so far). */
typedef struct dlt_scan_metrics {
	int64_t files_considered;         /* live files of the snapshot */
	int64_t files_skipped_partition;  /* skipped: partition values exclude the predicate */
	int64_t files_skipped_stats;      /* skipped: column statistics exclude it */
	int64_t files_read;
	int64_t row_groups_read;
	int64_t row_groups_skipped;       /* by Parquet statistics */
	int64_t rows_read;                /* physical rows decoded */
	int64_t rows_deleted;             /* removed by deletion vectors */
	int64_t rows_filtered;            /* removed by the exact predicate */
	int64_t rows_returned;
	int64_t dv_bytes_read;
} dlt_scan_metrics;

/**
 * Plan a scan: resolve the projection, parse and type the predicate against
 * the logical schema. Nothing is read yet.
 * @param[out] out  new scan (dlt_scan_free); NULL on failure. It retains `snap`.
 * @param opts      may be NULL (all columns, no predicate).
 * @return DLT_OK; DLT_ENOTFOUND (projected column absent); DLT_EINVAL (bad
 *         options, predicate syntax); DLT_ESCHEMA (predicate typing);
 *         DLT_EUNSUPPORTED (a feature the scan cannot read).
 */
DLT_API int dlt_scan_new(dlt_scan **out, dlt_snapshot *snap, const dlt_scan_options *opts,
                         dlt_error *err);
/** Output schema of the scan (logical, projected). `out`: caller releases. */
DLT_API int dlt_scan_schema(struct ArrowSchema *out, const dlt_scan *scan, dlt_error *err);
/**
 * Start reading: a stream of record batches in dlt_scan_schema's schema.
 * Once per scan (DLT_EINVAL the second time). The stream keeps the scan
 * alive; errors (ECORRUPT, EIO, ...) surface from get_next with the file
 * named in get_last_error.
 */
DLT_API int dlt_scan_stream(struct ArrowArrayStream *out, dlt_scan *scan, dlt_error *err);
/** Counters so far (after the stream ends: the totals). */
DLT_API void dlt_scan_get_metrics(dlt_scan_metrics *out, const dlt_scan *scan);
/** Drop the caller's reference (an open stream keeps its own). NULL ok. */
DLT_API void dlt_scan_free(dlt_scan *scan);

/** dlt_scan_new + dlt_scan_stream + dlt_scan_free in one call. */
DLT_API int dlt_snapshot_scan(struct ArrowArrayStream *out, dlt_snapshot *snap,
                              const dlt_scan_options *opts, dlt_error *err);

/* ------------------------------------------------------ change data feed -- */

/** Options of dlt_table_changes. Fields are only ever appended. */
typedef struct dlt_changes_options {
	unsigned int version;          /* DLT_CHANGES_OPTIONS_VERSION */
	int64_t start_version;         /* first version (inclusive) */
	int64_t end_version;           /* last version (inclusive); -1: latest */
	int by_timestamp;              /* nonzero: use the two timestamps instead */
	int64_t start_timestamp_ms;    /* first version committed at or after it */
	int64_t end_timestamp_ms;      /* last version committed at or before it; -1: latest */
	const char *const *columns;    /* projection of the data columns, as in scans */
	size_t n_columns;
	int64_t batch_size;            /* 0: 65536 */
} dlt_changes_options;
#define DLT_CHANGES_OPTIONS_VERSION 1
#define DLT_CHANGES_OPTIONS_INIT \
	{ DLT_CHANGES_OPTIONS_VERSION, 0, -1, 0, 0, -1, NULL, 0, 0 }
DLT_API int dlt_changes_options_init(dlt_changes_options *opts, unsigned int version);

/**
 * The change data feed over [start, end]: the logical columns of the end
 * version's schema, then _change_type utf8 ("insert", "delete",
 * "update_preimage", "update_postimage"), _commit_version int64,
 * _commit_timestamp timestamp[us, UTC]. Versions with cdc files are read
 * from them; other versions from their dataChange add (insert) and remove
 * (delete) actions, deletion vectors accounted for.
 * @return DLT_OK; DLT_EUNSUPPORTED when delta.enableChangeDataFeed is not
 *         true at some version of the range (named); DLT_ENOTFOUND (version
 *         absent); DLT_EINVAL (start > end).
 */
DLT_API int dlt_table_changes(struct ArrowArrayStream *out, dlt_table *table,
                              const dlt_changes_options *opts, dlt_error *err);

#ifdef __cplusplus
}
#endif
#endif /* DELTALITE_SCAN_H */
