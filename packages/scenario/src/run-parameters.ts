// A job's run parameters: the closed set of SUMO options a tenant may set, and how each
// becomes a command-line option. Nothing a tenant sends reaches SUMO's command line except
// through sumoOptions(), which only ever writes an option this file names with a value the
// schema has checked.
import { z } from "zod";

/** The outputs a run may write besides the statistics the run summary is made from. */
export const RUN_OUTPUTS = ["summary", "tripinfo"] as const;
export type RunOutput = (typeof RUN_OUTPUTS)[number];

/** SUMO's seed is a C int; runs repeat exactly for a seed and a SUMO version. */
export const MAX_SEED = 2_147_483_647;
/** Simulated seconds; SUMO's time is milliseconds in a 64-bit integer, far beyond this. */
export const MAX_SIMULATED_SECONDS = 365 * 24 * 3600;

const seconds = z.number().min(0).max(MAX_SIMULATED_SECONDS);

/** Each run parameter on its own, every one optional: what a rerun may override. */
export const runParameterFields = z.strictObject({
  seed: z
    .int()
    .min(0)
    .max(MAX_SEED)
    .optional()
    .meta({ description: "Random seed (`--seed`); SUMO's default 23423 when absent." }),
  begin: seconds.optional().meta({ description: "Begin time in seconds (`--begin`)." }),
  end: seconds.optional().meta({
    description:
      "End time in seconds (`--end`); without it, the configuration's end or until every vehicle has arrived.",
  }),
  step_length: z
    .number()
    .min(0.001)
    .max(60)
    .optional()
    .meta({ description: "Seconds per simulation step (`--step-length`)." }),
  scale: z
    .number()
    .positive()
    .max(100)
    .optional()
    .meta({ description: "Demand factor: 1 loads the routes as they are (`--scale`)." }),
  time_to_teleport: z.number().min(-1).max(MAX_SIMULATED_SECONDS).optional().meta({
    description:
      "Seconds a vehicle may be stuck before it is teleported; -1 never teleports (`--time-to-teleport`).",
  }),
  outputs: z
    .array(z.enum(RUN_OUTPUTS))
    .max(RUN_OUTPUTS.length)
    .refine((outputs) => new Set(outputs).size === outputs.length, "each output at most once")
    .optional()
    .meta({
      description:
        "Outputs written besides the statistics (`--summary-output`, `--tripinfo-output`).",
    }),
});

/** A job's run parameters, checked together. */
export const runParametersSchema = runParameterFields.refine(
  (p) => p.begin === undefined || p.end === undefined || p.end > p.begin,
  { message: "end must be after begin", path: ["end"] },
);

export type RunParameters = z.infer<typeof runParametersSchema>;

/** Where the runner has SUMO write each output, relative to its output directory. */
export const OUTPUT_FILES = {
  statistics: "statistics.xml",
  summary: "summary.xml",
  tripinfo: "tripinfo.xml",
} as const satisfies Record<RunOutput | "statistics", string>;

/**
 * The SUMO options for a job's parameters, in a fixed order. Outputs are paths under
 * `outputDir`, which the runner chooses; the tenant only picks which outputs.
 */
export function sumoOptions(parameters: RunParameters, outputDir: string): string[] {
  const options: string[] = [];
  const set = (option: string, value: number | undefined) => {
    if (value !== undefined) options.push(option, String(value));
  };
  set("--seed", parameters.seed);
  set("--begin", parameters.begin);
  set("--end", parameters.end);
  set("--step-length", parameters.step_length);
  set("--scale", parameters.scale);
  set("--time-to-teleport", parameters.time_to_teleport);
  for (const output of parameters.outputs ?? []) {
    options.push(`--${output}-output`, `${outputDir}/${OUTPUT_FILES[output]}`);
  }
  return options;
}
