import {
  type BatchV1Api,
  type CoreV1Api,
  setHeaderOptions,
  type V1ObjectMeta,
} from "@kubernetes/client-node";
import { MANAGED_SELECTOR } from "./names.ts";

/**
 * Asks the apiserver for each listed object's metadata only (a PartialObjectMetadataList): name,
 * labels and resource version, without the spec and status that make most of a Job or pod.
 */
const METADATA_ONLY = setHeaderOptions(
  "Accept",
  "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
);

/** What the resync reads of a listed object's metadata. */
export type ListedObject = Pick<V1ObjectMeta, "name" | "namespace" | "labels" | "resourceVersion">;

/** The metadata of every platform Job and pod in the cluster. */
export interface ListedMetadata {
  jobs: ListedObject[];
  pods: ListedObject[];
}

/**
 * Lists every platform Job and pod, metadata only: what the reconciler's resync compares with
 * its watch caches and which jobs it names. The caches already hold the rest; full objects
 * would be encoded by the apiserver and decoded here at every resync, for every job.
 * `labelSelector` narrows the list (the platform's objects by default).
 */
export async function listPlatformMetadata(
  clients: {
    batch: Pick<BatchV1Api, "listJobForAllNamespaces">;
    core: Pick<CoreV1Api, "listPodForAllNamespaces">;
  },
  labelSelector = MANAGED_SELECTOR,
): Promise<ListedMetadata> {
  const [jobs, pods] = await Promise.all([
    clients.batch.listJobForAllNamespaces({ labelSelector }, METADATA_ONLY),
    clients.core.listPodForAllNamespaces({ labelSelector }, METADATA_ONLY),
  ]);
  // An empty PartialObjectMetadataList comes with `items: null`, where a full list has [].
  // Only what the resync reads is kept: the metadata also carries each object's managedFields,
  // a tree of small objects per field manager, which a resync would hold until it ends.
  const metadataOf = (items: { metadata?: V1ObjectMeta }[] | null) =>
    (items ?? []).flatMap(({ metadata }) =>
      metadata
        ? [
            {
              name: metadata.name,
              namespace: metadata.namespace,
              labels: metadata.labels,
              resourceVersion: metadata.resourceVersion,
            },
          ]
        : [],
    );
  return { jobs: metadataOf(jobs.items), pods: metadataOf(pods.items) };
}
