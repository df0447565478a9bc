import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";

/**
 * Writes a file only its owner can read (mode 600), also over an older file with a wider mode:
 * the text goes to a new file created with that mode, which then replaces the old one.
 */
export async function writePrivateFile(file: string, text: string): Promise<void> {
  const staging = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(staging, text, { mode: 0o600, flag: "wx" });
    await rename(staging, file);
  } finally {
    await rm(staging, { force: true });
  }
}
