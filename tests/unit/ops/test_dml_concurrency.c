/* DML under concurrency: a DELETE racing an UPDATE (overlapping rows: the
 * loser fails with DLT_ECONFLICT naming the winner; disjoint partitions or
 * files: the loser rebases and commits), MERGE racing appends under
 * WriteSerializable and Serializable, two processes updating disjoint
 * partitions in a loop. The race is staged with the DML pre-commit test hook
 * (ops/dml.h): the winner commits after the loser's reads, before its
 * commit. The final table is compared with the winners applied in order on
 * a fresh copy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deltalite.h"
#include "deltalite/txn.h"
#include "arrow/arrow.h"
#include "ops/dml.h"
#include "table/helpers.c" /* canonical row rendering shared with the scan tests */

#define DDL "id bigint not null, p string, v bigint"

static char *tmp_table(const char *name)
{
	char *p = malloc(1024);
	char cmd[1200];
	snprintf(p, 1024, "%s/dmlcc_%s_%d", DLT_TEST_TMPDIR, name, (int)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p);
	assert_int_equal(system(cmd), 0);
	return p;
}

/* Rows id in [first, first + n), partition p, v = id. */
static void make_stream(struct ArrowArrayStream *out, int64_t first, int64_t n, const char *p)
{
	struct ArrowSchema s, s2;
	struct ArrowArray a;
	dlt_builder *b = NULL;
	assert_int_equal(dlt_schema_parse_ddl(&s, DDL, NULL), 0);
	assert_int_equal(dlt_builder__new(&b, &s, NULL), 0);
	for (int64_t k = first; k < first + n; k++) {
		assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 0), k, NULL), 0);
		assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 1), p, strlen(p), NULL),
		                 0);
		assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 2), k, NULL), 0);
		assert_int_equal(dlt_builder__append_valid(b, NULL), 0);
	}
	assert_int_equal(dlt_builder__finish(&a, b, NULL), 0);
	dlt_builder__free(b);
	assert_int_equal(dlt_schema__copy(&s2, &s, NULL), 0);
	assert_int_equal(dlt_stream__from_batches(out, &s2, &a, 1, NULL), 0);
	s.release(&s);
}

static int append(dlt_table *t, int64_t first, int64_t n, const char *p, dlt_error *err)
{
	struct ArrowArrayStream st;
	make_stream(&st, first, n, p);
	return dlt_table_write(NULL, t, &st, NULL, err);
}

/* A table: partition a ids 0..9, b ids 10..19 (one file per partition and
 * write), or unpartitioned ids 0..9 and 100..109 in two files. */
static dlt_table *setup(const char *uri, bool partitioned, const char *isolation)
{
	static const char *const parts[] = { "p" };
	struct ArrowSchema s;
	dlt_create_options o = DLT_CREATE_OPTIONS_INIT;
	dlt_kv props[] = { { "delta.isolationLevel", isolation } };
	dlt_table *t = NULL;
	dlt_error err;
	assert_int_equal(dlt_schema_parse_ddl(&s, DDL, NULL), 0);
	o.partition_by = partitioned ? parts : NULL;
	o.partition_by_len = partitioned ? 1 : 0;
	o.properties = props;
	o.properties_len = isolation ? 1 : 0;
	if (dlt_table_create(&t, uri, &s, &o, &err))
		fail_msg("create: %s", err.message);
	s.release(&s);
	if (partitioned) {
		assert_int_equal(append(t, 0, 10, "a", &err), 0);
		assert_int_equal(append(t, 10, 10, "b", &err), 0);
	} else {
		assert_int_equal(append(t, 0, 10, "x", &err), 0);
		assert_int_equal(append(t, 100, 10, "x", &err), 0);
	}
	return t;
}

static int64_t latest(const char *uri)
{
	dlt_table *t = NULL;
	dlt_snapshot *snap = NULL;
	int64_t v;
	assert_int_equal(dlt_table_open(&t, uri, NULL, NULL), 0);
	assert_int_equal(dlt_table_snapshot(&snap, t, -1, NULL), 0);
	v = dlt_snapshot_version(snap);
	dlt_snapshot_free(snap);
	dlt_table_free(t);
	return v;
}

