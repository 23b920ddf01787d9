/* Shared helpers of the storage unit tests. */
#ifndef DLT_TEST_STORAGE_HELPERS_H
#define DLT_TEST_STORAGE_HELPERS_H

#include <stdint.h>

#include "deltalite/storage.h"

#define ST_MAX_ENTRIES 128

/* Entries collected by st_collect_cb. */
typedef struct st_list {
	int n;
	char keys[ST_MAX_ENTRIES][256];
	uint64_t sizes[ST_MAX_ENTRIES];
	int64_t mtimes[ST_MAX_ENTRIES];
	int is_prefix[ST_MAX_ENTRIES];
	int stop_after; /* input, > 0: return 1 after this many; callers zero-initialise */
} st_list;

int st_collect_cb(const dlt_object_meta *e, void *payload);
/* List into `out` (zeroed first except stop_after); returns the dlt code. */
int st_list_all(st_list *out, dlt_storage *s, const char *prefix, const char *start_after,
                int recursive);
/* A fresh empty directory under DLT_TEST_TMPDIR (malloc'd path). */
char *st_tmpdir(const char *name);
void st_rmtree(const char *path);
/* Read a local file wholly (malloc'd, NUL-terminated); NULL if missing. */
char *st_slurp(const char *path, size_t *len_out);

#endif
