// How up.sh starts a component and waits for it (lib.sh: start_component, wait_ready), on a
// stand-in component in a folder of its own: no cluster is touched.
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../platform.ts";

const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "start-component-"));
  for (const sub of ["bin", "data/run", "data/logs"]) {
    await mkdir(path.join(dir, sub), { recursive: true });
  }
  // The stand-in: a real binary in the bin folder, as the components are.
  await copyFile("/bin/sleep", path.join(dir, "bin", "stand-in"));
});
afterAll(async () => {
  // The stand-ins end by themselves within seconds.
  await rm(dir, { recursive: true, force: true });
});

/**
 * Starts `command` (a shell command line) as the stand-in component with start_component, and
 * waits for it with wait_ready until it runs the stand-in binary.
 */
async function startAndWait(command: string) {
  const script = `
    set -euo pipefail
    source "${REPO_ROOT}/test/cluster/lib.sh"
    CLUSTER_DATA_DIR="${dir}/data"
    CLUSTER_BIN_DIR="${dir}/bin"
    READY_TIMEOUT=10
    export STAND_IN_DATA="${dir}/data/"
    start_component stand-in bash -c '${command}'
    wait_ready stand-in "its binary running" \\
      bash -c '[[ "$(readlink /proc/$(cat "${dir}/data/run/stand-in.pid")/exe)" == "${dir}/bin/stand-in" ]]'
  `;
  return run("bash", ["-c", script]).then(
    ({ stderr }) => ({ ok: true, stderr }),
    (error: { stderr: string }) => ({ ok: false, stderr: error.stderr }),
  );
}

describe("start_component and wait_ready", () => {
  it("waits for a component whose exec is slow instead of taking it for exited", async () => {
    // A shell that takes 1.5 s to exec the binary, as a loaded machine delays the exec.
    const outcome = await startAndWait(`sleep 1.5; exec "${dir}/bin/stand-in" 5`);
    expect(outcome.stderr).toContain("stand-in ready (its binary running");
    expect(outcome.ok).toBe(true);
  });

  it("still says at once when a component exits before it is ready", async () => {
    // It fails before it ever runs the binary: never ready.
    const outcome = await startAndWait("exit 3");
    expect(outcome.ok).toBe(false);
    expect(outcome.stderr).toContain("stand-in exited before it was ready");
  });
});
