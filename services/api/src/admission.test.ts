import { makeTenant } from "@sumo/db/testing";
import { describe, expect, it } from "vitest";
import {
  type Admission,
  type AdmissionState,
  admitSubmissions,
  type JobSubmission,
  requestFingerprint,
} from "./admission.ts";

const tenant = makeTenant({ cpuLimit: 4, memoryLimitGi: 8, maxConcurrentJobs: 2 });
const request = { scenario_id: "grid", cpu_request: 1, memory_gi: 2 };
const scenario = {
  id: "00000000-0000-7000-8000-00000000000a",
  name: "grid",
  bundleSha256: "ab".repeat(32),
  config: "grid.sumocfg",
};
let sequence = 0;
const identity = {
  newJobId: () => `00000000-0000-7000-8000-${String(++sequence).padStart(12, "0")}`,
  now: () => new Date("2026-12-01T10:00:00Z"),
};

function state(overrides: Partial<AdmissionState> = {}): AdmissionState {
  return {
    tenants: new Map([[tenant.id, tenant]]),
    activeJobs: new Map([[tenant.id, 0]]),
    queuedJobs: new Map([[tenant.id, 0]]),
    activeUse: new Map(),
    earlier: new Map(),
    ...overrides,
  };
}

function submission(overrides: Partial<JobSubmission> = {}): JobSubmission {
  return { tenantId: tenant.id, request, scenario, idempotencyKey: undefined, ...overrides };
}

const kinds = (admissions: Admission[]) =>
  admissions.map((a) => (a.kind === "refuse" ? a.refusal.code : a.kind));

