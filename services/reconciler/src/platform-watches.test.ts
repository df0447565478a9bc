import { randomUUID } from "node:crypto";
import { makeKubernetesJob, makePod } from "@sumo/kubernetes/testing";
import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import { FakeCluster } from "./fake-cluster.ts";
import { PlatformWatches } from "./platform-watches.ts";

// The watches' caches against Kubernetes in memory (fake-cluster.ts): a deletion the watch
// missed is found by the resyncs' lists, and what the caches hold goes with it.
function watchesOf(cluster: FakeCluster) {
  const restarts: string[] = [];
  const watches = new PlatformWatches({
    informers: cluster.informers,
    logger: pino({ level: "silent" }),
    onChange: () => {},
    onRestart: (reason) => restarts.push(reason),
    restartDelayMs: 10,
    deletedJobMemoryMs: 60_000,
  });
  return { watches, restarts };
}

async function listed(cluster: FakeCluster) {
  const [jobs, pods] = await Promise.all([
    cluster.api.batch.listJobForAllNamespaces({}),
    cluster.api.core.listPodForAllNamespaces({}),
  ]);
  return { jobs: jobs.items, pods: pods.items };
}

function jobsIn(cluster: FakeCluster, count: number): string[] {
  const ids = Array.from({ length: count }, () => randomUUID());
  for (const id of ids) {
    cluster.putJob(makeKubernetesJob(id, { conditions: [{ type: "Complete" }] }));
    cluster.putPod(makePod(id, "Succeeded"));
  }
  return ids;
}

describe("PlatformWatches", () => {
  it("restarts with new caches when they still hold objects Kubernetes deleted at two resyncs", async () => {
    const cluster = new FakeCluster();
    const ids = jobsIn(cluster, 25);
    const { watches, restarts } = watchesOf(cluster);
    await watches.start();
    expect(watches.held()).toMatchObject({ cachedJobs: 25, cachedPods: 25 });

    for (const id of ids) cluster.deleteJobObjects(id, { unseen: true });
    watches.checkAgainst(await listed(cluster));
    // Once may be a deletion on its way to the watch.
    expect(restarts).toEqual([]);
    watches.checkAgainst(await listed(cluster));
    expect(restarts).toEqual(["stalled"]);
    await vi.waitFor(() =>
      expect(watches.held()).toEqual({ deletedJobs: 0, cachedJobs: 0, cachedPods: 0 }),
    );
    await watches.stop();
  });

  it("does not restart for objects made after the list was taken", async () => {
    const cluster = new FakeCluster();
    const { watches, restarts } = watchesOf(cluster);
    await watches.start();
    const before = await listed(cluster);
    jobsIn(cluster, 3);
    watches.checkAgainst(before);
    watches.checkAgainst(await listed(cluster));
    expect(restarts).toEqual([]);
    await watches.stop();
  });

  it("remembers a deleted Job's last state until its job is forgotten", async () => {
    const cluster = new FakeCluster();
    const [id = ""] = jobsIn(cluster, 1);
    const { watches } = watchesOf(cluster);
    await watches.start();
    cluster.deleteJobObjects(id);
    expect(watches.deletedJob(id)?.metadata?.labels).toBeDefined();
    expect(watches.held()).toEqual({ deletedJobs: 1, cachedJobs: 0, cachedPods: 0 });
    watches.forgetDeletedJob(id);
    expect(watches.held()).toEqual({ deletedJobs: 0, cachedJobs: 0, cachedPods: 0 });
    await watches.stop();
  });
});
