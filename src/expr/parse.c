/* SQL expression text -> tree: an on-demand tokenizer and a recursive-descent
 * parser, one function per precedence level (see include/deltalite/expr.h). */
#include "expr/expr.h"
#include "util/parse.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>

typedef enum tok_type {
	T_EOF = 0,
	T_IDENT,
	T_QIDENT,
	T_STRING,
	T_BINARY,
	T_NUMBER,
	T_OP,
	T_LPAREN,
	T_RPAREN,
	T_COMMA,
	T_DOT
} tok_type;

enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_PLUS, OP_MINUS, OP_STAR, OP_SLASH, OP_PCT };

typedef struct tok {
	tok_type t;
	int op;
	size_t pos, len; /* whole token text */
} tok;

typedef struct parser {
	const char *s;
	size_t n;
	size_t pos; /* scan position after `cur` */
	tok cur;
	tok_type prev;
	int depth;
	dlt_error *err;
} parser;

static int perr(parser *p, int code, size_t pos, const char *fmt, ...) DLT_PRINTF(4, 5);
static int perr(parser *p, int code, size_t pos, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dlt_error_set(p->err, code, "at offset %zu: %s", pos, msg);
	dlt_error__set_offset(p->err, (int64_t)pos);
	return code;
}

static const char *tok_desc(const parser *p, const tok *t, char *buf, size_t cap)
{
	size_t n;
	if (t->t == T_EOF)
		return "end of input";
	n = DLT_MIN(t->len, (size_t)24);
	snprintf(buf, cap, "'%.*s%s'", (int)n, p->s + t->pos, t->len > n ? "..." : "");
	return buf;
}

static int expected(parser *p, const char *what)
{
	char buf[48];
	return perr(p, DLT_EINVAL, p->cur.pos, "expected %s, found %s", what,
	            tok_desc(p, &p->cur, buf, sizeof(buf)));
}

static bool ident_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

/* Scan a quoted run starting at s[i] == q; doubled q is an escape. Returns the
 * index after the closing quote, or 0 if unterminated. */
static size_t scan_quoted(const parser *p, size_t i, char q)
{
	for (i++; i < p->n; i++) {
		if (p->s[i] == q) {
			if (i + 1 < p->n && p->s[i + 1] == q)
				i++;
			else
				return i + 1;
		}
	}
	return 0;
}

