export * from "./bundle.ts";
export * from "./run-parameters.ts";
export * from "./runner-contract.ts";
export * from "./sumocfg.ts";
