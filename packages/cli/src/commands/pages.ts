// Lists come a page at a time: `--limit` and `--cursor` as the API takes them, and a note of
// the flag that shows the next page.
import { type Command, InvalidArgumentError, type OptionValues } from "@commander-js/extra-typings";
import type { Output } from "../output.ts";

export const DEFAULT_PAGE_SIZE = 20;

/** A whole number of at least 1, for a flag. */
export function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new InvalidArgumentError("not a whole number of at least 1");
  }
  return number;
}

/** A number, for a flag; the API says which are out of range. */
export function numberArgument(value: string): number {
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number))
    throw new InvalidArgumentError("not a number");
  return number;
}

export function pageOptions<Args extends unknown[], Opts extends OptionValues>(
  command: Command<Args, Opts>,
) {
  return command
    .option("--limit <n>", "how many to show", positiveInteger, DEFAULT_PAGE_SIZE)
    .option("--cursor <cursor>", "where the page starts (as the last page said)");
}

export function printNextPage(output: Output, nextCursor: string | null): void {
  if (nextCursor) output.note(`more: --cursor ${nextCursor}`);
}
