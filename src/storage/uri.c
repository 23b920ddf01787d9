/* URI parsing and the two escapings of Delta paths:
 *  - partition directory names use the Hive/Spark rule (ExternalCatalogUtils:
 *    escapePathName/unescapePathName): a fixed set of ASCII bytes as %XX;
 *  - `path` fields in the log are RFC 2396 URIs (PROTOCOL.md, "Add File and
 *    Remove File": "The path is a URI ... which needs to be decoded"). */
#include "storage/internal.h"

#include <ctype.h>
#include <strings.h>

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const char HEX[] = "0123456789ABCDEF";

/* Decode %XX into `b` (NUL-terminated). Strict: bad escapes and %00 refused. */
static int percent_decode(dlt_buf *b, const char *s, size_t n, const char *what,
                          dlt_error *err)
{
	size_t i;
	int rc;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= n || (hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0)
				return dlt_error_set(err, DLT_EINVAL,
				                     "%s '%s': bad %%-escape at offset %zu", what, s, i);
			c = (unsigned char)(hi * 16 + lo);
			if (c == 0)
				return dlt_error_set(err, DLT_EINVAL, "%s '%s': %%00 (NUL) is not allowed",
				                     what, s);
			i += 2;
		}
		if ((rc = dlt_buf_append_byte(b, c, err)) < 0)
			return rc;
	}
	return dlt_buf_append_byte(b, 0, err);
}

static char *detach_str(dlt_buf *b) { return (char *)dlt_buf_detach(b, NULL); }

static int is_azure(const char *scheme)
{
	return strcmp(scheme, "az") == 0 || strcmp(scheme, "abfs") == 0 ||
	       strcmp(scheme, "abfss") == 0 || strcmp(scheme, "wasb") == 0 ||
	       strcmp(scheme, "wasbs") == 0 || strcmp(scheme, "adl") == 0;
}

void dlt_uri_dispose(dlt_uri *u)
{
	if (!u)
		return;
	dlt_free(u->scheme);
	dlt_free(u->authority);
	dlt_free(u->bucket);
	dlt_free(u->account);
	dlt_free(u->path);
	u->scheme = u->authority = u->bucket = u->account = u->path = NULL;
}

