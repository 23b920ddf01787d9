/* Per-file statistics of an add action (PROTOCOL.md#per-file-statistics),
 * built from the Parquet writer's typed statistics: numRecords, minValues,
 * maxValues, nullCount (and tightBounds when deletion vectors are on).
 *
 * What Delta (Spark) records, and we mirror: min/max only for numbers,
 * decimals, dates, timestamps and strings (not booleans or binary), nothing
 * for fields inside arrays or maps; strings cut to
 * delta.dataSkippingStringPrefixLength characters (min: the prefix, a lower
 * bound; max: the prefix followed by U+10FFFF, still an upper bound);
 * timestamps as ISO-8601 with milliseconds, truncated (readers widen the max
 * by one millisecond, see deltalite/expr.h). */
#include "ops/ops.h"
#include "util/parse.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct stats_ctx {
	const dlt_stats_config *cfg;
	char **indexed;          /* dotted paths of the indexed leaves */
	size_t n_indexed;
	dlt_error *err;
} stats_ctx;

static bool is_indexed(const stats_ctx *c, const char *path)
{
	for (size_t i = 0; i < c->n_indexed; i++)
		if (strcmp(c->indexed[i], path) == 0)
			return true;
	return false;
}

/* Timestamp ticks -> "YYYY-MM-DDTHH:MM:SS.mmm[Z]" (floor to ms). */
static int put_timestamp(dlt_buf *b, int64_t v, dlt_time_unit unit, bool utc, dlt_error *err)
{
	int64_t ms, days, rem, y;
	unsigned mo, d;

	switch (unit) {
	case DLT_TU_SECOND: ms = v * 1000; break;
	case DLT_TU_MILLI: ms = v; break;
	case DLT_TU_MICRO: ms = v / 1000 - (v % 1000 < 0 ? 1 : 0); break;
	default: ms = v / 1000000 - (v % 1000000 < 0 ? 1 : 0); break;
	}
	days = ms / 86400000 - (ms % 86400000 < 0 ? 1 : 0);
	rem = ms - days * 86400000;
	dlt_civil_from_days(days, &y, &mo, &d);
	return dlt_buf_appendf(b, err, "\"%04" PRId64 "-%02u-%02uT%02d:%02d:%02d.%03d%s\"", y, mo, d,
	                       (int)(rem / 3600000), (int)(rem / 60000 % 60),
	                       (int)(rem / 1000 % 60), (int)(rem % 1000), utc ? "Z" : "");
}

/* Length in bytes of the first `n` UTF-8 characters of p[0..len). */
static size_t utf8_prefix(const uint8_t *p, size_t len, int32_t n, bool *cut)
{
	size_t i = 0;
	int32_t k = 0;

	while (i < len && k < n) {
		uint8_t c = p[i];
		i += c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		k++;
	}
	if (i > len)
		i = len;
	*cut = i < len;
	return i;
}

