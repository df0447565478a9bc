// `sumo-k8 config ...`: the profiles file. Secrets come from standard input, never from the
// command's arguments.
import type { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../cli-context.ts";
import {
  chosenProfileName,
  type Profile,
  profileSchema,
  readConfigFile,
  writeConfigFile,
} from "../config-file.ts";
import { UsageError } from "../exit-codes.ts";

export function addConfigCommands(program: Command, context: () => CliContext): void {
  const config = program
    .command("config")
    .description(
      "named profiles (URLs, API key, admin token) in $XDG_CONFIG_HOME/sumo-k8/config.json, mode 600",
    );

  config
    .command("set-profile")
    .description(
      "create or change a profile: the URLs of --api-url and --admin-url, a secret read from standard input",
    )
    .argument("<name>", "the profile's name")
    .option("--api-key-stdin", "read the tenant's API key from standard input")
    .option("--admin-token-stdin", "read the admin token from standard input")
    .option("--use", "make it the profile used when none is chosen")
    .action(async (name, options) => {
      const ctx = context();
      if (options.apiKeyStdin && options.adminTokenStdin) {
        throw new UsageError(
          "standard input holds one secret: give --api-key-stdin or --admin-token-stdin",
        );
      }
      const file = await readConfigFile(ctx.configPath);
      const secret =
        options.apiKeyStdin || options.adminTokenStdin
          ? (await ctx.deps.readStdin()).trim()
          : undefined;
      if (secret === "") throw new UsageError("standard input was empty: no secret to keep");
      const changed = {
        ...file.profiles[name],
        // --api-url and --admin-url are the global flags, kept here instead of used.
        ...(ctx.flags.apiUrl && { api_url: ctx.flags.apiUrl }),
        ...(ctx.flags.adminUrl && { admin_url: ctx.flags.adminUrl }),
        ...(options.apiKeyStdin && { api_key: secret }),
        ...(options.adminTokenStdin && { admin_token: secret }),
      };
      const parsed = profileSchema.safeParse(changed);
      if (!parsed.success) {
        throw new UsageError(
          parsed.error.issues
            .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
            .join("; "),
        );
      }
      const isFirst = Object.keys(file.profiles).length === 0;
      await writeConfigFile(ctx.configPath, {
        ...file,
        ...((options.use || isFirst) && { current_profile: name }),
        profiles: { ...file.profiles, [name]: parsed.data },
      });
      ctx.output.note(`profile "${name}" saved in ${ctx.configPath}`);
    });

  config
    .command("use-profile")
    .description("make a profile the one used when none is chosen")
    .argument("<name>", "the profile's name")
    .action(async (name) => {
      const ctx = context();
      const file = await readConfigFile(ctx.configPath);
      if (!file.profiles[name]) throw new UsageError(`no profile "${name}" in ${ctx.configPath}`);
      await writeConfigFile(ctx.configPath, { ...file, current_profile: name });
      ctx.output.note(`using profile "${name}"`);
    });

  config
    .command("view")
    .description("the profiles, secrets shortened to their start")
    .action(async () => {
      const ctx = context();
      const file = await ctx.config();
      const current = chosenProfileName(ctx.flags, ctx.deps.env, file);
      const profiles = Object.fromEntries(
        Object.entries(file.profiles).map(([name, profile]) => [name, masked(profile)]),
      );
      if (ctx.output.json) {
        return ctx.output.printJson({ path: ctx.configPath, current_profile: current, profiles });
      }
      ctx.output.note(`profiles file: ${ctx.configPath}`);
      if (Object.keys(profiles).length === 0) {
        ctx.output.note(
          "no profiles yet: add one with `sumo-k8 --api-url URL config set-profile NAME --api-key-stdin`",
        );
        return;
      }
      ctx.output.table(
        ["", "PROFILE", "API URL", "API KEY", "ADMIN URL", "ADMIN TOKEN"],
        Object.entries(profiles).map(([name, profile]) => [
          name === current ? "*" : "",
          name,
          profile.api_url ?? "-",
          profile.api_key ?? "-",
          profile.admin_url ?? "-",
          profile.admin_token ?? "-",
        ]),
      );
    });
}

/** A profile with its secrets cut to their first characters, enough to tell keys apart. */
function masked(profile: Profile): Profile {
  const cut = (secret: string | undefined) => secret && `${secret.slice(0, 9)}…`;
  return {
    ...profile,
    ...(profile.api_key && { api_key: cut(profile.api_key) }),
    ...(profile.admin_token && { admin_token: cut(profile.admin_token) }),
  };
}
