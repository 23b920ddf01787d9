/* Parquet writer -> our reader round trips: randomized schemas (fixed seeds)
 * over every Arrow type the writer supports, nested several levels deep with
 * nulls at every level, written with every codec and encoding choice (page
 * v1/v2, dictionary on/off, tiny pages and row groups), must read back as
 * exactly the values written. Values are compared through a canonical text of
 * our own (below), which applies the reader's documented type mappings:
 *
 *   written               read back as            compared as
 *   date64 (ms)           date32                  days, floor(ms / 86400000)
 *   time32[s]             time32[ms]              nanoseconds of the day
 *   time32[ms]/time64     same                    nanoseconds of the day
 *   timestamp[s]          timestamp[ms]           ticks scaled to nanoseconds
 *   timestamp, any tz     timestamp, tz "UTC"     (instants: the zone is lost)
 *   timestamp (INT96)     timestamp[us], no tz    floor to microseconds
 *   large_utf8/binary     utf8/binary             bytes
 *   large_list, fixed_size_list  list             elements
 *   uuid (arrow.uuid)     fixed_size_binary(16)   bytes
 *   decimal256, p <= 38   decimal128              the decimal text
 *   dictionary input      its value type          values
 *   float16/32/64         same                    the exact bits (NaN, -0.0, inf)
 *
 * The read schema is checked too (expected_format). Also here: the OOM sweep
 * (every allocation failing in turn: DLT_ENOMEM, no leak, sink aborted and
 * never finished), field ids, key/value metadata, created_by, the null type
 * and decimal256 read back by our reader and by DuckDB (write_meta.mjs), and
 * the per-chunk dictionary-or-PLAIN choice. DLT_RT_DUMP=<file> keeps the
 * file of a failing round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "deltalite/parquet.h"
#include "deltalite/parquet_write.h"
#include "arrow/arrow.h"

/* ---------- deterministic randomness ---------- */

static uint64_t g_rng;
static bool g_int96; /* the file is written with int96_timestamps */
static uint64_t rnd(void)
{
	g_rng ^= g_rng << 13;
	g_rng ^= g_rng >> 7;
	g_rng ^= g_rng << 17;
	return g_rng;
}
static int rn(int n) { return (int)(rnd() % (uint64_t)n); }

/* ---------- random schemas ---------- */

/* Leaf types: Arrow format, Parquet physical type (for the encodings that
 * apply), and whether the field carries the arrow.uuid extension. */
typedef struct leaf_type {
	const char *fmt;
	int phys; /* dlt_parquet_physical */
	bool uuid;
} leaf_type;

static const leaf_type k_leaves[] = {
	{ "b", DLT_PARQUET_BOOLEAN, false },   { "c", DLT_PARQUET_INT32, false },
	{ "C", DLT_PARQUET_INT32, false },     { "s", DLT_PARQUET_INT32, false },
	{ "S", DLT_PARQUET_INT32, false },     { "i", DLT_PARQUET_INT32, false },
	{ "I", DLT_PARQUET_INT32, false },     { "l", DLT_PARQUET_INT64, false },
	{ "L", DLT_PARQUET_INT64, false },     { "e", DLT_PARQUET_FIXED_LEN_BYTE_ARRAY, false },
	{ "f", DLT_PARQUET_FLOAT, false },     { "g", DLT_PARQUET_DOUBLE, false },
	{ "d:5,2", DLT_PARQUET_INT32, false }, { "d:18,4", DLT_PARQUET_INT64, false },
	{ "d:25,6", DLT_PARQUET_FIXED_LEN_BYTE_ARRAY, false },
	{ "d:38,10", DLT_PARQUET_FIXED_LEN_BYTE_ARRAY, false },
	{ "d:20,3,256", DLT_PARQUET_FIXED_LEN_BYTE_ARRAY, false },
	{ "d:60,7,256", DLT_PARQUET_FIXED_LEN_BYTE_ARRAY, false },
	{ "d:7,0,256", DLT_PARQUET_INT32, false },
	{ "tdD", DLT_PARQUET_INT32, false },   { "tdm", DLT_PARQUET_INT32, false },
	{ "tts", DLT_PARQUET_INT32, false },   { "ttm", DLT_PARQUET_INT32, false },
	{ "ttu", DLT_PARQUET_INT64, false },   { "ttn", DLT_PARQUET_INT64, false },
	{ "tss:", DLT_PARQUET_INT64, false },  { "tsm:", DLT_PARQUET_INT64, false },
	{ "tsu:", DLT_PARQUET_INT64, false },  { "tsn:", DLT_PARQUET_INT64, false },
	{ "tss:UTC", DLT_PARQUET_INT64, false }, { "tsm:Europe/Paris", DLT_PARQUET_INT64, false },
	{ "tsu:UTC", DLT_PARQUET_INT64, false }, { "tsn:+01:00", DLT_PARQUET_INT64, false },
	{ "u", DLT_PARQUET_BYTE_ARRAY, false }, { "U", DLT_PARQUET_BYTE_ARRAY, false },
	{ "z", DLT_PARQUET_BYTE_ARRAY, false }, { "Z", DLT_PARQUET_BYTE_ARRAY, false },
	{ "w:3", DLT_PARQUET_FIXED_LEN_BYTE_ARRAY, false },
	{ "w:16", DLT_PARQUET_FIXED_LEN_BYTE_ARRAY, true },
	{ "n", DLT_PARQUET_INT32, false },
};
#define N_LEAVES (sizeof(k_leaves) / sizeof(k_leaves[0]))

/* Per-leaf encoding overrides collected while generating a schema. */
typedef struct enc_plan {
	int encoding;  /* dlt_parquet_encoding to apply where valid, or DEFAULT */
	bool int96;
	dlt_parquet_column_options cols[256];
	char paths[256][128];
	size_t n;
} enc_plan;

static bool encoding_fits(int enc, int phys)
{
	switch (enc) {
	case DLT_PARQUET_ENCODING_DELTA_BINARY_PACKED:
		return phys == DLT_PARQUET_INT32 || phys == DLT_PARQUET_INT64;
	case DLT_PARQUET_ENCODING_DELTA_LENGTH_BYTE_ARRAY:
		return phys == DLT_PARQUET_BYTE_ARRAY;
	case DLT_PARQUET_ENCODING_DELTA_BYTE_ARRAY:
		return phys == DLT_PARQUET_BYTE_ARRAY || phys == DLT_PARQUET_FIXED_LEN_BYTE_ARRAY;
	case DLT_PARQUET_ENCODING_BYTE_STREAM_SPLIT:
		return phys == DLT_PARQUET_FLOAT || phys == DLT_PARQUET_DOUBLE ||
		       phys == DLT_PARQUET_INT32 || phys == DLT_PARQUET_INT64 ||
		       phys == DLT_PARQUET_FIXED_LEN_BYTE_ARRAY;
	case DLT_PARQUET_ENCODING_PLAIN:
		return true;
	default:
		return false;
	}
}

