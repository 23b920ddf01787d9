/* Internal to the maintenance operations (src/ops/vacuum.c, restore.c). */
#ifndef DLT_OPS_MAINT_H
#define DLT_OPS_MAINT_H

#include "deltalite/maintenance.h"
#include "log/log.h"

/* Storage key of a data or DV file a live file / tombstone references, for
 * checks and vacuum: relative keys only. *out NULL (DLT_OK) when the file
 * lives outside the table (absolute URI) or `f` has no such file. *out: dlt_free. */
int dlt_ops__file_key(char **out, const dlt_log_file *f, dlt_error *err);
int dlt_ops__dv_key(char **out, const dlt_log_file *f, dlt_error *err);

#endif /* DLT_OPS_MAINT_H */
