#!/usr/bin/env bash
# deltalite convert: CSV <-> JSON lines, files and pipes, options, round trips.
source "$(dirname "$0")/lib.sh"

# Typed CSV: integers, doubles, booleans, dates, strings needing quotes, nulls.
cat >"$T/people.csv" <<'CSV'
id,name,score,active,born,note
1,Ada,91.5,true,1815-12-10,"likes ""quotes"""
2,"Turing, Alan",88,false,1912-06-23,
3,Grace,,true,1906-12-09,"two
lines"
CSV
want_jsonl='{"id":1,"name":"Ada","score":91.5,"active":true,"born":"1815-12-10","note":"likes \"quotes\""}
{"id":2,"name":"Turing, Alan","score":88,"active":false,"born":"1912-06-23","note":null}
{"id":3,"name":"Grace","score":null,"active":true,"born":"1906-12-09","note":"two\nlines"}'

run convert "$T/people.csv" "$T/people.jsonl"
expect_rc 0 "csv -> jsonl"
expect_out_empty "csv -> jsonl is quiet"
expect_err_empty "csv -> jsonl is quiet"
expect_jsonl "$want_jsonl" "$T/people.jsonl" "csv -> jsonl"

# Back to CSV: the same table (nulls as empty fields, quotes where needed).
# (No integral doubles here: whether 88.0 prints as "88" or "88.0" is the
# writer's choice; the JSON comparisons above treat both as equal.)
printf 'n,x,s\n1,0.25,"a ""b"""\n2,-1.5e-07,\n' >"$T/small.csv"
run convert "$T/small.csv" "$T/small.jsonl"
expect_rc 0 "small csv -> jsonl"
expect_jsonl '{"n":1,"x":0.25,"s":"a \"b\""}
{"n":2,"x":-1.5e-7,"s":null}' "$T/small.jsonl" "small csv -> jsonl"
run convert "$T/small.jsonl" "$T/small_back.csv"
expect_rc 0 "jsonl -> csv"
node_check '
const fs = require("fs");
const [h, a, b, ...rest] = fs.readFileSync(process.argv[1], "utf8").split("\n");
const ok = h === "n,x,s" && a === "1,0.25,\"a \"\"b\"\"\"" && rest.join("") === "" &&
  b.startsWith("2,") && b.endsWith(",") && Number(b.slice(2, -1)) === -1.5e-7;
console.log(ok ? "ok" : "got: " + JSON.stringify(fs.readFileSync(process.argv[1], "utf8")));' \
  "$T/small_back.csv" "jsonl -> csv text"
run convert "$T/people.jsonl" "$T/back.csv"
expect_rc 0 "people jsonl -> csv"
# and once more around: the same rows again
run convert "$T/back.csv" "$T/again.jsonl"
expect_rc 0 "csv -> jsonl (2nd)"
expect_jsonl "$want_jsonl" "$T/again.jsonl" "csv -> jsonl -> csv -> jsonl keeps the rows"

# Standard input and output with --from/--to; .ndjson and .json extensions.
run_in "$T/people.csv" convert --from csv --to jsonl - -
expect_rc 0 "stdin -> stdout"
expect_jsonl "$want_jsonl" "$T/out" "stdin -> stdout"
set +e
cat "$T/people.csv" | "$DELTALITE" convert --from csv - - --to jsonl >"$T/piped.jsonl" 2>"$T/err"
RC=$?
set -e
expect_rc 0 "pipe -> stdout"
expect_jsonl "$want_jsonl" "$T/piped.jsonl" "pipe -> stdout"
cp "$T/small.jsonl" "$T/small.ndjson"
run convert "$T/small.ndjson" - --to csv
expect_rc 0 ".ndjson input"
expect_out "$(cat "$T/small_back.csv")" ".ndjson input"
run convert "$T/people.csv" "$T/people.json"
expect_rc 0 ".json output"
expect_jsonl "$want_jsonl" "$T/people.json" ".json output is JSON lines"

# --limit, --delimiter (tab), --no-header, --null.
run convert "$T/people.csv" - --to jsonl --limit 1
expect_rc 0 "--limit 1"
expect_jsonl "$(echo "$want_jsonl" | head -1)" "$T/out" "--limit 1"
run convert "$T/people.csv" - --to jsonl --limit 0
expect_rc 0 "--limit 0"
expect_out "" "--limit 0"
printf 'k\tv\nx\t1\ny\tNA\n' >"$T/tab.tsv"
run convert --from csv -d '\t' --null NA "$T/tab.tsv" - --to jsonl
expect_rc 0 "tab delimiter"
expect_out '{"k":"x","v":1}
{"k":"y","v":null}' "tab delimiter with --null"
run convert --from csv -d tab --no-header "$T/tab.tsv" - --to csv --out-delimiter ';' --null NA
expect_rc 0 "--no-header"
expect_out 'k;v
x;1
y;NA' "--no-header: header row is data; no header written"
run convert "$T/small.jsonl" - --to csv --no-header --delimiter '|'
expect_rc 0 "csv out without header"
expect_out "$(tail -n +2 "$T/small_back.csv" | tr , '|')" "csv output options"

# --json: a summary for machines.
run convert "$T/people.csv" "$T/sum.jsonl" --json
expect_rc 0 "--json summary"
node_check '
const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const want = {input_format: "csv", output_format: "jsonl", rows: 3};
for (const k in want) if (s[k] !== want[k]) { console.log(k + " = " + s[k]); process.exit(0); }
if (s.bytes !== require("fs").statSync(s.output).size) { console.log("bytes " + s.bytes); process.exit(0); }
console.log("ok");' "$T/out" "--json summary parses"

# Failures name the file and the line; the output file is not left behind.
printf 'a,b\n1,2\n3,"open\n' >"$T/bad.csv"
run convert "$T/bad.csv" "$T/bad.jsonl"
expect_failure "bad.csv" "unterminated quote"
CHECKS=$((CHECKS + 1))
[ ! -e "$T/bad.jsonl" ] || fail "a failed conversion left $T/bad.jsonl behind"
printf '{"a":1}\nnot json\n' >"$T/bad.jsonl"
run convert "$T/bad.jsonl" "$T/out.csv"
expect_failure "bad.jsonl" "bad JSON line"
expect_err_has "2" "bad JSON line names line 2"

finish
