/* MERGE: randomized tables and sources checked against DuckDB's MERGE INTO
 * (partitioned or not, deletion vectors, change data feed), bad input
 * (source schema, ambiguous matches, constraint violations), schema
 * evolution, metrics and commitInfo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deltalite.h"
#include "arrow/arrow.h"

#define NCASES 36

typedef struct rng { uint64_t s; } rng;
static uint64_t rnd(rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s;
}
static int64_t rint_(rng *r, int64_t lo, int64_t hi) { return lo + (int64_t)(rnd(r) % (uint64_t)(hi - lo)); }

typedef struct row {
	int64_t id;
	int32_t v, p, op;
	int id_null, v_null, p_null, s_null;
	char s[8];
} row;

static const char *const TDDL = "id bigint, v int, s string, p int";
static const char *const SDDL = "id bigint, v int, s string, p int, op int";

static void parse_ddl(struct ArrowSchema *s, const char *ddl)
{
	dlt_error err;
	if (dlt_schema_parse_ddl(s, ddl, &err))
		fail_msg("ddl: %s", err.message);
}

/* A stream of one batch of rows (with op when `source`). */
static void rows_stream(struct ArrowArrayStream *out, const row *rows, size_t n, int source)
{
	struct ArrowSchema s;
	struct ArrowArray a;
	dlt_builder *b = NULL;
	parse_ddl(&s, source ? SDDL : TDDL);
	assert_int_equal(dlt_builder__new(&b, &s, NULL), 0);
	for (size_t i = 0; i < n; i++) {
		const row *r = &rows[i];
		dlt_builder *c0 = dlt_builder__child(b, 0), *c1 = dlt_builder__child(b, 1),
		            *c2 = dlt_builder__child(b, 2), *c3 = dlt_builder__child(b, 3);
		assert_int_equal(r->id_null ? dlt_builder__append_null(c0, NULL)
		                            : dlt_builder__append_int(c0, r->id, NULL), 0);
		assert_int_equal(r->v_null ? dlt_builder__append_null(c1, NULL)
		                           : dlt_builder__append_int(c1, r->v, NULL), 0);
		assert_int_equal(r->s_null ? dlt_builder__append_null(c2, NULL)
		                           : dlt_builder__append_bytes(c2, r->s, strlen(r->s), NULL), 0);
		assert_int_equal(r->p_null ? dlt_builder__append_null(c3, NULL)
		                           : dlt_builder__append_int(c3, r->p, NULL), 0);
		if (source)
			assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 4), r->op, NULL), 0);
		assert_int_equal(dlt_builder__append_valid(b, NULL), 0);
	}
	assert_int_equal(dlt_builder__finish(&a, b, NULL), 0);
	dlt_builder__free(b);
	assert_int_equal(dlt_stream__from_batches(out, &s, &a, 1, NULL), 0);
}

static void write_jsonl(const char *path, const row *rows, size_t n, int source)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; i < n; i++) {
		const row *r = &rows[i];
		fprintf(f, "{\"id\":");
		if (r->id_null) fprintf(f, "null"); else fprintf(f, "%lld", (long long)r->id);
		fprintf(f, ",\"v\":");
		if (r->v_null) fprintf(f, "null"); else fprintf(f, "%d", r->v);
		fprintf(f, ",\"s\":");
		if (r->s_null) fprintf(f, "null"); else fprintf(f, "\"%s\"", r->s);
		fprintf(f, ",\"p\":");
		if (r->p_null) fprintf(f, "null"); else fprintf(f, "%d", r->p);
		if (source)
			fprintf(f, ",\"op\":%d", r->op);
		fprintf(f, "}\n");
	}
	fclose(f);
}

/* ------------------------------------------------------------ lines -- */

