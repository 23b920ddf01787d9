/* Schemas and arrays we own: construction, metadata, deep copy, release, move.
 *
 * Every node (the struct itself excepted) owns its strings, its children
 * pointer array, the child structs and the dictionary struct, each a separate
 * dlt_malloc block. A node's release frees what it owns and releases children
 * whose release is still set, so a consumer can move a child out (memcpy +
 * child->release = NULL) and release it on its own later. */
#include "arrow/arrow.h"

#define DLT_ARROW_MAX_DEPTH 64

/* ---------- schemas ---------- */

static void schema_release(struct ArrowSchema *s)
{
	if (!s || !s->release)
		return;
	dlt_free((void *)s->format);
	dlt_free((void *)s->name);
	dlt_free((void *)s->metadata);
	if (s->children) {
		for (int64_t i = 0; i < s->n_children; i++) {
			struct ArrowSchema *c = s->children[i];
			if (c && c->release)
				c->release(c);
			dlt_free(c);
		}
		dlt_free(s->children);
	}
	if (s->dictionary) {
		if (s->dictionary->release)
			s->dictionary->release(s->dictionary);
		dlt_free(s->dictionary);
	}
	s->release = NULL;
}

int dlt_schema__init(struct ArrowSchema *out, const char *format, const char *name,
                     int64_t flags, int64_t n_children, dlt_error *err)
{
	DLT_ARG_CHECK(out != NULL, err);
	memset(out, 0, sizeof(*out));
	DLT_ARG_CHECK(format != NULL && n_children >= 0, err);
	out->release = schema_release;
	out->flags = flags;
	out->format = dlt_strdup(format);
	if (!out->format)
		goto oom;
	if (name && !(out->name = dlt_strdup(name)))
		goto oom;
	if (n_children > 0) {
		if ((uint64_t)n_children > SIZE_MAX / sizeof(void *))
			goto oom;
		out->children = dlt_calloc((size_t)n_children, sizeof(*out->children));
		if (!out->children)
			goto oom;
		out->n_children = n_children;
		for (int64_t i = 0; i < n_children; i++) {
			out->children[i] = dlt_calloc(1, sizeof(struct ArrowSchema));
			if (!out->children[i])
				goto oom;
		}
	}
	return DLT_OK;
oom:
	schema_release(out);
	return dlt_error_set(err, DLT_ENOMEM, "out of memory creating schema '%s'",
	                     name ? name : "");
}

int dlt_schema__init_leaf(struct ArrowSchema *out, const char *format, const char *name,
                          bool nullable, dlt_error *err)
{
	return dlt_schema__init(out, format, name, nullable ? ARROW_FLAG_NULLABLE : 0, 0, err);
}

int dlt_schema__alloc_dictionary(struct ArrowSchema *s, dlt_error *err)
{
	DLT_ARG_CHECK(s != NULL && s->release == schema_release && s->dictionary == NULL, err);
	s->dictionary = dlt_calloc(1, sizeof(struct ArrowSchema));
	if (!s->dictionary)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory allocating a dictionary schema");
	return DLT_OK;
}

/* Byte length of Arrow metadata (int32 n, then n x (int32 len, bytes) x 2);
 * -1 if a length is negative or the total would overflow. */
static int64_t metadata_size(const char *md)
{
	int32_t n, len;
	int64_t pos = 4;
	if (!md)
		return 0;
	memcpy(&n, md, 4);
	if (n < 0)
		return -1;
	for (int64_t i = 0; i < (int64_t)n * 2; i++) {
		memcpy(&len, md + pos, 4);
		if (len < 0 || pos > INT32_MAX * (int64_t)64)
			return -1;
		pos += 4 + (int64_t)len;
	}
	return pos;
}

int dlt_schema__set_metadata(struct ArrowSchema *s, const char *const *keys,
                             const char *const *values, size_t n, dlt_error *err)
{
	size_t total = 4, part;
	char *md, *p;
	int32_t v;

	DLT_ARG_CHECK(s != NULL && s->release == schema_release, err);
	DLT_ARG_CHECK(n == 0 || (keys != NULL && values != NULL), err);
	if (n > INT32_MAX)
		return dlt_error_set(err, DLT_ELIMIT, "schema metadata: too many entries");
	for (size_t i = 0; i < n; i++) {
		size_t kl, vl;
		DLT_ARG_CHECK(keys[i] != NULL && values[i] != NULL, err);
		kl = strlen(keys[i]);
		vl = strlen(values[i]);
		if (kl > INT32_MAX || vl > INT32_MAX || dlt_add_overflow(kl, vl, &part) ||
		    dlt_add_overflow(part, 8, &part) || dlt_add_overflow(total, part, &total))
			return dlt_error_set(err, DLT_ELIMIT, "schema metadata: entry too large");
	}
	if (n == 0) {
		dlt_free((void *)s->metadata);
		s->metadata = NULL;
		return DLT_OK;
	}
	md = dlt_malloc(total);
	if (!md)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory setting schema metadata");
	v = (int32_t)n;
	memcpy(md, &v, 4);
	p = md + 4;
	for (size_t i = 0; i < n; i++) {
		const char *kv[2] = { keys[i], values[i] };
		for (int j = 0; j < 2; j++) {
			size_t l = strlen(kv[j]);
			v = (int32_t)l;
			memcpy(p, &v, 4);
			memcpy(p + 4, kv[j], l);
			p += 4 + l;
		}
	}
	dlt_free((void *)s->metadata);
	s->metadata = md;
	return DLT_OK;
}

