/* Page compression codecs (see codec.h). */
#include "parquet/codec.h"
#include "parquet/meta.h"

#include <limits.h>

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <libdeflate.h>
#include <lz4.h>
#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

struct dlt_pq_codec_ctx {
	ZSTD_DCtx *zd;
	ZSTD_CCtx *zc;
	struct libdeflate_decompressor *dd;
	struct libdeflate_compressor *dc;
	int dc_level;
};

int dlt_pq__codec_ctx_new(dlt_pq_codec_ctx **out, dlt_error *err)
{
	dlt_pq_codec_ctx *c = dlt_calloc(1, sizeof(*c));
	*out = c;
	if (!c)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory allocating codec context");
	return DLT_OK;
}

void dlt_pq__codec_ctx_free(dlt_pq_codec_ctx *ctx)
{
	if (!ctx)
		return;
	ZSTD_freeDCtx(ctx->zd);
	ZSTD_freeCCtx(ctx->zc);
	if (ctx->dd)
		libdeflate_free_decompressor(ctx->dd);
	if (ctx->dc)
		libdeflate_free_compressor(ctx->dc);
	dlt_free(ctx);
}

bool dlt_pq__codec_supported(int codec)
{
	switch (codec) {
	case DLT_PQ_CODEC_UNCOMPRESSED:
	case DLT_PQ_CODEC_SNAPPY:
	case DLT_PQ_CODEC_GZIP:
	case DLT_PQ_CODEC_BROTLI:
	case DLT_PQ_CODEC_LZ4:
	case DLT_PQ_CODEC_ZSTD:
	case DLT_PQ_CODEC_LZ4_RAW:
		return true;
	default:
		return false;
	}
}

static int codec_unsupported(int codec, dlt_error *err)
{
	if (codec >= 0 && codec <= 7)
		return dlt_error_set(err, DLT_EUNSUPPORTED, "compression codec %s is not supported",
		                     dlt_pq__codec_name(codec));
	return dlt_error_set(err, DLT_EUNSUPPORTED, "unknown compression codec %d", codec);
}

static int codec_corrupt(int codec, const char *why, dlt_error *err)
{
	return dlt_error_set(err, DLT_ECORRUPT, "%s decompression failed: %s",
	                     dlt_pq__codec_name(codec), why);
}

static int size_mismatch(int codec, size_t got, size_t want, dlt_error *err)
{
	return dlt_error_set(err, DLT_ECORRUPT,
	                     "%s decompression failed: produced %zu bytes, page header says %zu",
	                     dlt_pq__codec_name(codec), got, want);
}

static uint32_t load_u32be(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void store_u32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---------------- GZIP ---------------- */

static int gzip_zlib_fallback(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len,
                              dlt_error *err)
{
	z_stream zs;
	size_t in_off = 0, out_off = 0;
	int zrc;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 32) != Z_OK)
		return dlt_error_set(err, DLT_ENOMEM, "GZIP: cannot initialize zlib");
	for (;;) {
		uInt in_chunk = (uInt)DLT_MIN(src_len - in_off, (size_t)UINT_MAX);
		uInt out_chunk = (uInt)DLT_MIN(dst_len - out_off, (size_t)UINT_MAX);
		size_t used_in, used_out;
		zs.next_in = (Bytef *)(uintptr_t)(src + in_off);
		zs.avail_in = in_chunk;
		zs.next_out = dst + out_off;
		zs.avail_out = out_chunk;
		zrc = inflate(&zs, Z_NO_FLUSH);
		used_in = in_chunk - zs.avail_in;
		used_out = out_chunk - zs.avail_out;
		in_off += used_in;
		out_off += used_out;
		if (zrc == Z_STREAM_END) {
			while (in_off < src_len && src[in_off] == 0)
				in_off++; /* zero padding after a member */
			if (in_off >= src_len)
				break;
			if (inflateReset(&zs) != Z_OK)
				break;
			continue;
		}
		if ((zrc == Z_OK || zrc == Z_BUF_ERROR) && (used_in || used_out))
			continue;
		inflateEnd(&zs);
		if (out_off == dst_len && zrc != Z_DATA_ERROR)
			return dlt_error_set(err, DLT_ECORRUPT,
			                     "GZIP decompression failed: output exceeds the page "
			                     "size %zu or stream truncated", dst_len);
		return codec_corrupt(DLT_PQ_CODEC_GZIP,
		                     zs.msg ? zs.msg : "invalid or truncated stream", err);
	}
	inflateEnd(&zs);
	if (out_off != dst_len)
		return size_mismatch(DLT_PQ_CODEC_GZIP, out_off, dst_len, err);
	return DLT_OK;
}

