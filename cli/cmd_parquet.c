/* deltalite parquet schema|meta|cat|write: look into and write Parquet files. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char parquet_help[] =
	"Usage: deltalite parquet <subcommand> [options] FILE...\n"
	"\n"
	"Look into Parquet files and write them.\n"
	"\n"
	"Subcommands:\n"
	"  schema FILE          the Parquet schema and the Arrow schema it reads as\n"
	"  meta FILE            footer: rows, row groups, column chunks, encodings,\n"
	"                       codecs, sizes and statistics\n"
	"  cat FILE             print rows as JSON lines (default) or CSV\n"
	"  write IN OUT         write CSV, JSON lines or Parquet as Parquet\n"
	"\n"
	"Run 'deltalite parquet <subcommand> --help' for the options of each.\n"
	"\n"
	"Examples:\n"
	"  deltalite parquet schema data.parquet\n"
	"  deltalite parquet meta --json data.parquet\n"
	"  deltalite parquet cat data.parquet --columns id,name --limit 10\n";

static const char schema_help[] =
	"Usage: deltalite parquet schema [--json] FILE\n"
	"\n"
	"Print the schema of a Parquet file twice: as Parquet declares it (physical\n"
	"types, repetition, logical annotations, in the 'message' notation) and as\n"
	"deltalite reads it into Arrow (one line per column, nested fields indented).\n"
	"\n"
	"Options:\n"
	"  --json        one JSON object: num_rows, num_row_groups, parquet_schema (text)\n"
	"                and arrow_schema (fields with name, type, format, nullable,\n"
	"                children)\n"
	"  -h, --help    show this help\n"
	"\n"
	"Examples:\n"
	"  deltalite parquet schema data.parquet\n"
	"  deltalite parquet schema --json data.parquet | jq '.arrow_schema.fields[].name'\n";

static const char meta_help[] =
	"Usage: deltalite parquet meta [--json] FILE\n"
	"\n"
	"Print the footer of a Parquet file: who wrote it, rows, key/value metadata and,\n"
	"for every row group, its rows and sizes and for every column chunk its path,\n"
	"physical type, codec, encodings, compressed and uncompressed sizes, offsets and\n"
	"statistics (min, max, null count). Nothing but the footer is read.\n"
	"\n"
	"Options:\n"
	"  --json        the same as one JSON object (for scripts)\n"
	"  -h, --help    show this help\n"
	"\n"
	"Examples:\n"
	"  deltalite parquet meta data.parquet\n"
	"  deltalite parquet meta --json data.parquet | jq '.row_groups | length'\n";

static const char cat_help[] =
	"Usage: deltalite parquet cat [options] FILE\n"
	"\n"
	"Print the rows of a Parquet file ('-': standard input) on standard output, as\n"
	"JSON lines (one object per row, keys in column order) or as CSV. Integers are\n"
	"exact, decimals keep their scale (\"12.30\"), dates and timestamps are ISO 8601,\n"
	"binary is base64, nested values are JSON. Only the columns asked for are\n"
	"decoded, and --limit stops reading early.\n"
	"\n"
	"Options:\n"
	"  --columns A,B.C      only these columns; a dotted path selects a nested field,\n"
	"                       a group name all of its fields\n"
	"  --limit N            print at most N rows\n"
	"  --format FORMAT      jsonl (default) or csv\n"
	"  -d, --delimiter C    CSV delimiter (default ','; tab or \\t for a tab);\n"
	"                       --out-delimiter is the same here\n"
	"  --no-header          CSV without the header line\n"
	"  --null TEXT          CSV text for null (default: empty field)\n"
	"  --threads N          decode on N threads (default 1)\n"
	"  --batch-rows N       rows decoded per batch (default 65536)\n"
	"  --binary-hex         binary values as hex instead of base64\n"
	"  -h, --help           show this help\n"
	"\n"
	"Examples:\n"
	"  deltalite parquet cat data.parquet --limit 3\n"
	"  deltalite parquet cat data.parquet --columns id,address.city --format csv\n"
	"  deltalite parquet cat data.parquet | jq -c 'select(.amount > 100)'\n";

static const char write_help_top[] =
	"Usage: deltalite parquet write [options] IN OUT\n"
	"\n"
	"Write IN (CSV, JSON lines or Parquet, told by its extension or --from; '-' is\n"
	"standard input) as the Parquet file OUT, choosing how: codec, row group and page\n"
	"sizes, dictionary and per-column encodings, data page version. Rewriting a\n"
	"Parquet file with other options is a way to recompress it. OUT is written\n"
	"to a temporary file and renamed into place when complete.\n"
	"\n"
	"Options:\n"
	"  --from FORMAT          format of IN: csv, jsonl or parquet\n"
	"  -d, --delimiter C      CSV delimiter of IN (default ',')\n"
	"  --no-header            CSV IN has no header line\n"
	"  --null TEXT            CSV text that means null\n"
	"  --infer-rows N         rows of CSV/JSON used to infer types (-1: all)\n"
	"  --batch-rows N         rows per batch read from IN\n"
	"  --limit N              write only the first N rows\n"
	"  --columns A,B.C        Parquet IN: only these columns\n"
	"  --threads N            Parquet IN: decode on N threads\n"
	"  --json                 print a JSON summary (rows, bytes) on standard output\n"
	"  -h, --help             show this help\n"
	"\n";

static const char write_help_examples[] =
	"\n"
	"Examples:\n"
	"  deltalite parquet write events.jsonl events.parquet --codec zstd:9\n"
	"  deltalite parquet write big.parquet small.parquet --row-group-rows 100000 \\\n"
	"      --encoding id=delta_binary_packed --encoding price=byte_stream_split\n"
	"  deltalite parquet write --from csv - out.parquet --page-version 2 < data.csv\n";

enum { P_JSON = 1, P_HELP, P_FORMAT, P_FROM };

static const opt_def info_opts[] = {
	{ "json", 0, 0, P_JSON },
	{ "help", 'h', 0, P_HELP },
	{ NULL, 0, 0, 0 }
};

static const opt_def cat_opts[] = {
	{ "format", 'f', 1, P_FORMAT },
	{ "help", 'h', 0, P_HELP },
	CLI_JOB_OPTS,
	{ NULL, 0, 0, 0 }
};

static const opt_def write_opts[] = {
	{ "from", 0, 1, P_FROM },
	{ "json", 0, 0, J_JSON },
	{ "help", 'h', 0, P_HELP },
	CLI_JOB_OPTS,
	CLI_PQ_WRITE_OPTS,
	{ NULL, 0, 0, 0 }
};

/* ---- schema ---- */

