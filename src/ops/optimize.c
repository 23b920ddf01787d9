/* OPTIMIZE: bin-packing compaction and Z-ordering of data files.
 *
 * Plan: the live files of the read snapshot whose partition values satisfy
 * the partition filter are grouped by partition; per partition either
 * (compaction) the files below the target size plus every file with a
 * deletion vector are packed first-fit, smallest first, into bins of at most
 * the target size, keeping bins of >= min_files files or with a DV, or
 * (Z-order) all files form one bin. Execute: each bin's files are read as
 * logical rows with their DVs applied (table/fileapi.h), Z-ordered if asked,
 * and written by the table writer (dml.h) into the partition's directory;
 * the old files are removed and the new ones added with dataChange = false
 * (PROTOCOL.md#add-file-and-remove-file: "dataChange false ... rearranges
 * data", so streaming sources skip the commit). Removing through
 * dlt_txn_remove_live_file records each file as read, which gives Delta's
 * conflict rules for compaction: concurrent appends commute, a concurrent
 * remove of a rewritten file is a delete-delete conflict. */
#include "ops/optimize.h"
#include "ops/dml.h"
#include "expr/expr.h"
#include "util/parse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_TARGET ((int64_t)100 << 20)   /* delta-rs' default */
#define MAX_SLICE_ROWS ((int64_t)1 << 16)

int dlt_optimize_options_init(dlt_optimize_options *opts, unsigned int version)
{
	dlt_optimize_options d = DLT_OPTIMIZE_OPTIONS_INIT;
	if (!opts || version != DLT_OPTIMIZE_OPTIONS_VERSION)
		return DLT_EINVAL;
	*opts = d;
	return DLT_OK;
}

static int oom(dlt_error *err)
{
	return dlt_error_set(err, DLT_ENOMEM, "out of memory");
}

/* One live file selected for consideration, with its partition key. */
typedef struct ofile {
	const dlt_log_file *f;
	char *pkey;               /* canonical partition values text (grouping) */
} ofile;

typedef struct obin {
	size_t first, n;          /* range of ctx.sel (after bin ordering: ctx.order) */
} obin;

typedef struct octx {
	dlt_error *err;
	dlt_table *table;
	dlt_txn *txn;
	dlt_snapshot *snap;
	dlt_storage *st;
	dlt_optimize_options o;
	int64_t target;
	dlt_expr *filter;
	char **zcols;             /* logical names as in the schema */
	int64_t *zidx;            /* top-level column index in snap->schema */
	size_t nz;
	ofile *sel;               /* files of the selected partitions, grouped */
	size_t n_sel;
	size_t *order;            /* files of the bins, bin after bin (indexes into sel) */
	size_t n_order;
	obin *bins;
	size_t n_bins, cap_bins;
	char **written;           /* keys of files written (removed again on failure) */
	size_t n_written, cap_written;
	dlt_optimize_metrics m;
} octx;

static void file_stats_add(dlt_optimize_file_stats *s, int64_t size)
{
	if (s->total_files == 0 || size < s->min)
		s->min = size;
	if (s->total_files == 0 || size > s->max)
		s->max = size;
	s->total_files++;
	s->total_size += size;
	s->avg = (double)s->total_size / (double)s->total_files;
}

/* ---------------------------------------------------------- options -- */

/* "104857600", "128mb", "1 GiB": bytes. */
static bool parse_size(const char *s, int64_t *out)
{
	int64_t v = 0, mul = 1;
	const char *p = s;
	char unit[8];
	size_t n = 0;

	while (*p == ' ')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p)) {
		if (dlt_mul_overflow_i64(v, 10, &v) || dlt_add_overflow_i64(v, *p - '0', &v))
			return false;
		p++;
	}
	while (*p == ' ')
		p++;
	while (*p && *p != ' ' && n + 1 < sizeof(unit))
		unit[n++] = (char)tolower((unsigned char)*p++);
	unit[n] = 0;
	while (*p == ' ')
		p++;
	if (*p)
		return false;
	if (!n || !strcmp(unit, "b"))
		mul = 1;
	else if (!strcmp(unit, "k") || !strcmp(unit, "kb") || !strcmp(unit, "kib"))
		mul = (int64_t)1 << 10;
	else if (!strcmp(unit, "m") || !strcmp(unit, "mb") || !strcmp(unit, "mib"))
		mul = (int64_t)1 << 20;
	else if (!strcmp(unit, "g") || !strcmp(unit, "gb") || !strcmp(unit, "gib"))
		mul = (int64_t)1 << 30;
	else
		return false;
	if (dlt_mul_overflow_i64(v, mul, &v))
		return false;
	*out = v;
	return true;
}

