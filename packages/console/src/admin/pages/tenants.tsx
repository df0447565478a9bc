// Every tenant with its limits, usage and queue; and creating one, its first API key shown once.
import type { AdminSchemas } from "@sumo/api-client";
import { useState } from "preact/hooks";
import { type ApiProblem, asProblem, call } from "../../shared/api-call.ts";
import { ErrorMessage, Freshness, Loading, PageHeader, Pager } from "../../shared/components.tsx";
import { DataTable } from "../../shared/data-table.tsx";
import { formatNumber } from "../../shared/format.ts";
import { usePolled } from "../../shared/use-polled.ts";
import { EMPTY_LIMITS, LimitsFields, type LimitsInput, limitsBody } from "../limits-fields.tsx";
import { OneTimeKey } from "../one-time-key.tsx";
import { paths } from "../paths.ts";
import { useSession } from "../session.ts";
import { TenantUsage, waitingForText } from "../tenant-usage.tsx";

const PAGE_SIZE = 20;
const REFRESH_MS = 5000;

type Tenant = AdminSchemas["Tenant"];

export default function Tenants() {
  const { client } = useSession();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  // A page of tenants, each with its usage and queue.
  const page = usePolled(
    (signal) =>
      call(
        client.GET("/admin/tenants", {
          params: { query: { limit: PAGE_SIZE, ...(cursor && { cursor }) } },
          signal,
        }),
      ),
    () => REFRESH_MS,
    [client, cursor],
  );
  return (
    <>
      <PageHeader title="Tenants" />
      <CreateTenant onCreated={page.reload} />
      <Freshness updatedAt={page.updatedAt} error={page.error} />
      {!page.data ? <Loading what="tenants" /> : <TenantsTable tenants={page.data.tenants} />}
      <Pager
        of="tenants"
        cursors={cursors}
        setCursors={setCursors}
        nextCursor={page.data?.next_cursor}
      />
    </>
  );
}

function TenantsTable({ tenants }: { tenants: AdminSchemas["TenantWithUsage"][] }) {
  return (
    <DataTable
      caption="Tenants by name: limits, and what their pending and running jobs hold"
      columns={[{ label: "Tenant" }, { label: "Limits" }, { label: "In use" }, { label: "Queue" }]}
      rows={tenants}
      rowKey={(tenant) => tenant.tenant_id}
      row={(tenant) => (
        <>
          <td>
            <a href={paths.tenant(tenant.tenant_id)}>{tenant.name}</a>
          </td>
          <td>
            {formatNumber(tenant.cpu_limit)} cores, {formatNumber(tenant.memory_limit_gi)} GiB,{" "}
            {tenant.max_concurrent_jobs} jobs
          </td>
          <td>
            <TenantUsage tenant={tenant} active={tenant.usage.active} />
          </td>
          <td>
            {tenant.usage.queued > 0
              ? `${tenant.usage.queued} queued, ${waitingForText(tenant.usage.waiting_for)}`
              : "empty"}
          </td>
        </>
      )}
      empty="No tenants yet."
    />
  );
}

function CreateTenant({ onCreated }: { onCreated: () => void }) {
  const { client } = useSession();
  const [name, setName] = useState("");
  const [limits, setLimits] = useState<LimitsInput>(EMPTY_LIMITS);
  const [problem, setProblem] = useState<ApiProblem>();
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ tenant: Tenant; api_key: AdminSchemas["NewApiKey"] }>();
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    setCreated(undefined);
    try {
      const answer = await call(
        client.POST("/admin/tenants", { body: { name: name.trim(), ...limitsBody(limits) } }),
      );
      setCreated(answer);
      setName("");
      setLimits(EMPTY_LIMITS);
      onCreated();
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="create-heading">
      <h2 id="create-heading">Create a tenant</h2>
      <form onSubmit={submit} noValidate>
        <div class="form-grid">
          <div class="field">
            <label for="tenant-name">Name</label>
            <input
              id="tenant-name"
              autocomplete="off"
              value={name}
              onInput={(event) => setName(event.currentTarget.value)}
            />
          </div>
          <LimitsFields
            idPrefix="new-tenant"
            value={limits}
            onChange={setLimits}
            placeholders={{ cpu: "default 4", memory: "default 16", jobs: "default 2" }}
          />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? "Creating…" : "Create the tenant"}
        </button>
      </form>
      <ErrorMessage problem={problem} title="Could not create the tenant" />
      {created && (
        <>
          <OneTimeKey apiKey={created.api_key} tenantName={created.tenant.name} />
          <p>
            <a href={paths.tenant(created.tenant.tenant_id)}>Open {created.tenant.name}</a>
          </p>
        </>
      )}
    </section>
  );
}
