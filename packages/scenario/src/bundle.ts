// Scenario bundles: a tenant's .tar.gz or .zip of SUMO input files, read in memory with every
// rule a bundle must keep. The api reads each upload with readBundle before it stores it, and
// the runner reads the same bytes with it again before it unpacks them (writeBundleFiles): what
// one refuses, the other refuses too.
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import * as tar from "tar-stream";
import yauzl from "yauzl";
import { BundleError } from "./bundle-error.ts";
import { readSumoConfig } from "./sumocfg.ts";

export { BundleError, type BundleErrorCode } from "./bundle-error.ts";

export interface BundleLimits {
  /** The archive as uploaded. */
  maxBundleBytes: number;
  /** Regular files in it (folders aside). */
  maxFiles: number;
  /** The files' bytes once decompressed, counted as they are read. */
  maxUncompressedBytes: number;
  /** The .sumocfg itself. */
  maxConfigBytes: number;
}

/**
 * What a bundle may be by default. 960 KiB as uploaded: a job carries its bundle to its pod in
 * a Kubernetes ConfigMap, which holds at most 1 MiB, with room left for the run spec.
 */
export const DEFAULT_BUNDLE_LIMITS: BundleLimits = {
  maxBundleBytes: 960 * 1024,
  maxFiles: 1000,
  maxUncompressedBytes: 64 * 1024 * 1024,
  maxConfigBytes: 1024 * 1024,
};

export interface BundleFile {
  /** Relative, with forward slashes, no `./`, no `..`. */
  path: string;
  bytes: Uint8Array;
}

export interface ScenarioBundle {
  format: "tar.gz" | "zip";
  /** The .sumocfg to run, a path in the bundle. */
  config: string;
  /** Its regular files, in archive order. */
  files: BundleFile[];
  uncompressedBytes: number;
  /** Bundle paths the config references, resolved against the config's folder. */
  references: string[];
  /** The config's begin and end, in seconds, when it gives them as plain numbers. */
  configTimes: { begin?: number; end?: number };
}

/** Longest path of a file in a bundle, in bytes (a common file system's name limit). */
const MAX_PATH_BYTES = 1024;
const MAX_SEGMENT_BYTES = 255;

/**
 * Reads and checks a bundle: the archive (gzip'd tar or zip, told apart by their bytes), every
 * entry (regular files and folders only, safe relative paths, each once), the limits, the one
 * .sumocfg (or the one `config` names), that it is well-formed XML, and that every file it
 * references is there. Throws a BundleError, and nothing else, for anything it refuses.
 */
export async function readBundle(
  bytes: Uint8Array,
  options: { config?: string; limits?: Partial<BundleLimits> } = {},
): Promise<ScenarioBundle> {
  const limits = { ...DEFAULT_BUNDLE_LIMITS, ...options.limits };
  if (bytes.byteLength > limits.maxBundleBytes) {
    throw new BundleError(
      "bundle_too_large",
      `The bundle is ${bytes.byteLength} bytes; bundles are limited to ${limits.maxBundleBytes}`,
      { limit: limits.maxBundleBytes },
    );
  }
  const format = formatOf(bytes);
  if (!format) {
    throw new BundleError("not_an_archive", "The bundle is neither a .tar.gz nor a .zip");
  }
  const counter = new EntryCounter(limits);
  try {
    if (format === "tar.gz") await readTarGz(bytes, counter);
    else await readZip(bytes, counter);
  } catch (error) {
    if (error instanceof BundleError) throw error;
    throw new BundleError(
      "not_an_archive",
      `The bundle is not a readable ${format}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return checkScenario(format, counter, options.config, limits);
}

/** SHA-256 of bytes, as lowercase hex: a bundle's content address. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Writes a bundle's files under `dir`, creating folders. A file is never written over or
 * through an existing one (flag "wx"), and nothing lands outside `dir`.
 */
export async function writeBundleFiles(bundle: ScenarioBundle, dir: string): Promise<void> {
  const root = path.resolve(dir);
  for (const file of bundle.files) {
    const target = path.resolve(root, file.path);
    if (!target.startsWith(`${root}${path.sep}`)) {
      throw new BundleError("unsafe_path", `${file.path} would leave the bundle's folder`, {
        path: file.path,
      });
    }
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.bytes, { flag: "wx", mode: 0o644 });
  }
}

function formatOf(bytes: Uint8Array): ScenarioBundle["format"] | undefined {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return "tar.gz";
  // A local file header, or the end of central directory of an empty zip.
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 0x03 || bytes[2] === 0x05)) {
    return "zip";
  }
  return undefined;
}

/** The entries read so far, held to the limits as they come. */
class EntryCounter {
  readonly files: BundleFile[] = [];
  readonly #paths = new Set<string>();
  readonly #limits: BundleLimits;
  uncompressedBytes = 0;

  constructor(limits: BundleLimits) {
    this.#limits = limits;
  }

