/*
 * Parquet writer: Arrow record batches -> one Parquet file on a dlt_output.
 *
 * Shape (parquet-format README "File format", Encodings.md, PageIndex.md):
 *   "PAR1" | row group 0: per column [dictionary page] data pages ... |
 *   ... | ColumnIndex per chunk | OffsetIndex per chunk | FileMetaData |
 *   u32 footer length | "PAR1".
 *
 * Each leaf column keeps a chain of "steps" (one per Arrow level from the
 * top-level field down to the leaf) and is shredded into definition and
 * repetition levels (Dremel) plus the positions of its non-null leaf values.
 * Values are converted to their Parquet physical form (widening, unit
 * scaling, decimals), then feed the statistics, the dictionary (open
 * addressing on raw values) or a PLAIN buffer. Pages are cut on row
 * boundaries; a row group's encoded pages are buffered per column and written
 * when the row group is full, so memory is bounded by the row group.
 */
#include "deltalite/parquet_write.h"

#include "arrow/arrow.h"
#include "parquet/codec.h"
#include "parquet/encoding.h"
#include "parquet/meta.h"
#include "parquet/stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#define PQW_MAX_DEPTH 64
#define PQW_MINI_ROWS 4096

enum step_kind { SK_STRUCT, SK_LIST, SK_LARGE_LIST, SK_FIXED_LIST, SK_MAP, SK_LEAF };

typedef struct pqw_step {
	uint8_t kind;
	bool nullable;     /* a present value adds one definition level */
	int32_t child;     /* struct: the child on the path */
	int32_t list_size; /* fixed-size list */
	int16_t rep;       /* lists: repetition level of elements after the first */
} pqw_step;

/* Conversion from the Arrow leaf to the Parquet physical value. */
enum conv {
	CV_NULL, CV_BOOL, CV_I8, CV_U8, CV_I16, CV_U16, CV_COPY4, CV_COPY8, CV_MUL32,
	CV_MUL64, CV_DATE64, CV_FIXED, CV_DEC_I32, CV_DEC_I64, CV_DEC_FLBA, CV_BIN32,
	CV_BIN64, CV_INT96
};

typedef struct pqw_page_info {
	int64_t offset;     /* in the chunk's data pages, then absolute */
	int32_t size;       /* header + body */
	int64_t first_row;  /* within the row group */
	int64_t null_count;
	bool null_page;
	size_t min_off, min_len, max_off, max_len; /* in pi_bytes */
} pqw_page_info;

typedef struct pqw_dict {
	uint32_t *slots;   /* 0 empty, else entry + 1 */
	size_t cap;        /* power of two */
	uint32_t count;
	uint64_t *offs;    /* byte arrays: where entry bytes start in values */
	size_t offs_cap;
	dlt_buf values;    /* PLAIN-encoded entries: the dictionary page payload */
} pqw_dict;

typedef struct pqw_column {
	char *path;                /* dotted Parquet path */
	char **names;              /* Arrow names on the path */
	size_t n_names;
	bool in_list;
	int top;
	pqw_step steps[PQW_MAX_DEPTH];
	int n_steps;
	int16_t max_def, max_rep;
	int ptype;                 /* dlt_pq_type */
	int32_t width;             /* physical fixed width; 0 for BYTE_ARRAY */
	int conv;
	int64_t mul;
	int32_t src_width;
	const struct ArrowSchema *field; /* the field in w->schema */
	const struct ArrowSchema *vschema; /* value schema (dictionary's for dict input) */
	bool dict_input;
	dlt_type_view idx_tv;
	int encoding;              /* non-dictionary encoding of data pages */
	bool use_dict, dict_fallen;
	bool dict_auto;            /* dictionary by default (not asked for): kept only
	                            * where the first page shows that it pays */
	bool dict_decided;         /* this chunk's trial is done */
	dlt_pq_sort sort;
	bool is_string;
	/* current page */
	dlt_buf def, rep, vals, idx;
	int64_t page_levels, page_rows, page_values;
	dlt_pq_stats page_stats, chunk_stats, file_stats;
	/* current chunk */
	dlt_buf chunk;
	pqw_page_info *pages;
	size_t n_pages, pages_cap;
	dlt_buf pi_bytes;
	int64_t chunk_levels, chunk_rows, chunk_uncompressed, chunk_compressed;
	uint32_t enc_mask;
	pqw_dict dict;
	/* per mini slice */
	dlt_buf pos, gath, views, dpos;
	bool contig;
	int64_t cstart;
	size_t nvals;
	const uint8_t *vptr;
	const char **pq_path;      /* path_in_schema, in the arena */
	size_t pq_path_len;
} pqw_column;

struct dlt_parquet_writer {
	dlt_output *sink;
	struct ArrowSchema schema;
	dlt_parquet_write_options o;
	pqw_column *cols;
	size_t n_cols;
	dlt_pq_schema_element *elems;
	size_t n_elems, elems_cap;
	dlt_pq_arena *arena;
	dlt_pq_row_group *rgs;
	size_t n_rgs, rgs_cap;
	dlt_buf ci_buf, oi_buf;
	uint64_t pos;
	int64_t rg_rows, total_rows;
	int state; /* 0 open, 1 closed, 2 failed */
	dlt_pq_codec_ctx *cctx;
	dlt_buf raw, comp, hdr, tmp, smin, smax;
	const char *created_by;
	dlt_pq_kv *kv;
	size_t n_kv;
};

typedef struct pqw_result_col {
	dlt_parquet_write_column pub;
	dlt_buf min, max;
	int conv;
	int64_t mul;
	int ptype;
	const struct ArrowSchema *vschema;
} pqw_result_col;

struct dlt_parquet_write_result {
	int64_t num_rows;
	uint64_t file_size;
	size_t n_cols;
	pqw_result_col *cols;
	struct ArrowSchema schema;
	char **strings;            /* names and paths the columns point to */
	size_t n_strings;
};

/* ---------------- options ---------------- */

int dlt_parquet_write_options_init(dlt_parquet_write_options *opts, unsigned int version)
{
	static const dlt_parquet_write_options def = DLT_PARQUET_WRITE_OPTIONS_INIT;

	DLT_ARG_CHECK(opts != NULL, NULL);
	if (version != DLT_PARQUET_WRITE_OPTIONS_VERSION)
		return dlt_error_set(NULL, DLT_EINVAL, "unknown options version");
	*opts = def;
	return DLT_OK;
}

static int check_options(const dlt_parquet_write_options *o, dlt_error *err)
{
	switch (o->codec) {
	case DLT_PARQUET_CODEC_UNCOMPRESSED:
	case DLT_PARQUET_CODEC_SNAPPY:
	case DLT_PARQUET_CODEC_GZIP:
	case DLT_PARQUET_CODEC_BROTLI:
	case DLT_PARQUET_CODEC_ZSTD:
	case DLT_PARQUET_CODEC_LZ4_RAW:
		break;
	default:
		return dlt_error_set(err, DLT_EINVAL, "parquet writer: unknown codec %d", o->codec);
	}
	if (!dlt_pq__codec_supported(o->codec))
		return dlt_error_set(err, DLT_EUNSUPPORTED, "parquet writer: codec %s not available",
		                     dlt_pq__codec_name(o->codec));
	if (o->row_group_rows <= 0 || o->row_group_bytes <= 0 || o->page_bytes <= 0 ||
	    o->page_rows <= 0 || o->dictionary_bytes <= 0 || o->stats_truncate_bytes < 0)
		return dlt_error_set(err, DLT_EINVAL,
		                     "parquet writer: row group, page and dictionary limits must be "
		                     "positive");
	if (o->data_page_version != 1 && o->data_page_version != 2)
		return dlt_error_set(err, DLT_EINVAL,
		                     "parquet writer: data page version must be 1 or 2, not %d",
		                     o->data_page_version);
	if (o->n_columns > 0 && o->columns == NULL)
		return dlt_error_set(err, DLT_EINVAL, "parquet writer: n_columns without columns");
	if (o->n_kv > 0 && o->kv_keys == NULL)
		return dlt_error_set(err, DLT_EINVAL, "parquet writer: n_kv without kv_keys");
	return DLT_OK;
}

/* ---------------- schema mapping ---------------- */

static int add_elem(dlt_parquet_writer *w, size_t *idx, const char *name, dlt_error *err)
{
	dlt_pq_schema_element *e;

	if (w->n_elems == w->elems_cap) {
		size_t cap = w->elems_cap ? w->elems_cap * 2 : 16;
		void *p = dlt_realloc(w->elems, cap * sizeof(*w->elems));
		if (!p)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		w->elems = p;
		w->elems_cap = cap;
	}
	e = &w->elems[w->n_elems];
	memset(e, 0, sizeof(*e));
	e->name = dlt_pq__arena_strndup(w->arena, name, strlen(name));
	if (!e->name)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	*idx = w->n_elems++;
	return DLT_OK;
}

typedef struct map_ctx {
	pqw_step chain[PQW_MAX_DEPTH];
	const char *pq[PQW_MAX_DEPTH * 3];
	size_t n_pq;
	const char *names[PQW_MAX_DEPTH];
	size_t n_names;
	bool in_list;
	int top;
} map_ctx;

static int field_id_of(const struct ArrowSchema *f, bool *has, int32_t *id)
{
	const char *v;
	int32_t len;
	char tmp[16];
	char *end;
	long x;

	*has = false;
	if (dlt_schema__metadata_get(f, "PARQUET:field_id", &v, &len) != DLT_OK)
		return DLT_OK;
	if (len <= 0 || len >= (int32_t)sizeof(tmp))
		return DLT_EINVAL;
	memcpy(tmp, v, (size_t)len);
	tmp[len] = '\0';
	x = strtol(tmp, &end, 10);
	if (*end != '\0' || x < INT32_MIN || x > INT32_MAX)
		return DLT_EINVAL;
	*has = true;
	*id = (int32_t)x;
	return DLT_OK;
}

static char *join_path(const char *const *parts, size_t n)
{
	size_t len = 1, i;
	char *s, *p;

	for (i = 0; i < n; i++)
		len += strlen(parts[i]) + 1;
	s = dlt_malloc(len);
	if (!s)
		return NULL;
	p = s;
	for (i = 0; i < n; i++) {
		size_t l = strlen(parts[i]);
		if (i)
			*p++ = '.';
		memcpy(p, parts[i], l);
		p += l;
	}
	*p = '\0';
	return s;
}

static int decimal_flba_width(int32_t precision)
{
	int n;

	for (n = 1; n < 32; n++)
		if ((double)(8 * n - 1) * 0.30102999566398120 >= (double)precision)
			return n;
	return 32;
}

