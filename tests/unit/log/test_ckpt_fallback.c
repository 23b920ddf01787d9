/* Snapshots built from a classic checkpoint skip the (path, DV id) key map for
 * the checkpoint's records; when the sorted result shows one key twice, or a
 * key both live and removed (a checkpoint that was not reconciled, which
 * PROTOCOL.md#checkpoints forbids), the snapshot is rebuilt with the map.
 * These tests write such checkpoints (a snapshot tampered in memory, then
 * written by the checkpoint writer, whose rows follow the snapshot's arrays:
 * adds, then removes) and check the result is deterministic and equal to a
 * JSON-only replay of the same actions in the same order (newest action per
 * key wins; within one file, the later row). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deltalite/table.h"
#include "log/ckpt_write.h"
#include "log/log.h"
#include "util/util.h"

#define PROTO                                                                               \
	"{\"protocol\":{\"minReaderVersion\":3,\"minWriterVersion\":7,"                        \
	"\"readerFeatures\":[\"deletionVectors\"],\"writerFeatures\":[\"deletionVectors\"]}}\n"
#define META                                                                                \
	"{\"metaData\":{\"id\":\"fb\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"   \
	"\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":[{\\\"name\\\":\\\"a\\\"," \
	"\\\"type\\\":\\\"long\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}}]}\","             \
	"\"partitionColumns\":[],\"configuration\":{},\"createdTime\":1}}\n"

/* the DV of PROTOCOL.md's example (never read here: only its id matters) */
#define DV_PATH "ab^-aqEH.-t@S}K{vb[*k^"
#define DV_JSON                                                                             \
	"\"deletionVector\":{\"storageType\":\"u\",\"pathOrInlineDv\":\"" DV_PATH "\","      \
	"\"offset\":4,\"sizeInBytes\":40,\"cardinality\":6}"

/* One file action of a checkpoint or commit. */
typedef struct ent {
	bool add;
	const char *path;
	int nrec;    /* add: stats.numRecords; remove: deletionTimestamp */
	bool dv;
} ent;

#define MAX_ENTS 160

static int n_store;

static dlt_storage *store(char *uri, size_t cap)
{
	dlt_storage *st = NULL;
	dlt_error err;
	snprintf(uri, cap, "memory://log_ckpt_fallback_%d", n_store++);
	assert_int_equal(dlt_storage_open(&st, uri, NULL, 0, &err), DLT_OK);
	return st;
}

static void put(dlt_storage *st, const char *key, const char *text)
{
	dlt_error err;
	assert_int_equal(dlt_storage_put(st, key, text, strlen(text), DLT_PUT_OVERWRITE, &err),
	                 DLT_OK);
}

static char *commit_key(char *buf, size_t cap, int v)
{
	snprintf(buf, cap, "_delta_log/%020d.json", v);
	return buf;
}

/* JSON lines for e[0..n) appended to buf. */
static void actions_json(char *buf, size_t cap, const ent *e, size_t n)
{
	size_t len = strlen(buf);
	for (size_t i = 0; i < n; i++) {
		int w;
		if (e[i].add)
			w = snprintf(buf + len, cap - len,
			             "{\"add\":{\"path\":\"%s\",\"partitionValues\":{},\"size\":10,"
			             "\"modificationTime\":1,\"dataChange\":true,"
			             "\"stats\":\"{\\\"numRecords\\\":%d}\"%s%s}}\n",
			             e[i].path, e[i].nrec, e[i].dv ? "," : "", e[i].dv ? DV_JSON : "");
		else
			w = snprintf(buf + len, cap - len,
			             "{\"remove\":{\"path\":\"%s\",\"deletionTimestamp\":%d,"
			             "\"dataChange\":true,\"size\":10%s%s}}\n",
			             e[i].path, e[i].nrec, e[i].dv ? "," : "", e[i].dv ? DV_JSON : "");
		assert_true(w > 0 && (size_t)w < cap - len);
		len += (size_t)w;
	}
}

static void commit_ents(dlt_storage *st, int v, const char *head, const ent *e, size_t n)
{
	char text[65536], key[64];
	snprintf(text, sizeof(text), "%s", head);
	actions_json(text, sizeof(text), e, n);
	put(st, commit_key(key, sizeof(key), v), text);
}

static int load(const char *uri, dlt_snapshot **out, dlt_error *err)
{
	dlt_table *t = NULL;
	int rc = dlt_table_open(&t, uri, NULL, err);
	*out = NULL;
	if (rc == DLT_OK)
		rc = dlt_table_snapshot(out, t, -1, err);
	dlt_table_free(t);
	return rc;
}

