/*
 * Changing Delta tables from the command line: deltalite create, write,
 * checkpoint, vacuum, restore and set-properties. Each command ends in at
 * most one commit per change and prints what it did (--json: one object).
 */
#include "cli.h"
#include "cmd_table.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------- helps -- */

static const char create_help[] =
	"Usage: deltalite create [options] TABLE --schema \"COLUMNS\"\n"
	"\n"
	"Create an empty Delta table (version 0) at TABLE, a directory that need not\n"
	"exist yet. COLUMNS is a comma-separated list of \"name type [not null]\n"
	"[comment 'text']\" with Spark SQL types: tinyint, smallint, int, bigint,\n"
	"float, double, decimal(p,s), string, binary, boolean, date, timestamp (UTC\n"
	"instants), timestamp_ntz, array<T>, map<K,V>, struct<a: T, b: T>.\n"
	"\n"
	"Options:\n"
	"  --schema COLUMNS        the columns (required)\n"
	"  --partition-by A,B      partition the data files by these columns\n"
	"  --property K=V          a table property; repeat for more, e.g.\n"
	"                          delta.appendOnly=true, delta.enableChangeDataFeed=true,\n"
	"                          delta.constraints.positive=\"amount > 0\"\n"
	"  --mode MODE             when a table is already there: error (default),\n"
	"                          ignore (leave it), overwrite (replace schema,\n"
	"                          properties and all rows in a new version)\n"
	"  --column-mapping MODE   none (default) or name: columns get physical names,\n"
	"                          so they can later be renamed or dropped\n"
	"  --name NAME             the table's name in its metadata\n"
	"  --description TEXT      the table's description in its metadata\n"
	"  --json                  print the result as one JSON object\n"
	"  -h, --help              show this help\n"
	"\n"
	"Examples:\n"
	"  deltalite create ./events --schema \"id bigint not null, kind string, ts timestamp\"\n"
	"  deltalite create ./sales --schema \"day date, shop string, amount decimal(10,2)\" \\\n"
	"      --partition-by day --property delta.constraints.positive=\"amount >= 0\"\n";

static const char write_help[] =
	"Usage: deltalite write [options] TABLE INPUT\n"
	"\n"
	"Write the rows of INPUT (CSV, JSON lines or Parquet; '-' reads standard input)\n"
	"to the Delta table TABLE in one commit. When TABLE holds no table yet it is\n"
	"created, with the columns of INPUT. Into an existing table, CSV and JSON\n"
	"values are read as the types of the table's columns (matched by name); the\n"
	"write is refused (and the table left as it was) when a column is unknown or\n"
	"of another type, a NOT NULL column gets a null, or a CHECK constraint fails.\n"
	"\n"
	"Options:\n"
	"  --mode MODE             append (default): add the rows;\n"
	"                          overwrite: replace all rows (or those --where picks);\n"
	"                          error: refuse if the table has data;\n"
	"                          ignore: write nothing if the table has data\n"
	"  --where PRED            with overwrite (implied): replace only the rows where\n"
	"                          the SQL predicate holds; every new row must satisfy it\n"
	"  --schema-mode MODE      merge: add INPUT's new columns to the table;\n"
	"                          overwrite (with --mode overwrite): INPUT's schema\n"
	"                          replaces the table's\n"
	"  --partition-by A,B      partition columns of a new table (or, with\n"
	"                          --schema-mode overwrite, the new partitioning)\n"
	"  --format FMT            csv, jsonl or parquet (default: from INPUT's extension;\n"
	"                          required for standard input)\n"
	"  --target-file-size N    roll to a new data file past N bytes (K, M, G\n"
	"                          suffixes; default 128M)\n"
	"  --codec CODEC           compression of the data files: snappy (default), zstd,\n"
	"                          gzip, lz4, brotli, none\n"
	"  -d, --delimiter C       CSV field delimiter (default ',')\n"
	"  --no-header             the CSV has no header line (columns column0, ...)\n"
	"  --null TEXT             CSV text that means null (default: the empty field)\n"
	"  --infer-rows N          rows used to guess types of a new table (-1: all)\n"
	"  --json                  print the metrics as one JSON object\n"
	"  -h, --help              show this help\n"
	"\n"
	"Examples:\n"
	"  deltalite write ./events events.csv\n"
	"  deltalite write ./events more.jsonl --mode append\n"
	"  deltalite write ./events fix.csv --where \"day = DATE '2024-01-31'\"\n"
	"  deltalite write ./events wide.parquet --schema-mode merge\n"
	"  some-tool | deltalite write ./events - --format jsonl\n";

static const char checkpoint_help[] =
	"Usage: deltalite checkpoint [options] TABLE\n"
	"\n"
	"Write a checkpoint of the table's latest version (or --version N): one file\n"
	"summing up the log so that readers need not replay every commit. Commits\n"
	"older than delta.logRetentionDuration (30 days) that no retained version\n"
	"needs are then deleted, unless delta.enableExpiredLogCleanup is false.\n"
	"\n"
	"Options:\n"
	"  --version N             checkpoint version N instead of the latest\n"
	"  --json                  print the result as one JSON object\n"
	"  -h, --help              show this help\n"
	"\n"
	"Examples:\n"
	"  deltalite checkpoint ./events\n"
	"  deltalite checkpoint ./events --version 10\n";

static const char vacuum_help[] =
	"Usage: deltalite vacuum [options] TABLE\n"
	"\n"
	"Delete the files under TABLE that its latest version does not use and that\n"
	"are older than the retention: data files removed by overwrites, deletes and\n"
	"restores, and leftovers of failed writes. Older versions whose files are\n"
	"deleted can no longer be read. _delta_log/ and hidden files are never touched.\n"
	"\n"
	"Options:\n"
	"  --dry-run               only list the files that would be deleted\n"
	"  --retain-hours H        keep files removed less than H hours ago (default:\n"
	"                          delta.deletedFileRetentionDuration, 7 days)\n"
	"  --no-enforce-retention  allow H below the table's retention (dangerous:\n"
	"                          readers of older versions and running writers may\n"
	"                          lose files)\n"
	"  --json                  print the result as one JSON object\n"
	"  -h, --help              show this help\n"
	"\n"
	"Examples:\n"
	"  deltalite vacuum ./events --dry-run\n"
	"  deltalite vacuum ./events --retain-hours 240\n"
	"  deltalite vacuum ./scratch --retain-hours 0 --no-enforce-retention\n";

