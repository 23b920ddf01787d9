/* Byte sources (dlt_input) and sinks (dlt_output): local files and memory. */
#include "deltalite/io.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

struct dlt_input {
	dlt_input_ops ops;
	void *ctx;
	char *name;
};

struct dlt_output {
	dlt_output_ops ops;
	void *ctx;
	char *name;
	uint64_t pos;
	int state; /* 0 open, 1 finished, 2 failed (abort pending), 3 aborted */
};

int dlt_input_new(dlt_input **out, const dlt_input_ops *ops, void *ctx, const char *name,
                  dlt_error *err)
{
	dlt_input *in;
	DLT_ARG_CHECK(out != NULL && ops != NULL && ops->read_at != NULL, err);
	*out = NULL;
	in = dlt_calloc(1, sizeof(*in));
	if (!in || !(in->name = dlt_strdup(name ? name : "<input>"))) {
		dlt_free(in);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory opening input");
	}
	/* Copy only the fields the caller's version has. */
	in->ops.version = ops->version;
	in->ops.size = ops->size;
	in->ops.read_at = ops->read_at;
	in->ops.close = ops->close;
	in->ctx = ctx;
	*out = in;
	return DLT_OK;
}

/* ---- local file ---- */

typedef struct file_in {
	int fd;
	bool seekable;
	uint64_t size;
	uint64_t pos; /* for pipes: bytes consumed so far */
} file_in;

static int file_size(void *ctx, uint64_t *size_out, dlt_error *err)
{
	file_in *f = ctx;
	if (!f->seekable)
		return dlt_error_set(err, DLT_EUNSUPPORTED, "size of a pipe is unknown");
	*size_out = f->size;
	return DLT_OK;
}

