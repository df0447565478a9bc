import type { V1ContainerState, V1Job, V1JobCondition, V1Pod } from "@kubernetes/client-node";
import { SIMULATION_CONTAINER } from "@sumo/kubernetes";
import {
  makeKubernetesJob,
  makePod,
  runningContainer,
  terminatedContainer,
} from "@sumo/kubernetes/testing";
import { failedRunMessage, makeRunSummary, succeededRunMessage } from "@sumo/scenario/testing";
import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import { decisionInputs } from "./decide-job-sync.ts";
import { deriveJobStatus } from "./derive-job-status.ts";
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
  const jobId = "01a24ed8-4c1c-72cc-8b5b-a1fafd48af6c";
  const T = (second: number) => new Date(Date.UTC(2026, 10, 26, 11, 0, second));

  /** A Job as a watch brings it: spec, managedFields and the controller's counts included. */
  function fullJob(...conditions: Partial<V1JobCondition>[]): V1Job {
    const job = makeKubernetesJob(jobId, {
      conditions: conditions.map((c) => ({ lastTransitionTime: T(9), message: "m", ...c })),
    });
    job.metadata = {
      ...job.metadata,
      uid: "5f0c1c0e-0000-4000-8000-000000000001",
      creationTimestamp: T(0),
      annotations: { "batch.kubernetes.io/job-tracking": "" },
      managedFields: [{ manager: "kube-controller-manager", operation: "Update" }],
    };
    job.spec = { template: { spec: { containers: [{ name: "simulation", image: "sumo" }] } } };
    job.status = { ...job.status, startTime: T(1), active: 1, ready: 1, terminating: 0 };
    return job;
  }

  /** A pod as a watch brings it, in `phase`, its container in `container`. */
  function fullPod(
    phase: "Pending" | "Running" | "Succeeded" | "Failed",
    container?: V1ContainerState,
    options: { disrupted?: boolean; name?: string; createdAt?: Date } = {},
  ): V1Pod {
    const { name, createdAt } = options;
    const pod = makePod(jobId, phase, { container, startTime: T(1), name, createdAt });
    pod.metadata = {
      ...pod.metadata,
      generateName: "sim-",
      uid: "5f0c1c0e-0000-4000-8000-000000000002",
      ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "sim", uid: "u" }],
      finalizers: ["batch.kubernetes.io/job-tracking"],
      managedFields: [{ manager: "kubelet", operation: "Update" }],
    };
    pod.spec = { containers: [{ name: "simulation", image: "sumo" }], nodeName: "node-1" };
    pod.status = {
      ...pod.status,
      hostIP: "10.0.0.1",
      podIP: "10.244.0.7",
      podIPs: [{ ip: "10.244.0.7" }],
      qosClass: "Guaranteed",
      conditions: [
        { type: "PodScheduled", status: "True", lastTransitionTime: T(0) },
        { type: "Ready", status: phase === "Running" ? "True" : "False" },
        ...(options.disrupted ? [{ type: "DisruptionTarget", status: "True", reason: "x" }] : []),
      ],
    };
    for (const status of pod.status.containerStatuses ?? []) {
      status.containerID = "containerd://0123456789abcdef";
      status.imageID = "sha256:0123456789abcdef";
    }
    return pod;
  }

  const summary = makeRunSummary();
  const cases: [string, V1Job, V1Pod[]][] = [
    ["waiting for a node", fullJob(), [fullPod("Pending")]],
    ["running", fullJob(), [fullPod("Running", runningContainer(T(2)))]],
    [
      "succeeded, with the runner's report",
      fullJob({ type: "Complete" }),
      [
        fullPod(
          "Succeeded",
          terminatedContainer(0, "Completed", T(2), T(9), succeededRunMessage(summary)),
        ),
      ],
    ],
    [
      "killed for its memory",
      fullJob({ type: "Failed", reason: "BackoffLimitExceeded" }),
      [fullPod("Failed", terminatedContainer(137, "OOMKilled", T(2), T(9)))],
    ],
    [
      "taken away, not yet replaced",
      fullJob(),
      [fullPod("Failed", terminatedContainer(143, "Error", T(2), T(5)), { disrupted: true })],
    ],
    [
      "taken away and replaced",
      fullJob(),
      [
        fullPod("Failed", terminatedContainer(143, "Error", T(2), T(5)), { disrupted: true }),
        fullPod("Running", runningContainer(T(7)), { name: "second", createdAt: T(6) }),
      ],
    ],
    [
      "past its deadline",
      fullJob({ type: "Failed", reason: "DeadlineExceeded" }),
      [
        fullPod(
          "Failed",
          terminatedContainer(0, "Error", T(2), T(9), failedRunMessage("interrupted", "SIGTERM")),
        ),
      ],
    ],
  ];

  it.each(cases)("is all its decisions read, for a job %s", async (_, job, jobPods) => {
    const { watches, jobs, pods } = await startedWatches();
    const asSent = structuredClone({ job, pods: jobPods });
    const now = new Date();
    jobs.emit("add", job);
    for (const pod of jobPods) pods.emit("update", pod);
    const cached = watches.cached(jobId, "sumo-tenant-test");
    expect(cached.job).toBe(job);
    expect(decisionInputs(jobId, cached, now)).toEqual(
      decisionInputs(jobId, { ...cached, job: asSent.job, pods: asSent.pods }, now),
    );
    expect(deriveJobStatus(jobId, cached.job, cached.pods, now)).toEqual(
      deriveJobStatus(jobId, asSent.job, asSent.pods, now),
    );
    await watches.stop();
  });

  it("and nothing else: no spec, managedFields, owners, addresses or images", async () => {
    const { watches, jobs, pods } = await startedWatches();
    const job = fullJob({ type: "Complete" });
    const pod = fullPod("Running", runningContainer(T(2)), { disrupted: true });
    jobs.emit("add", job);
    pods.emit("update", pod);
    expect(job).toEqual({
      metadata: {
        name: makeKubernetesJob(jobId).metadata?.name,
        namespace: "sumo-tenant-test",
        labels: makeKubernetesJob(jobId).metadata?.labels,
        resourceVersion: "1",
        creationTimestamp: T(0),
      },
      status: { conditions: job.status?.conditions, startTime: T(1), completionTime: undefined },
    });
    expect(pod.spec).toBeUndefined();
    expect(Object.keys(pod.metadata ?? {}).sort()).toEqual(
      ["creationTimestamp", "labels", "name", "namespace", "resourceVersion"].sort(),
    );
    expect(pod.status?.conditions?.map((c) => c.type)).toEqual(["DisruptionTarget"]);
    expect(pod.status?.containerStatuses).toEqual([
      { name: SIMULATION_CONTAINER, state: runningContainer(T(2)) },
    ]);
    expect(JSON.stringify(pod)).not.toMatch(/10\.244|10\.0\.0|Guaranteed|sha256|containerd/);
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
