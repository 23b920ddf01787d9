/*
 * Per-file helpers for DELETE / UPDATE / MERGE / OPTIMIZE (table/fileapi.h):
 * skipping one file by partition values and statistics
 * (PROTOCOL.md#per-file-statistics), and reading one file with its row
 * indexes, as deletion vectors address rows by their position in the file
 * (PROTOCOL.md#deletion-vectors).
 */
#include "table/fileapi.h"
#include "compute/compute.h"
#include "expr/expr.h"
#include "util/parse.h"

#include "deltalite/parquet.h"

#include <jansson.h>
#include <stdio.h>
#include <strings.h>

static int oom(dlt_error *err)
{
	return dlt_error_set(err, DLT_ENOMEM, "out of memory");
}

static bool is_part_col(const dlt_snapshot *snap, const char *name)
{
	for (size_t i = 0; i < snap->metadata.n_partition_columns; i++)
		if (strcasecmp(snap->metadata.partition_columns[i], name) == 0)
			return true;
	return false;
}

/* ----------------------------------------------------------- skipping -- */

typedef struct skip_leaf {
	const struct ArrowSchema *schema;
	const char *lname;              /* logical (borrowed from the snapshot schema) */
	char pname[256];                /* physical name in stats JSON */
} skip_leaf;

struct dlt_table_skipper {
	dlt_snapshot *snap;
	dlt_expr *pred;
	dlt_match_mode mode;
	bool only_partition;            /* pred references partition columns only */
	struct ArrowSchema part_schema; /* release NULL: unpartitioned */
	skip_leaf *leaves;
	size_t n_leaves;
};

static bool refs_only_partitions(const dlt_expr *e, const dlt_snapshot *snap)
{
	if (!e)
		return true;
	if (e->kind == DLT_EK_COLUMN)
		return e->path_len >= 1 && is_part_col(snap, e->path[0]);
	for (size_t i = 0; i < e->n_args; i++)
		if (!refs_only_partitions(e->args[i], snap))
			return false;
	return true;
}

void dlt_table__skipper_free(dlt_table_skipper *s)
{
	if (!s)
		return;
	dlt_expr_free(s->pred);
	dlt_schema__release(&s->part_schema);
	dlt_free(s->leaves);
	dlt_snapshot_free(s->snap);
	dlt_free(s);
}

int dlt_table__skipper_new(dlt_table_skipper **out, dlt_snapshot *snap, const dlt_expr *pred,
                           dlt_error *err)
{
	dlt_table_skipper *s;
	const struct ArrowSchema *full = &snap->schema;
	int64_t n_part = 0, o = 0;
	int rc = DLT_OK;

	*out = NULL;
	if (!(s = dlt_calloc(1, sizeof(*s))))
		return oom(err);
	s->snap = dlt_snapshot_retain(snap);
	s->mode = dlt_table__match_mode(snap);
	if (pred) {
		dlt_expr *bound = NULL;
		if ((rc = dlt_expr_clone(&s->pred, pred, err)) < 0 ||
		    (rc = dlt_expr__bind(&bound, pred, full, err)) < 0)
			goto fail;
		dlt_expr_free(bound);
		s->only_partition = refs_only_partitions(pred, snap);
	}
	for (int64_t i = 0; i < full->n_children; i++)
		n_part += is_part_col(snap, full->children[i]->name);
	if (n_part > 0) {
		if ((rc = dlt_schema__init(&s->part_schema, "+s", "", 0, n_part, err)) < 0)
			goto fail;
		for (int64_t i = 0; i < full->n_children; i++)
			if (is_part_col(snap, full->children[i]->name) &&
			    (rc = dlt_schema__copy(s->part_schema.children[o++], full->children[i],
			                           err)) < 0)
				goto fail;
	}
	if (!(s->leaves = dlt_calloc((size_t)full->n_children + 1, sizeof(*s->leaves)))) {
		rc = oom(err);
		goto fail;
	}
	for (int64_t i = 0; i < full->n_children; i++) {
		const struct ArrowSchema *f = full->children[i];
		skip_leaf *l;
		if (f->format[0] == '+' || is_part_col(snap, f->name))
			continue;
		char buf[256];
		const char *pn = dlt_table__physical_name(f, s->mode, buf, sizeof(buf));
		l = &s->leaves[s->n_leaves++];
		l->schema = f;
		l->lname = f->name;
		snprintf(l->pname, sizeof(l->pname), "%s", pn ? pn : f->name);
	}
	*out = s;
	return DLT_OK;
fail:
	dlt_table__skipper_free(s);
	return rc;
}

