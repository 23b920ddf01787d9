#!/usr/bin/env bash
# The shape of the deltalite tool: --version, --help that teaches, exit status 2
# for usage errors (with a pointer to --help), 1 for failures naming the file.
source "$(dirname "$0")/lib.sh"

# --version prints the version the headers declare.
want_version="$(sed -n 's/^#define DLT_VERSION_STRING "\(.*\)"$/\1/p' \
  "${DLT_SOURCE_DIR:?}/include/deltalite/common.h")"
run --version
expect_rc 0 "--version"
expect_out "deltalite $want_version" "--version"
expect_err_empty "--version"

# Top-level help: every command, the exit codes, examples.
for h in --help -h help; do
  run $h
  expect_rc 0 "$h"
  expect_err_empty "$h"
  for word in "Usage: deltalite <command>" "convert IN OUT" "parquet schema FILE" \
              "parquet meta FILE" "parquet cat FILE" "parquet write IN OUT" "Examples:" \
              "--version" "2 for a usage error"; do
    expect_out_has "$word" "$h"
  done
done

# Each command's help lists every option it accepts and shows examples.
check_help() { # check_help "ARGS" OPTION...
  local args="$1"; shift
  run $args --help
  expect_rc 0 "$args --help"
  expect_err_empty "$args --help"
  expect_out_has "Usage: deltalite $args" "$args --help"
  expect_out_has "Examples:" "$args --help"
  for o in "$@"; do expect_out_has "$o" "$args --help"; done
  # -h means the same
  local long; long="$(cat "$T/out")"
  run $args -h
  expect_out "$long" "$args -h"
}
writer_opts=(--codec --row-group-rows --row-group-bytes --page-bytes --page-rows
             --dictionary --encoding --page-version --no-statistics zstd snappy
             gzip lz4 brotli none delta_binary_packed byte_stream_split)
check_help convert --from --to --delimiter --no-header --null --infer-rows --batch-rows \
  --limit --columns --threads --binary-hex --json "${writer_opts[@]}"
check_help "parquet schema" --json
check_help "parquet meta" --json
check_help "parquet cat" --columns --limit --format --delimiter --no-header --null \
  --threads --batch-rows --binary-hex
check_help "parquet write" --from --delimiter --no-header --infer-rows --limit --columns \
  --json "${writer_opts[@]}"
run parquet --help
expect_rc 0 "parquet --help"
for s in "schema FILE" "meta FILE" "cat FILE" "write IN OUT"; do
  expect_out_has "$s" "parquet --help"
done
# "deltalite help convert" is "deltalite convert --help"
run convert --help; conv_help="$(cat "$T/out")"
run help convert
expect_rc 0 "help convert"
expect_out "$conv_help" "help convert"

# Usage errors: exit 2, the reason, a pointer to --help, nothing on stdout.
run;                                   expect_usage "no command given" "no arguments"
run frobnicate;                        expect_usage "unknown command 'frobnicate'" "unknown command"
run --frob;                            expect_usage "unknown option '--frob'" "unknown top option"
run convert --bogus a.csv b.jsonl;     expect_usage "unknown option '--bogus'" "unknown option"
run convert -q a.csv b.jsonl;          expect_usage "unknown option '-q'" "unknown short option"
run convert a.csv;                     expect_usage "expected IN and OUT" "missing OUT"
run convert a.csv b.jsonl c;           expect_usage "too many arguments: 'c'" "extra argument"
run convert a.csv b.txt;               expect_usage "cannot tell the format of 'b.txt'" "unknown extension"
run convert a.csv -;                   expect_usage "cannot tell the format of '-'" "stdout needs --to"
run convert --from xml a b.csv;        expect_usage "--from: unknown format 'xml'" "bad --from"
run convert a.csv b.jsonl --delimiter; expect_usage "option '--delimiter' needs a value" "missing value"
run convert a.csv b.jsonl -d;          expect_usage "option '-d' needs a value" "missing short value"
run convert a.csv b.jsonl -d ab;       expect_usage "--delimiter: expected one character" "long delimiter"
run convert a.csv b.jsonl --json=yes;  expect_usage "option '--json' takes no value" "flag with value"
run convert a.csv b.parquet --codec zip;       expect_usage "unknown codec 'zip'" "bad codec"
run convert a.csv b.parquet --codec snappy:3;  expect_usage "codec 'snappy' takes no level" "level on snappy"
run convert a.csv b.parquet --codec zstd:x;    expect_usage "bad compression level 'x'" "bad level"
run convert a.csv b.parquet --row-group-rows 0; expect_usage "--row-group-rows" "zero row group"
run convert a.csv b.parquet --page-bytes 1Q;   expect_usage "--page-bytes" "bad size"
run convert a.csv b.parquet --dictionary maybe; expect_usage "--dictionary: expected on or off" "bad dictionary"
run convert a.csv b.parquet --encoding id;     expect_usage "--encoding: expected COLUMN=ENCODING" "encoding without ="
run convert a.csv b.parquet --encoding id=rle9; expect_usage "--encoding: expected COLUMN=ENCODING" "unknown encoding"
run convert a.csv b.parquet --page-version 3;  expect_usage "--page-version: expected 1 or 2" "bad page version"
run convert a.csv b.jsonl --limit -5;          expect_usage "--limit: expected a count" "negative limit"
run convert a.csv b.jsonl --columns a,,b;      expect_usage "--columns: empty column name" "empty column"
run parquet;                           expect_usage "expected a subcommand" "parquet alone"
run parquet frob x;                    expect_usage "unknown subcommand 'parquet frob'" "bad subcommand"
run parquet cat;                       expect_usage "expected a Parquet FILE" "cat without file"
run parquet cat a b;                   expect_usage "too many arguments: 'b'" "cat two files"
run parquet cat x.parquet --format xml; expect_usage "--format: expected jsonl or csv" "cat bad format"
run parquet schema;                    expect_usage "expected a Parquet FILE" "schema without file"
run parquet meta a b;                  expect_usage "too many arguments: 'b'" "meta two files"
run parquet write x.csv;               expect_usage "expected IN and OUT" "write without OUT"

# Failures: exit 1, "deltalite: <message>" naming the file, nothing on stdout.
missing="$T/no-such-dir/missing.csv"
run convert "$missing" "$T/x.jsonl"
expect_failure "$missing" "missing input"
expect_out_empty "missing input"
run parquet cat "$T/missing.parquet"
expect_failure "$T/missing.parquet" "cat missing file"
run parquet schema "$T/missing.parquet"
expect_failure "$T/missing.parquet" "schema missing file"
run parquet meta "$T/missing.parquet"
expect_failure "$T/missing.parquet" "meta missing file"
printf 'a\n1\n' >"$T/ok.csv"
run convert "$T/ok.csv" "$T/no-such-dir/out.jsonl"
expect_failure "$T/no-such-dir/out.jsonl" "unwritable output"
# A directory is not a file.
run parquet cat "$T"
expect_failure "$T" "directory as input"

# Options after arguments, --opt=value, combined/attached short values, "--".
printf 'x;y\n1;2\n' >"$T/semi.csv"
run convert "$T/semi.csv" - --to=jsonl -d';'
expect_rc 0 "interleaved options"
expect_out '{"x":1,"y":2}' "interleaved options"
run convert --to jsonl -d ';' -- "$T/semi.csv" -
expect_rc 0 "-- before arguments"
expect_out '{"x":1,"y":2}' "-- before arguments"

finish
