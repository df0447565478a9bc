import type { TenantSchemas } from "@sumo/api-client";
import { MAX_SWEEP_MEMBERS, sweepSize } from "@sumo/scenario/sweep-values";
import { useState } from "preact/hooks";
import { useLocation } from "preact-iso/router";
import { type ApiProblem, asProblem, call } from "../../shared/api-call.ts";
import { ErrorMessage, PageHeader } from "../../shared/components.tsx";
import { formatNumber } from "../../shared/format.ts";
import { paths } from "../paths.ts";
import {
  NUMERIC_PARAMETERS,
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

type SweepVary = TenantSchemas["SweepVary"];

interface VaryField {
  how: "fixed" | "list" | "range";
  list: string;
  from: string;
  to: string;
  step: string;
}

const FIXED: VaryField = { how: "fixed", list: "", from: "", to: "", step: "1" };

/** The `vary` the fields give; a value that is not a number goes as it is for the API to name. */
export function varyOf(fields: Partial<Record<NumericParameter, VaryField>>): SweepVary {
  const vary: SweepVary = {};
  for (const { name } of NUMERIC_PARAMETERS) {
    const field = fields[name];
    if (!field || field.how === "fixed") continue;
    vary[name] =
      field.how === "list"
        ? field.list
            .split(/[\s,]+/)
            .filter(Boolean)
            .map(Number)
        : {
            from: numberOf(field.from) ?? Number.NaN,
            to: numberOf(field.to) ?? Number.NaN,
            step: numberOf(field.step) ?? 1,
          };
  }
  return vary;
}

export default function NewSweep() {
  const { client } = useSession();
  const { route } = useLocation();
  const formData = useRunFormData(client);
  const [run, setRun] = useState<RunFieldValues>({ scenario: "", cpu: "0.5", memory: "1" });
  const [parameters, setParameters] = useState<Partial<Record<NumericParameter, string>>>({});
  const [outputs, setOutputs] = useState<NonNullable<RunParameters["outputs"]>>([]);
  const [fields, setFields] = useState<Partial<Record<NumericParameter, VaryField>>>({
    seed: { ...FIXED, how: "range", from: "1", to: "10" },
  });
  const [problem, setProblem] = useState<ApiProblem>();
  const [busy, setBusy] = useState(false);
  const vary = varyOf(fields);
  const varied = Object.keys(vary) as NumericParameter[];
  const members = varied.length > 0 ? sweepSize(vary as Parameters<typeof sweepSize>[0]) : 0;

  const setField = (name: NumericParameter, change: Partial<VaryField>) =>
    setFields({ ...fields, [name]: { ...(fields[name] ?? FIXED), ...change } });

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      const sweep = await call(
        client.POST("/v1/sweeps", {
          body: {
            scenario_id: run.scenario,
            cpu_request: numberOf(run.cpu) ?? Number.NaN,
            memory_gi: numberOf(run.memory) ?? Number.NaN,
            parameters: runParameters(
              Object.fromEntries(Object.entries(parameters).filter(([name]) => !(name in vary))),
              outputs,
            ),
            vary,
          },
        }),
      );
      route(paths.sweep(sweep.sweep_id));
    } catch (error) {
      setProblem(asProblem(error));
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader title="Create a sweep" />
      <form class="card" onSubmit={submit} noValidate>
        <ScenarioAndResources data={formData} values={run} onChange={setRun} />
        <fieldset>
          <legend>Parameters to vary</legend>
          <p class="hint">
            Every combination of the values runs as a member of its own, queued, starting as your
            limits allow.
          </p>
          {NUMERIC_PARAMETERS.map((parameter) => {
            const field = fields[parameter.name] ?? FIXED;
            const id = `vary-${parameter.name}`;
            return (
              <div class="vary-row form-grid" key={parameter.name}>
                <div class="field">
                  <label for={`${id}-how`}>{parameter.label} varies</label>
                  <select
                    id={`${id}-how`}
                    value={field.how}
                    onChange={(event) =>
                      setField(parameter.name, {
                        how: event.currentTarget.value as VaryField["how"],
                      })
                    }
                  >
                    <option value="fixed">not</option>
                    <option value="list">over a list of values</option>
                    <option value="range">over a range</option>
                  </select>
                </div>
                {field.how === "list" && (
                  <div class="field">
                    <label for={`${id}-list`}>{parameter.label}: values</label>
                    <input
                      id={`${id}-list`}
                      value={field.list}
                      placeholder="0.8, 1, 1.2"
                      onInput={(event) =>
                        setField(parameter.name, { list: event.currentTarget.value })
                      }
                    />
                  </div>
                )}
                {field.how === "range" &&
                  (["from", "to", "step"] as const).map((part) => (
                    <div class="field" key={part}>
                      <label for={`${id}-${part}`}>
                        {parameter.label}: {part}
                      </label>
                      <input
                        id={`${id}-${part}`}
                        type="number"
                        step="any"
                        value={field[part]}
                        onInput={(event) =>
                          setField(parameter.name, { [part]: event.currentTarget.value })
                        }
                      />
                    </div>
                  ))}
              </div>
            );
          })}
        </fieldset>
        <fieldset>
          <legend>Parameters every member shares (empty: the scenario's own)</legend>
          <ParameterFields
            idPrefix="shared"
            values={parameters}
            onChange={setParameters}
            skip={varied}
          />
        </fieldset>
        <OutputFields value={outputs} onChange={setOutputs} />
        <p class="member-count" aria-live="polite">
          <strong>{formatNumber(members, 0)}</strong> {members === 1 ? "member" : "members"}
          {members > MAX_SWEEP_MEMBERS && ` (at most ${formatNumber(MAX_SWEEP_MEMBERS, 0)})`}
          {varied.length === 0 && " (vary at least one parameter)"}
        </p>
        <ErrorMessage problem={problem} title="The sweep was refused" />
        <p>
          <button type="submit" disabled={busy}>
            {busy ? "Creating…" : `Create the sweep`}
          </button>
        </p>
      </form>
    </>
  );
}
