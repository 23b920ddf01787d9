/* CSV reader: RFC 4180 text to Arrow record batches (see deltalite/text.h).
 *
 * The input is read in chunks into one buffer; records are parsed in place
 * (a record that runs past the buffer is moved to its front and parsed again
 * after more bytes arrive; the buffer doubles when one record fills it, so a
 * record of any size is read in amortised linear time). Field boundaries are
 * found 16 bytes at a time (SSE2) or 8 (SWAR). Values are converted straight
 * into column buffers that become the batch's Arrow buffers. Inference reads
 * the first infer_rows records once, then reading restarts at the first data
 * record (the input is random access). */
#include "csv/csv.h"

#include "arrow/arrow.h"
#include "util/parse.h"

#include <stdio.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define CHUNK ((size_t)1 << 20)
#define DEFAULT_BATCH 65536
#define DEFAULT_INFER 10000
#define FIRST_ROWS 1024

enum ckind {
	K_NULL,
	K_BOOL,
	K_INT,    /* signed or unsigned up to 64 bits, dates/times stored as ints handled apart */
	K_UINT64,
	K_FLOAT32,
	K_FLOAT64,
	K_DECIMAL,
	K_DATE32,
	K_DATE64,
	K_TIME,
	K_TIMESTAMP,
	K_DURATION,
	K_STRING, /* also binary */
};

typedef struct ccol {
	dlt_type_view tv;
	int kind;
	int width;     /* bytes per value in vals (0 for bool/string) */
	bool large;    /* 64-bit offsets */
	bool nullable;
	const char *name;
	const char *format;
	int64_t lo, hi; /* K_INT range */
	uint8_t *valid, *vals, *data;
	size_t data_len, data_cap;
	int64_t null_count;
} ccol;

typedef struct cfield {
	const char *p; /* into the buffer, or NULL: scratch at `off` */
	size_t off, len;
	bool quoted;
} cfield;

/* Candidate bits of inference. */
#define I_BOOL 1u
#define I_INT 2u
#define I_DOUBLE 4u
#define I_DATE 8u
#define I_TS 16u
#define I_TSTZ 32u
#define I_ALL 63u

typedef struct csv_reader {
	dlt_input *in;
	uint64_t in_pos;
	bool eof;
	uint8_t *buf;
	size_t cap, start, end;
	uint64_t buf_off; /* file offset of buf[0] */
	int64_t line;     /* line of the next record (1-based) */
	int64_t rec_line;
	bool after_cr;

	char delim, quote, escape;
	const char *const *null_values;
	size_t n_null_values;
	bool null_empty_only;

	cfield *f;
	size_t nf, fcap;
	dlt_buf scratch;

	int64_t ncols;
	ccol *cols;
	struct ArrowSchema schema;
	bool inferred;
	int64_t batch_rows, cap_rows, rows;
	bool done;
	int failed;
} csv_reader;

/* ---------- scanning ---------- */

/* First byte in [p, e) equal to d, '\n' or '\r'; e if none. */
static inline const uint8_t *find3(const uint8_t *p, const uint8_t *e, uint8_t d)
{
#if defined(__SSE2__)
	const __m128i vd = _mm_set1_epi8((char)d), vn = _mm_set1_epi8('\n'),
	              vr = _mm_set1_epi8('\r');
	while (e - p >= 16) {
		__m128i w = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(w, vd), _mm_cmpeq_epi8(w, vn)),
		                         _mm_cmpeq_epi8(w, vr));
		int mask = _mm_movemask_epi8(m);
		if (mask)
			return p + __builtin_ctz((unsigned)mask);
		p += 16;
	}
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	const uint64_t bd = ones * d, bn = ones * '\n', br = ones * '\r';
	while (e - p >= 8) {
		uint64_t w, x1, x2, x3, m;
		memcpy(&w, p, 8);
		x1 = w ^ bd;
		x2 = w ^ bn;
		x3 = w ^ br;
		m = (((x1 - ones) & ~x1) | ((x2 - ones) & ~x2) | ((x3 - ones) & ~x3)) & highs;
		if (m)
			return p + (__builtin_ctzll(m) >> 3);
		p += 8;
	}
#endif
	while (p < e && *p != d && *p != '\n' && *p != '\r')
		p++;
	return p;
}

static int push_field(csv_reader *r, const char *p, size_t off, size_t len, bool quoted,
                      dlt_error *err)
{
	if (r->nf == r->fcap) {
		size_t nc = r->fcap ? r->fcap * 2 : 64;
		cfield *nfp;
		if (nc > SIZE_MAX / sizeof(cfield))
			return dlt_error_set(err, DLT_ENOMEM, "csv: too many fields");
		nfp = dlt_realloc(r->f, nc * sizeof(cfield));
		if (!nfp)
			return dlt_error_set(err, DLT_ENOMEM, "csv: out of memory");
		r->f = nfp;
		r->fcap = nc;
	}
	r->f[r->nf].p = p;
	r->f[r->nf].off = off;
	r->f[r->nf].len = len;
	r->f[r->nf].quoted = quoted;
	r->nf++;
	return DLT_OK;
}

