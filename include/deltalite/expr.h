/*
 * deltalite/expr.h - predicates and expressions: SQL text or built in code,
 * evaluated over Arrow record batches, and over file statistics and
 * partition values to skip files (data skipping).
 *
 * Grammar (keywords case-insensitive; precedence from loosest to tightest):
 *   OR < AND < NOT < comparison (= == <> != < <= > >=), [NOT] IN (...),
 *   [NOT] BETWEEN a AND b, [NOT] LIKE 'pat' [ESCAPE 'c'], IS [NOT] NULL
 *   < + - < * / % < unary -.
 * Literals: 1 (int, or bigint when it does not fit, or decimal(p,0)),
 *   1Y 1S 1L (tinyint, smallint, bigint), 1.50 (decimal(3,2)), 100BD
 *   (decimal(3,0)), 1e3 1.5D (double), 1.5F (float), 'it''s' (string),
 *   X'0aff' (binary), TRUE FALSE NULL, DATE '2026-02-03',
 *   TIMESTAMP '2026-02-03 04:05:06.789' (UTC unless an offset is given),
 *   TIMESTAMP_NTZ '2026-02-03 04:05:06'.
 * Columns: name, `any name` (`` inside for a backquote), nested a.b.`c d`;
 *   matched case-insensitively against the schema (an exact match wins).
 * CAST(x AS type) with Delta type names: byte/tinyint, short/smallint,
 *   int/integer, long/bigint, float/real, double, decimal(p[,s]), string,
 *   boolean, date, timestamp, timestamp_ntz, binary. A value that does not
 *   convert becomes NULL (Spark's non-ANSI CAST).
 * Semantics: SQL three-valued logic; numbers compare exactly across types
 *   (an int column = 1.5 is false, never truncated); a string literal
 *   compared with a date/timestamp/number/boolean is converted to that type
 *   when the expression is typed (an unconvertible literal is an error);
 *   LIKE: % any sequence, _ one character, default escape '\'; division by
 *   zero gives NULL.
 *
 * A dlt_expr is immutable once built: share it between threads freely.
 */
#ifndef DELTALITE_EXPR_H
#define DELTALITE_EXPR_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "arrow_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An expression tree (opaque). Free with dlt_expr_free. */
typedef struct dlt_expr dlt_expr;

/** Deepest expression tree accepted (nesting of operators; AND/OR chains are flat). */
#define DLT_EXPR_MAX_DEPTH 200
/** Longest SQL text accepted by dlt_expr_parse, in bytes. */
#define DLT_EXPR_MAX_TEXT (1u << 20)

/**
 * Parse SQL text into a new tree.
 * @param[out] out  new tree (dlt_expr_free); NULL on failure.
 * @return DLT_OK; DLT_EINVAL with "at offset N: expected ..., found ..." (err->offset
 *         is N too); DLT_ELIMIT for text longer than DLT_EXPR_MAX_TEXT or nesting
 *         deeper than DLT_EXPR_MAX_DEPTH; DLT_ENOMEM.
 */
DLT_API int dlt_expr_parse(dlt_expr **out, const char *sql, dlt_error *err);

/**
 * Canonical SQL text of a tree: keywords upper case, minimal parentheses,
 * literals with their type (5L, 1.5D, DATE '...'). Parsing it gives a tree
 * with the same text.
 * @param[out] out  NUL-terminated text from dlt_malloc (dlt_free it).
 */
DLT_API int dlt_expr_to_string(char **out, const dlt_expr *expr, dlt_error *err);

/** Free a tree. NULL is allowed. */
DLT_API void dlt_expr_free(dlt_expr *expr);
/** Deep copy. */
DLT_API int dlt_expr_clone(dlt_expr **out, const dlt_expr *expr, dlt_error *err);

/* ---------- building trees in code ----------
 * Every builder returns a new node in *out (NULL on failure). Operands marked
 * "consumed" belong to the library from the call on, success or failure
 * (a NULL operand gives DLT_EINVAL). Trees deeper than DLT_EXPR_MAX_DEPTH:
 * DLT_ELIMIT. */

