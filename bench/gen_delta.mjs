// Generates the Delta benchmark tables once into bench/data/ (see bench/README.md):
//   delta_log_<N>_json/   log only: one commit (protocol, metaData, N add actions with
//                         realistic paths, partitionValues and stats JSON); no data files
//   delta_log_<N>_ckpt/   the same N live files as a classic checkpoint (Parquet, written
//                         by DuckDB COPY) at version 0 holding N - 1000 adds, then 1,000
//                         small commits of one add each (versions 1..1000)
//   delta_lineitem20/     lineitem_snappy.parquet split into 20 Parquet files (DuckDB)
//                         plus a commit listing them with sizes and stats
// N is 100000 and 1000000. Usage: node bench/gen_delta.mjs <datadir>
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const nodeDir = process.env.DLT_NODE_DIR ?? resolve(here, '..', 'tools', 'node');
const { DuckDBInstance } = createRequire(join(nodeDir, 'package.json'))('@duckdb/node-api');
const dir = process.argv[2] && resolve(process.argv[2]);
if (!dir) {
  console.error('usage: node gen_delta.mjs <datadir>');
  process.exit(2);
}
const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
const pad = (v) => String(v).padStart(20, '0');
const TAIL = 1000; // small commits after the checkpoint

const schema = JSON.stringify({ type: 'struct', fields: [
  { name: 'id', type: 'long', nullable: true, metadata: {} },
  { name: 'value', type: 'double', nullable: true, metadata: {} },
  { name: 'name', type: 'string', nullable: true, metadata: {} },
  { name: 'date', type: 'string', nullable: true, metadata: {} }] });
const protocol = { minReaderVersion: 1, minWriterVersion: 2 };
const metaData = { id: '2f9f4a3e-0d3c-4b8e-9f0e-5b1c6d7e8f90', format: { provider: 'parquet', options: {} },
  schemaString: schema, partitionColumns: ['date'], configuration: {}, createdTime: 1704067200000 };
// File i: a date partition (365 of them), a uuid-like name, stats over 3 columns.
const hex = (i, n) => ((i * 2654435761) >>> 0).toString(16).padStart(8, '0').repeat(4).slice(0, n);
const date = (i) => new Date(Date.UTC(2024, 0, 1) + (i % 365) * 86400000).toISOString().slice(0, 10);
function add(i) {
  const d = date(i), u = hex(i, 32);
  const stats = `{"numRecords":${1000 + (i % 500)},"minValues":{"id":${i * 2000},"value":${(i % 97) / 4},"name":"a${i}"},` +
    `"maxValues":{"id":${i * 2000 + 1999},"value":${(i % 97) + 100.25},"name":"z${i}"},"nullCount":{"id":0,"value":${i % 3},"name":0}}`;
  return { path: `date=${d}/part-${String(i % 100000).padStart(5, '0')}-${u.slice(0, 8)}-${u.slice(8, 12)}-${u.slice(12, 16)}-${u.slice(16, 20)}-${u.slice(20, 32)}.c000.snappy.parquet`,
    partitionValues: { date: d }, size: 100000 + (i % 9973), modificationTime: 1704067200000 + i, dataChange: true, stats };
}

async function writeLines(path, first, from, to) { // first lines, then add actions from..to-1
  const out = createWriteStream(path);
  const wait = () => new Promise((r) => out.once('drain', r));
  for (const l of first) out.write(JSON.stringify(l) + '\n');
  let buf = '';
  for (let i = from; i < to; i++) {
    buf += JSON.stringify({ add: add(i) }) + '\n';
    if (buf.length > 1 << 20) { if (!out.write(buf)) await wait(); buf = ''; }
  }
  out.write(buf);
  await new Promise((r, j) => out.end((e) => (e ? j(e) : r())));
}

