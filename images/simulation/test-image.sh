#!/usr/bin/env bash
# Runs the simulation image as a simulation pod runs it, without a container runtime: the image
# build-image.sh builds (or the OCI archive given) is unpacked with umoci, and its runner runs
# in a root of its own with the image's configuration (entrypoint, environment, working
# directory, user) and the pod's arguments and mounts (services/scheduler's simulation-job.ts):
# the root read-only, uid and gid 1000, no network, /scenario read-only holding a bundle and
# its run.json, /work writable, the run report written to /dev/termination-log. The bundle is a
# SUMO grid made with the tests' SUMO (install-sumo.sh). Prints the runner's log, what it left
# in /work and its run report on stdout; exits 0 when the run succeeded, 1 otherwise.
#
#   images/simulation/test-image.sh [IMAGE_ARCHIVE]
#
# Needs root (namespaces, mounts, chroot) and umoci.
set -euo pipefail
LOG_PREFIX=simulation-image-test
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
umask 022

((EUID == 0)) || die "needs root: it mounts and chroots"
require_commands jq:jq umoci:umoci unshare:util-linux

ARCHIVE="${1:-}"
if [[ -z $ARCHIVE ]]; then
  ARCHIVE=$(bash "$IMAGES_DIR/simulation/build-image.sh" | sed -n 's/^IMAGE_ARCHIVE=//p')
fi
[[ -f $ARCHIVE ]] || die "no image archive at '$ARCHIVE'"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

log "unpacking $ARCHIVE"
mkdir "$TMP/layout"
tar -xf "$ARCHIVE" -C "$TMP/layout"
TAG=$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$TMP/layout/index.json")
umoci unpack --image "$TMP/layout:$TAG" "$TMP/bundle" >/dev/null
ROOTFS="$TMP/bundle/rootfs"
# umoci writes the image's configuration as an OCI runtime spec, as containerd does.
SPEC="$TMP/bundle/config.json"
mapfile -t ENTRYPOINT < <(jq -r '.process.args[]' "$SPEC")
mapfile -t ENV < <(jq -r '.process.env[]' "$SPEC")
CWD=$(jq -r '.process.cwd' "$SPEC")
IMAGE_USER=$(jq -r '"\(.process.user.uid):\(.process.user.gid)"' "$SPEC")
log "image: entrypoint ${ENTRYPOINT[*]}, user $IMAGE_USER, working directory $CWD, env ${ENV[*]}"

# The scenario: a 3x3 grid with 300 s of random trips, as the tests make it (makeGridScenario).
log "making a grid scenario with the tests' SUMO"
eval "$(bash "$IMAGES_DIR/simulation/install-sumo.sh")"
PYTHON="$SUMO_HOME/../../../../bin/python"
mkdir -p "$TMP/make/city"
(
  cd "$TMP/make/city"
  export SUMO_HOME
  "$SUMO_BIN/netgenerate" --grid --grid.number 3 --grid.length 150 --seed 11 -o grid.net.xml >/dev/null
  "$PYTHON" "$SUMO_HOME/tools/randomTrips.py" -n grid.net.xml -r grid.rou.xml -o grid.trips.xml \
    -b 0 -e 300 -p 1 --seed 11 >/dev/null
  cat >grid.sumocfg <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<configuration>
    <input>
        <net-file value="grid.net.xml"/>
        <route-files value="grid.rou.xml"/>
    </input>
    <time>
        <begin value="0"/>
        <end value="300"/>
    </time>
</configuration>
EOF
)

# The pod's volumes: the ConfigMap's two files (mode 0444), an emptyDir, the termination message.
mkdir "$TMP/scenario" "$TMP/work"
tar -czf "$TMP/scenario/bundle" -C "$TMP/make" city/grid.sumocfg city/grid.net.xml city/grid.rou.xml
jq -n --arg sha256 "$(sha256sum "$TMP/scenario/bundle" | cut -d' ' -f1)" '{
  job_id: "image-test",
  bundle_sha256: $sha256,
  config: "city/grid.sumocfg",
  parameters: {seed: 42, end: 300, outputs: ["summary"]}
}' >"$TMP/scenario/run.json"
chmod 0444 "$TMP/scenario/bundle" "$TMP/scenario/run.json"
chmod 0555 "$TMP/scenario"
chmod 0777 "$TMP/work"
: >"$TMP/termination-log"
chmod 0666 "$TMP/termination-log"
# Mount points the runtime would make before it makes the root read-only.
mkdir -p "$ROOTFS/scenario" "$ROOTFS/work"

# The pod's command and arguments (simulation-job.ts): the image's entrypoint, then these.
POD_ARGS=(--scenario-dir /scenario --work-dir /work)
log "running: ${ENTRYPOINT[*]} ${POD_ARGS[*]}"
code=0
# shellcheck disable=SC2016 # the inner script's own variables
unshare --mount --pid --net --fork /bin/bash -euc '
  root=$1 scenario=$2 work=$3 termination_log=$4 user=$5 cwd=$6
  shift 6
  mount --bind "$root" "$root"
  mount --bind "$scenario" "$root/scenario"
  mount -o remount,bind,ro "$root/scenario"
  mount --bind "$work" "$root/work"
  mount -t proc proc "$root/proc"
  mount -t tmpfs -o mode=0755,nosuid tmpfs "$root/dev"
  for device in null zero full random urandom; do
    touch "$root/dev/$device"
    mount --bind "/dev/$device" "$root/dev/$device"
  done
  touch "$root/dev/termination-log"
  mount --bind "$termination_log" "$root/dev/termination-log"
  mount -o remount,bind,ro "$root"
  in_pod=(chroot --userspec="$user" --groups="${user#*:}" "$root" /usr/bin/env -i -C "$cwd")
  if "${in_pod[@]}" /usr/bin/touch /tmp/probe 2>/dev/null; then
    echo "the root file system is writable" >&2
    exit 99
  fi
  exec "${in_pod[@]}" "$@"
' test-image "$ROOTFS" "$TMP/scenario" "$TMP/work" "$TMP/termination-log" "$IMAGE_USER" "$CWD" \
  HOME=/ HOSTNAME=sim-image-test "${ENV[@]}" "${ENTRYPOINT[@]}" "${POD_ARGS[@]}" \
  >"$TMP/stdout" 2>"$TMP/stderr" || code=$?

echo "--- the runner's log (stdout)"
cat "$TMP/stdout"
if [[ -s $TMP/stderr ]]; then
  echo "--- stderr"
  cat "$TMP/stderr"
fi
echo "--- /work after the run"
(cd "$TMP/work" && find . -type f | sort)
echo "--- /dev/termination-log"
cat "$TMP/termination-log"
echo
echo "--- exit code: $code"
report=$(cat "$TMP/termination-log")
if [[ $code == 0 && $(jq -r .outcome <<<"$report" 2>/dev/null) == succeeded ]]; then
  log "the run succeeded in the image"
  exit 0
fi
log "the run did not succeed (exit code $code)"
exit 1
