/*
 * parquet/codec.h - page compression codecs. Internal, never exported.
 *
 * Codec values are dlt_pq_codec (meta.h): UNCOMPRESSED, SNAPPY, GZIP, LZO,
 * BROTLI, LZ4 (deprecated Hadoop framing, with LZ4 frame / raw block
 * fallbacks), ZSTD, LZ4_RAW. An unknown or unavailable codec gives
 * DLT_EUNSUPPORTED naming it ("compression codec LZO is not supported").
 *
 * A dlt_pq_codec_ctx caches per-thread state (ZSTD contexts, libdeflate
 * (de)compressors); use one per thread (not thread-safe), or pass NULL to use
 * a temporary one per call (slower for ZSTD/GZIP).
 */
#ifndef DLT_PARQUET_CODEC_H
#define DLT_PARQUET_CODEC_H

#include "util/util.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct dlt_pq_codec_ctx dlt_pq_codec_ctx;

int dlt_pq__codec_ctx_new(dlt_pq_codec_ctx **out, dlt_error *err);
void dlt_pq__codec_ctx_free(dlt_pq_codec_ctx *ctx);

/* True if this build can (de)compress `codec`. */
bool dlt_pq__codec_supported(int codec);

/*
 * Decompress `src_len` bytes into exactly `dst_len` bytes at `dst` (the
 * page's uncompressed size, known from its header). Output that is longer or
 * shorter than dst_len, or any codec failure -> DLT_ECORRUPT
 * ("<CODEC> decompression failed: ..."). UNCOMPRESSED copies (src_len must
 * equal dst_len). `ctx` may be NULL.
 */
int dlt_pq__decompress(dlt_pq_codec_ctx *ctx, int codec, const uint8_t *src, size_t src_len,
                       uint8_t *dst, size_t dst_len, dlt_error *err);

/*
 * Compress `len` bytes and APPEND the result to `out`. `level` is the codec's
 * own level (ZSTD 1..22, GZIP 1..12, BROTLI 0..11); 0 means the default
 * (ZSTD 3, GZIP 6, BROTLI 1; ignored by SNAPPY/LZ4). LZ4 writes the Hadoop framing (one or more blocks). LZO ->
 * DLT_EUNSUPPORTED for compression. `ctx` may be NULL.
 */
int dlt_pq__compress(dlt_pq_codec_ctx *ctx, int codec, int level, const uint8_t *src,
                     size_t len, dlt_buf *out, dlt_error *err);

/* Upper bound of compressed size for `len` input bytes (for reserving). 0 on overflow. */
size_t dlt_pq__compress_bound(int codec, size_t len);

#endif /* DLT_PARQUET_CODEC_H */
