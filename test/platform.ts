// The platform's services as real processes, for the dev launcher, the end-to-end tests and the
// benchmarks: start, kill (any signal), restart, stop. They run as their images run them: the
// bundle (node services/<name>/dist/index.js), built from the sources once per process.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { buildServiceBundles, SERVICE_NODE_FLAGS, serviceBundlePath } from "@sumo/service-bundle";
import { pollUntil } from "./poll-until.ts";

export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

export const SERVICES = ["api", "admin", "scheduler", "reconciler"] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The log line (pino `msg`, at level info) each service writes once it is ready for work. */
const READY_MESSAGE: Record<ServiceName, string> = {
  api: "api listening",
  admin: "admin listening",
  scheduler: "scheduler started",
  reconciler: "reconciler started; waiting for the leader lock",
};

export interface PlatformOptions {
  databaseUrl: string;
  /** Kubeconfig for the services; unset: they use the local cluster's. */
  kubeconfig?: string | undefined;
  /** Where each service's JSON log goes, as <service>.log (appended). */
  logDir: string;
  /** The api's and the admin's ports; unset: free ones. */
  apiPort?: number;
  adminPort?: number;
  /** The admin token; unset: a random one (see `adminToken`). */
  adminToken?: string;
  /** Extra environment per service. */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Processes per service (default 1); the api and admin run one, as they own a port. */
  replicas?: Partial<Record<Exclude<ServiceName, "api" | "admin">, number>>;
  /**
   * Run the TypeScript sources (node services/<name>/src/index.ts) rather than the bundles:
   * for comparing the two (bench:footprint).
   */
  fromSource?: boolean;
  /** Called when a service exits without being asked to. */
  onUnexpectedExit?: (name: ServiceName, code: number | null) => void;
}

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
  stopping: boolean;
}

export class PlatformProcesses {
  readonly #options: PlatformOptions;
  /** Running processes by service, one per replica. */
  readonly #running = new Map<ServiceName, Running[]>();
  readonly #logs = new Map<ServiceName, WriteStream>();
  readonly #metricsPorts = new Map<ServiceName, number>();
  readonly #startupMs = new Map<ServiceName, number>();
  #apiPort: number | undefined;
  #adminPort: number | undefined;
  readonly adminToken: string;

  constructor(options: PlatformOptions) {
    this.#options = options;
    this.#apiPort = options.apiPort;
    this.#adminPort = options.adminPort;
    this.adminToken = options.adminToken ?? randomBytes(24).toString("base64url");
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.#apiPort}`;
  }

  get adminUrl(): string {
    return `http://127.0.0.1:${this.#adminPort}`;
  }

