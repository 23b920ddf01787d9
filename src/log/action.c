/* Action parsing (PROTOCOL.md#actions): newline-delimited JSON, one action
 * per line; unknown fields and unknown action kinds are ignored. */
#include "log/log.h"
#include "log/ckpt.h"

#include "arrow/arrow.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------- helpers -- */

const char *dlt_log__kvs_get(const dlt_log_kvs *kvs, const char *key, bool *found)
{
	if (found)
		*found = false;
	if (!kvs)
		return NULL;
	for (size_t i = 0; i < kvs->n; i++) {
		if (strcmp(kvs->kv[i].key, key) == 0) {
			if (found)
				*found = true;
			return kvs->kv[i].value;
		}
	}
	return NULL;
}

static bool list_has(const char *const *l, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(l[i], s) == 0)
			return true;
	return false;
}

bool dlt_log__has_reader_feature(const dlt_log_protocol *p, const char *feature)
{
	return p->has_reader_features && list_has(p->reader_features, p->n_reader_features, feature);
}

bool dlt_log__has_writer_feature(const dlt_log_protocol *p, const char *feature)
{
	return p->has_writer_features && list_has(p->writer_features, p->n_writer_features, feature);
}

size_t dlt_log__dv_unique_id(char *buf, size_t cap, const dlt_log_dv *dv)
{
	int n;
	if (cap == 0)
		return 0;
	if (!dv->storage_type) {
		buf[0] = 0;
		return 0;
	}
	if (dv->offset >= 0)
		n = snprintf(buf, cap, "%c%s@%d", dv->storage_type,
		             dv->path_or_inline_dv ? dv->path_or_inline_dv : "", (int)dv->offset);
	else
		n = snprintf(buf, cap, "%c%s", dv->storage_type,
		             dv->path_or_inline_dv ? dv->path_or_inline_dv : "");
	if (n < 0)
		n = 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

static bool has_scheme(const char *p)
{
	const char *s = p;
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
	       *s == '+' || *s == '.' || *s == '-')
		s++;
	return *s == ':' && s - p > 1; /* one letter: a Windows drive, not a scheme */
}

/* Checks of a decoded relative path `d` (original `path` for messages). */
static int check_relative(const char *d, const char *path, dlt_error *err)
{
	/* relative: no segment may climb out of the table root */
	for (const char *s = d; *s;) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if ((n == 2 && s[0] == '.' && s[1] == '.') || (n == 0 && e))
			return dlt_error_set(err, DLT_ECORRUPT,
			                     "path '%s' escapes the table root or is malformed", path);
		s += n;
		if (*s == '/')
			s++;
	}
	if (strchr(d, '\\'))
		return dlt_error_set(err, DLT_ECORRUPT, "path '%s' has a backslash", path);
	return DLT_OK;
}

int dlt_log__decode_path(char **out, bool *absolute, const char *path, dlt_error *err)
{
	char *d = NULL;
	*out = NULL;
	*absolute = false;
	if (!path || !*path)
		return dlt_error_set(err, DLT_ECORRUPT, "empty path");
	if (has_scheme(path)) {
		/* an absolute URI: kept as logged, the storage layer decodes it */
		if (!(d = dlt_strdup(path)))
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		*absolute = true;
		*out = d;
		return DLT_OK;
	}
	dlt_error e2;
	int rc = dlt_storage_uri_decode(&d, path, &e2);
	if (rc == DLT_ENOMEM)
		return dlt_error_set(err, rc, "out of memory");
	if (rc < 0)
		return dlt_error_set(err, DLT_ECORRUPT, "path '%s': bad percent-encoding", path);
	if (d[0] == '/') {
		*absolute = true;
		*out = d;
		return DLT_OK;
	}
	if ((rc = check_relative(d, path, err)) < 0) {
		dlt_free(d);
		return rc;
	}
	*out = d;
	return DLT_OK;
}

int dlt_log__decode_path_ref(const char **out, char **owned, bool *absolute, const char *path,
                             dlt_error *err)
{
	int rc;
	*out = NULL;
	*owned = NULL;
	*absolute = false;
	if (!path || !*path || strchr(path, '%') || has_scheme(path)) {
		rc = dlt_log__decode_path(owned, absolute, path, err);
		*out = *owned;
		return rc;
	}
	/* nothing to decode: the same checks on the text itself, no copy */
	if (path[0] == '/') {
		*absolute = true;
		*out = path;
		return DLT_OK;
	}
	if ((rc = check_relative(path, path, err)) < 0)
		return rc;
	*out = path;
	return DLT_OK;
}

/* numRecords at the top level of a stats JSON object, without a DOM:
 * skip nested values, find the key. -1 if absent or not an integer. */
static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *skip_string(const char *p)
{
	/* p at opening quote */
	p++;
	while (*p && *p != '"') {
		if (*p == '\\' && p[1])
			p++;
		p++;
	}
	return *p ? p + 1 : NULL;
}

static const char *skip_value(const char *p, int depth)
{
	p = skip_ws(p);
	if (depth > 64)
		return NULL;
	if (*p == '"')
		return skip_string(p);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		p = skip_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				if (*p != '"' || !(p = skip_string(p)))
					return NULL;
				p = skip_ws(p);
				if (*p != ':')
					return NULL;
				p++;
			}
			if (!(p = skip_value(p, depth + 1)))
				return NULL;
			p = skip_ws(p);
			if (*p == ',') {
				p = skip_ws(p + 1);
				continue;
			}
			if (*p == close)
				return p + 1;
			return NULL;
		}
	}
	while (*p && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n')
		p++;
	return p;
}

int64_t dlt_log__stats_num_records(const char *stats)
{
	const char *p;
	if (!stats)
		return -1;
	p = skip_ws(stats);
	if (*p != '{')
		return -1;
	p = skip_ws(p + 1);
	while (*p == '"') {
		const char *k = p + 1;
		const char *ke = skip_string(p);
		if (!ke)
			return -1;
		bool is_nr = (size_t)(ke - k - 1) == 10 && memcmp(k, "numRecords", 10) == 0;
		p = skip_ws(ke);
		if (*p != ':')
			return -1;
		p = skip_ws(p + 1);
		if (is_nr) {
			int64_t v = 0;
			const char *s = p;
			while (*p >= '0' && *p <= '9') {
				if (v > (INT64_MAX - 9) / 10)
					return -1;
				v = v * 10 + (*p - '0');
				p++;
			}
			return p > s ? v : -1;
		}
		if (!(p = skip_value(p, 0)))
			return -1;
		p = skip_ws(p);
		if (*p != ',')
			return -1;
		p = skip_ws(p + 1);
	}
	return -1;
}

