import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  CONFIGURATION_DOC,
  configurationRows,
  MAX_CELL_LENGTH,
  renderConfigurationDoc,
  SERVICE_CONFIGURATIONS,
} from "./configuration-doc.ts";

describe("docs/configuration.md", () => {
  it("is what the services' env schemas generate", () => {
    expect(
      readFileSync(CONFIGURATION_DOC, "utf8"),
      "docs/configuration.md is out of date with the env schemas: run `pnpm docs:config` and commit the result",
    ).toBe(renderConfigurationDoc());
  });

  it("has a description for every variable of every service", () => {
    // Read from the field itself, not only from the JSON Schema: zod keeps a description given
    // inside `.default()` or `.optional()` on the inner schema, where toJSONSchema finds it but
    // the field's own meta() does not. Attaching it last keeps the two in agreement.
    const undescribed = SERVICE_CONFIGURATIONS.flatMap(({ service, schema }) =>
      Object.entries(schema.shape)
        .filter(([, field]) => typeof field.meta()?.description !== "string")
        .map(([variable]) => `${service}: ${variable}`),
    );
    expect(
      undescribed,
      "give each variable `.meta({ description })` as the last call of its schema",
    ).toEqual([]);
  });

  it("keeps every table cell short", () => {
    const longCells = SERVICE_CONFIGURATIONS.flatMap(({ service, schema }) =>
      configurationRows(schema)
        .flatMap((row) => [row.variable, row.default, row.meaning])
        .filter((cell) => cell.length > MAX_CELL_LENGTH)
        .map((cell) => `${service}: ${cell}`),
    );
    expect(longCells, `cells over ${MAX_CELL_LENGTH} characters`).toEqual([]);
  });

  it("gives each service its own defaults", () => {
    const defaultOf = (service: string, variable: string) => {
      const configuration = SERVICE_CONFIGURATIONS.find((entry) => entry.service === service);
      if (!configuration) throw new Error(`no service ${service}`);
      return configurationRows(configuration.schema).find(
        (row) => row.variable === `\`${variable}\``,
      );
    };
    expect(
      ["api", "admin", "scheduler", "reconciler"].map(
        (service) => defaultOf(service, "DATABASE_POOL_SIZE")?.default,
      ),
    ).toEqual(["`20`", "`5`", "`10`", "`10`"]);
    expect(defaultOf("admin", "ADMIN_TOKEN")).toMatchObject({
      default: "required",
      meaning: expect.stringContaining("At least 32 characters."),
    });
    expect(defaultOf("api", "DATABASE_URL")).toMatchObject({
      default: "unset",
      meaning: expect.stringContaining("Unset: the embedded PostgreSQL"),
    });
  });
});
