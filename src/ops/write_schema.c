/* Arrow schema -> Delta schema JSON (PROTOCOL.md#schema-serialization-format),
 * Delta type names for messages, and the DDL-ish schema parser of the CLI. */
#include "ops/ops.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 64

const char *dlt_ops__canonical_format(const char *format, char *buf, size_t cap)
{
	dlt_type_view tv;

	if (!format || dlt_arrow__parse_format(&tv, format, NULL) < 0)
		return NULL;
	switch (tv.type) {
	case DLT_AT_BOOL: return "b";
	case DLT_AT_INT8: return "c";
	case DLT_AT_INT16: return "s";
	case DLT_AT_INT32: return "i";
	case DLT_AT_INT64: return "l";
	case DLT_AT_FLOAT32: return "f";
	case DLT_AT_FLOAT64: return "g";
	case DLT_AT_STRING: case DLT_AT_LARGE_STRING: return "u";
	case DLT_AT_BINARY: case DLT_AT_LARGE_BINARY: return "z";
	case DLT_AT_DATE32: case DLT_AT_DATE64: return "tdD";
	case DLT_AT_TIMESTAMP: return tv.tz && tv.tz[0] ? "tsu:UTC" : "tsu:";
	case DLT_AT_DECIMAL128:
		if (tv.precision < 1 || tv.precision > 38)
			return NULL;
		snprintf(buf, cap, "d:%d,%d", (int)tv.precision, (int)tv.scale);
		return buf;
	case DLT_AT_LIST: case DLT_AT_LARGE_LIST: return "+l";
	case DLT_AT_STRUCT: return "+s";
	case DLT_AT_MAP: return "+m";
	default: return NULL;
	}
}

static const struct ArrowSchema *value_schema(const struct ArrowSchema *s)
{
	return s->dictionary ? s->dictionary : s;
}

const char *dlt_ops__type_name(const struct ArrowSchema *s, char *buf, size_t cap)
{
	dlt_type_view tv;
	char a[128], b[128];
	size_t len;

	if (cap == 0)
		return buf;
	buf[0] = 0;
	s = value_schema(s);
	if (dlt_arrow__parse_format(&tv, s->format, NULL) < 0) {
		snprintf(buf, cap, "unknown(%s)", s->format ? s->format : "");
		return buf;
	}
	switch (tv.type) {
	case DLT_AT_BOOL: snprintf(buf, cap, "boolean"); break;
	case DLT_AT_INT8: snprintf(buf, cap, "byte"); break;
	case DLT_AT_INT16: snprintf(buf, cap, "short"); break;
	case DLT_AT_INT32: snprintf(buf, cap, "integer"); break;
	case DLT_AT_INT64: snprintf(buf, cap, "long"); break;
	case DLT_AT_FLOAT32: snprintf(buf, cap, "float"); break;
	case DLT_AT_FLOAT64: snprintf(buf, cap, "double"); break;
	case DLT_AT_STRING: case DLT_AT_LARGE_STRING: snprintf(buf, cap, "string"); break;
	case DLT_AT_BINARY: case DLT_AT_LARGE_BINARY: snprintf(buf, cap, "binary"); break;
	case DLT_AT_DATE32: case DLT_AT_DATE64: snprintf(buf, cap, "date"); break;
	case DLT_AT_TIMESTAMP:
		snprintf(buf, cap, "%s", tv.tz && tv.tz[0] ? "timestamp" : "timestamp_ntz");
		break;
	case DLT_AT_DECIMAL128: case DLT_AT_DECIMAL256:
		snprintf(buf, cap, "decimal(%d,%d)", (int)tv.precision, (int)tv.scale);
		break;
	case DLT_AT_LIST: case DLT_AT_LARGE_LIST: case DLT_AT_FIXED_LIST:
		snprintf(buf, cap, "array<%s>",
		         s->n_children == 1 ? dlt_ops__type_name(s->children[0], a, sizeof(a)) : "?");
		break;
	case DLT_AT_MAP:
		if (s->n_children == 1 && s->children[0]->n_children == 2)
			snprintf(buf, cap, "map<%s,%s>",
			         dlt_ops__type_name(s->children[0]->children[0], a, sizeof(a)),
			         dlt_ops__type_name(s->children[0]->children[1], b, sizeof(b)));
		else
			snprintf(buf, cap, "map<?>");
		break;
	case DLT_AT_STRUCT:
		snprintf(buf, cap, "struct<");
		for (int64_t i = 0; i < s->n_children; i++) {
			len = strlen(buf);
			if (len + 8 >= cap)
				break;
			snprintf(buf + len, cap - len, "%s%s: %s", i ? ", " : "",
			         s->children[i]->name ? s->children[i]->name : "",
			         dlt_ops__type_name(s->children[i], a, sizeof(a)));
		}
		len = strlen(buf);
		if (len + 1 < cap)
			snprintf(buf + len, cap - len, ">");
		break;
	default:
		dlt_arrow__format_describe(s->format, buf, cap);
		break;
	}
	return buf;
}