static const char *config_get(const dlt_log_kvs *c, const char *key)
{
	for (size_t i = 0; c && i < c->n; i++)
		if (strcmp(c->kv[i].key, key) == 0)
			return c->kv[i].value;
	return NULL;
}

static bool is_partition_column(const dlt_snapshot *snap, const char *name)
{
	for (size_t i = 0; i < snap->metadata.n_partition_columns; i++)
		if (strcasecmp(snap->metadata.partition_columns[i], name) == 0)
			return true;
	return false;
}

/* The first column the expression uses that is not a partition column. */
static const dlt_expr *non_partition_column(const dlt_snapshot *snap, const dlt_expr *e,
                                            int depth)
{
	const dlt_expr *r;

	if (!e || depth > 256)
		return NULL;
	if (e->kind == DLT_EK_COLUMN)
		return e->path_len != 1 || !is_partition_column(snap, e->path[0]) ? e : NULL;
	for (size_t i = 0; i < e->n_args; i++)
		if ((r = non_partition_column(snap, e->args[i], depth + 1)) != NULL)
			return r;
	return NULL;
}

static int setup_filter(octx *c)
{
	const dlt_expr *bad;
	int rc;

	if (!c->o.partition_filter)
		return DLT_OK;
	if ((rc = dlt_expr_parse(&c->filter, c->o.partition_filter, c->err)) < 0)
		return dlt_error_prefix(c->err, "optimize: partition filter");
	if ((bad = non_partition_column(c->snap, c->filter, 0)) != NULL) {
		dlt_buf cols = DLT_BUF_INIT;
		const char *name = bad->path_len ? bad->path[0] : "?";
		for (size_t i = 0; i < c->snap->metadata.n_partition_columns; i++)
			dlt_buf_appendf(&cols, NULL, "%s'%s'", i ? ", " : "",
			                c->snap->metadata.partition_columns[i]);
		dlt_buf_append_byte(&cols, 0, NULL);
		rc = dlt_error_set(c->err, DLT_EINVAL, "optimize: partition filter '%s' uses "
		                   "column '%s', which is not a partition column (partition "
		                   "columns: %s)", c->o.partition_filter, name,
		                   cols.data && cols.data[0] ? (const char *)cols.data : "none");
		dlt_buf_dispose(&cols);
		return rc;
	}
	return DLT_OK;
}

