// RBAC of the chart, proved against the real kube-apiserver: each service's ServiceAccount
// (a TokenRequest token, as its pod gets) does what its service does, through the same calls
// (the scheduler through its own TenantNamespaces and Job builder), and is refused what it
// must not do, including by the scheduler's ValidatingAdmissionPolicy.
import { randomUUID } from "node:crypto";
import {
  AuthorizationV1Api,
  BatchV1Api,
  CoreV1Api,
  type KubeConfig,
  KubernetesObjectApi,
  NetworkingV1Api,
  PatchStrategy,
  RbacAuthorizationV1Api,
  type V1Job,
  type V1ResourceAttributes,
  Watch,
} from "@kubernetes/client-node";
import type { Job } from "@sumo/db/schema";
import {
  apiErrorText,
  apiStatusCode,
  JOB_ID_LABEL,
  loadKubeConfig,
  MANAGED_SELECTOR,
  simulationJobName,
  TENANT_NETWORK_POLICY_NAME,
  TENANT_QUOTA_NAME,
  tenantNamespaceName,
} from "@sumo/kubernetes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildScenarioConfigMap,
  buildSimulationJob,
} from "../../services/scheduler/src/simulation-job.ts";
import {
  FIELD_MANAGER,
  type TenantNamespaceConfig,
  TenantNamespaces,
  tenantNamespaceConfig,
} from "../../services/scheduler/src/tenant-namespace.ts";
import { errorOf } from "../cluster/error-of.ts";
import { pollUntil } from "../poll-until.ts";
import { ChartRelease } from "./chart-release.ts";
import { KUBECONFIG_PATH } from "./helm-cli.ts";
import {
  type ChartServiceAccount,
  serviceAccountKubeConfig,
} from "./service-account-kubeconfig.ts";

const admin = loadKubeConfig({ kubeconfigPath: KUBECONFIG_PATH });
const adminCore = admin.makeApiClient(CoreV1Api);
const adminBatch = admin.makeApiClient(BatchV1Api);
const release = new ChartRelease(admin, { prefix: "helm-rbac" });

/** A tenant whose namespace, quota and one running simulation the cluster admin made. */
const fixture = { tenantId: randomUUID(), jobId: randomUUID(), podName: "" };
const fixtureNamespace = tenantNamespaceName(fixture.tenantId);
const createdNamespaces = [fixtureNamespace];
/** A pod outside the platform, in kube-system, that serves a log to whoever may read it. */
const systemPod = { name: `log-fixture-${randomUUID().slice(0, 8)}`, namespace: "kube-system" };
/** The simulation image the release is installed with: its admission policy holds Jobs to it. */
const SIMULATION_IMAGE = "registry.example.com/sumo/simulation:rbac-test";

const as: Record<ChartServiceAccount["component"], KubeConfig> = {} as never;
/** What the release's scheduler applies to tenant namespaces besides their limits. */
let namespaceConfig: TenantNamespaceConfig;

/** The scheduler's Job for a platform job, as it would create it. */
function simulationJob(tenantId: string, jobId: string, runSeconds = 2): V1Job {
  const job = {
    id: jobId,
    tenantId,
    scenarioId: "rbac-test",
    scenario: {},
    cpuRequest: 0.1,
    memoryGi: 0.125,
  } as Job;
  const manifest = buildSimulationJob(job, {
    image: SIMULATION_IMAGE,
    ttlSecondsAfterFinished: 60,
    activeDeadlineSeconds: 600,
    workStorage: "1Gi",
  });
  const template = manifest.spec?.template;
  if (template?.metadata) {
    template.metadata.annotations = { "sim.sumo-k8.dev/run-seconds": String(runSeconds) };
  }
  return manifest;
}

/** Expects the call to be refused with 403, and returns the apiserver's message. */
async function forbidden(call: Promise<unknown>): Promise<string> {
  const error = await errorOf(call);
  expect(apiStatusCode(error), apiErrorText(error)).toBe(403);
  return apiErrorText(error);
}

async function canI(kc: KubeConfig, attributes: V1ResourceAttributes): Promise<boolean> {
  const review = await kc.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({
    body: { spec: { resourceAttributes: attributes } },
  });
  return review.status?.allowed === true;
}

