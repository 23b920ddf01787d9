/* JSON-lines and CSV writers: exact output for every Arrow type, options, round trips. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "arrow/arrow.h"
#include "csv/helpers.h"

static int64_t live_before;

static int setup(void **state)
{
	dlt_alloc_stats st;
	(void)state;
	dlt_alloc_counting(1);
	dlt_alloc_stats_get(&st);
	live_before = st.live_blocks;
	return 0;
}

static int teardown(void **state)
{
	dlt_alloc_stats st;
	(void)state;
	dlt_alloc_stats_get(&st);
	if (st.live_blocks != live_before)
		fail_msg("leak: %lld blocks still live", (long long)(st.live_blocks - live_before));
	return 0;
}

#define OK(x) assert_int_equal((x), DLT_OK)

static const char *const k_fmts[] = { "b", "c", "L", "e", "f", "g", "d:5,2", "d:40,3,256",
	                              "tdD", "tdm", "ttm", "ttn", "tsu:UTC", "tss:", "tDm", "u",
	                              "U", "z", "Z", "w:3", "n" };
static const char *const k_names[] = { "b", "i8", "u64", "f16", "f32", "f64", "dec", "dec256",
	                               "d32", "d64", "t32", "t64", "ts", "tsn", "dur", "s",
	                               "ls", "bin", "lbin", "fbin", "nul" };
#define N_SCALARS 21

static void scalar_batch(struct ArrowSchema *s, struct ArrowArray *a)
{
	dlt_builder *b = NULL;
	uint64_t w2[2] = { (uint64_t)-12345, UINT64_MAX }, w4[4] = { 1, 0, 0, 0 };
	static const char str[] = "a\"b\\c\n\x01\xff\xc3\xa9";
	int k;
	OK(dlt_schema__init(s, "+s", NULL, 0, N_SCALARS, NULL));
	for (k = 0; k < N_SCALARS; k++)
		OK(dlt_schema__init_leaf(s->children[k], k_fmts[k], k_names[k], true, NULL));
	OK(dlt_builder__new(&b, s, NULL));
	/* row 0: ordinary values */
	OK(dlt_builder__append_bool(dlt_builder__child(b, 0), true, NULL));
	OK(dlt_builder__append_int(dlt_builder__child(b, 1), -128, NULL));
	OK(dlt_builder__append_uint(dlt_builder__child(b, 2), UINT64_MAX, NULL));
	OK(dlt_builder__append_double(dlt_builder__child(b, 3), 0.1, NULL));
	OK(dlt_builder__append_double(dlt_builder__child(b, 4), (double)1.1f, NULL));
	OK(dlt_builder__append_double(dlt_builder__child(b, 5), -0.0, NULL));
	OK(dlt_builder__append_decimal(dlt_builder__child(b, 6), w2, 2, NULL));
	OK(dlt_builder__append_decimal(dlt_builder__child(b, 7), w4, 4, NULL));
	OK(dlt_builder__append_int(dlt_builder__child(b, 8), 19753, NULL));
	OK(dlt_builder__append_int(dlt_builder__child(b, 9), -86400000, NULL));
	OK(dlt_builder__append_int(dlt_builder__child(b, 10), 49500500, NULL));
	OK(dlt_builder__append_int(dlt_builder__child(b, 11), 1, NULL));
	OK(dlt_builder__append_int(dlt_builder__child(b, 12), 1706708700123456LL, NULL));
	OK(dlt_builder__append_int(dlt_builder__child(b, 13), -1, NULL));
	OK(dlt_builder__append_int(dlt_builder__child(b, 14), 1500, NULL));
	OK(dlt_builder__append_bytes(dlt_builder__child(b, 15), str, sizeof(str) - 1, NULL));
	OK(dlt_builder__append_bytes(dlt_builder__child(b, 16), "big", 3, NULL));
	OK(dlt_builder__append_bytes(dlt_builder__child(b, 17), "\x00\xff", 2, NULL));
	OK(dlt_builder__append_bytes(dlt_builder__child(b, 18), "abc", 3, NULL));
	OK(dlt_builder__append_bytes(dlt_builder__child(b, 19), "xyz", 3, NULL));
	OK(dlt_builder__append_null(dlt_builder__child(b, 20), NULL));
	OK(dlt_builder__append_valid(b, NULL));
	/* row 1: special floats, nulls elsewhere */
	for (k = 0; k < N_SCALARS; k++) {
		dlt_builder *c = dlt_builder__child(b, k);
		if (k == 3)
			OK(dlt_builder__append_double(c, 65500.0, NULL));
		else if (k == 4)
			OK(dlt_builder__append_double(c, -INFINITY, NULL));
		else if (k == 5)
			OK(dlt_builder__append_double(c, NAN, NULL));
		else
			OK(dlt_builder__append_null(c, NULL));
	}
	OK(dlt_builder__append_valid(b, NULL));
	OK(dlt_builder__finish(a, b, NULL));
	dlt_builder__free(b);
}

