// Faults: the platform loses nothing when its parts fail. Three tenants submit a stream of jobs,
// each with an Idempotency-Key and retried with the same key after a connection error or a 5xx,
// exactly like a careful client, while one fault strikes per stream:
//   - kill -9 of the scheduler, of the reconciler, of the api, then of all three together,
//     each started again at once;
//   - PostgreSQL crashes (immediate shutdown) and starts again a second later;
//   - PostgreSQL freezes (SIGSTOP) for 20 s under a hundred readers: each read answered 503 in
//     seconds, the api's memory flat, everything back by itself once it thaws;
//   - the kube-apiserver is down for 30 s.
// And a sweep at a limit of 2 runs while each service is killed and PostgreSQL crashes: none of
// its members lost, none run twice, the limit held.
// After each: every job of the stream ends as its scenario says (SUCCEEDED, or FAILED with its
// exit code) with its last log lines kept; and for everything accepted so far, each
// Idempotency-Key maps to exactly one job and replays it, there is no job without its key,
// exactly one Kubernetes Job and one pod existed per job (a watch over the whole file, so
// Jobs the 120 s TTL deleted still count; around the apiserver outage Kubernetes itself may
// start a pod twice, see there), at no moment was a job waiting to be scheduled
// without its queue message, and no service died on its own.
//
// PostgreSQL is a server of this file's own, so crashing it hurts no other test; the
// kube-apiserver is the local cluster's, so this file needs it (not a KUBECONFIG's cluster).
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createMigratedTemplate } from "@sumo/db/testing";
import { LOCAL_CLUSTER_KUBECONFIG, loadKubeConfig } from "@sumo/kubernetes";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CrashablePostgres } from "../crashable-postgres.ts";
import { type StoppedComponent, stopLocalClusterComponent } from "../local-cluster.ts";
import { pollUntil } from "../poll-until.ts";
import { type SubmissionAnswer, submitCarefully } from "./careful-client.ts";
import { type ApiJob, type E2eContext, simulatedRun, startE2eContext } from "./e2e-context.ts";
import { type PlatformObjectsSeen, watchPlatformObjects } from "./platform-objects-seen.ts";

/** Submissions per stream, spread round-robin over the tenants. */
const STREAM_LENGTH = 12;
/** The stream's pace: one submission every this many ms. */
const STREAM_INTERVAL_MS = 150;
const APISERVER_OUTAGE_MS = 30_000;
const POSTGRES_OUTAGE_MS = 1_000;
/** How long PostgreSQL is frozen (SIGSTOP), and how many readers keep asking meanwhile. */
const POSTGRES_FREEZE_MS = 20_000;
const FROZEN_READERS = 100;

interface Tenant {
  tenantId: string;
  apiKey: string;
}

interface Submission {
  tenant: Tenant;
  idempotencyKey: string;
  body: { scenario_id: string; cpu_request: number; memory_gi: number; scenario: object };
  expected: { status: "SUCCEEDED" | "FAILED"; exit_code: number };
  answer?: SubmissionAnswer;
  /** Set when the answer accepted the job (202, first time or replayed). */
  jobId?: string;
  /** The fault may make Kubernetes start the job's pod twice (see the apiserver outage). */
  podMayStartTwice: boolean;
}

let postgres: CrashablePostgres | undefined;
let ctx: E2eContext;
let seen: PlatformObjectsSeen;
let audit: QueueAudit;
let stoppedApiserver: StoppedComponent | undefined;
const tenants: Tenant[] = [];
/** Every accepted submission of the streams so far. */
const accepted: Submission[] = [];
const unexpectedExits: string[] = [];

