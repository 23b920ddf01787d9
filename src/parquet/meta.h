/*
 * parquet/meta.h - Parquet metadata structs (parquet.thrift), decode and encode.
 * Internal, never exported.
 *
 * Enum values are the numbers of the spec. Optional fields have a `has_` flag
 * (or a NULL pointer for strings/structs); encoding writes only those set.
 *
 * Memory: dlt_pq__file_meta_decode() allocates the whole tree (every struct,
 * array and string) from ONE arena owned by the returned dlt_pq_file_meta;
 * dlt_pq__file_meta_free() releases it in one call. Strings and binaries are
 * COPIED into the arena (the input buffer may be freed right after decoding);
 * strings are NUL-terminated, binaries too (one extra NUL not counted in len).
 * ColumnIndex/OffsetIndex decode the same way (their own arena).
 *
 * dlt_pq__page_header_decode() allocates nothing: its binary fields
 * (statistics min/max) point INTO the input buffer (borrowed).
 *
 * Encoders take structs built by the caller with any memory (they only read
 * them) and append the compact-protocol bytes to a dlt_buf.
 */
#ifndef DLT_PARQUET_META_H
#define DLT_PARQUET_META_H

#include "util/util.h"

#include <stdbool.h>
#include <stdint.h>

/* ---------------- enums (values from parquet.thrift) ---------------- */

typedef enum dlt_pq_type {
	DLT_PQ_TYPE_BOOLEAN = 0,
	DLT_PQ_TYPE_INT32 = 1,
	DLT_PQ_TYPE_INT64 = 2,
	DLT_PQ_TYPE_INT96 = 3,
	DLT_PQ_TYPE_FLOAT = 4,
	DLT_PQ_TYPE_DOUBLE = 5,
	DLT_PQ_TYPE_BYTE_ARRAY = 6,
	DLT_PQ_TYPE_FIXED_LEN_BYTE_ARRAY = 7
} dlt_pq_type;

typedef enum dlt_pq_converted_type {
	DLT_PQ_CT_UTF8 = 0,
	DLT_PQ_CT_MAP = 1,
	DLT_PQ_CT_MAP_KEY_VALUE = 2,
	DLT_PQ_CT_LIST = 3,
	DLT_PQ_CT_ENUM = 4,
	DLT_PQ_CT_DECIMAL = 5,
	DLT_PQ_CT_DATE = 6,
	DLT_PQ_CT_TIME_MILLIS = 7,
	DLT_PQ_CT_TIME_MICROS = 8,
	DLT_PQ_CT_TIMESTAMP_MILLIS = 9,
	DLT_PQ_CT_TIMESTAMP_MICROS = 10,
	DLT_PQ_CT_UINT_8 = 11,
	DLT_PQ_CT_UINT_16 = 12,
	DLT_PQ_CT_UINT_32 = 13,
	DLT_PQ_CT_UINT_64 = 14,
	DLT_PQ_CT_INT_8 = 15,
	DLT_PQ_CT_INT_16 = 16,
	DLT_PQ_CT_INT_32 = 17,
	DLT_PQ_CT_INT_64 = 18,
	DLT_PQ_CT_JSON = 19,
	DLT_PQ_CT_BSON = 20,
	DLT_PQ_CT_INTERVAL = 21
} dlt_pq_converted_type;

typedef enum dlt_pq_repetition {
	DLT_PQ_REQUIRED = 0,
	DLT_PQ_OPTIONAL = 1,
	DLT_PQ_REPEATED = 2
} dlt_pq_repetition;

typedef enum dlt_pq_encoding {
	DLT_PQ_ENC_PLAIN = 0,
	DLT_PQ_ENC_GROUP_VAR_INT = 1, /* never used */
	DLT_PQ_ENC_PLAIN_DICTIONARY = 2,
	DLT_PQ_ENC_RLE = 3,
	DLT_PQ_ENC_BIT_PACKED = 4,
	DLT_PQ_ENC_DELTA_BINARY_PACKED = 5,
	DLT_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
	DLT_PQ_ENC_DELTA_BYTE_ARRAY = 7,
	DLT_PQ_ENC_RLE_DICTIONARY = 8,
	DLT_PQ_ENC_BYTE_STREAM_SPLIT = 9
} dlt_pq_encoding;

