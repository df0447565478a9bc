import type { V1Job, V1JobCondition, V1Pod } from "@kubernetes/client-node";
import { failedRunMessage, makeRunSummary, succeededRunMessage } from "@sumo/scenario/testing";
import { describe, expect, it } from "vitest";
import { deriveJobStatus } from "./derive-job-status.ts";

const JOB_ID = "01a2181a-0dc9-7604-9232-138a962194dc";
const NOW = new Date("2026-11-26T12:00:00Z");
const T = (second: number) => new Date(Date.UTC(2026, 10, 26, 11, 0, second));

function job(...conditions: Partial<V1JobCondition>[]): V1Job {
  return {
    metadata: { name: `sim-${JOB_ID}` },
    status: {
      conditions: conditions.map(
        (c) => ({ type: "Complete", status: "True", ...c }) as V1JobCondition,
      ),
    },
  };
}

function pod(phase: string, state: NonNullable<V1Pod["status"]>["containerStatuses"] = []): V1Pod {
  return {
    metadata: { name: `sim-${JOB_ID}-abcde`, creationTimestamp: T(0) },
    status: { phase, startTime: T(1), containerStatuses: state },
  };
}

const running = [
  {
    name: "sumo",
    image: "i",
    imageID: "",
    ready: true,
    restartCount: 0,
    state: { running: { startedAt: T(2) } },
  },
];
const terminated = (exitCode: number, reason: string, message?: string) => [
  {
    name: "sumo",
    image: "i",
    imageID: "",
    ready: false,
    restartCount: 0,
    state: { terminated: { exitCode, reason, startedAt: T(2), finishedAt: T(9), message } },
  },
];
const summary = makeRunSummary();

describe("deriveJobStatus", () => {
  it("is PENDING while the Job has no pod or its pod waits for a node", () => {
    expect(deriveJobStatus(JOB_ID, job(), [], NOW).status).toBe("PENDING");
    const waiting = deriveJobStatus(JOB_ID, job(), [pod("Pending")], NOW);
    expect(waiting).toMatchObject({
      status: "PENDING",
      podName: `sim-${JOB_ID}-abcde`,
      startedAt: null,
    });
  });

  it("is RUNNING from the container's start", () => {
    expect(deriveJobStatus(JOB_ID, job(), [pod("Running", running)], NOW)).toMatchObject({
      status: "RUNNING",
      startedAt: T(2),
    });
  });

  it("SUCCEEDED carries the summary, exit code and end time, from the pod before the Job says so", () => {
    const fromPod = deriveJobStatus(
      JOB_ID,
      job(),
      [pod("Succeeded", terminated(0, "Completed", succeededRunMessage(summary)))],
      NOW,
    );
    expect(fromPod).toMatchObject({
      status: "SUCCEEDED",
      exitCode: 0,
      startedAt: T(2),
      finishedAt: T(9),
      result: summary,
    });
  });

  it("a Complete Job whose pod (and so its report) is gone is FAILED, not SUCCEEDED", () => {
    const fromJob = deriveJobStatus(
      JOB_ID,
      job({ type: "Complete", lastTransitionTime: T(10) }),
      [],
      NOW,
    );
    expect(fromJob).toMatchObject({
      status: "FAILED",
      exitCode: 0,
      finishedAt: T(10),
      failureReason: expect.stringMatching(/^NoRunReport/),
      result: null,
    });
  });

  it("FAILED says why: the exit code, OOMKilled, or the deadline", () => {
    const failedJob = job({ type: "Failed", reason: "BackoffLimitExceeded" });
    expect(
      deriveJobStatus(JOB_ID, failedJob, [pod("Failed", terminated(3, "Error"))], NOW),
    ).toMatchObject({
      status: "FAILED",
      exitCode: 3,
      failureReason: "Error: exit code 3",
      finishedAt: T(9),
    });
    expect(
      deriveJobStatus(JOB_ID, failedJob, [pod("Failed", terminated(137, "OOMKilled"))], NOW)
        .failureReason,
    ).toBe("OOMKilled: the run went over its memory limit, exit code 137");
    // The kernel took SUMO, the runner reported what it saw: the kernel's verdict comes first.
    const sumoKilled = failedRunMessage("sumo_error", "SUMO was killed by SIGKILL");
    expect(
      deriveJobStatus(
        JOB_ID,
        failedJob,
        [pod("Failed", terminated(10, "OOMKilled", sumoKilled))],
        NOW,
      ).failureReason,
    ).toBe(
      "OOMKilled: the run went over its memory limit, exit code 10 (SumoError: SUMO was killed by SIGKILL)",
    );
    const deadline = job({
      type: "Failed",
      reason: "DeadlineExceeded",
      message: "Job was active longer than specified deadline",
      lastTransitionTime: T(30),
    });
    expect(deriveJobStatus(JOB_ID, deadline, [], NOW)).toMatchObject({
      status: "FAILED",
      failureReason: "DeadlineExceeded: Job was active longer than specified deadline",
      finishedAt: T(30),
      exitCode: null,
    });
  });

  it("waits for the replacement of a pod Kubernetes took away, unless the Job failed", () => {
    const evicted: V1Pod = {
      ...pod("Failed", terminated(137, "Error")),
      status: {
        ...pod("Failed", terminated(137, "Error")).status,
        conditions: [{ type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI" }],
      },
    };
    expect(deriveJobStatus(JOB_ID, job(), [evicted], NOW).status).toBe("PENDING");
    const replacement: V1Pod = {
      ...pod("Running", running),
      metadata: { name: "replacement", creationTimestamp: T(1) },
    };
    expect(deriveJobStatus(JOB_ID, job(), [replacement, evicted], NOW)).toMatchObject({
      status: "RUNNING",
      podName: "replacement",
    });
    const failedJob = job({ type: "Failed", reason: "BackoffLimitExceeded" });
    expect(deriveJobStatus(JOB_ID, failedJob, [evicted], NOW)).toMatchObject({
      status: "FAILED",
      exitCode: 137,
    });
  });

  it("reads the newest pod when there are several", () => {
    const old = pod("Failed", terminated(1, "Error"));
    const latest: V1Pod = {
      ...pod("Running", running),
      metadata: { name: "newer", creationTimestamp: T(5) },
    };
    expect(deriveJobStatus(JOB_ID, job(), [old, latest], NOW)).toMatchObject({
      status: "RUNNING",
      podName: "newer",
    });
  });
});
