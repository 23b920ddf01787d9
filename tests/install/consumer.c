/* A program built only against an installed deltalite (pkg-config), as a user would. */
#include <deltalite.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	dlt_error err;
	dlt_input *in = NULL;
	int rc;

	if (dlt_version_number() != DLT_VERSION_NUMBER) {
		fprintf(stderr, "header %d vs library %d\n", DLT_VERSION_NUMBER, dlt_version_number());
		return 1;
	}
	rc = dlt_input_open_file(&in, "/nonexistent/deltalite-install-test", &err);
	if (rc != DLT_ENOTFOUND || strstr(err.message, "/nonexistent/") == NULL) {
		fprintf(stderr, "unexpected: %d %s\n", rc, err.message);
		return 1;
	}
	printf("consumer ok: deltalite %s, %s\n", dlt_version_string(), dlt_code_name(rc));
	return 0;
}
