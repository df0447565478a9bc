// The `sumo-k8` command line as its users run it: a child process against the real services on
// the local cluster, its output piped (not a terminal). Each command's table and JSON, the exit
// status of each kind of failure, `--wait` to SUCCEEDED and to FAILED, `logs -f` to the job's
// end, Ctrl-C while watching, sweeps, the admin's commands, and a profile file.

import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../platform.ts";
import { pollUntil } from "../poll-until.ts";
import { gridBundle } from "../scenario-bundle.ts";
import { CliProcess, type CliRun, runCli, runCliOnTerminal } from "./cli-process.ts";
import { type E2eContext, startE2eContext } from "./e2e-context.ts";

let ctx: E2eContext;
let home: string;
let bundlePath: string;
/** The tenant the CLI's admin commands create; its key drives the tenant commands. */
let tenant: { id: string; apiKey: string };

/** The environment of a user with nothing configured: a home of their own, no SUMO_K8_*. */
const bare = () => ({ HOME: home, XDG_CONFIG_HOME: path.join(home, ".config") });
const adminEnv = () => ({
  ...bare(),
  SUMO_K8_ADMIN_URL: ctx.platform.adminUrl,
  SUMO_K8_ADMIN_TOKEN: ctx.platform.adminToken,
});
const tenantEnv = () => ({
  ...bare(),
  SUMO_K8_API_URL: ctx.platform.apiUrl,
  SUMO_K8_API_KEY: tenant.apiKey,
});
const asTenant = (args: string[]) => runCli(args, { env: tenantEnv() });
const asAdmin = (args: string[]) => runCli(args, { env: adminEnv() });

/** The JSON a command printed, after checking it succeeded. */
function jsonOf(run: CliRun): any {
  expect(run, run.stderr).toMatchObject({ code: 0 });
  return JSON.parse(run.stdout);
}

/** What a script reading the output would choke on: a terminal's escape codes. */
const ESCAPE = "\u001b[";

