import pg from "pg";

/** The part of a pino logger the listener uses. */
export interface ListenerLogger {
  warn(details: object, message: string): void;
}

export interface NotificationListenerOptions {
  databaseUrl: string;
  /** The channel to LISTEN on. */
  channel: string;
  /** How the connection shows in pg_stat_activity. */
  applicationName: string;
  logger: ListenerLogger;
  /** What the listener is for, in the warning logged when its connection is lost. */
  purpose: string;
  /** First wait before reconnecting a lost connection; doubles up to 30 s. */
  reconnectDelayMs?: number;
  /** Each notification's payload, in order. */
  onNotification(payload: string | undefined): void;
  /** Listening (again): notifications sent before now may have been missed. */
  onListening?(): void;
  /** The connection is lost: nothing is heard until onListening. */
  onLost?(): void;
}

/**
 * A connection that LISTENs on one channel and keeps doing so: a lost connection is reported
 * (onLost) and reconnected with backoff, and every (re)start is reported (onListening), so a
 * user can catch up on what it may have missed meanwhile. PostgreSQL delivers a notification
 * after its transaction commits, to every listener.
 */
export class NotificationListener {
  readonly #options: NotificationListenerOptions & { reconnectDelayMs: number };
  #client: pg.Client | undefined;
  #stopped = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #reconnectDelayMs: number;

  constructor(options: NotificationListenerOptions) {
    this.#options = { reconnectDelayMs: 1000, ...options };
    this.#reconnectDelayMs = this.#options.reconnectDelayMs;
  }

  /** Connects and listens; when that fails it is retried in the background. */
  async start(): Promise<void> {
    await this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const { databaseUrl, applicationName, channel, logger, purpose } = this.#options;
    const client = new pg.Client({
      connectionString: databaseUrl,
      application_name: applicationName,
    });
    const lost = (error?: Error) => {
      if (this.#client !== client) return;
      this.#client = undefined;
      void client.end().catch(() => {});
      this.#options.onLost?.();
      if (this.#stopped) return;
      logger.warn({ err: error, channel }, `notification listener lost: ${purpose}`);
      this.#scheduleReconnect();
    };
    client.on("error", lost);
    client.on("end", () => lost());
    client.on("notification", (message) => {
      if (message.channel === channel) this.#options.onNotification(message.payload);
    });
    this.#client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      lost(error as Error);
      return;
    }
    if (this.#client !== client) return;
    this.#reconnectDelayMs = this.#options.reconnectDelayMs;
    this.#options.onListening?.();
  }

  #scheduleReconnect() {
    clearTimeout(this.#reconnectTimer);
    const delay = this.#reconnectDelayMs;
    this.#reconnectDelayMs = Math.min(delay * 2, 30_000);
    this.#reconnectTimer = setTimeout(() => void this.#connect(), delay);
    this.#reconnectTimer.unref();
  }
}
