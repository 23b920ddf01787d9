/* Checkpoint files (PROTOCOL.md#checkpoint-schema): Parquet (classic,
 * multi-part, v2, sidecars) read with our Parquet reader, projected to the
 * columns replay needs, turned into the same dlt_log_action as JSON lines. */
#include "log/log.h"
#include "log/arena.h"
#include "log/ckpt.h"
#include "arrow/arrow.h"
#include "util/parse.h"

#include "deltalite/parquet.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------- arrow accessors -- */

typedef struct col {
	const struct ArrowSchema *s;
	const struct ArrowArray *a;
} col;

static col child(col c, const char *name)
{
	col r = { NULL, NULL };
	if (!c.s || !c.a)
		return r;
	for (int64_t i = 0; i < c.s->n_children && i < c.a->n_children; i++) {
		if (c.s->children[i]->name && strcmp(c.s->children[i]->name, name) == 0) {
			r.s = c.s->children[i];
			r.a = c.a->children[i];
			return r;
		}
	}
	return r;
}

/* Logical index in a child of struct array `parent` at parent-logical i. */
static int64_t cidx(col parent, int64_t i)
{
	return parent.a->offset + i;
}

static bool is_null(col c, int64_t i)
{
	return !c.a || dlt_arrow__is_null(c.a, i);
}

static bool is_str_fmt(const char *f)
{
	return strcmp(f, "u") == 0 || strcmp(f, "U") == 0 || strcmp(f, "z") == 0 ||
	       strcmp(f, "Z") == 0;
}

/* Pointer + length of string element i; false if null or not a string. */
static bool get_sv(col c, int64_t i, const char **p, size_t *n)
{
	int64_t j;
	if (is_null(c, i) || !is_str_fmt(c.s->format))
		return false;
	j = c.a->offset + i;
	if (c.s->format[0] == 'U' || c.s->format[0] == 'Z') {
		const int64_t *off = c.a->buffers[1];
		*p = (const char *)c.a->buffers[2] + off[j];
		*n = (size_t)(off[j + 1] - off[j]);
	} else {
		const int32_t *off = c.a->buffers[1];
		*p = (const char *)c.a->buffers[2] + off[j];
		*n = (size_t)(off[j + 1] - off[j]);
	}
	if (!*p)
		*p = "";
	return true;
}

static bool get_i64(col c, int64_t i, int64_t *out)
{
	dlt_type_view t;
	int64_t j;
	if (is_null(c, i))
		return false;
	j = c.a->offset + i;
	if (c.s->format[0] && !c.s->format[1]) { /* the usual primitive formats */
		switch (c.s->format[0]) {
		case 'l': *out = ((const int64_t *)c.a->buffers[1])[j]; return true;
		case 'i': *out = ((const int32_t *)c.a->buffers[1])[j]; return true;
		default: break;
		}
	}
	if (dlt_arrow__parse_format(&t, c.s->format, NULL) < 0)
		return false;
	switch (t.bit_width) {
	case 64: *out = ((const int64_t *)c.a->buffers[1])[j]; return t.type != DLT_AT_FLOAT64;
	case 32: *out = ((const int32_t *)c.a->buffers[1])[j]; return t.type != DLT_AT_FLOAT32;
	case 16: *out = ((const int16_t *)c.a->buffers[1])[j]; return true;
	case 8: *out = ((const int8_t *)c.a->buffers[1])[j]; return true;
	default: return false;
	}
}

static bool get_bool(col c, int64_t i, bool *out)
{
	if (is_null(c, i) || strcmp(c.s->format, "b") != 0)
		return false;
	*out = dlt_arrow__bit(c.a->buffers[1], c.a->offset + i);
	return true;
}

/* ------------------------------------------------------ row scratch -- */

typedef struct sblock {
	struct sblock *next;
	size_t used, cap;
	/* data follows */
} sblock;

typedef struct scratch {
	sblock *blocks;   /* current first; reset keeps one block */
	dlt_log_kv *kv;
	size_t nkv, kvcap;
	const char **list;
	size_t nlist, listcap;
	dlt_buf json;
} scratch;

static void scratch_reset(scratch *s)
{
	if (s->blocks && s->blocks->next) {
		/* a big row: keep one block as large as everything it needed */
		size_t total = 0;
		for (sblock *b = s->blocks, *n; b; b = n) {
			n = b->next;
			total += b->cap;
			dlt_free(b);
		}
		s->blocks = dlt_malloc(sizeof(sblock) + total);
		if (s->blocks) {
			s->blocks->next = NULL;
			s->blocks->cap = total;
		}
	}
	if (s->blocks)
		s->blocks->used = 0;
	s->nkv = 0;
	s->nlist = 0;
}

static void scratch_dispose(scratch *s)
{
	for (sblock *b = s->blocks, *n; b; b = n) {
		n = b->next;
		dlt_free(b);
	}
	s->blocks = NULL;
	dlt_free(s->kv);
	dlt_free(s->list);
	dlt_buf_dispose(&s->json);
}

