import type { V1LimitRange, V1NetworkPolicy, V1RoleBinding } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { schedulerEnvSchema } from "./env.ts";
import {
  parseMatchLabels,
  parseTenantRoleBindings,
  tenantNamespaceConfig,
  tenantNamespaceObjects,
} from "./tenant-namespace.ts";

const TENANT_ID = "27a3849a-5093-46fd-81e9-7da056bd1d00";
const DEFAULT_CONFIG = tenantNamespaceConfig(schedulerEnvSchema.parse({}));

function objectsOf(limits: { cpuLimit: number; memoryLimitGi: number }, config = DEFAULT_CONFIG) {
  return tenantNamespaceObjects({ id: TENANT_ID, maxConcurrentJobs: 1, ...limits }, config);
}

describe("tenantNamespaceObjects", () => {
  it("turns the tenant's limits into its quota", () => {
    const [namespace, quota] = tenantNamespaceObjects(
      { id: TENANT_ID, cpuLimit: 4, memoryLimitGi: 16, maxConcurrentJobs: 2 },
      DEFAULT_CONFIG,
    );
    expect(namespace?.metadata?.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    expect((quota as { spec: { hard: Record<string, string> } }).spec.hard).toEqual({
      "requests.cpu": "4000m",
      "limits.cpu": "4000m",
      "requests.memory": "16384Mi",
      "limits.memory": "16384Mi",
      pods: "2",
    });
  });

  it("gives containers defaults no larger than the tenant's limits", () => {
    const limitRange = (cpuLimit: number, memoryLimitGi: number) => {
      const [, , range] = objectsOf({ cpuLimit, memoryLimitGi });
      return (range as V1LimitRange).spec?.limits[0];
    };
    expect(limitRange(4, 16)).toMatchObject({
      _default: { cpu: "1000m", memory: "1024Mi" },
      defaultRequest: { cpu: "1000m", memory: "1024Mi" },
      max: { cpu: "4000m", memory: "16384Mi" },
    });
    expect(limitRange(0.5, 0.25)).toMatchObject({
      _default: { cpu: "500m", memory: "256Mi" },
      defaultRequest: { cpu: "500m", memory: "256Mi" },
      max: { cpu: "500m", memory: "256Mi" },
    });
  });

  it("lets pods reach the cluster's DNS pods on port 53, and nothing else", () => {
    const [, , , policy] = objectsOf({ cpuLimit: 1, memoryLimitGi: 1 });
    const spec = (policy as V1NetworkPolicy).spec;
    expect(spec?.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(spec?.ingress).toBeUndefined();
    expect(spec?.egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
          },
        ],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
    ]);
  });

  it("binds each configured ClusterRole to its ServiceAccount, in the tenant's namespace", () => {
    const config = tenantNamespaceConfig({
      TENANT_ROLE_BINDINGS: "sumo-api-tenant=sumo/sumo-api,sumo-reconciler-tenant=sumo/sumo-rec",
      TENANT_DNS_NAMESPACE_SELECTOR: "dns=yes",
      TENANT_DNS_POD_SELECTOR: "app=coredns,tier=dns",
    });
    const objects = objectsOf({ cpuLimit: 1, memoryLimitGi: 1 }, config);
    const bindings = objects.filter((o): o is V1RoleBinding => o.kind === "RoleBinding");
    expect(
      bindings.map((b) => ({
        name: b.metadata?.name,
        namespace: b.metadata?.namespace,
        role: b.roleRef,
        subjects: b.subjects,
      })),
    ).toEqual([
      {
        name: "sumo-api-tenant",
        namespace: `sumo-tenant-${TENANT_ID}`,
        role: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: "sumo-api-tenant",
        },
        subjects: [{ kind: "ServiceAccount", namespace: "sumo", name: "sumo-api" }],
      },
      {
        name: "sumo-reconciler-tenant",
        namespace: `sumo-tenant-${TENANT_ID}`,
        role: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: "sumo-reconciler-tenant",
        },
        subjects: [{ kind: "ServiceAccount", namespace: "sumo", name: "sumo-rec" }],
      },
    ]);
    const policy = objects.find((o) => o.kind === "NetworkPolicy") as V1NetworkPolicy;
    expect(policy.spec?.egress?.[0]?.to).toEqual([
      {
        namespaceSelector: { matchLabels: { dns: "yes" } },
        podSelector: { matchLabels: { app: "coredns", tier: "dns" } },
      },
    ]);
  });
});

describe("the scheduler's tenant settings", () => {
  it("reads selectors and role bindings, and binds nothing by default", () => {
    expect(parseMatchLabels("a.io/b=c,d=e")).toEqual({ "a.io/b": "c", d: "e" });
    expect(parseTenantRoleBindings("")).toEqual([]);
    expect(DEFAULT_CONFIG.roleBindings).toEqual([]);
  });

  it.each([
    ["an empty DNS selector, which selects every namespace", { TENANT_DNS_NAMESPACE_SELECTOR: "" }],
    ["a selector term without a value", { TENANT_DNS_POD_SELECTOR: "k8s-app" }],
    ["a binding without its ServiceAccount's namespace", { TENANT_ROLE_BINDINGS: "role=sa" }],
  ])("refuses %s", (_, env) => {
    expect(schedulerEnvSchema.safeParse(env).success).toBe(false);
  });
});