static int lex(parser *p)
{
	const char *s = p->s;
	size_t i = p->pos, n = p->n;
	tok t = { T_EOF, 0, 0, 0 };

	p->prev = p->cur.t;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ||
	                 s[i] == '\f' || s[i] == '\v'))
		i++;
	t.pos = i;
	if (i >= n) {
		p->cur = t;
		p->pos = i;
		return DLT_OK;
	}
	unsigned char c = (unsigned char)s[i];
	if ((c == 'x' || c == 'X') && i + 1 < n && s[i + 1] == '\'') {
		size_t end = scan_quoted(p, i + 1, '\'');
		if (!end)
			return perr(p, DLT_EINVAL, i, "unterminated binary literal");
		t.t = T_BINARY;
		t.len = end - i;
	} else if (isalpha(c) || c == '_' || c >= 0x80) {
		size_t j = i;
		while (j < n && ident_char((unsigned char)s[j]))
			j++;
		t.t = T_IDENT;
		t.len = j - i;
	} else if (c == '`' || c == '\'') {
		size_t end = scan_quoted(p, i, (char)c);
		if (!end)
			return perr(p, DLT_EINVAL, i, "unterminated %s",
			            c == '`' ? "quoted identifier" : "string literal");
		t.t = c == '`' ? T_QIDENT : T_STRING;
		t.len = end - i;
	} else if (isdigit(c) || (c == '.' && i + 1 < n && isdigit((unsigned char)s[i + 1]) &&
	                          p->cur.t != T_IDENT && p->cur.t != T_QIDENT)) {
		size_t j = i;
		while (j < n && isdigit((unsigned char)s[j]))
			j++;
		if (j < n && s[j] == '.') {
			j++;
			while (j < n && isdigit((unsigned char)s[j]))
				j++;
		}
		if (j < n && (s[j] == 'e' || s[j] == 'E')) {
			size_t k = j + 1;
			if (k < n && (s[k] == '+' || s[k] == '-'))
				k++;
			if (k < n && isdigit((unsigned char)s[k])) {
				while (k < n && isdigit((unsigned char)s[k]))
					k++;
				j = k;
			}
		}
		while (j < n && ident_char((unsigned char)s[j]))
			j++; /* suffix, validated when the literal is made */
		t.t = T_NUMBER;
		t.len = j - i;
	} else {
		char c2 = i + 1 < n ? s[i + 1] : 0;
		t.len = 1;
		t.t = T_OP;
		switch (c) {
		case '=': t.op = OP_EQ; t.len = c2 == '=' ? 2 : 1; break;
		case '<':
			if (c2 == '>') { t.op = OP_NE; t.len = 2; }
			else if (c2 == '=') { t.op = OP_LE; t.len = 2; }
			else t.op = OP_LT;
			break;
		case '>':
			if (c2 == '=') { t.op = OP_GE; t.len = 2; }
			else t.op = OP_GT;
			break;
		case '!':
			if (c2 != '=')
				return perr(p, DLT_EINVAL, i, "unexpected character '!' (expected '!=')");
			t.op = OP_NE;
			t.len = 2;
			break;
		case '+': t.op = OP_PLUS; break;
		case '-': t.op = OP_MINUS; break;
		case '*': t.op = OP_STAR; break;
		case '/': t.op = OP_SLASH; break;
		case '%': t.op = OP_PCT; break;
		case '(': t.t = T_LPAREN; break;
		case ')': t.t = T_RPAREN; break;
		case ',': t.t = T_COMMA; break;
		case '.': t.t = T_DOT; break;
		default:
			if (isprint(c))
				return perr(p, DLT_EINVAL, i, "unexpected character '%c'", (char)c);
			return perr(p, DLT_EINVAL, i, "unexpected byte 0x%02x", c);
		}
	}
	p->cur = t;
	p->pos = t.pos + t.len;
	return DLT_OK;
}

static bool is_kw(const parser *p, const tok *t, const char *kw)
{
	return t->t == T_IDENT && strlen(kw) == t->len && strncasecmp(p->s + t->pos, kw, t->len) == 0;
}

static bool at_kw(const parser *p, const char *kw)
{
	return is_kw(p, &p->cur, kw);
}

/* The token after the current one, without consuming anything. */
static int peek(parser *p, tok *out)
{
	parser save = *p;
	int rc = lex(p);
	*out = p->cur;
	*p = save;
	if (rc < 0)
		*out = (tok){ T_EOF, 0, p->pos, 0 };
	return DLT_OK;
}

static int expect(parser *p, tok_type t, const char *what)
{
	if (p->cur.t != t)
		return expected(p, what);
	return lex(p);
}

static int depth_in(parser *p)
{
	/* One more than trees may have: the whole text is one parse_expr level. */
	if (++p->depth > DLT_EXPR_MAX_DEPTH + 1)
		return perr(p, DLT_ELIMIT, p->cur.pos, "expression nesting exceeds %d levels",
		            DLT_EXPR_MAX_DEPTH);
	return DLT_OK;
}

/* *acc = kind(*acc, rhs) (both consumed; *acc NULL on failure). */
static int wrap(dlt_expr **acc, dlt_expr__kind kind, int op, dlt_expr *rhs, dlt_error *err)
{
	dlt_expr *e;
	int rc = dlt_expr__new(&e, kind, err);
	if (rc < 0) {
		dlt_expr_free(*acc);
		dlt_expr_free(rhs);
		*acc = NULL;
		return rc;
	}
	e->op = op;
	rc = dlt_expr__push(e, *acc, err);
	*acc = NULL;
	if (rc < 0) {
		dlt_expr_free(rhs);
		dlt_expr_free(e);
		return rc;
	}
	if (rhs && (rc = dlt_expr__push(e, rhs, err)) < 0) {
		dlt_expr_free(e);
		return rc;
	}
	*acc = e;
	return DLT_OK;
}