/* ----------------------------------------------------------- parser -- */

typedef struct pctx {
	const char *name;
	int64_t line;
	dlt_error *err;
	/* scratch, reused across lines */
	dlt_log_kv *kv;
	size_t kv_cap;
	const char **strs;
	size_t strs_cap;
	dlt_buf json;
	/* fast path: unescaped strings of the current line */
	char *fbuf;
	size_t fbuf_cap, fbuf_len;
} pctx;

#define PFAIL(c, ...)                                                                  \
	corrupt((c), __VA_ARGS__)

static int corrupt(pctx *c, const char *fmt, ...) DLT_PRINTF(2, 3);
static int corrupt(pctx *c, const char *fmt, ...)
{
	char msg[700];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dlt_error_set(c->err, DLT_ECORRUPT, "%s: line %" PRId64 ": %s", c->name, c->line, msg);
	dlt_error_set_path(c->err, c->name);
	dlt_error__set_row(c->err, c->line);
	return DLT_ECORRUPT;
}

static int oom(pctx *c)
{
	return dlt_error_set(c->err, DLT_ENOMEM, "%s: line %" PRId64 ": out of memory", c->name,
	                     c->line);
}

/* Field getters: *present false when absent or null; type errors name "act.field". */
static int get_str(pctx *c, json_t *o, const char *act, const char *f, bool required,
                   const char **out)
{
	json_t *v = json_object_get(o, f);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return PFAIL(c, "%s.%s: missing required field", act, f);
		return DLT_OK;
	}
	if (!json_is_string(v))
		return PFAIL(c, "%s.%s: expected a string", act, f);
	*out = json_string_value(v);
	return DLT_OK;
}

static int get_int(pctx *c, json_t *o, const char *act, const char *f, bool required,
                   int64_t *out, int64_t dflt)
{
	json_t *v = json_object_get(o, f);
	*out = dflt;
	if (!v || json_is_null(v)) {
		if (required)
			return PFAIL(c, "%s.%s: missing required field", act, f);
		return DLT_OK;
	}
	if (!json_is_integer(v))
		return PFAIL(c, "%s.%s: expected an integer", act, f);
	*out = (int64_t)json_integer_value(v);
	return DLT_OK;
}

static int get_bool(pctx *c, json_t *o, const char *act, const char *f, bool *out, bool dflt)
{
	json_t *v = json_object_get(o, f);
	*out = dflt;
	if (!v || json_is_null(v))
		return DLT_OK;
	if (!json_is_boolean(v))
		return PFAIL(c, "%s.%s: expected a boolean", act, f);
	*out = json_is_true(v);
	return DLT_OK;
}

static int ensure_kv(pctx *c, size_t n)
{
	if (n <= c->kv_cap)
		return DLT_OK;
	size_t cap = n < 16 ? 16 : n * 2;
	dlt_log_kv *k = dlt_realloc(c->kv, cap * sizeof(*k));
	if (!k)
		return oom(c);
	c->kv = k;
	c->kv_cap = cap;
	return DLT_OK;
}

static int ensure_strs(pctx *c, size_t n)
{
	if (n <= c->strs_cap)
		return DLT_OK;
	size_t cap = n < 16 ? 16 : n * 2;
	const char **k = dlt_realloc(c->strs, cap * sizeof(*k));
	if (!k)
		return oom(c);
	c->strs = k;
	c->strs_cap = cap;
	return DLT_OK;
}

/* A string map: kv scratch from index `base`; returns count. */
static int get_map(pctx *c, json_t *o, const char *act, const char *f, size_t base,
                   size_t *n_out, bool *present)
{
	json_t *v = json_object_get(o, f);
	const char *k;
	json_t *val;
	size_t n = 0;
	int rc;
	*n_out = 0;
	if (present)
		*present = false;
	if (!v || json_is_null(v))
		return DLT_OK;
	if (!json_is_object(v))
		return PFAIL(c, "%s.%s: expected an object", act, f);
	if (present)
		*present = true;
	if ((rc = ensure_kv(c, base + json_object_size(v))) < 0)
		return rc;
	json_object_foreach(v, k, val) {
		if (json_is_null(val))
			c->kv[base + n].value = NULL;
		else if (json_is_string(val))
			c->kv[base + n].value = json_string_value(val);
		else
			return PFAIL(c, "%s.%s['%s']: expected a string or null", act, f, k);
		c->kv[base + n].key = k;
		n++;
	}
	*n_out = n;
	return DLT_OK;
}

