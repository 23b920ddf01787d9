/*
 * Shared machinery of row-changing operations (ops/dml.h): the transaction
 * context, candidate files, copy-on-write data writing, removes, metrics
 * and the commit (operationMetrics named as Delta/Spark log them).
 */
#include "ops/dml.h"
#include "compute/compute.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int oom(dlt_error *err)
{
	return dlt_error_set(err, DLT_ENOMEM, "out of memory");
}

int dlt_dml_options_init(dlt_dml_options *opts, unsigned int version)
{
	dlt_dml_options d = DLT_DML_OPTIONS_INIT;
	if (!opts || version != DLT_DML_OPTIONS_VERSION)
		return DLT_EINVAL;
	*opts = d;
	return DLT_OK;
}

static const char *conf(const dlt_snapshot *s, const char *key)
{
	bool found = false;
	const char *v = dlt_log__kvs_get(&s->metadata.configuration, key, &found);
	return found ? v : NULL;
}

static bool conf_true(const dlt_snapshot *s, const char *key)
{
	const char *v = conf(s, key);
	return v && strcasecmp(v, "true") == 0;
}

int dlt_dml__begin(dlt_dml_ctx *c, dlt_table *table, const char *operation,
                   const dlt_dml_options *opts, dlt_error *err)
{
	dlt_txn_options to = DLT_TXN_OPTIONS_INIT;
	dlt_dml_options d = DLT_DML_OPTIONS_INIT;
	int rc;

	memset(c, 0, sizeof(*c));
	c->t0_ns = dlt_now_ns();
	c->m.version = -1;
	if (!table)
		return dlt_error_set(err, DLT_EINVAL, "%s: table is NULL", operation);
	if (opts && opts->version != DLT_DML_OPTIONS_VERSION)
		return dlt_error_set(err, DLT_EINVAL, "%s: unknown options version %u", operation,
		                     opts->version);
	c->opts = opts ? *opts : d;
	if (c->opts.use_deletion_vectors < -1 || c->opts.use_deletion_vectors > 1 ||
	    c->opts.target_file_size < 0 || (c->opts.commit_properties_len &&
	                                     !c->opts.commit_properties))
		return dlt_error_set(err, DLT_EINVAL, "%s: invalid options", operation);
	c->table = table;
	c->st = dlt_table_storage(table);
	to.operation = operation;
	if ((rc = dlt_txn_begin(&c->txn, table, &to, err)) < 0)
		return rc;
	if (!(c->snap = dlt_txn_snapshot(c->txn)))
		return dlt_error_set(err, DLT_ENOTFOUND, "%s: no table at %s", operation,
		                     dlt_table_uri(table));
	if (conf_true(c->snap, "delta.appendOnly"))
		return dlt_error_set(err, DLT_EINVAL, "%s: table %s is append-only "
		                     "(delta.appendOnly): %s refused", operation,
		                     dlt_table_uri(table), operation);
	if (c->opts.use_deletion_vectors == 1) {
		if (!dlt_log__has_writer_feature(&c->snap->protocol, "deletionVectors"))
			return dlt_error_set(err, DLT_EUNSUPPORTED, "%s: deletion vectors asked for, but "
			                     "the table does not support the deletionVectors feature "
			                     "(set delta.enableDeletionVectors)", operation);
		c->use_dv = true;
	} else if (c->opts.use_deletion_vectors == -1) {
		c->use_dv = conf_true(c->snap, "delta.enableDeletionVectors") &&
		            dlt_log__has_writer_feature(&c->snap->protocol, "deletionVectors");
	}
	c->cdf = c->opts.write_cdf != 0 && conf_true(c->snap, "delta.enableChangeDataFeed");
	return DLT_OK;
}

void dlt_dml__dispose(dlt_dml_ctx *c)
{
	dlt_ops__writer_free(c->data);
	dlt_ops__writer_free(c->cdc);
	dlt_txn_free(c->txn);
	memset(c, 0, sizeof(*c));
}

int dlt_dml__write_data(dlt_dml_ctx *c, const struct ArrowArray *batch, bool check,
                        dlt_error *err)
{
	int rc;
	/* Rewritten rows are checked too (as Spark does): `check` only documents intent. */
	(void)check;
	if (batch->length == 0)
		return DLT_OK;
	if (!c->data) {
		dlt_ops_writer_args a;
		memset(&a, 0, sizeof(a));
		a.snap = c->snap;
		a.dir_prefix = "";
		a.name_prefix = "part";
		a.checks = true;
		a.codec = c->opts.codec;
		a.target_file_size = c->opts.target_file_size;
		a.row_group_bytes = DLT_DML_ROW_GROUP_BYTES;
		if ((rc = dlt_ops__writer_open(&c->data, c->st, &a, err)) < 0)
			return rc;
	}
	return dlt_ops__writer_write(c->data, batch, err);
}

