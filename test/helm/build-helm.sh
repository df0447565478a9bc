#!/usr/bin/env bash
# Builds the helm CLI from source fetched through the Go module proxy (helm.sh/helm/v4,
# cmd/helm, at HELM_VERSION below) and prints the binary's path on stdout. Progress goes
# to stderr.
#
# The binary lives outside the checkout, in ${XDG_CACHE_HOME:-~/.cache}/sumo-k8/helm/<version>/,
# like the local cluster's build, so every clone and CI run on this machine reuses it; a
# cached build returns at once. A lock serialises concurrent builds (vitest workers, two
# checkouts). Compiler output goes to <version>/build.log.
set -euo pipefail

# Pinned. helm v4.3.1 needs Go >= 1.26.0 and builds against client-go v0.37.
HELM_VERSION=v4.3.1
# Bump when the recipe below changes in a way that changes the binary.
BUILD_RECIPE=1

HELM_BUILD_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/sumo-k8/helm/${HELM_VERSION}_r${BUILD_RECIPE}"
HELM_BIN="$HELM_BUILD_DIR/helm"

log() { printf '[helm-build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [[ -x "$HELM_BIN" ]]; then
  echo "$HELM_BIN"
  exit 0
fi

mkdir -p "$HELM_BUILD_DIR"
exec 9>"$HELM_BUILD_DIR/.lock"
if ! flock -n 9; then
  log "another build of helm $HELM_VERSION is running; waiting for it"
  flock 9
fi
if [[ -x "$HELM_BIN" ]]; then
  echo "$HELM_BIN"
  exit 0
fi

GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
[[ -x "$GO" ]] || { log "ERROR: no Go toolchain found (looked on PATH and at /usr/local/go/bin/go)"; exit 1; }

# Static binary, no VCS stamping (there is no checkout of the module), paths trimmed. The
# go command fetches a newer toolchain from the module proxy only if helm's go.mod asks
# for one. The -X flags stamp what `make build` stamps for a release tag.
export CGO_ENABLED=0
export GOFLAGS="-p=${HELM_BUILD_JOBS:-2} -buildvcs=false -trimpath"
export GOTOOLCHAIN=auto
ldflags="-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION"
ldflags+=" -X helm.sh/helm/v4/internal/version.gitTreeState=clean"

started=$SECONDS
log "building helm $HELM_VERSION into $HELM_BUILD_DIR (compiler output: build.log; a cold build takes minutes)"
stage="$HELM_BUILD_DIR/stage"
rm -rf "$stage"
mkdir -p "$stage"
# `go install pkg@version` builds outside any module, so nothing in this checkout is touched.
if ! (cd "$HELM_BUILD_DIR" && GOBIN="$stage" "$GO" install -v -ldflags "$ldflags" \
  "helm.sh/helm/v4/cmd/helm@$HELM_VERSION") >"$HELM_BUILD_DIR/build.log" 2>&1; then
  log "FAILED after $((SECONDS - started))s; last lines of $HELM_BUILD_DIR/build.log:"
  tail -n 40 "$HELM_BUILD_DIR/build.log" >&2
  exit 1
fi
"$stage/helm" version --short >/dev/null
mv -f "$stage/helm" "$HELM_BIN"
rm -rf "$stage"
echo "$((SECONDS - started))" >"$HELM_BUILD_DIR/build-seconds"
log "built $("$HELM_BIN" version --short) in $((SECONDS - started))s"
echo "$HELM_BIN"
