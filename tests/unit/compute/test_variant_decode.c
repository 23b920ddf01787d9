/* Variant decoding (src/compute/variant.h) against parquet-testing's variant/
 * examples: every <name>.metadata + <name>.value pair must validate, render
 * to text, and that text must match the example's entry in
 * data_dictionary.json under a loose comparison (see cmp_value). Truncated
 * values and metadata must be refused as corrupt, never crash, and
 * dlt_variant__validate and dlt_variant__to_text must agree on every one.
 * Container elements that share bytes are refused (linear-time walks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <strings.h>

#include "compute/variant.h"
#include "util/parse.h"
#include "util/util.h"

#define VARIANT_DIR DLT_CONFORMANCE_DIR "/parquet/variant/"
#define MAX_NAMES 256

/*
 * Expected values data_dictionary.json does not carry. long_string.{metadata,
 * value} exist, but the dictionary (here and upstream) has no entry for it;
 * the value comes from upstream parquet-testing's per-example file
 * variant/long_string.json (as of commit 5d3d869d). A dictionary entry, when
 * there is one, wins; any other file without an entry fails the test.
 */
static const char supplement_json[] =
	"{\"long_string\":\"This string is for sure and certainly longer than 64 bytes and it "
	"also includes several non ascii characters such as \\ud83d\\udc22, \\ud83d\\udc96, "
	"\\u2665\\ufe0f, \\ud83c\\udfa3 and \\ud83e\\udd26!!\"}";

/* ---------- files ---------- */

/* Whole file in an exactly sized malloc block (so ASan sees any over-read);
 * NULL if it cannot be read. A 0-byte file gives a malloc(0) block. */
static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n ? (size_t)n : 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

static uint8_t *read_example(const char *name, const char *ext, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof(path), VARIANT_DIR "%s.%s", name, ext);
	return read_file(path, len);
}

/* Copy of p[0, n) in a block of exactly n bytes (no slack for over-reads). */
static uint8_t *exact_copy(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n);
	if (n)
		assert_non_null(c);
	if (n)
		memcpy(c, p, n);
	return c;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* Example names: every <name>.metadata or <name>.value in the directory,
 * sorted; fails the test if one of the pair is missing. */
static int list_examples(char names[][128])
{
	DIR *d = opendir(VARIANT_DIR);
	struct dirent *e;
	int n = 0;
	if (!d)
		fail_msg("cannot open %s", VARIANT_DIR);
	while ((e = readdir(d)) != NULL) {
		const char *dot = strrchr(e->d_name, '.');
		size_t len;
		bool dup = false;
		if (!dot || (strcmp(dot, ".metadata") != 0 && strcmp(dot, ".value") != 0))
			continue;
		len = (size_t)(dot - e->d_name);
		assert_true(len > 0 && len < 128);
		for (int i = 0; i < n && !dup; i++)
			dup = strlen(names[i]) == len && memcmp(names[i], e->d_name, len) == 0;
		if (dup)
			continue;
		assert_true(n < MAX_NAMES);
		memcpy(names[n], e->d_name, len);
		names[n][len] = '\0';
		n++;
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), name_cmp);
	for (int i = 0; i < n; i++) {
		char path[1024];
		FILE *f;
		snprintf(path, sizeof(path), VARIANT_DIR "%s.metadata", names[i]);
		if ((f = fopen(path, "rb")) == NULL)
			fail_msg("%s: %s.value has no %s.metadata", names[i], names[i], names[i]);
		fclose(f);
		snprintf(path, sizeof(path), VARIANT_DIR "%s.value", names[i]);
		if ((f = fopen(path, "rb")) == NULL)
			fail_msg("%s: %s.metadata has no %s.value", names[i], names[i], names[i]);
		fclose(f);
	}
	return n;
}

/* ---------- the dictionary ---------- */

/*
 * data_dictionary.json is not strict JSON: it has a trailing comma before
 * the closing '}' (and jansson, rightly, refuses that). Drop every ',' that
 * is followed (after whitespace) by '}' or ']', outside strings, in place.
 */