static bool name_listed(const char *list, const char *name)
{
	const char *p = list;
	size_t ln = strlen(name);

	while (*p) {
		size_t n = strcspn(p, ","), a = 0, b = n;
		while (a < b && p[a] == ' ')
			a++;
		while (b > a && p[b - 1] == ' ')
			b--;
		if (b - a == ln && strncasecmp(p + a, name, ln) == 0)
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

static int64_t count_leaves(const struct ArrowSchema *s, int depth)
{
	int64_t n = 0;
	if (depth > 64 || strcmp(s->format, "+s") != 0 || s->n_children == 0)
		return 1;
	for (int64_t i = 0; i < s->n_children; i++)
		n += count_leaves(s->children[i], depth + 1);
	return n;
}

/* Does the table collect statistics for top-level column `ci`? The same
 * rule as the writer: delta.dataSkippingStatsColumns when set, else the
 * first delta.dataSkippingNumIndexedCols (32) leaf columns of the data
 * (non-partition) columns. */
static bool has_stats(const dlt_snapshot *snap, int64_t ci)
{
	const dlt_log_kvs *cfg = &snap->metadata.configuration;
	const char *cols = config_get(cfg, "delta.dataSkippingStatsColumns");
	const char *v = config_get(cfg, "delta.dataSkippingNumIndexedCols");
	int64_t n = 32, leaf = 0;

	if (cols)
		return name_listed(cols, snap->schema.children[ci]->name);
	if (v && dlt_parse_int64(v, strlen(v), &n) != DLT_PARSE_OK)
		n = 32;
	if (n < 0)
		return true;
	for (int64_t i = 0; i < ci; i++)
		if (!is_partition_column(snap, snap->schema.children[i]->name))
			leaf += count_leaves(snap->schema.children[i], 0);
	return leaf < n;
}

static int setup_zorder(octx *c)
{
	const struct ArrowSchema *s = &c->snap->schema;

	if (c->o.zorder_by_len == 0)
		return DLT_OK;
	if (!c->o.zorder_by)
		return dlt_error_set(c->err, DLT_EINVAL, "optimize: zorder_by is NULL but "
		                     "zorder_by_len is %zu", c->o.zorder_by_len);
	if (c->o.zorder_by_len > 32)
		return dlt_error_set(c->err, DLT_EINVAL, "optimize: %zu z-order columns, at most 32",
		                     c->o.zorder_by_len);
	if (!(c->zcols = dlt_calloc(c->o.zorder_by_len, sizeof(*c->zcols))) ||
	    !(c->zidx = dlt_calloc(c->o.zorder_by_len, sizeof(*c->zidx))))
		return oom(c->err);
	for (size_t k = 0; k < c->o.zorder_by_len; k++) {
		const char *name = c->o.zorder_by[k];
		int64_t ci = -1;
		char buf[64];

		if (!name || !*name)
			return dlt_error_set(c->err, DLT_EINVAL, "optimize: z-order column %zu is empty",
			                     k);
		for (int64_t i = 0; i < s->n_children && ci < 0; i++)
			if (strcmp(s->children[i]->name, name) == 0)
				ci = i;
		for (int64_t i = 0; i < s->n_children && ci < 0; i++)
			if (strcasecmp(s->children[i]->name, name) == 0)
				ci = i;
		if (ci < 0)
			return dlt_error_set(c->err, DLT_EINVAL, "optimize: z-order column '%s' is not "
			                     "a top-level column of the table", name);
		for (size_t j = 0; j < k; j++)
			if (c->zidx[j] == ci)
				return dlt_error_set(c->err, DLT_EINVAL, "optimize: z-order column '%s' "
				                     "is listed twice", name);
		if (is_partition_column(c->snap, s->children[ci]->name))
			return dlt_error_set(c->err, DLT_EINVAL, "optimize: z-order column '%s' is a "
			                     "partition column: z-order by data columns only", name);
		if (!dlt_ops__zorder_orderable(s->children[ci]))
			return dlt_error_set(c->err, DLT_EINVAL, "optimize: z-order column '%s' has "
			                     "type %s, which cannot be z-ordered", name,
			                     dlt_arrow__format_describe(s->children[ci]->format, buf,
			                                                sizeof(buf)));
		if (!c->o.allow_zorder_without_stats && !has_stats(c->snap, ci))
			return dlt_error_set(c->err, DLT_EINVAL, "optimize: z-order column '%s' has no "
			                     "statistics (see delta.dataSkippingNumIndexedCols / "
			                     "delta.dataSkippingStatsColumns): z-ordering it would not "
			                     "help data skipping; allow it with "
			                     "allow_zorder_without_stats", name);
		c->zidx[k] = ci;
		c->zcols[k] = (char *)s->children[ci]->name;
	}
	c->nz = c->o.zorder_by_len;
	return DLT_OK;
}

/* ---------------------------------------------------------- planning -- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Canonical text of partition values: keys sorted, values tagged null / not. */
static char *partition_key(const dlt_log_kvs *pv)
{
	const char *keys[64], **k = keys;
	dlt_buf b = DLT_BUF_INIT;
	bool found;
	int rc = 0;

	if (pv->n > 64 && !(k = dlt_calloc(pv->n, sizeof(*k))))
		return NULL;
	for (size_t i = 0; i < pv->n; i++)
		k[i] = pv->kv[i].key;
	qsort(k, pv->n, sizeof(*k), cmp_str);
	for (size_t i = 0; i < pv->n && rc == 0; i++) {
		const char *v = dlt_log__kvs_get(pv, k[i], &found);
		rc = dlt_buf_appendf(&b, NULL, "%s\x01%c%s\x02", k[i], v ? 'v' : 'n', v ? v : "");
	}
	if (rc == 0)
		rc = dlt_buf_append_byte(&b, 0, NULL);
	if (k != keys)
		dlt_free(k);
	if (rc < 0) {
		dlt_buf_dispose(&b);
		return NULL;
	}
	return (char *)dlt_buf_detach(&b, NULL);
}

static int cmp_ofile_part(const void *a, const void *b)
{
	const ofile *x = a, *y = b;
	int r = strcmp(x->pkey, y->pkey);
	if (r)
		return r;
	return strcmp(x->f->path, y->f->path);
}

/* Select the files of the partitions matching the filter, grouped. */
static int select_files(octx *c)
{
	dlt_table_skipper *sk = NULL;
	int rc = DLT_OK;

	if (c->snap->n_files == 0)
		return DLT_OK;
	if (!(c->sel = dlt_calloc(c->snap->n_files, sizeof(*c->sel))))
		return oom(c->err);
	if (c->filter && (rc = dlt_table__skipper_new(&sk, c->snap, c->filter, c->err)) < 0) {
		dlt_error_prefix(c->err, "optimize: partition filter '%s'", c->o.partition_filter);
		goto done;
	}
	for (size_t i = 0; i < c->snap->n_files; i++) {
		const dlt_log_file *f = &c->snap->files[i];
		if (sk) {
			int may = 1;
			bool by_part = false, all = false;
			if ((rc = dlt_table__skipper_check(sk, f, &may, &by_part, &all, c->err)) < 0)
				goto done;
			if (!may)
				continue;
		}
		c->sel[c->n_sel].f = f;
		if (!(c->sel[c->n_sel].pkey = partition_key(f->partition_values))) {
			rc = oom(c->err);
			goto done;
		}
		c->n_sel++;
	}
	qsort(c->sel, c->n_sel, sizeof(*c->sel), cmp_ofile_part);
	c->m.total_considered_files = (int64_t)c->n_sel;
done:
	dlt_table__skipper_free(sk);
	return rc;
}

static bool has_dv(const dlt_log_file *f)
{
	return f->dv.storage_type != 0;
}

static int push_bin(octx *c, size_t first, size_t n)
{
	if (c->n_bins == c->cap_bins) {
		size_t nc = c->cap_bins ? c->cap_bins * 2 : 16;
		obin *nb = dlt_realloc(c->bins, nc * sizeof(*nb));
		if (!nb)
			return oom(c->err);
		c->bins = nb;
		c->cap_bins = nc;
	}
	c->bins[c->n_bins].first = first;
	c->bins[c->n_bins].n = n;
	c->n_bins++;
	return DLT_OK;
}

typedef struct sized {
	int64_t size;
	size_t idx;
	const char *path;
} sized;

static int cmp_sized(const void *a, const void *b)
{
	const sized *x = a, *y = b;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Bins of one partition (sel[first, first + n)). */
static int plan_partition(octx *c, size_t first, size_t n, sized *scratch)
{
	size_t m = 0, bin_start, bin_n = 0;
	int64_t bin_size = 0;
	bool bin_dv = false;
	int64_t min_files = c->o.min_files > 0 ? c->o.min_files : 2;
	int rc;

	if (c->nz) {
		/* Z-order: the whole partition is one bin. */
		for (size_t i = 0; i < n; i++)
			c->order[c->n_order++] = first + i;
		return push_bin(c, c->n_order - n, n);
	}
	for (size_t i = 0; i < n; i++) {
		const dlt_log_file *f = c->sel[first + i].f;
		if (f->size < c->target || has_dv(f)) {
			scratch[m].size = f->size;
			scratch[m].idx = first + i;
			scratch[m].path = f->path;
			m++;
		}
	}
	qsort(scratch, m, sizeof(*scratch), cmp_sized);
	bin_start = c->n_order;
	for (size_t i = 0; i <= m; i++) {
		bool close = i == m || (bin_n > 0 && bin_size + scratch[i].size > c->target);
		if (close && bin_n > 0) {
			if ((int64_t)bin_n >= min_files || bin_dv) {
				if ((rc = push_bin(c, bin_start, bin_n)) < 0)
					return rc;
			} else {
				c->n_order = bin_start;     /* drop it: nothing to gain */
			}
			bin_start = c->n_order;
			bin_n = 0;
			bin_size = 0;
			bin_dv = false;
		}
		if (i == m)
			break;
		c->order[c->n_order++] = scratch[i].idx;
		bin_n++;
		bin_size += scratch[i].size;
		bin_dv = bin_dv || has_dv(c->sel[scratch[i].idx].f);
	}
	return DLT_OK;
}

static int plan(octx *c)
{
	sized *scratch = NULL;
	int rc = DLT_OK;

	if (c->n_sel == 0)
		return DLT_OK;
	if (!(c->order = dlt_calloc(c->n_sel, sizeof(*c->order))) ||
	    !(scratch = dlt_calloc(c->n_sel, sizeof(*scratch))))
		return oom(c->err);
	for (size_t i = 0; i < c->n_sel && rc == 0;) {
		size_t j = i + 1, bins_before = c->n_bins;
		while (j < c->n_sel && strcmp(c->sel[j].pkey, c->sel[i].pkey) == 0)
			j++;
		rc = plan_partition(c, i, j - i, scratch);
		if (c->n_bins > bins_before)
			c->m.partitions_optimized++;
		i = j;
	}
	dlt_free(scratch);
	return rc;
}

/* --------------------------------------------------------- execution -- */

static int keep_written(octx *c, const char *path)
{
	if (c->n_written == c->cap_written) {
		size_t nc = c->cap_written ? c->cap_written * 2 : 16;
		char **nw = dlt_realloc(c->written, nc * sizeof(*nw));
		if (!nw)
			return oom(c->err);
		c->written = nw;
		c->cap_written = nc;
	}
	if (!(c->written[c->n_written] = dlt_strdup(path)))
		return oom(c->err);
	c->n_written++;
	return DLT_OK;
}

/* Write a logical batch in slices, so that the writer can roll files at the
 * target size (it checks the size between writes). */
static int write_sliced(octx *c, dlt_ops_writer *w, const struct ArrowArray *batch,
                        int64_t slice_rows)
{
	int rc = DLT_OK;

	if (batch->length <= slice_rows)
		return dlt_ops__writer_write(w, batch, c->err);
	for (int64_t off = 0; off < batch->length && rc == 0; off += slice_rows) {
		struct ArrowArray part;
		int64_t n = DLT_MIN(slice_rows, batch->length - off);
		if ((rc = dlt_compute__slice(&part, &c->snap->schema, batch, off, n, c->err)) < 0)
			break;
		rc = dlt_ops__writer_write(w, &part, c->err);
		dlt_array__release(&part);
	}
	return rc;
}

/* Rows per write: about a quarter of a target-sized file (estimated from
 * the input files' bytes per row), so files roll close to the target. */
static int64_t slice_rows_for(const octx *c, const obin *b)
{
	int64_t bytes = 0, rows = 0, per;

	for (size_t i = 0; i < b->n; i++) {
		const dlt_log_file *f = c->sel[c->order[b->first + i]].f;
		if (f->num_records > 0 && f->size > 0) {
			bytes += f->size;
			rows += f->num_records;
		}
	}
	if (rows <= 0 || bytes <= 0)
		return 4096;
	per = (int64_t)((double)c->target / ((double)bytes / (double)rows) / 4.0);
	return DLT_MAX((int64_t)64, DLT_MIN(per, MAX_SLICE_ROWS));
}

typedef struct batches {
	struct ArrowArray *v;
	size_t n, cap;
	int64_t rows;
} batches;

static void batches_dispose(batches *b)
{
	for (size_t i = 0; i < b->n; i++)
		dlt_array__release(&b->v[i]);
	dlt_free(b->v);
	memset(b, 0, sizeof(*b));
}

/* Z-order the rows of `bs` and write them. */
static int write_zordered(octx *c, dlt_ops_writer *w, batches *bs, int64_t slice_rows)
{
	struct ArrowArray all = { 0 }, sorted = { 0 };
	const struct ArrowArray **ptrs = NULL;
	dlt_column *cols = NULL;
	int64_t *idx = NULL;
	int rc;

	if (bs->rows == 0)
		return DLT_OK;
	if (!(ptrs = dlt_calloc(bs->n, sizeof(*ptrs))) ||
	    !(cols = dlt_calloc(c->nz, sizeof(*cols))) ||
	    !(idx = dlt_calloc((size_t)bs->rows, sizeof(*idx)))) {
		rc = oom(c->err);
		goto done;
	}
	for (size_t i = 0; i < bs->n; i++)
		ptrs[i] = &bs->v[i];
	if ((rc = dlt_compute__concat(&all, &c->snap->schema, ptrs, (int64_t)bs->n, c->err)) < 0)
		goto done;
	batches_dispose(bs);
	for (size_t k = 0; k < c->nz; k++) {
		int64_t ci = c->zidx[k];
		cols[k].schema = c->snap->schema.children[ci];
		cols[k].array = all.children[ci];
		if (all.offset != 0 || all.length != all.children[ci]->length) {
			rc = dlt_error_set(c->err, DLT_ERROR, "optimize: unexpected batch layout");
			goto done;
		}
	}
	if ((rc = dlt_ops__zorder_indices(idx, cols, c->nz, all.length, c->err)) < 0 ||
	    (rc = dlt_compute__take(&sorted, &c->snap->schema, &all, idx, all.length, c->err)) < 0)
		goto done;
	dlt_array__release(&all);
	rc = write_sliced(c, w, &sorted, slice_rows);
done:
	if (all.release)
		dlt_array__release(&all);
	if (sorted.release)
		dlt_array__release(&sorted);
	dlt_free(ptrs);
	dlt_free(cols);
	dlt_free(idx);
	return rc;
}

static int keep_batch(octx *c, batches *bs, struct ArrowArray *a)
{
	if (bs->n == bs->cap) {
		size_t nc = bs->cap ? bs->cap * 2 : 16;
		struct ArrowArray *nv = dlt_realloc(bs->v, nc * sizeof(*nv));
		if (!nv) {
			dlt_array__release(a);
			return oom(c->err);
		}
		bs->v = nv;
		bs->cap = nc;
	}
	bs->rows += a->length;
	dlt_array__move(&bs->v[bs->n++], a);
	return DLT_OK;
}

/* Stage the adds of a finished writer (dataChange false). */
static int stage_adds(octx *c, dlt_ops_writer *w)
{
	int rc;

	for (size_t i = 0; i < dlt_ops__writer_n_files(w); i++) {
		const dlt_ops_written *x = dlt_ops__writer_file(w, i);
		dlt_txn_file f = DLT_TXN_FILE_INIT;

		if ((rc = keep_written(c, x->path)) < 0)
			return rc;
		f.path = x->path;
		f.partition_values = x->partition_values;
		f.n_partition_values = x->n_partition_values;
		f.size = x->size;
		f.data_change = 0;
		f.stats = x->stats;
		if ((rc = dlt_txn_add_file(c->txn, &f, c->err)) < 0)
			return rc;
		c->m.num_files_added++;
		file_stats_add(&c->m.files_added, x->size);
	}
	return DLT_OK;
}

static int run_bin(octx *c, const obin *b)
{
	dlt_ops_writer_args wa;
	dlt_ops_writer *w = NULL;
	dlt_table_rows *r = NULL;
	const char *cur = NULL;
	batches bs = { 0 };
	int64_t slice_rows = slice_rows_for(c, b);
	int rc;

	memset(&wa, 0, sizeof(wa));
	wa.snap = c->snap;
	wa.dir_prefix = "";
	wa.name_prefix = "part";
	wa.change_type_column = false;
	wa.checks = false;                 /* rows already in the table */
	wa.codec = DLT_PARQUET_CODEC_SNAPPY;
	wa.target_file_size = c->target;
	if ((rc = dlt_ops__writer_open(&w, c->st, &wa, c->err)) < 0)
		goto done;
	for (size_t i = 0; i < b->n; i++) {
		const dlt_log_file *f = c->sel[c->order[b->first + i]].f;

		cur = f->path;
		if ((rc = dlt_txn_remove_live_file(c->txn, f->path, 0, c->err)) < 0 ||
		    (rc = dlt_table__rows_open(&r, c->snap, f, c->err)) < 0)
			goto done;
		for (;;) {
			struct ArrowArray a = { 0 };
			const int64_t *ri = NULL;
			if ((rc = dlt_table__rows_next(r, &a, &ri, c->err)) < 0)
				goto done;
			if (!a.release)
				break;
			c->m.rows_rewritten += a.length;
			if (c->nz)
				rc = keep_batch(c, &bs, &a);
			else {
				rc = write_sliced(c, w, &a, slice_rows);
				dlt_array__release(&a);
			}
			if (rc < 0)
				goto done;
		}
		dlt_table__rows_free(r);
		r = NULL;
		cur = NULL;
		c->m.num_files_removed++;
		file_stats_add(&c->m.files_removed, f->size);
		if (has_dv(f))
			c->m.num_deletion_vectors_removed++;
	}
	if (c->nz && (rc = write_zordered(c, w, &bs, slice_rows)) < 0)
		goto done;
	if ((rc = dlt_ops__writer_finish(w, c->err)) < 0)
		goto done;
	rc = stage_adds(c, w);
	c->m.num_batches++;
done:
	if (rc < 0 && cur)
		dlt_error_prefix(c->err, "optimize: rewriting %s", cur);
	if (rc < 0 && w) {
		/* files the writer finished (rolled) before the failure: delete
		 * them with the rest (keep_written may fail too: best effort) */
		for (size_t i = 0; i < dlt_ops__writer_n_files(w); i++)
			if (keep_written(c, dlt_ops__writer_file(w, i)->path) < 0)
				break;
	}
	dlt_table__rows_free(r);
	batches_dispose(&bs);
	dlt_ops__writer_free(w);
	return rc;
}

/* ------------------------------------------------------------ commit -- */

static int params_json(octx *c, dlt_buf *b)
{
	dlt_buf arr = DLT_BUF_INIT;
	char *canon = NULL;
	int rc;

	/* Spark: "predicate" and "zOrderBy" are JSON arrays serialized as strings */
	if ((rc = dlt_buf_append_str(&arr, "[", c->err)) < 0)
		goto done;
	if (c->filter) {
		if ((rc = dlt_expr_to_string(&canon, c->filter, c->err)) < 0 ||
		    (rc = dlt_log__write_json_string(&arr, canon, c->err)) < 0)
			goto done;
	}
	if ((rc = dlt_buf_append_str(&arr, "]", c->err)) < 0 ||
	    (rc = dlt_buf_append_byte(&arr, 0, c->err)) < 0 ||
	    (rc = dlt_buf_append_str(b, "{\"predicate\":", c->err)) < 0 ||
	    (rc = dlt_log__write_json_string(b, (const char *)arr.data, c->err)) < 0)
		goto done;
	arr.len = 0;
	if ((rc = dlt_buf_append_str(&arr, "[", c->err)) < 0)
		goto done;
	for (size_t k = 0; k < c->nz; k++)
		if ((k && (rc = dlt_buf_append_str(&arr, ",", c->err)) < 0) ||
		    (rc = dlt_log__write_json_string(&arr, c->zcols[k], c->err)) < 0)
			goto done;
	if ((rc = dlt_buf_append_str(&arr, "]", c->err)) < 0 ||
	    (rc = dlt_buf_append_byte(&arr, 0, c->err)) < 0 ||
	    (rc = dlt_buf_append_str(b, ",\"zOrderBy\":", c->err)) < 0 ||
	    (rc = dlt_log__write_json_string(b, (const char *)arr.data, c->err)) < 0 ||
	    (rc = dlt_buf_append_str(b, ",\"auto\":\"false\"}", c->err)) < 0 ||
	    (rc = dlt_buf_append_byte(b, 0, c->err)) < 0)
		goto done;
done:
	dlt_free(canon);
	dlt_buf_dispose(&arr);
	return rc;
}

static int set_metrics(octx *c)
{
	const dlt_optimize_metrics *m = &c->m;
	struct { const char *name; int64_t v; } v[] = {
		/* delta-rs names */
		{ "numFilesAdded", m->num_files_added },
		{ "numFilesRemoved", m->num_files_removed },
		{ "partitionsOptimized", m->partitions_optimized },
		{ "numBatches", m->num_batches },
		{ "totalConsideredFiles", m->total_considered_files },
		{ "totalFilesSkipped", m->total_files_skipped },
		{ "filesAdded.min", m->files_added.min },
		{ "filesAdded.max", m->files_added.max },
		{ "filesAdded.avg", (int64_t)(m->files_added.avg + 0.5) },
		{ "filesAdded.totalFiles", m->files_added.total_files },
		{ "filesAdded.totalSize", m->files_added.total_size },
		{ "filesRemoved.min", m->files_removed.min },
		{ "filesRemoved.max", m->files_removed.max },
		{ "filesRemoved.avg", (int64_t)(m->files_removed.avg + 0.5) },
		{ "filesRemoved.totalFiles", m->files_removed.total_files },
		{ "filesRemoved.totalSize", m->files_removed.total_size },
		/* Spark names */
		{ "numAddedFiles", m->num_files_added },
		{ "numAddedBytes", m->files_added.total_size },
		{ "numRemovedFiles", m->num_files_removed },
		{ "numRemovedBytes", m->files_removed.total_size },
		{ "minFileSize", m->files_added.min },
		{ "maxFileSize", m->files_added.max },
		{ "numDeletionVectorsRemoved", m->num_deletion_vectors_removed },
	};
	int rc;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if ((rc = dlt_txn_set_metric(c->txn, v[i].name, v[i].v, c->err)) < 0)
			return rc;
	return DLT_OK;
}

static void cleanup_written(octx *c)
{
	for (size_t i = 0; i < c->n_written; i++)
		(void)dlt_storage_delete(c->st, c->written[i], NULL);   /* best effort */
}

int dlt_ops__optimize_run(dlt_optimize_metrics *out, dlt_table *table,
                          const dlt_optimize_options *opts, dlt_ops_optimize_hook hook,
                          void *payload, dlt_error *err)
{
	dlt_txn_options to = DLT_TXN_OPTIONS_INIT;
	dlt_buf params = DLT_BUF_INIT;
	octx c;
	int64_t t0 = dlt_now_ns(), version = -1;
	bool committing = false;
	const char *prop;
	int rc;

	DLT_ARG_CHECK(table != NULL, err);
	memset(&c, 0, sizeof(c));
	c.err = err;
	c.table = table;
	c.m.version = -1;
	if (opts) {
		if (opts->version != DLT_OPTIMIZE_OPTIONS_VERSION)
			return dlt_error_set(err, DLT_EINVAL, "optimize: unknown options version %u",
			                     opts->version);
		c.o = *opts;
	} else {
		dlt_optimize_options d = DLT_OPTIMIZE_OPTIONS_INIT;
		c.o = d;
	}
	if (c.o.target_size < 0 || c.o.min_files < 0)
		return dlt_error_set(err, DLT_EINVAL, "optimize: negative %s",
		                     c.o.target_size < 0 ? "target_size" : "min_files");
	to.operation = "OPTIMIZE";
	to.max_retries = c.o.max_retries == 0 ? 10 : c.o.max_retries < 0 ? 0 : c.o.max_retries;
	if ((rc = dlt_txn_begin(&c.txn, table, &to, err)) < 0)
		goto done;
	if (!(c.snap = dlt_txn_snapshot(c.txn))) {
		rc = dlt_error_set(err, DLT_ENOTFOUND, "optimize: no delta table at %s",
		                   dlt_table_uri(table));
		goto done;
	}
	c.st = dlt_table_storage(table);
	c.target = c.o.target_size;
	if (!c.target && (prop = config_get(&c.snap->metadata.configuration,
	                                    "delta.targetFileSize")) != NULL) {
		if (!parse_size(prop, &c.target) || c.target <= 0) {
			rc = dlt_error_set(err, DLT_EINVAL, "optimize: table property "
			                   "delta.targetFileSize: '%s' is not a size in bytes", prop);
			goto done;
		}
	}
	if (!c.target)
		c.target = DEFAULT_TARGET;
	if ((rc = setup_filter(&c)) < 0 || (rc = setup_zorder(&c)) < 0 ||
	    (rc = select_files(&c)) < 0 || (rc = plan(&c)) < 0)
		goto done;
	for (size_t i = 0; i < c.n_bins; i++)
		if ((rc = run_bin(&c, &c.bins[i])) < 0)
			goto done;
	c.m.total_files_skipped = c.m.total_considered_files - c.m.num_files_removed;
	if (c.n_bins == 0) {
		rc = DLT_OK;            /* nothing to rewrite: no commit */
		goto done;
	}
	if ((rc = params_json(&c, &params)) < 0 ||
	    (rc = dlt_txn_set_operation(c.txn, "OPTIMIZE", (const char *)params.data, err)) < 0 ||
	    (rc = set_metrics(&c)) < 0)
		goto done;
	if (hook && (rc = hook(table, payload, err)) < 0)
		goto done;
	committing = true;
	if ((rc = dlt_txn_commit(&version, c.txn, err)) < 0) {
		dlt_error_prefix(err, "optimize");
		goto done;
	}
	c.m.version = version;
done:
	/* Files written but certainly not committed are deleted again; after an
	 * I/O error during the commit the outcome may be unknown: keep them. */
	if (rc < 0 && (!committing || rc == DLT_ECONFLICT))
		cleanup_written(&c);
	c.m.duration_ms = (dlt_now_ns() - t0) / 1000000;
	if (rc == DLT_OK && out)
		*out = c.m;
	dlt_buf_dispose(&params);
	for (size_t i = 0; i < c.n_sel; i++)
		dlt_free(c.sel[i].pkey);
	for (size_t i = 0; i < c.n_written; i++)
		dlt_free(c.written[i]);
	dlt_free(c.written);
	dlt_free(c.sel);
	dlt_free(c.order);
	dlt_free(c.bins);
	dlt_free(c.zcols);
	dlt_free(c.zidx);
	dlt_expr_free(c.filter);
	dlt_txn_free(c.txn);
	return rc;
}

int dlt_table_optimize(dlt_optimize_metrics *out, dlt_table *table,
                       const dlt_optimize_options *opts, dlt_error *err)
{
	return dlt_ops__optimize_run(out, table, opts, NULL, NULL, err);
}
