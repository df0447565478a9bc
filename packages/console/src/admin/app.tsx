import { useMemo, useState } from "preact/hooks";
import lazy, { ErrorBoundary } from "preact-iso/lazy";
import { LocationProvider, Route, Router } from "preact-iso/router";
import { ConsoleLayout, focusMain } from "../shared/layout.tsx";
import { SignInForm } from "../shared/sign-in-form.tsx";
import { BASE, paths } from "./paths.ts";
import {
  type AdminSession,
  adminClient,
  adminTokenStore,
  SessionContext,
  signIn,
} from "./session.ts";

// Each page is a chunk of its own, loaded when first shown.
const Overview = lazy(() => import("./pages/overview.tsx"));
const Tenants = lazy(() => import("./pages/tenants.tsx"));
const Tenant = lazy(() => import("./pages/tenant.tsx"));
const Nodes = lazy(() => import("./pages/nodes.tsx"));
const Jobs = lazy(() => import("./pages/jobs.tsx"));
const Sweeps = lazy(() => import("./pages/sweeps.tsx"));

const NAVIGATION = [
  { href: paths.overview, label: "Overview" },
  { href: paths.tenants, label: "Tenants" },
  { href: paths.nodes, label: "Nodes" },
  { href: paths.jobs, label: "Jobs" },
  { href: paths.sweeps, label: "Sweeps" },
];

export function AdminConsole() {
  const [token, setToken] = useState(adminTokenStore.read);
  const session = useMemo<AdminSession | undefined>(
    () =>
      token
        ? {
            client: adminClient(token),
            signOut: () => {
              adminTokenStore.forget();
              setToken(undefined);
            },
          }
        : undefined,
    [token],
  );
  return (
    <LocationProvider scope={BASE}>
      {session ? (
        <SessionContext.Provider value={session}>
          <ConsoleLayout
            home={paths.overview}
            brand="sumo-k8 admin"
            navigation={NAVIGATION}
            onSignOut={session.signOut}
          >
            <ErrorBoundary>
              <Router onRouteChange={focusMain}>
                <Route path={paths.overview} component={Overview} />
                <Route path={paths.tenants} component={Tenants} />
                <Route path={`${paths.tenants}/:id`} component={Tenant} />
                <Route path={paths.nodes} component={Nodes} />
                <Route path={paths.jobs} component={Jobs} />
                <Route path={paths.sweeps} component={Sweeps} />
                <Route default component={NotFound} />
              </Router>
            </ErrorBoundary>
          </ConsoleLayout>
        </SessionContext.Provider>
      ) : (
        <SignInForm
          title="sumo-k8 admin console"
          intro="Sign in with the admin token. It is kept in this browser tab only."
          label="Admin token"
          signIn={signIn}
          onSignedIn={() => setToken(adminTokenStore.read())}
        />
      )}
    </LocationProvider>
  );
}

function NotFound() {
  return (
    <>
      <h1>No such page</h1>
      <p>
        <a href={paths.overview}>Back to the overview</a>
      </p>
    </>
  );
}
