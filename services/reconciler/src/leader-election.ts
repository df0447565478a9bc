import pg from "pg";
import type { Logger } from "pino";
import type { Gauge, Registry } from "prom-client";
import { reconcilerMetrics } from "./reconciler-metrics.ts";

export interface LeaderElectionOptions {
  databaseUrl: string;
  /** Any constant shared by all replicas of one service. */
  lockId: number;
  logger: Logger;
  /** Where the leader gauge (`sumo_reconciler_leader`) is kept. */
  metricsRegistry: Registry;
  /** How often a follower tries to take the lead, and the leader checks it still holds it. */
  intervalMs?: number;
  onStartedLeading(): Promise<void>;
  onStoppedLeading(): Promise<void>;
}

/**
 * One leader among the replicas, by a PostgreSQL session advisory lock held on a connection of
 * its own. The lock goes when the connection goes (a crashed or partitioned leader loses it
 * without any lease to expire); the leader checks its connection every interval and steps down
 * as soon as the check fails.
 */
export class PostgresLeaderElection {
  readonly #options: LeaderElectionOptions;
  readonly #leaderGauge: Gauge;
  #client: pg.Client | undefined;
  #leading = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  #tick: Promise<void> = Promise.resolve();

  constructor(options: LeaderElectionOptions) {
    this.#options = options;
    this.#leaderGauge = reconcilerMetrics(options.metricsRegistry).leader;
    this.#leaderGauge.set(0);
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#tick;
    await this.#stepDown();
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#tick = this.#check().finally(() => this.#schedule(this.#options.intervalMs ?? 2000));
    }, delayMs);
  }

  async #check(): Promise<void> {
    try {
      const client = await this.#connection();
      if (this.#leading) {
        await client.query("SELECT 1");
        return;
      }
      const result = await client.query<{ locked: boolean }>(
        "SELECT pg_try_advisory_lock($1) AS locked",
        [this.#options.lockId],
      );
      if (result.rows[0]?.locked && !this.#stopped) {
        this.#leading = true;
        this.#leaderGauge.set(1);
        this.#options.logger.info("became leader");
        await this.#options.onStartedLeading();
      }
    } catch (error) {
      this.#options.logger.warn({ err: error }, "leader election connection failed");
      await this.#stepDown();
    }
  }

  async #connection(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    const client = new pg.Client({
      connectionString: this.#options.databaseUrl,
      application_name: "sumo-leader-election",
      keepAlive: true,
    });
    client.on("error", () => void this.#stepDown());
    await client.connect();
    this.#client = client;
    return client;
  }

  async #stepDown(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (this.#leading) {
      this.#leading = false;
      this.#leaderGauge.set(0);
      this.#options.logger.warn("stopped leading");
      await this.#options.onStoppedLeading().catch((error) => {
        this.#options.logger.error({ err: error }, "stopping the leader's work failed");
      });
    }
    await client?.end().catch(() => {});
  }
}
