// `sumo-k8 admin ...`: the admin API with the admin token. tenants (create, with its first key
// shown once; list; get; set-limits; queue), keys (issue, revoke), nodes, jobs (list with filters,
// cancel), sweeps (list, cancel), metrics.
import { type Command, Option, type OptionValues } from "@commander-js/extra-typings";
import { type AdminSchemas, call } from "@sumo/api-client";
import type { CliContext } from "../cli-context.ts";
import { UsageError } from "../exit-codes.ts";
import { formatNumber, formatTime } from "../format-values.ts";
import { JOB_STATUSES, JOB_TABLE_HEAD, jobRow } from "../job-view.ts";
import type { Output } from "../output.ts";
import { numberArgument, pageOptions, positiveInteger, printNextPage } from "./pages.ts";
import { countsLine, SWEEP_TABLE_HEAD, sweepRow } from "./sweeps.ts";

type Tenant = AdminSchemas["Tenant"];

function limitOptions<Args extends unknown[], Opts extends OptionValues>(
  command: Command<Args, Opts>,
) {
  return command
    .option("--cpu <cores>", "CPU cores its running jobs may hold together", numberArgument)
    .option("--memory-gi <gib>", "memory in GiB its running jobs may hold together", numberArgument)
    .option(
      "--max-concurrent-jobs <n>",
      "jobs it may have pending or running at once",
      positiveInteger,
    );
}

function limitsOf(options: {
  cpu?: number | undefined;
  memoryGi?: number | undefined;
  maxConcurrentJobs?: number | undefined;
}) {
  return {
    ...(options.cpu !== undefined && { cpu_limit: options.cpu }),
    ...(options.memoryGi !== undefined && { memory_limit_gi: options.memoryGi }),
    ...(options.maxConcurrentJobs !== undefined && {
      max_concurrent_jobs: options.maxConcurrentJobs,
    }),
  };
}