static const char restore_help[] =
	"Usage: deltalite restore [options] TABLE --version N | --timestamp T\n"
	"\n"
	"Make an older version of the table current again, in a new version: files\n"
	"live then and not now are added back, files live now and not then removed.\n"
	"History is kept: the versions in between stay readable (until VACUUM).\n"
	"\n"
	"Options:\n"
	"  --version N             restore version N\n"
	"  --timestamp T           restore the latest version committed at or before T:\n"
	"                          epoch ms, 2024-01-31, 2024-01-31T10:00:00Z\n"
	"  --json                  print the result as one JSON object\n"
	"  -h, --help              show this help\n"
	"\n"
	"Examples:\n"
	"  deltalite restore ./events --version 3\n"
	"  deltalite restore ./events --timestamp \"2024-01-31 10:00:00\"\n";

static const char setprop_help[] =
	"Usage: deltalite set-properties [options] TABLE KEY=VALUE...\n"
	"\n"
	"Set (or with --unset, remove) table properties, in one commit each way.\n"
	"Properties that need a newer protocol (delta.enableDeletionVectors...)\n"
	"upgrade it in the same commit. \"delta.constraints.NAME=SQL\" adds a CHECK\n"
	"constraint (existing rows are not re-checked).\n"
	"\n"
	"Options:\n"
	"  --unset KEY             remove property KEY; repeat for more\n"
	"  --if-exists             with --unset: a key that is not set is no error\n"
	"  --json                  print the result as one JSON object\n"
	"  -h, --help              show this help\n"
	"\n"
	"Examples:\n"
	"  deltalite set-properties ./events delta.appendOnly=true\n"
	"  deltalite set-properties ./events delta.logRetentionDuration=\"interval 60 days\"\n"
	"  deltalite set-properties ./events --unset delta.appendOnly\n";

/* ----------------------------------------------------------- options -- */

enum {
	W_HELP = 1, W_SCHEMA, W_PARTITION, W_PROPERTY, W_MODE, W_COLMAP, W_NAME, W_DESC,
	W_JSON, W_WHERE, W_SCHEMA_MODE, W_FORMAT, W_TARGET, W_CODEC, W_DELIM, W_NO_HEADER,
	W_NULL, W_INFER, W_DRY, W_RETAIN, W_NO_ENFORCE, W_UNSET, W_IF_EXISTS
};

static const opt_def create_opts[] = {
	{ "schema", 0, 1, W_SCHEMA },
	{ "partition-by", 0, 1, W_PARTITION },
	{ "property", 0, 1, W_PROPERTY },
	{ "mode", 0, 1, W_MODE },
	{ "column-mapping", 0, 1, W_COLMAP },
	{ "name", 0, 1, W_NAME },
	{ "description", 0, 1, W_DESC },
	{ "json", 0, 0, W_JSON },
	{ "help", 'h', 0, W_HELP },
	{ NULL, 0, 0, 0 }
};

static const opt_def write_opts[] = {
	{ "mode", 0, 1, W_MODE },
	{ "where", 0, 1, W_WHERE },
	{ "schema-mode", 0, 1, W_SCHEMA_MODE },
	{ "partition-by", 0, 1, W_PARTITION },
	{ "format", 0, 1, W_FORMAT },
	{ "target-file-size", 0, 1, W_TARGET },
	{ "codec", 0, 1, W_CODEC },
	{ "delimiter", 'd', 1, W_DELIM },
	{ "no-header", 0, 0, W_NO_HEADER },
	{ "null", 0, 1, W_NULL },
	{ "infer-rows", 0, 1, W_INFER },
	{ "json", 0, 0, W_JSON },
	{ "help", 'h', 0, W_HELP },
	{ NULL, 0, 0, 0 }
};

static const opt_def checkpoint_opts[] = {
	{ "version", 0, 1, AT_VERSION },
	{ "json", 0, 0, W_JSON },
	{ "help", 'h', 0, W_HELP },
	{ NULL, 0, 0, 0 }
};

static const opt_def vacuum_opts[] = {
	{ "dry-run", 'n', 0, W_DRY },
	{ "retain-hours", 0, 1, W_RETAIN },
	{ "no-enforce-retention", 0, 0, W_NO_ENFORCE },
	{ "json", 0, 0, W_JSON },
	{ "help", 'h', 0, W_HELP },
	{ NULL, 0, 0, 0 }
};

static const opt_def restore_opts[] = {
	CLI_AT_OPTS,
	{ "json", 0, 0, W_JSON },
	{ "help", 'h', 0, W_HELP },
	{ NULL, 0, 0, 0 }
};

static const opt_def setprop_opts[] = {
	{ "unset", 0, 1, W_UNSET },
	{ "if-exists", 0, 0, W_IF_EXISTS },
	{ "json", 0, 0, W_JSON },
	{ "help", 'h', 0, W_HELP },
	{ NULL, 0, 0, 0 }
};

typedef struct wargs {
	const char **args;            /* positional arguments */
	size_t n_args;
	const char *schema, *where, *name, *description;
	int mode, mode_set, schema_mode, column_mapping, json, dry_run, no_enforce;
	int if_exists;
	cli_format fmt;
	char *pbuf;                   /* --partition-by list */
	const char **parts;
	size_t n_parts;
	dlt_kv *props;                /* --property / KEY=VALUE; keys and values in propmem */
	char **propmem;
	size_t n_props;
	const char **unset;
	size_t n_unset;
	cli_text_opts text;
	int64_t target_size;
	int codec, codec_set;
	double retain_hours;
	cli_at at;
} wargs;

static void wargs_init(wargs *a)
{
	cli_text_opts t = CLI_TEXT_OPTS_INIT;
	cli_at at = CLI_AT_INIT;

	memset(a, 0, sizeof(*a));
	a->text = t;
	a->at = at;
	a->mode = -1;
	a->retain_hours = -1.0;
}

static void wargs_dispose(wargs *a)
{
	for (size_t i = 0; i < a->n_props; i++)
		free(a->propmem[i]);
	free(a->propmem);
	free(a->props);
	free((void *)a->unset);
	free((void *)a->args);
	free(a->pbuf);
	free((void *)a->parts);
}

/* "k=v" into a->props: 0, or EXIT_USAGE. */
static int add_property(cli_ctx *c, wargs *a, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char *copy, **pm;
	dlt_kv *p;

	if (!eq || eq == kv)
		return cli_usage(c, "expected a property KEY=VALUE, got '%s'", kv);
	if (!(copy = strdup(kv)) ||
	    !(pm = realloc(a->propmem, (a->n_props + 1) * sizeof(*pm)))) {
		free(copy);
		return cli_failf(c, "out of memory");
	}
	a->propmem = pm;
	if (!(p = realloc(a->props, (a->n_props + 1) * sizeof(*p)))) {
		free(copy);
		return cli_failf(c, "out of memory");
	}
	a->props = p;
	copy[eq - kv] = '\0';
	a->propmem[a->n_props] = copy;
	a->props[a->n_props].key = copy;
	a->props[a->n_props].value = copy + (eq - kv) + 1;
	a->n_props++;
	return 0;
}

