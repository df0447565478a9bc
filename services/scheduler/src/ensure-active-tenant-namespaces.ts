import type { Database } from "@sumo/db/client";
import { listTenantsWithScheduledJobs } from "@sumo/db/queries";
import type { Logger } from "pino";
import type { TenantNamespaces } from "./tenant-namespace.ts";

/** Tenants whose namespaces are applied at once. */
const CONCURRENT_TENANTS = 4;

/**
 * Applies the namespace objects of every tenant whose jobs Kubernetes may be running, once at
 * the scheduler's start. Otherwise a namespace would only get what this version applies with
 * its tenant's next job: after an upgrade that moved the api's and reconciler's log reads to
 * RoleBindings (TENANT_ROLE_BINDINGS), the logs of jobs already running would be unreadable
 * until then, and the reconciler could not keep them. Failures are logged, not thrown: the
 * tenant's next job applies its namespace again.
 */
export async function ensureActiveTenantNamespaces(deps: {
  db: Database;
  namespaces: TenantNamespaces;
  logger: Logger;
}): Promise<{ ensured: number; failed: number }> {
  const tenants = await listTenantsWithScheduledJobs(deps.db);
  let ensured = 0;
  let failed = 0;
  for (let start = 0; start < tenants.length; start += CONCURRENT_TENANTS) {
    const batch = tenants.slice(start, start + CONCURRENT_TENANTS);
    const results = await Promise.allSettled(batch.map((tenant) => deps.namespaces.ensure(tenant)));
    results.forEach((result, i) => {
      if (result.status === "fulfilled") {
        ensured++;
        return;
      }
      failed++;
      deps.logger.warn(
        { err: result.reason, tenantId: batch[i]?.id },
        "applying an active tenant's namespace failed; its next job applies it again",
      );
    });
  }
  return { ensured, failed };
}
