#!/usr/bin/env bash
# deltalite inspect / files / history / scan / changes on the Delta tables of the
# conformance corpus, against each table's EXPECTED.json and EXPECTED.rows.jsonl
# (computed by an independent log replay and DuckDB; see the corpus README).
source "$(dirname "$0")/lib.sh"

CONF="${DLT_CONFORMANCE_DIR:?}/delta"
[ -d "$CONF" ] || { echo "no Delta corpus at $CONF"; exit 1; }

# Reader features the library documents as supported (include/deltalite/table.h);
# a table needing a reader version above 3 or any other reader feature must be
# refused with a message naming it.
SUPPORTED_READER_FEATURES=" columnMapping deletionVectors timestampNtz v2Checkpoint \
vacuumProtocolCheck typeWidening typeWidening-preview variantType variantType-preview variantShredding variantShredding-preview geospatial "

# Canonical rows, for comparing our JSON lines with EXPECTED.rows.jsonl. Both sides
# are re-serialized the same way: numbers compared exactly (integers as integers,
# so big int64 values are not rounded; others by their double value, so 88 and
# 88.0 are equal), keys in their order. One documented difference is normalized
# on our side only: the corpus writes timestamps with always 6 fraction digits
# and "Z" (README "timestamp YYYY-MM-DDTHH:MM:SS.ffffffZ"), our canonical JSON
# lines keep only the digits needed ("...:00Z", "...:00.5Z"; deltalite/text.h),
# so a string that is such a timestamp gets its fraction padded to 6 digits.
# Lines are then sorted bytewise (the corpus sorts its rows file that way).
cat >"$T/canon.js" <<'JS'
const fs = require("fs");
function tok(text) { // JSON text -> value with numbers as {n: canonical text}
  let i = 0;
  const ws = () => { while (" \t\r\n".includes(text[i])) i++; };
  const val = () => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++; const o = []; ws();
      if (text[i] === "}") { i++; return { o }; }
      for (;;) { ws(); const k = str(); ws(); i++; o.push([k, val()]); ws();
        if (text[i++] === "}") return { o }; }
    }
    if (c === "[") {
      i++; const a = []; ws();
      if (text[i] === "]") { i++; return { a }; }
      for (;;) { a.push(val()); ws(); if (text[i++] === "]") return { a }; }
    }
    if (c === '"') return { s: str() };
    const m = /^(-?\d+(\.\d+)?([eE][-+]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) throw new Error("bad JSON at " + i + ": " + text.slice(i, i + 40));
    i += m[0].length;
    if (/^[tfn]/.test(m[0])) return { k: m[0] };
    if (/^-?\d+$/.test(m[0])) return { n: BigInt(m[0]).toString() };
    return { n: String(Number(m[0])) };
  };
  const str = () => { const s = i; i++;
    while (text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++; return JSON.parse(text.slice(s, i)); };
  const v = val(); ws();
  if (i !== text.length) throw new Error("trailing text");
  return v;
}
const TS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.(\d{1,6}))?(Z?)$/;
function out(v, ours) {
  // Variants: the corpus shows DuckDB's view of the stored struct, {value, metadata};
  // deltalite surfaces struct<metadata, value> (deltalite/table.h). Same fields,
  // other order: put such a pair in one order on both sides.
  if ("o" in v && v.o.length === 2 && v.o[0][0] === "value" && v.o[1][0] === "metadata")
    v = { o: [v.o[1], v.o[0]] };
  if ("o" in v) return "{" + v.o.map(([k, x]) => JSON.stringify(k) + ":" + out(x, ours)).join(",") + "}";
  if ("a" in v) return "[" + v.a.map((x) => out(x, ours)).join(",") + "]";
  if ("n" in v) return v.n;
  if ("k" in v) return v.k;
  let s = v.s;
  const m = ours && TS.exec(s);
  if (m) s = m[1] + "." + (m[3] || "").padEnd(6, "0") + m[4];
  return JSON.stringify(s);
}
const canon = (file, ours) => fs.readFileSync(file, "utf8").split("\n").filter((l) => l !== "")
  .map((l) => out(tok(l), ours)).sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
