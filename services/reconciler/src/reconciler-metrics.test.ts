import type { ObservedJobStatus } from "@sumo/db/queries";
import { describe, expect, it } from "vitest";
import { syncLagSeconds } from "./reconciler-metrics.ts";

const observed = (overrides: Partial<ObservedJobStatus>): ObservedJobStatus => ({
  jobId: "00000000-0000-7000-8000-000000000001",
  status: "PENDING",
  podName: null,
  startedAt: null,
  finishedAt: null,
  exitCode: null,
  failureReason: null,
  result: null,
  ...overrides,
});

describe("syncLagSeconds", () => {
  const startedAt = new Date("2026-01-01T10:00:00Z");
  const finishedAt = new Date("2026-01-01T10:05:00Z");
  const at = (iso: string) => new Date(iso);

  it("measures RUNNING from the container's start and ended jobs from their finish", () => {
    expect(
      syncLagSeconds(observed({ status: "RUNNING", startedAt }), at("2026-01-01T10:00:01.250Z")),
    ).toBe(1.25);
    for (const status of ["SUCCEEDED", "FAILED"] as const) {
      expect(
        syncLagSeconds(observed({ status, startedAt, finishedAt }), at("2026-01-01T10:05:00.400Z")),
      ).toBeCloseTo(0.4);
    }
  });

  it("has no lag for PENDING, nor without a Kubernetes timestamp", () => {
    expect(syncLagSeconds(observed({}), finishedAt)).toBeUndefined();
    expect(syncLagSeconds(observed({ status: "FAILED", startedAt }), finishedAt)).toBeUndefined();
  });

  it("reads a node clock ahead of ours as no lag", () => {
    expect(
      syncLagSeconds(observed({ status: "RUNNING", startedAt }), at("2026-01-01T09:59:59Z")),
    ).toBe(0);
  });
});
