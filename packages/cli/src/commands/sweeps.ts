// `sumo-k8 sweeps ...`: create (the member count shown first), list, status (live with
// --watch), results (a table of the aggregated metrics), cancel.
import { setTimeout as sleep } from "node:timers/promises";
import { type Command, InvalidArgumentError } from "@commander-js/extra-typings";
import { call, type TenantClient, type TenantSchemas } from "@sumo/api-client";
import { sweepSize, sweepValues } from "@sumo/scenario/sweep-values";
import type { CliContext } from "../cli-context.ts";
import { UsageError } from "../exit-codes.ts";
import { formatNumber, formatPercent, formatTime } from "../format-values.ts";
import { JOB_STATUSES } from "../job-view.ts";
import { LiveProgress } from "../live-progress.ts";
import type { Output } from "../output.ts";
import { OutageNotes, readThroughOutages } from "../read-through-outages.ts";
import { untilInterrupted } from "../until-interrupted.ts";
import { numberArgument, pageOptions, printNextPage } from "./pages.ts";
import { runParameterOptions, runParametersOf } from "./run-parameters.ts";

type Sweep = TenantSchemas["Sweep"];
type SweepVary = TenantSchemas["SweepVary"];
type VaryValues = NonNullable<SweepVary[keyof SweepVary]>;

