/* VACUUM (PROTOCOL.md "Data Files", "VACUUM Protocol Check"; Spark's
 * VacuumCommand for the rules on hidden paths and the commit entries):
 * delete files under the table that no live file, no unexpired tombstone
 * and no deletion vector of either references, once older than the
 * retention. */
#include "ops/maint.h"
#include "log/ckpt_write.h"
#include "log/txn.h"
#include "arrow/arrow.h"
#include "table/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dlt_vacuum_result {
	char **paths;
	int64_t *sizes, *mtimes;
	size_t n, cap;
	int64_t bytes;
	int dry_run;
};

int dlt_vacuum_options_init(dlt_vacuum_options *opts, unsigned int version)
{
	dlt_vacuum_options d = DLT_VACUUM_OPTIONS_INIT;
	if (!opts || version != DLT_VACUUM_OPTIONS_VERSION)
		return DLT_EINVAL;
	*opts = d;
	return DLT_OK;
}

void dlt_vacuum_result_free(dlt_vacuum_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		dlt_free(r->paths[i]);
	dlt_free(r->paths);
	dlt_free(r->sizes);
	dlt_free(r->mtimes);
	dlt_free(r);
}

int64_t dlt_vacuum_result_num_files(const dlt_vacuum_result *r)
{
	return r ? (int64_t)r->n : 0;
}

int64_t dlt_vacuum_result_bytes(const dlt_vacuum_result *r)
{
	return r ? r->bytes : 0;
}

int dlt_vacuum_result_dry_run(const dlt_vacuum_result *r)
{
	return r ? r->dry_run : 0;
}

const char *dlt_vacuum_result_path(const dlt_vacuum_result *r, int64_t i)
{
	return r && i >= 0 && (size_t)i < r->n ? r->paths[i] : NULL;
}

int dlt_vacuum_result_files(struct ArrowArrayStream *out, const dlt_vacuum_result *r,
                            dlt_error *err)
{
	struct ArrowSchema s;
	struct ArrowArray batch;
	dlt_builder *b = NULL;
	int rc;

	DLT_ARG_CHECK(out != NULL && r != NULL, err);
	memset(&s, 0, sizeof(s));
	memset(&batch, 0, sizeof(batch));
	if ((rc = dlt_schema__init(&s, "+s", "", 0, 3, err)) < 0 ||
	    (rc = dlt_schema__init_leaf(s.children[0], "u", "path", false, err)) < 0 ||
	    (rc = dlt_schema__init_leaf(s.children[1], "l", "size", false, err)) < 0 ||
	    (rc = dlt_schema__init_leaf(s.children[2], "l", "modification_time", false, err)) < 0 ||
	    (rc = dlt_builder__new(&b, &s, err)) < 0)
		goto done;
	for (size_t i = 0; i < r->n; i++) {
		if ((rc = dlt_builder__append_bytes(dlt_builder__child(b, 0), r->paths[i],
		                                    strlen(r->paths[i]), err)) < 0 ||
		    (rc = dlt_builder__append_int(dlt_builder__child(b, 1), r->sizes[i], err)) < 0 ||
		    (rc = dlt_builder__append_int(dlt_builder__child(b, 2), r->mtimes[i], err)) < 0 ||
		    (rc = dlt_builder__append_valid(b, err)) < 0)
			goto done;
	}
	if ((rc = dlt_builder__finish(&batch, b, err)) < 0)
		goto done;
	rc = dlt_stream__from_batches(out, &s, &batch, 1, err);
done:
	dlt_array__release(&batch);
	dlt_schema__release(&s);
	dlt_builder__free(b);
	return rc;
}

/* ------------------------------------------------------------- keys -- */

int dlt_ops__file_key(char **out, const dlt_log_file *f, dlt_error *err)
{
	*out = NULL;
	if (f->flags & DLT_LOG_FILE_ABSOLUTE)
		return DLT_OK;
	*out = dlt_strdup(f->path);
	return *out ? DLT_OK : dlt_error_set(err, DLT_ENOMEM, "out of memory");
}

int dlt_ops__dv_key(char **out, const dlt_log_file *f, dlt_error *err)
{
	const char *p = f->dv.path_or_inline_dv;
	*out = NULL;
	if (f->dv.storage_type == 'u')
		return dlt_table__dv_relative_path(out, p, err);
	if (f->dv.storage_type == 'p' && p && !strchr(p, ':') && p[0] != '/') {
		/* a relative 'p' path: a URI path relative to the table root */
		int rc = dlt_storage_uri_decode(out, p, err);
		return rc == DLT_EINVAL ? dlt_error_set(err, DLT_ECORRUPT, "deletion vector path "
		                                        "'%s': bad percent-encoding", p) : rc;
	}
	return DLT_OK;
}

/* --------------------------------------------------------- key set -- */

typedef struct keyset {
	char **k;
	size_t n, cap;
} keyset;

