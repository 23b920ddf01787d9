/* dlt_table_write: Arrow data -> Parquet data files -> one commit.
 *
 * Per batch: validate the foreign array, conform it to the table's logical
 * schema (by column name; casts only between encodings of the same Delta
 * type), compute generated columns, run the row checks (NOT NULL, CHECK,
 * invariants, replaceWhere), then route rows by partition value to one open
 * Parquet writer per partition directory, rolling to a new file past the
 * target size. Files are written through dlt_storage_open_output (visible
 * only once finished); the commit (deltalite/txn.h) references them. On any
 * failure nothing is committed. */
#include "ops/ops.h"
#include "ops/dml.h"
#include "compute/compute.h"
#include "table/table.h"
#include "util/parse.h"

#include <stdio.h>
#include <string.h>


int dlt_write_options_init(dlt_write_options *opts, unsigned int version)
{
	dlt_write_options d = DLT_WRITE_OPTIONS_INIT;
	if (!opts || version != DLT_WRITE_OPTIONS_VERSION)
		return DLT_EINVAL;
	*opts = d;
	return DLT_OK;
}

typedef struct pfile {
	char *key;                /* partition key text (lookup) */
	char *dir;                /* "a=1/b=x/" ("" unpartitioned) */
	dlt_kv *pv;               /* physical name -> value (NULL: null); owned strings */
	size_t n_pv;
	dlt_output *out;
	dlt_parquet_writer *w;
	char *path;               /* key of the file being written */
} pfile;

typedef struct added {
	char *path;
	size_t pfile;             /* index of its partition */
	int64_t size;
	char *stats;
	int64_t rows;
} added;

typedef struct wctx {
	dlt_error *err;
	dlt_storage *st;
	struct ArrowSchema logical;       /* table schema after this write */
	struct ArrowSchema file_schema;   /* data columns, physical names, field ids */
	int64_t *data_idx;
	int64_t n_data;
	int64_t *part_idx;
	int64_t n_part;
	char **part_phys;
	bool cm;
	dlt_parquet_write_options popts;
	dlt_stats_config scfg;
	int64_t target;
	const char *ext;
	pfile *pf;
	size_t n_pf, cap_pf;
	added *adds;
	size_t n_adds, cap_adds;
	int64_t file_no;
	dlt_ops_checks checks;
	dlt_expr *replace_where;
	const char *replace_sql;
	int64_t rows_seen;
	dlt_write_metrics m;
	const char *name_prefix;          /* dlt_ops_writer: "part" (NULL) or "cdc" */
	const char *dir_prefix;           /* dlt_ops_writer: "_change_data/" or NULL */
} wctx;

static int64_t max_mapping_id(const struct ArrowSchema *s, int depth)
{
	int64_t m = 0, v;
	const char *t;
	int32_t n;

	if (depth > 64)
		return 0;
	if (dlt_schema__metadata_get(s, "delta.columnMapping.id", &t, &n) == DLT_OK &&
	    dlt_parse_int64(t, (size_t)n, &v) == DLT_PARSE_OK)
		m = v;
	for (int64_t i = 0; i < s->n_children; i++) {
		v = max_mapping_id(s->children[i], depth + 1);
		if (v > m)
			m = v;
	}
	return m;
}

static int oom(dlt_error *err)
{
	return dlt_error_set(err, DLT_ENOMEM, "out of memory");
}

static void noop_release(struct ArrowArray *a)
{
	a->release = NULL;
}

/* ------------------------------------------------------------ schemas -- */

static const char *meta_value(const struct ArrowSchema *s, const char *key, char *buf,
                              size_t cap)
{
	const char *v;
	int32_t n;
	if (dlt_schema__metadata_get(s, key, &v, &n) != DLT_OK || (size_t)n >= cap)
		return NULL;
	memcpy(buf, v, (size_t)n);
	buf[n] = 0;
	return buf;
}

/* Rename to physical names and keep only PARQUET:field_id metadata. */
static int physicalize(struct ArrowSchema *s, bool cm, bool is_field, int depth, dlt_error *err)
{
	char phys[256], id[32];
	int rc;

	if (depth > 64)
		return DLT_OK;
	if (is_field && cm && meta_value(s, "delta.columnMapping.physicalName", phys, sizeof(phys))) {
		char *n = dlt_strdup(phys);
		if (!n)
			return oom(err);
		dlt_free((void *)s->name);
		s->name = n;
	}
	if (is_field && cm && meta_value(s, "delta.columnMapping.id", id, sizeof(id))) {
		const char *k = "PARQUET:field_id", *v = id;
		if ((rc = dlt_schema__set_metadata(s, &k, &v, 1, err)) < 0)
			return rc;
	} else if ((rc = dlt_schema__set_metadata(s, NULL, NULL, 0, err)) < 0) {
		return rc;
	}
	for (int64_t i = 0; i < s->n_children; i++)
		if ((rc = physicalize(s->children[i], cm, strcmp(s->format, "+s") == 0, depth + 1,
		                      err)) < 0)
			return rc;
	return DLT_OK;
}

/* Formats to the canonical ones of their Delta types, in place. */
int dlt_ops__canonicalize(struct ArrowSchema *s, const char *path, int depth, dlt_error *err)
{
	char buf[64], p[512], desc[128];
	const char *f;
	int rc;

	snprintf(p, sizeof(p), "%s%s%s", path, path[0] && s->name ? "." : "", s->name ? s->name : "");
	if (depth > 64)
		return dlt_error_set(err, DLT_ELIMIT, "column '%s' nests too deeply", p);
	if (!(f = dlt_ops__canonical_format(s->format, buf, sizeof(buf))))
		return dlt_error_set(err, DLT_ESCHEMA, "column '%s': arrow type %s has no delta "
		                     "equivalent", p,
		                     dlt_arrow__format_describe(s->format, desc, sizeof(desc)));
	if (strcmp(f, s->format) != 0) {
		char *n = dlt_strdup(f);
		if (!n)
			return oom(err);
		dlt_free((void *)s->format);
		s->format = n;
	}
	for (int64_t i = 0; i < s->n_children; i++)
		if ((rc = dlt_ops__canonicalize(s->children[i], p, depth + 1, err)) < 0)
			return rc;
	return DLT_OK;
}

/* Do two schemas have the same physical layout (formats, recursively)? */
static bool same_layout(const struct ArrowSchema *a, const struct ArrowSchema *b)
{
	if (strcmp(a->format, b->format) != 0 || a->n_children != b->n_children ||
	    (a->dictionary != NULL) != (b->dictionary != NULL))
		return false;
	for (int64_t i = 0; i < a->n_children; i++)
		if (!same_layout(a->children[i], b->children[i]))
			return false;
	return true;
}

static int64_t find_field(const struct ArrowSchema *s, const char *name)
{
	for (int64_t i = 0; i < s->n_children; i++)
		if (s->children[i]->name && strcmp(s->children[i]->name, name) == 0)
			return i;
	for (int64_t i = 0; i < s->n_children; i++)
		if (s->children[i]->name && strcasecmp(s->children[i]->name, name) == 0)
			return i;
	return -1;
}

/* ------------------------------------------------------------ conform -- */

