/* Metadata cleanup (PROTOCOL.md#metadata-cleanup): drop log files of
 * versions that no retained version needs. The boundary is the newest
 * complete checkpoint not newer than the newest commit older than the
 * retention: from that checkpoint on, every version can still be built. */
#include "log/log.h"
#include "log/ckpt.h"
#include "log/ckpt_write.h"

#include "deltalite/maintenance.h"

#include <stdio.h>
#include <string.h>

typedef struct lent {
	char *key;
	int64_t version, end;  /* end: compaction end version, else = version */
	int64_t mtime;
	bool commit, checkpoint, v2;
} lent;

typedef struct lcol {
	lent *e;
	size_t n, cap;
	int rc;
	dlt_error *err;
} lcol;

static void lcol_dispose(lcol *l)
{
	for (size_t i = 0; i < l->n; i++)
		dlt_free(l->e[i].key);
	dlt_free(l->e);
	memset(l, 0, sizeof(*l));
}

static bool digits20(const char *s)
{
	for (int i = 0; i < 20; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int64_t ver20(const char *s)
{
	int64_t v = 0;
	for (int i = 0; i < 20; i++) {
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int push(lcol *l, const lent *e)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		lent *ne = dlt_realloc(l->e, cap * sizeof(*ne));
		if (!ne)
			return DLT_ENOMEM;
		l->e = ne;
		l->cap = cap;
	}
	l->e[l->n++] = *e;
	return DLT_OK;
}

/* Version-named files directly under _delta_log/ (commits, checkpoints of
 * every kind, .crc, compactions). */
static int log_cb(const dlt_object_meta *m, void *payload)
{
	lcol *l = payload;
	const char *name;
	lent e;
	size_t n;
	if (m->is_prefix || strncmp(m->key, "_delta_log/", 11) != 0)
		return 0;
	name = m->key + 11;
	n = strlen(name);
	if (strchr(name, '/') || n < 22 || !digits20(name) || name[20] != '.')
		return 0;
	memset(&e, 0, sizeof(e));
	e.version = e.end = ver20(name);
	if (e.version < 0)
		return 0;
	const char *r = name + 21;
	if (strcmp(r, "json") == 0) {
		e.commit = true;
	} else if (strncmp(r, "checkpoint.", 11) == 0) {
		e.checkpoint = true;
		e.v2 = strcmp(r, "checkpoint.parquet") != 0;
	} else if (strlen(r) == 20 + 15 && digits20(r) && strcmp(r + 20, ".compacted.json") == 0) {
		e.end = ver20(r);
	} else if (strcmp(r, "crc") != 0) {
		return 0;
	}
	e.mtime = m->mtime_ms;
	if (!(e.key = dlt_strdup(m->key)) || push(l, &e) < 0) {
		dlt_free(e.key);
		return l->rc = dlt_error_set(l->err, DLT_ENOMEM, "out of memory");
	}
	return 0;
}

static int sidecar_cb(const dlt_object_meta *m, void *payload)
{
	lcol *l = payload;
	lent e;
	if (m->is_prefix || strncmp(m->key, "_delta_log/_sidecars/", 21) != 0)
		return 0;
	memset(&e, 0, sizeof(e));
	e.mtime = m->mtime_ms;
	if (!(e.key = dlt_strdup(m->key)) || push(l, &e) < 0) {
		dlt_free(e.key);
		return l->rc = dlt_error_set(l->err, DLT_ENOMEM, "out of memory");
	}
	return 0;
}

typedef struct refs {
	char **names;
	size_t n, cap;
} refs;

static int ref_cb(const dlt_log_action *a, void *payload, dlt_error *err)
{
	refs *r = payload;
	const char *p;
	if (a->kind != DLT_LOG_SIDECAR)
		return DLT_OK;
	p = strrchr(a->file.path, '/');
	p = p ? p + 1 : a->file.path;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		char **nn = dlt_realloc(r->names, cap * sizeof(*nn));
		if (!nn)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		r->names = nn;
		r->cap = cap;
	}
	if (!(r->names[r->n] = dlt_strdup(p)))
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	r->n++;
	return DLT_OK;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

int dlt_log__cleanup_expired(dlt_log_cleanup_info *out, dlt_snapshot *snap, int64_t now_ms,
                             int64_t retention_ms, dlt_error *err)
{
	dlt_storage *st;
	dlt_log_segment seg = DLT_LOG_SEGMENT_INIT;
	dlt_log_cleanup_info info = { 0, 0, -1 };
	lcol l, sc;
	refs rf = { NULL, 0, 0 };
	dlt_list_options lo = DLT_LIST_OPTIONS_INIT;
	int64_t cutoff, cutoff_commit = -1, keep_from;
	int rc;

	DLT_ARG_CHECK(snap != NULL, err);
	memset(&l, 0, sizeof(l));
	memset(&sc, 0, sizeof(sc));
	l.err = sc.err = err;
	st = snap->root->storage;
	if (now_ms <= 0)
		now_ms = dlt_log__now_ms();
	if (retention_ms < 0)
		retention_ms = dlt_log__conf_interval_ms(snap, "delta.logRetentionDuration",
		                                         30 * DLT_LOG_DAY_MS);
	cutoff = now_ms - retention_ms;
	lo.recursive = 0;
	if ((rc = dlt_storage_list(st, "_delta_log/", &lo, log_cb, &l, err)) < 0 ||
	    (rc = l.rc) < 0)
		goto done;
	/* the newest commit (up to the snapshot) older than the cutoff */
	for (size_t i = 0; i < l.n; i++)
		if (l.e[i].commit && l.e[i].version <= snap->version && l.e[i].mtime <= cutoff &&
		    l.e[i].version > cutoff_commit)
			cutoff_commit = l.e[i].version;
	if (cutoff_commit < 0)
		goto report;
	/* the newest complete checkpoint not newer than it */
	if ((rc = dlt_log__find_segment(&seg, st, cutoff_commit, -1, err)) < 0) {
		if (rc == DLT_ENOTFOUND || rc == DLT_ECORRUPT) {
			rc = DLT_OK; /* nothing we can prove safe to delete */
			if (err)
				dlt_error_clear(err);
		}
		goto done;
	}
	keep_from = seg.checkpoint_version;
	if (keep_from <= 0)
		goto report;
	info.oldest_version_kept = keep_from;
	for (size_t i = 0; i < l.n; i++) {
		lent *e = &l.e[i];
		if (e->end >= keep_from)
			continue;
		if ((rc = dlt_storage_delete(st, e->key, err)) < 0)
			goto done;
		info.n_deleted++;
	}
	/* sidecars: keep those a retained v2 checkpoint references, and young ones
	 * (a checkpoint being written may be about to reference them) */
	if ((rc = dlt_storage_list(st, "_delta_log/_sidecars/", NULL, sidecar_cb, &sc, err)) < 0 ||
	    (rc = sc.rc) < 0)
		goto done;
	if (sc.n == 0)
		goto report;
	for (size_t i = 0; i < l.n; i++) {
		lent *e = &l.e[i];
		if (!e->checkpoint || !e->v2 || e->version < keep_from)
			continue;
		rc = ends_with(e->key, ".json") ? dlt_log__read_json_actions(st, e->key, ref_cb, &rf, err)
		                                : dlt_log__read_parquet_actions(st, e->key, ref_cb, &rf,
		                                                                err);
		if (rc < 0)
			goto done;
	}
	for (size_t i = 0; i < sc.n; i++) {
		const char *name = sc.e[i].key + 21;
		bool used = false;
		for (size_t k = 0; k < rf.n && !used; k++)
			used = strcmp(rf.names[k], name) == 0;
		if (used || sc.e[i].mtime > cutoff)
			continue;
		if ((rc = dlt_storage_delete(st, sc.e[i].key, err)) < 0)
			goto done;
		info.n_sidecars_deleted++;
	}
report:
	rc = DLT_OK;
done:
	if (out)
		*out = info;
	for (size_t i = 0; i < rf.n; i++)
		dlt_free(rf.names[i]);
	dlt_free(rf.names);
	lcol_dispose(&l);
	lcol_dispose(&sc);
	dlt_log__segment_dispose(&seg);
	if (rc < 0)
		dlt_error_prefix(err, "log cleanup");
	return rc;
}

/* ------------------------------------------------------------ public -- */

int dlt_cleanup_options_init(dlt_cleanup_options *opts, unsigned int version)
{
	dlt_cleanup_options d = DLT_CLEANUP_OPTIONS_INIT;
	if (!opts || version != DLT_CLEANUP_OPTIONS_VERSION)
		return DLT_EINVAL;
	*opts = d;
	return DLT_OK;
}

int dlt_table_cleanup_log(int64_t *deleted_out, dlt_table *table,
                          const dlt_cleanup_options *opts, dlt_error *err)
{
	dlt_snapshot *snap = NULL;
	dlt_log_cleanup_info info;
	int64_t ret = -1;
	int rc;

	DLT_ARG_CHECK(table != NULL, err);
	DLT_ARG_CHECK(opts == NULL || opts->version >= 1, err);
	if (deleted_out)
		*deleted_out = 0;
	if (opts && opts->retention_hours >= 0) {
		if (opts->retention_hours > 1e9)
			return dlt_error_set(err, DLT_EINVAL, "log cleanup: retention of %g hours is "
			                     "too large", opts->retention_hours);
		ret = (int64_t)(opts->retention_hours * 3600000.0);
	}
	if ((rc = dlt_table_snapshot(&snap, table, -1, err)) < 0)
		return rc;
	rc = dlt_log__cleanup_expired(&info, snap, 0, ret, err);
	dlt_snapshot_free(snap);
	if (rc >= 0 && deleted_out)
		*deleted_out = info.n_deleted + info.n_sidecars_deleted;
	return rc;
}