typedef enum dlt_pq_codec {
	DLT_PQ_CODEC_UNCOMPRESSED = 0,
	DLT_PQ_CODEC_SNAPPY = 1,
	DLT_PQ_CODEC_GZIP = 2,
	DLT_PQ_CODEC_LZO = 3,
	DLT_PQ_CODEC_BROTLI = 4,
	DLT_PQ_CODEC_LZ4 = 5, /* deprecated Hadoop-framed LZ4 */
	DLT_PQ_CODEC_ZSTD = 6,
	DLT_PQ_CODEC_LZ4_RAW = 7
} dlt_pq_codec;

typedef enum dlt_pq_page_type {
	DLT_PQ_PAGE_DATA = 0,
	DLT_PQ_PAGE_INDEX = 1,
	DLT_PQ_PAGE_DICTIONARY = 2,
	DLT_PQ_PAGE_DATA_V2 = 3
} dlt_pq_page_type;

typedef enum dlt_pq_boundary_order {
	DLT_PQ_BOUNDARY_UNORDERED = 0,
	DLT_PQ_BOUNDARY_ASCENDING = 1,
	DLT_PQ_BOUNDARY_DESCENDING = 2
} dlt_pq_boundary_order;

/* LogicalType union member: the value is the thrift field id of the member. */
typedef enum dlt_pq_logical_kind {
	DLT_PQ_LT_NONE = 0, /* no logicalType field */
	DLT_PQ_LT_STRING = 1,
	DLT_PQ_LT_MAP = 2,
	DLT_PQ_LT_LIST = 3,
	DLT_PQ_LT_ENUM = 4,
	DLT_PQ_LT_DECIMAL = 5,
	DLT_PQ_LT_DATE = 6,
	DLT_PQ_LT_TIME = 7,
	DLT_PQ_LT_TIMESTAMP = 8,
	DLT_PQ_LT_INTEGER = 10,
	DLT_PQ_LT_UNKNOWN = 11, /* "NullType": always null */
	DLT_PQ_LT_JSON = 12,
	DLT_PQ_LT_BSON = 13,
	DLT_PQ_LT_UUID = 14,
	DLT_PQ_LT_FLOAT16 = 15,
	DLT_PQ_LT_VARIANT = 16,
	DLT_PQ_LT_GEOMETRY = 17,
	DLT_PQ_LT_GEOGRAPHY = 18,
	DLT_PQ_LT_OTHER = 1000 /* a member this code does not know (tolerated) */
} dlt_pq_logical_kind;

typedef enum dlt_pq_time_unit {
	DLT_PQ_UNIT_NONE = 0,
	DLT_PQ_UNIT_MILLIS = 1,
	DLT_PQ_UNIT_MICROS = 2,
	DLT_PQ_UNIT_NANOS = 3
} dlt_pq_time_unit;

/* Names for messages ("INT32", "RLE_DICTIONARY", "ZSTD", ...); "UNKNOWN(<n>)"-style
 * static "UNKNOWN" for values outside the spec. Never NULL. */
const char *dlt_pq__type_name(int type);
const char *dlt_pq__converted_type_name(int ct);
const char *dlt_pq__repetition_name(int rep);
const char *dlt_pq__encoding_name(int enc);
const char *dlt_pq__codec_name(int codec);
const char *dlt_pq__page_type_name(int type);
const char *dlt_pq__logical_kind_name(int kind);

/* ---------------- structs ---------------- */

typedef struct dlt_pq_bytes {
	const uint8_t *data; /* NULL when absent */
	size_t len;
} dlt_pq_bytes;

typedef struct dlt_pq_kv {
	const char *key;   /* required */
	const char *value; /* NULL when absent */
	size_t key_len, value_len;
} dlt_pq_kv;

