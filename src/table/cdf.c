/*
 * Change data feed (PROTOCOL.md#add-cdc-file, #reader-requirements-for-addcdcfile):
 * per version in the range, the cdc files when the commit has any (their
 * _change_type column says what each row is); otherwise the commit's
 * dataChange adds (insert) and removes (delete). A file removed and re-added
 * in one commit with another deletion vector contributes only the rows the
 * DV change touched. Every version must have delta.enableChangeDataFeed=true.
 */
#include "table/table.h"
#include "compute/compute.h"

#include <strings.h>

typedef struct cdf_action {
	int kind;                 /* DLT_LOG_ADD, DLT_LOG_REMOVE, DLT_LOG_CDC */
	dlt_log_file f;           /* owned copies: path, partition values, dv path */
	dlt_log_kvs kvs;
	dlt_log_kv *kv;
	int paired;               /* add/remove of the same path in the same commit */
} cdf_action;

typedef struct cdf_version {
	int64_t version;
	int64_t timestamp;        /* ms */
	cdf_action *acts;
	size_t n, cap;
	bool has_cdc;
	bool enabled;             /* CDF enabled at this version */
} cdf_version;

typedef struct cdf_state {
	dlt_snapshot *snap;       /* end version (schema, storage) */
	dlt_match_mode mode;
	cdf_version *vers;
	size_t n_vers;
	struct ArrowSchema out_schema;  /* data columns + 3 */
	struct ArrowSchema read_schema; /* full logical + _change_type */
	bool *is_partition;
	int64_t batch_size;
	/* iteration */
	size_t vi, ai;
	int phase;                /* for paired actions: 0 delete rows, 1 insert rows */
	dlt_file_reader *cur;
	const char *cur_change;   /* NULL: from the file (_change_type) */
	dlt_dv_bitmap dv_a, dv_b;
	int64_t rows;
} cdf_state;

int dlt_changes_options_init(dlt_changes_options *opts, unsigned int version)
{
	static const dlt_changes_options def = DLT_CHANGES_OPTIONS_INIT;
	DLT_ARG_CHECK(opts != NULL, NULL);
	if (version != DLT_CHANGES_OPTIONS_VERSION)
		return dlt_error_set(NULL, DLT_EINVAL, "unknown changes options version");
	*opts = def;
	return DLT_OK;
}

static void action_dispose(cdf_action *a)
{
	size_t i;
	dlt_free((char *)a->f.path);
	dlt_free((char *)a->f.dv.path_or_inline_dv);
	for (i = 0; i < a->kvs.n; i++) {
		dlt_free((char *)a->kv[i].key);
		dlt_free((char *)a->kv[i].value);
	}
	dlt_free(a->kv);
}

static void cdf_free(void *p)
{
	cdf_state *s = p;
	size_t i, k;
	if (s == NULL)
		return;
	dlt_table__file_reader_free(s->cur);
	dlt_table__dv_dispose(&s->dv_a);
	dlt_table__dv_dispose(&s->dv_b);
	for (i = 0; i < s->n_vers; i++) {
		for (k = 0; k < s->vers[i].n; k++)
			action_dispose(&s->vers[i].acts[k]);
		dlt_free(s->vers[i].acts);
	}
	dlt_free(s->vers);
	dlt_schema__release(&s->out_schema);
	dlt_schema__release(&s->read_schema);
	dlt_free(s->is_partition);
	dlt_snapshot_free(s->snap);
	dlt_free(s);
}

static bool conf_true(const dlt_log_kvs *conf)
{
	size_t i;
	for (i = 0; i < conf->n; i++)
		if (strcmp(conf->kv[i].key, "delta.enableChangeDataFeed") == 0)
			return conf->kv[i].value != NULL && strcasecmp(conf->kv[i].value, "true") == 0;
	return false;
}

typedef struct collect {
	cdf_version *v;
} collect;

