/* The DuckDB side of each benchmark, through its C API, one thread unless asked. */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifdef DLT_BENCH_HAVE_DUCKDB
#include <duckdb.h>

int bench_have_duckdb(void)
{
	return 1;
}

typedef struct ddb {
	duckdb_database db;
	duckdb_connection con;
} ddb;

static int ddb_open(ddb *d, int threads)
{
	char sql[64];
	duckdb_result res;

	if (duckdb_open(NULL, &d->db) != DuckDBSuccess) {
		fprintf(stderr, "dlt_bench: duckdb_open failed\n");
		return 1;
	}
	if (duckdb_connect(d->db, &d->con) != DuckDBSuccess) {
		duckdb_close(&d->db);
		fprintf(stderr, "dlt_bench: duckdb_connect failed\n");
		return 1;
	}
	snprintf(sql, sizeof(sql), "SET threads=%d", threads);
	if (duckdb_query(d->con, sql, &res) != DuckDBSuccess) {
		fprintf(stderr, "dlt_bench: %s: %s\n", sql, duckdb_result_error(&res));
		duckdb_destroy_result(&res);
		return 1;
	}
	duckdb_destroy_result(&res);
	return 0;
}

static void ddb_close(ddb *d)
{
	duckdb_disconnect(&d->con);
	duckdb_close(&d->db);
}

/* Run `sql`; on success *res holds the result (destroy it). */
static int ddb_query(ddb *d, const char *sql, duckdb_result *res)
{
	if (duckdb_query(d->con, sql, res) != DuckDBSuccess) {
		fprintf(stderr, "dlt_bench: duckdb: %s\n  in: %s\n", duckdb_result_error(res), sql);
		duckdb_destroy_result(res);
		return 1;
	}
	return 0;
}

static uint64_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Paths go into SQL literals: refuse quotes rather than escape them. */
static int check_path(const char *p)
{
	if (strchr(p, '\'')) {
		fprintf(stderr, "dlt_bench: path with a quote: %s\n", p);
		return 1;
	}
	return 0;
}

/* Every column of the lineitem-like data, each one forced to be decoded. */
static const char every_column[] =
	"count(*), sum(l_orderkey), sum(l_partkey), sum(l_suppkey), sum(l_linenumber), "
	"sum(l_quantity), sum(l_extendedprice), sum(l_discount), sum(l_tax), "
	"sum(length(l_returnflag)), sum(length(l_linestatus)), max(l_shipdate), "
	"max(l_commitdate), count(l_receiptdate), sum(length(l_shipinstruct)), "
	"sum(length(l_shipmode)), sum(length(l_comment))";

static int csv_read(int argc, char **argv, bench_result *r)
{
	char sql[1024];
	duckdb_result res;
	ddb d;
	double t0;

	if (argc != 1 || check_path(argv[0]) || ddb_open(&d, 1))
		return 1;
	/* CREATE TABLE AS: every value of every column parsed and stored. */
	snprintf(sql, sizeof(sql), "CREATE TABLE t AS SELECT * FROM read_csv('%s')", argv[0]);
	t0 = bench_now();
	if (ddb_query(&d, sql, &res)) {
		ddb_close(&d);
		return 1;
	}
	r->seconds = bench_now() - t0;
	duckdb_destroy_result(&res);
	if (ddb_query(&d, "SELECT count(*) FROM t", &res) == 0) {
		r->rows = duckdb_value_int64(&res, 0, 0);
		duckdb_destroy_result(&res);
	}
	bench_extra(r, "input_bytes=%llu", (unsigned long long)file_size(argv[0]));
	ddb_close(&d);
	return 0;
}

static int parquet_read(int argc, char **argv, bench_result *r)
{
	char sql[2048];
	duckdb_result res;
	ddb d;
	double t0;

	if (argc != 2 || check_path(argv[0]) || ddb_open(&d, atoi(argv[1])))
		return 1;
	snprintf(sql, sizeof(sql), "SELECT %s FROM read_parquet('%s')", every_column, argv[0]);
	t0 = bench_now();
	if (ddb_query(&d, sql, &res)) {
		ddb_close(&d);
		return 1;
	}
	r->seconds = bench_now() - t0;
	r->rows = duckdb_value_int64(&res, 0, 0);
	duckdb_destroy_result(&res);
	ddb_close(&d);
	return 0;
}

static int parquet_selective(int argc, char **argv, bench_result *r)
{
	char sql[2048];
	duckdb_result res;
	ddb d;
	double t0;

	if (argc != 4 || check_path(argv[0]) || strspn(argv[1], "abcdefghijklmnopqrstuvwxyz_") !=
	    strlen(argv[1]) || ddb_open(&d, 1))
		return 1;
	snprintf(sql, sizeof(sql), "SELECT %s FROM read_parquet('%s') WHERE %s BETWEEN %lld AND %lld",
	         every_column, argv[0], argv[1], atoll(argv[2]), atoll(argv[3]));
	t0 = bench_now();
	if (ddb_query(&d, sql, &res)) {
		ddb_close(&d);
		return 1;
	}
	r->seconds = bench_now() - t0;
	r->rows = duckdb_value_int64(&res, 0, 0);
	bench_extra(r, "matched=%lld", (long long)r->rows);
	duckdb_destroy_result(&res);
	ddb_close(&d);
	return 0;
}

