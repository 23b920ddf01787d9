/* Parquet Variant bytes from hostile input: the input is variant metadata
 * followed by a value, split where dlt_variant__metadata_len says the
 * metadata ends; when that fails, the first byte is taken as the metadata
 * length instead, so malformed metadata reaches validate and to_text too.
 * Metadata and value go to separate exact-size blocks (an over-read of one
 * is not hidden by the other). Invariants, abort() if broken:
 *   - validate and to_text return the same code, one of the documented ones;
 *   - on success the text is JSON that jansson reads back.
 * Never crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compute/variant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *copy(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	if (c && n)
		memcpy(c, p, n);
	return c;
}

static void check(const uint8_t *meta, size_t mlen, const uint8_t *value, size_t vlen)
{
	uint8_t *m = copy(meta, mlen), *v = copy(value, vlen);
	dlt_buf text = DLT_BUF_INIT;
	dlt_error e1, e2;
	int r1, r2;
	if (!m || !v) {
		free(m);
		free(v);
		return;
	}
	r1 = dlt_variant__validate(m, mlen, v, vlen, &e1);
	r2 = dlt_variant__to_text(&text, m, mlen, v, vlen, &e2);
	if (r1 != r2)
		abort();
	if (r1 != DLT_OK && r1 != DLT_ECORRUPT && r1 != DLT_EUNSUPPORTED && r1 != DLT_ELIMIT &&
	    r1 != DLT_ENOMEM)
		abort();
	if (r1 == DLT_OK) {
		/*
		 * JSON_ALLOW_NUL: a variant string may hold U+0000, which the text
		 * writes as \u0000 (valid JSON); jansson refuses it by default.
		 * jansson also refuses \u0000 inside an object key whatever the
		 * flags ("NUL byte in object key not supported"), although that is
		 * valid JSON too: metadata names may contain U+0000. That one
		 * jansson limitation is let through, only when the text has one.
		 */
		json_error_t je;
		json_t *j = json_loadb((const char *)text.data, text.len,
		                       JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
		if (!j && !(json_error_code(&je) == json_error_null_byte_in_key &&
		            memmem(text.data, text.len, "\\u0000", 6) != NULL))
			abort();
		json_decref(j);
	}
	dlt_buf_dispose(&text);
	free(m);
	free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t mlen;
	dlt_error err;
	if (dlt_variant__metadata_len(&mlen, data, size, &err) == DLT_OK) {
		if (mlen > size)
			abort();
		check(data, mlen, data + mlen, size - mlen);
	} else if (size > 0) {
		/* first byte: metadata length (at most what is left) */
		mlen = data[0] < size - 1 ? data[0] : size - 1;
		check(data + 1, mlen, data + 1 + mlen, size - 1 - mlen);
	}
	return 0;
}
