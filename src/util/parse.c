/* Locale-independent scalar text parsing and formatting (see parse.h).
 *
 * Numbers: a fast exact path (Clinger: <= 15 significant digits and a power of
 * ten that is itself exact in a double) and, otherwise, strtod on a rewritten
 * "DIGITSe<exp>" string: without a radix character the C library's conversion
 * is the same in every locale, so LC_NUMERIC cannot change the result.
 * Formatting picks the shortest of 15/16/17 significant digits (6..9 for
 * float) that reads back to the same value; DBL_DIG = 15 guarantees that if a
 * <= 15-digit string exists, the 15-digit rounding with zeros stripped is it. */
#include "util/parse.h"
#include "util/util.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const double dlt__pow10[23] = {
	1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static inline bool is_digit(char c) { return (unsigned char)(c - '0') < 10; }

/* The rest of s from i must be an exponent suffix: [eE][+-]?digits. Stores it in *e,
 * saturated at 10^8 (beyond that every caller overflows or underflows anyway). */
static bool parse_exponent(const char *s, size_t n, size_t i, int64_t *e)
{
	bool neg = false;
	int64_t v = 0;
	if (s[i] != 'e' && s[i] != 'E')
		return false;
	i++;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (i >= n)
		return false;
	for (; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		if (v < 100000000)
			v = v * 10 + (s[i] - '0');
	}
	*e = neg ? -v : v;
	return true;
}

static inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

static bool ieq(const char *s, size_t n, const char *lit)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (lit[i] == 0 || lower(s[i]) != lit[i])
			return false;
	return lit[n] == 0;
}

/* ---------- integers ---------- */

int dlt_parse_uint64(const char *s, size_t n, uint64_t *out)
{
	size_t i = 0;
	uint64_t v = 0;
	if (n > 0 && s[0] == '+')
		i = 1;
	if (i >= n)
		return DLT_PARSE_INVALID;
	for (; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return DLT_PARSE_INVALID;
		if (v > (UINT64_MAX - d) / 10) {
			for (i++; i < n; i++)
				if (!is_digit(s[i]))
					return DLT_PARSE_INVALID;
			return DLT_PARSE_RANGE;
		}
		v = v * 10 + d;
	}
	*out = v;
	return DLT_PARSE_OK;
}

int dlt_parse_int64(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	uint64_t v = 0, lim;
	if (n > 0 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i >= n)
		return DLT_PARSE_INVALID;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (n - i <= 18) { /* cannot overflow */
		for (; i < n; i++) {
			unsigned d = (unsigned char)s[i] - '0';
			if (d > 9)
				return DLT_PARSE_INVALID;
			v = v * 10 + d;
		}
	} else {
		for (; i < n; i++) {
			unsigned d = (unsigned char)s[i] - '0';
			if (d > 9)
				return DLT_PARSE_INVALID;
			if (v > (lim - d) / 10) {
				for (i++; i < n; i++)
					if (!is_digit(s[i]))
						return DLT_PARSE_INVALID;
				return DLT_PARSE_RANGE;
			}
			v = v * 10 + d;
		}
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	if (neg && v == (uint64_t)INT64_MAX + 1)
		*out = INT64_MIN;
	return DLT_PARSE_OK;
}

int dlt_parse_bool(const char *s, size_t n, bool *out)
{
	if (n == 1) {
		char c = lower(s[0]);
		if (c == 't' || c == '1') {
			*out = true;
			return DLT_PARSE_OK;
		}
		if (c == 'f' || c == '0') {
			*out = false;
			return DLT_PARSE_OK;
		}
		return DLT_PARSE_INVALID;
	}
	if (ieq(s, n, "true")) {
		*out = true;
		return DLT_PARSE_OK;
	}
	if (ieq(s, n, "false")) {
		*out = false;
		return DLT_PARSE_OK;
	}
	return DLT_PARSE_INVALID;
}

/* ---------- doubles ---------- */

/* Slow exact path: strtod over "<significant digits>e<exponent>". Digits past
 * 780 are folded into one sticky '1' (enough to decide any halfway case, which
 * needs at most 767 significant digits for binary64). */
static int parse_double_slow(const char *s, size_t n, double *out)
{
	char buf[840];
	size_t bl = 0, i = 0;
	bool neg = false, any = false, sticky = false, seen_dot = false;
	int64_t dexp = 0; /* decimal exponent adjustment from dropped/fraction digits */
	int64_t e = 0;
	char *end;
	double v;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (neg)
		buf[bl++] = '-';
	for (; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (seen_dot)
				return DLT_PARSE_INVALID;
			seen_dot = true;
			continue;
		}
		if (!is_digit(c))
			break;
		any = true;
		if (c == '0' && bl == (size_t)neg) { /* leading zero */
			if (seen_dot)
				dexp--;
			continue;
		}
		if (bl < 780 + (size_t)neg) {
			buf[bl++] = c;
			if (seen_dot)
				dexp--;
		} else {
			if (c != '0')
				sticky = true;
			if (!seen_dot)
				dexp++;
		}
	}
	if (!any)
		return DLT_PARSE_INVALID;
	if (i < n && !parse_exponent(s, n, i, &e))
		return DLT_PARSE_INVALID;
	if (bl == (size_t)neg) { /* all zeros */
		*out = neg ? -0.0 : 0.0;
		return DLT_PARSE_OK;
	}
	if (sticky) {
		buf[bl++] = '1';
		dexp--;
	}
	e += dexp;
	if (e > 100000)
		e = 100000;
	if (e < -100000)
		e = -100000;
	snprintf(buf + bl, sizeof(buf) - bl, "e%d", (int)e);
	v = strtod(buf, &end);
	if (isinf(v))
		return DLT_PARSE_RANGE;
	*out = v;
	return DLT_PARSE_OK;
}

