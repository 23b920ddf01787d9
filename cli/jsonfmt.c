/*
 * JSON for humans: the library describes Parquet footers as JSON (for
 * machines, --json); without --json the tool renders the same JSON as
 * indented "key: value" lines. A small tree parser, depth-capped.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

enum { JN_NULL, JN_BOOL, JN_NUM, JN_STR, JN_ARR, JN_OBJ };

typedef struct jnode {
	int type;
	char *key;            /* member name inside an object */
	char *text;           /* scalar text (strings decoded) */
	struct jnode **kids;
	size_t n, cap;
} jnode;

typedef struct jparser {
	const char *s;
	int depth;
} jparser;

static void jfree(jnode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		jfree(n->kids[i]);
	free(n->kids);
	free(n->key);
	free(n->text);
	free(n);
}

static void skip_ws(jparser *p)
{
	while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')
		p->s++;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9') return ch - '0';
	if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
	return -1;
}

/* Decode a string literal at p->s (on the opening quote) into a new buffer. */
static char *parse_string(jparser *p)
{
	const char *s = p->s + 1;
	size_t cap = 16, len = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	while (*s && *s != '"') {
		unsigned cp;
		char enc[4];
		size_t k = 0;

		if ((unsigned char)*s < 0x20)
			goto bad;
		if (*s != '\\') {
			enc[k++] = *s++;
		} else {
			s++;
			switch (*s) {
			case '"': case '\\': case '/': enc[k++] = *s; break;
			case 'b': enc[k++] = '\b'; break;
			case 'f': enc[k++] = '\f'; break;
			case 'n': enc[k++] = '\n'; break;
			case 'r': enc[k++] = '\r'; break;
			case 't': enc[k++] = '\t'; break;
			case 'u':
				cp = 0;
				for (int i = 1; i <= 4; i++) {
					int h = hexval(s[i]);
					if (h < 0)
						goto bad;
					cp = cp * 16 + (unsigned)h;
				}
				s += 4;
				/* Surrogates are shown as U+FFFD: this is for display only. */
				if (cp >= 0xd800 && cp <= 0xdfff)
					cp = 0xfffd;
				if (cp < 0x80) {
					enc[k++] = (char)cp;
				} else if (cp < 0x800) {
					enc[k++] = (char)(0xc0 | (cp >> 6));
					enc[k++] = (char)(0x80 | (cp & 0x3f));
				} else {
					enc[k++] = (char)(0xe0 | (cp >> 12));
					enc[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
					enc[k++] = (char)(0x80 | (cp & 0x3f));
				}
				break;
			default:
				goto bad;
			}
			s++;
		}
		if (len + k + 1 > cap) {
			char *g;
			cap *= 2;
			if (!(g = realloc(out, cap)))
				goto bad;
			out = g;
		}
		memcpy(out + len, enc, k);
		len += k;
	}
	if (*s != '"')
		goto bad;
	out[len] = '\0';
	p->s = s + 1;
	return out;
bad:
	free(out);
	return NULL;
}

static int add_kid(jnode *n, jnode *kid)
{
	if (n->n == n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 8;
		jnode **g = realloc(n->kids, cap * sizeof(*g));
		if (!g)
			return -1;
		n->kids = g;
		n->cap = cap;
	}
	n->kids[n->n++] = kid;
	return 0;
}

static jnode *parse_value(jparser *p)
{
	jnode *n;

	skip_ws(p);
	if (++p->depth > 64)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	if (*p->s == '{' || *p->s == '[') {
		char close = *p->s == '{' ? '}' : ']';
		n->type = close == '}' ? JN_OBJ : JN_ARR;
		p->s++;
		skip_ws(p);
		if (*p->s == close) {
			p->s++;
			goto done;
		}
		for (;;) {
			char *key = NULL;
			jnode *kid;

			skip_ws(p);
			if (n->type == JN_OBJ) {
				if (*p->s != '"' || !(key = parse_string(p)))
					goto bad;
				skip_ws(p);
				if (*p->s != ':') {
					free(key);
					goto bad;
				}
				p->s++;
			}
			kid = parse_value(p);
			if (!kid) {
				free(key);
				goto bad;
			}
			kid->key = key;
			if (add_kid(n, kid) < 0) {
				jfree(kid);
				goto bad;
			}
			skip_ws(p);
			if (*p->s == ',') {
				p->s++;
				continue;
			}
			if (*p->s != close)
				goto bad;
			p->s++;
			break;
		}
	} else if (*p->s == '"') {
		n->type = JN_STR;
		if (!(n->text = parse_string(p)))
			goto bad;
	} else {
		const char *start = p->s;
		size_t len;

		while (*p->s && strchr("+-.0123456789eEtruefalsn", *p->s))
			p->s++;
		len = (size_t)(p->s - start);
		if (len == 0)
			goto bad;
		if ((len == 4 && memcmp(start, "null", 4) == 0))
			n->type = JN_NULL;
		else if ((len == 4 && memcmp(start, "true", 4) == 0) ||
		         (len == 5 && memcmp(start, "false", 5) == 0))
			n->type = JN_BOOL;
		else if (strchr("-0123456789", *start))
			n->type = JN_NUM;
		else
			goto bad;
		if (!(n->text = malloc(len + 1)))
			goto bad;
		memcpy(n->text, start, len);
		n->text[len] = '\0';
	}
done:
	p->depth--;
	return n;
bad:
	jfree(n);
	return NULL;
}

static int is_scalar(const jnode *n)
{
	return n->type != JN_ARR && n->type != JN_OBJ;
}

static void print_scalar(FILE *out, const jnode *n)
{
	if (n->type == JN_STR && n->text[0] == '\0')
		fputs("\"\"", out);
	else
		fputs(n->text, out);
}

static void render(FILE *out, const jnode *n, int indent);

/* A member or element line: "key: scalar", "key: [a, b]", or "key:" + block. */
static void render_item(FILE *out, const char *label, const jnode *v, int indent)
{
	fprintf(out, "%*s%s:", indent, "", label);
	if (is_scalar(v)) {
		fputc(' ', out);
		print_scalar(out, v);
		fputc('\n', out);
		return;
	}
	if (v->n == 0) {
		fputs(v->type == JN_ARR ? " []\n" : " {}\n", out);
		return;
	}
	if (v->type == JN_ARR) {
		int flat = 1;
		for (size_t i = 0; i < v->n; i++)
			flat &= is_scalar(v->kids[i]);
		if (flat) {
			fputs(" [", out);
			for (size_t i = 0; i < v->n; i++) {
				if (i)
					fputs(", ", out);
				print_scalar(out, v->kids[i]);
			}
			fputs("]\n", out);
			return;
		}
	}
	fputc('\n', out);
	render(out, v, indent + 2);
}

static void render(FILE *out, const jnode *n, int indent)
{
	char label[32];

	if (is_scalar(n)) {
		fprintf(out, "%*s", indent, "");
		print_scalar(out, n);
		fputc('\n', out);
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		if (n->type == JN_OBJ) {
			render_item(out, n->kids[i]->key, n->kids[i], indent);
		} else {
			snprintf(label, sizeof(label), "[%zu]", i);
			render_item(out, label, n->kids[i], indent);
		}
	}
}

int cli_json_render(FILE *out, const char *json)
{
	jparser p = { json, 0 };
	jnode *root = parse_value(&p);

	if (!root)
		return -1;
	skip_ws(&p);
	if (*p.s != '\0') {
		jfree(root);
		return -1;
	}
	render(out, root, 0);
	jfree(root);
	return 0;
}

int cli_json_valid(const char *json)
{
	jparser p = { json, 0 };
	jnode *root = parse_value(&p);
	int ok;

	if (!root)
		return 0;
	skip_ws(&p);
	ok = *p.s == '\0';
	jfree(root);
	return ok;
}

void cli_json_string(FILE *out, const char *s)
{
	cli_json_stringn(out, s, strlen(s));
}

void cli_json_stringn(FILE *out, const char *s, size_t n)
{
	fputc('"', out);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", out);
		else if (ch == '\t')
			fputs("\\t", out);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}
