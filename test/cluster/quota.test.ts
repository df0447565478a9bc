// ResourceQuota and LimitRange admission in the real kube-apiserver, and quota usage
// computed by the real resourcequota controller.
import { randomBytes } from "node:crypto";
import { CoreV1Api, type V1Pod } from "@kubernetes/client-node";
import { apiErrorText, apiStatusCode, loadKubeConfig } from "@sumo/kubernetes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "../poll-until.ts";
import { errorOf } from "./error-of.ts";

const core = loadKubeConfig({ kubeconfigPath: process.env.KUBECONFIG }).makeApiClient(CoreV1Api);
const namespace = `quota-test-${randomBytes(3).toString("hex")}`;

// These pods only exercise admission. The node selector matches no node Karpenter can
// make, so they stay Pending and no node is provisioned for them.
function makePod(name: string, cpu?: string): V1Pod {
  return {
    metadata: { name, namespace },
    spec: {
      restartPolicy: "Never",
      nodeSelector: { "sim.sumo-k8.dev/admission-only": "true" },
      containers: [
        {
          name: "sumo",
          image: "sumo:placeholder",
          ...(cpu
            ? {
                resources: { requests: { cpu, memory: "128Mi" }, limits: { cpu, memory: "128Mi" } },
              }
            : {}),
        },
      ],
    },
  };
}

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedResourceQuota({
    namespace,
    body: {
      metadata: { name: "tenant-quota" },
      spec: { hard: { "requests.cpu": "1", "requests.memory": "1Gi", pods: "5" } },
    },
  });
}, 30_000);

afterAll(async () => {
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
}, 30_000);

// Polls in these tests have deadlines of their own, well inside the test timeout.
describe("ResourceQuota", { timeout: 60_000 }, () => {
  it("admits a pod within the quota and shows its usage in the quota status", async () => {
    await core.createNamespacedPod({ namespace, body: makePod("within-quota", "600m") });

    const used = await pollUntil(
      "quota usage to count the admitted pod",
      async () => {
        const quota = await core.readNamespacedResourceQuota({ name: "tenant-quota", namespace });
        const used = quota.status?.used ?? {};
        return used["requests.cpu"] === "600m" && used.pods === "1"
          ? { done: true, value: used }
          : { done: false, seen: quota.status };
      },
      { timeoutMs: 30_000 },
    );
    expect(used).toMatchObject({ "requests.cpu": "600m", "requests.memory": "128Mi", pods: "1" });
  });

  it("rejects a pod that would exceed the quota", async () => {
    const error = await errorOf(
      core.createNamespacedPod({ namespace, body: makePod("over-quota", "600m") }),
    );

    expect(apiStatusCode(error)).toBe(403);
    expect(apiErrorText(error)).toContain("exceeded quota: tenant-quota");
    await expect(core.readNamespacedPod({ name: "over-quota", namespace })).rejects.toMatchObject({
      code: 404,
    });
  });

  it("rejects a pod without requests while a quota constrains them, and admits it once a LimitRange supplies defaults", async () => {
    const before = await errorOf(
      core.createNamespacedPod({ namespace, body: makePod("no-requests") }),
    );
    expect(apiStatusCode(before)).toBe(403);
    expect(apiErrorText(before)).toContain("must specify");

    await core.createNamespacedLimitRange({
      namespace,
      body: {
        metadata: { name: "defaults" },
        spec: {
          limits: [
            {
              type: "Container",
              defaultRequest: { cpu: "100m", memory: "64Mi" },
              _default: { cpu: "100m", memory: "64Mi" },
            },
          ],
        },
      },
    });
    // Admission sees a new LimitRange once its cache has it; until then it may answer from a
    // lookup of the namespace's LimitRanges it made for the first pod and keeps for up to 30 s.
    // (The platform's pods come from Jobs, whose controller retries a refused pod.)
    const pod = await pollUntil(
      "the LimitRange's defaults to admit the pod",
      async () => {
        try {
          const created = await core.createNamespacedPod({
            namespace,
            body: makePod("no-requests"),
          });
          return { done: true, value: created };
        } catch (error) {
          if (!apiErrorText(error).includes("must specify")) throw error;
          return { done: false, seen: apiErrorText(error) };
        }
      },
      { timeoutMs: 45_000, intervalMs: 500 },
    );
    expect(pod.spec?.containers[0]?.resources?.requests).toEqual({ cpu: "100m", memory: "64Mi" });
  });
});
