import { createRoute, type RouteConfig, z } from "@hono/zod-openapi";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createHttpApp } from "./create-http-app.ts";
import { healthRoutes } from "./health-routes.ts";
import { mountOpenApiDocs } from "./openapi-docs.ts";
import { openApiProblems } from "./openapi-rules.ts";

const statusSchema = z.object({ ok: z.boolean() });

function appWith(route: RouteConfig) {
  const app = createHttpApp({ logger: pino({ level: "silent" }), bodyLimitBytes: 1024 });
  app.route("/", healthRoutes({ isReady: async () => true }));
  mountOpenApiDocs(app, {
    title: "test API",
    version: "1.0.0",
    description: "A test.",
    tags: [{ name: "Things", description: "Things." }],
  });
  app.openapi(createRoute(route), (c) => c.json({ ok: true }, 200) as never);
  return app;
}

const thingRoute: RouteConfig = {
  method: "get",
  path: "/v1/things",
  operationId: "listThings",
  tags: ["Things"],
  summary: "List things",
  security: [{ bearerAuth: [] }],
  responses: {
    200: { description: "ok", content: { "application/json": { schema: statusSchema } } },
  },
};

/** The configuration the docs page hands Scalar, read from the served HTML. */
async function pageConfiguration(page: Response): Promise<Record<string, any>> {
  const html = await page.text();
  const config = /createApiReference\('#app', (\{[\s\S]*?\})\)\s*<\/script>/.exec(html)?.[1];
  if (!config) throw new Error(`no Scalar configuration in the page:\n${html}`);
  return JSON.parse(config);
}

describe("mountOpenApiDocs", () => {
  it("serves a document whose operations keep the rules, secured unless they say otherwise", async () => {
    const response = await appWith(thingRoute).request("/openapi.json");
    expect(response.status).toBe(200);
    const document: any = await response.json();
    expect(openApiProblems(document)).toEqual([]);
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    expect(document.tags.map((tag: { name: string }) => tag.name)).toEqual(["Things", "Health"]);
    expect(document.paths["/healthz"].get).toMatchObject({
      operationId: "checkLiveness",
      tags: ["Health"],
      security: [],
    });
  });

  it("refuses to generate a document with an operation that breaks the rules", async () => {
    const { operationId: _, ...withoutId } = thingRoute;
    const response = await appWith(withoutId).request("/openapi.json");
    expect(response.status).toBe(500);
    expect(((await response.json()) as any).error.code).toBe("internal_error");
  });

  it("serves a docs page that calls nothing outside the platform", async () => {
    const page = await appWith(thingRoute).request("/docs");
    expect(page.status).toBe(200);
    const html = await page.clone().text();
    // The script is this service's own copy; no other address is named.
    expect(html).toContain('src="/docs/scalar.js"');
    expect(html).not.toMatch(/https?:\/\//);
    const config = await pageConfiguration(page);
    expect(config).toMatchObject({
      url: "/openapi.json",
      // "Ask AI" and "Generate MCP": the vendor's agent and MCP service.
      agent: { disabled: true },
      mcp: { disabled: true },
      // "Generate SDK" and the developer toolbar: the vendor's dashboard.
      showDeveloperTools: "never",
      // "Open API Client": the vendor's hosted client.
      hideClientButton: true,
      // Fonts from the vendor's CDN.
      withDefaultFonts: false,
      telemetry: false,
      authentication: { preferredSecurityScheme: "bearerAuth" },
    });
  });
});

describe("openApiProblems", () => {
  const operation = {
    operationId: "listThings",
    tags: ["Things"],
    summary: "List things",
    security: [{ bearerAuth: [] }],
    responses: {},
  };
  const documentWith = (paths: Record<string, unknown>) => ({
    openapi: "3.1.0",
    tags: [{ name: "Things" }],
    components: { securitySchemes: { bearerAuth: { type: "http", scheme: "bearer" } } },
    paths,
  });

  it("passes operations that say everything", () => {
    expect(openApiProblems(documentWith({ "/things": { get: operation } }))).toEqual([]);
  });

  it("names each operation's missing or wrong parts", () => {
    const problems = openApiProblems(
      documentWith({
        "/things": { get: operation, post: { ...operation } },
        "/other": { get: { responses: {} } },
        "/more": {
          get: {
            ...operation,
            operationId: "get_more",
            tags: ["Unknown"],
            security: [{ apiKey: [] }],
          },
        },
      }),
    );
    expect(problems).toEqual([
      "POST /things: operationId listThings is GET /things's already",
      "GET /other has no operationId",
      "GET /other has no summary",
      "GET /other has no tags",
      "GET /other says no security: name its scheme, or [] if it is public",
      "GET /more: operationId get_more is not camelCase",
      "GET /more: tag Unknown is not among the document's",
      "GET /more: security scheme apiKey is undeclared",
    ]);
  });

  it("finds a default that is not of its schema's type", () => {
    const follow = {
      name: "follow",
      in: "query",
      schema: { type: "string", default: false },
    };
    const problems = openApiProblems(
      documentWith({ "/things": { get: { ...operation, parameters: [follow] } } }),
    );
    expect(problems).toEqual([
      "#/paths/~1things/get/parameters/0/schema: default false is not string",
    ]);
  });
});
