import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import {
  BundleError,
  type BundleErrorCode,
  readBundle,
  sha256Hex,
  writeBundleFiles,
} from "./bundle.ts";
import { type BundleEntry, makeTarGz, makeZip } from "./bundle-builders.ts";

const CONFIG = `<?xml version="1.0" encoding="UTF-8"?>
<configuration xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <input>
    <net-file value="net/grid.net.xml"/>
    <route-files value="grid.rou.xml, more.rou.xml"/>
    <additional-files value="detectors.add.xml"/>
  </input>
  <time>
    <begin value="0"/>
    <end value="3600"/>
  </time>
  <output><tripinfo-output value="out/tripinfo.xml"/></output>
</configuration>`;

const FILES = {
  "city/city.sumocfg": CONFIG,
  "city/net/grid.net.xml": "<net/>",
  "city/grid.rou.xml": "<routes/>",
  "city/more.rou.xml": "<routes/>",
  "city/detectors.add.xml": "<additional/>",
};

const entries = (files: Record<string, string>): BundleEntry[] =>
  Object.entries(files).map(([p, content]) => ({ path: p, content }));

async function refusal(
  bundle: Uint8Array | Promise<Uint8Array>,
  options?: Parameters<typeof readBundle>[1],
): Promise<BundleErrorCode> {
  try {
    await readBundle(await bundle, options);
  } catch (error) {
    expect(error).toBeInstanceOf(BundleError);
    expect((error as Error).message).toMatch(/\S/);
    return (error as BundleError).code;
  }
  throw new Error("the bundle was accepted");
}

