/* Test helpers for the Parquet reader tests: MD5, the conformance corpus's
 * canonical value text over Arrow arrays, reading a whole file to text rows.
 * Test code only; independent of the library's own JSON/text writers. */
#ifndef DLT_TESTS_HELPERS_PQ_H
#define DLT_TESTS_HELPERS_PQ_H

#include "deltalite/arrow_c.h"
#include "deltalite/parquet.h"
#include "util/util.h"

#include <stdint.h>

typedef struct pqt_md5 {
	uint32_t a, b, c, d;
	uint64_t len;
	uint8_t buf[64];
	size_t n;
} pqt_md5;
void pqt_md5_init(pqt_md5 *m);
void pqt_md5_update(pqt_md5 *m, const void *data, size_t len);
void pqt_md5_final(pqt_md5 *m, uint8_t out[16]);
/* 32 lowercase hex digits + NUL. */
void pqt_md5_hex(const void *data, size_t len, char out[33]);

/* Canonical text of element i of `a` (schema `s`), appended to b. Returns 0 or -1. */
int pqt_render_value(dlt_buf *b, const struct ArrowSchema *s, const struct ArrowArray *a,
                     int64_t i);
/* {"col":value,...} of row i of a record batch (struct array). */
int pqt_render_row(dlt_buf *b, const struct ArrowSchema *s, const struct ArrowArray *a,
                   int64_t i);

/* All rows of a file as canonical lines, each followed by "\n", in *text
 * (dlt_free). *n_rows set. Returns a dlt_code; err filled. */
typedef struct pqt_column_agg {
	char name[256];
	int64_t count, null_count;
	uint64_t md5_sum;
} pqt_column_agg;
typedef struct pqt_result {
	char *text;           /* rows, "\n"-terminated lines */
	size_t text_len;
	int64_t n_rows;
	pqt_column_agg *cols; /* per top-level column */
	size_t n_cols;
} pqt_result;
int pqt_read_file(pqt_result *out, const char *path, const dlt_parquet_read_options *opts,
                  dlt_error *err);
void pqt_result_free(pqt_result *r);

#endif
