/* Shredded Variant reconstruction (src/compute/variant.h) against the
 * parquet-testing shredded_variant corpus (every case of cases.json), plus
 * hostile variant bytes and hand-built shredded arrays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "arrow/arrow.h"
#include "compute/variant.h"
#include "deltalite/parquet.h"

#define CASES_DIR DLT_CONFORMANCE_DIR "/parquet/shredded_variant"

/* Cases we cannot check, with the reason; everything else must pass. */
static const struct {
	int case_number;
	const char *reason;
} allow_list[] = {
	{ 3, "the upstream cases.json entry is empty: no parquet file, variant or error" },
};

static const char *allowed_reason(int case_number)
{
	for (size_t i = 0; i < sizeof(allow_list) / sizeof(allow_list[0]); i++)
		if (allow_list[i].case_number == case_number)
			return allow_list[i].reason;
	return NULL;
}

/* ---------- helpers ---------- */

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Canonical text of a variant, or NULL (message in err). Caller free()s. */
static char *text_of(const uint8_t *m, size_t mlen, const uint8_t *v, size_t vlen, dlt_error *err)
{
	dlt_buf b = DLT_BUF_INIT;
	char *s;
	if (dlt_variant__to_text(&b, m, mlen, v, vlen, err) < 0) {
		dlt_buf_dispose(&b);
		return NULL;
	}
	s = malloc(b.len + 1);
	memcpy(s, b.data, b.len);
	s[b.len] = 0;
	dlt_buf_dispose(&b);
	return s;
}

static void bin_at(const struct ArrowArray *a, int64_t i, const uint8_t **p, size_t *n)
{
	const int32_t *o = a->buffers[1];
	int64_t j = a->offset + i;
	*n = (size_t)(o[j + 1] - o[j]);
	*p = *n ? (const uint8_t *)a->buffers[2] + o[j] : (const uint8_t *)"";
}

/* Unshredded rows of a case's `var` column, concatenated over batches. */
typedef struct case_rows {
	struct ArrowArray *arrays; /* one unshredded array per batch */
	size_t n_arrays;
	int64_t n_rows;
} case_rows;

static void case_rows_free(case_rows *r)
{
	for (size_t i = 0; i < r->n_arrays; i++)
		dlt_array__release(&r->arrays[i]);
	free(r->arrays);
	memset(r, 0, sizeof(*r));
}

/* Row `row` of the result: *is_null, or metadata/value bytes. */
static void case_row(const case_rows *r, int64_t row, bool *is_null, const uint8_t **m,
                     size_t *mlen, const uint8_t **v, size_t *vlen)
{
	for (size_t k = 0; k < r->n_arrays; k++) {
		const struct ArrowArray *a = &r->arrays[k];
		if (row < a->length) {
			*is_null = dlt_arrow__is_null(a, row);
			bin_at(a->children[0], a->offset + row, m, mlen);
			bin_at(a->children[1], a->offset + row, v, vlen);
			return;
		}
		row -= a->length;
	}
	*is_null = true;
}

static int has_dictionary(const struct ArrowSchema *s)
{
	int r = s->dictionary != NULL;
	for (int64_t k = 0; k < s->n_children; k++)
		r |= has_dictionary(s->children[k]);
	return r;
}

/* Read the parquet file and unshred its `var` column; rc < 0 with err on failure. */
static int read_case(case_rows *out, const char *file, int dictionary, int *saw_dictionary,
                     dlt_error *err)
{
	char path[4096];
	dlt_parquet_file *f = NULL;
	dlt_parquet_read_options opts = DLT_PARQUET_READ_OPTIONS_INIT;
	struct ArrowArrayStream st;
	struct ArrowSchema sch;
	int64_t col = -1;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&sch, 0, sizeof(sch));
	snprintf(path, sizeof(path), "%s/%s", CASES_DIR, file);
	opts.dictionary = dictionary;
	if ((rc = dlt_parquet_open_path(&f, path, &opts, err)) < 0)
		return rc;
	if ((rc = dlt_parquet_read(&st, f, &opts, err)) < 0) {
		dlt_parquet_file_free(f);
		return rc;
	}
	if ((rc = dlt_stream__schema(&st, &sch, err)) < 0)
		goto done;
	for (int64_t k = 0; k < sch.n_children; k++)
		if (strcmp(sch.children[k]->name, "var") == 0)
			col = k;
	if (col < 0) {
		rc = dlt_error_set(err, DLT_ENOTFOUND, "no 'var' column");
		goto done;
	}
	*saw_dictionary |= has_dictionary(sch.children[col]);
	for (;;) {
		struct ArrowArray batch;
		if ((rc = dlt_stream__next(&st, &batch, err)) < 0 || !batch.release)
			break;
		out->arrays = realloc(out->arrays, (out->n_arrays + 1) * sizeof(*out->arrays));
		assert_non_null(out->arrays);
		rc = dlt_variant__unshred(&out->arrays[out->n_arrays], sch.children[col],
		                          batch.children[col], err);
		batch.release(&batch);
		if (rc < 0)
			break;
		out->n_rows += out->arrays[out->n_arrays].length;
		out->n_arrays++;
	}
