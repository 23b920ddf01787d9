/*
 * One data file -> logical record batches: the Parquet reader projected to
 * the physical columns needed, partition columns materialized, columns
 * missing from the file as nulls, rows removed by a deletion vector (row
 * index = position in the file, counted across the row groups read).
 */
#include "table/table.h"
#include "compute/compute.h"
#include "parquet/read.h"

#include "deltalite/parquet.h"

/* ---------------------------------------------- inputs by logged path -- */

typedef struct abs_input {
	dlt_storage *st;
	dlt_input *in;
} abs_input;

static int abs_size(void *ctx, uint64_t *size_out, dlt_error *err)
{
	abs_input *a = ctx;
	return dlt_input_size(size_out, a->in, err);
}

static int abs_read_at(void *ctx, uint64_t offset, void *dst, size_t len, size_t *got,
                       dlt_error *err)
{
	abs_input *a = ctx;
	return dlt_input_read_at(a->in, offset, dst, len, got, err);
}

static void abs_close(void *ctx)
{
	abs_input *a = ctx;
	if (a == NULL)
		return;
	dlt_input_free(a->in);
	dlt_storage_free(a->st);
	dlt_free(a);
}

/* Open a storage for the directory of an absolute URI; *key_out points
 * into `uri` (the last segment). */
static int open_parent(dlt_storage **st, const char **key_out, const char *uri, dlt_error *err)
{
	const char *slash = strrchr(uri, '/');
	char *dir;
	int rc;
	if (slash == NULL || slash[1] == 0)
		return dlt_error_set(err, DLT_ECORRUPT, "absolute path '%s' names no file", uri);
	if ((dir = dlt_strndup(uri, (size_t)(slash - uri) + 1)) == NULL)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	rc = dlt_storage_open(st, dir, NULL, 0, err);
	dlt_free(dir);
	*key_out = slash + 1;
	return rc;
}

int dlt_table__open_input(dlt_input **out, dlt_storage *st, const char *path, bool absolute,
                          dlt_error *err)
{
	abs_input *a;
	const char *key;
	int rc;
	static const dlt_input_ops ops = { DLT_INPUT_OPS_VERSION, abs_size, abs_read_at,
		                           abs_close };

	if (!absolute)
		return dlt_storage_open_input(out, st, path, err);
	*out = NULL;
	if ((a = dlt_calloc(1, sizeof(*a))) == NULL)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	if ((rc = open_parent(&a->st, &key, path, err)) < 0 ||
	    (rc = dlt_storage_open_input(&a->in, a->st, key, err)) < 0) {
		abs_close(a);
		return rc;
	}
	return dlt_input_new(out, &ops, a, path, err); /* closes `a` on failure */
}

int dlt_table__get_bytes(dlt_bytes *out, dlt_storage *st, const char *path, bool absolute,
                         dlt_error *err)
{
	dlt_storage *ps = NULL;
	const char *key;
	int rc;
	if (!absolute)
		return dlt_storage_get(out, st, path, err);
	if ((rc = open_parent(&ps, &key, path, err)) < 0)
		return rc;
	rc = dlt_storage_get(out, ps, key, err);
	dlt_storage_free(ps);
	return rc;
}

/* ------------------------------------------------------------- reader -- */

struct dlt_file_reader {
	dlt_file_reader_args a;
	dlt_parquet_file *pf;
	struct ArrowArrayStream stream;    /* release NULL in count-only mode */
	struct ArrowSchema ss;             /* stream schema */
	int64_t *src;                      /* per read_schema child: stream child, -1 absent */
	struct ArrowArray *part;           /* per child: 1-row partition value (or unset) */
	int64_t *rg_start;
	int64_t n_rg;
	int64_t cur_row;                   /* file row index of the next batch's first row */
	int64_t total_rows;                /* count-only mode */
	int64_t *zeros;                    /* take indices for partition columns */
	int64_t zeros_n;
	bool *ident;                       /* per child: the stream column is already logical */
	dlt_shared_array **prep;           /* per partition child: its value repeated */
	int64_t *prep_len;
	int64_t rg_read, rg_skipped;
	int64_t rg_seen_read;              /* count-only: */
	dlt_error cb_err;
};

