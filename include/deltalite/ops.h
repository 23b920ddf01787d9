/*
 * deltalite/ops.h - changing tables: create a table, write Arrow data
 * (append, overwrite, replaceWhere), set and unset table properties, and a
 * DDL-ish schema parser for command lines.
 *
 * Every operation ends in one atomic commit (put-if-absent of the next
 * _delta_log/<version>.json). Data files are written first, each visible
 * only once finished; if anything fails before the commit, nothing is
 * committed and files already written are merely unreferenced (VACUUM
 * removes them). A refused write leaves the table exactly as it was.
 *
 * Writes enforce the table: the data's columns, types and nullability must
 * fit the table schema (DLT_ESCHEMA naming the column and both types), NOT
 * NULL columns, CHECK constraints (table properties "delta.constraints.<n>")
 * and column invariants ("delta.invariants" field metadata) hold for every
 * row (DLT_ESCHEMA naming the constraint and the row's values), generated
 * columns ("delta.generationExpression") are computed when absent from the
 * data and checked when present. A table whose protocol asks for a writer
 * feature deltalite does not implement is refused (DLT_EUNSUPPORTED naming it).
 *
 * Thread safety: a dlt_table serves one thread at a time; concurrent writers
 * (other threads, processes or engines) are detected at commit time.
 */
#ifndef DELTALITE_OPS_H
#define DELTALITE_OPS_H

#include "common.h"
#include "arrow_c.h"
#include "storage.h"
#include "table.h"
#include "parquet_write.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What to do with existing data (writes), or with an existing table (create). */
typedef enum dlt_write_mode {
	DLT_WRITE_APPEND = 0,    /* write: add rows. create: keep the table (schema must match) */
	DLT_WRITE_OVERWRITE = 1, /* write: replace all rows (or those matching replace_where).
	                          * create: replace schema, properties and all rows */
	DLT_WRITE_ERROR = 2,     /* create: DLT_EEXISTS when a table is there. write: DLT_EEXISTS
	                          * when the table has any live file */
	DLT_WRITE_IGNORE = 3     /* create/write: do nothing when a table (write: data) exists */
} dlt_write_mode;

/** How a write treats data whose schema differs from the table's. */
typedef enum dlt_schema_mode {
	DLT_SCHEMA_STRICT = 0,   /* refuse new columns, missing NOT NULL columns and wider
	                          * types (DLT_ESCHEMA); narrower data that casts up without
	                          * loss (int32 into a long column) is accepted */
	DLT_SCHEMA_MERGE = 1,    /* add new columns / nested fields (appended, nullable) and
	                          * widen types where the table allows it (typeWidening) */
	DLT_SCHEMA_OVERWRITE = 2 /* with DLT_WRITE_OVERWRITE: the data's schema replaces the
	                          * table's (and partition_by the partitioning) */
} dlt_schema_mode;

/** Column mapping mode for new tables (PROTOCOL.md#column-mapping). */
typedef enum dlt_column_mapping_mode {
	DLT_COLUMN_MAPPING_NONE = 0,
	DLT_COLUMN_MAPPING_NAME = 1  /* physical names "col-<uuid>", Parquet field ids */
} dlt_column_mapping_mode;

/**
 * Options of dlt_table_create. Fields are only ever appended; the library
 * reads only those of the caller's `version`. Pointers are borrowed for the call.
 */
typedef struct dlt_create_options {
	unsigned int version;             /* DLT_CREATE_OPTIONS_VERSION */
	dlt_write_mode mode;              /* when a table exists; default DLT_WRITE_ERROR */
	const char *const *partition_by;  /* partition columns (top-level, in order) */
	size_t partition_by_len;
	const dlt_kv *properties;         /* table properties ("delta.appendOnly" = "true",
	                                   * "delta.constraints.pos" = "x > 0", ...) */
	size_t properties_len;
	const char *name;                 /* metadata.name; NULL: none */
	const char *description;          /* metadata.description; NULL: none */
	dlt_column_mapping_mode column_mapping;
	const dlt_kv *storage_options;    /* backend settings; borrowed */
	size_t storage_options_len;
} dlt_create_options;
#define DLT_CREATE_OPTIONS_VERSION 1
#define DLT_CREATE_OPTIONS_INIT \
	{ DLT_CREATE_OPTIONS_VERSION, DLT_WRITE_ERROR, NULL, 0, NULL, 0, NULL, NULL, \
	  DLT_COLUMN_MAPPING_NONE, NULL, 0 }
/** Fill `opts` with defaults for `version` (DLT_EINVAL for an unknown version). */
DLT_API int dlt_create_options_init(dlt_create_options *opts, unsigned int version);

/**
 * Create a Delta table at `uri` (commit version 0: protocol + metadata).
 * The protocol is the lowest one the table's features need: (1, 2) for a
 * plain table, legacy versions for invariants / CHECK constraints /
 * generated columns / change data feed, (3, 7) with table features as soon
 * as a feature needs them (timestamp_ntz, column mapping, deletion vectors,
 * "delta.feature.<name>" = "supported" properties...).
 * @param[out] out    may be NULL; else a handle on the table (dlt_table_free).
 * @param schema      the columns: an Arrow struct schema ("+s"); every Delta
 *                    type (int8..int64, float, double, decimal128, utf8/large,
 *                    binary/large, bool, date32, timestamp with a time zone =
 *                    timestamp, without = timestamp_ntz, list, map, struct).
 *                    Field metadata "comment" and Delta column metadata keys
 *                    are kept. Borrowed.
 * @param opts        may be NULL (defaults).
 * @return DLT_OK; DLT_EEXISTS (mode ERROR and a table exists); DLT_ESCHEMA
 *         (type with no Delta equivalent, duplicate column, unknown partition
 *         column, non-primitive partition column); DLT_EINVAL (bad options,
 *         bad property value); DLT_EIO...
 */
