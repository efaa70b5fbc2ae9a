#!/usr/bin/env bash
# The README's test command (and CI's): installs what is missing, builds, and
# runs the whole suite twice — as built, and under AddressSanitizer with
# UndefinedBehaviorSanitizer. Prints "N passed, N failed" at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
obruten_install_deps || exit 1

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
passed=0
failed=0

run_suite () {
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null || return 1
  else
    meson setup "$dir" "$@" >/dev/null || return 1
  fi
  ninja -C "$dir" || return 1
  meson test -C "$dir" --print-errorlogs --num-processes 2
  local status=$?
  local counts
  counts=$(python3 - "$dir/meson-logs/testlog.json" <<'PY'
import json, sys
ok = bad = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL", "SKIP"): ok += 1
    else: bad += 1
print(ok, bad)
PY
)
  passed=$((passed + ${counts% *}))
  failed=$((failed + ${counts#* }))
  return $status
}

status=0
echo "== build and test =="
run_suite build-test --buildtype=debugoptimized || status=1
echo "== build and test under ASan + UBSan =="
run_suite build-asan --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false \
  -Dc_args=-fno-sanitize-recover=undefined || status=1

echo
echo "tests: $passed passed, $failed failed"
[ $failed -eq 0 ] || status=1
exit $status
