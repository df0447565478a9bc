import { useState } from "preact/hooks";
import { useLocation } from "preact-iso/router";
import { type ApiProblem, asProblem, call } from "../../shared/api-call.ts";
import { ErrorMessage, PageHeader } from "../../shared/components.tsx";
import { paths } from "../paths.ts";
import {
  type NumericParameter,
  numberOf,
  OutputFields,
  ParameterFields,
  type RunFieldValues,
  type RunParameters,
  runParameters,
  ScenarioAndResources,
  useRunFormData,
} from "../run-fields.tsx";
import { useSession } from "../session.ts";

export default function Submit() {
  const { client } = useSession();
  const { route, query } = useLocation();
  const formData = useRunFormData(client);
  const [run, setRun] = useState<RunFieldValues>({
    scenario: query.scenario ?? "",
    cpu: "0.5",
    memory: "1",
  });
  const [parameters, setParameters] = useState<Partial<Record<NumericParameter, string>>>({});
  const [outputs, setOutputs] = useState<NonNullable<RunParameters["outputs"]>>([]);
  const [queue, setQueue] = useState(false);
  const [problem, setProblem] = useState<ApiProblem>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      const job = await call(
        client.POST("/v1/jobs", {
          body: {
            scenario_id: run.scenario,
            // An empty or unreadable number goes as null: the API names the field.
            cpu_request: numberOf(run.cpu) ?? Number.NaN,
            memory_gi: numberOf(run.memory) ?? Number.NaN,
            scenario: runParameters(parameters, outputs),
            ...(queue && { queue: true }),
          },
        }),
      );
      route(paths.job(job.job_id));
    } catch (error) {
      setProblem(asProblem(error));
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader title="Submit a job" />
      {/* The API checks every field and says what is wrong; the browser does not stop it first. */}
      <form class="card" onSubmit={submit} noValidate>
        <ScenarioAndResources data={formData} values={run} onChange={setRun} />
        <fieldset>
          <legend>Run parameters (empty: the scenario's own)</legend>
          <ParameterFields idPrefix="parameter" values={parameters} onChange={setParameters} />
        </fieldset>
        <OutputFields value={outputs} onChange={setOutputs} />
        <label class="check">
          <input
            type="checkbox"
            name="queue"
            checked={queue}
            onChange={(event) => setQueue(event.currentTarget.checked)}
          />
          Wait in my queue when the job cannot start now (instead of a refusal)
        </label>
        <ErrorMessage problem={problem} title={titleOf(problem)} />
        <p>
          <button type="submit" disabled={busy}>
            {busy ? "Submitting…" : "Submit"}
          </button>
        </p>
      </form>
    </>
  );
}

/** 429 and 422 say different things to do: wait, or change the job. */
function titleOf(problem: ApiProblem | undefined): string {
  if (problem?.status === 429) return "Not now: you are at your limit of concurrent jobs";
  if (problem?.status === 422) return "The job was refused";
  return "Could not submit";
}
