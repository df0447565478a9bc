import { databaseEnv } from "@sumo/db/env";
import { kubernetesEnv } from "@sumo/kubernetes";
import { logLevelEnv, metricsEnv } from "@sumo/metrics";
import { DEFAULT_SIMULATION_IMAGE } from "@sumo/scenario";
import { z } from "zod";

const LABEL_KEY = String.raw`([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`;
const LABEL_VALUE = "[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?";
/** One or more `key=value` terms: an empty selector would select every namespace or pod. */
const MATCH_LABELS = new RegExp(`^${LABEL_KEY}=${LABEL_VALUE}(,${LABEL_KEY}=${LABEL_VALUE})*$`);
const DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const RBAC_NAME = "[a-z0-9]([-a-z0-9.:]*[a-z0-9])?";
const ROLE_BINDING = `${RBAC_NAME}=${DNS_LABEL}/${RBAC_NAME}`;
const ROLE_BINDINGS = new RegExp(`^(${ROLE_BINDING}(,${ROLE_BINDING})*)?$`);

/**
 * The scheduler's configuration, read once from the environment at boot. Each description is
 * attached last, outside `.default()`, so the field itself carries it: docs/configuration.md is
 * generated from these.
 */
export const schedulerEnvSchema = z.object({
  ...databaseEnv(10),
  ...kubernetesEnv,
  ...metricsEnv,
  SIMULATION_IMAGE: z.string().min(1).default(DEFAULT_SIMULATION_IMAGE).meta({
    description:
      "The simulation image (images/simulation: the pinned SUMO and the runner) every job runs in, by tag or digest (`repo@sha256:...`).",
  }),
  SIMULATION_WORK_STORAGE: z
    .string()
    .regex(/^[1-9][0-9]*(Ki|Mi|Gi)$/, "a quantity such as 512Mi or 2Gi")
    .default("2Gi")
    .meta({
      description:
        "Each simulation pod's ephemeral-storage request and limit, and the size limit of its work directory (the unpacked scenario and SUMO's outputs).",
    }),
  JOB_TTL_SECONDS_AFTER_FINISHED: z.coerce.number().int().min(0).default(120).meta({
    description:
      "Seconds an ended Kubernetes Job and its pod stay before the TTL controller deletes them.",
  }),
  JOB_ACTIVE_DEADLINE_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(24 * 3600)
    .meta({
      description:
        "Longest a simulation may run, in seconds, before Kubernetes stops it (`DeadlineExceeded`).",
    }),
  QUEUE_SWEEP_SECONDS: z.coerce.number().min(0.1).max(3600).default(5).meta({
    description:
      "How often every tenant's queue is looked at for jobs that may start, besides the database's announcements (a job queued, a slot freed, limits changed).",
  }),
  JOB_RETENTION_DAYS: z.coerce.number().min(0).max(36_500).default(30).meta({
    description:
      "Days an ended job, its kept log and result stay after its end; a sweep, after its last member's. `0` keeps them for ever.",
  }),
  RETENTION_SWEEP_SECONDS: z.coerce.number().min(1).max(86_400).default(600).meta({
    description:
      "How often the retention sweep runs (one replica at a time): ended jobs and sweeps past JOB_RETENTION_DAYS, bundles nothing names, expired Idempotency-Keys.",
  }),
  RETENTION_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500).meta({
    description:
      "Rows the retention sweep deletes per transaction (jobs, or Idempotency-Key records); short transactions, so submissions never wait for it.",
  }),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(128).default(64).meta({
    description:
      "Submissions handled at once by this replica: each waits on the apiserver most of its time, holding a database connection only per statement.",
  }),
  TENANT_DNS_NAMESPACE_SELECTOR: z
    .string()
    .regex(MATCH_LABELS, "key=value terms separated by commas")
    .default("kubernetes.io/metadata.name=kube-system")
    .meta({
      description:
        "Labels (`key=value,...`) of the namespace of the cluster's DNS: with TENANT_DNS_POD_SELECTOR, all that tenant pods may reach (port 53).",
    }),
  TENANT_DNS_POD_SELECTOR: z
    .string()
    .regex(MATCH_LABELS, "key=value terms separated by commas")
    .default("k8s-app=kube-dns")
    .meta({ description: "Labels (`key=value,...`) of the cluster's DNS pods." }),
  TENANT_ROLE_BINDINGS: z
    .string()
    .regex(ROLE_BINDINGS, "clusterrole=namespace/serviceaccount pairs separated by commas")
    .optional()
    .meta({
      description:
        "`clusterrole=namespace/serviceaccount,...` bound in every tenant namespace: the api's and reconciler's reads there (the chart sets it). Unset: none.",
    }),
  ...logLevelEnv("`jobId` on each job's lines"),
});

export type SchedulerEnv = z.infer<typeof schedulerEnvSchema>;
