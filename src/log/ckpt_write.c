/* Checkpoint writer (PROTOCOL.md#checkpoints, #checkpoint-schema, #v2-spec,
 * #sidecar-files, #last-checkpoint-file). The column layout follows the
 * spec's checkpoint schema as Spark writes it: top-level nullable structs
 * txn, add, remove, metaData, protocol, domainMetadata (+ checkpointMetadata
 * and sidecar for v2), one action per row. */
#include "log/log.h"
#include "log/ckpt.h"
#include "log/ckpt_write.h"
#include "log/txn.h"
#include "arrow/arrow.h"
#include "util/parse.h"

#include "deltalite/maintenance.h"
#include "deltalite/parquet_write.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/random.h>
#endif

#define NULLABLE ARROW_FLAG_NULLABLE
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define BATCH_ROWS 4096

/* ------------------------------------------------------ small helpers -- */

int64_t dlt_log__now_ms(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return (int64_t)time(NULL) * 1000;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void dlt_log__uuid4(char out[37])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t b[16];
	size_t got = 0;
#if defined(__linux__)
	ssize_t r = getrandom(b, sizeof(b), GRND_NONBLOCK);
	if (r == (ssize_t)sizeof(b))
		got = sizeof(b);
#endif
	if (got != sizeof(b)) {
		/* fallback: clock, pid and a stack address mixed; unique, not secret */
		struct timespec ts;
		uint64_t s, x, y;
		clock_gettime(CLOCK_REALTIME, &ts);
		s = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		s ^= (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)&got;
		x = splitmix(&s);
		y = splitmix(&s);
		memcpy(b, &x, 8);
		memcpy(b + 8, &y, 8);
	}
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	size_t o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = 0;
}

static bool word_eq(const char *s, size_t n, const char *w)
{
	size_t m = strlen(w);
	if (n != m)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != w[i])
			return false;
	}
	return true;
}

int dlt_log__parse_interval_ms(const char *text, int64_t *out)
{
	static const struct { const char *name; int64_t ms; int64_t div; } units[] = {
		{ "nanosecond", 1, 1000000 }, { "microsecond", 1, 1000 },
		{ "millisecond", 1, 1 }, { "second", 1000, 1 }, { "minute", 60000, 1 },
		{ "hour", 3600000, 1 }, { "day", 86400000, 1 }, { "week", 604800000, 1 },
	};
	const char *p = text;
	int64_t total = 0;
	int parts = 0;

	if (!text)
		return -1;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		const char *w = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		size_t wn = (size_t)(p - w);
		if (parts == 0 && total == 0 && word_eq(w, wn, "interval"))
			continue;
		int64_t num;
		if (dlt_parse_int64(w, wn, &num) != DLT_PARSE_OK || num < 0)
			return -1;
		while (*p == ' ' || *p == '\t')
			p++;
		const char *u = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		size_t un = (size_t)(p - u);
		if (un > 1 && (u[un - 1] == 's' || u[un - 1] == 'S'))
			un--;
		size_t k;
		for (k = 0; k < NELEM(units); k++)
			if (word_eq(u, un, units[k].name))
				break;
		if (k == NELEM(units))
			return -1;
		int64_t v;
		if (dlt_mul_overflow_i64(num, units[k].ms, &v))
			return -1;
		v /= units[k].div;
		if (dlt_add_overflow_i64(total, v, &total))
			return -1;
		parts++;
	}
	if (parts == 0)
		return -1;
	*out = total;
	return 0;
}

static const char *conf(const dlt_snapshot *s, const char *key)
{
	bool found = false;
	const char *v = dlt_log__kvs_get(&s->metadata.configuration, key, &found);
	return found ? v : NULL;
}

int64_t dlt_log__conf_interval_ms(const dlt_snapshot *s, const char *key, int64_t dflt)
{
	int64_t v;
	const char *t = conf(s, key);
	return t && dlt_log__parse_interval_ms(t, &v) == 0 ? v : dflt;
}

bool dlt_log__conf_bool(const dlt_snapshot *s, const char *key, bool dflt)
{
	bool v;
	const char *t = conf(s, key);
	return t && dlt_parse_bool(t, strlen(t), &v) == DLT_PARSE_OK ? v : dflt;
}

int64_t dlt_log__conf_int(const dlt_snapshot *s, const char *key, int64_t dflt)
{
	int64_t v;
	const char *t = conf(s, key);
	return t && dlt_parse_int64(t, strlen(t), &v) == DLT_PARSE_OK ? v : dflt;
}

/* ---------------------------------------------------- schema layout -- */

enum kind { K_STR, K_I64, K_I32, K_BOOL, K_MAP, K_LIST, K_STRUCT };

typedef struct fspec {
	const char *name;
	enum kind kind;
	const struct fspec *kids;
	size_t nkids;
} fspec;

static const fspec kDv[] = {
	{ "storageType", K_STR, NULL, 0 }, { "pathOrInlineDv", K_STR, NULL, 0 },
	{ "offset", K_I32, NULL, 0 }, { "sizeInBytes", K_I32, NULL, 0 },
	{ "cardinality", K_I64, NULL, 0 }, { "maxRowIndex", K_I64, NULL, 0 },
};
enum { A_PATH, A_PV, A_SIZE, A_MTIME, A_DC, A_STATS, A_TAGS, A_DV, A_BRID, A_DRCV, A_CP, A__N };
static const fspec kAdd[] = {
	{ "path", K_STR, NULL, 0 }, { "partitionValues", K_MAP, NULL, 0 },
	{ "size", K_I64, NULL, 0 }, { "modificationTime", K_I64, NULL, 0 },
	{ "dataChange", K_BOOL, NULL, 0 }, { "stats", K_STR, NULL, 0 },
	{ "tags", K_MAP, NULL, 0 }, { "deletionVector", K_STRUCT, kDv, NELEM(kDv) },
	{ "baseRowId", K_I64, NULL, 0 }, { "defaultRowCommitVersion", K_I64, NULL, 0 },
	{ "clusteringProvider", K_STR, NULL, 0 },
};
enum { R_PATH, R_DTS, R_DC, R_EXT, R_PV, R_SIZE, R_DV, R_BRID, R_DRCV, R__N };
static const fspec kRemove[] = {
	{ "path", K_STR, NULL, 0 }, { "deletionTimestamp", K_I64, NULL, 0 },
	{ "dataChange", K_BOOL, NULL, 0 }, { "extendedFileMetadata", K_BOOL, NULL, 0 },
	{ "partitionValues", K_MAP, NULL, 0 }, { "size", K_I64, NULL, 0 },
	{ "deletionVector", K_STRUCT, kDv, NELEM(kDv) }, { "baseRowId", K_I64, NULL, 0 },
	{ "defaultRowCommitVersion", K_I64, NULL, 0 },
};
static const fspec kFormat[] = { { "provider", K_STR, NULL, 0 }, { "options", K_MAP, NULL, 0 } };
enum { M_ID, M_NAME, M_DESC, M_FMT, M_SCHEMA, M_PCOLS, M_CONF, M_CTIME };
static const fspec kMeta[] = {
	{ "id", K_STR, NULL, 0 }, { "name", K_STR, NULL, 0 }, { "description", K_STR, NULL, 0 },
	{ "format", K_STRUCT, kFormat, NELEM(kFormat) }, { "schemaString", K_STR, NULL, 0 },
	{ "partitionColumns", K_LIST, NULL, 0 }, { "configuration", K_MAP, NULL, 0 },
	{ "createdTime", K_I64, NULL, 0 },
};
static const fspec kProto[] = {
	{ "minReaderVersion", K_I32, NULL, 0 }, { "minWriterVersion", K_I32, NULL, 0 },
	{ "readerFeatures", K_LIST, NULL, 0 }, { "writerFeatures", K_LIST, NULL, 0 },
};
static const fspec kTxn[] = {
	{ "appId", K_STR, NULL, 0 }, { "version", K_I64, NULL, 0 },
	{ "lastUpdated", K_I64, NULL, 0 },
};
static const fspec kDomain[] = {
	{ "domain", K_STR, NULL, 0 }, { "configuration", K_STR, NULL, 0 },
	{ "removed", K_BOOL, NULL, 0 },
};
static const fspec kCkptMeta[] = { { "version", K_I64, NULL, 0 }, { "tags", K_MAP, NULL, 0 } };
static const fspec kSidecar[] = {
	{ "path", K_STR, NULL, 0 }, { "sizeInBytes", K_I64, NULL, 0 },
	{ "modificationTime", K_I64, NULL, 0 }, { "tags", K_MAP, NULL, 0 },
};