int dlt_parse_double(const char *s, size_t n, double *out)
{
	size_t i = 0, start;
	bool neg = false;
	uint64_t m = 0;
	int nd = 0;         /* significant digits accumulated in m */
	int fexp = 0;       /* exponent correction from fraction digits */
	int64_t e = 0;
	double v;

	if (n == 0)
		return DLT_PARSE_INVALID;
	if (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-';
		i = 1;
	}
	start = i;
	while (i < n && s[i] == '0')
		i++;
	for (; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			break;
		if (nd >= 15)
			goto slow;
		m = m * 10 + d;
		if (m)
			nd++;
	}
	if (i < n && s[i] == '.') {
		size_t f0 = ++i;
		if (m == 0)
			while (i < n && s[i] == '0')
				i++;
		fexp = -(int)(i - f0);
		for (; i < n; i++) {
			unsigned d = (unsigned char)s[i] - '0';
			if (d > 9)
				break;
			if (nd >= 15)
				goto slow;
			m = m * 10 + d;
			nd++;
			fexp--;
		}
		if (i == f0 && f0 - 1 == start)
			return DLT_PARSE_INVALID; /* "." alone */
	} else if (i == start) {
		/* No digits: NaN / Infinity. */
		const char *r = s + start;
		size_t rn = n - start;
		if (ieq(r, rn, "nan")) {
			*out = neg ? -NAN : NAN;
			return DLT_PARSE_OK;
		}
		if (ieq(r, rn, "inf") || ieq(r, rn, "infinity")) {
			*out = neg ? -INFINITY : INFINITY;
			return DLT_PARSE_OK;
		}
		return DLT_PARSE_INVALID;
	}
	if (i < n && !parse_exponent(s, n, i, &e))
		return DLT_PARSE_INVALID;
	e += fexp;
	if (m == 0) {
		*out = neg ? -0.0 : 0.0;
		return DLT_PARSE_OK;
	}
	if (e >= -22 && e <= 22) {
		v = (double)m; /* exact: m < 10^15 < 2^53 */
		v = e < 0 ? v / dlt__pow10[-e] : v * dlt__pow10[e];
		*out = neg ? -v : v;
		return DLT_PARSE_OK;
	}
	if (e > 22 && e <= 22 + 15 - nd) { /* m * 10^k still exact */
		v = (double)m * dlt__pow10[e - 22];
		v *= dlt__pow10[22];
		*out = neg ? -v : v;
		return DLT_PARSE_OK;
	}
slow:
	return parse_double_slow(s, n, out);
}