module.exports = { canon, tok, out };
JS

# same_rows EXPECTED_FILE OURS_FILE WHAT: the same multiset of canonical rows.
same_rows() {
  node_check '
const { canon } = require(process.argv[3]);
const want = canon(process.argv[1], false), got = canon(process.argv[2], true);
if (want.length !== got.length) { console.log(`${got.length} rows, expected ${want.length}` +
  (got.length ? "; first: " + got[0] : "")); process.exit(0); }
for (let i = 0; i < want.length; i++)
  if (want[i] !== got[i]) { console.log(`row ${i + 1} (sorted): got ${got[i]}\n  expected ${want[i]}`); process.exit(0); }
console.log("ok");' "$1" "$2" "$T/canon.js" "$3"
}

# ---- every table of the corpus: inspect, files, scan -------------------------

# One node process plans (what EXPECTED.json says of every table), deltalite runs
# for every table with its outputs kept under $T/res/, and one node process checks
# them all at the end (node start-up per check dominated this test's time).
mkdir -p "$T/unpacked" "$T/res"
find "$CONF" -name EXPECTED.json -not -path "*/ffi-expected/*" | sort >"$T/expected_list"
# Per table, one line: dir|archive (0/1)|verdict|"v:files ..."|"v:rows ..."
node -e '
const fs = require("fs"), sup = process.argv[2];
for (const exp of fs.readFileSync(process.argv[1], "utf8").split("\n").filter((l) => l)) {
  const e = JSON.parse(fs.readFileSync(exp, "utf8")), dir = exp.replace(/\/EXPECTED\.json$/, "");
  let verdict = "read";
  if (e.latest_version < 0 || !e.protocol) verdict = "not-a-table";
  else if (e.protocol.minReaderVersion > 3) verdict = "refuse reader version " + e.protocol.minReaderVersion;
  else { const bad = (e.protocol.readerFeatures || []).filter((f) => !sup.includes(" " + f + " "));
    if (bad.length) verdict = "refuse " + bad[0]; }
  // files of every version reachable by commits (up to 12; the latest is the plain files run)
  const fv = (e.per_version || []).slice(-12).filter((p) => p.version !== e.latest_version)
    .map((p) => p.version + ":" + p.active_files).join(" ");
  // rows of older versions (data files of old versions are present)
  const rv = (e.per_version || []).slice(-6, -1).filter((p) => p.rows !== null)
    .map((p) => p.version + ":" + p.rows).join(" ");
  console.log([dir, e.archive ? 1 : 0, verdict, fv, rv].join("|"));
}' "$T/expected_list" "$SUPPORTED_READER_FEATURES" >"$T/plan"
n_tables=$(grep -c . "$T/plan")
((n_tables > 80)) || fail "expected the corpus's ~100 Delta tables, found $n_tables"