/* ---------------------------------------------------------- to JSON -- */

static int oom(dlt_error *err)
{
	return dlt_error_set(err, DLT_ENOMEM, "out of memory");
}

/* Field metadata keys whose values are JSON strings even when they look
 * like other JSON (the reader unquotes strings only). */
static bool string_key(const char *k)
{
	return strcmp(k, "comment") == 0 || strcmp(k, "delta.columnMapping.physicalName") == 0 ||
	       strcmp(k, "delta.generationExpression") == 0 || strcmp(k, "delta.invariants") == 0 ||
	       strcmp(k, "delta.type") == 0;
}

static int meta_json(json_t **out, const struct ArrowSchema *s, dlt_error *err)
{
	const char *md = s->metadata;
	json_t *obj = json_object();
	int32_t n, kl, vl;
	size_t pos = 4;

	if (!obj)
		return oom(err);
	*out = obj;
	if (!md)
		return DLT_OK;
	memcpy(&n, md, 4);
	for (int32_t i = 0; i < n; i++) {
		char *k, *v;
		json_t *jv = NULL;

		memcpy(&kl, md + pos, 4);
		pos += 4;
		k = dlt_strndup(md + pos, (size_t)kl);
		pos += (size_t)kl;
		memcpy(&vl, md + pos, 4);
		pos += 4;
		v = dlt_strndup(md + pos, (size_t)vl);
		pos += (size_t)vl;
		if (!k || !v) {
			dlt_free(k);
			dlt_free(v);
			return oom(err);
		}
		if (strncmp(k, "ARROW:", 6) != 0 && strncmp(k, "PARQUET:", 8) != 0 &&
		    strcmp(k, "delta.type") != 0) {
			if (!string_key(k)) {
				json_error_t je;
				jv = json_loads(v, JSON_DECODE_ANY, &je);
				if (jv && json_is_string(jv)) {
					json_decref(jv);
					jv = NULL;
				}
			}
			if (!jv)
				jv = json_string(v);
			if (!jv || json_object_set_new(obj, k, jv) < 0) {
				dlt_free(k);
				dlt_free(v);
				return oom(err);
			}
		}
		dlt_free(k);
		dlt_free(v);
	}
	return DLT_OK;
}

static int type_json(json_t **out, const struct ArrowSchema *s, const char *path, int depth,
                     dlt_error *err);

static int field_json(json_t **out, const struct ArrowSchema *f, const char *parent, int depth,
                      dlt_error *err)
{
	json_t *o = NULL, *t = NULL, *m = NULL;
	char path[512];
	int rc;

	if (!f->name || !f->name[0])
		return dlt_error_set(err, DLT_ESCHEMA, "schema: a field%s%s has no name",
		                     parent[0] ? " of " : "", parent);
	snprintf(path, sizeof(path), "%s%s%s", parent, parent[0] ? "." : "", f->name);
	if ((rc = type_json(&t, f, path, depth + 1, err)) < 0)
		return rc;
	if ((rc = meta_json(&m, f, err)) < 0) {
		json_decref(t);
		return rc;
	}
	o = json_object();
	if (!o || json_object_set_new(o, "name", json_string(f->name)) < 0 ||
	    json_object_set_new(o, "type", t) < 0 ||
	    json_object_set_new(o, "nullable", json_boolean(f->flags & ARROW_FLAG_NULLABLE)) < 0 ||
	    json_object_set_new(o, "metadata", m) < 0) {
		json_decref(o);
		return oom(err);
	}
	*out = o;
	return DLT_OK;
}