int dlt_dml__remove_file(dlt_dml_ctx *c, const dlt_log_file *f, dlt_error *err)
{
	int rc;
	if ((rc = dlt_txn_remove_live_file(c->txn, f->path, 1, err)) < 0)
		return rc;
	c->m.num_removed_files++;
	c->m.num_removed_bytes += f->size > 0 ? f->size : 0;
	if (f->dv.storage_type)
		c->m.num_deletion_vectors_removed++;
	return DLT_OK;
}

int64_t dlt_dml__live_rows(const dlt_log_file *f)
{
	if (f->num_records < 0)
		return -1;
	return f->num_records - (f->dv.storage_type && f->dv.cardinality > 0 ? f->dv.cardinality : 0);
}

int dlt_dml__eval_mask(struct ArrowArray *mask, int64_t *n_true, const dlt_expr *pred,
                       const struct ArrowSchema *schema, const struct ArrowArray *batch,
                       dlt_error *err)
{
	struct ArrowArray res;
	struct ArrowSchema rs;
	int rc;

	memset(&res, 0, sizeof(res));
	memset(&rs, 0, sizeof(rs));
	memset(mask, 0, sizeof(*mask));
	if ((rc = dlt_expr_evaluate(&res, &rs, pred, schema, batch, err)) < 0)
		return rc;
	if (strcmp(rs.format, "b") != 0)
		rc = dlt_error_set(err, DLT_ESCHEMA, "predicate is not boolean (type %s)", rs.format);
	else if ((rc = dlt_compute__mask_coalesce_false(mask, &res, err)) == 0)
		*n_true = dlt_compute__mask_count(mask);
	dlt_array__release(&res);
	dlt_schema__release(&rs);
	return rc;
}

int dlt_dml__predicate_params(dlt_buf *b, const char *sql, dlt_error *err)
{
	dlt_buf arr = DLT_BUF_INIT;
	int rc = dlt_buf_append_byte(&arr, '[', err);
	if (rc == 0 && sql)
		rc = dlt_ops__json_str(&arr, sql, err);
	if (rc == 0)
		rc = dlt_buf_append_byte(&arr, ']', err);
	if (rc == 0)
		rc = dlt_buf_append_str(b, "{\"predicate\":", err);
	if (rc == 0)
		rc = dlt_ops__json_strn(b, (const char *)arr.data, arr.len, err);
	if (rc == 0)
		rc = dlt_buf_append_str(b, "}", err);
	dlt_buf_dispose(&arr);
	return rc;
}

/* ---------------------------------------------------------- candidates -- */

void dlt_dml__candidates_dispose(dlt_dml_candidates *c)
{
	if (!c)
		return;
	dlt_free(c->v);
	memset(c, 0, sizeof(*c));
}

int dlt_dml__find_candidates(dlt_dml_candidates *out, dlt_snapshot *snap, const dlt_expr *pred,
                             dlt_error *err)
{
	dlt_table_skipper *sk = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!(out->v = dlt_calloc(snap->n_files + 1, sizeof(*out->v))))
		return oom(err);
	if ((rc = dlt_table__skipper_new(&sk, snap, pred, err)) < 0)
		goto fail;
	for (size_t i = 0; i < snap->n_files; i++) {
		const dlt_log_file *f = &snap->files[i];
		int may = 1;
		bool by_part = false, all = false;
		out->n_considered++;
		if ((rc = dlt_table__skipper_check(sk, f, &may, &by_part, &all, err)) < 0)
			goto fail;
		if (!may) {
			if (by_part)
				out->n_skipped_partition++;
			else
				out->n_skipped_stats++;
			continue;
		}
		out->v[out->n].file = f;
		out->v[out->n++].all_match = all;
	}
	dlt_table__skipper_free(sk);
	return DLT_OK;
fail:
	dlt_table__skipper_free(sk);
	dlt_dml__candidates_dispose(out);
	return rc;
}

/* ------------------------------------------------------------- commit -- */

