/*
 * Internal Delta log API: action parsing, log segments, replay into a
 * snapshot, per-commit action reading (for CDF and history). Never exported.
 *
 * Spec: PROTOCOL.md (delta-io/delta). The "table" module (scan, partition
 * values, column mapping, deletion vectors, CDF) codes against the structs
 * below: `struct dlt_snapshot` is defined here, fields read directly.
 *
 * Ownership: everything reachable from a snapshot is owned by it (arena and
 * intern pools inside) and immutable once built; share the snapshot with
 * dlt_snapshot_retain/free. Strings are NUL-terminated UTF-8.
 */
#ifndef DLT_LOG_LOG_H
#define DLT_LOG_LOG_H

#include "deltalite/common.h"
#include "deltalite/arrow_c.h"
#include "deltalite/storage.h"
#include "deltalite/table.h"
#include "util/util.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* ------------------------------------------------------------ basics -- */

/* One string key/value; value NULL = JSON null (a null partition value). */
typedef struct dlt_log_kv {
	const char *key;
	const char *value;
} dlt_log_kv;

/* An immutable list of key/values (partitionValues, tags, configuration).
 * In a snapshot, partitionValues lists are interned: files with equal
 * partition values usually share one list (a memory optimisation only:
 * compare contents, not pointers, for equality). Keys are
 * as logged (physical names under column mapping), in log order. */
typedef struct dlt_log_kvs {
	size_t n;
	const dlt_log_kv *kv;
} dlt_log_kvs;

/* Value of `key` in kvs; *found false if absent (value may be NULL = null). */
const char *dlt_log__kvs_get(const dlt_log_kvs *kvs, const char *key, bool *found);

/* -------------------------------------------------- protocol / metadata -- */

typedef struct dlt_log_protocol {
	int32_t min_reader_version;
	int32_t min_writer_version;
	bool has_reader_features;        /* readerFeatures present (reader version 3) */
	bool has_writer_features;        /* writerFeatures present (writer version 7) */
	size_t n_reader_features;
	const char *const *reader_features;
	size_t n_writer_features;
	const char *const *writer_features;
} dlt_log_protocol;

/* Is `feature` listed in readerFeatures / writerFeatures? */
bool dlt_log__has_reader_feature(const dlt_log_protocol *p, const char *feature);
bool dlt_log__has_writer_feature(const dlt_log_protocol *p, const char *feature);

typedef enum dlt_log_column_mapping {
	DLT_LOG_CM_NONE = 0,
	DLT_LOG_CM_ID,
	DLT_LOG_CM_NAME
} dlt_log_column_mapping;

typedef struct dlt_log_metadata {
	const char *id;
	const char *name;                /* NULL if absent */
	const char *description;         /* NULL if absent */
	const char *format_provider;     /* "parquet" */
	dlt_log_kvs format_options;
	const char *schema_string;       /* verbatim JSON */
	size_t n_partition_columns;
	const char *const *partition_columns; /* logical names, in order */
	dlt_log_kvs configuration;
	int64_t created_time;            /* ms; -1 if absent */
} dlt_log_metadata;

/* ------------------------------------------------------------ files -- */

/* Deletion vector descriptor (PROTOCOL.md#deletion-vector-descriptor-schema). */
typedef struct dlt_log_dv {
	char storage_type;               /* 'u', 'i', 'p'; 0: no DV */
	const char *path_or_inline_dv;   /* as logged */
	int32_t offset;                  /* -1 if absent (inline) */
	int32_t size_in_bytes;
	int64_t cardinality;
	int64_t max_row_index;           /* -1 if absent */
} dlt_log_dv;

/* Flags of a dlt_log_file. */
#define DLT_LOG_FILE_DATA_CHANGE      0x01u
#define DLT_LOG_FILE_ABSOLUTE         0x02u /* path is an absolute URI ("s3://b/x") */
#define DLT_LOG_FILE_HAS_BASE_ROW_ID  0x04u
#define DLT_LOG_FILE_HAS_ROW_COMMIT_V 0x08u
#define DLT_LOG_FILE_STATS_FROM_PARSED 0x10u /* stats text rebuilt from stats_parsed */
#define DLT_LOG_FILE_EXTENDED_METADATA 0x20u /* remove: extendedFileMetadata true */