typedef struct lines { char **v; size_t n, cap; } lines;
static void lines_push(lines *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof(char *));
	}
	l->v[l->n] = malloc(strlen(s) + 1);
	memcpy(l->v[l->n++], s, strlen(s) + 1);
}
static void lines_free(lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
static void lines_sort(lines *l) { if (l->n) qsort(l->v, l->n, sizeof(char *), cmp_str); }
static void lines_cat(lines *dst, const lines *src)
{
	for (size_t i = 0; i < src->n; i++)
		lines_push(dst, src->v[i]);
}

static int64_t child_of(const struct ArrowSchema *s, const char *name)
{
	for (int64_t i = 0; i < s->n_children; i++)
		if (strcmp(s->children[i]->name, name) == 0)
			return i;
	return -1;
}

/* [id,v,"s",p] per row; with ct >= 0 only rows whose column ct equals `want`. */
static void render(lines *out, const struct ArrowSchema *s, const struct ArrowArray *a,
                   const char *want)
{
	int64_t c[4] = { child_of(s, "id"), child_of(s, "v"), child_of(s, "s"), child_of(s, "p") };
	int64_t ct = child_of(s, "_change_type");
	for (int64_t i = 0; i < a->length; i++) {
		char buf[256];
		size_t o = 0;
		const struct ArrowArray *x;
		if (want) {
			const struct ArrowArray *t = a->children[ct];
			const int32_t *off = t->buffers[1];
			const char *d = t->buffers[2];
			int64_t k = t->offset + i;
			if ((size_t)(off[k + 1] - off[k]) != strlen(want) || memcmp(d + off[k], want, strlen(want)))
				continue;
		}
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "[");
		for (int k = 0; k < 4; k++) {
			int64_t j;
			x = a->children[c[k]];
			j = x->offset + a->offset + i;
			if (k)
				buf[o++] = ',';
			if (x->buffers[0] && !((((const uint8_t *)x->buffers[0])[j >> 3] >> (j & 7)) & 1)) {
				o += (size_t)snprintf(buf + o, sizeof(buf) - o, "null");
			} else if (k == 0) {
				o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%lld",
				                      (long long)((const int64_t *)x->buffers[1])[j]);
			} else if (k == 2) {
				const int32_t *off = x->buffers[1];
				o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\"%.*s\"",
				                      (int)(off[j + 1] - off[j]),
				                      (const char *)x->buffers[2] + off[j]);
			} else {
				o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%d",
				                      ((const int32_t *)x->buffers[1])[j]);
			}
		}
		snprintf(buf + o, sizeof(buf) - o, "]");
		lines_push(out, buf);
	}
}

static void render_stream(lines *out, struct ArrowArrayStream *st, const char *want)
{
	struct ArrowSchema s;
	assert_int_equal(st->get_schema(st, &s), 0);
	for (;;) {
		struct ArrowArray a;
		if (st->get_next(st, &a) != 0)
			fail_msg("stream: %s", st->get_last_error(st));
		if (!a.release)
			break;
		render(out, &s, &a, want);
		a.release(&a);
	}
	s.release(&s);
	st->release(st);
	lines_sort(out);
}

static int64_t scan_lines(lines *out, const char *uri)
{
	dlt_table *t = NULL;
	dlt_snapshot *snap = NULL;
	struct ArrowArrayStream s;
	dlt_error err;
	int64_t v;
	if (dlt_table_open(&t, uri, NULL, &err) || dlt_table_snapshot(&snap, t, -1, &err) ||
	    dlt_snapshot_scan(&s, snap, NULL, &err))
		fail_msg("scan %s: %s", uri, err.message);
	render_stream(out, &s, NULL);
	v = dlt_snapshot_version(snap);
	dlt_snapshot_free(snap);
	dlt_table_free(t);
	return v;
}

