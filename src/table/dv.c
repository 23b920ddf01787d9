/*
 * Deletion vectors (PROTOCOL.md#deletion-vectors, #deletion-vector-format):
 * descriptors -> the set of deleted row indexes.
 *
 * Serialized DV: magic number 1681511377 (int32 LE), then the 64-bit
 * "portable" RoaringBitmap format: numBuckets (uint64 LE), then per bucket
 * in ascending key order a key (uint32 LE, most significant bit 0) and a
 * 32-bit portable RoaringBitmap of the low 32 bits (decoded with CRoaring's
 * bounds-checked deserializer). DV files: version byte 1, then per DV a
 * big-endian int32 dataSize, the data, a big-endian CRC-32 of the data; the
 * descriptor's offset points at dataSize.
 */
#include "table/table.h"

#include <roaring/roaring.h>
#include <zlib.h>

#define DV_MAGIC 1681511377u
#define DV_MAX_BUCKETS 65536u /* row indexes beyond 2^48 are not plausible */

static const char z85_chars[] =
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

void dlt_table__dv_dispose(dlt_dv_bitmap *dv)
{
	size_t i;
	if (dv == NULL)
		return;
	for (i = 0; i < dv->n; i++)
		roaring_bitmap_free(dv->maps[i]);
	dlt_free(dv->keys);
	dlt_free(dv->maps);
	memset(dv, 0, sizeof(*dv));
}

bool dlt_table__dv_contains(const dlt_dv_bitmap *dv, uint64_t row)
{
	uint32_t hi = (uint32_t)(row >> 32);
	size_t lo = 0, hi_i;
	if (dv == NULL || dv->n == 0)
		return false;
	if (dv->n == 1 || hi == 0) {
		if (dv->keys[0] == hi)
			return roaring_bitmap_contains(dv->maps[0], (uint32_t)row);
		if (hi == 0)
			return false;
	}
	hi_i = dv->n;
	while (lo < hi_i) {
		size_t mid = lo + (hi_i - lo) / 2;
		if (dv->keys[mid] < hi)
			lo = mid + 1;
		else
			hi_i = mid;
	}
	return lo < dv->n && dv->keys[lo] == hi &&
	       roaring_bitmap_contains(dv->maps[lo], (uint32_t)row);
}

int dlt_table__z85_decode(uint8_t *out, size_t *out_len, const char *s, size_t n,
                          bool allow_pad, dlt_error *err)
{
	size_t i, o = 0;

	*out_len = 0;
	if (n % 5 != 0)
		return dlt_error_set(err, DLT_ECORRUPT,
		                     "z85: length %zu is not a multiple of 5", n);
	for (i = 0; i < n; i += 5) {
		uint64_t v = 0;
		size_t k, pad = 0, nb;
		/* A padded final block: k '#' (k = 1..3) stand for k leading zero
		 * bytes that are not part of the data; the block holds 4 - k bytes.
		 * Unambiguous: an unpadded block starting with '#' exceeds 32 bits. */
		if (allow_pad && i + 5 == n)
			while (pad < 3 && s[i + pad] == '#')
				pad++;
		for (k = pad; k < 5; k++) {
			const char *hit = s[i + k] ? memchr(z85_chars, s[i + k], 85) : NULL;
			int d = hit ? (int)(hit - z85_chars) : -1;
			if (d < 0)
				return dlt_error_set(err, DLT_ECORRUPT,
				                     "z85: invalid character 0x%02x at offset %zu",
				                     (unsigned char)s[i + k], i + k);
			v = v * 85 + (uint64_t)d;
		}
		nb = 4 - pad;
		if (v >> (8 * nb) != 0)
			return dlt_error_set(err, DLT_ECORRUPT,
			                     "z85: group at offset %zu exceeds %zu bytes", i, nb);
		for (k = nb; k-- > 0;)
			out[o++] = (uint8_t)(v >> (8 * k));
	}
	*out_len = o;
	return DLT_OK;
}

int dlt_table__dv_relative_path(char **out, const char *p, dlt_error *err)
{
	size_t n = strlen(p), plen;
	uint8_t u[16];
	char hex[37];
	size_t ulen;
	int rc, i, o = 0;

	*out = NULL;
	if (n < 20)
		return dlt_error_set(err, DLT_ECORRUPT,
		                     "deletion vector: pathOrInlineDv '%s' is shorter than a z85 uuid "
		                     "(20 characters)", p);
	plen = n - 20;
	if ((rc = dlt_table__z85_decode(u, &ulen, p + plen, 20, false, err)) < 0)
		return dlt_error_prefix(err, "deletion vector '%s'", p);
	for (i = 0; i < 16; i++) {
		static const char hx[] = "0123456789abcdef";
		if (i == 4 || i == 6 || i == 8 || i == 10)
			hex[o++] = '-';
		hex[o++] = hx[u[i] >> 4];
		hex[o++] = hx[u[i] & 15];
	}
	hex[o] = 0;
	if (plen > 0)
		*out = dlt_asprintf("%.*s/deletion_vector_%s.bin", (int)plen, p, hex);
	else
		*out = dlt_asprintf("deletion_vector_%s.bin", hex);
	if (*out == NULL)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	return DLT_OK;
}

