import { API_KEY_CHANGES_CHANNEL } from "@sumo/db/api-keys";
import { NotificationListener } from "@sumo/db/notification-listener";
import { LRUCache } from "lru-cache";
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
  readonly #entries: LRUCache<string, VerifiedApiKey>;
  readonly #listener: NotificationListener;
  #listening = false;
  /** Bumped by every change and every lost connection: a lookup that spans one is not kept. */
  #generation = 0;

  constructor(options: ApiKeyCacheOptions) {
    this.#entries = new LRUCache({
      max: options.maxEntries ?? 100_000,
      ttl: (options.ttlSeconds ?? 600) * 1000,
    });
    this.#listener = new NotificationListener({
      databaseUrl: options.databaseUrl,
      channel: API_KEY_CHANGES_CHANNEL,
      applicationName: "sumo-api-key-listener",
      logger: options.logger,
      purpose: "keys are looked up in the database until it is back",
      ...(options.reconnectDelayMs !== undefined && {
        reconnectDelayMs: options.reconnectDelayMs,
      }),
      onNotification: (payload) => {
        this.#generation++;
        if (payload) this.#entries.delete(payload);
      },
      // Back: start empty, whatever changed while nobody listened.
      onListening: () => {
        this.#entries.clear();
        this.#generation++;
        this.#listening = true;
      },
      onLost: () => this.#forgetAll(),
    });
  }

  /** Whether answers may come from memory (the listener is connected). */
  get isListening(): boolean {
    return this.#listening;
  }

  /** Starts listening; until that succeeds (retried in the background) every lookup loads. */
  async start(): Promise<void> {
    await this.#listener.start();
  }

  async stop(): Promise<void> {
    await this.#listener.stop();
    this.#forgetAll();
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

  #forgetAll() {
    this.#listening = false;
    this.#generation++;
    this.#entries.clear();
  }
}