/* A readable name of an Arrow format string ("i" -> "int32", "d:10,2" -> "decimal(10,2)"). */
static void describe_format(char *buf, size_t n, const char *f)
{
	static const struct {
		const char *fmt, *name;
	} simple[] = {
		{ "n", "null" }, { "b", "bool" }, { "c", "int8" }, { "C", "uint8" },
		{ "s", "int16" }, { "S", "uint16" }, { "i", "int32" }, { "I", "uint32" },
		{ "l", "int64" }, { "L", "uint64" }, { "e", "float16" }, { "f", "float32" },
		{ "g", "float64" }, { "z", "binary" }, { "Z", "large_binary" }, { "u", "utf8" },
		{ "U", "large_utf8" }, { "vz", "binary_view" }, { "vu", "utf8_view" },
		{ "tdD", "date32" }, { "tdm", "date64" }, { "tts", "time32[s]" },
		{ "ttm", "time32[ms]" }, { "ttu", "time64[us]" }, { "ttn", "time64[ns]" },
		{ "tDs", "duration[s]" }, { "tDm", "duration[ms]" }, { "tDu", "duration[us]" },
		{ "tDn", "duration[ns]" }, { "tiM", "interval[months]" },
		{ "tiD", "interval[day_time]" }, { "tin", "interval[month_day_nano]" },
		{ "+l", "list" }, { "+L", "large_list" }, { "+s", "struct" }, { "+m", "map" },
	};
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if (strcmp(f, simple[i].fmt) == 0) {
			snprintf(buf, n, "%s", simple[i].name);
			return;
		}
	if (strncmp(f, "d:", 2) == 0) {
		int p = 0, s = 0, w = 128;
		if (sscanf(f + 2, "%d,%d,%d", &p, &s, &w) >= 2) {
			snprintf(buf, n, "%s(%d,%d)", w == 256 ? "decimal256" : "decimal128", p, s);
			return;
		}
	} else if (strncmp(f, "w:", 2) == 0) {
		snprintf(buf, n, "fixed_size_binary(%s)", f + 2);
		return;
	} else if (strncmp(f, "+w:", 3) == 0) {
		snprintf(buf, n, "fixed_size_list(%s)", f + 3);
		return;
	} else if (f[0] == 't' && f[1] == 's' && f[2] && f[3] == ':') {
		const char *unit = f[2] == 's' ? "s" : f[2] == 'm' ? "ms" : f[2] == 'u' ? "us" : "ns";
		if (f[4])
			snprintf(buf, n, "timestamp[%s, tz=%s]", unit, f + 4);
		else
			snprintf(buf, n, "timestamp[%s]", unit);
		return;
	}
	snprintf(buf, n, "%s", f);
}

