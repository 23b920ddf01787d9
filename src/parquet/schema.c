/* Parquet schema -> reader tree (levels, conversions) -> Arrow schema.
 * Follows LogicalTypes.md, including its backward-compatibility rules for
 * lists (2-level lists, "array"/"<name>_tuple" elements, unannotated repeated
 * fields) and maps (MAP_KEY_VALUE, maps without a value field). */
#include "parquet/read.h"

#include <stdio.h>
#include <string.h>

#define PQ_MAX_DEPTH 64

typedef struct build_ctx {
	const dlt_pq_file_meta *meta;
	dlt_pq_schema *s;
	size_t idx;        /* next schema element */
	int int96_unit;
	dlt_error *err;
} build_ctx;

static dlt_pq_node *new_node(build_ctx *c)
{
	dlt_pq_node *n = &c->s->nodes[c->s->n_nodes++];
	memset(n, 0, sizeof(*n));
	n->leaf = -1;
	return n;
}

static int set_path(dlt_pq_node *n, const char *parent, const char *name, dlt_error *err)
{
	n->path = (parent == NULL || parent[0] == 0) ? dlt_strdup(name)
	                                             : dlt_asprintf("%s.%s", parent, name);
	if (n->path == NULL)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	return DLT_OK;
}

static int corrupt(build_ctx *c, const char *what, const char *name)
{
	return dlt_error_set(c->err, DLT_ECORRUPT, "parquet schema: element '%s': %s",
	                     name ? name : "?", what);
}

