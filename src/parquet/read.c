/*
 * The Parquet reader: footer -> schema tree -> per row group, every projected
 * leaf column chunk decoded (pages, levels, values) straight into Arrow
 * buffers, then lists/structs/maps assembled from the levels; the row group
 * becomes one shared struct array that is handed out in slices of batch_size.
 */
#include "parquet/read.h"
#include "parquet/codec.h"
#include "parquet/encoding.h"
#include "util/pool.h"

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#define PQ_TAIL_READ 65536
#define PQ_DEFAULT_BATCH 65536
#define PQ_MAX_PAGE ((size_t)1 << 30)          /* uncompressed bytes of one page */
#define PQ_MAX_LEVELS ((size_t)1 << 28)        /* values of one column chunk */
#define PQ_MAX_DICT ((size_t)256 << 20)         /* decoded bytes of one dictionary */
#define PQ_MAX_DECODED ((size_t)1 << 30)       /* decoded value bytes of one column chunk */

struct dlt_parquet_file {
	dlt_input *in;
	char *name;
	uint64_t size;
	dlt_pq_file_meta *meta;
	dlt_pq_schema schema;
	int int96_unit;
	bool dictionary;
	bool verify_checksums;
	int64_t batch_size;
	int threads;
	dlt_parquet_counters counters;
};

/* ------------------------------------------------------------------ options */

int dlt_parquet_read_options_init(dlt_parquet_read_options *opts, unsigned int version)
{
	dlt_parquet_read_options d = DLT_PARQUET_READ_OPTIONS_INIT;
	if (opts == NULL || version == 0 || version > DLT_PARQUET_READ_OPTIONS_VERSION)
		return DLT_EINVAL;
	d.version = version;
	if (version == 1) /* a version-1 struct ends before the page filter */
		memcpy(opts, &d, offsetof(dlt_parquet_read_options, page_filter));
	else
		*opts = d;
	return DLT_OK;
}

/* ------------------------------------------------------------------ open */

static int file_error(const dlt_parquet_file *f, dlt_error *err, int rc)
{
	if (err != NULL && f != NULL && f->name != NULL && err->path[0] == 0)
		dlt_error_set_path(err, f->name);
	return rc;
}

int dlt_parquet_open(dlt_parquet_file **out, dlt_input *in, const dlt_parquet_read_options *opts,
                     dlt_error *err)
{
	dlt_parquet_file *f = NULL;
	uint8_t *tail = NULL;
	size_t tail_len;
	uint32_t footer_len = 0;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || in == NULL) {
		dlt_input_free(in);
		return dlt_error_set(err, DLT_EINVAL, "dlt_parquet_open: invalid argument");
	}
	if (opts != NULL && (opts->version == 0 || opts->version > DLT_PARQUET_READ_OPTIONS_VERSION)) {
		dlt_input_free(in);
		return dlt_error_set(err, DLT_EINVAL, "parquet read options: unknown version %u",
		                     opts->version);
	}
	f = dlt_calloc(1, sizeof(*f));
	if (f == NULL) {
		dlt_input_free(in);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	f->in = in;
	f->name = dlt_strdup(dlt_input_name(in) ? dlt_input_name(in) : "");
	f->verify_checksums = true;
	f->batch_size = PQ_DEFAULT_BATCH;
	if (opts != NULL) {
		f->int96_unit = opts->int96_unit == DLT_PARQUET_INT96_NANOS ? DLT_PARQUET_INT96_NANOS
		                                                           : DLT_PARQUET_INT96_MICROS;
		f->dictionary = opts->dictionary != 0;
		f->verify_checksums = opts->verify_checksums != 0;
		if (opts->batch_size > 0)
			f->batch_size = opts->batch_size;
		f->threads = opts->threads;
	}
	if (f->name == NULL) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = dlt_input_size(&f->size, in, err)) < 0)
		goto fail;
	if (f->size < 12) {
		rc = dlt_error_set(err, DLT_ECORRUPT,
		                   "not a parquet file: %" PRIu64 " bytes is too small", f->size);
		goto fail;
	}
	tail_len = f->size < PQ_TAIL_READ ? (size_t)f->size : PQ_TAIL_READ;
	tail = dlt_malloc(tail_len);
	if (tail == NULL) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = dlt_input_read_exact(in, f->size - tail_len, tail, tail_len, err)) < 0)
		goto fail;
	if ((rc = dlt_pq__footer_parse(&f->meta, &footer_len, tail, tail_len, f->size, err)) < 0)
		goto fail;
	if (f->meta == NULL) {
		size_t need = (size_t)footer_len + 8;
		dlt_free(tail);
		tail = dlt_malloc(need);
		if (tail == NULL) {
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory reading a %zu byte footer",
			                   need);
			goto fail;
		}
		if ((rc = dlt_input_read_exact(in, f->size - need, tail, need, err)) < 0 ||
		    (rc = dlt_pq__footer_parse(&f->meta, NULL, tail, need, f->size, err)) < 0)
			goto fail;
		if (f->meta == NULL) {
			rc = dlt_error_set(err, DLT_ECORRUPT, "parquet footer could not be decoded");
			goto fail;
		}
	}
	dlt_free(tail);
	tail = NULL;
	if (f->meta->has_encryption_algorithm) {
		rc = dlt_error_set(err, DLT_EUNSUPPORTED,
		                   "encrypted parquet is not supported (plaintext footer with "
		                   "encrypted columns)");
		goto fail;
	}
	if (f->meta->num_rows < 0) {
		rc = dlt_error_set(err, DLT_ECORRUPT, "parquet footer: negative num_rows");
		goto fail;
	}
	if ((rc = dlt_parquet__schema_build(&f->schema, f->meta, f->int96_unit, err)) < 0)
		goto fail;
	{
		size_t i;
		int64_t total = 0;
		for (i = 0; i < f->meta->num_row_groups; i++) {
			const dlt_pq_row_group *rg = &f->meta->row_groups[i];
			if (rg->num_columns != f->schema.n_leaves) {
				rc = dlt_error_set(err, DLT_ECORRUPT,
				                   "row group %zu has %zu column chunks, the schema %zu "
				                   "leaf columns",
				                   i, rg->num_columns, f->schema.n_leaves);
				goto fail;
			}
			if (rg->num_rows < 0 || dlt_add_overflow_i64(total, rg->num_rows, &total)) {
				rc = dlt_error_set(err, DLT_ECORRUPT, "row group %zu: invalid num_rows", i);
				goto fail;
			}
		}
	}
	*out = f;
	return DLT_OK;
fail:
	dlt_free(tail);
	file_error(f, err, rc);
	dlt_parquet_file_free(f);
	return rc;
}

int dlt_parquet_open_path(dlt_parquet_file **out, const char *path,
                          const dlt_parquet_read_options *opts, dlt_error *err)
{
	dlt_input *in = NULL;
	int rc;
	if (out != NULL)
		*out = NULL;
	if (out == NULL || path == NULL)
		return dlt_error_set(err, DLT_EINVAL, "dlt_parquet_open_path: invalid argument");
	if ((rc = dlt_input_open_file(&in, path, err)) < 0)
		return rc;
	return dlt_parquet_open(out, in, opts, err);
}

void dlt_parquet_file_free(dlt_parquet_file *f)
{
	if (f == NULL)
		return;
	dlt_parquet__schema_dispose(&f->schema);
	dlt_pq__file_meta_free(f->meta);
	dlt_input_free(f->in);
	dlt_free(f->name);
	dlt_free(f);
}

int dlt_parquet_file_schema(struct ArrowSchema *out, const dlt_parquet_file *f, dlt_error *err)
{
	if (out == NULL || f == NULL)
		return dlt_error_set(err, DLT_EINVAL, "dlt_parquet_file_schema: invalid argument");
	return dlt_parquet__schema_to_arrow(out, f->schema.root, NULL, f->dictionary, err);
}

int64_t dlt_parquet_file_num_rows(const dlt_parquet_file *f)
{
	return f ? f->meta->num_rows : 0;
}

int64_t dlt_parquet_file_num_row_groups(const dlt_parquet_file *f)
{
	return f ? (int64_t)f->meta->num_row_groups : 0;
}

int64_t dlt_parquet_file_row_group_rows(const dlt_parquet_file *f, int64_t rg)
{
	if (f == NULL || rg < 0 || (uint64_t)rg >= f->meta->num_row_groups)
		return -1;
	return f->meta->row_groups[rg].num_rows;
}

const dlt_pq_file_meta *dlt_parquet__file_meta(const dlt_parquet_file *f)
{
	return f->meta;
}

const dlt_pq_schema *dlt_parquet__file_tree(const dlt_parquet_file *f)
{
	return &f->schema;
}

