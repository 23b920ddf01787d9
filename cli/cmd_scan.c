/*
 * deltalite scan TABLE: the rows of a Delta table version (projection,
 * predicate with file skipping and exact filtering, time travel), and
 * deltalite changes TABLE: its change data feed between two versions.
 */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char scan_help[] =
	"Usage: deltalite scan [options] TABLE\n"
	"\n"
	"Print the rows of a Delta table (its latest version, or the one --version or\n"
	"--timestamp names) as JSON lines, CSV or Parquet. Partition columns, column\n"
	"mapping, deletion vectors and widened types are resolved: you see the table's\n"
	"logical rows. With --where, files whose partition values or statistics rule\n"
	"the predicate out are skipped, and the remaining rows are filtered exactly.\n"
	"JSON lines are the canonical dump: keys in schema order, decimals as strings,\n"
	"timestamps as \"2024-01-31T10:00:00.5Z\", binary as base64 (--binary-hex: hex),\n"
	"variant columns as JSON (types JSON lacks tagged: {\"$date\":\"2024-01-31\"}).\n"
	"\n"
	"Options:\n"
	"  --version N            read version N (time travel)\n"
	"  --timestamp T          the latest version committed at or before T: epoch ms,\n"
	"                         2024-01-31, 2024-01-31T10:00:00Z or 2024-01-31 10:00:00\n"
	"  --columns A,B.C        only these columns (dotted paths for nested fields)\n"
	"  --where PRED           only rows where the SQL predicate is true, e.g.\n"
	"                         \"country = 'FR' AND amount > 10.5\", \"d IS NULL\",\n"
	"                         \"id IN (1, 2)\", \"ts >= TIMESTAMP '2024-01-01 00:00:00'\"\n"
	"  --limit N              stop after N rows\n"
	"  --format FMT           jsonl (default), csv or parquet (default: from the\n"
	"                         --output file's extension)\n"
	"  -o, --output FILE      write to FILE (replaced at the end) instead of stdout\n"
	"  --stats                print what the scan did on stderr: files skipped by\n"
	"                         partition values and by statistics, rows read...\n"
	"  --json                 the same, as one JSON object on stderr\n"
	"  --batch-rows N         rows per batch (default 65536)\n"
	"  --binary-hex           binary values as hex in CSV/JSON output\n"
	"  --raw-variant          variant columns as their {metadata, value} binaries\n"
	"  -d, --delimiter C      CSV delimiter (default ',')\n"
	"  --no-header            CSV output without the header line\n"
	"  -h, --help             show this help\n"
	"\n"
	"Examples:\n"
	"  deltalite scan ./events --limit 10\n"
	"  deltalite scan ./events --where \"day = DATE '2024-01-31'\" --stats\n"
	"  deltalite scan ./events --version 3 --columns id,name --format csv\n"
	"  deltalite scan ./events --timestamp 2024-01-31 -o events.parquet\n";

static const char changes_help[] =
	"Usage: deltalite changes [options] TABLE --from V\n"
	"\n"
	"Print the change data feed of a Delta table (delta.enableChangeDataFeed must\n"
	"be true over the range): each changed row with _change_type (insert, delete,\n"
	"update_preimage, update_postimage), _commit_version and _commit_timestamp.\n"
	"\n"
	"Options:\n"
	"  --from V               first version (inclusive)\n"
	"  --to V                 last version (inclusive; default: the latest)\n"
	"  --from-timestamp T     instead of --from: first version committed at or\n"
	"                         after T (forms as in 'deltalite scan --help')\n"
	"  --to-timestamp T       instead of --to: last version committed at or before T\n"
	"  --columns A,B          only these data columns (the _change columns follow)\n"
	"  --limit N              stop after N rows\n"
	"  --format FMT           jsonl (default), csv or parquet\n"
	"  -o, --output FILE      write to FILE instead of stdout\n"
	"  --binary-hex           binary values as hex in CSV/JSON output\n"
	"  --raw-variant          variant columns as their {metadata, value} binaries\n"
	"  -h, --help             show this help\n"
	"\n"
	"Examples:\n"
	"  deltalite changes ./events --from 2\n"
	"  deltalite changes ./events --from 1 --to 3 --format csv\n";

enum {
	S_HELP = 1, S_WHERE, S_FORMAT, S_OUTPUT, S_STATS, S_JSON, S_FROM, S_TO, S_FROM_TS,
	S_TO_TS
};

