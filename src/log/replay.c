/* Action reconciliation (PROTOCOL.md#action-reconciliation): replay a log
 * segment into a snapshot. Files are keyed by (path, deletion vector unique
 * id); the newest action per key wins; latest protocol/metaData win; txn per
 * appId; domain metadata per domain (removed ones dropped). */
#include "log/log.h"
#include "log/arena.h"
#include "log/ckpt.h"
#include "arrow/arrow.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REC_ADD 0x80000000u
#define REC_DEAD 0x40000000u /* checkpoint record superseded by a later commit */

typedef struct replay {
	dlt_snapshot *snap;
	dlt_log_arena *ar;
	dlt_log_file *recs;
	uint32_t *epoch;
	uint32_t *hash;  /* key hash of each record (high 32 bits) */
	size_t n, cap;
	uint64_t *map;   /* (hash << 32) | (index + 1); 0 empty */
	size_t map_cap;
	/* txns / domains: small vectors with epochs */
	dlt_log_txn *txns;
	uint32_t *txn_epoch;
	size_t n_txns, cap_txns;
	dlt_log_domain *doms;
	bool *dom_removed;
	uint32_t *dom_epoch;
	size_t n_doms, cap_doms;
	bool have_protocol, have_metadata;
	uint32_t protocol_epoch, metadata_epoch;
	uint32_t cur_epoch;   /* epoch of the file being applied */
	bool first_wins;      /* compaction file: first action per key wins */
	/* checkpoint: sidecars to read after */
	char **sidecars;
	size_t n_sidecars;
	bool in_checkpoint;
	/* A checkpoint is reconciled (one action per key): read into a fresh
	 * replay, its records are appended without the key map (nomap) and only
	 * records [unmapped, n) of the later commits are mapped; at the end each
	 * checkpoint record is probed in that small map (drop_superseded). */
	bool nomap;
	size_t unmapped;
	int64_t last_ict;     /* inCommitTimestamp of the last commit applied; -1 */
	int64_t last_ict_version;
	int64_t cur_version;
	dlt_error *err;
} replay;

static int oom(dlt_error *err)
{
	return dlt_error_set(err, DLT_ENOMEM, "out of memory");
}

#define HK 0x9e3779b97f4a7c15ull

/* A word-at-a-time hash of n bytes (internal only: the byte order of the
 * machine changes the values, never the results). */
static uint64_t hash_bytes(const char *s, size_t n, uint64_t h)
{
	uint64_t w;
	while (n >= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * HK;
		h ^= h >> 31;
		s += 8;
		n -= 8;
	}
	w = 0;
	memcpy(&w, s, n);
	h = (h ^ w ^ ((uint64_t)n << 59)) * HK;
	return h ^ (h >> 29);
}

/* The key: (path, DV unique id). Returns the hash's high 32 bits. */
static uint32_t key_hash(const dlt_log_file *f)
{
	uint64_t h = hash_bytes(f->path, strlen(f->path), 0x243f6a8885a308d3ull);
	if (f->dv.storage_type) {
		const char *p = f->dv.path_or_inline_dv ? f->dv.path_or_inline_dv : "";
		h = hash_bytes(p, strlen(p), h ^ (uint64_t)(unsigned char)f->dv.storage_type);
		h ^= (uint64_t)(uint32_t)f->dv.offset * HK;
	}
	h *= HK;
	return (uint32_t)(h >> 32);
}

static bool key_eq(const dlt_log_file *a, const dlt_log_file *b)
{
	if (strcmp(a->path, b->path) != 0 || a->dv.storage_type != b->dv.storage_type)
		return false;
	if (!a->dv.storage_type)
		return true;
	return a->dv.offset == b->dv.offset &&
	       strcmp(a->dv.path_or_inline_dv ? a->dv.path_or_inline_dv : "",
	              b->dv.path_or_inline_dv ? b->dv.path_or_inline_dv : "") == 0;
}

/* Rehash into a table of at least `want` slots (a power of two). */
static int map_resize(replay *r, size_t want)
{
	size_t ncap = r->map_cap ? r->map_cap : 1024;
	while (ncap < want) {
		if (ncap > SIZE_MAX / 2 / sizeof(uint64_t))
			return oom(r->err);
		ncap *= 2;
	}
	if (ncap == r->map_cap)
		return DLT_OK;
	uint64_t *nm = dlt_calloc(ncap, sizeof(*nm));
	if (!nm)
		return oom(r->err);
	for (size_t i = r->unmapped; i < r->n; i++) {
		size_t j = (size_t)r->hash[i] & (ncap - 1);
		while (nm[j])
			j = (j + 1) & (ncap - 1);
		nm[j] = ((uint64_t)r->hash[i] << 32) | (uint64_t)(i + 1);
	}
	dlt_free(r->map);
	r->map = nm;
	r->map_cap = ncap;
	return DLT_OK;
}

static int map_grow(replay *r)
{
	return map_resize(r, r->map_cap ? r->map_cap * 2 : 1024);
}

