// Bundles built in memory for tests: well-formed ones from a record of files, and hostile ones
// (paths leaving the bundle, links, devices) from entries written exactly as given.
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { createGzip } from "node:zlib";
import * as tar from "tar-stream";
import yazl from "yazl";

export interface BundleEntry {
  /** Written as is, `../x` and `/etc/x` included. */
  path: string;
  type?: "file" | "directory" | "symlink" | "hardlink" | "device" | "fifo";
  content?: string | Uint8Array;
  /** For links: what they point at. */
  linkTarget?: string;
}

type Entries = Record<string, string | Uint8Array> | BundleEntry[];

function toEntries(entries: Entries): BundleEntry[] {
  return Array.isArray(entries)
    ? entries
    : Object.entries(entries).map(([path, content]) => ({ path, content }));
}

const bytesOf = (content: string | Uint8Array | undefined) =>
  typeof content === "string" ? Buffer.from(content) : Buffer.from(content ?? new Uint8Array());

const TAR_TYPES = {
  directory: "directory",
  symlink: "symlink",
  hardlink: "link",
  device: "character-device",
  fifo: "fifo",
} as const;

/** A gzip'd tar of the entries, in order. */
export async function makeTarGz(entries: Entries): Promise<Uint8Array> {
  const pack = tar.pack();
  const packed = buffer(Readable.from(pack).pipe(createGzip()));
  for (const entry of toEntries(entries)) {
    const type = entry.type ?? "file";
    const header: Partial<tar.Header> & { name: string } = {
      name: entry.path,
      mode: type === "directory" ? 0o755 : 0o644,
    };
    if (type === "file") {
      await new Promise<void>((resolve, reject) =>
        pack.entry(header, bytesOf(entry.content), (error) => (error ? reject(error) : resolve())),
      );
      continue;
    }
    const special: Partial<tar.Header> & { name: string } = {
      ...header,
      type: TAR_TYPES[type],
      size: 0,
      ...(entry.linkTarget !== undefined && { linkname: entry.linkTarget }),
    };
    await new Promise<void>((resolve, reject) =>
      pack.entry(special, (error) => (error ? reject(error) : resolve())),
    );
  }
  pack.finalize();
  return new Uint8Array(await packed);
}

/** A zip of the entries, in order; links as Unix symlink entries. */
export async function makeZip(entries: Entries): Promise<Uint8Array> {
  const zip = new yazl.ZipFile();
  for (const entry of toEntries(entries)) {
    const type = entry.type ?? "file";
    if (type === "directory") {
      zip.addEmptyDirectory(entry.path.replace(/\/$/, ""));
    } else if (type === "symlink") {
      zip.addBuffer(Buffer.from(entry.linkTarget ?? ""), entry.path, { mode: 0o120777 });
    } else if (type === "file") {
      zip.addBuffer(bytesOf(entry.content), entry.path);
    } else {
      throw new Error(`zip bundles cannot hold a ${type} entry`);
    }
  }
  zip.end();
  return new Uint8Array(await buffer(zip.outputStream));
}