static int collect_cb(const dlt_log_action *a, void *payload, dlt_error *err)
{
	collect *c = payload;
	cdf_version *v = c->v;
	cdf_action *x;
	size_t i;

	if (a->kind == DLT_LOG_METADATA) {
		v->enabled = conf_true(&a->metadata.configuration);
		return DLT_OK;
	}
	if (a->kind != DLT_LOG_ADD && a->kind != DLT_LOG_REMOVE && a->kind != DLT_LOG_CDC)
		return DLT_OK;
	if (a->kind != DLT_LOG_CDC && !(a->file.flags & DLT_LOG_FILE_DATA_CHANGE))
		return DLT_OK;
	if (v->n == v->cap) {
		size_t nc = v->cap ? v->cap * 2 : 8;
		cdf_action *na = dlt_realloc(v->acts, nc * sizeof(*na));
		if (na == NULL)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		v->acts = na;
		v->cap = nc;
	}
	x = &v->acts[v->n];
	memset(x, 0, sizeof(*x));
	x->kind = (int)a->kind;
	x->f = a->file;
	x->f.stats = NULL;
	x->f.tags = NULL;
	x->f.clustering_provider = NULL;
	x->f.path = dlt_strdup(a->file.path);
	x->f.dv.path_or_inline_dv =
		a->file.dv.path_or_inline_dv ? dlt_strdup(a->file.dv.path_or_inline_dv) : NULL;
	x->f.partition_values = &x->kvs; /* fixed up after the array stops moving */
	if (x->f.path == NULL || (a->file.dv.path_or_inline_dv && !x->f.dv.path_or_inline_dv)) {
		action_dispose(x);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	if (a->file.partition_values != NULL && a->file.partition_values->n > 0) {
		size_t n = a->file.partition_values->n;
		if ((x->kv = dlt_calloc(n, sizeof(*x->kv))) == NULL) {
			action_dispose(x);
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		}
		x->kvs.n = n;
		x->kvs.kv = x->kv;
		for (i = 0; i < n; i++) {
			const dlt_log_kv *src = &a->file.partition_values->kv[i];
			x->kv[i].key = dlt_strdup(src->key);
			x->kv[i].value = src->value ? dlt_strdup(src->value) : NULL;
			if (x->kv[i].key == NULL || (src->value && x->kv[i].value == NULL)) {
				action_dispose(x);
				return dlt_error_set(err, DLT_ENOMEM, "out of memory");
			}
		}
	}
	if (a->kind == DLT_LOG_CDC)
		v->has_cdc = true;
	v->n++;
	return DLT_OK;
}

static int add_field(struct ArrowSchema *out, const char *fmt, const char *name,
                     dlt_error *err)
{
	return dlt_schema__init_leaf(out, fmt, name, true, err);
}

static int build_schemas(cdf_state *s, const dlt_changes_options *o, dlt_error *err)
{
	struct ArrowSchema data;
	const struct ArrowSchema *full = &s->snap->schema;
	int64_t i, n;
	size_t k;
	int rc;

	if ((rc = dlt_table__project_schema(&data, full, o->columns, o->n_columns, err)) < 0)
		return rc;
	n = data.n_children;
	if ((rc = dlt_schema__init(&s->out_schema, "+s", "", 0, n + 3, err)) < 0)
		goto done;
	for (i = 0; i < n; i++)
		if ((rc = dlt_schema__copy(s->out_schema.children[i], data.children[i], err)) < 0)
			goto done;
	if ((rc = add_field(s->out_schema.children[n], "u", "_change_type", err)) < 0 ||
	    (rc = add_field(s->out_schema.children[n + 1], "l", "_commit_version", err)) < 0 ||
	    (rc = add_field(s->out_schema.children[n + 2], "tsu:UTC", "_commit_timestamp", err)) <
	        0)
		goto done;
	n = full->n_children;
	if ((rc = dlt_schema__init(&s->read_schema, "+s", "", 0, n + 1, err)) < 0)
		goto done;
	if ((s->is_partition = dlt_calloc((size_t)n + 1, sizeof(bool))) == NULL) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		if ((rc = dlt_schema__copy(s->read_schema.children[i], full->children[i], err)) < 0)
			goto done;
		for (k = 0; k < s->snap->metadata.n_partition_columns; k++)
			if (strcasecmp(s->snap->metadata.partition_columns[k], full->children[i]->name) ==
			    0)
				s->is_partition[i] = true;
	}
	rc = add_field(s->read_schema.children[n], "u", "_change_type", err);
done:
	dlt_schema__release(&data);
	return rc;
}

/* Constant column of n rows. */
static int constant(struct ArrowArray *out, const struct ArrowSchema *sch, const char *str,
                    int64_t iv, int64_t n, dlt_error *err)
{
	dlt_builder *b = NULL;
	int64_t i;
	int rc;
	if ((rc = dlt_builder__new(&b, sch, err)) < 0)
		return rc;
	for (i = 0; i < n && rc == DLT_OK; i++)
		rc = str ? dlt_builder__append_bytes(b, str, strlen(str), err)
		         : dlt_builder__append_int(b, iv, err);
	if (rc == DLT_OK)
		rc = dlt_builder__finish(out, b, err);
	dlt_builder__free(b);
	return rc;
}

