// A job's whole life through the real services, the real control plane and Karpenter:
// upload a scenario -> submit -> Kubernetes Job and its scenario ConfigMap -> pod Pending ->
// node -> RUNNING with progress -> SUCCEEDED with the run's summary (or FAILED saying why) in
// the api, logs readable before and after the Job's TTL cleanup.
import { RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { JOB_ID_LABEL, MANAGED_SELECTOR } from "@sumo/kubernetes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "../poll-until.ts";
import { gridBundle } from "../scenario-bundle.ts";
import {
  type ApiJob,
  type E2eContext,
  simulatedRun,
  startE2eContext,
  type TenantClient,
} from "./e2e-context.ts";

const TTL_SECONDS = 5;
const RESYNC_SECONDS = 5;
let ctx: E2eContext;
let tenant: TenantClient;

beforeAll(async () => {
  ctx = await startE2eContext({
    env: {
      scheduler: { JOB_TTL_SECONDS_AFTER_FINISHED: String(TTL_SECONDS) },
      // Deleted Jobs' last states are remembered for ten resyncs: the memory test's wait.
      reconciler: { RESYNC_INTERVAL_SECONDS: String(RESYNC_SECONDS) },
    },
  });
  tenant = await ctx.createTenant({ maxConcurrentJobs: 5 });
});
afterAll(async () => {
  await ctx?.close();
});

describe("a job's life", () => {
  it("runs to SUCCEEDED with progress and a result, its logs readable before and after cleanup", async () => {
    const scenario = await tenant.uploadScenario("e2e");
    const submitted = await tenant.submit(simulatedRun(4));
    expect(submitted).toMatchObject({
      status: "PENDING",
      scenario_id: scenario.scenario_id,
      scenario_name: "e2e",
      scenario_sha256: scenario.sha256,
    });

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
    // The pod reads its scenario from a ConfigMap the Job owns: the bundle as uploaded.
    const volume = await ctx.core.readNamespacedConfigMap({
      name: `sim-${submitted.job_id}-scenario`,
      namespace: running.kubernetes.namespace ?? "",
    });
    expect(volume.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: "Job",
      name: running.kubernetes.job_name,
    });
    expect(JSON.parse(volume.data?.["run.json"] ?? "{}")).toMatchObject({
      job_id: submitted.job_id,
      bundle_sha256: scenario.sha256,
      parameters: { end: 400 },
    });
    expect(Buffer.from(volume.binaryData?.bundle ?? "", "base64")).toEqual(
      Buffer.from(await gridBundle()),
    );

    // Progress comes from the last progress line of the pod's log.
    expect(running.progress).toMatchObject({
      time: expect.any(Number),
      vehicles: { inserted: expect.any(Number) },
    });

    const live = await tenant.call("GET", `/v1/jobs/${submitted.job_id}/logs?tail=20`);
    expect(live.status).toBe(200);
    expect(live.body.source).toBe("pod");

    const done = await tenant.waitForJob(
      submitted.job_id,
      "to end",
      (j) => j.status === "SUCCEEDED",
    );
    expect(done.exit_code).toBe(0);
    expect(done.progress).toBeNull();
    expect(done.result).toMatchObject({
      sumo_version: expect.any(String),
      vehicles: { inserted: expect.any(Number) },
      end_time: 400,
    });
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

  it.each([
    ["a SUMO error", "sumo_error", 10, /^SumoError: Error: /],
    ["a bundle the runner refuses", "bad_bundle", 11, /^BadBundle: /],
    ["an interrupted run (SUMO exits 0 on SIGTERM)", "interrupted", 12, /^Interrupted: /],
    ["exit 0 without the runner's report", "no_report", 0, /^NoRunReport: /],
    ["a kill with no report", 137, 137, /exit code 137/],
  ] as const)("ends FAILED on %s, saying why", async (_, outcome, exitCode, reason) => {
    const submitted = await tenant.submit(simulatedRun(1, outcome));
    const failed = await tenant.waitForJob(
      submitted.job_id,
      "to fail",
      (j) => j.status === "FAILED" || j.status === "SUCCEEDED",
    );
    expect(failed.status).toBe("FAILED");
    expect(failed.exit_code).toBe(exitCode);
    expect(failed.failure_reason).toMatch(reason);
    expect(failed.result).toBeNull();
  });
});

describe("a pod Kubernetes takes away", () => {
  it("is replaced, and the job still ends SUCCEEDED", async () => {
    const submitted = await tenant.submit(simulatedRun(6));
    const running = await tenant.waitForJob(
      submitted.job_id,
      "to run",
      (j) => j.status === "RUNNING",
    );
    const namespace = running.kubernetes.namespace ?? "";
    const evicted = running.kubernetes.pod_name ?? "";
    // As a node drain does it: through the Eviction API.
    await ctx.core.createNamespacedPodEviction({
      name: evicted,
      namespace,
      body: { metadata: { name: evicted, namespace } },
    });
    const done = await tenant.waitForJob(
      submitted.job_id,
      "to end",
      (j) => j.status === "SUCCEEDED" || j.status === "FAILED",
    );
    expect(done.status, done.failure_reason ?? "").toBe("SUCCEEDED");
    expect(done.kubernetes.pod_name).toMatch(new RegExp(`^sim-${submitted.job_id}-`));
    expect(done.kubernetes.pod_name).not.toBe(evicted);
  });
});

describe("cancelling", () => {
  it("stops a running job: CANCELLED, its Kubernetes Job and pod gone, its log kept", async () => {
    const submitted = await tenant.submit(simulatedRun(30));
    const running = await tenant.waitForJob(
      submitted.job_id,
      "to run",
      (j) => j.status === "RUNNING",
    );
    const cancel = await tenant.call("POST", `/v1/jobs/${submitted.job_id}/cancel`);
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ status: "CANCELLED", cancelled: { by: "tenant" } });

    const namespace = running.kubernetes.namespace ?? "";
    await pollUntil(
      "the cancelled job's Kubernetes Job and pod to be gone",
      async () => {
        const [left, pods] = await Promise.all([
          ctx.batch.listNamespacedJob({
            namespace,
            labelSelector: `${JOB_ID_LABEL}=${submitted.job_id}`,
          }),
          ctx.core.listNamespacedPod({
            namespace,
            labelSelector: `${JOB_ID_LABEL}=${submitted.job_id}`,
          }),
        ]);
        const seen = left.items.length + pods.items.length;
        return seen === 0 ? { done: true, value: undefined } : { done: false, seen };
      },
      { timeoutMs: 30_000 },
    );
    // Kubernetes' end of the pod (the runner told to stop) never overwrites the cancellation.
    const after = await tenant.job(submitted.job_id);
    expect(after).toMatchObject({ status: "CANCELLED", result: null });
    const log = await tenant.call("GET", `/v1/jobs/${submitted.job_id}/logs`);
    expect(log.body.source).toBe("database");
    expect(log.body.lines.length).toBeGreaterThan(0);
  });

  it("leaves no Kubernetes Job behind for jobs cancelled as they are scheduled", async () => {
    const busy = await ctx.createTenant({ maxConcurrentJobs: 20, cpuLimit: 20, memoryLimitGi: 20 });
    const submitted = await Promise.all(
      Array.from({ length: 12 }, () => busy.submit(simulatedRun(20))),
    );
    // Cancelled 0 to 330 ms after submission: before, while and after the scheduler creates
    // their Jobs.
    const cancelled = await Promise.all(
      submitted.map(async (job, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * 30));
        return busy.call("POST", `/v1/jobs/${job.job_id}/cancel`);
      }),
    );
    expect(cancelled.map((c) => c.body.status)).toEqual(submitted.map(() => "CANCELLED"));
    const namespace = `sumo-tenant-${busy.tenantId}`;
    await pollUntil(
      "every cancelled job's Kubernetes Job to be gone",
      async () => {
        const left = await ctx.batch.listNamespacedJob({
          namespace,
          labelSelector: MANAGED_SELECTOR,
        });
        return left.items.length === 0
          ? { done: true, value: undefined }
          : { done: false, seen: left.items.map((j) => j.metadata?.name) };
      },
      { timeoutMs: 60_000 },
    );
    for (const job of submitted) {
      expect((await busy.job(job.job_id)).status).toBe("CANCELLED");
    }
  });
});

