import {
  type KubernetesObject,
  type KubernetesObjectApi,
  PatchStrategy,
  type V1LimitRange,
  type V1Namespace,
  type V1NetworkPolicy,
  type V1ResourceQuota,
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
 * larger than those limits, and a default-deny NetworkPolicy that still lets pods resolve DNS.
 */
export function tenantNamespaceObjects(tenant: TenantLimits): KubernetesObject[] {
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
          to: [{ namespaceSelector: {} }],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    },
  };
  return [ns, quota, limitRange, networkPolicy];
}

/**
 * Keeps tenants' namespaces in step with their limits, with server-side apply (idempotent,
 * and safe when several scheduler replicas apply at once). Remembers what it applied for a
 * while, so a burst of one tenant's jobs costs one round of apply calls, not one per job.
 */
export class TenantNamespaces {
  readonly #objects: KubernetesObjectApi;
  readonly #ttlMs: number;
  readonly #applied = new Map<string, { limitsKey: string; at: number }>();
  readonly #inFlight = new Map<string, Promise<void>>();

  constructor(objects: KubernetesObjectApi, options: { ttlMs?: number } = {}) {
    this.#objects = objects;
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
    const [namespace, ...rest] = tenantNamespaceObjects(tenant);
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