static void plan_leaf(enc_plan *p, const char *path, const leaf_type *lt)
{
	int phys = lt->phys;
	if (p->int96 && lt->fmt[0] == 't' && lt->fmt[1] == 's')
		phys = DLT_PARQUET_INT96;
	if (p->encoding == DLT_PARQUET_ENCODING_DEFAULT || !encoding_fits(p->encoding, phys) ||
	    p->n == 256)
		return;
	snprintf(p->paths[p->n], sizeof(p->paths[p->n]), "%s", path);
	p->cols[p->n].path = p->paths[p->n];
	p->cols[p->n].encoding = p->encoding;
	p->cols[p->n].dictionary = -1;
	p->n++;
}

static void gen_field(struct ArrowSchema *s, const char *name, const char *path, int depth,
                      enc_plan *plan, bool nullable)
{
	dlt_error err;
	int64_t fl = nullable ? ARROW_FLAG_NULLABLE : 0;
	int pick = rn(depth >= 3 ? 1 : 10);
	char sub[128];

	if (pick <= 4) { /* leaf: about half the fields at the top */
		const leaf_type *lt = &k_leaves[rn((int)N_LEAVES)];
		assert_int_equal(dlt_schema__init(s, lt->fmt, name, lt->fmt[0] == 'n' ? ARROW_FLAG_NULLABLE : fl, 0, &err), DLT_OK);
		if (lt->uuid) {
			static const char *const k[] = { "ARROW:extension:name" };
			static const char *const v[] = { "arrow.uuid" };
			assert_int_equal(dlt_schema__set_metadata(s, k, v, 1, &err), DLT_OK);
		}
		plan_leaf(plan, path, lt);
		return;
	}
	switch (pick) {
	case 5: /* list */
	case 6: { /* large list */
		assert_int_equal(dlt_schema__init(s, pick == 5 ? "+l" : "+L", name, fl, 1, &err), DLT_OK);
		snprintf(sub, sizeof(sub), "%s.list.element", path);
		gen_field(s->children[0], "element", sub, depth + 1, plan, rn(3) != 0);
		return;
	}
	case 7: { /* fixed size list */
		char fmt[16];
		snprintf(fmt, sizeof(fmt), "+w:%d", 1 + rn(3));
		assert_int_equal(dlt_schema__init(s, fmt, name, fl, 1, &err), DLT_OK);
		snprintf(sub, sizeof(sub), "%s.list.element", path);
		gen_field(s->children[0], "element", sub, depth + 1, plan, rn(3) != 0);
		return;
	}
	case 8: { /* map: utf8 or int32 keys, random (nullable) values */
		struct ArrowSchema *e;
		bool skey = rn(2) == 0;
		static const leaf_type kstr = { "u", DLT_PARQUET_BYTE_ARRAY, false };
		static const leaf_type kint = { "i", DLT_PARQUET_INT32, false };
		assert_int_equal(dlt_schema__init(s, "+m", name, fl, 1, &err), DLT_OK);
		e = s->children[0];
		assert_int_equal(dlt_schema__init(e, "+s", "entries", 0, 2, &err), DLT_OK);
		assert_int_equal(dlt_schema__init_leaf(e->children[0], skey ? "u" : "i", "key", false, &err), DLT_OK);
		snprintf(sub, sizeof(sub), "%s.key_value.key", path);
		plan_leaf(plan, sub, skey ? &kstr : &kint);
		snprintf(sub, sizeof(sub), "%s.key_value.value", path);
		gen_field(e->children[1], "value", sub, depth + 1, plan, true);
		return;
	}
	default: { /* struct of 1..3 fields */
		int n = 1 + rn(3), i;
		assert_int_equal(dlt_schema__init(s, "+s", name, fl, n, &err), DLT_OK);
		for (i = 0; i < n; i++) {
			char nm[16];
			snprintf(nm, sizeof(nm), "f%d", i);
			snprintf(sub, sizeof(sub), "%s.%s", path, nm);
			gen_field(s->children[i], nm, sub, depth + 1, plan, rn(4) != 0);
		}
		return;
	}
	}
}

static void gen_schema(struct ArrowSchema *s, int n_fields, enc_plan *plan)
{
	dlt_error err;
	int i;
	assert_int_equal(dlt_schema__init(s, "+s", "", 0, n_fields, &err), DLT_OK);
	for (i = 0; i < n_fields; i++) {
		char nm[16];
		snprintf(nm, sizeof(nm), "c%d", i);
		gen_field(s->children[i], nm, nm, 0, plan, rn(5) != 0);
	}
}

/* ---------- random values ---------- */

static const char *const k_words[] = { "", "a", "alpha", "d\xc3\xa9j\xc3\xa0 vu",
	                                   "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "\xf0\x9f\x98\x80!",
	                                   "zeta zeta zeta zeta zeta zeta", "\x7f~" };

/* A decimal of up to `prec` digits as little-endian 64-bit words (4 of them). */
static void rnd_decimal(uint64_t w[4], int prec)
{
	uint32_t limb[8] = { 0 };
	int digits = rn(4) == 0 ? prec : rn(prec + 1), i, k;
	bool neg = rn(2) == 0;
	for (i = 0; i < digits; i++) {
		uint64_t carry = (uint64_t)(rn(4) == 0 ? 9 : rn(10));
		for (k = 0; k < 8; k++) {
			uint64_t v = (uint64_t)limb[k] * 10 + carry;
			limb[k] = (uint32_t)v;
			carry = v >> 32;
		}
	}
	for (k = 0; k < 4; k++)
		w[k] = (uint64_t)limb[2 * k] | ((uint64_t)limb[2 * k + 1] << 32);
	if (neg) {
		uint64_t c = 1;
		for (k = 0; k < 4; k++) {
			w[k] = ~w[k] + c;
			c = (c && w[k] == 0) ? 1 : 0;
		}
	}
}

static int64_t rnd_range(int64_t lo, int64_t hi) /* inclusive; extremes often */
{
	switch (rn(8)) {
	case 0: return lo;
	case 1: return hi;
	case 2: return 0;
	default: {
		uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;
		return (int64_t)((uint64_t)lo + (span ? rnd() % span : rnd()));
	}
	}
}

