import {
  type KubernetesObject,
  type KubernetesObjectApi,
  PatchStrategy,
  type V1LimitRange,
  type V1Namespace,
  type V1NetworkPolicy,
  type V1ResourceQuota,
  type V1RoleBinding,
} from "@kubernetes/client-node";
import type { Tenant } from "@sumo/db/schema";
import {
  TENANT_LIMIT_RANGE_NAME,
  TENANT_NETWORK_POLICY_NAME,
  TENANT_QUOTA_NAME,
  tenantLabels,
  tenantNamespaceName,
} from "@sumo/kubernetes";
import { cpuQuantity, memoryQuantity } from "./quantities.ts";

export const FIELD_MANAGER = "sumo-scheduler";

type TenantLimits = Pick<Tenant, "id" | "cpuLimit" | "memoryLimitGi" | "maxConcurrentJobs">;

/** Label selector terms `key=value`, all of which must hold (a selector's matchLabels). */
export type MatchLabels = Record<string, string>;

/**
 * A ClusterRole (defined by the chart) bound in every tenant namespace to one of the platform's
 * ServiceAccounts: how the api and the reconciler read there (pods' logs, the quota) without
 * reading anywhere else.
 */
export interface TenantRoleBinding {
  clusterRole: string;
  serviceAccount: { namespace: string; name: string };
}

/** What every tenant namespace gets besides what the tenant's limits decide. */
export interface TenantNamespaceConfig {
  roleBindings: TenantRoleBinding[];
  /** The cluster's DNS servers: the only peers tenant pods may send anything to (port 53). */
  clusterDns: { namespaceLabels: MatchLabels; podLabels: MatchLabels };
}

/**
 * What a container in a tenant namespace gets when it names no resources of its own: one core
 * and one GiB, or the tenant's whole limit when that is less. The platform's Jobs always name
 * theirs (simulation-job.ts); the defaults only have to keep the LimitRange valid: the apiserver
 * refuses one whose defaults exceed its max, and without it no job of a small tenant could run.
 */
const CONTAINER_DEFAULTS = { cpu: 1, memoryGi: 1 };

/**
 * Everything a tenant's namespace holds besides its Jobs: the namespace (Pod Security
 * "restricted"), a ResourceQuota built from the tenant's limits, a LimitRange with defaults no
 * larger than those limits, a default-deny NetworkPolicy that lets pods resolve names at the
 * cluster's DNS and nothing else, and the RoleBindings that let the platform's services read
 * there. The namespace comes first: the rest live in it.
 */
export function tenantNamespaceObjects(
  tenant: TenantLimits,
  config: TenantNamespaceConfig,
): KubernetesObject[] {
  const namespace = tenantNamespaceName(tenant.id);
  const labels = tenantLabels(tenant.id);
  const cpu = cpuQuantity(tenant.cpuLimit);
  const memory = memoryQuantity(tenant.memoryLimitGi);
  const defaults = {
    cpu: cpuQuantity(Math.min(CONTAINER_DEFAULTS.cpu, tenant.cpuLimit)),
    memory: memoryQuantity(Math.min(CONTAINER_DEFAULTS.memoryGi, tenant.memoryLimitGi)),
  };

  const ns: V1Namespace = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: namespace,
      labels: {
        ...labels,
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
      },
    },
  };
  const quota: V1ResourceQuota = {
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: { name: TENANT_QUOTA_NAME, namespace, labels },
    spec: {
      hard: {
        "requests.cpu": cpu,
        "limits.cpu": cpu,
        "requests.memory": memory,
        "limits.memory": memory,
        // Finished pods do not count, so this caps the tenant's running simulations.
        pods: String(tenant.maxConcurrentJobs),
      },
    },
  };
  const limitRange: V1LimitRange = {
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: { name: TENANT_LIMIT_RANGE_NAME, namespace, labels },
    spec: {
      limits: [
        {
          type: "Container",
          _default: defaults,
          defaultRequest: defaults,
          max: { cpu, memory },
        },
      ],
    },
  };
  const networkPolicy: V1NetworkPolicy = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: TENANT_NETWORK_POLICY_NAME, namespace, labels },
    spec: {
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      egress: [
        {
          // One peer with both selectors: the DNS pods, in the DNS namespace (two peers would
          // allow either: every pod of that namespace, or such pods in any namespace).
          to: [
            {
              namespaceSelector: { matchLabels: config.clusterDns.namespaceLabels },
              podSelector: { matchLabels: config.clusterDns.podLabels },
            },
          ],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    },
  };
  const roleBindings = config.roleBindings.map(
    ({ clusterRole, serviceAccount }): V1RoleBinding => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: clusterRole, namespace, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole },
      subjects: [{ kind: "ServiceAccount", ...serviceAccount }],
    }),
  );
  return [ns, quota, limitRange, networkPolicy, ...roleBindings];
}

