import type { BatchV1Api } from "@kubernetes/client-node";
import type { Database } from "@sumo/db/client";
import { getJobStatus } from "@sumo/db/queries";
import type { JobCancelledMessage } from "@sumo/db/queues";
import { isNotFound, simulationJobName, tenantNamespaceName } from "@sumo/kubernetes";

export type DeleteOutcome = "deleted" | "already-gone" | "not-cancelled";

/**
 * Deletes the Kubernetes Job of a cancelled job, and with it (in the background, by the garbage
 * collector) its pod and scenario ConfigMap: the pod's runner gets SIGTERM and stops SUMO, and
 * the tenant's quota is free once it is gone. A job that is not CANCELLED is left alone (the
 * message cannot come from anything else, but a Job is only ever deleted for a cancellation).
 * Not found is done; other errors are thrown, for the queue to retry.
 */
export async function deleteCancelledJob(
  deps: { db: Database; batch: BatchV1Api },
  message: JobCancelledMessage,
): Promise<DeleteOutcome> {
  if ((await getJobStatus(deps.db, message.jobId)) !== "CANCELLED") return "not-cancelled";
  try {
    await deps.batch.deleteNamespacedJob({
      name: simulationJobName(message.jobId),
      namespace: tenantNamespaceName(message.tenantId),
      propagationPolicy: "Background",
    });
    return "deleted";
  } catch (error) {
    if (isNotFound(error)) return "already-gone";
    throw error;
  }
}