enum { T_TXN, T_ADD, T_REMOVE, T_META, T_PROTO, T_DOMAIN, T_CKMETA, T_SIDECAR, T__N };
static const fspec kTop[] = {
	{ "txn", K_STRUCT, kTxn, NELEM(kTxn) }, { "add", K_STRUCT, kAdd, NELEM(kAdd) },
	{ "remove", K_STRUCT, kRemove, NELEM(kRemove) },
	{ "metaData", K_STRUCT, kMeta, NELEM(kMeta) },
	{ "protocol", K_STRUCT, kProto, NELEM(kProto) },
	{ "domainMetadata", K_STRUCT, kDomain, NELEM(kDomain) },
	{ "checkpointMetadata", K_STRUCT, kCkptMeta, NELEM(kCkptMeta) },
	{ "sidecar", K_STRUCT, kSidecar, NELEM(kSidecar) },
};

static int make_field(struct ArrowSchema *out, const fspec *f, const struct ArrowSchema *extra,
                      size_t n_extra, dlt_error *err);

static int make_kids(struct ArrowSchema *out, const fspec *kids, size_t n,
                     const struct ArrowSchema *extra, size_t n_extra, dlt_error *err)
{
	int rc;
	for (size_t i = 0; i < n; i++)
		if ((rc = make_field(out->children[i], &kids[i], NULL, 0, err)) < 0)
			return rc;
	for (size_t i = 0; i < n_extra; i++)
		if ((rc = dlt_schema__copy(out->children[n + i], &extra[i], err)) < 0)
			return rc;
	return DLT_OK;
}

static int make_field(struct ArrowSchema *out, const fspec *f, const struct ArrowSchema *extra,
                      size_t n_extra, dlt_error *err)
{
	int rc;
	switch (f->kind) {
	case K_STR: return dlt_schema__init_leaf(out, "u", f->name, true, err);
	case K_I64: return dlt_schema__init_leaf(out, "l", f->name, true, err);
	case K_I32: return dlt_schema__init_leaf(out, "i", f->name, true, err);
	case K_BOOL: return dlt_schema__init_leaf(out, "b", f->name, true, err);
	case K_LIST:
		if ((rc = dlt_schema__init(out, "+l", f->name, NULLABLE, 1, err)) < 0)
			return rc;
		return dlt_schema__init_leaf(out->children[0], "u", "element", true, err);
	case K_MAP: {
		struct ArrowSchema *e;
		if ((rc = dlt_schema__init(out, "+m", f->name, NULLABLE, 1, err)) < 0)
			return rc;
		e = out->children[0];
		if ((rc = dlt_schema__init(e, "+s", "key_value", 0, 2, err)) < 0 ||
		    (rc = dlt_schema__init_leaf(e->children[0], "u", "key", false, err)) < 0)
			return rc;
		return dlt_schema__init_leaf(e->children[1], "u", "value", true, err);
	}
	case K_STRUCT:
		if ((rc = dlt_schema__init(out, "+s", f->name, NULLABLE,
		                           (int64_t)(f->nkids + n_extra), err)) < 0)
			return rc;
		return make_kids(out, f->kids, f->nkids, extra, n_extra, err);
	}
	return dlt_error_set(err, DLT_ERROR, "checkpoint schema: bad field kind");
}

/* ----------------------------------------------- typed stats columns -- */

/* Can a min/max of this Arrow type be written from stats JSON? */
static bool minmax_type(const char *fmt)
{
	dlt_type_view t;
	if (dlt_arrow__parse_format(&t, fmt, NULL) < 0)
		return false;
	switch (t.type) {
	case DLT_AT_INT8: case DLT_AT_INT16: case DLT_AT_INT32: case DLT_AT_INT64:
	case DLT_AT_FLOAT32: case DLT_AT_FLOAT64: case DLT_AT_DATE32: case DLT_AT_TIMESTAMP:
	case DLT_AT_STRING: case DLT_AT_LARGE_STRING: case DLT_AT_DECIMAL128:
		return true;
	default:
		return false;
	}
}

static const char *phys_name(const struct ArrowSchema *f, dlt_log_column_mapping cm,
                             char *buf, size_t cap)
{
	const char *v;
	int32_t n;
	if (cm != DLT_LOG_CM_NONE &&
	    dlt_schema__metadata_get(f, "delta.columnMapping.physicalName", &v, &n) == DLT_OK &&
	    n > 0 && (size_t)n < cap) {
		memcpy(buf, v, (size_t)n);
		buf[n] = 0;
		return buf;
	}
	return f->name ? f->name : "";
}

static bool is_partition_col(const dlt_snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->metadata.n_partition_columns; i++)
		if (strcmp(s->metadata.partition_columns[i], name) == 0)
			return true;
	return false;
}

/* The stats shape of struct `src` (physical names): for min/max only
 * writable leaf types (nested structs kept), for null counts every
 * non-nested leaf as int64. Children that end up empty are dropped. */