n_rows_compared=0
n_refused=0
i=0
: >"$T/checks"   # lines for the final node pass: kind|name|expected file|our output
while IFS='|' read -r dir has_archive verdict fv rv; do
  i=$((i + 1))
  name="${dir#"$CONF"/}"
  exp="$dir/EXPECTED.json"
  root="$dir"
  if [ "$has_archive" = 1 ]; then
    zst="$(ls "$dir"/*.tar.zst 2>/dev/null | head -1)"
    if [ -z "$zst" ]; then fail "$name: EXPECTED.json names an archive, none found"; continue; fi
    base="$(basename "$zst" .tar.zst)"
    mkdir -p "$T/unpacked/$name"
    tar --zstd -xf "$zst" -C "$T/unpacked/$name"
    root="$T/unpacked/$name/$base"
  fi
  run inspect --json "$root"
  case "$verdict" in
  not-a-table)
    expect_failure "$root" "$name: not a table: inspect fails naming it"
    continue ;;
  refuse*)
    n_refused=$((n_refused + 1))
    expect_failure "${verdict#refuse }" "$name: unsupported protocol named"
    continue ;;
  esac
  expect_rc 0 "$name: inspect --json"
  [ "$RC" = 0 ] || continue
  cp "$T/out" "$T/res/$i.inspect"
  echo "inspect|$name|$exp|$T/res/$i.inspect" >>"$T/checks"

  # files --json: one line per live file, the same paths and sizes as the oracle's.
  run files --json "$root"
  expect_rc 0 "$name: files --json"
  cp "$T/out" "$T/res/$i.files"
  echo "files|$name|$exp|$T/res/$i.files" >>"$T/checks"

  # Time travel: the file count of older versions.
  for p in $fv; do
    v="${p%%:*}" want="${p##*:}"
    run files --json --version "$v" "$root"
    expect_rc 0 "$name: files --version $v"
    CHECKS=$((CHECKS + 1))
    got=$(grep -c . "$T/out" || true)
    [ "$got" = "$want" ] || fail "$name: files --version $v: $got files, expected $want"
  done

  # Rows: the whole table against EXPECTED.rows.jsonl, and the row count of older versions.
  if [ -f "$dir/EXPECTED.rows.jsonl" ]; then
    run scan --binary-hex --raw-variant "$root"
    expect_rc 0 "$name: scan"
    if [ "$RC" = 0 ]; then
      cp "$T/out" "$T/res/$i.scan"
      echo "rows|$name|$dir/EXPECTED.rows.jsonl|$T/res/$i.scan" >>"$T/checks"
      n_rows_compared=$((n_rows_compared + 1))
    fi
    for p in $rv; do
      v="${p%%:*}" want="${p##*:}"
      run scan --version "$v" "$root"
      expect_rc 0 "$name: scan --version $v"
      CHECKS=$((CHECKS + 1))
      got=$(grep -c . "$T/out" || true)
      [ "$got" = "$want" ] || fail "$name: scan --version $v: $got rows, expected $want"
    done
  fi
done <"$T/plan"

