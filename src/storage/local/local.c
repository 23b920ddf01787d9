/* The "file" backend: a table root directory on a POSIX filesystem.
 *
 * Keys map to root + "/" + key byte for byte (spaces, '%', '=', '#', UTF-8:
 * names are whatever Spark wrote). Writes go to a hidden temporary in the
 * target directory (".dlt-tmp.*", never listed) and are published with
 * rename() (overwrite) or renameat2(RENAME_NOREPLACE) / link() (if absent):
 * both atomic, so there is never a check-then-write window and readers never
 * see a partial file. */
#include "storage/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_PREFIX ".dlt-tmp."
#define OUT_BUF (256 * 1024)
#define MAX_DEPTH 128

typedef struct local_backend {
	dlt_storage_backend base; /* first: the library sees only this */
	char *root;               /* no trailing '/'; "" for the filesystem root */
} local_backend;

static char *full_path(const local_backend *lb, const char *key)
{
	return dlt_asprintf("%s/%s", lb->root, key);
}

static int nomem(dlt_error *err, const char *key)
{
	return dlt_error_set(err, DLT_ENOMEM, "out of memory on '%s'", key);
}

static int sys_fail(dlt_error *err, int e, const char *what, const char *path)
{
	int rc = dlt_error__set_errno(err, dlt_code_from_errno(e), e, "%s '%s'", what, path);
	dlt_error_set_path(err, path);
	return rc;
}

static int64_t mtime_ms(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
}

static int local_head(dlt_storage_backend *b, const char *key, dlt_object_meta *out,
                      dlt_error *err)
{
	local_backend *lb = (local_backend *)b;
	struct stat st;
	char *path = full_path(lb, key);
	int rc = DLT_OK;
	if (!path)
		return nomem(err, key);
	if (stat(path, &st) != 0) {
		int e = errno;
		rc = (e == ENOENT || e == ENOTDIR)
		             ? dlt_error_set(err, DLT_ENOTFOUND, "'%s': no such object", path)
		             : sys_fail(err, e, "cannot stat", path);
		dlt_error_set_path(err, path);
	} else if (!S_ISREG(st.st_mode)) {
		rc = dlt_error_set(err, DLT_ENOTFOUND, "'%s': not a regular file", path);
		dlt_error_set_path(err, path);
	} else {
		out->size = (uint64_t)st.st_size;
		out->mtime_ms = mtime_ms(&st);
		out->is_prefix = 0;
	}
	dlt_free(path);
	return rc;
}

static int open_regular(int *fd_out, const char *path, dlt_error *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT || e == ENOTDIR) {
			dlt_error_set(err, DLT_ENOTFOUND, "'%s': no such object", path);
			dlt_error_set_path(err, path);
			return DLT_ENOTFOUND;
		}
		return sys_fail(err, e, "cannot open", path);
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		dlt_error_set(err, DLT_ENOTFOUND, "'%s': not a regular file", path);
		dlt_error_set_path(err, path);
		return DLT_ENOTFOUND;
	}
	*fd_out = fd;
	return DLT_OK;
}