static int map_leaf(dlt_parquet_writer *w, pqw_column *c, dlt_pq_schema_element *e,
                    const dlt_type_view *tv, const struct ArrowSchema *f, dlt_error *err)
{
	dlt_pq_logical_type *lt = &e->logical;
	char desc[128];

	e->has_type = true;
	c->sort = DLT_PQ_SORT_I32;
	switch (tv->type) {
	case DLT_AT_NA:
		e->type = DLT_PQ_TYPE_INT32;
		lt->kind = DLT_PQ_LT_UNKNOWN;
		c->conv = CV_NULL;
		break;
	case DLT_AT_BOOL:
		e->type = DLT_PQ_TYPE_BOOLEAN;
		c->conv = CV_BOOL;
		c->sort = DLT_PQ_SORT_BOOL;
		break;
	case DLT_AT_INT8:
	case DLT_AT_UINT8:
	case DLT_AT_INT16:
	case DLT_AT_UINT16:
	case DLT_AT_UINT32:
	case DLT_AT_UINT64: {
		bool sig = tv->type == DLT_AT_INT8 || tv->type == DLT_AT_INT16;
		int bits = tv->bit_width;
		e->type = bits == 64 ? DLT_PQ_TYPE_INT64 : DLT_PQ_TYPE_INT32;
		lt->kind = DLT_PQ_LT_INTEGER;
		lt->bit_width = (int8_t)bits;
		lt->is_signed = sig;
		e->has_converted_type = true;
		switch (tv->type) {
		case DLT_AT_INT8: e->converted_type = DLT_PQ_CT_INT_8; c->conv = CV_I8; break;
		case DLT_AT_UINT8: e->converted_type = DLT_PQ_CT_UINT_8; c->conv = CV_U8; break;
		case DLT_AT_INT16: e->converted_type = DLT_PQ_CT_INT_16; c->conv = CV_I16; break;
		case DLT_AT_UINT16: e->converted_type = DLT_PQ_CT_UINT_16; c->conv = CV_U16; break;
		case DLT_AT_UINT32: e->converted_type = DLT_PQ_CT_UINT_32; c->conv = CV_COPY4; break;
		default: e->converted_type = DLT_PQ_CT_UINT_64; c->conv = CV_COPY8; break;
		}
		c->sort = sig ? DLT_PQ_SORT_I32 : bits == 64 ? DLT_PQ_SORT_U64 : DLT_PQ_SORT_U32;
		break;
	}
	case DLT_AT_INT32:
		e->type = DLT_PQ_TYPE_INT32;
		c->conv = CV_COPY4;
		break;
	case DLT_AT_INT64:
		e->type = DLT_PQ_TYPE_INT64;
		c->conv = CV_COPY8;
		c->sort = DLT_PQ_SORT_I64;
		break;
	case DLT_AT_FLOAT16:
		e->type = DLT_PQ_TYPE_FIXED_LEN_BYTE_ARRAY;
		e->has_type_length = true;
		e->type_length = 2;
		lt->kind = DLT_PQ_LT_FLOAT16;
		c->conv = CV_FIXED;
		c->src_width = 2;
		c->sort = DLT_PQ_SORT_FLOAT16;
		break;
	case DLT_AT_FLOAT32:
		e->type = DLT_PQ_TYPE_FLOAT;
		c->conv = CV_COPY4;
		c->sort = DLT_PQ_SORT_FLOAT;
		break;
	case DLT_AT_FLOAT64:
		e->type = DLT_PQ_TYPE_DOUBLE;
		c->conv = CV_COPY8;
		c->sort = DLT_PQ_SORT_DOUBLE;
		break;
	case DLT_AT_DECIMAL128:
	case DLT_AT_DECIMAL256:
		if (tv->precision < 1)
			goto unsupported;
		e->has_converted_type = true;
		e->converted_type = DLT_PQ_CT_DECIMAL;
		e->has_scale = e->has_precision = true;
		e->scale = tv->scale;
		e->precision = tv->precision;
		lt->kind = DLT_PQ_LT_DECIMAL;
		lt->scale = tv->scale;
		lt->precision = tv->precision;
		c->src_width = tv->byte_width > 0 ? tv->byte_width
		                                  : (tv->type == DLT_AT_DECIMAL128 ? 16 : 32);
		if (tv->precision <= 9) {
			e->type = DLT_PQ_TYPE_INT32;
			c->conv = CV_DEC_I32;
		} else if (tv->precision <= 18) {
			e->type = DLT_PQ_TYPE_INT64;
			c->conv = CV_DEC_I64;
			c->sort = DLT_PQ_SORT_I64;
		} else {
			e->type = DLT_PQ_TYPE_FIXED_LEN_BYTE_ARRAY;
			e->has_type_length = true;
			e->type_length = decimal_flba_width(tv->precision);
			if (e->type_length > c->src_width)
				goto unsupported;
			c->conv = CV_DEC_FLBA;
			c->sort = DLT_PQ_SORT_DECIMAL_BE;
		}
		break;
	case DLT_AT_DATE32:
	case DLT_AT_DATE64:
		e->type = DLT_PQ_TYPE_INT32;
		e->has_converted_type = true;
		e->converted_type = DLT_PQ_CT_DATE;
		lt->kind = DLT_PQ_LT_DATE;
		c->conv = tv->type == DLT_AT_DATE32 ? CV_COPY4 : CV_DATE64;
		break;
	case DLT_AT_TIME32:
	case DLT_AT_TIME64:
		/* Arrow times are local: isAdjustedToUTC = false, so no converted type
		 * (TIME_MILLIS/MICROS mean adjusted to UTC). */
		lt->kind = DLT_PQ_LT_TIME;
		lt->is_adjusted_to_utc = false;
		if (tv->type == DLT_AT_TIME32) {
			e->type = DLT_PQ_TYPE_INT32;
			lt->unit = DLT_PQ_UNIT_MILLIS;
			c->conv = tv->unit == DLT_TU_SECOND ? CV_MUL32 : CV_COPY4;
			c->mul = 1000;
		} else {
			e->type = DLT_PQ_TYPE_INT64;
			lt->unit = tv->unit == DLT_TU_NANO ? DLT_PQ_UNIT_NANOS : DLT_PQ_UNIT_MICROS;
			c->conv = CV_COPY8;
			c->sort = DLT_PQ_SORT_I64;
		}
		break;
	case DLT_AT_TIMESTAMP: {
		static const int64_t ns_per[4] = { 1000000000, 1000000, 1000, 1 };
		bool utc = tv->tz != NULL && tv->tz[0] != '\0';
		if (w->o.int96_timestamps) {
			e->type = DLT_PQ_TYPE_INT96;
			c->conv = CV_INT96;
			c->mul = ns_per[tv->unit];
			c->sort = DLT_PQ_SORT_NONE;
			break;
		}
		e->type = DLT_PQ_TYPE_INT64;
		c->sort = DLT_PQ_SORT_I64;
		lt->kind = DLT_PQ_LT_TIMESTAMP;
		lt->is_adjusted_to_utc = utc;
		c->conv = CV_COPY8;
		switch (tv->unit) {
		case DLT_TU_SECOND:
			c->conv = CV_MUL64;
			c->mul = 1000;
			/* fall through */
		case DLT_TU_MILLI:
			lt->unit = DLT_PQ_UNIT_MILLIS;
			break;
		case DLT_TU_MICRO:
			lt->unit = DLT_PQ_UNIT_MICROS;
			break;
		case DLT_TU_NANO:
			lt->unit = DLT_PQ_UNIT_NANOS;
			break;
		}
		if (utc && lt->unit != DLT_PQ_UNIT_NANOS) {
			e->has_converted_type = true;
			e->converted_type = lt->unit == DLT_PQ_UNIT_MILLIS ? DLT_PQ_CT_TIMESTAMP_MILLIS
			                                                    : DLT_PQ_CT_TIMESTAMP_MICROS;
		}
		break;
	}
	case DLT_AT_STRING:
	case DLT_AT_LARGE_STRING:
		e->has_converted_type = true;
		e->converted_type = DLT_PQ_CT_UTF8;
		lt->kind = DLT_PQ_LT_STRING;
		c->is_string = true;
		/* fall through */
	case DLT_AT_BINARY:
	case DLT_AT_LARGE_BINARY:
		e->type = DLT_PQ_TYPE_BYTE_ARRAY;
		c->conv = (tv->type == DLT_AT_STRING || tv->type == DLT_AT_BINARY) ? CV_BIN32
		                                                                   : CV_BIN64;
		c->sort = DLT_PQ_SORT_BYTES;
		break;
	case DLT_AT_FIXED_BINARY: {
		const char *ext;
		int32_t len;
		if (tv->byte_width <= 0)
			goto unsupported;
		e->type = DLT_PQ_TYPE_FIXED_LEN_BYTE_ARRAY;
		e->has_type_length = true;
		e->type_length = tv->byte_width;
		c->conv = CV_FIXED;
		c->src_width = tv->byte_width;
		c->sort = DLT_PQ_SORT_BYTES;
		if (tv->byte_width == 16 &&
		    dlt_schema__metadata_get(f, "ARROW:extension:name", &ext, &len) == DLT_OK &&
		    len == 10 && memcmp(ext, "arrow.uuid", 10) == 0)
			lt->kind = DLT_PQ_LT_UUID;
		break;
	}
	default:
		goto unsupported;
	}
	c->ptype = (int)e->type;
	switch (e->type) {
	case DLT_PQ_TYPE_BOOLEAN: c->width = 1; break;
	case DLT_PQ_TYPE_INT32: case DLT_PQ_TYPE_FLOAT: c->width = 4; break;
	case DLT_PQ_TYPE_INT64: case DLT_PQ_TYPE_DOUBLE: c->width = 8; break;
	case DLT_PQ_TYPE_INT96: c->width = 12; break;
	case DLT_PQ_TYPE_FIXED_LEN_BYTE_ARRAY: c->width = e->type_length; break;
	default: c->width = 0; break;
	}
	return DLT_OK;
unsupported:
	return dlt_error_set(err, DLT_EUNSUPPORTED,
	                     "parquet writer: column '%s': arrow type %s cannot be written to "
	                     "parquet",
	                     c->path, dlt_arrow__format_describe(f->dictionary ? f->dictionary->format
	                                                                       : f->format,
	                                                         desc, sizeof(desc)));
}

static bool path_matches(const char *opt, const char *path)
{
	size_t n = strlen(opt);
	return strncmp(opt, path, n) == 0 && (path[n] == '\0' || path[n] == '.');
}

static int choose_encoding(dlt_parquet_writer *w, pqw_column *c, dlt_error *err)
{
	int enc = DLT_PARQUET_ENCODING_DEFAULT, dict = -1;
	size_t i;
	bool ok;

	for (i = 0; i < w->o.n_columns; i++) {
		const dlt_parquet_column_options *co = &w->o.columns[i];
		if (!co->path || !path_matches(co->path, c->path))
			continue;
		if (co->encoding != DLT_PARQUET_ENCODING_DEFAULT)
			enc = co->encoding;
		if (co->dictionary >= 0)
			dict = co->dictionary;
	}
	c->encoding = DLT_PQ_ENC_PLAIN;
	c->use_dict = w->o.dictionary != 0;
	if (dict >= 0)
		c->use_dict = dict != 0;
	if (enc == DLT_PARQUET_ENCODING_RLE_DICTIONARY) {
		c->use_dict = true;
	} else if (enc != DLT_PARQUET_ENCODING_DEFAULT) {
		/* an explicit encoding means no dictionary, unless asked for (PLAIN) */
		c->encoding = enc;
		c->use_dict = enc == DLT_PARQUET_ENCODING_PLAIN && dict == 1;
	}
	switch (c->encoding) {
	case DLT_PQ_ENC_PLAIN:
		ok = true;
		break;
	case DLT_PQ_ENC_DELTA_BINARY_PACKED:
		ok = c->ptype == DLT_PQ_TYPE_INT32 || c->ptype == DLT_PQ_TYPE_INT64;
		break;
	case DLT_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
		ok = c->ptype == DLT_PQ_TYPE_BYTE_ARRAY;
		break;
	case DLT_PQ_ENC_DELTA_BYTE_ARRAY:
		ok = c->ptype == DLT_PQ_TYPE_BYTE_ARRAY || c->ptype == DLT_PQ_TYPE_FIXED_LEN_BYTE_ARRAY;
		break;
	case DLT_PQ_ENC_BYTE_STREAM_SPLIT:
		ok = c->ptype == DLT_PQ_TYPE_INT32 || c->ptype == DLT_PQ_TYPE_INT64 ||
		     c->ptype == DLT_PQ_TYPE_FLOAT || c->ptype == DLT_PQ_TYPE_DOUBLE ||
		     c->ptype == DLT_PQ_TYPE_FIXED_LEN_BYTE_ARRAY;
		break;
	default:
		ok = false;
		break;
	}
	if (!ok)
		return dlt_error_set(err, DLT_EINVAL,
		                     "parquet writer: column '%s': encoding %s cannot encode %s",
		                     c->path, dlt_pq__encoding_name(c->encoding),
		                     dlt_pq__type_name(c->ptype));
	/* Booleans, INT96 and all-null columns gain nothing from a dictionary. */
	if (c->ptype == DLT_PQ_TYPE_BOOLEAN || c->conv == CV_NULL)
		c->use_dict = false;
	c->dict_auto = c->use_dict && dict < 0 && enc == DLT_PARQUET_ENCODING_DEFAULT;
	return DLT_OK;
}

static int add_column(dlt_parquet_writer *w, map_ctx *m, int depth, int16_t max_def,
                      int16_t max_rep, const struct ArrowSchema *f,
                      const dlt_type_view *vtv, const dlt_type_view *itv, size_t elem,
                      dlt_error *err)
{
	pqw_column *c;
	size_t i;
	void *p;
	int rc;

	p = dlt_realloc(w->cols, (w->n_cols + 1) * sizeof(*w->cols));
	if (!p)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	w->cols = p;
	c = &w->cols[w->n_cols++];
	memset(c, 0, sizeof(*c));
	c->path = join_path(m->pq, m->n_pq);
	c->names = dlt_calloc(m->n_names ? m->n_names : 1, sizeof(char *));
	c->pq_path = dlt_pq__arena_alloc(w->arena, m->n_pq * sizeof(char *));
	if (!c->path || !c->names || !c->pq_path)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	for (i = 0; i < m->n_names; i++) {
		if (!(c->names[i] = dlt_strdup(m->names[i])))
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		c->n_names++;
	}
	for (i = 0; i < m->n_pq; i++)
		if (!(c->pq_path[i] = dlt_pq__arena_strndup(w->arena, m->pq[i], strlen(m->pq[i]))))
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	c->pq_path_len = m->n_pq;
	c->in_list = m->in_list;
	c->top = m->top;
	memcpy(c->steps, m->chain, (size_t)(depth + 1) * sizeof(pqw_step));
	c->n_steps = depth + 1;
	c->max_def = max_def;
	c->max_rep = max_rep;
	c->field = f;
	c->vschema = f->dictionary ? f->dictionary : f;
	c->dict_input = f->dictionary != NULL;
	if (itv)
		c->idx_tv = *itv;
	if ((rc = map_leaf(w, c, &w->elems[elem], vtv, f, err)) < 0 ||
	    (rc = choose_encoding(w, c, err)) < 0)
		return rc;
	dlt_parquet__stats_init(&c->page_stats, c->sort,
	                        c->ptype == DLT_PQ_TYPE_FIXED_LEN_BYTE_ARRAY ? c->width : 0,
	                        c->is_string);
	c->chunk_stats = c->page_stats;
	c->file_stats = c->page_stats;
	return DLT_OK;
}

