import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerClientErrors } from "./client-errors.ts";

let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer((_request, response) => response.end("ok"));
  answerClientErrors(server, pino({ level: "silent" }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** Writes raw bytes and returns everything the server sent before it closed the connection. */
function exchange(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    socket.setEncoding("latin1").on("data", (chunk: string) => {
      received += chunk;
    });
    socket.once("error", reject);
    socket.once("close", () => resolve(received));
    socket.write(bytes, "latin1");
  });
}

function parse(raw: string) {
  const [head = "", body = ""] = raw.split("\r\n\r\n");
  const [statusLine, ...lines] = head.split("\r\n");
  const headers = Object.fromEntries(
    lines.map((line) => [
      line.slice(0, line.indexOf(":")).toLowerCase(),
      line.slice(line.indexOf(":") + 1).trim(),
    ]),
  );
  return { status: Number(statusLine?.split(" ")[1]), headers, body: JSON.parse(body) };
}

describe("answerClientErrors", () => {
  it("answers headers over Node's limit with 431 and the JSON error", async () => {
    const response = parse(
      await exchange(`GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ${"a".repeat(20_000)}\r\n\r\n`),
    );
    expect(response.status).toBe(431);
    expect(response.headers["content-type"]).toBe("application/json");
    expect(response.body).toEqual({
      error: {
        code: "headers_too_large",
        message: expect.any(String),
        request_id: response.headers["x-request-id"],
      },
    });
  });

  it("answers a request Node cannot parse with 400 and the JSON error", async () => {
    for (const request of [
      "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "GET /\0 HTTP/1.1\r\nHost: x\r\n\r\n",
      "NOT A REQUEST\r\n\r\n",
    ]) {
      const response = parse(await exchange(request));
      expect(response.status, JSON.stringify(request)).toBe(400);
      expect(response.body.error).toMatchObject({ code: "bad_request" });
      expect(response.body.error.request_id).toBe(response.headers["x-request-id"]);
    }
  });

  it("leaves well-formed requests to the app", async () => {
    const raw = await exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(raw.endsWith("ok")).toBe(true);
  });
});