static int parse_mode(cli_ctx *c, const char *v, int for_create, int *out)
{
	static const struct { const char *name; int mode; } modes[] = {
		{ "append", DLT_WRITE_APPEND }, { "overwrite", DLT_WRITE_OVERWRITE },
		{ "error", DLT_WRITE_ERROR }, { "errorifexists", DLT_WRITE_ERROR },
		{ "ignore", DLT_WRITE_IGNORE },
	};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(v, modes[i].name) == 0 && !(for_create && modes[i].mode == DLT_WRITE_APPEND)) {
			*out = modes[i].mode;
			return 0;
		}
	if (for_create)
		return cli_usage(c, "--mode: expected error, ignore or overwrite, got '%s'", v);
	return cli_usage(c, "--mode: expected append, overwrite, error or ignore, got '%s'", v);
}

/* -1 after --help; else 0 or an exit status. */
static int parse_args(cli_ctx *c, int argc, char **argv, const opt_def *defs,
                      const char *help, wargs *a)
{
	opt_parser p;
	const char *v;
	int id, rc = 0;
	long long n;
	char *end;

	if (!(a->args = calloc((size_t)argc + 1, sizeof(*a->args))))
		return cli_failf(c, "out of memory");
	opt_init(&p, defs, argc, argv, 1);
	while (rc == 0 && (id = opt_next(&p, &v)) != OPT_END) {
		switch (id) {
		case OPT_ERROR:
			return cli_opt_error(c, &p);
		case OPT_ARG:
			a->args[a->n_args++] = v;
			break;
		case W_HELP:
			cli_help(c, help);
			return -1;
		case W_SCHEMA:
			a->schema = v;
			break;
		case W_PARTITION:
			free(a->pbuf);
			free((void *)a->parts);
			a->pbuf = NULL;
			a->parts = NULL;
			rc = cli_parse_columns(c, v, &a->pbuf, &a->parts, &a->n_parts);
			break;
		case W_PROPERTY:
			rc = add_property(c, a, v);
			break;
		case W_MODE:
			rc = parse_mode(c, v, defs == create_opts, &a->mode);
			a->mode_set = 1;
			break;
		case W_COLMAP:
			if (strcmp(v, "name") == 0)
				a->column_mapping = DLT_COLUMN_MAPPING_NAME;
			else if (strcmp(v, "none") == 0)
				a->column_mapping = DLT_COLUMN_MAPPING_NONE;
			else
				rc = cli_usage(c, "--column-mapping: expected none or name, got '%s'", v);
			break;
		case W_NAME:
			a->name = v;
			break;
		case W_DESC:
			a->description = v;
			break;
		case W_JSON:
			a->json = 1;
			break;
		case W_WHERE:
			a->where = v;
			break;
		case W_SCHEMA_MODE:
			if (strcmp(v, "merge") == 0)
				a->schema_mode = DLT_SCHEMA_MERGE;
			else if (strcmp(v, "overwrite") == 0)
				a->schema_mode = DLT_SCHEMA_OVERWRITE;
			else if (strcmp(v, "strict") == 0)
				a->schema_mode = DLT_SCHEMA_STRICT;
			else
				rc = cli_usage(c, "--schema-mode: expected merge or overwrite, got '%s'", v);
			break;
		case W_FORMAT:
			if (!(a->fmt = cli_format_parse(v)))
				rc = cli_usage(c, "--format: expected csv, jsonl or parquet, got '%s'", v);
			break;
		case W_TARGET:
			if (opt_parse_size(v, &n) < 0 || n == 0)
				rc = cli_usage(c, "--target-file-size: expected a size in bytes (e.g. "
				               "64M), got '%s'", v);
			a->target_size = n;
			break;
		case W_CODEC: {
			cli_pq_write w;
			cli_pq_write_init(&w);
			rc = cli_pq_write_option(c, &w, PQW_CODEC, v);
			a->codec = w.opts.codec;
			a->codec_set = 1;
			cli_pq_write_dispose(&w);
			break;
		}
		case W_DELIM:
			if (strlen(v) != 1)
				rc = cli_usage(c, "--delimiter: expected one character, got '%s'", v);
			a->text.delimiter = v[0];
			break;
		case W_NO_HEADER:
			a->text.header = 0;
			break;
		case W_NULL:
			a->text.null_value = v;
			break;
		case W_INFER:
			if (strcmp(v, "-1") == 0)
				a->text.infer_rows = -1;
			else if (opt_parse_count(v, &n) < 0 || n == 0)
				rc = cli_usage(c, "--infer-rows: expected a positive count or -1, got '%s'",
				               v);
			else
				a->text.infer_rows = n;
			break;
		case W_DRY:
			a->dry_run = 1;
			break;
		case W_RETAIN:
			errno = 0;
			a->retain_hours = strtod(v, &end);
			if (errno || end == v || *end || a->retain_hours < 0)
				rc = cli_usage(c, "--retain-hours: expected hours (168, 0.5), got '%s'", v);
			break;
		case W_NO_ENFORCE:
			a->no_enforce = 1;
			break;
		case W_UNSET:
			a->unset[a->n_unset++] = v;
			break;
		case W_IF_EXISTS:
			a->if_exists = 1;
			break;
		case AT_VERSION:
		case AT_TIMESTAMP:
			rc = cli_at_option(c, &a->at, id, v);
			break;
		default:
			rc = cli_usage(c, "internal: unhandled option");
			break;
		}
	}
	return rc;
}

