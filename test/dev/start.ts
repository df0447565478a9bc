// `npm start` (or `pnpm dev`): the whole platform on the embedded defaults, for trying it out.
// PostgreSQL (DATABASE_URL, or the embedded one in .data/), the local Kubernetes cluster
// (KUBECONFIG, or test/cluster/), migrations, a demo tenant, all services; then it prints how
// to call them. Ctrl-C stops everything it started.
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { CoreV1Api, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { buildConsoles } from "@sumo/console/build";
import { hashApiKey } from "@sumo/db/api-keys";
import { createDatabaseClient } from "@sumo/db/client";
import { DATA_DIR, startEmbeddedPostgres } from "@sumo/db/embedded";
import { migrate } from "@sumo/db/migrate";
import {
  createTenantWithApiKey,
  findTenantByApiKeyHash,
  findTenantByName,
  issueApiKey,
} from "@sumo/db/queries";
import { asServiceRole, ensureServiceRole, TEST_SERVICE_ROLE } from "@sumo/db/testing";
import { apiStatusCode, loadKubeConfig, tenantNamespaceName } from "@sumo/kubernetes";
import {
  ensureLocalCluster,
  type LocalCluster,
  REAL_NODE_PLACEMENT_LABEL,
  realNode,
} from "../local-cluster.ts";
import { PlatformProcesses, REPO_ROOT } from "../platform.ts";
import { gridBundle, uploadScenario } from "../scenario-bundle.ts";
import { writePrivateFile } from "./private-file.ts";

const CREDENTIALS_FILE = path.join(DATA_DIR, "dev-credentials.json");
const LOG_DIR = path.join(DATA_DIR, "logs");
const API_PORT = Number(process.env.API_PORT ?? 8080);
const ADMIN_PORT = Number(process.env.ADMIN_PORT ?? 8081);
const DEMO_TENANT = "demo";
/** The demo tenant's ready scenario: a 4x4 grid with 600 s of random trips. */
const DEMO_SCENARIO = "demo-grid";

const say = (line: string) => process.stdout.write(`${line}\n`);
const relative = (file: string) => path.relative(REPO_ROOT, file);

say("sumo-k8 dev: starting PostgreSQL");
const postgres = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
const databaseUrl = process.env.DATABASE_URL ?? postgres?.url ?? "";
// On the embedded server the services connect as a role that cannot change the schema, as the
// Helm chart runs them; a DATABASE_URL of yours is used as it is.
if (postgres) await ensureServiceRole(databaseUrl);
await migrate(databaseUrl, postgres ? { serviceRole: TEST_SERVICE_ROLE } : {});
const servicesDatabaseUrl = postgres ? asServiceRole(databaseUrl) : databaseUrl;
const { tenantId: demoTenantId, apiKey: demoApiKey } = await ensureDemoTenant(databaseUrl);
const adminToken = (await savedCredential("admin_token")) ?? randomBytes(24).toString("base64url");

let cluster: LocalCluster | undefined;
if (!process.env.KUBECONFIG) {
  say("sumo-k8 dev: starting the local Kubernetes cluster (the first run builds it)");
  cluster = await ensureLocalCluster();
}
const kubeconfig = process.env.KUBECONFIG ?? cluster?.kubeconfig;
const demoRunsForReal = cluster ? await placeDemoTenantOnRealNode() : false;

// The api and the admin service serve the consoles from their build: made afresh from the
// source (esbuild, well under a second).
say("sumo-k8 dev: building the web consoles");
await buildConsoles();

let stopping = false;
const platform = new PlatformProcesses({
  databaseUrl: servicesDatabaseUrl,
  kubeconfig,
  logDir: LOG_DIR,
  apiPort: API_PORT,
  adminPort: ADMIN_PORT,
  adminToken,
  onUnexpectedExit(name, code) {
    say(`${name} exited (${code}); see ${relative(LOG_DIR)}/${name}.log. Stopping.`);
    void stop(1);
  },
});
say("sumo-k8 dev: starting the services");
await platform.start();
const apiUrl = platform.apiUrl;
const adminUrl = platform.adminUrl;

say(
  `sumo-k8 dev: giving the demo tenant its scenario ${DEMO_SCENARIO} (the first run installs SUMO)`,
);
await ensureDemoScenario(apiUrl, demoApiKey);

const curlExample = [
  `curl -s -X POST ${apiUrl}/v1/jobs \\`,
  `  -H "Authorization: Bearer ${demoApiKey}" \\`,
  `  -H "Content-Type: application/json" \\`,
  `  -d '{"scenario_id": "${DEMO_SCENARIO}", "cpu_request": 0.5, "memory_gi": 1, "scenario": {"seed": 42, "end": 600}}'`,
].join("\n");
const uploadExample = [
  `curl -s -X POST ${apiUrl}/v1/scenarios \\`,
  `  -H "Authorization: Bearer ${demoApiKey}" \\`,
  `  -F name=my-city -F bundle=@my-city.tar.gz`,
].join("\n");
const consoleUrl = `${apiUrl}/console/`;
const adminConsoleUrl = `${adminUrl}/console/`;
const credentials = {
  api_url: apiUrl,
  console_url: consoleUrl,
  api_docs: `${apiUrl}/docs`,
  demo_tenant: DEMO_TENANT,
  demo_api_key: demoApiKey,
  admin_url: adminUrl,
  admin_console_url: adminConsoleUrl,
  admin_docs: `${adminUrl}/docs`,
  admin_token: adminToken,
  database_url: databaseUrl,
  kubeconfig,
  logs: LOG_DIR,
  demo_scenario: DEMO_SCENARIO,
  demo_runs_on_real_node: demoRunsForReal,
  curl_example: curlExample,
  upload_example: uploadExample,
};
await writePrivateFile(CREDENTIALS_FILE, `${JSON.stringify(credentials, null, 2)}\n`);

say(`
sumo-k8 is running.
  tenant console ${consoleUrl}  (sign in with the demo API key below)
  tenant API     ${apiUrl}        (docs: ${apiUrl}/docs)
  demo tenant    ${DEMO_TENANT}, API key ${demoApiKey}, scenario ${DEMO_SCENARIO}
  demo jobs run  ${demoRunsForReal ? "on the local cluster's real node: SUMO really simulates" : "on simulated (KWOK) nodes: the runner's contract, not SUMO"}
  admin console  ${adminConsoleUrl}  (sign in with the admin token below)
  admin API      ${adminUrl}        (docs: ${adminUrl}/docs)
  admin token    ${adminToken}
  database       ${databaseUrl}
  kubernetes     KUBECONFIG=${kubeconfig}
  service logs   ${relative(LOG_DIR)}/
  (all of the above is also in ${relative(CREDENTIALS_FILE)})

Submit a job of the demo scenario:
${curlExample}

Follow it (its progress and, once it ended, its result):
  curl -s ${apiUrl}/v1/jobs/<job_id> -H "Authorization: Bearer ${demoApiKey}"
  curl -s ${apiUrl}/v1/jobs -H "Authorization: Bearer ${demoApiKey}"
  curl -s ${apiUrl}/v1/dashboard -H "Authorization: Bearer ${demoApiKey}"
  curl -s "${apiUrl}/v1/jobs/<job_id>/logs?follow=true" -H "Authorization: Bearer ${demoApiKey}"

Or with the command line, sumo-k8 (docs/cli.md), from this folder with pnpm on PATH:
  export SUMO_K8_API_URL=${apiUrl} SUMO_K8_API_KEY=${demoApiKey}
  export SUMO_K8_ADMIN_URL=${adminUrl} SUMO_K8_ADMIN_TOKEN=${adminToken}
  pnpm -s sumo-k8 jobs submit ${DEMO_SCENARIO} --cpu 0.5 --seed 42 --end 600 --wait
  pnpm -s sumo-k8 dashboard
  pnpm -s sumo-k8 admin nodes

Upload a scenario of your own (a .tar.gz or .zip with a .sumocfg and the files it names):
${uploadExample}

As an admin:
  curl -s ${adminUrl}/admin/nodes -H "Authorization: Bearer ${adminToken}"
  curl -s ${adminUrl}/admin/metrics -H "Authorization: Bearer ${adminToken}"
  curl -s -X POST ${adminUrl}/admin/tenants -H "Authorization: Bearer ${adminToken}" \\
    -H "Content-Type: application/json" -d '{"name": "another-tenant", "cpu_limit": 8}'

Ctrl-C stops everything.`);

for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stop(0));

