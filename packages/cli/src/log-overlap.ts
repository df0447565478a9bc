// A follow of a job's log ends after the api's longest follow while the pod runs on; the next
// follow starts with the last lines again. These are the lines of the new follow not yet shown.

/**
 * `fresh` without its first lines that repeat the end of `shown`: the longest suffix of
 * `shown` that `fresh` starts with is dropped.
 */
export function linesAfterOverlap(shown: readonly string[], fresh: readonly string[]): string[] {
  for (let overlap = Math.min(shown.length, fresh.length); overlap > 0; overlap--) {
    let matches = true;
    for (let i = 0; i < overlap; i++) {
      if (shown[shown.length - overlap + i] !== fresh[i]) {
        matches = false;
        break;
      }
    }
    if (matches) return fresh.slice(overlap);
  }
  return [...fresh];
}
