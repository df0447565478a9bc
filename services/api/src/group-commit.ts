/** Writes a batch: one outcome per item, in the items' order. */
export type WriteBatch<Item, Result> = (batch: Item[]) => Promise<PromiseSettledResult<Result>[]>;

export interface GroupCommitOptions {
  /** Most items written together. */
  maxBatchSize: number;
  /** Batches being written at once; items that arrive meanwhile wait and form the next ones. */
  maxConcurrentBatches: number;
  /** Called with each batch's size as its write starts. */
  onBatch?(size: number): void;
  /** Called when a batch's write threw and its items are written again one at a time. */
  onSplit?(error: unknown, size: number): void;
  /**
   * Most items waiting for a write; one more is refused at once (GroupCommitFull), so a stalled
   * database cannot pile up requests without bound.
   */
  maxWaiting: number;
  /**
   * Whether a batch whose write threw with this error is written again one item at a time (one
   * bad item failing alone); when not, every item fails with it. All batches split when unset.
   */
  splitOn?(error: unknown): boolean;
}

/** The error of an item refused because `maxWaiting` items wait already. */
export class GroupCommitFull extends Error {
  readonly waiting: number;
  constructor(waiting: number) {
    super(`${waiting} items are waiting to be written already`);
    this.name = "GroupCommitFull";
    this.waiting = waiting;
  }
}

/**
 * Group commit: items that arrive together are written together. An item starts a write at once
 * while fewer than `maxConcurrentBatches` are running; under load the items that arrive
 * meanwhile go together in the next one, so a busy process spends one write per batch instead
 * of per item, and an idle one adds no wait. Each item still gets its own answer, and a batch
 * whose write throws is written again one item at a time, so one bad item fails alone.
 */
export class GroupCommit<Item, Result> {
  readonly #write: WriteBatch<Item, Result>;
  readonly #options: GroupCommitOptions;
  #waiting: { item: Item; settle(outcome: PromiseSettledResult<Result>): void }[] = [];
  #running = 0;
  #dispatchScheduled = false;

  constructor(write: WriteBatch<Item, Result>, options: GroupCommitOptions) {
    this.#write = write;
    this.#options = options;
  }

  /** Writes the item with whatever else arrives now; resolves or rejects with its own outcome. */
  submit(item: Item): Promise<Result> {
    if (this.#waiting.length >= this.#options.maxWaiting) {
      return Promise.reject(new GroupCommitFull(this.#waiting.length));
    }
    return new Promise((resolve, reject) => {
      this.#waiting.push({
        item,
        settle: (outcome) =>
          outcome.status === "fulfilled" ? resolve(outcome.value) : reject(outcome.reason),
      });
      this.#scheduleDispatch();
    });
  }

  // Dispatches after the requests whose I/O is being handled now have queued their items too.
  #scheduleDispatch() {
    if (this.#dispatchScheduled || this.#running >= this.#options.maxConcurrentBatches) return;
    this.#dispatchScheduled = true;
    setImmediate(() => {
      this.#dispatchScheduled = false;
      this.#dispatch();
    });
  }

  #dispatch() {
    while (this.#running < this.#options.maxConcurrentBatches && this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, this.#options.maxBatchSize);
      this.#running++;
      void this.#writeBatch(batch).finally(() => {
        this.#running--;
        if (this.#waiting.length > 0) this.#scheduleDispatch();
      });
    }
  }

  async #writeBatch(
    batch: { item: Item; settle(outcome: PromiseSettledResult<Result>): void }[],
  ): Promise<void> {
    this.#options.onBatch?.(batch.length);
    let outcomes: PromiseSettledResult<Result>[];
    try {
      outcomes = await this.#write(batch.map((waiting) => waiting.item));
    } catch (error) {
      const [only] = batch;
      if (batch.length === 1 && only) {
        only.settle({ status: "rejected", reason: error });
        return;
      }
      if (this.#options.splitOn && !this.#options.splitOn(error)) {
        for (const waiting of batch) waiting.settle({ status: "rejected", reason: error });
        return;
      }
      // One item may be what the write refused: alone, it fails alone.
      this.#options.onSplit?.(error, batch.length);
      await Promise.all(batch.map((waiting) => this.#writeBatch([waiting])));
      return;
    }
    batch.forEach((waiting, i) => {
      waiting.settle(
        outcomes[i] ?? {
          status: "rejected",
          reason: new Error("the batch write returned too few outcomes"),
        },
      );
    });
  }
}
