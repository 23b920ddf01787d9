/* NDJSON reader: one JSON object per line to Arrow record batches, over
 * jansson (json_loadb per line) and the Arrow builders (see deltalite/text.h). */
#include "csv/csv.h"

#include "arrow/arrow.h"
#include "util/parse.h"

#include <jansson.h>
#include <stdio.h>

#define CHUNK ((size_t)1 << 20)
#define DEFAULT_BATCH 65536
#define DEFAULT_INFER 10000
#define MAX_DEPTH 64

/* ---------- lines ---------- */

typedef struct line_reader {
	dlt_input *in;
	uint64_t in_pos;
	bool eof;
	uint8_t *buf;
	size_t cap, start, end;
	int64_t line; /* number of the last line returned */
} line_reader;

static int lr_refill(line_reader *r, dlt_error *err)
{
	int rc;
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		size_t nc;
		uint8_t *nb;
		if (dlt_mul_overflow(r->cap, 2, &nc) || nc > ((size_t)1 << 40))
			return dlt_error_set(err, DLT_ELIMIT, "%s: line too long", dlt_input_name(r->in));
		nb = dlt_realloc(r->buf, nc);
		if (!nb)
			return dlt_error_set(err, DLT_ENOMEM, "%s: out of memory for a %zu-byte line",
			                     dlt_input_name(r->in), nc);
		r->buf = nb;
		r->cap = nc;
	}
	while (r->end < r->cap) {
		size_t got = 0;
		if ((rc = dlt_input_read_at(r->in, r->in_pos, r->buf + r->end, r->cap - r->end, &got,
		                            err)) < 0)
			return rc;
		if (got == 0) {
			r->eof = true;
			break;
		}
		r->end += got;
		r->in_pos += got;
	}
	return DLT_OK;
}

/* Next non-blank line: 1 with *p and *n set, 0 at end, < 0 error. */
static int lr_next(line_reader *r, const char **p, size_t *n, dlt_error *err)
{
	for (;;) {
		uint8_t *s = r->buf + r->start, *e = r->buf + r->end, *nl;
		int rc;
		nl = s < e ? memchr(s, '\n', (size_t)(e - s)) : NULL;
		if (!nl && !r->eof) {
			if ((rc = lr_refill(r, err)) < 0)
				return rc;
			continue;
		}
		if (!nl && s == e)
			return 0;
		if (!nl)
			nl = e;
		r->line++;
		r->start = (size_t)(nl - r->buf) + (nl < e);
		{
			uint8_t *q = s;
			while (q < nl && (*q == ' ' || *q == '\t' || *q == '\r'))
				q++;
			if (q == nl)
				continue; /* blank */
		}
		*p = (const char *)s;
		*n = (size_t)(nl - s);
		return 1;
	}
}

/* ---------- inference ---------- */

enum { T_NONE, T_BOOL, T_INT, T_DOUBLE, T_STRING, T_LIST, T_STRUCT, T_TEXT };

typedef struct itype {
	int kind;
	struct itype *elem;
	char **names;
	struct itype **kids;
	size_t n, cap;
} itype;

static void itype_clear(itype *t)
{
	size_t k;
	if (t->elem) {
		itype_clear(t->elem);
		dlt_free(t->elem);
	}
	for (k = 0; k < t->n; k++) {
		dlt_free(t->names[k]);
		itype_clear(t->kids[k]);
		dlt_free(t->kids[k]);
	}
	dlt_free(t->names);
	dlt_free(t->kids);
	memset(t, 0, sizeof(*t));
}

static int json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_TRUE: case JSON_FALSE: return T_BOOL;
	case JSON_INTEGER: return T_INT;
	case JSON_REAL: return T_DOUBLE;
	case JSON_STRING: return T_STRING;
	case JSON_ARRAY: return T_LIST;
	case JSON_OBJECT: return T_STRUCT;
	default: return T_NONE;
	}
}

static int merge(itype *t, const json_t *v, int depth, dlt_error *err);

