// Independent check of a table after OPTIMIZE, with DuckDB.
// usage: node optimize_duckdb.mjs <node_dir> <table_dir>
// Replays _delta_log/*.json (adds minus removes), reads every live data file
// with DuckDB and compares the add's stats (numRecords; minValues, maxValues,
// nullCount of top-level columns) with what DuckDB computes. Live files must
// have no deletion vector. Prints "MISMATCH <file> <what>" per problem, then
// "ROWS <n>" and "FILES <n>", and "OK <checks>" when all agree.
import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const [nodeDir, table] = process.argv.slice(2);
const require = createRequire(path.join(nodeDir, 'package.json'));
const { DuckDBInstance } = await import(require.resolve('@duckdb/node-api'));
const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
const q = async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJson();
const lit = (s) => "'" + s.replace(/'/g, "''") + "'";
const ident = (s) => '"' + s.replace(/"/g, '""') + '"';
const canon = (v) => {
  if (v === null || v === undefined) return null;
  const s = String(v);
  return /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(s) ? String(Number(s)) : s;
};

const logDir = path.join(table, '_delta_log');
const live = new Map();
for (const f of readdirSync(logDir).filter((f) => /^\d{20}\.json$/.test(f)).sort()) {
  for (const line of readFileSync(path.join(logDir, f), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const a = JSON.parse(line);
    if (a.add) live.set(decodeURIComponent(a.add.path), a.add);
    if (a.remove) live.delete(decodeURIComponent(a.remove.path));
  }
}
let rows = 0, checks = 0, bad = 0;
const mismatch = (p, what) => { bad++; console.log(`MISMATCH ${p} ${what}`); };
for (const [p, add] of live) {
  if (add.deletionVector) mismatch(p, 'has a deletion vector');
  const file = path.join(table, p);
  const cols = await q(`DESCRIBE SELECT * FROM read_parquet(${lit(file)})`);
  const parts = ['count(*)::VARCHAR AS n'];
  cols.forEach((c, i) => {
    const col = ident(c.column_name);
    parts.push(`min(${col})::VARCHAR AS lo${i}`, `max(${col})::VARCHAR AS hi${i}`,
               `(count(*) - count(${col}))::VARCHAR AS nulls${i}`);
  });
  const [r] = await q(`SELECT ${parts.join(', ')} FROM read_parquet(${lit(file)})`);
  rows += Number(r.n);
  if (!add.stats) { mismatch(p, 'no stats'); continue; }
  const st = JSON.parse(add.stats);
  checks++;
  if (Number(st.numRecords) !== Number(r.n)) mismatch(p, `numRecords ${st.numRecords} != ${r.n}`);
  cols.forEach((c, i) => {
    const name = c.column_name;
    if (st.nullCount && typeof st.nullCount[name] === 'number') {
      checks++;
      if (st.nullCount[name] !== Number(r[`nulls${i}`]))
        mismatch(p, `nullCount.${name} ${st.nullCount[name]} != ${r[`nulls${i}`]}`);
    }
    for (const [k, key] of [['minValues', `lo${i}`], ['maxValues', `hi${i}`]]) {
      const v = st[k] ? st[k][name] : undefined;
      if (v === undefined || (v !== null && typeof v === 'object')) continue;
      checks++;
      if (canon(v) !== canon(r[key])) mismatch(p, `${k}.${name} ${JSON.stringify(v)} != ${r[key]}`);
    }
  });
}
console.log(`ROWS ${rows}`);
console.log(`FILES ${live.size}`);
if (!bad) console.log(`OK ${checks}`);

// DuckDB worker threads can keep node alive after the last await: leave explicitly,
// once everything printed has been flushed to the pipe.
process.stdout.write('', () => process.exit(process.exitCode ?? 0));
