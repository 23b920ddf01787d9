/* Public table API (include/deltalite/table.h): open, snapshots, time
 * travel, files as Arrow, app transactions, domain metadata, history. */
#include "log/log.h"
#include "log/ckpt.h"
#include "arrow/arrow.h"
#include "util/parse.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dlt_log__snapshot_build(dlt_snapshot **out, dlt_log_root *root, dlt_log_segment *seg,
                            dlt_snapshot *base, dlt_error *err);
void dlt_log__snapshot_destroy(dlt_snapshot *s);
bool dlt_log__ict_enabled(const dlt_snapshot *s);

/* Commits dlt_snapshot_update looks for one by one before it lists the log. */
#define UPDATE_PROBES 16
/* Updates of updates dlt_log__table_latest chains before it loads afresh. */
#define LATEST_MAX_CHAIN 8

struct dlt_table {
	dlt_log_root *root;
	dlt_snapshot *latest;            /* the newest snapshot loaded through it (or NULL) */
};

int dlt_open_options_init(dlt_open_options *opts, unsigned int version)
{
	dlt_open_options d = DLT_OPEN_OPTIONS_INIT;
	if (!opts || version != DLT_OPEN_OPTIONS_VERSION)
		return DLT_EINVAL;
	*opts = d;
	return DLT_OK;
}

void dlt_log__root_retain(dlt_log_root *r)
{
	atomic_fetch_add(&r->refs, 1);
}

void dlt_log__root_release(dlt_log_root *r)
{
	if (r && atomic_fetch_sub(&r->refs, 1) == 1) {
		dlt_storage_free(r->storage);
		dlt_free(r->uri);
		dlt_free(r);
	}
}

static int first_log_cb(const dlt_object_meta *m, void *payload)
{
	const char *n = m->key + (strncmp(m->key, "_delta_log/", 11) == 0 ? 11 : 0);
	if (!m->is_prefix && strlen(n) > 20 && n[20] == '.' && n[0] >= '0' && n[0] <= '9') {
		*(bool *)payload = true;
		return 1;
	}
	return 0;
}

int dlt_table_open(dlt_table **out, const char *uri, const dlt_open_options *opts,
                   dlt_error *err)
{
	dlt_table *t = NULL;
	dlt_log_root *r = NULL;
	dlt_list_options lo = DLT_LIST_OPTIONS_INIT;
	bool found = false;
	int rc;

	DLT_ARG_CHECK(out != NULL && uri != NULL, err);
	*out = NULL;
	DLT_ARG_CHECK(opts == NULL || opts->version >= 1, err);
	if (!(r = dlt_calloc(1, sizeof(*r))) || !(r->uri = dlt_strdup(uri))) {
		dlt_free(r);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	atomic_init(&r->refs, 1);
	if ((rc = dlt_storage_open(&r->storage, uri, opts ? opts->storage_options : NULL,
	                           opts ? opts->storage_options_len : 0, err)) < 0)
		goto fail;
	/* Commit 0 is there in all but cleaned-up logs: one head() instead of a
	 * listing (which costs as much as the log is long). */
	{
		dlt_object_meta m;
		dlt_error e;
		found = dlt_storage_head(&m, r->storage, "_delta_log/00000000000000000000.json",
		                         &e) == DLT_OK;
	}
	lo.recursive = 0;
	if (!found &&
	    (rc = dlt_storage_list(r->storage, "_delta_log/", &lo, first_log_cb, &found, err)) < 0)
		goto fail;
	if (!found) {
		rc = dlt_error_set(err, DLT_ENOTFOUND, "not a delta table: %s/_delta_log/ has no commit "
		                   "or checkpoint", uri);
		goto fail;
	}
	if (!(t = dlt_calloc(1, sizeof(*t)))) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto fail;
	}
	t->root = r;
	*out = t;
	return DLT_OK;
fail:
	dlt_log__root_release(r);
	return rc;
}

void dlt_table_free(dlt_table *table)
{
	if (!table)
		return;
	dlt_snapshot_free(table->latest);
	dlt_log__root_release(table->root);
	dlt_free(table);
}

