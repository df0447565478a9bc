// The project's local Kubernetes cluster (test/cluster/), driven from TypeScript.
import { spawn } from "node:child_process";
import path from "node:path";
import { LOCAL_CLUSTER_KUBECONFIG } from "@sumo/kubernetes";
import { REPO_ROOT } from "./platform.ts";

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