beforeAll(async () => {
  if (process.env.KUBECONFIG) {
    throw new Error(
      "faults.test.ts stops and restarts the kube-apiserver of the project's local cluster " +
        "(test/cluster/), which it cannot do to the cluster KUBECONFIG names: unset KUBECONFIG " +
        "to run the test suite against the local cluster",
    );
  }
  postgres = await CrashablePostgres.start("faults");
  const database = await createMigratedTemplate(postgres.url);
  // The embedded server runs with synchronous_commit=off (a dev database), which loses the last
  // few hundred milliseconds of acknowledged commits in a crash. Production PostgreSQL does
  // not: this database commits as production does, so a crash loses only what it would there.
  await runStatement(
    postgres.url,
    `ALTER DATABASE ${new URL(database.url).pathname.slice(1)} SET synchronous_commit = on`,
  );
  ctx = await startE2eContext({
    database,
    onUnexpectedExit: (name, code) => unexpectedExits.push(`${name} exited with ${code}`),
  });
  for (const _ of [1, 2, 3]) {
    const tenant = await ctx.createTenant({
      maxConcurrentJobs: 100,
      cpuLimit: 16,
      memoryLimitGi: 16,
    });
    // Every scenario the streams name (streamWithFault), uploaded before any fault.
    for (const exitCode of [0, 1, 2, 3, 4, 5, 6, 7]) {
      await tenant.uploadScenario(
        simulatedRun(1, exitCode === 0 ? "succeeded" : exitCode).scenario_id,
      );
    }
    tenants.push({ tenantId: tenant.tenantId, apiKey: tenant.apiKey });
  }
  seen = await watchPlatformObjects(loadKubeConfig({ kubeconfigPath: LOCAL_CLUSTER_KUBECONFIG }));
  audit = startQueueAudit(
    ctx,
    tenants.map((t) => t.tenantId),
  );
});

afterAll(async () => {
  // Whatever failed, the kube-apiserver runs again for the test files after this one.
  await stoppedApiserver?.start();
  await audit?.stop();
  await seen?.stop();
  await postgres?.start();
  await ctx?.close();
  await postgres?.stop();
});

it("loses nothing when the scheduler is killed", async () => {
  await expectNothingLost(
    await streamWithFault("scheduler", async () => {
      await ctx.platform.kill("scheduler");
      await ctx.platform.start("scheduler");
    }),
  );
});

it("loses nothing when the reconciler is killed while jobs run", async () => {
  await expectNothingLost(
    await streamWithFault("reconciler", async (stream) => {
      await waitForAnyJob(stream, "RUNNING");
      await ctx.platform.kill("reconciler");
      await ctx.platform.start("reconciler");
    }),
  );
});

it("loses nothing when the api is killed", async () => {
  const stream = await streamWithFault("api", async () => {
    await ctx.platform.kill("api");
    await ctx.platform.start("api");
  });
  expectClientsToHaveRetried(stream);
  await expectNothingLost(stream);
});

it("loses nothing when the api, scheduler and reconciler are killed together", async () => {
  const stream = await streamWithFault("all", async () => {
    await Promise.all([
      ctx.platform.kill("api"),
      ctx.platform.kill("scheduler"),
      ctx.platform.kill("reconciler"),
    ]);
    await ctx.platform.start("api", "scheduler", "reconciler");
  });
  expectClientsToHaveRetried(stream);
  await expectNothingLost(stream);
});

it("loses nothing when PostgreSQL crashes", async () => {
  const stream = await streamWithFault("postgres", async () => {
    await postgres?.crash();
    // Down for as long as a supervisor takes to notice and start it again, so the submissions
    // arriving meanwhile must be answered with an error and sent again.
    await new Promise((resolve) => setTimeout(resolve, POSTGRES_OUTAGE_MS));
    await postgres?.start();
  });
  expectClientsToHaveRetried(stream);
  await expectNothingLost(stream);
});

