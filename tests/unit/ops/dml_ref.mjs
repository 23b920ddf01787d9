// Reference semantics for DELETE / UPDATE tests, with DuckDB.
// usage: node dml_ref.mjs <node_dir> <rows.jsonl> <sql>
// Loads the rows (columns id BIGINT, p VARCHAR, a INTEGER, s VARCHAR) into
// table t, runs the statement, prints the resulting rows sorted, one per
// line as "id|p|a|s" (NULL as \N).
import { createRequire } from 'node:module';
import path from 'node:path';

const [nodeDir, rowsFile, sql] = process.argv.slice(2);
const require = createRequire(path.join(nodeDir, 'package.json'));
const { DuckDBInstance } = await import(require.resolve('@duckdb/node-api'));
const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
const lit = (f) => "'" + f.replace(/'/g, "''") + "'";
await conn.run('CREATE TABLE t (id BIGINT, p VARCHAR, a INTEGER, s VARCHAR)');
await conn.run(`INSERT INTO t SELECT id, p, a, s FROM read_json(${lit(rowsFile)}, format = 'newline_delimited', columns = {id: 'BIGINT', p: 'VARCHAR', a: 'INTEGER', s: 'VARCHAR'})`);
await conn.run(sql);
const rows = (await conn.runAndReadAll('SELECT id, p, a, s FROM t')).getRowObjectsJson();
const f = (v) => (v === null || v === undefined ? '\\N' : String(v));
const lines = rows.map((r) => [r.id, r.p, r.a, r.s].map(f).join('|'));
lines.sort();
for (const l of lines) console.log(l);

// DuckDB worker threads can keep node alive after the last await: leave explicitly,
// once everything printed has been flushed to the pipe.
process.stdout.write('', () => process.exit(process.exitCode ?? 0));
