/* Fuzz the expression parser: parse arbitrary text; when it parses, the
 * canonical text must parse again and print identically (a fixed point). */
#include "deltalite.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *sql, *s1 = NULL, *s2 = NULL;
	dlt_expr *e = NULL, *e2 = NULL;
	dlt_error err;
	if (size > 65536)
		return 0;
	sql = malloc(size + 1);
	if (!sql)
		return 0;
	memcpy(sql, data, size);
	sql[size] = 0; /* text stops at the first NUL, like any C string */
	if (dlt_expr_parse(&e, sql, &err) == DLT_OK) {
		if (dlt_expr_to_string(&s1, e, &err) != DLT_OK)
			abort();
		if (dlt_expr_parse(&e2, s1, &err) != DLT_OK)
			abort(); /* canonical text must parse */
		if (dlt_expr_to_string(&s2, e2, &err) != DLT_OK || strcmp(s1, s2) != 0)
			abort(); /* and print the same */
	}
	dlt_free(s1);
	dlt_free(s2);
	dlt_expr_free(e);
	dlt_expr_free(e2);
	free(sql);
	return 0;
}