static void append_leaf(dlt_builder *b, const char *f, dlt_error *err)
{
	char tmp[32];
	int rc = DLT_OK;
	switch (f[0]) {
	case 'b': rc = dlt_builder__append_bool(b, rn(2), err); break;
	case 'c': rc = dlt_builder__append_int(b, rnd_range(INT8_MIN, INT8_MAX), err); break;
	case 's': rc = dlt_builder__append_int(b, rnd_range(INT16_MIN, INT16_MAX), err); break;
	case 'i': rc = dlt_builder__append_int(b, rnd_range(INT32_MIN, INT32_MAX), err); break;
	case 'l': rc = dlt_builder__append_int(b, rnd_range(INT64_MIN, INT64_MAX), err); break;
	case 'C': rc = dlt_builder__append_uint(b, (uint64_t)rnd_range(0, UINT8_MAX), err); break;
	case 'S': rc = dlt_builder__append_uint(b, (uint64_t)rnd_range(0, UINT16_MAX), err); break;
	case 'I': rc = dlt_builder__append_uint(b, (uint64_t)rnd_range(0, UINT32_MAX), err); break;
	case 'L': rc = dlt_builder__append_uint(b, rn(4) == 0 ? UINT64_MAX : rnd(), err); break;
	case 'e':
	case 'f':
	case 'g': {
		static const double sp[] = { 0.0, -0.0, 1.0 / 0.0, -1.0 / 0.0, 1e300, -1e-300, 65504.0, 1.5 };
		double v;
		int k = rn(12);
		if (k == 0)
			v = NAN;
		else if (k <= 8)
			v = sp[k - 1];
		else
			v = (double)((int64_t)(rnd() % 20001) - 10000) / 16.0;
		rc = dlt_builder__append_double(b, v, err);
		break;
	}
	case 'd': {
		int prec = atoi(f + 2);
		uint64_t w[4];
		rnd_decimal(w, prec);
		rc = dlt_builder__append_decimal(b, w, strstr(f, ",256") ? 4 : 2, err);
		break;
	}
	case 't':
		if (f[1] == 'd' && f[2] == 'D')
			rc = dlt_builder__append_int(b, rnd_range(INT32_MIN, INT32_MAX), err);
		else if (f[1] == 'd') /* date64: the whole int32 day range, any ms */
			rc = dlt_builder__append_int(b, rnd_range(INT64_C(-185542587187199999), INT64_C(185542587187199999)), err);
		else if (f[1] == 't')
			rc = dlt_builder__append_int(b, rnd_range(0, f[2] == 's' ? 86399 : f[2] == 'm' ? 86399999 : f[2] == 'u' ? INT64_C(86399999999) : INT64_C(86399999999999)), err);
		else if (g_int96 && f[2] != 'n') /* INT96 starts at Julian day 0 (4713 BC) */
			rc = dlt_builder__append_int(b, rnd_range(-INT64_C(210000000000), INT64_C(210000000000)) * (f[2] == 's' ? 1 : f[2] == 'm' ? 1000 : 1000000) + (f[2] == 's' ? 0 : rn(1000)), err);
		else if (f[2] == 's') /* seconds are written as milliseconds */
			rc = dlt_builder__append_int(b, rnd_range(INT64_C(-9000000000000), INT64_C(9000000000000)), err);
		else if (f[2] == 'm')
			rc = dlt_builder__append_int(b, rnd_range(INT64_C(-9000000000000000), INT64_C(9000000000000000)), err);
		else
			rc = dlt_builder__append_int(b, rnd_range(INT64_MIN + 1, INT64_MAX), err);
		break;
	case 'u':
	case 'U':
		{
			const char *w = k_words[rn((int)(sizeof(k_words) / sizeof(k_words[0])))];
			rc = dlt_builder__append_bytes(b, w, strlen(w), err);
		}
		break;
	case 'z':
	case 'Z':
	case 'w': {
		uint8_t bytes[16];
		size_t n = f[0] == 'w' ? (size_t)atoi(f + 2) : (size_t)rn(13), i;
		for (i = 0; i < n; i++)
			bytes[i] = (uint8_t)(rn(3) == 0 ? 0 : rnd());
		rc = dlt_builder__append_bytes(b, bytes, n, err);
		break;
	}
	case 'n': rc = dlt_builder__append_null(b, err); break;
	default:
		snprintf(tmp, sizeof(tmp), "%s", f);
		fail_msg("no generator for %s", tmp);
	}
	if (rc != DLT_OK)
		fail_msg("append %s: %s", f, err->message);
}

static void append_value(dlt_builder *b, const struct ArrowSchema *s, dlt_error *err)
{
	const char *f = s->format;
	int64_t i;
	if ((s->flags & ARROW_FLAG_NULLABLE) && rn(7) == 0) {
		assert_int_equal(dlt_builder__append_null(b, err), DLT_OK);
		return;
	}
	if (f[0] != '+') {
		append_leaf(b, f, err);
		return;
	}
	switch (f[1]) {
	case 's':
		for (i = 0; i < s->n_children; i++)
			append_value(dlt_builder__child(b, i), s->children[i], err);
		break;
	case 'w': {
		int n = atoi(f + 3), k;
		for (k = 0; k < n; k++)
			append_value(dlt_builder__child(b, 0), s->children[0], err);
		break;
	}
	case 'm': {
		dlt_builder *e = dlt_builder__child(b, 0);
		int n = rn(4), k;
		for (k = 0; k < n; k++) {
			append_leaf(dlt_builder__child(e, 0), s->children[0]->children[0]->format, err);
			append_value(dlt_builder__child(e, 1), s->children[0]->children[1], err);
			assert_int_equal(dlt_builder__append_valid(e, err), DLT_OK);
		}
		break;
	}
	default: { /* lists: empty ones often */
		int n = rn(4), k;
		for (k = 0; k < n; k++)
			append_value(dlt_builder__child(b, 0), s->children[0], err);
		break;
	}
	}
	assert_int_equal(dlt_builder__append_valid(b, err), DLT_OK);
}

static void gen_batch(struct ArrowArray *out, const struct ArrowSchema *s, int64_t rows)
{
	dlt_builder *b = NULL;
	dlt_error err;
	int64_t r, c;
	assert_int_equal(dlt_builder__new(&b, s, &err), DLT_OK);
	for (r = 0; r < rows; r++) {
		for (c = 0; c < s->n_children; c++)
			append_value(dlt_builder__child(b, c), s->children[c], &err);
		assert_int_equal(dlt_builder__append_valid(b, &err), DLT_OK);
	}
	assert_int_equal(dlt_builder__finish(out, b, &err), DLT_OK);
	dlt_builder__free(b);
}

/* ---------- canonical text with the reader's mappings applied ---------- */


static void put(dlt_buf *b, const char *s)
{
	dlt_error err;
	assert_int_equal(dlt_buf_append(b, s, strlen(s), &err), DLT_OK);
}

static void put_hex(dlt_buf *b, const uint8_t *p, size_t n)
{
	char t[3];
	size_t i;
	put(b, "x");
	for (i = 0; i < n; i++) {
		snprintf(t, sizeof(t), "%02x", p[i]);
		put(b, t);
	}
}

/* `v` ticks of 10^-digits seconds, as nanoseconds: the digits followed by
 * zeros (exact, no overflow). */
static void put_ns(dlt_buf *b, int64_t v, int digits)
{
	char t[48];
	snprintf(t, sizeof(t), "%" PRId64, v);
	put(b, t);
	if (v != 0)
		put(b, &"000000000"[digits]);
}

static int64_t floordiv(int64_t a, int64_t d)
{
	int64_t q = a / d;
	return (a % d != 0 && ((a < 0) != (d < 0))) ? q - 1 : q;
}

static void put_decimal(dlt_buf *b, const uint8_t *p, int nbytes)
{
	uint32_t w[8];
	int nw = nbytes / 4, i, k = 0;
	bool neg = (p[nbytes - 1] & 0x80) != 0, nz;
	char d[100], out[104];
	for (i = 0; i < nw; i++)
		memcpy(&w[i], p + 4 * i, 4);
	if (neg) {
		uint64_t c = 1;
		for (i = 0; i < nw; i++) {
			uint64_t s = (uint64_t)(uint32_t)~w[i] + c;
			w[i] = (uint32_t)s;
			c = s >> 32;
		}
	}
	do {
		uint64_t rem = 0;
		nz = false;
		for (i = nw - 1; i >= 0; i--) {
			uint64_t cur = (rem << 32) | w[i];
			w[i] = (uint32_t)(cur / 10);
			rem = cur % 10;
			nz = nz || w[i] != 0;
		}
		d[k++] = (char)('0' + rem);
	} while (nz);
	i = 0;
	if (neg)
		out[i++] = '-';
	while (k > 0)
		out[i++] = d[--k];
	out[i] = 0;
	put(b, out);
}

