/* RESTORE: a new commit whose live files equal those of an older version
 * (Spark's RestoreTableCommand: adds with dataChange=true for files live
 * then and not now, removes for files live now and not then, operation
 * "RESTORE" with its metrics). Files to bring back must still exist. */
#include "ops/maint.h"
#include "log/ckpt_write.h"
#include "log/txn.h"

#include <stdio.h>
#include <string.h>

int dlt_restore_options_init(dlt_restore_options *opts, unsigned int version)
{
	dlt_restore_options d = DLT_RESTORE_OPTIONS_INIT;
	if (!opts || version != DLT_RESTORE_OPTIONS_VERSION)
		return DLT_EINVAL;
	*opts = d;
	return DLT_OK;
}

/* Same file: same path and same deletion vector. */
static int cmp_file(const dlt_log_file *a, const dlt_log_file *b)
{
	char da[600], db[600];
	int c = strcmp(a->path, b->path);
	if (c)
		return c;
	dlt_log__dv_unique_id(da, sizeof(da), &a->dv);
	dlt_log__dv_unique_id(db, sizeof(db), &b->dv);
	return strcmp(da, db);
}

static int must_exist(dlt_storage *st, const char *key, int64_t version, dlt_error *err)
{
	dlt_object_meta m;
	dlt_error e;
	int rc;
	if (!key)
		return DLT_OK;
	rc = dlt_storage_head(&m, st, key, &e);
	if (rc == DLT_ENOTFOUND) {
		rc = dlt_error_set(err, DLT_ENOTFOUND, "restore to version %" PRId64 ": file '%s' "
		                   "is missing (vacuumed or deleted); the version cannot be restored",
		                   version, key);
		dlt_error_set_path(err, key);
		return rc;
	}
	if (rc < 0 && err)
		*err = e;
	return rc;
}

static int check_file(dlt_storage *st, const dlt_log_file *f, int64_t version, dlt_error *err)
{
	char *k = NULL;
	int rc;
	if ((rc = dlt_ops__file_key(&k, f, err)) < 0)
		return rc;
	rc = must_exist(st, k, version, err);
	dlt_free(k);
	if (rc < 0 || (rc = dlt_ops__dv_key(&k, f, err)) < 0)
		return rc;
	rc = must_exist(st, k, version, err);
	dlt_free(k);
	return rc;
}

static int stage_file(dlt_txn *txn, const dlt_log_file *f, dlt_log_action_kind kind,
                      int64_t now, dlt_error *err)
{
	dlt_log_action a;
	memset(&a, 0, sizeof(a));
	a.kind = kind;
	a.file = *f;
	a.file.flags |= DLT_LOG_FILE_DATA_CHANGE;
	if (kind == DLT_LOG_REMOVE) {
		a.file.modification_time = now; /* deletionTimestamp */
		a.file.flags |= DLT_LOG_FILE_EXTENDED_METADATA;
	}
	return dlt_log__txn_stage(txn, &a, err);
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_kvs(const dlt_log_kvs *a, const dlt_log_kvs *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		bool found = false;
		const char *v = dlt_log__kvs_get(b, a->kv[i].key, &found);
		if (!found || !same_str(v, a->kv[i].value))
			return false;
	}
	return true;
}

static bool same_metadata(const dlt_log_metadata *a, const dlt_log_metadata *b)
{
	if (!same_str(a->schema_string, b->schema_string) || !same_str(a->name, b->name) ||
	    !same_str(a->description, b->description) ||
	    a->n_partition_columns != b->n_partition_columns ||
	    !same_kvs(&a->configuration, &b->configuration))
		return false;
	for (size_t i = 0; i < a->n_partition_columns; i++)
		if (strcmp(a->partition_columns[i], b->partition_columns[i]) != 0)
			return false;
	return true;
}