static int map_field(dlt_parquet_writer *w, map_ctx *m, const struct ArrowSchema *f, int depth,
                     int16_t def, int16_t rep, const char *pq_name, bool force_required,
                     dlt_error *err)
{
	dlt_type_view tv, itv;
	const struct ArrowSchema *vs = f->dictionary ? f->dictionary : f;
	bool nullable = (f->flags & ARROW_FLAG_NULLABLE) && !force_required;
	bool has_id;
	int32_t id = 0;
	size_t e, save_pq = m->n_pq, save_names = m->n_names;
	pqw_step *st;
	int16_t d;
	int rc;

	if (depth >= PQW_MAX_DEPTH - 2)
		return dlt_error_set(err, DLT_ELIMIT, "parquet writer: schema nested deeper than %d",
		                     PQW_MAX_DEPTH - 2);
	if ((rc = dlt_arrow__parse_format(&tv, vs->format, err)) < 0)
		return rc;
	if (f->dictionary) {
		if ((rc = dlt_arrow__parse_format(&itv, f->format, err)) < 0)
			return rc;
		if (!dlt_arrow__is_integer(itv.type) || dlt_arrow__is_nested(tv.type))
			return dlt_error_set(err, DLT_EUNSUPPORTED,
			                     "parquet writer: field '%s': unsupported dictionary type",
			                     pq_name);
	}
	if (field_id_of(f, &has_id, &id) < 0)
		return dlt_error_set(err, DLT_EINVAL,
		                     "parquet writer: field '%s': PARQUET:field_id is not an integer",
		                     pq_name);
	if ((rc = add_elem(w, &e, pq_name, err)) < 0)
		return rc;
	w->elems[e].has_repetition = true;
	w->elems[e].repetition = nullable ? DLT_PQ_OPTIONAL : DLT_PQ_REQUIRED;
	w->elems[e].has_field_id = has_id;
	w->elems[e].field_id = id;
	m->pq[m->n_pq++] = pq_name;
	if (!m->in_list)
		m->names[m->n_names++] = f->name ? f->name : "";
	st = &m->chain[depth];
	memset(st, 0, sizeof(*st));
	st->nullable = nullable;
	d = (int16_t)(def + (nullable ? 1 : 0));

	switch (tv.type) {
	case DLT_AT_STRUCT: {
		int64_t i;
		if (f->n_children <= 0) {
			char *p = join_path(m->pq, m->n_pq);
			rc = dlt_error_set(err, DLT_EUNSUPPORTED,
			                   "parquet writer: column '%s': a struct without fields cannot "
			                   "be written to parquet", p ? p : pq_name);
			dlt_free(p);
			return rc;
		}
		w->elems[e].has_num_children = true;
		w->elems[e].num_children = (int32_t)f->n_children;
		st->kind = SK_STRUCT;
		for (i = 0; i < f->n_children; i++) {
			const struct ArrowSchema *ch = f->children[i];
			m->chain[depth].child = (int32_t)i;
			if ((rc = map_field(w, m, ch, depth + 1, d, rep, ch->name ? ch->name : "",
			                    false, err)) < 0)
				return rc;
		}
		break;
	}
	case DLT_AT_LIST:
	case DLT_AT_LARGE_LIST:
	case DLT_AT_FIXED_LIST:
	case DLT_AT_MAP: {
		size_t g;
		bool was_in_list = m->in_list;
		bool is_map = tv.type == DLT_AT_MAP;
		if (f->n_children != 1 || (is_map && f->children[0]->n_children != 2))
			return dlt_error_set(err, DLT_ECORRUPT,
			                     "parquet writer: field '%s': malformed list/map schema",
			                     pq_name);
		st->kind = is_map ? SK_MAP : tv.type == DLT_AT_LIST ? SK_LIST
		         : tv.type == DLT_AT_LARGE_LIST ? SK_LARGE_LIST : SK_FIXED_LIST;
		st->list_size = tv.byte_width;
		st->rep = (int16_t)(rep + 1);
		w->elems[e].has_num_children = true;
		w->elems[e].num_children = 1;
		w->elems[e].has_converted_type = true;
		w->elems[e].converted_type = is_map ? DLT_PQ_CT_MAP : DLT_PQ_CT_LIST;
		w->elems[e].logical.kind = is_map ? DLT_PQ_LT_MAP : DLT_PQ_LT_LIST;
		if ((rc = add_elem(w, &g, is_map ? "key_value" : "list", err)) < 0)
			return rc;
		w->elems[g].has_repetition = true;
		w->elems[g].repetition = DLT_PQ_REPEATED;
		w->elems[g].has_num_children = true;
		w->elems[g].num_children = is_map ? 2 : 1;
		m->pq[m->n_pq++] = is_map ? "key_value" : "list";
		m->in_list = true;
		if (!is_map) {
			rc = map_field(w, m, f->children[0], depth + 1, (int16_t)(d + 1),
			               (int16_t)(rep + 1), "element", false, err);
		} else {
			const struct ArrowSchema *ent = f->children[0];
			pqw_step *es = &m->chain[depth + 1];
			memset(es, 0, sizeof(*es));
			es->kind = SK_STRUCT;
			es->child = 0;
			rc = map_field(w, m, ent->children[0], depth + 2, (int16_t)(d + 1),
			               (int16_t)(rep + 1), "key", true, err);
			if (rc >= 0) {
				m->chain[depth + 1].child = 1;
				rc = map_field(w, m, ent->children[1], depth + 2, (int16_t)(d + 1),
				               (int16_t)(rep + 1), "value", false, err);
			}
		}
		m->in_list = was_in_list;
		if (rc < 0)
			return rc;
		break;
	}
	default:
		st->kind = SK_LEAF;
		if ((rc = add_column(w, m, depth, d, rep, f, &tv, f->dictionary ? &itv : NULL, e,
		                     err)) < 0)
			return rc;
		break;
	}
	m->n_pq = save_pq;
	m->n_names = save_names;
	return DLT_OK;
}

static int map_schema(dlt_parquet_writer *w, dlt_error *err)
{
	const struct ArrowSchema *s = &w->schema;
	map_ctx *m;
	size_t root;
	int64_t i;
	int rc = DLT_OK;

	if (!s->format || strcmp(s->format, "+s") != 0)
		return dlt_error_set(err, DLT_EINVAL,
		                     "parquet writer: schema must be a struct (record batch), not '%s'",
		                     s->format ? s->format : "(null)");
	if (s->n_children <= 0)
		return dlt_error_set(err, DLT_EUNSUPPORTED,
		                     "parquet writer: a schema without columns cannot be written");
	if ((rc = add_elem(w, &root, "schema", err)) < 0)
		return rc;
	w->elems[root].has_num_children = true;
	w->elems[root].num_children = (int32_t)s->n_children;
	m = dlt_calloc(1, sizeof(*m));
	if (!m)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	for (i = 0; i < s->n_children && rc >= 0; i++) {
		const struct ArrowSchema *f = s->children[i];
		m->top = (int)i;
		m->n_pq = m->n_names = 0;
		m->in_list = false;
		rc = map_field(w, m, f, 0, 0, 0, f->name ? f->name : "", false, err);
	}
	dlt_free(m);
	return rc;
}

/* ---------------- shredding ---------------- */

static inline int push_level(pqw_column *c, int16_t d, int16_t r, dlt_error *err)
{
	int rc;

	if (c->max_def > 0 && (rc = dlt_buf_append(&c->def, &d, sizeof(d), err)) < 0)
		return rc;
	if (c->max_rep > 0 && (rc = dlt_buf_append(&c->rep, &r, sizeof(r), err)) < 0)
		return rc;
	c->page_levels++;
	if (d < c->max_def)
		c->page_stats.null_count++;
	return DLT_OK;
}

static int not_nullable(pqw_column *c, dlt_error *err)
{
	return dlt_error_set(err, DLT_ESCHEMA,
	                     "parquet writer: column '%s': null in a non-nullable field", c->path);
}

static int emit(pqw_column *c, int k, const struct ArrowArray *a, int64_t i, int16_t d,
                int16_t r, dlt_error *err)
{
	const pqw_step *st = &c->steps[k];
	int64_t s, e, j;
	int rc;

	if (dlt_arrow__is_null(a, i)) {
		if (!st->nullable)
			return not_nullable(c, err);
		return push_level(c, d, r, err);
	}
	if (st->nullable)
		d++;
	switch (st->kind) {
	case SK_LEAF:
		if ((rc = push_level(c, d, r, err)) < 0)
			return rc;
		return dlt_buf_append(&c->pos, &i, sizeof(i), err);
	case SK_STRUCT:
		return emit(c, k + 1, a->children[st->child], a->offset + i, d, r, err);
	case SK_LIST:
	case SK_MAP: {
		const int32_t *off = a->buffers[1];
		s = off[a->offset + i];
		e = off[a->offset + i + 1];
		break;
	}
	case SK_LARGE_LIST: {
		const int64_t *off = a->buffers[1];
		s = off[a->offset + i];
		e = off[a->offset + i + 1];
		break;
	}
	default: /* SK_FIXED_LIST */
		s = (a->offset + i) * st->list_size;
		e = s + st->list_size;
		break;
	}
	if (s == e)
		return push_level(c, d, r, err);
	for (j = s; j < e; j++)
		if ((rc = emit(c, k + 1, a->children[0], j, (int16_t)(d + 1), j == s ? r : st->rep,
		               err)) < 0)
			return rc;
	return DLT_OK;
}

/* Shred rows [start, start+n) of the top-level column array (logical indices). */
static int shred(pqw_column *c, const struct ArrowArray *col, int64_t start, int64_t n,
                 dlt_error *err)
{
	int64_t i;
	int rc;

	dlt_buf_clear(&c->pos);
	c->contig = false;
	c->page_rows += n;
	if (c->n_steps == 1) {
		bool has_nulls = col->n_buffers == 0 ||
		                 (col->null_count != 0 && col->buffers[0] != NULL);
		if (!has_nulls) {
			if (c->max_def > 0) {
				int16_t *p;
				if ((rc = dlt_buf_reserve(&c->def, (size_t)n * 2, err)) < 0)
					return rc;
				p = (int16_t *)(void *)(c->def.data + c->def.len);
				for (i = 0; i < n; i++)
					p[i] = 1;
				c->def.len += (size_t)n * 2;
			}
			c->page_levels += n;
			c->contig = true;
			c->cstart = start;
			c->nvals = (size_t)n;
			return DLT_OK;
		}
		if (!c->steps[0].nullable)
			return not_nullable(c, err);
		if ((rc = dlt_buf_reserve(&c->def, (size_t)n * 2, err)) < 0 ||
		    (rc = dlt_buf_reserve(&c->pos, (size_t)n * 8, err)) < 0)
			return rc;
		{
			int16_t *dp = (int16_t *)(void *)(c->def.data + c->def.len);
			int64_t *pp = (int64_t *)(void *)c->pos.data;
			size_t np = 0;
			for (i = 0; i < n; i++) {
				int64_t li = start + i;
				bool valid = col->n_buffers > 0 &&
				             dlt_arrow__bit(col->buffers[0], col->offset + li);
				dp[i] = valid;
				pp[np] = li;
				np += valid;
			}
			c->def.len += (size_t)n * 2;
			c->pos.len = np * 8;
			c->page_levels += n;
			c->page_stats.null_count += n - (int64_t)np;
			c->nvals = np;
		}
		return DLT_OK;
	}
	for (i = 0; i < n; i++)
		if ((rc = emit(c, 0, col, start + i, 0, 0, err)) < 0)
			return rc;
	c->nvals = c->pos.len / 8;
	return DLT_OK;
}

/* ---------------- gathering physical values ---------------- */

static inline int64_t pos_at(const pqw_column *c, size_t k)
{
	int64_t p;
	if (c->contig)
		return c->cstart + (int64_t)k;
	memcpy(&p, c->pos.data + k * 8, 8);
	return p;
}

static int64_t load_index(const dlt_type_view *tv, const void *buf, int64_t i)
{
	const uint8_t *b = buf;
	switch (tv->type) {
	case DLT_AT_INT8: return (int8_t)b[i];
	case DLT_AT_UINT8: return b[i];
	case DLT_AT_INT16: { int16_t v; memcpy(&v, b + 2 * i, 2); return v; }
	case DLT_AT_UINT16: { uint16_t v; memcpy(&v, b + 2 * i, 2); return v; }
	case DLT_AT_INT32: { int32_t v; memcpy(&v, b + 4 * i, 4); return v; }
	case DLT_AT_UINT32: { uint32_t v; memcpy(&v, b + 4 * i, 4); return v; }
	default: { int64_t v; memcpy(&v, b + 8 * i, 8); return v; }
	}
}

static int range_error(pqw_column *c, dlt_error *err)
{
	return dlt_error_set(err, DLT_ESCHEMA,
	                     "parquet writer: column '%s': value out of range for its parquet type",
	                     c->path);
}

