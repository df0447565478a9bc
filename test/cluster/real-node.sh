#!/usr/bin/env bash
# The local cluster's real node: a kubelet with containerd and runc on this machine, beside
# the KWOK nodes, so the simulation image really runs (its security context, its scenario
# volume, memory kills, real logs). up.sh, down.sh and status.sh run it:
#
#   real-node.sh check    exit 0 when this machine can run the node, else say why (exit 1)
#   real-node.sh start    build what is missing, start containerd and the kubelet, load the
#                         images, wait until the node is Ready (the control plane must be up)
#   real-node.sh images   rebuild the images if their sources changed and load them (cached)
#   real-node.sh stop     stop them and every container they started; remove the node's
#                         cgroups and state
#   real-node.sh status   one line per component, and the node's readiness
#
# What it changes on the machine, and what it does not:
# - containerd and the kubelet run in a mount namespace of their own (private propagation):
#   their mounts (container root filesystems, volumes) never appear outside it. Inside it,
#   the kernel settings the kubelet would write (kernel.panic, vm.overcommit_memory, ...)
#   are files holding the values it wants, so it changes none of the machine's.
# - Pods get their network from the CNI bridge plugin inside a network namespace of the
#   node's own (held by a bind mount in that mount namespace): the bridge, the pods' veths
#   and their addresses exist only there. Nothing routes between it and the machine, and
#   the bridge plugin enforces no NetworkPolicy.
# - The kubelet and containerd listen on 127.0.0.1 only (the kubelet's API on KUBELET_PORT,
#   which the apiserver reaches for pods/log and exec).
# - Pods' cgroups live under one cgroup of this checkout's own in each hierarchy, removed by
#   `stop`.
#
# The node registers as a normal node with its own client certificate (system:node:<name>,
# checked by the Node authorizer and NodeRestriction). It carries the label REAL_NODE_LABEL
# and a NoSchedule taint of the same key, so no pod lands on it unless the test bed's
# placement policy (real-node-placement.yaml) sends it there.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PKI="$CLUSTER_DATA_DIR/pki"
CONF="$CLUSTER_DATA_DIR/conf"
NODE="$NODE_DATA_DIR"
CONTAINERD_SOCKET="$NODE/containerd/containerd.sock"
POD_NETWORK_NS="$NODE/run/pod-network"   # a bind mount of the pods' network namespace
POD_SUBNET=10.244.0.0/24
READY_TIMEOUT="${CLUSTER_READY_TIMEOUT:-90}"

ctr_node() { "$NODE_BIN_DIR/ctr" --address "$CONTAINERD_SOCKET" --namespace k8s.io "$@"; }
kubectl_admin() { "$CLUSTER_BIN_DIR/kubectl" --kubeconfig "$CONF/admin.kubeconfig" "$@"; }

# --- can this machine run it? -----------------------------------------------------------

# Prints why this machine cannot run the real node and fails, or succeeds silently.
cannot_run_reason() {
  if [[ "$(uname -s)" != Linux ]]; then echo "not Linux"; return 0; fi
  if ((EUID != 0)); then echo "needs root (containers, cgroups, mount and network namespaces)"; return 0; fi
  if [[ ! -d /sys/fs/cgroup/memory && ! -f /sys/fs/cgroup/cgroup.controllers ]]; then
    echo "no memory cgroup controller mounted at /sys/fs/cgroup"; return 0
  fi
  if ! grep -qw overlay /proc/filesystems; then echo "the kernel has no overlay filesystem"; return 0; fi
  local tool
  for tool in unshare nsenter mount gcc; do
    command -v "$tool" >/dev/null || { echo "$tool is not installed"; return 0; }
  done
  if ! unshare --mount --net true 2>/dev/null; then
    echo "cannot create mount and network namespaces (unshare --mount --net failed)"; return 0
  fi
  return 1
}

# --- cgroups ----------------------------------------------------------------------------
# The kubelet puts its pods under its cgroupRoot, which must exist in every hierarchy before
# it starts: NODE_CGROUP_ROOT (lib.sh), one per checkout.

create_node_cgroups() {
  local dir parent
  while read -r dir; do
    mkdir -p "$dir"
    parent="$(dirname "$dir")"
    # A v1 cpuset cgroup starts with no CPUs or memory nodes: take the parent's.
    if [[ -f "$dir/cpuset.cpus" && -z "$(<"$dir/cpuset.cpus")" ]]; then
      cat "$parent/cpuset.cpus" >"$dir/cpuset.cpus"
      cat "$parent/cpuset.mems" >"$dir/cpuset.mems"
    fi
  done < <(node_cgroup_dirs)
}