static void render(dlt_buf *b, const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i)
{
	const char *f = s->format;
	int64_t j = a->offset + i;
	const void *vb = a->n_buffers > 1 ? a->buffers[1] : NULL;
	char t[64];

	if (f[0] == 'n' || (a->buffers[0] && !dlt_arrow__bit(a->buffers[0], j))) {
		put(b, "null");
		return;
	}
	if (s->dictionary) {
		int64_t k = f[0] == 'c' ? ((const int8_t *)vb)[j] : f[0] == 's' ? ((const int16_t *)vb)[j] : f[0] == 'i' ? ((const int32_t *)vb)[j] : ((const int64_t *)vb)[j];
		render(b, s->dictionary, a->dictionary, k);
		return;
	}
	switch (f[0]) {
	case 'b': put(b, dlt_arrow__bit(vb, j) ? "true" : "false"); return;
	case 'c': snprintf(t, sizeof(t), "%d", ((const int8_t *)vb)[j]); break;
	case 'C': snprintf(t, sizeof(t), "%u", ((const uint8_t *)vb)[j]); break;
	case 's': snprintf(t, sizeof(t), "%d", ((const int16_t *)vb)[j]); break;
	case 'S': snprintf(t, sizeof(t), "%u", ((const uint16_t *)vb)[j]); break;
	case 'i': snprintf(t, sizeof(t), "%" PRId32, ((const int32_t *)vb)[j]); break;
	case 'I': snprintf(t, sizeof(t), "%" PRIu32, ((const uint32_t *)vb)[j]); break;
	case 'l': snprintf(t, sizeof(t), "%" PRId64, ((const int64_t *)vb)[j]); break;
	case 'L': snprintf(t, sizeof(t), "%" PRIu64, ((const uint64_t *)vb)[j]); break;
	case 'e': { uint16_t v; memcpy(&v, (const uint8_t *)vb + 2 * j, 2); snprintf(t, sizeof(t), "h%04x", v); break; }
	case 'f': { uint32_t v; memcpy(&v, (const uint8_t *)vb + 4 * j, 4); snprintf(t, sizeof(t), "f%08" PRIx32, v); break; }
	case 'g': { uint64_t v; memcpy(&v, (const uint8_t *)vb + 8 * j, 8); snprintf(t, sizeof(t), "g%016" PRIx64, v); break; }
	case 'd': {
		int bytes = strstr(f, ",256") ? 32 : 16;
		put_decimal(b, (const uint8_t *)vb + (size_t)bytes * (size_t)j, bytes);
		return;
	}
	case 'u': case 'z': case 'U': case 'Z': {
		int64_t lo, hi;
		if (f[0] == 'U' || f[0] == 'Z') {
			lo = ((const int64_t *)vb)[j];
			hi = ((const int64_t *)vb)[j + 1];
		} else {
			lo = ((const int32_t *)vb)[j];
			hi = ((const int32_t *)vb)[j + 1];
		}
		put_hex(b, (const uint8_t *)a->buffers[2] + lo, (size_t)(hi - lo));
		return;
	}
	case 'w': {
		size_t w = (size_t)atoi(f + 2);
		put_hex(b, (const uint8_t *)vb + w * (size_t)j, w);
		return;
	}
	case 't':
		if (f[1] == 'd') {
			int64_t days = f[2] == 'D' ? ((const int32_t *)vb)[j]
			                           : floordiv(((const int64_t *)vb)[j], 86400000);
			snprintf(t, sizeof(t), "D%" PRId64, days);
			break;
		}
		if (f[1] == 't') {
			int64_t v = (f[2] == 's' || f[2] == 'm') ? ((const int32_t *)vb)[j] : ((const int64_t *)vb)[j];
			put(b, "T");
			put_ns(b, v, f[2] == 's' ? 0 : f[2] == 'm' ? 3 : f[2] == 'u' ? 6 : 9);
			return;
		}
		if (f[1] == 's') {
			int64_t v = ((const int64_t *)vb)[j];
			int digits = f[2] == 's' ? 0 : f[2] == 'm' ? 3 : f[2] == 'u' ? 6 : 9;
			if (g_int96) { /* read back as microseconds, truncated toward -inf */
				if (digits == 9)
					v = floordiv(v, 1000);
				else
					while (digits < 6) {
						v *= 1000;
						digits += 3;
					}
				digits = 6;
			}
			put(b, "S");
			put_ns(b, v, digits);
			return;
		}
		fail_msg("render: format %s", f);
		return;
	case '+':
		if (f[1] == 's') {
			int64_t c;
			put(b, "{");
			for (c = 0; c < s->n_children; c++) {
				put(b, c ? "," : "");
				put(b, s->children[c]->name);
				put(b, ":");
				render(b, s->children[c], a->children[c], j);
			}
			put(b, "}");
			return;
		} else {
			int64_t lo, hi, k;
			if (f[1] == 'w') {
				int64_t n = atoi(f + 3);
				lo = j * n;
				hi = lo + n;
			} else if (f[1] == 'L') {
				lo = ((const int64_t *)vb)[j];
				hi = ((const int64_t *)vb)[j + 1];
			} else {
				lo = ((const int32_t *)vb)[j];
				hi = ((const int32_t *)vb)[j + 1];
			}
			put(b, "[");
			for (k = lo; k < hi; k++) {
				put(b, k > lo ? "," : "");
				if (f[1] == 'm') {
					const struct ArrowArray *e = a->children[0];
					put(b, "(");
					render(b, s->children[0]->children[0], e->children[0], e->offset + k);
					put(b, "=");
					render(b, s->children[0]->children[1], e->children[1], e->offset + k);
					put(b, ")");
				} else {
					render(b, s->children[0], a->children[0], k);
				}
			}
			put(b, "]");
			return;
		}
	default:
		fail_msg("render: format %s", f);
		return;
	}
	put(b, t);
}

/* The Arrow format the reader gives for a written one (see the table above). */
static void expected_format(char *out, size_t cap, const char *f)
{
	if (strcmp(f, "tdm") == 0)
		snprintf(out, cap, "tdD");
	else if (strcmp(f, "tts") == 0)
		snprintf(out, cap, "ttm");
	else if (f[0] == 't' && f[1] == 's' && g_int96)
		snprintf(out, cap, "tsu:");
	else if (f[0] == 't' && f[1] == 's')
		snprintf(out, cap, "ts%c:%s", f[2] == 's' ? 'm' : f[2], f[4] ? "UTC" : "");
	else if (strcmp(f, "U") == 0)
		snprintf(out, cap, "u");
	else if (strcmp(f, "Z") == 0)
		snprintf(out, cap, "z");
	else if (strcmp(f, "+L") == 0 || strncmp(f, "+w:", 3) == 0)
		snprintf(out, cap, "+l");
	else if (f[0] == 'd' && strstr(f, ",256") && atoi(f + 2) <= 38)
		snprintf(out, cap, "d:%d,%d", atoi(f + 2), atoi(strchr(f, ',') + 1));
	else
		snprintf(out, cap, "%s", f);
}

