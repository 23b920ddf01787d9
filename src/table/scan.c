/*
 * Scans: the live files of a snapshot, skipped by partition values and
 * statistics (PROTOCOL.md#per-file-statistics) where a predicate allows,
 * read one at a time into logical batches, deletion vectors applied, rows
 * optionally filtered exactly, projected.
 */
#include "table/table.h"
#include "compute/compute.h"
#include "expr/expr.h"
#include "parquet/read.h"
#include "util/parse.h"

#include <jansson.h>
#include <strings.h>

/* A primitive leaf reachable through structs: for statistics. */
typedef struct stat_leaf {
	const char **lpath;      /* logical names (borrowed from the schema) */
	char **ppath;            /* physical names (owned) */
	size_t depth;
	char *pdotted;           /* physical "a.b.c" (Parquet column path) */
	const struct ArrowSchema *schema;
	bool is_decimal;         /* statistics read from the JSON text */
} stat_leaf;

struct dlt_scan {
	int refs;
	dlt_snapshot *snap;
	dlt_match_mode mode;
	struct ArrowSchema full;        /* logical schema */
	struct ArrowSchema out_schema;  /* projected */
	struct ArrowSchema read_schema; /* top-level columns read */
	bool *is_partition;             /* per read_schema child */
	bool project;
	int64_t *proj_src;              /* per out_schema child: read_schema child passed on
	                                 * unchanged, -1: converted */
	dlt_expr *pred;
	int exact;
	int64_t batch_size;
	/* skipping */
	struct ArrowSchema part_schema; /* all partition columns (release NULL if none) */
	stat_leaf *leaves;
	size_t n_leaves;
	/* iteration */
	bool streamed;
	size_t next_file;
	dlt_file_reader *cur;
	dlt_pq_carry *carry;            /* decode buffers kept from file to file */
	const dlt_log_file *cur_file;
	dlt_dv_bitmap dv;
	dlt_scan_metrics m;
};

int dlt_scan_options_init(dlt_scan_options *opts, unsigned int version)
{
	static const dlt_scan_options def = DLT_SCAN_OPTIONS_INIT;
	DLT_ARG_CHECK(opts != NULL, NULL);
	if (version != DLT_SCAN_OPTIONS_VERSION)
		return dlt_error_set(NULL, DLT_EINVAL, "unknown scan options version");
	*opts = def;
	return DLT_OK;
}

static void scan_unref(dlt_scan *s)
{
	size_t i, k;
	if (s == NULL || --s->refs > 0)
		return;
	dlt_table__file_reader_free(s->cur);
	dlt_pq__carry_free(s->carry);
	dlt_table__dv_dispose(&s->dv);
	dlt_schema__release(&s->full);
	dlt_schema__release(&s->out_schema);
	dlt_schema__release(&s->read_schema);
	dlt_schema__release(&s->part_schema);
	dlt_free(s->is_partition);
	dlt_free(s->proj_src);
	dlt_expr_free(s->pred);
	for (i = 0; i < s->n_leaves; i++) {
		for (k = 0; k < s->leaves[i].depth; k++)
			dlt_free(s->leaves[i].ppath[k]);
		dlt_free(s->leaves[i].ppath);
		dlt_free(s->leaves[i].lpath);
		dlt_free(s->leaves[i].pdotted);
	}
	dlt_free(s->leaves);
	dlt_snapshot_free(s->snap);
	dlt_free(s);
}

void dlt_scan_free(dlt_scan *scan) { scan_unref(scan); }

static bool is_partition_column(const dlt_snapshot *snap, const char *name)
{
	size_t i;
	for (i = 0; i < snap->metadata.n_partition_columns; i++)
		if (strcasecmp(snap->metadata.partition_columns[i], name) == 0)
			return true;
	return false;
}

/* Mark the top-level columns `e` references. */
static void mark_columns(const dlt_expr *e, const struct ArrowSchema *full, bool *need)
{
	size_t i;
	if (e == NULL)
		return;
	if (e->kind == DLT_EK_COLUMN && e->path_len > 0) {
		int64_t j, hit = -1;
		for (j = 0; j < full->n_children; j++)
			if (strcmp(full->children[j]->name, e->path[0]) == 0)
				hit = j;
		for (j = 0; hit < 0 && j < full->n_children; j++)
			if (strcasecmp(full->children[j]->name, e->path[0]) == 0)
				hit = j;
		if (hit >= 0)
			need[hit] = true;
	}
	for (i = 0; i < e->n_args; i++)
		mark_columns(e->args[i], full, need);
}