done:
	dlt_schema__release(&sch);
	st.release(&st);
	dlt_parquet_file_free(f);
	if (rc < 0)
		case_rows_free(out);
	return rc;
}

typedef struct tally {
	int dictionary; /* read with dlt_parquet_read_options.dictionary */
	int saw_dictionary;
	int equal, errors, failed, identical, rows, null_rows;
} tally;

/* Compare one row with its expected .variant.bin (NULL: a null row). */
static bool check_row(const case_rows *r, int64_t row, const char *expected_file, int cn,
                      tally *t)
{
	char path[4096];
	const uint8_t *m, *v;
	size_t mlen, vlen, elen, emlen;
	bool is_null;
	uint8_t *exp;
	char *got_text, *exp_text;
	dlt_error err;
	bool ok;

	if (row >= r->n_rows) {
		printf("case %d row %lld: missing (file has %lld rows)\n", cn, (long long)row,
		       (long long)r->n_rows);
		return false;
	}
	case_row(r, row, &is_null, &m, &mlen, &v, &vlen);
	if (!expected_file) {
		t->null_rows++;
		if (!is_null)
			printf("case %d row %lld: expected a null variant row\n", cn, (long long)row);
		return is_null;
	}
	if (is_null) {
		printf("case %d row %lld: unexpected null row\n", cn, (long long)row);
		return false;
	}
	t->rows++;
	if (dlt_variant__validate(m, mlen, v, vlen, &err) < 0) {
		printf("case %d row %lld: our output does not validate: %s\n", cn, (long long)row,
		       err.message);
		return false;
	}
	snprintf(path, sizeof(path), "%s/%s", CASES_DIR, expected_file);
	exp = read_file(path, &elen);
	assert_non_null(exp);
	assert_int_equal(dlt_variant__metadata_len(&emlen, exp, elen, &err), DLT_OK);
	exp_text = text_of(exp, emlen, exp + emlen, elen - emlen, &err);
	if (!exp_text)
		printf("case %d row %lld: expected variant: %s\n", cn, (long long)row, err.message);
	got_text = text_of(m, mlen, v, vlen, &err);
	ok = exp_text && got_text && strcmp(exp_text, got_text) == 0;
	if (getenv("VARIANT_SHOW")) /* VARIANT_SHOW=1: print every row's text */
		printf("case %d row %lld: %s\n", cn, (long long)row, got_text ? got_text : "-");
	if (!ok)
		printf("case %d row %lld: got %s\n  expected %s\n", cn, (long long)row,
		       got_text ? got_text : "(error)", exp_text ? exp_text : "(error)");
	if (ok && mlen == emlen && vlen == elen - emlen && memcmp(m, exp, mlen) == 0 &&
	    memcmp(v, exp + emlen, vlen) == 0)
		t->identical++;
	else if (ok)
		printf("case %d row %lld: equal, not byte-identical (value %zu bytes, expected %zu)\n",
		       cn, (long long)row, vlen, elen - emlen);
	free(exp);
	free(exp_text);
	free(got_text);
	return ok;
}

/* Our message names the same problem as the corpus's (Java) message: its
 * text after "Invalid variant, " and before any ':' (case aside). */
static bool same_error(const char *expected, const char *got)
{
	char key[128];
	const char *p = strncmp(expected, "Invalid variant, ", 17) == 0 ? expected + 17 : expected;
	size_t n = strcspn(p, ":");
	snprintf(key, sizeof(key), "%.*s", (int)n, p);
	return strcasestr(got, key) != NULL;
}

static void run_case(json_t *c, tally *t)
{
	int cn = (int)json_integer_value(json_object_get(c, "case_number"));
	const char *file = json_string_value(json_object_get(c, "parquet_file"));
	json_t *error = json_object_get(c, "error_message");
	json_t *single = json_object_get(c, "variant_file");
	json_t *multi = json_object_get(c, "variant_files");
	const char *reason = allowed_reason(cn);
	case_rows rows;
	dlt_error err;
	bool ok = true;
	int rc;

	if (reason) {
		printf("case %d: not checked (allow-listed): %s\n", cn, reason);
		return;
	}
	if (!file) {
		printf("case %d: no parquet_file and not allow-listed\n", cn);
		t->failed++;
		return;
	}
	rc = read_case(&rows, file, t->dictionary, &t->saw_dictionary, &err);
	if (error) {
		if (rc < 0 && same_error(json_string_value(error), err.message)) {
			printf("case %d: error as expected (%s): [%s] %s\n", cn,
			       json_string_value(error), dlt_code_name(rc), err.message);
			t->errors++;
		} else if (rc < 0) {
			printf("case %d: expected error '%s', got: %s\n", cn, json_string_value(error),
			       err.message);
			t->failed++;
		} else {
			printf("case %d: expected error '%s' but read succeeded\n", cn,
			       json_string_value(error));
			t->failed++;
			case_rows_free(&rows);
		}
		return;
	}
	if (rc < 0) {
		printf("case %d: %s\n", cn, err.message);
		t->failed++;
		return;
	}
	if (json_is_string(single)) {
		ok = rows.n_rows == 1 && check_row(&rows, 0, json_string_value(single), cn, t);
	} else if (json_is_array(multi)) {
		size_t i;
		json_t *f;
		ok = rows.n_rows == (int64_t)json_array_size(multi);
		json_array_foreach(multi, i, f)
			ok = check_row(&rows, (int64_t)i, json_string_value(f), cn, t) && ok;
	} else {
		printf("case %d: neither variant_file, variant_files nor error_message\n", cn);
		ok = false;
	}
	if (ok)
		t->equal++;
	else
		t->failed++;
	case_rows_free(&rows);
}