/* ---------- double formatting ---------- */

/* Extract digits and exponent from a "%.*e" rendering; returns digit count. The
 * radix character is whatever the locale made it: everything before the
 * exponent that is not a digit is skipped. */
static int sci_digits(const char *t, char *digits, int *exp10)
{
	int nd = 0;
	const char *p = t;
	if (*p == '-')
		p++;
	for (; *p && *p != 'e' && *p != 'E'; p++)
		if (is_digit(*p))
			digits[nd++] = *p;
	*exp10 = *p ? atoi(p + 1) : 0;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	return nd;
}

/* Render digits d[0..nd) * 10^(exp10 - nd + 1) in the canonical layout: fixed
 * for -4 <= exp10 < 16 (with ".0" when integral), otherwise d.ddde+XX. */
static size_t layout(char *buf, bool neg, const char *d, int nd, int exp10)
{
	size_t o = 0;
	int k;
	if (neg)
		buf[o++] = '-';
	if (exp10 >= -4 && exp10 < 16) {
		if (exp10 < 0) {
			buf[o++] = '0';
			buf[o++] = '.';
			for (k = -1; k > exp10; k--)
				buf[o++] = '0';
			for (k = 0; k < nd; k++)
				buf[o++] = d[k];
		} else {
			for (k = 0; k <= exp10; k++)
				buf[o++] = k < nd ? d[k] : '0';
			buf[o++] = '.';
			if (nd > exp10 + 1)
				for (k = exp10 + 1; k < nd; k++)
					buf[o++] = d[k];
			else
				buf[o++] = '0';
		}
	} else {
		int ae = exp10 < 0 ? -exp10 : exp10;
		buf[o++] = d[0];
		if (nd > 1) {
			buf[o++] = '.';
			for (k = 1; k < nd; k++)
				buf[o++] = d[k];
		}
		buf[o++] = 'e';
		buf[o++] = exp10 < 0 ? '-' : '+';
		if (ae >= 100)
			buf[o++] = (char)('0' + ae / 100);
		buf[o++] = (char)('0' + ae / 10 % 10);
		buf[o++] = (char)('0' + ae % 10);
	}
	buf[o] = 0;
	return o;
}

static size_t format_special(char *buf, double v)
{
	if (isnan(v)) {
		memcpy(buf, "NaN", 4);
		return 3;
	}
	if (v > 0) {
		memcpy(buf, "Infinity", 9);
		return 8;
	}
	memcpy(buf, "-Infinity", 10);
	return 9;
}

