import { and, eq, type SQL, sql } from "drizzle-orm";
import type { DatabaseOrTransaction } from "../client.ts";
import { jobs } from "../schema/jobs.ts";
import {
  type NewScenario,
  type Scenario,
  scenarioBundles,
  scenarios,
} from "../schema/scenarios.ts";
import { findTenantScenario } from "./hot-paths.ts";
import { isForeignKeyViolation, isUniqueViolation } from "./postgres-errors.ts";
import { ofTenant } from "./tenant-scope.ts";

/** Where a page of scenarios ends: the next page starts after it. */
export interface ScenarioCursor {
  createdAt: Date;
  id: string;
}

export class ScenarioNameTakenError extends Error {
  readonly existing: Scenario;

  constructor(existing: Scenario) {
    super(`the tenant already has a scenario named ${existing.name}`);
    this.name = "ScenarioNameTakenError";
    this.existing = existing;
  }
}

/**
 * Stores a validated scenario: its bundle by content (a bundle the tenant stored before is kept
 * as it is, not written again) and the scenario naming it. A name the tenant already uses is
 * refused with ScenarioNameTakenError, naming the scenario that has it.
 */
export async function createScenario(
  db: DatabaseOrTransaction,
  scenario: NewScenario & { bytes: Buffer },
): Promise<Scenario> {
  const { bytes, ...row } = scenario;
  try {
    return await db.transaction(async (tx) => {
      await tx
        .insert(scenarioBundles)
        .values({ tenantId: row.tenantId, sha256: row.bundleSha256, bytes })
        .onConflictDoNothing();
      const [created] = await tx.insert(scenarios).values(row).returning();
      if (!created) throw new Error("inserting a scenario returned no row");
      return created;
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const existing = await findTenantScenario(db, { tenantId: row.tenantId, ref: row.name });
    if (!existing) throw error;
    throw new ScenarioNameTakenError(existing);
  }
}

/** The tenant's scenarios, newest first, a page at a time (keyset on created_at, id). */
export async function listTenantScenarios(
  db: DatabaseOrTransaction,
  params: { tenantId: string; limit: number; after?: ScenarioCursor },
): Promise<{ scenarios: Scenario[]; next: ScenarioCursor | undefined }> {
  const conditions: SQL[] = [ofTenant(scenarios.tenantId, params.tenantId)];
  if (params.after) {
    conditions.push(
      sql`(${scenarios.createdAt}, ${scenarios.id}) < (${params.after.createdAt.toISOString()}::timestamptz, ${params.after.id}::uuid)`,
    );
  }
  const rows = await db
    .select()
    .from(scenarios)
    .where(and(...conditions))
    .orderBy(sql`${scenarios.createdAt} desc nulls last`, sql`${scenarios.id} desc nulls last`)
    .limit(params.limit + 1);
  const page = rows.slice(0, params.limit);
  const last = page.at(-1);
  return {
    scenarios: page,
    next:
      rows.length > params.limit && last ? { createdAt: last.createdAt, id: last.id } : undefined,
  };
}

/** The bytes of one of the tenant's bundles, by content hash. */
export async function getScenarioBundle(
  db: DatabaseOrTransaction,
  params: { tenantId: string; sha256: string },
): Promise<Buffer | undefined> {
  const [row] = await db
    .select({ bytes: scenarioBundles.bytes })
    .from(scenarioBundles)
    .where(
      and(
        ofTenant(scenarioBundles.tenantId, params.tenantId),
        eq(scenarioBundles.sha256, params.sha256),
      ),
    );
  return row?.bytes;
}

/**
 * Deletes one of the tenant's scenarios and returns it (undefined when there is none). Its
 * bundle goes too once no other scenario and no job names it; jobs keep theirs, so what a past
 * or waiting job runs never changes.
 */
export async function deleteTenantScenario(
  db: DatabaseOrTransaction,
  params: { tenantId: string; scenarioId: string },
): Promise<Scenario | undefined> {
  const [deleted] = await db
    .delete(scenarios)
    .where(and(ofTenant(scenarios.tenantId, params.tenantId), eq(scenarios.id, params.scenarioId)))
    .returning();
  if (deleted)
    await deleteUnusedBundle(db, { tenantId: deleted.tenantId, sha256: deleted.bundleSha256 });
  return deleted;
}

/**
 * Deletes a bundle nothing names. A job submitted at the same moment may name it after all:
 * then the foreign keys refuse the delete (23503), and the bundle stays, as it must.
 */
async function deleteUnusedBundle(
  db: DatabaseOrTransaction,
  params: { tenantId: string; sha256: string },
): Promise<void> {
  try {
    await db
      .delete(scenarioBundles)
      .where(
        and(
          eq(scenarioBundles.tenantId, params.tenantId),
          eq(scenarioBundles.sha256, params.sha256),
          sql`NOT EXISTS (SELECT 1 FROM ${scenarios} WHERE ${scenarios.tenantId} = ${params.tenantId} AND ${scenarios.bundleSha256} = ${params.sha256})`,
          sql`NOT EXISTS (SELECT 1 FROM ${jobs} WHERE ${jobs.tenantId} = ${params.tenantId} AND ${jobs.scenarioSha256} = ${params.sha256})`,
        ),
      );
  } catch (error) {
    if (!isForeignKeyViolation(error)) throw error;
  }
}
