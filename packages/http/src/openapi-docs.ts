import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import type { HttpEnv } from "./create-http-app.ts";
import { ERROR_CODES } from "./errors.ts";
import { HEALTH_TAG } from "./health-routes.ts";
import { openApiProblems } from "./openapi-rules.ts";

export interface OpenApiDocsOptions {
  title: string;
  version: string;
  description: string;
  /** Name of the bearer security scheme the routes refer to. */
  securityScheme?: string;
  /** The tags operations may have, in the order the docs page lists them (Health comes last). */
  tags: { name: string; description: string }[];
}

/**
 * The docs page's options (Scalar's configuration, in the page): the page offers nothing that
 * calls services outside the platform. The vendor's AI agent, its SDK and MCP generators and
 * developer toolbar, the button that opens its hosted API client, and its web fonts all reach
 * the vendor's cloud; "Test Request" stays, since it calls this API from the page.
 */
export const DOCS_PAGE_CONFIGURATION = {
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: "never",
  hideClientButton: true,
  withDefaultFonts: false,
  telemetry: false,
} as const;

const require = createRequire(import.meta.url);
let scalarBundleRead: Promise<{ bytes: Buffer<ArrayBuffer>; etag: string }> | undefined;
/** The docs page's script, read from disk once per process. */
function scalarBundle(): Promise<{ bytes: Buffer<ArrayBuffer>; etag: string }> {
  scalarBundleRead ??= readFile(scalarBundlePath).then((bytes) => ({
    bytes,
    etag: `"${createHash("sha256").update(bytes).digest("base64url")}"`,
  }));
  return scalarBundleRead;
}
/** Served from the npm package so the docs page works without reaching any CDN. */
const scalarBundlePath = path.join(
  path.dirname(require.resolve("@scalar/api-reference")),
  "browser/standalone.js",
);

/**
 * Serves the OpenAPI 3.1 document generated from the routes' zod schemas at `/openapi.json`
 * and an interactive reference page for it at `/docs`.
 *
 * The document must keep openapi-rules.ts' rules (every operation with an operationId, declared
 * tags, a summary and its security): generating one that breaks them throws, so a route without
 * them fails every test that reads the document, and the typed client's generation.
 */
export function mountOpenApiDocs<Variables extends object>(
  app: OpenAPIHono<HttpEnv<Variables>>,
  options: OpenApiDocsOptions,
): void {
  const scheme = options.securityScheme ?? "bearerAuth";
  app.openAPIRegistry.registerComponent("securitySchemes", scheme, {
    type: "http",
    scheme: "bearer",
  });
  const documentConfig = {
    openapi: "3.1.0",
    info: {
      title: options.title,
      version: options.version,
      description: `${options.description}\n\nEvery error is \`{"error": {"code", "message", "request_id"}}\`; codes: ${ERROR_CODES.map((c) => `\`${c}\``).join(", ")}.`,
    },
    tags: [...options.tags, HEALTH_TAG],
    // What an operation needs unless it says otherwise; public ones say `security: []`.
    security: [{ [scheme]: [] }],
  };
  // Generated on the first request, once every route is registered, and kept: the routes do
  // not change while the process runs.
  let document: string | undefined;
  app.get("/openapi.json", (c) => {
    document ??= generateDocument();
    return c.body(document, 200, { "content-type": "application/json" });
  });
  function generateDocument(): string {
    const generated = app.getOpenAPI31Document(documentConfig);
    const problems = openApiProblems(generated);
    if (problems.length > 0) {
      throw new Error(`The OpenAPI document breaks its rules:\n${problems.join("\n")}`);
    }
    return JSON.stringify(generated);
  }
  app.get("/docs/scalar.js", async (c) => {
    const bundle = await scalarBundle();
    if (c.req.header("if-none-match") === bundle.etag) return c.body(null, 304);
    c.header("content-type", "text/javascript; charset=utf-8");
    c.header("cache-control", "public, max-age=86400");
    c.header("etag", bundle.etag);
    return c.body(bundle.bytes);
  });
  app.get(
    "/docs",
    Scalar({
      url: "/openapi.json",
      cdn: "/docs/scalar.js",
      pageTitle: options.title,
      authentication: { preferredSecurityScheme: scheme },
      ...DOCS_PAGE_CONFIGURATION,
    }),
  );
}

/**
 * The document an app made with mountOpenApiDocs serves at `/openapi.json`, read in process;
 * throws with the app's answer when it serves none.
 */
export async function servedOpenApiDocument(app: {
  request(path: string): Response | Promise<Response>;
}): Promise<Record<string, unknown>> {
  const response = await app.request("/openapi.json");
  if (response.status !== 200) {
    throw new Error(`/openapi.json answered ${response.status}: ${await response.text()}`);
  }
  return (await response.json()) as Record<string, unknown>;
}

/**
 * Stands in for a dependency that a caller promises is never used, as when an app is built only
 * to read its OpenAPI document: the routes are declared without calling their dependencies.
 * Any use throws, naming the dependency.
 */
export function unusedDependency<T>(name: string): T {
  return new Proxy(
    {},
    {
      get(_, property) {
        throw new Error(`${name}.${String(property)} was used, but ${name} is not there to use`);
      },
    },
  ) as T;
}