static int rg_filter(int64_t rg, int64_t num_rows, const dlt_parquet_column_stats *cols,
                     size_t n_cols, void *payload)
{
	dlt_file_reader *r = payload;
	int keep = 1;
	if (r->a.rg_filter != NULL)
		keep = r->a.rg_filter(rg, num_rows, cols, n_cols, r->a.rg_payload);
	if (keep > 0) {
		r->cur_row = (rg >= 0 && rg < r->n_rg) ? r->rg_start[rg] : r->cur_row;
		r->rg_read++;
	} else if (keep == 0) {
		r->rg_skipped++;
	}
	return keep;
}

void dlt_table__file_reader_free(dlt_file_reader *r)
{
	int64_t i;
	if (r == NULL)
		return;
	if (r->stream.release)
		r->stream.release(&r->stream);
	dlt_schema__release(&r->ss);
	dlt_parquet_file_free(r->pf);
	if (r->part != NULL)
		for (i = 0; i < r->a.read_schema->n_children; i++)
			dlt_array__release(&r->part[i]);
	dlt_free(r->part);
	if (r->prep != NULL)
		for (i = 0; i < r->a.read_schema->n_children; i++)
			dlt_shared__release(r->prep[i]);
	dlt_free(r->prep);
	dlt_free(r->prep_len);
	dlt_free(r->ident);
	dlt_free(r->src);
	dlt_free(r->rg_start);
	dlt_free(r->zeros);
	dlt_free(r);
}

void dlt_table__file_reader_counters(const dlt_file_reader *r, int64_t *rg_read,
                                     int64_t *rg_skipped)
{
	*rg_read = r->rg_read;
	*rg_skipped = r->rg_skipped;
}

static int make_partition_values(dlt_file_reader *r, dlt_error *err)
{
	const struct ArrowSchema *rs = r->a.read_schema;
	int64_t i;
	int rc;
	char pbuf[256];

	if ((r->part = dlt_calloc((size_t)rs->n_children + 1, sizeof(*r->part))) == NULL)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	for (i = 0; i < rs->n_children; i++) {
		dlt_builder *b = NULL;
		const char *key, *val = NULL;
		bool found = false;
		if (!r->a.is_partition[i])
			continue;
		key = dlt_table__physical_name(rs->children[i], r->a.mode, pbuf, sizeof(pbuf));
		val = dlt_log__kvs_get(r->a.file->partition_values, key, &found);
		if (!found && key != rs->children[i]->name)
			val = dlt_log__kvs_get(r->a.file->partition_values, rs->children[i]->name,
			                       &found);
		if (!found)
			val = NULL;
		if ((rc = dlt_builder__new(&b, rs->children[i], err)) < 0)
			return rc;
		rc = dlt_table__append_partition_value(b, val, rs->children[i]->name, err);
		if (rc == DLT_OK)
			rc = dlt_builder__finish(&r->part[i], b, err);
		dlt_builder__free(b);
		if (rc < 0)
			return dlt_error_prefix(err, "data file %s", r->a.file->path);
	}
	return DLT_OK;
}

/* Parquet column paths to read (owned, distinct). */
typedef struct path_list {
	char **v;
	size_t n, cap;
} path_list;

static void paths_dispose(path_list *l)
{
	size_t i;
	for (i = 0; i < l->n; i++)
		dlt_free(l->v[i]);
	dlt_free(l->v);
	memset(l, 0, sizeof(*l));
}

static int paths_add(path_list *l, const char *path, dlt_error *err)
{
	size_t i;
	char *c;
	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], path) == 0)
			return DLT_OK;
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 8;
		char **nv = dlt_realloc(l->v, nc * sizeof(*nv));
		if (nv == NULL)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		l->v = nv;
		l->cap = nc;
	}
	if ((c = dlt_strdup(path)) == NULL)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	l->v[l->n++] = c;
	return DLT_OK;
}

