#!/usr/bin/env bash
# deltalite create / write / checkpoint / vacuum / restore / set-properties, end to
# end: exact outputs, time travel and history after each change, refusals that
# leave the table as it was, and DuckDB reading the data files we wrote.
source "$(dirname "$0")/lib.sh"

tbl="$T/events"
scan_sorted() { # scan_sorted ARGS...: the table's rows, sorted, into $T/out
  run scan "$@"
  sort -o "$T/out" "$T/out"
}
ops() { # the operations of the history, oldest first, one line
  "$DELTALITE" history --json "$1" | node -e '
    const l = require("fs").readFileSync(0, "utf8").trim().split("\n").map(JSON.parse);
    console.log(l.reverse().map((c) => c.operation).join(","));'
}

# ---- create ----
run create "$tbl" --schema "id bigint not null, name string, ts timestamp, day date" \
  --partition-by day --property delta.logRetentionDuration="interval 60 days"
expect_rc 0 "create"
expect_out "version 0: created table $tbl with 4 columns, partitioned by day" "create output"
run create "$tbl" --schema "id bigint"
expect_failure "already" "create on an existing table (mode error)"
run create "$tbl" --schema "id bigint" --mode ignore
expect_rc 0 "create --mode ignore"
expect_out "table $tbl exists: left as it is (--mode ignore)" "create --mode ignore output"
run create "$T/x" --schema "id bigint,, name string"
expect_usage "--schema" "create: bad schema is a usage error"
run create "$T/x" --schema "id bigint" --partition-by nope
expect_failure "nope" "create: unknown partition column"
[ ! -e "$T/x/_delta_log/00000000000000000000.json" ] || fail "refused create left a commit"
run create "$T/x" --schema "id bigint" --mode append
expect_usage "--mode" "create --mode append"
run inspect "$tbl"
expect_out_has "logRetentionDuration" "create: property set"

# ---- write CSV, JSON lines, Parquet ----
cat >"$T/a.csv" <<'CSV'
id,name,ts,day
1,ann,2024-01-01 10:00:00,2024-01-01
2,bob,2024-01-01 11:00:00,2024-01-01
3,cy,2024-01-02 09:30:00,2024-01-02
CSV
run write "$tbl" "$T/a.csv"
expect_rc 0 "write csv"
expect_out_has "version 1: append" "write csv: version"
expect_out_has "rows written   3" "write csv: rows"
expect_out_has "files added    2" "write csv: one file per partition"
printf '{"id":4,"name":"dee","ts":"2024-01-03T00:00:00Z","day":"2024-01-03"}\n' >"$T/b.jsonl"
run write "$tbl" "$T/b.jsonl" --json
expect_rc 0 "write jsonl"
node_check 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
console.log(j.version === 2 && j.rows_written === 1 && j.files_added === 1 && j.mode === "append"
  && j.created === false ? "ok" : JSON.stringify(j));' "$T/out" "write --json"
printf 'id,name,ts,day\n5,eve,2024-01-03T12:00:00Z,2024-01-03\n' >"$T/e.csv"
"$DELTALITE" convert "$T/e.csv" "$T/e.parquet"
run write "$tbl" "$T/e.parquet"
expect_rc 0 "write parquet"
expect_out_has "version 3: append" "write parquet: version"
printf 'id,name,ts,day\n6,fay,2024-01-04 08:00:00,2024-01-04\n' | {
  set +e; "$DELTALITE" write "$tbl" - --format csv >"$T/out" 2>"$T/err"; RC=$?; set -e
  expect_rc 0 "write from standard input"; }
run write "$tbl" -
expect_usage "standard input: say its format with --format" "stdin without --format"
scan_sorted "$tbl"
expect_out '{"id":1,"name":"ann","ts":"2024-01-01T10:00:00Z","day":"2024-01-01"}
{"id":2,"name":"bob","ts":"2024-01-01T11:00:00Z","day":"2024-01-01"}
{"id":3,"name":"cy","ts":"2024-01-02T09:30:00Z","day":"2024-01-02"}
{"id":4,"name":"dee","ts":"2024-01-03T00:00:00Z","day":"2024-01-03"}
{"id":5,"name":"eve","ts":"2024-01-03T12:00:00Z","day":"2024-01-03"}
{"id":6,"name":"fay","ts":"2024-01-04T08:00:00Z","day":"2024-01-04"}' "rows after appends"

