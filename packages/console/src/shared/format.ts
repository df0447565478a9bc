// How the consoles write numbers, sizes, times and durations.

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** A duration in seconds as people read it: 850 ms, 42 s, 3 min 5 s, 2 h 10 min. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "–";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Seconds from one ISO time to another (or to now). */
export function secondsBetween(from: string, to?: string | null): number {
  return ((to ? Date.parse(to) : Date.now()) - Date.parse(from)) / 1000;
}

/** A date and time in the browser's locale and zone, to the second. */
export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

/** A number with at most `digits` decimals, grouped as the locale does. */
export function formatNumber(value: number, digits = 2): string {
  return value.toLocaleString(undefined, { maximumFractionDigits: digits });
}

/**
 * A UUID's last 8 hex digits: enough to tell jobs apart in a table. Not its first: the ids are
 * UUIDv7, whose first 12 digits are the time, the same for jobs submitted together.
 */
export function shortId(id: string): string {
  return id.slice(-8);
}

export function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}