static int part_values(struct ArrowArray *out, const dlt_table_skipper *s, const dlt_log_file *f,
                       dlt_error *err)
{
	dlt_builder *b = NULL;
	char pbuf[256];
	int rc;

	if ((rc = dlt_builder__new(&b, &s->part_schema, err)) < 0)
		return rc;
	for (int64_t i = 0; i < s->part_schema.n_children && rc == DLT_OK; i++) {
		const struct ArrowSchema *c = s->part_schema.children[i];
		bool found = false;
		const char *key = dlt_table__physical_name(c, s->mode, pbuf, sizeof(pbuf));
		const char *v = dlt_log__kvs_get(f->partition_values, key, &found);
		rc = dlt_table__append_partition_value(dlt_builder__child(b, i), found ? v : NULL,
		                                       c->name, err);
	}
	if (rc == DLT_OK && (rc = dlt_builder__append_valid(b, err)) == DLT_OK)
		rc = dlt_builder__finish(out, b, err);
	dlt_builder__free(b);
	return rc;
}

int dlt_table__skipper_check(dlt_table_skipper *s, const dlt_log_file *f, int *may,
                             bool *by_partition, bool *all_match, dlt_error *err)
{
	dlt_file_stats fs = DLT_FILE_STATS_INIT;
	struct ArrowArray part, *mins = NULL, *maxs = NULL;
	dlt_column_stats *cols = NULL;
	json_t *root = NULL;
	json_error_t je;
	size_t n = 0;
	int rc = DLT_OK;

	*may = 1;
	*by_partition = false;
	*all_match = s->pred == NULL;
	if (!s->pred)
		return DLT_OK;
	memset(&part, 0, sizeof(part));
	if (s->part_schema.release) {
		if ((rc = part_values(&part, s, f, err)) < 0)
			goto done;
		fs.partition_schema = &s->part_schema;
		fs.partition_values = &part;
		if ((rc = dlt_expr_may_match(may, s->pred, &s->snap->schema, &fs, err)) < 0)
			goto done;
		if (!*may) {
			*by_partition = true;
			goto done;
		}
		if (s->only_partition) {
			struct ArrowArray res;
			struct ArrowSchema rs;
			memset(&res, 0, sizeof(res));
			memset(&rs, 0, sizeof(rs));
			if ((rc = dlt_expr_evaluate(&res, &rs, s->pred, &s->part_schema, &part, err)) < 0)
				goto done;
			if (res.length == 1 && !dlt_arrow__is_null(&res, 0) && rs.format[0] == 'b' &&
			    dlt_arrow__bit(res.buffers[1], res.offset))
				*all_match = true;
			else if (res.length == 1) {
				*may = 0; /* exact: FALSE or NULL for this partition */
				*by_partition = true;
			}
			dlt_array__release(&res);
			dlt_schema__release(&rs);
			goto done;
		}
	}
	if (!f->stats || !(root = json_loads(f->stats, 0, &je)) || !json_is_object(root))
		goto done;
	if (!(cols = dlt_calloc(s->n_leaves + 1, sizeof(*cols))) ||
	    !(mins = dlt_calloc(s->n_leaves + 1, sizeof(*mins))) ||
	    !(maxs = dlt_calloc(s->n_leaves + 1, sizeof(*maxs)))) {
		rc = oom(err);
		goto done;
	}
	for (size_t i = 0; i < s->n_leaves; i++) {
		const skip_leaf *l = &s->leaves[i];
		const json_t *mn = json_object_get(json_object_get(root, "minValues"), l->pname);
		const json_t *mx = json_object_get(json_object_get(root, "maxValues"), l->pname);
		const json_t *nc = json_object_get(json_object_get(root, "nullCount"), l->pname);
		if ((rc = dlt_table__stat_from_json(&mins[n], l->schema, mn, NULL, 0, err)) < 0 ||
		    (rc = dlt_table__stat_from_json(&maxs[n], l->schema, mx, NULL, 0, err)) < 0) {
			n++;
			goto done;
		}
		cols[n].path = &l->lname;
		cols[n].path_len = 1;
		cols[n].schema = l->schema;
		cols[n].min = &mins[n];
		cols[n].max = &maxs[n];
		cols[n].null_count = json_is_integer(nc) ? (int64_t)json_integer_value(nc) : -1;
		n++;
	}
	fs.tight_bounds = json_is_false(json_object_get(root, "tightBounds")) ? 0 : 1;
	if (f->dv.storage_type)
		fs.tight_bounds = 0;
	if (json_is_integer(json_object_get(root, "numRecords")))
		fs.num_records = (int64_t)json_integer_value(json_object_get(root, "numRecords"));
	fs.columns = cols;
	fs.n_columns = n;
	rc = dlt_expr_may_match(may, s->pred, &s->snap->schema, &fs, err);
done:
	for (size_t i = 0; i < n; i++) {
		dlt_array__release(&mins[i]);
		dlt_array__release(&maxs[i]);
	}
	dlt_free(cols);
	dlt_free(mins);
	dlt_free(maxs);
	if (root)
		json_decref(root);
	dlt_array__release(&part);
	if (rc < 0)
		dlt_error_prefix(err, "data skipping on %s", f->path);
	return rc;
}

