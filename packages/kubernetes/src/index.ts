export * from "./api-errors.ts";
export * from "./env.ts";
export * from "./kubeconfig.ts";
export * from "./list-pages.ts";
export * from "./names.ts";
export * from "./platform-metadata.ts";