/** Opens a watch as `kc` and resolves with the first event's type and object name. */
function firstWatchEvent(
  kc: KubeConfig,
  path: string,
  labelSelector: string,
): Promise<{ type: string; name: string }> {
  return new Promise((resolve, reject) => {
    let controller: AbortController | undefined;
    let settled = false;
    new Watch(kc)
      .watch(
        path,
        { labelSelector },
        (type, object: { metadata?: { name?: string } }) => {
          if (settled) return;
          settled = true;
          controller?.abort();
          resolve({ type, name: object.metadata?.name ?? "" });
        },
        (error) => {
          if (!settled) reject(error ?? new Error("the watch ended without an event"));
          settled = true;
        },
      )
      .then((c) => {
        controller = c;
        if (settled) c.abort();
      }, reject);
  });
}

beforeAll(async () => {
  await release.prepare();
  await release.install({ set: { "scheduler.config.simulationImage": SIMULATION_IMAGE } });
  for (const component of ["api", "admin", "scheduler", "reconciler"] as const) {
    as[component] = await serviceAccountKubeConfig(admin, {
      namespace: release.namespace,
      release: release.release,
      component,
    });
  }

  const schedulerEnv = await release.serviceEnv("scheduler");
  namespaceConfig = tenantNamespaceConfig({
    TENANT_ROLE_BINDINGS: schedulerEnv.TENANT_ROLE_BINDINGS ?? "",
    TENANT_DNS_NAMESPACE_SELECTOR: schedulerEnv.TENANT_DNS_NAMESPACE_SELECTOR ?? "",
    TENANT_DNS_POD_SELECTOR: schedulerEnv.TENANT_DNS_POD_SELECTOR ?? "",
  });

  // The fixture tenant, made by the cluster admin as the release's scheduler would: namespace
  // objects, and a simulation that keeps running (so its pod serves logs) for the length of
  // the file.
  await new TenantNamespaces(KubernetesObjectApi.makeApiClient(admin), namespaceConfig).ensure({
    id: fixture.tenantId,
    cpuLimit: 2,
    memoryLimitGi: 2,
    maxConcurrentJobs: 3,
  });
  await adminBatch.createNamespacedJob({
    namespace: fixtureNamespace,
    body: simulationJob(fixture.tenantId, fixture.jobId, 600),
  });
  fixture.podName = await pollUntil(
    "the fixture simulation's pod to run",
    async () => {
      const pods = await adminCore.listNamespacedPod({
        namespace: fixtureNamespace,
        labelSelector: `${JOB_ID_LABEL}=${fixture.jobId}`,
      });
      const pod = pods.items[0];
      return pod?.status?.phase === "Running" && pod.metadata?.name
        ? { done: true, value: pod.metadata.name }
        : { done: false, seen: pods.items.map((p) => p.status) };
    },
    { timeoutMs: 90_000 },
  );

  // Not owned by a Job, so the local cluster's kwok keeps it running (and serving its log).
  await adminCore.createNamespacedPod({
    namespace: systemPod.namespace,
    body: {
      metadata: { name: systemPod.name },
      spec: {
        containers: [
          {
            name: "sumo",
            image: "log-fixture:1",
            resources: { requests: { cpu: "50m", memory: "64Mi" } },
          },
        ],
      },
    },
  });
  await pollUntil(
    "the kube-system pod to run",
    async () => {
      const pod = await adminCore.readNamespacedPod(systemPod);
      return pod.status?.phase === "Running"
        ? { done: true, value: undefined }
        : { done: false, seen: pod.status };
    },
    { timeoutMs: 90_000 },
  );

  // The scheduler's admission policy takes effect a moment after the install: wait until a
  // dry run of a forbidden write is refused, so no test below races it.
  const schedulerObjects = KubernetesObjectApi.makeApiClient(as.scheduler);
  await pollUntil(
    "the scheduler's admission policy to take effect",
    async () => {
      const error = await errorOf(
        schedulerObjects.patch(
          { apiVersion: "v1", kind: "Namespace", metadata: { name: "not-a-tenant-policy-probe" } },
          undefined,
          "All",
          FIELD_MANAGER,
          true,
          PatchStrategy.ServerSideApply,
        ),
      ).catch((succeeded) => succeeded);
      return apiStatusCode(error) === 403
        ? { done: true, value: undefined }
        : { done: false, seen: apiErrorText(error) };
    },
    { timeoutMs: 30_000 },
  );
}, 600_000);

