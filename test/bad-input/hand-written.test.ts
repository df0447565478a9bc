// Bad input the generators miss, sent over a real socket to the running api and admin: bodies
// over the limit, malformed JSON, content types and charsets, numeric edge cases, long
// strings, path tricks, header abuse and wrong methods. Each answer is checked for its status
// and the one JSON error shape with its machine-readable code, including what Node's own HTTP
// parser refuses before the app sees it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiJob,
  type E2eContext,
  simulatedRun,
  startE2eContext,
  type TenantClient,
} from "../e2e/e2e-context.ts";
import { SERVICES } from "../platform.ts";
import { type RawRequest, type RawResponse, sendRaw } from "./raw-http.ts";

let ctx: E2eContext;
let tenantA: TenantClient;
let tenantB: TenantClient;
let jobOfA: ApiJob;
let jobOfB: ApiJob;
let apiPort: number;
let adminPort: number;

beforeAll(async () => {
  ctx = await startE2eContext();
  apiPort = Number(new URL(ctx.platform.apiUrl).port);
  adminPort = Number(new URL(ctx.platform.adminUrl).port);
  tenantA = await ctx.createTenant({ maxConcurrentJobs: 1 });
  tenantB = await ctx.createTenant();
  // The scenario validJob names: what is refused below is refused for the body, not for it.
  await tenantA.uploadScenario(validJob.scenario_id);
  jobOfA = await tenantA.submit(simulatedRun(1));
  jobOfB = await tenantB.submit(simulatedRun(1));
});
afterAll(async () => {
  await ctx?.close();
});

const JSON_TYPE: [string, string] = ["Content-Type", "application/json"];
const validJob = { scenario_id: "bad-input", cpu_request: 0.5, memory_gi: 0.5 };
const UUID_OF_NOTHING = "00000000-0000-7000-8000-000000000000";

const asA = (): [string, string] => ["Authorization", `Bearer ${tenantA.apiKey}`];
const asAdmin = (): [string, string] => ["Authorization", `Bearer ${ctx.platform.adminToken}`];

function api(request: RawRequest, auth = true): Promise<RawResponse> {
  return sendRaw(apiPort, {
    ...request,
    headers: [...(auth ? [asA()] : []), ...(request.headers ?? [])],
  });
}

function admin(request: RawRequest, auth = true): Promise<RawResponse> {
  return sendRaw(adminPort, {
    ...request,
    headers: [...(auth ? [asAdmin()] : []), ...(request.headers ?? [])],
  });
}

/** POST /v1/jobs as tenant A with this JSON text (or bytes) and headers. */
function submitRaw(body: string | Buffer, headers: [string, string][] = [JSON_TYPE]) {
  return api({ method: "POST", target: "/v1/jobs", headers, body });
}

/** A submission whose JSON is valid job JSON except for one field's literal text. */
function jobWith(field: string, literal: string): string {
  const { [field as keyof typeof validJob]: _, ...rest } = validJob;
  return `{${Object.entries(rest)
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
    .join(",")},${JSON.stringify(field)}:${literal}}`;
}

function cursorOf(time: string): string {
  return Buffer.from(JSON.stringify([time, UUID_OF_NOTHING])).toString("base64url");
}

/**
 * The answer is `status` with the one error shape: `{error: {code, message, request_id,
 * details?}}` as JSON, `code` as given, the request id also in X-Request-Id, and (for
 * validation errors) `field` among the details.
 */
function expectError(response: RawResponse, status: number, code: string, field?: string | RegExp) {
  const seen = `${response.status} ${JSON.stringify(response.headers)} ${response.body.slice(0, 600)}`;
  expect(response.status, seen).toBe(status);
  expect(response.headers["content-type"], seen).toMatch(/^application\/json/);
  const body = JSON.parse(response.body);
  expect(Object.keys(body), seen).toEqual(["error"]);
  const { code: actual, message, request_id: requestId, details, ...rest } = body.error;
  expect({ code: actual, rest }, seen).toEqual({ code, rest: {} });
  expect(message, seen).toMatch(/\S/);
  expect(requestId, seen).toMatch(/\S/);
  expect(response.headers["x-request-id"], seen).toBe(requestId);
  if (field instanceof RegExp) {
    expect(
      details?.some((d: { field: string }) => field.test(d.field)),
      seen,
    ).toBe(true);
  } else if (field !== undefined) {
    expect(
      details?.map((d: { field: string }) => d.field),
      seen,
    ).toContain(field);
  }
}