int dlt_schema__metadata_get(const struct ArrowSchema *s, const char *key, const char **value,
                             int32_t *len)
{
	int32_t n, kl, vl;
	const char *p;
	size_t klen;

	if (!s || !key || !s->metadata)
		return DLT_ENOTFOUND;
	klen = strlen(key);
	p = s->metadata;
	memcpy(&n, p, 4);
	p += 4;
	for (int32_t i = 0; i < n; i++) {
		memcpy(&kl, p, 4);
		if (kl < 0)
			return DLT_ENOTFOUND;
		const char *k = p + 4;
		p = k + kl;
		memcpy(&vl, p, 4);
		if (vl < 0)
			return DLT_ENOTFOUND;
		if ((size_t)kl == klen && memcmp(k, key, klen) == 0) {
			if (value)
				*value = p + 4;
			if (len)
				*len = vl;
			return DLT_OK;
		}
		p += 4 + vl;
	}
	return DLT_ENOTFOUND;
}

bool dlt_schema__delta_type_is(const struct ArrowSchema *s, const char *type, bool prefix)
{
	const char *v;
	int32_t len;
	size_t n = strlen(type);
	if (dlt_schema__metadata_get(s, "delta.type", &v, &len) != DLT_OK || len < 0 ||
	    (size_t)len < n || (!prefix && (size_t)len != n))
		return false;
	return memcmp(v, type, n) == 0;
}

static int schema_copy(struct ArrowSchema *out, const struct ArrowSchema *src, int depth,
                       bool decode, dlt_error *err)
{
	int rc;
	int64_t mdlen;
	const struct ArrowSchema *shape = src; /* format and children come from here */

	memset(out, 0, sizeof(*out));
	if (depth > DLT_ARROW_MAX_DEPTH)
		return dlt_error_set(err, DLT_ECORRUPT, "schema copy: nesting deeper than %d",
		                     DLT_ARROW_MAX_DEPTH);
	if (decode && src && src->dictionary)
		shape = src->dictionary;
	if (!src || !shape || !shape->format || shape->n_children < 0 ||
	    (shape->n_children > 0 && !shape->children))
		return dlt_error_set(err, DLT_ECORRUPT, "schema copy: malformed schema");
	if (decode && shape != src && shape->dictionary)
		return dlt_error_set(err, DLT_EUNSUPPORTED,
		                     "schema copy: field '%s': nested dictionary encoding",
		                     src->name ? src->name : "");
	if ((rc = dlt_schema__init(out, shape->format, src->name, src->flags, shape->n_children,
	                           err)) < 0)
		return rc;
	if (shape != src)
		out->flags &= ~(int64_t)ARROW_FLAG_DICTIONARY_ORDERED;
	mdlen = metadata_size(src->metadata);
	if (mdlen < 0) {
		rc = dlt_error_set(err, DLT_ECORRUPT, "schema copy: malformed metadata");
		goto fail;
	}
	if (mdlen > 0) {
		char *md = dlt_malloc((size_t)mdlen);
		if (!md) {
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory copying schema metadata");
			goto fail;
		}
		memcpy(md, src->metadata, (size_t)mdlen);
		out->metadata = md;
	}
	for (int64_t i = 0; i < shape->n_children; i++) {
		if ((rc = schema_copy(out->children[i], shape->children[i], depth + 1, decode,
		                      err)) < 0)
			goto fail;
	}
	if (shape->dictionary) {
		if ((rc = dlt_schema__alloc_dictionary(out, err)) < 0 ||
		    (rc = schema_copy(out->dictionary, shape->dictionary, depth + 1, decode,
		                      err)) < 0)
			goto fail;
	}
	return DLT_OK;
fail:
	schema_release(out);
	return rc;
}

int dlt_schema__copy(struct ArrowSchema *out, const struct ArrowSchema *src, dlt_error *err)
{
	DLT_ARG_CHECK(out != NULL && src != NULL, err);
	return schema_copy(out, src, 0, false, err);
}

int dlt_schema__copy_decoded(struct ArrowSchema *out, const struct ArrowSchema *src,
                             dlt_error *err)
{
	DLT_ARG_CHECK(out != NULL && src != NULL, err);
	return schema_copy(out, src, 0, true, err);
}

void dlt_schema__release(struct ArrowSchema *s)
{
	if (!s)
		return;
	if (s->release)
		s->release(s);
	memset(s, 0, sizeof(*s));
}

