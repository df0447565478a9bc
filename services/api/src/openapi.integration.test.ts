import { Validator } from "@seriousme/openapi-schema-validator";
import { openApiOperations, openApiProblems } from "@sumo/http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiTestContext, expectError, json, startApiTestContext } from "./test-harness.ts";

let ctx: ApiTestContext;
let document: any;
beforeAll(async () => {
  ctx = await startApiTestContext();
  document = await json(await ctx.request("GET", "/openapi.json"));
});
afterAll(async () => {
  await ctx.close();
});

describe("the tenant API's OpenAPI document", () => {
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
    const secured = openApiOperations(document).filter(
      ({ operation }) => operation.security?.length !== 0,
    );
    for (const { name, operation } of secured) {
      expect(operation.security, name).toEqual([{ bearerAuth: [] }]);
    }
    const isPublic = ({ operation }: { operation: { security?: unknown[] } }) =>
      operation.security?.length === 0;
    expect(
      openApiOperations(document)
        .filter(isPublic)
        .map(({ name }) => name),
    ).toEqual(["GET /healthz", "GET /readyz"]);
  });

  it("keeps the operationIds clients call", () => {
    // Generated clients name their methods after these: renaming one breaks them.
    const ids = openApiOperations(document).map(({ operation }) => operation.operationId);
    expect(ids).toEqual(
      expect.arrayContaining([
        "submitJob",
        "listJobs",
        "getJob",
        "cancelJob",
        "rerunJob",
        "getJobLogs",
        "uploadScenario",
        "listScenarios",
        "getScenario",
        "downloadScenarioBundle",
        "deleteScenario",
        "createSweep",
        "listSweeps",
        "getSweep",
        "cancelSweep",
        "getDashboard",
      ]),
    );
  });

  it("declares follow a boolean query parameter, false unless given", () => {
    const logs = document.paths["/v1/jobs/{job_id}/logs"].get;
    const follow = logs.parameters.find((p: { name: string }) => p.name === "follow");
    expect(follow).toMatchObject({ in: "query", schema: { type: "boolean", default: false } });
  });

  it("is right about security: every secured operation refuses a request without an API key", async () => {
    const secured = openApiOperations(document).filter(
      ({ operation }) => operation.security?.length !== 0,
    );
    expect(secured.length).toBeGreaterThan(10);
    for (const { name } of secured) {
      const [method = "", template = ""] = name.split(" ");
      const path = template.replace(/\{[^}]+\}/g, "0190a000-0000-7000-8000-000000000000");
      const mediaType = Object.keys(
        document.paths[template][method.toLowerCase()].requestBody?.content ?? {},
      )[0];
      const response = await ctx.request(method, path, {
        headers: mediaType ? { "content-type": mediaType } : {},
      });
      expect(response.status, name).toBe(401);
      expectError(await json(response), "unauthorized");
    }
  });
});