static void set_dv(dlt_log_file *f, bool dv)
{
	if (!dv) {
		memset(&f->dv, 0, sizeof(f->dv));
		return;
	}
	f->dv.storage_type = 'u';
	f->dv.path_or_inline_dv = DV_PATH;
	f->dv.offset = 4;
	f->dv.size_in_bytes = 40;
	f->dv.cardinality = 6;
	f->dv.max_row_index = -1;
}

/* A table whose version 1 is a classic checkpoint holding exactly the rows
 * ck[0..n) (adds first, in order, then removes; n <= MAX_ENTS), then commits
 * 2, 3, ... of later[k] (n_later[k] ents each). Commits 0
 * and 1 are deleted: the checkpoint is the only way to version 1. */
static void make_ckpt_table(dlt_storage *st, const char *uri, const ent *ck, size_t n,
                            const ent *const *later, const size_t *n_later, size_t n_commits)
{
	static char stats[MAX_ENTS][48], names[MAX_ENTS][16];
	ent ph[MAX_ENTS];
	size_t na = 0, nr = 0;
	dlt_snapshot *s = NULL;
	dlt_error err;
	char key[64];
	assert_true(n <= MAX_ENTS);
	/* placeholders: distinct names in sorted order, adds then removes */
	for (size_t i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "p%03zu", i);
		ph[i].add = ck[i].add;
		ph[i].path = names[i];
		ph[i].nrec = 1;
		ph[i].dv = false;
		if (i > 0)
			assert_true(ck[i - 1].add || !ck[i].add); /* adds first */
		ck[i].add ? na++ : nr++;
	}
	commit_ents(st, 0, PROTO META, NULL, 0);
	commit_ents(st, 1, "", ph, n);
	assert_int_equal(load(uri, &s, &err), DLT_OK);
	assert_int_equal(s->n_files, na);
	assert_int_equal(s->n_tombstones, nr);
	for (size_t i = 0; i < n; i++) {
		dlt_log_file *f = ck[i].add ? &s->files[i] : &s->tombstones[i - na];
		f->path = ck[i].path;
		set_dv(f, ck[i].dv);
		if (ck[i].add) {
			snprintf(stats[i], sizeof(stats[i]), "{\"numRecords\":%d}", ck[i].nrec);
			f->stats = stats[i];
			f->num_records = ck[i].nrec;
		} else {
			f->modification_time = ck[i].nrec;
		}
	}
	dlt_log_ckpt_opts o = DLT_LOG_CKPT_OPTS_INIT;
	dlt_log_ckpt_info info;
	o.kind = DLT_LOG_CKPT_WRITE_CLASSIC;
	o.now_ms = 1; /* keep every tombstone */
	if (dlt_log__checkpoint_write(&info, s, &o, &err) != DLT_OK)
		fail_msg("checkpoint: %s", err.message);
	assert_int_equal(info.n_actions, (int64_t)(n + 2));
	dlt_snapshot_free(s);
	assert_int_equal(dlt_storage_delete(st, commit_key(key, sizeof(key), 0), &err), DLT_OK);
	assert_int_equal(dlt_storage_delete(st, commit_key(key, sizeof(key), 1), &err), DLT_OK);
	for (size_t k = 0; k < n_commits; k++)
		commit_ents(st, (int)k + 2, "", later[k], n_later[k]);
}

/* The same actions as JSON commits: 0 protocol + metaData, 1 the checkpoint's
 * rows in its order, then the later commits. */
static void make_json_table(dlt_storage *st, const ent *ck, size_t n, const ent *const *later,
                            const size_t *n_later, size_t n_commits)
{
	commit_ents(st, 0, PROTO META, NULL, 0);
	commit_ents(st, 1, "", ck, n);
	for (size_t k = 0; k < n_commits; k++)
		commit_ents(st, (int)k + 2, "", later[k], n_later[k]);
}

static void eq_str(const char *a, const char *b, const char *what)
{
	if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
		fail_msg("%s: '%s' vs '%s'", what, a ? a : "(null)", b ? b : "(null)");
}

static void eq_file(const dlt_log_file *a, const dlt_log_file *b, bool add)
{
	eq_str(a->path, b->path, "path");
	assert_int_equal(a->dv.storage_type, b->dv.storage_type);
	if (a->dv.storage_type) {
		eq_str(a->dv.path_or_inline_dv, b->dv.path_or_inline_dv, "dv");
		assert_int_equal(a->dv.offset, b->dv.offset);
		assert_int_equal(a->dv.cardinality, b->dv.cardinality);
	}
	assert_int_equal(a->size, b->size);
	assert_int_equal(a->modification_time, b->modification_time);
	if (add) {
		eq_str(a->stats, b->stats, "stats");
		assert_int_equal(a->num_records, b->num_records);
	}
}

