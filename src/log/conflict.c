/* Conflict detection against a winning commit (Delta's optimistic
 * concurrency rules, docs "concurrency control" / ConflictChecker):
 * protocol change, metadata change, concurrent append (files added that
 * match what we read: SERIALIZABLE always, WRITE_SERIALIZABLE only when the
 * winner was not a blind append), concurrent delete-read, concurrent
 * delete-delete, concurrent transaction (same appId), same domain. */
#include "log/txn.h"
#include "arrow/arrow.h"
#include "compute/compute.h"

#include <inttypes.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { C_PROTOCOL, C_METADATA, C_APPEND, C_DELETE_READ, C_DELETE_DELETE, C_TXN, C_DOMAIN, C_N };

typedef struct wctx {
	dlt_txn *t;
	bool blind;
	const char *op;                  /* winner's operation (pass 1 copy) */
	char opbuf[64];
	int64_t ict;
	char reason[C_N][400];
	bool hit[C_N];
} wctx;

static int pass1(const dlt_log_action *a, void *payload, dlt_error *err)
{
	wctx *c = payload;
	(void)err;
	if (a->kind == DLT_LOG_COMMIT_INFO) {
		json_error_t je;
		json_t *j = a->json ? json_loads(a->json, 0, &je) : NULL;
		json_t *b = j ? json_object_get(j, "isBlindAppend") : NULL;
		c->blind = json_is_true(b);
		c->ict = a->ict;
		if (a->operation) {
			snprintf(c->opbuf, sizeof(c->opbuf), "%s", a->operation);
			c->op = c->opbuf;
		}
		json_decref(j);
	}
	return DLT_OK;
}

