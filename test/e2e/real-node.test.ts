// Jobs that really run: the platform's unchanged Jobs on the local cluster's real node
// (test/cluster/real-node.sh), the simulation image's runner and SUMO under a real kubelet,
// containerd and runc. The test bed sends the tenant's pods there by labelling its namespace
// (REAL_NODE_PLACEMENT_LABEL); nothing in the public API chooses it.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { promisify } from "node:util";
import { Exec, type V1Status } from "@kubernetes/client-node";
import { SIMULATION_CONTAINER } from "@sumo/kubernetes";
import { SUMO_VERSION } from "@sumo/scenario";
import { installSumo, makeGridScenario, makeTarGz } from "@sumo/scenario/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REAL_NODE_PLACEMENT_LABEL, realNode } from "../local-cluster.ts";
import { uploadScenario } from "../scenario-bundle.ts";
import {
  type ApiJob,
  type E2eContext,
  type JobRequest,
  startE2eContext,
  type TenantClient,
} from "./e2e-context.ts";

const execFileAsync = promisify(execFile);
const node = await realNode();
/** Short, so a run that overruns it is quick to show; every other run here ends well within. */
const DEADLINE_SECONDS = 30;
const SEED = 42;
/** Small steps: the grid's 300 s take SUMO some seconds, long enough to watch it progress. */
const STEP_LENGTH = 0.02;

let ctx: E2eContext;
let tenant: TenantClient;
let scenarioDir: string;

/** SUMO's own counts for the grid scenario and seed, run on this machine with the pinned SUMO. */
let localRun: { inserted: number; running: number; waiting: number };

beforeAll(async () => {
  if (!node.expected) return;
  ctx = await startE2eContext({
    env: {
      scheduler: {
        JOB_ACTIVE_DEADLINE_SECONDS: String(DEADLINE_SECONDS),
        JOB_TTL_SECONDS_AFTER_FINISHED: "30",
      },
    },
  });
  tenant = await ctx.createTenant({ maxConcurrentJobs: 4 });
  // The test bed's placement: the tenant's namespace, made before its first job, carries the
  // label; the scheduler adds its own labels and objects beside it.
  await ctx.core.createNamespace({
    body: {
      metadata: {
        name: `sumo-tenant-${tenant.tenantId}`,
        labels: { ...REAL_NODE_PLACEMENT_LABEL },
      },
    },
  });

  scenarioDir = await mkdtemp(path.join(tmpdir(), "real-node-scenario-"));
  const grid = await makeGridScenario(scenarioDir, { gridNumber: 3, end: 300, seed: 7 });
  const files: Record<string, Uint8Array> = {};
  for (const file of grid.files) files[file] = await readFile(path.join(scenarioDir, file));
  await uploadScenario(ctx.platform.apiUrl, tenant.apiKey, "grid", await makeTarGz(files));
  await uploadScenario(ctx.platform.apiUrl, tenant.apiKey, "crowd", await crowdBundle());

  const sumo = await installSumo();
  const { stdout } = await execFileAsync(
    path.join(sumo.binDir, "sumo"),
    [
      "-c",
      grid.config,
      "--seed",
      String(SEED),
      "--step-length",
      String(STEP_LENGTH),
      "--duration-log.statistics",
      "--no-step-log",
    ],
    { cwd: scenarioDir, env: sumo.env },
  );
  // Its end-of-run statistics (--duration-log.statistics): " Inserted: 283 (Loaded: 300)", ...
  const count = (name: string) => Number(new RegExp(`^ ${name}: (\\d+)`, "m").exec(stdout)?.[1]);
  localRun = { inserted: count("Inserted"), running: count("Running"), waiting: count("Waiting") };
  expect(localRun.inserted).toBeGreaterThan(0);
});

afterAll(async () => {
  await ctx?.close();
  if (scenarioDir) await rm(scenarioDir, { recursive: true, force: true });
});

/**
 * A scenario too big for a small memory limit: a 3x3 grid where 100,000 vehicles want to leave
 * one edge within ten seconds; SUMO holds every one that waits to be inserted.
 */
