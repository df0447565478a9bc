// schemathesis (installed from PyPI by build-schemathesis.sh) run against a live OpenAPI
// document, for the bad-input suite.
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { run } from "../helm/helm-cli.ts";
import { REPO_ROOT } from "../platform.ts";

let stPath: Promise<string> | undefined;

/** The `st` command, installed on first use (a minute when nothing is cached, instant after). */
export function schemathesisBinary(): Promise<string> {
  stPath ??= run("bash", [path.join(REPO_ROOT, "test/bad-input/build-schemathesis.sh")]).then(
    ({ stdout }) => stdout.trim().split("\n").at(-1) ?? "",
  );
  return stPath;
}

/**
 * The checks asserted on every response: everything schemathesis has but
 * positive_data_acceptance, since valid requests are rightly refused here for reasons no
 * schema can state (a tenant's limits and concurrent jobs, an id that names no job).
 */
const CHECKS = {
  include: "all",
  exclude: "positive_data_acceptance",
};

export interface FuzzRun {
  exitCode: number;
  /** schemathesis's whole report, as printed. */
  output: string;
  /** Where the report was written, to read after a failure. */
  reportFile: string;
  /** The report's FAILURES section through its summary: what an assertion message shows. */
  failures: string;
  /** The operations the run tested (its summary's "Tested: N"). */
  operationsTested: number | undefined;
}

export interface FuzzOptions {
  /** The document's URL; the API's base URL is its origin. */
  openApiUrl: string;
  authorization: string;
  /** Where the report goes (a folder named after the run). */
  reportDir: string;
  seed: number;
  maxExamples: number;
}

/**
 * Runs schemathesis's examples, coverage, fuzzing and stateful phases against a live API,
 * one worker, a fixed seed and example count and no example database between runs, so a run
 * repeats what the last one sent (as far as the API's answers are the same).
 */
export async function fuzzOpenApi(options: FuzzOptions): Promise<FuzzRun> {
  const st = await schemathesisBinary();
  await mkdir(options.reportDir, { recursive: true });
  const args = [
    "run",
    options.openApiUrl,
    "--header",
    `Authorization: ${options.authorization}`,
    "--checks",
    CHECKS.include,
    "--exclude-checks",
    CHECKS.exclude,
    "--seed",
    String(options.seed),
    "--max-examples",
    String(options.maxExamples),
    "--workers",
    "1",
    "--generation-database",
    "none",
    // Hypothesis's own health checks judge the generator, not the API.
    "--suppress-health-check",
    "all",
    "--request-timeout",
    "30",
    "--no-color",
    "--report",
    "junit",
    "--report-dir",
    options.reportDir,
  ];
  const { exitCode, output } = await new Promise<{ exitCode: number; output: string }>(
    (resolve, reject) => {
      const child = spawn(st, args, {
        cwd: options.reportDir,
        env: { ...process.env, NO_COLOR: "1", COLUMNS: "120" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let text = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        text += chunk;
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        text += chunk;
      });
      child.once("error", reject);
      child.once("close", (code) => resolve({ exitCode: code ?? 1, output: text }));
    },
  );
  const reportFile = path.join(options.reportDir, "report.txt");
  await writeFile(reportFile, output);
  const failuresStart = output.search(/^=+ (FAILURES|ERRORS) =+$/m);
  const tested = /^\s*Tested:\s+(\d+)\s*$/m.exec(output)?.[1];
  return {
    exitCode,
    output,
    reportFile,
    // Without a FAILURES section (schemathesis could not start, say), the end of what it said.
    failures: failuresStart >= 0 ? output.slice(failuresStart) : output.slice(-6000),
    operationsTested: tested === undefined ? undefined : Number(tested),
  };
}
