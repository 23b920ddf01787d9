#!/usr/bin/env bash
# deltalite optimize (and, once their library APIs land, delete / update / merge):
# results compared with rows computed independently in node.
source "$(dirname "$0")/lib.sh"

tbl="$T/small"
# 12 small appends of 5 rows each: ids 0..59, g = id % 3, v = "r<id>".
for i in $(seq 0 11); do
  node -e 'const i = +process.argv[1]; console.log("id,g,v");
    for (let k = 0; k < 5; k++) { const id = i * 5 + k; console.log(`${id},${id % 3},r${id}`); }' "$i" \
    >"$T/in$i.csv"
  run write "$tbl" "$T/in$i.csv"
  expect_rc 0 "append $i"
done
expected="$(node -e 'for (let id = 0; id < 60; id++) console.log(JSON.stringify({ id, g: id % 3, v: "r" + id }));' | sort)"

run optimize "$tbl" --target-size 1M
expect_rc 0 "optimize"
expect_out_has "version 13: optimize (compaction)" "optimize output"
expect_out_has "files removed  12" "optimize removes the 12 small files"
expect_out_has "files added    1" "optimize writes one file"
expect_out_has "rows rewritten 60" "optimize rewrites every row"
run scan "$tbl"; sort -o "$T/out" "$T/out"
expect_out "$expected" "rows unchanged by optimize"
run files "$tbl" --json
CHECKS=$((CHECKS + 1))
[ "$(grep -c '"path"' "$T/out")" = 1 ] || fail "one live file after optimize"
run optimize "$tbl"
expect_out "nothing to optimize: 1 file considered, none rewritten" "optimize again: nothing to do"
run optimize "$tbl" --zorder g,id --json
expect_rc 0 "optimize --zorder"
node_check 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
console.log(j.version === 14 && j.rows_rewritten === 60 && j.num_files_removed === 1 ? "ok"
  : JSON.stringify(j));' "$T/out" "optimize --zorder --json"
run scan "$tbl"; sort -o "$T/out" "$T/out"
expect_out "$expected" "rows unchanged by z-order"
run history "$tbl" --json --limit 1
expect_out_has '"zOrderBy":"[\"g\",\"id\"]"' "history records the z-order columns"
run optimize "$tbl" --zorder nope
expect_failure "nope" "z-order by an unknown column"
run optimize "$tbl" --where "id = = 2"
expect_usage "--where" "optimize --where syntax error"
run scan "$tbl" --version 5; sort -o "$T/out" "$T/out"
expect_out "$(printf '%s\n' "$expected" | node -e '
  const l = require("fs").readFileSync(0, "utf8").trim().split("\n");
  console.log(l.filter((x) => JSON.parse(x).id < 25).join("\n"));')" "time travel before optimize"

finish