static int recs_reserve(replay *r, size_t cap)
{
	if (cap <= r->cap)
		return DLT_OK;
	if (cap > UINT32_MAX - 1)
		return dlt_error_set(r->err, DLT_ELIMIT, "more than 2^32 files in the log");
	dlt_log_file *nr = dlt_realloc(r->recs, cap * sizeof(*nr));
	if (!nr)
		return oom(r->err);
	r->recs = nr;
	uint32_t *ne = dlt_realloc(r->epoch, cap * sizeof(*ne));
	if (!ne)
		return oom(r->err);
	r->epoch = ne;
	uint32_t *nh = dlt_realloc(r->hash, cap * sizeof(*nh));
	if (!nh)
		return oom(r->err);
	r->hash = nh;
	r->cap = cap;
	return DLT_OK;
}

/* Room for `more` files without regrowing (a hint: capped, never required). */
static int replay_reserve(replay *r, int64_t more)
{
	int rc;
	if (more <= 0)
		return DLT_OK;
	if (more > (int64_t)1 << 27)
		more = (int64_t)1 << 27;
	size_t want = r->n + (size_t)more;
	if ((rc = recs_reserve(r, want)) < 0)
		return rc;
	if (r->nomap)
		return DLT_OK;
	return map_resize(r, (want - r->unmapped) * 2 + 2);
}

/* Slot for key f: existing record index or -1 with *slot set for insert. */
static int64_t map_find(replay *r, const dlt_log_file *f, uint32_t h, size_t *slot)
{
	size_t j = (size_t)h & (r->map_cap - 1);
	uint64_t e;
	while ((e = r->map[j]) != 0) {
		if ((uint32_t)(e >> 32) == h) {
			size_t i = (size_t)(uint32_t)e - 1;
			if (key_eq(&r->recs[i], f))
				return (int64_t)i;
		}
		j = (j + 1) & (r->map_cap - 1);
	}
	*slot = j;
	return -1;
}

/* Copy a borrowed file into storage owned by arena a; false on ENOMEM. */
static bool own_file_in(dlt_log_arena *a, dlt_log_file *dst, const dlt_log_file *src,
                        bool is_add, bool arena_owned)
{
	bool ok = true;
	*dst = *src;
	if (!arena_owned)
		dst->path = dlt_log__arena_strdup(a, src->path, &ok);
	dst->partition_values = dlt_log__arena_intern_kvs(a, src->partition_values->kv,
	                                                  src->partition_values->n, &ok);
	dst->stats = !is_add ? NULL : arena_owned ? src->stats
	                                          : dlt_log__arena_strdup(a, src->stats, &ok);
	dst->tags = src->tags && src->tags->n && is_add
	                    ? dlt_log__arena_copy_kvs(a, src->tags->kv, src->tags->n, &ok)
	                    : NULL;
	dst->dv.path_or_inline_dv = dlt_log__arena_strdup(a, src->dv.path_or_inline_dv, &ok);
	dst->clustering_provider = dlt_log__arena_intern(a, src->clustering_provider, &ok);
	if (is_add)
		dst->flags |= REC_ADD;
	else
		dst->flags &= ~REC_ADD;
	return ok;
}

/* Copy a borrowed file into r's arena. */
static int own_file(replay *r, dlt_log_file *dst, const dlt_log_file *src, bool is_add,
                    bool arena_owned)
{
	return own_file_in(r->ar, dst, src, is_add, arena_owned) ? DLT_OK : oom(r->err);
}

/* owned: f is a record of a base snapshot (kept as is); arena_owned: its
 * path and stats are already in r->ar (checkpoint reader), the rest is copied. */
static int put_file(replay *r, const dlt_log_file *f, bool is_add, bool owned,
                    bool arena_owned)
{
	size_t slot = 0;
	int64_t i;
	int rc;
	uint32_t h = key_hash(f);
	if (r->nomap) {
		if (r->n == r->cap && (rc = recs_reserve(r, r->cap ? r->cap * 2 : 1024)) < 0)
			return rc;
		if ((rc = own_file(r, &r->recs[r->n], f, is_add, arena_owned)) < 0)
			return rc;
		r->epoch[r->n] = r->cur_epoch;
		r->hash[r->n++] = h;
		return DLT_OK;
	}
	if ((r->n - r->unmapped + 1) * 2 > r->map_cap && (rc = map_grow(r)) < 0)
		return rc;
	i = map_find(r, f, h, &slot);
	if (i >= 0) {
		if (r->first_wins && r->epoch[i] == r->cur_epoch)
			return DLT_OK;
		const char *keep_path = r->recs[i].path;
		if (owned) {
			r->recs[i] = *f;
		} else {
			dlt_log_file tmp = *f;
			tmp.path = keep_path; /* equal key: reuse the stored path */
			if ((rc = own_file(r, &r->recs[i], &tmp, is_add, arena_owned)) < 0)
				return rc;
			r->recs[i].path = keep_path;
		}
		if (owned)
			r->recs[i].flags = is_add ? (f->flags | REC_ADD) : (f->flags & ~REC_ADD);
		r->epoch[i] = r->cur_epoch;
		return DLT_OK;
	}
	if (r->n == r->cap && (rc = recs_reserve(r, r->cap ? r->cap * 2 : 1024)) < 0)
		return rc;
	if (owned) {
		r->recs[r->n] = *f;
		r->recs[r->n].flags = is_add ? (f->flags | REC_ADD) : (f->flags & ~REC_ADD);
	} else if ((rc = own_file(r, &r->recs[r->n], f, is_add, arena_owned)) < 0) {
		return rc;
	}
	r->epoch[r->n] = r->cur_epoch;
	r->hash[r->n] = h;
	r->map[slot] = ((uint64_t)h << 32) | (uint64_t)(r->n + 1);
	r->n++;
	return DLT_OK;
}