/* Format integral doubles below 2^53 without snprintf (the common case). */
static bool format_small_integral(char *buf, double v, size_t *len)
{
	double a = fabs(v);
	char tmp[24];
	int nd = 0;
	uint64_t u;
	size_t o = 0;
	if (!(a < 1e15) || a != floor(a) || a == 0)
		return false;
	u = (uint64_t)a;
	do {
		tmp[nd++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (signbit(v))
		buf[o++] = '-';
	while (nd)
		buf[o++] = tmp[--nd];
	buf[o++] = '.';
	buf[o++] = '0';
	buf[o] = 0;
	*len = o;
	return true;
}

size_t dlt_format_double(char *buf, double v)
{
	char t[48], d[24];
	int p, nd = 0, e10 = 0;
	size_t len;
	if (!isfinite(v))
		return format_special(buf, v);
	if (v == 0) {
		if (signbit(v)) {
			memcpy(buf, "-0.0", 5);
			return 4;
		}
		memcpy(buf, "0.0", 4);
		return 3;
	}
	if (format_small_integral(buf, v, &len))
		return len;
	/* DBL_DIG holds for normal numbers only: subnormals search from 1 digit. */
	for (p = fabs(v) < DBL_MIN ? 0 : 14; p <= 16; p++) {
		double back;
		snprintf(t, sizeof(t), "%.*e", p, v);
		nd = sci_digits(t, d, &e10);
		if (p == 16)
			break;
		{
			char canon[40];
			size_t cl = layout(canon, false, d, nd, e10);
			if (dlt_parse_double(canon, cl, &back) == DLT_PARSE_OK && back == fabs(v))
				break;
		}
	}
	return layout(buf, signbit(v) != 0, d, nd, e10);
}

size_t dlt_format_float(char *buf, float v)
{
	char t[48], d[24];
	int p, nd = 0, e10 = 0;
	if (!isfinite(v))
		return format_special(buf, v);
	if (v == 0) {
		if (signbit(v)) {
			memcpy(buf, "-0.0", 5);
			return 4;
		}
		memcpy(buf, "0.0", 4);
		return 3;
	}
	for (p = fabsf(v) < FLT_MIN ? 0 : 5; p <= 8; p++) {
		double back;
		snprintf(t, sizeof(t), "%.*e", p, (double)v);
		nd = sci_digits(t, d, &e10);
		if (p == 8)
			break;
		{
			char canon[40];
			size_t cl = layout(canon, false, d, nd, e10);
			if (dlt_parse_double(canon, cl, &back) == DLT_PARSE_OK &&
			    (float)back == fabsf(v))
				break;
		}
	}
	return layout(buf, signbit(v) != 0, d, nd, e10);
}

/* ---------- dates and times ---------- */

static const int64_t unit_per_sec[4] = { 1, 1000, 1000000, 1000000000 };

static bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned char dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && leap(y) ? 29 : dim[m - 1];
}

/* Exactly `k` digits at s[*i]. */
static bool digits_n(const char *s, size_t n, size_t *i, int k, unsigned *out)
{
	unsigned v = 0;
	int j;
	if (n - *i < (size_t)k)
		return false;
	for (j = 0; j < k; j++) {
		unsigned d = (unsigned char)s[*i + (size_t)j] - '0';
		if (d > 9)
			return false;
		v = v * 10 + d;
	}
	*i += (size_t)k;
	*out = v;
	return true;
}

/* YYYY-MM-DD prefix; *i advanced past it. */
static int parse_date_prefix(const char *s, size_t n, size_t *i, int64_t *days)
{
	bool neg = false;
	int64_t y = 0;
	int yd = 0;
	unsigned m, d;
	size_t p = *i;
	if (p < n && (s[p] == '-' || s[p] == '+'))
		neg = s[p++] == '-';
	while (p < n && is_digit(s[p])) {
		if (++yd > 9)
			return DLT_PARSE_RANGE;
		y = y * 10 + (s[p++] - '0');
	}
	if (yd < 4)
		return DLT_PARSE_INVALID;
	if (neg)
		y = -y;
	if (p >= n || s[p] != '-')
		return DLT_PARSE_INVALID;
	p++;
	if (!digits_n(s, n, &p, 2, &m) || p >= n || s[p] != '-')
		return DLT_PARSE_INVALID;
	p++;
	if (!digits_n(s, n, &p, 2, &d))
		return DLT_PARSE_INVALID;
	if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return DLT_PARSE_INVALID;
	*days = dlt_days_from_civil(y, m, d);
	*i = p;
	return DLT_PARSE_OK;
}

int dlt_parse_date32(const char *s, size_t n, int32_t *days_out)
{
	size_t i = 0;
	int64_t days;
	int rc = parse_date_prefix(s, n, &i, &days);
	if (rc != DLT_PARSE_OK)
		return rc;
	if (i != n)
		return DLT_PARSE_INVALID;
	if (days < INT32_MIN || days > INT32_MAX)
		return DLT_PARSE_RANGE;
	*days_out = (int32_t)days;
	return DLT_PARSE_OK;
}

/* HH:MM[:SS[.fraction]] at s[*i]; ticks of unit since midnight. */
static int parse_time_prefix(const char *s, size_t n, size_t *i, int unit, int64_t *out)
{
	unsigned hh, mm, ss = 0;
	int64_t frac = 0, scale = unit_per_sec[unit];
	size_t p = *i;
	bool too_precise = false;
	if (!digits_n(s, n, &p, 2, &hh) || p >= n || s[p] != ':')
		return DLT_PARSE_INVALID;
	p++;
	if (!digits_n(s, n, &p, 2, &mm))
		return DLT_PARSE_INVALID;
	if (p < n && s[p] == ':') {
		p++;
		if (!digits_n(s, n, &p, 2, &ss))
			return DLT_PARSE_INVALID;
		if (p < n && s[p] == '.') {
			int64_t place = scale;
			size_t f0 = ++p;
			while (p < n && is_digit(s[p])) {
				place /= 10;
				if (place)
					frac += (s[p] - '0') * place;
				else if (s[p] != '0')
					too_precise = true;
				p++;
			}
			if (p == f0)
				return DLT_PARSE_INVALID;
		}
	}
	if (hh > 23 || mm > 59 || ss > 60)
		return DLT_PARSE_INVALID;
	if (too_precise)
		return DLT_PARSE_RANGE;
	*out = ((int64_t)hh * 3600 + mm * 60 + ss) * scale + frac;
	*i = p;
	return DLT_PARSE_OK;
}

int dlt_parse_time(const char *s, size_t n, int unit, int64_t *out)
{
	size_t i = 0;
	int rc;
	if (unit < 0 || unit > 3)
		return DLT_PARSE_INVALID;
	rc = parse_time_prefix(s, n, &i, unit, out);
	if (rc == DLT_PARSE_OK && i != n)
		return DLT_PARSE_INVALID;
	return rc;
}

int dlt_parse_timestamp(const char *s, size_t n, int unit, int64_t *out, bool *has_tz)
{
	size_t i = 0;
	int64_t days, tod = 0, v, off_s = 0;
	int rc;
	bool tz = false;
	if (unit < 0 || unit > 3)
		return DLT_PARSE_INVALID;
	if ((rc = parse_date_prefix(s, n, &i, &days)) != DLT_PARSE_OK)
		return rc;
	if (i < n && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
		i++;
		if ((rc = parse_time_prefix(s, n, &i, unit, &tod)) != DLT_PARSE_OK)
			return rc;
	}
	if (i < n) {
		if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
			tz = true;
			i++;
		} else if (s[i] == '+' || s[i] == '-') {
			unsigned oh, om = 0;
			bool oneg = s[i] == '-';
			i++;
			if (!digits_n(s, n, &i, 2, &oh))
				return DLT_PARSE_INVALID;
			if (i < n && s[i] == ':')
				i++;
			if (i < n && !digits_n(s, n, &i, 2, &om))
				return DLT_PARSE_INVALID;
			if (i != n || oh > 23 || om > 59)
				return DLT_PARSE_INVALID;
			off_s = ((int64_t)oh * 3600 + om * 60) * (oneg ? -1 : 1);
			tz = true;
		} else {
			return DLT_PARSE_INVALID;
		}
	}
	if (dlt_mul_overflow_i64(days, 86400 * unit_per_sec[unit], &v) ||
	    dlt_add_overflow_i64(v, tod, &v) ||
	    dlt_add_overflow_i64(v, -off_s * unit_per_sec[unit], &v))
		return DLT_PARSE_RANGE;
	*out = v;
	if (has_tz)
		*has_tz = tz;
	return DLT_PARSE_OK;
}

