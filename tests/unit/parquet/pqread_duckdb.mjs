// Differential test helper for the Parquet reader (test_read_duckdb.c):
// DuckDB writes Parquet files (many types, null densities, nesting, row-group
// sizes, codecs, format v1/v2), then reads each back and prints its rows in
// the conformance corpus's canonical text to <file>.expected.txt.
// Usage: node pqread_duckdb.mjs <outdir> <node dir with node_modules>
// (prints the file paths, one a line)
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const out = process.argv[2];
const require = createRequire(process.argv[3] + '/package.json');
const { DuckDBInstance, DuckDBTypeId } = require('@duckdb/node-api');
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();

const SELECT = (n, extra) => `
SELECT i::INTEGER AS id,
  CASE WHEN i % 7 = 0 THEN NULL ELSE ((i * 37) % 256) - 128 END::TINYINT AS i8,
  ((i * 13) % 60000 - 30000)::SMALLINT AS i16,
  CASE WHEN i % 2 = 0 THEN NULL ELSE ((i * 2654435761) % 4294967296 - 2147483648) END::INTEGER AS i32,
  (i * 1234567891011 - 99)::BIGINT AS i64,
  (i % 200)::UTINYINT AS u8, ((i * 7) % 65536)::USMALLINT AS u16,
  ((i * 2654435761) % 4294967296)::UINTEGER AS u32,
  (18446744073709551615 - i)::UBIGINT AS u64,
  CASE WHEN i % 3 = 0 THEN NULL ELSE i / 7.0 END::DOUBLE AS d,
  (i / 3.0)::FLOAT AS f,
  CASE WHEN i % 11 = 0 THEN NULL ELSE 'str_' || (i % 97) END AS s,
  md5(i::VARCHAR) AS s2,
  CASE WHEN i % 5 = 0 THEN NULL ELSE md5(i::VARCHAR)::BLOB END AS bl,
  DATE '1999-12-25' + i::INTEGER AS dt,
  TIMESTAMP '2000-01-01 00:00:00' + to_milliseconds(i * 3600123) AS ts,
  (i * 1.25)::DECIMAL(9,2) AS dec9, (i * -1.5)::DECIMAL(18,3) AS dec18,
  (i * 1234567.5)::DECIMAL(30,4) AS dec30,
  i % 2 = 0 AS b,
  CASE WHEN i % 13 = 0 THEN NULL WHEN i % 4 = 0 THEN [] ELSE [i, NULL, i + 1] END::INTEGER[] AS l,
  {'a': i, 'b': CASE WHEN i % 3 = 0 THEN NULL ELSE 'x' || i END} AS st,
  CASE WHEN i % 9 = 0 THEN NULL ELSE {'p': [i, i + 1], 'q': {'r': i % 5}} END AS nst,
  CASE WHEN i % 6 = 0 THEN NULL ELSE MAP {'k' || (i % 3): i, 'z': NULL::INTEGER} END AS m,
  [[i], [], NULL, [NULL, i]]::INTEGER[][] AS ll,
  CASE WHEN i % 8 = 0 THEN NULL ELSE [{'x': i, 'y': 'v' || (i % 4)}, NULL] END AS ls,
  NULL::INTEGER AS allnull
  ${extra}
FROM range(${n}) t(i)`;

const configs = [
  ['snappy_v1_rg1000', 3000, "COMPRESSION 'snappy', ROW_GROUP_SIZE 1000", ''],
  ['zstd_v2', 3000, "COMPRESSION 'zstd', PARQUET_VERSION 'V2'", ''],
  ['gzip_v1_rg700', 2100, "COMPRESSION 'gzip', ROW_GROUP_SIZE 700", ''],
  ['none_v2_rg2048', 2500, "COMPRESSION 'uncompressed', PARQUET_VERSION 'V2', ROW_GROUP_SIZE 2048", ''],
  ['lz4_v1', 1500, "COMPRESSION 'lz4'", ''],
  ['brotli_v2', 1200, "COMPRESSION 'brotli', PARQUET_VERSION 'V2'", ''],
  ['empty', 0, "COMPRESSION 'snappy'", ''],
];

function hexOfBlob(s) {
  // DuckDB renders BLOBs with \xNN escapes for non-printable bytes
  let h = '';
  for (let k = 0; k < s.length; k++) {
    if (s[k] === '\\' && s[k + 1] === 'x') {
      h += s.substr(k + 2, 2).toLowerCase();
      k += 3;
    } else {
      h += s.charCodeAt(k).toString(16).padStart(2, '0');
    }
  }
  return h;
}

function floatText(x) {
  if (Number.isNaN(x)) return '"NaN"';
  if (!Number.isFinite(x)) return x > 0 ? '"Infinity"' : '"-Infinity"';
  if (x === 0) return '0';
  for (let p = 1; p <= 9; p++) {
    const s = Number(x.toPrecision(p));
    if (Math.fround(s) === x) return String(s);
  }
  return String(x);
}

function text(v, t) {
  if (v === null || v === undefined) return 'null';
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN: return v ? 'true' : 'false';
    case DuckDBTypeId.TINYINT: case DuckDBTypeId.SMALLINT: case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT: case DuckDBTypeId.UTINYINT: case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER: case DuckDBTypeId.UBIGINT: case DuckDBTypeId.HUGEINT:
      return String(v);
    case DuckDBTypeId.FLOAT: return floatText(Number(v));
    case DuckDBTypeId.DOUBLE: {
      const x = Number(v);
      if (Number.isNaN(x)) return '"NaN"';
      if (!Number.isFinite(x)) return x > 0 ? '"Infinity"' : '"-Infinity"';
      return String(x);
    }
    case DuckDBTypeId.BLOB: return JSON.stringify(hexOfBlob(v));
    case DuckDBTypeId.LIST: return '[' + v.map((e) => text(e, t.valueType)).join(',') + ']';
    case DuckDBTypeId.STRUCT:
      return '{' + t.entryNames.map((n, k) => JSON.stringify(n) + ':' + text(v[n], t.entryTypes[k])).join(',') + '}';
    case DuckDBTypeId.MAP:
      return '[' + v.map((e) => '{"key":' + text(e.key, t.keyType) + ',"value":' + text(e.value, t.valueType) + '}').join(',') + ']';
    default: return JSON.stringify(v); // VARCHAR, DATE, TIMESTAMP, DECIMAL: DuckDB's text
  }
}

for (const [name, n, opts, extra] of configs) {
  const file = `${out}/duckdb_${name}.parquet`;
  await con.run(`COPY (${SELECT(n, extra)}) TO '${file}' (FORMAT parquet, ${opts})`);
  const r = await con.runAndReadAll(`SELECT * FROM read_parquet('${file}')`);
  const names = r.columnNames(), types = r.columnTypes();
  const rows = r.getRowObjectsJson();
  let s = '';
  for (const row of rows)
    s += '{' + names.map((c, k) => JSON.stringify(c) + ':' + text(row[c], types[k])).join(',') + '}\n';
  writeFileSync(`${file}.expected.txt`, s);
  console.log(file);
}

// DuckDB worker threads can keep node alive after the last await: leave explicitly,
// once everything printed has been flushed to the pipe.
process.stdout.write('', () => process.exit(process.exitCode ?? 0));