/* n bytes valid until the next scratch_reset; NULL on ENOMEM. */
static char *salloc(scratch *s, size_t n)
{
	sblock *b = s->blocks;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > 4096 ? n : 4096;
		if (!(b = dlt_malloc(sizeof(sblock) + cap)))
			return NULL;
		b->next = s->blocks;
		b->used = 0;
		b->cap = cap;
		s->blocks = b;
	}
	char *p = (char *)(b + 1) + b->used;
	b->used += n;
	return p;
}

/* NUL-terminated copy of string element (NULL when null). *ok false on ENOMEM. */
static const char *str(scratch *s, col c, int64_t i, bool *ok)
{
	const char *p;
	size_t n;
	if (!c.a || !get_sv(c, i, &p, &n))
		return NULL;
	char *d = salloc(s, n + 1);
	if (!d) {
		*ok = false;
		return NULL;
	}
	memcpy(d, p, n);
	d[n] = 0;
	return d;
}

/* NUL-terminated copy of string element i in arena `a` (NULL when null),
 * from the Arrow buffer with its known length. *ok false on ENOMEM. */
static const char *arena_str(dlt_log_arena *a, col c, int64_t i, bool *ok)
{
	const char *p;
	size_t n;
	if (!c.a || !get_sv(c, i, &p, &n))
		return NULL;
	char *d = dlt_log__arena_alloc(a, n + 1);
	if (!d) {
		*ok = false;
		return NULL;
	}
	memcpy(d, p, n);
	d[n] = 0;
	return d;
}

/* map<string,string> element i into s->kv (appended); returns the start index. */
static bool read_map(scratch *s, col m, int64_t i, size_t *start, size_t *n, bool *ok)
{
	*start = s->nkv;
	*n = 0;
	if (is_null(m, i) || strcmp(m.s->format, "+m") != 0 || m.a->n_children != 1)
		return false;
	const int32_t *off = m.a->buffers[1];
	int64_t j = m.a->offset + i;
	col e = { m.s->children[0], m.a->children[0] };
	col k = { e.s->children[0], e.a->children[0] };
	col v = { e.s->children[1], e.a->children[1] };
	for (int32_t x = off[j]; x < off[j + 1] && *ok; x++) {
		if (s->nkv == s->kvcap) {
			size_t cap = s->kvcap ? s->kvcap * 2 : 32;
			dlt_log_kv *nk = dlt_realloc(s->kv, cap * sizeof(*nk));
			if (!nk) {
				*ok = false;
				return false;
			}
			s->kv = nk;
			s->kvcap = cap;
		}
		const char *key = str(s, k, cidx(e, x), ok);
		const char *val = str(s, v, cidx(e, x), ok);
		if (!key)
			continue;
		s->kv[s->nkv].key = key;
		s->kv[s->nkv].value = val;
		s->nkv++;
		(*n)++;
	}
	return true;
}

static bool read_list(scratch *s, col l, int64_t i, size_t *start, size_t *n, bool *ok)
{
	*start = s->nlist;
	*n = 0;
	if (is_null(l, i) || strcmp(l.s->format, "+l") != 0 || l.a->n_children != 1)
		return false;
	const int32_t *off = l.a->buffers[1];
	int64_t j = l.a->offset + i;
	col e = { l.s->children[0], l.a->children[0] };
	for (int32_t x = off[j]; x < off[j + 1] && *ok; x++) {
		if (s->nlist == s->listcap) {
			size_t cap = s->listcap ? s->listcap * 2 : 16;
			const char **nl = dlt_realloc(s->list, cap * sizeof(*nl));
			if (!nl) {
				*ok = false;
				return false;
			}
			s->list = nl;
			s->listcap = cap;
		}
		const char *v = str(s, e, x, ok);
		if (v) {
			s->list[s->nlist++] = v;
			(*n)++;
		}
	}
	return true;
}

/* ------------------------------------------ stats_parsed to JSON -- */

static int value_json(dlt_buf *b, col c, int64_t i, int depth);

static int struct_json(dlt_buf *b, col c, int64_t i, int depth)
{
	bool first = true;
	int rc;
	if ((rc = dlt_buf_append_byte(b, '{', NULL)) < 0)
		return rc;
	for (int64_t k = 0; k < c.s->n_children; k++) {
		col ch = { c.s->children[k], c.a->children[k] };
		int64_t ci = cidx(c, i);
		if (is_null(ch, ci))
			continue;
		size_t mark = b->len;
		if (!first && (rc = dlt_buf_append_byte(b, ',', NULL)) < 0)
			return rc;
		if ((rc = dlt_buf_appendf(b, NULL, "\"%s\":", ch.s->name ? ch.s->name : "")) < 0)
			return rc;
		rc = value_json(b, ch, ci, depth + 1);
		if (rc == 1) { /* unrepresentable: drop the key */
			b->len = mark;
			continue;
		}
		if (rc < 0)
			return rc;
		first = false;
	}
	return dlt_buf_append_byte(b, '}', NULL);
}