/* ------------------------------------------------------------- reading -- */

/* A projected column the row-group filter has statistics for. */
typedef struct rg_leaf {
	const struct ArrowSchema *schema;  /* logical (borrowed from the snapshot) */
	const char *lname;
	char pname[256];                   /* Parquet column path (top-level) */
} rg_leaf;

struct dlt_table_rows {
	dlt_snapshot *snap;
	dlt_file_reader *rd;
	const struct ArrowSchema *schema;  /* &snap->schema or &proj */
	struct ArrowSchema proj;           /* release NULL: not projected */
	bool *is_part;
	dlt_dv_bitmap dv;
	bool has_dv;
	int64_t physical;                  /* row index of the next row */
	int64_t rg_next;                   /* row index of the next row group's first row */
	const dlt_expr *skip;
	rg_leaf *leaves;
	size_t n_leaves;
	dlt_column_stats *cs;              /* n_leaves each (row-group filter scratch) */
	struct ArrowArray *mins, *maxs;
	int64_t rg_read, rg_skipped;
	int64_t *idx;
	size_t cap;
};

void dlt_table__rows_free(dlt_table_rows *r)
{
	if (!r)
		return;
	dlt_table__file_reader_free(r->rd);
	dlt_table__dv_dispose(&r->dv);
	dlt_schema__release(&r->proj);
	dlt_free(r->is_part);
	dlt_free(r->leaves);
	dlt_free(r->cs);
	dlt_free(r->mins);
	dlt_free(r->maxs);
	dlt_free(r->idx);
	dlt_snapshot_free(r->snap);
	dlt_free(r);
}

/* Mark the top-level columns of `ss` that `e` references; false when a
 * reference names no column (then the caller reads everything, so binding
 * reports the error as without projection). */
