import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type ConfigFile,
  configFilePath,
  readConfigFile,
  resolveConnection,
  writeConfigFile,
} from "./config-file.ts";
import { UsageError } from "./exit-codes.ts";

describe("configFilePath", () => {
  it("is under XDG_CONFIG_HOME when set, else ~/.config", () => {
    expect(configFilePath({ XDG_CONFIG_HOME: "/x", HOME: "/home/a" })).toBe(
      "/x/sumo-k8/config.json",
    );
    expect(configFilePath({ HOME: "/home/a" })).toBe("/home/a/.config/sumo-k8/config.json");
    expect(() => configFilePath({})).toThrow(UsageError);
  });
});

describe("the profiles file", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "sumo-k8-config-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("is written mode 600 in a folder of its own, and read back", async () => {
    const file = path.join(dir, "sumo-k8", "config.json");
    const config: ConfigFile = {
      current_profile: "lab",
      profiles: { lab: { api_url: "http://127.0.0.1:8080", api_key: "sumo_abc" } },
    };
    await writeConfigFile(file, config);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect(await readConfigFile(file)).toEqual(config);
  });

  it("is empty when there is none", async () => {
    expect(await readConfigFile(path.join(dir, "none.json"))).toEqual({ profiles: {} });
  });

  it("is refused when others may read it, saying how to fix it", async () => {
    const file = path.join(dir, "config.json");
    await writeFile(file, "{}");
    await chmod(file, 0o640);
    await expect(readConfigFile(file)).rejects.toThrow(
      `${file} is open to other users (mode 640) and holds credentials: refusing to read it. Make it yours alone: chmod 600 ${file}`,
    );
  });

  it("is refused, naming the problem, when it is not a profiles file", async () => {
    const file = path.join(dir, "config.json");
    await writeFile(file, JSON.stringify({ profiles: { lab: { api_url: "nope" } } }), {
      mode: 0o600,
    });
    await expect(readConfigFile(file)).rejects.toThrow(/profiles\.lab\.api_url/);
    await writeFile(file, "{", { mode: 0o600 });
    await expect(readConfigFile(file)).rejects.toThrow(/is not JSON/);
    expect(await readFile(file, "utf8")).toBe("{");
  });
});

describe("resolveConnection", () => {
  const config: ConfigFile = {
    current_profile: "lab",
    profiles: {
      lab: { api_url: "http://lab:8080", api_key: "sumo_lab" },
      prod: { api_url: "http://prod:8080", api_key: "sumo_prod", admin_url: "http://prod:8081" },
    },
  };

  it("takes the flag, then the variable, then the chosen profile", () => {
    expect(resolveConnection("tenant", {}, {}, config, "f")).toEqual({
      baseUrl: "http://lab:8080",
      credential: "sumo_lab",
    });
    expect(
      resolveConnection(
        "tenant",
        {},
        { SUMO_K8_API_URL: "http://env:1", SUMO_K8_API_KEY: "k" },
        config,
        "f",
      ),
    ).toEqual({ baseUrl: "http://env:1", credential: "k" });
    expect(
      resolveConnection(
        "tenant",
        { apiUrl: "http://flag:1" },
        { SUMO_K8_API_URL: "http://env:1" },
        config,
        "f",
      ),
    ).toEqual({ baseUrl: "http://flag:1", credential: "sumo_lab" });
    expect(resolveConnection("tenant", { profile: "prod" }, {}, config, "f").credential).toBe(
      "sumo_prod",
    );
    expect(resolveConnection("tenant", {}, { SUMO_K8_PROFILE: "prod" }, config, "f").baseUrl).toBe(
      "http://prod:8080",
    );
  });

  it("says what to set when something is missing, and which profiles there are", () => {
    expect(() => resolveConnection("admin", {}, {}, config, "/c.json")).toThrow(
      'no admin API URL: give --admin-url, set SUMO_K8_ADMIN_URL, or set admin_url in profile "lab" in /c.json',
    );
    expect(() => resolveConnection("admin", { profile: "prod" }, {}, config, "/c.json")).toThrow(
      'no admin token: set SUMO_K8_ADMIN_TOKEN, or set admin_token in profile "prod" in /c.json',
    );
    expect(() => resolveConnection("tenant", { profile: "x" }, {}, config, "/c.json")).toThrow(
      'no profile "x" in /c.json (it has: lab, prod)',
    );
  });
});