static void eq_files(const dlt_snapshot *a, const dlt_snapshot *b)
{
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->n_files, b->n_files);
	for (size_t i = 0; i < a->n_files; i++)
		eq_file(&a->files[i], &b->files[i], true);
	assert_int_equal(a->n_tombstones, b->n_tombstones);
	for (size_t i = 0; i < a->n_tombstones; i++)
		eq_file(&a->tombstones[i], &b->tombstones[i], false);
}

/* Build both tables; check the checkpoint-based snapshot (loaded twice) equals
 * the JSON replay; returns the JSON snapshot for specific checks. */
static dlt_snapshot *check_case(const ent *ck, size_t n, const ent *const *later,
                                const size_t *n_later, size_t n_commits)
{
	char uc[64], uj[64];
	dlt_storage *sc = store(uc, sizeof(uc)), *sj = store(uj, sizeof(uj));
	dlt_snapshot *a = NULL, *a2 = NULL, *b = NULL;
	dlt_error err;
	make_ckpt_table(sc, uc, ck, n, later, n_later, n_commits);
	make_json_table(sj, ck, n, later, n_later, n_commits);
	if (load(uc, &a, &err) != DLT_OK)
		fail_msg("checkpoint table: %s", err.message);
	assert_int_equal(a->segment.checkpoint_version, 1);
	assert_int_equal(load(uc, &a2, &err), DLT_OK);
	if (load(uj, &b, &err) != DLT_OK)
		fail_msg("json table: %s", err.message);
	assert_int_equal(b->segment.checkpoint_version, -1);
	eq_files(a, a2);
	eq_files(a, b);
	dlt_snapshot_free(a);
	dlt_snapshot_free(a2);
	dlt_storage_free(sc);
	dlt_storage_free(sj);
	return b;
}

static const dlt_log_file *find(const dlt_log_file *f, size_t n, const char *path, bool dv)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].path, path) == 0 && (f[i].dv.storage_type != 0) == dv)
			return &f[i];
	return NULL;
}

/* (a) the same add path twice: one live file, the later row's. */
static void test_ckpt_fallback_duplicate_add(void **state)
{
	static const ent ck[] = { { true, "a.parquet", 1, false }, { true, "a.parquet", 2, false },
		                  { true, "b.parquet", 3, false } };
	(void)state;
	dlt_snapshot *b = check_case(ck, 3, NULL, NULL, 0);
	assert_int_equal(b->n_files, 2);
	assert_int_equal(b->n_tombstones, 0);
	assert_int_equal(find(b->files, b->n_files, "a.parquet", false)->num_records, 2);
	dlt_snapshot_free(b);
}

/* the same add twice, with and without a DV (two keys: both live), and the
 * DV'd one twice (one key) */
static void test_ckpt_fallback_duplicate_dv_keys(void **state)
{
	static const ent ck[] = { { true, "a.parquet", 1, true }, { true, "a.parquet", 2, false },
		                  { true, "a.parquet", 3, true }, { true, "c.parquet", 4, false } };
	(void)state;
	dlt_snapshot *b = check_case(ck, 4, NULL, NULL, 0);
	assert_int_equal(b->n_files, 3);
	assert_int_equal(find(b->files, b->n_files, "a.parquet", true)->num_records, 3);
	assert_int_equal(find(b->files, b->n_files, "a.parquet", false)->num_records, 2);
	dlt_snapshot_free(b);
}

/* (b) an add and a remove of one path: the remove (the later row) wins */
static void test_ckpt_fallback_add_and_remove(void **state)
{
	static const ent ck[] = { { true, "a.parquet", 1, false }, { true, "b.parquet", 2, false },
		                  { false, "a.parquet", 50, false } };
	(void)state;
	dlt_snapshot *b = check_case(ck, 3, NULL, NULL, 0);
	assert_int_equal(b->n_files, 1);
	assert_string_equal(b->files[0].path, "b.parquet");
	assert_int_equal(b->n_tombstones, 1);
	assert_string_equal(b->tombstones[0].path, "a.parquet");
	dlt_snapshot_free(b);
}

/* the same remove twice: one tombstone */
static void test_ckpt_fallback_duplicate_remove(void **state)
{
	static const ent ck[] = { { true, "b.parquet", 2, false }, { false, "a.parquet", 50, false },
		                  { false, "a.parquet", 60, false } };
	(void)state;
	dlt_snapshot *b = check_case(ck, 3, NULL, NULL, 0);
	assert_int_equal(b->n_files, 1);
	assert_int_equal(b->n_tombstones, 1);
	assert_int_equal(b->tombstones[0].modification_time, 60);
	dlt_snapshot_free(b);
}