static char *write_jsonl(const struct ArrowSchema *s, const struct ArrowArray *a, int hex)
{
	dlt_output *o = NULL;
	dlt_jsonl_write_options opts = DLT_JSONL_WRITE_OPTIONS_INIT;
	const uint8_t *d;
	size_t n;
	char *text;
	dlt_error err;
	opts.binary_as_hex = hex;
	OK(dlt_output_to_memory(&o, NULL));
	if (dlt_jsonl_write_batch(o, s, a, &opts, &err) != DLT_OK)
		fail_msg("write: %s", err.message);
	d = dlt_output_memory_data(o, &n);
	text = dlt_strndup((const char *)d, n);
	dlt_output_free(o);
	return text;
}

static char *write_csv(const struct ArrowSchema *s, const struct ArrowArray *a,
                       const dlt_csv_write_options *opts)
{
	dlt_output *o = NULL;
	const uint8_t *d;
	size_t n;
	char *text;
	dlt_error err;
	OK(dlt_output_to_memory(&o, NULL));
	if (dlt_csv_write_batch(o, s, a, 1, opts, &err) != DLT_OK)
		fail_msg("write: %s", err.message);
	d = dlt_output_memory_data(o, &n);
	text = dlt_strndup(n ? (const char *)d : "", n);
	dlt_output_free(o);
	return text;
}

static void test_text_write_jsonl_every_scalar_type(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a;
	char *text;
	(void)state;
	scalar_batch(&s, &a);
	text = write_jsonl(&s, &a, 0);
	assert_string_equal(text,
	    "{\"b\":true,\"i8\":-128,\"u64\":18446744073709551615,\"f16\":0.1,\"f32\":1.1,"
	    "\"f64\":-0.0,\"dec\":\"-123.45\",\"dec256\":\"0.001\",\"d32\":\"2024-01-31\","
	    "\"d64\":\"1969-12-31\",\"t32\":\"13:45:00.5\",\"t64\":\"00:00:00.000000001\","
	    "\"ts\":\"2024-01-31T13:45:00.123456Z\",\"tsn\":\"1969-12-31T23:59:59\",\"dur\":1500,"
	    "\"s\":\"a\\\"b\\\\c\\n\\u0001\xef\xbf\xbd\xc3\xa9\",\"ls\":\"big\",\"bin\":\"AP8=\","
	    "\"lbin\":\"YWJj\",\"fbin\":\"eHl6\",\"nul\":null}\n"
	    "{\"b\":null,\"i8\":null,\"u64\":null,\"f16\":65500.0,\"f32\":\"-Infinity\","
	    "\"f64\":\"NaN\",\"dec\":null,\"dec256\":null,\"d32\":null,\"d64\":null,\"t32\":null,"
	    "\"t64\":null,\"ts\":null,\"tsn\":null,\"dur\":null,\"s\":null,\"ls\":null,"
	    "\"bin\":null,\"lbin\":null,\"fbin\":null,\"nul\":null}\n");
	dlt_free(text);
	text = write_jsonl(&s, &a, 1);
	assert_non_null(strstr(text, "\"bin\":\"00ff\",\"lbin\":\"616263\",\"fbin\":\"78797a\""));
	dlt_free(text);
	dlt_array__release(&a);
	dlt_schema__release(&s);
}

