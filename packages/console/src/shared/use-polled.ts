import { useEffect, useRef, useState } from "preact/hooks";
import { type ApiProblem, asProblem } from "./api-call.ts";

export interface Polled<T> {
  data: T | undefined;
  /** The last load's problem; the data from before it stays. */
  error: ApiProblem | undefined;
  loading: boolean;
  updatedAt: Date | undefined;
  /** Loads again now. */
  reload: () => void;
}

/**
 * Loads data when `deps` change and again every `every(data)` milliseconds after each load
 * ends (null: no more), while the component is shown: the page updates without a reload.
 */
export function usePolled<T>(
  load: (signal: AbortSignal) => Promise<T>,
  every: (data: T | undefined) => number | null,
  deps: unknown[],
): Polled<T> {
  const [state, setState] = useState<Omit<Polled<T>, "reload">>({
    data: undefined,
    error: undefined,
    loading: true,
    updatedAt: undefined,
  });
  const [generation, setGeneration] = useState(0);
  const latest = useRef({ load, every });
  latest.current = { load, every };

  // Runs again when the caller's deps change, or on reload() (generation).
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      setState((previous) => ({ ...previous, loading: true }));
      let data: T | undefined;
      try {
        data = await latest.current.load(controller.signal);
        if (controller.signal.aborted) return;
        setState({ data, error: undefined, loading: false, updatedAt: new Date() });
      } catch (error) {
        if (controller.signal.aborted) return;
        setState((previous) => ({ ...previous, error: asProblem(error), loading: false }));
        data = undefined;
      }
      const delay = latest.current.every(data);
      if (delay !== null) timer = setTimeout(run, delay);
    };
    void run();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [...deps, generation]);

  return { ...state, reload: () => setGeneration((n) => n + 1) };
}
