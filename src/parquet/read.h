/*
 * parquet/read.h - internals of the Parquet reader: the schema tree (Parquet
 * schema elements -> Arrow fields with definition/repetition levels) and the
 * reader's file handle. Internal, never exported.
 */
#ifndef DLT_PARQUET_READ_H
#define DLT_PARQUET_READ_H

#include "arrow/arrow.h"
#include "deltalite/parquet.h"
#include "parquet/meta.h"

#include <stdbool.h>

typedef enum dlt_pqn_kind {
	DLT_PQN_LEAF = 0,
	DLT_PQN_STRUCT,
	DLT_PQN_LIST,
	DLT_PQN_MAP
} dlt_pqn_kind;

/* How a leaf's physical values become Arrow values. */
typedef enum dlt_pq_conv {
	DLT_PQC_COPY = 0,      /* same bytes (width == arrow width) */
	DLT_PQC_BOOL,          /* bytes 0/1 -> bitmap */
	DLT_PQC_I32_TO_I8,
	DLT_PQC_I32_TO_I16,
	DLT_PQC_I32_TO_DEC128,
	DLT_PQC_I64_TO_DEC128,
	DLT_PQC_BE_TO_DEC128,  /* FLBA / BYTE_ARRAY big-endian two's complement */
	DLT_PQC_BE_TO_DEC256,
	DLT_PQC_INT96_TO_TS,   /* -> int64 in int96_unit */
	DLT_PQC_BINARY,        /* BYTE_ARRAY -> binary/utf8 offsets + data */
	DLT_PQC_NULL           /* UNKNOWN logical type: Arrow null */
} dlt_pq_conv;

typedef struct dlt_pq_node dlt_pq_node;
struct dlt_pq_node {
	dlt_pqn_kind kind;
	const dlt_pq_schema_element *el; /* names the field (name, field id) */
	const char *name;                /* Arrow field name */
	char *path;                      /* dotted Parquet path, dlt_malloc'd */
	bool nullable;
	int16_t def;       /* definition level at which this node is non-null */
	int16_t slot_def;  /* it has a slot where def >= slot_def ... */
	int16_t slot_rep;  /* ... and rep <= slot_rep */
	int16_t elem_def;  /* LIST/MAP: def level of a present element */
	int16_t rep;       /* LIST/MAP: repetition level of the repeated field */
	dlt_pq_node **children;
	size_t n_children;
	int first_leaf, n_leaves;        /* leaves under this node */
	/* LEAF */
	int leaf;                        /* leaf column index */
	int16_t max_def, max_rep;
	int ptype;                       /* dlt_pq_type */
	int32_t type_length;
	dlt_pq_conv conv;
	int arrow_width;                 /* bytes per Arrow value (fixed layouts) */
	bool is_string;                  /* utf8 vs binary */
	bool dict_ok;                    /* may be returned as an Arrow dictionary */
	bool is_unsigned;
	char format[40];                 /* Arrow format */
};

typedef struct dlt_pq_schema {
	dlt_pq_node *root;               /* STRUCT, not nullable */
	dlt_pq_node **leaves;            /* by leaf column index */
	size_t n_leaves;
	dlt_pq_node *nodes;              /* storage of all nodes */
	size_t n_nodes;
} dlt_pq_schema;

/* Build the tree from the footer's schema. int96_unit: dlt_parquet_int96_unit.
 * DLT_ECORRUPT for malformed schemas (bad child counts, leaves without type). */
int dlt_parquet__schema_build(dlt_pq_schema *out, const dlt_pq_file_meta *meta, int int96_unit,
                              dlt_error *err);
void dlt_parquet__schema_dispose(dlt_pq_schema *s);
/* Arrow schema of `node`, keeping only leaves with keep[leaf] (NULL: all).
 * dictionary: dict_ok leaves become dictionary<int32, value>. */
int dlt_parquet__schema_to_arrow(struct ArrowSchema *out, const dlt_pq_node *node,
                                 const bool *keep, bool dictionary, dlt_error *err);
/* Does the subtree under node contain a kept leaf? */
bool dlt_parquet__node_kept(const dlt_pq_node *node, const bool *keep);

/* The footer and schema tree of an opened file (borrowed). */
const dlt_pq_file_meta *dlt_parquet__file_meta(const dlt_parquet_file *f);
const dlt_pq_schema *dlt_parquet__file_tree(const dlt_parquet_file *f);

/* Work state carried from one read stream to the next (a multi-file scan):
 * the per-leaf decode work buffers and the recycled output buffers, so that
 * each new file does not start with cold, freshly faulted memory. Work
 * buffers of leaf i are kept when the next file's leaf i has the same shape.
 * One stream at a time holds it (a second concurrent stream simply does
 * without); it must outlive the streams given it. */
typedef struct dlt_pq_carry dlt_pq_carry;
int dlt_pq__carry_new(dlt_pq_carry **out, dlt_error *err);
void dlt_pq__carry_free(dlt_pq_carry *c);
/* dlt_parquet_read, with a carry (NULL: none). */
int dlt_parquet__read_carry(struct ArrowArrayStream *out, dlt_parquet_file *f,
                            const dlt_parquet_read_options *opts, dlt_pq_carry *carry,
                            dlt_error *err);

#endif /* DLT_PARQUET_READ_H */