void dlt_parquet_file_counters(dlt_parquet_counters *out, const dlt_parquet_file *f)
{
	if (out == NULL)
		return;
	memset(out, 0, sizeof(*out));
	if (f == NULL)
		return;
	out->row_groups_read = __atomic_load_n(&f->counters.row_groups_read, __ATOMIC_RELAXED);
	out->row_groups_skipped = __atomic_load_n(&f->counters.row_groups_skipped, __ATOMIC_RELAXED);
	out->pages_read = __atomic_load_n(&f->counters.pages_read, __ATOMIC_RELAXED);
	out->pages_skipped = __atomic_load_n(&f->counters.pages_skipped, __ATOMIC_RELAXED);
	out->bytes_read = __atomic_load_n(&f->counters.bytes_read, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------ column chunks */

/* ------------------------------------------------------------------ recycling
 *
 * Output buffers (values, offsets, string data, validity) handed out in the
 * batches of a row group come back here when the consumer releases the row
 * group, and are reused for the next one: fresh multi-megabyte buffers per row
 * group cost a page fault per 4 KiB (the kernel zeroes every page), more than the
 * decoding itself. The bin holds at most about two row groups of buffers and is
 * emptied when the stream is released; it outlives the stream while batches do
 * (refcounted). */

typedef struct pq_block {
	void *p;
	size_t cap;
	uint64_t gen;                              /* row group attempt that made it */
} pq_block;

typedef struct pq_recycler {
	pthread_mutex_t mu;
	int refs;
	bool closed;                               /* stream released: recycle no more */
	void (*array_release)(struct ArrowArray *); /* the release we wrap */
	pq_block *out;                             /* handed out, by pointer */
	size_t n_out, cap_out;
	pq_block *bin;                             /* free for reuse */
	size_t n_bin, cap_bin, bin_bytes, max_bin_bytes;
	size_t rg_bytes;                           /* registered since the last row group */
	uint64_t gen;
} pq_recycler;

static pq_recycler *rec_new(void)
{
	pq_recycler *r = dlt_calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	if (pthread_mutex_init(&r->mu, NULL) != 0) {
		dlt_free(r);
		return NULL;
	}
	r->refs = 1;
	return r;
}

static void rec_unref(pq_recycler *r)
{
	size_t i;
	int left;
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	left = --r->refs;
	pthread_mutex_unlock(&r->mu);
	if (left > 0)
		return;
	for (i = 0; i < r->n_bin; i++)
		dlt_free(r->bin[i].p);
	dlt_free(r->bin);
	dlt_free(r->out);
	pthread_mutex_destroy(&r->mu);
	dlt_free(r);
}

/* Stream released: free the bin, stop collecting. */
static void rec_close(pq_recycler *r)
{
	size_t i;
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	r->closed = true;
	for (i = 0; i < r->n_bin; i++)
		dlt_free(r->bin[i].p);
	r->n_bin = 0;
	r->bin_bytes = 0;
	pthread_mutex_unlock(&r->mu);
	rec_unref(r);
}

/* A buffer of at least `need` bytes from the bin into b (empty), if one fits. */
static void rec_take(pq_recycler *r, dlt_buf *b, size_t need)
{
	size_t i, best = SIZE_MAX;
	if (r == NULL || b->data != NULL || need == 0)
		return;
	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->n_bin; i++) {
		size_t c = r->bin[i].cap;
		if (c >= need && c / 4 <= need && (best == SIZE_MAX || c < r->bin[best].cap))
			best = i;
	}
	if (best != SIZE_MAX) {
		b->data = r->bin[best].p;
		b->cap = r->bin[best].cap;
		b->len = 0;
		r->bin_bytes -= b->cap;
		r->bin[best] = r->bin[--r->n_bin];
	}
	pthread_mutex_unlock(&r->mu);
}

/* Give b's buffer (a work buffer) to the bin, or free it when the bin is
 * full or closed; b is left empty. */
static void rec_give(pq_recycler *r, dlt_buf *b)
{
	bool kept = false;
	if (b->data == NULL)
		return;
	if (r != NULL) {
		pthread_mutex_lock(&r->mu);
		if (!r->closed && r->bin_bytes + b->cap <= r->max_bin_bytes) {
			if (r->n_bin == r->cap_bin) {
				size_t nc = r->cap_bin ? r->cap_bin * 2 : 64;
				pq_block *q = dlt_realloc(r->bin, nc * sizeof(*q));
				if (q != NULL) {
					r->bin = q;
					r->cap_bin = nc;
				}
			}
			if (r->n_bin < r->cap_bin) {
				r->bin[r->n_bin].p = b->data;
				r->bin[r->n_bin].cap = b->cap;
				r->bin[r->n_bin].gen = r->gen;
				r->n_bin++;
				r->bin_bytes += b->cap;
				kept = true;
			}
		}
		pthread_mutex_unlock(&r->mu);
	}
	if (!kept)
		dlt_free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* Detach b's buffer as an output buffer, remembering its capacity. */
static uint8_t *rec_detach(pq_recycler *r, dlt_buf *b)
{
	size_t cap = b->cap;
	uint8_t *p = dlt_buf_detach(b, NULL);
	if (r == NULL || p == NULL)
		return p;
	pthread_mutex_lock(&r->mu);
	if (r->n_out == r->cap_out) {
		size_t nc = r->cap_out ? r->cap_out * 2 : 64;
		pq_block *q = dlt_realloc(r->out, nc * sizeof(*q));
		if (q == NULL) {
			pthread_mutex_unlock(&r->mu);
			return p; /* simply not recycled */
		}
		r->out = q;
		r->cap_out = nc;
	}
	r->out[r->n_out].p = p;
	r->out[r->n_out].cap = cap;
	r->out[r->n_out].gen = r->gen;
	r->n_out++;
	r->rg_bytes += cap;
	pthread_mutex_unlock(&r->mu);
	return p;
}

/* Called with the lock: a released buffer goes to the bin if it was ours. */
static bool rec_harvest_locked(pq_recycler *r, const void *p)
{
	size_t i;
	for (i = r->n_out; i-- > 0;) {
		if (r->out[i].p != p)
			continue;
		{
			pq_block blk = r->out[i];
			r->out[i] = r->out[--r->n_out];
			if (r->closed || r->bin_bytes + blk.cap > r->max_bin_bytes)
				return false;
			if (r->n_bin == r->cap_bin) {
				size_t nc = r->cap_bin ? r->cap_bin * 2 : 64;
				pq_block *q = dlt_realloc(r->bin, nc * sizeof(*q));
				if (q == NULL)
					return false;
				r->bin = q;
				r->cap_bin = nc;
			}
			r->bin[r->n_bin++] = blk;
			r->bin_bytes += blk.cap;
			return true;
		}
	}
	return false;
}

static void rec_harvest_tree(pq_recycler *r, struct ArrowArray *a)
{
	int64_t i;
	if (a == NULL || a->release == NULL)
		return;
	for (i = 0; a->buffers != NULL && i < a->n_buffers; i++)
		if (a->buffers[i] != NULL && rec_harvest_locked(r, a->buffers[i]))
			a->buffers[i] = NULL;
	for (i = 0; a->children != NULL && i < a->n_children; i++)
		rec_harvest_tree(r, a->children[i]);
	rec_harvest_tree(r, a->dictionary);
}

/* Release of a row group's struct array: buffers back to the bin, then the
 * ordinary release. */
static void rec_array_release(struct ArrowArray *a)
{
	pq_recycler *r = a->private_data;
	pthread_mutex_lock(&r->mu);
	rec_harvest_tree(r, a);
	pthread_mutex_unlock(&r->mu);
	a->private_data = NULL;
	a->release = r->array_release;
	a->release(a);
	rec_unref(r);
}

/* A row group attempt starts (gen) or failed (forget what it handed out: those
 * buffers were freed with the partial arrays). */
static void rec_begin(pq_recycler *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	r->gen++;
	pthread_mutex_unlock(&r->mu);
}

static void rec_fail(pq_recycler *r)
{
	size_t i;
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	for (i = r->n_out; i-- > 0;)
		if (r->out[i].gen == r->gen)
			r->out[i] = r->out[--r->n_out];
	r->rg_bytes = 0;
	pthread_mutex_unlock(&r->mu);
}

/* Make `a` (a row group just built) return its buffers to r when released. */
static void rec_adopt(pq_recycler *r, struct ArrowArray *a)
{
	if (r == NULL || a->release == NULL || a->private_data != NULL)
		return;
	pthread_mutex_lock(&r->mu);
	r->refs++;
	r->array_release = a->release;
	/* room for the buffers of about two of the largest row groups (a smaller
	 * one, as at the end of a file, does not shrink it) */
	if (r->rg_bytes <= (SIZE_MAX - ((size_t)1 << 20)) / 2 &&
	    2 * r->rg_bytes + ((size_t)1 << 20) > r->max_bin_bytes)
		r->max_bin_bytes = 2 * r->rg_bytes + ((size_t)1 << 20);
	r->rg_bytes = 0;
	pthread_mutex_unlock(&r->mu);
	a->private_data = r;
	a->release = rec_array_release;
}

/* Largest work buffer (page, compressed chunk) a column keeps between row
 * groups; bigger ones go back to the recycler for any column to reuse. */
#define PQ_KEEP_WORK_MAX ((size_t)8 << 20)

/* One decoded leaf column chunk. */
typedef struct pq_chunk {
	const dlt_pq_node *leaf;
	int rg;
	int16_t *def, *rep;         /* levels (NULL when the max level is 0) */
	size_t n_levels, cap_levels;
	int64_t n_slots;            /* leaf slots (Arrow length of the leaf array) */
	dlt_buf vals;               /* fixed: values; binary: int32 offsets; dict: int32 indices */
	dlt_buf data;               /* binary data */
	bool dict_mode;             /* output is an Arrow dictionary array */
	bool has_dict;
	uint32_t dict_len;
	dlt_buf dict_raw;           /* fixed-width dictionary values (physical layout) */
	dlt_buf dict_off;           /* BYTE_ARRAY dictionary: int32 offsets */
	dlt_buf dict_data;
	dlt_buf scratch, scratch2, idx, page; /* work buffers */
	/* flat optional leaf (max_def 1, max_rep 0): levels go straight into `valid`
	 * (bit i = level i), no int16 levels */
	bool flat;
	dlt_buf valid;              /* validity bitmap (capacity only; n_levels bits) */
	size_t n_valid;             /* ones in `valid` */
	dlt_buf raw;                /* the column chunk's bytes */
	dlt_buf dense;              /* dense values of a page with nulls */
	dlt_buf dict_conv;          /* dictionary converted to Arrow values (dict_conv_ok) */
	bool dict_conv_ok;
	bool dict_short;            /* BYTE_ARRAY dictionary: every value <= 16 bytes, padded */
	dlt_pq_codec_ctx *codec;
	pq_recycler *rec;           /* output buffers come from / return to it */
	size_t data_hint;           /* binary data bytes of the previous chunk ... */
	size_t hint_slots;          /* ... and its slots */
	const char *fname;
} pq_chunk;

static void chunk_dispose(pq_chunk *c)
{
	dlt_free(c->def);
	dlt_free(c->rep);
	dlt_buf_dispose(&c->vals);
	dlt_buf_dispose(&c->data);
	dlt_buf_dispose(&c->dict_raw);
	dlt_buf_dispose(&c->dict_off);
	dlt_buf_dispose(&c->dict_data);
	dlt_buf_dispose(&c->scratch);
	dlt_buf_dispose(&c->scratch2);
	dlt_buf_dispose(&c->idx);
	dlt_buf_dispose(&c->page);
	dlt_buf_dispose(&c->valid);
	dlt_buf_dispose(&c->raw);
	dlt_buf_dispose(&c->dense);
	dlt_buf_dispose(&c->dict_conv);
	dlt_pq__codec_ctx_free(c->codec);
	memset(c, 0, sizeof(*c));
}

/* Ready a chunk (kept across row groups: its work buffers are reused) for a new
 * column chunk of `leaf`. Output buffers were detached or are simply refilled. */
static void chunk_reset(pq_chunk *c, const dlt_pq_node *leaf, int rg)
{
	if (c->leaf != leaf) {
		pq_recycler *rec = c->rec;
		chunk_dispose(c);
		c->rec = rec;
		c->leaf = leaf;
	}
	c->rg = rg;
	c->n_levels = 0;
	c->n_slots = 0;
	c->has_dict = false;
	c->dict_len = 0;
	c->dict_conv_ok = false;
	c->dict_short = false;
	c->n_valid = 0;
	c->flat = leaf->max_rep == 0 && leaf->max_def == 1;
	dlt_buf_clear(&c->vals);
	dlt_buf_clear(&c->data);
	dlt_buf_clear(&c->dict_raw);
	dlt_buf_clear(&c->dict_off);
	dlt_buf_clear(&c->dict_data);
	dlt_buf_clear(&c->dict_conv);
}

static size_t raw_width(const dlt_pq_node *l)
{
	switch (l->ptype) {
	case DLT_PQ_TYPE_BOOLEAN: return 1;
	case DLT_PQ_TYPE_INT32: return 4;
	case DLT_PQ_TYPE_INT64: return 8;
	case DLT_PQ_TYPE_INT96: return 12;
	case DLT_PQ_TYPE_FLOAT: return 4;
	case DLT_PQ_TYPE_DOUBLE: return 8;
	case DLT_PQ_TYPE_FIXED_LEN_BYTE_ARRAY: return (size_t)l->type_length;
	default: return 0;
	}
}

/* Arrow bytes per slot while decoding (BOOL: one byte, packed at the end). */
static size_t out_width(const pq_chunk *c)
{
	const dlt_pq_node *l = c->leaf;
	if (c->dict_mode)
		return 4;
	if (l->conv == DLT_PQC_BOOL)
		return 1;
	if (l->conv == DLT_PQC_BINARY || l->conv == DLT_PQC_NULL)
		return 0;
	return (size_t)l->arrow_width;
}

static int chunk_err(pq_chunk *c, dlt_error *err, const char *fmt, ...) DLT_PRINTF(3, 4);
static int chunk_err(pq_chunk *c, dlt_error *err, const char *fmt, ...)
{
	char msg[DLT_ERROR_MESSAGE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return dlt_error_set(err, DLT_ECORRUPT, "column '%s' (row group %d): %s", c->leaf->path,
	                     c->rg, msg);
}

static void sign_extend(uint8_t *dst, int width, int64_t v)
{
	uint8_t fill = v < 0 ? 0xff : 0;
	uint64_t u = (uint64_t)v;
	memcpy(dst, &u, 8);
	memset(dst + 8, fill, (size_t)width - 8);
}

/* Big-endian two's complement of n bytes -> little-endian `width` bytes. */
static int be_to_le(uint8_t *dst, int width, const uint8_t *src, size_t n)
{
	size_t i;
	uint8_t fill;
	if (n == 0) {
		memset(dst, 0, (size_t)width);
		return 0;
	}
	fill = (src[0] & 0x80) ? 0xff : 0;
	while (n > (size_t)width) { /* redundant sign bytes only */
		if (src[0] != fill)
			return -1;
		src++;
		n--;
		if (((src[0] & 0x80) ? 0xff : 0) != fill)
			return -1;
	}
	for (i = 0; i < n; i++)
		dst[i] = src[n - 1 - i];
	memset(dst + n, fill, (size_t)width - n);
	return 0;
}

/* Convert n dense raw physical values to Arrow values at dst. */
static int convert_fixed(pq_chunk *c, uint8_t *dst, const uint8_t *raw, size_t n, dlt_error *err)
{
	const dlt_pq_node *l = c->leaf;
	size_t i, rw = raw_width(l);
	switch (l->conv) {
	case DLT_PQC_COPY:
	case DLT_PQC_BOOL:
		if (dst != raw)
			memcpy(dst, raw, n * rw);
		return DLT_OK;
	case DLT_PQC_I32_TO_I8:
		for (i = 0; i < n; i++)
			dst[i] = (uint8_t)dlt_load_u32le(raw + 4 * i);
		return DLT_OK;
	case DLT_PQC_I32_TO_I16:
		for (i = 0; i < n; i++) {
			uint16_t v = (uint16_t)dlt_load_u32le(raw + 4 * i);
			memcpy(dst + 2 * i, &v, 2);
		}
		return DLT_OK;
	case DLT_PQC_I32_TO_DEC128:
		for (i = 0; i < n; i++) {
			int32_t v;
			memcpy(&v, raw + 4 * i, 4);
			sign_extend(dst + 16 * i, 16, v);
		}
		return DLT_OK;
	case DLT_PQC_I64_TO_DEC128:
		for (i = 0; i < n; i++) {
			int64_t v;
			memcpy(&v, raw + 8 * i, 8);
			sign_extend(dst + 16 * i, 16, v);
		}
		return DLT_OK;
	case DLT_PQC_BE_TO_DEC128:
	case DLT_PQC_BE_TO_DEC256:
		for (i = 0; i < n; i++)
			if (be_to_le(dst + (size_t)l->arrow_width * i, l->arrow_width, raw + rw * i, rw) <
			    0)
				return chunk_err(c, err, "%s", "decimal value does not fit its precision");
		return DLT_OK;
	case DLT_PQC_INT96_TO_TS:
		for (i = 0; i < n; i++) {
			/* nanoseconds within the day (signed: writers emit negative ones too),
			 * then the Julian day */
			int64_t ns, days, v;
			int32_t jd;
			memcpy(&ns, raw + 12 * i, 8);
			memcpy(&jd, raw + 12 * i + 8, 4);
			days = (int64_t)jd - 2440588;
			if (c->leaf->format[2] == 'n') {
				if (dlt_mul_overflow_i64(days, 86400000000000LL, &v) ||
				    dlt_add_overflow_i64(v, ns, &v))
					return chunk_err(c, err, "%s",
					                 "INT96 timestamp out of range for timestamp[ns] "
					                 "(read with int96_unit micros)");
			} else {
				/* As Spark reads it: Julian microseconds in 64-bit wrapping
				 * arithmetic, then the epoch offset; Spark's writer wraps the same
				 * way, so every value Spark wrote (year 290000 too) comes back. */
				uint64_t u = (uint64_t)(int64_t)jd * 86400000000ull + (uint64_t)(ns / 1000) -
				             2440588ull * 86400000000ull;
				memcpy(&v, &u, 8);
			}
			memcpy(dst + 8 * i, &v, 8);
		}
		return DLT_OK;
	default:
		return chunk_err(c, err, "%s", "internal: bad conversion");
	}
}

static int ensure_levels(pq_chunk *c, size_t extra, dlt_error *err)
{
	size_t need, cap;
	if (dlt_add_overflow(c->n_levels, extra, &need) || need > PQ_MAX_LEVELS)
		return dlt_error_set(err, DLT_ELIMIT,
		                     "column '%s' (row group %d): more than %zu values in one column "
		                     "chunk",
		                     c->leaf->path, c->rg, PQ_MAX_LEVELS);
	if (need <= c->cap_levels)
		return DLT_OK;
	cap = c->cap_levels ? c->cap_levels : 1024;
	while (cap < need)
		cap = cap > SIZE_MAX / 4 ? need : cap * 2;
	if (c->flat) {
		c->valid.len = 0;
		if (dlt_buf_reserve(&c->valid, cap / 8 + 16, err) < 0)
			return DLT_ENOMEM;
		c->cap_levels = cap;
		return DLT_OK;
	}
	if (c->leaf->max_def > 0) {
		int16_t *p = dlt_realloc(c->def, cap * sizeof(int16_t));
		if (p == NULL)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		c->def = p;
	}
	if (c->leaf->max_rep > 0) {
		int16_t *p = dlt_realloc(c->rep, cap * sizeof(int16_t));
		if (p == NULL)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		c->rep = p;
	}
	c->cap_levels = cap;
	return DLT_OK;
}

static int decode_levels(pq_chunk *c, int16_t *out, size_t n, int16_t max_level, int encoding,
                         const uint8_t *p, size_t len, size_t *consumed, bool v2,
                         dlt_error *err)
{
	int bw = dlt_pq__bit_width((uint64_t)max_level);
	dlt_pq_rle_decoder d;
	size_t i;
	int rc;

	if (v2) {
		if ((rc = dlt_pq__rle_init(&d, p, len, bw, err)) < 0)
			return rc;
		*consumed = len;
	} else if (encoding == DLT_PQ_ENC_BIT_PACKED) {
		return dlt_pq__bitpacked_levels_decode(out, n, consumed, p, len, bw, err);
	} else if (encoding == DLT_PQ_ENC_RLE) {
		if ((rc = dlt_pq__rle_init_prefixed(&d, consumed, p, len, bw, err)) < 0)
			return rc;
	} else {
		return chunk_err(c, err, "unsupported level encoding %s", dlt_pq__encoding_name(encoding));
	}
	if ((rc = dlt_pq__rle_get_i16(&d, out, n, err)) < 0)
		return rc;
	for (i = 0; i < n; i++)
		if (out[i] > max_level || out[i] < 0)
			return chunk_err(c, err, "%s", "level exceeds the maximum of the schema");
	return DLT_OK;
}

/* Flat leaves: the n def levels (max 1) of a page straight into c->valid at bit
 * c->n_levels; *ones gets the count of valid values. */
static int decode_levels_bits(pq_chunk *c, size_t n, int encoding, const uint8_t *p, size_t len,
                              size_t *consumed, bool v2, size_t *ones, dlt_error *err)
{
	dlt_pq_rle_decoder d;
	int rc;

	*ones = 0;
	if (v2) {
		if ((rc = dlt_pq__rle_init(&d, p, len, 1, err)) < 0)
			return rc;
		*consumed = len;
	} else if (encoding == DLT_PQ_ENC_RLE) {
		if ((rc = dlt_pq__rle_init_prefixed(&d, consumed, p, len, 1, err)) < 0)
			return rc;
	} else if (encoding == DLT_PQ_ENC_BIT_PACKED) {
		int16_t *lv;
		size_t i;
		dlt_buf_clear(&c->scratch);
		if ((rc = dlt_buf_reserve(&c->scratch, n * sizeof(int16_t) + 2, err)) < 0)
			return rc;
		lv = (int16_t *)(void *)c->scratch.data;
		if ((rc = dlt_pq__bitpacked_levels_decode(lv, n, consumed, p, len, 1, err)) < 0)
			return rc;
		for (i = 0; i < n; i++) {
			size_t b = c->n_levels + i;
			if (lv[i] > 1 || lv[i] < 0)
				return chunk_err(c, err, "%s", "level exceeds the maximum of the schema");
			if (lv[i])
				c->valid.data[b >> 3] |= (uint8_t)(1u << (b & 7));
			else
				c->valid.data[b >> 3] &= (uint8_t)~(1u << (b & 7));
			*ones += (size_t)lv[i];
		}
		return DLT_OK;
	} else {
		return chunk_err(c, err, "unsupported level encoding %s", dlt_pq__encoding_name(encoding));
	}
	return dlt_pq__rle_get_bitmap(&d, c->valid.data, c->n_levels, n, ones, err);
}

static int decode_dictionary(pq_chunk *c, const dlt_pq_page_header *h, const uint8_t *p,
                             size_t len, dlt_error *err)
{
	const dlt_pq_node *l = c->leaf;
	dlt_pq_decoder d;
	int rc;
	int32_t nv = h->dictionary.num_values;
	int enc = h->dictionary.encoding;

	if (c->has_dict)
		return chunk_err(c, err, "%s", "more than one dictionary page");
	if (nv < 0)
		return chunk_err(c, err, "%s", "negative dictionary size");
	if (enc == DLT_PQ_ENC_PLAIN_DICTIONARY || enc == DLT_PQ_ENC_RLE_DICTIONARY)
		enc = DLT_PQ_ENC_PLAIN;
	if (l->conv == DLT_PQC_NULL) {
		c->has_dict = true;
		c->dict_len = (uint32_t)nv;
		return DLT_OK;
	}
	/* every value takes at least one byte (except booleans: a bit; and zero-length
	 * byte arrays still take 4 bytes) */
	if (l->ptype != DLT_PQ_TYPE_BOOLEAN && (size_t)nv > len && raw_width(l) > 0)
		return chunk_err(c, err, "%s", "dictionary page shorter than its values");
	if (l->ptype == DLT_PQ_TYPE_BYTE_ARRAY && enc == DLT_PQ_ENC_PLAIN && (size_t)nv > len / 4)
		return chunk_err(c, err, "%s", "dictionary page shorter than its values");
	if (len > PQ_MAX_DICT || (size_t)nv > PQ_MAX_DICT / 16)
		return dlt_error_set(err, DLT_ELIMIT,
		                     "column '%s' (row group %d): dictionary of %d values in %zu "
		                     "bytes is over the reader's limit of %zu bytes",
		                     l->path, c->rg, (int)nv, len, PQ_MAX_DICT);
	memset(&d, 0, sizeof(d));
	if ((rc = dlt_pq__decoder_init(&d, enc, l->ptype, l->type_length, p, len, (size_t)nv,
	                               err)) < 0)
		goto done;
	if (l->ptype == DLT_PQ_TYPE_BYTE_ARRAY) {
		int32_t *off;
		dlt_buf_clear(&c->dict_off);
		dlt_buf_clear(&c->dict_data);
		if ((rc = dlt_buf_reserve(&c->dict_off, ((size_t)nv + 1) * 4, err)) < 0)
			goto done;
		off = (int32_t *)(void *)c->dict_off.data;
		off[0] = 0;
		if ((rc = dlt_pq__decoder_binary32(&d, off, &c->dict_data, (size_t)nv, err)) < 0)
			goto done;
		c->dict_off.len = ((size_t)nv + 1) * 4;
		/* short values are gathered with fixed 16-byte copies: pad the data */
		if ((rc = dlt_buf_reserve(&c->dict_data, 16, err)) < 0)
			goto done;
		{
			int32_t i, mx = 0;
			for (i = 0; i < nv; i++)
				mx = DLT_MAX(mx, off[i + 1] - off[i]);
			c->dict_short = mx <= 16;
		}
	} else {
		size_t bytes;
		if (dlt_mul_overflow((size_t)nv, raw_width(l), &bytes) ||
		    (l->ptype != DLT_PQ_TYPE_BOOLEAN && bytes > len)) {
			rc = chunk_err(c, err, "%s", "dictionary page shorter than its values");
			goto done;
		}
		dlt_buf_clear(&c->dict_raw);
		if ((rc = dlt_buf_reserve(&c->dict_raw, bytes + 16, err)) < 0 ||
		    (rc = dlt_pq__decoder_fixed(&d, c->dict_raw.data, (size_t)nv, err)) < 0)
			goto done;
		c->dict_raw.len = bytes;
		/* conversions that cannot fail: convert the dictionary once, gather Arrow
		 * values */
		if (l->conv == DLT_PQC_I32_TO_I8 || l->conv == DLT_PQC_I32_TO_I16 ||
		    l->conv == DLT_PQC_I32_TO_DEC128 || l->conv == DLT_PQC_I64_TO_DEC128) {
			dlt_buf_clear(&c->dict_conv);
			if ((rc = dlt_buf_reserve(&c->dict_conv, (size_t)nv * (size_t)l->arrow_width + 16,
			                          err)) < 0 ||
			    (rc = convert_fixed(c, c->dict_conv.data, c->dict_raw.data, (size_t)nv, err)) < 0)
				goto done;
			c->dict_conv_ok = true;
		}
	}
	c->has_dict = true;
	c->dict_len = (uint32_t)nv;
done:
	dlt_pq__decoder_dispose(&d);
	return rc;
}

/* Byte-array dictionary gather into c->data (offsets[0] preset). Indices are
 * checked already. Short dictionaries (padded) copy 16 bytes per value. */
static int gather_binary(pq_chunk *c, int32_t *offsets, const uint32_t *idx, size_t n,
                         dlt_error *err)
{
	const int32_t *doff = (const int32_t *)(void *)c->dict_off.data;
	const uint8_t *dd = c->dict_data.data;
	size_t i, total = 0;
	int64_t pos = offsets[0];
	uint8_t *o;
	int rc;

	for (i = 0; i < n; i++)
		total += (size_t)(doff[idx[i] + 1] - doff[idx[i]]);
	if ((int64_t)total > (int64_t)INT32_MAX - pos ||
	    total > PQ_MAX_DECODED - DLT_MIN(c->data.len, PQ_MAX_DECODED))
		return dlt_error_set(err, DLT_ELIMIT,
		                     "column '%s' (row group %d): byte array data of the column chunk "
		                     "exceeds the reader's limit of %zu bytes",
		                     c->leaf->path, c->rg, PQ_MAX_DECODED);
	if (total == 0) { /* only empty values: c->data may have no storage to copy into */
		for (i = 0; i < n; i++)
			offsets[i + 1] = (int32_t)pos;
		return DLT_OK;
	}
	if (!c->dict_short)
		return dlt_pq__dict_gather_binary32(offsets, &c->data, doff, dd, idx, n, err);
	if ((rc = dlt_buf_reserve(&c->data, total + 16, err)) < 0)
		return rc;
	o = c->data.data + c->data.len;
	for (i = 0; i < n; i++) {
		int32_t st = doff[idx[i]], l = doff[idx[i] + 1] - st;
		memcpy(o, dd + st, 16);
		o += l;
		pos += l;
		offsets[i + 1] = (int32_t)pos;
	}
	c->data.len += total;
	return DLT_OK;
}

/*
 * Produce n dense values of the page at `dst`:
 *   fixed: n * out_width bytes (converted);
 *   binary: offsets dst[0..n] (dst[0] preset) with data appended to c->data;
 *   dict mode: n int32 indices into the (growing) dictionary.
 */
static int decode_dense(pq_chunk *c, dlt_pq_decoder *d, bool dict_enc, uint8_t *dst, size_t n,
                        dlt_error *err)
{
	const dlt_pq_node *l = c->leaf;
	int rc;
	uint32_t *idx = NULL;

	if (n == 0)
		return DLT_OK;
	if (dict_enc) {
		if (!c->has_dict)
			return chunk_err(c, err, "%s", "dictionary-encoded page without a dictionary page");
		if (c->dict_mode) /* indices straight out */
			return dlt_pq__decoder_indices(d, (uint32_t *)(void *)dst, n, c->dict_len, err);
		dlt_buf_clear(&c->idx);
		if ((rc = dlt_buf_reserve(&c->idx, n * 4, err)) < 0)
			return rc;
		idx = (uint32_t *)(void *)c->idx.data;
		if ((rc = dlt_pq__decoder_indices(d, idx, n, c->dict_len, err)) < 0)
			return rc;
	}
	if (l->conv == DLT_PQC_BINARY) {
		if (c->dict_mode) { /* plain values in dictionary mode: append to the dictionary */
			int32_t *off;
			size_t i, base = c->dict_len;
			if (c->dict_off.len == 0) {
				int32_t z = 0;
				if ((rc = dlt_buf_append(&c->dict_off, &z, 4, err)) < 0)
					return rc;
			}
			if (base + n > (size_t)INT32_MAX)
				return chunk_err(c, err, "%s", "dictionary too large");
			if ((rc = dlt_buf_reserve(&c->dict_off, n * 4, err)) < 0)
				return rc;
			off = (int32_t *)(void *)c->dict_off.data;
			if ((rc = dlt_pq__decoder_binary32(d, off + base, &c->dict_data, n, err)) < 0)
				return rc;
			c->dict_off.len += n * 4;
			c->dict_len += (uint32_t)n;
			c->has_dict = true;
			for (i = 0; i < n; i++) {
				int32_t v = (int32_t)(base + i);
				memcpy(dst + 4 * i, &v, 4);
			}
			return DLT_OK;
		}
		if (idx != NULL)
			return gather_binary(c, (int32_t *)(void *)dst, idx, n, err);
		return dlt_pq__decoder_binary32(d, (int32_t *)(void *)dst, &c->data, n, err);
	}
	if (l->ptype == DLT_PQ_TYPE_BYTE_ARRAY) { /* decimals stored as byte arrays */
		int32_t *off;
		size_t i;
		dlt_buf tmpdata = DLT_BUF_INIT;
		dlt_buf_clear(&c->scratch);
		if ((rc = dlt_buf_reserve(&c->scratch, (n + 1) * 4, err)) < 0)
			return rc;
		off = (int32_t *)(void *)c->scratch.data;
		off[0] = 0;
		if (idx != NULL)
			rc = dlt_pq__dict_gather_binary32(off, &tmpdata,
			                                  (const int32_t *)(void *)c->dict_off.data,
			                                  c->dict_data.data, idx, n, err);
		else
			rc = dlt_pq__decoder_binary32(d, off, &tmpdata, n, err);
		for (i = 0; rc == DLT_OK && i < n; i++)
			if (be_to_le(dst + (size_t)l->arrow_width * i, l->arrow_width,
			             tmpdata.data + off[i], (size_t)(off[i + 1] - off[i])) < 0)
				rc = chunk_err(c, err, "%s", "decimal value does not fit its precision");
		dlt_buf_dispose(&tmpdata);
		return rc;
	}
	{
		size_t rw = raw_width(l), bytes;
		uint8_t *raw = dst;
		if (dlt_mul_overflow(n, rw, &bytes))
			return chunk_err(c, err, "%s", "too many values");
		if (idx != NULL && c->dict_conv_ok) {
			dlt_pq__dict_gather_fixed(dst, c->dict_conv.data, (size_t)l->arrow_width, idx, n);
			return DLT_OK;
		}
		if (l->conv != DLT_PQC_COPY && l->conv != DLT_PQC_BOOL) {
			dlt_buf_clear(&c->scratch2);
			if ((rc = dlt_buf_reserve(&c->scratch2, bytes + 16, err)) < 0)
				return rc;
			raw = c->scratch2.data;
		}
		if (idx != NULL)
			dlt_pq__dict_gather_fixed(raw, c->dict_raw.data, rw, idx, n);
		else if ((rc = dlt_pq__decoder_fixed(d, raw, n, err)) < 0)
			return rc;
		if (raw != dst)
			return convert_fixed(c, dst, raw, n, err);
		return DLT_OK;
	}
}

/* Spread n_valid dense fixed values over n slots by the validity bits at bit
 * `pos` (null slots zeroed). */
static void scatter_fixed(uint8_t *out, const uint8_t *dense, size_t ow, const uint8_t *bits,
                          size_t pos, size_t n)
{
	size_t i, k = 0;
#define PQ_SCATTER(W)                                                                      \
	for (i = 0; i < n; i++) {                                                          \
		size_t b = pos + i;                                                        \
		if ((bits[b >> 3] >> (b & 7)) & 1) {                                        \
			memcpy(out + i * (W), dense + k * (W), (W));                        \
			k++;                                                                \
		} else {                                                                   \
			memset(out + i * (W), 0, (W));                                      \
		}                                                                          \
	}
	switch (ow) {
	case 1: PQ_SCATTER(1) break;
	case 2: PQ_SCATTER(2) break;
	case 4: PQ_SCATTER(4) break;
	case 8: PQ_SCATTER(8) break;
	case 16: PQ_SCATTER(16) break;
	default: PQ_SCATTER(ow) break;
	}
#undef PQ_SCATTER
}

/* Decode the values section of a data page with `n` levels. Def levels are
 * `defs` (int16, NULL when the column is required or flat) or, for flat
 * columns, bits c->n_levels.. of c->valid with `flat_valid` ones. */
static int decode_page_values(pq_chunk *c, const int16_t *defs, size_t flat_valid, size_t n,
                              int encoding, const uint8_t *p, size_t len, dlt_error *err)
{
	const dlt_pq_node *l = c->leaf;
	size_t i, n_slots = 0, n_valid = 0, ow = out_width(c);
	int16_t maxd = l->max_def, sd = l->slot_def;
	bool dict_enc = encoding == DLT_PQ_ENC_PLAIN_DICTIONARY ||
	                encoding == DLT_PQ_ENC_RLE_DICTIONARY;
	bool binary_off = l->conv == DLT_PQC_BINARY && !c->dict_mode;
	const uint8_t *bits = c->flat ? c->valid.data : NULL;
	size_t bpos = c->n_levels;
	dlt_pq_decoder d;
	int rc;
	size_t new_slots;

	if (c->flat) {
		n_slots = n;
		n_valid = flat_valid;
	} else if (defs == NULL) {
		n_slots = n_valid = n;
	} else if (sd == 0) {
		n_slots = n;
		for (i = 0; i < n; i++)
			n_valid += defs[i] == maxd;
	} else {
		for (i = 0; i < n; i++) {
			n_slots += defs[i] >= sd;
			n_valid += defs[i] == maxd;
		}
	}
	if (dlt_add_overflow((size_t)c->n_slots, n_slots, &new_slots) || new_slots > INT32_MAX)
		return chunk_err(c, err, "%s", "more than 2^31 values in one column chunk");
	if (l->conv == DLT_PQC_NULL) {
		if (n_valid > 0)
			return chunk_err(c, err, "%s", "values present in a column of UNKNOWN (null) type");
		c->n_slots = (int64_t)new_slots;
		return DLT_OK;
	}
	/* room for the slots */
	if ((ow ? ow : 4) * n_slots > PQ_MAX_DECODED - DLT_MIN(c->vals.len, PQ_MAX_DECODED) ||
	    c->data.len > PQ_MAX_DECODED)
		return dlt_error_set(err, DLT_ELIMIT,
		                     "column '%s' (row group %d): more than %zu decoded bytes in one "
		                     "column chunk",
		                     l->path, c->rg, PQ_MAX_DECODED);
	if (binary_off) {
		if (c->vals.len == 0) {
			int32_t z = 0;
			if ((rc = dlt_buf_append(&c->vals, &z, 4, err)) < 0)
				return rc;
		}
		if ((rc = dlt_buf_reserve(&c->vals, n_slots * 4 + 4, err)) < 0)
			return rc;
	} else if ((rc = dlt_buf_reserve(&c->vals, n_slots * ow + 16, err)) < 0) {
		return rc;
	}
	memset(&d, 0, sizeof(d));
	if (n_valid > 0 &&
	    (rc = dlt_pq__decoder_init(&d, encoding, l->ptype, l->type_length, p, len, n_valid,
	                               err)) < 0)
		goto done;
	if (n_valid == n_slots) {
		uint8_t *dst = binary_off ? c->vals.data + c->vals.len - 4 : c->vals.data + c->vals.len;
		if (binary_off) {
			int32_t cur = (int32_t)c->data.len;
			memcpy(dst, &cur, 4);
		}
		if ((rc = decode_dense(c, &d, dict_enc, dst, n_valid, err)) < 0)
			goto done;
		c->vals.len += n_slots * (binary_off ? 4 : ow);
	} else {
		/* dense into scratch, then spread over the slots */
		size_t k = 0, dbytes = binary_off ? (n_valid + 1) * 4 : n_valid * ow;
		uint8_t *out;
		dlt_buf_clear(&c->dense);
		if ((rc = dlt_buf_reserve(&c->dense, dbytes + 16, err)) < 0)
			goto done;
		if (binary_off) {
			int32_t cur = (int32_t)c->data.len;
			memcpy(c->dense.data, &cur, 4);
		}
		if ((rc = decode_dense(c, &d, dict_enc, c->dense.data, n_valid, err)) < 0)
			goto done;
		out = c->vals.data + c->vals.len;
		if (binary_off) {
			int32_t *o = (int32_t *)(void *)(out - 4);
			const int32_t *src = (const int32_t *)(void *)c->dense.data;
			size_t s = 0;
			if (bits != NULL) {
				for (i = 0; i < n; i++) {
					size_t b = bpos + i;
					o[i + 1] = ((bits[b >> 3] >> (b & 7)) & 1) ? src[++k] : o[i];
				}
			} else {
				for (i = 0; i < n; i++) {
					if (defs[i] < sd)
						continue;
					o[s + 1] = defs[i] == maxd ? src[++k] : o[s];
					s++;
				}
			}
			c->vals.len += n_slots * 4;
		} else if (bits != NULL) {
			scatter_fixed(out, c->dense.data, ow, bits, bpos, n);
			c->vals.len += n_slots * ow;
		} else {
			size_t s = 0;
			for (i = 0; i < n; i++) {
				if (defs[i] < sd)
					continue;
				if (defs[i] == maxd) {
					memcpy(out + s * ow, c->dense.data + k * ow, ow);
					k++;
				} else {
					memset(out + s * ow, 0, ow);
				}
				s++;
			}
			c->vals.len += n_slots * ow;
		}
	}
	c->n_slots = (int64_t)new_slots;
	rc = DLT_OK;
done:
	dlt_pq__decoder_dispose(&d);
	return rc;
}

/* Pages of one column chunk to read (page skipping): NULL oi = all of them. */
typedef struct pq_pagesel {
	dlt_pq_offset_index *oi;  /* validated against the chunk */
	dlt_pq_column_index *ci;  /* NULL or num_pages == oi->num_pages */
	bool *keep;               /* per page */
	int64_t dict_end;         /* bytes [chunk start, dict_end) precede the first data page */
} pq_pagesel;

static int read_chunk(pq_chunk *c, dlt_parquet_file *f, int rg_index, const dlt_pq_node *leaf,
                      bool dict_mode, bool verify, const pq_pagesel *sel, dlt_error *err)
{
	const dlt_pq_row_group *rg = &f->meta->row_groups[rg_index];
	const dlt_pq_column_chunk *cc = &rg->columns[leaf->leaf];
	const dlt_pq_column_meta *cm = cc->meta;
	dlt_pq_codec_ctx *codec;
	uint8_t *buf;
	int64_t start, total;
	size_t len, pos = 0;
	int64_t levels_left;
	int rc;

	chunk_reset(c, leaf, rg_index);
	c->dict_mode = dict_mode && leaf->dict_ok;
	if (cm == NULL) {
		if (cc->has_crypto_metadata || cc->has_encrypted_column_metadata)
			return dlt_error_set(err, DLT_EUNSUPPORTED,
			                     "column '%s': encrypted parquet is not supported", leaf->path);
		return dlt_error_set(err, DLT_ECORRUPT, "column '%s' (row group %d): no column metadata",
		                     leaf->path, rg_index);
	}
	if (cc->file_path != NULL)
		return dlt_error_set(err, DLT_EUNSUPPORTED,
		                     "column '%s': column chunks in other files are not supported",
		                     leaf->path);
	if ((int)cm->type != leaf->ptype)
		return chunk_err(c, err, "chunk type %s does not match the schema",
		                 dlt_pq__type_name(cm->type));
	if (cm->num_values == 0)
		return DLT_OK; /* nothing to read (offsets of empty chunks are not trusted) */
	start = cm->data_page_offset;
	if (cm->has_dictionary_page_offset && cm->dictionary_page_offset > 0 &&
	    cm->dictionary_page_offset < start)
		start = cm->dictionary_page_offset;
	total = cm->total_compressed_size;
	if (start < 4 || total < 0 || (uint64_t)start > f->size ||
	    (uint64_t)total > f->size - (uint64_t)start)
		return chunk_err(c, err, "%s", "column chunk byte range lies outside the file");
	if (cm->num_values < 0)
		return chunk_err(c, err, "%s", "negative num_values");
	len = (size_t)total;
	dlt_buf_clear(&c->raw);
	if (sel != NULL && sel->oi != NULL) {
		/* the pages before the first data page (dictionary), then the kept pages */
		size_t k, want = (size_t)(sel->dict_end - start);
		for (k = 0; k < sel->oi->num_pages; k++)
			if (sel->keep[k])
				want += (size_t)sel->oi->pages[k].compressed_page_size;
		rec_take(c->rec, &c->raw, want + 1);
		if (dlt_buf_reserve(&c->raw, want + 1, err) < 0)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory reading column '%s'",
			                     leaf->path);
		buf = c->raw.data;
		if ((rc = dlt_input_read_exact(f->in, (uint64_t)start, buf,
		                               (size_t)(sel->dict_end - start), err)) < 0)
			goto done;
		len = (size_t)(sel->dict_end - start);
		for (k = 0; k < sel->oi->num_pages; k++) {
			const dlt_pq_page_location *pl = &sel->oi->pages[k];
			if (!sel->keep[k])
				continue;
			if ((rc = dlt_input_read_exact(f->in, (uint64_t)pl->offset, buf + len,
			                               (size_t)pl->compressed_page_size, err)) < 0)
				goto done;
			len += (size_t)pl->compressed_page_size;
		}
	} else {
		rec_take(c->rec, &c->raw, len + 1);
		if (dlt_buf_reserve(&c->raw, len + 1, err) < 0)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory reading column '%s'",
			                     leaf->path);
		buf = c->raw.data;
		if ((rc = dlt_input_read_exact(f->in, (uint64_t)start, buf, len, err)) < 0)
			goto done;
	}
	__atomic_fetch_add(&f->counters.bytes_read, (int64_t)len, __ATOMIC_RELAXED);
	if (c->codec == NULL && (rc = dlt_pq__codec_ctx_new(&c->codec, err)) < 0)
		goto done;
	codec = c->codec;
	if (leaf->max_rep == 0) {
		size_t pre = (size_t)DLT_MIN(cm->num_values, (int64_t)1 << 22);
		size_t ow = out_width(c);
		if (pre * (ow ? ow : 4) > PQ_MAX_DECODED)
			pre = 0; /* hostile sizes: grow with the pages, which are checked */
		rec_take(c->rec, &c->vals, pre * (ow ? ow : 4) + 16);
		if (c->flat)
			rec_take(c->rec, &c->valid, pre / 8 + 16);
		if (leaf->conv == DLT_PQC_BINARY && !c->dict_mode) {
			/* the previous chunk's bytes per value, times this chunk's values */
			size_t want = c->data_hint;
			if (c->hint_slots > 0 && pre > 0 &&
			    (double)c->data_hint / (double)c->hint_slots * (double)pre <
			        (double)PQ_MAX_DECODED)
				want = (size_t)((double)c->data_hint / (double)c->hint_slots *
				                (double)pre);
			rec_take(c->rec, &c->data, want + want / 8 + 64);
		}
		if ((rc = ensure_levels(c, pre, err)) < 0 ||
		    (rc = dlt_buf_reserve(&c->vals, pre * (ow ? ow : 4) + 16, err)) < 0)
			goto done;
	}
	levels_left = cm->num_values;
	while (pos < len && levels_left > 0) {
		dlt_pq_page_header h;
		size_t hlen = 0, csize, usize;
		const uint8_t *pdata;
		bool truncated = false;

		if ((rc = dlt_pq__page_header_decode(&h, &hlen, buf + pos, len - pos, &truncated,
		                                     err)) < 0) {
			dlt_error_prefix(err, "column '%s' (row group %d): page header at offset %" PRId64,
			                 leaf->path, rg_index, start + (int64_t)pos);
			goto done;
		}
		pos += hlen;
		if (h.compressed_page_size < 0 || h.uncompressed_page_size < 0 ||
		    (size_t)h.compressed_page_size > len - pos) {
			rc = chunk_err(c, err, "%s", "page size exceeds the column chunk");
			goto done;
		}
		csize = (size_t)h.compressed_page_size;
		usize = (size_t)h.uncompressed_page_size;
		/* hostile-input guard: no page expands beyond 1 GiB, nor by more than
		 * 1024x once past 16 MiB */
		if (usize > PQ_MAX_PAGE || (usize > ((size_t)16 << 20) && usize / 1024 > csize) ||
		    (cm->codec == DLT_PQ_CODEC_SNAPPY && usize / 24 > csize + 64)) {
			rc = dlt_error_set(err, DLT_ELIMIT,
			                   "column '%s' (row group %d): page of %zu bytes claims %zu "
			                   "bytes uncompressed: over the reader's limit",
			                   leaf->path, rg_index, csize, usize);
			goto done;
		}
		pdata = buf + pos;
		pos += csize;
		if (verify && h.has_crc) {
			uLong crc = crc32(0L, Z_NULL, 0);
			size_t off = 0;
			while (off < csize) {
				uInt step = (uInt)DLT_MIN(csize - off, (size_t)1 << 30);
				crc = crc32(crc, pdata + off, step);
				off += step;
			}
			if ((uint32_t)crc != (uint32_t)h.crc) {
				rc = dlt_error_set(err, DLT_ECORRUPT,
				                   "column '%s' (row group %d): page at offset %" PRId64
				                   ": CRC32 mismatch (stored %08x, computed %08x)",
				                   leaf->path, rg_index,
				                   start + (int64_t)(pos - csize - hlen), (unsigned)h.crc,
				                   (unsigned)crc);
				goto done;
			}
		}
		__atomic_fetch_add(&f->counters.pages_read, 1, __ATOMIC_RELAXED);
		if (h.type == DLT_PQ_PAGE_INDEX)
			continue;
		if (h.type == DLT_PQ_PAGE_DICTIONARY) {
			if (!h.has_dictionary) {
				rc = chunk_err(c, err, "%s", "dictionary page without its header");
				goto done;
			}
			dlt_buf_clear(&c->page);
			rec_take(c->rec, &c->page, usize + 1);
			if ((rc = dlt_buf_reserve(&c->page, usize + 1, err)) < 0 ||
			    (rc = dlt_pq__decompress(codec, cm->codec, pdata, csize, c->page.data, usize,
			                             err)) < 0 ||
			    (rc = decode_dictionary(c, &h, c->page.data, usize, err)) < 0) {
				dlt_error_prefix(err, "column '%s' (row group %d): dictionary page",
				                 leaf->path, rg_index);
				goto done;
			}
			continue;
		}
		if (h.type == DLT_PQ_PAGE_DATA || h.type == DLT_PQ_PAGE_DATA_V2) {
			bool v2 = h.type == DLT_PQ_PAGE_DATA_V2;
			int32_t nv32 = v2 ? h.data_v2.num_values : h.data.num_values;
			size_t nv, lpos = 0, used = 0;
			const uint8_t *page;
			size_t plen;
			int16_t *defs, *reps;
			size_t flat_valid = 0;
			int enc;

			if ((v2 && !h.has_data_v2) || (!v2 && !h.has_data)) {
				rc = chunk_err(c, err, "%s", "data page without its header");
				goto done;
			}
			if (nv32 < 0) {
				rc = chunk_err(c, err, "%s", "negative page num_values");
				goto done;
			}
			nv = (size_t)nv32;
			if ((int64_t)nv > levels_left) {
				rc = chunk_err(c, err, "%s", "pages hold more values than the column chunk");
				goto done;
			}
			enc = v2 ? h.data_v2.encoding : h.data.encoding;
			if ((rc = ensure_levels(c, nv, err)) < 0)
				goto done;
			/* (an empty page may leave the level buffers unallocated) */
			defs = leaf->max_def > 0 && !c->flat && c->def ? c->def + c->n_levels : NULL;
			reps = leaf->max_rep > 0 && c->rep ? c->rep + c->n_levels : NULL;
			if (v2) {
				int32_t rl = h.data_v2.repetition_levels_byte_length;
				int32_t dl = h.data_v2.definition_levels_byte_length;
				size_t lv;
				if (rl < 0 || dl < 0 || (size_t)rl > csize || (size_t)dl > csize - (size_t)rl) {
					rc = chunk_err(c, err, "%s", "v2 level lengths exceed the page");
					goto done;
				}
				lv = (size_t)rl + (size_t)dl;
				if (reps != NULL && (rc = decode_levels(c, reps, nv, leaf->max_rep, DLT_PQ_ENC_RLE,
				                                        pdata, (size_t)rl, &used, true, err)) < 0)
					goto page_fail;
				if (defs != NULL &&
				    (rc = decode_levels(c, defs, nv, leaf->max_def, DLT_PQ_ENC_RLE,
				                        pdata + rl, (size_t)dl, &used, true, err)) < 0)
					goto page_fail;
				if (c->flat &&
				    (rc = decode_levels_bits(c, nv, DLT_PQ_ENC_RLE, pdata + rl, (size_t)dl,
				                             &used, true, &flat_valid, err)) < 0)
					goto page_fail;
				if (usize < lv) {
					rc = chunk_err(c, err, "%s", "v2 page smaller than its levels");
					goto done;
				}
				if (h.data_v2.is_compressed && cm->codec != DLT_PQ_CODEC_UNCOMPRESSED) {
					dlt_buf_clear(&c->page);
					rec_take(c->rec, &c->page, usize - lv + 1);
					if ((rc = dlt_buf_reserve(&c->page, usize - lv + 1, err)) < 0)
						goto done;
					if (usize - lv == 0 && csize - lv == 0)
						rc = DLT_OK;
					else
						rc = dlt_pq__decompress(codec, cm->codec, pdata + lv, csize - lv,
						                        c->page.data, usize - lv, err);
					if (rc < 0)
						goto page_fail;
					page = c->page.data;
					plen = usize - lv;
				} else {
					page = pdata + lv;
					plen = csize - lv;
				}
			} else {
				dlt_buf_clear(&c->page);
				rec_take(c->rec, &c->page, usize + 1);
				if ((rc = dlt_buf_reserve(&c->page, usize + 1, err)) < 0 ||
				    (rc = dlt_pq__decompress(codec, cm->codec, pdata, csize, c->page.data,
				                             usize, err)) < 0)
					goto page_fail;
				page = c->page.data;
				plen = usize;
				if (reps != NULL) {
					if ((rc = decode_levels(c, reps, nv, leaf->max_rep,
					                        h.data.repetition_level_encoding, page, plen,
					                        &used, false, err)) < 0)
						goto page_fail;
					lpos += used;
				}
				if (defs != NULL) {
					if ((rc = decode_levels(c, defs, nv, leaf->max_def,
					                        h.data.definition_level_encoding, page + lpos,
					                        plen - lpos, &used, false, err)) < 0)
						goto page_fail;
					lpos += used;
				}
				if (c->flat) {
					if ((rc = decode_levels_bits(c, nv, h.data.definition_level_encoding,
					                             page + lpos, plen - lpos, &used, false,
					                             &flat_valid, err)) < 0)
						goto page_fail;
					lpos += used;
				}
				page += lpos;
				plen -= lpos;
			}
			if (reps != NULL && c->n_levels == 0 && nv > 0 && reps[0] != 0) {
				rc = chunk_err(c, err, "%s", "first repetition level of the chunk is not 0");
				goto done;
			}
			if ((rc = decode_page_values(c, defs, flat_valid, nv, enc, page, plen, err)) < 0)
				goto page_fail;
			c->n_levels += nv;
			c->n_valid += flat_valid;
			levels_left -= (int64_t)nv;
			continue;
page_fail:
			dlt_error_prefix(err, "column '%s' (row group %d): data page at offset %" PRId64,
			                 leaf->path, rg_index, start + (int64_t)(pos - csize - hlen));
			goto done;
		}
		/* unknown page types are skipped, as the spec allows */
		__atomic_fetch_add(&f->counters.pages_skipped, 1, __ATOMIC_RELAXED);
	}
	if (levels_left != 0 && (sel == NULL || sel->oi == NULL)) {
		rc = dlt_error_set(err, DLT_ECORRUPT,
		                   "column '%s' (row group %d): pages hold %zu values, the column "
		                   "chunk says %" PRId64,
		                   leaf->path, rg_index, c->n_levels, cm->num_values);
		goto done;
	}
	rc = DLT_OK;
done:
	/* Work buffers are kept for the next row group, except huge ones: a
	 * checkpoint's stats column can be a single page of hundreds of MB, and
	 * each column holding its own would double the peak memory. They go to
	 * the recycler, where any column's next big buffer can come from. */
	if (c->page.cap > PQ_KEEP_WORK_MAX)
		rec_give(c->rec, &c->page);
	if (c->raw.cap > PQ_KEEP_WORK_MAX)
		rec_give(c->rec, &c->raw);
	if (rc < 0 && err != NULL && err->path[0] == 0)
		dlt_error_set_path(err, f->name);
	return rc;
}

/* ------------------------------------------------------------------ assembly */

typedef struct pq_rg {
	dlt_parquet_file *f;
	int rg;
	pq_chunk *chunks;      /* by leaf index (only kept ones filled) */
	const bool *keep;
	int *tasks;            /* leaf indices to decode */
	size_t n_tasks;
	bool dict_mode, verify;
	const pq_pagesel *sel;  /* per leaf; NULL: whole chunks */
} pq_rg;

static int rg_task(void *ctx, size_t t, dlt_error *err)
{
	pq_rg *r = ctx;
	int li = r->tasks[t];
	return read_chunk(&r->chunks[li], r->f, r->rg, r->f->schema.leaves[li], r->dict_mode,
	                  r->verify, r->sel ? &r->sel[li] : NULL, err);
}

static inline int16_t lvl(const int16_t *a, size_t i) { return a ? a[i] : 0; }

static int bitmap_from_bytes(uint8_t **out, const uint8_t *v, int64_t n)
{
	uint8_t *bm = dlt_calloc((size_t)(n + 7) / 8 + 1, 1);
	int64_t i;
	if (bm == NULL)
		return DLT_ENOMEM;
	for (i = 0; i < n; i++)
		bm[i >> 3] |= (uint8_t)((v[i] & 1) << (i & 7));
	*out = bm;
	return DLT_OK;
}

/* Validity of `node`'s slots computed from the levels of `c` (a leaf under it). */
static int node_validity(uint8_t **bm_out, int64_t *len_out, int64_t *nulls_out, pq_chunk *c,
                         const dlt_pq_node *node, int32_t **offsets_out, int64_t *child_len_out,
                         dlt_error *err)
{
	size_t i, n = c->n_levels;
	int64_t slots = 0, nulls = 0, elems = 0;
	uint8_t *bm;
	int32_t *off = NULL;
	bool is_list = node->kind == DLT_PQN_LIST || node->kind == DLT_PQN_MAP;
	const int16_t *def = c->def, *rep = c->rep;

	if (c->flat) {
		/* A flat leaf (max_def 1, max_rep 0) keeps its levels as the bits of
		 * c->valid, not in c->def: the one optional node on its path (the
		 * leaf, or a struct above a required leaf) is valid where the bit is
		 * set; nodes above that one are required. */
		*len_out = (int64_t)n;
		*nulls_out = 0;
		*bm_out = NULL;
		if (offsets_out)
			*offsets_out = NULL;
		if (child_len_out)
			*child_len_out = 0;
		if (is_list || node->slot_def != 0)
			return dlt_error_set(err, DLT_ERROR, "internal: '%s' over a flat column",
			                     node->path);
		if (node->def == 0 || c->n_valid == n)
			return DLT_OK;
		bm = dlt_malloc(n / 8 + 1);
		if (bm == NULL)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		memcpy(bm, c->valid.data, n / 8 + ((n & 7) != 0));
		if (n & 7) /* no stray bits past the end */
			bm[n / 8] &= (uint8_t)((1u << (n & 7)) - 1);
		*bm_out = bm;
		*nulls_out = (int64_t)(n - c->n_valid);
		return DLT_OK;
	}
	if (!is_list && rep == NULL && node->slot_def == 0) {
		/* top-level (flat) node: one slot per level; count nulls first so the
		 * common no-null case allocates nothing */
		size_t z = 0;
		if (def != NULL)
			for (i = 0; i < n; i++)
				z += def[i] < node->def;
		if (z == 0) {
			*bm_out = NULL;
			*len_out = (int64_t)n;
			*nulls_out = 0;
			return DLT_OK;
		}
	}
	bm = dlt_calloc(n / 8 + 2, 1);
	if (is_list)
		off = dlt_malloc((n + 2) * sizeof(int32_t));
	if (bm == NULL || (is_list && off == NULL)) {
		dlt_free(bm);
		dlt_free(off);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		int16_t d = lvl(def, i), r = lvl(rep, i);
		if (r <= node->slot_rep && d >= node->slot_def) {
			if (is_list)
				off[slots] = (int32_t)elems;
			if (d >= node->def)
				bm[slots >> 3] |= (uint8_t)(1u << (slots & 7));
			else
				nulls++;
			slots++;
		}
		if (is_list && r <= node->rep && d >= node->elem_def) {
			if (elems >= INT32_MAX) {
				dlt_free(bm);
				dlt_free(off);
				return dlt_error_set(err, DLT_ELIMIT, "column '%s': list too long", node->path);
			}
			elems++;
		}
	}
	if (is_list)
		off[slots] = (int32_t)elems;
	if (nulls == 0) {
		dlt_free(bm);
		bm = NULL;
	}
	*bm_out = bm;
	*len_out = slots;
	*nulls_out = nulls;
	if (offsets_out)
		*offsets_out = off;
	if (child_len_out)
		*child_len_out = elems;
	return DLT_OK;
}

static int leaf_array(struct ArrowArray *out, pq_chunk *c, dlt_error *err)
{
	const dlt_pq_node *l = c->leaf;
	uint8_t *bm = NULL;
	int64_t nslots = 0, nulls = 0;
	int rc;

	if (l->conv == DLT_PQC_NULL) {
		if ((rc = dlt_array__init(out, 0, 0, err)) < 0)
			return rc;
		out->length = c->n_slots;
		out->null_count = c->n_slots;
		return DLT_OK;
	}
	if (c->flat) {
		nslots = (int64_t)c->n_levels;
		nulls = (int64_t)(c->n_levels - c->n_valid);
		if (nulls > 0) /* hand the bitmap out; else keep it for the next row group */
			bm = rec_detach(c->rec, &c->valid);
		if (nulls > 0)
			c->cap_levels = 0;
		if (nulls > 0 && bm == NULL)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	} else if ((rc = node_validity(&bm, &nslots, &nulls, c, l, NULL, NULL, err)) < 0) {
		return rc;
	}
	if (nslots != c->n_slots) {
		dlt_free(bm);
		return chunk_err(c, err, "%s", "levels and values disagree");
	}
	if (c->dict_mode) {
		int32_t *doff;
		if ((rc = dlt_array__init(out, 2, 0, err)) < 0)
			goto fail;
		dlt_array__set_buffer(out, 0, bm);
		bm = NULL;
		if (c->vals.data == NULL && (rc = dlt_buf_reserve(&c->vals, 4, err)) < 0)
			goto fail;
		dlt_array__set_buffer(out, 1, dlt_buf_detach(&c->vals, NULL));
		out->length = nslots;
		out->null_count = nulls;
		if ((rc = dlt_array__alloc_dictionary(out, err)) < 0 ||
		    (rc = dlt_array__init(out->dictionary, 3, 0, err)) < 0)
			goto fail;
		if (c->dict_off.len == 0) {
			int32_t z = 0;
			if ((rc = dlt_buf_append(&c->dict_off, &z, 4, err)) < 0)
				goto fail;
		}
		if (c->dict_data.data == NULL && (rc = dlt_buf_reserve(&c->dict_data, 1, err)) < 0)
			goto fail;
		doff = (int32_t *)(void *)c->dict_off.data;
		(void)doff;
		out->dictionary->length = (int64_t)c->dict_len;
		out->dictionary->null_count = 0;
		dlt_array__set_buffer(out->dictionary, 1, dlt_buf_detach(&c->dict_off, NULL));
		dlt_array__set_buffer(out->dictionary, 2, dlt_buf_detach(&c->dict_data, NULL));
		return DLT_OK;
	}
	if (l->conv == DLT_PQC_BINARY) {
		if ((rc = dlt_array__init(out, 3, 0, err)) < 0)
			goto fail;
		if (c->vals.len == 0) {
			int32_t z = 0;
			if ((rc = dlt_buf_append(&c->vals, &z, 4, err)) < 0)
				goto fail;
		}
		if (c->data.data == NULL && (rc = dlt_buf_reserve(&c->data, 1, err)) < 0)
			goto fail;
		dlt_array__set_buffer(out, 0, bm);
		bm = NULL;
		c->data_hint = c->data.len;
		c->hint_slots = (size_t)c->n_slots;
		dlt_array__set_buffer(out, 1, rec_detach(c->rec, &c->vals));
		dlt_array__set_buffer(out, 2, rec_detach(c->rec, &c->data));
	} else if (l->conv == DLT_PQC_BOOL) {
		uint8_t *bits = NULL;
		if ((rc = dlt_array__init(out, 2, 0, err)) < 0)
			goto fail;
		if (bitmap_from_bytes(&bits, c->vals.data ? c->vals.data : (const uint8_t *)"", nslots) <
		    0) {
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
			goto fail;
		}
		dlt_array__set_buffer(out, 0, bm);
		bm = NULL;
		dlt_array__set_buffer(out, 1, bits);
	} else {
		if ((rc = dlt_array__init(out, 2, 0, err)) < 0)
			goto fail;
		if (c->vals.data == NULL && (rc = dlt_buf_reserve(&c->vals, 16, err)) < 0)
			goto fail;
		dlt_array__set_buffer(out, 0, bm);
		bm = NULL;
		dlt_array__set_buffer(out, 1, rec_detach(c->rec, &c->vals));
	}
	out->length = nslots;
	out->null_count = nulls;
	return DLT_OK;
fail:
	dlt_free(bm);
	dlt_array__release(out);
	return rc;
}

static int build_array(struct ArrowArray *out, pq_rg *r, const dlt_pq_node *node, dlt_error *err)
{
	uint8_t *bm = NULL;
	int32_t *off = NULL;
	int64_t len = 0, nulls = 0, child_len = 0;
	size_t i, k, nk = 0;
	pq_chunk *c;
	int rc;
	int first = -1;

	if (node->kind == DLT_PQN_LEAF)
		return leaf_array(out, &r->chunks[node->leaf], err);
	for (i = (size_t)node->first_leaf; node->first_leaf >= 0 &&
	                                   i < (size_t)(node->first_leaf + node->n_leaves);
	     i++) {
		if (r->keep == NULL || r->keep[i]) {
			first = (int)i;
			break;
		}
	}
	if (first < 0)
		return dlt_error_set(err, DLT_ERROR, "internal: node '%s' without a kept leaf",
		                     node->path);
	c = &r->chunks[first];
	if ((rc = node_validity(&bm, &len, &nulls, c, node, &off, &child_len, err)) < 0)
		return rc;
	if (node->kind == DLT_PQN_STRUCT) {
		for (i = 0; i < node->n_children; i++)
			nk += dlt_parquet__node_kept(node->children[i], r->keep);
		if ((rc = dlt_array__init(out, 1, (int64_t)nk, err)) < 0)
			goto fail;
		for (i = 0, k = 0; i < node->n_children; i++) {
			if (!dlt_parquet__node_kept(node->children[i], r->keep))
				continue;
			if ((rc = build_array(out->children[k], r, node->children[i], err)) < 0)
				goto fail;
			if (out->children[k]->length != len) {
				rc = dlt_error_set(err, DLT_ECORRUPT,
				                   "row group %d: columns under '%s' disagree on their "
				                   "length (%" PRId64 " vs %" PRId64 ")",
				                   r->rg, node->path, out->children[k]->length, len);
				goto fail;
			}
			k++;
		}
	} else {
		const bool *keep = node->kind == DLT_PQN_MAP ? NULL : r->keep;
		pq_rg sub = *r;
		sub.keep = keep;
		if ((rc = dlt_array__init(out, 2, 1, err)) < 0)
			goto fail;
		if ((rc = build_array(out->children[0], &sub, node->children[0], err)) < 0)
			goto fail;
		if (out->children[0]->length != child_len) {
			rc = dlt_error_set(err, DLT_ECORRUPT,
			                   "row group %d: list '%s' has %" PRId64
			                   " elements but its values %" PRId64,
			                   r->rg, node->path, child_len, out->children[0]->length);
			goto fail;
		}
		dlt_array__set_buffer(out, 1, off);
		off = NULL;
	}
	dlt_array__set_buffer(out, 0, bm);
	bm = NULL;
	out->length = len;
	out->null_count = nulls;
	return DLT_OK;
fail:
	dlt_free(bm);
	dlt_free(off);
	dlt_array__release(out);
	return rc;
}

/* Decode row group `rg` (projected by keep) into one struct array. */
static int read_row_group(struct ArrowArray *out, dlt_parquet_file *f, pq_chunk *chunks,
                          pq_recycler *rec, int rg, const bool *keep, int threads, bool verify,
                          const pq_pagesel *sel, int64_t nrows, dlt_error *err)
{
	pq_rg r;
	size_t i, k, nk = 0;
	int rc;
	const dlt_pq_node *root = f->schema.root;

	memset(&r, 0, sizeof(r));
	memset(out, 0, sizeof(*out));
	r.f = f;
	r.rg = rg;
	r.keep = keep;
	r.dict_mode = f->dictionary;
	r.verify = verify;
	r.sel = sel;
	r.chunks = chunks;
	r.tasks = dlt_calloc(f->schema.n_leaves + 1, sizeof(int));
	if (r.tasks == NULL) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < f->schema.n_leaves; i++)
		if (keep == NULL || keep[i])
			r.tasks[r.n_tasks++] = (int)i;
	for (i = 0; i < f->schema.n_leaves; i++)
		chunks[i].rec = rec;
	rec_begin(rec);
	if (threads > 1) {
		/* biggest chunks first, so that no big one is left for the end */
		const dlt_pq_row_group *g = &f->meta->row_groups[rg];
		for (i = 1; i < r.n_tasks; i++) {
			int t = r.tasks[i];
			int64_t w = g->columns[t].meta ? g->columns[t].meta->total_uncompressed_size : 0;
			size_t j = i;
			while (j > 0) {
				int u = r.tasks[j - 1];
				int64_t wu = g->columns[u].meta ? g->columns[u].meta->total_uncompressed_size : 0;
				if (wu >= w)
					break;
				r.tasks[j] = u;
				j--;
			}
			r.tasks[j] = t;
		}
	}
	if ((rc = dlt_pool__run(threads, r.n_tasks, rg_task, &r, err)) < 0)
		goto done;
	for (i = 0; i < root->n_children; i++)
		nk += dlt_parquet__node_kept(root->children[i], keep);
	if ((rc = dlt_array__init(out, 1, (int64_t)nk, err)) < 0)
		goto done;
	for (i = 0, k = 0; i < root->n_children; i++) {
		if (!dlt_parquet__node_kept(root->children[i], keep))
			continue;
		if ((rc = build_array(out->children[k], &r, root->children[i], err)) < 0)
			goto done;
		if (out->children[k]->length != nrows) {
			rc = dlt_error_set(err, DLT_ECORRUPT,
			                   "row group %d: column '%s' has %" PRId64
			                   " rows, the row group %" PRId64,
			                   rg, root->children[i]->path, out->children[k]->length, nrows);
			goto done;
		}
		k++;
	}
	out->length = nrows;
	out->null_count = 0;
	rc = DLT_OK;
done:
	dlt_free(r.tasks);
	if (rc < 0) {
		dlt_array__release(out);
		rec_fail(rec);
		if (err != NULL && err->path[0] == 0)
			dlt_error_set_path(err, f->name);
	}
	return rc;
}

