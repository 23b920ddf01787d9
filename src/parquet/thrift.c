/* Thrift compact protocol: strict decoder and encoder (see thrift.h). */
#include "parquet/thrift.h"

static int thrift_truncated(dlt_thrift_reader *r, const char *what, dlt_error *err)
{
	r->truncated = true;
	return dlt_error_set(err, DLT_ECORRUPT, "thrift: truncated %s at offset %zu", what,
	                     dlt_thrift__offset(r));
}

static int thrift_bad(dlt_thrift_reader *r, const char *what, dlt_error *err)
{
	r->truncated = false;
	return dlt_error_set(err, DLT_ECORRUPT, "thrift: %s at offset %zu", what,
	                     dlt_thrift__offset(r));
}

void dlt_thrift__reader_init(dlt_thrift_reader *r, const uint8_t *data, size_t len)
{
	r->start = data;
	r->p = data;
	r->end = data + len;
	r->depth = 0;
	r->max_depth = DLT_THRIFT_MAX_DEPTH;
	r->truncated = false;
}

int dlt_thrift__read_uvarint(dlt_thrift_reader *r, uint64_t *out, dlt_error *err)
{
	uint64_t v = 0;
	unsigned shift = 0;
	const uint8_t *p = r->p;

	for (;;) {
		uint8_t b;
		if (p >= r->end)
			return thrift_truncated(r, "varint", err);
		b = *p++;
		if (shift == 63 && (b & 0x7e))
			return thrift_bad(r, "varint overflows 64 bits", err);
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
		shift += 7;
		if (shift > 63)
			return thrift_bad(r, "varint longer than 10 bytes", err);
	}
	r->p = p;
	*out = v;
	return DLT_OK;
}

int dlt_thrift__read_byte(dlt_thrift_reader *r, int8_t *out, dlt_error *err)
{
	if (r->p >= r->end)
		return thrift_truncated(r, "byte", err);
	*out = (int8_t)*r->p++;
	return DLT_OK;
}

int dlt_thrift__read_i64(dlt_thrift_reader *r, int64_t *out, dlt_error *err)
{
	uint64_t u;
	int rc = dlt_thrift__read_uvarint(r, &u, err);
	if (rc < 0)
		return rc;
	*out = dlt_thrift__unzigzag64(u);
	return DLT_OK;
}

int dlt_thrift__read_i32(dlt_thrift_reader *r, int32_t *out, dlt_error *err)
{
	uint64_t u;
	int64_t v;
	int rc = dlt_thrift__read_uvarint(r, &u, err);
	if (rc < 0)
		return rc;
	if (u > UINT32_MAX)
		return thrift_bad(r, "i32 varint out of range", err);
	v = dlt_thrift__unzigzag64(u);
	*out = (int32_t)v;
	return DLT_OK;
}

int dlt_thrift__read_i16(dlt_thrift_reader *r, int16_t *out, dlt_error *err)
{
	uint64_t u;
	int64_t v;
	int rc = dlt_thrift__read_uvarint(r, &u, err);
	if (rc < 0)
		return rc;
	if (u > UINT16_MAX)
		return thrift_bad(r, "i16 varint out of range", err);
	v = dlt_thrift__unzigzag64(u);
	*out = (int16_t)v;
	return DLT_OK;
}

int dlt_thrift__read_double(dlt_thrift_reader *r, double *out, dlt_error *err)
{
	if (dlt_thrift__remaining(r) < 8)
		return thrift_truncated(r, "double", err);
	memcpy(out, r->p, 8);
	r->p += 8;
	return DLT_OK;
}

int dlt_thrift__read_bool(dlt_thrift_reader *r, bool *out, dlt_error *err)
{
	uint8_t b;
	if (r->p >= r->end)
		return thrift_truncated(r, "bool", err);
	b = *r->p;
	if (b > 2)
		return thrift_bad(r, "invalid bool byte", err);
	r->p++;
	*out = b == 1;
	return DLT_OK;
}

int dlt_thrift__read_binary(dlt_thrift_reader *r, const uint8_t **data, size_t *len,
                            dlt_error *err)
{
	uint64_t n;
	int rc = dlt_thrift__read_uvarint(r, &n, err);
	if (rc < 0)
		return rc;
	if (n > dlt_thrift__remaining(r))
		return thrift_truncated(r, "binary", err);
	*data = r->p;
	*len = (size_t)n;
	r->p += n;
	return DLT_OK;
}

static int thrift_enter(dlt_thrift_reader *r, dlt_error *err)
{
	if (r->depth >= r->max_depth)
		return thrift_bad(r, "nesting too deep", err);
	r->depth++;
	return DLT_OK;
}