static int ks_add(keyset *s, char *key /* consumed */, dlt_error *err)
{
	if (!key)
		return DLT_OK;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		char **nk = dlt_realloc(s->k, cap * sizeof(*nk));
		if (!nk) {
			dlt_free(key);
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		}
		s->k = nk;
		s->cap = cap;
	}
	s->k[s->n++] = key;
	return DLT_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ks_has(const keyset *s, const char *key)
{
	return s->n && bsearch(&key, s->k, s->n, sizeof(*s->k), cmp_str) != NULL;
}

static void ks_dispose(keyset *s)
{
	for (size_t i = 0; i < s->n; i++)
		dlt_free(s->k[i]);
	dlt_free(s->k);
}

static int ks_add_file(keyset *s, const dlt_log_file *f, dlt_error *err)
{
	char *k = NULL;
	int rc;
	if ((rc = dlt_ops__file_key(&k, f, err)) < 0 || (rc = ks_add(s, k, err)) < 0)
		return rc;
	if ((rc = dlt_ops__dv_key(&k, f, err)) < 0)
		return rc;
	return ks_add(s, k, err);
}

/* ---------------------------------------------------------- listing -- */

typedef struct scan {
	const keyset *valid;
	const dlt_snapshot *snap;
	int64_t cutoff;
	dlt_vacuum_result *res;
	int rc;
	dlt_error *err;
} scan;

/* Spark's hidden-path rule: a segment starting with '_' or '.' hides what is
 * below it, except _change_data and partition directories ("col=..."). */
static bool hidden_segment(const dlt_snapshot *s, const char *seg, size_t n)
{
	if (n == 0 || (seg[0] != '_' && seg[0] != '.'))
		return false;
	if (n == 12 && memcmp(seg, "_change_data", 12) == 0)
		return false;
	for (size_t i = 0; i < s->metadata.n_partition_columns; i++) {
		const char *c = s->metadata.partition_columns[i];
		size_t cn = strlen(c);
		if (n > cn && memcmp(seg, c, cn) == 0 && seg[cn] == '=')
			return false;
	}
	/* under column mapping the directory uses the physical name */
	const char *eq = memchr(seg, '=', n);
	if (eq && s->column_mapping != DLT_LOG_CM_NONE)
		return false;
	return true;
}

static bool hidden_key(const dlt_snapshot *s, const char *key)
{
	const char *p = key;
	if (strncmp(key, "_delta_log/", 11) == 0)
		return true;
	for (;;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (hidden_segment(s, p, n))
			return true;
		if (!e)
			return false;
		p = e + 1;
	}
}

static int list_cb(const dlt_object_meta *m, void *payload)
{
	scan *sc = payload;
	dlt_vacuum_result *r = sc->res;
	if (m->is_prefix || hidden_key(sc->snap, m->key) || ks_has(sc->valid, m->key) ||
	    m->mtime_ms >= sc->cutoff)
		return 0;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		char **np = dlt_realloc(r->paths, cap * sizeof(*np));
		if (np)
			r->paths = np;
		int64_t *ns = np ? dlt_realloc(r->sizes, cap * sizeof(*ns)) : NULL;
		if (ns)
			r->sizes = ns;
		int64_t *nm = ns ? dlt_realloc(r->mtimes, cap * sizeof(*nm)) : NULL;
		if (!nm)
			return sc->rc = dlt_error_set(sc->err, DLT_ENOMEM, "out of memory");
		r->mtimes = nm;
		r->cap = cap;
	}
	if (!(r->paths[r->n] = dlt_strdup(m->key)))
		return sc->rc = dlt_error_set(sc->err, DLT_ENOMEM, "out of memory");
	r->sizes[r->n] = (int64_t)m->size;
	r->mtimes[r->n] = m->mtime_ms;
	r->n++;
	r->bytes += (int64_t)m->size;
	return 0;
}

/* A commitInfo-only commit ("VACUUM START" / "VACUUM END"), as Spark logs them. */
static int vacuum_commit(dlt_snapshot *snap, const char *op, const char *params,
                         const char *const *metric_names, const int64_t *metric_values,
                         size_t n_metrics, dlt_error *err)
{
	dlt_txn_options to = DLT_TXN_OPTIONS_INIT;
	dlt_txn *txn = NULL;
	int rc;
	to.operation = op;
	to.operation_parameters = params;
	if ((rc = dlt_txn_begin_snapshot(&txn, snap, &to, err)) < 0)
		return rc;
	for (size_t i = 0; i < n_metrics && rc >= 0; i++)
		rc = dlt_txn_set_metric(txn, metric_names[i], metric_values[i], err);
	if (rc >= 0)
		rc = dlt_txn_commit(NULL, txn, err);
	dlt_txn_free(txn);
	if (rc < 0)
		dlt_error_prefix(err, "vacuum: %s commit", op);
	return rc;
}

