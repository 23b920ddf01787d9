/* deltalite convert IN OUT: between CSV, JSON lines and Parquet. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char convert_help_top[] =
	"Usage: deltalite convert [options] IN OUT\n"
	"\n"
	"Convert a data file between CSV, JSON lines (NDJSON) and Parquet. The formats\n"
	"come from the file extensions (.csv; .jsonl, .ndjson or .json; .parquet); name\n"
	"them with --from/--to when an extension says nothing or a file is '-' (standard\n"
	"input or output). Column types of CSV and JSON input are inferred from the\n"
	"first 10000 rows (see --infer-rows). OUT is written to a temporary file and\n"
	"renamed into place at the end, so a failed run leaves no partial file.\n"
	"\n"
	"Options:\n"
	"  --from FORMAT          format of IN: csv, jsonl or parquet\n"
	"  --to FORMAT            format of OUT: csv, jsonl or parquet\n"
	"  -d, --delimiter C      CSV field delimiter, input and output (default ','; \\t\n"
	"                         or tab: a tab)\n"
	"  --out-delimiter C      CSV delimiter of the output only (TSV in, CSV out:\n"
	"                         -d tab --out-delimiter ,)\n"
	"  --no-header            CSV input has no header line (columns are named column0,\n"
	"                         column1, ...), and CSV output gets none\n"
	"  --null TEXT            CSV text that means null (default: the empty field)\n"
	"  --infer-rows N         rows of CSV/JSON input used to infer types (-1: all)\n"
	"  --batch-rows N         rows per batch while converting (default 65536)\n"
	"  --limit N              convert only the first N rows\n"
	"  --columns A,B.C        Parquet input: only these columns (dotted paths)\n"
	"  --threads N            Parquet input: decode on N threads (default 1)\n"
	"  --binary-hex           binary values as hex in CSV/JSON output (default base64)\n"
	"  --json                 print a JSON summary (rows, bytes) on standard output\n"
	"  -h, --help             show this help\n"
	"\n";

static const char convert_help_examples[] =
	"\n"
	"Examples:\n"
	"  deltalite convert sales.csv sales.parquet --codec zstd\n"
	"  deltalite convert events.parquet - --to jsonl | head\n"
	"  cat data.tsv | deltalite convert --from csv -d '\\t' - out.parquet\n";

enum { C_FROM = 1, C_TO, C_HELP };

static const opt_def convert_opts[] = {
	{ "from", 0, 1, C_FROM },
	{ "to", 0, 1, C_TO },
	CLI_JOB_OPTS,
	{ "json", 0, 0, J_JSON },
	{ "help", 'h', 0, C_HELP },
	CLI_PQ_WRITE_OPTS,
	{ NULL, 0, 0, 0 }
};

static int convert_help(cli_ctx *c)
{
	fputs(convert_help_top, c->out);
	fputs(cli_pq_write_help, c->out);
	fputs(convert_help_examples, c->out);
	return cli_finish_output(c, EXIT_OK);
}

int cli_parse_columns(cli_ctx *c, const char *list, char **buf, const char ***cols,
                      size_t *n)
{
	size_t count = 1, k = 0;
	char *s, *start;

	for (const char *p = list; *p; p++)
		count += *p == ',';
	*buf = strdup(list);
	*cols = calloc(count, sizeof(**cols));
	if (!*buf || !*cols)
		return cli_failf(c, "out of memory");
	for (s = start = *buf;; s++) {
		if (*s == ',' || *s == '\0') {
			int end = *s == '\0';
			*s = '\0';
			if (*start == '\0')
				return cli_usage(c, "--columns: empty column name in '%s'", list);
			(*cols)[k++] = start;
			start = s + 1;
			if (end)
				break;
		}
	}
	*n = k;
	return 0;
}

int cli_job_option(cli_ctx *c, cli_job *j, int id, const char *v, char **colbuf,
                   const char ***cols)
{
	long long n;

	switch (id) {
	case J_DELIM:
	case J_OUT_DELIM:
		if (strcmp(v, "\\t") == 0 || strcmp(v, "tab") == 0)
			v = "\t";
		if (strlen(v) != 1)
			return cli_usage(c, "--%s: expected one character, got '%s'",
			                 id == J_DELIM ? "delimiter" : "out-delimiter", v);
		if (id == J_DELIM)
			j->in_text.delimiter = v[0];
		if (id == J_OUT_DELIM || !j->out_delim_set)
			j->out_text.delimiter = v[0];
		j->out_delim_set |= id == J_OUT_DELIM;
		return 0;
	case J_NO_HEADER:
		j->in_text.header = j->out_text.header = 0;
		return 0;
	case J_NULL:
		j->in_text.null_value = j->out_text.null_value = v;
		return 0;
	case J_INFER:
		if (strcmp(v, "-1") == 0)
			n = -1;
		else if (opt_parse_count(v, &n) < 0 || n == 0)
			return cli_usage(c, "--infer-rows: expected a positive count or -1, got '%s'",
			                 v);
		j->in_text.infer_rows = n;
		return 0;
	case J_BATCH:
		if (opt_parse_size(v, &n) < 0 || n < 1)
			return cli_usage(c, "--batch-rows: expected a positive count, got '%s'", v);
		j->in_text.batch_rows = n;
		j->pq_read.batch_size = n;
		return 0;
	case J_LIMIT:
		if (opt_parse_count(v, &n) < 0)
			return cli_usage(c, "--limit: expected a count, got '%s'", v);
		j->limit = n;
		return 0;
	case J_COLUMNS: {
		size_t k = 0;
		int rc;
		free(*colbuf);
		free((void *)*cols);
		*colbuf = NULL;
		*cols = NULL;
		if ((rc = cli_parse_columns(c, v, colbuf, cols, &k)) != 0)
			return rc;
		j->pq_read.columns = *cols;
		j->pq_read.n_columns = k;
		return 0;
	}
	case J_THREADS:
		if (opt_parse_count(v, &n) < 0 || n < 1 || n > 256)
			return cli_usage(c, "--threads: expected 1 to 256, got '%s'", v);
		j->pq_read.threads = (int)n;
		return 0;
	case J_BINHEX:
		j->out_text.binary_hex = 1;
		return 0;
	case J_RAW_VARIANT:
		j->out_text.raw_variant = 1;
		return 0;
	case J_JSON:
		j->json = 1;
		return 0;
	default:
		if (id >= PQW_CODEC)
			return cli_pq_write_option(c, &j->pq_write, id, v);
		return 1;
	}
}

int cli_job_formats(cli_ctx *c, cli_job *j, cli_format from, cli_format to)
{
	j->in_fmt = from ? from : cli_format_from_path(j->in_path);
	j->out_fmt = to ? to : cli_format_from_path(j->out_path);
	if (!j->in_fmt)
		return cli_usage(c, "cannot tell the format of '%s' from its name: use --from "
		                 "csv|jsonl|parquet", j->in_path);
	if (!j->out_fmt)
		return cli_usage(c, "cannot tell the format of '%s' from its name: use --to "
		                 "csv|jsonl|parquet", j->out_path);
	return 0;
}

int cmd_convert(cli_ctx *c, int argc, char **argv)
{
	opt_parser p;
	cli_job j;
	cli_format from = FMT_NONE, to = FMT_NONE;
	const char *args[2], *v;
	const char **cols = NULL;
	char *colbuf = NULL;
	int id, nargs = 0, rc = 0;

	cli_job_init(&j);
	j.label = "convert";
	opt_init(&p, convert_opts, argc, argv, 1);
	while (rc == 0 && (id = opt_next(&p, &v)) != OPT_END) {
		switch (id) {
		case OPT_ERROR:
			rc = cli_opt_error(c, &p);
			break;
		case OPT_ARG:
			if (nargs == 2)
				rc = cli_usage(c, "too many arguments: '%s' (expected IN OUT)", v);
			else
				args[nargs++] = v;
			break;
		case C_HELP:
			rc = -1;
			break;
		case C_FROM:
		case C_TO:
			if (cli_format_parse(v) == FMT_NONE)
				rc = cli_usage(c, "--%s: unknown format '%s' (csv, jsonl, parquet)",
				               id == C_FROM ? "from" : "to", v);
			else if (id == C_FROM)
				from = cli_format_parse(v);
			else
				to = cli_format_parse(v);
			break;
		default:
			rc = cli_job_option(c, &j, id, v, &colbuf, &cols);
			break;
		}
	}
	if (rc == -1)
		rc = convert_help(c);
	else if (rc == 0 && nargs < 2)
		rc = cli_usage(c, "expected IN and OUT (use '-' for standard input or output)");
	else if (rc == 0) {
		j.in_path = args[0];
		j.out_path = args[1];
		if ((rc = cli_job_formats(c, &j, from, to)) == 0)
			rc = cli_job_run(c, &j);
	}
	cli_pq_write_dispose(&j.pq_write);
	free(colbuf);
	free((void *)cols);
	return rc;
}