async function table(name, build) {
  const path = join(dir, name);
  if (existsSync(join(path, '_delta_log'))) { console.log(`gen_delta: ${name} exists, kept`); return; }
  const tmp = path + '.tmp';
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, '_delta_log'), { recursive: true });
  const t0 = Date.now();
  await build(tmp, join(tmp, '_delta_log'));
  renameSync(tmp, path);
  console.log(`gen_delta: ${name} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

const commitInfo = (op) => ({ commitInfo: { timestamp: 1704067200000, operation: op } });
for (const n of [100000, 1000000]) {
  await table(`delta_log_${n}_json`, async (_, log) => {
    await writeLines(join(log, pad(0) + '.json'), [commitInfo('WRITE'), { protocol }, { metaData }], 0, n);
  });
  await table(`delta_log_${n}_ckpt`, async (_, log) => {
    // The checkpoint's schema is PROTOCOL.md's "Checkpoint Schema": one column per
    // action type, one action per row. DuckDB builds the rows in SQL.
    const q = (s) => `'${s.replaceAll("'", "''")}'`;
    const addT = 'STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR)';
    const mdT = 'STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, options MAP(VARCHAR, VARCHAR)), schemaString VARCHAR, partitionColumns VARCHAR[], configuration MAP(VARCHAR, VARCHAR), createdTime BIGINT)';
    const prT = 'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER)';
    const rmT = 'STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN)';
    const m = n - TAIL;
    const hexSql = (e, k) => `substr(repeat(lpad(to_hex(((${e}) * 2654435761) % 4294967296), 8, '0'), 4), 1, ${k})`;
    const dSql = `strftime(DATE '2024-01-01' + (i % 365)::INTEGER, '%Y-%m-%d')`;
    const u = (a, b) => `substr(${hexSql('i', 32)}, ${a + 1}, ${b - a})`;
    const sql = `COPY (
      SELECT ${q(JSON.stringify(protocol))}::JSON::${prT} AS protocol, NULL::${mdT} AS metaData, NULL::${addT} AS add, NULL::${rmT} AS remove
      UNION ALL SELECT NULL, {'id': ${q(metaData.id)}, 'name': NULL, 'description': NULL,
        'format': {'provider': 'parquet', 'options': MAP {}}, 'schemaString': ${q(schema)},
        'partitionColumns': ['date'], 'configuration': MAP {}, 'createdTime': ${metaData.createdTime}}, NULL, NULL
      UNION ALL SELECT NULL, NULL, {'path': 'date=' || ${dSql} || '/part-' || lpad((i % 100000)::VARCHAR, 5, '0') || '-' ||
          ${u(0, 8)} || '-' || ${u(8, 12)} || '-' || ${u(12, 16)} || '-' || ${u(16, 20)} || '-' || ${u(20, 32)} || '.c000.snappy.parquet',
        'partitionValues': MAP {'date': ${dSql}}, 'size': 100000 + i % 9973, 'modificationTime': 1704067200000 + i,
        'dataChange': true,
        'stats': '{"numRecords":' || (1000 + i % 500) || ',"minValues":{"id":' || (i * 2000) || ',"value":' || ((i % 97) / 4) ||
          ',"name":"a' || i || '"},"maxValues":{"id":' || (i * 2000 + 1999) || ',"value":' || ((i % 97) + 100.25) ||
          ',"name":"z' || i || '"},"nullCount":{"id":0,"value":' || (i % 3) || ',"name":0}}'}, NULL
      FROM range(${m}) t(i)
    ) TO ${q(join(log, pad(0) + '.checkpoint.parquet'))} (FORMAT parquet, COMPRESSION snappy)`;
    await con.run(sql);
    writeFileSync(join(log, '_last_checkpoint'), JSON.stringify({ version: 0, size: m + 2 }) + '\n');
    for (let v = 1; v <= TAIL; v++)
      writeFileSync(join(log, pad(v) + '.json'),
        JSON.stringify(commitInfo('WRITE')) + '\n' + JSON.stringify({ add: add(m + v - 1) }) + '\n');
  });
}

// The same million-file checkpoint as one row group, as delta-rs (arrow-rs, up to 1M
// rows a row group) writes it: the reader cannot decode ahead while it replays.
await table('delta_log_1000000_ckpt1rg', async (_, log) => {
  const src = join(dir, 'delta_log_1000000_ckpt', '_delta_log');
  const q = (s) => `'${s.replaceAll("'", "''")}'`;
  await con.run(`COPY (SELECT * FROM read_parquet(${q(join(src, pad(0) + '.checkpoint.parquet'))}))
    TO ${q(join(log, pad(0) + '.checkpoint.parquet'))} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 2000000)`);
  for (const f of readdirSync(src))
    if (f.endsWith('.json') || f === '_last_checkpoint') copyFileSync(join(src, f), join(log, f));
});

// The scan table: lineitem split into 20 files by row ranges, and one commit.
await table('delta_lineitem20', async (root, log) => {
  const src = join(dir, 'lineitem_snappy.parquet').replaceAll("'", "''");
  await con.run(`SET threads = 1; SET preserve_insertion_order = true`);
  const total = Number((await (await con.run(`SELECT count(*) FROM read_parquet('${src}')`)).getRows())[0][0]);
  const per = Math.ceil(total / 20), adds = [];
  for (let k = 0; k < 20; k++) {
    const f = `part-${String(k).padStart(5, '0')}.snappy.parquet`;
    await con.run(`COPY (SELECT * FROM read_parquet('${src}') LIMIT ${per} OFFSET ${k * per})
      TO '${join(root, f).replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION snappy)`);
    const [[cnt, mn, mx]] = await (await con.run(
      `SELECT count(*), min(l_orderkey), max(l_orderkey) FROM read_parquet('${join(root, f).replaceAll("'", "''")}')`)).getRows();
    adds.push({ add: { path: f, partitionValues: {}, size: statSync(join(root, f)).size, modificationTime: 1704067200000,
      dataChange: true, stats: JSON.stringify({ numRecords: Number(cnt), minValues: { l_orderkey: Number(mn) }, maxValues: { l_orderkey: Number(mx) }, nullCount: { l_orderkey: 0 } }) } });
  }
  const cols = [['l_orderkey', 'long'], ['l_partkey', 'integer'], ['l_suppkey', 'integer'], ['l_linenumber', 'integer'],
    ['l_quantity', 'decimal(15,2)'], ['l_extendedprice', 'decimal(15,2)'], ['l_discount', 'double'], ['l_tax', 'double'],
    ['l_returnflag', 'string'], ['l_linestatus', 'string'], ['l_shipdate', 'date'], ['l_commitdate', 'date'],
    ['l_receiptdate', 'date'], ['l_shipinstruct', 'string'], ['l_shipmode', 'string'], ['l_comment', 'string']];
  const md = { ...metaData, partitionColumns: [], schemaString: JSON.stringify({ type: 'struct',
    fields: cols.map(([name, type]) => ({ name, type, nullable: true, metadata: {} })) }) };
  writeFileSync(join(log, pad(0) + '.json'),
    [commitInfo('WRITE'), { protocol }, { metaData: md }, ...adds].map((a) => JSON.stringify(a)).join('\n') + '\n');
});
