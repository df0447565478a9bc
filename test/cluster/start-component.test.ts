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
 * Starts the stand-in with start_component, after `execDelay` seconds of a shell that has not
 * exec'd it yet (as a loaded machine delays the exec), and waits for it with wait_ready until
 * it runs the stand-in binary; `lifetime` is how long the stand-in runs.
 */
async function startAndWait(execDelay: number, lifetime: number) {
  const script = `
    set -euo pipefail
    source "${REPO_ROOT}/test/cluster/lib.sh"
    CLUSTER_DATA_DIR="${dir}/data"
    CLUSTER_BIN_DIR="${dir}/bin"
    READY_TIMEOUT=10
    export STAND_IN_DATA="${dir}/data/"
    start_component stand-in bash -c 'sleep ${execDelay}; exec "${dir}/bin/stand-in" ${lifetime}'
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
    const outcome = await startAndWait(1.5, 5);
    expect(outcome.stderr).toContain("stand-in ready (its binary running");
    expect(outcome.ok).toBe(true);
  });

  it("still says at once when a component exits before it is ready", async () => {
    const outcome = await startAndWait(0, 0);
    expect(outcome.ok).toBe(false);
    expect(outcome.stderr).toContain("stand-in exited before it was ready");
  });
});
