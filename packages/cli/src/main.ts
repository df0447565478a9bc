#!/usr/bin/env node
// The `sumo-k8` command: the one place that reads the process's environment, arguments and
// signals, and sets its exit status.
import { text } from "node:stream/consumers";
import { runCli } from "./program.ts";

const interruptHandlers = new Set<() => void>();
process.on("SIGINT", () => {
  // Nothing watching: Ctrl-C ends the command at once, as it would without this handler,
  // showing the cursor again should an upload's bar have hidden it.
  if (interruptHandlers.size === 0) {
    if (process.stderr.isTTY) process.stderr.write("\u001b[?25h\n");
    process.exit(130);
  }
  for (const handler of interruptHandlers) handler();
});

// A reader that stopped reading (`sumo-k8 jobs logs ... | head`) is not a failure.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const env = process.env;
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: {
    SUMO_K8_API_URL: env.SUMO_K8_API_URL,
    SUMO_K8_API_KEY: env.SUMO_K8_API_KEY,
    SUMO_K8_ADMIN_URL: env.SUMO_K8_ADMIN_URL,
    SUMO_K8_ADMIN_TOKEN: env.SUMO_K8_ADMIN_TOKEN,
    SUMO_K8_PROFILE: env.SUMO_K8_PROFILE,
    XDG_CONFIG_HOME: env.XDG_CONFIG_HOME,
    HOME: env.HOME,
    NO_COLOR: env.NO_COLOR,
  },
  readStdin: () => text(process.stdin),
  onInterrupt(handler) {
    interruptHandlers.add(handler);
    return () => interruptHandlers.delete(handler);
  },
  pollIntervalMs: 1000,
});