int dlt_thrift__struct_begin(dlt_thrift_reader *r, int16_t *last_id, dlt_error *err)
{
	*last_id = 0;
	return thrift_enter(r, err);
}

static bool thrift_valid_type(uint8_t t)
{
	return t >= DLT_THRIFT_BOOL_TRUE && t <= DLT_THRIFT_UUID;
}

int dlt_thrift__field_next(dlt_thrift_reader *r, int16_t *last_id, uint8_t *type, int16_t *id,
                           dlt_error *err)
{
	uint8_t b, t, delta;

	if (r->p >= r->end)
		return thrift_truncated(r, "field header", err);
	b = *r->p++;
	if (b == 0) {
		if (r->depth > 0)
			r->depth--;
		return 0;
	}
	t = b & 0x0f;
	delta = b >> 4;
	if (!thrift_valid_type(t)) {
		r->p--;
		return thrift_bad(r, "invalid field type", err);
	}
	if (delta != 0) {
		int v = *last_id + delta;
		if (v > INT16_MAX)
			return thrift_bad(r, "field id overflows i16", err);
		*id = (int16_t)v;
	} else {
		int rc = dlt_thrift__read_i16(r, id, err);
		if (rc < 0)
			return rc;
	}
	*last_id = *id;
	*type = t;
	return 1;
}

int dlt_thrift__field_bool(bool *out, uint8_t type, dlt_error *err)
{
	if (type == DLT_THRIFT_BOOL_TRUE)
		*out = true;
	else if (type == DLT_THRIFT_BOOL_FALSE)
		*out = false;
	else
		return dlt_error_set(err, DLT_ECORRUPT, "thrift: expected a bool field, got type %u",
		                     (unsigned)type);
	return DLT_OK;
}

static int thrift_elem_type_ok(dlt_thrift_reader *r, uint8_t t, dlt_error *err)
{
	/* In containers bools are type 1 (or 2 by some writers). STOP is invalid. */
	if (!thrift_valid_type(t))
		return thrift_bad(r, "invalid container element type", err);
	return DLT_OK;
}

int dlt_thrift__list_begin(dlt_thrift_reader *r, uint8_t *elem_type, uint32_t *count,
                           dlt_error *err)
{
	uint8_t b;
	uint64_t n;
	int rc;

	if (r->p >= r->end)
		return thrift_truncated(r, "list header", err);
	b = *r->p++;
	*elem_type = b & 0x0f;
	if ((rc = thrift_elem_type_ok(r, *elem_type, err)) < 0)
		return rc;
	n = b >> 4;
	if (n == 15) {
		if ((rc = dlt_thrift__read_uvarint(r, &n, err)) < 0)
			return rc;
		if (n > INT32_MAX)
			return thrift_bad(r, "list size out of range", err);
	}
	/* every element takes at least one byte (doubles 8, uuid 16) */
	{
		uint64_t min_each = *elem_type == DLT_THRIFT_DOUBLE ? 8
		                    : *elem_type == DLT_THRIFT_UUID ? 16 : 1;
		if (n > dlt_thrift__remaining(r) / min_each)
			return thrift_truncated(r, "list (size exceeds remaining bytes)", err);
	}
	if ((rc = thrift_enter(r, err)) < 0)
		return rc;
	*count = (uint32_t)n;
	return DLT_OK;
}

int dlt_thrift__map_begin(dlt_thrift_reader *r, uint8_t *key_type, uint8_t *val_type,
                          uint32_t *count, dlt_error *err)
{
	uint64_t n;
	int rc = dlt_thrift__read_uvarint(r, &n, err);
	if (rc < 0)
		return rc;
	if (n > INT32_MAX)
		return thrift_bad(r, "map size out of range", err);
	*key_type = *val_type = 0;
	if (n > 0) {
		uint8_t b;
		if (r->p >= r->end)
			return thrift_truncated(r, "map header", err);
		b = *r->p++;
		*key_type = b >> 4;
		*val_type = b & 0x0f;
		if ((rc = thrift_elem_type_ok(r, *key_type, err)) < 0 ||
		    (rc = thrift_elem_type_ok(r, *val_type, err)) < 0)
			return rc;
		if (n > dlt_thrift__remaining(r) / 2)
			return thrift_truncated(r, "map (size exceeds remaining bytes)", err);
	}
	if ((rc = thrift_enter(r, err)) < 0)
		return rc;
	*count = (uint32_t)n;
	return DLT_OK;
}

void dlt_thrift__container_end(dlt_thrift_reader *r)
{
	if (r->depth > 0)
		r->depth--;
}

