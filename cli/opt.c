/* Option parser of the deltalite tool: see opt.h. */
#include "opt.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void opt_init(opt_parser *p, const opt_def *defs, int argc, char **argv, int first)
{
	memset(p, 0, sizeof(*p));
	p->defs = defs;
	p->argc = argc;
	p->argv = argv;
	p->index = first;
}

static const opt_def *find_long(const opt_def *defs, const char *name, size_t len)
{
	for (; defs->name; defs++)
		if (strlen(defs->name) == len && memcmp(defs->name, name, len) == 0)
			return defs;
	return NULL;
}

static const opt_def *find_short(const opt_def *defs, char c)
{
	for (; defs->name; defs++)
		if (defs->short_name != 0 && defs->short_name == c)
			return defs;
	return NULL;
}

static int parse_short(opt_parser *p, const char **value)
{
	char c = *p->shorts++;
	const opt_def *d = find_short(p->defs, c);

	if (!d) {
		snprintf(p->error, sizeof(p->error), "unknown option '-%c'", c);
		return OPT_ERROR;
	}
	if (!d->has_arg) {
		if (*p->shorts == '\0')
			p->shorts = NULL;
		return d->id;
	}
	if (*p->shorts != '\0') { /* -n10 */
		*value = p->shorts;
		p->shorts = NULL;
		return d->id;
	}
	p->shorts = NULL;
	if (p->index >= p->argc) {
		snprintf(p->error, sizeof(p->error), "option '-%c' needs a value", c);
		return OPT_ERROR;
	}
	*value = p->argv[p->index++];
	return d->id;
}

int opt_next(opt_parser *p, const char **value)
{
	const char *a;

	*value = NULL;
	if (p->shorts)
		return parse_short(p, value);
	if (p->index >= p->argc)
		return OPT_END;
	a = p->argv[p->index++];
	if (p->only_args || a[0] != '-' || a[1] == '\0') { /* "-" is stdin/stdout */
		*value = a;
		return OPT_ARG;
	}
	if (a[1] == '-') {
		const char *name = a + 2, *eq;
		const opt_def *d;
		size_t len;

		if (*name == '\0') { /* "--": the rest are arguments */
			p->only_args = 1;
			return opt_next(p, value);
		}
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		d = find_long(p->defs, name, len);
		if (!d) {
			snprintf(p->error, sizeof(p->error), "unknown option '--%.*s'", (int)len,
			         name);
			return OPT_ERROR;
		}
		if (!d->has_arg) {
			if (eq) {
				snprintf(p->error, sizeof(p->error),
				         "option '--%s' takes no value", d->name);
				return OPT_ERROR;
			}
			return d->id;
		}
		if (eq) {
			*value = eq + 1;
		} else if (p->index < p->argc) {
			*value = p->argv[p->index++];
		} else {
			snprintf(p->error, sizeof(p->error), "option '--%s' needs a value", d->name);
			return OPT_ERROR;
		}
		return d->id;
	}
	p->shorts = a + 1;
	return parse_short(p, value);
}

int opt_parse_count(const char *s, long long *out)
{
	char *end;
	long long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0)
		return -1;
	*out = v;
	return 0;
}

int opt_parse_size(const char *s, long long *out)
{
	char *end;
	long long v, mul = 1;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || v < 0)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': mul = 1024; end++; break;
	case 'm': case 'M': mul = 1024 * 1024; end++; break;
	case 'g': case 'G': mul = 1024LL * 1024 * 1024; end++; break;
	default: return -1;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end != '\0' || v > LLONG_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}
