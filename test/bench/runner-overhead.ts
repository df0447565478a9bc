// Benchmark: what the runner costs over SUMO alone.
//   pnpm bench:runner [--rounds 7] [--grid 5] [--end 900]
// One scenario made at test time (a netgenerate grid with randomTrips.py's trips), run round
// after round, side by side:
//   baseline  sumo -c <config> with the statistic output the runner asks for, nothing else;
//   runner    sumo-runner on the same scenario as a bundle, as a pod runs it: hash check,
//             bundle check, unpack, SUMO unbuffered with its lines turned into log lines and
//             progress lines, the run report.
// Prints each round, the medians and the runner/baseline ratio of the medians.
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs, promisify } from "node:util";
import { installSumo, makeGridScenario, makeTarGz } from "@sumo/scenario/testing";
import { REPO_ROOT } from "../platform.ts";
import { summary } from "./stats.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "7" },
    grid: { type: "string", default: "5" },
    end: { type: "string", default: "900" },
  },
});
const ROUNDS = Number(values.rounds);
const END = Number(values.end);
const say = (line: string) => process.stdout.write(`${line}\n`);
const run = promisify(execFile);

const sumo = await installSumo();
const root = await mkdtemp(path.join(tmpdir(), "bench-runner-"));
const scenarioDir = path.join(root, "made");
await mkdir(scenarioDir);
const scenario = await makeGridScenario(scenarioDir, {
  gridNumber: Number(values.grid),
  end: END,
  seed: 3,
  period: 0.4,
});
const files: Record<string, Uint8Array> = {};
for (const file of scenario.files) files[file] = await readFile(path.join(scenarioDir, file));
const bundle = await makeTarGz(files);
say(
  `scenario: ${values.grid}x${values.grid} grid, ${END} s of trips, bundle ${bundle.byteLength} bytes`,
);

async function baseline(round: number): Promise<number> {
  const out = path.join(root, `bare-${round}`);
  await mkdir(out);
  const started = performance.now();
  await run(
    path.join(sumo.binDir, "sumo"),
    [
      "-c",
      path.join(scenarioDir, scenario.config),
      "--statistic-output",
      path.join(out, "statistics.xml"),
      "--duration-log.statistics",
      "true",
    ],
    { env: sumo.env, maxBuffer: 64 * 1024 * 1024 },
  );
  return performance.now() - started;
}

async function runner(round: number): Promise<number> {
  const dir = path.join(root, `pod-${round}`);
  await mkdir(path.join(dir, "scenario"), { recursive: true });
  await mkdir(path.join(dir, "work"));
  await writeFile(path.join(dir, "scenario", "bundle"), bundle);
  await writeFile(
    path.join(dir, "scenario", "run.json"),
    JSON.stringify({
      job_id: `bench-${round}`,
      bundle_sha256: createHash("sha256").update(bundle).digest("hex"),
      config: scenario.config,
      parameters: {},
    }),
  );
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      path.join(REPO_ROOT, "packages/runner/src/main.ts"),
      "--scenario-dir",
      path.join(dir, "scenario"),
      "--work-dir",
      path.join(dir, "work"),
      "--termination-log",
      path.join(dir, "termination-log"),
    ],
    { env: sumo.env, stdio: ["ignore", "ignore", "ignore"] },
  );
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`the runner exited with ${code}`);
  return performance.now() - started;
}

const bare: number[] = [];
const withRunner: number[] = [];
// One warm-up of each (page cache, the node binary), then alternating rounds.
await baseline(0);
await runner(0);
for (let round = 1; round <= ROUNDS; round++) {
  const first = round % 2 === 0;
  const a = first ? await baseline(round) : await runner(round);
  const b = first ? await runner(round) : await baseline(round);
  const [bareMs, runnerMs] = first ? [a, b] : [b, a];
  bare.push(bareMs);
  withRunner.push(runnerMs);
  say(
    `round ${round}: sumo ${bareMs.toFixed(0)} ms, runner ${runnerMs.toFixed(0)} ms (x${(runnerMs / bareMs).toFixed(2)})`,
  );
}
const b = summary(bare);
const r = summary(withRunner);
say("");
say(`sumo -c alone   median ${b.p50.toFixed(0)} ms  (max ${b.max.toFixed(0)})`);
say(`sumo-runner     median ${r.p50.toFixed(0)} ms  (max ${r.max.toFixed(0)})`);
say(
  `ratio of medians x${(r.p50 / b.p50).toFixed(2)}; the runner's fixed cost ~${(r.p50 - b.p50).toFixed(0)} ms per run`,
);
await rm(root, { recursive: true, force: true });
