// The reconciler's resync lists every platform Job and pod, metadata only (listPlatformMetadata):
// the real apiserver answers a PartialObjectMetadataList, and client-node reads it into the
// names, labels and resource versions the resync compares with its watch caches; only these are
// kept, and a list longer than a page is read to its end.
import { randomBytes } from "node:crypto";
import { BatchV1Api, CoreV1Api } from "@kubernetes/client-node";
import { JOB_ID_LABEL, jobLabels, listPlatformMetadata, loadKubeConfig } from "@sumo/kubernetes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const kc = loadKubeConfig({ kubeconfigPath: process.env.KUBECONFIG });
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const namespace = `metadata-test-${randomBytes(3).toString("hex")}`;
const jobId = "01a24ed8-4c1c-72cc-8b5b-a1fafd48af70";
const labels = jobLabels("01a24ed8-4c1c-72cc-8b5b-a1fafd48af71", jobId);

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});
afterAll(async () => {
  await core.deleteNamespace({ name: namespace });
});

describe("listPlatformMetadata", () => {
  it("lists every platform Job and pod with the labels and resource version the apiserver has", async () => {
    const container = { name: "sumo", image: "registry.invalid/sumo:none" };
    // Suspended, and the pod bound to a node that does not exist: nothing runs or schedules.
    await batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: `sim-${jobId}`, labels },
        spec: {
          suspend: true,
          template: {
            metadata: { labels },
            spec: { restartPolicy: "Never", containers: [container] },
          },
        },
      },
    });
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: `sim-${jobId}-pod`, labels },
        spec: { nodeName: "no-such-node", containers: [container] },
      },
    });
    // An object of the namespace without the platform's labels is not listed.
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: "other" } } });
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: "not-ours" },
        spec: { nodeName: "no-such-node", containers: [container] },
      },
    });

    const listed = await listPlatformMetadata({ batch, core });
    const job = await batch.readNamespacedJob({ name: `sim-${jobId}`, namespace });
    const pod = await core.readNamespacedPod({ name: `sim-${jobId}-pod`, namespace });
    const ours = (items: typeof listed.jobs) => items.filter((m) => m.namespace === namespace);
    expect(job.metadata?.labels).toMatchObject(labels);
    // Exactly these: not the objects' managedFields, which the apiserver sends too.
    expect(job.metadata?.managedFields?.length).toBeGreaterThan(0);
    expect(ours(listed.jobs)).toEqual([
      {
        name: `sim-${jobId}`,
        namespace,
        labels: job.metadata?.labels,
        resourceVersion: job.metadata?.resourceVersion,
      },
    ]);
    expect(ours(listed.pods)).toEqual([
      {
        name: `sim-${jobId}-pod`,
        namespace,
        labels: pod.metadata?.labels,
        resourceVersion: pod.metadata?.resourceVersion,
      },
    ]);
  });

  it("reads every page of a list longer than one page", async () => {
    const container = { name: "sumo", image: "registry.invalid/sumo:none" };
    const paged = { "metadata-test": randomBytes(6).toString("hex") };
    const names = ["paged-a", "paged-b", "paged-c", "paged-d", "paged-e"];
    for (const name of names) {
      await core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name, labels: paged },
          spec: { nodeName: "no-such-node", containers: [container] },
        },
      });
    }
    const selector = `metadata-test=${paged["metadata-test"]}`;
    // Two objects a page: three pages, the last one short.
    const listed = await listPlatformMetadata({ batch, core }, selector, 2);
    expect(listed.pods.map((m) => m.name).sort()).toEqual(names);
    expect(listed.pods.every((m) => m.labels?.["metadata-test"] === paged["metadata-test"])).toBe(
      true,
    );
    expect(listed.jobs).toEqual([]);
  });

  it("lists nothing, not a failure, when no object matches", async () => {
    const nothing = `${JOB_ID_LABEL}=${randomBytes(6).toString("hex")}`;
    expect(await listPlatformMetadata({ batch, core }, nothing)).toEqual({ jobs: [], pods: [] });
  });
});
