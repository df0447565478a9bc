// One simulation run, as the pod makes it: the scenario from files, SUMO as a child process,
// its output as live lines with progress lines, and a run report at the end
// (@sumo/scenario's runner-contract.ts).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import {
  BUNDLE_FILE,
  BundleError,
  formatProgressLine,
  MAX_REASON_LENGTH,
  OUTPUT_FILES,
  RUN_FILE,
  RUNNER_EXIT_CODES,
  type RunOutcome,
  type RunProgress,
  type RunReport,
  type RunSpec,
  readBundle,
  runSpecSchema,
  sha256Hex,
  sumoOptions,
  TERMINATION_MESSAGE_BYTES,
  writeBundleFiles,
} from "@sumo/scenario";
import { endReason, LineSplitter, parseStatistics, parseStepLine } from "./sumo-output.ts";

/** SUMO's seed when none is given (its --seed default). */
export const SUMO_DEFAULT_SEED = 23423;

export interface RunnerOptions {
  /** Holds BUNDLE_FILE and RUN_FILE (the pod's read-only scenario volume). */
  scenarioDir: string;
  /** Where the bundle is unpacked and SUMO writes (the pod's size-limited emptyDir). */
  workDir: string;
  /** The sumo executable. */
  sumoBinary: string;
  /**
   * Runs SUMO with its stdout unbuffered (coreutils' stdbuf -o0): on a pipe SUMO block-buffers
   * its output, and the log would show nothing until the end. Empty: SUMO is run directly.
   */
  unbuffer: string[];
  /** Least wall time between two progress lines. */
  progressIntervalMs: number;
  /** The runner's and SUMO's output: the job's log. */
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface RunResult {
  report: RunReport;
  exitCode: number;
}

/** Runs one simulation; `stop()` ends it as interrupted (SIGTERM to SUMO; twice: SIGKILL). */
export class SimulationRun {
  readonly #options: RunnerOptions;
  #sumo: ChildProcess | undefined;
  #stopSignals = 0;

  constructor(options: RunnerOptions) {
    this.#options = options;
  }

