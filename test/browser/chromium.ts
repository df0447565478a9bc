// Real Chromium for the browser tests: Debian's package (install-chromium.sh installs it when
// missing), driven by playwright-core, which downloads no browser of its own.
import { createRequire } from "node:module";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";
import { run } from "../helm/helm-cli.ts";
import { REPO_ROOT } from "../platform.ts";

let executable: Promise<string> | undefined;

/** The chromium executable, installed on first use (half a minute) and found at once after. */
export function chromiumExecutable(): Promise<string> {
  executable ??= run("bash", [path.join(REPO_ROOT, "test/browser/install-chromium.sh")]).then(
    ({ stdout }) => stdout.trim().split("\n").at(-1) ?? "",
  );
  return executable;
}

/** A headless Chromium; as root it needs --no-sandbox. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: await chromiumExecutable(),
    headless: true,
    args: ["--no-sandbox"],
  });
}

const require = createRequire(import.meta.url);
/** axe-core's browser script, injected into the pages it checks. */
export const AXE_SCRIPT_PATH = require.resolve("axe-core/axe.min.js");
