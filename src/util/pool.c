#include "util/pool.h"
#include "util/util.h"

#include <pthread.h>
#include <stdbool.h>

typedef struct pool_job {
	pthread_mutex_t mu;
	dlt_pool_task_fn fn;
	void *ctx;
	size_t n_tasks;
	size_t next;           /* next task to hand out */
	bool failed;
	size_t failed_task;    /* lowest failed task */
	int rc;
	dlt_error err;
} pool_job;

static void *pool_worker(void *arg)
{
	pool_job *job = arg;
	dlt_error local;

	for (;;) {
		size_t t;
		int rc;

		pthread_mutex_lock(&job->mu);
		if (job->failed || job->next >= job->n_tasks) {
			pthread_mutex_unlock(&job->mu);
			break;
		}
		t = job->next++;
		pthread_mutex_unlock(&job->mu);
		dlt_error_clear(&local);
		rc = job->fn(job->ctx, t, &local);
		if (rc < 0) {
			pthread_mutex_lock(&job->mu);
			if (!job->failed || t < job->failed_task) {
				job->failed = true;
				job->failed_task = t;
				job->rc = rc;
				job->err = local;
			}
			pthread_mutex_unlock(&job->mu);
		}
	}
	return NULL;
}

int dlt_pool__run(int n_threads, size_t n_tasks, dlt_pool_task_fn fn, void *ctx,
                  dlt_error *err)
{
	pool_job job;
	pthread_t tids[64];
	size_t n_started = 0, want, i;

	if (fn == NULL)
		return dlt_error_set(err, DLT_EINVAL, "thread pool: no task function");
	if (n_threads <= 1 || n_tasks <= 1) {
		for (i = 0; i < n_tasks; i++) {
			int rc = fn(ctx, i, err);
			if (rc < 0)
				return rc;
		}
		return DLT_OK;
	}
	memset(&job, 0, sizeof(job));
	if (pthread_mutex_init(&job.mu, NULL) != 0)
		return dlt_error_set(err, DLT_ERROR, "thread pool: cannot create a mutex");
	job.fn = fn;
	job.ctx = ctx;
	job.n_tasks = n_tasks;
	want = (size_t)n_threads - 1;
	if (want > n_tasks - 1)
		want = n_tasks - 1;
	if (want > sizeof(tids) / sizeof(tids[0]))
		want = sizeof(tids) / sizeof(tids[0]);
	for (i = 0; i < want; i++) {
		if (pthread_create(&tids[i], NULL, pool_worker, &job) != 0)
			break; /* fewer threads: the work still gets done */
		n_started++;
	}
	pool_worker(&job);
	for (i = 0; i < n_started; i++)
		pthread_join(tids[i], NULL);
	pthread_mutex_destroy(&job.mu);
	if (job.failed) {
		if (err != NULL)
			*err = job.err;
		return job.rc;
	}
	return DLT_OK;
}
