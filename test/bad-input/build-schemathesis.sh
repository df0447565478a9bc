#!/usr/bin/env bash
# Installs schemathesis (the OpenAPI fuzzer the bad-input suite drives) from PyPI into a
# virtualenv of its own and prints the path of its `st` command on stdout. Progress goes to
# stderr.
#
# The virtualenv lives outside the checkout, in
# ${XDG_CACHE_HOME:-~/.cache}/sumo-k8/schemathesis/<version>/, like helm's and the local
# cluster's builds, so every clone and CI run on this machine reuses it; a cached install
# returns at once. A lock serialises concurrent installs (two checkouts). pip's output goes to
# <version>_<constraints>/install.log. Needs python3 (3.10 or later) with venv.
set -euo pipefail

# Pinned: schemathesis, and everything it pulls in by schemathesis-constraints.txt beside this
# script, so a run draws the same cases from the same seed. The cache folder is named after
# both, so changing either installs afresh.
SCHEMATHESIS_VERSION=4.32.5
CONSTRAINTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/schemathesis-constraints.txt"
CONSTRAINTS_HASH=$(sha256sum "$CONSTRAINTS" | cut -c1-12)

VENV_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/sumo-k8/schemathesis/${SCHEMATHESIS_VERSION}_${CONSTRAINTS_HASH}"
ST_BIN="$VENV_DIR/venv/bin/st"

log() { printf '[schemathesis-install %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [[ -x "$ST_BIN" && -f "$VENV_DIR/installed" ]]; then
  echo "$ST_BIN"
  exit 0
fi

mkdir -p "$VENV_DIR"
exec 9>"$VENV_DIR/.lock"
if ! flock -n 9; then
  log "another install of schemathesis $SCHEMATHESIS_VERSION is running; waiting for it"
  flock 9
fi
if [[ -x "$ST_BIN" && -f "$VENV_DIR/installed" ]]; then
  echo "$ST_BIN"
  exit 0
fi

PYTHON="${PYTHON:-$(command -v python3 || true)}"
[[ -n "$PYTHON" ]] || { log "ERROR: no python3 on PATH"; exit 1; }
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
  log "ERROR: schemathesis $SCHEMATHESIS_VERSION needs Python >= 3.10; $PYTHON is $("$PYTHON" --version 2>&1)"
  exit 1
fi

started=$SECONDS
log "installing schemathesis $SCHEMATHESIS_VERSION from PyPI into $VENV_DIR (pip output: install.log)"
rm -rf "$VENV_DIR/venv" "$VENV_DIR/installed"
if ! {
  "$PYTHON" -m venv "$VENV_DIR/venv" &&
    "$VENV_DIR/venv/bin/python" -m pip install --disable-pip-version-check --no-input \
      -c "$CONSTRAINTS" "schemathesis==$SCHEMATHESIS_VERSION"
} >"$VENV_DIR/install.log" 2>&1; then
  log "FAILED after $((SECONDS - started))s; last lines of $VENV_DIR/install.log:"
  tail -n 40 "$VENV_DIR/install.log" >&2
  exit 1
fi
"$ST_BIN" --version >/dev/null
touch "$VENV_DIR/installed"
log "installed $("$ST_BIN" --version) in $((SECONDS - started))s"
echo "$ST_BIN"
