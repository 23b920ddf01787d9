/*
 * deltalite inspect | files | history TABLE: what a Delta table is (version,
 * protocol, schema, partitioning, properties, size), which data files make up
 * a version of it, and how it got there.
 */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "deltalite/arrow.h"

static const char inspect_help[] =
	"Usage: deltalite inspect [options] TABLE\n"
	"\n"
	"Describe a Delta table at its latest version (or the one --version or\n"
	"--timestamp names): version and commit time, protocol with its reader and\n"
	"writer features, schema as a tree, partition columns, table properties, and\n"
	"the live data files: how many, their total size and the total row count (from\n"
	"the files' statistics, rows removed by deletion vectors subtracted; unknown\n"
	"when a file has no statistics). Only the log is read, never the data files.\n"
	"TABLE is a directory or a file:// URI.\n"
	"\n"
	"Options:\n"
	"  --version N            describe version N (time travel)\n"
	"  --timestamp T          the latest version committed at or before T: epoch\n"
	"                         milliseconds, a date (2024-01-31, midnight UTC) or\n"
	"                         an ISO-8601 time (2024-01-31T10:00:00Z; 2024-01-31\n"
	"                         10:00:00 is UTC)\n"
	"  --json                 print one JSON object instead (schema as Delta's JSON)\n"
	"  -h, --help             show this help\n"
	"\n"
	"Examples:\n"
	"  deltalite inspect ./events\n"
	"  deltalite inspect file:///data/events --version 3\n"
	"  deltalite inspect ./events --json | jq .numFiles\n";

static const char files_help[] =
	"Usage: deltalite files [options] TABLE\n"
	"\n"
	"List the live data files of a Delta table version: size in bytes, number of\n"
	"records (from the file's statistics; '-' when it has none), the path\n"
	"relative to the table (percent-decoded), its partition values, and how many\n"
	"rows a deletion vector removes from it. A summary line ends the list.\n"
	"\n"
	"Options:\n"
	"  --version N            list the files of version N\n"
	"  --timestamp T          of the latest version committed at or before T (see\n"
	"                         'deltalite inspect --help' for the forms of T)\n"
	"  --json                 one JSON object per file (JSON lines): path, size,\n"
	"                         modification_time, partition_values, stats (the\n"
	"                         statistics JSON as a string), num_records,\n"
	"                         deletion_vector, base_row_id, default_row_commit_version\n"
	"  -h, --help             show this help\n"
	"\n"
	"Examples:\n"
	"  deltalite files ./events\n"
	"  deltalite files ./events --version 0 --json | jq -r .path\n";

static const char history_help[] =
	"Usage: deltalite history [options] TABLE\n"
	"\n"
	"The commits of a Delta table, newest first: version, commit time (UTC;\n"
	"in-commit timestamps where the table has them), operation and its\n"
	"parameters. Versions whose commit files were cleaned up are not shown.\n"
	"\n"
	"Options:\n"
	"  --limit N              only the N newest commits\n"
	"  --json                 one JSON object per commit (JSON lines): version,\n"
	"                         timestamp (epoch ms), operation, operationParameters,\n"
	"                         commitInfo (the whole commitInfo action)\n"
	"  -h, --help             show this help\n"
	"\n"
	"Examples:\n"
	"  deltalite history ./events --limit 5\n"
	"  deltalite history ./events --json | jq -c '[.version, .operation]'\n";

enum { I_HELP = 1, I_JSON, I_LIMIT };

static const opt_def table_opts[] = {
	CLI_AT_OPTS,
	{ "json", 0, 0, I_JSON },
	{ "help", 'h', 0, I_HELP },
	{ NULL, 0, 0, 0 }
};

static const opt_def history_opts[] = {
	{ "limit", 'n', 1, I_LIMIT },
	{ "json", 0, 0, I_JSON },
	{ "help", 'h', 0, I_HELP },
	{ NULL, 0, 0, 0 }
};

typedef struct targs {
	const char *table;
	cli_at at;
	int json;
	long long limit;
} targs;