/* ---------- the corpus ---------- */

static void run_corpus(int dictionary)
{
	json_error_t jerr;
	json_t *cases = json_load_file(CASES_DIR "/cases.json", 0, &jerr), *c;
	tally t;
	size_t i;
	memset(&t, 0, sizeof(t));
	t.dictionary = dictionary;
	assert_non_null(cases); /* a missing corpus fails, never skips */
	json_array_foreach(cases, i, c)
		run_case(c, &t);
	printf("variant cases: %d equal, %d errors as expected, %d failed "
	       "(%zu cases, %zu allow-listed; %d of %d variant rows byte-identical, "
	       "%d null rows%s)\n",
	       t.equal, t.errors, t.failed, json_array_size(cases),
	       sizeof(allow_list) / sizeof(allow_list[0]), t.identical, t.rows, t.null_rows,
	       dictionary ? "; dictionary-encoded reads" : "");
	assert_int_equal(json_array_size(cases), 138);
	assert_int_equal((size_t)(t.equal + t.errors) + sizeof(allow_list) / sizeof(allow_list[0]),
	                 json_array_size(cases));
	assert_int_equal(t.failed, 0);
	if (dictionary)
		assert_true(t.saw_dictionary); /* the dictionary paths were exercised */
	json_decref(cases);
}

static void test_variant_shredded_corpus(void **state)
{
	(void)state;
	run_corpus(0);
}

/* The same with string/binary columns read as Arrow dictionaries. */
static void test_variant_shredded_corpus_dictionary(void **state)
{
	(void)state;
	run_corpus(1);
}

/* ---------- hostile variant bytes ---------- */

static const uint8_t META_EMPTY[] = { 0x01, 0x00, 0x00 };
/* sorted dictionary {"a", "b"} */
static const uint8_t META_AB[] = { 0x11, 0x02, 0x00, 0x01, 0x02, 'a', 'b' };

static int text_rc(const uint8_t *m, size_t mlen, const uint8_t *v, size_t vlen, dlt_error *err)
{
	dlt_buf b = DLT_BUF_INIT;
	int rc = dlt_variant__to_text(&b, m, mlen, v, vlen, err);
	dlt_buf_dispose(&b);
	return rc;
}

#define EXPECT_VALUE_RC(code, meta, ...)                                                  \
	do {                                                                                  \
		const uint8_t v_[] = { __VA_ARGS__ };                                             \
		dlt_error e_;                                                                     \
		assert_int_equal(text_rc(meta, sizeof(meta), v_, sizeof(v_), &e_), code);        \
		assert_int_equal(dlt_variant__validate(meta, sizeof(meta), v_, sizeof(v_), &e_), \
		                 code);                                                           \
		printf("  %s: %s\n", dlt_code_name(code), e_.message);                           \
	} while (0)

static void test_variant_text_rejects_hostile_values(void **state)
{
	dlt_error err;
	(void)state;
	/* truncated int32, empty value, long string length past the end */
	EXPECT_VALUE_RC(DLT_ECORRUPT, META_EMPTY, 0x14, 0x01, 0x02);
	assert_int_equal(text_rc(META_EMPTY, sizeof(META_EMPTY), NULL, 0, &err), DLT_ECORRUPT);
	EXPECT_VALUE_RC(DLT_ECORRUPT, META_EMPTY, 0x40, 0xff, 0xff, 0xff, 0x7f, 'a');
	/* array: values end past the buffer; element offset past its values */
	EXPECT_VALUE_RC(DLT_ECORRUPT, META_EMPTY, 0x03, 0x01, 0x00, 0x05, 0x00);
	EXPECT_VALUE_RC(DLT_ECORRUPT, META_EMPTY, 0x03, 0x02, 0x00, 0x05, 0x01, 0x00);
	/* array header claiming 4-byte count and 4-byte offsets, truncated */
	EXPECT_VALUE_RC(DLT_ECORRUPT, META_EMPTY, 0x1f, 0xff, 0xff, 0xff, 0xff, 0x00);
	/* object: field id outside the dictionary; keys out of order; duplicated */
	EXPECT_VALUE_RC(DLT_ECORRUPT, META_EMPTY, 0x02, 0x01, 0x00, 0x00, 0x01, 0x00);
	EXPECT_VALUE_RC(DLT_ECORRUPT, META_AB, 0x02, 0x02, 0x01, 0x00, 0x00, 0x01, 0x02, 0x00,
	                0x00);
	EXPECT_VALUE_RC(DLT_ECORRUPT, META_AB, 0x02, 0x02, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00,
	                0x00);
	/* bad UTF-8, trailing bytes, decimal scale 39, time past midnight */
	EXPECT_VALUE_RC(DLT_ECORRUPT, META_EMPTY, 0x05, 0xff);
	EXPECT_VALUE_RC(DLT_ECORRUPT, META_EMPTY, 0x00, 0x00);
	EXPECT_VALUE_RC(DLT_ECORRUPT, META_EMPTY, 0x20, 39, 1, 0, 0, 0);
	EXPECT_VALUE_RC(DLT_ECORRUPT, META_EMPTY, 0x44, 0, 0, 0, 0, 0, 0, 0, 0x7f);
	/* a primitive type id the spec does not define (yet) */
	EXPECT_VALUE_RC(DLT_EUNSUPPORTED, META_EMPTY, 0x54);
}