# The checks of every table's outputs, in one node process: one line per check,
# "ok" or the failure.
node -e '
const fs = require("fs"), { canon } = require(process.argv[2]);
const sorted = (a) => JSON.stringify([...(a || [])].sort());
function inspect(e, g) {
  const p = e.protocol, gp = g.protocol, bad = [];
  if (g.version !== e.latest_version) bad.push(`version ${g.version}, expected ${e.latest_version}`);
  if (g.numFiles !== e.active_files) bad.push(`numFiles ${g.numFiles}, expected ${e.active_files}`);
  if (gp.minReaderVersion !== p.minReaderVersion || gp.minWriterVersion !== p.minWriterVersion)
    bad.push(`protocol ${gp.minReaderVersion}/${gp.minWriterVersion}, expected ${p.minReaderVersion}/${p.minWriterVersion}`);
  if (sorted(gp.readerFeatures) !== sorted(p.readerFeatures)) bad.push(`readerFeatures ${sorted(gp.readerFeatures)} vs ${sorted(p.readerFeatures)}`);
  if (sorted(gp.writerFeatures) !== sorted(p.writerFeatures)) bad.push(`writerFeatures ${sorted(gp.writerFeatures)} vs ${sorted(p.writerFeatures)}`);
  if (JSON.stringify(g.partitionColumns) !== JSON.stringify(e.partition_columns))
    bad.push(`partitionColumns ${JSON.stringify(g.partitionColumns)} vs ${JSON.stringify(e.partition_columns)}`);
  if (e.metadata && g.metadata.id !== e.metadata.id) bad.push(`id ${g.metadata.id} vs ${e.metadata.id}`);
  const conf = (e.metadata && e.metadata.configuration) || {};
  if (JSON.stringify(g.properties) !== JSON.stringify(conf) && sorted(Object.entries(g.properties)) !== sorted(Object.entries(conf)))
    bad.push(`properties ${JSON.stringify(g.properties)} vs ${JSON.stringify(conf)}`);
  if (JSON.stringify(g.schema) !== JSON.stringify(JSON.parse(e.schema_string))) bad.push("schema differs");
  // Rows from statistics: only when every file has numRecords.
  const want = e.total_rows_from_stats;
  if (want !== null && want !== undefined && g.numRecords !== null && g.numRecords !== want)
    bad.push(`numRecords ${g.numRecords}, expected ${want}`);
  return bad.length ? bad.join("; ") : "ok";
}
function files(e, text) {
  const lines = text.split("\n").filter((l) => l);
  if (lines.length !== e.active_files) return `${lines.length} files, expected ${e.active_files}`;
  const list = e.active_file_list || [];
  if (list.length === e.active_files) {
    const got = lines.map((l) => JSON.parse(l).path).sort();
    const want = list.map((f) => f.decoded_path || decodeURIComponent(f.path)).sort();
    for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) return `path ${got[i]}, expected ${want[i]}`;
    const size = new Map(list.map((f) => [f.decoded_path || decodeURIComponent(f.path), f.size]));
    for (const l of lines) { const f = JSON.parse(l); if (size.get(f.path) !== f.size) return `size of ${f.path}: ${f.size}, expected ${size.get(f.path)}`; }
  }
  return "ok";
}
function rows(wantFile, gotFile) {
  const want = canon(wantFile, false), got = canon(gotFile, true);
  if (want.length !== got.length) return `${got.length} rows, expected ${want.length}` + (got.length ? "; first: " + got[0] : "");
  for (let i = 0; i < want.length; i++)
    if (want[i] !== got[i]) return `row ${i + 1} (sorted): got ${got[i]}\n  expected ${want[i]}`;
  return "ok";
}
const what = { inspect: "inspect matches EXPECTED.json", files: "files list", rows: "scan rows = EXPECTED.rows.jsonl" };
for (const line of fs.readFileSync(process.argv[1], "utf8").split("\n").filter((l) => l)) {
  const [kind, name, want, got] = line.split("|");
  let r;
  try {
    if (kind === "rows") r = rows(want, got);
    else { const e = JSON.parse(fs.readFileSync(want, "utf8")), text = fs.readFileSync(got, "utf8");
      r = kind === "inspect" ? inspect(e, JSON.parse(text)) : files(e, text); }
  } catch (err) { r = "check failed: " + err.message; }
  console.log(`${name}: ${what[kind]}\t${r.replace(/\n/g, " ")}`);
}' "$T/checks" "$T/canon.js" >"$T/check_results" 2>"$T/check_err" ||
  fail "the node checks of the corpus failed: $(head -c 300 "$T/check_err")"
CHECKS=$((CHECKS + 1))
[ "$(grep -c . "$T/check_results")" = "$(grep -c . "$T/checks")" ] ||
  fail "node checked $(grep -c . "$T/check_results") outputs of $(grep -c . "$T/checks")"
while IFS=$'\t' read -r what result; do
  CHECKS=$((CHECKS + 1))
  [ "$result" = ok ] || fail "$what: $result"
done <"$T/check_results"
CHECKS=$((CHECKS + 1))
((n_rows_compared >= 40)) || fail "only $n_rows_compared tables had their rows compared"
CHECKS=$((CHECKS + 1))
((n_refused >= 1)) || fail "no table of the corpus was refused (simple_table_features needs reader v5)"

# ---- --where: exact filtering, compared with the rows filtered by node --------

