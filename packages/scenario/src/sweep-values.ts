// How many members a sweep's `vary` makes. No imports: the web console bundles this to show
// the count before a sweep is submitted, the api uses it to refuse one too large.

/** The most members a sweep may have: what one transaction accepts in well under a second. */
export const MAX_SWEEP_MEMBERS = 10_000;

/** One varied parameter: a list of values, or a range. */
export type SweepValuesSpec = readonly unknown[] | { from: number; to: number; step: number };

/** The values one varied parameter takes, in order. */
export function sweepValues(spec: SweepValuesSpec): unknown[] {
  if (Array.isArray(spec)) return [...spec];
  const { from, to, step } = spec as { from: number; to: number; step: number };
  // Counted, not accumulated: 0.8 + 0.1 + 0.1 is not 1.0, 0.8 + 2 * 0.1 rounded is.
  const count = Math.floor((to - from) / step + 1e-9) + 1;
  return Array.from({ length: Math.max(0, count) }, (_, i) =>
    Number((from + i * step).toPrecision(12)),
  );
}

/** How many members `vary` makes: the product of its value counts (0 when one has none). */
export function sweepSize(vary: Record<string, SweepValuesSpec>): number {
  return Object.values(vary).reduce<number>((size, spec) => size * sweepValues(spec).length, 1);
}