/* Make a logical batch (owned, offset 0) from a data batch whose children
 * are moved out (the data batch is left to the caller to release). */
static bool is_generated(const wctx *w, int64_t i)
{
	for (int64_t g = 0; g < w->checks.n_gen; g++)
		if (w->checks.gen_col[g] == i)
			return true;
	return false;
}

/* Schema enforcement before any row is read: every data column is a table
 * column of the same Delta type; NOT NULL columns are present. */
static int check_schema(wctx *w, const struct ArrowSchema *ds)
{
	const struct ArrowSchema *ls = &w->logical;
	char a[256], b[256];

	for (int64_t j = 0; j < ds->n_children; j++) {
		int64_t i = find_field(ls, ds->children[j]->name);
		if (i < 0)
			return dlt_error_set(w->err, DLT_ESCHEMA, "column '%s' (%s) of the data is not in "
			                     "the table schema (%s); write with schema merge to add it",
			                     ds->children[j]->name,
			                     dlt_ops__type_name(ds->children[j], b, sizeof(b)),
			                     dlt_ops__type_name(ls, a, sizeof(a)));
		if (!dlt_ops__is_lossless_upcast(ds->children[j], ls->children[i]))
			return dlt_error_set(w->err, DLT_ESCHEMA, "column '%s': table type %s, data type %s%s",
			                     ls->children[i]->name,
			                     dlt_ops__type_name(ls->children[i], a, sizeof(a)),
			                     dlt_ops__type_name(ds->children[j], b, sizeof(b)),
			                     dlt_ops__is_widening(ls->children[i], ds->children[j])
			                             ? "; to widen the column, write with schema merge to "
			                               "a table with delta.enableTypeWidening=true" : "");
	}
	for (int64_t i = 0; i < ls->n_children; i++)
		if (find_field(ds, ls->children[i]->name) < 0 && !is_generated(w, i) &&
		    !(ls->children[i]->flags & ARROW_FLAG_NULLABLE))
			return dlt_error_set(w->err, DLT_ESCHEMA, "NOT NULL column '%s' (%s) is missing "
			                     "from the data", ls->children[i]->name,
			                     dlt_ops__type_name(ls->children[i], a, sizeof(a)));
	return DLT_OK;
}

static int conform(wctx *w, struct ArrowArray *out, const struct ArrowSchema *ds,
                   struct ArrowArray *da, bool copied)
{
	const struct ArrowSchema *ls = &w->logical;
	char a[256], b[256];
	int rc;

	for (int64_t j = 0; j < ds->n_children; j++)
		if (find_field(ls, ds->children[j]->name) < 0)
			return dlt_error_set(w->err, DLT_ESCHEMA, "column '%s' of the data is not in the "
			                     "table schema (%s); write with schema merge to add it",
			                     ds->children[j]->name, dlt_ops__type_name(ls, a, sizeof(a)));
	if ((rc = dlt_array__init(out, 1, ls->n_children, w->err)) < 0)
		return rc;
	out->length = da->length;
	out->null_count = 0;
	for (int64_t i = 0; i < ls->n_children; i++) {
		const struct ArrowSchema *lf = ls->children[i];
		int64_t j = find_field(ds, lf->name);
		struct ArrowArray col;

		if (j < 0) {
			bool gen = false;
			for (int64_t g = 0; g < w->checks.n_gen; g++)
				if (w->checks.gen_col[g] == i)
					gen = true;
			if (!gen && !(lf->flags & ARROW_FLAG_NULLABLE) && !copied) {
				rc = dlt_error_set(w->err, DLT_ESCHEMA, "NOT NULL column '%s' (%s) is missing "
				                   "from the data", lf->name, dlt_ops__type_name(lf, a, sizeof(a)));
				goto fail;
			}
			if ((rc = dlt_table__nulls(out->children[i], lf, da->length, w->err)) < 0)
				goto fail;
			continue;
		}
		if (!dlt_ops__is_lossless_upcast(ds->children[j], lf)) {
			dlt_ops__type_name(lf, a, sizeof(a));
			dlt_ops__type_name(ds->children[j], b, sizeof(b));
			rc = dlt_error_set(w->err, DLT_ESCHEMA, "column '%s': table type %s, data type %s",
			                   lf->name, a, b);
			goto fail;
		}
		/* move the child out and apply the parent's offset */
		dlt_array__move(&col, da->children[j]);
		col.offset += da->offset;
		col.length = da->length;
		col.null_count = col.null_count == 0 ? 0 : -1;
		if (!same_layout(lf, ds->children[j])) {
			struct ArrowArray tmp;
			const struct ArrowSchema *cs = ds->children[j];
			if (cs->dictionary) {
				if ((rc = dlt_compute__decode_dictionary(&tmp, cs, &col, w->err)) < 0) {
					col.release(&col);
					goto fail;
				}
				col.release(&col);
				dlt_array__move(&col, &tmp);
				cs = cs->dictionary;
			}
			if (!same_layout(lf, cs) && lf->n_children > 0 &&
			    strcmp(dlt_ops__type_name(lf, a, sizeof(a)),
			           dlt_ops__type_name(cs, b, sizeof(b))) != 0) {
				/* narrower nested leaves: cast up (lossless, checked above) */
				rc = dlt_table__conform(&tmp, lf, cs, &col, col.length, DLT_MATCH_NAME,
				                        w->err);
				col.release(&col);
				if (rc < 0) {
					dlt_error_prefix(w->err, "column '%s'", lf->name);
					goto fail;
				}
				dlt_array__move(&col, &tmp);
			} else if (!same_layout(lf, cs)) {
				if (lf->n_children > 0) {
					col.release(&col);
					rc = dlt_error_set(w->err, DLT_EUNSUPPORTED, "column '%s': cannot convert "
					                   "the data's nested type encoding (%s) to the table's",
					                   lf->name, cs->format);
					goto fail;
				}
				rc = dlt_compute__cast(&tmp, cs, &col, lf->format, DLT_CAST_STRICT, w->err);
				col.release(&col);
				if (rc < 0) {
					dlt_error_prefix(w->err, "column '%s'", lf->name);
					goto fail;
				}
				dlt_array__move(&col, &tmp);
			}
		}
		dlt_array__release(out->children[i]);
		dlt_array__move(out->children[i], &col);
	}
	return DLT_OK;
fail:
	dlt_array__release(out);
	return rc;
}

/* ------------------------------------------------------------- files -- */

