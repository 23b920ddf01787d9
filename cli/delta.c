/*
 * What the Delta table commands share: points in time (--timestamp), choosing
 * a snapshot (--version / --timestamp), writing a result stream, and reading
 * values out of the Arrow arrays the library returns.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* ---- timestamps ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date: count whole 400-year
 * eras from March 1st of year 0, so that the leap day is the last of a year. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* n decimal digits at *p into *v; advances *p. */
static int digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

int cli_parse_timestamp(const char *s, int64_t *ms_out)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, off = 0;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t days;

	if (!*s)
		return -1;
	if (strspn(s, "0123456789") == strlen(s)) { /* epoch milliseconds */
		long long v;
		if (strlen(s) > 15 || opt_parse_count(s, &v) < 0)
			return -1;
		*ms_out = v;
		return 0;
	}
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
		return -1;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || h > 23 || mi > 59)
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec) || sec > 59)
				return -1;
			if (*p == '.') { /* fraction: milliseconds kept, the rest truncated */
				int n = 0;
				p++;
				while (*p >= '0' && *p <= '9') {
					if (n < 3)
						ms = ms * 10 + (*p - '0');
					n++;
					p++;
				}
				if (n == 0)
					return -1;
				for (; n < 3; n++)
					ms *= 10;
			}
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
			if (digits(&p, 2, &oh) || oh > 23)
				return -1;
			if (*p == ':')
				p++;
			if (*p && (digits(&p, 2, &om) || om > 59))
				return -1;
			off = sign * (oh * 60 + om);
		}
	}
	if (*p != '\0')
		return -1;
	days = days_from_civil(y, mo, d);
	*ms_out = ((days * 24 + h) * 60 + mi - off) * 60000LL + sec * 1000LL + ms;
	return 0;
}

void cli_format_timestamp(char *buf, size_t n, int64_t ms)
{
	int64_t days = ms / 86400000, rem = ms % 86400000, y;
	int m, d;

	if (rem < 0) {
		rem += 86400000;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, n, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", (long long)y, m, d,
	         (int)(rem / 3600000), (int)(rem / 60000 % 60), (int)(rem / 1000 % 60),
	         (int)(rem % 1000));
}

/* ---- choosing a snapshot ---- */

int cli_at_option(cli_ctx *c, cli_at *at, int id, const char *v)
{
	long long n;

	if (id == AT_VERSION) {
		if (opt_parse_count(v, &n) < 0)
			return cli_usage(c, "--version: expected a table version (0, 1, ...), got '%s'",
			                 v);
		if (at->by_timestamp)
			return cli_usage(c, "--version and --timestamp: give one of them");
		at->version = n;
		return 0;
	}
	if (cli_parse_timestamp(v, &at->timestamp_ms) < 0)
		return cli_usage(c, "--timestamp: expected epoch milliseconds, a date (2024-01-31) "
		                 "or a date and time (2024-01-31T10:00:00Z), got '%s'", v);
	if (at->version >= 0)
		return cli_usage(c, "--version and --timestamp: give one of them");
	at->by_timestamp = 1;
	return 0;
}

/* The table's name in a message, unless the message has it already. */
static void name_table(dlt_error *err, const char *uri)
{
	if (!strstr(err->message, uri))
		dlt_error_prefix(err, "table %s", uri);
}

int cli_open_table(cli_ctx *c, const char *uri, dlt_table **table_out)
{
	dlt_error err;

	dlt_error_clear(&err);
	*table_out = NULL;
	if (dlt_table_open(table_out, uri, NULL, &err) < 0) {
		name_table(&err, uri);
		err.path[0] = '\0'; /* the message names the table */
		return cli_fail(c, &err);
	}
	return 0;
}

