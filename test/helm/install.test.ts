// `helm install` and `helm upgrade` of the chart into the local cluster, in a namespace that
// enforces Pod Security "restricted": the hook Job runs and succeeds, every Deployment's pods
// are admitted and become ready, and the release holds what each service needs.
import {
  AdmissionregistrationV1Api,
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  NetworkingV1Api,
  PolicyV1Api,
  RbacAuthorizationV1Api,
} from "@kubernetes/client-node";
import { loadKubeConfig } from "@sumo/kubernetes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "../poll-until.ts";
import { ChartRelease, type ReleaseStatus } from "./chart-release.ts";
import { EVERYTHING_VALUES, KUBECONFIG_PATH } from "./helm-cli.ts";

const SERVICES = ["admin", "api", "reconciler", "scheduler"];

const admin = loadKubeConfig({ kubeconfigPath: KUBECONFIG_PATH });
const apps = admin.makeApiClient(AppsV1Api);
const core = admin.makeApiClient(CoreV1Api);
const rbac = admin.makeApiClient(RbacAuthorizationV1Api);

const release = new ChartRelease(admin, {
  prefix: "helm-install",
  secrets: [
    { name: "sumo-k8-database", key: "url" },
    { name: "sumo-k8-admin", key: "token" },
    // values-everything.yaml's names.
    { name: "platform-postgres", key: "connection-string" },
    { name: "platform-postgres-owner", key: "connection-string" },
    { name: "platform-admin", key: "admin-token" },
  ],
});
const selector = () => `app.kubernetes.io/instance=${release.release}`;
let installed: ReleaseStatus;

beforeAll(async () => {
  await release.prepare();
  installed = await release.install();
}, 600_000);

afterAll(async () => {
  await release.remove();
}, 180_000);

function migrationHook(status: ReleaseStatus) {
  return status.hooks?.find((hook) => hook.kind === "Job" && hook.name.endsWith("-migrations"));
}

describe("helm install", () => {
  it("deploys the release after the migration hook Job succeeded", () => {
    expect(installed.info.status).toBe("deployed");
    const hook = migrationHook(installed);
    expect(hook?.events).toEqual(["pre-install", "pre-upgrade"]);
    expect(hook?.last_run?.phase).toBe("Succeeded");
  });

  it("runs every service as a Deployment whose pods were admitted and are ready", async () => {
    const deployments = await apps.listNamespacedDeployment({
      namespace: release.namespace,
      labelSelector: selector(),
    });
    const byComponent = Object.fromEntries(
      deployments.items.map((d) => [d.metadata?.labels?.["app.kubernetes.io/component"], d]),
    );
    expect(Object.keys(byComponent).sort()).toEqual(SERVICES);
    expect(byComponent.api?.spec?.replicas).toBe(2);
    expect(byComponent.admin?.spec?.replicas).toBe(1);
    for (const deployment of deployments.items) {
      // helm --wait waited for this; Pod Security "restricted" admitted every pod.
      expect(deployment.status?.readyReplicas, deployment.metadata?.name).toBe(
        deployment.spec?.replicas,
      );
    }
    const pods = await core.listNamespacedPod({
      namespace: release.namespace,
      labelSelector: selector(),
    });
    expect(pods.items.filter((pod) => pod.status?.phase === "Running")).toHaveLength(7);
    for (const pod of pods.items) {
      const component = pod.metadata?.labels?.["app.kubernetes.io/component"];
      expect(pod.spec?.serviceAccountName).toBe(`${release.release}-sumo-k8-${component}`);
    }
  });

  it("holds each service's pods to a NetworkPolicy of their own", async () => {
    const policies = await admin
      .makeApiClient(NetworkingV1Api)
      .listNamespacedNetworkPolicy({ namespace: release.namespace, labelSelector: selector() });
    const pods = await core.listNamespacedPod({
      namespace: release.namespace,
      labelSelector: selector(),
    });
    const servicePods = pods.items.filter((pod) =>
      SERVICES.includes(pod.metadata?.labels?.["app.kubernetes.io/component"] ?? ""),
    );
    expect(servicePods.length).toBeGreaterThan(0);
    for (const pod of servicePods) {
      const labels = pod.metadata?.labels ?? {};
      const selecting = policies.items.filter((policy) =>
        Object.entries(policy.spec?.podSelector?.matchLabels ?? {}).every(
          ([key, value]) => labels[key] === value,
        ),
      );
      expect(
        selecting.map((policy) => policy.metadata?.name),
        pod.metadata?.name,
      ).toEqual([`${release.release}-sumo-k8-${labels["app.kubernetes.io/component"]}`]);
    }
  });

  it("gives the api and the admin api a ClusterIP Service on their http port", async () => {
    const services = await core.listNamespacedService({
      namespace: release.namespace,
      labelSelector: selector(),
    });
    const summary = services.items
      .map((s) => ({
        name: s.metadata?.name,
        type: s.spec?.type,
        ports: s.spec?.ports?.map((p) => [p.name, p.port, p.targetPort]),
      }))
      .sort((a, b) => String(a.name).localeCompare(String(b.name)));
    expect(summary).toEqual([
      {
        name: `${release.release}-sumo-k8-admin`,
        type: "ClusterIP",
        ports: [["http", 80, "http"]],
      },
      { name: `${release.release}-sumo-k8-api`, type: "ClusterIP", ports: [["http", 80, "http"]] },
    ]);
  });

  it("gives each service its own ServiceAccount and ClusterRoles, bound cluster-wide only where needed", async () => {
    for (const service of SERVICES) {
      await core.readNamespacedServiceAccount({
        name: `${release.release}-sumo-k8-${service}`,
        namespace: release.namespace,
      });
    }
    // The api reads only in tenant namespaces: its role has no ClusterRoleBinding, the scheduler
    // binds it in each tenant namespace, as the reconciler's tenant role (its logs).
    for (const role of ["api-tenant", "reconciler-tenant"]) {
      const name = `${release.release}-sumo-k8-${role}`;
      const tenantRole = await rbac.readClusterRole({ name });
      expect(tenantRole.rules?.length, name).toBeGreaterThan(0);
      await expect(rbac.readClusterRoleBinding({ name })).rejects.toMatchObject({ code: 404 });
    }
    for (const service of ["admin", "reconciler", "scheduler"]) {
      const name = `${release.release}-sumo-k8-${service}`;
      const role = await rbac.readClusterRole({ name });
      expect(role.rules?.length, name).toBeGreaterThan(0);
      const binding = await rbac.readClusterRoleBinding({ name });
      expect(binding.roleRef).toEqual({
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name,
      });
      expect(binding.subjects).toEqual([
        { kind: "ServiceAccount", name, namespace: release.namespace },
      ]);
    }
    const policies = admin.makeApiClient(AdmissionregistrationV1Api);
    const policy = await policies.readValidatingAdmissionPolicy({
      name: `${release.release}-sumo-k8-scheduler-confinement`,
    });
    expect(policy.spec?.matchConditions?.[0]?.expression).toContain(
      `system:serviceaccount:${release.namespace}:${release.release}-sumo-k8-scheduler`,
    );
  });
});