static size_t strip_trailing_commas(char *s, size_t n)
{
	size_t o = 0;
	bool in_str = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\' && i + 1 < n) {
				s[o++] = c;
				c = s[++i];
			} else if (c == '"') {
				in_str = false;
			}
		} else if (c == '"') {
			in_str = true;
		} else if (c == ',') {
			size_t j = i + 1;
			while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r'))
				j++;
			if (j < n && (s[j] == '}' || s[j] == ']'))
				continue;
		}
		s[o++] = c;
	}
	return o;
}

/* The dictionary plus supplement_json: an object name -> expected value. */
static json_t *load_dictionary(size_t *n_from_file)
{
	json_error_t jerr;
	size_t len;
	uint8_t *raw = read_file(VARIANT_DIR "data_dictionary.json", &len);
	json_t *dict, *extra, *v;
	const char *k;
	if (!raw)
		fail_msg("cannot read %sdata_dictionary.json", VARIANT_DIR);
	len = strip_trailing_commas((char *)raw, len);
	dict = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, &jerr);
	free(raw);
	if (!dict || !json_is_object(dict))
		fail_msg("data_dictionary.json: line %d: %s", jerr.line, jerr.text);
	*n_from_file = json_object_size(dict);
	extra = json_loads(supplement_json, 0, &jerr);
	assert_non_null(extra);
	json_object_foreach(extra, k, v) {
		if (!json_object_get(dict, k))
			assert_int_equal(json_object_set(dict, k, v), 0);
	}
	json_decref(extra);
	return dict;
}

/* ---------- loose comparison ---------- */

/*
 * cmp_value(ours, expected): ours is our text parsed by jansson, expected the
 * dictionary entry. The dictionary is loosely typed, so:
 *  - our tagged objects {"$tag":"text"} (a one-key object whose key is one of
 *    our tags) are compared by meaning: $date, $time, $timestamp* as the
 *    day / time of day / instant their text and the expected string parse to
 *    (so "T" vs " ", a "Z" or "+00:00" suffix, a "-04:00" offset and
 *    trailing fraction zeros do not matter, but the expected string must
 *    carry an offset exactly for $timestamptz*); $uuid as a case-insensitive
 *    string; $binary as the same base64 string; $decimal, $float, $double as
 *    the number their text reads as;
 *  - numbers: two integers must be equal; otherwise a relative tolerance of
 *    1e-9 (1e-6 for $float: float32 has 24 bits of mantissa and the
 *    dictionary prints it in decimal);
 *  - objects key by key (same key set), arrays element-wise, strings
 *    byte-equal, true/false/null by type.
 */
static bool cmp_value(const json_t *ours, const json_t *exp, const char *path, char *why,
                      size_t cap);

static bool mismatch(char *why, size_t cap, const char *path, const char *fmt, ...)
	DLT_PRINTF(4, 5);
static bool mismatch(char *why, size_t cap, const char *path, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(why, cap, "at %s: %s", path, msg);
	return false;
}

static const char *const tags[] = {
	"date", "time", "timestamptz", "timestamp_ntz", "timestamptz_nanos", "timestamp_ntz_nanos",
	"uuid", "binary", "decimal", "float", "double",
};

/* The tag of one of our tagged objects and its text, or NULL if v is not one. */
static const char *tag_of(const json_t *v, const char **text)
{
	const char *k;
	json_t *x;
	if (!json_is_object(v) || json_object_size(v) != 1)
		return NULL;
	json_object_foreach((json_t *)v, k, x) {
		if (k[0] != '$' || !json_is_string(x))
			return NULL;
		for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
			if (strcmp(k + 1, tags[i]) == 0) {
				*text = json_string_value(x);
				return tags[i];
			}
		}
	}
	return NULL;
}

static bool close_enough(double a, double b, double rel)
{
	if (a == b)
		return true;
	return fabs(a - b) <= rel * fmax(fabs(a), fabs(b));
}