static void scan(th_lines *out, const char *uri)
{
	dlt_table *t = NULL;
	dlt_snapshot *snap = NULL;
	struct ArrowArrayStream s;
	char msg[512];
	dlt_error err;
	if (dlt_table_open(&t, uri, NULL, &err) || dlt_table_snapshot(&snap, t, -1, &err) ||
	    dlt_snapshot_scan(&s, snap, NULL, &err))
		fail_msg("scan %s: %s", uri, err.message);
	if (th_render_stream(out, &s, msg, sizeof(msg)))
		fail_msg("scan %s: %s", uri, msg);
	if (s.release)
		s.release(&s);
	th_lines_sort(out);
	dlt_snapshot_free(snap);
	dlt_table_free(t);
}

static void assert_same_rows(const char *uri, const char *ref)
{
	th_lines a = { 0 }, b = { 0 };
	scan(&a, uri);
	scan(&b, ref);
	if (a.n != b.n)
		fail_msg("%zu rows, the sequential reference has %zu", a.n, b.n);
	for (size_t i = 0; i < a.n; i++)
		if (strcmp(a.v[i], b.v[i]) != 0)
			fail_msg("row %zu:\n  got  %s\n  want %s", i, a.v[i], b.v[i]);
	th_lines_free(&a);
	th_lines_free(&b);
}

/* ------------------------------------------------------------ the race -- */

typedef enum op_kind { OP_DELETE, OP_UPDATE, OP_APPEND } op_kind;

typedef struct op {
	op_kind kind;
	const char *pred;        /* DELETE / UPDATE predicate */
	const char *set;         /* UPDATE set clause */
	int64_t first, n;        /* APPEND rows */
	const char *part;
} op;

/* Run op on its own handle of `uri` (another writer). */
static int run_op(const char *uri, const op *o, int64_t *version, dlt_error *err)
{
	dlt_table *t = NULL;
	dlt_dml_metrics m;
	int rc;
	if ((rc = dlt_table_open(&t, uri, NULL, err)) < 0)
		return rc;
	if (o->kind == OP_DELETE) {
		rc = dlt_table_delete(&m, t, o->pred, NULL, err);
		*version = m.version;
	} else if (o->kind == OP_UPDATE) {
		rc = dlt_table_update(&m, t, o->set, o->pred, NULL, err);
		*version = m.version;
	} else {
		struct ArrowArrayStream st;
		make_stream(&st, o->first, o->n, o->part);
		rc = dlt_table_write(version, t, &st, NULL, err);
	}
	dlt_table_free(t);
	return rc;
}

typedef struct race {
	const char *uri;
	op winner;
	const char *seen_op;     /* the operation the hook ran in */
	int rc;
	int64_t version;
	dlt_error err;
} race;

static int winner_hook(dlt_table *table, const char *operation, void *payload, dlt_error *err)
{
	race *r = payload;
	(void)table;
	(void)err;
	r->seen_op = operation;
	r->rc = run_op(r->uri, &r->winner, &r->version, &r->err);
	return DLT_OK;
}

/* Stage `winner` inside `loser` (a DELETE or UPDATE on uri); returns the
 * loser's code, *lv its version, the winner's outcome in r. */
static int race_dml(race *r, const char *uri, const op *loser, int64_t *lv, dlt_error *err)
{
	memset(&r->err, 0, sizeof(r->err));
	r->uri = uri;
	r->rc = 1;
	r->version = -1;
	r->seen_op = NULL;
	dlt_dml__set_test_hook(winner_hook, r);
	{
		int rc = run_op(uri, loser, lv, err);
		dlt_dml__set_test_hook(NULL, NULL);
		if (r->rc != 0)
			fail_msg("winner: %d %s", r->rc, r->err.message);
		return rc;
	}
}

/* Apply ops in order on a fresh copy of the setup (the sequential reference). */
static char *reference(const char *name, bool partitioned, const op *ops, size_t n)
{
	char *ref = tmp_table(name);
	dlt_table *t = setup(ref, partitioned, NULL);
	dlt_error err;
	int64_t v;
	dlt_table_free(t);
	for (size_t i = 0; i < n; i++)
		if (run_op(ref, &ops[i], &v, &err))
			fail_msg("reference op %zu: %s", i, err.message);
	return ref;
}

