/* dlt_table_create: commit version 0 (protocol + metadata) of a new table,
 * or handle an existing one per the mode. The protocol is the lowest the
 * schema and properties need (dlt_txn_set_metadata computes it). Column
 * mapping in name mode gives every field (nested too) an id and a
 * physical name "col-<uuid>" (PROTOCOL.md#column-mapping). */
#include "ops/ops.h"
#include "util/parse.h"

#include <stdio.h>
#include <string.h>

int dlt_create_options_init(dlt_create_options *opts, unsigned int version)
{
	dlt_create_options d = DLT_CREATE_OPTIONS_INIT;
	if (!opts || version != DLT_CREATE_OPTIONS_VERSION)
		return DLT_EINVAL;
	*opts = d;
	return DLT_OK;
}

/* Set (or replace) one metadata key of a schema we own, keeping the others. */
static int meta_put(struct ArrowSchema *s, const char *key, const char *value, dlt_error *err)
{
	const char *md = s->metadata;
	const char **keys = NULL, **vals = NULL;
	char **own = NULL;
	int32_t n = 0, kl, vl;
	size_t pos = 4, k = 0;
	int rc;

	if (md)
		memcpy(&n, md, 4);
	keys = dlt_calloc((size_t)n + 1, sizeof(*keys));
	vals = dlt_calloc((size_t)n + 1, sizeof(*vals));
	own = dlt_calloc((size_t)n * 2 + 1, sizeof(*own));
	if (!keys || !vals || !own) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto done;
	}
	for (int32_t i = 0; i < n; i++) {
		memcpy(&kl, md + pos, 4);
		own[2 * i] = dlt_strndup(md + pos + 4, (size_t)kl);
		pos += 4 + (size_t)kl;
		memcpy(&vl, md + pos, 4);
		own[2 * i + 1] = dlt_strndup(md + pos + 4, (size_t)vl);
		pos += 4 + (size_t)vl;
		if (!own[2 * i] || !own[2 * i + 1]) {
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
			goto done;
		}
		if (strcmp(own[2 * i], key) == 0)
			continue;
		keys[k] = own[2 * i];
		vals[k++] = own[2 * i + 1];
	}
	keys[k] = key;
	vals[k++] = value;
	rc = dlt_schema__set_metadata(s, keys, vals, k, err);
done:
	if (own)
		for (int32_t i = 0; i < 2 * n; i++)
			dlt_free(own[i]);
	dlt_free(own);
	dlt_free(keys);
	dlt_free(vals);
	return rc;
}

/* Assign column mapping ids and physical names to every struct field. */
int dlt_ops__assign_mapping(struct ArrowSchema *s, int64_t *next_id, int depth, dlt_error *err)
{
	int rc;

	if (depth > 64)
		return DLT_OK;
	for (int64_t i = 0; i < s->n_children; i++) {
		struct ArrowSchema *c = s->children[i];
		const char *tmp;
		int32_t tl;
		if (strcmp(s->format, "+s") == 0 &&
		    dlt_schema__metadata_get(c, "delta.columnMapping.id", &tmp, &tl) != DLT_OK) {
			char id[32], uuid[37], phys[48];
			snprintf(id, sizeof(id), "%" PRId64, ++*next_id);
			if ((rc = dlt_ops__uuid(uuid, err)) < 0)
				return rc;
			snprintf(phys, sizeof(phys), "col-%s", uuid);
			if ((rc = meta_put(c, "delta.columnMapping.id", id, err)) < 0 ||
			    (rc = meta_put(c, "delta.columnMapping.physicalName", phys, err)) < 0)
				return rc;
		}
		if ((rc = dlt_ops__assign_mapping(c, next_id, depth + 1, err)) < 0)
			return rc;
	}
	return DLT_OK;
}

static int check_properties(const dlt_kv *p, size_t n, dlt_error *err)
{
	for (size_t i = 0; i < n; i++) {
		const char *k = p[i].key, *v = p[i].value;
		if (!k || !v)
			return dlt_error_set(err, DLT_EINVAL, "table property %zu: NULL key or value", i);
		if (strcmp(k, "delta.appendOnly") == 0 || strcmp(k, "delta.enableChangeDataFeed") == 0 ||
		    strcmp(k, "delta.enableDeletionVectors") == 0 ||
		    strcmp(k, "delta.enableTypeWidening") == 0 ||
		    strcmp(k, "delta.enableInCommitTimestamps") == 0) {
			bool b;
			if (dlt_parse_bool(v, strlen(v), &b) != DLT_PARSE_OK)
				return dlt_error_set(err, DLT_EINVAL, "table property %s: expected true or "
				                     "false, got '%s'", k, v);
		} else if (strcmp(k, "delta.dataSkippingNumIndexedCols") == 0) {
			int64_t x;
			if (dlt_parse_int64(v, strlen(v), &x) != DLT_PARSE_OK || x < -1)
				return dlt_error_set(err, DLT_EINVAL, "table property %s: expected an integer "
				                     ">= -1, got '%s'", k, v);
		} else if (strcmp(k, "delta.columnMapping.mode") == 0) {
			if (strcmp(v, "none") != 0 && strcmp(v, "name") != 0 && strcmp(v, "id") != 0)
				return dlt_error_set(err, DLT_EINVAL, "table property %s: expected none, name "
				                     "or id, got '%s'", k, v);
		} else if (strncmp(k, "delta.constraints.", 18) == 0) {
			dlt_expr *e = NULL;
			int rc = dlt_expr_parse(&e, v, err);
			dlt_expr_free(e);
			if (rc < 0)
				return dlt_error_prefix(err, "check constraint '%s'", k + 18);
		}
	}
	return DLT_OK;
}

