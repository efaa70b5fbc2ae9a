#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and runs
# obrutenctl on the default store ($OBRUTEN_STORE, else
# ~/.local/share/obruten), which it fills with demo data the first time.
# With arguments, runs obrutenctl with them instead of the case list:
#   ./tools/run.sh case show ID
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
obruten_install_deps

[ -f build-run/build.ninja ] || meson setup build-run --buildtype=release -Dtests=false \
  -Dbenchmarks=false >/dev/null
ninja -C build-run >/dev/null
ctl=build-run/app/obrutenctl

store="${OBRUTEN_STORE:-${XDG_DATA_HOME:-$HOME/.local/share}/obruten}"
if [ ! -f "$store/data.mdb" ]; then
  echo "First run: creating a demo store in $store (200 cases in Stockholm, seed 1)"
  "$ctl" --store "$store" demo --cases 200 --seed 1 --municipality 0180
fi
if [ $# -gt 0 ]; then
  exec "$ctl" --store "$store" "$@"
fi
"$ctl" --store "$store" case list --limit 20
echo
echo "Overdue routine steps:"
"$ctl" --store "$store" overdue --limit 10
echo
echo "More: ./tools/run.sh case show ID | overdue | verify | --help"