static void check_schema(const struct ArrowSchema *w, const struct ArrowSchema *r, const char *path)
{
	char want[64];
	int64_t i;
	const struct ArrowSchema *wv = w->dictionary ? w->dictionary : w;
	expected_format(want, sizeof(want), wv->format);
	if (strcmp(want, r->format) != 0)
		fail_msg("%s: read back as %s, expected %s (written %s)", path, r->format, want, wv->format);
	if ((w->flags & ARROW_FLAG_NULLABLE) != (r->flags & ARROW_FLAG_NULLABLE))
		fail_msg("%s: nullability differs", path);
	assert_int_equal(w->n_children, r->n_children);
	for (i = 0; i < w->n_children; i++) {
		char sub[256];
		if (w->format[1] == 's')
			assert_string_equal(w->children[i]->name, r->children[i]->name);
		snprintf(sub, sizeof(sub), "%s.%s", path, w->children[i]->name);
		check_schema(w->children[i], r->children[i], sub);
	}
}

/* ---------- write + read back ---------- */

typedef struct rt_config {
	const char *name;
	int codec;
	int page_version;
	int dictionary;
	int encoding;        /* applied to every leaf it fits */
	int64_t page_rows, page_bytes, row_group_rows, dictionary_bytes;
	int int96;
	int64_t rows;
	int n_fields;
	int force_dict;      /* dictionary=1 on every column: no PLAIN trial */
} rt_config;

#define D DLT_PARQUET_ENCODING_DEFAULT
static const rt_config k_configs[] = {
	{ "snappy-dict-v1", DLT_PARQUET_CODEC_SNAPPY, 1, 1, D, 20000, 1 << 20, 1048576, 1 << 20, 0, 300, 10, 1 },
	{ "zstd-dict-v2", DLT_PARQUET_CODEC_ZSTD, 2, 1, D, 20000, 1 << 20, 1048576, 1 << 20, 0, 300, 10, 0 },
	{ "gzip-plain-v1", DLT_PARQUET_CODEC_GZIP, 1, 0, D, 20000, 1 << 20, 1048576, 1 << 20, 0, 250, 10, 0 },
	{ "lz4-plain-v2", DLT_PARQUET_CODEC_LZ4_RAW, 2, 0, D, 20000, 1 << 20, 1048576, 1 << 20, 0, 250, 10, 0 },
	{ "brotli-dict-v1", DLT_PARQUET_CODEC_BROTLI, 1, 1, D, 20000, 1 << 20, 1048576, 1 << 20, 0, 200, 8, 1 },
	{ "none-dict-v2", DLT_PARQUET_CODEC_UNCOMPRESSED, 2, 1, D, 20000, 1 << 20, 1048576, 1 << 20, 0, 250, 10, 1 },
	{ "tiny-pages-v1", DLT_PARQUET_CODEC_SNAPPY, 1, 1, D, 3, 1 << 20, 17, 1 << 20, 0, 200, 10, 1 },
	{ "tiny-pages-v2", DLT_PARQUET_CODEC_ZSTD, 2, 1, D, 5, 64, 23, 1 << 20, 0, 200, 10, 1 },
	{ "dict-fallback", DLT_PARQUET_CODEC_SNAPPY, 1, 1, D, 40, 1 << 20, 120, 48, 0, 300, 10, 1 },
	{ "tiny-bytes-v2", DLT_PARQUET_CODEC_UNCOMPRESSED, 2, 0, D, 20000, 16, 50, 1 << 20, 0, 150, 8, 0 },
	{ "plain", DLT_PARQUET_CODEC_SNAPPY, 1, 1, DLT_PARQUET_ENCODING_PLAIN, 11, 1 << 20, 60, 1 << 20, 0, 200, 10, 0 },
	{ "delta-binary-v1", DLT_PARQUET_CODEC_ZSTD, 1, 1, DLT_PARQUET_ENCODING_DELTA_BINARY_PACKED, 37, 1 << 20, 1048576, 1 << 20, 0, 300, 12, 1 },
	{ "delta-binary-v2", DLT_PARQUET_CODEC_UNCOMPRESSED, 2, 1, DLT_PARQUET_ENCODING_DELTA_BINARY_PACKED, 7, 1 << 20, 90, 1 << 20, 0, 300, 12, 0 },
	{ "delta-length-v1", DLT_PARQUET_CODEC_SNAPPY, 1, 1, DLT_PARQUET_ENCODING_DELTA_LENGTH_BYTE_ARRAY, 13, 1 << 20, 1048576, 1 << 20, 0, 250, 12, 0 },
	{ "delta-length-v2", DLT_PARQUET_CODEC_GZIP, 2, 1, DLT_PARQUET_ENCODING_DELTA_LENGTH_BYTE_ARRAY, 20000, 1 << 20, 77, 1 << 20, 0, 250, 12, 0 },
	{ "delta-bytes-v1", DLT_PARQUET_CODEC_LZ4_RAW, 1, 1, DLT_PARQUET_ENCODING_DELTA_BYTE_ARRAY, 9, 1 << 20, 1048576, 1 << 20, 0, 250, 12, 0 },
	{ "delta-bytes-v2", DLT_PARQUET_CODEC_ZSTD, 2, 1, DLT_PARQUET_ENCODING_DELTA_BYTE_ARRAY, 20000, 1 << 20, 64, 1 << 20, 0, 250, 12, 0 },
	{ "bss-v1", DLT_PARQUET_CODEC_SNAPPY, 1, 1, DLT_PARQUET_ENCODING_BYTE_STREAM_SPLIT, 20000, 1 << 20, 1048576, 1 << 20, 0, 250, 12, 0 },
	{ "bss-v2", DLT_PARQUET_CODEC_BROTLI, 2, 1, DLT_PARQUET_ENCODING_BYTE_STREAM_SPLIT, 6, 1 << 20, 50, 1 << 20, 0, 200, 12, 0 },
	{ "int96-v1", DLT_PARQUET_CODEC_SNAPPY, 1, 1, D, 20000, 1 << 20, 1048576, 1 << 20, 1, 300, 10, 1 },
	{ "int96-v2-tiny", DLT_PARQUET_CODEC_ZSTD, 2, 0, D, 4, 1 << 20, 31, 1 << 20, 1, 200, 10, 0 },
};
#undef D
#define N_CONFIGS (sizeof(k_configs) / sizeof(k_configs[0]))