/* ------------------------------------------------------------------ statistics */

static void stat_value(dlt_parquet_value *v, const dlt_pq_node *l, dlt_pq_bytes b)
{
	memset(v, 0, sizeof(*v));
	v->physical = l->ptype;
	if (b.data == NULL)
		return;
	switch (l->ptype) {
	case DLT_PQ_TYPE_BOOLEAN:
		if (b.len < 1)
			return;
		v->i64 = b.data[0] & 1;
		break;
	case DLT_PQ_TYPE_INT32: {
		int32_t x;
		if (b.len != 4)
			return;
		memcpy(&x, b.data, 4);
		v->i64 = l->is_unsigned ? (int64_t)(uint32_t)x : x;
		break;
	}
	case DLT_PQ_TYPE_INT64:
		if (b.len != 8)
			return;
		memcpy(&v->i64, b.data, 8);
		break;
	case DLT_PQ_TYPE_FLOAT: {
		float x;
		if (b.len != 4)
			return;
		memcpy(&x, b.data, 4);
		v->f64 = x;
		break;
	}
	case DLT_PQ_TYPE_DOUBLE:
		if (b.len != 8)
			return;
		memcpy(&v->f64, b.data, 8);
		break;
	default:
		break;
	}
	v->bytes = b.data;
	v->len = b.len;
	v->present = 1;
}