/* (c) a checkpoint add that a later commit removes and re-adds with a DV */
static void test_ckpt_fallback_later_commit_readds_with_dv(void **state)
{
	static const ent ck[] = { { true, "a.parquet", 1, false }, { true, "b.parquet", 2, false } };
	static const ent c2[] = { { false, "a.parquet", 70, false }, { true, "a.parquet", 5, true } };
	static const ent *const later[] = { c2 };
	static const size_t n_later[] = { 2 };
	(void)state;
	dlt_snapshot *b = check_case(ck, 2, later, n_later, 1);
	assert_int_equal(b->n_files, 2);
	assert_int_equal(find(b->files, b->n_files, "a.parquet", true)->num_records, 5);
	assert_null(find(b->files, b->n_files, "a.parquet", false));
	assert_int_equal(b->n_tombstones, 1);
	assert_int_equal(b->tombstones[0].dv.storage_type, 0);
	dlt_snapshot_free(b);
}

/* (c) with the add twice in the checkpoint: the later commit supersedes both */
static void test_ckpt_fallback_duplicate_then_readd_with_dv(void **state)
{
	static const ent ck[] = { { true, "a.parquet", 1, false }, { true, "a.parquet", 2, false },
		                  { true, "b.parquet", 3, false }, { false, "a.parquet", 40, true } };
	static const ent c2[] = { { false, "a.parquet", 70, false }, { true, "a.parquet", 5, true } };
	static const ent c3[] = { { true, "d.parquet", 6, false } };
	static const ent *const later[] = { c2, c3 };
	static const size_t n_later[] = { 2, 1 };
	(void)state;
	dlt_snapshot *b = check_case(ck, 4, later, n_later, 2);
	assert_int_equal(b->n_files, 3);
	assert_int_equal(find(b->files, b->n_files, "a.parquet", true)->num_records, 5);
	assert_int_equal(b->n_tombstones, 1);
	dlt_snapshot_free(b);
}

/* a duplicate the later commits leave alone, next to keys they touch */
static void test_ckpt_fallback_duplicate_survives_later_commits(void **state)
{
	static const ent ck[] = { { true, "a.parquet", 1, false }, { true, "b.parquet", 2, false },
		                  { true, "b.parquet", 3, false }, { true, "c.parquet", 4, false } };
	static const ent c2[] = { { false, "c.parquet", 70, false }, { true, "e.parquet", 5, false } };
	static const ent *const later[] = { c2 };
	static const size_t n_later[] = { 2 };
	(void)state;
	dlt_snapshot *b = check_case(ck, 4, later, n_later, 1);
	assert_int_equal(b->n_files, 3);
	assert_int_equal(find(b->files, b->n_files, "b.parquet", false)->num_records, 3);
	assert_int_equal(b->n_tombstones, 1);
	dlt_snapshot_free(b);
}

/* enough files for the radix sort, duplicates scattered in a shuffled order */
static void test_ckpt_fallback_many_files(void **state)
{
	static ent ck[150];
	static char paths[150][32];
	size_t n = 0;
	(void)state;
	for (size_t i = 0; i < 140; i++) {
		size_t k = (i * 37) % 140; /* a permutation of 0..139 */
		size_t id = k % 10 == 3 ? k - 1 : k; /* ids 2, 12, ...: twice */
		snprintf(paths[n], sizeof(paths[n]), "part-%05zu-c000.snappy.parquet", id);
		ck[n].add = true;
		ck[n].path = paths[n];
		ck[n].nrec = (int)i + 1;
		ck[n].dv = k % 20 == 7 || k % 20 == 13; /* 13: a second key for id k - 1 */
		n++;
	}
	for (size_t i = 0; i < 10; i++) {
		snprintf(paths[n], sizeof(paths[n]), "gone-%02zu.parquet", i % 5); /* each twice */
		ck[n].add = false;
		ck[n].path = paths[n];
		ck[n].nrec = (int)(100 + i);
		ck[n].dv = false;
		n++;
	}
	dlt_snapshot *b = check_case(ck, n, NULL, NULL, 0);
	assert_int_equal(b->n_files, 133);
	assert_int_equal(b->n_tombstones, 5);
	dlt_snapshot_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ckpt_fallback_duplicate_add),
		cmocka_unit_test(test_ckpt_fallback_duplicate_dv_keys),
		cmocka_unit_test(test_ckpt_fallback_add_and_remove),
		cmocka_unit_test(test_ckpt_fallback_duplicate_remove),
		cmocka_unit_test(test_ckpt_fallback_later_commit_readds_with_dv),
		cmocka_unit_test(test_ckpt_fallback_duplicate_then_readd_with_dv),
		cmocka_unit_test(test_ckpt_fallback_duplicate_survives_later_commits),
		cmocka_unit_test(test_ckpt_fallback_many_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
