/* Parquet metadata: decode/encode of the parquet.thrift structs (see meta.h). */
#include "parquet/meta.h"
#include "parquet/thrift.h"

#include <stdalign.h>
#include <stddef.h>

/* ---------------- names ---------------- */

const char *dlt_pq__type_name(int type)
{
	static const char *const names[] = { "BOOLEAN", "INT32", "INT64", "INT96",
		                             "FLOAT", "DOUBLE", "BYTE_ARRAY",
		                             "FIXED_LEN_BYTE_ARRAY" };
	return type >= 0 && type < 8 ? names[type] : "UNKNOWN";
}

const char *dlt_pq__converted_type_name(int ct)
{
	static const char *const names[] = {
		"UTF8",        "MAP",         "MAP_KEY_VALUE",    "LIST",
		"ENUM",        "DECIMAL",     "DATE",             "TIME_MILLIS",
		"TIME_MICROS", "TIMESTAMP_MILLIS", "TIMESTAMP_MICROS", "UINT_8",
		"UINT_16",     "UINT_32",     "UINT_64",          "INT_8",
		"INT_16",      "INT_32",      "INT_64",           "JSON",
		"BSON",        "INTERVAL"
	};
	return ct >= 0 && ct < 22 ? names[ct] : "UNKNOWN";
}

const char *dlt_pq__repetition_name(int rep)
{
	static const char *const names[] = { "REQUIRED", "OPTIONAL", "REPEATED" };
	return rep >= 0 && rep < 3 ? names[rep] : "UNKNOWN";
}

const char *dlt_pq__encoding_name(int enc)
{
	static const char *const names[] = { "PLAIN",
		                             "GROUP_VAR_INT",
		                             "PLAIN_DICTIONARY",
		                             "RLE",
		                             "BIT_PACKED",
		                             "DELTA_BINARY_PACKED",
		                             "DELTA_LENGTH_BYTE_ARRAY",
		                             "DELTA_BYTE_ARRAY",
		                             "RLE_DICTIONARY",
		                             "BYTE_STREAM_SPLIT" };
	return enc >= 0 && enc < 10 ? names[enc] : "UNKNOWN";
}

const char *dlt_pq__codec_name(int codec)
{
	static const char *const names[] = { "UNCOMPRESSED", "SNAPPY", "GZIP", "LZO",
		                             "BROTLI",       "LZ4",    "ZSTD", "LZ4_RAW" };
	return codec >= 0 && codec < 8 ? names[codec] : "UNKNOWN";
}

const char *dlt_pq__page_type_name(int type)
{
	static const char *const names[] = { "DATA_PAGE", "INDEX_PAGE", "DICTIONARY_PAGE",
		                             "DATA_PAGE_V2" };
	return type >= 0 && type < 4 ? names[type] : "UNKNOWN";
}

const char *dlt_pq__logical_kind_name(int kind)
{
	switch (kind) {
	case DLT_PQ_LT_NONE: return "NONE";
	case DLT_PQ_LT_STRING: return "STRING";
	case DLT_PQ_LT_MAP: return "MAP";
	case DLT_PQ_LT_LIST: return "LIST";
	case DLT_PQ_LT_ENUM: return "ENUM";
	case DLT_PQ_LT_DECIMAL: return "DECIMAL";
	case DLT_PQ_LT_DATE: return "DATE";
	case DLT_PQ_LT_TIME: return "TIME";
	case DLT_PQ_LT_TIMESTAMP: return "TIMESTAMP";
	case DLT_PQ_LT_INTEGER: return "INTEGER";
	case DLT_PQ_LT_UNKNOWN: return "UNKNOWN";
	case DLT_PQ_LT_JSON: return "JSON";
	case DLT_PQ_LT_BSON: return "BSON";
	case DLT_PQ_LT_UUID: return "UUID";
	case DLT_PQ_LT_FLOAT16: return "FLOAT16";
	case DLT_PQ_LT_VARIANT: return "VARIANT";
	case DLT_PQ_LT_GEOMETRY: return "GEOMETRY";
	case DLT_PQ_LT_GEOGRAPHY: return "GEOGRAPHY";
	default: return "OTHER";
	}
}

/* ---------------- arena ---------------- */

typedef struct arena_chunk {
	struct arena_chunk *next;
	size_t cap, used;
	max_align_t data[];
} arena_chunk;

struct dlt_pq_arena {
	arena_chunk *head;
	size_t next_size;
};

#define ARENA_MIN_CHUNK ((size_t)4096)
#define ARENA_MAX_CHUNK ((size_t)1 << 20)

int dlt_pq__arena_new(dlt_pq_arena **out, dlt_error *err)
{
	dlt_pq_arena *a = dlt_calloc(1, sizeof(*a));
	*out = NULL;
	if (!a)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory allocating metadata arena");
	a->next_size = ARENA_MIN_CHUNK;
	*out = a;
	return DLT_OK;
}

void *dlt_pq__arena_alloc(dlt_pq_arena *a, size_t n)
{
	arena_chunk *c = a->head;
	size_t need, size;
	void *p;

	if (n > SIZE_MAX - 16)
		return NULL;
	need = (n + 15) & ~(size_t)15;
	if (need == 0)
		need = 16;
	if (!c || c->cap - c->used < need) {
		size = a->next_size;
		if (size < need)
			size = need;
		if (size > SIZE_MAX - sizeof(arena_chunk))
			return NULL;
		c = dlt_malloc(sizeof(arena_chunk) + size);
		if (!c)
			return NULL;
		c->cap = size;
		c->used = 0;
		c->next = a->head;
		a->head = c;
		if (a->next_size < ARENA_MAX_CHUNK)
			a->next_size *= 2;
	}
	p = (uint8_t *)c->data + c->used;
	c->used += need;
	memset(p, 0, n);
	return p;
}

char *dlt_pq__arena_strndup(dlt_pq_arena *a, const void *s, size_t n)
{
	char *p;
	if (n == SIZE_MAX)
		return NULL;
	p = dlt_pq__arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	if (n)
		memcpy(p, s, n);
	p[n] = 0;
	return p;
}

void dlt_pq__arena_free(dlt_pq_arena *a)
{
	arena_chunk *c, *next;
	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		dlt_free(c);
	}
	dlt_free(a);
}

/* ---------------- decoding helpers ---------------- */

typedef struct dec {
	dlt_thrift_reader r;
	dlt_pq_arena *arena; /* NULL: borrow binaries, no allocation allowed */
	dlt_error *err;
} dec;

static int dec_nomem(dec *c)
{
	return dlt_error_set(c->err, DLT_ENOMEM, "out of memory decoding parquet metadata");
}

static void *dec_alloc(dec *c, size_t n, size_t size)
{
	size_t total;
	if (!c->arena || dlt_mul_overflow(n, size, &total))
		return NULL;
	return dlt_pq__arena_alloc(c->arena, total);
}

/* Each getter: < 0 error, 0 skipped (type mismatch), 1 read. */
static int get_i32(dec *c, uint8_t ft, int32_t *out)
{
	int rc;
	if (ft != DLT_THRIFT_I32)
		return dlt_thrift__skip(&c->r, ft, c->err);
	rc = dlt_thrift__read_i32(&c->r, out, c->err);
	return rc < 0 ? rc : 1;
}

static int get_enum(dec *c, uint8_t ft, void *out_enum)
{
	int32_t v;
	int rc = get_i32(c, ft, &v);
	if (rc > 0) {
		int iv = v;
		memcpy(out_enum, &iv, sizeof(int)); /* enums here are int-sized */
	}
	return rc;
}

static int get_i64(dec *c, uint8_t ft, int64_t *out)
{
	int rc;
	if (ft != DLT_THRIFT_I64)
		return dlt_thrift__skip(&c->r, ft, c->err);
	rc = dlt_thrift__read_i64(&c->r, out, c->err);
	return rc < 0 ? rc : 1;
}

static int get_i16(dec *c, uint8_t ft, int16_t *out)
{
	int rc;
	if (ft != DLT_THRIFT_I16)
		return dlt_thrift__skip(&c->r, ft, c->err);
	rc = dlt_thrift__read_i16(&c->r, out, c->err);
	return rc < 0 ? rc : 1;
}

static int get_i8(dec *c, uint8_t ft, int8_t *out)
{
	int rc;
	if (ft != DLT_THRIFT_BYTE)
		return dlt_thrift__skip(&c->r, ft, c->err);
	rc = dlt_thrift__read_byte(&c->r, out, c->err);
	return rc < 0 ? rc : 1;
}

static int get_bool(dec *c, uint8_t ft, bool *out)
{
	if (ft != DLT_THRIFT_BOOL_TRUE && ft != DLT_THRIFT_BOOL_FALSE)
		return dlt_thrift__skip(&c->r, ft, c->err);
	*out = ft == DLT_THRIFT_BOOL_TRUE;
	return 1;
}

