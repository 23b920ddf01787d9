/* Delta schema JSON (PROTOCOL.md#schema-serialization-format) to an Arrow
 * schema with logical names; Delta column metadata becomes field metadata. */
#include "log/log.h"
#include "arrow/arrow.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

static int to_arrow(struct ArrowSchema *out, json_t *type, const char *name, bool nullable,
                    json_t *meta, int depth, dlt_error *err);

static int dump_cb(const char *buffer, size_t size, void *data)
{
	return dlt_buf_append(data, buffer, size, NULL) < 0 ? -1 : 0;
}

/* Field metadata: the Delta column metadata, then n_extra more pairs. */
static int set_meta_n(struct ArrowSchema *s, json_t *meta, const char *const *extra_keys,
                      const char *const *extra_vals, size_t n_extra, dlt_error *err)
{
	size_t n = (meta && json_is_object(meta)) ? json_object_size(meta) : 0;
	size_t total = n + n_extra, i = 0;
	const char **keys, **vals;
	dlt_buf *bufs;
	const char *k;
	json_t *v;
	int rc = DLT_OK;

	if (total == 0)
		return DLT_OK;
	keys = dlt_calloc(total, sizeof(*keys));
	vals = dlt_calloc(total, sizeof(*vals));
	bufs = dlt_calloc(total, sizeof(*bufs));
	if (!keys || !vals || !bufs) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto done;
	}
	if (n) {
		json_object_foreach(meta, k, v) {
			keys[i] = k;
			if (json_is_string(v)) {
				vals[i] = json_string_value(v);
			} else {
				if (json_dump_callback(v, dump_cb, &bufs[i], JSON_COMPACT | JSON_ENCODE_ANY) !=
				            0 ||
				    dlt_buf_append_byte(&bufs[i], 0, err) < 0) {
					rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
					goto done;
				}
				vals[i] = (const char *)bufs[i].data;
			}
			i++;
		}
	}
	for (size_t e = 0; e < n_extra; e++, i++) {
		keys[i] = extra_keys[e];
		vals[i] = extra_vals[e];
	}
	rc = dlt_schema__set_metadata(s, keys, vals, i, err);
done:
	if (bufs)
		for (size_t j = 0; j < total; j++)
			dlt_buf_dispose(&bufs[j]);
	dlt_free(bufs);
	dlt_free(keys);
	dlt_free(vals);
	return rc;
}

static int set_meta(struct ArrowSchema *s, json_t *meta, const char *extra_key,
                    const char *extra_val, dlt_error *err)
{
	return set_meta_n(s, meta, &extra_key, &extra_val, extra_key ? 1 : 0, err);
}

/* [a, b) without surrounding spaces into dst; false if empty or too long. */
static bool copy_param(char *dst, size_t cap, const char *a, const char *b)
{
	while (a < b && *a == ' ')
		a++;
	while (b > a && b[-1] == ' ')
		b--;
	if (b == a || (size_t)(b - a) >= cap)
		return false;
	memcpy(dst, a, (size_t)(b - a));
	dst[b - a] = 0;
	return true;
}

/* geometry(<crs>) / geography(<crs>, <algorithm>) (the geospatial feature):
 * WKB in a binary column, described to Arrow consumers as the GeoArrow
 * extension type geoarrow.wkb with its CRS and, for geography, its edges;
 * "delta.type" keeps the Delta type. 1: not a geospatial type. */