/* 0 written, 1 skipped, <0 error */
static int value_json(dlt_buf *b, col c, int64_t i, int depth)
{
	dlt_type_view t;
	char tmp[128];
	int64_t j = c.a->offset + i;
	if (depth > 32 || dlt_arrow__parse_format(&t, c.s->format, NULL) < 0)
		return 1;
	switch (t.type) {
	case DLT_AT_STRUCT:
		return struct_json(b, c, i, depth);
	case DLT_AT_BOOL:
		return dlt_buf_append_str(b, dlt_arrow__bit(c.a->buffers[1], j) ? "true" : "false",
		                          NULL);
	case DLT_AT_INT8: case DLT_AT_INT16: case DLT_AT_INT32: case DLT_AT_INT64:
	case DLT_AT_UINT8: case DLT_AT_UINT16: case DLT_AT_UINT32: {
		int64_t v;
		if (!get_i64(c, i, &v))
			return 1;
		return dlt_buf_appendf(b, NULL, "%" PRId64, v);
	}
	case DLT_AT_FLOAT32: case DLT_AT_FLOAT64: {
		double v = t.type == DLT_AT_FLOAT32 ? ((const float *)c.a->buffers[1])[j]
		                                    : ((const double *)c.a->buffers[1])[j];
		if (v != v || v - v != 0)
			return dlt_buf_appendf(b, NULL, "\"%s\"", v != v ? "NaN" :
			                       v > 0 ? "Infinity" : "-Infinity");
		if (t.type == DLT_AT_FLOAT32)
			dlt_format_float(tmp, (float)v);
		else
			dlt_format_double(tmp, v);
		return dlt_buf_append_str(b, tmp, NULL);
	}
	case DLT_AT_DATE32:
		dlt_format_date32(tmp, ((const int32_t *)c.a->buffers[1])[j]);
		return dlt_buf_appendf(b, NULL, "\"%s\"", tmp);
	case DLT_AT_TIMESTAMP:
		dlt_format_timestamp(tmp, ((const int64_t *)c.a->buffers[1])[j], (int)t.unit,
		                     t.tz != NULL && t.tz[0] != 0);
		return dlt_buf_appendf(b, NULL, "\"%s\"", tmp);
	case DLT_AT_DECIMAL128: {
		uint64_t w[2];
		memcpy(w, (const uint8_t *)c.a->buffers[1] + 16 * j, 16);
		dlt_format_decimal(tmp, w, 2, t.scale);
		return dlt_buf_append_str(b, tmp, NULL);
	}
	case DLT_AT_STRING: case DLT_AT_LARGE_STRING: {
		const char *p;
		size_t n;
		int rc;
		if (!get_sv(c, i, &p, &n))
			return 1;
		if ((rc = dlt_buf_append_byte(b, '"', NULL)) < 0)
			return rc;
		for (size_t k = 0; k < n; k++) {
			unsigned char ch = (unsigned char)p[k];
			if (ch == '"' || ch == '\\')
				rc = dlt_buf_appendf(b, NULL, "\\%c", ch);
			else if (ch < 0x20)
				rc = dlt_buf_appendf(b, NULL, "\\u%04x", ch);
			else
				rc = dlt_buf_append_byte(b, ch, NULL);
			if (rc < 0)
				return rc;
		}
		return dlt_buf_append_byte(b, '"', NULL);
	}
	default:
		return 1;
	}
}

/* ------------------------------------------------------ row decode -- */

/* The columns of an add / remove / sidecar struct, looked up once per batch. */
typedef struct fcols {
	col act, path, pv, tags, size, mtime, dtime, dc, efm, stats, stats_parsed;
	col dv, dv_st, dv_path, dv_off, dv_size, dv_card, dv_mri;
	col base_row_id, drcv, clustering, size_in_bytes;
} fcols;

static void fcols_init(fcols *f, col act)
{
	memset(f, 0, sizeof(*f));
	f->act = act;
	if (!act.a)
		return;
	f->path = child(act, "path");
	f->pv = child(act, "partitionValues");
	f->tags = child(act, "tags");
	f->size = child(act, "size");
	f->mtime = child(act, "modificationTime");
	f->dtime = child(act, "deletionTimestamp");
	f->dc = child(act, "dataChange");
	f->efm = child(act, "extendedFileMetadata");
	f->stats = child(act, "stats");
	f->stats_parsed = child(act, "stats_parsed");
	f->dv = child(act, "deletionVector");
	f->dv_st = child(f->dv, "storageType");
	f->dv_path = child(f->dv, "pathOrInlineDv");
	f->dv_off = child(f->dv, "offset");
	f->dv_size = child(f->dv, "sizeInBytes");
	f->dv_card = child(f->dv, "cardinality");
	f->dv_mri = child(f->dv, "maxRowIndex");
	f->base_row_id = child(act, "baseRowId");
	f->drcv = child(act, "defaultRowCommitVersion");
	f->clustering = child(act, "clusteringProvider");
	f->size_in_bytes = child(act, "sizeInBytes");
}

