/*
 * deltalite/table.h - open a Delta table, take snapshots (latest, by version,
 * by timestamp), read their protocol, metadata, schema, live files, app
 * transactions, domain metadata, and the table history.
 *
 * A dlt_table is a handle on a table location (a dlt_storage underneath); it
 * serves one thread at a time. A dlt_snapshot is one version of the table:
 * immutable and refcounted (dlt_snapshot_retain / dlt_snapshot_free), so it
 * may be shared freely across threads and outlives the table handle it came
 * from.
 *
 * Reading a table we do not understand is refused: a reader version above 3
 * or a reader feature we do not implement gives DLT_EUNSUPPORTED naming it.
 * Supported reader features: columnMapping, deletionVectors, timestampNtz,
 * v2Checkpoint, vacuumProtocolCheck, typeWidening(-preview), variantType
 * (-preview; variant columns surface as struct<metadata: binary, value: binary>).
 *
 * Errors name the log file (and line) concerned: "commit
 * _delta_log/00000000000000000003.json: line 2: add.size: expected an integer".
 */
#ifndef DELTALITE_TABLE_H
#define DELTALITE_TABLE_H

#include "common.h"
#include "arrow_c.h"
#include "storage.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dlt_table dlt_table;       /* opaque; one thread at a time */
typedef struct dlt_snapshot dlt_snapshot; /* opaque, immutable, refcounted: share freely */

/** Options of dlt_table_open. Fields are only ever appended. */
typedef struct dlt_open_options {
	unsigned int version;             /* DLT_OPEN_OPTIONS_VERSION */
	const dlt_kv *storage_options;    /* backend settings (credentials...); borrowed */
	size_t storage_options_len;
} dlt_open_options;
#define DLT_OPEN_OPTIONS_VERSION 1
#define DLT_OPEN_OPTIONS_INIT { DLT_OPEN_OPTIONS_VERSION, NULL, 0 }
/** Fill `opts` with defaults for `version` (DLT_EINVAL for an unknown version). */
DLT_API int dlt_open_options_init(dlt_open_options *opts, unsigned int version);

/**
 * Open the table at `uri` ("/p", "file:///p", "memory://n", "s3://b/k", ...).
 * Checks that `_delta_log/` holds at least one commit or checkpoint.
 * @param[out] out  new handle (dlt_table_free); NULL on failure.
 * @param opts      may be NULL.
 * @return DLT_OK; DLT_ENOTFOUND (no Delta log there); DLT_EINVAL; DLT_EIO...
 */
DLT_API int dlt_table_open(dlt_table **out, const char *uri, const dlt_open_options *opts,
                           dlt_error *err);
/** Free the handle (snapshots taken from it stay valid). NULL ok. */
DLT_API void dlt_table_free(dlt_table *table);
/** The URI given to dlt_table_open (borrowed). */
DLT_API const char *dlt_table_uri(const dlt_table *table);
/** The storage under the table (borrowed; valid while the table lives). */
DLT_API dlt_storage *dlt_table_storage(dlt_table *table);

/**
 * The snapshot at `version` (-1: the latest).
 * @return DLT_OK; DLT_ENOTFOUND (no such version, or its log was cleaned up
 *         and no checkpoint covers it); DLT_ECORRUPT (malformed log, gap in
 *         versions); DLT_EUNSUPPORTED (protocol we do not support).
 */
DLT_API int dlt_table_snapshot(dlt_snapshot **out, dlt_table *table, int64_t version,
                               dlt_error *err);
/**
 * Time travel by timestamp: the latest version whose commit timestamp is
 * <= `timestamp_ms` (ms since the epoch, UTC). Commit timestamps are
 * in-commit timestamps from the version ICT was enabled on
 * (delta.inCommitTimestampEnablementVersion), commit file modification
 * times before. DLT_ENOTFOUND if `timestamp_ms` is before the first
 * commit still in the log.
 */
DLT_API int dlt_table_snapshot_at(dlt_snapshot **out, dlt_table *table, int64_t timestamp_ms,
                                  dlt_error *err);
/**
 * A snapshot at a newer version (`version` -1: latest), built incrementally
 * from `snap` by applying only the later commits (or `snap` itself,
 * retained, when nothing changed). `snap` is not modified.
 */
DLT_API int dlt_snapshot_update(dlt_snapshot **out, dlt_snapshot *snap, int64_t version,
                                dlt_error *err);