static int struct_json(json_t **out, const struct ArrowSchema *s, const char *path, int depth,
                       dlt_error *err)
{
	json_t *o = json_object(), *fields = json_array();
	int rc;

	if (!o || !fields || json_object_set_new(o, "type", json_string("struct")) < 0) {
		json_decref(o);
		json_decref(fields);
		return oom(err);
	}
	if (json_object_set_new(o, "fields", fields) < 0) {
		json_decref(o);
		return oom(err);
	}
	for (int64_t i = 0; i < s->n_children; i++) {
		json_t *f;
		for (int64_t j = 0; j < i; j++)
			if (s->children[j]->name && s->children[i]->name &&
			    strcasecmp(s->children[j]->name, s->children[i]->name) == 0) {
				json_decref(o);
				return dlt_error_set(err, DLT_ESCHEMA,
				                     "schema: duplicate column '%s%s%s'", path,
				                     path[0] ? "." : "", s->children[i]->name);
			}
		if ((rc = field_json(&f, s->children[i], path, depth, err)) < 0) {
			json_decref(o);
			return rc;
		}
		if (json_array_append_new(fields, f) < 0) {
			json_decref(o);
			return oom(err);
		}
	}
	*out = o;
	return DLT_OK;
}

static int type_json(json_t **out, const struct ArrowSchema *s, const char *path, int depth,
                     dlt_error *err)
{
	dlt_type_view tv;
	char name[64], desc[128];
	json_t *o, *a = NULL, *b = NULL;
	int rc;

	if (depth > MAX_DEPTH)
		return dlt_error_set(err, DLT_ELIMIT, "schema: column '%s' nests too deeply", path);
	s = value_schema(s);
	if ((rc = dlt_arrow__parse_format(&tv, s->format, err)) < 0)
		return rc;
	switch (tv.type) {
	case DLT_AT_LIST: case DLT_AT_LARGE_LIST: case DLT_AT_FIXED_LIST:
		if (s->n_children != 1)
			return dlt_error_set(err, DLT_ESCHEMA, "schema: column '%s': list without child",
			                     path);
		if ((rc = type_json(&a, s->children[0], path, depth + 1, err)) < 0)
			return rc;
		o = json_object();
		if (!o || json_object_set_new(o, "type", json_string("array")) < 0 ||
		    json_object_set_new(o, "elementType", a) < 0 ||
		    json_object_set_new(o, "containsNull",
		                        json_boolean(s->children[0]->flags & ARROW_FLAG_NULLABLE)) < 0) {
			json_decref(o);
			return oom(err);
		}
		*out = o;
		return DLT_OK;
	case DLT_AT_MAP: {
		const struct ArrowSchema *e = s->n_children == 1 ? s->children[0] : NULL;
		if (!e || e->n_children != 2)
			return dlt_error_set(err, DLT_ESCHEMA, "schema: column '%s': malformed map", path);
		if ((rc = type_json(&a, e->children[0], path, depth + 1, err)) < 0)
			return rc;
		if ((rc = type_json(&b, e->children[1], path, depth + 1, err)) < 0) {
			json_decref(a);
			return rc;
		}
		o = json_object();
		if (!o || json_object_set_new(o, "type", json_string("map")) < 0 ||
		    json_object_set_new(o, "keyType", a) < 0 ||
		    json_object_set_new(o, "valueType", b) < 0 ||
		    json_object_set_new(o, "valueContainsNull",
		                        json_boolean(e->children[1]->flags & ARROW_FLAG_NULLABLE)) < 0) {
			json_decref(o);
			return oom(err);
		}
		*out = o;
		return DLT_OK;
	}
	case DLT_AT_STRUCT: {
		if (dlt_schema__delta_type_is(s, "variant", false)) {
			if (!(*out = json_string("variant")))
				return oom(err);
			return DLT_OK;
		}
		return struct_json(out, s, path, depth, err);
	}
	case DLT_AT_DECIMAL128:
		if (tv.precision < 1 || tv.precision > 38 || tv.scale < 0 || tv.scale > tv.precision)
			break;
		snprintf(name, sizeof(name), "decimal(%d,%d)", (int)tv.precision, (int)tv.scale);
		if (!(*out = json_string(name)))
			return oom(err);
		return DLT_OK;
	default:
		break;
	}
	if (tv.type == DLT_AT_BINARY) { /* geometry/geography read from a geospatial table */
		const char *dt;
		int32_t dl;
		if ((dlt_schema__delta_type_is(s, "geometry", true) ||
		     dlt_schema__delta_type_is(s, "geography", true)) &&
		    dlt_schema__metadata_get(s, "delta.type", &dt, &dl) == DLT_OK) {
			if (!(*out = json_stringn(dt, (size_t)dl)))
				return oom(err);
			return DLT_OK;
		}
	}
	if (tv.type == DLT_AT_DECIMAL128 || !dlt_ops__canonical_format(s->format, name, sizeof(name)))
		return dlt_error_set(err, DLT_ESCHEMA, "schema: column '%s': arrow type %s has no delta "
		                     "equivalent", path,
		                     dlt_arrow__format_describe(s->format, desc, sizeof(desc)));
	if (!(*out = json_string(dlt_ops__type_name(s, name, sizeof(name)))))
		return oom(err);
	return DLT_OK;
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
	return dlt_buf_append(data, buffer, size, NULL) < 0 ? -1 : 0;
}