static void test_variant_text_rejects_hostile_metadata(void **state)
{
	const uint8_t v[] = { 0x00 };
	const uint8_t version0[] = { 0x00, 0x00, 0x00 }, version2[] = { 0x02, 0x00, 0x00 };
	const uint8_t past_end[] = { 0x01, 0x01, 0x00, 0x09, 'a' };
	const uint8_t first_not_zero[] = { 0x01, 0x01, 0x01, 0x01, 'a' };
	const uint8_t descending[] = { 0x01, 0x02, 0x00, 0x02, 0x01, 'a', 'b' };
	const uint8_t huge_dict[] = { 0xc1, 0xff, 0xff, 0xff, 0xff, 0x00 };
	const uint8_t bad_utf8[] = { 0x01, 0x01, 0x00, 0x01, 0xc3 };
	const uint8_t trailing[] = { 0x01, 0x00, 0x00, 0x00 };
	dlt_error err;
	size_t len;
	(void)state;
	assert_int_equal(text_rc(version0, sizeof(version0), v, 1, &err), DLT_ECORRUPT);
	assert_int_equal(text_rc(version2, sizeof(version2), v, 1, &err), DLT_EUNSUPPORTED);
	assert_int_equal(text_rc(past_end, sizeof(past_end), v, 1, &err), DLT_ECORRUPT);
	assert_int_equal(text_rc(first_not_zero, sizeof(first_not_zero), v, 1, &err),
	                 DLT_ECORRUPT);
	assert_int_equal(text_rc(descending, sizeof(descending), v, 1, &err), DLT_ECORRUPT);
	assert_int_equal(text_rc(huge_dict, sizeof(huge_dict), v, 1, &err), DLT_ECORRUPT);
	assert_int_equal(text_rc(bad_utf8, sizeof(bad_utf8), v, 1, &err), DLT_ECORRUPT);
	assert_int_equal(text_rc(trailing, sizeof(trailing), v, 1, &err), DLT_ECORRUPT);
	assert_int_equal(text_rc(META_EMPTY, 0, v, 1, &err), DLT_ECORRUPT);
	assert_int_equal(dlt_variant__metadata_len(&len, trailing, sizeof(trailing), &err), DLT_OK);
	assert_int_equal(len, 3);
}

static void test_variant_text_limits_depth(void **state)
{
	/* 200 nested one-element arrays around a null: each level is 0x0f (4-byte
	 * offsets), count 1, offsets 0 and the inner size. */
	size_t levels = 200, n = 1 + levels * 10, pos = levels * 10;
	uint8_t *v = calloc(n, 1);
	dlt_error err;
	(void)state;
	v[pos] = 0x00;
	for (size_t k = 0; k < levels; k++) {
		uint32_t inner = (uint32_t)(n - pos);
		pos -= 10;
		v[pos] = 0x0f;
		v[pos + 1] = 1;
		memcpy(v + pos + 6, &inner, 4);
	}
	assert_int_equal(text_rc(META_EMPTY, sizeof(META_EMPTY), v, n, &err), DLT_ELIMIT);
	/* 100 levels are fine */
	assert_int_equal(text_rc(META_EMPTY, sizeof(META_EMPTY), v + 1000, n - 1000, &err), DLT_OK);
	free(v);
}

/* Every truncation and many single-byte mutations of a real variant: an
 * answer or a clean error, never a crash (ASan/UBSan watch). */
static void test_variant_text_survives_mutations(void **state)
{
	static const uint8_t bytes[] = { 0x00, 0x01, 0x02, 0x03, 0x07, 0x0f, 0x10, 0x1f, 0x3c,
	                                 0x40, 0x7f, 0x80, 0xc1, 0xff };
	size_t len, mlen, ok = 0, bad = 0;
	uint8_t *orig = read_file(CASES_DIR "/case-126_row-1.variant.bin", &len), *buf;
	dlt_error err;
	(void)state;
	assert_non_null(orig);
	assert_int_equal(dlt_variant__metadata_len(&mlen, orig, len, &err), DLT_OK);
	buf = malloc(len);
	for (size_t cut = 0; cut <= len; cut++) {
		size_t m = DLT_MIN(cut, mlen);
		int rc;
		memcpy(buf, orig, cut);
		rc = text_rc(buf, m, buf + m, cut - m, &err);
		assert_true(rc == DLT_OK || rc == DLT_ECORRUPT || rc == DLT_EUNSUPPORTED);
		rc == DLT_OK ? ok++ : bad++;
	}
	for (size_t i = 0; i < len; i++) {
		for (size_t k = 0; k < sizeof(bytes); k++) {
			int rc;
			memcpy(buf, orig, len);
			buf[i] = bytes[k];
			rc = text_rc(buf, mlen, buf + mlen, len - mlen, &err);
			assert_true(rc == DLT_OK || rc == DLT_ECORRUPT || rc == DLT_EUNSUPPORTED);
			rc == DLT_OK ? ok++ : bad++;
		}
	}
	printf("mutations: %zu rendered, %zu rejected\n", ok, bad);
	free(buf);
	free(orig);
}