static int get_bin(dec *c, uint8_t ft, dlt_pq_bytes *out)
{
	const uint8_t *d;
	size_t n;
	int rc;
	if (ft != DLT_THRIFT_BINARY)
		return dlt_thrift__skip(&c->r, ft, c->err);
	if ((rc = dlt_thrift__read_binary(&c->r, &d, &n, c->err)) < 0)
		return rc;
	if (c->arena) {
		char *s = dlt_pq__arena_strndup(c->arena, d, n);
		if (!s)
			return dec_nomem(c);
		out->data = (const uint8_t *)s;
	} else {
		out->data = d;
	}
	out->len = n;
	return 1;
}

static int get_str(dec *c, uint8_t ft, const char **out, size_t *len_out)
{
	dlt_pq_bytes b;
	int rc;
	if (ft == DLT_THRIFT_BINARY && !c->arena)
		return dlt_thrift__skip(&c->r, ft, c->err); /* strings need the arena */
	rc = get_bin(c, ft, &b);
	if (rc > 0) {
		*out = (const char *)b.data;
		if (len_out)
			*len_out = b.len;
	}
	return rc;
}

/* List header with an element-type check; count bounded by remaining/min_bytes. */
static int get_list(dec *c, uint8_t ft, uint8_t want, size_t min_bytes, uint32_t *count,
                    bool *ok)
{
	uint8_t et;
	int rc;
	*ok = false;
	if (ft != DLT_THRIFT_LIST && ft != DLT_THRIFT_SET)
		return dlt_thrift__skip(&c->r, ft, c->err);
	if ((rc = dlt_thrift__list_begin(&c->r, &et, count, c->err)) < 0)
		return rc;
	if (want == DLT_THRIFT_BOOL_TRUE && et == DLT_THRIFT_BOOL_FALSE)
		et = DLT_THRIFT_BOOL_TRUE;
	if (et != want && *count > 0) {
		/* wrong element type: skip the elements */
		uint32_t i;
		for (i = 0; i < *count; i++) {
			if (et == DLT_THRIFT_BOOL_TRUE || et == DLT_THRIFT_BOOL_FALSE) {
				bool b;
				rc = dlt_thrift__read_bool(&c->r, &b, c->err);
			} else {
				rc = dlt_thrift__skip(&c->r, et, c->err);
			}
			if (rc < 0)
				return rc;
		}
		dlt_thrift__container_end(&c->r);
		return 0;
	}
	if (min_bytes > 1 && *count > dlt_thrift__remaining(&c->r) / min_bytes) {
		c->r.truncated = true;
		return dlt_error_set(c->err, DLT_ECORRUPT,
		                     "thrift: list of %" PRIu32 " elements exceeds remaining %zu bytes",
		                     *count, dlt_thrift__remaining(&c->r));
	}
	*ok = true;
	return 1;
}

static int get_list_i32(dec *c, uint8_t ft, int32_t **out, size_t *n_out)
{
	uint32_t n, i;
	bool ok;
	int32_t *a;
	int rc = get_list(c, ft, DLT_THRIFT_I32, 1, &n, &ok);
	if (rc <= 0 || !ok)
		return rc;
	if (!(a = dec_alloc(c, n ? n : 1, sizeof(*a))))
		return dec_nomem(c);
	for (i = 0; i < n; i++)
		if ((rc = dlt_thrift__read_i32(&c->r, &a[i], c->err)) < 0)
			return rc;
	dlt_thrift__container_end(&c->r);
	*out = a;
	*n_out = n;
	return 1;
}

static int get_list_i64(dec *c, uint8_t ft, int64_t **out, size_t *n_out)
{
	uint32_t n, i;
	bool ok;
	int64_t *a;
	int rc = get_list(c, ft, DLT_THRIFT_I64, 1, &n, &ok);
	if (rc <= 0 || !ok)
		return rc;
	if (!(a = dec_alloc(c, n ? n : 1, sizeof(*a))))
		return dec_nomem(c);
	for (i = 0; i < n; i++)
		if ((rc = dlt_thrift__read_i64(&c->r, &a[i], c->err)) < 0)
			return rc;
	dlt_thrift__container_end(&c->r);
	*out = a;
	*n_out = n;
	return 1;
}

static int get_list_bool(dec *c, uint8_t ft, bool **out, size_t *n_out)
{
	uint32_t n, i;
	bool ok;
	bool *a;
	int rc = get_list(c, ft, DLT_THRIFT_BOOL_TRUE, 1, &n, &ok);
	if (rc <= 0 || !ok)
		return rc;
	if (!(a = dec_alloc(c, n ? n : 1, sizeof(*a))))
		return dec_nomem(c);
	for (i = 0; i < n; i++)
		if ((rc = dlt_thrift__read_bool(&c->r, &a[i], c->err)) < 0)
			return rc;
	dlt_thrift__container_end(&c->r);
	*out = a;
	*n_out = n;
	return 1;
}

static int get_list_bin(dec *c, uint8_t ft, dlt_pq_bytes **out, size_t *n_out)
{
	uint32_t n, i;
	bool ok;
	dlt_pq_bytes *a;
	int rc = get_list(c, ft, DLT_THRIFT_BINARY, 1, &n, &ok);
	if (rc <= 0 || !ok)
		return rc;
	if (!(a = dec_alloc(c, n ? n : 1, sizeof(*a))))
		return dec_nomem(c);
	for (i = 0; i < n; i++)
		if ((rc = get_bin(c, DLT_THRIFT_BINARY, &a[i])) < 0)
			return rc;
	dlt_thrift__container_end(&c->r);
	*out = a;
	*n_out = n;
	return 1;
}

static int get_list_str(dec *c, uint8_t ft, const char ***out, size_t *n_out)
{
	uint32_t n, i;
	bool ok;
	const char **a;
	int rc = get_list(c, ft, DLT_THRIFT_BINARY, 1, &n, &ok);
	if (rc <= 0 || !ok)
		return rc;
	if (!(a = dec_alloc(c, n ? n : 1, sizeof(*a))))
		return dec_nomem(c);
	for (i = 0; i < n; i++)
		if ((rc = get_str(c, DLT_THRIFT_BINARY, &a[i], NULL)) < 0)
			return rc;
	dlt_thrift__container_end(&c->r);
	*out = a;
	*n_out = n;
	return 1;
}

typedef int (*dec_struct_fn)(dec *c, void *elem);

static int get_list_struct(dec *c, uint8_t ft, void **out, size_t *n_out, size_t elem_size,
                           size_t min_bytes, dec_struct_fn fn)
{
	uint32_t n, i;
	bool ok;
	uint8_t *a;
	int rc = get_list(c, ft, DLT_THRIFT_STRUCT, min_bytes, &n, &ok);
	if (rc <= 0 || !ok)
		return rc;
	if (!(a = dec_alloc(c, n ? n : 1, elem_size)))
		return dec_nomem(c);
	for (i = 0; i < n; i++)
		if ((rc = fn(c, a + (size_t)i * elem_size)) < 0)
			return rc;
	dlt_thrift__container_end(&c->r);
	*out = a;
	*n_out = n;
	return 1;
}

static int get_struct(dec *c, uint8_t ft, void *out, dec_struct_fn fn)
{
	int rc;
	if (ft != DLT_THRIFT_STRUCT)
		return dlt_thrift__skip(&c->r, ft, c->err);
	rc = fn(c, out);
	return rc < 0 ? rc : 1;
}

static int missing(dec *c, const char *strct, const char *field)
{
	return dlt_error_set(c->err, DLT_ECORRUPT,
	                     "parquet metadata: %s is missing required field '%s' (offset %zu)",
	                     strct, field, dlt_thrift__offset(&c->r));
}

/* Field loop scaffolding. */
#define FIELDS_BEGIN(c)                                                                   \
	int16_t last_id_, fid;                                                            \
	uint8_t ft;                                                                       \
	int rc;                                                                           \
	uint32_t seen = 0;                                                                \
	if ((rc = dlt_thrift__struct_begin(&(c)->r, &last_id_, (c)->err)) < 0)            \
		return rc;                                                                \
	while ((rc = dlt_thrift__field_next(&(c)->r, &last_id_, &ft, &fid, (c)->err)) > 0) { \
		switch (fid) {
#define FIELDS_END(c)                                                                     \
		default:                                                                  \
			rc = dlt_thrift__skip(&(c)->r, ft, (c)->err);                     \
			break;                                                            \
		}                                                                         \
		if (rc < 0)                                                               \
			return rc;                                                            \
		if (rc > 0 && fid >= 0 && fid < 32)                                       \
			seen |= (uint32_t)1 << fid;                                       \
	}                                                                                 \
	if (rc < 0)                                                                       \
		return rc;