/* Row i of the action struct has a non-null path. */
static bool fcols_has(const fcols *f, int64_t i)
{
	return f->act.a && !is_null(f->act, i) && !is_null(f->path, cidx(f->act, i));
}

static void dv_from(const fcols *f, int64_t i, dlt_log_dv *dv, scratch *s, bool *ok)
{
	int64_t v;
	col d = f->dv;
	memset(dv, 0, sizeof(*dv));
	dv->offset = -1;
	dv->max_row_index = -1;
	if (!d.a || is_null(d, i))
		return;
	int64_t ci = cidx(d, i);
	const char *st = str(s, f->dv_st, ci, ok);
	if (!st || strlen(st) != 1)
		return;
	dv->storage_type = st[0];
	dv->path_or_inline_dv = str(s, f->dv_path, ci, ok);
	if (get_i64(f->dv_off, ci, &v))
		dv->offset = (int32_t)v;
	if (get_i64(f->dv_size, ci, &v))
		dv->size_in_bytes = (int32_t)v;
	if (get_i64(f->dv_card, ci, &v))
		dv->cardinality = v;
	if (get_i64(f->dv_mri, ci, &v))
		dv->max_row_index = v;
}

typedef struct rowctx {
	const char *name;
	dlt_log_action_cb cb;
	void *payload;
	scratch s;
	int64_t row;
	dlt_log_arena *keep; /* non-NULL: add paths and stats straight into it */
	dlt_error *err;
} rowctx;

static int bad(rowctx *r, const char *what)
{
	dlt_error_set(r->err, DLT_ECORRUPT, "checkpoint %s: row %" PRId64 ": %s", r->name, r->row,
	              what);
	dlt_error_set_path(r->err, r->name);
	dlt_error__set_row(r->err, r->row);
	return DLT_ECORRUPT;
}

static int file_action(rowctx *r, const fcols *f, int64_t i, dlt_log_action_kind kind)
{
	dlt_log_action a;
	dlt_log_kvs pv = { 0, NULL }, tags = { 0, NULL };
	col act = f->act;
	int64_t ci = cidx(act, i), v;
	bool ok = true, b, absolute = false;
	size_t st, n, st2, n2;
	char *decoded = NULL;
	const char *dpath;
	int rc;

	memset(&a, 0, sizeof(a));
	a.kind = kind;
	a.line = r->row;
	a.timestamp = a.ict = -1;
	a.file.num_records = -1;
	bool keep = r->keep && kind == DLT_LOG_ADD;
	const char *path = keep ? arena_str(r->keep, f->path, ci, &ok) : str(&r->s, f->path, ci, &ok);
	if (!ok)
		goto oom;
	if (!path)
		return bad(r, kind == DLT_LOG_ADD ? "add.path is null" : "remove.path is null");
	if ((rc = dlt_log__decode_path_ref(&dpath, &decoded, &absolute, path, r->err)) < 0) {
		if (rc == DLT_ENOMEM)
			goto oom;
		char m[DLT_ERROR_MESSAGE_MAX];
		snprintf(m, sizeof(m), "path: %.900s", r->err ? r->err->message : "bad");
		return bad(r, m);
	}
	if (keep && decoded) { /* percent-decoded: the arena keeps the decoded text */
		dpath = dlt_log__arena_strdup(r->keep, decoded, &ok);
		dlt_free(decoded);
		decoded = NULL;
		if (!ok)
			goto oom;
	}
	a.file.path = dpath;
	a.file.flags = absolute ? DLT_LOG_FILE_ABSOLUTE : 0;
	a.arena_owned = keep;
	if (kind == DLT_LOG_SIDECAR) {
		if (!get_i64(f->size_in_bytes, ci, &a.file.size))
			a.file.size = -1;
		if (!get_i64(f->mtime, ci, &a.file.modification_time))
			a.file.modification_time = 0;
		a.file.partition_values = &pv;
		goto call;
	}
	read_map(&r->s, f->pv, ci, &st, &n, &ok);
	bool has_tags = read_map(&r->s, f->tags, ci, &st2, &n2, &ok);
	if (!ok)
		goto oom;
	pv.n = n;
	pv.kv = r->s.kv ? r->s.kv + st : NULL;
	tags.n = n2;
	tags.kv = r->s.kv ? r->s.kv + st2 : NULL;
	a.file.partition_values = &pv;
	a.file.tags = has_tags ? &tags : NULL;
	if (!get_i64(f->size, ci, &a.file.size)) {
		if (kind == DLT_LOG_ADD) {
			dlt_free(decoded);
			return bad(r, "add.size is null");
		}
		a.file.size = -1;
	}
	if (kind == DLT_LOG_ADD) {
		if (!get_i64(f->mtime, ci, &a.file.modification_time))
			a.file.modification_time = 0;
	} else if (!get_i64(f->dtime, ci, &a.file.modification_time)) {
		a.file.modification_time = -1;
	}
	if (!get_bool(f->dc, ci, &b) || b)
		a.file.flags |= DLT_LOG_FILE_DATA_CHANGE;
	if (get_bool(f->efm, ci, &b) && b)
		a.file.flags |= DLT_LOG_FILE_EXTENDED_METADATA;
	a.file.stats = keep ? arena_str(r->keep, f->stats, ci, &ok) : str(&r->s, f->stats, ci, &ok);
	if (!ok)
		goto oom;
	if (!a.file.stats && kind == DLT_LOG_ADD) {
		col sp = f->stats_parsed;
		if (sp.a && !is_null(sp, ci) && strcmp(sp.s->format, "+s") == 0) {
			dlt_buf_clear(&r->s.json);
			if (value_json(&r->s.json, sp, ci, 0) < 0 ||
			    dlt_buf_append_byte(&r->s.json, 0, NULL) < 0)
				goto oom;
			a.file.stats = keep ? dlt_log__arena_strdup(r->keep, (const char *)r->s.json.data,
			                                            &ok)
			                    : (const char *)r->s.json.data;
			if (!ok)
				goto oom;
			a.file.flags |= DLT_LOG_FILE_STATS_FROM_PARSED;
		}
	}
	if (a.file.stats) {
		a.file.num_records = dlt_log__stats_num_records(a.file.stats);
	}
	dv_from(f, ci, &a.file.dv, &r->s, &ok);
	if (!ok)
		goto oom;
	if (get_i64(f->base_row_id, ci, &v)) {
		a.file.base_row_id = v;
		a.file.flags |= DLT_LOG_FILE_HAS_BASE_ROW_ID;
	}
	if (get_i64(f->drcv, ci, &v)) {
		a.file.default_row_commit_version = v;
		a.file.flags |= DLT_LOG_FILE_HAS_ROW_COMMIT_V;
	}
	a.file.clustering_provider = str(&r->s, f->clustering, ci, &ok);
	if (!ok)
		goto oom;
call:
	rc = r->cb(&a, r->payload, r->err);
	dlt_free(decoded);
	return rc;
oom:
	dlt_free(decoded);
	return dlt_error_set(r->err, DLT_ENOMEM, "out of memory");
}

