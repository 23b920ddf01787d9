/*
 * Internal helpers shared by the row-changing operations (DELETE, UPDATE,
 * MERGE, OPTIMIZE): candidate files, reading a file with its row indexes,
 * deletion vector writing, copy-on-write rewriting, change data files.
 * Never exported.
 *
 * Typical use (see delete.c):
 *
 *   dlt_dml_ctx c;
 *   dlt_dml__begin(&c, table, "DELETE", opts, err);          // txn + writers
 *   dlt_dml__find_candidates(&cands, c.snap, pred, err);     // pruning
 *   dlt_txn_read_predicate(c.txn, pred, err);                // conflicts
 *   for each candidate file f:
 *       dlt_dml__reader_open(&r, c.snap, f, err);
 *       while (dlt_dml__reader_next(r, &batch, &rows, err), batch.release)
 *           ... evaluate, collect matching row indexes, keep the others ...
 *       dlt_dml__stage_dv(&c, f, reader DV, rows, n, err)    // merge-on-read
 *    or dlt_dml__remove_file(&c, f, err) + dlt_dml__write_data(&c, kept, false, err)
 *       dlt_dml__write_cdc(&c, deleted_rows_batch, "delete", err)
 *   dlt_dml__commit(&c, "DELETE", params_json, err);          // metrics + commit
 *   dlt_dml__dispose(&c);
 *
 * Batches are LOGICAL: the table schema (snap->schema: logical names, all
 * top-level columns, partition columns included, in schema order).
 */
#ifndef DLT_OPS_DML_H
#define DLT_OPS_DML_H

#include "deltalite/dml.h"
#include "ops/ops.h"
#include "table/table.h"
#include "table/fileapi.h"

#include <stdbool.h>

/* -------------------------------------------------- data file writer -- */
/* (write.c) The writer of dlt_table_write, reusable: routes logical rows to
 * partition directories, Spark file names, statistics JSON per file. */
typedef struct dlt_ops_writer dlt_ops_writer;

typedef struct dlt_ops_writer_args {
	const dlt_snapshot *snap;         /* schema, partitioning, properties, mapping */
	const char *dir_prefix;           /* "" (data) or "_change_data/" (cdc) */
	const char *name_prefix;          /* "part" or "cdc" */
	bool change_type_column;          /* batches carry an extra last column
	                                   * "_change_type" (utf8), written to the files */
	bool checks;                      /* run NOT NULL / CHECK / invariants /
	                                   * generated columns on every row */
	int codec;                        /* dlt_parquet_codec */
	int64_t target_file_size;         /* 0: 128 MiB */
	int64_t row_group_bytes;          /* > 0: flush a row group once this many encoded
	                                   * bytes are buffered (bounds the writer's memory);
	                                   * 0: the Parquet writer's default */
} dlt_ops_writer_args;

/* One finished file. Strings owned by the writer. */
typedef struct dlt_ops_written {
	const char *path;                 /* relative to the table root */
	const dlt_kv *partition_values;   /* physical name -> value (NULL: null) */
	size_t n_partition_values;
	int64_t size;
	int64_t num_records;
	const char *stats;                /* stats JSON */
} dlt_ops_written;

int dlt_ops__writer_open(dlt_ops_writer **out, dlt_storage *st, const dlt_ops_writer_args *a,
                         dlt_error *err);
/* Write a logical batch (borrowed; its schema: snap->schema, plus
 * "_change_type" with change_type_column). */
int dlt_ops__writer_write(dlt_ops_writer *w, const struct ArrowArray *batch, dlt_error *err);
/* Close the open files; then the files are listed. */
int dlt_ops__writer_finish(dlt_ops_writer *w, dlt_error *err);
size_t dlt_ops__writer_n_files(const dlt_ops_writer *w);
const dlt_ops_written *dlt_ops__writer_file(const dlt_ops_writer *w, size_t i);
void dlt_ops__writer_free(dlt_ops_writer *w);

/* Row group size bound of the files DML operations write (rewritten rows,
 * inserts, change data): the writer buffers one row group, so this bounds
 * its memory whatever the target file size. */
#define DLT_DML_ROW_GROUP_BYTES ((int64_t)16 << 20)

/* ---------------------------------------------------------- context -- */

typedef struct dlt_dml_ctx {
	dlt_table *table;
	dlt_txn *txn;
	dlt_snapshot *snap;               /* the transaction's (borrowed) */
	dlt_storage *st;                  /* the table's (borrowed) */
	dlt_dml_options opts;
	bool use_dv;                      /* merge-on-read */
	bool cdf;                         /* write change data files */
	dlt_ops_writer *data;             /* opened on first use */
	dlt_ops_writer *cdc;              /* opened on first use */
	dlt_dml_metrics m;                /* filled along the way */
	int64_t t0_ns;
} dlt_dml_ctx;

/* Start: transaction on the latest version (operation name for commitInfo),
 * resolve use_dv (DLT_EUNSUPPORTED when 1 is asked and the table lacks the
 * deletionVectors feature) and cdf; refuse append-only tables (DLT_EINVAL). */
int dlt_dml__begin(dlt_dml_ctx *c, dlt_table *table, const char *operation,
                   const dlt_dml_options *opts, dlt_error *err);
void dlt_dml__dispose(dlt_dml_ctx *c);

/* Write a logical batch (borrowed) as new data. check: run the table's
 * constraints (new/updated rows); false for copied rows. Counts nothing. */
int dlt_dml__write_data(dlt_dml_ctx *c, const struct ArrowArray *batch, bool check,
                        dlt_error *err);
/* (cdf_write.c) Write a logical batch (borrowed) as change data with
 * _change_type = change_type ("delete", "insert", "update_preimage",
 * "update_postimage"). No-op when !c->cdf. */
