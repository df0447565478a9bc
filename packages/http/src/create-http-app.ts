import { OpenAPIHono, z } from "@hono/zod-openapi";
import { isDatabaseUnavailable } from "@sumo/db/client";
import type { Context, Env, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { METHOD_NAME_ALL, type Router } from "hono/router";
import type { RouterRoute } from "hono/types";
import { type PinoLogger, pinoLogger } from "hono-pino";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { ApiError, type ErrorDetail, errorResponse } from "./errors.ts";
import { httpMetrics } from "./http-metrics.ts";

export interface HttpEnv<Variables extends object = object> extends Env {
  Variables: { requestId: string; logger: PinoLogger } & Variables;
}

export interface HttpAppOptions {
  logger: Logger;
  /** Largest accepted request body. */
  bodyLimitBytes: number;
  /**
   * Where request counts and latencies go (`sumo_http_*`); without it none are recorded. The
   * service serves this registry on its own metrics port (MetricsServer), never on this app.
   */
  metricsRegistry?: Registry;
  /** Routes that take files (multipart/form-data) instead of JSON, each with its own limit. */
  uploadRoutes?: UploadRoute[];
}

/** A route whose body is a multipart/form-data upload, not JSON. */
export interface UploadRoute {
  method: "POST" | "PUT";
  path: string;
  /** Largest accepted body, the form's framing included. */
  maxBodyBytes: number;
  /** The error for a body over maxBodyBytes (a 413 naming the limit that matters to clients). */
  tooLarge: () => ApiError;
}

/**
 * An OpenAPIHono app with what every HTTP service of the platform shares: request ids (from
 * `X-Request-Id` or generated), one JSON log line per request, request metrics, a body size
 * limit, JSON-only request bodies, and every error (validation, unknown route, crash) in the one
 * error shape.
 */
export function createHttpApp<Variables extends object>(
  options: HttpAppOptions,
): OpenAPIHono<HttpEnv<Variables>> {
  const app = new OpenAPIHono<HttpEnv<Variables>>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error);
    },
  });
  if (options.metricsRegistry) app.use(httpMetrics(options.metricsRegistry));
  app.use(requestId());
  app.use(
    pinoLogger({
      pino: options.logger,
      http: {
        reqId: false,
        referRequestIdKey: "requestId",
        responseTime: true,
        // Method and path only: headers carry credentials.
        onReqBindings: (c) => ({ req: { method: c.req.method, path: c.req.path } }),
        onResBindings: (c) => ({ res: { status: c.res.status } }),
        onResLevel: (c) => (c.res.status >= 500 ? "error" : "info"),
        onResMessage: () => "request completed",
      },
    }),
  );
  const jsonLimit = bodyLimitRule(
    options.bodyLimitBytes,
    () =>
      new ApiError(
        "payload_too_large",
        `Request bodies are limited to ${options.bodyLimitBytes} bytes`,
      ),
  );
  const uploads = (options.uploadRoutes ?? []).map((route) => ({
    route,
    limit: bodyLimitRule(route.maxBodyBytes, route.tooLarge),
  }));
  const limitOf = (method: string, path: string): BodyLimitRule =>
    uploads.find(({ route }) => route.method === method && route.path === path)?.limit ?? jsonLimit;
  BODY_LIMITS.set(app, (method, path, declaredBytes) =>
    // A method no route of this path answers gets its 405 (or 404) from the app.
    allowedMethods(app, path).includes(method) && declaredBytes > limitOf(method, path).maxBytes
      ? limitOf(method, path).tooLarge()
      : undefined,
  );
  app.use(async (c, next) => {
    // A method no route of this path answers gets its 405 (or 404), whatever its body.
    if (hasBody(c) && !allowedMethods(app, c.req.path).includes(c.req.method)) {
      await next();
      return;
    }
    const limit = limitOf(c.req.method, c.req.path);
    const check = limit === jsonLimit ? requireJsonBody : requireFormBody;
    // A declared length is decided here as hono's bodyLimit would, without its look at
    // `raw.body`: that look makes the node server build the request's body as a web stream,
    // which then costs every read. Only a body sent in chunks needs counting as it is read.
    const declared = declaredLength(c);
    if (declared !== undefined && declared > limit.maxBytes) throw limit.tooLarge();
    if (declared !== undefined || !hasBody(c)) {
      await check(c, next);
      return;
    }
    await limit.middleware(c, async () => {
      await check(c, next);
    });
  });
  app.notFound((c) => {
    // A path the app serves, asked with a method it does not: 405 with the methods it does.
    const allowed = allowedMethods(app, c.req.path);
    if (allowed.length > 0) {
      return errorResponse(
        c,
        new ApiError("method_not_allowed", `${c.req.method} is not allowed on ${c.req.path}`, {
          headers: { Allow: allowed.join(", ") },
        }),
      );
    }
    return errorResponse(
      c,
      new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}`),
    );
  });
  app.onError((error, c) => errorResponse(c, toApiError(error, c)));
  return app;
}

interface BodyLimitRule {
  maxBytes: number;
  tooLarge: () => ApiError;
  middleware: MiddlewareHandler;
}

function bodyLimitRule(maxBytes: number, tooLarge: () => ApiError): BodyLimitRule {
  return {
    maxBytes,
    tooLarge,
    middleware: bodyLimit({
      maxSize: maxBytes,
      onError: () => {
        throw tooLarge();
      },
    }),
  };
}

type DeclaredBodyRefusal = (
  method: string,
  path: string,
  declaredBytes: number,
) => ApiError | undefined;

/** Each app's body limits, for the server to refuse a body before reading it. */
const BODY_LIMITS = new WeakMap<object, DeclaredBodyRefusal>();

/**
 * The error for a request whose declared Content-Length is over its route's body limit: what
 * the app would answer once it began reading the body; undefined when the app takes the body
 * (or answers the method 405). Apps not made by createHttpApp refuse nothing here.
 */
export function refuseDeclaredBody(
  app: object,
  request: { method: string; path: string; declaredBytes: number },
): ApiError | undefined {
  return BODY_LIMITS.get(app)?.(request.method, request.path, request.declaredBytes);
}

/** What a 503 for an unreachable database tells clients to wait before trying again. */
export const DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

const ROUTABLE_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** The methods some handler (not a middleware) answers on `path`; HEAD wherever GET is. */
function allowedMethods(app: { router: Router<[unknown, RouterRoute]> }, path: string): string[] {
  const allowed = ROUTABLE_METHODS.filter((method) =>
    app.router.match(method, path)[0].some(([[, route]]) => route.method !== METHOD_NAME_ALL),
  );
  return allowed.includes("GET") ? ["GET", "HEAD", ...allowed.slice(1)] : allowed;
}

/** Request bodies are JSON: anything else is refused before a handler sees it. */
const requireJsonBody: MiddlewareHandler = async (c, next) => {
  if (hasBody(c)) {
    const contentType = c.req.header("content-type");
    if (!isJson(contentType)) {
      throw new ApiError("unsupported_media_type", "Request bodies must be application/json");
    }
    // JSON is UTF-8 (RFC 8259); a body declared in another charset would be read wrong.
    if (!isUtf8(contentType)) {
      throw new ApiError("unsupported_media_type", "JSON request bodies must be UTF-8");
    }
  }
  await next();
};

/** An upload route's body is a form with files. */
const requireFormBody: MiddlewareHandler = async (c, next) => {
  const mediaType = c.req.header("content-type")?.split(";", 1)[0]?.trim().toLowerCase();
  if (mediaType !== "multipart/form-data") {
    throw new ApiError("unsupported_media_type", "Uploads must be multipart/form-data");
  }
  await next();
};

/** The body's Content-Length when it has one and is not sent in chunks. */
function declaredLength(c: Context): number | undefined {
  const length = c.req.header("content-length");
  if (length === undefined || c.req.header("transfer-encoding") !== undefined) return undefined;
  return /^\d+$/.test(length) ? Number(length) : undefined;
}

function hasBody(c: Context): boolean {
  const length = c.req.header("content-length");
  if (length !== undefined) return length !== "0";
  if (c.req.header("transfer-encoding") !== undefined) return true;
  // Neither header: over HTTP/1.1 there is no body. A Request built in process (tests, other
  // runtimes) may carry one anyway; it counts when it says what it is.
  // Content-Type first: reading `raw.body` makes the node server build a whole Request.
  return c.req.header("content-type") !== undefined && c.req.raw.body !== null;
}

function isJson(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(";", 1)[0]?.trim().toLowerCase() ?? "";
  return mediaType === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
}

function isUtf8(contentType: string | undefined): boolean {
  const charset = contentType
    ?.split(";")
    .slice(1)
    .map((parameter) => parameter.split("="))
    .find(([name]) => name?.trim().toLowerCase() === "charset")?.[1];
  if (charset === undefined) return true;
  return ["utf-8", "utf8"].includes(charset.trim().replace(/^"|"$/g, "").toLowerCase());
}

export function validationError(error: z.ZodError): ApiError {
  const details: ErrorDetail[] = error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    // One detail per unknown key, each naming the key itself.
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        field: [...path, key].join("."),
        message: "unknown field",
      }));
    }
    return [{ field: path.join(".") || "(body)", message: issue.message }];
  });
  const fields = [...new Set(details.map((d) => d.field))].join(", ");
  return new ApiError("validation_failed", `Invalid request: ${fields}`, { details });
}

function toApiError(error: Error, c: Context): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof z.ZodError) return validationError(error);
  if (error instanceof HTTPException) {
    if (error.status === 400 && /json/i.test(error.message)) {
      return new ApiError("invalid_json", "The request body is not valid JSON");
    }
    if (error.status === 401) return new ApiError("unauthorized", error.message);
    if (error.status === 413) return new ApiError("payload_too_large", error.message);
    if (error.status < 500) return new ApiError("bad_request", error.message || "Bad request");
  }
  if (isDatabaseUnavailable(error)) {
    c.var.logger.warn({ err: error }, "database unavailable");
    return new ApiError(
      "service_unavailable",
      "The service cannot reach its database right now; try again shortly",
      {
        headers: { "Retry-After": String(DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS) },
        cause: error,
      },
    );
  }
  c.var.logger.error({ err: error }, "unhandled error");
  return new ApiError("internal_error", "Internal error", { cause: error });
}
