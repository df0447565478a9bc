// Reading a SUMO configuration (.sumocfg) for what a bundle must hold: the files its input
// options name, the outputs it asks for, and its begin and end. SUMO reads an option from an
// element named after it, with the value in a `value` (or `v`) attribute or as its text,
// inside any section element: <input><net-file value="a.net.xml"/></input>.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { BundleError } from "./bundle-error.ts";

/**
 * The options whose values are input files that must be in the bundle (SUMO's "Input" options
 * that name files, with their one-letter synonyms). File lists are comma-separated.
 */
export const INPUT_FILE_OPTIONS: Readonly<Record<string, string>> = {
  "net-file": "net-file",
  n: "net-file",
  "route-files": "route-files",
  r: "route-files",
  "additional-files": "additional-files",
  a: "additional-files",
  "weight-files": "weight-files",
  w: "weight-files",
  "load-state": "load-state",
};

/** Options naming a file SUMO writes: they must stay inside the bundle's folder too. */
function isOutputOption(option: string): boolean {
  return (
    option.endsWith("-output") ||
    option === "output-prefix" ||
    option === "log" ||
    option === "l" ||
    option === "error-log" ||
    option === "message-log" ||
    option === "save-state.files" ||
    option === "save-configuration"
  );
}

const ROOT_ELEMENTS = new Set(["configuration", "sumoConfiguration"]);

export interface SumoConfig {
  /** Input files by option, as written (relative to the config's folder). */
  references: { option: string; files: string[] }[];
  /** Files SUMO would write, by option, as written. */
  outputs: { option: string; files: string[] }[];
  begin?: number;
  end?: number;
}

/** Reads a configuration; throws BundleError("malformed_sumocfg") for one SUMO could not read. */
export function readSumoConfig(xml: string, name = "the config"): SumoConfig {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new BundleError(
      "malformed_sumocfg",
      `${name} is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`,
      { path: name },
    );
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "",
    preserveOrder: true,
    // Entities are never expanded: no entity tricks (a configuration's values need none).
    processEntities: false,
  });
  const document = parser.parse(xml) as XmlNode[];
  const root = document.find((node) => elementName(node) !== undefined && !isDeclaration(node));
  const rootName = root && elementName(root);
  if (!root || !rootName || !ROOT_ELEMENTS.has(rootName)) {
    throw new BundleError(
      "malformed_sumocfg",
      `${name} is not a SUMO configuration (its root element is ${rootName ?? "missing"}, not <configuration>)`,
      { path: name },
    );
  }

  const config: SumoConfig = { references: [], outputs: [] };
  for (const section of children(root)) {
    for (const option of children(section)) {
      const optionName = elementName(option);
      if (!optionName) continue;
      const value = optionValue(option);
      if (value === undefined) continue;
      const files = value
        .split(",")
        .map((file) => file.trim())
        .filter((file) => file !== "");
      const input = INPUT_FILE_OPTIONS[optionName];
      if (input) config.references.push({ option: input, files });
      else if (isOutputOption(optionName)) config.outputs.push({ option: optionName, files });
      else if (optionName === "begin" || optionName === "b") config.begin = seconds(value);
      else if (optionName === "end" || optionName === "e") config.end = seconds(value);
    }
  }
  if (config.begin === undefined) delete config.begin;
  if (config.end === undefined) delete config.end;
  return config;
}

type XmlNode = Record<string, unknown> & { ":@"?: Record<string, string> };

function isDeclaration(node: XmlNode): boolean {
  return Object.keys(node).some((key) => key.startsWith("?"));
}

function elementName(node: XmlNode): string | undefined {
  return Object.keys(node).find(
    (key) => key !== ":@" && key !== "#text" && key !== "#comment" && !key.startsWith("?"),
  );
}

function children(node: XmlNode): XmlNode[] {
  const name = elementName(node);
  const content = name ? node[name] : undefined;
  return Array.isArray(content) ? (content as XmlNode[]) : [];
}

function optionValue(node: XmlNode): string | undefined {
  const attributes = node[":@"];
  const attribute = attributes?.value ?? attributes?.v;
  if (attribute !== undefined) return String(attribute);
  const text = children(node)
    .map((child) => child["#text"])
    .filter((part) => part !== undefined)
    .join("")
    .trim();
  return text === "" ? undefined : text;
}

/** Plain seconds ("3600", "0.5"); other forms (clock times) are left to SUMO. */
function seconds(value: string): number | undefined {
  const trimmed = value.trim();
  if (!/^-?\d+(\.\d+)?$/.test(trimmed)) return undefined;
  return Number(trimmed);
}