int dlt_table_vacuum(dlt_vacuum_result **out, dlt_table *table, const dlt_vacuum_options *opts,
                     dlt_error *err)
{
	dlt_vacuum_options o = DLT_VACUUM_OPTIONS_INIT;
	dlt_snapshot *snap = NULL;
	dlt_vacuum_result *res = NULL;
	keyset valid = { NULL, 0, 0 };
	scan sc;
	int64_t table_ret, ret, now;
	char params[256];
	int rc;

	DLT_ARG_CHECK(table != NULL, err);
	DLT_ARG_CHECK(opts == NULL || opts->version >= 1, err);
	if (out)
		*out = NULL;
	if (opts)
		o = *opts;
	DLT_ARG_CHECK(o.retention_hours < 1e9, err);
	if ((rc = dlt_table_snapshot(&snap, table, -1, err)) < 0)
		return rc;
	/* PROTOCOL.md#vacuum-protocol-check: vacuum is a writer; never delete
	 * files of a table whose writer protocol we do not understand */
	if ((rc = dlt_log__check_writer_protocol(&snap->protocol, &snap->metadata, err)) < 0) {
		dlt_error_prefix(err, "vacuum");
		goto done;
	}
	table_ret = dlt_log__conf_interval_ms(snap, "delta.deletedFileRetentionDuration",
	                                      7 * DLT_LOG_DAY_MS);
	ret = o.retention_hours >= 0 ? (int64_t)(o.retention_hours * 3600000.0) : table_ret;
	if (o.enforce_retention && ret < table_ret) {
		rc = dlt_error_set(err, DLT_EINVAL,
		                   "vacuum: retention of %g hours is shorter than the table's "
		                   "delta.deletedFileRetentionDuration (%g hours): readers of older "
		                   "versions and running writers could lose files; set "
		                   "enforce_retention = 0 to override", (double)ret / 3600000.0,
		                   (double)table_ret / 3600000.0);
		goto done;
	}
	now = dlt_log__now_ms();
	memset(&sc, 0, sizeof(sc));
	sc.cutoff = now - ret;
	for (size_t i = 0; i < snap->n_files && rc >= 0; i++)
		rc = ks_add_file(&valid, &snap->files[i], err);
	for (size_t i = 0; i < snap->n_tombstones && rc >= 0; i++)
		if (snap->tombstones[i].modification_time > sc.cutoff)
			rc = ks_add_file(&valid, &snap->tombstones[i], err);
	if (rc < 0)
		goto done;
	if (valid.n)
		qsort(valid.k, valid.n, sizeof(*valid.k), cmp_str);
	if (!(res = dlt_calloc(1, sizeof(*res)))) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto done;
	}
	res->dry_run = o.dry_run != 0;
	sc.valid = &valid;
	sc.snap = snap;
	sc.res = res;
	sc.err = err;
	if ((rc = dlt_storage_list(snap->root->storage, "", NULL, list_cb, &sc, err)) < 0 ||
	    (rc = sc.rc) < 0)
		goto done;
	if (!o.dry_run) {
		if (o.log_commits) {
			static const char *const names[] = { "numFilesToDelete", "sizeOfDataToDelete" };
			int64_t vals[2] = { (int64_t)res->n, res->bytes };
			if (o.retention_hours >= 0)
				snprintf(params, sizeof(params), "{\"retentionCheckEnabled\":%s,"
				         "\"defaultRetentionMillis\":%" PRId64 ",\"specifiedRetentionMillis\":%"
				         PRId64 "}", o.enforce_retention ? "true" : "false", table_ret, ret);
			else
				snprintf(params, sizeof(params), "{\"retentionCheckEnabled\":%s,"
				         "\"defaultRetentionMillis\":%" PRId64 "}",
				         o.enforce_retention ? "true" : "false", table_ret);
			if ((rc = vacuum_commit(snap, "VACUUM START", params, names, vals, 2, err)) < 0)
				goto done;
		}
		int64_t deleted = 0;
		for (size_t i = 0; i < res->n && rc >= 0; i++) {
			if ((rc = dlt_storage_delete(snap->root->storage, res->paths[i], err)) < 0)
				dlt_error_prefix(err, "vacuum: deleting %s", res->paths[i]);
			else
				deleted++;
		}
		if (o.log_commits) {
			static const char *const names[] = { "numDeletedFiles", "numVacuumedDirectories" };
			int64_t vals[2] = { deleted, 0 };
			dlt_snapshot *cur = NULL;
			dlt_error e2;
			int rc2 = dlt_table_snapshot(&cur, table, -1, &e2);
			if (rc2 >= 0)
				rc2 = vacuum_commit(cur, "VACUUM END", rc < 0 ? "{\"status\":\"FAILED\"}"
				                                              : "{\"status\":\"COMPLETED\"}",
				                    names, vals, 2, &e2);
			dlt_snapshot_free(cur);
			if (rc >= 0 && rc2 < 0) {
				rc = rc2;
				if (err)
					*err = e2;
			}
		}
		if (rc < 0)
			goto done;
	}
	if (out) {
		*out = res;
		res = NULL;
	}
	rc = DLT_OK;
done:
	dlt_vacuum_result_free(res);
	ks_dispose(&valid);
	dlt_snapshot_free(snap);
	return rc;
}