it("answers 503 within seconds while PostgreSQL is frozen, keeps its memory, recovers by itself, and loses nothing", async () => {
  const [tenant] = tenants as [Tenant];
  const apiPid = ctx.platform.pids("api")[0] ?? 0;
  const load: LoadAnswer[] = [];
  const rss: number[] = [];
  let frozenAt = 0;
  let thawedAt = 0;
  const stream = await streamWithFault("postgres-frozen", async () => {
    const baseline = await residentBytes(apiPid);
    const sampler = setInterval(() => void residentBytes(apiPid).then((b) => rss.push(b)), 250);
    await postgres?.pause();
    frozenAt = Date.now();
    // Readers keep coming all along: each waits for its answer and asks again at once.
    const until = Date.now() + POSTGRES_FREEZE_MS;
    await Promise.all(
      Array.from({ length: FROZEN_READERS }, async (_, i) => {
        while (Date.now() < until) {
          load.push(await timedGet(tenant, i % 2 === 0 ? "/v1/jobs?limit=20" : "/v1/dashboard"));
        }
      }),
    );
    await postgres?.resume();
    thawedAt = Date.now();
    clearInterval(sampler);
    const peak = Math.max(...rss);
    const answered = load.filter((a) => a.startedAt >= frozenAt + 500 && a.endedAt <= thawedAt);
    const waits = answered.map((a) => a.endedAt - a.startedAt).sort((a, b) => a - b);
    process.stdout.write(
      `postgres frozen ${POSTGRES_FREEZE_MS} ms: ${answered.length} reads answered meanwhile, ` +
        `wait p50 ${waits[Math.floor(waits.length / 2)]} ms, max ${waits.at(-1)} ms; ` +
        `api RSS ${mib(baseline)} MiB before, peak ${mib(peak)} MiB\n`,
    );
    // Every read while the server was frozen was answered, with 503 and a Retry-After, long
    // before the server came back: the pool's acquire and statement timeouts, not the thaw.
    expect(answered.length).toBeGreaterThan(FROZEN_READERS);
    expect(new Set(answered.map((a) => `${a.status} ${a.code} ${a.retryAfter}`))).toEqual(
      new Set(["503 service_unavailable 2"]),
    );
    expect(waits.at(-1)).toBeLessThan(POSTGRES_FREEZE_MS / 2);
    // Waiting requests are bounded, so memory is too.
    expect(peak - baseline).toBeLessThan(64 * 1024 * 1024);
  });
  // Back by itself: the api answers again without a restart.
  await pollUntil(
    "the api to answer reads again once PostgreSQL is thawed",
    async () => {
      const answer = await timedGet(tenant, "/v1/jobs?limit=1");
      return answer.status === 200
        ? { done: true, value: undefined }
        : { done: false, seen: answer };
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  expect(ctx.platform.pids("api")).toEqual([apiPid]);
  expectClientsToHaveRetried(stream);
  await expectNothingLost(stream);
});

it("loses nothing when the kube-apiserver is down for 30 s", async () => {
  const stream = await streamWithFault(
    "apiserver",
    async () => {
      stoppedApiserver = await stopLocalClusterComponent("kube-apiserver");
      // The outage itself.
      await new Promise((resolve) => setTimeout(resolve, APISERVER_OUTAGE_MS));
      await stoppedApiserver.start();
      stoppedApiserver = undefined;
      await pollUntil(
        "the kube-apiserver to answer again",
        async () => {
          await ctx.core.readNamespace({ name: "default" });
          return { done: true, value: undefined };
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
    },
    // Kubernetes' own Job controller may start a Job's pod twice when the apiserver goes away
    // just as it creates one: the create succeeded but its answer was lost, and the watch that
    // would have shown the pod broke with it. Kubernetes documents this ("the same program may
    // sometimes be started twice", even with parallelism 1, completions 1 and restartPolicy
    // Never); the platform sees both pods end alike and records the job once.
    { podMayStartTwice: true },
  );
  await expectNothingLost(stream);
});

it("keeps a sweep whole when each service is killed and PostgreSQL crashes mid-sweep", async () => {
  const limit = 2;
  const tenant = await ctx.createTenant({ maxConcurrentJobs: limit });
  const scenarioId = simulatedRun(1).scenario_id;
  await tenant.uploadScenario(scenarioId);
  const created = await tenant.call("POST", "/v1/sweeps", {
    scenario_id: scenarioId,
    cpu_request: 0.1,
    memory_gi: 0.1,
    parameters: { end: 100 },
    vary: { seed: { from: 1, to: 24 } },
  });
  expect(created.status).toBe(201);
  const sweepId: string = created.body.sweep_id;

  // The limit, sampled where it is kept, the whole time (skipped while PostgreSQL is down).
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      try {
        const { rows } = await ctx.database.pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1 AND status IN ('PENDING', 'RUNNING')",
          [tenant.tenantId],
        );
        peak = Math.max(peak, rows[0]?.n ?? 0);
      } catch {
        // PostgreSQL is down: nothing to sample.
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const ended = async () =>
    (await tenant.call("GET", `/v1/sweeps/${sweepId}`)).body.progress?.ended ?? 0;
  const faults: [string, () => Promise<void>][] = [
    ["scheduler", () => ctx.platform.kill("scheduler").then(() => ctx.platform.start("scheduler"))],
    [
      "reconciler",
      () => ctx.platform.kill("reconciler").then(() => ctx.platform.start("reconciler")),
    ],
    ["api", () => ctx.platform.kill("api").then(() => ctx.platform.start("api"))],
    [
      "postgres",
      async () => {
        await postgres?.crash();
        await new Promise((resolve) => setTimeout(resolve, POSTGRES_OUTAGE_MS));
        await postgres?.start();
      },
    ],
  ];
  try {
    for (const [name, fault] of faults) {
      // Each strikes once the queue has moved on since the last.
      const before = await ended();
      await pollUntil(
        `two more members to end before the ${name} fault`,
        async () => {
          const now = await ended();
          return now >= before + 2 ? { done: true, value: now } : { done: false, seen: now };
        },
        { timeoutMs: 120_000 },
      );
      await fault();
    }
    const done = await pollUntil(
      "every member to end",
      async () => {
        const sweep = (await tenant.call("GET", `/v1/sweeps/${sweepId}`)).body;
        return sweep.progress?.ended === 24
          ? { done: true, value: sweep }
          : { done: false, seen: sweep.counts };
      },
      { timeoutMs: 300_000 },
    );
    // None lost.
    expect(done.counts).toMatchObject({ SUCCEEDED: 24 });
  } finally {
    sampling = false;
    await sampler;
  }
  // None run twice: one Kubernetes Job and one pod per member (besides pods Kubernetes took away
  // and replaced).
  const members = await ctx.database.pool.query<{ id: string }>(
    "SELECT id FROM jobs WHERE sweep_id = $1",
    [sweepId],
  );
  expect(members.rows).toHaveLength(24);
  const counted = await pollUntil(
    "the watch to have seen each member's Job and pod",
    async () => {
      const counts = Object.fromEntries(
        members.rows.map((row) => [
          row.id,
          { jobs: seen.jobs(row.id).length, pods: seen.undisruptedPods(row.id).length },
        ]),
      );
      return Object.values(counts).some((c) => c.jobs === 0 || c.pods === 0)
        ? { done: false, seen: counts }
        : { done: true, value: counts };
    },
    { timeoutMs: 30_000 },
  );
  expect(counted).toEqual(
    Object.fromEntries(members.rows.map((row) => [row.id, { jobs: 1, pods: 1 }])),
  );
  // The limit held.
  expect(peak).toBe(limit);
  expect(unexpectedExits).toEqual([]);
});

/**
 * Sends a stream of submissions from all tenants; once the first third of them are accepted,
 * `fault` strikes as the rest start coming. Resolves when the fault is over and every submission
 * has its definitive answer.
 */
async function streamWithFault(
  name: string,
  fault: (stream: Submission[]) => Promise<void>,
  { podMayStartTwice = false } = {},
): Promise<Submission[]> {
  const run = randomBytes(3).toString("hex");
  const stream: Submission[] = Array.from({ length: STREAM_LENGTH }, (_, i) => {
    const exitCode = i % 4 === 3 ? 1 + (i % 7) : 0;
    const tenant = tenants[i % tenants.length] as Tenant;
    return {
      tenant,
      idempotencyKey: `faults-${name}-${run}-${i}`,
      body: {
        ...simulatedRun(1 + (i % 3), exitCode === 0 ? "succeeded" : exitCode),
        cpu_request: 0.25,
        memory_gi: 0.25,
      },
      expected: { status: exitCode === 0 ? "SUCCEEDED" : "FAILED", exit_code: exitCode },
      podMayStartTwice,
    };
  });

  const answers: Promise<void>[] = [];
  const send = (submission: Submission) =>
    submitCarefully({
      apiUrl: ctx.platform.apiUrl,
      apiKey: submission.tenant.apiKey,
      idempotencyKey: submission.idempotencyKey,
      body: submission.body,
      timeoutMs: 120_000,
    }).then((answer) => {
      submission.answer = answer;
      const jobId = (answer.body as Partial<ApiJob> | undefined)?.job_id;
      if (answer.status === 202 && jobId) submission.jobId = jobId;
    });
  const sendAtPace = async (submissions: Submission[]) => {
    for (const submission of submissions) {
      answers.push(send(submission));
      await new Promise((resolve) => setTimeout(resolve, STREAM_INTERVAL_MS));
    }
  };

  const firstThird = stream.slice(0, Math.ceil(STREAM_LENGTH / 3));
  await sendAtPace(firstThird);
  await pollUntil(
    `the first third of the ${name} stream to be accepted`,
    async () =>
      firstThird.every((s) => s.jobId)
        ? { done: true, value: undefined }
        : { done: false, seen: firstThird.map((s) => s.answer?.status ?? "waiting") },
    { timeoutMs: 60_000, intervalMs: 20 },
  );
  // The rest start coming as the fault strikes, however quickly the platform took the first.
  await Promise.all([fault(stream), sendAtPace(stream.slice(firstThird.length))]);
  await Promise.all(answers);
  // Kept before anything is checked, so that a failed check here fails no later stream's.
  accepted.push(...stream.filter((s) => s.jobId));
  return stream;
}

/** The fault was felt: some submission got no answer or a 5xx, and was sent again. */
function expectClientsToHaveRetried(stream: Submission[]): void {
  const retried = stream.filter((s) => (s.answer?.retried.length ?? 0) > 0);
  expect(retried.length, "submissions that had to be sent again").toBeGreaterThan(0);
}

/** Everything a user (and an operator looking behind the api) would check after a fault. */
async function expectNothingLost(stream: Submission[]): Promise<void> {
  // Every submission was accepted: a careful client never saw an error it could not retry.
  expect(
    stream
      .filter((s) => s.answer?.status !== 202 || !s.jobId)
      .map((s) => ({ key: s.idempotencyKey, answer: s.answer })),
  ).toEqual([]);

  // Every job of the stream ends, and ends as its scenario says. (Earlier streams' jobs have
  // ended already, and an ended job never changes.)
  const ended = await waitForEveryJobToEnd(stream);
  expect(
    stream.map((s) => ({ key: s.idempotencyKey, ...pickEnd(ended.get(s.jobId ?? "")) })),
  ).toEqual(stream.map((s) => ({ key: s.idempotencyKey, ...s.expected })));

  // Every ended job's last log lines are kept, to be read once Kubernetes deletes its pod.
  await pollUntil(
    "every ended job's log to be kept",
    async () => {
      const kept = await ctx.database.pool.query<{ job_id: string }>(
        "SELECT job_id FROM job_logs WHERE job_id = ANY($1) AND line_count > 0",
        [stream.map((s) => s.jobId)],
      );
      const keptIds = new Set(kept.rows.map((row) => row.job_id));
      const missing = stream.filter((s) => !keptIds.has(s.jobId ?? ""));
      return missing.length === 0
        ? { done: true, value: undefined }
        : { done: false, seen: missing.map((s) => s.idempotencyKey) };
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );

  // Sending a key again replays its job: the same job, not a second one.
  const replays = await Promise.all(
    stream.map(async (s) => {
      const answer = await submitCarefully({
        apiUrl: ctx.platform.apiUrl,
        apiKey: s.tenant.apiKey,
        idempotencyKey: s.idempotencyKey,
        body: s.body,
        timeoutMs: 30_000,
      });
      return {
        key: s.idempotencyKey,
        status: answer.status,
        replayed: answer.replayed,
        jobId: (answer.body as Partial<ApiJob>).job_id,
      };
    }),
  );
  expect(replays).toEqual(
    stream.map((s) => ({ key: s.idempotencyKey, status: 202, replayed: true, jobId: s.jobId })),
  );

  // In the database, each key maps to its one job, and there is no job without its key: no
  // retry created a second job.
  const tenantIds = tenants.map((t) => t.tenantId);
  const keyRows = await ctx.database.pool.query<{ key: string; job_id: string }>(
    `SELECT key, response_body->>'job_id' AS job_id FROM idempotency_keys
     WHERE tenant_id = ANY($1) ORDER BY key COLLATE "C"`,
    [tenantIds],
  );
  expect(keyRows.rows).toEqual(
    accepted
      .map((s) => ({ key: s.idempotencyKey, job_id: s.jobId }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
  );
  const jobRows = await ctx.database.pool.query<{ id: string }>(
    "SELECT id FROM jobs WHERE tenant_id = ANY($1)",
    [tenantIds],
  );
  expect(jobRows.rows.map((row) => row.id).sort()).toEqual(accepted.map((s) => s.jobId).sort());

  // Exactly one Kubernetes Job and one pod existed for each accepted job, and none for
  // anything else of these tenants. (The watch may trail the api by a moment.)
  const podsExpected = (s: Submission) => (s.podMayStartTwice ? "1 or 2" : 1);
  const everyJobOnce = Object.fromEntries(
    accepted.map((s) => [s.jobId, { jobs: 1, pods: podsExpected(s) }]),
  );
  const mayStartTwice = new Set(accepted.filter((s) => s.podMayStartTwice).map((s) => s.jobId));
  const counted = await pollUntil(
    "the watch to have seen a Job and a pod for every accepted job",
    async () => {
      const counts = Object.fromEntries(
        [...new Set([...accepted.map((s) => s.jobId ?? ""), ...seen.jobIdsOf(tenantIds)])].map(
          (jobId) => {
            const pods = seen.undisruptedPods(jobId).length;
            const podsSeen =
              mayStartTwice.has(jobId) && (pods === 1 || pods === 2) ? "1 or 2" : pods;
            return [jobId, { jobs: seen.jobs(jobId).length, pods: podsSeen }];
          },
        ),
      );
      const missing = Object.values(counts).some((c) => c.jobs === 0 || c.pods === 0);
      return missing ? { done: false, seen: counts } : { done: true, value: counts };
    },
    { timeoutMs: 30_000 },
  );
  expect(counted).toEqual(everyJobOnce);

  // At no moment since the start was a job waiting to be scheduled without its queue message,
  // and no service died on its own.
  expect(audit.orphans()).toEqual([]);
  expect(audit.checks()).toBeGreaterThan(0);
  expect(unexpectedExits).toEqual([]);
}

async function waitForEveryJobToEnd(submissions: Submission[]): Promise<Map<string, ApiJob>> {
  const ended = new Map<string, ApiJob>();
  return pollUntil(
    `all ${submissions.length} accepted jobs to end`,
    async () => {
      const waiting = submissions.filter((s) => !ended.has(s.jobId ?? ""));
      await Promise.all(
        waiting.map(async (s) => {
          const job = await getJob(s);
          if (job?.status === "SUCCEEDED" || job?.status === "FAILED") {
            ended.set(s.jobId ?? "", job);
          }
        }),
      );
      const still = submissions.filter((s) => !ended.has(s.jobId ?? ""));
      return still.length === 0
        ? { done: true, value: ended }
        : {
            done: false,
            seen: await Promise.all(
              still
                .slice(0, 10)
                .map(async (s) => ({ key: s.idempotencyKey, job: await getJob(s) })),
            ),
          };
    },
    { timeoutMs: 180_000, intervalMs: 500 },
  );
}

async function waitForAnyJob(stream: Submission[], status: ApiJob["status"]): Promise<void> {
  await pollUntil(
    `a job of the stream to be ${status}`,
    async () => {
      const jobs = await Promise.all(stream.filter((s) => s.jobId).map(getJob));
      return jobs.some((job) => job?.status === status)
        ? { done: true, value: undefined }
        : { done: false, seen: jobs.map((job) => job?.status) };
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
}

/** GET /v1/jobs/{id} as the job's tenant; undefined when the api does not answer 200. */
async function getJob(submission: Submission): Promise<ApiJob | undefined> {
  const response = await fetch(`${ctx.platform.apiUrl}/v1/jobs/${submission.jobId}`, {
    headers: { authorization: `Bearer ${submission.tenant.apiKey}` },
    signal: AbortSignal.timeout(10_000),
  }).catch(() => undefined);
  return response?.status === 200 ? ((await response.json()) as ApiJob) : undefined;
}

function pickEnd(job: ApiJob | undefined) {
  return { status: job?.status, exit_code: job?.exit_code };
}

interface QueueAudit {
  /** Jobs seen PENDING, unscheduled and without a live queue message, with when. */
  orphans(): { jobId: string; at: string }[];
  /** How many times the check ran. */
  checks(): number;
  stop(): Promise<void>;
}

/**
 * Checks, over and over for the whole file, that no job of these tenants waits to be scheduled
 * (PENDING, no Kubernetes Job recorded) without a live message in the job-submitted queue or
 * its dead-letter queue: such a job would never be scheduled. One statement, so one snapshot:
 * the api writes a job and its message in one transaction, and the scheduler records the
 * Kubernetes Job before it completes the message, so a correct platform never shows one.
 * Checks that fail (PostgreSQL down) are skipped.
 */
function startQueueAudit(context: E2eContext, tenantIds: string[]): QueueAudit {
  const orphans = new Map<string, string>();
  let checks = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const result = await context.database.pool.query<{ id: string }>(
          `SELECT j.id FROM jobs j
           WHERE j.tenant_id = ANY($1) AND j.status = 'PENDING' AND j.scheduled_at IS NULL
             AND NOT EXISTS (
               SELECT 1 FROM pgboss.job q
               WHERE q.name IN ('job-submitted', 'job-submitted-dead-letter')
                 AND q.data->>'jobId' = j.id::text
                 AND q.state IN ('created', 'retry', 'active'))`,
          [tenantIds],
        );
        checks += 1;
        for (const row of result.rows) {
          if (!orphans.has(row.id)) orphans.set(row.id, new Date().toISOString());
        }
      } catch {
        // PostgreSQL is down or restarting: nothing to see until it is back.
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return {
    orphans: () => [...orphans].map(([jobId, at]) => ({ jobId, at })),
    checks: () => checks,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

async function runStatement(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

interface LoadAnswer {
  status: number;
  code: string | undefined;
  retryAfter: string | null;
  startedAt: number;
  endedAt: number;
}

/** One GET as the tenant: its status, error code and when it was asked and answered. */
async function timedGet(tenant: Tenant, path: string): Promise<LoadAnswer> {
  const startedAt = Date.now();
  try {
    const response = await fetch(`${ctx.platform.apiUrl}${path}`, {
      headers: { authorization: `Bearer ${tenant.apiKey}` },
      signal: AbortSignal.timeout(60_000),
    });
    const body = (await response.json().catch(() => undefined)) as
      | { error?: { code?: string } }
      | undefined;
    return {
      status: response.status,
      code: body?.error?.code,
      retryAfter: response.headers.get("retry-after"),
      startedAt,
      endedAt: Date.now(),
    };
  } catch (error) {
    return { status: 0, code: String(error), retryAfter: null, startedAt, endedAt: Date.now() };
  }
}

/** A process's resident memory in bytes (VmRSS). */
async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0);
}
