/*
 * Internal expression API: the tree behind the opaque dlt_expr, typing
 * (binding) against an Arrow schema, vectorized evaluation, LIKE, skipping.
 *
 * One node type serves both stages: a parsed/built tree and its bound copy
 * (dlt_expr__bind clones, resolves columns to child indices, fills `fmt` with
 * each node's Arrow result format and inserts implicit casts).
 */
#ifndef DLT_EXPR_EXPR_H
#define DLT_EXPR_EXPR_H

#include "deltalite/expr.h"
#include "compute/compute.h"

#include <stdbool.h>

typedef enum dlt_expr__kind {
	DLT_EK_LITERAL = 0,
	DLT_EK_COLUMN,
	DLT_EK_CMP,     /* op: dlt_cmp_op; args[0] op args[1] */
	DLT_EK_AND,     /* n-ary, n >= 2 */
	DLT_EK_OR,      /* n-ary, n >= 2 */
	DLT_EK_NOT,
	DLT_EK_ARITH,   /* op: dlt_arith_op */
	DLT_EK_NEG,
	DLT_EK_IS_NULL, /* negated: IS NOT NULL */
	DLT_EK_IN,      /* args[0] IN (args[1..]) */
	DLT_EK_BETWEEN, /* args[0] BETWEEN args[1] AND args[2] */
	DLT_EK_LIKE,    /* args[0] LIKE args[1] (a string literal) ESCAPE escape */
	DLT_EK_CAST     /* CAST(args[0] AS type) */
} dlt_expr__kind;

#define DLT_EXPR__FMT_MAX 40

struct dlt_expr {
	dlt_expr__kind kind;
	int op;
	bool negated;
	bool implicit;        /* cast inserted by binding */
	int escape;           /* LIKE escape byte, -1 for none */
	int depth;            /* 1 + deepest child */
	dlt_expr **args;
	size_t n_args;
	char **path;          /* column path */
	size_t path_len;
	struct ArrowSchema lit_schema; /* literal: one value of this type */
	struct ArrowArray lit;
	char type[DLT_EXPR__FMT_MAX];  /* CAST target (Arrow format) */
	/* bound trees only */
	char fmt[DLT_EXPR__FMT_MAX];   /* result Arrow format */
	int64_t *idx;                  /* column: child index per path element */
};

/* ---- ast.c ---- */
int dlt_expr__new(dlt_expr **out, dlt_expr__kind kind, dlt_error *err);
/* Append a child (consumed on every path); updates depth, checks the limit. */
int dlt_expr__push(dlt_expr *e, dlt_expr *child, dlt_error *err);
/* Literal of Arrow format `fmt` from a length >= 1 array element 0 (copied). */
int dlt_expr__literal_from(dlt_expr **out, const struct ArrowSchema *schema,
                           const struct ArrowArray *a, int64_t i, dlt_error *err);
/* Null literal of a given Arrow format. */
int dlt_expr__literal_null_of(dlt_expr **out, const char *fmt, dlt_error *err);
/* Arrow format of a Delta type name (case-insensitive): "int" -> "i", "decimal(10,2)"
 * -> "d:10,2"; DLT_EINVAL for an unknown name. n: text length. */
int dlt_expr__type_format(char *fmt, size_t cap, const char *name, size_t n, dlt_error *err);
/* Delta/SQL name of an Arrow format for text and messages ("INT", "DECIMAL(10,2)"). */
const char *dlt_expr__type_name(const char *fmt, char *buf, size_t cap);
bool dlt_expr__lit_is_null(const dlt_expr *e);
/* Append canonical text of e to b. */
int dlt_expr__write(dlt_buf *b, const dlt_expr *e, dlt_error *err);
/* Short text for messages (truncated). */
const char *dlt_expr__describe(const dlt_expr *e, char *buf, size_t cap);

/* ---- bind.c ---- */
int dlt_expr__bind(dlt_expr **out, const dlt_expr *e, const struct ArrowSchema *schema,
                   dlt_error *err);

/* ---- eval.c ---- */
/* Evaluate a bound tree over a validated record batch. */
int dlt_expr__eval(struct ArrowArray *out, struct ArrowSchema *out_schema, const dlt_expr *bound,
                   const struct ArrowSchema *schema, const struct ArrowArray *batch,
                   dlt_error *err);

/* ---- like.c ---- */
typedef struct dlt_like_pattern {
	int *tok;  /* 0..255 literal byte, 256 one character, 257 any sequence */
	size_t n;
} dlt_like_pattern;
int dlt_expr__like_compile(dlt_like_pattern *out, const char *pat, size_t n, int escape,
                           dlt_error *err);
bool dlt_expr__like_match(const dlt_like_pattern *p, const uint8_t *s, size_t n);
void dlt_expr__like_dispose(dlt_like_pattern *p);

#endif /* DLT_EXPR_EXPR_H */
