import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";

/**
 * The address of the client that sent this request. With `trustedProxyHops` proxies in front
 * of the service (an ingress, a load balancer), each appending the address it heard from to
 * `X-Forwarded-For`, the client is the entry that many places from its right; entries further
 * left are whatever the client claimed and are never believed. Without a socket (a request
 * made in process, as tests do) it is "unknown".
 */
export function clientAddress(c: Context, trustedProxyHops = 0): string {
  let peer: string | undefined;
  try {
    peer = getConnInfo(c).remote.address;
  } catch {
    peer = undefined;
  }
  if (trustedProxyHops > 0) {
    const forwarded = (c.req.header("x-forwarded-for") ?? "")
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean);
    const claimed = forwarded.at(-trustedProxyHops);
    if (claimed) return claimed;
  }
  return peer ?? "unknown";
}
