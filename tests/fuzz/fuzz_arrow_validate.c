/* Fuzz dlt_arrow__validate: the input is a recipe for a (schema, array) tree
 * with arbitrary lengths, offsets, null counts and buffer contents. Buffers
 * whose size the C Data Interface implies (bitmaps, fixed-width values,
 * offsets, the bytes up to the last offset) are real allocations of exactly
 * that size; everything else (offsets contents, child lengths, dictionary
 * indices, UTF-8, null counts) is hostile. When validate accepts, every value
 * is read through dlt_builder__append_from: ASan proves validate never
 * accepts an array whose reading goes out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arrow/arrow.h"
#include "deltalite/arrow.h"

typedef struct rd {
	const uint8_t *p;
	size_t n, i;
} rd;

static uint8_t u8(rd *r) { return r->i < r->n ? r->p[r->i++] : 0; }

static void fill(rd *r, uint8_t *dst, size_t n)
{
	for (size_t k = 0; k < n; k++)
		dst[k] = u8(r);
}

static const char *const k_formats[] = {
	"n", "b", "c", "C", "s", "S", "i", "I", "l", "L", "e", "f", "g", "d:10,2", "d:40,2,256",
	"w:3", "tdD", "tdm", "tts", "ttu", "tsu:UTC", "tDn", "u", "U", "z", "Z",
	"+l", "+L", "+w:2", "+s", "+m", "DICT",
};
#define N_FORMATS (sizeof(k_formats) / sizeof(k_formats[0]))

static void *alloc_buf(rd *r, size_t n, bool random_content)
{
	uint8_t *p = dlt_malloc(n);
	if (p && n) {
		if (random_content)
			fill(r, p, n);
		else
			memset(p, 0, n);
	}
	return p;
}

static int build(rd *r, struct ArrowSchema *s, struct ArrowArray *a, int depth, bool no_dict);

/* offsets: (end + 1) entries of width w, small steps mostly; returns the last */
static int64_t make_offsets(rd *r, struct ArrowArray *a, int w, int64_t end, int64_t cap)
{
	size_t n = (size_t)(end + 1) * (size_t)w;
	uint8_t *p = dlt_malloc(n ? n : 1);
	int64_t cur = u8(r) % 4, last = 0;
	uint8_t mode = u8(r);
	if (!p)
		return -1;
	for (int64_t k = 0; k <= end; k++) {
		int64_t v;
		if (mode < 200) {
			v = cur;
			cur += u8(r) % 5;
		} else {
			v = (int64_t)(int8_t)u8(r) * (mode & 1 ? 1000 : 1);
		}
		if (k == end) {
			if (v > cap)
				v = cap;
			last = v;
		}
		if (w == 4) {
			int32_t x = (int32_t)v;
			memcpy(p + 4 * k, &x, 4);
		} else {
			memcpy(p + 8 * k, &v, 8);
		}
	}
	a->buffers[1] = p;
	return last;
}