static int add_leaf(dlt_scan *s, const struct ArrowSchema *f, const char **lp,
                    char **pp, size_t depth, dlt_error *err)
{
	stat_leaf *nl, *l;
	dlt_buf b = DLT_BUF_INIT;
	size_t k;
	int rc = DLT_OK;

	if ((nl = dlt_realloc(s->leaves, (s->n_leaves + 1) * sizeof(*nl))) == NULL)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	s->leaves = nl;
	l = &s->leaves[s->n_leaves];
	memset(l, 0, sizeof(*l));
	l->schema = f;
	l->is_decimal = f->format[0] == 'd' && f->format[1] == ':';
	l->lpath = dlt_calloc(depth, sizeof(char *));
	l->ppath = dlt_calloc(depth, sizeof(char *));
	if (l->lpath == NULL || l->ppath == NULL) {
		dlt_free(l->lpath);
		dlt_free(l->ppath);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	s->n_leaves++;
	l->depth = depth;
	for (k = 0; k < depth; k++) {
		l->lpath[k] = lp[k];
		if ((l->ppath[k] = dlt_strdup(pp[k])) == NULL)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		if ((k > 0 && (rc = dlt_buf_append_byte(&b, '.', err)) < 0) ||
		    (rc = dlt_buf_append_str(&b, pp[k], err)) < 0) {
			dlt_buf_dispose(&b);
			return rc;
		}
	}
	if ((rc = dlt_buf_append_byte(&b, 0, err)) < 0) {
		dlt_buf_dispose(&b);
		return rc;
	}
	l->pdotted = (char *)dlt_buf_detach(&b, NULL);
	return DLT_OK;
}

static int collect_leaves(dlt_scan *s, const struct ArrowSchema *st, const char **lp, char **pp,
                          size_t depth, dlt_error *err)
{
	int64_t i;
	int rc;
	if (depth >= 32)
		return DLT_OK;
	for (i = 0; i < st->n_children; i++) {
		const struct ArrowSchema *f = st->children[i];
		char buf[256];
		if (depth == 0 && is_partition_column(s->snap, f->name))
			continue;
		lp[depth] = f->name;
		pp[depth] = (char *)dlt_table__physical_name(f, s->mode, buf, sizeof(buf));
		if (strcmp(f->format, "+s") == 0) {
			char *copy = dlt_strdup(pp[depth]);
			if (copy == NULL)
				return dlt_error_set(err, DLT_ENOMEM, "out of memory");
			pp[depth] = copy;
			rc = collect_leaves(s, f, lp, pp, depth + 1, err);
			dlt_free(copy);
			if (rc < 0)
				return rc;
		} else if (f->format[0] != '+') {
			if ((rc = add_leaf(s, f, lp, pp, depth + 1, err)) < 0)
				return rc;
		}
	}
	return DLT_OK;
}

static int build_partition_schema(dlt_scan *s, dlt_error *err)
{
	int64_t i, n = 0, o = 0;
	int rc;
	for (i = 0; i < s->full.n_children; i++)
		n += is_partition_column(s->snap, s->full.children[i]->name);
	if (n == 0)
		return DLT_OK;
	if ((rc = dlt_schema__init(&s->part_schema, "+s", "", 0, n, err)) < 0)
		return rc;
	for (i = 0; i < s->full.n_children; i++)
		if (is_partition_column(s->snap, s->full.children[i]->name) &&
		    (rc = dlt_schema__copy(s->part_schema.children[o++], s->full.children[i], err)) <
		        0)
			return rc;
	return DLT_OK;
}

int dlt_scan_new(dlt_scan **out, dlt_snapshot *snap, const dlt_scan_options *opts,
                 dlt_error *err)
{
	static const dlt_scan_options def = DLT_SCAN_OPTIONS_INIT;
	dlt_scan *s;
	bool *need = NULL, *pred_need = NULL;
	const char *lp[32];
	char *pp[32];
	int64_t i, n_read = 0, o = 0;
	int rc;

	DLT_ARG_CHECK(out != NULL && snap != NULL, err);
	*out = NULL;
	if (opts == NULL)
		opts = &def;
	if (opts->version != DLT_SCAN_OPTIONS_VERSION)
		return dlt_error_set(err, DLT_EINVAL, "scan options: unknown version %u",
		                     opts->version);
	if (opts->predicate_sql != NULL && opts->predicate != NULL)
		return dlt_error_set(err, DLT_EINVAL,
		                     "scan options: predicate_sql and predicate are both set");
	if (opts->batch_size < 0)
		return dlt_error_set(err, DLT_EINVAL, "scan options: negative batch_size");
	if ((s = dlt_calloc(1, sizeof(*s))) == NULL)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	s->refs = 1;
	s->snap = dlt_snapshot_retain(snap);
	s->mode = dlt_table__match_mode(snap);
	s->exact = opts->exact_filter;
	s->batch_size = opts->batch_size;
	if ((rc = dlt_schema__copy(&s->full, &snap->schema, err)) < 0 ||
	    (rc = dlt_table__project_schema(&s->out_schema, &s->full, opts->columns,
	                                    opts->n_columns, err)) < 0)
		goto fail;
	if (opts->predicate_sql != NULL)
		rc = dlt_expr_parse(&s->pred, opts->predicate_sql, err);
	else if (opts->predicate != NULL)
		rc = dlt_expr_clone(&s->pred, opts->predicate, err);
	if (rc < 0)
		goto fail;
	if (s->pred != NULL) {
		dlt_expr *bound = NULL;
		if ((rc = dlt_expr__bind(&bound, s->pred, &s->full, err)) < 0) {
			dlt_error_prefix(err, "scan predicate");
			goto fail;
		}
		dlt_expr_free(bound);
	}
	/* read schema: projected top-level columns + those of the predicate */
	if ((need = dlt_calloc((size_t)s->full.n_children + 1, sizeof(bool))) == NULL) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < s->full.n_children; i++) {
		int64_t j;
		for (j = 0; j < s->out_schema.n_children; j++)
			if (strcmp(s->out_schema.children[j]->name, s->full.children[i]->name) == 0)
				need[i] = true;
	}
	if ((pred_need = dlt_calloc((size_t)s->full.n_children + 1, sizeof(bool))) == NULL) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto fail;
	}
	if (s->exact)
		mark_columns(s->pred, &s->full, pred_need);
	for (i = 0; i < s->full.n_children; i++) {
		need[i] = need[i] || pred_need[i];
		n_read += need[i];
	}
	if ((rc = dlt_schema__init(&s->read_schema, "+s", "", 0, n_read, err)) < 0)
		goto fail;
	if ((s->is_partition = dlt_calloc((size_t)n_read + 1, sizeof(bool))) == NULL) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < s->full.n_children; i++) {
		const struct ArrowSchema *src = s->full.children[i];
		int64_t j;
		if (!need[i])
			continue;
		/* a column only projected is read pruned (nested fields dropped in the
		 * Parquet read); one the exact filter evaluates is read whole */
		for (j = 0; !pred_need[i] && j < s->out_schema.n_children; j++)
			if (strcmp(s->out_schema.children[j]->name, src->name) == 0)
				src = s->out_schema.children[j];
		s->is_partition[o] = is_partition_column(snap, s->full.children[i]->name);
		if ((rc = dlt_schema__copy(s->read_schema.children[o++], src, err)) < 0)
			goto fail;
	}
	s->project = opts->n_columns > 0 || n_read != s->out_schema.n_children;
	if ((s->proj_src = dlt_calloc((size_t)s->out_schema.n_children + 1, sizeof(int64_t))) ==
	    NULL) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < s->out_schema.n_children; i++) {
		int64_t j = dlt_table__find_child(&s->read_schema, s->out_schema.children[i],
		                                  DLT_MATCH_NAME);
		s->proj_src[i] = j >= 0 && dlt_table__identical_type(s->out_schema.children[i],
		                                                     s->read_schema.children[j],
		                                                     DLT_MATCH_NAME)
		                         ? j
		                         : -1;
	}
	if (s->pred != NULL) {
		if ((rc = build_partition_schema(s, err)) < 0 ||
		    (rc = collect_leaves(s, &s->full, lp, pp, 0, err)) < 0)
			goto fail;
	}
	dlt_free(need);
	dlt_free(pred_need);
	*out = s;
	return DLT_OK;
