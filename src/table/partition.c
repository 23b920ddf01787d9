/*
 * Partition values (PROTOCOL.md#partition-value-serialization): strings in
 * add.partitionValues, typed here per the column's logical type. An empty
 * string (and Hive's __HIVE_DEFAULT_PARTITION__) is null. Timestamps come as
 * "YYYY-MM-DD HH:MM:SS[.ffffff]" (no offset: taken as UTC) or ISO-8601 with
 * an offset / "Z" (converted to UTC); timestamp_ntz values keep their
 * wall-clock value. Binary values are the string's bytes.
 */
#include "table/table.h"
#include "util/parse.h"

static int bad_value(const char *column, const char *text, const char *type, dlt_error *err)
{
	return dlt_error_set(err, DLT_ECORRUPT,
	                     "partition column '%s': value '%s' is not a valid %s", column, text,
	                     type);
}

int dlt_table__append_partition_value(dlt_builder *b, const char *text, const char *column,
                                      dlt_error *err)
{
	const dlt_type_view *t = dlt_builder__type(b);
	size_t n;
	int rc;

	if (text == NULL || text[0] == 0 || strcmp(text, "__HIVE_DEFAULT_PARTITION__") == 0)
		return dlt_builder__append_null(b, err);
	n = strlen(text);
	switch (t->type) {
	case DLT_AT_STRING:
	case DLT_AT_LARGE_STRING:
	case DLT_AT_BINARY:
	case DLT_AT_LARGE_BINARY:
		return dlt_builder__append_bytes(b, text, n, err);
	case DLT_AT_INT8:
	case DLT_AT_INT16:
	case DLT_AT_INT32:
	case DLT_AT_INT64: {
		int64_t v;
		if (dlt_parse_int64(text, n, &v) != DLT_PARSE_OK)
			return bad_value(column, text, "integer", err);
		if ((rc = dlt_builder__append_int(b, v, err)) < 0)
			return bad_value(column, text, "integer of this width", err);
		return DLT_OK;
	}
	case DLT_AT_FLOAT32:
	case DLT_AT_FLOAT64: {
		double v;
		if (dlt_parse_double(text, n, &v) != DLT_PARSE_OK)
			return bad_value(column, text, "floating point number", err);
		return dlt_builder__append_double(b, v, err);
	}
	case DLT_AT_BOOL: {
		if (n == 4 && (text[0] == 't' || text[0] == 'T') &&
		    (text[1] | 32) == 'r' && (text[2] | 32) == 'u' && (text[3] | 32) == 'e')
			return dlt_builder__append_bool(b, true, err);
		if (n == 5 && (text[0] | 32) == 'f' && (text[1] | 32) == 'a' &&
		    (text[2] | 32) == 'l' && (text[3] | 32) == 's' && (text[4] | 32) == 'e')
			return dlt_builder__append_bool(b, false, err);
		return bad_value(column, text, "boolean", err);
	}
	case DLT_AT_DATE32: {
		int32_t d;
		if (dlt_parse_date32(text, n, &d) != DLT_PARSE_OK)
			return bad_value(column, text, "date", err);
		return dlt_builder__append_int(b, d, err);
	}
	case DLT_AT_TIMESTAMP: {
		int64_t v;
		bool has_tz = false;
		if (dlt_parse_timestamp(text, n, (int)t->unit, &v, &has_tz) != DLT_PARSE_OK)
			return bad_value(column, text, "timestamp", err);
		return dlt_builder__append_int(b, v, err);
	}
	case DLT_AT_DECIMAL128:
	case DLT_AT_DECIMAL256: {
		uint64_t w[4] = { 0, 0, 0, 0 };
		int nw = t->type == DLT_AT_DECIMAL128 ? 2 : 4;
		if (dlt_parse_decimal(text, n, t->precision, t->scale, w, nw) != DLT_PARSE_OK)
			return bad_value(column, text, "decimal", err);
		return dlt_builder__append_decimal(b, w, nw, err);
	}
	case DLT_AT_NA:
		return dlt_builder__append_null(b, err);
	default:
		return dlt_error_set(err, DLT_EUNSUPPORTED,
		                     "partition column '%s': type %s cannot be a partition column",
		                     column, dlt_builder__schema(b)->format);
	}
}