static bool cmp_number(double a, const json_t *exp, double rel, const char *path, char *why,
                       size_t cap)
{
	double b;
	if (!json_is_number(exp))
		return mismatch(why, cap, path, "number %.17g, expected a %s", a,
		                json_is_string(exp) ? "string" : "non-number");
	b = json_number_value(exp);
	if (!close_enough(a, b, rel))
		return mismatch(why, cap, path, "%.17g != expected %.17g (relative tolerance %g)", a,
		                b, rel);
	return true;
}

/*
 * The dictionary writes a time's fraction after a third colon
 * ("12:33:54:123456" for 12:33:54.123456): read that colon as the '.'.
 */
static void normalise_time(char *s)
{
	char *c = strchr(s, ':');
	if (c && (c = strchr(c + 1, ':')) != NULL && (c = strchr(c + 1, ':')) != NULL)
		*c = '.';
}

static bool cmp_tagged(const char *tag, const char *text, const json_t *exp, const char *path,
                       char *why, size_t cap)
{
	const char *es;
	size_t tl = strlen(text), el;
	if (strcmp(tag, "decimal") == 0 || strcmp(tag, "float") == 0 ||
	    strcmp(tag, "double") == 0) {
		double a;
		if (dlt_parse_double(text, tl, &a) != DLT_PARSE_OK)
			return mismatch(why, cap, path, "our $%s text '%s' is not a number", tag, text);
		return cmp_number(a, exp, strcmp(tag, "float") == 0 ? 1e-6 : 1e-9, path, why, cap);
	}
	if (!json_is_string(exp))
		return mismatch(why, cap, path, "our $%s \"%s\", expected is not a string", tag, text);
	es = json_string_value(exp);
	el = json_string_length(exp);
	if (strcmp(tag, "uuid") == 0) {
		if (tl != el || strncasecmp(text, es, tl) != 0)
			return mismatch(why, cap, path, "uuid %s != expected %s", text, es);
		return true;
	}
	if (strcmp(tag, "binary") == 0) {
		/* both standard padded base64 (RFC 4648) of the same bytes: equal text */
		if (tl != el || memcmp(text, es, tl) != 0)
			return mismatch(why, cap, path, "base64 %s != expected %s", text, es);
		return true;
	}
	if (strcmp(tag, "date") == 0) {
		int32_t a, b;
		if (dlt_parse_date32(text, tl, &a) != DLT_PARSE_OK ||
		    dlt_parse_date32(es, el, &b) != DLT_PARSE_OK || a != b)
			return mismatch(why, cap, path, "date %s != expected %s", text, es);
		return true;
	}
	if (strcmp(tag, "time") == 0) {
		char buf[64];
		int64_t a, b;
		snprintf(buf, sizeof(buf), "%s", es);
		normalise_time(buf);
		if (dlt_parse_time(text, tl, 2, &a) != DLT_PARSE_OK ||
		    dlt_parse_time(buf, strlen(buf), 2, &b) != DLT_PARSE_OK || a != b)
			return mismatch(why, cap, path, "time %s != expected %s", text, es);
		return true;
	}
	{
		/* timestamps: the instant, in us or ns since the epoch */
		bool tz = strncmp(tag, "timestamptz", 11) == 0;
		int unit = strstr(tag, "_nanos") ? 3 : 2;
		bool a_tz, b_tz;
		int64_t a, b;
		if (dlt_parse_timestamp(text, tl, unit, &a, &a_tz) != DLT_PARSE_OK || a_tz != tz)
			return mismatch(why, cap, path, "our $%s text '%s' is not a timestamp%s", tag,
			                text, tz ? " in UTC" : " without zone");
		if (dlt_parse_timestamp(es, el, unit, &b, &b_tz) != DLT_PARSE_OK)
			return mismatch(why, cap, path, "expected '%s' is not a timestamp", es);
		/* the dictionary writes an offset exactly for the UTC-adjusted types */
		if (b_tz != tz)
			return mismatch(why, cap, path, "$%s %s, but expected '%s' %s a zone", tag, text,
			                es, b_tz ? "has" : "has no");
		if (a != b)
			return mismatch(why, cap, path, "$%s %s != expected %s (%" PRId64 " != %" PRId64
			                " %s since the epoch)", tag, text, es, a, b,
			                unit == 3 ? "ns" : "us");
		return true;
	}
}