fail:
	dlt_free(need);
	dlt_free(pred_need);
	scan_unref(s);
	return rc;
}

int dlt_scan_schema(struct ArrowSchema *out, const dlt_scan *scan, dlt_error *err)
{
	DLT_ARG_CHECK(out != NULL && scan != NULL, err);
	return dlt_schema__copy(out, &scan->out_schema, err);
}

void dlt_scan_get_metrics(dlt_scan_metrics *out, const dlt_scan *scan)
{
	if (out == NULL)
		return;
	memset(out, 0, sizeof(*out));
	if (scan != NULL)
		*out = scan->m;
}

/* ------------------------------------------------------------ skipping -- */

/* Owned pieces of one dlt_file_stats. */
typedef struct stats_holder {
	dlt_column_stats *cols;
	struct ArrowArray *mins, *maxs;
	size_t n, cap;
	struct ArrowArray part;
} stats_holder;

static void holder_dispose(stats_holder *h)
{
	size_t i;
	for (i = 0; i < h->cap; i++) {
		dlt_array__release(&h->mins[i]);
		dlt_array__release(&h->maxs[i]);
	}
	dlt_free(h->cols);
	dlt_free(h->mins);
	dlt_free(h->maxs);
	dlt_array__release(&h->part);
	memset(h, 0, sizeof(*h));
}

