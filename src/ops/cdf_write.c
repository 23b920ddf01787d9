/*
 * Change data files (PROTOCOL.md#change-data-files): rows under
 * _change_data/<partition dirs>/cdc-*.parquet with the data columns plus
 * _change_type ("delete", "insert", "update_preimage", "update_postimage"),
 * referenced by cdc actions (dataChange false) in the same commit.
 */
#include "ops/dml.h"

#include <string.h>

int dlt_dml__write_cdc(dlt_dml_ctx *c, const struct ArrowArray *batch, const char *change_type,
                       dlt_error *err)
{
	struct ArrowArray ext, ct;
	struct ArrowArray **kids = NULL;
	struct ArrowSchema cs;
	dlt_builder *b = NULL;
	size_t tl = strlen(change_type);
	int rc;

	if (!c->cdf || batch->length == 0)
		return DLT_OK;
	if (!c->cdc) {
		dlt_ops_writer_args a;
		memset(&a, 0, sizeof(a));
		a.snap = c->snap;
		a.dir_prefix = "_change_data/";
		a.name_prefix = "cdc";
		a.change_type_column = true;
		a.checks = false;
		a.codec = c->opts.codec;
		a.target_file_size = c->opts.target_file_size;
		a.row_group_bytes = DLT_DML_ROW_GROUP_BYTES;
		if ((rc = dlt_ops__writer_open(&c->cdc, c->st, &a, err)) < 0)
			return rc;
	}
	memset(&ct, 0, sizeof(ct));
	memset(&cs, 0, sizeof(cs));
	if ((rc = dlt_schema__init_leaf(&cs, "u", "_change_type", ARROW_FLAG_NULLABLE, err)) < 0 ||
	    (rc = dlt_builder__new(&b, &cs, err)) < 0)
		goto done;
	for (int64_t i = 0; i < batch->length && rc == 0; i++)
		rc = dlt_builder__append_bytes(b, change_type, tl, err);
	if (rc < 0 || (rc = dlt_builder__finish(&ct, b, err)) < 0)
		goto done;
	if (!(kids = dlt_calloc((size_t)batch->n_children + 2, sizeof(*kids)))) {
		rc = dlt_error_set(err, DLT_ENOMEM, "out of memory");
		goto done;
	}
	/* a borrowed view: the batch's children plus the new column */
	for (int64_t i = 0; i < batch->n_children; i++)
		kids[i] = batch->children[i];
	kids[batch->n_children] = &ct;
	ext = *batch;
	ext.n_children = batch->n_children + 1;
	ext.children = kids;
	rc = dlt_ops__writer_write(c->cdc, &ext, err);
done:
	dlt_free(kids);
	dlt_array__release(&ct);
	dlt_builder__free(b);
	dlt_schema__release(&cs);
	return rc;
}