static int leaf_types(build_ctx *c, dlt_pq_node *n, const dlt_pq_schema_element *el)
{
	const dlt_pq_logical_type *lt = &el->logical;
	int lk = lt->kind;
	int ct = el->has_converted_type ? (int)el->converted_type : -1;
	int32_t prec = -1, scale = 0;
	bool is_dec = false;

	n->ptype = el->type;
	n->type_length = el->has_type_length ? el->type_length : 0;
	n->conv = DLT_PQC_COPY;
	if (lk == DLT_PQ_LT_DECIMAL) {
		is_dec = true;
		prec = lt->precision;
		scale = lt->scale;
	} else if (lk == DLT_PQ_LT_NONE && ct == DLT_PQ_CT_DECIMAL) {
		is_dec = true;
		prec = el->has_precision ? el->precision : -1;
		scale = el->has_scale ? el->scale : 0;
	}
	if (is_dec && (prec < 1 || prec > 76 || scale < 0 || scale > prec))
		return corrupt(c, "invalid decimal precision/scale", el->name);
	if (lk == DLT_PQ_LT_UNKNOWN) {
		n->conv = DLT_PQC_NULL;
		snprintf(n->format, sizeof(n->format), "n");
		return DLT_OK;
	}
	switch (el->type) {
	case DLT_PQ_TYPE_BOOLEAN:
		n->conv = DLT_PQC_BOOL;
		snprintf(n->format, sizeof(n->format), "b");
		return DLT_OK;
	case DLT_PQ_TYPE_INT32: {
		int bw = 32;
		bool sgn = true;
		n->arrow_width = 4;
		if (is_dec) {
			if (prec > 38)
				break;
			n->conv = DLT_PQC_I32_TO_DEC128;
			n->arrow_width = 16;
			snprintf(n->format, sizeof(n->format), "d:%d,%d", (int)prec, (int)scale);
			return DLT_OK;
		}
		if (lk == DLT_PQ_LT_DATE || (lk == DLT_PQ_LT_NONE && ct == DLT_PQ_CT_DATE)) {
			snprintf(n->format, sizeof(n->format), "tdD");
			return DLT_OK;
		}
		if ((lk == DLT_PQ_LT_TIME && lt->unit == DLT_PQ_UNIT_MILLIS) ||
		    (lk == DLT_PQ_LT_NONE && ct == DLT_PQ_CT_TIME_MILLIS)) {
			snprintf(n->format, sizeof(n->format), "ttm");
			return DLT_OK;
		}
		if (lk == DLT_PQ_LT_INTEGER) {
			bw = lt->bit_width;
			sgn = lt->is_signed;
		} else if (lk == DLT_PQ_LT_NONE) {
			switch (ct) {
			case DLT_PQ_CT_INT_8: bw = 8; break;
			case DLT_PQ_CT_INT_16: bw = 16; break;
			case DLT_PQ_CT_UINT_8: bw = 8; sgn = false; break;
			case DLT_PQ_CT_UINT_16: bw = 16; sgn = false; break;
			case DLT_PQ_CT_UINT_32: sgn = false; break;
			default: break;
			}
		}
		n->is_unsigned = !sgn;
		if (bw == 8) {
			n->conv = DLT_PQC_I32_TO_I8;
			n->arrow_width = 1;
			snprintf(n->format, sizeof(n->format), sgn ? "c" : "C");
		} else if (bw == 16) {
			n->conv = DLT_PQC_I32_TO_I16;
			n->arrow_width = 2;
			snprintf(n->format, sizeof(n->format), sgn ? "s" : "S");
		} else {
			snprintf(n->format, sizeof(n->format), sgn ? "i" : "I");
		}
		return DLT_OK;
	}
	case DLT_PQ_TYPE_INT64: {
		const char *u = NULL;
		n->arrow_width = 8;
		if (is_dec) {
			if (prec > 38)
				break;
			n->conv = DLT_PQC_I64_TO_DEC128;
			n->arrow_width = 16;
			snprintf(n->format, sizeof(n->format), "d:%d,%d", (int)prec, (int)scale);
			return DLT_OK;
		}
		if (lk == DLT_PQ_LT_TIME) {
			u = lt->unit == DLT_PQ_UNIT_NANOS ? "n" : "u";
			snprintf(n->format, sizeof(n->format), "tt%s", u);
			return DLT_OK;
		}
		if (lk == DLT_PQ_LT_NONE && ct == DLT_PQ_CT_TIME_MICROS) {
			snprintf(n->format, sizeof(n->format), "ttu");
			return DLT_OK;
		}
		if (lk == DLT_PQ_LT_TIMESTAMP) {
			u = lt->unit == DLT_PQ_UNIT_MILLIS ? "m" : lt->unit == DLT_PQ_UNIT_NANOS ? "n" : "u";
			snprintf(n->format, sizeof(n->format), "ts%s:%s", u,
			         lt->is_adjusted_to_utc ? "UTC" : "");
			return DLT_OK;
		}
		if (lk == DLT_PQ_LT_NONE &&
		    (ct == DLT_PQ_CT_TIMESTAMP_MILLIS || ct == DLT_PQ_CT_TIMESTAMP_MICROS)) {
			/* converted types are UTC-normalised instants (LogicalTypes.md) */
			snprintf(n->format, sizeof(n->format), "ts%s:UTC",
			         ct == DLT_PQ_CT_TIMESTAMP_MILLIS ? "m" : "u");
			return DLT_OK;
		}
		if ((lk == DLT_PQ_LT_INTEGER && !lt->is_signed) ||
		    (lk == DLT_PQ_LT_NONE && ct == DLT_PQ_CT_UINT_64)) {
			n->is_unsigned = true;
			snprintf(n->format, sizeof(n->format), "L");
			return DLT_OK;
		}
		snprintf(n->format, sizeof(n->format), "l");
		return DLT_OK;
	}
	case DLT_PQ_TYPE_INT96:
		n->conv = DLT_PQC_INT96_TO_TS;
		n->arrow_width = 8;
		snprintf(n->format, sizeof(n->format), "ts%s:",
		         c->int96_unit == DLT_PARQUET_INT96_NANOS ? "n" : "u");
		return DLT_OK;
	case DLT_PQ_TYPE_FLOAT:
		n->arrow_width = 4;
		snprintf(n->format, sizeof(n->format), "f");
		return DLT_OK;
	case DLT_PQ_TYPE_DOUBLE:
		n->arrow_width = 8;
		snprintf(n->format, sizeof(n->format), "g");
		return DLT_OK;
	case DLT_PQ_TYPE_BYTE_ARRAY:
		if (is_dec) {
			n->conv = prec > 38 ? DLT_PQC_BE_TO_DEC256 : DLT_PQC_BE_TO_DEC128;
			n->arrow_width = prec > 38 ? 32 : 16;
			snprintf(n->format, sizeof(n->format), prec > 38 ? "d:%d,%d,256" : "d:%d,%d",
			         (int)prec, (int)scale);
			return DLT_OK;
		}
		n->conv = DLT_PQC_BINARY;
		n->dict_ok = true;
		n->is_string = lk == DLT_PQ_LT_STRING || lk == DLT_PQ_LT_ENUM || lk == DLT_PQ_LT_JSON ||
		               (lk == DLT_PQ_LT_NONE &&
		                (ct == DLT_PQ_CT_UTF8 || ct == DLT_PQ_CT_ENUM || ct == DLT_PQ_CT_JSON));
		snprintf(n->format, sizeof(n->format), n->is_string ? "u" : "z");
		return DLT_OK;
	case DLT_PQ_TYPE_FIXED_LEN_BYTE_ARRAY:
		if (!el->has_type_length || el->type_length <= 0)
			return corrupt(c, "FIXED_LEN_BYTE_ARRAY without a positive type_length",
			               el->name);
		if (is_dec) {
			n->conv = prec > 38 ? DLT_PQC_BE_TO_DEC256 : DLT_PQC_BE_TO_DEC128;
			n->arrow_width = prec > 38 ? 32 : 16;
			if (el->type_length > n->arrow_width)
				return corrupt(c, "decimal FIXED_LEN_BYTE_ARRAY too wide", el->name);
			snprintf(n->format, sizeof(n->format), prec > 38 ? "d:%d,%d,256" : "d:%d,%d",
			         (int)prec, (int)scale);
			return DLT_OK;
		}
		if (lk == DLT_PQ_LT_FLOAT16) {
			if (el->type_length != 2)
				return corrupt(c, "FLOAT16 needs type_length 2", el->name);
			n->arrow_width = 2;
			snprintf(n->format, sizeof(n->format), "e");
			return DLT_OK;
		}
		n->arrow_width = el->type_length;
		snprintf(n->format, sizeof(n->format), "w:%d", (int)el->type_length);
		return DLT_OK;
	default:
		return dlt_error_set(c->err, DLT_EUNSUPPORTED,
		                     "parquet schema: element '%s': unknown physical type %d",
		                     el->name, (int)el->type);
	}
	return dlt_error_set(c->err, DLT_EUNSUPPORTED,
	                     "parquet schema: element '%s': decimal precision %d does not fit %s",
	                     el->name, (int)prec, dlt_pq__type_name(el->type));
}

