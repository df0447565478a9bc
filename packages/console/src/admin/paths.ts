// The admin console's URLs, all under the base path the admin service serves it at.
export const BASE = "/console";

export const paths = {
  overview: `${BASE}/`,
  tenants: `${BASE}/tenants`,
  tenant: (id: string) => `${BASE}/tenants/${id}`,
  nodes: `${BASE}/nodes`,
  jobs: `${BASE}/jobs`,
  sweeps: `${BASE}/sweeps`,
};
