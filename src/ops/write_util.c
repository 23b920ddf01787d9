/* Small helpers of the write path: UUIDs, wall clock, JSON string literals. */
#include "ops/ops.h"

#include <errno.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

int dlt_ops__uuid(char out[37], dlt_error *err)
{
	uint8_t r[16];
	size_t got = 0;

	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return dlt_error__set_errno(err, DLT_ERROR, errno, "uuid: getrandom failed");
		}
		got += (size_t)n;
	}
	r[6] = (uint8_t)((r[6] & 0x0f) | 0x40); /* version 4 */
	r[8] = (uint8_t)((r[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, 37,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1],
	         r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14],
	         r[15]);
	return DLT_OK;
}

int64_t dlt_ops__now_ms(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int dlt_ops__json_strn(dlt_buf *b, const char *s, size_t n, dlt_error *err)
{
	static const char hex[] = "0123456789abcdef";
	int rc;

	if ((rc = dlt_buf_reserve(b, n + 2, err)) < 0 ||
	    (rc = dlt_buf_append_byte(b, '"', err)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[7];
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		default:
			if (c < 0x20) {
				u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
				u[4] = hex[c >> 4]; u[5] = hex[c & 15]; u[6] = 0;
				esc = u;
			}
		}
		rc = esc ? dlt_buf_append_str(b, esc, err) : dlt_buf_append_byte(b, c, err);
		if (rc < 0)
			return rc;
	}
	return dlt_buf_append_byte(b, '"', err);
}

int dlt_ops__json_str(dlt_buf *b, const char *s, dlt_error *err)
{
	return dlt_ops__json_strn(b, s, strlen(s), err);
}