static int get_str_array(pctx *c, json_t *o, const char *act, const char *f, size_t base,
                         size_t *n_out, bool *present)
{
	json_t *v = json_object_get(o, f);
	size_t n;
	int rc;
	*n_out = 0;
	*present = false;
	if (!v || json_is_null(v))
		return DLT_OK;
	if (!json_is_array(v))
		return PFAIL(c, "%s.%s: expected an array", act, f);
	*present = true;
	n = json_array_size(v);
	if ((rc = ensure_strs(c, base + n)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(v, i);
		if (!json_is_string(e))
			return PFAIL(c, "%s.%s[%zu]: expected a string", act, f, i);
		c->strs[base + i] = json_string_value(e);
	}
	*n_out = n;
	return DLT_OK;
}

static int parse_dv(pctx *c, json_t *o, const char *act, dlt_log_dv *dv)
{
	json_t *v = json_object_get(o, "deletionVector");
	const char *st = NULL;
	int64_t off, size, card, mri;
	int rc;
	memset(dv, 0, sizeof(*dv));
	dv->offset = -1;
	dv->max_row_index = -1;
	if (!v || json_is_null(v))
		return DLT_OK;
	if (!json_is_object(v))
		return PFAIL(c, "%s.deletionVector: expected an object", act);
	if ((rc = get_str(c, v, "deletionVector", "storageType", true, &st)) < 0 ||
	    (rc = get_str(c, v, "deletionVector", "pathOrInlineDv", true,
	                  &dv->path_or_inline_dv)) < 0 ||
	    (rc = get_int(c, v, "deletionVector", "offset", false, &off, -1)) < 0 ||
	    (rc = get_int(c, v, "deletionVector", "sizeInBytes", true, &size, 0)) < 0 ||
	    (rc = get_int(c, v, "deletionVector", "cardinality", true, &card, 0)) < 0 ||
	    (rc = get_int(c, v, "deletionVector", "maxRowIndex", false, &mri, -1)) < 0)
		return rc;
	if (strlen(st) != 1 || (st[0] != 'u' && st[0] != 'i' && st[0] != 'p'))
		return PFAIL(c, "%s.deletionVector.storageType: unknown storage type '%s'", act, st);
	if (off < -1 || off > INT32_MAX || size < 0 || size > INT32_MAX || card < 0)
		return PFAIL(c, "%s.deletionVector: offset, sizeInBytes or cardinality out of range",
		             act);
	dv->storage_type = st[0];
	dv->offset = (int32_t)off;
	dv->size_in_bytes = (int32_t)size;
	dv->cardinality = card;
	dv->max_row_index = mri;
	return DLT_OK;
}

static int parse_file(pctx *c, json_t *o, const char *act, dlt_log_action *a, char **decoded,
                      dlt_log_kvs *pv, dlt_log_kvs *tags)
{
	const char *path, *dpath;
	bool dc, absolute, b;
	size_t npv = 0, ntags = 0;
	int rc;
	int64_t v;
	dlt_log_file *f = &a->file;
	bool is_add = a->kind == DLT_LOG_ADD, is_remove = a->kind == DLT_LOG_REMOVE;
	bool is_sidecar = a->kind == DLT_LOG_SIDECAR;

	if ((rc = get_str(c, o, act, "path", true, &path)) < 0)
		return rc;
	if ((rc = dlt_log__decode_path_ref(&dpath, decoded, &absolute, path, c->err)) < 0) {
		if (rc == DLT_ENOMEM)
			return oom(c);
		char m[DLT_ERROR_MESSAGE_MAX];
		snprintf(m, sizeof(m), "%.600s", c->err ? c->err->message : "bad path");
		return PFAIL(c, "%s.path: %s", act, m);
	}
	f->path = dpath;
	f->flags = absolute ? DLT_LOG_FILE_ABSOLUTE : 0;
	if (is_sidecar) {
		if ((rc = get_int(c, o, act, "sizeInBytes", true, &f->size, -1)) < 0 ||
		    (rc = get_int(c, o, act, "modificationTime", false, &f->modification_time, 0)) < 0)
			return rc;
		f->partition_values = pv;
		return DLT_OK;
	}
	if ((rc = get_map(c, o, act, "partitionValues", 0, &npv, NULL)) < 0)
		return rc;
	if ((rc = get_map(c, o, act, "tags", npv, &ntags, &b)) < 0)
		return rc;
	pv->n = npv;
	pv->kv = c->kv;
	tags->n = ntags;
	tags->kv = c->kv ? c->kv + npv : NULL; /* no offset on NULL (UBSan) */
	f->partition_values = pv;
	f->tags = b ? tags : NULL;
	if ((rc = get_int(c, o, act, "size", is_add || a->kind == DLT_LOG_CDC, &f->size, -1)) < 0)
		return rc;
	if (f->size < -1 || (f->size < 0 && !is_remove))
		return PFAIL(c, "%s.size: negative", act);
	if (is_remove) {
		if ((rc = get_int(c, o, act, "deletionTimestamp", false, &f->modification_time, -1)) <
		    0)
			return rc;
		if ((rc = get_bool(c, o, act, "extendedFileMetadata", &b, false)) < 0)
			return rc;
		if (b)
			f->flags |= DLT_LOG_FILE_EXTENDED_METADATA;
	} else if ((rc = get_int(c, o, act, "modificationTime", false, &f->modification_time, 0)) <
	           0) {
		return rc;
	}
	if ((rc = get_bool(c, o, act, "dataChange", &dc, true)) < 0)
		return rc;
	if (dc)
		f->flags |= DLT_LOG_FILE_DATA_CHANGE;
	if (a->kind == DLT_LOG_CDC)
		return DLT_OK;
	if ((rc = get_str(c, o, act, "stats", false, &f->stats)) < 0)
		return rc;
	f->num_records = dlt_log__stats_num_records(f->stats);
	if ((rc = parse_dv(c, o, act, &f->dv)) < 0)
		return rc;
	if ((rc = get_int(c, o, act, "baseRowId", false, &v, INT64_MIN)) < 0)
		return rc;
	if (v != INT64_MIN) {
		f->base_row_id = v;
		f->flags |= DLT_LOG_FILE_HAS_BASE_ROW_ID;
	}
	if ((rc = get_int(c, o, act, "defaultRowCommitVersion", false, &v, INT64_MIN)) < 0)
		return rc;
	if (v != INT64_MIN) {
		f->default_row_commit_version = v;
		f->flags |= DLT_LOG_FILE_HAS_ROW_COMMIT_V;
	}
	if ((rc = get_str(c, o, act, "clusteringProvider", false, &f->clustering_provider)) < 0)
		return rc;
	return DLT_OK;
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
	return dlt_buf_append(data, buffer, size, NULL) < 0 ? -1 : 0;
}

static int parse_line(pctx *c, json_t *root, dlt_log_action_cb cb, void *payload)
{
	const char *k;
	json_t *o;
	int rc = DLT_OK;

	if (!json_is_object(root))
		return PFAIL(c, "expected a JSON object");
	json_object_foreach(root, k, o) {
		dlt_log_action a;
		char *decoded = NULL;
		dlt_log_kvs pv = { 0, NULL }, tags = { 0, NULL }, fo = { 0, NULL }, conf = { 0, NULL };
		memset(&a, 0, sizeof(a));
		a.line = c->line;
		a.timestamp = -1;
		a.ict = -1;
		a.file.num_records = -1;
		a.file.dv.offset = -1;
		a.file.dv.max_row_index = -1;
		a.file.partition_values = &pv;

		if (strcmp(k, "add") == 0)
			a.kind = DLT_LOG_ADD;
		else if (strcmp(k, "remove") == 0)
			a.kind = DLT_LOG_REMOVE;
		else if (strcmp(k, "cdc") == 0)
			a.kind = DLT_LOG_CDC;
		else if (strcmp(k, "protocol") == 0)
			a.kind = DLT_LOG_PROTOCOL;
		else if (strcmp(k, "metaData") == 0)
			a.kind = DLT_LOG_METADATA;
		else if (strcmp(k, "txn") == 0)
			a.kind = DLT_LOG_TXN;
		else if (strcmp(k, "commitInfo") == 0)
			a.kind = DLT_LOG_COMMIT_INFO;
		else if (strcmp(k, "domainMetadata") == 0)
			a.kind = DLT_LOG_DOMAIN_METADATA;
		else if (strcmp(k, "checkpointMetadata") == 0)
			a.kind = DLT_LOG_CHECKPOINT_METADATA;
		else if (strcmp(k, "sidecar") == 0)
			a.kind = DLT_LOG_SIDECAR;
		else
			continue; /* unknown action: ignored (PROTOCOL.md#actions) */
		if (json_is_null(o))
			continue;
		if (!json_is_object(o))
			return PFAIL(c, "%s: expected an object", k);

		switch (a.kind) {
		case DLT_LOG_ADD:
		case DLT_LOG_REMOVE:
		case DLT_LOG_CDC:
		case DLT_LOG_SIDECAR:
			rc = parse_file(c, o, k, &a, &decoded, &pv, &tags);
			break;
		case DLT_LOG_PROTOCOL: {
			int64_t r, w;
			size_t nr = 0, nw = 0;
			if ((rc = get_int(c, o, k, "minReaderVersion", true, &r, 0)) < 0 ||
			    (rc = get_int(c, o, k, "minWriterVersion", true, &w, 0)) < 0 ||
			    (rc = get_str_array(c, o, k, "readerFeatures", 0, &nr,
			                        &a.protocol.has_reader_features)) < 0 ||
			    (rc = get_str_array(c, o, k, "writerFeatures", nr, &nw,
			                        &a.protocol.has_writer_features)) < 0)
				break;
			if (r < 1 || r > INT32_MAX || w < 1 || w > INT32_MAX) {
				rc = PFAIL(c, "protocol: versions out of range");
				break;
			}
			a.protocol.min_reader_version = (int32_t)r;
			a.protocol.min_writer_version = (int32_t)w;
			a.protocol.n_reader_features = nr;
			a.protocol.reader_features = c->strs;
			a.protocol.n_writer_features = nw;
			a.protocol.writer_features = c->strs ? c->strs + nr : NULL;
			break;
		}
		case DLT_LOG_METADATA: {
			json_t *fmt = json_object_get(o, "format");
			size_t npc = 0, nfo = 0, nconf = 0;
			bool present;
			dlt_log_metadata *m = &a.metadata;
			if ((rc = get_str(c, o, k, "id", true, &m->id)) < 0 ||
			    (rc = get_str(c, o, k, "name", false, &m->name)) < 0 ||
			    (rc = get_str(c, o, k, "description", false, &m->description)) < 0 ||
			    (rc = get_str(c, o, k, "schemaString", false, &m->schema_string)) < 0 ||
			    (rc = get_int(c, o, k, "createdTime", false, &m->created_time, -1)) < 0 ||
			    (rc = get_str_array(c, o, k, "partitionColumns", 0, &npc, &present)) < 0 ||
			    (rc = get_map(c, o, k, "configuration", 0, &nconf, NULL)) < 0)
				break;
			if (!present) {
				rc = PFAIL(c, "metaData.partitionColumns: missing required field");
				break;
			}
			if (fmt && !json_is_null(fmt)) {
				if (!json_is_object(fmt)) {
					rc = PFAIL(c, "metaData.format: expected an object");
					break;
				}
				if ((rc = get_str(c, fmt, "metaData.format", "provider", false,
				                  &m->format_provider)) < 0 ||
				    (rc = get_map(c, fmt, "metaData.format", "options", nconf, &nfo,
				                  NULL)) < 0)
					break;
			}
			m->n_partition_columns = npc;
			m->partition_columns = c->strs;
			conf.n = nconf;
			conf.kv = c->kv;
			fo.n = nfo;
			fo.kv = c->kv ? c->kv + nconf : NULL;
			m->configuration = conf;
			m->format_options = fo;
			break;
		}
		case DLT_LOG_TXN:
			if ((rc = get_str(c, o, k, "appId", true, &a.txn.app_id)) < 0 ||
			    (rc = get_int(c, o, k, "version", true, &a.txn.version, 0)) < 0 ||
			    (rc = get_int(c, o, k, "lastUpdated", false, &a.txn.last_updated, -1)) < 0)
				break;
			break;
		case DLT_LOG_DOMAIN_METADATA:
			if ((rc = get_str(c, o, k, "domain", true, &a.domain.domain)) < 0 ||
			    (rc = get_str(c, o, k, "configuration", true, &a.domain.configuration)) <
			            0 ||
			    (rc = get_bool(c, o, k, "removed", &a.removed, false)) < 0)
				break;
			break;
		case DLT_LOG_CHECKPOINT_METADATA:
			rc = get_int(c, o, k, "version", true, &a.version, 0);
			break;
		case DLT_LOG_COMMIT_INFO: {
			json_t *ict = json_object_get(o, "inCommitTimestamp");
			json_t *ts = json_object_get(o, "timestamp");
			json_t *op = json_object_get(o, "operation");
			if (json_is_integer(ict))
				a.ict = (int64_t)json_integer_value(ict);
			else if (ict && !json_is_null(ict)) {
				rc = PFAIL(c, "commitInfo.inCommitTimestamp: expected an integer");
				break;
			}
			if (json_is_integer(ts))
				a.timestamp = (int64_t)json_integer_value(ts);
			if (json_is_string(op))
				a.operation = json_string_value(op);
			dlt_buf_clear(&c->json);
			if (json_dump_callback(o, dump_cb, &c->json, JSON_COMPACT) != 0 ||
			    dlt_buf_append_byte(&c->json, 0, NULL) < 0) {
				rc = oom(c);
				break;
			}
			a.json = (const char *)c->json.data;
			break;
		}
		}
		if (rc == DLT_OK)
			rc = cb(&a, payload, c->err);
		dlt_free(decoded);
		if (rc < 0)
			return rc;
	}
	return DLT_OK;
}

/* ------------------------------------------------------- fast path -- */

/*
 * The common line shapes, {"add":{...}} and {"remove":{...}} with the fields
 * of PROTOCOL.md, scanned without a DOM. Strict: anything the scanner does
 * not fully understand (an unknown or repeated key, an escape in a key, a
 * number that is not a plain integer, a nested value where a scalar is
 * expected, invalid UTF-8, a value jansson would reject or that parse_file
 * would report) declines the line, which then goes through jansson, the
 * reference. So the fast path never reports an error and, when it accepts a
 * line, gives the same action as the jansson path (checked by the fuzzer and
 * the corpus tests through dlt_log__parse_actions_mode).
 */

enum {
	FK_PATH, FK_PV, FK_SIZE, FK_MTIME, FK_DC, FK_STATS, FK_TAGS, FK_DV, FK_BRID, FK_DRCV,
	FK_CLUSTER, FK_DTIME, FK_EFM, FK_N
};
static const char *const kFastKeys[FK_N] = { "path", "partitionValues", "size",
	"modificationTime", "dataChange", "stats", "tags", "deletionVector", "baseRowId",
	"defaultRowCommitVersion", "clusteringProvider", "deletionTimestamp",
	"extendedFileMetadata" };

enum { FV_ABSENT = 0, FV_NULL, FV_STR, FV_INT, FV_BOOL, FV_OBJ, FV_OTHER };

typedef struct fscan {
	const char *p, *end;
	pctx *c;
} fscan;

static void fs_ws(fscan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static bool fs_lit(fscan *s, const char *lit, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
		return false;
	s->p += n;
	return true;
}

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char h = p[i];
		v <<= 4;
		if (h >= '0' && h <= '9')
			v |= h - '0';
		else if (h >= 'a' && h <= 'f')
			v |= h - 'a' + 10;
		else if (h >= 'A' && h <= 'F')
			v |= h - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* A string at s->p (the opening quote), unescaped into the line buffer
 * (NUL-terminated); raw keys (no escapes allowed) are returned in place with
 * *n set. NULL: declined. */
static const char *fs_string(fscan *s, bool raw, size_t *n_out)
{
	const char *p = s->p + 1, *start = p;
	pctx *c = s->c;
	char *o = c->fbuf + c->fbuf_len, *o0 = o;
	while (p < s->end) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '"') {
			s->p = p + 1;
			if (raw) {
				*n_out = (size_t)(p - start);
				return start;
			}
			*o++ = 0;
			c->fbuf_len = (size_t)(o - c->fbuf);
			*n_out = (size_t)(o - o0 - 1);
			return o0;
		}
		if (ch < 0x20)
			return NULL;
		if (ch != '\\') {
			if (!raw)
				*o++ = (char)ch;
			p++;
			continue;
		}
		if (raw || s->end - p < 2)
			return NULL;
		p++;
		switch (*p) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			int u, lo;
			if (s->end - p < 5 || (u = hex4(p + 1)) < 0)
				return NULL;
			p += 4;
			if (u == 0 || (u >= 0xDC00 && u <= 0xDFFF))
				return NULL;
			uint32_t cp = (uint32_t)u;
			if (u >= 0xD800 && u <= 0xDBFF) {
				if (s->end - p < 7 || p[1] != '\\' || p[2] != 'u' || (lo = hex4(p + 3)) < 0 ||
				    lo < 0xDC00 || lo > 0xDFFF)
					return NULL;
				p += 6;
				cp = 0x10000 + (((uint32_t)u - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
			}
			/* an escape is at least 6 bytes: its UTF-8 (at most 4) fits in place */
			if (cp < 0x80) {
				*o++ = (char)cp;
			} else if (cp < 0x800) {
				*o++ = (char)(0xC0 | (cp >> 6));
				*o++ = (char)(0x80 | (cp & 0x3F));
			} else if (cp < 0x10000) {
				*o++ = (char)(0xE0 | (cp >> 12));
				*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
				*o++ = (char)(0x80 | (cp & 0x3F));
			} else {
				*o++ = (char)(0xF0 | (cp >> 18));
				*o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
				*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
				*o++ = (char)(0x80 | (cp & 0x3F));
			}
			break;
		}
		default:
			return NULL;
		}
		p++;
	}
	return NULL;
}

