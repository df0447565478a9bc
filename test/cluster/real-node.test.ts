// The local cluster's real node (test/cluster/real-node.sh): a kubelet registered as a normal
// node under the Node authorizer and NodeRestriction, containers that really run under
// containerd and runc, the test bed's placement rule, and a machine left as it was.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { DATA_DIR } from "@sumo/db/embedded";
import { apiStatusCode, loadKubeConfig } from "@sumo/kubernetes";
import { SUMO_VERSION } from "@sumo/scenario";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REAL_NODE_PLACEMENT_LABEL, realNode, simulationImagePod } from "../local-cluster.ts";
import { pollUntil } from "../poll-until.ts";
import { errorOf } from "./error-of.ts";

const execFileAsync = promisify(execFile);
const node = await realNode();
const admin = loadKubeConfig({ kubeconfigPath: process.env.KUBECONFIG });
const core = admin.makeApiClient(CoreV1Api);
const suffix = randomBytes(3).toString("hex");
const placed = `real-node-test-${suffix}`;
const unplaced = `kwok-node-test-${suffix}`;
const PKI = path.join(DATA_DIR, "cluster", "pki");
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** A client acting as the real node's kubelet: its own client certificate. */
function asKubelet(): CoreV1Api {
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig has no current cluster");
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [
      {
        name: "kubelet",
        certFile: path.join(PKI, "kubelet-client.crt"),
        keyFile: path.join(PKI, "kubelet-client.key"),
      },
    ],
    contexts: [{ name: "kubelet", cluster: cluster.name, user: "kubelet" }],
    currentContext: "kubelet",
  });
  return kc.makeApiClient(CoreV1Api);
}

