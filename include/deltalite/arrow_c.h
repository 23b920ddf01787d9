/*
 * deltalite/arrow_c.h - the Apache Arrow C Data Interface and C Stream Interface.
 *
 * These are the ABI-stable structs defined by Apache Arrow
 * (format/CDataInterface, format/CStreamInterface); the guard macros are the
 * ones Arrow specifies, so this header coexists with arrow/c/abi.h, nanoarrow
 * or any other copy. All data enters and leaves deltalite through them.
 *
 * Ownership (Arrow's rules): a struct whose `release` is non-NULL owns its
 * data. Moving is memcpy followed by setting the source's `release` to NULL.
 * The consumer calls `release` exactly once; a released struct has
 * release == NULL.
 */
#ifndef DELTALITE_ARROW_C_H
#define DELTALITE_ARROW_C_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
	/* Array type description */
	const char *format;
	const char *name;
	const char *metadata;
	int64_t flags;
	int64_t n_children;
	struct ArrowSchema **children;
	struct ArrowSchema *dictionary;

	/* Release callback */
	void (*release)(struct ArrowSchema *);
	/* Opaque producer-specific data */
	void *private_data;
};

struct ArrowArray {
	/* Array data description */
	int64_t length;
	int64_t null_count;
	int64_t offset;
	int64_t n_buffers;
	int64_t n_children;
	const void **buffers;
	struct ArrowArray **children;
	struct ArrowArray *dictionary;

	/* Release callback */
	void (*release)(struct ArrowArray *);
	/* Opaque producer-specific data */
	void *private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE

struct ArrowArrayStream {
	/* Callbacks return 0 on success or an errno-compatible code. */
	int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
	/* End of stream: returns 0 with out->release == NULL. */
	int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
	/* Message for the last error; valid until the next call on the stream. */
	const char *(*get_last_error)(struct ArrowArrayStream *);

	void (*release)(struct ArrowArrayStream *);
	void *private_data;
};

#endif /* ARROW_C_STREAM_INTERFACE */

#ifdef __cplusplus
}
#endif
#endif /* DELTALITE_ARROW_C_H */
