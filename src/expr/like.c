/* SQL LIKE: % matches any sequence, _ one UTF-8 character, the escape
 * character makes the next %, _ or escape literal (anything else after it is
 * an error, as in Spark). Matching is the greedy glob algorithm with one
 * backtrack point, linear in practice and O(n*m) at worst. */
#include "expr/expr.h"

#define TOK_ONE 256
#define TOK_ANY 257

int dlt_expr__like_compile(dlt_like_pattern *out, const char *pat, size_t n, int escape,
                           dlt_error *err)
{
	size_t k = 0;
	out->tok = NULL;
	out->n = 0;
	if (!(out->tok = dlt_calloc(n + 1, sizeof(int))))
		return dlt_error_set(err, DLT_ENOMEM, "out of memory compiling a like pattern");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)pat[i];
		if (escape >= 0 && c == (unsigned char)escape) {
			unsigned char d;
			if (i + 1 >= n) {
				dlt_expr__like_dispose(out);
				return dlt_error_set(err, DLT_EINVAL, "like pattern '%.*s' ends with the "
				                     "escape character", (int)DLT_MIN(n, 64), pat);
			}
			d = (unsigned char)pat[++i];
			if (d != '%' && d != '_' && d != (unsigned char)escape) {
				dlt_expr__like_dispose(out);
				return dlt_error_set(err, DLT_EINVAL, "like pattern '%.*s': the escape "
				                     "character must be followed by %%, _ or itself (offset %zu)",
				                     (int)DLT_MIN(n, 64), pat, i);
			}
			out->tok[k++] = d;
		} else if (c == '%') {
			if (k == 0 || out->tok[k - 1] != TOK_ANY)
				out->tok[k++] = TOK_ANY;
		} else if (c == '_') {
			out->tok[k++] = TOK_ONE;
		} else {
			out->tok[k++] = c;
		}
	}
	out->n = k;
	return DLT_OK;
}

void dlt_expr__like_dispose(dlt_like_pattern *p)
{
	dlt_free(p->tok);
	p->tok = NULL;
	p->n = 0;
}

/* Bytes of the UTF-8 character starting at s[i] (1 for invalid lead bytes). */
static size_t char_len(const uint8_t *s, size_t i, size_t n)
{
	uint8_t c = s[i];
	size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	return DLT_MIN(len, n - i);
}

bool dlt_expr__like_match(const dlt_like_pattern *p, const uint8_t *s, size_t n)
{
	size_t pi = 0, si = 0, star_pi = SIZE_MAX, star_si = 0;
	while (si < n) {
		if (pi < p->n && p->tok[pi] < 256 && s[si] == (uint8_t)p->tok[pi]) {
			pi++;
			si++;
		} else if (pi < p->n && p->tok[pi] == TOK_ONE) {
			si += char_len(s, si, n);
			pi++;
		} else if (pi < p->n && p->tok[pi] == TOK_ANY) {
			star_pi = pi++;
			star_si = si;
		} else if (star_pi != SIZE_MAX) {
			pi = star_pi + 1;
			star_si += char_len(s, star_si, n);
			si = star_si;
		} else {
			return false;
		}
	}
	while (pi < p->n && p->tok[pi] == TOK_ANY)
		pi++;
	return pi == p->n;
}