describe("admitSubmissions", () => {
  it("accepts a job within the tenant's limits as PENDING, with the 202 body a retry replays", () => {
    const [admission] = admitSubmissions([submission({ idempotencyKey: "k" })], state(), identity);
    expect(admission).toMatchObject({
      kind: "accept",
      job: {
        tenantId: tenant.id,
        scenarioId: scenario.id,
        scenarioName: "grid",
        scenarioSha256: scenario.bundleSha256,
        scenarioConfig: "grid.sumocfg",
        cpuRequest: 1,
        memoryGi: 2,
      },
      body: {
        status: "PENDING",
        scenario_id: scenario.id,
        scenario_name: "grid",
        scenario_sha256: scenario.bundleSha256,
        kubernetes: { job_name: null },
      },
      idempotencyRecord: { tenantId: tenant.id, key: "k", responseStatus: 202 },
    });
  });

  it("refuses a scenario_id that names none of the tenant's scenarios, after replaying a retry", () => {
    const first = admitSubmissions([submission({ idempotencyKey: "k" })], state(), identity)[0];
    if (first?.kind !== "accept" || !first.idempotencyRecord) throw new Error("not accepted");
    const earlier = new Map([[`${tenant.id} k`, first.idempotencyRecord]]);
    const unknown = submission({ scenario: undefined });
    expect(kinds(admitSubmissions([unknown], state(), identity))).toEqual(["unknown_scenario"]);
    // The scenario deleted since: a retry of the accepted request still gets its answer.
    expect(
      kinds(admitSubmissions([{ ...unknown, idempotencyKey: "k" }], state({ earlier }), identity)),
    ).toEqual(["replay"]);
  });

  it("refuses a tenant that no longer exists", () => {
    expect(
      kinds(admitSubmissions([submission()], state({ tenants: new Map() }), identity)),
    ).toEqual(["unauthorized"]);
  });

  it("refuses a job larger than the tenant's CPU or memory limit, naming each field", () => {
    const [admission] = admitSubmissions(
      [submission({ request: { ...request, cpu_request: 5, memory_gi: 9 } })],
      state(),
      identity,
    );
    expect(admission?.kind).toBe("refuse");
    if (admission?.kind !== "refuse") return;
    expect(admission.refusal.code).toBe("job_exceeds_tenant_limits");
    expect(admission.refusal.details?.map((d) => d.field)).toEqual(["cpu_request", "memory_gi"]);
  });

  it("admits up to the concurrent-job limit in one batch, then 429 with Retry-After", () => {
    const admissions = admitSubmissions(
      Array.from({ length: 5 }, () => submission()),
      state({ activeJobs: new Map([[tenant.id, 1]]) }),
      identity,
    );
    expect(kinds(admissions)).toEqual([
      "accept",
      "concurrent_job_limit_reached",
      "concurrent_job_limit_reached",
      "concurrent_job_limit_reached",
      "concurrent_job_limit_reached",
    ]);
    const refused = admissions[1];
    if (refused?.kind !== "refuse") throw new Error("expected a refusal");
    expect(refused.refusal.headers).toEqual({ "Retry-After": "10" });
  });

  it("decides each tenant on its own limit", () => {
    const other = makeTenant({ maxConcurrentJobs: 1 });
    const admissions = admitSubmissions(
      [submission(), submission({ tenantId: other.id }), submission({ tenantId: other.id })],
      state({
        tenants: new Map([
          [tenant.id, tenant],
          [other.id, other],
        ]),
      }),
      identity,
    );
    expect(kinds(admissions)).toEqual(["accept", "accept", "concurrent_job_limit_reached"]);
  });

  it("replays a repeated Idempotency-Key, stored or earlier in the batch, and refuses it with another body", () => {
    const stored = {
      requestFingerprint: requestFingerprint(request),
      responseBody: { job_id: "stored" },
    };
    const admissions = admitSubmissions(
      [
        submission({ idempotencyKey: "old" }),
        submission({ idempotencyKey: "new" }),
        submission({ idempotencyKey: "new" }),
        submission({ idempotencyKey: "new", request: { ...request, scenario_id: "other" } }),
      ],
      state({ earlier: new Map([[`${tenant.id} old`, stored]]) }),
      identity,
    );
    expect(kinds(admissions)).toEqual(["replay", "accept", "replay", "idempotency_key_reused"]);
    const [replayedStored, accepted, replayedBatch] = admissions;
    expect(replayedStored).toMatchObject({ body: { job_id: "stored" } });
    if (accepted?.kind !== "accept") throw new Error("expected an acceptance");
    expect(replayedBatch).toMatchObject({ body: { job_id: accepted.body.job_id } });
  });

  it("checks a replay before the limits: a retry of an accepted job is never a 429", () => {
    const stored = {
      requestFingerprint: requestFingerprint(request),
      responseBody: { job_id: "stored" },
    };
    const atLimit = state({
      activeJobs: new Map([[tenant.id, 2]]),
      earlier: new Map([[`${tenant.id} k`, stored]]),
    });
    expect(
      kinds(admitSubmissions([submission({ idempotencyKey: "k" })], atLimit, identity)),
    ).toEqual(["replay"]);
  });

  it("fingerprints a body whatever its key order", () => {
    expect(
      requestFingerprint({ scenario_id: "a", cpu_request: 1, memory_gi: 1 }).equals(
        requestFingerprint({ memory_gi: 1, cpu_request: 1, scenario_id: "a" }),
      ),
    ).toBe(true);
  });

  describe("asked to queue", () => {
    const queueing = (overrides: Partial<typeof request> = {}) =>
      submission({ request: { ...request, queue: true, ...overrides } });
    const use = (jobs: number, cpu: number, memoryGi: number) =>
      new Map([[tenant.id, { jobs, cpu, memoryGi }]]);

    it("starts a job that fits at once, PENDING, as a plain submission", () => {
      const [admission] = admitSubmissions(
        [queueing()],
        state({ activeUse: use(0, 0, 0) }),
        identity,
      );
      expect(admission).toMatchObject({
        kind: "accept",
        job: { status: "PENDING" },
        body: { queue: null },
      });
    });

    it("queues at the concurrent-job limit instead of a 429, saying where and why", () => {
      const admissions = admitSubmissions(
        [queueing(), queueing(), queueing(), submission()],
        state({ activeUse: use(1, 1, 2), activeJobs: new Map([[tenant.id, 1]]) }),
        identity,
      );
      expect(admissions.map((a) => (a.kind === "accept" ? a.job.status : a.kind))).toEqual([
        "PENDING",
        "QUEUED",
        "QUEUED",
        "refuse",
      ]);
      expect(admissions[1]).toMatchObject({
        body: { status: "QUEUED", queue: { position: 1, waiting_for: "concurrent_job_limit" } },
      });
      expect(admissions[2]).toMatchObject({ body: { queue: { position: 2 } } });
      expect(kinds(admissions.slice(3))).toEqual(["concurrent_job_limit_reached"]);
    });

    it("queues when what is left of the quota is too little, though a slot is free", () => {
      const [admission] = admitSubmissions(
        [queueing({ cpu_request: 2 })],
        state({ activeUse: use(1, 3, 2), activeJobs: new Map([[tenant.id, 1]]) }),
        identity,
      );
      expect(admission).toMatchObject({
        job: { status: "QUEUED" },
        body: { queue: { position: 1, waiting_for: "quota" } },
      });
    });

    it("queues behind jobs already waiting, first in first out, even with a slot free", () => {
      const [admission] = admitSubmissions(
        [queueing()],
        state({ activeUse: use(0, 0, 0), queuedJobs: new Map([[tenant.id, 3]]) }),
        identity,
      );
      expect(admission).toMatchObject({
        job: { status: "QUEUED" },
        body: { queue: { position: 4, waiting_for: null } },
      });
    });

    it("still refuses a job larger than the tenant's limits: it could never start", () => {
      const [admission] = admitSubmissions(
        [queueing({ cpu_request: 5 })],
        state({ activeUse: use(0, 0, 0) }),
        identity,
      );
      expect(kinds([admission as Admission])).toEqual(["job_exceeds_tenant_limits"]);
    });
  });
});
