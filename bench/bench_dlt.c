/* The deltalite side of each benchmark: public API only, like any client. */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "deltalite.h"
#include "deltalite/parquet_write.h"
#include "deltalite/text.h"

static int fail(const char *what, const dlt_error *err)
{
	fprintf(stderr, "dlt_bench: %s: %s\n", what, err->message);
	return 1;
}

static int stream_fail(const char *what, struct ArrowArrayStream *s, int rc)
{
	const char *m = s->get_last_error ? s->get_last_error(s) : NULL;
	fprintf(stderr, "dlt_bench: %s: error %d: %s\n", what, rc, m ? m : "(no message)");
	return 1;
}

/* Bytes of a decoded Arrow array (buffers as laid out), for "decoded size". */
static int64_t fixed_width(const char *f)
{
	static const struct {
		const char *fmt;
		int64_t w;
	} t[] = {
		{ "c", 1 }, { "C", 1 }, { "s", 2 }, { "S", 2 }, { "e", 2 }, { "i", 4 }, { "I", 4 },
		{ "f", 4 }, { "tdD", 4 }, { "tts", 4 }, { "ttm", 4 }, { "l", 8 }, { "L", 8 },
		{ "g", 8 }, { "tdm", 8 }, { "ttu", 8 }, { "ttn", 8 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].fmt, f) == 0)
			return t[i].w;
	if (strncmp(f, "ts", 2) == 0 || strncmp(f, "tD", 2) == 0)
		return 8;
	if (strncmp(f, "d:", 2) == 0)
		return strstr(f, ",256") ? 32 : 16;
	if (strncmp(f, "w:", 2) == 0)
		return atoll(f + 2);
	return 0;
}

/* `o`, `n`: the slice in this array's own index space (a struct's offset applies
 * to its children too). */
static int64_t array_bytes(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t o,
                           int64_t n)
{
	int64_t bytes = 0, w;
	const char *f = s->format;

	/* Only the slice [offset, offset + length): batches may share buffers. */
	if (a->n_buffers > 0 && a->buffers[0])
		bytes += (n + 7) / 8;
	if (s->dictionary && a->dictionary)
		bytes += array_bytes(s->dictionary, a->dictionary, a->dictionary->offset,
		                     a->dictionary->length);
	if (strcmp(f, "b") == 0) {
		bytes += (n + 7) / 8;
	} else if ((w = fixed_width(f)) > 0) {
		bytes += n * w;
	} else if (strcmp(f, "u") == 0 || strcmp(f, "z") == 0) {
		const int32_t *off = a->buffers[1];
		bytes += (n + 1) * 4 + (off && n > 0 ? off[o + n] - off[o] : 0);
	} else if (strcmp(f, "U") == 0 || strcmp(f, "Z") == 0) {
		const int64_t *off = a->buffers[1];
		bytes += (n + 1) * 8 + (off && n > 0 ? off[o + n] - off[o] : 0);
	} else if (strcmp(f, "+l") == 0 || strcmp(f, "+m") == 0) {
		bytes += (n + 1) * 4;
	} else if (strcmp(f, "+L") == 0) {
		bytes += (n + 1) * 8;
	}
	for (int64_t i = 0; i < a->n_children && i < s->n_children; i++) {
		const struct ArrowArray *ch = a->children[i];
		if (strcmp(f, "+s") == 0) /* same rows as the parent */
			bytes += array_bytes(s->children[i], ch, o + ch->offset, n);
		else /* lists, maps: the whole child (an upper bound for a slice) */
			bytes += array_bytes(s->children[i], ch, ch->offset, ch->length);
	}
	return bytes;
}