DLT_API int dlt_table_create(dlt_table **out, const char *uri, const struct ArrowSchema *schema,
                             const dlt_create_options *opts, dlt_error *err);

/** What a write did. */
typedef struct dlt_write_metrics {
	int64_t files_added;
	int64_t files_removed;
	int64_t rows_written;             /* rows of the new data */
	int64_t rows_copied;              /* rows rewritten from removed files (replaceWhere) */
	int64_t bytes_added;
	int64_t bytes_removed;
	int64_t duration_ms;
} dlt_write_metrics;

/**
 * Options of dlt_table_write. Fields are only ever appended; pointers are
 * borrowed for the call.
 */
typedef struct dlt_write_options {
	unsigned int version;             /* DLT_WRITE_OPTIONS_VERSION */
	dlt_write_mode mode;              /* default DLT_WRITE_APPEND */
	const char *const *partition_by;  /* must equal the table's partitioning when given
	                                   * (with DLT_SCHEMA_OVERWRITE: the new one) */
	size_t partition_by_len;
	int codec;                        /* dlt_parquet_codec; default SNAPPY */
	const char *replace_where;        /* with OVERWRITE: replace only rows matching this
	                                   * SQL predicate; every new row must match it */
	dlt_schema_mode schema_mode;      /* default DLT_SCHEMA_STRICT */
	int64_t target_file_size;         /* roll to a new file past this many bytes;
	                                   * 0: 128 MiB */
	const char *app_id;               /* idempotent writes: record txn(app_id, app_version)
	                                   * and skip the write (version_out -1) when the
	                                   * table already has app_version or newer */
	int64_t app_version;
	const dlt_kv *commit_properties;  /* extra commitInfo fields (string values) */
	size_t commit_properties_len;
	dlt_write_metrics *metrics;       /* may be NULL; else filled on success */
} dlt_write_options;
#define DLT_WRITE_OPTIONS_VERSION 1
#define DLT_WRITE_OPTIONS_INIT \
	{ DLT_WRITE_OPTIONS_VERSION, DLT_WRITE_APPEND, NULL, 0, DLT_PARQUET_CODEC_SNAPPY, NULL, \
	  DLT_SCHEMA_STRICT, 0, NULL, -1, NULL, 0, NULL }
/** Fill `opts` with defaults for `version` (DLT_EINVAL for an unknown version). */
DLT_API int dlt_write_options_init(dlt_write_options *opts, unsigned int version);

/**
 * Write the rows of `data` (consumed: released on every path) to the table.
 * Partitioned tables get Hive-style directories ("p=a%3Ab/" with Spark's
 * escaping, "__HIVE_DEFAULT_PARTITION__" for null); files are named
 * part-NNNNN-<uuid>-c000.<codec>.parquet and carry statistics (numRecords,
 * minValues, maxValues, nullCount of the first delta.dataSkippingNumIndexedCols
 * leaf columns, or of delta.dataSkippingStatsColumns).
 * @param[out] version_out  may be NULL; the committed version (-1 when
 *                          nothing was committed: mode IGNORE, app txn seen).
 * @param opts              may be NULL (append, strict schema).
 * @return DLT_OK; DLT_ESCHEMA (schema mismatch, constraint or replace_where
 *         violation: the message names the column or constraint and the row);
 *         DLT_EUNSUPPORTED (writer feature, type); DLT_ECONFLICT (a concurrent
 *         commit conflicts; retry); DLT_EINVAL; DLT_EIO...
 */
DLT_API int dlt_table_write(int64_t *version_out, dlt_table *table,
                            struct ArrowArrayStream *data /* consumed */,
                            const dlt_write_options *opts, dlt_error *err);

/**
 * Set table properties in one commit (metadata action). Setting
 * "delta.constraints.<name>" adds a CHECK constraint: existing rows are not
 * re-checked here. Properties that need a protocol upgrade (e.g.
 * "delta.enableDeletionVectors") upgrade it in the same commit.
 * @return DLT_OK; DLT_EINVAL (bad value for a known delta.* property).
 */
DLT_API int dlt_table_set_properties(int64_t *version_out, dlt_table *table,
                                     const dlt_kv *props, size_t n, dlt_error *err);
/**
 * Remove table properties in one commit. DLT_ENOTFOUND naming a key that is
 * not set, unless `if_exists` is nonzero.
 */
DLT_API int dlt_table_unset_properties(int64_t *version_out, dlt_table *table,
                                       const char *const *keys, size_t n, int if_exists,
                                       dlt_error *err);

/**
 * Parse "id bigint not null, name string comment 'who', ts timestamp,
 * d decimal(10,2), tags array<string>, m map<string,int>,
 * s struct<a: int, b: string>" into an Arrow struct schema (`out`: caller
 * releases). Type names as in Delta/Spark SQL (tinyint/byte, smallint/short,
 * int/integer, bigint/long, float/real, double, decimal(p,s), string,
 * binary, boolean, date, timestamp, timestamp_ntz); names may be quoted
 * with backquotes; keywords are case-insensitive.
 * @return DLT_OK; DLT_EINVAL "at offset N: ..." for syntax errors.
 */
DLT_API int dlt_schema_parse_ddl(struct ArrowSchema *out, const char *ddl, dlt_error *err);

#ifdef __cplusplus
}
#endif
#endif /* DELTALITE_OPS_H */
