import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Database } from "@sumo/db/client";
import {
  createScenario,
  deleteTenantScenario,
  findTenantScenario,
  getScenarioBundle,
  listTenantScenarios,
  ScenarioNameTakenError,
} from "@sumo/db/queries";
import { ApiError, errorResponses, type HttpEnv } from "@sumo/http";
import { encodePageCursor, pageCursorSchema } from "@sumo/http/page-cursor";
import {
  BundleError,
  type BundleErrorCode,
  type BundleLimits,
  readBundle,
  sha256Hex,
} from "@sumo/scenario";
import pLimit from "p-limit";
import { v7 as uuidv7 } from "uuid";
import {
  scenarioSchema,
  scenarioWithFilesSchema,
  toScenarioView,
  uploadScenarioFormSchema,
} from "../schemas/scenario.ts";
import type { TenantVariables } from "../tenant-auth.ts";

const security = [{ bearerAuth: [] }];
const scenarioParams = z.object({
  scenario_id: z.string().openapi({ description: "The scenario's id or name." }),
});

/** Longest id or name a scenario can have: anything longer names none (404). */
const MAX_REF_LENGTH = 100;

/** Every code a bundle is refused with at upload, each its own API error code. */
const BUNDLE_ERRORS = [
  "bundle_too_large",
  "not_an_archive",
  "unsafe_path",
  "unsupported_entry",
  "duplicate_entry",
  "too_many_files",
  "uncompressed_too_large",
  "no_sumocfg",
  "several_sumocfg",
  "unknown_sumocfg",
  "malformed_sumocfg",
  "missing_referenced_file",
] as const satisfies readonly BundleErrorCode[];

/** Bytes a multipart form adds around the bundle: boundaries, part headers, name and config. */
export const UPLOAD_FORM_OVERHEAD_BYTES = 16 * 1024;

export function uploadScenarioRoute(limits: BundleLimits) {
  return createRoute({
    method: "post",
    path: "/v1/scenarios",
    operationId: "uploadScenario",
    tags: ["Scenarios"],
    summary: "Upload a scenario",
    description: `Stores a bundle of SUMO input files under a name: a .tar.gz or .zip with one .sumocfg (or \`config\` naming which) and every file it references. The bundle is at most ${limits.maxBundleBytes} bytes (what one job carries to its pod in a Kubernetes ConfigMap, which holds at most 1 MiB), at most ${limits.maxFiles} files and ${limits.maxUncompressedBytes} bytes uncompressed; only regular files and directories, no paths leaving the bundle. Identical bundles are stored once.`,
    security,
    request: {
      body: {
        required: true,
        content: { "multipart/form-data": { schema: uploadScenarioFormSchema } },
      },
    },
    responses: {
      201: {
        description: "Stored.",
        content: { "application/json": { schema: scenarioWithFilesSchema } },
      },
      ...errorResponses(
        "unauthorized",
        "unsupported_media_type",
        "validation_failed",
        "scenario_name_taken",
        "service_unavailable",
        ...BUNDLE_ERRORS,
      ),
    },
  });
}

const listScenariosRoute = createRoute({
  method: "get",
  path: "/v1/scenarios",
  operationId: "listScenarios",
  tags: ["Scenarios"],
  summary: "List scenarios",
  description:
    "The tenant's scenarios, newest first. Pass `next_cursor` from a page as `cursor` to get the next one.",
  security,
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(100).default(20),
      cursor: pageCursorSchema.optional().openapi({ type: "string" }),
    }),
  },
  responses: {
    200: {
      description: "A page of scenarios.",
      content: {
        "application/json": {
          schema: z.object({
            scenarios: z.array(scenarioSchema),
            next_cursor: z.string().nullable(),
          }),
        },
      },
    },
    ...errorResponses("unauthorized", "validation_failed"),
  },
});

const getScenarioRoute = createRoute({
  method: "get",
  path: "/v1/scenarios/{scenario_id}",
  operationId: "getScenario",
  tags: ["Scenarios"],
  summary: "Get a scenario",
  security,
  request: { params: scenarioParams },
  responses: {
    200: {
      description: "The scenario with its files.",
      content: { "application/json": { schema: scenarioWithFilesSchema } },
    },
    ...errorResponses("unauthorized", "not_found"),
  },
});

const downloadBundleRoute = createRoute({
  method: "get",
  path: "/v1/scenarios/{scenario_id}/bundle",
  operationId: "downloadScenarioBundle",
  tags: ["Scenarios"],
  summary: "Download a scenario's bundle",
  description: "The bundle exactly as uploaded; its ETag is its SHA-256.",
  security,
  request: { params: scenarioParams },
  responses: {
    200: {
      description: "The bundle.",
      content: {
        "application/gzip": { schema: z.string().openapi({ format: "binary" }) },
        "application/zip": { schema: z.string().openapi({ format: "binary" }) },
      },
    },
    ...errorResponses("unauthorized", "not_found"),
  },
});

const deleteScenarioRoute = createRoute({
  method: "delete",
  path: "/v1/scenarios/{scenario_id}",
  operationId: "deleteScenario",
  tags: ["Scenarios"],
  summary: "Delete a scenario",
  description:
    "Jobs keep the bundle they were submitted with: deleting a scenario changes nothing a past or waiting job runs.",
  security,
  request: { params: scenarioParams },
  responses: {
    204: { description: "Deleted." },
    ...errorResponses("unauthorized", "not_found"),
  },
});

