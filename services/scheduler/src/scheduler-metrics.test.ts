import { metricSamples, metricValue } from "@sumo/metrics/testing";
import { Registry } from "prom-client";
import { expect, it } from "vitest";
import { SCHEDULING_OUTCOMES, schedulerMetrics } from "./scheduler-metrics.ts";

it("starts every outcome at 0 and records attempts with their duration", async () => {
  const registry = new Registry();
  const metrics = schedulerMetrics(registry);
  const counted = await metricSamples(registry, "sumo_scheduler_scheduling_attempts_total");
  expect(counted.map((sample) => [sample.labels.outcome, sample.value])).toEqual(
    SCHEDULING_OUTCOMES.map((outcome) => [outcome, 0]),
  );

  metrics.recordAttempt("created", 0.04);
  schedulerMetrics(registry).recordAttempt("created", 0.2);
  metrics.recordAttempt("already-created", 0.01);
  metrics.recordAttempt("failed", 0.3);

  const attempts = "sumo_scheduler_scheduling_attempts_total";
  expect(await metricValue(registry, attempts, { outcome: "created" })).toBe(2);
  expect(await metricValue(registry, attempts, { outcome: "already-created" })).toBe(1);
  expect(await metricValue(registry, attempts, { outcome: "failed" })).toBe(1);
  const duration = "sumo_scheduler_scheduling_duration_seconds";
  expect(
    await metricValue(registry, `${duration}_bucket`, { outcome: "created", le: "0.05" }),
  ).toBe(1);
  expect(
    await metricValue(registry, `${duration}_bucket`, { outcome: "created", le: "0.25" }),
  ).toBe(2);
  expect(await metricValue(registry, `${duration}_sum`, { outcome: "created" })).toBeCloseTo(0.24);
});
