/* Put-if-absent races (threads and processes), the fault injector, and a
 * large streamed put in bounded memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deltalite/storage.h"
#include "helpers.h"

#define RACERS 8
#define RACE_LEN (64 * 1024)

typedef struct racer {
	dlt_storage *s;
	const char *key;
	int id;
	int streamed;
	int rc;
	pthread_barrier_t *go;
} racer;

static void *race_main(void *arg)
{
	racer *r = arg;
	unsigned char *buf = malloc(RACE_LEN);
	dlt_error err;
	memset(buf, 'A' + r->id, RACE_LEN);
	pthread_barrier_wait(r->go);
	if (r->streamed) {
		dlt_output *o;
		r->rc = dlt_storage_open_output(&o, r->s, r->key, DLT_PUT_IF_ABSENT, &err);
		if (r->rc == DLT_OK && (r->rc = dlt_output_write(o, buf, RACE_LEN / 2, &err)) == DLT_OK &&
		    (r->rc = dlt_output_write(o, buf, RACE_LEN / 2, &err)) == DLT_OK)
			r->rc = dlt_output_finish(o, &err);
		dlt_output_free(o);
	} else {
		r->rc = dlt_storage_put(r->s, r->key, buf, RACE_LEN, DLT_PUT_IF_ABSENT, &err);
	}
	free(buf);
	return NULL;
}

/* The object is complete and all of one writer's bytes. */
static int check_winner(dlt_storage *s, const char *key)
{
	dlt_bytes b = DLT_BYTES_INIT;
	dlt_error err;
	size_t i;
	int who;
	assert_int_equal(dlt_storage_get(&b, s, key, &err), DLT_OK);
	assert_int_equal(b.len, RACE_LEN);
	who = b.data[0] - 'A';
	for (i = 0; i < b.len; i++)
		assert_int_equal(b.data[i], b.data[0]);
	dlt_bytes_dispose(&b);
	return who;
}

static void race_threads(dlt_storage *s, int streamed)
{
	int round;
	for (round = 0; round < 10; round++) {
		pthread_t t[RACERS];
		racer r[RACERS];
		pthread_barrier_t go;
		char key[64];
		int i, wins = 0, winner = -1;
		snprintf(key, sizeof(key), "_delta_log/%020d.json", round + (streamed ? 100 : 0));
		pthread_barrier_init(&go, NULL, RACERS);
		for (i = 0; i < RACERS; i++) {
			r[i].s = s;
			r[i].key = key;
			r[i].id = i;
			r[i].streamed = streamed;
			r[i].go = &go;
			pthread_create(&t[i], NULL, race_main, &r[i]);
		}
		for (i = 0; i < RACERS; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&go);
		for (i = 0; i < RACERS; i++) {
			if (r[i].rc == DLT_OK) {
				wins++;
				winner = i;
			} else {
				assert_int_equal(r[i].rc, DLT_EEXISTS);
			}
		}
		assert_int_equal(wins, 1);
		assert_int_equal(check_winner(s, key), winner);
	}
}

static void test_storage_put_if_absent_race_threads(void **state)
{
	char *dir = st_tmpdir("race");
	dlt_storage *s;
	dlt_error err;
	st_list l = { 0 };
	(void)state;
	assert_int_equal(dlt_storage_open(&s, dir, NULL, 0, &err), DLT_OK);
	race_threads(s, 0);
	race_threads(s, 1);
	/* No temporary files left behind. */
	assert_int_equal(st_list_all(&l, s, "", NULL, 1), DLT_OK);
	assert_int_equal(l.n, 20);
	dlt_storage_free(s);
	assert_int_equal(dlt_storage_open(&s, "memory://race", NULL, 0, &err), DLT_OK);
	race_threads(s, 0);
	race_threads(s, 1);
	dlt_storage_free(s);
	dlt_storage_memory_drop(NULL);
	st_rmtree(dir);
	free(dir);
}

