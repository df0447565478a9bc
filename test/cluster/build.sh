#!/usr/bin/env bash
# Builds the local cluster's binaries from source fetched through the Go module proxy, at the
# versions pinned in lib.sh:
#
#   build.sh         the control plane and its simulated nodes: etcd, kube-apiserver,
#                    kube-controller-manager, kube-scheduler, kubectl, kwok and Karpenter's
#                    KWOK provider, into $CLUSTER_BIN_DIR
#   build.sh node    the real node: kubelet, containerd (with its runc shim and ctr), runc
#                    with seccomp, and the CNI plugins, into $NODE_BIN_DIR
#
# Each goes outside the checkout, keyed by its versions, so every clone and CI run on this
# machine reuses it. Exits at once when that build is complete. A lock serialises concurrent
# builds; an interrupted build resumes binary by binary. Compiler output goes to build.log
# beside the bin dir; progress goes to stderr.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TARGET="${1:-cluster}"
case "$TARGET" in
  cluster) BUILD_KEY="$CLUSTER_BUILD_KEY" BUILD_DIR="$CLUSTER_BUILD_DIR" BIN_DIR="$CLUSTER_BIN_DIR" \
    BUILD_COMPLETE="$CLUSTER_BUILD_COMPLETE" ;;
  node) BUILD_KEY="$NODE_BUILD_KEY" BUILD_DIR="$NODE_BUILD_DIR" BIN_DIR="$NODE_BIN_DIR" \
    BUILD_COMPLETE="$NODE_BUILD_COMPLETE" ;;
  *) die "usage: build.sh [node]" ;;
esac

[[ -f "$BUILD_COMPLETE" ]] && exit 0

mkdir -p "$BUILD_DIR" "$BIN_DIR"
exec 9>"$BUILD_DIR/.lock"
if ! flock -n 9; then
  log "another build of $BUILD_KEY is running; waiting for it"
  flock 9
fi
[[ -f "$BUILD_COMPLETE" ]] && exit 0

GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
[[ -x "$GO" ]] || die "no Go toolchain found (looked on PATH and at /usr/local/go/bin/go)"

BUILD_LOG="$BUILD_DIR/build.log"
SRC_DIR="$BUILD_DIR/src"
STAGE_DIR="$BUILD_DIR/stage"
mkdir -p "$SRC_DIR"
: >>"$BUILD_LOG"

# Two cores: two compile jobs keep the machine responsive. Static binaries, no VCS
# stamping (there is no checkout of these modules), paths trimmed for reproducibility.
export CGO_ENABLED=0
export GOFLAGS="-p=${CLUSTER_BUILD_JOBS:-2} -buildvcs=false -trimpath"
export GOTOOLCHAIN=local

build_started=$SECONDS
log "building $TARGET binaries ($BUILD_KEY) into $BIN_DIR"
log "compiler output: $BUILD_LOG (a cold build takes a long time on 2 cores)"

