import {
  type BatchV1Api,
  type CoreV1Api,
  setHeaderOptions,
  type V1ObjectMeta,
} from "@kubernetes/client-node";
import { forEachListPage, LIST_PAGE_SIZE } from "./list-pages.ts";
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
 *
 * Each list is read a page at a time (forEachListPage), and of each object only what the resync
 * reads is kept: the metadata also carries its managedFields, a tree of small objects per field
 * manager.
 */
export async function listPlatformMetadata(
  clients: {
    batch: Pick<BatchV1Api, "listJobForAllNamespaces">;
    core: Pick<CoreV1Api, "listPodForAllNamespaces">;
  },
  labelSelector = MANAGED_SELECTOR,
  pageSize = LIST_PAGE_SIZE,
): Promise<ListedMetadata> {
  const jobs: ListedObject[] = [];
  const pods: ListedObject[] = [];
  await Promise.all([
    forEachListPage(
      (page) => clients.batch.listJobForAllNamespaces({ labelSelector, ...page }, METADATA_ONLY),
      keepListed(jobs),
      pageSize,
    ),
    forEachListPage(
      (page) => clients.core.listPodForAllNamespaces({ labelSelector, ...page }, METADATA_ONLY),
      keepListed(pods),
      pageSize,
    ),
  ]);
  return { jobs, pods };
}

function keepListed(listed: ListedObject[]) {
  return (items: { metadata?: V1ObjectMeta }[]) => {
    for (const { metadata } of items) {
      if (!metadata) continue;
      const { name, namespace, labels, resourceVersion } = metadata;
      listed.push({ name, namespace, labels, resourceVersion });
    }
  };
}