static int merge_object(itype *t, const json_t *v, int depth, dlt_error *err)
{
	const char *key;
	json_t *val;
	int rc;
	json_object_foreach((json_t *)v, key, val) {
		size_t k;
		for (k = 0; k < t->n; k++)
			if (strcmp(t->names[k], key) == 0)
				break;
		if (k == t->n) {
			if (t->n == t->cap) {
				size_t nc = t->cap ? t->cap * 2 : 8;
				char **nn = dlt_realloc(t->names, nc * sizeof(char *));
				itype **nk;
				if (!nn)
					return dlt_error_set(err, DLT_ENOMEM, "ndjson: out of memory");
				t->names = nn;
				nk = dlt_realloc(t->kids, nc * sizeof(itype *));
				if (!nk)
					return dlt_error_set(err, DLT_ENOMEM, "ndjson: out of memory");
				t->kids = nk;
				t->cap = nc;
			}
			t->names[k] = dlt_strdup(key);
			t->kids[k] = dlt_calloc(1, sizeof(itype));
			if (!t->names[k] || !t->kids[k]) {
				dlt_free(t->names[k]);
				dlt_free(t->kids[k]);
				return dlt_error_set(err, DLT_ENOMEM, "ndjson: out of memory");
			}
			t->n++;
		}
		if ((rc = merge(t->kids[k], val, depth + 1, err)) < 0)
			return rc;
	}
	return DLT_OK;
}

static int merge(itype *t, const json_t *v, int depth, dlt_error *err)
{
	int k = json_kind(v);
	if (depth > MAX_DEPTH)
		return dlt_error_set(err, DLT_ELIMIT, "ndjson: nesting deeper than %d", MAX_DEPTH);
	if (k == T_NONE || t->kind == T_TEXT)
		return DLT_OK;
	if (t->kind == T_NONE)
		t->kind = k;
	else if (t->kind == T_INT && k == T_DOUBLE)
		t->kind = T_DOUBLE;
	else if (t->kind == T_DOUBLE && k == T_INT)
		k = T_DOUBLE;
	if (t->kind != k) {
		itype_clear(t);
		t->kind = T_TEXT;
		return DLT_OK;
	}
	if (k == T_LIST) {
		size_t i;
		if (!t->elem && !(t->elem = dlt_calloc(1, sizeof(itype))))
			return dlt_error_set(err, DLT_ENOMEM, "ndjson: out of memory");
		for (i = 0; i < json_array_size(v); i++) {
			int rc = merge(t->elem, json_array_get(v, i), depth + 1, err);
			if (rc < 0)
				return rc;
		}
	} else if (k == T_STRUCT) {
		return merge_object(t, v, depth, err);
	}
	return DLT_OK;
}

static int to_schema(struct ArrowSchema *s, const itype *t, const char *name, dlt_error *err)
{
	int rc;
	size_t k;
	switch (t->kind) {
	case T_NONE: return dlt_schema__init_leaf(s, "n", name, true, err);
	case T_BOOL: return dlt_schema__init_leaf(s, "b", name, true, err);
	case T_INT: return dlt_schema__init_leaf(s, "l", name, true, err);
	case T_DOUBLE: return dlt_schema__init_leaf(s, "g", name, true, err);
	case T_LIST: {
		itype none;
		memset(&none, 0, sizeof(none));
		if ((rc = dlt_schema__init(s, "+l", name, ARROW_FLAG_NULLABLE, 1, err)) < 0)
			return rc;
		return to_schema(s->children[0], t->elem ? t->elem : &none, "item", err);
	}
	case T_STRUCT:
		if ((rc = dlt_schema__init(s, "+s", name, ARROW_FLAG_NULLABLE, (int64_t)t->n, err)) < 0)
			return rc;
		for (k = 0; k < t->n; k++)
			if ((rc = to_schema(s->children[k], t->kids[k], t->names[k], err)) < 0)
				return rc;
		return DLT_OK;
	default:
		return dlt_schema__init_leaf(s, "u", name, true, err);
	}
}

/* ---------- conversion ---------- */

typedef struct nd_reader {
	line_reader lr;
	struct ArrowSchema schema;
	dlt_builder *b;
	int64_t batch_rows;
	bool done;
	int failed;
} nd_reader;

static int bad_value(nd_reader *r, dlt_error *err, const struct ArrowSchema *s, const char *why)
{
	char desc[64];
	int rc = dlt_error_set(err, DLT_ECORRUPT, "%s: line %" PRId64 ": field '%s': %s (type %s)",
	                       dlt_input_name(r->lr.in), r->lr.line, s->name ? s->name : "", why,
	                       dlt_arrow__format_describe(s->format, desc, sizeof(desc)));
	dlt_error__set_row(err, r->lr.line);
	return rc;
}

static const char *kind_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static int append_value(nd_reader *r, dlt_builder *b, const json_t *v, int depth, dlt_error *err);

static int append_text(dlt_builder *b, const json_t *v, dlt_error *err)
{
	char *s;
	int rc;
	if (json_is_string(v))
		return dlt_builder__append_bytes(b, json_string_value(v), json_string_length(v), err);
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
	if (!s)
		return dlt_error_set(err, DLT_ENOMEM, "ndjson: out of memory");
	rc = dlt_builder__append_bytes(b, s, strlen(s), err);
	free(s); /* jansson's allocator */
	return rc;
}