/* Parse TABLE and the options; -1 after --help, else 0 or an exit status. */
static int parse_args(cli_ctx *c, int argc, char **argv, const opt_def *defs,
                      const char *help, targs *a)
{
	opt_parser p;
	const char *v;
	int id, rc;
	cli_at at0 = CLI_AT_INIT;

	memset(a, 0, sizeof(*a));
	a->at = at0;
	opt_init(&p, defs, argc, argv, 1);
	while ((id = opt_next(&p, &v)) != OPT_END) {
		switch (id) {
		case OPT_ERROR:
			return cli_opt_error(c, &p);
		case OPT_ARG:
			if (a->table)
				return cli_usage(c, "too many arguments: '%s' (expected one TABLE)", v);
			a->table = v;
			break;
		case I_HELP:
			cli_help(c, help);
			return -1;
		case I_JSON:
			a->json = 1;
			break;
		case I_LIMIT:
			if (opt_parse_count(v, &a->limit) < 0)
				return cli_usage(c, "--limit: expected a count, got '%s'", v);
			break;
		default:
			if ((rc = cli_at_option(c, &a->at, id, v)) != 0)
				return rc;
			break;
		}
	}
	if (!a->table)
		return cli_usage(c, "expected a TABLE (a directory or file:// URI)");
	return 0;
}

static void human_bytes(char *buf, size_t n, int64_t b)
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

/* ---- reading the files stream ---- */

typedef struct file_cols {
	int path, size, pv, num_records, dv;
	int dv_card;
} file_cols;

static int find_file_cols(cli_ctx *c, const struct ArrowSchema *s, file_cols *fc)
{
	fc->path = cli_arrow_child(s, "path");
	fc->size = cli_arrow_child(s, "size");
	fc->pv = cli_arrow_child(s, "partition_values");
	fc->num_records = cli_arrow_child(s, "num_records");
	fc->dv = cli_arrow_child(s, "deletion_vector");
	fc->dv_card = fc->dv >= 0 ? cli_arrow_child(s->children[fc->dv], "cardinality") : -1;
	if (fc->path < 0 || fc->size < 0 || fc->num_records < 0)
		return cli_failf(c, "unexpected schema of the file list (library and tool differ?)");
	return 0;
}

/* Deletion vector cardinality of file i (0 without one). */
static int64_t dv_cardinality(const struct ArrowSchema *s, const struct ArrowArray *a,
                              const file_cols *fc, int64_t i)
{
	const struct ArrowArray *dv;

	if (fc->dv < 0 || fc->dv_card < 0)
		return 0;
	dv = a->children[fc->dv];
	if (cli_arrow_is_null(dv, i + a->offset))
		return 0;
	return cli_arrow_int(s->children[fc->dv]->children[fc->dv_card], dv->children[fc->dv_card],
	                     i + a->offset + dv->offset, 0);
}

/* Totals of a snapshot's files: count, bytes, rows (-1: unknown). */
typedef struct file_totals {
	int64_t files, bytes, rows, no_stats, dv_files;
} file_totals;