static int geospatial(struct ArrowSchema *out, const char *t, const char *name, bool nullable,
                      json_t *meta, dlt_error *err)
{
	bool geog = strncmp(t, "geography", 9) == 0;
	const char *p;
	char crs[256] = "OGC:CRS84", edges[64] = "spherical";
	if (!geog && strncmp(t, "geometry", 8) != 0)
		return 1;
	p = t + (geog ? 9 : 8);
	if (*p == '(') { /* parameters; bare names take the defaults */
		const char *end = strrchr(p, ')'), *comma = strchr(p, ',');
		if (!end || end[1] != 0 || (comma && !geog))
			goto bad;
		if (!copy_param(crs, sizeof(crs), p + 1, comma ? comma : end) ||
		    (comma && !copy_param(edges, sizeof(edges), comma + 1, end)))
			goto bad;
	} else if (*p) {
		goto bad;
	}
	{
		static const char *const kEdges[] = { "spherical", "vincenty", "thomas", "andoyer",
		                                      "karney" };
		bool known = false;
		for (size_t i = 0; i < sizeof(kEdges) / sizeof(kEdges[0]); i++)
			known = known || strcmp(edges, kEdges[i]) == 0;
		if (!known)
			return dlt_error_set(err, DLT_EUNSUPPORTED,
			                     "schema: field '%s': unknown edge interpolation '%s' in '%s'",
			                     name, edges, t);
	}
	/* GeoArrow metadata: an SRID is given by number with its crs_type, an
	 * authority code as is; a projjson:<property> reference as written */
	json_t *gm = json_object();
	bool srid = strncmp(crs, "srid:", 5) == 0;
	if (!gm || json_object_set_new(gm, "crs", json_string(srid ? crs + 5 : crs)) < 0 ||
	    (srid && json_object_set_new(gm, "crs_type", json_string("srid")) < 0) ||
	    (!srid && strchr(crs, ':') && strncmp(crs, "projjson:", 9) != 0 &&
	     json_object_set_new(gm, "crs_type", json_string("authority_code")) < 0) ||
	    (geog && json_object_set_new(gm, "edges", json_string(edges)) < 0)) {
		json_decref(gm);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	char *gtext = json_dumps(gm, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(gm);
	if (!gtext)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	const char *keys[] = { "ARROW:extension:name", "ARROW:extension:metadata", "delta.type" };
	const char *vals[] = { "geoarrow.wkb", gtext, t };
	int rc = dlt_schema__init_leaf(out, "z", name, nullable, err);
	if (rc >= 0 && (rc = set_meta_n(out, meta, keys, vals, 3, err)) < 0)
		dlt_schema__release(out);
	free(gtext);
	return rc;
bad:
	return dlt_error_set(err, DLT_ECORRUPT, "schema: field '%s': bad %s type '%s'", name,
	                     geog ? "geography" : "geometry", t);
}

static int primitive(struct ArrowSchema *out, const char *t, const char *name, bool nullable,
                     json_t *meta, dlt_error *err)
{
	static const struct { const char *delta, *arrow; } map[] = {
		{ "string", "u" },   { "long", "l" },      { "integer", "i" },  { "short", "s" },
		{ "byte", "c" },     { "float", "f" },     { "double", "g" },   { "boolean", "b" },
		{ "binary", "z" },   { "date", "tdD" },    { "timestamp", "tsu:UTC" },
		{ "timestamp_ntz", "tsu:" }, { "void", "n" },
	};
	char fmt[64];
	const char *f = NULL;
	int rc;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(t, map[i].delta) == 0)
			f = map[i].arrow;
	if (!f && strncmp(t, "decimal", 7) == 0) {
		unsigned p = 0, s = 0;
		int got = sscanf(t, "decimal(%u , %u)", &p, &s);
		if (got != 2 || p < 1 || p > 38 || s > p || t[strlen(t) - 1] != ')')
			return dlt_error_set(err, DLT_ECORRUPT, "schema: field '%s': bad decimal type '%s'",
			                     name, t);
		snprintf(fmt, sizeof(fmt), "d:%u,%u", p, s);
		f = fmt;
	}
	if (!f && (strcmp(t, "variant") == 0)) {
		/* PROTOCOL.md#variant-data-type: a struct of two binaries */
		if ((rc = dlt_schema__init(out, "+s", name, nullable ? ARROW_FLAG_NULLABLE : 0, 2,
		                           err)) < 0)
			return rc;
		if ((rc = dlt_schema__init_leaf(out->children[0], "z", "metadata", false, err)) < 0 ||
		    (rc = dlt_schema__init_leaf(out->children[1], "z", "value", false, err)) < 0 ||
		    (rc = set_meta(out, meta, "delta.type", "variant", err)) < 0) {
			dlt_schema__release(out);
			return rc;
		}
		return DLT_OK;
	}
	if (!f && (rc = geospatial(out, t, name, nullable, meta, err)) <= 0)
		return rc;
	if (!f)
		return dlt_error_set(err, DLT_EUNSUPPORTED, "schema: field '%s': unsupported type '%s'",
		                     name, t);
	if ((rc = dlt_schema__init_leaf(out, f, name, nullable, err)) < 0)
		return rc;
	if ((rc = set_meta(out, meta, NULL, NULL, err)) < 0)
		dlt_schema__release(out);
	return rc;
}

/* ------------------------------------------------- type changes -- */

/* A primitive Delta type a recorded type change names (PROTOCOL.md "Type
 * Widening"): rank 1..4 for byte..long, else a kind; decimal precision/scale. */
typedef struct tc_type {
	enum { TC_OTHER, TC_INT, TC_FLOAT, TC_DOUBLE, TC_DATE, TC_TS_NTZ, TC_DECIMAL } kind;
	int rank;       /* TC_INT: 1 byte, 2 short, 3 integer, 4 long */
	unsigned p, s;  /* TC_DECIMAL */
} tc_type;

static tc_type tc_parse(const char *t)
{
	static const char *const ints[] = { "byte", "short", "integer", "long" };
	tc_type r = { TC_OTHER, 0, 0, 0 };
	for (int i = 0; i < 4; i++)
		if (strcmp(t, ints[i]) == 0) {
			r.kind = TC_INT;
			r.rank = i + 1;
			return r;
		}
	if (strcmp(t, "float") == 0)
		r.kind = TC_FLOAT;
	else if (strcmp(t, "double") == 0)
		r.kind = TC_DOUBLE;
	else if (strcmp(t, "date") == 0)
		r.kind = TC_DATE;
	else if (strcmp(t, "timestamp_ntz") == 0)
		r.kind = TC_TS_NTZ;
	else if (strncmp(t, "decimal(", 8) == 0 && t[8] >= '0' && t[8] <= '9' &&
	         t[strlen(t) - 1] == ')' && sscanf(t, "decimal(%u , %u)", &r.p, &r.s) == 2 &&
	         r.p >= 1 && r.p <= 38 && r.s <= r.p)
		r.kind = TC_DECIMAL;
	return r;
}

/* The type changes readers support: byte -> short -> integer -> long;
 * float -> double; byte, short, integer -> double; date -> timestamp_ntz;
 * decimal(p, s) -> decimal(p + k1, s + k2) with k1 >= k2 >= 0 (no integer
 * digit lost); an integer type -> a decimal with at least as many integer
 * digits (3 byte, 5 short, 10 integer, 20 long: the spec's decimal(10 + k1, k2)
 * and decimal(20 + k1, k2), and the narrower ones Delta writes for byte and
 * short, e.g. byte -> decimal(4, 1)). An unchanged type is no change. */
static bool tc_supported(const char *from_s, const char *to_s)
{
	static const unsigned digits[5] = { 0, 3, 5, 10, 20 };
	tc_type f = tc_parse(from_s), t = tc_parse(to_s);
	if (f.kind == TC_OTHER || t.kind == TC_OTHER)
		return false;
	switch (f.kind) {
	case TC_INT:
		if (t.kind == TC_INT)
			return f.rank <= t.rank;
		if (t.kind == TC_DOUBLE)
			return f.rank <= 3;
		return t.kind == TC_DECIMAL && t.p - t.s >= digits[f.rank];
	case TC_FLOAT:
		return t.kind == TC_FLOAT || t.kind == TC_DOUBLE;
	case TC_DOUBLE:
		return t.kind == TC_DOUBLE;
	case TC_DATE:
		return t.kind == TC_DATE || t.kind == TC_TS_NTZ;
	case TC_TS_NTZ:
		return t.kind == TC_TS_NTZ;
	case TC_DECIMAL:
		return t.kind == TC_DECIMAL && t.s >= f.s && t.p - t.s >= f.p - f.s;
	default:
		return false;
	}
}

/* Readers must fail on a recorded type change they do not support
 * (PROTOCOL.md "Reader Requirements for Type Widening"): check the
 * delta.typeChanges list in a field's metadata. */
static int check_type_changes(json_t *meta, const char *name, dlt_error *err)
{
	json_t *tc = json_is_object(meta) ? json_object_get(meta, "delta.typeChanges") : NULL;
	json_t *parsed = NULL;
	int rc = DLT_OK;
	if (!tc)
		return DLT_OK;
	if (json_is_string(tc)) /* a list written as JSON text */
		tc = parsed = json_loads(json_string_value(tc), 0, NULL);
	if (!json_is_array(tc)) {
		json_decref(parsed);
		return dlt_error_set(err, DLT_ECORRUPT,
		                     "schema: field '%s': delta.typeChanges is not a list", name);
	}
	for (size_t i = 0; i < json_array_size(tc) && rc >= 0; i++) {
		json_t *e = json_array_get(tc, i);
		json_t *from = json_object_get(e, "fromType"), *to = json_object_get(e, "toType");
		json_t *fp = json_object_get(e, "fieldPath");
		if (!json_is_object(e) || !json_is_string(from) || !json_is_string(to) ||
		    (fp && !json_is_string(fp))) {
			rc = dlt_error_set(err, DLT_ECORRUPT,
			                   "schema: field '%s': delta.typeChanges entry %zu lacks a "
			                   "fromType or toType string", name, i);
			break;
		}
		if (!tc_supported(json_string_value(from), json_string_value(to)))
			rc = dlt_error_set(err, DLT_EUNSUPPORTED,
			                   "schema: field '%s%s%s': unsupported type change from '%s' to "
			                   "'%s' (delta.typeChanges)", name, fp ? "." : "",
			                   fp ? json_string_value(fp) : "", json_string_value(from),
			                   json_string_value(to));
	}
	json_decref(parsed);
	return rc;
}

static int struct_fields(struct ArrowSchema *out, json_t *type, const char *name, bool nullable,
                         json_t *meta, int depth, dlt_error *err)
{
	json_t *fields = json_object_get(type, "fields");
	size_t n;
	int rc;
	if (!json_is_array(fields))
		return dlt_error_set(err, DLT_ECORRUPT, "schema: struct '%s': 'fields' is not an array",
		                     name ? name : "");
	n = json_array_size(fields);
	if ((rc = dlt_schema__init(out, "+s", name, nullable ? ARROW_FLAG_NULLABLE : 0,
	                           (int64_t)n, err)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		json_t *f = json_array_get(fields, i);
		json_t *fn = json_object_get(f, "name");
		json_t *ft = json_object_get(f, "type");
		json_t *fnull = json_object_get(f, "nullable");
		if (!json_is_object(f) || !json_is_string(fn) || !ft) {
			rc = dlt_error_set(err, DLT_ECORRUPT,
			                   "schema: struct '%s': field %zu lacks a name or type",
			                   name ? name : "", i);
			goto fail;
		}
		if (fnull && !json_is_boolean(fnull)) {
			rc = dlt_error_set(err, DLT_ECORRUPT,
			                   "schema: field '%s': 'nullable' is not a boolean",
			                   json_string_value(fn));
			goto fail;
		}
		if ((rc = check_type_changes(json_object_get(f, "metadata"), json_string_value(fn),
		                             err)) < 0)
			goto fail;
		if ((rc = to_arrow(out->children[i], ft, json_string_value(fn),
		                   !fnull || json_is_true(fnull), json_object_get(f, "metadata"),
		                   depth + 1, err)) < 0)
			goto fail;
	}
	if ((rc = set_meta(out, meta, NULL, NULL, err)) < 0)
		goto fail;
	return DLT_OK;
fail:
	dlt_schema__release(out);
	return rc;
}

static int to_arrow(struct ArrowSchema *out, json_t *type, const char *name, bool nullable,
                    json_t *meta, int depth, dlt_error *err)
{
	const char *t;
	int rc;

	if (depth > MAX_DEPTH)
		return dlt_error_set(err, DLT_ELIMIT, "schema: nesting deeper than %d", MAX_DEPTH);
	if (json_is_string(type))
		return primitive(out, json_string_value(type), name, nullable, meta, err);
	if (!json_is_object(type) || !json_is_string(json_object_get(type, "type")))
		return dlt_error_set(err, DLT_ECORRUPT, "schema: field '%s': malformed type",
		                     name ? name : "");
	t = json_string_value(json_object_get(type, "type"));
	if (strcmp(t, "struct") == 0)
		return struct_fields(out, type, name, nullable, meta, depth, err);
	if (strcmp(t, "array") == 0) {
		json_t *et = json_object_get(type, "elementType");
		json_t *cn = json_object_get(type, "containsNull");
		if (!et)
			return dlt_error_set(err, DLT_ECORRUPT, "schema: array '%s' lacks elementType",
			                     name ? name : "");
		if ((rc = dlt_schema__init(out, "+l", name, nullable ? ARROW_FLAG_NULLABLE : 0, 1,
		                           err)) < 0)
			return rc;
		if ((rc = to_arrow(out->children[0], et, "element", !cn || json_is_true(cn), NULL,
		                   depth + 1, err)) < 0 ||
		    (rc = set_meta(out, meta, NULL, NULL, err)) < 0) {
			dlt_schema__release(out);
			return rc;
		}
		return DLT_OK;
	}
	if (strcmp(t, "map") == 0) {
		json_t *kt = json_object_get(type, "keyType");
		json_t *vt = json_object_get(type, "valueType");
		json_t *vcn = json_object_get(type, "valueContainsNull");
		struct ArrowSchema *e;
		if (!kt || !vt)
			return dlt_error_set(err, DLT_ECORRUPT, "schema: map '%s' lacks key or value type",
			                     name ? name : "");
		if ((rc = dlt_schema__init(out, "+m", name, nullable ? ARROW_FLAG_NULLABLE : 0, 1,
		                           err)) < 0)
			return rc;
		e = out->children[0];
		if ((rc = dlt_schema__init(e, "+s", "entries", 0, 2, err)) < 0 ||
		    (rc = to_arrow(e->children[0], kt, "key", false, NULL, depth + 1, err)) < 0 ||
		    (rc = to_arrow(e->children[1], vt, "value", !vcn || json_is_true(vcn), NULL,
		                   depth + 1, err)) < 0 ||
		    (rc = set_meta(out, meta, NULL, NULL, err)) < 0) {
			dlt_schema__release(out);
			return rc;
		}
		return DLT_OK;
	}
	return dlt_error_set(err, DLT_EUNSUPPORTED, "schema: field '%s': unsupported type '%s'",
	                     name ? name : "", t);
}

int dlt_log__schema_to_arrow(struct ArrowSchema *out, const char *schema_json, dlt_error *err)
{
	json_error_t je;
	json_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	root = json_loads(schema_json, 0, &je);
	if (!root)
		return dlt_error_set(err, DLT_ECORRUPT, "schemaString: malformed JSON at column %d: %s",
		                     je.column, je.text);
	if (!json_is_object(root) ||
	    !json_is_string(json_object_get(root, "type")) ||
	    strcmp(json_string_value(json_object_get(root, "type")), "struct") != 0) {
		json_decref(root);
		return dlt_error_set(err, DLT_ECORRUPT, "schemaString: not a struct type");
	}
	rc = struct_fields(out, root, "", false, NULL, 0, err);
	json_decref(root);
	if (rc < 0)
		dlt_error_prefix(err, "metaData.schemaString");
	return rc;
}