afterAll(async () => {
  await adminCore
    .deleteNamespacedPod({ ...systemPod, gracePeriodSeconds: 0 })
    .catch(() => undefined);
  for (const name of createdNamespaces) {
    await adminCore.deleteNamespace({ name }).catch(() => undefined);
  }
  await release.remove();
}, 180_000);

describe("the scheduler's ServiceAccount", () => {
  it("applies a tenant's namespace objects and creates its Job, with the scheduler's code", async () => {
    const tenantId = randomUUID();
    const jobId = randomUUID();
    const namespace = tenantNamespaceName(tenantId);
    createdNamespaces.push(namespace);
    const namespaces = new TenantNamespaces(
      KubernetesObjectApi.makeApiClient(as.scheduler),
      namespaceConfig,
    );

    await namespaces.ensure({ id: tenantId, cpuLimit: 2, memoryLimitGi: 4, maxConcurrentJobs: 2 });
    // Changed limits: server-side apply again, now patching objects that exist.
    namespaces.forget(tenantId);
    await namespaces.ensure({ id: tenantId, cpuLimit: 3, memoryLimitGi: 4, maxConcurrentJobs: 2 });
    const quota = await adminCore.readNamespacedResourceQuota({
      name: TENANT_QUOTA_NAME,
      namespace,
    });
    expect(quota.spec?.hard?.["limits.cpu"]).toBe("3");
    // Its pods may resolve names at the cluster's DNS, and send nothing anywhere else.
    const networkPolicy = await admin
      .makeApiClient(NetworkingV1Api)
      .readNamespacedNetworkPolicy({ name: TENANT_NETWORK_POLICY_NAME, namespace });
    expect(networkPolicy.spec?.ingress ?? []).toEqual([]);
    expect(networkPolicy.spec?.egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
          },
        ],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
    ]);
    // The api and the reconciler may read pods' logs here, and only here (their tenant roles).
    const bindings = await admin
      .makeApiClient(RbacAuthorizationV1Api)
      .listNamespacedRoleBinding({ namespace });
    expect(
      bindings.items.map((binding) => [binding.roleRef.name, binding.subjects?.[0]?.name]).sort(),
    ).toEqual([
      [`${release.release}-sumo-k8-api-tenant`, `${release.release}-sumo-k8-api`],
      [`${release.release}-sumo-k8-reconciler-tenant`, `${release.release}-sumo-k8-reconciler`],
    ]);

    const batch = as.scheduler.makeApiClient(BatchV1Api);
    const created = await batch.createNamespacedJob({
      namespace,
      body: simulationJob(tenantId, jobId),
      fieldManager: FIELD_MANAGER,
    });
    // The Job's scenario volume, owned by it (schedule-job.ts).
    await as.scheduler.makeApiClient(CoreV1Api).createNamespacedConfigMap({
      namespace,
      body: buildScenarioConfigMap(
        {
          id: jobId,
          tenantId,
          scenarioSha256: "0".repeat(64),
          scenarioConfig: "grid.sumocfg",
          scenario: {},
        } as Job,
        Buffer.from("bundle"),
        { name: created.metadata?.name ?? "", uid: created.metadata?.uid ?? "" },
      ),
      fieldManager: FIELD_MANAGER,
    });
    // Changed limits of a tenant: does it have a namespace yet (apply-tenant-limits.ts)?
    await as.scheduler.makeApiClient(CoreV1Api).readNamespace({ name: namespace });
    // A redelivered submission reads the Job it finds.
    const existing = await batch.readNamespacedJob({ name: simulationJobName(jobId), namespace });
    expect(existing.metadata?.labels?.[JOB_ID_LABEL]).toBe(jobId);
  });

  it("is refused Secrets, deleting namespaces, pods and reading Jobs cluster-wide (RBAC)", async () => {
    const core = as.scheduler.makeApiClient(CoreV1Api);
    await forbidden(core.listNamespacedSecret({ namespace: release.namespace }));
    await forbidden(
      core.readNamespacedSecret({ name: "sumo-k8-database", namespace: release.namespace }),
    );
    await forbidden(core.deleteNamespace({ name: fixtureNamespace }));
    await forbidden(
      core.createNamespacedPod({
        namespace: fixtureNamespace,
        dryRun: "All",
        body: { metadata: { name: "direct" }, spec: { containers: [{ name: "c", image: "x" }] } },
      }),
    );
    await forbidden(as.scheduler.makeApiClient(BatchV1Api).listJobForAllNamespaces());
  });

  it("may only write tenant namespaces, kept restricted, token-less Jobs, and delete its own Jobs (admission policy)", async () => {
    const objects = KubernetesObjectApi.makeApiClient(as.scheduler);
    const apply = (object: object) =>
      objects.patch(
        object as never,
        undefined,
        "All",
        FIELD_MANAGER,
        true,
        PatchStrategy.ServerSideApply,
      );
    const batch = as.scheduler.makeApiClient(BatchV1Api);

    expect(
      await forbidden(
        apply({
          apiVersion: "v1",
          kind: "Namespace",
          metadata: {
            name: `not-a-tenant-${fixture.tenantId}`,
            labels: { "pod-security.kubernetes.io/enforce": "restricted" },
          },
        }),
      ),
    ).toContain("the scheduler may only write tenant namespaces");
    expect(
      await forbidden(
        apply({
          apiVersion: "v1",
          kind: "Namespace",
          metadata: {
            name: fixtureNamespace,
            labels: { "pod-security.kubernetes.io/enforce": "privileged" },
          },
        }),
      ),
    ).toContain('tenant namespaces must keep Pod Security "restricted"');
    expect(
      await forbidden(
        apply({
          apiVersion: "v1",
          kind: "ResourceQuota",
          metadata: { name: "sneaky", namespace: release.namespace },
          spec: { hard: { pods: "0" } },
        }),
      ),
    ).toContain("the scheduler may only write tenant namespaces");

    // A Job elsewhere could run a pod as any of that namespace's ServiceAccounts.
    const elsewhere = simulationJob(fixture.tenantId, randomUUID());
    if (elsewhere.metadata) elsewhere.metadata.namespace = release.namespace;
    expect(
      await forbidden(
        batch.createNamespacedJob({ namespace: release.namespace, body: elsewhere, dryRun: "All" }),
      ),
    ).toContain("the scheduler may only write tenant namespaces");
    const withToken = simulationJob(fixture.tenantId, randomUUID());
    if (withToken.spec?.template.spec) {
      withToken.spec.template.spec.automountServiceAccountToken = true;
    }
    expect(
      await forbidden(
        batch.createNamespacedJob({ namespace: fixtureNamespace, body: withToken, dryRun: "All" }),
      ),
    ).toContain("without a token");

    // A cancelled job's Kubernetes Job it may delete; anything else it may not.
    await batch.deleteNamespacedJob({
      name: simulationJobName(fixture.jobId),
      namespace: fixtureNamespace,
      dryRun: "All",
    });
    const foreign = `not-the-platforms-${randomUUID().slice(0, 8)}`;
    await adminBatch.createNamespacedJob({
      namespace: fixtureNamespace,
      body: {
        metadata: { name: foreign },
        spec: {
          suspend: true,
          template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "x" }] } },
        },
      },
    });
    expect(
      await forbidden(
        batch.deleteNamespacedJob({ name: foreign, namespace: fixtureNamespace, dryRun: "All" }),
      ),
    ).toContain("the scheduler may only delete the platform's own Jobs");
  });

  it("may not weaken what it writes: an old Pod Security version, an allow-all NetworkPolicy, a Job with another image, a ServiceAccount token or a node of its choosing (admission policy)", async () => {
    const objects = KubernetesObjectApi.makeApiClient(as.scheduler);
    const apply = (object: object) =>
      objects.patch(
        object as never,
        undefined,
        "All",
        FIELD_MANAGER,
        true,
        PatchStrategy.ServerSideApply,
      );
    const createJob = (body: V1Job) =>
      as.scheduler
        .makeApiClient(BatchV1Api)
        .createNamespacedJob({ namespace: fixtureNamespace, body, dryRun: "All" });

    // Pod Security "restricted" as an old Kubernetes version defined it lets more through.
    expect(
      await forbidden(
        apply({
          apiVersion: "v1",
          kind: "Namespace",
          metadata: {
            name: tenantNamespaceName(randomUUID()),
            labels: {
              "pod-security.kubernetes.io/enforce": "restricted",
              "pod-security.kubernetes.io/enforce-version": "v1.22",
            },
          },
        }),
      ),
    ).toContain('Pod Security "restricted" at version "latest"');

    // NetworkPolicies add up: one more that allows everything undoes the default deny.
    const allowAll = (name: string) => ({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name, namespace: fixtureNamespace },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}], egress: [{}] },
    });
    for (const name of [TENANT_NETWORK_POLICY_NAME, "allow-all"]) {
      expect(await forbidden(apply(allowAll(name)))).toContain(
        "a tenant NetworkPolicy must be the scheduler's default deny",
      );
    }

    const otherImage = simulationJob(fixture.tenantId, randomUUID());
    const otherImageContainer = otherImage.spec?.template.spec?.containers[0];
    if (otherImageContainer) otherImageContainer.image = "docker.io/library/busybox:1";
    expect(await forbidden(createJob(otherImage))).toContain(
      "simulation Jobs run the configured simulation image's runner",
    );

    // A projected token is a ServiceAccount token even with automountServiceAccountToken off.
    const withProjectedToken = simulationJob(fixture.tenantId, randomUUID());
    const podSpec = withProjectedToken.spec?.template.spec;
    podSpec?.volumes?.push({
      name: "token",
      projected: { sources: [{ serviceAccountToken: { path: "token" } }] },
    });
    podSpec?.containers[0]?.volumeMounts?.push({ name: "token", mountPath: "/var/run/token" });
    expect(await forbidden(createJob(withProjectedToken))).toContain(
      "only their ConfigMap and emptyDir volumes",
    );

    const node = (await adminCore.listNode()).items[0]?.metadata?.name ?? "real-node-1";
    const onANode = simulationJob(fixture.tenantId, randomUUID());
    if (onANode.spec?.template.spec) onANode.spec.template.spec.nodeName = node;
    expect(await forbidden(createJob(onANode))).toContain("no nodeName");
  });

  it("binds only the tenant ClusterRoles, each to its own service, in tenant namespaces (RBAC and admission policy)", async () => {
    const objects = KubernetesObjectApi.makeApiClient(as.scheduler);
    const apiRole = `${release.release}-sumo-k8-api-tenant`;
    const binding = (
      namespace: string,
      role: string,
      account: { namespace: string; name: string },
    ) =>
      objects.patch(
        {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "RoleBinding",
          metadata: { name: role, namespace },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
          subjects: [{ kind: "ServiceAccount", ...account }],
        } as never,
        undefined,
        "All",
        FIELD_MANAGER,
        true,
        PatchStrategy.ServerSideApply,
      );
    const apiAccount = { namespace: release.namespace, name: `${release.release}-sumo-k8-api` };

    // What it does for every tenant namespace (dry run).
    await binding(fixtureNamespace, apiRole, apiAccount);
    // Any other ClusterRole RBAC refuses: it holds bind on the tenant roles alone.
    await forbidden(binding(fixtureNamespace, "cluster-admin", apiAccount));
    await forbidden(binding(fixtureNamespace, "admin", apiAccount));
    // The tenant roles to anyone else, itself included, or outside tenant namespaces: the policy.
    const self = { namespace: release.namespace, name: `${release.release}-sumo-k8-scheduler` };
    expect(await forbidden(binding(fixtureNamespace, apiRole, self))).toContain(
      "the scheduler may only bind the platform's tenant ClusterRoles",
    );
    expect(await forbidden(binding("kube-system", apiRole, apiAccount))).toContain(
      "the scheduler may only write tenant namespaces",
    );
  });
});