static int thrift_skip_elem(dlt_thrift_reader *r, uint8_t type, bool in_container,
                            dlt_error *err)
{
	int rc;
	uint64_t u;

	switch (type) {
	case DLT_THRIFT_BOOL_TRUE:
	case DLT_THRIFT_BOOL_FALSE:
		if (in_container) {
			bool b;
			return dlt_thrift__read_bool(r, &b, err);
		}
		return DLT_OK; /* value is in the field header */
	case DLT_THRIFT_BYTE:
		if (r->p >= r->end)
			return thrift_truncated(r, "byte", err);
		r->p++;
		return DLT_OK;
	case DLT_THRIFT_I16:
	case DLT_THRIFT_I32:
	case DLT_THRIFT_I64:
		return dlt_thrift__read_uvarint(r, &u, err);
	case DLT_THRIFT_DOUBLE:
		if (dlt_thrift__remaining(r) < 8)
			return thrift_truncated(r, "double", err);
		r->p += 8;
		return DLT_OK;
	case DLT_THRIFT_UUID:
		if (dlt_thrift__remaining(r) < 16)
			return thrift_truncated(r, "uuid", err);
		r->p += 16;
		return DLT_OK;
	case DLT_THRIFT_BINARY: {
		const uint8_t *d;
		size_t n;
		return dlt_thrift__read_binary(r, &d, &n, err);
	}
	case DLT_THRIFT_LIST:
	case DLT_THRIFT_SET: {
		uint8_t et;
		uint32_t n, i;
		if ((rc = dlt_thrift__list_begin(r, &et, &n, err)) < 0)
			return rc;
		for (i = 0; i < n; i++)
			if ((rc = thrift_skip_elem(r, et, true, err)) < 0)
				return rc;
		dlt_thrift__container_end(r);
		return DLT_OK;
	}
	case DLT_THRIFT_MAP: {
		uint8_t kt, vt;
		uint32_t n, i;
		if ((rc = dlt_thrift__map_begin(r, &kt, &vt, &n, err)) < 0)
			return rc;
		for (i = 0; i < n; i++)
			if ((rc = thrift_skip_elem(r, kt, true, err)) < 0 ||
			    (rc = thrift_skip_elem(r, vt, true, err)) < 0)
				return rc;
		dlt_thrift__container_end(r);
		return DLT_OK;
	}
	case DLT_THRIFT_STRUCT: {
		int16_t last, id;
		uint8_t ft;
		if ((rc = dlt_thrift__struct_begin(r, &last, err)) < 0)
			return rc;
		while ((rc = dlt_thrift__field_next(r, &last, &ft, &id, err)) > 0)
			if ((rc = thrift_skip_elem(r, ft, false, err)) < 0)
				return rc;
		return rc;
	}
	default:
		return thrift_bad(r, "cannot skip invalid type", err);
	}
}

int dlt_thrift__skip(dlt_thrift_reader *r, uint8_t type, dlt_error *err)
{
	return thrift_skip_elem(r, type, false, err);
}

/* ---------------- encoder ---------------- */

void dlt_thrift__writer_init(dlt_thrift_writer *w, dlt_buf *out, dlt_error *err)
{
	w->out = out;
	w->depth = 0;
	w->last_id[0] = 0;
	w->rc = DLT_OK;
	w->err = err;
}

static int tw_byte(dlt_thrift_writer *w, uint8_t b)
{
	if (w->rc < 0)
		return w->rc;
	return w->rc = dlt_buf_append_byte(w->out, b, w->err);
}

