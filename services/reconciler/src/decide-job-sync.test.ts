import type { JobStatus } from "@sumo/db/job-status";
import type { JobSyncState } from "@sumo/db/queries";
import { makeJob } from "@sumo/db/testing";
import {
  makeKubernetesJob,
  makePod,
  runningContainer,
  terminatedContainer,
} from "@sumo/kubernetes/testing";
import { failedRunMessage, makeRunSummary, succeededRunMessage } from "@sumo/scenario/testing";
import { describe, expect, it } from "vitest";
import { decideJobSync, decisionInputs, LOST_REASON, type SeenJob } from "./decide-job-sync.ts";
import { NO_RUN_REPORT_REASON } from "./derive-job-status.ts";

// The decision table of reconcileJob: what the database says (the row) and what Kubernetes says
// (the Job and pods, from the watch caches or the apiserver) to what the reconciler does.

const NOW = new Date("2026-11-26T12:00:00Z");
const T = (second: number) => new Date(Date.UTC(2026, 10, 26, 11, 0, second));
const options = { now: NOW, vanishedGraceMs: 30_000 };
const JOB_ID = "01a2181a-0dc9-7604-9232-138a962194dc";

function row(status: JobStatus, overrides: Partial<JobSyncState> = {}): JobSyncState {
  const job = makeJob({ id: JOB_ID, status, scheduledAt: T(0) });
  return { ...job, logKept: false, ...overrides };
}

function seen(
  from: SeenJob["from"],
  objects: Partial<Pick<SeenJob, "job" | "deletedJob" | "pods">> = {},
): SeenJob {
  return { job: undefined, deletedJob: undefined, pods: [], from, ...objects };
}

const job = makeKubernetesJob(JOB_ID);
const complete = makeKubernetesJob(JOB_ID, {
  conditions: [{ type: "Complete", lastTransitionTime: T(10) }],
});
const backoffFailed = makeKubernetesJob(JOB_ID, {
  conditions: [{ type: "Failed", reason: "BackoffLimitExceeded" }],
});
const podName = `sim-${JOB_ID}-abcde`;
const pending = makePod(JOB_ID, "Pending");
const running = makePod(JOB_ID, "Running", { container: runningContainer(T(2)), startTime: T(1) });
const summary = makeRunSummary();
const succeeded = makePod(JOB_ID, "Succeeded", {
  container: terminatedContainer(0, "Completed", T(2), T(9), succeededRunMessage(summary)),
});
const exited = (code: number, reason: string, message?: string) =>
  makePod(JOB_ID, "Failed", {
    container: terminatedContainer(code, reason, T(2), T(9), message),
  });

