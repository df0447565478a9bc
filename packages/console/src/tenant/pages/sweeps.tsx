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
        <div class="table-scroll">
          <table>
            <caption class="muted small">Newest first</caption>
            <thead>
              <tr>
                <th scope="col">Sweep</th>
                <th scope="col">Scenario</th>
                <th scope="col">Varies</th>
                <th scope="col" class="number">
                  Members
                </th>
                <th scope="col">Progress</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {page.data.sweeps.map((sweep) => (
                <tr key={sweep.sweep_id}>
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
                </tr>
              ))}
              {page.data.sweeps.length === 0 && (
                <tr>
                  <td colSpan={6} class="muted">
                    No sweeps yet.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
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
