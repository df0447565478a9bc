export * from "./api-keys.ts";
export * from "./idempotency-keys.ts";
export * from "./job-logs.ts";
export * from "./jobs.ts";
export * from "./scenarios.ts";
export * from "./sweeps.ts";
export * from "./tenant-job-counts.ts";
export * from "./tenants.ts";