#define FIELDS_END_CUSTOM(c)                                                              \
		}                                                                         \
		if (rc < 0)                                                               \
			return rc;                                                            \
		if (rc > 0 && fid >= 0 && fid < 32)                                       \
			seen |= (uint32_t)1 << fid;                                       \
	}                                                                                 \
	if (rc < 0)                                                                       \
		return rc;
#define SEEN(id) ((seen >> (id)) & 1u)
#define REQUIRE(c, id, strct, name)                                                       \
	do {                                                                              \
		if (!SEEN(id))                                                            \
			return missing((c), (strct), (name));                             \
	} while (0)

/* ---------------- struct decoders ---------------- */

static int dec_empty(dec *c, void *unused)
{
	(void)unused;
	FIELDS_BEGIN(c)
	FIELDS_END(c)
	(void)seen;
	return DLT_OK;
}

static int dec_kv(dec *c, void *out)
{
	dlt_pq_kv *kv = out;
	FIELDS_BEGIN(c)
	case 1: rc = get_str(c, ft, &kv->key, &kv->key_len); break;
	case 2: rc = get_str(c, ft, &kv->value, &kv->value_len); break;
	FIELDS_END(c)
	REQUIRE(c, 1, "KeyValue", "key");
	return DLT_OK;
}

static int dec_statistics(dec *c, void *out)
{
	dlt_pq_statistics *s = out;
	s->present = true;
	FIELDS_BEGIN(c)
	case 1: rc = get_bin(c, ft, &s->max); break;
	case 2: rc = get_bin(c, ft, &s->min); break;
	case 3: rc = get_i64(c, ft, &s->null_count); s->has_null_count = rc > 0; break;
	case 4: rc = get_i64(c, ft, &s->distinct_count); s->has_distinct_count = rc > 0; break;
	case 5: rc = get_bin(c, ft, &s->max_value); break;
	case 6: rc = get_bin(c, ft, &s->min_value); break;
	case 7:
		rc = get_bool(c, ft, &s->is_max_value_exact);
		s->has_is_max_value_exact = rc > 0;
		break;
	case 8:
		rc = get_bool(c, ft, &s->is_min_value_exact);
		s->has_is_min_value_exact = rc > 0;
		break;
	FIELDS_END(c)
	(void)seen;
	return DLT_OK;
}

/* TimeUnit union: the member's id is the unit. */
static int dec_time_unit(dec *c, void *out)
{
	dlt_pq_time_unit *u = out;
	FIELDS_BEGIN(c)
	case 1: case 2: case 3:
		if (ft == DLT_THRIFT_STRUCT) {
			*u = (dlt_pq_time_unit)fid;
			rc = dec_empty(c, NULL);
			rc = rc < 0 ? rc : 1;
		} else {
			rc = dlt_thrift__skip(&c->r, ft, c->err);
		}
		break;
	FIELDS_END(c)
	(void)seen;
	return DLT_OK;
}

static int dec_lt_member(dec *c, dlt_pq_logical_type *lt, int16_t id)
{
	FIELDS_BEGIN(c)
	case 1:
		switch (id) {
		case DLT_PQ_LT_DECIMAL: rc = get_i32(c, ft, &lt->scale); break;
		case DLT_PQ_LT_TIME: case DLT_PQ_LT_TIMESTAMP:
			rc = get_bool(c, ft, &lt->is_adjusted_to_utc); break;
		case DLT_PQ_LT_INTEGER: rc = get_i8(c, ft, &lt->bit_width); break;
		case DLT_PQ_LT_VARIANT:
			rc = get_i8(c, ft, &lt->spec_version);
			lt->has_spec_version = rc > 0;
			break;
		case DLT_PQ_LT_GEOMETRY: case DLT_PQ_LT_GEOGRAPHY:
			rc = get_str(c, ft, &lt->crs, NULL); break;
		default: rc = dlt_thrift__skip(&c->r, ft, c->err); break;
		}
		break;
	case 2:
		switch (id) {
		case DLT_PQ_LT_DECIMAL: rc = get_i32(c, ft, &lt->precision); break;
		case DLT_PQ_LT_TIME: case DLT_PQ_LT_TIMESTAMP:
			rc = get_struct(c, ft, &lt->unit, dec_time_unit); break;
		case DLT_PQ_LT_INTEGER: rc = get_bool(c, ft, &lt->is_signed); break;
		case DLT_PQ_LT_GEOGRAPHY:
			rc = get_i32(c, ft, &lt->algorithm);
			lt->has_algorithm = rc > 0;
			break;
		default: rc = dlt_thrift__skip(&c->r, ft, c->err); break;
		}
		break;
	FIELDS_END(c)
	(void)seen;
	return DLT_OK;
}

static int dec_logical(dec *c, void *out)
{
	dlt_pq_logical_type *lt = out;
	FIELDS_BEGIN(c)
	case DLT_PQ_LT_STRING: case DLT_PQ_LT_MAP: case DLT_PQ_LT_LIST: case DLT_PQ_LT_ENUM:
	case DLT_PQ_LT_DECIMAL: case DLT_PQ_LT_DATE: case DLT_PQ_LT_TIME:
	case DLT_PQ_LT_TIMESTAMP: case DLT_PQ_LT_INTEGER: case DLT_PQ_LT_UNKNOWN:
	case DLT_PQ_LT_JSON: case DLT_PQ_LT_BSON: case DLT_PQ_LT_UUID: case DLT_PQ_LT_FLOAT16:
	case DLT_PQ_LT_VARIANT: case DLT_PQ_LT_GEOMETRY: case DLT_PQ_LT_GEOGRAPHY:
		if (ft != DLT_THRIFT_STRUCT) {
			rc = dlt_thrift__skip(&c->r, ft, c->err);
			break;
		}
		lt->kind = (dlt_pq_logical_kind)fid;
		rc = dec_lt_member(c, lt, fid);
		break;
	default:
		if (ft == DLT_THRIFT_STRUCT && lt->kind == DLT_PQ_LT_NONE) {
			lt->kind = DLT_PQ_LT_OTHER;
			lt->other_id = fid;
		}
		rc = dlt_thrift__skip(&c->r, ft, c->err);
		break;
	FIELDS_END_CUSTOM(c)
	(void)seen;
	return DLT_OK;
}

static int dec_schema_element(dec *c, void *out)
{
	dlt_pq_schema_element *e = out;
	FIELDS_BEGIN(c)
	case 1: rc = get_enum(c, ft, &e->type); e->has_type = rc > 0; break;
	case 2: rc = get_i32(c, ft, &e->type_length); e->has_type_length = rc > 0; break;
	case 3: rc = get_enum(c, ft, &e->repetition); e->has_repetition = rc > 0; break;
	case 4: rc = get_str(c, ft, &e->name, NULL); break;
	case 5: rc = get_i32(c, ft, &e->num_children); e->has_num_children = rc > 0; break;
	case 6:
		rc = get_enum(c, ft, &e->converted_type);
		e->has_converted_type = rc > 0;
		break;
	case 7: rc = get_i32(c, ft, &e->scale); e->has_scale = rc > 0; break;
	case 8: rc = get_i32(c, ft, &e->precision); e->has_precision = rc > 0; break;
	case 9: rc = get_i32(c, ft, &e->field_id); e->has_field_id = rc > 0; break;
	case 10: rc = get_struct(c, ft, &e->logical, dec_logical); break;
	FIELDS_END(c)
	REQUIRE(c, 4, "SchemaElement", "name");
	return DLT_OK;
}

static int dec_page_enc_stats(dec *c, void *out)
{
	dlt_pq_page_encoding_stats *s = out;
	FIELDS_BEGIN(c)
	case 1: rc = get_enum(c, ft, &s->page_type); break;
	case 2: rc = get_enum(c, ft, &s->encoding); break;
	case 3: rc = get_i32(c, ft, &s->count); break;
	FIELDS_END(c)
	REQUIRE(c, 1, "PageEncodingStats", "page_type");
	REQUIRE(c, 2, "PageEncodingStats", "encoding");
	REQUIRE(c, 3, "PageEncodingStats", "count");
	return DLT_OK;
}

