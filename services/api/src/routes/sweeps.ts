import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type Database, transactionOnConnection } from "@sumo/db/client";
import { cancelSweep } from "@sumo/db/job-cancellation";
import {
  findTenantScenario,
  getTenant,
  getTenantSweep,
  insertSweep,
  listSweeps,
} from "@sumo/db/queries";
import { neverFits } from "@sumo/db/queue-rules";
import { ApiError, errorResponses, type HttpEnv, JSON_BODY_ERRORS } from "@sumo/http";
import { isUuid } from "@sumo/http/ids";
import {
  encodeSweepCursor,
  sweepCursorSchema,
  sweepSchema,
  sweepWithResultsSchema,
  toSweepView,
  toSweepViewWithResults,
} from "@sumo/http/sweep-view";
import type { PgBoss } from "pg-boss";
import { v7 as uuidv7 } from "uuid";
import { createSweepRequestSchema } from "../schemas/sweep.ts";
import { MAX_SWEEP_MEMBERS, sweepMembers, sweepSize } from "../sweep-members.ts";
import type { TenantVariables } from "../tenant-auth.ts";

const security = [{ bearerAuth: [] }];
const sweepIdParams = z.object({ sweep_id: z.string().openapi({ format: "uuid" }) });

const createSweepRoute = createRoute({
  method: "post",
  path: "/v1/sweeps",
  operationId: "createSweep",
  tags: ["Sweeps"],
  summary: "Create a sweep",
  description: `Runs one scenario with every combination of the values \`vary\` gives (their cartesian product, 1 to ${MAX_SWEEP_MEMBERS.toLocaleString("en")} members), each member a job of its own over the shared \`parameters\`. All members are accepted at once, in one transaction, and wait in the tenant's queue (QUEUED): they start first in, first out as the tenant's concurrent-job limit and quota allow. Every member is checked as a submission is; one that would be refused refuses the whole sweep.`,
  security,
  request: {
    body: { required: true, content: { "application/json": { schema: createSweepRequestSchema } } },
  },
  responses: {
    201: {
      description: "Created, its members QUEUED.",
      content: { "application/json": { schema: sweepSchema } },
    },
    ...errorResponses(
      "unauthorized",
      ...JSON_BODY_ERRORS,
      "unknown_scenario",
      "job_exceeds_tenant_limits",
      "sweep_too_large",
    ),
  },
});

const listSweepsRoute = createRoute({
  method: "get",
  path: "/v1/sweeps",
  operationId: "listSweeps",
  tags: ["Sweeps"],
  summary: "List sweeps",
  description: "The tenant's sweeps, newest first, each with its members' counts by status.",
  security,
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(100).default(20),
      cursor: sweepCursorSchema.optional().openapi({ type: "string" }),
    }),
  },
  responses: {
    200: {
      description: "A page of sweeps.",
      content: {
        "application/json": {
          schema: z.object({ sweeps: z.array(sweepSchema), next_cursor: z.string().nullable() }),
        },
      },
    },
    ...errorResponses("unauthorized", "validation_failed"),
  },
});

const getSweepRoute = createRoute({
  method: "get",
  path: "/v1/sweeps/{sweep_id}",
  operationId: "getSweep",
  tags: ["Sweeps"],
  summary: "Get a sweep",
  description:
    "The sweep, its members' counts by status and progress, and its results: each number of the run summary aggregated over the members that succeeded. `GET /v1/jobs?sweep_id=` lists the members.",
  security,
  request: { params: sweepIdParams },
  responses: {
    200: {
      description: "The sweep.",
      content: { "application/json": { schema: sweepWithResultsSchema } },
    },
    ...errorResponses("unauthorized", "not_found"),
  },
});

const cancelSweepRoute = createRoute({
  method: "post",
  path: "/v1/sweeps/{sweep_id}/cancel",
  operationId: "cancelSweep",
  tags: ["Sweeps"],
  summary: "Cancel a sweep",
  description:
    "Cancels every member that has not ended, as POST /v1/jobs/{id}/cancel does one (queued ones never start; pending and running ones have their Kubernetes Jobs deleted). Members that ended keep their results. Idempotent.",
  security,
  request: { params: sweepIdParams },
  responses: {
    200: {
      description: "The sweep, its open members CANCELLED.",
      content: { "application/json": { schema: sweepSchema } },
    },
    ...errorResponses("unauthorized", "not_found"),
  },
});