static int find_pair(const cdf_version *v, size_t ai, int kind)
{
	size_t k;
	for (k = 0; k < v->n; k++)
		if (k != ai && v->acts[k].kind == kind &&
		    strcmp(v->acts[k].f.path, v->acts[ai].f.path) == 0)
			return (int)k;
	return -1;
}

/* Open the reader for the next unit of work; 0 at the end. */
static int open_next(cdf_state *s, dlt_error *err)
{
	while (s->vi < s->n_vers) {
		cdf_version *v = &s->vers[s->vi];
		cdf_action *a;
		dlt_file_reader_args args;
		int rc, pair = -1;

		if (s->ai >= v->n) {
			s->vi++;
			s->ai = 0;
			s->phase = 0;
			continue;
		}
		a = &v->acts[s->ai];
		dlt_table__dv_dispose(&s->dv_a);
		dlt_table__dv_dispose(&s->dv_b);
		memset(&args, 0, sizeof(args));
		args.storage = s->snap->root->storage;
		args.file = &a->f;
		a->f.partition_values = &a->kvs;
		args.read_schema = &s->read_schema;
		args.is_partition = s->is_partition;
		args.mode = s->mode;
		args.batch_size = s->batch_size;
		if (v->has_cdc) {
			if (a->kind != DLT_LOG_CDC) {
				s->ai++;
				continue;
			}
			s->cur_change = NULL;
			s->ai++;
		} else {
			pair = find_pair(v, s->ai, a->kind == DLT_LOG_ADD ? DLT_LOG_REMOVE : DLT_LOG_ADD);
			if (pair >= 0 && a->kind == DLT_LOG_REMOVE) {
				s->ai++; /* handled with its add */
				continue;
			}
			if (pair < 0) {
				s->cur_change = a->kind == DLT_LOG_ADD ? "insert" : "delete";
				if (a->f.dv.storage_type &&
				    (rc = dlt_table__dv_load(&s->dv_a, &a->f.dv, args.storage, NULL,
				                             err)) < 0)
					return rc;
				args.sel.exclude = a->f.dv.storage_type ? &s->dv_a : NULL;
				s->ai++;
			} else {
				/* re-added with a new DV: rows newly deleted, rows restored */
				const cdf_action *rm = &v->acts[pair];
				if (a->f.dv.storage_type &&
				    (rc = dlt_table__dv_load(&s->dv_a, &a->f.dv, args.storage, NULL,
				                             err)) < 0)
					return rc;
				if (rm->f.dv.storage_type &&
				    (rc = dlt_table__dv_load(&s->dv_b, &rm->f.dv, args.storage, NULL,
				                             err)) < 0)
					return rc;
				if (s->phase == 0) {
					s->cur_change = "delete";
					args.sel.include = &s->dv_a;
					args.sel.exclude = &s->dv_b;
					s->phase = 1;
				} else {
					s->cur_change = "insert";
					args.sel.include = &s->dv_b;
					args.sel.exclude = &s->dv_a;
					s->phase = 0;
					s->ai++;
				}
			}
		}
		if ((rc = dlt_table__file_reader_open(&s->cur, &args, err)) < 0)
			return rc;
		return 1;
	}
	return 0;
}

static int cdf_next(void *state, struct ArrowArray *out, dlt_error *err)
{
	cdf_state *s = state;
	int rc;

	memset(out, 0, sizeof(*out));
	for (;;) {
		struct ArrowArray batch;
		int64_t dec = 0, del = 0, n, nc;
		cdf_version *v;
		if (s->cur == NULL) {
			if ((rc = open_next(s, err)) <= 0)
				return rc;
		}
		if ((rc = dlt_table__file_reader_next(s->cur, &batch, &dec, &del, err)) < 0)
			return rc;
		if (batch.release == NULL) {
			dlt_table__file_reader_free(s->cur);
			s->cur = NULL;
			continue;
		}
		v = &s->vers[s->vi];
		n = batch.length;
		nc = s->out_schema.n_children;
		rc = dlt_table__conform(out, &s->out_schema, &s->read_schema, &batch, n,
		                        DLT_MATCH_NAME, err);
		dlt_array__release(&batch);
		if (rc < 0)
			return rc;
		if (s->cur_change != NULL) {
			dlt_array__release(out->children[nc - 3]);
			rc = constant(out->children[nc - 3], s->out_schema.children[nc - 3],
			              s->cur_change, 0, n, err);
		}
		if (rc == DLT_OK) {
			dlt_array__release(out->children[nc - 2]);
			rc = constant(out->children[nc - 2], s->out_schema.children[nc - 2], NULL,
			              v->version, n, err);
		}
		if (rc == DLT_OK) {
			dlt_array__release(out->children[nc - 1]);
			rc = constant(out->children[nc - 1], s->out_schema.children[nc - 1], NULL,
			              v->timestamp * 1000, n, err);
		}
		if (rc < 0) {
			dlt_array__release(out);
			return rc;
		}
		return DLT_OK;
	}
}

