import { makeJob } from "@sumo/db/testing";
import { describe, expect, it } from "vitest";
import { buildScenarioConfigMap, buildSimulationJob } from "./simulation-job.ts";

const job = makeJob({
  id: "01a2181a-0dc9-7604-9232-138a962194dc",
  tenantId: "27a3849a-5093-46fd-81e9-7da056bd1d00",
  scenarioSha256: "5e".repeat(32),
  scenarioConfig: "berlin/berlin.sumocfg",
  // A value Kubernetes would expand if it were in an environment variable.
  scenario: { end: 3600, seed: 7 },
  cpuRequest: 1.5,
  memoryGi: 0.5,
});

describe("buildSimulationJob", () => {
  const manifest = buildSimulationJob(job, {
    image: "sumo:test",
    ttlSecondsAfterFinished: 120,
    activeDeadlineSeconds: 600,
    workStorage: "2Gi",
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
    // Only a pod Kubernetes took away (DisruptionTarget) is replaced without counting.
    expect(manifest.spec?.podFailurePolicy?.rules).toEqual([
      { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
    ]);
    expect(pod?.restartPolicy).toBe("Never");
    const resources = { cpu: "1500m", memory: "512Mi", "ephemeral-storage": "2Gi" };
    expect(container?.resources).toEqual({ requests: resources, limits: resources });
  });

  it("is restricted: no token, non-root, no privilege escalation, no capabilities", () => {
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container?.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
  });

  it("runs the runner on the scenario's files, in a size-limited work directory, with nothing in its environment", () => {
    expect(container?.image).toBe("sumo:test");
    expect(container?.command).toEqual(["sumo-runner"]);
    expect(container?.env).toBeUndefined();
    expect(container?.volumeMounts).toEqual([
      { name: "scenario", mountPath: "/scenario", readOnly: true },
      { name: "work", mountPath: "/work" },
    ]);
    expect(pod?.volumes).toEqual([
      {
        name: "scenario",
        configMap: {
          name: `sim-${job.id}-scenario`,
          defaultMode: 0o444,
          items: [
            { key: "bundle", path: "bundle" },
            { key: "run.json", path: "run.json" },
          ],
        },
      },
      { name: "work", emptyDir: { sizeLimit: "2Gi" } },
    ]);
    expect(container?.terminationMessagePolicy).toBe("FallbackToLogsOnError");
    expect(manifest.spec?.template.metadata?.annotations).toEqual({
      "sumo-k8.dev/scenario-name": job.scenarioName,
      "sumo-k8.dev/scenario-sha256": job.scenarioSha256,
      "sumo-k8.dev/run-end": "3600",
    });
  });
});

describe("buildScenarioConfigMap", () => {
  const bundle = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff]);
  const configMap = buildScenarioConfigMap(job, bundle, { name: `sim-${job.id}`, uid: "u-1" });

  it("carries the bundle as it was stored and the run spec, immutable, owned by the Job", () => {
    expect(configMap.immutable).toBe(true);
    expect(Buffer.from(configMap.binaryData?.bundle ?? "", "base64")).toEqual(bundle);
    expect(JSON.parse(configMap.data?.["run.json"] ?? "")).toEqual({
      job_id: job.id,
      bundle_sha256: job.scenarioSha256,
      config: "berlin/berlin.sumocfg",
      parameters: { end: 3600, seed: 7 },
    });
    expect(configMap.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: "Job", name: `sim-${job.id}`, uid: "u-1" }),
    ]);
    expect(configMap.metadata?.labels?.["sumo-k8.dev/job-id"]).toBe(job.id);
  });
});
