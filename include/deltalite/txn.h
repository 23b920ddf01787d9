/*
 * deltalite/txn.h - transactions: stage Delta log actions on a snapshot (or
 * on a location holding no table yet) and commit them as the next version,
 * with optimistic concurrency control.
 *
 * A transaction starts from a read snapshot at version N (N = -1 for a
 * location without a table: the commit then creates version 0 and must
 * stage a protocol and a metadata). The caller stages actions (add, remove,
 * cdc, app txn, domain metadata, metadata, protocol), describes what it READ
 * (a predicate, partitions, files, or the whole table) and commits:
 *
 *   1. the commit file _delta_log/<N+1>.json is written with the storage's
 *      put-if-absent (atomic; never check-then-write);
 *   2. if another writer won version N+1, the winning commits are read and
 *      checked for conflicts against what this transaction read and wrote
 *      (rules below). Without a conflict the transaction is rebased on the
 *      newest version and retried, up to `max_retries` times; otherwise
 *      DLT_ECONFLICT with a message naming the winning version and reason:
 *      "commit conflict with version 7 (WRITE): concurrent delete-read: ...".
 *
 * Conflict rules (Delta's, PROTOCOL.md and docs "concurrency control"):
 *   - a winner changing the protocol or the metadata always conflicts;
 *   - a winner removing a file we remove conflicts (concurrent delete-delete);
 *   - a winner removing a file we read conflicts (concurrent delete-read);
 *     with "read the whole table", any winner remove conflicts;
 *   - a winner adding files that match what we read (predicate, partitions,
 *     whole table) conflicts (concurrent append) under SERIALIZABLE always,
 *     under WRITE_SERIALIZABLE only when the winner was not a blind append;
 *     blind appends (no reads, only adds) therefore commute;
 *   - the same application id (app txn) in both conflicts (concurrent
 *     transaction); the same domain in domain metadata conflicts.
 *
 * Every commit carries a commitInfo: timestamp, operation,
 * operationParameters, readVersion, isolationLevel, isBlindAppend,
 * operationMetrics (numFiles, numOutputRows, numOutputBytes, numRemovedFiles,
 * ... as strings, as Delta logs them), engineInfo "deltalite/<version>" and,
 * when delta.enableInCommitTimestamps is on, inCommitTimestamp (first action;
 * strictly increasing). After a successful commit a version checksum file
 * (_delta_log/<v>.crc) is written (best effort) and post-commit hooks run
 * (e.g. checkpoints); their failure does not fail the commit.
 *
 * Writes to a table with a writer feature we do not support are refused
 * (DLT_EUNSUPPORTED naming it). Supported writer features: appendOnly,
 * invariants, checkConstraints, changeDataFeed, generatedColumns,
 * columnMapping, deletionVectors, timestampNtz, v2Checkpoint,
 * inCommitTimestamp, domainMetadata, typeWidening, vacuumProtocolCheck.
 * NOT supported: identityColumns, rowTracking (and any unknown feature).
 *
 * Ownership: everything passed in is borrowed for the call and copied.
 * Threads: a dlt_txn serves one thread at a time. Several transactions
 * (threads, processes, machines) may commit to one table concurrently.
 */
#ifndef DELTALITE_TXN_H
#define DELTALITE_TXN_H

#include "common.h"
#include "storage.h"
#include "table.h"
#include "expr.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dlt_txn dlt_txn; /* opaque; one thread at a time */

/** Isolation level of a transaction (logged as commitInfo.isolationLevel). */
typedef enum dlt_isolation_level {
	DLT_ISOLATION_DEFAULT = 0,           /* the table's delta.isolationLevel, else WriteSerializable */
	DLT_ISOLATION_WRITE_SERIALIZABLE = 1,
	DLT_ISOLATION_SERIALIZABLE = 2
} dlt_isolation_level;