async function crowdBundle(): Promise<Uint8Array> {
  const dir = await mkdtemp(path.join(tmpdir(), "crowd-scenario-"));
  try {
    await makeGridScenario(dir, { gridNumber: 3, end: 300 });
    await writeFile(
      path.join(dir, "crowd.rou.xml"),
      `<routes>\n  <flow id="crowd" begin="0" end="10" number="100000" from="A0A1" to="C2C1"/>\n</routes>\n`,
    );
    await writeFile(
      path.join(dir, "crowd.sumocfg"),
      `<configuration>\n  <input>\n    <net-file value="grid.net.xml"/>\n    <route-files value="crowd.rou.xml"/>\n  </input>\n  <time><end value="300"/></time>\n</configuration>\n`,
    );
    const files: Record<string, Uint8Array> = {};
    for (const file of ["crowd.sumocfg", "grid.net.xml", "crowd.rou.xml"]) {
      files[file] = await readFile(path.join(dir, file));
    }
    return makeTarGz(files);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Submits a job of one of the scenarios uploaded above (tenant.submit uploads its own). */
async function submit(job: JobRequest & { scenario_id: string }): Promise<ApiJob> {
  const response = await tenant.call("POST", "/v1/jobs", job);
  if (response.status !== 202) {
    throw new Error(`submit answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body as ApiJob;
}

/** A run of hours at `cpu` cores: the grid's 300 s of traffic, then a long stretch in tiny steps. */
function submitLongRun(cpu: number): Promise<ApiJob> {
  return submit({
    scenario_id: "grid",
    cpu_request: cpu,
    memory_gi: 0.5,
    scenario: { end: 100_000, step_length: 0.001 },
  });
}

/** The job's pod, once the api says where it runs. */
async function runningPod(job: ApiJob) {
  const running = await tenant.waitForJob(job.job_id, "to run", (j) => j.status === "RUNNING");
  const pod = await ctx.core.readNamespacedPod({
    name: running.kubernetes.pod_name ?? "",
    namespace: running.kubernetes.namespace ?? "",
  });
  return { running, pod };
}

/** The lines of a streamed answer, each with when it arrived (ms since the epoch). */
async function readLines(response: Response): Promise<{ line: string; at: number }[]> {
  const lines: { line: string; at: number }[] = [];
  const decoder = new TextDecoder();
  let partial = "";
  for await (const chunk of response.body ?? []) {
    const at = Date.now();
    const text = partial + decoder.decode(chunk, { stream: true });
    const parts = text.split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) lines.push({ line, at });
  }
  if (partial) lines.push({ line: partial, at: Date.now() });
  return lines;
}

/** Runs a command in the job's running container through the apiserver and the kubelet. */
async function execInContainer(namespace: string, pod: string, command: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const collected = { stdout: "", stderr: "" };
  stdout.on("data", (chunk: Buffer) => (collected.stdout += chunk.toString()));
  stderr.on("data", (chunk: Buffer) => (collected.stderr += chunk.toString()));
  const status = await new Promise<V1Status>((resolve, reject) => {
    new Exec(ctx.kubeConfig)
      .exec(namespace, pod, SIMULATION_CONTAINER, command, stdout, stderr, null, false, resolve)
      .catch(reject);
  });
  return { status: status.status, ...collected };
}

describe.skipIf(!node.expected)("a job on the real node", () => {
  it("runs the real image: SUMO's live log through the api's follow, its summary, SUCCEEDED", async () => {
    const submitted = await submit({
      scenario_id: "grid",
      cpu_request: 1,
      memory_gi: 1,
      scenario: { seed: SEED, step_length: STEP_LENGTH },
    });
    const { running, pod } = await runningPod(submitted);
    expect(pod.spec?.nodeName).toBe(node.name);
    expect(pod.status?.hostIP).toBe("127.0.0.1");
    expect(running.kubernetes.namespace).toBe(`sumo-tenant-${tenant.tenantId}`);

    // Followed through the api while it runs: each line as it arrives, with when it arrived.
    const followed = await fetch(
      `${ctx.platform.apiUrl}/v1/jobs/${submitted.job_id}/logs?follow=true&tail=500`,
      { headers: { authorization: `Bearer ${tenant.apiKey}` } },
    );
    expect(followed.status).toBe(200);
    const arrivals = await readLines(followed);
    const firstProgress = arrivals.find((a) => a.line.startsWith("[sumo-runner] progress time="));
    const succeeded = arrivals.find((a) => a.line.startsWith("[sumo-runner] succeeded"));
    expect(firstProgress, "a progress line, live").toBeDefined();
    expect(succeeded, "the runner's last line").toBeDefined();
    // Live: progress reached the client well before the run ended, not all at once at its end.
    expect((succeeded?.at ?? 0) - (firstProgress?.at ?? 0)).toBeGreaterThan(1000);

    const done = await tenant.waitForJob(
      submitted.job_id,
      "to end",
      (j) => j.status === "SUCCEEDED" || j.status === "FAILED",
    );
    expect(done.status, done.failure_reason ?? "").toBe("SUCCEEDED");
    expect(done.exit_code).toBe(0);
    // The summary came back through the termination message, and it is SUMO's own run: the same
    // counts as the pinned SUMO gives on this machine for the same scenario and seed.
    expect(done.result).toMatchObject({
      sumo_version: SUMO_VERSION,
      seed: SEED,
      vehicles: localRun,
      end_time: expect.any(Number),
    });

    const log = await tenant.call("GET", `/v1/jobs/${submitted.job_id}/logs?tail=500`);
    const lines: string[] = log.body.lines;
    expect(lines.some((l) => l.startsWith("Simulation ended at time: 300.00"))).toBe(true);
    expect(lines.at(-1)).toMatch(/^\[sumo-runner\] succeeded: /);
  });

  it("holds the Job's security context in the running container", async () => {
    const submitted = await submit({
      scenario_id: "grid",
      cpu_request: 0.2,
      memory_gi: 0.5,
      scenario: { end: 100_000, step_length: 0.001 },
    });
    const { running } = await runningPod(submitted);
    const namespace = running.kubernetes.namespace ?? "";
    const podName = running.kubernetes.pod_name ?? "";

    // Process 1 is the runner, the container's command.
    const status = await execInContainer(namespace, podName, ["cat", "/proc/1/status"]);
    expect(status.status).toBe("Success");
    expect(status.stdout).toMatch(/^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
    expect(status.stdout).toMatch(/^Gid:\s+1000\s+1000\s+1000\s+1000$/m);
    expect(status.stdout).toMatch(/^CapEff:\s+0000000000000000$/m);
    expect(status.stdout).toMatch(/^CapBnd:\s+0000000000000000$/m);
    expect(status.stdout).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(status.stdout).toMatch(/^Seccomp:\s+2$/m); // filter mode: RuntimeDefault
    const cmdline = await execInContainer(namespace, podName, ["cat", "/proc/1/cmdline"]);
    expect(cmdline.stdout.split("\0")).toEqual(
      expect.arrayContaining(["/app/packages/runner/src/main.ts", "--scenario-dir"]),
    );

    const write = await execInContainer(namespace, podName, ["touch", "/root-is-writable"]);
    expect(write.status).toBe("Failure");
    expect(write.stderr).toContain("Read-only file system");
    const work = await execInContainer(namespace, podName, ["touch", "/work/probe"]);
    expect(work.status).toBe("Success");
    const token = await execInContainer(namespace, podName, [
      "ls",
      "/var/run/secrets/kubernetes.io/serviceaccount",
    ]);
    expect(token.status).toBe("Failure");
    expect(token.stderr).toContain("No such file or directory");

    await ctx.batch.deleteNamespacedJob({
      name: running.kubernetes.job_name ?? "",
      namespace,
      propagationPolicy: "Background",
    });
  });

  it("ends FAILED with OOMKilled when the scenario outgrows its memory limit", async () => {
    const submitted = await submit({
      scenario_id: "crowd",
      cpu_request: 1,
      memory_gi: 0.25,
    });
    const failed = await tenant.waitForJob(
      submitted.job_id,
      "to end",
      (j) => j.status === "FAILED" || j.status === "SUCCEEDED",
      120_000,
    );
    expect(failed.status).toBe("FAILED");
    expect(failed.failure_reason).toMatch(/^OOMKilled/);
  });

  it("ends FAILED with DeadlineExceeded when it overruns its deadline", async () => {
    const submitted = await submitLongRun(0.1);
    const failed = await tenant.waitForJob(
      submitted.job_id,
      "to end",
      (j) => j.status === "FAILED" || j.status === "SUCCEEDED",
      (DEADLINE_SECONDS + 60) * 1000,
    );
    expect(failed.status).toBe("FAILED");
    expect(failed.failure_reason).toMatch(/^DeadlineExceeded/);
  });

  it("stops SUMO with SIGTERM when the job is cancelled: CANCELLED, never SUCCEEDED", async () => {
    const submitted = await submitLongRun(0.2);
    await runningPod(submitted);
    const followed = await fetch(
      `${ctx.platform.apiUrl}/v1/jobs/${submitted.job_id}/logs?follow=true&tail=20`,
      { headers: { authorization: `Bearer ${tenant.apiKey}` } },
    );
    await tenant.waitForJob(submitted.job_id, "to report progress", (j) => j.progress !== null);
    const cancel = await tenant.call("POST", `/v1/jobs/${submitted.job_id}/cancel`);
    expect(cancel.body).toMatchObject({ status: "CANCELLED" });
    const text = await followed.text();
    expect(text).toContain("[sumo-runner] SIGTERM: stopping SUMO");
    expect(text).toMatch(/Reason: Interrupted/);
    expect((await tenant.job(submitted.job_id)).status).toBe("CANCELLED");
  });

  it("delivers SIGTERM to SUMO when its Job is deleted, and never ends SUCCEEDED", async () => {
    const submitted = await submitLongRun(0.2);
    const { running } = await runningPod(submitted);
    // The runner's log, followed through the api, until the pod is gone.
    const followed = await fetch(
      `${ctx.platform.apiUrl}/v1/jobs/${submitted.job_id}/logs?follow=true&tail=20`,
      { headers: { authorization: `Bearer ${tenant.apiKey}` } },
    );
    await tenant.waitForJob(submitted.job_id, "to report progress", (j) => j.progress !== null);
    await ctx.batch.deleteNamespacedJob({
      name: running.kubernetes.job_name ?? "",
      namespace: running.kubernetes.namespace ?? "",
      propagationPolicy: "Foreground",
    });
    const text = await followed.text();
    expect(text).toContain("[sumo-runner] SIGTERM: stopping SUMO");
    expect(text).toMatch(/Reason: Interrupted/);
    const ended = await tenant.waitForJob(
      submitted.job_id,
      "to end",
      (j) => j.status === "FAILED" || j.status === "SUCCEEDED",
    );
    expect(ended.status).toBe("FAILED");
  });
});
