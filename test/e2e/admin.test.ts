// The admin API as admins use it, against the real services and the local cluster.
import { quantityToScalar } from "@kubernetes/client-node/dist/util.js";
import { TENANT_QUOTA_NAME } from "@sumo/kubernetes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "../poll-until.ts";
import { gridBundle, uploadScenario } from "../scenario-bundle.ts";
import { type E2eContext, simulatedRun, startE2eContext } from "./e2e-context.ts";

let ctx: E2eContext;
beforeAll(async () => {
  ctx = await startE2eContext();
});
afterAll(async () => {
  await ctx?.close();
});

const cores = (quantity: string | undefined) => (quantity ? Number(quantityToScalar(quantity)) : 0);

async function admin(
  method: string,
  path: string,
  body?: unknown,
  token = ctx.platform.adminToken,
) {
  const response = await fetch(`${ctx.platform.adminUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function asTenant(apiKey: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${ctx.platform.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${apiKey}`,
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe("credentials", () => {
  it("keeps admin and tenant credentials apart", async () => {
    const tenant = await ctx.createTenant();
    expect((await admin("GET", "/admin/tenants", undefined, tenant.apiKey)).status).toBe(401);
    expect((await asTenant(ctx.platform.adminToken, "GET", "/v1/jobs")).status).toBe(401);
    expect((await asTenant(ctx.platform.adminToken, "GET", "/admin/tenants")).status).toBe(404);
  });
});

describe("running the platform", () => {
  it("creates a tenant, shows its job's node and counts, and moves its quota with its limits", async () => {
    const created = await admin("POST", "/admin/tenants", { name: "e2e-admin", cpu_limit: 2 });
    expect(created.status).toBe(201);
    const tenantId = created.body.tenant.tenant_id;
    const apiKey = created.body.api_key.api_key;

    await uploadScenario(ctx.platform.apiUrl, apiKey, "admin-view", await gridBundle());
    const submitted = await asTenant(apiKey, "POST", "/v1/jobs", {
      ...simulatedRun(8),
      scenario_id: "admin-view",
      cpu_request: 1.5,
      memory_gi: 1,
    });
    expect(submitted.status).toBe(202);
    const jobId = submitted.body.job_id;
    await pollUntil(
      "the job to run",
      async () => {
        const job = (await asTenant(apiKey, "GET", `/v1/jobs/${jobId}`)).body;
        return job.status === "RUNNING"
          ? { done: true, value: job }
          : { done: false, seen: job.status };
      },
      { timeoutMs: 60_000 },
    );

    const nodes = (await admin("GET", "/admin/nodes")).body.nodes;
    const busy = nodes.find((node: any) => node.allocated.cpu >= 1.5);
    expect(busy).toMatchObject({
      status: "Ready",
      karpenter: { nodepool: "default" },
      pod_count: expect.any(Number),
    });
    expect(busy.allocatable.cpu).toBeGreaterThanOrEqual(busy.allocated.cpu);

    const snapshot = (await admin("GET", "/admin/metrics")).body;
    expect(snapshot.kubernetes.nodes).toBeGreaterThanOrEqual(1);
    expect(snapshot.kubernetes.active_jobs).toBeGreaterThanOrEqual(1);
    expect(snapshot.kubernetes.pods_by_phase.Running).toBeGreaterThanOrEqual(1);
    expect(snapshot.database.jobs_by_status.RUNNING).toBeGreaterThanOrEqual(1);

    const listed = (await admin("GET", `/admin/jobs?tenant_id=${tenantId}`)).body.jobs;
    expect(listed.map((job: any) => job.job_id)).toEqual([jobId]);

    const updated = await admin("PATCH", `/admin/tenants/${tenantId}`, {
      cpu_limit: 6,
      max_concurrent_jobs: 4,
    });
    expect(updated.status).toBe(200);
    const hard = await pollUntil(
      "the ResourceQuota to follow the new limits",
      async () => {
        const quota = await ctx.core.readNamespacedResourceQuota({
          name: TENANT_QUOTA_NAME,
          namespace: `sumo-tenant-${tenantId}`,
        });
        const hard = quota.spec?.hard ?? {};
        return cores(hard["requests.cpu"]) === 6 && hard.pods === "4"
          ? { done: true, value: hard }
          : { done: false, seen: hard };
      },
      { timeoutMs: 30_000 },
    );
    expect(cores(hard["limits.cpu"])).toBe(6);
  });

  it("rotates a tenant's key without downtime", async () => {
    const created = await admin("POST", "/admin/tenants", { name: "e2e-rotation" });
    const tenantId = created.body.tenant.tenant_id;
    const oldKey = created.body.api_key;
    const newKey = (await admin("POST", `/admin/tenants/${tenantId}/api-keys`)).body;
    expect((await asTenant(oldKey.api_key, "GET", "/v1/jobs")).status).toBe(200);
    expect((await asTenant(newKey.api_key, "GET", "/v1/jobs")).status).toBe(200);
    expect(
      (await admin("DELETE", `/admin/tenants/${tenantId}/api-keys/${oldKey.key_id}`)).status,
    ).toBe(200);
    // The api remembers verified keys and forgets one when PostgreSQL announces its change:
    // revocation takes effect within moments of the admin's answer, not necessarily before it.
    await pollUntil(
      "the revoked key to be refused",
      async () => {
        const status = (await asTenant(oldKey.api_key, "GET", "/v1/jobs")).status;
        return status === 401 ? { done: true, value: status } : { done: false, seen: status };
      },
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    expect((await asTenant(newKey.api_key, "GET", "/v1/jobs")).status).toBe(200);
  });
});