static void roundtrip(const rt_config *cfg, uint64_t seed)
{
	dlt_parquet_write_options o = DLT_PARQUET_WRITE_OPTIONS_INIT;
	static enc_plan plan;
	struct ArrowSchema ws, rs;
	struct ArrowArray batches[3], rb;
	struct ArrowArrayStream st;
	int64_t sizes[3], nb = 3, k, i, total = 0, got = 0;
	dlt_output *out = NULL;
	dlt_parquet_writer *w = NULL;
	dlt_parquet_file *f = NULL;
	dlt_input *in = NULL;
	dlt_error err;
	dlt_buf want = DLT_BUF_INIT, have = DLT_BUF_INIT;
	const uint8_t *data;
	size_t len, wpos = 0;

	g_rng = seed * UINT64_C(0x9e3779b97f4a7c15) + 1;
	memset(&plan, 0, sizeof(plan));
	plan.encoding = cfg->encoding;
	plan.int96 = cfg->int96 != 0;
	g_int96 = plan.int96;
	gen_schema(&ws, cfg->n_fields, &plan);
	sizes[0] = cfg->rows / 2;
	sizes[1] = 0; /* an empty batch */
	sizes[2] = cfg->rows - sizes[0];
	for (k = 0; k < nb; k++) {
		gen_batch(&batches[k], &ws, sizes[k]);
		for (i = 0; i < sizes[k]; i++) {
			render(&want, &ws, &batches[k], i);
			put(&want, "\n");
		}
		total += sizes[k];
	}
	o.codec = cfg->codec;
	o.data_page_version = cfg->page_version;
	o.dictionary = cfg->dictionary;
	o.page_rows = cfg->page_rows;
	o.page_bytes = cfg->page_bytes;
	o.row_group_rows = cfg->row_group_rows;
	o.dictionary_bytes = cfg->dictionary_bytes;
	o.int96_timestamps = cfg->int96;
	if (cfg->force_dict)
		for (i = 0; i < ws.n_children && plan.n < 256; i++) {
			plan.cols[plan.n].path = ws.children[i]->name;
			plan.cols[plan.n].encoding = DLT_PARQUET_ENCODING_DEFAULT;
			plan.cols[plan.n].dictionary = 1;
			plan.n++;
		}
	o.columns = plan.cols;
	o.n_columns = plan.n;
	assert_int_equal(dlt_output_to_memory(&out, &err), DLT_OK);
	if (dlt_parquet_writer_open(&w, out, &ws, &o, &err) != DLT_OK)
		fail_msg("%s: open: %s", cfg->name, err.message);
	for (k = 0; k < nb; k++)
		if (dlt_parquet_writer_write(w, &batches[k], &err) != DLT_OK)
			fail_msg("%s: write: %s", cfg->name, err.message);
	if (dlt_parquet_writer_close(w, NULL, &err) != DLT_OK)
		fail_msg("%s: close: %s", cfg->name, err.message);
	dlt_parquet_writer_free(w);
	data = dlt_output_memory_data(out, &len);

	assert_int_equal(dlt_input_from_memory(&in, data, len, cfg->name, &err), DLT_OK);
	if (dlt_parquet_open(&f, in, NULL, &err) != DLT_OK)
		fail_msg("%s: reader open: %s", cfg->name, err.message);
	assert_int_equal(dlt_parquet_file_num_rows(f), total);
	if (cfg->row_group_rows < total)
		assert_int_equal(dlt_parquet_file_num_row_groups(f),
		                 (total + cfg->row_group_rows - 1) / cfg->row_group_rows);
	{ /* the requested encodings are really used */
		static const char *const names[] = { "PLAIN", "", "", "", "", "DELTA_BINARY_PACKED",
		                                     "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
		                                     "RLE_DICTIONARY", "BYTE_STREAM_SPLIT" };
		char *meta = NULL;
		assert_int_equal(dlt_parquet_meta_json(&meta, f, &err), DLT_OK);
		if (cfg->encoding > 0 && plan.n > (cfg->force_dict ? (size_t)ws.n_children : 0) &&
		    !strstr(meta, names[cfg->encoding]))
			fail_msg("%s: no %s in the file", cfg->name, names[cfg->encoding]);
		if (cfg->force_dict && !strstr(meta, "RLE_DICTIONARY"))
			fail_msg("%s: no dictionary in the file", cfg->name);
		dlt_free(meta);
	}
	assert_int_equal(dlt_parquet_file_schema(&rs, f, &err), DLT_OK);
	check_schema(&ws, &rs, cfg->name);
	if (dlt_parquet_read(&st, f, NULL, &err) != DLT_OK)
		fail_msg("%s: read: %s", cfg->name, err.message);
	for (;;) {
		struct ArrowSchema bs;
		int rc = st.get_next(&st, &rb);
		if (rc != 0)
			fail_msg("%s: get_next: %s", cfg->name, st.get_last_error(&st));
		if (!rb.release)
			break;
		assert_int_equal(st.get_schema(&st, &bs), 0);
		for (i = 0; i < rb.length; i++) {
			size_t line;
			dlt_buf_clear(&have);
			render(&have, &bs, &rb, i);
			put(&have, "\n");
			line = (size_t)(strchr((const char *)want.data + wpos, '\n') - (const char *)want.data) + 1 - wpos;
			if (have.len != line || memcmp(have.data, want.data + wpos, line) != 0) {
				char desc[2048];
				dlt_arrow__describe_schema(desc, sizeof(desc), &ws);
				print_message("schema: %s\n", desc);
				if (getenv("DLT_RT_DUMP")) { /* debugging: keep the file */
					FILE *fp = fopen(getenv("DLT_RT_DUMP"), "wb");
					if (fp) {
						fwrite(data, 1, len, fp);
						fclose(fp);
					}
				}
				fail_msg("%s (seed %" PRIu64 "): row %" PRId64 " differs\n got: %.*s want: %.*s",
				         cfg->name, seed, got, (int)have.len, (const char *)have.data,
				         (int)line, (const char *)want.data + wpos);
			}
			wpos += line;
			got++;
		}
		bs.release(&bs);
		rb.release(&rb);
	}
	assert_int_equal(got, total);
	st.release(&st);
	rs.release(&rs);
	dlt_parquet_file_free(f);
	dlt_output_free(out);
	for (k = 0; k < nb; k++)
		batches[k].release(&batches[k]);
	ws.release(&ws);
	dlt_buf_dispose(&want);
	dlt_buf_dispose(&have);
}

static void test_roundtrip_random_schemas(void **state)
{
	size_t c;
	uint64_t seed;
	(void)state;
	for (c = 0; c < N_CONFIGS; c++)
		for (seed = 1; seed <= 5; seed++)
			roundtrip(&k_configs[c], seed * 100 + c);
}

/* ---------- out of memory: every allocation failing in turn ---------- */

typedef struct oom_sink {
	size_t bytes;
	int finished, aborted;
} oom_sink;

static int oom_write(void *ctx, const void *data, size_t len, dlt_error *err)
{
	(void)data;
	(void)err;
	((oom_sink *)ctx)->bytes += len;
	return DLT_OK;
}
static int oom_finish(void *ctx, dlt_error *err)
{
	(void)err;
	((oom_sink *)ctx)->finished++;
	return DLT_OK;
}
static void oom_abort(void *ctx) { ((oom_sink *)ctx)->aborted++; }
static void oom_close(void *ctx) { (void)ctx; }