static int build(rd *r, struct ArrowSchema *s, struct ArrowArray *a, int depth, bool no_dict)
{
	uint8_t t = u8(r);
	const char *f = k_formats[t % N_FORMATS];
	dlt_type_view v;
	int64_t nchild = 0, length, offset, end;
	uint8_t flags;

	memset(s, 0, sizeof(*s));
	memset(a, 0, sizeof(*a));
	if (depth > 6 && t % 4 != 0)
		f = "i";
	if (strcmp(f, "DICT") == 0 && no_dict)
		f = "u";
	if (strcmp(f, "DICT") == 0)
		f = (u8(r) & 1) ? "c" : "i";
	else
		no_dict = true; /* only leaves may be dictionary-encoded here */
	if (dlt_arrow__parse_format(&v, f, NULL) < 0)
		return -1;
	if (v.type == DLT_AT_STRUCT)
		nchild = u8(r) % 4;
	else if (v.type == DLT_AT_LIST || v.type == DLT_AT_LARGE_LIST ||
	         v.type == DLT_AT_FIXED_LIST || v.type == DLT_AT_MAP)
		nchild = 1;
	if (dlt_schema__init(s, f, "f", ARROW_FLAG_NULLABLE, nchild, NULL) < 0)
		return -1;
	length = u8(r) % 24;
	offset = u8(r) % 9;
	end = length + offset;
	flags = u8(r);
	if (dlt_array__init(a, v.n_buffers, nchild, NULL) < 0)
		return -1;
	a->length = length;
	a->offset = offset;
	/* validity */
	if (v.n_buffers > 0 && (flags & 1))
		a->buffers[0] = alloc_buf(r, (size_t)(end + 7) / 8, true);
	if (v.type == DLT_AT_NA)
		a->null_count = (flags & 2) ? length : -1;
	else if (a->buffers[0] == NULL)
		a->null_count = (flags & 2) ? 0 : -1;
	else if (flags & 2)
		a->null_count = -1;
	else {
		int64_t z = 0;
		for (int64_t i = offset; i < end; i++)
			z += !dlt_arrow__bit(a->buffers[0], i);
		a->null_count = z;
	}
	if (flags & 4) /* sometimes a hostile null count */
		a->null_count = (int64_t)(int8_t)u8(r);
	/* (A node's own length/offset are the producer's promise about its
	 * buffers; hostile lengths come from children vs. what parents imply.) */

	switch (v.type) {
	case DLT_AT_NA:
		break;
	case DLT_AT_BOOL:
		if (!(flags & 16))
			a->buffers[1] = alloc_buf(r, (size_t)(end + 7) / 8, true);
		break;
	case DLT_AT_STRING:
	case DLT_AT_LARGE_STRING:
	case DLT_AT_BINARY:
	case DLT_AT_LARGE_BINARY: {
		int w = (v.type == DLT_AT_STRING || v.type == DLT_AT_BINARY) ? 4 : 8;
		if (!(flags & 16)) {
			int64_t last = make_offsets(r, a, w, end, 512);
			if (last > 0 && !(flags & 32))
				a->buffers[2] = alloc_buf(r, (size_t)last, true);
		}
		break;
	}
	case DLT_AT_LIST:
	case DLT_AT_LARGE_LIST:
	case DLT_AT_MAP:
		if (!(flags & 16))
			make_offsets(r, a, v.type == DLT_AT_LARGE_LIST ? 8 : 4, end, 1 << 20);
		if (v.type == DLT_AT_MAP) {
			/* entries struct<key utf8, value any> */
			struct ArrowSchema *es = s->children[0];
			struct ArrowArray *ea = a->children[0];
			int64_t el = u8(r) % 32;
			if (dlt_schema__init(es, "+s", "entries", 0, 2, NULL) < 0 ||
			    dlt_array__init(ea, 1, 2, NULL) < 0)
				return -1;
			ea->length = el;
			for (int k = 0; k < 2; k++) {
				if (build(r, es->children[k], ea->children[k], depth + 2, no_dict) < 0)
					return -1;
			}
		} else if (build(r, s->children[0], a->children[0], depth + 1, no_dict) < 0) {
			return -1;
		}
		break;
	case DLT_AT_FIXED_LIST:
	case DLT_AT_STRUCT:
		for (int64_t k = 0; k < nchild; k++) {
			if (build(r, s->children[k], a->children[k], depth + 1, no_dict) < 0)
				return -1;
		}
		break;
	default: {
		int64_t w = v.byte_width ? v.byte_width : v.bit_width / 8;
		if (!(flags & 16) || end == 0)
			a->buffers[1] = alloc_buf(r, (size_t)(end * w), true);
		break;
	}
	}
	if (t % N_FORMATS == N_FORMATS - 1) { /* dictionary-encoded leaf */
		if (dlt_schema__alloc_dictionary(s, NULL) < 0 || dlt_array__alloc_dictionary(a, NULL) < 0)
			return -1;
		if (build(r, s->dictionary, a->dictionary, depth + 1, true) < 0)
			return -1;
	}
	return 0;
}

/* A chain of structs deeper than the validator's cap. */
static int build_deep(struct ArrowSchema *s, struct ArrowArray *a, int n)
{
	for (int i = 0; i < n; i++) {
		if (dlt_schema__init(s, "+s", "d", 0, 1, NULL) < 0 || dlt_array__init(a, 1, 1, NULL) < 0)
			return -1;
		s = s->children[0];
		a = a->children[0];
	}
	if (dlt_schema__init(s, "i", "leaf", 0, 0, NULL) < 0 || dlt_array__init(a, 2, 0, NULL) < 0)
		return -1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rd r = { data, size, 0 };
	struct ArrowSchema s;
	struct ArrowArray a;
	dlt_error err;
	int rc;

	if (size > 0 && data[0] == 0xde)
		rc = build_deep(&s, &a, 40 + (size > 1 ? data[1] % 40 : 0));
	else
		rc = build(&r, &s, &a, 0, false);
	if (rc == 0 && dlt_arrow__validate(&s, &a, &err) == DLT_OK) {
		dlt_builder *b = NULL;
		char desc[256];
		(void)dlt_arrow_type_describe(desc, sizeof(desc), &s);
		if (dlt_builder__new(&b, &s, &err) == DLT_OK) {
			for (int64_t i = 0; i < a.length; i++) {
				if (dlt_builder__append_from(b, &s, &a, i, &err) < 0)
					__builtin_trap(); /* validated data must be readable */
			}
			struct ArrowArray out;
			if (dlt_builder__finish(&out, b, &err) == DLT_OK) {
				const struct ArrowSchema *bs = dlt_builder__schema(b);
				if (out.length != a.length || dlt_arrow__validate(bs, &out, &err) != DLT_OK)
					__builtin_trap(); /* the copy must be valid too */
				dlt_array__release(&out);
			}
			/* the bulk path must agree on length and validity */
			if (dlt_builder__append_range(b, &s, &a, 0, a.length, &err) < 0 ||
			    dlt_builder__finish(&out, b, &err) != DLT_OK)
				__builtin_trap();
			if (out.length != a.length ||
			    dlt_arrow__validate(dlt_builder__schema(b), &out, &err) != DLT_OK)
				__builtin_trap();
			for (int64_t i = 0; i < a.length; i++) {
				if (dlt_arrow__is_null(&out, i) != dlt_arrow__is_null(&a, i) &&
				    !s.dictionary)
					__builtin_trap();
			}
			dlt_array__release(&out);
			dlt_builder__free(b);
		}
	}
	dlt_array__release(&a);
	dlt_schema__release(&s);
	return 0;
}
