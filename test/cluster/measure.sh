#!/usr/bin/env bash
# Measures the local cluster and prints the figures:
#   cold build      the build from source: the time recorded when this machine's cache was
#                   built, or with --cold a fresh build into throwaway caches (build, Go
#                   build and Go module caches all empty, as on a new machine; ~10 min), and
#                   where the machine runs the real node, its parts and images after it
#                   (pnpm bench:node measures the real node's start and pod start latency)
#   warm start      down, then up with the build cached
#   pending -> node Ready   a Job created with no nodes until Karpenter's node is Ready
#                   (polled with kubectl, ~0.2 s resolution)
#   pending -> pod Running  the same pod until kwok reports it Running
#   empty -> removed        the node's last pod deleted until Karpenter deleted the node
#                   (the NodePool's consolidateAfter plus Karpenter's own validation)
#
# Restarts the cluster (the warm start) and leaves it up. CLUSTER_CONSOLIDATE_AFTER applies
# as for up.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
figures=()
record() { figures+=("$(printf '%-26s %s' "$1" "$2")"); log "$1: $2"; }

# poll_until DEADLINE_SECONDS DESCRIPTION COMMAND...: runs COMMAND every 0.2 s until it
# succeeds; on timeout prints the last output and fails.
poll_until() {
  local timeout="$1" what="$2"; shift 2
  local deadline=$((SECONDS + timeout)) out=""
  until out="$("$@" 2>&1)"; do
    if ((SECONDS >= deadline)); then
      log "timed out after ${timeout}s waiting for $what; last seen: ${out:0:600}"
      exit 1
    fi
    sleep 0.2
  done
}

# --- cold build -----------------------------------------------------------------------
if [[ "${1:-}" == "--cold" ]]; then
  # As on a fresh machine: empty build cache, empty Go build cache, empty module cache.
  scratch="$(mktemp -d)"
  remove_scratch() { chmod -R u+w "$scratch" 2>/dev/null; rm -rf "$scratch"; }
  trap remove_scratch EXIT
  log "cold build into $scratch (empty build, Go build and module caches)"
  t0=$(now)
  XDG_CACHE_HOME="$scratch/cache" GOCACHE="$scratch/go-build" GOMODCACHE="$scratch/mod" \
    "$CLUSTER_SCRIPT_DIR/build.sh"
  record "cold build" "$(elapsed "$t0" "$(now)") s (measured now, --cold: downloads included)"
  if bash "$CLUSTER_SCRIPT_DIR/real-node.sh" check >/dev/null; then
    # The real node's parts after the control plane's, as up builds them, sharing its caches.
    t0=$(now)
    XDG_CACHE_HOME="$scratch/cache" GOCACHE="$scratch/go-build" GOMODCACHE="$scratch/mod" \
      "$CLUSTER_SCRIPT_DIR/build.sh" node
    record "cold build, real node" "$(elapsed "$t0" "$(now)") s (kubelet, containerd, runc, CNI plugins)"
    t0=$(now)
    XDG_CACHE_HOME="$scratch/cache" GOCACHE="$scratch/go-build" GOMODCACHE="$scratch/mod" \
      "$REPO_ROOT/images/pause/build-image.sh" >/dev/null
    XDG_CACHE_HOME="$scratch/cache" "$REPO_ROOT/images/simulation/build-image.sh" >/dev/null
    record "cold build, images" "$(elapsed "$t0" "$(now)") s (pause, simulation)"
  fi
  remove_scratch
  trap - EXIT
else
  if [[ -f "$CLUSTER_BUILD_DIR/build-seconds" ]]; then
    record "cold build" "$(<"$CLUSTER_BUILD_DIR/build-seconds") s (recorded by build.sh on $(cut -dT -f1 <"$CLUSTER_BUILD_COMPLETE"))"
  fi
  if [[ -f "$NODE_BUILD_DIR/build-seconds" ]]; then
    record "cold build, real node" "$(<"$NODE_BUILD_DIR/build-seconds") s (recorded by build.sh node on $(cut -dT -f1 <"$NODE_BUILD_COMPLETE"))"
  fi
