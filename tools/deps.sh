#!/usr/bin/env bash
# Installs the Debian 12 packages Obruten builds and tests with, when any is
# missing. Sourced by run.sh and test.sh; needs root (or sudo) only when
# something must be installed.
OBRUTEN_PACKAGES=(
  gcc meson ninja-build pkg-config
  libglib2.0-dev libglib2.0-dev-bin liblmdb-dev libcjson-dev libcmocka-dev
  libcurl4-openssl-dev libmicrohttpd-dev zlib1g-dev openssl curl
)

obruten_install_deps () {
  local missing=()
  for pkg in "${OBRUTEN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}
