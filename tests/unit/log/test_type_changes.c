/* Readers must fail on a delta.typeChanges entry recording a change they do
 * not support (PROTOCOL.md "Reader Requirements for Type Widening"): crafted
 * commits in the in-memory store, supported changes load, others give
 * DLT_EUNSUPPORTED naming the field and both types. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deltalite/table.h"
#include "log/log.h"
#include "util/util.h"

#define PROTO                                                                               \
	"{\"protocol\":{\"minReaderVersion\":3,\"minWriterVersion\":7,"                        \
	"\"readerFeatures\":[\"typeWidening\"],\"writerFeatures\":[\"typeWidening\"]}}\n"

static int n_store;

/* A table at version 0 whose schema is `schema` (plain JSON); returns the
 * code of loading its latest snapshot, err filled. */
static int load_schema(const char *schema, dlt_error *err)
{
	char uri[64];
	dlt_storage *st = NULL;
	dlt_table *t = NULL;
	dlt_snapshot *s = NULL;
	snprintf(uri, sizeof(uri), "memory://log_type_changes_%d", n_store++);
	assert_int_equal(dlt_storage_open(&st, uri, NULL, 0, err), DLT_OK);
	json_t *md = json_pack("{s:{s:s, s:{s:s, s:{}}, s:s, s:[], s:{s:s}, s:i}}", "metaData",
	                       "id", "tc", "format", "provider", "parquet", "options",
	                       "schemaString", schema, "partitionColumns", "configuration",
	                       "delta.enableTypeWidening", "true", "createdTime", 1);
	assert_non_null(md);
	char *line = json_dumps(md, JSON_COMPACT);
	json_decref(md);
	assert_non_null(line);
	size_t n = strlen(PROTO) + strlen(line) + 2;
	char *text = malloc(n);
	assert_non_null(text);
	snprintf(text, n, "%s%s\n", PROTO, line);
	free(line);
	assert_int_equal(dlt_storage_put(st, "_delta_log/00000000000000000000.json", text,
	                                 strlen(text), DLT_PUT_OVERWRITE, err), DLT_OK);
	free(text);
	int rc = dlt_table_open(&t, uri, NULL, err);
	if (rc == DLT_OK)
		rc = dlt_table_snapshot(&s, t, -1, err);
	dlt_snapshot_free(s);
	dlt_table_free(t);
	dlt_storage_free(st);
	return rc;
}

/* A schema with one column `c` of type `type` (a JSON value) whose metadata
 * records `changes` (a JSON list, raw text). */
static void one_column(char *buf, size_t cap, const char *type, const char *changes)
{
	snprintf(buf, cap,
	         "{\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"long\","
	         "\"nullable\":true,\"metadata\":{}},{\"name\":\"c\",\"type\":%s,"
	         "\"nullable\":true,\"metadata\":{\"delta.typeChanges\":%s}}]}",
	         type, changes);
}

static void expect_ok(const char *type, const char *from, const char *to)
{
	char changes[256], schema[1024];
	dlt_error err;
	snprintf(changes, sizeof(changes),
	         "[{\"fromType\":\"%s\",\"toType\":\"%s\",\"tableVersion\":1}]", from, to);
	one_column(schema, sizeof(schema), type, changes);
	int rc = load_schema(schema, &err);
	if (rc != DLT_OK)
		fail_msg("%s -> %s: %d %s", from, to, rc, err.message);
}

static void expect_refused(const char *type, const char *from, const char *to)
{
	char changes[256], schema[1024], want[160];
	dlt_error err;
	snprintf(changes, sizeof(changes),
	         "[{\"fromType\":\"%s\",\"toType\":\"%s\",\"tableVersion\":1}]", from, to);
	one_column(schema, sizeof(schema), type, changes);
	int rc = load_schema(schema, &err);
	if (rc != DLT_EUNSUPPORTED)
		fail_msg("%s -> %s: expected DLT_EUNSUPPORTED, got %d %s", from, to, rc,
		         rc ? err.message : "");
	snprintf(want, sizeof(want), "from '%s' to '%s'", from, to);
	if (!strstr(err.message, "field 'c'") || !strstr(err.message, want))
		fail_msg("%s -> %s: message '%s'", from, to, err.message);
}

