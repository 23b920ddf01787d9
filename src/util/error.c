/* The error object, status code names and the library version. */
#include "util/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

int dlt_version_number(void) { return DLT_VERSION_NUMBER; }
const char *dlt_version_string(void) { return DLT_VERSION_STRING; }

const char *dlt_code_name(int code)
{
	switch (code) {
	case DLT_OK: return "DLT_OK";
	case DLT_ERROR: return "DLT_ERROR";
	case DLT_ENOMEM: return "DLT_ENOMEM";
	case DLT_EINVAL: return "DLT_EINVAL";
	case DLT_ENOTFOUND: return "DLT_ENOTFOUND";
	case DLT_EEXISTS: return "DLT_EEXISTS";
	case DLT_ECORRUPT: return "DLT_ECORRUPT";
	case DLT_EUNSUPPORTED: return "DLT_EUNSUPPORTED";
	case DLT_ECONFLICT: return "DLT_ECONFLICT";
	case DLT_EIO: return "DLT_EIO";
	case DLT_EAUTH: return "DLT_EAUTH";
	case DLT_ESCHEMA: return "DLT_ESCHEMA";
	case DLT_ELIMIT: return "DLT_ELIMIT";
	case DLT_ECANCELLED: return "DLT_ECANCELLED";
	default: return "DLT_UNKNOWN";
	}
}

int dlt_code_to_errno(int code)
{
	switch (code) {
	case DLT_OK: return 0;
	case DLT_ENOMEM: return ENOMEM;
	case DLT_EINVAL: return EINVAL;
	case DLT_ENOTFOUND: return ENOENT;
	case DLT_EEXISTS: return EEXIST;
	case DLT_ECORRUPT: return EIO;
	case DLT_EUNSUPPORTED: return ENOTSUP;
	case DLT_ECONFLICT: return EAGAIN;
	case DLT_EIO: return EIO;
	case DLT_EAUTH: return EACCES;
	case DLT_ESCHEMA: return EINVAL;
	case DLT_ELIMIT: return E2BIG;
	case DLT_ECANCELLED: return ECANCELED;
	default: return EIO;
	}
}

int dlt_code_from_errno(int e)
{
	switch (e) {
	case ENOENT: case ENOTDIR: return DLT_ENOTFOUND;
	case ENOMEM: return DLT_ENOMEM;
	case EEXIST: return DLT_EEXISTS;
	case EACCES: case EPERM: return DLT_EAUTH;
	case EINVAL: return DLT_EINVAL;
	default: return DLT_EIO;
	}
}

void dlt_error_clear(dlt_error *err)
{
	if (!err)
		return;
	err->code = DLT_OK;
	err->sys_code = 0;
	err->offset = -1;
	err->row = -1;
	err->path[0] = '\0';
	err->message[0] = '\0';
}

static void vset(dlt_error *err, int code, const char *fmt, va_list ap) DLT_PRINTF(3, 0);
static void vset(dlt_error *err, int code, const char *fmt, va_list ap)
{
	dlt_error_clear(err);
	err->code = code;
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
}

int dlt_error_set(dlt_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	if (!err)
		return code;
	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

/* strerror is not thread-safe; strerror_r comes in two flavours: glibc with
 * _GNU_SOURCE returns a pointer (maybe not into buf), XSI returns an int. */
static const char *errno_text(int e, char *buf, size_t n)
{
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
	const char *p = strerror_r(e, buf, n);
	if (p)
		return p;
#else
	if (strerror_r(e, buf, n) == 0)
		return buf;
#endif
	snprintf(buf, n, "errno %d", e);
	return buf;
}

int dlt_error__set_errno(dlt_error *err, int code, int sys_errno, const char *fmt, ...)
{
	va_list ap;
	char buf[128];
	size_t n;
	if (!err)
		return code;
	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	err->sys_code = sys_errno;
	n = strlen(err->message);
	snprintf(err->message + n, sizeof(err->message) - n, ": %s",
	         errno_text(sys_errno, buf, sizeof(buf)));
	return code;
}

int dlt_error_prefix(dlt_error *err, const char *fmt, ...)
{
	char pre[DLT_ERROR_MESSAGE_MAX], old[DLT_ERROR_MESSAGE_MAX];
	va_list ap;
	if (!err)
		return DLT_ERROR;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, err->message, sizeof(old));
	/* Truncation of the tail is acceptable: the message stays NUL-terminated. */
	size_t n = strlen(pre);
	if (n > sizeof(err->message) - 3)
		n = sizeof(err->message) - 3;
	memcpy(err->message, pre, n);
	memcpy(err->message + n, ": ", 3);
	size_t room = sizeof(err->message) - n - 3;
	size_t ol = strlen(old);
	if (ol > room)
		ol = room;
	memcpy(err->message + n + 2, old, ol);
	err->message[n + 2 + ol] = '\0';
	return err->code;
}

void dlt_error_set_path(dlt_error *err, const char *path)
{
	if (!err || !path)
		return;
	snprintf(err->path, sizeof(err->path), "%s", path);
}

void dlt_error__set_offset(dlt_error *err, int64_t offset)
{
	if (err)
		err->offset = offset;
}

void dlt_error__set_row(dlt_error *err, int64_t row)
{
	if (err)
		err->row = row;
}

int64_t dlt_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t dlt_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Howard Hinnant's civil-calendar algorithms (public domain formulas). */
int64_t dlt_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void dlt_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}
