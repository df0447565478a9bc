import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type {
  components as AdminComponents,
  operations as AdminOperations,
  paths as AdminPaths,
} from "./generated/admin.ts";
import type {
  components as TenantComponents,
  operations as TenantOperations,
  paths as TenantPaths,
} from "./generated/tenant.ts";

export type {
  AdminComponents,
  AdminOperations,
  AdminPaths,
  TenantComponents,
  TenantOperations,
  TenantPaths,
};

/** The tenant API's named schemas, e.g. `TenantSchemas["Job"]`. */
export type TenantSchemas = TenantComponents["schemas"];
/** The admin API's named schemas, e.g. `AdminSchemas["Tenant"]`. */
export type AdminSchemas = AdminComponents["schemas"];
/** Every error either API answers: `{ error: { code, message, request_id, details? } }`. */
export type ErrorBody = TenantSchemas["Error"];

/** A typed client of the tenant API: `client.GET("/v1/jobs/{job_id}", { params: ... })`. */
export type TenantClient = Client<TenantPaths>;
/** A typed client of the admin API. */
export type AdminClient = Client<AdminPaths>;

export interface ClientConnection {
  /** Where the API is served, e.g. `https://sumo.example.com`; paths are added to it. */
  baseUrl: string;
  /** What sends the requests; the global `fetch` unless given. */
  fetch?: (request: Request) => Promise<Response>;
}

/** A client of the tenant API that authenticates with the tenant's API key. */
export function createTenantClient(options: ClientConnection & { apiKey: string }): TenantClient {
  return createClient<TenantPaths>(clientOptions(options, options.apiKey));
}

/** A client of the admin API that authenticates with the admin token. */
export function createAdminClient(options: ClientConnection & { token: string }): AdminClient {
  return createClient<AdminPaths>(clientOptions(options, options.token));
}

function clientOptions(connection: ClientConnection, bearer: string): ClientOptions {
  return {
    baseUrl: connection.baseUrl,
    headers: { Authorization: `Bearer ${bearer}` },
    ...(connection.fetch && { fetch: connection.fetch }),
  };
}

/**
 * A form body (multipart/form-data) from a typed one, for routes that take files, as
 * `bodySerializer: toFormData` (uploading a scenario's bundle, say).
 */
export function toFormData(body: Record<string, string | Blob | undefined>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(body)) {
    if (value !== undefined) form.set(name, value);
  }
  return form;
}

export {
  ApiProblem,
  type ClientResult,
  call,
  NETWORK_ERROR,
  problemOf,
} from "./api-problem.ts";
