/*
 * deltalite merge TABLE SOURCE: MERGE INTO with the clauses given in order
 * on the command line (delete and update are in cli/cmd_dml.c).
 */
#include "cli.h"
#include "cmd_table.h"
#include "deltalite/merge.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char merge_help[] =
	"Usage: deltalite merge [options] TABLE SOURCE --on COND CLAUSE...\n"
	"\n"
	"MERGE the rows of SOURCE (a CSV, JSON lines or Parquet file, or another Delta\n"
	"table) into TABLE in one commit. Rows are matched by --on; then the clauses\n"
	"apply in the order given, the first whose --if condition holds wins. Names\n"
	"are qualified by the aliases (t.id, s.id; default target alias t, source s).\n"
	"\n"
	"Clauses (each may be followed by --if COND, a condition for that clause):\n"
	"  --when-matched-update-all          update every column from the source row\n"
	"  --when-matched-update \"SET ...\"    e.g. \"SET qty = t.qty + s.qty, note = 'x'\"\n"
	"  --when-matched-delete              delete the target row\n"
	"  --when-not-matched-insert-all      insert the source row\n"
	"  --when-not-matched-insert \"(a, b) VALUES (s.a, 0)\"\n"
	"  --when-not-matched-by-source-delete         delete target rows no source row\n"
	"                                              matches\n"
	"  --when-not-matched-by-source-update \"SET ...\"\n"
	"\n"
	"Options:\n"
	"  --on COND               the match condition, e.g. \"t.id = s.id\" (required)\n"
	"  --source-alias NAME     alias of SOURCE (default s)\n"
	"  --target-alias NAME     alias of TABLE (default t)\n"
	"  --format FMT            SOURCE's format: csv, jsonl, parquet (default: from its\n"
	"                          extension; a directory is read as a Delta table)\n"
	"  --schema-evolution      the *-clauses add the source's new columns\n"
	"  --deletion-vectors M    on: mark deleted/updated rows in deletion vectors (the\n"
	"                          table must enable them); off: rewrite the files\n"
	"                          (copy-on-write); table (default): the table's setting\n"
	"  --json                  print the metrics as one JSON object\n"
	"  -h, --help              show this help\n"
	"\n"
	"Examples:\n"
	"  deltalite merge ./stock changes.csv --on \"t.sku = s.sku\" \\\n"
	"      --when-matched-update-all --when-not-matched-insert-all\n"
	"  deltalite merge ./stock changes.jsonl --on \"t.sku = s.sku\" \\\n"
	"      --when-matched-delete --if \"s.qty = 0\" \\\n"
	"      --when-matched-update \"SET qty = s.qty\" --when-not-matched-insert-all\n"
	"  deltalite merge ./users ./users_staging --on \"t.id = s.id\" \\\n"
	"      --when-matched-update-all --when-not-matched-by-source-delete\n";

enum {
	M_HELP = 1, M_ON, M_SALIAS, M_TALIAS, M_FORMAT, M_EVOLVE, M_DV, M_JSON, M_IF,
	M_MU_ALL, M_MU, M_MD, M_NI_ALL, M_NI, M_NS_D, M_NS_U
};

static const opt_def merge_opts[] = {
	{ "on", 0, 1, M_ON },
	{ "source-alias", 0, 1, M_SALIAS },
	{ "target-alias", 0, 1, M_TALIAS },
	{ "format", 0, 1, M_FORMAT },
	{ "schema-evolution", 0, 0, M_EVOLVE },
	{ "deletion-vectors", 0, 1, M_DV },
	{ "json", 0, 0, M_JSON },
	{ "if", 0, 1, M_IF },
	{ "when-matched-update-all", 0, 0, M_MU_ALL },
	{ "when-matched-update", 0, 1, M_MU },
	{ "when-matched-delete", 0, 0, M_MD },
	{ "when-not-matched-insert-all", 0, 0, M_NI_ALL },
	{ "when-not-matched-insert", 0, 1, M_NI },
	{ "when-not-matched-by-source-delete", 0, 0, M_NS_D },
	{ "when-not-matched-by-source-update", 0, 1, M_NS_U },
	{ "help", 'h', 0, M_HELP },
	{ NULL, 0, 0, 0 }
};