describe("the reconciler's ServiceAccount", () => {
  it("lists and watches the platform's Jobs and pods in every namespace, and reads logs", async () => {
    const batch = as.reconciler.makeApiClient(BatchV1Api);
    const core = as.reconciler.makeApiClient(CoreV1Api);
    const jobs = await batch.listJobForAllNamespaces({ labelSelector: MANAGED_SELECTOR });
    expect(jobs.items.map((job) => job.metadata?.name)).toContain(simulationJobName(fixture.jobId));
    const pods = await core.listPodForAllNamespaces({ labelSelector: MANAGED_SELECTOR });
    expect(pods.items.map((pod) => pod.metadata?.name)).toContain(fixture.podName);

    const byJob = `${JOB_ID_LABEL}=${fixture.jobId}`;
    expect(await firstWatchEvent(as.reconciler, "/apis/batch/v1/jobs", byJob)).toEqual({
      type: "ADDED",
      name: simulationJobName(fixture.jobId),
    });
    expect(await firstWatchEvent(as.reconciler, "/api/v1/pods", byJob)).toEqual({
      type: "ADDED",
      name: fixture.podName,
    });

    await batch.readNamespacedJob({
      name: simulationJobName(fixture.jobId),
      namespace: fixtureNamespace,
    });
    const log = await core.readNamespacedPodLog({
      name: fixture.podName,
      namespace: fixtureNamespace,
      container: "sumo",
      tailLines: 5,
    });
    expect(log.trimEnd().split("\n")).toHaveLength(5);
  });

  it("reads no pod's log outside tenant namespaces", async () => {
    await forbidden(
      as.reconciler
        .makeApiClient(CoreV1Api)
        .readNamespacedPodLog({ ...systemPod, container: "sumo", tailLines: 2 }),
    );
  });

  it("is refused every write, and Secrets", async () => {
    const batch = as.reconciler.makeApiClient(BatchV1Api);
    const core = as.reconciler.makeApiClient(CoreV1Api);
    const name = simulationJobName(fixture.jobId);
    await forbidden(batch.deleteNamespacedJob({ name, namespace: fixtureNamespace }));
    await forbidden(batch.patchNamespacedJob({ name, namespace: fixtureNamespace, body: [] }));
    await forbidden(
      core.deleteNamespacedPod({ name: fixture.podName, namespace: fixtureNamespace }),
    );
    await forbidden(core.listSecretForAllNamespaces());
    await forbidden(
      batch.createNamespacedJob({
        namespace: fixtureNamespace,
        body: simulationJob(fixture.tenantId, randomUUID()),
        dryRun: "All",
      }),
    );
  });
});