static int close_file(wctx *w, size_t pi)
{
	pfile *p = &w->pf[pi];
	dlt_parquet_write_result *res = NULL;
	dlt_buf stats = DLT_BUF_INIT;
	added *a;
	int rc;

	if (!p->w)
		return DLT_OK;
	rc = dlt_parquet_writer_close(p->w, &res, w->err);
	dlt_parquet_writer_free(p->w);
	p->w = NULL;
	if (rc == 0 && (rc = dlt_ops__stats_json(&stats, res, &w->scfg, w->err)) == 0)
		rc = dlt_buf_append_byte(&stats, 0, w->err);
	if (rc == 0 && w->n_adds == w->cap_adds) {
		size_t nc = w->cap_adds ? w->cap_adds * 2 : 16;
		added *na = dlt_realloc(w->adds, nc * sizeof(*na));
		if (!na)
			rc = oom(w->err);
		else {
			w->adds = na;
			w->cap_adds = nc;
		}
	}
	if (rc == 0) {
		a = &w->adds[w->n_adds++];
		a->path = p->path;
		p->path = NULL;
		a->pfile = pi;
		a->size = (int64_t)dlt_parquet_write_result_file_size(res);
		a->rows = dlt_parquet_write_result_num_rows(res);
		a->stats = (char *)dlt_buf_detach(&stats, NULL);
		w->m.files_added++;
		w->m.bytes_added += a->size;
	}
	dlt_buf_dispose(&stats);
	dlt_parquet_write_result_free(res);
	dlt_output_free(p->out);
	p->out = NULL;
	dlt_free(p->path);
	p->path = NULL;
	return rc;
}

static int open_file(wctx *w, pfile *p)
{
	char uuid[37];
	int rc;

	if ((rc = dlt_ops__uuid(uuid, w->err)) < 0)
		return rc;
	p->path = dlt_asprintf("%s%s%s-%05" PRId64 "-%s-c000%s%s.parquet",
	                       w->dir_prefix ? w->dir_prefix : "", p->dir,
	                       w->name_prefix ? w->name_prefix : "part", w->file_no++,
	                       uuid, w->ext[0] ? "." : "", w->ext);
	if (!p->path)
		return oom(w->err);
	if ((rc = dlt_storage_open_output(&p->out, w->st, p->path, DLT_PUT_IF_ABSENT, w->err)) < 0)
		return rc;
	if ((rc = dlt_parquet_writer_open(&p->w, p->out, &w->file_schema, &w->popts, w->err)) < 0) {
		p->w = NULL;
		return dlt_error_prefix(w->err, "data file %s", p->path);
	}
	return DLT_OK;
}

static int write_rows(wctx *w, size_t pi, const struct ArrowArray *rows)
{
	pfile *p = &w->pf[pi];
	int rc;

	if (rows->length == 0)
		return DLT_OK;
	if (!p->w && (rc = open_file(w, p)) < 0)
		return rc;
	if ((rc = dlt_parquet_writer_write(p->w, rows, w->err)) < 0)
		return dlt_error_prefix(w->err, "data file %s", p->path);
	if ((int64_t)dlt_output_position(p->out) >= w->target)
		return close_file(w, pi);
	return DLT_OK;
}

/* The partition (directory) of row r; created on first use. */
static int find_part(wctx *w, size_t *out, const struct ArrowArray *lb, int64_t r,
                     dlt_buf *key)
{
	int rc;

	key->len = 0;
	for (int64_t k = 0; k < w->n_part; k++) {
		const struct ArrowSchema *s = w->logical.children[w->part_idx[k]];
		bool is_null;
		size_t mark = key->len;
		/* marker (0x1d value, 0x1e null), value, 0x1f */
		if ((rc = dlt_buf_append_byte(key, 0x1d, w->err)) < 0 ||
		    (rc = dlt_ops__partition_value(key, &is_null, s, lb->children[w->part_idx[k]], r,
		                                   w->err)) < 0)
			return rc;
		if (is_null) {
			key->len = mark;
			rc = dlt_buf_append_byte(key, 0x1e, w->err);
		}
		if (rc < 0 || (rc = dlt_buf_append_byte(key, 0x1f, w->err)) < 0)
			return rc;
	}
	if ((rc = dlt_buf_append_byte(key, 0, w->err)) < 0)
		return rc;
	for (size_t i = w->n_pf; i-- > 0;)
		if (strcmp(w->pf[i].key, (const char *)key->data) == 0) {
			*out = i;
			return DLT_OK;
		}
	if (w->n_pf == w->cap_pf) {
		size_t nc = w->cap_pf ? w->cap_pf * 2 : 8;
		pfile *np = dlt_realloc(w->pf, nc * sizeof(*np));
		if (!np)
			return oom(w->err);
		w->pf = np;
		w->cap_pf = nc;
	}
	{
		pfile *p = &w->pf[w->n_pf];
		dlt_buf dir = DLT_BUF_INIT;
		const char *kp = (const char *)key->data;
		memset(p, 0, sizeof(*p));
		w->n_pf++;
		if (!(p->key = dlt_strdup(kp)) ||
		    (w->n_part && !(p->pv = dlt_calloc((size_t)w->n_part, sizeof(*p->pv)))))
			return oom(w->err);
		p->n_pv = (size_t)w->n_part;
		for (int64_t k = 0; k < w->n_part; k++) {
			const char *end = strchr(kp, 0x1f);
			char *esc = NULL;
			bool null = kp[0] == 0x1e;
			p->pv[k].key = w->part_phys[k];
			if (!null && !(p->pv[k].value = dlt_strndup(kp + 1, (size_t)(end - kp - 1))))
				return oom(w->err);
			if ((rc = dlt_storage_escape_partition(&esc, w->part_phys[k], w->err)) < 0)
				return rc;
			rc = dlt_buf_appendf(&dir, w->err, "%s=", esc);
			dlt_free(esc);
			esc = NULL;
			if (rc == 0 && !null &&
			    (rc = dlt_storage_escape_partition(&esc, p->pv[k].value, w->err)) == 0)
				rc = dlt_buf_append_str(&dir, esc, w->err);
			dlt_free(esc);
			if (rc == 0)
				rc = dlt_buf_appendf(&dir, w->err, "%s/",
				                     null ? "__HIVE_DEFAULT_PARTITION__" : "");
			if (rc < 0) {
				dlt_buf_dispose(&dir);
				return rc;
			}
			kp = end + 1;
		}
		if ((rc = dlt_buf_append_byte(&dir, 0, w->err)) < 0)
			return rc;
		p->dir = (char *)dlt_buf_detach(&dir, NULL);
	}
	*out = w->n_pf - 1;
	return DLT_OK;
}

/* Send the rows of a logical batch to the data files of their partitions. */
static int route(wctx *w, const struct ArrowArray *lb)
{
	struct ArrowArray view;
	struct ArrowArray *kids[1];
	struct ArrowArray **children = NULL;
	size_t *part = NULL;
	int64_t *idx = NULL;
	dlt_buf key = DLT_BUF_INIT;
	int rc = DLT_OK;

	(void)kids;
	if (!(children = dlt_calloc((size_t)w->n_data + 1, sizeof(*children))))
		return oom(w->err);
	for (int64_t i = 0; i < w->n_data; i++)
		children[i] = lb->children[w->data_idx[i]];
	memset(&view, 0, sizeof(view));
	view.length = lb->length;
	view.n_buffers = 1;
	view.buffers = (const void **)&view.private_data; /* one NULL validity buffer */
	view.n_children = w->n_data;
	view.children = children;
	view.release = noop_release;
	if (w->n_part == 0) {
		size_t pi;
		if ((rc = find_part(w, &pi, lb, 0, &key)) == 0)
			rc = write_rows(w, pi, &view);
		goto done;
	}
	if (!(part = dlt_calloc((size_t)lb->length + 1, sizeof(*part))) ||
	    !(idx = dlt_calloc((size_t)lb->length + 1, sizeof(*idx)))) {
		rc = oom(w->err);
		goto done;
	}
	for (int64_t r = 0; r < lb->length && rc == 0; r++)
		rc = find_part(w, &part[r], lb, r, &key);
	for (size_t pi = 0; pi < w->n_pf && rc == 0; pi++) {
		struct ArrowArray taken;
		int64_t n = 0;
		for (int64_t r = 0; r < lb->length; r++)
			if (part[r] == pi)
				idx[n++] = r;
		if (n == 0)
			continue;
		if (n == lb->length) {
			rc = write_rows(w, pi, &view);
			continue;
		}
		if ((rc = dlt_compute__take(&taken, &w->file_schema, &view, idx, n, w->err)) < 0)
			break;
		rc = write_rows(w, pi, &taken);
		taken.release(&taken);
	}
done:
	dlt_buf_dispose(&key);
	dlt_free(part);
	dlt_free(idx);
	dlt_free(children);
	return rc;
}

