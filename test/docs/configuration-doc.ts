// Renders docs/configuration.md from the services' zod env schemas, so the configuration
// reference says what the services accept and cannot drift from it. `pnpm docs:config` runs this
// with --write; without it, the document goes to stdout. configuration-doc.test.ts fails when the
// committed document is not what this renders.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { adminEnvSchema } from "../../services/admin/src/env.ts";
import { apiEnvSchema } from "../../services/api/src/env.ts";
import { reconcilerEnvSchema } from "../../services/reconciler/src/env.ts";
import { schedulerEnvSchema } from "../../services/scheduler/src/env.ts";

export const CONFIGURATION_DOC = fileURLToPath(
  new URL("../../docs/configuration.md", import.meta.url),
);

/** Longest table cell allowed: the tables are read in a browser and as plain text alike. */
export const MAX_CELL_LENGTH = 200;

/** What this file needs of a zod object schema (test/ does not depend on zod itself). */
export interface EnvSchema {
  shape: Record<string, { meta(): Record<string, unknown> | undefined }>;
  toJSONSchema(params?: { io?: "input" | "output" }): object;
}

export interface ServiceConfiguration {
  service: string;
  /** What the service is, a sentence without its full stop, for the section's first line. */
  summary: string;
  /** The schema's file, relative to the repository's root. */
  envFile: string;
  schema: EnvSchema;
}

export const SERVICE_CONFIGURATIONS: ServiceConfiguration[] = [
  {
    service: "api",
    summary: "The tenant API; from Kubernetes it reads live logs and quotas",
    envFile: "services/api/src/env.ts",
    schema: apiEnvSchema,
  },
  {
    service: "admin",
    summary: "The admin API; from Kubernetes it reads nodes and cluster counts",
    envFile: "services/admin/src/env.ts",
    schema: adminEnvSchema,
  },
  {
    service: "scheduler",
    summary:
      "The pg-boss worker that applies tenants' namespace objects and creates their Kubernetes Jobs",
    envFile: "services/scheduler/src/env.ts",
    schema: schedulerEnvSchema,
  },
  {
    service: "reconciler",
    summary:
      "The worker that watches Kubernetes and writes job status, exit codes and kept logs to PostgreSQL",
    envFile: "services/reconciler/src/env.ts",
    schema: reconcilerEnvSchema,
  },
];

/** The keys of a variable's JSON Schema (from zod's toJSONSchema) that the document shows. */
interface VariableJsonSchema {
  type?: string;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  description?: string;
}

interface ObjectJsonSchema {
  properties?: Record<string, VariableJsonSchema>;
  required?: string[];
}

export interface ConfigurationRow {
  variable: string;
  default: string;
  meaning: string;
}

/**
 * One row per variable, in the schema's order. Defaults come from the output side of the
 * schema (what the service ends up with), whether a variable is required from the input side
 * (a variable with a default is optional to set).
 */
export function configurationRows(schema: EnvSchema): ConfigurationRow[] {
  const output: ObjectJsonSchema = schema.toJSONSchema({ io: "output" });
  const input: ObjectJsonSchema = schema.toJSONSchema({ io: "input" });
  const required = new Set(input.required ?? []);
  return Object.entries(output.properties ?? {}).map(([variable, property]) => ({
    variable: `\`${variable}\``,
    default: defaultCell(property, required.has(variable)),
    meaning: [property.description, acceptedValues(property)].filter(Boolean).join(" "),
  }));
}

function defaultCell(property: VariableJsonSchema, required: boolean): string {
  if (required) return "required";
  // What an unset optional variable means is its description's to say.
  return property.default === undefined ? "unset" : `\`${String(property.default)}\``;
}

// zod writes JavaScript's safe-integer limits as the bounds of an int() without its own.
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

/** The values a variable accepts, in words, from the bounds the schema checks. */
function acceptedValues(property: VariableJsonSchema): string {
  if (property.enum) return `One of ${property.enum.map((value) => `\`${value}\``).join(", ")}.`;
  switch (property.type) {
    case "boolean":
      return "`true` or `false`.";
    case "integer":
    case "number": {
      const kind = property.type === "integer" ? "Integer" : "Number";
      const min = property.minimum !== undefined && property.minimum > -UNBOUNDED;
      const max = property.maximum !== undefined && property.maximum < UNBOUNDED;
      if (min && max) return `${kind}, ${property.minimum} to ${property.maximum}.`;
      if (min) return `${kind}, at least ${property.minimum}.`;
      if (max) return `${kind}, at most ${property.maximum}.`;
      return `${kind}.`;
    }
    case "string":
      if (property.minLength === 1) return "Not empty.";
      if (property.minLength) return `At least ${property.minLength} characters.`;
      return "";
    default:
      return "";
  }
}

/**
 * A Markdown table laid out as Biome formats Markdown (columns padded to their widest cell, at
 * least three dashes), so `pnpm format` leaves the generated file as it is.
 */
export function markdownTable(header: string[], rows: string[][]): string {
  for (const cell of rows.flat()) {
    if (cell.includes("|") || cell.includes("\n")) {
      throw new Error(`a table cell cannot hold "|" or a line break: ${cell}`);
    }
    if (cell.length > MAX_CELL_LENGTH) {
      throw new Error(`table cell over ${MAX_CELL_LENGTH} characters, shorten it: ${cell}`);
    }
  }
  const width = (text: string) => [...text].length;
  const widths = header.map((title, column) =>
    Math.max(3, width(title), ...rows.map((row) => width(row[column] ?? ""))),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell + " ".repeat((widths[column] ?? 0) - width(cell))).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function renderConfigurationDoc(): string {
  const intro = `# Configuration

Each service reads its environment once at boot, through the zod schema in its \`src/env.ts\`;
a value the schema refuses stops the service at boot with the variable's name and the reason.
The database, Kubernetes and metrics variables come from
[\`packages/db/src/env.ts\`](../packages/db/src/env.ts),
[\`packages/kubernetes/src/env.ts\`](../packages/kubernetes/src/env.ts) and
[\`packages/metrics/src/env.ts\`](../packages/metrics/src/env.ts) and mean the same in every
service; only their defaults differ (\`DATABASE_POOL_SIZE\`).

The Helm chart's values map to these variables: the chart sets the database URL, the ports,
\`MIGRATE_ON_START\` and the admin token itself; \`<service>.config\` takes most of the rest as
camelCase keys (\`logLevel\` for \`LOG_LEVEL\`), and \`<service>.extraEnv\` any variable. Every value is in [the chart's README](../helm/sumo-k8/README.md).

This page is generated from the schemas' descriptions by \`pnpm docs:config\`
(\`test/docs/configuration-doc.ts\`): change a description in the schema, then run it. A unit
test fails when this page and the schemas disagree.`;

  const sections = SERVICE_CONFIGURATIONS.map(({ service, summary, envFile, schema }) => {
    const rows = configurationRows(schema).map((row) => [row.variable, row.default, row.meaning]);
    return `## ${service}

${summary}. Schema: [\`${envFile}\`](../${envFile}).

${markdownTable(["variable", "default", "meaning"], rows)}`;
  });

  return `${[intro, ...sections].join("\n\n")}\n`;
}

if (import.meta.main) {
  const document = renderConfigurationDoc();
  if (process.argv.includes("--write")) {
    writeFileSync(CONFIGURATION_DOC, document);
    process.stderr.write(`wrote ${CONFIGURATION_DOC}\n`);
  } else {
    process.stdout.write(document);
  }
}
