// DuckDB reads a checkpoint Parquet file we wrote.
// usage: node ckpt_duckdb.mjs <node_dir> <file> <sql-select-list> [<where/order tail>]
// Prints one line per result row: the row as JSON (bigints as strings), or
// "ERROR <message>".
import { createRequire } from 'node:module';
import path from 'node:path';

const [nodeDir, file, select, tail] = process.argv.slice(2);
const require = createRequire(path.join(nodeDir, 'package.json'));
try {
  const { DuckDBInstance } = await import(require.resolve('@duckdb/node-api'));
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const lit = "'" + file.replace(/'/g, "''") + "'";
  const r = await conn.runAndReadAll(`SELECT ${select} FROM read_parquet(${lit}) ${tail || ''}`);
  for (const row of r.getRowObjectsJson()) console.log(JSON.stringify(row));
} catch (e) {
  console.log('ERROR ' + String(e && e.message ? e.message : e).replace(/\n/g, ' '));
}

// DuckDB worker threads can keep node alive after the last await: leave explicitly,
// once everything printed has been flushed to the pipe.
process.stdout.write('', () => process.exit(process.exitCode ?? 0));