describe("decideJobSync", () => {
  it("leaves a job the database does not have: not found is done", () => {
    expect(
      decideJobSync(undefined, seen("watch-cache", { job, pods: [running] }), options),
    ).toEqual({ kind: "in-sync" });
  });

  it("keeps an ended job's log once, from its pod while the pod is there", () => {
    for (const status of ["SUCCEEDED", "FAILED"] as const) {
      expect(
        decideJobSync(row(status), seen("watch-cache", { pods: [succeeded] }), options),
      ).toEqual({ kind: "keep-log", podName });
      expect(
        decideJobSync(
          row(status, { logKept: true }),
          seen("watch-cache", { pods: [succeeded] }),
          options,
        ),
      ).toEqual({ kind: "in-sync" });
      expect(decideJobSync(row(status), seen("watch-cache"), options)).toEqual({ kind: "in-sync" });
    }
  });

  it("never moves an ended job, whatever Kubernetes says now", () => {
    const decision = decideJobSync(
      row("SUCCEEDED", { logKept: true }),
      seen("apiserver", { job: backoffFailed, pods: [exited(1, "Error")] }),
      options,
    );
    expect(decision).toEqual({ kind: "in-sync" });
  });

  it("waits for the scheduler while a job has no Kubernetes Job yet", () => {
    const unscheduled = row("PENDING", { scheduledAt: null });
    expect(decideJobSync(unscheduled, seen("apiserver"), options)).toEqual({ kind: "in-sync" });
    const justScheduled = row("PENDING", { scheduledAt: new Date(NOW.getTime() - 5_000) });
    expect(decideJobSync(justScheduled, seen("watch-cache"), options)).toEqual({ kind: "in-sync" });
  });

  it("ends a scheduled job whose Kubernetes Job vanished as lost, on the apiserver's word only", () => {
    for (const status of ["PENDING", "RUNNING"] as const) {
      expect(decideJobSync(row(status), seen("watch-cache"), options)).toEqual({
        kind: "read-apiserver",
      });
      expect(decideJobSync(row(status), seen("apiserver"), options)).toEqual({ kind: "lost" });
    }
    expect(LOST_REASON).toMatch(/^Lost: /);
  });

  it("records the pod's name while it waits, and RUNNING from its container's start", () => {
    expect(
      decideJobSync(row("PENDING"), seen("watch-cache", { job, pods: [pending] }), options),
    ).toMatchObject({
      kind: "record",
      observed: { status: "PENDING", podName },
      keepLogOf: undefined,
    });
    expect(
      decideJobSync(row("PENDING"), seen("watch-cache", { job, pods: [running] }), options),
    ).toMatchObject({ kind: "record", observed: { status: "RUNNING", podName, startedAt: T(2) } });
  });

  it("writes nothing that is already recorded, and nothing backwards", () => {
    const recorded = row("RUNNING", { podName, startedAt: T(2) });
    expect(decideJobSync(recorded, seen("watch-cache", { job, pods: [running] }), options)).toEqual(
      {
        kind: "in-sync",
      },
    );
    // A late event of the pod still pending.
    expect(decideJobSync(recorded, seen("watch-cache", { job, pods: [pending] }), options)).toEqual(
      {
        kind: "in-sync",
      },
    );
  });

  it("ends SUCCEEDED with the run's summary, the exit code and end time, and keeps the pod's log", () => {
    expect(
      decideJobSync(
        row("RUNNING"),
        seen("watch-cache", { job: complete, pods: [succeeded] }),
        options,
      ),
    ).toEqual({
      kind: "record",
      observed: {
        jobId: JOB_ID,
        status: "SUCCEEDED",
        podName,
        startedAt: T(2),
        finishedAt: T(9),
        exitCode: 0,
        failureReason: null,
        result: summary,
      },
      keepLogOf: podName,
    });
  });

  it("never ends SUCCEEDED without the runner's report of a finished run, whatever Kubernetes says", () => {
    const exitedZero = (message?: string) =>
      makePod(JOB_ID, "Succeeded", {
        container: terminatedContainer(0, "Completed", T(2), T(9), message),
      });
    const decide = (pod: SeenJob["pods"][number]) =>
      decideJobSync(row("RUNNING"), seen("watch-cache", { job: complete, pods: [pod] }), options);
    for (const message of [undefined, "done", '{"outcome":"succeeded","summary":{}}']) {
      expect(decide(exitedZero(message)), String(message)).toMatchObject({
        kind: "record",
        observed: { status: "FAILED", exitCode: 0, failureReason: NO_RUN_REPORT_REASON },
      });
    }
    expect(decide(exitedZero('{"outcome":"succeeded"}'))).toMatchObject({
      observed: { status: "FAILED", failureReason: expect.stringMatching(/^RunnerError: /) },
    });
    // An image whose default command exits 0, or the runner interrupted (SUMO exits 0 on
    // SIGTERM): FAILED with the reason, never SUCCEEDED.
    expect(decide(exitedZero(failedRunMessage("interrupted", "SIGTERM")))).toMatchObject({
      observed: { status: "FAILED", failureReason: "Interrupted: SIGTERM" },
    });
  });

  it("ends FAILED saying why: the runner's reason, the exit code, an OOM kill, the deadline", () => {
    const failedWith = (pods: SeenJob["pods"], kubernetesJob = backoffFailed) =>
      decideJobSync(row("RUNNING"), seen("watch-cache", { job: kubernetesJob, pods }), options);
    expect(failedWith([exited(3, "Error")])).toMatchObject({
      kind: "record",
      observed: { status: "FAILED", exitCode: 3, failureReason: "Error: exit code 3" },
      keepLogOf: podName,
    });
    expect(failedWith([exited(137, "OOMKilled")])).toMatchObject({
      observed: {
        status: "FAILED",
        exitCode: 137,
        failureReason: "OOMKilled: the run went over its memory limit, exit code 137",
      },
    });
    const sumoError = "Error: Could not load net-file 'grid.net.xml'.";
    expect(
      failedWith([exited(10, "Error", failedRunMessage("sumo_error", sumoError))]),
    ).toMatchObject({
      observed: { status: "FAILED", exitCode: 10, failureReason: `SumoError: ${sumoError}` },
    });
    expect(
      failedWith([exited(11, "Error", failedRunMessage("bad_bundle", "bundle sha256 mismatch"))]),
    ).toMatchObject({
      observed: { exitCode: 11, failureReason: "BadBundle: bundle sha256 mismatch" },
    });
    // No report (the runner killed): the log's last lines Kubernetes put in the message.
    expect(failedWith([exited(1, "Error", "line 1\nline 2\n")])).toMatchObject({
      observed: { failureReason: "Error: exit code 1: line 1\nline 2" },
    });
    const deadline = makeKubernetesJob(JOB_ID, {
      conditions: [
        {
          type: "Failed",
          reason: "DeadlineExceeded",
          message: "Job was active longer than specified deadline",
          lastTransitionTime: T(30),
        },
      ],
    });
    // Kubernetes deleted the pod it stopped: the Job's verdict stands, on the apiserver's word.
    expect(decideJobSync(row("RUNNING"), seen("apiserver", { job: deadline }), options)).toEqual({
      kind: "record",
      observed: {
        jobId: JOB_ID,
        status: "FAILED",
        podName: null,
        startedAt: null,
        finishedAt: T(30),
        exitCode: null,
        failureReason: "DeadlineExceeded: Job was active longer than specified deadline",
        result: null,
      },
      keepLogOf: undefined,
    });
  });

  it("asks the apiserver when the Job's verdict came before its pod's end", () => {
    const verdictFirst = seen("watch-cache", { job: complete, pods: [running] });
    expect(decideJobSync(row("RUNNING"), verdictFirst, options)).toEqual({
      kind: "read-apiserver",
    });
    const fromApiserver = seen("apiserver", { job: complete, pods: [succeeded] });
    expect(decideJobSync(row("RUNNING"), fromApiserver, options)).toMatchObject({
      kind: "record",
      observed: { status: "SUCCEEDED", exitCode: 0, podName },
    });
  });

  it("takes a deleted Job's last state as its final word; deleted before it ended is lost", () => {
    expect(
      decideJobSync(
        row("RUNNING"),
        seen("apiserver", { deletedJob: complete, pods: [succeeded] }),
        options,
      ),
    ).toMatchObject({ kind: "record", observed: { status: "SUCCEEDED", exitCode: 0 } });
    const deletedRunning = { deletedJob: job, pods: [running] };
    expect(decideJobSync(row("RUNNING"), seen("watch-cache", deletedRunning), options)).toEqual({
      kind: "read-apiserver",
    });
    expect(decideJobSync(row("RUNNING"), seen("apiserver", deletedRunning), options)).toEqual({
      kind: "lost",
    });
  });

  it("reads the newest pod when Kubernetes started the job twice", () => {
    const older = exited(1, "Error");
    const newer = makePod(JOB_ID, "Running", {
      name: "newer",
      createdAt: T(5),
      container: runningContainer(T(6)),
    });
    expect(
      decideJobSync(row("PENDING"), seen("watch-cache", { job, pods: [older, newer] }), options),
    ).toMatchObject({ kind: "record", observed: { status: "RUNNING", podName: "newer" } });
  });
});