async function countJobsOf(tenant: TenantClient): Promise<number> {
  const result = await ctx.database.pool.query(
    "SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1",
    [tenant.tenantId],
  );
  return result.rows[0].n;
}

describe("bodies", () => {
  const over = JSON.stringify({ ...validJob, scenario: { blob: "x".repeat(300 * 1024) } });

  it("refuses a body over the api's limit with its length declared: 413", async () => {
    expectError(await submitRaw(over), 413, "payload_too_large");
  });

  it("refuses a body over the api's limit sent chunked, without a length: 413", async () => {
    const chunk = Buffer.from(over);
    const chunked = Buffer.concat([
      Buffer.from(`${chunk.length.toString(16)}\r\n`),
      chunk,
      Buffer.from("\r\n0\r\n\r\n"),
    ]);
    expectError(
      await submitRaw(chunked, [JSON_TYPE, ["Transfer-Encoding", "chunked"]]),
      413,
      "payload_too_large",
    );
  });

  it.each([4, 64])(
    "refuses a %i MiB body: 413, answered before the server has read it all",
    async (mib) => {
      expectError(await submitRaw(Buffer.alloc(mib * 1024 * 1024, 0x20)), 413, "payload_too_large");
    },
  );

  it("refuses a body over the admin's (smaller) limit", async () => {
    const body = JSON.stringify({ name: "x".repeat(100 * 1024) });
    expectError(
      await admin({ method: "POST", target: "/admin/tenants", headers: [JSON_TYPE], body }),
      413,
      "payload_too_large",
    );
  });

  const malformed: [string, string | Buffer][] = [
    ["a truncated object", '{"scenario_id":'],
    ["single quotes", "{'scenario_id': 'a', 'cpu_request': 1, 'memory_gi': 1}"],
    ["a trailing comma", `${JSON.stringify(validJob).slice(0, -1)},}`],
    ["a NaN literal", jobWith("cpu_request", "NaN")],
    ["an Infinity literal", jobWith("cpu_request", "Infinity")],
    ["an empty body", ""],
    ["UTF-16 text", Buffer.from(JSON.stringify(validJob), "utf16le")],
    ["two JSON documents", `${JSON.stringify(validJob)}${JSON.stringify(validJob)}`],
  ];
  it.each(malformed)("answers malformed JSON (%s) with 400 invalid_json", async (_name, body) => {
    expectError(await submitRaw(body), 400, "invalid_json");
  });

  it("answers well-formed JSON that is no job object with 422", async () => {
    expectError(await submitRaw('"a string"'), 422, "validation_failed", "(body)");
    expectError(await submitRaw("[]"), 422, "validation_failed", "(body)");
  });
});

describe("content types and charsets", () => {
  const refused: [string, [string, string][]][] = [
    ["no content type", []],
    ["text/plain", [["Content-Type", "text/plain"]]],
    ["a form", [["Content-Type", "application/x-www-form-urlencoded"]]],
    ["multipart", [["Content-Type", "multipart/form-data; boundary=x"]]],
    ["application/jsonx", [["Content-Type", "application/jsonx"]]],
    ["JSON in UTF-16", [["Content-Type", "application/json; charset=utf-16"]]],
    ["JSON in Latin-1", [["Content-Type", "application/json; charset=iso-8859-1"]]],
  ];
  it.each(refused)("refuses a body with %s: 415", async (_name, headers) => {
    expectError(await submitRaw(JSON.stringify(validJob), headers), 415, "unsupported_media_type");
  });

  it("takes JSON declared UTF-8 in any spelling (the body is then validated)", async () => {
    for (const type of [
      "application/json; charset=UTF-8",
      'application/json;charset="utf-8"',
      "APPLICATION/JSON",
    ]) {
      expectError(
        await submitRaw("{}", [["Content-Type", type]]),
        422,
        "validation_failed",
        "scenario_id",
      );
    }
  });

  it("reads bytes that are not UTF-8 as replacement characters, refused where they do not fit", async () => {
    const body = Buffer.concat([
      Buffer.from('{"scenario_id":"ab'),
      Buffer.from([0xff, 0xfe, 0xc0, 0xaf]),
      Buffer.from('","cpu_request":0.5,"memory_gi":0.5}'),
    ]);
    expectError(await submitRaw(body), 422, "validation_failed", "scenario_id");
  });

  it("refuses a charset trick on the admin too", async () => {
    expectError(
      await admin({
        method: "POST",
        target: "/admin/tenants",
        headers: [["Content-Type", "application/json; charset=utf-16"]],
        body: Buffer.from('{"name":"x"}', "utf16le"),
      }),
      415,
      "unsupported_media_type",
    );
  });
});