/* Parse; on --help or an error returns nonzero with *status set. */
static int start(cli_ctx *c, int argc, char **argv, const opt_def *defs, const char *help,
                 wargs *a, int *status)
{
	int rc;

	wargs_init(a);
	if (defs == setprop_opts && !(a->unset = calloc((size_t)argc + 1, sizeof(*a->unset)))) {
		*status = cli_failf(c, "out of memory");
		return 1;
	}
	rc = parse_args(c, argc, argv, defs, help, a);
	if (rc == 0 && a->n_args == 0)
		rc = cli_usage(c, "expected a TABLE (a directory or file:// URI)");
	if (rc != 0) {
		*status = rc < 0 ? EXIT_OK : rc;
		wargs_dispose(a);
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------ output -- */

void cli_human_bytes(char *buf, size_t n, int64_t b)
{
	static const char *units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int u = -1;

	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, n, "%lld B", (long long)b);
	else
		snprintf(buf, n, "%.1f %s", v, units[u]);
}

const char *cli_plural(int64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* The table's name in a message, unless the message has it already. */
void cli_name_table(dlt_error *err, const char *uri)
{
	char *p = strstr(err->message, "write with schema merge");

	if (p) /* the library names its option; say ours */
		snprintf(p, sizeof(err->message) - (size_t)(p - err->message),
		         "write with --schema-mode merge to add it");
	if (!strstr(err->message, uri) || strlen(uri) < 4)
		dlt_error_prefix(err, "table %s", uri);
	err->path[0] = '\0';
}

int cli_where_error(cli_ctx *c, const char *opt, const char *where, const dlt_error *err)
{
	int64_t off = err->offset;
	size_t n = strlen(where);

	if (off < 0 || (size_t)off > n || n > 200 || strchr(where, '\n'))
		return cli_usage(c, "%s: %s", opt, err->message);
	return cli_usage(c, "%s: %s\n  %s\n  %*s^", opt, err->message, where, (int)off, "");
}

int cli_check_predicate(cli_ctx *c, const char *opt, const char *text)
{
	dlt_expr *e = NULL;
	dlt_error err;

	dlt_error_clear(&err);
	if (dlt_expr_parse(&e, text, &err) < 0)
		return err.code == DLT_EINVAL ? cli_where_error(c, opt, text, &err)
		                              : cli_fail(c, &err);
	dlt_expr_free(e);
	return 0;
}

/* ------------------------------------------------------------ create -- */

int cmd_create(cli_ctx *c, int argc, char **argv)
{
	dlt_create_options co = DLT_CREATE_OPTIONS_INIT;
	struct ArrowSchema schema;
	dlt_table *t = NULL, *old = NULL;
	dlt_snapshot *snap = NULL;
	dlt_error err;
	wargs a;
	int rc, existed;
	int64_t version = -1, old_version = -1;

	if (start(c, argc, argv, create_opts, create_help, &a, &rc))
		return rc;
	memset(&schema, 0, sizeof(schema));
	dlt_error_clear(&err);
	if (a.n_args > 1) {
		rc = cli_usage(c, "too many arguments: '%s' (expected one TABLE)", a.args[1]);
		goto done;
	}
	if (!a.schema) {
		rc = cli_usage(c, "expected --schema \"COLUMNS\", e.g. --schema \"id bigint not null, "
		               "name string\"");
		goto done;
	}
	if (dlt_schema_parse_ddl(&schema, a.schema, &err) < 0) {
		rc = err.code == DLT_EINVAL ? cli_where_error(c, "--schema", a.schema, &err)
		                            : cli_fail(c, &err);
		goto done;
	}
	existed = dlt_table_open(&old, a.args[0], NULL, &err) == DLT_OK;
	if (existed) {
		dlt_snapshot *s0 = NULL;
		if (dlt_table_snapshot(&s0, old, -1, &err) == DLT_OK)
			old_version = dlt_snapshot_version(s0);
		dlt_snapshot_free(s0);
	}
	dlt_table_free(old);
	dlt_error_clear(&err);
	co.mode = a.mode < 0 ? DLT_WRITE_ERROR : (dlt_write_mode)a.mode;
	co.partition_by = a.parts;
	co.partition_by_len = a.n_parts;
	co.properties = a.props;
	co.properties_len = a.n_props;
	co.name = a.name;
	co.description = a.description;
	co.column_mapping = (dlt_column_mapping_mode)a.column_mapping;
	if (dlt_table_create(&t, a.args[0], &schema, &co, &err) < 0) {
		if (err.code == DLT_EEXISTS)
			dlt_error_prefix(&err, "--mode error");
		cli_name_table(&err, a.args[0]);
		rc = cli_fail(c, &err);
		goto done;
	}
	if (dlt_table_snapshot(&snap, t, -1, &err) == DLT_OK)
		version = dlt_snapshot_version(snap);
	if (a.json) {
		fputs("{\"table\":", c->out);
		cli_json_string(c->out, a.args[0]);
		fprintf(c->out, ",\"version\":%" PRId64 ",\"created\":%s,\"columns\":%lld}\n",
		        version, version != old_version ? "true" : "false",
		        (long long)schema.n_children);
	} else if (existed && version == old_version) {
		fprintf(c->out, "table %s exists: left as it is (--mode ignore)\n", a.args[0]);
	} else {
		fprintf(c->out, "version %" PRId64 ": %s table %s with %lld %s", version,
		        existed ? "replaced" : "created", a.args[0], (long long)schema.n_children,
		        cli_plural(schema.n_children, "column", "columns"));
		for (size_t i = 0; i < a.n_parts; i++)
			fprintf(c->out, "%s%s", i ? ", " : ", partitioned by ", a.parts[i]);
		fputc('\n', c->out);
	}
	rc = cli_finish_output(c, EXIT_OK);
done:
	if (schema.release)
		schema.release(&schema);
	dlt_snapshot_free(snap);
	dlt_table_free(t);
	wargs_dispose(&a);
	return rc;
}

/* ------------------------------------------------------------- write -- */

/* A growing string. */
typedef struct sbuf {
	char *p;
	size_t n, cap;
	int oom;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) DLT_PRINTF(2, 3);
static void sb_add(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (k < 0) {
			b->oom = 1;
			return;
		}
		if (b->p && b->n + (size_t)k < b->cap) {
			b->n += (size_t)k;
			return;
		}
		size_t cap = (b->cap + (size_t)k + 64) * 2;
		char *q = realloc(b->p, cap);
		if (!q) {
			b->oom = 1;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
}

/* The DDL text of an Arrow type (as dlt_schema_parse_ddl reads it): 0, or -1
 * for a type the DDL cannot say. */
static int ddl_type(sbuf *b, const struct ArrowSchema *s)
{
	const char *f = s->format;

	if (s->dictionary)
		return ddl_type(b, s->dictionary);
	if (!f)
		return -1;
	if (!f[1]) {
		switch (f[0]) {
		case 'b': sb_add(b, "boolean"); return 0;
		case 'c': sb_add(b, "tinyint"); return 0;
		case 's': sb_add(b, "smallint"); return 0;
		case 'i': sb_add(b, "int"); return 0;
		case 'l': sb_add(b, "bigint"); return 0;
		case 'f': sb_add(b, "float"); return 0;
		case 'g': sb_add(b, "double"); return 0;
		case 'u': case 'U': sb_add(b, "string"); return 0;
		case 'z': case 'Z': sb_add(b, "binary"); return 0;
		default: return -1;
		}
	}
	if (strcmp(f, "tdD") == 0) {
		sb_add(b, "date");
		return 0;
	}
	if (f[0] == 't' && f[1] == 's' && f[2] && f[3] == ':') {
		sb_add(b, f[4] ? "timestamp" : "timestamp_ntz");
		return 0;
	}
	if (f[0] == 'd' && f[1] == ':') {
		int p, sc;
		if (sscanf(f + 2, "%d,%d", &p, &sc) != 2)
			return -1;
		sb_add(b, "decimal(%d,%d)", p, sc);
		return 0;
	}
	if ((strcmp(f, "+l") == 0 || strcmp(f, "+L") == 0) && s->n_children == 1) {
		sb_add(b, "array<");
		if (ddl_type(b, s->children[0]) < 0)
			return -1;
		sb_add(b, ">");
		return 0;
	}
	if (strcmp(f, "+m") == 0 && s->n_children == 1 && s->children[0]->n_children == 2) {
		sb_add(b, "map<");
		if (ddl_type(b, s->children[0]->children[0]) < 0)
			return -1;
		sb_add(b, ",");
		if (ddl_type(b, s->children[0]->children[1]) < 0)
			return -1;
		sb_add(b, ">");
		return 0;
	}
	if (strcmp(f, "+s") == 0 && s->n_children > 0) {
		sb_add(b, "struct<");
		for (int64_t i = 0; i < s->n_children; i++) {
			const char *name = s->children[i]->name;
			if (!name || strchr(name, '`'))
				return -1;
			sb_add(b, "%s`%s`: ", i ? ", " : "", name);
			if (ddl_type(b, s->children[i]) < 0)
				return -1;
		}
		sb_add(b, ">");
		return 0;
	}
	return -1;
}

/*
 * The schema to read a text input with, for a write into a table whose
 * columns are `table`: the input's inferred columns, each of the table's type
 * when the table has a column of that name (all nullable: NOT NULL is the
 * write's to check, naming the row). 1 with *out filled when it differs from
 * the inferred one; 0 when the inferred one will do (or cannot be restated).
 */
static int table_typed_schema(struct ArrowSchema *out, const struct ArrowSchema *inferred,
                              const struct ArrowSchema *table)
{
	sbuf all = { NULL, 0, 0, 0 }, t1 = { NULL, 0, 0, 0 }, t2 = { NULL, 0, 0, 0 };
	dlt_error err;
	int changed = 0, ok = 1;

	for (int64_t i = 0; ok && i < inferred->n_children; i++) {
		const struct ArrowSchema *col = inferred->children[i];
		int j = col->name ? cli_arrow_child(table, col->name) : -1;

		t1.n = t2.n = 0;
		if (!col->name || strchr(col->name, '`')) {
			ok = 0;
			break;
		}
		if (ddl_type(&t1, col) < 0) { /* e.g. a column of nulls only */
			if (j < 0) {
				ok = 0;
				break;
			}
			t1.n = 0;
			sb_add(&t1, "?");
		}
		if (j >= 0 && ddl_type(&t2, table->children[j]) == 0 && !t2.oom && !t1.oom &&
		    strcmp(t1.p, t2.p) != 0) {
			changed = 1;
			sb_add(&all, "%s`%s` %s", i ? ", " : "", col->name, t2.p);
		} else {
			sb_add(&all, "%s`%s` %s", i ? ", " : "", col->name, t1.p);
		}
	}
	dlt_error_clear(&err);
	if (ok && changed && !all.oom && all.p && dlt_schema_parse_ddl(out, all.p, &err) < 0)
		ok = 0;
	free(all.p);
	free(t1.p);
	free(t2.p);
	return ok && changed;
}

/* Open INPUT as a stream; `schema` (may be NULL) fixes the types of text input. */
static int open_input(struct ArrowArrayStream *out, dlt_parquet_file **pq, const char *path,
                      cli_format fmt, cli_text_opts *t, const struct ArrowSchema *schema,
                      dlt_error *err)
{
	dlt_input *in = NULL;
	void *mem = NULL;
	int rc;

	if (fmt == FMT_PARQUET || !schema) {
		dlt_parquet_read_options po = DLT_PARQUET_READ_OPTIONS_INIT;
		rc = cli_open_reader(out, pq, &mem, path, fmt, t, &po, err);
		free(mem); /* only for stdin, which we spooled to a file: never set */
		return rc;
	}
	*pq = NULL;
	if ((rc = dlt_input_open_file(&in, path, err)) < 0)
		return rc;
	if (fmt == FMT_CSV) {
		dlt_csv_read_options o = DLT_CSV_READ_OPTIONS_INIT;
		o.delimiter = t->delimiter;
		o.has_header = t->header;
		o.schema = schema;
		if (t->null_value) {
			t->nulls[0] = t->null_value;
			o.null_values = t->nulls;
			o.n_null_values = 1;
		}
		rc = dlt_csv_read(out, in, &o, err);
	} else {
		dlt_ndjson_read_options o = DLT_NDJSON_READ_OPTIONS_INIT;
		o.schema = schema;
		rc = dlt_ndjson_read(out, in, &o, err);
	}
	if (rc < 0 && !strstr(err->message, path))
		dlt_error_prefix(err, "%s", path);
	return rc;
}

/* Standard input that is not a file, copied to a temporary file (text input
 * may be read twice: once to infer types, once as the table's types). */
static int spool_stdin(cli_ctx *c, char *path, size_t cap)
{
	const char *dir = getenv("TMPDIR");
	char buf[1 << 16];
	struct stat st;
	int fd;

	if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode)) {
		path[0] = '\0';
		return 0;
	}
	snprintf(path, cap, "%s/deltalite-stdin-XXXXXX", dir && *dir ? dir : "/tmp");
	if ((fd = mkstemp(path)) < 0)
		return cli_failf(c, "temporary file for standard input (%s): %s", path,
		                 strerror(errno));
	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf, sizeof(buf)), w = 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			unlink(path);
			return cli_failf(c, "reading standard input: %s", strerror(errno));
		}
		if (n == 0)
			break;
		while (w < n) {
			ssize_t k = write(fd, buf + w, (size_t)(n - w));
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				close(fd);
				unlink(path);
				return cli_failf(c, "copying standard input to %s: %s", path,
				                 strerror(errno));
			}
			w += k;
		}
	}
	close(fd);
	return 0;
}