static void test_dml_delete_loses_to_overlapping_update(void **state)
{
	char *uri = tmp_table("del_upd");
	dlt_table *t = setup(uri, true, NULL);
	op loser = { OP_DELETE, "p = 'a' and v < 5", NULL, 0, 0, NULL };
	race r = { .winner = { OP_UPDATE, "p = 'a'", "v = v + 100", 0, 0, NULL } };
	dlt_error err;
	int64_t lv = -1;
	char *ref;
	(void)state;

	assert_int_equal(race_dml(&r, uri, &loser, &lv, &err), DLT_ECONFLICT);
	assert_string_equal(r.seen_op, "DELETE");
	assert_int_equal(r.version, 3);
	assert_non_null(strstr(err.message, "version 3"));
	assert_non_null(strstr(err.message, "UPDATE"));
	assert_int_equal(lv, -1);
	assert_int_equal(latest(uri), 3);
	ref = reference("del_upd_ref", true, &r.winner, 1);
	assert_same_rows(uri, ref);
	/* the loser, run again on the new state: after the winner no row matches */
	assert_int_equal(run_op(uri, &loser, &lv, &err), 0);
	assert_int_equal(lv, -1);
	assert_same_rows(uri, ref);
	dlt_table_free(t);
	free(ref);
	free(uri);
}

static void test_dml_update_loses_to_overlapping_delete(void **state)
{
	char *uri = tmp_table("upd_del");
	dlt_table *t = setup(uri, true, NULL);
	op loser = { OP_UPDATE, "id = 3", "v = v * 2", 0, 0, NULL };
	race r = { .winner = { OP_DELETE, "id >= 2 and id <= 4", NULL, 0, 0, NULL } };
	dlt_error err;
	int64_t lv = -1;
	char *ref;
	(void)state;

	assert_int_equal(race_dml(&r, uri, &loser, &lv, &err), DLT_ECONFLICT);
	assert_string_equal(r.seen_op, "UPDATE");
	assert_int_equal(r.version, 3);
	assert_non_null(strstr(err.message, "version 3"));
	assert_non_null(strstr(err.message, "DELETE"));
	assert_int_equal(latest(uri), 3);
	ref = reference("upd_del_ref", true, &r.winner, 1);
	assert_same_rows(uri, ref);
	dlt_table_free(t);
	free(ref);
	free(uri);
}

static void test_dml_disjoint_partitions_retry(void **state)
{
	char *uri = tmp_table("disjoint_p");
	dlt_table *t = setup(uri, true, NULL);
	op ops[2] = {
		{ OP_UPDATE, "p = 'b'", "v = v + 100", 0, 0, NULL },     /* winner */
		{ OP_DELETE, "p = 'a' and v < 5", NULL, 0, 0, NULL },   /* rebased loser */
	};
	race r = { .winner = ops[0] };
	dlt_error err;
	int64_t lv = -1;
	char *ref;
	(void)state;

	if (race_dml(&r, uri, &ops[1], &lv, &err))
		fail_msg("loser: %s", err.message);
	assert_int_equal(r.version, 3);
	assert_int_equal(lv, 4);
	ref = reference("disjoint_p_ref", true, ops, 2);
	assert_same_rows(uri, ref);
	free(ref);
	/* and the other way round: UPDATE loser, DELETE winner */
	{
		op ops2[2] = {
			{ OP_DELETE, "p = 'b' and v > 115", NULL, 0, 0, NULL },
			{ OP_UPDATE, "p = 'a'", "v = -v", 0, 0, NULL },
		};
		race r2 = { .winner = ops2[0] };
		if (race_dml(&r2, uri, &ops2[1], &lv, &err))
			fail_msg("loser 2: %s", err.message);
		assert_int_equal(r2.version, 5);
		assert_int_equal(lv, 6);
		{
			op all[4] = { ops[0], ops[1], ops2[0], ops2[1] };
			ref = reference("disjoint_p_ref2", true, all, 4);
		}
		assert_same_rows(uri, ref);
		free(ref);
	}
	dlt_table_free(t);
	free(uri);
}

