/*
 * parquet/encoding.h - Parquet value and level encodings. Internal.
 *
 * DECODING writes into caller-provided arrays, n values per call, so a reader
 * can decode a page in batches. All decoders are strict: truncated input, bit
 * widths out of range, counts larger than the page -> DLT_ECORRUPT with a
 * message; never a read out of bounds.
 *
 *   levels / dictionary indices: dlt_pq_rle_decoder (RLE/bit-packed hybrid) and
 *       dlt_pq__bitpacked_levels_decode (deprecated BIT_PACKED).
 *   values: dlt_pq_decoder, one per data page, for PLAIN, RLE (booleans),
 *       DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY,
 *       BYTE_STREAM_SPLIT, and PLAIN_DICTIONARY/RLE_DICTIONARY (indices).
 *
 * Value layouts produced by the decoders (and consumed by the encoders):
 *   BOOLEAN              one uint8_t per value, 0 or 1
 *   INT32/FLOAT          4 bytes per value (native little-endian)
 *   INT64/DOUBLE         8 bytes per value
 *   INT96                12 bytes per value (raw)
 *   FIXED_LEN_BYTE_ARRAY type_length bytes per value
 *   BYTE_ARRAY           Arrow-style offsets + data: the caller passes
 *                        `offsets` with offsets[0] already set (the current end
 *                        of the data, e.g. data->len or 0); the decoder writes
 *                        offsets[1..n] (offsets[i+1] = offsets[i] + len_i) and
 *                        appends the bytes to `data`. Int32 offsets that would
 *                        pass INT32_MAX -> DLT_ELIMIT.
 *
 * ENCODING appends to a dlt_buf (only DLT_ENOMEM / DLT_EINVAL can fail).
 */
#ifndef DLT_PARQUET_ENCODING_H
#define DLT_PARQUET_ENCODING_H

#include "util/util.h"

#include <stdbool.h>
#include <stdint.h>

/* Bits needed to represent v (0 -> 0, 1 -> 1, 255 -> 8). */
static inline int dlt_pq__bit_width(uint64_t v)
{
	return v == 0 ? 0 : 64 - __builtin_clzll(v);
}

/* ---------------- RLE / bit-packed hybrid ---------------- */

typedef struct dlt_pq_rle_decoder {
	const uint8_t *p, *end;  /* remaining runs */
	int bit_width;           /* 0..32 */
	uint32_t rle_left;       /* values left in the current RLE run */
	uint32_t rle_value;
	uint32_t bp_left;        /* values left in the current bit-packed run */
	const uint8_t *bp;       /* next group of 8 in the bit-packed run */
	const uint8_t *bp_end;   /* end of the bit-packed run's bytes (<= end) */
	uint32_t buf[8];         /* unpacked values of a partly consumed group */
	uint32_t buf_pos, buf_len;
} dlt_pq_rle_decoder;

/*
 * Start decoding `len` bytes of runs (no length prefix: the caller strips the
 * 4-byte length of v1 levels / finds the length of v2 levels). bit_width
 * 0..32 else DLT_ECORRUPT. Width 0: runs still have headers, every value is 0.
 */
int dlt_pq__rle_init(dlt_pq_rle_decoder *d, const uint8_t *data, size_t len, int bit_width,
                     dlt_error *err);
/* Next n values; DLT_ECORRUPT if the runs end before n values. */
int dlt_pq__rle_get_u32(dlt_pq_rle_decoder *d, uint32_t *out, size_t n, dlt_error *err);
/* Levels as int16 (bit_width must be <= 15 for this). */
int dlt_pq__rle_get_i16(dlt_pq_rle_decoder *d, int16_t *out, size_t n, dlt_error *err);
/* Like get_u32 but every value must be < dict_len (else DLT_ECORRUPT naming it). */
int dlt_pq__rle_get_indices(dlt_pq_rle_decoder *d, uint32_t *out, size_t n, uint32_t dict_len,
                            dlt_error *err);
/* Levels of bit width 1 straight into a validity bitmap: value i -> bit pos+i of
 * `bits` (LSB-first, other bits kept); adds the count of ones to *ones. */
int dlt_pq__rle_get_bitmap(dlt_pq_rle_decoder *d, uint8_t *bits, size_t pos, size_t n,
                           size_t *ones, dlt_error *err);
/* Skip n values. */
int dlt_pq__rle_skip(dlt_pq_rle_decoder *d, size_t n, dlt_error *err);