static int set_protocol(replay *r, const dlt_log_protocol *p)
{
	bool ok = true;
	dlt_log_protocol *d = &r->snap->protocol;
	const char **rf = NULL, **wf = NULL;
	if (r->first_wins && r->have_protocol && r->protocol_epoch == r->cur_epoch)
		return DLT_OK;
	*d = *p;
	if (p->n_reader_features &&
	    !(rf = dlt_log__arena_alloc(r->ar, p->n_reader_features * sizeof(*rf))))
		return oom(r->err);
	if (p->n_writer_features &&
	    !(wf = dlt_log__arena_alloc(r->ar, p->n_writer_features * sizeof(*wf))))
		return oom(r->err);
	for (size_t i = 0; i < p->n_reader_features; i++)
		rf[i] = dlt_log__arena_intern(r->ar, p->reader_features[i], &ok);
	for (size_t i = 0; i < p->n_writer_features; i++)
		wf[i] = dlt_log__arena_intern(r->ar, p->writer_features[i], &ok);
	d->reader_features = rf;
	d->writer_features = wf;
	r->have_protocol = true;
	r->protocol_epoch = r->cur_epoch;
	return ok ? DLT_OK : oom(r->err);
}

static int set_metadata(replay *r, const dlt_log_metadata *m)
{
	bool ok = true;
	dlt_log_metadata *d = &r->snap->metadata;
	const char **pc = NULL;
	if (r->first_wins && r->have_metadata && r->metadata_epoch == r->cur_epoch)
		return DLT_OK;
	d->id = dlt_log__arena_strdup(r->ar, m->id, &ok);
	d->name = dlt_log__arena_strdup(r->ar, m->name, &ok);
	d->description = dlt_log__arena_strdup(r->ar, m->description, &ok);
	d->format_provider = dlt_log__arena_strdup(r->ar, m->format_provider, &ok);
	d->schema_string = dlt_log__arena_strdup(r->ar, m->schema_string, &ok);
	d->created_time = m->created_time;
	if (m->n_partition_columns &&
	    !(pc = dlt_log__arena_alloc(r->ar, m->n_partition_columns * sizeof(*pc))))
		return oom(r->err);
	for (size_t i = 0; i < m->n_partition_columns; i++)
		pc[i] = dlt_log__arena_strdup(r->ar, m->partition_columns[i], &ok);
	d->partition_columns = pc;
	d->n_partition_columns = m->n_partition_columns;
	const dlt_log_kvs *c = dlt_log__arena_copy_kvs(r->ar, m->configuration.kv,
	                                               m->configuration.n, &ok);
	const dlt_log_kvs *fo = dlt_log__arena_copy_kvs(r->ar, m->format_options.kv,
	                                                m->format_options.n, &ok);
	if (!ok)
		return oom(r->err);
	d->configuration = *c;
	d->format_options = *fo;
	r->have_metadata = true;
	r->metadata_epoch = r->cur_epoch;
	return DLT_OK;
}

static int set_txn(replay *r, const dlt_log_txn *t)
{
	bool ok = true;
	const char *id = dlt_log__arena_intern(r->ar, t->app_id, &ok);
	if (!ok)
		return oom(r->err);
	for (size_t i = 0; i < r->n_txns; i++) {
		if (r->txns[i].app_id == id) {
			if (r->first_wins && r->txn_epoch[i] == r->cur_epoch)
				return DLT_OK;
			r->txns[i] = *t;
			r->txns[i].app_id = id;
			r->txn_epoch[i] = r->cur_epoch;
			return DLT_OK;
		}
	}
	if (r->n_txns == r->cap_txns) {
		size_t cap = r->cap_txns ? r->cap_txns * 2 : 8;
		dlt_log_txn *nt = dlt_realloc(r->txns, cap * sizeof(*nt));
		if (!nt)
			return oom(r->err);
		r->txns = nt;
		uint32_t *ne = dlt_realloc(r->txn_epoch, cap * sizeof(*ne));
		if (!ne)
			return oom(r->err);
		r->txn_epoch = ne;
		r->cap_txns = cap;
	}
	r->txns[r->n_txns] = *t;
	r->txns[r->n_txns].app_id = id;
	r->txn_epoch[r->n_txns++] = r->cur_epoch;
	return DLT_OK;
}

static int set_domain(replay *r, const dlt_log_domain *d, bool removed)
{
	bool ok = true;
	const char *name = dlt_log__arena_intern(r->ar, d->domain, &ok);
	const char *conf = dlt_log__arena_strdup(r->ar, d->configuration, &ok);
	if (!ok)
		return oom(r->err);
	for (size_t i = 0; i < r->n_doms; i++) {
		if (r->doms[i].domain == name) {
			if (r->first_wins && r->dom_epoch[i] == r->cur_epoch)
				return DLT_OK;
			r->doms[i].configuration = conf;
			r->dom_removed[i] = removed;
			r->dom_epoch[i] = r->cur_epoch;
			return DLT_OK;
		}
	}
	if (r->n_doms == r->cap_doms) {
		size_t cap = r->cap_doms ? r->cap_doms * 2 : 8;
		dlt_log_domain *nd = dlt_realloc(r->doms, cap * sizeof(*nd));
		if (!nd)
			return oom(r->err);
		r->doms = nd;
		bool *nr = dlt_realloc(r->dom_removed, cap * sizeof(*nr));
		if (!nr)
			return oom(r->err);
		r->dom_removed = nr;
		uint32_t *ne = dlt_realloc(r->dom_epoch, cap * sizeof(*ne));
		if (!ne)
			return oom(r->err);
		r->dom_epoch = ne;
		r->cap_doms = cap;
	}
	r->doms[r->n_doms].domain = name;
	r->doms[r->n_doms].configuration = conf;
	r->dom_removed[r->n_doms] = removed;
	r->dom_epoch[r->n_doms++] = r->cur_epoch;
	return DLT_OK;
}

