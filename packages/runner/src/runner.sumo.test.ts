// The runner as the pod runs it: a process reading its scenario from a folder it must not
// write to, working in a folder of its own, reporting in a termination-message file, with the
// real, pinned SUMO on scenarios made at test time.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  parseProgressLine,
  RUNNER_EXIT_CODES,
  type RunParameters,
  type RunReport,
} from "@sumo/scenario";
import {
  type BundleEntry,
  installSumo,
  makeGridScenario,
  makeTarGz,
  type SumoInstallation,
} from "@sumo/scenario/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStatistics } from "./sumo-output.ts";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const run = promisify(execFile);

let sumo: SumoInstallation;
let root: string;
/** A small grid: a run of it takes well under a second. */
let small: Record<string, Uint8Array>;
/** A larger, busier grid: a run of it takes a few seconds. */
let long: Record<string, Uint8Array>;

beforeAll(async () => {
  sumo = await installSumo();
  root = await mkdtemp(path.join(tmpdir(), "sumo-runner-"));
  small = await scenarioFiles("small", { gridNumber: 3, end: 300, seed: 11 });
  long = await scenarioFiles("long", { gridNumber: 5, end: 900, seed: 3, period: 0.4 });
}, 120_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function scenarioFiles(
  name: string,
  options: Parameters<typeof makeGridScenario>[1],
): Promise<Record<string, Uint8Array>> {
  const dir = path.join(root, `make-${name}`);
  await mkdir(dir);
  const scenario = await makeGridScenario(dir, options);
  const files: Record<string, Uint8Array> = {};
  for (const file of scenario.files) files[`city/${file}`] = await readFile(path.join(dir, file));
  return files;
}

let runs = 0;

/** A pod's folders for one run: the read-only scenario (bundle + run.json) and the work dir. */
async function podFolders(
  bundle: Uint8Array,
  parameters: RunParameters,
  spec: { config?: string; sha256?: string } = {},
) {
  const dir = path.join(root, `run-${++runs}`);
  const scenarioDir = path.join(dir, "scenario");
  const workDir = path.join(dir, "work");
  await mkdir(scenarioDir, { recursive: true });
  await mkdir(workDir);
  await writeFile(path.join(scenarioDir, "bundle"), bundle);
  await writeFile(
    path.join(scenarioDir, "run.json"),
    JSON.stringify({
      job_id: `job-${runs}`,
      bundle_sha256: spec.sha256 ?? createHash("sha256").update(bundle).digest("hex"),
      config: spec.config ?? "city/grid.sumocfg",
      parameters,
    }),
  );
  for (const file of ["bundle", "run.json"]) await chmod(path.join(scenarioDir, file), 0o444);
  await chmod(scenarioDir, 0o555);
  return { dir, scenarioDir, workDir, terminationLog: path.join(dir, "termination-log") };
}

function startRunner(folders: Awaited<ReturnType<typeof podFolders>>): ChildProcess {
  return spawn(
    process.execPath,
    [
      MAIN,
      "--scenario-dir",
      folders.scenarioDir,
      "--work-dir",
      folders.workDir,
      "--termination-log",
      folders.terminationLog,
      "--progress-interval-ms",
      "200",
    ],
    { env: sumo.env, stdio: ["ignore", "pipe", "pipe"] },
  );
}

interface Finished {
  exitCode: number | null;
  /** The runner's stdout, line by line (SUMO's stdout and the runner's own lines). */
  log: string[];
  /** SUMO's stderr, as the runner passed it on. */
  errors: string[];
  report: RunReport;
}

async function finish(child: ChildProcess, folders: { terminationLog: string }): Promise<Finished> {
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
  });
  const exitCode = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const lines = (text: string) => text.split("\n").filter((line) => line !== "");
  const report = JSON.parse(await readFile(folders.terminationLog, "utf8")) as RunReport;
  return { exitCode, log: lines(out), errors: lines(err), report };
}

async function runToEnd(bundle: Uint8Array, parameters: RunParameters, spec = {}) {
  const folders = await podFolders(bundle, parameters, spec);
  return { folders, ...(await finish(startRunner(folders), folders)) };
}

