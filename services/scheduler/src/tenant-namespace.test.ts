import type { V1LimitRange } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { tenantNamespaceObjects } from "./tenant-namespace.ts";

describe("tenantNamespaceObjects", () => {
  it("turns the tenant's limits into its quota", () => {
    const [namespace, quota] = tenantNamespaceObjects({
      id: "27a3849a-5093-46fd-81e9-7da056bd1d00",
      cpuLimit: 4,
      memoryLimitGi: 16,
      maxConcurrentJobs: 2,
    });
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
      const [, , range] = tenantNamespaceObjects({
        id: "27a3849a-5093-46fd-81e9-7da056bd1d00",
        cpuLimit,
        memoryLimitGi,
        maxConcurrentJobs: 1,
      });
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
});
