import { z } from "@hono/zod-openapi";
import { isUuid } from "./ids.ts";

/** Where a page of a keyset-paged list ended: its last row's time and id. */
export interface PageCursor {
  at: Date;
  id: string;
}

/** The opaque `next_cursor` of a page. */
export function encodePageCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.at.toISOString(), cursor.id])).toString("base64url");
}

/** A `cursor` query parameter: a `next_cursor` this API returned. */
export const pageCursorSchema = z
  .string()
  .max(200)
  .transform((value, ctx): PageCursor => {
    const cursor = decodePageCursor(value);
    if (!cursor) {
      ctx.addIssue({ code: "custom", message: "not a cursor returned by this API" });
      return z.NEVER;
    }
    return cursor;
  });

function decodePageCursor(value: string): PageCursor | undefined {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
    if (!Array.isArray(decoded) || decoded.length !== 2) return undefined;
    const [time, id] = decoded;
    if (typeof time !== "string" || typeof id !== "string" || !isUuid(id)) return undefined;
    const at = new Date(time);
    // Years 1 to 9999 only: JavaScript dates reach further than PostgreSQL's timestamps (and
    // year 0, which it has no word for), and a cursor this API wrote is never out there.
    const year = at.getUTCFullYear();
    if (Number.isNaN(year) || year < 1 || year > 9999) return undefined;
    return { at, id };
  } catch {
    return undefined;
  }
}