typedef struct dlt_pq_logical_type {
	dlt_pq_logical_kind kind;
	int32_t other_id;            /* DLT_PQ_LT_OTHER: the unknown member's field id */
	/* DECIMAL */
	int32_t scale, precision;
	/* TIME, TIMESTAMP */
	bool is_adjusted_to_utc;
	dlt_pq_time_unit unit;       /* DLT_PQ_UNIT_NONE if an unknown unit */
	/* INTEGER */
	int8_t bit_width;
	bool is_signed;
	/* VARIANT */
	bool has_spec_version;
	int8_t spec_version;
	/* GEOMETRY, GEOGRAPHY */
	const char *crs;             /* NULL when absent */
	bool has_algorithm;
	int32_t algorithm;           /* GEOGRAPHY EdgeInterpolationAlgorithm */
} dlt_pq_logical_type;

typedef struct dlt_pq_schema_element {
	const char *name;            /* required; NUL-terminated */
	bool has_type;               /* leaves have a type, groups do not */
	dlt_pq_type type;
	bool has_type_length;
	int32_t type_length;
	bool has_repetition;
	dlt_pq_repetition repetition;
	bool has_num_children;
	int32_t num_children;
	bool has_converted_type;
	dlt_pq_converted_type converted_type;
	bool has_scale;
	int32_t scale;
	bool has_precision;
	int32_t precision;
	bool has_field_id;
	int32_t field_id;
	dlt_pq_logical_type logical;  /* kind DLT_PQ_LT_NONE when absent */
} dlt_pq_schema_element;

typedef struct dlt_pq_statistics {
	bool present;                /* the Statistics struct was there at all */
	bool has_null_count, has_distinct_count;
	bool has_is_max_value_exact, has_is_min_value_exact;
	dlt_pq_bytes max, min;       /* deprecated fields 1, 2 (data NULL if absent) */
	dlt_pq_bytes max_value, min_value; /* fields 5, 6 (data NULL if absent) */
	int64_t null_count, distinct_count;
	bool is_max_value_exact, is_min_value_exact;
} dlt_pq_statistics;

typedef struct dlt_pq_page_encoding_stats {
	dlt_pq_page_type page_type;
	dlt_pq_encoding encoding;
	int32_t count;
} dlt_pq_page_encoding_stats;

typedef struct dlt_pq_column_meta {
	dlt_pq_type type;
	int32_t *encodings;          /* dlt_pq_encoding values */
	size_t num_encodings;
	const char **path;           /* path_in_schema */
	size_t path_len;
	dlt_pq_codec codec;
	int64_t num_values;
	int64_t total_uncompressed_size;
	int64_t total_compressed_size;
	dlt_pq_kv *kv;
	size_t num_kv;
	int64_t data_page_offset;
	bool has_index_page_offset;
	int64_t index_page_offset;
	bool has_dictionary_page_offset;
	int64_t dictionary_page_offset;
	dlt_pq_statistics statistics;
	dlt_pq_page_encoding_stats *encoding_stats; /* NULL when absent */
	size_t num_encoding_stats;
	bool has_bloom_filter_offset;
	int64_t bloom_filter_offset;
	bool has_bloom_filter_length;
	int32_t bloom_filter_length;
} dlt_pq_column_meta;

typedef struct dlt_pq_column_chunk {
	const char *file_path;       /* NULL when absent */
	int64_t file_offset;
	dlt_pq_column_meta *meta;    /* NULL when absent (e.g. encrypted columns) */
	bool has_offset_index;
	int64_t offset_index_offset;
	int32_t offset_index_length;
	bool has_column_index;
	int64_t column_index_offset;
	int32_t column_index_length;
	bool has_crypto_metadata;          /* presence only */
	bool has_encrypted_column_metadata; /* presence only */
} dlt_pq_column_chunk;

typedef struct dlt_pq_sorting_column {
	int32_t column_idx;
	bool descending;
	bool nulls_first;
} dlt_pq_sorting_column;

typedef struct dlt_pq_row_group {
	dlt_pq_column_chunk *columns;
	size_t num_columns;
	int64_t total_byte_size;
	int64_t num_rows;
	dlt_pq_sorting_column *sorting_columns; /* NULL when absent */
	size_t num_sorting_columns;
	bool has_file_offset;
	int64_t file_offset;
	bool has_total_compressed_size;
	int64_t total_compressed_size;
	bool has_ordinal;
	int16_t ordinal;
} dlt_pq_row_group;

