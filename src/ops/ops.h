/*
 * Internal API of the write path (create, write, properties): Delta schema
 * JSON from Arrow, DDL parsing, partition values, statistics JSON, checks of
 * constraints. Commits go through the transaction API (deltalite/txn.h).
 * Never exported.
 */
#ifndef DLT_OPS_OPS_H
#define DLT_OPS_OPS_H

#include "deltalite/ops.h"
#include "deltalite/parquet_write.h"
#include "arrow/arrow.h"
#include "deltalite/txn.h"
#include "log/log.h"
#include "log/txn.h"

#include <stdbool.h>

/* ------------------------------------------------------- write_schema.c -- */

/* Delta schema JSON (PROTOCOL.md#schema-serialization-format) of an Arrow
 * struct schema. Types without a Delta equivalent: DLT_ESCHEMA naming the
 * column. Arrow field metadata becomes Delta column metadata (ARROW: and
 * PARQUET: keys dropped). *out: dlt_free. */
int dlt_ops__schema_to_json(char **out, const struct ArrowSchema *schema, dlt_error *err);
/* Delta type name of one Arrow field ("long", "decimal(10,2)", "array<string>")
 * into buf, for messages. */
const char *dlt_ops__type_name(const struct ArrowSchema *s, char *buf, size_t cap);
/* Canonical Arrow format of a field as the table stores it ("u" for large
 * strings, "tsu:UTC" for any timestamp with a zone, ...); NULL: no Delta type. */
const char *dlt_ops__canonical_format(const char *format, char *buf, size_t cap);

/* --------------------------------------------------------- schema_evolve.c -- */

/* Is `from` -> `to` (leaf types, any Arrow encoding of their Delta types) a
 * type widening PROTOCOL.md allows (typeWidening): byte -> short -> int ->
 * long, float -> double, byte/short/int -> double, date -> timestamp_ntz,
 * decimal(p, s) -> decimal(p + k1, s + k2) with k1 >= k2 >= 0, byte/short/
 * int -> decimal(10 + k1, k2), long -> decimal(20 + k1, k2)? */
bool dlt_ops__is_widening(const struct ArrowSchema *from, const struct ArrowSchema *to);
/* Can data of type `data` be cast to the table type `table` without loss:
 * the same Delta type, or (leaves, recursively in nested types) a widening. */
bool dlt_ops__is_lossless_upcast(const struct ArrowSchema *data, const struct ArrowSchema *table);
/* The table schema after a write with schema merge: `table` with the new
 * fields of `data` appended (nullable, nested structs merged) and, when
 * `widen` (delta.enableTypeWidening), types widened to the data's where the
 * data is wider, each change appended to the delta.typeChanges metadata of
 * the nearest struct field ({"fromType","toType","fieldPath"?}). Narrower
 * data keeps the table's type. Anything else: DLT_ESCHEMA naming the column
 * and both types. */
int dlt_ops__schema_merge(struct ArrowSchema *out, const struct ArrowSchema *table,
                          const struct ArrowSchema *data, bool widen, dlt_error *err);
/* (write.c) Formats to the canonical ones of their Delta types, in place;
 * DLT_ESCHEMA for a type without a Delta equivalent. */
int dlt_ops__canonicalize(struct ArrowSchema *s, const char *path, int depth, dlt_error *err);

/* ---------------------------------------------------------- write_util.c -- */

/* Random RFC 4122 version-4 UUID text (36 chars + NUL). */
int dlt_ops__uuid(char out[37], dlt_error *err);
/* Milliseconds since the epoch (wall clock). */
int64_t dlt_ops__now_ms(void);

/* Append a JSON string literal (quoted, escaped) to b. */
int dlt_ops__json_str(dlt_buf *b, const char *s, dlt_error *err);
int dlt_ops__json_strn(dlt_buf *b, const char *s, size_t n, dlt_error *err);

