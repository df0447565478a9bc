// The command's exit status says what kind of thing went wrong, so scripts can branch on it
// without reading the message. docs/cli.md#exit-codes lists them; change both together.
import { type ApiProblem, NETWORK_ERROR } from "@sumo/api-client";

export const EXIT_CODES = {
  /** Done as asked (and a watched job or followed log ended SUCCEEDED). */
  ok: 0,
  /** The API refused the request for another reason (validation, conflict, an ended job). */
  refused: 1,
  /** Bad flags or arguments, or no usable configuration (URL, key, profile file). */
  usage: 2,
  /** The API key or admin token was missing, wrong or revoked (401, 403, auth throttling). */
  auth: 3,
  /** No such job, scenario, sweep, tenant or key (404). */
  notFound: 4,
  /** Refused by the tenant's limits: 429 (concurrent jobs, log follows) or a job too big. */
  limits: 5,
  /** The service failed (5xx) or did not answer at all. */
  server: 6,
  /** A job watched to its end (`--wait`, `jobs watch`) ended FAILED. */
  jobFailed: 7,
  /** A job watched to its end ended CANCELLED. */
  jobCancelled: 8,
  /** Ctrl-C while watching or following: the CLI stopped, the job did not. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** Codes the API gives a request its tenant's limits refuse, whatever their status. */
const LIMIT_CODES = new Set(["job_exceeds_tenant_limits", "sweep_too_large"]);

/** The exit status for an API error. */
export function exitCodeOfProblem(problem: ApiProblem): ExitCode {
  if (problem.code === NETWORK_ERROR) return EXIT_CODES.server;
  if (problem.code === "too_many_auth_failures") return EXIT_CODES.auth;
  if (LIMIT_CODES.has(problem.code)) return EXIT_CODES.limits;
  const status = problem.status ?? 0;
  if (status === 401 || status === 403) return EXIT_CODES.auth;
  if (status === 404) return EXIT_CODES.notFound;
  if (status === 429) return EXIT_CODES.limits;
  if (status >= 500) return EXIT_CODES.server;
  return EXIT_CODES.refused;
}

/** Ends the command with `exitCode`, after saying `message` (if any) on stderr. */
export class CliExit extends Error {
  readonly exitCode: ExitCode;
  constructor(exitCode: ExitCode, message = "") {
    super(message);
    this.name = "CliExit";
    this.exitCode = exitCode;
  }
}

/** A usage problem: bad arguments or configuration (exit status 2). */
export class UsageError extends CliExit {
  constructor(message: string) {
    super(EXIT_CODES.usage, message);
    this.name = "UsageError";
  }
}