  /** A folder: its path must be safe; it is not a file. */
  directory(rawPath: string): void {
    const normalised = normalisePath(rawPath.replace(/\/+$/, ""));
    if (normalised !== "") this.#paths.add(`${normalised}/`);
  }

  /** A file is coming: checks its path, its uniqueness and the file count. */
  startFile(rawPath: string): string {
    const normalised = normalisePath(rawPath);
    if (normalised === "") {
      throw new BundleError("unsafe_path", "The bundle has a file without a name", {
        path: rawPath,
      });
    }
    if (this.#paths.has(normalised)) {
      throw new BundleError("duplicate_entry", `The bundle has ${normalised} twice`, {
        path: normalised,
      });
    }
    this.#paths.add(normalised);
    if (this.files.length + 1 > this.#limits.maxFiles) {
      throw new BundleError(
        "too_many_files",
        `The bundle has more than ${this.#limits.maxFiles} files`,
        { limit: this.#limits.maxFiles },
      );
    }
    return normalised;
  }

  /** Counts decompressed bytes as they arrive, so a bomb stops at the limit. */
  count(chunk: Uint8Array): void {
    this.uncompressedBytes += chunk.byteLength;
    if (this.uncompressedBytes > this.#limits.maxUncompressedBytes) {
      throw new BundleError(
        "uncompressed_too_large",
        `The bundle's files come to more than ${this.#limits.maxUncompressedBytes} bytes uncompressed`,
        { limit: this.#limits.maxUncompressedBytes },
      );
    }
  }

  addFile(filePath: string, chunks: Uint8Array[]): void {
    this.files.push({ path: filePath, bytes: Buffer.concat(chunks) });
  }
}

/**
 * A path as stored in the archive, as the bundle's relative path: "" for the root. Refuses
 * absolute paths, drive letters, backslashes, NUL, `..` and over-long names.
 */
function normalisePath(raw: string): string {
  const refuse = (why: string): never => {
    throw new BundleError("unsafe_path", `The bundle's path ${JSON.stringify(raw)} ${why}`, {
      path: raw,
    });
  };
  if (raw.includes("\0")) refuse("has a NUL character");
  if (raw.includes("\\")) refuse("has a backslash");
  if (raw.startsWith("/")) refuse("is absolute");
  if (/^[A-Za-z]:/.test(raw)) refuse("names a drive");
  if (Buffer.byteLength(raw) > MAX_PATH_BYTES) refuse(`is longer than ${MAX_PATH_BYTES} bytes`);
  const segments = raw.split("/").filter((segment) => segment !== "" && segment !== ".");
  for (const segment of segments) {
    if (segment === "..") refuse("leaves the bundle (..)");
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) {
      refuse(`has a name longer than ${MAX_SEGMENT_BYTES} bytes`);
    }
  }
  return segments.join("/");
}

function readTarGz(bytes: Uint8Array, counter: EntryCounter): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const gunzip = createGunzip();
    const extract = tar.extract();
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      gunzip.destroy();
      extract.destroy();
      reject(error);
    };
    extract.on("entry", (header, stream, next) => {
      try {
        if (header.type === "directory") {
          counter.directory(header.name);
          stream.resume();
          stream.on("end", next);
          return;
        }
        if (header.type !== "file" && header.type !== "contiguous-file") {
          throw new BundleError(
            "unsupported_entry",
            `${header.name} is a ${header.type ?? "special entry"}; bundles hold only files and folders`,
            { path: header.name },
          );
        }
        const filePath = counter.startFile(header.name);
        const chunks: Uint8Array[] = [];
        stream.on("data", (chunk: unknown) => {
          try {
            counter.count(chunk as Buffer);
            chunks.push(chunk as Buffer);
          } catch (error) {
            fail(error);
          }
        });
        stream.on("error", fail);
        stream.on("end", () => {
          if (failed) return;
          counter.addFile(filePath, chunks);
          next();
        });
      } catch (error) {
        fail(error);
      }
    });
    extract.on("finish", () => {
      if (!failed) resolve();
    });
    extract.on("error", fail);
    gunzip.on("error", fail);
    Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)])
      .on("error", fail)
      .pipe(gunzip)
      .pipe(extract);
  });
}

/** Unix file type bits of a zip entry made on Unix, from its external attributes. */
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const MADE_ON_UNIX = 3;