/** Options of dlt_txn_begin. Fields are only ever appended. */
typedef struct dlt_txn_options {
	unsigned int version;             /* DLT_TXN_OPTIONS_VERSION */
	dlt_isolation_level isolation;
	int max_retries;                  /* rebase attempts after a lost race; default 10, 0: none */
	const char *app_id;               /* application transaction id (NULL: none); with */
	int64_t app_version;              /*   app_version: logged as a txn action (idempotent writes) */
	const char *operation;            /* commitInfo.operation; NULL: "WRITE" */
	const char *operation_parameters; /* JSON object text; NULL: {} */
	int64_t read_version;             /* version to read/commit on; -1: latest */
	const char *engine_info;          /* NULL: "deltalite/<version>" */
} dlt_txn_options;
#define DLT_TXN_OPTIONS_VERSION 1
#define DLT_TXN_OPTIONS_INIT \
	{ DLT_TXN_OPTIONS_VERSION, DLT_ISOLATION_DEFAULT, 10, NULL, -1, NULL, NULL, -1, NULL }
/** Fill `opts` with defaults for `version` (DLT_EINVAL for an unknown version). */
DLT_API int dlt_txn_options_init(dlt_txn_options *opts, unsigned int version);

/**
 * Handle on a table location that may not hold a table yet (for creating
 * one: dlt_txn_begin then reads version -1 and commits version 0). Same
 * arguments as dlt_table_open; a location that holds a table behaves exactly
 * as with dlt_table_open.
 */
DLT_API int dlt_table_open_location(dlt_table **out, const char *uri,
                                    const dlt_open_options *opts, dlt_error *err);
/**
 * Handle on the table stored in `storage` (consumed, on every path: freed
 * with the table; e.g. a fault-injecting store in tests). The location may
 * not hold a table yet. `uri`: what dlt_table_uri reports (NULL: the
 * storage's URI).
 */
DLT_API int dlt_table_open_storage(dlt_table **out, dlt_storage *storage, const char *uri,
                                   dlt_error *err);

/**
 * Start a transaction on `table` at `opts->read_version` (-1: the latest;
 * -1 on a location without a table: a new table, version -1).
 * Checks that we can write the table's protocol.
 * @param[out] out  new transaction (dlt_txn_free); NULL on failure.
 * @param opts      may be NULL (defaults).
 * @return DLT_OK; DLT_EUNSUPPORTED (writer feature we do not support, named);
 *         DLT_ENOTFOUND (read_version absent); errors of dlt_table_snapshot.
 */
DLT_API int dlt_txn_begin(dlt_txn **out, dlt_table *table, const dlt_txn_options *opts,
                          dlt_error *err);
/** Start a transaction reading `snap` (retained; opts->read_version ignored). */
DLT_API int dlt_txn_begin_snapshot(dlt_txn **out, dlt_snapshot *snap,
                                   const dlt_txn_options *opts, dlt_error *err);
/** Free (an uncommitted transaction is abandoned: nothing is written). NULL ok. */
DLT_API void dlt_txn_free(dlt_txn *txn);

/** Version read: the snapshot's version, -1 for a new table. */
DLT_API int64_t dlt_txn_read_version(const dlt_txn *txn);
/** The read snapshot (borrowed; valid while the transaction lives); NULL for a new table. */
DLT_API dlt_snapshot *dlt_txn_snapshot(const dlt_txn *txn);

/* ------------------------------------------------------------ staging -- */

/** Deletion vector descriptor (PROTOCOL.md#deletion-vector-descriptor-schema). */
typedef struct dlt_txn_dv {
	char storage_type;                /* 'u', 'i' or 'p' */
	const char *path_or_inline_dv;
	int32_t offset;                   /* -1: absent (inline DVs) */
	int32_t size_in_bytes;
	int64_t cardinality;
	int64_t max_row_index;            /* -1: absent */
} dlt_txn_dv;