static void field_type(char *buf, size_t n, const struct ArrowSchema *s)
{
	char t[128];

	describe_format(t, sizeof(t), s->format);
	if (s->dictionary) {
		char v[128];
		describe_format(v, sizeof(v), s->dictionary->format);
		snprintf(buf, n, "dictionary<%s, indices=%s>", v, t);
	} else {
		snprintf(buf, n, "%s", t);
	}
}

static void arrow_fields_text(FILE *out, const struct ArrowSchema *s, int indent)
{
	for (int64_t i = 0; i < s->n_children; i++) {
		const struct ArrowSchema *ch = s->children[i];
		char t[300];

		field_type(t, sizeof(t), ch);
		fprintf(out, "%*s%s: %s%s\n", indent, "", ch->name ? ch->name : "", t,
		        (ch->flags & ARROW_FLAG_NULLABLE) ? "" : " not null");
		arrow_fields_text(out, ch, indent + 2);
	}
}

static void arrow_fields_json(FILE *out, const struct ArrowSchema *s)
{
	fputc('[', out);
	for (int64_t i = 0; i < s->n_children; i++) {
		const struct ArrowSchema *ch = s->children[i];
		char t[300];

		field_type(t, sizeof(t), ch);
		fputs(i ? ",{\"name\":" : "{\"name\":", out);
		cli_json_string(out, ch->name ? ch->name : "");
		fputs(",\"type\":", out);
		cli_json_string(out, t);
		fputs(",\"format\":", out);
		cli_json_string(out, ch->format);
		fprintf(out, ",\"nullable\":%s", (ch->flags & ARROW_FLAG_NULLABLE) ? "true" : "false");
		if (ch->n_children > 0) {
			fputs(",\"children\":", out);
			arrow_fields_json(out, ch);
		}
		fputc('}', out);
	}
	fputc(']', out);
}

static int parse_info_args(cli_ctx *c, int argc, char **argv, const char *help, int *json,
                           const char **path)
{
	opt_parser p;
	const char *v;
	int id;

	*path = NULL;
	opt_init(&p, info_opts, argc, argv, 1);
	while ((id = opt_next(&p, &v)) != OPT_END) {
		if (id == OPT_ERROR)
			return cli_opt_error(c, &p);
		if (id == P_HELP)
			return cli_help(c, help) == EXIT_OK ? -1 : EXIT_FAIL;
		if (id == P_JSON)
			*json = 1;
		else if (*path)
			return cli_usage(c, "too many arguments: '%s' (expected one FILE)", v);
		else
			*path = v;
	}
	if (!*path)
		return cli_usage(c, "expected a Parquet FILE");
	return 0;
}

