import { z } from "@hono/zod-openapi";
import { ERROR_CODES, ERROR_STATUS, type ErrorCode } from "./errors.ts";

export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES).openapi({ description: "Machine-readable; branch on this." }),
      message: z.string(),
      request_id: z.string().openapi({ description: "Also in the X-Request-Id header and logs." }),
      details: z
        .array(z.object({ field: z.string(), message: z.string() }))
        .optional()
        .openapi({ description: "The offending fields of a validation error." }),
    }),
  })
  .openapi("Error");

/**
 * What any route with a JSON request body can answer before its handler runs: a body that is
 * not JSON, not declared as JSON (UTF-8), over the body limit, or not what the schema says.
 */
export const JSON_BODY_ERRORS = [
  "invalid_json",
  "unsupported_media_type",
  "payload_too_large",
  "validation_failed",
] as const satisfies readonly ErrorCode[];

/** OpenAPI `responses` entries for the given error codes, grouped by status. */
export function errorResponses(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, statusCodes]) => [
      status,
      {
        description: statusCodes.join(", "),
        content: { "application/json": { schema: errorSchema } },
      },
    ]),
  );
}
