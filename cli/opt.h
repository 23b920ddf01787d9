/*
 * cli/opt.h - a small command-line option parser for the deltalite tool.
 *
 * Accepts --long=value, --long value, -x, -x value, -xvalue, combined short
 * flags (-ab), "--" to end options, and "-" as an ordinary argument (stdin or
 * stdout). Options and arguments may be interleaved. No global state: all of
 * it lives in an opt_parser the caller owns.
 */
#ifndef DLT_CLI_OPT_H
#define DLT_CLI_OPT_H

#include <stddef.h>

typedef struct opt_def {
	const char *name; /* long name without "--"; NULL ends the table */
	char short_name;  /* 0 if none */
	int has_arg;      /* 1: takes a value; 0: a flag */
	int id;           /* > 0, returned by opt_next */
} opt_def;

enum {
	OPT_END = 0,      /* no more options or arguments */
	OPT_ARG = -1,     /* a positional argument: in *value */
	OPT_ERROR = -2    /* usage error: message in the parser's `error` */
};

typedef struct opt_parser {
	const opt_def *defs;
	int argc;
	char **argv;
	int index;            /* next argv element to look at */
	const char *shorts;   /* rest of a group of short flags being parsed, or NULL */
	int only_args;        /* after "--" */
	char error[256];
} opt_parser;

/** Start parsing argv[first..argc-1] with the options in `defs`. */
void opt_init(opt_parser *p, const opt_def *defs, int argc, char **argv, int first);

/**
 * Next option or argument: returns the option's id (value in *value when it takes
 * one, else NULL), OPT_ARG (the argument in *value), OPT_END, or OPT_ERROR.
 */
int opt_next(opt_parser *p, const char **value);

/** Parse a non-negative integer with an optional K/M/G suffix (powers of 1024). */
int opt_parse_size(const char *s, long long *out);
/** Parse a non-negative decimal integer (no suffix). */
int opt_parse_count(const char *s, long long *out);

#endif