fi

# --- warm start -----------------------------------------------------------------------
"$CLUSTER_SCRIPT_DIR/build.sh"
"$CLUSTER_SCRIPT_DIR/down.sh"
t0=$(now)
"$CLUSTER_SCRIPT_DIR/up.sh"
record "warm start (up)" "$(elapsed "$t0" "$(now)") s"

# --- pending pod -> node ---------------------------------------------------------------
k() { kubectl_cluster "$@"; }
ns="measure-$(date +%s)"
k create namespace "$ns" >/dev/null
trap 'k delete namespace "$ns" --wait=false >/dev/null 2>&1 || true' EXIT

consolidate_after="$(k get nodepool default -o jsonpath='{.spec.disruption.consolidateAfter}')"
existing="$(k get nodes -l karpenter.sh/nodepool -o name)"
[[ -z "$existing" ]] || log "note: Karpenter nodes already exist ($existing); the pod may land on one"

t_created=$(now)
k apply -f - >/dev/null <<YAML
apiVersion: batch/v1
kind: Job
metadata:
  name: measure
  namespace: $ns
spec:
  backoffLimit: 0
  ttlSecondsAfterFinished: 0
  template:
    metadata:
      annotations:
        sim.sumo-k8.dev/run-seconds: "2"
    spec:
      restartPolicy: Never
      containers:
      - name: sumo
        image: sumo:placeholder
        resources:
          requests: {cpu: 500m, memory: 256Mi}
YAML

job_pod() { k get pods -n "$ns" -l batch.kubernetes.io/job-name=measure -o jsonpath="{.items[0].$1}"; }
pod_bound() { [[ -n "$(job_pod spec.nodeName)" ]]; }
pod_running() { [[ "$(job_pod status.phase)" =~ ^(Running|Succeeded)$ ]]; }
pods_gone() { [[ -z "$(k get pods -n "$ns" -o name)" ]]; }
node_gone() { ! k get node "$node" >/dev/null 2>&1; }
# Seconds of a Go duration such as "60s", "1m30s" or "2m".
go_duration_seconds() {
  echo "$1" | awk '{ t = 0; s = $0
    while (match(s, /^[0-9.]+(ms|h|m|s)/)) {
      part = substr(s, 1, RLENGTH); s = substr(s, RLENGTH + 1)
      n = part + 0; unit = part; sub(/^[0-9.]+/, "", unit)
      t += (unit == "h" ? n * 3600 : unit == "m" ? n * 60 : unit == "s" ? n : n / 1000)
    }
    printf "%d", t }'
}

node_ready() {
  local ready
  ready="$(k get nodes -l karpenter.sh/nodepool \
    -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}')" || return 1
  grep -qx True <<<"$ready"
}
poll_until 90 "a Karpenter node to be Ready" node_ready
record "pending -> node Ready" "$(elapsed "$t_created" "$(now)") s"
poll_until 60 "the pod to be bound to a node" pod_bound
node="$(job_pod spec.nodeName)"
poll_until 60 "the pod to run" pod_running
record "pending -> pod Running" "$(elapsed "$t_created" "$(now)") s"

# --- empty node -> removed ------------------------------------------------------------
poll_until 120 "the Job's pod to be deleted (ttlSecondsAfterFinished: 0)" pods_gone
t_empty=$(now)
poll_until $(($(go_duration_seconds "$consolidate_after") + 180)) "Karpenter to remove node $node" node_gone
record "empty -> removed" "$(elapsed "$t_empty" "$(now)") s (consolidateAfter $consolidate_after)"

echo
echo "Local cluster figures ($(nproc) cores; kubernetes $K8S_VERSION, karpenter $KARPENTER_VERSION, kwok $KWOK_VERSION):"
printf '  %s\n' "${figures[@]}"