static int corrupt(csv_reader *r, dlt_error *err, int64_t line, const char *what)
{
	int rc = dlt_error_set(err, DLT_ECORRUPT, "%s: line %" PRId64 ": %s",
	                       dlt_input_name(r->in), line, what);
	dlt_error__set_row(err, line);
	return rc;
}

#define NEED_MORE 2

/* Parse one record at buf[start..end). 1: record in r->f; 0: end of input;
 * NEED_MORE: the record continues past `end`; < 0: error. */
static int parse_record(csv_reader *r, dlt_error *err)
{
	const uint8_t *base = r->buf;
	const uint8_t *p = base + r->start, *e = base + r->end;
	const uint8_t d = (uint8_t)r->delim, q = (uint8_t)r->quote, esc = (uint8_t)r->escape;
	const bool at_eof = r->eof;
	int64_t nl = 0;
	int rc;

	/* Blank lines are skipped (consumed right away). */
	while (p < e && (*p == '\n' || *p == '\r')) {
		if (*p == '\n' && r->after_cr) {
			r->after_cr = false;
		} else {
			r->line++;
			r->after_cr = *p == '\r';
		}
		p++;
		r->start++;
	}
	if (p == e)
		return at_eof ? 0 : NEED_MORE;
	r->after_cr = false;
	r->nf = 0;
	r->scratch.len = 0;
	r->rec_line = r->line;
	for (;;) {
		if (q && p < e && *p == q) {
			const uint8_t *c = ++p, *x;
			bool escaped = false;
			for (;;) {
				if (esc) {
					x = p;
					while (x < e && *x != q && *x != esc)
						x++;
				} else {
					x = memchr(p, q, (size_t)(e - p));
					if (!x)
						x = e;
				}
				if (x == e) {
					if (at_eof)
						return corrupt(r, err, r->rec_line, "unterminated quoted field");
					return NEED_MORE;
				}
				if (esc && *x == esc && esc != q) {
					if (x + 1 >= e) {
						if (at_eof)
							return corrupt(r, err, r->rec_line,
							               "unterminated quoted field");
						return NEED_MORE;
					}
					escaped = true;
					p = x + 2;
					continue;
				}
				/* a quote: doubled, or the end of the field */
				if (x + 1 == e && !at_eof)
					return NEED_MORE;
				if (x + 1 < e && x[1] == q) {
					escaped = true;
					p = x + 2;
					continue;
				}
				break;
			}
			{
				const uint8_t *z = c;
				while ((z = memchr(z, '\n', (size_t)(x - z))) != NULL) {
					nl++;
					z++;
				}
			}
			if (escaped) {
				/* Unescape into scratch (the buffer stays intact for re-parsing). */
				size_t off = r->scratch.len, k, n = (size_t)(x - c);
				if ((rc = dlt_buf_reserve(&r->scratch, n, err)) < 0)
					return rc;
				for (k = 0; k < n; k++) {
					uint8_t ch = c[k];
					if ((esc && ch == esc && esc != q) || (ch == q && k + 1 < n && c[k + 1] == q))
						ch = c[++k];
					r->scratch.data[r->scratch.len++] = ch;
				}
				rc = push_field(r, NULL, off, r->scratch.len - off, true, err);
			} else {
				rc = push_field(r, (const char *)c, 0, (size_t)(x - c), true, err);
			}
			if (rc < 0)
				return rc;
			p = x + 1;
			if (p == e) {
				if (!at_eof)
					return NEED_MORE;
				break;
			}
			if (*p == d) {
				p++;
				if (p == e && !at_eof)
					return NEED_MORE;
				if (p == e) { /* trailing delimiter at end of input: empty last field */
					if ((rc = push_field(r, (const char *)p, 0, 0, false, err)) < 0)
						return rc;
					break;
				}
				continue;
			}
			if (*p == '\n' || *p == '\r')
				break;
			{
				char msg[96];
				snprintf(msg, sizeof(msg), "field %zu: unexpected character after closing quote",
				         r->nf);
				return corrupt(r, err, r->rec_line + nl, msg);
			}
		} else {
			const uint8_t *x = find3(p, e, d);
			if (x == e && !at_eof)
				return NEED_MORE;
			if ((rc = push_field(r, (const char *)p, 0, (size_t)(x - p), false, err)) < 0)
				return rc;
			p = x;
			if (x == e)
				break;
			if (*x == d) {
				p++;
				if (p == e) {
					if (!at_eof)
						return NEED_MORE;
					if ((rc = push_field(r, (const char *)p, 0, 0, false, err)) < 0)
						return rc;
					break;
				}
				continue;
			}
			break;
		}
	}
	/* p is at '\n', '\r' or e */
	if (p < e) {
		if (*p == '\r') {
			p++;
			if (p < e && *p == '\n')
				p++;
			else if (p == e)
				r->after_cr = true;
		} else {
			p++;
		}
	}
	r->start = (size_t)(p - base);
	r->line += 1 + nl;
	/* resolve scratch fields */
	{
		size_t k;
		for (k = 0; k < r->nf; k++)
			if (!r->f[k].p)
				r->f[k].p = (const char *)r->scratch.data + r->f[k].off;
	}
	return 1;
}

