/*
 * deltalite side of the DML and layout benchmarks (bench/run "DML and layout"):
 *   delta_merge TABLE SOURCE.parquet DV      MERGE ON the lineitem key, UPDATE SET * /
 *                                            INSERT *; DV 1: deletion vectors, 0: CoW
 *   delta_delete TABLE PREDICATE DV          DELETE WHERE PREDICATE
 *   delta_optimize TABLE TARGET_BYTES [COLS] compaction, or Z-order by COLS (a,b)
 *   delta_append IN.parquet NEW_TABLE CODEC  IN's batches (in memory, untimed) written
 *                                            to a new table in one commit
 * Each times the whole operation, table open to commit.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deltalite.h"
#include "deltalite/dml.h"
#include "deltalite/merge.h"
#include "deltalite/optimize.h"

static int fail(const char *what, const dlt_error *err)
{
	fprintf(stderr, "dlt_bench: %s: %s\n", what, err->message);
	return 1;
}

static int delta_merge(int argc, char **argv, bench_result *r)
{
	dlt_merge_options mo = DLT_MERGE_OPTIONS_INIT;
	dlt_merge_metrics mm;
	dlt_parquet_file *f = NULL;
	dlt_table *t = NULL;
	dlt_merge *m = NULL;
	struct ArrowArrayStream s;
	dlt_error err;
	double t0;
	int rc = 1;

	if (argc != 3)
		return fprintf(stderr, "dlt_bench: delta_merge TABLE SOURCE.parquet 0|1\n"), 1;
	memset(&mm, 0, sizeof(mm));
	dlt_error_clear(&err);
	mo.use_deletion_vectors = atoi(argv[2]);
	t0 = bench_now();
	if (dlt_parquet_open_path(&f, argv[1], NULL, &err) < 0 ||
	    dlt_parquet_read(&s, f, NULL, &err) < 0 || dlt_table_open(&t, argv[0], NULL, &err) < 0) {
		fail("merge: open", &err);
		goto done;
	}
	if (dlt_merge_new(&m, t, &s,
	                  "t.l_orderkey = s.l_orderkey AND t.l_linenumber = s.l_linenumber", "s",
	                  "t", &err) < 0 ||
	    dlt_merge_when_matched_update(m, NULL, NULL, &err) < 0 ||
	    dlt_merge_when_not_matched_insert(m, NULL, NULL, NULL, &err) < 0 ||
	    dlt_merge_set_options(m, &mo, &err) < 0 || dlt_merge_execute(&mm, m, &err) < 0) {
		fail("merge", &err);
		goto done;
	}
	r->seconds = bench_now() - t0;
	r->rows = mm.num_target_rows_updated + mm.num_target_rows_inserted;
	bench_extra(r, "updated=%lld inserted=%lld copied=%lld files_added=%lld files_removed=%lld "
	            "dvs=%lld files_scanned=%lld source_memory=%lld",
	            (long long)mm.num_target_rows_updated, (long long)mm.num_target_rows_inserted,
	            (long long)mm.num_target_rows_copied, (long long)mm.num_target_files_added,
	            (long long)mm.num_target_files_removed,
	            (long long)mm.num_target_deletion_vectors_added,
	            (long long)mm.num_target_files_scanned, (long long)mm.source_memory_bytes);
	rc = 0;
done:
	dlt_merge_free(m);
	dlt_table_free(t);
	dlt_parquet_file_free(f);
	return rc;
}

static int delta_delete(int argc, char **argv, bench_result *r)
{
	dlt_dml_options o = DLT_DML_OPTIONS_INIT;
	dlt_dml_metrics m;
	dlt_table *t = NULL;
	dlt_error err;
	double t0;
	int rc = 1;

	if (argc != 3)
		return fprintf(stderr, "dlt_bench: delta_delete TABLE PREDICATE 0|1\n"), 1;
	memset(&m, 0, sizeof(m));
	dlt_error_clear(&err);
	o.use_deletion_vectors = atoi(argv[2]);
	t0 = bench_now();
	if (dlt_table_open(&t, argv[0], NULL, &err) < 0 ||
	    dlt_table_delete(&m, t, argv[1], &o, &err) < 0) {
		fail("delete", &err);
		goto done;
	}
	r->seconds = bench_now() - t0;
	r->rows = m.num_deleted_rows;
	bench_extra(r, "copied=%lld files_added=%lld files_removed=%lld dvs=%lld scanned=%lld",
	            (long long)m.num_copied_rows, (long long)m.num_added_files,
	            (long long)m.num_removed_files, (long long)m.num_deletion_vectors_added,
	            (long long)m.num_files_scanned);
	rc = 0;
done:
	dlt_table_free(t);
	return rc;
}

static int delta_optimize(int argc, char **argv, bench_result *r)
{
	dlt_optimize_options o = DLT_OPTIMIZE_OPTIONS_INIT;
	dlt_optimize_metrics m;
	dlt_table *t = NULL;
	dlt_error err;
	char *buf = NULL;
	const char *cols[8];
	double t0;
	int rc = 1;

	if (argc < 2 || argc > 3)
		return fprintf(stderr, "dlt_bench: delta_optimize TABLE TARGET_BYTES [A,B]\n"), 1;
	memset(&m, 0, sizeof(m));
	dlt_error_clear(&err);
	o.target_size = atoll(argv[1]);
	if (argc == 3) {
		char *save = NULL;
		if (!(buf = strdup(argv[2])))
			return 1;
		for (char *c = strtok_r(buf, ",", &save); c && o.zorder_by_len < 8;
		     c = strtok_r(NULL, ",", &save))
			cols[o.zorder_by_len++] = c;
		o.zorder_by = cols;
	}
	t0 = bench_now();
	if (dlt_table_open(&t, argv[0], NULL, &err) < 0 || dlt_table_optimize(&m, t, &o, &err) < 0) {
		fail("optimize", &err);
		goto done;
	}
	r->seconds = bench_now() - t0;
	r->rows = m.rows_rewritten;
	bench_extra(r, "files_removed=%lld files_added=%lld bytes_added=%lld",
	            (long long)m.num_files_removed, (long long)m.num_files_added,
	            (long long)m.files_added.total_size);
	rc = 0;
done:
	dlt_table_free(t);
	free(buf);
	return rc;
}

/* A stream over batches held in memory (moved out one by one). */
typedef struct vec_stream {
	struct ArrowSchema schema[4]; /* handed out once each (no schema copy in the API) */
	int nschema;
	struct ArrowArray *b;
	size_t n, next;
} vec_stream;

