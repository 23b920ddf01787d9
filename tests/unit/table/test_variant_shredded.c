#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "arrow/arrow.h"
#include "deltalite/parquet.h"

static void dump(const struct ArrowSchema *s, const struct ArrowArray *a, int d)
{
	printf("%*s%s %s len=%lld off=%lld nulls=%lld [", d * 2, "", s->name ? s->name : "", s->format,
	       (long long)a->length, (long long)a->offset, (long long)a->null_count);
	for (int64_t i = 0; i < a->length && i < 6; i++)
		printf("%c", dlt_arrow__is_null(a, i) ? 'N' : 'v');
	if (!strcmp(s->format, "z") || !strcmp(s->format, "u")) {
		const int32_t *o = a->buffers[1];
		const uint8_t *v = a->buffers[2];
		for (int64_t i = 0; i < a->length && i < 4; i++) {
			printf(" |");
			for (int32_t k = o[a->offset + i]; k < o[a->offset + i + 1] && k < o[a->offset+i] + 24; k++)
				printf("%02x", v[k]);
		}
	}
	printf("]\n");
	for (int64_t i = 0; i < s->n_children; i++)
		dump(s->children[i], a->children[i], d + 1);
}

static void test_dump(void **state)
{
	(void)state;
	const char *env = getenv("CASES");
	char path[4096];
	int lo = 1, hi = 138;
	if (env) { lo = atoi(env); hi = lo; }
	for (int c = lo; c <= hi; c++) {
		dlt_parquet_file *f = NULL;
		dlt_error err;
		snprintf(path, sizeof(path), DLT_CONFORMANCE_DIR "/parquet/shredded_variant/case-%03d.parquet", c);
		if (dlt_parquet_open_path(&f, path, NULL, &err) < 0) {
			snprintf(path, sizeof(path), DLT_CONFORMANCE_DIR "/parquet/shredded_variant/case-%03d-INVALID.parquet", c);
			if (dlt_parquet_open_path(&f, path, NULL, &err) < 0) { printf("case %d: %s\n", c, err.message); continue; }
		}
		struct ArrowArrayStream st;
		dlt_parquet_read_options o = DLT_PARQUET_READ_OPTIONS_INIT;
		assert_int_equal(dlt_parquet_read(&st, f, &o, &err), 0);
		struct ArrowSchema sch;
		struct ArrowArray b;
		st.get_schema(&st, &sch);
		printf("=== case %d\n", c);
		while (1) {
			int rc = st.get_next(&st, &b);
			if (rc) { printf("read error %s\n", st.get_last_error(&st)); break; }
			if (!b.release) break;
			dump(&sch, &b, 0);
			b.release(&b);
		}
		sch.release(&sch);
		st.release(&st);
		dlt_parquet_file_free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_dump) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
