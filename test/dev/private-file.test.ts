import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { writePrivateFile } from "./private-file.ts";

const dir = await mkdtemp(path.join(tmpdir(), "private-file-"));
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

it("writes a new file readable by its owner only", async () => {
  const file = path.join(dir, "new.json");
  await writePrivateFile(file, "{}\n");
  expect(await modeOf(file)).toBe(0o600);
  expect(await readFile(file, "utf8")).toBe("{}\n");
});

it("narrows an existing file's wider mode as it replaces it", async () => {
  const file = path.join(dir, "old.json");
  await writeFile(file, "old", { mode: 0o644 });
  expect(await modeOf(file)).toBe(0o644);
  await writePrivateFile(file, "new");
  expect(await modeOf(file)).toBe(0o600);
  expect(await readFile(file, "utf8")).toBe("new");
});