static int put_value(dlt_buf *b, bool *wrote, const struct ArrowSchema *s,
                     const struct ArrowArray *a, int64_t row, bool is_max, const stats_ctx *c)
{
	char buf[DLT_FORMAT_DECIMAL_MAX];
	dlt_type_view tv;
	int64_t j = a->offset + row;
	dlt_error *err = c->err;
	int rc;

	*wrote = false;
	if (dlt_arrow__parse_format(&tv, s->format, NULL) < 0 || dlt_arrow__is_null(a, row))
		return DLT_OK;
	switch (tv.type) {
	case DLT_AT_INT8: rc = dlt_buf_appendf(b, err, "%d", ((const int8_t *)a->buffers[1])[j]); break;
	case DLT_AT_INT16: rc = dlt_buf_appendf(b, err, "%d", ((const int16_t *)a->buffers[1])[j]); break;
	case DLT_AT_INT32:
		rc = dlt_buf_appendf(b, err, "%" PRId32, ((const int32_t *)a->buffers[1])[j]);
		break;
	case DLT_AT_INT64:
		rc = dlt_buf_appendf(b, err, "%" PRId64, ((const int64_t *)a->buffers[1])[j]);
		break;
	case DLT_AT_FLOAT32: {
		float v = ((const float *)a->buffers[1])[j];
		if (!isfinite(v))
			return DLT_OK;
		dlt_format_float(buf, v);
		rc = dlt_buf_append_str(b, buf, err);
		break;
	}
	case DLT_AT_FLOAT64: {
		double v = ((const double *)a->buffers[1])[j];
		if (!isfinite(v))
			return DLT_OK;
		dlt_format_double(buf, v);
		rc = dlt_buf_append_str(b, buf, err);
		break;
	}
	case DLT_AT_DECIMAL128: {
		uint64_t w[2];
		memcpy(w, (const uint8_t *)a->buffers[1] + j * 16, 16);
		dlt_format_decimal(buf, w, 2, tv.scale);
		rc = dlt_buf_append_str(b, buf, err);
		break;
	}
	case DLT_AT_DATE32:
		dlt_format_date32(buf, ((const int32_t *)a->buffers[1])[j]);
		rc = dlt_buf_appendf(b, err, "\"%s\"", buf);
		break;
	case DLT_AT_TIMESTAMP:
		rc = put_timestamp(b, ((const int64_t *)a->buffers[1])[j], tv.unit,
		                   tv.tz && tv.tz[0], err);
		break;
	case DLT_AT_STRING:
	case DLT_AT_LARGE_STRING: {
		bool large = tv.type == DLT_AT_LARGE_STRING, cut;
		int64_t st = large ? ((const int64_t *)a->buffers[1])[j]
		                   : ((const int32_t *)a->buffers[1])[j];
		int64_t en = large ? ((const int64_t *)a->buffers[1])[j + 1]
		                   : ((const int32_t *)a->buffers[1])[j + 1];
		const uint8_t *p = (const uint8_t *)a->buffers[2] + st;
		size_t n = utf8_prefix(p, (size_t)(en - st), c->cfg->prefix_len, &cut);
		if (!cut || !is_max) {
			rc = dlt_ops__json_strn(b, (const char *)p, n, err);
		} else {
			/* prefix + U+10FFFF: greater than every string with that prefix */
			dlt_buf t = DLT_BUF_INIT;
			if ((rc = dlt_buf_append(&t, p, n, err)) == 0 &&
			    (rc = dlt_buf_append(&t, "\xf4\x8f\xbf\xbf", 4, err)) == 0)
				rc = dlt_ops__json_strn(b, (const char *)t.data, t.len, err);
			dlt_buf_dispose(&t);
		}
		break;
	}
	default:
		return DLT_OK; /* booleans, binary: no min/max in Delta stats */
	}
	if (rc == 0)
		*wrote = true;
	return rc;
}

/* kind 0: min, 1: max, 2: null count. Writes "{...}" or nothing (*wrote false). */
static int put_struct(dlt_buf *b, bool *wrote, const struct ArrowSchema *s,
                      const struct ArrowArray *a, int64_t row, int kind, char *path,
                      size_t plen, const stats_ctx *c)
{
	size_t start = b->len;
	bool any = false;
	int rc;

	*wrote = false;
	if ((rc = dlt_buf_append_byte(b, '{', c->err)) < 0)
		return rc;
	for (int64_t i = 0; i < s->n_children; i++) {
		const struct ArrowSchema *cs = s->children[i];
		const struct ArrowArray *ca = a->children[i];
		int64_t crow = row + a->offset;
		size_t mark = b->len, nl = strlen(cs->name ? cs->name : "");
		bool w = false;

		if (plen + nl + 2 >= 1024)
			continue;
		if (plen)
			path[plen] = '.';
		memcpy(path + plen + (plen ? 1 : 0), cs->name ? cs->name : "", nl);
		path[plen + (plen ? 1 : 0) + nl] = 0;
		if ((rc = dlt_buf_append_str(b, any ? "," : "", c->err)) < 0 ||
		    (rc = dlt_ops__json_str(b, cs->name ? cs->name : "", c->err)) < 0 ||
		    (rc = dlt_buf_append_byte(b, ':', c->err)) < 0)
			return rc;
		if (strcmp(cs->format, "+s") == 0) {
			rc = dlt_arrow__is_null(ca, crow) ? 0
			     : put_struct(b, &w, cs, ca, crow, kind, path, plen + (plen ? 1 : 0) + nl, c);
		} else if (!is_indexed(c, path)) {
			w = false;
			rc = 0;
		} else if (kind == 2) {
			if (!dlt_arrow__is_null(ca, crow)) {
				rc = dlt_buf_appendf(b, c->err, "%" PRId64,
				                     ((const int64_t *)ca->buffers[1])[ca->offset + crow]);
				w = rc == 0;
			}
		} else {
			rc = put_value(b, &w, cs, ca, crow, kind == 1, c);
		}
		path[plen] = 0;
		if (rc < 0)
			return rc;
		if (w)
			any = true;
		else
			b->len = mark;
	}
	if (!any) {
		b->len = start;
		return DLT_OK;
	}
	*wrote = true;
	return dlt_buf_append_byte(b, '}', c->err);
}

