import { PgBoss } from "pg-boss";
import { QUEUE_SCHEMA } from "./queues.ts";

export interface QueueClientOptions {
  /**
   * `sender`: only sends, inside the caller's transactions (api, admin): no maintenance.
   * `worker`: works queues (scheduler): woken by NOTIFY, and runs pg-boss's maintenance, which
   * finds messages of a dead worker (stale heartbeat) within seconds instead of a minute.
   */
  role: "sender" | "worker";
  /** Shown in pg-boss's instance registry and as the connections' application_name. */
  instanceName: string;
  /** Connections in pg-boss's own pool. */
  maxConnections?: number;
  /** Record the instance in pg-boss's registry (off in tests). */
  registerInstance?: boolean;
  onError?: (error: Error) => void;
}

/**
 * A started pg-boss client on the platform's queue schema. It never migrates: the migrate
 * command installs and upgrades the schema.
 */
export async function createQueueClient(
  databaseUrl: string,
  options: QueueClientOptions,
): Promise<PgBoss> {
  const worker = options.role === "worker";
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: QUEUE_SCHEMA,
    migrate: false,
    schedule: false,
    supervise: worker,
    ...(worker && {
      superviseIntervalSeconds: 5,
      monitorIntervalSeconds: 5,
      useListenNotify: true,
    }),
    max: options.maxConnections ?? (worker ? 4 : 2),
    instanceName: options.instanceName,
    application_name: `sumo-${options.instanceName}`,
    registerInstance: options.registerInstance ?? true,
  });
  boss.on("error", options.onError ?? (() => {}));
  await boss.start();
  return boss;
}
