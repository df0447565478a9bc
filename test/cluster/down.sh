#!/usr/bin/env bash
# Takes this checkout's local cluster down: stops every component (SIGTERM, then SIGKILL
# after a grace period), including strays whose pid files were lost, and the real node with
# every container it ran (its cgroups removed), and deletes the cluster's state (etcd data,
# certificates, kubeconfig, the real node's folders). Logs stay in .data/cluster/logs/
# for inspection. The build cache is left alone. Safe to run when nothing is up.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ ! -d "$CLUSTER_DATA_DIR" ]]; then
  log "cluster is not up (no $CLUSTER_DATA_DIR)"
  exit 0
fi
exec 8>"$CLUSTER_DATA_DIR/.lock"
flock 8
stop_all_components
rm -rf "$CLUSTER_DATA_DIR/etcd" "$CLUSTER_DATA_DIR/run" "$CLUSTER_DATA_DIR/pki" \
  "$CLUSTER_DATA_DIR/conf" "$CLUSTER_KUBECONFIG" "$CLUSTER_KUBECONFIG.tmp"
log "cluster is down (logs kept in $CLUSTER_DATA_DIR/logs)"
