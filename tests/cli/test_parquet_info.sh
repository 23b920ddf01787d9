#!/usr/bin/env bash
# deltalite parquet schema / meta: text for people, --json for machines.
source "$(dirname "$0")/lib.sh"
data="${DLT_CONFORMANCE_DIR:?}/parquet/data"
[ -d "$data" ] || { echo "missing conformance corpus: $data" >&2; exit 1; }
cat >"$T/t.csv" <<'CSV'
id,city,temp,day,ok
1,Oslo,-3.5,2024-01-31,true
2,"Rio de Janeiro",31.25,2024-02-01,false
3,,0.5,,true
4,Åre,-20.75,2024-02-29,
CSV
run parquet write "$T/t.csv" "$T/w1.parquet"
expect_rc 0 "write"

# ---- schema and meta ------------------------------------------------------------
run parquet schema "$T/w1.parquet"
expect_rc 0 "schema"
for s in "message" "int64 id" "city (STRING)" "double temp" "int32 day (DATE)" "boolean ok" \
         "Arrow schema:" "  id: int64" "  city: utf8" "  temp: float64" "  day: date32" "  ok: bool"; do
  expect_out_has "$s" "schema shows '$s'"
done
run parquet schema --json "$data/list_columns.parquet"
expect_rc 0 "schema --json"
node_check '
const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const f = s.arrow_schema.fields;
const ok = s.num_rows === 3 && f.length === 2 && f[0].name === "int64_list" &&
  f[0].type === "list" && f[0].children[0].type === "int64" && f[1].children[0].type === "utf8" &&
  /message/.test(s.parquet_schema);
console.log(ok ? "ok" : JSON.stringify(s));' "$T/out" "schema --json parses"

run parquet write "$T/t.csv" "$T/m.parquet" --codec zstd --row-group-rows 2
run parquet meta --json "$T/m.parquet"
expect_rc 0 "meta --json"
node_check '
const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const rg = m.row_groups;
const ok = m.num_rows === 4 && rg.length === 2 && rg.every((g) => g.num_rows === 2) &&
  /deltalite/.test(m.created_by) && JSON.stringify(rg).includes("ZSTD");
console.log(ok ? "ok" : JSON.stringify(m).slice(0, 400));' "$T/out" "meta --json: rows, row groups, codec"
run parquet meta "$T/m.parquet"
expect_rc 0 "meta (text)"
expect_out_has "num_rows: 4" "meta text shows num_rows"
expect_out_has "ZSTD" "meta text shows the codec"

finish
