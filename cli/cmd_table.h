/*
 * cli/cmd_table.h - the commands that change Delta tables (create, write,
 * checkpoint, vacuum, restore, set-properties; delete, update, merge,
 * optimize) and the helpers they share.
 */
#ifndef DLT_CLI_CMD_TABLE_H
#define DLT_CLI_CMD_TABLE_H

#include "cli.h"

int cmd_create(cli_ctx *c, int argc, char **argv);
int cmd_write(cli_ctx *c, int argc, char **argv);
int cmd_checkpoint(cli_ctx *c, int argc, char **argv);
int cmd_vacuum(cli_ctx *c, int argc, char **argv);
int cmd_restore(cli_ctx *c, int argc, char **argv);
int cmd_set_properties(cli_ctx *c, int argc, char **argv);
int cmd_delete(cli_ctx *c, int argc, char **argv);
int cmd_update(cli_ctx *c, int argc, char **argv);
int cmd_merge(cli_ctx *c, int argc, char **argv);
int cmd_optimize(cli_ctx *c, int argc, char **argv);

/** "123 B", "1.2 KiB", "3.4 MiB"... into buf[n]. */
void cli_human_bytes(char *buf, size_t n, int64_t b);
/** `one` when n is 1, else `many`. */
const char *cli_plural(int64_t n, const char *one, const char *many);
/** Prefix "table URI" to the message unless it names the table; drop err->path. */
void cli_name_table(dlt_error *err, const char *uri);
/** Usage error for a bad predicate of option `opt`: message, text, caret. */
int cli_where_error(cli_ctx *c, const char *opt, const char *where, const dlt_error *err);
/** Check the syntax of a predicate given to `opt`: 0, or the exit status. */
int cli_check_predicate(cli_ctx *c, const char *opt, const char *text);
/** --deletion-vectors on|off|table into 1|0|-1: 0, or the usage exit status. */
int cli_parse_dv(cli_ctx *c, const char *v, int *dv);
/** `"k":v` of a JSON object, with a comma unless *first. */
void cli_json_kv(FILE *out, const char *k, int64_t v, int *first);
/** Skip blanks and a leading "SET " of an assignment list. */
const char *cli_skip_set(const char *s);
/** The "rows written / files added / files removed" lines of a write. */
void cli_print_write_metrics(cli_ctx *c, const dlt_write_metrics *m);

#endif
