// The run parameters (docs/scenarios.md#run-parameters) as flags, shared by `jobs submit`,
// `jobs rerun` and `sweeps create`. Values are sent as given; the API says what it refuses.
import {
  type Command,
  InvalidArgumentError,
  Option,
  type OptionValues,
} from "@commander-js/extra-typings";
import type { TenantSchemas } from "@sumo/api-client";
import { numberArgument } from "./pages.ts";

export type RunParameters = NonNullable<TenantSchemas["SubmitJobRequest"]["scenario"]>;
type Output = NonNullable<RunParameters["outputs"]>[number];
const OUTPUTS: readonly Output[] = ["summary", "tripinfo"];

function outputsArgument(value: string): Output[] {
  const outputs = value.split(",").filter(Boolean);
  for (const output of outputs) {
    if (!OUTPUTS.includes(output as Output)) {
      throw new InvalidArgumentError(`"${output}" is none of ${OUTPUTS.join(", ")}`);
    }
  }
  return outputs as Output[];
}

export function runParameterOptions<Args extends unknown[], Opts extends OptionValues>(
  command: Command<Args, Opts>,
) {
  return command
    .option("--seed <n>", "random seed (SUMO's --seed)", numberArgument)
    .option("--begin <seconds>", "simulation begin time (--begin)", numberArgument)
    .option("--end <seconds>", "simulation end time (--end)", numberArgument)
    .option(
      "--step-length <seconds>",
      "seconds per simulation step (--step-length)",
      numberArgument,
    )
    .option("--scale <factor>", "demand factor, 1 as routed (--scale)", numberArgument)
    .option(
      "--time-to-teleport <seconds>",
      "seconds stuck before a vehicle is teleported, -1 never (--time-to-teleport)",
      numberArgument,
    )
    .addOption(
      new Option("--outputs <list>", "outputs besides the statistics: summary,tripinfo").argParser(
        outputsArgument,
      ),
    );
}

/** The run parameters the flags give, or undefined when they give none. */
export function runParametersOf(options: {
  seed?: number | undefined;
  begin?: number | undefined;
  end?: number | undefined;
  stepLength?: number | undefined;
  scale?: number | undefined;
  timeToTeleport?: number | undefined;
  outputs?: Output[] | undefined;
}): RunParameters | undefined {
  const parameters: RunParameters = {
    ...(options.seed !== undefined && { seed: options.seed }),
    ...(options.begin !== undefined && { begin: options.begin }),
    ...(options.end !== undefined && { end: options.end }),
    ...(options.stepLength !== undefined && { step_length: options.stepLength }),
    ...(options.scale !== undefined && { scale: options.scale }),
    ...(options.timeToTeleport !== undefined && { time_to_teleport: options.timeToTeleport }),
    ...(options.outputs !== undefined && { outputs: options.outputs }),
  };
  return Object.keys(parameters).length > 0 ? parameters : undefined;
}
