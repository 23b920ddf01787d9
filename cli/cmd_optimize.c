/*
 * deltalite optimize TABLE: compaction and Z-order.
 */
#include "cli.h"
#include "cmd_table.h"
#include "deltalite/optimize.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char optimize_help[] =
	"Usage: deltalite optimize [options] TABLE\n"
	"\n"
	"Rewrite many small data files into fewer large ones (compaction), or with\n"
	"--zorder cluster the rows by the given columns so that scans filtering on\n"
	"them skip more files. Rows do not change: the commit has dataChange false,\n"
	"so streaming readers ignore it. The old files stay until VACUUM.\n"
	"\n"
	"Options:\n"
	"  --zorder A,B            Z-order by these (non-partition) columns\n"
	"  --target-size N         target size of the new files in bytes (K, M, G\n"
	"                          suffixes; default delta.targetFileSize, else 100M)\n"
	"  --where PRED            only partitions matching this predicate over\n"
	"                          partition columns, e.g. \"day >= DATE '2024-01-01'\"\n"
	"  --min-files N           compaction: rewrite a group of files only when it has\n"
	"                          at least N files (default 2)\n"
	"  --json                  print the metrics as one JSON object\n"
	"  -h, --help              show this help\n"
	"\n"
	"Examples:\n"
	"  deltalite optimize ./events\n"
	"  deltalite optimize ./events --where \"day = DATE '2024-01-31'\" --target-size 256M\n"
	"  deltalite optimize ./events --zorder user_id,ts\n";

enum {
	M_HELP = 1, M_ON, M_SALIAS, M_TALIAS, M_FORMAT, M_EVOLVE, M_DV, M_NO_DV, M_JSON, M_IF,
	M_MU_ALL, M_MU, M_MD, M_NI_ALL, M_NI, M_NS_D, M_NS_U,
	O_ZORDER, O_TARGET, O_WHERE, O_MIN_FILES
};

static void print_json_kv(FILE *out, const char *k, int64_t v, int *first)
{
	fprintf(out, "%s\"%s\":%" PRId64, *first ? "" : ",", k, v);
	*first = 0;
}

/* ---------------------------------------------------------- optimize -- */

static const opt_def optimize_opts[] = {
	{ "zorder", 0, 1, O_ZORDER },
	{ "target-size", 0, 1, O_TARGET },
	{ "where", 0, 1, O_WHERE },
	{ "min-files", 0, 1, O_MIN_FILES },
	{ "json", 0, 0, M_JSON },
	{ "help", 'h', 0, M_HELP },
	{ NULL, 0, 0, 0 }
};

int cmd_optimize(cli_ctx *c, int argc, char **argv)
{
	dlt_optimize_options oo = DLT_OPTIMIZE_OPTIONS_INIT;
	dlt_optimize_metrics om;
	const char *table = NULL, *v;
	char *zbuf = NULL;
	const char **zcols = NULL;
	size_t nz = 0;
	long long n;
	int json = 0, rc = 0, id;
	opt_parser p;
	dlt_table *t = NULL;
	dlt_error err;

	memset(&om, 0, sizeof(om));
	dlt_error_clear(&err);
	opt_init(&p, optimize_opts, argc, argv, 1);
	while (rc == 0 && (id = opt_next(&p, &v)) != OPT_END) {
		switch (id) {
		case OPT_ERROR: rc = cli_opt_error(c, &p); break;
		case OPT_ARG:
			if (table)
				rc = cli_usage(c, "too many arguments: '%s' (expected one TABLE)", v);
			table = v;
			break;
		case M_HELP:
			cli_help(c, optimize_help);
			free(zbuf);
			free((void *)zcols);
			return EXIT_OK;
		case O_ZORDER:
			free(zbuf);
			free((void *)zcols);
			zbuf = NULL;
			zcols = NULL;
			rc = cli_parse_columns(c, v, &zbuf, &zcols, &nz);
			break;
		case O_TARGET:
			if (opt_parse_size(v, &n) < 0 || n == 0)
				rc = cli_usage(c, "--target-size: expected a size in bytes (e.g. 128M), "
				               "got '%s'", v);
			oo.target_size = n;
			break;
		case O_WHERE:
			oo.partition_filter = v;
			rc = cli_check_predicate(c, "--where", v);
			break;
		case O_MIN_FILES:
			if (opt_parse_count(v, &n) < 0 || n < 1)
				rc = cli_usage(c, "--min-files: expected a count >= 1, got '%s'", v);
			oo.min_files = n;
			break;
		case M_JSON: json = 1; break;
		default: rc = cli_usage(c, "internal: unhandled option"); break;
		}
	}
	if (rc == 0 && !table)
		rc = cli_usage(c, "expected a TABLE (a directory or file:// URI)");
	if (rc != 0 || (rc = cli_open_table(c, table, &t)) != 0)
		goto done;
	oo.zorder_by = zcols;
	oo.zorder_by_len = nz;
	if (dlt_table_optimize(&om, t, &oo, &err) < 0) {
		cli_name_table(&err, table);
		rc = cli_fail(c, &err);
		goto done;
	}
	if (json) {
		int first = 1;
		fputs("{", c->out);
		print_json_kv(c->out, "version", om.version, &first);
		print_json_kv(c->out, "num_files_added", om.num_files_added, &first);
		print_json_kv(c->out, "num_files_removed", om.num_files_removed, &first);
		print_json_kv(c->out, "bytes_added", om.files_added.total_size, &first);
		print_json_kv(c->out, "bytes_removed", om.files_removed.total_size, &first);
		print_json_kv(c->out, "partitions_optimized", om.partitions_optimized, &first);
		print_json_kv(c->out, "num_batches", om.num_batches, &first);
		print_json_kv(c->out, "total_considered_files", om.total_considered_files, &first);
		print_json_kv(c->out, "total_files_skipped", om.total_files_skipped, &first);
		print_json_kv(c->out, "rows_rewritten", om.rows_rewritten, &first);
		print_json_kv(c->out, "duration_ms", om.duration_ms, &first);
		fputs("}\n", c->out);
	} else if (om.version < 0) {
		fprintf(c->out, "nothing to optimize: %" PRId64 " %s considered, none rewritten\n",
		        om.total_considered_files,
		        cli_plural(om.total_considered_files, "file", "files"));
	} else {
		char ba[32], br[32];
		cli_human_bytes(ba, sizeof(ba), om.files_added.total_size);
		cli_human_bytes(br, sizeof(br), om.files_removed.total_size);
		fprintf(c->out, "version %" PRId64 ": optimize (%s", om.version,
		        nz ? "z-order by " : "compaction");
		for (size_t i = 0; i < nz; i++)
			fprintf(c->out, "%s%s", i ? ", " : "", zcols[i]);
		fprintf(c->out, ")\n  files removed  %" PRId64 " (%s)\n  files added    %" PRId64
		        " (%s)\n  rows rewritten %" PRId64 "\n  partitions     %" PRId64 "\n",
		        om.num_files_removed, br, om.num_files_added, ba, om.rows_rewritten,
		        om.partitions_optimized);
	}
	rc = cli_finish_output(c, EXIT_OK);
done:
	dlt_table_free(t);
	free(zbuf);
	free((void *)zcols);
	return rc;
}
