import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { getRequestListener } from "@hono/node-server";
import type { Logger } from "pino";
import { answerClientErrors } from "./client-errors.ts";
import { refuseDeclaredBody } from "./create-http-app.ts";
import { ERROR_STATUS, type ErrorBody } from "./errors.ts";

/**
 * How long the server goes on reading and discarding a refused body, so that the client, still
 * sending, reads the refusal instead of a connection reset; then the connection is closed.
 */
export const REFUSED_BODY_LINGER_MS = 30_000;

export interface HttpServerOptions {
  /** Node's HTTP adapter builds request URLs with it. */
  host: string;
  logger: Logger;
}

/**
 * The Node HTTP server of an app made by createHttpApp. A request whose declared Content-Length
 * is over its route's limit is refused before any of its body is read: with `Expect:
 * 100-continue` the body is never sent; otherwise the server discards it as it arrives (up to
 * REFUSED_BODY_LINGER_MS), where the adapter alone would reset a connection still sending more
 * than it drains. Requests Node's parser refuses get the platform's JSON errors too.
 */
export function createHttpServer(
  app: { fetch: (request: Request) => Response | Promise<Response> },
  options: HttpServerOptions,
): Server {
  const listener = getRequestListener(app.fetch, { hostname: options.host });
  const server = createServer((incoming, outgoing) => {
    if (refuseOversizedBody(app, incoming, outgoing, options.logger, { bodyComing: true })) return;
    void listener(incoming, outgoing);
  });
  server.on("checkContinue", (incoming: IncomingMessage, outgoing: ServerResponse) => {
    if (refuseOversizedBody(app, incoming, outgoing, options.logger, { bodyComing: false })) {
      return;
    }
    outgoing.writeContinue();
    void listener(incoming, outgoing);
  });
  answerClientErrors(server, options.logger);
  return server;
}

function refuseOversizedBody(
  app: object,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  logger: Logger,
  { bodyComing }: { bodyComing: boolean },
): boolean {
  const declared = incoming.headers["content-length"];
  if (declared === undefined || !/^\d+$/.test(declared)) return false;
  const error = refuseDeclaredBody(app, {
    method: incoming.method ?? "",
    path: new URL(incoming.url ?? "/", "http://any").pathname,
    declaredBytes: Number(declared),
  });
  if (!error) return false;
  const requestId = randomUUID();
  const body: ErrorBody = {
    error: { code: error.code, message: error.message, request_id: requestId },
  };
  const json = JSON.stringify(body);
  outgoing.writeHead(ERROR_STATUS[error.code], {
    ...error.headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(json),
    "x-request-id": requestId,
    // A body that was never sent leaves nothing to read past: the connection cannot go on.
    ...(!bodyComing && { connection: "close" }),
  });
  outgoing.end(json);
  if (bodyComing) {
    // Read and discard the body, and the connection stays usable after it; a body that takes
    // longer than the linger closes it.
    incoming.resume();
    const linger = setTimeout(() => incoming.socket.destroy(), REFUSED_BODY_LINGER_MS);
    linger.unref();
    incoming.once("end", () => clearTimeout(linger));
    incoming.once("close", () => clearTimeout(linger));
  }
  logger.info(
    {
      reqId: requestId,
      req: { method: incoming.method, path: incoming.url },
      res: { status: ERROR_STATUS[error.code] },
      declaredBytes: Number(declared),
    },
    "refused a body over its limit before reading it",
  );
  return true;
}