static int append_value(nd_reader *r, dlt_builder *b, const json_t *v, int depth, dlt_error *err)
{
	const dlt_type_view *tv = dlt_builder__type(b);
	const struct ArrowSchema *s = dlt_builder__schema(b);
	char msg[96];
	int rc = DLT_OK;
	if (depth > MAX_DEPTH)
		return dlt_error_set(err, DLT_ELIMIT, "ndjson: nesting deeper than %d", MAX_DEPTH);
	if (!v || json_is_null(v))
		return dlt_builder__append_null(b, err);
	switch (tv->type) {
	case DLT_AT_NA:
		return bad_value(r, err, s, "value in a null column");
	case DLT_AT_BOOL:
		if (!json_is_boolean(v))
			goto mismatch;
		rc = dlt_builder__append_bool(b, json_is_true(v), err);
		break;
	case DLT_AT_INT8: case DLT_AT_INT16: case DLT_AT_INT32: case DLT_AT_INT64:
	case DLT_AT_UINT8: case DLT_AT_UINT16: case DLT_AT_UINT32: case DLT_AT_UINT64:
	case DLT_AT_DURATION:
		if (!json_is_integer(v))
			goto mismatch;
		rc = dlt_builder__append_int(b, (int64_t)json_integer_value(v), err);
		break;
	case DLT_AT_FLOAT16: case DLT_AT_FLOAT32: case DLT_AT_FLOAT64:
		if (json_is_number(v)) {
			rc = dlt_builder__append_double(b, json_number_value(v), err);
		} else if (json_is_string(v)) {
			double d;
			if (dlt_parse_double(json_string_value(v), json_string_length(v), &d) !=
			    DLT_PARSE_OK)
				goto mismatch;
			rc = dlt_builder__append_double(b, d, err);
		} else {
			goto mismatch;
		}
		break;
	case DLT_AT_DECIMAL128: case DLT_AT_DECIMAL256: {
		uint64_t w[4];
		int nw = tv->type == DLT_AT_DECIMAL128 ? 2 : 4;
		char num[64];
		const char *txt;
		size_t len;
		if (json_is_string(v)) {
			txt = json_string_value(v);
			len = json_string_length(v);
		} else if (json_is_integer(v)) {
			len = (size_t)snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			                       json_integer_value(v));
			txt = num;
		} else if (json_is_real(v)) {
			len = dlt_format_double(num, json_real_value(v));
			txt = num;
		} else {
			goto mismatch;
		}
		if (dlt_parse_decimal(txt, len, tv->precision, tv->scale, w, nw) != DLT_PARSE_OK)
			return bad_value(r, err, s, "decimal value does not fit");
		rc = dlt_builder__append_decimal(b, w, nw, err);
		break;
	}
	case DLT_AT_DATE32: case DLT_AT_DATE64: case DLT_AT_TIME32: case DLT_AT_TIME64:
	case DLT_AT_TIMESTAMP: {
		int64_t x;
		int prc;
		if (json_is_integer(v)) {
			rc = dlt_builder__append_int(b, (int64_t)json_integer_value(v), err);
			break;
		}
		if (!json_is_string(v))
			goto mismatch;
		if (tv->type == DLT_AT_DATE32 || tv->type == DLT_AT_DATE64) {
			int32_t d;
			prc = dlt_parse_date32(json_string_value(v), json_string_length(v), &d);
			x = tv->type == DLT_AT_DATE32 ? d : (int64_t)d * 86400000;
		} else if (tv->type == DLT_AT_TIMESTAMP) {
			bool tz;
			prc = dlt_parse_timestamp(json_string_value(v), json_string_length(v),
			                          (int)tv->unit, &x, &tz);
		} else {
			prc = dlt_parse_time(json_string_value(v), json_string_length(v), (int)tv->unit,
			                     &x);
		}
		if (prc != DLT_PARSE_OK)
			return bad_value(r, err, s, "cannot read the string as a date/time");
		rc = dlt_builder__append_int(b, x, err);
		break;
	}
	case DLT_AT_STRING: case DLT_AT_LARGE_STRING:
		rc = append_text(b, v, err);
		break;
	case DLT_AT_BINARY: case DLT_AT_LARGE_BINARY: case DLT_AT_FIXED_BINARY: {
		dlt_buf raw = DLT_BUF_INIT;
		if (!json_is_string(v))
			goto mismatch;
		if (dlt_base64_decode(&raw, json_string_value(v), json_string_length(v), err) < 0) {
			dlt_buf_dispose(&raw);
			return bad_value(r, err, s, "binary value is not base64");
		}
		rc = dlt_builder__append_bytes(b, raw.data ? raw.data : (const uint8_t *)"", raw.len,
		                               err);
		dlt_buf_dispose(&raw);
		break;
	}
	case DLT_AT_STRUCT: {
		int64_t k;
		if (!json_is_object(v))
			goto mismatch;
		for (k = 0; k < dlt_builder__n_children(b); k++) {
			dlt_builder *c = dlt_builder__child(b, k);
			const char *nm = dlt_builder__schema(c)->name;
			if ((rc = append_value(r, c, json_object_get(v, nm ? nm : ""), depth + 1, err)) < 0)
				return rc;
		}
		rc = dlt_builder__append_valid(b, err);
		break;
	}
	case DLT_AT_LIST: case DLT_AT_LARGE_LIST: case DLT_AT_FIXED_LIST: {
		size_t i;
		dlt_builder *c = dlt_builder__child(b, 0);
		if (!json_is_array(v))
			goto mismatch;
		if (tv->type == DLT_AT_FIXED_LIST && json_array_size(v) != (size_t)tv->byte_width)
			return bad_value(r, err, s, "array has the wrong length");
		for (i = 0; i < json_array_size(v); i++)
			if ((rc = append_value(r, c, json_array_get(v, i), depth + 1, err)) < 0)
				return rc;
		rc = dlt_builder__append_valid(b, err);
		break;
	}
	case DLT_AT_MAP: {
		dlt_builder *ent = dlt_builder__child(b, 0);
		dlt_builder *kb = dlt_builder__child(ent, 0), *vb = dlt_builder__child(ent, 1);
		if (json_is_object(v)) {
			const char *key;
			json_t *val;
			json_object_foreach((json_t *)v, key, val) {
				if ((rc = dlt_builder__append_bytes(kb, key, strlen(key), err)) < 0 ||
				    (rc = append_value(r, vb, val, depth + 1, err)) < 0 ||
				    (rc = dlt_builder__append_valid(ent, err)) < 0)
					return rc;
			}
		} else if (json_is_array(v)) {
			size_t i;
			for (i = 0; i < json_array_size(v); i++) {
				json_t *e = json_array_get(v, i);
				if (!json_is_object(e))
					return bad_value(r, err, s, "map entry is not an object");
				if ((rc = append_value(r, kb, json_object_get(e, "key"), depth + 1, err)) < 0 ||
				    (rc = append_value(r, vb, json_object_get(e, "value"), depth + 1, err)) < 0 ||
				    (rc = dlt_builder__append_valid(ent, err)) < 0)
					return rc;
			}
		} else {
			goto mismatch;
		}
		rc = dlt_builder__append_valid(b, err);
		break;
	}
	default:
		return dlt_error_set(err, DLT_EUNSUPPORTED, "ndjson: field '%s': type '%s' is not "
		                     "supported", s->name ? s->name : "", s->format);
	}
	if (rc == DLT_ESCHEMA) /* out of range for the type */
		return bad_value(r, err, s, "value out of range");
	return rc;