/* The Parquet paths of the part of file field `pf` that logical `lf` keeps:
 * structs pruned by the projection are read leaf by leaf (projection in the
 * Parquet read, not after it); anything else whole. `prefix` is pf's path. */
static int add_read_paths(path_list *l, const struct ArrowSchema *pf,
                          const struct ArrowSchema *lf, const char *prefix,
                          dlt_match_mode mode, int depth, dlt_error *err)
{
	int64_t k, hits = 0;
	size_t before = l->n;
	int rc;
	if (depth > 32 || strcmp(lf->format, "+s") != 0 || strcmp(pf->format, "+s") != 0 ||
	    lf->n_children >= pf->n_children)
		return paths_add(l, prefix, err);
	/* a variant is read whole: a shredded one keeps part of its value in
	 * typed_value, which is not a field of the logical struct */
	if (dlt_schema__delta_type_is(lf, "variant", false))
		return paths_add(l, prefix, err);
	for (k = 0; k < lf->n_children; k++) {
		int64_t j = dlt_table__find_child(pf, lf->children[k], mode);
		const char *nm;
		char *sub;
		if (j < 0)
			continue;
		nm = pf->children[j]->name;
		if (nm == NULL || nm[0] == 0 || strchr(nm, '.') != NULL)
			break; /* not expressible as a dotted path: read the whole struct */
		sub = dlt_asprintf("%s.%s", prefix, nm);
		if (sub == NULL)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		rc = add_read_paths(l, pf->children[j], lf->children[k], sub, mode, depth + 1, err);
		dlt_free(sub);
		if (rc < 0)
			return rc;
		hits++;
	}
	if (k < lf->n_children || hits == 0) {
		/* whole struct instead (keeps its validity when no kept field is in the file) */
		while (l->n > before)
			dlt_free(l->v[--l->n]);
		return paths_add(l, prefix, err);
	}
	return DLT_OK;
}

int dlt_table__file_reader_open(dlt_file_reader **out, const dlt_file_reader_args *args,
                                dlt_error *err)
{
	dlt_file_reader *r;
	dlt_input *in = NULL;
	struct ArrowSchema fs;
	dlt_parquet_read_options po = DLT_PARQUET_READ_OPTIONS_INIT;
	const struct ArrowSchema *rs = args->read_schema;
	path_list cols = { NULL, 0, 0 };
	int64_t i, acc = 0;
	int rc;

	*out = NULL;
	memset(&fs, 0, sizeof(fs));
	if ((r = dlt_calloc(1, sizeof(*r))) == NULL)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	r->a = *args;
	if ((r->src = dlt_calloc((size_t)rs->n_children + 1, sizeof(int64_t))) == NULL ||
	    (r->ident = dlt_calloc((size_t)rs->n_children + 1, sizeof(bool))) == NULL ||
	    (r->prep = dlt_calloc((size_t)rs->n_children + 1, sizeof(*r->prep))) == NULL ||
	    (r->prep_len = dlt_calloc((size_t)rs->n_children + 1, sizeof(int64_t))) == NULL) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = make_partition_values(r, err)) < 0)
		goto fail;
	po.batch_size = args->batch_size;
	if ((rc = dlt_table__open_input(&in, args->storage, args->file->path,
	                                (args->file->flags & DLT_LOG_FILE_ABSOLUTE) != 0, err)) <
	        0 ||
	    (rc = dlt_parquet_open(&r->pf, in, &po, err)) < 0 ||
	    (rc = dlt_parquet_file_schema(&fs, r->pf, err)) < 0)
		goto fail_named;
	r->n_rg = dlt_parquet_file_num_row_groups(r->pf);
	if ((r->rg_start = dlt_calloc((size_t)r->n_rg + 1, sizeof(int64_t))) == NULL) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < r->n_rg; i++) {
		r->rg_start[i] = acc;
		acc += dlt_parquet_file_row_group_rows(r->pf, i);
	}
	r->total_rows = dlt_parquet_file_num_rows(r->pf);
	for (i = 0; i < rs->n_children; i++) {
		int64_t j = -1;
		if (!args->is_partition[i])
			j = dlt_table__find_child(&fs, rs->children[i], args->mode);
		r->src[i] = -1;
		if (j >= 0) {
			const char *nm = fs.children[j]->name ? fs.children[j]->name : "";
			if ((rc = add_read_paths(&cols, fs.children[j], rs->children[i], nm,
			                         args->mode, 0, err)) < 0)
				goto fail;
		}
	}
	if (cols.n > 0) {
		po.columns = (const char *const *)cols.v;
		po.n_columns = cols.n;
		po.row_group_filter = rg_filter;
		po.row_group_filter_payload = r;
		if ((rc = dlt_parquet__read_carry(&r->stream, r->pf, &po, args->carry, err)) < 0 ||
		    (rc = dlt_stream__schema(&r->stream, &r->ss, err)) < 0)
			goto fail_named;
		for (i = 0; i < rs->n_children; i++) {
			if (args->is_partition[i])
				continue;
			r->src[i] = dlt_table__find_child(&r->ss, rs->children[i], args->mode);
			r->ident[i] = r->src[i] >= 0 &&
			              dlt_table__identical_type(rs->children[i],
			                                        r->ss.children[r->src[i]], args->mode);
		}
	}
	dlt_schema__release(&fs);
	paths_dispose(&cols);
	*out = r;
	return DLT_OK;
