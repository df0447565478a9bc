#!/usr/bin/env bash
# Brings up this checkout's local Kubernetes cluster and writes its kubeconfig to
# <repo>/.data/cluster/kubeconfig.
#
# Builds the binaries first when this machine has no build of the pinned versions yet
# (see build.sh). Idempotent: when the cluster is already up it says so and exits 0. Every
# wait has a deadline; on failure it prints what it saw, stops what it started and keeps
# the logs in .data/cluster/logs/.
#
# Environment (all optional):
#   CLUSTER_CONSOLIDATE_AFTER      how long a node must be empty before Karpenter removes
#                                  it: a duration like "60s" or "2m", or seconds (default 60s)
#   CLUSTER_NODEPOOL_CPU_LIMIT     cluster-wide CPU limit of the NodePool (default 32)
#   CLUSTER_NODEPOOL_MEMORY_LIMIT  cluster-wide memory limit of the NodePool (default 128Gi)
#   CLUSTER_READY_TIMEOUT          seconds to wait for each component (default 90)
#   CLUSTER_REAL_NODE              the real node (real-node.sh) beside the KWOK nodes: "auto"
#                                  (default: where this machine can run it; where it cannot,
#                                  up says why and goes on without it), "on" (fail where it
#                                  cannot) or "off"
#   CLUSTER_*_PORT                 loopback ports, see lib.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONSOLIDATE_AFTER="${CLUSTER_CONSOLIDATE_AFTER:-60s}"
[[ "$CONSOLIDATE_AFTER" =~ ^[0-9]+$ ]] && CONSOLIDATE_AFTER="${CONSOLIDATE_AFTER}s"
NODEPOOL_CPU_LIMIT="${CLUSTER_NODEPOOL_CPU_LIMIT:-32}"
NODEPOOL_MEMORY_LIMIT="${CLUSTER_NODEPOOL_MEMORY_LIMIT:-128Gi}"
READY_TIMEOUT="${CLUSTER_READY_TIMEOUT:-90}"
REAL_NODE="${CLUSTER_REAL_NODE:-auto}"
case "$REAL_NODE" in
  auto | on | off) ;;
  *) die "CLUSTER_REAL_NODE must be auto, on or off (it is \"$REAL_NODE\")" ;;
esac

PKI="$CLUSTER_DATA_DIR/pki"
CONF="$CLUSTER_DATA_DIR/conf"
started_at=$SECONDS

# --- already up? ----------------------------------------------------------------------

all_components_running() {
  local name
  for name in "${CLUSTER_COMPONENTS[@]}"; do component_pid "$name" >/dev/null || return 1; done
}

apiserver_ready() {
  curl -fsS --max-time 5 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://127.0.0.1:$APISERVER_PORT/readyz"
}

# The NodePool carries the settings callers may change between runs (consolidate-after,
# limits), so it is applied on every `up`, including when the cluster is already up.
apply_nodepool() {
  kubectl_cluster apply -f - >/dev/null <<YAML
apiVersion: karpenter.kwok.sh/v1alpha1
kind: KWOKNodeClass
metadata:
  name: default
---
apiVersion: karpenter.sh/v1
kind: NodePool
metadata:
  name: default
spec:
  template:
    spec:
      nodeClassRef:
        group: karpenter.kwok.sh
        kind: KWOKNodeClass
        name: default
      requirements:
      - key: kubernetes.io/os
        operator: In
        values: ["linux"]
      - key: kubernetes.io/arch
        operator: In
        values: ["amd64"]
      - key: karpenter.sh/capacity-type
        operator: In
        values: ["on-demand"]
      expireAfter: Never
  limits:
    cpu: "$NODEPOOL_CPU_LIMIT"
    memory: "$NODEPOOL_MEMORY_LIMIT"
  disruption:
    consolidationPolicy: WhenEmpty
    consolidateAfter: "$CONSOLIDATE_AFTER"
    budgets:
    - nodes: "100%"
YAML
  log "NodePool default: limits cpu=$NODEPOOL_CPU_LIMIT memory=$NODEPOOL_MEMORY_LIMIT, empty nodes removed after $CONSOLIDATE_AFTER"
}