int dlt_ops__schema_to_json(char **out, const struct ArrowSchema *schema, dlt_error *err)
{
	dlt_buf b = DLT_BUF_INIT;
	json_t *j = NULL;
	int rc;

	DLT_ARG_CHECK(out != NULL && schema != NULL && schema->format != NULL, err);
	*out = NULL;
	if (strcmp(schema->format, "+s") != 0)
		return dlt_error_set(err, DLT_ESCHEMA, "schema: expected a struct (\"+s\"), got \"%s\"",
		                     schema->format);
	if ((rc = struct_json(&j, schema, "", 0, err)) < 0)
		return rc;
	if (json_dump_callback(j, dump_cb, &b, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0 ||
	    dlt_buf_append_byte(&b, 0, err) < 0) {
		json_decref(j);
		dlt_buf_dispose(&b);
		return oom(err);
	}
	json_decref(j);
	*out = (char *)dlt_buf_detach(&b, NULL);
	return DLT_OK;
}

/* ------------------------------------------------------------- DDL -- */

typedef struct ddl {
	const char *s;
	size_t pos;
	dlt_error *err;
	int depth;
} ddl;

static void ddl_ws(ddl *p)
{
	while (p->s[p->pos] && isspace((unsigned char)p->s[p->pos]))
		p->pos++;
}

static int ddl_fail(ddl *p, const char *what)
{
	char found[24];
	size_t n = strcspn(p->s + p->pos, " ,<>()\t\n");
	if (n == 0)
		n = p->s[p->pos] ? 1 : 0;
	if (n > sizeof(found) - 1)
		n = sizeof(found) - 1;
	memcpy(found, p->s + p->pos, n);
	found[n] = 0;
	dlt_error_set(p->err, DLT_EINVAL, "schema ddl: at offset %zu: expected %s, found %s%s%s",
	              p->pos, what, n ? "'" : "end of text", found, n ? "'" : "");
	dlt_error__set_offset(p->err, (int64_t)p->pos);
	return DLT_EINVAL;
}

static bool ddl_char(ddl *p, char c)
{
	ddl_ws(p);
	if (p->s[p->pos] == c) {
		p->pos++;
		return true;
	}
	return false;
}

/* An identifier (letters, digits, _) or a `quoted` name; *out dlt_malloc'd. */
static int ddl_ident(ddl *p, char **out)
{
	size_t st;
	dlt_buf b = DLT_BUF_INIT;

	ddl_ws(p);
	st = p->pos;
	if (p->s[p->pos] == '`') {
		p->pos++;
		for (;;) {
			char c = p->s[p->pos];
			if (!c) {
				dlt_buf_dispose(&b);
				p->pos = st;
				return ddl_fail(p, "a closing backquote");
			}
			p->pos++;
			if (c == '`') {
				if (p->s[p->pos] != '`')
					break;
				p->pos++;
			}
			if (dlt_buf_append_byte(&b, (uint8_t)c, p->err) < 0)
				return DLT_ENOMEM;
		}
		if (dlt_buf_append_byte(&b, 0, p->err) < 0)
			return DLT_ENOMEM;
		*out = (char *)dlt_buf_detach(&b, NULL);
		return DLT_OK;
	}
	while (isalnum((unsigned char)p->s[p->pos]) || p->s[p->pos] == '_')
		p->pos++;
	if (p->pos == st)
		return ddl_fail(p, "a name");
	if (!(*out = dlt_strndup(p->s + st, p->pos - st)))
		return dlt_error_set(p->err, DLT_ENOMEM, "out of memory");
	return DLT_OK;
}

static bool ddl_keyword(ddl *p, const char *kw)
{
	size_t n = strlen(kw);
	ddl_ws(p);
	if (strncasecmp(p->s + p->pos, kw, n) == 0 &&
	    !isalnum((unsigned char)p->s[p->pos + n]) && p->s[p->pos + n] != '_') {
		p->pos += n;
		return true;
	}
	return false;
}

static int ddl_type(ddl *p, struct ArrowSchema *out, const char *name, bool nullable);

/* name[:] type [NOT NULL] [COMMENT 'text'] */
static int ddl_field(ddl *p, struct ArrowSchema *out, bool colon)
{
	char *name = NULL, *comment = NULL;
	bool nullable = true;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = ddl_ident(p, &name)) < 0)
		return rc;
	if (colon)
		(void)ddl_char(p, ':');
	ddl_ws(p);
	if ((rc = ddl_type(p, out, name, true)) < 0) {
		memset(out, 0, sizeof(*out));
		dlt_free(name);
		return rc;
	}
	for (;;) {
		if (ddl_keyword(p, "not")) {
			if (!ddl_keyword(p, "null")) {
				rc = ddl_fail(p, "NULL after NOT");
				goto done;
			}
			nullable = false;
		} else if (ddl_keyword(p, "null")) {
			nullable = true;
		} else if (ddl_keyword(p, "comment")) {
			dlt_buf b = DLT_BUF_INIT;
			ddl_ws(p);
			if (p->s[p->pos] != '\'') {
				rc = ddl_fail(p, "a quoted comment");
				goto done;
			}
			p->pos++;
			for (;;) {
				char c = p->s[p->pos];
				if (!c) {
					dlt_buf_dispose(&b);
					rc = ddl_fail(p, "a closing quote");
					goto done;
				}
				p->pos++;
				if (c == '\'') {
					if (p->s[p->pos] != '\'')
						break;
					p->pos++;
				}
				if ((rc = dlt_buf_append_byte(&b, (uint8_t)c, p->err)) < 0)
					goto done;
			}
			if ((rc = dlt_buf_append_byte(&b, 0, p->err)) < 0)
				goto done;
			dlt_free(comment);
			comment = (char *)dlt_buf_detach(&b, NULL);
		} else {
			break;
		}
	}
	if (nullable)
		out->flags |= ARROW_FLAG_NULLABLE;
	else
		out->flags &= ~(int64_t)ARROW_FLAG_NULLABLE;
	if (comment) {
		const char *k = "comment";
		const char *v = comment;
		rc = dlt_schema__set_metadata(out, &k, &v, 1, p->err);
	}
