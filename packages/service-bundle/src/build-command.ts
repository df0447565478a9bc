// `pnpm --filter @sumo/service-bundle build [service...]`: bundles the services (all by
// default) into services/<name>/dist/index.js, what their images and `npm start` run.
import { buildServiceBundles, SERVICE_NAMES, type ServiceBundleName } from "./service-bundle.ts";

const names = process.argv.slice(2);
for (const name of names) {
  if (!(SERVICE_NAMES as readonly string[]).includes(name)) {
    process.stderr.write(`no service named ${name} (${SERVICE_NAMES.join(", ")})\n`);
    process.exit(2);
  }
}
const started = performance.now();
const built = await buildServiceBundles(
  names.length > 0 ? (names as ServiceBundleName[]) : SERVICE_NAMES,
);
const lines = [`built in ${Math.round(performance.now() - started)} ms`];
for (const { name, file, bytes, inputs } of built) {
  lines.push(
    `  ${name.padEnd(10)} ${(bytes / 1024 / 1024).toFixed(1)} MiB from ${inputs} files: ${file}`,
  );
}
process.stdout.write(`${lines.join("\n")}\n`);
