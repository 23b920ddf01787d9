/*
 * Parquet Variant: reconstructing ("unshredding") shredded variant columns
 * into plain {metadata, value} binaries, validating variant bytes, and a
 * canonical text rendering for comparisons.
 *
 * Specs: parquet-format VariantEncoding.md (binary layout) and
 * VariantShredding.md (value/typed_value columns and how to rebuild them).
 *
 * A shredded variant column, as our Parquet reader decodes it, is a struct:
 *   struct { metadata: binary, value: binary (optional), typed_value: T (optional) }
 * where T is a primitive (int8/16/32/64, float, double, bool, decimal128,
 * date32, time64[us], timestamp[us|ns] with or without tz, utf8, binary,
 * fixed_size_binary(16) = uuid), a list of {value, typed_value} element
 * structs, or a struct whose fields are each {value, typed_value} groups (a
 * shredded object), recursively. Large string/binary/list variants and
 * dictionary-encoded binary/string leaves are accepted too.
 *
 * Input arrays must be valid Arrow (dlt_arrow__validate'd if foreign); the
 * variant bytes inside them are untrusted and fully checked: malformed bytes
 * give DLT_ECORRUPT, never a crash.
 */
#ifndef DLT_COMPUTE_VARIANT_H
#define DLT_COMPUTE_VARIANT_H

#include "arrow/arrow.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Nesting depth (arrays/objects) accepted in variant bytes: DLT_ELIMIT beyond. */
#define DLT_VARIANT_MAX_DEPTH 128

/*
 * True when `s` is a struct with a binary `metadata` child and a
 * `typed_value` child (a `value` child is optional): a shredded variant.
 * A plain {metadata, value} variant is not shredded.
 */
bool dlt_variant__is_shredded(const struct ArrowSchema *s);

/*
 * The schema of unshredded output: "+s" named `name` with `flags`, children
 * "metadata" (binary, not nullable) and "value" (binary, not nullable).
 */
int dlt_variant__unshredded_schema(struct ArrowSchema *out, const char *name, int64_t flags,
                                   dlt_error *err);

/*
 * Rebuild plain variants from a shredded (or already plain) variant struct
 * array. `out` gets a struct array of in->length rows matching
 * dlt_variant__unshredded_schema: a null input row is a null output row (its
 * children hold empty bytes); every other row has the row's metadata copied
 * and the reconstructed value, encoded with minimal widths, object fields
 * sorted by name.
 *
 * Rules (VariantShredding.md): typed_value wins over value; both null at the
 * top level or in an array element is Variant null (0x00); both null in an
 * object field (or a null field group) means the field is absent. A shredded
 * object merges its present fields with the fields of a `value` object
 * (fields of `value` named like a shredded field are dropped: the shredded
 * column wins, as the spec says for conflicting reads).
 *
 * Returns DLT_OK; DLT_EUNSUPPORTED for a typed_value type the spec does not
 * allow (unsigned integers, fixed_size_binary other than 16, ...);
 * DLT_ECORRUPT naming the column, row and path ("$.a[2]") for a null
 * metadata, conflicting value and typed_value, a non-object value with
 * shredded fields, a field name missing from the metadata or malformed
 * variant bytes; DLT_ELIMIT for nesting deeper than DLT_VARIANT_MAX_DEPTH or
 * a value over 4 GiB; DLT_EINVAL for a schema that is not a variant struct.
 */
int dlt_variant__unshred(struct ArrowArray *out, const struct ArrowSchema *in_schema,
                         const struct ArrowArray *in, dlt_error *err);

/*
 * Length of the variant metadata at the start of buf[0, n) (bytes after it
 * are ignored): used to split "metadata followed by value" blobs.
 * DLT_ECORRUPT if the metadata is malformed or truncated.
 */
int dlt_variant__metadata_len(size_t *out, const uint8_t *buf, size_t n, dlt_error *err);

/*
 * Check that metadata[0, mlen) and value[0, vlen) are exactly one well-formed
 * variant: bounds of every size/offset, field ids within the dictionary,
 * object fields sorted by name without duplicates, UTF-8 strings, decimal
 * scales <= 38, elements of an array or object not sharing bytes (shared
 * elements would make a small input expand exponentially). DLT_ECORRUPT names the problem and the byte offset;
 * DLT_EUNSUPPORTED for an unknown primitive type id or metadata version;
 * DLT_ELIMIT for nesting deeper than DLT_VARIANT_MAX_DEPTH.
 */
int dlt_variant__validate(const uint8_t *metadata, size_t mlen, const uint8_t *value,
                          size_t vlen, dlt_error *err);

/*
 * Append a canonical text of the variant to `out` (validated as by
 * dlt_variant__validate, same errors; `out` may hold a partial text on
 * failure). Equal variants give equal text whatever the encoding choices
 * (offset/id widths, is_large, short or long strings, dictionary order).
 * The text is JSON:
 *   null, true, false; strings JSON-escaped (", \, control characters);
 *   int8/16/32/64         34, -9876543210          (the exact-numeric widths
 *                                                    are not told apart)
 *   double                14.3, 34.0, -0.0, 1e+100 (always a '.' or exponent);
 *                         {"$double":"NaN"|"Infinity"|"-Infinity"}
 *   float                 {"$float":"10.11"}
 *   decimal4/8/16         {"$decimal":"-12345.6789"}   (exactly `scale` digits)
 *   date                  {"$date":"2024-11-07"}
 *   timestamp (us, UTC)   {"$timestamptz":"2024-11-07T12:33:54.123456Z"}
 *   timestamp (us, no tz) {"$timestamp_ntz":"2024-11-07T12:33:54.123456"}
 *   timestamp (ns)        {"$timestamptz_nanos":...}, {"$timestamp_ntz_nanos":...}
 *                         (fractions without trailing zeros)
 *   time (us)             {"$time":"12:33:54.123456"}
 *   binary                {"$binary":"<base64>"}
 *   uuid                  {"$uuid":"f24f9b64-81fa-49d1-b74e-8c09a6e31c56"}
 *   array                 [v,v]            object {"k":v,"k2":v} in key order
 * No whitespace anywhere.
 */
int dlt_variant__to_text(dlt_buf *out, const uint8_t *metadata, size_t mlen,
                         const uint8_t *value, size_t vlen, dlt_error *err);

#endif /* DLT_COMPUTE_VARIANT_H */
