import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import type { HttpEnv } from "./create-http-app.ts";
import { ERROR_CODES } from "./errors.ts";

export interface OpenApiDocsOptions {
  title: string;
  version: string;
  description: string;
  /** Name of the bearer security scheme the routes refer to. */
  securityScheme?: string;
}

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
 */
export function mountOpenApiDocs<Variables extends object>(
  app: OpenAPIHono<HttpEnv<Variables>>,
  options: OpenApiDocsOptions,
): void {
  app.openAPIRegistry.registerComponent("securitySchemes", options.securityScheme ?? "bearerAuth", {
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
  };
  // Generated on the first request, once every route is registered, and kept: the routes do
  // not change while the process runs.
  let document: string | undefined;
  app.get("/openapi.json", (c) => {
    document ??= JSON.stringify(app.getOpenAPI31Document(documentConfig));
    return c.body(document, 200, { "content-type": "application/json" });
  });
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
    Scalar({ url: "/openapi.json", cdn: "/docs/scalar.js", pageTitle: options.title }),
  );
}