/**
 * `/v1/scenarios`: upload, list, read, download and delete the authenticated tenant's
 * scenarios. Another tenant's scenario is a 404 like a missing one.
 */
export function scenariosRoutes(deps: {
  db: Database;
  limits: BundleLimits;
  /** Uploads validated at once; each holds its bundle's files in memory meanwhile. */
  concurrentUploads: number;
}) {
  const validations = pLimit(deps.concurrentUploads);

  async function validate(bytes: Uint8Array, config: string | undefined) {
    // Past a short queue, refuse rather than hold more bodies in memory.
    if (validations.pendingCount >= deps.concurrentUploads * 4) {
      throw new ApiError("service_unavailable", "Too many uploads at once; retry shortly", {
        headers: { "Retry-After": "1" },
      });
    }
    try {
      return await validations(() =>
        readBundle(bytes, { limits: deps.limits, ...(config ? { config } : {}) }),
      );
    } catch (error) {
      if (error instanceof BundleError) {
        throw new ApiError(error.code, error.message, {
          ...(typeof error.details.path === "string"
            ? { details: [{ field: error.details.path, message: error.message }] }
            : {}),
        });
      }
      throw error;
    }
  }

  /** The tenant's scenario by id or name; a ref no scenario can have names none. */
  const find = (tenantId: string, ref: string) =>
    ref.length > MAX_REF_LENGTH
      ? Promise.resolve(undefined)
      : findTenantScenario(deps.db, { tenantId, ref });

  return new OpenAPIHono<HttpEnv<TenantVariables>>()
    .openapi(uploadScenarioRoute(deps.limits), async (c) => {
      const form = c.req.valid("form");
      if (form.bundle.size > deps.limits.maxBundleBytes) throw bundleTooLarge(deps.limits);
      const bytes = new Uint8Array(await form.bundle.arrayBuffer());
      const bundle = await validate(bytes, form.config);
      try {
        const scenario = await createScenario(deps.db, {
          id: uuidv7(),
          tenantId: c.var.tenantId,
          name: form.name,
          bundleSha256: sha256Hex(bytes),
          bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
          config: bundle.config,
          format: bundle.format,
          sizeBytes: bytes.byteLength,
          uncompressedBytes: bundle.uncompressedBytes,
          files: bundle.files.map((file) => file.path),
        });
        c.header("Location", `/v1/scenarios/${scenario.id}`);
        return c.json({ ...toScenarioView(scenario), files: scenario.files }, 201);
      } catch (error) {
        if (error instanceof ScenarioNameTakenError) {
          throw new ApiError(
            "scenario_name_taken",
            `A scenario named ${form.name} exists (${error.existing.id}); delete it or choose another name`,
          );
        }
        throw error;
      }
    })
    .openapi(listScenariosRoute, async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const page = await listTenantScenarios(deps.db, {
        tenantId: c.var.tenantId,
        limit,
        ...(cursor ? { after: { createdAt: cursor.at, id: cursor.id } } : {}),
      });
      return c.json(
        {
          scenarios: page.scenarios.map(toScenarioView),
          next_cursor: page.next
            ? encodePageCursor({ at: page.next.createdAt, id: page.next.id })
            : null,
        },
        200,
      );
    })
    .openapi(getScenarioRoute, async (c) => {
      const scenario = await find(c.var.tenantId, c.req.valid("param").scenario_id);
      if (!scenario) throw new ApiError("not_found", "No such scenario");
      return c.json({ ...toScenarioView(scenario), files: scenario.files }, 200);
    })
    .openapi(downloadBundleRoute, async (c) => {
      const scenario = await find(c.var.tenantId, c.req.valid("param").scenario_id);
      const bytes =
        scenario &&
        (await getScenarioBundle(deps.db, {
          tenantId: c.var.tenantId,
          sha256: scenario.bundleSha256,
        }));
      if (!scenario || !bytes) throw new ApiError("not_found", "No such scenario");
      const extension = scenario.format === "zip" ? "zip" : "tar.gz";
      return c.body(new Uint8Array(bytes), 200, {
        "Content-Type": scenario.format === "zip" ? "application/zip" : "application/gzip",
        "Content-Disposition": `attachment; filename="${scenario.name}.${extension}"`,
        ETag: `"${scenario.bundleSha256}"`,
      });
    })
    .openapi(deleteScenarioRoute, async (c) => {
      const scenario = await find(c.var.tenantId, c.req.valid("param").scenario_id);
      const deleted =
        scenario &&
        (await deleteTenantScenario(deps.db, {
          tenantId: c.var.tenantId,
          scenarioId: scenario.id,
        }));
      if (!deleted) throw new ApiError("not_found", "No such scenario");
      return c.body(null, 204);
    });
}

/** The 413 for a bundle over the limit, naming the limit and why it is what it is. */
export function bundleTooLarge(limits: BundleLimits): ApiError {
  return new ApiError(
    "bundle_too_large",
    `Scenario bundles are limited to ${limits.maxBundleBytes} bytes: a job carries its bundle to its pod in a Kubernetes ConfigMap, which holds at most 1 MiB`,
  );
}
