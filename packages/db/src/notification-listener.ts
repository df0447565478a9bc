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
  /** How often the connection is asked whether it still answers (HEARTBEAT_INTERVAL_MS). */
  heartbeatIntervalMs?: number;
  /** How long a heartbeat may go unanswered before the connection counts as lost. */
  heartbeatTimeoutMs?: number;
  /** Each notification's payload, in order. */
  onNotification(payload: string | undefined): void;
  /** Listening (again): notifications sent before now may have been missed. */
  onListening?(): void;
  /** The connection is lost: nothing is heard until onListening. */
  onLost?(): void;
}

/** How often a listening connection is asked whether it still answers, by default. */
export const HEARTBEAT_INTERVAL_MS = 5_000;
/** How long a heartbeat may go unanswered before the connection counts as lost, by default. */
export const HEARTBEAT_TIMEOUT_MS = 5_000;

/**
 * A connection that LISTENs on one channel and keeps doing so: a lost connection is reported
 * (onLost) and reconnected with backoff, and every (re)start is reported (onListening), so a
 * user can catch up on what it may have missed meanwhile. PostgreSQL delivers a notification
 * after its transaction commits, to every listener.
 *
 * A listening connection only receives, so a half-open one (a peer gone without a word, a
 * firewall dropping its packets) would stay silent for as long as TCP keeps it, and the user
 * would trust a silence that means nothing. A heartbeat (`SELECT 1` every
 * `heartbeatIntervalMs`) that goes unanswered for `heartbeatTimeoutMs` counts the connection
 * as lost: such a connection is noticed within the sum of the two.
 */
export class NotificationListener {
  readonly #options: NotificationListenerOptions & {
    reconnectDelayMs: number;
    heartbeatIntervalMs: number;
    heartbeatTimeoutMs: number;
  };
  #client: pg.Client | undefined;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #reconnectDelayMs: number;

  constructor(options: NotificationListenerOptions) {
    this.#options = {
      reconnectDelayMs: 1000,
      heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
      heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
      ...options,
    };
    this.#reconnectDelayMs = this.#options.reconnectDelayMs;
  }

  /** Connects and listens; when that fails it is retried in the background. */
  async start(): Promise<void> {
    await this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    clearInterval(this.#heartbeatTimer);
    const client = this.#client;
    this.#client = undefined;
    if (client) await closeConnection(client, this.#options.heartbeatTimeoutMs);
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const { databaseUrl, applicationName, channel, logger, purpose, heartbeatTimeoutMs } =
      this.#options;
    const client = new pg.Client({
      connectionString: databaseUrl,
      application_name: applicationName,
      // Connecting, LISTEN and each heartbeat: a silent network fails them instead of hanging.
      connectionTimeoutMillis: heartbeatTimeoutMs,
      query_timeout: heartbeatTimeoutMs,
    });
    const lost = (error?: Error) => {
      if (this.#client !== client) return;
      this.#client = undefined;
      clearInterval(this.#heartbeatTimer);
      void closeConnection(client, 0);
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
    this.#startHeartbeat(client, lost);
    this.#options.onListening?.();
  }

  #startHeartbeat(client: pg.Client, lost: (error?: Error) => void) {
    let waiting = false;
    this.#heartbeatTimer = setInterval(() => {
      if (waiting) return;
      waiting = true;
      // The client's query_timeout rejects a heartbeat that goes unanswered.
      client.query("SELECT 1").then(() => {
        waiting = false;
      }, lost);
    }, this.#options.heartbeatIntervalMs);
    this.#heartbeatTimer.unref();
  }

  #scheduleReconnect() {
    clearTimeout(this.#reconnectTimer);
    const delay = this.#reconnectDelayMs;
    this.#reconnectDelayMs = Math.min(delay * 2, 30_000);
    this.#reconnectTimer = setTimeout(() => void this.#connect(), delay);
    this.#reconnectTimer.unref();
  }
}

/**
 * Ends a connection, waiting at most `graceMs` for its peer: a half-open connection never
 * answers the goodbye, and its socket would linger until TCP gives up.
 */
function closeConnection(client: pg.Client, graceMs: number): Promise<void> {
  const socket = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection
    ?.stream;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket?.destroy();
      resolve();
    }, graceMs);
    void client
      .end()
      .catch(() => {})
      .finally(() => {
        clearTimeout(timer);
        resolve();
      });
  });
}
