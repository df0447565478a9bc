// Every caller of the typed clients (the web consoles, the CLI) turns their answers into data
// or an ApiProblem, and shows the problem as the API said it: its code, message and fields.
import type { ErrorBody } from "./index.ts";

/** What a typed client's call resolves to: the data, or the error body, with the response. */
export type ClientResult<Data> =
  | { data: Data; error?: never; response: Response }
  | { data?: never; error: unknown; response: Response };

/** An API error (its code, message and fields), or a request that got no answer. */
export class ApiProblem extends Error {
  readonly code: string;
  /** The answer's HTTP status; undefined when no answer came (`network_error`). */
  readonly status: number | undefined;
  readonly details: { field: string; message: string }[];
  readonly requestId: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(options: {
    code: string;
    message: string;
    status?: number;
    details?: { field: string; message: string }[];
    requestId?: string;
    retryAfterSeconds?: number;
  }) {
    super(options.message);
    this.name = "ApiProblem";
    this.code = options.code;
    this.status = options.status;
    this.details = options.details ?? [];
    this.requestId = options.requestId;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The code of an ApiProblem for a request that got no answer at all. */
export const NETWORK_ERROR = "network_error";

/** The data of a typed client's call; its error as an ApiProblem. An abort stays an abort. */
export async function call<Result extends ClientResult<unknown>>(
  request: Promise<Result>,
): Promise<Exclude<Result["data"], undefined>> {
  type Data = Exclude<Result["data"], undefined>;
  let result: Result;
  try {
    result = await request;
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiProblem({
      code: NETWORK_ERROR,
      message: `The API did not answer: ${describeFailure(error)}`,
    });
  }
  if (result.error === undefined && result.response.ok) return result.data as Data;
  throw problemOf(result.error, result.response);
}

/** The ApiProblem an error answer stands for (the platform's error body, or its status). */
export function problemOf(body: unknown, response: Response): ApiProblem {
  const retryAfter = Number(response.headers.get("retry-after"));
  const common = {
    status: response.status,
    ...(Number.isFinite(retryAfter) && retryAfter > 0 && { retryAfterSeconds: retryAfter }),
  };
  if (isErrorBody(body)) {
    return new ApiProblem({
      ...common,
      code: body.error.code,
      message: body.error.message,
      requestId: body.error.request_id,
      ...(body.error.details && { details: body.error.details }),
    });
  }
  return new ApiProblem({
    ...common,
    code: `http_${response.status}`,
    message: `The API answered ${response.status} ${response.statusText}`.trim(),
  });
}

function isErrorBody(body: unknown): body is ErrorBody {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === "string" && typeof error.message === "string";
}

// fetch's TypeError says only "fetch failed"; its cause says why (ECONNREFUSED, a DNS miss).
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause ? `${error.message} (${cause})` : error.message;
}