static int fill_stats(dlt_parquet_column_stats *cs, const dlt_parquet_file *f, int rg)
{
	size_t i;
	for (i = 0; i < f->schema.n_leaves; i++) {
		const dlt_pq_node *l = f->schema.leaves[i];
		const dlt_pq_column_meta *cm = f->meta->row_groups[rg].columns[i].meta;
		dlt_parquet_column_stats *s = &cs[i];
		memset(s, 0, sizeof(*s));
		s->path = l->path;
		s->field_id = l->el->has_field_id ? l->el->field_id : -1;
		s->column = (int)i;
		s->physical = l->ptype;
		s->is_unsigned = l->is_unsigned;
		s->null_count = -1;
		if (cm == NULL)
			continue;
		s->num_values = cm->num_values;
		if (!cm->statistics.present)
			continue;
		if (cm->statistics.has_null_count)
			s->null_count = cm->statistics.null_count;
		if (cm->statistics.min_value.data != NULL || cm->statistics.max_value.data != NULL) {
			stat_value(&s->min, l, cm->statistics.min_value);
			stat_value(&s->max, l, cm->statistics.max_value);
		} else if (!l->is_unsigned && l->ptype != DLT_PQ_TYPE_BYTE_ARRAY &&
		           l->ptype != DLT_PQ_TYPE_FIXED_LEN_BYTE_ARRAY &&
		           l->ptype != DLT_PQ_TYPE_INT96 && l->conv != DLT_PQC_I32_TO_DEC128 &&
		           l->conv != DLT_PQC_I64_TO_DEC128) {
			/* legacy min/max: signed order, trusted for signed types only */
			stat_value(&s->min, l, cm->statistics.min);
			stat_value(&s->max, l, cm->statistics.max);
		}
	}
	return DLT_OK;
}

