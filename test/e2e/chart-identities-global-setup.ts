// vitest globalSetup: the end-to-end services run with the identities the Helm chart gives
// them. The chart is installed once for the run (its Deployments are idle: replicas 0); each
// service then gets a kubeconfig holding a token of its own ServiceAccount, so RBAC is
// enforced on everything the services do, exactly as in a cluster, and the scheduler the
// release's names of what it binds in tenant namespaces (its TENANT_* variables).
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { DATA_DIR } from "@sumo/db/embedded";
import { LOCAL_CLUSTER_KUBECONFIG, loadKubeConfig } from "@sumo/kubernetes";
import type { TestProject } from "vitest/node";
import { ChartRelease } from "../helm/chart-release.ts";
import { writeServiceAccountKubeconfig } from "../helm/service-account-kubeconfig.ts";
import type { ServiceName } from "../platform.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Per service, a kubeconfig with a token of the chart's ServiceAccount for it. */
    serviceKubeconfigs: Record<ServiceName, string>;
    /** The scheduler's variables that name the release's objects, as the chart sets them. */
    chartSchedulerEnv: Record<string, string>;
  }
}

const COMPONENTS: ServiceName[] = ["api", "admin", "scheduler", "reconciler"];

export default async function setup(project: TestProject) {
  const admin = loadKubeConfig({
    kubeconfigPath: process.env.KUBECONFIG || LOCAL_CLUSTER_KUBECONFIG,
  });
  const release = new ChartRelease(admin, { prefix: "sumo-e2e" });
  await release.prepare();
  await release.install({
    set: {
      "api.replicas": 0,
      "admin.replicas": 0,
      "scheduler.replicas": 0,
      "reconciler.replicas": 0,
      "migrations.enabled": false,
    },
  });
  const dir = path.join(DATA_DIR, "e2e-identities");
  await mkdir(dir, { recursive: true });
  const kubeconfigs = {} as Record<ServiceName, string>;
  for (const component of COMPONENTS) {
    kubeconfigs[component] = await writeServiceAccountKubeconfig(
      admin,
      { namespace: release.namespace, release: release.release, component },
      path.join(dir, `${component}.kubeconfig`),
      { expirationSeconds: 3 * 3600 },
    );
  }
  project.provide("serviceKubeconfigs", kubeconfigs);
  const schedulerEnv = await release.serviceEnv("scheduler");
  project.provide(
    "chartSchedulerEnv",
    Object.fromEntries(Object.entries(schedulerEnv).filter(([name]) => name.startsWith("TENANT_"))),
  );
  return () => release.remove();
}