/* A plain JSON integer (no fraction or exponent, at most 18 digits). */
static bool fs_int(fscan *s, int64_t *out)
{
	const char *p = s->p;
	bool neg = false;
	int64_t v = 0;
	if (p < s->end && *p == '-') {
		neg = true;
		p++;
	}
	const char *d = p;
	while (p < s->end && *p >= '0' && *p <= '9') {
		if (p - d >= 18)
			return false;
		v = v * 10 + (*p - '0');
		p++;
	}
	if (p == d || (*d == '0' && p - d > 1))
		return false;
	if (p < s->end && (*p == '.' || *p == 'e' || *p == 'E'))
		return false;
	*out = neg ? -v : v;
	s->p = p;
	return true;
}

/* One value. Strings unescaped (*str), integers (*iv), booleans (*bv);
 * FV_OBJ: s->p left at the '{'. FV_OTHER: declined. */
static int fs_value(fscan *s, const char **str, int64_t *iv, bool *bv)
{
	size_t n;
	if (s->p >= s->end)
		return FV_OTHER;
	switch (*s->p) {
	case '"':
		return (*str = fs_string(s, false, &n)) ? FV_STR : FV_OTHER;
	case 'n':
		return fs_lit(s, "null", 4) ? FV_NULL : FV_OTHER;
	case 't':
		*bv = true;
		return fs_lit(s, "true", 4) ? FV_BOOL : FV_OTHER;
	case 'f':
		*bv = false;
		return fs_lit(s, "false", 5) ? FV_BOOL : FV_OTHER;
	case '{':
		return FV_OBJ;
	default:
		return fs_int(s, iv) ? FV_INT : FV_OTHER;
	}
}