/* Check that every row of a new batch matches the replaceWhere predicate. */
static int check_replace_where(wctx *w, const struct ArrowArray *lb)
{
	struct ArrowArray res;
	struct ArrowSchema rs;
	int rc;

	memset(&res, 0, sizeof(res));
	memset(&rs, 0, sizeof(rs));
	if ((rc = dlt_expr_evaluate(&res, &rs, w->replace_where, &w->logical, lb, w->err)) < 0)
		return dlt_error_prefix(w->err, "replaceWhere (%s)", w->replace_sql);
	for (int64_t i = 0; i < res.length; i++)
		if (dlt_arrow__is_null(&res, i) || !dlt_arrow__bit(res.buffers[1], res.offset + i)) {
			char vals[600];
			dlt_ops__render_row(vals, sizeof(vals), &w->logical, lb, i);
			rc = dlt_error_set(w->err, DLT_ESCHEMA, "row %" PRId64 " of the data does not "
			                   "match the replaceWhere predicate (%s): %s",
			                   w->rows_seen + i, w->replace_sql, vals);
			dlt_error__set_row(w->err, w->rows_seen + i);
			break;
		}
	dlt_array__release(&res);
	dlt_schema__release(&rs);
	return rc;
}

static int process(wctx *w, const struct ArrowSchema *ds, struct ArrowArray *da, bool copied)
{
	struct ArrowArray lb;
	int rc;

	if (da->length == 0)
		return DLT_OK;
	if ((rc = conform(w, &lb, ds, da, copied)) < 0)
		return rc;
	if (!copied) {
		for (int64_t g = 0; g < w->checks.n_gen && rc == 0; g++) {
			if (find_field(ds, w->logical.children[w->checks.gen_col[g]]->name) < 0)
				rc = dlt_ops__generate(&w->checks, g, &w->logical, &lb, w->err);
		}
		if (rc == 0)
			rc = dlt_ops__checks_run(&w->checks, &w->logical, &lb, w->rows_seen, w->err);
		if (rc == 0 && w->replace_where)
			rc = check_replace_where(w, &lb);
		w->rows_seen += lb.length;
		w->m.rows_written += lb.length;
	} else {
		w->m.rows_copied += lb.length;
	}
	if (rc == 0)
		rc = route(w, &lb);
	lb.release(&lb);
	return rc;
}

/* ------------------------------------------------------- replaceWhere -- */

/* Files of the snapshot with rows matching the predicate are removed; their
 * other rows are written again. */
static int replace_existing(wctx *w, dlt_txn *txn, dlt_snapshot *snap)
{
	const struct ArrowSchema *ss = &snap->schema;
	bool *is_part = NULL;
	int rc = DLT_OK;

	if (!(is_part = dlt_calloc((size_t)ss->n_children + 1, sizeof(*is_part))))
		return oom(w->err);
	for (int64_t i = 0; i < ss->n_children; i++)
		for (size_t k = 0; k < snap->metadata.n_partition_columns; k++)
			if (strcmp(ss->children[i]->name, snap->metadata.partition_columns[k]) == 0)
				is_part[i] = true;
	for (size_t f = 0; f < snap->n_files && rc == 0; f++) {
		const dlt_log_file *file = &snap->files[f];
		dlt_file_reader_args args;
		dlt_file_reader *rd = NULL;
		dlt_dv_bitmap dv;
		struct ArrowArray *keep = NULL;
		size_t n_keep = 0, cap_keep = 0;
		int64_t matched = 0;

		memset(&dv, 0, sizeof(dv));
		memset(&args, 0, sizeof(args));
		if (file->dv.storage_type &&
		    (rc = dlt_table__dv_load(&dv, &file->dv, snap->root->storage, NULL, w->err)) < 0)
			break;
		args.storage = snap->root->storage;
		args.file = file;
		args.read_schema = ss;
		args.is_partition = is_part;
		args.mode = dlt_table__match_mode(snap);
		args.batch_size = 65536;
		args.sel.exclude = file->dv.storage_type ? &dv : NULL;
		if ((rc = dlt_table__file_reader_open(&rd, &args, w->err)) < 0)
			goto file_done;
		for (;;) {
			struct ArrowArray b, res, mask, kept;
			struct ArrowSchema rs;
			int64_t dec = 0, del = 0;
			memset(&b, 0, sizeof(b));
			if ((rc = dlt_table__file_reader_next(rd, &b, &dec, &del, w->err)) < 0 || !b.release)
				break;
			memset(&res, 0, sizeof(res));
			memset(&rs, 0, sizeof(rs));
			memset(&mask, 0, sizeof(mask));
			memset(&kept, 0, sizeof(kept));
			if ((rc = dlt_expr_evaluate(&res, &rs, w->replace_where, ss, &b, w->err)) == 0 &&
			    (rc = dlt_compute__mask_coalesce_false(&mask, &res, w->err)) == 0) {
				int64_t t = dlt_compute__mask_count(&mask);
				matched += t;
				dlt_array__release(&res);
				if ((rc = dlt_compute__not(&res, &mask, w->err)) == 0 &&
				    (rc = dlt_compute__filter(&kept, ss, &b, &res, w->err)) == 0) {
					if (n_keep == cap_keep) {
						size_t nc = cap_keep ? cap_keep * 2 : 4;
						struct ArrowArray *nk = dlt_realloc(keep, nc * sizeof(*nk));
						if (!nk)
							rc = oom(w->err);
						else {
							keep = nk;
							cap_keep = nc;
						}
					}
					if (rc == 0)
						dlt_array__move(&keep[n_keep++], &kept);
				}
			}
			dlt_array__release(&kept);
			dlt_array__release(&mask);
			dlt_array__release(&res);
			dlt_schema__release(&rs);
			b.release(&b);
			if (rc < 0)
				break;
		}
		if (rc == 0 && matched > 0) {
			if ((rc = dlt_txn_remove_live_file(txn, file->path, 1, w->err)) == 0) {
				w->m.files_removed++;
				w->m.bytes_removed += file->size > 0 ? file->size : 0;
			}
			for (size_t k = 0; k < n_keep && rc == 0; k++)
				rc = process(w, ss, &keep[k], true);
		} else if (rc == 0) {
			rc = dlt_txn_read_file(txn, file->path, w->err);
		}
	file_done:
		for (size_t k = 0; k < n_keep; k++)
			dlt_array__release(&keep[k]);
		dlt_free(keep);
		dlt_table__file_reader_free(rd);
		if (file->dv.storage_type)
			dlt_table__dv_dispose(&dv);
		if (rc < 0)
			dlt_error_prefix(w->err, "replaceWhere: file %s", file->path);
	}
	dlt_free(is_part);
	return rc;
}