static int build(build_ctx *c, dlt_pq_node **out, int depth, int16_t parent_def,
                 int16_t parent_rep, int16_t slot_def, int16_t slot_rep, bool force_required,
                 const char *parent_path);

static bool is_group(const dlt_pq_schema_element *el) { return !el->has_type; }

static int build_children(build_ctx *c, dlt_pq_node *n, int32_t nchild, int depth,
                          int16_t def, int16_t rep, int16_t slot_def, int16_t slot_rep)
{
	int32_t i;
	int rc;
	n->children = dlt_calloc((size_t)nchild, sizeof(dlt_pq_node *));
	if (n->children == NULL && nchild > 0)
		return dlt_error_set(c->err, DLT_ENOMEM, "out of memory");
	for (i = 0; i < nchild; i++) {
		if ((rc = build(c, &n->children[i], depth + 1, def, rep, slot_def, slot_rep, false,
		                n->path)) < 0)
			return rc;
		n->n_children++;
	}
	return DLT_OK;
}

static void finish_leaves(dlt_pq_node *n)
{
	size_t i;
	if (n->kind == DLT_PQN_LEAF) {
		n->n_leaves = 1;
		n->first_leaf = n->leaf;
		return;
	}
	n->first_leaf = -1;
	n->n_leaves = 0;
	for (i = 0; i < n->n_children; i++) {
		finish_leaves(n->children[i]);
		if (n->first_leaf < 0 && n->children[i]->n_leaves > 0)
			n->first_leaf = n->children[i]->first_leaf;
		n->n_leaves += n->children[i]->n_leaves;
	}
}

