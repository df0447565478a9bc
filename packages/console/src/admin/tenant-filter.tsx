// Every-tenant lists (all jobs, all sweeps): the tenants' names for their rows, and a filter by
// tenant.
import { call } from "../shared/api-call.ts";
import { usePolled } from "../shared/use-polled.ts";
import { paths } from "./paths.ts";
import { useSession } from "./session.ts";

/** The tenants (one page: the admin API's most), and a tenant's name by its id. */
export function useTenantNames() {
  const { client } = useSession();
  const tenants = usePolled(
    (signal) => call(client.GET("/admin/tenants", { params: { query: { limit: 500 } }, signal })),
    () => null,
    [client],
  );
  const list = tenants.data?.tenants ?? [];
  const names = new Map(list.map((t) => [t.tenant_id, t.name]));
  return { list, nameOf: (id: string) => names.get(id) };
}

export function TenantFilter(props: {
  tenants: ReturnType<typeof useTenantNames>;
  value: string | undefined;
  onChange: (tenantId: string) => void;
}) {
  return (
    <div class="field">
      <label for="tenant-filter">Tenant</label>
      <select
        id="tenant-filter"
        value={props.value ?? ""}
        onChange={(event) => props.onChange(event.currentTarget.value)}
      >
        <option value="">Any tenant</option>
        {props.tenants.list.map((t) => (
          <option key={t.tenant_id} value={t.tenant_id}>
            {t.name}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A tenant's name linked to its page (its id's end while the names load). */
export function TenantLink(props: { tenants: ReturnType<typeof useTenantNames>; id: string }) {
  return (
    <a href={paths.tenant(props.id)}>{props.tenants.nameOf(props.id) ?? props.id.slice(-8)}</a>
  );
}