static void test_storage_put_if_absent_race_processes(void **state)
{
	char *dir = st_tmpdir("prace");
	int round;
	(void)state;
	for (round = 0; round < 5; round++) {
		pid_t pids[RACERS];
		char key[64];
		int i, wins = 0, winner = -1;
		dlt_storage *s;
		dlt_error err;
		snprintf(key, sizeof(key), "_delta_log/%020d.json", round);
		for (i = 0; i < RACERS; i++) {
			pids[i] = fork();
			assert_true(pids[i] >= 0);
			if (pids[i] == 0) {
				unsigned char *buf = malloc(RACE_LEN);
				int rc;
				memset(buf, 'A' + i, RACE_LEN);
				if (dlt_storage_open(&s, dir, NULL, 0, &err) != DLT_OK)
					_exit(3);
				rc = dlt_storage_put(s, key, buf, RACE_LEN, DLT_PUT_IF_ABSENT, &err);
				dlt_storage_free(s);
				free(buf);
				_exit(rc == DLT_OK ? 0 : rc == DLT_EEXISTS ? 1 : 2);
			}
		}
		for (i = 0; i < RACERS; i++) {
			int st = 0;
			assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
			assert_true(WIFEXITED(st));
			assert_true(WEXITSTATUS(st) <= 1);
			if (WEXITSTATUS(st) == 0) {
				wins++;
				winner = i;
			}
		}
		assert_int_equal(wins, 1);
		assert_int_equal(dlt_storage_open(&s, dir, NULL, 0, &err), DLT_OK);
		assert_int_equal(check_winner(s, key), winner);
		dlt_storage_free(s);
	}
	st_rmtree(dir);
	free(dir);
}

static void test_storage_fault_injector_fails_nth(void **state)
{
	dlt_storage *s;
	dlt_error err;
	dlt_object_meta m;
	dlt_bytes b = DLT_BYTES_INIT;
	dlt_input *in;
	char buf[4];
	size_t got;
	st_list l = { 0 };
	(void)state;
	assert_int_equal(dlt_storage_open(&s, "memory://fault", NULL, 0, &err), DLT_OK);
	assert_int_equal(dlt_storage_fault_fail(s, DLT_STORAGE_OP_PUT, 1, DLT_EIO, 0, &err),
	                 DLT_EINVAL); /* not wrapped yet */
	assert_int_equal(dlt_storage_fault_wrap(&s, s, &err), DLT_OK);
	assert_int_equal(dlt_storage_fault_fail(s, DLT_STORAGE_OP_PUT, 2, DLT_EIO, 0, &err), DLT_OK);
	assert_int_equal(dlt_storage_put(s, "a", "1", 1, DLT_PUT_OVERWRITE, &err), DLT_OK);
	assert_int_equal(dlt_storage_put(s, "b", "2", 1, DLT_PUT_OVERWRITE, &err), DLT_EIO);
	assert_non_null(strstr(err.message, "injected fault"));
	assert_string_equal(err.path, "b");
	assert_int_equal(dlt_storage_head(&m, s, "b", &err), DLT_ENOTFOUND); /* never reached */
	assert_int_equal(dlt_storage_put(s, "b", "2", 1, DLT_PUT_OVERWRITE, &err), DLT_OK);
	assert_int_equal(dlt_storage_fault_count(s, DLT_STORAGE_OP_PUT), 3);
	assert_int_equal(dlt_storage_fault_count(s, DLT_STORAGE_OP_HEAD), 1);

	/* sticky: every list from the 1st on */
	assert_int_equal(dlt_storage_fault_fail(s, DLT_STORAGE_OP_LIST, 1, DLT_EIO, 1, &err),
	                 DLT_OK);
	assert_int_equal(st_list_all(&l, s, "", NULL, 1), DLT_EIO);
	assert_int_equal(st_list_all(&l, s, "", NULL, 1), DLT_EIO);
	assert_int_equal(dlt_storage_fault_fail(s, DLT_STORAGE_OP_LIST, 0, 0, 0, &err), DLT_OK);
	assert_int_equal(st_list_all(&l, s, "", NULL, 1), DLT_OK);
	assert_int_equal(l.n, 2);

	/* reads through an input, and deletes */
	assert_int_equal(dlt_storage_open_input(&in, s, "a", &err), DLT_OK);
	assert_int_equal(dlt_storage_fault_fail(s, DLT_STORAGE_OP_READ, 1, DLT_EIO, 0, &err),
	                 DLT_OK);
	assert_int_equal(dlt_input_read_at(in, 0, buf, 1, &got, &err), DLT_EIO);
	assert_int_equal(dlt_input_read_at(in, 0, buf, 1, &got, &err), DLT_OK);
	assert_int_equal(buf[0], '1');
	dlt_input_free(in);
	assert_int_equal(dlt_storage_fault_fail(s, DLT_STORAGE_OP_DELETE, 1, DLT_EIO, 0, &err),
	                 DLT_OK);
	assert_int_equal(dlt_storage_delete(s, "a", &err), DLT_EIO);
	assert_int_equal(dlt_storage_get(&b, s, "a", &err), DLT_OK);
	dlt_bytes_dispose(&b);

	/* ANY: the 2nd operation of whatever kind */
	assert_int_equal(dlt_storage_fault_fail(s, DLT_STORAGE_OP_ANY, 2, DLT_EIO, 0, &err), DLT_OK);
	assert_int_equal(dlt_storage_head(&m, s, "a", &err), DLT_OK);
	assert_int_equal(dlt_storage_delete(s, "a", &err), DLT_EIO);
	dlt_storage_free(s);
	dlt_storage_memory_drop(NULL);
}

