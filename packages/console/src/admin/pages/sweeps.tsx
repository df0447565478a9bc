// Every tenant's sweeps, newest first, filtered by tenant (in the URL), with their members'
// progress and cancel for those still running.
import type { AdminSchemas } from "@sumo/api-client";
import { useState } from "preact/hooks";
import { useLocation } from "preact-iso/router";
import { type ApiProblem, asProblem, call } from "../../shared/api-call.ts";
import {
  ErrorMessage,
  Freshness,
  Loading,
  PageHeader,
  Pager,
  ProgressBar,
  Time,
} from "../../shared/components.tsx";
import { DataTable } from "../../shared/data-table.tsx";
import { shortId } from "../../shared/format.ts";
import { usePolled } from "../../shared/use-polled.ts";
import { paths } from "../paths.ts";
import { useSession } from "../session.ts";
import { TenantFilter, TenantLink, useTenantNames } from "../tenant-filter.tsx";

const PAGE_SIZE = 20;
const REFRESH_MS = 3000;

type AdminSweep = AdminSchemas["AdminSweep"];

/** Whether every member has ended (or the sweep was cancelled): nothing left to cancel. */
const isOver = (sweep: AdminSweep) =>
  sweep.cancelled !== null || sweep.progress.ended >= sweep.member_count;

export default function Sweeps() {
  const { client } = useSession();
  const location = useLocation();
  const tenantId = location.query.tenant || undefined;
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const [problem, setProblem] = useState<ApiProblem>();
  const tenants = useTenantNames();
  const page = usePolled(
    (signal) =>
      call(
        client.GET("/admin/sweeps", {
          params: {
            query: {
              limit: PAGE_SIZE,
              ...(tenantId && { tenant_id: tenantId }),
              ...(cursor && { cursor }),
            },
          },
          signal,
        }),
      ),
    () => REFRESH_MS,
    [client, tenantId, cursor],
  );
  const filter = (tenant: string) => {
    setCursors([undefined]);
    location.route(tenant ? `${paths.sweeps}?tenant=${tenant}` : paths.sweeps, true);
  };
  const cancel = async (sweep: AdminSweep) => {
    setProblem(undefined);
    try {
      await call(
        client.POST("/admin/sweeps/{sweep_id}/cancel", {
          params: { path: { sweep_id: sweep.sweep_id } },
        }),
      );
      page.reload();
    } catch (error) {
      setProblem(asProblem(error));
    }
  };
  return (
    <>
      <PageHeader title="All sweeps" />
      <div class="filters">
        <TenantFilter tenants={tenants} value={tenantId} onChange={filter} />
        <Freshness updatedAt={page.updatedAt} error={page.error} />
      </div>
      <ErrorMessage problem={problem} title="Could not cancel the sweep" />
      {!page.data ? (
        <Loading what="sweeps" />
      ) : (
        <DataTable
          caption={
            <>
              Sweeps
              {tenantId ? ` of ${tenants.nameOf(tenantId) ?? tenantId}` : " of every tenant"},
              newest first: page {cursors.length}
            </>
          }
          columns={[
            { label: "Sweep" },
            { label: "Tenant" },
            { label: "Scenario" },
            { label: "Varies" },
            { label: "Members", numeric: true },
            { label: "Progress" },
            { label: "Created" },
            { label: "Actions", hiddenLabel: true },
          ]}
          rows={page.data.sweeps}
          rowKey={(sweep) => sweep.sweep_id}
          row={(sweep) => (
            <>
              <td>
                <code title={sweep.sweep_id}>{shortId(sweep.sweep_id)}</code>
              </td>
              <td>
                <TenantLink tenants={tenants} id={sweep.tenant_id} />
              </td>
              <td>{sweep.scenario_name ?? <span class="muted">(deleted)</span>}</td>
              <td>{Object.keys(sweep.vary).join(", ")}</td>
              <td class="number">{sweep.member_count}</td>
              <td>
                <ProgressBar
                  label={`Sweep ${shortId(sweep.sweep_id)} members ended`}
                  fraction={sweep.progress.fraction}
                  detail={
                    sweep.cancelled
                      ? `cancelled by ${sweep.cancelled.by}`
                      : `${sweep.counts.SUCCEEDED} succeeded, ${sweep.counts.FAILED} failed, ${sweep.counts.QUEUED} queued`
                  }
                />
              </td>
              <td>
                <Time iso={sweep.created_at} />
              </td>
              <td>
                {!isOver(sweep) && (
                  <button type="button" class="danger" onClick={() => cancel(sweep)}>
                    Cancel sweep {shortId(sweep.sweep_id)}
                  </button>
                )}
              </td>
            </>
          )}
          empty="No sweeps."
        />
      )}
      <Pager
        of="sweeps"
        cursors={cursors}
        setCursors={setCursors}
        nextCursor={page.data?.next_cursor}
      />
    </>
  );
}