static void test_text_write_csv_every_scalar_type(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a;
	dlt_csv_write_options o = DLT_CSV_WRITE_OPTIONS_INIT;
	char *text;
	(void)state;
	scalar_batch(&s, &a);
	text = write_csv(&s, &a, NULL);
	assert_string_equal(text,
	    "b,i8,u64,f16,f32,f64,dec,dec256,d32,d64,t32,t64,ts,tsn,dur,s,ls,bin,lbin,fbin,nul\n"
	    "true,-128,18446744073709551615,0.1,1.1,-0.0,-123.45,0.001,2024-01-31,1969-12-31,"
	    "13:45:00.5,00:00:00.000000001,2024-01-31T13:45:00.123456Z,1969-12-31T23:59:59,1500,"
	    "\"a\"\"b\\c\n\x01\xff\xc3\xa9\",big,AP8=,YWJj,eHl6,\n"
	    ",,,65500.0,-Infinity,NaN,,,,,,,,,,,,,,,\n");
	dlt_free(text);
	o.null_string = "NULL";
	o.delimiter = '\t';
	o.header = 0;
	text = write_csv(&s, &a, &o);
	assert_non_null(strstr(text, "\nNULL\tNULL\tNULL\t65500.0\t-Infinity\tNaN\tNULL"));
	dlt_free(text);
	dlt_array__release(&a);
	dlt_schema__release(&s);
}

static void test_text_write_nested_types(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a;
	dlt_builder *b = NULL, *st, *lst, *mp, *ent, *fl, *ll;
	char *text;
	(void)state;
	OK(dlt_schema__init(&s, "+s", NULL, 0, 4, NULL));
	OK(dlt_schema__init(s.children[0], "+s", "st", ARROW_FLAG_NULLABLE, 2, NULL));
	OK(dlt_schema__init_leaf(s.children[0]->children[0], "i", "x", true, NULL));
	OK(dlt_schema__init(s.children[0]->children[1], "+l", "y", ARROW_FLAG_NULLABLE, 1, NULL));
	OK(dlt_schema__init_leaf(s.children[0]->children[1]->children[0], "u", "item", true, NULL));
	OK(dlt_schema__init(s.children[1], "+m", "m", ARROW_FLAG_NULLABLE, 1, NULL));
	OK(dlt_schema__init(s.children[1]->children[0], "+s", "entries", 0, 2, NULL));
	OK(dlt_schema__init_leaf(s.children[1]->children[0]->children[0], "u", "k", false, NULL));
	OK(dlt_schema__init_leaf(s.children[1]->children[0]->children[1], "l", "v", true, NULL));
	OK(dlt_schema__init(s.children[2], "+w:2", "fl", ARROW_FLAG_NULLABLE, 1, NULL));
	OK(dlt_schema__init_leaf(s.children[2]->children[0], "s", "item", true, NULL));
	OK(dlt_schema__init(s.children[3], "+L", "ll", ARROW_FLAG_NULLABLE, 1, NULL));
	OK(dlt_schema__init_leaf(s.children[3]->children[0], "g", "item", true, NULL));
	OK(dlt_builder__new(&b, &s, NULL));
	st = dlt_builder__child(b, 0);
	lst = dlt_builder__child(st, 1);
	mp = dlt_builder__child(b, 1);
	ent = dlt_builder__child(mp, 0);
	fl = dlt_builder__child(b, 2);
	ll = dlt_builder__child(b, 3);
	/* row 0 */
	OK(dlt_builder__append_int(dlt_builder__child(st, 0), 7, NULL));
	OK(dlt_builder__append_bytes(dlt_builder__child(lst, 0), "p", 1, NULL));
	OK(dlt_builder__append_null(dlt_builder__child(lst, 0), NULL));
	OK(dlt_builder__append_valid(lst, NULL));
	OK(dlt_builder__append_valid(st, NULL));
	OK(dlt_builder__append_bytes(dlt_builder__child(ent, 0), "a", 1, NULL));
	OK(dlt_builder__append_int(dlt_builder__child(ent, 1), 1, NULL));
	OK(dlt_builder__append_valid(ent, NULL));
	OK(dlt_builder__append_bytes(dlt_builder__child(ent, 0), "b", 1, NULL));
	OK(dlt_builder__append_null(dlt_builder__child(ent, 1), NULL));
	OK(dlt_builder__append_valid(ent, NULL));
	OK(dlt_builder__append_valid(mp, NULL));
	OK(dlt_builder__append_int(dlt_builder__child(fl, 0), 1, NULL));
	OK(dlt_builder__append_int(dlt_builder__child(fl, 0), -2, NULL));
	OK(dlt_builder__append_valid(fl, NULL));
	OK(dlt_builder__append_double(dlt_builder__child(ll, 0), 0.5, NULL));
	OK(dlt_builder__append_valid(ll, NULL));
	OK(dlt_builder__append_valid(b, NULL));
	/* row 1: null struct, empty map, null fixed list, empty large list */
	OK(dlt_builder__append_null(st, NULL));
	OK(dlt_builder__append_valid(mp, NULL));
	OK(dlt_builder__append_null(fl, NULL));
	OK(dlt_builder__append_valid(ll, NULL));
	OK(dlt_builder__append_valid(b, NULL));
	OK(dlt_builder__finish(&a, b, NULL));
	dlt_builder__free(b);
	text = write_jsonl(&s, &a, 0);
	assert_string_equal(text,
	    "{\"st\":{\"x\":7,\"y\":[\"p\",null]},\"m\":[{\"key\":\"a\",\"value\":1},"
	    "{\"key\":\"b\",\"value\":null}],\"fl\":[1,-2],\"ll\":[0.5]}\n"
	    "{\"st\":null,\"m\":[],\"fl\":null,\"ll\":[]}\n");
	dlt_free(text);
	text = write_csv(&s, &a, NULL);
	assert_string_equal(text,
	    "st,m,fl,ll\n"
	    "\"{\"\"x\"\":7,\"\"y\"\":[\"\"p\"\",null]}\",\"[{\"\"key\"\":\"\"a\"\",\"\"value\"\":1},"
	    "{\"\"key\"\":\"\"b\"\",\"\"value\"\":null}]\",\"[1,-2]\",[0.5]\n"
	    ",[],,[]\n");
	dlt_free(text);
	/* a slice: offset 1 */
	{
		struct ArrowArray sl = a;
		sl.offset = 1;
		sl.length = 1;
		sl.null_count = -1;
		text = write_jsonl(&s, &sl, 0);
		assert_string_equal(text, "{\"st\":null,\"m\":[],\"fl\":null,\"ll\":[]}\n");
		dlt_free(text);
	}
	dlt_array__release(&a);
	dlt_schema__release(&s);
}