static int other_action(rowctx *r, col act, int64_t i, dlt_log_action_kind kind)
{
	dlt_log_action a;
	int64_t ci = cidx(act, i), v, w;
	bool ok = true;
	size_t st, n, st2, n2;

	memset(&a, 0, sizeof(a));
	a.kind = kind;
	a.line = r->row;
	a.timestamp = a.ict = -1;
	switch (kind) {
	case DLT_LOG_PROTOCOL:
		if (!get_i64(child(act, "minReaderVersion"), ci, &v) ||
		    !get_i64(child(act, "minWriterVersion"), ci, &w) || v < 1 || w < 1 ||
		    v > INT32_MAX || w > INT32_MAX)
			return bad(r, "protocol: missing or bad versions");
		a.protocol.min_reader_version = (int32_t)v;
		a.protocol.min_writer_version = (int32_t)w;
		a.protocol.has_reader_features =
		        read_list(&r->s, child(act, "readerFeatures"), ci, &st, &n, &ok);
		a.protocol.has_writer_features =
		        read_list(&r->s, child(act, "writerFeatures"), ci, &st2, &n2, &ok);
		if (!ok)
			break;
		a.protocol.n_reader_features = a.protocol.has_reader_features ? n : 0;
		a.protocol.reader_features = r->s.list ? r->s.list + st : NULL;
		a.protocol.n_writer_features = a.protocol.has_writer_features ? n2 : 0;
		a.protocol.writer_features = r->s.list ? r->s.list + st2 : NULL;
		break;
	case DLT_LOG_METADATA: {
		dlt_log_metadata *m = &a.metadata;
		col fmt = child(act, "format");
		m->id = str(&r->s, child(act, "id"), ci, &ok);
		m->name = str(&r->s, child(act, "name"), ci, &ok);
		m->description = str(&r->s, child(act, "description"), ci, &ok);
		m->schema_string = str(&r->s, child(act, "schemaString"), ci, &ok);
		if (!get_i64(child(act, "createdTime"), ci, &m->created_time))
			m->created_time = -1;
		read_list(&r->s, child(act, "partitionColumns"), ci, &st, &n, &ok);
		m->n_partition_columns = n;
		m->partition_columns = r->s.list ? r->s.list + st : NULL;
		read_map(&r->s, child(act, "configuration"), ci, &st, &n, &ok);
		if (fmt.a && !is_null(fmt, ci)) {
			m->format_provider = str(&r->s, child(fmt, "provider"), cidx(fmt, ci), &ok);
			read_map(&r->s, child(fmt, "options"), cidx(fmt, ci), &st2, &n2, &ok);
			m->format_options.n = n2;
			m->format_options.kv = r->s.kv ? r->s.kv + st2 : NULL;
		}
		m->configuration.n = n;
		m->configuration.kv = r->s.kv ? r->s.kv + st : NULL;
		if (ok && (!m->id || !m->schema_string))
			return bad(r, "metaData: id or schemaString is null");
		break;
	}
	case DLT_LOG_TXN:
		a.txn.app_id = str(&r->s, child(act, "appId"), ci, &ok);
		if (ok && (!a.txn.app_id || !get_i64(child(act, "version"), ci, &a.txn.version)))
			return bad(r, "txn: appId or version is null");
		if (!get_i64(child(act, "lastUpdated"), ci, &a.txn.last_updated))
			a.txn.last_updated = -1;
		break;
	case DLT_LOG_DOMAIN_METADATA:
		a.domain.domain = str(&r->s, child(act, "domain"), ci, &ok);
		a.domain.configuration = str(&r->s, child(act, "configuration"), ci, &ok);
		if (!get_bool(child(act, "removed"), ci, &a.removed))
			a.removed = false;
		if (ok && (!a.domain.domain || !a.domain.configuration))
			return bad(r, "domainMetadata: domain or configuration is null");
		break;
	case DLT_LOG_CHECKPOINT_METADATA:
		if (!get_i64(child(act, "version"), ci, &a.version))
			return bad(r, "checkpointMetadata.version is null");
		break;
	default:
		return DLT_OK;
	}
	if (!ok)
		return dlt_error_set(r->err, DLT_ENOMEM, "out of memory");
	return r->cb(&a, r->payload, r->err);
}

