/* Shared helpers of the text-module tests. */
#ifndef DLT_TEST_CSV_HELPERS_H
#define DLT_TEST_CSV_HELPERS_H

#include "deltalite/io.h"
#include "deltalite/text.h"

/* An input over `data` (borrowed) that returns at most `step` bytes per read. */
int th_input_trickle(dlt_input **out, const void *data, size_t len, size_t step, dlt_error *err);
/* Drain `s` (consumed) into JSON lines; *text is dlt_malloc'd (NUL-terminated). Also
 * describes the stream schema into desc (cap bytes) when desc != NULL. */
int th_stream_to_jsonl(struct ArrowArrayStream *s, char **text, char *desc, size_t cap,
                       int64_t *n_batches, dlt_error *err);
/* Read CSV text with opts (NULL ok) and dump as JSON lines. */
int th_csv_to_jsonl(const char *csv, size_t n, size_t step, const dlt_csv_read_options *opts,
                    char **text, char *desc, size_t cap, int64_t *n_batches, dlt_error *err);
int th_ndjson_to_jsonl(const char *js, size_t n, const dlt_ndjson_read_options *opts,
                       char **text, char *desc, size_t cap, dlt_error *err);

#endif