typedef struct clause {
	int kind;           /* M_MU_ALL ... M_NS_U */
	const char *text;   /* SET list / insert text; NULL for the * and delete forms */
	const char *cond;   /* --if; NULL: none */
} clause;

/* "(a, b) VALUES (x, y)" into columns and values (malloc'd): 0, or -1. */
static int split_insert(const char *s, char **cols, char **vals)
{
	const char *p = s, *c0, *c1, *v0, *v1;
	int depth = 0;

	while (isspace((unsigned char)*p))
		p++;
	if (*p != '(')
		return -1;
	c0 = ++p;
	for (depth = 1; *p && depth; p++) {
		if (*p == '\'') /* skip a string literal */
			while (*++p && *p != '\'')
				;
		if (!*p)
			return -1;
		depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
	}
	if (depth)
		return -1;
	c1 = p - 1;
	while (isspace((unsigned char)*p))
		p++;
	if (strncasecmp(p, "values", 6) != 0)
		return -1;
	p += 6;
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '(')
		return -1;
	v0 = p + 1;
	v1 = strrchr(p, ')');
	if (!v1 || v1 < v0)
		return -1;
	for (const char *q = v1 + 1; *q; q++)
		if (!isspace((unsigned char)*q))
			return -1;
	*cols = strndup(c0, (size_t)(c1 - c0));
	*vals = strndup(v0, (size_t)(v1 - v0));
	return *cols && *vals ? 0 : -1;
}

/* A directory holding _delta_log/ (or a URI with a scheme) is a Delta table. */
static int is_table(const char *path)
{
	char buf[4096];
	struct stat st;

	if (strstr(path, "://"))
		return 1;
	snprintf(buf, sizeof(buf), "%s/_delta_log", path);
	return stat(buf, &st) == 0 && S_ISDIR(st.st_mode);
}

