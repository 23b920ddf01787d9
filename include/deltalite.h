/*
 * deltalite.h - the one public header of libdeltalite: Delta Lake in C.
 *
 * Include only this. It pulls in the per-module public headers under
 * deltalite/; everything under src/ is private. See README.md for a tour.
 */
#ifndef DELTALITE_H
#define DELTALITE_H

#include "deltalite/common.h"   /* status codes, dlt_error, allocator, version */
#include "deltalite/arrow_c.h"  /* Arrow C Data + Stream interface structs */
#include "deltalite/io.h"       /* dlt_input / dlt_output byte sources and sinks */
#include "deltalite/storage.h"  /* object stores: local, memory, registry by URI scheme */
#include "deltalite/arrow.h"    /* validate foreign Arrow data, release helpers */
#include "deltalite/text.h"     /* CSV / NDJSON readers, CSV / JSON-lines writers */
#include "deltalite/parquet.h"  /* Parquet reader: files to Arrow streams */
#include "deltalite/parquet_write.h" /* Parquet writer: Arrow batches to files */
#include "deltalite/expr.h"     /* predicates: parse, evaluate, data skipping */
#include "deltalite/table.h"    /* Delta tables: open, snapshots, files, history */
#include "deltalite/scan.h"     /* scans (logical rows) and the change data feed */
#include "deltalite/maintenance.h" /* checkpoints, log cleanup, vacuum, restore */
#include "deltalite/txn.h"      /* transactions: stage actions, commit, conflicts */
#include "deltalite/ops.h"      /* create tables, write data, set properties */
#include "deltalite/dml.h"      /* DELETE and UPDATE (copy-on-write, deletion vectors) */
#include "deltalite/merge.h"    /* MERGE INTO: upserts from an Arrow stream */
#include "deltalite/optimize.h" /* OPTIMIZE: compaction, Z-order */

#endif /* DELTALITE_H */
