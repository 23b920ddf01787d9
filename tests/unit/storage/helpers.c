/* Shared helpers of the storage unit tests. */
#define _XOPEN_SOURCE 700
#include "helpers.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int st_collect_cb(const dlt_object_meta *e, void *payload)
{
	st_list *l = payload;
	if (l->n >= ST_MAX_ENTRIES)
		return DLT_ELIMIT;
	snprintf(l->keys[l->n], sizeof(l->keys[0]), "%s", e->key);
	l->sizes[l->n] = e->size;
	l->mtimes[l->n] = e->mtime_ms;
	l->is_prefix[l->n] = e->is_prefix;
	l->n++;
	return l->stop_after > 0 && l->n >= l->stop_after ? 1 : 0;
}

int st_list_all(st_list *out, dlt_storage *s, const char *prefix, const char *start_after,
                int recursive)
{
	dlt_list_options o = DLT_LIST_OPTIONS_INIT;
	int stop = out->stop_after;
	memset(out, 0, sizeof(*out));
	out->stop_after = stop;
	o.start_after = start_after;
	o.recursive = recursive;
	return dlt_storage_list(s, prefix, &o, st_collect_cb, out, NULL);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void st_rmtree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *st_tmpdir(const char *name)
{
	char *p = malloc(4096);
	snprintf(p, 4096, "%s/storage_%s_%ld", DLT_TEST_TMPDIR, name, (long)getpid());
	st_rmtree(p);
	mkdir(DLT_TEST_TMPDIR, 0777);
	mkdir(p, 0777);
	return p;
}

char *st_slurp(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		n = 0;
	buf[n] = 0;
	fclose(f);
	if (len_out)
		*len_out = (size_t)n;
	return buf;
}