/** A data file (add / remove) or change data file (cdc). Fields only appended. */
typedef struct dlt_txn_file {
	unsigned int version;             /* DLT_TXN_FILE_VERSION */
	const char *path;                 /* relative to the table root, NOT percent-encoded
	                                   * ("p=a b/x.parquet"); or an absolute URI */
	const dlt_kv *partition_values;   /* column -> value; value NULL = null */
	size_t n_partition_values;
	int64_t size;                     /* bytes; remove: -1 = unknown (omitted) */
	int64_t modification_time;        /* ms; add only; -1: now */
	int data_change;                  /* dataChange (cdc: always false) */
	const char *stats;                /* stats JSON text; NULL: none */
	const dlt_kv *tags;               /* NULL: none */
	size_t n_tags;
	const dlt_txn_dv *dv;             /* NULL: no deletion vector */
	int64_t base_row_id;              /* -1: absent */
	int64_t default_row_commit_version; /* -1: absent */
	int64_t deletion_timestamp;       /* remove only: ms; -1: now */
} dlt_txn_file;
#define DLT_TXN_FILE_VERSION 1
#define DLT_TXN_FILE_INIT \
	{ DLT_TXN_FILE_VERSION, NULL, NULL, 0, -1, -1, 1, NULL, NULL, 0, NULL, -1, -1, -1 }

/** Stage an add action. DLT_EINVAL: bad path (empty, escaping the root), negative size. */
DLT_API int dlt_txn_add_file(dlt_txn *txn, const dlt_txn_file *file, dlt_error *err);
/** Stage a remove action (extendedFileMetadata true when size is known). */
DLT_API int dlt_txn_remove_file(dlt_txn *txn, const dlt_txn_file *file, dlt_error *err);
/**
 * Remove the live file `path` (as dlt_snapshot_files reports it) of the read
 * snapshot: the remove copies its partition values, size, stats, tags and
 * DV; the file is also recorded as read. DLT_ENOTFOUND if not live.
 */
DLT_API int dlt_txn_remove_live_file(dlt_txn *txn, const char *path, int data_change,
                                     dlt_error *err);
/** Stage a cdc action (change data file under _change_data/). */
DLT_API int dlt_txn_add_cdc(dlt_txn *txn, const dlt_txn_file *file, dlt_error *err);
/**
 * Stage an application transaction (appId, version): the commit records that
 * `app_id` reached `version` (read it back with dlt_snapshot_app_txn_version).
 * A concurrent commit with the same app_id conflicts. Replaces an earlier
 * call for the same app_id.
 */
DLT_API int dlt_txn_set_app_txn(dlt_txn *txn, const char *app_id, int64_t version,
                                dlt_error *err);
/**
 * Stage domain metadata: `configuration` is the domain's JSON text (any
 * string); `removed` nonzero removes the domain. Needs the domainMetadata
 * writer feature (DLT_EUNSUPPORTED at commit otherwise). Replaces an earlier
 * call for the same domain.
 */
DLT_API int dlt_txn_set_domain_metadata(dlt_txn *txn, const char *domain,
                                        const char *configuration, int removed, dlt_error *err);

/** Table metadata for dlt_txn_set_metadata. */
typedef struct dlt_txn_metadata {
	unsigned int version;             /* DLT_TXN_METADATA_VERSION */
	const char *id;                   /* NULL: the current id, or a new UUID */
	const char *name;                 /* NULL: none */
	const char *description;          /* NULL: none */
	const char *schema_string;        /* Delta schema JSON (required) */
	const char *const *partition_columns;
	size_t n_partition_columns;
	const dlt_kv *configuration;      /* table properties (all of them: replaces) */
	size_t n_configuration;
	int64_t created_time;             /* ms; -1: now (new table) or the current one */
} dlt_txn_metadata;
#define DLT_TXN_METADATA_VERSION 1
#define DLT_TXN_METADATA_INIT \
	{ DLT_TXN_METADATA_VERSION, NULL, NULL, NULL, NULL, NULL, 0, NULL, 0, -1 }