static void test_variant_text_is_canonical(void **state)
{
	/* the same object {"a": "x", "b": [1.5, 12]} with minimal widths, then with
	 * 2-byte ids, 4-byte offsets, is_large and a long string */
	const uint8_t small[] = { 0x02, 0x02, 0x00, 0x01, 0x00, 0x02, 0x12, 0x05, 0x78, 0x03, 0x02,
	                          0x00, 0x09, 0x0b, 0x1c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8,
	                          0x3f, 0x0c, 0x0c };
	const uint8_t wide[] = { 0x5e, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	                         0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x40,
	                         0x01, 0x00, 0x00, 0x00, 0x78, 0x03, 0x02, 0x00, 0x09, 0x0b, 0x1c,
	                         0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f, 0x0c, 0x0c };
	/* [decimal4 -123.45, date, float 10.5, binary 0a0b, uuid, timestamptz 1 us,
	 *  "\"\n", null] */
	const uint8_t prims[] = {
		0x03, 0x08, 0x00, 0x06, 0x0b, 0x10, 0x17, 0x28, 0x31, 0x34, 0x35, 0x20, 0x02,
		0xc7, 0xcf, 0xff, 0xff, 0x2c, 0x42, 0x4e, 0x00, 0x00, 0x38, 0x00, 0x00, 0x28,
		0x41, 0x3c, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x0b, 0x50, 0xf2, 0x4f, 0x9b, 0x64,
		0x81, 0xfa, 0x49, 0xd1, 0xb7, 0x4e, 0x8c, 0x09, 0xa6, 0xe3, 0x1c, 0x56, 0x30,
		0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x22, 0x0a, 0x00
	};
	dlt_error err;
	char *a, *b, *p;
	(void)state;
	a = text_of(META_AB, sizeof(META_AB), small, sizeof(small), &err);
	b = text_of(META_AB, sizeof(META_AB), wide, sizeof(wide), &err);
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a, "{\"a\":\"x\",\"b\":[1.5,12]}");
	assert_string_equal(a, b);
	p = text_of(META_EMPTY, sizeof(META_EMPTY), prims, sizeof(prims), &err);
	if (!p)
		printf("%s\n", err.message);
	assert_non_null(p);
	assert_string_equal(p, "[{\"$decimal\":\"-123.45\"},{\"$date\":\"2024-11-07\"},"
	                       "{\"$float\":\"10.5\"},{\"$binary\":\"Cgs=\"},"
	                       "{\"$uuid\":\"f24f9b64-81fa-49d1-b74e-8c09a6e31c56\"},"
	                       "{\"$timestamptz\":\"1970-01-01T00:00:00.000001Z\"},\"\\\"\\u000a\","
	                       "null]");
	free(a);
	free(b);
	free(p);
}

/* ---------- hand-built shredded arrays ---------- */

static void leaf(struct ArrowSchema *s, const char *format, const char *name, bool nullable)
{
	assert_int_equal(dlt_schema__init_leaf(s, format, name, nullable, NULL), DLT_OK);
}

/* var: {metadata, value, typed_value: {a: {value, typed_value: int32}}} */
static void object_schema(struct ArrowSchema *s)
{
	struct ArrowSchema *tv, *a;
	assert_int_equal(dlt_schema__init(s, "+s", "var", ARROW_FLAG_NULLABLE, 3, NULL), DLT_OK);
	leaf(s->children[0], "z", "metadata", false);
	leaf(s->children[1], "z", "value", true);
	tv = s->children[2];
	assert_int_equal(dlt_schema__init(tv, "+s", "typed_value", ARROW_FLAG_NULLABLE, 1, NULL),
	                 DLT_OK);
	a = tv->children[0];
	assert_int_equal(dlt_schema__init(a, "+s", "a", 0, 2, NULL), DLT_OK);
	leaf(a->children[0], "z", "value", true);
	leaf(a->children[1], "i", "typed_value", true);
}

typedef struct obj_row {
	bool null_row;
	const uint8_t *meta; /* NULL: null metadata */
	size_t mlen;
	const uint8_t *value; /* NULL: null */
	size_t vlen;
	bool typed;           /* typed_value non-null */
	const uint8_t *a_value; /* NULL: null */
	size_t a_vlen;
	bool a_typed;
	int32_t a_int;
} obj_row;

static void bytes_or_null(dlt_builder *b, const uint8_t *p, size_t n)
{
	if (p)
		assert_int_equal(dlt_builder__append_bytes(b, p, n, NULL), DLT_OK);
	else
		assert_int_equal(dlt_builder__append_null(b, NULL), DLT_OK);
}

