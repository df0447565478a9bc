// Benchmark: what each service costs at rest, and how soon it is ready.
//   pnpm bench:footprint [--rounds 5] [--idle-seconds 5] [--services api,admin,scheduler,reconciler]
//                        [--from bundle,source]
// Each round starts the services one after another as `npm start` does (their bundles, node
// services/<name>/dist/index.js, the consoles built, against the local cluster and the embedded
// PostgreSQL with a migrated database), and times each from spawn to ready (its ready log line,
// or its readiness probe). Once all are up and have sat idle for --idle-seconds, it reads each
// one's resident memory (/proc: VmRSS, anonymous and file-backed, and VmHWM, the peak while
// starting) and its V8 heap (its own /metrics), then stops them. `--from bundle,source` does the
// same with the TypeScript sources (node services/<name>/src/index.ts) in the same rounds.
//
// Baseline, first in every round: a bare `node -e` HTTP server, spawned and read the same way,
// so the figures show what the services add to Node.js itself on this machine. Medians over the
// rounds are printed, with the spread.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { buildConsoles } from "@sumo/console/build";
import { DATA_DIR } from "@sumo/db/embedded";
import { ensureLocalCluster } from "../local-cluster.ts";
import { PlatformProcesses, SERVICES, type ServiceName } from "../platform.ts";
import { startBenchDatabase } from "./bench-database.ts";
import { quantile } from "./stats.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    "idle-seconds": { type: "string", default: "5" },
    services: { type: "string", default: SERVICES.join(",") },
    from: { type: "string", default: "bundle" },
  },
});
const ROUNDS = Number(values.rounds);
const IDLE_MS = Number(values["idle-seconds"]) * 1000;
const names = values.services.split(",").map((name) => {
  if (!(SERVICES as readonly string[]).includes(name)) throw new Error(`no service ${name}`);
  return name as ServiceName;
});
const entries = values.from.split(",").map((entry) => {
  if (entry !== "bundle" && entry !== "source") throw new Error(`--from: bundle or source`);
  return entry;
});
const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MIB = 1024 * 1024;