fail_named:
	if (strstr(err ? err->message : "", args->file->path) == NULL)
		dlt_error_prefix(err, "data file %s", args->file->path);
fail:
	dlt_schema__release(&fs);
	paths_dispose(&cols);
	dlt_table__file_reader_free(r);
	return rc;
}

/* Partition column i for n rows: a zero-copy slice of the value repeated
 * (built once per file, grown when a batch is longer). */
static int repeat_value(struct ArrowArray *out, dlt_file_reader *r, int64_t i, int64_t n,
                        dlt_error *err)
{
	int rc;
	if (r->prep[i] == NULL || n > r->prep_len[i]) {
		struct ArrowArray full;
		if (n > r->zeros_n) {
			int64_t *z = dlt_realloc(r->zeros, sizeof(int64_t) * (size_t)n);
			if (z == NULL)
				return dlt_error_set(err, DLT_ENOMEM, "out of memory");
			memset(z, 0, sizeof(int64_t) * (size_t)n);
			r->zeros = z;
			r->zeros_n = n;
		}
		if ((rc = dlt_compute__take(&full, r->a.read_schema->children[i], &r->part[i],
		                            r->zeros, n, err)) < 0)
			return rc;
		dlt_shared__release(r->prep[i]);
		r->prep[i] = NULL;
		if ((rc = dlt_array__share(&r->prep[i], &full, err)) < 0) {
			dlt_array__release(&full);
			return rc;
		}
		r->prep_len[i] = n;
	}
	if ((rc = dlt_shared__export(out, r->prep[i], 0, n, err)) < 0)
		return rc;
	if (out->null_count < 0) /* one value repeated: all null or none */
		out->null_count = r->part[i].null_count > 0 ? n : 0;
	return DLT_OK;
}

