// The baseline the api is measured against: a bare hono + pg server doing one indexed INSERT
// (POST /items) or one SELECT by primary key (GET /items/:id). Run by api-throughput.ts as a
// process of its own: node test/bench/baseline-server.ts <database url> <port>
import { randomUUID } from "node:crypto";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import pg from "pg";

const [databaseUrl, port] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
await pool.query(
  "CREATE TABLE IF NOT EXISTS baseline_items (id uuid PRIMARY KEY, tenant text NOT NULL, body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())",
);
await pool.query(
  "CREATE INDEX IF NOT EXISTS baseline_items_tenant ON baseline_items (tenant, created_at DESC)",
);

const app = new Hono()
  .post("/items", async (c) => {
    const body = await c.req.json();
    const id = randomUUID();
    await pool.query("INSERT INTO baseline_items (id, tenant, body) VALUES ($1, $2, $3)", [
      id,
      "t",
      body,
    ]);
    return c.json({ id }, 202);
  })
  .get("/items/:id", async (c) => {
    const { rows } = await pool.query("SELECT * FROM baseline_items WHERE id = $1", [
      c.req.param("id"),
    ]);
    return rows[0] ? c.json(rows[0]) : c.json({ error: "not found" }, 404);
  });
serve({ fetch: app.fetch, hostname: "127.0.0.1", port: Number(port) }, () => {
  process.stdout.write("baseline listening\n");
});