static int open_file(cli_ctx *c, dlt_parquet_file **f, const char *path, void **mem)
{
	dlt_error err;
	dlt_input *in = NULL;
	int rc;

	dlt_error_clear(&err);
	*mem = NULL;
	if (strcmp(path, "-") == 0) {
		/* Reuse the reader's stdin handling through a throwaway stream. */
		struct ArrowArrayStream s;
		cli_text_opts t = CLI_TEXT_OPTS_INIT;
		dlt_parquet_read_options o = DLT_PARQUET_READ_OPTIONS_INIT;
		if ((rc = cli_open_reader(&s, f, mem, path, FMT_PARQUET, &t, &o, &err)) < 0)
			return cli_fail(c, &err);
		s.release(&s);
		return 0;
	}
	if ((rc = dlt_input_open_file(&in, path, &err)) < 0 ||
	    (rc = dlt_parquet_open(f, in, NULL, &err)) < 0) {
		if (!strstr(err.message, path) && !err.path[0])
			dlt_error_prefix(&err, "%s", path);
		return cli_fail(c, &err);
	}
	return 0;
}

static int parquet_schema(cli_ctx *c, int argc, char **argv)
{
	dlt_parquet_file *f = NULL;
	struct ArrowSchema schema;
	dlt_error err;
	const char *path;
	char *text = NULL;
	void *mem = NULL;
	int json = 0, rc;

	c->cmd = "parquet schema";
	if ((rc = parse_info_args(c, argc, argv, schema_help, &json, &path)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = open_file(c, &f, path, &mem)) != 0)
		return rc;
	dlt_error_clear(&err);
	memset(&schema, 0, sizeof(schema));
	if (dlt_parquet_schema_text(&text, f, &err) < 0 ||
	    dlt_parquet_file_schema(&schema, f, &err) < 0) {
		if (!strstr(err.message, path) && !err.path[0])
			dlt_error_prefix(&err, "%s", path);
		rc = cli_fail(c, &err);
		goto done;
	}
	if (json) {
		fprintf(c->out, "{\"file\":");
		cli_json_string(c->out, path);
		fprintf(c->out, ",\"num_rows\":%lld,\"num_row_groups\":%lld,\"parquet_schema\":",
		        (long long)dlt_parquet_file_num_rows(f),
		        (long long)dlt_parquet_file_num_row_groups(f));
		cli_json_string(c->out, text);
		fputs(",\"arrow_schema\":{\"fields\":", c->out);
		arrow_fields_json(c->out, &schema);
		fputs("}}\n", c->out);
	} else {
		fprintf(c->out, "Parquet schema (%lld rows in %lld row groups):\n%s",
		        (long long)dlt_parquet_file_num_rows(f),
		        (long long)dlt_parquet_file_num_row_groups(f), text);
		if (text[0] && text[strlen(text) - 1] != '\n')
			fputc('\n', c->out);
		fputs("\nArrow schema:\n", c->out);
		arrow_fields_text(c->out, &schema, 2);
	}
	rc = EXIT_OK;
done:
	if (schema.release)
		schema.release(&schema);
	dlt_free(text);
	dlt_parquet_file_free(f);
	free(mem);
	return cli_finish_output(c, rc);
}

static int parquet_meta(cli_ctx *c, int argc, char **argv)
{
	dlt_parquet_file *f = NULL;
	dlt_error err;
	const char *path;
	char *json_text = NULL;
	void *mem = NULL;
	int json = 0, rc;

	c->cmd = "parquet meta";
	if ((rc = parse_info_args(c, argc, argv, meta_help, &json, &path)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = open_file(c, &f, path, &mem)) != 0)
		return rc;
	dlt_error_clear(&err);
	if (dlt_parquet_meta_json(&json_text, f, &err) < 0) {
		if (!strstr(err.message, path) && !err.path[0])
			dlt_error_prefix(&err, "%s", path);
		rc = cli_fail(c, &err);
	} else if (json) {
		fputs(json_text, c->out);
		fputc('\n', c->out);
		rc = EXIT_OK;
	} else if (cli_json_render(c->out, json_text) < 0) {
		rc = cli_failf(c, "%s: the footer description is not valid JSON", path);
	} else {
		rc = EXIT_OK;
	}
	dlt_free(json_text);
	dlt_parquet_file_free(f);
	free(mem);
	return cli_finish_output(c, rc);
}

/* ---- cat and write: the pipeline ---- */