/** Column `name` (one field name, taken as is: no dots or quotes interpreted). */
DLT_API int dlt_expr_column(dlt_expr **out, const char *name, dlt_error *err);
/** Nested column path[0].path[1]...; n >= 1. */
DLT_API int dlt_expr_column_path(dlt_expr **out, const char *const *path, size_t n,
                                 dlt_error *err);

DLT_API int dlt_expr_literal_null(dlt_expr **out, dlt_error *err);
DLT_API int dlt_expr_literal_bool(dlt_expr **out, int value, dlt_error *err);
DLT_API int dlt_expr_literal_int8(dlt_expr **out, int8_t value, dlt_error *err);
DLT_API int dlt_expr_literal_int16(dlt_expr **out, int16_t value, dlt_error *err);
DLT_API int dlt_expr_literal_int32(dlt_expr **out, int32_t value, dlt_error *err);
DLT_API int dlt_expr_literal_int64(dlt_expr **out, int64_t value, dlt_error *err);
DLT_API int dlt_expr_literal_float(dlt_expr **out, float value, dlt_error *err);
DLT_API int dlt_expr_literal_double(dlt_expr **out, double value, dlt_error *err);
/** Decimal(precision, scale) from text such as "-12.50" (rounded half away from
 * zero to `scale`; DLT_EINVAL if unparsable or does not fit; precision 1..38). */
DLT_API int dlt_expr_literal_decimal(dlt_expr **out, const char *text, int precision,
                                     int scale, dlt_error *err);
/** UTF-8 string of n bytes (DLT_EINVAL if not valid UTF-8). */
DLT_API int dlt_expr_literal_string(dlt_expr **out, const char *value, size_t n,
                                    dlt_error *err);
DLT_API int dlt_expr_literal_binary(dlt_expr **out, const void *value, size_t n,
                                    dlt_error *err);
/** Date: days since 1970-01-01. */
DLT_API int dlt_expr_literal_date(dlt_expr **out, int32_t days, dlt_error *err);
/** Timestamp: microseconds since the epoch; utc != 0: TIMESTAMP (UTC-adjusted),
 * utc == 0: TIMESTAMP_NTZ. */
DLT_API int dlt_expr_literal_timestamp(dlt_expr **out, int64_t micros, int utc,
                                       dlt_error *err);

typedef enum dlt_expr_op {
	DLT_EXPR_EQ = 0,
	DLT_EXPR_NE,
	DLT_EXPR_LT,
	DLT_EXPR_LE,
	DLT_EXPR_GT,
	DLT_EXPR_GE,
	DLT_EXPR_AND,
	DLT_EXPR_OR,
	DLT_EXPR_ADD,
	DLT_EXPR_SUB,
	DLT_EXPR_MUL,
	DLT_EXPR_DIV,
	DLT_EXPR_MOD
} dlt_expr_op;

/** left op right (both consumed). */
DLT_API int dlt_expr_binary(dlt_expr **out, dlt_expr_op op, dlt_expr *left, dlt_expr *right,
                            dlt_error *err);
/** NOT x (consumed). */
DLT_API int dlt_expr_not(dlt_expr **out, dlt_expr *x, dlt_error *err);
/** -x (consumed). */
DLT_API int dlt_expr_negate(dlt_expr **out, dlt_expr *x, dlt_error *err);
/** x IS NULL, or x IS NOT NULL when negated != 0 (x consumed). */
DLT_API int dlt_expr_is_null(dlt_expr **out, dlt_expr *x, int negated, dlt_error *err);
/** x [NOT] IN (list[0], ...): x and the n >= 1 list items consumed (the array
 * itself stays the caller's). */
DLT_API int dlt_expr_in(dlt_expr **out, dlt_expr *x, dlt_expr **list, size_t n, int negated,
                        dlt_error *err);
/** x [NOT] BETWEEN lo AND hi (all consumed). */
DLT_API int dlt_expr_between(dlt_expr **out, dlt_expr *x, dlt_expr *lo, dlt_expr *hi,
                             int negated, dlt_error *err);
