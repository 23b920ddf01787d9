/* Log segment (PROTOCOL.md#checkpoints, #log-compaction-files,
 * #last-checkpoint-file): which checkpoint and commits make up a version. */
#include "log/log.h"
#include "log/ckpt.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ent_kind { E_COMMIT, E_CLASSIC, E_MULTI, E_V2, E_COMPACT };

typedef struct ent {
	enum ent_kind kind;
	int64_t version, end;
	int part, nparts;
	dlt_log_fileref ref;
} ent;

typedef struct listing {
	ent *e;
	size_t n, cap;
	int rc;
	dlt_error *err;
} listing;

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int64_t parse_ver(const char *s, size_t n)
{
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Classify a name directly under _delta_log/; false if not a log file. */
static bool classify(const char *name, ent *e)
{
	size_t n = strlen(name);
	memset(e, 0, sizeof(*e));
	if (n < 21 || !digits(name, 20) || name[20] != '.')
		return false;
	e->version = parse_ver(name, 20);
	e->end = e->version;
	if (e->version < 0)
		return false;
	const char *r = name + 21;
	if (strcmp(r, "json") == 0) {
		e->kind = E_COMMIT;
		return true;
	}
	if (strlen(r) == 20 + strlen(".compacted.json") && digits(r, 20) &&
	    strcmp(r + 20, ".compacted.json") == 0) {
		e->kind = E_COMPACT;
		e->end = parse_ver(r, 20);
		return e->end > e->version;
	}
	if (strncmp(r, "checkpoint.", 11) != 0)
		return false;
	r += 11;
	if (strcmp(r, "parquet") == 0) {
		e->kind = E_CLASSIC;
		return true;
	}
	if (strlen(r) == 10 + 1 + 10 + 8 && digits(r, 10) && r[10] == '.' && digits(r + 11, 10) &&
	    strcmp(r + 21, ".parquet") == 0) {
		e->kind = E_MULTI;
		e->part = (int)parse_ver(r, 10);
		e->nparts = (int)parse_ver(r + 11, 10);
		return e->part >= 1 && e->nparts >= 1 && e->part <= e->nparts;
	}
	size_t rl = strlen(r);
	if ((rl > 5 && strcmp(r + rl - 5, ".json") == 0) ||
	    (rl > 8 && strcmp(r + rl - 8, ".parquet") == 0)) {
		if (strchr(r, '.') == r + rl - (r[rl - 1] == 'n' ? 5 : 8)) {
			e->kind = E_V2;
			return true;
		}
	}
	return false;
}

static int list_cb(const dlt_object_meta *m, void *payload)
{
	listing *l = payload;
	const char *name;
	ent e;
	if (m->is_prefix || strncmp(m->key, "_delta_log/", 11) != 0)
		return 0;
	name = m->key + 11;
	if (strchr(name, '/') || !classify(name, &e))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		ent *ne = dlt_realloc(l->e, cap * sizeof(*ne));
		if (!ne)
			return l->rc = dlt_error_set(l->err, DLT_ENOMEM, "out of memory");
		l->e = ne;
		l->cap = cap;
	}
	e.ref.key = dlt_strdup(m->key);
	if (!e.ref.key)
		return l->rc = dlt_error_set(l->err, DLT_ENOMEM, "out of memory");
	e.ref.size = m->size;
	e.ref.mtime_ms = m->mtime_ms;
	e.ref.version = e.version;
	e.ref.end_version = e.end;
	l->e[l->n++] = e;
	return 0;
}

static void listing_dispose(listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		dlt_free(l->e[i].ref.key);
	dlt_free(l->e);
	memset(l, 0, sizeof(*l));
}

static int do_list(listing *l, dlt_storage *st, const char *start_after, dlt_error *err)
{
	dlt_list_options lo = DLT_LIST_OPTIONS_INIT;
	int rc;
	lo.start_after = start_after;
	lo.recursive = 0;
	l->err = err;
	l->rc = 0;
	rc = dlt_storage_list(st, "_delta_log/", &lo, list_cb, l, err);
	if (l->rc < 0)
		return l->rc;
	return rc;
}