static void test_type_changes_supported_load(void **state)
{
	(void)state;
	expect_ok("\"long\"", "byte", "short");
	expect_ok("\"long\"", "short", "integer");
	expect_ok("\"long\"", "integer", "long");
	expect_ok("\"long\"", "byte", "long");
	expect_ok("\"double\"", "float", "double");
	expect_ok("\"double\"", "byte", "double");
	expect_ok("\"double\"", "short", "double");
	expect_ok("\"double\"", "integer", "double");
	expect_ok("\"timestamp_ntz\"", "date", "timestamp_ntz");
	expect_ok("\"decimal(10,4)\"", "decimal(6, 2)", "decimal(10, 4)");
	expect_ok("\"decimal(20,2)\"", "decimal(10,2)", "decimal(20,2)");
	expect_ok("\"decimal(38,0)\"", "decimal(5,0)", "decimal(38,0)");
	expect_ok("\"decimal(10,0)\"", "integer", "decimal(10,0)");
	expect_ok("\"decimal(12,2)\"", "integer", "decimal(12,2)");
	expect_ok("\"decimal(20,0)\"", "long", "decimal(20,0)");
	expect_ok("\"decimal(21,1)\"", "long", "decimal(21,1)");
	/* what Delta records for byte and short (kernel/type-widening has these) */
	expect_ok("\"decimal(4,1)\"", "byte", "decimal(4,1)");
	expect_ok("\"decimal(6,1)\"", "short", "decimal(6,1)");
}

static void test_type_changes_history_and_nested(void **state)
{
	char schema[2048];
	dlt_error err;
	(void)state;
	/* PROTOCOL.md's examples: two changes in a row; a map key; a map value in an array */
	one_column(schema, sizeof(schema), "\"long\"",
	           "[{\"fromType\":\"short\",\"toType\":\"integer\"},"
	           "{\"fromType\":\"integer\",\"toType\":\"long\"}]");
	assert_int_equal(load_schema(schema, &err), DLT_OK);
	one_column(schema, sizeof(schema),
	           "{\"type\":\"map\",\"keyType\":\"double\",\"valueType\":\"integer\","
	           "\"valueContainsNull\":true}",
	           "[{\"fromType\":\"float\",\"toType\":\"double\",\"fieldPath\":\"key\"}]");
	assert_int_equal(load_schema(schema, &err), DLT_OK);
	one_column(schema, sizeof(schema),
	           "{\"type\":\"array\",\"elementType\":{\"type\":\"map\",\"keyType\":\"string\","
	           "\"valueType\":\"decimal(10, 4)\",\"valueContainsNull\":true},"
	           "\"containsNull\":true}",
	           "[{\"fromType\":\"decimal(6, 2)\",\"toType\":\"decimal(10, 4)\","
	           "\"fieldPath\":\"element.value\"}]");
	assert_int_equal(load_schema(schema, &err), DLT_OK);
	/* the second change of a history is the unsupported one */
	one_column(schema, sizeof(schema), "\"integer\"",
	           "[{\"fromType\":\"short\",\"toType\":\"long\"},"
	           "{\"fromType\":\"long\",\"toType\":\"integer\"}]");
	assert_int_equal(load_schema(schema, &err), DLT_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "from 'long' to 'integer'"));
	/* a refused change of a map value: the path is named */
	one_column(schema, sizeof(schema),
	           "{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":\"float\","
	           "\"valueContainsNull\":true}",
	           "[{\"fromType\":\"double\",\"toType\":\"float\",\"fieldPath\":\"value\"}]");
	assert_int_equal(load_schema(schema, &err), DLT_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "'c.value'"));
	assert_non_null(strstr(err.message, "from 'double' to 'float'"));
	/* a field nested in a struct */
	snprintf(schema, sizeof(schema),
	         "{\"type\":\"struct\",\"fields\":[{\"name\":\"s\",\"type\":{\"type\":\"struct\","
	         "\"fields\":[{\"name\":\"inner\",\"type\":\"string\",\"nullable\":true,"
	         "\"metadata\":{\"delta.typeChanges\":[{\"fromType\":\"integer\","
	         "\"toType\":\"string\"}]}}]},\"nullable\":true,\"metadata\":{}}]}");
	assert_int_equal(load_schema(schema, &err), DLT_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "'inner'"));
	assert_non_null(strstr(err.message, "from 'integer' to 'string'"));
	snprintf(schema, sizeof(schema),
	         "{\"type\":\"struct\",\"fields\":[{\"name\":\"s\",\"type\":{\"type\":\"struct\","
	         "\"fields\":[{\"name\":\"inner\",\"type\":\"long\",\"nullable\":true,"
	         "\"metadata\":{\"delta.typeChanges\":[{\"fromType\":\"integer\","
	         "\"toType\":\"long\"}]}}]},\"nullable\":true,\"metadata\":{}}]}");
	assert_int_equal(load_schema(schema, &err), DLT_OK);
}