# where_case TABLE PREDICATE JS_FILTER [MIN_SKIPPED]: scan --where equals the
# EXPECTED rows kept by JS_FILTER (a function of row r); at least MIN_SKIPPED files
# skipped by partition values or statistics.
where_case() {
  local tdir="$CONF/$1" pred="$2" js="$3" min_skip="${4:-0}"
  run scan --binary-hex --raw-variant --where "$pred" --json "$tdir"
  expect_rc 0 "where $1 [$pred]"
  node -e '
const fs = require("fs"), f = eval(process.argv[2]);
const rows = fs.readFileSync(process.argv[1], "utf8").split("\n").filter((l) => l);
process.stdout.write(rows.filter((l) => f(JSON.parse(l))).map((l) => l + "\n").join(""));' \
    "$tdir/EXPECTED.rows.jsonl" "$js" >"$T/where_expected.jsonl"
  cp "$T/out" "$T/where_got.jsonl"
  same_rows "$T/where_expected.jsonl" "$T/where_got.jsonl" "where $1 [$pred]: rows"
  CHECKS=$((CHECKS + 1))
  local skipped
  skipped="$(node -e '
const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").pop());
console.log(m.files_skipped_partition + m.files_skipped_stats);' "$T/err" 2>/dev/null || echo "?")"
  if [ "$skipped" = "?" ] || ((skipped < min_skip)); then
    fail "where $1 [$pred]: $skipped files skipped, expected at least $min_skip (stderr: $(head -c 300 "$T/err"))"
  fi
}
where_case delta-rs/delta-0.8.0-partitioned "year = '2021'" '(r) => r.year === "2021"' 3
where_case delta-rs/delta-0.8.0-partitioned "year = '2020' AND month = '2'" \
  '(r) => r.year === "2020" && r.month === "2"' 4
where_case delta-rs/simple_table_with_checkpoint "version > 5" '(r) => r.version > 5' 0
where_case delta-rs/table_with_liquid_clustering "id >= 7" '(r) => r.id >= 7' 7
where_case delta-rs/delta-0.8.0-null-partition "k IS NULL" '(r) => r.k === null' 1
where_case delta-rs/cdf-table "birthday = DATE '2023-12-22' OR id >= 9" \
  '(r) => r.birthday === "2023-12-22" || r.id >= 9' 1
where_case delta-rs/table-with-dv-small "value % 2 = 0" '(r) => r.value % 2 === 0' 0
where_case delta-rs/delta-0.8.0 "value < 0" '(r) => r.value < 0' 0

# --stats prints the counters for people.
run scan --where "year = '2021'" --stats "$CONF/delta-rs/delta-0.8.0-partitioned"
expect_rc 0 "scan --stats"
expect_err_has "3 skipped by partition values" "scan --stats names the skipped files"
expect_err_has "4 returned" "scan --stats counts the rows"

# --columns, --limit, CSV.
run scan --columns id --format csv "$CONF/delta-rs/simple_table"
expect_rc 0 "scan --columns --format csv"
CHECKS=$((CHECKS + 1))
[ "$(head -1 "$T/out")" = "id" ] && [ "$(sed 1d "$T/out" | sort -n | tr '\n' ' ')" = "5 7 9 " ] ||
  fail "scan csv: got $(tr '\n' ' ' <"$T/out")"
run scan --limit 2 "$CONF/delta-rs/simple_table_with_checkpoint"
expect_rc 0 "scan --limit"
CHECKS=$((CHECKS + 1))
[ "$(grep -c . "$T/out")" = 2 ] || fail "scan --limit 2 gave $(grep -c . "$T/out") rows"
run scan --output "$T/st.parquet" "$CONF/delta-rs/simple_table"
expect_rc 0 "scan --output x.parquet"
run parquet cat "$T/st.parquet"
same_rows "$CONF/delta-rs/simple_table/EXPECTED.rows.jsonl" "$T/out" "scan -> parquet -> rows"
run scan "file://$CONF/delta-rs/simple_table"
expect_rc 0 "file:// URI"
same_rows "$CONF/delta-rs/simple_table/EXPECTED.rows.jsonl" "$T/out" "file:// URI rows"

# ---- --timestamp: commit times set here, so the answers are known -------------

cp -r "$CONF/delta-rs/simple_table" "$T/tt"
for v in 0 1 2 3 4; do
  touch -d "2024-01-0$((v + 1))T10:00:00Z" "$T/tt/_delta_log/0000000000000000000$v.json"