static int gzip_decompress(dlt_pq_codec_ctx *ctx, const uint8_t *src, size_t src_len,
                           uint8_t *dst, size_t dst_len, dlt_error *err)
{
	struct libdeflate_decompressor *d = ctx ? ctx->dd : NULL;
	size_t in_off = 0, out_off = 0;
	bool ok = true;

	if (!d) {
		d = libdeflate_alloc_decompressor();
		if (!d)
			return dlt_error_set(err, DLT_ENOMEM, "GZIP: out of memory");
		if (ctx)
			ctx->dd = d;
	}
	while (in_off < src_len) {
		size_t in_used = 0, out_used = 0;
		enum libdeflate_result r = libdeflate_gzip_decompress_ex(
			d, src + in_off, src_len - in_off, dst + out_off, dst_len - out_off,
			&in_used, &out_used);
		if (r != LIBDEFLATE_SUCCESS || in_used == 0) {
			ok = false;
			break;
		}
		in_off += in_used;
		out_off += out_used;
	}
	if (!ctx || ctx->dd != d)
		libdeflate_free_decompressor(d);
	if (ok && out_off == dst_len)
		return DLT_OK;
	/* zlib framing, trailing padding, or truly corrupt: let zlib decide */
	return gzip_zlib_fallback(src, src_len, dst, dst_len, err);
}

/* ---------------- LZ4 ---------------- */

static bool lz4_hadoop(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len)
{
	size_t in = 0, out = 0;

	while (in < src_len) {
		uint32_t block_len, filled = 0;
		if (src_len - in < 8)
			return false;
		block_len = load_u32be(src + in);
		in += 4;
		if (block_len > dst_len - out)
			return false;
		while (filled < block_len) {
			uint32_t clen;
			int r;
			if (src_len - in < 4)
				return false;
			clen = load_u32be(src + in);
			in += 4;
			if (clen > src_len - in || clen > INT_MAX)
				return false;
			r = LZ4_decompress_safe((const char *)src + in, (char *)dst + out, (int)clen,
			                        (int)DLT_MIN((size_t)(block_len - filled),
			                                     (size_t)INT_MAX));
			if (r <= 0)
				return false;
			in += clen;
			out += (size_t)r;
			filled += (uint32_t)r;
		}
	}
	return out == dst_len;
}

static bool lz4_frame(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len)
{
	LZ4F_dctx *d;
	size_t in = 0, out = 0, r = 1;
	bool ok = true;

	if (src_len < 4 || dlt_load_u32le(src) != 0x184D2204u)
		return false;
	if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
		return false;
	while (in < src_len && r != 0) {
		size_t in_sz = src_len - in, out_sz = dst_len - out;
		r = LZ4F_decompress(d, dst + out, &out_sz, src + in, &in_sz, NULL);
		if (LZ4F_isError(r) || (in_sz == 0 && out_sz == 0)) {
			ok = false;
			break;
		}
		in += in_sz;
		out += out_sz;
	}
	LZ4F_freeDecompressionContext(d);
	return ok && r == 0 && out == dst_len;
}

static int lz4_decompress(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len,
                          dlt_error *err)
{
	int r;
	if (lz4_hadoop(src, src_len, dst, dst_len) || lz4_frame(src, src_len, dst, dst_len))
		return DLT_OK;
	if (src_len > INT_MAX || dst_len > INT_MAX)
		return codec_corrupt(DLT_PQ_CODEC_LZ4, "block too large", err);
	r = LZ4_decompress_safe((const char *)src, (char *)dst, (int)src_len, (int)dst_len);
	if (r < 0)
		return codec_corrupt(DLT_PQ_CODEC_LZ4,
		                     "not a valid Hadoop-framed, LZ4 frame or raw LZ4 block", err);
	if ((size_t)r != dst_len)
		return size_mismatch(DLT_PQ_CODEC_LZ4, (size_t)r, dst_len, err);
	return DLT_OK;
}

/* ---------------- decompress ---------------- */

