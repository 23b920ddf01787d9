/* Internal interface of the storage module: the handle, key checks, the
 * generic input/output adapters and the built-in backend factories. */
#ifndef DLT_STORAGE_INTERNAL_H
#define DLT_STORAGE_INTERNAL_H

#include "deltalite/storage.h"
#include "deltalite/sys/storage_backend.h"
#include "util/util.h"

struct dlt_storage {
	dlt_storage_backend *backend;
	char *uri;
};

/* Refuse keys that could leave the root (see storage.h). `is_prefix`: a list
 * prefix, where "" and a trailing '/' (or partial last segment) are fine. */
int dlt_storage__check_key(const char *key, int is_prefix, dlt_error *err);

/* Streamed put / ranged input on a backend, with the generic fallbacks when
 * the backend has no open_output / open_input of its own. */
int dlt_storage__backend_output(dlt_output **out, dlt_storage_backend *b, const char *key,
                                dlt_put_mode mode, dlt_error *err);
int dlt_storage__backend_input(dlt_input **out, dlt_storage_backend *b, const char *key,
                               dlt_error *err);

/* Built-in factories (registered as "file" and "memory"). */
int dlt_storage__file_factory(dlt_storage_backend **out, const dlt_uri *uri,
                              const dlt_kv *options, size_t options_len, void *payload,
                              dlt_error *err);
int dlt_storage__memory_factory(dlt_storage_backend **out, const dlt_uri *uri,
                                const dlt_kv *options, size_t options_len, void *payload,
                                dlt_error *err);

/* Wall clock in ms since the epoch. */
int64_t dlt_storage__now_ms(void);

/* Byte-order comparison of NUL-terminated keys (strcmp compares as unsigned char). */
static inline int dlt_storage__key_cmp(const char *a, const char *b) { return strcmp(a, b); }

/* True if `s` starts with `prefix`. */
static inline bool dlt_storage__has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

#endif /* DLT_STORAGE_INTERNAL_H */
