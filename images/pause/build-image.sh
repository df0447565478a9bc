#!/usr/bin/env bash
# Builds the pod sandbox ("pause") image, as an OCI image without a container engine: the local
# cluster's containerd starts one in every pod, and its node has no registry to pull
# registry.k8s.io's from. Kubernetes' own pause program (build/pause/linux/pause.c of the
# k8s.io/kubernetes Go module at the cluster's K8S_VERSION, test/cluster/lib.sh), compiled
# static as its Makefile does, alone in an image configured as upstream's (ENTRYPOINT
# ["/pause"], USER 65535:65535). It is named as the sandbox image containerd 2.2 asks for by
# default (its DefaultSandboxImage); pause.c for Linux is the same in 3.10.1 as at K8S_VERSION
# (the tags since differ only for Windows). umoci packs it. Prints on stdout, two lines:
#   IMAGE_REF=registry.k8s.io/pause:<tag>
#   IMAGE_ARCHIVE=<an OCI image-layout tar of it; `ctr images import` names it IMAGE_REF>
# Progress goes to stderr.
#
# Builds live in ${XDG_CACHE_HOME:-~/.cache}/sumo-k8/images/pause/, keyed by pause.c, the
# compiler and these scripts; a cached image returns at once. A lock serialises concurrent
# builds. Needs Go (on PATH or /usr/local/go/bin) for the module; installs gcc, libc6-dev
# (the static C library) and umoci with apt-get when they are missing.
set -euo pipefail
LOG_PREFIX=pause-image
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
umask 022

# containerd v2.2's DefaultSandboxImage (internal/cri/config/config.go).
IMAGE_REF=registry.k8s.io/pause:3.10.1
IMAGE_TAG=${IMAGE_REF##*:}
# Upstream's image: FROM scratch, the binary as /pause, these.
IMAGE_ENTRYPOINT=/pause
IMAGE_USER=65535:65535

K8S_VERSION=$(sed -n 's/^K8S_VERSION=\(v[0-9.]*\).*/\1/p' "$REPO_ROOT/test/cluster/lib.sh")
[[ -n $K8S_VERSION ]] || die "no K8S_VERSION=v<version> in test/cluster/lib.sh"
CACHE_DIR="$IMAGES_CACHE_ROOT/pause"

require_commands gcc:gcc jq:jq
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
[[ -x $GO ]] || die "no Go toolchain found (looked on PATH and at /usr/local/go/bin/go)"

# The module's source, from the Go module cache (or the module proxy, checked against the
# checksum database).
module_dir=$(
  cd "$(mktemp -d)" && trap 'rm -rf "$PWD"' EXIT &&
    GOTOOLCHAIN=local "$GO" mod download -json "k8s.io/kubernetes@$K8S_VERSION" | jq -r .Dir
) || die "go mod download k8s.io/kubernetes@$K8S_VERSION failed"
PAUSE_C="$module_dir/build/pause/linux/pause.c"
[[ -f $PAUSE_C ]] || die "k8s.io/kubernetes@$K8S_VERSION has no build/pause/linux/pause.c"

IMAGE_KEY=$(
  {
    echo "$IMAGE_REF $K8S_VERSION $(image_architecture) $(gcc --version | head -1)"
    cat "$PAUSE_C" "${BASH_SOURCE[0]}" "$IMAGES_DIR/lib.sh"
  } | sha256sum | cut -c1-12
)
ARCHIVE="$CACHE_DIR/${IMAGE_TAG}_$IMAGE_KEY.tar"

if [[ -f $ARCHIVE ]]; then
  print_image "$IMAGE_REF" "$ARCHIVE"
  exit 0
fi

require_commands umoci:umoci
# gcc names the static C library's path when it has one.
[[ $(gcc -print-file-name=libc.a) == /* ]] || install_debian_packages libc6-dev
lock_cache_dir "$CACHE_DIR"
if [[ ! -f $ARCHIVE ]]; then
  work="$ARCHIVE.work"
  rm -rf "$work" && mkdir -p "$work/layer"
  log "compiling pause.c of k8s.io/kubernetes@$K8S_VERSION"
  # The Makefile's CFLAGS and strip; the version it prints (pause -v) says where it came from.
  gcc -Os -Wall -Werror -static "-DVERSION=v$IMAGE_TAG-kubernetes-$K8S_VERSION" \
    -o "$work/layer/pause" "$PAUSE_C"
  strip "$work/layer/pause"
  chmod 0755 "$work/layer/pause"
  if readelf -d "$work/layer/pause" | grep -q NEEDED; then die "pause is not static"; fi
  # It exits 0 on SIGTERM, as a sandbox's stop needs.
  code=0
  timeout --preserve-status -s TERM 0.5 "$work/layer/pause" 2>/dev/null || code=$?
  ((code == 0)) || die "pause exited $code on SIGTERM"
  log "built: $("$work/layer/pause" -v)"

  layout="$work/oci"
  umoci init --layout "$layout"
  umoci new --image "$layout:$IMAGE_TAG"
  tar -C "$work/layer" --owner=0 --group=0 --numeric-owner -cf "$work/layer.tar" ./pause
  umoci raw add-layer --image "$layout:$IMAGE_TAG" --history.created_by \
    "gcc -Os -static k8s.io/kubernetes@$K8S_VERSION/build/pause/linux/pause.c" "$work/layer.tar"
  umoci config --image "$layout:$IMAGE_TAG" --config.entrypoint "$IMAGE_ENTRYPOINT" \
    --config.user "$IMAGE_USER"
  write_oci_archive "$layout" "$IMAGE_REF" "$ARCHIVE"
  rm -rf "$work"
  prune_oldest "$CACHE_DIR" "${IMAGE_TAG}_*.tar" 2
fi
log "$IMAGE_REF: $ARCHIVE ($(du -h "$ARCHIVE" | cut -f1))"
print_image "$IMAGE_REF" "$ARCHIVE"