done
# per_version rows of simple_table: 5 20 5 5 3
for spec in "2024-01-03T10:00:00Z 2" "2024-01-03T09:59:59.999Z 1" "2024-01-03 10:00:00 2" \
            "2024-01-04 2" "2024-01-04T10:00 3" "2024-01-05T11:00:00+01:00 4" "1704448800000 4" "2099-01-01 4" \
            "2024-01-02T10:30:00.25Z 1"; do
  ts="${spec% *}" want="${spec##* }"
  run inspect --json --timestamp "$ts" "$T/tt"
  expect_rc 0 "inspect --timestamp '$ts'"
  node_check 'const g = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
console.log(g.version === Number(process.argv[2]) ? "ok" : `version ${g.version}, expected ${process.argv[2]}`);' \
    "$T/out" "$want" "--timestamp '$ts' -> version $want"
done
run scan --timestamp 2024-01-02T12:00:00Z "$T/tt"
expect_rc 0 "scan --timestamp"
CHECKS=$((CHECKS + 1))
[ "$(grep -c . "$T/out")" = 20 ] || fail "scan --timestamp (version 1): $(grep -c . "$T/out") rows, expected 20"
run scan --timestamp 2023-12-31 "$T/tt"
expect_failure "2023-12-31T00:00:00Z" "--timestamp before the first commit"
run scan --timestamp yesterday "$T/tt"
expect_usage "--timestamp: expected" "--timestamp with a word"
run scan --timestamp 2024-02-30 "$T/tt"
expect_usage "--timestamp: expected" "--timestamp with no such day"
run scan --version 2 --timestamp 2024-01-02 "$T/tt"
expect_usage "--version and --timestamp" "both --version and --timestamp"

# ---- history -------------------------------------------------------------------

run history --json "$T/tt"
expect_rc 0 "history --json"
node_check '
const fs = require("fs");
const lines = fs.readFileSync(process.argv[1], "utf8").split("\n").filter((l) => l).map(JSON.parse);
const want = [4, 3, 2, 1, 0].map((v) => fs.readFileSync(process.argv[2] + "/_delta_log/" + String(v).padStart(20, "0") + ".json", "utf8")
  .split("\n").filter((l) => l).map(JSON.parse).find((a) => a.commitInfo).commitInfo.operation).join(",");
const vs = lines.map((h) => h.version).join(",");
const ops = lines.map((h) => h.operation).join(",");
const ts = lines.map((h) => h.timestamp).join(",");
if (vs !== "4,3,2,1,0") console.log("versions " + vs);
else if (ops !== want) console.log(`operations ${ops}, expected ${want}`);
else if (ts !== [5, 4, 3, 2, 1].map((d) => Date.UTC(2024, 0, d, 10)).join(",")) console.log("timestamps " + ts);
else if (typeof lines[0].commitInfo !== "object" || lines[0].commitInfo.operation !== "DELETE") console.log("commitInfo not an object");
else console.log("ok");' "$T/out" "$T/tt" "history --json: versions, operations, timestamps"
run history --limit 2 "$T/tt"
expect_rc 0 "history --limit"
CHECKS=$((CHECKS + 1))
[ "$(sed 1d "$T/out" | awk '{print $1 " " $2 " " $3}' | tr '\n' '|')" = \
  "4 2024-01-05T10:00:00.000Z DELETE|3 2024-01-04T10:00:00.000Z UPDATE|" ] ||
  fail "history --limit 2: $(cat "$T/out")"

# ---- inspect for people ------------------------------------------------------

run inspect "$CONF/delta-rs/delta-0.8.0-partitioned"
expect_rc 0 "inspect (text)"
expect_out_has "version     0" "inspect shows the version"
expect_out_has "partitioned by year, month, day" "inspect shows the partition columns"
expect_out_has "year: utf8  (partition)" "inspect shows the schema"
expect_out_has "files       6" "inspect shows the file count"
run inspect --version 1 "$CONF/delta-rs/simple_table_with_checkpoint"
expect_rc 0 "inspect --version"
expect_out_has "version     1 " "inspect --version 1"
run files "$CONF/delta-rs/table-with-dv-small"
expect_rc 0 "files (text)"
expect_out_has "deletion vector: 2 rows deleted" "files shows deletion vectors"

