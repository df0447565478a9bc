import type { V1ListMeta } from "@kubernetes/client-node";

/** How many objects a page of a list holds, as client-go's lists ask. */
export const LIST_PAGE_SIZE = 500;

/** What a page is asked with: spread into a list call's parameters. */
export interface ListPageRequest {
  limit: number;
  _continue?: string;
}

/** A page of a list: its items (`null` in an empty PartialObjectMetadataList), where it goes on. */
export interface ListPage<T> {
  items: T[] | null;
  metadata?: V1ListMeta;
}

/**
 * Reads a Kubernetes list a page at a time (the list's `limit` and `continue`), handing each
 * page's items to `visit` before the next page is asked for: what the caller keeps of a page is
 * all that stays of it. Read whole, a list of thousands of Jobs or pods is one response, held at
 * once as its body, its text, the objects parsed from it and client-node's typed copy of them
 * (docs/benchmarks.md, "Under load").
 */
export async function forEachListPage<T>(
  listPage: (page: ListPageRequest) => Promise<ListPage<T>>,
  visit: (items: T[]) => void,
  pageSize = LIST_PAGE_SIZE,
): Promise<void> {
  let continueToken: string | undefined;
  do {
    const { items, metadata } = await listPage({ limit: pageSize, _continue: continueToken });
    visit(items ?? []);
    continueToken = metadata?._continue || undefined;
  } while (continueToken);
}
