/*
 * deltalite/storage.h - the object store under every table: list, head,
 * ranged get, put, put-if-absent, delete, streamed put.
 *
 * A dlt_storage is opened from a URI and rooted at the table location:
 *   "/data/t", "data/t" (plain paths: taken literally, '%' is just a byte),
 *   "file:///data/t", "file:/data/t", "file://localhost/data/t" (%-escapes decoded),
 *   "memory://name" or "memory://name/sub/dir" (an in-process store shared by
 *   name, for tests), and any scheme registered with dlt_storage_register()
 *   (s3://, az://, abfss://, gs:// arrive as such backends). Settings such as
 *   credentials travel as dlt_kv pairs; each backend reads the keys it knows
 *   and ignores the others.
 *
 * Keys: every path given to a dlt_storage is a relative key under its root,
 * '/'-separated, e.g. "_delta_log/00000000000000000000.json". Keys are raw
 * object names, taken byte for byte: "p=a%3Db/part-0.parquet" names a file
 * whose name holds '%', '3', 'D' (decode a Delta log `add.path` with
 * dlt_storage_uri_decode() first). A key that is empty, absolute, has an
 * empty, "." or ".." segment, or holds a backslash or a control character is
 * refused with DLT_EINVAL naming it, so nothing can reach outside the root.
 *
 * Guarantees: a whole-object put is atomic (readers see the old object or the
 * new one, never a part); DLT_PUT_IF_ABSENT is the commit primitive: of
 * concurrent creators of one key exactly one succeeds, the others get
 * DLT_EEXISTS and the object holds the winner's complete bytes. A streamed
 * put (dlt_storage_open_output) becomes visible only when finished.
 *
 * Errors: DLT_ENOTFOUND (no such object), DLT_EEXISTS (put-if-absent lost),
 * DLT_EINVAL (bad key/URI/argument), DLT_EUNSUPPORTED (unknown scheme or
 * missing capability), DLT_EIO (I/O), DLT_EAUTH (permission), DLT_ENOMEM.
 * dlt_error.path names the object concerned.
 *
 * Threads: a dlt_storage may be used from several threads at once (every
 * built-in backend is thread-safe); registration must happen before use.
 */
#ifndef DELTALITE_STORAGE_H
#define DELTALITE_STORAGE_H

#include "common.h"
#include "io.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A string setting ("aws_region" = "eu-west-1"). Borrowed for the call. */
typedef struct dlt_kv {
	const char *key;
	const char *value;
} dlt_kv;

typedef struct dlt_storage dlt_storage; /* opaque; thread-safe */

/** Metadata of one object (or, in a non-recursive listing, one common prefix). */
typedef struct dlt_object_meta {
	const char *key;  /* borrowed: valid during the callback / while the argument lives */
	uint64_t size;    /* bytes; 0 for a prefix */
	int64_t mtime_ms; /* modification time, ms since the epoch; 0 for a prefix */
	int is_prefix;    /* nonzero: "dir/" entry of a non-recursive listing */
} dlt_object_meta;

/** Bytes returned by a get; free with dlt_bytes_dispose() (or dlt_free(data)). */
typedef struct dlt_bytes {
	uint8_t *data;
	size_t len;
} dlt_bytes;
#define DLT_BYTES_INIT { NULL, 0 }
DLT_API void dlt_bytes_dispose(dlt_bytes *b);

typedef enum dlt_put_mode {
	DLT_PUT_OVERWRITE = 0, /* replace atomically if present */
	DLT_PUT_IF_ABSENT = 1  /* DLT_EEXISTS if present: atomic, the commit primitive */
} dlt_put_mode;

/**
 * Listing callback: return 0 to go on, a positive value to stop early
 * (dlt_storage_list then returns DLT_OK), a negative dlt_code to fail with it.
 */
typedef int (*dlt_list_cb)(const dlt_object_meta *entry, void *payload);

/** Options of dlt_storage_list. Fields are only ever appended. */
typedef struct dlt_list_options {
	unsigned int version;    /* DLT_LIST_OPTIONS_VERSION */
	const char *start_after; /* only entries whose key sorts strictly after it; NULL: all */
	int recursive;           /* nonzero (default): every object under the prefix;
	                          * 0: like S3 delimiter "/": objects directly under the
	                          * prefix's directory and one "sub/" entry per subdirectory */
} dlt_list_options;
#define DLT_LIST_OPTIONS_VERSION 1
#define DLT_LIST_OPTIONS_INIT { DLT_LIST_OPTIONS_VERSION, NULL, 1 }
DLT_API int dlt_list_options_init(dlt_list_options *opts, unsigned int version);