/* ------------------------------------------------------------------ stream */

typedef struct pq_stream {
	dlt_parquet_file *f;
	bool *keep;
	int64_t *rgs;
	size_t n_rgs, next_rg;
	int64_t batch_size;
	int threads;
	bool verify;
	dlt_parquet_row_group_cb filter;
	void *filter_payload;
	dlt_parquet_page_cb page_filter;
	void *page_filter_payload;
	pq_pagesel *sel;           /* per leaf, for the current row group */
	dlt_parquet_column_stats *stats;
	pq_chunk *chunks;          /* per leaf, reused across row groups */
	pq_recycler *rec;
	dlt_pq_carry *carry;       /* taken from: chunks and rec go back to it */
	dlt_shared_array *cur;
	int64_t cur_rows, cur_pos;
	struct ArrowSchema schema; /* projected (for dlt_shared__export_child shapes) */
} pq_stream;

/* ------------------------------------------------------------------ carry */

/* What a chunk's work buffers depend on in its leaf (the leaf itself belongs
 * to a file that is gone when the buffers are carried to the next one). */
typedef struct pq_shape {
	bool used;
	int16_t max_def, max_rep;
	int ptype;
	int32_t type_length;
	dlt_pq_conv conv;
	int arrow_width;
	bool is_string, dict_ok, is_unsigned;
	char format[40];
} pq_shape;