static int gather(pqw_column *c, const struct ArrowArray *leaf, dlt_error *err)
{
	const struct ArrowArray *a = leaf;
	size_t n = c->nvals, k;
	int64_t base;
	int rc;

	c->vptr = NULL;
	if (n == 0 || c->conv == CV_NULL)
		return DLT_OK;
	if (c->dict_input) {
		/* translate positions through the indices into the dictionary */
		int64_t *dp;
		if ((rc = dlt_buf_reserve(&c->dpos, n * 8, err)) < 0)
			return rc;
		dp = (int64_t *)(void *)c->dpos.data;
		for (k = 0; k < n; k++)
			dp[k] = load_index(&c->idx_tv, leaf->buffers[1], leaf->offset + pos_at(c, k));
		if ((rc = dlt_buf_reserve(&c->pos, n * 8, err)) < 0)
			return rc;
		memcpy(c->pos.data, c->dpos.data, n * 8);
		c->pos.len = n * 8;
		c->contig = false;
		a = leaf->dictionary;
	}
	base = a->offset;
	if (c->conv == CV_BIN32 || c->conv == CV_BIN64) {
		dlt_pq_bview *v;
		const uint8_t *data = a->buffers[2];
		if ((rc = dlt_buf_reserve(&c->views, n * sizeof(dlt_pq_bview), err)) < 0)
			return rc;
		v = (dlt_pq_bview *)(void *)c->views.data;
		if (c->conv == CV_BIN32) {
			const int32_t *off = a->buffers[1];
			for (k = 0; k < n; k++) {
				int64_t i = base + pos_at(c, k);
				v[k].ptr = data + off[i];
				v[k].len = (uint32_t)(off[i + 1] - off[i]);
			}
		} else {
			const int64_t *off = a->buffers[1];
			for (k = 0; k < n; k++) {
				int64_t i = base + pos_at(c, k);
				int64_t l = off[i + 1] - off[i];
				if (l > (int64_t)UINT32_MAX - 4)
					return dlt_error_set(err, DLT_ELIMIT,
					                     "parquet writer: column '%s': value longer than "
					                     "4 GiB", c->path);
				v[k].ptr = data + off[i];
				v[k].len = (uint32_t)l;
			}
		}
		c->views.len = n * sizeof(dlt_pq_bview);
		return DLT_OK;
	}
	/* zero-copy: contiguous values whose layout is already the physical one */
	if (c->contig && (c->conv == CV_COPY4 || c->conv == CV_COPY8 || c->conv == CV_FIXED)) {
		c->vptr = (const uint8_t *)a->buffers[1] + (size_t)(base + c->cstart) * (size_t)c->width;
		return DLT_OK;
	}
	if ((rc = dlt_buf_reserve(&c->gath, n * (size_t)c->width, err)) < 0)
		return rc;
	{
		uint8_t *o = c->gath.data;
		const uint8_t *src = a->buffers[1];
		size_t w = (size_t)c->width;
		switch (c->conv) {
		case CV_BOOL:
			for (k = 0; k < n; k++)
				o[k] = dlt_arrow__bit(src, base + pos_at(c, k));
			break;
		case CV_I8:
			for (k = 0; k < n; k++) {
				int32_t v = (int8_t)src[base + pos_at(c, k)];
				memcpy(o + 4 * k, &v, 4);
			}
			break;
		case CV_U8:
			for (k = 0; k < n; k++) {
				int32_t v = src[base + pos_at(c, k)];
				memcpy(o + 4 * k, &v, 4);
			}
			break;
		case CV_I16:
			for (k = 0; k < n; k++) {
				int16_t s;
				int32_t v;
				memcpy(&s, src + 2 * (base + pos_at(c, k)), 2);
				v = s;
				memcpy(o + 4 * k, &v, 4);
			}
			break;
		case CV_U16:
			for (k = 0; k < n; k++) {
				uint16_t s;
				int32_t v;
				memcpy(&s, src + 2 * (base + pos_at(c, k)), 2);
				v = s;
				memcpy(o + 4 * k, &v, 4);
			}
			break;
		case CV_COPY4:
		case CV_COPY8:
		case CV_FIXED:
			for (k = 0; k < n; k++)
				memcpy(o + w * k, src + w * (size_t)(base + pos_at(c, k)), w);
			break;
		case CV_MUL32:
			for (k = 0; k < n; k++) {
				int32_t v;
				memcpy(&v, src + 4 * (base + pos_at(c, k)), 4);
				if (__builtin_mul_overflow(v, (int32_t)c->mul, &v))
					return range_error(c, err);
				memcpy(o + 4 * k, &v, 4);
			}
			break;
		case CV_MUL64:
			for (k = 0; k < n; k++) {
				int64_t v;
				memcpy(&v, src + 8 * (base + pos_at(c, k)), 8);
				if (__builtin_mul_overflow(v, c->mul, &v))
					return range_error(c, err);
				memcpy(o + 8 * k, &v, 8);
			}
			break;
		case CV_DATE64:
			for (k = 0; k < n; k++) {
				int64_t v, d;
				int32_t d32;
				memcpy(&v, src + 8 * (base + pos_at(c, k)), 8);
				d = v / 86400000;
				if (v % 86400000 < 0)
					d--;
				if (d < INT32_MIN || d > INT32_MAX)
					return range_error(c, err);
				d32 = (int32_t)d;
				memcpy(o + 4 * k, &d32, 4);
			}
			break;
		case CV_DEC_I32:
		case CV_DEC_I64:
			for (k = 0; k < n; k++) {
				int64_t v;
				memcpy(&v, src + (size_t)c->src_width * (size_t)(base + pos_at(c, k)), 8);
				if (c->conv == CV_DEC_I32) {
					int32_t v32 = (int32_t)v;
					memcpy(o + 4 * k, &v32, 4);
				} else {
					memcpy(o + 8 * k, &v, 8);
				}
			}
			break;
		case CV_DEC_FLBA:
			for (k = 0; k < n; k++) {
				const uint8_t *s = src + (size_t)c->src_width * (size_t)(base + pos_at(c, k));
				size_t j;
				for (j = 0; j < w; j++)
					o[w * k + j] = s[w - 1 - j];
			}
			break;
		case CV_INT96:
			for (k = 0; k < n; k++) {
				/* day and time of day in the source unit first: the whole
				 * int64 range of every unit fits (no detour through ns) */
				int64_t v, per_day = INT64_C(86400000000000) / c->mul, day, nod;
				uint32_t jd;
				memcpy(&v, src + 8 * (base + pos_at(c, k)), 8);
				day = v / per_day;
				nod = v % per_day;
				if (nod < 0) {
					nod += per_day;
					day--;
				}
				nod *= c->mul;
				if (day < -INT64_C(2440588) || day > INT32_MAX - INT64_C(2440588))
					return range_error(c, err);
				jd = (uint32_t)(day + 2440588);
				memcpy(o + 12 * k, &nod, 8);
				memcpy(o + 12 * k + 8, &jd, 4);
			}
			break;
		default:
			break;
		}
	}
	c->gath.len = n * (size_t)c->width;
	c->vptr = c->gath.data;
	return DLT_OK;
}

/* ---------------- dictionary ---------------- */

static inline uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t)n;
	while (n >= 8) {
		uint64_t k;
		memcpy(&k, p, 8);
		h = (h ^ k) * UINT64_C(0x9fb21c651e98df25);
		h ^= h >> 29;
		p += 8;
		n -= 8;
	}
	if (n) {
		uint64_t k = 0;
		memcpy(&k, p, n);
		h = (h ^ k) * UINT64_C(0x9fb21c651e98df25);
	}
	return mix64(h);
}

static inline uint64_t hash_fixed(const uint8_t *p, size_t w)
{
	uint64_t k = 0;
	if (w == 4) {
		uint32_t v;
		memcpy(&v, p, 4);
		return mix64(v);
	}
	if (w == 8) {
		memcpy(&k, p, 8);
		return mix64(k);
	}
	return hash_bytes(p, w);
}

static void dict_dispose(pqw_dict *d)
{
	dlt_free(d->slots);
	dlt_free(d->offs);
	dlt_buf_dispose(&d->values);
	memset(d, 0, sizeof(*d));
}

static void dict_reset(pqw_dict *d)
{
	if (d->slots)
		memset(d->slots, 0, d->cap * sizeof(uint32_t));
	d->count = 0;
	dlt_buf_clear(&d->values);
}

static int dict_grow(pqw_column *c, dlt_error *err)
{
	pqw_dict *d = &c->dict;
	size_t cap = d->cap ? d->cap * 2 : 1024, mask = cap - 1, i;
	uint32_t *slots = dlt_calloc(cap, sizeof(uint32_t));

	if (!slots)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	for (i = 0; i < d->count; i++) {
		uint64_t h;
		size_t s;
		if (c->width == 0) {
			uint32_t len;
			memcpy(&len, d->values.data + d->offs[i] - 4, 4);
			h = hash_bytes(d->values.data + d->offs[i], len);
		} else {
			h = hash_fixed(d->values.data + i * (size_t)c->width, (size_t)c->width);
		}
		s = (size_t)h & mask;
		while (slots[s])
			s = (s + 1) & mask;
		slots[s] = (uint32_t)i + 1;
	}
	dlt_free(d->slots);
	d->slots = slots;
	d->cap = cap;
	return DLT_OK;
}

/* Dictionary-encode the gathered values: indices appended to c->idx. */
static int dict_add(pqw_column *c, dlt_error *err)
{
	pqw_dict *d = &c->dict;
	size_t n = c->nvals, k, w = (size_t)c->width;
	uint32_t *out;
	int rc;

	if ((rc = dlt_buf_reserve(&c->idx, n * 4, err)) < 0)
		return rc;
	out = (uint32_t *)(void *)(c->idx.data + c->idx.len);
	for (k = 0; k < n; k++) {
		const uint8_t *v;
		uint32_t len;
		uint64_t h;
		size_t s, mask;

		if ((size_t)d->count + 1 > d->cap / 2 && (rc = dict_grow(c, err)) < 0)
			return rc;
		mask = d->cap - 1;
		if (w == 0) {
			const dlt_pq_bview *bv = (const dlt_pq_bview *)(const void *)c->views.data + k;
			v = bv->ptr;
			len = bv->len;
			h = hash_bytes(v, len);
		} else {
			v = c->vptr + w * k;
			len = (uint32_t)w;
			h = hash_fixed(v, w);
		}
		s = (size_t)h & mask;
		for (;;) {
			uint32_t e = d->slots[s];
			if (e == 0) {
				if (w == 0) {
					if (d->count + 1 > d->offs_cap) {
						size_t nc = d->offs_cap ? d->offs_cap * 2 : 1024;
						void *p = dlt_realloc(d->offs, nc * sizeof(uint64_t));
						if (!p)
							return dlt_error_set(err, DLT_ENOMEM, "out of memory");
						d->offs = p;
						d->offs_cap = nc;
					}
					if ((rc = dlt_buf_append(&d->values, &len, 4, err)) < 0)
						return rc;
					d->offs[d->count] = d->values.len;
				}
				if ((rc = dlt_buf_append(&d->values, v, len, err)) < 0)
					return rc;
				d->slots[s] = d->count + 1;
				out[k] = d->count++;
				break;
			}
			if (w == 0) {
				uint32_t el;
				const uint8_t *ep = d->values.data + d->offs[e - 1];
				memcpy(&el, ep - 4, 4);
				if (el == len && memcmp(ep, v, len) == 0) {
					out[k] = e - 1;
					break;
				}
			} else if (memcmp(d->values.data + (size_t)(e - 1) * w, v, w) == 0) {
				out[k] = e - 1;
				break;
			}
			s = (s + 1) & mask;
		}
	}
	c->idx.len += n * 4;
	return DLT_OK;
}

/* ---------------- pages ---------------- */

static int plain_append(pqw_column *c, dlt_error *err)
{
	size_t n = c->nvals, k;
	int rc;

	if (n == 0 || c->conv == CV_NULL)
		return DLT_OK;
	if (c->width > 0)
		return dlt_buf_append(&c->vals, c->vptr, n * (size_t)c->width, err);
	{
		const dlt_pq_bview *v = (const dlt_pq_bview *)(const void *)c->views.data;
		size_t total = 0;
		uint8_t *o;
		for (k = 0; k < n; k++)
			total += 4 + (size_t)v[k].len;
		if ((rc = dlt_buf_reserve(&c->vals, total, err)) < 0)
			return rc;
		o = c->vals.data + c->vals.len;
		for (k = 0; k < n; k++) {
			memcpy(o, &v[k].len, 4);
			if (v[k].len)
				memcpy(o + 4, v[k].ptr, v[k].len);
			o += 4 + (size_t)v[k].len;
		}
		c->vals.len += total;
	}
	return DLT_OK;
}

static void fill_stats(dlt_pq_statistics *st, const dlt_pq_stats *s, const dlt_buf *mn,
                       bool mn_exact, const dlt_buf *mx, bool mx_exact)
{
	memset(st, 0, sizeof(*st));
	st->present = true;
	st->has_null_count = true;
	st->null_count = s->null_count;
	if (s->has_minmax && s->order != DLT_PQ_SORT_NONE) {
		st->min_value.data = mn->data ? mn->data : (const uint8_t *)"";
		st->min_value.len = mn->len;
		st->max_value.data = mx->data ? mx->data : (const uint8_t *)"";
		st->max_value.len = mx->len;
		st->has_is_min_value_exact = st->has_is_max_value_exact = true;
		st->is_min_value_exact = mn_exact;
		st->is_max_value_exact = mx_exact;
	}
}

/* Compress `src` with the writer's codec into w->comp; *body points at the result. */
static int page_compress(dlt_parquet_writer *w, const uint8_t *src, size_t len, const uint8_t **body,
                    size_t *body_len, dlt_error *err)
{
	int rc;

	if (w->o.codec == DLT_PARQUET_CODEC_UNCOMPRESSED) {
		*body = src;
		*body_len = len;
		return DLT_OK;
	}
	dlt_buf_clear(&w->comp);
	if ((rc = dlt_pq__compress(w->cctx, w->o.codec, w->o.compression_level, src, len, &w->comp,
	                           err)) < 0)
		return rc;
	*body = w->comp.data;
	*body_len = w->comp.len;
	return DLT_OK;
}