# Runs one build step with its output in the build log and a progress line every 30 s
# (how many packages the compiler has reported so far and the latest one).
run_step() {
  local name="$1"; shift
  local started=$SECONDS mark
  mark=$(wc -l <"$BUILD_LOG")
  log "[$name] started"
  echo "=== [$name] $(date -Is): $*" >>"$BUILD_LOG"
  "$@" >>"$BUILD_LOG" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    local i
    for ((i = 0; i < 30; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then
      local n last
      n=$(( $(wc -l <"$BUILD_LOG") - mark ))
      last=$(tail -n 1 "$BUILD_LOG" | cut -c1-100)
      log "[$name] $((SECONDS - started))s, $n lines of output, latest: $last"
    fi
  done
  if ! wait "$pid"; then
    log "[$name] FAILED after $((SECONDS - started))s; last lines of $BUILD_LOG:"
    tail -n 40 "$BUILD_LOG" >&2
    exit 1
  fi
  log "[$name] done in $((SECONDS - started))s"
}

# Moves freshly built binaries into the bin dir only once they all exist.
install_staged() {
  local b
  for b in "$@"; do
    [[ -x "$STAGE_DIR/$b" ]] || die "build step did not produce $b"
    mv -f "$STAGE_DIR/$b" "$BIN_DIR/$b"
  done
}

have() {
  local b
  for b in "$@"; do [[ -x "$BIN_DIR/$b" ]] || return 1; done
}

# --- etcd ---------------------------------------------------------------------------
# go.etcd.io/etcd/server/v3 replaces its sibling modules with relative paths, so it cannot
# be `go install`ed; a one-file wrapper module calling etcdmain.Main builds the same server.
build_etcd() {
  local dir="$SRC_DIR/etcd"
  rm -rf "$dir" "$STAGE_DIR"; mkdir -p "$dir" "$STAGE_DIR"
  cat >"$dir/go.mod" <<MOD
module sumo-k8.local/cluster/etcd

go 1.26.0
MOD
  cat >"$dir/main.go" <<'GO'
// Command etcd is the upstream etcd server, built from go.etcd.io/etcd/server/v3.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (cd "$dir" && "$GO" get "go.etcd.io/etcd/server/v3/etcdmain@$ETCD_VERSION" && "$GO" mod tidy \
    && "$GO" build -v -ldflags "-s -w" -o "$STAGE_DIR/etcd" .)
}

# --- Kubernetes ---------------------------------------------------------------------
# k8s.io/kubernetes requires its staging modules (k8s.io/api, client-go, ...) at v0.0.0
# and replaces them with ./staging paths, which only work inside its own repository. A
# wrapper module replaces each of them with the published module of the same release.
# The list is read from the release's own go.mod rather than written down here.
# build_kubernetes_commands NAME COMMAND...: builds k8s.io/kubernetes/cmd/COMMAND... in the
# wrapper module src/NAME into the stage dir.
build_kubernetes_commands() {
  local name="$1"; shift
  local dir="$SRC_DIR/$name" upstream_mod staging_version minor
  rm -rf "$dir" "$STAGE_DIR"; mkdir -p "$dir" "$STAGE_DIR"
  upstream_mod="$(cd "$dir" && "$GO" mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')" || true
  [[ -f "$upstream_mod" ]] || die "could not locate go.mod of k8s.io/kubernetes@$K8S_VERSION"
  staging_version="v0.${K8S_VERSION#v1.}"   # v1.36.3 -> v0.36.3
  minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
  {
    echo "module sumo-k8.local/cluster/$name"
    echo
    grep -E '^(go|godebug) ' "$upstream_mod"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    grep -oE '^[[:space:]]*k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "$upstream_mod" \
      | awk -v v="$staging_version" '{ printf "replace %s => %s %s\n", $1, $1, v }'
  } >"$dir/go.mod"
  local pkgs=() c
  for c in "$@"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  # The version stamps matter: components compare them (e.g. emulated versions), and
  # clients report them.
  local ldflags="-s -w" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ldflags+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  (cd "$dir" && "$GO" get "${pkgs[@]/%/@$K8S_VERSION}" \
    && "$GO" build -v -ldflags "$ldflags" -o "$STAGE_DIR/" "${pkgs[@]}")
}
build_kubernetes() {
  build_kubernetes_commands kubernetes kube-apiserver kube-controller-manager kube-scheduler kubectl
}

# --- kwok ---------------------------------------------------------------------------
build_kwok() {
  rm -rf "$STAGE_DIR"; mkdir -p "$STAGE_DIR"
  (cd "$SRC_DIR" && GOBIN="$STAGE_DIR" "$GO" install -v -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION")
}

# --- Karpenter with the KWOK provider -------------------------------------------------
# Its go.mod may ask for a newer patch release of Go than the machine has; GOTOOLCHAIN=auto
# lets the go command fetch that toolchain, which is itself a module on the module proxy.
#
# One source change: upstream binds its metrics and health-probe servers to every
# interface (":PORT"); this cluster keeps all of its ports on 127.0.0.1. The wrapper module
# replaces sigs.k8s.io/karpenter with a copy of the released module in which only those two
# addresses differ (the go command refuses overlays of files in the module cache). The
# upstream binary is also named kwok; it is installed as karpenter-kwok.
build_karpenter() {
  local dir="$SRC_DIR/karpenter" modroot operator_go
  rm -rf "$dir" "$STAGE_DIR"; mkdir -p "$dir" "$STAGE_DIR"
  modroot="$(cd "$dir" && GOTOOLCHAIN=auto "$GO" mod download -json "sigs.k8s.io/karpenter@$KARPENTER_VERSION" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')" || true
  [[ -d "$modroot" ]] || { echo "could not download sigs.k8s.io/karpenter@$KARPENTER_VERSION" >&2; return 1; }
  cp -r "$modroot" "$dir/karpenter-src"
  chmod -R u+w "$dir/karpenter-src"
  operator_go="$dir/karpenter-src/pkg/operator/operator.go"
  sed -i 's/fmt.Sprintf(":%d", /fmt.Sprintf("127.0.0.1:%d", /' "$operator_go"
  if [[ "$(grep -c 'fmt.Sprintf("127.0.0.1:%d", ' "$operator_go")" != 2 ]]; then
    echo "karpenter $KARPENTER_VERSION: the metrics/health bind addresses in pkg/operator/operator.go" \
      "no longer look as expected; update the loopback patch in build.sh" >&2
    return 1
  fi
  cat >"$dir/go.mod" <<MOD
module sumo-k8.local/cluster/karpenter

go 1.26.0

require sigs.k8s.io/karpenter $KARPENTER_VERSION

replace sigs.k8s.io/karpenter => ./karpenter-src
MOD
  (cd "$dir" && GOTOOLCHAIN=auto "$GO" get sigs.k8s.io/karpenter/kwok \
    && GOTOOLCHAIN=auto "$GO" build -v -ldflags "-s -w" -o "$STAGE_DIR/karpenter-kwok" sigs.k8s.io/karpenter/kwok)
}

# Karpenter's CRDs come with its module; copy them next to the binaries so a cleaned
# module cache does not break later starts.
copy_karpenter_crds() {
  local modroot
  modroot="$SRC_DIR/karpenter/karpenter-src"
  [[ -d "$modroot" ]] || die "no copy of sigs.k8s.io/karpenter@$KARPENTER_VERSION at $modroot"
  mkdir -p "$CLUSTER_BUILD_DIR/crds"
  cp "$modroot"/kwok/charts/crds/*.yaml "$modroot"/kwok/apis/crds/*.yaml "$CLUSTER_BUILD_DIR/crds/"
  chmod 644 "$CLUSTER_BUILD_DIR"/crds/*.yaml
}

# --- the real node -------------------------------------------------------------------
build_kubelet() { build_kubernetes_commands kubelet kubelet; }

# runc needs cgo for seccomp (libseccomp): without the tag every container with a seccomp
# profile, as the platform's pods have, fails to start.
build_runc() {
  rm -rf "$STAGE_DIR"; mkdir -p "$STAGE_DIR"
  (cd "$SRC_DIR" && CGO_ENABLED=1 GOBIN="$STAGE_DIR" "$GO" install -v -tags seccomp \
    -ldflags "-s -w -X main.version=${RUNC_VERSION#v}" "github.com/opencontainers/runc@$RUNC_VERSION")
}

build_containerd() {
  rm -rf "$STAGE_DIR"; mkdir -p "$STAGE_DIR"
  local m=github.com/containerd/containerd/v2
  (cd "$SRC_DIR" && GOBIN="$STAGE_DIR" "$GO" install -v -ldflags "-s -w -X $m/version.Version=$CONTAINERD_VERSION" \
    "$m/cmd/containerd@$CONTAINERD_VERSION" "$m/cmd/containerd-shim-runc-v2@$CONTAINERD_VERSION" \
    "$m/cmd/ctr@$CONTAINERD_VERSION")
}

build_cni_plugins() {
  rm -rf "$STAGE_DIR"; mkdir -p "$STAGE_DIR"
  local m=github.com/containernetworking/plugins/plugins
  (cd "$SRC_DIR" && GOBIN="$STAGE_DIR" "$GO" install -v -ldflags "-s -w" \
    "$m/main/bridge@$CNI_PLUGINS_VERSION" "$m/main/loopback@$CNI_PLUGINS_VERSION" \
    "$m/ipam/host-local@$CNI_PLUGINS_VERSION")
}

# libseccomp's headers and pkg-config, for runc's cgo build: installed from Debian's packages
# when missing (as root), else the build says what to install.
ensure_seccomp_headers() {
  pkg-config --exists libseccomp 2>/dev/null && return 0
  if ((EUID == 0)) && command -v apt-get >/dev/null; then
    log "installing libseccomp-dev and pkg-config from Debian's packages (runc's seccomp support)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libseccomp-dev pkg-config \
      >>"$BUILD_LOG" 2>&1 || die "apt-get install libseccomp-dev pkg-config failed (see $BUILD_LOG)"
  else
    die "runc's seccomp support needs libseccomp's headers: install libseccomp-dev and pkg-config"
  fi
}

if [[ "$TARGET" == cluster ]]; then
  have etcd || { run_step etcd build_etcd; install_staged etcd; }
  have kwok || { run_step kwok build_kwok; install_staged kwok; }
  have karpenter-kwok || { run_step karpenter build_karpenter; install_staged karpenter-kwok; }
  [[ -f "$CLUSTER_BUILD_DIR/crds/karpenter.sh_nodepools.yaml" ]] || copy_karpenter_crds
  have kube-apiserver kube-controller-manager kube-scheduler kubectl || {
    run_step kubernetes build_kubernetes
    install_staged kube-apiserver kube-controller-manager kube-scheduler kubectl
  }
else
  have runc || { ensure_seccomp_headers; run_step runc build_runc; install_staged runc; }
  have containerd containerd-shim-runc-v2 ctr || {
    run_step containerd build_containerd
    install_staged containerd containerd-shim-runc-v2 ctr
  }
  have bridge loopback host-local || {
    run_step cni-plugins build_cni_plugins
    install_staged bridge loopback host-local
  }
  have kubelet || { run_step kubelet build_kubelet; install_staged kubelet; }
fi

rm -rf "$STAGE_DIR"
date -Is >"$BUILD_COMPLETE"
echo "$((SECONDS - build_started))" >"$BUILD_DIR/build-seconds"
log "build complete in $((SECONDS - build_started))s: $BIN_DIR"