/** `/v1/sweeps`: create, read, list and cancel the authenticated tenant's sweeps. */
export function sweepsRoutes(deps: { db: Database; boss: PgBoss }) {
  return new OpenAPIHono<HttpEnv<TenantVariables>>()
    .openapi(createSweepRoute, async (c) => {
      const request = c.req.valid("json");
      const tenantId = c.var.tenantId;
      const [tenant, scenario] = await Promise.all([
        getTenant(deps.db, tenantId),
        findTenantScenario(deps.db, { tenantId, ref: request.scenario_id }),
      ]);
      if (!tenant) throw new ApiError("unauthorized", "Invalid API key");
      if (!scenario) {
        throw new ApiError(
          "unknown_scenario",
          `No scenario ${request.scenario_id} among the tenant's scenarios`,
          { details: [{ field: "scenario_id", message: "names none of the tenant's scenarios" }] },
        );
      }
      const size = { cpuRequest: request.cpu_request, memoryGi: request.memory_gi };
      const tooLarge = neverFits(tenant, size);
      if (tooLarge) {
        throw new ApiError("job_exceeds_tenant_limits", `No member could ever run: ${tooLarge}`);
      }
      const count = sweepSize(request.vary);
      if (count > MAX_SWEEP_MEMBERS) {
        throw new ApiError(
          "sweep_too_large",
          `The sweep has ${count.toLocaleString("en")} members; a sweep has at most ${MAX_SWEEP_MEMBERS.toLocaleString("en")}`,
          { details: [{ field: "vary", message: `at most ${MAX_SWEEP_MEMBERS} combinations` }] },
        );
      }
      const parameters = request.parameters ?? {};
      const expanded = sweepMembers(parameters, request.vary);
      if (!expanded.ok) {
        throw new ApiError("validation_failed", `Invalid request: ${expanded.field}`, {
          details: [{ field: expanded.field, message: expanded.message }],
        });
      }
      const sweepId = uuidv7();
      const now = new Date();
      const members = expanded.members.map((scenario) => ({ id: uuidv7(), scenario }));
      const sweep = await transactionOnConnection(deps.db, (connection) =>
        insertSweep(
          connection,
          {
            id: sweepId,
            tenantId,
            scenarioId: scenario.id,
            scenarioName: scenario.name,
            scenarioSha256: scenario.bundleSha256,
            scenarioConfig: scenario.config,
            parameters,
            vary: request.vary,
            cpuRequest: request.cpu_request,
            memoryGi: request.memory_gi,
            memberCount: members.length,
            createdAt: now,
          },
          members,
        ),
      );
      c.header("Location", `/v1/sweeps/${sweep.id}`);
      return c.json(await toSweepView(deps.db, sweep), 201);
    })
    .openapi(listSweepsRoute, async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const page = await listSweeps(deps.db, {
        tenantId: c.var.tenantId,
        limit,
        ...(cursor && { after: cursor }),
      });
      return c.json(
        {
          sweeps: await Promise.all(page.sweeps.map((sweep) => toSweepView(deps.db, sweep))),
          next_cursor: page.next ? encodeSweepCursor(page.next) : null,
        },
        200,
      );
    })
    .openapi(getSweepRoute, async (c) => {
      const { sweep_id: sweepId } = c.req.valid("param");
      const sweep = isUuid(sweepId)
        ? await getTenantSweep(deps.db, { tenantId: c.var.tenantId, sweepId })
        : undefined;
      if (!sweep) throw new ApiError("not_found", "No such sweep");
      return c.json(await toSweepViewWithResults(deps.db, sweep), 200);
    })
    .openapi(cancelSweepRoute, async (c) => {
      const { sweep_id: sweepId } = c.req.valid("param");
      const outcome = isUuid(sweepId)
        ? await cancelSweep(deps, { sweepId, tenantId: c.var.tenantId, by: "tenant" })
        : ({ kind: "not-found" } as const);
      if (outcome.kind === "not-found") throw new ApiError("not_found", "No such sweep");
      return c.json(await toSweepView(deps.db, outcome.sweep), 200);
    });
}