  /** Asks the run to stop: SUMO gets SIGTERM and closes its outputs; a second call kills it. */
  stop(): void {
    this.#stopSignals++;
    if (!this.#sumo || this.#sumo.exitCode !== null) return;
    this.#sumo.kill(this.#stopSignals > 1 ? "SIGKILL" : "SIGTERM");
  }

  /** The run, start to end; never throws: every failure is an outcome. */
  async run(): Promise<RunResult> {
    try {
      const prepared = await this.#prepare();
      if ("outcome" in prepared) return result(prepared);
      return await this.#simulate(prepared.spec, prepared.configPath, prepared.configEnd);
    } catch (error) {
      return result({
        outcome: "runner_error",
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** The run spec and the unpacked bundle, or the bad_bundle report saying why not. */
  async #prepare(): Promise<
    { spec: RunSpec; configPath: string; configEnd: number | undefined } | RunReport
  > {
    const { scenarioDir, workDir } = this.#options;
    const badBundle = (reason: string): RunReport => ({ outcome: "bad_bundle", reason });
    let spec: RunSpec;
    try {
      const parsed = runSpecSchema.safeParse(
        JSON.parse(await readFile(path.join(scenarioDir, RUN_FILE), "utf8")),
      );
      if (!parsed.success)
        return badBundle(`${RUN_FILE} is not a run spec: ${parsed.error.message}`);
      spec = parsed.data;
    } catch (error) {
      return badBundle(`${RUN_FILE} cannot be read: ${(error as Error).message}`);
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(path.join(scenarioDir, BUNDLE_FILE));
    } catch (error) {
      return badBundle(`the bundle cannot be read: ${(error as Error).message}`);
    }
    const sha256 = sha256Hex(bytes);
    if (sha256 !== spec.bundle_sha256) {
      return badBundle(
        `the bundle's SHA-256 is ${sha256}, not the ${spec.bundle_sha256} the job was submitted with`,
      );
    }
    const scenarioRoot = path.join(workDir, "scenario");
    try {
      // The limits the upload was held to; the archive itself already fit the ConfigMap.
      const bundle = await readBundle(bytes, {
        config: spec.config,
        limits: { maxBundleBytes: bytes.byteLength },
      });
      await mkdir(scenarioRoot, { recursive: true });
      await writeBundleFiles(bundle, scenarioRoot);
      this.#say(
        `job ${spec.job_id}: bundle ${sha256.slice(0, 12)} verified, ${bundle.files.length} files unpacked into ${scenarioRoot}`,
      );
      return {
        spec,
        configPath: path.join(scenarioRoot, bundle.config),
        configEnd: bundle.configTimes.end,
      };
    } catch (error) {
      if (error instanceof BundleError) return badBundle(`${error.code}: ${error.message}`);
      throw error;
    }
  }

  async #simulate(
    spec: RunSpec,
    configPath: string,
    configEnd: number | undefined,
  ): Promise<RunResult> {
    const { workDir, stdout, stderr } = this.#options;
    const outputDir = path.join(workDir, "output");
    await mkdir(outputDir, { recursive: true });
    const parameterOptions = sumoOptions(spec.parameters, outputDir);
    const begin = spec.parameters.begin ?? 0;
    const end = spec.parameters.end ?? configEnd ?? null;
    const statisticsFile = path.join(outputDir, OUTPUT_FILES.statistics);
    const args = [
      "-c",
      configPath,
      ...parameterOptions,
      "--statistic-output",
      statisticsFile,
      "--duration-log.statistics",
      "true",
      "--no-step-log",
      "false",
      "--step-log.period",
      String(stepLogPeriod(spec.parameters.step_length ?? 1)),
    ];
    const [command, ...prefix] = [...this.#options.unbuffer, this.#options.sumoBinary];
    this.#say(
      `running sumo -c ${path.relative(workDir, configPath)} ${parameterOptions.join(" ")}`.trimEnd(),
    );

    const started = performance.now();
    const sumo = spawn(command ?? this.#options.sumoBinary, [...prefix, ...args], {
      cwd: path.dirname(configPath),
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#sumo = sumo;
    if (this.#stopSignals > 0) sumo.kill("SIGTERM");

    let latest: RunProgress | undefined;
    let printed: RunProgress | undefined;
    // SUMO's newest step line not yet in the log: of the many it writes, the log gets the one
    // that is current at each progress tick (what a terminal would show), in order with the
    // rest of SUMO's lines.
    let pendingStep: string | undefined;
    let reason: ReturnType<typeof endReason>;
    const errors: string[] = [];
    const flushStep = () => {
      if (pendingStep !== undefined) stdout.write(`${pendingStep}\n`);
      pendingStep = undefined;
    };
    const printProgress = () => {
      flushStep();
      if (latest && latest !== printed) {
        stdout.write(`${formatProgressLine(latest)}\n`);
        printed = latest;
      }
    };
    const ticker = setInterval(printProgress, this.#options.progressIntervalMs);

    const out = new LineSplitter();
    const onOut = (lines: string[]) => {
      for (const line of lines) {
        const step = parseStepLine(line);
        if (step) {
          latest = { ...step, end };
          pendingStep = line;
          continue;
        }
        // The run's last progress, at the time SUMO ended, goes before SUMO's closing lines,
        // where a reader expects it.
        const ended = SIMULATION_ENDED.exec(line);
        if (ended && latest) {
          latest = { ...latest, time: Number(ended[1]) };
          printProgress();
        } else flushStep();
        stdout.write(`${line}\n`);
        reason = endReason(line) ?? reason;
      }
    };
    const err = new LineSplitter();
    const onErr = (lines: string[]) => {
      for (const line of lines) {
        stderr.write(`${line}\n`);
        if (line.startsWith("Error:")) errors.push(line);
      }
    };
    sumo.stdout.setEncoding("utf8").on("data", (chunk: string) => onOut(out.push(chunk)));
    sumo.stderr.setEncoding("utf8").on("data", (chunk: string) => onErr(err.push(chunk)));

    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve, reject) => {
        sumo.on("error", reject);
        sumo.on("close", (code, signal) => resolve({ code, signal }));
      },
    );
    clearInterval(ticker);
    onOut(out.end());
    onErr(err.end());
    printProgress();
    const wallSeconds = (performance.now() - started) / 1000;

    if (exit.signal) {
      return this.#finish({
        outcome: this.#stopSignals > 0 ? "interrupted" : "sumo_error",
        reason: `SUMO was killed by ${exit.signal}${this.#stopSignals > 0 ? " after being asked to stop" : ""}`,
      });
    }
    if (exit.code !== 0) {
      const report: RunReport = {
        outcome: "sumo_error",
        reason: lastChars(
          errors.length > 0 ? errors.join("\n") : `SUMO exited with code ${exit.code}`,
          MAX_REASON_LENGTH,
        ),
      };
      // SUMO's errors are the log's last lines, where a reader looks first.
      this.#say(`SUMO failed (exit code ${exit.code}):`);
      for (const line of errors) stdout.write(`${line}\n`);
      return { report, exitCode: RUNNER_EXIT_CODES.sumo_error };
    }
    if (this.#stopSignals > 0 || reason === "interrupted") {
      return this.#finish({
        outcome: "interrupted",
        reason: `SUMO was interrupted (SIGTERM) at simulation time ${latest?.time ?? begin} of ${end ?? "its end"}`,
      });
    }
    if (reason !== "finished") {
      return this.#finish({
        outcome: "sumo_error",
        reason: "SUMO exited without reaching the end of its run (no final reason was reported)",
      });
    }
    const statistics = parseStatistics(await readFile(statisticsFile, "utf8"));
    const report = fitReport({
      outcome: "succeeded",
      summary: {
        ...statistics,
        seed: spec.parameters.seed ?? SUMO_DEFAULT_SEED,
        options: parameterOptions.map((option) =>
          option.startsWith(outputDir) ? path.relative(workDir, option) : option,
        ),
        wall_seconds: round(wallSeconds, 3),
      },
    });
    const v = statistics.vehicles;
    this.#say(
      `succeeded: ${v.inserted} vehicles inserted, ${v.arrived} arrived, ${v.teleported} teleported, ${v.collided} collided in ${statistics.simulated_seconds} simulated seconds (${wallSeconds.toFixed(2)} s, ${statistics.real_time_factor}x real time)`,
    );
    return { report, exitCode: RUNNER_EXIT_CODES.succeeded };
  }

  #finish(report: RunReport): RunResult {
    this.#say(`${report.outcome}: ${report.reason ?? ""}`.trimEnd());
    return { report: fitReport(report), exitCode: RUNNER_EXIT_CODES[report.outcome] };
  }

  #say(line: string): void {
    this.#options.stdout.write(`[sumo-runner] ${line}\n`);
  }
}