static int encode_levels(dlt_buf *out, const dlt_buf *lv, int64_t n, int16_t max, bool prefix,
                         dlt_error *err)
{
	size_t at = out->len;
	int rc;

	if (max == 0)
		return DLT_OK;
	if (prefix && (rc = dlt_buf_append_zeros(out, 4, err)) < 0)
		return rc;
	if ((rc = dlt_pq__rle_encode_i16(out, (const int16_t *)(const void *)lv->data, (size_t)n,
	                                 dlt_pq__bit_width((uint64_t)max), err)) < 0)
		return rc;
	if (prefix)
		dlt_store_u32le(out->data + at, (uint32_t)(out->len - at - 4));
	return DLT_OK;
}

/* PLAIN byte arrays in c->vals -> offsets (w->tmp) + data for the DELTA encoders. */
static int split_plain_binary(dlt_parquet_writer *w, pqw_column *c, dlt_buf *data,
                              dlt_error *err)
{
	size_t n = (size_t)c->page_values, k, p = 0;
	int64_t *off;
	int rc;

	dlt_buf_clear(&w->tmp);
	dlt_buf_clear(data);
	if ((rc = dlt_buf_reserve(&w->tmp, (n + 1) * 8, err)) < 0 ||
	    (rc = dlt_buf_reserve(data, c->vals.len, err)) < 0)
		return rc;
	off = (int64_t *)(void *)w->tmp.data;
	off[0] = 0;
	for (k = 0; k < n; k++) {
		uint32_t len = (uint32_t)c->width;
		if (c->width == 0) {
			memcpy(&len, c->vals.data + p, 4);
			p += 4;
		}
		if (len)
			memcpy(data->data + data->len, c->vals.data + p, len);
		data->len += len;
		p += len;
		off[k + 1] = off[k] + len;
	}
	return DLT_OK;
}

static int encode_values(dlt_parquet_writer *w, pqw_column *c, dlt_buf *out, int *enc,
                         dlt_error *err)
{
	size_t n = (size_t)c->page_values;
	int rc;

	if (c->use_dict && c->dict.count > 0 && (c->idx.len > 0 || !c->dict_fallen)) {
		uint8_t bw = (uint8_t)dlt_pq__bit_width(c->dict.count - 1);
		if (bw == 0)
			bw = 1;
		*enc = DLT_PQ_ENC_RLE_DICTIONARY;
		if ((rc = dlt_buf_append_byte(out, bw, err)) < 0)
			return rc;
		return dlt_pq__rle_encode_u32(out, (const uint32_t *)(const void *)c->idx.data,
		                              c->idx.len / 4, bw, err);
	}
	*enc = c->encoding;
	switch (c->encoding) {
	case DLT_PQ_ENC_DELTA_BINARY_PACKED:
		if (c->ptype == DLT_PQ_TYPE_INT32)
			return dlt_pq__delta_encode_i32(out, (const int32_t *)(const void *)c->vals.data, n,
			                                err);
		return dlt_pq__delta_encode_i64(out, (const int64_t *)(const void *)c->vals.data, n,
		                                err);
	case DLT_PQ_ENC_BYTE_STREAM_SPLIT:
		return dlt_pq__bss_encode(out, c->vals.data, n, (size_t)c->width, err);
	case DLT_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
	case DLT_PQ_ENC_DELTA_BYTE_ARRAY: {
		dlt_buf data = DLT_BUF_INIT;
		if ((rc = split_plain_binary(w, c, &data, err)) >= 0) {
			const int64_t *off = (const int64_t *)(const void *)w->tmp.data;
			const uint8_t *dp = data.data ? data.data : (const uint8_t *)"";
			if (c->encoding == DLT_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY)
				rc = dlt_pq__delta_length_encode_binary64(out, off, dp, n, err);
			else
				rc = dlt_pq__delta_byte_array_encode_binary64(out, off, dp, n, err);
		}
		dlt_buf_dispose(&data);
		return rc;
	}
	default:
		if (c->ptype == DLT_PQ_TYPE_BOOLEAN)
			return dlt_pq__plain_encode_bool(out, c->vals.data, n, err);
		return dlt_buf_append(out, c->vals.data, c->vals.len, err);
	}
}

static int add_page_info(pqw_column *c, int64_t offset, int32_t size, const dlt_buf *mn,
                         const dlt_buf *mx, dlt_error *err)
{
	pqw_page_info *pi;
	int rc;

	if (c->n_pages == c->pages_cap) {
		size_t cap = c->pages_cap ? c->pages_cap * 2 : 16;
		void *p = dlt_realloc(c->pages, cap * sizeof(*c->pages));
		if (!p)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		c->pages = p;
		c->pages_cap = cap;
	}
	pi = &c->pages[c->n_pages];
	pi->offset = offset;
	pi->size = size;
	pi->first_row = c->chunk_rows;
	pi->null_count = c->page_stats.null_count;
	pi->null_page = !c->page_stats.has_minmax;
	pi->min_off = c->pi_bytes.len;
	pi->min_len = mn->len;
	if ((rc = dlt_buf_append(&c->pi_bytes, mn->data ? mn->data : (const uint8_t *)"", mn->len,
	                         err)) < 0)
		return rc;
	pi->max_off = c->pi_bytes.len;
	pi->max_len = mx->len;
	if ((rc = dlt_buf_append(&c->pi_bytes, mx->data ? mx->data : (const uint8_t *)"", mx->len,
	                         err)) < 0)
		return rc;
	c->n_pages++;
	return DLT_OK;
}

/* Dictionary or PLAIN? Decided once per column chunk, on its first page with
 * values, by the compressed sizes of both forms of that page: RLE indices +
 * dictionary page against PLAIN values, extrapolated to the pages the chunk
 * is expected to have. The dictionary is counted once when it is saturating
 * (the second half of the page added fewer than half as many new entries as
 * the first half: later pages will mostly reuse it), else once per page (keys,
 * sorted or mostly distinct values keep adding entries). No page refers to the
 * dictionary yet, so when PLAIN wins it is dropped for the rest of the chunk. */
static int dict_trial(dlt_parquet_writer *w, pqw_column *c, dlt_error *err)
{
	const uint32_t *idx = (const uint32_t *)(const void *)c->idx.data;
	const pqw_dict *d = &c->dict;
	size_t n = c->idx.len / 4, k, idx_cost, dict_cost, plain_cost, len, half = 0;
	const uint8_t *body;
	double pages;
	bool saturating;
	uint8_t bw = (uint8_t)dlt_pq__bit_width(d->count ? d->count - 1 : 0);
	int rc;

	c->dict_decided = true;
	dlt_buf_clear(&w->raw);
	if ((rc = dlt_buf_append_byte(&w->raw, bw ? bw : 1, err)) < 0 ||
	    (rc = dlt_pq__rle_encode_u32(&w->raw, idx, n, bw ? bw : 1, err)) < 0 ||
	    (rc = page_compress(w, w->raw.data, w->raw.len, &body, &len, err)) < 0)
		return rc;
	idx_cost = len;
	if ((rc = page_compress(w, d->values.data ? d->values.data : (const uint8_t *)"",
	                        d->values.len, &body, &len, err)) < 0)
		return rc;
	dict_cost = len;
	for (k = 0; k < n / 2; k++)
		half = DLT_MAX(half, (size_t)idx[k] + 1);
	saturating = ((size_t)d->count - half) * 2 < half;
	pages = (double)w->o.row_group_rows / (double)DLT_MAX(c->page_rows, (int64_t)1);
	pages = DLT_MAX(pages, 1.0);
	/* the PLAIN form, rebuilt from the dictionary */
	dlt_buf_clear(&c->vals);
	if (c->width > 0) {
		size_t wd = (size_t)c->width;
		if ((rc = dlt_buf_reserve(&c->vals, n * wd, err)) < 0)
			return rc;
		for (k = 0; k < n; k++)
			memcpy(c->vals.data + k * wd, d->values.data + (size_t)idx[k] * wd, wd);
		c->vals.len = n * wd;
	} else {
		size_t total = 0;
		uint32_t el;
		for (k = 0; k < n; k++) {
			memcpy(&el, d->values.data + d->offs[idx[k]] - 4, 4);
			total += 4 + (size_t)el;
		}
		if ((rc = dlt_buf_reserve(&c->vals, total, err)) < 0)
			return rc;
		for (k = 0; k < n; k++) {
			const uint8_t *e = d->values.data + d->offs[idx[k]] - 4;
			memcpy(&el, e, 4);
			memcpy(c->vals.data + c->vals.len, e, 4 + (size_t)el);
			c->vals.len += 4 + (size_t)el;
		}
	}
	if ((rc = page_compress(w, c->vals.data ? c->vals.data : (const uint8_t *)"", c->vals.len,
	                        &body, &len, err)) < 0)
		return rc;
	plain_cost = len;
	if ((double)plain_cost * pages < (double)idx_cost * pages +
	                                     (double)dict_cost * (saturating ? 1.5 : pages)) {
		c->dict_fallen = true;
		dict_reset(&c->dict);
		dlt_buf_clear(&c->idx);
	} else {
		dlt_buf_clear(&c->vals);
	}
	return DLT_OK;
}

static int flush_page(dlt_parquet_writer *w, pqw_column *c, dlt_error *err)
{
	dlt_pq_page_header h;
	dlt_buf *raw = &w->raw;
	const uint8_t *body;
	size_t body_len, lv_len = 0, total;
	bool v2 = w->o.data_page_version == 2, mn_exact, mx_exact;
	int enc, rc;
	int64_t offset;

	if (c->page_levels == 0)
		return DLT_OK;
	if (c->dict_auto && !c->dict_decided && !c->dict_fallen && c->idx.len > 0 &&
	    (rc = dict_trial(w, c, err)) < 0)
		return rc;
	dlt_buf_clear(raw);
	if ((rc = encode_levels(raw, &c->rep, c->page_levels, c->max_rep, !v2, err)) < 0)
		return rc;
	lv_len = raw->len;
	if ((rc = encode_levels(raw, &c->def, c->page_levels, c->max_def, !v2, err)) < 0)
		return rc;
	if (v2) {
		size_t rep_len = lv_len;
		lv_len = raw->len;
		memset(&h, 0, sizeof(h));
		h.data_v2.repetition_levels_byte_length = (int32_t)rep_len;
		h.data_v2.definition_levels_byte_length = (int32_t)(lv_len - rep_len);
	} else {
		memset(&h, 0, sizeof(h));
		lv_len = 0;
	}
	{
		size_t vstart = raw->len;
		if ((rc = encode_values(w, c, raw, &enc, err)) < 0)
			return rc;
		if (raw->len > (size_t)INT32_MAX)
			return dlt_error_set(err, DLT_ELIMIT,
			                     "parquet writer: column '%s': page larger than 2 GiB",
			                     c->path);
		if ((rc = page_compress(w, raw->data + (v2 ? vstart : 0), raw->len - (v2 ? vstart : 0),
		                   &body, &body_len, err)) < 0)
			return rc;
	}
	c->enc_mask |= 1u << enc;
	total = lv_len + body_len;
	if (total > (size_t)INT32_MAX)
		return dlt_error_set(err, DLT_ELIMIT, "parquet writer: column '%s': page too large",
		                     c->path);
	if ((rc = dlt_parquet__stats_encode(&c->page_stats, (size_t)w->o.stats_truncate_bytes,
	                                    &w->smin, &mn_exact, &w->smax, &mx_exact, err)) < 0)
		return rc;
	h.uncompressed_page_size = (int32_t)raw->len;
	h.compressed_page_size = (int32_t)total;
	if (v2) {
		h.type = DLT_PQ_PAGE_DATA_V2;
		h.has_data_v2 = true;
		h.data_v2.num_values = (int32_t)c->page_levels;
		h.data_v2.num_nulls = (int32_t)c->page_stats.null_count;
		h.data_v2.num_rows = (int32_t)c->page_rows;
		h.data_v2.encoding = (dlt_pq_encoding)enc;
		h.data_v2.is_compressed = w->o.codec != DLT_PARQUET_CODEC_UNCOMPRESSED;
		if (w->o.write_statistics)
			fill_stats(&h.data_v2.statistics, &c->page_stats, &w->smin, mn_exact, &w->smax,
			           mx_exact);
	} else {
		h.type = DLT_PQ_PAGE_DATA;
		h.has_data = true;
		h.data.num_values = (int32_t)c->page_levels;
		h.data.encoding = (dlt_pq_encoding)enc;
		h.data.definition_level_encoding = DLT_PQ_ENC_RLE;
		h.data.repetition_level_encoding = DLT_PQ_ENC_RLE;
		if (w->o.write_statistics)
			fill_stats(&h.data.statistics, &c->page_stats, &w->smin, mn_exact, &w->smax,
			           mx_exact);
	}
	if (w->o.page_crc) {
		uLong crc = crc32(0L, Z_NULL, 0);
		if (lv_len)
			crc = crc32(crc, raw->data, (uInt)lv_len);
		crc = crc32(crc, body, (uInt)body_len);
		h.has_crc = true;
		h.crc = (int32_t)(uint32_t)crc;
	}
	dlt_buf_clear(&w->hdr);
	if ((rc = dlt_pq__page_header_encode(&w->hdr, &h, err)) < 0)
		return rc;
	offset = (int64_t)c->chunk.len;
	if ((rc = dlt_buf_append(&c->chunk, w->hdr.data, w->hdr.len, err)) < 0 ||
	    (lv_len && (rc = dlt_buf_append(&c->chunk, raw->data, lv_len, err)) < 0) ||
	    (rc = dlt_buf_append(&c->chunk, body, body_len, err)) < 0)
		return rc;
	if ((rc = add_page_info(c, offset, (int32_t)(w->hdr.len + total), &w->smin, &w->smax,
	                        err)) < 0 ||
	    (rc = dlt_parquet__stats_merge(&c->chunk_stats, &c->page_stats, err)) < 0)
		return rc;
	c->chunk_uncompressed += (int64_t)(w->hdr.len + raw->len);
	c->chunk_compressed += (int64_t)(w->hdr.len + total);
	c->chunk_levels += c->page_levels;
	c->chunk_rows += c->page_rows;
	c->page_levels = c->page_rows = c->page_values = 0;
	dlt_parquet__stats_reset(&c->page_stats);
	dlt_buf_clear(&c->def);
	dlt_buf_clear(&c->rep);
	dlt_buf_clear(&c->vals);
	dlt_buf_clear(&c->idx);
	return DLT_OK;
}

