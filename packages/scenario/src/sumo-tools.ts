// The pinned SUMO for tests and the dev launcher (images/simulation/install-sumo.sh installs it
// into the cache), and real scenarios made with it at test time: a netgenerate grid and
// randomTrips.py's trips, nothing downloaded.
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

const INSTALL_SCRIPT = fileURLToPath(
  new URL("../../../images/simulation/install-sumo.sh", import.meta.url),
);

export interface SumoInstallation {
  /** The sumo package's folder: its data (XML schemas), tools and bin. */
  sumoHome: string;
  /** Where sumo, netgenerate and duarouter are. */
  binDir: string;
  /** The virtualenv's python, which runs SUMO's tools. */
  python: string;
  /** An environment to run SUMO's programs in: SUMO_HOME set, binDir first on PATH. */
  env: NodeJS.ProcessEnv;
}

let installation: Promise<SumoInstallation> | undefined;

/** Installs the pinned SUMO into the cache (once per machine; at once when cached). */
export function installSumo(): Promise<SumoInstallation> {
  installation ??= (async () => {
    const { stdout } = await run("bash", [INSTALL_SCRIPT], { maxBuffer: 1024 * 1024 });
    const values = Object.fromEntries(
      stdout
        .trim()
        .split("\n")
        .map((line) => line.split("=", 2) as [string, string]),
    );
    const sumoHome = values.SUMO_HOME;
    const binDir = values.SUMO_BIN;
    if (!sumoHome || !binDir) throw new Error(`install-sumo.sh printed ${JSON.stringify(stdout)}`);
    // <venv>/lib/pythonX.Y/site-packages/sumo -> <venv>/bin/python
    const python = path.resolve(sumoHome, "../../../../bin/python");
    // Without SUMO_HOME, SUMO's XML validation fetches schemas from the web, and fails offline.
    const env = { ...process.env, SUMO_HOME: sumoHome, PATH: `${binDir}:${process.env.PATH}` };
    return { sumoHome, binDir, python, env };
  })();
  installation.catch(() => {
    installation = undefined;
  });
  return installation;
}

export interface GridScenarioOptions {
  /** Junctions per side (netgenerate --grid.number). */
  gridNumber?: number;
  /** Metres between junctions. */
  gridLength?: number;
  /** Seconds of trips, and the config's end. */
  end?: number;
  /** randomTrips.py's seed: the same seed makes the same trips. */
  seed?: number;
  /** Seconds between trips (randomTrips.py --period). */
  period?: number;
  configName?: string;
}

export interface GridScenario {
  dir: string;
  /** The config's file name in `dir`. */
  config: string;
  /** Every file of the scenario, relative to `dir` (what a bundle of it holds). */
  files: string[];
}

/**
 * Writes a runnable SUMO scenario into `dir`: a grid network, random trips routed by
 * duarouter, and a .sumocfg naming both with begin 0 and the end. About a second.
 */
export async function makeGridScenario(
  dir: string,
  options: GridScenarioOptions = {},
): Promise<GridScenario> {
  const { gridNumber = 3, gridLength = 150, end = 300, seed = 1, period = 1 } = options;
  const config = options.configName ?? "grid.sumocfg";
  const sumo = await installSumo();
  const exec = (file: string, args: string[]) =>
    run(file, args, { cwd: dir, env: sumo.env, maxBuffer: 16 * 1024 * 1024 });
  await exec(path.join(sumo.binDir, "netgenerate"), [
    "--grid",
    "--grid.number",
    String(gridNumber),
    "--grid.length",
    String(gridLength),
    "--seed",
    String(seed),
    "-o",
    "grid.net.xml",
  ]);
  await exec(sumo.python, [
    path.join(sumo.sumoHome, "tools", "randomTrips.py"),
    "-n",
    "grid.net.xml",
    "-r",
    "grid.rou.xml",
    "-o",
    "grid.trips.xml",
    "-b",
    "0",
    "-e",
    String(end),
    "-p",
    String(period),
    "--seed",
    String(seed),
  ]);
  await writeFile(
    path.join(dir, config),
    `<?xml version="1.0" encoding="UTF-8"?>
<configuration>
    <input>
        <net-file value="grid.net.xml"/>
        <route-files value="grid.rou.xml"/>
    </input>
    <time>
        <begin value="0"/>
        <end value="${end}"/>
    </time>
</configuration>
`,
  );
  return { dir, config, files: [config, "grid.net.xml", "grid.rou.xml"] };
}
