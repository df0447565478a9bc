// Runs a command with the platform's local dependencies:
//   node test/with-local-stack.ts <command> [args...]
// With DATABASE_URL unset it starts (or reuses) the embedded PostgreSQL in the data folder and
// hands its URL to the command as DATABASE_URL, then stops it when the command ends.
import { spawn } from "node:child_process";
import { startEmbeddedPostgres } from "@sumo/db/embedded";

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write("usage: node test/with-local-stack.ts <command> [args...]\n");
  process.exit(2);
}

const postgres = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
const env = { ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? postgres?.url };

const child = spawn(command, args, { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => child.kill(signal));
}
const exitCode = await new Promise<number>((resolve) => {
  child.on("error", (error) => {
    process.stderr.write(`${command}: ${error.message}\n`);
    resolve(127);
  });
  child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
});
await postgres?.stop();
process.exit(exitCode);