static size_t page_estimate(const pqw_column *c)
{
	size_t est = c->vals.len + (c->def.len + c->rep.len) / 8;
	if (c->idx.len)
		est += c->idx.len / 4 * (size_t)(dlt_pq__bit_width(c->dict.count) + 1) / 8;
	return est;
}

/* Shred, convert and encode rows [start, start + n) of one column. */
static int column_rows(dlt_parquet_writer *w, pqw_column *c, const struct ArrowArray *col,
                       const struct ArrowArray *leaf, int64_t start, int64_t n, dlt_error *err)
{
	int rc;

	while (n > 0) {
		int64_t room = w->o.page_rows - c->page_rows, take;
		if (room <= 0) {
			if ((rc = flush_page(w, c, err)) < 0)
				return rc;
			continue;
		}
		take = DLT_MIN(n, DLT_MIN(room, (int64_t)PQW_MINI_ROWS));
		if ((rc = shred(c, col, start, take, err)) < 0 || (rc = gather(c, leaf, err)) < 0)
			return rc;
		if (w->o.write_statistics && c->nvals > 0 && c->conv != CV_NULL) {
			if (c->width == 0)
				rc = dlt_parquet__stats_update_views(
				        &c->page_stats, (const dlt_pq_bview *)(const void *)c->views.data,
				        c->nvals, err);
			else
				rc = dlt_parquet__stats_update_fixed(&c->page_stats, c->vptr, c->nvals, err);
			if (rc < 0)
				return rc;
		}
		if (c->use_dict && !c->dict_fallen) {
			if ((rc = dict_add(c, err)) < 0)
				return rc;
			if ((int64_t)c->dict.values.len > w->o.dictionary_bytes) {
				/* too many distinct values: this page still uses the dictionary,
				 * the following ones are PLAIN (Encodings.md allows the mix) */
				c->page_values += (int64_t)c->nvals;
				if ((rc = flush_page(w, c, err)) < 0)
					return rc;
				c->dict_fallen = true;
				start += take;
				n -= take;
				continue;
			}
		} else if ((rc = plain_append(c, err)) < 0) {
			return rc;
		}
		c->page_values += (int64_t)c->nvals;
		start += take;
		n -= take;
		if ((int64_t)page_estimate(c) >= w->o.page_bytes && (rc = flush_page(w, c, err)) < 0)
			return rc;
	}
	return DLT_OK;
}

/* ---------------- row groups ---------------- */

static int write_out(dlt_parquet_writer *w, const void *p, size_t n, dlt_error *err)
{
	int rc;
	if (n == 0)
		return DLT_OK;
	if ((rc = dlt_output_write(w->sink, p, n, err)) < 0)
		return rc;
	w->pos += n;
	return DLT_OK;
}

static int write_dict_page(dlt_parquet_writer *w, pqw_column *c, int64_t *size_u,
                           int64_t *size_c, dlt_error *err)
{
	dlt_pq_page_header h;
	const uint8_t *body;
	size_t body_len;
	int rc;

	if (c->dict.values.len > (size_t)INT32_MAX)
		return dlt_error_set(err, DLT_ELIMIT, "parquet writer: column '%s': dictionary too large",
		                     c->path);
	if ((rc = page_compress(w, c->dict.values.data ? c->dict.values.data : (const uint8_t *)"",
	                   c->dict.values.len, &body, &body_len, err)) < 0)
		return rc;
	memset(&h, 0, sizeof(h));
	h.type = DLT_PQ_PAGE_DICTIONARY;
	h.uncompressed_page_size = (int32_t)c->dict.values.len;
	h.compressed_page_size = (int32_t)body_len;
	h.has_dictionary = true;
	h.dictionary.num_values = (int32_t)c->dict.count;
	h.dictionary.encoding = DLT_PQ_ENC_PLAIN;
	if (w->o.page_crc) {
		uLong crc = crc32(0L, Z_NULL, 0);
		crc = crc32(crc, body, (uInt)body_len);
		h.has_crc = true;
		h.crc = (int32_t)(uint32_t)crc;
	}
	dlt_buf_clear(&w->hdr);
	if ((rc = dlt_pq__page_header_encode(&w->hdr, &h, err)) < 0 ||
	    (rc = write_out(w, w->hdr.data, w->hdr.len, err)) < 0 ||
	    (rc = write_out(w, body, body_len, err)) < 0)
		return rc;
	*size_u = (int64_t)(w->hdr.len + c->dict.values.len);
	*size_c = (int64_t)(w->hdr.len + body_len);
	return DLT_OK;
}

static int copy_stats_to_arena(dlt_parquet_writer *w, dlt_pq_statistics *st, dlt_error *err)
{
	if (st->min_value.data) {
		uint8_t *p = dlt_pq__arena_alloc(w->arena, st->min_value.len + 1);
		uint8_t *q = dlt_pq__arena_alloc(w->arena, st->max_value.len + 1);
		if (!p || !q)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		memcpy(p, st->min_value.data, st->min_value.len);
		memcpy(q, st->max_value.data, st->max_value.len);
		st->min_value.data = p;
		st->max_value.data = q;
	}
	return DLT_OK;
}

static int write_page_indexes(dlt_parquet_writer *w, pqw_column *c, dlt_pq_column_chunk *cc,
                              dlt_error *err)
{
	size_t i, n = c->n_pages;
	int rc = DLT_OK;
	dlt_pq_offset_index oi;
	dlt_pq_page_location *locs = dlt_calloc(n ? n : 1, sizeof(*locs));
	size_t at;

	if (!locs)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		locs[i].offset = c->pages[i].offset;
		locs[i].compressed_page_size = c->pages[i].size;
		locs[i].first_row_index = c->pages[i].first_row;
	}
	memset(&oi, 0, sizeof(oi));
	oi.pages = locs;
	oi.num_pages = n;
	at = w->oi_buf.len;
	rc = dlt_pq__offset_index_encode(&w->oi_buf, &oi, err);
	dlt_free(locs);
	if (rc < 0)
		return rc;
	cc->has_offset_index = true;
	cc->offset_index_offset = (int64_t)at;
	cc->offset_index_length = (int32_t)(w->oi_buf.len - at);

	if (w->o.write_statistics && c->sort != DLT_PQ_SORT_NONE) {
		dlt_pq_column_index ci;
		bool asc = true, desc = true;
		size_t prev = (size_t)-1;
		memset(&ci, 0, sizeof(ci));
		ci.null_pages = dlt_calloc(n ? n : 1, sizeof(bool));
		ci.min_values = dlt_calloc(n ? n : 1, sizeof(dlt_pq_bytes));
		ci.max_values = dlt_calloc(n ? n : 1, sizeof(dlt_pq_bytes));
		ci.null_counts = dlt_calloc(n ? n : 1, sizeof(int64_t));
		if (!ci.null_pages || !ci.min_values || !ci.max_values || !ci.null_counts) {
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
			goto ci_done;
		}
		ci.num_pages = n;
		for (i = 0; i < n; i++) {
			const pqw_page_info *p = &c->pages[i];
			ci.null_pages[i] = p->null_page;
			ci.null_counts[i] = p->null_count;
			ci.min_values[i].data = c->pi_bytes.data ? c->pi_bytes.data + p->min_off
			                                         : (const uint8_t *)"";
			ci.min_values[i].len = p->min_len;
			ci.max_values[i].data = c->pi_bytes.data ? c->pi_bytes.data + p->max_off
			                                         : (const uint8_t *)"";
			ci.max_values[i].len = p->max_len;
			if (p->null_page)
				continue;
			if (prev != (size_t)-1) {
				const pqw_page_info *q = &c->pages[prev];
				const uint8_t *b = c->pi_bytes.data;
				int cmin = dlt_parquet__stats_compare(&c->chunk_stats, b + q->min_off,
				                                      q->min_len, b + p->min_off, p->min_len);
				int cmax = dlt_parquet__stats_compare(&c->chunk_stats, b + q->max_off,
				                                      q->max_len, b + p->max_off, p->max_len);
				if (cmin > 0 || cmax > 0)
					asc = false;
				if (cmin < 0 || cmax < 0)
					desc = false;
			}
			prev = i;
		}
		ci.boundary_order = asc ? DLT_PQ_BOUNDARY_ASCENDING
		                  : desc ? DLT_PQ_BOUNDARY_DESCENDING : DLT_PQ_BOUNDARY_UNORDERED;
		at = w->ci_buf.len;
		if ((rc = dlt_pq__column_index_encode(&w->ci_buf, &ci, err)) >= 0) {
			cc->has_column_index = true;
			cc->column_index_offset = (int64_t)at;
			cc->column_index_length = (int32_t)(w->ci_buf.len - at);
		}
ci_done:
		dlt_free(ci.null_pages);
		dlt_free(ci.min_values);
		dlt_free(ci.max_values);
		dlt_free(ci.null_counts);
	}
	return rc;
}

static int flush_row_group(dlt_parquet_writer *w, dlt_error *err)
{
	dlt_pq_row_group *rg;
	size_t j;
	int rc;
	int64_t total_u = 0, total_c = 0;

	if (w->rg_rows == 0)
		return DLT_OK;
	if (w->n_rgs == w->rgs_cap) {
		size_t cap = w->rgs_cap ? w->rgs_cap * 2 : 8;
		void *p = dlt_realloc(w->rgs, cap * sizeof(*w->rgs));
		if (!p)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		w->rgs = p;
		w->rgs_cap = cap;
	}
	if (w->n_rgs >= INT16_MAX)
		return dlt_error_set(err, DLT_ELIMIT, "parquet writer: too many row groups");
	rg = &w->rgs[w->n_rgs];
	memset(rg, 0, sizeof(*rg));
	rg->columns = dlt_pq__arena_alloc(w->arena, w->n_cols * sizeof(dlt_pq_column_chunk));
	if (!rg->columns)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	rg->num_columns = w->n_cols;
	rg->num_rows = w->rg_rows;
	rg->has_file_offset = true;
	rg->file_offset = (int64_t)w->pos;
	for (j = 0; j < w->n_cols; j++) {
		pqw_column *c = &w->cols[j];
		dlt_pq_column_chunk *cc = &rg->columns[j];
		dlt_pq_column_meta *cm;
		int64_t start = (int64_t)w->pos, du = 0, dc = 0, data_off;
		size_t k, ne = 0;
		bool mn_exact, mx_exact;
		int32_t encs[16];

		if ((rc = flush_page(w, c, err)) < 0)
			return rc;
		cm = dlt_pq__arena_alloc(w->arena, sizeof(*cm));
		if (!cm)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		if (c->use_dict && c->dict.count > 0 && (c->enc_mask & (1u << DLT_PQ_ENC_RLE_DICTIONARY))) {
			if ((rc = write_dict_page(w, c, &du, &dc, err)) < 0)
				return rc;
			cm->has_dictionary_page_offset = true;
			cm->dictionary_page_offset = start;
		}
		data_off = (int64_t)w->pos;
		if ((rc = write_out(w, c->chunk.data, c->chunk.len, err)) < 0)
			return rc;
		for (k = 0; k < c->n_pages; k++)
			c->pages[k].offset += data_off;
		/* encodings: data page encodings, PLAIN for a dictionary page, RLE levels */
		if (cm->has_dictionary_page_offset)
			c->enc_mask |= 1u << DLT_PQ_ENC_PLAIN;
		if (c->max_def > 0 || c->max_rep > 0)
			c->enc_mask |= 1u << DLT_PQ_ENC_RLE;
		for (k = 0; k < 16; k++)
			if (c->enc_mask & (1u << k))
				encs[ne++] = (int32_t)k;
		cm->encodings = dlt_pq__arena_alloc(w->arena, ne * sizeof(int32_t));
		if (!cm->encodings)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		memcpy(cm->encodings, encs, ne * sizeof(int32_t));
		cm->num_encodings = ne;
		cm->type = (dlt_pq_type)c->ptype;
		cm->path = c->pq_path;
		cm->path_len = c->pq_path_len;
		cm->codec = (dlt_pq_codec)w->o.codec;
		cm->num_values = c->chunk_levels;
		cm->total_uncompressed_size = c->chunk_uncompressed + du;
		cm->total_compressed_size = c->chunk_compressed + dc;
		cm->data_page_offset = data_off;
		if (w->o.write_statistics) {
			if ((rc = dlt_parquet__stats_encode(&c->chunk_stats,
			                                    (size_t)w->o.stats_truncate_bytes, &w->smin,
			                                    &mn_exact, &w->smax, &mx_exact, err)) < 0)
				return rc;
			fill_stats(&cm->statistics, &c->chunk_stats, &w->smin, mn_exact, &w->smax,
			           mx_exact);
			if ((rc = copy_stats_to_arena(w, &cm->statistics, err)) < 0)
				return rc;
		}
		cc->file_offset = start;
		cc->meta = cm;
		if (w->o.page_index && (rc = write_page_indexes(w, c, cc, err)) < 0)
			return rc;
		total_u += cm->total_uncompressed_size;
		total_c += cm->total_compressed_size;
		if ((rc = dlt_parquet__stats_merge(&c->file_stats, &c->chunk_stats, err)) < 0)
			return rc;
		/* reset the chunk */
		dlt_parquet__stats_reset(&c->chunk_stats);
		dlt_buf_clear(&c->chunk);
		dlt_buf_clear(&c->pi_bytes);
		c->n_pages = 0;
		c->chunk_levels = c->chunk_rows = c->chunk_uncompressed = c->chunk_compressed = 0;
		c->enc_mask = 0;
		c->dict_fallen = c->dict_decided = false;
		dict_reset(&c->dict);
	}
	rg->total_byte_size = total_u;
	rg->has_total_compressed_size = true;
	rg->total_compressed_size = total_c;
	rg->has_ordinal = true;
	rg->ordinal = (int16_t)w->n_rgs;
	w->n_rgs++;
	w->total_rows += w->rg_rows;
	w->rg_rows = 0;
	return DLT_OK;
}

