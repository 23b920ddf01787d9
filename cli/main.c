/* deltalite command-line tool (placeholder until the CLI lands). */
#include <stdio.h>
#include <string.h>

#include "deltalite.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("deltalite %s\n", dlt_version_string());
		return 0;
	}
	fprintf(stderr, "usage: deltalite --version\n");
	return 2;
}
