/*
 * deltalite/common.h - status codes, the error object, allocator hooks, versions.
 *
 * Every fallible deltalite function returns an int: DLT_OK (0) on success or a
 * negative dlt_code. Details of a failure go into a caller-owned dlt_error
 * (NULL is allowed everywhere an error pointer is taken). The library never
 * aborts, exits or prints.
 */
#ifndef DELTALITE_COMMON_H
#define DELTALITE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(DLT_SHARED_BUILD)
#define DLT_API __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define DLT_API __attribute__((visibility("default")))
#else
#define DLT_API
#endif

#if defined(__GNUC__) || defined(__clang__)
#define DLT_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define DLT_PRINTF(fmt, args)
#endif

#define DLT_VERSION_MAJOR 0
#define DLT_VERSION_MINOR 1
#define DLT_VERSION_PATCH 0
#define DLT_VERSION_STRING "0.1.0"
/** MAJOR * 10000 + MINOR * 100 + PATCH. */
#define DLT_VERSION_NUMBER \
	(DLT_VERSION_MAJOR * 10000 + DLT_VERSION_MINOR * 100 + DLT_VERSION_PATCH)

/** Runtime version of the library actually linked (may differ from the header). */
DLT_API int dlt_version_number(void);
/** "0.1.0": static storage, never free it. */
DLT_API const char *dlt_version_string(void);

/**
 * Status codes. Stable: values are never reused or renumbered; bindings map
 * them to exception classes.
 */
typedef enum dlt_code {
	DLT_OK = 0,
	DLT_ERROR = -1,        /* generic failure that fits no other code */
	DLT_ENOMEM = -2,       /* an allocation failed */
	DLT_EINVAL = -3,       /* invalid argument or option: a caller bug */
	DLT_ENOTFOUND = -4,    /* file, object, table, column or version does not exist */
	DLT_EEXISTS = -5,      /* already exists (e.g. put-if-absent lost) */
	DLT_ECORRUPT = -6,     /* malformed input data: parquet, json, csv, log, arrays */
	DLT_EUNSUPPORTED = -7, /* valid but not supported: a feature, codec, type */
	DLT_ECONFLICT = -8,    /* concurrent commit conflict; retryable */
	DLT_EIO = -9,          /* I/O or network failure */
	DLT_EAUTH = -10,       /* credentials missing or refused */
	DLT_ESCHEMA = -11,     /* data does not fit a schema; type mismatch */
	DLT_ELIMIT = -12,      /* a configured limit (depth, size, count) was exceeded */
	DLT_ECANCELLED = -13   /* the caller cancelled the operation */
} dlt_code;

/** Short stable name of a code: "DLT_ECORRUPT". Never NULL. */
DLT_API const char *dlt_code_name(int code);
/** The errno value that best matches a code (EINVAL, ENOMEM, EIO, ...); 0 for DLT_OK. */
DLT_API int dlt_code_to_errno(int code);

#define DLT_ERROR_PATH_MAX 512
#define DLT_ERROR_MESSAGE_MAX 1024

/**
 * Details of the last failure of a call that was given this object.
 * Caller-owned, plain data: put it on the stack, no init or free needed
 * (the library fills every field when it reports an error). Not touched on
 * success, so one object can serve a sequence of calls.
 */
typedef struct dlt_error {
	int code;                            /* the dlt_code returned */
	int sys_code;                        /* errno, HTTP status or service code; 0 if none */
	int64_t offset;                      /* byte offset in `path`; -1 if unknown */
	int64_t row;                         /* row (or line) number in `path`; -1 if unknown */
	char path[DLT_ERROR_PATH_MAX];       /* file or object concerned; "" if none */
	char message[DLT_ERROR_MESSAGE_MAX]; /* complete text, context included */
} dlt_error;

/** Reset `err` to "no error" (code DLT_OK, empty message, offset/row -1). NULL ok. */
DLT_API void dlt_error_clear(dlt_error *err);

/**
 * Record a failure: sets code, formats the message, clears path/offset/row/sys_code.
 * Returns `code`, so a check is one statement: `return dlt_error_set(err, ...)`.
 * `err` may be NULL (then only the code is returned).
 */
DLT_API int dlt_error_set(dlt_error *err, int code, const char *fmt, ...) DLT_PRINTF(3, 4);

/**
 * Add context on the way up: the message becomes "<prefix>: <old message>".
 * Keeps the code and the other fields. Returns err->code (or DLT_ERROR if NULL).
 */
DLT_API int dlt_error_prefix(dlt_error *err, const char *fmt, ...) DLT_PRINTF(2, 3);

/** Attach the file/object concerned (copied, truncated to fit). Keeps the code. */
DLT_API void dlt_error_set_path(dlt_error *err, const char *path);

/**
 * Allocator hooks. dlt_set_allocator() may be called once, before any other
 * deltalite call; it returns DLT_EINVAL afterwards (some memory may already be
 * owned by the default allocator). `realloc_fn` must accept NULL like realloc.
 * Passing NULL restores the C library allocator.
 */
typedef struct dlt_allocator {
	void *(*malloc_fn)(size_t size, void *payload);
	void *(*realloc_fn)(void *ptr, size_t size, void *payload);
	void (*free_fn)(void *ptr, void *payload);
	void *payload;
} dlt_allocator;

DLT_API int dlt_set_allocator(const dlt_allocator *alloc);

/** Memory the library allocated with its allocator (returned char *, buffers). */
DLT_API void *dlt_malloc(size_t size);
DLT_API void *dlt_realloc(void *ptr, size_t size);
DLT_API void dlt_free(void *ptr);

/**
 * Debug counting mode, for tests: counts live allocations and bytes made
 * through the library's allocator, and can make the Nth allocation from now
 * fail (fail_after = N >= 1; 0 disables) to drive out-of-memory tests.
 * Thread-safe (atomic counters). Enabling it after allocations were made
 * is allowed: frees of older blocks are not miscounted.
 */
typedef struct dlt_alloc_stats {
	int64_t live_blocks;    /* allocations not yet freed */
	int64_t live_bytes;     /* bytes in those */
	int64_t total_blocks;   /* allocations made since counting started */
	int64_t peak_bytes;     /* high-water mark of live_bytes */
	int64_t failed;         /* allocations failed on purpose */
} dlt_alloc_stats;

DLT_API void dlt_alloc_counting(int enable);
DLT_API void dlt_alloc_stats_get(dlt_alloc_stats *out);
DLT_API void dlt_alloc_fail_after(int64_t n);

#ifdef __cplusplus
}
#endif
#endif /* DELTALITE_COMMON_H */
