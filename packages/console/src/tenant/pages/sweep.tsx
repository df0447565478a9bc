import type { TenantClient } from "@sumo/api-client";
import { useEffect, useRef, useState } from "preact/hooks";
import { useRoute } from "preact-iso/router";
import uPlot from "uplot";
import { type ApiProblem, asProblem, call } from "../../shared/api-call.ts";
import {
  ErrorMessage,
  Freshness,
  Loading,
  PageHeader,
  ProgressBar,
  Time,
} from "../../shared/components.tsx";
import { formatNumber, shortId } from "../../shared/format.ts";
import { usePolled } from "../../shared/use-polled.ts";
import { type Job, StatusCounts } from "../job-views.tsx";
import { useSession } from "../session.ts";
import { METRICS, metricOf, ResultsTable } from "../sweep-views.tsx";

const REFRESH_MS = 2000;
/** Members the chart reads at most (pages of 100). */
const MAX_CHARTED_MEMBERS = 2000;

export default function SweepPage() {
  const { client } = useSession();
  const { params } = useRoute();
  const sweepId = params.id ?? "";
  const sweep = usePolled(
    (signal) =>
      call(
        client.GET("/v1/sweeps/{sweep_id}", { params: { path: { sweep_id: sweepId } }, signal }),
      ),
    (data) => (data && data.progress.ended === data.member_count ? null : REFRESH_MS),
    [client, sweepId],
  );
  const [problem, setProblem] = useState<ApiProblem>();
  const data = sweep.data;
  if (!data) {
    return sweep.error ? (
      <>
        <h1>Sweep {shortId(sweepId)}</h1>
        <ErrorMessage problem={sweep.error} title="Could not read the sweep" />
      </>
    ) : (
      <Loading what="the sweep" />
    );
  }
  const ended = data.progress.ended === data.member_count;
  const cancel = async () => {
    setProblem(undefined);
    try {
      await call(
        client.POST("/v1/sweeps/{sweep_id}/cancel", { params: { path: { sweep_id: sweepId } } }),
      );
      sweep.reload();
    } catch (error) {
      setProblem(asProblem(error));
    }
  };
  return (
    <>
      <PageHeader
        title={
          <>
            Sweep <code>{shortId(data.sweep_id)}</code>
          </>
        }
      >
        {!ended && (
          <button type="button" class="danger" onClick={cancel}>
            Cancel the sweep
          </button>
        )}
      </PageHeader>
      <ErrorMessage problem={problem} />
      <Freshness updatedAt={sweep.updatedAt} error={sweep.error} />
      <div class="grid">
        <section class="card" aria-labelledby="sweep-progress-heading">
          <h2 id="sweep-progress-heading">Progress</h2>
          <ProgressBar
            label="Members ended"
            fraction={data.progress.fraction}
            detail={`${data.progress.ended} of ${data.member_count} members ended`}
          />
          <StatusCounts counts={data.counts} />
        </section>
        <section class="card" aria-labelledby="sweep-setup-heading">
          <h2 id="sweep-setup-heading">Set-up</h2>
          <dl class="facts">
            <dt>Scenario</dt>
            <dd>{data.scenario_name ?? <span class="muted">(deleted)</span>}</dd>
            <dt>Varies</dt>
            <dd>
              <code>{JSON.stringify(data.vary)}</code>
            </dd>
            <dt>Shared</dt>
            <dd>
              <code>{JSON.stringify(data.parameters)}</code>
            </dd>
            <dt>Each member</dt>
            <dd>
              {formatNumber(data.cpu_request, 3)} cores, {formatNumber(data.memory_gi, 3)} GiB
            </dd>
            <dt>Created</dt>
            <dd>
              <Time iso={data.created_at} />
            </dd>
            {data.cancelled && (
              <>
                <dt>Cancelled</dt>
                <dd>
                  by {data.cancelled.by}, <Time iso={data.cancelled.at} />
                </dd>
              </>
            )}
          </dl>
        </section>
      </div>
      <section aria-labelledby="results-heading">
        <h2 id="results-heading">Results</h2>
        <ResultsTable results={data.results} />
        <MemberChart
          client={client}
          sweepId={data.sweep_id}
          varied={Object.keys(data.vary)}
          succeeded={data.counts.SUCCEEDED}
        />
      </section>
    </>
  );
}

