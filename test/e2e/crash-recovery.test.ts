// Two replicas each of the scheduler and the reconciler; kill -9 them mid-flight and start them
// again: every job still reaches its correct end, with exactly one Kubernetes Job (and one
// pod) per submission.
import { JOB_ID_LABEL, MANAGED_SELECTOR } from "@sumo/kubernetes";
import { afterAll, beforeAll, expect, it } from "vitest";
import { pollUntil } from "../poll-until.ts";
import {
  type ApiJob,
  type E2eContext,
  simulatedRun,
  startE2eContext,
  type TenantClient,
} from "./e2e-context.ts";

let ctx: E2eContext;
let tenant: TenantClient;

beforeAll(async () => {
  // TTL long enough that every Job is still there to be counted at the end.
  ctx = await startE2eContext({
    env: { scheduler: { JOB_TTL_SECONDS_AFTER_FINISHED: "600" } },
    replicas: { scheduler: 2, reconciler: 2 },
  });
  tenant = await ctx.createTenant({ maxConcurrentJobs: 20, cpuLimit: 20, memoryLimitGi: 20 });
});
afterAll(async () => {
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

  const namespace = `sumo-tenant-${tenant.tenantId}`;
  const kubernetesJobs = await ctx.batch.listNamespacedJob({
    namespace,
    labelSelector: MANAGED_SELECTOR,
  });
  const pods = await pollUntil(
    "one pod per job",
    async () => {
      const list = await ctx.core.listNamespacedPod({ namespace, labelSelector: MANAGED_SELECTOR });
      return list.items.length >= jobs.length
        ? { done: true, value: list.items }
        : { done: false, seen: list.items.length };
    },
    { timeoutMs: 30_000 },
  );
  const count = (labels: (string | undefined)[]) =>
    Object.fromEntries(
      jobs.map((job) => [job.job_id, labels.filter((id) => id === job.job_id).length]),
    );
  const everyJobOnce = Object.fromEntries(jobs.map((job) => [job.job_id, 1]));
  expect(count(kubernetesJobs.items.map((j) => j.metadata?.labels?.[JOB_ID_LABEL]))).toEqual(
    everyJobOnce,
  );
  expect(count(pods.map((p) => p.metadata?.labels?.[JOB_ID_LABEL]))).toEqual(everyJobOnce);
});
