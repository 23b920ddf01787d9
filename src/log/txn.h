/*
 * Internal transaction API (commit path). Never exported.
 *
 * Public side: include/deltalite/txn.h (dlt_txn_*). This header adds what the
 * ops module (write, delete, merge, restore, checkpoint, vacuum) needs:
 * staging actions from the log's own structs (dlt_log_file, dlt_log_metadata,
 * dlt_log_protocol), declaring reads of partitions, post-commit hooks,
 * action serialization (PROTOCOL.md#actions), the lowest protocol a set of
 * properties needs, the writer-protocol check and version checksum (.crc)
 * files.
 *
 * Spec: PROTOCOL.md (delta-io/delta) sections "Actions", "Commit
 * Provenance Information", "In-Commit Timestamps", "Version Checksum File",
 * "Table Features"; Delta docs "concurrency control" for conflict rules.
 */
#ifndef DLT_LOG_TXN_H
#define DLT_LOG_TXN_H

#include "deltalite/txn.h"
#include "log/log.h"

/* ------------------------------------------------- serialization -- */

/*
 * Append one action as a single JSON line (ending in '\n') to `b`, exactly as
 * PROTOCOL.md specifies its fields: {"add":{...}}, {"remove":{...}},
 * {"cdc":{...}}, {"metaData":{...}}, {"protocol":{...}}, {"txn":{...}},
 * {"domainMetadata":{...}}, {"commitInfo": <a->json verbatim>},
 * {"checkpointMetadata":{"version":..}}, {"sidecar":{...}}.
 * File paths are percent-encoded (dlt_storage_uri_encode); optional fields
 * with "absent" values (-1, NULL) are omitted. Output parses back with
 * dlt_log__parse_actions to the same action. DLT_EINVAL for a kind/field
 * that cannot be written (e.g. commitInfo without json).
 */
int dlt_log__write_action(dlt_buf *b, const dlt_log_action *a, dlt_error *err);

/* Append `s` as a JSON string literal (quoted, escaped) to `b`. */
int dlt_log__write_json_string(dlt_buf *b, const char *s, dlt_error *err);

/* ----------------------------------------------------- protocol -- */

/* Writer features we support writing (NULL-terminated list). */
extern const char *const dlt_log__supported_writer_features[];

/*
 * Can we write a table with this protocol (and metadata, may be NULL)?
 * Writer version > 7, an unsupported or unknown writer feature (identityColumns,
 * rowTracking, ...), a legacy writer 6 table that uses identity columns ->
 * DLT_EUNSUPPORTED naming it. Reader side checked too
 * (dlt_log__check_reader_protocol).
 */
int dlt_log__check_writer_protocol(const dlt_log_protocol *p, const dlt_log_metadata *md,
                                   dlt_error *err);

/* A protocol owning its strings (dlt_log__protocol_dispose). */
typedef struct dlt_log_protocol_owned {
	dlt_log_protocol p;              /* feature arrays point into the fields below */
	char **reader;
	char **writer;
} dlt_log_protocol_owned;
void dlt_log__protocol_dispose(dlt_log_protocol_owned *p);

/*
 * The lowest protocol that satisfies `current` (may be NULL: a new table;
 * never downgraded), the table properties `config` and the schema
 * `schema_json` (may be NULL), plus `extra` features (names, may be NULL):
 * legacy versions when they suffice (appendOnly/invariants -> writer 2,
 * checkConstraints -> 3, changeDataFeed/generatedColumns -> 4,
 * columnMapping -> reader 2 / writer 5); reader 3 / writer 7 with feature
 * lists as soon as a table feature needs them (deletionVectors,
 * timestampNtz, v2Checkpoint, typeWidening, vacuumProtocolCheck: reader and
 * writer; inCommitTimestamp, domainMetadata: writer only). Properties read:
 * delta.appendOnly, delta.constraints.*, delta.enableChangeDataFeed,
 * delta.columnMapping.mode, delta.enableDeletionVectors,
 * delta.checkpointPolicy=v2, delta.enableInCommitTimestamps,
 * delta.enableTypeWidening, delta.feature.<name>=supported|enabled,
 * delta.minReaderVersion, delta.minWriterVersion. Schema: invariants,
 * generated columns, timestamp_ntz. *changed: differs from `current`.
 * DLT_EUNSUPPORTED for a feature we cannot write (named).
 */
int dlt_log__protocol_required(dlt_log_protocol_owned *out, bool *changed,
                               const dlt_log_protocol *current, const dlt_log_kvs *config,
                               const char *schema_json, const char *const *extra,
                               size_t n_extra, dlt_error *err);

