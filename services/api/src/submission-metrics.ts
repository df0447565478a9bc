import { perRegistry } from "@sumo/metrics";
import { Counter, Histogram } from "prom-client";

export interface SubmissionMetrics {
  /** One transaction of submissions written (or refused by the database). */
  recordBatch(size: number): void;
  /** A batch the database refused, retried one submission at a time. */
  recordSplit(): void;
}

/** The api's submission metrics in a registry (the same objects on every call with that registry). */
export const submissionMetrics = perRegistry((registry): SubmissionMetrics => {
  const batchSize = new Histogram({
    name: "sumo_api_submission_batch_size",
    help: "Job submissions written per transaction: 1 when the api is quiet, more under load.",
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [registry],
  });
  const splits = new Counter({
    name: "sumo_api_submission_batch_splits_total",
    help: "Batches of submissions the database refused, then retried one submission at a time.",
    registers: [registry],
  });
  return {
    recordBatch: (size) => batchSize.observe(size),
    recordSplit: () => splits.inc(),
  };
});
