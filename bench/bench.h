/*
 * bench/bench.h - one benchmark, one side (deltalite or DuckDB), one process.
 *
 * dlt_bench runs a single measurement per process so that ru_maxrss is the
 * peak of that side alone; bench/run calls it once per (benchmark, side) and
 * prints the table with ratios.
 */
#ifndef DLT_BENCH_H
#define DLT_BENCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct bench_result {
	double seconds;     /* the timed part only */
	int64_t rows;       /* rows produced / written */
	char extra[768];    /* more facts: "key=value key=value" */
} bench_result;

/** Monotonic seconds. */
double bench_now(void);
/** Append "key=value " to r->extra. */
void bench_extra(bench_result *r, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* Each returns 0 on success, or nonzero after printing the reason on stderr.
 * argv holds the benchmark's arguments (after its name). */
int bench_dlt(const char *name, int argc, char **argv, bench_result *r);
/** The DML and layout benchmarks of deltalite (bench_dml.c). */
int bench_dlt_dml(const char *name, int argc, char **argv, bench_result *r);
int bench_duckdb(const char *name, int argc, char **argv, bench_result *r);
/** 1 when built with DuckDB. */
int bench_have_duckdb(void);

#endif