static void test_text_write_dictionary_encoded(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a;
	struct ArrowSchema vs;
	dlt_builder *vb = NULL;
	int8_t *idx;
	uint8_t *valid;
	char *text;
	(void)state;
	OK(dlt_schema__init(&s, "+s", NULL, 0, 1, NULL));
	OK(dlt_schema__init_leaf(s.children[0], "c", "d", true, NULL));
	OK(dlt_schema__alloc_dictionary(s.children[0], NULL));
	OK(dlt_schema__init_leaf(s.children[0]->dictionary, "u", NULL, true, NULL));
	OK(dlt_schema__init_leaf(&vs, "u", NULL, true, NULL));
	OK(dlt_builder__new(&vb, &vs, NULL));
	OK(dlt_builder__append_bytes(vb, "red", 3, NULL));
	OK(dlt_builder__append_bytes(vb, "green", 5, NULL));
	OK(dlt_array__init(&a, 1, 1, NULL));
	a.length = 4;
	OK(dlt_array__init(a.children[0], 2, 0, NULL));
	OK(dlt_array__alloc_dictionary(a.children[0], NULL));
	OK(dlt_builder__finish(a.children[0]->dictionary, vb, NULL));
	idx = dlt_malloc(4);
	valid = dlt_malloc(1);
	idx[0] = 1;
	idx[1] = 0;
	idx[2] = 0;
	idx[3] = 1;
	valid[0] = 0x0b; /* row 2 null */
	dlt_array__set_buffer(a.children[0], 0, valid);
	dlt_array__set_buffer(a.children[0], 1, idx);
	a.children[0]->length = 4;
	a.children[0]->null_count = 1;
	text = write_jsonl(&s, &a, 0);
	assert_string_equal(text, "{\"d\":\"green\"}\n{\"d\":\"red\"}\n{\"d\":null}\n{\"d\":\"green\"}\n");
	dlt_free(text);
	dlt_builder__free(vb);
	dlt_schema__release(&vs);
	dlt_array__release(&a);
	dlt_schema__release(&s);
}