struct dlt_pq_carry {
	pq_chunk *chunks;
	pq_shape *shapes;
	size_t n;
	pq_recycler *rec;
	bool busy;
};

static void shape_of(pq_shape *sh, const dlt_pq_node *l)
{
	memset(sh, 0, sizeof(*sh));
	sh->used = true;
	sh->max_def = l->max_def;
	sh->max_rep = l->max_rep;
	sh->ptype = l->ptype;
	sh->type_length = l->type_length;
	sh->conv = l->conv;
	sh->arrow_width = l->arrow_width;
	sh->is_string = l->is_string;
	sh->dict_ok = l->dict_ok;
	sh->is_unsigned = l->is_unsigned;
	memcpy(sh->format, l->format, sizeof(sh->format));
}

static void carry_drop(dlt_pq_carry *c)
{
	size_t i;
	for (i = 0; c->chunks != NULL && i < c->n; i++)
		chunk_dispose(&c->chunks[i]);
	dlt_free(c->chunks);
	dlt_free(c->shapes);
	c->chunks = NULL;
	c->shapes = NULL;
	c->n = 0;
}

int dlt_pq__carry_new(dlt_pq_carry **out, dlt_error *err)
{
	if ((*out = dlt_calloc(1, sizeof(**out))) == NULL)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	return DLT_OK;
}

