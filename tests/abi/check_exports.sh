#!/bin/sh
# Every dynamic symbol libdeltalite defines must start with dlt_ (the public API);
# anything else leaked from hidden visibility.
set -eu
lib="$1"
bad=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | grep -v '^dlt_' | grep -v '^_' || true)
n=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | grep -c '^dlt_' || true)
if [ -n "$bad" ]; then
  echo "symbols exported without the dlt_ prefix:"; echo "$bad"; exit 1
fi
if [ "$n" -lt 10 ]; then echo "only $n dlt_ exports: visibility broken?"; exit 1; fi
echo "ok: $n exported symbols, all dlt_"
