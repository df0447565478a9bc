import { jobs } from "@sumo/db/schema";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiTestContext, expectError, json, startApiTestContext } from "../test-harness.ts";

let ctx: ApiTestContext;
beforeAll(async () => {
  ctx = await startApiTestContext({ bodyLimitBytes: 256 * 1024 });
});
afterAll(async () => {
  await ctx.close();
});

const validJob = { scenario_id: "berlin-rush-hour", cpu_request: 1, memory_gi: 2 };

function cursorAt(time: string): string {
  return Buffer.from(JSON.stringify([time, "00000000-0000-7000-8000-000000000000"])).toString(
    "base64url",
  );
}

describe("POST /v1/jobs", () => {
  it("accepts a job as PENDING and stores it with its scenario and run parameters", async () => {
    const { apiKey, tenantId } = await ctx.createTenant();
    const scenario = { seed: 7, begin: 0, end: 3600, step_length: 0.5, outputs: ["tripinfo"] };
    const uploaded = await json(
      await ctx.request("GET", "/v1/scenarios/berlin-rush-hour", { apiKey }),
    );
    const response = await ctx.request("POST", "/v1/jobs", {
      apiKey,
      body: { ...validJob, cpu_request: 0.25, memory_gi: 0.5, scenario },
    });
    expect(response.status).toBe(202);
    const body = await json(response);
    expect(body).toMatchObject({
      job_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: "PENDING",
      scenario_id: uploaded.scenario_id,
      scenario_name: "berlin-rush-hour",
      scenario_sha256: uploaded.sha256,
      cpu_request: 0.25,
      memory_gi: 0.5,
      progress: null,
      result: null,
    });
    expect(response.headers.get("location")).toBe(`/v1/jobs/${body.job_id}`);
    const [row] = await ctx.database.db.select().from(jobs).where(eq(jobs.id, body.job_id));
    expect(row).toMatchObject({
      tenantId,
      status: "PENDING",
      scenario,
      cpuRequest: 0.25,
      scenarioSha256: uploaded.sha256,
      scenarioConfig: uploaded.config,
    });

    const fetched = await json(await ctx.request("GET", `/v1/jobs/${body.job_id}`, { apiKey }));
    expect(fetched).toMatchObject({ job_id: body.job_id, status: "PENDING", scenario });
  });

  const badBodies: [string, unknown, string[]][] = [
    ["missing fields", {}, ["scenario_id", "cpu_request", "memory_gi"]],
    ["empty scenario_id", { ...validJob, scenario_id: "" }, ["scenario_id"]],
    ["scenario_id too long", { ...validJob, scenario_id: "a".repeat(129) }, ["scenario_id"]],
    [
      "scenario_id with path tricks",
      { ...validJob, scenario_id: "../etc/passwd" },
      ["scenario_id"],
    ],
    ["scenario_id with spaces", { ...validJob, scenario_id: "a b" }, ["scenario_id"]],
    ["scenario_id not a string", { ...validJob, scenario_id: 42 }, ["scenario_id"]],
    ["cpu_request zero", { ...validJob, cpu_request: 0 }, ["cpu_request"]],
    ["cpu_request negative", { ...validJob, cpu_request: -1 }, ["cpu_request"]],
    ["cpu_request as string", { ...validJob, cpu_request: "1" }, ["cpu_request"]],
    ["cpu_request below a millicore", { ...validJob, cpu_request: 0.0001 }, ["cpu_request"]],
    ["cpu_request huge", { ...validJob, cpu_request: 1e308 }, ["cpu_request"]],
    // Passes multipleOf(0.001) as rounding error; the 3-decimal column would store 0.
    ["cpu_request the smallest double", { ...validJob, cpu_request: 5e-324 }, ["cpu_request"]],
    ["memory_gi tiny", { ...validJob, memory_gi: 2.6e-78 }, ["memory_gi"]],
    ["memory_gi zero", { ...validJob, memory_gi: 0 }, ["memory_gi"]],
    ["memory_gi null", { ...validJob, memory_gi: null }, ["memory_gi"]],
    ["scenario an array", { ...validJob, scenario: [1, 2] }, ["scenario"]],
    ["scenario a string", { ...validJob, scenario: "x" }, ["scenario"]],
    // The run parameters are a closed set of SUMO options: nothing else reaches SUMO.
    ["an unknown parameter", { ...validJob, scenario: { net: "x.net.xml" } }, ["scenario.net"]],
    [
      "a parameter that tries to add an option",
      { ...validJob, scenario: { seed: "1 --remote-port 8813" } },
      ["scenario.seed"],
    ],
    [
      "a parameter with a __proto__ key",
      { ...validJob, scenario: JSON.parse('{"__proto__":{"x":1},"seed":2}') },
      ["scenario.__proto__"],
    ],
    ["a fractional seed", { ...validJob, scenario: { seed: 1.5 } }, ["scenario.seed"]],
    ["a negative seed", { ...validJob, scenario: { seed: -1 } }, ["scenario.seed"]],
    [
      "an end before the begin",
      { ...validJob, scenario: { begin: 600, end: 60 } },
      ["scenario.end"],
    ],
    ["an end as a string", { ...validJob, scenario: { end: "3600" } }, ["scenario.end"]],
    ["a step length of 0", { ...validJob, scenario: { step_length: 0 } }, ["scenario.step_length"]],
    ["a scale of 0", { ...validJob, scenario: { scale: 0 } }, ["scenario.scale"]],
    [
      "a time to teleport below -1",
      { ...validJob, scenario: { time_to_teleport: -2 } },
      ["scenario.time_to_teleport"],
    ],
    ["an unknown output", { ...validJob, scenario: { outputs: ["fcd"] } }, ["scenario.outputs.0"]],
    [
      "an output twice",
      { ...validJob, scenario: { outputs: ["summary", "summary"] } },
      ["scenario.outputs"],
    ],
    ["unknown field", { ...validJob, priority: 1 }, ["priority"]],
    ["body an array", [validJob], ["(body)"]],
    ["body null", null, ["(body)"]],
  ];
  it.each(badBodies)("refuses %s with 422 naming the fields", async (_name, body, fields) => {
    const { apiKey, tenantId } = await ctx.createTenant();
    const response = await ctx.request("POST", "/v1/jobs", {
      apiKey,
      body: body === null ? "null" : body,
    });
    expect(response.status).toBe(422);
    const error = await json(response);
    expectError(error, "validation_failed");
    const named = new Set(error.error.details.map((d: { field: string }) => d.field));
    expect([...named].sort()).toEqual([...fields].sort());
    const stored = await ctx.database.db.select().from(jobs).where(eq(jobs.tenantId, tenantId));
    expect(stored).toHaveLength(0);
  });

  it("refuses malformed JSON (400), other media types (415) and oversized bodies (413)", async () => {
    const { apiKey } = await ctx.createTenant();
    const malformed = await ctx.request("POST", "/v1/jobs", { apiKey, body: '{"scenario_id":' });
    expect(malformed.status).toBe(400);
    expectError(await json(malformed), "invalid_json");

    const form = await ctx.request("POST", "/v1/jobs", {
      apiKey,
      body: "scenario_id=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    expectError(await json(form), "unsupported_media_type");

    const huge = await ctx.request("POST", "/v1/jobs", {
      apiKey,
      body: { ...validJob, padding: "x".repeat(300 * 1024) },
    });
    expect(huge.status).toBe(413);
    expectError(await json(huge), "payload_too_large");
  });

  it("resolves scenario_id by id or name among the tenant's own scenarios, else 422 unknown_scenario", async () => {
    const { apiKey, tenantId } = await ctx.createTenant();
    const other = await ctx.createTenant();
    const mine = await json(await ctx.request("GET", "/v1/scenarios/berlin-rush-hour", { apiKey }));
    const theirs = await json(
      await ctx.request("GET", "/v1/scenarios/berlin-rush-hour", { apiKey: other.apiKey }),
    );
    const byId = await ctx.request("POST", "/v1/jobs", {
      apiKey,
      body: { ...validJob, scenario_id: mine.scenario_id },
    });
    expect(byId.status).toBe(202);
    expect(await json(byId)).toMatchObject({ scenario_name: "berlin-rush-hour" });

    for (const scenarioId of ["no-such-scenario", theirs.scenario_id]) {
      const response = await ctx.request("POST", "/v1/jobs", {
        apiKey,
        body: { ...validJob, scenario_id: scenarioId },
      });
      expect(response.status, scenarioId).toBe(422);
      const error = await json(response);
      expectError(error, "unknown_scenario");
      expect(error.error.details).toEqual([{ field: "scenario_id", message: expect.any(String) }]);
    }
    const stored = await ctx.database.db.select().from(jobs).where(eq(jobs.tenantId, tenantId));
    expect(stored).toHaveLength(1);
  });

  it("refuses a job larger than the tenant's limits, since it could never run", async () => {
    const { apiKey, tenantId } = await ctx.createTenant({ cpuLimit: 2, memoryLimitGi: 4 });
    const response = await ctx.request("POST", "/v1/jobs", {
      apiKey,
      body: { ...validJob, cpu_request: 2.5, memory_gi: 8 },
    });
    expect(response.status).toBe(422);
    const error = await json(response);
    expectError(error, "job_exceeds_tenant_limits");
    expect(error.error.details.map((d: { field: string }) => d.field)).toEqual([
      "cpu_request",
      "memory_gi",
    ]);
    const exactlyAtLimit = await ctx.request("POST", "/v1/jobs", {
      apiKey,
      body: { ...validJob, cpu_request: 2, memory_gi: 4 },
    });
    expect(exactlyAtLimit.status).toBe(202);
    const stored = await ctx.database.db.select().from(jobs).where(eq(jobs.tenantId, tenantId));
    expect(stored).toHaveLength(1);
  });

  it("admits exactly max_concurrent_jobs of 50 parallel submissions; the rest get 429", async () => {
    const { apiKey, tenantId } = await ctx.createTenant({ maxConcurrentJobs: 2 });
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => ctx.request("POST", "/v1/jobs", { apiKey, body: validJob })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(2);
    expect(statuses.filter((s) => s === 429)).toHaveLength(48);
    const limited = responses.find((r) => r.status === 429);
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThan(0);
    expectError(await json(limited as Response), "concurrent_job_limit_reached");

    const stored = await ctx.database.db.select().from(jobs).where(eq(jobs.tenantId, tenantId));
    expect(stored).toHaveLength(2);
  });

  it("admits again once an active job has finished", async () => {
    const { apiKey } = await ctx.createTenant({ maxConcurrentJobs: 1 });
    const first = await json(await ctx.request("POST", "/v1/jobs", { apiKey, body: validJob }));
    const blocked = await ctx.request("POST", "/v1/jobs", { apiKey, body: validJob });
    expect(blocked.status).toBe(429);
    await ctx.database.db
      .update(jobs)
      .set({ status: "SUCCEEDED" })
      .where(eq(jobs.id, first.job_id));
    const admitted = await ctx.request("POST", "/v1/jobs", { apiKey, body: validJob });
    expect(admitted.status).toBe(202);
  });
});

describe("Idempotency-Key", () => {
  it("replays the first response for the same key and body, without a second job", async () => {
    const { apiKey, tenantId } = await ctx.createTenant();
    const headers = { "idempotency-key": "order-7" };
    const first = await ctx.request("POST", "/v1/jobs", { apiKey, body: validJob, headers });
    const second = await ctx.request("POST", "/v1/jobs", { apiKey, body: validJob, headers });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await json(second)).toEqual(await json(first));
    const stored = await ctx.database.db.select().from(jobs).where(eq(jobs.tenantId, tenantId));
    expect(stored).toHaveLength(1);
  });

  it("answers parallel duplicates with one job", async () => {
    const { apiKey, tenantId } = await ctx.createTenant({ maxConcurrentJobs: 50 });
    const headers = { "idempotency-key": "burst" };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        ctx.request("POST", "/v1/jobs", { apiKey, body: validJob, headers }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(202));
    const ids = new Set(await Promise.all(responses.map(async (r) => (await json(r)).job_id)));
    expect(ids.size).toBe(1);
    const stored = await ctx.database.db.select().from(jobs).where(eq(jobs.tenantId, tenantId));
    expect(stored).toHaveLength(1);
  });

  it("refuses the same key with another body", async () => {
    const { apiKey } = await ctx.createTenant();
    const headers = { "idempotency-key": "order-8" };
    await ctx.request("POST", "/v1/jobs", { apiKey, body: validJob, headers });
    const other = await ctx.request("POST", "/v1/jobs", {
      apiKey,
      body: { ...validJob, cpu_request: 2 },
      headers,
    });
    expect(other.status).toBe(422);
    expectError(await json(other), "idempotency_key_reused");
  });

  it("treats the same body with keys in another order as the same request", async () => {
    const { apiKey } = await ctx.createTenant();
    const headers = { "idempotency-key": "reordered" };
    const first = await ctx.request("POST", "/v1/jobs", {
      apiKey,
      body: '{"scenario_id":"berlin-rush-hour","cpu_request":1,"memory_gi":1}',
      headers,
    });
    const second = await ctx.request("POST", "/v1/jobs", {
      apiKey,
      body: '{"memory_gi":1,"cpu_request":1,"scenario_id":"berlin-rush-hour"}',
      headers,
    });
    expect((await json(second)).job_id).toBe((await json(first)).job_id);
  });

  it("keeps tenants' keys apart", async () => {
    const a = await ctx.createTenant();
    const b = await ctx.createTenant();
    const headers = { "idempotency-key": "shared-name" };
    const fromA = await json(
      await ctx.request("POST", "/v1/jobs", { apiKey: a.apiKey, body: validJob, headers }),
    );
    const fromB = await json(
      await ctx.request("POST", "/v1/jobs", { apiKey: b.apiKey, body: validJob, headers }),
    );
    expect(fromB.job_id).not.toBe(fromA.job_id);
  });

  it("remembers a key for IDEMPOTENCY_KEY_TTL_HOURS, a day unless configured", async () => {
    const ttl = async (context: ApiTestContext, key: string) => {
      const { apiKey, tenantId } = await context.createTenant();
      const headers = { "idempotency-key": key };
      await context.request("POST", "/v1/jobs", { apiKey, body: validJob, headers });
      const { rows } = await context.database.pool.query(
        `SELECT extract(epoch FROM expires_at - created_at)::float8 AS seconds
         FROM idempotency_keys WHERE tenant_id = $1 AND key = $2`,
        [tenantId, key],
      );
      return rows.map((row: { seconds: number }) => row.seconds);
    };
    expect(await ttl(ctx, "kept-a-day")).toEqual([24 * 3600]);
    const configured = await startApiTestContext({ idempotencyKeyTtlMs: 90 * 60_000 });
    try {
      expect(await ttl(configured, "kept-briefly")).toEqual([90 * 60]);
    } finally {
      await configured.close();
    }
  });

  it("submits a new job for a key whose record expired, deleted or not", async () => {
    const { apiKey, tenantId } = await ctx.createTenant({ maxConcurrentJobs: 10 });
    const headers = { "idempotency-key": "order-9" };
    const record = async () => {
      const { rows } = await ctx.database.pool.query(
        "SELECT response_body->>'job_id' AS job_id, expires_at > now() AS live FROM idempotency_keys WHERE tenant_id = $1 AND key = $2",
        [tenantId, "order-9"],
      );
      return rows;
    };
    const first = await json(
      await ctx.request("POST", "/v1/jobs", { apiKey, body: validJob, headers }),
    );
    // The key's time is up; the record is still there, as until the retention sweep runs.
    await ctx.database.pool.query(
      "UPDATE idempotency_keys SET created_at = now() - interval '25 hours', expires_at = now() - interval '1 hour' WHERE tenant_id = $1",
      [tenantId],
    );
    expect(await record()).toEqual([{ job_id: first.job_id, live: false }]);

    const again = await ctx.request("POST", "/v1/jobs", { apiKey, body: validJob, headers });
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBeNull();
    const second = await json(again);
    expect(second.job_id).not.toBe(first.job_id);
    // The key now replays the new job, for a full time to live.
    expect(await record()).toEqual([{ job_id: second.job_id, live: true }]);
    const replay = await ctx.request("POST", "/v1/jobs", { apiKey, body: validJob, headers });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect((await json(replay)).job_id).toBe(second.job_id);

    // Expired and deleted (the retention sweep's doing), with another body this time.
    await ctx.database.pool.query("DELETE FROM idempotency_keys WHERE tenant_id = $1", [tenantId]);
    const third = await ctx.request("POST", "/v1/jobs", {
      apiKey,
      body: { ...validJob, cpu_request: 2 },
      headers,
    });
    expect(third.status).toBe(202);
    const stored = await ctx.database.db.select().from(jobs).where(eq(jobs.tenantId, tenantId));
    expect(stored).toHaveLength(3);
  });

  it("refuses a malformed key", async () => {
    const { apiKey } = await ctx.createTenant();
    const response = await ctx.request("POST", "/v1/jobs", {
      apiKey,
      body: validJob,
      headers: { "idempotency-key": "x".repeat(256) },
    });
    expect(response.status).toBe(422);
    expect((await json(response)).error.details[0].field).toBe("idempotency-key");
  });
});

describe("tenant isolation", () => {
  it("makes another tenant's job indistinguishable from a missing one", async () => {
    const owner = await ctx.createTenant();
    const stranger = await ctx.createTenant();
    const job = await json(
      await ctx.request("POST", "/v1/jobs", { apiKey: owner.apiKey, body: validJob }),
    );
    const theirs = await ctx.request("GET", `/v1/jobs/${job.job_id}`, { apiKey: stranger.apiKey });
    const missing = await ctx.request("GET", "/v1/jobs/00000000-0000-7000-8000-000000000000", {
      apiKey: stranger.apiKey,
    });
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    const { request_id: _a, ...theirsError } = (await json(theirs)).error;
    const { request_id: _b, ...missingError } = (await json(missing)).error;
    expect(theirsError).toEqual(missingError);

    const list = await json(await ctx.request("GET", "/v1/jobs", { apiKey: stranger.apiKey }));
    expect(list.jobs).toEqual([]);
  });

  it("answers malformed ids like missing jobs", async () => {
    const { apiKey } = await ctx.createTenant();
    for (const id of ["not-a-uuid", "..%2F..%2Fadmin", "1%20OR%201=1", "%00"]) {
      const response = await ctx.request("GET", `/v1/jobs/${id}`, { apiKey });
      expect(response.status, id).toBe(404);
      expectError(await json(response), "not_found");
    }
  });
});

describe("GET /v1/jobs", () => {
  it("pages through all of a tenant's jobs newest first, filtered by status", async () => {
    const { apiKey, tenantId } = await ctx.createTenant({ maxConcurrentJobs: 100 });
    const submitted: string[] = [];
    for (let i = 0; i < 25; i++) {
      const response = await ctx.request("POST", "/v1/jobs", {
        apiKey,
        body: { ...validJob, scenario: { seed: i } },
      });
      submitted.push((await json(response)).job_id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=10&cursor=${cursor}` : "?limit=10";
      const page: any = await json(await ctx.request("GET", `/v1/jobs${query}`, { apiKey }));
      seen.push(...page.jobs.map((j: { job_id: string }) => j.job_id));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...submitted].reverse());

    const succeeded = submitted.filter((_, i) => i % 5 === 0);
    await ctx.database.db
      .update(jobs)
      .set({ status: "SUCCEEDED" })
      .where(and(inArray(jobs.id, succeeded), eq(jobs.tenantId, tenantId)));
    const filtered = await json(
      await ctx.request("GET", "/v1/jobs?status=SUCCEEDED&limit=100", { apiKey }),
    );
    expect(filtered.jobs.map((j: { job_id: string }) => j.job_id)).toEqual(
      [...succeeded].reverse(),
    );
    expect(filtered.next_cursor).toBeNull();
  });

  it("refuses bad status, limit and cursor values with 422", async () => {
    const { apiKey } = await ctx.createTenant();
    for (const [query, field] of [
      ["status=DONE", "status"],
      ["status=pending", "status"],
      ["limit=0", "limit"],
      ["limit=101", "limit"],
      ["limit=abc", "limit"],
      ["cursor=bm90LWEtY3Vyc29y", "cursor"],
      // Dates JavaScript has and PostgreSQL's timestamps do not.
      [`cursor=${cursorAt("-100000-01-01T00:00:00.000Z")}`, "cursor"],
      [`cursor=${cursorAt("0000-01-01T00:00:00.000Z")}`, "cursor"],
    ] as const) {
      const response = await ctx.request("GET", `/v1/jobs?${query}`, { apiKey });
      expect(response.status, query).toBe(422);
      expect((await json(response)).error.details[0].field).toBe(field);
    }
  });
});