static const char *const kAddCols[] = { "path", "partitionValues", "size", "modificationTime",
	"dataChange", "stats", "tags", "deletionVector", "baseRowId", "defaultRowCommitVersion",
	"clusteringProvider", "stats_parsed" };
static const char *const kRemoveCols[] = { "path", "partitionValues", "size",
	"deletionTimestamp", "dataChange", "extendedFileMetadata", "deletionVector", "baseRowId",
	"defaultRowCommitVersion" };
static const char *const kWhole[] = { "metaData", "protocol", "txn", "domainMetadata",
	"checkpointMetadata", "sidecar" };

int dlt_log__read_parquet_actions(dlt_storage *st, const char *key, dlt_log_action_cb cb,
                                  void *payload, dlt_error *err)
{
	return dlt_log__read_parquet_actions_hint(st, key, cb, NULL, payload, err);
}

int dlt_log__read_parquet_actions_hint(dlt_storage *st, const char *key, dlt_log_action_cb cb,
                                       int (*rows_cb)(int64_t rows, void *payload),
                                       void *payload, dlt_error *err)
{
	return dlt_log__read_parquet_actions_arena(st, key, cb, rows_cb, payload, NULL, err);
}

/* The rows of one batch, in order; r->row counts them. */
static int process_batch(rowctx *r, const struct ArrowSchema *ss, struct ArrowArray *batch)
{
	int rc = DLT_OK;
	col top = { ss, batch };
	fcols f_add, f_rm, f_sc;
	fcols_init(&f_add, child(top, "add"));
	fcols_init(&f_rm, child(top, "remove"));
	fcols_init(&f_sc, child(top, "sidecar"));
	col c_md = child(top, "metaData"), c_pr = child(top, "protocol");
	col c_txn = child(top, "txn"), c_dm = child(top, "domainMetadata");
	col c_cm = child(top, "checkpointMetadata");
	col c_md_id = child(c_md, "id"), c_pr_v = child(c_pr, "minReaderVersion");
	col c_txn_id = child(c_txn, "appId"), c_dm_d = child(c_dm, "domain");
	col c_cm_v = child(c_cm, "version");
	for (int64_t i = 0; i < batch->length && rc >= 0; i++) {
		int64_t ti = cidx(top, i);
		r->row++;
		scratch_reset(&r->s);
		if (fcols_has(&f_add, ti))
			rc = file_action(r, &f_add, ti, DLT_LOG_ADD);
		else if (fcols_has(&f_rm, ti))
			rc = file_action(r, &f_rm, ti, DLT_LOG_REMOVE);
		else if (fcols_has(&f_sc, ti))
			rc = file_action(r, &f_sc, ti, DLT_LOG_SIDECAR);
		if (rc < 0)
			break;
		if (c_md.a && !is_null(c_md, ti) && !is_null(c_md_id, cidx(c_md, ti)))
			rc = other_action(r, c_md, ti, DLT_LOG_METADATA);
		if (rc >= 0 && c_pr.a && !is_null(c_pr, ti) && !is_null(c_pr_v, cidx(c_pr, ti)))
			rc = other_action(r, c_pr, ti, DLT_LOG_PROTOCOL);
		if (rc >= 0 && c_txn.a && !is_null(c_txn, ti) && !is_null(c_txn_id, cidx(c_txn, ti)))
			rc = other_action(r, c_txn, ti, DLT_LOG_TXN);
		if (rc >= 0 && c_dm.a && !is_null(c_dm, ti) && !is_null(c_dm_d, cidx(c_dm, ti)))
			rc = other_action(r, c_dm, ti, DLT_LOG_DOMAIN_METADATA);
		if (rc >= 0 && c_cm.a && !is_null(c_cm, ti) && !is_null(c_cm_v, cidx(c_cm, ti)))
			rc = other_action(r, c_cm, ti, DLT_LOG_CHECKPOINT_METADATA);
	}
	return rc;
}

