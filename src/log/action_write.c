/* Serialize log actions to JSON lines (PROTOCOL.md#actions). The output is
 * read back by dlt_log__parse_actions; optional fields whose value is
 * "absent" in our structs (-1, NULL) are omitted rather than written null. */
#include "log/txn.h"

#include <inttypes.h>
#include <string.h>

int dlt_log__write_json_string(dlt_buf *b, const char *s, dlt_error *err)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	const unsigned char *run = p;
	int rc;

	if ((rc = dlt_buf_append_byte(b, '"', err)) < 0)
		return rc;
	for (; *p; p++) {
		char esc[7];
		size_t n = 0;
		switch (*p) {
		case '"': esc[0] = '\\'; esc[1] = '"'; n = 2; break;
		case '\\': esc[0] = '\\'; esc[1] = '\\'; n = 2; break;
		case '\n': esc[0] = '\\'; esc[1] = 'n'; n = 2; break;
		case '\r': esc[0] = '\\'; esc[1] = 'r'; n = 2; break;
		case '\t': esc[0] = '\\'; esc[1] = 't'; n = 2; break;
		case '\b': esc[0] = '\\'; esc[1] = 'b'; n = 2; break;
		case '\f': esc[0] = '\\'; esc[1] = 'f'; n = 2; break;
		default:
			if (*p < 0x20) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[*p >> 4];
				esc[5] = hex[*p & 15];
				n = 6;
			}
		}
		if (n == 0)
			continue;
		if ((rc = dlt_buf_append(b, run, (size_t)(p - run), err)) < 0 ||
		    (rc = dlt_buf_append(b, esc, n, err)) < 0)
			return rc;
		run = p + 1;
	}
	if ((rc = dlt_buf_append(b, run, (size_t)(p - run), err)) < 0)
		return rc;
	return dlt_buf_append_byte(b, '"', err);
}

/* ,"key": */
static int key(dlt_buf *b, bool *first, const char *k, dlt_error *err)
{
	int rc;
	if (!*first && (rc = dlt_buf_append_byte(b, ',', err)) < 0)
		return rc;
	*first = false;
	if ((rc = dlt_log__write_json_string(b, k, err)) < 0)
		return rc;
	return dlt_buf_append_byte(b, ':', err);
}

static int kv_str(dlt_buf *b, bool *first, const char *k, const char *v, dlt_error *err)
{
	int rc = key(b, first, k, err);
	return rc < 0 ? rc : dlt_log__write_json_string(b, v, err);
}

static int kv_int(dlt_buf *b, bool *first, const char *k, int64_t v, dlt_error *err)
{
	int rc = key(b, first, k, err);
	return rc < 0 ? rc : dlt_buf_appendf(b, err, "%" PRId64, v);
}

static int kv_bool(dlt_buf *b, bool *first, const char *k, bool v, dlt_error *err)
{
	int rc = key(b, first, k, err);
	return rc < 0 ? rc : dlt_buf_append_str(b, v ? "true" : "false", err);
}

/* {"k":"v",...}; a NULL value is JSON null (partition values). */
static int kv_map(dlt_buf *b, bool *first, const char *k, const dlt_log_kvs *m, dlt_error *err)
{
	bool f2 = true;
	int rc;
	if ((rc = key(b, first, k, err)) < 0 || (rc = dlt_buf_append_byte(b, '{', err)) < 0)
		return rc;
	for (size_t i = 0; m && i < m->n; i++) {
		if ((rc = key(b, &f2, m->kv[i].key, err)) < 0)
			return rc;
		rc = m->kv[i].value ? dlt_log__write_json_string(b, m->kv[i].value, err)
		                    : dlt_buf_append_str(b, "null", err);
		if (rc < 0)
			return rc;
	}
	return dlt_buf_append_byte(b, '}', err);
}

