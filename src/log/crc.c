/* Version checksum files (PROTOCOL.md#version-checksum-file):
 * _delta_log/<v>.crc, one JSON object describing the table state at v.
 * Written after a successful commit (best effort); on read it is only an
 * optimisation to be trusted after checking it, so malformed files give a
 * clear DLT_ECORRUPT and never break reading the table. */
#include "log/txn.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* Append the body of an action ({"metaData":BODY}\n) as "key":BODY. */
static int action_body(dlt_buf *b, const char *key, const dlt_log_action *a, dlt_error *err)
{
	dlt_buf t = DLT_BUF_INIT;
	const char *colon;
	int rc;

	if ((rc = dlt_log__write_action(&t, a, err)) < 0)
		goto done;
	colon = memchr(t.data, ':', t.len);
	/* "{\"name\":" ... "}\n": keep what is between */
	if (!colon || t.len < 3) {
		rc = dlt_error_set(err, DLT_ERROR, "checksum: unexpected action text");
		goto done;
	}
	if (key && (rc = dlt_buf_appendf(b, err, ",\"%s\":", key)) < 0)
		goto done;
	rc = dlt_buf_append(b, colon + 1, (size_t)((const char *)t.data + t.len - 2 - (colon + 1)),
	                    err);
done:
	dlt_buf_dispose(&t);
	return rc;
}

int dlt_log__crc_build(dlt_buf *b, const dlt_snapshot *snap, dlt_error *err)
{
	dlt_log_action a;
	int64_t bytes = 0;
	int rc;

	for (size_t i = 0; i < snap->n_files; i++)
		if (snap->files[i].size > 0)
			bytes += snap->files[i].size;
	if ((rc = dlt_buf_appendf(b, err, "{\"tableSizeBytes\":%" PRId64 ",\"numFiles\":%zu,"
	                          "\"numMetadata\":1,\"numProtocol\":1", bytes,
	                          snap->n_files)) < 0)
		return rc;
	if (snap->ict_enablement_version >= 0 &&
	    (rc = dlt_buf_appendf(b, err, ",\"inCommitTimestampOpt\":%" PRId64,
	                          snap->timestamp)) < 0)
		return rc;
	memset(&a, 0, sizeof(a));
	a.kind = DLT_LOG_METADATA;
	a.metadata = snap->metadata;
	if (!a.metadata.schema_string)
		a.metadata.schema_string = "{\"type\":\"struct\",\"fields\":[]}";
	if ((rc = action_body(b, "metadata", &a, err)) < 0)
		return rc;
	a.kind = DLT_LOG_PROTOCOL;
	a.protocol = snap->protocol;
	if ((rc = action_body(b, "protocol", &a, err)) < 0)
		return rc;
	if ((rc = dlt_buf_append_str(b, ",\"setTransactions\":[", err)) < 0)
		return rc;
	for (size_t i = 0; i < snap->n_txns; i++) {
		a.kind = DLT_LOG_TXN;
		a.txn = snap->txns[i];
		if ((i && (rc = dlt_buf_append_byte(b, ',', err)) < 0) ||
		    (rc = action_body(b, NULL, &a, err)) < 0)
			return rc;
	}
	if ((rc = dlt_buf_append_str(b, "],\"domainMetadata\":[", err)) < 0)
		return rc;
	for (size_t i = 0; i < snap->n_domains; i++) {
		a.kind = DLT_LOG_DOMAIN_METADATA;
		a.domain = snap->domains[i];
		a.removed = false;
		if ((i && (rc = dlt_buf_append_byte(b, ',', err)) < 0) ||
		    (rc = action_body(b, NULL, &a, err)) < 0)
			return rc;
	}
	return dlt_buf_append_str(b, "]}\n", err);
}

int dlt_log__crc_write(dlt_storage *st, const dlt_snapshot *snap, dlt_error *err)
{
	dlt_buf b = DLT_BUF_INIT;
	char key[64];
	int rc;

	if ((rc = dlt_log__crc_build(&b, snap, err)) < 0)
		goto done;
	snprintf(key, sizeof(key), "_delta_log/%020" PRId64 ".crc", snap->version);
	rc = dlt_storage_put(st, key, b.data, b.len, DLT_PUT_OVERWRITE, err);
done:
	dlt_buf_dispose(&b);
	return rc;
}

