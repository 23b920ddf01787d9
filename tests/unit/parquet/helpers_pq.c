/* Parquet test helpers: MD5 (RFC 1321), canonical value text, whole-file reads. */
#include "helpers_pq.h"
#include "arrow/arrow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- MD5 ---------------- */

static const uint32_t md5_k[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
	0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
	0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
	0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
	0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
	0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
	0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
	0xeb86d391};
static const int md5_r[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                              5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                              4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                              6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

static void md5_block(pqt_md5 *m, const uint8_t *p)
{
	uint32_t w[16], a = m->a, b = m->b, c = m->c, d = m->d;
	int i;
	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[i * 4] | (uint32_t)p[i * 4 + 1] << 8 |
		       (uint32_t)p[i * 4 + 2] << 16 | (uint32_t)p[i * 4 + 3] << 24;
	for (i = 0; i < 64; i++) {
		uint32_t f, t;
		int g;
		if (i < 16) {
			f = (b & c) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (d & b) | (~d & c);
			g = (5 * i + 1) % 16;
		} else if (i < 48) {
			f = b ^ c ^ d;
			g = (3 * i + 5) % 16;
		} else {
			f = c ^ (b | ~d);
			g = (7 * i) % 16;
		}
		t = d;
		d = c;
		c = b;
		f = a + f + md5_k[i] + w[g];
		b = b + ((f << md5_r[i]) | (f >> (32 - md5_r[i])));
		a = t;
	}
	m->a += a;
	m->b += b;
	m->c += c;
	m->d += d;
}

void pqt_md5_init(pqt_md5 *m)
{
	m->a = 0x67452301;
	m->b = 0xefcdab89;
	m->c = 0x98badcfe;
	m->d = 0x10325476;
	m->len = 0;
	m->n = 0;
}

void pqt_md5_update(pqt_md5 *m, const void *data, size_t len)
{
	const uint8_t *p = data;
	m->len += len;
	if (m->n > 0) {
		size_t take = 64 - m->n < len ? 64 - m->n : len;
		memcpy(m->buf + m->n, p, take);
		m->n += take;
		p += take;
		len -= take;
		if (m->n == 64) {
			md5_block(m, m->buf);
			m->n = 0;
		}
	}
	while (len >= 64) {
		md5_block(m, p);
		p += 64;
		len -= 64;
	}
	if (len > 0) {
		memcpy(m->buf, p, len);
		m->n = len;
	}
}

void pqt_md5_final(pqt_md5 *m, uint8_t out[16])
{
	uint64_t bits = m->len * 8;
	uint8_t pad = 0x80, zero = 0, lenb[8];
	uint32_t v[4];
	int i;
	pqt_md5_update(m, &pad, 1);
	while (m->n != 56)
		pqt_md5_update(m, &zero, 1);
	for (i = 0; i < 8; i++)
		lenb[i] = (uint8_t)(bits >> (8 * i));
	pqt_md5_update(m, lenb, 8);
	v[0] = m->a;
	v[1] = m->b;
	v[2] = m->c;
	v[3] = m->d;
	for (i = 0; i < 16; i++)
		out[i] = (uint8_t)(v[i / 4] >> (8 * (i % 4)));
}

void pqt_md5_hex(const void *data, size_t len, char out[33])
{
	pqt_md5 m;
	uint8_t d[16];
	int i;
	pqt_md5_init(&m);
	pqt_md5_update(&m, data, len);
	pqt_md5_final(&m, d);
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* ---------------- canonical text ---------------- */

static int put(dlt_buf *b, const char *s) { return dlt_buf_append_str(b, s, NULL) < 0 ? -1 : 0; }

/* JavaScript Number#toString layout of a shortest digit string. */
static int put_js_number(dlt_buf *b, const char *digits, int k, int n, bool neg)
{
	char tmp[64];
	int i, pos = 0;
	if (neg)
		tmp[pos++] = '-';
	if (k <= n && n <= 21) {
		for (i = 0; i < k; i++)
			tmp[pos++] = digits[i];
		for (i = 0; i < n - k; i++)
			tmp[pos++] = '0';
	} else if (0 < n && n <= 21) {
		for (i = 0; i < n; i++)
			tmp[pos++] = digits[i];
		tmp[pos++] = '.';
		for (i = n; i < k; i++)
			tmp[pos++] = digits[i];
	} else if (-6 < n && n <= 0) {
		tmp[pos++] = '0';
		tmp[pos++] = '.';
		for (i = 0; i < -n; i++)
			tmp[pos++] = '0';
		for (i = 0; i < k; i++)
			tmp[pos++] = digits[i];
	} else {
		tmp[pos++] = digits[0];
		if (k > 1) {
			tmp[pos++] = '.';
			for (i = 1; i < k; i++)
				tmp[pos++] = digits[i];
		}
		pos += snprintf(tmp + pos, sizeof(tmp) - (size_t)pos, "e%c%d", n - 1 >= 0 ? '+' : '-',
		                abs(n - 1));
	}
	tmp[pos] = 0;
	return put(b, tmp);
}

static int put_float(dlt_buf *b, double v, bool single)
{
	char buf[64], digits[32];
	int p, k = 0, e;
	const char *q;
	if (isnan(v))
		return put(b, "\"NaN\"");
	if (isinf(v))
		return put(b, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	if (v == 0)
		return put(b, signbit(v) && !single ? "-0.0" : "0"); /* oracle: float -0 is 0 */
	for (p = 1; p <= 17; p++) {
		snprintf(buf, sizeof(buf), "%.*e", p - 1, v);
		if (single ? (strtof(buf, NULL) == (float)v) : (strtod(buf, NULL) == v))
			break;
	}
	/* buf: [-]d.ddde[+-]xx */
	q = buf;
	if (*q == '-')
		q++;
	for (; *q && *q != 'e'; q++)
		if (*q >= '0' && *q <= '9')
			digits[k++] = *q;
	e = atoi(q + 1);
	while (k > 1 && digits[k - 1] == '0')
		k--;
	digits[k] = 0;
	return put_js_number(b, digits, k, e + 1, v < 0);
}

static int put_json_string(dlt_buf *b, const uint8_t *s, size_t n)
{
	size_t i;
	char esc[8];
	if (dlt_buf_append_byte(b, '"', NULL) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		uint8_t c = s[i];
		const char *r = NULL;
		switch (c) {
		case '"': r = "\\\""; break;
		case '\\': r = "\\\\"; break;
		case '\b': r = "\\b"; break;
		case '\f': r = "\\f"; break;
		case '\n': r = "\\n"; break;
		case '\r': r = "\\r"; break;
		case '\t': r = "\\t"; break;
		default:
			if (c < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				r = esc;
			}
		}
		if (r != NULL) {
			if (put(b, r) < 0)
				return -1;
		} else if (dlt_buf_append_byte(b, c, NULL) < 0) {
			return -1;
		}
	}
	return dlt_buf_append_byte(b, '"', NULL) < 0 ? -1 : 0;
}

static int put_hex(dlt_buf *b, const uint8_t *s, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;
	if (dlt_buf_reserve(b, 2 * n + 2, NULL) < 0)
		return -1;
	b->data[b->len++] = '"';
	for (i = 0; i < n; i++) {
		b->data[b->len++] = (uint8_t)hx[s[i] >> 4];
		b->data[b->len++] = (uint8_t)hx[s[i] & 15];
	}
	b->data[b->len++] = '"';
	return 0;
}

static int64_t floordiv(int64_t a, int64_t d)
{
	int64_t q = a / d;
	if ((a % d) != 0 && ((a < 0) != (d < 0)))
		q--;
	return q;
}

static void fmt_date(char *out, size_t cap, int64_t days, bool *bc)
{
	int64_t y;
	unsigned m, d;
	dlt_civil_from_days(days, &y, &m, &d);
	*bc = y <= 0;
	if (y <= 0)
		y = 1 - y;
	snprintf(out, cap, "%04" PRId64 "-%02u-%02u", y, m, d);
}

/* HH:MM:SS[.frac] of `ticks` within a day, `per_sec` ticks per second. */
static void fmt_time(char *out, size_t cap, int64_t ticks, int64_t per_sec, int frac_digits)
{
	int64_t secs = ticks / per_sec, frac = ticks % per_sec;
	int n = snprintf(out, cap, "%02d:%02d:%02d", (int)(secs / 3600), (int)(secs / 60 % 60),
	                 (int)(secs % 60));
	if (frac != 0 && n > 0 && (size_t)n < cap) {
		char f[16];
		int len;
		snprintf(f, sizeof(f), "%0*" PRId64, frac_digits, frac);
		len = frac_digits;
		while (len > 0 && f[len - 1] == '0')
			len--;
		f[len] = 0;
		snprintf(out + n, cap - (size_t)n, ".%s", f);
	}
}

static int64_t unit_per_sec(char u)
{
	return u == 's' ? 1 : u == 'm' ? 1000 : u == 'u' ? 1000000 : 1000000000;
}
static int unit_digits(char u) { return u == 's' ? 0 : u == 'm' ? 3 : u == 'u' ? 6 : 9; }

static int put_timestamp(dlt_buf *b, int64_t v, char unit, bool tz)
{
	int64_t ps = unit_per_sec(unit), per_day = ps * 86400;
	int64_t days = floordiv(v, per_day), rem = v - days * per_day;
	char d[40], t[40], out[100];
	bool bc;
	fmt_date(d, sizeof(d), days, &bc);
	fmt_time(t, sizeof(t), rem, ps, unit_digits(unit));
	(void)tz; /* instants are rendered in UTC, without a suffix */
	snprintf(out, sizeof(out), "\"%s%s %s\"", d, bc ? " (BC)" : "", t);
	return put(b, out);
}

static int put_decimal(dlt_buf *b, const uint8_t *p, int nbytes, int scale)
{
	/* little-endian two's complement -> decimal string */
	uint32_t w[8];
	int nw = nbytes / 4, i, k = 0;
	bool neg = (p[nbytes - 1] & 0x80) != 0;
	char digits[100], out[110];
	int pos = 0;
	for (i = 0; i < nw; i++)
		w[i] = dlt_load_u32le(p + 4 * i);
	if (neg) { /* negate */
		uint64_t carry = 1;
		for (i = 0; i < nw; i++) {
			uint64_t s = (uint64_t)(uint32_t)~w[i] + carry;
			w[i] = (uint32_t)s;
			carry = s >> 32;
		}
	}
	for (;;) {
		uint64_t rem = 0;
		bool nz = false;
		for (i = nw - 1; i >= 0; i--) {
			uint64_t cur = (rem << 32) | w[i];
			w[i] = (uint32_t)(cur / 10);
			rem = cur % 10;
			if (w[i])
				nz = true;
		}
		digits[k++] = (char)('0' + rem);
		if (!nz)
			break;
	}
	while (k <= scale)
		digits[k++] = '0';
	out[pos++] = '"';
	if (neg)
		out[pos++] = '-';
	for (i = k - 1; i >= 0; i--) {
		out[pos++] = digits[i];
		if (i == scale && scale > 0)
			out[pos++] = '.';
	}
	out[pos++] = '"';
	out[pos] = 0;
	return put(b, out);
}

static uint16_t ld16(const void *p) { uint16_t v; memcpy(&v, p, 2); return v; }

static double half_to_double(uint16_t h)
{
	int e = (h >> 10) & 31, m = h & 1023;
	double v;
	if (e == 0)
		v = ldexp(m, -24);
	else if (e == 31)
		v = m ? NAN : INFINITY;
	else
		v = ldexp(m + 1024, e - 25);
	return (h & 0x8000) ? -v : v;
}

int pqt_render_value(dlt_buf *b, const struct ArrowSchema *s, const struct ArrowArray *a,
                     int64_t i)
{
	const char *f = s->format;
	int64_t j = a->offset + i;
	const uint8_t *vb;
	char tmp[64];

	if (a->null_count != 0 && a->n_buffers > 0 && a->buffers[0] != NULL &&
	    !((((const uint8_t *)a->buffers[0])[j >> 3] >> (j & 7)) & 1))
		return put(b, "null");
	if (s->dictionary != NULL) {
		int64_t idx;
		switch (f[0]) {
		case 'c': idx = ((const int8_t *)a->buffers[1])[j]; break;
		case 's': idx = ((const int16_t *)a->buffers[1])[j]; break;
		case 'i': idx = ((const int32_t *)a->buffers[1])[j]; break;
		default: idx = ((const int64_t *)a->buffers[1])[j]; break;
		}
		return pqt_render_value(b, s->dictionary, a->dictionary, idx);
	}
	vb = a->n_buffers > 1 ? a->buffers[1] : NULL;
	switch (f[0]) {
	case 'n': return put(b, "null");
	case 'b': return put(b, ((vb[j >> 3] >> (j & 7)) & 1) ? "true" : "false");
	case 'c': snprintf(tmp, sizeof(tmp), "%d", ((const int8_t *)vb)[j]); return put(b, tmp);
	case 'C': snprintf(tmp, sizeof(tmp), "%u", ((const uint8_t *)vb)[j]); return put(b, tmp);
	case 's': snprintf(tmp, sizeof(tmp), "%d", ((const int16_t *)vb)[j]); return put(b, tmp);
	case 'S': snprintf(tmp, sizeof(tmp), "%u", ((const uint16_t *)vb)[j]); return put(b, tmp);
	case 'i': snprintf(tmp, sizeof(tmp), "%d", ((const int32_t *)vb)[j]); return put(b, tmp);
	case 'I': snprintf(tmp, sizeof(tmp), "%u", ((const uint32_t *)vb)[j]); return put(b, tmp);
	case 'l':
		snprintf(tmp, sizeof(tmp), "%" PRId64, ((const int64_t *)vb)[j]);
		return put(b, tmp);
	case 'L':
		snprintf(tmp, sizeof(tmp), "%" PRIu64, ((const uint64_t *)vb)[j]);
		return put(b, tmp);
	case 'e': return put_float(b, half_to_double(ld16((const uint8_t *)vb + 2 * j)), true);
	case 'f': return put_float(b, ((const float *)vb)[j], true);
	case 'g': return put_float(b, ((const double *)vb)[j], false);
	case 'u':
	case 'z': {
		const int32_t *off = a->buffers[1];
		const uint8_t *data = a->buffers[2];
		size_t n = (size_t)(off[j + 1] - off[j]);
		return f[0] == 'u' ? put_json_string(b, data + off[j], n) : put_hex(b, data + off[j], n);
	}
	case 'U':
	case 'Z': {
		const int64_t *off = a->buffers[1];
		const uint8_t *data = a->buffers[2];
		size_t n = (size_t)(off[j + 1] - off[j]);
		return f[0] == 'U' ? put_json_string(b, data + off[j], n) : put_hex(b, data + off[j], n);
	}
	case 'w': {
		int w = atoi(f + 2);
		return put_hex(b, (const uint8_t *)vb + (size_t)w * (size_t)j, (size_t)w);
	}
	case 'd': {
		/* d:P,S[,bits] */
		int prec = 0, scale = 0, bits = 128;
		sscanf(f + 2, "%d,%d,%d", &prec, &scale, &bits);
		return put_decimal(b, (const uint8_t *)vb + (size_t)(bits / 8) * (size_t)j, bits / 8,
		                   scale);
	}
	case 't':
		if (f[1] == 'd' && f[2] == 'D') {
			bool bc;
			char d[40];
			fmt_date(d, sizeof(d), ((const int32_t *)vb)[j], &bc);
			snprintf(tmp, sizeof(tmp), "\"%s%s\"", d, bc ? " (BC)" : "");
			return put(b, tmp);
		}
		if (f[1] == 't') {
			int64_t v = (f[2] == 's' || f[2] == 'm') ? ((const int32_t *)vb)[j]
			                                         : ((const int64_t *)vb)[j];
			char t[40];
			fmt_time(t, sizeof(t), v, unit_per_sec(f[2]), unit_digits(f[2]));
			snprintf(tmp, sizeof(tmp), "\"%s\"", t);
			return put(b, tmp);
		}
		if (f[1] == 's')
			return put_timestamp(b, ((const int64_t *)vb)[j], f[2], f[4] != 0);
		return -1;
	case '+':
		if (f[1] == 's') {
			int64_t c;
			if (put(b, "{") < 0)
				return -1;
			for (c = 0; c < s->n_children; c++) {
				if (c > 0 && put(b, ",") < 0)
					return -1;
				if (put_json_string(b, (const uint8_t *)s->children[c]->name,
				                    strlen(s->children[c]->name)) < 0 ||
				    put(b, ":") < 0 ||
				    pqt_render_value(b, s->children[c], a->children[c], j) < 0)
					return -1;
			}
			return put(b, "}");
		}
		if (f[1] == 'l' || f[1] == 'L' || f[1] == 'm') {
			int64_t lo, hi, k;
			if (f[1] == 'L') {
				lo = ((const int64_t *)a->buffers[1])[j];
				hi = ((const int64_t *)a->buffers[1])[j + 1];
			} else {
				lo = ((const int32_t *)a->buffers[1])[j];
				hi = ((const int32_t *)a->buffers[1])[j + 1];
			}
			if (put(b, "[") < 0)
				return -1;
			for (k = lo; k < hi; k++) {
				if (k > lo && put(b, ",") < 0)
					return -1;
				if (f[1] == 'm') {
					const struct ArrowSchema *es = s->children[0];
					const struct ArrowArray *ea = a->children[0];
					int64_t ek = ea->offset + k;
					if (put(b, "{\"key\":") < 0 ||
					    pqt_render_value(b, es->children[0], ea->children[0], ek) < 0 ||
					    put(b, ",\"value\":") < 0 ||
					    (es->n_children > 1
					         ? pqt_render_value(b, es->children[1], ea->children[1], ek)
					         : put(b, "null")) < 0 ||
					    put(b, "}") < 0)
						return -1;
				} else if (pqt_render_value(b, s->children[0], a->children[0], k) < 0) {
					return -1;
				}
			}
			return put(b, "]");
		}
		return -1;
	default:
		return -1;
	}
}

int pqt_render_row(dlt_buf *b, const struct ArrowSchema *s, const struct ArrowArray *a,
                   int64_t i)
{
	int64_t c;
	if (put(b, "{") < 0)
		return -1;
	for (c = 0; c < s->n_children; c++) {
		if (c > 0 && put(b, ",") < 0)
			return -1;
		if (put_json_string(b, (const uint8_t *)s->children[c]->name,
		                    strlen(s->children[c]->name)) < 0 ||
		    put(b, ":") < 0 ||
		    pqt_render_value(b, s->children[c], a->children[c], a->offset + i) < 0)
			return -1;
	}
	return put(b, "}");
}

/* ---------------- whole-file reads ---------------- */

void pqt_result_free(pqt_result *r)
{
	if (r == NULL)
		return;
	dlt_free(r->text);
	dlt_free(r->cols);
	memset(r, 0, sizeof(*r));
}

int pqt_read_file(pqt_result *out, const char *path, const dlt_parquet_read_options *opts,
                  dlt_error *err)
{
	dlt_parquet_file *f = NULL;
	struct ArrowArrayStream st;
	struct ArrowSchema sch;
	dlt_buf text = DLT_BUF_INIT, val = DLT_BUF_INIT;
	int rc;
	int64_t c;

	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	memset(&sch, 0, sizeof(sch));
	if ((rc = dlt_parquet_open_path(&f, path, opts, err)) < 0)
		return rc;
	if ((rc = dlt_parquet_read(&st, f, opts, err)) < 0)
		goto done;
	if (st.get_schema(&st, &sch) != 0) {
		rc = dlt_error_set(err, DLT_ERROR, "get_schema: %s", st.get_last_error(&st));
		goto done;
	}
	out->n_cols = (size_t)sch.n_children;
	out->cols = dlt_calloc(out->n_cols + 1, sizeof(pqt_column_agg));
	if (out->cols == NULL) {
		rc = DLT_ENOMEM;
		goto done;
	}
	for (c = 0; c < sch.n_children; c++)
		snprintf(out->cols[c].name, sizeof(out->cols[c].name), "%s", sch.children[c]->name);
	for (;;) {
		struct ArrowArray batch;
		int64_t i;
		memset(&batch, 0, sizeof(batch));
		if ((rc = dlt_stream__next(&st, &batch, err)) < 0)
			goto done;
		if (batch.release == NULL)
			break;
		for (i = 0; i < batch.length; i++) {
			if (pqt_render_row(&text, &sch, &batch, i) < 0 ||
			    dlt_buf_append_byte(&text, '\n', NULL) < 0) {
				batch.release(&batch);
				rc = dlt_error_set(err, DLT_ERROR, "render failed at row %" PRId64,
				                   out->n_rows + i);
				goto done;
			}
			for (c = 0; c < sch.n_children; c++) {
				pqt_md5 m;
				uint8_t d[16];
				uint64_t h = 0;
				int k;
				dlt_buf_clear(&val);
				pqt_render_value(&val, sch.children[c], batch.children[c],
				                 batch.offset + i);
				if (val.len == 4 && memcmp(val.data, "null", 4) == 0) {
					out->cols[c].null_count++;
					continue;
				}
				out->cols[c].count++;
				pqt_md5_init(&m);
				pqt_md5_update(&m, val.data, val.len);
				pqt_md5_final(&m, d);
				for (k = 0; k < 8; k++)
					h = h << 8 | d[k];
				out->cols[c].md5_sum += h;
			}
		}
		out->n_rows += batch.length;
		batch.release(&batch);
	}
	if ((rc = dlt_buf_append_byte(&text, 0, err)) < 0)
		goto done;
	out->text = (char *)dlt_buf_detach(&text, &out->text_len);
	out->text_len--; /* the NUL is not part of the text */
	rc = DLT_OK;
done:
	if (sch.release)
		sch.release(&sch);
	if (st.release)
		st.release(&st);
	dlt_parquet_file_free(f);
	dlt_buf_dispose(&text);
	dlt_buf_dispose(&val);
	if (rc < 0) {
		dlt_free(out->cols);
		out->cols = NULL;
	}
	return rc;
}
