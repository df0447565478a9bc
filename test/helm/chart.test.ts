// The Helm chart (helm/sumo-k8) rendered with the default values, with every option on and
// with the optional parts off: helm lint, the values schema, what each rendering contains,
// and every rendered object checked by the local cluster's own apiserver (strict server-side
// dry run, in a namespace that warns on anything short of Pod Security "restricted").
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  CoreV1Api,
  type KubernetesObject,
  type V1ClusterRole,
  type V1ClusterRoleBinding,
  type V1Deployment,
  type V1Job,
  type V1NetworkPolicy,
  type V1NetworkPolicySpec,
  type V1PodSpec,
  type V2HorizontalPodAutoscaler,
} from "@kubernetes/client-node";
import { loadKubeConfig } from "@sumo/kubernetes";
import { DEFAULT_SIMULATION_IMAGE } from "@sumo/scenario";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../platform.ts";
import {
  CHART_DIR,
  type ChartValues,
  EVERYTHING_VALUES,
  helm,
  helmBinary,
  KUBECONFIG_PATH,
  kubectl,
  renderChart,
} from "./helm-cli.ts";

const SERVICES = ["api", "admin", "scheduler", "reconciler"] as const;
const admin = loadKubeConfig({ kubeconfigPath: KUBECONFIG_PATH });
const core = admin.makeApiClient(CoreV1Api);
const dryRunNamespace = `helm-dry-run-${process.pid}`;

/** The optional parts off: no metrics, services migrate at boot, no admission policy. */
const MINIMAL: ChartValues = {
  set: {
    metrics: { enabled: false, port: 9464, path: "/metrics", scrapeAnnotations: false },
    "migrations.enabled": false,
    "scheduler.admissionPolicy.enabled": false,
  },
};

const VARIANTS: [string, ChartValues][] = [
  ["the default values", {}],
  ["every option on", { valuesFiles: [EVERYTHING_VALUES] }],
  ["the optional parts off", MINIMAL],
];

function ofKind<T extends KubernetesObject>(objects: KubernetesObject[], kind: string): T[] {
  return objects.filter((object) => object.kind === kind) as T[];
}

function named<T extends KubernetesObject>(objects: T[], name: string): T {
  const found = objects.find((object) => object.metadata?.name === name);
  if (!found) {
    throw new Error(`no ${name} among ${objects.map((o) => o.metadata?.name).join(", ")}`);
  }
  return found;
}

function podSpecs(objects: KubernetesObject[]): [string, V1PodSpec][] {
  return [...ofKind<V1Deployment>(objects, "Deployment"), ...ofKind<V1Job>(objects, "Job")].map(
    (workload) => [
      `${workload.kind}/${workload.metadata?.name}`,
      workload.spec?.template.spec as V1PodSpec,
    ],
  );
}

function envOf(deployment: V1Deployment): Map<string, string | undefined> {
  const env = deployment.spec?.template.spec?.containers[0]?.env ?? [];
  return new Map(env.map((variable) => [variable.name, variable.value]));
}

beforeAll(async () => {
  // The first run on a machine builds helm (minutes): here, under the hook's longer timeout.
  await helmBinary();
  await core.createNamespace({
    body: {
      metadata: {
        name: dryRunNamespace,
        labels: {
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/warn": "restricted",
          "pod-security.kubernetes.io/warn-version": "latest",
        },
      },
    },
  });
}, 600_000);

afterAll(async () => {
  await core.deleteNamespace({ name: dryRunNamespace }).catch(() => undefined);
});

