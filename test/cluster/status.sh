#!/usr/bin/env bash
# Shows whether this checkout's local cluster is up: each component's process, the
# apiserver's readiness, the real node, and the nodes, NodePool and NodeClaims Karpenter
# manages.
# Exits 0 when every component runs and the apiserver is ready, 1 otherwise.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

echo "versions:   kubernetes $K8S_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION, karpenter $KARPENTER_VERSION"
if [[ -f "$CLUSTER_BUILD_COMPLETE" ]]; then
  echo "build:      $CLUSTER_BIN_DIR"
else
  echo "build:      not built yet (up builds it)"
fi

running=0
for name in "${CLUSTER_COMPONENTS[@]}"; do
  if pid="$(component_pid "$name")"; then
    printf '  %-24s running (pid %s)\n' "$name" "$pid"
    running=$((running + 1))
  elif [[ -s "$(pid_file "$name")" ]]; then
    printf '  %-24s NOT running (stale pid file %s)\n' "$name" "$(pid_file "$name")"
  else
    printf '  %-24s not running\n' "$name"
  fi
done

ready=false
if [[ -f "$CLUSTER_KUBECONFIG" ]] && ((running > 0)) \
  && out="$(kubectl_cluster get --raw /readyz 2>&1)" && [[ "$out" == ok ]]; then
  ready=true
fi

if ((running == ${#CLUSTER_COMPONENTS[@]})) && $ready; then
  echo "state:      UP"
  if [[ -d "$NODE_DATA_DIR" ]]; then
    node_ready="$(kubectl_cluster get node "$REAL_NODE_NAME" \
      -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)"
    echo "real node:  $REAL_NODE_NAME, Ready: ${node_ready:-not registered} (kubelet $K8S_VERSION, containerd $CONTAINERD_VERSION, runc $RUNC_VERSION)"
    bash "$CLUSTER_SCRIPT_DIR/real-node.sh" status
  else
    echo "real node:  off (CLUSTER_REAL_NODE, see real-node.sh)"
  fi
  echo "kubeconfig: $CLUSTER_KUBECONFIG"
  echo
  kubectl_cluster get nodepools,nodeclaims,nodes -o wide 2>&1 | sed 's/^/  /'
  exit 0
elif ((running == 0)); then
  echo "state:      DOWN"
else
  echo "state:      PARTLY UP ($running of ${#CLUSTER_COMPONENTS[@]} components running, apiserver ready: $ready)"
  echo "            logs: $CLUSTER_DATA_DIR/logs/; 'up' restarts it cleanly, 'down' stops it"
fi
exit 1
