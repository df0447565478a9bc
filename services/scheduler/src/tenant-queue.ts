import { type Database, transactionOnConnection } from "@sumo/db/client";
import { NotificationListener } from "@sumo/db/notification-listener";
import {
  failJob,
  getActiveUse,
  listQueuedJobs,
  listTenantsWithQueuedJobs,
  lockTenants,
  startQueuedJobs,
} from "@sumo/db/queries";
import { planQueueStart, type WaitingFor } from "@sumo/db/queue-rules";
import { enqueueInTransaction, JOB_SUBMITTED_QUEUE, TENANT_QUEUE_CHANNEL } from "@sumo/db/queues";
import type { PgBoss } from "pg-boss";
import type { Logger } from "pino";

/** Queued jobs read past the ones that fill the free slots: room to take out some that can never fit. */
const NEVER_FIT_LOOKAHEAD = 100;
/** Tenants whose queues move at once. */
const CONCURRENT_TENANTS = 4;

export interface QueueStartOutcome {
  started: string[];
  failed: string[];
  waitingFor: WaitingFor | undefined;
}

/**
 * Starts a tenant's queued jobs that may start now (planQueueStart: first in, first out, within
 * its concurrent-job limit and what is left of its quota), in one transaction under the
 * tenant's lock, the same lock submissions take: however many schedulers run, the limit holds.
 * Each started job becomes PENDING with its JOB_SUBMITTED message, as if submitted now; one that
 * can never fit the tenant's (lowered) limits ends FAILED.
 */
export async function startQueuedJobsOfTenant(
  deps: { db: Database; boss: PgBoss },
  tenantId: string,
): Promise<QueueStartOutcome> {
  return transactionOnConnection(deps.db, async (connection) => {
    const [tenant] = await lockTenants(connection, [tenantId]);
    if (!tenant) return { started: [], failed: [], waitingFor: undefined };
    const active = await getActiveUse(connection, tenantId);
    const free = Math.max(0, tenant.maxConcurrentJobs - active.jobs);
    const queued = await listQueuedJobs(connection, {
      tenantId,
      limit: free + NEVER_FIT_LOOKAHEAD,
    });
    const plan = planQueueStart(tenant, active, queued);
    const at = new Date();
    for (const { id, reason } of plan.neverFit) {
      await failJob(connection, { jobId: id, reason: `CanNeverStart: ${reason}`, at });
    }
    const moved = new Set((await startQueuedJobs(connection, plan.start)).map((job) => job.id));
    // In queue order (RETURNING has none).
    const started = plan.start.filter((id) => moved.has(id));
    await enqueueInTransaction(
      deps.boss,
      connection,
      JOB_SUBMITTED_QUEUE,
      started.map((id) => ({ id, data: { jobId: id, tenantId } })),
    );
    return {
      started,
      failed: plan.neverFit.map((job) => job.id),
      waitingFor: plan.waitingFor,
    };
  });
}

export interface TenantQueueDeps {
  db: Database;
  boss: PgBoss;
  logger: Logger;
  databaseUrl: string;
  /** How often every tenant's queue is looked at, whatever was announced. */
  sweepIntervalMs: number;
}

/**
 * Moves tenants' queues. A tenant's queue may move when a job joins it, one of its slots frees
 * or its limits change; PostgreSQL announces each on TENANT_QUEUE_CHANNEL after commit
 * (migrations/0007), and this starts the tenant's next jobs within moments. A sweep over every
 * tenant with queued jobs, at start, after a lost listener is back and every
 * `sweepIntervalMs`, catches anything announced while nobody listened. Any number of
 * schedulers may run this: they take turns on each tenant's lock, and the second finds nothing
 * to start.
 */
export class TenantQueue {
  readonly #deps: TenantQueueDeps;
  readonly #listener: NotificationListener;
  /** Tenants to look at; a tenant asked for while it is being looked at is looked at again. */
  readonly #requested = new Set<string>();
  readonly #inFlight = new Set<string>();
  #sweepTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  #idle: Promise<void> = Promise.resolve();

  constructor(deps: TenantQueueDeps) {
    this.#deps = deps;
    this.#listener = new NotificationListener({
      databaseUrl: deps.databaseUrl,
      channel: TENANT_QUEUE_CHANNEL,
      applicationName: "sumo-scheduler-tenant-queue",
      logger: deps.logger,
      purpose: "queued jobs start on the sweep until it is back",
      onNotification: (tenantId) => {
        if (tenantId) this.request(tenantId);
      },
      onListening: () => void this.sweep(),
    });
  }

  async start(): Promise<void> {
    await this.#listener.start();
    this.#sweepTimer = setInterval(() => void this.sweep(), this.#deps.sweepIntervalMs);
    this.#sweepTimer.unref();
  }

  /** Stops listening and sweeping, and waits for the queues being moved. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#sweepTimer);
    await this.#listener.stop();
    this.#requested.clear();
    await this.#idle;
  }

  /** Looks at every tenant that has queued jobs. */
  async sweep(): Promise<void> {
    if (this.#stopped) return;
    try {
      for (const tenantId of await listTenantsWithQueuedJobs(this.#deps.db)) this.request(tenantId);
    } catch (error) {
      this.#deps.logger.warn(
        { err: error },
        "sweeping the tenant queues failed; next sweep retries",
      );
    }
  }

  /** Asks for the tenant's queue to be looked at soon. */
  request(tenantId: string): void {
    if (this.#stopped) return;
    this.#requested.add(tenantId);
    this.#pump();
  }

  #pump(): void {
    for (const tenantId of this.#requested) {
      if (this.#inFlight.size >= CONCURRENT_TENANTS) return;
      if (this.#inFlight.has(tenantId)) continue;
      this.#requested.delete(tenantId);
      this.#inFlight.add(tenantId);
      const moved = this.#move(tenantId).finally(() => {
        this.#inFlight.delete(tenantId);
        this.#pump();
      });
      this.#idle = Promise.all([this.#idle, moved]).then(() => undefined);
    }
  }

  async #move(tenantId: string): Promise<void> {
    try {
      const outcome = await startQueuedJobsOfTenant(this.#deps, tenantId);
      if (outcome.started.length > 0 || outcome.failed.length > 0) {
        this.#deps.logger.info({ tenantId, ...outcome }, "queued jobs started");
      }
    } catch (error) {
      // The next announcement or sweep tries again.
      this.#deps.logger.warn({ err: error, tenantId }, "starting queued jobs failed");
    }
  }
}