/* ------------------------------------------------------------- setup -- */

static const char *codec_ext(int codec)
{
	switch (codec) {
	case DLT_PARQUET_CODEC_UNCOMPRESSED: return "";
	case DLT_PARQUET_CODEC_SNAPPY: return "snappy";
	case DLT_PARQUET_CODEC_GZIP: return "gz";
	case DLT_PARQUET_CODEC_BROTLI: return "brotli";
	case DLT_PARQUET_CODEC_ZSTD: return "zstd";
	case DLT_PARQUET_CODEC_LZ4_RAW: return "lz4raw";
	default: return NULL;
	}
}

static const char *config_get(const dlt_log_kvs *c, const char *key)
{
	for (size_t i = 0; c && i < c->n; i++)
		if (strcmp(c->kv[i].key, key) == 0)
			return c->kv[i].value;
	return NULL;
}

/* Physical dotted path of a logical dotted path ("a.b" -> "col-1.col-2"). */
static char *physical_path(const struct ArrowSchema *s, const char *path, bool cm)
{
	dlt_buf b = DLT_BUF_INIT;
	const char *p = path;
	char seg[256], phys[256];

	while (*p == ' ')
		p++;
	while (*p) {
		size_t n = strcspn(p, ".");
		int64_t i;
		const char *name;
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n >= sizeof(seg))
			break;
		memcpy(seg, p, n);
		seg[n] = 0;
		name = seg;
		i = s ? find_field(s, seg) : -1;
		if (i >= 0) {
			s = s->children[i];
			name = s->name;
			if (cm && meta_value(s, "delta.columnMapping.physicalName", phys, sizeof(phys)))
				name = phys;
			if (strcmp(s->format, "+s") != 0)
				s = NULL;
		} else {
			s = NULL;
		}
		dlt_buf_appendf(&b, NULL, "%s%s", b.len ? "." : "", name);
		p += strcspn(p, ".");
		if (*p == '.')
			p++;
	}
	dlt_buf_append_byte(&b, 0, NULL);
	return (char *)dlt_buf_detach(&b, NULL);
}

static int setup_stats(wctx *w, const dlt_log_kvs *config, const dlt_log_protocol *proto)
{
	const char *v = config_get(config, "delta.dataSkippingNumIndexedCols");
	const char *cols = config_get(config, "delta.dataSkippingStatsColumns");
	int64_t n = 32;

	w->scfg.prefix_len = 32;
	if (v && dlt_parse_int64(v, strlen(v), &n) != DLT_PARSE_OK)
		n = 32;
	w->scfg.num_indexed = n < 0 ? -1 : n;
	w->scfg.tight_bounds = proto && dlt_log__has_writer_feature(proto, "deletionVectors");
	if (cols) {
		const char *p = cols;
		while (*p) {
			size_t len = strcspn(p, ",");
			char *one = dlt_strndup(p, len), *phys, **nc;
			if (!one)
				return oom(w->err);
			phys = physical_path(&w->logical, one, w->cm);
			dlt_free(one);
			if (!phys)
				return oom(w->err);
			if (!(nc = dlt_realloc(w->scfg.columns, (w->scfg.n_columns + 1) * sizeof(*nc)))) {
				dlt_free(phys);
				return oom(w->err);
			}
			w->scfg.columns = nc;
			nc[w->scfg.n_columns++] = phys;
			p += len;
			if (*p == ',')
				p++;
		}
		if (!w->scfg.columns && !(w->scfg.columns = dlt_calloc(1, sizeof(char *))))
			return oom(w->err);
	}
	return DLT_OK;
}

/* Split the logical schema into data and partition columns; build the file schema. */
static int setup_columns(wctx *w, const char *const *parts, size_t n_parts)
{
	char phys[256];
	int rc;

	if (!(w->data_idx = dlt_calloc((size_t)w->logical.n_children + 1, sizeof(int64_t))) ||
	    !(w->part_idx = dlt_calloc(n_parts + 1, sizeof(int64_t))) ||
	    !(w->part_phys = dlt_calloc(n_parts + 1, sizeof(char *))))
		return oom(w->err);
	for (size_t k = 0; k < n_parts; k++) {
		int64_t i = -1;
		for (int64_t c = 0; c < w->logical.n_children; c++)
			if (strcmp(w->logical.children[c]->name, parts[k]) == 0)
				i = c;
		if (i < 0)
			return dlt_error_set(w->err, DLT_ESCHEMA, "unknown partition column '%s'", parts[k]);
		w->part_idx[w->n_part] = i;
		if (!(w->part_phys[w->n_part++] = dlt_strdup(
		              w->cm && meta_value(w->logical.children[i],
		                                  "delta.columnMapping.physicalName", phys, sizeof(phys))
		                      ? phys : parts[k])))
			return oom(w->err);
	}
	for (int64_t c = 0; c < w->logical.n_children; c++) {
		bool is_part = false;
		for (int64_t k = 0; k < w->n_part; k++)
			if (w->part_idx[k] == c)
				is_part = true;
		if (!is_part)
			w->data_idx[w->n_data++] = c;
	}
	if ((rc = dlt_schema__init(&w->file_schema, "+s", "", 0, w->n_data, w->err)) < 0)
		return rc;
	for (int64_t i = 0; i < w->n_data; i++)
		if ((rc = dlt_schema__copy(w->file_schema.children[i],
		                           w->logical.children[w->data_idx[i]], w->err)) < 0 ||
		    (rc = physicalize(w->file_schema.children[i], w->cm, true, 0, w->err)) < 0)
			return rc;
	return DLT_OK;
}

static void wctx_dispose(wctx *w)
{
	for (size_t i = 0; i < w->n_pf; i++) {
		pfile *p = &w->pf[i];
		dlt_parquet_writer_free(p->w);
		dlt_output_free(p->out);
		dlt_free(p->path);
		dlt_free(p->key);
		dlt_free(p->dir);
		for (size_t k = 0; p->pv && k < p->n_pv; k++)
			dlt_free((void *)p->pv[k].value);
		dlt_free(p->pv);
	}
	dlt_free(w->pf);
	for (size_t i = 0; i < w->n_adds; i++) {
		dlt_free(w->adds[i].path);
		dlt_free(w->adds[i].stats);
	}
	dlt_free(w->adds);
	for (int64_t k = 0; k < w->n_part; k++)
		dlt_free(w->part_phys[k]);
	dlt_free(w->part_phys);
	dlt_free(w->part_idx);
	dlt_free(w->data_idx);
	for (size_t i = 0; i < w->scfg.n_columns; i++)
		dlt_free(w->scfg.columns[i]);
	dlt_free(w->scfg.columns);
	dlt_ops__checks_dispose(&w->checks);
	dlt_expr_free(w->replace_where);
	dlt_schema__release(&w->logical);
	dlt_schema__release(&w->file_schema);
}