static const char *mode_name(int mode)
{
	switch (mode) {
	case DLT_WRITE_OVERWRITE: return "overwrite";
	case DLT_WRITE_ERROR: return "error";
	case DLT_WRITE_IGNORE: return "ignore";
	default: return "append";
	}
}

void cli_print_write_metrics(cli_ctx *c, const dlt_write_metrics *m)
{
	char ba[32], br[32];

	cli_human_bytes(ba, sizeof(ba), m->bytes_added);
	cli_human_bytes(br, sizeof(br), m->bytes_removed);
	fprintf(c->out, "  rows written   %" PRId64 "\n", m->rows_written);
	if (m->rows_copied)
		fprintf(c->out, "  rows copied    %" PRId64 "\n", m->rows_copied);
	fprintf(c->out, "  files added    %" PRId64 " (%s)\n", m->files_added, ba);
	fprintf(c->out, "  files removed  %" PRId64 " (%s)\n", m->files_removed, br);
}

int cmd_write(cli_ctx *c, int argc, char **argv)
{
	dlt_write_options wo = DLT_WRITE_OPTIONS_INIT;
	dlt_write_metrics m;
	struct ArrowArrayStream st;
	struct ArrowSchema tschema, inferred, typed;
	dlt_parquet_file *pq = NULL;
	dlt_table *t = NULL;
	dlt_snapshot *snap = NULL;
	dlt_error err;
	wargs a;
	int rc, created = 0;
	int64_t version = -1;
	char spool[4096] = "";
	const char *table, *input;

	if (start(c, argc, argv, write_opts, write_help, &a, &rc))
		return rc;
	memset(&st, 0, sizeof(st));
	memset(&tschema, 0, sizeof(tschema));
	memset(&inferred, 0, sizeof(inferred));
	memset(&typed, 0, sizeof(typed));
	memset(&m, 0, sizeof(m));
	dlt_error_clear(&err);
	if (a.n_args != 2) {
		rc = a.n_args < 2 ? cli_usage(c, "expected TABLE and INPUT (a CSV, JSON lines or "
		                              "Parquet file, or - for standard input)")
		                  : cli_usage(c, "too many arguments: '%s' (expected TABLE INPUT)",
		                              a.args[2]);
		goto done;
	}
	table = a.args[0];
	input = a.args[1];
	if (a.where) {
		if (a.mode_set && a.mode != DLT_WRITE_OVERWRITE) {
			rc = cli_usage(c, "--where replaces the rows it selects: it needs --mode "
			               "overwrite (the default with --where), not %s", mode_name(a.mode));
			goto done;
		}
		a.mode = DLT_WRITE_OVERWRITE;
		if ((rc = cli_check_predicate(c, "--where", a.where)) != 0)
			goto done;
	}
	if (a.mode < 0)
		a.mode = DLT_WRITE_APPEND;
	if (a.schema_mode == DLT_SCHEMA_OVERWRITE && a.mode != DLT_WRITE_OVERWRITE) {
		rc = cli_usage(c, "--schema-mode overwrite needs --mode overwrite");
		goto done;
	}
	if (!a.fmt)
		a.fmt = cli_format_from_path(input);
	if (!a.fmt) {
		rc = strcmp(input, "-") == 0
		             ? cli_usage(c, "standard input: say its format with --format csv, jsonl "
		                         "or parquet")
		             : cli_usage(c, "%s: unknown format (name it .csv, .jsonl or .parquet, or "
		                         "use --format)", input);
		goto done;
	}
	if (strcmp(input, "-") == 0) {
		if ((rc = spool_stdin(c, spool, sizeof(spool))) != 0)
			goto done;
		if (spool[0])
			input = spool;
	}

	/* The table, or none yet. */
	if (dlt_table_open(&t, table, NULL, &err) < 0) {
		if (err.code != DLT_ENOTFOUND) {
			cli_name_table(&err, table);
			rc = cli_fail(c, &err);
			goto done;
		}
		t = NULL;
		dlt_error_clear(&err);
	} else if (dlt_table_snapshot(&snap, t, -1, &err) < 0 ||
	           dlt_snapshot_schema(&tschema, snap, &err) < 0) {
		cli_name_table(&err, table);
		rc = cli_fail(c, &err);
		goto done;
	}

	if ((rc = open_input(&st, &pq, input, a.fmt, &a.text, NULL, &err)) < 0)
		goto fail;
	if (tschema.release && a.fmt != FMT_PARQUET) {
		/* Read the text as the table's types where the columns are the table's. */
		if (st.get_schema(&st, &inferred) != 0) {
			rc = cli_failf(c, "%s: %s", a.args[1], st.get_last_error(&st));
			goto done;
		}
		if (table_typed_schema(&typed, &inferred, &tschema)) {
			st.release(&st);
			memset(&st, 0, sizeof(st));
			if ((rc = open_input(&st, &pq, input, a.fmt, &a.text, &typed, &err)) < 0)
				goto fail;
		}
	}
	if (!t) {
		/* A new table: the input's columns. */
		dlt_create_options co = DLT_CREATE_OPTIONS_INIT;
		struct ArrowSchema s;

		if (st.get_schema(&st, &s) != 0) {
			rc = cli_failf(c, "%s: %s", a.args[1], st.get_last_error(&st));
			goto done;
		}
		co.partition_by = a.parts;
		co.partition_by_len = a.n_parts;
		rc = dlt_table_create(&t, table, &s, &co, &err);
		s.release(&s);
		if (rc < 0) {
			cli_name_table(&err, table);
			goto fail;
		}
		created = 1;
	}

	wo.mode = (dlt_write_mode)a.mode;
	wo.partition_by = a.parts;
	wo.partition_by_len = a.n_parts;
	if (a.codec_set)
		wo.codec = a.codec;
	wo.replace_where = a.where;
	wo.schema_mode = (dlt_schema_mode)a.schema_mode;
	wo.target_file_size = a.target_size;
	wo.metrics = &m;
	rc = dlt_table_write(&version, t, &st, &wo, &err);
	memset(&st, 0, sizeof(st)); /* consumed */
	if (rc < 0) {
		if (created) {
			/* Leave no table behind: the location held none before. */
			dlt_storage *s = dlt_table_storage(t);
			dlt_error e2;
			dlt_error_clear(&e2);
			dlt_storage_delete(s, "_delta_log/00000000000000000000.crc", &e2);
			dlt_storage_delete(s, "_delta_log/00000000000000000000.json", &e2);
		}
		if (a.where && err.code == DLT_ESCHEMA && !strstr(err.message, "--where") &&
		    strstr(err.message, "replace"))
			dlt_error_prefix(&err, "--where %s", a.where);
		cli_name_table(&err, table);
		goto fail;
	}
	if (a.json) {
		fputs("{\"table\":", c->out);
		cli_json_string(c->out, table);
		fprintf(c->out, ",\"version\":%" PRId64 ",\"created\":%s,\"mode\":\"%s\","
		        "\"rows_written\":%" PRId64 ",\"rows_copied\":%" PRId64
		        ",\"files_added\":%" PRId64 ",\"files_removed\":%" PRId64
		        ",\"bytes_added\":%" PRId64 ",\"bytes_removed\":%" PRId64
		        ",\"duration_ms\":%" PRId64 "}\n",
		        version, created ? "true" : "false", mode_name(a.mode), m.rows_written,
		        m.rows_copied, m.files_added, m.files_removed, m.bytes_added,
		        m.bytes_removed, m.duration_ms);
	} else if (version < 0) {
		fprintf(c->out, "nothing written: table %s already has data (--mode ignore)\n", table);
	} else {
		if (created)
			fprintf(c->out, "version 0: created table %s\n", table);
		fprintf(c->out, "version %" PRId64 ": %s%s%s\n", version,
		        a.mode == DLT_WRITE_OVERWRITE ? "overwrite" : "append",
		        a.where ? " where " : "", a.where ? a.where : "");
		cli_print_write_metrics(c, &m);
	}
	rc = cli_finish_output(c, EXIT_OK);
	goto done;
fail:
	rc = cli_fail(c, &err);
done:
	if (st.release)
		st.release(&st);
	dlt_parquet_file_free(pq);
	if (tschema.release)
		tschema.release(&tschema);
	if (inferred.release)
		inferred.release(&inferred);
	if (typed.release)
		typed.release(&typed);
	dlt_snapshot_free(snap);
	dlt_table_free(t);
	if (spool[0])
		unlink(spool);
	wargs_dispose(&a);
	return rc;
}

