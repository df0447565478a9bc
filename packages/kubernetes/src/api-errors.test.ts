import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  apiErrorText,
  isAlreadyExists,
  isAuthorizationDenied,
  isNotFound,
  isTransientApiError,
} from "./api-errors.ts";

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

  it("tells the authorizer's refusals from admission's", () => {
    // What a restarted kube-apiserver answered before its RBAC cache was filled.
    const rbac = status(
      403,
      "Forbidden",
      'namespaces "sumo-tenant-1" is forbidden: User "system:serviceaccount:sumo:sumo-k8-scheduler" cannot patch resource "namespaces" in API group "" in the namespace "sumo-tenant-1": RBAC: [clusterrole.rbac.authorization.k8s.io "system:discovery" not found]',
    );
    expect(isAuthorizationDenied(rbac)).toBe(true);
    expect(
      isAuthorizationDenied(
        status(403, "Forbidden", 'pods "p" is forbidden: exceeded quota: tenant-quota'),
      ),
    ).toBe(false);
    expect(isAuthorizationDenied(status(422, "Invalid"))).toBe(false);
    expect(isAuthorizationDenied(new TypeError("fetch failed"))).toBe(false);
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