/* A live add (or, in tombstones, a remove): compact, no JSON DOM. */
typedef struct dlt_log_file {
	const char *path;                /* percent-decoded: a storage key relative to the
	                                  * table root, or an absolute URI (flag ABSOLUTE) */
	const dlt_log_kvs *partition_values; /* interned; never NULL (may be empty) */
	int64_t size;                    /* bytes; -1 if absent (removes) */
	int64_t modification_time;       /* add: ms; remove: deletionTimestamp (-1 absent) */
	const char *stats;               /* JSON text or NULL */
	int64_t num_records;             /* stats.numRecords; -1 unknown */
	const dlt_log_kvs *tags;         /* NULL if none */
	dlt_log_dv dv;
	int64_t base_row_id;             /* valid with DLT_LOG_FILE_HAS_BASE_ROW_ID */
	int64_t default_row_commit_version; /* valid with DLT_LOG_FILE_HAS_ROW_COMMIT_V */
	const char *clustering_provider; /* NULL if none */
	uint32_t flags;
} dlt_log_file;

/* Unique id of a DV ("<storageType><pathOrInlineDv>[@<offset>]") into buf;
 * "" when none. Returns the length (truncated to cap-1). */
size_t dlt_log__dv_unique_id(char *buf, size_t cap, const dlt_log_dv *dv);

typedef struct dlt_log_txn {
	const char *app_id;
	int64_t version;
	int64_t last_updated;            /* ms; -1 if absent */
} dlt_log_txn;

typedef struct dlt_log_domain {
	const char *domain;
	const char *configuration;       /* JSON text as logged (a string) */
} dlt_log_domain;

/* --------------------------------------------------------- actions -- */

typedef enum dlt_log_action_kind {
	DLT_LOG_ADD = 1,
	DLT_LOG_REMOVE,
	DLT_LOG_CDC,
	DLT_LOG_PROTOCOL,
	DLT_LOG_METADATA,
	DLT_LOG_TXN,
	DLT_LOG_COMMIT_INFO,
	DLT_LOG_DOMAIN_METADATA,
	DLT_LOG_CHECKPOINT_METADATA,
	DLT_LOG_SIDECAR
} dlt_log_action_kind;

/*
 * One parsed action, borrowed for the duration of the callback that
 * receives it (pointers into the parser's buffers). Copy what you keep.
 *   ADD/REMOVE/CDC: `file` (CDC: path, partition_values, size, data_change
 *     flag, tags; REMOVE: modification_time = deletionTimestamp).
 *   PROTOCOL: `protocol`; METADATA: `metadata`; TXN: `txn`.
 *   DOMAIN_METADATA: `domain` + `removed`.
 *   COMMIT_INFO: `json` = the commitInfo object as compact JSON text,
 *     `timestamp` = commitInfo.timestamp (-1), `ict` = inCommitTimestamp (-1),
 *     `operation` (NULL if absent).
 *   CHECKPOINT_METADATA: `version`. SIDECAR: `file` (path, size,
 *     modification_time; path NOT decoded-checked against the root: it is
 *     relative to _delta_log/_sidecars/).
 */
typedef struct dlt_log_action {
	dlt_log_action_kind kind;
	int64_t line;                    /* 1-based line in a commit file; row in a checkpoint */
	dlt_log_file file;
	dlt_log_protocol protocol;
	dlt_log_metadata metadata;
	dlt_log_txn txn;
	dlt_log_domain domain;
	bool removed;
	bool arena_owned;                /* ADD: file.path and file.stats live in the arena
	                                  * given to dlt_log__read_parquet_actions_arena */
	const char *json;
	const char *operation;
	int64_t timestamp;
	int64_t ict;
	int64_t version;
} dlt_log_action;

/* Return DLT_OK to go on, a negative code to stop with it. */
typedef int (*dlt_log_action_cb)(const dlt_log_action *a, void *payload, dlt_error *err);

