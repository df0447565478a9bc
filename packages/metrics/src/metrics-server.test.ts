import { pino } from "pino";
import { Counter, Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { createMetricsRegistry } from "./metrics-registry.ts";
import { MetricsServer } from "./metrics-server.ts";

const logger = pino({ level: "silent" });
const servers: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function started(options: Partial<ConstructorParameters<typeof MetricsServer>[0]> = {}) {
  const server = new MetricsServer({
    registry: new Registry(),
    host: "127.0.0.1",
    port: 0,
    logger,
    ...options,
  });
  await server.start();
  servers.push(server);
  return { server, url: (path: string) => `http://127.0.0.1:${server.port}${path}` };
}

describe("MetricsServer", () => {
  it("serves the registry in the Prometheus text format, default metrics included", async () => {
    const registry = createMetricsRegistry({ service: "test" });
    new Counter({ name: "things_total", help: "Things.", registers: [registry] }).inc(3);
    const { url } = await started({ registry });
    const response = await fetch(url("/metrics"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain("# TYPE things_total counter");
    expect(text).toContain('things_total{service="test"} 3');
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="test"\} /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds\{service="test"\} /m);
  });

  it("picks a free port for port 0, so several processes can share a machine", async () => {
    const a = await started();
    const b = await started();
    expect(a.server.port).toBeGreaterThan(0);
    expect(b.server.port).not.toBe(a.server.port);
  });

  it("refuses to start on a port in use", async () => {
    const { server } = await started();
    const second = new MetricsServer({
      registry: new Registry(),
      host: "127.0.0.1",
      port: server.port,
      logger,
    });
    await expect(second.start()).rejects.toThrow(/EADDRINUSE/);
  });

  it("serves probes only when asked to, with readiness from the check", async () => {
    const withoutProbes = await started();
    expect((await fetch(withoutProbes.url("/healthz"))).status).toBe(404);
    expect((await fetch(withoutProbes.url("/readyz"))).status).toBe(404);

    let ready = false;
    const withProbes = await started({ probes: { isReady: async () => ready } });
    const healthz = await fetch(withProbes.url("/healthz"));
    expect([healthz.status, await healthz.json()]).toEqual([200, { status: "ok" }]);
    const notReady = await fetch(withProbes.url("/readyz"));
    expect([notReady.status, await notReady.json()]).toEqual([503, { status: "unavailable" }]);
    ready = true;
    expect((await fetch(withProbes.url("/readyz"))).status).toBe(200);
  });

  it("answers a failing check as not ready and a failing collector as a 500", async () => {
    const registry = new Registry();
    new Counter({
      name: "broken_total",
      help: "Its collector throws.",
      registers: [registry],
      collect() {
        throw new Error("database down");
      },
    });
    const { url } = await started({
      registry,
      probes: { isReady: () => Promise.reject(new Error("database down")) },
    });
    expect((await fetch(url("/readyz"))).status).toBe(503);
    expect((await fetch(url("/metrics"))).status).toBe(500);
    expect((await fetch(url("/other"))).status).toBe(404);
    expect((await fetch(url("/metrics"), { method: "POST" })).status).toBe(405);
  });
});