static int build(build_ctx *c, dlt_pq_node **out, int depth, int16_t parent_def,
                 int16_t parent_rep, int16_t slot_def, int16_t slot_rep, bool force_required,
                 const char *parent_path)
{
	const dlt_pq_file_meta *m = c->meta;
	const dlt_pq_schema_element *el;
	dlt_pq_node *n;
	int rep_kind, rc, lk, ct;
	int16_t def;

	if (depth > PQ_MAX_DEPTH)
		return dlt_error_set(c->err, DLT_ECORRUPT, "parquet schema: nesting deeper than %d",
		                     PQ_MAX_DEPTH);
	if (c->idx >= m->num_schema)
		return dlt_error_set(c->err, DLT_ECORRUPT,
		                     "parquet schema: num_children exceeds the element count");
	el = &m->schema[c->idx];
	rep_kind = force_required || !el->has_repetition ? DLT_PQ_REQUIRED : (int)el->repetition;
	if (rep_kind != DLT_PQ_REQUIRED && rep_kind != DLT_PQ_OPTIONAL &&
	    rep_kind != DLT_PQ_REPEATED)
		return corrupt(c, "invalid repetition type", el->name);
	if (parent_def >= 1000 || parent_rep >= 1000)
		return corrupt(c, "too many levels", el->name);

	if (rep_kind == DLT_PQ_REPEATED) {
		/* An unannotated repeated field: a required list of required elements. */
		n = new_node(c);
		n->kind = DLT_PQN_LIST;
		n->el = el;
		n->name = el->name;
		n->def = parent_def;
		n->slot_def = slot_def;
		n->slot_rep = slot_rep;
		n->rep = (int16_t)(parent_rep + 1);
		n->elem_def = (int16_t)(parent_def + 1);
		if ((rc = set_path(n, parent_path, el->name, c->err)) < 0)
			return rc;
		n->children = dlt_calloc(1, sizeof(dlt_pq_node *));
		if (n->children == NULL)
			return dlt_error_set(c->err, DLT_ENOMEM, "out of memory");
		n->n_children = 1;
		*out = n;
		/* the element: this same schema element, as required */
		return build(c, &n->children[0], depth + 1, n->elem_def, n->rep, n->elem_def, n->rep,
		             true, parent_path);
	}
	c->idx++;
	n = new_node(c);
	n->el = el;
	n->name = el->name;
	n->nullable = rep_kind == DLT_PQ_OPTIONAL;
	def = (int16_t)(parent_def + (n->nullable ? 1 : 0));
	n->def = def;
	n->slot_def = slot_def;
	n->slot_rep = slot_rep;
	if ((rc = set_path(n, parent_path, el->name, c->err)) < 0)
		return rc;
	*out = n;
	lk = el->logical.kind;
	ct = el->has_converted_type ? (int)el->converted_type : -1;

	if (!is_group(el)) {
		n->kind = DLT_PQN_LEAF;
		n->leaf = (int)c->s->n_leaves;
		n->max_def = def;
		n->max_rep = parent_rep;
		c->s->leaves[c->s->n_leaves++] = n;
		return leaf_types(c, n, el);
	}
	if (!el->has_num_children || el->num_children < 0 ||
	    (size_t)el->num_children > m->num_schema - c->idx)
		return corrupt(c, "group with an invalid num_children", el->name);

	if ((lk == DLT_PQ_LT_LIST || (lk == DLT_PQ_LT_NONE && ct == DLT_PQ_CT_LIST)) &&
	    el->num_children == 1 && m->schema[c->idx].has_repetition &&
	    m->schema[c->idx].repetition == DLT_PQ_REPEATED) {
		const dlt_pq_schema_element *r = &m->schema[c->idx];
		size_t nl = strlen(el->name);
		bool elem_is_r = !is_group(r) || (r->has_num_children && r->num_children > 1) ||
		                 strcmp(r->name, "array") == 0 ||
		                 (strncmp(r->name, el->name, nl) == 0 &&
		                  strcmp(r->name + nl, "_tuple") == 0);
		n->kind = DLT_PQN_LIST;
		n->rep = (int16_t)(parent_rep + 1);
		n->elem_def = (int16_t)(def + 1);
		n->children = dlt_calloc(1, sizeof(dlt_pq_node *));
		if (n->children == NULL)
			return dlt_error_set(c->err, DLT_ENOMEM, "out of memory");
		n->n_children = 1;
		if (elem_is_r)
			return build(c, &n->children[0], depth + 1, n->elem_def, n->rep, n->elem_def,
			             n->rep, true, n->path);
		if (!r->has_num_children || r->num_children != 1)
			return corrupt(c, "LIST repeated group must have one child", r->name);
		c->idx++;
		{
			char *p = dlt_asprintf("%s.%s", n->path, r->name);
			if (p == NULL)
				return dlt_error_set(c->err, DLT_ENOMEM, "out of memory");
			rc = build(c, &n->children[0], depth + 1, n->elem_def, n->rep, n->elem_def,
			           n->rep, false, p);
			dlt_free(p);
			return rc;
		}
	}
	if ((lk == DLT_PQ_LT_MAP ||
	     (lk == DLT_PQ_LT_NONE && (ct == DLT_PQ_CT_MAP || ct == DLT_PQ_CT_MAP_KEY_VALUE))) &&
	    el->num_children == 1 && is_group(&m->schema[c->idx]) &&
	    m->schema[c->idx].has_repetition && m->schema[c->idx].repetition == DLT_PQ_REPEATED &&
	    m->schema[c->idx].has_num_children &&
	    (m->schema[c->idx].num_children == 1 || m->schema[c->idx].num_children == 2)) {
		const dlt_pq_schema_element *kv = &m->schema[c->idx];
		char *p;
		n->rep = (int16_t)(parent_rep + 1);
		n->elem_def = (int16_t)(def + 1);
		c->idx++;
		p = dlt_asprintf("%s.%s", n->path, kv->name);
		if (p == NULL)
			return dlt_error_set(c->err, DLT_ENOMEM, "out of memory");
		n->children = dlt_calloc(1, sizeof(dlt_pq_node *));
		if (n->children == NULL) {
			dlt_free(p);
			return dlt_error_set(c->err, DLT_ENOMEM, "out of memory");
		}
		n->n_children = 1;
		if (kv->num_children == 1) {
			/* a map without values: a list of its keys */
			n->kind = DLT_PQN_LIST;
			rc = build(c, &n->children[0], depth + 1, n->elem_def, n->rep, n->elem_def,
			           n->rep, false, p);
		} else {
			dlt_pq_node *e = new_node(c);
			n->kind = DLT_PQN_MAP;
			e->kind = DLT_PQN_STRUCT;
			e->el = kv;
			e->name = "entries";
			e->def = n->elem_def;
			e->slot_def = n->elem_def;
			e->slot_rep = n->rep;
			e->path = p;
			p = NULL;
			n->children[0] = e;
			rc = build_children(c, e, 2, depth + 1, n->elem_def, n->rep, n->elem_def, n->rep);
		}
		dlt_free(p);
		return rc;
	}
	n->kind = DLT_PQN_STRUCT;
	return build_children(c, n, el->num_children, depth, def, parent_rep, slot_def, slot_rep);
}