function readZip(bytes: Uint8Array, counter: EntryCounter): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    yauzl.fromBuffer(
      buffer,
      { lazyEntries: true, validateEntrySizes: true, strictFileNames: true, decodeStrings: true },
      (openError, zip) => {
        if (openError || !zip) {
          reject(openError ?? new Error("no zip"));
          return;
        }
        let failed = false;
        const fail = (error: unknown) => {
          if (failed) return;
          failed = true;
          zip.close();
          reject(error);
        };
        zip.on("error", fail);
        zip.on("end", () => {
          if (!failed) resolve();
        });
        zip.on("entry", (entry: yauzl.Entry) => {
          try {
            const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
            const madeOnUnix = entry.versionMadeBy >>> 8 === MADE_ON_UNIX;
            const isDirectory = entry.fileName.endsWith("/");
            if (madeOnUnix && mode !== 0 && mode !== (isDirectory ? S_IFDIR : S_IFREG)) {
              throw new BundleError(
                "unsupported_entry",
                `${entry.fileName} is not a regular file or folder (a link or a device); bundles hold only files and folders`,
                { path: entry.fileName },
              );
            }
            if (isDirectory) {
              counter.directory(entry.fileName);
              zip.readEntry();
              return;
            }
            if (entry.isEncrypted()) {
              throw new BundleError(
                "unsupported_entry",
                `${entry.fileName} is encrypted; bundles hold plain files`,
                { path: entry.fileName },
              );
            }
            const filePath = counter.startFile(entry.fileName);
            zip.openReadStream(entry, (streamError, stream) => {
              if (streamError || !stream) {
                fail(streamError ?? new Error("no stream"));
                return;
              }
              const chunks: Uint8Array[] = [];
              stream.on("data", (chunk: Buffer) => {
                try {
                  counter.count(chunk);
                  chunks.push(chunk);
                } catch (error) {
                  stream.destroy();
                  fail(error);
                }
              });
              stream.on("error", fail);
              stream.on("end", () => {
                if (failed) return;
                counter.addFile(filePath, chunks);
                zip.readEntry();
              });
            });
          } catch (error) {
            fail(error);
          }
        });
        zip.readEntry();
      },
    );
  });
}

function checkScenario(
  format: ScenarioBundle["format"],
  counter: EntryCounter,
  chosen: string | undefined,
  limits: BundleLimits,
): ScenarioBundle {
  const byPath = new Map(counter.files.map((file) => [file.path, file]));
  let config: BundleFile | undefined;
  if (chosen !== undefined) {
    config = byPath.get(normalisePath(chosen));
    if (!config) {
      throw new BundleError("unknown_sumocfg", `The bundle has no ${chosen}`, { path: chosen });
    }
  } else {
    const configs = counter.files.filter((file) => file.path.endsWith(".sumocfg"));
    if (configs.length === 0) {
      throw new BundleError("no_sumocfg", "The bundle has no .sumocfg");
    }
    if (configs.length > 1) {
      throw new BundleError(
        "several_sumocfg",
        `The bundle has several .sumocfg (${configs.map((c) => c.path).join(", ")}); name the one to run (config)`,
        { configs: configs.map((c) => c.path) },
      );
    }
    config = configs[0];
  }
  if (!config) throw new BundleError("no_sumocfg", "The bundle has no .sumocfg");
  if (config.bytes.byteLength > limits.maxConfigBytes) {
    throw new BundleError(
      "malformed_sumocfg",
      `${config.path} is larger than ${limits.maxConfigBytes} bytes`,
      { path: config.path, limit: limits.maxConfigBytes },
    );
  }
  const text = new TextDecoder("utf-8", { fatal: false }).decode(config.bytes);
  const parsed = readSumoConfig(text, config.path);

  const folder = path.posix.dirname(config.path);
  const references: string[] = [];
  const missing: string[] = [];
  for (const { option, files } of parsed.references) {
    for (const file of files) {
      const resolved = resolveReference(folder, file, option);
      references.push(resolved);
      if (!byPath.has(resolved)) missing.push(resolved);
    }
  }
  for (const { option, files } of parsed.outputs) {
    for (const file of files) resolveReference(folder, file, option);
  }
  if (missing.length > 0) {
    throw new BundleError(
      "missing_referenced_file",
      `${config.path} references ${missing.join(", ")}, which the bundle does not have`,
      { path: missing[0], missing },
    );
  }
  return {
    format,
    config: config.path,
    files: counter.files,
    uncompressedBytes: counter.uncompressedBytes,
    references,
    configTimes: {
      ...(parsed.begin !== undefined && { begin: parsed.begin }),
      ...(parsed.end !== undefined && { end: parsed.end }),
    },
  };
}

/** A path the config names, as a bundle path; one that would leave the bundle is refused. */
function resolveReference(folder: string, file: string, option: string): string {
  if (file.startsWith("/") || /^[A-Za-z]:/.test(file) || file.includes("\\")) {
    throw new BundleError(
      "unsafe_path",
      `The config's ${option} names ${file}, outside the bundle`,
      { path: file },
    );
  }
  const joined = path.posix.normalize(path.posix.join(folder, file));
  if (joined === ".." || joined.startsWith("../")) {
    throw new BundleError(
      "unsafe_path",
      `The config's ${option} names ${file}, outside the bundle`,
      { path: file },
    );
  }
  return joined;
}
