// The fields a job submission and a sweep share: the scenario, CPU and memory (with the
// tenant's limits beside them), and the run parameters.
import type { TenantClient, TenantSchemas } from "@sumo/api-client";
import { call } from "../shared/api-call.ts";
import { ErrorMessage } from "../shared/components.tsx";
import { formatNumber } from "../shared/format.ts";
import { usePolled } from "../shared/use-polled.ts";
import { paths } from "./paths.ts";

export type RunParameters = NonNullable<TenantSchemas["SubmitJobRequest"]["scenario"]>;

/** The numeric run parameters, in the order the forms show them. */
export const NUMERIC_PARAMETERS = [
  { name: "seed", label: "Seed", hint: "random seed; SUMO's default when empty" },
  { name: "begin", label: "Begin (s)", hint: "simulation begin time" },
  { name: "end", label: "End (s)", hint: "simulation end time" },
  { name: "step_length", label: "Step length (s)", hint: "seconds per step" },
  { name: "scale", label: "Scale", hint: "demand factor; 1 as routed" },
  { name: "time_to_teleport", label: "Time to teleport (s)", hint: "-1 never teleports" },
] as const;

export type NumericParameter = (typeof NUMERIC_PARAMETERS)[number]["name"];

/** A field's text as a number; empty is absent. Not a number goes to the API as it is (null). */
export function numberOf(text: string): number | undefined {
  return text.trim() === "" ? undefined : Number(text);
}

/** The tenant's scenarios (the first 100) and its limits, for the forms. */
export function useRunFormData(client: TenantClient) {
  return usePolled(
    async (signal) => {
      const [scenarios, dashboard] = await Promise.all([
        call(client.GET("/v1/scenarios", { params: { query: { limit: 100 } }, signal })),
        call(client.GET("/v1/dashboard", { signal })),
      ]);
      return { scenarios: scenarios.scenarios, limits: dashboard.limits };
    },
    () => null,
    [client],
  );
}

export interface RunFieldValues {
  scenario: string;
  cpu: string;
  memory: string;
}

export function ScenarioAndResources(props: {
  data: ReturnType<typeof useRunFormData>;
  values: RunFieldValues;
  onChange: (values: RunFieldValues) => void;
}) {
  const { data, values, onChange } = props;
  const limits = data.data?.limits;
  const scenarios = data.data?.scenarios ?? [];
  return (
    <>
      <ErrorMessage problem={data.error} title="Could not read your scenarios and limits" />
      <div class="field">
        <label for="scenario">Scenario</label>
        <select
          id="scenario"
          name="scenario"
          value={values.scenario}
          onChange={(event) => onChange({ ...values, scenario: event.currentTarget.value })}
        >
          <option value="">Choose a scenario</option>
          {scenarios.map((scenario) => (
            <option key={scenario.scenario_id} value={scenario.name}>
              {scenario.name} ({scenario.config})
            </option>
          ))}
        </select>
        {data.data && scenarios.length === 0 && (
          <span class="hint">
            No scenarios yet: <a href={paths.scenarios}>upload one</a>.
          </span>
        )}
      </div>
      <div class="form-grid">
        <div class="field">
          <label for="cpu">CPU (cores)</label>
          <input
            id="cpu"
            name="cpu"
            type="number"
            step="any"
            inputMode="decimal"
            aria-describedby="cpu-hint"
            value={values.cpu}
            onInput={(event) => onChange({ ...values, cpu: event.currentTarget.value })}
          />
          <span class="hint" id="cpu-hint">
            {limits ? `Your limit: ${formatNumber(limits.cpu, 3)} cores` : "Your limit: …"}
          </span>
        </div>
        <div class="field">
          <label for="memory">Memory (GiB)</label>
          <input
            id="memory"
            name="memory"
            type="number"
            step="any"
            inputMode="decimal"
            aria-describedby="memory-hint"
            value={values.memory}
            onInput={(event) => onChange({ ...values, memory: event.currentTarget.value })}
          />
          <span class="hint" id="memory-hint">
            {limits ? `Your limit: ${formatNumber(limits.memory_gi, 3)} GiB` : "Your limit: …"}
          </span>
        </div>
        {limits && (
          <p class="hint">At most {limits.max_concurrent_jobs} of your jobs pend or run at once.</p>
        )}
      </div>
    </>
  );
}

/** The run parameters as text fields (empty: not given) and the outputs as checkboxes. */
export function ParameterFields(props: {
  idPrefix: string;
  values: Partial<Record<NumericParameter, string>>;
  onChange: (values: Partial<Record<NumericParameter, string>>) => void;
  skip?: NumericParameter[];
}) {
  return (
    <div class="form-grid">
      {NUMERIC_PARAMETERS.filter((p) => !props.skip?.includes(p.name)).map((parameter) => {
        const id = `${props.idPrefix}-${parameter.name}`;
        return (
          <div class="field" key={parameter.name}>
            <label for={id}>{parameter.label}</label>
            <input
              id={id}
              name={parameter.name}
              type="number"
              step="any"
              aria-describedby={`${id}-hint`}
              value={props.values[parameter.name] ?? ""}
              onInput={(event) =>
                props.onChange({ ...props.values, [parameter.name]: event.currentTarget.value })
              }
            />
            <span class="hint" id={`${id}-hint`}>
              {parameter.hint}
            </span>
          </div>
        );
      })}
    </div>
  );
}

/** The run parameters the fields give: the numbers filled in, and the outputs checked. */
export function runParameters(
  values: Partial<Record<NumericParameter, string>>,
  outputs: RunParameters["outputs"] = [],
): RunParameters {
  const parameters: RunParameters = {};
  for (const { name } of NUMERIC_PARAMETERS) {
    const value = numberOf(values[name] ?? "");
    if (value !== undefined) parameters[name] = value;
  }
  if (outputs.length > 0) parameters.outputs = outputs;
  return parameters;
}

export function OutputFields(props: {
  value: NonNullable<RunParameters["outputs"]>;
  onChange: (value: NonNullable<RunParameters["outputs"]>) => void;
}) {
  const toggle = (output: "summary" | "tripinfo", on: boolean) =>
    props.onChange(on ? [...props.value, output] : props.value.filter((o) => o !== output));
  return (
    <fieldset>
      <legend>Outputs besides the statistics</legend>
      {(["summary", "tripinfo"] as const).map((output) => (
        <label class="check" key={output}>
          <input
            type="checkbox"
            name={`output-${output}`}
            checked={props.value.includes(output)}
            onChange={(event) => toggle(output, event.currentTarget.checked)}
          />
          {output}
        </label>
      ))}
    </fieldset>
  );
}