# Whether this `up` brings the real node: prints nothing and fails when it does not, saying
# why where the machine cannot run it.
real_node_wanted() {
  local reason
  [[ "$REAL_NODE" == off ]] && return 1
  if reason="$(bash "$CLUSTER_SCRIPT_DIR/real-node.sh" check)"; then return 0; fi
  [[ "$REAL_NODE" == on ]] && die "CLUSTER_REAL_NODE=on, but this machine cannot run the real node: $reason"
  log "real node: off, this machine cannot run it ($reason); every other part of the cluster runs"
  return 1
}

real_node_ready() {
  [[ "$(kubectl_cluster get node "$REAL_NODE_NAME" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]
}

# One `up` or `down` at a time per checkout; a second caller waits, then finds it up.
mkdir -p "$CLUSTER_DATA_DIR"
exec 8>"$CLUSTER_DATA_DIR/.lock"
flock 8

if [[ -f "$CLUSTER_BUILD_COMPLETE" && -f "$CLUSTER_KUBECONFIG" ]] && all_components_running \
  && apiserver_ready >/dev/null 2>&1; then
  log "cluster is already up (kubeconfig: $CLUSTER_KUBECONFIG)"
  apply_nodepool
  if real_node_wanted; then
    if real_node_ready; then
      bash "$CLUSTER_SCRIPT_DIR/real-node.sh" images
    else
      bash "$CLUSTER_SCRIPT_DIR/real-node.sh" start
    fi
  elif [[ -d "$NODE_DATA_DIR" ]]; then
    stop_real_node
    kubectl_cluster delete node "$REAL_NODE_NAME" --ignore-not-found >/dev/null
  fi
  exit 0
fi

# --- build ----------------------------------------------------------------------------

"$CLUSTER_SCRIPT_DIR/build.sh"
BIN="$CLUSTER_BIN_DIR"

# --- clean slate ----------------------------------------------------------------------
# A partly running cluster (a crash, a killed `up`) is stopped and started afresh: state
# is not carried over between runs, so every `up` gives the same empty cluster.

stop_all_components
rm -rf "$CLUSTER_DATA_DIR/etcd" "$CLUSTER_DATA_DIR/run" "$PKI" "$CONF" "$CLUSTER_KUBECONFIG"
mkdir -p "$CLUSTER_DATA_DIR"/{run,logs} "$PKI" "$CONF"
chmod 700 "$PKI"
rm -f "$CLUSTER_DATA_DIR"/logs/*.log

# On any failure from here on: stop what was started, keep the logs, say where they are.
on_exit() {
  local rc=$?
  if ((rc != 0)); then
    log "bringing the cluster up failed; stopping what was started (logs kept in $CLUSTER_DATA_DIR/logs)"
    stop_all_components
    rm -f "$CLUSTER_KUBECONFIG"
  fi
}
trap on_exit EXIT

# Every port the cluster listens on must be free before anything starts.
for port in "$ETCD_CLIENT_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" "$KCM_PORT" "$SCHEDULER_PORT" \
  "$KWOK_PORT" "$KARPENTER_METRICS_PORT" "$KARPENTER_HEALTH_PORT" "$KUBELET_PORT" "$KUBELET_HEALTHZ_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port 127.0.0.1:$port is already in use (another cluster? set CLUSTER_*_PORT, see lib.sh)"
  fi
done

# --- certificates and kubeconfigs -----------------------------------------------------
# A private CA per run. Components authenticate with client certificates; the controller
# manager and scheduler use the identities their bootstrap RBAC roles are bound to.

log "generating certificates"
openssl_quiet req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
  -subj "/CN=sumo-k8-local-ca" -keyout "$PKI/ca.key" -out "$PKI/ca.crt"
issue_cert apiserver "/CN=kube-apiserver" serverAuth \
  "IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1"
issue_cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
issue_cert admin "/O=system:masters/CN=sumo-k8-admin" clientAuth
issue_cert kube-controller-manager "/CN=system:kube-controller-manager" clientAuth
issue_cert kube-scheduler "/CN=system:kube-scheduler" clientAuth
issue_cert kwok "/O=system:masters/CN=kwok" clientAuth
issue_cert karpenter "/O=system:masters/CN=karpenter" clientAuth
issue_cert kwok-serving "/CN=kwok" serverAuth "IP:127.0.0.1,DNS:localhost"
issue_cert front-proxy-client "/CN=front-proxy-client" clientAuth
# Service account tokens are signed with their own key.
openssl_quiet ecparam -name prime256v1 -genkey -noout -out "$PKI/sa.key"
openssl_quiet ec -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub"
chmod 600 "$PKI"/*.key

# write_kubeconfig FILE USER: credentials embedded, so the file stands alone.
write_kubeconfig() {
  local file="$1" user="$2"
  cat >"$file" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: sumo-k8-local
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 <"$PKI/$user.crt")
    client-key-data: $(base64 -w0 <"$PKI/$user.key")
contexts:
- name: sumo-k8-local
  context:
    cluster: sumo-k8-local
    user: $user
current-context: sumo-k8-local
YAML
  chmod 600 "$file"
}
for user in admin kube-controller-manager kube-scheduler kwok karpenter; do
  write_kubeconfig "$CONF/$user.kubeconfig" "$user"
done
# Until the cluster is ready, the scripts use the admin kubeconfig from conf/; the public
# one is written last, so its presence means "the cluster came up".
kubectl_cluster() { "$BIN/kubectl" --kubeconfig "$CONF/admin.kubeconfig" "$@"; }

# --- kwok configuration: stages and fake logs -----------------------------------------

# Plausible output of the simulation runner (SUMO's lines with the runner's progress lines,
# packages/scenario/src/runner-contract.ts), in the CRI log format kwok serves through
# pods/log. More than 500 lines, so a reader keeping the last 500 sees a truncated log.
write_sumo_log() {
  awk 'BEGIN {
    ts = "2026-01-01T00:00:%02d.%09dZ stdout F "
    n = 0
    lines[n++] = "[sumo-runner] job e2e: bundle 5f1c0e9a2b7d verified, 3 files unpacked into /work/scenario"
    lines[n++] = "[sumo-runner] running sumo -c scenario/grid.sumocfg --end 3600"
    lines[n++] = "Loading net-file from '\''/work/scenario/grid.net.xml'\'' ... done (4ms)."
    lines[n++] = "Loading route-files incrementally from '\''/work/scenario/grid.rou.xml'\''"
    lines[n++] = "Loading done."
    lines[n++] = "Simulation version 1.28.0 started with time: 0.00."
    # The runner puts SUMO'\''s current step line and its own progress line in the log once a
    # second.
    for (s = 0; s < 360; s++) {
      t = s * 10
      tot = int(8 * s + 10); act = int(180 + 120 * sin(s / 20.0)); if (act > tot) act = tot
      lines[n++] = sprintf("Step #%d.00 (%dms ~= %.2f*RT, ~%d.00UPS, vehicles TOT %d ACT %d BUF %d)", \
        t, 2 + s % 7, 1000 / (2 + s % 7), act * 1000 / (2 + s % 7), tot, act, s % 5)
      lines[n++] = sprintf("[sumo-runner] progress time=%d.00 end=3600.00 (%.1f%%) vehicles inserted=%d running=%d waiting=%d", t, t / 36.0, tot, act, s % 5)
      if (s % 48 == 47) lines[n++] = sprintf("Warning: Teleporting vehicle '\''veh%d'\''; waited too long (jam), lane='\''e%d_0'\'', time=%d.00.", s * 3, s % 41, t)
    }
    lines[n++] = "Step #3599.00 (2ms ~= 500.00*RT, ~0.00UPS, vehicles TOT 2890 ACT 0 BUF 0)"
    lines[n++] = "[sumo-runner] progress time=3600.00 end=3600.00 (100.0%) vehicles inserted=2890 running=0 waiting=0"
    lines[n++] = "Simulation ended at time: 3600.00."
    lines[n++] = "Reason: The final simulation step has been reached."
    lines[n++] = "Performance:"
    lines[n++] = " Duration: 3.41s"
    lines[n++] = " Real time factor: 1055.72"
    lines[n++] = " UPS: 172140.762463"
    lines[n++] = "Vehicles:"
    lines[n++] = " Inserted: 2890"
    lines[n++] = " Running: 0"
    lines[n++] = " Waiting: 0"
    lines[n++] = " Teleports: 7 (Jam: 7)"
    lines[n++] = "Statistics (avg of 2890):"
    lines[n++] = " RouteLength: 2412.35"
    lines[n++] = " Speed: 9.87"
    lines[n++] = " Duration: 244.41"
    lines[n++] = " WaitingTime: 38.12"
    lines[n++] = " TimeLoss: 71.03"
    lines[n++] = " DepartDelay: 0.84"
    lines[n++] = "[sumo-runner] succeeded: 2890 vehicles inserted, 2890 arrived, 7 teleported, 0 collided in 3600 simulated seconds (3.41 s, 1055.7x real time)"
    for (i = 0; i < n; i++) printf(ts "%s\n", int(i / 1000) % 60, (i % 1000) * 1000000, lines[i])
  }' >"$CONF/sumo-output.log"
}
write_sumo_log

{
  cat "$CLUSTER_SCRIPT_DIR/kwok-stages.yaml"
  cat <<YAML
---
# Every container of every pod serves this SUMO output through pods/log.
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: sumo-output
spec:
  logs:
  - logsFile: $CONF/sumo-output.log
YAML
} >"$CONF/kwok.yaml"

# --- processes ------------------------------------------------------------------------

https_get() { curl -sS --fail-with-body --max-time 3 --cacert "$PKI/ca.crt" "$@"; }

log "starting etcd $ETCD_VERSION"
start_component etcd "$BIN/etcd" \
  --name=sumo-k8 \
  --data-dir="$CLUSTER_DATA_DIR/etcd" \
  --listen-client-urls="http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --advertise-client-urls="http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster="sumo-k8=http://127.0.0.1:$ETCD_PEER_PORT" \
  --unsafe-no-fsync=true \
  --auto-compaction-retention=1 \
  --quota-backend-bytes=$((2 * 1024 * 1024 * 1024)) \
  --log-level=warn
wait_ready etcd "/health" \
  sh -c "curl -fsS --max-time 3 http://127.0.0.1:$ETCD_CLIENT_PORT/health | grep -q '\"health\":\"true\"'"

log "starting kube-apiserver $K8S_VERSION"
# Default admission plugins (they include NamespaceLifecycle, LimitRanger, ServiceAccount,
# PodSecurity, ResourceQuota, ...) and NodeRestriction, which limits a kubelet to its own node
# and its pods; the Node authorizer and RBAC. Kubelets' serving certificates (kwok's and the
# real node's) are checked against the cluster's CA. The service IP range only names Service
# objects: nothing routes to it.
start_component kube-apiserver "$BIN/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --bind-address=127.0.0.1 \
  --advertise-address=127.0.0.1 \
  --secure-port="$APISERVER_PORT" \
  --tls-cert-file="$PKI/apiserver.crt" \
  --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --authorization-mode=Node,RBAC \
  --enable-admission-plugins=NodeRestriction \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" \
  --service-account-signing-key-file="$PKI/sa.key" \
  --service-cluster-ip-range=10.96.0.0/16 \
  --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
  --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority="$PKI/ca.crt" \
  --kubelet-preferred-address-types=InternalIP \
  --requestheader-client-ca-file="$PKI/ca.crt" \
  --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User \
  --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --proxy-client-cert-file="$PKI/front-proxy-client.crt" \
  --proxy-client-key-file="$PKI/front-proxy-client.key" \
  --endpoint-reconciler-type=none \
  --profiling=false \
  --v=1
wait_ready kube-apiserver "/readyz" \
  https_get --cert "$PKI/admin.crt" --key "$PKI/admin.key" "https://127.0.0.1:$APISERVER_PORT/readyz"

# Kubernetes' own client-side limits, raised for the control plane, Karpenter and the platform's
# benchmarks, so that what bench:scale measures is the platform and not these defaults: the
# controller-manager's (20 requests/s, burst 30) had Job pods created at its rate, whatever the
# platform asked. APF in the apiserver still orders what all clients send.
CLIENT_QPS=${CLUSTER_CLIENT_QPS:-1000}
CLIENT_BURST=${CLUSTER_CLIENT_BURST:-2000}

log "starting kube-controller-manager $K8S_VERSION"
start_component kube-controller-manager "$BIN/kube-controller-manager" \
  --kube-api-qps="$CLIENT_QPS" \
  --kube-api-burst="$CLIENT_BURST" \
  --concurrent-job-syncs=50 \
  --kubeconfig="$CONF/kube-controller-manager.kubeconfig" \
  --authentication-kubeconfig="$CONF/kube-controller-manager.kubeconfig" \
  --authorization-kubeconfig="$CONF/kube-controller-manager.kubeconfig" \
  --authorization-always-allow-paths=/healthz,/readyz,/livez \
  --bind-address=127.0.0.1 \
  --secure-port="$KCM_PORT" \
  --controllers='*' \
  --use-service-account-credentials=true \
  --service-account-private-key-file="$PKI/sa.key" \
  --root-ca-file="$PKI/ca.crt" \
  --cluster-signing-cert-file="$PKI/ca.crt" \
  --cluster-signing-key-file="$PKI/ca.key" \
  --leader-elect=false \
  --profiling=false \
  --v=1

log "starting kube-scheduler $K8S_VERSION"
start_component kube-scheduler "$BIN/kube-scheduler" \
  --kube-api-qps="$CLIENT_QPS" \
  --kube-api-burst="$CLIENT_BURST" \
  --kubeconfig="$CONF/kube-scheduler.kubeconfig" \
  --authentication-kubeconfig="$CONF/kube-scheduler.kubeconfig" \
  --authorization-kubeconfig="$CONF/kube-scheduler.kubeconfig" \
  --authorization-always-allow-paths=/healthz,/readyz,/livez \
  --bind-address=127.0.0.1 \
  --secure-port="$SCHEDULER_PORT" \
  --leader-elect=false \
  --profiling=false \
  --v=1

wait_ready kube-controller-manager "/healthz" curl -fsSk --max-time 3 "https://127.0.0.1:$KCM_PORT/healthz"
wait_ready kube-scheduler "/healthz" curl -fsSk --max-time 3 "https://127.0.0.1:$SCHEDULER_PORT/healthz"

log "starting kwok $KWOK_VERSION"
# kwok plays the kubelet of every node Karpenter's KWOK provider makes (they carry its label;
# the real node does not): node IP 127.0.0.1 and its own port, so the apiserver's pods/log
# requests reach it on loopback.
start_component kwok "$BIN/kwok" \
  --kubeconfig="$CONF/kwok.kubeconfig" \
  --config="$CONF/kwok.yaml" \
  --manage-all-nodes=false \
  --manage-nodes-with-label-selector=kwok.x-k8s.io/node=fake \
  --node-ip=127.0.0.1 \
  --node-port="$KWOK_PORT" \
  --server-address="127.0.0.1:$KWOK_PORT" \
  --tls-cert-file="$PKI/kwok-serving.crt" \
  --tls-private-key-file="$PKI/kwok-serving.key" \
  --node-lease-duration-seconds=40
wait_ready kwok "/healthz" https_get "https://127.0.0.1:$KWOK_PORT/healthz"

log "installing Karpenter $KARPENTER_VERSION CRDs and the NodePool"
kubectl_cluster apply --server-side --force-conflicts -f "$CLUSTER_BUILD_DIR/crds/" >/dev/null
kubectl_cluster wait --for=condition=Established --timeout="${READY_TIMEOUT}s" \
  -f "$CLUSTER_BUILD_DIR/crds/" >/dev/null
apply_nodepool

log "starting Karpenter $KARPENTER_VERSION (KWOK provider)"
# Outside the cluster, as one replica: no leader election. It provisions kwok nodes for
# pending pods and removes empty ones after the NodePool's consolidateAfter.
start_component karpenter env \
  KUBECONFIG="$CONF/karpenter.kubeconfig" \
  DISABLE_LEADER_ELECTION=true \
  METRICS_PORT="$KARPENTER_METRICS_PORT" \
  HEALTH_PROBE_PORT="$KARPENTER_HEALTH_PORT" \
  BATCH_IDLE_DURATION=1s \
  BATCH_MAX_DURATION=10s \
  KUBE_CLIENT_QPS="$CLIENT_QPS" \
  KUBE_CLIENT_BURST="$CLIENT_BURST" \
  LOG_LEVEL=info \
  "$BIN/karpenter-kwok"
wait_ready karpenter "/readyz" curl -fsS --max-time 3 "http://127.0.0.1:$KARPENTER_HEALTH_PORT/readyz"

# The cluster is usable once controllers have done their first work: the default
# ServiceAccount and the root CA ConfigMap exist in the default namespace.
wait_ready kube-controller-manager "default ServiceAccount and kube-root-ca.crt" \
  kubectl_cluster get serviceaccount/default configmap/kube-root-ca.crt -n default

if real_node_wanted; then
  bash "$CLUSTER_SCRIPT_DIR/real-node.sh" start
fi

write_kubeconfig "$CLUSTER_KUBECONFIG.tmp" admin
mv "$CLUSTER_KUBECONFIG.tmp" "$CLUSTER_KUBECONFIG"
trap - EXIT
log "cluster is up in $((SECONDS - started_at))s"
log "kubeconfig: $CLUSTER_KUBECONFIG"
log "  e.g. KUBECONFIG=$CLUSTER_KUBECONFIG $BIN/kubectl get nodes,nodepools"