/* Walk the live files; with `list`, print one line per file. */
static int walk_files(cli_ctx *c, dlt_snapshot *snap, FILE *list, file_totals *t)
{
	struct ArrowArrayStream st;
	struct ArrowSchema s;
	struct ArrowArray a;
	file_cols fc;
	dlt_error err;
	int rc;

	memset(t, 0, sizeof(*t));
	dlt_error_clear(&err);
	if (dlt_snapshot_files(&st, snap, &err) < 0)
		return cli_fail(c, &err);
	if (st.get_schema(&st, &s) != 0) {
		rc = cli_failf(c, "file list: %s", st.get_last_error(&st));
		st.release(&st);
		return rc;
	}
	if ((rc = find_file_cols(c, &s, &fc)) != 0)
		goto out;
	for (;;) {
		if (st.get_next(&st, &a) != 0) {
			const char *m = st.get_last_error(&st);
			rc = cli_failf(c, "file list: %s", m ? m : "read failed");
			goto out;
		}
		if (!a.release)
			break;
		for (int64_t i = 0; i < a.length; i++) {
			/* Children of a struct array are indexed with the parent's offset. */
			int64_t k = i + a.offset, size, nrec, card;
			size_t plen;
			const char *path;

			size = cli_arrow_int(s.children[fc.size], a.children[fc.size], k, 0);
			nrec = cli_arrow_int(s.children[fc.num_records], a.children[fc.num_records], k,
			                     -1);
			card = dv_cardinality(&s, &a, &fc, i);
			t->files++;
			t->bytes += size;
			t->dv_files += card > 0;
			if (nrec < 0)
				t->no_stats++;
			else
				t->rows += nrec - card;
			if (!list)
				continue;
			path = cli_arrow_str(s.children[fc.path], a.children[fc.path], k, &plen);
			if (nrec < 0)
				fprintf(list, "%12" PRId64 " %10s  %.*s", size, "-", (int)plen,
				        path ? path : "");
			else
				fprintf(list, "%12" PRId64 " %10" PRId64 "  %.*s", size, nrec, (int)plen,
				        path ? path : "");
			if (fc.pv >= 0 && !cli_arrow_is_null(a.children[fc.pv], k)) {
				/* map<utf8, utf8>: offsets into one entries struct of key, value */
				const struct ArrowArray *m = a.children[fc.pv], *ent = m->children[0];
				const struct ArrowSchema *ms = s.children[fc.pv]->children[0];
				const int32_t *off = m->buffers[1];
				int64_t mk = k + m->offset;
				for (int32_t e = off[mk]; e < off[mk + 1]; e++) {
					size_t kl, vl;
					const char *key = cli_arrow_str(ms->children[0], ent->children[0],
					                                e + ent->offset, &kl);
					const char *val = cli_arrow_str(ms->children[1], ent->children[1],
					                                e + ent->offset, &vl);
					fprintf(list, "%s%.*s=", e == off[mk] ? "  " : ", ", (int)kl,
					        key ? key : "");
					if (val)
						fprintf(list, "%.*s", (int)vl, val);
					else
						fputs("null", list);
				}
			}
			if (card > 0)
				fprintf(list, "  (deletion vector: %" PRId64 " rows deleted)", card);
			fputc('\n', list);
		}
		a.release(&a);
	}
	if (t->no_stats)
		t->rows = -1;
out:
	s.release(&s);
	st.release(&st);
	return rc;
}

/* ---- inspect ---- */

static void json_str_list(FILE *out, const char *const *v, size_t n)
{
	fputc('[', out);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', out);
		cli_json_string(out, v[i]);
	}
	fputc(']', out);
}

static void json_str_or_null(FILE *out, const char *s)
{
	if (s)
		cli_json_string(out, s);
	else
		fputs("null", out);
}

static int is_partition(const dlt_metadata_info *md, const char *name)
{
	for (size_t i = 0; i < md->n_partition_columns; i++)
		if (strcmp(md->partition_columns[i], name) == 0)
			return 1;
	return 0;
}

/* The schema as a tree: "name: type" with struct fields indented below. */
static void schema_tree(FILE *out, const struct ArrowSchema *s, int indent,
                        const dlt_metadata_info *md)
{
	for (int64_t i = 0; i < s->n_children; i++) {
		const struct ArrowSchema *ch = s->children[i];
		int is_struct = strcmp(ch->format, "+s") == 0;
		char t[512];

		/* variant, geometry, geography: Delta's own name, not the storage */
		if (cli_arrow_metadata(ch, "delta.type", t, sizeof(t)))
			is_struct = 0;
		else if (is_struct)
			snprintf(t, sizeof(t), "struct");
		else if (dlt_arrow_type_describe(t, sizeof(t), ch) == DLT_ELIMIT)
			memcpy(t + sizeof(t) - 4, "...", 4);
		fprintf(out, "%*s%s: %s%s%s\n", indent, "", ch->name ? ch->name : "", t,
		        (ch->flags & ARROW_FLAG_NULLABLE) ? "" : " not null",
		        md && ch->name && is_partition(md, ch->name) ? "  (partition)" : "");
		if (is_struct)
			schema_tree(out, ch, indent + 2, NULL);
	}
}