/* The portable RoaringBitmap header: cookie, container count (at most 2^16)
 * and the per-container descriptors must fit in `n` bytes. Checked before
 * CRoaring sees it: it would try to allocate for any count it reads. */
static bool portable_header_ok(const uint8_t *p, size_t n)
{
	uint32_t cookie, size;
	size_t need;
	if (n < 4)
		return false;
	cookie = dlt_load_u32le(p);
	if ((cookie & 0xffffu) == 12347u) { /* with run containers: count in the cookie */
		size = (cookie >> 16) + 1;
		need = 4 + ((size_t)size + 7) / 8 + 4 * (size_t)size;
	} else if (cookie == 12346u) {
		if (n < 8)
			return false;
		size = dlt_load_u32le(p + 4);
		need = 8 + 4 * (size_t)size;
	} else {
		return false;
	}
	return size <= 65536u && need <= n;
}

int dlt_table__dv_parse(dlt_dv_bitmap *out, const uint8_t *data, size_t n, dlt_error *err)
{
	dlt_dv_bitmap dv;
	uint64_t nb, i;
	size_t pos;
	int rc = DLT_OK;

	memset(out, 0, sizeof(*out));
	memset(&dv, 0, sizeof(dv));
	if (n < 12)
		return dlt_error_set(err, DLT_ECORRUPT, "deletion vector: %zu bytes, too short", n);
	if (dlt_load_u32le(data) != DV_MAGIC)
		return dlt_error_set(err, DLT_ECORRUPT,
		                     "deletion vector: bad magic number %" PRIu32 " (expected %u)",
		                     dlt_load_u32le(data), DV_MAGIC);
	nb = dlt_load_u64le(data + 4);
	pos = 12;
	if (nb > DV_MAX_BUCKETS || nb > (n - pos) / 4)
		return dlt_error_set(err, DLT_ECORRUPT,
		                     "deletion vector: %" PRIu64 " buckets do not fit in %zu bytes",
		                     nb, n);
	if (nb > 0) {
		dv.keys = dlt_calloc((size_t)nb, sizeof(*dv.keys));
		dv.maps = dlt_calloc((size_t)nb, sizeof(*dv.maps));
		if (dv.keys == NULL || dv.maps == NULL) {
			rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
			goto fail;
		}
	}
	for (i = 0; i < nb; i++) {
		uint32_t key;
		size_t sz;
		roaring_bitmap_t *bm;
		if (n - pos < 4) {
			rc = dlt_error_set(err, DLT_ECORRUPT,
			                   "deletion vector: bucket %" PRIu64 " truncated at offset %zu",
			                   i, pos);
			goto fail;
		}
		key = dlt_load_u32le(data + pos);
		pos += 4;
		if (key & 0x80000000u) {
			rc = dlt_error_set(err, DLT_ECORRUPT,
			                   "deletion vector: bucket key %" PRIu32 " has its top bit set",
			                   key);
			goto fail;
		}
		if (dv.n > 0 && key <= dv.keys[dv.n - 1]) {
			rc = dlt_error_set(err, DLT_ECORRUPT,
			                   "deletion vector: bucket keys not ascending at offset %zu",
			                   pos - 4);
			goto fail;
		}
		if (!portable_header_ok(data + pos, n - pos)) {
			rc = dlt_error_set(err, DLT_ECORRUPT,
			                   "deletion vector: malformed roaring bitmap header at "
			                   "offset %zu", pos);
			goto fail;
		}
		sz = roaring_bitmap_portable_deserialize_size((const char *)data + pos, n - pos);
		if (sz == 0 || sz > n - pos) {
			rc = dlt_error_set(err, DLT_ECORRUPT,
			                   "deletion vector: malformed roaring bitmap at offset %zu",
			                   pos);
			goto fail;
		}
		bm = roaring_bitmap_portable_deserialize_safe((const char *)data + pos, sz);
		if (bm == NULL) {
			rc = dlt_error_set(err, DLT_ECORRUPT,
			                   "deletion vector: malformed roaring bitmap at offset %zu",
			                   pos);
			goto fail;
		}
		dv.keys[dv.n] = key;
		dv.maps[dv.n++] = bm;
		dv.cardinality += roaring_bitmap_get_cardinality(bm);
		pos += sz;
	}
	if (pos != n) {
		rc = dlt_error_set(err, DLT_ECORRUPT,
		                   "deletion vector: %zu trailing bytes after the bitmap", n - pos);
		goto fail;
	}
	*out = dv;
	return DLT_OK;
fail:
	dlt_table__dv_dispose(&dv);
	return rc;
}

