// A tenant's usage (what its pending and running jobs hold against its limits) and its queue,
// from the tenants list (GET /admin/tenants) or its queue (GET /admin/tenants/{id}/queue).
import type { AdminSchemas } from "@sumo/api-client";
import { UsageBar } from "../shared/components.tsx";

export type TenantUsageView = AdminSchemas["TenantUsage"];

export function waitingForText(waitingFor: TenantUsageView["waiting_for"]): string {
  switch (waitingFor) {
    case "concurrent_job_limit":
      return "waiting for a free job slot";
    case "quota":
      return "waiting for CPU or memory under its quota";
    case null:
      return "not waiting";
  }
}

export function TenantUsage(props: {
  tenant: AdminSchemas["Tenant"];
  active: TenantUsageView["active"];
}) {
  const { tenant, active } = props;
  return (
    <div class="tenant-usage">
      <UsageBar
        label={`${tenant.name} jobs`}
        value={active.jobs}
        max={tenant.max_concurrent_jobs}
        unit="jobs"
      />
      <UsageBar
        label={`${tenant.name} CPU`}
        value={active.cpu}
        max={tenant.cpu_limit}
        unit="cores"
      />
      <UsageBar
        label={`${tenant.name} memory`}
        value={active.memory_gi}
        max={tenant.memory_limit_gi}
        unit="GiB"
      />
    </div>
  );
}
