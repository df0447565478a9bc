import { z } from "@hono/zod-openapi";

export const MAX_SCENARIO_BYTES = 96 * 1024;

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
      .openapi({ example: "berlin-rush-hour" }),
    cpu_request: z
      .number()
      .positive()
      .max(512)
      .multipleOf(0.001, "at most 3 decimal places (millicores)")
      .openapi({ description: "CPU cores for the simulation pod (request = limit).", example: 1 }),
    memory_gi: z
      .number()
      .positive()
      .max(4096)
      .multipleOf(0.001, "at most 3 decimal places")
      .openapi({
        description: "Memory in GiB for the simulation pod (request = limit).",
        example: 2,
      }),
    scenario: z
      .record(z.string(), z.unknown())
      // The simulation receives it in an environment variable, which Linux caps at 128 KiB.
      .refine((scenario) => JSON.stringify(scenario).length <= MAX_SCENARIO_BYTES, {
        error: `at most ${MAX_SCENARIO_BYTES / 1024} KiB of JSON`,
      })
      .optional()
      .openapi({
        description: "Scenario data, any JSON object; handed to the simulation as-is.",
        example: { end: 3600, step_length: 0.5 },
      }),
  })
  .openapi("SubmitJobRequest");

export type SubmitJobRequest = z.infer<typeof submitJobRequestSchema>;