static bool cmp_value(const json_t *ours, const json_t *exp, const char *path, char *why,
                      size_t cap)
{
	const char *tag, *text = NULL;
	char sub[512];
	if ((tag = tag_of(ours, &text)) != NULL)
		return cmp_tagged(tag, text, exp, path, why, cap);
	switch (json_typeof(ours)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *v;
		if (!json_is_object(exp))
			return mismatch(why, cap, path, "object, expected is not an object");
		if (json_object_size(ours) != json_object_size(exp))
			return mismatch(why, cap, path, "%zu fields, expected %zu",
			                json_object_size(ours), json_object_size(exp));
		json_object_foreach((json_t *)ours, k, v) {
			const json_t *e = json_object_get(exp, k);
			snprintf(sub, sizeof(sub), "%s.%s", path, k);
			if (!e)
				return mismatch(why, cap, sub, "field not expected");
			if (!cmp_value(v, e, sub, why, cap))
				return false;
		}
		return true;
	}
	case JSON_ARRAY:
		if (!json_is_array(exp))
			return mismatch(why, cap, path, "array, expected is not an array");
		if (json_array_size(ours) != json_array_size(exp))
			return mismatch(why, cap, path, "%zu elements, expected %zu",
			                json_array_size(ours), json_array_size(exp));
		for (size_t i = 0; i < json_array_size(ours); i++) {
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			if (!cmp_value(json_array_get(ours, i), json_array_get(exp, i), sub, why, cap))
				return false;
		}
		return true;
	case JSON_STRING:
		if (!json_is_string(exp) || json_string_length(ours) != json_string_length(exp) ||
		    memcmp(json_string_value(ours), json_string_value(exp),
		           json_string_length(ours)) != 0)
			return mismatch(why, cap, path, "string \"%s\" != expected", json_string_value(ours));
		return true;
	case JSON_INTEGER:
		if (json_is_integer(exp)) {
			if (json_integer_value(ours) != json_integer_value(exp))
				return mismatch(why, cap, path, "%" JSON_INTEGER_FORMAT " != expected %"
				                JSON_INTEGER_FORMAT, json_integer_value(ours),
				                json_integer_value(exp));
			return true;
		}
		return cmp_number((double)json_integer_value(ours), exp, 1e-9, path, why, cap);
	case JSON_REAL:
		return cmp_number(json_real_value(ours), exp, 1e-9, path, why, cap);
	default: /* true, false, null */
		if (json_typeof(ours) != json_typeof(exp))
			return mismatch(why, cap, path, "%s, expected another JSON type",
			                json_is_null(ours) ? "null" : json_is_true(ours) ? "true"
			                                                                 : "false");
		return true;
	}
}

/* ---------- tests ---------- */

static void test_variant_examples_match_dictionary(void **state)
{
	static char names[MAX_NAMES][128];
	json_t *dict;
	size_t n_file, n_ok = 0;
	int n;
	const char *k;
	json_t *v;
	(void)state;
	n = list_examples(names);
	dict = load_dictionary(&n_file);
	/* every expected name has its files */
	json_object_foreach(dict, k, v) {
		bool found = false;
		for (int i = 0; i < n && !found; i++)
			found = strcmp(names[i], k) == 0;
		if (!found)
			fail_msg("%s: in the expected values, but %s.metadata/.value are missing", k, k);
	}
	for (int i = 0; i < n; i++) {
		const json_t *exp = json_object_get(dict, names[i]);
		size_t mlen = 0, vlen = 0;
		uint8_t *m = read_example(names[i], "metadata", &mlen);
		uint8_t *val = read_example(names[i], "value", &vlen);
		dlt_buf text = DLT_BUF_INIT;
		dlt_error err;
		json_error_t jerr;
		json_t *ours;
		char why[1024];
		int rc;
		if (!exp)
			fail_msg("%s: has %s.metadata/.value but no expected value", names[i], names[i]);
		if (!m || !val)
			fail_msg("%s: cannot read its files", names[i]);
		rc = dlt_variant__validate(m, mlen, val, vlen, &err);
		if (rc != DLT_OK)
			fail_msg("%s: validate: %s", names[i], err.message);
		rc = dlt_variant__to_text(&text, m, mlen, val, vlen, &err);
		if (rc != DLT_OK)
			fail_msg("%s: to_text: %s", names[i], err.message);
		ours = json_loadb((const char *)text.data, text.len, JSON_DECODE_ANY, &jerr);
		if (!ours)
			fail_msg("%s: our text is not JSON (%s): %.*s", names[i], jerr.text,
			         (int)text.len, (const char *)text.data);
		if (!cmp_value(ours, exp, "$", why, sizeof(why)))
			fail_msg("%s: %s\n  ours: %.*s", names[i], why, (int)text.len,
			         (const char *)text.data);
		n_ok++;
		json_decref(ours);
		dlt_buf_dispose(&text);
		free(m);
		free(val);
	}
	printf("variant examples: %zu of %d match (%zu expected values from data_dictionary.json, "
	       "%zu supplemented)\n",
	       n_ok, n, n_file, json_object_size(dict) - n_file);
	assert_int_equal(n_ok, (size_t)n);
	assert_true(n >= 29); /* the corpus as we know it; fewer means files went missing */
	json_decref(dict);
}