void dlt_pq__carry_free(dlt_pq_carry *c)
{
	if (c == NULL)
		return;
	carry_drop(c);
	rec_close(c->rec);
	dlt_free(c);
}

/* A new stream takes the carried state: chunks whose leaf has the same shape
 * keep their buffers (rebound to the new leaf), the others are freed. */
static void carry_take(pq_stream *s, dlt_pq_carry *c)
{
	size_t i, n = s->f->schema.n_leaves;
	if (c == NULL || c->busy)
		return;
	for (i = 0; i < c->n; i++) {
		pq_shape sh;
		if (i < n && c->shapes[i].used) {
			shape_of(&sh, s->f->schema.leaves[i]);
			if (memcmp(&sh, &c->shapes[i], sizeof(sh)) == 0) {
				s->chunks[i] = c->chunks[i];
				s->chunks[i].leaf = s->f->schema.leaves[i];
				memset(&c->chunks[i], 0, sizeof(c->chunks[i])); /* moved */
				continue;
			}
		}
		chunk_dispose(&c->chunks[i]);
	}
	carry_drop(c);
	if (c->rec != NULL) {
		rec_close(s->rec);
		s->rec = c->rec;
		c->rec = NULL;
	}
	c->busy = true;
	s->carry = c;
}

/* The stream ends: its chunks and recycler go back to the carry (when the
 * shape array cannot be had, they are simply freed). */
static void carry_give(pq_stream *s)
{
	dlt_pq_carry *c = s->carry;
	size_t i, n = s->f->schema.n_leaves;
	pq_shape *shapes = dlt_calloc(n + 1, sizeof(*shapes));
	c->busy = false;
	if (shapes == NULL || s->chunks == NULL) {
		dlt_free(shapes);
		return;
	}
	for (i = 0; i < n; i++) {
		pq_chunk *ch = &s->chunks[i];
		if (ch->leaf != NULL)
			shape_of(&shapes[i], ch->leaf);
		ch->leaf = NULL;
		ch->rec = NULL;
	}
	c->chunks = s->chunks;
	c->shapes = shapes;
	c->n = n;
	s->chunks = NULL;
	c->rec = s->rec;
	s->rec = NULL;
}

/* ------------------------------------------------------------------ page index */

static void sel_clear(pq_stream *s)
{
	size_t i;
	for (i = 0; i < s->f->schema.n_leaves; i++) {
		dlt_pq__offset_index_free(s->sel[i].oi);
		dlt_pq__column_index_free(s->sel[i].ci);
		dlt_free(s->sel[i].keep);
		memset(&s->sel[i], 0, sizeof(s->sel[i]));
	}
}

/* Read and decode an index structure; any problem -> no index (NULL), the
 * page filter then keeps every page of that column. */
static void load_index(pq_stream *s, int leaf, const dlt_pq_column_chunk *cc)
{
	dlt_parquet_file *f = s->f;
	pq_pagesel *ps = &s->sel[leaf];
	uint8_t *buf = NULL;
	dlt_error e;
	int k;

	for (k = 0; k < 2; k++) {
		bool has = k == 0 ? cc->has_offset_index : cc->has_column_index;
		int64_t off = k == 0 ? cc->offset_index_offset : cc->column_index_offset;
		int32_t len = k == 0 ? cc->offset_index_length : cc->column_index_length;
		if (!has || off < 0 || len <= 0 || len > (1 << 26) || (uint64_t)off > f->size ||
		    (uint64_t)len > f->size - (uint64_t)off)
			continue;
		buf = dlt_malloc((size_t)len);
		if (buf == NULL)
			continue;
		dlt_error_clear(&e);
		if (dlt_input_read_exact(f->in, (uint64_t)off, buf, (size_t)len, &e) == 0) {
			if (k == 0)
				(void)dlt_pq__offset_index_decode(&ps->oi, buf, (size_t)len, &e);
			else
				(void)dlt_pq__column_index_decode(&ps->ci, buf, (size_t)len, &e);
		}
		dlt_free(buf);
		buf = NULL;
	}
}

/* Is the offset index usable for this chunk (pages in order, inside the chunk,
 * rows starting at 0 and increasing)? Sets dict_end. */