static int dec_column_meta(dec *c, void *out)
{
	dlt_pq_column_meta *m = out;
	FIELDS_BEGIN(c)
	case 1: rc = get_enum(c, ft, &m->type); break;
	case 2: rc = get_list_i32(c, ft, &m->encodings, &m->num_encodings); break;
	case 3: rc = get_list_str(c, ft, &m->path, &m->path_len); break;
	case 4: rc = get_enum(c, ft, &m->codec); break;
	case 5: rc = get_i64(c, ft, &m->num_values); break;
	case 6: rc = get_i64(c, ft, &m->total_uncompressed_size); break;
	case 7: rc = get_i64(c, ft, &m->total_compressed_size); break;
	case 8:
		rc = get_list_struct(c, ft, (void **)&m->kv, &m->num_kv, sizeof(dlt_pq_kv), 3,
		                     dec_kv);
		break;
	case 9: rc = get_i64(c, ft, &m->data_page_offset); break;
	case 10:
		rc = get_i64(c, ft, &m->index_page_offset);
		m->has_index_page_offset = rc > 0;
		break;
	case 11:
		rc = get_i64(c, ft, &m->dictionary_page_offset);
		m->has_dictionary_page_offset = rc > 0;
		break;
	case 12: rc = get_struct(c, ft, &m->statistics, dec_statistics); break;
	case 13:
		rc = get_list_struct(c, ft, (void **)&m->encoding_stats, &m->num_encoding_stats,
		                     sizeof(dlt_pq_page_encoding_stats), 7, dec_page_enc_stats);
		break;
	case 14:
		rc = get_i64(c, ft, &m->bloom_filter_offset);
		m->has_bloom_filter_offset = rc > 0;
		break;
	case 15:
		rc = get_i32(c, ft, &m->bloom_filter_length);
		m->has_bloom_filter_length = rc > 0;
		break;
	FIELDS_END(c)
	REQUIRE(c, 1, "ColumnMetaData", "type");
	REQUIRE(c, 2, "ColumnMetaData", "encodings");
	REQUIRE(c, 3, "ColumnMetaData", "path_in_schema");
	REQUIRE(c, 4, "ColumnMetaData", "codec");
	REQUIRE(c, 5, "ColumnMetaData", "num_values");
	REQUIRE(c, 6, "ColumnMetaData", "total_uncompressed_size");
	REQUIRE(c, 7, "ColumnMetaData", "total_compressed_size");
	REQUIRE(c, 9, "ColumnMetaData", "data_page_offset");
	return DLT_OK;
}

static int dec_column_meta_ptr(dec *c, uint8_t ft, dlt_pq_column_meta **out)
{
	dlt_pq_column_meta *m;
	if (ft != DLT_THRIFT_STRUCT)
		return dlt_thrift__skip(&c->r, ft, c->err);
	if (!*out) {
		if (!(m = dec_alloc(c, 1, sizeof(*m))))
			return dec_nomem(c);
		*out = m;
	}
	return get_struct(c, ft, *out, dec_column_meta);
}

static int dec_column_chunk(dec *c, void *out)
{
	dlt_pq_column_chunk *cc = out;
	FIELDS_BEGIN(c)
	case 1: rc = get_str(c, ft, &cc->file_path, NULL); break;
	case 2: rc = get_i64(c, ft, &cc->file_offset); break;
	case 3: rc = dec_column_meta_ptr(c, ft, &cc->meta); break;
	case 4:
		rc = get_i64(c, ft, &cc->offset_index_offset);
		cc->has_offset_index = rc > 0;
		break;
	case 5: rc = get_i32(c, ft, &cc->offset_index_length); break;
	case 6:
		rc = get_i64(c, ft, &cc->column_index_offset);
		cc->has_column_index = rc > 0;
		break;
	case 7: rc = get_i32(c, ft, &cc->column_index_length); break;
	case 8:
		rc = dlt_thrift__skip(&c->r, ft, c->err);
		cc->has_crypto_metadata = rc >= 0;
		break;
	case 9:
		rc = dlt_thrift__skip(&c->r, ft, c->err);
		cc->has_encrypted_column_metadata = rc >= 0;
		break;
	FIELDS_END(c)
	/* offset/column index need both offset and length */
	if (cc->has_offset_index && !SEEN(5))
		cc->has_offset_index = false;
	if (cc->has_column_index && !SEEN(7))
		cc->has_column_index = false;
	return DLT_OK;
}

static int dec_sorting_column(dec *c, void *out)
{
	dlt_pq_sorting_column *s = out;
	FIELDS_BEGIN(c)
	case 1: rc = get_i32(c, ft, &s->column_idx); break;
	case 2: rc = get_bool(c, ft, &s->descending); break;
	case 3: rc = get_bool(c, ft, &s->nulls_first); break;
	FIELDS_END(c)
	REQUIRE(c, 1, "SortingColumn", "column_idx");
	return DLT_OK;
}

static int dec_row_group(dec *c, void *out)
{
	dlt_pq_row_group *g = out;
	FIELDS_BEGIN(c)
	case 1:
		rc = get_list_struct(c, ft, (void **)&g->columns, &g->num_columns,
		                     sizeof(dlt_pq_column_chunk), 1, dec_column_chunk);
		break;
	case 2: rc = get_i64(c, ft, &g->total_byte_size); break;
	case 3: rc = get_i64(c, ft, &g->num_rows); break;
	case 4:
		rc = get_list_struct(c, ft, (void **)&g->sorting_columns, &g->num_sorting_columns,
		                     sizeof(dlt_pq_sorting_column), 3, dec_sorting_column);
		break;
	case 5: rc = get_i64(c, ft, &g->file_offset); g->has_file_offset = rc > 0; break;
	case 6:
		rc = get_i64(c, ft, &g->total_compressed_size);
		g->has_total_compressed_size = rc > 0;
		break;
	case 7: rc = get_i16(c, ft, &g->ordinal); g->has_ordinal = rc > 0; break;
	FIELDS_END(c)
	REQUIRE(c, 1, "RowGroup", "columns");
	REQUIRE(c, 3, "RowGroup", "num_rows");
	return DLT_OK;
}

/* ColumnOrder union: store the member id (1 = TYPE_ORDER). */
static int dec_column_order(dec *c, void *out)
{
	int32_t *o = out;
	FIELDS_BEGIN(c)
	default:
		if (*o == 0)
			*o = fid;
		rc = dlt_thrift__skip(&c->r, ft, c->err);
		break;
	case 0: rc = dlt_thrift__skip(&c->r, ft, c->err); break;
	FIELDS_END_CUSTOM(c)
	(void)seen;
	return DLT_OK;
}

static int dec_file_meta(dec *c, void *out)
{
	dlt_pq_file_meta *m = out;
	FIELDS_BEGIN(c)
	case 1: rc = get_i32(c, ft, &m->version); break;
	case 2:
		rc = get_list_struct(c, ft, (void **)&m->schema, &m->num_schema,
		                     sizeof(dlt_pq_schema_element), 3, dec_schema_element);
		break;
	case 3: rc = get_i64(c, ft, &m->num_rows); break;
	case 4:
		rc = get_list_struct(c, ft, (void **)&m->row_groups, &m->num_row_groups,
		                     sizeof(dlt_pq_row_group), 5, dec_row_group);
		break;
	case 5:
		rc = get_list_struct(c, ft, (void **)&m->kv, &m->num_kv, sizeof(dlt_pq_kv), 3,
		                     dec_kv);
		break;
	case 6: rc = get_str(c, ft, &m->created_by, NULL); break;
	case 7:
		rc = get_list_struct(c, ft, (void **)&m->column_orders, &m->num_column_orders,
		                     sizeof(int32_t), 1, dec_column_order);
		break;
	case 8:
		rc = dlt_thrift__skip(&c->r, ft, c->err);
		m->has_encryption_algorithm = rc >= 0;
		break;
	case 9:
		rc = dlt_thrift__skip(&c->r, ft, c->err);
		m->has_footer_signing_key_metadata = rc >= 0;
		break;
	FIELDS_END(c)
	REQUIRE(c, 1, "FileMetaData", "version");
	REQUIRE(c, 2, "FileMetaData", "schema");
	REQUIRE(c, 3, "FileMetaData", "num_rows");
	REQUIRE(c, 4, "FileMetaData", "row_groups");
	return DLT_OK;
}

/* ---------------- public decode entry points ---------------- */

int dlt_pq__file_meta_decode(dlt_pq_file_meta **out, const uint8_t *buf, size_t len,
                             dlt_error *err)
{
	dec c;
	dlt_pq_file_meta *m;
	int rc;

	DLT_ARG_CHECK(out != NULL && (buf != NULL || len == 0), err);
	*out = NULL;
	dlt_thrift__reader_init(&c.r, buf, len);
	c.err = err;
	if ((rc = dlt_pq__arena_new(&c.arena, err)) < 0)
		return rc;
	if (!(m = dlt_pq__arena_alloc(c.arena, sizeof(*m)))) {
		dlt_pq__arena_free(c.arena);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory decoding parquet footer");
	}
	m->arena = c.arena;
	if ((rc = dec_file_meta(&c, m)) < 0) {
		dlt_pq__arena_free(c.arena);
		return dlt_error_prefix(err, "parquet footer");
	}
	if (m->num_rows < 0) {
		int64_t nr = m->num_rows;
		dlt_pq__arena_free(c.arena);
		return dlt_error_set(err, DLT_ECORRUPT, "parquet footer: negative num_rows %" PRId64,
		                     nr);
	}
	*out = m;
	return DLT_OK;
}

void dlt_pq__file_meta_free(dlt_pq_file_meta *m)
{
	if (m)
		dlt_pq__arena_free(m->arena);
}