describe("numeric edge cases", () => {
  const numbers: [string, string, string][] = [
    ["cpu_request", '"NaN"', "a NaN-like string"],
    ["cpu_request", '"1"', "a numeric string"],
    ["cpu_request", "1e309", "a number beyond doubles (Infinity)"],
    ["cpu_request", "-1e309", "minus Infinity"],
    ["cpu_request", "-0", "minus zero"],
    ["cpu_request", "5e-324", "the smallest double (stored as 0 by a 3-decimal column)"],
    ["memory_gi", "2.6e-78", "a tiny memory size"],
    ["cpu_request", "1e-7", "a tenth of a microcore"],
    ["cpu_request", "1.0001", "four decimals"],
    ["memory_gi", "123456789012345678901234567890", "a huge integer"],
    ["memory_gi", "true", "a boolean"],
    ["memory_gi", "[1]", "an array"],
  ];
  it.each(numbers)("refuses %s = %s (%s) with 422 naming it", async (field, literal) => {
    expectError(await submitRaw(jobWith(field, literal)), 422, "validation_failed", field);
  });

  const queries: [string, string, string][] = [
    ["limit=NaN", "limit=NaN", "limit"],
    ["limit=1e309", "limit=1e309", "limit"],
    ["limit=-0", "limit=-0", "limit"],
    ["limit=1.5", "limit=1.5", "limit"],
    ["a limit beyond 2^64", "limit=99999999999999999999", "limit"],
    ["an empty limit", "limit=", "limit"],
    ["two limits", "limit=1&limit=2", "limit"],
    ["status=%00", "status=%00", "status"],
    ["a status in lower case", "status=pending", "status"],
    ["a 10,000-character cursor", `cursor=${"A".repeat(10_000)}`, "cursor"],
    ["a cursor of NULs", "cursor=%00%00", "cursor"],
    ["a cursor at year -100000", `cursor=${cursorOf("-100000-01-01T00:00:00.000Z")}`, "cursor"],
    ["a cursor at year 200000", `cursor=${cursorOf("+200000-01-01T00:00:00.000Z")}`, "cursor"],
    ["a cursor at year 0", `cursor=${cursorOf("0000-01-01T00:00:00.000Z")}`, "cursor"],
  ];
  it.each(queries)("refuses GET /v1/jobs with %s: 422", async (_name, query, field) => {
    expectError(
      await api({ method: "GET", target: `/v1/jobs?${query}` }),
      422,
      "validation_failed",
      field,
    );
  });

  it.each([
    ["tail=0", "tail"],
    ["tail=501", "tail"],
    ["tail=1e3", "tail"],
    ["follow=maybe", "follow"],
  ])("refuses a log query %s with 422", async (query, field) => {
    expectError(
      await api({ method: "GET", target: `/v1/jobs/${jobOfA.job_id}/logs?${query}` }),
      422,
      "validation_failed",
      field,
    );
  });

  const limits: [string, string, string][] = [
    ["cpu_limit", "5e-324", "the smallest double"],
    ["memory_limit_gi", "1e-7", "a tenth of a micro-GiB"],
    ["cpu_limit", "1e309", "Infinity"],
    ["max_concurrent_jobs", "1.5", "a fraction where an integer belongs"],
    ["max_concurrent_jobs", "9007199254740993", "beyond 2^53"],
    ["max_concurrent_jobs", "-0", "minus zero"],
  ];
  it.each(limits)("admin: refuses %s = %s (%s) on create and update", async (field, literal) => {
    const created = await admin({
      method: "POST",
      target: "/admin/tenants",
      headers: [JSON_TYPE],
      body: `{"name":"numbers","${field}":${literal}}`,
    });
    expectError(created, 422, "validation_failed", field);
    const updated = await admin({
      method: "PATCH",
      target: `/admin/tenants/${tenantB.tenantId}`,
      headers: [JSON_TYPE],
      body: `{"${field}":${literal}}`,
    });
    expectError(updated, 422, "validation_failed", field);
  });

  it("admin: refuses cursors that no page returned", async () => {
    for (const cursor of ["AA", "%00", "_w", "", "A".repeat(300)]) {
      expectError(
        await admin({ method: "GET", target: `/admin/tenants?cursor=${cursor}` }),
        422,
        "validation_failed",
        "cursor",
      );
    }
    expectError(
      await admin({
        method: "GET",
        target: `/admin/jobs?cursor=${cursorOf("-100000-01-01T00:00:00.000Z")}`,
      }),
      422,
      "validation_failed",
      "cursor",
    );
  });
});