# --- start ------------------------------------------------------------------------------

# The kubelet's client certificate (its identity: system:node:<name> in system:nodes, as the
# Node authorizer expects) and its serving certificate, from the cluster's CA.
issue_node_certs() {
  issue_cert kubelet-client "/O=system:nodes/CN=system:node:$REAL_NODE_NAME" clientAuth
  issue_cert kubelet-serving "/CN=system:node:$REAL_NODE_NAME" serverAuth \
    "IP:127.0.0.1,DNS:$REAL_NODE_NAME"
}

write_node_config() {
  mkdir -p "$NODE"/{containerd,kubelet,pod-logs,run,sysctl,cni/bin,cni/conf,cni/networks}

  cat >"$CONF/kubelet.kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: sumo-k8-local
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority: $PKI/ca.crt
users:
- name: kubelet
  user:
    client-certificate: $PKI/kubelet-client.crt
    client-key: $PKI/kubelet-client.key
contexts:
- name: sumo-k8-local
  context: { cluster: sumo-k8-local, user: kubelet }
current-context: sumo-k8-local
YAML

  # The bridge plugin runs in the node's pod network namespace, so the bridge and the pods'
  # host-side veths are created there and not on the machine. The other plugins work in the
  # pod's own namespace (loopback) or on files (host-local).
  cat >"$NODE/cni/bin/bridge" <<SH
#!/bin/sh
exec nsenter --net="$POD_NETWORK_NS" "$NODE_BIN_DIR/bridge"
SH
  chmod 755 "$NODE/cni/bin/bridge"
  ln -sf "$NODE_BIN_DIR/loopback" "$NODE/cni/bin/loopback"
  ln -sf "$NODE_BIN_DIR/host-local" "$NODE/cni/bin/host-local"
  cat >"$NODE/cni/conf/10-pods.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "real-node-pods",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "pods0",
      "isGateway": true,
      "ipMasq": false,
      "ipam": {
        "type": "host-local",
        "dataDir": "$NODE/cni/networks",
        "ranges": [[{ "subnet": "$POD_SUBNET" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    }
  ]
}
JSON

  # Version 3 is containerd 2.x's configuration format. Every path is the node's own.
  # restrict_oom_score_adj: without CAP_SYS_RESOURCE (as in some VMs) runc cannot lower a
  # container's oom_score_adj below its own. The sandbox (pause) image is pinned: nothing is
  # ever pulled, images are imported.
  cat >"$CONF/containerd.toml" <<TOML
version = 3
root = "$NODE/containerd/root"
state = "$NODE/containerd/state"
disabled_plugins = [
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.blockfile",
  "io.containerd.snapshotter.v1.erofs",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
  "io.containerd.nri.v1.nri",
]

[grpc]
  address = "$CONTAINERD_SOCKET"

[ttrpc]
  address = "$CONTAINERD_SOCKET.ttrpc"

[plugins.'io.containerd.internal.v1.opt']
  path = "$NODE/containerd/opt"

[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "$PAUSE_IMAGE_REF"

[plugins.'io.containerd.cri.v1.runtime']
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  enable_cdi = false
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = "$NODE_BIN_DIR/runc"
        Root = "$NODE/containerd/runc"
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["$NODE/cni/bin"]
    conf_dir = "$NODE/cni/conf"
    max_conf_num = 1

[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
TOML

  # The kubelet: this checkout's folders, loopback only, webhook authentication and
  # authorization of its API (the apiserver's kubelet client is cluster-admin), certificates
  # from the cluster's CA. cgroup v1 is deprecated but still supported (failCgroupV1 false).
  # Image garbage collection is off: the images are imported, there is nowhere to pull them
  # from again. Eviction thresholds are low: the node shares a development machine's disk.
  cat >"$CONF/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $PKI/ca.crt }
authorization:
  mode: Webhook
containerRuntimeEndpoint: unix://$CONTAINERD_SOCKET
cgroupDriver: cgroupfs
cgroupRoot: /$NODE_CGROUP_ROOT
cgroupsPerQOS: true
enforceNodeAllocatable: [pods]
failCgroupV1: false
failSwapOn: false
podLogsDir: $NODE/pod-logs
resolvConf: ""
clusterDomain: cluster.local
maxPods: 16
registerNode: true
registerWithTaints:
- key: $REAL_NODE_LABEL
  value: "true"
  effect: NoSchedule
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 200Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
serializeImagePulls: true
shutdownGracePeriod: 0s
nodeStatusReportFrequency: 10s
YAML
}

# Starts containerd in a new mount namespace, prepared first: the kubelet's kernel settings
# as files, and the pods' network namespace. The kubelet joins that mount namespace.
start_containerd() {
  local tunable value sysctl_mounts="" machine=()
  # Values the kubelet wants (setupKernelTunables); with these it writes nothing. The machine's
  # own values are recorded beside them, for the tests that check they never change.
  while read -r tunable value; do
    machine+=("\"$tunable\": \"$(<"/proc/sys/$tunable")\"")
    printf '%s\n' "$value" >"$NODE/sysctl/${tunable//\//.}"
    sysctl_mounts+="mount --bind '$NODE/sysctl/${tunable//\//.}' '/proc/sys/$tunable'; "
  done <<'TUNABLES'
vm/overcommit_memory 1
vm/panic_on_oom 0
kernel/panic 10
kernel/panic_on_oops 1
kernel/keys/root_maxkeys 1000000
kernel/keys/root_maxbytes 25000000
TUNABLES
  (IFS=,; echo "{${machine[*]}}") >"$NODE/machine-sysctls.json"
  : >"$POD_NETWORK_NS"
  start_component containerd env PATH="$NODE_BIN_DIR:/usr/sbin:/usr/bin:/sbin:/bin" \
    unshare --mount --propagation private -- sh -c "
      set -e
      $sysctl_mounts
      unshare --net='$POD_NETWORK_NS' true
      nsenter --net='$POD_NETWORK_NS' ip link set lo up
      exec '$NODE_BIN_DIR/containerd' --config '$CONF/containerd.toml'"
}

start_kubelet() {
  local containerd_pid
  containerd_pid="$(component_pid containerd)" || die "containerd is not running"
  start_component kubelet nsenter --mount="/proc/$containerd_pid/ns/mnt" -- \
    "$NODE_BIN_DIR/kubelet" \
    --config="$CONF/kubelet.yaml" \
    --kubeconfig="$CONF/kubelet.kubeconfig" \
    --root-dir="$NODE/kubelet" \
    --cert-dir="$NODE/kubelet/pki" \
    --hostname-override="$REAL_NODE_NAME" \
    --node-labels="$REAL_NODE_LABEL=true" \
    --cloud-provider=external \
    --v=1
}

# Loads an image archive (an OCI image layout) into the node's containerd, unless an image of
# that name and digest is there already.
import_image() {
  local ref="$1" archive="$2" out
  # ctr warns on every call that cgroup v1 is deprecated: its output is shown only on failure.
  out="$(ctr_node images import --snapshotter overlayfs "$archive" 2>&1)" \
    || die "importing $archive into the real node's containerd failed: $out"
  # Listed first, then searched: under pipefail, `ctr ... | grep -q` fails whenever grep stops
  # reading before ctr has written its last line.
  out="$(ctr_node images ls -q 2>/dev/null)" || die "listing the real node's images failed"
  grep -qxF "$ref" <<<"$out" || die "importing $archive did not give the image $ref"
  # Pinned: the kubelet's image garbage collection never removes it.
  ctr_node images label "$ref" io.cri-containerd.pinned=pinned >/dev/null 2>&1
}

# Builds the node's images (cached: instant when nothing changed) and sets PAUSE_IMAGE_REF,
# PAUSE_IMAGE_ARCHIVE, SIMULATION_IMAGE_REF and SIMULATION_IMAGE_ARCHIVE.
build_images() {
  local out
  out="$("$REPO_ROOT/images/pause/build-image.sh")" || die "building the pause image failed"
  PAUSE_IMAGE_REF="$(sed -n 's/^IMAGE_REF=//p' <<<"$out")"
  PAUSE_IMAGE_ARCHIVE="$(sed -n 's/^IMAGE_ARCHIVE=//p' <<<"$out")"
  out="$("$REPO_ROOT/images/simulation/build-image.sh")" || die "building the simulation image failed"
  SIMULATION_IMAGE_REF="$(sed -n 's/^IMAGE_REF=//p' <<<"$out")"
  SIMULATION_IMAGE_ARCHIVE="$(sed -n 's/^IMAGE_ARCHIVE=//p' <<<"$out")"
}

# Loads the images into the node's containerd unless it holds these builds already (the
# archive's name is its content's key), so a changed runner reaches the node on the next `up`.
load_images() {
  local ref archive loaded
  mkdir -p "$NODE/images"
  while read -r ref archive; do
    loaded="$NODE/images/$(printf %s "$ref" | tr -c 'A-Za-z0-9._-' _)"
    [[ -f "$loaded" && "$(<"$loaded")" == "$archive" ]] && continue
    import_image "$ref" "$archive"
    echo "$archive" >"$loaded"
    log "real node: loaded $ref ($(basename "$archive"))"
  done <<IMAGES
$PAUSE_IMAGE_REF $PAUSE_IMAGE_ARCHIVE
$SIMULATION_IMAGE_REF $SIMULATION_IMAGE_ARCHIVE
IMAGES
}

node_ready() {
  [[ "$(kubectl_admin get node "$REAL_NODE_NAME" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]
}

# With --cloud-provider=external the kubelet leaves the node's addresses and its
# "uninitialized" taint to a cloud controller; this script is that controller, as Karpenter's
# KWOK provider is for the KWOK nodes. The address is loopback, where the kubelet listens
# (a kubelet refuses a loopback --node-ip of its own).
initialize_node() {
  kubectl_admin patch node "$REAL_NODE_NAME" --subresource=status --type=merge -p "{
    \"status\": {\"addresses\": [
      {\"type\": \"InternalIP\", \"address\": \"127.0.0.1\"},
      {\"type\": \"Hostname\", \"address\": \"$REAL_NODE_NAME\"}]}}" >/dev/null
  kubectl_admin taint node "$REAL_NODE_NAME" node.cloudprovider.kubernetes.io/uninitialized- >/dev/null 2>&1 || true
}

wait_until() {
  local what="$1" component="$2"; shift 2
  local deadline=$((SECONDS + READY_TIMEOUT)) since=$SECONDS
  until "$@" >/dev/null 2>&1; do
    # The process itself, not component_pid: containerd's starts as a shell that prepares its
    # mount namespace, then becomes containerd.
    if ! kill -0 "$(<"$(pid_file "$component")")" 2>/dev/null; then
      log "$component exited before $what; last lines of $(log_file "$component"):"
      tail -n 30 "$(log_file "$component")" >&2
      return 1
    fi
    if ((SECONDS >= deadline)); then
      log "real node: $what not seen within ${READY_TIMEOUT}s; last lines of $(log_file "$component"):"
      tail -n 30 "$(log_file "$component")" >&2
      return 1
    fi
    sleep 0.2
  done
  log "real node: $what ($((SECONDS - since))s)"
}

start() {
  local reason
  if reason="$(cannot_run_reason)"; then die "this machine cannot run the real node: $reason"; fi
  [[ -f "$PKI/ca.key" && -f "$CONF/admin.kubeconfig" ]] || die "the control plane is not up (no $PKI/ca.key)"
  local started=$SECONDS
  "$CLUSTER_SCRIPT_DIR/build.sh" node
  build_images

  stop_real_node
  mkdir -p "$CLUSTER_DATA_DIR"/{run,logs}
  issue_node_certs
  write_node_config
  create_node_cgroups

  log "real node: starting containerd $CONTAINERD_VERSION (runc $RUNC_VERSION)"
  start_containerd
  wait_until "containerd serving" containerd ctr_node version
  load_images

  log "real node: starting kubelet $K8S_VERSION as node $REAL_NODE_NAME"
  start_kubelet
  wait_until "node $REAL_NODE_NAME registered" kubelet kubectl_admin get node "$REAL_NODE_NAME"
  initialize_node
  wait_until "node $REAL_NODE_NAME Ready" kubelet node_ready
  kubectl_admin apply -f "$CLUSTER_SCRIPT_DIR/real-node-placement.yaml" >/dev/null
  log "real node: up in $((SECONDS - started))s"
}

case "${1:-}" in
  check)
    if reason="$(cannot_run_reason)"; then echo "$reason"; exit 1; fi
    ;;
  start) start ;;
  images)
    # The control plane and the node are up: bring the node's images up to date.
    component_pid containerd >/dev/null || die "the real node is not running"
    build_images
    load_images
    ;;
  stop) stop_real_node ;;
  status)
    for name in "${NODE_COMPONENTS[@]}"; do
      if pid="$(component_pid "$name")"; then
        printf '  %-24s running (pid %s)\n' "$name" "$pid"
      else
        printf '  %-24s not running\n' "$name"
      fi
    done
    ;;
  *) die "usage: real-node.sh check|start|images|stop|status" ;;
esac
