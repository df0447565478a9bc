import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The closed set of error codes the HTTP services answer with, each mapped to its status here and
 * nowhere else. Clients branch on `code`; `message` is for people.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  job_exceeds_tenant_limits: 422,
  idempotency_key_reused: 422,
  unknown_scenario: 422,
  sweep_too_large: 422,
  scenario_name_taken: 409,
  job_already_ended: 409,
  // A scenario bundle refused at upload (@sumo/scenario's BundleErrorCode, one for one).
  bundle_too_large: 413,
  not_an_archive: 422,
  unsafe_path: 422,
  unsupported_entry: 422,
  duplicate_entry: 422,
  too_many_files: 422,
  uncompressed_too_large: 422,
  no_sumocfg: 422,
  several_sumocfg: 422,
  unknown_sumocfg: 422,
  malformed_sumocfg: 422,
  missing_referenced_file: 422,
  concurrent_job_limit_reached: 429,
  too_many_log_follows: 429,
  too_many_auth_failures: 429,
  headers_too_large: 431,
  internal_error: 500,
  service_unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

export interface ErrorDetail {
  /** Dotted path of the offending field in the request, e.g. `cpu_request` or `scenario.net`. */
  field: string;
  message: string;
}

export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    request_id: string;
    details?: ErrorDetail[];
  };
}

/** The one error type of the HTTP services; thrown anywhere, rendered by the app's error handler. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: ErrorDetail[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "ApiError";
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  get status(): ContentfulStatusCode {
    return ERROR_STATUS[this.code];
  }
}

export function errorBody(c: Context, error: ApiError): ErrorBody {
  const requestId: string = c.get("requestId") ?? "";
  return {
    error: {
      code: error.code,
      message: error.message,
      request_id: requestId,
      ...(error.details ? { details: error.details } : {}),
    },
  };
}

export function errorResponse(c: Context, error: ApiError): Response {
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return c.json(errorBody(c, error), error.status);
}
