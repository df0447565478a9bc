// The cluster's nodes: status, what their pods request against what they can hold as bars, pod
// count, age and Karpenter's labels; and the cluster's totals.
import type { AdminSchemas } from "@sumo/api-client";
import { call } from "../../shared/api-call.ts";
import { Freshness, Loading, PageHeader, UsageBar } from "../../shared/components.tsx";
import { formatDuration, secondsBetween } from "../../shared/format.ts";
import { usePolled } from "../../shared/use-polled.ts";
import { useSession } from "../session.ts";

const REFRESH_MS = 5000;

type Node = AdminSchemas["Node"];

export default function Nodes() {
  const { client } = useSession();
  const nodes = usePolled(
    (signal) => call(client.GET("/admin/nodes", { signal })),
    () => REFRESH_MS,
    [client],
  );
  return (
    <>
      <PageHeader title="Nodes" />
      <Freshness updatedAt={nodes.updatedAt} error={nodes.error} />
      {!nodes.data ? (
        <Loading what="nodes" />
      ) : (
        <>
          <ClusterTotals nodes={nodes.data.nodes} />
          <NodesTable nodes={nodes.data.nodes} />
        </>
      )}
    </>
  );
}

function ClusterTotals({ nodes }: { nodes: Node[] }) {
  const sum = (of: (node: Node) => number) => nodes.reduce((total, node) => total + of(node), 0);
  const ready = nodes.filter((node) => node.status === "Ready").length;
  return (
    <section class="card" aria-labelledby="totals-heading">
      <h2 id="totals-heading">The cluster</h2>
      <p>
        {nodes.length} nodes, {ready} ready
      </p>
      <div class="grid">
        <div>
          <strong class="small">CPU requested</strong>
          <UsageBar
            label="Cluster CPU requested"
            value={sum((node) => node.allocated.cpu)}
            max={sum((node) => node.allocatable.cpu)}
            unit="cores"
          />
        </div>
        <div>
          <strong class="small">Memory requested</strong>
          <UsageBar
            label="Cluster memory requested"
            value={sum((node) => node.allocated.memory_gi)}
            max={sum((node) => node.allocatable.memory_gi)}
            unit="GiB"
          />
        </div>
        <div>
          <strong class="small">Pods</strong>
          <UsageBar
            label="Cluster pods"
            value={sum((node) => node.pod_count)}
            max={sum((node) => node.allocatable.pods)}
            unit="pods"
          />
        </div>
      </div>
    </section>
  );
}

function NodesTable({ nodes }: { nodes: Node[] }) {
  return (
    <div class="table-scroll">
      <table class="nodes">
        <caption class="muted small">
          Each node: its pods' requests against what it can allocate (of its capacity)
        </caption>
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">Status</th>
            <th scope="col">CPU</th>
            <th scope="col">Memory</th>
            <th scope="col">Pods</th>
            <th scope="col">Age</th>
            <th scope="col">Karpenter</th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((node) => (
            <tr key={node.name}>
              <th scope="row">
                <code>{node.name}</code>
              </th>
              <td>
                {node.status}
                {node.unschedulable && <span class="muted"> (cordoned)</span>}
              </td>
              <td>
                <UsageBar
                  label={`${node.name} CPU requested`}
                  value={node.allocated.cpu}
                  max={node.allocatable.cpu}
                  unit="cores"
                />
                <span class="muted small">capacity {node.capacity.cpu}</span>
              </td>
              <td>
                <UsageBar
                  label={`${node.name} memory requested`}
                  value={node.allocated.memory_gi}
                  max={node.allocatable.memory_gi}
                  unit="GiB"
                />
                <span class="muted small">capacity {node.capacity.memory_gi.toFixed(1)} GiB</span>
              </td>
              <td class="number">
                {node.pod_count} <span class="muted small">of {node.allocatable.pods}</span>
              </td>
              <td>{node.created_at ? formatDuration(secondsBetween(node.created_at)) : "–"}</td>
              <td class="small">
                <KarpenterLabels labels={node.karpenter} />
              </td>
            </tr>
          ))}
          {nodes.length === 0 && (
            <tr>
              <td colSpan={7} class="muted">
                No nodes.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

function KarpenterLabels({ labels }: { labels: Node["karpenter"] }) {
  const entries = [
    ["NodePool", labels.nodepool],
    ["capacity", labels.capacity_type],
    ["instance", labels.instance_type],
    ["zone", labels.zone],
  ].filter((entry): entry is [string, string] => entry[1] !== null);
  if (entries.length === 0) return <span class="muted">not Karpenter's</span>;
  return (
    <ul class="labels">
      {entries.map(([name, value]) => (
        <li key={name}>
          {name} <code>{value}</code>
        </li>
      ))}
    </ul>
  );
}