/* Pull every batch; count rows (and decoded bytes when `bytes` is not NULL). */
static int drain(struct ArrowArrayStream *s, int64_t *rows, int64_t *bytes, const char *what)
{
	struct ArrowSchema schema;
	int rc;

	memset(&schema, 0, sizeof(schema));
	if (bytes && (rc = s->get_schema(s, &schema)) != 0)
		return stream_fail(what, s, rc);
	for (;;) {
		struct ArrowArray a;
		if ((rc = s->get_next(s, &a)) != 0) {
			if (schema.release)
				schema.release(&schema);
			return stream_fail(what, s, rc);
		}
		if (!a.release)
			break;
		*rows += a.length;
		if (bytes)
			*bytes += array_bytes(&schema, &a, a.offset, a.length);
		a.release(&a);
	}
	if (schema.release)
		schema.release(&schema);
	return 0;
}

static uint64_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static int csv_read(int argc, char **argv, bench_result *r)
{
	struct ArrowArrayStream s;
	dlt_input *in = NULL;
	dlt_error err;
	double t0;
	int rc;

	if (argc != 1)
		return fprintf(stderr, "dlt_bench: csv_read FILE\n"), 1;
	t0 = bench_now();
	if (dlt_input_open_file(&in, argv[0], &err) < 0 || dlt_csv_read(&s, in, NULL, &err) < 0)
		return fail(argv[0], &err);
	rc = drain(&s, &r->rows, NULL, argv[0]);
	s.release(&s);
	r->seconds = bench_now() - t0;
	bench_extra(r, "input_bytes=%llu", (unsigned long long)file_size(argv[0]));
	return rc;
}

/* Decoded size of the largest row group: read it alone into one batch. */
static int largest_row_group(dlt_parquet_file *f, int64_t *bytes_out, int64_t *rows_out)
{
	dlt_parquet_read_options o = DLT_PARQUET_READ_OPTIONS_INIT;
	struct ArrowArrayStream s;
	int64_t best = 0, best_rows = -1, rows = 0;
	dlt_error err;

	for (int64_t i = 0; i < dlt_parquet_file_num_row_groups(f); i++)
		if (dlt_parquet_file_row_group_rows(f, i) > best_rows) {
			best_rows = dlt_parquet_file_row_group_rows(f, i);
			best = i;
		}
	o.row_groups = &best;
	o.n_row_groups = 1;
	o.batch_size = best_rows > 0 ? best_rows : 1;
	*bytes_out = 0;
	if (dlt_parquet_read(&s, f, &o, &err) < 0)
		return fail("largest row group", &err);
	if (drain(&s, &rows, bytes_out, "largest row group") != 0) {
		s.release(&s);
		return 1;
	}
	s.release(&s);
	*rows_out = rows;
	return 0;
}

static int parquet_read(int argc, char **argv, bench_result *r)
{
	dlt_parquet_read_options o = DLT_PARQUET_READ_OPTIONS_INIT;
	struct ArrowArrayStream s;
	dlt_parquet_file *f = NULL;
	dlt_error err;
	int64_t decoded = 0, rg_bytes = 0, rg_rows = 0;
	double t0;
	int rc;

	if (argc != 2)
		return fprintf(stderr, "dlt_bench: parquet_read FILE THREADS\n"), 1;
	o.threads = atoi(argv[1]);
	t0 = bench_now();
	if (dlt_parquet_open_path(&f, argv[0], &o, &err) < 0)
		return fail(argv[0], &err);
	if (dlt_parquet_read(&s, f, &o, &err) < 0) {
		dlt_parquet_file_free(f);
		return fail(argv[0], &err);
	}
	rc = drain(&s, &r->rows, &decoded, argv[0]);
	s.release(&s);
	r->seconds = bench_now() - t0;
	if (rc == 0 && (rc = largest_row_group(f, &rg_bytes, &rg_rows)) == 0)
		bench_extra(r, "decoded_bytes=%lld largest_rg_bytes=%lld largest_rg_rows=%lld",
		            (long long)decoded, (long long)rg_bytes, (long long)rg_rows);
	dlt_parquet_file_free(f);
	return rc;
}

typedef struct range_filter {
	const char *column;
	int64_t lo, hi;
	int missing;
} range_filter;

