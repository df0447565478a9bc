// What a failed call of @kubernetes/client-node tells: its ApiException carries the HTTP
// status as `code` and the apiserver's Status object (JSON text) as `body`.

/** The HTTP status of a failed Kubernetes API call, if it was one. */
export function apiStatusCode(error: unknown): number | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === "number" ? code : undefined;
  }
  return undefined;
}

/** Whether a call failed because the object does not exist (any more). */
export function isNotFound(error: unknown): boolean {
  return apiStatusCode(error) === 404;
}

/** Whether a create failed because an object of that name exists already. */
export function isAlreadyExists(error: unknown): boolean {
  return apiStatusCode(error) === 409 && apiStatusReason(error) === "AlreadyExists";
}

/**
 * Whether retrying the same call later can succeed: no answer at all (connection refused or
 * reset, timeout), throttling, a conflict on update, or a server-side error. Anything else
 * (403 forbidden, 422 invalid, ...) fails the same way every time.
 */
export function isTransientApiError(error: unknown): boolean {
  const status = apiStatusCode(error);
  if (status === undefined) return true;
  return status === 409 || status === 429 || status >= 500;
}

/**
 * Whether the apiserver's authorizer (RBAC) refused the call: a 403 saying `User "..." cannot
 * <verb> resource ...`, as opposed to a 403 from an admission plugin refusing the object
 * (`exceeded quota`, `violates PodSecurity`). Not necessarily final: an apiserver that has just
 * started serves requests before its RBAC cache is filled, and for those moments refuses every
 * ServiceAccount everything (`RBAC: [clusterrole ... not found]`).
 */
export function isAuthorizationDenied(error: unknown): boolean {
  const message = statusBody(error)?.message;
  return (
    apiStatusCode(error) === 403 &&
    typeof message === "string" &&
    /\bis forbidden: User ".*" cannot /.test(message)
  );
}

/** The `reason` of the apiserver's Status object (AlreadyExists, Forbidden, Invalid, ...). */
export function apiStatusReason(error: unknown): string | undefined {
  const body = statusBody(error);
  return typeof body?.reason === "string" ? body.reason : undefined;
}

/** The apiserver's explanation of a failed call (its Status message), or the error itself. */
export function apiErrorText(error: unknown): string {
  const body = statusBody(error);
  if (typeof body?.message === "string") return body.message;
  return error instanceof Error ? error.message : String(error);
}

function statusBody(error: unknown): { reason?: unknown; message?: unknown } | undefined {
  if (typeof error !== "object" || error === null || !("body" in error)) return undefined;
  const body = (error as { body: unknown }).body;
  if (typeof body === "object" && body !== null) return body;
  if (typeof body !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === "object" && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}