/* Batches of one stream shared by consumers on several threads. */
typedef struct shared_batches {
	pthread_mutex_t mu;
	struct ArrowArrayStream *stream;
	const struct ArrowSchema *ss;
	int64_t rows;        /* rows handed out so far */
	uint64_t seq;        /* batches handed out so far */
	bool stop;
	bool failed;
	uint64_t fail_seq;   /* the failure of the earliest batch is the one told */
	int fail_rc;
	dlt_error fail_err;
} shared_batches;

typedef struct consumer {
	shared_batches *sb;
	rowctx r;
	dlt_error err;
	int rc;
	pthread_t thread;
} consumer;

static void note_failure(shared_batches *sb, uint64_t seq, int rc, const dlt_error *e)
{
	sb->stop = true;
	if (!sb->failed || seq < sb->fail_seq) {
		sb->failed = true;
		sb->fail_seq = seq;
		sb->fail_rc = rc;
		sb->fail_err = *e;
	}
}

static int consume(consumer *c)
{
	shared_batches *sb = c->sb;
	for (;;) {
		struct ArrowArray batch;
		int rc;
		pthread_mutex_lock(&sb->mu);
		if (sb->stop) {
			pthread_mutex_unlock(&sb->mu);
			return DLT_OK;
		}
		uint64_t seq = sb->seq++;
		rc = dlt_stream__next(sb->stream, &batch, &c->err);
		if (rc < 0 || !batch.release) {
			if (rc < 0)
				note_failure(sb, seq, rc, &c->err);
			sb->stop = true;
			pthread_mutex_unlock(&sb->mu);
			return rc < 0 ? rc : DLT_OK;
		}
		c->r.row = sb->rows;
		sb->rows += batch.length;
		pthread_mutex_unlock(&sb->mu);
		rc = process_batch(&c->r, sb->ss, &batch);
		batch.release(&batch);
		if (rc < 0) {
			pthread_mutex_lock(&sb->mu);
			note_failure(sb, seq, rc, &c->err);
			pthread_mutex_unlock(&sb->mu);
			return rc;
		}
	}
}

static void *consume_thread(void *arg)
{
	consumer *c = arg;
	c->rc = consume(c);
	return NULL;
}

int dlt_log__read_parquet_actions_arena(dlt_storage *st, const char *key, dlt_log_action_cb cb,
                                        int (*rows_cb)(int64_t rows, void *payload),
                                        void *payload, dlt_log_arena *keep, dlt_error *err)
{
	dlt_log_ckpt_consumer c = { cb, payload, keep };
	return dlt_log__read_parquet_actions_par(st, key, &c, 1, rows_cb, payload, err);
}