export function addSweepCommands(program: Command, context: () => CliContext): void {
  const sweeps = program
    .command("sweeps")
    .alias("sweep")
    .description("parameter sweeps: one job per combination of varied run parameters");

  runParameterOptions(
    sweeps
      .command("create")
      .description("create a sweep; its member count is shown before it is sent")
      .argument("<scenario>", "the scenario's name or id")
      .option("--cpu <cores>", "CPU cores for each member", numberArgument, 1)
      .option("--memory-gi <gib>", "memory in GiB for each member", numberArgument, 1)
      .option(
        "--vary <parameter=values>",
        "a run parameter and its values: a list (scale=0.8,1,1.2) or a range (seed=1..50 or seed=1..50:2); repeat for more",
        collectVary,
        {} as SweepVary,
      ),
  )
    .option("--dry-run", "only show how many members the sweep would have")
    .option("-w, --watch", "then watch it with a live progress bar until every member ended")
    .action(async (scenario, options) => {
      const ctx = context();
      const vary = options.vary;
      if (Object.keys(vary).length === 0) {
        throw new UsageError("give at least one --vary, e.g. --vary seed=1..10");
      }
      const count = sweepSize(vary as Parameters<typeof sweepSize>[0]);
      const shape = Object.entries(vary)
        .map(([name, values]) => `${name} × ${sweepValues(values as VaryValues).length}`)
        .join(", ");
      ctx.output.note(`${count} ${count === 1 ? "member" : "members"} (${shape})`);
      if (options.dryRun) {
        if (ctx.output.json) ctx.output.printJson({ member_count: count, vary });
        return;
      }
      const client = await ctx.tenantClient();
      const parameters = runParametersOf(options);
      const sweep = await call(
        client.POST("/v1/sweeps", {
          body: {
            scenario_id: scenario,
            cpu_request: options.cpu,
            memory_gi: options.memoryGi,
            vary,
            ...(parameters && { parameters }),
          },
        }),
      );
      if (options.watch) return watchSweep(ctx, client, sweep.sweep_id);
      if (ctx.output.json) return ctx.output.printJson(sweep);
      ctx.output.line(sweep.sweep_id);
      ctx.output.note(
        `sweep created, ${sweep.member_count} members queued: watch it with \`sumo-k8 sweeps status -w ${sweep.sweep_id}\``,
      );
    });

  pageOptions(
    sweeps.command("list").alias("ls").description("the tenant's sweeps, newest first"),
  ).action(async (options) => {
    const ctx = context();
    const client = await ctx.tenantClient();
    const page = await call(
      client.GET("/v1/sweeps", {
        params: {
          query: { limit: options.limit, ...(options.cursor && { cursor: options.cursor }) },
        },
      }),
    );
    if (ctx.output.json) return ctx.output.printJson(page);
    ctx.output.table(SWEEP_TABLE_HEAD, page.sweeps.map(sweepRow));
    printNextPage(ctx.output, page.next_cursor);
  });

  sweeps
    .command("status")
    .description("a sweep's members by status and its progress; --watch follows it live")
    .argument("<sweep>", "the sweep's id")
    .option("-w, --watch", "watch it with a live progress bar until every member ended")
    .action(async (sweepId, options) => {
      const ctx = context();
      const client = await ctx.tenantClient();
      if (options.watch) return watchSweep(ctx, client, sweepId);
      const sweep = await readSweep(client, sweepId);
      if (ctx.output.json) return ctx.output.printJson(sweep);
      printSweep(ctx.output, sweep);
    });

  sweeps
    .command("results")
    .description(
      "each run-summary metric over the members that succeeded: mean, spread, percentiles",
    )
    .argument("<sweep>", "the sweep's id")
    .action(async (sweepId) => {
      const ctx = context();
      const client = await ctx.tenantClient();
      const sweep = await readSweep(client, sweepId);
      if (ctx.output.json) return ctx.output.printJson(sweep.results);
      const rows = Object.entries(sweep.results).flatMap(([metric, stats]) =>
        stats
          ? [
              [
                metric,
                String(stats.count),
                formatNumber(stats.mean, 3),
                stats.stddev === null ? "-" : formatNumber(stats.stddev, 3),
                formatNumber(stats.min, 3),
                formatNumber(stats.p5, 3),
                formatNumber(stats.p50, 3),
                formatNumber(stats.p95, 3),
                formatNumber(stats.max, 3),
              ],
            ]
          : [],
      );
      if (rows.length === 0) {
        ctx.output.note(
          `no results yet: ${sweep.counts.SUCCEEDED} of ${sweep.member_count} members succeeded`,
        );
        return;
      }
      ctx.output.table(
        ["METRIC", "COUNT", "MEAN", "STDDEV", "MIN", "P5", "P50", "P95", "MAX"],
        rows,
      );
    });

  sweeps
    .command("cancel")
    .description("cancel every member that has not ended; the ended keep their results")
    .argument("<sweep>", "the sweep's id")
    .action(async (sweepId) => {
      const ctx = context();
      const client = await ctx.tenantClient();
      const sweep = await call(
        client.POST("/v1/sweeps/{sweep_id}/cancel", { params: { path: { sweep_id: sweepId } } }),
      );
      if (ctx.output.json) return ctx.output.printJson(sweep);
      ctx.output.line(`sweep ${sweep.sweep_id} cancelled: ${countsLine(sweep)}`);
    });
}

function readSweep(client: TenantClient, sweepId: string, signal?: AbortSignal) {
  return call(
    client.GET("/v1/sweeps/{sweep_id}", {
      params: { path: { sweep_id: sweepId } },
      ...(signal && { signal }),
    }),
  );
}

async function watchSweep(ctx: CliContext, client: TenantClient, sweepId: string): Promise<void> {
  const bar = new LiveProgress(ctx.output, `sweep ${sweepId}`);
  const ended = await untilInterrupted(
    ctx,
    () => `\nStopped watching. Sweep ${sweepId}'s members keep running on the platform.`,
    async (signal) => {
      const outages = new OutageNotes(ctx);
      try {
        for (;;) {
          const sweep = await readThroughOutages(
            ctx,
            () => readSweep(client, sweepId, signal),
            signal,
            outages,
          );
          const done = sweep.progress.ended >= sweep.member_count;
          bar.show({
            status: done ? "ended" : "running",
            fraction: sweep.progress.fraction,
            detail: `${sweep.progress.ended}/${sweep.member_count} ended; ${countsLine(sweep)}`,
          });
          if (done) return sweep;
          await sleep(ctx.deps.pollIntervalMs, undefined, { signal });
        }
      } finally {
        bar.stop();
      }
    },
  );
  if (ctx.output.json) return ctx.output.printJson(ended);
  printSweep(ctx.output, ended);
}