static uint32_t load_u32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int dlt_table__dv_parse_file(dlt_dv_bitmap *out, const uint8_t *file, size_t n,
                             int64_t offset, int32_t size_in_bytes, const char *name,
                             dlt_error *err)
{
	uint32_t size, want, got;
	int rc;

	memset(out, 0, sizeof(*out));
	if (n < 1 || file[0] != 1)
		return dlt_error_set(err, DLT_ECORRUPT,
		                     "deletion vector file %s: unknown format version %d", name,
		                     n < 1 ? -1 : file[0]);
	if (offset < 1 || size_in_bytes < 0 || (uint64_t)offset > n || n - (size_t)offset < 4)
		return dlt_error_set(err, DLT_ECORRUPT,
		                     "deletion vector file %s: offset %" PRId64
		                     " outside the file (%zu bytes)", name, offset, n);
	size = load_u32be(file + offset);
	if (size != (uint32_t)size_in_bytes)
		return dlt_error_set(err, DLT_ECORRUPT,
		                     "deletion vector file %s: size at offset %" PRId64
		                     " is %" PRIu32 ", descriptor says %" PRId32, name, offset,
		                     size, size_in_bytes);
	if ((uint64_t)size + 8 > n - (size_t)offset)
		return dlt_error_set(err, DLT_ECORRUPT,
		                     "deletion vector file %s: %" PRIu32 " bytes at offset %" PRId64
		                     " run past the end of the file (%zu bytes)", name, size,
		                     offset, n);
	want = load_u32be(file + offset + 4 + size);
	got = (uint32_t)crc32(0L, file + offset + 4, (uInt)size);
	if (want != got)
		return dlt_error_set(err, DLT_ECORRUPT,
		                     "deletion vector file %s: checksum mismatch at offset %" PRId64
		                     " (stored %08" PRIx32 ", computed %08" PRIx32 ")", name,
		                     offset, want, got);
	if ((rc = dlt_table__dv_parse(out, file + offset + 4, size, err)) < 0)
		return dlt_error_prefix(err, "deletion vector file %s", name);
	return DLT_OK;
}

int dlt_table__dv_load(dlt_dv_bitmap *out, const dlt_log_dv *dv, dlt_storage *st,
                       int64_t *bytes_read, dlt_error *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (dv->storage_type == 'i') {
		size_t n = strlen(dv->path_or_inline_dv), cap, got = 0;
		uint8_t *buf;
		if (n % 5 != 0 || dv->size_in_bytes < 0 || (size_t)dv->size_in_bytes > n / 5 * 4)
			return dlt_error_set(err, DLT_ECORRUPT,
			                     "inline deletion vector: %zu z85 characters cannot hold "
			                     "sizeInBytes %" PRId32, n, dv->size_in_bytes);
		cap = n / 5 * 4;
		if ((buf = dlt_malloc(cap ? cap : 1)) == NULL)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		/* Encoders pad the last partial block either with zero bytes (decoded,
		 * then cut to sizeInBytes) or with leading '#' (fewer bytes decoded). */
		rc = dlt_table__z85_decode(buf, &got, dv->path_or_inline_dv, n, true, err);
		if (rc == DLT_OK && got < (size_t)dv->size_in_bytes)
			rc = dlt_error_set(err, DLT_ECORRUPT,
			                   "%zu bytes decoded, sizeInBytes is %" PRId32, got,
			                   dv->size_in_bytes);
		if (rc == DLT_OK)
			rc = dlt_table__dv_parse(out, buf, (size_t)dv->size_in_bytes, err);
		dlt_free(buf);
		if (rc < 0)
			return dlt_error_prefix(err, "inline deletion vector");
	} else if (dv->storage_type == 'u' || dv->storage_type == 'p') {
		char *path = NULL;
		dlt_bytes b = DLT_BYTES_INIT;
		bool absolute = dv->storage_type == 'p';
		if (absolute)
			path = dlt_strdup(dv->path_or_inline_dv);
		else if ((rc = dlt_table__dv_relative_path(&path, dv->path_or_inline_dv, err)) < 0)
			return rc;
		if (path == NULL)
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		/* The whole DV file is read: DV files are small (one or a few DVs). */
		rc = dlt_table__get_bytes(&b, st, path, absolute, err);
		if (rc == DLT_OK) {
			if (bytes_read)
				*bytes_read += (int64_t)b.len;
			rc = dlt_table__dv_parse_file(out, b.data, b.len,
			                              dv->offset < 0 ? 1 : dv->offset,
			                              dv->size_in_bytes, path, err);
		} else {
			dlt_error_prefix(err, "deletion vector file %s", path);
		}
		dlt_bytes_dispose(&b);
		dlt_free(path);
		if (rc < 0)
			return rc;
	} else {
		return dlt_error_set(err, DLT_EUNSUPPORTED,
		                     "deletion vector: unknown storageType '%c'",
		                     dv->storage_type ? dv->storage_type : '?');
	}
	if (dv->cardinality >= 0 && out->cardinality != (uint64_t)dv->cardinality) {
		int64_t c = (int64_t)out->cardinality;
		dlt_table__dv_dispose(out);
		return dlt_error_set(err, DLT_ECORRUPT,
		                     "deletion vector %c%s: %" PRId64
		                     " rows decoded, descriptor cardinality is %" PRId64,
		                     dv->storage_type, dv->path_or_inline_dv, c, dv->cardinality);
	}
	return DLT_OK;
}
