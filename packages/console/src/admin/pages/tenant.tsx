// One tenant: its usage and queue, its limits (edited here), and its API keys (issued and
// revoked here, a new key shown once).
import type { AdminSchemas } from "@sumo/api-client";
import { useEffect, useState } from "preact/hooks";
import { type ApiProblem, asProblem, call } from "../../shared/api-call.ts";
import {
  ErrorMessage,
  Freshness,
  Loading,
  PageHeader,
  StatusBadge,
  Time,
} from "../../shared/components.tsx";
import { shortId } from "../../shared/format.ts";
import { usePolled } from "../../shared/use-polled.ts";
import { LimitsFields, type LimitsInput, limitsBody, limitsInputOf } from "../limits-fields.tsx";
import { OneTimeKey } from "../one-time-key.tsx";
import { paths } from "../paths.ts";
import { useSession } from "../session.ts";
import { TenantUsage, waitingForText } from "../tenant-usage.tsx";

const REFRESH_MS = 5000;

type TenantDetail = AdminSchemas["TenantDetail"];

export default function Tenant({ id }: { id: string }) {
  const { client } = useSession();
  const tenant = usePolled(
    async (signal) => {
      const params = { path: { tenant_id: id } };
      const [detail, queue] = await Promise.all([
        call(client.GET("/admin/tenants/{tenant_id}", { params, signal })),
        call(client.GET("/admin/tenants/{tenant_id}/queue", { params, signal })),
      ]);
      return { detail, queue };
    },
    () => REFRESH_MS,
    [client, id],
  );
  if (!tenant.data) {
    return (
      <>
        <PageHeader title="Tenant" />
        {tenant.error ? (
          <ErrorMessage problem={tenant.error} title="Could not load the tenant" />
        ) : (
          <Loading what="the tenant" />
        )}
      </>
    );
  }
  const { detail, queue } = tenant.data;
  return (
    <>
      <PageHeader title={`Tenant ${detail.name}`}>
        <a class="button secondary" href={`${paths.jobs}?tenant=${detail.tenant_id}`}>
          Its jobs
        </a>
      </PageHeader>
      <Freshness updatedAt={tenant.updatedAt} error={tenant.error} />
      <p class="muted small">
        Id <code>{detail.tenant_id}</code>, created <Time iso={detail.created_at} />
      </p>
      <section class="card" aria-labelledby="usage-heading">
        <h2 id="usage-heading">Usage and queue</h2>
        <TenantUsage tenant={detail} active={queue.active} />
        <p>
          {queue.queued} queued
          {queue.queued > 0 && `, ${waitingForText(queue.waiting_for)}`}
          {queue.next.length > 0 && (
            <>
              ; next:{" "}
              {queue.next.map((job) => (
                <code key={job.job_id}>{shortId(job.job_id)} </code>
              ))}
            </>
          )}
        </p>
      </section>
      <EditLimits tenant={detail} onSaved={tenant.reload} />
      <ApiKeys tenant={detail} onChanged={tenant.reload} />
    </>
  );
}

function EditLimits({ tenant, onSaved }: { tenant: TenantDetail; onSaved: () => void }) {
  const { client } = useSession();
  const [limits, setLimits] = useState<LimitsInput>(() => limitsInputOf(tenant));
  const [problem, setProblem] = useState<ApiProblem>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  // Another tenant's page shows that tenant's limits.
  useEffect(() => setLimits(limitsInputOf(tenant)), [tenant.tenant_id]);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    setSaved(false);
    try {
      const updated = await call(
        client.PATCH("/admin/tenants/{tenant_id}", {
          params: { path: { tenant_id: tenant.tenant_id } },
          body: limitsBody(limits),
        }),
      );
      setLimits(limitsInputOf(updated));
      setSaved(true);
      onSaved();
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="limits-heading">
      <h2 id="limits-heading">Limits</h2>
      <p class="muted small">
        Saved limits apply to new submissions at once; the scheduler moves the tenant's Kubernetes
        ResourceQuota and LimitRange to them within moments.
      </p>
      <form onSubmit={submit} noValidate>
        <div class="form-grid">
          <LimitsFields idPrefix="limits" value={limits} onChange={setLimits} />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : "Save the limits"}
        </button>
      </form>
      <ErrorMessage problem={problem} title="Could not change the limits" />
      {saved && (
        <p class="notice" role="status">
          Limits saved.
        </p>
      )}
    </section>
  );
}

function ApiKeys({ tenant, onChanged }: { tenant: TenantDetail; onChanged: () => void }) {
  const { client } = useSession();
  const [issued, setIssued] = useState<AdminSchemas["NewApiKey"]>();
  const [confirming, setConfirming] = useState<string>();
  const [problem, setProblem] = useState<ApiProblem>();
  const act = async (action: () => Promise<void>) => {
    setProblem(undefined);
    try {
      await action();
      onChanged();
    } catch (error) {
      setProblem(asProblem(error));
    }
  };
  const issue = () =>
    act(async () => {
      setIssued(
        await call(
          client.POST("/admin/tenants/{tenant_id}/api-keys", {
            params: { path: { tenant_id: tenant.tenant_id } },
          }),
        ),
      );
    });
  const revoke = (keyId: string) =>
    act(async () => {
      setConfirming(undefined);
      await call(
        client.DELETE("/admin/tenants/{tenant_id}/api-keys/{key_id}", {
          params: { path: { tenant_id: tenant.tenant_id, key_id: keyId } },
        }),
      );
    });
  return (
    <section class="card" aria-labelledby="keys-heading">
      <div class="page-header">
        <h2 id="keys-heading">API keys</h2>
        <button type="button" onClick={issue}>
          Issue a key
        </button>
      </div>
      <ErrorMessage problem={problem} />
      {issued && <OneTimeKey apiKey={issued} tenantName={tenant.name} />}
      <table>
        <caption class="muted small">
          The tenant's keys, by the start of each (the keys themselves are not kept)
        </caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Created</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tenant.api_keys.map((key) => (
            <tr key={key.key_id}>
              <td>
                <code>{key.display_prefix}…</code>
              </td>
              <td>
                <Time iso={key.created_at} />
              </td>
              <td>
                {key.revoked_at ? (
                  <>
                    <StatusBadge status="REVOKED" /> <Time iso={key.revoked_at} />
                  </>
                ) : (
                  <StatusBadge status="ACTIVE" />
                )}
              </td>
              <td>
                {!key.revoked_at &&
                  (confirming === key.key_id ? (
                    <span class="actions">
                      <button type="button" class="danger" onClick={() => revoke(key.key_id)}>
                        Revoke {key.display_prefix}… for good
                      </button>
                      <button
                        type="button"
                        class="secondary"
                        onClick={() => setConfirming(undefined)}
                      >
                        Keep it
                      </button>
                    </span>
                  ) : (
                    <button
                      type="button"
                      class="secondary"
                      onClick={() => setConfirming(key.key_id)}
                    >
                      Revoke {key.display_prefix}…
                    </button>
                  ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