/* After a member: ',' (more: true) or '}' (*done). false: declined. */
static bool fs_next(fscan *s, bool *done)
{
	fs_ws(s);
	if (s->p < s->end && *s->p == ',') {
		s->p++;
		fs_ws(s);
		*done = false;
		return true;
	}
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		*done = true;
		return true;
	}
	return false;
}

/* A key (raw, in place: k, kn) and its ':'. */
static bool fs_key(fscan *s, const char **k, size_t *kn)
{
	if (s->p >= s->end || *s->p != '"' || !(*k = fs_string(s, true, kn)))
		return false;
	fs_ws(s);
	if (s->p >= s->end || *s->p != ':')
		return false;
	s->p++;
	fs_ws(s);
	return true;
}

/* A {"k": string|null, ...} map into c->kv from `base`. */
static bool fs_map(fscan *s, size_t base, size_t *n_out)
{
	pctx *c = s->c;
	size_t n = 0;
	bool done;
	s->p++; /* '{' */
	fs_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		*n_out = 0;
		return true;
	}
	do {
		const char *k, *v;
		size_t kn;
		int64_t iv;
		bool bv;
		if (!fs_key(s, &k, &kn) || n >= 64 || ensure_kv(c, base + n + 1) < 0)
			return false;
		/* the key, NUL-terminated, in the line buffer */
		char *kc = c->fbuf + c->fbuf_len;
		memcpy(kc, k, kn);
		kc[kn] = 0;
		c->fbuf_len += kn + 1;
		for (size_t i = 0; i < n; i++)
			if (strcmp(c->kv[base + i].key, kc) == 0)
				return false; /* duplicate: jansson rejects the line */
		int t = fs_value(s, &v, &iv, &bv);
		if (t != FV_STR && t != FV_NULL)
			return false;
		c->kv[base + n].key = kc;
		c->kv[base + n].value = t == FV_STR ? v : NULL;
		n++;
		if (!fs_next(s, &done))
			return false;
	} while (!done);
	*n_out = n;
	return true;
}

