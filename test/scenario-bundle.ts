// The scenarios the end-to-end tests and the demo tenant upload: a real SUMO grid made at test
// time with the pinned SUMO (installed into the cache on first use), packed as a tenant would.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { RunOutcome } from "@sumo/scenario";
import { installSumo, makeGridScenario, makeTarGz } from "@sumo/scenario/testing";

const bundles = new Map<string, Promise<Uint8Array>>();

/**
 * A .tar.gz of a grid (3x3 unless asked) with random trips until `end` (300 s unless asked);
 * each size made once per process.
 */
export function gridBundle(grid: { gridNumber?: number; end?: number } = {}): Promise<Uint8Array> {
  const { gridNumber = 3, end = 300 } = grid;
  const key = `${gridNumber}x${end}`;
  let bundle = bundles.get(key);
  if (bundle) return bundle;
  bundle = (async () => {
    await installSumo();
    const dir = await mkdtemp(path.join(tmpdir(), "sumo-grid-scenario-"));
    try {
      const scenario = await makeGridScenario(dir, { gridNumber, end, seed: 11 });
      const files: Record<string, Uint8Array> = {};
      for (const file of scenario.files) files[file] = await readFile(path.join(dir, file));
      return makeTarGz(files);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  bundles.set(key, bundle);
  return bundle;
}

/** How a job run by the local cluster's simulated pods ends (test/cluster/kwok-stages.yaml). */
export type SimulatedOutcome =
  | "succeeded"
  | Exclude<RunOutcome, "succeeded">
  | "no_report"
  | number;

/**
 * The scenario name that makes the local cluster's simulated runner end a job as asked: any
 * name for a run that succeeds, `sim-outcome-<outcome>` or `sim-exit-<code>` otherwise. Real
 * runners ignore names; the test bed alone gives them this meaning.
 */
export function scenarioNameFor(outcome: SimulatedOutcome): string {
  if (outcome === "succeeded") return "e2e";
  return typeof outcome === "number" ? `sim-exit-${outcome}` : `sim-outcome-${outcome}`;
}

/** Uploads a bundle through the api as a tenant would (multipart/form-data); the 201's body. */
export async function uploadScenario(
  apiUrl: string,
  apiKey: string,
  name: string,
  bundle: Uint8Array,
): Promise<{ scenario_id: string; sha256: string; config: string }> {
  const form = new FormData();
  form.set("name", name);
  form.set("bundle", new Blob([bundle]), `${name}.tar.gz`);
  const response = await fetch(`${apiUrl}/v1/scenarios`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}` },
    body: form,
  });
  const body = (await response.json()) as { scenario_id: string; sha256: string; config: string };
  if (response.status !== 201) {
    throw new Error(
      `uploading scenario ${name} answered ${response.status}: ${JSON.stringify(body)}`,
    );
  }
  return body;
}