# ---- variant columns as JSON ------------------------------------------------------

# The shredded-variant table (value + typed_value in its files): by default each
# variant prints as JSON. Oracle: DuckDB's metadata/value bytes, decoded here by a
# decoder of exactly the shape this table holds (an object {"key": <int8>}).
run scan "$CONF/delta-rs/spark-shredded-variant-preview-delta" --columns id,v
expect_rc 0 "scan prints variants as JSON"
cp "$T/out" "$T/variant_got.jsonl"
set +e
node -e '
const fs = require("fs");
const want = fs.readFileSync(process.argv[1], "utf8").split("\n").filter((l) => l).map((l) => {
  const r = JSON.parse(l);
  if (r.v === null) return JSON.stringify({ id: r.id, v: null });
  const m = Buffer.from(r.v.metadata, "hex"), v = Buffer.from(r.v.value, "hex");
  // metadata: version 1, one key of 3 bytes, "key"; value: a one-field object
  // (field id 0, offsets 0..2) holding an int8 (header 0x0c)
  if (m.toString("hex") !== "010100036b6579" || v.length !== 7 ||
      v.subarray(0, 6).toString("hex") !== "02010000020c") throw new Error("unexpected variant " + l);
  return JSON.stringify({ id: r.id, v: { key: v.readInt8(6) } });
}).sort();
const got = fs.readFileSync(process.argv[2], "utf8").split("\n").filter((l) => l).sort();
if (JSON.stringify(got) !== JSON.stringify(want)) {
  console.error("got", got.slice(0, 3), "want", want.slice(0, 3)); process.exit(1);
}
if (got.length < 2) { console.error("too few rows"); process.exit(1); }
' "$CONF/delta-rs/spark-shredded-variant-preview-delta/EXPECTED.rows.jsonl" "$T/variant_got.jsonl"
rc=$?
set -e
CHECKS=$((CHECKS + 1))
[ "$rc" = 0 ] || fail "variant JSON differs from the decoded oracle"

# ---- change data feed -----------------------------------------------------------

