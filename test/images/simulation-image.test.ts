// The simulation image has two recipes: images/simulation/Dockerfile (production, built with
// Docker) and images/simulation/build-image.sh (the local cluster, built without a container
// engine). Both are read here as text, and what each installs and how it configures the image
// is compared: a change to one recipe that the other lacks fails this test.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), "utf8");

const dockerfile = parseDockerfile(read("images/simulation/Dockerfile"));
const script = parseScript(read("images/simulation/build-image.sh"));
const runtime = dockerfile.stage("runtime");

describe("the simulation image's two recipes", () => {
  it("install SUMO from the same requirements.txt, hash-checked, in the wheel's layout", () => {
    const sumo = dockerfile.stage("sumo");
    const requirementsCopy = sumo
      .argsOf("COPY")
      .map(words)
      .find((copy) => copy.length === 2);
    const dockerPip = words(sumo.run(/\bpip install /));
    expect(dockerPip).toEqual(expect.arrayContaining(["--require-hashes", "--no-compile"]));
    const docker = {
      requirements: requirementsCopy?.[0],
      target: optionValue(dockerPip, "--target"),
      requirementsInStage: optionValue(dockerPip, "-r"),
    };
    expect(docker.requirementsInStage).toBe(requirementsCopy?.[1]);
    // pip's wrappers of the programs need Python, which neither image has.
    expect(sumo.run(/\bpip install /)).toContain(`&& rm -r ${docker.target}/bin`);
    expect(script.line(/^\s*rm -r "\$\{rootfs:\?\}\$SUMO_TARGET\/bin"$/)).toBeTruthy();
    // The runtime stage takes the whole pip target, where the RPATH of SUMO's binaries expects it.
    expect(runtime.argsOf("COPY").map(words)).toContainEqual([
      "--from=sumo",
      docker.target,
      docker.target,
    ]);

    const scriptPip = words(script.line(/"\$work\/pip\/bin\/pip" install /));
    expect(scriptPip).toEqual(expect.arrayContaining(["--require-hashes", "--no-compile"]));
    expect(optionValue(scriptPip, "--target")).toBe("$rootfs$SUMO_TARGET");
    expect(optionValue(scriptPip, "-r")).toBe("$REQUIREMENTS");
    expect({
      requirements: script.path("REQUIREMENTS"),
      target: script.value("SUMO_TARGET"),
    }).toEqual({ requirements: docker.requirements, target: docker.target });
    expect(docker.requirements).toBe("images/simulation/requirements.txt");
  });

  it("point SUMO_HOME at the sumo package under that target, with its programs on PATH", () => {
    for (const { recipe, env, target } of [
      {
        recipe: "Dockerfile",
        env: dockerfile.env(),
        target: optionValue(words(dockerfile.stage("sumo").run(/\bpip install /)), "--target"),
      },
      { recipe: "build-image.sh", env: script.env(), target: script.value("SUMO_TARGET") },
    ]) {
      expect(env.SUMO_HOME, recipe).toBe(`${target}/sumo`);
      expect(env.PATH?.split(":")[0], recipe).toBe(`${env.SUMO_HOME}/bin`);
    }
  });

  it("install the same Debian packages, with the same path filters, on the same Debian release", () => {
    const install = runtime.run(/\bapt-get install /);
    const bind = install.match(/--mount=type=bind,source=(\S+),target=(\S+)/);
    const aptInstall = install.match(/apt-get install (.*?) &&/)?.[1] ?? "";
    expect(words(aptInstall)).toContain("--no-install-recommends");
    const packagesRead = aptInstall.match(/\$\(sed -e '(.*)' (\S+)\)/);
    expect(packagesRead?.[2], "apt-get reads the bind-mounted list").toBe(bind?.[2]);
    const excludesCopy = runtime
      .argsOf("COPY")
      .map(words)
      .find((copy) => copy[1]?.startsWith("/etc/dpkg/dpkg.cfg.d/"));
    const docker = {
      packages: bind?.[1],
      packagesFilter: packagesRead?.[1],
      excludes: excludesCopy?.[0],
      suite: runtime.from.match(/-(\w+)-slim$/)?.[1],
    };
    expect(docker).toEqual({
      packages: "images/simulation/debian-packages.txt",
      packagesFilter: "s/#.*//",
      excludes: "images/simulation/dpkg-excludes.cfg",
      suite: "bookworm",
    });

    const mmdebstrap = words(script.line(/\bmmdebstrap --verbose /));
    expect(mmdebstrap).toEqual(
      expect.arrayContaining([
        "--variant=essential",
        "--include=$packages",
        "--dpkgopt=$DPKG_EXCLUDES",
        "$DEBIAN_SUITE",
      ]),
    );
    expect({
      packages: script.path("DEBIAN_PACKAGES"),
      packagesFilter: script
        .line(/^\s*packages=\$\(sed /)
        .match(/sed -e '(.*)' "\$DEBIAN_PACKAGES"/)?.[1],
      excludes: script.path("DPKG_EXCLUDES"),
      suite: script.value("DEBIAN_SUITE"),
    }).toEqual(docker);

    // What that filter leaves of the list: package names.
    const packages = read("images/simulation/debian-packages.txt")
      .replace(/#.*/g, "")
      .split(/\s+/)
      .filter((name) => name !== "");
    expect(packages).toEqual(expect.arrayContaining(["libstdc++6", "libgl1", "coreutils"]));
    for (const name of packages) expect(name).toMatch(/^[a-z0-9][a-z0-9+.-]+$/);
  });

  it("run the Node.js version the Dockerfile names", () => {
    const nodeVersion = dockerfile.arg("NODE_VERSION");
    expect(nodeVersion).toMatch(/^\d+\.\d+\.\d+$/);
    for (const name of ["runner", "runtime"]) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's own ARG
      expect(dockerfile.stage(name).from).toBe("node:${NODE_VERSION}-bookworm-slim");
    }
    // build-image.sh reads it from the Dockerfile with this sed expression.
    const nodeRead = script
      .line(/^NODE_VERSION=\$\(sed /)
      .match(/sed -n '(.*)' "\$DOCKERFILE"/)?.[1];
    expect(script.path("DOCKERFILE")).toBe("images/simulation/Dockerfile");
    expect(sedPrint(nodeRead, dockerfile.text)).toEqual([nodeVersion]);
  });

  it("install the runner with the same pnpm command, from the same build context", () => {
    const runner = dockerfile.stage("runner");
    expect(runner.argsOf("WORKDIR")).toEqual(["/app"]);
    expect(runner.argsOf("COPY")).toContain(". .");
    const installArgs = (args: string | undefined) => withoutStoreDir(words(args ?? ""));
    const dockerInstall = installArgs(
      runner.run(/\bpnpm install /).match(/\bpnpm install\s+(.*)$/)?.[1],
    );
    expect(dockerInstall).toEqual(["--frozen-lockfile", "--prod", "--filter", "@sumo/runner..."]);
    const scriptInstall = installArgs(
      script.line(/"\$pnpm"\s+install /).match(/"\$pnpm"\s+install\s+(.*)$/)?.[1],
    );
    expect(scriptInstall).toEqual(dockerInstall);

    const dropServices = runner.run(/^find services /);
    expect(script.line(/\bfind services /).match(/\bfind services .*$/)?.[0]).toBe(dropServices);
    // Docker's build context is the repository less .dockerignore; build-image.sh stages the
    // same files (its file list applies .dockerignore) in the layer's /app.
    expect(script.text).toContain('readFileSync(path.join(root, ".dockerignore"), "utf8")');
    expect(script.line(/--null -T "\$context_list" -cf - \|/)).toContain('-C "$layer/app"');
    // The pnpm Docker's corepack runs is the workspace's packageManager; so is build-image.sh's.
    const pnpmRead = script
      .line(/^PNPM_VERSION=\$\(sed /)
      .match(/sed -n '(.*)' "\$REPO_ROOT\/package\.json"/)?.[1];
    const packageManager = JSON.parse(read("package.json")).packageManager as string;
    expect(sedPrint(pnpmRead, read("package.json"))).toEqual([packageManager.replace("pnpm@", "")]);
    expect(runner.run(/corepack enable/)).toBe("corepack enable");
  });

  it("write the same sumo-runner command", () => {
    const printfOf = (text: string) =>
      text.match(/printf '([^']*)' >\s*"?\S*\/usr\/local\/bin\/sumo-runner/)?.[1];
    const docker = printfOf(runtime.run(/\/usr\/local\/bin\/sumo-runner/));
    expect(docker).toBe('#!/bin/sh\\nexec node /app/packages/runner/src/main.ts "$@"\\n');
    expect(printfOf(script.text)).toBe(docker);
  });

  it("configure the image the same: entrypoint, user, working directory, environment", () => {
    const docker = {
      entrypoint: JSON.parse(runtime.last("ENTRYPOINT")) as string[],
      user: runtime.last("USER"),
      workdir: runtime.last("WORKDIR"),
      env: dockerfile.env(),
    };
    expect(docker).toEqual({
      entrypoint: ["sumo-runner"],
      user: "1000:1000",
      workdir: "/work",
      env: {
        SUMO_HOME: "/opt/sumo/sumo",
        PATH: "/opt/sumo/sumo/bin:/usr/local/bin:/usr/bin:/bin",
        NODE_ENV: "production",
      },
    });
    expect({
      entrypoint: [script.value("IMAGE_ENTRYPOINT")],
      user: script.value("IMAGE_USER"),
      workdir: script.value("IMAGE_WORKDIR"),
      env: script.env(),
    }).toEqual(docker);
    // ... and build-image.sh hands exactly those to umoci.
    const config = words(script.line(/\bumoci config --image "\$layout:\$IMAGE_TAG"/));
    expect(config).toEqual(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the script's own array
      expect.arrayContaining(["--clear=config.env", "--clear=config.cmd", "${env_options[@]}"]),
    );
    expect(optionValue(config, "--config.entrypoint")).toBe("$IMAGE_ENTRYPOINT");
    expect(optionValue(config, "--config.user")).toBe("$IMAGE_USER");
    expect(optionValue(config, "--config.workingdir")).toBe("$IMAGE_WORKDIR");
    expect(script.text).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the script's own array
      'for variable in "${IMAGE_ENV[@]}"; do env_options+=(--config.env "$variable"); done',
    );
  });
});

// --- reading the recipes -----------------------------------------------------------------------

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  name: string;
  /** The image the stage starts from. */
  from: string;
  instructions: Instruction[];
  argsOf(keyword: string): string[];
  /** The last instruction's arguments; throws when the stage has none. */
  last(keyword: string): string;
  /** The one RUN whose arguments match; throws unless exactly one does. */
  run(pattern: RegExp): string;
}

