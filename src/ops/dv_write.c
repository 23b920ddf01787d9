/*
 * Writing deletion vectors (PROTOCOL.md#deletion-vector-format):
 *
 *   serialized DV = magic 1681511377 (uint32 LE), numBuckets (uint64 LE),
 *                   per bucket (ascending): key = high 32 bits (uint32 LE),
 *                   portable 32-bit RoaringBitmap of the low 32 bits;
 *   DV file       = version byte 1, then per DV: dataSize (int32 BE), the
 *                   serialized DV, CRC-32 of it (uint32 BE); the descriptor's
 *                   offset points at dataSize (1 for the first DV);
 *   descriptor    = 'u' + pathOrInlineDv "<prefix><z85 of the 16 uuid bytes>"
 *                   for "<prefix>/deletion_vector_<uuid>.bin", or 'i' + the
 *                   z85 of the serialized DV itself (zero-padded to 4 bytes).
 */
#include "ops/dml.h"

#include <roaring/roaring.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define DV_MAGIC 1681511377u

static const char z85[] =
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

static int oom(dlt_error *err)
{
	return dlt_error_set(err, DLT_ENOMEM, "out of memory");
}

int dlt_dml__z85_encode(char **out, const uint8_t *data, size_t n, dlt_error *err)
{
	size_t groups = (n + 3) / 4, o = 0;
	char *s;

	*out = NULL;
	if (!(s = dlt_malloc(groups * 5 + 1)))
		return oom(err);
	for (size_t g = 0; g < groups; g++) {
		uint32_t v = 0;
		for (size_t k = 0; k < 4; k++) {
			size_t i = g * 4 + k;
			v = (v << 8) | (i < n ? data[i] : 0u);
		}
		for (int k = 4; k >= 0; k--) {
			s[o + (size_t)k] = z85[v % 85];
			v /= 85;
		}
		o += 5;
	}
	s[o] = 0;
	*out = s;
	return DLT_OK;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int dlt_dml__dv_serialize(uint8_t **out, size_t *len, int64_t *cardinality, int64_t *max_row,
                          const dlt_dv_bitmap *existing, const uint64_t *rows, size_t n,
                          dlt_error *err)
{
	uint64_t *all = NULL;
	uint32_t *low = NULL;
	roaring_bitmap_t **maps = NULL;
	uint32_t *keys = NULL;
	size_t total = n, m = 0, nb = 0, size = 12, pos;
	uint8_t *buf = NULL;
	int rc = DLT_OK;

	*out = NULL;
	*len = 0;
	if (existing)
		total += (size_t)existing->cardinality;
	if (!(all = dlt_malloc((total + 1) * sizeof(*all))))
		return oom(err);
	if (n)
		memcpy(all, rows, n * sizeof(*all));
	m = n;
	for (size_t b = 0; existing && b < existing->n; b++) {
		const roaring_bitmap_t *r = existing->maps[b];
		uint64_t c = roaring_bitmap_get_cardinality(r);
		uint32_t *tmp;
		if (m + c > total + 0) {
			rc = dlt_error_set(err, DLT_ECORRUPT, "deletion vector: cardinality mismatch");
			goto done;
		}
		if (!(tmp = dlt_malloc((size_t)c * sizeof(*tmp) + 4))) {
			rc = oom(err);
			goto done;
		}
		roaring_bitmap_to_uint32_array(r, tmp);
		for (uint64_t i = 0; i < c; i++)
			all[m++] = ((uint64_t)existing->keys[b] << 32) | tmp[i];
		dlt_free(tmp);
	}
	qsort(all, m, sizeof(*all), cmp_u64);
	{
		size_t u = 0;
		for (size_t i = 0; i < m; i++)
			if (u == 0 || all[u - 1] != all[i])
				all[u++] = all[i];
		m = u;
	}
	if (m > 0 && (all[m - 1] >> 32) >= 0x80000000u) {
		rc = dlt_error_set(err, DLT_ELIMIT, "deletion vector: row index too large");
		goto done;
	}
	if (!(low = dlt_malloc((m + 1) * sizeof(*low))) ||
	    !(maps = dlt_calloc(m + 1, sizeof(*maps))) || !(keys = dlt_calloc(m + 1, sizeof(*keys)))) {
		rc = oom(err);
		goto done;
	}
	for (size_t i = 0; i < m;) {
		uint32_t key = (uint32_t)(all[i] >> 32);
		size_t j = i;
		while (j < m && (uint32_t)(all[j] >> 32) == key) {
			low[j - i] = (uint32_t)all[j];
			j++;
		}
		if (!(maps[nb] = roaring_bitmap_create())) {
			rc = oom(err);
			goto done;
		}
		roaring_bitmap_add_many(maps[nb], j - i, low);
		roaring_bitmap_run_optimize(maps[nb]);
		keys[nb] = key;
		size += 4 + roaring_bitmap_portable_size_in_bytes(maps[nb]);
		nb++;
		i = j;
	}
	if (!(buf = dlt_malloc(size))) {
		rc = oom(err);
		goto done;
	}
	put_le32(buf, DV_MAGIC);
	put_le32(buf + 4, (uint32_t)nb);
	put_le32(buf + 8, 0);
	pos = 12;
	for (size_t b = 0; b < nb; b++) {
		put_le32(buf + pos, keys[b]);
		pos += 4;
		pos += roaring_bitmap_portable_serialize(maps[b], (char *)buf + pos);
	}
	*out = buf;
	*len = pos;
	buf = NULL;
	*cardinality = (int64_t)m;
	*max_row = m ? (int64_t)all[m - 1] : -1;
done:
	for (size_t b = 0; maps && b < nb; b++)
		roaring_bitmap_free(maps[b]);
	dlt_free(maps);
	dlt_free(keys);
	dlt_free(low);
	dlt_free(all);
	dlt_free(buf);
	return rc;
}

void dlt_dml__dv_dispose(dlt_dml_dv *dv)
{
	if (!dv)
		return;
	dlt_free(dv->path_or_inline);
	dlt_free(dv->file_key);
	memset(dv, 0, sizeof(*dv));
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int dlt_dml__dv_write(dlt_dml_dv *out, dlt_storage *st, const dlt_dv_bitmap *existing,
                      const uint64_t *rows, size_t n, size_t inline_max, dlt_error *err)
{
	uint8_t *data = NULL, *file = NULL;
	size_t len = 0;
	int64_t card = 0, max_row = -1;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = dlt_dml__dv_serialize(&data, &len, &card, &max_row, existing, rows, n, err)) < 0)
		return rc;
	if (len > INT32_MAX - 16) {
		dlt_free(data);
		return dlt_error_set(err, DLT_ELIMIT, "deletion vector: %zu bytes is too large", len);
	}
	out->d.cardinality = card;
	out->d.max_row_index = max_row;
	out->d.size_in_bytes = (int32_t)len;
	if (len <= inline_max) {
		out->d.storage_type = 'i';
		out->d.offset = -1;
		rc = dlt_dml__z85_encode(&out->path_or_inline, data, len, err);
	} else {
		char uuid[37];
		uint8_t u[16];
		size_t k = 0;
		out->d.storage_type = 'u';
		out->d.offset = 1;
		if ((rc = dlt_ops__uuid(uuid, err)) < 0)
			goto done;
		for (size_t i = 0; uuid[i] && k < 16; i++) {
			if (uuid[i] == '-')
				continue;
			u[k++] = (uint8_t)(hexval(uuid[i]) << 4 | hexval(uuid[i + 1]));
			i++;
		}
		if ((rc = dlt_dml__z85_encode(&out->path_or_inline, u, 16, err)) < 0)
			goto done;
		if (!(out->file_key = dlt_asprintf("deletion_vector_%s.bin", uuid)) ||
		    !(file = dlt_malloc(len + 9))) {
			rc = oom(err);
			goto done;
		}
		file[0] = 1;
		put_be32(file + 1, (uint32_t)len);
		memcpy(file + 5, data, len);
		put_be32(file + 5 + len, (uint32_t)crc32(0L, data, (uInt)len));
		if ((rc = dlt_storage_put(st, out->file_key, file, len + 9, DLT_PUT_IF_ABSENT,
		                          err)) < 0)
			dlt_error_prefix(err, "deletion vector file %s", out->file_key);
	}
	if (rc == DLT_OK)
		out->d.path_or_inline_dv = out->path_or_inline;
done:
	dlt_free(data);
	dlt_free(file);
	if (rc < 0)
		dlt_dml__dv_dispose(out);
	return rc;
}

