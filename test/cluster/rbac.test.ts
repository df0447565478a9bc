// RBAC in the real kube-apiserver: a ServiceAccount token bound to a narrow Role can do
// what the Role grants and nothing else.
import { randomBytes } from "node:crypto";
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { apiErrorText, apiStatusCode, loadKubeConfig } from "@sumo/kubernetes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf } from "./error-of.ts";

const admin = loadKubeConfig({ kubeconfigPath: process.env.KUBECONFIG });
const core = admin.makeApiClient(CoreV1Api);
const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
const suffix = randomBytes(3).toString("hex");
const namespace = `rbac-test-${suffix}`;
const otherNamespace = `rbac-other-${suffix}`;

/** A client that authenticates with `token` against the same apiserver as `base`. */
function kubeConfigForToken(base: KubeConfig, token: string): KubeConfig {
  const cluster = base.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig has no current cluster");
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: "pod-reader", token }],
    contexts: [{ name: "pod-reader", cluster: cluster.name, user: "pod-reader" }],
    currentContext: "pod-reader",
  });
  return kc;
}

let asPodReader: CoreV1Api;

beforeAll(async () => {
  for (const name of [namespace, otherNamespace]) {
    await core.createNamespace({ body: { metadata: { name } } });
  }
  await core.createNamespacedServiceAccount({
    namespace,
    body: { metadata: { name: "pod-reader" } },
  });
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name: "pod-reader" },
      rules: [
        { apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list", "watch"] },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: "pod-reader" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-reader" },
      subjects: [{ kind: "ServiceAccount", name: "pod-reader", namespace }],
    },
  });
  const tokenRequest = await core.createNamespacedServiceAccountToken({
    name: "pod-reader",
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  const token = tokenRequest.status?.token;
  if (!token)
    throw new Error(`TokenRequest returned no token: ${JSON.stringify(tokenRequest.status)}`);
  asPodReader = kubeConfigForToken(admin, token).makeApiClient(CoreV1Api);
}, 30_000);

afterAll(async () => {
  for (const name of [namespace, otherNamespace]) {
    await core.deleteNamespace({ name }).catch(() => undefined);
  }
}, 30_000);

// Polls in these tests have deadlines of their own, well inside the test timeout.
describe("RBAC", { timeout: 60_000 }, () => {
  it("lets the ServiceAccount do what its Role grants", async () => {
    const pods = await asPodReader.listNamespacedPod({ namespace });
    expect(pods.items).toEqual([]);
  });

  it("forbids verbs the Role does not grant", async () => {
    const error = await errorOf(
      asPodReader.createNamespacedPod({
        namespace,
        body: { metadata: { name: "sneaky" }, spec: { containers: [{ name: "c", image: "x" }] } },
      }),
    );
    expect(apiStatusCode(error)).toBe(403);
    expect(apiErrorText(error)).toContain(
      `system:serviceaccount:${namespace}:pod-reader" cannot create resource "pods"`,
    );
  });

  it("forbids resources the Role does not name", async () => {
    const error = await errorOf(asPodReader.listNamespacedSecret({ namespace }));
    expect(apiStatusCode(error)).toBe(403);
  });

  it("forbids the same access in another namespace and cluster-wide", async () => {
    const elsewhere = await errorOf(asPodReader.listNamespacedPod({ namespace: otherNamespace }));
    expect(apiStatusCode(elsewhere)).toBe(403);
    const clusterWide = await errorOf(asPodReader.listPodForAllNamespaces());
    expect(apiStatusCode(clusterWide)).toBe(403);
  });
});