static bool mark_refs(bool *use, const struct ArrowSchema *ss, const dlt_expr *e, int depth)
{
	if (!e || depth > 256)
		return e == NULL;
	if (e->kind == DLT_EK_COLUMN) {
		bool found = false;
		if (e->path_len < 1)
			return false;
		for (int64_t i = 0; i < ss->n_children; i++)
			if (ss->children[i]->name && strcasecmp(ss->children[i]->name, e->path[0]) == 0)
				use[i] = found = true;
		return found;
	}
	for (size_t i = 0; i < e->n_args; i++)
		if (!mark_refs(use, ss, e->args[i], depth + 1))
			return false;
	return true;
}

static int project(dlt_table_rows *r, const dlt_expr *e, dlt_error *err)
{
	const struct ArrowSchema *ss = &r->snap->schema;
	bool *use = dlt_calloc((size_t)ss->n_children + 1, sizeof(bool));
	int64_t n = 0, o = 0;
	int rc = DLT_OK;

	if (!use)
		return oom(err);
	if (mark_refs(use, ss, e, 0)) {
		for (int64_t i = 0; i < ss->n_children; i++)
			n += use[i];
	}
	if (n > 0 && n < ss->n_children) {
		if ((rc = dlt_schema__init(&r->proj, "+s", "", 0, n, err)) < 0)
			goto done;
		for (int64_t i = 0; i < ss->n_children && rc == DLT_OK; i++)
			if (use[i])
				rc = dlt_schema__copy(r->proj.children[o++], ss->children[i], err);
		if (rc == DLT_OK)
			r->schema = &r->proj;
	}
done:
	dlt_free(use);
	return rc;
}

/* One Parquet statistic as a 1-row array of the column's type (null: unknown). */
static int pq_stat(struct ArrowArray *out, const struct ArrowSchema *sch,
                   const dlt_parquet_column_stats *c, const dlt_parquet_value *v)
{
	dlt_builder *b = NULL;
	const dlt_type_view *t;
	int rc, ok = -1;
	bool ints = v->physical == DLT_PARQUET_INT32 || v->physical == DLT_PARQUET_INT64;

	if ((rc = dlt_builder__new(&b, sch, NULL)) < 0)
		return rc;
	t = dlt_builder__type(b);
	if (v->present && !c->is_unsigned) {
		switch (t->type) {
		case DLT_AT_INT8: case DLT_AT_INT16: case DLT_AT_INT32: case DLT_AT_INT64:
		case DLT_AT_DATE32:
			if (ints)
				ok = dlt_builder__append_int(b, v->i64, NULL);
			break;
		case DLT_AT_FLOAT32: case DLT_AT_FLOAT64:
			if (v->physical == DLT_PARQUET_FLOAT || v->physical == DLT_PARQUET_DOUBLE)
				ok = dlt_builder__append_double(b, v->f64, NULL);
			break;
		case DLT_AT_STRING:
			if (v->physical == DLT_PARQUET_BYTE_ARRAY && v->bytes)
				ok = dlt_builder__append_bytes(b, v->bytes, v->len, NULL);
			break;
		default:
			break; /* decimals, timestamps, booleans, binary: unknown */
		}
	}
	if (ok != DLT_OK && dlt_builder__length(b) == 0)
		rc = dlt_builder__append_null(b, NULL);
	if (rc == DLT_OK)
		rc = dlt_builder__finish(out, b, NULL);
	dlt_builder__free(b);
	return rc;
}

/* Row-group filter: tracks the row index of each row group's first row (the
 * reader asks for every row group, in order, right before reading it) and
 * skips those whose statistics prove `skip` never TRUE. */
