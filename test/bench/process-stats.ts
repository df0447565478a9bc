// CPU time and peak memory of local processes, read from /proc (Linux), for benchmarks that
// want to say which process did the work.
import { readdirSync, readFileSync } from "node:fs";
import { request } from "node:https";
import path from "node:path";
import { DATA_DIR } from "@sumo/db/embedded";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on every Linux we run on). */
const CLOCK_TICKS = 100;

interface StatFields {
  ppid: number;
  /** utime + stime of the process itself, in ticks. */
  own: number;
  /** cutime + cstime: children that exited and were waited for, in ticks. */
  reaped: number;
}

function readStat(pid: number): StatFields | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: split after its last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const at = (field: number) => Number(fields[field - 3]);
  return { ppid: at(4), own: at(14) + at(15), reaped: at(16) + at(17) };
}

/** The process and all its live descendants. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    const child = Number(entry);
    if (!Number.isInteger(child)) continue;
    const stat = readStat(child);
    if (stat) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), child]);
  }
  const tree: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return tree;
}

/**
 * CPU seconds (user + system) the process and its descendants have used so far: live ones by
 * their own counters, exited ones through their parents' cutime/cstime. Differences of two
 * readings give the CPU used in between (a PostgreSQL backend that exits in between moves from
 * the first sum to the second's cutime).
 */
export function treeCpuSeconds(pid: number): number {
  let ticks = 0;
  for (const member of processTree(pid)) {
    const stat = readStat(member);
    if (stat) ticks += stat.own + stat.reaped;
  }
  return ticks / CLOCK_TICKS;
}

/** Peak resident set (VmHWM) of the process plus that of its live descendants, in bytes. */
export function treePeakRssBytes(pid: number): number {
  let kib = 0;
  for (const member of processTree(pid)) {
    try {
      const status = readFileSync(`/proc/${member}/status`, "utf8");
      kib += Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
    } catch {
      // Gone since the tree was read.
    }
  }
  return kib * 1024;
}

/** The local cluster's components by name (etcd, kube-apiserver, ...), from its pid files. */
export function localClusterPids(): Map<string, number> {
  const runDir = path.join(DATA_DIR, "cluster", "run");
  const pids = new Map<string, number>();
  let files: string[] = [];
  try {
    files = readdirSync(runDir);
  } catch {
    return pids;
  }
  for (const file of files.filter((name) => name.endsWith(".pid")).sort()) {
    const pid = Number(readFileSync(path.join(runDir, file), "utf8").trim());
    if (Number.isInteger(pid) && readStat(pid)) pids.set(file.slice(0, -".pid".length), pid);
  }
  return pids;
}

/** The embedded PostgreSQL server's postmaster, if it runs from this checkout's data folder. */
export function embeddedPostgresPid(): number | undefined {
  try {
    const first = readFileSync(path.join(DATA_DIR, "postgres", "postmaster.pid"), "utf8");
    const pid = Number(first.split("\n")[0]);
    return Number.isInteger(pid) && readStat(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export interface ClientThrottle {
  /** Requests the component's Kubernetes clients made. */
  requests: number;
  /** Seconds they spent, summed, waiting in client-go's client-side rate limiter (--kube-api-qps). */
  waitedSeconds: number;
}

/**
 * What a local control-plane component's client-go rate limiter cost it so far, from its
 * /metrics (`rest_client_rate_limiter_duration_seconds`), read with the cluster's admin client
 * certificate. Undefined when the component does not answer.
 */
export async function clientThrottle(port: number): Promise<ClientThrottle | undefined> {
  const text = await componentMetrics(port);
  if (text === undefined) return undefined;
  let requests = 0;
  let waitedSeconds = 0;
  for (const line of text.split("\n")) {
    const match = /^rest_client_rate_limiter_duration_seconds_(sum|count)\{[^}]*\} (\S+)$/.exec(
      line,
    );
    if (match?.[1] === "sum") waitedSeconds += Number(match[2]);
    if (match?.[1] === "count") requests += Number(match[2]);
  }
  return { requests, waitedSeconds };
}

/** Requests the apiserver answered of one kind, and the bytes of their responses. */
export interface ApiserverWork {
  requests: number;
  bytes: number;
}

/**
 * What the apiserver has served so far, by kind of request (`LIST pods`, `GET pods/log`, ...),
 * and the watch events it sent, by resource (`watch events pods`), from its /metrics
 * (`apiserver_request_total`, `apiserver_response_sizes`, `apiserver_watch_events_sizes`).
 * Encoding responses is most of an apiserver's CPU, so bytes show whose requests cost it.
 * Undefined when the apiserver does not answer.
 */
export async function apiserverWork(port: number): Promise<Map<string, ApiserverWork> | undefined> {
  const text = await componentMetrics(port);
  if (text === undefined) return undefined;
  const work = new Map<string, ApiserverWork>();
  const entry = (key: string) => {
    let found = work.get(key);
    if (!found) {
      found = { requests: 0, bytes: 0 };
      work.set(key, found);
    }
    return found;
  };
  for (const line of text.split("\n")) {
    const match =
      /^(apiserver_request_total|apiserver_response_sizes_sum|apiserver_watch_events_sizes_(?:sum|count))\{([^}]*)\} (\S+)$/.exec(
        line,
      );
    if (!match) continue;
    const [, metric, labelText = "", value] = match;
    const labels = Object.fromEntries(
      [...labelText.matchAll(/(\w+)="([^"]*)"/g)].map(([, name, v]) => [name, v]),
    );
    const resource = `${labels.resource ?? ""}${labels.subresource ? `/${labels.subresource}` : ""}`;
    if (metric === "apiserver_request_total") {
      entry(`${labels.verb} ${resource}`).requests += Number(value);
    } else if (metric === "apiserver_response_sizes_sum") {
      entry(`${labels.verb} ${resource}`).bytes += Number(value);
    } else if (metric === "apiserver_watch_events_sizes_count") {
      entry(`watch events ${resource}`).requests += Number(value);
    } else {
      entry(`watch events ${resource}`).bytes += Number(value);
    }
  }
  return work;
}

/** Items waiting in one of a component's controller work queues (`workqueue_depth`). */
export async function workQueueDepth(port: number, queue: string): Promise<number | undefined> {
  const text = await componentMetrics(port);
  const line = text?.split("\n").find((l) => l.startsWith(`workqueue_depth{name="${queue}"}`));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

/** A local control-plane component's Prometheus metrics, or undefined when it does not answer. */
async function componentMetrics(port: number): Promise<string | undefined> {
  const pki = path.join(DATA_DIR, "cluster", "pki");
  try {
    return await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path: "/metrics",
          headers: { accept: "text/plain" },
          cert: readFileSync(path.join(pki, "admin.crt")),
          key: readFileSync(path.join(pki, "admin.key")),
          // The components serve self-signed certificates of their own.
          rejectUnauthorized: false,
          timeout: 5000,
        },
        (response) => {
          let body = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => {
            body += chunk;
          });
          response.on("end", () => resolve(body));
        },
      );
      req.on("error", reject);
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.end();
    });
  } catch {
    return undefined;
  }
}