int dlt_pq__footer_parse(dlt_pq_file_meta **out, uint32_t *footer_len_out,
                         const uint8_t *tail, size_t tail_len, uint64_t file_size,
                         dlt_error *err)
{
	uint32_t flen;

	DLT_ARG_CHECK(out != NULL && tail != NULL, err);
	*out = NULL;
	if (tail_len > file_size)
		return dlt_error_set(err, DLT_EINVAL, "parquet footer: tail longer than the file");
	if (tail_len < 8 || file_size < 12) {
		if (file_size < 12)
			return dlt_error_set(err, DLT_ECORRUPT,
			                     "not a parquet file: %" PRIu64 " bytes is too small",
			                     file_size);
		return dlt_error_set(err, DLT_EINVAL, "parquet footer: need at least 8 tail bytes");
	}
	if (memcmp(tail + tail_len - 4, "PARE", 4) == 0)
		return dlt_error_set(err, DLT_EUNSUPPORTED, "encrypted parquet is not supported");
	if (memcmp(tail + tail_len - 4, "PAR1", 4) != 0)
		return dlt_error_set(err, DLT_ECORRUPT, "not a parquet file: no PAR1 magic at end");
	flen = dlt_load_u32le(tail + tail_len - 8);
	if ((uint64_t)flen > file_size - 12)
		return dlt_error_set(err, DLT_ECORRUPT,
		                     "parquet footer length %" PRIu32 " exceeds file size %" PRIu64,
		                     flen, file_size);
	if (flen > DLT_PQ_MAX_FOOTER_LEN)
		return dlt_error_set(err, DLT_ELIMIT,
		                     "parquet footer length %" PRIu32 " exceeds the 1 GiB limit", flen);
	if (footer_len_out)
		*footer_len_out = flen;
	if (tail_len == file_size && memcmp(tail, "PAR1", 4) != 0)
		return dlt_error_set(err, DLT_ECORRUPT, "not a parquet file: no PAR1 magic at start");
	if ((uint64_t)flen + 8 > tail_len) {
		if (!footer_len_out)
			return dlt_error_set(err, DLT_EINVAL,
			                     "parquet footer: tail of %zu bytes does not hold the "
			                     "%" PRIu32 "-byte footer", tail_len, flen);
		return DLT_OK;
	}
	return dlt_pq__file_meta_decode(out, tail + tail_len - 8 - flen, flen, err);
}

static int dec_data_page_header(dec *c, void *out)
{
	dlt_pq_data_page_header *h = out;
	FIELDS_BEGIN(c)
	case 1: rc = get_i32(c, ft, &h->num_values); break;
	case 2: rc = get_enum(c, ft, &h->encoding); break;
	case 3: rc = get_enum(c, ft, &h->definition_level_encoding); break;
	case 4: rc = get_enum(c, ft, &h->repetition_level_encoding); break;
	case 5: rc = get_struct(c, ft, &h->statistics, dec_statistics); break;
	FIELDS_END(c)
	REQUIRE(c, 1, "DataPageHeader", "num_values");
	REQUIRE(c, 2, "DataPageHeader", "encoding");
	REQUIRE(c, 3, "DataPageHeader", "definition_level_encoding");
	REQUIRE(c, 4, "DataPageHeader", "repetition_level_encoding");
	if (h->num_values < 0)
		return dlt_error_set(c->err, DLT_ECORRUPT, "data page header: negative num_values");
	return DLT_OK;
}

static int dec_dict_page_header(dec *c, void *out)
{
	dlt_pq_dictionary_page_header *h = out;
	FIELDS_BEGIN(c)
	case 1: rc = get_i32(c, ft, &h->num_values); break;
	case 2: rc = get_enum(c, ft, &h->encoding); break;
	case 3: rc = get_bool(c, ft, &h->is_sorted); h->has_is_sorted = rc > 0; break;
	FIELDS_END(c)
	REQUIRE(c, 1, "DictionaryPageHeader", "num_values");
	REQUIRE(c, 2, "DictionaryPageHeader", "encoding");
	if (h->num_values < 0)
		return dlt_error_set(c->err, DLT_ECORRUPT,
		                     "dictionary page header: negative num_values");
	return DLT_OK;
}

static int dec_data_page_header_v2(dec *c, void *out)
{
	dlt_pq_data_page_header_v2 *h = out;
	h->is_compressed = true;
	FIELDS_BEGIN(c)
	case 1: rc = get_i32(c, ft, &h->num_values); break;
	case 2: rc = get_i32(c, ft, &h->num_nulls); break;
	case 3: rc = get_i32(c, ft, &h->num_rows); break;
	case 4: rc = get_enum(c, ft, &h->encoding); break;
	case 5: rc = get_i32(c, ft, &h->definition_levels_byte_length); break;
	case 6: rc = get_i32(c, ft, &h->repetition_levels_byte_length); break;
	case 7: rc = get_bool(c, ft, &h->is_compressed); break;
	case 8: rc = get_struct(c, ft, &h->statistics, dec_statistics); break;
	FIELDS_END(c)
	REQUIRE(c, 1, "DataPageHeaderV2", "num_values");
	REQUIRE(c, 2, "DataPageHeaderV2", "num_nulls");
	REQUIRE(c, 3, "DataPageHeaderV2", "num_rows");
	REQUIRE(c, 4, "DataPageHeaderV2", "encoding");
	REQUIRE(c, 5, "DataPageHeaderV2", "definition_levels_byte_length");
	REQUIRE(c, 6, "DataPageHeaderV2", "repetition_levels_byte_length");
	if (h->num_values < 0 || h->num_nulls < 0 || h->num_rows < 0 ||
	    h->definition_levels_byte_length < 0 || h->repetition_levels_byte_length < 0 ||
	    h->num_nulls > h->num_values)
		return dlt_error_set(c->err, DLT_ECORRUPT,
		                     "data page v2 header: negative or inconsistent counts");
	return DLT_OK;
}

static int dec_page_header(dec *c, void *out)
{
	dlt_pq_page_header *h = out;
	FIELDS_BEGIN(c)
	case 1: rc = get_enum(c, ft, &h->type); break;
	case 2: rc = get_i32(c, ft, &h->uncompressed_page_size); break;
	case 3: rc = get_i32(c, ft, &h->compressed_page_size); break;
	case 4: rc = get_i32(c, ft, &h->crc); h->has_crc = rc > 0; break;
	case 5:
		rc = get_struct(c, ft, &h->data, dec_data_page_header);
		h->has_data = rc > 0;
		break;
	case 6:
		rc = get_struct(c, ft, NULL, dec_empty);
		h->has_index = rc > 0;
		break;
	case 7:
		rc = get_struct(c, ft, &h->dictionary, dec_dict_page_header);
		h->has_dictionary = rc > 0;
		break;
	case 8:
		rc = get_struct(c, ft, &h->data_v2, dec_data_page_header_v2);
		h->has_data_v2 = rc > 0;
		break;
	FIELDS_END(c)
	REQUIRE(c, 1, "PageHeader", "type");
	REQUIRE(c, 2, "PageHeader", "uncompressed_page_size");
	REQUIRE(c, 3, "PageHeader", "compressed_page_size");
	if (h->uncompressed_page_size < 0 || h->compressed_page_size < 0)
		return dlt_error_set(c->err, DLT_ECORRUPT, "page header: negative page size");
	return DLT_OK;
}

int dlt_pq__page_header_decode(dlt_pq_page_header *out, size_t *consumed, const uint8_t *buf,
                               size_t len, bool *truncated, dlt_error *err)
{
	dec c;
	int rc;

	DLT_ARG_CHECK(out != NULL && consumed != NULL && (buf != NULL || len == 0), err);
	memset(out, 0, sizeof(*out));
	*consumed = 0;
	if (truncated)
		*truncated = false;
	dlt_thrift__reader_init(&c.r, buf, len);
	c.arena = NULL;
	c.err = err;
	if ((rc = dec_page_header(&c, out)) < 0) {
		if (truncated)
			*truncated = c.r.truncated;
		return rc;
	}
	*consumed = dlt_thrift__offset(&c.r);
	return DLT_OK;
}

