// `sumo-k8 scenarios ...`: upload (with a progress bar), list, get, download, delete.
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Command } from "@commander-js/extra-typings";
import { call, type TenantSchemas, toFormData } from "@sumo/api-client";
import type { CliContext } from "../cli-context.ts";
import { UsageError } from "../exit-codes.ts";
import { formatBytes, formatTime } from "../format-values.ts";
import { LiveProgress } from "../live-progress.ts";
import type { Output } from "../output.ts";
import { uploadFetch } from "../upload-progress.ts";
import { pageOptions, printNextPage } from "./pages.ts";

type Scenario = TenantSchemas["Scenario"];

export function addScenarioCommands(program: Command, context: () => CliContext): void {
  const scenarios = program
    .command("scenarios")
    .alias("scenario")
    .description("upload, list, download and delete scenario bundles");

  scenarios
    .command("upload")
    .description("upload a scenario bundle (.tar.gz or .zip) under a name")
    .argument("<bundle>", "the bundle file")
    .option("-n, --name <name>", "the scenario's name (default: the file's name without extension)")
    .option("--config <path>", "the .sumocfg in the bundle to run, when it holds several")
    .action(async (bundlePath, options) => {
      const ctx = context();
      const client = await ctx.tenantClient();
      const bytes = await readFile(bundlePath).catch((error: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot read ${bundlePath}: ${error.message}`);
      });
      const name = options.name ?? bundleName(bundlePath);
      // Off a terminal an upload says nothing until it is done: a bundle takes moments.
      const bar = ctx.output.interactive
        ? new LiveProgress(ctx.output, `uploading ${name}`)
        : undefined;
      let scenario: TenantSchemas["ScenarioWithFiles"];
      try {
        scenario = await call(
          client.POST("/v1/scenarios", {
            body: {
              name,
              bundle: new File([bytes], path.basename(bundlePath)),
              ...(options.config !== undefined && { config: options.config }),
            },
            bodySerializer: toFormData,
            fetch: uploadFetch((sent, total) =>
              bar?.show({
                status: "sending",
                fraction: sent / total,
                detail: `${formatBytes(sent)} of ${formatBytes(total)}`,
              }),
            ),
          }),
        );
      } finally {
        bar?.stop();
      }
      if (ctx.output.json) return ctx.output.printJson(scenario);
      ctx.output.line(`uploaded scenario ${scenario.name} (${scenario.scenario_id})`);
      printScenario(ctx.output, scenario);
    });

  pageOptions(
    scenarios.command("list").alias("ls").description("list the tenant's scenarios, newest first"),
  ).action(async (options) => {
    const ctx = context();
    const client = await ctx.tenantClient();
    const page = await call(
      client.GET("/v1/scenarios", {
        params: {
          query: { limit: options.limit, ...(options.cursor && { cursor: options.cursor }) },
        },
      }),
    );
    if (ctx.output.json) return ctx.output.printJson(page);
    ctx.output.table(
      ["NAME", "ID", "CONFIG", "FORMAT", "SIZE", "FILES", "CREATED"],
      page.scenarios.map((s: Scenario) => [
        s.name,
        s.scenario_id,
        s.config,
        s.format,
        formatBytes(s.size_bytes),
        String(s.file_count),
        formatTime(s.created_at),
      ]),
    );
    printNextPage(ctx.output, page.next_cursor);
  });

  scenarios
    .command("get")
    .description("a scenario's details and files")
    .argument("<scenario>", "its name or id")
    .action(async (scenarioId) => {
      const ctx = context();
      const client = await ctx.tenantClient();
      const scenario = await call(
        client.GET("/v1/scenarios/{scenario_id}", {
          params: { path: { scenario_id: scenarioId } },
        }),
      );
      if (ctx.output.json) return ctx.output.printJson(scenario);
      printScenario(ctx.output, scenario);
    });

  scenarios
    .command("download")
    .description("download a scenario's bundle as it was uploaded")
    .argument("<scenario>", "its name or id")
    .option(
      "-O, --output-file <file>",
      "where to write it; - for stdout (default: <name>.<format>)",
    )
    .action(async (scenarioId, options) => {
      const ctx = context();
      const client = await ctx.tenantClient();
      const scenario = await call(
        client.GET("/v1/scenarios/{scenario_id}", {
          params: { path: { scenario_id: scenarioId } },
        }),
      );
      const response = await call(
        client.GET("/v1/scenarios/{scenario_id}/bundle", {
          params: { path: { scenario_id: scenarioId } },
          parseAs: "stream",
        }),
      );
      const bundle = Readable.fromWeb(response as never);
      if (options.outputFile === "-") {
        await pipeline(bundle, ctx.deps.stdout as NodeJS.WritableStream, { end: false });
        return;
      }
      const file = options.outputFile ?? `${scenario.name}.${scenario.format}`;
      await pipeline(bundle, createWriteStream(file));
      if (ctx.output.json) {
        return ctx.output.printJson({
          scenario_id: scenario.scenario_id,
          file,
          bytes: scenario.size_bytes,
        });
      }
      ctx.output.line(
        `wrote ${file} (${formatBytes(scenario.size_bytes)}, sha256 ${scenario.sha256})`,
      );
    });

  scenarios
    .command("delete")
    .alias("rm")
    .description("delete a scenario (jobs that ran it keep their bundle)")
    .argument("<scenario>", "its name or id")
    .action(async (scenarioId) => {
      const ctx = context();
      const client = await ctx.tenantClient();
      await call(
        client.DELETE("/v1/scenarios/{scenario_id}", {
          params: { path: { scenario_id: scenarioId } },
        }),
      );
      if (ctx.output.json) return ctx.output.printJson({ deleted: scenarioId });
      ctx.output.line(`deleted scenario ${scenarioId}`);
    });
}

/** A bundle's default scenario name: its file name without `.tar.gz`, `.tgz` or `.zip`. */
export function bundleName(bundlePath: string): string {
  return path.basename(bundlePath).replace(/\.(tar\.gz|tgz|zip)$/i, "");
}

function printScenario(output: Output, scenario: TenantSchemas["ScenarioWithFiles"]): void {
  output.fields([
    ["name", scenario.name],
    ["id", scenario.scenario_id],
    ["config", scenario.config],
    [
      "bundle",
      `${scenario.format}, ${formatBytes(scenario.size_bytes)} (${formatBytes(scenario.uncompressed_bytes)} unpacked), ${scenario.file_count} files`,
    ],
    ["sha256", scenario.sha256],
    ["created", formatTime(scenario.created_at)],
    ["files", scenario.files.join(", ")],
  ]);
}