int cmd_merge(cli_ctx *c, int argc, char **argv)
{
	const char *args[3] = { NULL, NULL, NULL }, *on = NULL, *salias = "s", *talias = "t";
	clause *cl = NULL;
	size_t ncl = 0, nargs = 0;
	cli_format fmt = FMT_NONE;
	int evolve = 0, dv = -1, json = 0, rc = 0, id;
	opt_parser p;
	const char *v;
	dlt_table *t = NULL, *src_t = NULL;
	dlt_snapshot *src_snap = NULL;
	dlt_scan *src_scan = NULL;
	dlt_parquet_file *pq = NULL;
	dlt_merge *m = NULL;
	dlt_merge_metrics mm;
	dlt_merge_options mo = DLT_MERGE_OPTIONS_INIT;
	struct ArrowArrayStream st;
	dlt_error err;
	void *mem = NULL;
	cli_text_opts topts = CLI_TEXT_OPTS_INIT;

	memset(&st, 0, sizeof(st));
	memset(&mm, 0, sizeof(mm));
	dlt_error_clear(&err);
	if (!(cl = calloc((size_t)argc + 1, sizeof(*cl))))
		return cli_failf(c, "out of memory");
	opt_init(&p, merge_opts, argc, argv, 1);
	while (rc == 0 && (id = opt_next(&p, &v)) != OPT_END) {
		switch (id) {
		case OPT_ERROR:
			rc = cli_opt_error(c, &p);
			break;
		case OPT_ARG:
			if (nargs == 2)
				rc = cli_usage(c, "too many arguments: '%s' (expected TABLE SOURCE)", v);
			else
				args[nargs++] = v;
			break;
		case M_HELP:
			cli_help(c, merge_help);
			free(cl);
			return EXIT_OK;
		case M_ON: on = v; break;
		case M_SALIAS: salias = v; break;
		case M_TALIAS: talias = v; break;
		case M_FORMAT:
			if (!(fmt = cli_format_parse(v)))
				rc = cli_usage(c, "--format: expected csv, jsonl or parquet, got '%s'", v);
			break;
		case M_EVOLVE: evolve = 1; break;
		case M_DV: rc = cli_parse_dv(c, v, &dv); break;
		case M_JSON: json = 1; break;
		case M_IF:
			if (ncl == 0)
				rc = cli_usage(c, "--if '%s' must follow the clause it applies to "
				               "(e.g. --when-matched-delete --if \"s.qty = 0\")", v);
			else if (cl[ncl - 1].cond)
				rc = cli_usage(c, "--if given twice for one clause (join them with AND)");
			else
				cl[ncl - 1].cond = v;
			break;
		default: /* a clause */
			cl[ncl].kind = id;
			cl[ncl].text = v;
			ncl++;
			break;
		}
	}
	if (rc == 0 && nargs < 2)
		rc = cli_usage(c, "expected TABLE and SOURCE (a file or a Delta table)");
	if (rc == 0 && !on)
		rc = cli_usage(c, "expected --on COND, e.g. --on \"t.id = s.id\"");
	if (rc == 0 && ncl == 0)
		rc = cli_usage(c, "expected at least one clause, e.g. --when-matched-update-all");
	for (size_t i = 0; rc == 0 && i < ncl; i++)
		if (cl[i].cond)
			rc = cli_check_predicate(c, "--if", cl[i].cond);
	if (rc == 0)
		rc = cli_check_predicate(c, "--on", on);
	if (rc != 0)
		goto done;

	/* The source. */
	if (!fmt && is_table(args[1])) {
		dlt_scan_options so = DLT_SCAN_OPTIONS_INIT;
		cli_at at = CLI_AT_INIT;
		if ((rc = cli_open_snapshot(c, args[1], &at, &src_t, &src_snap)) != 0)
			goto done;
		if (dlt_scan_new(&src_scan, src_snap, &so, &err) < 0 ||
		    dlt_scan_stream(&st, src_scan, &err) < 0) {
			cli_name_table(&err, args[1]);
			goto fail;
		}
	} else {
		dlt_parquet_read_options po = DLT_PARQUET_READ_OPTIONS_INIT;
		if (!fmt)
			fmt = cli_format_from_path(args[1]);
		if (!fmt) {
			rc = cli_usage(c, "%s: unknown format (name it .csv, .jsonl or .parquet, use "
			               "--format, or give a Delta table directory)", args[1]);
			goto done;
		}
		if (cli_open_reader(&st, &pq, &mem, args[1], fmt, &topts, &po, &err) < 0)
			goto fail;
	}
	if ((rc = cli_open_table(c, args[0], &t)) != 0)
		goto done;
	rc = dlt_merge_new(&m, t, &st, on, salias, talias, &err);
	memset(&st, 0, sizeof(st)); /* consumed */
	if (rc < 0)
		goto fail;
	for (size_t i = 0; i < ncl; i++) {
		const clause *k = &cl[i];
		char *cols = NULL, *vals = NULL;
		switch (k->kind) {
		case M_MU_ALL: rc = dlt_merge_when_matched_update(m, k->cond, NULL, &err); break;
		case M_MU:
			rc = dlt_merge_when_matched_update(m, k->cond, cli_skip_set(k->text), &err);
			break;
		case M_MD: rc = dlt_merge_when_matched_delete(m, k->cond, &err); break;
		case M_NI_ALL:
			rc = dlt_merge_when_not_matched_insert(m, k->cond, NULL, NULL, &err);
			break;
		case M_NI:
			if (split_insert(k->text, &cols, &vals) < 0) {
				free(cols);
				free(vals);
				rc = cli_usage(c, "--when-not-matched-insert: expected \"(col, ...) VALUES "
				               "(expr, ...)\", got '%s'", k->text);
				goto done;
			}
			rc = dlt_merge_when_not_matched_insert(m, k->cond, cols, vals, &err);
			free(cols);
			free(vals);
			break;
		case M_NS_D: rc = dlt_merge_when_not_matched_by_source_delete(m, k->cond, &err); break;
		case M_NS_U:
			rc = dlt_merge_when_not_matched_by_source_update(m, k->cond, cli_skip_set(k->text),
			                                                 &err);
			break;
		default: rc = DLT_EINVAL; break;
		}
		if (rc < 0) {
			rc = cli_fail(c, &err);
			goto done;
		}
	}
	mo.schema_evolution = evolve;
	mo.use_deletion_vectors = dv;
	if (dlt_merge_set_options(m, &mo, &err) < 0 || dlt_merge_execute(&mm, m, &err) < 0) {
		cli_name_table(&err, args[0]);
		goto fail;
	}
	if (json) {
		int first = 1;
		fputs("{", c->out);
		cli_json_kv(c->out, "version", mm.version, &first);
		cli_json_kv(c->out, "num_source_rows", mm.num_source_rows, &first);
		cli_json_kv(c->out, "num_target_rows_inserted", mm.num_target_rows_inserted, &first);
		cli_json_kv(c->out, "num_target_rows_updated", mm.num_target_rows_updated, &first);
		cli_json_kv(c->out, "num_target_rows_deleted", mm.num_target_rows_deleted, &first);
		cli_json_kv(c->out, "num_target_rows_copied", mm.num_target_rows_copied, &first);
		cli_json_kv(c->out, "num_target_files_added", mm.num_target_files_added, &first);
		cli_json_kv(c->out, "num_target_files_removed", mm.num_target_files_removed, &first);
		cli_json_kv(c->out, "num_target_deletion_vectors_added",
		              mm.num_target_deletion_vectors_added, &first);
		cli_json_kv(c->out, "num_target_bytes_added", mm.num_target_bytes_added, &first);
		cli_json_kv(c->out, "num_target_bytes_removed", mm.num_target_bytes_removed, &first);
		cli_json_kv(c->out, "num_target_files_scanned", mm.num_target_files_scanned, &first);
		cli_json_kv(c->out, "num_target_files_skipped", mm.num_target_files_skipped, &first);
		cli_json_kv(c->out, "source_memory_bytes", mm.source_memory_bytes, &first);
		cli_json_kv(c->out, "execution_time_ms", mm.execution_time_ms, &first);
		fputs("}\n", c->out);
	} else {
		char ba[32], br[32];
		cli_human_bytes(ba, sizeof(ba), mm.num_target_bytes_added);
		cli_human_bytes(br, sizeof(br), mm.num_target_bytes_removed);
		if (mm.version < 0)
			fprintf(c->out, "nothing changed: no clause applied to any row\n");
		else
			fprintf(c->out, "version %" PRId64 ": merge\n", mm.version);
		fprintf(c->out, "  source rows    %" PRId64 "\n", mm.num_source_rows);
		fprintf(c->out, "  rows inserted  %" PRId64 "\n", mm.num_target_rows_inserted);
		fprintf(c->out, "  rows updated   %" PRId64 "\n", mm.num_target_rows_updated);
		fprintf(c->out, "  rows deleted   %" PRId64 "\n", mm.num_target_rows_deleted);
		fprintf(c->out, "  rows copied    %" PRId64 "\n", mm.num_target_rows_copied);
		fprintf(c->out, "  files added    %" PRId64 " (%s)\n", mm.num_target_files_added, ba);
		fprintf(c->out, "  files removed  %" PRId64 " (%s)\n", mm.num_target_files_removed,
		        br);
		if (mm.num_target_deletion_vectors_added)
			fprintf(c->out, "  deletion vectors added %" PRId64 "\n",
			        mm.num_target_deletion_vectors_added);
	}
	rc = cli_finish_output(c, EXIT_OK);
	goto done;
fail:
	rc = cli_fail(c, &err);
done:
	if (st.release)
		st.release(&st);
	dlt_merge_free(m);
	dlt_scan_free(src_scan);
	dlt_snapshot_free(src_snap);
	dlt_table_free(src_t);
	dlt_parquet_file_free(pq);
	free(mem);
	dlt_table_free(t);
	free(cl);
	return rc;
}

