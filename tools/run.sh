#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and opens the
# desktop client, obruten, on its default store ($OBRUTEN_STORE, else
# ~/.local/share/obruten). On first run the app offers an empty store, demo
# data or a registry. Without a display it prints the case list instead.
# With arguments, runs obrutenctl with them on the same store:
#   ./tools/run.sh case show ID
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
obruten_install_deps

[ -f build-run/build.ninja ] || meson setup build-run --buildtype=release -Dtests=false \
  -Dbenchmarks=false >/dev/null
ninja -C build-run >/dev/null
ctl=build-run/app/obrutenctl
app=build-run/app/obruten
store="${OBRUTEN_STORE:-${XDG_DATA_HOME:-$HOME/.local/share}/obruten}"

if [ $# -gt 0 ]; then
  exec "$ctl" --store "$store" "$@"
fi
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  # Translations from the build tree, so the app speaks Swedish uninstalled.
  export OBRUTEN_LOCALEDIR="$PWD/build-run/po"
  export GSETTINGS_SCHEMA_DIR="$PWD/build-run/resources${GSETTINGS_SCHEMA_DIR:+:$GSETTINGS_SCHEMA_DIR}"
  exec "$app" --store "$store"
fi

echo "No display: showing the store with obrutenctl (the desktop client needs X11 or Wayland)."
if [ ! -f "$store/data.mdb" ]; then
  echo "First run: creating a demo store in $store (200 cases in Stockholm, seed 1)"
  "$ctl" --store "$store" demo --cases 200 --seed 1 --municipality 0180
fi
"$ctl" --store "$store" case list --limit 20
echo
echo "Overdue routine steps:"
"$ctl" --store "$store" overdue --limit 10
echo
echo "More: ./tools/run.sh case show ID | overdue | verify | --help"
