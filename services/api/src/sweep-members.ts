// A sweep's members: every combination of the values its `vary` gives, each over the shared
// parameters. Plain functions; the route validates and stores what they make.

import type { SweepVary } from "@sumo/db/schema";
import { type RunParameters, runParametersSchema } from "@sumo/scenario";

/** The most members a sweep may have: what one transaction accepts in well under a second. */
export const MAX_SWEEP_MEMBERS = 10_000;

/** The values one varied parameter takes, in order. */
export function sweepValues(spec: SweepVary[string]): unknown[] {
  if (Array.isArray(spec)) return spec;
  const { from, to, step } = spec;
  // Counted, not accumulated: 0.8 + 0.1 + 0.1 is not 1.0, 0.8 + 2 * 0.1 rounded is.
  const count = Math.floor((to - from) / step + 1e-9) + 1;
  return Array.from({ length: Math.max(0, count) }, (_, i) =>
    Number((from + i * step).toPrecision(12)),
  );
}

/** How many members `vary` makes: the product of its value counts (0 when one has none). */
export function sweepSize(vary: SweepVary): number {
  return Object.values(vary).reduce<number>((size, spec) => size * sweepValues(spec).length, 1);
}

export type SweepMembers =
  | { ok: true; members: RunParameters[] }
  | { ok: false; field: string; message: string };

/**
 * Every member's run parameters: the cartesian product of `vary`'s values (the first key
 * varying slowest), each combination over `parameters` and checked as a job's parameters are.
 * The caller has checked the size (sweepSize) first.
 */
export function sweepMembers(parameters: RunParameters, vary: SweepVary): SweepMembers {
  const keys = Object.keys(vary);
  let combinations: Record<string, unknown>[] = [{}];
  for (const key of keys) {
    const values = sweepValues(vary[key] ?? []);
    combinations = combinations.flatMap((combination) =>
      values.map((value) => ({ ...combination, [key]: value })),
    );
  }
  const members: RunParameters[] = [];
  for (const combination of combinations) {
    const checked = runParametersSchema.safeParse({ ...parameters, ...combination });
    if (!checked.success) {
      const issue = checked.error.issues[0];
      const field = issue?.path.map(String).join(".") ?? "";
      return {
        ok: false,
        field: field in combination ? `vary.${field}` : `parameters.${field}`,
        message: `${issue?.message ?? "invalid"} (in the member ${JSON.stringify(combination)})`,
      };
    }
    members.push(checked.data);
  }
  return { ok: true, members };
}
