// A built web console (packages/console) served at /console/ by the service whose API it
// calls, on the same origin: read once into memory at start, gzipped once, sent under a strict
// Content-Security-Policy. Hashed assets are cached for good; index.html never is, so a new
// deployment's console is what the next page load gets.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { type Context, Hono } from "hono";
import { ApiError } from "./errors.ts";

/** Where every console is served; the console's build writes its URLs under it. */
export const CONSOLE_PATH = "/console";

/**
 * What a console page may load and do: its own scripts, styles, images and API calls, nothing
 * inline, from nowhere else, and in no frame.
 */
export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".txt": "text/plain; charset=utf-8",
  ".json": "application/json",
};

interface ConsoleFile {
  body: Uint8Array<ArrayBuffer>;
  /** The body gzipped, when that is smaller. */
  gzipped: Uint8Array<ArrayBuffer> | undefined;
  contentType: string;
  etag: string;
}

/** A console's files in memory: its index.html and its assets by name. */
export interface ConsoleAssets {
  index: ConsoleFile;
  assets: Map<string, ConsoleFile>;
}

/**
 * Reads a built console (a folder with index.html and assets/) into memory. Throws when the
 * folder has no index.html: the console has not been built there.
 */
export async function readConsoleAssets(dir: string): Promise<ConsoleAssets> {
  const index = await readConsoleFile(path.join(dir, "index.html"));
  const assets = new Map<string, ConsoleFile>();
  const assetsDir = path.join(dir, "assets");
  for (const name of await readdir(assetsDir)) {
    assets.set(name, await readConsoleFile(path.join(assetsDir, name)));
  }
  return { index, assets };
}

async function readConsoleFile(file: string): Promise<ConsoleFile> {
  const body = new Uint8Array(await readFile(file));
  const gzipped = new Uint8Array(gzipSync(body, { level: 9 }));
  return {
    body,
    gzipped: gzipped.length < body.length ? gzipped : undefined,
    contentType: CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream",
    etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`,
  };
}

/**
 * The console's routes, to mount at CONSOLE_PATH: `/assets/<hashed name>` cached for a year,
 * every other path the app's index.html (its router shows the page), not cached. Without
 * assets (not built), every path answers 503 saying so.
 */
export function consoleRoutes(assets: ConsoleAssets | undefined): Hono {
  const app = new Hono();
  app.use(async (c, next) => {
    await next();
    c.header("content-security-policy", CONSOLE_CONTENT_SECURITY_POLICY);
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "no-referrer");
    c.header("x-frame-options", "DENY");
  });
  if (!assets) {
    app.get("*", () => {
      throw new ApiError(
        "service_unavailable",
        "The console is not built here: run `pnpm --filter @sumo/console build` (or set CONSOLE_DIR)",
      );
    });
    return app;
  }
  app.get("/assets/:name", (c) => {
    const file = assets.assets.get(c.req.param("name"));
    if (!file) throw new ApiError("not_found", `No console asset ${c.req.param("name")}`);
    // Content-hashed names: a changed file has a new name.
    return send(c, file, "public, max-age=31536000, immutable");
  });
  app.get("*", (c) => {
    // Without the trailing slash the page's relative URLs would resolve against /.
    if (c.req.path === CONSOLE_PATH) return c.redirect(`${CONSOLE_PATH}/`, 308);
    return send(c, assets.index, "no-cache");
  });
  return app;
}

function send(c: Context, file: ConsoleFile, cacheControl: string): Response {
  c.header("cache-control", cacheControl);
  c.header("etag", file.etag);
  c.header("vary", "Accept-Encoding");
  if (c.req.header("if-none-match") === file.etag) return c.body(null, 304);
  c.header("content-type", file.contentType);
  if (file.gzipped && /\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
    c.header("content-encoding", "gzip");
    return c.body(file.gzipped);
  }
  return c.body(file.body);
}
