// Every request of the consoles goes through the typed clients (@sumo/api-client); this turns
// their answers into data or an ApiProblem that the pages show as the API said it.
import type { ErrorBody } from "@sumo/api-client";

/** What a typed client's call resolves to: the data, or the error body, with the response. */
export type ClientResult<Data> =
  | { data: Data; error?: never; response: Response }
  | { data?: never; error: unknown; response: Response };

/** An API error (its code, message and fields), or a request that got no answer. */
export class ApiProblem extends Error {
  readonly code: string;
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

/** The data of a typed client's call; its error as an ApiProblem. */
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
      code: "network_error",
      message: `The API did not answer: ${error instanceof Error ? error.message : String(error)}`,
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

/** Any thrown value as an ApiProblem, for showing it. */
export function asProblem(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  return new ApiProblem({
    code: "console_error",
    message: error instanceof Error ? error.message : String(error),
  });
}
