#!/usr/bin/env bash
# cmake --install into a scratch prefix, then build a consumer with pkg-config and with
# CMake's find_package, exactly as a user of the installed library would.
set -euo pipefail
build="$1" src="$2" work="$3/install-test"
rm -rf "$work"; mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
lib="$work/prefix/lib"; [ -d "$lib" ] || lib="$(dirname "$(find "$work/prefix" -name 'libdeltalite.so' | head -1)")"
test -f "$work/prefix/include/deltalite.h"
test -f "$work/prefix/bin/deltalite"
test -f "$lib/libdeltalite.a"
soname=$(objdump -p "$lib/libdeltalite.so" | awk '/SONAME/ {print $2}')
case "$soname" in libdeltalite.so.0.*) ;; *) echo "bad SONAME '$soname'"; exit 1;; esac
export PKG_CONFIG_PATH="$lib/pkgconfig"
cc -std=c99 -Wall -Wextra -Werror -o "$work/consumer" "$src/tests/install/consumer.c" \
   $(pkg-config --cflags --libs deltalite) -Wl,-rpath,"$lib"
"$work/consumer"
# Static link through pkg-config --static.
cc -std=c99 -o "$work/consumer_static" "$src/tests/install/consumer.c" \
   $(pkg-config --cflags deltalite) "$lib/libdeltalite.a" $(pkg-config --static --libs-only-l deltalite | sed 's/-ldeltalite//') -lstdc++
"$work/consumer_static"
# The installed CLI runs.
LD_LIBRARY_PATH="$lib" "$work/prefix/bin/deltalite" --version
# CMake package config.
mkdir -p "$work/cm"
cat > "$work/cm/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.25)
project(consumer C)
find_package(deltalite REQUIRED)
add_executable(consumer "$src/tests/install/consumer.c")
target_link_libraries(consumer deltalite::deltalite)
CM
cmake -S "$work/cm" -B "$work/cm/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/cm/build" >/dev/null
"$work/cm/build/consumer"
echo "install test: ok"