/** A Dockerfile's stages and instructions: continuation lines joined, comments dropped. */
function parseDockerfile(text: string) {
  const instructions = text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line): Instruction => {
      const [keyword = "", ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    });
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") {
      const [from = "", , name = ""] = instruction.args.split(/\s+/);
      stages.push(makeStage(name, from));
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  const stage = (name: string) => {
    const found = stages.find((s) => s.name === name);
    if (!found) throw new Error(`the Dockerfile has no stage ${name}`);
    return found;
  };
  return {
    text,
    stage,
    /** The default of a global ARG (before the first FROM). */
    arg(name: string) {
      return text.match(new RegExp(`^ARG ${name}=(\\S+)$`, "m"))?.[1];
    },
    /** The runtime stage's environment, from its ENV instructions. */
    env() {
      const env: Record<string, string> = {};
      for (const args of stage("runtime").argsOf("ENV")) {
        for (const pair of args.split(/\s+/)) {
          const [key = "", value = ""] = pair.split(/=(.*)/);
          env[key] = value;
        }
      }
      return env;
    },
  };
}

function makeStage(name: string, from: string): Stage {
  const instructions: Instruction[] = [];
  const argsOf = (keyword: string) =>
    instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
  return {
    name,
    from,
    instructions,
    argsOf,
    last(keyword) {
      const args = argsOf(keyword).at(-1);
      if (args === undefined) throw new Error(`stage ${name} has no ${keyword}`);
      return args;
    },
    run(pattern) {
      const runs = argsOf("RUN").filter((args) => pattern.test(args));
      if (runs.length !== 1) throw new Error(`stage ${name} has ${runs.length} RUN ${pattern}`);
      return runs[0] as string;
    },
  };
}

