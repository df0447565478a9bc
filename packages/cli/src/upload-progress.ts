// fetch reports nothing of a request body as it goes out. This fetch, for one typed client
// call (openapi-fetch's per-request `fetch`), sends the body as a stream of pieces and reports
// each piece as the connection takes it, with the whole length declared up front so that the
// api can refuse a bundle over its limit before reading any of it.

const PIECE_BYTES = 64 * 1024;

/** A fetch that sends `request`'s body in pieces, calling `onProgress(sent, total)`. */
export function uploadFetch(
  onProgress: (sentBytes: number, totalBytes: number) => void,
  send: (request: Request) => Promise<Response> = fetch,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const body = new Uint8Array(await request.arrayBuffer());
    let sent = 0;
    const pieces = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= body.length) {
          controller.close();
          return;
        }
        const piece = body.subarray(sent, sent + PIECE_BYTES);
        sent += piece.length;
        controller.enqueue(piece);
        onProgress(sent, body.length);
      },
    });
    const headers = new Headers(request.headers);
    headers.set("content-length", String(body.length));
    return send(
      new Request(request.url, {
        method: request.method,
        headers,
        body: pieces,
        signal: request.signal,
        duplex: "half",
      } as RequestInit),
    );
  };
}
