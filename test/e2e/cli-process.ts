// The `sumo-k8` command as a user runs it: a child process (node packages/cli/src/main.ts)
// with its own environment and home, its output read from pipes (so not a terminal).
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "../platform.ts";
import { pollUntil } from "../poll-until.ts";

export const CLI_MAIN = path.join(REPO_ROOT, "packages/cli/src/main.ts");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The environment besides PATH (no SUMO_K8_* from the test's own). */
  env?: Record<string, string>;
  /** Written to standard input, which is then closed. */
  input?: string;
}

/** A running `sumo-k8`, its output so far, and how it ended. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly ended: Promise<CliRun>;

  constructor(args: string[], options: CliOptions = {}) {
    this.child = spawn(process.execPath, [CLI_MAIN, ...args], {
      env: { PATH: process.env.PATH ?? "", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stdout?.setEncoding("utf8").on("data", (text: string) => {
      this.stdout += text;
    });
    this.child.stderr?.setEncoding("utf8").on("data", (text: string) => {
      this.stderr += text;
    });
    this.child.stdin?.end(options.input ?? "");
    this.ended = new Promise((resolve, reject) => {
      this.child.once("error", reject);
      this.child.once("close", (code) =>
        resolve({ code, stdout: this.stdout, stderr: this.stderr }),
      );
    });
  }

  /** Waits until stdout or stderr says `text` (a status line, say). */
  async waitFor(
    stream: "stdout" | "stderr",
    text: string | RegExp,
    timeoutMs = 90_000,
  ): Promise<void> {
    await pollUntil(
      `sumo-k8 to say ${text} on ${stream}`,
      async () => {
        const said = this[stream];
        return (typeof text === "string" ? said.includes(text) : text.test(said))
          ? { done: true, value: undefined }
          : { done: false, seen: { stdout: this.stdout.slice(-500), stderr: this.stderr } };
      },
      { timeoutMs, intervalMs: 100 },
    );
  }
}

/** Runs `sumo-k8 args` to its end. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return new CliProcess(args, options).ended;
}

/**
 * Runs `sumo-k8 args` on a terminal of its own (util-linux's `script` gives it one), as a
 * person at a terminal does; `output` is what the terminal showed, stdout and stderr together.
 */
export async function runCliOnTerminal(
  args: string[],
  options: CliOptions = {},
): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, CLI_MAIN, ...args].map(shellQuoted).join(" ");
  const terminal = spawn(
    "script",
    ["--quiet", "--flush", "--return", "--command", command, "/dev/null"],
    {
      env: { PATH: process.env.PATH ?? "", TERM: "xterm-256color", COLUMNS: "120", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let output = "";
  terminal.stdout?.setEncoding("utf8").on("data", (text: string) => {
    output += text;
  });
  terminal.stdin?.end();
  const code = await new Promise<number | null>((resolve, reject) => {
    terminal.once("error", reject);
    terminal.once("close", resolve);
  });
  return { code, output };
}

function shellQuoted(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}