/** build-image.sh: its top-level assignments and its (continuation-joined) lines. */
function parseScript(source: string) {
  const text = source.replace(/\\\n\s*/g, " ");
  const value = (name: string) => {
    const match = text.match(new RegExp(`^${name}=(.*)$`, "m"));
    if (!match?.[1]) throw new Error(`build-image.sh sets no ${name}`);
    return match[1].replace(/^"(.*)"$/, "$1");
  };
  // lib.sh sets these: the images folder and the repository's root.
  const known: Record<string, string> = { IMAGES_DIR: "images", REPO_ROOT: "." };
  const expand = (raw: string): string =>
    raw.replace(/\$\{?(\w+)\}?/g, (_, name: string) => known[name] ?? expand(value(name)));
  return {
    text,
    value,
    /** A path-valued variable, expanded, relative to the repository's root. */
    path(name: string) {
      return path.posix.normalize(expand(value(name)));
    },
    /** The one line that matches; throws unless exactly one does. */
    line(pattern: RegExp) {
      const lines = text.split("\n").filter((line) => pattern.test(line));
      if (lines.length !== 1)
        throw new Error(`build-image.sh has ${lines.length} lines ${pattern}`);
      return lines[0] as string;
    },
    /** IMAGE_ENV, the image's environment. */
    env() {
      const body = source.match(/^IMAGE_ENV=\(\n([\s\S]*?)\n\)$/m)?.[1];
      if (body === undefined) throw new Error("build-image.sh sets no IMAGE_ENV");
      const env: Record<string, string> = {};
      for (const entry of body.split("\n").map((line) => line.trim().replace(/^"(.*)"$/, "$1"))) {
        const [key = "", val = ""] = entry.split(/=(.*)/);
        env[key] = val;
      }
      return env;
    },
  };
}

/** Shell words, split on blanks, double quotes removed (the recipes quote no blanks). */
function words(command: string): string[] {
  return command
    .trim()
    .split(/\s+/)
    .map((word) => word.replaceAll('"', ""));
}

function optionValue(args: string[], option: string): string | undefined {
  const index = args.indexOf(option);
  return index === -1 ? undefined : args[index + 1];
}

function withoutStoreDir(args: string[]): string[] {
  const index = args.indexOf("--store-dir");
  return index === -1 ? args : [...args.slice(0, index), ...args.slice(index + 2)];
}

/** What `sed -n '<expression>'` prints for a text, for an `s/<regex>/\1/p` expression. */
function sedPrint(expression: string | undefined, text: string): string[] {
  const match = expression?.match(/^s\/(.*)\/\\1\/p$/);
  if (!match?.[1]) throw new Error(`not an s/.../\\1/p expression: ${expression}`);
  const regex = new RegExp(match[1].replace(/\\([()])/g, "$1"));
  return text.split("\n").flatMap((line) => {
    const found = line.match(regex);
    return found?.[1] === undefined ? [] : [found[1]];
  });
}