static int on_action(const dlt_log_action *a, void *payload, dlt_error *err)
{
	replay *r = payload;
	(void)err;
	switch (a->kind) {
	case DLT_LOG_ADD:
		return put_file(r, &a->file, true, false, a->arena_owned);
	case DLT_LOG_REMOVE:
		return put_file(r, &a->file, false, false, false);
	case DLT_LOG_PROTOCOL:
		return set_protocol(r, &a->protocol);
	case DLT_LOG_METADATA:
		return set_metadata(r, &a->metadata);
	case DLT_LOG_TXN:
		return set_txn(r, &a->txn);
	case DLT_LOG_DOMAIN_METADATA:
		return set_domain(r, &a->domain, a->removed);
	case DLT_LOG_COMMIT_INFO:
		if (!r->in_checkpoint && !r->first_wins) {
			r->last_ict = a->ict;
			r->last_ict_version = r->cur_version;
		}
		return DLT_OK;
	case DLT_LOG_SIDECAR: {
		if (!r->in_checkpoint)
			return DLT_OK;
		if (a->file.flags & DLT_LOG_FILE_ABSOLUTE)
			return dlt_error_set(r->err, DLT_EUNSUPPORTED,
			                     "sidecar '%s': absolute sidecar paths are not supported",
			                     a->file.path);
		char **ns = dlt_realloc(r->sidecars, (r->n_sidecars + 1) * sizeof(*ns));
		if (!ns)
			return oom(r->err);
		r->sidecars = ns;
		if (!(ns[r->n_sidecars] = dlt_asprintf("_delta_log/_sidecars/%s", a->file.path)))
			return oom(r->err);
		r->n_sidecars++;
		return DLT_OK;
	}
	default:
		return DLT_OK;
	}
}

/* Big log files (a million adds in one commit is 400 MB) are parsed a
 * window at a time: memory stays bounded and is not touched fresh. */
#define JSON_WINDOW ((size_t)4 << 20)

static const char *last_newline(const char *p, size_t n)
{
	while (n > 0)
		if (p[--n] == '\n')
			return p + n;
	return NULL;
}

int dlt_log__read_json_actions(dlt_storage *st, const char *key, dlt_log_action_cb cb,
                               void *payload, dlt_error *err)
{
	dlt_input *in = NULL;
	uint64_t size = 0, off = 0;
	char *buf = NULL;
	size_t cap, have = 0;
	int64_t line = 0;
	int rc = dlt_storage_open_input(&in, st, key, err);
	if (rc < 0) {
		if (rc == DLT_ENOTFOUND)
			dlt_error_set(err, DLT_ENOTFOUND, "log file %s is missing (listed, then gone)",
			              key);
		return rc;
	}
	if ((rc = dlt_input_size(&size, in, err)) < 0)
		goto done;
	cap = size < JSON_WINDOW ? (size_t)size + 1 : JSON_WINDOW;
	if (!(buf = dlt_malloc(cap))) {
		rc = oom(err);
		goto done;
	}
	for (;;) {
		size_t got = 0;
		if ((rc = dlt_input_read_at(in, off, buf + have, cap - have, &got, err)) < 0)
			goto done;
		off += got;
		have += got;
		bool eof = got == 0 || off >= size;
		const char *nl = eof ? buf + have : last_newline(buf, have);
		if (!nl) { /* one line longer than the window: widen it */
			if (cap > SIZE_MAX / 2) {
				rc = oom(err);
				goto done;
			}
			char *nb = dlt_realloc(buf, cap * 2);
			if (!nb) {
				rc = oom(err);
				goto done;
			}
			buf = nb;
			cap *= 2;
			continue;
		}
		size_t whole = (size_t)(nl - buf) + (eof ? 0 : 1);
		if ((rc = dlt_log__parse_actions_lines(buf, whole, key, cb, payload, &line, err)) < 0)
			goto done;
		if (eof)
			break;
		memmove(buf, buf + whole, have - whole);
		have -= whole;
	}
	rc = DLT_OK;
done:
	dlt_free(buf);
	dlt_input_free(in);
	return rc;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && strcmp(s + n - m, suf) == 0;
}

static int on_rows(int64_t rows, void *payload)
{
	return replay_reserve(payload, rows);
}

/* ------------------------------------- checkpoint on two threads -- */

/* A checkpoint is reconciled, so each add or remove is a record of its own:
 * the record of row i goes straight to slot base + i of r->recs, written by
 * whichever consumer has that row, strings in that consumer's arena (taken
 * into r's at the end). Rows without a file action leave dead slots, dropped
 * with the superseded records. The few other actions go to the replay
 * itself, one consumer at a time. */