  /** Starts the services (all by default) and waits until each says it is ready. */
  async start(...names: ServiceName[]): Promise<void> {
    await mkdir(this.#options.logDir, { recursive: true });
    if (!this.#options.fromSource) await builtBundles();
    this.#apiPort ??= await freePort();
    this.#adminPort ??= await freePort();
    for (const name of names.length > 0 ? names : SERVICES) await this.#startOne(name);
  }

  /** Signals every replica of a service (SIGKILL by default: a crash) and waits until gone. */
  async kill(name: ServiceName, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const replicas = this.#running.get(name) ?? [];
    this.#running.delete(name);
    await Promise.all(
      replicas.map(async (running) => {
        running.stopping = true;
        running.child.kill(signal);
        await running.exited;
      }),
    );
  }

  /** Stops every service gracefully (SIGTERM). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#running.keys()].map((name) => this.kill(name, "SIGTERM")));
    for (const log of this.#logs.values()) log.end();
  }

  /** The process ids of a service's running replicas (for benchmarks reading /proc). */
  pids(name: ServiceName): number[] {
    return (this.#running.get(name) ?? []).flatMap((running) =>
      running.child.pid === undefined ? [] : [running.child.pid],
    );
  }

  /** Where the service's (latest) replica serves its Prometheus metrics. */
  metricsUrl(name: ServiceName): string {
    const port = this.#metricsPorts.get(name);
    if (!port) throw new Error(`${name} has not said where its metrics listen`);
    return `http://127.0.0.1:${port}/metrics`;
  }

  /**
   * How long the service's latest replica took from spawn to ready (its ready log line, or its
   * readiness probe answering first), in milliseconds; for benchmarks.
   */
  startupMs(name: ServiceName): number | undefined {
    return this.#startupMs.get(name);
  }

  isRunning(name: ServiceName): boolean {
    return (this.#running.get(name)?.length ?? 0) > 0;
  }

  async #startOne(name: ServiceName): Promise<void> {
    if (this.#running.has(name)) return;
    const count = name === "api" || name === "admin" ? 1 : (this.#options.replicas?.[name] ?? 1);
    const replicas: Running[] = [];
    this.#running.set(name, replicas);
    await Promise.all(Array.from({ length: count }, () => this.#startReplica(name, replicas)));
  }

  async #startReplica(name: ServiceName, replicas: Running[]): Promise<void> {
    const logPath = path.join(this.#options.logDir, `${name}.log`);
    let log = this.#logs.get(name);
    if (!log) {
      log = createWriteStream(logPath, { flags: "a" });
      this.#logs.set(name, log);
    }
    const env: Record<string, string | undefined> = {
      ...process.env,
      DATABASE_URL: this.#options.databaseUrl,
      KUBECONFIG: this.#options.kubeconfig,
      MIGRATE_ON_START: "false",
      // Several services (and replicas) share one machine: each gets a free metrics port.
      METRICS_PORT: "0",
      ...(name === "api" ? { HOST: "127.0.0.1", PORT: String(this.#apiPort) } : {}),
      ...(name === "admin"
        ? { HOST: "127.0.0.1", PORT: String(this.#adminPort), ADMIN_TOKEN: this.adminToken }
        : {}),
      ...this.#options.env?.[name],
    };
    if (!env.KUBECONFIG) delete env.KUBECONFIG;
    const spawnedAt = performance.now();
    const entry = this.#options.fromSource
      ? path.join(REPO_ROOT, "services", name, "src/index.ts")
      : serviceBundlePath(name);
    const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS[name], entry], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const running: Running = {
      child,
      stopping: false,
      exited: new Promise<void>((resolve) => child.once("exit", () => resolve())),
    };
    replicas.push(running);
    child.once("exit", (code) => {
      if (running.stopping) return;
      replicas.splice(replicas.indexOf(running), 1);
      this.#options.onUnexpectedExit?.(name, code);
    });

    let ready = false;
    let readyAt: number | undefined;
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on("line", (line) => {
      log.write(`${line}\n`);
      if (line.includes('"msg":"metrics listening"')) {
        const port = (JSON.parse(line) as { port?: number }).port;
        if (port) this.#metricsPorts.set(name, port);
      }
      if (!ready && line.includes(`"msg":"${READY_MESSAGE[name]}"`)) {
        ready = true;
        readyAt = performance.now();
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => log.write(chunk));

    await pollUntil(
      `${name} to be ready`,
      async () => {
        if (child.exitCode !== null) {
          throw new Error(`${name} exited with ${child.exitCode}; see ${logPath}`);
        }
        if (ready) return { done: true, value: undefined };
        // The HTTP services also answer their readiness probe (whatever their log level).
        const port =
          name === "api" ? this.#apiPort : name === "admin" ? this.#adminPort : undefined;
        if (port === undefined) return { done: false, seen: "no ready log line yet" };
        const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        return response?.ok
          ? { done: true, value: undefined }
          : { done: false, seen: response?.status ?? "no answer" };
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    this.#startupMs.set(name, (readyAt ?? performance.now()) - spawnedAt);
  }
}

let bundlesBuilt: Promise<unknown> | undefined;
/** Builds every service's bundle from the current sources, once per process. */
function builtBundles(): Promise<unknown> {
  bundlesBuilt ??= buildServiceBundles();
  return bundlesBuilt;
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