static void changes_lines(lines *out, const char *uri, int64_t version, const char *type)
{
	dlt_table *t = NULL;
	struct ArrowArrayStream s;
	dlt_changes_options o = DLT_CHANGES_OPTIONS_INIT;
	dlt_error err;
	o.start_version = version;
	o.end_version = version;
	if (dlt_table_open(&t, uri, NULL, &err) || dlt_table_changes(&s, t, &o, &err))
		fail_msg("changes %s: %s", uri, err.message);
	render_stream(out, &s, type);
	dlt_table_free(t);
}

static void assert_same(const lines *got, const lines *want, const char *what)
{
	size_t n = got->n < want->n ? got->n : want->n;
	for (size_t i = 0; i < n; i++)
		if (strcmp(got->v[i], want->v[i]) != 0)
			fail_msg("%s: row %zu differs:\n  got  %s\n  want %s", what, i, got->v[i],
			         want->v[i]);
	if (got->n != want->n)
		fail_msg("%s: %zu rows, want %zu (first extra: %s)", what, got->n, want->n,
		         got->n > want->n ? got->v[n] : want->v[n]);
}

/* ------------------------------------------------------------ tables -- */

static char *tmp_dir(const char *name)
{
	char *p = malloc(1024), cmd[1200];
	snprintf(p, 1024, "%s/merge_%s_%d", DLT_TEST_TMPDIR, name, (int)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", p, p);
	assert_int_equal(system(cmd), 0);
	return p;
}

static void make_table(const char *uri, int partitioned, int dv, int cdf, const char *constraint,
                       const row *rows, size_t n, int parts)
{
	struct ArrowSchema s;
	dlt_create_options o = DLT_CREATE_OPTIONS_INIT;
	const char *pc[] = { "p" };
	dlt_kv props[3];
	size_t np = 0;
	dlt_table *t = NULL;
	dlt_error err;
	parse_ddl(&s, TDDL);
	if (dv)
		props[np++] = (dlt_kv){ "delta.enableDeletionVectors", "true" };
	if (cdf)
		props[np++] = (dlt_kv){ "delta.enableChangeDataFeed", "true" };
	if (constraint)
		props[np++] = (dlt_kv){ "delta.constraints.vpos", constraint };
	o.partition_by = partitioned ? pc : NULL;
	o.partition_by_len = partitioned ? 1 : 0;
	o.properties = props;
	o.properties_len = np;
	if (dlt_table_create(&t, uri, &s, &o, &err))
		fail_msg("create: %s", err.message);
	s.release(&s);
	for (int k = 0; k < parts; k++) {
		struct ArrowArrayStream st;
		size_t lo = n * (size_t)k / (size_t)parts, hi = n * (size_t)(k + 1) / (size_t)parts;
		rows_stream(&st, rows + lo, hi - lo, 0);
		if (dlt_table_write(NULL, t, &st, NULL, &err))
			fail_msg("write: %s", err.message);
	}
	dlt_table_free(t);
}

/* ------------------------------------------------------------ cases -- */

typedef struct variant {
	const char *on;
	void (*setup)(dlt_merge *m);
	const char *duck;
} variant;

static void ok(int rc, const dlt_error *err)
{
	if (rc)
		fail_msg("merge setup: %s", err->message);
}

static void v0(dlt_merge *m)
{
	dlt_error e;
	ok(dlt_merge_when_matched_update(m, NULL, "v = s.v, s = s.s", &e), &e);
	ok(dlt_merge_when_not_matched_insert(m, NULL, NULL, NULL, &e), &e);
}
static void v1(dlt_merge *m)
{
	dlt_error e;
	ok(dlt_merge_when_matched_delete(m, "s.op = 0", &e), &e);
	ok(dlt_merge_when_matched_update(m, "s.op = 1", "t.v = t.v + s.v", &e), &e);
	ok(dlt_merge_when_not_matched_insert(m, "s.op <> 2", "id, v, s, p",
	                                     "s.id, s.v * 2, 'ins', CAST(s.id % 3 AS int)", &e), &e);
}
static void v2(dlt_merge *m)
{
	dlt_error e;
	ok(dlt_merge_when_matched_update(m, NULL, NULL, &e), &e);
	ok(dlt_merge_when_not_matched_by_source_delete(m, "t.v > 50", &e), &e);
	ok(dlt_merge_when_not_matched_by_source_update(m, NULL, "v = -1, s = 'gone'", &e), &e);
}
static void v3(dlt_merge *m)
{
	dlt_error e;
	ok(dlt_merge_when_matched_delete(m, NULL, &e), &e);
}
static void v4(dlt_merge *m)
{
	dlt_error e;
	ok(dlt_merge_when_matched_update(m, NULL, "s = 'upd'", &e), &e);
	ok(dlt_merge_when_not_matched_insert(m, NULL, NULL, NULL, &e), &e);
}
static void v5(dlt_merge *m)
{
	dlt_error e;
	ok(dlt_merge_when_matched_update(m, "t.v <> s.v", "v = s.v", &e), &e);
	ok(dlt_merge_when_not_matched_insert(m, "s.v > 10", NULL, NULL, &e), &e);
}

#define INS_ALL "INSERT (id, v, s, p) VALUES (s.id, s.v, s.s, s.p)"
static const variant VARIANTS[] = {
	{ "t.id = s.id", v0, "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET "
	  "v = s.v, s = s.s WHEN NOT MATCHED THEN " INS_ALL },
	{ "t.id = s.id", v1, "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED AND s.op = 0 THEN "
	  "DELETE WHEN MATCHED AND s.op = 1 THEN UPDATE SET v = t.v + s.v WHEN NOT MATCHED AND "
	  "s.op <> 2 THEN INSERT (id, v, s, p) VALUES (s.id, s.v * 2, 'ins', "
	  "CAST(s.id % 3 AS INTEGER))" },
	{ "s.id = t.id", v2, "MERGE INTO t USING s ON s.id = t.id WHEN MATCHED THEN UPDATE SET "
	  "id = s.id, v = s.v, s = s.s, p = s.p WHEN NOT MATCHED BY SOURCE AND t.v > 50 THEN "
	  "DELETE WHEN NOT MATCHED BY SOURCE THEN UPDATE SET v = -1, s = 'gone'" },
	{ "t.id = s.id", v3, "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE" },
	{ "t.id = s.id AND t.v < s.v", v4, "MERGE INTO t USING s ON t.id = s.id AND t.v < s.v "
	  "WHEN MATCHED THEN UPDATE SET s = 'upd' WHEN NOT MATCHED THEN " INS_ALL },
	{ "t.p = s.p AND t.id = s.id AND t.p IS NOT NULL", v5, "MERGE INTO t USING s ON t.p = s.p "
	  "AND t.id = s.id AND t.p IS NOT NULL WHEN MATCHED AND t.v <> s.v THEN UPDATE SET v = s.v "
	  "WHEN NOT MATCHED AND s.v > 10 THEN " INS_ALL },
};
#define NVAR (int)(sizeof(VARIANTS) / sizeof(VARIANTS[0]))

static const char *const STRS[] = { "a", "b", "c", "d", "e" };

static void gen_rows(rng *r, row *out, size_t n, int source, int dups)
{
	int64_t base = source ? -5 : 0;
	for (size_t i = 0; i < n; i++) {
		row *x = &out[i];
		memset(x, 0, sizeof(*x));
		/* target ids unique (a permutation slice); source ids unique unless dups */
		x->id = source ? (dups ? rint_(r, base, base + (int64_t)n) : base + 2 * (int64_t)i)
		               : 3 * (int64_t)i / 2;
		x->id_null = rint_(r, 0, 20) == 0;
		x->v = (int32_t)rint_(r, 0, 100);
		x->v_null = rint_(r, 0, 25) == 0;
		snprintf(x->s, sizeof(x->s), "%s", STRS[rint_(r, 0, 5)]);
		x->s_null = rint_(r, 0, 10) == 0;
		x->p = (int32_t)rint_(r, 0, 3);
		x->p_null = rint_(r, 0, 20) == 0;
		x->op = (int32_t)rint_(r, 0, 3);
	}
}

typedef struct case_res {
	int rc, dups;
	char msg[1100];
	lines got;
} case_res;

static void test_merge_vs_duckdb(void **state)
{
	char *root = tmp_dir("duck");
	static case_res res[NCASES];
	char cmd[16384];
	size_t o;
	(void)state;
	for (int c = 0; c < NCASES; c++) {
		const variant *va = &VARIANTS[c % NVAR];
		int partitioned = (c / NVAR) % 2, dv = (c / (2 * NVAR)) % 2 == 0 && c % 2 == 0,
		    cdf = c % 3 == 0, dups = c % 5 == 4;
		rng r = { 0x9E3779B97F4A7C15ull ^ (uint64_t)(c + 1) * 0x100000001B3ull };
		size_t nt = (size_t)rint_(&r, 20, 160), ns = (size_t)rint_(&r, 1, 80);
		row *tr = calloc(nt, sizeof(row)), *sr = calloc(ns, sizeof(row));
		char dir[1200], path[1300], uri[1300];
		struct ArrowArrayStream src;
		dlt_table *t = NULL;
		dlt_merge *m = NULL;
		dlt_merge_metrics mt;
		dlt_error err;
		lines before = { 0 };
		int64_t v0_, v1_;
		FILE *f;
		if (va->setup == v3)
			dups = c % 2;
		res[c].dups = dups;
		gen_rows(&r, tr, nt, 0, 0);
		gen_rows(&r, sr, ns, 1, dups);
		snprintf(dir, sizeof(dir), "%s/c%02d", root, c);
		snprintf(uri, sizeof(uri), "%s/table", dir);
		snprintf(path, sizeof(path), "mkdir -p '%s'", dir);
		assert_int_equal(system(path), 0);
		snprintf(path, sizeof(path), "%s/target.jsonl", dir);
		write_jsonl(path, tr, nt, 0);
		snprintf(path, sizeof(path), "%s/source.jsonl", dir);
		write_jsonl(path, sr, ns, 1);
		snprintf(path, sizeof(path), "%s/merge.sql", dir);
		f = fopen(path, "w");
		fprintf(f, "%s\n", va->duck);
		fclose(f);
		make_table(uri, partitioned, dv, cdf, NULL, tr, nt, 1 + c % 3);
		v0_ = scan_lines(&before, uri);
		rows_stream(&src, sr, ns, 1);
		assert_int_equal(dlt_table_open(&t, uri, NULL, &err), 0);
		if (dlt_merge_new(&m, t, &src, va->on, "s", "t", &err))
			fail_msg("case %d: merge_new: %s", c, err.message);
		va->setup(m);
		res[c].rc = dlt_merge_execute(&mt, m, &err);
		if (res[c].rc)
			snprintf(res[c].msg, sizeof(res[c].msg), "%s", err.message);
		dlt_merge_free(m);
		dlt_table_free(t);
		v1_ = scan_lines(&res[c].got, uri);
		if (res[c].rc) {
			assert_int_equal(v1_, v0_); /* unchanged */
			assert_same(&res[c].got, &before, "failed merge left the table");
		} else {
			assert_int_equal(mt.num_source_rows, (int64_t)ns);
			assert_int_equal((int64_t)res[c].got.n, (int64_t)before.n +
			                 mt.num_target_rows_inserted - mt.num_target_rows_deleted);
			assert_int_equal(mt.num_target_rows_updated, mt.num_target_rows_matched_updated +
			                 mt.num_target_rows_not_matched_by_source_updated);
			if (dv)
				assert_int_equal(mt.num_target_rows_copied, 0);
		}
		if (!res[c].rc && cdf && mt.version >= 0) {
			lines ins = { 0 }, del = { 0 }, pre = { 0 }, post = { 0 }, l = { 0 }, rgt = { 0 };
			changes_lines(&ins, uri, mt.version, "insert");
			changes_lines(&del, uri, mt.version, "delete");
			changes_lines(&pre, uri, mt.version, "update_preimage");
			changes_lines(&post, uri, mt.version, "update_postimage");
			assert_int_equal((int64_t)ins.n, mt.num_target_rows_inserted);
			assert_int_equal((int64_t)del.n, mt.num_target_rows_deleted);
			assert_int_equal((int64_t)pre.n, mt.num_target_rows_updated);
			assert_int_equal((int64_t)post.n, mt.num_target_rows_updated);
			/* before + inserts + postimages == after + deletes + preimages */
			lines_cat(&l, &before);
			lines_cat(&l, &ins);
			lines_cat(&l, &post);
			lines_cat(&rgt, &res[c].got);
			lines_cat(&rgt, &del);
			lines_cat(&rgt, &pre);
			lines_sort(&l);
			lines_sort(&rgt);
			assert_same(&l, &rgt, "change data feed");
			lines_free(&ins); lines_free(&del); lines_free(&pre); lines_free(&post);
			lines_free(&l); lines_free(&rgt);
		}
		lines_free(&before);
		free(tr);
		free(sr);
	}
	o = (size_t)snprintf(cmd, sizeof(cmd), "timeout 300 node %s/tests/unit/ops/merge_duckdb.mjs %s",
	                     DLT_SOURCE_DIR, DLT_NODE_DIR);
	for (int c = 0; c < NCASES; c++)
		o += (size_t)snprintf(cmd + o, sizeof(cmd) - o, " '%s/c%02d'", root, c);
	assert_int_equal(system(cmd), 0);
	for (int c = 0; c < NCASES; c++) {
		char path[1300];
		lines want = { 0 };
		FILE *f;
		char line[512];
		snprintf(path, sizeof(path), "%s/c%02d/expected.err", root, c);
		if ((f = fopen(path, "r")) != NULL) {
			if (!fgets(line, sizeof(line), f))
				line[0] = 0;
			fclose(f);
			if (!res[c].rc)
				fail_msg("case %d (variant %d): duckdb failed (%s) but merge succeeded", c,
				         c % NVAR, line);
			assert_non_null(strstr(res[c].msg, "matched the same target row"));
			lines_free(&res[c].got);
			continue;
		}
		if (res[c].rc && res[c].dups &&
		    strstr(res[c].msg, "source rows matched the same target row")) {
			/* Spark's rule; DuckDB applies one of the matches instead */
			lines_free(&res[c].got);
			continue;
		}
		if (res[c].rc)
			fail_msg("case %d (variant %d): merge failed: %s", c, c % NVAR, res[c].msg);
		snprintf(path, sizeof(path), "%s/c%02d/expected.jsonl", root, c);
		f = fopen(path, "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			lines_push(&want, line);
		}
		fclose(f);
		lines_sort(&want);
		{
			char what[64];
			snprintf(what, sizeof(what), "case %d (variant %d)", c, c % NVAR);
			assert_same(&res[c].got, &want, what);
		}
		lines_free(&want);
		lines_free(&res[c].got);
	}
	free(root);
}


static int64_t table_version(const char *uri)
{
	lines l = { 0 };
	int64_t v = scan_lines(&l, uri);
	lines_free(&l);
	return v;
}

static int run_merge(const char *uri, const row *sr, size_t ns, const char *on,
                     void (*setup)(dlt_merge *), int evolve, dlt_merge_metrics *mt,
                     dlt_error *err)
{
	struct ArrowArrayStream src;
	dlt_table *t = NULL;
	dlt_merge *m = NULL;
	dlt_merge_options o = DLT_MERGE_OPTIONS_INIT;
	int rc;
	rows_stream(&src, sr, ns, 1);
	assert_int_equal(dlt_table_open(&t, uri, NULL, err), 0);
	assert_int_equal(dlt_merge_new(&m, t, &src, on, "s", "t", err), 0);
	o.schema_evolution = evolve;
	assert_int_equal(dlt_merge_set_options(m, &o, err), 0);
	setup(m);
	rc = dlt_merge_execute(mt, m, err);
	dlt_merge_free(m);
	dlt_table_free(t);
	return rc;
}

static void rows_small(row *tr, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		memset(&tr[i], 0, sizeof(tr[i]));
		tr[i].id = (int64_t)i;
		tr[i].v = (int32_t)i * 10;
		snprintf(tr[i].s, sizeof(tr[i].s), "r%d", (int)(i % 100));
		tr[i].p = (int32_t)(i % 2);
	}
}

