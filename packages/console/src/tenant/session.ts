// The tenant's sign-in: its API key, kept in this tab's sessionStorage only (closing the tab
// or signing out forgets it), and the typed client that sends it.
import { createTenantClient, type TenantClient } from "@sumo/api-client";
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { call } from "../shared/api-call.ts";
import { storedCredential } from "../shared/session-storage.ts";

const apiKeyStore = storedCredential("sumo-k8.tenant.api-key");

export interface TenantSession {
  client: TenantClient;
  signOut: () => void;
}

export const SessionContext = createContext<TenantSession | undefined>(undefined);

/** The signed-in tenant's session; pages are only shown inside one. */
export function useSession(): TenantSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a signed-in console");
  return session;
}

export function tenantClient(apiKey: string): TenantClient {
  // Same origin: the api serves the console.
  return createTenantClient({ baseUrl: location.origin, apiKey });
}

export function savedApiKey(): string | undefined {
  return apiKeyStore.read();
}

/** Checks the key with the API (its dashboard) and keeps it for this tab; throws its refusal. */
export async function signIn(apiKey: string): Promise<void> {
  await call(tenantClient(apiKey).GET("/v1/dashboard"));
  apiKeyStore.save(apiKey);
}

export function forgetApiKey(): void {
  apiKeyStore.forget();
}
