import { inspect } from "node:util";

/** One look at the state being waited for: done with a value, or not yet with what was seen. */
export type PollResult<T> = { done: true; value: T } | { done: false; seen: unknown };

/**
 * Calls `check` until it reports done, and returns its value. Fails once `timeoutMs` has
 * passed, with the last thing `check` saw (or threw) in the message, so a timeout says
 * what the cluster looked like rather than only that it was slow.
 */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<PollResult<T>>,
  { timeoutMs, intervalMs = 250 }: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const started = Date.now();
  let seen: unknown = "nothing yet";
  for (;;) {
    try {
      const result = await check();
      if (result.done) return result.value;
      seen = result.seen;
    } catch (error) {
      seen = error;
    }
    if (Date.now() - started >= timeoutMs) {
      throw new Error(
        `timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}; last seen: ${inspect(seen, { depth: 6, breakLength: 120 })}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