static bool in_sorted(char *const *arr, size_t n, const char *s)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int k = strcmp(arr[mid], s);
		if (k == 0)
			return true;
		if (k < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool kvs_subset(const dlt_log_kvs *want, const dlt_log_kvs *have)
{
	for (size_t i = 0; i < want->n; i++) {
		bool found;
		const char *v = have ? dlt_log__kvs_get(have, want->kv[i].key, &found) : NULL;
		if (!have || !found)
			return false;
		if ((v == NULL) != (want->kv[i].value == NULL))
			return false;
		if (v && strcmp(v, want->kv[i].value) != 0)
			return false;
	}
	return true;
}

/* One utf8 value cast to `format`; *lost: a non-null text became null. */
static int typed_value(struct ArrowArray *out, const char *text, const char *format, bool *lost,
                       dlt_error *err)
{
	struct ArrowSchema us;
	struct ArrowArray ua;
	dlt_builder *b = NULL;
	int rc;

	memset(&us, 0, sizeof(us));
	memset(&ua, 0, sizeof(ua));
	if ((rc = dlt_schema__init_leaf(&us, "u", "v", true, err)) < 0)
		return rc;
	if ((rc = dlt_builder__new(&b, &us, err)) < 0)
		goto done;
	rc = text ? dlt_builder__append_bytes(b, text, strlen(text), err)
	          : dlt_builder__append_null(b, err);
	if (rc < 0 || (rc = dlt_builder__finish(&ua, b, err)) < 0)
		goto done;
	if ((rc = dlt_compute__cast(out, &us, &ua, format, DLT_CAST_SAFE, err)) < 0)
		goto done;
	*lost = text && out->null_count != 0;
done:
	dlt_builder__free(b);
	dlt_array__release(&ua);
	dlt_schema__release(&us);
	return rc;
}

/*
 * May a file with partition values `pv` hold rows matching one of our read
 * predicates? Conservative: any difficulty (unknown column, cast failure)
 * answers yes.
 */
static bool pred_may_match(const dlt_txn *t, const dlt_log_kvs *pv)
{
	const dlt_snapshot *s = t->snap;
	struct ArrowSchema ps;
	struct ArrowArray pa;
	dlt_file_stats fs = DLT_FILE_STATS_INIT;
	size_t np;
	bool may = true;
	dlt_error e;

	if (!s || t->n_preds == 0)
		return t->n_preds != 0;
	np = s->metadata.n_partition_columns;
	memset(&ps, 0, sizeof(ps));
	memset(&pa, 0, sizeof(pa));
	if (np) {
		if (dlt_schema__init(&ps, "+s", "", 0, (int64_t)np, &e) < 0)
			return true;
		if (dlt_array__init(&pa, 1, (int64_t)np, &e) < 0)
			goto done;
		pa.length = 1;
		for (size_t i = 0; i < np; i++) {
			const char *name = s->metadata.partition_columns[i];
			const struct ArrowSchema *f = NULL;
			const char *key = name, *phys, *text;
			int32_t plen;
			bool found, lost = false;
			char pbuf[256];

			for (int64_t j = 0; j < s->schema.n_children && !f; j++)
				if (strcmp(s->schema.children[j]->name, name) == 0)
					f = s->schema.children[j];
			if (!f || dlt_schema__copy(ps.children[i], f, &e) < 0)
				goto done;
			if (s->column_mapping != DLT_LOG_CM_NONE &&
			    dlt_schema__metadata_get(f, "delta.columnMapping.physicalName", &phys,
			                             &plen) == DLT_OK &&
			    plen > 0 && (size_t)plen < sizeof(pbuf)) {
				memcpy(pbuf, phys, (size_t)plen);
				pbuf[plen] = 0;
				key = pbuf;
			}
			text = pv ? dlt_log__kvs_get(pv, key, &found) : NULL;
			if (text && !*text)
				text = NULL;
			if (typed_value(pa.children[i], text, f->format, &lost, &e) < 0 || lost)
				goto done;
		}
		fs.partition_schema = &ps;
		fs.partition_values = &pa;
	}
	may = false;
	for (size_t i = 0; i < t->n_preds && !may; i++) {
		int m = 1;
		if (dlt_expr_may_match(&m, t->preds[i], &s->schema, &fs, &e) < 0 || m)
			may = true;
	}
done:
	dlt_array__release(&pa);
	dlt_schema__release(&ps);
	return may;
}

/* Did we read data that a file with these partition values belongs to? */
static bool read_matches(const dlt_txn *t, const dlt_log_kvs *pv)
{
	for (size_t i = 0; i < t->n_read_parts; i++)
		if (kvs_subset(&t->read_parts[i], pv))
			return true;
	return pred_may_match(t, pv);
}

static void note(wctx *c, int kind, const char *fmt, ...) DLT_PRINTF(3, 4);
static void note(wctx *c, int kind, const char *fmt, ...)
{
	va_list ap;
	if (c->hit[kind])
		return;
	c->hit[kind] = true;
	va_start(ap, fmt);
	vsnprintf(c->reason[kind], sizeof(c->reason[kind]), fmt, ap);
	va_end(ap);
}

static int pass2(const dlt_log_action *a, void *payload, dlt_error *err)
{
	wctx *c = payload;
	dlt_txn *t = c->t;
	(void)err;
	switch (a->kind) {
	case DLT_LOG_PROTOCOL:
		note(c, C_PROTOCOL, "the protocol was changed concurrently");
		break;
	case DLT_LOG_METADATA:
		note(c, C_METADATA, "the metadata (schema, partitioning or properties) was changed "
		     "concurrently");
		break;
	case DLT_LOG_ADD:
		if (!(a->file.flags & DLT_LOG_FILE_DATA_CHANGE))
			break;
		if (t->isolation != DLT_ISOLATION_SERIALIZABLE && c->blind)
			break;
		if (t->read_whole)
			note(c, C_APPEND, "concurrent append: file '%s' was added to the table this "
			     "transaction read", a->file.path);
		else if (!c->hit[C_APPEND] && read_matches(t, a->file.partition_values))
			note(c, C_APPEND, "concurrent append: file '%s' was added to data this "
			     "transaction read", a->file.path);
		break;
	case DLT_LOG_REMOVE:
		if (in_sorted(t->removed, t->n_removed, a->file.path))
			note(c, C_DELETE_DELETE, "concurrent delete-delete: file '%s' was removed by "
			     "both transactions", a->file.path);
		if (t->read_whole || in_sorted(t->read_files, t->n_read_files, a->file.path))
			note(c, C_DELETE_READ, "concurrent delete-read: file '%s' read by this "
			     "transaction was removed", a->file.path);
		/* With the files read listed (DML: the candidates left after pruning),
		 * they are what was read, as Delta's readFiles: a winner removing other
		 * files (disjoint ones) does not conflict; a winner re-adding their rows
		 * is caught as a concurrent append. Without them, the predicates and
		 * partitions read stand for the files read. */
		else if (!c->hit[C_DELETE_READ] && t->n_read_files == 0 &&
		         (t->n_read_parts || t->n_preds) && read_matches(t, a->file.partition_values))
			note(c, C_DELETE_READ, "concurrent delete-read: file '%s' in data this "
			     "transaction read was removed", a->file.path);
		break;
	case DLT_LOG_TXN:
		for (size_t i = 0; i < t->n_apps; i++)
			if (strcmp(t->apps[i].app_id, a->txn.app_id) == 0)
				note(c, C_TXN, "concurrent transaction: application id '%s' was committed "
				     "concurrently", a->txn.app_id);
		break;
	case DLT_LOG_DOMAIN_METADATA:
		for (size_t i = 0; i < t->n_doms; i++)
			if (strcmp(t->doms[i].domain, a->domain.domain) == 0)
				note(c, C_DOMAIN, "concurrent domain metadata: domain '%s' was changed "
				     "concurrently", a->domain.domain);
		break;
	default:
		break;
	}
	return DLT_OK;
}

int dlt_log__txn_check_winner(dlt_txn *txn, int64_t version, const uint8_t *data, size_t len,
                              int64_t *ict_out, dlt_error *err)
{
	wctx *c;
	char name[64];
	int rc;

	if (!(c = dlt_calloc(1, sizeof(*c))))
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	c->t = txn;
	c->ict = -1;
	snprintf(name, sizeof(name), "_delta_log/%020" PRId64 ".json", version);
	if ((rc = dlt_log__parse_actions((const char *)data, len, name, pass1, c, err)) < 0 ||
	    (rc = dlt_log__parse_actions((const char *)data, len, name, pass2, c, err)) < 0)
		goto done;
	*ict_out = c->ict;
	for (int k = 0; k < C_N; k++)
		if (c->hit[k]) {
			rc = dlt_error_set(err, DLT_ECONFLICT, "commit conflict with version %" PRId64
			                   " (%s): %s", version, c->op ? c->op : "unknown operation",
			                   c->reason[k]);
			break;
		}
done:
	dlt_free(c);
	return rc;
}
