// The project's local Kubernetes cluster (test/cluster/), driven from TypeScript.
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { open, readFile, readlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { V1Pod } from "@kubernetes/client-node";
import { DATA_DIR } from "@sumo/db/embedded";
import { LOCAL_CLUSTER_KUBECONFIG } from "@sumo/kubernetes";
import { DEFAULT_SIMULATION_IMAGE } from "@sumo/scenario";
import { REPO_ROOT } from "./platform.ts";
import { pollUntil } from "./poll-until.ts";

export interface LocalCluster {
  kubeconfig: string;
  /** Whether this call brought it up (false: it was up already). */
  startedHere: boolean;
  /** Takes the cluster down if this call brought it up. */
  stop(): Promise<void>;
}

function runScript(script: string, options: { quiet: boolean; env?: NodeJS.ProcessEnv }) {
  return new Promise<number>((resolve, reject) => {
    const child = spawn("bash", [path.join(REPO_ROOT, "test/cluster", script)], {
      stdio: options.quiet ? "ignore" : ["ignore", "inherit", "inherit"],
      env: { ...process.env, ...options.env },
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve(code ?? 1));
  });
}

/**
 * Brings the local cluster up (building it the first time; progress goes to the terminal)
 * unless it is up already. `env` passes settings such as CLUSTER_CONSOLIDATE_AFTER to up.sh.
 */
export async function ensureLocalCluster(env: NodeJS.ProcessEnv = {}): Promise<LocalCluster> {
  const wasUp = (await runScript("status.sh", { quiet: true })) === 0;
  const code = await runScript("up.sh", { quiet: false, env });
  if (code !== 0) throw new Error(`test/cluster/up.sh failed (exit ${code})`);
  return {
    kubeconfig: LOCAL_CLUSTER_KUBECONFIG,
    startedHere: !wasUp,
    async stop() {
      if (!wasUp) await runScript("down.sh", { quiet: false });
    },
  };
}

/** The local cluster's processes, as up.sh names them (pid files in .data/cluster/run/). */
export type LocalClusterComponent =
  | "etcd"
  | "kube-apiserver"
  | "kube-controller-manager"
  | "kube-scheduler"
  | "kwok"
  | "karpenter";

export interface StoppedComponent {
  /** Starts the component again as up.sh started it; resolves once the process runs. */
  start(): Promise<void>;
}

/**
 * Kills one component of the running local cluster (SIGKILL: a crash, connections cut with no
 * goodbye) and returns how to start it again. up.sh cannot restart a single component (it
 * treats a partly running cluster as broken and starts a fresh, empty one), so the component's
 * command line, environment and working directory are read from /proc before it dies, and it
 * is started again with them: same flags, certificates and etcd data, its output appended to
 * its log and its new pid in its pid file, so status.sh and down.sh keep working.
 */
export async function stopLocalClusterComponent(
  name: LocalClusterComponent,
): Promise<StoppedComponent> {
  const runDir = path.join(DATA_DIR, "cluster", "run");
  const pidFile = path.join(runDir, `${name}.pid`);
  const pid = Number((await readFile(pidFile, "utf8")).trim());
  const [cmdline, environ, cwd] = await Promise.all([
    readFile(`/proc/${pid}/cmdline`, "utf8"),
    readFile(`/proc/${pid}/environ`, "utf8"),
    readlink(`/proc/${pid}/cwd`),
  ]);
  const [command, ...args] = cmdline.split("\0").filter((part) => part !== "");
  if (!command) throw new Error(`${name} (pid ${pid}) has no command line`);
  const env = Object.fromEntries(
    environ
      .split("\0")
      .filter((entry) => entry.includes("="))
      .map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
  );

  process.kill(pid, "SIGKILL");
  await pollUntil(
    `${name} (pid ${pid}) to be gone`,
    async () =>
      existsSync(`/proc/${pid}/cmdline`) &&
      (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")) === cmdline
        ? { done: false, seen: "still running" }
        : { done: true, value: undefined },
    { timeoutMs: 10_000, intervalMs: 50 },
  );

  return {
    async start() {
      const log = await open(path.join(DATA_DIR, "cluster", "logs", `${name}.log`), "a");
      try {
        // Its own session, like up.sh's setsid: it outlives this process.
        const child = spawn(command, args, {
          cwd,
          env,
          detached: true,
          stdio: ["ignore", log.fd, log.fd],
        });
        await new Promise<void>((resolve, reject) => {
          child.once("spawn", resolve);
          child.once("error", reject);
        });
        child.unref();
        await writeFile(pidFile, `${child.pid}\n`);
      } finally {
        await log.close();
      }
    },
  };
}

/** The local cluster's settings that the tests need, as test/cluster/lib.sh defines them. */
export interface RealNodeSettings {
  /** The real node's name (REAL_NODE_NAME). */
  name: string;
  /** The label it carries and the key of its NoSchedule taint (REAL_NODE_LABEL). */
  label: string;
  /** Its state: the kubelet's and containerd's folders (NODE_DATA_DIR). */
  dataDir: string;
  /** kubectl, ctr and the rest (CLUSTER_BIN_DIR, NODE_BIN_DIR). */
  clusterBinDir: string;
  nodeBinDir: string;
  /** Whether this run must have it: the local cluster (KUBECONFIG unset), CLUSTER_REAL_NODE
   * not "off", and a machine that can run it (real-node.sh check). Elsewhere its tests skip. */
  expected: boolean;
}

/** The namespace label that makes the test bed's placement policy send a namespace's pods to
 * the real node (test/cluster/real-node-placement.yaml). */
export const REAL_NODE_PLACEMENT_LABEL = { "sumo-k8.dev/placement": "real-node" } as const;

const execFileAsync = promisify(execFile);
let realNodeSettings: Promise<RealNodeSettings> | undefined;

/** What the tests need to know of the local cluster's real node (test/cluster/real-node.sh). */
export function realNode(): Promise<RealNodeSettings> {
  realNodeSettings ??= (async () => {
    const lib = path.join(REPO_ROOT, "test/cluster/lib.sh");
    const { stdout } = await execFileAsync("bash", [
      "-c",
      `source "${lib}" && printf '%s\\n' "$REAL_NODE_NAME" "$REAL_NODE_LABEL" "$NODE_DATA_DIR" "$CLUSTER_BIN_DIR" "$NODE_BIN_DIR"`,
    ]);
    const [name = "", label = "", dataDir = "", clusterBinDir = "", nodeBinDir = ""] = stdout
      .trim()
      .split("\n");
    const check = await execFileAsync("bash", [
      path.join(REPO_ROOT, "test/cluster/real-node.sh"),
      "check",
    ]).then(
      () => true,
      () => false,
    );
    const expected = !process.env.KUBECONFIG && process.env.CLUSTER_REAL_NODE !== "off" && check;
    return { name, label, dataDir, clusterBinDir, nodeBinDir, expected };
  })();
  return realNodeSettings;
}

/**
 * A pod of the simulation image as the platform runs its own (restricted, requests = limits,
 * no token), running `command`: for tests and benchmarks that use the real node directly.
 */
export function simulationImagePod(
  name: string,
  command: string[],
  labels: Record<string, string> = {},
): V1Pod {
  return {
    metadata: { name, labels },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 0,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        seccompProfile: { type: "RuntimeDefault" },
      },
      containers: [
        {
          name: "main",
          image: DEFAULT_SIMULATION_IMAGE,
          imagePullPolicy: "Never",
          command,
          resources: {
            requests: { cpu: "100m", memory: "128Mi" },
            limits: { cpu: "100m", memory: "128Mi" },
          },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
          },
        },
      ],
    },
  };
}