static int partition_by_json(dlt_buf *b, const char *const *p, size_t n, dlt_error *err)
{
	dlt_buf t = DLT_BUF_INIT;
	int rc = dlt_buf_append_byte(&t, '[', err);
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (i)
			rc = dlt_buf_append_byte(&t, ',', err);
		if (rc == 0)
			rc = dlt_ops__json_str(&t, p[i], err);
	}
	if (rc == 0)
		rc = dlt_buf_append_byte(&t, ']', err);
	if (rc == 0)
		rc = dlt_ops__json_strn(b, (const char *)t.data, t.len, err);
	dlt_buf_dispose(&t);
	return rc;
}

static bool same_partitioning(const dlt_log_metadata *md, const char *const *p, size_t n)
{
	if (md->n_partition_columns != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(md->partition_columns[i], p[i]) != 0)
			return false;
	return true;
}

int dlt_table_write(int64_t *version_out, dlt_table *table, struct ArrowArrayStream *data,
                    const dlt_write_options *opts, dlt_error *err)
{
	dlt_write_options o = DLT_WRITE_OPTIONS_INIT;
	dlt_txn_options to = DLT_TXN_OPTIONS_INIT;
	struct ArrowSchema ds;
	dlt_txn *txn = NULL;
	dlt_snapshot *snap;
	wctx w;
	dlt_buf params = DLT_BUF_INIT;
	char *schema_json = NULL;
	const char *const *parts;
	size_t n_parts;
	bool new_meta = false;
	int64_t t0 = dlt_now_ns();
	int rc;

	memset(&w, 0, sizeof(w));
	memset(&ds, 0, sizeof(ds));
	w.err = err;
	if (version_out)
		*version_out = -1;
	if (!table || !data || !data->release || (opts && opts->version < 1)) {
		if (data && data->release)
			data->release(data);
		return dlt_error_set(err, DLT_EINVAL, "dlt_table_write: invalid argument: %s",
		                     !table ? "table is NULL" : !data || !data->release ?
		                     "data stream is NULL or released" : "options version is 0");
	}
	if (opts)
		o = *opts;
	if (o.mode < DLT_WRITE_APPEND || o.mode > DLT_WRITE_IGNORE ||
	    (o.partition_by_len && !o.partition_by) || !codec_ext(o.codec) ||
	    (o.replace_where && o.mode != DLT_WRITE_OVERWRITE) ||
	    (o.schema_mode == DLT_SCHEMA_OVERWRITE && o.mode != DLT_WRITE_OVERWRITE) ||
	    (o.schema_mode == DLT_SCHEMA_OVERWRITE && o.replace_where) || o.target_file_size < 0) {
		rc = dlt_error_set(err, DLT_EINVAL, "write: invalid options: %s",
		                   o.replace_where && o.mode != DLT_WRITE_OVERWRITE
		                           ? "replace_where needs mode overwrite"
		                   : o.schema_mode == DLT_SCHEMA_OVERWRITE && o.mode != DLT_WRITE_OVERWRITE
		                           ? "schema overwrite needs mode overwrite"
		                   : !codec_ext(o.codec) ? "unknown codec" : "bad mode or partitioning");
		goto done;
	}
	w.st = dlt_table_storage(table);
	w.target = o.target_file_size ? o.target_file_size : (int64_t)128 << 20;
	w.ext = codec_ext(o.codec);
	dlt_parquet_write_options_init(&w.popts, DLT_PARQUET_WRITE_OPTIONS_VERSION);
	w.popts.codec = o.codec;
	w.popts.stats_truncate_bytes = 32 * 4 + 8;
	if (w.target < w.popts.row_group_bytes)
		w.popts.row_group_bytes = w.target;

	to.app_id = o.app_id;
	to.app_version = o.app_id ? o.app_version : -1;
	to.operation = "WRITE";
	if ((rc = dlt_txn_begin(&txn, table, &to, err)) < 0)
		goto done;
	snap = dlt_txn_snapshot(txn);
	if ((rc = dlt_stream__schema(data, &ds, err)) < 0 ||
	    (rc = dlt_arrow__validate_schema(&ds, err)) < 0)
		goto done;
	if (strcmp(ds.format, "+s") != 0) {
		rc = dlt_error_set(err, DLT_ESCHEMA, "write: the data stream's schema must be a struct "
		                   "(\"+s\"), got \"%s\"", ds.format);
		goto done;
	}
	if (snap && o.app_id) {
		int64_t have;
		if (dlt_snapshot_app_txn_version(&have, snap, o.app_id, NULL) == DLT_OK &&
		    have >= o.app_version) {
			rc = DLT_OK; /* already written by this application */
			goto done;
		}
	}
	if (snap && snap->n_files > 0 && o.mode == DLT_WRITE_ERROR) {
		rc = dlt_error_set(err, DLT_EEXISTS, "write: table %s already has data (mode error)",
		                   dlt_table_uri(table));
		goto done;
	}
	if (snap && snap->n_files > 0 && o.mode == DLT_WRITE_IGNORE) {
		rc = DLT_OK;
		goto done;
	}
	if (snap && o.mode == DLT_WRITE_OVERWRITE) {
		const char *ao = config_get(&snap->metadata.configuration, "delta.appendOnly");
		if (ao && strcasecmp(ao, "true") == 0) {
			rc = dlt_error_set(err, DLT_EINVAL, "write: table %s is append-only "
			                   "(delta.appendOnly): overwrite refused", dlt_table_uri(table));
			goto done;
		}
	}

	/* the table schema after this write */
	if (!snap || o.schema_mode == DLT_SCHEMA_OVERWRITE) {
		if ((rc = dlt_schema__copy_decoded(&w.logical, &ds, err)) < 0 ||
		    (rc = dlt_ops__canonicalize(&w.logical, "", 0, err)) < 0)
			goto done;
		dlt_free((void *)w.logical.name);
		w.logical.name = NULL;
		parts = o.partition_by;
		n_parts = o.partition_by_len;
		if ((rc = dlt_ops__check_partition_columns(&w.logical, parts, n_parts, err)) < 0)
			goto done;
		new_meta = true;
		if (snap && snap->column_mapping != DLT_LOG_CM_NONE) {
			const char *mx = config_get(&snap->metadata.configuration,
			                            "delta.columnMapping.maxColumnId");
			int64_t next = 0;
			if (mx)
				(void)dlt_parse_int64(mx, strlen(mx), &next);
			if ((rc = dlt_ops__assign_mapping(&w.logical, &next, 0, err)) < 0)
				goto done;
			w.cm = true;
		}
	} else {
		if (o.partition_by_len &&
		    !same_partitioning(&snap->metadata, o.partition_by, o.partition_by_len)) {
			rc = dlt_error_set(err, DLT_ESCHEMA, "write: partition columns differ from the "
			                   "table's (%zu given, table has %zu); use schema overwrite to "
			                   "change them", o.partition_by_len,
			                   snap->metadata.n_partition_columns);
			for (size_t i = 0; i < o.partition_by_len; i++)
				if (find_field(&snap->schema, o.partition_by[i]) < 0)
					rc = dlt_error_set(err, DLT_ESCHEMA, "write: unknown partition column "
					                   "'%s'", o.partition_by[i]);
			goto done;
		}
		parts = snap->metadata.partition_columns;
		n_parts = snap->metadata.n_partition_columns;
		w.cm = snap->column_mapping != DLT_LOG_CM_NONE;
		if (o.schema_mode == DLT_SCHEMA_MERGE) {
			const char *tw = config_get(&snap->metadata.configuration,
			                            "delta.enableTypeWidening");
			if ((rc = dlt_ops__schema_merge(&w.logical, &snap->schema, &ds,
			                                tw && strcasecmp(tw, "true") == 0, err)) < 0)
				goto done;
			new_meta = w.logical.n_children != snap->schema.n_children ||
			           !same_layout(&w.logical, &snap->schema);
			if (new_meta && w.cm) {
				const char *mx = config_get(&snap->metadata.configuration,
				                            "delta.columnMapping.maxColumnId");
				int64_t next = 0;
				if (mx)
					(void)dlt_parse_int64(mx, strlen(mx), &next);
				if ((rc = dlt_ops__assign_mapping(&w.logical, &next, 0, err)) < 0)
					goto done;
			}
		} else if ((rc = dlt_schema__copy(&w.logical, &snap->schema, err)) < 0) {
			goto done;
		}
	}
	if ((rc = setup_columns(&w, parts, n_parts)) < 0 ||
	    (rc = dlt_ops__checks_load(&w.checks, &w.logical,
	                               snap ? &snap->metadata.configuration : NULL, err)) < 0 ||
	    (rc = setup_stats(&w, snap ? &snap->metadata.configuration : NULL,
	                      snap ? &snap->protocol : NULL)) < 0)
		goto done;
	if ((rc = check_schema(&w, &ds)) < 0)
		goto done;
	if (o.replace_where) {
		if ((rc = dlt_expr_parse(&w.replace_where, o.replace_where, err)) < 0) {
			dlt_error_prefix(err, "replaceWhere");
			goto done;
		}
		w.replace_sql = o.replace_where;
	}

	/* new data */
	for (;;) {
		struct ArrowArray b;
		memset(&b, 0, sizeof(b));
		if ((rc = dlt_stream__next(data, &b, err)) < 0) {
			dlt_error_prefix(err, "write: reading the data stream");
			goto done;
		}
		if (!b.release)
			break;
		if ((rc = dlt_arrow__validate(&ds, &b, err)) < 0) {
			dlt_error_prefix(err, "write: data batch");
			b.release(&b);
			goto done;
		}
		rc = process(&w, &ds, &b, false);
		b.release(&b);
		if (rc < 0)
			goto done;
	}
	/* what the data replaces */
	if (snap && o.mode == DLT_WRITE_OVERWRITE) {
		if (w.replace_where) {
			if ((rc = dlt_txn_read_predicate(txn, w.replace_where, err)) < 0 ||
			    (rc = replace_existing(&w, txn, snap)) < 0)
				goto done;
		} else {
			for (size_t i = 0; i < snap->n_files; i++) {
				w.m.files_removed++;
				w.m.bytes_removed += snap->files[i].size > 0 ? snap->files[i].size : 0;
			}
			if ((rc = dlt_log__txn_remove_all(txn, true, err)) < 0)
				goto done;
		}
	}
	for (size_t i = 0; i < w.n_pf; i++)
		if ((rc = close_file(&w, i)) < 0)
			goto done;

	/* stage and commit */
	if (new_meta) {
		dlt_txn_metadata md = DLT_TXN_METADATA_INIT;
		dlt_kv *conf = NULL;
		size_t nc = 0;
		char maxid[32];
		const dlt_log_kvs *cur = snap ? &snap->metadata.configuration : NULL;
		if ((rc = dlt_ops__schema_to_json(&schema_json, &w.logical, err)) < 0)
			goto done;
		if (!(conf = dlt_calloc((cur ? cur->n : 0) + 2, sizeof(*conf)))) {
			rc = oom(err);
			goto done;
		}
		for (size_t i = 0; cur && i < cur->n; i++)
			if (!w.cm || strcmp(cur->kv[i].key, "delta.columnMapping.maxColumnId") != 0) {
				conf[nc].key = cur->kv[i].key;
				conf[nc++].value = cur->kv[i].value;
			}
		if (w.cm) {
			/* the highest id now in the schema */
			int64_t next = max_mapping_id(&w.logical, 0);
			snprintf(maxid, sizeof(maxid), "%" PRId64, next);
			conf[nc].key = "delta.columnMapping.maxColumnId";
			conf[nc++].value = maxid;
		}
		md.schema_string = schema_json;
		md.partition_columns = parts;
		md.n_partition_columns = n_parts;
		md.configuration = conf;
		md.n_configuration = nc;
		if (snap) {
			md.name = snap->metadata.name;
			md.description = snap->metadata.description;
		}
		rc = dlt_txn_set_metadata(txn, &md, err);
		dlt_free(conf);
		if (rc < 0)
			goto done;
	}
	for (size_t i = 0; i < w.n_adds; i++) {
		dlt_txn_file f = DLT_TXN_FILE_INIT;
		const pfile *p = &w.pf[w.adds[i].pfile];
		f.path = w.adds[i].path;
		f.partition_values = p->pv;
		f.n_partition_values = p->n_pv;
		f.size = w.adds[i].size;
		f.data_change = 1;
		f.stats = w.adds[i].stats;
		if ((rc = dlt_txn_add_file(txn, &f, err)) < 0)
			goto done;
	}
	rc = dlt_buf_appendf(&params, err, "{\"mode\":\"%s\",\"partitionBy\":",
	                     o.mode == DLT_WRITE_OVERWRITE ? "Overwrite"
	                     : o.mode == DLT_WRITE_APPEND ? "Append"
	                     : o.mode == DLT_WRITE_ERROR ? "ErrorIfExists" : "Ignore");
	if (rc == 0)
		rc = partition_by_json(&params, parts, n_parts, err);
	if (rc == 0 && o.replace_where) {
		dlt_buf pr = DLT_BUF_INIT;
		rc = dlt_buf_append_byte(&pr, '[', err);
		if (rc == 0)
			rc = dlt_ops__json_str(&pr, o.replace_where, err);
		if (rc == 0)
			rc = dlt_buf_append_byte(&pr, ']', err);
		if (rc == 0)
			rc = dlt_buf_append_str(&params, ",\"predicate\":", err);
		if (rc == 0)
			rc = dlt_ops__json_strn(&params, (const char *)pr.data, pr.len, err);
		dlt_buf_dispose(&pr);
	}
	if (rc == 0)
		rc = dlt_buf_append_str(&params, "}", err);
	if (rc == 0)
		rc = dlt_buf_append_byte(&params, 0, err);
	if (rc < 0 || (rc = dlt_txn_set_operation(txn, "WRITE", (const char *)params.data, err)) < 0)
		goto done;
	for (size_t i = 0; i < o.commit_properties_len; i++) {
		dlt_buf v = DLT_BUF_INIT;
		if (!o.commit_properties || !o.commit_properties[i].key ||
		    !o.commit_properties[i].value) {
			rc = dlt_error_set(err, DLT_EINVAL, "write: commit property %zu is NULL", i);
			goto done;
		}
		if ((rc = dlt_ops__json_str(&v, o.commit_properties[i].value, err)) == 0 &&
		    (rc = dlt_buf_append_byte(&v, 0, err)) == 0)
			rc = dlt_txn_set_commit_info(txn, o.commit_properties[i].key,
			                             (const char *)v.data, err);
		dlt_buf_dispose(&v);
		if (rc < 0)
			goto done;
	}
	if ((rc = dlt_txn_set_metric(txn, "numOutputRows", w.m.rows_written + w.m.rows_copied,
	                             err)) < 0 ||
	    (rc = dlt_txn_commit(version_out, txn, err)) < 0)
		goto done;
	w.m.duration_ms = (dlt_now_ns() - t0) / 1000000;
	if (o.metrics)
		*o.metrics = w.m;
done:
	if (data->release)
		data->release(data);
	dlt_schema__release(&ds);
	dlt_free(schema_json);
	dlt_buf_dispose(&params);
	wctx_dispose(&w);
	dlt_txn_free(txn);
	return rc;
}

