// How a careful tenant submits a job: with an Idempotency-Key, retrying with the same key and
// body whenever the answer is no answer at all or a server error.

export interface SubmissionAnswer {
  /** The api's definitive answer: anything but a 5xx. */
  status: number;
  body: unknown;
  /** The answer replays an earlier one (`Idempotent-Replayed: true`). */
  replayed: boolean;
  /** Requests sent, the answering one included. */
  attempts: number;
  /** What the attempts that were retried got: an HTTP status or the connection error. */
  retried: string[];
}

/**
 * POST /v1/jobs until the api answers. A connection error (refused, reset, timed out) or a 5xx
 * says nothing about whether the job was accepted, so the same request is sent again with the
 * same key after a short pause (100 ms, doubling up to 1 s); `timeoutMs` bounds the whole.
 */
export async function submitCarefully(options: {
  apiUrl: string;
  apiKey: string;
  idempotencyKey: string;
  body: object;
  timeoutMs: number;
}): Promise<SubmissionAnswer> {
  const deadline = Date.now() + options.timeoutMs;
  const retried: string[] = [];
  let pauseMs = 100;
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(`${options.apiUrl}/v1/jobs`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          "content-type": "application/json",
          "idempotency-key": options.idempotencyKey,
        },
        body: JSON.stringify(options.body),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await response.text();
      if (response.status < 500) {
        return {
          status: response.status,
          body: response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text,
          replayed: response.headers.get("idempotent-replayed") === "true",
          attempts: attempt,
          retried,
        };
      }
      retried.push(String(response.status));
    } catch (error) {
      retried.push(connectionErrorOf(error));
    }
    if (Date.now() + pauseMs > deadline) {
      throw new Error(
        `no answer to ${options.idempotencyKey} after ${attempt} attempts: ${retried.join(", ")}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    pauseMs = Math.min(pauseMs * 2, 1000);
  }
}

function connectionErrorOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause as { code?: unknown } | undefined;
    if (typeof cause?.code === "string") return cause.code;
    return error.name === "TimeoutError" ? "timeout" : error.message;
  }
  return String(error);
}