describe("long and odd strings", () => {
  const scenarios: [string, string][] = [
    ["a __proto__ key, which parsing would drop", '{"__proto__":{"x":1},"net":"a"}'],
    ["a NUL in a value", '{"net":"a\\u0000b"}'],
    ["a NUL in a key", '{"a\\u0000":1}'],
    ["a lone surrogate", '{"net":"\\ud800"}'],
    ["a lone surrogate in a key", '{"\\udfff":1}'],
    ["120 KiB of UTF-8 in 40 Ki characters", JSON.stringify({ blob: "€".repeat(40 * 1024) })],
    ["nesting 65 deep", `{"a":${"[".repeat(64)}${"]".repeat(64)}}`],
    ["nesting 100,000 deep", `{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}`],
  ];
  it.each(scenarios)("refuses a scenario with %s: 422", async (_name, scenario) => {
    // Each is refused as a run parameter SUMO has no option for, or as no parameters at all.
    expectError(
      await submitRaw(jobWith("scenario", scenario)),
      422,
      "validation_failed",
      /^scenario(\.|$)/,
    );
  });

  it("refuses a 100,000-character scenario_id", async () => {
    expectError(
      await submitRaw(jobWith("scenario_id", JSON.stringify("a".repeat(100_000)))),
      422,
      "validation_failed",
      "scenario_id",
    );
  });
});

describe("path tricks in ids", () => {
  const notFound: [string, string][] = [
    ["a non-UUID", "/v1/jobs/not-a-uuid"],
    ["encoded slashes and dots", "/v1/jobs/..%2F..%2Fadmin"],
    ["an encoded NUL", "/v1/jobs/%00"],
    ["a UUID with an encoded NUL", `/v1/jobs/${UUID_OF_NOTHING}%00`],
    ["a UUID with a suffix", `/v1/jobs/${UUID_OF_NOTHING}x`],
    ["an invalid escape", "/v1/jobs/%ZZ"],
    ["a 10,000-character id", `/v1/jobs/${"a".repeat(10_000)}`],
    ["SQL", "/v1/jobs/1'%20OR%20'1'='1"],
    ["dot segments out of the api", "/v1/jobs/%2e%2e/%2e%2e/admin/tenants"],
    ["a log path with an encoded slash", `/v1/jobs/${UUID_OF_NOTHING}%2Flogs`],
    ["a missing job's logs", `/v1/jobs/${UUID_OF_NOTHING}/logs`],
    ["a double slash", "/v1//jobs"],
  ];
  it.each(notFound)("answers %s with 404", async (_name, target) => {
    expectError(await api({ method: "GET", target }), 404, "not_found");
  });

  it("answers another tenant's job, in any letter case, like a missing one", async () => {
    for (const id of [jobOfB.job_id, jobOfB.job_id.toUpperCase()]) {
      expectError(await api({ method: "GET", target: `/v1/jobs/${id}` }), 404, "not_found");
      expectError(await api({ method: "GET", target: `/v1/jobs/${id}/logs` }), 404, "not_found");
    }
  });

  it("finds a tenant's own job by its id in upper case", async () => {
    const response = await api({
      method: "GET",
      target: `/v1/jobs/${jobOfA.job_id.toUpperCase()}`,
    });
    expect(response.status, response.body).toBe(200);
    expect(JSON.parse(response.body).job_id).toBe(jobOfA.job_id);
  });

  it("resolves dot segments before authenticating: no way around the key", async () => {
    const sneaky = await api({ method: "GET", target: "/healthz/%2e%2e/v1/jobs" }, false);
    expectError(sneaky, 401, "unauthorized");
    const plain = await api({ method: "GET", target: "/healthz/../v1/dashboard" }, false);
    expectError(plain, 401, "unauthorized");
  });

  it("answers a raw NUL or space in the request target with Node's 400, as JSON", async () => {
    expectError(
      await api({ method: "GET", target: `/v1/jobs/${UUID_OF_NOTHING}\0` }),
      400,
      "bad_request",
    );
    expectError(await api({ method: "GET", target: "/v1/jobs /x" }), 400, "bad_request");
  });

  it("answers a request target over Node's header size limit with 431, as JSON", async () => {
    expectError(
      await api({ method: "GET", target: `/v1/jobs/${"a".repeat(20_000)}` }),
      431,
      "headers_too_large",
    );
  });

  it("admin: answers odd tenant ids with 404 and finds one in upper case", async () => {
    for (const id of ["%00", "..%2F..%2Fjobs", "not-a-uuid", UUID_OF_NOTHING]) {
      expectError(await admin({ method: "GET", target: `/admin/tenants/${id}` }), 404, "not_found");
      expectError(
        await admin({ method: "DELETE", target: `/admin/tenants/${id}/api-keys/${id}` }),
        404,
        "not_found",
      );
    }
    const upper = await admin({
      method: "GET",
      target: `/admin/tenants/${tenantB.tenantId.toUpperCase()}`,
    });
    expect(upper.status, upper.body).toBe(200);
    expect(JSON.parse(upper.body).tenant_id).toBe(tenantB.tenantId);
  });
});