static int parse_expr(parser *p, dlt_expr **out);
static int parse_add(parser *p, dlt_expr **out);
static int parse_unary(parser *p, dlt_expr **out);

/* ---------- literals ---------- */

/* Body of a quoted token without the quotes, with doubled quotes undone. */
static char *unquote(const parser *p, const tok *t, size_t skip, size_t *len)
{
	const char *s = p->s + t->pos + skip + 1;
	size_t n = t->len - skip - 2, k = 0;
	char q = s[-1];
	char *out = dlt_malloc(n + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		out[k++] = s[i];
		if (s[i] == q)
			i++;
	}
	out[k] = 0;
	*len = k;
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int string_literal(parser *p, dlt_expr **out)
{
	size_t len;
	char *s = unquote(p, &p->cur, 0, &len);
	int rc;
	if (!s)
		return dlt_error_set(p->err, DLT_ENOMEM, "out of memory parsing a string");
	if (!dlt_utf8_valid((const uint8_t *)s, len))
		rc = perr(p, DLT_EINVAL, p->cur.pos, "string literal is not valid utf-8");
	else
		rc = dlt_expr_literal_string(out, s, len, p->err);
	dlt_free(s);
	return rc < 0 ? rc : lex(p);
}

static int binary_literal(parser *p, dlt_expr **out)
{
	size_t len;
	char *s = unquote(p, &p->cur, 1, &len);
	int rc = DLT_OK;
	if (!s)
		return dlt_error_set(p->err, DLT_ENOMEM, "out of memory parsing a binary literal");
	if (len % 2)
		rc = perr(p, DLT_EINVAL, p->cur.pos, "binary literal needs an even number of hex digits");
	for (size_t i = 0; rc >= 0 && i < len / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			rc = perr(p, DLT_EINVAL, p->cur.pos, "binary literal: expected hex digits");
		else
			s[i] = (char)(hi * 16 + lo);
	}
	if (rc >= 0)
		rc = dlt_expr_literal_binary(out, s, len / 2, p->err);
	dlt_free(s);
	return rc < 0 ? rc : lex(p);
}

/* Numeric literal from token t, negated when neg. */
static int number_literal(parser *p, const tok *t, bool neg, size_t err_pos, dlt_expr **out)
{
	const char *s = p->s + t->pos;
	size_t n = t->len, m = 0;
	bool dot = false, exp = false;
	char body[160], suffix[8];
	size_t bl = 0;
	int rc;

	while (m < n && (isdigit((unsigned char)s[m]) || s[m] == '.' ||
	                 ((s[m] == 'e' || s[m] == 'E') && m + 1 < n &&
	                  (isdigit((unsigned char)s[m + 1]) ||
	                   ((s[m + 1] == '+' || s[m + 1] == '-') && m + 2 < n &&
	                    isdigit((unsigned char)s[m + 2])))) ||
	                 ((s[m] == '+' || s[m] == '-') && exp))) {
		if (s[m] == '.')
			dot = true;
		if (s[m] == 'e' || s[m] == 'E')
			exp = true;
		m++;
	}
	if (m + 1 > sizeof(body) - 2)
		return perr(p, DLT_EINVAL, err_pos, "numeric literal too long");
	if (n - m >= sizeof(suffix))
		return perr(p, DLT_EINVAL, err_pos, "invalid numeric literal '%.*s'", (int)DLT_MIN(n, 40), s);
	if (neg)
		body[bl++] = '-';
	memcpy(body + bl, s, m);
	bl += m;
	body[bl] = 0;
	for (size_t i = 0; i < n - m; i++)
		suffix[i] = (char)toupper((unsigned char)s[m + i]);
	suffix[n - m] = 0;

	if (strcmp(suffix, "D") == 0 || strcmp(suffix, "F") == 0 || (exp && !suffix[0])) {
		double d;
		if (dlt_parse_double(body, bl, &d) != DLT_PARSE_OK || !isfinite(d) ||
		    (suffix[0] == 'F' && !isfinite((float)d)))
			return perr(p, DLT_EINVAL, err_pos, "floating-point literal '%s' out of range", body);
		return suffix[0] == 'F' ? dlt_expr_literal_float(out, (float)d, p->err)
		                        : dlt_expr_literal_double(out, d, p->err);
	}
	if (strcmp(suffix, "BD") == 0 || (dot && !suffix[0])) {
		int prec = 0, scale = 0, sig = 0;
		bool frac = false, lead = true;
		if (exp)
			return perr(p, DLT_EINVAL, err_pos, "decimal literal '%s' must not have an exponent",
			            body);
		for (size_t i = 0; i < bl; i++) {
			if (body[i] == '.') {
				frac = true;
				continue;
			}
			if (body[i] == '-')
				continue;
			scale += frac;
			if (lead && body[i] == '0')
				continue;
			lead = false;
			sig++;
		}
		prec = DLT_MAX(DLT_MAX(sig, scale), 1);
		if (prec > 38)
			return perr(p, DLT_EINVAL, err_pos,
			            "decimal literal '%s' has more than 38 digits", body);
		rc = dlt_expr_literal_decimal(out, body, prec, scale, p->err);
		return rc < 0 ? perr(p, rc, err_pos, "invalid decimal literal '%s'", body) : rc;
	}
	if (dot || exp || (suffix[0] && strcmp(suffix, "Y") && strcmp(suffix, "S") &&
	                   strcmp(suffix, "L")))
		return perr(p, DLT_EINVAL, err_pos, "invalid numeric literal '%.*s%.*s'",
		            neg ? 1 : 0, "-", (int)DLT_MIN(n, 40), s);
	int64_t v;
	int prc = dlt_parse_int64(body, bl, &v);
	if (prc == DLT_PARSE_RANGE && !suffix[0]) {
		int sig = 0;
		for (size_t i = 0; i < bl; i++)
			sig += body[i] != '-' && (sig > 0 || body[i] != '0');
		if (sig > 38)
			return perr(p, DLT_EINVAL, err_pos,
			            "integer literal '%s' has more than 38 digits", body);
		return dlt_expr_literal_decimal(out, body, sig, 0, p->err);
	}
	if (prc != DLT_PARSE_OK)
		return perr(p, DLT_EINVAL, err_pos, "integer literal '%s%s' out of range", body, suffix);
	switch (suffix[0]) {
	case 'Y':
		if (v < INT8_MIN || v > INT8_MAX)
			return perr(p, DLT_EINVAL, err_pos, "tinyint literal '%s' out of range", body);
		return dlt_expr_literal_int8(out, (int8_t)v, p->err);
	case 'S':
		if (v < INT16_MIN || v > INT16_MAX)
			return perr(p, DLT_EINVAL, err_pos, "smallint literal '%s' out of range", body);
		return dlt_expr_literal_int16(out, (int16_t)v, p->err);
	case 'L':
		return dlt_expr_literal_int64(out, v, p->err);
	default:
		if (v >= INT32_MIN && v <= INT32_MAX)
			return dlt_expr_literal_int32(out, (int32_t)v, p->err);
		return dlt_expr_literal_int64(out, v, p->err);
	}
}

/* DATE '...', TIMESTAMP '...', TIMESTAMP_NTZ '...': cur is the keyword, next the string. */
static int typed_literal(parser *p, int kind, dlt_expr **out)
{
	size_t len, at;
	char *s;
	int rc = DLT_OK;
	if ((rc = lex(p)) < 0)
		return rc;
	at = p->cur.pos;
	if (!(s = unquote(p, &p->cur, 0, &len)))
		return dlt_error_set(p->err, DLT_ENOMEM, "out of memory parsing a literal");
	if (kind == 0) {
		int32_t days;
		if (dlt_parse_date32(s, len, &days) != DLT_PARSE_OK)
			rc = perr(p, DLT_EINVAL, at, "invalid date '%.40s': expected yyyy-mm-dd", s);
		else
			rc = dlt_expr_literal_date(out, days, p->err);
	} else {
		int64_t us;
		bool has_tz = false;
		if (dlt_parse_timestamp(s, len, 2, &us, &has_tz) != DLT_PARSE_OK)
			rc = perr(p, DLT_EINVAL, at, "invalid timestamp '%.40s': expected "
			          "yyyy-mm-dd[ hh:mm[:ss[.ffffff]]][offset]", s);
		else if (kind == 2 && has_tz)
			rc = perr(p, DLT_EINVAL, at, "timestamp_ntz '%.40s' must not have a time zone", s);
		else
			rc = dlt_expr_literal_timestamp(out, us, kind == 1, p->err);
	}
	dlt_free(s);
	return rc < 0 ? rc : lex(p);
}

/* ---------- grammar ---------- */

static int parse_column(parser *p, dlt_expr **out)
{
	dlt_expr *e;
	int rc = dlt_expr__new(&e, DLT_EK_COLUMN, p->err);
	if (rc < 0)
		return rc;
	for (;;) {
		char *name;
		size_t len;
		char **np;
		if (p->cur.t == T_IDENT) {
			name = dlt_strndup(p->s + p->cur.pos, p->cur.len);
		} else if (p->cur.t == T_QIDENT) {
			name = unquote(p, &p->cur, 0, &len);
			if (name && len == 0) {
				dlt_free(name);
				dlt_expr_free(e);
				return perr(p, DLT_EINVAL, p->cur.pos, "empty quoted identifier");
			}
		} else {
			dlt_expr_free(e);
			return expected(p, "a column name");
		}
		np = name && e->path_len < DLT_EXPR_MAX_DEPTH
		     ? dlt_realloc(e->path, (e->path_len + 1) * sizeof(char *)) : NULL;
		if (!np) {
			bool deep = name != NULL;
			dlt_free(name);
			dlt_expr_free(e);
			if (deep)
				return perr(p, DLT_ELIMIT, p->cur.pos, "column path longer than %d",
				            DLT_EXPR_MAX_DEPTH);
			return dlt_error_set(p->err, DLT_ENOMEM, "out of memory parsing a column");
		}
		e->path = np;
		e->path[e->path_len++] = name;
		if ((rc = lex(p)) < 0 || p->cur.t != T_DOT || (rc = lex(p)) < 0)
			break;
	}
	if (rc < 0) {
		dlt_expr_free(e);
		return rc;
	}
	*out = e;
	return DLT_OK;
}

static int parse_cast(parser *p, dlt_expr **out)
{
	dlt_expr *x = NULL;
	char fmt[DLT_EXPR__FMT_MAX];
	size_t start, end;
	int rc;
	if ((rc = lex(p)) < 0 || (rc = expect(p, T_LPAREN, "'('")) < 0 ||
	    (rc = parse_expr(p, &x)) < 0)
		return rc;
	if (!at_kw(p, "as")) {
		dlt_expr_free(x);
		return expected(p, "AS");
	}
	if ((rc = lex(p)) < 0)
		goto fail;
	start = p->cur.pos;
	if (p->cur.t != T_IDENT) {
		rc = expected(p, "a type name");
		goto fail;
	}
	end = p->cur.pos + p->cur.len;
	if ((rc = lex(p)) < 0)
		goto fail;
	if (p->cur.t == T_LPAREN) { /* decimal(p[, s]) */
		while (p->cur.t != T_RPAREN && p->cur.t != T_EOF)
			if ((rc = lex(p)) < 0)
				goto fail;
		end = p->cur.pos + 1;
		if ((rc = expect(p, T_RPAREN, "')'")) < 0)
			goto fail;
	}
	if ((rc = dlt_expr__type_format(fmt, sizeof(fmt), p->s + start, end - start, NULL)) < 0) {
		rc = perr(p, DLT_EINVAL, start, "unknown type '%.*s' (expected boolean, tinyint, "
		          "smallint, int, bigint, float, double, decimal(p,s), string, binary, date, "
		          "timestamp or timestamp_ntz)", (int)DLT_MIN(end - start, 40), p->s + start);
		goto fail;
	}
	if ((rc = expect(p, T_RPAREN, "')'")) < 0 || (rc = wrap(&x, DLT_EK_CAST, 0, NULL, p->err)) < 0)
		goto fail;
	memcpy(x->type, fmt, sizeof(fmt));
	*out = x;
	return DLT_OK;
fail:
	dlt_expr_free(x);
	return rc;
}

static int primary_inner(parser *p, dlt_expr **out)
{
	tok next;
	int rc;
	*out = NULL;
	switch (p->cur.t) {
	case T_NUMBER:
		if ((rc = number_literal(p, &p->cur, false, p->cur.pos, out)) < 0)
			return rc;
		return lex(p);
	case T_STRING:
		return string_literal(p, out);
	case T_BINARY:
		return binary_literal(p, out);
	case T_QIDENT:
		return parse_column(p, out);
	case T_LPAREN:
		if ((rc = lex(p)) < 0 || (rc = parse_expr(p, out)) < 0)
			return rc;
		if ((rc = expect(p, T_RPAREN, "')'")) < 0) {
			dlt_expr_free(*out);
			*out = NULL;
		}
		return rc;
	case T_IDENT:
		if (at_kw(p, "true") || at_kw(p, "false")) {
			if ((rc = dlt_expr_literal_bool(out, at_kw(p, "true"), p->err)) < 0)
				return rc;
			return lex(p);
		}
		if (at_kw(p, "null")) {
			if ((rc = dlt_expr_literal_null(out, p->err)) < 0)
				return rc;
			return lex(p);
		}
		peek(p, &next);
		if (next.t == T_STRING) {
			if (at_kw(p, "date"))
				return typed_literal(p, 0, out);
			if (at_kw(p, "timestamp"))
				return typed_literal(p, 1, out);
			if (at_kw(p, "timestamp_ntz"))
				return typed_literal(p, 2, out);
		}
		if (at_kw(p, "cast") && next.t == T_LPAREN)
			return parse_cast(p, out);
		{
			static const char *const reserved[] = { "and", "or", "not", "in", "is",
			                                        "between", "like", "escape", "as" };
			for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
				if (at_kw(p, reserved[i]))
					return expected(p, "an expression");
		}
		return parse_column(p, out);
	default:
		return expected(p, "an expression");
	}
}

/* A literal is made before the token after it is read: free it if that fails. */
static int parse_primary(parser *p, dlt_expr **out)
{
	int rc = primary_inner(p, out);
	if (rc < 0) {
		dlt_expr_free(*out);
		*out = NULL;
	}
	return rc;
}

static int parse_unary(parser *p, dlt_expr **out)
{
	int rc;
	*out = NULL;
	if (p->cur.t == T_OP && (p->cur.op == OP_MINUS || p->cur.op == OP_PLUS)) {
		bool minus = p->cur.op == OP_MINUS;
		size_t at = p->cur.pos;
		if ((rc = lex(p)) < 0)
			return rc;
		if (p->cur.t == T_NUMBER) { /* signed literal: -128Y, -9223372036854775808 */
			if ((rc = number_literal(p, &p->cur, minus, minus ? at : p->cur.pos, out)) < 0 ||
			    (rc = lex(p)) < 0) {
				dlt_expr_free(*out);
				*out = NULL;
			}
			return rc;
		}
		if ((rc = depth_in(p)) < 0)
			return rc;
		rc = parse_unary(p, out);
		p->depth--;
		if (rc < 0 || !minus)
			return rc;
		return wrap(out, DLT_EK_NEG, 0, NULL, p->err);
	}
	return parse_primary(p, out);
}

static int parse_mul(parser *p, dlt_expr **out)
{
	int rc = parse_unary(p, out);
	while (rc >= 0 && p->cur.t == T_OP &&
	       (p->cur.op == OP_STAR || p->cur.op == OP_SLASH || p->cur.op == OP_PCT)) {
		int op = p->cur.op == OP_STAR ? DLT_ARITH_MUL : p->cur.op == OP_SLASH ? DLT_ARITH_DIV
		                                                                     : DLT_ARITH_MOD;
		dlt_expr *r = NULL;
		if ((rc = lex(p)) < 0 || (rc = parse_unary(p, &r)) < 0)
			break;
		rc = wrap(out, DLT_EK_ARITH, op, r, p->err);
	}
	if (rc < 0) {
		dlt_expr_free(*out);
		*out = NULL;
	}
	return rc;
}

static int parse_add(parser *p, dlt_expr **out)
{
	int rc = parse_mul(p, out);
	while (rc >= 0 && p->cur.t == T_OP && (p->cur.op == OP_PLUS || p->cur.op == OP_MINUS)) {
		int op = p->cur.op == OP_PLUS ? DLT_ARITH_ADD : DLT_ARITH_SUB;
		dlt_expr *r = NULL;
		if ((rc = lex(p)) < 0 || (rc = parse_mul(p, &r)) < 0)
			break;
		rc = wrap(out, DLT_EK_ARITH, op, r, p->err);
	}
	if (rc < 0) {
		dlt_expr_free(*out);
		*out = NULL;
	}
	return rc;
}

/* Suffix forms after `x`: [NOT] IN / BETWEEN / LIKE. cur is IN/BETWEEN/LIKE. */
static int parse_suffix(parser *p, dlt_expr **x, bool neg)
{
	dlt_expr *a = NULL, *b = NULL;
	int rc;
	if (at_kw(p, "in")) {
		if ((rc = lex(p)) < 0 || (rc = expect(p, T_LPAREN, "'('")) < 0 ||
		    (rc = wrap(x, DLT_EK_IN, 0, NULL, p->err)) < 0)
			return rc;
		for (;;) {
			if ((rc = parse_expr(p, &a)) < 0 || (rc = dlt_expr__push(*x, a, p->err)) < 0)
				return rc;
			if (p->cur.t != T_COMMA)
				break;
			if ((rc = lex(p)) < 0)
				return rc;
		}
		if ((rc = expect(p, T_RPAREN, "',' or ')'")) < 0)
			return rc;
	} else if (at_kw(p, "between")) {
		if ((rc = lex(p)) < 0 || (rc = parse_add(p, &a)) < 0)
			return rc;
		if (!at_kw(p, "and")) {
			dlt_expr_free(a);
			return expected(p, "AND");
		}
		if ((rc = lex(p)) < 0 || (rc = parse_add(p, &b)) < 0) {
			dlt_expr_free(a);
			return rc;
		}
		if ((rc = wrap(x, DLT_EK_BETWEEN, 0, a, p->err)) < 0) {
			dlt_expr_free(b);
			return rc;
		}
		if ((rc = dlt_expr__push(*x, b, p->err)) < 0)
			return rc;
	} else {
		if ((rc = lex(p)) < 0 || (rc = parse_add(p, &a)) < 0 ||
		    (rc = wrap(x, DLT_EK_LIKE, 0, a, p->err)) < 0)
			return rc;
		if (at_kw(p, "escape")) {
			size_t len;
			char *s;
			if ((rc = lex(p)) < 0)
				return rc;
			if (p->cur.t != T_STRING)
				return expected(p, "an escape character string");
			if (!(s = unquote(p, &p->cur, 0, &len)))
				return dlt_error_set(p->err, DLT_ENOMEM, "out of memory");
			if (len != 1 || (unsigned char)s[0] >= 0x80) {
				dlt_free(s);
				return perr(p, DLT_EINVAL, p->cur.pos,
				            "escape must be a single ascii character");
			}
			(*x)->escape = (unsigned char)s[0];
			dlt_free(s);
			if ((rc = lex(p)) < 0)
				return rc;
		}
	}
	(*x)->negated = neg;
	return DLT_OK;
}

static int parse_pred(parser *p, dlt_expr **out)
{
	static const int cmp_of[] = { DLT_CMP_EQ, DLT_CMP_NE, DLT_CMP_LT, DLT_CMP_LE,
	                              DLT_CMP_GT, DLT_CMP_GE };
	int rc = parse_add(p, out);
	while (rc >= 0) {
		tok next;
		if (p->cur.t == T_OP && p->cur.op <= OP_GE) {
			int op = cmp_of[p->cur.op];
			dlt_expr *r = NULL;
			if ((rc = lex(p)) < 0 || (rc = parse_add(p, &r)) < 0)
				break;
			rc = wrap(out, DLT_EK_CMP, op, r, p->err);
		} else if (at_kw(p, "is")) {
			bool neg = false;
			if ((rc = lex(p)) < 0)
				break;
			if (at_kw(p, "not")) {
				neg = true;
				if ((rc = lex(p)) < 0)
					break;
			}
			if (!at_kw(p, "null")) {
				rc = expected(p, "NULL");
				break;
			}
			if ((rc = lex(p)) < 0 || (rc = wrap(out, DLT_EK_IS_NULL, 0, NULL, p->err)) < 0)
				break;
			(*out)->negated = neg;
		} else if (at_kw(p, "in") || at_kw(p, "between") || at_kw(p, "like")) {
			rc = parse_suffix(p, out, false);
		} else if (at_kw(p, "not") && (peek(p, &next), is_kw(p, &next, "in") ||
		                               is_kw(p, &next, "between") || is_kw(p, &next, "like"))) {
			if ((rc = lex(p)) < 0)
				break;
			rc = parse_suffix(p, out, true);
		} else {
			break;
		}
	}
	if (rc < 0) {
		dlt_expr_free(*out);
		*out = NULL;
	}
	return rc;
}

static int parse_not(parser *p, dlt_expr **out)
{
	int rc;
	if (!at_kw(p, "not"))
		return parse_pred(p, out);
	if ((rc = lex(p)) < 0 || (rc = depth_in(p)) < 0)
		return rc;
	rc = parse_not(p, out);
	p->depth--;
	if (rc < 0)
		return rc;
	return wrap(out, DLT_EK_NOT, 0, NULL, p->err);
}

/* One flat node for a chain a AND b AND c (or OR). */
static int parse_chain(parser *p, dlt_expr **out, const char *kw, dlt_expr__kind kind,
                       int (*sub)(parser *, dlt_expr **))
{
	dlt_expr *r = NULL;
	int rc = sub(p, out);
	if (rc < 0 || !at_kw(p, kw))
		return rc;
	if ((rc = wrap(out, kind, 0, NULL, p->err)) < 0)
		return rc;
	while (at_kw(p, kw)) {
		if ((rc = lex(p)) < 0 || (rc = sub(p, &r)) < 0 ||
		    (rc = dlt_expr__push(*out, r, p->err)) < 0) {
			dlt_expr_free(*out);
			*out = NULL;
			return rc;
		}
	}
	return DLT_OK;
}

static int parse_and(parser *p, dlt_expr **out)
{
	return parse_chain(p, out, "and", DLT_EK_AND, parse_not);
}

static int parse_expr(parser *p, dlt_expr **out)
{
	int rc;
	*out = NULL;
	if ((rc = depth_in(p)) < 0)
		return rc;
	rc = parse_chain(p, out, "or", DLT_EK_OR, parse_and);
	p->depth--;
	return rc;
}

DLT_API int dlt_expr_parse(dlt_expr **out, const char *sql, dlt_error *err)
{
	parser p;
	dlt_expr *e = NULL;
	int rc;
	DLT_ARG_CHECK(out != NULL && sql != NULL, err);
	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.s = sql;
	p.n = strnlen(sql, (size_t)DLT_EXPR_MAX_TEXT + 1);
	p.err = err;
	if (p.n > DLT_EXPR_MAX_TEXT)
		return dlt_error_set(err, DLT_ELIMIT, "expression text longer than %u bytes",
		                     DLT_EXPR_MAX_TEXT);
	if ((rc = lex(&p)) < 0 || (rc = parse_expr(&p, &e)) < 0)
		return rc;
	if (p.cur.t != T_EOF) {
		dlt_expr_free(e);
		return expected(&p, "end of input");
	}
	*out = e;
	return DLT_OK;
}