static size_t put_2(char *b, unsigned v)
{
	b[0] = (char)('0' + v / 10);
	b[1] = (char)('0' + v % 10);
	return 2;
}

static size_t format_days(char *buf, int64_t days)
{
	int64_t y;
	unsigned m, d;
	size_t o = 0;
	dlt_civil_from_days(days, &y, &m, &d);
	if (y >= 0 && y <= 9999) {
		buf[o++] = (char)('0' + y / 1000);
		buf[o++] = (char)('0' + y / 100 % 10);
		buf[o++] = (char)('0' + y / 10 % 10);
		buf[o++] = (char)('0' + y % 10);
	} else {
		o += (size_t)snprintf(buf, 24, y < 0 ? "-%04" PRId64 : "+%" PRId64,
		                      y < 0 ? -y : y);
	}
	buf[o++] = '-';
	o += put_2(buf + o, m);
	buf[o++] = '-';
	o += put_2(buf + o, d);
	buf[o] = 0;
	return o;
}

size_t dlt_format_date32(char *buf, int32_t days) { return format_days(buf, days); }

/* "HH:MM:SS[.fff]" from seconds-of-day and a sub-second tick count. */
static size_t format_tod(char *buf, int64_t sod, int64_t sub, int unit)
{
	size_t o = 0;
	int digits = unit * 3;
	o += put_2(buf + o, (unsigned)(sod / 3600));
	buf[o++] = ':';
	o += put_2(buf + o, (unsigned)(sod / 60 % 60));
	buf[o++] = ':';
	o += put_2(buf + o, (unsigned)(sod % 60));
	if (sub > 0 && digits > 0) {
		char f[10];
		int k;
		for (k = digits - 1; k >= 0; k--) {
			f[k] = (char)('0' + sub % 10);
			sub /= 10;
		}
		while (digits > 0 && f[digits - 1] == '0')
			digits--;
		buf[o++] = '.';
		for (k = 0; k < digits; k++)
			buf[o++] = f[k];
	}
	buf[o] = 0;
	return o;
}

