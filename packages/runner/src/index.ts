export * from "./run-simulation.ts";
export * from "./sumo-output.ts";