typedef struct ckpt_par {
	replay *r;
	pthread_mutex_t mu;
	size_t base, rows;
	uint8_t *filled; /* per row */
} ckpt_par;

typedef struct ckpt_sink {
	ckpt_par *p;
	dlt_log_arena *ar;
} ckpt_sink;

static int par_rows(int64_t rows, void *payload)
{
	ckpt_par *p = payload;
	int rc;
	if (rows < 0 || rows > (int64_t)1 << 27)
		return dlt_error_set(p->r->err, DLT_ELIMIT, "checkpoint of %" PRId64 " rows: more "
		                     "than 2^27 (134M) actions in one file", rows);
	if ((uint64_t)rows > UINT32_MAX - 1 - p->r->n)
		return dlt_error_set(p->r->err, DLT_ELIMIT, "more than 2^32 files in the log");
	p->rows = (size_t)rows;
	if ((rc = recs_reserve(p->r, p->base + p->rows)) < 0)
		return rc;
	if (!(p->filled = dlt_calloc(p->rows ? p->rows : 1, 1)))
		return oom(p->r->err);
	return DLT_OK;
}

static int sink_put(ckpt_sink *k, const dlt_log_action *a, bool is_add, dlt_error *err)
{
	ckpt_par *p = k->p;
	replay *r = p->r;
	size_t row = (size_t)(a->line - 1);
	if (a->line < 1 || row >= p->rows)
		return dlt_error_set(err, DLT_ECORRUPT, "checkpoint row %" PRId64 " out of range",
		                     a->line);
	size_t i = p->base + row;
	if (!own_file_in(k->ar, &r->recs[i], &a->file, is_add, is_add && a->arena_owned))
		return oom(err);
	r->hash[i] = key_hash(&a->file);
	r->epoch[i] = r->cur_epoch;
	p->filled[row] = 1;
	return DLT_OK;
}

static int on_action_sink(const dlt_log_action *a, void *payload, dlt_error *err)
{
	ckpt_sink *k = payload;
	int rc;
	if (a->kind == DLT_LOG_ADD || a->kind == DLT_LOG_REMOVE)
		return sink_put(k, a, a->kind == DLT_LOG_ADD, err);
	pthread_mutex_lock(&k->p->mu);
	rc = on_action(a, k->p->r, err);
	if (rc < 0 && err && err != k->p->r->err)
		*err = *k->p->r->err;
	pthread_mutex_unlock(&k->p->mu);
	return rc;
}

static int read_checkpoint_par(replay *r, dlt_storage *st, const char *key)
{
	enum { N = 2 };
	static const dlt_log_kvs no_kvs = { 0, NULL };
	ckpt_par p;
	ckpt_sink ks[N];
	dlt_log_ckpt_consumer cons[N];
	int rc = DLT_OK;
	memset(&p, 0, sizeof(p));
	memset(ks, 0, sizeof(ks));
	p.r = r;
	p.base = r->n;
	if (pthread_mutex_init(&p.mu, NULL) != 0)
		return dlt_log__read_parquet_actions_arena(st, key, on_action, on_rows, r, r->ar,
		                                           r->err);
	for (int i = 0; i < N && rc >= 0; i++) {
		ks[i].p = &p;
		rc = dlt_log__arena_new(&ks[i].ar, r->err);
		cons[i].cb = on_action_sink;
		cons[i].payload = &ks[i];
		cons[i].keep = ks[i].ar;
	}
	if (rc >= 0)
		rc = dlt_log__read_parquet_actions_par(st, key, cons, N, par_rows, &p, r->err);
	if (rc >= 0) {
		/* rows without a file action: dead slots */
		for (size_t i = 0; i < p.rows; i++) {
			if (p.filled[i])
				continue;
			dlt_log_file *f = &r->recs[p.base + i];
			memset(f, 0, sizeof(*f));
			f->path = "";
			f->partition_values = &no_kvs;
			f->flags = REC_DEAD;
			r->hash[p.base + i] = 0;
			r->epoch[p.base + i] = r->cur_epoch;
		}
		r->n = p.base + p.rows;
	}
	for (int i = 0; i < N; i++)
		dlt_log__arena_adopt(r->ar, ks[i].ar); /* also on failure: records may point in */
	dlt_free(p.filled);
	pthread_mutex_destroy(&p.mu);
	return rc;
}

static int apply_checkpoint(replay *r, dlt_storage *st, const dlt_log_segment *seg)
{
	int rc = DLT_OK;
	r->in_checkpoint = true;
	r->cur_epoch++;
	for (size_t i = 0; i < seg->n_checkpoint_parts && rc >= 0; i++) {
		const char *k = seg->checkpoint_parts[i].key;
		if (ends_with(k, ".json"))
			rc = dlt_log__read_json_actions(st, k, on_action, r, r->err);
		else if (r->nomap)
			rc = read_checkpoint_par(r, st, k);
		else
			rc = dlt_log__read_parquet_actions_arena(st, k, on_action, on_rows, r, r->ar,
			                                         r->err);
	}
	for (size_t i = 0; i < r->n_sidecars && rc >= 0; i++) {
		rc = r->nomap ? read_checkpoint_par(r, st, r->sidecars[i])
		              : dlt_log__read_parquet_actions_arena(st, r->sidecars[i], on_action,
		                                                    on_rows, r, r->ar, r->err);
		if (rc == DLT_ENOTFOUND)
			rc = dlt_error_set(r->err, DLT_ECORRUPT,
			                   "checkpoint %s names sidecar %s, which is missing",
			                   seg->checkpoint_parts[0].key, r->sidecars[i]);
	}
	r->in_checkpoint = false;
	return rc;
}

