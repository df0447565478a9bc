// The upload's fetch against a real socket: what a server receives, and what is reported.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { uploadFetch } from "./upload-progress.ts";

let close: (() => void) | undefined;

interface Received {
  headers: IncomingHttpHeaders;
  bytes: number;
}
afterEach(() => close?.());

/** A server on the loopback that answers how many body bytes came, with their headers. */
async function receivingServer(): Promise<{
  url: string;
  received: Promise<Received>;
}> {
  let resolve: (value: Received) => void = () => {};
  const received = new Promise<Received>((r) => {
    resolve = r;
  });
  const server = createServer((request, response) => {
    let bytes = 0;
    request.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
    });
    request.on("end", () => {
      resolve({ headers: request.headers, bytes });
      response.end("stored");
    });
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  close = () => server.close();
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, received };
}

describe("uploadFetch", () => {
  it("sends the whole form with its length declared, reporting each piece up to the total", async () => {
    const { url, received } = await receivingServer();
    const form = new FormData();
    form.set("name", "grid");
    form.set("bundle", new Blob([new Uint8Array(300_000)]), "grid.tar.gz");
    const reports: [number, number][] = [];
    const response = await uploadFetch((sent, total) => reports.push([sent, total]))(
      new Request(url, { method: "POST", body: form }),
    );
    expect(await response.text()).toBe("stored");
    const { headers, bytes } = await received;
    expect(headers["transfer-encoding"]).toBeUndefined();
    expect(Number(headers["content-length"])).toBe(bytes);
    expect(headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(reports.length).toBeGreaterThan(1);
    expect(reports.at(-1)).toEqual([bytes, bytes]);
    expect(reports.map(([sent]) => sent)).toEqual(
      [...reports.map(([sent]) => sent)].sort((a, b) => a - b),
    );
  });
});