static int select_rows(struct ArrowArray *batch, dlt_file_reader *r, int64_t start,
                       int64_t *deleted, dlt_error *err)
{
	const dlt_row_selection *sel = &r->a.sel;
	struct ArrowArray mask, filtered;
	uint8_t *bits;
	int64_t i, n = batch->length, kept = 0;
	int rc;

	if (sel->exclude == NULL && sel->include == NULL)
		return DLT_OK;
	if ((bits = dlt_calloc((size_t)(n + 7) / 8 + 1, 1)) == NULL)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		uint64_t row = (uint64_t)(start + i);
		bool keep = !dlt_table__dv_contains(sel->exclude, row) &&
		            (sel->include == NULL || dlt_table__dv_contains(sel->include, row));
		dlt_arrow__set_bit(bits, i, keep);
		kept += keep;
	}
	if (kept == n) {
		dlt_free(bits);
		return DLT_OK;
	}
	if ((rc = dlt_array__init(&mask, 2, 0, err)) < 0) {
		dlt_free(bits);
		return rc;
	}
	mask.length = n;
	mask.null_count = 0;
	dlt_array__set_buffer(&mask, 1, bits);
	rc = dlt_compute__filter(&filtered, r->a.read_schema, batch, &mask, err);
	dlt_array__release(&mask);
	if (rc < 0)
		return rc;
	dlt_array__release(batch);
	dlt_array__move(batch, &filtered);
	*deleted += n - kept;
	return DLT_OK;
}

int dlt_table__file_reader_next(dlt_file_reader *r, struct ArrowArray *out, int64_t *decoded,
                                int64_t *deleted, dlt_error *err)
{
	const struct ArrowSchema *rs = r->a.read_schema;
	int rc;

	memset(out, 0, sizeof(*out));
	for (;;) {
		struct ArrowArray batch, lb;
		dlt_shared_array *sh = NULL;
		int64_t n, start, i;

		memset(&batch, 0, sizeof(batch));
		if (r->stream.release != NULL) {
			if ((rc = dlt_stream__next(&r->stream, &batch, err)) < 0) {
				if (strstr(err ? err->message : "", r->a.file->path) == NULL)
					dlt_error_prefix(err, "data file %s", r->a.file->path);
				return rc;
			}
			if (batch.release == NULL)
				return DLT_OK;
			n = batch.length;
		} else {
			int64_t bs = r->a.batch_size > 0 ? r->a.batch_size : 65536;
			if (r->cur_row >= r->total_rows)
				return DLT_OK;
			n = DLT_MIN(bs, r->total_rows - r->cur_row);
		}
		start = r->cur_row;
		r->cur_row += n;
		*decoded += n;
		if ((rc = dlt_array__init(&lb, 1, rs->n_children, err)) < 0) {
			dlt_array__release(&batch);
			return rc;
		}
		lb.length = n;
		lb.null_count = 0;
		if (batch.release != NULL) {
			/* identical columns are passed on without a copy */
			for (i = 0; i < rs->n_children && sh == NULL; i++)
				if (r->ident[i] && (rc = dlt_array__share(&sh, &batch, err)) < 0)
					break;
		}
		for (i = 0; i < rs->n_children && rc == DLT_OK; i++) {
			if (r->a.is_partition[i]) {
				rc = repeat_value(lb.children[i], r, i, n, err);
			} else if (r->src[i] < 0) {
				rc = dlt_table__nulls(lb.children[i], rs->children[i], n, err);
			} else if (sh != NULL && r->ident[i]) {
				rc = dlt_shared__export_child(lb.children[i], sh, r->src[i], 0, n, err);
			} else { /* (batch's pointers stay valid while sh holds them) */
				struct ArrowArray v = *batch.children[r->src[i]];
				v.offset += batch.offset;
				v.length = n;
				v.release = NULL;
				rc = dlt_table__conform(lb.children[i], rs->children[i],
				                        r->ss.children[r->src[i]], &v, n, r->a.mode, err);
			}
		}
		dlt_array__release(&batch);
		dlt_shared__release(sh);
		if (rc == DLT_OK)
			rc = select_rows(&lb, r, start, deleted, err);
		if (rc < 0) {
			dlt_array__release(&lb);
			if (strstr(err ? err->message : "", r->a.file->path) == NULL)
				dlt_error_prefix(err, "data file %s", r->a.file->path);
			return rc;
		}
		if (lb.length == 0) {
			dlt_array__release(&lb);
			continue;
		}
		dlt_array__move(out, &lb);
		return DLT_OK;
	}
}