/* Mark the checkpoint records whose key a later commit has (REC_DEAD). */
static void drop_superseded(replay *r)
{
	if (r->n == r->unmapped)
		return;
	for (size_t i = 0; i < r->unmapped; i++) {
		size_t slot;
		if (!(r->recs[i].flags & REC_DEAD) && map_find(r, &r->recs[i], r->hash[i], &slot) >= 0)
			r->recs[i].flags |= REC_DEAD;
	}
}

/* Do two live checkpoint records share a key (a checkpoint that was not
 * reconciled, read without the key map)? *dup set; ENOMEM possible. */
static int checkpoint_dups(replay *r, bool *dup)
{
	size_t n = r->unmapped, cap = 16;
	*dup = false;
	while (cap < 2 * n)
		cap *= 2;
	uint32_t *t = dlt_calloc(cap, sizeof(*t));
	if (!t)
		return oom(r->err);
	for (size_t i = 0; i < n && !*dup; i++) {
		if (r->recs[i].flags & REC_DEAD)
			continue;
		size_t j = (size_t)r->hash[i] & (cap - 1);
		for (; t[j]; j = (j + 1) & (cap - 1)) {
			size_t k = t[j] - 1;
			if (r->hash[k] == r->hash[i] && key_eq(&r->recs[k], &r->recs[i])) {
				*dup = true;
				break;
			}
		}
		t[j] = (uint32_t)(i + 1);
	}
	dlt_free(t);
	return DLT_OK;
}

static int cmp_txn(const void *a, const void *b)
{
	return strcmp(((const dlt_log_txn *)a)->app_id, ((const dlt_log_txn *)b)->app_id);
}

static int cmp_dom(const void *a, const void *b)
{
	return strcmp(((const dlt_log_domain *)a)->domain, ((const dlt_log_domain *)b)->domain);
}

static const char kSupportedReader[][32] = { "columnMapping", "deletionVectors", "timestampNtz",
	"v2Checkpoint", "vacuumProtocolCheck", "typeWidening", "typeWidening-preview",
	"variantType", "variantType-preview", "variantShredding", "variantShredding-preview",
	"geospatial" };

int dlt_log__check_reader_protocol(const dlt_log_protocol *p, dlt_error *err)
{
	if (p->min_reader_version < 1 || p->min_reader_version > 3)
		return dlt_error_set(err, DLT_EUNSUPPORTED,
		                     "table needs reader version %d; deltalite reads versions 1 to 3",
		                     (int)p->min_reader_version);
	if (p->min_reader_version < 3)
		return DLT_OK;
	for (size_t i = 0; i < p->n_reader_features; i++) {
		bool ok = false;
		for (size_t k = 0; k < sizeof(kSupportedReader) / sizeof(kSupportedReader[0]); k++)
			if (strcmp(p->reader_features[i], kSupportedReader[k]) == 0)
				ok = true;
		if (!ok)
			return dlt_error_set(err, DLT_EUNSUPPORTED,
			                     "table needs reader feature '%s', which deltalite does not "
			                     "support", p->reader_features[i]);
	}
	return DLT_OK;
}

/* A key both live and a tombstone (sorted lists; tombstones are few). */
static void replay_dispose(replay *r)
{
	dlt_free(r->recs);
	dlt_free(r->epoch);
	dlt_free(r->hash);
	dlt_free(r->map);
	dlt_free(r->txns);
	dlt_free(r->txn_epoch);
	dlt_free(r->doms);
	dlt_free(r->dom_removed);
	dlt_free(r->dom_epoch);
	for (size_t i = 0; i < r->n_sidecars; i++)
		dlt_free(r->sidecars[i]);
	dlt_free(r->sidecars);
}

void dlt_log__snapshot_destroy(dlt_snapshot *s);
void dlt_log__snapshot_destroy(dlt_snapshot *s)
{
	if (!s)
		return;
	dlt_schema__release(&s->schema);
	dlt_free(s->files);
	dlt_free(s->tombstones);
	dlt_free(s->txns);
	dlt_free(s->domains);
	dlt_log__segment_dispose(&s->segment);
	dlt_log__arena_free(s->arena);
	if (s->base)
		dlt_snapshot_free(s->base);
	if (s->root)
		dlt_log__root_release(s->root);
	dlt_free(s);
}

static int64_t conf_int(const dlt_snapshot *s, const char *key, int64_t dflt)
{
	bool found;
	const char *v = dlt_log__kvs_get(&s->metadata.configuration, key, &found);
	if (!found || !v)
		return dflt;
	char *end;
	long long x = strtoll(v, &end, 10);
	return (*end == 0 && end != v) ? (int64_t)x : dflt;
}

bool dlt_log__ict_enabled(const dlt_snapshot *s);
bool dlt_log__ict_enabled(const dlt_snapshot *s)
{
	bool found;
	const char *v = dlt_log__kvs_get(&s->metadata.configuration,
	                                 "delta.enableInCommitTimestamps", &found);
	return found && v && strcmp(v, "true") == 0;
}