static int add_indexed(stats_ctx *c, const dlt_parquet_write_column *col, dlt_error *err)
{
	dlt_buf p = DLT_BUF_INIT;
	char **v;
	int rc = 0;

	for (size_t i = 0; i < col->n_names && rc == 0; i++)
		rc = dlt_buf_appendf(&p, err, "%s%s", i ? "." : "", col->names[i]);
	if (rc == 0)
		rc = dlt_buf_append_byte(&p, 0, err);
	if (rc < 0) {
		dlt_buf_dispose(&p);
		return rc;
	}
	if (!(v = dlt_realloc(c->indexed, (c->n_indexed + 1) * sizeof(*v)))) {
		dlt_buf_dispose(&p);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	c->indexed = v;
	v[c->n_indexed++] = (char *)dlt_buf_detach(&p, NULL);
	return DLT_OK;
}

static bool configured(const dlt_stats_config *cfg, const dlt_parquet_write_column *col)
{
	char path[1024];
	size_t len = 0;

	path[0] = 0;
	for (size_t i = 0; i < col->n_names && len + 2 < sizeof(path); i++)
		len += (size_t)snprintf(path + len, sizeof(path) - len, "%s%s", i ? "." : "",
		                        col->names[i]);
	for (size_t i = 0; i < cfg->n_columns; i++) {
		size_t n = strlen(cfg->columns[i]);
		if (strncmp(path, cfg->columns[i], n) == 0 && (path[n] == 0 || path[n] == '.'))
			return true;
	}
	return false;
}

int dlt_ops__stats_json(dlt_buf *b, const dlt_parquet_write_result *result,
                        const dlt_stats_config *cfg, dlt_error *err)
{
	struct ArrowSchema ss;
	struct ArrowArray sa;
	stats_ctx c;
	char path[1024];
	size_t nc = dlt_parquet_write_result_num_columns(result);
	int64_t counted = 0;
	int rc = DLT_OK;

	memset(&c, 0, sizeof(c));
	c.cfg = cfg;
	c.err = err;
	for (size_t i = 0; i < nc && rc == 0; i++) {
		const dlt_parquet_write_column *col = dlt_parquet_write_result_column(result, i);
		if (!col || col->in_list)
			continue;
		if (cfg->columns ? configured(cfg, col)
		                 : (cfg->num_indexed < 0 || counted < cfg->num_indexed))
			rc = add_indexed(&c, col, err);
		counted++;
	}
	if (rc < 0)
		goto done;
	memset(&ss, 0, sizeof(ss));
	memset(&sa, 0, sizeof(sa));
	if ((rc = dlt_parquet_write_result_stats(&ss, &sa, result, err)) < 0)
		goto done;
	rc = dlt_buf_appendf(b, err, "{\"numRecords\":%" PRId64,
	                     dlt_parquet_write_result_num_rows(result));
	for (int64_t k = 0; k < ss.n_children && rc == 0; k++) {
		static const char *const names[] = { "minValues", "maxValues", "nullCount" };
		int kind = -1;
		size_t mark = b->len;
		bool w = false;
		for (int q = 0; q < 3; q++)
			if (strcmp(ss.children[k]->name, names[q]) == 0)
				kind = q;
		if (kind < 0)
			continue;
		path[0] = 0;
		if ((rc = dlt_buf_appendf(b, err, ",\"%s\":", names[kind])) < 0)
			break;
		rc = put_struct(b, &w, ss.children[k], sa.children[k], sa.offset, kind, path, 0, &c);
		if (rc == 0 && !w)
			rc = dlt_buf_append_str(b, "{}", err);
		(void)mark;
	}
	if (rc == 0 && cfg->tight_bounds)
		rc = dlt_buf_append_str(b, ",\"tightBounds\":true", err);
	if (rc == 0)
		rc = dlt_buf_append_byte(b, '}', err);
	ss.release(&ss);
	sa.release(&sa);
done:
	for (size_t i = 0; i < c.n_indexed; i++)
		dlt_free(c.indexed[i]);
	dlt_free(c.indexed);
	return rc;
}