/* _last_checkpoint: {"version": v, "size": n, "parts": p, ...}. Returns the
 * version, or -1 when missing or unusable (it is only a hint). */
static int64_t read_last_checkpoint(dlt_storage *st)
{
	dlt_bytes b = DLT_BYTES_INIT;
	dlt_error e;
	json_error_t je;
	json_t *root, *v;
	int64_t ver = -1;
	if (dlt_storage_get(&b, st, "_delta_log/_last_checkpoint", &e) < 0)
		return -1;
	root = json_loadb((const char *)b.data, b.len, 0, &je);
	dlt_bytes_dispose(&b);
	if (!root)
		return -1;
	v = json_object_get(root, "version");
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		ver = (int64_t)json_integer_value(v);
	json_decref(root);
	return ver;
}

int64_t dlt_log__last_checkpoint_hint(dlt_storage *st)
{
	return read_last_checkpoint(st);
}

static int cmp_ent(const void *a, const void *b)
{
	const ent *x = a, *y = b;
	if (x->version != y->version)
		return x->version < y->version ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcmp(x->ref.key, y->ref.key);
}

static int take_ref(dlt_log_fileref *dst, const dlt_log_fileref *src)
{
	*dst = *src;
	dst->key = dlt_strdup(src->key);
	return dst->key ? DLT_OK : DLT_ENOMEM;
}

static int push_ref(dlt_log_fileref **arr, size_t *n, const dlt_log_fileref *src)
{
	dlt_log_fileref *na = dlt_realloc(*arr, (*n + 1) * sizeof(*na));
	if (!na)
		return DLT_ENOMEM;
	*arr = na;
	if (take_ref(&na[*n], src) < 0)
		return DLT_ENOMEM;
	(*n)++;
	return DLT_OK;
}

void dlt_log__segment_dispose(dlt_log_segment *seg)
{
	if (!seg)
		return;
	for (size_t i = 0; i < seg->n_checkpoint_parts; i++)
		dlt_free(seg->checkpoint_parts[i].key);
	for (size_t i = 0; i < seg->n_commits; i++)
		dlt_free(seg->commits[i].key);
	for (size_t i = 0; i < seg->n_compactions; i++)
		dlt_free(seg->compactions[i].key);
	dlt_free(seg->checkpoint_parts);
	dlt_free(seg->commits);
	dlt_free(seg->compactions);
	dlt_free(seg->last_commit.key);
	dlt_log_segment z = DLT_LOG_SEGMENT_INIT;
	*seg = z;
}

/* Pick the newest complete checkpoint <= target among entries; fill seg. */
static int choose_checkpoint(dlt_log_segment *seg, const listing *l, int64_t target)
{
	int64_t best = -1;
	size_t best_i = 0;
	enum ent_kind best_kind = E_COMMIT;
	for (size_t i = 0; i < l->n; i++) {
		const ent *e = &l->e[i];
		if (e->version > target || e->version < best)
			continue;
		if (e->kind == E_CLASSIC || e->kind == E_V2) {
			/* prefer v2 (UUID) over classic at the same version */
			if (e->version > best || (best_kind != E_V2 && e->kind == E_V2) ||
			    best_kind == E_MULTI) {
				best = e->version;
				best_i = i;
				best_kind = e->kind;
			}
		} else if (e->kind == E_MULTI && e->part == 1 && (e->version > best)) {
			/* complete only if parts 1..n of the same n are all listed */
			int have = 0;
			for (size_t j = 0; j < l->n; j++) {
				const ent *f = &l->e[j];
				if (f->kind == E_MULTI && f->version == e->version &&
				    f->nparts == e->nparts && f->part == have + 1)
					have++;
			}
			if (have == e->nparts) {
				best = e->version;
				best_i = i;
				best_kind = E_MULTI;
			}
		}
	}
	if (best < 0)
		return DLT_OK;
	seg->checkpoint_version = best;
	if (best_kind == E_MULTI) {
		seg->checkpoint_kind = DLT_LOG_CKPT_MULTI;
		int nparts = l->e[best_i].nparts, want = 1;
		for (size_t j = 0; j < l->n && want <= nparts; j++) {
			const ent *f = &l->e[j];
			if (f->kind == E_MULTI && f->version == best && f->nparts == nparts &&
			    f->part == want) {
				if (push_ref(&seg->checkpoint_parts, &seg->n_checkpoint_parts, &f->ref) < 0)
					return DLT_ENOMEM;
				want++;
			}
		}
		return DLT_OK;
	}
	const char *k = l->e[best_i].ref.key;
	if (best_kind == E_CLASSIC)
		seg->checkpoint_kind = DLT_LOG_CKPT_CLASSIC;
	else
		seg->checkpoint_kind = strcmp(k + strlen(k) - 5, ".json") == 0
		                               ? DLT_LOG_CKPT_V2_JSON : DLT_LOG_CKPT_V2_PARQUET;
	return push_ref(&seg->checkpoint_parts, &seg->n_checkpoint_parts, &l->e[best_i].ref);
}

