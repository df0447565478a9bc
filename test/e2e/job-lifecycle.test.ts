// A job's whole life through the real services, the real control plane and Karpenter:
// submit -> Kubernetes Job -> pod Pending -> node -> RUNNING -> SUCCEEDED/FAILED in the api,
// logs readable before and after the Job's TTL cleanup.
import { JOB_ID_LABEL } from "@sumo/kubernetes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "../poll-until.ts";
import { type E2eContext, fakeSumo, startE2eContext, type TenantClient } from "./e2e-context.ts";

const TTL_SECONDS = 5;
let ctx: E2eContext;
let tenant: TenantClient;

beforeAll(async () => {
  ctx = await startE2eContext({
    env: { scheduler: { JOB_TTL_SECONDS_AFTER_FINISHED: String(TTL_SECONDS) } },
  });
  tenant = await ctx.createTenant({ maxConcurrentJobs: 5 });
});
afterAll(async () => {
  await ctx?.close();
});

describe("a job's life", () => {
  it("runs to SUCCEEDED, with its logs readable before and after cleanup", async () => {
    const submitted = await tenant.submit({ scenario: fakeSumo(4) });
    expect(submitted.status).toBe("PENDING");

    const running = await tenant.waitForJob(
      submitted.job_id,
      "to run",
      (j) => j.status !== "PENDING",
    );
    expect(running.status).toBe("RUNNING");
    expect(running.kubernetes.namespace).toBe(`sumo-tenant-${tenant.tenantId}`);
    expect(running.kubernetes.job_name).toBe(`sim-${submitted.job_id}`);
    expect(running.kubernetes.pod_name).toMatch(new RegExp(`^sim-${submitted.job_id}-`));

    // The pod landed on a node Karpenter made for it: none exist without pending pods.
    const pod = await ctx.core.readNamespacedPod({
      name: running.kubernetes.pod_name ?? "",
      namespace: running.kubernetes.namespace ?? "",
    });
    const node = await ctx.core.readNode({ name: pod.spec?.nodeName ?? "" });
    expect(node.metadata?.labels?.["karpenter.sh/nodepool"]).toBe("default");

    const live = await tenant.call("GET", `/v1/jobs/${submitted.job_id}/logs?tail=20`);
    expect(live.status).toBe(200);
    expect(live.body.source).toBe("pod");

    const done = await tenant.waitForJob(
      submitted.job_id,
      "to end",
      (j) => j.status === "SUCCEEDED",
    );
    expect(done.exit_code).toBe(0);
    expect(new Date(done.finished_at ?? 0).getTime()).toBeGreaterThanOrEqual(
      new Date(done.started_at ?? 0).getTime(),
    );

    const before = await tenant.call("GET", `/v1/jobs/${submitted.job_id}/logs`);
    expect(before.body.lines.length).toBeGreaterThan(0);
    expect(before.body.lines.length).toBeLessThanOrEqual(500);

    // The TTL controller deletes the Job and its pod; the logs come from the database then.
    await pollUntil(
      "the Job's TTL cleanup",
      async () => {
        const left = await ctx.batch.listNamespacedJob({
          namespace: done.kubernetes.namespace ?? "",
          labelSelector: `${JOB_ID_LABEL}=${submitted.job_id}`,
        });
        return left.items.length === 0
          ? { done: true, value: undefined }
          : { done: false, seen: left.items.length };
      },
      { timeoutMs: 60_000 },
    );
    const after = await tenant.call("GET", `/v1/jobs/${submitted.job_id}/logs`);
    expect(after.body.source).toBe("database");
    expect(after.body.lines).toEqual(before.body.lines);
  });

  it("ends FAILED with the simulation's exit code", async () => {
    const submitted = await tenant.submit({ scenario: fakeSumo(1, 3) });
    const failed = await tenant.waitForJob(
      submitted.job_id,
      "to fail",
      (j) => j.status === "FAILED",
    );
    expect(failed.exit_code).toBe(3);
    expect(failed.failure_reason).toContain("exit code 3");
  });
});

describe("following a log", () => {
  it("streams lines until the pod ends", async () => {
    const submitted = await tenant.submit({ scenario: fakeSumo(4) });
    await tenant.waitForJob(submitted.job_id, "to run", (j) => j.status === "RUNNING");
    const response = await fetch(
      `${ctx.platform.apiUrl}/v1/jobs/${submitted.job_id}/logs?follow=true&tail=10`,
      { headers: { authorization: `Bearer ${tenant.apiKey}` } },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text(); // resolves when the api ends the stream
    expect(text.split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(10);
    expect((await tenant.job(submitted.job_id)).status).toBe("SUCCEEDED");
  });

  it("survives clients that hang up mid-stream", async () => {
    const submitted = await tenant.submit({ scenario: fakeSumo(6) });
    await tenant.waitForJob(submitted.job_id, "to run", (j) => j.status === "RUNNING");
    for (let i = 0; i < 3; i++) {
      const hangUp = new AbortController();
      const response = await fetch(
        `${ctx.platform.apiUrl}/v1/jobs/${submitted.job_id}/logs?follow=true&tail=5`,
        { headers: { authorization: `Bearer ${tenant.apiKey}` }, signal: hangUp.signal },
      );
      const reader = response.body?.getReader();
      await reader?.read();
      hangUp.abort();
    }
    const health = await fetch(`${ctx.platform.apiUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(ctx.platform.isRunning("api")).toBe(true);
  });
});

describe("isolation", () => {
  it("keeps tenants' jobs, logs and namespaces apart", async () => {
    const other = await ctx.createTenant();
    const job = await tenant.submit({ scenario: fakeSumo(1) });
    await tenant.waitForJob(job.job_id, "to be scheduled", (j) => j.kubernetes.namespace !== null);
    expect((await other.call("GET", `/v1/jobs/${job.job_id}`)).status).toBe(404);
    expect((await other.call("GET", `/v1/jobs/${job.job_id}/logs`)).status).toBe(404);
    const mine = await other.submit({ scenario: fakeSumo(1) });
    const scheduled = await other.waitForJob(
      mine.job_id,
      "to be scheduled",
      (j) => j.kubernetes.namespace !== null,
    );
    expect(scheduled.kubernetes.namespace).toBe(`sumo-tenant-${other.tenantId}`);
    expect(scheduled.kubernetes.namespace).not.toBe(`sumo-tenant-${tenant.tenantId}`);
    const dashboard = await other.call("GET", "/v1/dashboard");
    expect(dashboard.body.recent_jobs.map((j: { job_id: string }) => j.job_id)).toEqual([
      mine.job_id,
    ]);
  });
});
