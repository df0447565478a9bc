import { ApiError } from "@sumo/http";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { LogFollows } from "./log-follows.ts";

function refusal(take: () => unknown): { code: string; retryAfter: string | undefined } {
  try {
    take();
  } catch (error) {
    if (error instanceof ApiError) {
      return { code: error.code, retryAfter: error.headers["Retry-After"] };
    }
    throw error;
  }
  throw new Error("the follow was allowed");
}

describe("LogFollows", () => {
  it("refuses a tenant at its limit with 429 while other tenants still follow", () => {
    const follows = new LogFollows({ maxPerTenant: 2, maxPerReplica: 10 }, new Registry());
    follows.take("a");
    follows.take("a");
    expect(refusal(() => follows.take("a"))).toEqual({
      code: "too_many_log_follows",
      retryAfter: "5",
    });
    follows.take("b");
    expect(follows.held("a")).toBe(2);
    expect(follows.held("b")).toBe(1);
  });

  it("frees a tenant's room when one of its follows ends, once however often it is released", () => {
    const follows = new LogFollows({ maxPerTenant: 2, maxPerReplica: 10 }, new Registry());
    const first = follows.take("a");
    follows.take("a");
    first.release();
    first.release();
    expect(follows.held("a")).toBe(1);
    follows.take("a");
    expect(() => follows.take("a")).toThrow(ApiError);
  });

  it("refuses everyone with 503 once the replica holds its most", () => {
    const follows = new LogFollows({ maxPerTenant: 2, maxPerReplica: 3 }, new Registry());
    follows.take("a");
    follows.take("b");
    follows.take("c");
    expect(refusal(() => follows.take("d")).code).toBe("service_unavailable");
  });

  it("forgets tenants whose follows all ended, and shows the count as a metric", async () => {
    const registry = new Registry();
    const follows = new LogFollows({ maxPerTenant: 2, maxPerReplica: 100 }, registry);
    const slots = Array.from({ length: 50 }, (_, i) => follows.take(`tenant-${i}`));
    expect(await registry.getSingleMetricAsString("sumo_api_log_follows")).toContain(
      "sumo_api_log_follows 50",
    );
    for (const slot of slots) slot.release();
    expect(follows.held()).toBe(0);
    expect(follows.trackedTenants).toBe(0);
    expect(await registry.getSingleMetricAsString("sumo_api_log_follows")).toContain(
      "sumo_api_log_follows 0",
    );
  });
});