static const ent *find_commit(const listing *l, int64_t v)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const ent *e = &l->e[mid];
		if (e->version < v || (e->version == v && e->kind < E_COMMIT))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < l->n && l->e[lo].version == v && l->e[lo].kind == E_COMMIT)
		return &l->e[lo];
	return NULL;
}

int dlt_log__find_segment(dlt_log_segment *out, dlt_storage *st, int64_t version,
                          int64_t start_after, dlt_error *err)
{
	listing l;
	char sa[64];
	int64_t hint = -1, target = -1;
	int rc = DLT_OK;
	bool hinted = false;

	memset(&l, 0, sizeof(l));
	dlt_log__segment_dispose(out);
	if (start_after >= 0) {
		snprintf(sa, sizeof(sa), "_delta_log/%020" PRId64 ".~", start_after);
		if ((rc = do_list(&l, st, sa, err)) < 0)
			goto done;
	} else {
		hint = read_last_checkpoint(st);
		if (hint >= 0 && (version < 0 || version >= hint)) {
			snprintf(sa, sizeof(sa), "_delta_log/%020" PRId64, hint);
			if ((rc = do_list(&l, st, sa, err)) < 0)
				goto done;
			hinted = true;
		} else if ((rc = do_list(&l, st, NULL, err)) < 0) {
			goto done;
		}
	}
	for (;;) {
		if (l.n)
			qsort(l.e, l.n, sizeof(*l.e), cmp_ent);
		target = -1;
		for (size_t i = 0; i < l.n; i++)
			if (l.e[i].kind != E_COMPACT && l.e[i].version > target)
				target = l.e[i].version;
		if (start_after >= 0 && target < 0)
			target = start_after;
		if (version >= 0) {
			if (version > target && !(hinted && target < 0)) {
				rc = dlt_error_set(err, DLT_ENOTFOUND,
				                   "version %" PRId64 " does not exist (latest is %" PRId64 ")",
				                   version, target);
				goto done;
			}
			target = version;
		}
		if (start_after >= 0)
			break;
		rc = choose_checkpoint(out, &l, target);
		if (rc < 0)
			goto oom;
		/* The hint is only a hint: if its checkpoint is not there (or is
		 * incomplete), forget it and look at the whole log. */
		if (hinted && (out->checkpoint_version < hint || target < 0)) {
			dlt_log__segment_dispose(out);
			listing_dispose(&l);
			hinted = false;
			if ((rc = do_list(&l, st, NULL, err)) < 0)
				goto done;
			continue;
		}
		break;
	}
	if (target < 0) {
		rc = dlt_error_set(err, DLT_ENOTFOUND, "no delta log: _delta_log/ has no commit or "
		                   "checkpoint");
		goto done;
	}
	out->version = target;
	{
		int64_t first = start_after >= 0 ? start_after + 1 : out->checkpoint_version + 1;
		if (out->checkpoint_version < 0 && start_after < 0 && !find_commit(&l, 0)) {
			rc = dlt_error_set(err, DLT_ENOTFOUND,
			                   "cannot build version %" PRId64 ": commit 0 is gone and no "
			                   "checkpoint covers it", target);
			goto done;
		}
		/* usable compaction files: inside (checkpoint, target], non-overlapping */
		int64_t v = first;
		while (v <= target) {
			const ent *best = NULL;
			for (size_t i = 0; i < l.n; i++) {
				const ent *e = &l.e[i];
				if (e->kind == E_COMPACT && e->version == v && e->end <= target &&
				    (!best || e->end > best->end))
					best = e;
			}
			if (best && start_after < 0) {
				if (push_ref(&out->compactions, &out->n_compactions, &best->ref) < 0)
					goto oom;
				v = best->end + 1;
				continue;
			}
			const ent *c = find_commit(&l, v);
			if (!c) {
				rc = dlt_error_set(err, DLT_ECORRUPT,
				                   "log has a gap: commit %020" PRId64 ".json is missing "
				                   "(needed for version %" PRId64 ")", v, target);
				dlt_error_set_path(err, "_delta_log/");
				goto done;
			}
			v++;
		}
		/* every commit after the checkpoint (also those a compaction covers:
		 * CDF and timestamps use them) */
		for (v = first; v <= target; v++) {
			const ent *c = find_commit(&l, v);
			if (c && push_ref(&out->commits, &out->n_commits, &c->ref) < 0)
				goto oom;
		}
		const ent *lc = find_commit(&l, target);
		if (lc && take_ref(&out->last_commit, &lc->ref) < 0)
			goto oom;
	}
	rc = DLT_OK;
	goto done;
oom:
	rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
done:
	if (rc < 0)
		dlt_log__segment_dispose(out);
	listing_dispose(&l);
	return rc;
}

