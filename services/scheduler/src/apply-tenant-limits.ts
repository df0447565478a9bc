import type { CoreV1Api } from "@kubernetes/client-node";
import type { Database } from "@sumo/db/client";
import { getTenant } from "@sumo/db/queries";
import type { TenantLimitsChangedMessage } from "@sumo/db/queues";
import { isNotFound, tenantNamespaceName } from "@sumo/kubernetes";
import type { TenantNamespaces } from "./tenant-namespace.ts";

export interface ApplyTenantLimitsDeps {
  db: Database;
  core: CoreV1Api;
  namespaces: TenantNamespaces;
}

/**
 * Brings a tenant's ResourceQuota and LimitRange in step with limits an admin just changed.
 * A tenant without a namespace yet gets it, with the new limits, on its first job.
 * Transient Kubernetes errors are thrown, for the queue to retry.
 */
export async function applyTenantLimits(
  deps: ApplyTenantLimitsDeps,
  message: TenantLimitsChangedMessage,
): Promise<"applied" | "no-namespace-yet" | "no-such-tenant"> {
  const tenant = await getTenant(deps.db, message.tenantId);
  if (!tenant) return "no-such-tenant";
  try {
    await deps.core.readNamespace({ name: tenantNamespaceName(tenant.id) });
  } catch (error) {
    if (isNotFound(error)) return "no-namespace-yet";
    throw error;
  }
  deps.namespaces.forget(tenant.id);
  await deps.namespaces.ensure(tenant);
  return "applied";
}