/** Each succeeded member's value of a metric against a varied parameter, one point each. */
function MemberChart(props: {
  client: TenantClient;
  sweepId: string;
  varied: string[];
  succeeded: number;
}) {
  const [metric, setMetric] = useState<string>(METRICS[0]?.key ?? "");
  const [axis, setAxis] = useState(props.varied[0] ?? "seed");
  const members = usePolled(
    async (signal) => {
      const jobs: Job[] = [];
      let cursor: string | undefined;
      do {
        const page = await call(
          props.client.GET("/v1/jobs", {
            params: {
              query: {
                sweep_id: props.sweepId,
                status: "SUCCEEDED",
                limit: 100,
                ...(cursor && { cursor }),
              },
            },
            signal,
          }),
        );
        jobs.push(...page.jobs);
        cursor = page.next_cursor ?? undefined;
      } while (cursor && jobs.length < MAX_CHARTED_MEMBERS);
      return jobs;
    },
    () => null,
    // Read again as more members succeed.
    [props.client, props.sweepId, props.succeeded],
  );
  const points = (members.data ?? [])
    .map((job) => ({ x: parameterOf(job, axis), y: metricOf(job.result, metric) }))
    .filter((p): p is { x: number; y: number } => p.x !== undefined && p.y !== undefined)
    .sort((a, b) => a.x - b.x);
  const label = METRICS.find((m) => m.key === metric)?.label ?? metric;
  if (props.succeeded === 0) return null;
  return (
    <div class="card">
      <h3>Each member</h3>
      <div class="filters">
        <div class="field">
          <label for="chart-metric">Metric</label>
          <select
            id="chart-metric"
            value={metric}
            onChange={(e) => setMetric(e.currentTarget.value)}
          >
            {METRICS.map((m) => (
              <option key={m.key} value={m.key}>
                {m.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="chart-axis">Against</label>
          <select id="chart-axis" value={axis} onChange={(e) => setAxis(e.currentTarget.value)}>
            {props.varied.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorMessage problem={members.error} title="Could not read the members" />
      <ScatterChart title={`${label} by ${axis}`} xLabel={axis} yLabel={label} points={points} />
      <p class="muted small">
        {points.length} members that succeeded{members.loading ? " (reading…)" : ""}.
      </p>
    </div>
  );
}

/** A varied parameter's value for one member, from the seed and options its run reported. */
function parameterOf(job: Job, name: string): number | undefined {
  if (name === "seed") return job.result?.seed;
  // The runner reports the SUMO options it ran with: `--scale 1.2`, `--end 300`, ...
  const option = `--${name.replaceAll("_", "-")}`;
  const options = job.result?.options ?? [];
  const index = options.indexOf(option);
  const value = index >= 0 ? Number(options[index + 1]) : Number.NaN;
  return Number.isFinite(value) ? value : undefined;
}

function ScatterChart(props: {
  title: string;
  xLabel: string;
  yLabel: string;
  points: { x: number; y: number }[];
}) {
  const container = useRef<HTMLDivElement>(null);
  const key = JSON.stringify(props);
  // Redrawn when what it shows changes (`key` stands for the props).
  useEffect(() => {
    const element = container.current;
    if (!element || props.points.length === 0) return;
    const chart = new uPlot(
      {
        title: props.title,
        width: Math.min(900, element.clientWidth || 900),
        height: 320,
        scales: { x: { time: false } },
        axes: [{ label: props.xLabel }, { label: props.yLabel }],
        legend: { show: false },
        series: [
          { label: props.xLabel },
          {
            label: props.yLabel,
            stroke: "#1d4ed8",
            paths: () => null,
            points: { show: true, size: 7, fill: "#1d4ed8" },
          },
        ],
      },
      [props.points.map((p) => p.x), props.points.map((p) => p.y)],
      element,
    );
    return () => chart.destroy();
  }, [key]);
  return (
    <figure class="chart" aria-label={props.title}>
      <div ref={container} />
      <figcaption class="muted small">
        {props.title}: one point per member that succeeded.
      </figcaption>
    </figure>
  );
}