static void test_storage_fault_injector_loses_race(void **state)
{
	dlt_storage *s;
	dlt_output *o;
	dlt_error err;
	dlt_bytes b = DLT_BYTES_INIT;
	(void)state;
	assert_int_equal(dlt_storage_open(&s, "memory://lose", NULL, 0, &err), DLT_OK);
	assert_int_equal(dlt_storage_fault_wrap(&s, s, &err), DLT_OK);
	assert_int_equal(dlt_storage_fault_lose_race(s, 2, "theirs", 6, &err), DLT_OK);
	assert_int_equal(dlt_storage_put(s, "_delta_log/0.json", "mine", 4, DLT_PUT_IF_ABSENT, &err),
	                 DLT_OK);
	assert_int_equal(dlt_storage_put(s, "_delta_log/1.json", "mine", 4, DLT_PUT_IF_ABSENT, &err),
	                 DLT_EEXISTS);
	assert_int_equal(dlt_storage_get(&b, s, "_delta_log/1.json", &err), DLT_OK);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, "theirs", 6);
	dlt_bytes_dispose(&b);
	/* once only; streamed puts race too */
	assert_int_equal(dlt_storage_fault_lose_race(s, 1, "rival", 5, &err), DLT_OK);
	assert_int_equal(dlt_storage_open_output(&o, s, "_delta_log/2.json", DLT_PUT_IF_ABSENT, &err),
	                 DLT_OK);
	assert_int_equal(dlt_output_write(o, "mine", 4, &err), DLT_OK);
	assert_int_equal(dlt_output_finish(o, &err), DLT_EEXISTS);
	dlt_output_free(o);
	assert_int_equal(dlt_storage_get(&b, s, "_delta_log/2.json", &err), DLT_OK);
	assert_memory_equal(b.data, "rival", 5);
	dlt_bytes_dispose(&b);
	assert_int_equal(dlt_storage_put(s, "_delta_log/3.json", "mine", 4, DLT_PUT_IF_ABSENT, &err),
	                 DLT_OK);
	dlt_storage_free(s);
	dlt_storage_memory_drop(NULL);
}

/* Sweep: fail operation N = 1, 2, ... of a "write a data file, then commit"
 * sequence until it succeeds; after each failure nothing partial is visible. */
static int write_then_commit(dlt_storage *s, dlt_error *err)
{
	dlt_output *o;
	int rc, i;
	if ((rc = dlt_storage_open_output(&o, s, "p=1/part-0.parquet", DLT_PUT_OVERWRITE, err)) < 0)
		return rc;
	for (i = 0; i < 4 && rc == DLT_OK; i++)
		rc = dlt_output_write(o, "0123456789abcdef", 16, err);
	if (rc == DLT_OK)
		rc = dlt_output_finish(o, err);
	dlt_output_free(o);
	if (rc < 0)
		return rc;
	return dlt_storage_put(s, "_delta_log/00000000000000000000.json", "{}\n", 3,
	                       DLT_PUT_IF_ABSENT, err);
}