static int dec_column_index(dec *c, void *out)
{
	dlt_pq_column_index *ci = out;
	size_t nmin = 0, nmax = 0, nnull = 0, nc = 0;
	FIELDS_BEGIN(c)
	case 1: rc = get_list_bool(c, ft, &ci->null_pages, &ci->num_pages); break;
	case 2: rc = get_list_bin(c, ft, &ci->min_values, &nmin); break;
	case 3: rc = get_list_bin(c, ft, &ci->max_values, &nmax); break;
	case 4: rc = get_enum(c, ft, &ci->boundary_order); break;
	case 5: rc = get_list_i64(c, ft, &ci->null_counts, &nc); break;
	case 6:
		rc = get_list_i64(c, ft, &ci->repetition_level_histograms,
		                  &ci->num_repetition_level_histograms);
		break;
	case 7:
		rc = get_list_i64(c, ft, &ci->definition_level_histograms,
		                  &ci->num_definition_level_histograms);
		break;
	FIELDS_END(c)
	(void)nnull;
	REQUIRE(c, 1, "ColumnIndex", "null_pages");
	REQUIRE(c, 2, "ColumnIndex", "min_values");
	REQUIRE(c, 3, "ColumnIndex", "max_values");
	REQUIRE(c, 4, "ColumnIndex", "boundary_order");
	if (nmin != ci->num_pages || nmax != ci->num_pages ||
	    (ci->null_counts && nc != ci->num_pages))
		return dlt_error_set(c->err, DLT_ECORRUPT,
		                     "column index: list lengths differ (%zu pages, %zu min, %zu max)",
		                     ci->num_pages, nmin, nmax);
	return DLT_OK;
}

static int dec_page_location(dec *c, void *out)
{
	dlt_pq_page_location *l = out;
	FIELDS_BEGIN(c)
	case 1: rc = get_i64(c, ft, &l->offset); break;
	case 2: rc = get_i32(c, ft, &l->compressed_page_size); break;
	case 3: rc = get_i64(c, ft, &l->first_row_index); break;
	FIELDS_END(c)
	REQUIRE(c, 1, "PageLocation", "offset");
	REQUIRE(c, 2, "PageLocation", "compressed_page_size");
	REQUIRE(c, 3, "PageLocation", "first_row_index");
	return DLT_OK;
}

static int dec_offset_index(dec *c, void *out)
{
	dlt_pq_offset_index *oi = out;
	FIELDS_BEGIN(c)
	case 1:
		rc = get_list_struct(c, ft, (void **)&oi->pages, &oi->num_pages,
		                     sizeof(dlt_pq_page_location), 7, dec_page_location);
		break;
	case 2:
		rc = get_list_i64(c, ft, &oi->unencoded_byte_array_data_bytes, &oi->num_unencoded);
		break;
	FIELDS_END(c)
	REQUIRE(c, 1, "OffsetIndex", "page_locations");
	return DLT_OK;
}

typedef struct arena_obj_head {
	dlt_pq_arena *arena;
} arena_obj_head;

/* Decode a struct whose first member is its arena pointer. */
static int decode_owned(void **out, size_t size, dec_struct_fn fn, const char *what,
                        const uint8_t *buf, size_t len, dlt_error *err)
{
	dec c;
	void *obj;
	int rc;

	DLT_ARG_CHECK(out != NULL && (buf != NULL || len == 0), err);
	*out = NULL;
	dlt_thrift__reader_init(&c.r, buf, len);
	c.err = err;
	if ((rc = dlt_pq__arena_new(&c.arena, err)) < 0)
		return rc;
	if (!(obj = dlt_pq__arena_alloc(c.arena, size))) {
		dlt_pq__arena_free(c.arena);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory decoding %s", what);
	}
	memcpy(obj, &c.arena, sizeof(c.arena));
	if ((rc = fn(&c, obj)) < 0) {
		dlt_pq__arena_free(c.arena);
		return dlt_error_prefix(err, "%s", what);
	}
	*out = obj;
	return DLT_OK;
}

int dlt_pq__column_index_decode(dlt_pq_column_index **out, const uint8_t *buf, size_t len,
                                dlt_error *err)
{
	return decode_owned((void **)out, sizeof(dlt_pq_column_index), dec_column_index,
	                    "column index", buf, len, err);
}

void dlt_pq__column_index_free(dlt_pq_column_index *ci)
{
	if (ci)
		dlt_pq__arena_free(ci->arena);
}

int dlt_pq__offset_index_decode(dlt_pq_offset_index **out, const uint8_t *buf, size_t len,
                                dlt_error *err)
{
	return decode_owned((void **)out, sizeof(dlt_pq_offset_index), dec_offset_index,
	                    "offset index", buf, len, err);
}

void dlt_pq__offset_index_free(dlt_pq_offset_index *oi)
{
	if (oi)
		dlt_pq__arena_free(oi->arena);
}

/* Union with empty-struct members: store the member id. */
static int dec_union_id(dec *c, void *out)
{
	int32_t *id = out;
	FIELDS_BEGIN(c)
	case 0: rc = dlt_thrift__skip(&c->r, ft, c->err); break;
	default:
		if (*id == 0)
			*id = fid;
		rc = dlt_thrift__skip(&c->r, ft, c->err);
		break;
	FIELDS_END_CUSTOM(c)
	(void)seen;
	return DLT_OK;
}

static int dec_bloom_header(dec *c, void *out)
{
	dlt_pq_bloom_filter_header *h = out;
	FIELDS_BEGIN(c)
	case 1: rc = get_i32(c, ft, &h->num_bytes); break;
	case 2: rc = get_struct(c, ft, &h->algorithm, dec_union_id); break;
	case 3: rc = get_struct(c, ft, &h->hash, dec_union_id); break;
	case 4: rc = get_struct(c, ft, &h->compression, dec_union_id); break;
	FIELDS_END(c)
	REQUIRE(c, 1, "BloomFilterHeader", "numBytes");
	REQUIRE(c, 2, "BloomFilterHeader", "algorithm");
	REQUIRE(c, 3, "BloomFilterHeader", "hash");
	REQUIRE(c, 4, "BloomFilterHeader", "compression");
	if (h->num_bytes < 0)
		return dlt_error_set(c->err, DLT_ECORRUPT, "bloom filter header: negative numBytes");
	return DLT_OK;
}

int dlt_pq__bloom_header_decode(dlt_pq_bloom_filter_header *out, size_t *consumed,
                                const uint8_t *buf, size_t len, dlt_error *err)
{
	dec c;
	int rc;
	DLT_ARG_CHECK(out != NULL && consumed != NULL && (buf != NULL || len == 0), err);
	memset(out, 0, sizeof(*out));
	*consumed = 0;
	dlt_thrift__reader_init(&c.r, buf, len);
	c.arena = NULL;
	c.err = err;
	if ((rc = dec_bloom_header(&c, out)) < 0)
		return rc;
	*consumed = dlt_thrift__offset(&c.r);
	return DLT_OK;
}

/* ---------------- encoders ---------------- */

typedef dlt_thrift_writer tw;

static void enc_bytes_field(tw *w, int16_t id, const dlt_pq_bytes *b)
{
	if (b->data)
		dlt_thrift__write_field_binary(w, id, b->data, b->len);
}

static void enc_statistics(tw *w, int16_t id, const dlt_pq_statistics *s)
{
	if (!s->present)
		return;
	dlt_thrift__write_field_struct_begin(w, id);
	enc_bytes_field(w, 1, &s->max);
	enc_bytes_field(w, 2, &s->min);
	if (s->has_null_count)
		dlt_thrift__write_field_i64(w, 3, s->null_count);
	if (s->has_distinct_count)
		dlt_thrift__write_field_i64(w, 4, s->distinct_count);
	enc_bytes_field(w, 5, &s->max_value);
	enc_bytes_field(w, 6, &s->min_value);
	if (s->has_is_max_value_exact)
		dlt_thrift__write_field_bool(w, 7, s->is_max_value_exact);
	if (s->has_is_min_value_exact)
		dlt_thrift__write_field_bool(w, 8, s->is_min_value_exact);
	dlt_thrift__write_struct_end(w);
}

static void enc_kv_list(tw *w, int16_t id, const dlt_pq_kv *kv, size_t n)
{
	size_t i;
	if (!kv)
		return;
	dlt_thrift__write_field_list_begin(w, id, DLT_THRIFT_STRUCT, (uint32_t)n);
	for (i = 0; i < n; i++) {
		dlt_thrift__write_struct_begin(w);
		dlt_thrift__write_field_binary(w, 1, kv[i].key,
		                               kv[i].key_len ? kv[i].key_len
		                                             : (kv[i].key ? strlen(kv[i].key) : 0));
		if (kv[i].value)
			dlt_thrift__write_field_binary(w, 2, kv[i].value,
			                               kv[i].value_len ? kv[i].value_len
			                                               : strlen(kv[i].value));
		dlt_thrift__write_struct_end(w);
	}
}

static void enc_empty_struct_field(tw *w, int16_t id)
{
	dlt_thrift__write_field_struct_begin(w, id);
	dlt_thrift__write_struct_end(w);
}

