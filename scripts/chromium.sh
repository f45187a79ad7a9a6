#!/usr/bin/env bash
# Headless Chromium for the browser tests (tests/e2e), from Debian's package.
#
#   scripts/chromium.sh install   # install Debian's chromium when it is missing
#   scripts/chromium.sh path      # print the browser's path (installing it first if missing)
#   scripts/chromium.sh version
#
# CHROMIUM names another Chromium or Chrome binary to use instead.
# Playwright drives this browser; its own browser downloads are never used
# (they are not reachable from the project's machines; Debian's mirrors are).
# As root apt-get runs as is, otherwise through sudo.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

find_browser() {
  if [ -n "${CHROMIUM:-}" ]; then
    if [ -x "$CHROMIUM" ]; then echo "$CHROMIUM"; return; fi
    echo "CHROMIUM=$CHROMIUM is not an executable file." >&2
    exit 1
  fi
  local candidate
  for candidate in chromium /usr/bin/chromium; do
    if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return; fi
  done
  return 1
}

install() {
  if find_browser >/dev/null; then return; fi
  echo "Chromium not found." >&2
  apt_install chromium
  find_browser >/dev/null || { echo "apt-get installed chromium, but no chromium binary is on PATH." >&2; exit 1; }
}

case "${1:-}" in
  install) install ;;
  path) install; find_browser ;;
  # Debian's launcher prints a harmless shell warning on some machines; keep only the version line.
  version) install; "$(find_browser)" --version 2>/dev/null ;;
  *) echo "usage: $0 install|path|version" >&2; exit 2 ;;
esac