static int local_read_range(dlt_storage_backend *b, const char *key, uint64_t offset,
                            void *dst, size_t len, size_t *got, dlt_error *err)
{
	local_backend *lb = (local_backend *)b;
	char *path = full_path(lb, key);
	size_t done = 0;
	int fd = -1, rc;
	*got = 0;
	if (!path)
		return nomem(err, key);
	if (offset > (uint64_t)INT64_MAX) {
		dlt_free(path);
		return DLT_OK; /* past any file's end */
	}
	if ((rc = open_regular(&fd, path, err)) < 0)
		goto done;
	while (done < len) {
		ssize_t n = pread(fd, (uint8_t *)dst + done, len - done, (off_t)(offset + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = sys_fail(err, errno, "cannot read", path);
			dlt_error__set_offset(err, (int64_t)(offset + done));
			goto done;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	*got = done;
done:
	if (fd >= 0)
		close(fd);
	dlt_free(path);
	return rc;
}

/* mkdir -p of the directory holding `path` (root included: a new table). */
static int make_parents(const char *path, dlt_error *err)
{
	char *dir = dlt_strdup(path), *p;
	int rc = DLT_OK;
	if (!dir)
		return nomem(err, path);
	p = strrchr(dir, '/');
	if (!p || p == dir) {
		dlt_free(dir);
		return DLT_OK;
	}
	*p = '\0';
	for (p = dir + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char save = *p;
			*p = '\0';
			if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
				rc = sys_fail(err, errno, "cannot create directory", dir);
				break;
			}
			*p = save;
			if (save == '\0')
				break;
		}
	}
	dlt_free(dir);
	return rc;
}

/* A new, exclusive temporary beside `path` (same directory: rename stays atomic). */
static int make_temp(int *fd_out, char **tmp_out, const char *path, dlt_error *err)
{
	static unsigned long counter; /* uniqueness within this process */
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path) + 1 : 0;
	int attempt;
	for (attempt = 0; attempt < 100; attempt++) {
		unsigned long seq = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
		char *tmp = dlt_asprintf("%.*s" TMP_PREFIX "%ld.%lu.%lld", dirlen, path, (long)getpid(),
		                         seq, (long long)(dlt_now_ns() & 0xffffffffffffLL));
		int fd;
		if (!tmp)
			return nomem(err, path);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0) {
			*fd_out = fd;
			*tmp_out = tmp;
			return DLT_OK;
		}
		if (errno != EEXIST) {
			int rc = sys_fail(err, errno, "cannot create temporary file", tmp);
			dlt_free(tmp);
			return rc;
		}
		dlt_free(tmp);
	}
	return dlt_error_set(err, DLT_EIO, "cannot create a temporary file beside '%s'", path);
}

static int write_all(int fd, const void *data, size_t len, const char *path, dlt_error *err)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, (const uint8_t *)data + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return sys_fail(err, errno, "cannot write", path);
		}
		done += (size_t)n;
	}
	return DLT_OK;
}

static void sync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? dlt_strndup(path, slash == path ? 1 : (size_t)(slash - path))
	                  : dlt_strdup(".");
	int fd;
	if (!dir)
		return;
	/* Best effort: the rename is already atomic; this makes it durable. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	dlt_free(dir);
}

/* Make the complete temporary `tmp` visible as `path`; the temporary is gone
 * afterwards whatever happens. */
static int publish(const char *tmp, const char *path, const char *key, dlt_put_mode mode,
                   dlt_error *err)
{
	int rc = DLT_OK;
	if (mode == DLT_PUT_OVERWRITE) {
		if (rename(tmp, path) != 0) {
			rc = sys_fail(err, errno, "cannot rename temporary file to", path);
			unlink(tmp);
		}
	} else {
		int r = -1, e = ENOSYS;
#ifdef RENAME_NOREPLACE
		r = renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE);
		e = r == 0 ? 0 : errno;
#endif
		if (r != 0 && (e == EINVAL || e == ENOSYS || e == ENOTSUP)) {
			/* Filesystem without RENAME_NOREPLACE: link() fails with EEXIST
			 * just as atomically. */
			r = link(tmp, path);
			e = r == 0 ? 0 : errno;
			unlink(tmp);
		} else if (r != 0) {
			unlink(tmp);
		}
		if (r != 0) {
			if (e == EEXIST) {
				rc = dlt_error_set(err, DLT_EEXISTS, "'%s' already exists", key);
				dlt_error_set_path(err, path);
			} else {
				rc = sys_fail(err, e, "cannot create", path);
			}
		}
	}
	if (rc == DLT_OK)
		sync_dir_of(path);
	return rc;
}

