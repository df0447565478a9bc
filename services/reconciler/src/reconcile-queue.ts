/** What named an id to the queue: a watch event, a resync, or the retry of a failed reconcile. */
export type QueueSource = "watch" | "resync" | "retry";

export interface ReconcileQueueOptions {
  /** Ids reconciled at once. */
  concurrency: number;
  /** Delay before the first retry of an id whose reconcile failed; it doubles per failure. */
  retryDelayMs: number;
  /** Longest delay between retries. */
  maxRetryDelayMs: number;
  onError(id: string, error: unknown, retryInMs: number): void;
  /**
   * Called as an id's reconcile starts, with how long it waited since it was first named while
   * waiting, and what named it then.
   */
  onStart?(source: QueueSource, waitedMs: number): void;
}

interface Waiter {
  resolve(): void;
}

/** An id waiting: who waits on its reconcile, since when, and what named it first. */
interface Waiting {
  waiters: Waiter[];
  since: number;
  source: QueueSource;
}

/**
 * Ids waiting to be reconciled, as in a controller's work queue: an id added while it waits is
 * one entry, however many events named it; one added while it is being reconciled runs again
 * afterwards (never two reconciles of one id at once). A failed reconcile is retried after a
 * delay that doubles per consecutive failure.
 */
export class ReconcileQueue {
  readonly #reconcile: (id: string) => Promise<void>;
  readonly #options: ReconcileQueueOptions;
  /** Insertion-ordered: first in, first reconciled. */
  readonly #waiting = new Map<string, Waiting>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #failures = new Map<string, number>();
  readonly #retryTimers = new Set<NodeJS.Timeout>();
  #stopped = false;

  constructor(reconcile: (id: string) => Promise<void>, options: ReconcileQueueOptions) {
    this.#reconcile = reconcile;
    this.#options = options;
  }

  /**
   * Queues a reconcile of `id`, named by `source`; resolves once a reconcile that starts after
   * this call ends.
   */
  add(id: string, source: QueueSource = "watch"): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const waiting = this.#waiting.get(id);
      if (waiting) waiting.waiters.push({ resolve });
      else this.#waiting.set(id, { waiters: [{ resolve }], since: performance.now(), source });
      this.#pump();
    });
  }

  /** Ids waiting, being reconciled, and failing (retried after a delay): what it holds. */
  held(): { waiting: number; running: number; failing: number } {
    return {
      waiting: this.#waiting.size,
      running: this.#running.size,
      failing: this.#failures.size,
    };
  }

  /** Stops taking ids and retrying, and waits for the reconciles in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#retryTimers) clearTimeout(timer);
    this.#retryTimers.clear();
    const waiting = [...this.#waiting.values()].flatMap(({ waiters }) => waiters);
    this.#waiting.clear();
    for (const waiter of waiting) waiter.resolve();
    await Promise.all(this.#running.values());
  }

  #pump(): void {
    for (const [id, { waiters, since, source }] of this.#waiting) {
      if (this.#running.size >= this.#options.concurrency) return;
      if (this.#running.has(id)) continue;
      this.#waiting.delete(id);
      this.#options.onStart?.(source, performance.now() - since);
      // Started on the next microtask, so it is in #running before its end takes it out.
      this.#running.set(
        id,
        Promise.resolve().then(() => this.#run(id, waiters)),
      );
    }
  }

  async #run(id: string, waiters: Waiter[]): Promise<void> {
    try {
      await this.#reconcile(id);
      this.#failures.delete(id);
    } catch (error) {
      const failures = (this.#failures.get(id) ?? 0) + 1;
      this.#failures.set(id, failures);
      const delay = Math.min(
        this.#options.retryDelayMs * 2 ** (failures - 1),
        this.#options.maxRetryDelayMs,
      );
      this.#options.onError(id, error, delay);
      if (!this.#stopped) {
        const timer = setTimeout(() => {
          this.#retryTimers.delete(timer);
          void this.add(id, "retry");
        }, delay);
        timer.unref();
        this.#retryTimers.add(timer);
      }
    } finally {
      this.#running.delete(id);
      for (const waiter of waiters) waiter.resolve();
      if (!this.#stopped) this.#pump();
    }
  }
}