/* The comparison itself: it must tell apart what differs, so the test above
 * cannot pass vacuously. Pairs of (our text, expected JSON). */
static void test_variant_loose_compare_self_check(void **state)
{
	static const char *const same[][2] = {
		{ "{\"$timestamptz\":\"2025-04-16T16:34:56.78Z\"}", "\"2025-04-16 12:34:56.78-04:00\"" },
		{ "{\"$timestamptz_nanos\":\"2024-11-07T12:33:54.123456789Z\"}",
		  "\"2024-11-07T12:33:54.123456789+00:00\"" },
		{ "{\"$timestamp_ntz\":\"2025-04-16T12:34:56.78\"}", "\"2025-04-16 12:34:56.780\"" },
		{ "{\"$time\":\"12:33:54.123456\"}", "\"12:33:54:123456\"" },
		{ "{\"$decimal\":\"12345678912345678.90\"}", "1.2345678912345678e+16" },
		{ "{\"$float\":\"1234568000.0\"}", "1234567940.0" },
		{ "{\"$uuid\":\"f24f9b64-81fa-49d1-b74e-8c09a6e31c56\"}",
		  "\"F24F9B64-81FA-49D1-B74E-8C09A6E31C56\"" },
		{ "{\"a\":[1,null,{\"b\":2.5}]}", "{\"a\":[1.0,null,{\"b\":2.5}]}" },
	};
	static const char *const differ[][2] = {
		{ "{\"$timestamptz\":\"2025-04-16T12:34:56.78Z\"}", "\"2025-04-16 12:34:56.78-04:00\"" },
		{ "{\"$timestamptz\":\"2025-04-16T12:34:56.78Z\"}", "\"2025-04-16 12:34:56.78\"" },
		{ "{\"$timestamp_ntz\":\"2025-04-16T12:34:56.78\"}", "\"2025-04-16 12:34:56.781\"" },
		{ "{\"$timestamp_ntz_nanos\":\"2024-11-07T12:33:54.123456789\"}",
		  "\"2024-11-07T12:33:54.123456788\"" },
		{ "{\"$date\":\"2025-04-16\"}", "\"2025-04-17\"" },
		{ "{\"$time\":\"12:33:54.123456\"}", "\"12:33:54:123457\"" },
		{ "{\"$decimal\":\"12.34\"}", "12.3400001" },
		{ "{\"$float\":\"1234568000.0\"}", "1234570000.0" },
		{ "{\"$binary\":\"AxM33q2+78r+\"}", "\"AxM33q2+78r/\"" },
		{ "{\"$uuid\":\"f24f9b64-81fa-49d1-b74e-8c09a6e31c56\"}",
		  "\"f24f9b64-81fa-49d1-b74e-8c09a6e31c57\"" },
		{ "1234567890123456789", "1234567890123456788" },
		{ "1.23456789", "1.2345679" },
		{ "\"abc\"", "\"abd\"" },
		{ "\"12\"", "12" },
		{ "null", "false" },
		{ "true", "false" },
		{ "[1,2]", "[1,2,3]" },
		{ "{\"a\":1}", "{\"b\":1}" },
		{ "{\"a\":1}", "{\"a\":1,\"b\":2}" },
		{ "{\"$nottag\":\"x\"}", "\"x\"" },
	};
	const size_t n_same = sizeof(same) / sizeof(same[0]);
	const size_t n_differ = sizeof(differ) / sizeof(differ[0]);
	char why[1024];
	(void)state;
	for (size_t i = 0; i < n_same + n_differ; i++) {
		const char *const *pair = i < n_same ? same[i] : differ[i - n_same];
		bool want = i < n_same;
		json_t *a = json_loads(pair[0], JSON_DECODE_ANY, NULL);
		json_t *b = json_loads(pair[1], JSON_DECODE_ANY, NULL);
		assert_non_null(a);
		assert_non_null(b);
		why[0] = '\0';
		if (cmp_value(a, b, "$", why, sizeof(why)) != want)
			fail_msg("%s vs %s: expected %s (%s)", pair[0], pair[1],
			         want ? "a match" : "a mismatch", why);
		json_decref(a);
		json_decref(b);
	}
	printf("loose comparison: %zu matching and %zu differing pairs told apart\n", n_same,
	       n_differ);
}