static int local_put(dlt_storage_backend *b, const char *key, const void *data, size_t len,
                     dlt_put_mode mode, dlt_error *err)
{
	local_backend *lb = (local_backend *)b;
	char *path = full_path(lb, key), *tmp = NULL;
	int fd = -1, rc;
	if (!path)
		return nomem(err, key);
	if ((rc = make_parents(path, err)) < 0 || (rc = make_temp(&fd, &tmp, path, err)) < 0)
		goto done;
	if ((rc = write_all(fd, data, len, tmp, err)) < 0)
		goto fail;
	if (fsync(fd) != 0) {
		rc = sys_fail(err, errno, "cannot fsync", tmp);
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = sys_fail(err, errno, "cannot close", tmp);
		goto fail;
	}
	fd = -1;
	rc = publish(tmp, path, key, mode, err);
	goto done;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
done:
	dlt_free(tmp);
	dlt_free(path);
	return rc;
}

static int local_remove(dlt_storage_backend *b, const char *key, dlt_error *err)
{
	local_backend *lb = (local_backend *)b;
	char *path = full_path(lb, key);
	int rc = DLT_OK;
	if (!path)
		return nomem(err, key);
	if (unlink(path) != 0 && errno != ENOENT && errno != ENOTDIR) {
		int e = errno;
		struct stat st;
		/* A directory is no object: nothing to delete. */
		if (!((e == EISDIR || e == EPERM) && stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
			rc = sys_fail(err, e, "cannot delete", path);
	}
	dlt_free(path);
	return rc;
}

/* ---- listing ---- */

typedef struct entry {
	char *key;
	uint64_t size;
	int64_t mtime_ms;
	int is_prefix;
} entry;

typedef struct walk {
	local_backend *lb;
	const char *prefix;
	const char *start_after;
	int recursive;
	entry *v;
	size_t len, cap;
	dlt_error *err;
} walk;

static int add_entry(walk *w, char *key, const struct stat *st, int is_prefix)
{
	if (w->len == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 64, bytes;
		entry *nv;
		if (dlt_mul_overflow(ncap, sizeof(entry), &bytes) || !(nv = dlt_realloc(w->v, bytes))) {
			dlt_free(key);
			return nomem(w->err, w->prefix);
		}
		w->v = nv;
		w->cap = ncap;
	}
	w->v[w->len].key = key;
	w->v[w->len].size = is_prefix ? 0 : (uint64_t)st->st_size;
	w->v[w->len].mtime_ms = is_prefix ? 0 : mtime_ms(st);
	w->v[w->len].is_prefix = is_prefix;
	w->len++;
	return DLT_OK;
}

static int passes(const walk *w, const char *key)
{
	return dlt_storage__has_prefix(key, w->prefix) &&
	       (!w->start_after || strcmp(key, w->start_after) > 0);
}

/* Could a key under directory `dirkey` ("a/b/") be listed? */
static int dir_may_match(const walk *w, const char *dirkey)
{
	size_t n = strlen(dirkey), np = strlen(w->prefix);
	if (strncmp(dirkey, w->prefix, DLT_MIN(n, np)) != 0)
		return 0;
	/* Every key inside sorts after dirkey; skip when all of them are <= start_after. */
	if (w->start_after && strcmp(dirkey, w->start_after) <= 0 &&
	    strncmp(w->start_after, dirkey, n) != 0)
		return 0;
	return 1;
}

static int walk_dir(walk *w, const char *dirkey, int depth)
{
	char *fsdir;
	DIR *d;
	struct dirent *de;
	int rc = DLT_OK;
	if (depth > MAX_DEPTH)
		return dlt_error_set(w->err, DLT_ELIMIT, "listing '%s': more than %d directory levels",
		                     dirkey, MAX_DEPTH);
	if (!(fsdir = dlt_asprintf("%s/%s", w->lb->root, dirkey)))
		return nomem(w->err, dirkey);
	d = opendir(fsdir);
	if (!d) {
		int e = errno;
		if (e != ENOENT && e != ENOTDIR)
			rc = sys_fail(w->err, e, "cannot list", fsdir);
		dlt_free(fsdir);
		return rc;
	}
	while (rc == DLT_OK) {
		struct stat st;
		char *key;
		int is_dir, is_link;
		errno = 0;
		if (!(de = readdir(d))) {
			if (errno)
				rc = sys_fail(w->err, errno, "cannot list", fsdir);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue; /* vanished meanwhile */
		is_link = S_ISLNK(st.st_mode);
		if (is_link && fstatat(dirfd(d), de->d_name, &st, 0) != 0)
			continue; /* dangling link: no object */
		is_dir = S_ISDIR(st.st_mode);
		if (!is_dir && !S_ISREG(st.st_mode))
			continue;
		if (!(key = dlt_asprintf("%s%s%s", dirkey, de->d_name, is_dir ? "/" : ""))) {
			rc = nomem(w->err, dirkey);
			break;
		}
		if (!is_dir) {
			if (passes(w, key))
				rc = add_entry(w, key, &st, 0);
			else
				dlt_free(key);
		} else if (!w->recursive) {
			if (passes(w, key))
				rc = add_entry(w, key, &st, 1);
			else
				dlt_free(key);
		} else {
			/* Symlinked directories are not followed (no loops). */
			if (!is_link && dir_may_match(w, key))
				rc = walk_dir(w, key, depth + 1);
			dlt_free(key);
		}
	}
	closedir(d);
	dlt_free(fsdir);
	return rc;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const entry *)a)->key, ((const entry *)b)->key);
}

