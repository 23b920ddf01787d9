/* Transactions: begin, staging of actions, declared reads, accessors.
 * The commit loop is in commit.c, conflict detection in conflict.c. */
#include "log/txn.h"
#include "expr/expr.h"
#include "log/arena.h"
#include "log/ckpt.h"

#include <jansson.h>
#include <string.h>

/* ------------------------------------------------------------ helpers -- */

int dlt_log__txn_grow(void **arr, size_t *cap, size_t n, size_t elem, dlt_error *err)
{
	size_t nc, bytes;
	void *p;
	if (n < *cap)
		return DLT_OK;
	nc = *cap ? *cap * 2 : 8;
	if (dlt_mul_overflow(nc, elem, &bytes) || !(p = dlt_realloc(*arr, bytes)))
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	*arr = p;
	*cap = nc;
	return DLT_OK;
}
#define GROW(arr, n, cap, err) \
	dlt_log__txn_grow((void **)&(arr), &(cap), (n), sizeof(*(arr)), (err))

static int keep(dlt_txn *t, void *p, dlt_error *err)
{
	int rc;
	if (!p)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	if ((rc = GROW(t->owned, t->n_owned, t->cap_owned, err)) < 0) {
		dlt_free(p);
		return rc;
	}
	t->owned[t->n_owned++] = p;
	return DLT_OK;
}

char *dlt_log__txn_keep_str(dlt_txn *txn, const char *s, dlt_error *err)
{
	char *d;
	if (!s)
		return NULL;
	d = dlt_strdup(s);
	return keep(txn, d, err) < 0 ? NULL : d;
}

void *dlt_log__txn_keep_mem(dlt_txn *txn, size_t size, dlt_error *err)
{
	void *p = dlt_calloc(1, size ? size : 1);
	return keep(txn, p, err) < 0 ? NULL : p;
}

/* Copy a kvs (keys and values kept). */
static int keep_kvs(dlt_log_kvs *out, dlt_txn *t, const dlt_log_kvs *in, dlt_error *err)
{
	dlt_log_kv *kv;
	size_t bytes;
	out->n = 0;
	out->kv = NULL;
	if (!in || in->n == 0)
		return DLT_OK;
	if (dlt_mul_overflow(in->n, sizeof(*kv), &bytes) ||
	    !(kv = dlt_log__txn_keep_mem(t, bytes, err)))
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	for (size_t i = 0; i < in->n; i++) {
		if (!in->kv[i].key)
			return dlt_error_set(err, DLT_EINVAL, "key/value with a NULL key");
		if (!(kv[i].key = dlt_log__txn_keep_str(t, in->kv[i].key, err)) ||
		    (in->kv[i].value && !(kv[i].value = dlt_log__txn_keep_str(t, in->kv[i].value,
		                                                               err))))
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	out->kv = kv;
	out->n = in->n;
	return DLT_OK;
}

static int keep_strs(const char *const **out, dlt_txn *t, const char *const *in, size_t n,
                     dlt_error *err)
{
	const char **a;
	*out = NULL;
	if (n == 0)
		return DLT_OK;
	if (!in)
		return dlt_error_set(err, DLT_EINVAL, "NULL string list of length %zu", n);
	if (!(a = dlt_log__txn_keep_mem(t, n * sizeof(*a), err)))
		return DLT_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!in[i] || !(a[i] = dlt_log__txn_keep_str(t, in[i], err)))
			return in[i] ? DLT_ENOMEM
			             : dlt_error_set(err, DLT_EINVAL, "NULL string in a list");
	*out = a;
	return DLT_OK;
}

int64_t dlt_log__txn_now(const dlt_txn *txn)
{
	if (txn && txn->clock)
		return txn->clock(txn->clock_payload);
	return dlt_wall_ms(); /* commit timestamps are dates: never the monotonic clock */
}

const char *dlt_log__isolation_name(dlt_isolation_level l)
{
	return l == DLT_ISOLATION_SERIALIZABLE ? "Serializable" : "WriteSerializable";
}

/* ------------------------------------------------------------- begin -- */

int dlt_txn_options_init(dlt_txn_options *opts, unsigned int version)
{
	dlt_txn_options d = DLT_TXN_OPTIONS_INIT;
	if (!opts || version != DLT_TXN_OPTIONS_VERSION)
		return DLT_EINVAL;
	*opts = d;
	return DLT_OK;
}

int dlt_table_open_location(dlt_table **out, const char *uri, const dlt_open_options *opts,
                            dlt_error *err)
{
	dlt_storage *st = NULL;
	int rc;
	DLT_ARG_CHECK(out != NULL && uri != NULL, err);
	*out = NULL;
	DLT_ARG_CHECK(opts == NULL || opts->version >= 1, err);
	if ((rc = dlt_storage_open(&st, uri, opts ? opts->storage_options : NULL,
	                           opts ? opts->storage_options_len : 0, err)) < 0)
		return rc;
	return dlt_log__table_new(out, st, uri, err);
}

int dlt_table_open_storage(dlt_table **out, dlt_storage *storage, const char *uri,
                           dlt_error *err)
{
	if (!out || !storage) {
		dlt_storage_free(storage);
		return dlt_error_set(err, DLT_EINVAL, "dlt_table_open_storage: invalid argument");
	}
	return dlt_log__table_new(out, storage, uri, err);
}

