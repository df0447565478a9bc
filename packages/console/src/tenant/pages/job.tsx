import type { TenantSchemas } from "@sumo/api-client";
import { useEffect, useRef, useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso/router";
import { type ApiProblem, asProblem, call, problemOf } from "../../shared/api-call.ts";
import {
  ErrorMessage,
  Freshness,
  Loading,
  PageHeader,
  StatusBadge,
  Time,
} from "../../shared/components.tsx";
import { formatDuration, formatNumber, secondsBetween, shortId } from "../../shared/format.ts";
import { usePolled } from "../../shared/use-polled.ts";
import { isEnded, type Job, JobProgressBar } from "../job-views.tsx";
import { paths } from "../paths.ts";
import {
  NUMERIC_PARAMETERS,
  type NumericParameter,
  ParameterFields,
  type RunParameters,
  runParameters,
} from "../run-fields.tsx";
import { useSession } from "../session.ts";

const REFRESH_MS = 1000;
/** Lines the page keeps of a followed log (the API sends at most 500 to start with). */
const MAX_LOG_LINES = 2000;
/** How long after a follow ended while the job runs the page follows again. */
const REFOLLOW_DELAY_MS = 1000;

type JobDetail = TenantSchemas["JobWithScenario"];

export default function JobPage() {
  const { client } = useSession();
  const { params } = useRoute();
  const jobId = params.id ?? "";
  const job = usePolled(
    (signal) =>
      call(client.GET("/v1/jobs/{job_id}", { params: { path: { job_id: jobId } }, signal })),
    (data) => (data && isEnded(data.status) ? null : REFRESH_MS),
    [client, jobId],
  );
  if (!job.data) {
    return job.error ? (
      <>
        <h1>Job {shortId(jobId)}</h1>
        <ErrorMessage problem={job.error} title="Could not read the job" />
      </>
    ) : (
      <Loading what="the job" />
    );
  }
  return <JobView job={job.data} onChange={job.reload} freshness={job} />;
}

function JobView(props: {
  job: JobDetail;
  onChange: () => void;
  freshness: { updatedAt: Date | undefined; error: ApiProblem | undefined };
}) {
  const { job } = props;
  const ended = isEnded(job.status);
  const [changing, setChanging] = useState(false);
  return (
    <>
      <PageHeader
        title={
          <>
            Job <code>{shortId(job.job_id)}</code> <StatusBadge status={job.status} />
          </>
        }
      >
        <JobActions
          job={job}
          onChange={props.onChange}
          changing={changing}
          onChanging={setChanging}
        />
      </PageHeader>
      <Freshness updatedAt={props.freshness.updatedAt} error={props.freshness.error} />
      {changing && <RerunForm job={job} onClose={() => setChanging(false)} />}
      <section class="card" aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        <Timeline job={job} />
        {job.status === "RUNNING" && (
          <div class="job-progress">
            <h3>Progress</h3>
            <JobProgressBar job={job} />
          </div>
        )}
        {job.queue && (
          <p>
            Waiting in your queue at position {job.queue.position}
            {job.queue.waiting_for && ` (for ${job.queue.waiting_for.replaceAll("_", " ")})`}.
          </p>
        )}
        {job.failure_reason && (
          <p class="error" role="status">
            <strong>Failed:</strong> {job.failure_reason}
            {job.exit_code !== null && ` (exit code ${job.exit_code})`}
          </p>
        )}
        {job.cancelled && (
          <p>
            Cancelled by {job.cancelled.by} at <Time iso={job.cancelled.at} />.
          </p>
        )}
      </section>
      <div class="grid">
        <section class="card" aria-labelledby="run-heading">
          <h2 id="run-heading">Run</h2>
          <dl class="facts">
            <dt>Job id</dt>
            <dd>
              <code>{job.job_id}</code>
            </dd>
            <dt>Scenario</dt>
            <dd>{job.scenario_name ?? <span class="muted">(deleted)</span>}</dd>
            <dt>Bundle SHA-256</dt>
            <dd>
              <code class="small">{job.scenario_sha256?.slice(0, 16) ?? "–"}</code>
            </dd>
            <dt>CPU</dt>
            <dd>{formatNumber(job.cpu_request, 3)} cores</dd>
            <dt>Memory</dt>
            <dd>{formatNumber(job.memory_gi, 3)} GiB</dd>
            <dt>Parameters</dt>
            <dd>
              <code>{JSON.stringify(job.scenario ?? {})}</code>
            </dd>
            {job.kubernetes.pod_name && (
              <>
                <dt>Pod</dt>
                <dd>
                  <code>{job.kubernetes.pod_name}</code>
                </dd>
              </>
            )}
            {job.rerun_of && (
              <>
                <dt>Runs again</dt>
                <dd>
                  <a href={paths.job(job.rerun_of)}>
                    <code>{shortId(job.rerun_of)}</code>
                  </a>
                </dd>
              </>
            )}
            {job.reruns.length > 0 && (
              <>
                <dt>Run again as</dt>
                <dd>
                  {job.reruns.map((id) => (
                    <a key={id} href={paths.job(id)}>
                      <code>{shortId(id)}</code>{" "}
                    </a>
                  ))}
                </dd>
              </>
            )}
          </dl>
        </section>
        <section class="card" aria-labelledby="result-heading">
          <h2 id="result-heading">Result</h2>
          {job.result ? (
            <RunSummary result={job.result} />
          ) : (
            <p class="muted">{ended ? "No run summary." : "Once the run has ended."}</p>
          )}
        </section>
      </div>
      <JobLog job={job} />
    </>
  );
}

function Timeline({ job }: { job: Job }) {
  const steps: { label: string; at: string | null }[] = [
    { label: "Submitted", at: job.submitted_at },
    { label: "Scheduled", at: job.scheduled_at },
    { label: "Started", at: job.started_at },
    {
      label: job.cancelled ? "Cancelled" : "Finished",
      at: job.finished_at ?? job.cancelled?.at ?? null,
    },
  ];
  return (
    <ol class="timeline">
      {steps.map((step, index) => {
        const previous = steps.slice(0, index).findLast((s) => s.at)?.at;
        return (
          <li key={step.label} class={step.at ? "reached" : ""}>
            <strong>{step.label}</strong>
            <br />
            <Time iso={step.at} />
            {step.at && previous && (
              <span class="muted small">
                {" "}
                (+{formatDuration(secondsBetween(previous, step.at))})
              </span>
            )}
          </li>
        );
      })}
    </ol>
  );
}

function RunSummary({ result }: { result: NonNullable<Job["result"]> }) {
  const v = result.vehicles;
  return (
    <dl class="facts run-summary">
      <dt>Simulated</dt>
      <dd>
        {formatNumber(result.simulated_seconds, 0)} s in {formatDuration(result.wall_seconds)} (
        {formatNumber(result.real_time_factor, 1)}× real time)
      </dd>
      <dt>Vehicles</dt>
      <dd>
        {v.loaded} loaded, {v.inserted} inserted, {v.arrived} arrived, {v.running} running,{" "}
        {v.waiting} waiting, {v.teleported} teleported, {v.collided} collided
      </dd>
      {result.trips && (
        <>
          <dt>Trips</dt>
          <dd>{result.trips.count}</dd>
          <dt>Mean travel time</dt>
          <dd>{formatNumber(result.trips.mean_travel_time_s, 1)} s</dd>
          <dt>Mean speed</dt>
          <dd>{formatNumber(result.trips.mean_speed_mps, 2)} m/s</dd>
          <dt>Mean route length</dt>
          <dd>{formatNumber(result.trips.mean_route_length_m, 0)} m</dd>
          <dt>Mean waiting time</dt>
          <dd>{formatNumber(result.trips.mean_waiting_time_s, 1)} s</dd>
          <dt>Mean time loss</dt>
          <dd>{formatNumber(result.trips.mean_time_loss_s, 1)} s</dd>
        </>
      )}
      <dt>Seed</dt>
      <dd>{result.seed}</dd>
      <dt>SUMO</dt>
      <dd>{result.sumo_version}</dd>
    </dl>
  );
}

function JobActions(props: {
  job: Job;
  onChange: () => void;
  /** Whether the form to run it again with other parameters is open. */
  changing: boolean;
  onChanging: (changing: boolean) => void;
}) {
  const { job, onChange } = props;
  const { client } = useSession();
  const { route } = useLocation();
  const [problem, setProblem] = useState<ApiProblem>();
  const [busy, setBusy] = useState(false);
  const act = async (action: () => Promise<void>) => {
    setBusy(true);
    setProblem(undefined);
    try {
      await action();
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };
  const cancel = () =>
    act(async () => {
      await call(
        client.POST("/v1/jobs/{job_id}/cancel", { params: { path: { job_id: job.job_id } } }),
      );
      onChange();
    });
  const rerun = () =>
    act(async () => {
      const again = await call(
        client.POST("/v1/jobs/{job_id}/rerun", {
          params: { path: { job_id: job.job_id } },
          body: {},
        }),
      );
      route(paths.job(again.job_id));
    });
  return (
    <div>
      <div class="actions">
        {!isEnded(job.status) && (
          <button type="button" class="danger" disabled={busy} onClick={cancel}>
            Cancel job
          </button>
        )}
        <button type="button" class="secondary" disabled={busy} onClick={rerun}>
          Run again
        </button>
        <button
          type="button"
          class="secondary"
          aria-expanded={props.changing}
          aria-controls="rerun-form"
          onClick={() => props.onChanging(!props.changing)}
        >
          Run again with changes…
        </button>
      </div>
      <ErrorMessage problem={problem} />
    </div>
  );
}

/**
 * The job run again with other run parameters: its own filled in, any changed, and sent as the
 * rerun's overrides (the API keeps the rest, and the bundle and resources, as they were).
 */
function RerunForm({ job, onClose }: { job: JobDetail; onClose: () => void }) {
  const { client } = useSession();
  const { route } = useLocation();
  const own = job.scenario ?? {};
  const [values, setValues] = useState<Partial<Record<NumericParameter, string>>>(() =>
    Object.fromEntries(
      NUMERIC_PARAMETERS.flatMap(({ name }) =>
        own[name] === undefined || own[name] === null ? [] : [[name, String(own[name])]],
      ),
    ),
  );
  const [queue, setQueue] = useState(false);
  const [problem, setProblem] = useState<ApiProblem>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      const again = await call(
        client.POST("/v1/jobs/{job_id}/rerun", {
          params: { path: { job_id: job.job_id } },
          body: { scenario: runParameters(values, outputsOf(own)), queue },
        }),
      );
      route(paths.job(again.job_id));
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" id="rerun-form" aria-labelledby="rerun-heading">
      <h2 id="rerun-heading">Run again with changes</h2>
      <p class="muted small">
        The same scenario bundle, CPU and memory; the run parameters as you set them here (an
        emptied field keeps the job's own value).
      </p>
      <form noValidate onSubmit={submit}>
        <ParameterFields idPrefix="rerun" values={values} onChange={setValues} />
        <label class="check">
          <input
            type="checkbox"
            name="queue"
            checked={queue}
            onChange={(event) => setQueue(event.currentTarget.checked)}
          />
          Wait in my queue when the job cannot start now (instead of a refusal)
        </label>
        <ErrorMessage problem={problem} />
        <div class="actions">
          <button type="submit" disabled={busy}>
            Run it
          </button>
          <button type="button" class="secondary" onClick={onClose}>
            Close
          </button>
        </div>
      </form>
    </section>
  );
}

/** The outputs a job's run parameters ask for (the job view keeps them as sent). */
function outputsOf(parameters: Record<string, unknown>): RunParameters["outputs"] {
  const outputs = parameters.outputs;
  return Array.isArray(outputs)
    ? outputs.filter((o): o is "summary" | "tripinfo" => o === "summary" || o === "tripinfo")
    : [];
}

const SOURCE_TEXT = {
  pod: "from the pod",
  database: "kept when the job ended",
  none: "none yet",
} as const;

type LogPhase = "none" | "follow" | "read";

/** The job's log: followed live from its pod while it runs, the kept log once it ended. */
function JobLog({ job }: { job: Job }) {
  const { client } = useSession();
  const [lines, setLines] = useState<string[]>([]);
  const [source, setSource] = useState<string>("none");
  const [problem, setProblem] = useState<ApiProblem>();
  // A follow that ended while the job still runs (its longest time, say) starts again.
  const [followRound, setFollowRound] = useState(0);
  const ended = isEnded(job.status);
  const phase: LogPhase = ended
    ? "read"
    : job.status === "RUNNING" && job.kubernetes.pod_name
      ? "follow"
      : "none";

  useEffect(() => {
    if (phase === "none") return;
    const controller = new AbortController();
    const { signal } = controller;
    const read = async () => {
      const log = await call(
        client.GET("/v1/jobs/{job_id}/logs", {
          params: { path: { job_id: job.job_id }, query: { tail: 500 } },
          signal,
        }),
      );
      // Without follow the answer is JSON; the type also allows follow's text.
      if (typeof log === "string") {
        setLines(log.split("\n").filter(Boolean));
        return;
      }
      setLines(log.lines);
      setSource(SOURCE_TEXT[log.source]);
    };
    const follow = async () => {
      const result = await client.GET("/v1/jobs/{job_id}/logs", {
        params: { path: { job_id: job.job_id }, query: { follow: true, tail: 500 } },
        parseAs: "stream",
        signal,
      });
      if (result.error !== undefined || !result.data)
        throw problemOf(result.error, result.response);
      setLines([]);
      setSource("following the pod live");
      const reader = result.data.pipeThrough(new TextDecoderStream()).getReader();
      let partial = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const parts = (partial + value).split("\n");
        partial = parts.pop() ?? "";
        if (parts.length > 0) setLines((previous) => [...previous, ...parts].slice(-MAX_LOG_LINES));
      }
      if (partial) setLines((previous) => [...previous, partial].slice(-MAX_LOG_LINES));
      setSource("the pod's log (the follow ended)");
      // Follow again, unless the job's end (seen within a second) makes this the read phase.
      setTimeout(() => {
        if (!signal.aborted) setFollowRound((n) => n + 1);
      }, REFOLLOW_DELAY_MS);
    };
    setProblem(undefined);
    // A follow refused (the tenant holds its most follows: 429) still shows the log as it is.
    const show =
      phase === "follow"
        ? follow().catch((error: unknown) => {
            if (signal.aborted) throw error;
            setProblem(asProblem(error));
            return read();
          })
        : read();
    show.catch((error: unknown) => {
      if (!signal.aborted) setProblem(asProblem(error));
    });
    return () => controller.abort();
  }, [client, job.job_id, phase, followRound]);

  const logRef = useRef<HTMLPreElement>(null);
  // Scrolled to the newest line whenever lines arrive.
  useEffect(() => {
    const element = logRef.current;
    if (element) element.scrollTop = element.scrollHeight;
  }, [lines]);

  return (
    <section aria-labelledby="log-heading">
      <h2 id="log-heading">
        Log <span class="muted small">({source})</span>
      </h2>
      <ErrorMessage problem={problem} title="Could not read the log" />
      {phase === "none" ? (
        <p class="muted">The log starts once the job runs.</p>
      ) : (
        // Focusable so keyboard users can scroll it.
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable
        <pre class="log" ref={logRef} tabIndex={0} role="log" aria-label="Job log">
          {lines.length > 0 ? lines.join("\n") : "(no lines yet)"}
        </pre>
      )}
    </section>
  );
}