int dlt_parquet__schema_build(dlt_pq_schema *out, const dlt_pq_file_meta *meta, int int96_unit,
                              dlt_error *err)
{
	build_ctx c;
	const dlt_pq_schema_element *root;
	int rc;
	size_t cap;

	memset(out, 0, sizeof(*out));
	if (meta->num_schema == 0)
		return dlt_error_set(err, DLT_ECORRUPT, "parquet schema: no elements");
	root = &meta->schema[0];
	if (!is_group(root) || !root->has_num_children || root->num_children < 0)
		return dlt_error_set(err, DLT_ECORRUPT, "parquet schema: root is not a group");
	if (dlt_mul_overflow(meta->num_schema, 2, &cap))
		return dlt_error_set(err, DLT_ECORRUPT, "parquet schema: too many elements");
	out->nodes = dlt_calloc(cap + 2, sizeof(dlt_pq_node));
	out->leaves = dlt_calloc(meta->num_schema + 1, sizeof(dlt_pq_node *));
	if (out->nodes == NULL || out->leaves == NULL) {
		dlt_parquet__schema_dispose(out);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	memset(&c, 0, sizeof(c));
	c.meta = meta;
	c.s = out;
	c.idx = 1;
	c.int96_unit = int96_unit;
	c.err = err;
	out->root = new_node(&c);
	out->root->kind = DLT_PQN_STRUCT;
	out->root->el = root;
	out->root->name = "";
	out->root->path = dlt_strdup("");
	if (out->root->path == NULL) {
		dlt_parquet__schema_dispose(out);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	if ((size_t)root->num_children > meta->num_schema - 1) {
		dlt_parquet__schema_dispose(out);
		return dlt_error_set(err, DLT_ECORRUPT,
		                     "parquet schema: root num_children exceeds the element count");
	}
	rc = build_children(&c, out->root, root->num_children, 0, 0, 0, 0, 0);
	if (rc == DLT_OK && c.idx != meta->num_schema)
		rc = dlt_error_set(err, DLT_ECORRUPT,
		                   "parquet schema: %zu elements but the tree uses %zu",
		                   meta->num_schema, c.idx);
	if (rc < 0) {
		dlt_parquet__schema_dispose(out);
		return rc;
	}
	finish_leaves(out->root);
	return DLT_OK;
}

void dlt_parquet__schema_dispose(dlt_pq_schema *s)
{
	size_t i;
	if (s == NULL)
		return;
	for (i = 0; i < s->n_nodes; i++) {
		dlt_free(s->nodes[i].children);
		dlt_free(s->nodes[i].path);
	}
	dlt_free(s->nodes);
	dlt_free(s->leaves);
	memset(s, 0, sizeof(*s));
}

bool dlt_parquet__node_kept(const dlt_pq_node *node, const bool *keep)
{
	size_t i;
	if (keep == NULL)
		return node->kind != DLT_PQN_STRUCT || node->n_leaves > 0;
	if (node->kind == DLT_PQN_LEAF)
		return keep[node->leaf];
	for (i = 0; i < node->n_children; i++)
		if (dlt_parquet__node_kept(node->children[i], keep))
			return true;
	return false;
}

static int set_field_id(struct ArrowSchema *s, const dlt_pq_node *n, dlt_error *err)
{
	char buf[24];
	const char *k = "PARQUET:field_id";
	const char *v = buf;
	if (n->el == NULL || !n->el->has_field_id)
		return DLT_OK;
	snprintf(buf, sizeof(buf), "%d", (int)n->el->field_id);
	return dlt_schema__set_metadata(s, &k, &v, 1, err);
}

int dlt_parquet__schema_to_arrow(struct ArrowSchema *out, const dlt_pq_node *node,
                                 const bool *keep, bool dictionary, dlt_error *err)
{
	int64_t flags = node->nullable ? ARROW_FLAG_NULLABLE : 0;
	int rc;
	size_t i, k;
	int64_t nk = 0;

	switch (node->kind) {
	case DLT_PQN_LEAF:
		if (dictionary && node->dict_ok) {
			if ((rc = dlt_schema__init(out, "i", node->name, flags, 0, err)) < 0 ||
			    (rc = dlt_schema__alloc_dictionary(out, err)) < 0 ||
			    (rc = dlt_schema__init(out->dictionary, node->format, NULL, 0, 0, err)) < 0)
				goto fail;
		} else if ((rc = dlt_schema__init(out, node->format, node->name, flags, 0, err)) <
		           0) {
			goto fail;
		}
		break;
	case DLT_PQN_STRUCT:
		for (i = 0; i < node->n_children; i++)
			nk += dlt_parquet__node_kept(node->children[i], keep);
		if ((rc = dlt_schema__init(out, "+s", node->name, flags, nk, err)) < 0)
			goto fail;
		for (i = 0, k = 0; i < node->n_children; i++) {
			if (!dlt_parquet__node_kept(node->children[i], keep))
				continue;
			if ((rc = dlt_parquet__schema_to_arrow(out->children[k++], node->children[i],
			                                       keep, dictionary, err)) < 0)
				goto fail;
		}
		break;
	case DLT_PQN_LIST:
		if ((rc = dlt_schema__init(out, "+l", node->name, flags, 1, err)) < 0 ||
		    (rc = dlt_parquet__schema_to_arrow(out->children[0], node->children[0], keep,
		                                       dictionary, err)) < 0)
			goto fail;
		break;
	case DLT_PQN_MAP:
		if ((rc = dlt_schema__init(out, "+m", node->name, flags, 1, err)) < 0 ||
		    (rc = dlt_parquet__schema_to_arrow(out->children[0], node->children[0], NULL,
		                                       dictionary, err)) < 0)
			goto fail;
		break;
	}
	if ((rc = set_field_id(out, node, err)) < 0)
		goto fail;
	return DLT_OK;
fail:
	dlt_schema__release(out);
	return rc;
}
