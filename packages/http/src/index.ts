export { clientAddress } from "./client-address.ts";
export { answerClientErrors } from "./client-errors.ts";
export {
  CONSOLE_CONTENT_SECURITY_POLICY,
  CONSOLE_PATH,
  type ConsoleAssets,
  consoleRoutes,
  readConsoleAssets,
} from "./console-routes.ts";
export {
  createHttpApp,
  type HttpAppOptions,
  type HttpEnv,
  validationError,
} from "./create-http-app.ts";
export { errorResponses, errorSchema, JSON_BODY_ERRORS } from "./error-schema.ts";
export {
  ApiError,
  ERROR_CODES,
  ERROR_STATUS,
  type ErrorBody,
  type ErrorCode,
  type ErrorDetail,
  errorBody,
  errorResponse,
} from "./errors.ts";
export { HEALTH_TAG, healthRoutes } from "./health-routes.ts";
export { httpMetrics, UNMATCHED_ROUTE } from "./http-metrics.ts";
export { createHttpServer, REFUSED_BODY_LINGER_MS } from "./http-server.ts";
export {
  DOCS_PAGE_CONFIGURATION,
  mountOpenApiDocs,
  type OpenApiDocsOptions,
  servedOpenApiDocument,
  unusedDependency,
} from "./openapi-docs.ts";
export { openApiOperations, openApiProblems } from "./openapi-rules.ts";
export { type ServeUntilSignalOptions, serveUntilSignal } from "./serve-until-signal.ts";