static void test_dml_disjoint_files_retry(void **state)
{
	char *uri = tmp_table("disjoint_f");
	dlt_table *t = setup(uri, false, NULL);
	op ops[2] = {
		{ OP_DELETE, "id >= 100", NULL, 0, 0, NULL },           /* winner: removes file 2 */
		{ OP_DELETE, "id < 5", NULL, 0, 0, NULL },              /* loser: reads file 1 */
	};
	race r = { .winner = ops[0] };
	op upd = { OP_UPDATE, "id >= 7", "v = -1", 0, 0, NULL };
	op del = { OP_DELETE, "id = 9", NULL, 0, 0, NULL };
	dlt_error err;
	int64_t lv = -1;
	char *ref;
	(void)state;

	if (race_dml(&r, uri, &ops[1], &lv, &err))
		fail_msg("loser: %s", err.message);
	assert_int_equal(r.version, 3);
	assert_int_equal(lv, 4);
	ref = reference("disjoint_f_ref", false, ops, 2);
	assert_same_rows(uri, ref);
	free(ref);
	/* a winner ADDING files to an unpartitioned table the loser read conflicts,
	 * as in Delta: added files are matched with the read predicates by
	 * partition values only (rows 7..9 vs the loser's id = 9) */
	r.winner = upd;
	assert_int_equal(race_dml(&r, uri, &del, &lv, &err), DLT_ECONFLICT);
	assert_int_equal(r.version, 5);
	assert_non_null(strstr(err.message, "version 5 (UPDATE)"));
	assert_non_null(strstr(err.message, "concurrent"));
	{
		op all[3] = { ops[0], ops[1], upd };
		ref = reference("disjoint_f_ref2", false, all, 3);
	}
	assert_same_rows(uri, ref);
	dlt_table_free(t);
	free(ref);
	free(uri);
}

/* ------------------------------------------------------------- MERGE -- */

static int run_merge(const char *uri, int64_t *version, dlt_error *err)
{
	struct ArrowArrayStream src;
	dlt_table *t = NULL;
	dlt_merge *m = NULL;
	dlt_merge_metrics mm;
	int rc;
	/* source: ids 3, 4 (matched in a) and 50, 51 (new, in a) */
	struct ArrowSchema s, s2;
	struct ArrowArray a;
	dlt_builder *b = NULL;
	static const int64_t ids[] = { 3, 4, 50, 51 };
	assert_int_equal(dlt_schema_parse_ddl(&s, DDL, NULL), 0);
	assert_int_equal(dlt_builder__new(&b, &s, NULL), 0);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 0), ids[i], NULL), 0);
		assert_int_equal(dlt_builder__append_bytes(dlt_builder__child(b, 1), "a", 1, NULL), 0);
		assert_int_equal(dlt_builder__append_int(dlt_builder__child(b, 2), 1000 + ids[i], NULL),
		                 0);
		assert_int_equal(dlt_builder__append_valid(b, NULL), 0);
	}
	assert_int_equal(dlt_builder__finish(&a, b, NULL), 0);
	dlt_builder__free(b);
	assert_int_equal(dlt_schema__copy(&s2, &s, NULL), 0);
	assert_int_equal(dlt_stream__from_batches(&src, &s2, &a, 1, NULL), 0);
	s.release(&s);

	if ((rc = dlt_table_open(&t, uri, NULL, err)) < 0) {
		src.release(&src);
		return rc;
	}
	if ((rc = dlt_merge_new(&m, t, &src, "t.id = s.id AND t.p = 'a'", "s", "t", err)) == 0 &&
	    (rc = dlt_merge_when_matched_update(m, NULL, "t.v = s.v", err)) == 0 &&
	    (rc = dlt_merge_when_not_matched_insert(m, NULL, NULL, NULL, err)) == 0 &&
	    (rc = dlt_merge_execute(&mm, m, err)) == 0)
		*version = mm.version;
	dlt_merge_free(m);
	dlt_table_free(t);
	return rc;
}

static int merge_loser(race *r, const char *uri, int64_t *lv, dlt_error *err)
{
	int rc;
	memset(&r->err, 0, sizeof(r->err));
	r->uri = uri;
	r->rc = 1;
	r->version = -1;
	dlt_dml__set_test_hook(winner_hook, r);
	rc = run_merge(uri, lv, err);
	dlt_dml__set_test_hook(NULL, NULL);
	if (r->rc != 0)
		fail_msg("append: %d %s", r->rc, r->err.message);
	assert_string_equal(r->seen_op, "MERGE");
	return rc;
}

