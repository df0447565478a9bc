import { describe, expect, it } from "vitest";
import { linesAfterOverlap } from "./log-overlap.ts";

describe("linesAfterOverlap", () => {
  it("drops the lines a new follow repeats from the end of what was shown", () => {
    expect(linesAfterOverlap(["a", "b", "c"], ["b", "c", "d", "e"])).toEqual(["d", "e"]);
    expect(linesAfterOverlap(["a", "b", "c"], ["c"])).toEqual([]);
  });

  it("keeps everything when nothing overlaps, or nothing was shown", () => {
    expect(linesAfterOverlap(["a", "b"], ["x", "y"])).toEqual(["x", "y"]);
    expect(linesAfterOverlap([], ["x"])).toEqual(["x"]);
  });

  it("takes the longest overlap when lines repeat", () => {
    expect(linesAfterOverlap(["x", "x", "x"], ["x", "x", "x", "y"])).toEqual(["y"]);
  });
});
