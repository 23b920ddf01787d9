/*
 * deltalite delete TABLE / deltalite update TABLE: DELETE and UPDATE in one
 * commit each (deltalite/dml.h); MERGE is in cli/cmd_merge.c.
 */
#include "cli.h"
#include "cmd_table.h"
#include "deltalite/dml.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char delete_help[] =
	"Usage: deltalite delete [options] TABLE [--where PRED]\n"
	"\n"
	"Delete the rows of TABLE that match PRED (every row without --where) in one\n"
	"commit. Only files that may hold matching rows are read (partition values and\n"
	"statistics prune the others). Rows for which PRED is NULL are kept. The data\n"
	"files of older versions stay until VACUUM, so time travel still sees the rows.\n"
	"\n"
	"Options:\n"
	"  --where PRED            the rows to delete, e.g. \"day < DATE '2024-01-01'\"\n"
	"  --deletion-vectors M    on: mark the rows deleted in deletion vectors (the\n"
	"                          table must support them); off: rewrite the files\n"
	"                          without the rows (copy-on-write); table (default):\n"
	"                          as delta.enableDeletionVectors says\n"
	"  --json                  print the metrics as one JSON object\n"
	"  -h, --help              show this help\n"
	"\n"
	"Examples:\n"
	"  deltalite delete ./events --where \"country = 'FR' AND ts < '2024-01-01'\"\n"
	"  deltalite delete ./events --where \"id IN (3, 5, 8)\" --deletion-vectors on\n"
	"  deltalite delete ./scratch\n";

static const char update_help[] =
	"Usage: deltalite update [options] TABLE --set \"COL = EXPR, ...\" [--where PRED]\n"
	"\n"
	"Set columns of the rows of TABLE that match PRED (every row without --where)\n"
	"in one commit. Each EXPR is computed from the row's current values and cast to\n"
	"the column's type; updated rows are checked against NOT NULL columns and CHECK\n"
	"constraints (a violation fails and changes nothing).\n"
	"\n"
	"Options:\n"
	"  --set ASSIGNMENTS       e.g. \"qty = qty + 1, note = 'x', `odd name` = NULL\"\n"
	"                          (a leading SET is accepted)\n"
	"  --where PRED            the rows to update\n"
	"  --deletion-vectors M    on | off | table (default), as for deltalite delete:\n"
	"                          on marks the old rows deleted and writes only the\n"
	"                          updated rows; off rewrites whole files\n"
	"  --json                  print the metrics as one JSON object\n"
	"  -h, --help              show this help\n"
	"\n"
	"Examples:\n"
	"  deltalite update ./stock --set \"qty = qty - 1\" --where \"sku = 'A-17'\"\n"
	"  deltalite update ./users --set \"email = lower(email), updated = 1\"\n";

enum { D_HELP = 1, D_WHERE, D_SET, D_DV, D_JSON };

static const opt_def dml_opts[] = {
	{ "where", 0, 1, D_WHERE },
	{ "set", 0, 1, D_SET },
	{ "deletion-vectors", 0, 1, D_DV },
	{ "json", 0, 0, D_JSON },
	{ "help", 'h', 0, D_HELP },
	{ NULL, 0, 0, 0 }
};

int cli_parse_dv(cli_ctx *c, const char *v, int *dv)
{
	if (strcmp(v, "on") == 0)
		*dv = 1;
	else if (strcmp(v, "off") == 0)
		*dv = 0;
	else if (strcmp(v, "table") == 0)
		*dv = -1;
	else
		return cli_usage(c, "--deletion-vectors: expected on, off or table, got '%s'", v);
	return 0;
}

void cli_json_kv(FILE *out, const char *k, int64_t v, int *first)
{
	fprintf(out, "%s\"%s\":%" PRId64, *first ? "" : ",", k, v);
	*first = 0;
}

/* "SET a = 1" or "a = 1": the assignments. */
const char *cli_skip_set(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if ((s[0] == 's' || s[0] == 'S') && (s[1] == 'e' || s[1] == 'E') &&
	    (s[2] == 't' || s[2] == 'T') && (s[3] == ' ' || s[3] == '\t' || s[3] == '\n'))
		s += 4;
	return s;
}

