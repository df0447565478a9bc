import { describe, expect, it } from "vitest";
import { LiveProgress } from "./live-progress.ts";
import { formatTable, Output, type OutputStream } from "./output.ts";

function captured(isTTY: boolean): OutputStream & { text: string } {
  return {
    text: "",
    isTTY,
    columns: 100,
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}

describe("formatTable", () => {
  it("aligns columns without borders, as kubectl does", () => {
    expect(
      formatTable(
        ["JOB", "STATUS"],
        [
          ["a", "RUNNING"],
          ["bbbb", "FAILED"],
        ],
      ),
    ).toBe("JOB    STATUS\na      RUNNING\nbbbb   FAILED");
  });

  it("right-aligns the columns asked", () => {
    expect(
      formatTable(
        ["METRIC", "MEAN"],
        [
          ["a", "1.5"],
          ["b", "120"],
        ],
        ["left", "right"],
      ),
    ).toBe("METRIC   MEAN\na         1.5\nb         120");
  });
});

describe("Output", () => {
  it("styles nothing and draws no bar when stdout is not a terminal", () => {
    const stdout = captured(false);
    const stderr = captured(true);
    const output = new Output({ stdout, stderr }, "table");
    expect(output.interactive).toBe(false);
    expect(output.style("red", "FAILED")).toBe("FAILED");
    const bar = new LiveProgress(output, "job x");
    bar.show({ status: "PENDING", fraction: undefined, detail: "" });
    bar.show({ status: "RUNNING", fraction: 0.2, detail: "sim 60/300 s" });
    bar.show({ status: "RUNNING", fraction: 0.4, detail: "sim 120/300 s" });
    bar.stop();
    expect(stderr.text).toBe("job x PENDING\njob x RUNNING sim 60/300 s\n");
    expect(stdout.text).toBe("");
  });

  it("draws a bar on a terminal", () => {
    const stdout = captured(true);
    const stderr = captured(true);
    const output = new Output({ stdout, stderr }, "table");
    expect(output.interactive).toBe(true);
    expect(output.style("red", "FAILED")).toContain("\u001b[31m");
    expect(new Output({ stdout, stderr }, "table", { noColor: true }).style("red", "x")).toBe("x");
    const bar = new LiveProgress(output, "job x");
    bar.show({ status: "RUNNING", fraction: 0.5, detail: "sim 150/300 s" });
    bar.stop();
    expect(stderr.text).toContain("50%");
    expect(stderr.text).toContain("sim 150/300 s");
  });
});