mismatch:
	snprintf(msg, sizeof(msg), "unexpected %s", kind_name(v));
	return bad_value(r, err, s, msg);
}

static int parse_line(nd_reader *r, const char *p, size_t n, json_t **out, dlt_error *err)
{
	json_error_t je;
	json_t *v = json_loadb(p, n, JSON_ALLOW_NUL, &je);
	if (!v || !json_is_object(v)) {
		int rc = dlt_error_set(err, DLT_ECORRUPT, "%s: line %" PRId64 ": %s%s",
		                       dlt_input_name(r->lr.in), r->lr.line,
		                       v ? "not a JSON object" : "invalid JSON: ", v ? "" : je.text);
		dlt_error__set_row(err, r->lr.line);
		json_decref(v);
		return rc;
	}
	*out = v;
	return DLT_OK;
}

static int nd_next(void *state, struct ArrowArray *out, dlt_error *err)
{
	nd_reader *r = state;
	int64_t rows = 0, k;
	int rc;
	if (r->failed)
		return r->failed;
	if (r->done)
		return DLT_OK;
	while (rows < r->batch_rows) {
		const char *p;
		size_t n;
		json_t *v = NULL;
		if ((rc = lr_next(&r->lr, &p, &n, err)) < 0)
			goto fail;
		if (rc == 0) {
			r->done = true;
			break;
		}
		if ((rc = parse_line(r, p, n, &v, err)) < 0)
			goto fail;
		for (k = 0; k < dlt_builder__n_children(r->b) && rc >= 0; k++) {
			dlt_builder *c = dlt_builder__child(r->b, k);
			const char *nm = dlt_builder__schema(c)->name;
			rc = append_value(r, c, json_object_get(v, nm ? nm : ""), 0, err);
		}
		json_decref(v);
		if (rc < 0 || (rc = dlt_builder__append_valid(r->b, err)) < 0)
			goto fail;
		rows++;
	}
	if (rows == 0)
		return DLT_OK;
	if ((rc = dlt_builder__finish(out, r->b, err)) < 0)
		goto fail;
	return DLT_OK;
fail:
	r->failed = rc;
	return rc;
}