/* Handle on `st` (consumed) without checking for a log (txn: new tables). */
int dlt_log__table_new(dlt_table **out, dlt_storage *st, const char *uri, dlt_error *err)
{
	dlt_log_root *r = NULL;
	dlt_table *t = NULL;

	*out = NULL;
	if (!uri)
		uri = dlt_storage_uri(st);
	if (!(r = dlt_calloc(1, sizeof(*r))) || !(r->uri = dlt_strdup(uri ? uri : "")) ||
	    !(t = dlt_calloc(1, sizeof(*t)))) {
		if (r)
			dlt_free(r->uri);
		dlt_free(r);
		dlt_storage_free(st);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	atomic_init(&r->refs, 1);
	r->storage = st;
	t->root = r;
	*out = t;
	return DLT_OK;
}

dlt_log_root *dlt_log__table_root(const dlt_table *table)
{
	return table ? table->root : NULL;
}

const char *dlt_table_uri(const dlt_table *table)
{
	return table ? table->root->uri : NULL;
}

dlt_storage *dlt_table_storage(dlt_table *table)
{
	return table ? table->root->storage : NULL;
}

/* Keep `s` (retained) as the table's newest snapshot. */
static void remember(dlt_table *t, dlt_snapshot *s)
{
	if (t->latest == s)
		return;
	dlt_snapshot_free(t->latest);
	t->latest = dlt_snapshot_retain(s);
}

int dlt_table_snapshot(dlt_snapshot **out, dlt_table *table, int64_t version, dlt_error *err)
{
	int rc;
	DLT_ARG_CHECK(out != NULL && table != NULL && version >= -1, err);
	*out = NULL;
	rc = dlt_log__snapshot_load(out, table->root, version, err);
	if (rc == DLT_OK && version == -1)
		remember(table, *out);
	return rc;
}

int dlt_log__table_latest(dlt_snapshot **out, dlt_table *table, dlt_error *err)
{
	dlt_log_segment seg = DLT_LOG_SEGMENT_INIT;
	dlt_snapshot *s = NULL, *l = table->latest;
	int depth = 0, rc;

	*out = NULL;
	for (const dlt_snapshot *b = l; b; b = b->base)
		depth++;
	/* Bring the last one up to date when a head() per newer commit shows how
	 * (one or two when nothing is newer); else, or when the chain of updates
	 * (each holding its base) grows long, load afresh. */
	if (l && depth <= LATEST_MAX_CHAIN &&
	    dlt_log__probe_segment(&seg, l->root->storage, -1, l->version,
	                           &l->segment.last_commit, UPDATE_PROBES)) {
		if (seg.version == l->version) {
			s = dlt_snapshot_retain(l);
			rc = DLT_OK;
		} else {
			rc = dlt_log__snapshot_build(&s, l->root, &seg, l, err);
		}
		dlt_log__segment_dispose(&seg);
	} else {
		rc = dlt_log__snapshot_load(&s, table->root, -1, err);
	}
	if (rc < 0)
		return rc;
	remember(table, s);
	*out = s;
	return DLT_OK;
}

int dlt_snapshot_update(dlt_snapshot **out, dlt_snapshot *snap, int64_t version, dlt_error *err)
{
	dlt_log_segment seg = DLT_LOG_SEGMENT_INIT;
	int rc;
	DLT_ARG_CHECK(out != NULL && snap != NULL && version >= -1, err);
	*out = NULL;
	if (version >= 0 && version < snap->version)
		return dlt_error_set(err, DLT_EINVAL, "dlt_snapshot_update: version %" PRId64
		                     " is older than the snapshot (%" PRId64 ")", version,
		                     snap->version);
	if (version == snap->version) {
		*out = dlt_snapshot_retain(snap);
		return DLT_OK;
	}
	/* the few commits of a fresh snapshot by head(), the listing otherwise */
	if (!dlt_log__probe_segment(&seg, snap->root->storage, version, snap->version,
	                            &snap->segment.last_commit, UPDATE_PROBES) &&
	    (rc = dlt_log__find_segment(&seg, snap->root->storage, version, snap->version,
	                                err)) < 0)
		return rc;
	if (seg.version == snap->version) {
		dlt_log__segment_dispose(&seg);
		*out = dlt_snapshot_retain(snap);
		return DLT_OK;
	}
	rc = dlt_log__snapshot_build(out, snap->root, &seg, snap, err);
	dlt_log__segment_dispose(&seg);
	return rc;
}

dlt_snapshot *dlt_snapshot_retain(dlt_snapshot *snap)
{
	if (snap)
		atomic_fetch_add(&snap->refs, 1);
	return snap;
}

void dlt_snapshot_free(dlt_snapshot *snap)
{
	if (snap && atomic_fetch_sub(&snap->refs, 1) == 1)
		dlt_log__snapshot_destroy(snap);
}

int64_t dlt_snapshot_version(const dlt_snapshot *snap)
{
	return snap ? snap->version : -1;
}

int64_t dlt_snapshot_timestamp(const dlt_snapshot *snap)
{
	return snap ? snap->timestamp : -1;
}

void dlt_snapshot_protocol(dlt_protocol_info *out, const dlt_snapshot *snap)
{
	memset(out, 0, sizeof(*out));
	if (!snap)
		return;
	out->min_reader_version = snap->protocol.min_reader_version;
	out->min_writer_version = snap->protocol.min_writer_version;
	out->n_reader_features = snap->protocol.n_reader_features;
	out->reader_features = snap->protocol.reader_features;
	out->n_writer_features = snap->protocol.n_writer_features;
	out->writer_features = snap->protocol.writer_features;
}

void dlt_snapshot_metadata(dlt_metadata_info *out, const dlt_snapshot *snap)
{
	memset(out, 0, sizeof(*out));
	if (!snap)
		return;
	out->id = snap->metadata.id;
	out->name = snap->metadata.name;
	out->description = snap->metadata.description;
	out->created_time = snap->metadata.created_time;
	out->schema_string = snap->metadata.schema_string;
	out->n_partition_columns = snap->metadata.n_partition_columns;
	out->partition_columns = snap->metadata.partition_columns;
	out->n_configuration = snap->metadata.configuration.n;
	/* dlt_log_kv and dlt_kv have the same layout (two const char *) */
	out->configuration = (const dlt_kv *)(const void *)snap->metadata.configuration.kv;
}

const char *dlt_snapshot_property(const dlt_snapshot *snap, const char *key)
{
	if (!snap || !key)
		return NULL;
	return dlt_log__kvs_get(&snap->metadata.configuration, key, NULL);
}

int dlt_snapshot_schema(struct ArrowSchema *out, const dlt_snapshot *snap, dlt_error *err)
{
	DLT_ARG_CHECK(out != NULL && snap != NULL, err);
	return dlt_schema__copy(out, &snap->schema, err);
}

int64_t dlt_snapshot_num_files(const dlt_snapshot *snap)
{
	return snap ? (int64_t)snap->n_files : 0;
}

size_t dlt_snapshot_memory_bytes(const dlt_snapshot *snap)
{
	size_t n = 0;
	for (const dlt_snapshot *s = snap; s; s = s->base)
		n += s->bytes;
	return n;
}

int dlt_snapshot_app_txn_version(int64_t *version_out, const dlt_snapshot *snap,
                                 const char *app_id, dlt_error *err)
{
	DLT_ARG_CHECK(version_out != NULL && snap != NULL && app_id != NULL, err);
	for (size_t i = 0; i < snap->n_txns; i++) {
		if (strcmp(snap->txns[i].app_id, app_id) == 0) {
			*version_out = snap->txns[i].version;
			return DLT_OK;
		}
	}
	return dlt_error_set(err, DLT_ENOTFOUND, "no transaction for app id '%s'", app_id);
}

int dlt_snapshot_domain_metadata(const char **config_out, const dlt_snapshot *snap,
                                 const char *domain, dlt_error *err)
{
	DLT_ARG_CHECK(config_out != NULL && snap != NULL && domain != NULL, err);
	for (size_t i = 0; i < snap->n_domains; i++) {
		if (strcmp(snap->domains[i].domain, domain) == 0) {
			*config_out = snap->domains[i].configuration;
			return DLT_OK;
		}
	}
	return dlt_error_set(err, DLT_ENOTFOUND, "no domain metadata for '%s'", domain);
}

/* ------------------------------------------------------ files stream -- */

static int files_schema(struct ArrowSchema *s, dlt_error *err)
{
	int rc;
	struct ArrowSchema *m, *e, *dv;
	if ((rc = dlt_schema__init(s, "+s", "", 0, 9, err)) < 0)
		return rc;
	if ((rc = dlt_schema__init_leaf(s->children[0], "u", "path", false, err)) < 0 ||
	    (rc = dlt_schema__init_leaf(s->children[1], "l", "size", false, err)) < 0 ||
	    (rc = dlt_schema__init_leaf(s->children[2], "l", "modification_time", false, err)) < 0 ||
	    (rc = dlt_schema__init(s->children[3], "+m", "partition_values", 0, 1, err)) < 0)
		goto fail;
	m = s->children[3];
	if ((rc = dlt_schema__init(m->children[0], "+s", "entries", 0, 2, err)) < 0)
		goto fail;
	e = m->children[0];
	if ((rc = dlt_schema__init_leaf(e->children[0], "u", "key", false, err)) < 0 ||
	    (rc = dlt_schema__init_leaf(e->children[1], "u", "value", true, err)) < 0 ||
	    (rc = dlt_schema__init_leaf(s->children[4], "u", "stats", true, err)) < 0 ||
	    (rc = dlt_schema__init_leaf(s->children[5], "l", "num_records", true, err)) < 0 ||
	    (rc = dlt_schema__init(s->children[6], "+s", "deletion_vector", ARROW_FLAG_NULLABLE, 5,
	                           err)) < 0)
		goto fail;
	dv = s->children[6];
	if ((rc = dlt_schema__init_leaf(dv->children[0], "u", "storage_type", false, err)) < 0 ||
	    (rc = dlt_schema__init_leaf(dv->children[1], "u", "path_or_inline_dv", false, err)) < 0 ||
	    (rc = dlt_schema__init_leaf(dv->children[2], "i", "offset", true, err)) < 0 ||
	    (rc = dlt_schema__init_leaf(dv->children[3], "i", "size_in_bytes", false, err)) < 0 ||
	    (rc = dlt_schema__init_leaf(dv->children[4], "l", "cardinality", false, err)) < 0 ||
	    (rc = dlt_schema__init_leaf(s->children[7], "l", "base_row_id", true, err)) < 0 ||
	    (rc = dlt_schema__init_leaf(s->children[8], "l", "default_row_commit_version", true,
	                                err)) < 0)
		goto fail;
	return DLT_OK;
fail:
	dlt_schema__release(s);
	return rc;
}

typedef struct files_state {
	dlt_snapshot *snap;
	size_t pos;
	dlt_builder *b;
} files_state;

static int append_str(dlt_builder *b, const char *s, dlt_error *err)
{
	return s ? dlt_builder__append_bytes(b, s, strlen(s), err) : dlt_builder__append_null(b, err);
}

/* A string column of n rows built directly: offsets and data sized in one
 * pass (lengths kept between the passes), validity only when a row is null.
 * DLT_ELIMIT when the text does not fit 32-bit offsets (the caller falls back). */
static int direct_str(struct ArrowArray *c, const char *const *v, size_t n, size_t *lens,
                      dlt_error *err)
{
	size_t total = 0, nulls = 0;
	for (size_t i = 0; i < n; i++) {
		lens[i] = v[i] ? strlen(v[i]) : 0;
		nulls += !v[i];
		total += lens[i];
	}
	if (total > INT32_MAX)
		return DLT_ELIMIT;
	int32_t *off = dlt_malloc((n + 1) * sizeof(*off));
	char *data = dlt_malloc(total ? total : 1);
	uint8_t *valid = nulls ? dlt_calloc((n + 7) / 8, 1) : NULL;
	if (!off || !data || (nulls && !valid)) {
		dlt_free(off);
		dlt_free(data);
		dlt_free(valid);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	size_t at = 0;
	off[0] = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i]) {
			memcpy(data + at, v[i], lens[i]);
			at += lens[i];
			if (valid)
				valid[i / 8] |= (uint8_t)(1u << (i % 8));
		}
		off[i + 1] = (int32_t)at;
	}
	dlt_array__set_buffer(c, 0, valid);
	dlt_array__set_buffer(c, 1, off);
	dlt_array__set_buffer(c, 2, data);
	c->length = (int64_t)n;
	c->null_count = (int64_t)nulls;
	return DLT_OK;
}