/**
 * What a Node.js service's memory is made of at one moment: its resident set, V8's heap and the
 * memory V8 holds outside it (from the service's Prometheus metrics), and the resident part of
 * malloc's main heap (the `[heap]` mapping of its smaps). A resident set well above V8's heap is
 * V8's pages kept after the heap shrank, or malloc's.
 */
export interface MemoryBreakdown {
  rssBytes: number;
  heapTotalBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  mallocHeapBytes: number;
}

/** The memory breakdown of the service process `pid`, whose metrics are at `metricsUrl`. */
export async function memoryBreakdown(
  pid: number,
  metricsUrl: string,
): Promise<MemoryBreakdown | undefined> {
  let status: string;
  let smaps: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
    smaps = readFileSync(`/proc/${pid}/smaps`, "utf8");
  } catch {
    return undefined;
  }
  const metrics = await serviceMetrics(metricsUrl);
  if (metrics === undefined) return undefined;
  const kib = (text: string, pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0) * 1024;
  const gauge = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(metrics)?.[1] ?? 0);
  return {
    rssBytes: kib(status, /^VmRSS:\s+(\d+) kB/m),
    heapTotalBytes: gauge("nodejs_heap_size_total_bytes"),
    heapUsedBytes: gauge("nodejs_heap_size_used_bytes"),
    externalBytes: gauge("nodejs_external_memory_bytes"),
    mallocHeapBytes: kib(smaps, /\[heap\]\n(?:.*\n)*?Rss:\s+(\d+) kB/),
  };
}

/** A histogram's series of one label value: how many were observed, and the cumulative buckets. */
export interface HistogramSeries {
  count: number;
  /** [upper bound in seconds, observations at or under it], ascending; the last is +Inf. */
  buckets: [number, number][];
}

/**
 * A Prometheus histogram from a service's `/metrics`, by the value of one of its labels, or
 * undefined when the service does not answer.
 */
export async function histogramByLabel(
  metricsUrl: string,
  name: string,
  label: string,
): Promise<Map<string, HistogramSeries> | undefined> {
  const metrics = await serviceMetrics(metricsUrl);
  if (metrics === undefined) return undefined;
  const series = new Map<string, HistogramSeries>();
  const bucketLine = new RegExp(`^${name}_bucket\\{([^}]*)\\} (\\S+)$`, "gm");
  for (const [, labels = "", value] of metrics.matchAll(bucketLine)) {
    const key = new RegExp(`${label}="([^"]*)"`).exec(labels)?.[1];
    const le = /le="([^"]*)"/.exec(labels)?.[1];
    if (key === undefined || le === undefined) continue;
    const entry = series.get(key) ?? { count: 0, buckets: [] };
    entry.buckets.push([le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le), Number(value)]);
    if (le === "+Inf") entry.count = Number(value);
    series.set(key, entry);
  }
  for (const entry of series.values()) entry.buckets.sort(([a], [b]) => a - b);
  return series;
}

/** The upper bound of the bucket the q-quantile falls in (Infinity past the last bound). */
export function bucketQuantile(series: HistogramSeries, q: number): number {
  const rank = q * series.count;
  return series.buckets.find(([, cumulative]) => cumulative >= rank)?.[0] ?? Number.NaN;
}

/** A service's `/metrics` text, or undefined when it does not answer within a second. */
async function serviceMetrics(metricsUrl: string): Promise<string | undefined> {
  try {
    return await (await fetch(metricsUrl, { signal: AbortSignal.timeout(1000) })).text();
  } catch {
    return undefined;
  }
}
