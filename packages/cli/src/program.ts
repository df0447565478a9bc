// The `sumo-k8` command tree (commander) and how a run ends: the exit status for every
// outcome (exit-codes.ts), errors on stderr as the API said them.

import tab from "@bomb.sh/tab/commander";
import {
  Command,
  CommanderError,
  type CommandUnknownOpts,
  Option,
} from "@commander-js/extra-typings";
import { ApiProblem } from "@sumo/api-client";
import { CliContext, type CliDependencies } from "./cli-context.ts";
import { addAdminCommands } from "./commands/admin.ts";
import { addConfigCommands } from "./commands/config.ts";
import { addDashboardCommand } from "./commands/dashboard.ts";
import { addJobCommands } from "./commands/jobs.ts";
import { addScenarioCommands } from "./commands/scenarios.ts";
import { addSweepCommands } from "./commands/sweeps.ts";
import { CliExit, EXIT_CODES, type ExitCode, exitCodeOfProblem } from "./exit-codes.ts";
import { OUTPUT_FORMATS } from "./output.ts";

export const PROGRAM_NAME = "sumo-k8";

const HELP_AFTER = `
Configuration: flags, then SUMO_K8_API_URL, SUMO_K8_API_KEY, SUMO_K8_ADMIN_URL and
SUMO_K8_ADMIN_TOKEN, then the profile (--profile, SUMO_K8_PROFILE, or the file's current one)
in $XDG_CONFIG_HOME/sumo-k8/config.json (see \`sumo-k8 config\`).

Exit status: 0 done; 1 refused by the API; 2 usage or configuration; 3 authentication;
4 not found; 5 refused by the tenant's limits; 6 server error or no answer; 7 a watched job
FAILED; 8 a watched job was CANCELLED; 130 Ctrl-C while watching (the job runs on).
Completion: \`sumo-k8 completion bash|zsh|fish|powershell\`. More: docs/cli.md.`;

/** The command tree; each action builds its CliContext from the global flags when it runs. */
export function createProgram(deps: CliDependencies): Command {
  const program = new Command(PROGRAM_NAME)
    .description("Run SUMO traffic simulations on sumo-k8: scenarios, jobs, sweeps; and admin it")
    .addOption(new Option("--profile <name>", "the profile of the profiles file to use"))
    .addOption(new Option("--api-url <url>", "the tenant API's URL"))
    .addOption(new Option("--admin-url <url>", "the admin API's URL"))
    .addOption(
      new Option("-o, --output <format>", "how results are printed")
        .choices(OUTPUT_FORMATS)
        .default("table" as const),
    )
    .option("--no-color", "no colour, even on a terminal")
    .showHelpAfterError()
    .addHelpText("after", HELP_AFTER)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.stdout.write(text),
      writeErr: (text) => deps.stderr.write(text),
    });

  const context = () => new CliContext(deps, program.opts());
  addScenarioCommands(program, context);
  addJobCommands(program, context);
  addSweepCommands(program, context);
  addDashboardCommand(program, context);
  addAdminCommands(program, context);
  addConfigCommands(program, context);
  // `completion <shell>` prints the script; the hidden `complete -- <words>` answers it.
  // extra-typings' Command is commander's own with typed generics; tab takes commander's.
  tab(program as never, { completionCommandName: "completion" });
  for (const command of allCommands(program)) command.exitOverride();
  return program;
}

function allCommands(command: CommandUnknownOpts): CommandUnknownOpts[] {
  return command.commands.flatMap((child) => [child, ...allCommands(child)]);
}

/** Runs the command line `argv` (without node and the script) and answers its exit status. */
export async function runCli(argv: string[], deps: CliDependencies): Promise<ExitCode> {
  const program = createProgram(deps);
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT_CODES.usage;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return EXIT_CODES.ok;
  } catch (error) {
    return reportFailure(error, deps);
  }
}

function reportFailure(error: unknown, deps: CliDependencies): ExitCode {
  if (error instanceof CommanderError) {
    // Help and version are "errors" to exitOverride; commander has printed them already.
    if (error.exitCode === 0) return EXIT_CODES.ok;
    return EXIT_CODES.usage;
  }
  if (error instanceof CliExit) {
    if (error.message)
      deps.stderr.write(
        `${error.exitCode === EXIT_CODES.usage ? "error: " : ""}${error.message}\n`,
      );
    return error.exitCode;
  }
  if (error instanceof ApiProblem) {
    deps.stderr.write(describeProblem(error));
    return exitCodeOfProblem(error);
  }
  // Anything else (a file that cannot be written, say): its message, as the system said it.
  deps.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT_CODES.refused;
}

/** An API error as the API said it: code and message, the fields it names, when to retry. */
export function describeProblem(problem: ApiProblem): string {
  const lines = [`error: ${problem.code}: ${problem.message}`];
  for (const detail of problem.details) lines.push(`  ${detail.field}: ${detail.message}`);
  if (problem.retryAfterSeconds !== undefined) {
    lines.push(`  try again in ${problem.retryAfterSeconds} s`);
  }
  if (problem.requestId) lines.push(`  request id: ${problem.requestId}`);
  return `${lines.join("\n")}\n`;
}