int dlt_pq__decompress(dlt_pq_codec_ctx *ctx, int codec, const uint8_t *src, size_t src_len,
                       uint8_t *dst, size_t dst_len, dlt_error *err)
{
	DLT_ARG_CHECK((src != NULL || src_len == 0) && (dst != NULL || dst_len == 0), err);
	switch (codec) {
	case DLT_PQ_CODEC_UNCOMPRESSED:
		if (src_len != dst_len)
			return size_mismatch(codec, src_len, dst_len, err);
		if (dst_len)
			memcpy(dst, src, dst_len);
		return DLT_OK;
	case DLT_PQ_CODEC_SNAPPY: {
		size_t ulen = 0, got;
		if (snappy_uncompressed_length((const char *)src, src_len, &ulen) != SNAPPY_OK)
			return codec_corrupt(codec, "invalid length header", err);
		if (ulen != dst_len)
			return size_mismatch(codec, ulen, dst_len, err);
		got = dst_len;
		if (snappy_uncompress((const char *)src, src_len, (char *)dst, &got) != SNAPPY_OK)
			return codec_corrupt(codec, "invalid data", err);
		if (got != dst_len)
			return size_mismatch(codec, got, dst_len, err);
		return DLT_OK;
	}
	case DLT_PQ_CODEC_GZIP:
		if (src_len == 0 && dst_len == 0)
			return DLT_OK;
		return gzip_decompress(ctx, src, src_len, dst, dst_len, err);
	case DLT_PQ_CODEC_BROTLI: {
		size_t got = dst_len;
		BrotliDecoderResult r;
		uint8_t dummy;
		r = BrotliDecoderDecompress(src_len, src, &got, dst_len ? dst : &dummy);
		if (r != BROTLI_DECODER_RESULT_SUCCESS)
			return codec_corrupt(codec, "invalid, truncated or oversized stream", err);
		if (got != dst_len)
			return size_mismatch(codec, got, dst_len, err);
		return DLT_OK;
	}
	case DLT_PQ_CODEC_ZSTD: {
		ZSTD_DCtx *d = ctx ? ctx->zd : NULL;
		size_t r;
		if (!d) {
			d = ZSTD_createDCtx();
			if (!d)
				return dlt_error_set(err, DLT_ENOMEM, "ZSTD: out of memory");
			if (ctx)
				ctx->zd = d;
		}
		r = ZSTD_decompressDCtx(d, dst, dst_len, src, src_len);
		if (!ctx)
			ZSTD_freeDCtx(d);
		if (ZSTD_isError(r))
			return codec_corrupt(codec, ZSTD_getErrorName(r), err);
		if (r != dst_len)
			return size_mismatch(codec, r, dst_len, err);
		return DLT_OK;
	}
	case DLT_PQ_CODEC_LZ4_RAW: {
		int r;
		if (src_len > INT_MAX || dst_len > INT_MAX)
			return codec_corrupt(codec, "block larger than 2 GiB", err);
		if (src_len == 0 && dst_len == 0)
			return DLT_OK;
		r = LZ4_decompress_safe((const char *)src, (char *)dst, (int)src_len, (int)dst_len);
		if (r < 0)
			return codec_corrupt(codec, "invalid block", err);
		if ((size_t)r != dst_len)
			return size_mismatch(codec, (size_t)r, dst_len, err);
		return DLT_OK;
	}
	case DLT_PQ_CODEC_LZ4:
		if (src_len == 0 && dst_len == 0)
			return DLT_OK;
		return lz4_decompress(src, src_len, dst, dst_len, err);
	default:
		return codec_unsupported(codec, err);
	}
}

/* ---------------- compress ---------------- */

size_t dlt_pq__compress_bound(int codec, size_t len)
{
	switch (codec) {
	case DLT_PQ_CODEC_UNCOMPRESSED:
		return len;
	case DLT_PQ_CODEC_SNAPPY:
		return snappy_max_compressed_length(len);
	case DLT_PQ_CODEC_GZIP:
		return libdeflate_gzip_compress_bound(NULL, len);
	case DLT_PQ_CODEC_BROTLI:
		return BrotliEncoderMaxCompressedSize(len);
	case DLT_PQ_CODEC_ZSTD:
		return ZSTD_compressBound(len);
	case DLT_PQ_CODEC_LZ4_RAW:
		return len > LZ4_MAX_INPUT_SIZE ? 0 : (size_t)LZ4_compressBound((int)len);
	case DLT_PQ_CODEC_LZ4:
		return len > LZ4_MAX_INPUT_SIZE ? 0 : (size_t)LZ4_compressBound((int)len) + 8;
	default:
		return 0;
	}
}