static void test_text_write_rejects_invalid_batch(void **state)
{
	struct ArrowSchema s;
	struct ArrowArray a;
	dlt_output *o = NULL;
	dlt_error err;
	(void)state;
	scalar_batch(&s, &a);
	a.children[15]->length = 1; /* shorter than the batch */
	OK(dlt_output_to_memory(&o, NULL));
	assert_int_equal(dlt_jsonl_write_batch(o, &s, &a, NULL, &err), DLT_ECORRUPT);
	a.children[15]->length = 2;
	assert_int_equal(dlt_jsonl_write_batch(o, &s, a.children[0], NULL, &err),
	                 DLT_ECORRUPT);
	dlt_output_free(o);
	dlt_array__release(&a);
	dlt_schema__release(&s);
}

static void test_text_write_csv_round_trip(void **state)
{
	const char *csv = "id,name,score,day,at\n"
	                  "1,\"Smith, J\",1.5,2024-01-31,2024-01-31T13:45:00.5\n"
	                  "2,\"say \"\"hi\"\"\",,1969-12-31,\n"
	                  "3,\"multi\nline\",-0.25,,1970-01-01T00:00:00\n"
	                  "4,\"\",1e+100,2000-02-29,2000-02-29T23:59:59.999999\n";
	dlt_input *in = NULL;
	dlt_output *o = NULL;
	struct ArrowArrayStream st;
	const uint8_t *d;
	size_t n;
	(void)state;
	OK(dlt_input_from_memory(&in, csv, strlen(csv), "rt.csv", NULL));
	OK(dlt_csv_read(&st, in, NULL, NULL));
	OK(dlt_output_to_memory(&o, NULL));
	OK(dlt_csv_write(o, &st, NULL, NULL));
	d = dlt_output_memory_data(o, &n);
	assert_int_equal(n, strlen(csv));
	assert_memory_equal(d, csv, n);
	dlt_output_free(o);
}

static void test_text_write_stream_and_empty_stream(void **state)
{
	struct ArrowSchema s, s2;
	struct ArrowArray a[2];
	struct ArrowArrayStream st;
	dlt_output *o = NULL;
	const uint8_t *d;
	size_t n;
	(void)state;
	OK(dlt_schema__init(&s, "+s", NULL, 0, 1, NULL));
	OK(dlt_schema__init_leaf(s.children[0], "l", "x", true, NULL));
	OK(dlt_schema__copy(&s2, &s, NULL));
	OK(dlt_array__init_empty(&a[0], &s, NULL));
	OK(dlt_array__init_empty(&a[1], &s, NULL));
	OK(dlt_stream__from_batches(&st, &s, a, 2, NULL));
	OK(dlt_output_to_memory(&o, NULL));
	OK(dlt_csv_write(o, &st, NULL, NULL));
	d = dlt_output_memory_data(o, &n);
	assert_int_equal(n, 2);
	assert_memory_equal(d, "x\n", 2);
	dlt_output_free(o);
	OK(dlt_stream__from_batches(&st, &s2, NULL, 0, NULL));
	OK(dlt_output_to_memory(&o, NULL));
	OK(dlt_jsonl_write(o, &st, NULL, NULL));
	d = dlt_output_memory_data(o, &n);
	assert_int_equal(n, 0);
	dlt_output_free(o);
}

/* A variant column ({metadata, value} tagged delta.type = variant): as JSON
 * with variant_as_json, as its struct without; CSV quotes the JSON; a caller
 * of the version-1 options struct is not written past its end. */