static void print_inspect_json(FILE *out, const char *uri, dlt_snapshot *snap,
                               const dlt_protocol_info *pr, const dlt_metadata_info *md,
                               const file_totals *t)
{
	fputs("{\"table\":", out);
	cli_json_string(out, uri);
	fprintf(out, ",\"version\":%" PRId64 ",\"timestamp\":%" PRId64,
	        dlt_snapshot_version(snap), dlt_snapshot_timestamp(snap));
	fprintf(out, ",\"protocol\":{\"minReaderVersion\":%d,\"minWriterVersion\":%d",
	        (int)pr->min_reader_version, (int)pr->min_writer_version);
	if (pr->n_reader_features || pr->min_reader_version >= 3) {
		fputs(",\"readerFeatures\":", out);
		json_str_list(out, pr->reader_features, pr->n_reader_features);
	}
	if (pr->n_writer_features || pr->min_writer_version >= 7) {
		fputs(",\"writerFeatures\":", out);
		json_str_list(out, pr->writer_features, pr->n_writer_features);
	}
	fputs("},\"metadata\":{\"id\":", out);
	json_str_or_null(out, md->id);
	fputs(",\"name\":", out);
	json_str_or_null(out, md->name);
	fputs(",\"description\":", out);
	json_str_or_null(out, md->description);
	if (md->created_time >= 0)
		fprintf(out, ",\"createdTime\":%" PRId64 "}", md->created_time);
	else
		fputs(",\"createdTime\":null}", out);
	fputs(",\"schema\":", out);
	if (md->schema_string && cli_json_valid(md->schema_string))
		fputs(md->schema_string, out);
	else
		json_str_or_null(out, md->schema_string);
	fputs(",\"partitionColumns\":", out);
	json_str_list(out, md->partition_columns, md->n_partition_columns);
	fputs(",\"properties\":{", out);
	for (size_t i = 0; i < md->n_configuration; i++) {
		if (i)
			fputc(',', out);
		cli_json_string(out, md->configuration[i].key);
		fputc(':', out);
		json_str_or_null(out, md->configuration[i].value);
	}
	fprintf(out, "},\"numFiles\":%" PRId64 ",\"sizeBytes\":%" PRId64, t->files, t->bytes);
	if (t->rows >= 0)
		fprintf(out, ",\"numRecords\":%" PRId64, t->rows);
	else
		fputs(",\"numRecords\":null", out);
	fprintf(out, ",\"filesWithDeletionVectors\":%" PRId64 "}\n", t->dv_files);
}

static void print_list(FILE *out, const char *label, const char *const *v, size_t n)
{
	fprintf(out, "  %-17s", label);
	if (n == 0)
		fputs("(none)", out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? ", " : "", v[i]);
	fputc('\n', out);
}

