import { z } from "@hono/zod-openapi";

export const MAX_SCENARIO_BYTES = 96 * 1024;
/** Deepest nesting of objects and arrays in a scenario. */
export const MAX_SCENARIO_DEPTH = 64;
/**
 * The smallest CPU and memory a job asks for (a millicore, a thousandth of a GiB). zod's
 * multipleOf(0.001) alone lets through values so small their quotient by the step passes for
 * rounding error (5e-324), which the database's 3-decimal numeric stores as 0.
 */
const MIN_MILLIS = 0.001;

/**
 * Why a scenario cannot be stored and handed to the simulation, or undefined when it can.
 * PostgreSQL's jsonb holds neither U+0000 nor lone surrogates, and an environment variable
 * (where the simulation receives it) no NUL; nesting is bounded so that neither serialising
 * it nor PostgreSQL's parser runs out of stack. Walks iteratively, for the same reason.
 */
function scenarioProblem(scenario: Record<string, unknown>): string | undefined {
  const pending: { value: unknown; depth: number }[] = [{ value: scenario, depth: 1 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, depth } = next;
    if (typeof value === "string") {
      if (!isStorableText(value)) return "strings must be valid Unicode without NUL characters";
      continue;
    }
    if (typeof value !== "object" || value === null) continue;
    if (depth > MAX_SCENARIO_DEPTH) return `nested at most ${MAX_SCENARIO_DEPTH} levels deep`;
    for (const [key, child] of Object.entries(value)) {
      if (!isStorableText(key)) return "keys must be valid Unicode without NUL characters";
      pending.push({ value: child, depth: depth + 1 });
    }
  }
  // Bytes, not characters: the simulation receives it in an environment variable, which
  // Linux caps at 128 KiB, and 96 Ki of "€" are 288 KiB.
  if (Buffer.byteLength(JSON.stringify(scenario), "utf8") > MAX_SCENARIO_BYTES) {
    return `at most ${MAX_SCENARIO_BYTES / 1024} KiB of JSON`;
  }
  return undefined;
}

function isStorableText(text: string): boolean {
  return text.isWellFormed() && !text.includes("\0");
}

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
    scenario: z
      .preprocess(
        (input, ctx) => {
          // zod drops a "__proto__" key when it copies the object (assigning it would set the
          // copy's prototype): it would vanish from what is stored and run, with a 202.
          if (typeof input === "object" && input !== null && Object.hasOwn(input, "__proto__")) {
            ctx.issues.push({ code: "custom", message: '"__proto__" cannot be a key', input });
          }
          return input;
        },
        z.record(z.string(), z.unknown()).check((ctx) => {
          const problem = scenarioProblem(ctx.value);
          if (problem) ctx.issues.push({ code: "custom", message: problem, input: ctx.value });
        }),
      )
      .optional()
      .openapi({
        description: `Scenario data, any JSON object; handed to the simulation as-is. At most ${MAX_SCENARIO_BYTES / 1024} KiB of JSON, nested at most ${MAX_SCENARIO_DEPTH} levels deep, its strings and keys valid Unicode without NUL (U+0000).`,
        example: { end: 3600, step_length: 0.5 },
      }),
  })
  .openapi("SubmitJobRequest");

export type SubmitJobRequest = z.infer<typeof submitJobRequestSchema>;
