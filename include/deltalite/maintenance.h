/*
 * deltalite/maintenance.h - table maintenance: checkpoints, expired log
 * cleanup, VACUUM and RESTORE.
 *
 * Checkpoints (PROTOCOL.md#checkpoints) summarize the table state at a
 * version so readers need not replay every commit. A classic checkpoint is
 * one Parquet file _delta_log/<v>.checkpoint.parquet with Spark's column
 * layout (protocol, metaData, txn, add, remove, domainMetadata; add.stats as
 * JSON and, with delta.checkpoint.writeStatsAsStruct, typed stats_parsed and
 * partitionValues_parsed columns). Tables with the v2Checkpoint feature get
 * UUID-named v2 checkpoints (a checkpointMetadata action; file actions in
 * _delta_log/_sidecars/ when there are many). A checkpoint becomes visible
 * only when complete and _last_checkpoint is updated after it; a failed
 * checkpoint leaves the table as it was. Commits check every
 * delta.checkpointInterval (default 10) versions and checkpoint then.
 *
 * Log cleanup (PROTOCOL.md#metadata-cleanup) deletes commits and
 * checkpoints older than delta.logRetentionDuration (default 30 days) that
 * no retained version needs; it runs after checkpoints when
 * delta.enableExpiredLogCleanup is true (the default).
 *
 * VACUUM deletes files under the table that the current version does not
 * reference (nor any tombstone younger than the retention) and that are
 * older than the retention (default delta.deletedFileRetentionDuration, 7
 * days). Hidden files and directories (names starting with '_' or '.',
 * except partition directories and _change_data) and _delta_log are never
 * touched. Runs are logged as two commitInfo-only commits, "VACUUM START" and
 * "VACUUM END", as Spark does (dry runs commit nothing).
 *
 * RESTORE commits a new version whose live files equal those of an older
 * version (operation "RESTORE" with Spark's metrics).
 *
 * Threads: one call at a time per dlt_table. Errors: lowercase messages in
 * dlt_error naming the version or file concerned.
 */
#ifndef DELTALITE_MAINTENANCE_H
#define DELTALITE_MAINTENANCE_H

#include "common.h"
#include "arrow_c.h"
#include "table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------- checkpoints -- */

/** Checkpoint kinds for dlt_checkpoint_options.kind. */
typedef enum dlt_checkpoint_kind {
	DLT_CHECKPOINT_AUTO = 0,    /* v2 when the table has v2Checkpoint, else classic */
	DLT_CHECKPOINT_CLASSIC = 1, /* <v>.checkpoint.parquet */
	DLT_CHECKPOINT_V2 = 2       /* <v>.checkpoint.<uuid>.parquet (+ sidecars) */
} dlt_checkpoint_kind;

/** Options of dlt_table_checkpoint. Fields are only ever appended. */
typedef struct dlt_checkpoint_options {
	unsigned int version;       /* DLT_CHECKPOINT_OPTIONS_VERSION */
	int64_t table_version;      /* version to checkpoint; -1: the latest */
	int kind;                   /* dlt_checkpoint_kind */
	int stats_as_json;          /* add.stats: -1 delta.checkpoint.writeStatsAsJson
	                             * (default 1), 0, 1 */
	int stats_as_struct;        /* stats_parsed / partitionValues_parsed: -1
	                             * delta.checkpoint.writeStatsAsStruct (default 0) */
	int64_t sidecar_actions;    /* v2: file actions per sidecar (sidecars only above
	                             * this count); 0: 50000 */
	int cleanup;                /* expired log cleanup afterwards: -1
	                             * delta.enableExpiredLogCleanup (default 1), 0, 1 */
} dlt_checkpoint_options;
#define DLT_CHECKPOINT_OPTIONS_VERSION 1
#define DLT_CHECKPOINT_OPTIONS_INIT \
	{ DLT_CHECKPOINT_OPTIONS_VERSION, -1, DLT_CHECKPOINT_AUTO, -1, -1, 0, -1 }
/** Fill `opts` with defaults for `version` (DLT_EINVAL for an unknown version). */
DLT_API int dlt_checkpoint_options_init(dlt_checkpoint_options *opts, unsigned int version);

/**
 * Write a checkpoint of `table` (at opts->table_version) and update
 * _last_checkpoint. A classic checkpoint that another writer already wrote
 * for the version is left as is (success).
 * @param[out] version_out  the version checkpointed (may be NULL).
 * @param opts              may be NULL (defaults).
 * @return DLT_OK; DLT_EUNSUPPORTED (v2 asked on a table without
 *         v2Checkpoint; protocol we cannot write); DLT_ENOTFOUND (version);
 *         DLT_EIO...
 */
DLT_API int dlt_table_checkpoint(int64_t *version_out, dlt_table *table,
                                 const dlt_checkpoint_options *opts, dlt_error *err);

/** Options of dlt_table_cleanup_log. Fields are only ever appended. */
typedef struct dlt_cleanup_options {
	unsigned int version;       /* DLT_CLEANUP_OPTIONS_VERSION */
	double retention_hours;     /* < 0: delta.logRetentionDuration (default 30 days) */
} dlt_cleanup_options;
#define DLT_CLEANUP_OPTIONS_VERSION 1
#define DLT_CLEANUP_OPTIONS_INIT { DLT_CLEANUP_OPTIONS_VERSION, -1.0 }
DLT_API int dlt_cleanup_options_init(dlt_cleanup_options *opts, unsigned int version);

