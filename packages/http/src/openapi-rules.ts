/**
 * What every operation of the platform's OpenAPI documents must say so that generated clients
 * read well and the docs page knows how to call it: a stable `operationId` (generated method
 * names), `tags` the document declares (grouping), a `summary`, and its `security`, where `[]`
 * marks an operation public. And every schema's `default` must be a value of its type, or
 * generators and validators disagree about the parameter.
 */

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

/** operationIds are camelCase: a verb and what it acts on (`listJobs`, `getTenantQueue`). */
const OPERATION_ID = /^[a-z][a-zA-Z0-9]*$/;

interface OpenApiOperation {
  operationId?: string;
  tags?: string[];
  summary?: string;
  security?: Record<string, string[]>[];
}

/** The parts of an OpenAPI 3.1 document the rules read. */
interface OpenApiDocumentShape {
  paths?: Record<string, Record<string, unknown> | undefined>;
  tags?: { name: string }[];
  components?: { securitySchemes?: Record<string, unknown> };
}

/** Each operation of the document, as `GET /v1/jobs`, with what it declares. */
export function openApiOperations(
  document: object,
): { name: string; operation: OpenApiOperation }[] {
  return Object.entries((document as OpenApiDocumentShape).paths ?? {}).flatMap(([path, item]) =>
    HTTP_METHODS.filter((method) => item?.[method] !== undefined).map((method) => ({
      name: `${method.toUpperCase()} ${path}`,
      operation: item?.[method] as OpenApiOperation,
    })),
  );
}

/** The document's breaches of the rules above, one sentence each; empty when it keeps them. */
export function openApiProblems(document: object): string[] {
  const problems: string[] = [];
  const { tags, components } = document as OpenApiDocumentShape;
  const declaredTags = new Set((tags ?? []).map((tag) => tag.name));
  const schemes = new Set(Object.keys(components?.securitySchemes ?? {}));
  const operationIds = new Map<string, string>();
  for (const { name, operation } of openApiOperations(document)) {
    const id = operation.operationId;
    if (!id) problems.push(`${name} has no operationId`);
    else if (!OPERATION_ID.test(id)) problems.push(`${name}: operationId ${id} is not camelCase`);
    else if (operationIds.has(id)) {
      problems.push(`${name}: operationId ${id} is ${operationIds.get(id)}'s already`);
    } else operationIds.set(id, name);
    if (!operation.summary) problems.push(`${name} has no summary`);
    if (!operation.tags?.length) problems.push(`${name} has no tags`);
    for (const tag of operation.tags ?? []) {
      if (!declaredTags.has(tag)) problems.push(`${name}: tag ${tag} is not among the document's`);
    }
    if (!operation.security) {
      problems.push(`${name} says no security: name its scheme, or [] if it is public`);
    }
    for (const requirement of operation.security ?? []) {
      for (const scheme of Object.keys(requirement)) {
        if (!schemes.has(scheme)) problems.push(`${name}: security scheme ${scheme} is undeclared`);
      }
    }
  }
  walkSchemas(document, "#", (schema, pointer) => {
    // A default of undefined is no default: the JSON document leaves it out.
    if (schema.default === undefined) return;
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((type) => isOfType(schema.default, type))) {
      problems.push(`${pointer}: default ${JSON.stringify(schema.default)} is not ${types}`);
    }
  });
  return problems;
}

/** Calls `visit` on every object of the document whose `type` is a type name (schemas). */
function walkSchemas(
  node: unknown,
  pointer: string,
  visit: (schema: { type?: unknown; default?: unknown }, pointer: string) => void,
): void {
  if (typeof node !== "object" || node === null) return;
  const type = (node as { type?: unknown }).type;
  if (!Array.isArray(node) && (typeof type === "string" || Array.isArray(type)))
    visit(node, pointer);
  for (const [key, value] of Object.entries(node)) {
    // Examples and defaults are values, not schemas, whatever keys they hold.
    if (key === "example" || key === "examples" || key === "default") continue;
    walkSchemas(value, `${pointer}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`, visit);
  }
}

function isOfType(value: unknown, type: unknown): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "boolean":
      return typeof value === "boolean";
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "string":
      return typeof value === "string";
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    default:
      return false;
  }
}