static int file_read_at(void *ctx, uint64_t offset, void *dst, size_t len, size_t *got,
                        dlt_error *err)
{
	file_in *f = ctx;
	size_t done = 0;
	*got = 0;
	if (!f->seekable && offset != f->pos)
		return dlt_error_set(err, DLT_EUNSUPPORTED,
		                     "non-sequential read at %" PRIu64 " on a pipe (at %" PRIu64 ")",
		                     offset, f->pos);
	while (done < len) {
		ssize_t n = f->seekable ? pread(f->fd, (uint8_t *)dst + done, len - done,
		                                (off_t)(offset + done))
		                        : read(f->fd, (uint8_t *)dst + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return dlt_error__set_errno(err, DLT_EIO, errno, "read at offset %" PRIu64,
			                            offset + done);
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	if (!f->seekable)
		f->pos += done;
	*got = done;
	return DLT_OK;
}

static void file_close(void *ctx)
{
	file_in *f = ctx;
	if (f->fd > 2)
		close(f->fd);
	dlt_free(f);
}

int dlt_input_open_file(dlt_input **out, const char *path, dlt_error *err)
{
	static const dlt_input_ops ops = { DLT_INPUT_OPS_VERSION, file_size, file_read_at,
		                           file_close };
	file_in *f;
	struct stat st;
	int rc;
	DLT_ARG_CHECK(out != NULL && path != NULL, err);
	*out = NULL;
	f = dlt_calloc(1, sizeof(*f));
	if (!f)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory opening '%s'", path);
	if (strcmp(path, "-") == 0) {
		f->fd = 0;
	} else {
		f->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (f->fd < 0) {
			int e = errno;
			dlt_free(f);
			rc = dlt_error__set_errno(err, dlt_code_from_errno(e), e, "cannot open '%s'",
			                          path);
			dlt_error_set_path(err, path);
			return rc;
		}
	}
	if (fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode)) {
		f->seekable = true;
		f->size = (uint64_t)st.st_size;
	} else if (fstat(f->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		file_close(f);
		rc = dlt_error_set(err, DLT_EINVAL, "'%s' is a directory, not a file", path);
		dlt_error_set_path(err, path);
		return rc;
	}
	if ((rc = dlt_input_new(out, &ops, f, path, err)) < 0)
		file_close(f);
	return rc;
}

/* ---- memory ---- */

typedef struct mem_in {
	const uint8_t *data;
	size_t len;
} mem_in;

static int mem_size(void *ctx, uint64_t *size_out, dlt_error *err)
{
	(void)err;
	*size_out = ((mem_in *)ctx)->len;
	return DLT_OK;
}

static int mem_read_at(void *ctx, uint64_t offset, void *dst, size_t len, size_t *got,
                       dlt_error *err)
{
	mem_in *m = ctx;
	(void)err;
	if (offset >= m->len) {
		*got = 0;
		return DLT_OK;
	}
	size_t n = DLT_MIN(len, m->len - (size_t)offset);
	memcpy(dst, m->data + offset, n);
	*got = n;
	return DLT_OK;
}

static void mem_close(void *ctx) { dlt_free(ctx); }

int dlt_input_from_memory(dlt_input **out, const void *data, size_t len, const char *name,
                          dlt_error *err)
{
	static const dlt_input_ops ops = { DLT_INPUT_OPS_VERSION, mem_size, mem_read_at,
		                           mem_close };
	mem_in *m;
	int rc;
	DLT_ARG_CHECK(out != NULL && (data != NULL || len == 0), err);
	*out = NULL;
	m = dlt_calloc(1, sizeof(*m));
	if (!m)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	m->data = data;
	m->len = len;
	if ((rc = dlt_input_new(out, &ops, m, name ? name : "<memory>", err)) < 0)
		dlt_free(m);
	return rc;
}

int dlt_input_size(uint64_t *size_out, dlt_input *in, dlt_error *err)
{
	int rc;
	DLT_ARG_CHECK(size_out != NULL && in != NULL, err);
	if (!in->ops.size)
		return dlt_error_set(err, DLT_EUNSUPPORTED, "'%s': size unknown", in->name);
	if ((rc = in->ops.size(in->ctx, size_out, err)) < 0)
		dlt_error_set_path(err, in->name);
	return rc;
}

int dlt_input_read_at(dlt_input *in, uint64_t offset, void *dst, size_t len, size_t *got,
                      dlt_error *err)
{
	int rc;
	DLT_ARG_CHECK(in != NULL && got != NULL && (dst != NULL || len == 0), err);
	if ((rc = in->ops.read_at(in->ctx, offset, dst, len, got, err)) < 0) {
		dlt_error_prefix(err, "%s", in->name);
		dlt_error_set_path(err, in->name);
		dlt_error__set_offset(err, (int64_t)offset);
	}
	return rc;
}

int dlt_input_read_exact(dlt_input *in, uint64_t offset, void *dst, size_t len,
                         dlt_error *err)
{
	size_t got = 0;
	int rc = dlt_input_read_at(in, offset, dst, len, &got, err);
	if (rc < 0)
		return rc;
	if (got != len) {
		rc = dlt_error_set(err, DLT_ECORRUPT,
		                   "%s: truncated: wanted %zu bytes at offset %" PRIu64 ", got %zu",
		                   in->name, len, offset, got);
		dlt_error_set_path(err, in->name);
		dlt_error__set_offset(err, (int64_t)offset);
	}
	return rc;
}

const char *dlt_input_name(const dlt_input *in) { return in ? in->name : ""; }

void dlt_input_free(dlt_input *in)
{
	if (!in)
		return;
	if (in->ops.close)
		in->ops.close(in->ctx);
	dlt_free(in->name);
	dlt_free(in);
}

/* ---- outputs ---- */

int dlt_output_new(dlt_output **out, const dlt_output_ops *ops, void *ctx, const char *name,
                   dlt_error *err)
{
	dlt_output *o;
	DLT_ARG_CHECK(out != NULL && ops != NULL && ops->write != NULL, err);
	*out = NULL;
	o = dlt_calloc(1, sizeof(*o));
	if (!o || !(o->name = dlt_strdup(name ? name : "<output>"))) {
		dlt_free(o);
		return dlt_error_set(err, DLT_ENOMEM, "out of memory opening output");
	}
	o->ops.version = ops->version;
	o->ops.write = ops->write;
	o->ops.finish = ops->finish;
	o->ops.abort = ops->abort;
	o->ops.close = ops->close;
	o->ctx = ctx;
	*out = o;
	return DLT_OK;
}

typedef struct file_out {
	int fd;
	char *path;
	char *tmp; /* NULL for stdout */
	/* Small writes are coalesced: one syscall per 256 KiB. */
	uint8_t *buf;
	size_t len;
} file_out;

#define FILE_OUT_BUF (256 * 1024)

static int fo_flush(file_out *f, dlt_error *err)
{
	size_t done = 0;
	while (done < f->len) {
		ssize_t n = write(f->fd, f->buf + done, f->len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return dlt_error__set_errno(err, dlt_code_from_errno(errno) == DLT_EAUTH ? DLT_EAUTH : DLT_EIO,
			                            errno, "write to '%s'", f->path);
		}
		done += (size_t)n;
	}
	f->len = 0;
	return DLT_OK;
}

static int fo_write(void *ctx, const void *data, size_t len, dlt_error *err)
{
	file_out *f = ctx;
	int rc;
	if (f->len + len > FILE_OUT_BUF) {
		if ((rc = fo_flush(f, err)) < 0)
			return rc;
		if (len >= FILE_OUT_BUF) {
			/* Large block: write straight through. */
			const uint8_t *save = f->buf;
			f->buf = (uint8_t *)data;
			f->len = len;
			rc = fo_flush(f, err);
			f->buf = (uint8_t *)save;
			f->len = 0;
			return rc;
		}
	}
	memcpy(f->buf + f->len, data, len);
	f->len += len;
	return DLT_OK;
}

static int fo_finish(void *ctx, dlt_error *err)
{
	file_out *f = ctx;
	int rc;
	if ((rc = fo_flush(f, err)) < 0)
		return rc;
	if (!f->tmp)
		return DLT_OK;
	if (fsync(f->fd) != 0)
		return dlt_error__set_errno(err, DLT_EIO, errno, "fsync '%s'", f->tmp);
	if (close(f->fd) != 0) {
		f->fd = -1;
		return dlt_error__set_errno(err, DLT_EIO, errno, "close '%s'", f->tmp);
	}
	f->fd = -1;
	if (rename(f->tmp, f->path) != 0)
		return dlt_error__set_errno(err, DLT_EIO, errno, "rename '%s' to '%s'", f->tmp,
		                            f->path);
	dlt_free(f->tmp);
	f->tmp = NULL;
	return DLT_OK;
}

static void fo_abort(void *ctx)
{
	file_out *f = ctx;
	if (f->tmp) {
		if (f->fd >= 0)
			close(f->fd);
		f->fd = -1;
		unlink(f->tmp);
	}
}

static void fo_close(void *ctx)
{
	file_out *f = ctx;
	if (f->fd > 2)
		close(f->fd);
	dlt_free(f->path);
	dlt_free(f->tmp);
	dlt_free(f->buf);
	dlt_free(f);
}

int dlt_output_open_file(dlt_output **out, const char *path, dlt_error *err)
{
	static const dlt_output_ops ops = { DLT_OUTPUT_OPS_VERSION, fo_write, fo_finish, fo_abort,
		                            fo_close };
	file_out *f;
	int rc;
	DLT_ARG_CHECK(out != NULL && path != NULL, err);
	*out = NULL;
	f = dlt_calloc(1, sizeof(*f));
	if (!f || !(f->path = dlt_strdup(path)) || !(f->buf = dlt_malloc(FILE_OUT_BUF))) {
		if (f) {
			dlt_free(f->path);
			dlt_free(f);
		}
		return dlt_error_set(err, DLT_ENOMEM, "out of memory opening '%s'", path);
	}
	if (strcmp(path, "-") == 0) {
		f->fd = 1;
	} else {
		/* Hidden temp beside the target so rename() stays on one filesystem. */
		const char *slash = strrchr(path, '/');
		size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
		f->tmp = dlt_asprintf("%.*s.%s.%ld.tmp", (int)dirlen, path, path + dirlen,
		                      (long)getpid());
		if (!f->tmp) {
			fo_close(f);
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		}
		f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (f->fd < 0) {
			int e = errno;
			rc = dlt_error__set_errno(err, dlt_code_from_errno(e), e, "cannot create '%s'",
			                          path);
			dlt_error_set_path(err, path);
			dlt_free(f->tmp);
			f->tmp = NULL;
			fo_close(f);
			return rc;
		}
	}
	if ((rc = dlt_output_new(out, &ops, f, path, err)) < 0) {
		fo_abort(f);
		fo_close(f);
	}
	return rc;
}

typedef struct mem_out {
	dlt_buf buf;
} mem_out;

static int mo_write(void *ctx, const void *data, size_t len, dlt_error *err)
{
	return dlt_buf_append(&((mem_out *)ctx)->buf, data, len, err);
}

static void mo_close(void *ctx)
{
	mem_out *m = ctx;
	dlt_buf_dispose(&m->buf);
	dlt_free(m);
}

int dlt_output_to_memory(dlt_output **out, dlt_error *err)
{
	static const dlt_output_ops ops = { DLT_OUTPUT_OPS_VERSION, mo_write, NULL, NULL,
		                            mo_close };
	mem_out *m;
	int rc;
	DLT_ARG_CHECK(out != NULL, err);
	m = dlt_calloc(1, sizeof(*m));
	if (!m)
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	if ((rc = dlt_output_new(out, &ops, m, "<memory>", err)) < 0)
		dlt_free(m);
	return rc;
}

const uint8_t *dlt_output_memory_data(const dlt_output *o, size_t *len_out)
{
	const mem_out *m;
	if (!o || o->ops.write != mo_write) {
		if (len_out)
			*len_out = 0;
		return NULL;
	}
	m = o->ctx;
	if (len_out)
		*len_out = m->buf.len;
	return m->buf.data;
}

int dlt_output_write(dlt_output *o, const void *data, size_t len, dlt_error *err)
{
	int rc;
	DLT_ARG_CHECK(o != NULL && (data != NULL || len == 0), err);
	if (o->state != 0)
		return dlt_error_set(err, DLT_EINVAL, "'%s': write after finish or failure", o->name);
	if (len == 0)
		return DLT_OK;
	if ((rc = o->ops.write(o->ctx, data, len, err)) < 0) {
		o->state = 2;
		dlt_error_set_path(err, o->name);
		return rc;
	}
	o->pos += len;
	return DLT_OK;
}

uint64_t dlt_output_position(const dlt_output *o) { return o ? o->pos : 0; }

int dlt_output_finish(dlt_output *o, dlt_error *err)
{
	int rc = DLT_OK;
	DLT_ARG_CHECK(o != NULL, err);
	if (o->state != 0)
		return dlt_error_set(err, DLT_EINVAL, "'%s': finish after finish or failure", o->name);
	if (o->ops.finish && (rc = o->ops.finish(o->ctx, err)) < 0) {
		o->state = 2;
		dlt_error_set_path(err, o->name);
		return rc;
	}
	o->state = 1;
	return DLT_OK;
}

const char *dlt_output_name(const dlt_output *o) { return o ? o->name : ""; }

void dlt_output_abort(dlt_output *o)
{
	if (!o || o->state == 1 || o->state == 3)
		return;
	if (o->ops.abort)
		o->ops.abort(o->ctx);
	o->state = 3; /* aborted: nothing left to discard */
}

void dlt_output_free(dlt_output *o)
{
	if (!o)
		return;
	if (o->state != 1 && o->state != 3 && o->ops.abort)
		o->ops.abort(o->ctx);
	if (o->ops.close)
		o->ops.close(o->ctx);
	dlt_free(o->name);
	dlt_free(o);
}
