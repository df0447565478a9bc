// The SQLSTATE codes a query tells its callers about, whether the error is the driver's or
// drizzle's wrapping of it.

function postgresCode(error: unknown): string | undefined {
  const cause = error instanceof Error && "cause" in error ? error.cause : error;
  return (cause as { code?: string } | undefined)?.code ?? (error as { code?: string }).code;
}

export function isUniqueViolation(error: unknown): boolean {
  return postgresCode(error) === "23505";
}

export function isForeignKeyViolation(error: unknown): boolean {
  return postgresCode(error) === "23503";
}