function result(report: RunReport): RunResult {
  return { report: fitReport(report), exitCode: RUNNER_EXIT_CODES[report.outcome as RunOutcome] };
}

/** SUMO's first closing line, e.g. `Simulation ended at time: 900.00.` */
const SIMULATION_ENDED = /^Simulation ended at time: (\d+(?:\.\d+)?)/;

/**
 * SUMO's step-log period: a step line every simulated second (every step when steps are
 * longer). Progress can be no fresher than SUMO's last step line, and SUMO has no period in
 * wall-clock time, so the lines come often; the runner reads them all and puts one a progress
 * interval in the log.
 */
export function stepLogPeriod(stepLength: number): number {
  return Math.max(1, Math.round(1 / stepLength));
}

/** The report as it must leave: JSON within the termination message's 4 KiB. */
export function fitReport(report: RunReport): RunReport {
  const fits = (r: RunReport) => Buffer.byteLength(JSON.stringify(r)) <= TERMINATION_MESSAGE_BYTES;
  if (fits(report)) return report;
  let fitted: RunReport = {
    ...report,
    ...(report.reason !== undefined && { reason: lastChars(report.reason, 500) }),
  };
  if (!fits(fitted) && fitted.summary) {
    fitted = { ...fitted, summary: { ...fitted.summary, options: [] } };
  }
  if (!fits(fitted))
    fitted = { outcome: fitted.outcome, reason: lastChars(fitted.reason ?? "", 200) };
  return fitted;
}

function lastChars(text: string, max: number): string {
  return text.length <= max ? text : `...${text.slice(-(max - 3))}`;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
