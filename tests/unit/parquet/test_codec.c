/* Compression codecs: round trips, corrupt input, and real pages of the conformance files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "parquet/codec.h"
#include "parquet/meta.h"

static const int all_codecs[] = { DLT_PQ_CODEC_UNCOMPRESSED, DLT_PQ_CODEC_SNAPPY,
	                          DLT_PQ_CODEC_GZIP,         DLT_PQ_CODEC_BROTLI,
	                          DLT_PQ_CODEC_LZ4,          DLT_PQ_CODEC_ZSTD,
	                          DLT_PQ_CODEC_LZ4_RAW };

static void test_codec_round_trips(void **state)
{
	static const size_t sizes[] = { 0, 1, 100, 65536, 300000 };
	dlt_pq_codec_ctx *ctx = NULL;
	dlt_error err;
	uint64_t x = 1;
	(void)state;
	assert_int_equal(dlt_pq__codec_ctx_new(&ctx, &err), DLT_OK);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s];
		uint8_t *src = malloc(n + 1), *dst = malloc(n + 1);
		for (size_t i = 0; i < n; i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			src[i] = (uint8_t)(i % 7 == 0 ? (x >> 56) : (i / 13) & 0xff); /* compressible */
		}
		for (size_t c = 0; c < sizeof(all_codecs) / sizeof(all_codecs[0]); c++) {
			int codec = all_codecs[c];
			for (int with_ctx = 0; with_ctx < 2; with_ctx++) {
				dlt_buf out = DLT_BUF_INIT;
				assert_int_equal(dlt_buf_append(&out, "hdr", 3, &err), DLT_OK);
				if (dlt_pq__compress(with_ctx ? ctx : NULL, codec, 0, src, n, &out, &err) !=
				    DLT_OK)
					fail_msg("%s compress: %s", dlt_pq__codec_name(codec), err.message);
				assert_memory_equal(out.data, "hdr", 3); /* appended */
				if (n > 1000 && codec != DLT_PQ_CODEC_UNCOMPRESSED)
					assert_true(out.len - 3 < n);
				memset(dst, 0xaa, n + 1);
				if (dlt_pq__decompress(with_ctx ? ctx : NULL, codec, out.data + 3,
				                       out.len - 3, dst, n, &err) != DLT_OK)
					fail_msg("%s decompress %zu: %s", dlt_pq__codec_name(codec), n,
					         err.message);
				if (n)
					assert_memory_equal(dst, src, n);
				assert_int_equal(dst[n], 0xaa);
				/* wrong expected size */
				if (n > 0) {
					assert_int_equal(dlt_pq__decompress(ctx, codec, out.data + 3,
					                                    out.len - 3, dst, n - 1, &err),
					                 DLT_ECORRUPT);
					assert_int_equal(dlt_pq__decompress(ctx, codec, out.data + 3,
					                                    out.len - 3, dst, n + 1, &err),
					                 DLT_ECORRUPT);
				}
				/* truncated input */
				if (out.len - 3 > 4)
					assert_int_equal(dlt_pq__decompress(ctx, codec, out.data + 3,
					                                    (out.len - 3) / 2, dst, n, &err),
					                 DLT_ECORRUPT);
				dlt_buf_dispose(&out);
			}
		}
		free(src);
		free(dst);
	}
	dlt_pq__codec_ctx_free(ctx);
}

static void test_codec_garbage_and_unsupported(void **state)
{
	uint8_t junk[256], dst[1000];
	dlt_error err;
	dlt_buf out = DLT_BUF_INIT;
	(void)state;
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	for (size_t c = 1; c < sizeof(all_codecs) / sizeof(all_codecs[0]); c++)
		assert_int_equal(dlt_pq__decompress(NULL, all_codecs[c], junk, sizeof(junk), dst,
		                                    sizeof(dst), &err), DLT_ECORRUPT);
	assert_int_equal(dlt_pq__decompress(NULL, DLT_PQ_CODEC_LZO, junk, 4, dst, 4, &err),
	                 DLT_EUNSUPPORTED);
	assert_string_equal(err.message, "compression codec LZO is not supported");
	assert_int_equal(dlt_pq__decompress(NULL, 99, junk, 4, dst, 4, &err), DLT_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "99"));
	assert_int_equal(dlt_pq__compress(NULL, 99, 0, junk, 4, &out, &err), DLT_EUNSUPPORTED);
	assert_false(dlt_pq__codec_supported(DLT_PQ_CODEC_LZO));
	assert_true(dlt_pq__codec_supported(DLT_PQ_CODEC_ZSTD));
	dlt_buf_dispose(&out);
}

