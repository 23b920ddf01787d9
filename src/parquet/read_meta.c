/* Introspection of an opened Parquet file: the schema as text (parquet-tools
 * style) and the footer as JSON (row groups, column chunks, statistics). */
#include "parquet/read.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const char *lower_type(int t)
{
	switch (t) {
	case DLT_PQ_TYPE_BOOLEAN: return "boolean";
	case DLT_PQ_TYPE_INT32: return "int32";
	case DLT_PQ_TYPE_INT64: return "int64";
	case DLT_PQ_TYPE_INT96: return "int96";
	case DLT_PQ_TYPE_FLOAT: return "float";
	case DLT_PQ_TYPE_DOUBLE: return "double";
	case DLT_PQ_TYPE_BYTE_ARRAY: return "binary";
	case DLT_PQ_TYPE_FIXED_LEN_BYTE_ARRAY: return "fixed_len_byte_array";
	default: return "unknown";
	}
}

static const char *unit_name(int u)
{
	return u == DLT_PQ_UNIT_MILLIS ? "MILLIS" : u == DLT_PQ_UNIT_MICROS ? "MICROS" : "NANOS";
}

/* " (ANNOTATION)" of an element, or "". */
static void annotation(char *buf, size_t cap, const dlt_pq_schema_element *el)
{
	const dlt_pq_logical_type *lt = &el->logical;
	buf[0] = 0;
	switch (lt->kind) {
	case DLT_PQ_LT_NONE:
		if (el->has_converted_type) {
			if (el->converted_type == DLT_PQ_CT_DECIMAL)
				snprintf(buf, cap, " (DECIMAL(%d,%d))", (int)el->precision, (int)el->scale);
			else
				snprintf(buf, cap, " (%s)", dlt_pq__converted_type_name(el->converted_type));
		}
		return;
	case DLT_PQ_LT_DECIMAL:
		snprintf(buf, cap, " (DECIMAL(%d,%d))", (int)lt->precision, (int)lt->scale);
		return;
	case DLT_PQ_LT_TIME:
	case DLT_PQ_LT_TIMESTAMP:
		snprintf(buf, cap, " (%s(%s,%s))", lt->kind == DLT_PQ_LT_TIME ? "TIME" : "TIMESTAMP",
		         unit_name(lt->unit), lt->is_adjusted_to_utc ? "true" : "false");
		return;
	case DLT_PQ_LT_INTEGER:
		snprintf(buf, cap, " (INTEGER(%d,%s))", (int)lt->bit_width,
		         lt->is_signed ? "true" : "false");
		return;
	default:
		snprintf(buf, cap, " (%s)", dlt_pq__logical_kind_name(lt->kind));
		return;
	}
}

static int schema_text_rec(dlt_buf *b, const dlt_pq_file_meta *m, size_t *idx, int depth,
                           dlt_error *err)
{
	const dlt_pq_schema_element *el;
	char ann[96], id[32];
	int rc;
	int32_t i;

	if (*idx >= m->num_schema || depth > 100)
		return dlt_error_set(err, DLT_ECORRUPT, "parquet schema: malformed tree");
	el = &m->schema[(*idx)++];
	annotation(ann, sizeof(ann), el);
	id[0] = 0;
	if (el->has_field_id)
		snprintf(id, sizeof(id), " = %d", (int)el->field_id);
	if ((rc = dlt_buf_appendf(b, err, "%*s%s ", depth * 2, "",
	                          !el->has_repetition          ? "required"
	                          : el->repetition == DLT_PQ_OPTIONAL ? "optional"
	                          : el->repetition == DLT_PQ_REPEATED ? "repeated"
	                                                              : "required")) < 0)
		return rc;
	if (el->has_type) {
		if (el->type == DLT_PQ_TYPE_FIXED_LEN_BYTE_ARRAY)
			rc = dlt_buf_appendf(b, err, "fixed_len_byte_array(%d) %s%s%s;\n",
			                     (int)el->type_length, el->name, ann, id);
		else
			rc = dlt_buf_appendf(b, err, "%s %s%s%s;\n", lower_type(el->type), el->name, ann,
			                     id);
		return rc;
	}
	if ((rc = dlt_buf_appendf(b, err, "group %s%s%s {\n", el->name, ann, id)) < 0)
		return rc;
	for (i = 0; i < el->num_children; i++)
		if ((rc = schema_text_rec(b, m, idx, depth + 1, err)) < 0)
			return rc;
	return dlt_buf_appendf(b, err, "%*s}\n", depth * 2, "");
}

