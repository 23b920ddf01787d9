// Independent check of tables written by deltalite, with DuckDB.
// usage: node write_duckdb.mjs <node_dir> <table_dir>...
// For each table: replays _delta_log/*.json (adds minus removes), reads every
// live data file with DuckDB (one read each), and checks that the add's stats
// (numRecords, and minValues / maxValues / nullCount of top-level columns)
// equal what DuckDB computes. Prints "ROWS <table> <n>" and one
// "OK <table> <checks>" or "MISMATCH <table> <file> <what>" line per problem.
import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const [nodeDir, ...tables] = process.argv.slice(2);
const require = createRequire(path.join(nodeDir, 'package.json'));
const { DuckDBInstance } = await import(require.resolve('@duckdb/node-api'));
const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
const q = async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJson();
const lit = (f) => "'" + f.replace(/'/g, "''") + "'";
const qi = (c) => '"' + c.replace(/"/g, '""') + '"';

function norm(v) {
  if (v === null || v === undefined) return null;
  let s = String(v);
  // timestamps: "2024-01-31 13:45:00.123456+00" / "...T...Z" -> ms precision
  const m = s.match(/^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.\d+)?(\+00|Z)?$/);
  if (m) return `${m[1]}T${m[2]}.${((m[3] || '.') + '000').slice(1, 4)}`;
  if (/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(s)) return String(Number(s));
  return s;
}

for (const t of tables) {
  const log = path.join(t, '_delta_log');
  const live = new Map();
  for (const f of readdirSync(log).filter((f) => /^\d{20}\.json$/.test(f)).sort()) {
    for (const line of readFileSync(path.join(log, f), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const a = JSON.parse(line);
      if (a.add) live.set(decodeURIComponent(a.add.path), a.add);
      if (a.remove) live.delete(decodeURIComponent(a.remove.path));
    }
  }
  let rows = 0, checks = 0, bad = 0;
  for (const [p, add] of live) {
    const file = path.join(t, p);
    const stats = add.stats ? JSON.parse(add.stats) : null;
    const cols = await q(`DESCRIBE SELECT * FROM read_parquet(${lit(file)})`);
    const sel = ['count(*)::VARCHAR AS n'];
    cols.forEach((c, i) => {
      sel.push(`min(${qi(c.column_name)})::VARCHAR AS mn${i}`,
               `max(${qi(c.column_name)})::VARCHAR AS mx${i}`,
               `(count(*) - count(${qi(c.column_name)}))::VARCHAR AS nc${i}`);
    });
    const [r] = await q(`SELECT ${sel.join(', ')} FROM read_parquet(${lit(file)})`);
    rows += Number(r.n);
    const fail = (what) => { bad++; console.log(`MISMATCH ${t} ${p} ${what}`); };
    if (!stats) { fail('no stats'); continue; }
    checks++;
    if (Number(stats.numRecords) !== Number(r.n)) fail(`numRecords ${stats.numRecords} != ${r.n}`);
    cols.forEach((c, i) => {
      const name = c.column_name;
      const nc = stats.nullCount && stats.nullCount[name];
      if (typeof nc === 'number') {
        checks++;
        if (nc !== Number(r[`nc${i}`])) fail(`nullCount.${name} ${nc} != ${r[`nc${i}`]}`);
      }
      for (const [k, key] of [['minValues', `mn${i}`], ['maxValues', `mx${i}`]]) {
        const sv = stats[k] && stats[k][name];
        if (sv === undefined || typeof sv === 'object') continue;
        checks++;
        let a = norm(sv), b = norm(r[key]);
        if (typeof sv === 'string' && c.column_type === 'VARCHAR' && a !== b) {
          // truncated strings: min is a prefix; max is prefix + U+10FFFF
          const pre = k === 'minValues' ? a : a.replace(/\u{10FFFF}$/u, '');
          if (b !== null && b.startsWith(pre) && [...b].length > 32) continue;
        }
        if (a !== b) fail(`${k}.${name} ${JSON.stringify(sv)} != ${JSON.stringify(r[key])}`);
      }
    });
  }
  console.log(`ROWS ${t} ${rows}`);
  if (!bad) console.log(`OK ${t} ${checks}`);
}

// DuckDB worker threads can keep node alive after the last await: leave explicitly,
// once everything printed has been flushed to the pipe.
process.stdout.write('', () => process.exit(process.exitCode ?? 0));
