/*
 * parquet/stats.h - min/max/null_count accumulation for the Parquet writer,
 * with the sort order each logical type has (parquet.thrift ColumnOrder /
 * LogicalTypes.md "Sort Order"), and encoding of the bounds into the
 * Statistics binary form (the PLAIN encoding of the value, without length
 * prefix for byte arrays), with truncation of long binary bounds.
 * Internal, never exported.
 */
#ifndef DLT_PARQUET_STATS_H
#define DLT_PARQUET_STATS_H

#include "util/util.h"

#include <stdbool.h>
#include <stdint.h>

/* How values of a column compare. Values are given in their Parquet physical
 * representation (after the writer's conversion from Arrow). */
typedef enum dlt_pq_sort {
	DLT_PQ_SORT_NONE = 0,   /* no min/max (INT96, intervals): null_count only */
	DLT_PQ_SORT_BOOL,       /* 1 byte 0/1 per value */
	DLT_PQ_SORT_I32,        /* int32 little-endian, signed */
	DLT_PQ_SORT_U32,        /* int32 storage compared as unsigned */
	DLT_PQ_SORT_I64,
	DLT_PQ_SORT_U64,
	DLT_PQ_SORT_FLOAT,      /* NaN ignored; zero bounds normalised (-0 min, +0 max) */
	DLT_PQ_SORT_DOUBLE,
	DLT_PQ_SORT_FLOAT16,    /* FLBA(2) half floats, same rules as FLOAT */
	DLT_PQ_SORT_BYTES,      /* lexicographic unsigned bytes (BYTE_ARRAY or FLBA) */
	DLT_PQ_SORT_DECIMAL_BE  /* FLBA two's complement big-endian: signed */
} dlt_pq_sort;

/* A byte-array value: borrowed bytes. */
typedef struct dlt_pq_bview {
	const uint8_t *ptr;
	uint32_t len;
} dlt_pq_bview;

typedef struct dlt_pq_stats {
	dlt_pq_sort order;
	int32_t width;      /* FLBA width; 0 for other types */
	bool is_string;     /* UTF-8: truncate on character boundaries */
	bool has_minmax;
	int64_t null_count;
	int64_t i_min, i_max;   /* I32/I64/BOOL */
	uint64_t u_min, u_max;  /* U32/U64 */
	double d_min, d_max;    /* FLOAT/DOUBLE/FLOAT16 (as double) */
	dlt_buf b_min, b_max;   /* BYTES/DECIMAL_BE: full values */
} dlt_pq_stats;

void dlt_parquet__stats_init(dlt_pq_stats *s, dlt_pq_sort order, int32_t width,
                             bool is_string);
/* Forget the values (keeps order and buffers). */
void dlt_parquet__stats_reset(dlt_pq_stats *s);
void dlt_parquet__stats_dispose(dlt_pq_stats *s);

/* Fixed-width values: n values of the column's physical width (BOOL: 1 byte,
 * I32/U32/FLOAT: 4, I64/U64/DOUBLE: 8, FLOAT16: 2, BYTES/DECIMAL_BE: width). */
int dlt_parquet__stats_update_fixed(dlt_pq_stats *s, const uint8_t *vals, size_t n,
                                    dlt_error *err);
/* Variable-length values (BYTES order). */
int dlt_parquet__stats_update_views(dlt_pq_stats *s, const dlt_pq_bview *v, size_t n,
                                    dlt_error *err);
/* Merge src into dst (same order). */
int dlt_parquet__stats_merge(dlt_pq_stats *dst, const dlt_pq_stats *src, dlt_error *err);

/* Compare two encoded bounds of the order (as produced by _encode, before
 * truncation): <0, 0, >0. */
int dlt_parquet__stats_compare(const dlt_pq_stats *s, const uint8_t *a, size_t alen,
                               const uint8_t *b, size_t blen);

/*
 * Encode min and max into `min_out`/`max_out` (cleared first) as Statistics
 * binaries. Byte orders longer than `truncate` bytes (0: never) are
 * truncated: min to a prefix, max to a prefix with its last byte (for UTF-8:
 * code point) incremented; *min_exact and *max_exact say whether the bound is the
 * actual value. Returns DLT_OK; the outputs are empty when !has_minmax.
 */
int dlt_parquet__stats_encode(const dlt_pq_stats *s, size_t truncate, dlt_buf *min_out,
                              bool *min_exact, dlt_buf *max_out, bool *max_exact,
                              dlt_error *err);

/* Half-float bits -> double (exact). */
double dlt_parquet__half_to_double(uint16_t h);

#endif /* DLT_PARQUET_STATS_H */
