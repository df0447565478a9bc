// The tenant console's URLs, all under the base path the api serves it at.
export const BASE = "/console";

export const paths = {
  dashboard: `${BASE}/`,
  jobs: `${BASE}/jobs`,
  job: (id: string) => `${BASE}/jobs/${id}`,
  submit: `${BASE}/submit`,
  scenarios: `${BASE}/scenarios`,
  sweeps: `${BASE}/sweeps`,
  newSweep: `${BASE}/sweeps/new`,
  sweep: (id: string) => `${BASE}/sweeps/${id}`,
};