static void build_object_rows(struct ArrowSchema *s, struct ArrowArray *out, const obj_row *rows,
                              size_t n)
{
	dlt_builder *b = NULL, *tv, *a;
	object_schema(s);
	assert_int_equal(dlt_builder__new(&b, s, NULL), DLT_OK);
	tv = dlt_builder__child(b, 2);
	a = dlt_builder__child(tv, 0);
	for (size_t i = 0; i < n; i++) {
		const obj_row *r = &rows[i];
		if (r->null_row) {
			assert_int_equal(dlt_builder__append_null(b, NULL), DLT_OK);
			continue;
		}
		bytes_or_null(dlt_builder__child(b, 0), r->meta, r->mlen);
		bytes_or_null(dlt_builder__child(b, 1), r->value, r->vlen);
		if (r->typed) {
			bytes_or_null(dlt_builder__child(a, 0), r->a_value, r->a_vlen);
			if (r->a_typed)
				assert_int_equal(dlt_builder__append_int(dlt_builder__child(a, 1), r->a_int,
				                                         NULL), DLT_OK);
			else
				assert_int_equal(dlt_builder__append_null(dlt_builder__child(a, 1), NULL),
				                 DLT_OK);
			assert_int_equal(dlt_builder__append_valid(a, NULL), DLT_OK);
			assert_int_equal(dlt_builder__append_valid(tv, NULL), DLT_OK);
		} else {
			assert_int_equal(dlt_builder__append_null(tv, NULL), DLT_OK);
		}
		assert_int_equal(dlt_builder__append_valid(b, NULL), DLT_OK);
	}
	assert_int_equal(dlt_builder__finish(out, b, NULL), DLT_OK);
	dlt_builder__free(b);
}

/* Unshred rows; returns the rc and leaves the message in err. */
static int unshred_rows(const obj_row *rows, size_t n, dlt_error *err)
{
	struct ArrowSchema s;
	struct ArrowArray in, out;
	int rc;
	build_object_rows(&s, &in, rows, n);
	rc = dlt_variant__unshred(&out, &s, &in, err);
	if (rc == DLT_OK)
		dlt_array__release(&out);
	else
		printf("  %s: %s\n", dlt_code_name(rc), err->message);
	dlt_array__release(&in);
	dlt_schema__release(&s);
	return rc;
}

static const uint8_t V_INT32_5[] = { 0x14, 5, 0, 0, 0 };
static const uint8_t V_TRUNCATED[] = { 0x14, 5 };
static const uint8_t V_NULL[] = { 0x00 };
static const uint8_t V_STR_S[] = { 0x05, 's' };
/* {"b": "x"} under META_AB */
static const uint8_t V_OBJ_B[] = { 0x02, 0x01, 0x01, 0x00, 0x02, 0x05, 'x' };

static void test_variant_unshred_rejects_bad_rows(void **state)
{
	const uint8_t meta_bad[] = { 0x00, 0x00, 0x00 };
	const obj_row good = { false, META_AB, sizeof(META_AB), NULL, 0, true, NULL, 0, true, 7 };
	obj_row rows[2] = { good, good };
	dlt_error err;
	(void)state;
	assert_int_equal(unshred_rows(rows, 2, &err), DLT_OK);
	/* truncated top-level value */
	rows[1] = (obj_row){ false, META_AB, sizeof(META_AB), V_TRUNCATED, sizeof(V_TRUNCATED),
	                     false, NULL, 0, false, 0 };
	assert_int_equal(unshred_rows(rows, 2, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "row 1"));
	assert_int_equal(err.row, 1);
	/* truncated field value */
	rows[1] = (obj_row){ false, META_AB, sizeof(META_AB), NULL, 0, true, V_TRUNCATED,
	                     sizeof(V_TRUNCATED), false, 0 };
	assert_int_equal(unshred_rows(rows, 2, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "$.a"));
	/* field value and typed_value both set */
	rows[1] = (obj_row){ false, META_AB, sizeof(META_AB), NULL, 0, true, V_NULL, 1, true, 3 };
	assert_int_equal(unshred_rows(rows, 2, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "conflicting value and typed_value"));
	/* non-object value beside shredded fields */
	rows[1] = (obj_row){ false, META_AB, sizeof(META_AB), V_INT32_5, sizeof(V_INT32_5), true,
	                     NULL, 0, false, 0 };
	assert_int_equal(unshred_rows(rows, 2, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "non-object value with shredded fields"));
	/* a present field whose name the metadata lacks */
	rows[1] = (obj_row){ false, META_EMPTY, sizeof(META_EMPTY), NULL, 0, true, NULL, 0, true, 1 };
	assert_int_equal(unshred_rows(rows, 2, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "missing from the metadata"));
	/* null metadata, malformed metadata */
	rows[1] = (obj_row){ false, NULL, 0, V_NULL, 1, false, NULL, 0, false, 0 };
	assert_int_equal(unshred_rows(rows, 2, &err), DLT_ECORRUPT);
	rows[1] = (obj_row){ false, meta_bad, sizeof(meta_bad), V_NULL, 1, false, NULL, 0, false, 0 };
	assert_int_equal(unshred_rows(rows, 2, &err), DLT_ECORRUPT);
	/* a value object whose field offset points outside it */
	{
		const uint8_t bad_obj[] = { 0x02, 0x01, 0x01, 0x07, 0x02, 0x05, 'x' };
		rows[1] = (obj_row){ false, META_AB, sizeof(META_AB), bad_obj, sizeof(bad_obj), true,
		                     NULL, 0, true, 1 };
		assert_int_equal(unshred_rows(rows, 2, &err), DLT_ECORRUPT);
	}
}

