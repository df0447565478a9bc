import { describe, expect, it } from "vitest";
import { linesAfterOverlap } from "./log-overlap.ts";

describe("linesAfterOverlap", () => {
  it("keeps the lines after those a new follow repeats", () => {
    expect(linesAfterOverlap(["a", "b", "c"], ["b", "c", "d", "e"])).toEqual(["d", "e"]);
    expect(linesAfterOverlap(["a", "b"], ["z", "a", "b", "c"])).toEqual(["c"]);
    expect(linesAfterOverlap(["a", "b", "c"], ["c"])).toEqual([]);
  });

  it("keeps nothing when the new follow's tail ends where the shown lines ended", () => {
    const log = Array.from({ length: 50 }, (_, i) => `line ${i}`);
    expect(linesAfterOverlap(["line 49"], log)).toEqual([]);
    expect(linesAfterOverlap(log.slice(10), log)).toEqual([]);
  });

  it("keeps everything when nothing overlaps, or nothing was shown", () => {
    expect(linesAfterOverlap(["a", "b"], ["x", "y"])).toEqual(["x", "y"]);
    expect(linesAfterOverlap([], ["x"])).toEqual(["x"]);
  });

  it("takes the latest place the shown lines end when lines repeat", () => {
    expect(linesAfterOverlap(["x", "x", "x"], ["x", "x", "x", "y"])).toEqual(["y"]);
  });
});