static bool oi_check(pq_pagesel *ps, const dlt_pq_column_meta *cm, int64_t nrows)
{
	const dlt_pq_offset_index *oi = ps->oi;
	int64_t start, end;
	size_t k;
	if (oi == NULL || cm == NULL || oi->num_pages == 0 || oi->pages[0].first_row_index != 0)
		return false;
	start = cm->data_page_offset;
	if (cm->has_dictionary_page_offset && cm->dictionary_page_offset > 0 &&
	    cm->dictionary_page_offset < start)
		start = cm->dictionary_page_offset;
	if (start < 4 || cm->total_compressed_size < 0 ||
	    dlt_add_overflow_i64(start, cm->total_compressed_size, &end))
		return false;
	for (k = 0; k < oi->num_pages; k++) {
		const dlt_pq_page_location *pl = &oi->pages[k];
		int64_t pend;
		if (pl->compressed_page_size <= 0 || pl->offset < start ||
		    dlt_add_overflow_i64(pl->offset, pl->compressed_page_size, &pend) || pend > end ||
		    pl->first_row_index < 0 || pl->first_row_index >= DLT_MAX(nrows, (int64_t)1))
			return false;
		if (k > 0 && (pl->first_row_index <= oi->pages[k - 1].first_row_index ||
		              pl->offset < oi->pages[k - 1].offset +
		                               oi->pages[k - 1].compressed_page_size))
			return false;
	}
	ps->dict_end = oi->pages[0].offset;
	if (ps->ci != NULL && ps->ci->num_pages != oi->num_pages) {
		dlt_pq__column_index_free(ps->ci);
		ps->ci = NULL;
	}
	return true;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Last page of oi starting at or before row `row`. */
static size_t page_at(const dlt_pq_offset_index *oi, int64_t row)
{
	size_t lo = 0, hi = oi->num_pages;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (oi->pages[mid].first_row_index <= row)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Ask the page filter about row group rg. Returns 1 to read it (s->sel filled
 * and *use_sel set when only some pages are read; *rows: rows that will be
 * read), 0 to skip it entirely, or a negative dlt_code.
 */
static int plan_pages(pq_stream *s, int64_t rg, bool *use_sel, int64_t *rows, dlt_error *err)
{
	dlt_parquet_file *f = s->f;
	const dlt_pq_row_group *g = &f->meta->row_groups[rg];
	size_t nl = f->schema.n_leaves, i, nb = 0, nseg, j, n_keep = 0;
	int64_t nrows = g->num_rows, *bounds = NULL;
	bool *segkeep = NULL, all_oi = true, changed;
	int rc = 1;

	*use_sel = false;
	*rows = nrows;
	sel_clear(s);
	for (i = 0; i < nl; i++) {
		load_index(s, (int)i, &g->columns[i]);
		if (!oi_check(&s->sel[i], g->columns[i].meta, nrows)) {
			dlt_pq__offset_index_free(s->sel[i].oi);
			dlt_pq__column_index_free(s->sel[i].ci);
			s->sel[i].oi = NULL;
			s->sel[i].ci = NULL;
		}
		if (s->sel[i].oi != NULL)
			nb += s->sel[i].oi->num_pages;
		else if (s->keep == NULL || s->keep[i])
			all_oi = false;
	}
	if (nb == 0 || nrows == 0)
		goto out; /* no page index: read it all */
	bounds = dlt_malloc((nb + 2) * sizeof(int64_t));
	segkeep = dlt_calloc(nb + 2, sizeof(bool));
	if (bounds == NULL || segkeep == NULL) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto out;
	}
	nb = 0;
	for (i = 0; i < nl; i++)
		for (j = 0; s->sel[i].oi != NULL && j < s->sel[i].oi->num_pages; j++)
			bounds[nb++] = s->sel[i].oi->pages[j].first_row_index;
	bounds[nb++] = nrows;
	qsort(bounds, nb, sizeof(int64_t), cmp_i64);
	for (i = 1, j = 1; i < nb; i++)
		if (bounds[i] != bounds[j - 1])
			bounds[j++] = bounds[i];
	nseg = j - 1; /* segments [bounds[k], bounds[k+1]) */
	for (j = 0; j < nseg; j++) {
		int keep;
		fill_stats(s->stats, f, (int)rg);
		for (i = 0; i < nl; i++) {
			const pq_pagesel *ps = &s->sel[i];
			dlt_parquet_column_stats *cs = &s->stats[i];
			size_t pg;
			int64_t pend;
			if (ps->oi == NULL || ps->ci == NULL)
				continue; /* the row group's statistics hold for every range */
			pg = page_at(ps->oi, bounds[j]);
			pend = pg + 1 < ps->oi->num_pages ? ps->oi->pages[pg + 1].first_row_index : nrows;
			cs->num_values = pend - ps->oi->pages[pg].first_row_index;
			cs->null_count = ps->ci->null_counts ? ps->ci->null_counts[pg] : -1;
			if (ps->ci->null_pages[pg]) {
				memset(&cs->min, 0, sizeof(cs->min));
				memset(&cs->max, 0, sizeof(cs->max));
				cs->null_count = cs->num_values;
			} else {
				stat_value(&cs->min, f->schema.leaves[i], ps->ci->min_values[pg]);
				stat_value(&cs->max, f->schema.leaves[i], ps->ci->max_values[pg]);
			}
		}
		keep = s->page_filter(rg, bounds[j], bounds[j + 1] - bounds[j], s->stats, nl,
		                      s->page_filter_payload);
		if (keep < 0) {
			rc = dlt_error_set(err, keep,
			                   "page filter failed on row group %" PRId64 " rows %" PRId64
			                   "..%" PRId64,
			                   rg, bounds[j], bounds[j + 1]);
			goto out;
		}
		segkeep[j] = keep != 0;
		n_keep += segkeep[j];
	}
	if (n_keep == 0) {
		int64_t skipped = 0;
		for (i = 0; i < nl; i++)
			if (s->sel[i].oi != NULL && (s->keep == NULL || s->keep[i]))
				skipped += (int64_t)s->sel[i].oi->num_pages;
		__atomic_fetch_add(&f->counters.pages_skipped, skipped, __ATOMIC_RELAXED);
		rc = 0;
		goto out;
	}
	if (n_keep == nseg || !all_oi)
		goto out; /* every page (or a column cannot skip: read it all) */
	/* widen the kept ranges to whole pages of every projected column, until stable */
	do {
		changed = false;
		for (i = 0; i < nl; i++) {
			const dlt_pq_offset_index *oi = s->sel[i].oi;
			size_t pg;
			if (oi == NULL || (s->keep != NULL && !s->keep[i]))
				continue;
			for (pg = 0; pg < oi->num_pages; pg++) {
				int64_t a = oi->pages[pg].first_row_index;
				int64_t b = pg + 1 < oi->num_pages ? oi->pages[pg + 1].first_row_index : nrows;
				size_t k, lo = 0, hi = nseg;
				bool any = false, every = true;
				while (lo < hi) { /* first segment starting at a */
					size_t mid = (lo + hi) / 2;
					if (bounds[mid] < a)
						lo = mid + 1;
					else
						hi = mid;
				}
				for (k = lo; k < nseg && bounds[k] < b; k++) {
					any |= segkeep[k];
					every &= segkeep[k];
				}
				if (any && !every) {
					for (k = lo; k < nseg && bounds[k] < b; k++)
						segkeep[k] = true;
					changed = true;
				}
			}
		}
	} while (changed);
	*rows = 0;
	for (j = 0; j < nseg; j++)
		if (segkeep[j])
			*rows += bounds[j + 1] - bounds[j];
	for (i = 0; i < nl; i++) {
		pq_pagesel *ps = &s->sel[i];
		size_t pg;
		int64_t skipped = 0;
		if (ps->oi == NULL || (s->keep != NULL && !s->keep[i]))
			continue;
		ps->keep = dlt_calloc(ps->oi->num_pages + 1, sizeof(bool));
		if (ps->keep == NULL) {
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
			goto out;
		}
		for (pg = 0; pg < ps->oi->num_pages; pg++) {
			size_t seg = 0, hi = nseg;
			int64_t a = ps->oi->pages[pg].first_row_index;
			while (seg < hi) {
				size_t mid = (seg + hi) / 2;
				if (bounds[mid] < a)
					seg = mid + 1;
				else
					hi = mid;
			}
			ps->keep[pg] = seg < nseg && segkeep[seg];
			skipped += !ps->keep[pg];
		}
		__atomic_fetch_add(&f->counters.pages_skipped, skipped, __ATOMIC_RELAXED);
	}
	*use_sel = true;
out:
	dlt_free(bounds);
	dlt_free(segkeep);
	return rc;
}

static void stream_free(void *state)
{
	pq_stream *s = state;
	if (s == NULL)
		return;
	dlt_shared__release(s->cur);
	if (s->carry != NULL)
		carry_give(s);
	if (s->chunks != NULL) {
		size_t i;
		for (i = 0; i < s->f->schema.n_leaves; i++)
			chunk_dispose(&s->chunks[i]);
		dlt_free(s->chunks);
	}
	rec_close(s->rec);
	if (s->sel != NULL) {
		size_t i;
		for (i = 0; i < s->f->schema.n_leaves; i++) {
			dlt_pq__offset_index_free(s->sel[i].oi);
			dlt_pq__column_index_free(s->sel[i].ci);
			dlt_free(s->sel[i].keep);
		}
		dlt_free(s->sel);
	}
	dlt_free(s->keep);
	dlt_free(s->rgs);
	dlt_free(s->stats);
	dlt_schema__release(&s->schema);
	dlt_free(s);
}

static int stream_next(void *state, struct ArrowArray *out, dlt_error *err)
{
	pq_stream *s = state;
	int rc;

	memset(out, 0, sizeof(*out));
	while (s->cur == NULL || s->cur_pos >= s->cur_rows) {
		struct ArrowArray rga;
		int64_t rg;
		if (s->cur != NULL) {
			dlt_shared__release(s->cur);
			s->cur = NULL;
		}
		if (s->next_rg >= s->n_rgs)
			return DLT_OK; /* end */
		rg = s->rgs[s->next_rg++];
		if (s->filter != NULL) {
			int keep;
			fill_stats(s->stats, s->f, (int)rg);
			keep = s->filter(rg, s->f->meta->row_groups[rg].num_rows, s->stats,
			                 s->f->schema.n_leaves, s->filter_payload);
			if (keep < 0)
				return dlt_error_set(err, keep, "row group filter failed on row group %" PRId64,
				                     rg);
			if (keep == 0) {
				__atomic_fetch_add(&s->f->counters.row_groups_skipped, 1, __ATOMIC_RELAXED);
				continue;
			}
		}
		{
			bool use_sel = false;
			int64_t rows = s->f->meta->row_groups[rg].num_rows;
			if (s->page_filter != NULL) {
				rc = plan_pages(s, rg, &use_sel, &rows, err);
				if (rc < 0)
					return rc;
				if (rc == 0) {
					__atomic_fetch_add(&s->f->counters.row_groups_skipped, 1,
					                   __ATOMIC_RELAXED);
					continue;
				}
			}
			rc = read_row_group(&rga, s->f, s->chunks, s->rec, (int)rg, s->keep, s->threads,
			                    s->verify, use_sel ? s->sel : NULL, rows, err);
		}
		if (rc < 0)
			return rc;
		__atomic_fetch_add(&s->f->counters.row_groups_read, 1, __ATOMIC_RELAXED);
		rec_adopt(s->rec, &rga);
		s->cur_rows = rga.length;
		s->cur_pos = 0;
		if ((rc = dlt_array__share(&s->cur, &rga, err)) < 0) {
			dlt_array__release(&rga); /* not moved on failure */
			return rc;
		}
	}
	{
		int64_t n = DLT_MIN(s->batch_size, s->cur_rows - s->cur_pos);
		if (s->cur_pos == 0 && n == s->cur_rows) {
			rc = dlt_shared__export(out, s->cur, 0, n, err);
		} else {
			rc = dlt_shared__export(out, s->cur, s->cur_pos, n, err);
		}
		if (rc < 0)
			return rc;
		s->cur_pos += n;
	}
	return DLT_OK;
}

static bool path_matches(const char *path, const char *want)
{
	size_t n = strlen(want);
	return strncmp(path, want, n) == 0 && (path[n] == 0 || path[n] == '.');
}

static void mark_subtree(const dlt_pq_node *n, bool *keep)
{
	int i;
	for (i = 0; i < n->n_leaves; i++)
		keep[n->first_leaf + i] = true;
}

static bool mark_field_id(const dlt_pq_node *n, int32_t id, bool *keep)
{
	size_t i;
	bool any = false;
	if (n->el != NULL && n->el->has_field_id && n->el->field_id == id && n->n_leaves > 0 &&
	    n->kind != DLT_PQN_STRUCT) {
		mark_subtree(n, keep);
		return true;
	}
	if (n->el != NULL && n->el->has_field_id && n->el->field_id == id && n->n_leaves > 0) {
		mark_subtree(n, keep);
		return true;
	}
	for (i = 0; i < n->n_children; i++)
		any |= mark_field_id(n->children[i], id, keep);
	return any;
}

/* Maps are read whole: selecting part of one selects all of it. */
static void widen_maps(const dlt_pq_node *n, bool *keep)
{
	size_t i;
	if (n->kind == DLT_PQN_MAP && dlt_parquet__node_kept(n, keep)) {
		mark_subtree(n, keep);
		return;
	}
	for (i = 0; i < n->n_children; i++)
		widen_maps(n->children[i], keep);
}

int dlt_parquet_read(struct ArrowArrayStream *out, dlt_parquet_file *f,
                     const dlt_parquet_read_options *opts, dlt_error *err)
{
	return dlt_parquet__read_carry(out, f, opts, NULL, err);
}

int dlt_parquet__read_carry(struct ArrowArrayStream *out, dlt_parquet_file *f,
                            const dlt_parquet_read_options *opts, dlt_pq_carry *carry,
                            dlt_error *err)
{
	pq_stream *s = NULL;
	struct ArrowSchema sch;
	size_t i, j;
	int rc;

	memset(&sch, 0, sizeof(sch));
	if (out == NULL || f == NULL)
		return dlt_error_set(err, DLT_EINVAL, "dlt_parquet_read: invalid argument");
	memset(out, 0, sizeof(*out));
	if (opts != NULL && (opts->version == 0 || opts->version > DLT_PARQUET_READ_OPTIONS_VERSION))
		return dlt_error_set(err, DLT_EINVAL, "parquet read options: unknown version %u",
		                     opts->version);
	s = dlt_calloc(1, sizeof(*s));
	if (s == NULL)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	s->f = f;
	s->batch_size = f->batch_size;
	s->threads = f->threads;
	s->verify = f->verify_checksums;
	s->stats = dlt_calloc(f->schema.n_leaves + 1, sizeof(dlt_parquet_column_stats));
	s->chunks = dlt_calloc(f->schema.n_leaves + 1, sizeof(pq_chunk));
	s->rec = rec_new();
	s->sel = dlt_calloc(f->schema.n_leaves + 1, sizeof(pq_pagesel));
	if (s->stats == NULL || s->chunks == NULL || s->rec == NULL || s->sel == NULL) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto fail;
	}
	carry_take(s, carry);
	if (opts != NULL) {
		if (opts->batch_size > 0)
			s->batch_size = opts->batch_size;
		s->threads = opts->threads;
		s->verify = opts->verify_checksums != 0;
		s->filter = opts->row_group_filter;
		s->filter_payload = opts->row_group_filter_payload;
		if (opts->version >= 2) {
			s->page_filter = opts->page_filter;
			s->page_filter_payload = opts->page_filter_payload;
		}
		if ((opts->columns != NULL && opts->n_columns > 0) ||
		    (opts->field_ids != NULL && opts->n_field_ids > 0)) {
			s->keep = dlt_calloc(f->schema.n_leaves + 1, sizeof(bool));
			if (s->keep == NULL) {
				rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
				goto fail;
			}
			for (i = 0; opts->columns != NULL && i < opts->n_columns; i++) {
				bool found = false;
				if (opts->columns[i] == NULL) {
					rc = dlt_error_set(err, DLT_EINVAL, "projection: NULL column name");
					goto fail;
				}
				for (j = 0; j < f->schema.n_leaves; j++) {
					if (path_matches(f->schema.leaves[j]->path, opts->columns[i])) {
						s->keep[j] = true;
						found = true;
					}
				}
				if (!found) {
					rc = dlt_error_set(err, DLT_ENOTFOUND, "column '%s' not found in %s",
					                   opts->columns[i], f->name);
					goto fail;
				}
			}
			for (i = 0; opts->field_ids != NULL && i < opts->n_field_ids; i++) {
				if (!mark_field_id(f->schema.root, opts->field_ids[i], s->keep)) {
					rc = dlt_error_set(err, DLT_ENOTFOUND, "field id %d not found in %s",
					                   (int)opts->field_ids[i], f->name);
					goto fail;
				}
			}
			widen_maps(f->schema.root, s->keep);
		}
	}
	if (opts != NULL && opts->row_groups != NULL) {
		s->n_rgs = opts->n_row_groups;
		s->rgs = dlt_calloc(s->n_rgs + 1, sizeof(int64_t));
		if (s->rgs == NULL) {
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
			goto fail;
		}
		for (i = 0; i < s->n_rgs; i++) {
			if (opts->row_groups[i] < 0 ||
			    (uint64_t)opts->row_groups[i] >= f->meta->num_row_groups) {
				rc = dlt_error_set(err, DLT_EINVAL,
				                   "row group %" PRId64 " out of range (file has %zu)",
				                   opts->row_groups[i], f->meta->num_row_groups);
				goto fail;
			}
			s->rgs[i] = opts->row_groups[i];
		}
	} else {
		s->n_rgs = f->meta->num_row_groups;
		s->rgs = dlt_calloc(s->n_rgs + 1, sizeof(int64_t));
		if (s->rgs == NULL) {
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
			goto fail;
		}
		for (i = 0; i < s->n_rgs; i++)
			s->rgs[i] = (int64_t)i;
	}
	if ((rc = dlt_parquet__schema_to_arrow(&sch, f->schema.root, s->keep, f->dictionary, err)) <
	    0)
		goto fail;
	return dlt_stream__new(out, &sch, stream_next, stream_free, s, err);
fail:
	stream_free(s);
	return file_error(f, err, rc);
}
