/** Kubernetes quantity for CPU cores (API and database speak cores with up to 3 decimals). */
export function cpuQuantity(cores: number): string {
  return `${Math.round(cores * 1000)}m`;
}

/** Kubernetes quantity for memory in GiB: whole MiB when exact, else bytes. */
export function memoryQuantity(gi: number): string {
  const mebibytes = gi * 1024;
  return Number.isInteger(mebibytes) ? `${mebibytes}Mi` : String(Math.round(gi * 1024 ** 3));
}