size_t dlt_format_time(char *buf, int64_t ticks, int unit)
{
	int64_t ups, sec, sub;
	if (unit < 0 || unit > 3)
		unit = 0;
	ups = unit_per_sec[unit];
	sec = ticks / ups;
	sub = ticks % ups;
	if (sub < 0) {
		sub += ups;
		sec--;
	}
	if (sec < 0 || sec > 86400 * 2) { /* nonsense: render the raw count */
		return (size_t)snprintf(buf, DLT_FORMAT_DATETIME_MAX, "%" PRId64, ticks);
	}
	return format_tod(buf, sec, sub, unit);
}

size_t dlt_format_timestamp(char *buf, int64_t ticks, int unit, bool utc)
{
	int64_t ups, sec, sub, days, sod;
	size_t o;
	if (unit < 0 || unit > 3)
		unit = 0;
	ups = unit_per_sec[unit];
	sec = ticks / ups;
	sub = ticks % ups;
	if (sub < 0) {
		sub += ups;
		sec--;
	}
	days = sec / 86400;
	sod = sec % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	o = format_days(buf, days);
	buf[o++] = 'T';
	o += format_tod(buf + o, sod, sub, unit);
	if (utc)
		buf[o++] = 'Z';
	buf[o] = 0;
	return o;
}

/* ---------- decimals ---------- */

/* Magnitude as 4 little-endian 64-bit words (enough for 76 digits). */
typedef struct { uint64_t w[4]; } mag256;

static void mag_mul10_add(mag256 *m, unsigned add)
{
	uint64_t carry = add;
	int k;
	for (k = 0; k < 4; k++) {
		uint64_t lo = m->w[k] & 0xffffffffu, hi = m->w[k] >> 32;
		uint64_t plo = lo * 10 + (carry & 0xffffffffu);
		uint64_t phi = hi * 10 + (plo >> 32) + (carry >> 32);
		m->w[k] = (plo & 0xffffffffu) | (phi << 32);
		carry = phi >> 32;
	}
}

/* Divide by 10 in place; returns the remainder. */
static unsigned mag_div10(uint64_t *w, int n)
{
	uint64_t rem = 0;
	int k;
	for (k = n - 1; k >= 0; k--) {
		uint64_t hi = (rem << 32) | (w[k] >> 32);
		uint64_t qh = hi / 10;
		uint64_t lo;
		rem = hi % 10;
		lo = (rem << 32) | (w[k] & 0xffffffffu);
		w[k] = (qh << 32) | (lo / 10);
		rem = lo % 10;
	}
	return (unsigned)rem;
}