describe.skipIf(!node.expected)("the real node", () => {
  beforeAll(async () => {
    await core.createNamespace({
      body: { metadata: { name: placed, labels: { ...REAL_NODE_PLACEMENT_LABEL } } },
    });
    await core.createNamespace({ body: { metadata: { name: unplaced } } });
  });
  afterAll(async () => {
    for (const name of [placed, unplaced]) {
      await core.deleteNamespace({ name }).catch(() => undefined);
    }
  });

  it("is a Ready node of its own, a real kubelet on containerd, not one of KWOK's", async () => {
    const found = await core.readNode({ name: node.name });
    const ready = found.status?.conditions?.find((c) => c.type === "Ready");
    expect(ready?.status).toBe("True");
    expect(found.status?.nodeInfo).toMatchObject({
      kubeletVersion: "v1.36.3",
      containerRuntimeVersion: expect.stringMatching(/^containerd:\/\/2\./),
    });
    expect(found.metadata?.labels?.[node.label]).toBe("true");
    expect(found.metadata?.labels?.["kwok.x-k8s.io/node"]).toBeUndefined();
    expect(found.metadata?.labels?.["karpenter.sh/nodepool"]).toBeUndefined();
    expect(found.spec?.taints).toContainEqual({
      key: node.label,
      value: "true",
      effect: "NoSchedule",
    });
    expect(found.status?.addresses).toContainEqual({ type: "InternalIP", address: "127.0.0.1" });
  });

  it("acts as system:node:<name>, limited by the Node authorizer and NodeRestriction", async () => {
    const kubelet = asKubelet();
    expect((await kubelet.readNode({ name: node.name })).metadata?.name).toBe(node.name);

    // Another node is not its to change.
    const other = `not-the-real-node-${suffix}`;
    await core.createNode({ body: { metadata: { name: other, labels: { "test-only": "1" } } } });
    try {
      const patchOther = errorOf(
        kubelet.patchNode(
          { name: other, body: { metadata: { labels: { taken: "over" } } } },
          mergePatch,
        ),
      );
      expect(apiStatusCode(await patchOther)).toBe(403);
    } finally {
      await core.deleteNode({ name: other });
    }
    // Nor are labels under node-restriction.kubernetes.io/, even on its own node.
    const selfLabel = errorOf(
      kubelet.patchNode(
        {
          name: node.name,
          body: { metadata: { labels: { "node-restriction.kubernetes.io/pool": "mine" } } },
        },
        mergePatch,
      ),
    );
    expect(apiStatusCode(await selfLabel)).toBe(403);
    // Nor secrets its pods do not use.
    expect(apiStatusCode(await errorOf(kubelet.listSecretForAllNamespaces()))).toBe(403);
  });

  it("runs the simulation image's SUMO for real, only for pods the placement rule sends", async () => {
    const name = "sumo-version";
    await core.createNamespacedPod({
      namespace: placed,
      body: simulationImagePod(name, ["sumo", "--version"]),
    });
    const created = await core.readNamespacedPod({ name, namespace: placed });
    expect(created.spec?.nodeSelector).toEqual({ [node.label]: "true" });
    expect(created.spec?.tolerations).toContainEqual(
      expect.objectContaining({ key: node.label, effect: "NoSchedule" }),
    );
    const ended = await pollUntil(
      "the pod to end",
      async () => {
        const pod = await core.readNamespacedPod({ name, namespace: placed });
        const phase = pod.status?.phase;
        return phase === "Succeeded" || phase === "Failed"
          ? { done: true, value: pod }
          : { done: false, seen: pod.status };
      },
      { timeoutMs: 60_000 },
    );
    expect(ended.spec?.nodeName).toBe(node.name);
    expect(ended.status?.phase).toBe("Succeeded");
    const log = await core.readNamespacedPodLog({ name, namespace: placed });
    expect(log).toContain(`Eclipse SUMO sumo ${SUMO_VERSION}`);

    // A namespace the test bed did not label gets no such rule: its pods never tolerate the
    // real node's taint.
    await core.createNamespacedPod({
      namespace: unplaced,
      body: simulationImagePod(name, ["sumo", "--version"]),
    });
    const elsewhere = await core.readNamespacedPod({ name, namespace: unplaced });
    expect(elsewhere.spec?.nodeSelector).toBeUndefined();
    expect(elsewhere.spec?.tolerations ?? []).not.toContainEqual(
      expect.objectContaining({ key: node.label }),
    );
    await core.deleteNamespacedPod({ name, namespace: unplaced, gracePeriodSeconds: 0 });
  });

  it("changes nothing of the machine: no mounts, no network devices, no kernel settings", async () => {
    // Mounts of the node (container root filesystems, volumes) exist only in its own mount
    // namespace.
    const mounts = await readFile("/proc/self/mountinfo", "utf8");
    expect(mounts).not.toContain(node.dataDir);
    expect(mounts).not.toMatch(/ overlay /);
    // The pods' bridge lives in the node's own network namespace.
    const { stdout: links } = await execFileAsync("ip", ["-o", "link"]);
    expect(links).not.toContain("pods0");
    expect(links).not.toMatch(/veth/);
    // The kubelet sees the kernel settings it wants (files in its mount namespace); the machine
    // keeps the values it had before the node started.
    const kubeletPid = (
      await readFile(path.join(DATA_DIR, "cluster/run/kubelet.pid"), "utf8")
    ).trim();
    const before = JSON.parse(
      await readFile(path.join(node.dataDir, "machine-sysctls.json"), "utf8"),
    );
    for (const [tunable, wanted] of Object.entries({
      "kernel/panic": "10",
      "kernel/panic_on_oops": "1",
      "vm/overcommit_memory": "1",
    })) {
      const seenByKubelet = await readFile(`/proc/${kubeletPid}/root/proc/sys/${tunable}`, "utf8");
      expect(seenByKubelet.trim(), tunable).toBe(wanted);
      const machine = await readFile(`/proc/sys/${tunable}`, "utf8");
      expect(machine.trim(), tunable).toBe(before[tunable]);
    }
  });
});