describe("header abuse", () => {
  it("answers a header over Node's size limit with 431, as JSON, on both services", async () => {
    const big: [string, string] = ["X-Padding", "a".repeat(20_000)];
    expectError(
      await api({ method: "GET", target: "/v1/jobs", headers: [big] }),
      431,
      "headers_too_large",
    );
    expectError(
      await admin({ method: "GET", target: "/admin/tenants", headers: [big] }),
      431,
      "headers_too_large",
    );
  });

  it("answers thousands of headers with 431, and serves a request with hundreds", async () => {
    const many = (n: number) =>
      Array.from({ length: n }, (_, i): [string, string] => [`X-Filler-${i}`, "x"]);
    expectError(
      await api({ method: "GET", target: "/v1/jobs", headers: many(3000) }),
      431,
      "headers_too_large",
    );
    const hundreds = await api({ method: "GET", target: "/v1/jobs", headers: many(300) });
    expect(hundreds.status, hundreds.body).toBe(200);
  });

  it("refuses a duplicated Authorization, even with the same key twice", async () => {
    for (const second of [tenantA.apiKey, tenantB.apiKey]) {
      const response = await api({
        method: "GET",
        target: "/v1/jobs",
        headers: [["Authorization", `Bearer ${second}`]],
      });
      expectError(response, 401, "unauthorized");
      expect(response.headers["www-authenticate"]).toBe("Bearer");
    }
  });

  it.each([
    ["Bearer"],
    ["Bearer "],
    ["Bearer\tsumo_x"],
    ["Basic dXNlcjpwYXNz"],
    ["Token KEY"],
    ["Bearer KEY extra"],
    ["Bearer KEY,"],
    ["KEY"],
    ["Bearer sumo_é"],
    ["Bearer k…k (8,000 characters)"],
  ])("refuses a malformed bearer (%s) with 401", async (template) => {
    const value = template
      .replace("k…k (8,000 characters)", "k".repeat(8000))
      .replace("KEY", () => tenantA.apiKey);
    const response = await api(
      { method: "GET", target: "/v1/jobs", headers: [["Authorization", value]] },
      false,
    );
    expectError(response, 401, "unauthorized");
  });

  it("takes the scheme in any case, as HTTP says", async () => {
    const response = await api(
      {
        method: "GET",
        target: "/v1/jobs",
        headers: [["Authorization", `bearer ${tenantA.apiKey}`]],
      },
      false,
    );
    expect(response.status, response.body).toBe(200);
  });

  it("answers a control character in a header with Node's 400, as JSON", async () => {
    const response = await api(
      {
        method: "GET",
        target: "/v1/jobs",
        headers: [["Authorization", `Bearer \x01${tenantA.apiKey}`]],
      },
      false,
    );
    expectError(response, 400, "bad_request");
  });

  it("admin: refuses duplicated, huge and tenant credentials", async () => {
    for (const headers of [
      [asAdmin()],
      [["Authorization", `Bearer ${"t".repeat(8000)}`]],
      [["Authorization", `Bearer ${tenantA.apiKey}`]],
    ] as [string, string][][]) {
      expectError(
        await admin({ method: "GET", target: "/admin/tenants", headers }),
        401,
        "unauthorized",
      );
    }
  });

  it.each([
    ["256 characters", "k".repeat(256)],
    ["a space", "order 7"],
    ["nothing", ""],
    ["a non-ASCII byte", "caf\xe9"],
  ])("refuses an Idempotency-Key with %s: 422", async (_name, key) => {
    const response = await submitRaw(JSON.stringify(validJob), [
      JSON_TYPE,
      ["Idempotency-Key", key],
    ]);
    expectError(response, 422, "validation_failed", "idempotency-key");
  });

  it.each([
    [
      "two different Content-Lengths",
      [
        ["Content-Length", "2"],
        ["Content-Length", "3"],
      ],
    ],
    [
      "Content-Length with chunked encoding",
      [
        ["Content-Length", "2"],
        ["Transfer-Encoding", "chunked"],
      ],
    ],
    ["a Content-Length that is no number", [["Content-Length", "abc"]]],
    ["a header without a colon", [["X-Broken\r\nNoColonHere", "x"]]],
  ] as [string, [string, string][]][])(
    "answers %s with Node's 400, as JSON",
    async (_name, headers) => {
      const response = await api({
        method: "POST",
        target: "/v1/jobs",
        headers: [JSON_TYPE, ...headers],
        body: "{}",
      });
      expectError(response, 400, "bad_request");
    },
  );

  it("replaces a request id that is not a plain token with its own", async () => {
    for (const sent of ["<script>alert(1)</script>", "a".repeat(300), "id with spaces"]) {
      const response = await api({
        method: "GET",
        target: "/nowhere",
        headers: [["X-Request-Id", sent]],
      });
      expectError(response, 404, "not_found");
      expect(response.headers["x-request-id"]).not.toBe(sent);
    }
  });
});