describe("helm upgrade with every option on", () => {
  // The NodePool stays off here: a second NodePool would take part in every other test's
  // scheduling on the shared cluster. chart.test.ts has the apiserver check it (dry run).
  it("adds autoscalers and disruption budgets and runs the migration hook again", async () => {
    const upgraded = await release.upgrade({
      valuesFiles: [EVERYTHING_VALUES],
      set: { "nodePool.enabled": false },
    });
    expect(upgraded.info.status).toBe("deployed");
    expect(upgraded.version).toBe(2);
    expect(migrationHook(upgraded)?.last_run?.phase).toBe("Succeeded");

    const autoscaling = admin.makeApiClient(AutoscalingV2Api);
    const hpas = await autoscaling.listNamespacedHorizontalPodAutoscaler({
      namespace: release.namespace,
      labelSelector: selector(),
    });
    expect(hpas.items.map((hpa) => hpa.spec?.scaleTargetRef.name).sort()).toEqual(
      SERVICES.map((service) => `${release.release}-sim-${service}`),
    );
    const pdbs = await admin.makeApiClient(PolicyV1Api).listNamespacedPodDisruptionBudget({
      namespace: release.namespace,
      labelSelector: selector(),
    });
    expect(pdbs.items).toHaveLength(4);

    // nameOverride renamed everything; the old objects are gone, the new ones ready.
    const deployments = await apps.listNamespacedDeployment({
      namespace: release.namespace,
      labelSelector: selector(),
    });
    expect(deployments.items.map((d) => d.metadata?.name).sort()).toEqual(
      SERVICES.map((service) => `${release.release}-sim-${service}`),
    );
    // The autoscaler, not the chart, now sets the api's replicas: at least its minimum of 3.
    await pollUntil(
      "the api's autoscaler to bring it to 3 ready replicas",
      async () => {
        const api = await apps.readNamespacedDeployment({
          name: `${release.release}-sim-api`,
          namespace: release.namespace,
        });
        const ready = api.status?.readyReplicas ?? 0;
        return ready >= 3 ? { done: true, value: ready } : { done: false, seen: api.status };
      },
      { timeoutMs: 90_000 },
    );
  });
});