/* Stats of a file that gets a DV: the bounds may no longer be tight. */
static char *loosen_stats(const char *stats)
{
	json_t *root;
	json_error_t je;
	char *s, *o;

	if (!stats || !(root = json_loads(stats, 0, &je)))
		return NULL;
	if (!json_is_object(root) || json_object_set_new(root, "tightBounds", json_false()) != 0) {
		json_decref(root);
		return NULL;
	}
	s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!s)
		return NULL;
	o = dlt_strdup(s);
	free(s);
	return o;
}

int dlt_dml__stage_dv(dlt_dml_ctx *c, const dlt_log_file *f, const dlt_dv_bitmap *existing,
                      const uint64_t *rows, size_t n, dlt_error *err)
{
	dlt_txn_file af = DLT_TXN_FILE_INIT;
	dlt_dml_dv dv;
	dlt_kv *pv = NULL, *tags = NULL;
	char *stats = NULL;
	int rc;

	if (n == 0)
		return DLT_OK;
	if ((rc = dlt_dml__dv_write(&dv, c->st, existing, rows, n, 48, err)) < 0)
		return dlt_error_prefix(err, "file %s", f->path);
	if (f->num_records >= 0 && dv.d.cardinality >= f->num_records) {
		/* every row is gone: remove the file (the DV just written is unused) */
		if (dv.file_key)
			(void)dlt_storage_delete(c->st, dv.file_key, NULL);
		dlt_dml__dv_dispose(&dv);
		return dlt_dml__remove_file(c, f, err);
	}
	if (!(pv = dlt_calloc(f->partition_values->n + 1, sizeof(*pv))) ||
	    (f->tags && !(tags = dlt_calloc(f->tags->n + 1, sizeof(*tags))))) {
		rc = oom(err);
		goto done;
	}
	for (size_t i = 0; i < f->partition_values->n; i++) {
		pv[i].key = f->partition_values->kv[i].key;
		pv[i].value = f->partition_values->kv[i].value;
	}
	for (size_t i = 0; f->tags && i < f->tags->n; i++) {
		tags[i].key = f->tags->kv[i].key;
		tags[i].value = f->tags->kv[i].value;
	}
	if (f->stats && !(stats = loosen_stats(f->stats))) {
		rc = oom(err);
		goto done;
	}
	if ((rc = dlt_txn_remove_live_file(c->txn, f->path, 1, err)) < 0)
		goto done;
	af.path = f->path;
	af.partition_values = pv;
	af.n_partition_values = f->partition_values->n;
	af.size = f->size;
	af.modification_time = f->modification_time;
	af.data_change = 1;
	af.stats = stats;
	af.tags = tags;
	af.n_tags = f->tags ? f->tags->n : 0;
	af.dv = &dv.d;
	if ((rc = dlt_txn_add_file(c->txn, &af, err)) < 0)
		goto done;
	c->m.num_deletion_vectors_added++;
	if (f->dv.storage_type) {
		c->m.num_deletion_vectors_removed++;
		c->m.num_deletion_vectors_updated++;
	}
done:
	dlt_free(stats);
	dlt_free(pv);
	dlt_free(tags);
	dlt_dml__dv_dispose(&dv);
	return rc;
}