/* Run validate and to_text on exact-size copies; they must agree. */
static int check_both(const uint8_t *m, size_t mlen, const uint8_t *v, size_t vlen,
                      const char *what)
{
	uint8_t *mc = exact_copy(m, mlen), *vc = exact_copy(v, vlen);
	dlt_buf text = DLT_BUF_INIT;
	dlt_error e1, e2;
	int r1 = dlt_variant__validate(mc, mlen, vc, vlen, &e1);
	int r2 = dlt_variant__to_text(&text, mc, mlen, vc, vlen, &e2);
	if (r1 != r2)
		fail_msg("%s: validate gives %d (%s), to_text %d (%s)", what, r1,
		         r1 ? e1.message : "ok", r2, r2 ? e2.message : "ok");
	dlt_buf_dispose(&text);
	free(mc);
	free(vc);
	return r1;
}

static void test_variant_truncated_values_fail(void **state)
{
	static char names[MAX_NAMES][128];
	int n;
	size_t cuts = 0;
	(void)state;
	n = list_examples(names);
	for (int i = 0; i < n; i++) {
		size_t mlen = 0, vlen = 0;
		uint8_t *m = read_example(names[i], "metadata", &mlen);
		uint8_t *v = read_example(names[i], "value", &vlen);
		assert_non_null(m);
		assert_non_null(v);
		for (size_t len = 0; len < vlen; len++) {
			char what[200];
			int rc;
			snprintf(what, sizeof(what), "%s.value cut to %zu of %zu bytes", names[i], len,
			         vlen);
			rc = check_both(m, mlen, v, len, what);
			if (rc != DLT_ECORRUPT && rc != DLT_ELIMIT)
				fail_msg("%s: rc %d, expected DLT_ECORRUPT", what, rc);
			cuts++;
		}
		/* and one byte too many */
		{
			uint8_t *longer = malloc(vlen + 1);
			assert_non_null(longer);
			memcpy(longer, v, vlen);
			longer[vlen] = 0;
			assert_int_equal(check_both(m, mlen, longer, vlen + 1, names[i]), DLT_ECORRUPT);
			free(longer);
		}
		free(m);
		free(v);
	}
	printf("variant truncated values: %zu cuts of %d values refused\n", cuts, n);
}