static int parquet_cat(cli_ctx *c, int argc, char **argv)
{
	opt_parser p;
	cli_job j;
	const char *v, **cols = NULL;
	char *colbuf = NULL;
	int id, rc = 0;

	c->cmd = "parquet cat";
	cli_job_init(&j);
	j.label = "cat";
	j.in_fmt = FMT_PARQUET;
	j.out_fmt = FMT_JSONL;
	j.out_path = "-";
	opt_init(&p, cat_opts, argc, argv, 1);
	while (rc == 0 && (id = opt_next(&p, &v)) != OPT_END) {
		if (id == OPT_ERROR) {
			rc = cli_opt_error(c, &p);
		} else if (id == P_HELP) {
			rc = -1;
		} else if (id == OPT_ARG) {
			if (j.in_path)
				rc = cli_usage(c, "too many arguments: '%s' (expected one FILE)", v);
			j.in_path = v;
		} else if (id == P_FORMAT) {
			j.out_fmt = cli_format_parse(v);
			if (j.out_fmt != FMT_CSV && j.out_fmt != FMT_JSONL)
				rc = cli_usage(c, "--format: expected jsonl or csv, got '%s'", v);
		} else {
			rc = cli_job_option(c, &j, id, v, &colbuf, &cols);
		}
	}
	if (rc == -1)
		rc = cli_help(c, cat_help);
	else if (rc == 0 && !j.in_path)
		rc = cli_usage(c, "expected a Parquet FILE");
	else if (rc == 0)
		rc = cli_job_run(c, &j);
	cli_pq_write_dispose(&j.pq_write);
	free(colbuf);
	free((void *)cols);
	return rc;
}

static int parquet_write(cli_ctx *c, int argc, char **argv)
{
	opt_parser p;
	cli_job j;
	cli_format from = FMT_NONE;
	const char *v, **cols = NULL, *args[2];
	char *colbuf = NULL;
	int id, nargs = 0, rc = 0;

	c->cmd = "parquet write";
	cli_job_init(&j);
	j.label = "write";
	opt_init(&p, write_opts, argc, argv, 1);
	while (rc == 0 && (id = opt_next(&p, &v)) != OPT_END) {
		if (id == OPT_ERROR) {
			rc = cli_opt_error(c, &p);
		} else if (id == P_HELP) {
			rc = -1;
		} else if (id == OPT_ARG) {
			if (nargs == 2)
				rc = cli_usage(c, "too many arguments: '%s' (expected IN OUT)", v);
			else
				args[nargs++] = v;
		} else if (id == P_FROM) {
			from = cli_format_parse(v);
			if (from == FMT_NONE)
				rc = cli_usage(c, "--from: unknown format '%s' (csv, jsonl, parquet)", v);
		} else {
			rc = cli_job_option(c, &j, id, v, &colbuf, &cols);
		}
	}
	if (rc == -1) {
		fputs(write_help_top, c->out);
		fputs(cli_pq_write_help, c->out);
		fputs(write_help_examples, c->out);
		rc = cli_finish_output(c, EXIT_OK);
	} else if (rc == 0 && nargs < 2) {
		rc = cli_usage(c, "expected IN and OUT");
	} else if (rc == 0) {
		j.in_path = args[0];
		j.out_path = args[1];
		if ((rc = cli_job_formats(c, &j, from, FMT_PARQUET)) == 0)
			rc = cli_job_run(c, &j);
	}
	cli_pq_write_dispose(&j.pq_write);
	free(colbuf);
	free((void *)cols);
	return rc;
}

int cmd_parquet(cli_ctx *c, int argc, char **argv)
{
	static const struct {
		const char *name;
		cli_cmd_fn fn;
	} subs[] = {
		{ "schema", parquet_schema },
		{ "meta", parquet_meta },
		{ "cat", parquet_cat },
		{ "write", parquet_write },
	};

	if (argc < 2)
		return cli_usage(c, "expected a subcommand: schema, meta, cat or write");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cli_help(c, parquet_help);
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(subs[i].name, argv[1]) == 0)
			return subs[i].fn(c, argc - 1, argv + 1);
	return cli_usage(c, "unknown subcommand 'parquet %s' (schema, meta, cat, write)",
	                 argv[1]);
}