describe("a tenant's queue", () => {
  it("runs queued jobs one after the other at a limit of one, none refused, all to SUCCEEDED", async () => {
    const queueing = await ctx.createTenant({ maxConcurrentJobs: 1 });
    await queueing.uploadScenario("e2e");
    const submitted: ApiJob[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await queueing.call("POST", "/v1/jobs", {
        ...simulatedRun(2),
        cpu_request: 0.5,
        memory_gi: 0.5,
        queue: true,
      });
      submitted.push(response.body);
    }
    expect(submitted.map((job) => job.status)).toEqual(["PENDING", "QUEUED", "QUEUED", "QUEUED"]);
    // Sampled until every job ended: never two at once.
    let peak = 0;
    const ended = await pollUntil(
      "every queued job to end",
      async () => {
        const page = await queueing.call("GET", "/v1/jobs?limit=10");
        const jobs: ApiJob[] = page.body.jobs;
        const active = jobs.filter((j) => j.status === "PENDING" || j.status === "RUNNING");
        peak = Math.max(peak, active.length);
        return jobs.every((j) => j.status === "SUCCEEDED" || j.status === "FAILED")
          ? { done: true, value: jobs }
          : { done: false, seen: jobs.map((j) => j.status) };
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    );
    expect(ended.map((j) => j.status)).toEqual([
      "SUCCEEDED",
      "SUCCEEDED",
      "SUCCEEDED",
      "SUCCEEDED",
    ]);
    expect(peak).toBe(1);
    // First in, first out.
    const started = [...ended].sort(
      (a, b) => Date.parse(a.started_at ?? "") - Date.parse(b.started_at ?? ""),
    );
    expect(started.map((j) => j.job_id)).toEqual(submitted.map((j) => j.job_id));
  });
});

describe("a small tenant", () => {
  it("runs a job when its limits are under the namespace's default container size", async () => {
    // Half a core and half a GiB: less than the one core and GiB a container gets by default.
    const small = await ctx.createTenant({ cpuLimit: 0.5, memoryLimitGi: 0.5 });
    const submitted = await small.submit({
      ...simulatedRun(1),
      cpu_request: 0.25,
      memory_gi: 0.25,
    });
    const done = await small.waitForJob(
      submitted.job_id,
      "to end",
      (j) => j.status === "SUCCEEDED" || j.status === "FAILED",
    );
    expect({ status: done.status, reason: done.failure_reason }).toEqual({
      status: "SUCCEEDED",
      reason: null,
    });
  });
});

describe("a tenant namespace made before the api's log reads moved to RoleBindings", () => {
  it("gets them when the scheduler starts, so its running job's log is readable again", async () => {
    const earlier = await ctx.createTenant();
    const submitted = await earlier.submit(simulatedRun(60));
    const running = await earlier.waitForJob(
      submitted.job_id,
      "to run",
      (j) => j.status === "RUNNING",
    );
    const namespace = running.kubernetes.namespace ?? "";
    const liveLog = async () =>
      (await earlier.call("GET", `/v1/jobs/${submitted.job_id}/logs?tail=5`)).body;
    expect((await liveLog()).source).toBe("pod");

    // The state an earlier version left: no RoleBindings in the tenant's namespace.
    const rbac = ctx.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    await rbac.deleteCollectionNamespacedRoleBinding({ namespace });
    await pollUntil(
      "the api to lose the pod's log",
      async () => {
        const log = await liveLog();
        return log.source === "pod" ? { done: false, seen: log } : { done: true, value: log };
      },
      { timeoutMs: 30_000 },
    );

    await ctx.platform.kill("scheduler", "SIGTERM");
    await ctx.platform.start("scheduler");
    const log = await pollUntil(
      "the api to read the pod's log again",
      async () => {
        const seen = await liveLog();
        return seen.source === "pod" ? { done: true, value: seen } : { done: false, seen };
      },
      { timeoutMs: 30_000 },
    );
    expect(log.lines.length).toBeGreaterThan(0);
    expect((await earlier.call("POST", `/v1/jobs/${submitted.job_id}/cancel`)).status).toBe(200);
  });
});

describe("following a log", () => {
  it("streams lines until the pod ends", async () => {
    const submitted = await tenant.submit(simulatedRun(4));
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
    const submitted = await tenant.submit(simulatedRun(6));
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
    const job = await tenant.submit(simulatedRun(1));
    await tenant.waitForJob(job.job_id, "to be scheduled", (j) => j.kubernetes.namespace !== null);
    expect((await other.call("GET", `/v1/jobs/${job.job_id}`)).status).toBe(404);
    expect((await other.call("GET", `/v1/jobs/${job.job_id}/logs`)).status).toBe(404);
    const mine = await other.submit(simulatedRun(1));
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

// Last in the file: every job above has ended by now, or soon will.
describe("the reconciler's memory", () => {
  it("holds nothing of jobs that ended once Kubernetes deleted their objects", async () => {
    const ended = await tenant.submit(simulatedRun(1));
    await tenant.waitForJob(ended.job_id, "to end", (j) => j.finished_at !== null);
    const held = await pollUntil(
      "the reconciler to hold no job (every job of this file ended, its objects deleted)",
      async () => {
        const text = await (await fetch(ctx.platform.metricsUrl("reconciler"))).text();
        const structures: Record<string, number> = Object.fromEntries(
          [...text.matchAll(/^sumo_reconciler_held\{structure="(\w+)"[^}]*\} (\d+)$/gm)].map(
            (m) => [m[1], Number(m[2])],
          ),
        );
        const total = Object.values(structures).reduce((sum, n) => sum + n, 0);
        return Object.keys(structures).length > 0 && total === 0
          ? { done: true, value: structures }
          : { done: false, seen: structures };
      },
      { timeoutMs: 3 * 60_000, intervalMs: 1000 },
    );
    expect(Object.keys(held).sort()).toEqual([
      "cachedJobs",
      "cachedPods",
      "converged",
      "deletedJobs",
      "failing",
      "running",
      "waiting",
    ]);
  });
});
