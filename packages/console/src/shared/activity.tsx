// Jobs over time (GET /v1/activity, GET /admin/activity): a period picker, the charts (a chunk
// of their own with the chart library, loaded once the page is drawn) and their numbers.
import type { TenantSchemas } from "@sumo/api-client";
import { useState } from "preact/hooks";
import lazy from "preact-iso/lazy";
import type { ApiProblem } from "./api-call.ts";
import { ErrorMessage, Loading } from "./components.tsx";
import { formatDuration } from "./format.ts";
import { usePolled } from "./use-polled.ts";

export type Activity = TenantSchemas["Activity"];
export type ActivityPeriod = Activity["period"];

const ActivityCharts = lazy(() => import("./activity-charts.tsx"));

const PERIODS: { period: ActivityPeriod; label: string }[] = [
  { period: "6h", label: "6 hours" },
  { period: "48h", label: "48 hours" },
  { period: "30d", label: "30 days" },
];

/** How often the charts are read again: the shortest interval is ten minutes. */
const REFRESH_MS = 30_000;

export function ActivitySection(props: {
  title: string;
  /** Whose jobs, for the charts' titles: "your jobs", "all tenants' jobs". */
  whose: string;
  defaultPeriod: ActivityPeriod;
  load: (period: ActivityPeriod, signal: AbortSignal) => Promise<Activity>;
}) {
  const [period, setPeriod] = useState(props.defaultPeriod);
  // Whether the numbers are shown: kept while another period loads.
  const [numbersShown, setNumbersShown] = useState(false);
  const activity = usePolled(
    (signal) => props.load(period, signal),
    () => REFRESH_MS,
    [period],
  );
  const data = activity.data?.period === period ? activity.data : undefined;
  return (
    <section class="card" aria-labelledby="activity-heading">
      <div class="section-header">
        <h2 id="activity-heading">{props.title}</h2>
        <fieldset class="segmented">
          <legend class="visually-hidden">Period</legend>
          {PERIODS.map((option) => (
            <label key={option.period}>
              <input
                type="radio"
                name="activity-period"
                value={option.period}
                checked={period === option.period}
                onChange={() => setPeriod(option.period)}
              />
              {option.label}
            </label>
          ))}
        </fieldset>
      </div>
      <ActivityBody
        activity={data}
        error={activity.error}
        whose={props.whose}
        numbersShown={numbersShown}
        onNumbersShown={setNumbersShown}
      />
    </section>
  );
}

function ActivityBody(props: {
  activity: Activity | undefined;
  error: ApiProblem | undefined;
  whose: string;
  numbersShown: boolean;
  onNumbersShown: (shown: boolean) => void;
}) {
  const { activity } = props;
  if (!activity) {
    return props.error ? (
      <ErrorMessage problem={props.error} title="Could not read the activity" />
    ) : (
      <Loading what="the activity" />
    );
  }
  const busy = activity.intervals.filter(
    (i) => i.submitted + i.started + i.succeeded + i.failed + i.cancelled > 0 || i.running > 0,
  );
  return (
    <>
      <ErrorMessage problem={props.error} title="Could not refresh the activity" />
      <ActivityCharts activity={activity} whose={props.whose} />
      <details
        open={props.numbersShown}
        onToggle={(event) => props.onNumbersShown(event.currentTarget.open)}
      >
        <summary>
          The numbers ({busy.length} {busy.length === 1 ? "interval" : "intervals"} with jobs)
        </summary>
        <ActivityTable activity={activity} intervals={busy} />
      </details>
    </>
  );
}

function ActivityTable(props: { activity: Activity; intervals: Activity["intervals"] }) {
  const daily = props.activity.step_seconds >= 86400;
  const when = (iso: string) =>
    new Date(iso).toLocaleString(undefined, {
      month: "short",
      day: "numeric",
      ...(daily ? { timeZone: "UTC" } : { hour: "2-digit", minute: "2-digit" }),
    });
  return (
    <div class="table-scroll">
      <table>
        <caption class="visually-hidden">Jobs per interval</caption>
        <thead>
          <tr>
            <th scope="col">{daily ? "Day (UTC)" : "From"}</th>
            <th scope="col">Submitted</th>
            <th scope="col">Started</th>
            <th scope="col">Succeeded</th>
            <th scope="col">Failed</th>
            <th scope="col">Cancelled</th>
            <th scope="col">Running at end</th>
            <th scope="col">Waiting at end</th>
            <th scope="col">Run time p50 / p90 / longest</th>
          </tr>
        </thead>
        <tbody>
          {props.intervals.map((interval) => (
            <tr key={interval.start}>
              <td>
                <time dateTime={interval.start}>{when(interval.start)}</time>
              </td>
              <td>{interval.submitted}</td>
              <td>{interval.started}</td>
              <td>{interval.succeeded}</td>
              <td>{interval.failed}</td>
              <td>{interval.cancelled}</td>
              <td>{interval.running}</td>
              <td>{interval.waiting}</td>
              <td>
                {interval.run_seconds
                  ? [interval.run_seconds.p50, interval.run_seconds.p90, interval.run_seconds.max]
                      .map(formatDuration)
                      .join(" / ")
                  : "–"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
