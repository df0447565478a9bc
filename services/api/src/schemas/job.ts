import { z } from "@hono/zod-openapi";
import { runParameterFields, runParametersSchema } from "@sumo/scenario";

/**
 * The smallest CPU and memory a job asks for (a millicore, a thousandth of a GiB). zod's
 * multipleOf(0.001) alone lets through values so small their quotient by the step passes for
 * rounding error (5e-324), which the database's 3-decimal numeric stores as 0.
 */
const MIN_MILLIS = 0.001;

export const submitJobRequestSchema = z
  .strictObject({
    scenario_id: z
      .string()
      .min(1)
      .max(128)
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/,
        "letters, digits and . _ : / - only, starting with a letter or digit",
      )
      .openapi({
        description: "The scenario to run: the id or the name of one of the tenant's scenarios.",
        example: "grid-4x4",
      }),
    cpu_request: z
      .number()
      // Not just positive: see MIN_MILLIS.
      .min(MIN_MILLIS)
      .max(512)
      .multipleOf(0.001, "at most 3 decimal places (millicores)")
      .openapi({ description: "CPU cores for the simulation pod (request = limit).", example: 1 }),
    memory_gi: z
      .number()
      .min(MIN_MILLIS)
      .max(4096)
      .multipleOf(0.001, "at most 3 decimal places")
      .openapi({
        description: "Memory in GiB for the simulation pod (request = limit).",
        example: 2,
      }),
    // Wrapped here, after @hono/zod-openapi is loaded, so the wrapper has `.openapi()`.
    scenario: runParametersSchema.optional().openapi({
      description:
        "The run's parameters, each a SUMO option: seed, begin, end, step_length, scale (demand factor), time_to_teleport, outputs. Any other key is refused.",
      example: { seed: 42, end: 3600, step_length: 0.5 },
    }),
    queue: z.boolean().optional().openapi({
      description:
        "Wait in the tenant's queue (QUEUED) when the job cannot start now (the concurrent-job limit, or too little quota left) or others wait already, instead of a 429; it starts, first in first out, as soon as it can.",
    }),
  })
  .openapi("SubmitJobRequest");

export type SubmitJobRequest = z.infer<typeof submitJobRequestSchema>;

export const rerunJobRequestSchema = z
  .strictObject({
    queue: z.boolean().optional().openapi({
      description: "As for a submission: wait in the tenant's queue instead of a 429.",
    }),
    scenario: runParameterFields.optional().openapi({
      description:
        'Run parameters that replace the job\'s own, key by key (e.g. `{"seed": 7}`); the rest stay as they were.',
      example: { seed: 7 },
    }),
  })
  .openapi("RerunJobRequest");
