/* Test helpers of the table module: canonical row text of the conformance
 * corpus ("Delta oracles" in ../shared/conformance/README.md), written here
 * independently of the library's writers, and table fixtures. */
#ifndef DLT_TEST_TABLE_HELPERS_H
#define DLT_TEST_TABLE_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "deltalite.h"

typedef struct th_lines {
	char **v;
	size_t n, cap;
} th_lines;

void th_lines_free(th_lines *l);
void th_lines_push(th_lines *l, char *s /* taken */);
void th_lines_sort(th_lines *l);
/* Read a file's lines (without '\n'). Returns 0, -1 if unreadable. */
int th_read_lines(th_lines *out, const char *path);
/* Append one canonical JSON line per row of `batch` (a struct array). */
void th_render_batch(th_lines *out, const struct ArrowSchema *schema,
                     const struct ArrowArray *batch);
/* Drain a stream into rendered lines; returns the stream's rc (0 ok) and puts the
 * error text into errbuf. */
int th_render_stream(th_lines *out, struct ArrowArrayStream *s, char *errbuf, size_t cap);

/* Root of a corpus table: dir itself if it has _delta_log, else the archive
 * <dir>/<name>.tar.zst unpacked under DLT_TEST_TMPDIR. Returns a malloc'd path
 * or NULL. */
char *th_table_root(const char *dir);
/* Copy a directory tree (cp -r) to a fresh dir under DLT_TEST_TMPDIR. */
char *th_copy_table(const char *src, const char *name);

#endif
