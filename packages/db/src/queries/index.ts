// Every query is a (db, params) function, built per call with drizzle's query builder, except
// the platform's few hot paths, prepared in hot-paths.ts. A query of one tenant's data takes the
// tenant id and cannot run without it (tenant-scope.ts).
export * from "./activity.ts";
export * from "./api-keys.ts";
export * from "./hot-paths.ts";
export * from "./job-logs.ts";
export * from "./jobs.ts";
export * from "./retention.ts";
export * from "./scenarios.ts";
export * from "./sweeps.ts";
export * from "./tenant-queue.ts";
export * from "./tenants.ts";
