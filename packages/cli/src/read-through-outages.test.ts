import { ApiProblem } from "@sumo/api-client";
import { describe, expect, it } from "vitest";
import { isTransientFailure } from "./read-through-outages.ts";

describe("isTransientFailure", () => {
  it("waits out no answer, a failing service and a cut stream", () => {
    expect(isTransientFailure(new ApiProblem({ code: "network_error", message: "" }))).toBe(true);
    expect(
      isTransientFailure(new ApiProblem({ code: "service_unavailable", message: "", status: 503 })),
    ).toBe(true);
    expect(isTransientFailure(new TypeError("terminated"))).toBe(true);
  });

  it("gives up on what waiting does not change", () => {
    expect(
      isTransientFailure(new ApiProblem({ code: "not_found", message: "", status: 404 })),
    ).toBe(false);
    expect(
      isTransientFailure(
        new ApiProblem({ code: "too_many_log_follows", message: "", status: 429 }),
      ),
    ).toBe(false);
    expect(isTransientFailure(new TypeError("x is not a function"))).toBe(false);
  });
});