static int txn_new(dlt_txn **out, dlt_log_root *root, dlt_snapshot *snap,
                   const dlt_txn_options *opts, dlt_error *err)
{
	dlt_txn_options d = DLT_TXN_OPTIONS_INIT;
	dlt_txn *t;
	int rc;

	if (!opts)
		opts = &d;
	if (opts->version < 1 || opts->max_retries < 0 ||
	    (opts->isolation != DLT_ISOLATION_DEFAULT &&
	     opts->isolation != DLT_ISOLATION_WRITE_SERIALIZABLE &&
	     opts->isolation != DLT_ISOLATION_SERIALIZABLE)) {
		dlt_snapshot_free(snap);
		return dlt_error_set(err, DLT_EINVAL, "invalid transaction options");
	}
	if (snap && (rc = dlt_log__check_writer_protocol(&snap->protocol, &snap->metadata,
	                                                 err)) < 0) {
		dlt_snapshot_free(snap);
		return rc;
	}
	if (!(t = dlt_calloc(1, sizeof(*t)))) {
		dlt_snapshot_free(snap);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	dlt_log__root_retain(root);
	t->root = root;
	t->snap = snap;
	t->read_version = snap ? snap->version : -1;
	t->isolation = opts->isolation;
	t->max_retries = opts->max_retries;
	t->write_crc = true;
	t->version = -1;
	if ((opts->operation && !(t->operation = dlt_strdup(opts->operation))) ||
	    (opts->operation_parameters && !(t->op_params = dlt_strdup(opts->operation_parameters))) ||
	    (opts->engine_info && !(t->engine_info = dlt_strdup(opts->engine_info)))) {
		dlt_txn_free(t);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	if (opts->app_id && (rc = dlt_txn_set_app_txn(t, opts->app_id, opts->app_version, err)) < 0) {
		dlt_txn_free(t);
		return rc;
	}
	*out = t;
	return DLT_OK;
}

int dlt_txn_begin(dlt_txn **out, dlt_table *table, const dlt_txn_options *opts, dlt_error *err)
{
	dlt_snapshot *snap = NULL;
	dlt_log_root *root;
	int64_t v = opts ? opts->read_version : -1;
	int rc;

	DLT_ARG_CHECK(out != NULL && table != NULL, err);
	*out = NULL;
	DLT_ARG_CHECK(v >= -1, err);
	root = dlt_log__table_root(table);
	rc = v == -1 ? dlt_log__table_latest(&snap, table, err)
	            : dlt_log__snapshot_load(&snap, root, v, err);
	if (rc == DLT_ENOTFOUND && v == -1) {
		/* no log at all: a new table, unless something is there we cannot see */
		snap = NULL;
	} else if (rc < 0) {
		return rc;
	}
	return txn_new(out, root, snap, opts, err);
}

int dlt_txn_begin_snapshot(dlt_txn **out, dlt_snapshot *snap, const dlt_txn_options *opts,
                           dlt_error *err)
{
	DLT_ARG_CHECK(out != NULL && snap != NULL, err);
	*out = NULL;
	return txn_new(out, snap->root, dlt_snapshot_retain(snap), opts, err);
}

void dlt_txn_free(dlt_txn *txn)
{
	if (!txn)
		return;
	for (size_t i = 0; i < txn->n_owned; i++)
		dlt_free(txn->owned[i]);
	for (size_t i = 0; i < txn->n_preds; i++)
		dlt_expr_free(txn->preds[i]);
	for (size_t i = 0; i < txn->n_hooks; i++)
		dlt_free(txn->hooks[i].name);
	dlt_free(txn->owned);
	dlt_free(txn->preds);
	dlt_free(txn->hooks);
	dlt_free(txn->removed);
	dlt_free(txn->read_files);
	dlt_free(txn->live_index);
	dlt_free(txn->read_parts);
	dlt_free(txn->apps);
	dlt_free(txn->doms);
	dlt_free(txn->metric_names);
	dlt_free(txn->metric_vals);
	dlt_free(txn->ci_keys);
	dlt_free(txn->ci_vals);
	dlt_buf_dispose(&txn->files);
	dlt_free(txn->operation);
	dlt_free(txn->op_params);
	dlt_free(txn->engine_info);
	dlt_snapshot_free(txn->post);
	dlt_snapshot_free(txn->snap);
	dlt_log__root_release(txn->root);
	dlt_free(txn);
}

int64_t dlt_txn_read_version(const dlt_txn *txn)
{
	return txn ? txn->read_version : -1;
}

dlt_snapshot *dlt_txn_snapshot(const dlt_txn *txn)
{
	return txn ? txn->snap : NULL;
}

int dlt_txn_attempts(const dlt_txn *txn)
{
	return txn ? txn->attempts : 0;
}

dlt_log_root *dlt_log__txn_root(const dlt_txn *txn)
{
	return txn->root;
}

const dlt_log_metadata *dlt_log__txn_staged_metadata(const dlt_txn *txn)
{
	return txn->has_md ? &txn->md : NULL;
}

const dlt_log_protocol *dlt_log__txn_staged_protocol(const dlt_txn *txn)
{
	return txn->has_proto ? &txn->proto : NULL;
}

const dlt_log_metadata *dlt_log__txn_metadata(const dlt_txn *txn)
{
	return txn->has_md ? &txn->md : txn->snap ? &txn->snap->metadata : NULL;
}

const dlt_log_protocol *dlt_log__txn_protocol(const dlt_txn *txn)
{
	return txn->has_proto ? &txn->proto : txn->snap ? &txn->snap->protocol : NULL;
}

void dlt_log__txn_set_write_crc(dlt_txn *txn, bool on)
{
	txn->write_crc = on;
}

void dlt_log__txn_set_clock(dlt_txn *txn, dlt_log_clock_fn fn, void *payload)
{
	txn->clock = fn;
	txn->clock_payload = payload;
}

#define CHECK_OPEN(t, err)                                                              \
	do {                                                                            \
		if ((t)->committed)                                                     \
			return dlt_error_set((err), DLT_EINVAL,                         \
			                     "transaction already committed (version %lld)", \
			                     (long long)(t)->version);                  \
	} while (0)

/* ---------------------------------------------------------- staging -- */

static int note_path(char ***arr, size_t *n, size_t *cap, dlt_txn *t, const char *path,
                     dlt_error *err)
{
	char *p;
	int rc;
	if ((rc = dlt_log__txn_grow((void **)arr, cap, *n, sizeof(char *), err)) < 0)
		return rc;
	if (!(p = dlt_log__txn_keep_str(t, path, err)))
		return DLT_ENOMEM;
	(*arr)[(*n)++] = p;
	return DLT_OK;
}

static int check_rel_path(const char *what, const char *path, dlt_error *err)
{
	size_t n;
	if (!path || !*path)
		return dlt_error_set(err, DLT_EINVAL, "%s: empty path", what);
	n = strlen(path);
	if (strchr(path, ':') && strstr(path, "://"))
		return DLT_OK; /* absolute URI */
	if (path[0] == '/' || strcmp(path, "..") == 0 || strncmp(path, "../", 3) == 0 ||
	    strstr(path, "/../") || (n >= 3 && strcmp(path + n - 3, "/..") == 0) ||
	    strstr(path, "//"))
		return dlt_error_set(err, DLT_EINVAL, "%s: path '%s' escapes the table root", what,
		                     path);
	return DLT_OK;
}

static int stage_file(dlt_txn *t, const dlt_log_action *a, dlt_error *err)
{
	const dlt_log_file *f = &a->file;
	const char *what = a->kind == DLT_LOG_ADD ? "add" : a->kind == DLT_LOG_REMOVE ? "remove"
	                                                                                : "cdc";
	dlt_log_action w = *a;
	int rc;

	if ((rc = check_rel_path(what, f->path, err)) < 0)
		return rc;
	if (a->kind != DLT_LOG_REMOVE && f->size < 0)
		return dlt_error_set(err, DLT_EINVAL, "%s '%s': negative size", what, f->path);
	if (f->dv.storage_type && !strchr("uip", f->dv.storage_type))
		return dlt_error_set(err, DLT_EINVAL, "%s '%s': bad deletion vector storage type",
		                     what, f->path);
	if (f->stats) {
		json_error_t je;
		json_t *j = json_loads(f->stats, 0, &je);
		bool ok = json_is_object(j);
		json_decref(j);
		if (!ok)
			return dlt_error_set(err, DLT_EINVAL, "%s '%s': stats is not a JSON object",
			                     what, f->path);
	}
	if (a->kind == DLT_LOG_ADD && f->modification_time < 0)
		w.file.modification_time = dlt_log__txn_now(t);
	if (a->kind == DLT_LOG_REMOVE && f->modification_time < 0)
		w.file.modification_time = dlt_log__txn_now(t);
	if ((rc = dlt_log__write_action(&t->files, &w, err)) < 0)
		return rc;
	switch (a->kind) {
	case DLT_LOG_ADD:
		t->n_add++;
		t->add_bytes += f->size;
		if (!(f->flags & DLT_LOG_FILE_DATA_CHANGE))
			t->n_add_no_change++;
		{
			int64_t nr = f->stats ? dlt_log__stats_num_records(f->stats) : -1;
			if (nr < 0)
				t->add_rows_unknown = true;
			else
				t->add_rows += nr;
		}
		break;
	case DLT_LOG_REMOVE:
		t->n_remove++;
		if (f->size > 0)
			t->remove_bytes += f->size;
		if (f->flags & DLT_LOG_FILE_DATA_CHANGE)
			t->n_remove_data_change++;
		if (f->num_records >= 0)
			t->remove_rows += f->num_records;
		else
			t->remove_rows_unknown = true;
		if ((rc = note_path(&t->removed, &t->n_removed, &t->cap_removed, t, f->path, err)) <
		    0)
			return rc;
		break;
	default:
		t->n_cdc++;
		t->cdc_bytes += f->size;
	}
	return DLT_OK;
}

static int stage_metadata(dlt_txn *t, const dlt_log_metadata *m, dlt_error *err)
{
	dlt_log_metadata c;
	struct ArrowSchema sch;
	char idbuf[40];
	int rc;

	if (!m->schema_string)
		return dlt_error_set(err, DLT_EINVAL, "metadata: schemaString is required");
	memset(&sch, 0, sizeof(sch));
	if ((rc = dlt_log__schema_to_arrow(&sch, m->schema_string, err)) < 0) {
		dlt_error_prefix(err, "metadata: schemaString");
		return rc;
	}
	for (size_t i = 0; i < m->n_partition_columns; i++) {
		bool found = false;
		for (int64_t j = 0; j < sch.n_children && !found; j++)
			found = m->partition_columns[i] &&
			        strcmp(sch.children[j]->name, m->partition_columns[i]) == 0;
		if (!found) {
			sch.release(&sch);
			return dlt_error_set(err, DLT_EINVAL,
			                     "metadata: partition column '%s' is not in the schema",
			                     m->partition_columns[i] ? m->partition_columns[i] : "");
		}
	}
	sch.release(&sch);
	memset(&c, 0, sizeof(c));
	c.created_time = m->created_time;
	if (!m->id) {
		dlt_log__uuid(idbuf);
		c.id = dlt_log__txn_keep_str(t, idbuf, err);
	} else {
		c.id = dlt_log__txn_keep_str(t, m->id, err);
	}
	if (!c.id ||
	    (m->name && !(c.name = dlt_log__txn_keep_str(t, m->name, err))) ||
	    (m->description && !(c.description = dlt_log__txn_keep_str(t, m->description, err))) ||
	    !(c.format_provider = dlt_log__txn_keep_str(
	              t, m->format_provider ? m->format_provider : "parquet", err)) ||
	    !(c.schema_string = dlt_log__txn_keep_str(t, m->schema_string, err)))
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	if ((rc = keep_kvs(&c.format_options, t, &m->format_options, err)) < 0 ||
	    (rc = keep_kvs(&c.configuration, t, &m->configuration, err)) < 0 ||
	    (rc = keep_strs(&c.partition_columns, t, m->partition_columns, m->n_partition_columns,
	                    err)) < 0)
		return rc;
	c.n_partition_columns = m->n_partition_columns;
	t->md = c;
	t->has_md = true;
	return DLT_OK;
}

static int stage_protocol(dlt_txn *t, const dlt_log_protocol *p, dlt_error *err)
{
	dlt_log_protocol c = *p;
	const dlt_log_protocol *cur = t->snap ? &t->snap->protocol : NULL;
	int rc;

	if (p->min_reader_version < 1 || p->min_writer_version < 1)
		return dlt_error_set(err, DLT_EINVAL, "protocol: versions must be >= 1");
	if ((p->n_reader_features && p->min_reader_version != 3) ||
	    (p->n_writer_features && p->min_writer_version != 7))
		return dlt_error_set(err, DLT_EINVAL, "protocol: reader features need reader version 3"
		                     " and writer features writer version 7");
	if (p->min_reader_version == 3 && p->min_writer_version != 7)
		return dlt_error_set(err, DLT_EINVAL, "protocol: reader version 3 needs writer "
		                     "version 7");
	if (cur && (p->min_reader_version < cur->min_reader_version ||
	            p->min_writer_version < cur->min_writer_version))
		return dlt_error_set(err, DLT_EINVAL, "protocol: downgrade from (%d, %d) to (%d, %d) "
		                     "is not supported", (int)cur->min_reader_version,
		                     (int)cur->min_writer_version, (int)p->min_reader_version,
		                     (int)p->min_writer_version);
	c.has_reader_features = p->min_reader_version == 3;
	c.has_writer_features = p->min_writer_version == 7;
	if ((rc = dlt_log__check_writer_protocol(&c, NULL, err)) < 0)
		return rc;
	if ((rc = keep_strs(&c.reader_features, t, p->reader_features, p->n_reader_features,
	                    err)) < 0 ||
	    (rc = keep_strs(&c.writer_features, t, p->writer_features, p->n_writer_features,
	                    err)) < 0)
		return rc;
	t->proto = c;
	t->has_proto = true;
	return DLT_OK;
}

int dlt_log__txn_stage(dlt_txn *txn, const dlt_log_action *a, dlt_error *err)
{
	DLT_ARG_CHECK(txn != NULL && a != NULL, err);
	CHECK_OPEN(txn, err);
	switch (a->kind) {
	case DLT_LOG_ADD:
	case DLT_LOG_REMOVE:
	case DLT_LOG_CDC:
		return stage_file(txn, a, err);
	case DLT_LOG_TXN:
		return dlt_txn_set_app_txn(txn, a->txn.app_id, a->txn.version, err);
	case DLT_LOG_DOMAIN_METADATA:
		return dlt_txn_set_domain_metadata(txn, a->domain.domain, a->domain.configuration,
		                                   a->removed, err);
	case DLT_LOG_METADATA:
		return stage_metadata(txn, &a->metadata, err);
	case DLT_LOG_PROTOCOL:
		return stage_protocol(txn, &a->protocol, err);
	default:
		return dlt_error_set(err, DLT_EINVAL, "cannot stage action kind %d", (int)a->kind);
	}
}

/* Public file struct -> log action (borrowing pointers; kvs built in `kv`). */
static int file_action(dlt_log_action *a, dlt_log_kvs *pv, dlt_log_kvs *tags, dlt_log_kv *kvbuf,
                       dlt_log_action_kind kind, const dlt_txn_file *f, dlt_error *err)
{
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	if (!f || f->version < 1 || !f->path)
		return dlt_error_set(err, DLT_EINVAL, "file: invalid argument (path required)");
	for (size_t i = 0; i < f->n_partition_values; i++) {
		kvbuf[i].key = f->partition_values[i].key;
		kvbuf[i].value = f->partition_values[i].value;
	}
	for (size_t i = 0; i < f->n_tags; i++) {
		kvbuf[f->n_partition_values + i].key = f->tags[i].key;
		kvbuf[f->n_partition_values + i].value = f->tags[i].value ? f->tags[i].value : "";
		if (!f->tags[i].key)
			return dlt_error_set(err, DLT_EINVAL, "file '%s': tag with a NULL key", f->path);
	}
	for (size_t i = 0; i < f->n_partition_values; i++)
		if (!f->partition_values[i].key)
			return dlt_error_set(err, DLT_EINVAL, "file '%s': partition value with a NULL "
			                     "key", f->path);
	pv->n = f->n_partition_values;
	pv->kv = kvbuf;
	tags->n = f->n_tags;
	tags->kv = kvbuf + f->n_partition_values;
	a->file.path = f->path;
	a->file.partition_values = pv;
	a->file.tags = f->n_tags ? tags : NULL;
	a->file.size = f->size;
	a->file.modification_time = kind == DLT_LOG_REMOVE ? f->deletion_timestamp
	                                                   : f->modification_time;
	a->file.stats = f->stats;
	a->file.num_records = f->stats ? dlt_log__stats_num_records(f->stats) : -1;
	if (f->data_change && kind != DLT_LOG_CDC)
		a->file.flags |= DLT_LOG_FILE_DATA_CHANGE;
	if (kind == DLT_LOG_REMOVE && f->size >= 0)
		a->file.flags |= DLT_LOG_FILE_EXTENDED_METADATA;
	if (f->dv) {
		a->file.dv.storage_type = f->dv->storage_type;
		a->file.dv.path_or_inline_dv = f->dv->path_or_inline_dv;
		a->file.dv.offset = f->dv->offset;
		a->file.dv.size_in_bytes = f->dv->size_in_bytes;
		a->file.dv.cardinality = f->dv->cardinality;
		a->file.dv.max_row_index = f->dv->max_row_index;
		if (!f->dv->path_or_inline_dv)
			return dlt_error_set(err, DLT_EINVAL, "file '%s': deletion vector without "
			                     "pathOrInlineDv", f->path);
	}
	a->file.base_row_id = f->base_row_id;
	a->file.default_row_commit_version = f->default_row_commit_version;
	if (f->base_row_id >= 0)
		a->file.flags |= DLT_LOG_FILE_HAS_BASE_ROW_ID;
	if (f->default_row_commit_version >= 0)
		a->file.flags |= DLT_LOG_FILE_HAS_ROW_COMMIT_V;
	return DLT_OK;
}

static int stage_public_file(dlt_txn *txn, dlt_log_action_kind kind, const dlt_txn_file *f,
                             dlt_error *err)
{
	dlt_log_action a;
	dlt_log_kvs pv, tags;
	dlt_log_kv *kv;
	size_t n;
	int rc;

	DLT_ARG_CHECK(txn != NULL && f != NULL, err);
	CHECK_OPEN(txn, err);
	if (dlt_add_overflow(f->n_partition_values, f->n_tags, &n) ||
	    dlt_mul_overflow(n + 1, sizeof(*kv), &n) || !(kv = dlt_malloc(n)))
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	rc = file_action(&a, &pv, &tags, kv, kind, f, err);
	if (rc == DLT_OK)
		rc = stage_file(txn, &a, err);
	dlt_free(kv);
	return rc;
}

int dlt_txn_add_file(dlt_txn *txn, const dlt_txn_file *file, dlt_error *err)
{
	return stage_public_file(txn, DLT_LOG_ADD, file, err);
}

int dlt_txn_remove_file(dlt_txn *txn, const dlt_txn_file *file, dlt_error *err)
{
	return stage_public_file(txn, DLT_LOG_REMOVE, file, err);
}

int dlt_txn_add_cdc(dlt_txn *txn, const dlt_txn_file *file, dlt_error *err)
{
	return stage_public_file(txn, DLT_LOG_CDC, file, err);
}

static int remove_live(dlt_txn *t, const dlt_log_file *f, bool data_change, dlt_error *err)
{
	dlt_log_action a;
	int rc;
	memset(&a, 0, sizeof(a));
	a.kind = DLT_LOG_REMOVE;
	a.file = *f;
	a.file.modification_time = -1;
	a.file.flags = (f->flags & (DLT_LOG_FILE_ABSOLUTE | DLT_LOG_FILE_HAS_BASE_ROW_ID |
	                            DLT_LOG_FILE_HAS_ROW_COMMIT_V)) |
	               DLT_LOG_FILE_EXTENDED_METADATA | (data_change ? DLT_LOG_FILE_DATA_CHANGE : 0);
	a.file.clustering_provider = NULL;
	if ((rc = stage_file(t, &a, err)) < 0)
		return rc;
	return note_path(&t->read_files, &t->n_read_files, &t->cap_read_files, t, f->path, err);
}

/* The live file with this path (the first, if DVs give it several); *err
 * set on ENOMEM. Snapshots list files in log order, so a hash index over
 * them is built on the first lookup. */
static const dlt_log_file *find_live(dlt_txn *t, const char *path, bool *oom)
{
	const dlt_snapshot *s = t->snap;
	*oom = false;
	if (!t->live_index && s->n_files) {
		size_t cap = 16;
		while (cap < 2 * s->n_files)
			cap *= 2;
		if (!(t->live_index = dlt_calloc(cap, sizeof(*t->live_index)))) {
			*oom = true;
			return NULL;
		}
		t->live_index_cap = cap;
		for (size_t i = 0; i < s->n_files; i++) {
			size_t j = (size_t)dlt_log__hash_str(s->files[i].path, 0) & (cap - 1);
			while (t->live_index[j])
				j = (j + 1) & (cap - 1);
			t->live_index[j] = (uint32_t)(i + 1);
		}
	}
	if (!t->live_index)
		return NULL;
	size_t mask = t->live_index_cap - 1;
	for (size_t j = (size_t)dlt_log__hash_str(path, 0) & mask; t->live_index[j];
	     j = (j + 1) & mask) {
		const dlt_log_file *f = &s->files[t->live_index[j] - 1];
		if (strcmp(f->path, path) == 0)
			return f; /* equal paths share a chain: the first in log order */
	}
	return NULL;
}

int dlt_txn_remove_live_file(dlt_txn *txn, const char *path, int data_change, dlt_error *err)
{
	const dlt_log_file *f = NULL;
	bool no_mem = false;
	DLT_ARG_CHECK(txn != NULL && path != NULL, err);
	CHECK_OPEN(txn, err);
	if (txn->snap)
		f = find_live(txn, path, &no_mem);
	if (no_mem)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	if (!f)
		return dlt_error_set(err, DLT_ENOTFOUND, "remove: '%s' is not a live file of version "
		                     "%lld", path, (long long)txn->read_version);
	return remove_live(txn, f, data_change != 0, err);
}

int dlt_log__txn_remove_all(dlt_txn *txn, bool data_change, dlt_error *err)
{
	int rc;
	DLT_ARG_CHECK(txn != NULL, err);
	CHECK_OPEN(txn, err);
	for (size_t i = 0; txn->snap && i < txn->snap->n_files; i++)
		if ((rc = remove_live(txn, &txn->snap->files[i], data_change, err)) < 0)
			return rc;
	return DLT_OK;
}

int dlt_txn_set_app_txn(dlt_txn *txn, const char *app_id, int64_t version, dlt_error *err)
{
	int rc;
	char *id;
	DLT_ARG_CHECK(txn != NULL && app_id != NULL && *app_id && version >= 0, err);
	CHECK_OPEN(txn, err);
	for (size_t i = 0; i < txn->n_apps; i++)
		if (strcmp(txn->apps[i].app_id, app_id) == 0) {
			txn->apps[i].version = version;
			return DLT_OK;
		}
	if ((rc = GROW(txn->apps, txn->n_apps, txn->cap_apps, err)) < 0)
		return rc;
	if (!(id = dlt_log__txn_keep_str(txn, app_id, err)))
		return DLT_ENOMEM;
	txn->apps[txn->n_apps].app_id = id;
	txn->apps[txn->n_apps].version = version;
	txn->apps[txn->n_apps].last_updated = -1;
	txn->n_apps++;
	return DLT_OK;
}

int dlt_txn_set_domain_metadata(dlt_txn *txn, const char *domain, const char *configuration,
                                int removed, dlt_error *err)
{
	dlt_txn_domain *d = NULL;
	int rc;
	DLT_ARG_CHECK(txn != NULL && domain != NULL && *domain, err);
	CHECK_OPEN(txn, err);
	for (size_t i = 0; i < txn->n_doms && !d; i++)
		if (strcmp(txn->doms[i].domain, domain) == 0)
			d = &txn->doms[i];
	if (!d) {
		if ((rc = GROW(txn->doms, txn->n_doms, txn->cap_doms, err)) < 0)
			return rc;
		d = &txn->doms[txn->n_doms];
		if (!(d->domain = dlt_log__txn_keep_str(txn, domain, err)))
			return DLT_ENOMEM;
		txn->n_doms++;
	}
	if (!(d->configuration = dlt_log__txn_keep_str(txn, configuration ? configuration : "",
	                                               err)))
		return DLT_ENOMEM;
	d->removed = removed != 0;
	return DLT_OK;
}

int dlt_txn_set_metadata(dlt_txn *txn, const dlt_txn_metadata *md, dlt_error *err)
{
	dlt_log_metadata m;
	dlt_log_kv *conf = NULL;
	const dlt_log_metadata *cur;
	int rc;
	char idbuf[40];

	DLT_ARG_CHECK(txn != NULL && md != NULL && md->version >= 1, err);
	CHECK_OPEN(txn, err);
	if (!md->schema_string)
		return dlt_error_set(err, DLT_EINVAL, "metadata: schema_string is required");
	cur = txn->snap ? &txn->snap->metadata : NULL;
	memset(&m, 0, sizeof(m));
	if (md->id) {
		m.id = md->id;
	} else if (cur && cur->id) {
		m.id = cur->id;
	} else {
		dlt_log__uuid(idbuf);
		m.id = idbuf;
	}
	m.name = md->name;
	m.description = md->description;
	m.format_provider = "parquet";
	m.schema_string = md->schema_string;
	m.partition_columns = md->partition_columns;
	m.n_partition_columns = md->n_partition_columns;
	m.created_time = md->created_time >= 0 ? md->created_time
	                 : cur ? cur->created_time : dlt_log__txn_now(txn);
	if (md->n_configuration) {
		if (!md->configuration)
			return dlt_error_set(err, DLT_EINVAL, "metadata: NULL configuration");
		if (!(conf = dlt_calloc(md->n_configuration, sizeof(*conf))))
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		for (size_t i = 0; i < md->n_configuration; i++) {
			conf[i].key = md->configuration[i].key;
			conf[i].value = md->configuration[i].value ? md->configuration[i].value : "";
		}
	}
	m.configuration.n = md->n_configuration;
	m.configuration.kv = conf;
	rc = stage_metadata(txn, &m, err);
	dlt_free(conf);
	return rc;
}

int dlt_txn_set_protocol(dlt_txn *txn, const dlt_txn_protocol *proto, dlt_error *err)
{
	dlt_log_protocol p;
	DLT_ARG_CHECK(txn != NULL && proto != NULL, err);
	CHECK_OPEN(txn, err);
	memset(&p, 0, sizeof(p));
	p.min_reader_version = proto->min_reader_version;
	p.min_writer_version = proto->min_writer_version;
	p.reader_features = proto->reader_features;
	p.n_reader_features = proto->n_reader_features;
	p.writer_features = proto->writer_features;
	p.n_writer_features = proto->n_writer_features;
	return stage_protocol(txn, &p, err);
}

static bool json_object_text(const char *s)
{
	json_error_t je;
	json_t *j = json_loads(s, JSON_DECODE_ANY, &je);
	bool ok = json_is_object(j);
	json_decref(j);
	return ok;
}

int dlt_txn_set_operation(dlt_txn *txn, const char *operation, const char *parameters_json,
                          dlt_error *err)
{
	char *op = NULL, *pa = NULL;
	DLT_ARG_CHECK(txn != NULL && operation != NULL && *operation, err);
	CHECK_OPEN(txn, err);
	if (parameters_json && !json_object_text(parameters_json))
		return dlt_error_set(err, DLT_EINVAL, "operation parameters: expected a JSON object");
	if (!(op = dlt_strdup(operation)) || (parameters_json && !(pa = dlt_strdup(parameters_json)))) {
		dlt_free(op);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	dlt_free(txn->operation);
	dlt_free(txn->op_params);
	txn->operation = op;
	txn->op_params = pa;
	return DLT_OK;
}

int dlt_txn_set_metric(dlt_txn *txn, const char *name, int64_t value, dlt_error *err)
{
	int rc;
	DLT_ARG_CHECK(txn != NULL && name != NULL && *name, err);
	CHECK_OPEN(txn, err);
	for (size_t i = 0; i < txn->n_metrics; i++)
		if (strcmp(txn->metric_names[i], name) == 0) {
			txn->metric_vals[i] = value;
			return DLT_OK;
		}
	{
		size_t cap = txn->cap_metrics;
		if ((rc = GROW(txn->metric_names, txn->n_metrics, cap, err)) < 0 ||
		    (rc = GROW(txn->metric_vals, txn->n_metrics, txn->cap_metrics, err)) < 0)
			return rc;
	}
	if (!(txn->metric_names[txn->n_metrics] = dlt_log__txn_keep_str(txn, name, err)))
		return DLT_ENOMEM;
	txn->metric_vals[txn->n_metrics++] = value;
	return DLT_OK;
}

int dlt_txn_set_commit_info(dlt_txn *txn, const char *key, const char *json_value,
                            dlt_error *err)
{
	static const char *const reserved[] = { "timestamp", "operation", "operationParameters",
		"readVersion", "isolationLevel", "isBlindAppend", "operationMetrics", "engineInfo",
		"inCommitTimestamp", "txnId", NULL };
	json_error_t je;
	json_t *j;
	int rc;
	size_t i;

	DLT_ARG_CHECK(txn != NULL && key != NULL && *key && json_value != NULL, err);
	CHECK_OPEN(txn, err);
	for (i = 0; reserved[i]; i++)
		if (strcmp(reserved[i], key) == 0)
			return dlt_error_set(err, DLT_EINVAL, "commitInfo.%s is set by the transaction",
			                     key);
	if (!(j = json_loads(json_value, JSON_DECODE_ANY, &je)))
		return dlt_error_set(err, DLT_EINVAL, "commitInfo.%s: invalid JSON: %s", key, je.text);
	json_decref(j);
	for (i = 0; i < txn->n_ci; i++)
		if (strcmp(txn->ci_keys[i], key) == 0)
			break;
	if (i == txn->n_ci) {
		size_t cap = txn->cap_ci;
		if ((rc = GROW(txn->ci_keys, txn->n_ci, cap, err)) < 0 ||
		    (rc = GROW(txn->ci_vals, txn->n_ci, txn->cap_ci, err)) < 0)
			return rc;
		if (!(txn->ci_keys[i] = dlt_log__txn_keep_str(txn, key, err)))
			return DLT_ENOMEM;
		txn->n_ci++;
	}
	if (!(txn->ci_vals[i] = dlt_log__txn_keep_str(txn, json_value, err)))
		return DLT_ENOMEM;
	return DLT_OK;
}

/* ------------------------------------------------------------ reads -- */

void dlt_txn_read_whole_table(dlt_txn *txn)
{
	if (txn)
		txn->read_whole = true;
}

int dlt_txn_read_predicate(dlt_txn *txn, const dlt_expr *pred, dlt_error *err)
{
	dlt_expr *c = NULL;
	int rc;
	DLT_ARG_CHECK(txn != NULL && pred != NULL, err);
	CHECK_OPEN(txn, err);
	if ((rc = GROW(txn->preds, txn->n_preds, txn->cap_preds, err)) < 0 ||
	    (rc = dlt_expr_clone(&c, pred, err)) < 0)
		return rc;
	txn->preds[txn->n_preds++] = c;
	return DLT_OK;
}

int dlt_txn_read_file(dlt_txn *txn, const char *path, dlt_error *err)
{
	DLT_ARG_CHECK(txn != NULL && path != NULL, err);
	CHECK_OPEN(txn, err);
	return note_path(&txn->read_files, &txn->n_read_files, &txn->cap_read_files, txn, path,
	                 err);
}

int dlt_log__txn_read_partition(dlt_txn *txn, const dlt_log_kvs *partition_values,
                                dlt_error *err)
{
	int rc;
	DLT_ARG_CHECK(txn != NULL && partition_values != NULL, err);
	CHECK_OPEN(txn, err);
	if ((rc = GROW(txn->read_parts, txn->n_read_parts, txn->cap_read_parts, err)) < 0 ||
	    (rc = keep_kvs(&txn->read_parts[txn->n_read_parts], txn, partition_values, err)) < 0)
		return rc;
	txn->n_read_parts++;
	return DLT_OK;
}

/* ------------------------------------------------------------ hooks -- */

#define MAX_GLOBAL_HOOKS 16
static dlt_txn_hook global_hooks[MAX_GLOBAL_HOOKS];
static char global_names[MAX_GLOBAL_HOOKS][64];
static size_t n_global_hooks;

int dlt_log__register_post_commit_hook(const char *name, dlt_log_post_commit_fn fn,
                                       void *payload, dlt_error *err)
{
	size_t i;
	DLT_ARG_CHECK(name != NULL && strlen(name) < 64, err);
	for (i = 0; i < n_global_hooks; i++)
		if (strcmp(global_names[i], name) == 0)
			break;
	if (!fn) {
		if (i < n_global_hooks) {
			for (size_t j = i + 1; j < n_global_hooks; j++) {
				global_hooks[j - 1] = global_hooks[j];
				memcpy(global_names[j - 1], global_names[j], 64);
				global_hooks[j - 1].name = global_names[j - 1];
			}
			n_global_hooks--;
		}
		return DLT_OK;
	}
	if (i == n_global_hooks) {
		if (n_global_hooks == MAX_GLOBAL_HOOKS)
			return dlt_error_set(err, DLT_ELIMIT, "too many post-commit hooks (max %d)",
			                     MAX_GLOBAL_HOOKS);
		n_global_hooks++;
	}
	memcpy(global_names[i], name, strlen(name) + 1);
	global_hooks[i].name = global_names[i];
	global_hooks[i].fn = fn;
	global_hooks[i].payload = payload;
	return DLT_OK;
}


size_t dlt_log__global_hooks(const dlt_txn_hook **out)
{
	*out = global_hooks;
	return n_global_hooks;
}

int dlt_log__txn_add_hook(dlt_txn *txn, const char *name, dlt_log_post_commit_fn fn,
                          void *payload, dlt_error *err)
{
	int rc;
	char *n;
	DLT_ARG_CHECK(txn != NULL && name != NULL && fn != NULL, err);
	if ((rc = GROW(txn->hooks, txn->n_hooks, txn->cap_hooks, err)) < 0)
		return rc;
	if (!(n = dlt_strdup(name)))
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	txn->hooks[txn->n_hooks].name = n;
	txn->hooks[txn->n_hooks].fn = fn;
	txn->hooks[txn->n_hooks].payload = payload;
	txn->n_hooks++;
	return DLT_OK;
}

int dlt_log__txn_hook_status(const dlt_txn *txn, dlt_error *err)
{
	if (!txn || txn->hook_rc == DLT_OK)
		return DLT_OK;
	if (err)
		*err = txn->hook_err;
	return txn->hook_rc;
}

int dlt_log__txn_post_snapshot(dlt_snapshot **out, dlt_txn *txn, dlt_error *err)
{
	int rc;
	DLT_ARG_CHECK(out != NULL && txn != NULL, err);
	*out = NULL;
	if (!txn->committed)
		return dlt_error_set(err, DLT_EINVAL, "transaction not committed");
	if (!txn->post) {
		if (txn->snap)
			rc = dlt_snapshot_update(&txn->post, txn->snap, txn->version, err);
		else
			rc = dlt_log__snapshot_load(&txn->post, txn->root, txn->version, err);
		if (rc < 0)
			return rc;
	}
	*out = txn->post;
	return DLT_OK;
}