# cdf-table: version 0 inserts 10 rows (add actions), versions 1-3 have cdc files.
# Oracle: read each cdc file named by the log with hyparquet (an independent
# Parquet reader), add its partition values and the commit version.
run changes --from 1 --to 3 --binary-hex --raw-variant "$CONF/delta-rs/cdf-table"
expect_rc 0 "changes --from 1 --to 3"
cp "$T/out" "$T/cdf_got.jsonl"
set +e
(cd "$DLT_NODE_DIR" && node -e '
const fs = require("fs"), path = require("path"), dir = process.argv[1];
(async () => {
  const { parquetReadObjects } = await import("hyparquet");
  const { compressors } = await import("hyparquet-compressors");
  const out = [];
  for (let v = 1; v <= 3; v++) {
    const log = fs.readFileSync(path.join(dir, "_delta_log", String(v).padStart(20, "0") + ".json"), "utf8");
    for (const line of log.split("\n").filter((l) => l)) {
      const a = JSON.parse(line);
      if (!a.cdc) continue;
      const buf = fs.readFileSync(path.join(dir, decodeURIComponent(a.cdc.path)));
      const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
      for (const r of await parquetReadObjects({ file, compressors })) {
        const pv = a.cdc.partitionValues;
        out.push(JSON.stringify({ id: Number(r.id), name: r.name, birthday: pv.birthday,
          _change_type: r._change_type, _commit_version: v }));
      }
    }
  }
  process.stdout.write(out.map((l) => l + "\n").join(""));
})().catch((e) => { console.error(e.message); process.exit(1); });' "$CONF/delta-rs/cdf-table" >"$T/cdf_want.jsonl" 2>"$T/cdf_node.err")
node_rc=$?
set -e
CHECKS=$((CHECKS + 1))
if [ "$node_rc" != 0 ] || [ ! -s "$T/cdf_want.jsonl" ]; then
  fail "changes oracle (hyparquet) failed: $(head -c 300 "$T/cdf_node.err")"
else
  # Drop _commit_timestamp (commit file mtimes) before comparing.
  node -e '
const fs = require("fs");
for (const l of fs.readFileSync(process.argv[1], "utf8").split("\n").filter((x) => x)) {
  const r = JSON.parse(l); delete r._commit_timestamp; console.log(JSON.stringify(r)); }' \
    "$T/cdf_got.jsonl" >"$T/cdf_got2.jsonl"
  same_rows "$T/cdf_want.jsonl" "$T/cdf_got2.jsonl" "changes 1..3 = the cdc files' rows"
fi
run changes --from 0 --to 0 "$CONF/delta-rs/cdf-table"
expect_rc 0 "changes --from 0 --to 0"
node_check '
const rows = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter((l) => l).map(JSON.parse);
const bad = rows.filter((r) => r._change_type !== "insert" || r._commit_version !== 0);
console.log(rows.length === 10 && !bad.length ? "ok" : `${rows.length} rows, ${bad.length} not inserts of version 0`);' \
  "$T/out" "changes at version 0: 10 inserts"
run changes --from 0 "$CONF/delta-rs/simple_table"
expect_failure "enableChangeDataFeed" "changes on a table without CDF names the property"
run changes "$CONF/delta-rs/cdf-table"
expect_usage "expected --from" "changes without --from"
run changes --from 3 --to 1 "$CONF/delta-rs/cdf-table"
expect_usage "--to 1 is before --from 3" "changes with --to before --from"

# ---- errors ---------------------------------------------------------------------

run inspect "$T/no/such/table"
expect_failure "$T/no/such/table" "missing table: exit 1 naming it"
expect_out_empty "missing table: no output"
run scan "$T/no/such/table"
expect_failure "$T/no/such/table" "scan of a missing table"
run scan --version 99 "$CONF/delta-rs/simple_table"
expect_failure "99" "scan of a version that does not exist"

# A table needing a reader feature nobody implements: copy a small table and
# commit a protocol upgrade to reader version 3 with the feature "futureFeature".
cp -r "$CONF/delta-rs/simple_table" "$T/future"
printf '%s\n' '{"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["futureFeature"],"writerFeatures":["futureFeature"]}}' \
  >"$T/future/_delta_log/00000000000000000005.json"
run inspect "$T/future"
expect_failure "futureFeature" "unsupported reader feature: exit 1 naming it"
run scan "$T/future"
expect_failure "futureFeature" "scan: unsupported reader feature named"
run scan --version 4 "$T/future"
expect_rc 0 "the version before the upgrade still reads"

# Predicates: a syntax error is a usage error showing where; a typing error fails.
run scan --where "id > > 3" "$CONF/delta-rs/simple_table"
expect_usage "--where: " "bad predicate: usage error"
expect_err_has "offset 5" "bad predicate: the position"
expect_err_has "       ^" "bad predicate: a caret under the position"
run scan --where "no_such_column = 1" "$CONF/delta-rs/simple_table"
expect_failure "no_such_column" "predicate on an unknown column names it"
run scan --columns nope "$CONF/delta-rs/simple_table"
expect_failure "nope" "projection of an unknown column names it"
run scan "$CONF/delta-rs/simple_table" extra
expect_usage "too many arguments" "two tables"
run scan --format xml "$CONF/delta-rs/simple_table"
expect_usage "--format" "unknown format"
run scan --format parquet "$CONF/delta-rs/simple_table"
expect_usage "--format parquet needs --output" "parquet needs a file"
run history --limit x "$CONF/delta-rs/simple_table"
expect_usage "--limit" "bad --limit"
run inspect
expect_usage "expected a TABLE" "no table"
run files --version -1 "$CONF/delta-rs/simple_table"
expect_usage "" "negative --version"
for cmd in inspect files history scan changes; do
  run "$cmd" --help
  expect_rc 0 "$cmd --help"
  expect_out_has "Examples:" "$cmd --help has examples"
done

finish
