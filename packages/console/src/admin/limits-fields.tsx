// A tenant's three limits as form fields, and what the form sends: a field left empty is not
// sent; anything else is sent as a number (text that is no number as null), for the API to
// accept or refuse with its own message.
import type { AdminSchemas } from "@sumo/api-client";

export interface LimitsInput {
  cpu: string;
  memory: string;
  jobs: string;
}

export const EMPTY_LIMITS: LimitsInput = { cpu: "", memory: "", jobs: "" };

export function limitsInputOf(tenant: AdminSchemas["Tenant"]): LimitsInput {
  return {
    cpu: String(tenant.cpu_limit),
    memory: String(tenant.memory_limit_gi),
    jobs: String(tenant.max_concurrent_jobs),
  };
}

export function limitsBody(input: LimitsInput): AdminSchemas["UpdateTenantLimitsRequest"] {
  const number = (text: string) => (text.trim() === "" ? undefined : Number(text.trim()));
  const body: AdminSchemas["UpdateTenantLimitsRequest"] = {};
  const cpu = number(input.cpu);
  const memory = number(input.memory);
  const jobs = number(input.jobs);
  // JSON has no NaN: text that is no number goes as null, which the API names as invalid.
  const sent = (value: number) => (Number.isFinite(value) ? value : (null as unknown as number));
  if (cpu !== undefined) body.cpu_limit = sent(cpu);
  if (memory !== undefined) body.memory_limit_gi = sent(memory);
  if (jobs !== undefined) body.max_concurrent_jobs = sent(jobs);
  return body;
}

export function LimitsFields(props: {
  idPrefix: string;
  value: LimitsInput;
  onChange: (value: LimitsInput) => void;
  /** What an empty field means, e.g. "default 4". */
  placeholders?: LimitsInput;
}) {
  const field = (key: keyof LimitsInput, label: string) => (
    <div class="field">
      <label for={`${props.idPrefix}-${key}`}>{label}</label>
      <input
        id={`${props.idPrefix}-${key}`}
        inputMode="decimal"
        value={props.value[key]}
        placeholder={props.placeholders?.[key]}
        onInput={(event) => props.onChange({ ...props.value, [key]: event.currentTarget.value })}
      />
    </div>
  );
  return (
    <>
      {field("cpu", "CPU limit (cores)")}
      {field("memory", "Memory limit (GiB)")}
      {field("jobs", "Concurrent jobs")}
    </>
  );
}