int dlt_pq__compress(dlt_pq_codec_ctx *ctx, int codec, int level, const uint8_t *src,
                     size_t len, dlt_buf *out, dlt_error *err)
{
	size_t bound, got = 0;
	uint8_t *dst;
	int rc;

	DLT_ARG_CHECK(out != NULL && (src != NULL || len == 0), err);
	if (codec == DLT_PQ_CODEC_UNCOMPRESSED)
		return len ? dlt_buf_append(out, src, len, err) : DLT_OK;
	if (!dlt_pq__codec_supported(codec))
		return codec_unsupported(codec, err);
	if (codec == DLT_PQ_CODEC_LZ4 && len == 0)
		return DLT_OK; /* Hadoop framing of nothing is nothing */
	bound = dlt_pq__compress_bound(codec, len);
	if (bound == 0 && len > 0)
		return dlt_error_set(err, DLT_ELIMIT, "%s: input of %zu bytes is too large",
		                     dlt_pq__codec_name(codec), len);
	if (bound < 16)
		bound = 16;
	if ((rc = dlt_buf_reserve(out, bound, err)) < 0)
		return rc;
	dst = out->data + out->len;

	switch (codec) {
	case DLT_PQ_CODEC_SNAPPY:
		got = bound;
		if (snappy_compress((const char *)src, len, (char *)dst, &got) != SNAPPY_OK)
			return dlt_error_set(err, DLT_ERROR, "SNAPPY compression failed");
		break;
	case DLT_PQ_CODEC_GZIP: {
		int lvl = level <= 0 ? 6 : DLT_MIN(level, 12);
		struct libdeflate_compressor *c = ctx ? ctx->dc : NULL;
		if (c && ctx->dc_level != lvl) {
			libdeflate_free_compressor(c);
			ctx->dc = c = NULL;
		}
		if (!c) {
			c = libdeflate_alloc_compressor(lvl);
			if (!c)
				return dlt_error_set(err, DLT_ENOMEM, "GZIP: out of memory");
			if (ctx) {
				ctx->dc = c;
				ctx->dc_level = lvl;
			}
		}
		got = libdeflate_gzip_compress(c, src, len, dst, bound);
		if (!ctx)
			libdeflate_free_compressor(c);
		if (got == 0)
			return dlt_error_set(err, DLT_ERROR, "GZIP compression failed");
		break;
	}
	case DLT_PQ_CODEC_BROTLI: {
		int q = level <= 0 ? 1 : DLT_MIN(level, BROTLI_MAX_QUALITY);
		got = bound;
		if (!BrotliEncoderCompress(q, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, len, src,
		                           &got, dst))
			return dlt_error_set(err, DLT_ERROR, "BROTLI compression failed");
		break;
	}
	case DLT_PQ_CODEC_ZSTD: {
		int lvl = level == 0 ? 3 : level;
		ZSTD_CCtx *c = ctx ? ctx->zc : NULL;
		if (!c) {
			c = ZSTD_createCCtx();
			if (!c)
				return dlt_error_set(err, DLT_ENOMEM, "ZSTD: out of memory");
			if (ctx)
				ctx->zc = c;
		}
		got = ZSTD_compressCCtx(c, dst, bound, src, len, lvl);
		if (!ctx)
			ZSTD_freeCCtx(c);
		if (ZSTD_isError(got))
			return dlt_error_set(err, DLT_ERROR, "ZSTD compression failed: %s",
			                     ZSTD_getErrorName(got));
		break;
	}
	case DLT_PQ_CODEC_LZ4_RAW:
	case DLT_PQ_CODEC_LZ4: {
		size_t hdr = codec == DLT_PQ_CODEC_LZ4 ? 8 : 0;
		int r = LZ4_compress_default((const char *)src, (char *)dst + hdr, (int)len,
		                             (int)DLT_MIN(bound - hdr, (size_t)INT_MAX));
		if (r <= 0 && len > 0)
			return dlt_error_set(err, DLT_ERROR, "LZ4 compression failed");
		if (hdr) {
			store_u32be(dst, (uint32_t)len);
			store_u32be(dst + 4, (uint32_t)r);
		}
		got = (size_t)r + hdr;
		break;
	}
	default:
		return codec_unsupported(codec, err);
	}
	out->len += got;
	return DLT_OK;
}
