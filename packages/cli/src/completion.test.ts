// Shell completion as the shells ask for it: the scripts, the hidden `complete` command they
// run with the words typed so far, and bash completing with the script as a user's tab does.
import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

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

/** Debian's bash-completion, which completion scripts build on, where it is installed. */
const BASH_COMPLETION = "/usr/share/bash-completion/bash_completion";

describe("bash, with the script sourced", () => {
  let bin: string;
  beforeAll(async () => {
    // `sumo-k8` on PATH, as the script calls it.
    bin = await mkdtemp(path.join(tmpdir(), "sumo-k8-bin-"));
    await writeFile(
      path.join(bin, "sumo-k8"),
      `#!/bin/sh\nexec "${process.execPath}" "${MAIN}" "$@"\n`,
    );
    await chmod(path.join(bin, "sumo-k8"), 0o755);
  });
  afterAll(async () => {
    await rm(bin, { recursive: true, force: true });
  });

  /** What bash offers after `words`, the last one being completed. */
  async function offered(...words: string[]): Promise<string[]> {
    const script = `
      # The script reads the words with bash-completion's _get_comp_words_by_ref. Where that
      # package is missing, this reads them the same way for words without '=' or ':'.
      if [ -f ${BASH_COMPLETION} ]; then source ${BASH_COMPLETION}; else
        _get_comp_words_by_ref() { words=("\${COMP_WORDS[@]}"); cword=$COMP_CWORD; cur="\${COMP_WORDS[COMP_CWORD]}"; prev="\${COMP_WORDS[COMP_CWORD-1]}"; }
      fi
      source <(sumo-k8 completion bash)
      compopt() { :; } # only a completion the shell started may change its options
      COMP_WORDS=(${words.map((word) => `'${word}'`).join(" ")})
      COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
      COMP_LINE="\${COMP_WORDS[*]}"
      COMP_POINT=\${#COMP_LINE}
      __sumo_k8_complete
      printf '%s\\n' "\${COMPREPLY[@]}"
    `;
    const { stdout } = await promisify(execFile)("bash", ["-c", script], {
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
    return stdout.split("\n").filter(Boolean);
  }

  it("completes a command, a verb, a flag's values as a tab does", async () => {
    expect(await offered("sumo-k8", "jo")).toEqual(["jobs"]);
    expect(await offered("sumo-k8", "jobs", "")).toEqual(
      expect.arrayContaining(["submit", "get", "list", "watch", "logs", "cancel", "rerun"]),
    );
    expect(await offered("sumo-k8", "jobs", "list", "--status", "")).toEqual([
      "QUEUED",
      "PENDING",
      "RUNNING",
      "SUCCEEDED",
      "FAILED",
      "CANCELLED",
    ]);
    expect(await offered("sumo-k8", "admin", "tenants", "s")).toEqual(["set-limits"]);
  });
});