static int rows_rg_filter(int64_t rg, int64_t num_rows, const dlt_parquet_column_stats *cols,
                          size_t n_cols, void *payload)
{
	dlt_table_rows *r = payload;
	dlt_file_stats fs = DLT_FILE_STATS_INIT;
	size_t n = 0;
	int may = 1, rc = DLT_OK;

	(void)rg;
	r->physical = r->rg_next;
	r->rg_next += num_rows;
	if (r->skip && r->n_leaves > 0) {
		for (size_t i = 0; i < r->n_leaves && rc == DLT_OK; i++) {
			const rg_leaf *l = &r->leaves[i];
			size_t k;
			for (k = 0; k < n_cols; k++)
				if (cols[k].path && strcmp(cols[k].path, l->pname) == 0)
					break;
			if (k == n_cols)
				continue;
			memset(&r->mins[n], 0, sizeof(r->mins[n]));
			memset(&r->maxs[n], 0, sizeof(r->maxs[n]));
			if ((rc = pq_stat(&r->mins[n], l->schema, &cols[k], &cols[k].min)) == DLT_OK)
				rc = pq_stat(&r->maxs[n], l->schema, &cols[k], &cols[k].max);
			r->cs[n].path = &l->lname;
			r->cs[n].path_len = 1;
			r->cs[n].schema = l->schema;
			r->cs[n].min = &r->mins[n];
			r->cs[n].max = &r->maxs[n];
			r->cs[n].null_count = cols[k].null_count;
			n++;
		}
		if (rc == DLT_OK) {
			fs.num_records = num_rows;
			fs.columns = r->cs;
			fs.n_columns = n;
			if (dlt_expr_may_match(&may, r->skip, &r->snap->schema, &fs, NULL) < 0)
				may = 1; /* a statistic we cannot use never fails the read */
		}
		for (size_t i = 0; i < n; i++) {
			dlt_array__release(&r->mins[i]);
			dlt_array__release(&r->maxs[i]);
		}
		if (rc < 0)
			return rc;
	}
	if (!may) {
		r->rg_skipped++;
		return 0;
	}
	r->rg_read++;
	return 1;
}

static int skip_leaves(dlt_table_rows *r, dlt_error *err)
{
	const struct ArrowSchema *ss = r->schema;
	dlt_match_mode mode = dlt_table__match_mode(r->snap);
	size_t m = (size_t)ss->n_children + 1;

	if (!(r->leaves = dlt_calloc(m, sizeof(*r->leaves))) ||
	    !(r->cs = dlt_calloc(m, sizeof(*r->cs))) || !(r->mins = dlt_calloc(m, sizeof(*r->mins))) ||
	    !(r->maxs = dlt_calloc(m, sizeof(*r->maxs))))
		return oom(err);
	for (int64_t i = 0; i < ss->n_children; i++) {
		const struct ArrowSchema *f = ss->children[i];
		char buf[256];
		const char *pn;
		rg_leaf *l;
		if (f->format[0] == '+' || r->is_part[i])
			continue;
		pn = dlt_table__physical_name(f, mode, buf, sizeof(buf));
		l = &r->leaves[r->n_leaves++];
		l->schema = f;
		l->lname = f->name;
		snprintf(l->pname, sizeof(l->pname), "%s", pn ? pn : f->name);
	}
	return DLT_OK;
}