static void test_write_oom_sweep(void **state)
{
	static const dlt_output_ops ops = { DLT_OUTPUT_OPS_VERSION, oom_write, oom_finish,
		                            oom_abort, oom_close };
	static enc_plan plan;
	dlt_parquet_write_options o = DLT_PARQUET_WRITE_OPTIONS_INIT;
	struct ArrowSchema s;
	struct ArrowArray a;
	int rc = DLT_ENOMEM;
	int64_t n, failures = 0;
	(void)state;
	/* a small nested batch: every kind of field, two row groups, tiny pages */
	g_rng = 77;
	g_int96 = false;
	memset(&plan, 0, sizeof(plan));
	plan.encoding = DLT_PARQUET_ENCODING_DEFAULT;
	gen_schema(&s, 12, &plan);
	gen_batch(&a, &s, 40);
	o.row_group_rows = 25;
	o.page_rows = 7;
	o.codec = DLT_PARQUET_CODEC_ZSTD;
	dlt_alloc_counting(1);
	for (n = 1; rc == DLT_ENOMEM && n < 100000; n++) {
		dlt_alloc_stats before, after;
		oom_sink sink = { 0, 0, 0 };
		dlt_output *out = NULL;
		dlt_parquet_writer *w = NULL;
		dlt_parquet_write_result *res = NULL;
		dlt_error err;
		dlt_alloc_stats_get(&before);
		dlt_alloc_fail_after(n);
		rc = dlt_output_new(&out, &ops, &sink, "oom", &err);
		if (rc == DLT_OK)
			rc = dlt_parquet_writer_open(&w, out, &s, &o, &err);
		if (rc == DLT_OK)
			rc = dlt_parquet_writer_write(w, &a, &err);
		if (rc == DLT_OK)
			rc = dlt_parquet_writer_close(w, &res, &err);
		dlt_alloc_fail_after(0);
		if (rc != DLT_OK) {
			if (rc != DLT_ENOMEM)
				fail_msg("allocation %" PRId64 ": %d %s", n, rc, err.message);
			assert_int_equal(sink.finished, 0);
			if (out)
				assert_int_equal(sink.aborted, 1);
			assert_null(res);
			failures++;
		} else {
			assert_int_equal(sink.finished, 1);
			assert_int_equal(sink.aborted, 0);
			assert_non_null(res);
			assert_int_equal(dlt_parquet_write_result_num_rows(res), 40);
		}
		dlt_parquet_write_result_free(res);
		dlt_parquet_writer_free(w);
		dlt_output_free(out);
		dlt_alloc_stats_get(&after);
		if (after.live_blocks != before.live_blocks)
			fail_msg("allocation %" PRId64 " failing leaks %" PRId64 " blocks", n,
			         after.live_blocks - before.live_blocks);
	}
	dlt_alloc_counting(0);
	assert_int_equal(rc, DLT_OK);
	assert_true(failures > 50);
	a.release(&a);
	s.release(&s);
}

/* ---------- field ids, key/value metadata, created_by ---------- */

static char *run_cmd(const char *cmd)
{
	dlt_buf out = DLT_BUF_INIT;
	dlt_error err;
	char buf[4096];
	size_t got;
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	while ((got = fread(buf, 1, sizeof(buf), p)) > 0)
		assert_int_equal(dlt_buf_append(&out, buf, got, &err), 0);
	assert_int_equal(pclose(p), 0);
	assert_int_equal(dlt_buf_append_byte(&out, 0, &err), 0);
	return (char *)out.data;
}

static void set_id(struct ArrowSchema *f, const char *id)
{
	const char *const k[] = { "PARQUET:field_id" };
	const char *const v[] = { id };
	dlt_error err;
	assert_int_equal(dlt_schema__set_metadata(f, k, v, 1, &err), DLT_OK);
}

static void test_write_field_ids_kv_created_by(void **state)
{
	static const char *const keys[] = { "delta.note", "empty", "no value" };
	static const char *const vals[] = { "h\xc3\xa9llo", "", NULL };
	dlt_parquet_write_options o = DLT_PARQUET_WRITE_OPTIONS_INIT;
	struct ArrowSchema s, rs;
	struct ArrowArray a;
	dlt_output *out = NULL;
	dlt_parquet_writer *w = NULL;
	dlt_parquet_file *f = NULL;
	dlt_error err;
	char path[512], cmd[1024], *meta = NULL, *got;
	const char *v;
	int32_t vlen;
	(void)state;
	/* struct<a: int32 (id 1), s: struct<x: utf8 (id 3)> (id 2),
	 *        m: map<utf8, nullable int64> (id 4), fl: fixed_size_list<int16>[2] (id 5),
	 *        nul: null, d256: decimal256(50, 5)> */
	assert_int_equal(dlt_schema__init(&s, "+s", "", 0, 6, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[0], "i", "a", true, &err), DLT_OK);
	set_id(s.children[0], "1");
	assert_int_equal(dlt_schema__init(s.children[1], "+s", "s", ARROW_FLAG_NULLABLE, 1, &err), DLT_OK);
	set_id(s.children[1], "2");
	assert_int_equal(dlt_schema__init_leaf(s.children[1]->children[0], "u", "x", true, &err), DLT_OK);
	set_id(s.children[1]->children[0], "3");
	assert_int_equal(dlt_schema__init(s.children[2], "+m", "m", ARROW_FLAG_NULLABLE, 1, &err), DLT_OK);
	set_id(s.children[2], "4");
	assert_int_equal(dlt_schema__init(s.children[2]->children[0], "+s", "entries", 0, 2, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[2]->children[0]->children[0], "u", "key", false, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[2]->children[0]->children[1], "l", "value", true, &err), DLT_OK);
	assert_int_equal(dlt_schema__init(s.children[3], "+w:2", "fl", ARROW_FLAG_NULLABLE, 1, &err), DLT_OK);
	set_id(s.children[3], "5");
	assert_int_equal(dlt_schema__init_leaf(s.children[3]->children[0], "s", "item", true, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[4], "n", "nul", true, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[5], "d:50,5,256", "d256", true, &err), DLT_OK);
	g_rng = 5;
	g_int96 = false;
	gen_batch(&a, &s, 30);
	o.created_by = "pqwrite2 test 1.0";
	o.kv_keys = keys;
	o.kv_values = vals;
	o.n_kv = 3;
	mkdir(DLT_TEST_TMPDIR, 0755);
	snprintf(path, sizeof(path), "%s/w_field_ids.parquet", DLT_TEST_TMPDIR);
	assert_int_equal(dlt_output_open_file(&out, path, &err), DLT_OK);
	assert_int_equal(dlt_parquet_writer_open(&w, out, &s, &o, &err), DLT_OK);
	assert_int_equal(dlt_parquet_writer_write(w, &a, &err), DLT_OK);
	assert_int_equal(dlt_parquet_writer_close(w, NULL, &err), DLT_OK);
	dlt_parquet_writer_free(w);
	dlt_output_free(out);

	/* our reader: field ids as Arrow metadata, the footer's kv and created_by */
	assert_int_equal(dlt_parquet_open_path(&f, path, NULL, &err), DLT_OK);
	assert_int_equal(dlt_parquet_file_schema(&rs, f, &err), DLT_OK);
	assert_int_equal(dlt_schema__metadata_get(rs.children[0], "PARQUET:field_id", &v, &vlen), DLT_OK);
	assert_true(vlen == 1 && v[0] == '1');
	assert_int_equal(dlt_schema__metadata_get(rs.children[1]->children[0], "PARQUET:field_id", &v, &vlen), DLT_OK);
	assert_true(vlen == 1 && v[0] == '3');
	assert_int_equal(dlt_schema__metadata_get(rs.children[3], "PARQUET:field_id", &v, &vlen), DLT_OK);
	assert_true(vlen == 1 && v[0] == '5');
	assert_int_equal(dlt_schema__metadata_get(rs.children[2]->children[0]->children[0], "PARQUET:field_id", &v, &vlen), DLT_ENOTFOUND);
	assert_string_equal(rs.children[4]->format, "n");
	assert_string_equal(rs.children[5]->format, "d:50,5,256");
	assert_int_equal(dlt_parquet_meta_json(&meta, f, &err), DLT_OK);
	if (!strstr(meta, "\"created_by\": \"pqwrite2 test 1.0\"") &&
	    !strstr(meta, "\"created_by\":\"pqwrite2 test 1.0\""))
		fail_msg("created_by missing: %.600s", meta);
	assert_non_null(strstr(meta, "delta.note"));
	assert_non_null(strstr(meta, "h\xc3\xa9llo"));
	assert_non_null(strstr(meta, "no value"));
	dlt_free(meta);
	{ /* and the values, with the same canonical text as the round trips */
		struct ArrowArrayStream st;
		struct ArrowArray rb;
		struct ArrowSchema bs;
		dlt_buf x = DLT_BUF_INIT, y = DLT_BUF_INIT;
		int64_t i;
		assert_int_equal(dlt_parquet_read(&st, f, NULL, &err), DLT_OK);
		assert_int_equal(st.get_next(&st, &rb), 0);
		assert_int_equal(st.get_schema(&st, &bs), 0);
		assert_int_equal(rb.length, 30);
		for (i = 0; i < 30; i++) {
			render(&x, &s, &a, i);
			render(&y, &bs, &rb, i);
			put(&x, "\n");
			put(&y, "\n");
		}
		assert_int_equal(x.len, y.len);
		assert_memory_equal(x.data, y.data, x.len);
		dlt_buf_dispose(&x);
		dlt_buf_dispose(&y);
		bs.release(&bs);
		rb.release(&rb);
		st.release(&st);
	}
	rs.release(&rs);
	dlt_parquet_file_free(f);

	/* DuckDB: parquet_schema shows the field ids, parquet_kv_metadata the pairs */
	snprintf(cmd, sizeof(cmd), "timeout 300 node %s/tests/unit/parquet/write_meta.mjs %s '%s'",
	         DLT_SOURCE_DIR, DLT_NODE_DIR, path);
	got = run_cmd(cmd);
	assert_non_null(strstr(got, "field_id\ta\t1\n"));
	assert_non_null(strstr(got, "field_id\ts\t2\n"));
	assert_non_null(strstr(got, "field_id\tx\t3\n"));
	assert_non_null(strstr(got, "field_id\tm\t4\n"));
	assert_non_null(strstr(got, "field_id\tfl\t5\n"));
	assert_non_null(strstr(got, "field_id\tkey\tnull\n"));
	assert_non_null(strstr(got, "kv\tdelta.note\th\xc3\xa9llo\n"));
	assert_non_null(strstr(got, "kv\tempty\t\n"));
	assert_non_null(strstr(got, "created_by\tpqwrite2 test 1.0\n"));
	assert_non_null(strstr(got, "rows\t30\n"));
	dlt_free(got);
	a.release(&a);
	s.release(&s);
}

