# shellcheck shell=bash disable=SC2034
# (Sourced by the scripts, which use the variables defined here.)
# Shared settings for the local cluster scripts (sourced, not run).
#
# Every path the scripts use is derived here, so up/down/status/build agree on them.

# Pinned versions. Changing any of them changes the build cache key, so a new set is
# built once and the old one is left alone.
K8S_VERSION=v1.36.3          # kube-apiserver, kube-controller-manager, kube-scheduler, kubectl
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
KARPENTER_VERSION=v1.15.0    # sigs.k8s.io/karpenter/kwok: Karpenter with its KWOK cloud provider
# Bump when the build recipe in build.sh changes in a way that changes the binaries.
BUILD_RECIPE=1

CLUSTER_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$CLUSTER_SCRIPT_DIR/../.." && pwd)"

# Runtime state of this checkout's cluster: pids, logs, etcd data, certs, kubeconfig.
CLUSTER_DATA_DIR="$REPO_ROOT/.data/cluster"
CLUSTER_KUBECONFIG="$CLUSTER_DATA_DIR/kubeconfig"

# Built binaries live outside the checkout so fresh clones and CI on this machine reuse them.
CLUSTER_CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/sumo-k8/cluster"
CLUSTER_BUILD_KEY="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}_karpenter-${KARPENTER_VERSION}_r${BUILD_RECIPE}"
CLUSTER_BUILD_DIR="$CLUSTER_CACHE_ROOT/$CLUSTER_BUILD_KEY"
CLUSTER_BIN_DIR="$CLUSTER_BUILD_DIR/bin"
CLUSTER_BUILD_COMPLETE="$CLUSTER_BIN_DIR/.complete"

# Loopback ports, all below the range Linux hands out for outgoing connections (32768-60999),
# so a client socket never holds one when a component starts. Overridable so two checkouts on
# one machine can each run a cluster.
ETCD_CLIENT_PORT="${CLUSTER_ETCD_PORT:-32379}"
ETCD_PEER_PORT="${CLUSTER_ETCD_PEER_PORT:-32380}"
APISERVER_PORT="${CLUSTER_APISERVER_PORT:-26443}"
KCM_PORT="${CLUSTER_KCM_PORT:-30257}"
SCHEDULER_PORT="${CLUSTER_SCHEDULER_PORT:-30259}"
KWOK_PORT="${CLUSTER_KWOK_PORT:-30250}"           # fake kubelets' API (pods/log) and kwok's health
KARPENTER_METRICS_PORT="${CLUSTER_KARPENTER_METRICS_PORT:-30080}"
KARPENTER_HEALTH_PORT="${CLUSTER_KARPENTER_HEALTH_PORT:-30081}"

# Components in start order.
CLUSTER_COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok karpenter)

log() { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

pid_file() { echo "$CLUSTER_DATA_DIR/run/$1.pid"; }
log_file() { echo "$CLUSTER_DATA_DIR/logs/$1.log"; }

# Whether PID runs a binary of this build on behalf of this checkout: its executable is in
# the bin dir and its command line or environment names this checkout's data dir.
is_cluster_process() {
  local pid="$1" exe
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
  [[ "$exe" == "$CLUSTER_BIN_DIR/"* ]] || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$CLUSTER_DATA_DIR/" \
    || tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qF -- "$CLUSTER_DATA_DIR/"
}

# Prints the pid of a running component, or fails. A pid file whose process is gone, or
# whose pid now belongs to something else (pid reuse), counts as stale.
component_pid() {
  local f pid
  f="$(pid_file "$1")"
  [[ -s "$f" ]] || return 1
  pid="$(<"$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] && is_cluster_process "$pid" || return 1
  echo "$pid"
}

kubectl_cluster() { "$CLUSTER_BIN_DIR/kubectl" --kubeconfig "$CLUSTER_KUBECONFIG" "$@"; }

# Prints the pids of all of this checkout's cluster processes, including any whose pid
# file was lost. Other checkouts' clusters are never matched.
cluster_process_pids() {
  local d
  for d in /proc/[0-9]*; do
    is_cluster_process "${d#/proc/}" && echo "${d#/proc/}"
  done
  return 0
}

# Stops every component. The cluster's state is thrown away on `down`, so there is nothing
# to shut down gracefully for: all get SIGTERM at once (kube-apiserver alone can take 15 s
# to exit on it), and whatever still runs after CLUSTER_STOP_GRACE seconds (default 3) gets
# SIGKILL. Includes strays whose pid files were lost. Removes pid files, keeps logs.
stop_all_components() {
  local name pid pids=() deadline
  for name in "${CLUSTER_COMPONENTS[@]}"; do
    if pid="$(component_pid "$name")"; then
      log "stopping $name (pid $pid)"
    fi
    rm -f "$(pid_file "$name")"
  done
  mapfile -t pids < <(cluster_process_pids)
  ((${#pids[@]})) || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  deadline=$((SECONDS + ${CLUSTER_STOP_GRACE:-3}))
  while ((SECONDS < deadline)); do
    mapfile -t pids < <(cluster_process_pids)
    ((${#pids[@]})) || return 0
    sleep 0.1
  done
  log "killing processes still running after SIGTERM: ${pids[*]}"
  kill -KILL "${pids[@]}" 2>/dev/null || true
  deadline=$((SECONDS + 5))
  while ((SECONDS < deadline)); do
    mapfile -t pids < <(cluster_process_pids)
    ((${#pids[@]})) || return 0
    sleep 0.1
  done
  log "WARNING: processes survived SIGKILL: ${pids[*]}"
}
