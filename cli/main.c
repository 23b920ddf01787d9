/*
 * deltalite - the command-line tool of libdeltalite.
 *
 *   deltalite <command> [options] <arguments>
 *
 * Exit status: 0 success, 1 failure ("deltalite: <message>" on stderr),
 * 2 usage error. Machine-readable output with --json where it applies;
 * progress goes to stderr, and only when stderr is a terminal.
 */
#include "cli.h"
#include "cmd_table.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static const char main_help[] =
	"deltalite - Delta Lake and Parquet from the command line\n"
	"\n"
	"Usage: deltalite <command> [options] <arguments>\n"
	"       deltalite <command> --help     how one command works, with examples\n"
	"\n"
	"Commands:\n"
	"  inspect TABLE           a Delta table: version, protocol, schema, partitioning,\n"
	"                          properties, file count, size, rows\n"
	"  files TABLE             the data files of a table version, with their stats\n"
	"  history TABLE           the commits of a table, newest first\n"
	"  scan TABLE              the rows of a table version (--where, --columns,\n"
	"                          --version / --timestamp) as JSON lines, CSV or Parquet\n"
	"  changes TABLE --from V  the change data feed between two versions\n"
	"  create TABLE --schema S create an empty table (columns, partitioning, properties)\n"
	"  write TABLE INPUT       append (or overwrite) rows from CSV, JSON lines or Parquet;\n"
	"                          creates the table when there is none\n"
	"  checkpoint TABLE        write a checkpoint of the log\n"
	"  vacuum TABLE            delete data files no longer used (--dry-run lists them)\n"
	"  restore TABLE           make an older version current again (--version N)\n"
	"  set-properties TABLE    set or unset table properties (K=V..., --unset K)\n"
	"  delete TABLE            delete the rows matching --where (deletion vectors or\n"
	"                          copy-on-write)\n"
	"  update TABLE --set S    set columns of the rows matching --where\n"
	"  merge TABLE SOURCE      upsert a CSV/JSON lines/Parquet file or another table\n"
	"                          (--on, --when-matched-update-all, ...)\n"
	"  optimize TABLE          compact small files, or Z-order them (--zorder)\n"
	"  convert IN OUT          convert between CSV, JSON lines and Parquet\n"
	"  parquet schema FILE     the Parquet schema of a file and its Arrow schema\n"
	"  parquet meta FILE       row groups, column chunks, encodings, codecs, statistics\n"
	"  parquet cat FILE        print rows as JSON lines or CSV\n"
	"  parquet write IN OUT    write CSV, JSON lines or Parquet as Parquet, with control\n"
	"                          over codec, row groups, pages and encodings\n"
	"\n"
	"Options:\n"
	"  -h, --help              show this help\n"
	"  --version               print the version of deltalite\n"
	"\n"
	"A file name of '-' means standard input or output. Exit status: 0 on success,\n"
	"1 when the work failed (the reason is on stderr), 2 for a usage error.\n"
	"\n"
	"A TABLE is a directory holding _delta_log/, or a file:// URI.\n"
	"\n"
	"Examples:\n"
	"  deltalite write ./events events.csv\n"
	"  deltalite inspect ./events\n"
	"  deltalite scan ./events --where \"country = 'FR'\" --version 3 --limit 10\n"
	"  deltalite convert trips.csv trips.parquet\n"
	"  deltalite parquet cat trips.parquet --columns city,fare --limit 5\n"
	"  deltalite parquet meta --json trips.parquet | jq .num_rows\n";

static const struct {
	const char *name;
	cli_cmd_fn fn;
} commands[] = {
	{ "convert", cmd_convert },
	{ "parquet", cmd_parquet },
	{ "inspect", cmd_inspect },
	{ "files", cmd_files },
	{ "history", cmd_history },
	{ "scan", cmd_scan },
	{ "changes", cmd_changes },
	{ "create", cmd_create },
	{ "write", cmd_write },
	{ "checkpoint", cmd_checkpoint },
	{ "vacuum", cmd_vacuum },
	{ "restore", cmd_restore },
	{ "set-properties", cmd_set_properties },
	{ "delete", cmd_delete },
	{ "update", cmd_update },
	{ "merge", cmd_merge },
	{ "optimize", cmd_optimize },
};

int main(int argc, char **argv)
{
	cli_ctx c;

	/* A closed pipe (deltalite ... | head) ends output quietly with an error
	 * from write() instead of killing the process mid-file. */
	signal(SIGPIPE, SIG_IGN);
	memset(&c, 0, sizeof(c));
	c.out = stdout;
	c.err = stderr;
	c.progress = isatty(STDERR_FILENO);

	if (argc < 2)
		return cli_usage(&c, "no command given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			/* "deltalite help convert" is "deltalite convert --help". */
			char *sub[4] = { argv[2], argc > 3 ? argv[3] : "--help", "--help", NULL };
			for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
				if (strcmp(commands[i].name, argv[2]) == 0) {
					c.cmd = commands[i].name;
					return commands[i].fn(&c, argc > 3 ? 3 : 2, sub);
				}
			return cli_usage(&c, "unknown command '%s'", argv[2]);
		}
		return cli_help(&c, main_help);
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		fprintf(c.out, "deltalite %s\n", dlt_version_string());
		return cli_finish_output(&c, EXIT_OK);
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, argv[1]) == 0) {
			c.cmd = commands[i].name;
			return commands[i].fn(&c, argc - 1, argv + 1);
		}
	if (argv[1][0] == '-')
		return cli_usage(&c, "unknown option '%s' (a command comes first)", argv[1]);
	return cli_usage(&c, "unknown command '%s'", argv[1]);
}