/* ColumnOrder union: 1 = TYPE_ORDER; other values = an unknown member id. */
#define DLT_PQ_ORDER_TYPE_DEFINED 1

typedef struct dlt_pq_arena dlt_pq_arena;

typedef struct dlt_pq_file_meta {
	dlt_pq_arena *arena;         /* owns everything below (decode only) */
	int32_t version;
	dlt_pq_schema_element *schema;
	size_t num_schema;
	int64_t num_rows;
	dlt_pq_row_group *row_groups;
	size_t num_row_groups;
	dlt_pq_kv *kv;               /* key_value_metadata */
	size_t num_kv;
	const char *created_by;      /* NULL when absent */
	int32_t *column_orders;      /* NULL when absent */
	size_t num_column_orders;
	bool has_encryption_algorithm;       /* presence only (plaintext footer mode) */
	bool has_footer_signing_key_metadata;
} dlt_pq_file_meta;

typedef struct dlt_pq_data_page_header {
	int32_t num_values;
	dlt_pq_encoding encoding;
	dlt_pq_encoding definition_level_encoding;
	dlt_pq_encoding repetition_level_encoding;
	dlt_pq_statistics statistics; /* binaries borrowed from the input */
} dlt_pq_data_page_header;

typedef struct dlt_pq_dictionary_page_header {
	int32_t num_values;
	dlt_pq_encoding encoding;
	bool has_is_sorted;
	bool is_sorted;
} dlt_pq_dictionary_page_header;

typedef struct dlt_pq_data_page_header_v2 {
	int32_t num_values;
	int32_t num_nulls;
	int32_t num_rows;
	dlt_pq_encoding encoding;
	int32_t definition_levels_byte_length;
	int32_t repetition_levels_byte_length;
	bool is_compressed;          /* default true when absent */
	dlt_pq_statistics statistics; /* binaries borrowed from the input */
} dlt_pq_data_page_header_v2;

typedef struct dlt_pq_page_header {
	dlt_pq_page_type type;
	int32_t uncompressed_page_size;
	int32_t compressed_page_size;
	bool has_crc;
	int32_t crc;
	bool has_data;               /* data_page_header present */
	dlt_pq_data_page_header data;
	bool has_index;              /* index_page_header present (empty struct) */
	bool has_dictionary;
	dlt_pq_dictionary_page_header dictionary;
	bool has_data_v2;
	dlt_pq_data_page_header_v2 data_v2;
} dlt_pq_page_header;

typedef struct dlt_pq_column_index {
	dlt_pq_arena *arena;         /* owns the arrays (decode only) */
	bool *null_pages;
	size_t num_pages;            /* length of null_pages, min_values, max_values */
	dlt_pq_bytes *min_values;
	dlt_pq_bytes *max_values;
	dlt_pq_boundary_order boundary_order;
	int64_t *null_counts;        /* NULL when absent; num_pages entries */
	int64_t *repetition_level_histograms; /* NULL when absent */
	size_t num_repetition_level_histograms;
	int64_t *definition_level_histograms; /* NULL when absent */
	size_t num_definition_level_histograms;
} dlt_pq_column_index;

typedef struct dlt_pq_page_location {
	int64_t offset;
	int32_t compressed_page_size;
	int64_t first_row_index;
} dlt_pq_page_location;

typedef struct dlt_pq_offset_index {
	dlt_pq_arena *arena;
	dlt_pq_page_location *pages;
	size_t num_pages;
	int64_t *unencoded_byte_array_data_bytes; /* NULL when absent */
	size_t num_unencoded;
} dlt_pq_offset_index;

typedef struct dlt_pq_bloom_filter_header {
	int32_t num_bytes;
	int32_t algorithm;           /* union member id: 1 = BLOCK (split block) */
	int32_t hash;                /* 1 = XXHASH */
	int32_t compression;         /* 1 = UNCOMPRESSED */
} dlt_pq_bloom_filter_header;

/* ---------------- sanity limits ---------------- */

#define DLT_PQ_MAX_FOOTER_LEN ((uint32_t)1 << 30) /* 1 GiB */