static int local_list(dlt_storage_backend *b, const char *prefix, const char *start_after,
                      int recursive, dlt_list_cb cb, void *payload, dlt_error *err)
{
	walk w;
	const char *slash = strrchr(prefix, '/');
	char *dirkey = dlt_strndup(prefix, slash ? (size_t)(slash - prefix) + 1 : 0);
	size_t i;
	int rc;
	if (!dirkey)
		return nomem(err, prefix);
	memset(&w, 0, sizeof(w));
	w.lb = (local_backend *)b;
	w.prefix = prefix;
	w.start_after = start_after;
	w.recursive = recursive;
	w.err = err;
	rc = walk_dir(&w, dirkey, 0);
	if (rc == DLT_OK && w.len > 1)
		qsort(w.v, w.len, sizeof(entry), entry_cmp);
	for (i = 0; i < w.len && rc == DLT_OK; i++) {
		dlt_object_meta m;
		m.key = w.v[i].key;
		m.size = w.v[i].size;
		m.mtime_ms = w.v[i].mtime_ms;
		m.is_prefix = w.v[i].is_prefix;
		rc = cb(&m, payload);
	}
	for (i = 0; i < w.len; i++)
		dlt_free(w.v[i].key);
	dlt_free(w.v);
	dlt_free(dirkey);
	return rc;
}

/* ---- ranged input: one descriptor, pread (thread-safe) ---- */

static int local_open_input(dlt_storage_backend *b, const char *key, dlt_input **out,
                            dlt_error *err)
{
	local_backend *lb = (local_backend *)b;
	char *path = full_path(lb, key);
	int fd = -1, rc;
	if (!path)
		return nomem(err, key);
	/* Refuse directories and missing files with ENOTFOUND before handing over. */
	if ((rc = open_regular(&fd, path, err)) == DLT_OK) {
		close(fd);
		rc = dlt_input_open_file(out, path, err);
	}
	dlt_free(path);
	return rc;
}

/* ---- streamed output ---- */

typedef struct local_out {
	int fd;
	char *path;
	char *tmp;
	char *key;
	dlt_put_mode mode;
	uint8_t *buf;
	size_t len;
} local_out;

static int lo_flush(local_out *o, dlt_error *err)
{
	int rc = write_all(o->fd, o->buf, o->len, o->tmp, err);
	o->len = 0;
	return rc;
}

static int lo_write(void *ctx, const void *data, size_t len, dlt_error *err)
{
	local_out *o = ctx;
	int rc;
	if (o->len + len > OUT_BUF) {
		if ((rc = lo_flush(o, err)) < 0)
			return rc;
		if (len >= OUT_BUF)
			return write_all(o->fd, data, len, o->tmp, err);
	}
	memcpy(o->buf + o->len, data, len);
	o->len += len;
	return DLT_OK;
}

