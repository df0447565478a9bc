// Why a bundle cannot be used (bundle.ts, sumocfg.ts): one code per rule. The api answers each
// code as an error code of its own.

export type BundleErrorCode =
  | "bundle_too_large"
  | "not_an_archive"
  | "unsafe_path"
  | "unsupported_entry"
  | "duplicate_entry"
  | "too_many_files"
  | "uncompressed_too_large"
  | "no_sumocfg"
  | "several_sumocfg"
  | "unknown_sumocfg"
  | "malformed_sumocfg"
  | "missing_referenced_file";

/** Why a bundle cannot be used: one code per rule, a sentence naming the path or the limit. */
export class BundleError extends Error {
  readonly code: BundleErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: BundleErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "BundleError";
    this.code = code;
    this.details = details;
  }
}