/* -------------------------------------------------------- checkpoint -- */

int cmd_checkpoint(cli_ctx *c, int argc, char **argv)
{
	dlt_checkpoint_options co = DLT_CHECKPOINT_OPTIONS_INIT;
	dlt_table *t = NULL;
	dlt_error err;
	wargs a;
	int rc;
	int64_t version = -1;

	if (start(c, argc, argv, checkpoint_opts, checkpoint_help, &a, &rc))
		return rc;
	dlt_error_clear(&err);
	if (a.n_args > 1) {
		rc = cli_usage(c, "too many arguments: '%s' (expected one TABLE)", a.args[1]);
		goto done;
	}
	if ((rc = cli_open_table(c, a.args[0], &t)) != 0)
		goto done;
	co.table_version = a.at.version;
	if (dlt_table_checkpoint(&version, t, &co, &err) < 0) {
		cli_name_table(&err, a.args[0]);
		rc = cli_fail(c, &err);
		goto done;
	}
	if (a.json) {
		fputs("{\"table\":", c->out);
		cli_json_string(c->out, a.args[0]);
		fprintf(c->out, ",\"version\":%" PRId64 "}\n", version);
	} else {
		fprintf(c->out, "checkpoint written for version %" PRId64 "\n", version);
	}
	rc = cli_finish_output(c, EXIT_OK);
done:
	dlt_table_free(t);
	wargs_dispose(&a);
	return rc;
}

