import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { apiErrorText, isAlreadyExists, isNotFound, isTransientApiError } from "./api-errors.ts";

const status = (code: number, reason: string, message = `${reason}!`) =>
  new ApiException(code, message, JSON.stringify({ kind: "Status", reason, message }), {});

describe("Kubernetes API errors", () => {
  it("tells retryable failures from permanent ones", () => {
    expect(isTransientApiError(new TypeError("fetch failed: connect ECONNREFUSED"))).toBe(true);
    expect(isTransientApiError(status(503, "ServiceUnavailable"))).toBe(true);
    expect(isTransientApiError(status(429, "TooManyRequests"))).toBe(true);
    expect(isTransientApiError(status(409, "Conflict"))).toBe(true);
    expect(isTransientApiError(status(403, "Forbidden"))).toBe(false);
    expect(isTransientApiError(status(422, "Invalid"))).toBe(false);
  });

  it("recognises not-found and already-exists and says what the apiserver said", () => {
    expect(isNotFound(status(404, "NotFound"))).toBe(true);
    expect(isAlreadyExists(status(409, "AlreadyExists"))).toBe(true);
    expect(isAlreadyExists(status(409, "Conflict"))).toBe(false);
    expect(apiErrorText(status(403, "Forbidden", "jobs.batch is forbidden: exceeded quota"))).toBe(
      "jobs.batch is forbidden: exceeded quota",
    );
    expect(apiErrorText(new Error("boom"))).toBe("boom");
  });
});