/*
 * v1 data page levels: read the u32 little-endian length prefix at data and
 * init the decoder on the bytes that follow; *consumed = 4 + length.
 */
int dlt_pq__rle_init_prefixed(dlt_pq_rle_decoder *d, size_t *consumed, const uint8_t *data,
                              size_t len, int bit_width, dlt_error *err);

/*
 * Deprecated BIT_PACKED levels (MSB-first packing, no runs): decode n values of
 * bit_width from data; *consumed = ceil(n * bit_width / 8).
 */
int dlt_pq__bitpacked_levels_decode(int16_t *out, size_t n, size_t *consumed,
                                    const uint8_t *data, size_t len, int bit_width,
                                    dlt_error *err);

/* Encode n values as RLE/bit-packed hybrid runs (no length prefix); appends. */
int dlt_pq__rle_encode_u32(dlt_buf *out, const uint32_t *values, size_t n, int bit_width,
                           dlt_error *err);
int dlt_pq__rle_encode_i16(dlt_buf *out, const int16_t *values, size_t n, int bit_width,
                           dlt_error *err);

/* ---------------- dictionary gather ---------------- */

/* out[i] = dict[idx[i]] for fixed-width values of `width` bytes. Indices must
 * already be checked (dlt_pq__rle_get_indices). */
void dlt_pq__dict_gather_fixed(void *out, const void *dict, size_t width, const uint32_t *idx,
                               size_t n);
/* Byte-array dictionary (offsets as produced by the PLAIN decoder, data): appends
 * the values to `data` and writes offsets[1..n] (offsets[0] preset). */
int dlt_pq__dict_gather_binary32(int32_t *offsets, dlt_buf *data, const int32_t *dict_offsets,
                                 const uint8_t *dict_data, const uint32_t *idx, size_t n,
                                 dlt_error *err);
int dlt_pq__dict_gather_binary64(int64_t *offsets, dlt_buf *data, const int64_t *dict_offsets,
                                 const uint8_t *dict_data, const uint32_t *idx, size_t n,
                                 dlt_error *err);

/* ---------------- value decoder (one data page) ---------------- */

typedef struct dlt_pq_decoder {
	int encoding;            /* dlt_pq_encoding */
	int type;                /* dlt_pq_type */
	size_t width;            /* bytes per value for fixed-width types */
	const uint8_t *data, *p, *end;
	size_t left;             /* values left that the decoder may produce */
	/* PLAIN BOOLEAN */
	unsigned bit;            /* next bit within *p */
	/* RLE booleans, dictionary indices */
	dlt_pq_rle_decoder rle;
	/* DELTA_BINARY_PACKED (and the length streams of the DELTA byte arrays) */
	struct dlt_pq_delta_state {
		const uint8_t *p, *end;
		uint64_t block_size, miniblocks, per_miniblock;
		uint64_t total, produced;
		uint64_t last;           /* previous value (wrap-around, unsigned) */
		uint64_t min_delta;
		uint8_t widths[256];     /* bit width per miniblock of the current block */
		uint32_t mb_index;       /* current miniblock in block */
		uint64_t mb_left;        /* values left in current miniblock */
		const uint8_t *mb_p;     /* next group of 32 in current miniblock */
		uint64_t tmp[32];
		uint32_t tmp_pos, tmp_len;
		bool first_pending;
	} delta;
	/* DELTA_LENGTH_BYTE_ARRAY / DELTA_BYTE_ARRAY: decoded lengths */
	int32_t *lengths;        /* dlt_malloc'd, `total_lengths` entries */
	int32_t *prefixes;       /* DELTA_BYTE_ARRAY prefix lengths */
	size_t n_lengths, pos;
	dlt_buf prev;            /* DELTA_BYTE_ARRAY previous value */
	/* BYTE_STREAM_SPLIT */
	size_t bss_count, bss_pos;
} dlt_pq_decoder;

/*
 * Start decoding a page's value section. `encoding` (dlt_pq_encoding),
 * physical `type` (dlt_pq_type), `type_length` (for FIXED_LEN_BYTE_ARRAY,
 * else ignored), `num_values`: the most values the page may hold (non-null
 * count if known, else the page's num_values). For PLAIN_DICTIONARY and
 * RLE_DICTIONARY the first byte is the index bit width; use
 * dlt_pq__decoder_indices. Unsupported encoding/type pairs -> DLT_EUNSUPPORTED
 * (e.g. DELTA_BINARY_PACKED on DOUBLE). May allocate (DELTA byte arrays): call
 * dlt_pq__decoder_dispose always (safe on a zeroed or failed decoder).
 */
