#!/usr/bin/env bash
# Whole-process write benchmarks of the deltalite CLI, sourced by bench/run (uses its
# want, $cli, $data, $out). Appends rows to $out/results like the others:
#   delta_small_append     `deltalite write` of 100 rows into a table with 1,000
#                          versions and a checkpoint (generated once into bench/data)
#   delta_commits_1w/4w    commits per second, 1 and 4 writer processes appending
#                          10-row batches to one table (blind appends commute)
ten_rows() { node -e 'console.log("id,name,amount");
  for (let i = 0; i < +process.argv[1]; i++) console.log(`${i},n${i},${i * 1.5}`);' "$1"; }

if want delta_small_append "$@"; then
  t1000="$data/delta_append1000"
  if [ ! -f "$t1000/_delta_log/00000000000000001000.json" ]; then
    echo "  (generating $t1000: 1,000 versions, once)" >&2
    rm -rf "$t1000"
    ten_rows 10 >"$out/r10.csv"
    "$cli" write "$t1000" "$out/r10.csv" >/dev/null
    for ((i = 2; i <= 1000; i++)); do "$cli" write "$t1000" "$out/r10.csv" >/dev/null; done
    "$cli" checkpoint "$t1000" >/dev/null
  fi
  ten_rows 100 >"$out/r100.csv"
  work="$out/append1000"
  rm -rf "$work"; cp -r "$t1000" "$work"
  printf '  %-24s %-8s ' delta_small_append dlt >&2
  runs=50
  t0=$(date +%s%N)
  for ((i = 0; i < runs; i++)); do "$cli" write "$work" "$out/r100.csv" >/dev/null; done
  t1=$(date +%s%N)
  s=$(awk -v a="$t0" -v b="$t1" -v n="$runs" 'BEGIN { printf "%.5f", (b - a) / 1e9 / n }')
  echo "$s s per run" >&2
  printf 'delta_small_append\tdlt\t%s\t0\t100\truns=%s\n' "$s" "$runs" >>"$out/results"
fi

for w in 1 4; do
  want "delta_commits_${w}w" "$@" || continue
  ten_rows 10 >"$out/r10.csv"
  tbl="$out/commits$w"
  rm -rf "$tbl"
  "$cli" write "$tbl" "$out/r10.csv" >/dev/null
  per=$((100 / w))
  printf '  %-24s %-8s ' "delta_commits_${w}w" dlt >&2
  t0=$(date +%s%N)
  for ((k = 0; k < w; k++)); do
    (for ((i = 0; i < per; i++)); do "$cli" write "$tbl" "$out/r10.csv" >/dev/null || exit 1; done) &
  done
  wait
  t1=$(date +%s%N)
  n=$(ls "$tbl/_delta_log" | grep -c '^[0-9]*\.json$')
  s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.5f", (b - a) / 1e9 }')
  echo "$((n - 2)) commits in $s s" >&2
  printf 'delta_commits_%sw\tdlt\t%s\t0\t%s\twriters=%s commits=%s\n' "$w" "$s" "$((n - 2))" "$w" "$((n - 2))" >>"$out/results"
done