/* ------------------------------------------------------------ vacuum -- */

int cmd_vacuum(cli_ctx *c, int argc, char **argv)
{
	dlt_vacuum_options vo = DLT_VACUUM_OPTIONS_INIT;
	dlt_vacuum_result *r = NULL;
	dlt_table *t = NULL;
	dlt_error err;
	wargs a;
	int rc;
	char sz[32];

	if (start(c, argc, argv, vacuum_opts, vacuum_help, &a, &rc))
		return rc;
	dlt_error_clear(&err);
	if (a.n_args > 1) {
		rc = cli_usage(c, "too many arguments: '%s' (expected one TABLE)", a.args[1]);
		goto done;
	}
	if ((rc = cli_open_table(c, a.args[0], &t)) != 0)
		goto done;
	vo.retention_hours = a.retain_hours;
	vo.enforce_retention = !a.no_enforce;
	vo.dry_run = a.dry_run;
	if (dlt_table_vacuum(&r, t, &vo, &err) < 0) {
		char *p = strstr(err.message, "set enforce_retention = 0 to override");
		if (p)
			snprintf(p, sizeof(err.message) - (size_t)(p - err.message),
			         "pass --no-enforce-retention to override");
		cli_name_table(&err, a.args[0]);
		rc = cli_fail(c, &err);
		goto done;
	}
	int64_t n = dlt_vacuum_result_num_files(r);
	cli_human_bytes(sz, sizeof(sz), dlt_vacuum_result_bytes(r));
	if (a.json) {
		fputs("{\"table\":", c->out);
		cli_json_string(c->out, a.args[0]);
		fprintf(c->out, ",\"dry_run\":%s,\"num_files\":%" PRId64 ",\"bytes\":%" PRId64
		        ",\"files\":[", a.dry_run ? "true" : "false", n, dlt_vacuum_result_bytes(r));
		for (int64_t i = 0; i < n; i++) {
			if (i)
				fputc(',', c->out);
			cli_json_string(c->out, dlt_vacuum_result_path(r, i));
		}
		fputs("]}\n", c->out);
	} else {
		fprintf(c->out, "%s %" PRId64 " %s (%s)%s\n", a.dry_run ? "would delete" : "deleted",
		        n, cli_plural(n, "file", "files"), sz, n ? ":" : "");
		for (int64_t i = 0; i < n; i++)
			fprintf(c->out, "  %s\n", dlt_vacuum_result_path(r, i));
	}
	rc = cli_finish_output(c, EXIT_OK);
done:
	dlt_vacuum_result_free(r);
	dlt_table_free(t);
	wargs_dispose(&a);
	return rc;
}

/* ----------------------------------------------------------- restore -- */

/* Integer value of "key": 123 or "key":"123" in JSON text; -1 when absent. */
static int64_t json_metric(const char *json, size_t len, const char *key)
{
	char pat[128];
	const char *p, *end = json + len;
	size_t kl;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	kl = strlen(pat);
	for (p = json; p && p + kl <= end; p++) {
		if (memcmp(p, pat, kl) == 0) {
			p += kl;
			while (p < end && (*p == ' ' || *p == '"'))
				p++;
			return p < end && *p >= '0' && *p <= '9' ? strtoll(p, NULL, 10) : -1;
		}
	}
	return -1;
}