static int stats_shape(struct ArrowSchema *out, const struct ArrowSchema *src, const char *name,
                       bool nullcount, const dlt_snapshot *s, bool top, int depth,
                       dlt_error *err)
{
	struct ArrowSchema tmp[64];
	int64_t n = 0;
	int rc = DLT_OK;
	char pbuf[256];

	memset(tmp, 0, sizeof(tmp));
	for (int64_t i = 0; i < src->n_children && n < 64; i++) {
		const struct ArrowSchema *c = src->children[i];
		const char *pn = phys_name(c, s->column_mapping, pbuf, sizeof(pbuf));
		dlt_type_view t;
		if (top && c->name && is_partition_col(s, c->name))
			continue;
		if (dlt_arrow__parse_format(&t, c->format, NULL) < 0)
			continue;
		if (t.type == DLT_AT_STRUCT) {
			const char *dt;
			int32_t dn;
			if (depth > 16 || (dlt_schema__metadata_get(c, "delta.type", &dt, &dn) == DLT_OK))
				continue; /* variant: no stats */
			if ((rc = stats_shape(&tmp[n], c, pn, nullcount, s, false, depth + 1, err)) < 0)
				goto done;
			if (tmp[n].n_children == 0)
				dlt_schema__release(&tmp[n]);
			else
				n++;
			continue;
		}
		if (dlt_arrow__is_nested(t.type) && !nullcount)
			continue;
		if (nullcount) { /* arrays and maps count nulls too */
			if ((rc = dlt_schema__init_leaf(&tmp[n], "l", pn, true, err)) < 0)
				goto done;
			n++;
		} else if (minmax_type(c->format)) {
			if ((rc = dlt_schema__init_leaf(&tmp[n], c->format, pn, true, err)) < 0)
				goto done;
			n++;
		}
	}
	if ((rc = dlt_schema__init(out, "+s", name, NULLABLE, n, err)) < 0)
		goto done;
	for (int64_t i = 0; i < n; i++)
		dlt_schema__move(out->children[i], &tmp[i]);
	n = 0;
done:
	for (int64_t i = 0; i < n; i++)
		dlt_schema__release(&tmp[i]);
	return rc;
}

static bool has_dv_feature(const dlt_snapshot *s)
{
	return dlt_log__has_writer_feature(&s->protocol, "deletionVectors");
}

/* add.stats_parsed: numRecords, minValues, maxValues, nullCount[, tightBounds]. */
static int stats_parsed_schema(struct ArrowSchema *out, const dlt_snapshot *s, dlt_error *err)
{
	bool tight = has_dv_feature(s);
	int rc;
	if ((rc = dlt_schema__init(out, "+s", "stats_parsed", NULLABLE, tight ? 5 : 4, err)) < 0)
		return rc;
	if ((rc = dlt_schema__init_leaf(out->children[0], "l", "numRecords", true, err)) < 0 ||
	    (rc = stats_shape(out->children[1], &s->schema, "minValues", false, s, true, 0, err)) < 0 ||
	    (rc = stats_shape(out->children[2], &s->schema, "maxValues", false, s, true, 0, err)) < 0 ||
	    (rc = stats_shape(out->children[3], &s->schema, "nullCount", true, s, true, 0, err)) < 0)
		return rc;
	if (tight)
		rc = dlt_schema__init_leaf(out->children[4], "b", "tightBounds", true, err);
	return rc;
}

/* add.partitionValues_parsed: the partition columns (physical names), typed. */
static int pv_parsed_schema(struct ArrowSchema *out, const dlt_snapshot *s, dlt_error *err)
{
	size_t np = s->metadata.n_partition_columns;
	char pbuf[256];
	int rc;
	if ((rc = dlt_schema__init(out, "+s", "partitionValues_parsed", NULLABLE, (int64_t)np,
	                           err)) < 0)
		return rc;
	for (size_t i = 0; i < np; i++) {
		const struct ArrowSchema *f = NULL;
		for (int64_t k = 0; k < s->schema.n_children; k++)
			if (s->schema.children[k]->name &&
			    strcmp(s->schema.children[k]->name, s->metadata.partition_columns[i]) == 0)
				f = s->schema.children[k];
		if (!f)
			return dlt_error_set(err, DLT_ECORRUPT, "partition column '%s' is not in the "
			                     "schema", s->metadata.partition_columns[i]);
		const char *pn = phys_name(f, s->column_mapping, pbuf, sizeof(pbuf));
		dlt_type_view t;
		const char *fmt = f->format;
		if (dlt_arrow__parse_format(&t, fmt, NULL) < 0 || dlt_arrow__is_nested(t.type))
			fmt = "u";
		if ((rc = dlt_schema__init_leaf(out->children[i], fmt, pn, true, err)) < 0)
			return rc;
	}
	return DLT_OK;
}

/* Append a JSON stats value to leaf builder `b`; null when unusable. */
static int append_json_leaf(dlt_builder *b, json_t *v, dlt_error *err)
{
	const dlt_type_view *t = dlt_builder__type(b);
	const char *sv = json_is_string(v) ? json_string_value(v) : NULL;
	size_t sn = sv ? json_string_length(v) : 0;
	if (!v || json_is_null(v))
		return dlt_builder__append_null(b, err);
	switch (t->type) {
	case DLT_AT_INT8: case DLT_AT_INT16: case DLT_AT_INT32: case DLT_AT_INT64: {
		int64_t x;
		if (json_is_integer(v))
			x = (int64_t)json_integer_value(v);
		else if (!sv || dlt_parse_int64(sv, sn, &x) != DLT_PARSE_OK)
			return dlt_builder__append_null(b, err);
		if (dlt_builder__append_int(b, x, NULL) < 0)
			return dlt_builder__append_null(b, err);
		return DLT_OK;
	}
	case DLT_AT_FLOAT32: case DLT_AT_FLOAT64: {
		double d;
		if (json_is_number(v))
			d = json_number_value(v);
		else if (!sv || dlt_parse_double(sv, sn, &d) != DLT_PARSE_OK)
			return dlt_builder__append_null(b, err);
		return dlt_builder__append_double(b, d, err);
	}
	case DLT_AT_DATE32: {
		int32_t d;
		if (!sv || dlt_parse_date32(sv, sn, &d) != DLT_PARSE_OK)
			return dlt_builder__append_null(b, err);
		return dlt_builder__append_int(b, d, err);
	}
	case DLT_AT_TIMESTAMP: {
		int64_t ts;
		bool tz;
		if (!sv || dlt_parse_timestamp(sv, sn, (int)t->unit, &ts, &tz) != DLT_PARSE_OK)
			return dlt_builder__append_null(b, err);
		return dlt_builder__append_int(b, ts, err);
	}
	case DLT_AT_STRING: case DLT_AT_LARGE_STRING:
		if (!sv)
			return dlt_builder__append_null(b, err);
		return dlt_builder__append_bytes(b, sv, sn, err);
	case DLT_AT_DECIMAL128: {
		/* jansson keeps no number text: a real goes through its shortest
		 * round-trip form, exact for decimals of up to 15 digits */
		char buf[64];
		uint64_t w[2];
		if (json_is_integer(v)) {
			snprintf(buf, sizeof(buf), "%" PRId64, (int64_t)json_integer_value(v));
			sv = buf;
			sn = strlen(buf);
		} else if (json_is_real(v)) {
			sn = dlt_format_double(buf, json_real_value(v));
			sv = buf;
		}
		if (!sv || dlt_parse_decimal(sv, sn, t->precision, t->scale, w, 2) != DLT_PARSE_OK)
			return dlt_builder__append_null(b, err);
		return dlt_builder__append_decimal(b, w, 2, err);
	}
	default:
		return dlt_builder__append_null(b, err);
	}
}

