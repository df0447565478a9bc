import { useState } from "preact/hooks";
import { useLocation } from "preact-iso/router";
import { call } from "../../shared/api-call.ts";
import { Freshness, Loading, PageHeader, Pager } from "../../shared/components.tsx";
import { usePolled } from "../../shared/use-polled.ts";
import { JOB_STATUSES, type JobStatus, JobsTable } from "../job-views.tsx";
import { paths } from "../paths.ts";
import { useSession } from "../session.ts";

const PAGE_SIZE = 20;
const REFRESH_MS = 3000;

export default function Jobs() {
  const { client } = useSession();
  const location = useLocation();
  const status = JOB_STATUSES.find((s) => s === location.query.status);
  // The cursors of the pages before this one, and this page's (undefined: the first).
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const page = usePolled(
    (signal) =>
      call(
        client.GET("/v1/jobs", {
          params: {
            query: {
              limit: PAGE_SIZE,
              ...(status && { status }),
              ...(cursor && { cursor }),
            },
          },
          signal,
        }),
      ),
    () => REFRESH_MS,
    [client, status, cursor],
  );
  const chooseStatus = (value: string) => {
    setCursors([undefined]);
    location.route(value ? `${paths.jobs}?status=${value}` : paths.jobs, true);
  };
  const nextCursor = page.data?.next_cursor;
  return (
    <>
      <PageHeader title="Jobs">
        <a class="button" href={paths.submit}>
          Submit a job
        </a>
      </PageHeader>
      <div class="filters">
        <div class="field">
          <label for="status-filter">Status</label>
          <select
            id="status-filter"
            value={status ?? ""}
            onChange={(event) => chooseStatus(event.currentTarget.value)}
          >
            <option value="">Any status</option>
            {JOB_STATUSES.map((s: JobStatus) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <Freshness updatedAt={page.updatedAt} error={page.error} />
      </div>
      {!page.data ? (
        <Loading what="jobs" />
      ) : (
        <JobsTable
          jobs={page.data.jobs}
          caption={`${status ? `${status} jobs` : "Jobs"}, newest first: page ${cursors.length}`}
        />
      )}
      <Pager of="jobs" cursors={cursors} setCursors={setCursors} nextCursor={nextCursor} />
    </>
  );
}
