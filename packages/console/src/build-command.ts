// `pnpm --filter @sumo/console build`: builds the consoles into dist/ and prints what each
// page costs a browser, gzipped: what it needs to be drawn, then the charts it loads after
// (docs/console.md keeps the last figures).
import { buildConsoles } from "./build-console.ts";

const started = performance.now();
const built = await buildConsoles();
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const lines = [`built in ${Math.round(performance.now() - started)} ms`];
for (const { name, dir, pages } of built) {
  lines.push(`${name} console (${dir}): per page, gzipped`);
  lines.push(
    `  ${"page".padEnd(12)} ${"JS".padStart(10)} ${"CSS".padStart(10)} ${"total".padStart(10)} ${"then, charts".padStart(13)}`,
  );
  for (const page of pages) {
    lines.push(
      `  ${page.page.padEnd(12)} ${kib(page.jsGzipBytes).padStart(10)} ${kib(page.cssGzipBytes).padStart(10)} ${kib(page.jsGzipBytes + page.cssGzipBytes).padStart(10)} ${(page.laterJsGzipBytes ? kib(page.laterJsGzipBytes) : "").padStart(13)}`,
    );
  }
}
process.stdout.write(`${lines.join("\n")}\n`);