static void test_variant_truncated_metadata_fails(void **state)
{
	static char names[MAX_NAMES][128];
	int n;
	size_t cuts = 0;
	(void)state;
	n = list_examples(names);
	for (int i = 0; i < n; i++) {
		size_t mlen = 0, vlen = 0, got;
		uint8_t *m = read_example(names[i], "metadata", &mlen);
		uint8_t *v = read_example(names[i], "value", &vlen);
		dlt_error err;
		assert_non_null(m);
		assert_non_null(v);
		assert_int_equal(dlt_variant__metadata_len(&got, m, mlen, &err), DLT_OK);
		assert_int_equal(got, mlen);
		for (size_t len = 0; len < mlen; len++) {
			char what[200];
			uint8_t *mc = exact_copy(m, len);
			snprintf(what, sizeof(what), "%s.metadata cut to %zu of %zu bytes", names[i], len,
			         mlen);
			if (dlt_variant__metadata_len(&got, mc, len, &err) != DLT_ECORRUPT)
				fail_msg("%s: metadata_len did not fail", what);
			free(mc);
			assert_int_equal(check_both(m, len, v, vlen, what), DLT_ECORRUPT);
			cuts++;
		}
		free(m);
		free(v);
	}
	printf("variant truncated metadata: %zu cuts of %d refused\n", cuts, n);
}

/*
 * Container elements sharing bytes. Arrays whose two elements both start at
 * offset 0 (the same inner array), nested 64 deep, are 897 bytes naming 2^64
 * elements: they must be refused as corrupt at once, not walked (the walk was
 * exponential before: a fuzz timeout). Objects likewise; but object values in
 * any order (non-monotonic offsets, allowed by the spec) stay valid.
 */
static void test_variant_shared_elements_refused(void **state)
{
	enum { DEPTH = 64, LEVEL = 14 };
	static const uint8_t empty_meta[] = { 0x11, 0x00, 0x00 };
	static const uint8_t ab_meta[] = { 0x11, 0x02, 0x00, 0x01, 0x02, 'a', 'b' };
	/* {"a":<int16 7>,"b":<the same bytes>} */
	static const uint8_t shared_obj[] = { 0x02, 0x02, 0x00, 0x01, 0x00, 0x00, 0x03,
	                                      0x10, 0x07, 0x00 };
	/* {"a":1,"b":null}, b's value stored first */
	static const uint8_t reordered_obj[] = { 0x02, 0x02, 0x00, 0x01, 0x01, 0x00, 0x03,
	                                         0x00, 0x0c, 0x01 };
	uint8_t v[DEPTH * LEVEL + 1];
	dlt_buf text = DLT_BUF_INIT;
	dlt_error err;
	(void)state;
	for (int k = 0; k < DEPTH; k++) {
		uint8_t *h = v + k * LEVEL;
		uint32_t inner = 1 + (uint32_t)(DEPTH - 1 - k) * LEVEL;
		memset(h, 0, LEVEL);
		h[0] = 0x0f; /* array, 4-byte offsets */
		h[1] = 2;    /* two elements, offsets 0, 0, inner */
		for (int b = 0; b < 4; b++)
			h[10 + b] = (uint8_t)(inner >> (8 * b));
	}
	v[DEPTH * LEVEL] = 0x00; /* null */
	assert_int_equal(check_both(empty_meta, sizeof(empty_meta), v, sizeof(v), "shared arrays"),
	                 DLT_ECORRUPT);
	assert_int_equal(dlt_variant__validate(empty_meta, sizeof(empty_meta), v, sizeof(v), &err),
	                 DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "overlaps"));
	assert_int_equal(check_both(ab_meta, sizeof(ab_meta), shared_obj, sizeof(shared_obj),
	                            "shared object values"),
	                 DLT_ECORRUPT);
	assert_int_equal(dlt_variant__to_text(&text, ab_meta, sizeof(ab_meta), reordered_obj,
	                                      sizeof(reordered_obj), &err),
	                 DLT_OK);
	assert_int_equal(text.len, strlen("{\"a\":1,\"b\":null}"));
	assert_memory_equal(text.data, "{\"a\":1,\"b\":null}", text.len);
	dlt_buf_dispose(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_variant_loose_compare_self_check),
		cmocka_unit_test(test_variant_examples_match_dictionary),
		cmocka_unit_test(test_variant_truncated_values_fail),
		cmocka_unit_test(test_variant_truncated_metadata_fails),
		cmocka_unit_test(test_variant_shared_elements_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
