#!/usr/bin/env bash
# DML and layout benchmarks, sourced by bench/run (uses its want, run, $bin, $cli,
# $data, $out, $snappy). Data: bench/gen_dml.mjs (merge source, 1,000-file table).
#   merge_cow / merge_dv   MERGE of 1% updated + 1% new rows into a writable copy of
#                          delta_lineitem20 (6M rows, 20 files), copy-on-write and with
#                          deletion vectors; DuckDB: UPDATE ... FROM + INSERT ... ANTI
#                          JOIN on the same rows loaded in its own table (file database)
#   delete_cow / delete_dv DELETE of 0.1% of the rows (spread over every file)
#   optimize_1000          1,000 files of 1,000 rows compacted into one vs DuckDB COPY
#                          (SELECT * FROM read_parquet([...])) TO one file
#   zorder_1000            Z-order of the same table by l_partkey,l_suppkey into ~2 MB
#                          files; notes: files read for l_partkey = 4242 before/after
#   delta_append           lineitem batches (in memory) appended to a new table vs
#                          DuckDB COPY of the same table to Parquet, same codec
node bench/gen_dml.mjs "$data"
merge_src="$data/merge_source.parquet"
small="$data/delta_small1000"
dml_target_bytes=$(du -sb "$data/delta_lineitem20" | cut -f1)
if want merge "$@"; then
  rm -rf "$out/m_cow" "$out/m_dv"
  cp -r "$data/delta_lineitem20" "$out/m_cow"
  run merge_cow dlt delta_merge "$out/m_cow" "$merge_src" 0
  rm -rf "$out/m_cow"
  cp -r "$data/delta_lineitem20" "$out/m_dv"
  "$cli" set-properties "$out/m_dv" delta.enableDeletionVectors=true >/dev/null
  run merge_dv dlt delta_merge "$out/m_dv" "$merge_src" 1
  rm -rf "$out/m_dv"
  run merge_cow duckdb delta_merge "$data/delta_lineitem20/*.parquet" "$merge_src" "$out/merge.duckdb"
  # the same DuckDB run is the peer of both rows
  awk -F'\t' -v OFS='\t' '$1=="merge_cow" && $2=="duckdb" { $1="merge_dv"; print }' \
    "$out/results" >>"$out/results"
fi
if want delete "$@"; then
  pred="l_orderkey % 1000 = 7"
  for dv in 0 1; do
    label=$([ "$dv" = 1 ] && echo delete_dv || echo delete_cow)
    rm -rf "$out/del"
    cp -r "$data/delta_lineitem20" "$out/del"
    [ "$dv" = 1 ] && "$cli" set-properties "$out/del" delta.enableDeletionVectors=true >/dev/null
    run "$label" dlt delta_delete "$out/del" "$pred" "$dv"
  done
  rm -rf "$out/del"
fi
if want optimize "$@"; then
  rm -rf "$out/opt"; cp -r "$small" "$out/opt"
  run optimize_1000 dlt delta_optimize "$out/opt" 0
  run optimize_1000 duckdb delta_optimize "$small/b=*/*.parquet" "$out/opt.parquet"
  rm -rf "$out/opt" "$out/opt.parquet"
fi
if want zorder "$@"; then
  files_read() { "$cli" scan "$1" --where "l_partkey = 4242" --json 2>&1 >/dev/null | tail -1 |
    node -e 'const m = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(m.files_read + "/" + m.files_considered)'; }
  rm -rf "$out/z"; cp -r "$small" "$out/z"
  before=$(files_read "$out/z")
  run zorder_1000 dlt delta_optimize "$out/z" 2097152 l_partkey,l_suppkey
  after=$(files_read "$out/z")
  sed -i "\$s|\$| files_read_before=$before files_read_after=$after|" "$out/results"
  rm -rf "$out/z"
fi
if want delta_append "$@"; then
  rm -rf "$out/app"
  run delta_append dlt delta_append "$snappy" "$out/app" snappy
  rm -rf "$out/app"
  run delta_append duckdb parquet_write "$snappy" "$out/app.parquet" snappy 1048576
  rm -f "$out/app.parquet"
fi
