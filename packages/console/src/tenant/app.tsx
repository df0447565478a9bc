import { useMemo, useState } from "preact/hooks";
import lazy, { ErrorBoundary } from "preact-iso/lazy";
import { LocationProvider, Route, Router } from "preact-iso/router";
import { ConsoleLayout, focusMain } from "../shared/layout.tsx";
import { BASE, paths } from "./paths.ts";
import {
  forgetApiKey,
  SessionContext,
  savedApiKey,
  type TenantSession,
  tenantClient,
} from "./session.ts";
import { SignIn } from "./sign-in.tsx";

// Each page is a chunk of its own, loaded when first shown.
const Dashboard = lazy(() => import("./pages/dashboard.tsx"));
const Jobs = lazy(() => import("./pages/jobs.tsx"));
const Job = lazy(() => import("./pages/job.tsx"));
const Submit = lazy(() => import("./pages/submit.tsx"));
const Scenarios = lazy(() => import("./pages/scenarios.tsx"));
const Sweeps = lazy(() => import("./pages/sweeps.tsx"));
const NewSweep = lazy(() => import("./pages/new-sweep.tsx"));
const Sweep = lazy(() => import("./pages/sweep.tsx"));

const NAVIGATION = [
  { href: paths.dashboard, label: "Dashboard" },
  { href: paths.jobs, label: "Jobs" },
  { href: paths.submit, label: "Submit a job" },
  { href: paths.scenarios, label: "Scenarios" },
  { href: paths.sweeps, label: "Sweeps" },
];

export function TenantConsole() {
  const [apiKey, setApiKey] = useState(savedApiKey);
  const session = useMemo<TenantSession | undefined>(
    () =>
      apiKey
        ? {
            client: tenantClient(apiKey),
            signOut: () => {
              forgetApiKey();
              setApiKey(undefined);
            },
          }
        : undefined,
    [apiKey],
  );
  return (
    <LocationProvider scope={BASE}>
      {session ? (
        <SessionContext.Provider value={session}>
          <Layout session={session} />
        </SessionContext.Provider>
      ) : (
        <SignIn onSignedIn={() => setApiKey(savedApiKey())} />
      )}
    </LocationProvider>
  );
}

function Layout({ session }: { session: TenantSession }) {
  return (
    <ConsoleLayout
      home={paths.dashboard}
      brand="sumo-k8"
      navigation={NAVIGATION}
      onSignOut={session.signOut}
    >
      <ErrorBoundary>
        <Router onRouteChange={focusMain}>
          <Route path={paths.dashboard} component={Dashboard} />
          <Route path={paths.jobs} component={Jobs} />
          <Route path={`${paths.jobs}/:id`} component={Job} />
          <Route path={paths.submit} component={Submit} />
          <Route path={paths.scenarios} component={Scenarios} />
          <Route path={paths.sweeps} component={Sweeps} />
          <Route path={paths.newSweep} component={NewSweep} />
          <Route path={`${paths.sweeps}/:id`} component={Sweep} />
          <Route default component={NotFound} />
        </Router>
      </ErrorBoundary>
    </ConsoleLayout>
  );
}

function NotFound() {
  return (
    <>
      <h1>No such page</h1>
      <p>
        <a href={paths.dashboard}>Back to the dashboard</a>
      </p>
    </>
  );
}