static void test_text_write_variant_as_json(void **state)
{
	static const uint8_t meta[] = { 0x01, 0x01, 0x00, 0x03, 'k', 'e', 'y' };
	static const uint8_t obj7[] = { 0x02, 0x01, 0x00, 0x00, 0x02, 0x0c, 0x07 }; /* {"key":7} */
	static const uint8_t vnull[] = { 0x00 };
	static const uint8_t bad[] = { 0x02, 0x05 };                               /* truncated */
	struct ArrowSchema s;
	struct ArrowArray a;
	dlt_builder *b;
	dlt_error err;
	const char *keys[] = { "delta.type" }, *vals[] = { "variant" };
	(void)state;
	OK(dlt_schema__init(&s, "+s", "", 0, 1, NULL));
	OK(dlt_schema__init(s.children[0], "+s", "v", ARROW_FLAG_NULLABLE, 2, NULL));
	OK(dlt_schema__init_leaf(s.children[0]->children[0], "z", "metadata", false, NULL));
	OK(dlt_schema__init_leaf(s.children[0]->children[1], "z", "value", false, NULL));
	OK(dlt_schema__set_metadata(s.children[0], keys, vals, 1, NULL));
	OK(dlt_builder__new(&b, &s, NULL));
	dlt_builder *v = dlt_builder__child(b, 0);
	const uint8_t *values[] = { obj7, NULL, vnull };
	size_t lens[] = { sizeof(obj7), 0, sizeof(vnull) };
	for (int r = 0; r < 3; r++) {
		if (values[r]) {
			OK(dlt_builder__append_bytes(dlt_builder__child(v, 0), meta, sizeof(meta), NULL));
			OK(dlt_builder__append_bytes(dlt_builder__child(v, 1), values[r], lens[r], NULL));
			OK(dlt_builder__append_valid(v, NULL));
		} else {
			OK(dlt_builder__append_null(v, NULL));
		}
		OK(dlt_builder__append_valid(b, NULL));
	}
	OK(dlt_builder__finish(&a, b, NULL));
	dlt_builder__free(b);

	dlt_output *o = NULL;
	const uint8_t *d;
	size_t n;
	dlt_jsonl_write_options jo = DLT_JSONL_WRITE_OPTIONS_INIT;
	jo.variant_as_json = 1;
	OK(dlt_output_to_memory(&o, NULL));
	OK(dlt_jsonl_write_batch(o, &s, &a, &jo, &err));
	d = dlt_output_memory_data(o, &n);
	assert_int_equal(n, strlen("{\"v\":{\"key\":7}}\n{\"v\":null}\n{\"v\":null}\n"));
	assert_memory_equal(d, "{\"v\":{\"key\":7}}\n{\"v\":null}\n{\"v\":null}\n", n);
	dlt_output_free(o);
	/* off (the default): the struct, binaries in base64 */
	char *t = write_jsonl(&s, &a, 0);
	assert_string_equal(t, "{\"v\":{\"metadata\":\"AQEAA2tleQ==\",\"value\":\"AgEAAAIMBw==\"}}\n"
	                       "{\"v\":null}\n{\"v\":{\"metadata\":\"AQEAA2tleQ==\",\"value\":\"AA==\"}}\n");
	dlt_free(t);
	/* CSV: the JSON text, quoted */
	dlt_csv_write_options co = DLT_CSV_WRITE_OPTIONS_INIT;
	co.variant_as_json = 1;
	t = write_csv(&s, &a, &co);
	assert_string_equal(t, "v\n\"{\"\"key\"\":7}\"\n\nnull\n");
	dlt_free(t);
	dlt_array__release(&a);

	/* malformed variant bytes: a clear error naming the column */
	OK(dlt_builder__new(&b, &s, NULL));
	v = dlt_builder__child(b, 0);
	OK(dlt_builder__append_bytes(dlt_builder__child(v, 0), meta, sizeof(meta), NULL));
	OK(dlt_builder__append_bytes(dlt_builder__child(v, 1), bad, sizeof(bad), NULL));
	OK(dlt_builder__append_valid(v, NULL));
	OK(dlt_builder__append_valid(b, NULL));
	OK(dlt_builder__finish(&a, b, NULL));
	dlt_builder__free(b);
	OK(dlt_output_to_memory(&o, NULL));
	assert_int_equal(dlt_jsonl_write_batch(o, &s, &a, &jo, &err), DLT_ECORRUPT);
	assert_non_null(strstr(err.message, "variant column 'v'"));
	dlt_output_free(o);
	dlt_array__release(&a);
	dlt_schema__release(&s);

	/* version 1 of the options: the field after binary_as_hex is not touched */
	struct { dlt_jsonl_write_options o; } big;
	memset(&big, 0x5a, sizeof(big));
	OK(dlt_jsonl_write_options_init(&big.o, 1));
	assert_int_equal(big.o.version, 1);
	assert_int_equal(big.o.binary_as_hex, 0);
	assert_int_equal(big.o.variant_as_json, 0x5a5a5a5a);
	OK(dlt_jsonl_write_options_init(&big.o, 2));
	assert_int_equal(big.o.variant_as_json, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_text_write_jsonl_every_scalar_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_write_csv_every_scalar_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_write_nested_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_write_dictionary_encoded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_write_rejects_invalid_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_write_csv_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_write_stream_and_empty_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_write_variant_as_json, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