describe("readBundle", () => {
  it.each([
    ["tar.gz", makeTarGz(FILES)],
    ["zip", makeZip(FILES)],
  ] as const)(
    "reads a %s: its one config, what it references, and its times",
    async (format, bundle) => {
      const read = await readBundle(await bundle);
      expect(read).toMatchObject({
        format,
        config: "city/city.sumocfg",
        references: [
          "city/net/grid.net.xml",
          "city/grid.rou.xml",
          "city/more.rou.xml",
          "city/detectors.add.xml",
        ],
        configTimes: { begin: 0, end: 3600 },
      });
      expect(read.files.map((f) => f.path).sort()).toEqual(Object.keys(FILES).sort());
      expect(read.uncompressedBytes).toBe(
        Object.values(FILES).reduce((sum, text) => sum + Buffer.byteLength(text), 0),
      );
    },
  );

  it("takes ./ prefixes and folder entries, and the config the caller names among several", async () => {
    const bundle = await makeTarGz([
      { path: "./city/", type: "directory" },
      ...entries(FILES).map((e) => ({ ...e, path: `./${e.path}` })),
      { path: "./city/night.sumocfg", content: CONFIG.replace("3600", "600") },
    ]);
    expect(await refusal(bundle)).toBe("several_sumocfg");
    const read = await readBundle(bundle, { config: "city/night.sumocfg" });
    expect(read).toMatchObject({ config: "city/night.sumocfg", configTimes: { end: 600 } });
    expect(await refusal(bundle, { config: "city/day.sumocfg" })).toBe("unknown_sumocfg");
  });

  it.each([
    ["random bytes", Promise.resolve(new Uint8Array(Buffer.from("not an archive at all")))],
    ["nothing", Promise.resolve(new Uint8Array())],
    ["gzip of something that is no tar", Promise.resolve(new Uint8Array(gzipSync("hello")))],
    ["a truncated tar.gz", makeTarGz(FILES).then((b) => b.subarray(0, b.byteLength / 2))],
    ["a truncated zip", makeZip(FILES).then((b) => b.subarray(0, b.byteLength - 30))],
  ])("refuses %s as not_an_archive", async (_, bundle) => {
    expect(await refusal(bundle)).toBe("not_an_archive");
  });

  it.each([
    ["../ leaving the bundle", "../../etc/cron.d/job"],
    ["an absolute path", "/etc/passwd"],
    ["a .. in the middle", "city/../../x"],
    ["a backslash", "city\\..\\x"],
    ["a drive letter", "C:/x"],
  ])("refuses %s as unsafe_path", async (_, hostile) => {
    const bundle = makeTarGz([...entries(FILES), { path: hostile, content: "x" }]);
    expect(await refusal(bundle)).toBe("unsafe_path");
  });

  it.each(["symlink", "hardlink", "device", "fifo"] as const)(
    "refuses a %s as unsupported_entry",
    async (type) => {
      const bundle = makeTarGz([
        ...entries(FILES),
        { path: "city/extra", type, linkTarget: "/etc/shadow" },
      ]);
      expect(await refusal(bundle)).toBe("unsupported_entry");
    },
  );

  it("refuses a symbolic link in a zip", async () => {
    const bundle = makeZip([
      ...entries(FILES),
      { path: "city/link.xml", type: "symlink", linkTarget: "/etc/shadow" },
    ]);
    expect(await refusal(bundle)).toBe("unsupported_entry");
  });

  it("refuses the same path twice, however it is spelled", async () => {
    const bundle = makeTarGz([...entries(FILES), { path: "./city/grid.rou.xml", content: "x" }]);
    expect(await refusal(bundle)).toBe("duplicate_entry");
  });

  it("holds the limits: the bundle's size, its files, what they decompress to", async () => {
    const bundle = await makeTarGz(FILES);
    expect(await refusal(bundle, { limits: { maxBundleBytes: bundle.byteLength - 1 } })).toBe(
      "bundle_too_large",
    );
    expect(await refusal(bundle, { limits: { maxFiles: 4 } })).toBe("too_many_files");
    // 80 MiB of zeros compress to about 80 KB: refused while it is read, at the 64 MiB limit.
    const bomb = await makeTarGz({ ...FILES, "city/zeros.xml": new Uint8Array(80 * 1024 * 1024) });
    expect(bomb.byteLength).toBeLessThan(DEFAULT_BUNDLE_BYTES);
    expect(await refusal(bomb)).toBe("uncompressed_too_large");
    const zipBomb = await makeZip({ ...FILES, "city/zeros.xml": new Uint8Array(80 * 1024 * 1024) });
    expect(await refusal(zipBomb)).toBe("uncompressed_too_large");
  });

  it("refuses a zip whose entry is larger than its header says", async () => {
    const honest = Buffer.from(await makeZip({ ...FILES, "city/data.xml": "x".repeat(1000) }));
    // Patch the uncompressed size (bytes 24-27 of the local header, 22-25 of the central
    // directory's... relative to each header) of data.xml down to 10 in both records.
    const lie = Buffer.from(honest);
    for (const [signature, offset] of [
      [0x04034b50, 22],
      [0x02014b50, 24],
    ] as const) {
      for (
        let at = lie.indexOf(le32(signature));
        at !== -1;
        at = lie.indexOf(le32(signature), at + 4)
      ) {
        const nameLength = lie.readUInt16LE(signature === 0x04034b50 ? at + 26 : at + 28);
        const nameAt = signature === 0x04034b50 ? at + 30 : at + 46;
        if (lie.toString("utf8", nameAt, nameAt + nameLength) === "city/data.xml") {
          lie.writeUInt32LE(10, at + offset);
        }
      }
    }
    expect(await refusal(new Uint8Array(lie))).toBe("not_an_archive");
  });

  it("refuses a bundle without a config, a malformed one, and one missing a file it names", async () => {
    expect(await refusal(makeTarGz({ "a.net.xml": "<net/>" }))).toBe("no_sumocfg");
    for (const broken of ["<configuration><input>", "not xml", "<html></html>"]) {
      expect(await refusal(makeTarGz({ ...FILES, "city/city.sumocfg": broken })), broken).toBe(
        "malformed_sumocfg",
      );
    }
    const { "city/more.rou.xml": _, ...missing } = FILES;
    expect(await refusal(makeTarGz(missing))).toBe("missing_referenced_file");
  });

  it("refuses a config that names files outside the bundle, as input or as output", async () => {
    for (const [option, value] of [
      ["net-file", "../../etc/passwd"],
      ["net-file", "/etc/passwd"],
      ["summary-output", "/etc/cron.d/x"],
    ]) {
      const config = CONFIG.replace(
        "</input>",
        `</input><more><${option} value="${value}"/></more>`,
      );
      expect(await refusal(makeTarGz({ ...FILES, "city/city.sumocfg": config })), value).toBe(
        "unsafe_path",
      );
    }
  });
});

describe("writeBundleFiles", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("writes exactly the bundle's files under the folder", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "bundle-"));
    dirs.push(dir);
    const bundle = await readBundle(await makeTarGz(FILES));
    await writeBundleFiles(bundle, dir);
    const written = await readdir(dir, { recursive: true, withFileTypes: true });
    expect(
      written
        .filter((entry) => entry.isFile())
        .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
        .sort(),
    ).toEqual(Object.keys(FILES).sort());
    expect(await readFile(path.join(dir, "city/city.sumocfg"), "utf8")).toBe(CONFIG);
    // Never over an existing file.
    await expect(writeBundleFiles(bundle, dir)).rejects.toThrow();
  });
});

describe("sha256Hex", () => {
  it("is the hex SHA-256 of the bytes", () => {
    expect(sha256Hex(new TextEncoder().encode("abc"))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});

const DEFAULT_BUNDLE_BYTES = 960 * 1024;

function le32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  return b;
}
