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
});