static const opt_def scan_opts[] = {
	CLI_AT_OPTS,
	{ "columns", 0, 1, J_COLUMNS },
	{ "where", 0, 1, S_WHERE },
	{ "limit", 0, 1, J_LIMIT },
	{ "format", 0, 1, S_FORMAT },
	{ "output", 'o', 1, S_OUTPUT },
	{ "stats", 0, 0, S_STATS },
	{ "json", 0, 0, S_JSON },
	{ "batch-rows", 0, 1, J_BATCH },
	{ "binary-hex", 0, 0, J_BINHEX },
	{ "raw-variant", 0, 0, J_RAW_VARIANT },
	{ "delimiter", 'd', 1, J_DELIM },
	{ "no-header", 0, 0, J_NO_HEADER },
	{ "help", 'h', 0, S_HELP },
	{ NULL, 0, 0, 0 }
};

static const opt_def changes_opts[] = {
	{ "from", 0, 1, S_FROM },
	{ "to", 0, 1, S_TO },
	{ "from-timestamp", 0, 1, S_FROM_TS },
	{ "to-timestamp", 0, 1, S_TO_TS },
	{ "columns", 0, 1, J_COLUMNS },
	{ "limit", 0, 1, J_LIMIT },
	{ "format", 0, 1, S_FORMAT },
	{ "output", 'o', 1, S_OUTPUT },
	{ "batch-rows", 0, 1, J_BATCH },
	{ "binary-hex", 0, 0, J_BINHEX },
	{ "raw-variant", 0, 0, J_RAW_VARIANT },
	{ "delimiter", 'd', 1, J_DELIM },
	{ "no-header", 0, 0, J_NO_HEADER },
	{ "help", 'h', 0, S_HELP },
	{ NULL, 0, 0, 0 }
};

typedef struct sargs {
	const char *table, *where, *output;
	cli_at at;
	cli_job j;          /* shared options: columns, limit, batch rows, text output */
	cli_format fmt;
	int stats, json;
	int64_t from, to, from_ts, to_ts;
	int by_ts;
	char *colbuf;
	const char **cols;
} sargs;

static void sargs_dispose(sargs *a)
{
	cli_pq_write_dispose(&a->j.pq_write);
	free(a->colbuf);
	free((void *)a->cols);
}

static int parse_version(cli_ctx *c, const char *opt, const char *v, int64_t *out)
{
	long long n;

	if (opt_parse_count(v, &n) < 0)
		return cli_usage(c, "--%s: expected a table version (0, 1, ...), got '%s'", opt, v);
	*out = n;
	return 0;
}

static int parse_ts(cli_ctx *c, const char *opt, const char *v, int64_t *out)
{
	if (cli_parse_timestamp(v, out) < 0)
		return cli_usage(c, "--%s: expected epoch milliseconds, a date (2024-01-31) or a "
		                 "date and time (2024-01-31T10:00:00Z), got '%s'", opt, v);
	return 0;
}

/* -1 after --help, else 0 or an exit status. */
static int parse_args(cli_ctx *c, int argc, char **argv, const opt_def *defs,
                      const char *help, sargs *a)
{
	opt_parser p;
	const char *v;
	int id, rc = 0;

	opt_init(&p, defs, argc, argv, 1);
	while (rc == 0 && (id = opt_next(&p, &v)) != OPT_END) {
		switch (id) {
		case OPT_ERROR:
			return cli_opt_error(c, &p);
		case OPT_ARG:
			if (a->table)
				return cli_usage(c, "too many arguments: '%s' (expected one TABLE)", v);
			a->table = v;
			break;
		case S_HELP:
			cli_help(c, help);
			return -1;
		case S_WHERE:
			a->where = v;
			break;
		case S_FORMAT:
			a->fmt = cli_format_parse(v);
			if (!a->fmt)
				return cli_usage(c, "--format: expected jsonl, csv or parquet, got '%s'", v);
			break;
		case S_OUTPUT:
			a->output = v;
			break;
		case S_STATS:
			a->stats = 1;
			break;
		case S_JSON:
			a->json = a->stats = 1;
			break;
		case S_FROM:
			rc = parse_version(c, "from", v, &a->from);
			break;
		case S_TO:
			rc = parse_version(c, "to", v, &a->to);
			break;
		case S_FROM_TS:
			a->by_ts = 1;
			rc = parse_ts(c, "from-timestamp", v, &a->from_ts);
			break;
		case S_TO_TS:
			a->by_ts = 1;
			rc = parse_ts(c, "to-timestamp", v, &a->to_ts);
			break;
		case AT_VERSION:
		case AT_TIMESTAMP:
			rc = cli_at_option(c, &a->at, id, v);
			break;
		default:
			rc = cli_job_option(c, &a->j, id, v, &a->colbuf, &a->cols);
			break;
		}
	}
	if (rc != 0)
		return rc;
	if (!a->table)
		return cli_usage(c, "expected a TABLE (a directory or file:// URI)");
	if (!a->fmt)
		a->fmt = a->output ? cli_format_from_path(a->output) : FMT_JSONL;
	if (!a->fmt)
		a->fmt = FMT_JSONL;
	if (a->fmt == FMT_PARQUET && !a->output)
		return cli_usage(c, "--format parquet needs --output FILE (or '-o -' to force "
		                 "standard output)");
	if (!a->output)
		a->output = "-";
	return 0;
}

