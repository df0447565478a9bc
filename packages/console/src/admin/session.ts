// The admin's sign-in: the admin token, kept in this tab's sessionStorage only (closing the tab
// or signing out forgets it), and the typed admin client that sends it.
import { type AdminClient, createAdminClient } from "@sumo/api-client";
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { call } from "../shared/api-call.ts";
import { storedCredential } from "../shared/session-storage.ts";

export const adminTokenStore = storedCredential("sumo-k8.admin.token");

export interface AdminSession {
  client: AdminClient;
  signOut: () => void;
}

export const SessionContext = createContext<AdminSession | undefined>(undefined);

/** The signed-in admin's session; pages are only shown inside one. */
export function useSession(): AdminSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a signed-in console");
  return session;
}

export function adminClient(token: string): AdminClient {
  // Same origin: the admin service serves the console.
  return createAdminClient({ baseUrl: location.origin, token });
}

/** Checks the token with the admin API and keeps it for this tab; throws its refusal. */
export async function signIn(token: string): Promise<void> {
  await call(adminClient(token).GET("/admin/tenants", { params: { query: { limit: 1 } } }));
  adminTokenStore.save(token);
}