/* An int64 column: has[i] false -> null (has NULL: none null). */
static int direct_i64(struct ArrowArray *c, const int64_t *v, const bool *has, size_t n,
                      dlt_error *err)
{
	size_t nulls = 0;
	if (has)
		for (size_t i = 0; i < n; i++)
			nulls += !has[i];
	int64_t *vals = dlt_malloc((n ? n : 1) * sizeof(*vals));
	uint8_t *valid = nulls ? dlt_calloc((n + 7) / 8, 1) : NULL;
	if (!vals || (nulls && !valid)) {
		dlt_free(vals);
		dlt_free(valid);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		bool ok = !has || has[i];
		vals[i] = ok ? v[i] : 0;
		if (valid && ok)
			valid[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	dlt_array__set_buffer(c, 0, valid);
	dlt_array__set_buffer(c, 1, vals);
	c->length = (int64_t)n;
	c->null_count = (int64_t)nulls;
	return DLT_OK;
}

/* Rows f[0..n) straight into buffers (no builder): the common case of files
 * without deletion vectors. 1: not applicable (a DV, or text too long for
 * 32-bit offsets): use the builder. */
static int files_direct(struct ArrowArray *out, const struct ArrowSchema *schema,
                        const dlt_log_file *f, size_t n, dlt_error *err)
{
	size_t nkv = 0, cap;
	int rc;
	for (size_t i = 0; i < n; i++) {
		if (f[i].dv.storage_type)
			return 1;
		nkv += f[i].partition_values->n;
	}
	cap = n > nkv ? n : nkv;
	if (cap > INT32_MAX)
		return 1;
	const char **sv = dlt_malloc((cap ? cap : 1) * sizeof(*sv));
	int64_t *iv = dlt_malloc((cap ? cap : 1) * sizeof(*iv));
	bool *has = dlt_malloc((cap ? cap : 1) * sizeof(*has));
	size_t *lens = dlt_malloc((cap ? cap : 1) * sizeof(*lens));
	if (!sv || !iv || !has || !lens) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = dlt_array__init_empty(out, schema, err)) < 0)
		goto done;
	out->length = (int64_t)n;
	/* 0 path, 4 stats */
	for (size_t i = 0; i < n; i++)
		sv[i] = f[i].path;
	if ((rc = direct_str(out->children[0], sv, n, lens, err)) != 0)
		goto done;
	for (size_t i = 0; i < n; i++)
		sv[i] = f[i].stats;
	if ((rc = direct_str(out->children[4], sv, n, lens, err)) != 0)
		goto done;
	/* 1 size, 2 modification_time, 5 num_records, 7, 8 row tracking */
	for (size_t i = 0; i < n; i++)
		iv[i] = f[i].size;
	if ((rc = direct_i64(out->children[1], iv, NULL, n, err)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++)
		iv[i] = f[i].modification_time;
	if ((rc = direct_i64(out->children[2], iv, NULL, n, err)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		iv[i] = f[i].num_records;
		has[i] = f[i].num_records >= 0;
	}
	if ((rc = direct_i64(out->children[5], iv, has, n, err)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		iv[i] = f[i].base_row_id;
		has[i] = (f[i].flags & DLT_LOG_FILE_HAS_BASE_ROW_ID) != 0;
	}
	if ((rc = direct_i64(out->children[7], iv, has, n, err)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		iv[i] = f[i].default_row_commit_version;
		has[i] = (f[i].flags & DLT_LOG_FILE_HAS_ROW_COMMIT_V) != 0;
	}
	if ((rc = direct_i64(out->children[8], iv, has, n, err)) < 0)
		goto done;
	/* 3 partition_values: map offsets, entries struct of (key, value) */
	{
		struct ArrowArray *m = out->children[3], *e = m->children[0];
		int32_t *off = dlt_malloc((n + 1) * sizeof(*off));
		if (!off) {
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
			goto done;
		}
		dlt_array__set_buffer(m, 1, off);
		m->length = (int64_t)n;
		off[0] = 0;
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			const dlt_log_kvs *pv = f[i].partition_values;
			for (size_t j = 0; j < pv->n; j++)
				sv[k++] = pv->kv[j].key;
			off[i + 1] = (int32_t)k;
		}
		if ((rc = direct_str(e->children[0], sv, nkv, lens, err)) != 0)
			goto done;
		k = 0;
		for (size_t i = 0; i < n; i++) {
			const dlt_log_kvs *pv = f[i].partition_values;
			for (size_t j = 0; j < pv->n; j++)
				sv[k++] = pv->kv[j].value;
		}
		if ((rc = direct_str(e->children[1], sv, nkv, lens, err)) != 0)
			goto done;
		e->length = (int64_t)nkv;
		if (e->children[0]->null_count) { /* a null key: not representable here */
			rc = 1;
			goto done;
		}
	}
	/* 6 deletion_vector: null in every row; children of length n */
	{
		struct ArrowArray *dv = out->children[6];
		uint8_t *valid = dlt_calloc((n + 7) / 8 ? (n + 7) / 8 : 1, 1);
		if (!valid) {
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
			goto done;
		}
		dlt_array__set_buffer(dv, 0, valid);
		dv->length = (int64_t)n;
		dv->null_count = (int64_t)n;
		for (size_t i = 0; i < n; i++)
			sv[i] = "";
		if ((rc = direct_str(dv->children[0], sv, n, lens, err)) != 0 ||
		    (rc = direct_str(dv->children[1], sv, n, lens, err)) != 0)
			goto done;
		for (size_t i = 0; i < n; i++)
			iv[i] = 0;
		for (int64_t c = 2; c < 5; c++) {
			if (c == 4)
				rc = direct_i64(dv->children[c], iv, NULL, n, err);
			else { /* int32 children */
				int32_t *v32 = dlt_calloc(n ? n : 1, sizeof(*v32));
				if (!v32) {
					rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
					goto done;
				}
				dlt_array__set_buffer(dv->children[c], 1, v32);
				dv->children[c]->length = (int64_t)n;
			}
			if (rc < 0)
				goto done;
		}
	}
	rc = DLT_OK;
done:
	if (rc != DLT_OK && out->release)
		dlt_array__release(out);
	if (rc == DLT_ELIMIT)
		rc = 1;
	dlt_free(sv);
	dlt_free(iv);
	dlt_free(has);
	dlt_free(lens);
	return rc;
}

static int files_next(void *state, struct ArrowArray *out, dlt_error *err)
{
	files_state *st = state;
	dlt_builder *b = st->b;
	size_t end = st->pos + 65536;
	int rc = DLT_OK;
	if (st->pos >= st->snap->n_files && !(st->pos == 0 && st->snap->n_files == 0))
		return DLT_OK; /* end: out->release stays NULL */
	if (end > st->snap->n_files)
		end = st->snap->n_files;
	memset(out, 0, sizeof(*out));
	rc = files_direct(out, dlt_builder__schema(b), st->snap->files + st->pos, end - st->pos,
	                  err);
	if (rc < 0)
		return rc;
	if (rc == DLT_OK) {
		st->pos = end == 0 ? 1 : end;
		return DLT_OK;
	}
	rc = DLT_OK;
	for (size_t i = st->pos; i < end && rc >= 0; i++) {
		const dlt_log_file *f = &st->snap->files[i];
		dlt_builder *m = dlt_builder__child(b, 3);
		dlt_builder *e = dlt_builder__child(m, 0);
		dlt_builder *dv = dlt_builder__child(b, 6);
		if ((rc = append_str(dlt_builder__child(b, 0), f->path, err)) < 0 ||
		    (rc = dlt_builder__append_int(dlt_builder__child(b, 1), f->size, err)) < 0 ||
		    (rc = dlt_builder__append_int(dlt_builder__child(b, 2), f->modification_time,
		                                  err)) < 0)
			break;
		for (size_t k = 0; k < f->partition_values->n && rc >= 0; k++) {
			if ((rc = append_str(dlt_builder__child(e, 0), f->partition_values->kv[k].key,
			                     err)) < 0 ||
			    (rc = append_str(dlt_builder__child(e, 1), f->partition_values->kv[k].value,
			                     err)) < 0)
				break;
			rc = dlt_builder__append_valid(e, err);
		}
		if (rc < 0 || (rc = dlt_builder__append_valid(m, err)) < 0 ||
		    (rc = append_str(dlt_builder__child(b, 4), f->stats, err)) < 0 ||
		    (rc = f->num_records >= 0
		                  ? dlt_builder__append_int(dlt_builder__child(b, 5), f->num_records, err)
		                  : dlt_builder__append_null(dlt_builder__child(b, 5), err)) < 0)
			break;
		if (f->dv.storage_type) {
			char t[2] = { f->dv.storage_type, 0 };
			if ((rc = append_str(dlt_builder__child(dv, 0), t, err)) < 0 ||
			    (rc = append_str(dlt_builder__child(dv, 1),
			                     f->dv.path_or_inline_dv ? f->dv.path_or_inline_dv : "",
			                     err)) < 0 ||
			    (rc = f->dv.offset >= 0
			                  ? dlt_builder__append_int(dlt_builder__child(dv, 2), f->dv.offset,
			                                            err)
			                  : dlt_builder__append_null(dlt_builder__child(dv, 2), err)) < 0 ||
			    (rc = dlt_builder__append_int(dlt_builder__child(dv, 3), f->dv.size_in_bytes,
			                                  err)) < 0 ||
			    (rc = dlt_builder__append_int(dlt_builder__child(dv, 4), f->dv.cardinality,
			                                  err)) < 0 ||
			    (rc = dlt_builder__append_valid(dv, err)) < 0)
				break;
		} else if ((rc = dlt_builder__append_null(dv, err)) < 0) {
			break;
		}
		if ((rc = (f->flags & DLT_LOG_FILE_HAS_BASE_ROW_ID)
		                  ? dlt_builder__append_int(dlt_builder__child(b, 7), f->base_row_id, err)
		                  : dlt_builder__append_null(dlt_builder__child(b, 7), err)) < 0 ||
		    (rc = (f->flags & DLT_LOG_FILE_HAS_ROW_COMMIT_V)
		                  ? dlt_builder__append_int(dlt_builder__child(b, 8),
		                                            f->default_row_commit_version, err)
		                  : dlt_builder__append_null(dlt_builder__child(b, 8), err)) < 0 ||
		    (rc = dlt_builder__append_valid(b, err)) < 0)
			break;
	}
	if (rc < 0)
		return rc;
	st->pos = end == 0 ? 1 : end; /* an empty snapshot yields one empty batch */
	return dlt_builder__finish(out, b, err);
}

static void files_free(void *state)
{
	files_state *st = state;
	dlt_builder__free(st->b);
	dlt_snapshot_free(st->snap);
	dlt_free(st);
}

int dlt_snapshot_files(struct ArrowArrayStream *out, dlt_snapshot *snap, dlt_error *err)
{
	struct ArrowSchema s;
	files_state *st;
	int rc;
	DLT_ARG_CHECK(out != NULL && snap != NULL, err);
	memset(out, 0, sizeof(*out));
	if ((rc = files_schema(&s, err)) < 0)
		return rc;
	if (!(st = dlt_calloc(1, sizeof(*st)))) {
		dlt_schema__release(&s);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	if ((rc = dlt_builder__new(&st->b, &s, err)) < 0) {
		dlt_free(st);
		dlt_schema__release(&s);
		return rc;
	}
	st->snap = dlt_snapshot_retain(snap);
	return dlt_stream__new(out, &s, files_next, files_free, st, err);
}

/* ----------------------------------------------- commits and history -- */

typedef struct commit_list {
	int64_t *versions;
	int64_t *mtimes;
	size_t n, cap;
	int rc;
} commit_list;

static int commit_list_cb(const dlt_object_meta *m, void *payload)
{
	commit_list *l = payload;
	const char *n = m->key + 11;
	if (m->is_prefix || strncmp(m->key, "_delta_log/", 11) != 0 || strlen(n) != 25 ||
	    strcmp(n + 20, ".json") != 0)
		return 0;
	for (int i = 0; i < 20; i++)
		if (n[i] < '0' || n[i] > '9')
			return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		int64_t *nv = dlt_realloc(l->versions, cap * sizeof(*nv));
		if (!nv)
			return l->rc = DLT_ENOMEM;
		l->versions = nv;
		int64_t *nm = dlt_realloc(l->mtimes, cap * sizeof(*nm));
		if (!nm)
			return l->rc = DLT_ENOMEM;
		l->mtimes = nm;
		l->cap = cap;
	}
	l->versions[l->n] = (int64_t)strtoll(n, NULL, 10);
	l->mtimes[l->n] = m->mtime_ms;
	l->n++;
	return 0;
}

static int list_commits(commit_list *l, dlt_storage *st, dlt_error *err)
{
	dlt_list_options lo = DLT_LIST_OPTIONS_INIT;
	int rc;
	memset(l, 0, sizeof(*l));
	lo.recursive = 0;
	rc = dlt_storage_list(st, "_delta_log/", &lo, commit_list_cb, l, err);
	if (l->rc < 0)
		return dlt_error_set(err, l->rc, "out of memory");
	return rc;
}

static void commit_list_dispose(commit_list *l)
{
	dlt_free(l->versions);
	dlt_free(l->mtimes);
}

typedef struct commit_read {
	dlt_log_action_cb cb;
	void *payload;
	int64_t ict;
	bool first;
} commit_read;

static int commit_read_cb(const dlt_log_action *a, void *payload, dlt_error *err)
{
	commit_read *c = payload;
	if (a->kind == DLT_LOG_COMMIT_INFO && c->ict < 0 && a->ict >= 0)
		c->ict = a->ict;
	return c->cb ? c->cb(a, c->payload, err) : DLT_OK;
}

int dlt_log__read_commit(dlt_log_root *root, int64_t version, dlt_log_action_cb cb,
                         void *payload, int64_t *timestamp_out, dlt_error *err)
{
	char key[64];
	dlt_object_meta m;
	commit_read c = { cb, payload, -1, true };
	int rc;
	snprintf(key, sizeof(key), "_delta_log/%020" PRId64 ".json", version);
	if ((rc = dlt_storage_head(&m, root->storage, key, err)) < 0) {
		if (rc == DLT_ENOTFOUND)
			dlt_error_set(err, rc, "commit %" PRId64 " is not in the log (%s)", version, key);
		return rc;
	}
	int64_t mtime = m.mtime_ms;
	if ((rc = dlt_log__read_json_actions(root->storage, key, commit_read_cb, &c, err)) < 0)
		return rc;
	if (timestamp_out)
		*timestamp_out = c.ict >= 0 ? c.ict : mtime;
	return DLT_OK;
}

static int read_ict(dlt_log_root *root, int64_t v, int64_t *out, dlt_error *err)
{
	return dlt_log__read_commit(root, v, NULL, NULL, out, err);
}

int dlt_log__commit_timestamps(int64_t **ts_out, dlt_log_root *root, int64_t from, int64_t to,
                               const dlt_snapshot *latest, dlt_error *err)
{
	int64_t *ts;
	int rc = DLT_OK;
	*ts_out = NULL;
	if (from < 0 || to < from)
		return dlt_error_set(err, DLT_EINVAL, "bad version range");
	if (!(ts = dlt_calloc((size_t)(to - from + 1), sizeof(*ts))))
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	bool ict = latest && dlt_log__ict_enabled(latest);
	for (int64_t v = from; v <= to && rc >= 0; v++) {
		if (ict && v >= latest->ict_enablement_version) {
			rc = read_ict(root, v, &ts[v - from], err);
		} else {
			char key[64];
			dlt_object_meta m;
			snprintf(key, sizeof(key), "_delta_log/%020" PRId64 ".json", v);
			rc = dlt_storage_head(&m, root->storage, key, err);
			ts[v - from] = rc >= 0 ? m.mtime_ms : 0;
		}
	}
	if (rc < 0) {
		dlt_free(ts);
		return rc;
	}
	*ts_out = ts;
	return DLT_OK;
}

int dlt_table_snapshot_at(dlt_snapshot **out, dlt_table *table, int64_t timestamp_ms,
                          dlt_error *err)
{
	commit_list l;
	dlt_snapshot *latest = NULL;
	int64_t found = -1, first_ts = -1; /* first_ts: of the earliest commit */
	int rc;

	DLT_ARG_CHECK(out != NULL && table != NULL, err);
	*out = NULL;
	if ((rc = dlt_log__snapshot_load(&latest, table->root, -1, err)) < 0)
		return rc;
	if ((rc = list_commits(&l, table->root->storage, err)) < 0)
		goto done;
	{
		bool ict = dlt_log__ict_enabled(latest);
		int64_t e = ict ? latest->ict_enablement_version : INT64_MAX;
		size_t ei = l.n; /* first commit index at or after the enablement version */
		for (size_t i = 0; i < l.n; i++)
			if (l.versions[i] >= e) {
				ei = i;
				break;
			}
		int64_t ets = -1;
		if (ict && ei < l.n && (rc = read_ict(table->root, l.versions[ei], &ets, err)) < 0)
			goto done;
		first_ts = ei == 0 ? ets : l.n ? l.mtimes[0] : -1;
		if (ict && ei < l.n && timestamp_ms >= ets) {
			/* binary search over ICTs, monotonic by protocol */
			size_t lo = ei, hi = l.n; /* answer in [lo, hi) */
			while (hi - lo > 1) {
				size_t mid = lo + (hi - lo) / 2;
				int64_t t;
				if ((rc = read_ict(table->root, l.versions[mid], &t, err)) < 0)
					goto done;
				if (t <= timestamp_ms)
					lo = mid;
				else
					hi = mid;
			}
			found = l.versions[lo];
		} else {
			/* file modification times, made monotonic as commit order demands */
			int64_t prev = INT64_MIN;
			for (size_t i = 0; i < ei; i++) {
				int64_t t = l.mtimes[i];
				if (prev != INT64_MIN && t <= prev)
					t = prev + 1;
				prev = t;
				if (t <= timestamp_ms)
					found = l.versions[i];
				else
					break;
			}
		}
	}
	if (found < 0) {
		char want[DLT_FORMAT_DATETIME_MAX], first[DLT_FORMAT_DATETIME_MAX + 48] = "";
		dlt_format_timestamp(want, timestamp_ms, 1, true);
		if (l.n && first_ts >= 0) {
			char at[DLT_FORMAT_DATETIME_MAX];
			dlt_format_timestamp(at, first_ts, 1, true);
			snprintf(first, sizeof(first), " (version %" PRId64 ", at %s)", l.versions[0], at);
		}
		rc = dlt_error_set(err, DLT_ENOTFOUND, "no version at or before %s (%" PRId64
		                   " ms): it is before the earliest commit in the log%s", want,
		                   timestamp_ms, first);
		goto done;
	}
	if (found == latest->version) {
		*out = latest;
		latest = NULL;
		rc = DLT_OK;
	} else {
		rc = dlt_log__snapshot_load(out, table->root, found, err);
	}
done:
	commit_list_dispose(&l);
	dlt_snapshot_free(latest);
	return rc;
}

typedef struct hist_row {
	const char *json; /* dlt_malloc'd copy */
	char *op;
} hist_row;

static int hist_cb(const dlt_log_action *a, void *payload, dlt_error *err)
{
	hist_row *h = payload;
	(void)err;
	if (a->kind == DLT_LOG_COMMIT_INFO && !h->json) {
		h->json = dlt_strdup(a->json);
		h->op = a->operation ? dlt_strdup(a->operation) : NULL;
		if (!h->json)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	return DLT_OK;
}

static int op_params(dlt_buf *b, const char *json)
{
	json_error_t je;
	json_t *root = json_loads(json, 0, &je);
	json_t *p = root ? json_object_get(root, "operationParameters") : NULL;
	char *s = NULL;
	dlt_buf_clear(b);
	if (p && (s = json_dumps(p, JSON_COMPACT | JSON_ENCODE_ANY)) != NULL) {
		if (dlt_buf_append_str(b, s, NULL) < 0) {
			free(s);
			json_decref(root);
			return DLT_ENOMEM;
		}
		free(s);
	}
	json_decref(root);
	return p ? 1 : 0;
}

int dlt_table_history(struct ArrowArrayStream *out, dlt_table *table, int64_t limit,
                      dlt_error *err)
{
	commit_list l;
	struct ArrowSchema s;
	struct ArrowArray batch;
	dlt_builder *b = NULL;
	dlt_buf pb = DLT_BUF_INIT;
	int rc;

	DLT_ARG_CHECK(out != NULL && table != NULL && limit >= 0, err);
	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	memset(&batch, 0, sizeof(batch));
	if ((rc = list_commits(&l, table->root->storage, err)) < 0)
		return rc;
	if ((rc = dlt_schema__init(&s, "+s", "", 0, 5, err)) < 0 ||
	    (rc = dlt_schema__init_leaf(s.children[0], "l", "version", false, err)) < 0 ||
	    (rc = dlt_schema__init_leaf(s.children[1], "l", "timestamp", false, err)) < 0 ||
	    (rc = dlt_schema__init_leaf(s.children[2], "u", "operation", true, err)) < 0 ||
	    (rc = dlt_schema__init_leaf(s.children[3], "u", "operation_parameters", true, err)) < 0 ||
	    (rc = dlt_schema__init_leaf(s.children[4], "u", "commit_info", true, err)) < 0 ||
	    (rc = dlt_builder__new(&b, &s, err)) < 0)
		goto done;
	size_t count = 0;
	for (size_t k = l.n; k-- > 0 && (limit == 0 || count < (size_t)limit);) {
		hist_row h = { NULL, NULL };
		int64_t ts = 0;
		rc = dlt_log__read_commit(table->root, l.versions[k], hist_cb, &h, &ts, err);
		if (rc >= 0) {
			int has = h.json ? op_params(&pb, h.json) : 0;
			if (has < 0)
				rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
			else if ((rc = dlt_builder__append_int(dlt_builder__child(b, 0), l.versions[k],
			                                       err)) >= 0 &&
			         (rc = dlt_builder__append_int(dlt_builder__child(b, 1), ts, err)) >= 0 &&
			         (rc = append_str(dlt_builder__child(b, 2), h.op, err)) >= 0 &&
			         (rc = has ? dlt_builder__append_bytes(dlt_builder__child(b, 3), pb.data,
			                                               pb.len, err)
			                   : dlt_builder__append_null(dlt_builder__child(b, 3), err)) >= 0 &&
			         (rc = append_str(dlt_builder__child(b, 4), h.json, err)) >= 0)
				rc = dlt_builder__append_valid(b, err);
		}
		dlt_free((void *)h.json);
		dlt_free(h.op);
		if (rc < 0)
			goto done;
		count++;
	}
	if ((rc = dlt_builder__finish(&batch, b, err)) < 0)
		goto done;
	rc = dlt_stream__from_batches(out, &s, &batch, 1, err);
done:
	if (batch.release)
		batch.release(&batch);
	dlt_schema__release(&s);
	dlt_builder__free(b);
	dlt_buf_dispose(&pb);
	commit_list_dispose(&l);
	return rc;
}
