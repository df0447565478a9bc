// The activity's charts (see activity.tsx): jobs per interval, jobs running and waiting over
// time, and run times. A chunk of its own, so a page is drawn before the chart library loads.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import type { Activity } from "./activity.tsx";

const COLOURS = {
  submitted: "#1d4ed8",
  succeeded: "#15803d",
  failed: "#b91c1c",
  cancelled: "#6b7280",
  running: "#7c3aed",
  waiting: "#b45309",
  p50: "#0f766e",
  p90: "#9333ea",
};

export default function ActivityCharts(props: { activity: Activity; whose: string }) {
  const { activity, whose } = props;
  const unit =
    activity.step_seconds >= 86400 ? "day" : activity.step_seconds >= 3600 ? "hour" : "10 minutes";
  const x = activity.intervals.map((i) => Date.parse(i.start) / 1000);
  const column = (pick: (i: Activity["intervals"][number]) => number | null) =>
    activity.intervals.map(pick);
  return (
    <div class="activity-charts">
      <TimeChart
        title={`${whose} per ${unit}`}
        yLabel="jobs"
        x={x}
        series={[
          { label: "submitted", colour: COLOURS.submitted, values: column((i) => i.submitted) },
          { label: "succeeded", colour: COLOURS.succeeded, values: column((i) => i.succeeded) },
          { label: "failed", colour: COLOURS.failed, values: column((i) => i.failed) },
          { label: "cancelled", colour: COLOURS.cancelled, values: column((i) => i.cancelled) },
        ]}
      />
      <TimeChart
        title={`${whose} running and waiting`}
        yLabel="jobs"
        x={x}
        series={[
          { label: "running", colour: COLOURS.running, values: column((i) => i.running) },
          { label: "waiting", colour: COLOURS.waiting, values: column((i) => i.waiting) },
        ]}
      />
      <TimeChart
        title={`Run time of ${whose.toLowerCase()} that succeeded`}
        yLabel="seconds"
        x={x}
        series={[
          {
            label: "median",
            colour: COLOURS.p50,
            values: column((i) => i.run_seconds?.p50 ?? null),
          },
          {
            label: "90th percentile",
            colour: COLOURS.p90,
            values: column((i) => i.run_seconds?.p90 ?? null),
          },
        ]}
      />
    </div>
  );
}

function TimeChart(props: {
  title: string;
  yLabel: string;
  x: number[];
  series: { label: string; colour: string; values: (number | null)[] }[];
}) {
  const container = useRef<HTMLDivElement>(null);
  const key = JSON.stringify([props.title, props.x, props.series]);
  // Redrawn when what it shows changes (`key` stands for the props).
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const chart = new uPlot(
      {
        title: props.title,
        width: Math.min(900, element.clientWidth || 900),
        height: 220,
        axes: [{}, { label: props.yLabel }],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        series: [
          {},
          ...props.series.map((series) => ({
            label: series.label,
            stroke: series.colour,
            width: 2,
            // A point on every value: a lone interval with jobs, or between gaps, still shows.
            points: { show: true, size: 5, fill: series.colour },
          })),
        ],
      },
      [props.x, ...props.series.map((series) => series.values)],
      element,
    );
    return () => chart.destroy();
  }, [key]);
  return (
    <figure class="chart" aria-label={props.title}>
      <div ref={container} />
    </figure>
  );
}
