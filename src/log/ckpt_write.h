/*
 * Internal: writing checkpoints (PROTOCOL.md#checkpoints, #checkpoint-schema,
 * #v2-checkpoint-table-feature, #sidecar-files, #last-checkpoint-file) and
 * metadata cleanup (PROTOCOL.md#metadata-cleanup). Never exported.
 *
 * A checkpoint is written from a snapshot (its live files, unexpired
 * tombstones, app transactions, live domains, protocol and metadata) with the
 * Parquet writer through a streamed storage put, so it becomes visible only
 * when complete; _last_checkpoint is written after it. A failure leaves the
 * table as it was (readers never depend on a checkpoint being there).
 */
#ifndef DLT_LOG_CKPT_WRITE_H
#define DLT_LOG_CKPT_WRITE_H

#include "log/log.h"

/* Which checkpoint to write. */
typedef enum dlt_log_ckpt_write_kind {
	DLT_LOG_CKPT_WRITE_AUTO = 0,    /* v2 (UUID-named) when the table has v2Checkpoint,
	                                 * else classic */
	DLT_LOG_CKPT_WRITE_CLASSIC = 1, /* <v>.checkpoint.parquet */
	DLT_LOG_CKPT_WRITE_V2 = 2       /* <v>.checkpoint.<uuid>.parquet (needs v2Checkpoint) */
} dlt_log_ckpt_write_kind;

typedef struct dlt_log_ckpt_opts {
	int kind;                 /* dlt_log_ckpt_write_kind */
	int stats_json;           /* add.stats as JSON: -1 delta.checkpoint.writeStatsAsJson
	                           * (default true), 0 no, 1 yes */
	int stats_struct;         /* add.stats_parsed + partitionValues_parsed: -1
	                           * delta.checkpoint.writeStatsAsStruct (default false) */
	int64_t sidecar_actions;  /* v2: above this many file actions they go to sidecars
	                           * of at most this many each; 0: 50000 */
	int64_t now_ms;           /* tombstone expiry reference; 0: wall clock */
	int update_last;          /* 1: write _last_checkpoint (unless a newer one is there) */
} dlt_log_ckpt_opts;
#define DLT_LOG_CKPT_OPTS_INIT { DLT_LOG_CKPT_WRITE_AUTO, -1, -1, 0, 0, 1 }

typedef struct dlt_log_ckpt_info {
	int64_t version;
	int64_t n_actions;        /* rows in the checkpoint, sidecars included ("size") */
	int64_t n_add_files;
	int64_t n_tombstones;
	int64_t n_sidecars;
	uint64_t size_in_bytes;   /* checkpoint file plus its sidecars */
	bool v2;
	bool existed;             /* a classic checkpoint of that version was already there */
	char key[128];            /* "_delta_log/..." of the (top-level) checkpoint file */
} dlt_log_ckpt_info;

/* Write a checkpoint of `snap` at snap->version (see the top of the file).
 * DLT_EUNSUPPORTED for v2 on a table without v2Checkpoint. */
int dlt_log__checkpoint_write(dlt_log_ckpt_info *out, dlt_snapshot *snap,
                              const dlt_log_ckpt_opts *opts, dlt_error *err);

/* Write _last_checkpoint for `info` (overwrite) unless it names a newer version. */
int dlt_log__last_checkpoint_write(dlt_storage *st, const dlt_log_ckpt_info *info,
                                   dlt_error *err);

/* Post-commit hook (dlt_log_post_commit_fn, log/txn.h): checkpoint when
 * `version` is a multiple of delta.checkpointInterval (default 10), then
 * clean expired logs when delta.enableExpiredLogCleanup (default true). */
struct dlt_txn;
int dlt_log__checkpoint_hook(struct dlt_txn *txn, int64_t version, void *payload,
                             dlt_error *err);

/* --------------------------------------------------------- helpers -- */

/* Wall clock, ms since the epoch. */
int64_t dlt_log__now_ms(void);
/* A random (version 4) UUID as 36 lowercase characters + NUL. */
void dlt_log__uuid4(char out[37]);
/* Spark interval text ("interval 7 days", "168 hours", "interval 1 week 2 days")
 * to ms. DLT_PARSE-like: 0 ok, -1 not an interval. */
int dlt_log__parse_interval_ms(const char *text, int64_t *out);
/* Table properties with defaults (an unparsable value gives the default). */
int64_t dlt_log__conf_interval_ms(const dlt_snapshot *s, const char *key, int64_t dflt);
bool dlt_log__conf_bool(const dlt_snapshot *s, const char *key, bool dflt);
int64_t dlt_log__conf_int(const dlt_snapshot *s, const char *key, int64_t dflt);

#define DLT_LOG_DAY_MS ((int64_t)86400000)

/* ------------------------------------------------------ cleanup.c -- */

typedef struct dlt_log_cleanup_info {
	int64_t n_deleted;            /* log files removed (commits, checkpoints, crc, ...) */
	int64_t n_sidecars_deleted;
	int64_t oldest_version_kept;  /* the checkpoint everything older was dropped before;
	                               * -1 when nothing was eligible */
} dlt_log_cleanup_info;

/* Metadata cleanup: remove log files (commits, checkpoints, compactions,
 * checksums) of versions below the newest checkpoint whose version is <= the
 * newest commit older than now - retention, and sidecars no retained
 * checkpoint references that are older than the cutoff. `retention_ms` -1:
 * delta.logRetentionDuration (default 30 days); `now_ms` 0: wall clock.
 * Every retained version stays readable. */
int dlt_log__cleanup_expired(dlt_log_cleanup_info *out, dlt_snapshot *snap, int64_t now_ms,
                             int64_t retention_ms, dlt_error *err);

#endif /* DLT_LOG_CKPT_WRITE_H */