async function stop(exitCode: number) {
  if (stopping) return;
  stopping = true;
  say("stopping...");
  await platform.stopAll();
  await cluster?.stop();
  await postgres?.stop();
  process.exit(exitCode);
}

/** A value from the credentials file of the last run, if there is one. */
async function savedCredential(name: string): Promise<string | undefined> {
  return readFile(CREDENTIALS_FILE, "utf8")
    .then((text) => JSON.parse(text)[name] as string | undefined)
    .catch(() => undefined);
}

/** Uploads the demo scenario through the api unless the demo tenant has it already. */
async function ensureDemoScenario(api: string, apiKey: string): Promise<void> {
  const headers = { authorization: `Bearer ${apiKey}` };
  const existing = await fetch(`${api}/v1/scenarios/${DEMO_SCENARIO}`, { headers });
  if (existing.status === 200) return;
  await uploadScenario(api, apiKey, DEMO_SCENARIO, await gridBundle({ gridNumber: 4, end: 600 }));
}

/** The demo tenant, with its key from the last run if that is still live, else a new one. */
async function ensureDemoTenant(url: string): Promise<{ tenantId: string; apiKey: string }> {
  const database = createDatabaseClient(url, { maxConnections: 1 });
  try {
    const saved = await savedCredential("demo_api_key");
    const owner = saved && (await findTenantByApiKeyHash(database.db, hashApiKey(saved)));
    if (saved && owner) return { tenantId: owner.tenantId, apiKey: saved };
    const existing = await findTenantByName(database.db, DEMO_TENANT);
    if (existing) {
      return {
        tenantId: existing.id,
        apiKey: (await issueApiKey(database.db, existing.id)).apiKey,
      };
    }
    const created = await createTenantWithApiKey(database.db, { name: DEMO_TENANT });
    return { tenantId: created.tenant.id, apiKey: created.apiKey };
  } finally {
    await database.close();
  }
}

/**
 * Where the local cluster has its real node, the demo tenant's jobs run there, really
 * simulating: its namespace gets the test bed's placement label (test/cluster/
 * real-node-placement.yaml). Answers whether they do.
 */
async function placeDemoTenantOnRealNode(): Promise<boolean> {
  const node = await realNode();
  if (!node.expected) return false;
  const core = loadKubeConfig({ kubeconfigPath: kubeconfig }).makeApiClient(CoreV1Api);
  const name = tenantNamespaceName(demoTenantId);
  try {
    await core.createNamespace({ body: { metadata: { name, labels: REAL_NODE_PLACEMENT_LABEL } } });
  } catch (error) {
    if (apiStatusCode(error) !== 409) throw error;
    await core.patchNamespace(
      { name, body: { metadata: { labels: REAL_NODE_PLACEMENT_LABEL } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  }
  return true;
}