done:
	if (rc < 0)
		dlt_schema__release(out);
	dlt_free(name);
	dlt_free(comment);
	return rc;
}

/* Fields up to `close` (0: end of text) into a struct schema `out`. */
static int ddl_fields(ddl *p, struct ArrowSchema *out, const char *name, bool nullable,
                      char close, bool colon)
{
	struct ArrowSchema tmp[1];
	struct ArrowSchema *fields = NULL;
	size_t n = 0, cap = 0;
	int rc = DLT_OK;

	ddl_ws(p);
	if (p->s[p->pos] != close || close == 0) {
		for (;;) {
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 8;
				struct ArrowSchema *nf = dlt_realloc(fields, nc * sizeof(*nf));
				if (!nf) {
					rc = dlt_error_set(p->err, DLT_ENOMEM, "out of memory");
					goto done;
				}
				fields = nf;
				cap = nc;
			}
			if ((rc = ddl_field(p, tmp, colon)) < 0)
				goto done;
			fields[n++] = tmp[0];
			if (!ddl_char(p, ','))
				break;
		}
	}
	ddl_ws(p);
	if (close ? !ddl_char(p, close) : p->s[p->pos] != 0) {
		char what[32];
		snprintf(what, sizeof(what), close ? "',' or '%c'" : "',' or end of text", close);
		rc = ddl_fail(p, what);
		goto done;
	}
	if (close == 0 && n == 0) {
		rc = ddl_fail(p, "a column");
		goto done;
	}
	if ((rc = dlt_schema__init(out, "+s", name, nullable ? ARROW_FLAG_NULLABLE : 0,
	                           (int64_t)n, p->err)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		*out->children[i] = fields[i];
		fields[i].release = NULL;
	}
done:
	for (size_t i = 0; i < n; i++)
		if (fields[i].release)
			fields[i].release(&fields[i]);
	dlt_free(fields);
	return rc;
}

