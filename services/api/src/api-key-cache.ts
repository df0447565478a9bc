import { API_KEY_CHANGES_CHANNEL } from "@sumo/db/api-keys";
import { LRUCache } from "lru-cache";
import pg from "pg";
import type { Logger } from "pino";

/** A live API key as the database vouched for it. */
export interface VerifiedApiKey {
  tenantId: string;
  apiKeyId: string;
}

export interface ApiKeyCacheOptions {
  databaseUrl: string;
  logger: Logger;
  /** Keys remembered at most (least recently used go first). */
  maxEntries?: number;
  /** Longest a key is remembered without being looked up again. */
  ttlSeconds?: number;
  /** First wait before reconnecting a lost listener; doubles up to 30 s. */
  reconnectDelayMs?: number;
}

/**
 * API keys the database has vouched for, so most requests need no lookup for their key.
 *
 * A cache of credentials is only safe while it hears about every revocation: it LISTENs on
 * API_KEY_CHANGES_CHANNEL (a trigger announces every change to a key after commit) and
 * forgets a key as soon as that arrives. While the listening connection is down it answers
 * nothing from memory and starts empty once it is back, and a lookup that raced with a change
 * is not remembered. A revoked key therefore stops working as soon as the notification
 * arrives, typically within milliseconds of the revocation's commit.
 */
export class ApiKeyCache {
  readonly #options: Required<ApiKeyCacheOptions>;
  readonly #entries: LRUCache<string, VerifiedApiKey>;
  #listener: pg.Client | undefined;
  #listening = false;
  /** Bumped by every change and every lost connection: a lookup that spans one is not kept. */
  #generation = 0;
  #stopped = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #reconnectDelayMs: number;

  constructor(options: ApiKeyCacheOptions) {
    this.#options = { maxEntries: 100_000, ttlSeconds: 600, reconnectDelayMs: 1000, ...options };
    this.#entries = new LRUCache({
      max: this.#options.maxEntries,
      ttl: this.#options.ttlSeconds * 1000,
    });
    this.#reconnectDelayMs = this.#options.reconnectDelayMs;
  }

  /** Whether answers may come from memory (the listener is connected). */
  get isListening(): boolean {
    return this.#listening;
  }

  /** Starts listening; until that succeeds (retried in the background) every lookup loads. */
  async start(): Promise<void> {
    await this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    this.#forgetAll();
    await this.#listener?.end().catch(() => {});
    this.#listener = undefined;
  }

  /**
   * The live key with this hash: from memory when it is there and may be trusted, else from
   * `load` (remembered for next time unless a change arrived meanwhile).
   */
  async lookup(
    keyHash: Buffer,
    load: () => Promise<VerifiedApiKey | undefined>,
  ): Promise<VerifiedApiKey | undefined> {
    if (!this.#listening) return load();
    const hex = keyHash.toString("hex");
    const remembered = this.#entries.get(hex);
    if (remembered) return remembered;
    const generation = this.#generation;
    const loaded = await load();
    if (loaded && this.#listening && generation === this.#generation) {
      this.#entries.set(hex, loaded);
    }
    return loaded;
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const client = new pg.Client({
      connectionString: this.#options.databaseUrl,
      application_name: "sumo-api-key-listener",
    });
    const lost = (error?: Error) => {
      if (this.#listener !== client) return;
      this.#listener = undefined;
      this.#forgetAll();
      void client.end().catch(() => {});
      if (this.#stopped) return;
      this.#options.logger.warn(
        { err: error },
        "API key change listener lost: keys are looked up in the database until it is back",
      );
      this.#scheduleReconnect();
    };
    client.on("error", lost);
    client.on("end", () => lost());
    client.on("notification", (message) => {
      if (message.channel !== API_KEY_CHANGES_CHANNEL) return;
      this.#generation++;
      if (message.payload) this.#entries.delete(message.payload);
    });
    this.#listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${API_KEY_CHANGES_CHANNEL}`);
    } catch (error) {
      lost(error as Error);
      return;
    }
    if (this.#listener !== client) return;
    this.#reconnectDelayMs = this.#options.reconnectDelayMs;
    this.#entries.clear();
    this.#generation++;
    this.#listening = true;
  }

  #forgetAll() {
    this.#listening = false;
    this.#generation++;
    this.#entries.clear();
  }

  #scheduleReconnect() {
    clearTimeout(this.#reconnectTimer);
    const delay = this.#reconnectDelayMs;
    this.#reconnectDelayMs = Math.min(delay * 2, 30_000);
    this.#reconnectTimer = setTimeout(() => void this.#connect(), delay);
    this.#reconnectTimer.unref();
  }
}
