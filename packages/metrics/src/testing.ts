import type { Registry } from "prom-client";

export interface MetricSample {
  labels: Record<string, string | number | undefined>;
  value: number;
}

/**
 * The current samples of one metric in a registry, as tests want to read them. A histogram's
 * samples are its `_bucket`, `_sum` and `_count` series, told apart by `name`.
 */
export async function metricSamples(
  registry: Registry,
  name: string,
): Promise<(MetricSample & { name: string })[]> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name} in the registry`);
  const { values } = await metric.get();
  return values.map((sample) => ({
    name: (sample as { metricName?: string }).metricName ?? name,
    labels: { ...sample.labels },
    value: sample.value,
  }));
}

/**
 * The value of the one sample of `name` whose labels include `labels`; 0 when there is none.
 * `name` may be a histogram's series: `x_count`, `x_sum`, `x_bucket` (with an `le` label).
 */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metricName = registry.getSingleMetric(name)
    ? name
    : name.replace(/_(bucket|sum|count)$/, "");
  const matching = (await metricSamples(registry, metricName)).filter(
    (sample) =>
      sample.name === name &&
      Object.entries(labels).every(([key, value]) => String(sample.labels[key]) === value),
  );
  if (matching.length > 1) {
    throw new Error(`${matching.length} samples of ${name} match ${JSON.stringify(labels)}`);
  }
  return matching[0]?.value ?? 0;
}

/**
 * The samples of a scraped Prometheus text exposition, for tests that read what a scraper
 * would (label order within a line is prom-client's business, not theirs).
 */
export function parseExposition(
  text: string,
): { name: string; labels: Record<string, string>; value: number }[] {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? "").matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[label[1] as string] = (label[2] as string).replace(/\\(.)/g, (_, c) =>
        c === "n" ? "\n" : c,
      );
    }
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}
