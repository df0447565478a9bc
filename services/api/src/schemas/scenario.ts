import { z } from "@hono/zod-openapi";
import type { Scenario } from "@sumo/db/schema";
import { isUuid } from "@sumo/http/ids";

/** A scenario's name: what tenants submit by; never uuid-shaped, so ids and names cannot mix. */
export const scenarioNameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    "letters, digits and . _ - only, starting with a letter or digit",
  )
  .refine((name) => !isUuid(name), "a name cannot look like a scenario id (a uuid)")
  .openapi({ example: "grid-4x4" });

export const uploadScenarioFormSchema = z
  .object({
    name: scenarioNameSchema,
    bundle: z
      .instanceof(File, { message: "a file (the .tar.gz or .zip bundle)" })
      .openapi({ type: "string", format: "binary", description: "The bundle: .tar.gz or .zip." }),
    config: z.string().min(1).max(255).optional().openapi({
      description: "Which .sumocfg in the bundle to run; needed only when it holds several.",
      example: "scenario/grid.sumocfg",
    }),
  })
  .openapi("UploadScenarioForm");

export const scenarioSchema = z
  .object({
    scenario_id: z.uuid(),
    name: z.string(),
    config: z.string().openapi({ description: "The .sumocfg jobs of this scenario run." }),
    format: z.enum(["tar.gz", "zip"]),
    sha256: z.string().openapi({ description: "SHA-256 of the bundle as uploaded." }),
    size_bytes: z.number().int(),
    uncompressed_bytes: z.number().int(),
    file_count: z.number().int(),
    created_at: z.iso.datetime(),
  })
  .openapi("Scenario");

export const scenarioWithFilesSchema = scenarioSchema
  .extend({ files: z.array(z.string()) })
  .openapi("ScenarioWithFiles");

export type ScenarioView = z.infer<typeof scenarioSchema>;

export function toScenarioView(scenario: Scenario): ScenarioView {
  return {
    scenario_id: scenario.id,
    name: scenario.name,
    config: scenario.config,
    format: scenario.format,
    sha256: scenario.bundleSha256,
    size_bytes: scenario.sizeBytes,
    uncompressed_bytes: scenario.uncompressedBytes,
    file_count: scenario.files.length,
    created_at: scenario.createdAt.toISOString(),
  };
}
