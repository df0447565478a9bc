// HTTP/1.1 over a plain socket, for requests that fetch refuses to send (duplicate or
// conflicting headers, control characters, odd methods, paths as written) and for reading
// what the server answers when Node's own parser turns a request away.
import { connect } from "node:net";

export interface RawResponse {
  status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

export interface RawRequest {
  method: string;
  /** Sent as written: no normalising, no encoding. */
  target: string;
  /** In order; repeats allowed. Host is added unless given. */
  headers?: [string, string][];
  body?: string | Buffer;
  /** Content-Length is added for a body unless given here or Transfer-Encoding is. */
}

/**
 * Sends one request on a fresh connection and reads the answer. The connection stays open
 * (keep-alive, as clients do) until the answer is complete: a server that answers before it
 * has read a large body keeps reading it meanwhile, where `Connection: close` would have it
 * reset the connection under the answer.
 */
export function sendRaw(port: number, request: RawRequest): Promise<RawResponse> {
  const headers = [...(request.headers ?? [])];
  const has = (name: string) => headers.some(([n]) => n.toLowerCase() === name);
  if (!has("host")) headers.unshift(["Host", `127.0.0.1:${port}`]);
  const body =
    request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body as string | Buffer);
  if (request.body !== undefined && !has("content-length") && !has("transfer-encoding")) {
    headers.push(["Content-Length", String(body.length)]);
  }
  const head = `${request.method} ${request.target} HTTP/1.1\r\n${headers
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("")}\r\n`;
  return sendBytes(port, Buffer.concat([Buffer.from(head, "latin1"), body]), {
    bodyless: request.method === "HEAD",
  });
}

/**
 * Writes bytes as they are and parses the HTTP response that comes back, once complete (or
 * whatever came before the server closed the connection).
 */
export function sendBytes(
  port: number,
  bytes: Buffer,
  options: { bodyless?: boolean } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (chunk) => {
      chunks.push(chunk);
      const raw = Buffer.concat(chunks);
      if (isComplete(raw, options.bodyless ?? false)) socket.destroy();
    });
    // The server may answer and close before taking the whole request (a body over the limit):
    // a failed write is expected then; the answer is what counts.
    socket.on("error", () => {});
    socket.setTimeout(30_000, () => socket.destroy(new Error("no answer within 30 s")));
    socket.on("close", () => {
      const raw = Buffer.concat(chunks);
      try {
        resolve(parseResponse(raw));
      } catch (error) {
        reject(error);
      }
    });
    socket.write(bytes);
  });
}

function isComplete(raw: Buffer, bodyless: boolean): boolean {
  const headEnd = raw.indexOf("\r\n\r\n");
  if (headEnd < 0) return false;
  if (bodyless) return true;
  const head = raw.subarray(0, headEnd).toString("latin1");
  const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
  if (length !== undefined) return raw.length - (headEnd + 4) >= Number(length);
  if (/\r\ntransfer-encoding: *chunked/i.test(head))
    return raw.subarray(-5).toString() === "0\r\n\r\n";
  return false;
}

function parseResponse(raw: Buffer): RawResponse {
  const headEnd = raw.indexOf("\r\n\r\n");
  if (headEnd < 0) {
    throw new Error(
      `no HTTP response (got ${raw.length} bytes: ${JSON.stringify(raw.toString("latin1").slice(0, 200))})`,
    );
  }
  const [statusLine = "", ...headerLines] = raw
    .subarray(0, headEnd)
    .toString("latin1")
    .split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = raw.subarray(headEnd + 4);
  if (headers["transfer-encoding"]?.toLowerCase() === "chunked") body = dechunk(body);
  else if (headers["content-length"] !== undefined) {
    body = body.subarray(0, Number(headers["content-length"]));
  }
  return { status, headers, body: body.toString("utf8") };
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf("\r\n", offset);
    if (lineEnd < 0) break;
    const size = Number.parseInt(body.subarray(offset, lineEnd).toString("latin1"), 16);
    if (!size) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