# ---- overwrite with --where, time travel, history ----
printf 'id,name,ts,day\n9,zed,2024-01-01 12:00:00,2024-01-01\n' >"$T/z.csv"
run write "$tbl" "$T/z.csv" --where "day = DATE '2024-01-01'"
expect_rc 0 "overwrite --where"
expect_out "version 5: overwrite where day = DATE '2024-01-01'
  rows written   1
  files added    1 (582 B)
  files removed  1 (611 B)" "overwrite --where output"
run write "$tbl" "$T/a.csv" --where "day = DATE '2024-01-01'"
expect_failure "day" "overwrite --where: rows outside the predicate are refused"
run write "$tbl" "$T/z.csv" --where "day = = 1"
expect_usage "--where" "overwrite --where: syntax error"
run write "$tbl" "$T/z.csv" --where "day = DATE '2024-01-01'" --mode append
expect_usage "--where replaces the rows it selects" "--where with --mode append"
scan_sorted "$tbl" --columns id
expect_out '{"id":3}
{"id":4}
{"id":5}
{"id":6}
{"id":9}' "rows after overwrite --where"
scan_sorted "$tbl" --version 1 --columns id
expect_out '{"id":1}
{"id":2}
{"id":3}' "time travel to version 1"
[ "$(ops "$tbl")" = "CREATE TABLE,WRITE,WRITE,WRITE,WRITE,WRITE" ] ||
  fail "history operations: $(ops "$tbl")"
CHECKS=$((CHECKS + 1))

# ---- refusals leave the table unchanged ----
before="$(ls "$tbl/_delta_log" | grep -c json)"
printf 'id,name,ts,day\n,nul,2024-01-01 12:00:00,2024-01-01\n' >"$T/null.csv"
run write "$tbl" "$T/null.csv"
expect_failure "NOT NULL column 'id'" "NOT NULL violation"
printf 'id,nickname\n7,x\n' >"$T/extra.csv"
run write "$tbl" "$T/extra.csv"
expect_failure "column 'nickname'" "unknown column (schema mismatch)"
expect_err_has "--schema-mode merge" "schema mismatch names the option"
printf '{"id":"seven","name":"x"}\n' >"$T/type.jsonl"
run write "$tbl" "$T/type.jsonl"
expect_failure "id" "wrong type"
run write "$T/new" "$T/a.csv" --partition-by nope
expect_failure "nope" "unknown partition column"
[ ! -e "$T/new/_delta_log/00000000000000000000.json" ] || fail "refused write left a table"
CHECKS=$((CHECKS + 1))
[ "$(ls "$tbl/_delta_log" | grep -c json)" = "$before" ] || fail "a refused write committed"
CHECKS=$((CHECKS + 1))
scan_sorted "$tbl" --columns id
expect_out '{"id":3}
{"id":4}
{"id":5}
{"id":6}
{"id":9}' "rows unchanged after refusals"

# ---- a new table from the input, modes error / ignore, schema merge ----
run write "$T/fresh" "$T/a.csv" --partition-by day
expect_rc 0 "write creates a table"
expect_out_has "version 0: created table $T/fresh" "write creates: output"
run write "$T/fresh" "$T/a.csv" --mode error
expect_failure "" "write --mode error on data"
run write "$T/fresh" "$T/a.csv" --mode ignore
expect_out "nothing written: table $T/fresh already has data (--mode ignore)" "--mode ignore"
printf 'id,name,ts,day,score\n8,gus,2024-01-05 08:00:00,2024-01-05,1.5\n' >"$T/wide.csv"
run write "$T/fresh" "$T/wide.csv" --schema-mode merge
expect_rc 0 "schema merge"
run scan "$T/fresh" --where "id = 8"
expect_out '{"id":8,"name":"gus","ts":"2024-01-05T08:00:00","day":"2024-01-05","score":1.5}' \
  "schema merge adds the column"
run write "$T/fresh" "$T/e.csv" --mode overwrite
expect_rc 0 "overwrite all"
run scan "$T/fresh" --columns id,score
expect_out '{"id":5,"score":null}' "overwrite replaces every row"