static void upd_v_neg(dlt_merge *m)
{
	dlt_error e;
	ok(dlt_merge_when_matched_update(m, NULL, "v = -5", &e), &e);
}

static void upd_unknown(dlt_merge *m)
{
	dlt_error e;
	ok(dlt_merge_when_matched_update(m, NULL, "nope = s.v", &e), &e);
}

static void test_merge_bad_input_leaves_table(void **state)
{
	char *dir = tmp_dir("bad"), uri[1200];
	row tr[10], sr[3];
	dlt_merge_metrics mt;
	dlt_error err;
	int64_t v;
	(void)state;
	snprintf(uri, sizeof(uri), "%s/t", dir);
	rows_small(tr, 10);
	make_table(uri, 1, 0, 1, "v >= 0", tr, 10, 2);
	v = table_version(uri);
	/* constraint violation */
	rows_small(sr, 3);
	assert_int_equal(run_merge(uri, sr, 3, "t.id = s.id", upd_v_neg, 0, &mt, &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "vpos"));
	assert_int_equal(table_version(uri), v);
	/* ambiguous: two source rows match target row 1 */
	sr[2].id = 1;
	assert_int_equal(run_merge(uri, sr, 3, "t.id = s.id", v0, 0, &mt, &err), DLT_EINVAL);
	assert_non_null(strstr(err.message, "matched the same target row"));
	assert_int_equal(table_version(uri), v);
	/* ... but deleting is unambiguous */
	assert_int_equal(run_merge(uri, sr, 3, "t.id = s.id", v3, 0, &mt, &err), 0);
	assert_int_equal(mt.num_target_rows_deleted, 2);
	assert_int_equal(mt.num_target_rows_matched_deleted, 2);
	v = table_version(uri);
	/* unknown columns */
	assert_int_equal(run_merge(uri, sr, 3, "t.id = s.nope", v0, 0, &mt, &err), DLT_ENOTFOUND);
	assert_non_null(strstr(err.message, "nope"));
	assert_int_equal(run_merge(uri, sr, 3, "t.id = s.id", upd_unknown, 0, &mt, &err),
	                 DLT_ENOTFOUND);
	/* ambiguous unqualified name */
	assert_int_equal(run_merge(uri, sr, 3, "id = s.id", v0, 0, &mt, &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "ambiguous"));
	assert_int_equal(table_version(uri), v);
	free(dir);
}

