# shellcheck shell=bash disable=SC2034
# (Sourced by the scripts in images/*/, which set LOG_PREFIX first.)
# What the image recipes share: logging, their cache and its lock, the Debian tools they need,
# and writing an OCI image layout as the archive the local cluster's containerd imports.

IMAGES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$IMAGES_DIR/.." && pwd)"

# Built images live outside the checkout, like the cluster's binaries and SUMO, so every clone
# and CI run on this machine reuses them.
IMAGES_CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/sumo-k8/images"

log() { printf '[%s %s] %s\n' "$LOG_PREFIX" "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# The image's CPU architecture as Debian and OCI name it (amd64, arm64): the machine's own.
image_architecture() {
  case "$(uname -m)" in
    x86_64) echo amd64 ;;
    aarch64) echo arm64 ;;
    *) die "no image recipe for this machine's architecture ($(uname -m))" ;;
  esac
}

# Installs Debian packages with apt-get when running as root; otherwise says what to install.
install_debian_packages() {
  if ((EUID != 0)); then
    die "needs the Debian packages $*: apt-get install -y --no-install-recommends $* (as root), or run this as root and it installs them"
  fi
  log "installing $* with apt-get"
  # The package lists may be stale on a fresh machine: refresh them only when they are.
  if ! apt-get install -y --no-install-recommends "$@" >&2; then
    apt-get update >&2 || true
    apt-get install -y --no-install-recommends "$@" >&2 || die "apt-get could not install $*"
  fi
}

# Makes sure the commands are there, each given as command:debian-package, installing the
# packages of the missing ones.
require_commands() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  ((${#missing[@]} == 0)) || install_debian_packages "${missing[@]}"
}

# Takes the build lock of a cache folder (fd 9, held until the script exits): concurrent builds
# of the same image wait for each other instead of building it twice.
lock_cache_dir() {
  local dir="$1"
  mkdir -p "$dir"
  exec 9>"$dir/.lock"
  if ! flock -n 9; then
    log "another build is running in $dir; waiting for it"
    flock 9
  fi
}

# Deletes all but the newest `keep` entries matching a glob in a folder: every change makes a
# new build, and old ones would otherwise pile up. Call it holding the folder's lock.
prune_oldest() {
  local dir="$1" glob="$2" keep="$3" old
  # shellcheck disable=SC2012,SC2086 # a glob of our own keys: no spaces or newlines
  ls -1td "$dir"/$glob 2>/dev/null | tail -n +"$((keep + 1))" | while read -r old; do
    log "removing an older build: $old"
    rm -rf "$old"
  done
}

# Writes the OCI image layout $1, which holds the image tagged with $2's tag, as an image-layout
# tar archive at $3. The index keeps that image alone and names it in full: containerd's
# `ctr images import` takes the name from the io.containerd.image.name annotation (so the archive
# imports under $2 without --base-name), other tools take the tag from
# org.opencontainers.image.ref.name.
write_oci_archive() {
  local layout="$1" ref="$2" archive="$3"
  local tag="${ref##*:}"
  jq --arg ref "$ref" --arg tag "$tag" --arg arch "$(image_architecture)" '{
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        .manifests[]
        | select(.annotations["org.opencontainers.image.ref.name"] == $tag)
        | .platform = {architecture: $arch, os: "linux"}
        | .annotations = {"io.containerd.image.name": $ref, "org.opencontainers.image.ref.name": $tag}
      ]
    }' "$layout/index.json" >"$layout/index.json.new"
  [[ $(jq '.manifests | length' "$layout/index.json.new") == 1 ]] ||
    die "the layout $layout has no image tagged $tag"
  mv "$layout/index.json.new" "$layout/index.json"
  # Drops the blobs only other tags (the cached base's) referred to.
  umoci gc --layout "$layout"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mode=go+rX \
    -C "$layout" -cf "$archive.tmp" oci-layout index.json blobs
  chmod 0644 "$archive.tmp"
  mv -f "$archive.tmp" "$archive"
}

# The recipes' stdout: what to import, and under which name it runs.
print_image() {
  echo "IMAGE_REF=$1"
  echo "IMAGE_ARCHIVE=$2"
}
