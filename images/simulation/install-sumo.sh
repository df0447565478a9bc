#!/usr/bin/env bash
# Installs the pinned SUMO (requirements.txt beside this script: the official eclipse-sumo
# wheel from PyPI, hash-checked) into a virtualenv of its own, and prints where it is on
# stdout, two lines:
#   SUMO_HOME=<the sumo package's folder: data, tools, bin>
#   SUMO_BIN=<the folder with sumo, netgenerate and duarouter>
# Progress goes to stderr.
#
# The virtualenv lives outside the checkout, in
# ${XDG_CACHE_HOME:-~/.cache}/sumo-k8/sumo/<version>_<requirements hash>/, like the local
# cluster's builds, so every clone and CI run on this machine reuses it; a cached install
# returns at once. A lock serialises concurrent installs. pip's output goes to install.log
# there. Needs python3 (3.8 or later) with venv.
set -euo pipefail

REQUIREMENTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/requirements.txt"
SUMO_VERSION=$(sed -n 's/^eclipse-sumo==\([0-9.]*\).*/\1/p' "$REQUIREMENTS")
REQUIREMENTS_HASH=$(sha256sum "$REQUIREMENTS" | cut -c1-12)
INSTALL_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/sumo-k8/sumo/${SUMO_VERSION}_${REQUIREMENTS_HASH}"

log() { printf '[sumo-install %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

print_location() {
  echo "SUMO_HOME=$(cat "$INSTALL_DIR/sumo-home")"
  echo "SUMO_BIN=$(cat "$INSTALL_DIR/sumo-home")/bin"
}

if [[ -f "$INSTALL_DIR/installed" ]]; then
  print_location
  exit 0
fi

mkdir -p "$INSTALL_DIR"
exec 9>"$INSTALL_DIR/.lock"
if ! flock -n 9; then
  log "another install of SUMO $SUMO_VERSION is running; waiting for it"
  flock 9
fi
if [[ -f "$INSTALL_DIR/installed" ]]; then
  print_location
  exit 0
fi

log "installing SUMO $SUMO_VERSION from PyPI into $INSTALL_DIR (pip's output: install.log)"
rm -rf "$INSTALL_DIR/venv"
python3 -m venv "$INSTALL_DIR/venv" >"$INSTALL_DIR/install.log" 2>&1
if ! "$INSTALL_DIR/venv/bin/pip" install --disable-pip-version-check --no-input \
  --require-hashes -r "$REQUIREMENTS" >>"$INSTALL_DIR/install.log" 2>&1; then
  log "pip failed; the end of $INSTALL_DIR/install.log:"
  tail -20 "$INSTALL_DIR/install.log" >&2
  exit 1
fi
"$INSTALL_DIR/venv/bin/python" -c 'import os, sumo; print(os.path.dirname(sumo.__file__))' \
  >"$INSTALL_DIR/sumo-home"
SUMO_HOME=$(cat "$INSTALL_DIR/sumo-home")
for tool in sumo netgenerate duarouter; do
  if [[ ! -x "$SUMO_HOME/bin/$tool" ]]; then
    log "the wheel has no $SUMO_HOME/bin/$tool"
    exit 1
  fi
done
installed=$(SUMO_HOME="$SUMO_HOME" "$SUMO_HOME/bin/sumo" --version | head -1)
log "installed: $installed"
touch "$INSTALL_DIR/installed"
print_location
