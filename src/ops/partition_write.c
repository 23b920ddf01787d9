/* Partition values as Delta serializes them
 * (PROTOCOL.md#partition-value-serialization): the text that goes into
 * add.partitionValues and, escaped, into the Hive-style directory name. */
#include "ops/ops.h"
#include "util/parse.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int dlt_ops__partition_value(dlt_buf *b, bool *is_null, const struct ArrowSchema *s,
                             const struct ArrowArray *a, int64_t i, dlt_error *err)
{
	char buf[DLT_FORMAT_DECIMAL_MAX + DLT_FORMAT_DATETIME_MAX];
	dlt_type_view tv;
	int64_t j;
	int rc;

	*is_null = false;
	if ((rc = dlt_arrow__parse_format(&tv, s->format, err)) < 0)
		return rc;
	if (dlt_arrow__is_null(a, i)) {
		*is_null = true;
		return DLT_OK;
	}
	j = a->offset + i;
	switch (tv.type) {
	case DLT_AT_BOOL:
		return dlt_buf_append_str(b, dlt_arrow__bit(a->buffers[1], j) ? "true" : "false", err);
	case DLT_AT_INT8:
		return dlt_buf_appendf(b, err, "%d", (int)((const int8_t *)a->buffers[1])[j]);
	case DLT_AT_INT16:
		return dlt_buf_appendf(b, err, "%d", (int)((const int16_t *)a->buffers[1])[j]);
	case DLT_AT_INT32:
		return dlt_buf_appendf(b, err, "%" PRId32, ((const int32_t *)a->buffers[1])[j]);
	case DLT_AT_INT64:
		return dlt_buf_appendf(b, err, "%" PRId64, ((const int64_t *)a->buffers[1])[j]);
	case DLT_AT_FLOAT32: {
		float v = ((const float *)a->buffers[1])[j];
		if (isnan(v))
			return dlt_buf_append_str(b, "NaN", err);
		if (isinf(v))
			return dlt_buf_append_str(b, v > 0 ? "Infinity" : "-Infinity", err);
		dlt_format_float(buf, v);
		return dlt_buf_append_str(b, buf, err);
	}
	case DLT_AT_FLOAT64: {
		double v = ((const double *)a->buffers[1])[j];
		if (isnan(v))
			return dlt_buf_append_str(b, "NaN", err);
		if (isinf(v))
			return dlt_buf_append_str(b, v > 0 ? "Infinity" : "-Infinity", err);
		dlt_format_double(buf, v);
		return dlt_buf_append_str(b, buf, err);
	}
	case DLT_AT_DECIMAL128: {
		uint64_t w[2];
		memcpy(w, (const uint8_t *)a->buffers[1] + j * 16, 16);
		dlt_format_decimal(buf, w, 2, tv.scale);
		return dlt_buf_append_str(b, buf, err);
	}
	case DLT_AT_DATE32:
		dlt_format_date32(buf, ((const int32_t *)a->buffers[1])[j]);
		return dlt_buf_append_str(b, buf, err);
	case DLT_AT_TIMESTAMP: {
		/* "2024-01-31 13:45:00.123456": Spark's form, UTC for timestamp */
		char *t;
		dlt_format_timestamp(buf, ((const int64_t *)a->buffers[1])[j], (int)tv.unit, false);
		if ((t = strchr(buf, 'T')))
			*t = ' ';
		if (!strchr(buf, ' '))
			strcat(buf, " 00:00:00");
		return dlt_buf_append_str(b, buf, err);
	}
	case DLT_AT_STRING:
	case DLT_AT_LARGE_STRING:
	case DLT_AT_BINARY:
	case DLT_AT_LARGE_BINARY: {
		bool large = tv.type == DLT_AT_LARGE_STRING || tv.type == DLT_AT_LARGE_BINARY;
		int64_t st = large ? ((const int64_t *)a->buffers[1])[j]
		                   : ((const int32_t *)a->buffers[1])[j];
		int64_t en = large ? ((const int64_t *)a->buffers[1])[j + 1]
		                   : ((const int32_t *)a->buffers[1])[j + 1];
		const uint8_t *p = (const uint8_t *)a->buffers[2] + st;
		if (en == st) {
			*is_null = true; /* Spark: an empty partition value is null */
			return DLT_OK;
		}
		if (tv.type == DLT_AT_STRING || tv.type == DLT_AT_LARGE_STRING)
			return dlt_buf_append(b, p, (size_t)(en - st), err);
		/* binary: each byte as the character U+00XX */
		for (int64_t k = 0; k < en - st; k++) {
			uint8_t c = p[k];
			if (c < 0x80)
				rc = dlt_buf_append_byte(b, c, err);
			else if ((rc = dlt_buf_append_byte(b, (uint8_t)(0xc0 | (c >> 6)), err)) == 0)
				rc = dlt_buf_append_byte(b, (uint8_t)(0x80 | (c & 0x3f)), err);
			if (rc < 0)
				return rc;
		}
		return DLT_OK;
	}
	default:
		return dlt_error_set(err, DLT_ESCHEMA, "partition column '%s': type %s cannot be a "
		                     "partition column", s->name ? s->name : "",
		                     dlt_ops__type_name(s, buf, sizeof(buf)));
	}
}
