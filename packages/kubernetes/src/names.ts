// Names and labels of everything the platform creates in Kubernetes. Names are derived from
// database ids, so every step can find (or recreate) its object without storing anything.

export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "sumo-k8";
export const TENANT_ID_LABEL = "sumo-k8.dev/tenant-id";
export const JOB_ID_LABEL = "sumo-k8.dev/job-id";

/** Selects every object the platform manages. */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;

/** The tenant's namespace: one per tenant, created with its first job. */
export function tenantNamespaceName(tenantId: string): string {
  return `sumo-tenant-${tenantId}`;
}

/** The Kubernetes Job of a platform job; its pod is named after it with a random suffix. */
export function simulationJobName(jobId: string): string {
  return `sim-${jobId}`;
}

export const TENANT_QUOTA_NAME = "tenant-quota";
export const TENANT_LIMIT_RANGE_NAME = "tenant-defaults";
export const TENANT_NETWORK_POLICY_NAME = "default-deny";

export function tenantLabels(tenantId: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY, [TENANT_ID_LABEL]: tenantId };
}

export function jobLabels(tenantId: string, jobId: string): Record<string, string> {
  return { ...tenantLabels(tenantId), [JOB_ID_LABEL]: jobId };
}

/** The container every simulation pod runs; its exit code is the job's. */
export const SIMULATION_CONTAINER = "sumo";

/** The ConfigMap holding a job's scenario bundle and run spec, mounted into its pod. */
export function scenarioConfigMapName(jobId: string): string {
  return `sim-${jobId}-scenario`;
}