static void expect_texts(const struct ArrowArray *out, const char *const *texts, int64_t n)
{
	assert_int_equal(out->length, n);
	assert_int_equal(out->n_children, 2);
	for (int64_t i = 0; i < n; i++) {
		const uint8_t *m, *v;
		size_t ml, vl;
		dlt_error err;
		char *t;
		if (!texts[i]) {
			assert_true(dlt_arrow__is_null(out, i));
			continue;
		}
		assert_false(dlt_arrow__is_null(out, i));
		bin_at(out->children[0], out->offset + i, &m, &ml);
		bin_at(out->children[1], out->offset + i, &v, &vl);
		assert_int_equal(dlt_variant__validate(m, ml, v, vl, &err), DLT_OK);
		t = text_of(m, ml, v, vl, &err);
		assert_non_null(t);
		assert_string_equal(t, texts[i]);
		free(t);
	}
}

static void test_variant_unshred_rows_and_slices(void **state)
{
	const obj_row rows[] = {
		{ true, NULL, 0, NULL, 0, false, NULL, 0, false, 0 },
		{ false, META_AB, sizeof(META_AB), NULL, 0, true, NULL, 0, true, 7 },
		{ false, META_AB, sizeof(META_AB), V_OBJ_B, sizeof(V_OBJ_B), true, NULL, 0, true, 3 },
		{ false, META_AB, sizeof(META_AB), V_STR_S, sizeof(V_STR_S), false, NULL, 0, false, 0 },
		{ false, META_AB, sizeof(META_AB), NULL, 0, true, V_NULL, 1, false, 0 },
		{ false, META_AB, sizeof(META_AB), NULL, 0, true, NULL, 0, false, 0 },
		{ false, META_AB, sizeof(META_AB), NULL, 0, false, NULL, 0, false, 0 },
	};
	const char *const texts[] = { NULL, "{\"a\":7}", "{\"a\":3,\"b\":\"x\"}", "\"s\"",
		                          "{\"a\":null}", "{}", "null" };
	struct ArrowSchema s, want;
	struct ArrowArray in, out, slice;
	dlt_shared_array *sh = NULL;
	dlt_error err;
	char d1[256], d2[256];
	(void)state;
	build_object_rows(&s, &in, rows, 7);
	assert_true(dlt_variant__is_shredded(&s));
	assert_int_equal(dlt_variant__unshred(&out, &s, &in, &err), DLT_OK);
	expect_texts(&out, texts, 7);
	assert_int_equal(out.null_count, 1);
	/* null rows keep empty, non-null children */
	assert_false(dlt_arrow__is_null(out.children[1], 0));
	assert_int_equal(dlt_variant__unshredded_schema(&want, "var", ARROW_FLAG_NULLABLE, &err),
	                 DLT_OK);
	assert_false(dlt_variant__is_shredded(&want));
	assert_int_equal(dlt_arrow__validate(&want, &out, &err), DLT_OK);
	dlt_arrow__describe_schema(d1, sizeof(d1), &want);
	assert_string_equal(d1, "struct<metadata: binary, value: binary>");
	dlt_array__release(&out);
	/* a zero-copy slice: offsets of the struct apply to its children */
	assert_int_equal(dlt_array__share(&sh, &in, &err), DLT_OK);
	assert_int_equal(dlt_shared__export(&slice, sh, 2, 4, &err), DLT_OK);
	assert_int_equal(dlt_variant__unshred(&out, &s, &slice, &err), DLT_OK);
	expect_texts(&out, texts + 2, 4);
	/* the unshredded output passes through unshred unchanged */
	{
		struct ArrowArray again;
		assert_int_equal(dlt_variant__unshred(&again, &want, &out, &err), DLT_OK);
		expect_texts(&again, texts + 2, 4);
		dlt_array__release(&again);
	}
	dlt_arrow__describe_schema(d2, sizeof(d2), &s);
	printf("  input %s\n", d2);
	dlt_array__release(&out);
	dlt_array__release(&slice);
	dlt_shared__release(sh);
	dlt_schema__release(&want);
	dlt_schema__release(&s);
}