describe("decisionInputs", () => {
  const inputs = (objects: Partial<Pick<SeenJob, "job" | "deletedJob" | "pods">>) =>
    decisionInputs(JOB_ID, seen("watch-cache", objects), NOW);
  const withMetadata = <T extends { metadata?: object }>(object: T, metadata: object): T => ({
    ...object,
    metadata: { ...object.metadata, ...metadata },
  });

  it("stays the same when a Job or pod changes in what no decision reads", () => {
    const before = inputs({ job, pods: [running] });
    expect(
      inputs({
        job: withMetadata(
          { ...job, status: { ...job.status, ready: 1 } },
          { resourceVersion: "2" },
        ),
        pods: [
          withMetadata(
            { ...running, status: { ...running.status, podIP: "10.0.0.7" } },
            { resourceVersion: "3" },
          ),
        ],
      }),
    ).toBe(before);
  });

  it("changes with anything a decision reads", () => {
    const all = [
      inputs({ job }),
      inputs({ job, pods: [pending] }),
      inputs({ job, pods: [running] }),
      inputs({ job, pods: [succeeded] }),
      inputs({ job: complete }),
      inputs({ deletedJob: job, pods: [running] }),
      inputs({ job, deletedJob: job, pods: [running] }),
      inputs({ job, pods: [running, withMetadata(pending, { name: "second" })] }),
      inputs({ pods: [running] }),
      inputs({ job: backoffFailed, pods: [exited(1, "Error")] }),
    ];
    expect(new Set(all).size).toBe(all.length);
  });

  it("is undefined when the caches hold no Job and no pod, where time decides", () => {
    expect(inputs({})).toBeUndefined();
    expect(inputs({ deletedJob: job })).toBeUndefined();
  });
});