int dlt_table_restore(int64_t *version_out, dlt_table *table, const dlt_restore_options *opts,
                      dlt_error *err)
{
	dlt_restore_options o = DLT_RESTORE_OPTIONS_INIT;
	dlt_snapshot *cur = NULL, *old = NULL;
	dlt_txn *txn = NULL;
	dlt_txn_options to = DLT_TXN_OPTIONS_INIT;
	char params[256];
	int64_t n_removed = 0, n_restored = 0, removed_bytes = 0, restored_bytes = 0, size_after = 0;
	size_t i = 0, j = 0;
	int64_t now = dlt_log__now_ms();
	int rc;

	DLT_ARG_CHECK(table != NULL && opts != NULL && opts->version >= 1, err);
	o = *opts;
	if (o.table_version < 0 && o.timestamp_ms < 0)
		return dlt_error_set(err, DLT_EINVAL, "restore: give a version or a timestamp");
	if ((rc = dlt_table_snapshot(&cur, table, -1, err)) < 0)
		goto done;
	rc = o.table_version >= 0 ? dlt_table_snapshot(&old, table, o.table_version, err)
	                          : dlt_table_snapshot_at(&old, table, o.timestamp_ms, err);
	if (rc < 0) {
		dlt_error_prefix(err, "restore");
		goto done;
	}
	/* first pass: what changes, and do the files to bring back exist? */
	if (o.check_files) {
		for (i = 0, j = 0; i < old->n_files; i++) {
			while (j < cur->n_files && cmp_file(&cur->files[j], &old->files[i]) < 0)
				j++;
			if (j < cur->n_files && cmp_file(&cur->files[j], &old->files[i]) == 0)
				continue;
			if ((rc = check_file(cur->root->storage, &old->files[i], old->version, err)) < 0)
				goto done;
		}
	}
	if (o.table_version >= 0)
		snprintf(params, sizeof(params), "{\"version\":%" PRId64 ",\"timestamp\":null}",
		         old->version);
	else
		snprintf(params, sizeof(params), "{\"version\":null,\"timestamp\":%" PRId64 "}",
		         o.timestamp_ms);
	to.operation = "RESTORE";
	to.operation_parameters = params;
	if ((rc = dlt_txn_begin_snapshot(&txn, cur, &to, err)) < 0)
		goto done;
	dlt_txn_read_whole_table(txn);
	/* merge walk over both path-sorted lists */
	i = j = 0;
	while (i < old->n_files || j < cur->n_files) {
		int c = i == old->n_files ? 1 : j == cur->n_files ? -1
		                                  : cmp_file(&old->files[i], &cur->files[j]);
		if (c == 0) {
			i++;
			j++;
			continue;
		}
		if (c < 0) {
			const dlt_log_file *f = &old->files[i++];
			rc = stage_file(txn, f, DLT_LOG_ADD, now, err);
			n_restored++;
			restored_bytes += f->size > 0 ? f->size : 0;
		} else {
			const dlt_log_file *f = &cur->files[j++];
			rc = stage_file(txn, f, DLT_LOG_REMOVE, now, err);
			n_removed++;
			removed_bytes += f->size > 0 ? f->size : 0;
		}
		if (rc < 0)
			goto done;
	}
	for (i = 0; i < old->n_files; i++)
		size_after += old->files[i].size > 0 ? old->files[i].size : 0;
	if (!same_metadata(&old->metadata, &cur->metadata)) {
		dlt_log_action a;
		memset(&a, 0, sizeof(a));
		a.kind = DLT_LOG_METADATA;
		a.metadata = old->metadata;
		if ((rc = dlt_log__txn_stage(txn, &a, err)) < 0)
			goto done;
	}
	if ((rc = dlt_txn_set_metric(txn, "tableSizeAfterRestore", size_after, err)) < 0 ||
	    (rc = dlt_txn_set_metric(txn, "numOfFilesAfterRestore", (int64_t)old->n_files, err)) < 0 ||
	    (rc = dlt_txn_set_metric(txn, "numRemovedFiles", n_removed, err)) < 0 ||
	    (rc = dlt_txn_set_metric(txn, "numRestoredFiles", n_restored, err)) < 0 ||
	    (rc = dlt_txn_set_metric(txn, "removedFilesSize", removed_bytes, err)) < 0 ||
	    (rc = dlt_txn_set_metric(txn, "restoredFilesSize", restored_bytes, err)) < 0)
		goto done;
	if ((rc = dlt_txn_commit(version_out, txn, err)) < 0)
		dlt_error_prefix(err, "restore to version %" PRId64, old->version);
done:
	dlt_txn_free(txn);
	dlt_snapshot_free(old);
	dlt_snapshot_free(cur);
	return rc;
}
