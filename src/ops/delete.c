/*
 * DELETE FROM t [WHERE p] (deltalite/dml.h). Candidate files come from
 * partition pruning and statistics; files whose rows all match a
 * partition-only predicate are removed unread (unless change data must be
 * written, which needs the rows, as Spark does); other candidates are read
 * with their DV applied and their matching rows either marked in a new DV
 * (merge-on-read) or dropped by rewriting the file (copy-on-write).
 */
#include "ops/dml.h"
#include "compute/compute.h"

#include <string.h>

static int oom(dlt_error *err)
{
	return dlt_error_set(err, DLT_ENOMEM, "out of memory");
}

/* Row indexes collected for one file. */
typedef struct rowvec {
	uint64_t *v;
	size_t n, cap;
} rowvec;

static int rowvec_push(rowvec *r, uint64_t x, dlt_error *err)
{
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 256;
		uint64_t *nv = dlt_realloc(r->v, nc * sizeof(*nv));
		if (!nv)
			return oom(err);
		r->v = nv;
		r->cap = nc;
	}
	r->v[r->n++] = x;
	return DLT_OK;
}

/* Kept batches of one file (copy-on-write): written only if a row matched. */
typedef struct batchvec {
	struct ArrowArray *v;
	size_t n, cap;
} batchvec;

static int batchvec_push(batchvec *b, struct ArrowArray *a /* moved */, dlt_error *err)
{
	if (b->n == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 4;
		struct ArrowArray *nv = dlt_realloc(b->v, nc * sizeof(*nv));
		if (!nv) {
			dlt_array__release(a);
			return oom(err);
		}
		b->v = nv;
		b->cap = nc;
	}
	dlt_array__move(&b->v[b->n++], a);
	return DLT_OK;
}

static void batchvec_dispose(batchvec *b)
{
	for (size_t i = 0; i < b->n; i++)
		dlt_array__release(&b->v[i]);
	dlt_free(b->v);
	memset(b, 0, sizeof(*b));
}

/* Whole file deleted: count (and, with CDF, emit) its live rows. */
static int delete_whole(dlt_dml_ctx *c, const dlt_log_file *f, dlt_error *err)
{
	int64_t live = dlt_dml__live_rows(f);
	int rc = DLT_OK;

	if (c->cdf || live < 0) {
		dlt_table_rows *r = NULL;
		live = 0;
		if ((rc = dlt_table__rows_open(&r, c->snap, f, err)) < 0)
			return rc;
		for (;;) {
			struct ArrowArray b;
			const int64_t *idx;
			if ((rc = dlt_table__rows_next(r, &b, &idx, err)) < 0 || !b.release)
				break;
			live += b.length;
			rc = dlt_dml__write_cdc(c, &b, "delete", err);
			b.release(&b);
			if (rc < 0)
				break;
		}
		dlt_table__rows_free(r);
		if (rc < 0)
			return rc;
	}
	c->m.num_deleted_rows += live;
	return dlt_dml__remove_file(c, f, err);
}