/* ---------------- arena ---------------- */

/* Allocation from chunks; everything freed at once. Exposed for the writer/reader
 * that may want to build metadata in one place too. */
int dlt_pq__arena_new(dlt_pq_arena **out, dlt_error *err);
/* 8-byte aligned, zeroed; NULL on failure (or n == 0 -> a valid non-NULL pointer). */
void *dlt_pq__arena_alloc(dlt_pq_arena *a, size_t n);
/* Copy of n bytes plus a NUL terminator. */
char *dlt_pq__arena_strndup(dlt_pq_arena *a, const void *s, size_t n);
void dlt_pq__arena_free(dlt_pq_arena *a);

/* ---------------- decode ---------------- */

/* Decode a serialized FileMetaData (`len` bytes, the footer without length/magic).
 * *out is owned by the caller: dlt_pq__file_meta_free. DLT_ECORRUPT on bad bytes. */
int dlt_pq__file_meta_decode(dlt_pq_file_meta **out, const uint8_t *buf, size_t len,
                             dlt_error *err);
void dlt_pq__file_meta_free(dlt_pq_file_meta *m);

/*
 * Footer entry point. `tail` holds the LAST `tail_len` bytes of a file of
 * `file_size` bytes. Checks the trailing magic ("PAR1"; "PARE" ->
 * DLT_EUNSUPPORTED "encrypted parquet is not supported"), the footer length
 * bounds (<= file_size - 12, <= DLT_PQ_MAX_FOOTER_LEN) and the leading "PAR1"
 * when the tail reaches the file start.
 *   - if the footer is entirely inside `tail`, decodes it into *out;
 *   - otherwise returns DLT_OK with *out NULL and *footer_len_out set: read
 *     footer_len + 8 tail bytes and call again.
 * footer_len_out may be NULL only if the caller passes the whole tail.
 */
int dlt_pq__footer_parse(dlt_pq_file_meta **out, uint32_t *footer_len_out,
                         const uint8_t *tail, size_t tail_len, uint64_t file_size,
                         dlt_error *err);

/*
 * Decode one PageHeader at buf[0..len). *consumed gets the header's size. No
 * allocation: statistics binaries point into buf. If the bytes ran out before
 * the header ended, returns DLT_ECORRUPT and sets *truncated (may be NULL) to
 * true: a caller that passed only a prefix may retry with more bytes.
 * Negative sizes/counts -> DLT_ECORRUPT.
 */
int dlt_pq__page_header_decode(dlt_pq_page_header *out, size_t *consumed, const uint8_t *buf,
                               size_t len, bool *truncated, dlt_error *err);

/* ColumnIndex / OffsetIndex: free with the matching _free (NULL ok). */
int dlt_pq__column_index_decode(dlt_pq_column_index **out, const uint8_t *buf, size_t len,
                                dlt_error *err);
void dlt_pq__column_index_free(dlt_pq_column_index *ci);
int dlt_pq__offset_index_decode(dlt_pq_offset_index **out, const uint8_t *buf, size_t len,
                                dlt_error *err);
void dlt_pq__offset_index_free(dlt_pq_offset_index *oi);

/* BloomFilterHeader; *consumed = header size (the bitset follows). */
int dlt_pq__bloom_header_decode(dlt_pq_bloom_filter_header *out, size_t *consumed,
                                const uint8_t *buf, size_t len, dlt_error *err);

/* ---------------- encode (append to out) ---------------- */

int dlt_pq__file_meta_encode(dlt_buf *out, const dlt_pq_file_meta *m, dlt_error *err);
int dlt_pq__page_header_encode(dlt_buf *out, const dlt_pq_page_header *h, dlt_error *err);
int dlt_pq__column_index_encode(dlt_buf *out, const dlt_pq_column_index *ci, dlt_error *err);
int dlt_pq__offset_index_encode(dlt_buf *out, const dlt_pq_offset_index *oi, dlt_error *err);
int dlt_pq__bloom_header_encode(dlt_buf *out, const dlt_pq_bloom_filter_header *h,
                                dlt_error *err);

#endif /* DLT_PARQUET_META_H */
