// fetch cannot report how much of a request body has gone out; XMLHttpRequest can. This is a
// fetch for one typed client call (openapi-fetch's per-request `fetch`) that sends with
// XMLHttpRequest and reports the upload's progress.

/** A fetch that sends `request` with XMLHttpRequest, calling `onProgress(sent, total)`. */
export function uploadFetch(
  onProgress: (sentBytes: number, totalBytes: number) => void,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const body = await request.blob();
    return new Promise<Response>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(request.method, request.url);
      request.headers.forEach((value, name) => {
        xhr.setRequestHeader(name, value);
      });
      xhr.responseType = "blob";
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(event.loaded, event.total);
      };
      xhr.onload = () => {
        const headers = new Headers();
        for (const line of xhr
          .getAllResponseHeaders()
          .trim()
          .split(/[\r\n]+/)) {
          const colon = line.indexOf(":");
          if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
        }
        const empty = xhr.status === 204 || xhr.status === 304;
        resolve(
          new Response(empty ? null : (xhr.response as Blob), {
            status: xhr.status,
            statusText: xhr.statusText,
            headers,
          }),
        );
      };
      xhr.onerror = () => reject(new TypeError("the upload failed: no answer from the API"));
      xhr.onabort = () => reject(new DOMException("the upload was aborted", "AbortError"));
      request.signal.addEventListener("abort", () => xhr.abort());
      xhr.send(body);
    });
  };
}
