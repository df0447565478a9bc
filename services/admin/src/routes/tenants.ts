import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type Database, transactionOnConnection } from "@sumo/db/client";
import {
  createTenantWithApiKey,
  getTenant,
  issueApiKey,
  listTenantApiKeys,
  listTenants,
  revokeApiKey,
  summarizeTenantQueues,
  updateTenantLimits,
} from "@sumo/db/queries";
import { planQueueStart } from "@sumo/db/queue-rules";
import { enqueueInTransaction, TENANT_LIMITS_CHANGED_QUEUE } from "@sumo/db/queues";
import { type ApiKey, DEFAULT_TENANT_LIMITS, type Tenant } from "@sumo/db/schema";
import { ApiError, errorResponses, type HttpEnv, JSON_BODY_ERRORS } from "@sumo/http";
import { isUuid } from "@sumo/http/ids";
import type { PgBoss } from "pg-boss";
import { ADMIN_AUTH_ERRORS } from "../admin-auth.ts";

const security = [{ adminToken: [] }];

// At least 0.001, not just positive: zod's multipleOf lets through values so small their
// quotient by the step looks like rounding error (5e-324), which the database's 3-decimal
// numeric stores as 0, against its check constraint.
const cpuLimit = z.number().min(0.001).max(100_000).multipleOf(0.001, "at most 3 decimal places");
const memoryLimitGi = z
  .number()
  .min(0.001)
  .max(1_000_000)
  .multipleOf(0.001, "at most 3 decimal places");
const maxConcurrentJobs = z.number().int().min(1).max(100_000);

const tenantSchema = z
  .object({
    tenant_id: z.uuid(),
    name: z.string(),
    cpu_limit: z.number(),
    memory_limit_gi: z.number(),
    max_concurrent_jobs: z.number().int(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .openapi("Tenant");

const tenantUsageSchema = z
  .object({
    active: z
      .object({ jobs: z.number().int(), cpu: z.number(), memory_gi: z.number() })
      .openapi({ description: "What its PENDING and RUNNING jobs hold against its limits." }),
    queued: z.number().int().openapi({ description: "Its jobs waiting in its queue." }),
    waiting_for: z.enum(["concurrent_job_limit", "quota"]).nullable().openapi({
      description:
        "Why its queue waits: its concurrent-job limit or its quota; null when nothing waits or the next is about to start.",
    }),
  })
  .openapi("TenantUsage");

const apiKeySchema = z
  .object({
    key_id: z.uuid(),
    display_prefix: z.string(),
    created_at: z.iso.datetime(),
    revoked_at: z.iso.datetime().nullable(),
  })
  .openapi("ApiKey");

const newApiKeySchema = z
  .object({
    key_id: z.uuid(),
    api_key: z.string().openapi({ description: "Shown this once; only its hash is stored." }),
  })
  .openapi("NewApiKey");

function toTenantView(tenant: Tenant): z.infer<typeof tenantSchema> {
  return {
    tenant_id: tenant.id,
    name: tenant.name,
    cpu_limit: tenant.cpuLimit,
    memory_limit_gi: tenant.memoryLimitGi,
    max_concurrent_jobs: tenant.maxConcurrentJobs,
    created_at: tenant.createdAt.toISOString(),
    updated_at: tenant.updatedAt.toISOString(),
  };
}

function toApiKeyView(key: Omit<ApiKey, "keyHash">): z.infer<typeof apiKeySchema> {
  return {
    key_id: key.id,
    display_prefix: key.displayPrefix,
    created_at: key.createdAt.toISOString(),
    revoked_at: key.revokedAt?.toISOString() ?? null,
  };
}

const tenantIdParam = z.object({ tenant_id: z.string().openapi({ format: "uuid" }) });

const createTenantRoute = createRoute({
  method: "post",
  path: "/admin/tenants",
  operationId: "createTenant",
  tags: ["Tenants"],
  summary: "Create a tenant",
  description: `Returns the tenant and its first API key, shown once. Limits default to ${DEFAULT_TENANT_LIMITS.cpuLimit} cores, ${DEFAULT_TENANT_LIMITS.memoryLimitGi} GiB and ${DEFAULT_TENANT_LIMITS.maxConcurrentJobs} concurrent jobs.`,
  security,
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z
            .strictObject({
              name: z
                .string()
                .min(1)
                .max(63)
                .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "lowercase letters, digits and -"),
              cpu_limit: cpuLimit.optional(),
              memory_limit_gi: memoryLimitGi.optional(),
              max_concurrent_jobs: maxConcurrentJobs.optional(),
            })
            .openapi("CreateTenantRequest"),
        },
      },
    },
  },
  responses: {
    201: {
      description: "Created.",
      content: {
        "application/json": {
          schema: z.object({ tenant: tenantSchema, api_key: newApiKeySchema }),
        },
      },
    },
    ...errorResponses(...ADMIN_AUTH_ERRORS, ...JSON_BODY_ERRORS, "conflict"),
  },
});

