// Test helpers: bundle archives built in memory, run reports, and SUMO (installed into the cache) to make
// real scenarios with at test time.
export * from "./bundle-builders.ts";
export * from "./run-report-builders.ts";
export * from "./sumo-tools.ts";
