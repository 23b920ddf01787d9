/* Bump allocator and interning for snapshots (internal to src/log). */
#ifndef DLT_LOG_ARENA_H
#define DLT_LOG_ARENA_H

#include "log/log.h"

int dlt_log__arena_new(dlt_log_arena **out, dlt_error *err);
void dlt_log__arena_free(dlt_log_arena *a);
/* Move src's blocks into dst and free src: what was allocated from src stays
 * valid for dst's lifetime (src's intern tables are dropped: strings interned
 * in each are still equal by content, not necessarily by pointer). */
void dlt_log__arena_adopt(dlt_log_arena *dst, dlt_log_arena *src);
/* Memory held by the arena (chunks + intern tables). */
size_t dlt_log__arena_bytes(const dlt_log_arena *a);
/* n bytes aligned to 8; NULL on ENOMEM. */
void *dlt_log__arena_alloc(dlt_log_arena *a, size_t n);
/* Copy of s (NULL -> NULL; *ok false on ENOMEM). */
const char *dlt_log__arena_strdup(dlt_log_arena *a, const char *s, bool *ok);
/* Interned copy of s: equal strings share one pointer. NULL -> NULL. */
const char *dlt_log__arena_intern(dlt_log_arena *a, const char *s, bool *ok);
/* Interned kv list (keys and values interned; equal lists share one pointer). */
const dlt_log_kvs *dlt_log__arena_intern_kvs(dlt_log_arena *a, const dlt_log_kv *kv, size_t n,
                                             bool *ok);
/* Copy (not interned) of a kv list with strings interned. */
const dlt_log_kvs *dlt_log__arena_copy_kvs(dlt_log_arena *a, const dlt_log_kv *kv, size_t n,
                                           bool *ok);
uint64_t dlt_log__hash_str(const char *s, uint64_t h);

#endif
