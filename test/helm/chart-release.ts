// A release of the chart in the test cluster, in a namespace of its own: the namespace (Pod
// Security "restricted" enforced, so a non-compliant pod is refused), the Secrets the chart
// expects, `helm install`/`upgrade`, and cleanup.
import { randomBytes } from "node:crypto";
import { AppsV1Api, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { CHART_DIR, type ChartValues, helm, valuesArgs } from "./helm-cli.ts";

/** What `helm status -o json` says about a release (the parts the tests read). */
export interface ReleaseStatus {
  name: string;
  namespace: string;
  version: number;
  info: { status: string };
  hooks?: {
    name: string;
    kind: string;
    events: string[];
    last_run?: { phase?: string };
  }[];
}

export interface ChartReleaseOptions {
  /** Prefix of the release and namespace names; a random suffix follows. */
  prefix: string;
  /**
   * The Secrets the values name (database URL, admin token), each created with one key and a
   * made-up value. Default: the chart's default names and keys.
   */
  secrets?: { name: string; key: string }[];
}

const DEFAULT_SECRETS = [
  { name: "sumo-k8-database", key: "url" },
  { name: "sumo-k8-admin", key: "token" },
];

export class ChartRelease {
  readonly release: string;
  readonly namespace: string;
  readonly #core: CoreV1Api;
  readonly #apps: AppsV1Api;
  readonly #options: ChartReleaseOptions;

  constructor(admin: KubeConfig, options: ChartReleaseOptions) {
    const suffix = randomBytes(3).toString("hex");
    this.release = `${options.prefix}-${suffix}`;
    this.namespace = `${options.prefix}-${suffix}`;
    this.#core = admin.makeApiClient(CoreV1Api);
    this.#apps = admin.makeApiClient(AppsV1Api);
    this.#options = options;
  }

  /** Creates the namespace and the Secrets the chart references (it never creates them). */
  async prepare(): Promise<void> {
    await this.#core.createNamespace({
      body: {
        metadata: {
          name: this.namespace,
          labels: {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
          },
        },
      },
    });
    for (const secret of this.#options.secrets ?? DEFAULT_SECRETS) {
      await this.#core.createNamespacedSecret({
        namespace: this.namespace,
        body: {
          metadata: { name: secret.name },
          stringData: { [secret.key]: `made-up-${randomBytes(12).toString("hex")}` },
        },
      });
    }
  }

  /**
   * `helm install --wait`: hooks (the migration Job) must succeed and every Deployment become
   * available. The local cluster's pods run nothing but do go Running and Ready.
   */
  async install(values: ChartValues = {}): Promise<ReleaseStatus> {
    await helm(this.#installArgs("install", values));
    return this.status();
  }

  async upgrade(values: ChartValues = {}): Promise<ReleaseStatus> {
    await helm(this.#installArgs("upgrade", values));
    return this.status();
  }

  async status(): Promise<ReleaseStatus> {
    const { stdout } = await helm([
      "status",
      this.release,
      "--namespace",
      this.namespace,
      "-o",
      "json",
    ]);
    return JSON.parse(stdout) as ReleaseStatus;
  }

  /**
   * The environment variables with a literal value that the release gives a service's
   * container (those from Secrets or fields are left out): what a process run outside the
   * cluster needs to act as that service of this release.
   */
  async serviceEnv(
    component: "api" | "admin" | "scheduler" | "reconciler",
  ): Promise<Record<string, string>> {
    const deployments = await this.#apps.listNamespacedDeployment({
      namespace: this.namespace,
      labelSelector: `app.kubernetes.io/instance=${this.release},app.kubernetes.io/component=${component}`,
    });
    const env = deployments.items[0]?.spec?.template.spec?.containers[0]?.env;
    if (!env) throw new Error(`no Deployment of ${component} in release ${this.release}`);
    return Object.fromEntries(
      env.flatMap((variable) =>
        variable.value === undefined ? [] : [[variable.name, variable.value]],
      ),
    );
  }

  /** Uninstalls the release (its cluster-scoped objects too) and deletes the namespace. */
  async remove(): Promise<void> {
    await helm([
      "uninstall",
      this.release,
      "--namespace",
      this.namespace,
      "--wait",
      "--timeout",
      "2m",
    ]).catch(() => undefined);
    await this.#core.deleteNamespace({ name: this.namespace }).catch(() => undefined);
  }

  #installArgs(command: "install" | "upgrade", values: ChartValues): string[] {
    return [
      command,
      this.release,
      CHART_DIR,
      "--namespace",
      this.namespace,
      "--wait",
      "--timeout",
      "3m",
      ...valuesArgs(values),
    ];
  }
}