interface Sample {
  readyMs: number;
  /** Resident memory, bytes: all, anonymous (heap, malloc, stacks), file-backed (the binary). */
  rss: number;
  rssAnon: number;
  rssFile: number;
  /** Peak resident memory so far (VmHWM), bytes. */
  peakRss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

/** VmRSS, RssAnon, RssFile and VmHWM of a live process, in bytes. */
function residentMemory(pid: number): Pick<Sample, "rss" | "rssAnon" | "rssFile" | "peakRss"> {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return {
    rss: kib("VmRSS"),
    rssAnon: kib("RssAnon"),
    rssFile: kib("RssFile") + kib("RssShmem"),
    peakRss: kib("VmHWM"),
  };
}

/** The V8 heap as prom-client's default metrics report it (process.memoryUsage()). */
async function heapFromMetrics(
  url: string,
): Promise<Pick<Sample, "heapUsed" | "heapTotal" | "external">> {
  const text = await (await fetch(url)).text();
  const metric = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  return {
    heapUsed: metric("nodejs_heap_size_used_bytes"),
    heapTotal: metric("nodejs_heap_size_total_bytes"),
    external: metric("nodejs_external_memory_bytes"),
  };
}

// The baseline: Node.js and an HTTP server that says it listens, then answers its memoryUsage().
const BASELINE_SOURCE = `
const server = require("node:http").createServer((_, res) => res.end(JSON.stringify(process.memoryUsage())));
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ msg: "listening", port: server.address().port })));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

async function startBaseline(): Promise<{
  pid: number;
  readyMs: number;
  url: string;
  stop(): Promise<void>;
}> {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, ["-e", BASELINE_SOURCE], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the baseline exited with ${code}`)));
    lines.once("line", (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  const readyMs = performance.now() - spawnedAt;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    pid: child.pid as number,
    readyMs,
    url: `http://127.0.0.1:${port}/`,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

// --- the stack ------------------------------------------------------------------------

const database = await startBenchDatabase();
const cluster = process.env.KUBECONFIG ? undefined : await ensureLocalCluster();
const kubeconfig = process.env.KUBECONFIG ?? cluster?.kubeconfig;
// The api and the admin service read their consoles' files at start, as after `npm start`.
await buildConsoles();

/** A row of the report: the baseline, or a service run from its bundle or its sources. */
type Row = "baseline" | ServiceName | `${ServiceName} (source)`;
const rowOf = (name: ServiceName, entry: "bundle" | "source"): Row =>
  entry === "bundle" ? name : `${name} (source)`;
const samples = new Map<Row, Sample[]>();
const record = (row: Row, sample: Sample) =>
  samples.set(row, [...(samples.get(row) ?? []), sample]);
const rows: Row[] = [
  "baseline",
  ...entries.flatMap((entry) => names.map((name) => rowOf(name, entry))),
];

try {
  for (let round = 1; round <= ROUNDS; round++) {
    const baseline = await startBaseline();
    try {
      for (const entry of entries) await measureServices(entry);
      const memory = (await (await fetch(baseline.url)).json()) as NodeJS.MemoryUsage;
      record("baseline", {
        readyMs: baseline.readyMs,
        ...residentMemory(baseline.pid),
        heapUsed: memory.heapUsed,
        heapTotal: memory.heapTotal,
        external: memory.external,
      });
    } finally {
      await baseline.stop();
    }
    const readies = rows
      .map((row) => `${row} ${Math.round(samples.get(row)?.at(-1)?.readyMs ?? Number.NaN)} ms`)
      .join(", ");
    say(`round ${round}/${ROUNDS}: ready after ${readies}`);
  }
} finally {
  await cluster?.stop();
  await database.close();
}

/** Starts the services one after another, lets them idle, reads them, stops them. */
async function measureServices(entry: "bundle" | "source"): Promise<void> {
  const platform = new PlatformProcesses({
    databaseUrl: database.url,
    kubeconfig,
    logDir: path.join(DATA_DIR, "bench-logs"),
    fromSource: entry === "source",
  });
  try {
    for (const name of names) await platform.start(name);
    await sleep(IDLE_MS);
    for (const name of names) {
      const [pid] = platform.pids(name);
      if (pid === undefined) throw new Error(`${name} is not running`);
      record(rowOf(name, entry), {
        readyMs: platform.startupMs(name) ?? Number.NaN,
        ...residentMemory(pid),
        ...(await heapFromMetrics(platform.metricsUrl(name))),
      });
    }
  } finally {
    await platform.stopAll();
  }
}

// --- report ---------------------------------------------------------------------------

const median = (list: Sample[], field: keyof Sample) =>
  quantile(
    list.map((s) => s[field]),
    0.5,
  );
const range = (list: Sample[], field: keyof Sample, scale: number) => {
  const all = list.map((s) => s[field] / scale);
  return `${Math.min(...all).toFixed(0)}-${Math.max(...all).toFixed(0)}`;
};
const baselineSamples = samples.get("baseline") ?? [];
const baselineReady = median(baselineSamples, "readyMs");

say("");
say(`medians of ${ROUNDS} rounds, idle ${IDLE_MS / 1000} s after all were ready (MiB; ms)`);
say(
  [
    "process".padEnd(19),
    "RSS".padStart(6),
    "(range)".padStart(9),
    "anon".padStart(6),
    "file".padStart(6),
    "peak".padStart(6),
    "heap used".padStart(10),
    "heap total".padStart(11),
    "external".padStart(9),
    "ready".padStart(7),
    "(range)".padStart(11),
    "vs bare".padStart(8),
  ].join(" "),
);
for (const row of rows) {
  const list = samples.get(row) ?? [];
  const mib = (field: keyof Sample) => (median(list, field) / MIB).toFixed(1).padStart(6);
  const ready = median(list, "readyMs");
  say(
    [
      (row === "baseline" ? "bare node" : row).padEnd(19),
      mib("rss"),
      range(list, "rss", MIB).padStart(9),
      mib("rssAnon"),
      mib("rssFile"),
      mib("peakRss"),
      mib("heapUsed").padStart(10),
      mib("heapTotal").padStart(11),
      mib("external").padStart(9),
      ready.toFixed(0).padStart(7),
      range(list, "readyMs", 1).padStart(11),
      `${(ready / baselineReady).toFixed(1)}x`.padStart(8),
    ].join(" "),
  );
}
process.exit(0);