const listTenantsRoute = createRoute({
  method: "get",
  path: "/admin/tenants",
  operationId: "listTenants",
  tags: ["Tenants"],
  summary: "List tenants by name, with their usage",
  security,
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(500).default(100),
      cursor: z.string().max(200).optional(),
    }),
  },
  responses: {
    200: {
      description: "A page of tenants.",
      content: {
        "application/json": {
          schema: z.object({
            tenants: z.array(
              tenantSchema
                .extend({ usage: tenantUsageSchema })
                .openapi("TenantWithUsage", { description: "A tenant with its usage and queue." }),
            ),
            next_cursor: z.string().nullable(),
          }),
        },
      },
    },
    ...errorResponses(...ADMIN_AUTH_ERRORS, "validation_failed"),
  },
});

const getTenantRoute = createRoute({
  method: "get",
  path: "/admin/tenants/{tenant_id}",
  operationId: "getTenant",
  tags: ["Tenants"],
  summary: "Show a tenant with its API keys",
  security,
  request: { params: tenantIdParam },
  responses: {
    200: {
      description: "The tenant.",
      content: {
        "application/json": {
          schema: tenantSchema.extend({ api_keys: z.array(apiKeySchema) }).openapi("TenantDetail"),
        },
      },
    },
    ...errorResponses(...ADMIN_AUTH_ERRORS, "not_found"),
  },
});

const updateLimitsRoute = createRoute({
  method: "patch",
  path: "/admin/tenants/{tenant_id}",
  operationId: "updateTenantLimits",
  tags: ["Tenants"],
  summary: "Change a tenant's limits",
  description:
    "The tenant's ResourceQuota follows within moments (the scheduler applies it). Jobs already admitted keep running.",
  security,
  request: {
    params: tenantIdParam,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z
            .strictObject({
              cpu_limit: cpuLimit.optional(),
              memory_limit_gi: memoryLimitGi.optional(),
              max_concurrent_jobs: maxConcurrentJobs.optional(),
            })
            .refine((body) => Object.keys(body).length > 0, "name at least one limit")
            .openapi("UpdateTenantLimitsRequest", { minProperties: 1 }),
        },
      },
    },
  },
  responses: {
    200: {
      description: "The updated tenant.",
      content: { "application/json": { schema: tenantSchema } },
    },
    ...errorResponses(...ADMIN_AUTH_ERRORS, "not_found", ...JSON_BODY_ERRORS),
  },
});

const issueKeyRoute = createRoute({
  method: "post",
  path: "/admin/tenants/{tenant_id}/api-keys",
  operationId: "issueApiKey",
  tags: ["Tenants"],
  summary: "Issue a new API key",
  description:
    "For rotation without downtime: issue a new key, move clients to it, then revoke the old one.",
  security,
  request: { params: tenantIdParam },
  responses: {
    201: {
      description: "The new key, shown once.",
      content: { "application/json": { schema: newApiKeySchema } },
    },
    ...errorResponses(...ADMIN_AUTH_ERRORS, "not_found"),
  },
});

const revokeKeyRoute = createRoute({
  method: "delete",
  path: "/admin/tenants/{tenant_id}/api-keys/{key_id}",
  operationId: "revokeApiKey",
  tags: ["Tenants"],
  summary: "Revoke an API key",
  security,
  request: {
    params: tenantIdParam.extend({ key_id: z.string().openapi({ format: "uuid" }) }),
  },
  responses: {
    200: { description: "Revoked.", content: { "application/json": { schema: apiKeySchema } } },
    ...errorResponses(...ADMIN_AUTH_ERRORS, "not_found"),
  },
});