# ---- DuckDB reads our data files ----
node_check '
const { DuckDBInstance } = require("@duckdb/node-api");
(async () => {
  const db = await (await DuckDBInstance.create(":memory:")).connect();
  const r = await db.runAndReadAll(`SELECT id, name, CAST(ts AS VARCHAR) AS ts, day FROM
    read_parquet("${process.argv[1]}/*/*.parquet", hive_partitioning = true) ORDER BY id`);
  const got = r.getRows().map((x) => x.map(String).join("|")).join(";");
  const want = "1|ann|2024-01-01 10:00:00+00|2024-01-01;2|bob|2024-01-01 11:00:00+00|2024-01-01;" +
    "3|cy|2024-01-02 09:30:00+00|2024-01-02;4|dee|2024-01-03 00:00:00+00|2024-01-03;" +
    "5|eve|2024-01-03 12:00:00+00|2024-01-03;6|fay|2024-01-04 08:00:00+00|2024-01-04;" +
    "9|zed|2024-01-01 12:00:00+00|2024-01-01";
  console.log(got === want ? "ok" : got);
})().catch((e) => console.log(String(e))).finally(() => process.stdout.write("", () => process.exit(0)));' "$tbl" "DuckDB reads every data file (live or not)"

# ---- checkpoint ----
scan_sorted "$tbl"; cp "$T/out" "$T/before.jsonl"
run checkpoint "$tbl"
expect_rc 0 "checkpoint"
expect_out "checkpoint written for version 5" "checkpoint output"
[ -f "$tbl/_delta_log/00000000000000000005.checkpoint.parquet" ] || fail "no checkpoint file"
CHECKS=$((CHECKS + 1))
rm "$tbl"/_delta_log/0000000000000000000[0-4].json
scan_sorted "$tbl"
expect_out "$(cat "$T/before.jsonl")" "table reads the same from the checkpoint"

# ---- vacuum ----
# Removed files: version 5 removed day=2024-01-01's file. Make every file old.
find "$tbl" -name '*.parquet' -not -path '*/_delta_log/*' -exec touch -d '30 days ago' {} +
removed="$(cd "$tbl" && ls day=2024-01-01/*.parquet | while read -r f; do
  grep -q "{\"add\":{\"path\":\"$f\"" _delta_log/00000000000000000005.json && continue
  echo "$f"; done)"
# The file's tombstone is fresh (version 5 was just committed), so within the default
# 7-day retention it is kept whatever its mtime: readers of version 4 may still need it.
run vacuum "$tbl" --dry-run
expect_rc 0 "vacuum --dry-run"
expect_out "would delete 0 files (0 B)" "vacuum --dry-run keeps files of fresh tombstones"
run vacuum "$tbl" --dry-run --retain-hours 0 --no-enforce-retention
expect_rc 0 "vacuum --dry-run --retain-hours 0"
expect_out "would delete 1 file (611 B):
  $removed" "vacuum --dry-run lists exactly the unreferenced file"
run vacuum "$tbl" --retain-hours 1
expect_failure "--no-enforce-retention" "short retention refused"
run vacuum "$tbl" --json --retain-hours 0 --no-enforce-retention
expect_rc 0 "vacuum"
expect_out "{\"table\":\"$tbl\",\"dry_run\":false,\"num_files\":1,\"bytes\":611,\"files\":[\"$removed\"]}" \
  "vacuum --json"
[ ! -e "$tbl/$removed" ] || fail "vacuum left $removed"
CHECKS=$((CHECKS + 1))
scan_sorted "$tbl"
expect_out "$(cat "$T/before.jsonl")" "vacuum keeps the table's rows"

# ---- restore ----
run restore "$tbl" --version 4
expect_failure "" "restore of a version whose file was vacuumed"
run restore "$T/fresh" --version 1
expect_rc 0 "restore"
expect_out_has "restored version 1" "restore output"
run scan "$T/fresh" --columns id
sort -o "$T/out" "$T/out"
expect_out '{"id":1}
{"id":2}
{"id":3}' "restored rows"
run restore "$T/fresh"
expect_usage "expected --version N or --timestamp T" "restore without a version"

# ---- set-properties ----
run set-properties "$tbl" delta.appendOnly=true owner=ops
expect_rc 0 "set-properties"
expect_out "version 8: set delta.appendOnly = true
version 8: set owner = ops" "set-properties output"
run write "$tbl" "$T/z.csv" --mode overwrite
expect_failure "append" "appendOnly refuses overwrite"
run set-properties "$tbl" --unset owner --unset delta.appendOnly
expect_out "version 9: unset owner
version 9: unset delta.appendOnly" "unset output"
run set-properties "$tbl" --unset owner
expect_failure "owner" "unset of a missing property"
run set-properties "$tbl" --unset owner --if-exists
expect_rc 0 "unset --if-exists"
run set-properties "$tbl" novalue
expect_usage "expected a property KEY=VALUE" "set-properties without ="

finish
