// usage: node write_types.mjs <node_dir> <file>
// Prints DuckDB's column types ("type\t<name>\t<type>"), then each row with
// every column cast to VARCHAR by DuckDB ("row\t<json array>"), then
// hyparquet's rows in canonical form ("hyparquet\t<json>").
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
const [nodeDir, f] = process.argv.slice(2);
const require = createRequire(path.join(nodeDir, 'package.json'));
const { DuckDBInstance } = await import(require.resolve('@duckdb/node-api'));
const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
const q = async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJson();
const lit = "'" + f.replace(/'/g, "''") + "'";
const types = await q(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(${lit}))`);
for (const t of types) console.log(`type\t${t.column_name}\t${t.column_type}`);
const cols = types.map((t) => `CAST("${t.column_name}" AS VARCHAR)`).join(', ');
for (const r of (await conn.runAndReadAll(`SELECT ${cols} FROM read_parquet(${lit})`)).getRowsJson())
  console.log(`row\t${JSON.stringify(r)}`);
function canon(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return v.map(canon);
  if (typeof v === 'object') { const o = {}; for (const k of Object.keys(v)) o[k] = canon(v[k]); return o; }
  return String(v);
}
try {
  const hyp = await import(require.resolve('hyparquet'));
  const buf = readFileSync(f);
  const rows = await hyp.parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) });
  for (const r of rows) console.log(`hyparquet\t${JSON.stringify(canon(r))}`);
} catch (e) { console.log(`hyparquet\tERROR ${String(e.message).split('\n')[0]}`); }

// DuckDB worker threads can keep node alive after the last await: leave explicitly,
// once everything printed has been flushed to the pipe.
process.stdout.write('', () => process.exit(process.exitCode ?? 0));
