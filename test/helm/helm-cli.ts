// The helm CLI (built from the Go module proxy by build-helm.sh) and the local cluster's
// kubectl, run as child processes for the chart tests.
import { spawn } from "node:child_process";
import path from "node:path";
import { type KubernetesObject, loadAllYaml } from "@kubernetes/client-node";
import { LOCAL_CLUSTER_KUBECONFIG } from "@sumo/kubernetes";
import { REPO_ROOT } from "../platform.ts";

export const CHART_DIR = path.join(REPO_ROOT, "helm/sumo-k8");
/** Every option of the chart turned on, with non-default values. */
export const EVERYTHING_VALUES = path.join(REPO_ROOT, "test/helm/values-everything.yaml");

/** The cluster the tests talk to: KUBECONFIG, else the local cluster's. */
export const KUBECONFIG_PATH = process.env.KUBECONFIG || LOCAL_CLUSTER_KUBECONFIG;

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion. Fails on a non-zero exit, with the command and its stderr in
 * the message.
 */
export function run(
  file: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: { ...process.env, ...options.env },
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else {
        const command = [path.basename(file), ...args].join(" ");
        reject(new Error(`${command} exited with ${code}:\n${stderr.trim() || stdout.trim()}`));
      }
    });
    if (options.input !== undefined && child.stdin) {
      // A command that exits before reading all of it fails on its own; EPIPE adds nothing.
      child.stdin.on("error", () => {});
      child.stdin.end(options.input);
    }
  });
}

let helmPath: Promise<string> | undefined;

/** The helm binary, built on first use (minutes when nothing is cached, instant after). */
export function helmBinary(): Promise<string> {
  helmPath ??= run("bash", [path.join(REPO_ROOT, "test/helm/build-helm.sh")]).then(
    ({ stdout }) => stdout.trim().split("\n").at(-1) ?? "",
  );
  return helmPath;
}

let kubectlPath: Promise<string> | undefined;

/** The kubectl that test/cluster/build.sh built for the local cluster. */
export function kubectlBinary(): Promise<string> {
  kubectlPath ??= run("bash", [
    "-c",
    `source "${path.join(REPO_ROOT, "test/cluster/lib.sh")}" && echo "$CLUSTER_BIN_DIR/kubectl"`,
  ]).then(({ stdout }) => stdout.trim());
  return kubectlPath;
}

// helm keeps its repositories, cache and plugins under these: in the checkout's (git-ignored)
// data folder rather than the user's ~/.config/helm.
const helmHome = path.join(REPO_ROOT, ".data/helm");
const HELM_ENV = {
  HELM_CACHE_HOME: path.join(helmHome, "cache"),
  HELM_CONFIG_HOME: path.join(helmHome, "config"),
  HELM_DATA_HOME: path.join(helmHome, "data"),
};

/** Runs helm against the test cluster. */
export async function helm(args: string[]): Promise<CommandResult> {
  return run(await helmBinary(), [...args, "--kubeconfig", KUBECONFIG_PATH], { env: HELM_ENV });
}

/** Runs kubectl against the test cluster. */
export async function kubectl(args: string[], input?: string): Promise<CommandResult> {
  return run(await kubectlBinary(), ["--kubeconfig", KUBECONFIG_PATH, ...args], {
    ...(input !== undefined && { input }),
  });
}

export interface ChartValues {
  /** Values files, in order (-f). */
  valuesFiles?: string[];
  /** Single values (--set-json key=json), after the files. */
  set?: Record<string, unknown>;
}

export function valuesArgs(values: ChartValues = {}): string[] {
  const args: string[] = [];
  for (const file of values.valuesFiles ?? []) args.push("-f", file);
  for (const [key, value] of Object.entries(values.set ?? {})) {
    args.push("--set-json", `${key}=${JSON.stringify(value)}`);
  }
  return args;
}

/** `helm template`: the objects the chart makes (hooks included), as YAML and as objects. */
export async function renderChart(
  release: string,
  namespace: string,
  values: ChartValues = {},
): Promise<{ yaml: string; objects: KubernetesObject[] }> {
  const { stdout } = await run(
    await helmBinary(),
    ["template", release, CHART_DIR, "--namespace", namespace, ...valuesArgs(values)],
    { env: HELM_ENV },
  );
  const objects = (loadAllYaml(stdout) as (KubernetesObject | null)[]).filter(
    (object): object is KubernetesObject => object !== null,
  );
  return { yaml: stdout, objects };
}
