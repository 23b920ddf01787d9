#!/usr/bin/env bash
# Smoke-run one libFuzzer target: replay its seed corpus, then fuzz for N seconds.
# Seeds: tests/fuzz/corpus/<target>/ plus, for parquet targets, the conformance
# Parquet files (good and bad), and for variant the conformance variant examples
# (metadata followed by value). Any crash, leak or sanitizer report fails the test.
set -euo pipefail
bin="$1" target="$2" secs="$3" seeds="$4" conf="$5" work="$6"
corpus="$work/corpus-$target"
mkdir -p "$corpus"
dirs=("$corpus")
[ -d "$seeds/$target" ] && dirs+=("$seeds/$target")
case "$target" in
  parquet*)
    [ -d "$conf/parquet" ] || { echo "missing conformance corpus at $conf"; exit 1; }
    mkdir -p "$work/seeds-$target"
    # Small files only: libFuzzer seeds bigger than -max_len are truncated anyway.
    find "$conf/parquet/data" "$conf/parquet/bad_data" -name '*.parquet' -size -256k \
      -exec cp -n {} "$work/seeds-$target/" \; 2>/dev/null || true
    dirs+=("$work/seeds-$target")
    ;;
  checkpoint)
    [ -d "$conf/delta" ] || { echo "missing conformance corpus at $conf"; exit 1; }
    mkdir -p "$work/seeds-$target"
    # Every small Parquet checkpoint (classic, multi-part, v2, sidecars) of the corpus,
    # named by a counter: their own names repeat across tables.
    i=0
    while IFS= read -r f; do
      i=$((i + 1)); cp "$f" "$work/seeds-$target/ckpt-$i.parquet"
    done < <(find "$conf/delta" \( -name '*.checkpoint*.parquet' -o -path '*_sidecars/*.parquet' \) \
               -size -256k | sort)
    dirs+=("$work/seeds-$target")
    ;;
  variant)
    [ -d "$conf/parquet/variant" ] || { echo "missing conformance corpus at $conf"; exit 1; }
    mkdir -p "$work/seeds-$target"
    # One input per example: <name>.metadata then <name>.value, as the target splits them.
    for m in "$conf/parquet/variant"/*.metadata; do
      n="$(basename "$m" .metadata)"
      [ -f "$conf/parquet/variant/$n.value" ] || continue
      cat "$m" "$conf/parquet/variant/$n.value" >"$work/seeds-$target/$n.bin"
    done
    # The shredded cases' expected variants are metadata + value already.
    find "$conf/parquet/shredded_variant" -name '*.variant.bin' \
      -exec cp -n {} "$work/seeds-$target/" \; 2>/dev/null || true
    dirs+=("$work/seeds-$target")
    ;;
esac
exec "$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=4096 -max_len=262144 \
  -print_final_stats=1 "${dirs[@]}"
