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
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: options.title,
      version: options.version,
      description: `${options.description}\n\nEvery error is \`{"error": {"code", "message", "request_id"}}\`; codes: ${ERROR_CODES.map((c) => `\`${c}\``).join(", ")}.`,
    },
  });
  app.get("/docs/scalar.js", async (c) => {
    c.header("content-type", "text/javascript; charset=utf-8");
    c.header("cache-control", "public, max-age=86400");
    return c.body(await readFile(scalarBundlePath));
  });
  app.get(
    "/docs",
    Scalar({ url: "/openapi.json", cdn: "/docs/scalar.js", pageTitle: options.title }),
  );
}
