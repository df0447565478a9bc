import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { makeKubernetesJob } from "@sumo/kubernetes/testing";
import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import { type CachedInformer, PlatformWatches } from "./platform-watches.ts";

// What the watches make of the events their informers hand them. The informers here replay
// events a test chooses (the client library's informer interface, with nothing behind it);
// what the real watches see of a real cluster is the end-to-end suite's.

/**
 * An informer that hands its listeners the events `emit` gives it, and caches what they leave:
 * as the client's informer, the last state of each object not deleted, by namespace and name.
 */
function replayingInformer<T extends { metadata?: { name?: string; namespace?: string } }>() {
  const listeners = new Map<string, ((object: T) => void)[]>();
  const cache = new Map<string, T>();
  const key = (name: string | undefined, namespace: string | undefined) => `${namespace}/${name}`;
  let starts = 0;
  const informer = {
    on(verb: string, listener: (object: T) => void) {
      listeners.set(verb, [...(listeners.get(verb) ?? []), listener]);
    },
    off() {},
    start: async () => {
      starts++;
    },
    stop: async () => {},
    list: () => [...cache.values()],
    get: (name: string, namespace?: string) => cache.get(key(name, namespace)),
  };
  return {
    informer: informer as unknown as CachedInformer<T>,
    emit(verb: "add" | "update" | "delete", object: T) {
      for (const listener of listeners.get(verb) ?? []) listener(object);
      const at = key(object.metadata?.name, object.metadata?.namespace);
      if (verb === "delete") cache.delete(at);
      else cache.set(at, object);
    },
    /** How many times the watch was started. */
    starts: () => starts,
  };
}

async function startedWatches() {
  const jobs = replayingInformer<V1Job>();
  const pods = replayingInformer<V1Pod>();
  const changed: string[] = [];
  const restarts: string[] = [];
  const watches = new PlatformWatches({
    informers: { jobs: () => jobs.informer, pods: () => pods.informer },
    logger: pino({ level: "silent" }),
    onChange: (jobId) => changed.push(jobId),
    onRestart: (reason) => restarts.push(reason),
    restartDelayMs: 10,
    deletedJobMemoryMs: 60_000,
  });
  await watches.start();
  return { watches, jobs, pods, changed, restarts };
}

/** A deleted Job of `jobId` in `namespace`, its verdict Failed. */
function deletedJob(jobId: string, namespace: string, name?: string): V1Job {
  const job = makeKubernetesJob(jobId, { conditions: [{ type: "Failed", reason: "Planted" }] });
  return { ...job, metadata: { ...job.metadata, namespace, ...(name && { name }) } };
}

describe("a deleted Job's last state", () => {
  const jobId = "01a24ed8-4c1c-72cc-8b5b-a1fafd48af6b";
  const tenantNamespace = "sumo-tenant-a";

  it("counts for the job only in its tenant namespace and under its name", async () => {
    const { watches, jobs } = await startedWatches();
    // Labelled as the job's, but elsewhere, or under another name: not the job's.
    jobs.emit("delete", deletedJob(jobId, "sumo-tenant-b"));
    jobs.emit("delete", deletedJob(jobId, "default"));
    jobs.emit("delete", deletedJob(jobId, tenantNamespace, "another-name"));
    expect(watches.cached(jobId, tenantNamespace).deletedJob).toBeUndefined();
    expect(watches.held().deletedJobs).toBe(2);

    const own = deletedJob(jobId, tenantNamespace);
    jobs.emit("delete", own);
    expect(watches.cached(jobId, tenantNamespace).deletedJob).toBe(own);
    // One planted elsewhere afterwards does not replace it.
    jobs.emit("delete", deletedJob(jobId, "sumo-tenant-b"));
    expect(watches.cached(jobId, tenantNamespace).deletedJob).toBe(own);

    watches.forgetDeletedJob(jobId, tenantNamespace);
    expect(watches.cached(jobId, tenantNamespace).deletedJob).toBeUndefined();
    await watches.stop();
  });
});

describe("what the watches keep of an object", () => {
  it("is its metadata and status: the spec and managedFields are dropped before anyone sees it", async () => {
    const { watches, jobs, pods } = await startedWatches();
    const jobId = "01a24ed8-4c1c-72cc-8b5b-a1fafd48af6c";
    const job = makeKubernetesJob(jobId, { conditions: [{ type: "Complete", reason: "Done" }] });
    job.metadata = { ...job.metadata, managedFields: [{ manager: "kube-controller-manager" }] };
    job.spec = { template: { spec: { containers: [{ name: "simulation" }] } } };
    const pod: V1Pod = {
      metadata: {
        name: "p",
        labels: { ...job.metadata.labels },
        managedFields: [{ manager: "kwok" }],
      },
      spec: { containers: [{ name: "simulation", image: "sumo" }] },
      status: { phase: "Succeeded" },
    };
    expect(job.spec).toBeDefined();
    jobs.emit("add", job);
    pods.emit("update", pod);
    expect(job.spec).toBeUndefined();
    expect(job.metadata.managedFields).toBeUndefined();
    expect(job.status?.conditions?.[0]?.type).toBe("Complete");
    expect(job.metadata.labels).toEqual(makeKubernetesJob(jobId).metadata?.labels);
    expect(pod.spec).toBeUndefined();
    expect(pod.metadata?.managedFields).toBeUndefined();
    expect(pod.status?.phase).toBe("Succeeded");
    await watches.stop();
  });
});

describe("the check of the caches against a list", () => {
  const jobId = "01a24ed8-4c1c-72cc-8b5b-a1fafd48af6d";
  const pod = (resourceVersion: string): V1Pod => ({
    metadata: {
      name: "p",
      namespace: "sumo-tenant-a",
      resourceVersion,
      labels: { "sumo-k8.dev/job-id": jobId },
    },
  });
  const listing = (...pods: V1Pod[]) => ({ jobs: [], pods: pods.map((p) => p.metadata ?? {}) });

  it("leaves watches alone that caught up by the next resync", async () => {
    const { watches, pods, restarts } = await startedWatches();
    pods.emit("add", pod("5"));
    watches.checkAgainst(listing(pod("5")));
    // Listed newer than the cache: the watch may just not have delivered it yet.
    watches.checkAgainst(listing(pod("6")));
    pods.emit("update", pod("6"));
    watches.checkAgainst(listing(pod("7")));
    pods.emit("update", pod("7"));
    watches.checkAgainst(listing(pod("7")));
    expect(restarts).toEqual([]);
    expect(pods.starts()).toBe(1);
    await watches.stop();
  });

  it("restarts the watches when the cache lacks the same listed version at two resyncs", async () => {
    const { watches, pods, restarts } = await startedWatches();
    pods.emit("add", pod("5"));
    watches.checkAgainst(listing(pod("6")));
    expect(restarts).toEqual([]);
    watches.checkAgainst(listing(pod("6")));
    expect(restarts).toEqual(["stalled"]);
    await vi.waitFor(() => expect(pods.starts()).toBe(2));
    await watches.stop();
  });

  it("restarts the watches when the cache holds what two lists in a row no longer have", async () => {
    const { watches, pods, restarts } = await startedWatches();
    pods.emit("add", pod("5"));
    watches.checkAgainst(listing());
    watches.checkAgainst(listing());
    expect(restarts).toEqual(["stalled"]);
    await watches.stop();
  });
});
