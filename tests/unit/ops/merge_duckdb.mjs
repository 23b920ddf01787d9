// Reference results for MERGE tests, computed by DuckDB.
// usage: node merge_duckdb.mjs <node_dir> <case_dir>...
// Each case dir holds target.jsonl, source.jsonl (JSON objects) and merge.sql
// (MERGE INTO t USING s ...). Writes expected.jsonl (one JSON array per row:
// [id, v, s, p]) or expected.err (DuckDB's error text).
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync, statSync } from 'node:fs';
import path from 'node:path';

const [nodeDir, ...cases] = process.argv.slice(2);
const require = createRequire(path.join(nodeDir, 'package.json'));
const { DuckDBInstance } = await import(require.resolve('@duckdb/node-api'));
const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
const run = async (sql) => conn.run(sql);
const lit = (f) => "'" + f.replace(/'/g, "''") + "'";
const num = (x) => (x === null || x === undefined ? null : Number(x));

for (const dir of cases) {
  await run('CREATE OR REPLACE TABLE t (id BIGINT, v INTEGER, s VARCHAR, p INTEGER)');
  await run('CREATE OR REPLACE TABLE s (id BIGINT, v INTEGER, s VARCHAR, p INTEGER, op INTEGER)');
  for (const [tab, cols] of [['t', "{id: 'BIGINT', v: 'INTEGER', s: 'VARCHAR', p: 'INTEGER'}"],
    ['s', "{id: 'BIGINT', v: 'INTEGER', s: 'VARCHAR', p: 'INTEGER', op: 'INTEGER'}"]]) {
    const f = path.join(dir, tab === 't' ? 'target.jsonl' : 'source.jsonl');
    if (statSync(f).size > 0)
      await run(`INSERT INTO ${tab} SELECT * FROM read_json(${lit(f)}, format='newline_delimited', columns=${cols})`);
  }
  try {
    await run(readFileSync(path.join(dir, 'merge.sql'), 'utf8'));
  } catch (e) {
    writeFileSync(path.join(dir, 'expected.err'), String(e.message || e) + '\n');
    continue;
  }
  const rows = (await conn.runAndReadAll('SELECT id, v, s, p FROM t')).getRows();
  const out = rows.map((r) => JSON.stringify([num(r[0]), num(r[1]), r[2] ?? null, num(r[3])]));
  writeFileSync(path.join(dir, 'expected.jsonl'), out.map((l) => l + '\n').join(''));
}

// DuckDB worker threads can keep node alive after the last await: leave explicitly,
// once everything printed has been flushed to the pipe.
process.stdout.write('', () => process.exit(process.exitCode ?? 0));