static int ddl_type(ddl *p, struct ArrowSchema *out, const char *name, bool nullable)
{
	static const struct { const char *kw, *fmt; } prim[] = {
		{ "tinyint", "c" }, { "byte", "c" }, { "smallint", "s" }, { "short", "s" },
		{ "integer", "i" }, { "int", "i" }, { "bigint", "l" }, { "long", "l" },
		{ "float", "f" }, { "real", "f" }, { "double", "g" }, { "string", "u" },
		{ "binary", "z" }, { "boolean", "b" }, { "bool", "b" }, { "date", "tdD" },
		{ "timestamp_ntz", "tsu:" }, { "timestamp", "tsu:UTC" },
	};
	int rc;

	if (++p->depth > MAX_DEPTH)
		return dlt_error_set(p->err, DLT_ELIMIT, "schema ddl: types nest too deeply");
	ddl_ws(p);
	if (ddl_keyword(p, "decimal") || ddl_keyword(p, "dec") || ddl_keyword(p, "numeric")) {
		unsigned long prec = 10, scale = 0;
		char fmt[32], *end;
		if (ddl_char(p, '(')) {
			ddl_ws(p);
			prec = strtoul(p->s + p->pos, &end, 10);
			if (end == p->s + p->pos)
				return ddl_fail(p, "a precision");
			p->pos = (size_t)(end - p->s);
			if (ddl_char(p, ',')) {
				ddl_ws(p);
				scale = strtoul(p->s + p->pos, &end, 10);
				if (end == p->s + p->pos)
					return ddl_fail(p, "a scale");
				p->pos = (size_t)(end - p->s);
			}
			if (!ddl_char(p, ')'))
				return ddl_fail(p, "')'");
		}
		if (prec < 1 || prec > 38 || scale > prec)
			return dlt_error_set(p->err, DLT_EINVAL, "schema ddl: column '%s': decimal(%lu,%lu) "
			                     "out of range (precision 1..38, scale <= precision)", name,
			                     prec, scale);
		snprintf(fmt, sizeof(fmt), "d:%lu,%lu", prec, scale);
		rc = dlt_schema__init_leaf(out, fmt, name, nullable, p->err);
	} else if (ddl_keyword(p, "array")) {
		if (!ddl_char(p, '<'))
			return ddl_fail(p, "'<'");
		if ((rc = dlt_schema__init(out, "+l", name, nullable ? ARROW_FLAG_NULLABLE : 0, 1,
		                           p->err)) < 0)
			return rc;
		if ((rc = ddl_type(p, out->children[0], "element", true)) < 0) {
			dlt_schema__release(out);
			return rc;
		}
		if (!ddl_char(p, '>')) {
			dlt_schema__release(out);
			return ddl_fail(p, "'>'");
		}
	} else if (ddl_keyword(p, "map")) {
		struct ArrowSchema *e;
		if (!ddl_char(p, '<'))
			return ddl_fail(p, "'<'");
		if ((rc = dlt_schema__init(out, "+m", name, nullable ? ARROW_FLAG_NULLABLE : 0, 1,
		                           p->err)) < 0)
			return rc;
		e = out->children[0];
		if ((rc = dlt_schema__init(e, "+s", "entries", 0, 2, p->err)) < 0 ||
		    (rc = ddl_type(p, e->children[0], "key", false)) < 0) {
			dlt_schema__release(out);
			return rc;
		}
		if (!ddl_char(p, ',')) {
			dlt_schema__release(out);
			return ddl_fail(p, "','");
		}
		if ((rc = ddl_type(p, e->children[1], "value", true)) < 0) {
			dlt_schema__release(out);
			return rc;
		}
		if (!ddl_char(p, '>')) {
			dlt_schema__release(out);
			return ddl_fail(p, "'>'");
		}
	} else if (ddl_keyword(p, "struct")) {
		if (!ddl_char(p, '<'))
			return ddl_fail(p, "'<'");
		rc = ddl_fields(p, out, name, nullable, '>', true);
	} else {
		size_t i;
		for (i = 0; i < sizeof(prim) / sizeof(prim[0]); i++)
			if (ddl_keyword(p, prim[i].kw))
				break;
		if (i == sizeof(prim) / sizeof(prim[0]))
			return ddl_fail(p, "a type");
		rc = dlt_schema__init_leaf(out, prim[i].fmt, name, nullable, p->err);
	}
	p->depth--;
	return rc;
}

int dlt_schema_parse_ddl(struct ArrowSchema *out, const char *text, dlt_error *err)
{
	ddl p;

	DLT_ARG_CHECK(out != NULL, err);
	memset(out, 0, sizeof(*out));
	DLT_ARG_CHECK(text != NULL, err);
	p.s = text;
	p.pos = 0;
	p.err = err;
	p.depth = 0;
	return ddl_fields(&p, out, "", false, 0, false);
}
