// Ctrl-C while a command watches or follows stops the command, never the job or sweep it
// watches: the work is aborted and the command says what keeps running.
import type { CliContext } from "./cli-context.ts";
import { CliExit, EXIT_CODES } from "./exit-codes.ts";

/**
 * Runs `work` with an AbortSignal that Ctrl-C aborts; Ctrl-C then ends the command with exit
 * status 130 after saying `interruptedNote`.
 */
export async function untilInterrupted<T>(
  ctx: CliContext,
  interruptedNote: () => string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const interrupt = new AbortController();
  const unregister = ctx.deps.onInterrupt(() => interrupt.abort());
  try {
    return await work(interrupt.signal);
  } catch (error) {
    if (interrupt.signal.aborted) throw new CliExit(EXIT_CODES.interrupted, interruptedNote());
    throw error;
  } finally {
    unregister();
  }
}