static int parquet_write(int argc, char **argv, bench_result *r)
{
	char sql[1024];
	duckdb_result res;
	ddb d;
	double t0;

	if (argc != 4 || check_path(argv[0]) || check_path(argv[1]) ||
	    strspn(argv[2], "abcdefghijklmnopqrstuvwxyz") != strlen(argv[2]) ||
	    ddb_open(&d, 1))
		return 1;
	/* Untimed: the data in a table, as our side has its batches in memory. */
	snprintf(sql, sizeof(sql), "CREATE TABLE t AS SELECT * FROM read_parquet('%s')", argv[0]);
	if (ddb_query(&d, sql, &res)) {
		ddb_close(&d);
		return 1;
	}
	duckdb_destroy_result(&res);
	snprintf(sql, sizeof(sql),
	         "COPY t TO '%s' (FORMAT parquet, COMPRESSION %s, ROW_GROUP_SIZE %lld)", argv[1],
	         strcmp(argv[2], "none") == 0 ? "uncompressed" : argv[2], atoll(argv[3]));
	t0 = bench_now();
	if (ddb_query(&d, sql, &res)) {
		ddb_close(&d);
		return 1;
	}
	r->seconds = bench_now() - t0;
	r->rows = duckdb_value_int64(&res, 0, 0);
	duckdb_destroy_result(&res);
	bench_extra(r, "file_bytes=%llu", (unsigned long long)file_size(argv[1]));
	ddb_close(&d);
	return 0;
}

/* Facts about a Parquet file for the table: uncompressed bytes, row groups. */
static int parquet_info(int argc, char **argv, bench_result *r)
{
	char sql[1024];
	duckdb_result res;
	ddb d;

	if (argc != 1 || check_path(argv[0]) || ddb_open(&d, 1))
		return 1;
	snprintf(sql, sizeof(sql),
	         "SELECT sum(total_uncompressed_size), sum(total_compressed_size), "
	         "count(DISTINCT row_group_id), max(row_group_num_rows) "
	         "FROM parquet_metadata('%s')", argv[0]);
	if (ddb_query(&d, sql, &res)) {
		ddb_close(&d);
		return 1;
	}
	bench_extra(r, "uncompressed_bytes=%lld compressed_bytes=%lld row_groups=%lld "
	            "max_rg_rows=%lld", (long long)duckdb_value_int64(&res, 0, 0),
	            (long long)duckdb_value_int64(&res, 1, 0),
	            (long long)duckdb_value_int64(&res, 2, 0),
	            (long long)duckdb_value_int64(&res, 3, 0));
	duckdb_destroy_result(&res);
	ddb_close(&d);
	return 0;
}

/* The 20 Parquet files of the Delta scan table, as read_parquet([...]). */
static int delta_scan(int argc, char **argv, bench_result *r)
{
	size_t cap = 4096, len = 0;
	char *sql;
	duckdb_result res;
	ddb d;
	double t0;

	if (argc < 1)
		return 1;
	for (int i = 0; i < argc; i++) {
		if (check_path(argv[i]))
			return 1;
		cap += strlen(argv[i]) + 4;
	}
	if (!(sql = malloc(cap)))
		return 1;
	len = (size_t)snprintf(sql, cap, "SELECT %s FROM read_parquet([", every_column);
	for (int i = 0; i < argc; i++)
		len += (size_t)snprintf(sql + len, cap - len, "%s'%s'", i ? "," : "", argv[i]);
	snprintf(sql + len, cap - len, "])");
	if (ddb_open(&d, 1)) {
		free(sql);
		return 1;
	}
	t0 = bench_now();
	if (ddb_query(&d, sql, &res)) {
		free(sql);
		ddb_close(&d);
		return 1;
	}
	r->seconds = bench_now() - t0;
	r->rows = duckdb_value_int64(&res, 0, 0);
	duckdb_destroy_result(&res);
	free(sql);
	ddb_close(&d);
	return 0;
}

/* MERGE's peer: the target in a DuckDB database file (loaded untimed), then
 * UPDATE ... FROM the source and INSERT of the source rows with no match, in one
 * transaction, and a CHECKPOINT so that the change is on disk as ours is.
 * args: TARGET_FILES_GLOB SOURCE.parquet DBFILE */