/**
 * Delete expired log files now (whatever delta.enableExpiredLogCleanup
 * says): commits, checkpoints, checksums and compactions of versions below
 * the newest checkpoint not newer than the newest commit older than the
 * retention, plus unreferenced sidecars older than it. Every version from
 * that checkpoint on stays readable.
 * @param[out] deleted_out  number of files deleted (may be NULL).
 */
DLT_API int dlt_table_cleanup_log(int64_t *deleted_out, dlt_table *table,
                                  const dlt_cleanup_options *opts, dlt_error *err);

/* --------------------------------------------------------------- vacuum -- */

/** Options of dlt_table_vacuum. Fields are only ever appended. */
typedef struct dlt_vacuum_options {
	unsigned int version;       /* DLT_VACUUM_OPTIONS_VERSION */
	double retention_hours;     /* < 0: delta.deletedFileRetentionDuration (7 days) */
	int enforce_retention;      /* 1 (default): refuse a retention shorter than the
	                             * table's (DLT_EINVAL); 0: allow it (dangerous:
	                             * readers of older versions and running writers
	                             * may lose files) */
	int dry_run;                /* 1: only list what would be deleted */
	int log_commits;            /* 1 (default): commit VACUUM START / VACUUM END */
} dlt_vacuum_options;
#define DLT_VACUUM_OPTIONS_VERSION 1
#define DLT_VACUUM_OPTIONS_INIT { DLT_VACUUM_OPTIONS_VERSION, -1.0, 1, 0, 1 }
DLT_API int dlt_vacuum_options_init(dlt_vacuum_options *opts, unsigned int version);

typedef struct dlt_vacuum_result dlt_vacuum_result; /* opaque */

/**
 * Vacuum `table` (see the top of this file).
 * @param[out] out  new result (dlt_vacuum_result_free); may be NULL.
 * @param opts      may be NULL (defaults).
 * @return DLT_OK; DLT_EINVAL (retention shorter than the table's while
 *         enforced; the message says how to override); DLT_EUNSUPPORTED (a
 *         vacuumProtocolCheck table whose writer protocol we do not
 *         support); DLT_EIO... Deletion stops at the first failure.
 */
DLT_API int dlt_table_vacuum(dlt_vacuum_result **out, dlt_table *table,
                             const dlt_vacuum_options *opts, dlt_error *err);
/** Files deleted (or, for a dry run, that would be). */
DLT_API int64_t dlt_vacuum_result_num_files(const dlt_vacuum_result *r);
/** Their total size in bytes. */
DLT_API int64_t dlt_vacuum_result_bytes(const dlt_vacuum_result *r);
/** Was it a dry run? */
DLT_API int dlt_vacuum_result_dry_run(const dlt_vacuum_result *r);
/** Path (a storage key relative to the table root) of file i, sorted; NULL if out of range. */
DLT_API const char *dlt_vacuum_result_path(const dlt_vacuum_result *r, int64_t i);
/** The files as one stream: path utf8, size int64, modification_time int64 (ms). */
DLT_API int dlt_vacuum_result_files(struct ArrowArrayStream *out, const dlt_vacuum_result *r,
                                    dlt_error *err);
DLT_API void dlt_vacuum_result_free(dlt_vacuum_result *r);

/* -------------------------------------------------------------- restore -- */

/** Options of dlt_table_restore. Fields are only ever appended. */
typedef struct dlt_restore_options {
	unsigned int version;       /* DLT_RESTORE_OPTIONS_VERSION */
	int64_t table_version;      /* version to restore; -1: use timestamp_ms */
	int64_t timestamp_ms;       /* with table_version -1: the latest version whose
	                             * commit timestamp is <= this (ms, UTC) */
	int check_files;            /* 1 (default): refuse when a file to restore is gone */
} dlt_restore_options;
#define DLT_RESTORE_OPTIONS_VERSION 1
#define DLT_RESTORE_OPTIONS_INIT { DLT_RESTORE_OPTIONS_VERSION, -1, -1, 1 }
DLT_API int dlt_restore_options_init(dlt_restore_options *opts, unsigned int version);

/**
 * Restore `table` to an older version: commit adds (dataChange true) of the
 * files live then and not now, removes of the files live now and not then,
 * the old metadata when it differs, operation "RESTORE" with metrics
 * tableSizeAfterRestore, numOfFilesAfterRestore, numRemovedFiles,
 * numRestoredFiles, removedFilesSize, restoredFilesSize.
 * @param[out] version_out  the new version (may be NULL).
 * @return DLT_OK; DLT_EINVAL (neither a version nor a timestamp);
 *         DLT_ENOTFOUND (version/timestamp not in the log; a data or
 *         deletion vector file to restore is gone, e.g. vacuumed: the message
 *         and err->path name it); DLT_ECONFLICT; DLT_EUNSUPPORTED.
 */
DLT_API int dlt_table_restore(int64_t *version_out, dlt_table *table,
                              const dlt_restore_options *opts, dlt_error *err);

#ifdef __cplusplus
}
#endif
#endif /* DELTALITE_MAINTENANCE_H */
