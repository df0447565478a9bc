export * from "./env.ts";
export {
  createMetricsRegistry,
  type MetricsRegistryOptions,
  perRegistry,
} from "./metrics-registry.ts";
export { MetricsServer, type MetricsServerOptions } from "./metrics-server.ts";