static int stage_written(dlt_dml_ctx *c, dlt_ops_writer *w, bool cdc, dlt_error *err)
{
	int rc;
	if (!w)
		return DLT_OK;
	if ((rc = dlt_ops__writer_finish(w, err)) < 0)
		return rc;
	for (size_t i = 0; i < dlt_ops__writer_n_files(w); i++) {
		const dlt_ops_written *f = dlt_ops__writer_file(w, i);
		dlt_txn_file tf = DLT_TXN_FILE_INIT;
		tf.path = f->path;
		tf.partition_values = f->partition_values;
		tf.n_partition_values = f->n_partition_values;
		tf.size = f->size;
		if (cdc) {
			tf.data_change = 0;
			if ((rc = dlt_txn_add_cdc(c->txn, &tf, err)) < 0)
				return rc;
			c->m.num_added_change_files++;
		} else {
			tf.data_change = 1;
			tf.stats = f->stats;
			if ((rc = dlt_txn_add_file(c->txn, &tf, err)) < 0)
				return rc;
			c->m.num_added_files++;
			c->m.num_added_bytes += f->size;
		}
	}
	return DLT_OK;
}

int dlt_dml__commit(dlt_dml_ctx *c, const char *operation, const char *params_json,
                    dlt_error *err)
{
	struct { const char *name; int64_t v; } ms[16];
	size_t nm = 0;
	int64_t version = -1;
	int rc;

	if ((rc = stage_written(c, c->data, false, err)) < 0 ||
	    (rc = stage_written(c, c->cdc, true, err)) < 0)
		return rc;
	c->m.execution_time_ms = (dlt_now_ns() - c->t0_ns) / 1000000;
	if (c->m.num_added_files == 0 && c->m.num_removed_files == 0 &&
	    c->m.num_deletion_vectors_added == 0 && c->m.num_added_change_files == 0) {
		c->m.version = -1; /* nothing changed: no commit (as Spark's commitIfNeeded) */
		return DLT_OK;
	}
	if ((rc = dlt_txn_set_operation(c->txn, operation, params_json, err)) < 0)
		return rc;
	ms[nm].name = "numAddedFiles"; ms[nm++].v = c->m.num_added_files;
	ms[nm].name = "numRemovedFiles"; ms[nm++].v = c->m.num_removed_files;
	ms[nm].name = "numCopiedRows"; ms[nm++].v = c->m.num_copied_rows;
	ms[nm].name = "numAddedChangeFiles"; ms[nm++].v = c->m.num_added_change_files;
	ms[nm].name = "numDeletionVectorsAdded"; ms[nm++].v = c->m.num_deletion_vectors_added;
	ms[nm].name = "numDeletionVectorsRemoved"; ms[nm++].v = c->m.num_deletion_vectors_removed;
	ms[nm].name = "numDeletionVectorsUpdated"; ms[nm++].v = c->m.num_deletion_vectors_updated;
	ms[nm].name = "numAddedBytes"; ms[nm++].v = c->m.num_added_bytes;
	ms[nm].name = "numRemovedBytes"; ms[nm++].v = c->m.num_removed_bytes;
	ms[nm].name = "scanTimeMs"; ms[nm++].v = c->m.scan_time_ms;
	ms[nm].name = "rewriteTimeMs"; ms[nm++].v = c->m.rewrite_time_ms;
	ms[nm].name = "executionTimeMs"; ms[nm++].v = c->m.execution_time_ms;
	if (strcmp(operation, "UPDATE") == 0) {
		ms[nm].name = "numUpdatedRows"; ms[nm++].v = c->m.num_updated_rows;
	} else {
		ms[nm].name = "numDeletedRows"; ms[nm++].v = c->m.num_deleted_rows;
	}
	for (size_t i = 0; i < nm; i++)
		if ((rc = dlt_txn_set_metric(c->txn, ms[i].name, ms[i].v, err)) < 0)
			return rc;
	for (size_t i = 0; i < c->opts.commit_properties_len; i++) {
		dlt_buf v = DLT_BUF_INIT;
		const dlt_kv *kv = &c->opts.commit_properties[i];
		if (!kv->key || !kv->value)
			return dlt_error_set(err, DLT_EINVAL, "%s: commit property %zu is NULL",
			                     operation, i);
		if ((rc = dlt_ops__json_str(&v, kv->value, err)) == 0 &&
		    (rc = dlt_buf_append_byte(&v, 0, err)) == 0)
			rc = dlt_txn_set_commit_info(c->txn, kv->key, (const char *)v.data, err);
		dlt_buf_dispose(&v);
		if (rc < 0)
			return rc;
	}
	if ((rc = dlt_txn_commit(&version, c->txn, err)) < 0)
		return rc;
	c->m.version = version;
	return DLT_OK;
}
