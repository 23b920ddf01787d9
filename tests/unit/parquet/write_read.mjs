// Independent readers for the Parquet writer tests.
// usage: node write_read.mjs <node_dir> rows|stats <file>...
//   rows:  for each file and reader prints "<reader>\t<file>\t<canonical json row>"
//          (readers: duckdb, hyparquet, parquet-wasm via apache-arrow).
//          On a reader failure prints "<reader>\t<file>\tERROR <message>".
//   stats: for each file, row group and top-level primitive column, checks that
//          the footer statistics (min, max, null count) equal what DuckDB
//          computes over that row group; prints "stats\t<file>\tOK <n checks>"
//          or "stats\t<file>\tMISMATCH ..." lines.
// Canonical values: null stays null; numbers, bigints and booleans become their
// JS string form; strings stay; bytes become hex; arrays and objects recurse.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [nodeDir, mode, ...files] = process.argv.slice(2);
const require = createRequire(path.join(nodeDir, 'package.json'));
const resolve = (m) => require.resolve(m);

function canon(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return v.map(canon);
  if (typeof v.toJSON === 'function') return canon(v.toJSON()); // Arrow JS rows and vectors
  if (typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v)) o[k] = canon(v[k]);
    return o;
  }
  return String(v);
}

const { DuckDBInstance } = await import(resolve('@duckdb/node-api'));
const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
const q = async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJson();
const lit = (f) => "'" + f.replace(/'/g, "''") + "'";

if (mode === 'rows') {
  const hyp = await import(resolve('hyparquet'));
  const comp = await import(resolve('hyparquet-compressors'));
  let wasm = null, arrow = null;
  try {
    wasm = await import(resolve('parquet-wasm'));
    arrow = await import(resolve('apache-arrow'));
  } catch (e) { wasm = null; }
  for (const f of files) {
    try {
      for (const r of await q(`SELECT * FROM read_parquet(${lit(f)})`))
        console.log(`duckdb\t${f}\t${JSON.stringify(canon(r))}`);
    } catch (e) { console.log(`duckdb\t${f}\tERROR ${String(e.message).split('\n')[0]}`); }
    try {
      const buf = readFileSync(f);
      const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
      const rows = await hyp.parquetReadObjects({ file: ab, compressors: comp.compressors });
      for (const r of rows) console.log(`hyparquet\t${f}\t${JSON.stringify(canon(r))}`);
    } catch (e) { console.log(`hyparquet\t${f}\tERROR ${String(e.message).split('\n')[0]}`); }
    try {
      if (!wasm) throw new Error('parquet-wasm not loadable');
      // parquet-wasm (arrow-rs) decodes to Arrow IPC; apache-arrow turns that into rows.
      const t = wasm.readParquet(new Uint8Array(readFileSync(f)));
      const at = arrow.tableFromIPC(t.intoIPCStream()); // consumes (frees) t
      for (const r of at) console.log(`parquet-wasm\t${f}\t${JSON.stringify(canon(r))}`);
    } catch (e) { console.log(`parquet-wasm\t${f}\tERROR ${String(e.message || e).split('\n')[0]}`); }
  }
} else if (mode === 'stats') {
  for (const f of files) {
   try {
    const meta = await q(`SELECT row_group_id, row_group_num_rows, path_in_schema,
        stats_min_value, stats_max_value, stats_null_count
      FROM parquet_metadata(${lit(f)}) ORDER BY row_group_id, column_id`);
    const types = await q(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(${lit(f)}))`);
    const flat = new Map();
    for (const t of types)
      if (!/[\[\]()]|STRUCT|MAP|\bBLOB\b/.test(t.column_type) || /^DECIMAL/.test(t.column_type))
        flat.set(t.column_name, t.column_type);
    const starts = new Map();
    let acc = 0;
    for (const m of meta) {
      if (!starts.has(m.row_group_id)) { starts.set(m.row_group_id, acc); acc += Number(m.row_group_num_rows); }
    }
    let checks = 0, bad = 0;
    for (const m of meta) {
      const col = m.path_in_schema;
      if (!flat.has(col)) continue;
      const s = starts.get(m.row_group_id), n = Number(m.row_group_num_rows);
      const qc = '"' + col.replace(/"/g, '""') + '"';
      const [agg] = await q(`SELECT CAST(min(${qc}) AS VARCHAR) AS mn, CAST(max(${qc}) AS VARCHAR) AS mx,
          count(*) - count(${qc}) AS nulls
        FROM read_parquet(${lit(f)}, file_row_number=true)
        WHERE file_row_number >= ${s} AND file_row_number < ${s + n}`);
      checks++;
      const same = (a, b) => a === b || (a !== null && b !== null && !isNaN(Number(a)) && Number(a) === Number(b));
      if (!same(m.stats_min_value, agg.mn) || !same(m.stats_max_value, agg.mx) ||
          String(m.stats_null_count) !== String(agg.nulls)) {
        bad++;
        console.log(`stats\t${f}\tMISMATCH rg ${m.row_group_id} ${col}: footer min=${m.stats_min_value} max=${m.stats_max_value} nulls=${m.stats_null_count}; duckdb min=${agg.mn} max=${agg.mx} nulls=${agg.nulls}`);
      }
    }
    if (!bad) console.log(`stats\t${f}\tOK ${checks}`);
   } catch (e) { console.log(`stats\t${f}\tERROR ${String(e.message).split('\n')[0]}`); }
  }
}

// DuckDB worker threads can keep node alive after the last await: leave explicitly,
// once everything printed has been flushed to the pipe.
process.stdout.write('', () => process.exit(process.exitCode ?? 0));