static int on_commit_info_ts(const dlt_log_action *a, void *payload, dlt_error *err)
{
	(void)err;
	if (a->kind == DLT_LOG_COMMIT_INFO && *(int64_t *)payload < 0)
		*(int64_t *)payload = a->ict;
	return DLT_OK;
}

/* Build from `seg`; `base` (may be NULL) seeds the state (incremental update). */
int dlt_log__snapshot_build(dlt_snapshot **out, dlt_log_root *root, dlt_log_segment *seg,
                            dlt_snapshot *base, dlt_error *err);
#define BUILD_RETRY 1 /* build_impl: duplicate keys in a checkpoint, build with the map */

static int build_impl(dlt_snapshot **out, dlt_log_root *root, dlt_log_segment *seg,
                      dlt_snapshot *base, bool nomap, dlt_error *err)
{
	replay r;
	dlt_snapshot *s;
	int rc = DLT_OK;
	dlt_storage *st = root->storage;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.err = err;
	r.last_ict = -1;
	r.last_ict_version = -1;
	if (!(s = dlt_calloc(1, sizeof(*s))))
		return oom(err);
	atomic_init(&s->refs, 1);
	dlt_log__root_retain(root);
	s->root = root;
	s->ict_enablement_version = -1;
	if ((rc = dlt_log__arena_new(&s->arena, err)) < 0)
		goto fail;
	r.snap = s;
	r.ar = s->arena;
	if ((rc = map_grow(&r)) < 0)
		goto fail;
	if (base) {
		/* carry the older state over; its strings stay owned by `base` */
		s->base = dlt_snapshot_retain(base);
		s->protocol = base->protocol;
		s->metadata = base->metadata;
		r.have_protocol = r.have_metadata = true;
		for (size_t i = 0; i < base->n_files && rc >= 0; i++)
			rc = put_file(&r, &base->files[i], true, true, false);
		for (size_t i = 0; i < base->n_tombstones && rc >= 0; i++)
			rc = put_file(&r, &base->tombstones[i], false, true, false);
		for (size_t i = 0; i < base->n_txns && rc >= 0; i++)
			rc = set_txn(&r, &base->txns[i]);
		for (size_t i = 0; i < base->n_domains && rc >= 0; i++)
			rc = set_domain(&r, &base->domains[i], false);
		if (rc < 0)
			goto fail;
	}
	if (seg->checkpoint_version >= 0) {
		r.nomap = nomap && !base;
		rc = apply_checkpoint(&r, st, seg);
		if (r.nomap)
			r.unmapped = r.n;
		r.nomap = false;
		if (rc < 0)
			goto fail;
	}
	{
		/* room for the files of the commits (a hint: an add line with stats is
		 * usually a few hundred bytes; more only regrows) */
		uint64_t bytes = 0;
		for (size_t i = 0; i < seg->n_commits; i++)
			bytes += seg->commits[i].size;
		if ((rc = replay_reserve(&r, (int64_t)(bytes / 256))) < 0)
			goto fail;
	}
	{
		size_t ci = 0, ki = 0;
		int64_t first = base ? base->version + 1 : seg->checkpoint_version + 1;
		for (int64_t v = first; v <= seg->version; v++) {
			r.cur_epoch++;
			r.cur_version = v;
			if (ki < seg->n_compactions && seg->compactions[ki].version == v) {
				r.first_wins = true;
				rc = dlt_log__read_json_actions(st, seg->compactions[ki].key, on_action, &r,
				                                err);
				r.first_wins = false;
				v = seg->compactions[ki].end_version;
				ki++;
				while (ci < seg->n_commits && seg->commits[ci].version <= v)
					ci++;
				if (rc < 0)
					goto fail;
				continue;
			}
			while (ci < seg->n_commits && seg->commits[ci].version < v)
				ci++;
			if (ci >= seg->n_commits || seg->commits[ci].version != v) {
				rc = dlt_error_set(err, DLT_ECORRUPT, "log has a gap: commit %" PRId64
				                   " is missing", v);
				goto fail;
			}
			if ((rc = dlt_log__read_json_actions(st, seg->commits[ci].key, on_action, &r,
			                                     err)) < 0)
				goto fail;
		}
	}
	if (!r.have_protocol || !r.have_metadata) {
		rc = dlt_error_set(err, DLT_ECORRUPT, "version %" PRId64 ": the log has no %s action",
		                   seg->version, r.have_protocol ? "metaData" : "protocol");
		goto fail;
	}
	if ((rc = dlt_log__check_reader_protocol(&s->protocol, err)) < 0)
		goto fail;
	if (!s->metadata.id) {
		rc = dlt_error_set(err, DLT_ECORRUPT, "version %" PRId64 ": metaData has no id",
		                   seg->version);
		goto fail;
	}
	/* a metaData without schemaString (seen in the wild at version 0): an
	 * empty schema, schema_string NULL */
	if (s->metadata.schema_string) {
		if ((rc = dlt_log__schema_to_arrow(&s->schema, s->metadata.schema_string, err)) < 0)
			goto fail;
	} else if ((rc = dlt_schema__init(&s->schema, "+s", "", 0, 0, err)) < 0) {
		goto fail;
	}
	{
		bool found;
		const char *cm = dlt_log__kvs_get(&s->metadata.configuration,
		                                  "delta.columnMapping.mode", &found);
		s->column_mapping = !cm ? DLT_LOG_CM_NONE
		                    : strcmp(cm, "id") == 0 ? DLT_LOG_CM_ID
		                    : strcmp(cm, "name") == 0 ? DLT_LOG_CM_NAME : DLT_LOG_CM_NONE;
	}
	drop_superseded(&r);
	if (r.unmapped) {
		bool dup;
		if ((rc = checkpoint_dups(&r, &dup)) < 0)
			goto fail;
		if (dup) {
			rc = BUILD_RETRY;
			goto fail;
		}
	}
	/* split into live files and tombstones, in log order (checkpoint, then
	 * commits): sorting a million paths costs more than the rest of the load */
	{
		size_t nf = 0, nt = 0;
		for (size_t i = 0; i < r.n; i++)
			if (!(r.recs[i].flags & REC_DEAD))
				(r.recs[i].flags & REC_ADD) ? nf++ : nt++;
		s->tombstones = dlt_malloc((nt ? nt : 1) * sizeof(*s->tombstones));
		if (!s->tombstones)
			goto oomfail;
		/* tombstones out, live files compacted to the front in place */
		for (size_t i = 0; i < r.n; i++) {
			dlt_log_file f = r.recs[i];
			bool add = f.flags & REC_ADD;
			if (f.flags & REC_DEAD)
				continue;
			f.flags &= ~REC_ADD;
			if (add)
				r.recs[s->n_files++] = f;
			else
				s->tombstones[s->n_tombstones++] = f;
		}
		if (nf) {
			s->files = dlt_realloc(r.recs, nf * sizeof(*s->files));
			if (!s->files)
				goto oomfail;
		} else if (!(s->files = dlt_malloc(sizeof(*s->files)))) {
			goto oomfail;
		} else {
			dlt_free(r.recs);
		}
		r.recs = NULL;
		/* the key map is done with: free it before sorting needs memory */
		dlt_free(r.map);
		dlt_free(r.hash);
		dlt_free(r.epoch);
		r.map = NULL;
		r.hash = NULL;
		r.epoch = NULL;
		s->txns = dlt_malloc((r.n_txns ? r.n_txns : 1) * sizeof(*s->txns));
		s->domains = dlt_malloc((r.n_doms ? r.n_doms : 1) * sizeof(*s->domains));
		if (!s->txns || !s->domains)
			goto oomfail;
		if (r.n_txns)
			memcpy(s->txns, r.txns, r.n_txns * sizeof(*s->txns));
		s->n_txns = r.n_txns;
		if (s->n_txns)
			qsort(s->txns, s->n_txns, sizeof(*s->txns), cmp_txn);
		for (size_t i = 0; i < r.n_doms; i++)
			if (!r.dom_removed[i])
				s->domains[s->n_domains++] = r.doms[i];
		if (s->n_domains)
			qsort(s->domains, s->n_domains, sizeof(*s->domains), cmp_dom);
	}
	s->version = seg->version;
	/* timestamp: ICT when enabled (PROTOCOL.md#in-commit-timestamps), else mtime */
	if (dlt_log__ict_enabled(s)) {
		s->ict_enablement_version = conf_int(s, "delta.inCommitTimestampEnablementVersion", 0);
		int64_t ict = r.last_ict_version == seg->version ? r.last_ict : -1;
		if (ict < 0 && seg->last_commit.key) {
			dlt_error e2;
			(void)dlt_log__read_json_actions(st, seg->last_commit.key, on_commit_info_ts, &ict,
			                                 &e2);
		}
		s->timestamp = ict >= 0 ? ict : seg->last_commit.mtime_ms;
	} else if (seg->last_commit.key) {
		s->timestamp = seg->last_commit.mtime_ms;
	} else if (seg->n_checkpoint_parts) {
		s->timestamp = seg->checkpoint_parts[0].mtime_ms;
	}
	s->segment = *seg;
	{
		dlt_log_segment z = DLT_LOG_SEGMENT_INIT;
		*seg = z;
	}
	s->bytes = sizeof(*s) + dlt_log__arena_bytes(s->arena) +
	           (s->n_files + s->n_tombstones) * sizeof(dlt_log_file) +
	           s->n_txns * sizeof(dlt_log_txn) + s->n_domains * sizeof(dlt_log_domain);
	replay_dispose(&r);
	*out = s;
	return DLT_OK;
oomfail:
	rc = oom(err);
fail:
	replay_dispose(&r);
	dlt_log__snapshot_destroy(s);
	return rc;
}

int dlt_log__snapshot_build(dlt_snapshot **out, dlt_log_root *root, dlt_log_segment *seg,
                            dlt_snapshot *base, dlt_error *err)
{
	int rc = build_impl(out, root, seg, base, true, err);
	if (rc == BUILD_RETRY)
		rc = build_impl(out, root, seg, base, false, err);
	return rc;
}

int dlt_log__snapshot_load(dlt_snapshot **out, dlt_log_root *root, int64_t version,
                           dlt_error *err)
{
	dlt_log_segment seg = DLT_LOG_SEGMENT_INIT;
	int rc;
	*out = NULL;
	if ((rc = dlt_log__find_segment(&seg, root->storage, version, -1, err)) < 0)
		return rc;
	rc = dlt_log__snapshot_build(out, root, &seg, NULL, err);
	dlt_log__segment_dispose(&seg);
	return rc;
}