int dlt_dml__write_cdc(dlt_dml_ctx *c, const struct ArrowArray *batch, const char *change_type,
                       dlt_error *err);
/* Remove a live file (data change), counting metrics (files, bytes, DV removed). */
int dlt_dml__remove_file(dlt_dml_ctx *c, const dlt_log_file *f, dlt_error *err);
/* Finish the writers, stage their adds and cdc actions, set the
 * operationMetrics and commit properties, commit; m.version and times set.
 * params_json: commitInfo.operationParameters (JSON object text). */
int dlt_dml__commit(dlt_dml_ctx *c, const char *operation, const char *params_json,
                    dlt_error *err);

/* ------------------------------------------------------- candidates -- */

typedef struct dlt_dml_candidate {
	const dlt_log_file *file;         /* borrowed from the snapshot */
	bool all_match;                   /* predicate TRUE on every row (partition-only
	                                   * predicate, or no predicate): no read needed */
} dlt_dml_candidate;

typedef struct dlt_dml_candidates {
	dlt_dml_candidate *v;
	size_t n;
	int64_t n_considered, n_skipped_partition, n_skipped_stats;
} dlt_dml_candidates;

/* (rewrite.c) Files of `snap` that may hold rows for which `pred` (NULL:
 * all) is TRUE, in snapshot order. */
int dlt_dml__find_candidates(dlt_dml_candidates *out, dlt_snapshot *snap, const dlt_expr *pred,
                             dlt_error *err);
void dlt_dml__candidates_dispose(dlt_dml_candidates *c);

/* --------------------------------------------------------- reading -- */
/* Logical batches (snap->schema) of one file, existing DV applied, with the
 * physical row index of every row: dlt_table__rows_* in table/fileapi.h. */

/* Evaluate predicate (bound against snap->schema by dlt_expr_evaluate)
 * into a mask: TRUE rows true, FALSE/NULL false. *n_true: count. */
int dlt_dml__eval_mask(struct ArrowArray *mask, int64_t *n_true, const dlt_expr *pred,
                       const struct ArrowSchema *schema, const struct ArrowArray *batch,
                       dlt_error *err);

/* ------------------------------------------------- deletion vectors -- */
/* (dv_write.c) */

/* Serialized DV (magic + 64-bit portable RoaringBitmapArray) of the row
 * indexes rows[0..n) (any order, duplicates ok) plus those of `existing`
 * (may be NULL). *out: dlt_free. *cardinality: distinct rows; *max_row. */
int dlt_dml__dv_serialize(uint8_t **out, size_t *len, int64_t *cardinality, int64_t *max_row,
                          const dlt_dv_bitmap *existing, const uint64_t *rows, size_t n,
                          dlt_error *err);
/* Z85 encode n bytes (zero-padded to a multiple of 4); *out: dlt_free. */
int dlt_dml__z85_encode(char **out, const uint8_t *data, size_t n, dlt_error *err);

/* A DV descriptor with owned strings. */
typedef struct dlt_dml_dv {
	dlt_txn_dv d;
	char *path_or_inline;             /* owned; d.path_or_inline_dv points here */
	char *file_key;                   /* 'u': key of the DV file written; else NULL */
} dlt_dml_dv;
void dlt_dml__dv_dispose(dlt_dml_dv *dv);

/* Write a DV for `rows` merged with `existing`: inline ('i') when the
 * serialized DV is at most `inline_max` bytes (0: never inline), else a new
 * DV file "deletion_vector_<uuid>.bin" in the table root ('u',
 * pathOrInlineDv = z85 of the uuid) with version byte, size, data, CRC-32. */
int dlt_dml__dv_write(dlt_dml_dv *out, dlt_storage *st, const dlt_dv_bitmap *existing,
                      const uint64_t *rows, size_t n, size_t inline_max, dlt_error *err);

/* Merge-on-read for one file: write its new DV (rows + existing), stage
 * remove(file with old DV) + add(file with new DV, stats tightBounds false),
 * count metrics (DVs added/removed, removed/added files as Spark does).
 * When every live row would be deleted, the file is simply removed. */
int dlt_dml__stage_dv(dlt_dml_ctx *c, const dlt_log_file *f, const dlt_dv_bitmap *existing,
                      const uint64_t *rows, size_t n, dlt_error *err);

/* ---------------------------------------------------------- helpers -- */

/* Append ",\"predicate\":<json string>" style parameters: JSON object text
 * {"predicate":"[\"<sql>\"]"} as Spark logs DELETE/UPDATE (pred NULL: "[]"). */
int dlt_dml__predicate_params(dlt_buf *b, const char *sql, dlt_error *err);
/* Number of live rows of a file (num_records - DV cardinality); -1 unknown. */
int64_t dlt_dml__live_rows(const dlt_log_file *f);

/* ------------------------------------------------------- test hook -- */
/* (delete.c) Called by DELETE, UPDATE and MERGE once they have read what
 * they read and written their files, just before their commit: tests commit
 * concurrently from it to make the operation lose the race. Process-wide and
 * one-shot: the operation that runs the hook clears it first, so an
 * operation run by the hook itself does not run it again. Not thread-safe
 * (tests only). A negative return aborts the operation with that code. */
typedef int (*dlt_dml_test_hook)(dlt_table *table, const char *operation, void *payload,
                                 dlt_error *err);
void dlt_dml__set_test_hook(dlt_dml_test_hook hook, void *payload);
/* Run (and clear) the hook if one is set; DLT_OK otherwise. */
int dlt_dml__run_test_hook(dlt_table *table, const char *operation, dlt_error *err);

#endif /* DLT_OPS_DML_H */
