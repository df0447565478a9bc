import type { BatchV1Api, CoreV1Api, V1Job } from "@kubernetes/client-node";
import type { Database } from "@sumo/db/client";
import { isTerminal } from "@sumo/db/job-status";
import {
  failJob,
  getScenarioBundle,
  getTenant,
  getTenantJob,
  markJobScheduled,
} from "@sumo/db/queries";
import type { JobSubmittedMessage } from "@sumo/db/queues";
import type { Job } from "@sumo/db/schema";
import {
  apiErrorText,
  isAlreadyExists,
  isAuthorizationDenied,
  isNotFound,
  isTransientApiError,
  JOB_ID_LABEL,
} from "@sumo/kubernetes";
import { deleteCancelledJob } from "./delete-cancelled-job.ts";
import {
  buildScenarioConfigMap,
  buildSimulationJob,
  type SimulationJobConfig,
} from "./simulation-job.ts";
import type { TenantNamespaces } from "./tenant-namespace.ts";

export interface ScheduleJobDeps {
  db: Database;
  batch: BatchV1Api;
  core: CoreV1Api;
  namespaces: TenantNamespaces;
  jobConfig: SimulationJobConfig;
}

export type ScheduleOutcome =
  | { kind: "created" | "already-created"; namespace: string; jobName: string }
  | { kind: "skipped"; why: string }
  | { kind: "failed"; reason: string };

/**
 * Turns one submission into its Kubernetes Job and the ConfigMap its pod reads the scenario
 * from. Every step is idempotent, because delivery is at least once: the namespace objects are
 * applied, the Job and the ConfigMap have names derived from the job id (a second create finds
 * the first), and the row update only records where the Job is. The Job comes first and owns
 * the ConfigMap, so nothing is left behind when Kubernetes deletes the Job; its pod waits for
 * the volume the few milliseconds until the ConfigMap exists.
 *
 * Transient Kubernetes errors (and RBAC refusals, see isAuthorizationDenied) are thrown, for the
 * queue to retry with backoff. Errors that will never go away (the apiserver's admission refused
 * the objects) end the job FAILED with the reason.
 */
export async function scheduleJob(
  deps: ScheduleJobDeps,
  message: JobSubmittedMessage,
): Promise<ScheduleOutcome> {
  const job = await getTenantJob(deps.db, { tenantId: message.tenantId, jobId: message.jobId });
  if (!job) return { kind: "skipped", why: "no such job" };
  if (isTerminal(job.status) || job.status === "QUEUED") {
    return { kind: "skipped", why: `job is ${job.status}` };
  }
  const tenant = await getTenant(deps.db, job.tenantId);
  if (!tenant) return { kind: "skipped", why: "tenant no longer exists" };

  const bundle =
    job.scenarioSha256 &&
    (await getScenarioBundle(deps.db, { tenantId: job.tenantId, sha256: job.scenarioSha256 }));
  if (!bundle || !job.scenarioConfig) {
    return permanentFailure(deps, job.id, "The job names no stored scenario bundle");
  }

  const manifest = buildSimulationJob(job, deps.jobConfig);
  const namespace = manifest.metadata?.namespace ?? "";
  const jobName = manifest.metadata?.name ?? "";
  let kind: "created" | "already-created" = "created";
  let created: V1Job | undefined;
  try {
    await deps.namespaces.ensure(tenant);
    created = await deps.batch.createNamespacedJob({
      namespace,
      body: manifest,
      fieldManager: "sumo-scheduler",
    });
  } catch (error) {
    if (isAlreadyExists(error)) {
      const existing: V1Job = await deps.batch.readNamespacedJob({ name: jobName, namespace });
      if (existing.metadata?.labels?.[JOB_ID_LABEL] !== job.id) {
        return permanentFailure(
          deps,
          job.id,
          `a Kubernetes Job named ${jobName} belongs to something else`,
        );
      }
      created = existing;
      kind = "already-created";
    } else if (isTransientApiError(error) || isNotFound(error) || isAuthorizationDenied(error)) {
      // Not found: the namespace was deleted behind our back. Apply it again on the retry.
      // Authorization denied: a kube-apiserver that has just restarted refuses everything until
      // its RBAC cache is filled (the faults e2e test ended jobs FAILED that way). If the
      // permission is really missing, the retries run out and the dead-letter queue ends the
      // job FAILED; if an operator fixes the RBAC meanwhile, the job still runs.
      deps.namespaces.forget(tenant.id);
      throw error;
    } else {
      return permanentFailure(deps, job.id, `Kubernetes refused the job: ${apiErrorText(error)}`);
    }
  }
  const refused = await createScenarioVolume(deps, job, bundle, created);
  if (refused) {
    // Its pod waits for the volume until the Job's deadline: the scheduler holds no delete
    // permission to remove it. Only a misconfigured admission policy refuses a ConfigMap the
    // api's upload limits let through.
    return permanentFailure(deps, job.id, `Kubernetes refused the scenario volume: ${refused}`);
  }
  await markJobScheduled(deps.db, {
    jobId: job.id,
    namespace,
    kubernetesJobName: jobName,
    at: new Date(),
  });
  // Cancelled while its Job was being created: the cancellation's own delete may have found
  // nothing yet, so the Job goes now. (One cancelled after this read is deleted by its message.)
  if (
    (await deleteCancelledJob(deps, { jobId: job.id, tenantId: job.tenantId })) !== "not-cancelled"
  ) {
    return { kind: "skipped", why: "cancelled while its Kubernetes Job was being created" };
  }
  return { kind, namespace, jobName };
}

/**
 * Creates the ConfigMap the Job's pod mounts, owned by the Job. Transient errors are thrown for
 * the queue to retry; a refusal that will never go away is returned as its reason.
 */
async function createScenarioVolume(
  deps: ScheduleJobDeps,
  job: Job,
  bundle: Buffer,
  owner: V1Job,
): Promise<string | undefined> {
  const name = owner.metadata?.name ?? "";
  const uid = owner.metadata?.uid ?? "";
  const body = buildScenarioConfigMap(job, bundle, { name, uid });
  try {
    await deps.core.createNamespacedConfigMap({
      namespace: owner.metadata?.namespace ?? "",
      body,
      fieldManager: "sumo-scheduler",
    });
    return undefined;
  } catch (error) {
    if (isAlreadyExists(error)) return undefined;
    if (isTransientApiError(error) || isNotFound(error) || isAuthorizationDenied(error)) {
      throw error;
    }
    return apiErrorText(error);
  }
}

async function permanentFailure(
  deps: ScheduleJobDeps,
  jobId: string,
  reason: string,
): Promise<ScheduleOutcome> {
  await failJob(deps.db, { jobId, reason, at: new Date() });
  return { kind: "failed", reason };
}
