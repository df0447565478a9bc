import { describe, expect, it } from "vitest";
import { keptLogLines } from "./kept-log.ts";

const MiB = 1024 * 1024;
const limits = { maxLines: 500, maxBytes: MiB, maxLineBytes: 16 * 1024 };
/** What the database stores: the lines joined by newlines. */
const storedBytes = (lines: string[]) => Buffer.byteLength(lines.join("\n"), "utf8");

describe("keptLogLines", () => {
  it("keeps a log within its limits as it is", () => {
    const log =
      "Loading net-file ... done (12ms).\nStep #100.00\nSimulation ended at time: 100.00\n";
    expect(keptLogLines(log, limits)).toEqual([
      "Loading net-file ... done (12ms).",
      "Step #100.00",
      "Simulation ended at time: 100.00",
    ]);
  });

  it("keeps a cut piece of one enormous line, and says so on a last line", () => {
    const huge = "x".repeat(5 * MiB);
    const kept = keptLogLines(`starting\n${huge}\n`, limits);
    expect(storedBytes(kept)).toBeLessThanOrEqual(16 * 1024 + 1024);
    expect(kept).toHaveLength(3);
    expect(kept[0]).toBe("starting");
    expect(kept[1]).toMatch(/^x+ \[\.\.\. 5242880 bytes long, cut\]$/);
    expect(Buffer.byteLength(kept[1] ?? "")).toBeLessThan(16 * 1024);
    expect(kept[2]).toMatch(
      /^\[sumo-k8\] log truncated: kept \d+ of its last 5242890 bytes \(1 long line cut\)$/,
    );
  });

  it("keeps the newest lines that fit in the byte budget, the notice included", () => {
    const lines = Array.from({ length: 400 }, (_, i) => `${i} ${"y".repeat(8000)}`);
    const kept = keptLogLines(lines.join("\n"), limits);
    expect(storedBytes(kept)).toBeLessThanOrEqual(MiB);
    const notice = kept.at(-1);
    const body = kept.slice(0, -1);
    // As many of the newest lines as fit, in order, ending with the last one.
    expect(body.at(-1)).toBe(lines.at(-1));
    expect(body).toEqual(lines.slice(-body.length));
    expect(body.length).toBeGreaterThan(120);
    expect(notice).toMatch(
      new RegExp(
        `^\\[sumo-k8\\] log truncated: kept \\d+ of its last \\d+ bytes \\(${400 - body.length} earlier lines dropped\\)$`,
      ),
    );
  });

  it("keeps at most maxLines lines", () => {
    const log = Array.from({ length: 10 }, (_, i) => `line ${i}`).join("\n");
    const kept = keptLogLines(log, { ...limits, maxLines: 3 });
    expect(kept.slice(0, 3)).toEqual(["line 7", "line 8", "line 9"]);
    expect(kept[3]).toContain("7 earlier lines dropped");
  });

  it("cuts a line of many-byte characters between characters", () => {
    const kept = keptLogLines(`${"ü€😀".repeat(10_000)}\n`, { ...limits, maxLineBytes: 1000 });
    expect(kept[0]).not.toContain("\uFFFD");
    expect(Buffer.byteLength(kept[0] ?? "")).toBeLessThan(1000);
    expect(kept[0]?.startsWith("ü€😀ü€😀")).toBe(true);
  });
});
