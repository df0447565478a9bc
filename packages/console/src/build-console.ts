// Bundles each console with esbuild: its entry and every page (a lazily loaded chunk each),
// minified, under content-hashed names, and an index.html that loads them. Writes
// dist/<console>/ and answers what each page costs a browser (JavaScript and CSS, gzipped).
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import { CONSOLE_BASE_PATH, CONSOLE_DIST_DIR } from "./dist.ts";
import { type PageSize, pageSizes } from "./page-sizes.ts";

const PACKAGE_DIR = fileURLToPath(new URL("../", import.meta.url));

/** The consoles the build makes: the api serves the tenant's, the admin service the admin's. */
export const CONSOLES = {
  tenant: { title: "sumo-k8 console", source: "src/tenant" },
  admin: { title: "sumo-k8 admin console", source: "src/admin" },
} as const;

export type ConsoleName = keyof typeof CONSOLES;

export interface BuiltConsole {
  name: ConsoleName;
  dir: string;
  pages: PageSize[];
}

/** Builds every console into `outDir` (the package's dist/ unless given), replacing it. */
export async function buildConsoles(outDir = CONSOLE_DIST_DIR): Promise<BuiltConsole[]> {
  const built: BuiltConsole[] = [];
  for (const name of Object.keys(CONSOLES) as ConsoleName[]) {
    built.push(await buildConsole(name, path.join(outDir, name)));
  }
  return built;
}

async function buildConsole(name: ConsoleName, dir: string): Promise<BuiltConsole> {
  const { title, source } = CONSOLES[name];
  const sourceDir = path.join(PACKAGE_DIR, source);
  const pageFiles = (await readdir(path.join(sourceDir, "pages")))
    .filter((file) => file.endsWith(".tsx"))
    .map((file) => path.join(sourceDir, "pages", file));
  await rm(dir, { recursive: true, force: true });
  const assetsDir = path.join(dir, "assets");
  const result = await esbuild.build({
    absWorkingDir: PACKAGE_DIR,
    // The pages are entry points too, so each is a chunk of its own that the entry loads when
    // the page is first shown, and the metafile says which chunk is which page.
    entryPoints: [path.join(sourceDir, "main.tsx"), ...pageFiles],
    outdir: assetsDir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: ["chrome120", "firefox121", "safari17"],
    minify: true,
    jsx: "automatic",
    jsxImportSource: "preact",
    entryNames: "[name]-[hash]",
    chunkNames: "shared-[hash]",
    assetNames: "[name]-[hash]",
    // What the code refers to (the icon) by its URL on the service.
    publicPath: `${CONSOLE_BASE_PATH}assets/`,
    loader: { ".svg": "file" },
    legalComments: "linked",
    metafile: true,
    logLevel: "warning",
  });
  const mainSource = path.relative(PACKAGE_DIR, path.join(sourceDir, "main.tsx"));
  const outputs = result.metafile.outputs;
  const main = Object.entries(outputs).find(([, output]) => output.entryPoint === mainSource);
  if (!main?.[1].cssBundle) throw new Error(`${name}: the build made no entry with its CSS`);
  const assetUrl = (file: string) =>
    `${CONSOLE_BASE_PATH}assets/${path.relative(assetsDir, path.join(PACKAGE_DIR, file))}`;
  const icon = Object.keys(outputs).find((file) => /\/icon-[^/]+\.svg$/.test(file));
  await writeFile(
    path.join(dir, "index.html"),
    indexHtml({
      title,
      script: assetUrl(main[0]),
      stylesheet: assetUrl(main[1].cssBundle),
      ...(icon && { icon: assetUrl(icon) }),
    }),
  );
  const gzipped = new Map<string, number>();
  for (const file of Object.keys(outputs)) {
    const bytes = await readFile(path.join(PACKAGE_DIR, file));
    gzipped.set(file, gzipSync(bytes, { level: 9 }).length);
  }
  const pages = pageSizes(result.metafile, {
    main: main[0],
    pageName: (entryPoint) => {
      const inPages = path.relative(path.join(source, "pages"), entryPoint);
      return inPages.startsWith("..") ? undefined : inPages.replace(/\.tsx$/, "");
    },
    gzippedBytes: (file) => gzipped.get(file) ?? 0,
  });
  return { name, dir, pages };
}

function indexHtml(page: { title: string; script: string; stylesheet: string; icon?: string }) {
  // No inline script or style: the Content-Security-Policy the services send allows neither.
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title}</title>
${page.icon ? `<link rel="icon" href="${page.icon}" type="image/svg+xml">\n` : ""}<link rel="stylesheet" href="${page.stylesheet}">
<script type="module" src="${page.script}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The console needs JavaScript. The API works without it: see /docs.</noscript>
</body>
</html>
`;
}