static bool fs_dv(fscan *s, dlt_log_dv *dv)
{
	static const char *const keys[6] = { "storageType", "pathOrInlineDv", "offset",
		"sizeInBytes", "cardinality", "maxRowIndex" };
	const char *sv[2] = { NULL, NULL };
	int64_t iv[6] = { 0, 0, -1, 0, 0, -1 };
	unsigned seen = 0, have = 0;
	bool done;
	s->p++;
	fs_ws(s);
	if (s->p < s->end && *s->p == '}')
		return false; /* required fields missing: jansson reports it */
	do {
		const char *k, *v;
		size_t kn;
		int64_t x;
		bool bv;
		int w = -1;
		if (!fs_key(s, &k, &kn))
			return false;
		for (int i = 0; i < 6; i++)
			if (strlen(keys[i]) == kn && memcmp(keys[i], k, kn) == 0)
				w = i;
		if (w < 0 || (seen & (1u << w)))
			return false;
		seen |= 1u << w;
		int t = fs_value(s, &v, &x, &bv);
		if (t == FV_NULL) {
			/* as absent */
		} else if (w < 2 && t == FV_STR) {
			sv[w] = v;
			have |= 1u << w;
		} else if (w >= 2 && t == FV_INT) {
			iv[w] = x;
			have |= 1u << w;
		} else {
			return false;
		}
		if (!fs_next(s, &done))
			return false;
	} while (!done);
	if ((have & 0x1bu) != 0x1bu) /* storageType, pathOrInlineDv, sizeInBytes, cardinality */
		return false;
	const char *st = sv[0];
	if (strlen(st) != 1 || (st[0] != 'u' && st[0] != 'i' && st[0] != 'p'))
		return false;
	if (iv[2] < -1 || iv[2] > INT32_MAX || iv[3] < 0 || iv[3] > INT32_MAX || iv[4] < 0)
		return false;
	dv->storage_type = st[0];
	dv->path_or_inline_dv = sv[1];
	dv->offset = (int32_t)iv[2];
	dv->size_in_bytes = (int32_t)iv[3];
	dv->cardinality = iv[4];
	dv->max_row_index = iv[5];
	return true;
}

