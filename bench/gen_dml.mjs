// Data of the DML and layout benchmarks, generated once into bench/data/ (DuckDB):
//   merge_source.parquet   1% of lineitem's rows updated (l_quantity + 1, l_comment
//                          + 'u'; rows spread over every file) and 1% new rows (the
//                          same rows with l_orderkey + 100,000,000)
//   lineitem_1m.parquet    the first 1,000,000 rows (the 1,000-file table's data)
// Usage: node bench/gen_dml.mjs <datadir>
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const nodeDir = process.env.DLT_NODE_DIR ?? resolve(here, '..', 'tools', 'node');
const { DuckDBInstance } = createRequire(join(nodeDir, 'package.json'))('@duckdb/node-api');
const dir = resolve(process.argv[2]);
const con = await (await DuckDBInstance.create(':memory:')).connect();
const li = join(dir, 'lineitem_snappy.parquet');
const src = join(dir, 'merge_source.parquet');
if (!existsSync(src)) {
  await con.run(`COPY (
    SELECT * REPLACE ((l_quantity + 1)::DECIMAL(15,2) AS l_quantity, l_comment || 'u' AS l_comment)
      FROM read_parquet('${li}') WHERE hash(l_orderkey, l_linenumber) % 100 = 0
    UNION ALL
    SELECT * REPLACE (l_orderkey + 100000000 AS l_orderkey)
      FROM read_parquet('${li}') WHERE hash(l_orderkey, l_linenumber) % 100 = 1
  ) TO '${src}' (FORMAT parquet, COMPRESSION snappy)`);
  console.log('gen_dml: merge_source.parquet written');
}
const m1 = join(dir, 'lineitem_1m.parquet');
if (!existsSync(m1)) {
  await con.run(`COPY (SELECT * FROM read_parquet('${li}') ORDER BY l_orderkey, l_linenumber LIMIT 1000000)
    TO '${m1}' (FORMAT parquet, COMPRESSION snappy)`);
  console.log('gen_dml: lineitem_1m.parquet written');
}

// small1000/: lineitem_1m.parquet as 1,000 files of 1,000 rows (DuckDB PARTITION_BY a
// bucket column, dropped from the files) and one commit listing them with stats of
// l_orderkey, l_partkey, l_suppkey: the OPTIMIZE input.
import { mkdirSync, statSync, writeFileSync, readdirSync } from 'node:fs';
const small = join(dir, 'delta_small1000');
if (!existsSync(join(small, '_delta_log', '00000000000000000000.json'))) {
  mkdirSync(join(small, '_delta_log'), { recursive: true });
  await con.run(`SET threads = 1; SET preserve_insertion_order = true`);
  await con.run(`COPY (SELECT *, (row_number() OVER () - 1) // 1000 AS b FROM read_parquet('${m1}'))
    TO '${small}' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (b), OVERWRITE_OR_IGNORE)`);
  const stats = new Map();
  for (const [b, n, ...mm] of await (await con.run(`SELECT b, count(*), min(l_orderkey), max(l_orderkey),
      min(l_partkey), max(l_partkey), min(l_suppkey), max(l_suppkey)
      FROM (SELECT *, (row_number() OVER () - 1) // 1000 AS b FROM read_parquet('${m1}')) GROUP BY b`)).getRows())
    stats.set(Number(b), { numRecords: Number(n),
      minValues: { l_orderkey: Number(mm[0]), l_partkey: Number(mm[2]), l_suppkey: Number(mm[4]) },
      maxValues: { l_orderkey: Number(mm[1]), l_partkey: Number(mm[3]), l_suppkey: Number(mm[5]) },
      nullCount: { l_orderkey: 0, l_partkey: 0, l_suppkey: 0 } });
  const adds = [];
  for (const d of readdirSync(small).filter((x) => x.startsWith('b=')))
    for (const f of readdirSync(join(small, d)))
      adds.push({ add: { path: `${d}/${f}`, partitionValues: {}, size: statSync(join(small, d, f)).size,
        modificationTime: 1704067200000, dataChange: true, stats: JSON.stringify(stats.get(Number(d.slice(2)))) } });
  const cols = [['l_orderkey', 'long'], ['l_partkey', 'integer'], ['l_suppkey', 'integer'], ['l_linenumber', 'integer'],
    ['l_quantity', 'decimal(15,2)'], ['l_extendedprice', 'decimal(15,2)'], ['l_discount', 'double'], ['l_tax', 'double'],
    ['l_returnflag', 'string'], ['l_linestatus', 'string'], ['l_shipdate', 'date'], ['l_commitdate', 'date'],
    ['l_receiptdate', 'date'], ['l_shipinstruct', 'string'], ['l_shipmode', 'string'], ['l_comment', 'string']];
  const md = { id: '6c1d2f3e-1a2b-4c3d-8e4f-5a6b7c8d9e0f', format: { provider: 'parquet', options: {} },
    schemaString: JSON.stringify({ type: 'struct', fields: cols.map(([name, type]) => ({ name, type, nullable: true, metadata: {} })) }),
    partitionColumns: [], configuration: {}, createdTime: 1704067200000 };
  const ci = { commitInfo: { timestamp: 1704067200000, operation: 'WRITE', operationParameters: { mode: 'Append' } } };
  writeFileSync(join(small, '_delta_log', '00000000000000000000.json'),
    [ci, { protocol: { minReaderVersion: 1, minWriterVersion: 2 } }, { metaData: md }, ...adds]
      .map((a) => JSON.stringify(a)).join('\n') + '\n');
  console.log(`gen_dml: delta_small1000 written (${adds.length} files)`);
}
