/*
 * dlt_bench SIDE BENCH ARGS...   one measurement in this process
 *   SIDE: dlt | duckdb
 *   BENCH and ARGS:
 *     csv_read FILE
 *     parquet_read FILE THREADS
 *     parquet_selective FILE COLUMN LO HI
 *     parquet_write IN.parquet OUT.parquet CODEC ROW_GROUP_ROWS
 *     parquet_info FILE                      (duckdb only: sizes for MB/s)
 * Prints one line: RESULT <tab> bench <tab> side <tab> seconds <tab> peak_rss_kb
 * <tab> rows <tab> extra. Exit 0 ok, 1 failure, 3 side unavailable.
 */
#include "bench.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_extra(bench_result *r, const char *fmt, ...)
{
	size_t len = strlen(r->extra);
	va_list ap;

	if (len + 1 >= sizeof(r->extra))
		return;
	va_start(ap, fmt);
	vsnprintf(r->extra + len, sizeof(r->extra) - len, fmt, ap);
	va_end(ap);
	len = strlen(r->extra);
	if (len + 1 < sizeof(r->extra)) {
		r->extra[len] = ' ';
		r->extra[len + 1] = '\0';
	}
}

int main(int argc, char **argv)
{
	bench_result r;
	struct rusage ru;
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: dlt_bench dlt|duckdb BENCH ARGS...\n");
		return 2;
	}
	memset(&r, 0, sizeof(r));
	if (strcmp(argv[1], "dlt") == 0) {
		rc = bench_dlt(argv[2], argc - 3, argv + 3, &r);
	} else if (strcmp(argv[1], "duckdb") == 0) {
		if (!bench_have_duckdb()) {
			fprintf(stderr, "dlt_bench: built without DuckDB (run scripts/bootstrap)\n");
			return 3;
		}
		rc = bench_duckdb(argv[2], argc - 3, argv + 3, &r);
	} else {
		fprintf(stderr, "dlt_bench: unknown side '%s'\n", argv[1]);
		return 2;
	}
	if (rc != 0)
		return 1;
	getrusage(RUSAGE_SELF, &ru);
	printf("RESULT\t%s\t%s\t%.4f\t%ld\t%lld\t%s\n", argv[2], argv[1], r.seconds,
	       ru.ru_maxrss, (long long)r.rows, r.extra);
	return 0;
}