/*
 * Parse newline-delimited JSON actions (a commit or compacted file, a JSON v2
 * checkpoint). `name` (e.g. "_delta_log/00000000000000000003.json") is used
 * in errors: "commit _delta_log/...json: line 4: add.size: expected an
 * integer". Unknown fields and unknown action kinds are ignored; blank lines
 * are skipped; malformed JSON, wrong types, missing required fields, a path
 * escaping the table root -> DLT_ECORRUPT (err->row = line).
 */
int dlt_log__parse_actions(const char *data, size_t len, const char *name,
                           dlt_log_action_cb cb, void *payload, dlt_error *err);

/* Parse a Delta schema JSON string to an Arrow schema ("+s", logical names,
 * nullable flags, Delta field metadata kept as Arrow metadata: "comment",
 * "delta.columnMapping.id", "delta.columnMapping.physicalName",
 * "delta.typeChanges" (JSON text), any other key as its JSON text (strings
 * unquoted)). variant -> struct<metadata: binary, value: binary> with Arrow
 * metadata "delta.type" = "variant"; void -> null type "n".
 * DLT_ECORRUPT (malformed) / DLT_EUNSUPPORTED (unknown type, named). */
int dlt_log__schema_to_arrow(struct ArrowSchema *out, const char *schema_json,
                             dlt_error *err);

/* Percent-decode a log path (PROTOCOL.md: paths are URIs) and check it:
 * relative paths must not escape the table root ("..", empty segments at the
 * start, leading '/'); absolute URIs (scheme "x:") are kept and flagged.
 * *out: dlt_free. DLT_ECORRUPT naming the path. */
int dlt_log__decode_path(char **out, bool *absolute, const char *path, dlt_error *err);

/* ------------------------------------------------------- segments -- */

typedef enum dlt_log_checkpoint_kind {
	DLT_LOG_CKPT_NONE = 0,
	DLT_LOG_CKPT_CLASSIC,            /* <v>.checkpoint.parquet */
	DLT_LOG_CKPT_MULTI,              /* <v>.checkpoint.<i>.<n>.parquet, all parts */
	DLT_LOG_CKPT_V2_JSON,            /* <v>.checkpoint.<uuid>.json */
	DLT_LOG_CKPT_V2_PARQUET          /* <v>.checkpoint.<uuid>.parquet */
} dlt_log_checkpoint_kind;

typedef struct dlt_log_fileref {
	char *key;                       /* storage key ("_delta_log/...") */
	uint64_t size;
	int64_t mtime_ms;
	int64_t version;                 /* commit/checkpoint version; compaction: start */
	int64_t end_version;             /* compaction: end; else = version */
} dlt_log_fileref;

/* The files that make up the snapshot at `version`. */
typedef struct dlt_log_segment {
	int64_t version;                 /* snapshot version */
	dlt_log_checkpoint_kind checkpoint_kind;
	int64_t checkpoint_version;      /* -1 if none */
	dlt_log_fileref *checkpoint_parts; size_t n_checkpoint_parts;
	dlt_log_fileref *commits; size_t n_commits;       /* after the checkpoint, ascending */
	dlt_log_fileref *compactions; size_t n_compactions; /* usable compaction files */
	dlt_log_fileref last_commit;     /* the commit file of `version` (key NULL if cleaned up) */
} dlt_log_segment;
#define DLT_LOG_SEGMENT_INIT { -1, DLT_LOG_CKPT_NONE, -1, NULL, 0, NULL, 0, NULL, 0, \
	{ NULL, 0, 0, -1, -1 } }

/* Find the segment for `version` (-1 = latest). `start_after`: consider only
 * commits after this version, reusing no checkpoint (-1: full search; used by
 * dlt_snapshot_update). DLT_ENOTFOUND (no log / version absent), DLT_ECORRUPT
 * (gap in versions). */
int dlt_log__find_segment(dlt_log_segment *out, dlt_storage *st, int64_t version,
                          int64_t start_after, dlt_error *err);