static int delete_rows(dlt_dml_ctx *c, const dlt_log_file *f, const dlt_expr *pred,
                       dlt_error *err)
{
	dlt_table_rows *r = NULL;
	rowvec hit = { NULL, 0, 0 };
	batchvec keep = { NULL, 0, 0 };
	const struct ArrowSchema *ss = &c->snap->schema;
	int64_t t0 = dlt_now_ns(), kept_rows = 0;
	int rc;

	if ((rc = dlt_table__rows_open(&r, c->snap, f, err)) < 0)
		return rc;
	for (;;) {
		struct ArrowArray b, mask, inv, rest, gone;
		const int64_t *idx;
		int64_t n_true = 0;
		memset(&mask, 0, sizeof(mask));
		memset(&inv, 0, sizeof(inv));
		memset(&rest, 0, sizeof(rest));
		memset(&gone, 0, sizeof(gone));
		if ((rc = dlt_table__rows_next(r, &b, &idx, err)) < 0 || !b.release)
			break;
		rc = dlt_dml__eval_mask(&mask, &n_true, pred, ss, &b, err);
		if (rc == 0 && n_true > 0) {
			for (int64_t i = 0; i < b.length && rc == 0; i++)
				if (dlt_arrow__bit(mask.buffers[1], mask.offset + i))
					rc = rowvec_push(&hit, (uint64_t)idx[i], err);
			if (rc == 0 && c->cdf && (rc = dlt_compute__filter(&gone, ss, &b, &mask, err)) == 0)
				rc = dlt_dml__write_cdc(c, &gone, "delete", err);
		}
		if (rc == 0 && !c->use_dv) {
			if (n_true == 0) {
				kept_rows += b.length;
				rc = batchvec_push(&keep, &b, err);
			} else if ((rc = dlt_compute__not(&inv, &mask, err)) == 0 &&
			           (rc = dlt_compute__filter(&rest, ss, &b, &inv, err)) == 0) {
				kept_rows += rest.length;
				rc = batchvec_push(&keep, &rest, err);
			}
		}
		dlt_array__release(&b);
		dlt_array__release(&mask);
		dlt_array__release(&inv);
		dlt_array__release(&rest);
		dlt_array__release(&gone);
		if (rc < 0)
			break;
	}
	c->m.scan_time_ms += (dlt_now_ns() - t0) / 1000000;
	t0 = dlt_now_ns();
	if (rc == 0 && hit.n > 0) {
		c->m.num_deleted_rows += (int64_t)hit.n;
		if (c->use_dv) {
			rc = dlt_dml__stage_dv(c, f, dlt_table__rows_dv(r), hit.v, hit.n, err);
		} else if ((rc = dlt_dml__remove_file(c, f, err)) == 0) {
			for (size_t i = 0; i < keep.n && rc == 0; i++)
				rc = dlt_dml__write_data(c, &keep.v[i], false, err);
			c->m.num_copied_rows += kept_rows;
		}
	}
	c->m.rewrite_time_ms += (dlt_now_ns() - t0) / 1000000;
	dlt_table__rows_free(r);
	batchvec_dispose(&keep);
	dlt_free(hit.v);
	if (rc < 0)
		dlt_error_prefix(err, "file %s", f->path);
	return rc;
}

int dlt_table_delete(dlt_dml_metrics *metrics_out, dlt_table *table, const char *predicate,
                     const dlt_dml_options *opts, dlt_error *err)
{
	dlt_dml_ctx c;
	dlt_dml_candidates cands;
	dlt_expr *pred = NULL;
	dlt_buf params = DLT_BUF_INIT;
	int64_t t0;
	int rc;

	memset(&cands, 0, sizeof(cands));
	if (metrics_out) {
		memset(metrics_out, 0, sizeof(*metrics_out));
		metrics_out->version = -1;
	}
	if ((rc = dlt_dml__begin(&c, table, "DELETE", opts, err)) < 0)
		goto done;
	if (predicate && (rc = dlt_expr_parse(&pred, predicate, err)) < 0) {
		dlt_error_prefix(err, "delete: predicate");
		goto done;
	}
	t0 = dlt_now_ns();
	if ((rc = dlt_dml__find_candidates(&cands, c.snap, pred, err)) < 0) {
		dlt_error_prefix(err, "delete");
		goto done;
	}
	c.m.scan_time_ms += (dlt_now_ns() - t0) / 1000000;
	c.m.num_files_skipped = cands.n_skipped_partition + cands.n_skipped_stats;
	if (pred)
		rc = dlt_txn_read_predicate(c.txn, pred, err);
	else
		dlt_txn_read_whole_table(c.txn);
	for (size_t i = 0; i < cands.n && rc == 0; i++) {
		const dlt_log_file *f = cands.v[i].file;
		if ((rc = dlt_txn_read_file(c.txn, f->path, err)) < 0)
			break;
		if (cands.v[i].all_match) {
			rc = delete_whole(&c, f, err);
		} else {
			c.m.num_files_scanned++;
			rc = delete_rows(&c, f, pred, err);
		}
	}
	if (rc < 0)
		goto done;
	if ((rc = dlt_dml__predicate_params(&params, predicate, err)) < 0 ||
	    (rc = dlt_buf_append_byte(&params, 0, err)) < 0 ||
	    (rc = dlt_dml__commit(&c, "DELETE", (const char *)params.data, err)) < 0)
		goto done;
	if (metrics_out)
		*metrics_out = c.m;
done:
	if (rc < 0 && !strstr(err ? err->message : "", "delete"))
		dlt_error_prefix(err, "delete");
	dlt_buf_dispose(&params);
	dlt_dml__candidates_dispose(&cands);
	dlt_expr_free(pred);
	dlt_dml__dispose(&c);
	return rc;
}
