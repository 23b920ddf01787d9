#!/usr/bin/env bash
# deltalite optimize, delete, update and merge: results compared with rows
# computed independently in node, with copy-on-write and deletion vectors, the
# change data feed they record, and failures that must leave the table as it was.
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

# ---- delete / update / merge ------------------------------------------------------

# One node model, run once: the sources of every step and, after each step, the
# expected rows (sorted JSON lines) and the expected change data feed.
# Table: id bigint not null, g int, v bigint, name string; constraint v >= 0;
# 200 rows written in 4 appends: id 0..199, g = id % 5, v = id * 10, name "r<id>".
cat >"$T/model.js" <<'JS'
const fs = require("fs"), dir = process.argv[2];
const w = (f, lines) => fs.writeFileSync(`${dir}/${f}`, lines.map((l) => l + "\n").join(""));
const row = (id, g, v, name) => ({ id, g, v, name });
let rows = [];
for (let k = 0; k < 4; k++) {
  const part = [];
  for (let id = k * 50; id < k * 50 + 50; id++) part.push(`${id},${id % 5},${id * 10},r${id}`);
  w(`app${k}.csv`, ["id,g,v,name", ...part]);
  for (let id = k * 50; id < k * 50 + 50; id++) rows.push(row(id, id % 5, id * 10, "r" + id));
}
const cdf = [];  // "version type id"
const snap = (step) => w(`want${step}.jsonl`, rows.map((r) => JSON.stringify(r)).sort());
const ch = (v, type, id) => cdf.push(`${v} ${type} ${id}`);
// step 1 (version 5): delete where g = 1 AND id < 100
rows = rows.filter((r) => { const d = r.g === 1 && r.id < 100; if (d) ch(5, "delete", r.id); return !d; });
snap(1);
// step 2 (version 6): update set v = v + 1, name = 'u' where id % 7 = 0
rows = rows.map((r) => { if (r.id % 7 !== 0) return r;
  ch(6, "update_preimage", r.id); ch(6, "update_postimage", r.id); return row(r.id, r.g, r.v + 1, "u"); });
