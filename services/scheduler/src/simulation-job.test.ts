import { makeJob } from "@sumo/db/testing";
import { describe, expect, it } from "vitest";
import { buildSimulationJob } from "./simulation-job.ts";

const job = makeJob({
  id: "01a2181a-0dc9-7604-9232-138a962194dc",
  tenantId: "27a3849a-5093-46fd-81e9-7da056bd1d00",
  scenarioId: "berlin",
  scenario: { end: 3600 },
  cpuRequest: 1.5,
  memoryGi: 0.5,
});

describe("buildSimulationJob", () => {
  const manifest = buildSimulationJob(job, {
    image: "sumo:test",
    ttlSecondsAfterFinished: 120,
    activeDeadlineSeconds: 600,
  });
  const pod = manifest.spec?.template.spec;
  const container = pod?.containers[0];

  it("derives the name and namespace from the ids and labels everything", () => {
    expect(manifest.metadata).toMatchObject({
      name: `sim-${job.id}`,
      namespace: `sumo-tenant-${job.tenantId}`,
      labels: {
        "app.kubernetes.io/managed-by": "sumo-k8",
        "sumo-k8.dev/tenant-id": job.tenantId,
        "sumo-k8.dev/job-id": job.id,
      },
    });
    expect(manifest.spec?.template.metadata?.labels).toEqual(manifest.metadata?.labels);
  });

  it("runs once, is cleaned up, and requests exactly what it is limited to", () => {
    expect(manifest.spec).toMatchObject({
      backoffLimit: 0,
      ttlSecondsAfterFinished: 120,
      activeDeadlineSeconds: 600,
    });
    expect(pod?.restartPolicy).toBe("Never");
    expect(container?.resources).toEqual({
      requests: { cpu: "1500m", memory: "512Mi" },
      limits: { cpu: "1500m", memory: "512Mi" },
    });
  });

  it("is restricted: no token, non-root, no privilege escalation, no capabilities", () => {
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container?.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
  });

  it("hands the job id, scenario id and scenario data to the simulation", () => {
    expect(container?.image).toBe("sumo:test");
    expect(container?.env).toEqual([
      { name: "SUMO_JOB_ID", value: job.id },
      { name: "SUMO_SCENARIO_ID", value: "berlin" },
      { name: "SUMO_SCENARIO", value: '{"end":3600}' },
    ]);
  });
});
