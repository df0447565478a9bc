import type { V1Job } from "@kubernetes/client-node";
import type { Job } from "@sumo/db/schema";
import {
  jobLabels,
  SIMULATION_CONTAINER,
  simulationJobName,
  tenantNamespaceName,
} from "@sumo/kubernetes";
import { cpuQuantity, memoryQuantity } from "./quantities.ts";

export interface SimulationJobConfig {
  image: string;
  ttlSecondsAfterFinished: number;
  activeDeadlineSeconds: number;
}

/**
 * The Kubernetes Job of a platform job: one pod, never restarted or retried, requests equal to
 * limits, Pod Security "restricted", no ServiceAccount token, and the scenario in its env.
 * The name comes from the job id, so creating it twice can only ever make one Job.
 */
export function buildSimulationJob(job: Job, config: SimulationJobConfig): V1Job {
  const labels = jobLabels(job.tenantId, job.id);
  const resources = { cpu: cpuQuantity(job.cpuRequest), memory: memoryQuantity(job.memoryGi) };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: simulationJobName(job.id),
      namespace: tenantNamespaceName(job.tenantId),
      labels,
    },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: config.ttlSecondsAfterFinished,
      activeDeadlineSeconds: config.activeDeadlineSeconds,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: SIMULATION_CONTAINER,
              image: config.image,
              env: [
                { name: "SUMO_JOB_ID", value: job.id },
                { name: "SUMO_SCENARIO_ID", value: job.scenarioId },
                { name: "SUMO_SCENARIO", value: JSON.stringify(job.scenario ?? {}) },
              ],
              resources: { requests: resources, limits: resources },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: false,
                capabilities: { drop: ["ALL"] },
              },
            },
          ],
        },
      },
    },
  };
}