int dlt_ops__check_partition_columns(const struct ArrowSchema *schema, const char *const *cols,
                                     size_t n, dlt_error *err)
{
	for (size_t i = 0; i < n; i++) {
		const struct ArrowSchema *f = NULL;
		char tn[128];
		if (!cols[i])
			return dlt_error_set(err, DLT_EINVAL, "partition column %zu is NULL", i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(cols[i], cols[j]) == 0)
				return dlt_error_set(err, DLT_ESCHEMA, "partition column '%s' listed twice",
				                     cols[i]);
		for (int64_t c = 0; c < schema->n_children; c++)
			if (strcmp(schema->children[c]->name, cols[i]) == 0)
				f = schema->children[c];
		if (!f)
			return dlt_error_set(err, DLT_ESCHEMA, "unknown partition column '%s': not a "
			                     "column of the schema", cols[i]);
		dlt_ops__type_name(f, tn, sizeof(tn));
		if (f->format[0] == '+')
			return dlt_error_set(err, DLT_ESCHEMA, "partition column '%s': type %s cannot be "
			                     "a partition column", cols[i], tn);
	}
	return DLT_OK;
}

static int params_json(dlt_buf *b, const dlt_create_options *o, dlt_error *err)
{
	int rc = dlt_buf_append_str(b, "{\"isManaged\":\"false\",\"partitionBy\":", err);
	dlt_buf pb = DLT_BUF_INIT, props = DLT_BUF_INIT;

	if (rc == 0)
		rc = dlt_buf_append_byte(&pb, '[', err);
	for (size_t i = 0; rc == 0 && i < o->partition_by_len; i++) {
		if (i)
			rc = dlt_buf_append_byte(&pb, ',', err);
		if (rc == 0)
			rc = dlt_ops__json_str(&pb, o->partition_by[i], err);
	}
	if (rc == 0)
		rc = dlt_buf_append_byte(&pb, ']', err);
	if (rc == 0)
		rc = dlt_buf_append_byte(&pb, 0, err);
	if (rc == 0)
		rc = dlt_ops__json_str(b, (const char *)pb.data, err);
	if (rc == 0)
		rc = dlt_buf_append_byte(&props, '{', err);
	for (size_t i = 0; rc == 0 && i < o->properties_len; i++) {
		if (i)
			rc = dlt_buf_append_byte(&props, ',', err);
		if (rc == 0)
			rc = dlt_ops__json_str(&props, o->properties[i].key, err);
		if (rc == 0)
			rc = dlt_buf_append_byte(&props, ':', err);
		if (rc == 0)
			rc = dlt_ops__json_str(&props, o->properties[i].value, err);
	}
	if (rc == 0)
		rc = dlt_buf_append_str(&props, "}", err);
	if (rc == 0)
		rc = dlt_buf_append_byte(&props, 0, err);
	if (rc == 0 && o->description) {
		rc = dlt_buf_append_str(b, ",\"description\":", err);
		if (rc == 0)
			rc = dlt_ops__json_str(b, o->description, err);
	}
	if (rc == 0)
		rc = dlt_buf_append_str(b, ",\"properties\":", err);
	if (rc == 0)
		rc = dlt_ops__json_str(b, (const char *)props.data, err);
	if (rc == 0)
		rc = dlt_buf_append_str(b, "}", err);
	if (rc == 0)
		rc = dlt_buf_append_byte(b, 0, err);
	dlt_buf_dispose(&pb);
	dlt_buf_dispose(&props);
	return rc;
}