/** `key=value` terms separated by commas (TENANT_DNS_*_SELECTOR) as matchLabels. */
export function parseMatchLabels(selector: string): MatchLabels {
  return Object.fromEntries(
    selector.split(",").map((term) => {
      const [key = "", value = ""] = term.split("=");
      return [key.trim(), value.trim()];
    }),
  );
}

/** `clusterrole=namespace/serviceaccount` pairs separated by commas (TENANT_ROLE_BINDINGS). */
export function parseTenantRoleBindings(text: string): TenantRoleBinding[] {
  return text
    .split(",")
    .map((pair) => pair.trim())
    .filter((pair) => pair !== "")
    .map((pair) => {
      const [clusterRole = "", account = ""] = pair.split("=");
      const [namespace = "", name = ""] = account.split("/");
      return { clusterRole, serviceAccount: { namespace, name } };
    });
}

/** The namespace configuration from the scheduler's variables (env.ts validates their form). */
export function tenantNamespaceConfig(env: {
  TENANT_ROLE_BINDINGS?: string | undefined;
  TENANT_DNS_NAMESPACE_SELECTOR: string;
  TENANT_DNS_POD_SELECTOR: string;
}): TenantNamespaceConfig {
  return {
    roleBindings: parseTenantRoleBindings(env.TENANT_ROLE_BINDINGS ?? ""),
    clusterDns: {
      namespaceLabels: parseMatchLabels(env.TENANT_DNS_NAMESPACE_SELECTOR),
      podLabels: parseMatchLabels(env.TENANT_DNS_POD_SELECTOR),
    },
  };
}

/**
 * Keeps tenants' namespaces in step with their limits, with server-side apply (idempotent,
 * and safe when several scheduler replicas apply at once). Remembers what it applied for a
 * while, so a burst of one tenant's jobs costs one round of apply calls, not one per job.
 */
export class TenantNamespaces {
  readonly #objects: KubernetesObjectApi;
  readonly #config: TenantNamespaceConfig;
  readonly #ttlMs: number;
  readonly #applied = new Map<string, { limitsKey: string; at: number }>();
  readonly #inFlight = new Map<string, Promise<void>>();

  constructor(
    objects: KubernetesObjectApi,
    config: TenantNamespaceConfig,
    options: { ttlMs?: number } = {},
  ) {
    this.#objects = objects;
    this.#config = config;
    this.#ttlMs = options.ttlMs ?? 5 * 60_000;
  }

  /** Ensures the tenant's namespace objects exist with its current limits. */
  async ensure(tenant: TenantLimits): Promise<void> {
    const limitsKey = `${tenant.cpuLimit}/${tenant.memoryLimitGi}/${tenant.maxConcurrentJobs}`;
    const applied = this.#applied.get(tenant.id);
    if (applied?.limitsKey === limitsKey && Date.now() - applied.at < this.#ttlMs) return;

    const inFlightKey = `${tenant.id}/${limitsKey}`;
    const pending = this.#inFlight.get(inFlightKey);
    if (pending) return pending;
    const applying = this.#apply(tenant).then(() => {
      this.#applied.set(tenant.id, { limitsKey, at: Date.now() });
    });
    this.#inFlight.set(inFlightKey, applying);
    try {
      await applying;
    } finally {
      this.#inFlight.delete(inFlightKey);
    }
  }

  /** Forgets what was applied for a tenant, so the next ensure() applies again. */
  forget(tenantId: string): void {
    this.#applied.delete(tenantId);
  }

  async #apply(tenant: TenantLimits): Promise<void> {
    const [namespace, ...rest] = tenantNamespaceObjects(tenant, this.#config);
    if (namespace) await this.#serverSideApply(namespace);
    await Promise.all(rest.map((object) => this.#serverSideApply(object)));
  }

  async #serverSideApply(object: KubernetesObject): Promise<void> {
    await this.#objects.patch(
      object,
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    );
  }
}