static void enc_logical(tw *w, int16_t id, const dlt_pq_logical_type *lt)
{
	if (lt->kind == DLT_PQ_LT_NONE || lt->kind == DLT_PQ_LT_OTHER)
		return;
	dlt_thrift__write_field_struct_begin(w, id);
	dlt_thrift__write_field_struct_begin(w, (int16_t)lt->kind);
	switch (lt->kind) {
	case DLT_PQ_LT_DECIMAL:
		dlt_thrift__write_field_i32(w, 1, lt->scale);
		dlt_thrift__write_field_i32(w, 2, lt->precision);
		break;
	case DLT_PQ_LT_TIME:
	case DLT_PQ_LT_TIMESTAMP:
		dlt_thrift__write_field_bool(w, 1, lt->is_adjusted_to_utc);
		dlt_thrift__write_field_struct_begin(w, 2);
		enc_empty_struct_field(w, (int16_t)(lt->unit ? lt->unit : DLT_PQ_UNIT_MICROS));
		dlt_thrift__write_struct_end(w);
		break;
	case DLT_PQ_LT_INTEGER:
		dlt_thrift__write_field_i8(w, 1, lt->bit_width);
		dlt_thrift__write_field_bool(w, 2, lt->is_signed);
		break;
	case DLT_PQ_LT_VARIANT:
		if (lt->has_spec_version)
			dlt_thrift__write_field_i8(w, 1, lt->spec_version);
		break;
	case DLT_PQ_LT_GEOMETRY:
	case DLT_PQ_LT_GEOGRAPHY:
		if (lt->crs)
			dlt_thrift__write_field_string(w, 1, lt->crs);
		if (lt->kind == DLT_PQ_LT_GEOGRAPHY && lt->has_algorithm)
			dlt_thrift__write_field_i32(w, 2, lt->algorithm);
		break;
	default:
		break;
	}
	dlt_thrift__write_struct_end(w);
	dlt_thrift__write_struct_end(w);
}

static void enc_schema_element(tw *w, const dlt_pq_schema_element *e)
{
	dlt_thrift__write_struct_begin(w);
	if (e->has_type)
		dlt_thrift__write_field_i32(w, 1, (int32_t)e->type);
	if (e->has_type_length)
		dlt_thrift__write_field_i32(w, 2, e->type_length);
	if (e->has_repetition)
		dlt_thrift__write_field_i32(w, 3, (int32_t)e->repetition);
	dlt_thrift__write_field_string(w, 4, e->name ? e->name : "");
	if (e->has_num_children)
		dlt_thrift__write_field_i32(w, 5, e->num_children);
	if (e->has_converted_type)
		dlt_thrift__write_field_i32(w, 6, (int32_t)e->converted_type);
	if (e->has_scale)
		dlt_thrift__write_field_i32(w, 7, e->scale);
	if (e->has_precision)
		dlt_thrift__write_field_i32(w, 8, e->precision);
	if (e->has_field_id)
		dlt_thrift__write_field_i32(w, 9, e->field_id);
	enc_logical(w, 10, &e->logical);
	dlt_thrift__write_struct_end(w);
}

static void enc_column_meta(tw *w, int16_t id, const dlt_pq_column_meta *m)
{
	size_t i;
	dlt_thrift__write_field_struct_begin(w, id);
	dlt_thrift__write_field_i32(w, 1, (int32_t)m->type);
	dlt_thrift__write_field_list_begin(w, 2, DLT_THRIFT_I32, (uint32_t)m->num_encodings);
	for (i = 0; i < m->num_encodings; i++)
		dlt_thrift__write_i32(w, m->encodings[i]);
	dlt_thrift__write_field_list_begin(w, 3, DLT_THRIFT_BINARY, (uint32_t)m->path_len);
	for (i = 0; i < m->path_len; i++)
		dlt_thrift__write_binary(w, m->path[i], strlen(m->path[i]));
	dlt_thrift__write_field_i32(w, 4, (int32_t)m->codec);
	dlt_thrift__write_field_i64(w, 5, m->num_values);
	dlt_thrift__write_field_i64(w, 6, m->total_uncompressed_size);
	dlt_thrift__write_field_i64(w, 7, m->total_compressed_size);
	enc_kv_list(w, 8, m->kv, m->num_kv);
	dlt_thrift__write_field_i64(w, 9, m->data_page_offset);
	if (m->has_index_page_offset)
		dlt_thrift__write_field_i64(w, 10, m->index_page_offset);
	if (m->has_dictionary_page_offset)
		dlt_thrift__write_field_i64(w, 11, m->dictionary_page_offset);
	enc_statistics(w, 12, &m->statistics);
	if (m->encoding_stats) {
		dlt_thrift__write_field_list_begin(w, 13, DLT_THRIFT_STRUCT,
		                                   (uint32_t)m->num_encoding_stats);
		for (i = 0; i < m->num_encoding_stats; i++) {
			dlt_thrift__write_struct_begin(w);
			dlt_thrift__write_field_i32(w, 1, (int32_t)m->encoding_stats[i].page_type);
			dlt_thrift__write_field_i32(w, 2, (int32_t)m->encoding_stats[i].encoding);
			dlt_thrift__write_field_i32(w, 3, m->encoding_stats[i].count);
			dlt_thrift__write_struct_end(w);
		}
	}
	if (m->has_bloom_filter_offset)
		dlt_thrift__write_field_i64(w, 14, m->bloom_filter_offset);
	if (m->has_bloom_filter_length)
		dlt_thrift__write_field_i32(w, 15, m->bloom_filter_length);
	dlt_thrift__write_struct_end(w);
}

static void enc_row_group(tw *w, const dlt_pq_row_group *g)
{
	size_t i;
	dlt_thrift__write_struct_begin(w);
	dlt_thrift__write_field_list_begin(w, 1, DLT_THRIFT_STRUCT, (uint32_t)g->num_columns);
	for (i = 0; i < g->num_columns; i++) {
		const dlt_pq_column_chunk *cc = &g->columns[i];
		dlt_thrift__write_struct_begin(w);
		if (cc->file_path)
			dlt_thrift__write_field_string(w, 1, cc->file_path);
		dlt_thrift__write_field_i64(w, 2, cc->file_offset);
		if (cc->meta)
			enc_column_meta(w, 3, cc->meta);
		if (cc->has_offset_index) {
			dlt_thrift__write_field_i64(w, 4, cc->offset_index_offset);
			dlt_thrift__write_field_i32(w, 5, cc->offset_index_length);
		}
		if (cc->has_column_index) {
			dlt_thrift__write_field_i64(w, 6, cc->column_index_offset);
			dlt_thrift__write_field_i32(w, 7, cc->column_index_length);
		}
		dlt_thrift__write_struct_end(w);
	}
	dlt_thrift__write_field_i64(w, 2, g->total_byte_size);
	dlt_thrift__write_field_i64(w, 3, g->num_rows);
	if (g->sorting_columns) {
		dlt_thrift__write_field_list_begin(w, 4, DLT_THRIFT_STRUCT,
		                                   (uint32_t)g->num_sorting_columns);
		for (i = 0; i < g->num_sorting_columns; i++) {
			dlt_thrift__write_struct_begin(w);
			dlt_thrift__write_field_i32(w, 1, g->sorting_columns[i].column_idx);
			dlt_thrift__write_field_bool(w, 2, g->sorting_columns[i].descending);
			dlt_thrift__write_field_bool(w, 3, g->sorting_columns[i].nulls_first);
			dlt_thrift__write_struct_end(w);
		}
	}
	if (g->has_file_offset)
		dlt_thrift__write_field_i64(w, 5, g->file_offset);
	if (g->has_total_compressed_size)
		dlt_thrift__write_field_i64(w, 6, g->total_compressed_size);
	if (g->has_ordinal)
		dlt_thrift__write_field_i16(w, 7, g->ordinal);
	dlt_thrift__write_struct_end(w);
}

static int enc_check_counts(size_t n, const char *what, dlt_error *err)
{
	if (n > INT32_MAX)
		return dlt_error_set(err, DLT_ELIMIT, "parquet metadata: too many %s (%zu)", what, n);
	return DLT_OK;
}

int dlt_pq__file_meta_encode(dlt_buf *out, const dlt_pq_file_meta *m, dlt_error *err)
{
	tw w;
	size_t i;
	int rc;

	DLT_ARG_CHECK(out != NULL && m != NULL, err);
	if ((rc = enc_check_counts(m->num_schema, "schema elements", err)) < 0 ||
	    (rc = enc_check_counts(m->num_row_groups, "row groups", err)) < 0)
		return rc;
	dlt_thrift__writer_init(&w, out, err);
	dlt_thrift__write_struct_begin(&w);
	dlt_thrift__write_field_i32(&w, 1, m->version);
	dlt_thrift__write_field_list_begin(&w, 2, DLT_THRIFT_STRUCT, (uint32_t)m->num_schema);
	for (i = 0; i < m->num_schema; i++)
		enc_schema_element(&w, &m->schema[i]);
	dlt_thrift__write_field_i64(&w, 3, m->num_rows);
	dlt_thrift__write_field_list_begin(&w, 4, DLT_THRIFT_STRUCT, (uint32_t)m->num_row_groups);
	for (i = 0; i < m->num_row_groups; i++)
		enc_row_group(&w, &m->row_groups[i]);
	enc_kv_list(&w, 5, m->kv, m->num_kv);
	if (m->created_by)
		dlt_thrift__write_field_string(&w, 6, m->created_by);
	if (m->column_orders) {
		dlt_thrift__write_field_list_begin(&w, 7, DLT_THRIFT_STRUCT,
		                                   (uint32_t)m->num_column_orders);
		for (i = 0; i < m->num_column_orders; i++) {
			dlt_thrift__write_struct_begin(&w);
			enc_empty_struct_field(&w, (int16_t)(m->column_orders[i] > 0 &&
			                                             m->column_orders[i] <= INT16_MAX
			                                     ? m->column_orders[i]
			                                     : DLT_PQ_ORDER_TYPE_DEFINED));
			dlt_thrift__write_struct_end(&w);
		}
	}
	dlt_thrift__write_struct_end(&w);
	return dlt_thrift__writer_status(&w);
}

