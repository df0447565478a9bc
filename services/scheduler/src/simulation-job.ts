import type { V1ConfigMap, V1Job } from "@kubernetes/client-node";
import type { Job } from "@sumo/db/schema";
import {
  jobLabels,
  SIMULATION_CONTAINER,
  scenarioConfigMapName,
  simulationJobName,
  tenantNamespaceName,
} from "@sumo/kubernetes";
import {
  BUNDLE_FILE,
  RUN_FILE,
  type RunSpec,
  runParametersSchema,
  SCENARIO_MOUNT,
  WORK_MOUNT,
} from "@sumo/scenario";
import { cpuQuantity, memoryQuantity } from "./quantities.ts";

export interface SimulationJobConfig {
  image: string;
  ttlSecondsAfterFinished: number;
  activeDeadlineSeconds: number;
  /** The pod's ephemeral-storage request and limit, and its work directory's size limit. */
  workStorage: string;
}

/** Annotations on a simulation pod saying what it runs, for people reading the pod. */
export const RUN_ANNOTATIONS = {
  scenarioName: "sumo-k8.dev/scenario-name",
  scenarioSha256: "sumo-k8.dev/scenario-sha256",
  /** The run's end time in simulated seconds, when its parameters set one. */
  end: "sumo-k8.dev/run-end",
} as const;

/**
 * The Kubernetes Job of a platform job: one pod, never restarted or retried (but replaced when
 * Kubernetes itself disrupted it), requests equal to limits, Pod Security "restricted", no ServiceAccount token, a read-only root filesystem. The
 * container runs the runner, which reads the scenario from files (the ConfigMap of
 * buildScenarioConfigMap) and works in a size-limited emptyDir; nothing of the scenario is in
 * its environment, where Kubernetes would expand `$(VAR)`. The name comes from the job id, so
 * creating it twice can only ever make one Job.
 */
export function buildSimulationJob(job: Job, config: SimulationJobConfig): V1Job {
  const labels = jobLabels(job.tenantId, job.id);
  const resources = {
    cpu: cpuQuantity(job.cpuRequest),
    memory: memoryQuantity(job.memoryGi),
    "ephemeral-storage": config.workStorage,
  };
  const parameters = runParametersSchema.safeParse(job.scenario ?? {});
  const end = parameters.success ? parameters.data.end : undefined;
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
      // A pod Kubernetes took away (its node drained or removed, a taint it does not tolerate,
      // preemption) did not fail the run: the Job starts another without counting it.
      podFailurePolicy: {
        rules: [
          {
            action: "Ignore",
            onPodConditions: [{ type: "DisruptionTarget", status: "True" }],
          },
        ],
      },
      ttlSecondsAfterFinished: config.ttlSecondsAfterFinished,
      activeDeadlineSeconds: config.activeDeadlineSeconds,
      template: {
        metadata: {
          labels,
          annotations: {
            [RUN_ANNOTATIONS.scenarioName]: job.scenarioName ?? "",
            [RUN_ANNOTATIONS.scenarioSha256]: job.scenarioSha256 ?? "",
            ...(end !== undefined && { [RUN_ANNOTATIONS.end]: String(end) }),
          },
        },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            fsGroup: 1000,
            seccompProfile: { type: "RuntimeDefault" },
          },
          volumes: [
            {
              name: "scenario",
              configMap: {
                name: scenarioConfigMapName(job.id),
                defaultMode: 0o444,
                items: [
                  { key: BUNDLE_FILE, path: BUNDLE_FILE },
                  { key: RUN_FILE, path: RUN_FILE },
                ],
              },
            },
            { name: "work", emptyDir: { sizeLimit: config.workStorage } },
          ],
          containers: [
            {
              name: SIMULATION_CONTAINER,
              image: config.image,
              command: ["sumo-runner"],
              args: ["--scenario-dir", SCENARIO_MOUNT, "--work-dir", WORK_MOUNT],
              resources: { requests: resources, limits: resources },
              volumeMounts: [
                { name: "scenario", mountPath: SCENARIO_MOUNT, readOnly: true },
                { name: "work", mountPath: WORK_MOUNT },
              ],
              // The runner's report; when it could not write one (killed), the log's last lines.
              terminationMessagePolicy: "FallbackToLogsOnError",
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
            },
          ],
        },
      },
    },
  };
}

/**
 * The scenario volume of a job's pod: the bundle the job was submitted with and its run spec,
 * immutable, owned by the Job (Kubernetes deletes it with the Job). A ConfigMap, not a Secret:
 * the scheduler may then hold no Secret permission at all (with one it could mint ServiceAccount
 * tokens), and a ConfigMap carries as much (1 MiB).
 */
export function buildScenarioConfigMap(
  job: Job,
  bundle: Buffer,
  owner: { name: string; uid: string },
): V1ConfigMap {
  if (!job.scenarioSha256 || !job.scenarioConfig) {
    throw new Error(`job ${job.id} names no scenario bundle`);
  }
  const spec: RunSpec = {
    job_id: job.id,
    bundle_sha256: job.scenarioSha256,
    config: job.scenarioConfig,
    parameters: runParametersSchema.parse(job.scenario ?? {}),
  };
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: scenarioConfigMapName(job.id),
      namespace: tenantNamespaceName(job.tenantId),
      labels: jobLabels(job.tenantId, job.id),
      ownerReferences: [
        {
          apiVersion: "batch/v1",
          kind: "Job",
          name: owner.name,
          uid: owner.uid,
          controller: false,
          blockOwnerDeletion: false,
        },
      ],
    },
    immutable: true,
    data: { [RUN_FILE]: JSON.stringify(spec) },
    binaryData: { [BUNDLE_FILE]: bundle.toString("base64") },
  };
}