void dlt_log__crc_dispose(dlt_log_crc *c)
{
	if (c) {
		dlt_free(c->metadata_id);
		c->metadata_id = NULL;
	}
}

static int need_int(const json_t *o, const char *k, int64_t *out, const char *key,
                    dlt_error *err)
{
	json_t *v = json_object_get(o, k);
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		dlt_error_set(err, DLT_ECORRUPT, "checksum %s: %s: expected a non-negative integer",
		              key, k);
		dlt_error_set_path(err, key);
		return DLT_ECORRUPT;
	}
	*out = (int64_t)json_integer_value(v);
	return DLT_OK;
}

int dlt_log__crc_read(dlt_log_crc *out, dlt_storage *st, int64_t version, dlt_error *err)
{
	dlt_bytes b = DLT_BYTES_INIT;
	json_error_t je;
	json_t *j = NULL, *md, *pr, *v;
	char key[64];
	int64_t r = 0, w = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->in_commit_timestamp = -1;
	snprintf(key, sizeof(key), "_delta_log/%020" PRId64 ".crc", version);
	if ((rc = dlt_storage_get(&b, st, key, err)) < 0)
		return rc;
	j = json_loadb((const char *)b.data, b.len, 0, &je);
	dlt_bytes_dispose(&b);
	if (!json_is_object(j)) {
		rc = dlt_error_set(err, DLT_ECORRUPT, "checksum %s: not a JSON object%s%s", key,
		                   j ? "" : ": ", j ? "" : je.text);
		dlt_error_set_path(err, key);
		goto done;
	}
	if ((rc = need_int(j, "tableSizeBytes", &out->table_size_bytes, key, err)) < 0 ||
	    (rc = need_int(j, "numFiles", &out->num_files, key, err)) < 0 ||
	    (rc = need_int(j, "numMetadata", &out->num_metadata, key, err)) < 0 ||
	    (rc = need_int(j, "numProtocol", &out->num_protocol, key, err)) < 0)
		goto done;
	md = json_object_get(j, "metadata");
	pr = json_object_get(j, "protocol");
	if (!json_is_object(md) || !json_is_string(json_object_get(md, "id")) ||
	    !json_is_object(pr)) {
		rc = dlt_error_set(err, DLT_ECORRUPT, "checksum %s: metadata and protocol objects "
		                   "are required", key);
		dlt_error_set_path(err, key);
		goto done;
	}
	if ((rc = need_int(pr, "minReaderVersion", &r, key, err)) < 0 ||
	    (rc = need_int(pr, "minWriterVersion", &w, key, err)) < 0)
		goto done;
	if (r > 100 || w > 100) {
		rc = dlt_error_set(err, DLT_ECORRUPT, "checksum %s: protocol versions out of range",
		                   key);
		goto done;
	}
	out->min_reader_version = (int32_t)r;
	out->min_writer_version = (int32_t)w;
	v = json_object_get(j, "inCommitTimestampOpt");
	if (json_is_integer(v))
		out->in_commit_timestamp = (int64_t)json_integer_value(v);
	if (!(out->metadata_id = dlt_strdup(json_string_value(json_object_get(md, "id"))))) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto done;
	}
	rc = DLT_OK;
done:
	json_decref(j);
	if (rc < 0)
		dlt_log__crc_dispose(out);
	return rc;
}

bool dlt_log__crc_matches(const dlt_log_crc *c, const dlt_snapshot *snap)
{
	int64_t bytes = 0;
	for (size_t i = 0; i < snap->n_files; i++)
		if (snap->files[i].size > 0)
			bytes += snap->files[i].size;
	return c->num_files == (int64_t)snap->n_files && c->table_size_bytes == bytes &&
	       c->num_metadata == 1 && c->num_protocol == 1 &&
	       c->min_reader_version == snap->protocol.min_reader_version &&
	       c->min_writer_version == snap->protocol.min_writer_version && c->metadata_id &&
	       snap->metadata.id && strcmp(c->metadata_id, snap->metadata.id) == 0;
}