int dlt_pq__page_header_encode(dlt_buf *out, const dlt_pq_page_header *h, dlt_error *err)
{
	tw w;
	DLT_ARG_CHECK(out != NULL && h != NULL, err);
	dlt_thrift__writer_init(&w, out, err);
	dlt_thrift__write_struct_begin(&w);
	dlt_thrift__write_field_i32(&w, 1, (int32_t)h->type);
	dlt_thrift__write_field_i32(&w, 2, h->uncompressed_page_size);
	dlt_thrift__write_field_i32(&w, 3, h->compressed_page_size);
	if (h->has_crc)
		dlt_thrift__write_field_i32(&w, 4, h->crc);
	if (h->has_data) {
		dlt_thrift__write_field_struct_begin(&w, 5);
		dlt_thrift__write_field_i32(&w, 1, h->data.num_values);
		dlt_thrift__write_field_i32(&w, 2, (int32_t)h->data.encoding);
		dlt_thrift__write_field_i32(&w, 3, (int32_t)h->data.definition_level_encoding);
		dlt_thrift__write_field_i32(&w, 4, (int32_t)h->data.repetition_level_encoding);
		enc_statistics(&w, 5, &h->data.statistics);
		dlt_thrift__write_struct_end(&w);
	}
	if (h->has_index)
		enc_empty_struct_field(&w, 6);
	if (h->has_dictionary) {
		dlt_thrift__write_field_struct_begin(&w, 7);
		dlt_thrift__write_field_i32(&w, 1, h->dictionary.num_values);
		dlt_thrift__write_field_i32(&w, 2, (int32_t)h->dictionary.encoding);
		if (h->dictionary.has_is_sorted)
			dlt_thrift__write_field_bool(&w, 3, h->dictionary.is_sorted);
		dlt_thrift__write_struct_end(&w);
	}
	if (h->has_data_v2) {
		const dlt_pq_data_page_header_v2 *v = &h->data_v2;
		dlt_thrift__write_field_struct_begin(&w, 8);
		dlt_thrift__write_field_i32(&w, 1, v->num_values);
		dlt_thrift__write_field_i32(&w, 2, v->num_nulls);
		dlt_thrift__write_field_i32(&w, 3, v->num_rows);
		dlt_thrift__write_field_i32(&w, 4, (int32_t)v->encoding);
		dlt_thrift__write_field_i32(&w, 5, v->definition_levels_byte_length);
		dlt_thrift__write_field_i32(&w, 6, v->repetition_levels_byte_length);
		dlt_thrift__write_field_bool(&w, 7, v->is_compressed);
		enc_statistics(&w, 8, &v->statistics);
		dlt_thrift__write_struct_end(&w);
	}
	dlt_thrift__write_struct_end(&w);
	return dlt_thrift__writer_status(&w);
}

int dlt_pq__column_index_encode(dlt_buf *out, const dlt_pq_column_index *ci, dlt_error *err)
{
	tw w;
	size_t i;
	int rc;
	DLT_ARG_CHECK(out != NULL && ci != NULL, err);
	if ((rc = enc_check_counts(ci->num_pages, "pages", err)) < 0)
		return rc;
	dlt_thrift__writer_init(&w, out, err);
	dlt_thrift__write_struct_begin(&w);
	dlt_thrift__write_field_list_begin(&w, 1, DLT_THRIFT_BOOL_TRUE, (uint32_t)ci->num_pages);
	for (i = 0; i < ci->num_pages; i++)
		dlt_thrift__write_bool(&w, ci->null_pages[i]);
	dlt_thrift__write_field_list_begin(&w, 2, DLT_THRIFT_BINARY, (uint32_t)ci->num_pages);
	for (i = 0; i < ci->num_pages; i++)
		dlt_thrift__write_binary(&w, ci->min_values[i].data, ci->min_values[i].len);
	dlt_thrift__write_field_list_begin(&w, 3, DLT_THRIFT_BINARY, (uint32_t)ci->num_pages);
	for (i = 0; i < ci->num_pages; i++)
		dlt_thrift__write_binary(&w, ci->max_values[i].data, ci->max_values[i].len);
	dlt_thrift__write_field_i32(&w, 4, (int32_t)ci->boundary_order);
	if (ci->null_counts) {
		dlt_thrift__write_field_list_begin(&w, 5, DLT_THRIFT_I64, (uint32_t)ci->num_pages);
		for (i = 0; i < ci->num_pages; i++)
			dlt_thrift__write_i64(&w, ci->null_counts[i]);
	}
	if (ci->repetition_level_histograms) {
		dlt_thrift__write_field_list_begin(&w, 6, DLT_THRIFT_I64,
		                                   (uint32_t)ci->num_repetition_level_histograms);
		for (i = 0; i < ci->num_repetition_level_histograms; i++)
			dlt_thrift__write_i64(&w, ci->repetition_level_histograms[i]);
	}
	if (ci->definition_level_histograms) {
		dlt_thrift__write_field_list_begin(&w, 7, DLT_THRIFT_I64,
		                                   (uint32_t)ci->num_definition_level_histograms);
		for (i = 0; i < ci->num_definition_level_histograms; i++)
			dlt_thrift__write_i64(&w, ci->definition_level_histograms[i]);
	}
	dlt_thrift__write_struct_end(&w);
	return dlt_thrift__writer_status(&w);
}

int dlt_pq__offset_index_encode(dlt_buf *out, const dlt_pq_offset_index *oi, dlt_error *err)
{
	tw w;
	size_t i;
	int rc;
	DLT_ARG_CHECK(out != NULL && oi != NULL, err);
	if ((rc = enc_check_counts(oi->num_pages, "pages", err)) < 0)
		return rc;
	dlt_thrift__writer_init(&w, out, err);
	dlt_thrift__write_struct_begin(&w);
	dlt_thrift__write_field_list_begin(&w, 1, DLT_THRIFT_STRUCT, (uint32_t)oi->num_pages);
	for (i = 0; i < oi->num_pages; i++) {
		dlt_thrift__write_struct_begin(&w);
		dlt_thrift__write_field_i64(&w, 1, oi->pages[i].offset);
		dlt_thrift__write_field_i32(&w, 2, oi->pages[i].compressed_page_size);
		dlt_thrift__write_field_i64(&w, 3, oi->pages[i].first_row_index);
		dlt_thrift__write_struct_end(&w);
	}
	if (oi->unencoded_byte_array_data_bytes) {
		dlt_thrift__write_field_list_begin(&w, 2, DLT_THRIFT_I64, (uint32_t)oi->num_unencoded);
		for (i = 0; i < oi->num_unencoded; i++)
			dlt_thrift__write_i64(&w, oi->unencoded_byte_array_data_bytes[i]);
	}
	dlt_thrift__write_struct_end(&w);
	return dlt_thrift__writer_status(&w);
}

int dlt_pq__bloom_header_encode(dlt_buf *out, const dlt_pq_bloom_filter_header *h,
                                dlt_error *err)
{
	tw w;
	DLT_ARG_CHECK(out != NULL && h != NULL, err);
	dlt_thrift__writer_init(&w, out, err);
	dlt_thrift__write_struct_begin(&w);
	dlt_thrift__write_field_i32(&w, 1, h->num_bytes);
	dlt_thrift__write_field_struct_begin(&w, 2);
	enc_empty_struct_field(&w, (int16_t)(h->algorithm > 0 ? h->algorithm : 1));
	dlt_thrift__write_struct_end(&w);
	dlt_thrift__write_field_struct_begin(&w, 3);
	enc_empty_struct_field(&w, (int16_t)(h->hash > 0 ? h->hash : 1));
	dlt_thrift__write_struct_end(&w);
	dlt_thrift__write_field_struct_begin(&w, 4);
	enc_empty_struct_field(&w, (int16_t)(h->compression > 0 ? h->compression : 1));
	dlt_thrift__write_struct_end(&w);
	dlt_thrift__write_struct_end(&w);
	return dlt_thrift__writer_status(&w);
}
