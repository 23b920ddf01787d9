/*
 * deltalite/arrow.h - helpers for the Arrow C Data Interface structs that
 * deltalite takes and returns (see deltalite/arrow_c.h).
 *
 * Arrays and streams a caller hands to deltalite may come from any producer
 * (Arrow C++, pyarrow, DuckDB, nanoarrow...). dlt_arrow_validate checks one
 * before anything reads it; the release helpers are NULL-safe shorthands.
 */
#ifndef DELTALITE_ARROW_H
#define DELTALITE_ARROW_H

#include <stddef.h>

#include "common.h"
#include "arrow_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Fully check `array` against `schema` before reading it: format strings,
 * buffer and child counts, non-NULL buffers where the length needs them,
 * offsets in range and non-decreasing, child lengths, dictionary indices,
 * UTF-8 of strings, null_count against the validity bitmap, nesting depth
 * (at most 64). Both are borrowed and not modified.
 * Buffer sizes are not part of the C Data Interface: they are assumed to be
 * what length and offset imply (as every consumer must assume).
 * @return DLT_OK; DLT_ECORRUPT (message names the field path and the fault);
 *         DLT_EUNSUPPORTED for a format deltalite does not know.
 */
DLT_API int dlt_arrow_validate(const struct ArrowSchema *schema, const struct ArrowArray *array,
                               dlt_error *err);

/** Call schema->release if set (then it is NULL). NULL is allowed. */
DLT_API void dlt_arrow_schema_release(struct ArrowSchema *schema);
/** Call array->release if set (then it is NULL). NULL is allowed. */
DLT_API void dlt_arrow_array_release(struct ArrowArray *array);
/** Call stream->release if set (then it is NULL). NULL is allowed. */
DLT_API void dlt_arrow_stream_release(struct ArrowArrayStream *stream);

/**
 * Human-readable type of a schema, e.g. "struct<a: int32, b: list<utf8>>",
 * "timestamp[us, tz=UTC]", "decimal128(10, 2)", "dictionary<values=utf8,
 * indices=int32>", written NUL-terminated into buf[cap] (for CLIs, messages).
 * @return DLT_OK; DLT_ELIMIT if truncated to fit (buf still holds the start);
 *         DLT_EUNSUPPORTED if a format is unknown (written as "unknown(...)");
 *         DLT_EINVAL if buf or schema is NULL or cap is 0.
 */
DLT_API int dlt_arrow_type_describe(char *buf, size_t cap, const struct ArrowSchema *schema);

#ifdef __cplusplus
}
#endif
#endif /* DELTALITE_ARROW_H */