int dlt_parquet_schema_text(char **out, const dlt_parquet_file *f, dlt_error *err)
{
	const dlt_pq_file_meta *m;
	dlt_buf b = DLT_BUF_INIT;
	size_t idx = 1;
	int32_t i;
	int rc;

	if (out == NULL || f == NULL)
		return dlt_error_set(err, DLT_EINVAL, "dlt_parquet_schema_text: invalid argument");
	*out = NULL;
	m = dlt_parquet__file_meta(f);
	if ((rc = dlt_buf_appendf(&b, err, "message %s {\n", m->schema[0].name)) < 0)
		goto fail;
	for (i = 0; i < m->schema[0].num_children; i++)
		if ((rc = schema_text_rec(&b, m, &idx, 1, err)) < 0)
			goto fail;
	if ((rc = dlt_buf_append(&b, "}\n", 3, err)) < 0)
		goto fail;
	*out = (char *)dlt_buf_detach(&b, NULL);
	return DLT_OK;
fail:
	dlt_buf_dispose(&b);
	return rc;
}

/* ---------------- JSON ---------------- */

static json_t *hex_string(const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	char *s = dlt_malloc(2 * n + 1);
	json_t *j;
	size_t i;
	if (s == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		s[2 * i] = hx[p[i] >> 4];
		s[2 * i + 1] = hx[p[i] & 15];
	}
	s[2 * n] = 0;
	j = json_string(s);
	dlt_free(s);
	return j;
}

static json_t *stat_json(const dlt_pq_node *l, dlt_pq_bytes v)
{
	if (v.data == NULL)
		return json_null();
	switch (l->ptype) {
	case DLT_PQ_TYPE_BOOLEAN:
		return v.len >= 1 ? json_boolean(v.data[0] & 1) : json_null();
	case DLT_PQ_TYPE_INT32:
		if (v.len == 4) {
			int32_t x;
			memcpy(&x, v.data, 4);
			return json_integer(l->is_unsigned ? (json_int_t)(uint32_t)x : (json_int_t)x);
		}
		return json_null();
	case DLT_PQ_TYPE_INT64:
		if (v.len == 8) {
			int64_t x;
			memcpy(&x, v.data, 8);
			if (l->is_unsigned && x < 0) {
				char buf[32];
				snprintf(buf, sizeof(buf), "%" PRIu64, (uint64_t)x);
				return json_string(buf);
			}
			return json_integer((json_int_t)x);
		}
		return json_null();
	case DLT_PQ_TYPE_FLOAT:
		if (v.len == 4) {
			float x;
			memcpy(&x, v.data, 4);
			return x == x ? json_real(x) : json_string("NaN");
		}
		return json_null();
	case DLT_PQ_TYPE_DOUBLE:
		if (v.len == 8) {
			double x;
			memcpy(&x, v.data, 8);
			return x == x ? json_real(x) : json_string("NaN");
		}
		return json_null();
	case DLT_PQ_TYPE_BYTE_ARRAY:
		if (l->is_string && dlt_utf8_valid(v.data, v.len))
			return json_stringn((const char *)v.data, v.len);
		return hex_string(v.data, v.len);
	default:
		return hex_string(v.data, v.len);
	}
}

static int set(json_t *o, const char *k, json_t *v)
{
	return v == NULL ? -1 : json_object_set_new(o, k, v);
}