describe("the api's ServiceAccount", () => {
  it("reads a simulation's log and the tenant's quota", async () => {
    const core = as.api.makeApiClient(CoreV1Api);
    const log = await core.readNamespacedPodLog({
      name: fixture.podName,
      namespace: fixtureNamespace,
      container: "sumo",
      tailLines: 3,
    });
    expect(log.trimEnd().split("\n")).toHaveLength(3);
    const quota = await core.readNamespacedResourceQuota({
      name: TENANT_QUOTA_NAME,
      namespace: fixtureNamespace,
    });
    expect(quota.spec?.hard?.pods).toBe("3");
  });

  it("reads no pod's log outside tenant namespaces: a kube-system pod's is refused", async () => {
    // The pod does serve a log, to whoever may read it.
    const log = await adminCore.readNamespacedPodLog({
      ...systemPod,
      container: "sumo",
      tailLines: 2,
    });
    expect(log.trimEnd().split("\n")).toHaveLength(2);
    await forbidden(
      as.api
        .makeApiClient(CoreV1Api)
        .readNamespacedPodLog({ ...systemPod, container: "sumo", tailLines: 2 }),
    );
  });

  it("is refused anything else: pods, Secrets, Jobs, other quotas", async () => {
    const core = as.api.makeApiClient(CoreV1Api);
    await forbidden(core.listNamespacedPod({ namespace: fixtureNamespace }));
    await forbidden(core.readNamespacedPod({ name: fixture.podName, namespace: fixtureNamespace }));
    await forbidden(core.listResourceQuotaForAllNamespaces());
    await forbidden(
      core.readNamespacedSecret({ name: "sumo-k8-admin", namespace: release.namespace }),
    );
    await forbidden(
      as.api.makeApiClient(BatchV1Api).listNamespacedJob({ namespace: fixtureNamespace }),
    );
    await forbidden(
      core.patchNamespacedResourceQuota({
        name: TENANT_QUOTA_NAME,
        namespace: fixtureNamespace,
        body: [],
      }),
    );
  });
});