static int keep_row_group(int64_t rg, int64_t num_rows, const dlt_parquet_column_stats *cols,
                          size_t n, void *payload)
{
	range_filter *p = payload;

	(void)rg;
	(void)num_rows;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(cols[i].path, p->column) != 0)
			continue;
		if (!cols[i].min.present || !cols[i].max.present)
			return 1;
		return !(cols[i].max.i64 < p->lo || cols[i].min.i64 > p->hi);
	}
	p->missing = 1;
	return 1;
}

/* Page level: the same range test over the ColumnIndex min/max of each page range. */
static int keep_pages(int64_t rg, int64_t first_row, int64_t num_rows,
                      const dlt_parquet_column_stats *cols, size_t n, void *payload)
{
	(void)first_row;
	return keep_row_group(rg, num_rows, cols, n, payload);
}

static int parquet_selective(int argc, char **argv, bench_result *r)
{
	dlt_parquet_read_options o = DLT_PARQUET_READ_OPTIONS_INIT;
	struct ArrowArrayStream s;
	dlt_parquet_counters cnt;
	dlt_parquet_file *f = NULL;
	range_filter flt;
	dlt_error err;
	int64_t matched = 0, col = -1;
	double t0;
	int rc = 0;

	if (argc != 4)
		return fprintf(stderr, "dlt_bench: parquet_selective FILE COLUMN LO HI\n"), 1;
	flt.column = argv[1];
	flt.lo = atoll(argv[2]);
	flt.hi = atoll(argv[3]);
	flt.missing = 0;
	o.row_group_filter = keep_row_group;
	o.row_group_filter_payload = &flt;
	o.page_filter = keep_pages;
	o.page_filter_payload = &flt;
	t0 = bench_now();
	if (dlt_parquet_open_path(&f, argv[0], &o, &err) < 0)
		return fail(argv[0], &err);
	if (dlt_parquet_read(&s, f, &o, &err) < 0) {
		dlt_parquet_file_free(f);
		return fail(argv[0], &err);
	}
	/* Rows of the kept row groups, then the exact predicate on the key column. */
	{
		struct ArrowSchema sc;
		if ((rc = s.get_schema(&s, &sc)) != 0) {
			rc = stream_fail(argv[0], &s, rc);
			s.release(&s);
			dlt_parquet_file_free(f);
			return rc;
		}
		for (int64_t i = 0; i < sc.n_children; i++)
			if (strcmp(sc.children[i]->name, flt.column) == 0 &&
			    strcmp(sc.children[i]->format, "l") == 0)
				col = i;
		sc.release(&sc);
	}
	for (;;) {
		struct ArrowArray a;
		const int64_t *v;
		const uint8_t *valid;

		if ((rc = s.get_next(&s, &a)) != 0) {
			rc = stream_fail(argv[0], &s, rc);
			break;
		}
		if (!a.release)
			break;
		r->rows += a.length;
		if (col >= 0) {
			const struct ArrowArray *c = a.children[col];
			v = (const int64_t *)c->buffers[1];
			valid = (const uint8_t *)c->buffers[0];
			int64_t first = a.offset + c->offset; /* a struct's offset applies too */
			for (int64_t i = first; i < first + a.length; i++)
				if ((!valid || (valid[i / 8] >> (i % 8) & 1)) && v[i] >= flt.lo &&
				    v[i] <= flt.hi)
					matched++;
		}
		a.release(&a);
	}
	s.release(&s);
	r->seconds = bench_now() - t0;
	dlt_parquet_file_counters(&cnt, f);
	bench_extra(r, "matched=%lld row_groups_read=%lld row_groups_total=%lld pages_read=%lld "
	            "pages_skipped=%lld bytes_read=%lld", (long long)matched,
	            (long long)cnt.row_groups_read, (long long)dlt_parquet_file_num_row_groups(f),
	            (long long)cnt.pages_read, (long long)cnt.pages_skipped,
	            (long long)cnt.bytes_read);
	dlt_parquet_file_free(f);
	return rc;
}

