// How the tenant console shows a sweep's aggregated results: one row per run-summary metric,
// its spread drawn as a box plot (min, 5th, 50th, 95th percentile, max) beside the numbers.
import type { TenantSchemas } from "@sumo/api-client";
import { formatNumber } from "../shared/format.ts";

export type MetricStatistics = TenantSchemas["MetricStatistics"];
export type SweepResults = TenantSchemas["SweepWithResults"]["results"];

/** What each metric is, with its unit, in the order the page lists them. */
export const METRICS: { key: keyof SweepResults; label: string }[] = [
  { key: "trips.mean_travel_time_s", label: "Mean travel time (s)" },
  { key: "trips.mean_time_loss_s", label: "Mean time loss (s)" },
  { key: "trips.mean_waiting_time_s", label: "Mean waiting time (s)" },
  { key: "trips.mean_speed_mps", label: "Mean speed (m/s)" },
  { key: "trips.mean_route_length_m", label: "Mean route length (m)" },
  { key: "trips.mean_depart_delay_s", label: "Mean depart delay (s)" },
  { key: "trips.count", label: "Trips" },
  { key: "vehicles.loaded", label: "Vehicles loaded" },
  { key: "vehicles.inserted", label: "Vehicles inserted" },
  { key: "vehicles.arrived", label: "Vehicles arrived" },
  { key: "vehicles.running", label: "Vehicles still running" },
  { key: "vehicles.waiting", label: "Vehicles waiting" },
  { key: "vehicles.teleported", label: "Vehicles teleported" },
  { key: "vehicles.collided", label: "Vehicles collided" },
  { key: "simulated_seconds", label: "Simulated time (s)" },
  { key: "wall_seconds", label: "Wall time (s)" },
  { key: "real_time_factor", label: "Real-time factor" },
];

/** A metric's value in a run summary, by its dotted name. */
export function metricOf(result: unknown, key: string): number | undefined {
  let value: unknown = result;
  for (const part of key.split(".")) value = (value as Record<string, unknown> | null)?.[part];
  return typeof value === "number" ? value : undefined;
}

export function BoxPlot({ stats, label }: { stats: MetricStatistics; label: string }) {
  const span = stats.max - stats.min;
  const x = (value: number) => (span > 0 ? 4 + ((value - stats.min) / span) * 192 : 100);
  return (
    <svg
      class="box-plot"
      viewBox="0 0 200 28"
      role="img"
      aria-label={`${label}: ${describe(stats)}`}
    >
      <line class="whisker" x1={x(stats.min)} x2={x(stats.max)} y1="14" y2="14" />
      <line class="whisker" x1={x(stats.min)} x2={x(stats.min)} y1="7" y2="21" />
      <line class="whisker" x1={x(stats.max)} x2={x(stats.max)} y1="7" y2="21" />
      <rect
        class="box"
        x={x(stats.p5)}
        y="5"
        width={Math.max(1, x(stats.p95) - x(stats.p5))}
        height="18"
      />
      <line class="median" x1={x(stats.p50)} x2={x(stats.p50)} y1="5" y2="23" />
    </svg>
  );
}

function describe(stats: MetricStatistics): string {
  const f = (value: number) => formatNumber(value, 2);
  return `min ${f(stats.min)}, 5th percentile ${f(stats.p5)}, median ${f(stats.p50)}, 95th percentile ${f(stats.p95)}, max ${f(stats.max)}`;
}

export function ResultsTable({ results }: { results: SweepResults }) {
  const rows = METRICS.filter((metric) => results[metric.key]);
  if (rows.length === 0) return <p class="muted">No member has succeeded yet.</p>;
  const f = (value: number | null) => (value === null ? "–" : formatNumber(value, 2));
  return (
    <div class="table-scroll">
      <table>
        <caption class="muted small">
          Over the members that succeeded. The bar spans min to max, the box the 5th to 95th
          percentile, the line is the median.
        </caption>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">Spread</th>
            <th scope="col" class="number">
              Members
            </th>
            <th scope="col" class="number">
              Mean
            </th>
            <th scope="col" class="number">
              Std dev
            </th>
            <th scope="col" class="number">
              Min
            </th>
            <th scope="col" class="number">
              p5
            </th>
            <th scope="col" class="number">
              Median
            </th>
            <th scope="col" class="number">
              p95
            </th>
            <th scope="col" class="number">
              Max
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ key, label }) => {
            const stats = results[key] as MetricStatistics;
            return (
              <tr key={key}>
                <th scope="row">{label}</th>
                <td>
                  <BoxPlot stats={stats} label={label} />
                </td>
                <td class="number">{stats.count}</td>
                <td class="number">{f(stats.mean)}</td>
                <td class="number">{f(stats.stddev)}</td>
                <td class="number">{f(stats.min)}</td>
                <td class="number">{f(stats.p5)}</td>
                <td class="number">{f(stats.p50)}</td>
                <td class="number">{f(stats.p95)}</td>
                <td class="number">{f(stats.max)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
