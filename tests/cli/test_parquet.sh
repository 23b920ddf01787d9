#!/usr/bin/env bash
# deltalite parquet cat / write / schema / meta on the conformance corpus and on
# files we write; DuckDB (npm @duckdb/node-api) reads what we wrote.
source "$(dirname "$0")/lib.sh"
data="${DLT_CONFORMANCE_DIR:?}/parquet/data"
[ -d "$data" ] || { echo "missing conformance corpus: $data" >&2; exit 1; }

# ---- cat: the well-known rows of the apache/parquet-testing files ----------------
alltypes='{"id":4,"bool_col":true,"tinyint_col":0,"smallint_col":0,"int_col":0,"bigint_col":0,"float_col":0,"double_col":0,"date_string_col":"30332f30312f3039","string_col":"30","timestamp_col":"2009-03-01T00:00:00"}
{"id":5,"bool_col":false,"tinyint_col":1,"smallint_col":1,"int_col":1,"bigint_col":10,"float_col":1.1,"double_col":10.1,"date_string_col":"30332f30312f3039","string_col":"31","timestamp_col":"2009-03-01T00:01:00"}
{"id":6,"bool_col":true,"tinyint_col":0,"smallint_col":0,"int_col":0,"bigint_col":0,"float_col":0,"double_col":0,"date_string_col":"30342f30312f3039","string_col":"30","timestamp_col":"2009-04-01T00:00:00"}
{"id":7,"bool_col":false,"tinyint_col":1,"smallint_col":1,"int_col":1,"bigint_col":10,"float_col":1.1,"double_col":10.1,"date_string_col":"30342f30312f3039","string_col":"31","timestamp_col":"2009-04-01T00:01:00"}
{"id":2,"bool_col":true,"tinyint_col":0,"smallint_col":0,"int_col":0,"bigint_col":0,"float_col":0,"double_col":0,"date_string_col":"30322f30312f3039","string_col":"30","timestamp_col":"2009-02-01T00:00:00"}
{"id":3,"bool_col":false,"tinyint_col":1,"smallint_col":1,"int_col":1,"bigint_col":10,"float_col":1.1,"double_col":10.1,"date_string_col":"30322f30312f3039","string_col":"31","timestamp_col":"2009-02-01T00:01:00"}
{"id":0,"bool_col":true,"tinyint_col":0,"smallint_col":0,"int_col":0,"bigint_col":0,"float_col":0,"double_col":0,"date_string_col":"30312f30312f3039","string_col":"30","timestamp_col":"2009-01-01T00:00:00"}
{"id":1,"bool_col":false,"tinyint_col":1,"smallint_col":1,"int_col":1,"bigint_col":10,"float_col":1.1,"double_col":10.1,"date_string_col":"30312f30312f3039","string_col":"31","timestamp_col":"2009-01-01T00:01:00"}'
for f in alltypes_plain.parquet alltypes_plain.snappy.parquet; do
  run parquet cat --binary-hex "$data/$f"
  expect_rc 0 "cat $f"
  expect_err_empty "cat $f"
  if [ "$f" = alltypes_plain.parquet ]; then
    expect_jsonl "$alltypes" "$T/out" "cat $f"
  else # the snappy file holds the first two rows of the same data (ids 6, 7)
    expect_jsonl "$(sed -n '3,4p' <<<"$alltypes")" "$T/out" "cat $f"
  fi
done
# binary is base64 by default: "03/01/09" -> MDMvMDEvMDk=
run parquet cat "$data/alltypes_plain.parquet" --columns id,date_string_col --limit 1
expect_rc 0 "cat base64"
expect_jsonl '{"id":4,"date_string_col":"MDMvMDEvMDk="}' "$T/out" "cat binary as base64"
# --columns (file order kept), --limit, --format csv
run parquet cat "$data/alltypes_plain.parquet" --columns bigint_col,id --limit 3 --format csv
expect_rc 0 "cat --format csv"
expect_out 'id,bigint_col
4,0
5,10
6,0' "cat --columns --limit --format csv"
run parquet cat "$data/alltypes_plain.parquet" --limit 0
expect_rc 0 "cat --limit 0"
expect_out "" "cat --limit 0"
run parquet cat "$data/alltypes_plain.parquet" --columns no_such_column
expect_failure "no_such_column" "cat unknown column"

run parquet cat "$data/list_columns.parquet"
expect_rc 0 "cat list_columns"
expect_jsonl '{"int64_list":[1,2,3],"utf8_list":["abc","efg","hij"]}
{"int64_list":[null,1],"utf8_list":null}
{"int64_list":[4],"utf8_list":["efg",null,"hij","xyz"]}' "$T/out" "cat lists"

run parquet cat "$data/datapage_v2.snappy.parquet"
expect_rc 0 "cat datapage_v2"
expect_jsonl '{"a":"abc","b":1,"c":2,"d":true,"e":[1,2,3]}
{"a":"abc","b":2,"c":3,"d":true,"e":null}
{"a":"abc","b":3,"c":4,"d":true,"e":null}
{"a":null,"b":4,"c":5,"d":false,"e":[1,2,3]}
{"a":"abc","b":5,"c":2,"d":true,"e":[1,2]}' "$T/out" "cat data page v2"

