import { afterEach, describe, expect, it, vi } from "vitest";
import { ReconcileQueue } from "./reconcile-queue.ts";

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe("ReconcileQueue", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reconciles an id named by many events once, and again if named while it runs", async () => {
    const calls: string[] = [];
    const first = gate();
    const queue = new ReconcileQueue(
      async (id) => {
        calls.push(id);
        if (calls.length === 1) await first.opened;
      },
      { concurrency: 4, retryDelayMs: 10, maxRetryDelayMs: 10, onError: () => {} },
    );
    const running = queue.add("a");
    await vi.waitFor(() => expect(calls).toEqual(["a"]));
    // Named three more times while its first reconcile runs: one more reconcile, after it.
    const again = [queue.add("a"), queue.add("a"), queue.add("a")];
    await Promise.resolve();
    expect(calls).toEqual(["a"]);
    first.open();
    await Promise.all([running, ...again]);
    expect(calls).toEqual(["a", "a"]);
  });

  it("tells, as each reconcile starts, how long its id waited and what named it first", async () => {
    const started: [string, number][] = [];
    const first = gate();
    let aRunning = false;
    const queue = new ReconcileQueue(
      async (id) => {
        if (id !== "a") return;
        aRunning = true;
        await first.opened;
      },
      {
        concurrency: 1,
        retryDelayMs: 10,
        maxRetryDelayMs: 10,
        onError: () => {},
        onStart: (source, waitedMs) => started.push([source, waitedMs]),
      },
    );
    const a = queue.add("a");
    // b waits behind a: named by a resync, then by a watch event while still waiting.
    const namedAt = performance.now();
    const b = [queue.add("b", "resync"), queue.add("b", "watch")];
    await vi.waitFor(() => expect(aRunning).toBe(true));
    const openedAt = performance.now();
    first.open();
    await Promise.all([a, ...b]);
    expect(started.map(([source]) => source)).toEqual(["watch", "resync"]);
    // b waited at least from its naming until a gave up the only slot; a waited for nothing.
    expect(started[1]?.[1]).toBeGreaterThanOrEqual(openedAt - namedAt);
    expect(started[0]?.[1]).toBeLessThan(started[1]?.[1] ?? 0);
  });

  it("runs at most `concurrency` reconciles at once, first in first out", async () => {
    let inFlight = 0;
    let most = 0;
    const order: string[] = [];
    // Each reconcile waits until the test lets it finish.
    const unfinished: (() => void)[] = [];
    const queue = new ReconcileQueue(
      async (id) => {
        order.push(id);
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise<void>((resolve) => unfinished.push(resolve));
        inFlight--;
      },
      { concurrency: 2, retryDelayMs: 10, maxRetryDelayMs: 10, onError: () => {} },
    );
    const ids = ["a", "b", "c", "d", "e"];
    let done = false;
    const all = Promise.all(ids.map((id) => queue.add(id))).finally(() => {
      done = true;
    });
    await vi.waitFor(() => expect(unfinished).toHaveLength(2));
    expect(order).toEqual(["a", "b"]);
    while (!done) {
      for (const finish of unfinished.splice(0)) finish();
      await vi.waitFor(() => expect(done || unfinished.length > 0).toBe(true));
    }
    await all;
    expect(most).toBe(2);
    expect(order).toEqual(ids);
  });

  it("retries a failed reconcile after a delay that doubles, until it succeeds", async () => {
    const retries: number[] = [];
    let attempts = 0;
    const done = gate();
    const queue = new ReconcileQueue(
      async () => {
        attempts++;
        if (attempts < 4) throw new Error("database unavailable");
        done.open();
      },
      {
        concurrency: 1,
        retryDelayMs: 5,
        maxRetryDelayMs: 12,
        onError: (_id, _error, retryInMs) => retries.push(retryInMs),
      },
    );
    await queue.add("a");
    await done.opened;
    expect(attempts).toBe(4);
    expect(retries).toEqual([5, 10, 12]);
    await queue.stop();
  });

  it("stops retrying and taking ids once stopped", async () => {
    vi.useFakeTimers();
    let attempts = 0;
    const queue = new ReconcileQueue(
      async () => {
        attempts++;
        throw new Error("down");
      },
      { concurrency: 1, retryDelayMs: 5, maxRetryDelayMs: 5, onError: () => {} },
    );
    await queue.add("a");
    await queue.stop();
    await queue.add("b");
    // Far past every retry delay: a retry still scheduled would have run.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(attempts).toBe(1);
  });
});