int dlt_pq__decoder_init(dlt_pq_decoder *d, int encoding, int type, int32_t type_length,
                         const uint8_t *data, size_t len, size_t num_values, dlt_error *err);
void dlt_pq__decoder_dispose(dlt_pq_decoder *d);

/* Fixed-width values (BOOLEAN as bytes, INT32, INT64, INT96, FLOAT, DOUBLE,
 * FIXED_LEN_BYTE_ARRAY): n * width bytes into out. */
int dlt_pq__decoder_fixed(dlt_pq_decoder *d, void *out, size_t n, dlt_error *err);
/* BYTE_ARRAY values (see layout above). */
int dlt_pq__decoder_binary32(dlt_pq_decoder *d, int32_t *offsets, dlt_buf *data, size_t n,
                             dlt_error *err);
int dlt_pq__decoder_binary64(dlt_pq_decoder *d, int64_t *offsets, dlt_buf *data, size_t n,
                             dlt_error *err);
/* Dictionary indices (PLAIN_DICTIONARY / RLE_DICTIONARY), each < dict_len. */
int dlt_pq__decoder_indices(dlt_pq_decoder *d, uint32_t *out, size_t n, uint32_t dict_len,
                            dlt_error *err);

/* ---------------- value encoders (append) ---------------- */

/* PLAIN fixed width: n * width bytes copied. */
int dlt_pq__plain_encode_fixed(dlt_buf *out, const void *values, size_t n, size_t width,
                               dlt_error *err);
/* PLAIN BOOLEAN from one byte per value (nonzero = true), bit-packed LSB first. */
int dlt_pq__plain_encode_bool(dlt_buf *out, const uint8_t *values, size_t n, dlt_error *err);
/* PLAIN BYTE_ARRAY: u32 length + bytes for value i = data[offsets[i]..offsets[i+1]). */
int dlt_pq__plain_encode_binary32(dlt_buf *out, const int32_t *offsets, const uint8_t *data,
                                  size_t n, dlt_error *err);
int dlt_pq__plain_encode_binary64(dlt_buf *out, const int64_t *offsets, const uint8_t *data,
                                  size_t n, dlt_error *err);
/* DELTA_BINARY_PACKED (block 128, 4 miniblocks of 32). */
int dlt_pq__delta_encode_i32(dlt_buf *out, const int32_t *values, size_t n, dlt_error *err);
int dlt_pq__delta_encode_i64(dlt_buf *out, const int64_t *values, size_t n, dlt_error *err);
/* DELTA_LENGTH_BYTE_ARRAY. */
int dlt_pq__delta_length_encode_binary32(dlt_buf *out, const int32_t *offsets,
                                         const uint8_t *data, size_t n, dlt_error *err);
int dlt_pq__delta_length_encode_binary64(dlt_buf *out, const int64_t *offsets,
                                         const uint8_t *data, size_t n, dlt_error *err);
/* DELTA_BYTE_ARRAY (prefix lengths + DELTA_LENGTH suffixes). */
int dlt_pq__delta_byte_array_encode_binary32(dlt_buf *out, const int32_t *offsets,
                                             const uint8_t *data, size_t n, dlt_error *err);
int dlt_pq__delta_byte_array_encode_binary64(dlt_buf *out, const int64_t *offsets,
                                             const uint8_t *data, size_t n, dlt_error *err);
/* BYTE_STREAM_SPLIT of n values of `width` bytes. */
int dlt_pq__bss_encode(dlt_buf *out, const void *values, size_t n, size_t width,
                       dlt_error *err);

/* ---------------- bit packing (bitpack.c) ---------------- */

/* Unpack n values of bit_width (0..32) packed LSB-first from in[0..in_len).
 * Caller guarantees in_len >= ceil(n * bit_width / 8). */
void dlt_pq__unpack_u32(uint32_t *out, const uint8_t *in, size_t in_len, size_t n,
                        int bit_width);
/* Same for bit_width 0..64. */
void dlt_pq__unpack_u64(uint64_t *out, const uint8_t *in, size_t in_len, size_t n,
                        int bit_width);
/* Pack n values LSB-first into out (ceil(n*bit_width/8) bytes written, zero-padded);
 * values are masked to bit_width. */
void dlt_pq__pack_u32(uint8_t *out, const uint32_t *in, size_t n, int bit_width);
void dlt_pq__pack_u64(uint8_t *out, const uint64_t *in, size_t n, int bit_width);

#endif /* DLT_PARQUET_ENCODING_H */