static size_t buffered_bytes(const dlt_parquet_writer *w)
{
	size_t i, n = 0;
	for (i = 0; i < w->n_cols; i++) {
		const pqw_column *c = &w->cols[i];
		n += c->chunk.len + c->vals.len + c->idx.len + c->def.len + c->rep.len +
		     c->dict.values.len;
	}
	return n;
}

/* ---------------- public API ---------------- */

static void column_dispose(pqw_column *c)
{
	size_t i;

	dlt_free(c->path);
	for (i = 0; i < c->n_names; i++)
		dlt_free(c->names[i]);
	dlt_free(c->names);
	dlt_buf_dispose(&c->def);
	dlt_buf_dispose(&c->rep);
	dlt_buf_dispose(&c->vals);
	dlt_buf_dispose(&c->idx);
	dlt_buf_dispose(&c->chunk);
	dlt_buf_dispose(&c->pi_bytes);
	dlt_buf_dispose(&c->pos);
	dlt_buf_dispose(&c->gath);
	dlt_buf_dispose(&c->views);
	dlt_buf_dispose(&c->dpos);
	dlt_free(c->pages);
	dict_dispose(&c->dict);
	dlt_parquet__stats_dispose(&c->page_stats);
	dlt_parquet__stats_dispose(&c->chunk_stats);
	dlt_parquet__stats_dispose(&c->file_stats);
}

void dlt_parquet_writer_free(dlt_parquet_writer *w)
{
	size_t i;

	if (!w)
		return;
	if (w->state != 1)
		dlt_output_abort(w->sink); /* not closed: never a half-written file */
	for (i = 0; i < w->n_cols; i++)
		column_dispose(&w->cols[i]);
	dlt_free(w->cols);
	dlt_free(w->elems);
	dlt_free(w->rgs);
	dlt_pq__arena_free(w->arena);
	dlt_pq__codec_ctx_free(w->cctx);
	dlt_schema__release(&w->schema);
	dlt_buf_dispose(&w->ci_buf);
	dlt_buf_dispose(&w->oi_buf);
	dlt_buf_dispose(&w->raw);
	dlt_buf_dispose(&w->comp);
	dlt_buf_dispose(&w->hdr);
	dlt_buf_dispose(&w->tmp);
	dlt_buf_dispose(&w->smin);
	dlt_buf_dispose(&w->smax);
	dlt_free(w);
}

static int fail(dlt_parquet_writer *w, int rc)
{
	/* The sink is never finished after a failure: discard what was written. */
	w->state = 2;
	dlt_output_abort(w->sink);
	return rc;
}

int dlt_parquet_writer_open(dlt_parquet_writer **out, dlt_output *sink,
                            const struct ArrowSchema *schema,
                            const dlt_parquet_write_options *opts, dlt_error *err)
{
	static const dlt_parquet_write_options defaults = DLT_PARQUET_WRITE_OPTIONS_INIT;
	dlt_parquet_writer *w;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !sink || !schema) {
		dlt_output_abort(sink);
		return dlt_error_set(err, DLT_EINVAL, "parquet writer: NULL argument");
	}
	if (opts && opts->version != DLT_PARQUET_WRITE_OPTIONS_VERSION) {
		dlt_output_abort(sink);
		return dlt_error_set(err, DLT_EINVAL, "parquet writer: unknown options version %u",
		                     opts->version);
	}
	if ((rc = check_options(opts ? opts : &defaults, err)) < 0) {
		dlt_output_abort(sink);
		return rc;
	}
	w = dlt_calloc(1, sizeof(*w));
	if (!w) {
		dlt_output_abort(sink);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	w->sink = sink;
	w->o = opts ? *opts : defaults;
	if ((rc = dlt_pq__arena_new(&w->arena, err)) < 0 ||
	    (rc = dlt_pq__codec_ctx_new(&w->cctx, err)) < 0 ||
	    (rc = dlt_arrow__validate_schema(schema, err)) < 0 ||
	    (rc = dlt_schema__copy(&w->schema, schema, err)) < 0 ||
	    (rc = map_schema(w, err)) < 0)
		goto fail;
	{
		const char *cb = w->o.created_by ? w->o.created_by
		                                 : "deltalite version " DLT_VERSION_STRING;
		w->created_by = dlt_pq__arena_strndup(w->arena, cb, strlen(cb));
		if (!w->created_by) {
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
			goto fail;
		}
	}
	/* keep the key/value metadata (the caller's pointers are borrowed) */
	if (w->o.n_kv > 0) {
		dlt_pq_kv *kv = dlt_pq__arena_alloc(w->arena, w->o.n_kv * sizeof(*kv));
		size_t i;
		if (!kv) {
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
			goto fail;
		}
		for (i = 0; i < w->o.n_kv; i++) {
			const char *k = w->o.kv_keys[i];
			const char *v = w->o.kv_values ? w->o.kv_values[i] : NULL;
			if (!k) {
				rc = dlt_error_set(err, DLT_EINVAL, "parquet writer: key/value %zu: NULL key",
				                   i);
				goto fail;
			}
			kv[i].key = dlt_pq__arena_strndup(w->arena, k, strlen(k));
			kv[i].key_len = strlen(k);
			if (v) {
				kv[i].value = dlt_pq__arena_strndup(w->arena, v, strlen(v));
				kv[i].value_len = strlen(v);
			}
			if (!kv[i].key || (v && !kv[i].value)) {
				rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
				goto fail;
			}
		}
		w->kv = kv;
		w->n_kv = w->o.n_kv;
	}
	w->o.kv_keys = w->o.kv_values = NULL;
	w->o.n_kv = 0;
	w->o.columns = NULL;
	w->o.n_columns = 0;
	w->o.created_by = NULL;
	if ((rc = write_out(w, "PAR1", 4, err)) < 0)
		goto fail;
	*out = w;
	return DLT_OK;
fail:
	dlt_parquet_writer_free(w);
	return rc;
}

int dlt_parquet_writer_write(dlt_parquet_writer *w, const struct ArrowArray *batch,
                             dlt_error *err)
{
	int64_t r = 0, n;
	size_t j;
	int rc;

	DLT_ARG_CHECK(w != NULL && batch != NULL, err);
	if (w->state != 0)
		return dlt_error_set(err, DLT_EINVAL,
		                     "parquet writer: write after close or after a failure");
	if ((rc = dlt_arrow__validate(&w->schema, batch, err)) < 0) {
		dlt_error_prefix(err, "parquet writer: invalid batch");
		return fail(w, rc);
	}
	n = batch->length;
	while (r < n) {
		int64_t take = DLT_MIN(n - r, w->o.row_group_rows - w->rg_rows);
		take = DLT_MIN(take, (int64_t)65536);
		for (j = 0; j < w->n_cols; j++) {
			pqw_column *c = &w->cols[j];
			const struct ArrowArray *col = batch->children[c->top], *leaf = col;
			int k;
			for (k = 0; k + 1 < c->n_steps; k++)
				leaf = leaf->children[c->steps[k].kind == SK_STRUCT ? c->steps[k].child : 0];
			if ((rc = column_rows(w, c, col, leaf, batch->offset + r, take, err)) < 0)
				return fail(w, rc);
		}
		w->rg_rows += take;
		r += take;
		if (w->rg_rows >= w->o.row_group_rows ||
		    (int64_t)buffered_bytes(w) >= w->o.row_group_bytes) {
			if ((rc = flush_row_group(w, err)) < 0)
				return fail(w, rc);
		}
	}
	return DLT_OK;
}

static int make_result(dlt_parquet_write_result **out, dlt_parquet_writer *w, dlt_error *err);

int dlt_parquet_writer_close(dlt_parquet_writer *w, dlt_parquet_write_result **result,
                             dlt_error *err)
{
	dlt_pq_file_meta fm;
	dlt_buf foot = DLT_BUF_INIT;
	uint64_t ci_base, oi_base;
	size_t i, j;
	int32_t *orders = NULL;
	uint8_t tail[8];
	int rc;

	DLT_ARG_CHECK(w != NULL, err);
	if (result)
		*result = NULL;
	if (w->state != 0)
		return dlt_error_set(err, DLT_EINVAL,
		                     "parquet writer: close after close or after a failure");
	if ((rc = flush_row_group(w, err)) < 0)
		return fail(w, rc);
	ci_base = w->pos;
	if ((rc = write_out(w, w->ci_buf.data, w->ci_buf.len, err)) < 0)
		return fail(w, rc);
	oi_base = w->pos;
	if ((rc = write_out(w, w->oi_buf.data, w->oi_buf.len, err)) < 0)
		return fail(w, rc);
	for (i = 0; i < w->n_rgs; i++)
		for (j = 0; j < w->rgs[i].num_columns; j++) {
			dlt_pq_column_chunk *cc = &w->rgs[i].columns[j];
			if (cc->has_column_index)
				cc->column_index_offset += (int64_t)ci_base;
			if (cc->has_offset_index)
				cc->offset_index_offset += (int64_t)oi_base;
		}
	orders = dlt_calloc(w->n_cols ? w->n_cols : 1, sizeof(int32_t));
	if (!orders)
		return fail(w, dlt_error_set(err, DLT_ENOMEM, "out of memory"));
	for (i = 0; i < w->n_cols; i++)
		orders[i] = DLT_PQ_ORDER_TYPE_DEFINED;
	memset(&fm, 0, sizeof(fm));
	fm.version = 1;
	fm.schema = w->elems;
	fm.num_schema = w->n_elems;
	fm.num_rows = w->total_rows;
	fm.row_groups = w->rgs;
	fm.num_row_groups = w->n_rgs;
	fm.kv = w->kv;
	fm.num_kv = w->n_kv;
	fm.created_by = w->created_by;
	fm.column_orders = orders;
	fm.num_column_orders = w->n_cols;
	rc = dlt_pq__file_meta_encode(&foot, &fm, err);
	dlt_free(orders);
	if (rc < 0 || foot.len > UINT32_MAX) {
		dlt_buf_dispose(&foot);
		return fail(w, rc < 0 ? rc : dlt_error_set(err, DLT_ELIMIT, "parquet writer: footer too large"));
	}
	dlt_store_u32le(tail, (uint32_t)foot.len);
	memcpy(tail + 4, "PAR1", 4);
	rc = write_out(w, foot.data, foot.len, err);
	dlt_buf_dispose(&foot);
	if (rc < 0 || (rc = write_out(w, tail, 8, err)) < 0)
		return fail(w, rc);
	/* the result before finishing: a failure never leaves a finished file */
	if (result && (rc = make_result(result, w, err)) < 0)
		return fail(w, rc);
	if ((rc = dlt_output_finish(w->sink, err)) < 0) {
		if (result) {
			dlt_parquet_write_result_free(*result);
			*result = NULL;
		}
		return fail(w, rc);
	}
	w->state = 1;
	return DLT_OK;
}