static void test_codec_gzip_concatenated_members(void **state)
{
	dlt_buf a = DLT_BUF_INIT;
	dlt_error err;
	uint8_t dst[11];
	(void)state;
	assert_int_equal(dlt_pq__compress(NULL, DLT_PQ_CODEC_GZIP, 0, (const uint8_t *)"hello", 5,
	                                  &a, &err), DLT_OK);
	assert_int_equal(dlt_pq__compress(NULL, DLT_PQ_CODEC_GZIP, 9, (const uint8_t *)" world",
	                                  6, &a, &err), DLT_OK);
	assert_int_equal(dlt_pq__decompress(NULL, DLT_PQ_CODEC_GZIP, a.data, a.len, dst, 11, &err),
	                 DLT_OK);
	assert_memory_equal(dst, "hello world", 11);
	dlt_buf_dispose(&a);
}

/* Decompress every page of every column chunk of real files. */
static void check_pages(const char *name, int want_codec)
{
	char path[1024];
	FILE *fp;
	long size;
	uint8_t *file;
	dlt_pq_file_meta *m = NULL;
	dlt_pq_codec_ctx *ctx = NULL;
	dlt_error err;
	int pages = 0;

	snprintf(path, sizeof(path), "%s/parquet/data/%s", DLT_CONFORMANCE_DIR, name);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	file = malloc((size_t)size);
	assert_int_equal(fread(file, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	if (dlt_pq__footer_parse(&m, NULL, file, (size_t)size, (uint64_t)size, &err) != DLT_OK)
		fail_msg("%s: %s", name, err.message);
	assert_int_equal(dlt_pq__codec_ctx_new(&ctx, &err), DLT_OK);
	for (size_t g = 0; g < m->num_row_groups; g++) {
		for (size_t c = 0; c < m->row_groups[g].num_columns; c++) {
			const dlt_pq_column_meta *cm = m->row_groups[g].columns[c].meta;
			int64_t pos = cm->has_dictionary_page_offset && cm->dictionary_page_offset > 0
			                      ? cm->dictionary_page_offset
			                      : cm->data_page_offset;
			int64_t end = pos + cm->total_compressed_size;
			assert_int_equal(cm->codec, want_codec);
			assert_true(pos >= 4 && end <= size);
			while (pos < end) {
				dlt_pq_page_header h;
				size_t used, skip = 0;
				uint8_t *dst;
				if (dlt_pq__page_header_decode(&h, &used, file + pos, (size_t)(end - pos),
				                               NULL, &err) != DLT_OK)
					fail_msg("%s: page header at %lld: %s", name, (long long)pos,
					         err.message);
				pos += (int64_t)used;
				assert_true(h.compressed_page_size <= end - pos);
				if (h.has_data_v2) {
					skip = (size_t)h.data_v2.definition_levels_byte_length +
					       (size_t)h.data_v2.repetition_levels_byte_length;
					if (!h.data_v2.is_compressed) {
						pos += h.compressed_page_size;
						continue;
					}
				}
				dst = malloc((size_t)h.uncompressed_page_size - skip + 1);
				if (dlt_pq__decompress(ctx, cm->codec, file + pos + skip,
				                       (size_t)h.compressed_page_size - skip, dst,
				                       (size_t)h.uncompressed_page_size - skip,
				                       &err) != DLT_OK)
					fail_msg("%s: page at %lld: %s", name, (long long)pos, err.message);
				free(dst);
				pages++;
				pos += h.compressed_page_size;
			}
		}
	}
	assert_true(pages > 0);
	dlt_pq__codec_ctx_free(ctx);
	dlt_pq__file_meta_free(m);
	free(file);
}

static void test_codec_conformance_pages(void **state)
{
	(void)state;
	check_pages("hadoop_lz4_compressed.parquet", DLT_PQ_CODEC_LZ4);
	check_pages("hadoop_lz4_compressed_larger.parquet", DLT_PQ_CODEC_LZ4);
	check_pages("non_hadoop_lz4_compressed.parquet", DLT_PQ_CODEC_LZ4);
	check_pages("lz4_raw_compressed.parquet", DLT_PQ_CODEC_LZ4_RAW);
	check_pages("lz4_raw_compressed_larger.parquet", DLT_PQ_CODEC_LZ4_RAW);
	check_pages("alltypes_plain.snappy.parquet", DLT_PQ_CODEC_SNAPPY);
	check_pages("concatenated_gzip_members.parquet", DLT_PQ_CODEC_GZIP);
	check_pages("byte_stream_split.zstd.parquet", DLT_PQ_CODEC_ZSTD);
	check_pages("datapage_v2.snappy.parquet", DLT_PQ_CODEC_SNAPPY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec_round_trips),
		cmocka_unit_test(test_codec_garbage_and_unsupported),
		cmocka_unit_test(test_codec_gzip_concatenated_members),
		cmocka_unit_test(test_codec_conformance_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