describe("helm lint", () => {
  it.each(VARIANTS)("passes --strict with %s", async (_, values) => {
    const args = ["lint", "--strict", CHART_DIR];
    for (const file of values.valuesFiles ?? []) args.push("-f", file);
    for (const [key, value] of Object.entries(values.set ?? {})) {
      args.push("--set-json", `${key}=${JSON.stringify(value)}`);
    }
    const { stdout } = await helm(args);
    expect(stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
  });
});

describe("values.schema.json", () => {
  it.each([
    [{ "api.replicaCount": 2 }, "additional properties 'replicaCount' not allowed"],
    [{ "api.replicas": "two" }, "/api/replicas"],
    [{ "scheduler.config.workerConcurrency": 200 }, "/scheduler/config/workerConcurrency"],
    [{ "reconciler.config.resyncIntervalSeconds": 60 }, "/reconciler/config/resyncIntervalSeconds"],
    [{ "api.config.port": 9000 }, "additional properties 'port' not allowed"],
    [{ "database.existingSecret": "" }, "/database/existingSecret"],
    [{ "admin.auth.tokenKey": "not a key" }, "/admin/auth/tokenKey"],
    [{ "metrics.port": 8080 }, "/metrics/port"],
    [{ "securityContext.runAsUser": 0 }, "/securityContext/runAsUser"],
    [{ "nodePool.consolidateAfter": "1 minute" }, "/nodePool/consolidateAfter"],
    [
      { "api.podDisruptionBudget.maxUnavailable": "half" },
      "/api/podDisruptionBudget/maxUnavailable",
    ],
    [{ "api.service.type": "ExternalName" }, "/api/service/type"],
    [
      { "scheduler.config.simulationImage": "sumo:1.28 --privileged" },
      "/scheduler/config/simulationImage",
    ],
    [
      { "scheduler.config.simulationImage": "sumo@sha256:abc" },
      "/scheduler/config/simulationImage",
    ],
    [{ "scheduler.config.simulationWorkStorage": "2G" }, "/scheduler/config/simulationWorkStorage"],
    // No labels would select every namespace: tenants could reach any pod's port 53.
    [{ "clusterDns.namespaceSelector": "" }, "/clusterDns/namespaceSelector"],
    [{ "clusterDns.podSelector": "k8s-app in (kube-dns)" }, "/clusterDns/podSelector"],
    [{ "networkPolicy.ingress.api": [{}] }, "/networkPolicy/ingress/api/0"],
    [{ "networkPolicy.egress.database.ports": [] }, "/networkPolicy/egress/database/ports"],
  ])("refuses %j", async (set, message) => {
    await expect(renderChart("schema", "schema", { set })).rejects.toThrow(message);
  });

  it("maps each service's config onto exactly the variables its env.ts reads", async () => {
    const schema = JSON.parse(readFileSync(path.join(CHART_DIR, "values.schema.json"), "utf8"));
    // Set by the chart itself, or meaningless in a pod (where every listener binds 0.0.0.0).
    const setByChart = new Set([
      "DATABASE_URL",
      "MIGRATE_ON_START",
      "METRICS_PORT",
      "HOST",
      "PORT",
      "ADMIN_TOKEN",
      // The scheduler's, from the release's names and clusterDns.
      "TENANT_ROLE_BINDINGS",
      "TENANT_DNS_NAMESPACE_SELECTOR",
      "TENANT_DNS_POD_SELECTOR",
    ]);
    const notSettings = new Set([
      "KUBECONFIG",
      "KUBERNETES_SERVICE_HOST",
      "METRICS_HOST",
      // Where the api's image keeps its built console: the image's layout, not a deployment's.
      "CONSOLE_DIR",
    ]);
    for (const service of SERVICES) {
      const envFile = path.join(REPO_ROOT, "services", service, "src/env.ts");
      const module: Record<string, unknown> = await import(pathToFileURL(envFile).href);
      const envSchema = Object.values(module).find(
        (value): value is { shape: Record<string, unknown> } =>
          typeof value === "object" && value !== null && "shape" in value,
      );
      expect(envSchema, `a zod object schema exported by ${envFile}`).toBeDefined();
      const variables = new Set(Object.keys(envSchema?.shape ?? {}));
      const configKeys = Object.keys(schema.properties[service].properties.config.properties);
      const configured = configKeys.map((key) =>
        key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase(),
      );
      for (const variable of configured) {
        expect(variables, `${service}.config sets ${variable}`).toContain(variable);
      }
      const unreachable = [...variables].filter(
        (v) => !configured.includes(v) && !setByChart.has(v) && !notSettings.has(v),
      );
      expect(unreachable, `${service} settings the chart cannot set`).toEqual([]);
    }
  });

  it("is documented value by value in the chart's README", () => {
    const schema = JSON.parse(readFileSync(path.join(CHART_DIR, "values.schema.json"), "utf8"));
    const readme = readFileSync(path.join(CHART_DIR, "README.md"), "utf8");
    const documented = [...readme.matchAll(/^\| `([^`]+)` \|/gm)].flatMap(([, key]) =>
      key?.startsWith("<service>.") ? SERVICES.map((s) => key.replace("<service>", s)) : [key],
    );

    // Every value the schema allows, as a dotted path; maps and Kubernetes structures are leaves.
    const leaves: string[] = [];
    const walk = (node: any, prefix: string) => {
      const resolved = node.$ref ? schema.definitions[node.$ref.split("/").at(-1)] : node;
      if (resolved.type === "object" && resolved.properties) {
        for (const [key, child] of Object.entries(resolved.properties)) {
          walk(child, prefix ? `${prefix}.${key}` : key);
        }
      } else {
        leaves.push(prefix);
      }
    };
    walk(schema, "");

    const covers = (row: string, leaf: string) => leaf === row || leaf.startsWith(`${row}.`);
    const undocumented = leaves.filter(
      (leaf) => leaf !== "global" && !documented.some((row) => row && covers(row, leaf)),
    );
    expect(undocumented).toEqual([]);
    const unknown = documented.filter(
      (row) => !leaves.some((leaf) => row && (covers(row, leaf) || covers(leaf, row))),
    );
    expect(unknown).toEqual([]);
  });
});

describe("the simulation image", () => {
  it("is accepted by digest as well as by tag", async () => {
    const image = `registry.example.com/sumo/simulation@sha256:${"a1".repeat(32)}`;
    const { objects } = await renderChart("digest", "platform", {
      set: { "scheduler.config.simulationImage": image },
    });
    const scheduler = named(
      ofKind<V1Deployment>(objects, "Deployment"),
      "digest-sumo-k8-scheduler",
    );
    expect(envOf(scheduler).get("SIMULATION_IMAGE")).toBe(image);
  });
});

describe("the rendered chart", () => {
  it("makes each service's objects with the default values, and nothing optional", async () => {
    const { objects } = await renderChart("sumo", "platform");
    const names = (kind: string) =>
      ofKind(objects, kind)
        .map((object) => object.metadata?.name)
        .sort();
    const perService = SERVICES.map((service) => `sumo-sumo-k8-${service}`).sort();
    expect(names("Deployment")).toEqual(perService);
    expect(names("ServiceAccount")).toEqual(perService);
    // The api reads only in tenant namespaces, where the scheduler binds its tenant role; the
    // reconciler reads logs there too, and watches cluster-wide.
    expect(names("ClusterRole")).toEqual([
      "sumo-sumo-k8-admin",
      "sumo-sumo-k8-api-tenant",
      "sumo-sumo-k8-reconciler",
      "sumo-sumo-k8-reconciler-tenant",
      "sumo-sumo-k8-scheduler",
    ]);
    expect(names("ClusterRoleBinding")).toEqual([
      "sumo-sumo-k8-admin",
      "sumo-sumo-k8-reconciler",
      "sumo-sumo-k8-scheduler",
    ]);
    expect(names("NetworkPolicy")).toEqual(perService);
    expect(names("Service")).toEqual(["sumo-sumo-k8-admin", "sumo-sumo-k8-api"]);
    expect(names("Job")).toEqual(["sumo-sumo-k8-migrations"]);
    expect(names("ValidatingAdmissionPolicy")).toEqual(["sumo-sumo-k8-scheduler-confinement"]);
    for (const kind of ["HorizontalPodAutoscaler", "PodDisruptionBudget", "NodePool", "Secret"]) {
      expect(names(kind), kind).toEqual([]);
    }

    const migrations = named(ofKind<V1Job>(objects, "Job"), "sumo-sumo-k8-migrations");
    expect(migrations.metadata?.annotations?.["helm.sh/hook"]).toBe("pre-install,pre-upgrade");
    expect(migrations.spec?.template.spec?.containers[0]?.command).toEqual([
      "node",
      "/app/packages/db/src/migrate-command.ts",
    ]);
    // One role for both unless database.migration names another.
    expect(
      migrations.spec?.template.spec?.containers[0]?.env?.map((v) => [
        v.name,
        v.valueFrom?.secretKeyRef?.name,
      ]),
    ).toEqual([["DATABASE_URL", "sumo-k8-database"]]);
    const api = named(ofKind<V1Deployment>(objects, "Deployment"), "sumo-sumo-k8-api");
    expect(api.spec?.replicas).toBe(2);
    expect(envOf(api).get("MIGRATE_ON_START")).toBe("false");
    // The chart names the same simulation image, at the pinned SUMO, as the scheduler's default.
    const scheduler = named(ofKind<V1Deployment>(objects, "Deployment"), "sumo-sumo-k8-scheduler");
    expect(envOf(scheduler).get("SIMULATION_IMAGE")).toBe(DEFAULT_SIMULATION_IMAGE);
    expect(Object.fromEntries(envOf(scheduler))).toMatchObject({
      TENANT_ROLE_BINDINGS:
        "sumo-sumo-k8-api-tenant=platform/sumo-sumo-k8-api,sumo-sumo-k8-reconciler-tenant=platform/sumo-sumo-k8-reconciler",
      TENANT_DNS_NAMESPACE_SELECTOR: "kubernetes.io/metadata.name=kube-system",
      TENANT_DNS_POD_SELECTOR: "k8s-app=kube-dns",
    });
    expect(envOf(api).get("METRICS_PORT")).toBe("9464");
    expect(api.spec?.template.metadata?.annotations).toMatchObject({
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "9464",
      "prometheus.io/path": "/metrics",
    });
  });

  it("turns every option on with values/everything", async () => {
    const { objects } = await renderChart("big", "platform", { valuesFiles: [EVERYTHING_VALUES] });
    const deployments = ofKind<V1Deployment>(objects, "Deployment");
    const hpas = ofKind<V2HorizontalPodAutoscaler>(objects, "HorizontalPodAutoscaler");
    expect(hpas.map((hpa) => hpa.spec?.scaleTargetRef.name).sort()).toEqual(
      SERVICES.map((service) => `big-sim-${service}`).sort(),
    );
    // Replicas belong to the autoscaler once it is on.
    for (const deployment of deployments) expect(deployment.spec?.replicas).toBeUndefined();
    const apiHpa = named(hpas, "big-sim-api");
    expect(apiHpa.spec).toMatchObject({ minReplicas: 3, maxReplicas: 12 });
    expect(apiHpa.spec?.metrics?.map((m) => m.resource?.name)).toEqual(["cpu", "memory"]);
    expect(ofKind(objects, "PodDisruptionBudget")).toHaveLength(4);

    const nodePool = named(ofKind<any>(objects, "NodePool"), "big-sim-simulations");
    expect(nodePool.spec.limits).toEqual({ cpu: "16", memory: "64Gi" });
    expect(nodePool.spec.disruption).toEqual({
      consolidationPolicy: "WhenEmpty",
      consolidateAfter: "90s",
    });
    expect(nodePool.spec.template.spec.nodeClassRef).toEqual({
      group: "karpenter.kwok.sh",
      kind: "KWOKNodeClass",
      name: "default",
    });

    const api = named(deployments, "big-sim-api");
    const container = api.spec?.template.spec?.containers[0];
    expect(container?.image).toBe("registry.example.com/sumo/api:1.2.4");
    expect(named(deployments, "big-sim-admin").spec?.template.spec?.containers[0]?.image).toBe(
      "registry.example.com/sumo/admin:1.2.3",
    );
    expect(Object.fromEntries(envOf(api))).toMatchObject({
      LOG_LEVEL: "debug",
      DATABASE_POOL_SIZE: "30",
      DATABASE_STATEMENT_TIMEOUT_MS: "20000",
      BODY_LIMIT_BYTES: "2097152",
      SHUTDOWN_GRACE_SECONDS: "15",
      METRICS_PORT: "9500",
      NODE_OPTIONS: "--max-old-space-size=400",
    });
    expect(container?.env?.find((v) => v.name === "DATABASE_URL")?.valueFrom).toEqual({
      secretKeyRef: { name: "platform-postgres", key: "connection-string" },
    });
    const scheduler = named(deployments, "big-sim-scheduler");
    expect(envOf(scheduler).get("SIMULATION_IMAGE")).toBe("registry.example.com/sumo/sumo:1.24.0");
    expect(envOf(scheduler).get("JOB_TTL_SECONDS_AFTER_FINISHED")).toBe("300");
    // The workers are probed on their metrics listener; Prometheus scrapes its path.
    const schedulerContainer = scheduler.spec?.template.spec?.containers[0];
    expect(schedulerContainer?.livenessProbe?.httpGet).toEqual({
      path: "/healthz",
      port: "metrics",
    });
    expect(schedulerContainer?.readinessProbe?.httpGet).toEqual({
      path: "/readyz",
      port: "metrics",
    });
    expect(scheduler.spec?.template.metadata?.annotations?.["prometheus.io/path"]).toBe(
      "/prometheus",
    );
    // The hook migrates as the owning role and grants the services' role (DATABASE_SERVICE_URL).
    const migrate = named(ofKind<V1Job>(objects, "Job"), "big-sim-migrations").spec?.template.spec
      ?.containers[0]?.env;
    expect(migrate?.map((v) => [v.name, v.valueFrom?.secretKeyRef?.name])).toEqual([
      ["DATABASE_URL", "platform-postgres-owner"],
      ["DATABASE_SERVICE_URL", "platform-postgres"],
    ]);
    for (const deployment of deployments) {
      const env = deployment.spec?.template.spec?.containers[0]?.env ?? [];
      expect(env.find((v) => v.name === "DATABASE_URL")?.valueFrom?.secretKeyRef?.name).toBe(
        "platform-postgres",
      );
    }
    const adminToken = named(deployments, "big-sim-admin").spec?.template.spec?.containers[0]?.env;
    expect(adminToken?.find((v) => v.name === "ADMIN_TOKEN")?.valueFrom).toEqual({
      secretKeyRef: { name: "platform-admin", key: "admin-token" },
    });
  });

  it("leaves probes on the metrics port out when metrics are off, and migrates at boot", async () => {
    const { objects } = await renderChart("small", "platform", MINIMAL);
    const deployments = ofKind<V1Deployment>(objects, "Deployment");
    expect(ofKind(objects, "Job")).toEqual([]);
    expect(ofKind(objects, "ValidatingAdmissionPolicy")).toEqual([]);
    for (const deployment of deployments) {
      const container = deployment.spec?.template.spec?.containers[0];
      expect((container?.ports ?? []).map((p) => p.name)).not.toContain("metrics");
      expect(envOf(deployment).get("MIGRATE_ON_START")).toBe("true");
      expect(envOf(deployment).has("METRICS_PORT")).toBe(false);
      expect(deployment.spec?.template.metadata?.annotations).toBeUndefined();
    }
    // Without metrics the workers serve nothing to probe; the HTTP services keep their probes.
    const scheduler = named(deployments, "small-sumo-k8-scheduler").spec?.template.spec;
    expect(scheduler?.containers[0]?.livenessProbe).toBeUndefined();
    const api = named(deployments, "small-sumo-k8-api").spec?.template.spec?.containers[0];
    expect(api?.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "http" });
  });

  it.each(VARIANTS)(
    "runs every pod non-root, read-only, without capabilities (%s)",
    async (_, values) => {
      const { objects } = await renderChart("sec", "platform", values);
      const specs = podSpecs(objects);
      // Four Deployments, and the migration Job unless it is off.
      expect(specs.length).toBe(values === MINIMAL ? 4 : 5);
      for (const [workload, spec] of specs) {
        expect(spec.securityContext, workload).toMatchObject({
          runAsNonRoot: true,
          seccompProfile: { type: "RuntimeDefault" },
        });
        expect(spec.securityContext?.runAsUser, workload).toBeGreaterThan(0);
        for (const container of spec.containers) {
          expect(container.securityContext, workload).toEqual({
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
          });
          expect(container.resources?.requests, workload).toBeDefined();
          // Secrets are referenced, never inlined.
          for (const variable of container.env ?? []) {
            if (["DATABASE_URL", "ADMIN_TOKEN"].includes(variable.name)) {
              expect(variable.value, `${workload} ${variable.name}`).toBeUndefined();
              expect(
                variable.valueFrom?.secretKeyRef,
                `${workload} ${variable.name}`,
              ).toBeDefined();
            }
          }
        }
      }
    },
  );

  it("grants no wildcards, no Secrets, no escalate or impersonate, bind only on the tenant roles, and deletes only the scheduler's of Jobs", async () => {
    const { objects } = await renderChart("rbac", "platform", { valuesFiles: [EVERYTHING_VALUES] });
    const roles = ofKind<V1ClusterRole>(objects, "ClusterRole");
    expect(roles).toHaveLength(5);
    for (const role of roles) {
      for (const rule of role.rules ?? []) {
        const name = role.metadata?.name;
        const all = [
          ...(rule.apiGroups ?? []),
          ...(rule.resources ?? []),
          ...rule.verbs,
          ...(rule.resourceNames ?? []),
        ];
        expect(all, `${name}: ${JSON.stringify(rule)}`).not.toContain("*");
        expect(rule.resources ?? [], name).not.toContain("secrets");
        for (const verb of ["escalate", "impersonate", "deletecollection"]) {
          expect(rule.verbs, name).not.toContain(verb);
        }
        // The scheduler binds the api's and the reconciler's tenant roles in tenant namespaces.
        if (rule.verbs.includes("bind")) {
          expect({ name, rule }).toEqual({
            name: "rbac-sim-scheduler",
            rule: {
              apiGroups: ["rbac.authorization.k8s.io"],
              resources: ["clusterroles"],
              verbs: ["bind"],
              resourceNames: ["rbac-sim-api-tenant", "rbac-sim-reconciler-tenant"],
            },
          });
        }
        // Deleting a cancelled job's Kubernetes Job; its admission policy holds the rest.
        if (rule.verbs.includes("delete")) {
          expect({ name, apiGroups: rule.apiGroups, resources: rule.resources }).toEqual({
            name: "rbac-sim-scheduler",
            apiGroups: ["batch"],
            resources: ["jobs"],
          });
        }
      }
    }
    // Logs are read only through the tenant roles, which no ClusterRoleBinding grants.
    const logReaders = roles
      .filter((role) => role.rules?.some((rule) => rule.resources?.includes("pods/log")))
      .map((role) => role.metadata?.name)
      .sort();
    expect(logReaders).toEqual(["rbac-sim-api-tenant", "rbac-sim-reconciler-tenant"]);
    const bound = ofKind<V1ClusterRoleBinding>(objects, "ClusterRoleBinding").map(
      (binding) => binding.roleRef.name,
    );
    expect(bound.filter((role) => logReaders.includes(role))).toEqual([]);
  });
});

describe("the platform's NetworkPolicies", () => {
  /** Each service's policy spec as rendered (the client's typed objects call `from` `_from`). */
  function policies(objects: KubernetesObject[]): Record<string, V1NetworkPolicySpec & any> {
    return Object.fromEntries(
      ofKind<V1NetworkPolicy>(objects, "NetworkPolicy").map((policy) => [
        policy.metadata?.labels?.["app.kubernetes.io/component"],
        JSON.parse(JSON.stringify(policy.spec).replaceAll('"_from":', '"from":')),
      ]),
    );
  }
  const DNS = {
    to: [
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
        podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
      },
    ],
    ports: [
      { port: 53, protocol: "UDP" },
      { port: 53, protocol: "TCP" },
    ],
  };
  const MONITORING = [
    { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
  ];

  it("open the http ports, the metrics port only to monitoring, and let out only DNS, the API server and PostgreSQL", async () => {
    const { objects } = await renderChart("np", "platform");
    const specs = policies(objects);
    expect(Object.keys(specs).sort()).toEqual([...SERVICES].sort());
    const metrics = { ports: [{ port: "metrics", protocol: "TCP" }], from: MONITORING };
    const egress = [
      DNS,
      {
        ports: [
          { port: 443, protocol: "TCP" },
          { port: 6443, protocol: "TCP" },
        ],
        to: [{ ipBlock: { cidr: "0.0.0.0/0" } }],
      },
      { ports: [{ port: 5432, protocol: "TCP" }], to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] },
    ];
    for (const service of SERVICES) {
      const spec = specs[service];
      expect(spec?.podSelector, service).toEqual({
        matchLabels: {
          "app.kubernetes.io/name": "sumo-k8",
          "app.kubernetes.io/instance": "np",
          "app.kubernetes.io/component": service,
        },
      });
      expect(spec?.policyTypes, service).toEqual(["Ingress", "Egress"]);
      expect(spec?.egress, service).toEqual(egress);
      const http = [{ ports: [{ port: "http", protocol: "TCP" }] }];
      expect(spec?.ingress, service).toEqual(
        service === "api" || service === "admin" ? [...http, metrics] : [metrics],
      );
    }
  });

  it("take their sources and destinations from the values", async () => {
    const ingressController = [
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } },
        podSelector: { matchLabels: { "app.kubernetes.io/name": "ingress-nginx" } },
      },
    ];
    const database = [{ ipBlock: { cidr: "10.20.0.0/16" } }];
    const { objects } = await renderChart("np", "platform", {
      set: {
        "networkPolicy.ingress.api": ingressController,
        "networkPolicy.egress.database": { to: database, ports: [6432] },
        clusterDns: { namespaceSelector: "dns=yes", podSelector: "app=coredns" },
      },
    });
    const specs = policies(objects);
    expect(specs.api?.ingress?.[0]).toEqual({
      ports: [{ port: "http", protocol: "TCP" }],
      from: ingressController,
    });
    expect(specs.admin?.ingress?.[0]).toEqual({ ports: [{ port: "http", protocol: "TCP" }] });
    for (const service of SERVICES) {
      expect(specs[service]?.egress?.[0]?.to, service).toEqual([
        {
          namespaceSelector: { matchLabels: { dns: "yes" } },
          podSelector: { matchLabels: { app: "coredns" } },
        },
      ]);
      expect(specs[service]?.egress?.[2], service).toEqual({
        ports: [{ port: 6432, protocol: "TCP" }],
        to: database,
      });
    }
    // The scheduler gives tenants' namespaces the same DNS, and its admission policy holds it.
    const scheduler = named(ofKind<V1Deployment>(objects, "Deployment"), "np-sumo-k8-scheduler");
    expect(envOf(scheduler).get("TENANT_DNS_NAMESPACE_SELECTOR")).toBe("dns=yes");
    expect(envOf(scheduler).get("TENANT_DNS_POD_SELECTOR")).toBe("app=coredns");
    const policy = ofKind<any>(objects, "ValidatingAdmissionPolicy")[0];
    const networkPolicyRule = policy.spec.validations.find((v: { message: string }) =>
      v.message.includes("NetworkPolicy"),
    );
    expect(networkPolicyRule.expression).toContain('matchLabels == {"dns":"yes"}');
    expect(networkPolicyRule.expression).toContain('matchLabels == {"app":"coredns"}');
  });

  it("shut every port but http when metrics are off, and are left out when disabled", async () => {
    const { objects } = await renderChart("np", "platform", MINIMAL);
    const specs = policies(objects);
    expect(specs.api?.ingress).toEqual([{ ports: [{ port: "http", protocol: "TCP" }] }]);
    expect(specs.scheduler?.ingress ?? []).toEqual([]);
    expect(specs.reconciler?.ingress ?? []).toEqual([]);
    const off = await renderChart("np", "platform", { set: { "networkPolicy.enabled": false } });
    expect(ofKind(off.objects, "NetworkPolicy")).toEqual([]);
  });
});

describe("the apiserver's verdict on every rendered object", () => {
  it.each(VARIANTS)(
    "accepts each one in a strict server-side dry run, with no Pod Security warning (%s)",
    async (_, values) => {
      const { yaml, objects } = await renderChart("dry", dryRunNamespace, values);
      const { stdout, stderr } = await kubectl(
        [
          "apply",
          "--server-side",
          "--dry-run=server",
          "--validate=strict",
          "--field-manager=sumo-chart-test",
          "--namespace",
          dryRunNamespace,
          "-f",
          "-",
        ],
        yaml,
      );
      expect(stderr.trim()).toBe("");
      const applied = stdout.split("\n").filter((line) => line.endsWith("(server dry run)"));
      expect(applied).toHaveLength(objects.length);
    },
  );
});