int dlt_log__read_parquet_actions_par(dlt_storage *st, const char *key,
                                      const dlt_log_ckpt_consumer *cons, int n_cons,
                                      int (*rows_cb)(int64_t rows, void *payload),
                                      void *rows_payload, dlt_error *err)
{
	dlt_input *in = NULL;
	dlt_parquet_file *pf = NULL;
	struct ArrowSchema fs;
	struct ArrowArrayStream stream;
	struct ArrowSchema ss;
	char *cols[64];
	size_t ncols = 0;
	consumer cs[DLT_LOG_CKPT_MAX_CONSUMERS];
	shared_batches sb;
	bool mu_ok = false;
	int rc, n_started = 0;

	memset(&fs, 0, sizeof(fs));
	memset(&ss, 0, sizeof(ss));
	memset(&stream, 0, sizeof(stream));
	memset(cs, 0, sizeof(cs));
	memset(&sb, 0, sizeof(sb));
	if (n_cons < 1 || n_cons > DLT_LOG_CKPT_MAX_CONSUMERS)
		return dlt_error_set(err, DLT_EINVAL, "checkpoint %s: bad consumer count", key);
	for (int i = 0; i < n_cons; i++) {
		cs[i].sb = &sb;
		cs[i].r.name = key;
		cs[i].r.cb = cons[i].cb;
		cs[i].r.payload = cons[i].payload;
		cs[i].r.keep = cons[i].keep;
		cs[i].r.err = &cs[i].err;
		dlt_error_clear(&cs[i].err);
	}
	if ((rc = dlt_storage_open_input(&in, st, key, err)) < 0)
		goto done;
	if ((rc = dlt_parquet_open(&pf, in, NULL, err)) < 0) {
		in = NULL;
		goto done;
	}
	in = NULL;
	if ((rc = dlt_parquet_file_schema(&fs, pf, err)) < 0)
		goto done;
	/* project only what replay reads, and only what the file has */
	for (int64_t i = 0; i < fs.n_children; i++) {
		const struct ArrowSchema *c = fs.children[i];
		const char *const *want = NULL;
		size_t nwant = 0;
		if (!c->name)
			continue;
		if (strcmp(c->name, "add") == 0) {
			want = kAddCols;
			nwant = sizeof(kAddCols) / sizeof(kAddCols[0]);
		} else if (strcmp(c->name, "remove") == 0) {
			want = kRemoveCols;
			nwant = sizeof(kRemoveCols) / sizeof(kRemoveCols[0]);
		} else {
			for (size_t k = 0; k < sizeof(kWhole) / sizeof(kWhole[0]); k++)
				if (strcmp(c->name, kWhole[k]) == 0 && ncols < 64 &&
				    !(cols[ncols++] = dlt_strdup(c->name)))
					goto oom;
			continue;
		}
		for (int64_t k = 0; k < c->n_children; k++)
			for (size_t w = 0; w < nwant; w++)
				if (c->children[k]->name && strcmp(c->children[k]->name, want[w]) == 0 &&
				    ncols < 64 &&
				    !(cols[ncols++] = dlt_asprintf("%s.%s", c->name, want[w])))
					goto oom;
	}
	if (ncols == 0) {
		rc = dlt_error_set(err, DLT_ECORRUPT, "checkpoint %s: no action columns", key);
		goto done;
	}
	if (rows_cb && (rc = rows_cb(dlt_parquet_file_num_rows(pf), rows_payload)) < 0)
		goto done;
	{
		dlt_parquet_read_options ro = DLT_PARQUET_READ_OPTIONS_INIT;
		ro.columns = (const char *const *)cols;
		ro.n_columns = ncols;
		ro.batch_size = 8192;
		ro.threads = 2;
		struct ArrowArrayStream pq;
		if ((rc = dlt_parquet_read(&pq, pf, &ro, err)) < 0)
			goto done;
		/* the next row groups are decoded on another thread while this one
		 * replays rows: a little over a row group of batches ahead */
		int64_t rg_rows = dlt_parquet_file_num_rows(pf) /
		                  (dlt_parquet_file_num_row_groups(pf) > 0
		                           ? dlt_parquet_file_num_row_groups(pf) : 1);
		size_t depth = (size_t)(rg_rows / ro.batch_size) + 2;
		if ((rc = dlt_stream__read_ahead(&stream, &pq, depth < 64 ? depth : 64, err)) < 0) {
			if (pq.release)
				pq.release(&pq);
			goto done;
		}
	}
	if ((rc = dlt_stream__schema(&stream, &ss, err)) < 0)
		goto done;
	if (pthread_mutex_init(&sb.mu, NULL) != 0) {
		rc = dlt_error_set(err, DLT_ERROR, "checkpoint %s: cannot create a mutex", key);
		goto done;
	}
	mu_ok = true;
	sb.stream = &stream;
	sb.ss = &ss;
	/* consumers 1.. on threads of their own (any that cannot start simply do
	 * not take part), consumer 0 on this one */
	for (int i = 1; i < n_cons; i++) {
		if (pthread_create(&cs[i].thread, NULL, consume_thread, &cs[i]) != 0)
			break;
		n_started = i;
	}
	cs[0].rc = consume(&cs[0]);
	for (int i = 1; i <= n_started; i++)
		pthread_join(cs[i].thread, NULL);
	if (sb.failed) {
		rc = sb.fail_rc;
		if (err)
			*err = sb.fail_err;
		goto done;
	}
	rc = DLT_OK;
	goto done;
oom:
	rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
done:
	if (rc < 0 && err && !strstr(err->message, key))
		dlt_error_prefix(err, "checkpoint %s", key);
	if (stream.release)
		stream.release(&stream);
	if (mu_ok)
		pthread_mutex_destroy(&sb.mu);
	dlt_schema__release(&ss);
	dlt_schema__release(&fs);
	dlt_parquet_file_free(pf);
	dlt_input_free(in);
	for (size_t i = 0; i < ncols; i++)
		dlt_free(cols[i]);
	for (int i = 0; i < n_cons; i++)
		scratch_dispose(&cs[i].r.s);
	return rc;
}
