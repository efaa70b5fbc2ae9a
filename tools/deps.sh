#!/usr/bin/env bash
# Installs the Debian 12 packages Obruten builds and tests with, when any is
# missing. Sourced by run.sh and test.sh; needs root (or sudo) only when
# something must be installed.
OBRUTEN_PACKAGES=(
  gcc meson ninja-build pkg-config
  libglib2.0-dev libglib2.0-dev-bin liblmdb-dev libcjson-dev libcmocka-dev
  libcurl4-openssl-dev libmicrohttpd-dev zlib1g-dev openssl curl
  libgtk-4-dev libadwaita-1-dev libsecret-1-dev gettext
  xvfb xauth desktop-file-utils appstream locales
)

# The UI tests run in Swedish: the C library needs the sv_SE.UTF-8 locale.
obruten_ensure_locale () {
  locale -a 2>/dev/null | grep -qi '^sv_SE\.utf-\?8$' && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Generating the sv_SE.UTF-8 locale" >&2
  $sudo sed -i 's/^# *sv_SE.UTF-8 UTF-8/sv_SE.UTF-8 UTF-8/' /etc/locale.gen
  grep -q '^sv_SE.UTF-8 UTF-8' /etc/locale.gen || echo 'sv_SE.UTF-8 UTF-8' | $sudo tee -a /etc/locale.gen >/dev/null
  $sudo locale-gen >/dev/null
}

obruten_install_deps () {
  obruten_install_packages && obruten_ensure_locale
}

obruten_install_packages () {
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