/* ------------------------------------------------------ staging -- */

/*
 * Stage one action given as the log's struct (copied):
 *   DLT_LOG_ADD / DLT_LOG_REMOVE / DLT_LOG_CDC: a->file (paths decoded,
 *     relative or absolute; DLT_LOG_FILE_DATA_CHANGE flag = dataChange;
 *     remove: modification_time = deletionTimestamp, -1 = now);
 *   DLT_LOG_TXN: a->txn (last_updated -1 = now);
 *   DLT_LOG_DOMAIN_METADATA: a->domain + a->removed;
 *   DLT_LOG_METADATA: a->metadata; DLT_LOG_PROTOCOL: a->protocol.
 * Other kinds: DLT_EINVAL. Checks as the public staging functions.
 */
int dlt_log__txn_stage(dlt_txn *txn, const dlt_log_action *a, dlt_error *err);

/* Remove every live file of the read snapshot (overwrite), recording them read. */
int dlt_log__txn_remove_all(dlt_txn *txn, bool data_change, dlt_error *err);

/*
 * Declare that the transaction read the partition with these values (keys as
 * logged, i.e. physical names under column mapping; value NULL = null):
 * concurrent adds into that partition conflict as ConcurrentAppend, removes of
 * files in it as ConcurrentDeleteRead.
 */
int dlt_log__txn_read_partition(dlt_txn *txn, const dlt_log_kvs *partition_values,
                                dlt_error *err);

/* Staged metadata / protocol (NULL if none staged). Borrowed from the txn. */
const dlt_log_metadata *dlt_log__txn_staged_metadata(const dlt_txn *txn);
const dlt_log_protocol *dlt_log__txn_staged_protocol(const dlt_txn *txn);
/* Effective metadata / protocol after the commit: staged, else the read
 * snapshot's (NULL for a new table with nothing staged). */
const dlt_log_metadata *dlt_log__txn_metadata(const dlt_txn *txn);
const dlt_log_protocol *dlt_log__txn_protocol(const dlt_txn *txn);

/* The table root the transaction commits to (borrowed). */
dlt_log_root *dlt_log__txn_root(const dlt_txn *txn);

/* ---------------------------------------------- post-commit hooks -- */

/*
 * Post-commit hook: runs after a successful commit of `version`, in
 * registration order (global hooks first, then the transaction's). Its
 * error does not fail the commit: it is kept and reported by
 * dlt_log__txn_hook_status. Use dlt_log__txn_post_snapshot for the table
 * state after the commit.
 */
typedef int (*dlt_log_post_commit_fn)(dlt_txn *txn, int64_t version, void *payload,
                                      dlt_error *err);

/* Add a hook to this transaction (DLT_ENOMEM). */
int dlt_log__txn_add_hook(dlt_txn *txn, const char *name, dlt_log_post_commit_fn fn,
                          void *payload, dlt_error *err);
/*
 * Register a hook for every transaction of the process (e.g. "checkpoint"):
 * call before any transaction starts (not thread-safe against commits).
 * Registering the same name again replaces it; fn NULL unregisters.
 * At most 16 global hooks (DLT_ELIMIT).
 */
int dlt_log__register_post_commit_hook(const char *name, dlt_log_post_commit_fn fn,
                                       void *payload, dlt_error *err);
/* Status of the hooks (and .crc write) of the last commit: DLT_OK, or the
 * first failure with its message copied to err. */
int dlt_log__txn_hook_status(const dlt_txn *txn, dlt_error *err);

/* The snapshot at the committed version (built once, incrementally from the
 * read snapshot; borrowed, owned by the txn). Only after a successful commit. */
int dlt_log__txn_post_snapshot(dlt_snapshot **out, dlt_txn *txn, dlt_error *err);

/* Disable the .crc write of this transaction (tests, bulk tools). */
void dlt_log__txn_set_write_crc(dlt_txn *txn, bool on);

/* ------------------------------------------------- in-commit time -- */

/* Clock for commit timestamps (ms). Tests may replace it (NULL: real clock). */
typedef int64_t (*dlt_log_clock_fn)(void *payload);
void dlt_log__txn_set_clock(dlt_txn *txn, dlt_log_clock_fn fn, void *payload);

/* ------------------------------------------------------- checksum -- */

/* Parsed version checksum (PROTOCOL.md#version-checksum-file). */
typedef struct dlt_log_crc {
	int64_t table_size_bytes;
	int64_t num_files;
	int64_t num_metadata;
	int64_t num_protocol;
	int64_t in_commit_timestamp;     /* -1 if absent */
	char *metadata_id;               /* metadata.id; NULL if absent */
	int32_t min_reader_version, min_writer_version;
} dlt_log_crc;
void dlt_log__crc_dispose(dlt_log_crc *c);