/* Allocates the column pieces; h->part (already built or not) is kept. */
static int holder_init(stats_holder *h, size_t n, dlt_error *err)
{
	h->n = 0;
	h->cap = 0;
	h->cols = dlt_calloc(n + 1, sizeof(*h->cols));
	h->mins = dlt_calloc(n + 1, sizeof(*h->mins));
	h->maxs = dlt_calloc(n + 1, sizeof(*h->maxs));
	if (h->cols == NULL || h->mins == NULL || h->maxs == NULL) {
		holder_dispose(h);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	h->cap = n;
	return DLT_OK;
}

static int partition_values(stats_holder *h, const dlt_scan *s, const dlt_log_file *f,
                            dlt_error *err)
{
	dlt_builder *b = NULL;
	int64_t i;
	int rc;
	char pbuf[256];
	if (s->part_schema.release == NULL)
		return DLT_OK;
	if ((rc = dlt_builder__new(&b, &s->part_schema, err)) < 0)
		return rc;
	for (i = 0; i < s->part_schema.n_children && rc == DLT_OK; i++) {
		const struct ArrowSchema *c = s->part_schema.children[i];
		bool found = false;
		const char *key = dlt_table__physical_name(c, s->mode, pbuf, sizeof(pbuf));
		const char *v = dlt_log__kvs_get(f->partition_values, key, &found);
		rc = dlt_table__append_partition_value(dlt_builder__child(b, i), found ? v : NULL,
		                                       c->name, err);
	}
	if (rc == DLT_OK && (rc = dlt_builder__append_valid(b, err)) == DLT_OK)
		rc = dlt_builder__finish(&h->part, b, err);
	dlt_builder__free(b);
	return rc;
}

/* ---- raw JSON text of a statistic (decimals must not go through double) -- */

static const char *jskip_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* End of the string token starting at p ('"'), or NULL. */
static const char *jskip_string(const char *p, const char *e)
{
	for (p++; p < e; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* End of the value starting at p, or NULL when malformed. */
static const char *jskip_value(const char *p, const char *e)
{
	int depth = 0;
	p = jskip_ws(p, e);
	if (p >= e)
		return NULL;
	if (*p == '"')
		return jskip_string(p, e);
	if (*p != '{' && *p != '[') {
		while (p < e && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' &&
		       *p != '\t' && *p != '\r')
			p++;
		return p;
	}
	for (; p < e; p++) {
		if (*p == '"') {
			if ((p = jskip_string(p, e)) == NULL)
				return NULL;
			p--;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if ((*p == '}' || *p == ']') && --depth == 0) {
			return p + 1;
		}
	}
	return NULL;
}

/* In the object [p, e), the value of key `key` (keys with escapes never
 * match: the statistic is then unknown). */
static bool jfind_key(const char **vp, const char *p, const char *e, const char *key)
{
	size_t kl = strlen(key);
	p = jskip_ws(p, e);
	if (p >= e || *p != '{')
		return false;
	p++;
	for (;;) {
		const char *ks, *ke;
		p = jskip_ws(p, e);
		if (p >= e || *p != '"')
			return false;
		ks = p + 1;
		if ((ke = jskip_string(p, e)) == NULL)
			return false;
		p = jskip_ws(ke, e);
		if (p >= e || *p != ':')
			return false;
		p = jskip_ws(p + 1, e);
		if ((size_t)(ke - 1 - ks) == kl && memcmp(ks, key, kl) == 0) {
			*vp = p;
			return true;
		}
		if ((p = jskip_value(p, e)) == NULL)
			return false;
		p = jskip_ws(p, e);
		if (p >= e || *p != ',')
			return false;
		p++;
	}
}

/* The raw text of stats `section` / leaf path, if any. */
static bool raw_stat(const char **tok, size_t *len, const char *text, const char *section,
                     const stat_leaf *l)
{
	const char *e = text + strlen(text), *v = text, *end;
	size_t k;
	if (!jfind_key(&v, v, e, section))
		return false;
	for (k = 0; k < l->depth; k++)
		if (!jfind_key(&v, v, e, l->ppath[k]))
			return false;
	if ((end = jskip_value(v, e)) == NULL)
		return false;
	*tok = v;
	*len = (size_t)(end - v);
	return true;
}

/* Exact decimal statistic text: a plain JSON number (or a string holding one)
 * with at most `scale` fraction digits; anything else (exponents, rounding
 * needed) stays unknown, which never skips wrongly. */
static bool decimal_stat(uint64_t *words, int n_words, const dlt_type_view *t, const char *tok,
                         size_t len)
{
	size_t i, frac = 0;
	bool dot = false;
	if (len >= 2 && tok[0] == '"' && tok[len - 1] == '"') {
		tok++;
		len -= 2;
	}
	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		char c = tok[i];
		if (c == '.' && !dot)
			dot = true;
		else if (c >= '0' && c <= '9')
			frac += dot;
		else if (!(i == 0 && (c == '-' || c == '+')))
			return false;
	}
	if (frac > (size_t)(t->scale < 0 ? 0 : t->scale))
		return false;
	return dlt_parse_decimal(tok, len, t->precision, t->scale, words, n_words) ==
	       DLT_PARSE_OK;
}

/* One JSON statistic into a 1-row array of the leaf type (null: unknown). Shared with
 * the DML file skipper (fileapi.c). */
int dlt_table__stat_from_json(struct ArrowArray *out, const struct ArrowSchema *sch,
                              const json_t *v, const char *raw, size_t raw_len, dlt_error *err)
{
	dlt_builder *b = NULL;
	const dlt_type_view *t;
	int rc, ok = -1;
	if ((rc = dlt_builder__new(&b, sch, err)) < 0)
		return rc;
	t = dlt_builder__type(b);
	if (v != NULL && !json_is_null(v)) {
		switch (t->type) {
		case DLT_AT_INT8: case DLT_AT_INT16: case DLT_AT_INT32: case DLT_AT_INT64:
			if (json_is_integer(v))
				ok = dlt_builder__append_int(b, (int64_t)json_integer_value(v), NULL);
			break;
		case DLT_AT_FLOAT32: case DLT_AT_FLOAT64:
			if (json_is_number(v))
				ok = dlt_builder__append_double(b, json_number_value(v), NULL);
			break;
		case DLT_AT_BOOL:
			if (json_is_boolean(v))
				ok = dlt_builder__append_bool(b, json_is_true(v), NULL);
			break;
		case DLT_AT_STRING: case DLT_AT_LARGE_STRING:
			if (json_is_string(v))
				ok = dlt_builder__append_bytes(b, json_string_value(v),
				                               json_string_length(v), NULL);
			break;
		case DLT_AT_DATE32:
			if (json_is_string(v)) {
				int32_t d;
				if (dlt_parse_date32(json_string_value(v), json_string_length(v), &d) ==
				    DLT_PARSE_OK)
					ok = dlt_builder__append_int(b, d, NULL);
			}
			break;
		case DLT_AT_TIMESTAMP:
			if (json_is_string(v)) {
				int64_t ts;
				bool tz;
				if (dlt_parse_timestamp(json_string_value(v), json_string_length(v),
				                        (int)t->unit, &ts, &tz) == DLT_PARSE_OK)
					ok = dlt_builder__append_int(b, ts, NULL);
			}
			break;
		case DLT_AT_BINARY: case DLT_AT_LARGE_BINARY:
			if (json_is_string(v))
				ok = dlt_builder__append_bytes(b, json_string_value(v),
				                               json_string_length(v), NULL);
			break;
		case DLT_AT_DECIMAL128: case DLT_AT_DECIMAL256: {
			/* from the JSON text: jansson's doubles lose digits */
			uint64_t w[4] = { 0, 0, 0, 0 };
			int nw = t->type == DLT_AT_DECIMAL128 ? 2 : 4;
			if (raw != NULL && decimal_stat(w, nw, t, raw, raw_len))
				ok = dlt_builder__append_decimal(b, w, nw, NULL);
			break;
		}
		default:
			break; /* unknown */
		}
	}
	if (ok != DLT_OK && dlt_builder__length(b) == 0)
		rc = dlt_builder__append_null(b, err);
	if (rc == DLT_OK)
		rc = dlt_builder__finish(out, b, err);
	dlt_builder__free(b);
	return rc;
}

static const json_t *json_path(const json_t *root, const char *section, const stat_leaf *l)
{
	const json_t *v = json_object_get(root, section);
	size_t k;
	for (k = 0; v != NULL && k < l->depth; k++)
		v = json_object_get(v, l->ppath[k]);
	return v;
}

static int file_stats(stats_holder *h, dlt_file_stats *fs, const dlt_scan *s,
                      const dlt_log_file *f, dlt_error *err)
{
	json_t *root;
	json_error_t je;
	const json_t *tb;
	size_t i;
	int rc;

	if (f->stats == NULL || (root = json_loads(f->stats, 0, &je)) == NULL ||
	    !json_is_object(root))
		return DLT_OK; /* no (usable) statistics: nothing is known */
	if ((rc = holder_init(h, s->n_leaves, err)) < 0) {
		json_decref(root);
		return rc;
	}
	for (i = 0; i < s->n_leaves; i++) {
		const stat_leaf *l = &s->leaves[i];
		const json_t *nc = json_path(root, "nullCount", l);
		dlt_column_stats *c = &h->cols[h->n];
		const char *rmin = NULL, *rmax = NULL;
		size_t lmin = 0, lmax = 0;
		if (l->is_decimal) {
			if (!raw_stat(&rmin, &lmin, f->stats, "minValues", l))
				rmin = NULL;
			if (!raw_stat(&rmax, &lmax, f->stats, "maxValues", l))
				rmax = NULL;
		}
		if ((rc = dlt_table__stat_from_json(&h->mins[h->n], l->schema, json_path(root, "minValues", l),
		                     rmin, lmin, err)) < 0 ||
		    (rc = dlt_table__stat_from_json(&h->maxs[h->n], l->schema, json_path(root, "maxValues", l),
		                     rmax, lmax, err)) < 0) {
			json_decref(root);
			return rc;
		}
		c->path = l->lpath;
		c->path_len = l->depth;
		c->schema = l->schema;
		c->min = &h->mins[h->n];
		c->max = &h->maxs[h->n];
		c->null_count = json_is_integer(nc) ? (int64_t)json_integer_value(nc) : -1;
		h->n++;
	}
	tb = json_object_get(root, "tightBounds");
	fs->tight_bounds = json_is_false(tb) ? 0 : 1;
	if (json_is_integer(json_object_get(root, "numRecords")))
		fs->num_records = (int64_t)json_integer_value(json_object_get(root, "numRecords"));
	fs->columns = h->cols;
	fs->n_columns = h->n;
	json_decref(root);
	return DLT_OK;
}

/* 1: read the file; 0: skipped (metrics updated). */
static int should_read(dlt_scan *s, const dlt_log_file *f, dlt_error *err)
{
	dlt_file_stats fs = DLT_FILE_STATS_INIT;
	stats_holder h;
	int may = 1, rc;

	if (s->pred == NULL)
		return 1;
	memset(&h, 0, sizeof(h));
	if ((rc = partition_values(&h, s, f, err)) < 0)
		goto done;
	if (h.part.release != NULL) {
		fs.partition_schema = &s->part_schema;
		fs.partition_values = &h.part;
		if ((rc = dlt_expr_may_match(&may, s->pred, &s->full, &fs, err)) < 0)
			goto done;
		if (!may) {
			s->m.files_skipped_partition++;
			rc = 0;
			goto done;
		}
	}
	if ((rc = file_stats(&h, &fs, s, f, err)) < 0)
		goto done;
	if (fs.n_columns > 0 || fs.num_records >= 0) {
		if ((rc = dlt_expr_may_match(&may, s->pred, &s->full, &fs, err)) < 0)
			goto done;
		if (!may) {
			s->m.files_skipped_stats++;
			rc = 0;
			goto done;
		}
	}
	rc = 1;
done:
	holder_dispose(&h);
	if (rc < 0)
		dlt_error_prefix(err, "data skipping on %s", f->path);
	return rc;
}

/* Row groups: Parquet statistics of the leaves we know, by physical path. */
static int pq_value(struct ArrowArray *out, const struct ArrowSchema *sch,
                    const dlt_parquet_column_stats *c, const dlt_parquet_value *v,
                    dlt_error *err)
{
	dlt_builder *b = NULL;
	const dlt_type_view *t;
	int rc, ok = -1;
	if ((rc = dlt_builder__new(&b, sch, err)) < 0)
		return rc;
	t = dlt_builder__type(b);
	if (v->present && !c->is_unsigned) {
		switch (t->type) {
		case DLT_AT_INT8: case DLT_AT_INT16: case DLT_AT_INT32: case DLT_AT_INT64:
		case DLT_AT_DATE32:
			if (v->physical == DLT_PARQUET_INT32 || v->physical == DLT_PARQUET_INT64)
				ok = dlt_builder__append_int(b, v->i64, NULL);
			break;
		case DLT_AT_FLOAT32: case DLT_AT_FLOAT64:
			if (v->physical == DLT_PARQUET_FLOAT || v->physical == DLT_PARQUET_DOUBLE)
				ok = dlt_builder__append_double(b, v->f64, NULL);
			else if (v->physical == DLT_PARQUET_INT32 || v->physical == DLT_PARQUET_INT64)
				ok = dlt_builder__append_double(b, (double)v->i64, NULL);
			break;
		case DLT_AT_BOOL:
			if (v->physical == DLT_PARQUET_BOOLEAN)
				ok = dlt_builder__append_bool(b, v->i64 != 0, NULL);
			break;
		case DLT_AT_STRING: case DLT_AT_BINARY:
			if (v->physical == DLT_PARQUET_BYTE_ARRAY && v->bytes != NULL)
				ok = dlt_builder__append_bytes(b, v->bytes, v->len, NULL);
			break;
		default:
			break;
		}
	}
	if (ok != DLT_OK && dlt_builder__length(b) == 0)
		rc = dlt_builder__append_null(b, err);
	if (rc == DLT_OK)
		rc = dlt_builder__finish(out, b, err);
	dlt_builder__free(b);
	return rc;
}

static int scan_rg_filter(int64_t row_group, int64_t num_rows,
                          const dlt_parquet_column_stats *cols, size_t n_cols, void *payload)
{
	dlt_scan *s = payload;
	dlt_file_stats fs = DLT_FILE_STATS_INIT;
	stats_holder h;
	size_t i, k;
	int may = 1, rc;

	(void)row_group;
	memset(&h, 0, sizeof(h));
	if ((rc = holder_init(&h, s->n_leaves, NULL)) < 0)
		return rc;
	for (i = 0; i < s->n_leaves; i++) {
		const stat_leaf *l = &s->leaves[i];
		for (k = 0; k < n_cols; k++)
			if (cols[k].path != NULL && strcmp(cols[k].path, l->pdotted) == 0)
				break;
		if (k == n_cols)
			continue;
		if ((rc = pq_value(&h.mins[h.n], l->schema, &cols[k], &cols[k].min, NULL)) < 0 ||
		    (rc = pq_value(&h.maxs[h.n], l->schema, &cols[k], &cols[k].max, NULL)) < 0)
			goto done;
		h.cols[h.n].path = l->lpath;
		h.cols[h.n].path_len = l->depth;
		h.cols[h.n].schema = l->schema;
		h.cols[h.n].min = &h.mins[h.n];
		h.cols[h.n].max = &h.maxs[h.n];
		h.cols[h.n].null_count = cols[k].null_count;
		h.n++;
	}
	if ((rc = partition_values(&h, s, s->cur_file, NULL)) < 0)
		goto done;
	if (h.part.release != NULL) {
		fs.partition_schema = &s->part_schema;
		fs.partition_values = &h.part;
	}
	fs.num_records = num_rows;
	fs.columns = h.cols;
	fs.n_columns = h.n;
	rc = dlt_expr_may_match(&may, s->pred, &s->full, &fs, NULL);
	rc = rc < 0 ? 1 : may != 0; /* a statistic we cannot use never fails the read */
done:
	holder_dispose(&h);
	return rc;
}

/* -------------------------------------------------------------- stream -- */

static int filter_exact(dlt_scan *s, struct ArrowArray *batch, dlt_error *err)
{
	struct ArrowArray res, mask, filtered;
	struct ArrowSchema rs;
	int64_t kept;
	int rc;

	if ((rc = dlt_expr_evaluate(&res, &rs, s->pred, &s->read_schema, batch, err)) < 0)
		return dlt_error_prefix(err, "scan predicate");
	dlt_schema__release(&rs);
	rc = dlt_compute__mask_coalesce_false(&mask, &res, err);
	dlt_array__release(&res);
	if (rc < 0)
		return rc;
	kept = dlt_compute__mask_count(&mask);
	if (kept == batch->length) {
		dlt_array__release(&mask);
		return DLT_OK;
	}
	rc = dlt_compute__filter(&filtered, &s->read_schema, batch, &mask, err);
	dlt_array__release(&mask);
	if (rc < 0)
		return rc;
	s->m.rows_filtered += batch->length - kept;
	dlt_array__release(batch);
	dlt_array__move(batch, &filtered);
	return DLT_OK;
}

static void close_file(dlt_scan *s)
{
	if (s->cur != NULL) {
		int64_t rr = 0, rs = 0;
		dlt_table__file_reader_counters(s->cur, &rr, &rs);
		s->m.row_groups_read += rr;
		s->m.row_groups_skipped += rs;
		dlt_table__file_reader_free(s->cur);
		s->cur = NULL;
	}
	dlt_table__dv_dispose(&s->dv);
	s->cur_file = NULL;
}

static int open_next_file(dlt_scan *s, dlt_error *err)
{
	const dlt_snapshot *snap = s->snap;
	while (s->next_file < snap->n_files) {
		const dlt_log_file *f = &snap->files[s->next_file++];
		dlt_file_reader_args a;
		int rc;
		s->m.files_considered++;
		if ((rc = should_read(s, f, err)) < 0)
			return rc;
		if (rc == 0)
			continue;
		if (f->dv.storage_type != 0 &&
		    (rc = dlt_table__dv_load(&s->dv, &f->dv, snap->root->storage,
		                             &s->m.dv_bytes_read, err)) < 0)
			return dlt_error_prefix(err, "data file %s", f->path);
		memset(&a, 0, sizeof(a));
		a.storage = snap->root->storage;
		a.file = f;
		a.read_schema = &s->read_schema;
		a.is_partition = s->is_partition;
		a.mode = s->mode;
		a.batch_size = s->batch_size;
		a.sel.exclude = f->dv.storage_type != 0 ? &s->dv : NULL;
		if (s->carry == NULL && (rc = dlt_pq__carry_new(&s->carry, err)) < 0)
			return rc;
		a.carry = s->carry;
		if (s->pred != NULL && s->n_leaves > 0) {
			a.rg_filter = scan_rg_filter;
			a.rg_payload = s;
		}
		s->cur_file = f;
		if ((rc = dlt_table__file_reader_open(&s->cur, &a, err)) < 0) {
			close_file(s);
			return rc;
		}
		s->m.files_read++;
		return 1;
	}
	return 0;
}

/* read_schema batch -> out_schema: columns kept as they are are passed on
 * without a copy, pruned ones converted. `batch` is consumed. */
static int project_batch(dlt_scan *s, struct ArrowArray *out, struct ArrowArray *batch,
                         dlt_error *err)
{
	dlt_shared_array *sh = NULL;
	const struct ArrowArray *b = batch;
	struct ArrowArray view;
	int64_t i, n = batch->length;
	int rc;

	if (batch->offset != 0 || batch->null_count != 0)
		return dlt_table__conform(out, &s->out_schema, &s->read_schema, batch, n,
		                          DLT_MATCH_NAME, err);
	if ((rc = dlt_array__init(out, 1, s->out_schema.n_children, err)) < 0)
		return rc;
	out->length = n;
	out->null_count = 0;
	view = *batch; /* its pointers stay valid while sh holds the batch */
	b = &view;
	if ((rc = dlt_array__share(&sh, batch, err)) < 0)
		goto fail;
	for (i = 0; i < s->out_schema.n_children; i++) {
		const struct ArrowSchema *ls = s->out_schema.children[i];
		if (s->proj_src[i] >= 0) {
			rc = dlt_shared__export_child(out->children[i], sh, s->proj_src[i], 0, n, err);
		} else {
			int64_t j = dlt_table__find_child(&s->read_schema, ls, DLT_MATCH_NAME);
			rc = j < 0 ? dlt_table__nulls(out->children[i], ls, n, err)
			           : dlt_table__conform(out->children[i], ls,
			                                s->read_schema.children[j], b->children[j], n,
			                                DLT_MATCH_NAME, err);
		}
		if (rc < 0)
			goto fail;
	}
	dlt_shared__release(sh);
	return DLT_OK;
fail:
	dlt_shared__release(sh);
	dlt_array__release(out);
	return rc;
}

static int scan_next(void *state, struct ArrowArray *out, dlt_error *err)
{
	dlt_scan *s = state;
	int rc;

	memset(out, 0, sizeof(*out));
	for (;;) {
		struct ArrowArray batch;
		if (s->cur == NULL) {
			if ((rc = open_next_file(s, err)) < 0)
				return rc;
			if (rc == 0)
				return DLT_OK; /* end */
		}
		if ((rc = dlt_table__file_reader_next(s->cur, &batch, &s->m.rows_read,
		                                      &s->m.rows_deleted, err)) < 0) {
			close_file(s);
			return rc;
		}
		if (batch.release == NULL) {
			close_file(s);
			continue;
		}
		if (s->exact && s->pred != NULL && (rc = filter_exact(s, &batch, err)) < 0) {
			dlt_array__release(&batch);
			return rc;
		}
		if (batch.length == 0) {
			dlt_array__release(&batch);
			continue;
		}
		if (s->project) {
			rc = project_batch(s, out, &batch, err);
			dlt_array__release(&batch);
			if (rc < 0)
				return rc;
		} else {
			dlt_array__move(out, &batch);
		}
		s->m.rows_returned += out->length;
		return DLT_OK;
	}
}

static void scan_stream_free(void *state) { scan_unref(state); }

int dlt_scan_stream(struct ArrowArrayStream *out, dlt_scan *scan, dlt_error *err)
{
	struct ArrowSchema sch;
	int rc;
	DLT_ARG_CHECK(out != NULL && scan != NULL, err);
	memset(out, 0, sizeof(*out));
	if (scan->streamed)
		return dlt_error_set(err, DLT_EINVAL, "scan: already streamed (one stream per scan)");
	if ((rc = dlt_schema__copy(&sch, &scan->out_schema, err)) < 0)
		return rc;
	scan->refs++;
	/* on failure dlt_stream__new releases the schema and drops the reference */
	if ((rc = dlt_stream__new(out, &sch, scan_next, scan_stream_free, scan, err)) < 0)
		return rc;
	scan->streamed = true;
	return DLT_OK;
}

int dlt_snapshot_scan(struct ArrowArrayStream *out, dlt_snapshot *snap,
                      const dlt_scan_options *opts, dlt_error *err)
{
	dlt_scan *s = NULL;
	int rc;
	DLT_ARG_CHECK(out != NULL && snap != NULL, err);
	memset(out, 0, sizeof(*out));
	if ((rc = dlt_scan_new(&s, snap, opts, err)) < 0)
		return rc;
	rc = dlt_scan_stream(out, s, err);
	dlt_scan_free(s);
	return rc;
}
