/*
 * deltalite/sys/storage_backend.h - for authors of storage backends.
 *
 * A backend is a versioned table of functions plus capability flags, made by
 * a factory registered for a URL scheme (like an SQLite VFS). Implementations
 * allocate a larger struct whose first member is dlt_storage_backend and cast
 * back in their functions. The library validates every key before calling a
 * backend: keys reaching a backend are relative, non-empty, '/'-separated,
 * with no empty, "." or ".." segment and no backslash or control byte.
 * Every function may be called from several threads at once.
 *
 * This header may change in minor releases (see STYLE: sys/).
 */
#ifndef DELTALITE_SYS_STORAGE_BACKEND_H
#define DELTALITE_SYS_STORAGE_BACKEND_H

#include "../common.h"
#include "../io.h"
#include "../storage.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DLT_STORAGE_BACKEND_VERSION 1

/* Capability flags. */
#define DLT_STORAGE_CAP_PUT_IF_ABSENT 0x1u /* put(DLT_PUT_IF_ABSENT) is atomic */
#define DLT_STORAGE_CAP_RANGE_READ    0x2u /* read_range does not fetch the whole object */
#define DLT_STORAGE_CAP_STREAM_PUT    0x4u /* open_output streams in bounded memory */
#define DLT_STORAGE_CAP_MTIME         0x8u /* mtime_ms is meaningful */

typedef struct dlt_storage_backend dlt_storage_backend;

struct dlt_storage_backend {
	unsigned int version; /* DLT_STORAGE_BACKEND_VERSION */
	uint32_t caps;        /* DLT_STORAGE_CAP_* */
	const char *name;     /* "file", "memory": in messages; static or owned by the backend */
	/** Object metadata; out->key is set by the caller. DLT_ENOTFOUND if absent. */
	int (*head)(dlt_storage_backend *b, const char *key, dlt_object_meta *out,
	            dlt_error *err);
	/**
	 * Read up to `len` bytes at `offset` into `dst`; *got < len only at the end
	 * of the object (0 at or past it). DLT_ENOTFOUND if absent.
	 */
	int (*read_range)(dlt_storage_backend *b, const char *key, uint64_t offset, void *dst,
	                  size_t len, size_t *got, dlt_error *err);
	/** Atomic whole-object put; IF_ABSENT: DLT_EEXISTS if present. */
	int (*put)(dlt_storage_backend *b, const char *key, const void *data, size_t len,
	           dlt_put_mode mode, dlt_error *err);
	/**
	 * Entries whose key starts with `prefix` ("" for all) and sorts strictly
	 * after `start_after` (NULL: no bound), in byte order, recursive or
	 * delimited by '/' (see dlt_list_options). The library checks the order.
	 */
	int (*list)(dlt_storage_backend *b, const char *prefix, const char *start_after,
	            int recursive, dlt_list_cb cb, void *payload, dlt_error *err);
	/** Remove; DLT_OK if absent. */
	int (*remove)(dlt_storage_backend *b, const char *key, dlt_error *err);
	/** Optional (NULL: the library builds one from head + read_range). */
	int (*open_input)(dlt_storage_backend *b, const char *key, dlt_input **out,
	                  dlt_error *err);
	/** Optional (NULL: the library buffers in memory and calls put on finish). */
	int (*open_output)(dlt_storage_backend *b, const char *key, dlt_put_mode mode,
	                   dlt_output **out, dlt_error *err);
	/** Release the backend. */
	void (*free)(dlt_storage_backend *b);
	/* end of version 1: new members are appended */
};

/**
 * Make a backend for `uri` (parsed; uri->scheme is the registered scheme).
 * `options` are borrowed for the call: copy what you keep.
 */
typedef int (*dlt_storage_factory_fn)(dlt_storage_backend **out, const dlt_uri *uri,
                                      const dlt_kv *options, size_t options_len,
                                      void *payload, dlt_error *err);

/**
 * Register `factory` for `scheme` (case-insensitive, e.g. "s3"), replacing a
 * previous registration (built-ins included); NULL `factory` unregisters.
 * Call before opening stores (not synchronised with dlt_storage_open callers
 * beyond a mutex: handles already open keep their backend).
 */
DLT_API int dlt_storage_register(const char *scheme, dlt_storage_factory_fn factory,
                                 void *payload, dlt_error *err);

/** Wrap an already built backend (consumed) in a handle; `uri` is copied. */
DLT_API int dlt_storage_from_backend(dlt_storage **out, dlt_storage_backend *backend,
                                     const char *uri, dlt_error *err);

#ifdef __cplusplus
}
#endif
#endif /* DELTALITE_SYS_STORAGE_BACKEND_H */
