// What the database keeps of an ended job's log: its last lines, within a line count and a byte
// budget, so that a pod printing one enormous line (or many) cannot fill the database. Pure: the
// reconciler reads the pod's log and stores what this returns (job-reconciler.ts).

export interface KeptLogLimits {
  /** Most lines kept (the newest). */
  maxLines: number;
  /** Most bytes kept, UTF-8, the lines' newlines and the truncation notice included. */
  maxBytes: number;
  /** Longest line kept, in UTF-8 bytes with its cut marker; longer ones are cut. */
  maxLineBytes: number;
}

/** Room kept for the truncation notice: it always fits in what is left of maxBytes. */
const TRUNCATION_NOTICE_BYTES = 200;

/** The smallest maxBytes taken: room for some lines beside the notice. */
const MIN_KEPT_LOG_BYTES = 4 * TRUNCATION_NOTICE_BYTES;

/**
 * The lines of `text` (a pod's log) to keep: the newest `maxLines`, each cut to `maxLineBytes`
 * with a marker saying how much of it went, and of those the newest that fit in `maxBytes`.
 * When anything was cut or left out, a last line says so and how many bytes were not kept,
 * for whoever reads the log from the database.
 */
export function keptLogLines(text: string, limits: KeptLogLimits): string[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const maxBytes = Math.max(limits.maxBytes, MIN_KEPT_LOG_BYTES);
  const readBytes = lines.reduce((sum, line) => sum + lineBytes(line), 0);

  const kept = keepNewest(lines, limits.maxLines, maxBytes, limits.maxLineBytes);
  if (kept.earlierDropped === 0 && kept.linesCut === 0) return kept.lines;

  // Something goes: chosen again with room for the notice, which then says what went.
  const room = maxBytes - TRUNCATION_NOTICE_BYTES;
  const final = keepNewest(lines, limits.maxLines, room, Math.min(limits.maxLineBytes, room));
  const keptBytes = final.lines.reduce((sum, line) => sum + lineBytes(line), 0);
  return [...final.lines, truncationNotice(keptBytes, readBytes, final)];
}

interface Selection {
  lines: string[];
  /** Lines older than the kept ones that were left out. */
  earlierDropped: number;
  /** Kept lines that were cut short. */
  linesCut: number;
}

function keepNewest(
  lines: string[],
  maxLines: number,
  maxBytes: number,
  maxLineBytes: number,
): Selection {
  const kept: string[] = [];
  let bytes = 0;
  let linesCut = 0;
  for (let i = lines.length - 1; i >= 0 && kept.length < maxLines; i--) {
    const whole = lines[i] ?? "";
    const line = cutLine(whole, maxLineBytes);
    const size = lineBytes(line);
    if (bytes + size > maxBytes) break;
    if (line !== whole) linesCut++;
    kept.push(line);
    bytes += size;
  }
  return { lines: kept.reverse(), earlierDropped: lines.length - kept.length, linesCut };
}

/** A line in UTF-8 with its newline. */
function lineBytes(line: string): number {
  return Buffer.byteLength(line, "utf8") + 1;
}

/** The line within maxBytes (newline included), cut at a character with a marker if longer. */
function cutLine(line: string, maxBytes: number): string {
  // A string of n UTF-16 units takes at most 3n bytes: most lines need no encoding at all.
  if (line.length * 3 + 1 <= maxBytes) return line;
  const bytes = Buffer.from(line, "utf8");
  if (bytes.length + 1 <= maxBytes) return line;
  const marker = ` [... ${bytes.length} bytes long, cut]`;
  let end = Math.max(0, maxBytes - 1 - Buffer.byteLength(marker));
  // Back to the start of a character: continuation bytes are 10xxxxxx.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return `${bytes.subarray(0, end).toString("utf8")}${marker}`;
}

function truncationNotice(keptBytes: number, readBytes: number, selection: Selection): string {
  const what = [
    selection.earlierDropped > 0 &&
      `${selection.earlierDropped} earlier line${selection.earlierDropped === 1 ? "" : "s"} dropped`,
    selection.linesCut > 0 &&
      `${selection.linesCut} long line${selection.linesCut === 1 ? "" : "s"} cut`,
  ].filter(Boolean);
  return `[sumo-k8] log truncated: kept ${keptBytes} of its last ${readBytes} bytes (${what.join(", ")})`;
}