int dlt_table_create(dlt_table **out, const char *uri, const struct ArrowSchema *schema,
                     const dlt_create_options *opts, dlt_error *err)
{
	dlt_create_options o = DLT_CREATE_OPTIONS_INIT;
	dlt_open_options oo = DLT_OPEN_OPTIONS_INIT;
	dlt_txn_options to = DLT_TXN_OPTIONS_INIT;
	dlt_txn_metadata md = DLT_TXN_METADATA_INIT;
	struct ArrowSchema s;
	dlt_table *t = NULL;
	dlt_txn *txn = NULL;
	dlt_kv *conf = NULL;
	char *schema_json = NULL;
	dlt_buf params = DLT_BUF_INIT;
	char maxid[32];
	size_t nconf = 0;
	int64_t next_id = 0;
	bool cm = false;
	int rc;

	if (out)
		*out = NULL;
	memset(&s, 0, sizeof(s));
	DLT_ARG_CHECK(uri != NULL && schema != NULL && schema->format != NULL, err);
	DLT_ARG_CHECK(opts == NULL || opts->version >= 1, err);
	if (opts)
		o = *opts;
	DLT_ARG_CHECK(o.mode >= DLT_WRITE_APPEND && o.mode <= DLT_WRITE_IGNORE, err);
	DLT_ARG_CHECK(o.partition_by_len == 0 || o.partition_by != NULL, err);
	DLT_ARG_CHECK(o.properties_len == 0 || o.properties != NULL, err);
	if ((rc = dlt_arrow__validate_schema(schema, err)) < 0)
		return rc;
	if (strcmp(schema->format, "+s") != 0)
		return dlt_error_set(err, DLT_ESCHEMA, "create table: schema must be a struct (\"+s\"), "
		                     "got \"%s\"", schema->format);
	if ((rc = check_properties(o.properties, o.properties_len, err)) < 0 ||
	    (rc = dlt_ops__check_partition_columns(schema, o.partition_by, o.partition_by_len,
	                                           err)) < 0)
		return rc;
	if ((rc = dlt_schema__copy_decoded(&s, schema, err)) < 0)
		return rc;
	/* properties, plus column mapping ones */
	for (size_t i = 0; i < o.properties_len; i++)
		if (strcmp(o.properties[i].key, "delta.columnMapping.mode") == 0 &&
		    strcmp(o.properties[i].value, "name") == 0)
			cm = true;
	if (o.column_mapping == DLT_COLUMN_MAPPING_NAME)
		cm = true;
	if (!(conf = dlt_calloc(o.properties_len + 2, sizeof(*conf)))) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < o.properties_len; i++)
		if (!cm || (strcmp(o.properties[i].key, "delta.columnMapping.mode") != 0 &&
		            strcmp(o.properties[i].key, "delta.columnMapping.maxColumnId") != 0))
			conf[nconf++] = o.properties[i];
	if (cm) {
		if ((rc = dlt_ops__assign_mapping(&s, &next_id, 0, err)) < 0)
			goto done;
		snprintf(maxid, sizeof(maxid), "%" PRId64, next_id);
		conf[nconf].key = "delta.columnMapping.mode";
		conf[nconf++].value = "name";
		conf[nconf].key = "delta.columnMapping.maxColumnId";
		conf[nconf++].value = maxid;
	}
	if ((rc = dlt_ops__schema_to_json(&schema_json, &s, err)) < 0)
		goto done;

	oo.storage_options = o.storage_options;
	oo.storage_options_len = o.storage_options_len;
	if ((rc = dlt_table_open_location(&t, uri, &oo, err)) < 0)
		goto done;
	to.operation = "CREATE TABLE";
	if ((rc = dlt_txn_begin(&txn, t, &to, err)) < 0)
		goto done;
	if (dlt_txn_read_version(txn) >= 0) {
		int64_t v = dlt_txn_read_version(txn);
		if (o.mode == DLT_WRITE_ERROR) {
			rc = dlt_error_set(err, DLT_EEXISTS, "create table: a delta table already exists at "
			                   "%s (version %" PRId64 ")", uri, v);
			goto done;
		}
		if (o.mode == DLT_WRITE_IGNORE || o.mode == DLT_WRITE_APPEND) {
			/* keep the table as it is */
			rc = DLT_OK;
			goto handle;
		}
		/* overwrite: new schema and properties, no rows */
		if ((rc = dlt_log__txn_remove_all(txn, true, err)) < 0)
			goto done;
		to.operation = "CREATE OR REPLACE TABLE";
	}
	if ((rc = params_json(&params, &o, err)) < 0 ||
	    (rc = dlt_txn_set_operation(txn, to.operation, (const char *)params.data, err)) < 0)
		goto done;
	md.name = o.name;
	md.description = o.description;
	md.schema_string = schema_json;
	md.partition_columns = o.partition_by;
	md.n_partition_columns = o.partition_by_len;
	md.configuration = conf;
	md.n_configuration = nconf;
	if ((rc = dlt_txn_set_metadata(txn, &md, err)) < 0 ||
	    (rc = dlt_txn_commit(NULL, txn, err)) < 0)
		goto done;
handle:
	if (out) {
		*out = t;
		t = NULL;
	}
done:
	dlt_txn_free(txn);
	dlt_table_free(t);
	dlt_buf_dispose(&params);
	dlt_free(schema_json);
	dlt_free(conf);
	dlt_schema__release(&s);
	return rc;
}