static void nd_free(void *state)
{
	nd_reader *r = state;
	if (!r)
		return;
	dlt_builder__free(r->b);
	dlt_schema__release(&r->schema);
	dlt_free(r->lr.buf);
	dlt_input_free(r->lr.in);
	dlt_free(r);
}

int dlt_ndjson_read_options_init(dlt_ndjson_read_options *opts, unsigned int version)
{
	dlt_ndjson_read_options d = DLT_NDJSON_READ_OPTIONS_INIT;
	if (!opts || version == 0 || version > DLT_NDJSON_READ_OPTIONS_VERSION)
		return DLT_EINVAL;
	d.version = version;
	*opts = d;
	return DLT_OK;
}

static int infer(nd_reader *r, int64_t limit, dlt_error *err)
{
	itype root;
	int64_t n = 0;
	int rc;
	memset(&root, 0, sizeof(root));
	root.kind = T_STRUCT;
	while (limit < 0 || n < limit) {
		const char *p;
		size_t len;
		json_t *v = NULL;
		if ((rc = lr_next(&r->lr, &p, &len, err)) < 0)
			goto done;
		if (rc == 0)
			break;
		if ((rc = parse_line(r, p, len, &v, err)) < 0)
			goto done;
		rc = merge_object(&root, v, 0, err);
		json_decref(v);
		if (rc < 0)
			goto done;
		n++;
	}
	if ((rc = to_schema(&r->schema, &root, NULL, err)) < 0)
		goto done;
	r->schema.flags = 0;
	/* start over at the first line */
	r->lr.start = r->lr.end = 0;
	r->lr.in_pos = 0;
	r->lr.eof = false;
	r->lr.line = 0;
done:
	itype_clear(&root);
	return rc;
}

int dlt_ndjson_read(struct ArrowArrayStream *out, dlt_input *in,
                    const dlt_ndjson_read_options *opts, dlt_error *err)
{
	dlt_ndjson_read_options o = DLT_NDJSON_READ_OPTIONS_INIT;
	nd_reader *r;
	struct ArrowSchema copy;
	int rc;
	if (!out || !in) {
		dlt_input_free(in);
		return dlt_error_set(err, DLT_EINVAL, "dlt_ndjson_read: output stream or input is NULL");
	}
	if (opts) {
		if (opts->version < 1 || opts->version > DLT_NDJSON_READ_OPTIONS_VERSION) {
			dlt_input_free(in);
			return dlt_error_set(err, DLT_EINVAL, "dlt_ndjson_read: unknown options version");
		}
		o = *opts;
	}
	r = dlt_calloc(1, sizeof(*r));
	if (!r) {
		dlt_input_free(in);
		return dlt_error_set(err, DLT_ENOMEM, "ndjson: out of memory");
	}
	r->lr.in = in;
	r->lr.cap = CHUNK;
	r->batch_rows = o.batch_rows > 0 ? o.batch_rows : DEFAULT_BATCH;
	r->lr.buf = dlt_malloc(CHUNK);
	if (!r->lr.buf) {
		rc = dlt_error_set(err, DLT_ENOMEM, "ndjson: out of memory");
		goto fail;
	}
	if (o.schema) {
		if ((rc = dlt_schema__copy(&r->schema, o.schema, err)) < 0)
			goto fail;
		if (!r->schema.format || strcmp(r->schema.format, "+s") != 0) {
			rc = dlt_error_set(err, DLT_EINVAL, "dlt_ndjson_read: schema must be a struct");
			goto fail;
		}
	} else if ((rc = infer(r, o.infer_rows == 0 ? DEFAULT_INFER : o.infer_rows < 0 ? -1
	                                                                              : o.infer_rows,
	                       err)) < 0) {
		goto fail;
	}
	if ((rc = dlt_builder__new(&r->b, &r->schema, err)) < 0 ||
	    (rc = dlt_schema__copy(&copy, &r->schema, err)) < 0)
		goto fail;
	return dlt_stream__new(out, &copy, nd_next, nd_free, r, err);
fail:
	nd_free(r);
	return rc;
}
