# Helpers sourced by tests/cli/test_*.sh (not a test itself).
# Every check counts; the script ends with `finish`, which prints a summary line
# and exits non-zero when any check failed.
set -euo pipefail

: "${DELTALITE:?DELTALITE must name the deltalite binary}"
TEST_NAME="$(basename "$0" .sh)"
mkdir -p "${DLT_TEST_TMPDIR:-/tmp}"
T="$(mktemp -d "${DLT_TEST_TMPDIR:-/tmp}/$TEST_NAME.XXXXXX")"
trap 'rm -rf "$T"' EXIT
CHECKS=0
FAILED=0
RC=0

fail() { # fail MESSAGE...: record a failed check
  FAILED=$((FAILED + 1))
  echo "FAIL: $*" >&2
}

# run ARGS...: run deltalite; stdout in $T/out, stderr in $T/err, status in RC.
run() {
  set +e
  "$DELTALITE" "$@" >"$T/out" 2>"$T/err"
  RC=$?
  set -e
}
# run_in FILE ARGS...: the same with FILE on standard input.
run_in() {
  local in="$1"; shift
  set +e
  "$DELTALITE" "$@" <"$in" >"$T/out" 2>"$T/err"
  RC=$?
  set -e
}

expect_rc() { # expect_rc N WHAT
  CHECKS=$((CHECKS + 1))
  if [ "$RC" != "$1" ]; then
    fail "$2: exit status $RC, expected $1; stderr: $(head -c 400 "$T/err")"
  fi
}
expect_out() { # expect_out EXPECTED WHAT: stdout is exactly EXPECTED (plus final newline)
  CHECKS=$((CHECKS + 1))
  if [ "$(cat "$T/out")" != "$1" ]; then
    fail "$2: stdout differs"
    diff <(printf '%s\n' "$1") "$T/out" | head -20 >&2 || true
  fi
}
expect_file() { # expect_file PATH EXPECTED WHAT
  CHECKS=$((CHECKS + 1))
  if [ ! -f "$1" ]; then
    fail "$3: $1 was not written"
  elif [ "$(cat "$1")" != "$2" ]; then
    fail "$3: $1 differs"
    diff <(printf '%s\n' "$2") "$1" | head -20 >&2 || true
  fi
}
expect_out_has() { # expect_out_has TEXT WHAT
  CHECKS=$((CHECKS + 1))
  grep -qF -- "$1" "$T/out" || fail "$2: stdout lacks '$1'"
}
expect_err_has() { # expect_err_has TEXT WHAT
  CHECKS=$((CHECKS + 1))
  grep -qF -- "$1" "$T/err" || fail "$2: stderr lacks '$1' (stderr: $(head -c 300 "$T/err"))"
}
expect_err_empty() { # expect_err_empty WHAT
  CHECKS=$((CHECKS + 1))
  [ ! -s "$T/err" ] || fail "$1: unexpected stderr: $(head -c 300 "$T/err")"
}
expect_out_empty() {
  CHECKS=$((CHECKS + 1))
  [ ! -s "$T/out" ] || fail "$1: unexpected stdout: $(head -c 300 "$T/out")"
}
# A failure: status 1, one "deltalite: " line on stderr naming TEXT, nothing on stdout.
expect_failure() { # expect_failure TEXT WHAT
  expect_rc 1 "$2"
  expect_err_has "deltalite: " "$2"
  expect_err_has "$1" "$2"
}
expect_usage() { # expect_usage TEXT WHAT
  expect_rc 2 "$2"
  expect_err_has "deltalite: $1" "$2"
  expect_err_has "--help" "$2"
  expect_out_empty "$2"
}

# node_check SCRIPT ARG... WHAT: run a node script (ARGs as process.argv[1..]) with
# the npm peers of tools/node resolvable; it must print "ok".
node_check() {
  CHECKS=$((CHECKS + 1))
  local got
  if ! got="$(cd "${DLT_NODE_DIR:?}" && timeout 120 node -e "$1" "${@:2:$#-2}" 2>&1)"; then
    fail "${!#}: node failed: $(echo "$got" | head -5)"
  elif [ "$got" != "ok" ]; then
    fail "${!#}: $got"
  fi
}

finish() {
  if ((FAILED)); then
    echo "$TEST_NAME: $FAILED of $CHECKS checks FAILED"
    exit 1
  fi
  echo "$TEST_NAME: all $CHECKS checks passed"
}

# expect_jsonl EXPECTED FILE WHAT: FILE holds the same JSON lines as EXPECTED: same
# rows in the same order, same keys in the same order, equal values (numbers
# compared as numbers, so 88 and 88.0 are equal; strings exactly).
expect_jsonl() {
  printf '%s\n' "$1" >"$T/expected.jsonl"
  node_check '
const fs = require("fs");
const lines = (f) => fs.readFileSync(f, "utf8").split("\n").filter((l) => l !== "");
const want = lines(process.argv[1]), got = lines(process.argv[2]);
const same = (a, b) => {
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && same(a[k], b[k]));
};
if (want.length !== got.length) { console.log(`${got.length} rows, expected ${want.length}`); process.exit(0); }
for (let i = 0; i < want.length; i++) {
  let g;
  try { g = JSON.parse(got[i]); } catch (e) { console.log(`row ${i + 1} is not JSON: ${got[i]}`); process.exit(0); }
  if (!same(JSON.parse(want[i]), g)) { console.log(`row ${i + 1}: got ${got[i]}\n  expected ${want[i]}`); process.exit(0); }
}
console.log("ok");' "$T/expected.jsonl" "$2" "$3"
}
