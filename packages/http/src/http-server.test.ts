import type { Server } from "node:http";
import { request } from "node:http";
import { connect } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpApp } from "./create-http-app.ts";
import { ApiError } from "./errors.ts";
import { createHttpServer } from "./http-server.ts";

// The services' Node server in front of their apps, on a real socket: bodies over a route's
// limit, as clients send them.
const JSON_LIMIT = 1024 * 1024;
const UPLOAD_LIMIT = 4 * 1024 * 1024;
const MiB = 1024 * 1024;

let server: Server;
let port: number;
beforeAll(async () => {
  const app = createHttpApp({
    logger: pino({ level: "silent" }),
    bodyLimitBytes: JSON_LIMIT,
    uploadRoutes: [
      {
        method: "POST",
        path: "/upload",
        maxBodyBytes: UPLOAD_LIMIT,
        tooLarge: () => new ApiError("bundle_too_large", "Bundles are limited to 4 MiB"),
      },
    ],
  });
  app.post("/echo", async (c) => c.json(await c.req.json()));
  app.post("/upload", (c) => c.json({ uploaded: true }));
  server = createHttpServer(app, { host: "127.0.0.1", logger: pino({ level: "silent" }) });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

interface Exchange {
  status: number;
  body: any;
  /** An error on the connection (a reset while sending), if there was one. */
  socketError: string | undefined;
  /** How much of the body went out before the answer was complete. */
  sentBytes: number;
}

/**
 * Sends `bytes` of body to `path` with a declared Content-Length, all of it before looking at
 * the answer (as Python's http.client sends a file), unless asked to wait for `100 Continue`.
 * Settles once the answer is in and the body is sent, or the connection failed.
 */
function send(path: string, bytes: number, { askFirst = false } = {}): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let socketError: string | undefined;
    let sentBytes = 0;
    let sent = false;
    let received = Buffer.alloc(0);
    let answer: { status: number; text: string } | undefined;
    let writing = false;
    const settle = () => {
      if (!socketError && !(answer && (sent || askFirst))) return;
      socket.destroy();
      resolve({
        status: answer?.status ?? 0,
        body: answer ? JSON.parse(answer.text) : undefined,
        socketError,
        sentBytes,
      });
    };
    const chunk = Buffer.alloc(MiB, 0x20);
    const writeMore = () => {
      writing = true;
      while (sentBytes < bytes && !socketError) {
        const size = Math.min(MiB, bytes - sentBytes);
        sentBytes += size;
        const last = sentBytes >= bytes;
        // All of it taken by the kernel: a server that reset the connection made a write fail
        // before this.
        const flushed = socket.write(chunk.subarray(0, size), (error) => {
          if (last && !error) {
            sent = true;
            settle();
          }
        });
        if (!flushed) {
          socket.once("drain", writeMore);
          return;
        }
      }
    };
    socket.on("data", (data: Buffer) => {
      received = Buffer.concat([received, data]);
      const text = received.toString("latin1");
      const headEnd = text.indexOf("\r\n\r\n");
      if (headEnd < 0) return;
      const head = text.slice(0, headEnd);
      const status = Number(head.split(" ")[1]);
      if (status === 100) {
        received = received.subarray(headEnd + 4);
        if (!writing) writeMore();
        return;
      }
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      const body = text.slice(headEnd + 4);
      if (body.length < length || answer) return;
      answer = { status, text: body.slice(0, length) };
      settle();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      socketError = error.code ?? error.message;
      settle();
    });
    socket.write(
      [
        `POST ${path} HTTP/1.1`,
        "Host: 127.0.0.1",
        "Content-Type: application/json",
        `Content-Length: ${bytes}`,
        ...(askFirst ? ["Expect: 100-continue"] : []),
        "",
        "",
      ].join("\r\n"),
    );
    if (!askFirst) writeMore();
  });
}

describe("createHttpServer", () => {
  it("answers a body far over the limit with a 413, not a connection reset", async () => {
    const exchange = await send("/echo", 100 * MiB);
    expect(exchange.socketError).toBeUndefined();
    expect(exchange.status).toBe(413);
    expect(exchange.body.error).toMatchObject({
      code: "payload_too_large",
      message: `Request bodies are limited to ${JSON_LIMIT} bytes`,
    });
  });

  it("refuses with the route's own limit and error", async () => {
    const exchange = await send("/upload", 80 * MiB);
    expect(exchange.socketError).toBeUndefined();
    expect(exchange.status).toBe(413);
    expect(exchange.body.error.code).toBe("bundle_too_large");
    // Within the route's limit, the body reaches the app (which wants a form, not JSON).
    expect((await send("/upload", 2 * MiB)).body.error.code).toBe("unsupported_media_type");
  });

  it("refuses before the body is sent when the client asks first (Expect: 100-continue)", async () => {
    const exchange = await send("/echo", 100 * MiB, { askFirst: true });
    expect(exchange.status).toBe(413);
    expect(exchange.body.error.code).toBe("payload_too_large");
    expect(exchange.sentBytes).toBe(0);
  });

  it("leaves a method the path does not answer to the app: 405, whatever its body", async () => {
    const exchange = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          method: "PUT",
          path: "/echo",
          headers: { "content-length": String(100 * MiB) },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code !== "ECONNRESET") reject(error);
      });
      req.write(Buffer.alloc(1024));
    });
    expect(exchange).toBe(405);
  });
});