/* A shredded array of 300 strings, some long: is_large, 2-byte offsets, long strings. */
static void test_variant_unshred_large_array(void **state)
{
	struct ArrowSchema s, *tv, *el;
	struct ArrowArray in, out;
	dlt_builder *b = NULL, *lb, *eb;
	dlt_buf want = DLT_BUF_INIT;
	char str[128];
	const uint8_t *v, *m;
	size_t vl, ml;
	dlt_error err;
	char *t;
	(void)state;
	assert_int_equal(dlt_schema__init(&s, "+s", "var", 0, 2, NULL), DLT_OK);
	leaf(s.children[0], "z", "metadata", false);
	tv = s.children[1];
	assert_int_equal(dlt_schema__init(tv, "+l", "typed_value", ARROW_FLAG_NULLABLE, 1, NULL),
	                 DLT_OK);
	el = tv->children[0];
	assert_int_equal(dlt_schema__init(el, "+s", "element", 0, 2, NULL), DLT_OK);
	leaf(el->children[0], "z", "value", true);
	leaf(el->children[1], "u", "typed_value", true);
	assert_int_equal(dlt_builder__new(&b, &s, NULL), DLT_OK);
	lb = dlt_builder__child(b, 1);
	eb = dlt_builder__child(lb, 0);
	assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 0), META_EMPTY,
	                                           sizeof(META_EMPTY), NULL), DLT_OK);
	dlt_buf_append_byte(&want, '[', NULL);
	for (int i = 0; i < 300; i++) {
		int n = snprintf(str, sizeof(str), "%0*d", i % 7 == 0 ? 100 : 3, i);
		if (i % 50 == 49) { /* a null element: Variant null in value */
			assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(eb, 0), V_NULL, 1,
			                                           NULL), DLT_OK);
			assert_int_equal(dlt_builder__append_null(dlt_builder__child(eb, 1), NULL), 0);
			dlt_buf_appendf(&want, NULL, "%snull", i ? "," : "");
		} else {
			assert_int_equal(dlt_builder__append_null(dlt_builder__child(eb, 0), NULL), 0);
			assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(eb, 1), str,
			                                           (size_t)n, NULL), DLT_OK);
			dlt_buf_appendf(&want, NULL, "%s\"%s\"", i ? "," : "", str);
		}
		assert_int_equal(dlt_builder__append_valid(eb, NULL), DLT_OK);
	}
	dlt_buf_append_byte(&want, ']', NULL);
	dlt_buf_append_byte(&want, 0, NULL);
	assert_int_equal(dlt_builder__append_valid(lb, NULL), DLT_OK);
	assert_int_equal(dlt_builder__append_valid(b, NULL), DLT_OK);
	assert_int_equal(dlt_builder__finish(&in, b, NULL), DLT_OK);
	assert_true(dlt_variant__is_shredded(&s));
	assert_int_equal(dlt_variant__unshred(&out, &s, &in, &err), DLT_OK);
	bin_at(out.children[0], 0, &m, &ml);
	bin_at(out.children[1], 0, &v, &vl);
	assert_int_equal(v[0], 0x03 | (0x05 << 2)); /* array, is_large, 2-byte offsets */
	t = text_of(m, ml, v, vl, &err);
	assert_non_null(t);
	assert_string_equal(t, (const char *)want.data);
	free(t);
	dlt_buf_dispose(&want);
	dlt_array__release(&out);
	dlt_array__release(&in);
	dlt_builder__free(b);
	dlt_schema__release(&s);
}

static void test_variant_unshred_rejects_unsupported_types(void **state)
{
	static const char *const bad[] = { "I", "C", "w:4", "e", "tsm:UTC", "ttn", "tdm",
		                               "d:40,2,256", "+m" };
	(void)state;
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct ArrowSchema s;
		struct ArrowArray in, out;
		dlt_error err;
		int rc;
		assert_int_equal(dlt_schema__init(&s, "+s", "var", 0, 2, NULL), DLT_OK);
		leaf(s.children[0], "z", "metadata", false);
		if (strcmp(bad[k], "+m") == 0) {
			/* a map is no shredded type; its entries never get looked at */
			struct ArrowSchema *e;
			assert_int_equal(dlt_schema__init(s.children[1], "+m", "typed_value",
			                                  ARROW_FLAG_NULLABLE, 1, NULL), DLT_OK);
			e = s.children[1]->children[0];
			assert_int_equal(dlt_schema__init(e, "+s", "entries", 0, 2, NULL), DLT_OK);
			leaf(e->children[0], "u", "key", false);
			leaf(e->children[1], "i", "value", true);
		} else {
			leaf(s.children[1], bad[k], "typed_value", true);
		}
		assert_int_equal(dlt_array__init_empty(&in, &s, &err), DLT_OK);
		rc = dlt_variant__unshred(&out, &s, &in, &err);
		printf("  %s: %s\n", bad[k], err.message);
		assert_int_equal(rc, DLT_EUNSUPPORTED);
		assert_null(out.release);
		dlt_array__release(&in);
		dlt_schema__release(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_variant_shredded_corpus),
		cmocka_unit_test(test_variant_shredded_corpus_dictionary),
		cmocka_unit_test(test_variant_text_rejects_hostile_values),
		cmocka_unit_test(test_variant_text_rejects_hostile_metadata),
		cmocka_unit_test(test_variant_text_limits_depth),
		cmocka_unit_test(test_variant_text_survives_mutations),
		cmocka_unit_test(test_variant_text_is_canonical),
		cmocka_unit_test(test_variant_unshred_rejects_bad_rows),
		cmocka_unit_test(test_variant_unshred_rows_and_slices),
		cmocka_unit_test(test_variant_unshred_large_array),
		cmocka_unit_test(test_variant_unshred_rejects_unsupported_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