/* The commitInfo text of the newest commit (malloc'd; NULL if unavailable). */
static char *latest_commit_info(dlt_table *t)
{
	struct ArrowArrayStream st;
	struct ArrowSchema s;
	struct ArrowArray arr;
	dlt_error err;
	char *out = NULL;
	int ci;

	dlt_error_clear(&err);
	if (dlt_table_history(&st, t, 1, &err) < 0)
		return NULL;
	if (st.get_schema(&st, &s) == 0) {
		ci = cli_arrow_child(&s, "commit_info");
		if (ci >= 0 && st.get_next(&st, &arr) == 0 && arr.release) {
			size_t n;
			const char *p = arr.length > 0
			                        ? cli_arrow_str(s.children[ci], arr.children[ci], 0, &n)
			                        : NULL;
			if (p && (out = malloc(n + 1)) != NULL) {
				memcpy(out, p, n);
				out[n] = '\0';
			}
			arr.release(&arr);
		}
		s.release(&s);
	}
	st.release(&st);
	return out;
}

int cmd_restore(cli_ctx *c, int argc, char **argv)
{
	static const char *const keys[] = { "numRestoredFiles", "numRemovedFiles",
		                            "numOfFilesAfterRestore", "restoredFilesSize",
		                            "removedFilesSize", "tableSizeAfterRestore" };
	dlt_restore_options ro = DLT_RESTORE_OPTIONS_INIT;
	dlt_table *t = NULL;
	dlt_error err;
	wargs a;
	int rc;
	int64_t version = -1, v[6];
	char *info = NULL, ts[40];

	if (start(c, argc, argv, restore_opts, restore_help, &a, &rc))
		return rc;
	dlt_error_clear(&err);
	if (a.n_args > 1) {
		rc = cli_usage(c, "too many arguments: '%s' (expected one TABLE)", a.args[1]);
		goto done;
	}
	if (a.at.version < 0 && !a.at.by_timestamp) {
		rc = cli_usage(c, "expected --version N or --timestamp T (the version to restore)");
		goto done;
	}
	if ((rc = cli_open_table(c, a.args[0], &t)) != 0)
		goto done;
	ro.table_version = a.at.by_timestamp ? -1 : a.at.version;
	ro.timestamp_ms = a.at.by_timestamp ? a.at.timestamp_ms : -1;
	if (dlt_table_restore(&version, t, &ro, &err) < 0) {
		if (a.at.by_timestamp && err.code == DLT_ENOTFOUND && !strstr(err.message, "no version")) {
			cli_format_timestamp(ts, sizeof(ts), a.at.timestamp_ms);
			dlt_error_prefix(&err, "no version at or before %s", ts);
		}
		cli_name_table(&err, a.args[0]);
		rc = cli_fail(c, &err);
		goto done;
	}
	info = latest_commit_info(t);
	for (int i = 0; i < 6; i++)
		v[i] = info ? json_metric(info, strlen(info), keys[i]) : -1;
	if (a.json) {
		fputs("{\"table\":", c->out);
		cli_json_string(c->out, a.args[0]);
		fprintf(c->out, ",\"version\":%" PRId64, version);
		if (a.at.by_timestamp)
			fprintf(c->out, ",\"restored_timestamp\":%" PRId64, a.at.timestamp_ms);
		else
			fprintf(c->out, ",\"restored_version\":%" PRId64, a.at.version);
		for (int i = 0; i < 6; i++)
			fprintf(c->out, ",\"%s\":%" PRId64, keys[i], v[i]);
		fputs("}\n", c->out);
	} else {
		char b1[32], b2[32];
		if (a.at.by_timestamp) {
			cli_format_timestamp(ts, sizeof(ts), a.at.timestamp_ms);
			fprintf(c->out, "version %" PRId64 ": restored the table as of %s\n", version, ts);
		} else {
			fprintf(c->out, "version %" PRId64 ": restored version %" PRId64 "\n", version,
			        a.at.version);
		}
		cli_human_bytes(b1, sizeof(b1), v[3] < 0 ? 0 : v[3]);
		cli_human_bytes(b2, sizeof(b2), v[4] < 0 ? 0 : v[4]);
		fprintf(c->out, "  files restored %" PRId64 " (%s)\n", v[0], b1);
		fprintf(c->out, "  files removed  %" PRId64 " (%s)\n", v[1], b2);
		fprintf(c->out, "  files now      %" PRId64 "\n", v[2]);
	}
	rc = cli_finish_output(c, EXIT_OK);
done:
	free(info);
	dlt_table_free(t);
	wargs_dispose(&a);
	return rc;
}

/* ---------------------------------------------------- set-properties -- */

int cmd_set_properties(cli_ctx *c, int argc, char **argv)
{
	dlt_table *t = NULL;
	dlt_error err;
	wargs a;
	int rc;
	int64_t vset = -1, vunset = -1;

	if (start(c, argc, argv, setprop_opts, setprop_help, &a, &rc))
		return rc;
	dlt_error_clear(&err);
	for (size_t i = 1; i < a.n_args; i++)
		if ((rc = add_property(c, &a, a.args[i])) != 0)
			goto done;
	if (a.n_props == 0 && a.n_unset == 0) {
		rc = cli_usage(c, "expected KEY=VALUE properties to set, or --unset KEY");
		goto done;
	}
	if ((rc = cli_open_table(c, a.args[0], &t)) != 0)
		goto done;
	if (a.n_props && dlt_table_set_properties(&vset, t, a.props, a.n_props, &err) < 0) {
		cli_name_table(&err, a.args[0]);
		rc = cli_fail(c, &err);
		goto done;
	}
	if (a.n_unset &&
	    dlt_table_unset_properties(&vunset, t, a.unset, a.n_unset, a.if_exists, &err) < 0) {
		cli_name_table(&err, a.args[0]);
		rc = cli_fail(c, &err);
		goto done;
	}
	if (a.json) {
		fputs("{\"table\":", c->out);
		cli_json_string(c->out, a.args[0]);
		fprintf(c->out, ",\"version\":%" PRId64 ",\"set\":{", vunset >= 0 ? vunset : vset);
		for (size_t i = 0; i < a.n_props; i++) {
			if (i)
				fputc(',', c->out);
			cli_json_string(c->out, a.props[i].key);
			fputc(':', c->out);
			cli_json_string(c->out, a.props[i].value);
		}
		fputs("},\"unset\":[", c->out);
		for (size_t i = 0; i < a.n_unset; i++) {
			if (i)
				fputc(',', c->out);
			cli_json_string(c->out, a.unset[i]);
		}
		fputs("]}\n", c->out);
	} else {
		for (size_t i = 0; i < a.n_props; i++)
			fprintf(c->out, "version %" PRId64 ": set %s = %s\n", vset, a.props[i].key,
			        a.props[i].value);
		for (size_t i = 0; i < a.n_unset; i++)
			fprintf(c->out, "version %" PRId64 ": unset %s\n", vunset, a.unset[i]);
	}
	rc = cli_finish_output(c, EXIT_OK);
done:
	dlt_table_free(t);
	wargs_dispose(&a);
	return rc;
}