/* ------------------------------------------------ dlt_ops_writer hook -- */
/* The same machinery for DELETE / UPDATE / MERGE / OPTIMIZE (ops/dml.h):
 * logical batches of the snapshot's schema in, finished files out. */

struct dlt_ops_writer {
	wctx w;
	bool checks;
	bool finished;
	dlt_ops_written *files;
};

int dlt_ops__writer_open(dlt_ops_writer **out, dlt_storage *st, const dlt_ops_writer_args *a,
                         dlt_error *err)
{
	dlt_ops_writer *ow;
	const dlt_snapshot *snap;
	int rc;

	*out = NULL;
	if (!a || !a->snap || !st || !codec_ext(a->codec) || a->target_file_size < 0)
		return dlt_error_set(err, DLT_EINVAL, "data file writer: invalid arguments");
	snap = a->snap;
	if (!(ow = dlt_calloc(1, sizeof(*ow))))
		return oom(err);
	ow->w.err = err;
	ow->w.st = st;
	ow->checks = a->checks;
	ow->w.name_prefix = a->name_prefix;
	ow->w.dir_prefix = a->dir_prefix;
	ow->w.target = a->target_file_size ? a->target_file_size : (int64_t)128 << 20;
	ow->w.ext = codec_ext(a->codec);
	ow->w.cm = snap->column_mapping != DLT_LOG_CM_NONE;
	dlt_parquet_write_options_init(&ow->w.popts, DLT_PARQUET_WRITE_OPTIONS_VERSION);
	ow->w.popts.codec = a->codec;
	ow->w.popts.stats_truncate_bytes = 32 * 4 + 8;
	if (ow->w.target < ow->w.popts.row_group_bytes)
		ow->w.popts.row_group_bytes = ow->w.target;
	if (a->row_group_bytes > 0 && a->row_group_bytes < ow->w.popts.row_group_bytes)
		ow->w.popts.row_group_bytes = a->row_group_bytes;
	if (a->change_type_column) {
		const struct ArrowSchema *ss = &snap->schema;
		if ((rc = dlt_schema__init(&ow->w.logical, "+s", "", 0, ss->n_children + 1, err)) < 0)
			goto fail;
		for (int64_t i = 0; i < ss->n_children; i++)
			if ((rc = dlt_schema__copy(ow->w.logical.children[i], ss->children[i], err)) < 0)
				goto fail;
		if ((rc = dlt_schema__init_leaf(ow->w.logical.children[ss->n_children], "u",
		                                "_change_type", ARROW_FLAG_NULLABLE, err)) < 0)
			goto fail;
	} else if ((rc = dlt_schema__copy(&ow->w.logical, &snap->schema, err)) < 0) {
		goto fail;
	}
	if ((rc = setup_columns(&ow->w, snap->metadata.partition_columns,
	                        snap->metadata.n_partition_columns)) < 0 ||
	    (rc = setup_stats(&ow->w, &snap->metadata.configuration, &snap->protocol)) < 0)
		goto fail;
	if (a->checks && (rc = dlt_ops__checks_load(&ow->w.checks, &snap->schema,
	                                           &snap->metadata.configuration, err)) < 0)
		goto fail;
	*out = ow;
	return DLT_OK;
fail:
	dlt_ops__writer_free(ow);
	return rc;
}

