// The profiles file: named connections (URLs, the API key, the admin token) in
// $XDG_CONFIG_HOME/sumo-k8/config.json (~/.config/sumo-k8/ without it), mode 600, so that no
// secret has to be given in the command's arguments, where `ps` shows it to everyone.
import { chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { UsageError } from "./exit-codes.ts";

/** What the CLI reads from its environment; main.ts hands it in. */
export interface CliEnvironment {
  SUMO_K8_API_URL?: string | undefined;
  SUMO_K8_API_KEY?: string | undefined;
  SUMO_K8_ADMIN_URL?: string | undefined;
  SUMO_K8_ADMIN_TOKEN?: string | undefined;
  /** The profile to use when `--profile` is not given. */
  SUMO_K8_PROFILE?: string | undefined;
  XDG_CONFIG_HOME?: string | undefined;
  HOME?: string | undefined;
  /** Set (to anything but empty): no colour, as no-color.org asks of every program. */
  NO_COLOR?: string | undefined;
}

export const profileSchema = z.strictObject({
  api_url: z.url().optional(),
  api_key: z.string().min(1).optional(),
  admin_url: z.url().optional(),
  admin_token: z.string().min(1).optional(),
});
export type Profile = z.infer<typeof profileSchema>;

export const configFileSchema = z.strictObject({
  current_profile: z.string().min(1).optional(),
  profiles: z.record(z.string().min(1), profileSchema).default({}),
});
export type ConfigFile = z.infer<typeof configFileSchema>;

export const DEFAULT_PROFILE = "default";

/** Where the profiles file is: `$XDG_CONFIG_HOME/sumo-k8/config.json`, else under ~/.config. */
export function configFilePath(env: CliEnvironment): string {
  const base = env.XDG_CONFIG_HOME || (env.HOME && path.join(env.HOME, ".config"));
  if (!base) throw new UsageError("neither XDG_CONFIG_HOME nor HOME is set: no profiles file");
  return path.join(base, "sumo-k8", "config.json");
}

/**
 * The profiles file, or an empty one when there is none. A file that others can read or write
 * is refused, as ssh refuses such a key: it holds API keys.
 */
export async function readConfigFile(filePath: string): Promise<ConfigFile> {
  let mode: number;
  try {
    mode = (await stat(filePath)).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { profiles: {} };
    throw error;
  }
  if ((mode & 0o077) !== 0) {
    throw new UsageError(
      `${filePath} is open to other users (mode ${(mode & 0o777).toString(8)}) and holds ` +
        `credentials: refusing to read it. Make it yours alone: chmod 600 ${filePath}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(await readFile(filePath, "utf8"));
  } catch (error) {
    throw new UsageError(`${filePath} is not JSON: ${(error as Error).message}`);
  }
  const parsed = configFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new UsageError(`${filePath} is not a profiles file:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** Writes the profiles file, mode 600 in a folder of mode 700, whole or not at all. */
export async function writeConfigFile(filePath: string, config: ConfigFile): Promise<void> {
  await mkdir(path.dirname(filePath), { recursive: true, mode: 0o700 });
  const staging = `${filePath}.${process.pid}.tmp`;
  await writeFile(staging, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // The mode given to writeFile is masked by the umask; the file must be 600 whatever it is.
  await chmod(staging, 0o600);
  await rename(staging, filePath);
}

/** The flags that choose a connection; each wins over the environment and the file. */
export interface ConnectionFlags {
  profile?: string | undefined;
  apiUrl?: string | undefined;
  adminUrl?: string | undefined;
}

/** The profile in use: `--profile`, else SUMO_K8_PROFILE, else the file's current one. */
export function chosenProfileName(
  flags: ConnectionFlags,
  env: CliEnvironment,
  config: ConfigFile,
): string {
  return flags.profile || env.SUMO_K8_PROFILE || config.current_profile || DEFAULT_PROFILE;
}

export interface Connection {
  baseUrl: string;
  credential: string;
}

/** Which API a command calls, and the names of what configures it. */
const SETTINGS = {
  tenant: {
    url: { flag: "--api-url", env: "SUMO_K8_API_URL", key: "api_url" },
    secret: { env: "SUMO_K8_API_KEY", key: "api_key", what: "API key" },
  },
  admin: {
    url: { flag: "--admin-url", env: "SUMO_K8_ADMIN_URL", key: "admin_url" },
    secret: { env: "SUMO_K8_ADMIN_TOKEN", key: "admin_token", what: "admin token" },
  },
} as const;

/**
 * The URL and credential of the tenant API or the admin API, each from the first that has it:
 * the flag, the environment variable, the chosen profile.
 */
export function resolveConnection(
  api: keyof typeof SETTINGS,
  flags: ConnectionFlags,
  env: CliEnvironment,
  config: ConfigFile,
  filePath: string,
): Connection {
  const settings = SETTINGS[api];
  const profileName = chosenProfileName(flags, env, config);
  const profile = config.profiles[profileName];
  const explicitlyChosen = flags.profile || env.SUMO_K8_PROFILE;
  if (!profile && explicitlyChosen) {
    const known = Object.keys(config.profiles);
    throw new UsageError(
      `no profile "${profileName}" in ${filePath} (${known.length > 0 ? `it has: ${known.join(", ")}` : "it has none"})`,
    );
  }
  const flagUrl = api === "tenant" ? flags.apiUrl : flags.adminUrl;
  const baseUrl = flagUrl || env[settings.url.env] || profile?.[settings.url.key];
  const credential = env[settings.secret.env] || profile?.[settings.secret.key];
  const where = `profile "${profileName}" in ${filePath}`;
  if (!baseUrl) {
    throw new UsageError(
      `no ${api} API URL: give ${settings.url.flag}, set ${settings.url.env}, or set ${settings.url.key} in ${where} (sumo-k8 config set-profile)`,
    );
  }
  if (!credential) {
    throw new UsageError(
      `no ${settings.secret.what}: set ${settings.secret.env}, or set ${settings.secret.key} in ${where} (sumo-k8 config set-profile)`,
    );
  }
  return { baseUrl, credential };
}