int cli_open_snapshot(cli_ctx *c, const char *uri, const cli_at *at, dlt_table **table_out,
                      dlt_snapshot **snap_out)
{
	dlt_error err;
	int rc;

	*snap_out = NULL;
	if ((rc = cli_open_table(c, uri, table_out)) != 0)
		return rc;
	dlt_error_clear(&err);
	if (at->by_timestamp)
		rc = dlt_table_snapshot_at(snap_out, *table_out, at->timestamp_ms, &err);
	else
		rc = dlt_table_snapshot(snap_out, *table_out, at->version, &err);
	if (rc < 0) {
		if (at->by_timestamp && rc == DLT_ENOTFOUND && !strstr(err.message, "no version")) {
			char ts[40];
			cli_format_timestamp(ts, sizeof(ts), at->timestamp_ms);
			dlt_error_prefix(&err, "no version at or before %s", ts);
		} else if (at->version >= 0 && rc == DLT_ENOTFOUND && !strstr(err.message, "version")) {
			dlt_error_prefix(&err, "version %lld", (long long)at->version);
		}
		name_table(&err, uri);
		dlt_table_free(*table_out);
		*table_out = NULL;
		*snap_out = NULL;
		return cli_fail(c, &err);
	}
	return 0;
}

/* ---- writing a result ---- */

int cli_write_stream(cli_ctx *c, struct ArrowArrayStream *stream, const char *path,
                     cli_format fmt, const cli_text_opts *topts, const char *label,
                     int64_t *rows)
{
	struct ArrowArrayStream counted;
	dlt_output *sink = NULL;
	dlt_error err;
	int rc, status = EXIT_OK;

	dlt_error_clear(&err);
	memset(&counted, 0, sizeof(counted));
	if ((rc = cli_progress_wrap(&counted, stream, c, label, rows, &err)) < 0)
		goto fail;
	if (strcmp(path, "-") == 0)
		fflush(c->out); /* the sink writes to file descriptor 1 directly */
	if ((rc = dlt_output_open_file(&sink, path, &err)) < 0) {
		if (!err.path[0])
			dlt_error_set_path(&err, path);
		goto fail;
	}
	if (fmt == FMT_PARQUET) {
		cli_pq_write w;
		cli_pq_write_init(&w);
		rc = dlt_parquet_write_stream(sink, &counted, &w.opts, NULL, &err);
		cli_pq_write_dispose(&w);
	} else {
		rc = cli_write_text(sink, &counted, fmt, topts, &err);
		if (rc >= 0)
			rc = dlt_output_finish(sink, &err);
	}
	if (rc < 0)
		goto fail;
	goto done;
fail:
	status = cli_fail(c, &err);
done:
	if (counted.release)
		counted.release(&counted);
	if (stream->release)
		stream->release(stream);
	dlt_output_free(sink);
	return cli_finish_output(c, status);
}

/* ---- reading Arrow arrays ---- */

int cli_arrow_is_null(const struct ArrowArray *a, int64_t i)
{
	const uint8_t *valid = a->n_buffers > 0 ? a->buffers[0] : NULL;
	int64_t k = i + a->offset;

	return valid && a->null_count != 0 && !(valid[k >> 3] & (1u << (k & 7)));
}

const char *cli_arrow_str(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i,
                          size_t *len)
{
	int64_t k = i + a->offset;
	const char *data = a->buffers[2];

	*len = 0;
	if (cli_arrow_is_null(a, i))
		return NULL;
	if (strcmp(s->format, "u") == 0) {
		const int32_t *off = a->buffers[1];
		*len = (size_t)(off[k + 1] - off[k]);
		return data ? data + off[k] : "";
	}
	if (strcmp(s->format, "U") == 0) {
		const int64_t *off = a->buffers[1];
		*len = (size_t)(off[k + 1] - off[k]);
		return data ? data + off[k] : "";
	}
	return NULL;
}

int64_t cli_arrow_int(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i,
                      int64_t dflt)
{
	int64_t k = i + a->offset;

	if (cli_arrow_is_null(a, i))
		return dflt;
	if (strcmp(s->format, "i") == 0)
		return ((const int32_t *)a->buffers[1])[k];
	if (s->format[0] == 'l' || (s->format[0] == 't' && s->format[1] == 's'))
		return ((const int64_t *)a->buffers[1])[k];
	return dflt;
}

int cli_arrow_child(const struct ArrowSchema *s, const char *name)
{
	for (int64_t i = 0; i < s->n_children; i++)
		if (s->children[i]->name && strcmp(s->children[i]->name, name) == 0)
			return (int)i;
	return -1;
}