/**
 * Stage a metaData action (replaces the table's metadata). Unless a
 * protocol is staged too, the protocol is upgraded automatically to the
 * lowest one the new properties and schema need (dlt_txn_set_protocol).
 * DLT_EINVAL: missing schema, malformed JSON.
 */
DLT_API int dlt_txn_set_metadata(dlt_txn *txn, const dlt_txn_metadata *md, dlt_error *err);

/** Protocol for dlt_txn_set_protocol. */
typedef struct dlt_txn_protocol {
	int32_t min_reader_version;
	int32_t min_writer_version;
	const char *const *reader_features; /* with reader version 3 */
	size_t n_reader_features;
	const char *const *writer_features; /* with writer version 7 */
	size_t n_writer_features;
} dlt_txn_protocol;
/**
 * Stage a protocol action. DLT_EUNSUPPORTED for a writer feature or version
 * we do not support; DLT_EINVAL for an inconsistent protocol (features
 * without reader 3 / writer 7), or a downgrade.
 */
DLT_API int dlt_txn_set_protocol(dlt_txn *txn, const dlt_txn_protocol *proto, dlt_error *err);

/** Set commitInfo.operation and operationParameters (JSON object text, NULL: {}). */
DLT_API int dlt_txn_set_operation(dlt_txn *txn, const char *operation,
                                  const char *parameters_json, dlt_error *err);
/**
 * Set one operationMetrics entry (logged as a string, as Delta does).
 * Caller values win over the ones computed automatically (numFiles,
 * numOutputRows, numOutputBytes, numRemovedFiles, numRemovedBytes,
 * numAddedChangeFiles).
 */
DLT_API int dlt_txn_set_metric(dlt_txn *txn, const char *name, int64_t value, dlt_error *err);
/**
 * Add a field to commitInfo: `json_value` is JSON text (e.g. "\"note\"" for
 * commitInfo.userMetadata). Reserved fields (timestamp, operation,
 * operationParameters, readVersion, isolationLevel, isBlindAppend,
 * operationMetrics, engineInfo, inCommitTimestamp, txnId) are DLT_EINVAL.
 */
DLT_API int dlt_txn_set_commit_info(dlt_txn *txn, const char *key, const char *json_value,
                                    dlt_error *err);

/* ------------------------------------------------------------ reads -- */

/** The transaction depended on every row of the table (any concurrent change conflicts). */
DLT_API void dlt_txn_read_whole_table(dlt_txn *txn);
/** The transaction read the rows matching `pred` (cloned); several calls: OR. */
DLT_API int dlt_txn_read_predicate(dlt_txn *txn, const dlt_expr *pred, dlt_error *err);
/** The transaction read the data file `path` (as dlt_snapshot_files reports it). */
DLT_API int dlt_txn_read_file(dlt_txn *txn, const char *path, dlt_error *err);

/* ------------------------------------------------------------ commit -- */

/**
 * Commit: write the next version. One successful commit per transaction.
 * @param[out] version_out  the version written (may be NULL).
 * @return DLT_OK; DLT_ECONFLICT (conflict, or retries exhausted: the message
 *         names the winning version and why); DLT_EUNSUPPORTED (protocol);
 *         DLT_EINVAL (invalid staged actions, e.g. new table without
 *         metadata, remove on an appendOnly table; already committed);
 *         DLT_EIO (storage: nothing was committed unless the message says
 *         the outcome is unknown).
 */
DLT_API int dlt_txn_commit(int64_t *version_out, dlt_txn *txn, dlt_error *err);
/** Commit attempts made by the last dlt_txn_commit (1 = no lost race). */
DLT_API int dlt_txn_attempts(const dlt_txn *txn);

#ifdef __cplusplus
}
#endif
#endif /* DELTALITE_TXN_H */