describe("the admin api's ServiceAccount", () => {
  it("lists nodes, and pods and Jobs in every namespace", async () => {
    const core = as.admin.makeApiClient(CoreV1Api);
    const nodes = await core.listNode();
    const node = nodes.items[0]?.metadata?.name;
    expect(node).toBeDefined();
    await core.readNode({ name: node ?? "" });
    const pods = await core.listPodForAllNamespaces({ labelSelector: MANAGED_SELECTOR });
    expect(pods.items.map((pod) => pod.metadata?.name)).toContain(fixture.podName);
    const jobs = await as.admin
      .makeApiClient(BatchV1Api)
      .listJobForAllNamespaces({ labelSelector: MANAGED_SELECTOR });
    expect(jobs.items.map((job) => job.metadata?.name)).toContain(simulationJobName(fixture.jobId));
  });

  it("is refused logs, Secrets and every write", async () => {
    const core = as.admin.makeApiClient(CoreV1Api);
    await forbidden(
      core.readNamespacedPodLog({ name: fixture.podName, namespace: fixtureNamespace }),
    );
    await forbidden(core.listSecretForAllNamespaces());
    await forbidden(
      core.deleteNamespacedPod({ name: fixture.podName, namespace: fixtureNamespace }),
    );
    const node = (await core.listNode()).items[0]?.metadata?.name ?? "";
    await forbidden(core.patchNode({ name: node, body: [] }));
    await forbidden(
      as.admin.makeApiClient(BatchV1Api).createNamespacedJob({
        namespace: fixtureNamespace,
        body: simulationJob(fixture.tenantId, randomUUID()),
        dryRun: "All",
      }),
    );
  });
});