static const char lineitem_set[] =
	"l_partkey = s.l_partkey, l_suppkey = s.l_suppkey, l_quantity = s.l_quantity, "
	"l_extendedprice = s.l_extendedprice, l_discount = s.l_discount, l_tax = s.l_tax, "
	"l_returnflag = s.l_returnflag, l_linestatus = s.l_linestatus, "
	"l_shipdate = s.l_shipdate, l_commitdate = s.l_commitdate, "
	"l_receiptdate = s.l_receiptdate, l_shipinstruct = s.l_shipinstruct, "
	"l_shipmode = s.l_shipmode, l_comment = s.l_comment";

static int ddb_exec(ddb *d, const char *sql, int64_t *rows)
{
	duckdb_result res;
	if (ddb_query(d, sql, &res))
		return 1;
	if (rows)
		*rows += duckdb_value_int64(&res, 0, 0);
	duckdb_destroy_result(&res);
	return 0;
}

static int delta_merge(int argc, char **argv, bench_result *r)
{
	char sql[2048];
	ddb d;
	double t0;
	int64_t upd = 0, ins = 0;
	int rc = 1;

	if (argc != 3 || check_path(argv[0]) || check_path(argv[1]) || check_path(argv[2]))
		return 1;
	remove(argv[2]);
	if (duckdb_open(argv[2], &d.db) != DuckDBSuccess ||
	    duckdb_connect(d.db, &d.con) != DuckDBSuccess)
		return fprintf(stderr, "dlt_bench: duckdb_open %s failed\n", argv[2]), 1;
	snprintf(sql, sizeof(sql), "CREATE TABLE t AS SELECT * FROM read_parquet('%s')", argv[0]);
	if (ddb_exec(&d, "SET threads=1", NULL) || ddb_exec(&d, sql, NULL) ||
	    ddb_exec(&d, "CHECKPOINT", NULL))
		goto done;
	t0 = bench_now();
	snprintf(sql, sizeof(sql),
	         "CREATE TEMP TABLE s AS SELECT * FROM read_parquet('%s')", argv[1]);
	if (ddb_exec(&d, "BEGIN", NULL) || ddb_exec(&d, sql, NULL))
		goto done;
	snprintf(sql, sizeof(sql),
	         "UPDATE t SET %s FROM s WHERE t.l_orderkey = s.l_orderkey AND "
	         "t.l_linenumber = s.l_linenumber", lineitem_set);
	if (ddb_exec(&d, sql, &upd) ||
	    ddb_exec(&d, "INSERT INTO t SELECT * FROM s ANTI JOIN t USING (l_orderkey, l_linenumber)",
	             &ins) ||
	    ddb_exec(&d, "COMMIT", NULL) || ddb_exec(&d, "CHECKPOINT", NULL))
		goto done;
	r->seconds = bench_now() - t0;
	r->rows = upd + ins;
	bench_extra(r, "updated=%lld inserted=%lld", (long long)upd, (long long)ins);
	rc = 0;
done:
	ddb_close(&d);
	remove(argv[2]);
	{
		char wal[1100];
		snprintf(wal, sizeof(wal), "%s.wal", argv[2]);
		remove(wal);
	}
	return rc;
}

/* OPTIMIZE's peer: many small files read and written as one. args: GLOB OUT */
static int delta_optimize(int argc, char **argv, bench_result *r)
{
	char sql[2048];
	duckdb_result res;
	ddb d;
	double t0;

	if (argc != 2 || check_path(argv[0]) || check_path(argv[1]) || ddb_open(&d, 1))
		return 1;
	snprintf(sql, sizeof(sql),
	         "COPY (SELECT * FROM read_parquet('%s')) TO '%s' (FORMAT parquet, "
	         "COMPRESSION snappy, ROW_GROUP_SIZE 122880)", argv[0], argv[1]);
	t0 = bench_now();
	if (ddb_query(&d, sql, &res)) {
		ddb_close(&d);
		return 1;
	}
	r->seconds = bench_now() - t0;
	r->rows = duckdb_value_int64(&res, 0, 0);
	duckdb_destroy_result(&res);
	bench_extra(r, "file_bytes=%llu", (unsigned long long)file_size(argv[1]));
	ddb_close(&d);
	return 0;
}

int bench_duckdb(const char *name, int argc, char **argv, bench_result *r)
{
	if (strcmp(name, "delta_merge") == 0)
		return delta_merge(argc, argv, r);
	if (strcmp(name, "delta_optimize") == 0)
		return delta_optimize(argc, argv, r);
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
	if (strcmp(name, "parquet_info") == 0)
		return parquet_info(argc, argv, r);
	fprintf(stderr, "dlt_bench: unknown benchmark '%s' for duckdb\n", name);
	return 1;
}

#else /* no DuckDB: the deltalite side still builds and runs */

int bench_have_duckdb(void)
{
	return 0;
}

int bench_duckdb(const char *name, int argc, char **argv, bench_result *r)
{
	(void)name;
	(void)argc;
	(void)argv;
	(void)r;
	return 1;
}

#endif
