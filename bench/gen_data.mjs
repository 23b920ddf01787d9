// Generates the benchmark inputs once into bench/data/ with DuckDB (@duckdb/node-api):
//   lineitem_snappy.parquet, lineitem_zstd.parquet  ~6M rows, DuckDB's default row group size
//   lineitem_sorted_zstd.parquet is the same file (l_orderkey is ascending in all of them)
//   big.csv                                        ~1 GB of CSV with a header
// Usage: node bench/gen_data.mjs <datadir> [rows] [csv_rows]
// Every column is a deterministic function of the row number, so runs are comparable.
import { existsSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The npm peers live in tools/node (scripts/bootstrap); DLT_NODE_DIR overrides.
const here = dirname(fileURLToPath(import.meta.url));
const nodeDir = process.env.DLT_NODE_DIR ?? resolve(here, '..', 'tools', 'node');
const { DuckDBInstance } = createRequire(join(nodeDir, 'package.json'))('@duckdb/node-api');

const dir = process.argv[2] && resolve(process.argv[2]);
const rows = Number(process.argv[3] ?? 6000000);
const csvRows = Number(process.argv[4] ?? 8000000);
if (!dir) {
  console.error('usage: node gen_data.mjs <datadir> [rows] [csv_rows]');
  process.exit(2);
}

// A lineitem-like table: integers, decimals, doubles, dates, short and
// low-cardinality strings, some nulls. l_orderkey is sorted (selective reads).
const lineitem = (n) => `
SELECT
  (i // 4 + 1)::BIGINT                                          AS l_orderkey,
  (hash(i) % 200000 + 1)::INTEGER                               AS l_partkey,
  (hash(i * 3) % 10000 + 1)::INTEGER                            AS l_suppkey,
  (i % 4 + 1)::INTEGER                                          AS l_linenumber,
  ((hash(i * 5) % 50) + 1)::DECIMAL(15,2)                       AS l_quantity,
  ((hash(i * 7) % 10000000) / 100.0 + 900)::DECIMAL(15,2)       AS l_extendedprice,
  ((hash(i * 11) % 11) / 100.0)::DOUBLE                         AS l_discount,
  ((hash(i * 13) % 9) / 100.0)::DOUBLE                          AS l_tax,
  (['A','N','R'])[(i % 3)::INTEGER + 1]                         AS l_returnflag,
  CASE WHEN hash(i * 17) % 2 = 0 THEN 'O' ELSE 'F' END          AS l_linestatus,
  DATE '1992-01-02' + (hash(i * 19) % 2500)::INTEGER            AS l_shipdate,
  DATE '1992-01-31' + (hash(i * 23) % 2500)::INTEGER            AS l_commitdate,
  CASE WHEN i % 50 = 7 THEN NULL
       ELSE DATE '1992-01-03' + (hash(i * 29) % 2530)::INTEGER END AS l_receiptdate,
  (['DELIVER IN PERSON','COLLECT COD','NONE','TAKE BACK RETURN'])[(hash(i * 31) % 4)::INTEGER + 1]
                                                                AS l_shipinstruct,
  (['AIR','FOB','MAIL','RAIL','REG AIR','SHIP','TRUCK'])[(hash(i * 37) % 7)::INTEGER + 1]
                                                                AS l_shipmode,
  CASE WHEN i % 97 = 3 THEN NULL
       ELSE 'note ' || (hash(i * 41) % 1000003)::VARCHAR ||
            repeat('x', (hash(i * 43) % 20)::INTEGER) END        AS l_comment
FROM range(${n}) t(i)`;

const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();

async function make(name, sql) {
  const path = join(dir, name);
  if (existsSync(path)) {
    console.log(`gen_data: ${name} exists (${statSync(path).size} bytes), kept`);
    return;
  }
  const tmp = path + '.tmp';
  const t0 = Date.now();
  await con.run(sql.replaceAll('@OUT@', tmp.replaceAll("'", "''")));
  renameSync(tmp, path);
  console.log(`gen_data: ${name}: ${statSync(path).size} bytes in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

await make('lineitem_snappy.parquet',
  `COPY (${lineitem(rows)}) TO '@OUT@' (FORMAT parquet, COMPRESSION snappy)`);
await make('lineitem_zstd.parquet',
  `COPY (SELECT * FROM read_parquet('${join(dir, 'lineitem_snappy.parquet')}')) TO '@OUT@' (FORMAT parquet, COMPRESSION zstd)`);
// The CSV: same columns, more rows, about 1 GB.
await make('big.csv', `COPY (${lineitem(csvRows)}) TO '@OUT@' (FORMAT csv, HEADER true)`);
