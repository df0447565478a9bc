import {
  type BatchV1Api,
  type CoreV1Api,
  setHeaderOptions,
  type V1ListMeta,
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

/** How many objects the apiserver sends a page of a resync's lists, as client-go's lists do. */
export const METADATA_PAGE_SIZE = 500;

/**
 * Lists every platform Job and pod, metadata only: what the reconciler's resync compares with
 * its watch caches and which jobs it names. The caches already hold the rest; full objects
 * would be encoded by the apiserver and decoded here at every resync, for every job.
 * `labelSelector` narrows the list (the platform's objects by default).
 *
 * Each list is read a page at a time (`pageSize` objects), and of each page only what the resync
 * reads is kept before the next is asked for. Read whole, the list of thousands of objects is
 * one response: its text, the objects parsed from it and client-node's typed copy of them, each
 * with its managedFields (a tree of small objects per field manager), all held at once. That
 * grew the reconciler's heap at every resync under load (docs/benchmarks.md, "Under load").
 */
export async function listPlatformMetadata(
  clients: {
    batch: Pick<BatchV1Api, "listJobForAllNamespaces">;
    core: Pick<CoreV1Api, "listPodForAllNamespaces">;
  },
  labelSelector = MANAGED_SELECTOR,
  pageSize = METADATA_PAGE_SIZE,
): Promise<ListedMetadata> {
  const [jobs, pods] = await Promise.all([
    listInPages((_continue) =>
      clients.batch.listJobForAllNamespaces(
        { labelSelector, limit: pageSize, _continue },
        METADATA_ONLY,
      ),
    ),
    listInPages((_continue) =>
      clients.core.listPodForAllNamespaces(
        { labelSelector, limit: pageSize, _continue },
        METADATA_ONLY,
      ),
    ),
  ]);
  return { jobs, pods };
}

interface MetadataPage {
  // An empty PartialObjectMetadataList comes with `items: null`, where a full list has [].
  items: { metadata?: V1ObjectMeta }[] | null;
  metadata?: V1ListMeta;
}

/** Reads a list page after page, following the apiserver's continue token. */
async function listInPages(
  page: (continueToken: string | undefined) => Promise<MetadataPage>,
): Promise<ListedObject[]> {
  const listed: ListedObject[] = [];
  let continueToken: string | undefined;
  do {
    const { items, metadata } = await page(continueToken);
    for (const item of items ?? []) {
      if (!item.metadata) continue;
      const { name, namespace, labels, resourceVersion } = item.metadata;
      listed.push({ name, namespace, labels, resourceVersion });
    }
    continueToken = metadata?._continue || undefined;
  } while (continueToken);
  return listed;
}