static int vec_schema(struct ArrowArrayStream *s, struct ArrowSchema *out);
static int vec_next(struct ArrowArrayStream *s, struct ArrowArray *out)
{
	vec_stream *v = s->private_data;
	if (v->next < v->n) {
		*out = v->b[v->next];
		memset(&v->b[v->next++], 0, sizeof(*out));
	} else {
		memset(out, 0, sizeof(*out));
	}
	return 0;
}
static const char *vec_error(struct ArrowArrayStream *s)
{
	(void)s;
	return "vec_stream";
}
static void vec_release(struct ArrowArrayStream *s)
{
	vec_stream *v = s->private_data;
	for (size_t i = v->next; i < v->n; i++)
		if (v->b[i].release)
			v->b[i].release(&v->b[i]);
	free(v->b);
	for (int i = 0; i < 4; i++)
		if (v->schema[i].release)
			v->schema[i].release(&v->schema[i]);
	free(v);
	s->release = NULL;
}

static int vec_schema(struct ArrowArrayStream *s, struct ArrowSchema *out)
{
	vec_stream *v = s->private_data;
	if (v->nschema >= 4 || !v->schema[v->nschema].release)
		return 22; /* EINVAL */
	*out = v->schema[v->nschema];
	memset(&v->schema[v->nschema++], 0, sizeof(*out));
	return 0;
}

