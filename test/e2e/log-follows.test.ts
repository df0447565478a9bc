// Log follows are bounded: a tenant holds at most LOG_FOLLOW_MAX_PER_TENANT at once (one more
// gets 429, other tenants are unaffected, a follow that ends frees room), and each follow ends
// after LOG_FOLLOW_MAX_SECONDS even while the pod runs on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "../poll-until.ts";
import {
  type ApiJob,
  type E2eContext,
  simulatedRun,
  startE2eContext,
  type TenantClient,
} from "./e2e-context.ts";

const MAX_PER_TENANT = 2;
const MAX_SECONDS = 10;
let ctx: E2eContext;
const started: { tenant: TenantClient; job: ApiJob }[] = [];

beforeAll(async () => {
  ctx = await startE2eContext({
    env: {
      api: {
        LOG_FOLLOW_MAX_PER_TENANT: String(MAX_PER_TENANT),
        LOG_FOLLOW_MAX_SECONDS: String(MAX_SECONDS),
      },
    },
  });
});
afterAll(async () => {
  for (const { tenant, job } of started) await tenant.call("POST", `/v1/jobs/${job.job_id}/cancel`);
  await ctx?.close();
});

/** A job of a new tenant that runs for a minute, once it runs. */
async function runningJob(): Promise<{ tenant: TenantClient; job: ApiJob }> {
  const tenant = await ctx.createTenant();
  const submitted = await tenant.submit(simulatedRun(60));
  const job = await tenant.waitForJob(submitted.job_id, "to run", (j) => j.status === "RUNNING");
  started.push({ tenant, job });
  return { tenant, job };
}

function follow(tenant: TenantClient, job: ApiJob, signal?: AbortSignal): Promise<Response> {
  return fetch(`${ctx.platform.apiUrl}/v1/jobs/${job.job_id}/logs?follow=true&tail=1`, {
    headers: { authorization: `Bearer ${tenant.apiKey}` },
    ...(signal && { signal }),
  });
}

describe("log follows", () => {
  it("refuses a tenant's follow over its limit with 429, not another tenant's, and frees room as follows end", async () => {
    const [mine, theirs] = await Promise.all([runningJob(), runningJob()]);
    const hangUps = Array.from({ length: MAX_PER_TENANT }, () => new AbortController());
    try {
      const held = await Promise.all(hangUps.map((h) => follow(mine.tenant, mine.job, h.signal)));
      expect(held.map((r) => r.status)).toEqual(held.map(() => 200));

      const refused = await follow(mine.tenant, mine.job);
      expect(refused.status).toBe(429);
      expect(refused.headers.get("retry-after")).toBe("5");
      expect(((await refused.json()) as any).error.code).toBe("too_many_log_follows");
      // Reading without follow is not limited.
      expect((await mine.tenant.call("GET", `/v1/jobs/${mine.job.job_id}/logs`)).status).toBe(200);

      const otherTenant = new AbortController();
      const theirsFollowed = await follow(theirs.tenant, theirs.job, otherTenant.signal);
      expect(theirsFollowed.status).toBe(200);
      otherTenant.abort();

      hangUps[0]?.abort();
      const again = new AbortController();
      hangUps.push(again);
      await pollUntil(
        "a follow to be allowed once one of the tenant's follows ended",
        async () => {
          const response = await follow(mine.tenant, mine.job, again.signal);
          if (response.status === 200) return { done: true, value: undefined };
          return { done: false, seen: `${response.status} ${await response.text()}` };
        },
        { timeoutMs: 5_000, intervalMs: 100 },
      );
    } finally {
      for (const hangUp of hangUps) hangUp.abort();
    }
  });

  it(`ends a follow after LOG_FOLLOW_MAX_SECONDS (${MAX_SECONDS} s) while the pod runs on, and says when in a header`, async () => {
    const { tenant, job } = await runningJob();
    const asked = Date.now();
    const response = await follow(tenant, job);
    expect(response.status).toBe(200);
    const endsAt = Date.parse(response.headers.get("sumo-follow-ends-at") ?? "");
    expect(endsAt - asked).toBeGreaterThanOrEqual(MAX_SECONDS * 1000 - 1000);
    expect(endsAt - asked).toBeLessThanOrEqual(MAX_SECONDS * 1000 + 5000);
    const text = await response.text(); // resolves when the api ends the stream
    expect(Date.now() - asked).toBeGreaterThanOrEqual(MAX_SECONDS * 1000 - 1000);
    // The local cluster's pods serve a fixed log: the tail, then nothing new, until the end.
    expect(text.split("\n").filter(Boolean)).toHaveLength(1);
    expect((await tenant.job(job.job_id)).status).toBe("RUNNING");
  });
});