/* Commits after `from` found one by one with head() instead of a listing
 * (a listing of _delta_log/ costs as much as the whole log is long; a head
 * costs one lookup). See log.h. */
int dlt_log__probe_segment(dlt_log_segment *out, dlt_storage *st, int64_t version,
                           int64_t from, const dlt_log_fileref *from_ref, int max_probes)
{
	dlt_object_meta m;
	dlt_log_fileref ref;
	dlt_error e;
	char key[64];
	int64_t v;

	dlt_log__segment_dispose(out);
	if (from < 0 || max_probes < 1 || (version >= 0 && version - from > max_probes))
		return 0;
	for (v = from + 1; version < 0 || v <= version; v++) {
		if (v - from > max_probes)
			goto fallback;
		snprintf(key, sizeof(key), "_delta_log/%020" PRId64 ".json", v);
		if (dlt_storage_head(&m, st, key, &e) < 0) {
			if (version >= 0 || e.code != DLT_ENOTFOUND)
				goto fallback;
			break;
		}
		ref.key = key;
		ref.size = m.size;
		ref.mtime_ms = m.mtime_ms;
		ref.version = ref.end_version = v;
		if (push_ref(&out->commits, &out->n_commits, &ref) < 0)
			goto fallback;
	}
	if (out->n_commits == 0) {
		/* Nothing newer: only trust that when `from` itself is still there
		 * unchanged (cleaned up or rewritten logs need the listing). */
		snprintf(key, sizeof(key), "_delta_log/%020" PRId64 ".json", from);
		if (dlt_storage_head(&m, st, key, &e) < 0 ||
		    (from_ref && from_ref->key &&
		     (m.size != from_ref->size || m.mtime_ms != from_ref->mtime_ms)))
			goto fallback;
		out->version = from;
		return 1;
	}
	out->version = out->commits[out->n_commits - 1].version;
	if (take_ref(&out->last_commit, &out->commits[out->n_commits - 1]) < 0)
		goto fallback;
	return 1;
fallback:
	dlt_log__segment_dispose(out);
	return 0;
}
