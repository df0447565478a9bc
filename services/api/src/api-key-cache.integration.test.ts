import { hashApiKey } from "@sumo/db/api-keys";
import { createDatabaseClient, type DatabaseClient } from "@sumo/db/client";
import { createTenantWithApiKey, findTenantByApiKeyHash, revokeApiKey } from "@sumo/db/queries";
import { SilenceableProxy } from "@sumo/db/silenceable-proxy";
import { createTestDatabase, makeTenant, type TestDatabase } from "@sumo/db/testing";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { ApiKeyCache, type VerifiedApiKey } from "./api-key-cache.ts";

let database: TestDatabase;
let client: DatabaseClient;
let cache: ApiKeyCache;
beforeAll(async () => {
  database = await createTestDatabase(inject("templateDatabaseUrl"));
  client = createDatabaseClient(database.url, { maxConnections: 2 });
  cache = new ApiKeyCache({
    databaseUrl: database.url,
    logger: pino({ level: "silent" }),
    reconnectDelayMs: 300,
  });
  await cache.start();
});
afterAll(async () => {
  await cache.stop();
  await client.close();
  await database.drop();
});

/** How long a change may take to reach the cache: polled, never slept. */
const WAIT = { timeout: 5_000, interval: 10 };

/** A tenant's key, and a lookup through the cache that counts its trips to the database. */
async function keyOfNewTenant(through = cache) {
  const created = await createTenantWithApiKey(client.db, makeTenant());
  const keyHash = hashApiKey(created.apiKey);
  let loads = 0;
  const lookup = () =>
    through.lookup(keyHash, async (): Promise<VerifiedApiKey | undefined> => {
      loads += 1;
      const found = await findTenantByApiKeyHash(client.db, keyHash);
      return found && { tenantId: found.tenantId, apiKeyId: found.apiKeyId };
    });
  return { created, lookup, loads: () => loads };
}

describe("ApiKeyCache", () => {
  it("asks the database once for a live key, then answers from memory", async () => {
    const { created, lookup, loads } = await keyOfNewTenant();
    expect(await lookup()).toEqual({ tenantId: created.tenant.id, apiKeyId: created.apiKeyId });
    expect(await lookup()).toEqual({ tenantId: created.tenant.id, apiKeyId: created.apiKeyId });
    expect(await lookup()).toBeDefined();
    expect(loads()).toBe(1);
  });

  it("never remembers an unknown key", async () => {
    const { created, lookup, loads } = await keyOfNewTenant();
    await revokeApiKey(client.db, { tenantId: created.tenant.id, apiKeyId: created.apiKeyId });
    expect(await lookup()).toBeUndefined();
    expect(await lookup()).toBeUndefined();
    expect(loads()).toBe(2);
  });

  it("forgets a key as soon as its revocation is announced", async () => {
    const { created, lookup } = await keyOfNewTenant();
    expect(await lookup()).toBeDefined();
    await revokeApiKey(client.db, { tenantId: created.tenant.id, apiKeyId: created.apiKeyId });
    await vi.waitFor(async () => expect(await lookup()).toBeUndefined(), WAIT);
    // And stays forgotten: the database says no every time.
    expect(await lookup()).toBeUndefined();
  });

  it("answers nothing from memory while it cannot hear changes, and resumes once it can", async () => {
    const { lookup, loads } = await keyOfNewTenant();
    await lookup();
    await lookup();
    expect(loads()).toBe(1);
    // The listening connection dies (a database restart or failover looks the same).
    await client.pool.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sumo-api-key-listener' AND datname = current_database()",
    );
    await vi.waitFor(() => expect(cache.isListening).toBe(false), WAIT);
    // Every lookup while it cannot listen goes to the database.
    const whileDown = loads();
    await lookup();
    await lookup();
    expect(loads() - whileDown).toBe(2);
    // Back: it starts empty (changes may have been missed), then remembers again.
    await vi.waitFor(() => expect(cache.isListening).toBe(true), WAIT);
    const afterReconnect = loads();
    await lookup();
    await lookup();
    expect(loads() - afterReconnect).toBe(1);
  });

  it("refuses a revoked key within 15 s when its listening connection goes silent without closing", async () => {
    // The listener reaches the database through a proxy that can drop every packet, as a
    // firewall or a vanished peer would; lookups still reach it directly. Default heartbeat.
    const target = new URL(database.url);
    const proxy = await SilenceableProxy.start({
      host: target.hostname,
      port: Number(target.port),
    });
    const silenced = new ApiKeyCache({
      databaseUrl: proxy.urlFor(database.url),
      logger: pino({ level: "silent" }),
    });
    try {
      await silenced.start();
      const { created, lookup, loads } = await keyOfNewTenant(silenced);
      await lookup();
      await lookup();
      expect(loads()).toBe(1);

      proxy.silence();
      // The revocation's announcement never arrives; the key must stop working all the same.
      await revokeApiKey(client.db, { tenantId: created.tenant.id, apiKeyId: created.apiKeyId });
      expect(await lookup()).toBeDefined();
      await vi.waitFor(async () => expect(await lookup()).toBeUndefined(), {
        timeout: 15_000,
        interval: 100,
      });
      expect(silenced.isListening).toBe(false);
    } finally {
      await silenced.stop();
      await proxy.stop();
    }
  }, 30_000);
});