describe("every service's ServiceAccount", () => {
  const dangerous: [string, V1ResourceAttributes][] = [
    ["everything", { verb: "*", group: "*", resource: "*" }],
    ["Secrets", { verb: "get", resource: "secrets" }],
    [
      "ServiceAccount tokens",
      { verb: "create", resource: "serviceaccounts", subresource: "token" },
    ],
    ["exec into pods", { verb: "create", resource: "pods", subresource: "exec" }],
    ["impersonating users", { verb: "impersonate", resource: "users" }],
    ["impersonating ServiceAccounts", { verb: "impersonate", resource: "serviceaccounts" }],
    [
      "escalating ClusterRoles",
      { verb: "escalate", group: "rbac.authorization.k8s.io", resource: "clusterroles" },
    ],
    [
      "binding ClusterRoles",
      { verb: "bind", group: "rbac.authorization.k8s.io", resource: "clusterroles" },
    ],
    [
      "writing ClusterRoleBindings",
      { verb: "create", group: "rbac.authorization.k8s.io", resource: "clusterrolebindings" },
    ],
    ["deleting namespaces", { verb: "delete", resource: "namespaces" }],
    ["writing nodes", { verb: "patch", resource: "nodes" }],
    [
      "writing admission policies",
      {
        verb: "delete",
        group: "admissionregistration.k8s.io",
        resource: "validatingadmissionpolicies",
      },
    ],
  ];

  it.each(["api", "admin", "scheduler", "reconciler"] as const)(
    "%s is refused every dangerous permission, in any namespace",
    async (component) => {
      const granted: string[] = [];
      for (const [what, attributes] of dangerous) {
        for (const namespace of ["", release.namespace, fixtureNamespace]) {
          if (await canI(as[component], { ...attributes, namespace })) {
            granted.push(`${what} in ${namespace || "all namespaces"}`);
          }
        }
      }
      expect(granted).toEqual([]);
    },
  );
});