describe("wrong methods", () => {
  const wrong: [string, string, string, string][] = [
    ["api", "DELETE", "/v1/jobs", "GET, HEAD, POST"],
    ["api", "PUT", "/v1/jobs/JOB", "GET, HEAD"],
    ["api", "POST", "/v1/jobs/JOB/logs", "GET, HEAD"],
    ["api", "POST", "/v1/dashboard", "GET, HEAD"],
    ["api", "OPTIONS", "/v1/jobs", "GET, HEAD, POST"],
    ["api", "TRACE", "/v1/jobs", "GET, HEAD, POST"],
    ["api", "PATCH", "/healthz", "GET, HEAD"],
    ["admin", "DELETE", "/admin/tenants/TENANT", "GET, HEAD, PATCH"],
    ["admin", "PUT", "/admin/tenants", "GET, HEAD, POST"],
    ["admin", "GET", "/admin/tenants/TENANT/api-keys", "POST"],
    ["admin", "POST", "/admin/nodes", "GET, HEAD"],
  ];
  it.each(wrong)(
    "%s: answers %s %s with 405 and Allow: %s",
    async (service, method, template, allow) => {
      const target = template.replace("JOB", jobOfA.job_id).replace("TENANT", tenantB.tenantId);
      const response = await (service === "api" ? api : admin)({ method, target });
      expectError(response, 405, "method_not_allowed");
      expect(response.headers.allow).toBe(allow);
    },
  );

  it("answers a method Node does not know with its 400, as JSON", async () => {
    expectError(await api({ method: "FOO", target: "/v1/jobs" }), 400, "bad_request");
  });

  it("answers HEAD like GET, without a body, and unknown paths with 404", async () => {
    const head = await api({ method: "HEAD", target: "/v1/jobs" });
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
    expectError(await api({ method: "GET", target: "/v2/jobs" }), 404, "not_found");
    expectError(await admin({ method: "GET", target: "/admin" }), 404, "not_found");
  });
});

describe("after all of it", () => {
  it("no refused request made a job, and every service still runs and answers", async () => {
    expect(await countJobsOf(tenantA)).toBe(1);
    expect(await countJobsOf(tenantB)).toBe(1);
    for (const name of SERVICES) expect(ctx.platform.isRunning(name), name).toBe(true);
    const fine = await tenantA.call("GET", "/v1/jobs");
    expect(fine.status).toBe(200);
    expect(fine.body.jobs.map((job: ApiJob) => job.job_id)).toEqual([jobOfA.job_id]);
  });
});