/* Fill struct builder `b` (a stats shape) from JSON object `o` (may be NULL). */
static int append_json_struct(dlt_builder *b, json_t *o, dlt_error *err)
{
	const struct ArrowSchema *sch = dlt_builder__schema(b);
	int rc;
	if (!o || !json_is_object(o))
		return dlt_builder__append_null(b, err);
	for (int64_t i = 0; i < sch->n_children; i++) {
		dlt_builder *c = dlt_builder__child(b, i);
		json_t *v = json_object_get(o, sch->children[i]->name);
		if (strcmp(sch->children[i]->format, "+s") == 0)
			rc = append_json_struct(c, v, err);
		else
			rc = append_json_leaf(c, v, err);
		if (rc < 0)
			return rc;
	}
	return dlt_builder__append_valid(b, err);
}

static int append_stats_parsed(dlt_builder *b, const char *stats, dlt_error *err)
{
	json_t *o = stats ? json_loads(stats, JSON_DECODE_ANY, NULL) : NULL;
	const struct ArrowSchema *sch = dlt_builder__schema(b);
	int rc = DLT_OK;
	if (!o || !json_is_object(o)) {
		json_decref(o);
		return dlt_builder__append_null(b, err);
	}
	for (int64_t i = 0; i < sch->n_children && rc >= 0; i++) {
		dlt_builder *c = dlt_builder__child(b, i);
		json_t *v = json_object_get(o, sch->children[i]->name);
		if (i == 0 || strcmp(sch->children[i]->format, "b") == 0) {
			if (json_is_integer(v))
				rc = dlt_builder__append_int(c, (int64_t)json_integer_value(v), err);
			else if (json_is_boolean(v))
				rc = dlt_builder__append_bool(c, json_is_true(v), err);
			else
				rc = dlt_builder__append_null(c, err);
		} else {
			rc = append_json_struct(c, v, err);
		}
	}
	json_decref(o);
	return rc < 0 ? rc : dlt_builder__append_valid(b, err);
}

/* Find a partition value by physical/logical key. */
static int append_pv_parsed(dlt_builder *b, const dlt_log_kvs *pv, dlt_error *err)
{
	const struct ArrowSchema *sch = dlt_builder__schema(b);
	int rc;
	for (int64_t i = 0; i < sch->n_children; i++) {
		dlt_builder *c = dlt_builder__child(b, i);
		const dlt_type_view *t = dlt_builder__type(c);
		bool found = false;
		const char *v = pv ? dlt_log__kvs_get(pv, sch->children[i]->name, &found) : NULL;
		size_t n = v ? strlen(v) : 0;
		rc = DLT_OK;
		if (!v) {
			rc = dlt_builder__append_null(c, err);
		} else if (t->type == DLT_AT_STRING || t->type == DLT_AT_LARGE_STRING) {
			rc = dlt_builder__append_bytes(c, v, n, err);
		} else if (n == 0) {
			rc = dlt_builder__append_null(c, err);
		} else if (dlt_arrow__is_integer(t->type)) {
			int64_t x;
			rc = dlt_parse_int64(v, n, &x) == DLT_PARSE_OK && dlt_builder__append_int(c, x, NULL) >= 0
			        ? DLT_OK : dlt_builder__append_null(c, err);
		} else if (dlt_arrow__is_float(t->type)) {
			double d;
			rc = dlt_parse_double(v, n, &d) == DLT_PARSE_OK ? dlt_builder__append_double(c, d, err)
			                                                 : dlt_builder__append_null(c, err);
		} else if (t->type == DLT_AT_BOOL) {
			bool x;
			rc = dlt_parse_bool(v, n, &x) == DLT_PARSE_OK ? dlt_builder__append_bool(c, x, err)
			                                               : dlt_builder__append_null(c, err);
		} else if (t->type == DLT_AT_DATE32) {
			int32_t d;
			rc = dlt_parse_date32(v, n, &d) == DLT_PARSE_OK ? dlt_builder__append_int(c, d, err)
			                                                 : dlt_builder__append_null(c, err);
		} else if (t->type == DLT_AT_TIMESTAMP) {
			int64_t ts;
			bool tz;
			rc = dlt_parse_timestamp(v, n, (int)t->unit, &ts, &tz) == DLT_PARSE_OK
			             ? dlt_builder__append_int(c, ts, err)
			             : dlt_builder__append_null(c, err);
		} else if (t->type == DLT_AT_DECIMAL128 || t->type == DLT_AT_DECIMAL256) {
			uint64_t w[4];
			int nw = t->type == DLT_AT_DECIMAL128 ? 2 : 4;
			rc = dlt_parse_decimal(v, n, t->precision, t->scale, w, nw) == DLT_PARSE_OK
			             ? dlt_builder__append_decimal(c, w, nw, err)
			             : dlt_builder__append_null(c, err);
		} else {
			rc = dlt_builder__append_null(c, err);
		}
		if (rc < 0)
			return rc;
	}
	return dlt_builder__append_valid(b, err);
}

/* --------------------------------------------------------- row appends -- */

static int b_str(dlt_builder *b, const char *s, dlt_error *err)
{
	return s ? dlt_builder__append_bytes(b, s, strlen(s), err) : dlt_builder__append_null(b, err);
}

static int b_i64(dlt_builder *b, bool has, int64_t v, dlt_error *err)
{
	return has ? dlt_builder__append_int(b, v, err) : dlt_builder__append_null(b, err);
}

static int b_bool(dlt_builder *b, bool v, dlt_error *err)
{
	return dlt_builder__append_bool(b, v, err);
}

static int b_map(dlt_builder *b, const dlt_log_kvs *kvs, dlt_error *err)
{
	dlt_builder *e = dlt_builder__child(b, 0);
	int rc;
	if (!kvs)
		return dlt_builder__append_null(b, err);
	for (size_t i = 0; i < kvs->n; i++) {
		if ((rc = b_str(dlt_builder__child(e, 0), kvs->kv[i].key, err)) < 0 ||
		    (rc = b_str(dlt_builder__child(e, 1), kvs->kv[i].value, err)) < 0 ||
		    (rc = dlt_builder__append_valid(e, err)) < 0)
			return rc;
	}
	return dlt_builder__append_valid(b, err);
}

static int b_list(dlt_builder *b, bool has, size_t n, const char *const *items, dlt_error *err)
{
	int rc;
	if (!has)
		return dlt_builder__append_null(b, err);
	for (size_t i = 0; i < n; i++)
		if ((rc = b_str(dlt_builder__child(b, 0), items[i], err)) < 0)
			return rc;
	return dlt_builder__append_valid(b, err);
}

