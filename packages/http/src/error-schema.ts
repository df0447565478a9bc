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