/** `/admin/tenants`: tenants, their limits and their API keys. */
export function tenantsRoutes(deps: { db: Database; boss: PgBoss }) {
  async function tenantOr404(tenantId: string): Promise<Tenant> {
    const tenant = isUuid(tenantId) ? await getTenant(deps.db, tenantId) : undefined;
    if (!tenant) throw new ApiError("not_found", "No such tenant");
    return tenant;
  }

  return new OpenAPIHono<HttpEnv>()
    .openapi(createTenantRoute, async (c) => {
      const body = c.req.valid("json");
      try {
        const created = await createTenantWithApiKey(deps.db, {
          name: body.name,
          ...(body.cpu_limit !== undefined && { cpuLimit: body.cpu_limit }),
          ...(body.memory_limit_gi !== undefined && { memoryLimitGi: body.memory_limit_gi }),
          ...(body.max_concurrent_jobs !== undefined && {
            maxConcurrentJobs: body.max_concurrent_jobs,
          }),
        });
        return c.json(
          {
            tenant: toTenantView(created.tenant),
            api_key: { key_id: created.apiKeyId, api_key: created.apiKey },
          },
          201,
        );
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ApiError("conflict", `A tenant named "${body.name}" already exists`);
        }
        throw error;
      }
    })
    .openapi(listTenantsRoute, async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const afterName = cursor === undefined ? undefined : decodeNameCursor(cursor);
      const page = await listTenants(deps.db, {
        limit,
        ...(afterName !== undefined && { afterName }),
      });
      const summaries = await summarizeTenantQueues(
        deps.db,
        page.tenants.map((tenant) => tenant.id),
      );
      return c.json(
        {
          tenants: page.tenants.map((tenant) => {
            const summary = summaries.get(tenant.id);
            const active = summary?.active ?? { jobs: 0, cpu: 0, memoryGi: 0 };
            return {
              ...toTenantView(tenant),
              usage: {
                active: { jobs: active.jobs, cpu: active.cpu, memory_gi: active.memoryGi },
                queued: summary?.queued ?? 0,
                waiting_for: summary?.next
                  ? (planQueueStart(tenant, active, [summary.next]).waitingFor ?? null)
                  : null,
              },
            };
          }),
          next_cursor:
            page.nextName === undefined ? null : Buffer.from(page.nextName).toString("base64url"),
        },
        200,
      );
    })
    .openapi(getTenantRoute, async (c) => {
      const tenant = await tenantOr404(c.req.valid("param").tenant_id);
      const keys = await listTenantApiKeys(deps.db, tenant.id);
      return c.json(
        {
          ...toTenantView(tenant),
          api_keys: keys.map(toApiKeyView),
        },
        200,
      );
    })
    .openapi(updateLimitsRoute, async (c) => {
      const { tenant_id: tenantId } = c.req.valid("param");
      const body = c.req.valid("json");
      if (!isUuid(tenantId)) throw new ApiError("not_found", "No such tenant");
      // The change and its message commit together: the scheduler always hears of it.
      const updated = await transactionOnConnection(deps.db, async (connection) => {
        const tenant = await updateTenantLimits(connection, {
          tenantId,
          limits: {
            ...(body.cpu_limit !== undefined && { cpuLimit: body.cpu_limit }),
            ...(body.memory_limit_gi !== undefined && { memoryLimitGi: body.memory_limit_gi }),
            ...(body.max_concurrent_jobs !== undefined && {
              maxConcurrentJobs: body.max_concurrent_jobs,
            }),
          },
        });
        if (!tenant) throw new ApiError("not_found", "No such tenant");
        await enqueueInTransaction(deps.boss, connection, TENANT_LIMITS_CHANGED_QUEUE, [
          { data: { tenantId } },
        ]);
        return tenant;
      });
      return c.json(toTenantView(updated), 200);
    })
    .openapi(issueKeyRoute, async (c) => {
      const tenant = await tenantOr404(c.req.valid("param").tenant_id);
      const { apiKey, apiKeyId } = await issueApiKey(deps.db, tenant.id);
      return c.json({ key_id: apiKeyId, api_key: apiKey }, 201);
    })
    .openapi(revokeKeyRoute, async (c) => {
      const { tenant_id: tenantId, key_id: keyId } = c.req.valid("param");
      const tenant = await tenantOr404(tenantId);
      const revoked = isUuid(keyId)
        ? await revokeApiKey(deps.db, { tenantId: tenant.id, apiKeyId: keyId })
        : undefined;
      if (!revoked) throw new ApiError("not_found", "No such live key for this tenant");
      return c.json(toApiKeyView(revoked), 200);
    });
}

function decodeNameCursor(cursor: string): string {
  const name = Buffer.from(cursor, "base64url").toString("utf8");
  // Only what encoding a tenant's name gives back: not empty, valid UTF-8 (re-encodes to the
  // same cursor) and no NUL, which PostgreSQL text cannot hold. Names made by the CLI may be
  // longer than the API's 63 characters, so length is no test.
  const canonical = Buffer.from(name, "utf8").toString("base64url") === cursor;
  if (name.length === 0 || !canonical || name.includes("\0")) {
    throw new ApiError("validation_failed", "Invalid request: cursor", {
      details: [{ field: "cursor", message: "not a cursor returned by this API" }],
    });
  }
  return name;
}

function isUniqueViolation(error: unknown): boolean {
  const cause = error instanceof Error && "cause" in error ? error.cause : error;
  return (cause as { code?: string } | undefined)?.code === "23505";
}
