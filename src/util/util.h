/* Internal utilities shared by every module: checked arithmetic, byte loads,
 * growable buffers, argument checks. Never exported. */
#ifndef DLT_UTIL_UTIL_H
#define DLT_UTIL_UTIL_H

#include "deltalite/common.h"

#include <stdbool.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#define DLT_ARG_CHECK(cond, err)                                                       \
	do {                                                                           \
		if (!(cond))                                                           \
			return dlt_error_set((err), DLT_EINVAL, "%s: invalid argument: %s", \
			                     __func__, #cond);                          \
	} while (0)

#define DLT_UNUSED(x) ((void)(x))
#define DLT_MIN(a, b) ((a) < (b) ? (a) : (b))
#define DLT_MAX(a, b) ((a) > (b) ? (a) : (b))

#if defined(__GNUC__) || defined(__clang__)
#define DLT_LIKELY(x) __builtin_expect(!!(x), 1)
#define DLT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define DLT_LIKELY(x) (x)
#define DLT_UNLIKELY(x) (x)
#endif

/* Overflow-checked arithmetic: return true on overflow. */
static inline bool dlt_add_overflow(size_t a, size_t b, size_t *out)
{
	return __builtin_add_overflow(a, b, out);
}
static inline bool dlt_mul_overflow(size_t a, size_t b, size_t *out)
{
	return __builtin_mul_overflow(a, b, out);
}
static inline bool dlt_add_overflow_i64(int64_t a, int64_t b, int64_t *out)
{
	return __builtin_add_overflow(a, b, out);
}
static inline bool dlt_mul_overflow_i64(int64_t a, int64_t b, int64_t *out)
{
	return __builtin_mul_overflow(a, b, out);
}

/* Unaligned little-endian loads/stores (memcpy compiles to a plain move). */
static inline uint16_t dlt_load_u16le(const void *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t dlt_load_u32le(const void *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t dlt_load_u64le(const void *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline void dlt_store_u32le(void *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void dlt_store_u64le(void *p, uint64_t v) { memcpy(p, &v, 8); }

/* Zeroed allocation of n*size with overflow check; NULL on failure. */
void *dlt_calloc(size_t n, size_t size);
/* dlt_malloc'd copy of a NUL-terminated string / of n bytes plus a NUL. */
char *dlt_strdup(const char *s);
char *dlt_strndup(const char *s, size_t n);
/* snprintf into a new dlt_malloc'd string. */
char *dlt_asprintf(const char *fmt, ...) DLT_PRINTF(1, 2);

/* Set err->path / offset / row (keeps code and message). NULL ok. */
void dlt_error__set_offset(dlt_error *err, int64_t offset);
void dlt_error__set_row(dlt_error *err, int64_t row);
/* dlt_error_set with sys_code = errno-like value and strerror appended. */
int dlt_error__set_errno(dlt_error *err, int code, int sys_errno, const char *fmt, ...)
	DLT_PRINTF(4, 5);
/* Map errno to a dlt_code (ENOENT -> ENOTFOUND, ENOMEM -> ENOMEM, ... else EIO). */
int dlt_code_from_errno(int e);

/* ---------- growable byte buffer ---------- */

typedef struct dlt_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
} dlt_buf;
#define DLT_BUF_INIT { NULL, 0, 0 }

/* Ensure room for `extra` more bytes (grows geometrically). DLT_ENOMEM on failure. */
int dlt_buf_reserve(dlt_buf *b, size_t extra, dlt_error *err);
int dlt_buf_append(dlt_buf *b, const void *data, size_t n, dlt_error *err);
int dlt_buf_append_byte(dlt_buf *b, uint8_t c, dlt_error *err);
int dlt_buf_append_str(dlt_buf *b, const char *s, dlt_error *err);
int dlt_buf_appendf(dlt_buf *b, dlt_error *err, const char *fmt, ...) DLT_PRINTF(3, 4);
/* Append n zero bytes. */
int dlt_buf_append_zeros(dlt_buf *b, size_t n, dlt_error *err);
/* Give up ownership of data (caller dlt_free's it); buffer becomes empty. */
uint8_t *dlt_buf_detach(dlt_buf *b, size_t *len_out);
void dlt_buf_dispose(dlt_buf *b);
static inline void dlt_buf_clear(dlt_buf *b) { b->len = 0; }

/* ---------- time ---------- */

/* Monotonic clock in nanoseconds (for metrics and benchmarks; not a date). */
int64_t dlt_now_ns(void);
/* Wall clock: milliseconds since the Unix epoch (commit timestamps, retention). */
int64_t dlt_wall_ms(void);

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), and back. */
int64_t dlt_days_from_civil(int64_t y, unsigned m, unsigned d);
void dlt_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* ---------- base64 / hex ---------- */

/* Append base64 (RFC 4648, padded) of data to b. */
int dlt_base64_encode(dlt_buf *b, const uint8_t *data, size_t n, dlt_error *err);
/* Decode base64 into b; DLT_ECORRUPT on bad input. */
int dlt_base64_decode(dlt_buf *b, const char *s, size_t n, dlt_error *err);

#endif /* DLT_UTIL_UTIL_H */
