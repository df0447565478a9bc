// Kubernetes identities of the chart's services outside a pod: a token of a service's own
// ServiceAccount (TokenRequest API), as a KubeConfig or a kubeconfig file. The chart tests
// prove RBAC with them; the end-to-end suite can run each service process with the same
// identity it has in a cluster (KUBECONFIG=<file>).
import { writeFile } from "node:fs/promises";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";

/** One of the chart's services, by its release and the component label its objects carry. */
export interface ChartServiceAccount {
  namespace: string;
  release: string;
  component: "api" | "admin" | "scheduler" | "reconciler";
}

/** The name of a chart service's ServiceAccount, found by its labels (names vary with values). */
export async function chartServiceAccountName(
  admin: KubeConfig,
  { namespace, release, component }: ChartServiceAccount,
): Promise<string> {
  const accounts = await admin.makeApiClient(CoreV1Api).listNamespacedServiceAccount({
    namespace,
    labelSelector: `app.kubernetes.io/instance=${release},app.kubernetes.io/component=${component}`,
  });
  const names = accounts.items.map((account) => account.metadata?.name ?? "");
  if (names.length !== 1 || !names[0]) {
    throw new Error(
      `expected one ServiceAccount of ${component} in release ${release} (namespace ${namespace}), found ${JSON.stringify(names)}`,
    );
  }
  return names[0];
}

/**
 * A KubeConfig that authenticates as the chart service's ServiceAccount, against the same
 * apiserver (and CA) as `admin`. The token comes from the TokenRequest API, as a pod's
 * projected token does, and expires after `expirationSeconds` (at least 600).
 */
export async function serviceAccountKubeConfig(
  admin: KubeConfig,
  account: ChartServiceAccount,
  { expirationSeconds = 3600 }: { expirationSeconds?: number } = {},
): Promise<KubeConfig> {
  const name = await chartServiceAccountName(admin, account);
  const tokenRequest = await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name,
    namespace: account.namespace,
    body: { spec: { audiences: [], expirationSeconds } },
  });
  const token = tokenRequest.status?.token;
  if (!token) throw new Error(`TokenRequest for ${account.namespace}/${name} returned no token`);
  return kubeConfigForToken(admin, token, `${account.namespace}-${name}`);
}

/** `admin`'s cluster with a bearer token as the only user. */
export function kubeConfigForToken(admin: KubeConfig, token: string, user: string): KubeConfig {
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig has no current cluster");
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: user, token }],
    contexts: [{ name: user, cluster: cluster.name, user }],
    currentContext: user,
  });
  return kc;
}

/**
 * Writes the service's kubeconfig to `file` (mode 0600: it holds a token) and returns the
 * path, for a process started with KUBECONFIG=<file>.
 */
export async function writeServiceAccountKubeconfig(
  admin: KubeConfig,
  account: ChartServiceAccount,
  file: string,
  options: { expirationSeconds?: number } = {},
): Promise<string> {
  const kc = await serviceAccountKubeConfig(admin, account, options);
  await writeFile(file, kc.exportConfig(), { mode: 0o600 });
  return file;
}
