#include "helpers.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct sb {
	char *p;
	size_t n, cap;
} sb;

static void sb_add(sb *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t nc = (b->cap ? b->cap * 2 : 256);
		while (nc < b->n + n + 1)
			nc *= 2;
		b->p = realloc(b->p, nc);
		b->cap = nc;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
}
static void sb_str(sb *b, const char *s) { sb_add(b, s, strlen(s)); }
static void sb_fmt(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_fmt(sb *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	sb_add(b, tmp, (size_t)n);
}

void th_lines_free(th_lines *l)
{
	size_t i;
	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void th_lines_push(th_lines *l, char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof(char *));
	}
	l->v[l->n++] = s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}
void th_lines_sort(th_lines *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(char *), cmp_str);
}

int th_read_lines(th_lines *out, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	if (f == NULL)
		return -1;
	while ((n = getline(&line, &cap, f)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		if (n == 0)
			continue;
		th_lines_push(out, strdup(line));
	}
	free(line);
	fclose(f);
	return 0;
}

/* ------------------------------------------------------------ values -- */

static int bit(const void *bm, int64_t i) { return (((const uint8_t *)bm)[i >> 3] >> (i & 7)) & 1; }

static int is_null(const struct ArrowArray *a, int64_t i)
{
	if (a->n_buffers == 0)
		return 1;
	return a->buffers[0] != NULL && !bit(a->buffers[0], a->offset + i);
}

static void json_string(sb *b, const uint8_t *s, size_t n)
{
	size_t i;
	sb_add(b, "\"", 1);
	for (i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (c == '"')
			sb_str(b, "\\\"");
		else if (c == '\\')
			sb_str(b, "\\\\");
		else if (c == '\n')
			sb_str(b, "\\n");
		else if (c == '\r')
			sb_str(b, "\\r");
		else if (c == '\t')
			sb_str(b, "\\t");
		else if (c == '\b')
			sb_str(b, "\\b");
		else if (c == '\f')
			sb_str(b, "\\f");
		else if (c < 0x20)
			sb_fmt(b, "\\u%04x", c);
		else
			sb_add(b, (const char *)&c, 1);
	}
	sb_add(b, "\"", 1);
}

/* Shortest round-trip digits, then JavaScript Number#toString layout. */
static void js_number(sb *b, double v, int is_float)
{
	char buf[64], digits[40];
	int p, exp10 = 0, k = 0, n;
	const char *q;
	if (isnan(v)) {
		sb_str(b, "\"NaN\"");
		return;
	}
	if (isinf(v)) {
		sb_str(b, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
		return;
	}
	if (v == 0) {
		sb_str(b, signbit(v) ? "-0.0" : "0");
		return;
	}
	for (p = 0; p < 17; p++) {
		snprintf(buf, sizeof(buf), "%.*e", p, v);
		if (is_float ? (strtof(buf, NULL) == (float)v) : (strtod(buf, NULL) == v))
			break;
	}
	q = buf;
	if (*q == '-') {
		sb_add(b, "-", 1);
		q++;
	}
	for (; *q && *q != 'e'; q++)
		if (isdigit((unsigned char)*q))
			digits[k++] = *q;
	while (k > 1 && digits[k - 1] == '0')
		k--;
	digits[k] = 0;
	exp10 = atoi(q + 1);
	n = exp10 + 1;
	if (k <= n && n <= 21) {
		sb_add(b, digits, (size_t)k);
		for (p = 0; p < n - k; p++)
			sb_add(b, "0", 1);
	} else if (0 < n && n <= 21) {
		sb_add(b, digits, (size_t)n);
		sb_add(b, ".", 1);
		sb_add(b, digits + n, (size_t)(k - n));
	} else if (-6 < n && n <= 0) {
		sb_str(b, "0.");
		for (p = 0; p < -n; p++)
			sb_add(b, "0", 1);
		sb_add(b, digits, (size_t)k);
	} else {
		sb_add(b, digits, 1);
		if (k > 1) {
			sb_add(b, ".", 1);
			sb_add(b, digits + 1, (size_t)(k - 1));
		}
		sb_fmt(b, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
	}
}

static void civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yoe, doy, mp, doe;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	*y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y += *m <= 2;
}

static void date_text(sb *b, int64_t days)
{
	int64_t y;
	unsigned m, d;
	civil(days, &y, &m, &d);
	sb_fmt(b, "%04lld-%02u-%02u", (long long)y, m, d);
}

static void decimal_text(sb *b, const uint8_t *p, int scale)
{
	__extension__ typedef __int128 i128;
	__extension__ typedef unsigned __int128 u128;
	i128 v;
	u128 u;
	char digits[64];
	int k = 0, i;
	memcpy(&v, p, 16);
	sb_add(b, "\"", 1);
	if (v < 0) {
		sb_add(b, "-", 1);
		u = (u128)0 - (u128)v;
	} else {
		u = (u128)v;
	}
	do {
		digits[k++] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u != 0);
	while (k <= scale)
		digits[k++] = '0';
	for (i = k - 1; i >= 0; i--) {
		sb_add(b, &digits[i], 1);
		if (i == scale && scale > 0)
			sb_add(b, ".", 1);
	}
	sb_add(b, "\"", 1);
}

static int has_variant_meta(const struct ArrowSchema *s)
{
	/* metadata blob: int32 count, then (int32 len, bytes) pairs */
	const char *m = s->metadata;
	int32_t n, i, len;
	if (m == NULL)
		return 0;
	memcpy(&n, m, 4);
	m += 4;
	for (i = 0; i < n; i++) {
		int32_t vl;
		memcpy(&len, m, 4);
		m += 4;
		int is_key = len == 10 && memcmp(m, "delta.type", 10) == 0;
		m += len;
		memcpy(&vl, m, 4);
		m += 4;
		if (is_key && vl == 7 && memcmp(m, "variant", 7) == 0)
			return 1;
		m += vl;
	}
	return 0;
}

static void value(sb *b, const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i);

static void struct_value(sb *b, const struct ArrowSchema *s, const struct ArrowArray *a,
                         int64_t i)
{
	int64_t c;
	int first = 1;
	sb_add(b, "{", 1);
	if (has_variant_meta(s) && s->n_children == 2) {
		/* the oracle shows DuckDB's view: value first, then metadata */
		int64_t order[2] = { strcmp(s->children[0]->name, "value") == 0 ? 0 : 1, 0 };
		order[1] = 1 - order[0];
		for (c = 0; c < 2; c++) {
			if (c)
				sb_add(b, ",", 1);
			json_string(b, (const uint8_t *)s->children[order[c]]->name,
			            strlen(s->children[order[c]]->name));
			sb_add(b, ":", 1);
			value(b, s->children[order[c]], a->children[order[c]], a->offset + i);
		}
		sb_add(b, "}", 1);
		return;
	}
	for (c = 0; c < s->n_children; c++) {
		if (!first)
			sb_add(b, ",", 1);
		first = 0;
		json_string(b, (const uint8_t *)s->children[c]->name, strlen(s->children[c]->name));
		sb_add(b, ":", 1);
		value(b, s->children[c], a->children[c], a->offset + i);
	}
	sb_add(b, "}", 1);
}

static void value(sb *b, const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i)
{
	const char *f = s->format;
	int64_t j = a->offset + i;
	if (is_null(a, i)) {
		sb_str(b, "null");
		return;
	}
	if (strcmp(f, "b") == 0) {
		sb_str(b, bit(a->buffers[1], j) ? "true" : "false");
	} else if (strcmp(f, "c") == 0) {
		sb_fmt(b, "%d", ((const int8_t *)a->buffers[1])[j]);
	} else if (strcmp(f, "s") == 0) {
		sb_fmt(b, "%d", ((const int16_t *)a->buffers[1])[j]);
	} else if (strcmp(f, "i") == 0) {
		sb_fmt(b, "%d", ((const int32_t *)a->buffers[1])[j]);
	} else if (strcmp(f, "l") == 0) {
		sb_fmt(b, "%lld", (long long)((const int64_t *)a->buffers[1])[j]);
	} else if (strcmp(f, "f") == 0) {
		js_number(b, ((const float *)a->buffers[1])[j], 1);
	} else if (strcmp(f, "g") == 0) {
		js_number(b, ((const double *)a->buffers[1])[j], 0);
	} else if (strncmp(f, "d:", 2) == 0) {
		const char *comma = strchr(f, ',');
		decimal_text(b, (const uint8_t *)a->buffers[1] + 16 * j, comma ? atoi(comma + 1) : 0);
	} else if (strcmp(f, "u") == 0 || strcmp(f, "z") == 0) {
		const int32_t *o = a->buffers[1];
		const uint8_t *d = a->buffers[2];
		if (f[0] == 'u') {
			json_string(b, d + o[j], (size_t)(o[j + 1] - o[j]));
		} else {
			int32_t k;
			sb_add(b, "\"", 1);
			for (k = o[j]; k < o[j + 1]; k++)
				sb_fmt(b, "%02x", d[k]);
			sb_add(b, "\"", 1);
		}
	} else if (strcmp(f, "tdD") == 0) {
		sb_add(b, "\"", 1);
		date_text(b, ((const int32_t *)a->buffers[1])[j]);
		sb_add(b, "\"", 1);
	} else if (strncmp(f, "tsu:", 4) == 0) {
		int64_t us = ((const int64_t *)a->buffers[1])[j];
		int64_t days = us >= 0 ? us / 86400000000LL : -((-us + 86399999999LL) / 86400000000LL);
		int64_t rem = us - days * 86400000000LL;
		sb_add(b, "\"", 1);
		date_text(b, days);
		sb_fmt(b, "T%02lld:%02lld:%02lld.%06lld%s", (long long)(rem / 3600000000LL),
		       (long long)(rem / 60000000LL % 60), (long long)(rem / 1000000LL % 60),
		       (long long)(rem % 1000000LL), f[4] ? "Z" : "");
		sb_add(b, "\"", 1);
	} else if (strcmp(f, "+s") == 0) {
		struct_value(b, s, a, i);
	} else if (strcmp(f, "+l") == 0 || strcmp(f, "+m") == 0) {
		const int32_t *o = a->buffers[1];
		int32_t k;
		int is_map = f[1] == 'm';
		sb_add(b, "[", 1);
		for (k = o[j]; k < o[j + 1]; k++) {
			if (k > o[j])
				sb_add(b, ",", 1);
			if (is_map) {
				const struct ArrowSchema *es = s->children[0];
				const struct ArrowArray *ea = a->children[0];
				sb_str(b, "{\"key\":");
				value(b, es->children[0], ea->children[0], ea->offset + k);
				sb_str(b, ",\"value\":");
				value(b, es->children[1], ea->children[1], ea->offset + k);
				sb_add(b, "}", 1);
			} else {
				value(b, s->children[0], a->children[0], k);
			}
		}
		sb_add(b, "]", 1);
	} else if (strcmp(f, "n") == 0) {
		sb_str(b, "null");
	} else {
		sb_fmt(b, "\"<unsupported %s>\"", f);
	}
}

void th_render_batch(th_lines *out, const struct ArrowSchema *schema,
                     const struct ArrowArray *batch)
{
	int64_t r;
	for (r = 0; r < batch->length; r++) {
		sb b = { NULL, 0, 0 };
		struct_value(&b, schema, batch, r);
		th_lines_push(out, b.p);
	}
}

int th_render_stream(th_lines *out, struct ArrowArrayStream *s, char *errbuf, size_t cap)
{
	struct ArrowSchema sch;
	int rc;
	errbuf[0] = 0;
	if ((rc = s->get_schema(s, &sch)) != 0) {
		snprintf(errbuf, cap, "%s", s->get_last_error(s) ? s->get_last_error(s) : "?");
		return rc;
	}
	for (;;) {
		struct ArrowArray a;
		if ((rc = s->get_next(s, &a)) != 0) {
			snprintf(errbuf, cap, "%s", s->get_last_error(s) ? s->get_last_error(s) : "?");
			break;
		}
		if (a.release == NULL)
			break;
		th_render_batch(out, &sch, &a);
		a.release(&a);
	}
	sch.release(&sch);
	return rc;
}

/* ------------------------------------------------------------ tables -- */

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

char *th_table_root(const char *dir)
{
	char buf[4096], cmd[32768];
	const char *name = strrchr(dir, '/');
	name = name ? name + 1 : dir;
	snprintf(buf, sizeof(buf), "%s/_delta_log", dir);
	if (is_dir(buf))
		return strdup(dir);
	snprintf(buf, sizeof(buf), "%s/%s.tar.zst", dir, name);
	if (access(buf, R_OK) != 0)
		return NULL;
	snprintf(cmd, sizeof(cmd), "%s/scan_unpacked/%s", DLT_TEST_TMPDIR, name);
	if (!is_dir(cmd)) {
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s/scan_unpacked/%s", DLT_TEST_TMPDIR, name);
		snprintf(cmd, sizeof(cmd), "mkdir -p '%s.part' && tar --zstd -xf '%s' -C '%s.part' && mv '%s.part' '%s'",
		         tmp, buf, tmp, tmp, tmp);
		if (system(cmd) != 0)
			return NULL;
	}
	snprintf(cmd, sizeof(cmd), "%s/scan_unpacked/%s/%s", DLT_TEST_TMPDIR, name, name);
	return strdup(cmd);
}

char *th_copy_table(const char *src, const char *name)
{
	char dst[4096], cmd[9000];
	snprintf(dst, sizeof(dst), "%s/scan_copy_%s_%d", DLT_TEST_TMPDIR, name, (int)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && cp -r '%s' '%s'", dst, src, dst);
	if (system(cmd) != 0)
		return NULL;
	return strdup(dst);
}