int cmd_inspect(cli_ctx *c, int argc, char **argv)
{
	dlt_table *table = NULL;
	dlt_snapshot *snap = NULL;
	dlt_protocol_info pr;
	dlt_metadata_info md;
	struct ArrowSchema schema;
	file_totals t;
	dlt_error err;
	targs a;
	char ts[40], sz[32];
	int rc;
	FILE *out = c->out;

	if ((rc = parse_args(c, argc, argv, table_opts, inspect_help, &a)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_open_snapshot(c, a.table, &a.at, &table, &snap)) != 0)
		return rc;
	dlt_snapshot_protocol(&pr, snap);
	dlt_snapshot_metadata(&md, snap);
	if ((rc = walk_files(c, snap, NULL, &t)) != 0)
		goto done;
	if (a.json) {
		print_inspect_json(out, a.table, snap, &pr, &md, &t);
		goto done;
	}
	dlt_error_clear(&err);
	if (dlt_snapshot_schema(&schema, snap, &err) < 0) {
		rc = cli_fail(c, &err);
		goto done;
	}
	cli_format_timestamp(ts, sizeof(ts), dlt_snapshot_timestamp(snap));
	fprintf(out, "table       %s\n", a.table);
	fprintf(out, "version     %" PRId64 " (committed %s)\n", dlt_snapshot_version(snap), ts);
	if (md.name)
		fprintf(out, "name        %s\n", md.name);
	if (md.description)
		fprintf(out, "description %s\n", md.description);
	fprintf(out, "id          %s\n", md.id ? md.id : "");
	if (md.created_time >= 0) {
		cli_format_timestamp(ts, sizeof(ts), md.created_time);
		fprintf(out, "created     %s\n", ts);
	}
	fprintf(out, "protocol    reader version %d, writer version %d\n",
	        (int)pr.min_reader_version, (int)pr.min_writer_version);
	if (pr.min_reader_version >= 3 || pr.n_reader_features)
		print_list(out, "reader features:", pr.reader_features, pr.n_reader_features);
	if (pr.min_writer_version >= 7 || pr.n_writer_features)
		print_list(out, "writer features:", pr.writer_features, pr.n_writer_features);
	fputs("schema\n", out);
	schema_tree(out, &schema, 2, &md);
	schema.release(&schema);
	fputs("partitioned by ", out);
	if (md.n_partition_columns == 0)
		fputs("(not partitioned)", out);
	for (size_t i = 0; i < md.n_partition_columns; i++)
		fprintf(out, "%s%s", i ? ", " : "", md.partition_columns[i]);
	fputc('\n', out);
	fputs("properties", out);
	if (md.n_configuration == 0)
		fputs("  (none)", out);
	fputc('\n', out);
	for (size_t i = 0; i < md.n_configuration; i++)
		fprintf(out, "  %s = %s\n", md.configuration[i].key,
		        md.configuration[i].value ? md.configuration[i].value : "null");
	human_bytes(sz, sizeof(sz), t.bytes);
	fprintf(out, "files       %" PRId64 "", t.files);
	if (t.dv_files)
		fprintf(out, " (%" PRId64 " with deletion vectors)", t.dv_files);
	fprintf(out, "\nsize        %" PRId64 " bytes (%s)\n", t.bytes, sz);
	if (t.rows >= 0)
		fprintf(out, "rows        %" PRId64 " (from file statistics)\n", t.rows);
	else
		fprintf(out, "rows        unknown (%" PRId64 " files without statistics)\n",
		        t.no_stats);
done:
	dlt_snapshot_free(snap);
	dlt_table_free(table);
	return cli_finish_output(c, rc);
}

/* ---- files ---- */

int cmd_files(cli_ctx *c, int argc, char **argv)
{
	dlt_table *table = NULL;
	dlt_snapshot *snap = NULL;
	file_totals t;
	targs a;
	char sz[32];
	int rc;

	if ((rc = parse_args(c, argc, argv, table_opts, files_help, &a)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_open_snapshot(c, a.table, &a.at, &table, &snap)) != 0)
		return rc;
	if (a.json) {
		struct ArrowArrayStream st;
		dlt_error err;
		cli_text_opts topts = CLI_TEXT_OPTS_INIT;

		dlt_error_clear(&err);
		if (dlt_snapshot_files(&st, snap, &err) < 0)
			rc = cli_fail(c, &err);
		else
			rc = cli_write_stream(c, &st, "-", FMT_JSONL, &topts, "files", NULL);
	} else {
		fprintf(c->out, "%12s %10s  %s\n", "SIZE", "RECORDS", "PATH  PARTITION VALUES");
		if ((rc = walk_files(c, snap, c->out, &t)) == 0) {
			human_bytes(sz, sizeof(sz), t.bytes);
			fprintf(c->out, "%" PRId64 " file%s at version %" PRId64 ", %s", t.files,
			        t.files == 1 ? "" : "s", dlt_snapshot_version(snap), sz);
			if (t.rows >= 0)
				fprintf(c->out, ", %" PRId64 " rows\n", t.rows);
			else
				fputs(", rows unknown\n", c->out);
		}
	}
	dlt_snapshot_free(snap);
	dlt_table_free(table);
	return cli_finish_output(c, rc);
}