/* 1: handled (*rc set), 0: declined (nothing called). */
static int fast_line(pctx *c, const char *line, size_t n, dlt_log_action_cb cb, void *payload,
                     int *rc)
{
	fscan s = { line, line + n, c };
	dlt_log_action a;
	dlt_log_kvs pv = { 0, NULL }, tags = { 0, NULL };
	const char *k, *str[FK_N];
	int64_t iv[FK_N];
	bool bv[FK_N], done;
	int type[FK_N];
	size_t kn, npv = 0, ntags = 0;
	bool is_remove;

	/* every unescaped string fits in its raw bytes (quotes included) */
	if (n + 1 > c->fbuf_cap) {
		size_t cap = n + 1 < 4096 ? 4096 : n + 1;
		char *b = dlt_realloc(c->fbuf, cap);
		if (!b)
			return 0;
		c->fbuf = b;
		c->fbuf_cap = cap;
	}
	c->fbuf_len = 0;
	fs_ws(&s);
	if (s.p >= s.end || *s.p != '{')
		return 0;
	s.p++;
	fs_ws(&s);
	if (!fs_key(&s, &k, &kn))
		return 0;
	if (kn == 3 && memcmp(k, "add", 3) == 0)
		is_remove = false;
	else if (kn == 6 && memcmp(k, "remove", 6) == 0)
		is_remove = true;
	else
		return 0;
	if (s.p >= s.end || *s.p != '{')
		return 0;
	memset(type, 0, sizeof(type));
	memset(&a, 0, sizeof(a));
	for (const char *q = line; q < s.end; q++)
		if ((unsigned char)*q >= 0x80) {
			if (!dlt_utf8_valid((const uint8_t *)line, n))
				return 0;
			break;
		}
	s.p++;
	fs_ws(&s);
	if (s.p < s.end && *s.p == '}')
		return 0; /* no path: jansson reports it */
	do {
		int w = -1, t;
		if (!fs_key(&s, &k, &kn))
			return 0;
		for (int i = 0; i < FK_N; i++)
			if (strlen(kFastKeys[i]) == kn && memcmp(kFastKeys[i], k, kn) == 0) {
				w = i;
				break;
			}
		if (w < 0 || type[w] != FV_ABSENT)
			return 0; /* unknown or repeated key */
		t = fs_value(&s, &str[w], &iv[w], &bv[w]);
		if (t == FV_OTHER)
			return 0;
		if (t == FV_OBJ) {
			if (w == FK_PV) {
				if (type[FK_TAGS] != FV_ABSENT || !fs_map(&s, 0, &npv))
					return 0;
			} else if (w == FK_TAGS) {
				if (!fs_map(&s, npv, &ntags))
					return 0;
			} else if (w == FK_DV) {
				if (!fs_dv(&s, &a.file.dv))
					return 0;
			} else {
				return 0;
			}
		}
		type[w] = t;
		if (!fs_next(&s, &done))
			return 0;
	} while (!done);
	fs_ws(&s);
	if (s.p >= s.end || *s.p != '}')
		return 0;
	s.p++;
	fs_ws(&s);
	if (s.p != s.end)
		return 0;

	/* the types parse_file expects; anything else is an error jansson names */
	static const int want[FK_N] = { FV_STR, FV_OBJ, FV_INT, FV_INT, FV_BOOL, FV_STR, FV_OBJ,
		FV_OBJ, FV_INT, FV_INT, FV_STR, FV_INT, FV_BOOL };
	for (int i = 0; i < FK_N; i++) {
		bool ignored = (i == FK_MTIME && is_remove) ||
		               (!is_remove && (i == FK_DTIME || i == FK_EFM));
		if (type[i] == FV_ABSENT || type[i] == FV_NULL || ignored)
			continue;
		if (type[i] != want[i])
			return 0;
	}
	if (type[FK_PATH] != FV_STR || (!is_remove && type[FK_SIZE] != FV_INT))
		return 0;

	a.kind = is_remove ? DLT_LOG_REMOVE : DLT_LOG_ADD;
	a.line = c->line;
	a.timestamp = -1;
	a.ict = -1;
	dlt_log_file *f = &a.file;
	f->num_records = -1;
	if (type[FK_DV] != FV_OBJ) {
		f->dv.offset = -1;
		f->dv.max_row_index = -1;
	}
	bool absolute;
	char *decoded = NULL;
	dlt_error e2;
	if (dlt_log__decode_path_ref(&f->path, &decoded, &absolute, str[FK_PATH], &e2) < 0)
		return 0;
	f->flags = absolute ? DLT_LOG_FILE_ABSOLUTE : 0;
	pv.n = npv;
	pv.kv = c->kv;
	tags.n = ntags;
	tags.kv = c->kv ? c->kv + npv : NULL;
	f->partition_values = &pv;
	f->tags = type[FK_TAGS] == FV_OBJ ? &tags : NULL;
	f->size = type[FK_SIZE] == FV_INT ? iv[FK_SIZE] : -1;
	if (f->size < -1 || (f->size < 0 && !is_remove)) {
		dlt_free(decoded);
		return 0;
	}
	if (is_remove) {
		f->modification_time = type[FK_DTIME] == FV_INT ? iv[FK_DTIME] : -1;
		if (type[FK_EFM] == FV_BOOL && bv[FK_EFM])
			f->flags |= DLT_LOG_FILE_EXTENDED_METADATA;
	} else {
		f->modification_time = type[FK_MTIME] == FV_INT ? iv[FK_MTIME] : 0;
	}
	if (type[FK_DC] != FV_BOOL || bv[FK_DC])
		f->flags |= DLT_LOG_FILE_DATA_CHANGE;
	f->stats = type[FK_STATS] == FV_STR ? str[FK_STATS] : NULL;
	f->num_records = dlt_log__stats_num_records(f->stats);
	if (type[FK_BRID] == FV_INT) {
		f->base_row_id = iv[FK_BRID];
		f->flags |= DLT_LOG_FILE_HAS_BASE_ROW_ID;
	}
	if (type[FK_DRCV] == FV_INT) {
		f->default_row_commit_version = iv[FK_DRCV];
		f->flags |= DLT_LOG_FILE_HAS_ROW_COMMIT_V;
	}
	f->clustering_provider = type[FK_CLUSTER] == FV_STR ? str[FK_CLUSTER] : NULL;
	int r = cb(&a, payload, c->err);
	*rc = r < 0 ? r : DLT_OK; /* as parse_line: only errors stop */
	dlt_free(decoded);
	return 1;
}

int dlt_log__parse_actions(const char *data, size_t len, const char *name,
                           dlt_log_action_cb cb, void *payload, dlt_error *err)
{
	return dlt_log__parse_actions_mode(data, len, name, cb, payload, 0, err);
}

static int parse_lines(const char *data, size_t len, const char *name, dlt_log_action_cb cb,
                       void *payload, int mode, int64_t *line, dlt_error *err);

int dlt_log__parse_actions_mode(const char *data, size_t len, const char *name,
                                dlt_log_action_cb cb, void *payload, int mode, dlt_error *err)
{
	int64_t line = 0;
	return parse_lines(data, len, name, cb, payload, mode, &line, err);
}

int dlt_log__parse_actions_lines(const char *data, size_t len, const char *name,
                                 dlt_log_action_cb cb, void *payload, int64_t *line,
                                 dlt_error *err)
{
	return parse_lines(data, len, name, cb, payload, 0, line, err);
}