/* A source whose schema lacks a target column (INSERT *): clear error. */
static void test_merge_source_schema_mismatch(void **state)
{
	char *dir = tmp_dir("schema"), uri[1200];
	row tr[4];
	struct ArrowSchema s;
	struct ArrowArray a;
	struct ArrowArrayStream src;
	dlt_builder *b = NULL;
	dlt_table *t = NULL;
	dlt_merge *m = NULL;
	dlt_error err;
	int64_t v;
	(void)state;
	snprintf(uri, sizeof(uri), "%s/t", dir);
	rows_small(tr, 4);
	make_table(uri, 0, 0, 0, NULL, tr, 4, 1);
	v = table_version(uri);
	parse_ddl(&s, "id bigint, v string");
	assert_int_equal(dlt_builder__new(&b, &s, NULL), 0);
	assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 0), 99, NULL), 0);
	assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 1), "x", 1, NULL), 0);
	assert_int_equal(dlt_builder__append_valid(b, NULL), 0);
	assert_int_equal(dlt_builder__finish(&a, b, NULL), 0);
	dlt_builder__free(b);
	assert_int_equal(dlt_stream__from_batches(&src, &s, &a, 1, NULL), 0);
	assert_int_equal(dlt_table_open(&t, uri, NULL, &err), 0);
	assert_int_equal(dlt_merge_new(&m, t, &src, "t.id = s.id", "s", "t", &err), 0);
	assert_int_equal(dlt_merge_when_not_matched_insert(m, NULL, NULL, NULL, &err), 0);
	assert_int_equal(dlt_merge_execute(NULL, m, &err), DLT_ESCHEMA);
	assert_non_null(strstr(err.message, "not in the source"));
	dlt_merge_free(m);
	dlt_table_free(t);
	assert_int_equal(table_version(uri), v);
	free(dir);
}

