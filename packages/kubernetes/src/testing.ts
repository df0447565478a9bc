import {
  KubeConfig,
  type V1ContainerStatus,
  type V1Job,
  type V1JobCondition,
  type V1Pod,
} from "@kubernetes/client-node";
import { JOB_ID_LABEL, SIMULATION_CONTAINER, simulationJobName } from "./names.ts";

/** A kubeconfig for an apiserver that is not there: every call fails as with a cluster outage. */
export function unreachableCluster(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "down", server: "https://127.0.0.1:1", skipTLSVerify: true }],
    users: [{ name: "nobody" }],
    contexts: [{ name: "down", cluster: "down", user: "nobody" }],
    currentContext: "down",
  });
  return kubeConfig;
}

// Builders of what the platform's Jobs and pods look like to a watch, for tests of decisions
// made on them (no cluster): a Job with conditions, its pod in a phase with its container state.

type ContainerState = NonNullable<V1ContainerStatus["state"]>;

/** The Kubernetes Job of platform job `jobId`, with these conditions (each True unless said). */
export function makeKubernetesJob(
  jobId: string,
  options: { conditions?: Partial<V1JobCondition>[]; resourceVersion?: string } = {},
): V1Job {
  return {
    metadata: {
      name: simulationJobName(jobId),
      namespace: "sumo-tenant-test",
      labels: { [JOB_ID_LABEL]: jobId },
      resourceVersion: options.resourceVersion ?? "1",
    },
    status: {
      conditions: (options.conditions ?? []).map(
        (condition) => ({ type: "Complete", status: "True", ...condition }) as V1JobCondition,
      ),
    },
  };
}

/** A pod of platform job `jobId`: its phase, and its simulation container's state if any. */
export function makePod(
  jobId: string,
  phase: "Pending" | "Running" | "Succeeded" | "Failed",
  options: {
    container?: ContainerState;
    name?: string;
    createdAt?: Date;
    startTime?: Date;
    resourceVersion?: string;
  } = {},
): V1Pod {
  return {
    metadata: {
      name: options.name ?? `${simulationJobName(jobId)}-abcde`,
      namespace: "sumo-tenant-test",
      labels: { [JOB_ID_LABEL]: jobId },
      creationTimestamp: options.createdAt ?? new Date("2026-11-26T11:00:00Z"),
      resourceVersion: options.resourceVersion ?? "1",
    },
    status: {
      phase,
      ...(options.startTime && { startTime: options.startTime }),
      containerStatuses: options.container
        ? [
            {
              name: SIMULATION_CONTAINER,
              image: "sumo:test",
              imageID: "",
              ready: options.container.running !== undefined,
              restartCount: 0,
              state: options.container,
            },
          ]
        : [],
    },
  };
}

/** A container that started at `startedAt` and runs. */
export function runningContainer(startedAt: Date): ContainerState {
  return { running: { startedAt } };
}

/** A container that ran from `startedAt` to `finishedAt` and exited. */
export function terminatedContainer(
  exitCode: number,
  reason: string,
  startedAt: Date,
  finishedAt: Date,
  /** The termination message: the runner's report (@sumo/scenario/testing builds them). */
  message?: string,
): ContainerState {
  return {
    terminated: { exitCode, reason, startedAt, finishedAt, ...(message && { message }) },
  };
}
