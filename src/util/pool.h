/* A small fork-join thread pool: run n independent tasks on up to n_threads
 * threads (the caller's thread included) and wait for all of them. */
#ifndef DLT_UTIL_POOL_H
#define DLT_UTIL_POOL_H

#include "deltalite/common.h"

#include <stddef.h>

/* One task: returns DLT_OK or a negative dlt_code and fills `err`. */
typedef int (*dlt_pool_task_fn)(void *ctx, size_t task, dlt_error *err);

/*
 * Run tasks 0..n_tasks-1 (each exactly once unless one fails: then tasks not
 * yet started are not started). With n_threads <= 1 they run in order on the
 * calling thread. Returns the error of the lowest-numbered failed task (its
 * dlt_error copied to `err`), DLT_ENOMEM/DLT_ERROR if threads cannot be made
 * (then the remaining tasks run on the calling thread instead).
 */
int dlt_pool__run(int n_threads, size_t n_tasks, dlt_pool_task_fn fn, void *ctx,
                  dlt_error *err);

#endif /* DLT_UTIL_POOL_H */