int dlt_parquet_write_stream(dlt_output *sink, struct ArrowArrayStream *stream,
                             const dlt_parquet_write_options *opts,
                             dlt_parquet_write_result **result, dlt_error *err)
{
	struct ArrowSchema schema;
	struct ArrowArray batch;
	dlt_parquet_writer *w = NULL;
	int rc;

	memset(&schema, 0, sizeof(schema));
	if (result)
		*result = NULL;
	if (!sink || !stream || !stream->release) {
		if (stream && stream->release)
			stream->release(stream);
		dlt_output_abort(sink);
		return dlt_error_set(err, DLT_EINVAL, "parquet writer: NULL sink or stream");
	}
	if ((rc = dlt_stream__schema(stream, &schema, err)) < 0) {
		dlt_output_abort(sink);
		goto done;
	}
	if ((rc = dlt_parquet_writer_open(&w, sink, &schema, opts, err)) < 0)
		goto done;
	for (;;) {
		memset(&batch, 0, sizeof(batch));
		if ((rc = dlt_stream__next(stream, &batch, err)) < 0)
			goto done;
		if (!batch.release)
			break;
		rc = dlt_parquet_writer_write(w, &batch, err);
		batch.release(&batch);
		if (rc < 0)
			goto done;
	}
	rc = dlt_parquet_writer_close(w, result, err);
done:
	dlt_parquet_writer_free(w);
	dlt_schema__release(&schema);
	stream->release(stream);
	return rc;
}

/* ---------------- result ---------------- */

static int make_result(dlt_parquet_write_result **out, dlt_parquet_writer *w, dlt_error *err)
{
	dlt_parquet_write_result *r = dlt_calloc(1, sizeof(*r));
	size_t i, k;
	int rc;

	if (!r)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	r->num_rows = w->total_rows;
	r->file_size = w->pos;
	r->cols = dlt_calloc(w->n_cols ? w->n_cols : 1, sizeof(*r->cols));
	r->strings = dlt_calloc(w->n_cols ? w->n_cols : 1, sizeof(char *));
	if (!r->cols || !r->strings) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = dlt_schema__copy(&r->schema, &w->schema, err)) < 0)
		goto fail;
	for (i = 0; i < w->n_cols; i++) {
		pqw_column *c = &w->cols[i];
		pqw_result_col *rcl = &r->cols[i];
		bool mne, mxe;
		size_t need = strlen(c->path) + 1;
		char *s, **names;
		/* one block: names array + path + names */
		for (k = 0; k < c->n_names; k++)
			need += strlen(c->names[k]) + 1;
		need += (c->n_names + 1) * sizeof(char *);
		s = dlt_malloc(need);
		if (!s) {
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
			goto fail;
		}
		r->strings[r->n_strings++] = s;
		names = (char **)(void *)s;
		s += (c->n_names + 1) * sizeof(char *);
		strcpy(s, c->path);
		rcl->pub.path = s;
		s += strlen(c->path) + 1;
		for (k = 0; k < c->n_names; k++) {
			strcpy(s, c->names[k]);
			names[k] = s;
			s += strlen(c->names[k]) + 1;
		}
		rcl->pub.names = (const char *const *)names;
		rcl->pub.n_names = c->n_names;
		rcl->pub.in_list = c->in_list;
		rcl->pub.null_count = c->file_stats.null_count;
		rcl->pub.has_min_max = w->o.write_statistics && c->file_stats.has_minmax &&
		                       c->sort != DLT_PQ_SORT_NONE;
		rcl->conv = c->conv;
		rcl->mul = c->mul;
		rcl->ptype = c->ptype;
		r->n_cols++; /* counted first: a failure below still frees its min/max */
		if ((rc = dlt_parquet__stats_encode(&c->file_stats, (size_t)w->o.stats_truncate_bytes,
		                                    &rcl->min, &mne, &rcl->max, &mxe, err)) < 0)
			goto fail;
		rcl->pub.min_exact = mne;
		rcl->pub.max_exact = mxe;
	}
	*out = r;
	return DLT_OK;
fail:
	dlt_parquet_write_result_free(r);
	return rc;
}

void dlt_parquet_write_result_free(dlt_parquet_write_result *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n_cols; i++) {
		dlt_buf_dispose(&r->cols[i].min);
		dlt_buf_dispose(&r->cols[i].max);
	}
	for (i = 0; i < r->n_strings; i++)
		dlt_free(r->strings[i]);
	dlt_free(r->strings);
	dlt_free(r->cols);
	dlt_schema__release(&r->schema);
	dlt_free(r);
}

int64_t dlt_parquet_write_result_num_rows(const dlt_parquet_write_result *r)
{
	return r ? r->num_rows : 0;
}

uint64_t dlt_parquet_write_result_file_size(const dlt_parquet_write_result *r)
{
	return r ? r->file_size : 0;
}

size_t dlt_parquet_write_result_num_columns(const dlt_parquet_write_result *r)
{
	return r ? r->n_cols : 0;
}

const dlt_parquet_write_column *dlt_parquet_write_result_column(const dlt_parquet_write_result *r,
                                                                size_t i)
{
	return r && i < r->n_cols ? &r->cols[i].pub : NULL;
}

/* ---------------- typed statistics as Arrow ---------------- */

static const struct ArrowSchema *value_schema(const struct ArrowSchema *f)
{
	return f->dictionary ? f->dictionary : f;
}

static bool has_stat_leaves(const struct ArrowSchema *f)
{
	dlt_type_view tv;
	int64_t i;

	if (dlt_arrow__parse_format(&tv, value_schema(f)->format, NULL) < 0)
		return false;
	if (tv.type == DLT_AT_STRUCT) {
		for (i = 0; i < f->n_children; i++)
			if (has_stat_leaves(f->children[i]))
				return true;
		return false;
	}
	return !dlt_arrow__is_nested(tv.type);
}

static size_t count_leaves(const struct ArrowSchema *f)
{
	dlt_type_view tv;
	int64_t i;
	size_t n = 0;

	if (dlt_arrow__parse_format(&tv, value_schema(f)->format, NULL) < 0)
		return 0;
	if (!dlt_arrow__is_nested(tv.type))
		return 1;
	for (i = 0; i < f->n_children; i++)
		n += count_leaves(f->children[i]);
	return n;
}

static int stats_schema(struct ArrowSchema *out, const struct ArrowSchema *f, const char *name,
                        bool count, dlt_error *err)
{
	dlt_type_view tv;
	int64_t i, n = 0, k = 0;
	int rc;

	if ((rc = dlt_arrow__parse_format(&tv, value_schema(f)->format, err)) < 0)
		return rc;
	if (tv.type != DLT_AT_STRUCT)
		return dlt_schema__init_leaf(out, count ? "l" : value_schema(f)->format, name, true,
		                             err);
	for (i = 0; i < f->n_children; i++)
		n += has_stat_leaves(f->children[i]);
	if ((rc = dlt_schema__init(out, "+s", name, ARROW_FLAG_NULLABLE, n, err)) < 0)
		return rc;
	for (i = 0; i < f->n_children; i++) {
		const struct ArrowSchema *ch = f->children[i];
		if (!has_stat_leaves(ch))
			continue;
		if ((rc = stats_schema(out->children[k++], ch, ch->name ? ch->name : "", count,
		                       err)) < 0)
			return rc;
	}
	return DLT_OK;
}

static int append_decimal_words(dlt_builder *b, const pqw_result_col *c, const uint8_t *p,
                                size_t len, int n_words, dlt_error *err)
{
	uint64_t words[4];
	int i;

	if (c->ptype == DLT_PQ_TYPE_INT32 || c->ptype == DLT_PQ_TYPE_INT64) {
		int64_t v;
		if (c->ptype == DLT_PQ_TYPE_INT32) {
			int32_t v32;
			memcpy(&v32, p, 4);
			v = v32;
		} else {
			memcpy(&v, p, 8);
		}
		words[0] = (uint64_t)v;
		for (i = 1; i < 4; i++)
			words[i] = v < 0 ? UINT64_MAX : 0;
	} else {
		/* big-endian two's complement of len bytes, sign-extended */
		uint8_t le[32];
		size_t j;
		memset(le, len > 0 && (p[0] & 0x80) ? 0xff : 0, sizeof(le));
		for (j = 0; j < len && j < 32; j++)
			le[j] = p[len - 1 - j];
		memcpy(words, le, 32);
	}
	return dlt_builder__append_decimal(b, words, n_words, err);
}

static int append_stat(dlt_builder *b, const pqw_result_col *c, const struct ArrowSchema *f,
                       int which, dlt_error *err)
{
	dlt_type_view tv;
	const dlt_buf *v = which == 0 ? &c->min : &c->max;
	const uint8_t *p = v->data;
	int rc;

	if (which == 2)
		return dlt_builder__append_int(b, c->pub.null_count, err);
	if (!c->pub.has_min_max || !p)
		return dlt_builder__append_null(b, err);
	if ((rc = dlt_arrow__parse_format(&tv, value_schema(f)->format, err)) < 0)
		return rc;
	switch (tv.type) {
	case DLT_AT_BOOL:
		return dlt_builder__append_bool(b, p[0] != 0, err);
	case DLT_AT_INT8:
	case DLT_AT_INT16:
	case DLT_AT_INT32:
	case DLT_AT_DATE32:
	case DLT_AT_TIME32: {
		int32_t x;
		memcpy(&x, p, 4);
		if (c->conv == CV_MUL32)
			x /= 1000;
		return dlt_builder__append_int(b, x, err);
	}
	case DLT_AT_UINT8:
	case DLT_AT_UINT16:
	case DLT_AT_UINT32: {
		uint32_t x;
		memcpy(&x, p, 4);
		return dlt_builder__append_uint(b, x, err);
	}
	case DLT_AT_DATE64: {
		int32_t d;
		memcpy(&d, p, 4);
		return dlt_builder__append_int(b, (int64_t)d * 86400000, err);
	}
	case DLT_AT_INT64:
	case DLT_AT_TIME64:
	case DLT_AT_TIMESTAMP: {
		int64_t x;
		memcpy(&x, p, 8);
		if (c->conv == CV_MUL64)
			x /= c->mul;
		return dlt_builder__append_int(b, x, err);
	}
	case DLT_AT_UINT64: {
		uint64_t x;
		memcpy(&x, p, 8);
		return dlt_builder__append_uint(b, x, err);
	}
	case DLT_AT_FLOAT16:
		return dlt_builder__append_double(b, dlt_parquet__half_to_double(dlt_load_u16le(p)),
		                                  err);
	case DLT_AT_FLOAT32: {
		float x;
		memcpy(&x, p, 4);
		return dlt_builder__append_double(b, (double)x, err);
	}
	case DLT_AT_FLOAT64: {
		double x;
		memcpy(&x, p, 8);
		return dlt_builder__append_double(b, x, err);
	}
	case DLT_AT_DECIMAL128:
	case DLT_AT_DECIMAL256:
		return append_decimal_words(b, c, p, v->len, tv.type == DLT_AT_DECIMAL128 ? 2 : 4,
		                            err);
	case DLT_AT_STRING:
	case DLT_AT_LARGE_STRING:
	case DLT_AT_BINARY:
	case DLT_AT_LARGE_BINARY:
	case DLT_AT_FIXED_BINARY:
		return dlt_builder__append_bytes(b, p, v->len, err);
	default:
		return dlt_builder__append_null(b, err);
	}
}

static int fill_stats_struct(dlt_builder *b, const dlt_parquet_write_result *r,
                             const struct ArrowSchema *f, size_t *ci, int which, dlt_error *err)
{
	int64_t i, k = 0;
	int rc;

	for (i = 0; i < f->n_children; i++) {
		const struct ArrowSchema *ch = f->children[i];
		dlt_type_view tv;
		if (!has_stat_leaves(ch)) {
			*ci += count_leaves(ch);
			continue;
		}
		if ((rc = dlt_arrow__parse_format(&tv, value_schema(ch)->format, err)) < 0)
			return rc;
		if (tv.type == DLT_AT_STRUCT) {
			rc = fill_stats_struct(dlt_builder__child(b, k), r, ch, ci, which, err);
		} else {
			if (*ci >= r->n_cols)
				return dlt_error_set(err, DLT_ERROR, "parquet writer: stats: column mismatch");
			rc = append_stat(dlt_builder__child(b, k), &r->cols[*ci], ch, which, err);
			(*ci)++;
		}
		if (rc < 0)
			return rc;
		k++;
	}
	return dlt_builder__append_valid(b, err);
}

int dlt_parquet_write_result_stats(struct ArrowSchema *schema_out, struct ArrowArray *array_out,
                                   const dlt_parquet_write_result *r, dlt_error *err)
{
	static const char *const names[3] = { "minValues", "maxValues", "nullCount" };
	struct ArrowSchema s;
	dlt_builder *b = NULL;
	int rc, t;

	DLT_ARG_CHECK(schema_out != NULL && array_out != NULL && r != NULL, err);
	memset(schema_out, 0, sizeof(*schema_out));
	memset(array_out, 0, sizeof(*array_out));
	memset(&s, 0, sizeof(s));
	if ((rc = dlt_schema__init(&s, "+s", "", 0, 3, err)) < 0)
		return rc;
	for (t = 0; t < 3; t++)
		if ((rc = stats_schema(s.children[t], &r->schema, names[t], t == 2, err)) < 0)
			goto done;
	if ((rc = dlt_builder__new(&b, &s, err)) < 0)
		goto done;
	for (t = 0; t < 3; t++) {
		size_t ci = 0;
		if ((rc = fill_stats_struct(dlt_builder__child(b, t), r, &r->schema, &ci, t, err)) < 0)
			goto done;
	}
	if ((rc = dlt_builder__append_valid(b, err)) < 0 ||
	    (rc = dlt_builder__finish(array_out, b, err)) < 0)
		goto done;
	dlt_schema__move(schema_out, &s);
done:
	dlt_builder__free(b);
	dlt_schema__release(&s);
	return rc;
}
