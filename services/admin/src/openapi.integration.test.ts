import { Validator } from "@seriousme/openapi-schema-validator";
import { openApiOperations, openApiProblems } from "@sumo/http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdminTestContext, startAdminTestContext } from "./test-harness.ts";

let ctx: AdminTestContext;
let document: any;
beforeAll(async () => {
  ctx = await startAdminTestContext();
  document = (await ctx.request("GET", "/openapi.json", { token: null })).body;
});
afterAll(async () => {
  await ctx.close();
});

describe("the admin API's OpenAPI document", () => {
  it("is valid against the OpenAPI 3.1 schema, every reference resolving", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it("gives every operation a unique operationId, declared tags, a summary and its security", () => {
    expect(openApiProblems(document)).toEqual([]);
    const operations = openApiOperations(document);
    const isPublic = ({ operation }: { operation: { security?: unknown[] } }) =>
      operation.security?.length === 0;
    expect(operations.filter(isPublic).map(({ name }) => name)).toEqual([
      "GET /healthz",
      "GET /readyz",
    ]);
    for (const { name, operation } of operations.filter((o) => !isPublic(o))) {
      expect(operation.security, name).toEqual([{ adminToken: [] }]);
    }
  });

  it("keeps the operationIds clients call", () => {
    // Generated clients name their methods after these: renaming one breaks them.
    const ids = openApiOperations(document).map(({ operation }) => operation.operationId);
    expect(ids).toEqual(
      expect.arrayContaining([
        "listTenants",
        "createTenant",
        "getTenant",
        "updateTenantLimits",
        "issueApiKey",
        "revokeApiKey",
        "getTenantQueue",
        "listJobs",
        "cancelJob",
        "listSweeps",
        "cancelSweep",
        "listNodes",
        "getPlatformMetrics",
      ]),
    );
  });

  it("is right about security: every secured operation refuses a request without the token", async () => {
    const secured = openApiOperations(document).filter(
      ({ operation }) => operation.security?.length !== 0,
    );
    expect(secured.length).toBeGreaterThan(10);
    for (const { name } of secured) {
      const [method = "", template = ""] = name.split(" ");
      const path = template.replace(/\{[^}]+\}/g, "0190a000-0000-7000-8000-000000000000");
      const response = await ctx.request(method, path, { token: null });
      expect(response.status, name).toBe(401);
      expect(response.body.error.code, name).toBe("unauthorized");
    }
  });
});
