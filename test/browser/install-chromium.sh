#!/usr/bin/env bash
# Makes sure Debian's chromium is installed for the browser tests and prints the path of its
# executable on stdout. Progress goes to stderr.
#
# The browser comes from Debian's packages (apt-get, as root), not from a download of
# Playwright's: playwright-core drives the executable this prints. Installed once per machine;
# an installed chromium returns at once. A lock serialises concurrent installs (two checkouts).
set -euo pipefail

log() { printf '[chromium-install %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

find_chromium() { command -v chromium || command -v chromium-browser || true; }

found=$(find_chromium)
if [[ -n "$found" ]]; then
  echo "$found"
  exit 0
fi

((EUID == 0)) || die "needs Debian's chromium: apt-get install -y --no-install-recommends chromium (as root), or run this as root and it installs it"
command -v apt-get >/dev/null || die "needs chromium on PATH (no apt-get here to install it)"

LOCK_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/sumo-k8"
mkdir -p "$LOCK_DIR"
exec 9>"$LOCK_DIR/chromium-install.lock"
if ! flock -n 9; then
  log "another install of chromium is running; waiting for it"
  flock 9
fi
found=$(find_chromium)
if [[ -z "$found" ]]; then
  started=$SECONDS
  log "installing chromium with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  # The package lists may be stale on a fresh machine: refresh them only when they are.
  if ! apt-get install -y --no-install-recommends chromium >&2; then
    apt-get update >&2 || true
    apt-get install -y --no-install-recommends chromium >&2 || die "apt-get could not install chromium"
  fi
  found=$(find_chromium)
  [[ -n "$found" ]] || die "chromium installed but not on PATH"
  log "installed $("$found" --version 2>/dev/null || echo chromium) in $((SECONDS - started))s"
fi
echo "$found"