static void test_storage_fault_sweep_leaves_nothing_partial(void **state)
{
	char *dir = st_tmpdir("sweep");
	uint64_t n;
	(void)state;
	for (n = 1;; n++) {
		dlt_storage *s;
		dlt_error err;
		dlt_object_meta m;
		st_list l = { 0 };
		int rc;
		st_rmtree(dir);
		assert_int_equal(dlt_storage_open(&s, dir, NULL, 0, &err), DLT_OK);
		assert_int_equal(dlt_storage_fault_wrap(&s, s, &err), DLT_OK);
		assert_int_equal(dlt_storage_fault_fail(s, DLT_STORAGE_OP_ANY, n, DLT_EIO, 0, &err),
		                 DLT_OK);
		rc = write_then_commit(s, &err);
		assert_int_equal(dlt_storage_fault_fail(s, DLT_STORAGE_OP_ANY, 0, 0, 0, &err), DLT_OK);
		assert_int_equal(st_list_all(&l, s, "", NULL, 1), DLT_OK);
		if (rc == DLT_OK) {
			assert_int_equal(l.n, 2);
			dlt_storage_free(s);
			break;
		}
		assert_int_equal(rc, DLT_EIO);
		assert_int_equal(dlt_storage_head(&m, s, "_delta_log/00000000000000000000.json", &err),
		                 DLT_ENOTFOUND);
		/* The data file is either absent or complete, never partial. */
		assert_true(l.n <= 1);
		if (l.n == 1)
			assert_int_equal(l.sizes[0], 64);
		dlt_storage_free(s);
	}
	assert_int_equal(n, 8); /* open, 4 writes, finish, commit: the 8th call is past them */
	st_rmtree(dir);
	free(dir);
}

static void test_storage_large_streamed_put_bounded_memory(void **state)
{
	const size_t chunk = 1 << 20, total = 64u << 20;
	char *dir = st_tmpdir("large");
	unsigned char *buf = malloc(chunk), probe[16];
	dlt_storage *s;
	dlt_output *o;
	dlt_input *in;
	dlt_error err;
	dlt_object_meta m;
	dlt_alloc_stats st;
	size_t off, i, got;
	st_list l = { 0 };
	(void)state;
	assert_int_equal(dlt_storage_open(&s, dir, NULL, 0, &err), DLT_OK);
	dlt_alloc_counting(1);
	assert_int_equal(dlt_storage_open_output(&o, s, "big/part-0.bin", DLT_PUT_OVERWRITE, &err),
	                 DLT_OK);
	for (off = 0; off < total; off += chunk) {
		for (i = 0; i < chunk; i++)
			buf[i] = (unsigned char)((off + i) * 31 >> 3);
		assert_int_equal(dlt_output_write(o, buf, chunk, &err), DLT_OK);
		if (off == total / 2) { /* half-way: nothing visible */
			assert_int_equal(dlt_storage_head(&m, s, "big/part-0.bin", &err), DLT_ENOTFOUND);
			assert_int_equal(st_list_all(&l, s, "", NULL, 1), DLT_OK);
			assert_int_equal(l.n, 0);
		}
	}
	assert_int_equal(dlt_output_finish(o, &err), DLT_OK);
	dlt_output_free(o);
	dlt_alloc_stats_get(&st);
	dlt_alloc_counting(0);
	assert_true(st.peak_bytes < 2 * 1024 * 1024); /* 64 MB through < 2 MB of our memory */
	assert_int_equal(dlt_storage_head(&m, s, "big/part-0.bin", &err), DLT_OK);
	assert_int_equal(m.size, total);
	assert_int_equal(dlt_storage_open_input(&in, s, "big/part-0.bin", &err), DLT_OK);
	for (off = 0; off < total; off += total / 7 + 12345) {
		assert_int_equal(dlt_input_read_at(in, off, probe, sizeof(probe), &got, &err), DLT_OK);
		for (i = 0; i < got; i++)
			assert_int_equal(probe[i], (unsigned char)((off + i) * 31 >> 3));
	}
	dlt_input_free(in);
	dlt_storage_free(s);
	free(buf);
	st_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_storage_put_if_absent_race_threads),
		cmocka_unit_test(test_storage_put_if_absent_race_processes),
		cmocka_unit_test(test_storage_fault_injector_fails_nth),
		cmocka_unit_test(test_storage_fault_injector_loses_race),
		cmocka_unit_test(test_storage_fault_sweep_leaves_nothing_partial),
		cmocka_unit_test(test_storage_large_streamed_put_bounded_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