/* *line_no: lines before data (in), then lines through data (out). */
static int parse_lines(const char *data, size_t len, const char *name, dlt_log_action_cb cb,
                       void *payload, int mode, int64_t *line_no, dlt_error *err)
{
	pctx c;
	size_t pos = 0;
	int rc = DLT_OK;

	memset(&c, 0, sizeof(c));
	c.name = name ? name : "log";
	c.err = err;
	c.line = *line_no;
	while (pos < len && rc == DLT_OK) {
		const char *line = data + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		json_error_t je;
		json_t *root;
		size_t i;

		c.line++;
		pos += n + (nl ? 1 : 0);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		for (i = 0; i < n && (line[i] == ' ' || line[i] == '\t'); i++)
			;
		if (i == n)
			continue; /* blank line */
		if (memchr(line, '\0', n)) {
			rc = PFAIL(&c, "NUL byte in line");
			break;
		}
		if (mode != 1 && fast_line(&c, line, n, cb, payload, &rc))
			continue;
		if (mode == 2) {
			rc = PFAIL(&c, "fast path declined");
			break;
		}
		root = json_loadb(line, n, JSON_REJECT_DUPLICATES, &je);
		if (!root) {
			rc = PFAIL(&c, "malformed JSON at column %d: %s", je.column, je.text);
			break;
		}
		rc = parse_line(&c, root, cb, payload);
		json_decref(root);
	}
	*line_no = c.line;
	dlt_free(c.kv);
	dlt_free(c.strs);
	dlt_free(c.fbuf);
	dlt_buf_dispose(&c.json);
	return rc;
}

/* ------------------------------------------------ canonical text -- */

static void desc_str(dlt_buf *b, const char *s)
{
	if (!s)
		(void)dlt_buf_append_str(b, "<null>", NULL);
	else
		(void)dlt_buf_appendf(b, NULL, "\"%s\"", s);
}

static void desc_kvs(dlt_buf *b, const dlt_log_kvs *k)
{
	if (!k) {
		(void)dlt_buf_append_str(b, "<none>", NULL);
		return;
	}
	(void)dlt_buf_append_byte(b, '{', NULL);
	for (size_t i = 0; i < k->n; i++) {
		desc_str(b, k->kv[i].key);
		(void)dlt_buf_append_byte(b, '=', NULL);
		desc_str(b, k->kv[i].value);
		(void)dlt_buf_append_byte(b, ';', NULL);
	}
	(void)dlt_buf_append_byte(b, '}', NULL);
}

static void desc_list(dlt_buf *b, const char *const *l, size_t n)
{
	(void)dlt_buf_append_byte(b, '[', NULL);
	for (size_t i = 0; i < n; i++)
		desc_str(b, l[i]);
	(void)dlt_buf_append_byte(b, ']', NULL);
}

void dlt_log__action_describe(dlt_buf *b, const dlt_log_action *a)
{
	const dlt_log_file *f = &a->file;
	(void)dlt_buf_appendf(b, NULL, "kind=%d line=%" PRId64 " ", (int)a->kind, a->line);
	switch (a->kind) {
	case DLT_LOG_ADD: case DLT_LOG_REMOVE: case DLT_LOG_CDC: case DLT_LOG_SIDECAR:
		desc_str(b, f->path);
		(void)dlt_buf_appendf(b, NULL, " flags=%u size=%" PRId64 " mtime=%" PRId64 " nr=%" PRId64
		                      " pv=", f->flags, f->size, f->modification_time, f->num_records);
		desc_kvs(b, f->partition_values);
		(void)dlt_buf_append_str(b, " tags=", NULL);
		desc_kvs(b, f->tags);
		(void)dlt_buf_append_str(b, " stats=", NULL);
		desc_str(b, f->stats);
		(void)dlt_buf_appendf(b, NULL, " dv=%d/", (int)f->dv.storage_type);
		desc_str(b, f->dv.path_or_inline_dv);
		(void)dlt_buf_appendf(b, NULL, "/%d/%d/%" PRId64 "/%" PRId64, (int)f->dv.offset,
		                      (int)f->dv.size_in_bytes, f->dv.cardinality, f->dv.max_row_index);
		if (f->flags & DLT_LOG_FILE_HAS_BASE_ROW_ID)
			(void)dlt_buf_appendf(b, NULL, " brid=%" PRId64, f->base_row_id);
		if (f->flags & DLT_LOG_FILE_HAS_ROW_COMMIT_V)
			(void)dlt_buf_appendf(b, NULL, " drcv=%" PRId64, f->default_row_commit_version);
		(void)dlt_buf_append_str(b, " cp=", NULL);
		desc_str(b, f->clustering_provider);
		break;
	case DLT_LOG_PROTOCOL:
		(void)dlt_buf_appendf(b, NULL, "%d/%d %d%d", (int)a->protocol.min_reader_version,
		                      (int)a->protocol.min_writer_version,
		                      (int)a->protocol.has_reader_features,
		                      (int)a->protocol.has_writer_features);
		desc_list(b, a->protocol.reader_features, a->protocol.n_reader_features);
		desc_list(b, a->protocol.writer_features, a->protocol.n_writer_features);
		break;
	case DLT_LOG_METADATA:
		desc_str(b, a->metadata.id);
		desc_str(b, a->metadata.name);
		desc_str(b, a->metadata.description);
		desc_str(b, a->metadata.format_provider);
		desc_kvs(b, &a->metadata.format_options);
		desc_str(b, a->metadata.schema_string);
		desc_list(b, a->metadata.partition_columns, a->metadata.n_partition_columns);
		desc_kvs(b, &a->metadata.configuration);
		(void)dlt_buf_appendf(b, NULL, " ct=%" PRId64, a->metadata.created_time);
		break;
	case DLT_LOG_TXN:
		desc_str(b, a->txn.app_id);
		(void)dlt_buf_appendf(b, NULL, " %" PRId64 " %" PRId64, a->txn.version,
		                      a->txn.last_updated);
		break;
	case DLT_LOG_DOMAIN_METADATA:
		desc_str(b, a->domain.domain);
		desc_str(b, a->domain.configuration);
		(void)dlt_buf_appendf(b, NULL, " removed=%d", (int)a->removed);
		break;
	case DLT_LOG_COMMIT_INFO:
		desc_str(b, a->json);
		desc_str(b, a->operation);
		(void)dlt_buf_appendf(b, NULL, " ts=%" PRId64 " ict=%" PRId64, a->timestamp, a->ict);
		break;
	case DLT_LOG_CHECKPOINT_METADATA:
		(void)dlt_buf_appendf(b, NULL, "v=%" PRId64, a->version);
		break;
	}
	(void)dlt_buf_append_byte(b, '\n', NULL);
}