int dlt_uri_parse(dlt_uri *out, const char *uri, dlt_error *err)
{
	dlt_uri u = DLT_URI_INIT;
	dlt_buf path = DLT_BUF_INIT;
	const char *p, *colon = NULL, *auth = NULL, *auth_end = NULL, *rest;
	size_t i, slen = 0;
	int rc = DLT_OK;
	DLT_ARG_CHECK(out != NULL && uri != NULL, err);
	memset(out, 0, sizeof(*out));
	if (uri[0] == '\0')
		return dlt_error_set(err, DLT_EINVAL, "empty table uri");
	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://" (or "file:/"). */
	if (isalpha((unsigned char)uri[0])) {
		for (p = uri + 1; isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.'; p++)
			;
		if (*p == ':')
			colon = p;
	}
	if (colon && colon[1] == '/' && colon[2] == '/') {
		slen = (size_t)(colon - uri);
		auth = colon + 3;
		for (auth_end = auth; *auth_end && *auth_end != '/'; auth_end++)
			;
		rest = auth_end;
	} else if (colon && (size_t)(colon - uri) == 4 && strncasecmp(uri, "file", 4) == 0 &&
	           colon[1] == '/') {
		/* Hadoop style "file:/abs/path" (Spark writes these). */
		slen = 4;
		auth = auth_end = colon + 1;
		rest = colon + 1;
	} else {
		/* A plain path, taken literally: '%' and '#' are ordinary bytes here. */
		if (!(u.scheme = dlt_strdup("file")) || !(u.authority = dlt_strdup("")) ||
		    !(u.bucket = dlt_strdup("")) || !(u.account = dlt_strdup("")) ||
		    !(u.path = dlt_strdup(uri)))
			goto nomem;
		*out = u;
		return DLT_OK;
	}
	if (!(u.scheme = dlt_strndup(uri, slen)))
		goto nomem;
	for (i = 0; i < slen; i++)
		u.scheme[i] = (char)tolower((unsigned char)u.scheme[i]);
	if (strpbrk(auth, "?#")) {
		rc = dlt_error_set(err, DLT_EINVAL,
		                   "uri '%s': query and fragment ('?', '#') are not supported; "
		                   "escape them as %%3F, %%23", uri);
		goto fail;
	}
	if (!(u.authority = dlt_strndup(auth, (size_t)(auth_end - auth))))
		goto nomem;
	if ((rc = percent_decode(&path, rest, strlen(rest), "uri", err)) < 0)
		goto fail;
	u.path = detach_str(&path);
	if (!u.path && !(u.path = dlt_strdup("")))
		goto nomem;
	{
		const char *at = strrchr(u.authority, '@');
		if (at && is_azure(u.scheme)) {
			u.bucket = dlt_strndup(u.authority, (size_t)(at - u.authority));
			u.account = dlt_strdup(at + 1);
		} else {
			const char *host = at ? at + 1 : u.authority;
			const char *port = strchr(host, ':');
			u.bucket = dlt_strndup(host, port ? (size_t)(port - host) : strlen(host));
			u.account = dlt_strdup("");
		}
		if (!u.bucket || !u.account)
			goto nomem;
	}
	if (strcmp(u.scheme, "file") == 0) {
		if (u.authority[0] && strcmp(u.authority, "localhost") != 0) {
			rc = dlt_error_set(err, DLT_EINVAL,
			                   "uri '%s': file uri with host '%s' is not supported", uri,
			                   u.authority);
			goto fail;
		}
		if (u.path[0] != '/') {
			rc = dlt_error_set(err, DLT_EINVAL, "uri '%s': file uri without a path", uri);
			goto fail;
		}
	}
	*out = u;
	return DLT_OK;
nomem:
	rc = dlt_error_set(err, DLT_ENOMEM, "out of memory parsing uri '%s'", uri);
fail:
	dlt_buf_dispose(&path);
	dlt_uri_dispose(&u);
	return rc;
}

/* ----------------------------------------------- Spark partition paths -- */

/* Hive FileUtils / Spark ExternalCatalogUtils.charToEscape (non-Windows set). */
static int spark_needs_escape(unsigned char c)
{
	if (c >= 0x01 && c <= 0x1f)
		return 1;
	switch (c) {
	case '"': case '#': case '%': case '\'': case '*': case '/': case ':': case '=':
	case '?': case '\\': case 0x7f: case '{': case '[': case ']': case '^':
		return 1;
	default:
		return 0;
	}
}

int dlt_storage_escape_partition(char **out, const char *segment, dlt_error *err)
{
	dlt_buf b = DLT_BUF_INIT;
	const unsigned char *p;
	int rc = DLT_OK;
	DLT_ARG_CHECK(out != NULL && segment != NULL, err);
	*out = NULL;
	for (p = (const unsigned char *)segment; *p && rc == DLT_OK; p++) {
		if (spark_needs_escape(*p)) {
			char e[3] = { '%', HEX[*p >> 4], HEX[*p & 15] };
			rc = dlt_buf_append(&b, e, 3, err);
		} else {
			rc = dlt_buf_append_byte(&b, *p, err);
		}
	}
	if (rc == DLT_OK)
		rc = dlt_buf_append_byte(&b, 0, err);
	if (rc < 0) {
		dlt_buf_dispose(&b);
		return rc;
	}
	*out = detach_str(&b);
	return DLT_OK;
}

int dlt_storage_unescape_partition(char **out, const char *segment, dlt_error *err)
{
	dlt_buf b = DLT_BUF_INIT;
	size_t i, n;
	int rc = DLT_OK;
	DLT_ARG_CHECK(out != NULL && segment != NULL, err);
	*out = NULL;
	n = strlen(segment);
	for (i = 0; i < n && rc == DLT_OK; i++) {
		int hi, lo;
		unsigned c = (unsigned char)segment[i];
		if (c == '%' && i + 2 < n && (hi = hexval(segment[i + 1])) >= 0 &&
		    (lo = hexval(segment[i + 2])) >= 0 && (hi | lo) != 0) {
			/* Java: the char U+00XX, so 0x80..0xFF become two UTF-8 bytes. */
			unsigned v = (unsigned)(hi * 16 + lo);
			i += 2;
			if (v < 0x80) {
				rc = dlt_buf_append_byte(&b, (uint8_t)v, err);
			} else {
				uint8_t u8[2] = { (uint8_t)(0xc0 | (v >> 6)), (uint8_t)(0x80 | (v & 0x3f)) };
				rc = dlt_buf_append(&b, u8, 2, err);
			}
		} else {
			rc = dlt_buf_append_byte(&b, (uint8_t)c, err);
		}
	}
	if (rc == DLT_OK)
		rc = dlt_buf_append_byte(&b, 0, err);
	if (rc < 0) {
		dlt_buf_dispose(&b);
		return rc;
	}
	*out = detach_str(&b);
	return DLT_OK;
}

/* -------------------------------------------------- RFC 2396 log paths -- */

static int uri_path_keeps(unsigned char c)
{
	if (isalnum(c) && c < 0x80)
		return 1;
	if (c >= 0x80)
		return 1; /* Java URI leaves "other" (non-ASCII) characters as they are */
	return strchr("-_.!~*'();:@&=+$,/", c) != NULL;
}

int dlt_storage_uri_encode(char **out, const char *path, dlt_error *err)
{
	dlt_buf b = DLT_BUF_INIT;
	const unsigned char *p;
	int rc = DLT_OK;
	DLT_ARG_CHECK(out != NULL && path != NULL, err);
	*out = NULL;
	for (p = (const unsigned char *)path; *p && rc == DLT_OK; p++) {
		if (uri_path_keeps(*p)) {
			rc = dlt_buf_append_byte(&b, *p, err);
		} else {
			char e[3] = { '%', HEX[*p >> 4], HEX[*p & 15] };
			rc = dlt_buf_append(&b, e, 3, err);
		}
	}
	if (rc == DLT_OK)
		rc = dlt_buf_append_byte(&b, 0, err);
	if (rc < 0) {
		dlt_buf_dispose(&b);
		return rc;
	}
	*out = detach_str(&b);
	return DLT_OK;
}

int dlt_storage_uri_decode(char **out, const char *path, dlt_error *err)
{
	dlt_buf b = DLT_BUF_INIT;
	int rc;
	DLT_ARG_CHECK(out != NULL && path != NULL, err);
	*out = NULL;
	if ((rc = percent_decode(&b, path, strlen(path), "path", err)) < 0) {
		dlt_buf_dispose(&b);
		return rc;
	}
	*out = detach_str(&b);
	return DLT_OK;
}
