/* Growable byte buffer and base64. */
#include "util/util.h"

#include <stdarg.h>
#include <stdio.h>

int dlt_buf_reserve(dlt_buf *b, size_t extra, dlt_error *err)
{
	size_t need, cap;
	uint8_t *p;
	if (dlt_add_overflow(b->len, extra, &need))
		return dlt_error_set(err, DLT_ENOMEM, "buffer size overflow");
	if (need <= b->cap)
		return DLT_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	p = dlt_realloc(b->data, cap);
	if (!p)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory growing a buffer to %zu bytes", cap);
	b->data = p;
	b->cap = cap;
	return DLT_OK;
}

int dlt_buf_append(dlt_buf *b, const void *data, size_t n, dlt_error *err)
{
	int rc;
	if (n == 0)
		return DLT_OK;
	if ((rc = dlt_buf_reserve(b, n, err)) < 0)
		return rc;
	memcpy(b->data + b->len, data, n);
	b->len += n;
	return DLT_OK;
}

int dlt_buf_append_byte(dlt_buf *b, uint8_t c, dlt_error *err)
{
	if (b->len == b->cap) {
		int rc = dlt_buf_reserve(b, 1, err);
		if (rc < 0)
			return rc;
	}
	b->data[b->len++] = c;
	return DLT_OK;
}

int dlt_buf_append_str(dlt_buf *b, const char *s, dlt_error *err)
{
	return dlt_buf_append(b, s, strlen(s), err);
}

int dlt_buf_append_zeros(dlt_buf *b, size_t n, dlt_error *err)
{
	int rc;
	if ((rc = dlt_buf_reserve(b, n, err)) < 0)
		return rc;
	memset(b->data + b->len, 0, n);
	b->len += n;
	return DLT_OK;
}

int dlt_buf_appendf(dlt_buf *b, dlt_error *err, const char *fmt, ...)
{
	va_list ap;
	int n, rc;
	char small[256];
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return dlt_error_set(err, DLT_ERROR, "format error");
	if ((size_t)n < sizeof(small))
		return dlt_buf_append(b, small, (size_t)n, err);
	if ((rc = dlt_buf_reserve(b, (size_t)n + 1, err)) < 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return DLT_OK;
}

uint8_t *dlt_buf_detach(dlt_buf *b, size_t *len_out)
{
	uint8_t *p = b->data;
	if (len_out)
		*len_out = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void dlt_buf_dispose(dlt_buf *b)
{
	if (!b)
		return;
	dlt_free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int dlt_base64_encode(dlt_buf *b, const uint8_t *s, size_t n, dlt_error *err)
{
	size_t out_len = (n + 2) / 3 * 4, i;
	uint8_t *o;
	int rc;
	if ((rc = dlt_buf_reserve(b, out_len, err)) < 0)
		return rc;
	o = b->data + b->len;
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		*o++ = (uint8_t)b64[v >> 18];
		*o++ = (uint8_t)b64[(v >> 12) & 63];
		*o++ = (uint8_t)b64[(v >> 6) & 63];
		*o++ = (uint8_t)b64[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);
		*o++ = (uint8_t)b64[v >> 18];
		*o++ = (uint8_t)b64[(v >> 12) & 63];
		*o++ = i + 1 < n ? (uint8_t)b64[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	b->len += out_len;
	return DLT_OK;
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+' || c == '-') return 62;
	if (c == '/' || c == '_') return 63;
	return -1;
}

int dlt_base64_decode(dlt_buf *b, const char *s, size_t n, dlt_error *err)
{
	uint32_t acc = 0;
	int bits = 0, rc;
	size_t i;
	while (n > 0 && s[n - 1] == '=')
		n--;
	if ((rc = dlt_buf_reserve(b, n * 3 / 4 + 3, err)) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		int v = b64val((unsigned char)s[i]);
		if (v < 0)
			return dlt_error_set(err, DLT_ECORRUPT, "invalid base64 character at %zu", i);
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			b->data[b->len++] = (uint8_t)(acc >> bits);
		}
	}
	if (bits >= 6)
		return dlt_error_set(err, DLT_ECORRUPT, "invalid base64 length");
	return DLT_OK;
}