export const SWEEP_TABLE_HEAD = [
  "SWEEP",
  "SCENARIO",
  "MEMBERS",
  "ENDED",
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
  "CREATED",
];

/** A sweep as a row of SWEEP_TABLE_HEAD. */
export function sweepRow(sweep: Sweep): string[] {
  return [
    sweep.sweep_id,
    sweep.scenario_name ?? sweep.scenario_id,
    String(sweep.member_count),
    `${sweep.progress.ended} (${formatPercent(sweep.progress.fraction)})`,
    String(sweep.counts.SUCCEEDED),
    String(sweep.counts.FAILED),
    String(sweep.counts.CANCELLED),
    formatTime(sweep.created_at),
  ];
}

/** How many members are in each status, the empty ones left out: `2 RUNNING, 4 QUEUED`. */
export function countsLine(sweep: Sweep): string {
  return JOB_STATUSES.filter((status) => sweep.counts[status] > 0)
    .map((status) => `${sweep.counts[status]} ${status}`)
    .join(", ");
}

function printSweep(output: Output, sweep: Sweep): void {
  output.fields([
    ["sweep", sweep.sweep_id],
    ["scenario", `${sweep.scenario_name ?? "(deleted)"} ${sweep.scenario_id}`],
    [
      "resources",
      `${formatNumber(sweep.cpu_request, 3)} CPU, ${formatNumber(sweep.memory_gi)} GiB each`,
    ],
    ["vary", formatVary(sweep.vary)],
    [
      "parameters",
      Object.keys(sweep.parameters).length > 0 ? JSON.stringify(sweep.parameters) : undefined,
    ],
    ["members", String(sweep.member_count)],
    ["progress", `${sweep.progress.ended} ended (${formatPercent(sweep.progress.fraction)})`],
    ["by status", countsLine(sweep) || "-"],
    [
      "cancelled",
      sweep.cancelled ? `by ${sweep.cancelled.by} at ${formatTime(sweep.cancelled.at)}` : undefined,
    ],
    ["created", formatTime(sweep.created_at)],
  ]);
}

/** A sweep's `vary` as `--vary` takes it: `seed=1..4, scale=1,2`. */
export function formatVary(vary: Record<string, unknown>): string {
  return Object.entries(vary)
    .map(([name, spec]) => {
      if (Array.isArray(spec)) return `${name}=${spec.join(",")}`;
      const { from, to, step } = spec as { from: number; to: number; step?: number };
      return `${name}=${from}..${to}${step === undefined || step === 1 ? "" : `:${step}`}`;
    })
    .join(", ");
}

/** `--vary name=values`, added to those before: a list `a,b,c` or a range `from..to[:step]`. */
export function collectVary(value: string, previous: SweepVary): SweepVary {
  const equals = value.indexOf("=");
  if (equals <= 0) throw new InvalidArgumentError("expected parameter=values, e.g. seed=1..10");
  const name = value.slice(0, equals).trim().replaceAll("-", "_");
  const spec = value.slice(equals + 1).trim();
  const range = /^(-?[\d.]+(?:e-?\d+)?)\.\.(-?[\d.]+(?:e-?\d+)?)(?::([\d.]+(?:e-?\d+)?))?$/i.exec(
    spec,
  );
  let values: VaryValues;
  if (range) {
    values = {
      from: numberArgument(range[1] ?? ""),
      to: numberArgument(range[2] ?? ""),
      step: range[3] === undefined ? 1 : numberArgument(range[3]),
    };
  } else {
    values = spec.split(",").map((item) => numberArgument(item));
  }
  return { ...previous, [name]: values };
}
