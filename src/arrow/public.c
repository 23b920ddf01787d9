/* Public Arrow helpers (include/deltalite/arrow.h). */
#include "deltalite/arrow.h"
#include "arrow/arrow.h"

int dlt_arrow_validate(const struct ArrowSchema *schema, const struct ArrowArray *array,
                       dlt_error *err)
{
	return dlt_arrow__validate(schema, array, err);
}

void dlt_arrow_schema_release(struct ArrowSchema *schema)
{
	if (schema && schema->release)
		schema->release(schema);
	if (schema)
		schema->release = NULL;
}

void dlt_arrow_array_release(struct ArrowArray *array)
{
	if (array && array->release)
		array->release(array);
	if (array)
		array->release = NULL;
}

void dlt_arrow_stream_release(struct ArrowArrayStream *stream)
{
	if (stream && stream->release)
		stream->release(stream);
	if (stream)
		stream->release = NULL;
}

int dlt_arrow_type_describe(char *buf, size_t cap, const struct ArrowSchema *schema)
{
	return dlt_arrow__describe_schema(buf, cap, schema);
}
