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

# The real node (node.sh): a kubelet at K8S_VERSION with these, built like the rest.
RUNC_VERSION=v1.4.4           # with seccomp (cgo, libseccomp)
CONTAINERD_VERSION=v2.2.10    # containerd, containerd-shim-runc-v2, ctr
CNI_PLUGINS_VERSION=v1.9.1    # bridge, host-local, loopback
NODE_BUILD_RECIPE=1

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
# The real node's binaries have a key of their own: they build only where the node runs, and
# a change to them leaves the control plane's build alone.
NODE_BUILD_KEY="node_k8s-${K8S_VERSION}_runc-${RUNC_VERSION}_containerd-${CONTAINERD_VERSION}_cni-${CNI_PLUGINS_VERSION}_r${NODE_BUILD_RECIPE}"
NODE_BUILD_DIR="$CLUSTER_CACHE_ROOT/$NODE_BUILD_KEY"
NODE_BIN_DIR="$NODE_BUILD_DIR/bin"
NODE_BUILD_COMPLETE="$NODE_BIN_DIR/.complete"

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
KUBELET_PORT="${CLUSTER_KUBELET_PORT:-30270}"            # the real node's kubelet API (pods/log, exec)
KUBELET_HEALTHZ_PORT="${CLUSTER_KUBELET_HEALTHZ_PORT:-30271}"

# The real node: a kubelet with containerd and runc, beside the KWOK nodes. Its state (the
# kubelet's and containerd's folders, pod logs) is under NODE_DATA_DIR; its pods' network is a
# bridge inside a network namespace of its own.
REAL_NODE_NAME=real-node-1
NODE_DATA_DIR="$CLUSTER_DATA_DIR/node"
# The label the real node carries and the taint that keeps every other pod off it; the test
# bed's placement policy (node.sh) gives both to the pods that must really run.
REAL_NODE_LABEL=sumo-k8.dev/real-node

# Components in start order.
CLUSTER_COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok karpenter)
NODE_COMPONENTS=(containerd kubelet)

log() { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

pid_file() { echo "$CLUSTER_DATA_DIR/run/$1.pid"; }
log_file() { echo "$CLUSTER_DATA_DIR/logs/$1.log"; }

# Whether PID runs a binary of this build on behalf of this checkout: its executable is in
# the bin dir and its command line or environment names this checkout's data dir.
is_cluster_process() {
  local pid="$1" exe
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
  [[ "$exe" == "$CLUSTER_BIN_DIR/"* || "$exe" == "$NODE_BIN_DIR/"* ]] || return 1
  # Read first, then searched: under pipefail, `tr ... | grep -q` fails whenever grep stops
  # reading before tr has written everything.
  local cmdline environ
  cmdline="$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  environ="$(tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null)" || environ=""
  grep -qF -- "$CLUSTER_DATA_DIR/" <<<"$cmdline" || grep -qF -- "$CLUSTER_DATA_DIR/" <<<"$environ"
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

openssl_quiet() { openssl "$@" 2>/dev/null; }

# issue_cert NAME SUBJECT EXTENDED_KEY_USAGE [SUBJECT_ALT_NAMES]: a key and a certificate
# signed by the cluster's CA, in $PKI (the caller's: the cluster's pki folder).
issue_cert() {
  local name="$1" subject="$2" usage="$3" sans="${4:-}"
  openssl_quiet req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "$subject" \
    -keyout "$PKI/$name.key" -out "$PKI/$name.csr"
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$usage"
    [[ -n "$sans" ]] && echo "subjectAltName=$sans"
  } >"$PKI/$name.ext"
  openssl_quiet x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 3650 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt"
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
  chmod 600 "$PKI/$name.key"
}

# start_component NAME COMMAND...: runs COMMAND in its own session (so it outlives this
# shell and its terminal), output to the component's log, pid to its pid file. It must not
# inherit up's lock (fd 8), or the lock would outlive the script.
start_component() {
  local name="$1"; shift
  setsid "$@" >"$(log_file "$name")" 2>&1 </dev/null 8>&- &
  echo $! >"$(pid_file "$name")"
  disown $!
}

# Whether the process started for NAME (its pid file's) is still there, also before it has
# exec'd the component's binary: right after start_component the pid runs setsid (or the shell
# that forked it) until the exec, and on a loaded machine, with binaries not yet in the page
# cache, that takes a while. component_pid does not know it as the component until then.
component_alive() {
  local f pid state
  f="$(pid_file "$1")"
  [[ -s "$f" ]] || return 1
  pid="$(<"$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  state="$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null)"
  [[ -n "$state" && "$state" != Z ]]
}

# wait_ready NAME DESCRIPTION COMMAND...: polls COMMAND until it succeeds. Fails when the
# component exits or READY_TIMEOUT passes, printing the last check's output and the
# component's log tail.
wait_ready() {
  local name="$1" what="$2"; shift 2
  local deadline=$((SECONDS + ${READY_TIMEOUT:-90})) out="" since=$SECONDS
  while ! out="$("$@" 2>&1)"; do
    if ! component_alive "$name"; then
      log "$name exited before it was ready; last lines of $(log_file "$name"):"
      tail -n 30 "$(log_file "$name")" >&2
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      log "$name: $what not seen within ${READY_TIMEOUT:-90}s; last check said: ${out:0:500}"
      log "last lines of $(log_file "$name"):"
      tail -n 30 "$(log_file "$name")" >&2
      exit 1
    fi
    sleep 0.2
  done
  log "$name ready ($what, $((SECONDS - since))s)"
}

# Prints the pids of all of this checkout's cluster processes, including any whose pid
# file was lost. Other checkouts' clusters are never matched.
cluster_process_pids() {
  local d
  for d in /proc/[0-9]*; do
    is_cluster_process "${d#/proc/}" && echo "${d#/proc/}"
  done
  return 0
}

# The real node's pods live under one cgroup of this checkout's own in each hierarchy.
NODE_CGROUP_ROOT="sumo-k8-node-$(printf %s "$CLUSTER_DATA_DIR" | sha256sum | cut -c1-10)"

# Prints the real node's cgroup folder in each mounted hierarchy (cgroup v1: one per
# controller; v2: one), whether or not it exists.
node_cgroup_dirs() {
  local mnt type
  while read -r _ mnt type _; do
    [[ "$type" == cgroup || "$type" == cgroup2 ]] && echo "$mnt/$NODE_CGROUP_ROOT"
  done </proc/mounts
  return 0
}

# Stops the real node: the kubelet, containerd and its shims (SIGTERM, SIGKILL after the
# grace period), then kills what is left in its cgroups (the containers) and removes them,
# and deletes its state. Safe when nothing of it runs.
stop_real_node() {
  local name pid pids=() deadline dir dirs=() try
  for name in "${NODE_COMPONENTS[@]}"; do
    if pid="$(component_pid "$name")"; then log "stopping real node's $name (pid $pid)"; fi
    rm -f "$(pid_file "$name")"
  done
  node_pids() { cluster_process_pids | while read -r pid; do
    [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$NODE_BIN_DIR/"* ]] && echo "$pid"; done; }
  mapfile -t pids < <(node_pids)
  if ((${#pids[@]})); then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    deadline=$((SECONDS + ${CLUSTER_STOP_GRACE:-3}))
    while ((SECONDS < deadline)); do
      mapfile -t pids < <(node_pids)
      ((${#pids[@]})) || break
      sleep 0.1
    done
    ((${#pids[@]})) && kill -KILL "${pids[@]}" 2>/dev/null
  fi
  mapfile -t dirs < <(node_cgroup_dirs)
  for ((try = 0; try < 100; try++)); do
    mapfile -t pids < <(for dir in "${dirs[@]}"; do
      [[ -d "$dir" ]] && find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null; done | sort -u)
    ((${#pids[@]})) || break
    kill -KILL "${pids[@]}" 2>/dev/null || true
    sleep 0.1
  done
  ((${#pids[@]})) && log "WARNING: processes left in the real node's cgroups: ${pids[*]}"
  for dir in "${dirs[@]}"; do
    [[ -d "$dir" ]] && find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  rm -rf "$NODE_DATA_DIR"
  return 0
}

# Stops every component. The cluster's state is thrown away on `down`, so there is nothing
# to shut down gracefully for: all get SIGTERM at once (kube-apiserver alone can take 15 s
# to exit on it), and whatever still runs after CLUSTER_STOP_GRACE seconds (default 3) gets
# SIGKILL. Includes strays whose pid files were lost. Removes pid files, keeps logs.
stop_all_components() {
  local name pid pids=() deadline
  stop_real_node
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
