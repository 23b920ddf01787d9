/* Table properties set / unset: one commit with a new metaData action
 * (the protocol is upgraded in the same commit when a property needs it). */
#include "ops/ops.h"
#include "util/parse.h"

#include <string.h>

static int commit_config(int64_t *version_out, dlt_table *table, const dlt_kv *set, size_t n_set,
                         const char *const *unset, size_t n_unset, int if_exists,
                         dlt_error *err)
{
	dlt_txn_options to = DLT_TXN_OPTIONS_INIT;
	dlt_txn_metadata md = DLT_TXN_METADATA_INIT;
	dlt_txn *txn = NULL;
	dlt_snapshot *snap;
	dlt_kv *conf = NULL;
	dlt_buf params = DLT_BUF_INIT;
	size_t nc = 0;
	int rc;

	if (version_out)
		*version_out = -1;
	to.operation = set ? "SET TBLPROPERTIES" : "UNSET TBLPROPERTIES";
	if ((rc = dlt_txn_begin(&txn, table, &to, err)) < 0)
		goto done;
	if (!(snap = dlt_txn_snapshot(txn))) {
		rc = dlt_error_set(err, DLT_ENOTFOUND, "no delta table at %s", dlt_table_uri(table));
		goto done;
	}
	for (size_t i = 0; i < n_set; i++) {
		if (!set[i].key || !set[i].value) {
			rc = dlt_error_set(err, DLT_EINVAL, "property %zu: NULL key or value", i);
			goto done;
		}
		if (strncmp(set[i].key, "delta.constraints.", 18) == 0) {
			dlt_expr *e = NULL;
			rc = dlt_expr_parse(&e, set[i].value, err);
			dlt_expr_free(e);
			if (rc < 0) {
				dlt_error_prefix(err, "check constraint '%s'", set[i].key + 18);
				goto done;
			}
		}
		if (strcmp(set[i].key, "delta.appendOnly") == 0) {
			bool b;
			if (dlt_parse_bool(set[i].value, strlen(set[i].value), &b) != DLT_PARSE_OK) {
				rc = dlt_error_set(err, DLT_EINVAL, "table property delta.appendOnly: "
				                   "expected true or false, got '%s'", set[i].value);
				goto done;
			}
		}
	}
	for (size_t i = 0; i < n_unset; i++) {
		bool found = false;
		if (!unset[i]) {
			rc = dlt_error_set(err, DLT_EINVAL, "property %zu: NULL key", i);
			goto done;
		}
		(void)dlt_log__kvs_get(&snap->metadata.configuration, unset[i], &found);
		if (!found && !if_exists) {
			rc = dlt_error_set(err, DLT_ENOTFOUND, "table property '%s' is not set", unset[i]);
			goto done;
		}
	}
	if (!(conf = dlt_calloc(snap->metadata.configuration.n + n_set + 1, sizeof(*conf)))) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < snap->metadata.configuration.n; i++) {
		const dlt_log_kv *kv = &snap->metadata.configuration.kv[i];
		bool drop = false;
		for (size_t j = 0; j < n_unset; j++)
			if (strcmp(unset[j], kv->key) == 0)
				drop = true;
		for (size_t j = 0; j < n_set; j++)
			if (strcmp(set[j].key, kv->key) == 0)
				drop = true;
		if (!drop) {
			conf[nc].key = kv->key;
			conf[nc++].value = kv->value ? kv->value : "";
		}
	}
	for (size_t j = 0; j < n_set; j++) {
		bool dup = false;
		for (size_t k = j + 1; k < n_set; k++)
			if (strcmp(set[j].key, set[k].key) == 0)
				dup = true;
		if (!dup)
			conf[nc++] = set[j];
	}
	rc = dlt_buf_append_str(&params, "{\"properties\":", err);
	{
		dlt_buf t = DLT_BUF_INIT;
		if (rc == 0)
			rc = dlt_buf_append_byte(&t, set ? '{' : '[', err);
		for (size_t j = 0; rc == 0 && j < (set ? n_set : n_unset); j++) {
			if (j)
				rc = dlt_buf_append_byte(&t, ',', err);
			if (rc == 0)
				rc = dlt_ops__json_str(&t, set ? set[j].key : unset[j], err);
			if (rc == 0 && set && (rc = dlt_buf_append_byte(&t, ':', err)) == 0)
				rc = dlt_ops__json_str(&t, set[j].value, err);
		}
		if (rc == 0)
			rc = dlt_buf_append_byte(&t, set ? '}' : ']', err);
		if (rc == 0)
			rc = dlt_ops__json_strn(&params, (const char *)t.data, t.len, err);
		dlt_buf_dispose(&t);
	}
	if (rc == 0)
		rc = dlt_buf_append_str(&params, "}", err);
	if (rc == 0)
		rc = dlt_buf_append_byte(&params, 0, err);
	if (rc < 0 || (rc = dlt_txn_set_operation(txn, to.operation, (const char *)params.data,
	                                          err)) < 0)
		goto done;
	md.id = snap->metadata.id;
	md.name = snap->metadata.name;
	md.description = snap->metadata.description;
	md.schema_string = snap->metadata.schema_string;
	md.partition_columns = snap->metadata.partition_columns;
	md.n_partition_columns = snap->metadata.n_partition_columns;
	md.configuration = conf;
	md.n_configuration = nc;
	md.created_time = snap->metadata.created_time;
	if ((rc = dlt_txn_set_metadata(txn, &md, err)) < 0 ||
	    (rc = dlt_txn_commit(version_out, txn, err)) < 0)
		goto done;
done:
	dlt_buf_dispose(&params);
	dlt_free(conf);
	dlt_txn_free(txn);
	return rc;
}

int dlt_table_set_properties(int64_t *version_out, dlt_table *table, const dlt_kv *props,
                             size_t n, dlt_error *err)
{
	static const dlt_kv none[1] = { { NULL, NULL } };
	DLT_ARG_CHECK(table != NULL && (n == 0 || props != NULL), err);
	/* a non-NULL `set` selects SET (even with no properties) */
	return commit_config(version_out, table, props ? props : none, n, NULL, 0, 0, err);
}

int dlt_table_unset_properties(int64_t *version_out, dlt_table *table, const char *const *keys,
                               size_t n, int if_exists, dlt_error *err)
{
	DLT_ARG_CHECK(table != NULL && (n == 0 || keys != NULL), err);
	return commit_config(version_out, table, NULL, 0, keys, n, if_exists, err);
}
