import { collectDefaultMetrics, Registry } from "prom-client";

export interface MetricsRegistryOptions {
  /**
   * Added to every series as the `service` label: the api and admin services record the same
   * HTTP metric names, and a Prometheus that discovers pods by annotation scrapes all of them
   * under one job.
   */
  service: string;
}

/**
 * A process's own prom-client registry, with prom-client's default process and Node.js metrics
 * (CPU, memory, file descriptors, event loop lag, GC, active handles). Never the global default
 * registry: a service passes this one to whatever records metrics, so tests can hand in theirs.
 */
export function createMetricsRegistry(options: MetricsRegistryOptions): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Makes a factory of metric objects return the same objects for the same registry. prom-client
 * refuses a second metric of one name in a registry, and some recorders are built more than
 * once over one registry: a JobReconciler per leadership term, an app per test.
 */
export function perRegistry<Metrics>(
  create: (registry: Registry) => Metrics,
): (registry: Registry) => Metrics {
  const created = new WeakMap<Registry, Metrics>();
  return (registry) => {
    let metrics = created.get(registry);
    if (metrics === undefined) {
      metrics = create(registry);
      created.set(registry, metrics);
    }
    return metrics;
  };
}
