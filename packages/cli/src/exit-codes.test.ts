import { ApiProblem } from "@sumo/api-client";
import { describe, expect, it } from "vitest";
import { EXIT_CODES, exitCodeOfProblem } from "./exit-codes.ts";

const problem = (code: string, status?: number) =>
  new ApiProblem({ code, message: code, ...(status !== undefined && { status }) });

describe("exitCodeOfProblem", () => {
  it.each([
    ["unauthorized", 401, EXIT_CODES.auth],
    ["too_many_auth_failures", 429, EXIT_CODES.auth],
    ["not_found", 404, EXIT_CODES.notFound],
    ["concurrent_job_limit_reached", 429, EXIT_CODES.limits],
    ["too_many_log_follows", 429, EXIT_CODES.limits],
    ["job_exceeds_tenant_limits", 422, EXIT_CODES.limits],
    ["sweep_too_large", 422, EXIT_CODES.limits],
    ["validation_failed", 422, EXIT_CODES.refused],
    ["conflict", 409, EXIT_CODES.refused],
    ["job_already_ended", 409, EXIT_CODES.refused],
    ["internal_error", 500, EXIT_CODES.server],
    ["service_unavailable", 503, EXIT_CODES.server],
    ["network_error", undefined, EXIT_CODES.server],
  ])("%s (%s) exits %d", (code, status, exitCode) => {
    expect(exitCodeOfProblem(problem(code, status))).toBe(exitCode);
  });

  it("gives each kind of failure a status of its own", () => {
    const values = Object.values(EXIT_CODES);
    expect(new Set(values).size).toBe(values.length);
  });
});