snap(2);
// step 3 (version 7): merge a CSV source: ids 180..219, op d when id % 4 = 0
const src = []; for (let id = 180; id < 220; id++) src.push({ id, op: id % 4 === 0 ? "d" : "u", v: id * 100 });
w("src3.csv", ["id,op,v", ...src.map((s) => `${s.id},${s.op},${s.v}`)]);
{
  const byId = new Map(src.map((s) => [s.id, s])), out = [];
  for (const r of rows) {
    const s = byId.get(r.id);
    if (s && s.op === "d") ch(7, "delete", r.id);
    else if (s) { ch(7, "update_preimage", r.id); ch(7, "update_postimage", r.id); out.push(row(r.id, r.g, s.v, "m")); }
    else if (r.g === 3 && r.id < 50) { ch(7, "update_preimage", r.id); ch(7, "update_postimage", r.id); out.push(row(r.id, r.g, r.v + 1000, r.name)); }
    else out.push(r);
  }
  const ids = new Set(rows.map((r) => r.id));
  for (const s of src) if (!ids.has(s.id) && s.id < 215) { ch(7, "insert", s.id); out.push(row(s.id, 9, s.v, "new")); }
  rows = out;
}
snap(3);
// step 4 (version 8): merge another Delta table (ids 0..9 and 300..304), SET * / INSERT *
const src4 = []; for (const id of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 300, 301, 302, 303, 304]) src4.push(row(id, 7, id + 5, "s" + id));
w("src4.jsonl", src4.map((r) => JSON.stringify(r)));
{
  const byId = new Map(src4.map((s) => [s.id, s])), ids = new Set(rows.map((r) => r.id));
  rows = rows.map((r) => { const s = byId.get(r.id); if (!s) return r;
    ch(8, "update_preimage", r.id); ch(8, "update_postimage", r.id); return s; });
  for (const s of src4) if (!ids.has(s.id)) { ch(8, "insert", s.id); rows.push(s); }
}
snap(4);
// step 5 (version 9): schema evolution: a Parquet source with a new column "extra"
const src5 = [{ id: 5, g: 1, v: 55, name: "e5", extra: "x5" }, { id: 400, g: 2, v: 4000, name: "e400", extra: "x400" }];
w("src5.jsonl", src5.map((r) => JSON.stringify(r)));
{
  const byId = new Map(src5.map((s) => [s.id, s])), ids = new Set(rows.map((r) => r.id));
  rows = rows.map((r) => { const s = byId.get(r.id);
    if (s) { ch(9, "update_preimage", r.id); ch(9, "update_postimage", r.id); return s; }
    return { ...r, extra: null }; });
  for (const s of src5) if (!ids.has(s.id)) { ch(9, "insert", s.id); rows.push(s); }
}
snap(5);
w("want_cdf.txt", cdf.sort());
JS
node "$T/model.js" "$T"
# changes_of FILE: "version type id" lines of a change data feed, sorted.
changes_of() { node -e 'for (const l of require("fs").readFileSync(process.argv[1], "utf8").split("\n"))
  if (l) { const r = JSON.parse(l); console.log(`${r._commit_version} ${r._change_type} ${r.id}`); }' "$1" | sort; }
n_log() { ls "$1/_delta_log" | grep -c '\.json$'; }
scan_is() { # scan_is TABLE WANT_FILE WHAT: the table's rows, sorted, are WANT_FILE's
  run scan "$1"; sort -o "$T/out" "$T/out"
  expect_out "$(cat "$2")" "$3"
}

run write "$T/src4tbl" "$T/src4.jsonl"
expect_rc 0 "source table for merge"
run convert "$T/src5.jsonl" "$T/src5.parquet"
expect_rc 0 "parquet source"

for dv in off on; do
  tb="$T/dml_$dv"
  props=(--property delta.enableChangeDataFeed=true --property 'delta.constraints.vpos=v >= 0')
  [ "$dv" = on ] && props+=(--property delta.enableDeletionVectors=true)
  run create "$tb" --schema "id bigint not null, g int, v bigint, name string" "${props[@]}"
  expect_rc 0 "[$dv] create"
  for k in 0 1 2 3; do run write "$tb" "$T/app$k.csv"; expect_rc 0 "[$dv] append $k"; done

  run delete "$tb" --where "g = 1 AND id < 100" --deletion-vectors "$dv" --json
  expect_rc 0 "[$dv] delete"
  expect_out_has '"version":5,"num_deleted_rows":20,' "[$dv] delete metrics"
  if [ "$dv" = on ]; then
    expect_out_has '"num_copied_rows":0,' "[dv] delete copies no rows"
    expect_out_has '"num_deletion_vectors_added":2,' "[dv] delete adds a DV to each of the 2 files"
  else
    expect_out_has '"num_copied_rows":80,' "[cow] delete copies the other rows of the 2 files"
    expect_out_has '"num_files_skipped":2,' "[cow] delete skips the files of ids >= 100"
  fi
  scan_is "$tb" "$T/want1.jsonl" "[$dv] rows after delete"

  run update "$tb" --set "SET v = v + 1, name = 'u'" --where "id % 7 = 0" --deletion-vectors "$dv"
  expect_rc 0 "[$dv] update"
  expect_out_has "version 6: update" "[$dv] update output"
  expect_out_has "rows updated   26" "[$dv] update count"
  scan_is "$tb" "$T/want2.jsonl" "[$dv] rows after update"

  run merge "$tb" "$T/src3.csv" --on "t.id = s.id" --deletion-vectors "$dv" \
    --when-matched-delete --if "s.op = 'd'" \
    --when-matched-update "SET v = s.v, name = 'm'" \
    --when-not-matched-insert "(id, g, v, name) VALUES (s.id, 9, s.v, 'new')" --if "s.id < 215" \
    --when-not-matched-by-source-update "SET v = t.v + 1000" --if "t.g = 3 AND t.id < 50" --json
  expect_rc 0 "[$dv] merge from CSV"
  expect_out_has '"num_source_rows":40,"num_target_rows_inserted":15,"num_target_rows_updated":25,"num_target_rows_deleted":5,' \
    "[$dv] merge metrics"
  scan_is "$tb" "$T/want3.jsonl" "[$dv] rows after merge"

  run merge "$tb" "$T/src4tbl" --on "tgt.id = src.id" --source-alias src --target-alias tgt \
    --when-matched-update-all --when-not-matched-insert-all --deletion-vectors "$dv"
  expect_rc 0 "[$dv] merge from a Delta table"
  expect_out_has "rows inserted  7" "[$dv] merge from a table: inserts (ids 1 and 6 were deleted)"
  scan_is "$tb" "$T/want4.jsonl" "[$dv] rows after merge from a table"

  run merge "$tb" "$T/src5.parquet" --on "t.id = s.id" --when-matched-update-all \
    --when-not-matched-insert-all --schema-evolution --deletion-vectors "$dv"
  expect_rc 0 "[$dv] merge --schema-evolution"
  scan_is "$tb" "$T/want5.jsonl" "[$dv] rows after schema evolution"

  run changes "$tb" --from 5
  expect_rc 0 "[$dv] changes"
  changes_of "$T/out" >"$T/got_cdf.txt"
  expect_file "$T/got_cdf.txt" "$(cat "$T/want_cdf.txt")" "[$dv] change data feed of delete/update/merge"

  # Failures: exit 1, nothing committed, rows as they were.
  before="$(n_log "$tb")"
  run update "$tb" --set "v = 0 - 1" --where "id = 3" --deletion-vectors "$dv"
  expect_failure "vpos" "[$dv] update violating a CHECK constraint names it"
  run update "$tb" --set "id = NULL" --where "id = 3"
  expect_failure "id" "[$dv] update of a NOT NULL column to null"
  run update "$tb" --set "v = = 1"
  expect_failure "v" "[$dv] bad SET expression"
  run update "$tb" --set "nope = 1"
  expect_failure "nope" "[$dv] SET of an unknown column"
  printf 'id,v\n150,1\n150,2\n' >"$T/dup.csv"
  run merge "$tb" "$T/dup.csv" --on "t.id = s.id" --when-matched-update "SET v = s.v"
  expect_failure "source rows matched the same target row" "[$dv] ambiguous merge match"
  run merge "$tb" "$T/dup.csv" --on "t.id = s.id" --when-matched-update-all
  expect_failure "target column 'g' is not in the source" "[$dv] UPDATE SET * with a target column missing in the source"
  printf 'id,v\n150,-5\n' >"$T/neg.csv"
  run merge "$tb" "$T/neg.csv" --on "t.id = s.id" --when-matched-update "SET v = s.v"
  expect_failure "vpos" "[$dv] merge violating a CHECK constraint"
  run merge "$tb" "$T/neg.csv" --on "t.id = s.id" --when-matched-update "SET nope = s.v"
  expect_failure "nope" "[$dv] merge SET of an unknown column"
  CHECKS=$((CHECKS + 1))
  [ "$(n_log "$tb")" = "$before" ] || fail "[$dv] a failed command committed a version"
  scan_is "$tb" "$T/want5.jsonl" "[$dv] rows unchanged by the failures"
done

# Deletion-vector specifics: files show the DVs; delete everything; a no-op.
run files "$T/dml_on"
expect_out_has "deletion vector" "files lists the deletion vectors"
run delete "$T/dml_on" --where "id > 100000"
expect_rc 0 "delete matching nothing"
expect_out "nothing changed: no row matched" "delete matching nothing commits nothing"
run delete "$T/dml_on" --json
expect_rc 0 "delete every row"
expect_out_has "\"num_deleted_rows\":$(grep -c . "$T/want5.jsonl")," "delete without --where deletes every row"
run scan "$T/dml_on"
expect_out_empty "no rows left"
run delete "$T/dml_off" --deletion-vectors on --where "id = 1"
expect_failure "deletionVectors" "DVs asked for on a table without the feature"

# Usage errors (exit 2, nothing done).
run delete "$T/dml_off" --where "id = = 1"
expect_usage "--where" "delete --where syntax error"
run delete "$T/dml_off" --deletion-vectors maybe
expect_usage "--deletion-vectors: expected on, off or table" "bad --deletion-vectors"
run update "$T/dml_off" --where "id = 1"
expect_usage "expected --set" "update without --set"
run merge "$T/dml_off" "$T/neg.csv" --when-matched-delete
expect_usage "expected --on" "merge without --on"
run merge "$T/dml_off" "$T/neg.csv" --on "t.id = s.id"
expect_usage "expected at least one clause" "merge without a clause"
run merge "$T/dml_off" "$T/neg.csv" --on "t.id = s.id" --if "s.v > 0" --when-matched-delete
expect_usage "--if 's.v > 0' must follow" "--if before any clause"
run merge "$T/dml_off" "$T/neg.csv" --on "t.id = s.id" --when-not-matched-insert "id VALUES 1"
expect_usage "--when-not-matched-insert: expected" "malformed INSERT clause"
run merge "$T/dml_off" "$T/nope.txt" --on "t.id = s.id" --when-matched-delete
expect_usage "$T/nope.txt: unknown format" "source of unknown format"
for cmd in delete update merge; do
  run "$cmd" --help
  expect_rc 0 "$cmd --help"
  expect_out_has "Examples:" "$cmd --help has examples"
done

finish