int dlt_table_changes(struct ArrowArrayStream *out, dlt_table *table,
                      const dlt_changes_options *opts, dlt_error *err)
{
	static const dlt_changes_options def = DLT_CHANGES_OPTIONS_INIT;
	dlt_snapshot *latest = NULL, *start = NULL;
	cdf_state *s = NULL;
	struct ArrowSchema sch;
	int64_t from, to, *ts = NULL, v;
	bool enabled;
	int rc;

	DLT_ARG_CHECK(out != NULL && table != NULL, err);
	memset(out, 0, sizeof(*out));
	if (opts == NULL)
		opts = &def;
	if (opts->version != DLT_CHANGES_OPTIONS_VERSION)
		return dlt_error_set(err, DLT_EINVAL, "changes options: unknown version %u",
		                     opts->version);
	if ((rc = dlt_table_snapshot(&latest, table, -1, err)) < 0)
		return rc;
	from = opts->start_version;
	to = opts->end_version < 0 ? latest->version : opts->end_version;
	if (opts->by_timestamp) {
		int64_t n = latest->version + 1, i;
		if ((rc = dlt_log__commit_timestamps(&ts, latest->root, 0, latest->version, latest,
		                                     err)) < 0)
			goto fail;
		for (from = -1, i = 0; i < n; i++)
			if (ts[i] >= opts->start_timestamp_ms) {
				from = i;
				break;
			}
		to = -1;
		for (i = 0; i < n; i++)
			if (opts->end_timestamp_ms < 0 || ts[i] <= opts->end_timestamp_ms)
				to = i;
		dlt_free(ts);
		ts = NULL;
		if (from < 0 || to < 0) {
			rc = dlt_error_set(err, DLT_ENOTFOUND,
			                   "change data feed: no commit in the timestamp range");
			goto fail;
		}
	}
	if (from < 0 || from > to) {
		rc = dlt_error_set(err, DLT_EINVAL,
		                   "change data feed: bad version range %" PRId64 " to %" PRId64, from,
		                   to);
		goto fail;
	}
	if (to > latest->version) {
		rc = dlt_error_set(err, DLT_ENOTFOUND,
		                   "change data feed: version %" PRId64 " does not exist (latest %" PRId64
		                   ")", to, latest->version);
		goto fail;
	}
	if ((s = dlt_calloc(1, sizeof(*s))) == NULL) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto fail;
	}
	s->batch_size = opts->batch_size;
	if ((rc = dlt_table_snapshot(&s->snap, table, to, err)) < 0 ||
	    (rc = dlt_table_snapshot(&start, table, from, err)) < 0)
		goto fail;
	s->mode = dlt_table__match_mode(s->snap);
	if ((rc = build_schemas(s, opts, err)) < 0)
		goto fail;
	enabled = conf_true(&start->metadata.configuration);
	if ((s->vers = dlt_calloc((size_t)(to - from + 1), sizeof(*s->vers))) == NULL) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto fail;
	}
	for (v = from; v <= to; v++) {
		cdf_version *cv = &s->vers[s->n_vers++];
		collect c;
		cv->version = v;
		cv->enabled = enabled;
		c.v = cv;
		if ((rc = dlt_log__read_commit(s->snap->root, v, collect_cb, &c, &cv->timestamp,
		                               err)) < 0)
			goto fail;
		if (!cv->enabled) {
			rc = dlt_error_set(err, DLT_EUNSUPPORTED,
			                   "change data feed is not enabled at version %" PRId64
			                   " (table property delta.enableChangeDataFeed is not true)", v);
			goto fail;
		}
		enabled = cv->enabled;
	}
	if ((rc = dlt_schema__copy(&sch, &s->out_schema, err)) < 0)
		goto fail;
	dlt_snapshot_free(start);
	dlt_snapshot_free(latest);
	return dlt_stream__new(out, &sch, cdf_next, cdf_free, s, err);
fail:
	dlt_free(ts);
	cdf_free(s);
	dlt_snapshot_free(start);
	dlt_snapshot_free(latest);
	return rc;
}