static int parse_codec(const char *s, int *codec)
{
	if (strcmp(s, "snappy") == 0)
		*codec = DLT_PARQUET_CODEC_SNAPPY;
	else if (strcmp(s, "zstd") == 0)
		*codec = DLT_PARQUET_CODEC_ZSTD;
	else if (strcmp(s, "none") == 0 || strcmp(s, "uncompressed") == 0)
		*codec = DLT_PARQUET_CODEC_UNCOMPRESSED;
	else if (strcmp(s, "gzip") == 0)
		*codec = DLT_PARQUET_CODEC_GZIP;
	else
		return -1;
	return 0;
}

static int parquet_write(int argc, char **argv, bench_result *r)
{
	dlt_parquet_write_options wo = DLT_PARQUET_WRITE_OPTIONS_INIT;
	struct ArrowArrayStream s;
	struct ArrowSchema schema;
	struct ArrowArray *batches = NULL;
	size_t n = 0, cap = 0;
	dlt_parquet_file *f = NULL;
	dlt_parquet_writer *w = NULL;
	dlt_output *out = NULL;
	dlt_error err;
	double t0;
	int rc = 1;

	if (argc != 4 || parse_codec(argv[2], &wo.codec) < 0)
		return fprintf(stderr, "dlt_bench: parquet_write IN OUT snappy|zstd|none ROWS\n"), 1;
	wo.row_group_rows = atoll(argv[3]);
	/* Untimed: the input batches in memory, as a writer's caller would have them. */
	memset(&schema, 0, sizeof(schema));
	if (dlt_parquet_open_path(&f, argv[0], NULL, &err) < 0 ||
	    dlt_parquet_read(&s, f, NULL, &err) < 0) {
		dlt_parquet_file_free(f);
		return fail(argv[0], &err);
	}
	if ((rc = s.get_schema(&s, &schema)) != 0) {
		rc = stream_fail(argv[0], &s, rc);
		goto done;
	}
	for (;;) {
		if (n == cap) {
			struct ArrowArray *g = realloc(batches, (cap = cap ? cap * 2 : 64) * sizeof(*g));
			if (!g) {
				rc = 1;
				goto done;
			}
			batches = g;
		}
		if ((rc = s.get_next(&s, &batches[n])) != 0) {
			rc = stream_fail(argv[0], &s, rc);
			goto done;
		}
		if (!batches[n].release)
			break;
		r->rows += batches[n].length;
		n++;
	}
	t0 = bench_now();
	rc = 1;
	if (dlt_output_open_file(&out, argv[1], &err) < 0 ||
	    dlt_parquet_writer_open(&w, out, &schema, &wo, &err) < 0) {
		fail(argv[1], &err);
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		if (dlt_parquet_writer_write(w, &batches[i], &err) < 0) {
			fail(argv[1], &err);
			goto done;
		}
	if (dlt_parquet_writer_close(w, NULL, &err) < 0) {
		fail(argv[1], &err);
		goto done;
	}
	r->seconds = bench_now() - t0;
	bench_extra(r, "file_bytes=%llu", (unsigned long long)file_size(argv[1]));
	rc = 0;
done:
	dlt_parquet_writer_free(w);
	dlt_output_free(out);
	for (size_t i = 0; i < n; i++)
		batches[i].release(&batches[i]);
	free(batches);
	if (schema.release)
		schema.release(&schema);
	if (s.release)
		s.release(&s);
	dlt_parquet_file_free(f);
	return rc;
}

/* ---- Delta: snapshot load and table scan ---- */

/* Open the latest snapshot of a (log-only) table and list its files with their
 * stats, touching every stats string: what a query planner needs. */
static int delta_snapshot(int argc, char **argv, bench_result *r)
{
	dlt_table *t = NULL;
	dlt_snapshot *snap = NULL;
	struct ArrowArrayStream st;
	struct ArrowSchema schema;
	dlt_error err;
	int64_t files = 0, stats_bytes = 0;
	int stats_col = -1, rc = 1;
	double t0, t_load;

	if (argc != 1)
		return 1;
	dlt_error_clear(&err);
	t0 = bench_now();
	if (dlt_table_open(&t, argv[0], NULL, &err) < 0 ||
	    dlt_table_snapshot(&snap, t, -1, &err) < 0) {
		fail("delta snapshot", &err);
		goto out;
	}
	t_load = bench_now();
	if (dlt_snapshot_files(&st, snap, &err) < 0) {
		fail("delta snapshot", &err);
		goto out;
	}
	if (st.get_schema(&st, &schema) != 0) {
		stream_fail("files", &st, 1);
		st.release(&st);
		goto out;
	}
	for (int64_t i = 0; i < schema.n_children; i++)
		if (strcmp(schema.children[i]->name, "stats") == 0)
			stats_col = (int)i;
	for (;;) {
		struct ArrowArray a;
		if (st.get_next(&st, &a) != 0) {
			stream_fail("files", &st, 1);
			break;
		}
		if (!a.release) {
			rc = 0;
			break;
		}
		if (stats_col >= 0 && strcmp(schema.children[stats_col]->format, "u") == 0) {
			const struct ArrowArray *c = a.children[stats_col];
			const int32_t *off = c->buffers[1];
			stats_bytes += off[c->offset + a.offset + a.length] - off[c->offset + a.offset];
		}
		files += a.length;
		a.release(&a);
	}
	schema.release(&schema);
	st.release(&st);
	r->seconds = bench_now() - t0;
	r->rows = files;
	bench_extra(r, "files=%lld stats_bytes=%lld snapshot_bytes=%zu load_ms=%.0f list_ms=%.0f",
	            (long long)files, (long long)stats_bytes, dlt_snapshot_memory_bytes(snap),
	            (t_load - t0) * 1e3, (bench_now() - t_load) * 1e3);
out:
	dlt_snapshot_free(snap);
	dlt_table_free(t);
	return rc;
}

/* Every row of every column of the latest snapshot, decoded to Arrow. */
static int delta_scan(int argc, char **argv, bench_result *r)
{
	dlt_table *t = NULL;
	dlt_snapshot *snap = NULL;
	struct ArrowArrayStream st;
	dlt_error err;
	int64_t rows = 0;
	int rc = 1;
	double t0;

	if (argc != 1)
		return 1;
	dlt_error_clear(&err);
	t0 = bench_now();
	if (dlt_table_open(&t, argv[0], NULL, &err) < 0 ||
	    dlt_table_snapshot(&snap, t, -1, &err) < 0 ||
	    dlt_snapshot_scan(&st, snap, NULL, &err) < 0) {
		fail("delta scan", &err);
		goto out;
	}
	rc = drain(&st, &rows, NULL, "delta scan");
	st.release(&st);
	r->seconds = bench_now() - t0;
	r->rows = rows;
	bench_extra(r, "files=%lld", (long long)dlt_snapshot_num_files(snap));
out:
	dlt_snapshot_free(snap);
	dlt_table_free(t);
	return rc;
}

int bench_dlt(const char *name, int argc, char **argv, bench_result *r)
{
	if (strcmp(name, "delta_snapshot") == 0)
		return delta_snapshot(argc, argv, r);
	if (strcmp(name, "delta_scan") == 0)
		return delta_scan(argc, argv, r);
	if (strcmp(name, "csv_read") == 0)
		return csv_read(argc, argv, r);
	if (strcmp(name, "parquet_read") == 0)
		return parquet_read(argc, argv, r);
	if (strcmp(name, "parquet_selective") == 0)
		return parquet_selective(argc, argv, r);
	if (strcmp(name, "parquet_write") == 0)
		return parquet_write(argc, argv, r);
	return bench_dlt_dml(name, argc, argv, r);
}
