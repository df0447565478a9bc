import { z } from "@hono/zod-openapi";
import { runParametersSchema } from "@sumo/scenario";
import { submitJobRequestSchema } from "./job.ts";

/** The run parameters a sweep may vary: the numeric ones. */
export const VARIABLE_PARAMETERS = [
  "seed",
  "begin",
  "end",
  "step_length",
  "scale",
  "time_to_teleport",
] as const;

const valueList = z
  .array(z.number())
  .min(1)
  .max(10_000)
  .openapi({
    description: "The values, in order.",
    example: [0.8, 0.9, 1, 1.1, 1.2],
  });

const valueRange = z
  .strictObject({
    from: z.number(),
    to: z.number(),
    step: z.number().positive().default(1),
  })
  .refine((range) => range.to >= range.from, { message: "to must not be below from", path: ["to"] })
  .openapi({
    description: "from, from + step, ... up to to (inclusive). `step` defaults to 1.",
    example: { from: 1, to: 100 },
  });

const varied = z.union([valueList, valueRange]);

export const sweepVarySchema = z
  .strictObject(
    Object.fromEntries(VARIABLE_PARAMETERS.map((name) => [name, varied.optional()])) as Record<
      (typeof VARIABLE_PARAMETERS)[number],
      z.ZodOptional<typeof varied>
    >,
  )
  .refine((vary) => Object.values(vary).some((spec) => spec !== undefined), {
    message: "name at least one parameter to vary",
  })
  .openapi("SweepVary", {
    description:
      "The run parameters that vary and their values: each a list or a range. The sweep is every combination of them (their cartesian product), at most 10,000.",
    example: { seed: { from: 1, to: 50 }, scale: [0.8, 1, 1.2] },
  });

const { scenario_id, cpu_request, memory_gi } = submitJobRequestSchema.shape;

export const createSweepRequestSchema = z
  .strictObject({
    scenario_id,
    cpu_request,
    memory_gi,
    parameters: runParametersSchema.optional().openapi({
      description: "Run parameters every member shares; `vary` sets the others.",
      example: { end: 3600 },
    }),
    vary: sweepVarySchema,
  })
  .openapi("CreateSweepRequest");

export type CreateSweepRequest = z.infer<typeof createSweepRequestSchema>;