/**
 * Open the store at `uri` (see the top of this file).
 * @param options   settings for the backend (credentials, endpoints); may be NULL if n == 0
 * @return DLT_OK; DLT_EINVAL (malformed URI), DLT_EUNSUPPORTED (no backend for the scheme)
 */
DLT_API int dlt_storage_open(dlt_storage **out, const char *uri, const dlt_kv *options,
                             size_t options_len, dlt_error *err);
DLT_API void dlt_storage_free(dlt_storage *s);
/** The URI the store was opened with (borrowed). */
DLT_API const char *dlt_storage_uri(const dlt_storage *s);
/** DLT_STORAGE_CAP_* flags of the backend (see sys/storage_backend.h). */
DLT_API uint32_t dlt_storage_caps(const dlt_storage *s);

/** Size and modification time of `key`. out->key points at `key`. DLT_ENOTFOUND if absent. */
DLT_API int dlt_storage_head(dlt_object_meta *out, dlt_storage *s, const char *key,
                             dlt_error *err);
/** Whole object into `out` (caller disposes). DLT_ENOTFOUND if absent. */
DLT_API int dlt_storage_get(dlt_bytes *out, dlt_storage *s, const char *key, dlt_error *err);
/**
 * Up to `len` bytes at `offset`; fewer only at the end of the object (none if
 * `offset` is at or past the end). UINT64_MAX as `len`: to the end.
 */
DLT_API int dlt_storage_get_range(dlt_bytes *out, dlt_storage *s, const char *key,
                                  uint64_t offset, uint64_t len, dlt_error *err);
/** Store `len` bytes (copied) atomically under `key`; parent "directories" are implicit. */
DLT_API int dlt_storage_put(dlt_storage *s, const char *key, const void *data, size_t len,
                            dlt_put_mode mode, dlt_error *err);
/** Remove `key`. Removing an absent object succeeds (as on object stores). */
DLT_API int dlt_storage_delete(dlt_storage *s, const char *key, dlt_error *err);
/**
 * Call `cb` for each entry whose key starts with `prefix` ("" or NULL: all; a
 * string prefix, "_delta_log/0000" is fine), in byte order of key, with size
 * and mtime. `opts` may be NULL (recursive, from the start).
 */
DLT_API int dlt_storage_list(dlt_storage *s, const char *prefix, const dlt_list_options *opts,
                             dlt_list_cb cb, void *payload, dlt_error *err);

/**
 * A dlt_input over `key` for ranged reads (the Parquet reader takes one). The
 * size is fixed at open; read_at is thread-safe. The input may outlive nothing:
 * free it before `s`. DLT_ENOTFOUND if absent.
 */
DLT_API int dlt_storage_open_input(dlt_input **out, dlt_storage *s, const char *key,
                                   dlt_error *err);
/**
 * A streaming put: bytes written go to a hidden temporary (local files) or a
 * pending upload; dlt_output_finish() makes them visible under `key` at once
 * (with DLT_PUT_IF_ABSENT: or fails with DLT_EEXISTS, leaving nothing);
 * dlt_output_free() without finish discards them. Free before `s`.
 */
DLT_API int dlt_storage_open_output(dlt_output **out, dlt_storage *s, const char *key,
                                    dlt_put_mode mode, dlt_error *err);

/* ------------------------------------------------------------- helpers -- */

/** A parsed URI. Strings are dlt_malloc'd and NUL-terminated; "" when absent. */
typedef struct dlt_uri {
	char *scheme;    /* lowercase: "file", "s3", "abfss", "memory"; "file" for plain paths */
	char *authority; /* everything between "//" and the path: "bucket", "c@acct.host:443" */
	char *bucket;    /* bucket / container / store name: authority's host, or for
	                  * az/abfs/abfss/wasb/wasbs with "container@account", the container */
	char *account;   /* Azure: the "acct.dfs.core.windows.net" part after '@'; else "" */
	char *path;      /* %-decoded path (plain paths: verbatim); file: absolute or relative */
} dlt_uri;
#define DLT_URI_INIT { NULL, NULL, NULL, NULL, NULL }
/**
 * Parse "scheme://authority/path", "file:/path" or a plain path (no "x://").
 * Path %-escapes are decoded (not in plain paths); a query or fragment ('?',
 * '#') in a URI, a bad escape or an escaped NUL is DLT_EINVAL.
 */