/** SUMO itself on the same scenario and options: its own statistic output. */
async function bareSumo(files: Record<string, Uint8Array>, options: string[]) {
  const dir = path.join(root, `bare-${++runs}`);
  for (const [file, bytes] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), bytes);
  }
  await run(
    path.join(sumo.binDir, "sumo"),
    [
      "-c",
      path.join(dir, "city/grid.sumocfg"),
      ...options,
      "--statistic-output",
      path.join(dir, "statistics.xml"),
      "--duration-log.statistics",
      "true",
      "--no-step-log",
    ],
    { env: sumo.env },
  );
  return parseStatistics(await readFile(path.join(dir, "statistics.xml"), "utf8"));
}

/** Every file under a folder with its hash: what a run left there. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: Record<string, string> = {};
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, file)] = createHash("sha256")
      .update(await readFile(file))
      .digest("hex");
  }
  return files;
}

describe("a run that succeeds", () => {
  it("reports a summary whose counts are SUMO's own, and leaves the scenario untouched", async () => {
    const bundle = await makeTarGz(small);
    const before = await snapshotOf(bundle);
    const { exitCode, report, log, folders } = await runToEnd(bundle, { seed: 42, end: 300 });
    expect(exitCode, log.join("\n")).toBe(RUNNER_EXIT_CODES.succeeded);
    expect(report.outcome).toBe("succeeded");

    const own = await bareSumo(small, ["--seed", "42", "--end", "300"]);
    expect(report.summary).toMatchObject({
      sumo_version: "1.28.0",
      seed: 42,
      options: ["--seed", "42", "--end", "300"],
      vehicles: own.vehicles,
      trips: own.trips,
      simulated_seconds: 300,
      end_time: 300,
    });
    expect(report.summary?.vehicles.inserted).toBeGreaterThan(0);
    expect(report.summary?.wall_seconds).toBeGreaterThan(0);
    expect(log.at(-1)).toMatch(/^\[sumo-runner\] succeeded: /);
    // The scenario folder is as the pod mounts it; everything the run wrote is in its work dir.
    expect(await snapshot(folders.scenarioDir)).toEqual(before);
    expect(Object.keys(await snapshot(folders.workDir)).sort()).toEqual(
      [...Object.keys(small), "output/statistics.xml"]
        .map((f) => f.replace(/^city\//, "scenario/city/"))
        .sort(),
    );
  });

  it("repeats exactly for a seed, and differs for another", async () => {
    const bundle = await makeTarGz(small);
    const first = await runToEnd(bundle, { seed: 7 });
    const again = await runToEnd(bundle, { seed: 7 });
    const other = await runToEnd(bundle, { seed: 8 });
    const outcome = (r: Finished) => ({
      vehicles: r.report.summary?.vehicles,
      trips: r.report.summary?.trips,
    });
    expect(outcome(again)).toEqual(outcome(first));
    expect(outcome(other)).not.toEqual(outcome(first));
  });

  it("writes the outputs asked for, and SUMO's default seed when none is given", async () => {
    const { report, folders } = await runToEnd(await makeTarGz(small), {
      outputs: ["summary", "tripinfo"],
      scale: 0.5,
    });
    expect(report.summary).toMatchObject({
      seed: 23423,
      options: [
        "--scale",
        "0.5",
        "--summary-output",
        "output/summary.xml",
        "--tripinfo-output",
        "output/tripinfo.xml",
      ],
    });
    const written = Object.keys(await snapshot(path.join(folders.workDir, "output"))).sort();
    expect(written).toEqual(["statistics.xml", "summary.xml", "tripinfo.xml"]);
  });
});

describe("progress", () => {
  it("arrives in the log while SUMO runs, not only at its end", async () => {
    const folders = await podFolders(await makeTarGz(long), { end: 900 });
    const child = startRunner(folders);
    const seen: {
      progress: NonNullable<ReturnType<typeof parseProgressLine>>;
      running: boolean;
    }[] = [];
    let text = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      text += chunk;
      const lines = text.split("\n");
      text = lines.pop() ?? "";
      for (const line of lines) {
        const progress = parseProgressLine(line);
        if (progress) seen.push({ progress, running: child.exitCode === null });
      }
    });
    const exitCode = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(exitCode).toBe(0);
    const whileRunning = seen.filter((s) => s.running);
    expect(whileRunning.length, JSON.stringify(seen)).toBeGreaterThan(1);
    const first = whileRunning[0]?.progress;
    expect(first?.end).toBe(900);
    expect(first?.time).toBeLessThan(900);
    // Forwards only, and the last one is the end.
    const times = seen.map((s) => s.progress.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(seen.at(-1)?.progress.time).toBe(900);
  });
});

describe("a run that fails", () => {
  it("ends sumo_error on a broken network, with SUMO's Error lines as the reason and last in the log", async () => {
    const brokenNet =
      '<net version="1.20"><edge id="e0" from="a" to="b"><lane id="e0_0" index="0" speed="13.9" length="100" shape="0,0 100,0"/></edge></net>';
    const bundle = await makeTarGz({ ...small, "city/grid.net.xml": brokenNet });
    const { exitCode, report, log, errors } = await runToEnd(bundle, {});
    expect(exitCode).toBe(RUNNER_EXIT_CODES.sumo_error);
    expect(report.outcome).toBe("sumo_error");
    expect(report.reason).toMatch(/^Error: /);
    expect(report.summary).toBeUndefined();
    const errorLines = report.reason?.split("\n") ?? [];
    expect(errors).toEqual(expect.arrayContaining(errorLines));
    expect(log.slice(-errorLines.length)).toEqual(errorLines);
  });

  it("ends sumo_error when SUMO crashes, naming the signal (1.28 segfaults on this network)", async () => {
    const bundle = await makeTarGz({ ...small, "city/grid.net.xml": "<net><edge id='e0'></net>" });
    const { exitCode, report } = await runToEnd(bundle, {});
    expect(exitCode).toBe(RUNNER_EXIT_CODES.sumo_error);
    expect(report).toMatchObject({ outcome: "sumo_error", reason: expect.stringMatching(/SIG/) });
  });

  it("ends bad_bundle when a file the config names is missing", async () => {
    const { "city/grid.rou.xml": _, ...withoutRoutes } = small;
    const { exitCode, report } = await runToEnd(await makeTarGz(withoutRoutes), {});
    expect(exitCode).toBe(RUNNER_EXIT_CODES.bad_bundle);
    expect(report).toMatchObject({
      outcome: "bad_bundle",
      reason: expect.stringMatching(/^missing_referenced_file: .*grid\.rou\.xml/),
    });
  });

  it("ends bad_bundle for a bundle that tries to leave its folder, writing nothing outside it", async () => {
    const hostile: BundleEntry[] = [
      ...Object.entries(small).map(([file, content]) => ({ path: file, content })),
      { path: "../../escaped.txt", content: "x" },
    ];
    const { exitCode, report, folders } = await runToEnd(await makeTarGz(hostile), {});
    expect(exitCode).toBe(RUNNER_EXIT_CODES.bad_bundle);
    expect(report.reason).toMatch(/^unsafe_path: /);
    expect(Object.keys(await snapshot(folders.dir)).sort()).toEqual([
      "scenario/bundle",
      "scenario/run.json",
      "termination-log",
    ]);
  });

  it("ends bad_bundle for a bundle that is not the one the job was submitted with", async () => {
    const { exitCode, report } = await runToEnd(
      await makeTarGz(small),
      {},
      { sha256: "0".repeat(64) },
    );
    expect(exitCode).toBe(RUNNER_EXIT_CODES.bad_bundle);
    expect(report.reason).toMatch(/SHA-256/);
  });

  it("ends interrupted, never succeeded, on SIGTERM mid-run (SUMO itself exits 0)", async () => {
    const folders = await podFolders(await makeTarGz(long), { end: 900 });
    const child = startRunner(folders);
    const finished = finish(child, folders);
    await new Promise<void>((resolve) => {
      let text = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes("[sumo-runner] progress ")) resolve();
      });
    });
    child.kill("SIGTERM");
    const { exitCode, report, log } = await finished;
    expect(exitCode, log.slice(-5).join("\n")).toBe(RUNNER_EXIT_CODES.interrupted);
    expect(report.outcome).toBe("interrupted");
    expect(report.reason).toMatch(/interrupted/i);
  });
});

async function snapshotOf(bundle: Uint8Array) {
  return {
    bundle: createHash("sha256").update(bundle).digest("hex"),
    "run.json": expect.any(String),
  };
}
