import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { ERROR_STATUS, type ErrorBody, type ErrorCode } from "./errors.ts";

const REASON: Partial<Record<number, string>> = {
  400: "Bad Request",
  408: "Request Timeout",
  431: "Request Header Fields Too Large",
};

/**
 * Answers the requests Node's HTTP parser refuses before the app sees them (headers over
 * Node's size limit, malformed request lines or headers, conflicting lengths, a request that
 * took too long) with the platform's JSON error and status, where Node alone would send an
 * empty body. The connection is closed after the answer: the parser cannot continue on it.
 */
export function answerClientErrors(server: Server, logger: Logger): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    // Node's own rule: nothing to say to a peer that is gone, or in the middle of a response.
    const inResponse = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage
      ?.headersSent;
    if (error.code === "ECONNRESET" || !socket.writable || inResponse) {
      socket.destroy();
      return;
    }
    const { code, message } = describeClientError(error);
    const status = ERROR_STATUS[code];
    const requestId = randomUUID();
    const body: ErrorBody = { error: { code, message, request_id: requestId } };
    const json = JSON.stringify(body);
    logger.info(
      { reqId: requestId, err: { code: error.code, message: error.message }, res: { status } },
      "refused a request Node's HTTP parser could not read",
    );
    socket.end(
      [
        `HTTP/1.1 ${status} ${REASON[status] ?? ""}`,
        "Content-Type: application/json",
        `Content-Length: ${Buffer.byteLength(json)}`,
        `X-Request-Id: ${requestId}`,
        "Connection: close",
        "",
        json,
      ].join("\r\n"),
    );
  });
}

function describeClientError(error: NodeJS.ErrnoException): { code: ErrorCode; message: string } {
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW":
      return {
        code: "headers_too_large",
        message: "The request's headers are larger than this server accepts",
      };
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return { code: "request_timeout", message: "The request took too long to arrive" };
    default:
      return {
        code: "bad_request",
        message: `Malformed HTTP request${error.code ? ` (${error.code})` : ""}`,
      };
  }
}
