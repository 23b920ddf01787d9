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

/* Row indexes (ascending) of the rows of r where pred is TRUE (r reads only
 * the predicate's columns and skips row groups it cannot match). */
static int find_hits(rowvec *hit, dlt_table_rows *r, const dlt_expr *pred, dlt_error *err)
{
	const struct ArrowSchema *rs = dlt_table__rows_schema(r);
	int rc;

	for (;;) {
		struct ArrowArray b, mask;
		const int64_t *idx;
		int64_t n_true = 0;
		memset(&mask, 0, sizeof(mask));
		if ((rc = dlt_table__rows_next(r, &b, &idx, err)) < 0 || !b.release)
			break;
		rc = dlt_dml__eval_mask(&mask, &n_true, pred, rs, &b, err);
		if (rc == 0 && n_true > 0) {
			const uint8_t *bits = mask.buffers[1];
			int64_t off = mask.offset;
			if (hit->cap - hit->n < (size_t)n_true) {
				size_t nc = DLT_MAX(hit->cap * 2, hit->n + (size_t)n_true);
				uint64_t *nv = dlt_realloc(hit->v, nc * sizeof(*nv));
				if (!nv)
					rc = oom(err);
				else {
					hit->v = nv;
					hit->cap = nc;
				}
			}
			for (int64_t i = 0; i < b.length && rc == 0;) {
				/* whole zero bytes skipped (0.1% hits: most of them) */
				if (((off + i) & 7) == 0 && i + 8 <= b.length && bits[(off + i) >> 3] == 0) {
					i += 8;
					continue;
				}
				if (dlt_arrow__bit(bits, off + i))
					hit->v[hit->n++] = (uint64_t)idx[i];
				i++;
			}
		}
		dlt_array__release(&b);
		dlt_array__release(&mask);
		if (rc < 0)
			break;
	}
	return rc;
}

/* Second pass (copy-on-write or change data): every column of the live rows,
 * split by the hit row indexes into kept rows (rewritten) and deleted rows
 * (change data), batch by batch. */
static int split_file(dlt_dml_ctx *c, const dlt_log_file *f, const rowvec *hit, bool write_kept,
                      dlt_error *err)
{
	dlt_table_rows *r = NULL;
	const struct ArrowSchema *ss = &c->snap->schema;
	uint8_t *bits = NULL;
	size_t h = 0, bcap = 0;
	int rc;

	if ((rc = dlt_table__rows_open(&r, c->snap, f, err)) < 0)
		return rc;
	for (;;) {
		struct ArrowArray b, mask, out;
		const int64_t *idx;
		int64_t nd = 0;
		memset(&mask, 0, sizeof(mask));
		memset(&out, 0, sizeof(out));
		if ((rc = dlt_table__rows_next(r, &b, &idx, err)) < 0 || !b.release)
			break;
		if ((size_t)(b.length + 7) / 8 > bcap) {
			size_t nc = (size_t)(b.length + 7) / 8;
			uint8_t *nb = dlt_realloc(bits, nc);
			if (!nb) {
				dlt_array__release(&b);
				rc = oom(err);
				break;
			}
			bits = nb;
			bcap = nc;
		}
		memset(bits, 0, (size_t)(b.length + 7) / 8);
		/* row indexes ascend in both: walk them together (bit set = deleted) */
		for (int64_t i = 0; i < b.length && h < hit->n; i++) {
			while (h < hit->n && hit->v[h] < (uint64_t)idx[i])
				h++;
			if (h < hit->n && hit->v[h] == (uint64_t)idx[i]) {
				dlt_arrow__set_bit(bits, i, true);
				nd++;
			}
		}
		if (nd == 0) {
			if (write_kept) {
				c->m.num_copied_rows += b.length;
				rc = dlt_dml__write_data(c, &b, false, err);
			}
		} else if ((rc = dlt_array__init(&mask, 2, 0, err)) == 0) {
			uint8_t *mb = dlt_malloc((size_t)(b.length + 7) / 8 + 1);
			mask.length = b.length;
			mask.null_count = 0;
			if (!mb)
				rc = oom(err);
			else {
				memcpy(mb, bits, (size_t)(b.length + 7) / 8);
				dlt_array__set_buffer(&mask, 1, mb);
			}
			if (rc == 0 && c->cdf && (rc = dlt_compute__filter(&out, ss, &b, &mask, err)) == 0) {
				rc = dlt_dml__write_cdc(c, &out, "delete", err);
				dlt_array__release(&out);
			}
			if (rc == 0 && write_kept) {
				for (int64_t k = 0; k < (b.length + 7) / 8; k++)
					mb[k] = (uint8_t)~mb[k];
				if ((rc = dlt_compute__filter(&out, ss, &b, &mask, err)) == 0) {
					c->m.num_copied_rows += out.length;
					rc = dlt_dml__write_data(c, &out, false, err);
				}
			}
		}
		dlt_array__release(&b);
		dlt_array__release(&mask);
		dlt_array__release(&out);
		if (rc < 0)
			break;
	}
	dlt_free(bits);
	dlt_table__rows_free(r);
	return rc;
}

static int delete_rows(dlt_dml_ctx *c, const dlt_log_file *f, const dlt_expr *pred,
                       dlt_error *err)
{
	dlt_table_rows_opts o = { pred, pred };
	dlt_table_rows *r = NULL;
	rowvec hit = { NULL, 0, 0 };
	int64_t t0 = dlt_now_ns();
	int rc;

	if ((rc = dlt_table__rows_open_ex(&r, c->snap, f, &o, err)) == 0)
		rc = find_hits(&hit, r, pred, err);
	c->m.scan_time_ms += (dlt_now_ns() - t0) / 1000000;
	t0 = dlt_now_ns();
	if (rc == 0 && hit.n > 0) {
		c->m.num_deleted_rows += (int64_t)hit.n;
		if (c->use_dv) {
			if ((rc = dlt_dml__stage_dv(c, f, dlt_table__rows_dv(r), hit.v, hit.n, err)) == 0 &&
			    c->cdf)
				rc = split_file(c, f, &hit, false, err);
		} else if ((rc = dlt_dml__remove_file(c, f, err)) == 0) {
			rc = split_file(c, f, &hit, true, err);
		}
	}
	c->m.rewrite_time_ms += (dlt_now_ns() - t0) / 1000000;
	dlt_table__rows_free(r);
	dlt_free(hit.v);
	if (rc < 0)
		dlt_error_prefix(err, "file %s", f->path);
	return rc;
}

static dlt_dml_test_hook g_test_hook;
static void *g_test_hook_payload;

void dlt_dml__set_test_hook(dlt_dml_test_hook hook, void *payload)
{
	g_test_hook = hook;
	g_test_hook_payload = payload;
}

int dlt_dml__run_test_hook(dlt_table *table, const char *operation, dlt_error *err)
{
	dlt_dml_test_hook h = g_test_hook;
	void *p = g_test_hook_payload;
	if (!h)
		return DLT_OK;
	g_test_hook = NULL;
	g_test_hook_payload = NULL;
	return h(table, operation, p, err);
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
	    (rc = dlt_dml__run_test_hook(table, "DELETE", err)) < 0 ||
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
