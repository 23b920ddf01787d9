// usage: node write_meta.mjs <node_dir> <file>
// What DuckDB sees in a file's footer: "field_id\t<name>\t<id or null>" per
// schema element (parquet_schema), "kv\t<key>\t<value>" per key/value pair
// (parquet_kv_metadata), "created_by\t<text>" and "rows\t<count>" (the rows
// DuckDB reads, every column forced).
import { createRequire } from 'node:module';
import path from 'node:path';
const [nodeDir, f] = process.argv.slice(2);
const require = createRequire(path.join(nodeDir, 'package.json'));
const { DuckDBInstance } = await import(require.resolve('@duckdb/node-api'));
const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
const q = async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJson();
const lit = "'" + f.replace(/'/g, "''") + "'";
for (const r of await q(`SELECT name, field_id FROM parquet_schema(${lit})`))
  console.log(`field_id\t${r.name}\t${r.field_id === null ? 'null' : r.field_id}`);
for (const r of await q(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${lit})`))
  console.log(`kv\t${r.k}\t${r.v === null ? 'null' : r.v}`);
for (const r of await q(`SELECT created_by FROM parquet_file_metadata(${lit})`))
  console.log(`created_by\t${r.created_by}`);
for (const r of await q(`SELECT count(*) AS n, count(a) + count(s) + count(m) + count(fl) + count(d256) AS c FROM read_parquet(${lit})`))
  console.log(`rows\t${r.n}`);

// DuckDB worker threads can keep node alive after the last await: leave explicitly,
// once everything printed has been flushed to the pipe.
process.stdout.write('', () => process.exit(process.exitCode ?? 0));