static void sargs_init(sargs *a)
{
	cli_at at0 = CLI_AT_INIT;

	memset(a, 0, sizeof(*a));
	a->at = at0;
	cli_job_init(&a->j);
	a->from = -1;
	a->to = -1;
	a->to_ts = -1;
	a->from_ts = -1;
}

/* A predicate syntax error: the message, the text, a caret under the offset. */
static int where_error(cli_ctx *c, const char *where, const dlt_error *err)
{
	int64_t off = err->offset;
	size_t n = strlen(where);

	if (off < 0 || (size_t)off > n || n > 200 || strchr(where, '\n'))
		return cli_usage(c, "--where: %s", err->message);
	return cli_usage(c, "--where: %s\n  %s\n  %*s^", err->message, where, (int)off, "");
}

static void print_metrics(cli_ctx *c, const dlt_scan_metrics *m, int json, int64_t ms)
{
	if (json) {
		fprintf(c->err,
		        "{\"files_considered\":%" PRId64 ",\"files_skipped_partition\":%" PRId64
		        ",\"files_skipped_stats\":%" PRId64 ",\"files_read\":%" PRId64
		        ",\"row_groups_read\":%" PRId64 ",\"row_groups_skipped\":%" PRId64
		        ",\"rows_read\":%" PRId64 ",\"rows_deleted\":%" PRId64
		        ",\"rows_filtered\":%" PRId64 ",\"rows_returned\":%" PRId64
		        ",\"dv_bytes_read\":%" PRId64 ",\"milliseconds\":%" PRId64 "}\n",
		        m->files_considered, m->files_skipped_partition, m->files_skipped_stats,
		        m->files_read, m->row_groups_read, m->row_groups_skipped, m->rows_read,
		        m->rows_deleted, m->rows_filtered, m->rows_returned, m->dv_bytes_read, ms);
		return;
	}
	fprintf(c->err,
	        "scan: files: %" PRId64 " in snapshot, %" PRId64 " skipped by partition values, "
	        "%" PRId64 " skipped by statistics, %" PRId64 " read\n"
	        "scan: row groups: %" PRId64 " read, %" PRId64 " skipped by statistics\n"
	        "scan: rows: %" PRId64 " read, %" PRId64 " deleted by deletion vectors, %" PRId64
	        " filtered out, %" PRId64 " returned (%" PRId64 " ms)\n",
	        m->files_considered, m->files_skipped_partition, m->files_skipped_stats,
	        m->files_read, m->row_groups_read, m->row_groups_skipped, m->rows_read,
	        m->rows_deleted, m->rows_filtered, m->rows_returned, ms);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Cap the stream at the --limit rows. */
static int apply_limit(cli_ctx *c, struct ArrowArrayStream *st, int64_t limit)
{
	struct ArrowArrayStream lim;
	dlt_error err;

	if (limit < 0)
		return 0;
	dlt_error_clear(&err);
	if (cli_limit_wrap(&lim, st, limit, &err) < 0)
		return cli_fail(c, &err);
	*st = lim;
	return 0;
}

int cmd_scan(cli_ctx *c, int argc, char **argv)
{
	dlt_table *table = NULL;
	dlt_snapshot *snap = NULL;
	dlt_scan *scan = NULL;
	dlt_expr *pred = NULL;
	dlt_scan_options so = DLT_SCAN_OPTIONS_INIT;
	struct ArrowArrayStream st;
	dlt_error err;
	sargs a;
	int rc;
	int64_t t0;

	sargs_init(&a);
	memset(&st, 0, sizeof(st));
	dlt_error_clear(&err);
	if ((rc = parse_args(c, argc, argv, scan_opts, scan_help, &a)) != 0) {
		sargs_dispose(&a);
		return rc < 0 ? EXIT_OK : rc;
	}
	/* Syntax first, before touching the table: a typo is a usage error. */
	if (a.where && dlt_expr_parse(&pred, a.where, &err) < 0) {
		rc = err.code == DLT_EINVAL ? where_error(c, a.where, &err) : cli_fail(c, &err);
		goto done;
	}
	t0 = now_ms();
	if ((rc = cli_open_snapshot(c, a.table, &a.at, &table, &snap)) != 0)
		goto done;
	so.columns = a.cols;
	so.n_columns = a.j.pq_read.n_columns;
	so.predicate = pred;
	so.exact_filter = pred != NULL;
	so.batch_size = a.j.pq_read.batch_size;
	if (a.j.limit >= 0 && a.j.limit < 65536 && so.batch_size == 0)
		so.batch_size = a.j.limit > 0 ? a.j.limit : 1; /* decode no more than needed */
	if (dlt_scan_new(&scan, snap, &so, &err) < 0 || dlt_scan_stream(&st, scan, &err) < 0) {
		if (a.where && (err.code == DLT_ESCHEMA || err.code == DLT_EINVAL ||
		                err.code == DLT_ENOTFOUND) && !strstr(err.message, "--where"))
			dlt_error_prefix(&err, "--where %s", a.where);
		rc = cli_fail(c, &err);
		goto done;
	}
	if ((rc = apply_limit(c, &st, a.j.limit)) != 0)
		goto done;
	rc = cli_write_stream(c, &st, a.output, a.fmt, &a.j.out_text, "scan", NULL);
	if (rc == 0 && a.stats) {
		dlt_scan_metrics m;
		dlt_scan_get_metrics(&m, scan);
		print_metrics(c, &m, a.json, now_ms() - t0);
	}
done:
	if (st.release)
		st.release(&st);
	dlt_scan_free(scan);
	dlt_expr_free(pred);
	dlt_snapshot_free(snap);
	dlt_table_free(table);
	sargs_dispose(&a);
	return rc;
}

int cmd_changes(cli_ctx *c, int argc, char **argv)
{
	dlt_table *table = NULL;
	dlt_changes_options co = DLT_CHANGES_OPTIONS_INIT;
	struct ArrowArrayStream st;
	dlt_error err;
	sargs a;
	int rc;

	sargs_init(&a);
	memset(&st, 0, sizeof(st));
	dlt_error_clear(&err);
	if ((rc = parse_args(c, argc, argv, changes_opts, changes_help, &a)) != 0) {
		sargs_dispose(&a);
		return rc < 0 ? EXIT_OK : rc;
	}
	if (a.by_ts && (a.from >= 0 || a.to >= 0)) {
		rc = cli_usage(c, "give versions (--from/--to) or timestamps "
		               "(--from-timestamp/--to-timestamp), not both");
		goto done;
	}
	if (a.by_ts ? a.from_ts < 0 : a.from < 0) {
		rc = cli_usage(c, "expected --from V (the first version of the change feed)");
		goto done;
	}
	if (!a.by_ts && a.to >= 0 && a.to < a.from) {
		rc = cli_usage(c, "--to %lld is before --from %lld", (long long)a.to,
		               (long long)a.from);
		goto done;
	}
	if ((rc = cli_open_table(c, a.table, &table)) != 0)
		goto done;
	co.start_version = a.from;
	co.end_version = a.to;
	co.by_timestamp = a.by_ts;
	co.start_timestamp_ms = a.from_ts;
	co.end_timestamp_ms = a.to_ts;
	co.columns = a.cols;
	co.n_columns = a.j.pq_read.n_columns;
	co.batch_size = a.j.pq_read.batch_size;
	if (dlt_table_changes(&st, table, &co, &err) < 0) {
		if (!strstr(err.message, a.table))
			dlt_error_prefix(&err, "table %s", a.table);
		rc = cli_fail(c, &err);
		goto done;
	}
	if ((rc = apply_limit(c, &st, a.j.limit)) != 0)
		goto done;
	rc = cli_write_stream(c, &st, a.output, a.fmt, &a.j.out_text, "changes", NULL);
done:
	if (st.release)
		st.release(&st);
	dlt_table_free(table);
	sargs_dispose(&a);
	return rc;
}