export function addAdminCommands(program: Command, context: () => CliContext): void {
  const admin = program
    .command("admin")
    .description("the platform's admin API (SUMO_K8_ADMIN_URL, SUMO_K8_ADMIN_TOKEN)");

  const tenants = admin.command("tenants").alias("tenant").description("tenants and their limits");

  limitOptions(
    tenants
      .command("create")
      .description("create a tenant; its first API key is shown this once")
      .argument("<name>", "the tenant's name"),
  ).action(async (name, options) => {
    const ctx = context();
    const client = await ctx.adminClient();
    const created = await call(
      client.POST("/admin/tenants", { body: { name, ...limitsOf(options) } }),
    );
    const { output } = ctx;
    if (output.json) return output.printJson(created);
    output.line(`tenant ${created.tenant.name} created (${created.tenant.tenant_id})`);
    printLimits(output, created.tenant);
    output.line();
    output.line(`API key (shown this once; only its hash is kept): ${created.api_key.api_key}`);
  });

  pageOptions(
    tenants
      .command("list")
      .alias("ls")
      .description("every tenant: what its active jobs hold of its limits, and its queue"),
  ).action(async (options) => {
    const ctx = context();
    const client = await ctx.adminClient();
    const page = await call(
      client.GET("/admin/tenants", {
        params: {
          query: { limit: options.limit, ...(options.cursor && { cursor: options.cursor }) },
        },
      }),
    );
    if (ctx.output.json) return ctx.output.printJson(page);
    ctx.output.table(
      ["NAME", "TENANT", "JOBS", "CPU", "MEMORY", "QUEUED", "CREATED"],
      page.tenants.map((tenant) => [
        tenant.name,
        tenant.tenant_id,
        `${tenant.usage.active.jobs}/${tenant.max_concurrent_jobs}`,
        `${formatNumber(tenant.usage.active.cpu, 3)}/${formatNumber(tenant.cpu_limit, 3)}`,
        `${formatNumber(tenant.usage.active.memory_gi)}/${formatNumber(tenant.memory_limit_gi)} GiB`,
        tenant.usage.queued > 0 && tenant.usage.waiting_for
          ? `${tenant.usage.queued} (${tenant.usage.waiting_for})`
          : String(tenant.usage.queued),
        formatTime(tenant.created_at),
      ]),
    );
    printNextPage(ctx.output, page.next_cursor);
  });

  tenants
    .command("get")
    .description("a tenant with its limits and API keys (never the keys themselves)")
    .argument("<tenant>", "the tenant's id")
    .action(async (tenantId) => {
      const ctx = context();
      const client = await ctx.adminClient();
      const tenant = await call(
        client.GET("/admin/tenants/{tenant_id}", { params: { path: { tenant_id: tenantId } } }),
      );
      const { output } = ctx;
      if (output.json) return output.printJson(tenant);
      output.fields([
        ["tenant", `${tenant.name} ${tenant.tenant_id}`],
        ["created", formatTime(tenant.created_at)],
      ]);
      printLimits(output, tenant);
      output.line();
      output.table(
        ["KEY", "STARTS", "CREATED", "REVOKED"],
        tenant.api_keys.map((key) => [
          key.key_id,
          key.display_prefix,
          formatTime(key.created_at),
          formatTime(key.revoked_at),
        ]),
      );
    });

  limitOptions(
    tenants
      .command("set-limits")
      .description("change a tenant's limits; its namespace's quota follows")
      .argument("<tenant>", "the tenant's id"),
  ).action(async (tenantId, options) => {
    const limits = limitsOf(options);
    if (Object.keys(limits).length === 0) {
      throw new UsageError("give at least one of --cpu, --memory-gi, --max-concurrent-jobs");
    }
    const ctx = context();
    const client = await ctx.adminClient();
    const tenant = await call(
      client.PATCH("/admin/tenants/{tenant_id}", {
        params: { path: { tenant_id: tenantId } },
        body: limits,
      }),
    );
    if (ctx.output.json) return ctx.output.printJson(tenant);
    ctx.output.line(`tenant ${tenant.name} (${tenant.tenant_id}) limits set`);
    printLimits(ctx.output, tenant);
  });

  tenants
    .command("queue")
    .description("a tenant's queue: how many wait and why, what its active jobs hold, the next 20")
    .argument("<tenant>", "the tenant's id")
    .action(async (tenantId) => {
      const ctx = context();
      const client = await ctx.adminClient();
      const queue = await call(
        client.GET("/admin/tenants/{tenant_id}/queue", {
          params: { path: { tenant_id: tenantId } },
        }),
      );
      const { output } = ctx;
      if (output.json) return output.printJson(queue);
      output.fields([
        ["queued", String(queue.queued)],
        ["waiting for", queue.waiting_for?.replaceAll("_", " ") ?? "nothing"],
        [
          "active",
          `${queue.active.jobs} of ${queue.max_concurrent_jobs} jobs, ${formatNumber(queue.active.cpu, 3)} cores, ${formatNumber(queue.active.memory_gi)} GiB`,
        ],
      ]);
      if (queue.next.length > 0) {
        output.line();
        output.table(
          JOB_TABLE_HEAD,
          queue.next.map((job) => jobRow(output, job)),
        );
      }
    });

  const keys = admin.command("keys").alias("key").description("tenants' API keys");

  keys
    .command("issue")
    .description("issue another API key for a tenant, shown this once")
    .argument("<tenant>", "the tenant's id")
    .action(async (tenantId) => {
      const ctx = context();
      const client = await ctx.adminClient();
      const key = await call(
        client.POST("/admin/tenants/{tenant_id}/api-keys", {
          params: { path: { tenant_id: tenantId } },
        }),
      );
      if (ctx.output.json) return ctx.output.printJson(key);
      ctx.output.line(`key ${key.key_id} issued`);
      ctx.output.line(`API key (shown this once; only its hash is kept): ${key.api_key}`);
    });

  keys
    .command("revoke")
    .description("revoke one of a tenant's API keys; the api refuses it from then on")
    .argument("<tenant>", "the tenant's id")
    .argument("<key>", "the key's id (as `admin tenants get` lists it)")
    .action(async (tenantId, keyId) => {
      const ctx = context();
      const client = await ctx.adminClient();
      await call(
        client.DELETE("/admin/tenants/{tenant_id}/api-keys/{key_id}", {
          params: { path: { tenant_id: tenantId, key_id: keyId } },
        }),
      );
      if (ctx.output.json) return ctx.output.printJson({ revoked: keyId, tenant_id: tenantId });
      ctx.output.line(`key ${keyId} revoked`);
    });

  admin
    .command("nodes")
    .description(
      "every node: status, what its pods request against what it can hold, Karpenter's labels",
    )
    .action(async () => {
      const ctx = context();
      const client = await ctx.adminClient();
      const nodes = await call(client.GET("/admin/nodes"));
      if (ctx.output.json) return ctx.output.printJson(nodes);
      ctx.output.table(
        [
          "NODE",
          "STATUS",
          "CPU",
          "MEMORY",
          "PODS",
          "NODEPOOL",
          "CAPACITY",
          "INSTANCE",
          "ZONE",
          "CREATED",
        ],
        nodes.nodes.map((node: AdminSchemas["Node"]) => [
          node.name,
          `${node.status}${node.unschedulable ? ",cordoned" : ""}`,
          `${formatNumber(node.allocated.cpu, 3)}/${formatNumber(node.allocatable.cpu, 3)}`,
          `${formatNumber(node.allocated.memory_gi)}/${formatNumber(node.allocatable.memory_gi)} GiB`,
          `${node.pod_count}/${node.allocatable.pods}`,
          node.karpenter.nodepool ?? "-",
          node.karpenter.capacity_type ?? "-",
          node.karpenter.instance_type ?? "-",
          node.karpenter.zone ?? "-",
          formatTime(node.created_at),
        ]),
      );
    });

  const jobs = admin.command("jobs").alias("job").description("every tenant's jobs");

  pageOptions(
    jobs
      .command("list")
      .alias("ls")
      .description("all tenants' jobs, newest first")
      .addOption(new Option("--status <status>", "only jobs in this status").choices(JOB_STATUSES))
      .option("--tenant <tenant>", "only this tenant's jobs (its id)"),
  ).action(async (options) => {
    const ctx = context();
    const client = await ctx.adminClient();
    const page = await call(
      client.GET("/admin/jobs", {
        params: {
          query: {
            limit: options.limit,
            ...(options.cursor && { cursor: options.cursor }),
            ...(options.status && { status: options.status }),
            ...(options.tenant && { tenant_id: options.tenant }),
          },
        },
      }),
    );
    if (ctx.output.json) return ctx.output.printJson(page);
    ctx.output.table(
      ["TENANT", ...JOB_TABLE_HEAD],
      page.jobs.map((job) => [job.tenant_id, ...jobRow(ctx.output, job)]),
    );
    printNextPage(ctx.output, page.next_cursor);
  });

  jobs
    .command("cancel")
    .description("cancel any tenant's job (recorded as cancelled by admin)")
    .argument("<job>", "the job's id")
    .action(async (jobId) => {
      const ctx = context();
      const client = await ctx.adminClient();
      const job = await call(
        client.POST("/admin/jobs/{job_id}/cancel", { params: { path: { job_id: jobId } } }),
      );
      if (ctx.output.json) return ctx.output.printJson(job);
      ctx.output.line(`job ${job.job_id} ${job.status}`);
    });

  const sweeps = admin.command("sweeps").alias("sweep").description("every tenant's sweeps");

  pageOptions(
    sweeps
      .command("list")
      .alias("ls")
      .description("all tenants' sweeps, newest first")
      .option("--tenant <tenant>", "only this tenant's sweeps (its id)"),
  ).action(async (options) => {
    const ctx = context();
    const client = await ctx.adminClient();
    const page = await call(
      client.GET("/admin/sweeps", {
        params: {
          query: {
            limit: options.limit,
            ...(options.cursor && { cursor: options.cursor }),
            ...(options.tenant && { tenant_id: options.tenant }),
          },
        },
      }),
    );
    if (ctx.output.json) return ctx.output.printJson(page);
    ctx.output.table(
      ["TENANT", ...SWEEP_TABLE_HEAD],
      page.sweeps.map((sweep) => [sweep.tenant_id, ...sweepRow(sweep)]),
    );
    printNextPage(ctx.output, page.next_cursor);
  });

  sweeps
    .command("cancel")
    .description("cancel every member of any tenant's sweep that has not ended")
    .argument("<sweep>", "the sweep's id")
    .action(async (sweepId) => {
      const ctx = context();
      const client = await ctx.adminClient();
      const sweep = await call(
        client.POST("/admin/sweeps/{sweep_id}/cancel", { params: { path: { sweep_id: sweepId } } }),
      );
      if (ctx.output.json) return ctx.output.printJson(sweep);
      ctx.output.line(`sweep ${sweep.sweep_id} cancelled: ${countsLine(sweep)}`);
    });

  admin
    .command("metrics")
    .description("nodes, platform pods by phase, active Kubernetes Jobs, jobs by status")
    .action(async () => {
      const ctx = context();
      const client = await ctx.adminClient();
      const metrics = await call(client.GET("/admin/metrics"));
      const { output } = ctx;
      if (output.json) return output.printJson(metrics);
      const kubernetes = metrics.kubernetes;
      output.fields([
        ["snapshot", formatTime(metrics.snapshot_at)],
        ["nodes", kubernetes ? String(kubernetes.nodes) : "unknown (Kubernetes did not answer)"],
        [
          "pods",
          kubernetes
            ? Object.entries(kubernetes.pods_by_phase)
                .map(([phase, count]) => `${count} ${phase}`)
                .join(", ") || "none"
            : undefined,
        ],
        ["active jobs", kubernetes ? `${kubernetes.active_jobs} Kubernetes Jobs` : undefined],
        [
          "by status",
          JOB_STATUSES.map((status) => `${metrics.database.jobs_by_status[status]} ${status}`).join(
            ", ",
          ),
        ],
      ]);
    });
}

function printLimits(output: Output, tenant: Tenant): void {
  output.fields([
    ["cpu limit", `${formatNumber(tenant.cpu_limit, 3)} cores`],
    ["memory limit", `${formatNumber(tenant.memory_limit_gi)} GiB`],
    ["max jobs", `${tenant.max_concurrent_jobs} pending or running at once`],
  ]);
}