int dlt_parse_decimal(const char *s, size_t n, int32_t precision, int32_t scale,
                      uint64_t *words, int n_words)
{
	size_t i = 0, ds, de, fs = 0, fe = 0;
	bool neg = false, has_int, has_frac = false;
	int64_t e = 0, shift;
	mag256 m;
	int nd = 0, maxd;
	unsigned round_digit = 0;
	int k;

	if (n_words != 2 && n_words != 4)
		return DLT_PARSE_INVALID;
	maxd = n_words == 2 ? 38 : 76;
	if (precision <= 0 || precision > maxd)
		return DLT_PARSE_INVALID;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	ds = i;
	while (i < n && is_digit(s[i]))
		i++;
	de = i;
	has_int = de > ds;
	if (i < n && s[i] == '.') {
		fs = ++i;
		while (i < n && is_digit(s[i]))
			i++;
		fe = i;
		has_frac = fe > fs;
	}
	if (!has_int && !has_frac)
		return DLT_PARSE_INVALID;
	if (i < n && !parse_exponent(s, n, i, &e))
		return DLT_PARSE_INVALID;
	/* value = digits(int ++ frac) * 10^(e - nfrac); we want it * 10^scale. */
	shift = e - (int64_t)(fe - fs) + scale;
	/* Number of digits kept from the digit string: all but the last -shift. */
	{
		int64_t total = (int64_t)(de - ds) + (int64_t)(fe - fs), keep, idx = 0;
		keep = shift >= 0 ? total : total + shift;
		memset(&m, 0, sizeof(m));
		for (k = 0; k < 2; k++) {
			size_t a = k == 0 ? ds : fs, b = k == 0 ? de : fe, p;
			for (p = a; p < b; p++, idx++) {
				unsigned d = (unsigned)(s[p] - '0');
				if (idx < keep) {
					if (nd == 0 && d == 0)
						continue;
					if (++nd > precision)
						return DLT_PARSE_RANGE;
					mag_mul10_add(&m, d);
				} else if (idx == keep) {
					round_digit = d;
				}
			}
		}
		if (shift > 0 && nd > 0) {
			if (shift > precision || nd + shift > precision)
				return DLT_PARSE_RANGE;
			for (k = 0; k < shift; k++)
				mag_mul10_add(&m, 0);
			nd += (int)shift;
		}
	}
	if (round_digit >= 5) {
		/* +1; may add a digit (999 -> 1000). */
		for (k = 0; k < 4; k++)
			if (++m.w[k] != 0)
				break;
		if (nd == 0)
			nd = 1;
		{
			mag256 t = m;
			int cnt = 0;
			while (t.w[0] | t.w[1] | t.w[2] | t.w[3]) {
				mag_div10(t.w, 4);
				cnt++;
			}
			if (cnt > precision)
				return DLT_PARSE_RANGE;
		}
	}
	if (n_words == 2 && (m.w[2] | m.w[3] | (m.w[1] >> 63)))
		return DLT_PARSE_RANGE;
	if (neg) {
		uint64_t carry = 1;
		for (k = 0; k < 4; k++) {
			uint64_t x = ~m.w[k];
			m.w[k] = x + carry;
			carry = carry && m.w[k] == 0;
		}
	}
	for (k = 0; k < n_words; k++)
		words[k] = m.w[k];
	return DLT_PARSE_OK;
}

size_t dlt_format_decimal(char *buf, const uint64_t *words, int n_words, int32_t scale)
{
	uint64_t w[4] = { 0, 0, 0, 0 };
	char tmp[DLT_FORMAT_DECIMAL_MAX];
	int nd = 0, k;
	bool neg;
	size_t o = 0;
	if (n_words < 1 || n_words > 4)
		n_words = 2;
	for (k = 0; k < n_words; k++)
		w[k] = words[k];
	neg = (w[n_words - 1] >> 63) != 0;
	if (neg) {
		uint64_t carry = 1;
		for (k = 0; k < n_words; k++) {
			uint64_t x = ~w[k];
			w[k] = x + carry;
			carry = carry && w[k] == 0;
		}
	}
	do {
		tmp[nd++] = (char)('0' + mag_div10(w, n_words));
	} while ((w[0] | w[1] | w[2] | w[3]) && nd < 80);
	if (neg)
		buf[o++] = '-';
	if (scale <= 0) {
		while (nd)
			buf[o++] = tmp[--nd];
		if (!(nd == 0 && o == (size_t)neg + 1 && buf[o - 1] == '0'))
			for (k = 0; k < -scale && o < DLT_FORMAT_DECIMAL_MAX - 1; k++)
				buf[o++] = '0';
	} else {
		if (scale > 80)
			scale = 80;
		while (nd <= scale)
			tmp[nd++] = '0';
		while (nd > scale)
			buf[o++] = tmp[--nd];
		buf[o++] = '.';
		while (nd)
			buf[o++] = tmp[--nd];
	}
	buf[o] = 0;
	return o;
}