int dlt_ops__writer_write(dlt_ops_writer *ow, const struct ArrowArray *batch, dlt_error *err)
{
	int rc = DLT_OK;

	if (!ow || ow->finished || !batch)
		return dlt_error_set(err, DLT_EINVAL, "data file writer: invalid state");
	ow->w.err = err;
	if (batch->length == 0)
		return DLT_OK;
	if (batch->n_children != ow->w.logical.n_children)
		return dlt_error_set(err, DLT_EINVAL, "data file writer: batch has %" PRId64
		                     " columns, expected %" PRId64, batch->n_children,
		                     ow->w.logical.n_children);
	/* every column is present, generated ones included: checks_run verifies them */
	if (ow->checks)
		rc = dlt_ops__checks_run(&ow->w.checks, &ow->w.logical, batch, ow->w.rows_seen, err);
	ow->w.rows_seen += batch->length;
	if (rc == 0)
		rc = route(&ow->w, batch);
	return rc;
}

int dlt_ops__writer_finish(dlt_ops_writer *ow, dlt_error *err)
{
	int rc;

	if (!ow)
		return dlt_error_set(err, DLT_EINVAL, "data file writer: NULL");
	if (ow->finished)
		return DLT_OK;
	ow->w.err = err;
	for (size_t i = 0; i < ow->w.n_pf; i++)
		if ((rc = close_file(&ow->w, i)) < 0)
			return rc;
	if (!(ow->files = dlt_calloc(ow->w.n_adds + 1, sizeof(*ow->files))))
		return oom(err);
	for (size_t i = 0; i < ow->w.n_adds; i++) {
		const added *ad = &ow->w.adds[i];
		const pfile *p = &ow->w.pf[ad->pfile];
		ow->files[i].path = ad->path;
		ow->files[i].partition_values = p->pv;
		ow->files[i].n_partition_values = p->n_pv;
		ow->files[i].size = ad->size;
		ow->files[i].num_records = ad->rows;
		ow->files[i].stats = ad->stats;
	}
	ow->finished = true;
	return DLT_OK;
}

size_t dlt_ops__writer_n_files(const dlt_ops_writer *ow)
{
	return ow && ow->finished ? ow->w.n_adds : 0;
}

const dlt_ops_written *dlt_ops__writer_file(const dlt_ops_writer *ow, size_t i)
{
	return ow && ow->finished && i < ow->w.n_adds ? &ow->files[i] : NULL;
}

void dlt_ops__writer_free(dlt_ops_writer *ow)
{
	if (!ow)
		return;
	wctx_dispose(&ow->w);
	dlt_free(ow->files);
	dlt_free(ow);
}