/* Serialize the checksum of `snap` (JSON object + '\n') into b. */
int dlt_log__crc_build(dlt_buf *b, const dlt_snapshot *snap, dlt_error *err);
/* Write _delta_log/<snap->version>.crc (overwrite). */
int dlt_log__crc_write(dlt_storage *st, const dlt_snapshot *snap, dlt_error *err);
/* Read and parse _delta_log/<version>.crc: DLT_ENOTFOUND if absent,
 * DLT_ECORRUPT (naming the file) if malformed. */
int dlt_log__crc_read(dlt_log_crc *out, dlt_storage *st, int64_t version, dlt_error *err);
/* Does the checksum agree with the snapshot? (false: do not trust it) */
bool dlt_log__crc_matches(const dlt_log_crc *c, const dlt_snapshot *snap);

/* --------------------------------------------------- internal layout --
 * Shared by txn.c, commit.c and conflict.c only; other modules use the
 * functions above. */

typedef struct dlt_txn_hook {
	char *name;
	dlt_log_post_commit_fn fn;
	void *payload;
} dlt_txn_hook;

typedef struct dlt_txn_domain {
	char *domain;
	char *configuration;
	bool removed;
} dlt_txn_domain;

struct dlt_txn {
	dlt_log_root *root;              /* retained */
	dlt_snapshot *snap;              /* read snapshot (retained); NULL: new table */
	int64_t read_version;            /* -1: new table */
	dlt_isolation_level isolation;
	int max_retries;
	char *operation, *op_params, *engine_info;
	/* every string / array below is owned through this list */
	void **owned; size_t n_owned, cap_owned;
	/* staged data file actions, already serialized (one JSON line each) */
	dlt_buf files;
	size_t n_add, n_remove, n_cdc, n_add_no_change, n_remove_data_change;
	int64_t add_bytes, add_rows, remove_bytes, remove_rows, cdc_bytes;
	bool add_rows_unknown, remove_rows_unknown;
	char **removed; size_t n_removed, cap_removed;   /* decoded paths we remove */
	/* reads */
	bool read_whole;
	char **read_files; size_t n_read_files, cap_read_files;
	/* live files of snap by path (hash -> index + 1), built on first lookup */
	uint32_t *live_index; size_t live_index_cap;
	dlt_log_kvs *read_parts; size_t n_read_parts, cap_read_parts;
	dlt_expr **preds; size_t n_preds, cap_preds;
	/* other actions */
	dlt_log_txn *apps; size_t n_apps, cap_apps;
	dlt_txn_domain *doms; size_t n_doms, cap_doms;
	bool has_md, has_proto;
	dlt_log_metadata md;
	dlt_log_protocol proto;
	/* commitInfo */
	char **metric_names; int64_t *metric_vals; size_t n_metrics, cap_metrics;
	char **ci_keys, **ci_vals; size_t n_ci, cap_ci;
	/* hooks */
	dlt_txn_hook *hooks; size_t n_hooks, cap_hooks;
	dlt_log_clock_fn clock; void *clock_payload;
	bool write_crc;
	/* outcome */
	bool committed;
	int attempts;
	int64_t version;
	int hook_rc;
	dlt_error hook_err;
	dlt_snapshot *post;
};

/* txn.c helpers for commit.c / conflict.c */
int dlt_log__txn_grow(void **arr, size_t *cap, size_t n, size_t elem, dlt_error *err);
char *dlt_log__txn_keep_str(dlt_txn *txn, const char *s, dlt_error *err);
void *dlt_log__txn_keep_mem(dlt_txn *txn, size_t size, dlt_error *err);
int64_t dlt_log__txn_now(const dlt_txn *txn);
const char *dlt_log__isolation_name(dlt_isolation_level l);
/* A random (version 4) UUID as 36 chars + NUL into buf[37+]. */
void dlt_log__uuid(char *buf);
/* Global post-commit hooks (txn.c registry). */
size_t dlt_log__global_hooks(const dlt_txn_hook **out);

/* conflict.c: check winning commit `version` against the transaction.
 * *ict_out: the winner's inCommitTimestamp (-1 if none). DLT_ECONFLICT with
 * "commit conflict with version V (OP): <reason>". */
int dlt_log__txn_check_winner(dlt_txn *txn, int64_t version, const uint8_t *data, size_t len,
                              int64_t *ict_out, dlt_error *err);

#endif /* DLT_LOG_TXN_H */