/* ---------- dictionary or PLAIN, per column chunk ---------- */

/* By default a column chunk keeps its dictionary only where it pays: sorted
 * keys and mostly distinct values go PLAIN (they compress better so), low
 * cardinality columns keep the dictionary; a column option forces it. */
static void test_write_dictionary_only_where_it_pays(void **state)
{
	static const char *const words[] = { "AIR", "MAIL", "RAIL", "SHIP", "TRUCK" };
	dlt_parquet_column_options forced = { "forced", DLT_PARQUET_ENCODING_DEFAULT, 1 };
	dlt_parquet_write_options o = DLT_PARQUET_WRITE_OPTIONS_INIT;
	struct ArrowSchema s;
	struct ArrowArray a;
	dlt_builder *b = NULL;
	dlt_output *out = NULL;
	dlt_parquet_writer *w = NULL;
	dlt_parquet_file *f = NULL;
	dlt_input *in = NULL;
	dlt_error err;
	const uint8_t *data;
	size_t len;
	char *meta = NULL, *p;
	int64_t i;
	(void)state;
	assert_int_equal(dlt_schema__init(&s, "+s", "", 0, 4, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[0], "l", "key", false, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[1], "u", "mode", false, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[2], "l", "price", false, &err), DLT_OK);
	assert_int_equal(dlt_schema__init_leaf(s.children[3], "l", "forced", false, &err), DLT_OK);
	assert_int_equal(dlt_builder__new(&b, &s, &err), DLT_OK);
	g_rng = 99;
	for (i = 0; i < 30000; i++) {
		const char *wd = words[rn(5)];
		int64_t price = (int64_t)(rnd() % 100000000);
		assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 0), 1000 + i / 4 * 7, &err), 0);
		assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 1), wd, strlen(wd), &err), 0);
		assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 2), price, &err), 0);
		assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 3), price, &err), 0);
		assert_int_equal(dlt_builder__append_valid(b, &err), 0);
	}
	assert_int_equal(dlt_builder__finish(&a, b, &err), DLT_OK);
	dlt_builder__free(b);
	o.columns = &forced;
	o.n_columns = 1;
	assert_int_equal(dlt_output_to_memory(&out, &err), DLT_OK);
	assert_int_equal(dlt_parquet_writer_open(&w, out, &s, &o, &err), DLT_OK);
	assert_int_equal(dlt_parquet_writer_write(w, &a, &err), DLT_OK);
	assert_int_equal(dlt_parquet_writer_close(w, NULL, &err), DLT_OK);
	dlt_parquet_writer_free(w);
	data = dlt_output_memory_data(out, &len);
	assert_int_equal(dlt_input_from_memory(&in, data, len, "dict", &err), DLT_OK);
	assert_int_equal(dlt_parquet_open(&f, in, NULL, &err), DLT_OK);
	assert_int_equal(dlt_parquet_meta_json(&meta, f, &err), DLT_OK);
	/* the column chunks appear in order: key, mode, price, forced; each
	 * one's "encodings" array ends before the next "num_values" */
	{
		static const int want_dict[4] = { 0, 1, 0, 1 };
		int c;
		p = meta;
		for (c = 0; c < 4; c++) {
			char *e = strstr(p, "\"encodings\""), *end;
			assert_non_null(e);
			end = strstr(e, "\"num_values\"");
			assert_non_null(end);
			*end = '\0';
			if ((strstr(e, "RLE_DICTIONARY") != NULL) != want_dict[c])
				fail_msg("column %d: encodings %s", c, e);
			*end = '"';
			p = end;
		}
	}
	dlt_free(meta);
	dlt_parquet_file_free(f);
	dlt_output_free(out);
	a.release(&a);
	s.release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_random_schemas),
		cmocka_unit_test(test_write_oom_sweep),
		cmocka_unit_test(test_write_field_ids_kv_created_by),
		cmocka_unit_test(test_write_dictionary_only_where_it_pays),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