/** Take another reference (thread-safe). Returns `snap`. */
DLT_API dlt_snapshot *dlt_snapshot_retain(dlt_snapshot *snap);
/** Drop a reference (thread-safe); the last one frees. NULL ok. */
DLT_API void dlt_snapshot_free(dlt_snapshot *snap);

DLT_API int64_t dlt_snapshot_version(const dlt_snapshot *snap);
/** Commit timestamp of the snapshot's version (ms; ICT when enabled). */
DLT_API int64_t dlt_snapshot_timestamp(const dlt_snapshot *snap);

/** Protocol of a snapshot. Pointers borrowed from the snapshot. */
typedef struct dlt_protocol_info {
	int32_t min_reader_version;
	int32_t min_writer_version;
	size_t n_reader_features;         /* 0 when the table has no reader features */
	const char *const *reader_features;
	size_t n_writer_features;
	const char *const *writer_features;
} dlt_protocol_info;
DLT_API void dlt_snapshot_protocol(dlt_protocol_info *out, const dlt_snapshot *snap);

/** Metadata of a snapshot. Pointers borrowed from the snapshot. */
typedef struct dlt_metadata_info {
	const char *id;
	const char *name;                 /* NULL if unset */
	const char *description;          /* NULL if unset */
	int64_t created_time;             /* ms; -1 if unset */
	const char *schema_string;        /* the Delta schema JSON, verbatim */
	size_t n_partition_columns;
	const char *const *partition_columns;
	size_t n_configuration;
	const dlt_kv *configuration;      /* table properties */
} dlt_metadata_info;
DLT_API void dlt_snapshot_metadata(dlt_metadata_info *out, const dlt_snapshot *snap);
/** Value of table property `key` (borrowed), NULL if unset. */
DLT_API const char *dlt_snapshot_property(const dlt_snapshot *snap, const char *key);

/**
 * Logical schema as Arrow (a "+s" struct, one child per column, partition
 * columns included, logical names). Field metadata carries Delta's column
 * metadata ("comment", "delta.columnMapping.id", "...physicalName",
 * "delta.typeChanges"). `out`: caller releases.
 */
DLT_API int dlt_snapshot_schema(struct ArrowSchema *out, const dlt_snapshot *snap,
                                dlt_error *err);

/** Number of live data files. */
DLT_API int64_t dlt_snapshot_num_files(const dlt_snapshot *snap);
/** Memory the snapshot holds, in bytes (for per-file cost measurements). */
DLT_API size_t dlt_snapshot_memory_bytes(const dlt_snapshot *snap);

/**
 * The live files as a stream of struct batches with columns:
 *   path utf8 (percent-decoded, relative to the table root, or absolute URI),
 *   size int64, modification_time int64 (ms),
 *   partition_values map<utf8, utf8 (nullable)> (keys as logged: physical names
 *     under column mapping), stats utf8 (nullable JSON), num_records int64
 *     (nullable), deletion_vector struct<storage_type utf8, path_or_inline_dv utf8,
 *     offset int32, size_in_bytes int32, cardinality int64> (null if none),
 *   base_row_id int64, default_row_commit_version int64 (nullable).
 * The stream keeps the snapshot alive. `out`: caller releases.
 */
DLT_API int dlt_snapshot_files(struct ArrowArrayStream *out, dlt_snapshot *snap,
                               dlt_error *err);

/** Latest txn version of `app_id` into *version_out; DLT_ENOTFOUND if none. */
DLT_API int dlt_snapshot_app_txn_version(int64_t *version_out, const dlt_snapshot *snap,
                                         const char *app_id, dlt_error *err);
/** Configuration (borrowed JSON text) of live domain `domain`; DLT_ENOTFOUND if none. */
DLT_API int dlt_snapshot_domain_metadata(const char **config_out, const dlt_snapshot *snap,
                                         const char *domain, dlt_error *err);

/**
 * Commit history, newest first, at most `limit` versions (0: all still in
 * the log), as one stream of struct batches: version int64, timestamp int64
 * (ms; ICT when enabled), operation utf8 (nullable), operation_parameters
 * utf8 (JSON, nullable), commit_info utf8 (the full commitInfo JSON, nullable).
 */
DLT_API int dlt_table_history(struct ArrowArrayStream *out, dlt_table *table, int64_t limit,
                              dlt_error *err);

#ifdef __cplusplus
}
#endif
#endif /* DELTALITE_TABLE_H */
