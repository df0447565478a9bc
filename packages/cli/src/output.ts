// What a command prints: results on stdout (human tables by default, the API's JSON with
// `--output json`), notes and errors on stderr. Colour and bars only on a terminal, so that
// output piped to a script or a file is plain text.
import { styleText } from "node:util";
import Table from "cli-table3";

export const OUTPUT_FORMATS = ["table", "json"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** A stream the CLI writes to: the process's own, or a test's. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

export interface CliStreams {
  stdout: OutputStream;
  stderr: OutputStream;
}

type Style = Parameters<typeof styleText>[0];

export class Output {
  readonly format: OutputFormat;
  readonly #streams: CliStreams;
  readonly #color: boolean;

  constructor(streams: CliStreams, format: OutputFormat, options: { noColor?: boolean } = {}) {
    this.#streams = streams;
    this.format = format;
    this.#color = !options.noColor && streams.stdout.isTTY === true;
  }

  get json(): boolean {
    return this.format === "json";
  }

  /**
   * Whether live bars may be drawn: only when both stdout and stderr are terminals, so that a
   * script reading either never gets a bar's escape codes.
   */
  get interactive(): boolean {
    return this.#streams.stdout.isTTY === true && this.#streams.stderr.isTTY === true;
  }

  /** The stream live bars are drawn on. */
  get barStream(): OutputStream {
    return this.#streams.stderr;
  }

  /** A result line on stdout. */
  line(text = ""): void {
    this.#streams.stdout.write(`${text}\n`);
  }

  /** Raw text on stdout (a followed log). */
  raw(text: string): void {
    this.#streams.stdout.write(text);
  }

  /** A note for the person at the terminal, on stderr: never part of a script's input. */
  note(text: string): void {
    this.#streams.stderr.write(`${text}\n`);
  }

  /** The value as the API gave it, pretty-printed JSON on stdout. */
  printJson(value: unknown): void {
    this.line(JSON.stringify(value, null, 2));
  }

  /** `text` styled, on a terminal; plain otherwise. */
  style(style: Style, text: string): string {
    return this.#color ? styleText(style, text, { validateStream: false }) : text;
  }

  /** Rows under a header, in plain aligned columns (as kubectl prints them). */
  table(head: string[], rows: string[][], align?: ColumnAlignment[]): void {
    this.line(formatTable(head, rows, align));
  }

  /** Label and value pairs, one a line, the values aligned. */
  fields(pairs: [label: string, value: string | undefined][]): void {
    const shown = pairs.filter((pair): pair is [string, string] => pair[1] !== undefined);
    const width = Math.max(0, ...shown.map(([label]) => label.length));
    for (const [label, value] of shown) this.line(`${label.padEnd(width)}  ${value}`);
  }
}

const NO_BORDER = {
  top: "",
  "top-mid": "",
  "top-left": "",
  "top-right": "",
  bottom: "",
  "bottom-mid": "",
  "bottom-left": "",
  "bottom-right": "",
  left: "",
  "left-mid": "",
  mid: "",
  "mid-mid": "",
  right: "",
  "right-mid": "",
  middle: "   ",
};

export type ColumnAlignment = "left" | "right";

/**
 * A borderless table: the header row, then each row, columns three spaces apart; columns are
 * left-aligned unless `align` says otherwise (figures read best right-aligned).
 */
export function formatTable(head: string[], rows: string[][], align?: ColumnAlignment[]): string {
  const table = new Table({
    head,
    chars: NO_BORDER,
    ...(align && { colAligns: align }),
    style: { head: [], border: [], "padding-left": 0, "padding-right": 0 },
  });
  table.push(...rows);
  return table
    .toString()
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
}