/** x [NOT] LIKE pattern ESCAPE escape (x, pattern consumed; escape: one ASCII
 * character, 0 for none; the SQL default is '\\'). */
DLT_API int dlt_expr_like(dlt_expr **out, dlt_expr *x, dlt_expr *pattern, char escape,
                          int negated, dlt_error *err);
/** CAST(x AS type): type in Delta/Spark SQL spelling, e.g. "decimal(10,2)" (x consumed). */
DLT_API int dlt_expr_cast(dlt_expr **out, dlt_expr *x, const char *type, dlt_error *err);

/* ---------- evaluation ---------- */

/**
 * Evaluate `expr` over a record batch (a struct array, "+s") described by
 * `schema`; both borrowed and validated first. Columns are typed first:
 * unknown column -> DLT_ENOTFOUND (the message lists the columns there);
 * ambiguous name, incompatible types -> DLT_ESCHEMA with the column and both
 * types in the message; a LIKE pattern that is not a literal -> DLT_EUNSUPPORTED.
 * @param[out] out, out_schema  result of batch->length rows (release both);
 *             a predicate gives a boolean ("b") array in which NULL means unknown.
 */
DLT_API int dlt_expr_evaluate(struct ArrowArray *out, struct ArrowSchema *out_schema,
                              const dlt_expr *expr, const struct ArrowSchema *schema,
                              const struct ArrowArray *batch, dlt_error *err);

/* ---------- data skipping ---------- */

/** Statistics of one column in a file or row group (all borrowed). */
typedef struct dlt_column_stats {
	const char *const *path;           /* column path, e.g. {"a", "b"} for a.b */
	size_t path_len;
	const struct ArrowSchema *schema;  /* type of min and max (the column's type) */
	const struct ArrowArray *min;      /* element 0 is the minimum; NULL/null: unknown */
	const struct ArrowArray *max;      /* element 0 is the maximum; NULL/null: unknown */
	int64_t null_count;                /* -1: unknown */
} dlt_column_stats;

/** What is known about one file (or row group). All pointers borrowed. */
typedef struct dlt_file_stats {
	unsigned int version;              /* DLT_FILE_STATS_VERSION */
	int64_t num_records;               /* -1: unknown */
	int tight_bounds;                  /* 0: bounds may be wider (deletion vectors) */
	const dlt_column_stats *columns;   /* n_columns entries */
	size_t n_columns;
	/* Partition values: a struct schema of the partition columns (a subset of
	 * the table's top-level columns, same names) and a struct array whose row 0
	 * holds this file's values (typed; cast to the column type when needed). */
	const struct ArrowSchema *partition_schema;
	const struct ArrowArray *partition_values;
	/* end of version 1 */
} dlt_file_stats;
#define DLT_FILE_STATS_VERSION 1
#define DLT_FILE_STATS_INIT { DLT_FILE_STATS_VERSION, -1, 1, NULL, 0, NULL, NULL }

/**
 * May a file with these statistics hold a row for which `pred` is TRUE?
 * Conservative: *may_match = 0 only when certainly none (then the file can be
 * skipped). Used for comparisons of a column with a literal, [NOT] IN,
 * [NOT] BETWEEN, IS [NOT] NULL, AND, OR, NOT (pushed through by De Morgan);
 * sub-predicates that use only partition columns are evaluated exactly on the
 * partition values. Anything else may match. Float columns: NaN is not in
 * min/max, so only <, <=, = and IN skip. Timestamp max values are taken as
 * truncated to milliseconds (Delta statistics), i.e. + 999 microseconds.
 * @param schema  the table schema (a struct schema) `pred` is typed against.
 * @return DLT_OK; DLT_ESCHEMA for typing errors as in dlt_expr_evaluate; DLT_EINVAL.
 */
DLT_API int dlt_expr_may_match(int *may_match, const dlt_expr *pred,
                               const struct ArrowSchema *schema, const dlt_file_stats *stats,
                               dlt_error *err);

#ifdef __cplusplus
}
#endif
#endif /* DELTALITE_EXPR_H */
