/* Internal to src/log: checkpoint and JSON file readers. */
#ifndef DLT_LOG_CKPT_H
#define DLT_LOG_CKPT_H

#include "log/log.h"

/* Every action in a Parquet checkpoint / sidecar file, in row order. */
int dlt_log__read_parquet_actions(dlt_storage *st, const char *key, dlt_log_action_cb cb,
                                  void *payload, dlt_error *err);
/* The same, calling rows_cb(number of rows, payload) first (a capacity hint;
 * a negative return stops with that code). */
int dlt_log__read_parquet_actions_hint(dlt_storage *st, const char *key, dlt_log_action_cb cb,
                                       int (*rows_cb)(int64_t rows, void *payload),
                                       void *payload, dlt_error *err);
/* The same; `keep` non-NULL: the path and stats of every add are copied
 * straight into that arena (a.arena_owned set), for a consumer that keeps
 * them (snapshot replay): one copy, no scratch. */
int dlt_log__read_parquet_actions_arena(dlt_storage *st, const char *key, dlt_log_action_cb cb,
                                        int (*rows_cb)(int64_t rows, void *payload),
                                        void *payload, dlt_log_arena *keep, dlt_error *err);
/* One consumer of a checkpoint's rows (see dlt_log__read_parquet_actions_par). */
typedef struct dlt_log_ckpt_consumer {
	dlt_log_action_cb cb;
	void *payload;
	dlt_log_arena *keep;  /* as in dlt_log__read_parquet_actions_arena */
} dlt_log_ckpt_consumer;
#define DLT_LOG_CKPT_MAX_CONSUMERS 4
/* dlt_log__read_parquet_actions_arena with n_cons consumers, each on its own
 * thread (consumer 0 on the caller's): batches of rows are handed out in
 * turn, so a consumer sees some of the rows, each row once, in row order
 * within its batches. Callbacks of different consumers run concurrently.
 * rows_cb(rows, rows_payload) first, as before. On failure, the error of the
 * earliest failing batch. */
int dlt_log__read_parquet_actions_par(dlt_storage *st, const char *key,
                                      const dlt_log_ckpt_consumer *cons, int n_cons,
                                      int (*rows_cb)(int64_t rows, void *payload),
                                      void *rows_payload, dlt_error *err);
/* Every action in a newline-delimited JSON log file (commit, compaction, v2 JSON). */
int dlt_log__read_json_actions(dlt_storage *st, const char *key, dlt_log_action_cb cb,
                               void *payload, dlt_error *err);
/* dlt_log__decode_path without a copy when there is nothing to decode: *out
 * is `path` itself, or *owned (dlt_free) when decoding was needed. */
int dlt_log__decode_path_ref(const char **out, char **owned, bool *absolute, const char *path,
                             dlt_error *err);
/* dlt_log__parse_actions with a choice of parser (tests, fuzzing): mode 0 the
 * fast scanner for plain add/remove lines, jansson for the rest (default);
 * 1 jansson only; 2 the fast scanner only (a line it declines is an error). */
int dlt_log__parse_actions_mode(const char *data, size_t len, const char *name,
                                dlt_log_action_cb cb, void *payload, int mode, dlt_error *err);
/* dlt_log__parse_actions over a run of whole lines of a bigger file: *line
 * counts the lines before `data` on entry (errors name the line in the
 * file) and the lines through `data` on return. */
int dlt_log__parse_actions_lines(const char *data, size_t len, const char *name,
                                 dlt_log_action_cb cb, void *payload, int64_t *line,
                                 dlt_error *err);
/* Every field of an action as one line of text (tests: comparing parsers). */
void dlt_log__action_describe(dlt_buf *b, const dlt_log_action *a);
/* numRecords from stats JSON text; -1 if absent. */
int64_t dlt_log__stats_num_records(const char *stats);
/* _last_checkpoint version, -1 if missing/unusable. */
int64_t dlt_log__last_checkpoint_hint(dlt_storage *st);

#endif