DLT_API int dlt_uri_parse(dlt_uri *out, const char *uri, dlt_error *err);
DLT_API void dlt_uri_dispose(dlt_uri *u);

/**
 * Spark/Hive partition path escaping of one value or column name: bytes
 * 0x01-0x1F, 0x7F and " # % ' * / : = ? \ { [ ] ^ become "%XX" (uppercase
 * hex); everything else, UTF-8 included, stays. `*out`: dlt_free.
 */
DLT_API int dlt_storage_escape_partition(char **out, const char *segment, dlt_error *err);
/**
 * The reverse, as Spark does it: "%XX" with two hex digits is the character
 * U+00XX (written as UTF-8), any other '%' stays literal. `*out`: dlt_free.
 */
DLT_API int dlt_storage_unescape_partition(char **out, const char *segment, dlt_error *err);
/**
 * RFC 2396 path encoding as in Delta log `path` fields (Hadoop Path.toUri):
 * keeps A-Z a-z 0-9 - _ . ! ~ * ' ( ) ; : @ & = + $ , / and bytes >= 0x80,
 * writes every other byte (space, '%', '#', '?', ...) as "%XX".
 */
DLT_API int dlt_storage_uri_encode(char **out, const char *path, dlt_error *err);
/** Decode every "%XX"; a malformed escape or "%00" is DLT_EINVAL. `*out`: dlt_free. */
DLT_API int dlt_storage_uri_decode(char **out, const char *path, dlt_error *err);

/* ------------------------------------------------------ memory backend -- */

/** Drop the in-process store `name` (NULL: all of them). Open handles keep theirs. */
DLT_API void dlt_storage_memory_drop(const char *name);

/* ------------------------------------------------------ fault injector -- */

/** Operation kinds counted by the fault injector. */
typedef enum dlt_storage_op {
	DLT_STORAGE_OP_ANY = 0,
	DLT_STORAGE_OP_HEAD,
	DLT_STORAGE_OP_READ,          /* get, get_range, input read_at */
	DLT_STORAGE_OP_PUT,           /* whole put, overwrite */
	DLT_STORAGE_OP_PUT_IF_ABSENT, /* whole put, if absent */
	DLT_STORAGE_OP_LIST,
	DLT_STORAGE_OP_DELETE,
	DLT_STORAGE_OP_WRITE,         /* open, write and finish of streamed outputs */
	DLT_STORAGE_OP_COUNT_
} dlt_storage_op;

/**
 * For tests: wrap `inner` (consumed, on every path) in a store that forwards
 * every call and can fail some of them. Same root, same keys.
 */
DLT_API int dlt_storage_fault_wrap(dlt_storage **out, dlt_storage *inner, dlt_error *err);
/**
 * Make the `nth` (1-based, counted from this call) operation of kind `op` fail
 * with `code` (e.g. DLT_EIO) without reaching the inner store; `sticky`:
 * fail that one and every later one. nth == 0 clears the rule for `op`.
 * DLT_EINVAL if `s` is not a fault-injecting store.
 */
DLT_API int dlt_storage_fault_fail(dlt_storage *s, dlt_storage_op op, uint64_t nth, int code,
                                   int sticky, dlt_error *err);
/**
 * Simulate a lost commit race: just before the `nth` put-if-absent (whole or
 * streamed), another writer creates the same key with `winner` (copied), so
 * that call fails with DLT_EEXISTS.
 */
DLT_API int dlt_storage_fault_lose_race(dlt_storage *s, uint64_t nth, const void *winner,
                                        size_t winner_len, dlt_error *err);
/** Operations of kind `op` seen so far (failed ones included). 0 for other stores. */
DLT_API uint64_t dlt_storage_fault_count(const dlt_storage *s, dlt_storage_op op);

#ifdef __cplusplus
}
#endif
#endif /* DELTALITE_STORAGE_H */
