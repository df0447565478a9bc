import type { Logger } from "pino";
import { createHttpServer } from "./http-server.ts";

export interface ServeUntilSignalOptions {
  /** The service's name in its log lines ("<name> listening"). */
  name: string;
  /** The app (made by createHttpApp, whose body limits the server applies). */
  app: { fetch: (request: Request) => Response | Promise<Response> };
  host: string;
  port: number;
  logger: Logger;
  /** How long SIGTERM waits for requests in flight before closing their connections. */
  shutdownGraceSeconds: number;
  /** Called first on SIGTERM / SIGINT: readiness should turn 503 from here on. */
  onShuttingDown(): void;
  /** Closes what the service opened (queue client, database, metrics), after the server. */
  close(): Promise<void>;
}

/**
 * Serves an HTTP service until SIGTERM or SIGINT, then drains it: stop accepting, wait up to
 * the grace period for requests in flight, close the service's resources and exit. A step that
 * hangs (say, the database gone mid-close) cannot keep the process alive past a deadline.
 */
export function serveUntilSignal(options: ServeUntilSignalOptions): void {
  const { logger } = options;
  const server = createHttpServer(options.app, { host: options.host, logger });
  server.listen(options.port, options.host, () => {
    const address = server.address();
    logger.info(
      typeof address === "object" && address
        ? { address: address.address, port: address.port }
        : {},
      `${options.name} listening`,
    );
  });
  let shuttingDown = false;
  async function shutdown(signal: string) {
    if (shuttingDown) return;
    shuttingDown = true;
    options.onShuttingDown();
    logger.info({ signal }, "shutting down");
    const graceMs = options.shutdownGraceSeconds * 1000;
    setTimeout(() => process.exit(1), graceMs + 20_000).unref();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([closed, grace]);
    server.closeAllConnections();
    await options.close();
    logger.info("stopped");
    process.exit(0);
  }
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