static json_t *column_json(const dlt_pq_node *l, const dlt_pq_column_chunk *cc)
{
	const dlt_pq_column_meta *cm = cc->meta;
	json_t *o = json_object(), *enc, *st;
	size_t i;
	int bad = 0;
	if (o == NULL)
		return NULL;
	bad |= set(o, "path", json_string(l->path));
	bad |= set(o, "type", json_string(dlt_pq__type_name(l->ptype)));
	if (l->el->has_field_id)
		bad |= set(o, "field_id", json_integer(l->el->field_id));
	if (cm == NULL) {
		bad |= set(o, "encrypted", json_true());
		return bad ? (json_decref(o), NULL) : o;
	}
	bad |= set(o, "codec", json_string(dlt_pq__codec_name(cm->codec)));
	enc = json_array();
	for (i = 0; enc && i < cm->num_encodings; i++)
		json_array_append_new(enc, json_string(dlt_pq__encoding_name(cm->encodings[i])));
	bad |= set(o, "encodings", enc);
	bad |= set(o, "num_values", json_integer(cm->num_values));
	bad |= set(o, "total_compressed_size", json_integer(cm->total_compressed_size));
	bad |= set(o, "total_uncompressed_size", json_integer(cm->total_uncompressed_size));
	bad |= set(o, "data_page_offset", json_integer(cm->data_page_offset));
	if (cm->has_dictionary_page_offset)
		bad |= set(o, "dictionary_page_offset", json_integer(cm->dictionary_page_offset));
	if (cc->has_column_index)
		bad |= set(o, "column_index_offset", json_integer(cc->column_index_offset));
	if (cc->has_offset_index)
		bad |= set(o, "offset_index_offset", json_integer(cc->offset_index_offset));
	if (cm->has_bloom_filter_offset)
		bad |= set(o, "bloom_filter_offset", json_integer(cm->bloom_filter_offset));
	if (cm->statistics.present) {
		const dlt_pq_statistics *s = &cm->statistics;
		st = json_object();
		if (st != NULL) {
			if (s->has_null_count)
				set(st, "null_count", json_integer(s->null_count));
			if (s->has_distinct_count)
				set(st, "distinct_count", json_integer(s->distinct_count));
			if (s->min_value.data != NULL || s->max_value.data != NULL) {
				set(st, "min", stat_json(l, s->min_value));
				set(st, "max", stat_json(l, s->max_value));
			} else if (s->min.data != NULL || s->max.data != NULL) {
				set(st, "min_legacy", stat_json(l, s->min));
				set(st, "max_legacy", stat_json(l, s->max));
			}
		}
		bad |= set(o, "statistics", st);
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int dlt_parquet_meta_json(char **out, const dlt_parquet_file *f, dlt_error *err)
{
	const dlt_pq_file_meta *m;
	const dlt_pq_schema *s;
	json_t *root = NULL, *rgs, *kv;
	char *text = NULL;
	size_t i, c;
	int bad = 0;

	if (out == NULL || f == NULL)
		return dlt_error_set(err, DLT_EINVAL, "dlt_parquet_meta_json: invalid argument");
	*out = NULL;
	m = dlt_parquet__file_meta(f);
	s = dlt_parquet__file_tree(f);
	root = json_object();
	if (root == NULL)
		goto oom;
	bad |= set(root, "created_by", m->created_by ? json_string(m->created_by) : json_null());
	bad |= set(root, "format_version", json_integer(m->version));
	bad |= set(root, "num_rows", json_integer(m->num_rows));
	bad |= set(root, "num_row_groups", json_integer((json_int_t)m->num_row_groups));
	bad |= set(root, "num_columns", json_integer((json_int_t)s->n_leaves));
	kv = json_object();
	for (i = 0; kv && i < m->num_kv; i++)
		json_object_set_new(kv, m->kv[i].key,
		                    m->kv[i].value ? json_stringn(m->kv[i].value, m->kv[i].value_len)
		                                   : json_null());
	bad |= set(root, "key_value_metadata", kv);
	rgs = json_array();
	bad |= set(root, "row_groups", rgs);
	for (i = 0; rgs && i < m->num_row_groups; i++) {
		const dlt_pq_row_group *rg = &m->row_groups[i];
		json_t *o = json_object(), *cols = json_array();
		if (o == NULL || cols == NULL) {
			json_decref(o);
			json_decref(cols);
			goto oom;
		}
		set(o, "num_rows", json_integer(rg->num_rows));
		set(o, "total_byte_size", json_integer(rg->total_byte_size));
		if (rg->has_total_compressed_size)
			set(o, "total_compressed_size", json_integer(rg->total_compressed_size));
		for (c = 0; c < rg->num_columns && c < s->n_leaves; c++) {
			json_t *cj = column_json(s->leaves[c], &rg->columns[c]);
			if (cj == NULL) {
				json_decref(o);
				json_decref(cols);
				goto oom;
			}
			json_array_append_new(cols, cj);
		}
		set(o, "columns", cols);
		json_array_append_new(rgs, o);
	}
	if (bad)
		goto oom;
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER); /* jansson: malloc/free */
	json_decref(root);
	root = NULL;
	if (text == NULL)
		goto oom;
	*out = dlt_strdup(text);
	free(text);
	if (*out == NULL)
		goto oom;
	return DLT_OK;
oom:
	json_decref(root);
	return dlt_error_set(err, DLT_ENOMEM, "out of memory building the parquet metadata JSON");
}
