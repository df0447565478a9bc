// Two replicas each of the scheduler and the reconciler; kill -9 them mid-flight and start them
// again: every job still reaches its correct end, with exactly one Kubernetes Job (and one
// pod) per submission.
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  type ApiJob,
  type E2eContext,
  simulatedRun,
  startE2eContext,
  type TenantClient,
} from "./e2e-context.ts";
import { type PlatformObjectsSeen, watchPlatformObjects } from "./platform-objects-seen.ts";

let ctx: E2eContext;
let tenant: TenantClient;
let seen: PlatformObjectsSeen;

beforeAll(async () => {
  ctx = await startE2eContext({ replicas: { scheduler: 2, reconciler: 2 } });
  tenant = await ctx.createTenant({ maxConcurrentJobs: 20, cpuLimit: 20, memoryLimitGi: 20 });
  // Every Job and pod as they come and go: a finished pod may be gone by the end (its node
  // emptied, Karpenter removes it and the pod garbage collector takes the pod with it).
  seen = await watchPlatformObjects(ctx.kubeConfig);
});
afterAll(async () => {
  await seen?.stop();
  await ctx?.close();
});

it("reaches every job's end with exactly one Kubernetes Job each, across crashes", async () => {
  const outcomes = [0, 0, 2, 0, 0, 5, 0, 0];
  const jobs: ApiJob[] = [];

  // The scheduler dies while submissions arrive; they wait in the queue.
  await ctx.platform.kill("scheduler");
  for (const [i, exitCode] of outcomes.entries()) {
    jobs.push(
      await tenant.submit(simulatedRun(3 + (i % 3), exitCode === 0 ? "succeeded" : exitCode)),
    );
  }
  await ctx.platform.start("scheduler");

  // Once pods run, the reconciler dies and the scheduler dies again with work in hand.
  await tenant.waitForJob(jobs[0]?.job_id ?? "", "to be scheduled", (j) => j.scheduled_at !== null);
  await ctx.platform.kill("reconciler");
  await ctx.platform.kill("scheduler");
  await ctx.platform.start("scheduler", "reconciler");

  const ended = await Promise.all(
    jobs.map((job) =>
      tenant.waitForJob(
        job.job_id,
        "to end",
        (j) => j.status === "SUCCEEDED" || j.status === "FAILED",
        180_000,
      ),
    ),
  );
  for (const [i, job] of ended.entries()) {
    const exitCode = outcomes[i];
    expect({ status: job.status, exit_code: job.exit_code }).toEqual({
      status: exitCode === 0 ? "SUCCEEDED" : "FAILED",
      exit_code: exitCode,
    });
  }

  // One Kubernetes Job per job, and one pod, besides any Kubernetes took away and replaced (a
  // node tainted as it registered, say): the platform itself never ran a job twice.
  const created = Object.fromEntries(
    jobs.map((job) => [
      job.job_id,
      { jobs: seen.jobs(job.job_id).length, pods: seen.undisruptedPods(job.job_id).length },
    ]),
  );
  expect(created).toEqual(
    Object.fromEntries(jobs.map((job) => [job.job_id, { jobs: 1, pods: 1 }])),
  );
});