beforeAll(async () => {
  ctx = await startE2eContext();
  home = await mkdtemp(path.join(tmpdir(), "sumo-k8-cli-home-"));
  bundlePath = path.join(home, "grid.tar.gz");
  await writeFile(bundlePath, await gridBundle());
});
afterAll(async () => {
  await ctx?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

describe("sumo-k8", () => {
  it("refuses bad flags and a missing configuration with exit status 2, saying what is wrong", async () => {
    const unknownFlag = await runCli(["jobs", "list", "--bogus"], { env: bare() });
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("unknown option '--bogus'");
    expect(unknownFlag.stderr).toContain("Usage: sumo-k8 jobs list");

    const badStatus = await runCli(["jobs", "list", "--status", "DONE"], { env: bare() });
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toContain("Allowed choices are QUEUED, PENDING, RUNNING");

    const notANumber = await runCli(["jobs", "submit", "e2e", "--cpu", "lots"], { env: bare() });
    expect(notANumber.code).toBe(2);
    expect(notANumber.stderr).toContain("--cpu <cores>' argument 'lots' is invalid. not a number");

    const unknownCommand = await runCli(["jbos"], { env: bare() });
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain("unknown command 'jbos'");

    const unconfigured = await runCli(["jobs", "list"], { env: bare() });
    expect(unconfigured.code).toBe(2);
    expect(unconfigured.stderr).toContain(
      "no tenant API URL: give --api-url, set SUMO_K8_API_URL, or set api_url in profile",
    );
    const noKey = await runCli(["jobs", "list", "--api-url", ctx.platform.apiUrl], {
      env: bare(),
    });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain("no API key: set SUMO_K8_API_KEY");

    const help = await runCli(["--help"], { env: bare() });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Exit status: 0 done; 1 refused by the API; 2 usage");
  });

  it("admin tenants create shows the key once; list, get and set-limits; a taken name exits 1, a wrong token 3", async () => {
    const created = await asAdmin([
      "admin",
      "tenants",
      "create",
      "cli-researchers",
      "--max-concurrent-jobs",
      "3",
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^tenant cli-researchers created \([0-9a-f-]{36}\)$/m);
    expect(created.stdout).toContain("max jobs      3 pending or running at once");
    const key = /API key \(shown this once; only its hash is kept\): (sumo_\S+)$/m.exec(
      created.stdout,
    )?.[1];
    expect(key).toBeDefined();
    const id = /created \(([0-9a-f-]{36})\)/.exec(created.stdout)?.[1] ?? "";
    tenant = { id, apiKey: key ?? "" };

    const again = await asAdmin(["admin", "tenants", "create", "cli-researchers"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: conflict: .+\n {2}request id: \S+\n$/);

    const listed = await asAdmin(["admin", "tenants", "list"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split("\n")[0]).toMatch(
      /^NAME\s+TENANT\s+JOBS\s+CPU\s+MEMORY\s+QUEUED\s+CREATED$/,
    );
    // Nothing of its yet: none of its 3 job slots, 4 cores and 16 GiB in use, nothing queued.
    expect(listed.stdout).toMatch(
      new RegExp(`^cli-researchers\\s+${id}\\s+0/3\\s+0/4\\s+0/16 GiB\\s+0\\s`, "m"),
    );
    const listedJson = jsonOf(await asAdmin(["admin", "tenants", "list", "-o", "json"]));
    expect(listedJson.tenants).toContainEqual(
      expect.objectContaining({ tenant_id: id, name: "cli-researchers", max_concurrent_jobs: 3 }),
    );

    const limited = jsonOf(
      await asAdmin(["admin", "tenants", "set-limits", id, "--cpu", "3", "-o", "json"]),
    );
    expect(limited).toMatchObject({ tenant_id: id, cpu_limit: 3, max_concurrent_jobs: 3 });
    const noLimits = await asAdmin(["admin", "tenants", "set-limits", id]);
    expect(noLimits.code).toBe(2);
    expect(noLimits.stderr).toContain("give at least one of --cpu, --memory-gi");
    const zeroJobs = await asAdmin(["admin", "tenants", "set-limits", id, "--cpu", "-1"]);
    expect(zeroJobs.code).toBe(1);
    expect(zeroJobs.stderr).toContain("error: validation_failed:");
    expect(zeroJobs.stderr).toContain("  cpu_limit: ");

    const got = await asAdmin(["admin", "tenants", "get", id]);
    expect(got.code).toBe(0);
    expect(got.stdout).toMatch(new RegExp(`^tenant\\s+cli-researchers ${id}$`, "m"));
    expect(got.stdout).toContain("cpu limit     3 cores");
    expect(got.stdout).toMatch(/^KEY\s+STARTS\s+CREATED\s+REVOKED$/m);
    expect(got.stdout).not.toContain(tenant.apiKey);
    const missing = await asAdmin([
      "admin",
      "tenants",
      "get",
      "00000000-0000-4000-8000-000000000000",
    ]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain("error: not_found:");

    const wrongToken = await runCli(["admin", "tenants", "list"], {
      env: { ...adminEnv(), SUMO_K8_ADMIN_TOKEN: "not-the-token" },
    });
    expect(wrongToken.code).toBe(3);
    expect(wrongToken.stderr).toContain("error: unauthorized:");
    expect(wrongToken.stdout).toBe("");
  });

  it("scenarios upload, list, get, download the same bytes, delete; a deleted one is not found (4)", async () => {
    const uploaded = await asTenant(["scenarios", "upload", bundlePath, "--name", "e2e"]);
    expect(uploaded.code, uploaded.stderr).toBe(0);
    expect(uploaded.stdout).toMatch(/^uploaded scenario e2e \([0-9a-f-]{36}\)$/m);
    expect(uploaded.stdout).toMatch(/^config\s+\S+\.sumocfg$/m);
    // Piped, the upload shows no bar: nothing on stderr, nothing a script would choke on.
    expect(uploaded.stderr).toBe("");
    const failing = jsonOf(
      await asTenant([
        "scenarios",
        "upload",
        bundlePath,
        "--name",
        "sim-outcome-sumo_error",
        "-o",
        "json",
      ]),
    );
    expect(failing).toMatchObject({ name: "sim-outcome-sumo_error", format: "tar.gz" });
    const spare = jsonOf(await asTenant(["scenarios", "upload", bundlePath, "-o", "json"]));
    expect(spare.name).toBe("grid");

    // Over the bundle limit: refused from its declared length, before the api reads it.
    const hugePath = path.join(home, "huge.tar.gz");
    await writeFile(hugePath, randomBytes(1100 * 1024));
    const huge = await asTenant(["scenarios", "upload", hugePath]);
    expect(huge.code).toBe(1);
    expect(huge.stderr).toContain("error: bundle_too_large:");

    const taken = await asTenant(["scenarios", "upload", bundlePath, "--name", "e2e"]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain("error: scenario_name_taken:");
    const notABundle = await asTenant(["scenarios", "upload", path.join(home, "missing.tar.gz")]);
    expect(notABundle.code).toBe(2);
    expect(notABundle.stderr).toContain("cannot read");

    const listed = await asTenant(["scenarios", "list"]);
    expect(listed.stdout.split("\n")[0]).toMatch(
      /^NAME\s+ID\s+CONFIG\s+FORMAT\s+SIZE\s+FILES\s+CREATED$/,
    );
    expect(listed.stdout).toMatch(/^e2e\s+[0-9a-f-]{36}\s+\S+\.sumocfg\s+tar\.gz\s/m);
    expect(listed.stdout).toMatch(/^sim-outcome-sumo_error\s/m);
    const page = jsonOf(await asTenant(["scenarios", "list", "--limit", "1", "-o", "json"]));
    expect(page.scenarios).toHaveLength(1);
    expect(page.next_cursor).toEqual(expect.any(String));

    const got = jsonOf(await asTenant(["scenarios", "get", "e2e", "-o", "json"]));
    expect(got.files.length).toBeGreaterThan(0);

    const target = path.join(home, "downloaded.tar.gz");
    const downloaded = await asTenant(["scenarios", "download", "e2e", "-O", target]);
    expect(downloaded.code, downloaded.stderr).toBe(0);
    expect(downloaded.stdout).toContain(`wrote ${target}`);
    expect(await readFile(target)).toEqual(await readFile(bundlePath));

    const deleted = await asTenant(["scenarios", "delete", "grid"]);
    expect(deleted).toMatchObject({ code: 0, stdout: "deleted scenario grid\n" });
    const gone = await asTenant(["scenarios", "get", "grid"]);
    expect(gone.code).toBe(4);
    expect(gone.stderr).toContain("error: not_found:");
  });

  it("jobs submit --wait watches to SUCCEEDED and ends with the result summary, exit 0", async () => {
    const run = await asTenant(["jobs", "submit", "e2e", "--cpu", "0.5", "--end", "300", "--wait"]);
    expect(run.code, run.stderr).toBe(0);
    const jobId = /^job\s+([0-9a-f-]{36})$/m.exec(run.stdout)?.[1];
    expect(jobId).toBeDefined();
    // Off a terminal, the live bar is a line per status, on stderr.
    expect(run.stderr).toContain(`job ${jobId} submitted, PENDING`);
    expect(run.stderr).toMatch(new RegExp(`^job ${jobId} RUNNING`, "m"));
    expect(run.stderr).toMatch(new RegExp(`^job ${jobId} SUCCEEDED$`, "m"));
    expect(run.stdout).toMatch(/^status\s+SUCCEEDED \(exit code 0\)$/m);
    expect(run.stdout).toContain('parameters  {"end":300}');
    expect(run.stdout).toMatch(
      /^ {2}simulated 300 s in 3\.0 s \(100x real time\), SUMO \S+, seed \d+$/m,
    );
    expect(run.stdout).toContain(
      "  vehicles: 120 loaded, 120 inserted, 118 arrived, 0 running, 0 waiting, 2 teleported, 0 collided",
    );
    expect(run.stdout + run.stderr).not.toContain(ESCAPE);

    const json = await runCli(["jobs", "submit", "e2e", "--end", "100", "--wait", "-o", "json"], {
      env: tenantEnv(),
    });
    expect(jsonOf(json)).toMatchObject({
      status: "SUCCEEDED",
      exit_code: 0,
      result: { end_time: 100 },
    });
  });

  it("on a terminal, the upload and --wait draw live progress bars, and statuses have colour", async () => {
    const upload = await runCliOnTerminal(["scenarios", "upload", bundlePath, "--name", "tty"], {
      env: tenantEnv(),
    });
    expect(upload.code).toBe(0);
    expect(upload.output).toMatch(/uploading tty sending\s+\|█+\| 100% 9\.\d KiB of 9\.\d KiB/);
    expect(upload.output).toContain("uploaded scenario tty");

    const watched = await runCliOnTerminal(["jobs", "submit", "tty", "--end", "300", "--wait"], {
      env: tenantEnv(),
    });
    expect(watched.code).toBe(0);
    expect(watched.output).toMatch(/job [0-9a-f-]{36} RUNNING\s+\|[█░]+\| \d+% sim /);
    expect(watched.output).toMatch(/job [0-9a-f-]{36} SUCCEEDED\s+\|█+\| 100%/);
    expect(watched.output).toContain(`${ESCAPE}32mSUCCEEDED${ESCAPE}39m (exit code 0)`);
  });

  it("jobs submit --wait watches to FAILED, says why, and exits 7", async () => {
    const run = await asTenant(["jobs", "submit", "sim-outcome-sumo_error", "--end", "100", "-w"]);
    expect(run.code).toBe(7);
    expect(run.stdout).toMatch(/^status\s+FAILED \(exit code 10\)$/m);
    expect(run.stdout).toMatch(
      /^failure\s+SumoError: Error: the local cluster's simulated SUMO failed/m,
    );
    expect(run.stderr).toMatch(/^job [0-9a-f-]{36} ended FAILED$/m);
  });

  it("jobs get, list with filters and logs, as tables and as JSON", async () => {
    const listed = await asTenant(["jobs", "list"]);
    expect(listed.code).toBe(0);
    const header = listed.stdout.split("\n")[0];
    expect(header).toMatch(/^JOB\s+SCENARIO\s+STATUS\s+CPU\s+MEMORY\s+PROGRESS\s+SUBMITTED$/);
    expect(listed.stdout).toMatch(
      /^[0-9a-f-]{36}\s+sim-outcome-sumo_error\s+FAILED\s+1\s+1 GiB\s+took /m,
    );
    expect(listed.stdout).toMatch(/^[0-9a-f-]{36}\s+e2e\s+SUCCEEDED\s+0\.5\s+1 GiB\s+took /m);

    const failed = jsonOf(await asTenant(["jobs", "list", "--status", "FAILED", "-o", "json"]));
    expect(failed.jobs.map((job: any) => job.status)).toEqual(["FAILED"]);
    const succeeded = jsonOf(
      await asTenant(["jobs", "list", "--status", "SUCCEEDED", "-o", "json"]),
    );
    // The two --wait runs and the one on a terminal.
    expect(succeeded.jobs.map((job: any) => job.status)).toEqual([
      "SUCCEEDED",
      "SUCCEEDED",
      "SUCCEEDED",
    ]);
    const firstPage = await asTenant(["jobs", "list", "--limit", "1"]);
    expect(firstPage.stderr).toMatch(/^more: --cursor \S+$/m);

    const jobId: string = succeeded.jobs[0].job_id;
    const got = await asTenant(["jobs", "get", jobId]);
    expect(got.stdout).toMatch(new RegExp(`^job\\s+${jobId}$`, "m"));
    expect(got.stdout).toMatch(/^result$/m);
    expect(jsonOf(await asTenant(["jobs", "get", jobId, "-o", "json"]))).toMatchObject({
      job_id: jobId,
      status: "SUCCEEDED",
      reruns: [],
    });
    const missing = await asTenant(["jobs", "get", "00000000-0000-4000-8000-000000000000"]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain("error: not_found: No such job");

    const logs = jsonOf(await asTenant(["jobs", "logs", jobId, "--tail", "5", "-o", "json"]));
    expect(logs.lines).toHaveLength(5);
    const plain = await asTenant(["jobs", "logs", jobId, "--tail", "5"]);
    expect(plain.stdout).toBe(`${logs.lines.join("\n")}\n`);
  });

  it("jobs logs -f follows a job's log from before it runs until it ends", async () => {
    const submit = ["jobs", "submit", "e2e", "--end", "400", "--idempotency-key", "cli-follow"];
    const submitted = await asTenant(submit);
    expect(submitted.code).toBe(0);
    const jobId = submitted.stdout.trim();
    // The same key again answers the same job: a script may retry a submission safely.
    expect((await asTenant(submit)).stdout).toBe(`${jobId}\n`);
    expect(submitted.stderr).toContain(`watch it with \`sumo-k8 jobs watch ${jobId}\``);

    const followed = await asTenant(["jobs", "logs", jobId, "-f", "--tail", "20"]);
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stderr).toMatch(new RegExp(`job ${jobId} ended SUCCEEDED\\n$`));
    const lines = followed.stdout.split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(20);
    // What was followed ends as the log the platform kept ends.
    const kept = jsonOf(await asTenant(["jobs", "logs", jobId, "--tail", "20", "-o", "json"]));
    expect(lines.slice(-20)).toEqual(kept.lines);
  });

  it("Ctrl-C under --wait stops watching (130) while the job runs on; cancel; watching a cancelled job exits 8; rerun", async () => {
    const watching = new CliProcess(["jobs", "submit", "e2e", "--end", "6000", "--wait"], {
      env: tenantEnv(),
    });
    await watching.waitFor("stderr", /RUNNING/);
    const jobId = /job ([0-9a-f-]{36}) submitted/.exec(watching.stderr)?.[1] ?? "";
    watching.child.kill("SIGINT");
    const stopped = await watching.ended;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain(
      `Stopped watching. Job ${jobId} keeps running on the platform (RUNNING): watch it again with \`sumo-k8 jobs watch ${jobId}\`, stop it with \`sumo-k8 jobs cancel ${jobId}\`.`,
    );
    expect(jsonOf(await asTenant(["jobs", "get", jobId, "-o", "json"])).status).toBe("RUNNING");

    const following = new CliProcess(["jobs", "logs", jobId, "-f", "--tail", "1"], {
      env: tenantEnv(),
    });
    await following.waitFor("stdout", /\n/);
    following.child.kill("SIGINT");
    const unfollowed = await following.ended;
    expect(unfollowed.code).toBe(130);
    expect(unfollowed.stderr).toContain(
      `Stopped following. Job ${jobId} keeps running on the platform (RUNNING).`,
    );

    const cancelled = await asTenant(["jobs", "cancel", jobId]);
    expect(cancelled).toMatchObject({ code: 0, stdout: `job ${jobId} CANCELLED\n` });
    const watched = await asTenant(["jobs", "watch", jobId]);
    expect(watched.code).toBe(8);
    expect(watched.stdout).toMatch(/^cancelled\s+by tenant at /m);
    expect(watched.stderr).toContain(`job ${jobId} ended CANCELLED`);

    const rerun = jsonOf(await asTenant(["jobs", "rerun", jobId, "--end", "100", "-o", "json"]));
    expect(rerun).toMatchObject({ rerun_of: jobId, status: "PENDING" });
    const rerunDone = await asTenant(["jobs", "watch", rerun.job_id, "-o", "json"]);
    expect(jsonOf(rerunDone)).toMatchObject({ status: "SUCCEEDED", rerun_of: jobId });
    const ended = await asTenant(["jobs", "cancel", rerun.job_id]);
    expect(ended.code).toBe(1);
    expect(ended.stderr).toContain("error: job_already_ended:");
  });

  it("a watch and a follow ride out the api's restart, say so, and end with the job", async () => {
    const jobId = (await asTenant(["jobs", "submit", "e2e", "--end", "6000"])).stdout.trim();
    const watching = new CliProcess(["jobs", "watch", jobId], { env: tenantEnv() });
    const following = new CliProcess(["jobs", "logs", jobId, "-f", "--tail", "1"], {
      env: tenantEnv(),
    });
    await watching.waitFor("stderr", new RegExp(`^job ${jobId} RUNNING`, "m"));
    await following.waitFor("stdout", /\n/);

    await ctx.platform.kill("api");
    await watching.waitFor("stderr", "The API did not answer");
    await following.waitFor("stderr", /; trying again until it answers \(Ctrl-C to stop\)$/m);
    await ctx.platform.start("api");
    await watching.waitFor("stderr", "the API answers again");

    expect((await asTenant(["jobs", "cancel", jobId])).code).toBe(0);
    const watched = await watching.ended;
    expect(watched.code).toBe(8);
    expect(watched.stdout).toMatch(/^status\s+CANCELLED$/m);
    const followed = await following.ended;
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stderr).toContain("the API answers again");
    expect(followed.stderr).toMatch(new RegExp(`job ${jobId} ended CANCELLED\\n$`));
    // The one line asked for (the simulated pod's log is written at once): followed again after
    // the restart, it is not shown twice.
    expect(followed.stdout.split("\n").filter(Boolean)).toHaveLength(1);
  });

  it("requests the tenant's limits refuse exit 5: a job too big, one over the concurrent-job limit (saying when to retry)", async () => {
    const tooBig = await asTenant(["jobs", "submit", "e2e", "--cpu", "64"]);
    expect(tooBig.code).toBe(5);
    expect(tooBig.stderr).toContain("error: job_exceeds_tenant_limits:");

    const one = jsonOf(
      await asAdmin([
        "admin",
        "tenants",
        "set-limits",
        tenant.id,
        "--max-concurrent-jobs",
        "1",
        "-o",
        "json",
      ]),
    );
    expect(one.max_concurrent_jobs).toBe(1);
    const first = await asTenant(["jobs", "submit", "e2e", "--end", "6000"]);
    expect(first.code).toBe(0);
    const second = await asTenant(["jobs", "submit", "e2e", "--end", "100"]);
    expect(second.code).toBe(5);
    expect(second.stderr).toContain("error: concurrent_job_limit_reached:");
    expect(second.stderr).toMatch(/^ {2}try again in \d+ s$/m);
    // As an admin would: cancel it, and put the limit back.
    const cancelled = await asAdmin(["admin", "jobs", "cancel", first.stdout.trim()]);
    expect(cancelled.stdout).toBe(`job ${first.stdout.trim()} CANCELLED\n`);
    await asAdmin(["admin", "tenants", "set-limits", tenant.id, "--max-concurrent-jobs", "3"]);
  });

  it("sweeps create shows the member count first; status -w to the end; results as a table; list; cancel", async () => {
    const dryRun = await asTenant([
      "sweeps",
      "create",
      "e2e",
      "--vary",
      "seed=1..3",
      "--vary",
      "end=100,200",
      "--dry-run",
    ]);
    expect(dryRun).toMatchObject({
      code: 0,
      stdout: "",
      stderr: "6 members (seed × 3, end × 2)\n",
    });
    const noVary = await asTenant(["sweeps", "create", "e2e"]);
    expect(noVary.code).toBe(2);
    const badVary = await asTenant(["sweeps", "create", "e2e", "--vary", "seed"]);
    expect(badVary.code).toBe(2);
    expect(badVary.stderr).toContain("expected parameter=values");

    const created = await asTenant([
      "sweeps",
      "create",
      "e2e",
      "--cpu",
      "0.2",
      "--memory-gi",
      "0.2",
      "--vary",
      "seed=1..3",
      "--vary",
      "end=100,200",
      "--watch",
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr.split("\n")[0]).toBe("6 members (seed × 3, end × 2)");
    expect(created.stderr).toMatch(/^sweep [0-9a-f-]{36} running /m);
    expect(created.stderr).toMatch(/^sweep [0-9a-f-]{36} ended 6\/6 ended; 6 SUCCEEDED$/m);
    expect(created.stdout).toMatch(/^members\s+6$/m);
    // As the API answers it (the database keeps vary as jsonb, which orders its keys).
    expect(created.stdout).toMatch(/^vary\s+end=100,200, seed=1\.\.3$/m);
    expect(created.stdout).toMatch(/^progress\s+6 ended \(100%\)$/m);
    const sweepId = /^sweep\s+([0-9a-f-]{36})$/m.exec(created.stdout)?.[1] ?? "";

    const results = await asTenant(["sweeps", "results", sweepId]);
    expect(results.stdout.split("\n")[0]).toMatch(
      /^METRIC\s+COUNT\s+MEAN\s+STDDEV\s+MIN\s+P5\s+P50\s+P95\s+MAX$/,
    );
    // The simulated runs report their end as simulated seconds: 100 three times, 200 three times.
    expect(results.stdout).toMatch(
      /^simulated_seconds\s+6\s+150\s+54\.772\s+100\s+100\s+150\s+200\s+200$/m,
    );
    expect(results.stdout).toMatch(/^vehicles\.arrived\s+6\s+118\s+0\s+118\s/m);
    const resultsJson = jsonOf(await asTenant(["sweeps", "results", sweepId, "-o", "json"]));
    expect(resultsJson.simulated_seconds).toMatchObject({
      count: 6,
      mean: 150,
      min: 100,
      max: 200,
    });

    const status = await asTenant(["sweeps", "status", sweepId]);
    expect(status.stdout).toMatch(/^by status\s+6 SUCCEEDED$/m);
    const listed = await asTenant(["sweeps", "list"]);
    expect(listed.stdout).toMatch(
      new RegExp(`^${sweepId}\\s+e2e\\s+6\\s+6 \\(100%\\)\\s+6\\s+0\\s+0\\s`, "m"),
    );
    const members = jsonOf(await asTenant(["jobs", "list", "--sweep", sweepId, "-o", "json"]));
    expect(members.jobs).toHaveLength(6);

    const queued = jsonOf(
      await asTenant([
        "sweeps",
        "create",
        "e2e",
        "--cpu",
        "0.5",
        "--vary",
        "seed=1..40",
        "--end",
        "6000",
        "-o",
        "json",
      ]),
    );
    expect(queued.member_count).toBe(40);
    // The tenant's queue starts 3 (its limit) and the rest wait for them.
    const queue = await pollUntil(
      "the tenant's queue to be at its limit",
      async () => {
        const seen = await asAdmin(["admin", "tenants", "queue", tenant.id]);
        return /^active\s+3 of 3 jobs/m.test(seen.stdout)
          ? { done: true, value: seen }
          : { done: false, seen };
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(queue.stdout).toMatch(/^queued\s+37$/m);
    expect(queue.stdout).toMatch(/^waiting for\s+concurrent job limit$/m);
    expect(queue.stdout).toMatch(/^[0-9a-f-]{36}\s+e2e\s+(QUEUED|PENDING|RUNNING)\s/m);
    const everyTenants = await asAdmin(["admin", "sweeps", "list", "--tenant", tenant.id]);
    expect(everyTenants.stdout.split("\n")[0]).toMatch(/^TENANT\s+SWEEP\s+SCENARIO\s+MEMBERS/);
    expect(everyTenants.stdout).toMatch(
      new RegExp(`^${tenant.id}\\s+${queued.sweep_id}\\s+e2e\\s+40\\s`, "m"),
    );
    const byAdmin = await asAdmin(["admin", "sweeps", "cancel", queued.sweep_id]);
    expect(byAdmin.stdout).toBe(`sweep ${queued.sweep_id} cancelled: 40 CANCELLED\n`);
    // Cancelling again is no error: the tenant's cancel answers the same.
    const cancelled = await asTenant(["sweeps", "cancel", queued.sweep_id, "-o", "json"]);
    expect(jsonOf(cancelled)).toMatchObject({
      sweep_id: queued.sweep_id,
      counts: { CANCELLED: 40 },
      cancelled: { by: "admin" },
    });
  });

  it("dashboard shows limits, usage, jobs by status and recent jobs", async () => {
    const dashboard = await asTenant(["dashboard"]);
    expect(dashboard.code).toBe(0);
    expect(dashboard.stdout).toMatch(/^cpu\s+0 of 3 cores in use$/m);
    expect(dashboard.stdout).toMatch(/^jobs\s+0 of 3 pending or running \(0 running\)$/m);
    expect(dashboard.stdout).toMatch(
      /^by status\s+0 QUEUED, 0 PENDING, 0 RUNNING, \d+ SUCCEEDED, 1 FAILED, \d+ CANCELLED$/m,
    );
    expect(dashboard.stdout).toMatch(/^recent jobs$/m);
    const json = jsonOf(await asTenant(["dashboard", "-o", "json"]));
    expect(json).toMatchObject({
      limits: { cpu: 3, max_concurrent_jobs: 3 },
      jobs_by_status: { FAILED: 1 },
    });
  });

  it("admin nodes, jobs with filters, metrics; keys issue and revoke (the revoked key then exits 3)", async () => {
    const nodes = await asAdmin(["admin", "nodes"]);
    expect(nodes.code).toBe(0);
    expect(nodes.stdout.split("\n")[0]).toMatch(/^NODE\s+STATUS\s+CPU\s+MEMORY\s+PODS\s+NODEPOOL/);
    expect(nodes.stdout.split("\n").length).toBeGreaterThan(2);
    expect(jsonOf(await asAdmin(["admin", "nodes", "-o", "json"])).nodes.length).toBeGreaterThan(0);

    const failed = await asAdmin([
      "admin",
      "jobs",
      "list",
      "--tenant",
      tenant.id,
      "--status",
      "FAILED",
    ]);
    expect(failed.stdout.split("\n")[0]).toMatch(/^TENANT\s+JOB\s+SCENARIO\s+STATUS/);
    expect(failed.stdout.trim().split("\n")).toHaveLength(2);
    expect(failed.stdout).toMatch(
      new RegExp(`^${tenant.id}\\s+[0-9a-f-]{36}\\s+sim-outcome-sumo_error\\s+FAILED`, "m"),
    );

    const metrics = await asAdmin(["admin", "metrics"]);
    expect(metrics.stdout).toMatch(/^nodes\s+\d+$/m);
    expect(metrics.stdout).toMatch(/^by status\s+\d+ QUEUED, .*\d+ FAILED, \d+ CANCELLED$/m);
    expect(jsonOf(await asAdmin(["admin", "metrics", "-o", "json"]))).toMatchObject({
      database: { jobs_by_status: { FAILED: expect.any(Number) } },
    });

    const issued = jsonOf(await asAdmin(["admin", "keys", "issue", tenant.id, "-o", "json"]));
    expect(issued.api_key).toMatch(/^sumo_/);
    const withNewKey = await runCli(["dashboard"], {
      env: { ...tenantEnv(), SUMO_K8_API_KEY: issued.api_key },
    });
    expect(withNewKey.code).toBe(0);
    const revoked = await asAdmin(["admin", "keys", "revoke", tenant.id, issued.key_id]);
    expect(revoked).toMatchObject({ code: 0, stdout: `key ${issued.key_id} revoked\n` });
    const refused = await runCli(["dashboard"], {
      env: { ...tenantEnv(), SUMO_K8_API_KEY: issued.api_key },
    });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("error: unauthorized:");
  });

  it("a profile file (mode 600, secrets from stdin) configures it; a looser file is refused; --profile chooses", async () => {
    const configHome = path.join(home, "profiles");
    const env = { HOME: home, XDG_CONFIG_HOME: configHome };
    const saved = await runCli(
      ["config", "set-profile", "lab", "--api-url", ctx.platform.apiUrl, "--api-key-stdin"],
      { env, input: `${tenant.apiKey}\n` },
    );
    expect(saved.code, saved.stderr).toBe(0);
    const file = path.join(configHome, "sumo-k8", "config.json");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({
      current_profile: "lab",
      profiles: { lab: { api_url: ctx.platform.apiUrl, api_key: tenant.apiKey } },
    });
    const adminSaved = await runCli(
      ["config", "set-profile", "ops", "--admin-url", ctx.platform.adminUrl, "--admin-token-stdin"],
      { env, input: ctx.platform.adminToken },
    );
    expect(adminSaved.code).toBe(0);

    // The current profile serves tenant commands; the other is chosen by name.
    const dashboard = await runCli(["dashboard", "-o", "json"], { env });
    expect(jsonOf(dashboard).limits.cpu).toBe(3);
    const tenants = await runCli(["--profile", "ops", "admin", "tenants", "list"], { env });
    expect(tenants.stdout).toMatch(/^cli-researchers\s/m);
    const viaVariable = await runCli(["admin", "metrics"], {
      env: { ...env, SUMO_K8_PROFILE: "ops" },
    });
    expect(viaVariable.code).toBe(0);
    const noAdmin = await runCli(["admin", "metrics"], { env });
    expect(noAdmin.code).toBe(2);
    expect(noAdmin.stderr).toContain('set admin_url in profile "lab"');
    const unknown = await runCli(["--profile", "nope", "dashboard"], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no profile "nope" in');
    expect(unknown.stderr).toContain("it has: lab, ops");

    const view = await runCli(["config", "view"], { env });
    expect(view.stdout).toMatch(/^\*\s+lab\s+http:\/\/127\.0\.0\.1:\d+\s+sumo_\S{4}…\s+-\s+-$/m);
    expect(view.stdout).not.toContain(tenant.apiKey);
    expect(view.stdout).not.toContain(ctx.platform.adminToken);

    // Flags and variables win over the file.
    const elsewhere = await runCli(
      ["dashboard", "--api-url", `http://127.0.0.1:${await freePort()}`],
      { env },
    );
    expect(elsewhere.code).toBe(6);
    expect(elsewhere.stderr).toContain(
      "error: network_error: The API did not answer: fetch failed",
    );

    await chmod(file, 0o644);
    const loose = await runCli(["dashboard"], { env });
    expect(loose.code).toBe(2);
    expect(loose.stderr).toContain(`${file} is open to other users (mode 644)`);
    expect(loose.stderr).toContain(`chmod 600 ${file}`);
  });
});
