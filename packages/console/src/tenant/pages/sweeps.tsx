import { useState } from "preact/hooks";
import { call } from "../../shared/api-call.ts";
import {
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

const REFRESH_MS = 3000;

export default function Sweeps() {
  const { client } = useSession();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const page = usePolled(
    (signal) =>
      call(
        client.GET("/v1/sweeps", {
          params: { query: { limit: 20, ...(cursor && { cursor }) } },
          signal,
        }),
      ),
    () => REFRESH_MS,
    [client, cursor],
  );
  return (
    <>
      <PageHeader title="Sweeps">
        <a class="button" href={paths.newSweep}>
          Create a sweep
        </a>
      </PageHeader>
      <Freshness updatedAt={page.updatedAt} error={page.error} />
      {!page.data ? (
        <Loading what="sweeps" />
      ) : (
        <DataTable
          caption={<>Newest first</>}
          columns={[
            { label: "Sweep" },
            { label: "Scenario" },
            { label: "Varies" },
            { label: "Members", numeric: true },
            { label: "Progress" },
            { label: "Created" },
          ]}
          rows={page.data.sweeps}
          rowKey={(sweep) => sweep.sweep_id}
          row={(sweep) => (
            <>
              <td>
                <a href={paths.sweep(sweep.sweep_id)}>
                  <code>{shortId(sweep.sweep_id)}</code>
                </a>
              </td>
              <td>{sweep.scenario_name ?? <span class="muted">(deleted)</span>}</td>
              <td>{Object.keys(sweep.vary).join(", ")}</td>
              <td class="number">{sweep.member_count}</td>
              <td>
                <ProgressBar
                  label={`Sweep ${shortId(sweep.sweep_id)} members ended`}
                  fraction={sweep.progress.fraction}
                  detail={`${sweep.counts.SUCCEEDED} succeeded, ${sweep.counts.FAILED} failed`}
                />
              </td>
              <td>
                <Time iso={sweep.created_at} />
              </td>
            </>
          )}
          empty="No sweeps yet."
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