static void print_metrics(cli_ctx *c, int is_update, const dlt_dml_metrics *m, int json)
{
	if (json) {
		int first = 1;
		fputs("{", c->out);
		cli_json_kv(c->out, "version", m->version, &first);
		cli_json_kv(c->out, is_update ? "num_updated_rows" : "num_deleted_rows",
		            is_update ? m->num_updated_rows : m->num_deleted_rows, &first);
		cli_json_kv(c->out, "num_copied_rows", m->num_copied_rows, &first);
		cli_json_kv(c->out, "num_added_files", m->num_added_files, &first);
		cli_json_kv(c->out, "num_removed_files", m->num_removed_files, &first);
		cli_json_kv(c->out, "num_added_change_files", m->num_added_change_files, &first);
		cli_json_kv(c->out, "num_deletion_vectors_added", m->num_deletion_vectors_added,
		            &first);
		cli_json_kv(c->out, "num_deletion_vectors_removed", m->num_deletion_vectors_removed,
		            &first);
		cli_json_kv(c->out, "num_deletion_vectors_updated", m->num_deletion_vectors_updated,
		            &first);
		cli_json_kv(c->out, "num_added_bytes", m->num_added_bytes, &first);
		cli_json_kv(c->out, "num_removed_bytes", m->num_removed_bytes, &first);
		cli_json_kv(c->out, "num_files_scanned", m->num_files_scanned, &first);
		cli_json_kv(c->out, "num_files_skipped", m->num_files_skipped, &first);
		cli_json_kv(c->out, "scan_time_ms", m->scan_time_ms, &first);
		cli_json_kv(c->out, "rewrite_time_ms", m->rewrite_time_ms, &first);
		cli_json_kv(c->out, "execution_time_ms", m->execution_time_ms, &first);
		fputs("}\n", c->out);
		return;
	}
	if (m->version < 0) {
		fprintf(c->out, "nothing changed: no row matched\n");
		return;
	}
	char ba[32], br[32];
	int64_t dvs = m->num_deletion_vectors_added + m->num_deletion_vectors_updated;
	cli_human_bytes(ba, sizeof(ba), m->num_added_bytes);
	cli_human_bytes(br, sizeof(br), m->num_removed_bytes);
	fprintf(c->out, "version %" PRId64 ": %s\n", m->version, is_update ? "update" : "delete");
	if (is_update)
		fprintf(c->out, "  rows updated   %" PRId64 "\n", m->num_updated_rows);
	else
		fprintf(c->out, "  rows deleted   %" PRId64 "\n", m->num_deleted_rows);
	fprintf(c->out, "  rows copied    %" PRId64 "\n", m->num_copied_rows);
	fprintf(c->out, "  files added    %" PRId64 " (%s)\n", m->num_added_files, ba);
	fprintf(c->out, "  files removed  %" PRId64 " (%s)\n", m->num_removed_files, br);
	fprintf(c->out, "  files scanned  %" PRId64 ", skipped %" PRId64 "\n",
	        m->num_files_scanned, m->num_files_skipped);
	if (dvs)
		fprintf(c->out, "  deletion vectors %" PRId64 "\n", dvs);
	if (m->num_added_change_files)
		fprintf(c->out, "  change files   %" PRId64 "\n", m->num_added_change_files);
}

static int run_dml(cli_ctx *c, int argc, char **argv, int is_update)
{
	dlt_dml_options o = DLT_DML_OPTIONS_INIT;
	dlt_dml_metrics m;
	const char *table = NULL, *where = NULL, *set = NULL, *v;
	int json = 0, rc = 0, id;
	opt_parser p;
	dlt_table *t = NULL;
	dlt_error err;

	memset(&m, 0, sizeof(m));
	dlt_error_clear(&err);
	opt_init(&p, dml_opts, argc, argv, 1);
	while (rc == 0 && (id = opt_next(&p, &v)) != OPT_END) {
		switch (id) {
		case OPT_ERROR: rc = cli_opt_error(c, &p); break;
		case OPT_ARG:
			if (table)
				rc = cli_usage(c, "too many arguments: '%s' (expected one TABLE)", v);
			table = v;
			break;
		case D_HELP: return cli_help(c, is_update ? update_help : delete_help);
		case D_WHERE:
			where = v;
			rc = cli_check_predicate(c, "--where", v);
			break;
		case D_SET:
			if (!is_update)
				rc = cli_usage(c, "--set is an option of deltalite update");
			set = cli_skip_set(v);
			break;
		case D_DV: rc = cli_parse_dv(c, v, &o.use_deletion_vectors); break;
		case D_JSON: json = 1; break;
		default: rc = cli_usage(c, "internal: unhandled option"); break;
		}
	}
	if (rc == 0 && !table)
		rc = cli_usage(c, "expected a TABLE (a directory or file:// URI)");
	if (rc == 0 && is_update && (!set || !*set))
		rc = cli_usage(c, "expected --set \"COL = EXPR, ...\"");
	if (rc != 0 || (rc = cli_open_table(c, table, &t)) != 0)
		goto done;
	if ((is_update ? dlt_table_update(&m, t, set, where, &o, &err)
	               : dlt_table_delete(&m, t, where, &o, &err)) < 0) {
		cli_name_table(&err, table);
		rc = cli_fail(c, &err);
		goto done;
	}
	print_metrics(c, is_update, &m, json);
	rc = cli_finish_output(c, EXIT_OK);
done:
	dlt_table_free(t);
	return rc;
}

int cmd_delete(cli_ctx *c, int argc, char **argv)
{
	return run_dml(c, argc, argv, 0);
}

int cmd_update(cli_ctx *c, int argc, char **argv)
{
	return run_dml(c, argc, argv, 1);
}