void dlt_schema__move(struct ArrowSchema *dst, struct ArrowSchema *src)
{
	memcpy(dst, src, sizeof(*dst));
	src->release = NULL;
}

/* ---------- arrays ---------- */

static void array_release(struct ArrowArray *a)
{
	if (!a || !a->release)
		return;
	if (a->buffers) {
		for (int64_t i = 0; i < a->n_buffers; i++)
			dlt_free((void *)a->buffers[i]);
		dlt_free((void *)a->buffers);
	}
	if (a->children) {
		for (int64_t i = 0; i < a->n_children; i++) {
			struct ArrowArray *c = a->children[i];
			if (c && c->release)
				c->release(c);
			dlt_free(c);
		}
		dlt_free(a->children);
	}
	if (a->dictionary) {
		if (a->dictionary->release)
			a->dictionary->release(a->dictionary);
		dlt_free(a->dictionary);
	}
	a->release = NULL;
}

int dlt_array__init(struct ArrowArray *out, int64_t n_buffers, int64_t n_children,
                    dlt_error *err)
{
	DLT_ARG_CHECK(out != NULL, err);
	memset(out, 0, sizeof(*out));
	DLT_ARG_CHECK(n_buffers >= 0 && n_buffers <= 3 && n_children >= 0, err);
	out->release = array_release;
	out->buffers = dlt_calloc(n_buffers ? (size_t)n_buffers : 1, sizeof(void *));
	if (!out->buffers)
		goto oom;
	out->n_buffers = n_buffers;
	if (n_children > 0) {
		if ((uint64_t)n_children > SIZE_MAX / sizeof(void *))
			goto oom;
		out->children = dlt_calloc((size_t)n_children, sizeof(*out->children));
		if (!out->children)
			goto oom;
		out->n_children = n_children;
		for (int64_t i = 0; i < n_children; i++) {
			out->children[i] = dlt_calloc(1, sizeof(struct ArrowArray));
			if (!out->children[i])
				goto oom;
		}
	}
	return DLT_OK;
oom:
	array_release(out);
	return dlt_error_set(err, DLT_ENOMEM, "out of memory creating an array");
}

void dlt_array__set_buffer(struct ArrowArray *a, int64_t i, void *data)
{
	if (!a || i < 0 || i >= a->n_buffers || a->release != array_release)
		return;
	dlt_free((void *)a->buffers[i]);
	a->buffers[i] = data;
}

int dlt_array__alloc_dictionary(struct ArrowArray *a, dlt_error *err)
{
	DLT_ARG_CHECK(a != NULL && a->release == array_release && a->dictionary == NULL, err);
	a->dictionary = dlt_calloc(1, sizeof(struct ArrowArray));
	if (!a->dictionary)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory allocating a dictionary array");
	return DLT_OK;
}

static int init_empty(struct ArrowArray *out, const struct ArrowSchema *schema, int depth,
                      dlt_error *err)
{
	dlt_type_view v;
	int rc;

	memset(out, 0, sizeof(*out));
	if (depth > DLT_ARROW_MAX_DEPTH)
		return dlt_error_set(err, DLT_ECORRUPT, "empty array: nesting deeper than %d",
		                     DLT_ARROW_MAX_DEPTH);
	if (!schema || (schema->n_children > 0 && !schema->children) || schema->n_children < 0)
		return dlt_error_set(err, DLT_ECORRUPT, "empty array: malformed schema");
	if ((rc = dlt_arrow__parse_format(&v, schema->format, err)) < 0)
		return rc;
	if ((rc = dlt_array__init(out, v.n_buffers, schema->n_children, err)) < 0)
		return rc;
	/* Non-validity buffers: a small zeroed block (offsets need one 0 entry). */
	for (int i = 1; i < v.n_buffers; i++) {
		void *p = dlt_calloc(1, 16);
		if (!p) {
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory creating an empty array");
			goto fail;
		}
		out->buffers[i] = p;
	}
	for (int64_t i = 0; i < schema->n_children; i++) {
		if ((rc = init_empty(out->children[i], schema->children[i], depth + 1, err)) < 0)
			goto fail;
	}
	if (schema->dictionary) {
		if ((rc = dlt_array__alloc_dictionary(out, err)) < 0 ||
		    (rc = init_empty(out->dictionary, schema->dictionary, depth + 1, err)) < 0)
			goto fail;
	}
	return DLT_OK;
fail:
	array_release(out);
	return rc;
}

int dlt_array__init_empty(struct ArrowArray *out, const struct ArrowSchema *schema,
                          dlt_error *err)
{
	DLT_ARG_CHECK(out != NULL && schema != NULL, err);
	return init_empty(out, schema, 0, err);
}

void dlt_array__release(struct ArrowArray *a)
{
	if (!a)
		return;
	if (a->release)
		a->release(a);
	memset(a, 0, sizeof(*a));
}

void dlt_array__move(struct ArrowArray *dst, struct ArrowArray *src)
{
	memcpy(dst, src, sizeof(*dst));
	src->release = NULL;
}
