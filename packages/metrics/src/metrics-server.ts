import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Registry } from "prom-client";

export interface MetricsServerOptions {
  registry: Registry;
  /** Address to bind (METRICS_HOST). */
  host: string;
  /** Port to bind (METRICS_PORT); 0 picks a free one, for several processes on one machine. */
  port: number;
  logger: Logger;
  /**
   * Serve `/healthz` (the process answers) and `/readyz` (this check passes) too: for the
   * services that serve no other HTTP, so Kubernetes can probe them here. The HTTP services
   * probe their own port and leave this out.
   */
  probes?: { isReady(): Promise<boolean> };
}

/**
 * A small HTTP listener of its own for `GET /metrics` in the Prometheus text format. Apart from
 * any tenant- or admin-facing port on purpose: metrics are unauthenticated, and a NetworkPolicy
 * or Service can expose this port to Prometheus alone.
 */
export class MetricsServer {
  readonly #options: MetricsServerOptions;
  readonly #server: Server;

  constructor(options: MetricsServerOptions) {
    this.#options = options;
    this.#server = createServer((request, response) => void this.#handle(request, response));
  }

  /** Listens; rejects if the port cannot be bound (a silent metrics outage is worse than none). */
  async start(): Promise<void> {
    const { host, port, logger } = this.#options;
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, host, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    logger.info({ address: host, port: this.port }, "metrics listening");
  }

  /** The bound port (the chosen one when started with port 0). */
  get port(): number {
    return (this.#server.address() as AddressInfo | null)?.port ?? this.#options.port;
  }

  async stop(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? "/", "http://metrics").pathname;
    const probes = this.#options.probes;
    if (request.method !== "GET" && request.method !== "HEAD") {
      return send(response, 405, "text/plain; charset=utf-8", "Method not allowed\n");
    }
    if (path === "/metrics") {
      const { registry, logger } = this.#options;
      try {
        return send(response, 200, registry.contentType, await registry.metrics());
      } catch (error) {
        logger.error({ err: error }, "collecting metrics failed");
        return send(response, 500, "text/plain; charset=utf-8", "Collecting metrics failed\n");
      }
    }
    if (probes && path === "/healthz") return sendStatus(response, true);
    if (probes && path === "/readyz") {
      const ready = await probes.isReady().catch(() => false);
      return sendStatus(response, ready);
    }
    return send(response, 404, "text/plain; charset=utf-8", "Not found\n");
  }
}

function sendStatus(response: ServerResponse, ok: boolean): void {
  const body = JSON.stringify({ status: ok ? "ok" : "unavailable" });
  send(response, ok ? 200 : 503, "application/json", body);
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  response.end(response.req.method === "HEAD" ? undefined : body);
}