static int delta_append(int argc, char **argv, bench_result *r)
{
	dlt_write_options wo = DLT_WRITE_OPTIONS_INIT;
	dlt_write_metrics wm;
	struct ArrowArrayStream in, s;
	dlt_parquet_file *f = NULL;
	dlt_table *t = NULL;
	vec_stream *v;
	dlt_error err;
	size_t cap = 0;
	double t0;
	int rc = 1;

	if (argc != 3)
		return fprintf(stderr, "dlt_bench: delta_append IN.parquet TABLE CODEC\n"), 1;
	memset(&wm, 0, sizeof(wm));
	dlt_error_clear(&err);
	wo.codec = strcmp(argv[2], "zstd") == 0 ? DLT_PARQUET_CODEC_ZSTD : DLT_PARQUET_CODEC_SNAPPY;
	wo.target_file_size = (int64_t)1 << 40; /* one file, as DuckDB's COPY writes */
	wo.metrics = &wm;
	if (!(v = calloc(1, sizeof(*v))))
		return 1;
	/* Untimed: the batches in memory, as a writer's caller would have them. */
	if (dlt_parquet_open_path(&f, argv[0], NULL, &err) < 0 ||
	    dlt_parquet_read(&in, f, NULL, &err) < 0) {
		free(v);
		dlt_parquet_file_free(f);
		return fail(argv[0], &err);
	}
	for (int i = 0; i < 4; i++) { /* schemas: one per extra stream of the file */
		struct ArrowArrayStream x;
		if (dlt_parquet_read(&x, f, NULL, &err) < 0)
			goto bad;
		rc = x.get_schema(&x, &v->schema[i]);
		x.release(&x);
		if (rc != 0)
			goto bad;
	}
	rc = 1;
	for (;;) {
		if (v->n == cap) {
			struct ArrowArray *g = realloc(v->b, (cap = cap ? cap * 2 : 64) * sizeof(*g));
			if (!g)
				goto bad;
			v->b = g;
		}
		if (in.get_next(&in, &v->b[v->n]) != 0)
			goto bad;
		if (!v->b[v->n].release)
			break;
		r->rows += v->b[v->n].length;
		v->n++;
	}
	in.release(&in);
	memset(&s, 0, sizeof(s));
	s.get_schema = vec_schema;
	s.get_next = vec_next;
	s.get_last_error = vec_error;
	s.release = vec_release;
	s.private_data = v;
	t0 = bench_now();
	/* A new table (create commit) and the append (write commit). */
	if (dlt_table_create(&t, argv[1], &v->schema[3], NULL, &err) < 0 ||
	    dlt_table_write(NULL, t, &s, &wo, &err) < 0) {
		if (s.release)
			s.release(&s);
		fail("append", &err);
		goto done;
	}
	r->seconds = bench_now() - t0;
	bench_extra(r, "files=%lld file_bytes=%lld", (long long)wm.files_added,
	            (long long)wm.bytes_added);
	rc = 0;
	goto done;
bad:
	fprintf(stderr, "dlt_bench: reading %s: %s\n", argv[0], in.get_last_error(&in));
	in.release(&in);
	{
		struct ArrowArrayStream tmp = { vec_schema, vec_next, vec_error, vec_release, v };
		vec_release(&tmp);
	}
done:
	dlt_table_free(t);
	dlt_parquet_file_free(f);
	return rc;
}

int bench_dlt_dml(const char *name, int argc, char **argv, bench_result *r)
{
	if (strcmp(name, "delta_merge") == 0)
		return delta_merge(argc, argv, r);
	if (strcmp(name, "delta_delete") == 0)
		return delta_delete(argc, argv, r);
	if (strcmp(name, "delta_optimize") == 0)
		return delta_optimize(argc, argv, r);
	if (strcmp(name, "delta_append") == 0)
		return delta_append(argc, argv, r);
	fprintf(stderr, "dlt_bench: unknown benchmark '%s' for deltalite\n", name);
	return 1;
}