static int lo_finish(void *ctx, dlt_error *err)
{
	local_out *o = ctx;
	int rc;
	if ((rc = lo_flush(o, err)) < 0)
		return rc;
	if (fsync(o->fd) != 0)
		return sys_fail(err, errno, "cannot fsync", o->tmp);
	rc = close(o->fd);
	o->fd = -1;
	if (rc != 0)
		return sys_fail(err, errno, "cannot close", o->tmp);
	rc = publish(o->tmp, o->path, o->key, o->mode, err);
	/* publish() removed the temporary either way. */
	dlt_free(o->tmp);
	o->tmp = NULL;
	return rc;
}

static void lo_abort(void *ctx)
{
	local_out *o = ctx;
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp)
		unlink(o->tmp);
}

static void lo_close(void *ctx)
{
	local_out *o = ctx;
	lo_abort(o);
	dlt_free(o->path);
	dlt_free(o->tmp);
	dlt_free(o->key);
	dlt_free(o->buf);
	dlt_free(o);
}

static int local_open_output(dlt_storage_backend *b, const char *key, dlt_put_mode mode,
                             dlt_output **out, dlt_error *err)
{
	static const dlt_output_ops ops = { DLT_OUTPUT_OPS_VERSION, lo_write, lo_finish, lo_abort,
		                            lo_close };
	local_backend *lb = (local_backend *)b;
	local_out *o = dlt_calloc(1, sizeof(*o));
	int rc;
	if (!o)
		return nomem(err, key);
	o->fd = -1;
	o->mode = mode;
	if (!(o->path = full_path(lb, key)) || !(o->key = dlt_strdup(key)) ||
	    !(o->buf = dlt_malloc(OUT_BUF))) {
		lo_close(o);
		return nomem(err, key);
	}
	if ((rc = make_parents(o->path, err)) < 0 ||
	    (rc = make_temp(&o->fd, &o->tmp, o->path, err)) < 0 ||
	    (rc = dlt_output_new(out, &ops, o, key, err)) < 0) {
		lo_close(o);
		return rc;
	}
	return DLT_OK;
}

static void local_free(dlt_storage_backend *b)
{
	local_backend *lb = (local_backend *)b;
	if (!lb)
		return;
	dlt_free(lb->root);
	dlt_free(lb);
}

int dlt_storage__file_factory(dlt_storage_backend **out, const dlt_uri *uri,
                              const dlt_kv *options, size_t options_len, void *payload,
                              dlt_error *err)
{
	local_backend *lb;
	size_t n;
	DLT_UNUSED(options);
	DLT_UNUSED(options_len);
	DLT_UNUSED(payload);
	*out = NULL;
	if (!uri->path || uri->path[0] == '\0')
		return dlt_error_set(err, DLT_EINVAL, "empty local path");
	lb = dlt_calloc(1, sizeof(*lb));
	if (!lb || !(lb->root = dlt_strdup(uri->path))) {
		dlt_free(lb);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	}
	n = strlen(lb->root);
	while (n > 0 && lb->root[n - 1] == '/')
		lb->root[--n] = '\0';
	lb->base.version = DLT_STORAGE_BACKEND_VERSION;
	lb->base.caps = DLT_STORAGE_CAP_PUT_IF_ABSENT | DLT_STORAGE_CAP_RANGE_READ |
	                DLT_STORAGE_CAP_STREAM_PUT | DLT_STORAGE_CAP_MTIME;
	lb->base.name = "file";
	lb->base.head = local_head;
	lb->base.read_range = local_read_range;
	lb->base.put = local_put;
	lb->base.list = local_list;
	lb->base.remove = local_remove;
	lb->base.open_input = local_open_input;
	lb->base.open_output = local_open_output;
	lb->base.free = local_free;
	*out = &lb->base;
	return DLT_OK;
}
