import { describe, expect, it, vi } from "vitest";
import { GroupCommit, GroupCommitFull } from "./group-commit.ts";

describe("GroupCommit", () => {
  it("writes what arrives together in one batch, each item getting its own outcome", async () => {
    const batches: number[][] = [];
    const commit = new GroupCommit<number, string>(
      async (batch) => {
        batches.push(batch);
        return batch.map((n) =>
          n % 2 === 0
            ? { status: "fulfilled", value: `even ${n}` }
            : { status: "rejected", reason: new Error(`odd ${n}`) },
        );
      },
      { maxBatchSize: 100, maxWaiting: 10_000, maxConcurrentBatches: 1 },
    );
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((n) => commit.submit(n)));
    expect(batches).toEqual([[1, 2, 3, 4]]);
    expect(outcomes.map((o) => (o.status === "fulfilled" ? o.value : o.reason.message))).toEqual([
      "odd 1",
      "even 2",
      "odd 3",
      "even 4",
    ]);
  });

  it("keeps batches within maxBatchSize and maxConcurrentBatches; the rest wait for the next", async () => {
    let running = 0;
    let most = 0;
    const sizes: number[] = [];
    // Each write waits until the test lets it finish.
    const unfinished: (() => void)[] = [];
    const commit = new GroupCommit<number, number>(
      async (batch) => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => unfinished.push(resolve));
        running--;
        return batch.map((value) => ({ status: "fulfilled", value }));
      },
      {
        maxBatchSize: 3,
        maxWaiting: 10_000,
        maxConcurrentBatches: 2,
        onBatch: (size) => sizes.push(size),
      },
    );
    let done = false;
    const all = Promise.all(Array.from({ length: 10 }, (_, n) => commit.submit(n))).finally(() => {
      done = true;
    });
    // Two batches of three are written; the other four wait for one of them to finish.
    await vi.waitFor(() => expect(unfinished).toHaveLength(2));
    expect(sizes).toEqual([3, 3]);
    while (!done) {
      for (const finish of unfinished.splice(0)) finish();
      await vi.waitFor(() => expect(done || unfinished.length > 0).toBe(true));
    }
    const values = await all;
    expect(values).toEqual(Array.from({ length: 10 }, (_, n) => n));
    expect(most).toBe(2);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10);
  });

  it("writes a batch whose write threw again one item at a time, so the bad item fails alone", async () => {
    const splits: number[] = [];
    const commit = new GroupCommit<string, string>(
      async (batch) => {
        if (batch.includes("poison")) throw new Error("refused");
        return batch.map((value) => ({ status: "fulfilled", value }));
      },
      {
        maxBatchSize: 10,
        maxWaiting: 10_000,
        maxConcurrentBatches: 1,
        onSplit: (_error, size) => splits.push(size),
      },
    );
    const outcomes = await Promise.allSettled(["a", "poison", "b"].map((s) => commit.submit(s)));
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(splits).toEqual([3]);
  });

  it("refuses an item at once while as many as it allows wait, and takes items again after", async () => {
    const unfinished: (() => void)[] = [];
    const commit = new GroupCommit<number, number>(
      async (batch) => {
        await new Promise<void>((resolve) => unfinished.push(resolve));
        return batch.map((value) => ({ status: "fulfilled", value }));
      },
      { maxBatchSize: 1, maxConcurrentBatches: 1, maxWaiting: 3 },
    );
    // One being written (a stalled database), three waiting: the fifth is refused.
    const first = commit.submit(0);
    await vi.waitFor(() => expect(unfinished).toHaveLength(1));
    const waiting = [1, 2, 3].map((n) => commit.submit(n));
    await expect(commit.submit(4)).rejects.toBeInstanceOf(GroupCommitFull);
    // Each write finished lets the next waiting item be written, one at a time.
    for (let written = 0; written < 4; written++) {
      await vi.waitFor(() => expect(unfinished).toHaveLength(1));
      unfinished.pop()?.();
    }
    expect(await Promise.all([first, ...waiting])).toEqual([0, 1, 2, 3]);
    const after = commit.submit(5);
    await vi.waitFor(() => expect(unfinished).toHaveLength(1));
    unfinished.pop()?.();
    expect(await after).toBe(5);
  });

  it("fails the whole batch with an error it does not split on, each item once", async () => {
    let writes = 0;
    const commit = new GroupCommit<string, string>(
      async () => {
        writes++;
        throw new Error("database gone");
      },
      {
        maxBatchSize: 10,
        maxConcurrentBatches: 1,
        maxWaiting: 100,
        splitOn: (error) => !(error instanceof Error && error.message === "database gone"),
      },
    );
    const outcomes = await Promise.allSettled(["a", "b", "c"].map((s) => commit.submit(s)));
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(writes).toBe(1);
  });
});
