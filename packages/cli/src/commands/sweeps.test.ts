import { describe, expect, it } from "vitest";
import { collectVary, formatVary } from "./sweeps.ts";

describe("collectVary", () => {
  it("reads lists and ranges, adding to those before", () => {
    const seeds = collectVary("seed=1..50", {});
    expect(seeds).toEqual({ seed: { from: 1, to: 50, step: 1 } });
    expect(collectVary("scale=0.8,1,1.2", seeds)).toEqual({
      seed: { from: 1, to: 50, step: 1 },
      scale: [0.8, 1, 1.2],
    });
    expect(collectVary("step-length=0.5..1:0.25", {})).toEqual({
      step_length: { from: 0.5, to: 1, step: 0.25 },
    });
    expect(collectVary("end=-1", {})).toEqual({ end: [-1] });
  });

  it("refuses what is no parameter=values", () => {
    expect(() => collectVary("seed", {})).toThrow("expected parameter=values");
    expect(() => collectVary("seed=a,b", {})).toThrow("not a number");
  });
});

describe("formatVary", () => {
  it("writes a sweep's vary as --vary takes it", () => {
    expect(formatVary({ seed: { from: 1, to: 4, step: 1 }, scale: [1, 2] })).toBe(
      "seed=1..4, scale=1,2",
    );
    expect(formatVary({ end: { from: 100, to: 200, step: 50 } })).toBe("end=100..200:50");
  });
});