static void test_dml_merge_racing_appends(void **state)
{
	static const char *const names[] = { "merge_ws", "merge_ser" };
	static const char *const refs[] = { "merge_ws_ref", "merge_ser_ref" };
	(void)state;
	for (int serializable = 0; serializable < 2; serializable++) {
		char *uri = tmp_table(names[serializable]);
		dlt_table *t = setup(uri, true, serializable ? "Serializable" : NULL);
		race ra = { .winner = { OP_APPEND, NULL, NULL, 200, 3, "a" } };  /* same partition */
		race rb = { .winner = { OP_APPEND, NULL, NULL, 300, 3, "b" } };  /* another one */
		dlt_error err;
		int64_t lv = -1, v = -1;
		char *ref;
		int rc;

		/* blind append to the partition MERGE read */
		rc = merge_loser(&ra, uri, &lv, &err);
		assert_int_equal(ra.version, 3);
		if (!serializable) {
			if (rc)
				fail_msg("merge (WriteSerializable): %s", err.message);
			assert_int_equal(lv, 4);
		} else {
			assert_int_equal(rc, DLT_ECONFLICT);
			assert_non_null(strstr(err.message, "version 3"));
			assert_int_equal(latest(uri), 3);
			/* retried by the caller on the new state */
			assert_int_equal(run_merge(uri, &lv, &err), 0);
			assert_int_equal(lv, 4);
		}
		/* an append to a partition MERGE did not read never conflicts (this
		 * MERGE matches ids 3, 4 and 50, 51, inserted by the first one) */
		rc = merge_loser(&rb, uri, &lv, &err);
		if (rc)
			fail_msg("merge vs append to b: %s", err.message);
		assert_int_equal(rb.version, 5);
		assert_int_equal(lv, 6);
		/* reference: append a, merge, append b, merge */
		ref = reference(refs[serializable], true, &ra.winner, 1);
		assert_int_equal(run_merge(ref, &v, &err), 0);
		assert_int_equal(run_op(ref, &rb.winner, &v, &err), 0);
		assert_int_equal(run_merge(ref, &v, &err), 0);
		assert_same_rows(uri, ref);
		dlt_table_free(t);
		free(ref);
		free(uri);
	}
}

/* ------------------------------------------------------- processes -- */

#define LOOP_N 8

/* Child: LOOP_N updates of partition p; exit code 0, or 10 + failing step. */
static int child_updates(const char *uri, const char *p)
{
	char pred[32];
	dlt_table *t = NULL;
	dlt_error err;
	snprintf(pred, sizeof(pred), "p = '%s'", p);
	if (dlt_table_open(&t, uri, NULL, &err))
		return 9;
	for (int i = 0; i < LOOP_N; i++) {
		dlt_dml_metrics m;
		int rc = dlt_table_update(&m, t, "v = v + 1", pred, NULL, &err);
		if (rc) {
			fprintf(stderr, "child %s step %d: %d %s\n", p, i, rc, err.message);
			dlt_table_free(t);
			return 10 + i;
		}
	}
	dlt_table_free(t);
	return 0;
}

static void test_dml_two_processes_update_disjoint_partitions(void **state)
{
	char *uri = tmp_table("procs");
	dlt_table *t = setup(uri, true, NULL);
	static const char *const parts[] = { "a", "b" };
	pid_t pids[2];
	th_lines got = { 0 };
	(void)state;

	fflush(NULL);
	for (int i = 0; i < 2; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			_exit(child_updates(uri, parts[i]));
	}
	for (int i = 0; i < 2; i++) {
		int st = 0;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st));
		if (WEXITSTATUS(st) != 0)
			fail_msg("child %d exited with %d", i, WEXITSTATUS(st));
	}
	/* every update landed, versions contiguous, each one an UPDATE */
	assert_int_equal(latest(uri), 2 + 2 * LOOP_N);
	for (int64_t v = 3; v <= 2 + 2 * LOOP_N; v++) {
		char path[1400], buf[8192];
		FILE *f;
		size_t n;
		snprintf(path, sizeof(path), "%s/_delta_log/%020lld.json", uri, (long long)v);
		assert_non_null(f = fopen(path, "rb"));
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = 0;
		fclose(f);
		assert_non_null(strstr(buf, "\"operation\":\"UPDATE\""));
	}
	scan(&got, uri);
	assert_int_equal(got.n, 20);
	for (size_t i = 0; i < got.n; i++) {
		long long id, v;
		char p;
		if (sscanf(got.v[i], "{\"id\":%lld,\"p\":\"%c\",\"v\":%lld}", &id, &p, &v) != 3)
			fail_msg("row %s", got.v[i]);
		assert_int_equal(v, id + LOOP_N);
	}
	th_lines_free(&got);
	dlt_table_free(t);
	free(uri);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dml_delete_loses_to_overlapping_update),
		cmocka_unit_test(test_dml_update_loses_to_overlapping_delete),
		cmocka_unit_test(test_dml_disjoint_partitions_retry),
		cmocka_unit_test(test_dml_disjoint_files_retry),
		cmocka_unit_test(test_dml_merge_racing_appends),
		cmocka_unit_test(test_dml_two_processes_update_disjoint_partitions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
