/* Locale-independent parsing and formatting of scalar text: numbers, booleans,
 * dates, times, timestamps, decimals. Shared by the CSV/NDJSON readers, the
 * JSON-lines/CSV writers, compute casts and (later) Delta partition values and
 * statistics. Hot path: no dlt_error, plain status returns. */
#ifndef DLT_UTIL_PARSE_H
#define DLT_UTIL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Status of the parse functions. */
#define DLT_PARSE_OK 0
#define DLT_PARSE_INVALID (-1) /* not a value of that type */
#define DLT_PARSE_RANGE (-2)   /* well-formed but out of range / too precise */

/* Optional leading '+'/'-', digits only, no spaces. */
int dlt_parse_int64(const char *s, size_t n, int64_t *out);
int dlt_parse_uint64(const char *s, size_t n, uint64_t *out);
/* Decimal or exponent notation; "NaN", "Infinity", "-Infinity", "inf", "-inf"
 * (case-insensitive). Correctly rounded (strtod semantics, C locale). */
int dlt_parse_double(const char *s, size_t n, double *out);
/* true/false (case-insensitive); t/f; 1/0. */
int dlt_parse_bool(const char *s, size_t n, bool *out);
/* YYYY-MM-DD (year may have a sign and more digits); validates the day. */
int dlt_parse_date32(const char *s, size_t n, int32_t *days_out);
/* HH:MM[:SS[.fraction]] to the unit's ticks since midnight (unit: 0 s, 1 ms, 2 us, 3 ns). */
int dlt_parse_time(const char *s, size_t n, int unit, int64_t *out);
/* YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]]][Z|(+|-)HH[:MM]]: ticks of `unit` since the
 * epoch, converted to UTC when an offset is given; *has_tz tells whether one was. */
int dlt_parse_timestamp(const char *s, size_t n, int unit, int64_t *out, bool *has_tz);
/* Exact decimal text ("-12.345", "1e3", ".5") to a scaled integer with `scale`
 * fraction digits and at most `precision` digits, as little-endian two's
 * complement words (n_words 2 for decimal128, 4 for decimal256). More fraction
 * digits than `scale` round half away from zero; too many digits: RANGE. */
int dlt_parse_decimal(const char *s, size_t n, int32_t precision, int32_t scale,
                      uint64_t *words, int n_words);

/* Formatting into `buf` (NUL-terminated); returns the length written.
 * Shortest text that reads back to the same value ("1.1", "1e+100", "-0.0" for
 * negative zero, integral values as "3.0"); NaN/Inf are the caller's business. */
#define DLT_FORMAT_DOUBLE_MAX 32
size_t dlt_format_double(char *buf, double v);
size_t dlt_format_float(char *buf, float v);
/* Decimal words (little-endian two's complement) with exactly `scale` fraction digits. */
#define DLT_FORMAT_DECIMAL_MAX 90
size_t dlt_format_decimal(char *buf, const uint64_t *words, int n_words, int32_t scale);
/* ISO-8601: "2024-01-31"; "13:45:00.123"; "2024-01-31T13:45:00.123456" + "Z" if utc.
 * Fraction digits: as many as the unit has, trailing zeros dropped, none if zero. */
#define DLT_FORMAT_DATETIME_MAX 48
size_t dlt_format_date32(char *buf, int32_t days);
size_t dlt_format_time(char *buf, int64_t ticks, int unit);
size_t dlt_format_timestamp(char *buf, int64_t ticks, int unit, bool utc);

#endif /* DLT_UTIL_PARSE_H */
