// Shell completion as the shells ask for it: the script, and the hidden `complete` command
// the script runs with the words typed so far.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const run = (...args: string[]) =>
  promisify(execFile)(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH } });

describe("shell completion", () => {
  it.each(["bash", "zsh", "fish"])(
    "prints a %s script that asks sumo-k8 complete",
    async (shell) => {
      const { stdout } = await run("completion", shell);
      expect(stdout).toContain("sumo-k8");
      expect(stdout).toContain("complete");
    },
  );

  it("completes commands, subcommands and the values an option takes", async () => {
    expect((await run("complete", "--", "")).stdout).toMatch(/^jobs\t/m);
    const jobs = (await run("complete", "--", "jobs", "")).stdout;
    for (const verb of ["submit", "get", "list", "watch", "logs", "cancel", "rerun"]) {
      expect(jobs).toMatch(new RegExp(`^${verb}\\t`, "m"));
    }
    const statuses = (await run("complete", "--", "jobs", "list", "--status", "")).stdout;
    expect(statuses).toMatch(/^FAILED\t/m);
    const admin = (await run("complete", "--", "admin", "tenants", "")).stdout;
    expect(admin).toMatch(/^set-limits\t/m);
  });
});
