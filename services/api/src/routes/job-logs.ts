import { PassThrough } from "node:stream";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Database } from "@sumo/db/client";
import { isTerminal } from "@sumo/db/job-status";
import { getTenantJob, getTenantJobLog } from "@sumo/db/queries";
import type { Job } from "@sumo/db/schema";
import { ApiError, errorResponses, type HttpEnv } from "@sumo/http";
import { isUuid } from "@sumo/http/ids";
import { stream } from "hono/streaming";
import type { Logger } from "pino";
import type { KubernetesView } from "../kubernetes-view.ts";
import type { LogFollows } from "../log-follows.ts";
import type { TenantVariables } from "../tenant-auth.ts";

export const MAX_LOG_TAIL = 500;
const FOLLOW_STATUS_CHECK_MS = 1000;
const FOLLOW_END_GRACE_MS = 1000;

const jobLogsSchema = z
  .object({
    job_id: z.uuid(),
    source: z.enum(["pod", "database", "none"]).openapi({
      description:
        "`pod`: live from the running or just-finished pod; `database`: the lines kept when the job ended; `none`: no log yet.",
    }),
    lines: z.array(z.string()),
  })
  .openapi("JobLogs");

const jobLogsRoute = createRoute({
  method: "get",
  path: "/v1/jobs/{job_id}/logs",
  operationId: "getJobLogs",
  tags: ["Jobs"],
  summary: "Read a job's log",
  description: `The last \`tail\` lines (at most ${MAX_LOG_TAIL}): live from the pod while it exists, from the database after Kubernetes deletes it. With \`follow=true\` the answer is \`text/plain\`, streaming new lines until the pod ends or the follow reaches its longest time (LOG_FOLLOW_MAX_SECONDS; the \`Sumo-Follow-Ends-At\` header says when), whichever comes first; follow again to go on. A tenant holds a limited number of follows at once (LOG_FOLLOW_MAX_PER_TENANT per api replica): one more gets 429 \`too_many_log_follows\`.`,
  security: [{ bearerAuth: [] }],
  request: {
    params: z.object({ job_id: z.string().openapi({ format: "uuid" }) }),
    query: z.object({
      tail: z.coerce.number().int().min(1).max(MAX_LOG_TAIL).default(MAX_LOG_TAIL),
      // Read from the query's text; the document says what clients send, a boolean.
      follow: z.stringbool().default(false).openapi({ type: "boolean", default: false }),
    }),
  },
  responses: {
    200: {
      description: "The log lines (JSON), or the followed log stream (text/plain).",
      headers: z.object({
        "Sumo-Follow-Ends-At": z.iso.datetime().optional().openapi({
          description:
            "With `follow=true` on a running job: when the stream ends at the latest, even if the pod still runs.",
        }),
      }),
      content: {
        "application/json": { schema: jobLogsSchema },
        "text/plain": { schema: z.string() },
      },
    },
    ...errorResponses(
      "unauthorized",
      "not_found",
      "validation_failed",
      "too_many_log_follows",
      "service_unavailable",
    ),
  },
});

type LogSource = z.infer<typeof jobLogsSchema>["source"];

/** `/v1/jobs/{job_id}/logs`: tenant-scoped; another tenant's job is a 404 like a missing one. */
export function jobLogsRoutes(deps: {
  db: Database;
  kubernetes?: KubernetesView;
  logger: Logger;
  /** Follows held open, and how many each tenant may hold. */
  follows: LogFollows;
  /** Longest a follow streams before the api ends it. */
  maxFollowMs: number;
}) {
  async function readLines(
    job: Job,
    tail: number,
  ): Promise<{ source: LogSource; lines: string[] }> {
    if (deps.kubernetes && job.namespace && job.podName) {
      try {
        const live = await deps.kubernetes.readPodLog(job.namespace, job.podName, tail);
        if (live) return { source: "pod", lines: live };
      } catch (error) {
        // Kubernetes unreachable or the container not started yet: what the database has.
        deps.logger.debug({ err: error, jobId: job.id }, "live pod log unavailable");
      }
    }
    const kept = await getTenantJobLog(deps.db, { tenantId: job.tenantId, jobId: job.id });
    if (kept) return { source: "database", lines: kept.content.split("\n").slice(-tail) };
    return { source: "none", lines: [] };
  }

  return new OpenAPIHono<HttpEnv<TenantVariables>>().openapi(jobLogsRoute, async (c) => {
    const { job_id: jobId } = c.req.valid("param");
    const { tail, follow } = c.req.valid("query");
    const job = isUuid(jobId)
      ? await getTenantJob(deps.db, { tenantId: c.var.tenantId, jobId })
      : undefined;
    if (!job) throw new ApiError("not_found", "No such job");

    const kubernetes = deps.kubernetes;
    if (!follow || isTerminal(job.status) || !kubernetes || !job.namespace || !job.podName) {
      const { source, lines } = await readLines(job, tail);
      if (follow) {
        // Typed routes model JSON bodies only; the text/plain answers are cast.
        return c.text(lines.map((line) => `${line}\n`).join(""), 200) as never;
      }
      return c.json({ job_id: job.id, source, lines }, 200);
    }

    const { namespace, podName } = job;
    const slot = deps.follows.take(job.tenantId);
    c.header("content-type", "text/plain; charset=utf-8");
    c.header("x-content-type-options", "nosniff");
    c.header("sumo-follow-ends-at", new Date(Date.now() + deps.maxFollowMs).toISOString());
    return stream(c, async (out) => {
      const pipe = new PassThrough();
      let follower: { abort(): void } | undefined;
      let stopped = false;
      const stop = () => {
        stopped = true;
        follower?.abort();
        pipe.end();
      };
      out.onAbort(stop);
      // The longest follow: the stream ends, and a client that stopped reading is cut off.
      const deadline = setTimeout(() => {
        stop();
        setTimeout(() => out.abort(), FOLLOW_END_GRACE_MS).unref();
      }, deps.maxFollowMs);
      // Not every log stream closes when its container ends (and a pod can vanish under it):
      // the job's end as recorded in the database closes it too, after a last grace second.
      const watchForEnd = setInterval(async () => {
        const current = await getTenantJob(deps.db, {
          tenantId: job.tenantId,
          jobId: job.id,
        }).catch(() => undefined);
        if (current && isTerminal(current.status)) {
          clearInterval(watchForEnd);
          setTimeout(stop, FOLLOW_END_GRACE_MS);
        }
      }, FOLLOW_STATUS_CHECK_MS);
      try {
        follower = await kubernetes.followPodLog(namespace, podName, tail, pipe);
        if (stopped) follower.abort();
        for await (const chunk of pipe) await out.write(chunk as Uint8Array);
      } catch (error) {
        if (!stopped) {
          deps.logger.warn({ err: error, jobId: job.id }, "following the pod log failed");
          const { lines } = await readLines(job, tail);
          await out.write(lines.map((line) => `${line}\n`).join(""));
        }
      } finally {
        clearInterval(watchForEnd);
        clearTimeout(deadline);
        slot.release();
      }
    }) as never;
  });
}
