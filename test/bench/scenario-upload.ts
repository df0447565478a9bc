// Benchmark: uploading a scenario bundle at the size limit.
//   pnpm bench:upload [--uploads 100] [--concurrency 1,4]
// A real SUMO scenario (a netgenerate grid with randomTrips.py's trips) padded with
// incompressible bytes to just under the default 960 KiB limit, uploaded through the real api
// (multipart, validated by readBundle, stored by content), each time under a new name and with
// new bytes (so each is stored, not found). Baseline, side by side in the same run: the same
// multipart request to a bare node:http server that reads the body and answers 201.
// Prints p50/p99 of each and their ratio, per concurrency.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createDatabaseClient } from "@sumo/db/client";
import { DATA_DIR } from "@sumo/db/embedded";
import { createTenantWithApiKey } from "@sumo/db/queries";
import { DEFAULT_BUNDLE_LIMITS } from "@sumo/scenario";
import { makeGridScenario, makeTarGz } from "@sumo/scenario/testing";
import { PlatformProcesses } from "../platform.ts";
import { startBenchDatabase } from "./bench-database.ts";
import { summary } from "./stats.ts";

const { values } = parseArgs({
  options: {
    uploads: { type: "string", default: "100" },
    concurrency: { type: "string", default: "1,4" },
  },
});
const UPLOADS = Number(values.uploads);
const CONCURRENCIES = values.concurrency.split(",").map(Number);
const say = (line: string) => process.stdout.write(`${line}\n`);

const database = await startBenchDatabase();
const platform = new PlatformProcesses({
  databaseUrl: database.url,
  logDir: path.join(DATA_DIR, "bench-logs"),
  env: { api: { LOG_LEVEL: "warn", KUBECONFIG: "/nonexistent" } },
});
await platform.start("api");
const db = createDatabaseClient(database.url, { maxConnections: 2 });
const { apiKey } = await createTenantWithApiKey(db.db, { name: "bench-upload" });

const baseline = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    response.writeHead(201, { "content-type": "application/json" });
    response.end(JSON.stringify({ bytes: Buffer.concat(chunks).byteLength }));
  });
});
await new Promise<void>((resolve) => baseline.listen(0, "127.0.0.1", resolve));
const address = baseline.address();
const baselineUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

// The scenario, and the room left under the limit filled with bytes gzip cannot shrink.
const dir = await mkdtemp(path.join(tmpdir(), "bench-upload-"));
const scenario = await makeGridScenario(dir, { gridNumber: 10, end: 1800, seed: 5 });
const files: Record<string, Uint8Array> = {};
for (const file of scenario.files) files[`city/${file}`] = await readFile(path.join(dir, file));
const scenarioOnly = await makeTarGz(files);
const padding = DEFAULT_BUNDLE_LIMITS.maxBundleBytes - scenarioOnly.byteLength - 8 * 1024;
const bundleAt = async () =>
  makeTarGz({ ...files, "city/padding.bin": randomBytes(Math.max(0, padding)) });
const sample = await bundleAt();
say(
  `bundle: ${sample.byteLength} bytes (limit ${DEFAULT_BUNDLE_LIMITS.maxBundleBytes}); the scenario alone ${scenarioOnly.byteLength} bytes`,
);

async function upload(url: string, bundle: Uint8Array, name: string): Promise<number> {
  const form = new FormData();
  form.set("name", name);
  form.set("bundle", new Blob([bundle]), `${name}.tar.gz`);
  const started = performance.now();
  const response = await fetch(`${url}/v1/scenarios`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}` },
    body: form,
  });
  await response.arrayBuffer();
  const ms = performance.now() - started;
  if (response.status !== 201) throw new Error(`upload answered ${response.status}`);
  return ms;
}

async function phase(concurrency: number) {
  const bundles = await Promise.all(Array.from({ length: UPLOADS }, bundleAt));
  const api: number[] = [];
  const bare: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < UPLOADS; i = next++) {
        const bundle = bundles[i] ?? sample;
        // Interleaved: each upload to the api, then the same bytes to the baseline.
        api.push(await upload(platform.apiUrl, bundle, `c${concurrency}-${i}`));
        bare.push(await upload(baselineUrl, bundle, `c${concurrency}-${i}`));
      }
    }),
  );
  return { api: summary(api), bare: summary(bare) };
}

say("");
for (const concurrency of CONCURRENCIES) {
  const { api, bare } = await phase(concurrency);
  say(
    `concurrency ${concurrency}: api p50 ${api.p50.toFixed(1)} ms p99 ${api.p99.toFixed(1)} ms | bare server p50 ${bare.p50.toFixed(1)} ms p99 ${bare.p99.toFixed(1)} ms | ratio p50 x${(api.p50 / bare.p50).toFixed(1)} p99 x${(api.p99 / bare.p99).toFixed(1)}`,
  );
}

baseline.close();
await platform.stopAll();
await db.close();
await database.close();
await rm(dir, { recursive: true, force: true });
process.exit(0);