static int b_dv(dlt_builder *b, const dlt_log_dv *dv, dlt_error *err)
{
	char st[2] = { dv->storage_type, 0 };
	int rc;
	if (!dv->storage_type)
		return dlt_builder__append_null(b, err);
	if ((rc = b_str(dlt_builder__child(b, 0), st, err)) < 0 ||
	    (rc = b_str(dlt_builder__child(b, 1), dv->path_or_inline_dv, err)) < 0 ||
	    (rc = b_i64(dlt_builder__child(b, 2), dv->offset >= 0, dv->offset, err)) < 0 ||
	    (rc = dlt_builder__append_int(dlt_builder__child(b, 3), dv->size_in_bytes, err)) < 0 ||
	    (rc = dlt_builder__append_int(dlt_builder__child(b, 4), dv->cardinality, err)) < 0 ||
	    (rc = b_i64(dlt_builder__child(b, 5), dv->max_row_index >= 0, dv->max_row_index,
	                err)) < 0)
		return rc;
	return dlt_builder__append_valid(b, err);
}

/* The log form of a snapshot path: relative keys URI-encoded again (they were
 * decoded when read), absolute URIs as logged. */
static int log_path(char **out, const dlt_log_file *f, dlt_error *err)
{
	if ((f->flags & DLT_LOG_FILE_ABSOLUTE) && f->path[0] != '/') {
		*out = dlt_strdup(f->path);
		return *out ? DLT_OK : dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	return dlt_storage_uri_encode(out, f->path, err);
}

/* ------------------------------------------------------------- writer -- */

typedef struct cw {
	dlt_snapshot *snap;
	dlt_storage *st;
	struct ArrowSchema schema;   /* the file's schema */
	int idx[T__N];               /* top-level child index of each column, -1 absent */
	dlt_builder *b;
	dlt_output *out;
	dlt_parquet_writer *w;
	int64_t rows;                /* rows in the file */
	bool stats_json, stats_struct;
	int add_sp, add_pvp;         /* add child index of stats_parsed / partitionValues_parsed */
	dlt_error *err;
} cw;

static void cw_dispose(cw *c)
{
	dlt_parquet_writer_free(c->w);
	dlt_output_free(c->out);
	dlt_builder__free(c->b);
	dlt_schema__release(&c->schema);
	c->w = NULL;
	c->out = NULL;
	c->b = NULL;
}

/* Open a checkpoint-shaped Parquet file at `key` with the given top-level columns. */
static int cw_open(cw *c, const char *key, const bool *want, dlt_error *err)
{
	struct ArrowSchema extra[2];
	size_t n_extra = 0;
	int64_t ncols = 0;
	int rc;
	dlt_parquet_write_options po = DLT_PARQUET_WRITE_OPTIONS_INIT;

	memset(extra, 0, sizeof(extra));
	c->add_sp = c->add_pvp = -1;
	c->rows = 0;
	for (int i = 0; i < T__N; i++)
		if (want[i])
			ncols++;
	if (want[T_ADD] && c->stats_struct) {
		if (c->snap->metadata.n_partition_columns) {
			if ((rc = pv_parsed_schema(&extra[n_extra], c->snap, err)) < 0)
				goto done;
			c->add_pvp = A__N + (int)n_extra++;
		}
		if ((rc = stats_parsed_schema(&extra[n_extra], c->snap, err)) < 0)
			goto done;
		c->add_sp = A__N + (int)n_extra++;
	}
	if ((rc = dlt_schema__init(&c->schema, "+s", "", 0, ncols, err)) < 0)
		goto done;
	ncols = 0;
	for (int i = 0; i < T__N; i++) {
		c->idx[i] = -1;
		if (!want[i])
			continue;
		c->idx[i] = (int)ncols;
		if ((rc = make_field(c->schema.children[ncols++], &kTop[i], i == T_ADD ? extra : NULL,
		                     i == T_ADD ? n_extra : 0, err)) < 0)
			goto done;
	}
	if ((rc = dlt_builder__new(&c->b, &c->schema, err)) < 0)
		goto done;
	if ((rc = dlt_storage_open_output(&c->out, c->st, key, DLT_PUT_IF_ABSENT, err)) < 0)
		goto done;
	/* checkpoints are read by column: no dictionary on the long unique strings */
	po.codec = DLT_PARQUET_CODEC_SNAPPY;
	po.page_index = 0;
	rc = dlt_parquet_writer_open(&c->w, c->out, &c->schema, &po, err);
done:
	for (size_t i = 0; i < n_extra; i++)
		dlt_schema__release(&extra[i]);
	return rc;
}

static int cw_flush(cw *c, dlt_error *err)
{
	struct ArrowArray batch;
	int rc;
	if (dlt_builder__length(c->b) == 0)
		return DLT_OK;
	memset(&batch, 0, sizeof(batch));
	if ((rc = dlt_builder__finish(&batch, c->b, err)) < 0)
		return rc;
	rc = dlt_parquet_writer_write(c->w, &batch, err);
	dlt_array__release(&batch);
	return rc;
}

/* Begin a row in column `t`: nulls in every other top-level column. */
static dlt_builder *row_begin(cw *c, int t, int *rc)
{
	const struct ArrowSchema *s = &c->schema;
	for (int64_t i = 0; i < s->n_children; i++)
		if (i != c->idx[t] && (*rc = dlt_builder__append_null(dlt_builder__child(c->b, i),
		                                                       c->err)) < 0)
			return NULL;
	return dlt_builder__child(c->b, c->idx[t]);
}

static int row_end(cw *c, dlt_builder *col)
{
	int rc;
	if ((rc = dlt_builder__append_valid(col, c->err)) < 0 ||
	    (rc = dlt_builder__append_valid(c->b, c->err)) < 0)
		return rc;
	c->rows++;
	if (dlt_builder__length(c->b) >= BATCH_ROWS)
		return cw_flush(c, c->err);
	return DLT_OK;
}

#define CH(b, i) dlt_builder__child((b), (i))
#define TRY(x) do { if ((rc = (x)) < 0) return rc; } while (0)

static int put_protocol(cw *c)
{
	const dlt_log_protocol *p = &c->snap->protocol;
	int rc = DLT_OK;
	dlt_builder *b = row_begin(c, T_PROTO, &rc);
	if (!b)
		return rc;
	TRY(dlt_builder__append_int(CH(b, 0), p->min_reader_version, c->err));
	TRY(dlt_builder__append_int(CH(b, 1), p->min_writer_version, c->err));
	/* PROTOCOL.md#checkpoint-schema: non-null feature lists exactly with
	 * reader version 3 / writer version 7 */
	TRY(b_list(CH(b, 2), p->has_reader_features || p->min_reader_version >= 3,
	           p->n_reader_features, p->reader_features, c->err));
	TRY(b_list(CH(b, 3), p->has_writer_features || p->min_writer_version >= 7,
	           p->n_writer_features, p->writer_features, c->err));
	return row_end(c, b);
}

static int put_metadata(cw *c)
{
	const dlt_log_metadata *m = &c->snap->metadata;
	int rc = DLT_OK;
	dlt_builder *b = row_begin(c, T_META, &rc), *f;
	if (!b)
		return rc;
	TRY(b_str(CH(b, M_ID), m->id, c->err));
	TRY(b_str(CH(b, M_NAME), m->name, c->err));
	TRY(b_str(CH(b, M_DESC), m->description, c->err));
	f = CH(b, M_FMT);
	TRY(b_str(CH(f, 0), m->format_provider ? m->format_provider : "parquet", c->err));
	TRY(b_map(CH(f, 1), &m->format_options, c->err));
	TRY(dlt_builder__append_valid(f, c->err));
	TRY(b_str(CH(b, M_SCHEMA), m->schema_string, c->err));
	TRY(b_list(CH(b, M_PCOLS), true, m->n_partition_columns, m->partition_columns, c->err));
	TRY(b_map(CH(b, M_CONF), &m->configuration, c->err));
	TRY(b_i64(CH(b, M_CTIME), m->created_time >= 0, m->created_time, c->err));
	return row_end(c, b);
}

static int put_txn(cw *c, const dlt_log_txn *t)
{
	int rc = DLT_OK;
	dlt_builder *b = row_begin(c, T_TXN, &rc);
	if (!b)
		return rc;
	TRY(b_str(CH(b, 0), t->app_id, c->err));
	TRY(dlt_builder__append_int(CH(b, 1), t->version, c->err));
	TRY(b_i64(CH(b, 2), t->last_updated >= 0, t->last_updated, c->err));
	return row_end(c, b);
}

static int put_domain(cw *c, const dlt_log_domain *d)
{
	int rc = DLT_OK;
	dlt_builder *b = row_begin(c, T_DOMAIN, &rc);
	if (!b)
		return rc;
	TRY(b_str(CH(b, 0), d->domain, c->err));
	TRY(b_str(CH(b, 1), d->configuration, c->err));
	TRY(b_bool(CH(b, 2), false, c->err));
	return row_end(c, b);
}

static int put_add(cw *c, const dlt_log_file *f)
{
	int rc = DLT_OK;
	char *path = NULL;
	dlt_builder *b = row_begin(c, T_ADD, &rc);
	if (!b)
		return rc;
	TRY(log_path(&path, f, c->err));
	rc = b_str(CH(b, A_PATH), path, c->err);
	dlt_free(path);
	TRY(rc);
	TRY(b_map(CH(b, A_PV), f->partition_values, c->err));
	TRY(dlt_builder__append_int(CH(b, A_SIZE), f->size, c->err));
	TRY(dlt_builder__append_int(CH(b, A_MTIME), f->modification_time, c->err));
	/* state reconstruction: file actions in a checkpoint carry dataChange=false */
	TRY(b_bool(CH(b, A_DC), false, c->err));
	TRY(b_str(CH(b, A_STATS), c->stats_json ? f->stats : NULL, c->err));
	TRY(b_map(CH(b, A_TAGS), f->tags, c->err));
	TRY(b_dv(CH(b, A_DV), &f->dv, c->err));
	TRY(b_i64(CH(b, A_BRID), f->flags & DLT_LOG_FILE_HAS_BASE_ROW_ID, f->base_row_id, c->err));
	TRY(b_i64(CH(b, A_DRCV), f->flags & DLT_LOG_FILE_HAS_ROW_COMMIT_V,
	          f->default_row_commit_version, c->err));
	TRY(b_str(CH(b, A_CP), f->clustering_provider, c->err));
	if (c->add_pvp >= 0)
		TRY(append_pv_parsed(CH(b, c->add_pvp), f->partition_values, c->err));
	if (c->add_sp >= 0)
		TRY(append_stats_parsed(CH(b, c->add_sp), f->stats, c->err));
	return row_end(c, b);
}

static int put_remove(cw *c, const dlt_log_file *f)
{
	int rc = DLT_OK;
	char *path = NULL;
	dlt_builder *b = row_begin(c, T_REMOVE, &rc);
	if (!b)
		return rc;
	TRY(log_path(&path, f, c->err));
	rc = b_str(CH(b, R_PATH), path, c->err);
	dlt_free(path);
	TRY(rc);
	TRY(b_i64(CH(b, R_DTS), f->modification_time >= 0, f->modification_time, c->err));
	TRY(b_bool(CH(b, R_DC), false, c->err));
	TRY(b_bool(CH(b, R_EXT), (f->flags & DLT_LOG_FILE_EXTENDED_METADATA) != 0, c->err));
	TRY(b_map(CH(b, R_PV), f->partition_values, c->err));
	TRY(b_i64(CH(b, R_SIZE), f->size >= 0, f->size, c->err));
	TRY(b_dv(CH(b, R_DV), &f->dv, c->err));
	TRY(b_i64(CH(b, R_BRID), f->flags & DLT_LOG_FILE_HAS_BASE_ROW_ID, f->base_row_id, c->err));
	TRY(b_i64(CH(b, R_DRCV), f->flags & DLT_LOG_FILE_HAS_ROW_COMMIT_V,
	          f->default_row_commit_version, c->err));
	return row_end(c, b);
}

static int put_ckpt_meta(cw *c, int64_t version)
{
	int rc = DLT_OK;
	dlt_builder *b = row_begin(c, T_CKMETA, &rc);
	if (!b)
		return rc;
	TRY(dlt_builder__append_int(CH(b, 0), version, c->err));
	TRY(dlt_builder__append_null(CH(b, 1), c->err));
	return row_end(c, b);
}

static int put_sidecar(cw *c, const char *name, int64_t size, int64_t mtime)
{
	int rc = DLT_OK;
	dlt_builder *b = row_begin(c, T_SIDECAR, &rc);
	if (!b)
		return rc;
	TRY(b_str(CH(b, 0), name, c->err));
	TRY(dlt_builder__append_int(CH(b, 1), size, c->err));
	TRY(dlt_builder__append_int(CH(b, 2), mtime, c->err));
	TRY(dlt_builder__append_null(CH(b, 3), c->err));
	return row_end(c, b);
}

/* Flush, write the footer, finish the streamed put; *size_out: file bytes. */
static int cw_close(cw *c, uint64_t *size_out, dlt_error *err)
{
	dlt_parquet_write_result *res = NULL;
	int rc;
	if ((rc = cw_flush(c, err)) < 0)
		return rc;
	rc = dlt_parquet_writer_close(c->w, &res, err);
	dlt_parquet_writer_free(c->w);
	c->w = NULL;
	if (rc < 0)
		return rc;
	*size_out = dlt_parquet_write_result_file_size(res);
	dlt_parquet_write_result_free(res);
	return DLT_OK;
}

/* Tombstones a checkpoint keeps: deleted after now - deletedFileRetentionDuration
 * (PROTOCOL.md: removes are kept until the retention expires, for VACUUM). */
static bool keep_tombstone(const dlt_log_file *f, int64_t min_ts)
{
	return f->modification_time > min_ts;
}

/* Write file actions [from, to) of the combined list (adds then kept tombstones). */
static int put_file_range(cw *c, size_t from, size_t to, const size_t *keep, size_t n_keep)
{
	const dlt_snapshot *s = c->snap;
	int rc = DLT_OK;
	for (size_t i = from; i < to && rc >= 0; i++) {
		if (i < s->n_files)
			rc = put_add(c, &s->files[i]);
		else if (i - s->n_files < n_keep)
			rc = put_remove(c, &s->tombstones[keep[i - s->n_files]]);
	}
	return rc;
}

static int write_v2(dlt_log_ckpt_info *info, cw *c, const size_t *keep, size_t n_keep,
                    int64_t per_sidecar, dlt_error *err)
{
	dlt_snapshot *s = c->snap;
	size_t n_file_actions = s->n_files + n_keep;
	size_t n_sc = 0;
	char (*names)[64] = NULL;
	int64_t *sizes = NULL, *mtimes = NULL;
	char uuid[37], key[160];
	uint64_t bytes = 0;
	int rc = DLT_OK;
	bool want[T__N] = { 0 };

	if ((int64_t)n_file_actions > per_sidecar) {
		n_sc = (n_file_actions + (size_t)per_sidecar - 1) / (size_t)per_sidecar;
		names = dlt_calloc(n_sc, sizeof(*names));
		sizes = dlt_calloc(n_sc, sizeof(*sizes));
		mtimes = dlt_calloc(n_sc, sizeof(*mtimes));
		if (!names || !sizes || !mtimes) {
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
			goto done;
		}
		want[T_ADD] = want[T_REMOVE] = true;
		for (size_t k = 0; k < n_sc; k++) {
			dlt_object_meta m;
			size_t from = k * (size_t)per_sidecar;
			size_t to = DLT_MIN(from + (size_t)per_sidecar, n_file_actions);
			dlt_log__uuid4(uuid);
			snprintf(names[k], sizeof(names[k]), "%s.parquet", uuid);
			snprintf(key, sizeof(key), "_delta_log/_sidecars/%s", names[k]);
			if ((rc = cw_open(c, key, want, err)) < 0 ||
			    (rc = put_file_range(c, from, to, keep, n_keep)) < 0 ||
			    (rc = cw_close(c, &bytes, err)) < 0)
				goto done;
			info->size_in_bytes += bytes;
			cw_dispose(c);
			sizes[k] = (int64_t)bytes;
			mtimes[k] = dlt_storage_head(&m, c->st, key, NULL) == DLT_OK ? m.mtime_ms
			                                                               : dlt_log__now_ms();
		}
		info->n_sidecars = (int64_t)n_sc;
	}
	for (int i = 0; i < T__N; i++)
		want[i] = true;
	dlt_log__uuid4(uuid);
	snprintf(info->key, sizeof(info->key), "_delta_log/%020" PRId64 ".checkpoint.%s.parquet",
	         s->version, uuid);
	if ((rc = cw_open(c, info->key, want, err)) < 0 ||
	    (rc = put_ckpt_meta(c, s->version)) < 0 || (rc = put_protocol(c)) < 0 ||
	    (rc = put_metadata(c)) < 0)
		goto done;
	for (size_t i = 0; i < s->n_txns && rc >= 0; i++)
		rc = put_txn(c, &s->txns[i]);
	for (size_t i = 0; i < s->n_domains && rc >= 0; i++)
		rc = put_domain(c, &s->domains[i]);
	for (size_t k = 0; k < n_sc && rc >= 0; k++)
		rc = put_sidecar(c, names[k], sizes[k], mtimes[k]);
	if (rc >= 0 && n_sc == 0)
		rc = put_file_range(c, 0, n_file_actions, keep, n_keep);
	if (rc < 0 || (rc = cw_close(c, &bytes, err)) < 0)
		goto done;
	info->size_in_bytes += bytes;
	info->n_actions = c->rows + (n_sc ? (int64_t)n_file_actions : 0);
done:
	dlt_free(names);
	dlt_free(sizes);
	dlt_free(mtimes);
	return rc;
}

int dlt_log__checkpoint_write(dlt_log_ckpt_info *out, dlt_snapshot *snap,
                              const dlt_log_ckpt_opts *opts, dlt_error *err)
{
	dlt_log_ckpt_opts o = DLT_LOG_CKPT_OPTS_INIT;
	dlt_log_ckpt_info info;
	cw c;
	size_t *keep = NULL, n_keep = 0;
	int64_t min_ts;
	uint64_t bytes = 0;
	bool v2_feature, want[T__N] = { 0 };
	int rc;

	DLT_ARG_CHECK(out != NULL && snap != NULL, err);
	if (opts)
		o = *opts;
	memset(&info, 0, sizeof(info));
	memset(&c, 0, sizeof(c));
	info.version = snap->version;
	c.snap = snap;
	c.st = snap->root->storage;
	c.err = err;
	c.stats_json = o.stats_json < 0 ? dlt_log__conf_bool(snap, "delta.checkpoint.writeStatsAsJson",
	                                                     true) : o.stats_json != 0;
	c.stats_struct = o.stats_struct < 0
	                         ? dlt_log__conf_bool(snap, "delta.checkpoint.writeStatsAsStruct", false)
	                         : o.stats_struct != 0;
	v2_feature = dlt_log__has_reader_feature(&snap->protocol, "v2Checkpoint") ||
	             dlt_log__has_writer_feature(&snap->protocol, "v2Checkpoint");
	if (o.kind == DLT_LOG_CKPT_WRITE_V2 && !v2_feature)
		return dlt_error_set(err, DLT_EUNSUPPORTED, "checkpoint: a v2 checkpoint needs the "
		                     "v2Checkpoint table feature, which version %" PRId64 " does not "
		                     "have", snap->version);
	if (o.kind == DLT_LOG_CKPT_WRITE_AUTO)
		o.kind = v2_feature ? DLT_LOG_CKPT_WRITE_V2 : DLT_LOG_CKPT_WRITE_CLASSIC;
	if (o.sidecar_actions <= 0)
		o.sidecar_actions = 50000;
	if (o.now_ms <= 0)
		o.now_ms = dlt_log__now_ms();
	min_ts = o.now_ms - dlt_log__conf_interval_ms(snap, "delta.deletedFileRetentionDuration",
	                                              7 * DLT_LOG_DAY_MS);
	if (!(keep = dlt_malloc((snap->n_tombstones ? snap->n_tombstones : 1) * sizeof(*keep))))
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	for (size_t i = 0; i < snap->n_tombstones; i++)
		if (keep_tombstone(&snap->tombstones[i], min_ts))
			keep[n_keep++] = i;
	info.n_add_files = (int64_t)snap->n_files;
	info.n_tombstones = (int64_t)n_keep;

	if (o.kind == DLT_LOG_CKPT_WRITE_V2) {
		info.v2 = true;
		rc = write_v2(&info, &c, keep, n_keep, o.sidecar_actions, err);
		goto written;
	}
	/* classic single file (PROTOCOL.md#classic-checkpoint); a v2Checkpoint
	 * table's classic-named checkpoint follows the v2 spec (checkpointMetadata) */
	for (int i = T_TXN; i <= T_DOMAIN; i++)
		want[i] = true;
	want[T_CKMETA] = v2_feature;
	snprintf(info.key, sizeof(info.key), "_delta_log/%020" PRId64 ".checkpoint.parquet",
	         snap->version);
	if ((rc = cw_open(&c, info.key, want, err)) < 0 ||
	    (v2_feature && (rc = put_ckpt_meta(&c, snap->version)) < 0) ||
	    (rc = put_protocol(&c)) < 0 || (rc = put_metadata(&c)) < 0)
		goto written;
	for (size_t i = 0; i < snap->n_txns && rc >= 0; i++)
		rc = put_txn(&c, &snap->txns[i]);
	for (size_t i = 0; i < snap->n_domains && rc >= 0; i++)
		rc = put_domain(&c, &snap->domains[i]);
	if (rc >= 0)
		rc = put_file_range(&c, 0, snap->n_files + n_keep, keep, n_keep);
	if (rc >= 0)
		rc = cw_close(&c, &bytes, err);
	info.size_in_bytes = bytes;
	info.n_actions = c.rows;
	if (rc == DLT_EEXISTS) {
		/* another writer checkpointed this version first: same state */
		dlt_object_meta m;
		info.existed = true;
		rc = dlt_storage_head(&m, c.st, info.key, err);
		info.size_in_bytes = m.size;
		if (err && rc >= 0)
			dlt_error_clear(err);
	}
written:
	cw_dispose(&c);
	dlt_free(keep);
	if (rc < 0) {
		if (err && !strstr(err->message, "checkpoint"))
			dlt_error_prefix(err, "checkpoint of version %" PRId64, snap->version);
		return rc;
	}
	if (o.update_last && (rc = dlt_log__last_checkpoint_write(c.st, &info, err)) < 0)
		return rc;
	*out = info;
	return DLT_OK;
}

int dlt_log__last_checkpoint_write(dlt_storage *st, const dlt_log_ckpt_info *info,
                                   dlt_error *err)
{
	char buf[512];
	int n, rc;
	int64_t cur = dlt_log__last_checkpoint_hint(st);
	if (cur > info->version)
		return DLT_OK;
	n = snprintf(buf, sizeof(buf),
	             "{\"version\":%" PRId64 ",\"size\":%" PRId64 ",\"sizeInBytes\":%" PRIu64
	             ",\"numOfAddFiles\":%" PRId64 "}",
	             info->version, info->n_actions, info->size_in_bytes, info->n_add_files);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return dlt_error_set(err, DLT_ERROR, "_last_checkpoint: too long");
	rc = dlt_storage_put(st, "_delta_log/_last_checkpoint", buf, (size_t)n, DLT_PUT_OVERWRITE,
	                     err);
	if (rc < 0)
		dlt_error_prefix(err, "_last_checkpoint");
	return rc;
}

/* ------------------------------------------------------------ public -- */

int dlt_checkpoint_options_init(dlt_checkpoint_options *opts, unsigned int version)
{
	dlt_checkpoint_options d = DLT_CHECKPOINT_OPTIONS_INIT;
	if (!opts || version != DLT_CHECKPOINT_OPTIONS_VERSION)
		return DLT_EINVAL;
	*opts = d;
	return DLT_OK;
}

/* Checkpoint `snap`, then clean expired logs when asked (-1: table property).
 * A cleanup failure does not undo the checkpoint but is reported. */
static int checkpoint_snapshot(dlt_snapshot *snap, const dlt_log_ckpt_opts *o, int cleanup,
                               dlt_error *err)
{
	dlt_log_ckpt_info info;
	int rc;
	if ((rc = dlt_log__check_writer_protocol(&snap->protocol, &snap->metadata, err)) < 0) {
		dlt_error_prefix(err, "checkpoint of version %" PRId64, snap->version);
		return rc;
	}
	if ((rc = dlt_log__checkpoint_write(&info, snap, o, err)) < 0)
		return rc;
	if (cleanup < 0)
		cleanup = dlt_log__conf_bool(snap, "delta.enableExpiredLogCleanup", true);
	if (cleanup)
		rc = dlt_log__cleanup_expired(NULL, snap, o->now_ms, -1, err);
	return rc;
}

int dlt_table_checkpoint(int64_t *version_out, dlt_table *table,
                         const dlt_checkpoint_options *opts, dlt_error *err)
{
	dlt_checkpoint_options d = DLT_CHECKPOINT_OPTIONS_INIT;
	dlt_log_ckpt_opts o = DLT_LOG_CKPT_OPTS_INIT;
	dlt_snapshot *snap = NULL;
	int rc;

	DLT_ARG_CHECK(table != NULL, err);
	DLT_ARG_CHECK(opts == NULL || opts->version >= 1, err);
	if (opts)
		d = *opts;
	DLT_ARG_CHECK(d.kind >= DLT_CHECKPOINT_AUTO && d.kind <= DLT_CHECKPOINT_V2, err);
	DLT_ARG_CHECK(d.table_version >= -1 && d.sidecar_actions >= 0, err);
	o.kind = d.kind;
	o.stats_json = d.stats_as_json;
	o.stats_struct = d.stats_as_struct;
	o.sidecar_actions = d.sidecar_actions;
	if ((rc = dlt_table_snapshot(&snap, table, d.table_version, err)) < 0)
		return rc;
	/* cleanup only when checkpointing the latest version */
	rc = checkpoint_snapshot(snap, &o, d.table_version < 0 ? d.cleanup : 0, err);
	if (rc >= 0 && version_out)
		*version_out = snap->version;
	dlt_snapshot_free(snap);
	return rc;
}

int dlt_log__checkpoint_hook(dlt_txn *txn, int64_t version, void *payload, dlt_error *err)
{
	dlt_log_ckpt_opts o = DLT_LOG_CKPT_OPTS_INIT;
	dlt_snapshot *snap = NULL;
	int64_t interval;
	int rc;

	DLT_UNUSED(payload);
	if (version <= 0)
		return DLT_OK;
	if ((rc = dlt_log__txn_post_snapshot(&snap, txn, err)) < 0)
		return rc;
	interval = dlt_log__conf_int(snap, "delta.checkpointInterval", 10);
	if (interval <= 0)
		interval = 10;
	if (version % interval != 0 || snap->version != version)
		return DLT_OK;
	return checkpoint_snapshot(snap, &o, -1, err);
}