/* ---- history ---- */

/* JSON text (an object) embedded as is when valid, else as a string. */
static void json_embed(FILE *out, const char *s, size_t n)
{
	char *z;

	if (!s) {
		fputs("null", out);
		return;
	}
	if ((z = malloc(n + 1)) != NULL) {
		memcpy(z, s, n);
		z[n] = '\0';
		if (cli_json_valid(z)) {
			fputs(z, out);
			free(z);
			return;
		}
		free(z);
	}
	cli_json_stringn(out, s, n);
}

int cmd_history(cli_ctx *c, int argc, char **argv)
{
	dlt_table *table = NULL;
	struct ArrowArrayStream st;
	struct ArrowSchema s;
	struct ArrowArray arr;
	dlt_error err;
	targs a;
	int rc, cv, ct, co, cp, ci;

	if ((rc = parse_args(c, argc, argv, history_opts, history_help, &a)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_open_table(c, a.table, &table)) != 0)
		return rc;
	dlt_error_clear(&err);
	if (dlt_table_history(&st, table, a.limit, &err) < 0) {
		if (!strstr(err.message, a.table))
			dlt_error_prefix(&err, "table %s", a.table);
		rc = cli_fail(c, &err);
		dlt_table_free(table);
		return rc;
	}
	if (st.get_schema(&st, &s) != 0) {
		rc = cli_failf(c, "history: %s", st.get_last_error(&st));
		goto out_stream;
	}
	cv = cli_arrow_child(&s, "version");
	ct = cli_arrow_child(&s, "timestamp");
	co = cli_arrow_child(&s, "operation");
	cp = cli_arrow_child(&s, "operation_parameters");
	ci = cli_arrow_child(&s, "commit_info");
	if (cv < 0 || ct < 0 || co < 0 || cp < 0 || ci < 0) {
		rc = cli_failf(c, "unexpected schema of the history (library and tool differ?)");
		goto out_schema;
	}
	if (!a.json)
		fprintf(c->out, "%7s  %-24s  %-20s %s\n", "VERSION", "TIMESTAMP", "OPERATION",
		        "PARAMETERS");
	for (;;) {
		if (st.get_next(&st, &arr) != 0) {
			const char *m = st.get_last_error(&st);
			rc = cli_failf(c, "history: %s", m ? m : "read failed");
			break;
		}
		if (!arr.release)
			break;
		for (int64_t i = 0; i < arr.length; i++) {
			int64_t k = i + arr.offset;
			int64_t ver = cli_arrow_int(s.children[cv], arr.children[cv], k, -1);
			int64_t tms = cli_arrow_int(s.children[ct], arr.children[ct], k, 0);
			size_t ol, pl, il;
			const char *op = cli_arrow_str(s.children[co], arr.children[co], k, &ol);
			const char *par = cli_arrow_str(s.children[cp], arr.children[cp], k, &pl);
			const char *info = cli_arrow_str(s.children[ci], arr.children[ci], k, &il);

			if (a.json) {
				fprintf(c->out, "{\"version\":%" PRId64 ",\"timestamp\":%" PRId64
				        ",\"operation\":", ver, tms);
				if (op)
					cli_json_stringn(c->out, op, ol);
				else
					fputs("null", c->out);
				fputs(",\"operationParameters\":", c->out);
				json_embed(c->out, par, pl);
				fputs(",\"commitInfo\":", c->out);
				json_embed(c->out, info, il);
				fputs("}\n", c->out);
			} else {
				char ts[40];
				cli_format_timestamp(ts, sizeof(ts), tms);
				fprintf(c->out, "%7" PRId64 "  %-24s  %-20.*s %.*s\n", ver, ts,
				        op ? (int)ol : 1, op ? op : "-", par ? (int)pl : 0,
				        par ? par : "");
			}
		}
		arr.release(&arr);
	}
out_schema:
	s.release(&s);
out_stream:
	st.release(&st);
	dlt_table_free(table);
	return cli_finish_output(c, rc);
}