static int refill(csv_reader *r, dlt_error *err)
{
	int rc;
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->buf_off += r->start;
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		size_t nc;
		uint8_t *nb;
		if (dlt_mul_overflow(r->cap, 2, &nc) || nc > ((size_t)1 << 40))
			return dlt_error_set(err, DLT_ELIMIT, "%s: csv record too large",
			                     dlt_input_name(r->in));
		nb = dlt_realloc(r->buf, nc + 16);
		if (!nb)
			return dlt_error_set(err, DLT_ENOMEM, "%s: out of memory for a %zu-byte record",
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

static int next_record(csv_reader *r, dlt_error *err)
{
	for (;;) {
		int rc = parse_record(r, err);
		if (rc != NEED_MORE)
			return rc;
		if ((rc = refill(r, err)) < 0)
			return rc;
	}
}

/* Restart reading at file offset `off` (line `line`). */
static void rewind_to(csv_reader *r, uint64_t off, int64_t line)
{
	r->start = r->end = 0;
	r->buf_off = off;
	r->in_pos = off;
	r->eof = false;
	r->line = line;
	r->after_cr = false;
}

/* ---------- values ---------- */

static inline bool is_null(const csv_reader *r, const cfield *f)
{
	size_t k;
	if (f->quoted)
		return false;
	if (r->null_empty_only)
		return f->len == 0;
	for (k = 0; k < r->n_null_values; k++) {
		const char *nv = r->null_values[k];
		if (nv && strlen(nv) == f->len && memcmp(nv, f->p, f->len) == 0)
			return true;
	}
	return false;
}

static int col_grow(ccol *c, int64_t old_rows, int64_t rows, dlt_error *err)
{
	size_t vb = (size_t)rows / 8 + 1, ob = (size_t)old_rows / 8 + 1;
	uint8_t *v;
	if (c->kind == K_NULL)
		return DLT_OK;
	v = dlt_realloc(c->valid, vb);
	if (!v)
		return dlt_error_set(err, DLT_ENOMEM, "csv: out of memory");
	if (old_rows == 0)
		ob = 0;
	memset(v + ob, 0, vb - ob);
	c->valid = v;
	if (c->kind == K_BOOL) {
		v = dlt_realloc(c->vals, vb);
		if (!v)
			return dlt_error_set(err, DLT_ENOMEM, "csv: out of memory");
		memset(v + ob, 0, vb - ob);
	} else if (c->kind == K_STRING) {
		size_t w = c->large ? 8 : 4;
		v = dlt_realloc(c->vals, ((size_t)rows + 1) * w);
		if (!v)
			return dlt_error_set(err, DLT_ENOMEM, "csv: out of memory");
		if (old_rows == 0)
			memset(v, 0, w);
	} else {
		v = dlt_realloc(c->vals, (size_t)rows * (size_t)c->width + 1);
		if (!v)
			return dlt_error_set(err, DLT_ENOMEM, "csv: out of memory");
	}
	c->vals = v;
	return DLT_OK;
}

static int grow_rows(csv_reader *r, dlt_error *err)
{
	int64_t nr = r->cap_rows ? r->cap_rows * 2 : DLT_MIN(r->batch_rows, FIRST_ROWS);
	int64_t k;
	int rc;
	if (nr > r->batch_rows)
		nr = r->batch_rows;
	for (k = 0; k < r->ncols; k++)
		if ((rc = col_grow(&r->cols[k], r->cap_rows, nr, err)) < 0)
			return rc;
	r->cap_rows = nr;
	return DLT_OK;
}

static int conv_error(csv_reader *r, dlt_error *err, const ccol *c, const cfield *f,
                      const char *why)
{
	char desc[64];
	int rc = dlt_error_set(err, r->inferred ? DLT_ESCHEMA : DLT_ECORRUPT,
	                       "%s: line %" PRId64 ": column '%s': %s '%.*s' as %s%s",
	                       dlt_input_name(r->in), r->rec_line, c->name, why,
	                       (int)DLT_MIN(f->len, (size_t)64), f->p,
	                       dlt_arrow__format_describe(c->format, desc, sizeof(desc)),
	                       r->inferred ? " (type inferred from the first rows: raise infer_rows)"
	                                   : "");
	dlt_error__set_row(err, r->rec_line);
	return rc;
}

static inline void set_valid(ccol *c, int64_t i) { c->valid[i >> 3] |= (uint8_t)(1u << (i & 7)); }

/* Append string bytes for row i. */
static int put_string(csv_reader *r, ccol *c, int64_t i, const cfield *f, dlt_error *err)
{
	size_t need;
	if (dlt_add_overflow(c->data_len, f->len, &need))
		return dlt_error_set(err, DLT_ENOMEM, "csv: string data too large");
	if (!c->large && need > (size_t)INT32_MAX)
		return dlt_error_set(err, DLT_ELIMIT, "%s: line %" PRId64 ": column '%s': more than 2 GiB "
		                     "of text in one batch (lower batch_rows)", dlt_input_name(r->in),
		                     r->rec_line, c->name);
	if (need > c->data_cap) {
		size_t nc = c->data_cap ? c->data_cap : 4096;
		uint8_t *nd;
		while (nc < need)
			nc = nc > SIZE_MAX / 2 ? need : nc * 2;
		nd = dlt_realloc(c->data, nc);
		if (!nd)
			return dlt_error_set(err, DLT_ENOMEM, "csv: out of memory");
		c->data = nd;
		c->data_cap = nc;
	}
	if (f->len)
		memcpy(c->data + c->data_len, f->p, f->len);
	c->data_len = need;
	if (c->large) {
		int64_t o = (int64_t)need;
		memcpy(c->vals + (size_t)(i + 1) * 8, &o, 8);
	} else {
		int32_t o = (int32_t)need;
		memcpy(c->vals + (size_t)(i + 1) * 4, &o, 4);
	}
	return DLT_OK;
}

static inline void carry_offset(ccol *c, int64_t i)
{
	if (c->large)
		memcpy(c->vals + (size_t)(i + 1) * 8, c->vals + (size_t)i * 8, 8);
	else
		memcpy(c->vals + (size_t)(i + 1) * 4, c->vals + (size_t)i * 4, 4);
}

/* Convert field f into row i of column c. */
static int convert(csv_reader *r, ccol *c, int64_t i, const cfield *f, dlt_error *err)
{
	int prc = DLT_PARSE_OK;
	if (is_null(r, f)) {
		if (!c->nullable && c->kind != K_NULL)
			return conv_error(r, err, c, f, "null in a non-nullable column: cannot read");
		c->null_count++;
		if (c->kind == K_STRING)
			carry_offset(c, i);
		return DLT_OK;
	}
	switch (c->kind) {
	case K_NULL:
		return conv_error(r, err, c, f, "cannot read");
	case K_BOOL: {
		bool b;
		if ((prc = dlt_parse_bool(f->p, f->len, &b)) != DLT_PARSE_OK)
			break;
		if (b)
			c->vals[i >> 3] |= (uint8_t)(1u << (i & 7));
		break;
	}
	case K_INT: case K_DURATION: {
		int64_t v;
		if ((prc = dlt_parse_int64(f->p, f->len, &v)) != DLT_PARSE_OK)
			break;
		if (v < c->lo || v > c->hi) {
			prc = DLT_PARSE_RANGE;
			break;
		}
		switch (c->width) {
		case 1: { int8_t x = (int8_t)v; memcpy(c->vals + i, &x, 1); break; }
		case 2: { int16_t x = (int16_t)v; memcpy(c->vals + i * 2, &x, 2); break; }
		case 4: { int32_t x = (int32_t)v; memcpy(c->vals + i * 4, &x, 4); break; }
		default: memcpy(c->vals + i * 8, &v, 8);
		}
		break;
	}
	case K_UINT64: {
		uint64_t v;
		if ((prc = dlt_parse_uint64(f->p, f->len, &v)) == DLT_PARSE_OK)
			memcpy(c->vals + i * 8, &v, 8);
		break;
	}
	case K_FLOAT32: case K_FLOAT64: {
		double v;
		if ((prc = dlt_parse_double(f->p, f->len, &v)) != DLT_PARSE_OK)
			break;
		if (c->kind == K_FLOAT32) {
			float x = (float)v;
			memcpy(c->vals + i * 4, &x, 4);
		} else {
			memcpy(c->vals + i * 8, &v, 8);
		}
		break;
	}
	case K_DECIMAL: {
		uint64_t w[4];
		int nw = c->width / 8;
		if ((prc = dlt_parse_decimal(f->p, f->len, c->tv.precision, c->tv.scale, w, nw)) ==
		    DLT_PARSE_OK)
			memcpy(c->vals + i * c->width, w, (size_t)c->width);
		break;
	}
	case K_DATE32: {
		int32_t v;
		if ((prc = dlt_parse_date32(f->p, f->len, &v)) == DLT_PARSE_OK)
			memcpy(c->vals + i * 4, &v, 4);
		break;
	}
	case K_DATE64: {
		int32_t v;
		if ((prc = dlt_parse_date32(f->p, f->len, &v)) == DLT_PARSE_OK) {
			int64_t ms = (int64_t)v * 86400000;
			memcpy(c->vals + i * 8, &ms, 8);
		}
		break;
	}
	case K_TIME: {
		int64_t v;
		if ((prc = dlt_parse_time(f->p, f->len, (int)c->tv.unit, &v)) != DLT_PARSE_OK)
			break;
		if (c->width == 4) {
			int32_t x = (int32_t)v;
			memcpy(c->vals + i * 4, &x, 4);
		} else {
			memcpy(c->vals + i * 8, &v, 8);
		}
		break;
	}
	case K_TIMESTAMP: {
		int64_t v;
		bool tz;
		if ((prc = dlt_parse_timestamp(f->p, f->len, (int)c->tv.unit, &v, &tz)) ==
		    DLT_PARSE_OK)
			memcpy(c->vals + i * 8, &v, 8);
		break;
	}
	case K_STRING: {
		int rc;
		if ((rc = put_string(r, c, i, f, err)) < 0)
			return rc;
		break;
	}
	default:
		break;
	}
	if (prc != DLT_PARSE_OK)
		return conv_error(r, err, c, f,
		                  prc == DLT_PARSE_RANGE ? "value out of range: cannot read"
		                                         : "cannot read");
	set_valid(c, i);
	return DLT_OK;
}

static int ragged(csv_reader *r, dlt_error *err)
{
	int rc = dlt_error_set(err, DLT_ECORRUPT,
	                       "%s: line %" PRId64 ": expected %" PRId64 " fields, found %zu",
	                       dlt_input_name(r->in), r->rec_line, r->ncols, r->nf);
	dlt_error__set_row(err, r->rec_line);
	return rc;
}

/* Move the columns' buffers into a batch of r->rows rows. */
static int finish_batch(csv_reader *r, struct ArrowArray *out, dlt_error *err)
{
	int64_t k;
	int rc;
	if ((rc = dlt_array__init(out, 1, r->ncols, err)) < 0)
		return rc;
	out->length = r->rows;
	out->null_count = 0;
	for (k = 0; k < r->ncols; k++) {
		ccol *c = &r->cols[k];
		struct ArrowArray *a = out->children[k];
		int nb = c->kind == K_NULL ? 0 : c->kind == K_STRING ? 3 : 2;
		if ((rc = dlt_array__init(a, nb, 0, err)) < 0)
			goto fail;
		a->length = r->rows;
		if (c->kind == K_NULL) {
			a->null_count = r->rows;
			continue;
		}
		a->null_count = c->null_count;
		if (c->null_count > 0) {
			dlt_array__set_buffer(a, 0, c->valid);
		} else {
			dlt_free(c->valid);
		}
		dlt_array__set_buffer(a, 1, c->vals);
		c->valid = c->vals = NULL;
		if (c->kind == K_STRING) {
			if (!c->data) {
				c->data = dlt_malloc(1);
				if (!c->data) {
					rc = dlt_error_set(err, DLT_ENOMEM, "csv: out of memory");
					goto fail;
				}
			}
			dlt_array__set_buffer(a, 2, c->data);
			c->data = NULL;
			c->data_len = c->data_cap = 0;
		}
		c->null_count = 0;
	}
	r->cap_rows = 0;
	r->rows = 0;
	return DLT_OK;
fail:
	dlt_array__release(out);
	return rc;
}

static int read_batch(csv_reader *r, struct ArrowArray *out, dlt_error *err)
{
	int rc;
	memset(out, 0, sizeof(*out));
	if (r->done)
		return DLT_OK;
	while (r->rows < r->batch_rows) {
		int64_t k;
		if ((rc = next_record(r, err)) < 0)
			return rc;
		if (rc == 0) {
			r->done = true;
			break;
		}
		if ((int64_t)r->nf != r->ncols)
			return ragged(r, err);
		if (r->rows == r->cap_rows && (rc = grow_rows(r, err)) < 0)
			return rc;
		for (k = 0; k < r->ncols; k++)
			if ((rc = convert(r, &r->cols[k], r->rows, &r->f[k], err)) < 0)
				return rc;
		r->rows++;
	}
	if (r->rows == 0)
		return DLT_OK;
	return finish_batch(r, out, err);
}

/* ---------- schema ---------- */

static int col_setup(ccol *c, const struct ArrowSchema *s, dlt_error *err)
{
	int rc;
	memset(c, 0, sizeof(*c));
	if ((rc = dlt_arrow__parse_format(&c->tv, s->format, err)) < 0)
		return rc;
	c->name = s->name ? s->name : "";
	c->format = s->format;
	c->nullable = (s->flags & ARROW_FLAG_NULLABLE) != 0;
	if (s->dictionary)
		goto unsupported;
	switch (c->tv.type) {
	case DLT_AT_NA: c->kind = K_NULL; break;
	case DLT_AT_BOOL: c->kind = K_BOOL; break;
	case DLT_AT_INT8: c->kind = K_INT; c->width = 1; c->lo = INT8_MIN; c->hi = INT8_MAX; break;
	case DLT_AT_UINT8: c->kind = K_INT; c->width = 1; c->lo = 0; c->hi = UINT8_MAX; break;
	case DLT_AT_INT16: c->kind = K_INT; c->width = 2; c->lo = INT16_MIN; c->hi = INT16_MAX; break;
	case DLT_AT_UINT16: c->kind = K_INT; c->width = 2; c->lo = 0; c->hi = UINT16_MAX; break;
	case DLT_AT_INT32: c->kind = K_INT; c->width = 4; c->lo = INT32_MIN; c->hi = INT32_MAX; break;
	case DLT_AT_UINT32: c->kind = K_INT; c->width = 4; c->lo = 0; c->hi = UINT32_MAX; break;
	case DLT_AT_INT64: c->kind = K_INT; c->width = 8; c->lo = INT64_MIN; c->hi = INT64_MAX; break;
	case DLT_AT_DURATION:
		c->kind = K_DURATION; c->width = 8; c->lo = INT64_MIN; c->hi = INT64_MAX;
		break;
	case DLT_AT_UINT64: c->kind = K_UINT64; c->width = 8; break;
	case DLT_AT_FLOAT32: c->kind = K_FLOAT32; c->width = 4; break;
	case DLT_AT_FLOAT64: c->kind = K_FLOAT64; c->width = 8; break;
	case DLT_AT_DECIMAL128: case DLT_AT_DECIMAL256:
		c->kind = K_DECIMAL;
		c->width = c->tv.byte_width;
		break;
	case DLT_AT_DATE32: c->kind = K_DATE32; c->width = 4; break;
	case DLT_AT_DATE64: c->kind = K_DATE64; c->width = 8; break;
	case DLT_AT_TIME32: c->kind = K_TIME; c->width = 4; break;
	case DLT_AT_TIME64: c->kind = K_TIME; c->width = 8; break;
	case DLT_AT_TIMESTAMP: c->kind = K_TIMESTAMP; c->width = 8; break;
	case DLT_AT_STRING: case DLT_AT_BINARY: c->kind = K_STRING; break;
	case DLT_AT_LARGE_STRING: case DLT_AT_LARGE_BINARY:
		c->kind = K_STRING;
		c->large = true;
		break;
	default:
		goto unsupported;
	}
	return DLT_OK;
unsupported:
	return dlt_error_set(err, DLT_EUNSUPPORTED, "csv: column '%s': type '%s' cannot be read "
	                     "from csv", c->name, s->format);
}

static void cols_free(csv_reader *r)
{
	int64_t k;
	if (!r->cols)
		return;
	for (k = 0; k < r->ncols; k++) {
		dlt_free(r->cols[k].valid);
		dlt_free(r->cols[k].vals);
		dlt_free(r->cols[k].data);
	}
	dlt_free(r->cols);
	r->cols = NULL;
}

static int setup_columns(csv_reader *r, dlt_error *err)
{
	int64_t k;
	int rc;
	r->ncols = r->schema.n_children;
	if (r->ncols > 0) {
		r->cols = dlt_calloc((size_t)r->ncols, sizeof(ccol));
		if (!r->cols)
			return dlt_error_set(err, DLT_ENOMEM, "csv: out of memory");
	}
	for (k = 0; k < r->ncols; k++)
		if ((rc = col_setup(&r->cols[k], r->schema.children[k], err)) < 0)
			return rc;
	return DLT_OK;
}

static bool is_bool_word(const cfield *f)
{
	bool b;
	return f->len >= 4 && dlt_parse_bool(f->p, f->len, &b) == DLT_PARSE_OK;
}

static unsigned infer_value(unsigned m, const cfield *f)
{
	int64_t iv;
	double dv;
	int32_t days;
	bool tz;
	if ((m & I_BOOL) && !is_bool_word(f))
		m &= ~I_BOOL;
	if ((m & I_INT) && dlt_parse_int64(f->p, f->len, &iv) != DLT_PARSE_OK)
		m &= ~I_INT;
	if ((m & I_DOUBLE) && dlt_parse_double(f->p, f->len, &dv) == DLT_PARSE_INVALID)
		m &= ~I_DOUBLE;
	if ((m & I_DATE) && dlt_parse_date32(f->p, f->len, &days) != DLT_PARSE_OK)
		m &= ~I_DATE;
	if (m & (I_TS | I_TSTZ)) {
		if (dlt_parse_timestamp(f->p, f->len, 2, &iv, &tz) != DLT_PARSE_OK)
			m &= ~(I_TS | I_TSTZ);
		else
			m &= tz ? ~I_TS : ~I_TSTZ;
	}
	return m;
}

static const char *pick_format(unsigned m, bool seen)
{
	if (!seen)
		return "n";
	if (m & I_BOOL)
		return "b";
	if (m & I_INT)
		return "l";
	if (m & I_DOUBLE)
		return "g";
	if (m & I_DATE)
		return "tdD";
	if (m & I_TS)
		return "tsu:";
	if (m & I_TSTZ)
		return "tsu:UTC";
	return "u";
}

/* Build r->schema from names (may be NULL) and inference over up to `limit` records. */
static int infer_schema(csv_reader *r, char **names, int64_t ncols, int64_t limit,
                        dlt_error *err)
{
	unsigned *mask = NULL;
	bool *seen = NULL;
	int64_t n = 0, k;
	int rc = DLT_OK;
	uint64_t data_off = r->buf_off + r->start;
	int64_t data_line = r->line;
	bool after_cr = r->after_cr;

	if (ncols >= 0) {
		mask = dlt_calloc((size_t)ncols + 1, sizeof(unsigned));
		seen = dlt_calloc((size_t)ncols + 1, sizeof(bool));
		if (!mask || !seen) {
			rc = dlt_error_set(err, DLT_ENOMEM, "csv: out of memory");
			goto done;
		}
		for (k = 0; k < ncols; k++)
			mask[k] = I_ALL;
	}
	while (limit < 0 || n < limit) {
		if ((rc = next_record(r, err)) < 0)
			goto done;
		if (rc == 0)
			break;
		if (ncols < 0) { /* no header: the first record sets the width */
			ncols = (int64_t)r->nf;
			mask = dlt_calloc((size_t)ncols + 1, sizeof(unsigned));
			seen = dlt_calloc((size_t)ncols + 1, sizeof(bool));
			if (!mask || !seen) {
				rc = dlt_error_set(err, DLT_ENOMEM, "csv: out of memory");
				goto done;
			}
			for (k = 0; k < ncols; k++)
				mask[k] = I_ALL;
		}
		if ((int64_t)r->nf != ncols) {
			r->ncols = ncols;
			rc = ragged(r, err);
			goto done;
		}
		for (k = 0; k < ncols; k++) {
			const cfield *f = &r->f[k];
			if (is_null(r, f))
				continue;
			seen[k] = true;
			if (mask[k])
				mask[k] = infer_value(mask[k], f);
		}
		n++;
	}
	rc = DLT_OK;
	if (ncols < 0)
		ncols = 0;
	if ((rc = dlt_schema__init(&r->schema, "+s", NULL, 0, ncols, err)) < 0)
		goto done;
	for (k = 0; k < ncols; k++) {
		char defname[32];
		const char *name = names && names[k] && names[k][0] ? names[k] : NULL;
		if (!name) {
			snprintf(defname, sizeof(defname), "column%" PRId64, k);
			name = defname;
		}
		if ((rc = dlt_schema__init_leaf(r->schema.children[k], pick_format(mask[k], seen[k]),
		                                name, true, err)) < 0)
			goto done;
	}
	rewind_to(r, data_off, data_line);
	r->after_cr = after_cr;
	r->inferred = true;
done:
	dlt_free(mask);
	dlt_free(seen);
	return rc;
}

/* ---------- stream ---------- */

static void reader_free(csv_reader *r)
{
	if (!r)
		return;
	cols_free(r);
	dlt_schema__release(&r->schema);
	dlt_free(r->f);
	dlt_buf_dispose(&r->scratch);
	dlt_free(r->buf);
	dlt_input_free(r->in);
	dlt_free(r);
}

static int stream_next(void *state, struct ArrowArray *out, dlt_error *err)
{
	csv_reader *r = state;
	int rc;
	if (r->failed)
		return r->failed;
	if ((rc = read_batch(r, out, err)) < 0)
		r->failed = rc;
	return rc;
}

static void stream_free(void *state) { reader_free(state); }

int dlt_csv_read_options_init(dlt_csv_read_options *opts, unsigned int version)
{
	dlt_csv_read_options d = DLT_CSV_READ_OPTIONS_INIT;
	if (!opts || version == 0 || version > DLT_CSV_READ_OPTIONS_VERSION)
		return DLT_EINVAL;
	d.version = version;
	*opts = d;
	return DLT_OK;
}

static void free_names(char **names, int64_t n)
{
	int64_t k;
	if (!names)
		return;
	for (k = 0; k < n; k++)
		dlt_free(names[k]);
	dlt_free(names);
}

int dlt_csv_read(struct ArrowArrayStream *out, dlt_input *in, const dlt_csv_read_options *opts,
                 dlt_error *err)
{
	dlt_csv_read_options o = DLT_CSV_READ_OPTIONS_INIT;
	csv_reader *r = NULL;
	char **names = NULL;
	int64_t n_names = -1, k;
	int rc;

	if (!out || !in) {
		dlt_input_free(in);
		return dlt_error_set(err, DLT_EINVAL, "dlt_csv_read: output stream or input is NULL");
	}
	if (opts) {
		if (opts->version < 1 || opts->version > DLT_CSV_READ_OPTIONS_VERSION) {
			dlt_input_free(in);
			return dlt_error_set(err, DLT_EINVAL, "dlt_csv_read: unknown options version %u",
			                     opts->version);
		}
		o = *opts;
	}
	if (o.delimiter == 0 || o.delimiter == '\n' || o.delimiter == '\r' ||
	    o.delimiter == o.quote || o.quote == '\n' || o.quote == '\r' || o.escape == '\n' ||
	    o.escape == '\r' || (o.escape && o.escape == o.delimiter)) {
		dlt_input_free(in);
		return dlt_error_set(err, DLT_EINVAL, "dlt_csv_read: invalid delimiter, quote or escape");
	}
	r = dlt_calloc(1, sizeof(*r));
	if (!r) {
		dlt_input_free(in);
		return dlt_error_set(err, DLT_ENOMEM, "csv: out of memory");
	}
	r->in = in;
	r->delim = o.delimiter;
	r->quote = o.quote;
	r->escape = o.quote ? o.escape : 0;
	r->null_values = o.null_values;
	r->n_null_values = o.null_values ? o.n_null_values : 0;
	r->null_empty_only = o.null_values == NULL;
	r->batch_rows = o.batch_rows > 0 ? o.batch_rows : DEFAULT_BATCH;
	if (r->batch_rows > ((int64_t)1 << 40))
		r->batch_rows = (int64_t)1 << 40;
	r->line = 1;
	r->cap = CHUNK;
	r->buf = dlt_malloc(CHUNK + 16);
	if (!r->buf) {
		rc = dlt_error_set(err, DLT_ENOMEM, "csv: out of memory");
		goto fail;
	}
	if ((rc = refill(r, err)) < 0)
		goto fail;
	if (r->end >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
		r->start = 3;
	if (o.has_header) {
		if ((rc = next_record(r, err)) < 0)
			goto fail;
		if (rc == 1) {
			n_names = (int64_t)r->nf;
			names = dlt_calloc(r->nf + 1, sizeof(char *));
			if (!names) {
				rc = dlt_error_set(err, DLT_ENOMEM, "csv: out of memory");
				goto fail;
			}
			for (k = 0; k < n_names; k++) {
				names[k] = dlt_strndup(r->f[k].p, r->f[k].len);
				if (!names[k]) {
					rc = dlt_error_set(err, DLT_ENOMEM, "csv: out of memory");
					goto fail;
				}
			}
		} else {
			n_names = 0;
		}
	}
	if (o.schema) {
		if ((rc = dlt_schema__copy(&r->schema, o.schema, err)) < 0)
			goto fail;
		if (!r->schema.format || strcmp(r->schema.format, "+s") != 0) {
			rc = dlt_error_set(err, DLT_EINVAL, "dlt_csv_read: schema must be a struct, not '%s'",
			                   r->schema.format ? r->schema.format : "");
			goto fail;
		}
		if (n_names > 0 && n_names != r->schema.n_children) {
			rc = dlt_error_set(err, DLT_ECORRUPT, "%s: line 1: header has %" PRId64
			                   " fields but the schema %" PRId64, dlt_input_name(in), n_names,
			                   r->schema.n_children);
			dlt_error__set_row(err, 1);
			goto fail;
		}
	} else {
		int64_t limit = o.infer_rows == 0 ? DEFAULT_INFER : o.infer_rows < 0 ? -1 : o.infer_rows;
		if ((rc = infer_schema(r, names, n_names, limit, err)) < 0)
			goto fail;
	}
	if ((rc = setup_columns(r, err)) < 0)
		goto fail;
	free_names(names, n_names);
	{
		struct ArrowSchema copy;
		if ((rc = dlt_schema__copy(&copy, &r->schema, err)) < 0) {
			reader_free(r);
			return rc;
		}
		return dlt_stream__new(out, &copy, stream_next, stream_free, r, err);
	}
fail:
	free_names(names, n_names);
	reader_free(r);
	return rc;
}
