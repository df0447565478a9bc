// A sweep's members: every combination of the values its `vary` gives, each over the shared
// parameters. Plain functions; the route validates and stores what they make.

import type { SweepVary } from "@sumo/db/schema";
import { type RunParameters, runParametersSchema } from "@sumo/scenario";
import { sweepValues } from "@sumo/scenario/sweep-values";

export { MAX_SWEEP_MEMBERS, sweepSize, sweepValues } from "@sumo/scenario/sweep-values";

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