run parquet cat "$data/nested_maps.snappy.parquet" --columns a --limit 4
expect_rc 0 "cat nested maps"
expect_jsonl '{"a":[{"key":"a","value":[{"key":1,"value":true},{"key":2,"value":false}]}]}
{"a":[{"key":"b","value":[{"key":1,"value":true}]}]}
{"a":[{"key":"c","value":null}]}
{"a":[{"key":"d","value":[]}]}' "$T/out" "cat maps of maps"

# Parquet from standard input
run_in "$data/list_columns.parquet" parquet cat - --columns int64_list --limit 2
expect_rc 0 "cat stdin"
expect_jsonl '{"int64_list":[1,2,3]}
{"int64_list":[null,1]}' "$T/out" "cat from stdin"

# Not a Parquet file: a clear failure naming it.
printf 'id,name\n1,x\n' >"$T/not.parquet"
run parquet cat "$T/not.parquet"
expect_failure "not.parquet" "cat of a CSV file"

# ---- write, then cat: the round trip --------------------------------------------
cat >"$T/t.csv" <<'CSV'
id,city,temp,day,ok
1,Oslo,-3.5,2024-01-31,true
2,"Rio de Janeiro",31.25,2024-02-01,false
3,,0.5,,true
4,Åre,-20.75,2024-02-29,
CSV
want='{"id":1,"city":"Oslo","temp":-3.5,"day":"2024-01-31","ok":true}
{"id":2,"city":"Rio de Janeiro","temp":31.25,"day":"2024-02-01","ok":false}
{"id":3,"city":null,"temp":0.5,"day":null,"ok":true}
{"id":4,"city":"Åre","temp":-20.75,"day":"2024-02-29","ok":null}'
i=0
for opts in "" "--codec zstd" "--codec zstd:19 --page-version 2" "--codec gzip --dictionary off" \
            "--codec lz4 --row-group-rows 1" "--codec brotli --page-rows 1 --page-bytes 1K" \
            "--codec none --encoding id=delta_binary_packed --encoding temp=byte_stream_split --encoding city=delta_length_byte_array" \
            "--row-group-bytes 1M --no-statistics"; do
  i=$((i + 1))
  run parquet write "$T/t.csv" "$T/w$i.parquet" $opts
  expect_rc 0 "write $opts"
  expect_out_empty "write $opts"
  run parquet cat "$T/w$i.parquet"
  expect_rc 0 "cat after write $opts"
  expect_jsonl "$want" "$T/out" "write/cat round trip $opts"
done
# convert does the same from JSON lines, and from Parquet to Parquet
printf '%s\n' "$want" >"$T/t.jsonl"
run convert "$T/t.jsonl" "$T/c.parquet" --codec zstd --json
expect_rc 0 "convert jsonl -> parquet"
node_check '
const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
console.log(s.rows === 4 && s.output_format === "parquet" && s.bytes > 0 ? "ok" : JSON.stringify(s));' \
  "$T/out" "convert --json summary"
run convert "$T/c.parquet" "$T/c2.parquet" --codec snappy --columns city,id
expect_rc 0 "parquet -> parquet with --columns"
run parquet cat "$T/c2.parquet" --format csv --null NULL
expect_rc 0 "cat re-written"
expect_out 'id,city
1,Oslo
2,Rio de Janeiro
3,NULL
4,Åre' "parquet -> parquet keeps rows, projects columns"
run_in "$T/t.csv" parquet write --from csv - "$T/stdin.parquet" --row-group-rows 2
expect_rc 0 "write from stdin"
run parquet cat "$T/stdin.parquet"
expect_jsonl "$want" "$T/out" "write from stdin round trip"

# ---- DuckDB reads what we wrote ---------------------------------------------------
node_check '
const { DuckDBInstance } = require("@duckdb/node-api");
(async () => {
  const db = await DuckDBInstance.create(":memory:");
  const con = await db.connect();
  const out = [];
  for (const f of process.argv.slice(1)) {
    const r = await con.runAndReadAll(`SELECT id, city, temp, CAST(day AS VARCHAR) AS day, ok FROM read_parquet(${"\x27"}${f}${"\x27"}) ORDER BY id`);
    out.push(JSON.stringify(r.getRowObjectsJson()));
  }
  const want = JSON.stringify([
    { id: "1", city: "Oslo", temp: -3.5, day: "2024-01-31", ok: true },
    { id: "2", city: "Rio de Janeiro", temp: 31.25, day: "2024-02-01", ok: false },
    { id: "3", city: null, temp: 0.5, day: null, ok: true },
    { id: "4", city: "Åre", temp: -20.75, day: "2024-02-29", ok: null }]);
  const bad = out.map((o, i) => (o === want ? null : process.argv[i + 1] + ": " + o)).filter(Boolean);
  console.log(bad.length ? bad.join("\n") : "ok");
})().catch((e) => console.log(String(e))).finally(() => process.stdout.write("", () => process.exit(0)));' "$T/w1.parquet" "$T/w2.parquet" "$T/w3.parquet" \
  "$T/w5.parquet" "$T/w7.parquet" "$T/stdin.parquet" "DuckDB reads our files"

finish
