/* The geospatial reader feature: a Delta table around parquet-testing's
 * geospatial.parquet (GEOMETRY logical type, WKB) scans to geoarrow.wkb
 * columns whose bytes equal DuckDB's oracle, WKT bounding-box statistics
 * never skip a file, bad type strings are clear errors and writes are
 * refused (deltalite does not write bounding boxes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "deltalite.h"

#define GEO_PARQUET DLT_CONFORMANCE_DIR "/parquet/data/geospatial/geospatial.parquet"
#define GEO_ORACLE DLT_CONFORMANCE_DIR "/parquet/expected/geospatial/geospatial.parquet.json"

static char g_root[512];

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[65536];
	size_t n;
	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

#define PROTOCOL                                                                          \
	"{\"protocol\":{\"minReaderVersion\":3,\"minWriterVersion\":7,"                       \
	"\"readerFeatures\":[\"geospatial\"],\"writerFeatures\":[\"geospatial\"]}}\n"

/* A table with the file and a schema whose geometry type is `geom_type`. */
static void make_table(const char *name, const char *geom_type)
{
	char path[600], text[4096];
	snprintf(g_root, sizeof(g_root), "%s/geo-%d-%s", DLT_TEST_TMPDIR, (int)getpid(), name);
	snprintf(path, sizeof(path), "rm -rf '%s'", g_root);
	assert_int_equal(system(path), 0);
	snprintf(path, sizeof(path), "%s/_delta_log", g_root);
	assert_int_equal(mkdir(g_root, 0755), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/part-00000.parquet", g_root);
	copy_file(GEO_PARQUET, path);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	/* the geography column is in no file: read as nulls */
	snprintf(text, sizeof(text),
	         PROTOCOL
	         "{\"metaData\":{\"id\":\"geo\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"
	         "\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":["
	         "{\\\"name\\\":\\\"group\\\",\\\"type\\\":\\\"string\\\",\\\"nullable\\\":true,"
	         "\\\"metadata\\\":{}},"
	         "{\\\"name\\\":\\\"wkt\\\",\\\"type\\\":\\\"string\\\",\\\"nullable\\\":true,"
	         "\\\"metadata\\\":{}},"
	         "{\\\"name\\\":\\\"geometry\\\",\\\"type\\\":\\\"%s\\\",\\\"nullable\\\":true,"
	         "\\\"metadata\\\":{}},"
	         "{\\\"name\\\":\\\"area\\\",\\\"type\\\":\\\"geography(EPSG:4326, vincenty)\\\","
	         "\\\"nullable\\\":true,\\\"metadata\\\":{}}]}\","
	         "\"partitionColumns\":[],\"configuration\":{},\"createdTime\":0}}\n"
	         "{\"add\":{\"path\":\"part-00000.parquet\",\"partitionValues\":{},\"size\":%lld,"
	         "\"modificationTime\":0,\"dataChange\":true,\"stats\":\"{\\\"numRecords\\\":196,"
	         "\\\"minValues\\\":{\\\"geometry\\\":\\\"POINT(-180 -90)\\\"},"
	         "\\\"maxValues\\\":{\\\"geometry\\\":\\\"POINT(180 90)\\\"},"
	         "\\\"nullCount\\\":{\\\"geometry\\\":32}}\"}}\n",
	         geom_type, (long long)st.st_size);
	snprintf(path, sizeof(path), "%s/_delta_log/00000000000000000000.json", g_root);
	write_text(path, text);
}

static const char *meta_value(const struct ArrowSchema *s, const char *key, char *buf,
                              size_t cap)
{
	const char *m = s->metadata;
	int32_t n, kl, vl;
	if (!m)
		return NULL;
	memcpy(&n, m, 4);
	m += 4;
	for (int32_t i = 0; i < n; i++) {
		memcpy(&kl, m, 4);
		const char *k = m + 4;
		memcpy(&vl, k + kl, 4);
		const char *v = k + kl + 4;
		if ((size_t)kl == strlen(key) && memcmp(k, key, (size_t)kl) == 0 &&
		    (size_t)vl < cap) {
			memcpy(buf, v, (size_t)vl);
			buf[vl] = 0;
			return buf;
		}
		m = v + vl;
	}
	return NULL;
}

static int child_index(const struct ArrowSchema *s, const char *name)
{
	for (int64_t i = 0; i < s->n_children; i++)
		if (strcmp(s->children[i]->name, name) == 0)
			return (int)i;
	return -1;
}

static void hex_of(char *out, const uint8_t *p, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = 0;
}

static void scan_and_compare(const char *where, size_t want_rows, int64_t want_skipped)
{
	dlt_table *t = NULL;
	dlt_snapshot *snap = NULL;
	dlt_scan *sc = NULL;
	dlt_scan_options so = DLT_SCAN_OPTIONS_INIT;
	struct ArrowArrayStream st;
	struct ArrowSchema sch;
	dlt_error err;
	json_error_t je;
	json_t *oracle = json_load_file(GEO_ORACLE, 0, &je);
	json_t *rows = json_object_get(oracle, "rows");
	char buf[512];
	size_t row = 0;

	assert_non_null(rows);
	so.predicate_sql = where;
	so.exact_filter = 1;
	if (dlt_table_open(&t, g_root, NULL, &err) < 0 || dlt_table_snapshot(&snap, t, -1, &err) < 0 ||
	    dlt_scan_new(&sc, snap, &so, &err) < 0 || dlt_scan_stream(&st, sc, &err) < 0)
		fail_msg("%s", err.message);
	assert_int_equal(st.get_schema(&st, &sch), 0);
	int gi = child_index(&sch, "geometry"), ai = child_index(&sch, "area");
	int wi = child_index(&sch, "wkt");
	assert_true(gi >= 0 && ai >= 0 && wi >= 0);
	assert_string_equal(sch.children[gi]->format, "z");
	assert_string_equal(meta_value(sch.children[gi], "ARROW:extension:name", buf, sizeof(buf)),
	                    "geoarrow.wkb");
	assert_string_equal(meta_value(sch.children[gi], "ARROW:extension:metadata", buf,
	                               sizeof(buf)),
	                    "{\"crs\":\"OGC:CRS84\",\"crs_type\":\"authority_code\"}");
	assert_string_equal(meta_value(sch.children[ai], "ARROW:extension:metadata", buf,
	                               sizeof(buf)),
	                    "{\"crs\":\"EPSG:4326\",\"crs_type\":\"authority_code\","
	                    "\"edges\":\"vincenty\"}");
	assert_string_equal(meta_value(sch.children[ai], "delta.type", buf, sizeof(buf)),
	                    "geography(EPSG:4326, vincenty)");
	for (;;) {
		struct ArrowArray a;
		assert_int_equal(st.get_next(&st, &a), 0);
		if (!a.release)
			break;
		const struct ArrowArray *g = a.children[gi], *ar = a.children[ai], *w = a.children[wi];
		const int32_t *off = g->buffers[1];
		const uint8_t *valid = g->buffers[0], *data = g->buffers[2];
		for (int64_t i = 0; i < a.length; i++, row++) {
			/* the oracle row with this wkt, in file order among the kept ones */
			json_t *o = NULL;
			while (!o && json_array_size(rows) > 0) {
				json_t *cand = json_array_get(rows, 0);
				json_incref(cand);
				json_array_remove(rows, 0);
				const char *ow = json_string_value(json_object_get(cand, "wkt"));
				const int32_t *woff = w->buffers[1];
				int64_t j = w->offset + i;
				bool wnull = w->buffers[0] &&
				             !(((const uint8_t *)w->buffers[0])[j >> 3] & (1 << (j & 7)));
				bool match = wnull ? ow == NULL
				                   : ow && (size_t)(woff[j + 1] - woff[j]) == strlen(ow) &&
				                             memcmp((const char *)w->buffers[2] + woff[j], ow,
				                                    strlen(ow)) == 0;
				if (match)
					o = cand;
				else
					json_decref(cand);
			}
			assert_non_null(o);
			int64_t j = g->offset + i;
			const char *want = json_string_value(json_object_get(o, "geometry"));
			bool is_null = valid && !(valid[j >> 3] & (1 << (j & 7)));
			if (!want) {
				assert_true(is_null);
			} else {
				static char hex[1 << 16];
				assert_false(is_null);
				assert_true(off[j + 1] - off[j] < (int32_t)sizeof(hex) / 2);
				hex_of(hex, data + off[j], off[j + 1] - off[j]);
				assert_string_equal(hex, want);
			}
			assert_int_equal(ar->null_count, ar->length); /* in no file */
			json_decref(o);
		}
		a.release(&a);
	}
	assert_int_equal(row, want_rows);
	dlt_scan_metrics m;
	dlt_scan_get_metrics(&m, sc);
	assert_int_equal(m.files_skipped_stats, want_skipped);
	sch.release(&sch);
	st.release(&st);
	dlt_scan_free(sc);
	dlt_snapshot_free(snap);
	dlt_table_free(t);
	json_decref(oracle);
}

static void test_geo_scan_matches_oracle(void **state)
{
	(void)state;
	make_table("scan", "geometry(OGC:CRS84)");
	scan_and_compare(NULL, 196, 0);
	/* a string predicate filters exactly; the WKT bounds of the geometry
	 * column are not min/max of its bytes and must not be used */
	scan_and_compare("wkt LIKE 'POINT%'", 20, 0);
	scan_and_compare("geometry IS NULL", 32, 0);
}

static void test_geo_bare_type_and_schema(void **state)
{
	dlt_table *t = NULL;
	dlt_snapshot *snap = NULL;
	struct ArrowSchema s;
	dlt_error err;
	char buf[256];
	(void)state;
	make_table("bare", "geometry");
	assert_int_equal(dlt_table_open(&t, g_root, NULL, &err), DLT_OK);
	assert_int_equal(dlt_table_snapshot(&snap, t, -1, &err), DLT_OK);
	assert_int_equal(dlt_snapshot_schema(&s, snap, &err), DLT_OK);
	/* no parameters: the default CRS */
	assert_string_equal(meta_value(s.children[2], "ARROW:extension:metadata", buf, sizeof(buf)),
	                    "{\"crs\":\"OGC:CRS84\",\"crs_type\":\"authority_code\"}");
	s.release(&s);
	/* writing is refused: deltalite does not compute bounding boxes */
	dlt_txn *txn = NULL;
	int rc = dlt_txn_begin(&txn, t, NULL, &err);
	if (rc == DLT_OK)
		rc = dlt_txn_commit(NULL, txn, &err);
	assert_int_equal(rc, DLT_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "geospatial"));
	dlt_txn_free(txn);
	dlt_snapshot_free(snap);
	dlt_table_free(t);
}

static void test_geo_bad_types(void **state)
{
	static const struct { const char *type; int code; const char *msg; } cases[] = {
		{ "geometry(", DLT_ECORRUPT, "bad geometry type" },
		{ "geometry(OGC:CRS84, spherical)", DLT_ECORRUPT, "bad geometry type" },
		{ "geometryx", DLT_ECORRUPT, "bad geometry type" },
		{ "geometry()", DLT_ECORRUPT, "bad geometry type" },
		{ "geography(OGC:CRS84, flat)", DLT_EUNSUPPORTED, "'flat'" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dlt_table *t = NULL;
		dlt_snapshot *snap = NULL;
		dlt_error err;
		make_table("bad", cases[i].type);
		assert_int_equal(dlt_table_open(&t, g_root, NULL, &err), DLT_OK);
		int rc = dlt_table_snapshot(&snap, t, -1, &err);
		if (rc != cases[i].code || !strstr(err.message, cases[i].msg))
			fail_msg("%s: got %d '%s'", cases[i].type, rc, err.message);
		assert_non_null(strstr(err.message, "geometry")); /* names the field */
		dlt_table_free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geo_scan_matches_oracle),
		cmocka_unit_test(test_geo_bare_type_and_schema),
		cmocka_unit_test(test_geo_bad_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