/* -------------------------------------------------------------- create.c -- */

/* Partition columns: top-level, not nested, distinct (DLT_ESCHEMA naming one). */
int dlt_ops__check_partition_columns(const struct ArrowSchema *schema, const char *const *cols,
                                     size_t n, dlt_error *err);

/* Give every struct field below `s` without one a column mapping id (from
 * *next_id + 1 upwards) and a physical name "col-<uuid>". */
int dlt_ops__assign_mapping(struct ArrowSchema *s, int64_t *next_id, int depth, dlt_error *err);

/* ---------------------------------------------------- partition_write.c -- */

/* Serialized partition value (PROTOCOL.md#partition-value-serialization) of
 * row i of array `a` (type `s`) into b (not NUL-terminated); *is_null true
 * for a null (or empty string) value. */
int dlt_ops__partition_value(dlt_buf *b, bool *is_null, const struct ArrowSchema *s,
                             const struct ArrowArray *a, int64_t i, dlt_error *err);

/* ---------------------------------------------------------- stats_json.c -- */

/* Stats JSON of one written file (PROTOCOL.md#per-file-statistics), into b.
 * `result`: the Parquet writer's result (physical names); `include` (may be
 * NULL): per top-level column of the file schema, whether it is indexed is
 * decided by `num_indexed` leaves (-1: all) or by explicit column list. */
typedef struct dlt_stats_config {
	int64_t num_indexed;              /* delta.dataSkippingNumIndexedCols, -1 all */
	char **columns;                   /* delta.dataSkippingStatsColumns (physical dotted) */
	size_t n_columns;
	int32_t prefix_len;               /* delta.dataSkippingStringPrefixLength (32) */
	bool tight_bounds;                /* write "tightBounds": true */
} dlt_stats_config;
int dlt_ops__stats_json(dlt_buf *b, const dlt_parquet_write_result *result,
                        const dlt_stats_config *cfg, dlt_error *err);

/* --------------------------------------------------------- constraints.c -- */

/* Render row `row` of batch (struct) as "a=1, b='x'" (truncated) into buf. */
void dlt_ops__render_row(char *buf, size_t cap, const struct ArrowSchema *schema,
                         const struct ArrowArray *batch, int64_t row);

/* What a write must check on every row of the table's logical schema:
 * CHECK constraints (delta.constraints.<name>), column invariants
 * (delta.invariants), NOT NULL columns (nested struct fields included) and
 * generated columns (delta.generationExpression). */
typedef struct dlt_ops_checks {
	size_t n;
	char **names;             /* "check constraint 'pos'", "invariant of column 'x'" */
	char **sql;
	dlt_expr **exprs;
	int64_t n_gen;
	int64_t *gen_col;         /* top-level column index of each generated column */
	char **gen_sql;
	dlt_expr **gen_exprs;
} dlt_ops_checks;

/* Collect the checks of `schema` (logical, struct) and `config`. Unparsable
 * expressions: DLT_EUNSUPPORTED naming the constraint. */
int dlt_ops__checks_load(dlt_ops_checks *out, const struct ArrowSchema *schema,
                         const dlt_log_kvs *config, dlt_error *err);
void dlt_ops__checks_dispose(dlt_ops_checks *c);
/* Generated column `k` of `checks` is absent from the data: compute it into
 * the batch (child replaced). */
int dlt_ops__generate(const dlt_ops_checks *c, int64_t k, const struct ArrowSchema *schema,
                      struct ArrowArray *batch, dlt_error *err);
/* Check a logical batch: NOT NULL, constraints, invariants, generated values.
 * DLT_ESCHEMA naming what is violated and the row (err->row = row index
 * within the batch + row_base). */
int dlt_ops__checks_run(const dlt_ops_checks *c, const struct ArrowSchema *schema,
                        const struct ArrowArray *batch, int64_t row_base, dlt_error *err);

#endif /* DLT_OPS_OPS_H */