int dlt_thrift__write_uvarint(dlt_thrift_writer *w, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;
	if (w->rc < 0)
		return w->rc;
	while (v >= 0x80) {
		tmp[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (uint8_t)v;
	return w->rc = dlt_buf_append(w->out, tmp, n, w->err);
}

int dlt_thrift__write_struct_begin(dlt_thrift_writer *w)
{
	if (w->rc < 0)
		return w->rc;
	if (w->depth >= DLT_THRIFT_MAX_DEPTH)
		return w->rc = dlt_error_set(w->err, DLT_EINVAL, "thrift: writer nesting too deep");
	w->depth++;
	w->last_id[w->depth] = 0;
	return DLT_OK;
}

int dlt_thrift__write_struct_end(dlt_thrift_writer *w)
{
	if (w->rc < 0)
		return w->rc;
	if (w->depth <= 0)
		return w->rc = dlt_error_set(w->err, DLT_EINVAL, "thrift: struct end without begin");
	w->depth--;
	return tw_byte(w, 0);
}

int dlt_thrift__write_field_begin(dlt_thrift_writer *w, int16_t id, uint8_t type)
{
	int16_t last;
	if (w->rc < 0)
		return w->rc;
	if (w->depth <= 0)
		return w->rc = dlt_error_set(w->err, DLT_EINVAL, "thrift: field outside a struct");
	last = w->last_id[w->depth];
	w->last_id[w->depth] = id;
	if (id > last && id - last <= 15)
		return tw_byte(w, (uint8_t)(((id - last) << 4) | type));
	tw_byte(w, type);
	return dlt_thrift__write_uvarint(w, dlt_thrift__zigzag64(id));
}

int dlt_thrift__write_field_bool(dlt_thrift_writer *w, int16_t id, bool v)
{
	return dlt_thrift__write_field_begin(w, id,
	                                     v ? DLT_THRIFT_BOOL_TRUE : DLT_THRIFT_BOOL_FALSE);
}

int dlt_thrift__write_field_i8(dlt_thrift_writer *w, int16_t id, int8_t v)
{
	dlt_thrift__write_field_begin(w, id, DLT_THRIFT_BYTE);
	return tw_byte(w, (uint8_t)v);
}

int dlt_thrift__write_field_i16(dlt_thrift_writer *w, int16_t id, int16_t v)
{
	dlt_thrift__write_field_begin(w, id, DLT_THRIFT_I16);
	return dlt_thrift__write_uvarint(w, dlt_thrift__zigzag64(v));
}

int dlt_thrift__write_field_i32(dlt_thrift_writer *w, int16_t id, int32_t v)
{
	dlt_thrift__write_field_begin(w, id, DLT_THRIFT_I32);
	return dlt_thrift__write_uvarint(w, dlt_thrift__zigzag64(v));
}

int dlt_thrift__write_field_i64(dlt_thrift_writer *w, int16_t id, int64_t v)
{
	dlt_thrift__write_field_begin(w, id, DLT_THRIFT_I64);
	return dlt_thrift__write_uvarint(w, dlt_thrift__zigzag64(v));
}

int dlt_thrift__write_field_double(dlt_thrift_writer *w, int16_t id, double v)
{
	dlt_thrift__write_field_begin(w, id, DLT_THRIFT_DOUBLE);
	if (w->rc < 0)
		return w->rc;
	return w->rc = dlt_buf_append(w->out, &v, 8, w->err);
}

int dlt_thrift__write_binary(dlt_thrift_writer *w, const void *data, size_t len)
{
	dlt_thrift__write_uvarint(w, len);
	if (w->rc < 0 || len == 0)
		return w->rc;
	return w->rc = dlt_buf_append(w->out, data, len, w->err);
}

int dlt_thrift__write_field_binary(dlt_thrift_writer *w, int16_t id, const void *data,
                                   size_t len)
{
	dlt_thrift__write_field_begin(w, id, DLT_THRIFT_BINARY);
	return dlt_thrift__write_binary(w, data, len);
}

int dlt_thrift__write_field_string(dlt_thrift_writer *w, int16_t id, const char *s)
{
	return dlt_thrift__write_field_binary(w, id, s, s ? strlen(s) : 0);
}

int dlt_thrift__write_field_struct_begin(dlt_thrift_writer *w, int16_t id)
{
	dlt_thrift__write_field_begin(w, id, DLT_THRIFT_STRUCT);
	return dlt_thrift__write_struct_begin(w);
}

int dlt_thrift__write_list_begin(dlt_thrift_writer *w, uint8_t elem_type, uint32_t count)
{
	if (count < 15)
		return tw_byte(w, (uint8_t)((count << 4) | elem_type));
	tw_byte(w, (uint8_t)(0xf0 | elem_type));
	return dlt_thrift__write_uvarint(w, count);
}

int dlt_thrift__write_field_list_begin(dlt_thrift_writer *w, int16_t id, uint8_t elem_type,
                                       uint32_t count)
{
	dlt_thrift__write_field_begin(w, id, DLT_THRIFT_LIST);
	return dlt_thrift__write_list_begin(w, elem_type, count);
}

int dlt_thrift__write_bool(dlt_thrift_writer *w, bool v)
{
	return tw_byte(w, v ? 1 : 2);
}

int dlt_thrift__write_i32(dlt_thrift_writer *w, int32_t v)
{
	return dlt_thrift__write_uvarint(w, dlt_thrift__zigzag64(v));
}

int dlt_thrift__write_i64(dlt_thrift_writer *w, int64_t v)
{
	return dlt_thrift__write_uvarint(w, dlt_thrift__zigzag64(v));
}
