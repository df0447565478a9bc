#!/usr/bin/env node
// sumo-runner: the simulation container's command. Reads the scenario from --scenario-dir,
// runs SUMO in --work-dir, writes the run report to the termination message and exits with
// the outcome's code (@sumo/scenario's runner-contract.ts). The only place that reads argv,
// the environment and signals.
//
//   sumo-runner [--scenario-dir /scenario] [--work-dir /work] [--sumo sumo]
//               [--termination-log /dev/termination-log] [--no-unbuffer]
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { RUNNER_EXIT_CODES, SCENARIO_MOUNT, WORK_MOUNT } from "@sumo/scenario";
import { SimulationRun } from "./run-simulation.ts";

let values: ReturnType<typeof parse>["values"];
function parse() {
  return parseArgs({
    options: {
      "scenario-dir": { type: "string", default: SCENARIO_MOUNT },
      "work-dir": { type: "string", default: WORK_MOUNT },
      sumo: { type: "string", default: process.env.SUMO_BINARY ?? "sumo" },
      "termination-log": {
        type: "string",
        default: process.env.TERMINATION_MESSAGE_PATH ?? "/dev/termination-log",
      },
      "no-unbuffer": { type: "boolean", default: false },
      "progress-interval-ms": { type: "string", default: "1000" },
    },
    strict: true,
  });
}
try {
  values = parse().values;
} catch (error) {
  process.stderr.write(`[sumo-runner] ${(error as Error).message}\n`);
  process.exit(RUNNER_EXIT_CODES.runner_error);
}

const run = new SimulationRun({
  scenarioDir: values["scenario-dir"],
  workDir: values["work-dir"],
  sumoBinary: values.sumo,
  unbuffer: values["no-unbuffer"] ? [] : ["stdbuf", "-o0"],
  progressIntervalMs: Number(values["progress-interval-ms"]),
  stdout: process.stdout,
  stderr: process.stderr,
});
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    process.stdout.write(`[sumo-runner] ${signal}: stopping SUMO\n`);
    run.stop();
  });
}

const { report, exitCode } = await run.run();
try {
  await writeFile(values["termination-log"], JSON.stringify(report));
} catch (error) {
  process.stderr.write(
    `[sumo-runner] could not write the run report to ${values["termination-log"]}: ${(error as Error).message}\n`,
  );
}
process.exitCode = exitCode;
