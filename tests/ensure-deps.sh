#!/usr/bin/env bash
# What `make test` needs beyond a Rust toolchain and make: Python 3 with venv (tests/client,
# tests/openapi, tests/durability, tests/browser) and Debian's Chromium with its driver
# (tests/browser). Installed with apt-get when missing and this runs as root; otherwise it stops
# with one line saying what to install.
set -euo pipefail

CHROMIUM=${CHROMIUM_BIN:-/usr/bin/chromium}
CHROMEDRIVER=${CHROMEDRIVER_BIN:-/usr/bin/chromedriver}
PYTHON=${PYTHON:-python3}

missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
[ -x "$CHROMEDRIVER" ] || missing+=(chromium-driver)
if ! "$PYTHON" -m venv --help >/dev/null 2>&1 || ! "$PYTHON" -c 'import ensurepip' >/dev/null 2>&1; then
  missing+=(python3 python3-venv python3-pip)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "make test: installing ${missing[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q "${missing[@]}"
  exit 0
fi

echo "make test needs ${missing[*]}: install them (as root: apt-get install ${missing[*]}), or set CHROMIUM_BIN and CHROMEDRIVER_BIN" >&2
exit 1