static int str_array(dlt_buf *b, bool *first, const char *k, const char *const *v, size_t n,
                     dlt_error *err)
{
	int rc;
	if ((rc = key(b, first, k, err)) < 0 || (rc = dlt_buf_append_byte(b, '[', err)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		if ((i && (rc = dlt_buf_append_byte(b, ',', err)) < 0) ||
		    (rc = dlt_log__write_json_string(b, v[i], err)) < 0)
			return rc;
	return dlt_buf_append_byte(b, ']', err);
}

static int path_field(dlt_buf *b, bool *first, const char *k, const char *path, dlt_error *err)
{
	char *enc = NULL;
	int rc;
	if (!path || !*path)
		return dlt_error_set(err, DLT_EINVAL, "action has an empty path");
	if ((rc = dlt_storage_uri_encode(&enc, path, err)) < 0)
		return rc;
	rc = kv_str(b, first, k, enc, err);
	dlt_free(enc);
	return rc;
}

static int dv_field(dlt_buf *b, bool *first, const dlt_log_dv *dv, dlt_error *err)
{
	bool f2 = true;
	char st[2] = { dv->storage_type, 0 };
	int rc;
	if ((rc = key(b, first, "deletionVector", err)) < 0 ||
	    (rc = dlt_buf_append_byte(b, '{', err)) < 0 ||
	    (rc = kv_str(b, &f2, "storageType", st, err)) < 0 ||
	    (rc = kv_str(b, &f2, "pathOrInlineDv", dv->path_or_inline_dv, err)) < 0 ||
	    (dv->offset >= 0 && (rc = kv_int(b, &f2, "offset", dv->offset, err)) < 0) ||
	    (rc = kv_int(b, &f2, "sizeInBytes", dv->size_in_bytes, err)) < 0 ||
	    (rc = kv_int(b, &f2, "cardinality", dv->cardinality, err)) < 0 ||
	    (dv->max_row_index >= 0 && (rc = kv_int(b, &f2, "maxRowIndex", dv->max_row_index,
	                                            err)) < 0))
		return rc;
	return dlt_buf_append_byte(b, '}', err);
}

static int file_body(dlt_buf *b, const dlt_log_action *a, dlt_error *err)
{
	const dlt_log_file *f = &a->file;
	bool first = true, dc = (f->flags & DLT_LOG_FILE_DATA_CHANGE) != 0;
	bool is_add = a->kind == DLT_LOG_ADD, is_rm = a->kind == DLT_LOG_REMOVE;
	int rc;

	if ((rc = path_field(b, &first, "path", f->path, err)) < 0)
		return rc;
	if (is_rm) {
		if ((f->modification_time >= 0 &&
		     (rc = kv_int(b, &first, "deletionTimestamp", f->modification_time, err)) < 0) ||
		    (rc = kv_bool(b, &first, "dataChange", dc, err)) < 0)
			return rc;
		if ((f->flags & DLT_LOG_FILE_EXTENDED_METADATA) &&
		    (rc = kv_bool(b, &first, "extendedFileMetadata", true, err)) < 0)
			return rc;
		if (f->partition_values && ((f->flags & DLT_LOG_FILE_EXTENDED_METADATA) ||
		                            f->partition_values->n) &&
		    (rc = kv_map(b, &first, "partitionValues", f->partition_values, err)) < 0)
			return rc;
		if (f->size >= 0 && (rc = kv_int(b, &first, "size", f->size, err)) < 0)
			return rc;
	} else {
		if ((rc = kv_map(b, &first, "partitionValues", f->partition_values, err)) < 0)
			return rc;
		if (f->size < 0)
			return dlt_error_set(err, DLT_EINVAL, "%s '%s': negative size",
			                     is_add ? "add" : "cdc", f->path);
		if ((rc = kv_int(b, &first, "size", f->size, err)) < 0)
			return rc;
		if (is_add && (rc = kv_int(b, &first, "modificationTime",
		                           f->modification_time < 0 ? 0 : f->modification_time,
		                           err)) < 0)
			return rc;
		if ((rc = kv_bool(b, &first, "dataChange", is_add ? dc : false, err)) < 0)
			return rc;
	}
	if (a->kind != DLT_LOG_CDC && f->stats &&
	    (rc = kv_str(b, &first, "stats", f->stats, err)) < 0)
		return rc;
	if (f->tags && (rc = kv_map(b, &first, "tags", f->tags, err)) < 0)
		return rc;
	if (a->kind == DLT_LOG_CDC)
		return DLT_OK;
	if (f->dv.storage_type && (rc = dv_field(b, &first, &f->dv, err)) < 0)
		return rc;
	if ((f->flags & DLT_LOG_FILE_HAS_BASE_ROW_ID) &&
	    (rc = kv_int(b, &first, "baseRowId", f->base_row_id, err)) < 0)
		return rc;
	if ((f->flags & DLT_LOG_FILE_HAS_ROW_COMMIT_V) &&
	    (rc = kv_int(b, &first, "defaultRowCommitVersion", f->default_row_commit_version,
	                 err)) < 0)
		return rc;
	if (is_add && f->clustering_provider &&
	    (rc = kv_str(b, &first, "clusteringProvider", f->clustering_provider, err)) < 0)
		return rc;
	return DLT_OK;
}

static int metadata_body(dlt_buf *b, const dlt_log_metadata *m, dlt_error *err)
{
	bool first = true, f2 = true;
	int rc;
	if (!m->id || !m->schema_string)
		return dlt_error_set(err, DLT_EINVAL, "metaData: id and schemaString are required");
	if ((rc = kv_str(b, &first, "id", m->id, err)) < 0 ||
	    (m->name && (rc = kv_str(b, &first, "name", m->name, err)) < 0) ||
	    (m->description && (rc = kv_str(b, &first, "description", m->description, err)) < 0) ||
	    (rc = key(b, &first, "format", err)) < 0 ||
	    (rc = dlt_buf_append_byte(b, '{', err)) < 0 ||
	    (rc = kv_str(b, &f2, "provider", m->format_provider ? m->format_provider : "parquet",
	                 err)) < 0 ||
	    (rc = kv_map(b, &f2, "options", &m->format_options, err)) < 0 ||
	    (rc = dlt_buf_append_byte(b, '}', err)) < 0 ||
	    (rc = kv_str(b, &first, "schemaString", m->schema_string, err)) < 0 ||
	    (rc = str_array(b, &first, "partitionColumns", m->partition_columns,
	                    m->n_partition_columns, err)) < 0 ||
	    (rc = kv_map(b, &first, "configuration", &m->configuration, err)) < 0 ||
	    (m->created_time >= 0 &&
	     (rc = kv_int(b, &first, "createdTime", m->created_time, err)) < 0))
		return rc;
	return DLT_OK;
}

static int protocol_body(dlt_buf *b, const dlt_log_protocol *p, dlt_error *err)
{
	bool first = true;
	int rc;
	if ((rc = kv_int(b, &first, "minReaderVersion", p->min_reader_version, err)) < 0 ||
	    (rc = kv_int(b, &first, "minWriterVersion", p->min_writer_version, err)) < 0 ||
	    (p->has_reader_features &&
	     (rc = str_array(b, &first, "readerFeatures", p->reader_features, p->n_reader_features,
	                     err)) < 0) ||
	    (p->has_writer_features &&
	     (rc = str_array(b, &first, "writerFeatures", p->writer_features, p->n_writer_features,
	                     err)) < 0))
		return rc;
	return DLT_OK;
}

int dlt_log__write_action(dlt_buf *b, const dlt_log_action *a, dlt_error *err)
{
	bool first = true;
	size_t mark = b->len;
	const char *name;
	int rc;

	switch (a->kind) {
	case DLT_LOG_ADD: name = "add"; break;
	case DLT_LOG_REMOVE: name = "remove"; break;
	case DLT_LOG_CDC: name = "cdc"; break;
	case DLT_LOG_PROTOCOL: name = "protocol"; break;
	case DLT_LOG_METADATA: name = "metaData"; break;
	case DLT_LOG_TXN: name = "txn"; break;
	case DLT_LOG_COMMIT_INFO: name = "commitInfo"; break;
	case DLT_LOG_DOMAIN_METADATA: name = "domainMetadata"; break;
	case DLT_LOG_CHECKPOINT_METADATA: name = "checkpointMetadata"; break;
	case DLT_LOG_SIDECAR: name = "sidecar"; break;
	default: return dlt_error_set(err, DLT_EINVAL, "unknown action kind %d", (int)a->kind);
	}
	if ((rc = dlt_buf_append_byte(b, '{', err)) < 0 || (rc = key(b, &first, name, err)) < 0)
		goto fail;
	if (a->kind == DLT_LOG_COMMIT_INFO) {
		if (!a->json || a->json[0] != '{') {
			rc = dlt_error_set(err, DLT_EINVAL, "commitInfo: expected a JSON object");
			goto fail;
		}
		if ((rc = dlt_buf_append_str(b, a->json, err)) < 0)
			goto fail;
		goto close;
	}
	if ((rc = dlt_buf_append_byte(b, '{', err)) < 0)
		goto fail;
	first = true;
	switch (a->kind) {
	case DLT_LOG_ADD:
	case DLT_LOG_REMOVE:
	case DLT_LOG_CDC:
		rc = file_body(b, a, err);
		break;
	case DLT_LOG_PROTOCOL:
		rc = protocol_body(b, &a->protocol, err);
		break;
	case DLT_LOG_METADATA:
		rc = metadata_body(b, &a->metadata, err);
		break;
	case DLT_LOG_TXN:
		if (!a->txn.app_id) {
			rc = dlt_error_set(err, DLT_EINVAL, "txn: appId is required");
			break;
		}
		if ((rc = kv_str(b, &first, "appId", a->txn.app_id, err)) < 0 ||
		    (rc = kv_int(b, &first, "version", a->txn.version, err)) < 0)
			break;
		if (a->txn.last_updated >= 0)
			rc = kv_int(b, &first, "lastUpdated", a->txn.last_updated, err);
		break;
	case DLT_LOG_DOMAIN_METADATA:
		if (!a->domain.domain) {
			rc = dlt_error_set(err, DLT_EINVAL, "domainMetadata: domain is required");
			break;
		}
		if ((rc = kv_str(b, &first, "domain", a->domain.domain, err)) < 0 ||
		    (rc = kv_str(b, &first, "configuration",
		                 a->domain.configuration ? a->domain.configuration : "", err)) < 0)
			break;
		rc = kv_bool(b, &first, "removed", a->removed, err);
		break;
	case DLT_LOG_CHECKPOINT_METADATA:
		rc = kv_int(b, &first, "version", a->version, err);
		break;
	case DLT_LOG_SIDECAR:
		if ((rc = path_field(b, &first, "path", a->file.path, err)) < 0 ||
		    (rc = kv_int(b, &first, "sizeInBytes", a->file.size, err)) < 0 ||
		    (rc = kv_int(b, &first, "modificationTime", a->file.modification_time, err)) < 0)
			break;
		if (a->file.tags)
			rc = kv_map(b, &first, "tags", a->file.tags, err);
		break;
	default:
		break;
	}
	if (rc < 0 || (rc = dlt_buf_append_byte(b, '}', err)) < 0)
		goto fail;
close:
	if ((rc = dlt_buf_append_str(b, "}\n", err)) < 0)
		goto fail;
	return DLT_OK;
fail:
	b->len = mark;
	return rc;
}
