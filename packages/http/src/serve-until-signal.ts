import { Server } from "node:http";
import { serve } from "@hono/node-server";
import type { Logger } from "pino";
import { answerClientErrors } from "./client-errors.ts";

export interface ServeUntilSignalOptions {
  /** The service's name in its log lines ("<name> listening"). */
  name: string;
  fetch: (request: Request) => Response | Promise<Response>;
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
  const server = serve(
    { fetch: options.fetch, hostname: options.host, port: options.port },
    (info) => logger.info({ address: info.address, port: info.port }, `${options.name} listening`),
  );
  if (server instanceof Server) answerClientErrors(server, logger);
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
    if ("closeAllConnections" in server) server.closeAllConnections();
    await options.close();
    logger.info("stopped");
    process.exit(0);
  }
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