int dlt_table__rows_open_ex(dlt_table_rows **out, dlt_snapshot *snap, const dlt_log_file *f,
                            const dlt_table_rows_opts *o, dlt_error *err)
{
	dlt_table_rows *r;
	dlt_file_reader_args args;
	const struct ArrowSchema *ss;
	int rc;

	*out = NULL;
	if (!(r = dlt_calloc(1, sizeof(*r))))
		return oom(err);
	r->snap = dlt_snapshot_retain(snap);
	r->schema = &snap->schema;
	if (o && o->columns_of && (rc = project(r, o->columns_of, err)) < 0)
		goto fail;
	ss = r->schema;
	if (!(r->is_part = dlt_calloc((size_t)ss->n_children + 1, sizeof(bool)))) {
		rc = oom(err);
		goto fail;
	}
	for (int64_t i = 0; i < ss->n_children; i++)
		r->is_part[i] = is_part_col(snap, ss->children[i]->name);
	if (o && o->skip) {
		r->skip = o->skip;
		if ((rc = skip_leaves(r, err)) < 0)
			goto fail;
	}
	if (f->dv.storage_type) {
		if ((rc = dlt_table__dv_load(&r->dv, &f->dv, snap->root->storage, NULL, err)) < 0)
			goto fail;
		r->has_dv = true;
	}
	memset(&args, 0, sizeof(args));
	args.storage = snap->root->storage;
	args.file = f;
	args.read_schema = ss;
	args.is_partition = r->is_part;
	args.mode = dlt_table__match_mode(snap);
	args.batch_size = 65536;
	/* no selection: the rows of every row group read come back in file
	 * order, so row group start + running count is the row index (the
	 * filter tracks the starts); the DV is applied here */
	args.rg_filter = rows_rg_filter;
	args.rg_payload = r;
	if ((rc = dlt_table__file_reader_open(&r->rd, &args, err)) < 0)
		goto fail;
	*out = r;
	return DLT_OK;
fail:
	dlt_error_prefix(err, "file %s", f->path);
	dlt_table__rows_free(r);
	return rc;
}

int dlt_table__rows_open(dlt_table_rows **out, dlt_snapshot *snap, const dlt_log_file *f,
                         dlt_error *err)
{
	return dlt_table__rows_open_ex(out, snap, f, NULL, err);
}

const struct ArrowSchema *dlt_table__rows_schema(const dlt_table_rows *r)
{
	return r->schema;
}

void dlt_table__rows_counters(const dlt_table_rows *r, int64_t *rg_read, int64_t *rg_skipped)
{
	*rg_read = r->rg_read;
	*rg_skipped = r->rg_skipped;
}

int dlt_table__rows_next(dlt_table_rows *r, struct ArrowArray *out, const int64_t **row_idx,
                         dlt_error *err)
{
	struct ArrowArray b;
	int64_t dec = 0, del = 0, base, n_keep = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	*row_idx = NULL;
	for (;;) {
		memset(&b, 0, sizeof(b));
		if ((rc = dlt_table__file_reader_next(r->rd, &b, &dec, &del, err)) < 0)
			return rc;
		if (!b.release)
			return DLT_OK;
		if (b.length > 0)
			break;
		b.release(&b);
	}
	base = r->physical;
	r->physical += b.length;
	if ((size_t)b.length > r->cap) {
		int64_t *ni = dlt_realloc(r->idx, (size_t)b.length * sizeof(*ni));
		if (!ni) {
			b.release(&b);
			return oom(err);
		}
		r->idx = ni;
		r->cap = (size_t)b.length;
	}
	if (!r->has_dv) {
		for (int64_t i = 0; i < b.length; i++)
			r->idx[i] = base + i;
		n_keep = b.length;
	} else {
		for (int64_t i = 0; i < b.length; i++)
			if (!dlt_table__dv_contains(&r->dv, (uint64_t)(base + i)))
				r->idx[n_keep++] = base + i;
	}
	if (n_keep == b.length) {
		dlt_array__move(out, &b);
	} else {
		int64_t *pos;
		if (!(pos = dlt_malloc((size_t)(n_keep + 1) * sizeof(*pos)))) {
			b.release(&b);
			return oom(err);
		}
		for (int64_t i = 0; i < n_keep; i++)
			pos[i] = r->idx[i] - base;
		rc = dlt_compute__take(out, r->schema, &b, pos, n_keep, err);
		dlt_free(pos);
		b.release(&b);
		if (rc < 0)
			return rc;
	}
	*row_idx = r->idx;
	return DLT_OK;
}

const dlt_dv_bitmap *dlt_table__rows_dv(const dlt_table_rows *r)
{
	return r && r->has_dv ? &r->dv : NULL;
}

int64_t dlt_table__rows_physical(const dlt_table_rows *r)
{
	return r ? r->physical : 0;
}