static void test_type_changes_unsupported_refused(void **state)
{
	(void)state;
	expect_refused("\"integer\"", "long", "integer");       /* narrowing */
	expect_refused("\"byte\"", "short", "byte");
	expect_refused("\"double\"", "long", "double");         /* not in the list */
	expect_refused("\"float\"", "double", "float");
	expect_refused("\"float\"", "integer", "float");
	expect_refused("\"date\"", "timestamp_ntz", "date");
	expect_refused("\"timestamp\"", "date", "timestamp");   /* only to timestamp_ntz */
	expect_refused("\"string\"", "integer", "string");
	expect_refused("\"long\"", "string", "long");
	expect_refused("\"boolean\"", "byte", "boolean");
	expect_refused("\"decimal(10,3)\"", "decimal(10,2)", "decimal(10,3)"); /* digit lost */
	expect_refused("\"decimal(12,1)\"", "decimal(10,2)", "decimal(12,1)"); /* scale cut */
	expect_refused("\"decimal(9,0)\"", "integer", "decimal(9,0)");
	expect_refused("\"decimal(11,2)\"", "integer", "decimal(11,2)");
	expect_refused("\"decimal(19,0)\"", "long", "decimal(19,0)");
	expect_refused("\"decimal(3,1)\"", "byte", "decimal(3,1)");
	expect_refused("\"long\"", "decimal(10,0)", "long");
	expect_refused("\"double\"", "decimal(10,2)", "double");
	expect_refused("\"decimal(38,0)\"", "decimal(5,0)", "decimal(39,0)"); /* bad type */
	expect_refused("\"long\"", "int", "long");              /* not a Delta type name */
}

static void test_type_changes_malformed(void **state)
{
	char schema[1024];
	dlt_error err;
	(void)state;
	one_column(schema, sizeof(schema), "\"long\"", "{\"fromType\":\"integer\"}");
	assert_int_equal(load_schema(schema, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "delta.typeChanges"));
	one_column(schema, sizeof(schema), "\"long\"", "[{\"fromType\":\"integer\"}]");
	assert_int_equal(load_schema(schema, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "'c'"));
	one_column(schema, sizeof(schema), "\"long\"", "[{\"fromType\":1,\"toType\":\"long\"}]");
	assert_int_equal(load_schema(schema, &err), DLT_ECORRUPT);
	one_column(schema, sizeof(schema), "\"long\"", "[7]");
	assert_int_equal(load_schema(schema, &err), DLT_ECORRUPT);
	/* the list as JSON text is read too */
	one_column(schema, sizeof(schema), "\"long\"",
	           "\"[{\\\"fromType\\\":\\\"integer\\\",\\\"toType\\\":\\\"long\\\"}]\"");
	assert_int_equal(load_schema(schema, &err), DLT_OK);
	one_column(schema, sizeof(schema), "\"integer\"",
	           "\"[{\\\"fromType\\\":\\\"long\\\",\\\"toType\\\":\\\"integer\\\"}]\"");
	assert_int_equal(load_schema(schema, &err), DLT_EUNSUPPORTED);
	one_column(schema, sizeof(schema), "\"long\"", "[]");
	assert_int_equal(load_schema(schema, &err), DLT_OK);
}

/* the corpus table that went through every supported change still loads */
static void test_type_changes_conformance_table_loads(void **state)
{
	char uri[512];
	dlt_table *t = NULL;
	dlt_snapshot *s = NULL;
	dlt_error err;
	(void)state;
	snprintf(uri, sizeof(uri), "%s/delta/kernel/type-widening", DLT_CONFORMANCE_DIR);
	FILE *probe = fopen(uri, "r");
	if (!probe) {
		skip();
		return;
	}
	fclose(probe);
	assert_int_equal(dlt_table_open(&t, uri, NULL, &err), DLT_OK);
	if (dlt_table_snapshot(&s, t, -1, &err) != DLT_OK)
		fail_msg("type-widening: %s", err.message);
	dlt_snapshot_free(s);
	dlt_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_changes_supported_load),
		cmocka_unit_test(test_type_changes_history_and_nested),
		cmocka_unit_test(test_type_changes_unsupported_refused),
		cmocka_unit_test(test_type_changes_malformed),
		cmocka_unit_test(test_type_changes_conformance_table_loads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
