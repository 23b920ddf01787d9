/*
 * deltalite/io.h - byte sources and sinks.
 *
 * A dlt_input is a random-access byte source (size + read at offset): a local
 * file now, an object-store object with ranged GETs later. A dlt_output is an
 * append-only sink that is either finished (the bytes become visible under
 * their final name at once) or aborted (nothing is left behind), so no reader
 * ever sees a half-written file.
 */
#ifndef DELTALITE_IO_H
#define DELTALITE_IO_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dlt_input dlt_input;   /* opaque; one thread at a time unless noted */
typedef struct dlt_output dlt_output; /* opaque; one thread at a time */

/** Callbacks of a custom input. Fields are only ever appended (see `version`). */
typedef struct dlt_input_ops {
	unsigned int version; /* DLT_INPUT_OPS_VERSION */
	/** Total size in bytes; DLT_EUNSUPPORTED if unknown (a pipe). */
	int (*size)(void *ctx, uint64_t *size_out, dlt_error *err);
	/**
	 * Read up to `len` bytes at `offset` into `dst`; `*got` < len only at end
	 * of data. Must be safe to call from several threads at once when the
	 * input is used by a parallel reader (pread-like, no shared cursor).
	 */
	int (*read_at)(void *ctx, uint64_t offset, void *dst, size_t len, size_t *got,
	               dlt_error *err);
	/** Release `ctx`. May be NULL. */
	void (*close)(void *ctx);
} dlt_input_ops;
#define DLT_INPUT_OPS_VERSION 1

/** Wrap custom callbacks; `name` (copied) appears in error messages. */
DLT_API int dlt_input_new(dlt_input **out, const dlt_input_ops *ops, void *ctx,
                          const char *name, dlt_error *err);
/** Open a local file for reading (pread; thread-safe reads). "-" is stdin (sequential only). */
DLT_API int dlt_input_open_file(dlt_input **out, const char *path, dlt_error *err);
/** Read from `len` bytes at `data`, borrowed: they must outlive the input. */
DLT_API int dlt_input_from_memory(dlt_input **out, const void *data, size_t len,
                                  const char *name, dlt_error *err);
DLT_API int dlt_input_size(uint64_t *size_out, dlt_input *in, dlt_error *err);
/** Read up to `len` bytes; `*got` < len only at end of data. */
DLT_API int dlt_input_read_at(dlt_input *in, uint64_t offset, void *dst, size_t len,
                              size_t *got, dlt_error *err);
/** Read exactly `len` bytes or fail with DLT_ECORRUPT ("truncated") naming the input. */
DLT_API int dlt_input_read_exact(dlt_input *in, uint64_t offset, void *dst, size_t len,
                                 dlt_error *err);
/** Name given at creation (file path); borrowed. */
DLT_API const char *dlt_input_name(const dlt_input *in);
DLT_API void dlt_input_free(dlt_input *in);

/** Callbacks of a custom output. */
typedef struct dlt_output_ops {
	unsigned int version; /* DLT_OUTPUT_OPS_VERSION */
	int (*write)(void *ctx, const void *data, size_t len, dlt_error *err);
	/** Make everything written visible/durable. Called once. */
	int (*finish)(void *ctx, dlt_error *err);
	/** Discard everything written. Called instead of finish, at most once. */
	void (*abort)(void *ctx);
	void (*close)(void *ctx);
} dlt_output_ops;
#define DLT_OUTPUT_OPS_VERSION 1

DLT_API int dlt_output_new(dlt_output **out, const dlt_output_ops *ops, void *ctx,
                           const char *name, dlt_error *err);
/**
 * Write a local file: bytes go to a hidden temporary file beside `path`,
 * renamed over `path` by dlt_output_finish (fsync first). "-" is stdout
 * (streamed directly; abort cannot unsay what was written).
 */
DLT_API int dlt_output_open_file(dlt_output **out, const char *path, dlt_error *err);
/** Collect the bytes in memory; dlt_output_memory_data() gives them. */
DLT_API int dlt_output_to_memory(dlt_output **out, dlt_error *err);
/** Bytes collected by a memory output (borrowed; valid until the output is freed). */
DLT_API const uint8_t *dlt_output_memory_data(const dlt_output *o, size_t *len_out);
DLT_API int dlt_output_write(dlt_output *o, const void *data, size_t len, dlt_error *err);
/** Bytes written so far. */
DLT_API uint64_t dlt_output_position(const dlt_output *o);
DLT_API int dlt_output_finish(dlt_output *o, dlt_error *err);
/**
 * Discard everything written (temporary file removed); later writes and finish
 * fail with DLT_EINVAL. No-op after finish or a previous abort. NULL ok.
 */
DLT_API void dlt_output_abort(dlt_output *o);
/** Frees; an output that was not finished is aborted (temporary file removed). */
DLT_API void dlt_output_free(dlt_output *o);
DLT_API const char *dlt_output_name(const dlt_output *o);

#ifdef __cplusplus
}
#endif
#endif /* DELTALITE_IO_H */
