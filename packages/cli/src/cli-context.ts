// What every command's action works with: the output in the chosen format, clients of the
// APIs configured from flags, environment and profiles file, standard input, and Ctrl-C.
import {
  type AdminClient,
  createAdminClient,
  createTenantClient,
  type TenantClient,
} from "@sumo/api-client";
import {
  type CliEnvironment,
  type ConfigFile,
  type ConnectionFlags,
  configFilePath,
  readConfigFile,
  resolveConnection,
} from "./config-file.ts";
import { type CliStreams, Output, type OutputFormat } from "./output.ts";

/** What the process gives the CLI; main.ts builds it, tests may build their own. */
export interface CliDependencies extends CliStreams {
  env: CliEnvironment;
  /** Standard input, read whole (a key given with `--api-key-stdin`). */
  readStdin(): Promise<string>;
  /**
   * Registers what Ctrl-C does while a command watches or follows; the returned function
   * unregisters it. With nothing registered Ctrl-C ends the process at once.
   */
  onInterrupt(handler: () => void): () => void;
  /** How often a watched job or sweep is read again. */
  pollIntervalMs: number;
  /** The fetch requests go through; the global one unless given. */
  fetch?: (request: Request) => Promise<Response>;
}

/** The global flags, on every command. */
export interface GlobalFlags extends ConnectionFlags {
  output: OutputFormat;
  color: boolean;
}

export class CliContext {
  readonly deps: CliDependencies;
  readonly flags: GlobalFlags;
  readonly output: Output;
  #config: Promise<ConfigFile> | undefined;

  constructor(deps: CliDependencies, flags: GlobalFlags) {
    this.deps = deps;
    this.flags = flags;
    this.output = new Output(deps, flags.output, {
      noColor: !flags.color || Boolean(deps.env.NO_COLOR),
    });
  }

  get configPath(): string {
    return configFilePath(this.deps.env);
  }

  /** The profiles file, read once. */
  config(): Promise<ConfigFile> {
    this.#config ??= readConfigFile(this.configPath);
    return this.#config;
  }

  async tenantClient(): Promise<TenantClient> {
    const connection = resolveConnection(
      "tenant",
      this.flags,
      this.deps.env,
      await this.config(),
      this.configPath,
    );
    return createTenantClient({
      baseUrl: connection.baseUrl,
      apiKey: connection.credential,
      ...(this.deps.fetch && { fetch: this.deps.fetch }),
    });
  }

  async adminClient(): Promise<AdminClient> {
    const connection = resolveConnection(
      "admin",
      this.flags,
      this.deps.env,
      await this.config(),
      this.configPath,
    );
    return createAdminClient({
      baseUrl: connection.baseUrl,
      token: connection.credential,
      ...(this.deps.fetch && { fetch: this.deps.fetch }),
    });
  }
}