void dlt_log__segment_dispose(dlt_log_segment *seg);
/* The segment dlt_log__find_segment(out, st, version, from) would give, found
 * with one head() per commit after `from` instead of a listing (which costs
 * as much as the log is long). 1: *out filled (out->version == from and no
 * commits when nothing is newer); 0: use the listing instead (more than
 * max_probes commits, a commit missing, or nothing newer but `from`'s own
 * commit gone or not `from_ref` (may be NULL) any more). Never fails. */
int dlt_log__probe_segment(dlt_log_segment *out, dlt_storage *st, int64_t version,
                           int64_t from, const dlt_log_fileref *from_ref, int max_probes);

/* ------------------------------------------------------- snapshot -- */

/* Shared, refcounted table location (storage + uri), kept by the table
 * handle and by every snapshot. */
typedef struct dlt_log_root {
	atomic_long refs;
	dlt_storage *storage;
	char *uri;
} dlt_log_root;
void dlt_log__root_retain(dlt_log_root *r);
void dlt_log__root_release(dlt_log_root *r);

typedef struct dlt_log_arena dlt_log_arena;   /* bump allocator + interning, internal */

struct dlt_snapshot {
	atomic_long refs;
	dlt_log_root *root;              /* storage for data/DV files (keys = file.path) */
	int64_t version;
	int64_t timestamp;               /* ms: in-commit timestamp when enabled, else
	                                  * the commit file's modification time */
	dlt_log_protocol protocol;
	dlt_log_metadata metadata;
	struct ArrowSchema schema;       /* logical schema (dlt_log__schema_to_arrow) */
	dlt_log_column_mapping column_mapping;
	int64_t ict_enablement_version;  /* -1 if ICT not enabled */
	/* live adds in log order (checkpoint, then commits); tombstones likewise */
	dlt_log_file *files; size_t n_files;
	dlt_log_file *tombstones; size_t n_tombstones;
	dlt_log_txn *txns; size_t n_txns;                /* sorted by app_id */
	dlt_log_domain *domains; size_t n_domains;       /* live, sorted by domain */
	dlt_log_segment segment;         /* what it was built from */
	dlt_log_arena *arena;            /* owns every string above */
	dlt_snapshot *base;              /* dlt_snapshot_update: the older snapshot whose
	                                  * strings the carried-over files borrow (retained) */
	size_t bytes;                    /* memory held (for bytes-per-file metrics) */
};

/* Table handle on `st` (consumed on every path) without checking that a
 * log exists (transactions creating a table). uri NULL: the storage's. */
int dlt_log__table_new(dlt_table **out, dlt_storage *st, const char *uri, dlt_error *err);
/* The root of a table handle (borrowed). */
dlt_log_root *dlt_log__table_root(const dlt_table *table);
/* The latest snapshot (a new reference), from the last one loaded through
 * `table` brought up to date when there is one (see dlt_log__probe_segment),
 * else loaded. DLT_ENOTFOUND when there is no log. */
int dlt_log__table_latest(dlt_snapshot **out, dlt_table *table, dlt_error *err);

/* Build the snapshot at `version` (-1 latest). Checks the protocol
 * (DLT_EUNSUPPORTED naming an unknown reader feature). */
int dlt_log__snapshot_load(dlt_snapshot **out, dlt_log_root *root, int64_t version,
                           dlt_error *err);
/* Reader support check alone: DLT_EUNSUPPORTED naming what is missing. */
int dlt_log__check_reader_protocol(const dlt_log_protocol *p, dlt_error *err);

/* ------------------------------------------- per-commit iteration -- */

/* Read and parse the commit file of `version`, calling cb for every action in
 * file order (CDF, history). *timestamp_out (may be NULL): the commit's
 * timestamp (inCommitTimestamp if present, else the file's mtime). */
int dlt_log__read_commit(dlt_log_root *root, int64_t version, dlt_log_action_cb cb,
                         void *payload, int64_t *timestamp_out, dlt_error *err);

/* Commit timestamps (ms) of versions [from, to] as the protocol defines them
 * for time travel (ICT from the enablement version on, mtimes before). */
int dlt_log__commit_timestamps(int64_t **ts_out, dlt_log_root *root, int64_t from,
                               int64_t to, const dlt_snapshot *latest, dlt_error *err);

#endif /* DLT_LOG_LOG_H */