static void star_both(dlt_merge *m)
{
	dlt_error e;
	ok(dlt_merge_when_matched_update(m, NULL, NULL, &e), &e);
	ok(dlt_merge_when_not_matched_insert(m, NULL, NULL, NULL, &e), &e);
}

/* Schema evolution: source column "op" is added to the table. */
static void test_merge_schema_evolution(void **state)
{
	char *dir = tmp_dir("evolve"), uri[1200];
	row tr[6], sr[3];
	dlt_merge_metrics mt;
	dlt_error err;
	dlt_table *t = NULL;
	dlt_snapshot *snap = NULL;
	struct ArrowSchema s;
	lines l = { 0 };
	(void)state;
	snprintf(uri, sizeof(uri), "%s/t", dir);
	rows_small(tr, 6);
	make_table(uri, 0, 0, 0, NULL, tr, 6, 2);
	rows_small(sr, 3);
	sr[0].id = 100;
	sr[1].op = 7;
	sr[2].op = 8;
	sr[2].v = 1234;
	assert_int_equal(run_merge(uri, sr, 3, "t.id = s.id", star_both, 0, &mt, &err), 0);
	assert_int_equal(mt.num_target_rows_inserted, 1);
	assert_int_equal(mt.num_target_rows_updated, 2);
	assert_int_equal(mt.num_target_rows_copied, 1); /* row 0: the other row of the touched file */
	assert_int_equal(run_merge(uri, sr, 3, "t.id = s.id", star_both, 1, &mt, &err), 0);
	assert_int_equal(mt.num_target_rows_updated, 3);
	assert_int_equal(dlt_table_open(&t, uri, NULL, &err), 0);
	assert_int_equal(dlt_table_snapshot(&snap, t, -1, &err), 0);
	assert_int_equal(dlt_snapshot_schema(&s, snap, &err), 0);
	assert_int_equal(s.n_children, 5);
	assert_string_equal(s.children[4]->name, "op");
	s.release(&s);
	dlt_snapshot_free(snap);
	dlt_table_free(t);
	assert_int_equal(scan_lines(&l, uri), 4);
	assert_int_equal(l.n, 7);
	{
		int found = 0;
		for (size_t i = 0; i < l.n; i++)
			found += strcmp(l.v[i], "[2,1234,\"r2\",0]") == 0;
		assert_int_equal(found, 1);
	}
	lines_free(&l);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_vs_duckdb),
		cmocka_unit_test(test_merge_bad_input_leaves_table),
		cmocka_unit_test(test_merge_source_schema_mismatch),
		cmocka_unit_test(test_merge_schema_evolution),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
