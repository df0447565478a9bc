// What every end-to-end test file needs: its own database, the real services as processes
// against it and the local cluster, tenants, an HTTP client for the api, and Kubernetes.
import path from "node:path";
import { BatchV1Api, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { createDatabaseClient, type DatabaseClient } from "@sumo/db/client";
import { DATA_DIR } from "@sumo/db/embedded";
import type { JobStatus } from "@sumo/db/job-status";
import { createTenantWithApiKey } from "@sumo/db/queries";
import type { Tenant } from "@sumo/db/schema";
import { asServiceRole, createTestDatabase, makeTenant, type TestDatabase } from "@sumo/db/testing";
import { LOCAL_CLUSTER_KUBECONFIG, loadKubeConfig } from "@sumo/kubernetes";
import { inject } from "vitest";
import { type PlatformOptions, PlatformProcesses, SERVICES } from "../platform.ts";
import { pollUntil } from "../poll-until.ts";
import {
  gridBundle,
  type SimulatedOutcome,
  scenarioNameFor,
  uploadScenario,
} from "../scenario-bundle.ts";

export interface E2eContext {
  platform: PlatformProcesses;
  database: DatabaseClient;
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  batch: BatchV1Api;
  createTenant(tenant?: Partial<Tenant>): Promise<TenantClient>;
  /** A client of the api for a tenant made elsewhere (by the admin API, say) with its key. */
  tenantClient(tenantId: string, apiKey: string): TenantClient;
  close(): Promise<void>;
}

export interface ApiJob {
  job_id: string;
  scenario_id: string;
  scenario_name: string | null;
  scenario_sha256: string | null;
  status: JobStatus;
  exit_code: number | null;
  failure_reason: string | null;
  started_at: string | null;
  finished_at: string | null;
  scheduled_at: string | null;
  progress: {
    time: number;
    end: number | null;
    fraction: number | null;
    vehicles: { inserted: number; running: number; waiting: number };
    read_at: string;
  } | null;
  result: Record<string, any> | null;
  kubernetes: { namespace: string | null; job_name: string | null; pod_name: string | null };
}

/** What a test submits; `scenario_id` defaults to the tenant's "e2e" scenario. */
export interface JobRequest {
  scenario_id?: string;
  cpu_request?: number;
  memory_gi?: number;
  scenario?: object;
}

export interface TenantClient {
  tenantId: string;
  apiKey: string;
  /** Calls the api as this tenant; JSON in, parsed JSON (or text) out. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Uploads the grid scenario under this name, once per tenant; answers the scenario. */
  uploadScenario(name: string): Promise<{ scenario_id: string; sha256: string }>;
  /** Submits a job, uploading the scenario it names first if this tenant has not yet. */
  submit(job: JobRequest): Promise<ApiJob>;
  job(jobId: string): Promise<ApiJob>;
  /** Polls the job until `done` holds; fails with the last job seen. */
  waitForJob(
    jobId: string,
    what: string,
    done: (job: ApiJob) => boolean,
    timeoutMs?: number,
  ): Promise<ApiJob>;
}

export interface E2eOptions extends Pick<PlatformOptions, "env" | "replicas" | "onUnexpectedExit"> {
  /** A migrated database for the platform (dropped on close); unset: a copy of the run's template. */
  database?: TestDatabase;
}

export async function startE2eContext(options: E2eOptions = {}): Promise<E2eContext> {
  const { database: givenDatabase, ...platformOptions } = options;
  const testDatabase: TestDatabase =
    givenDatabase ?? (await createTestDatabase(inject("templateDatabaseUrl")));
  const kubeconfigPath = process.env.KUBECONFIG || LOCAL_CLUSTER_KUBECONFIG;
  // Each service acts with its own ServiceAccount from the Helm chart (RBAC enforced); the
  // test itself keeps the cluster admin's kubeconfig to look behind the scenes.
  const identities = inject("serviceKubeconfigs");
  const env: NonNullable<PlatformOptions["env"]> = {};
  for (const name of SERVICES) {
    env[name] = {
      KUBECONFIG: identities[name],
      ...(name === "scheduler" && inject("chartSchedulerEnv")),
      ...options.env?.[name],
    };
  }
  const platform = new PlatformProcesses({
    // As the Helm chart runs them: a role that can read and write rows but not change the schema.
    databaseUrl: asServiceRole(testDatabase.url),
    kubeconfig: kubeconfigPath,
    logDir: path.join(DATA_DIR, "e2e-logs", path.basename(new URL(testDatabase.url).pathname)),
    ...platformOptions,
    env,
  });
  await platform.start();
  const database = createDatabaseClient(testDatabase.url, { maxConnections: 2 });
  const kubeConfig = loadKubeConfig({ kubeconfigPath });

  return {
    platform,
    database,
    kubeConfig,
    core: kubeConfig.makeApiClient(CoreV1Api),
    batch: kubeConfig.makeApiClient(BatchV1Api),
    async createTenant(tenant = {}) {
      const created = await createTenantWithApiKey(database.db, makeTenant(tenant));
      return tenantClient(platform, created.tenant.id, created.apiKey);
    },
    tenantClient(tenantId, apiKey) {
      return tenantClient(platform, tenantId, apiKey);
    },
    async close() {
      await platform.stopAll();
      await database.close();
      await testDatabase.drop();
    },
  };
}

function tenantClient(platform: PlatformProcesses, tenantId: string, apiKey: string): TenantClient {
  const uploaded = new Map<string, Promise<{ scenario_id: string; sha256: string }>>();
  const client: TenantClient = {
    tenantId,
    apiKey,
    async call(method, path, body) {
      const response = await fetch(`${platform.apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body !== undefined && { "content-type": "application/json" }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      const isJson = response.headers.get("content-type")?.includes("json");
      return { status: response.status, body: isJson ? JSON.parse(text) : text };
    },
    uploadScenario(name) {
      let scenario = uploaded.get(name);
      if (!scenario) {
        scenario = gridBundle().then((bundle) =>
          uploadScenario(platform.apiUrl, apiKey, name, bundle),
        );
        uploaded.set(name, scenario);
      }
      return scenario;
    },
    async submit(job) {
      const scenarioId = job.scenario_id ?? "e2e";
      await client.uploadScenario(scenarioId);
      const response = await client.call("POST", "/v1/jobs", {
        cpu_request: 0.5,
        memory_gi: 0.5,
        ...job,
        scenario_id: scenarioId,
      });
      if (response.status !== 202) {
        throw new Error(`submit answered ${response.status}: ${JSON.stringify(response.body)}`);
      }
      return response.body as ApiJob;
    },
    async job(jobId) {
      const response = await client.call("GET", `/v1/jobs/${jobId}`);
      if (response.status !== 200) throw new Error(`GET job answered ${response.status}`);
      return response.body as ApiJob;
    },
    waitForJob(jobId, what, done, timeoutMs = 90_000) {
      return pollUntil(
        `job ${jobId} ${what}`,
        async () => {
          const job = await client.job(jobId);
          return done(job) ? { done: true, value: job } : { done: false, seen: job };
        },
        { timeoutMs, intervalMs: 200 },
      );
    },
  };
  return client;
}

/**
 * A run on the local cluster's simulated pods: `runSeconds` long (its end time at 100 simulated
 * seconds per second), ending as `outcome` asks (test/cluster/kwok-stages.yaml).
 */
export function simulatedRun(
  runSeconds: number,
  outcome: SimulatedOutcome = "succeeded",
): Required<Pick<JobRequest, "scenario_id" | "scenario">> {
  return { scenario_id: scenarioNameFor(outcome), scenario: { end: runSeconds * 100 } };
}
