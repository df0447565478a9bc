// A follow of a job's log ends after the api's longest follow (or when the api goes away) while
// the pod runs on; the next follow starts with the log's last lines, some of them shown already.
// These are the lines of the new follow that come after the last line shown.

/**
 * The lines of `fresh` after where `shown` ends in it: the latest position in `fresh` that the
 * end of `shown` leads up to. All of `fresh` when `shown` ends nowhere in it.
 */
export function linesAfterOverlap(shown: readonly string[], fresh: readonly string[]): string[] {
  if (shown.length === 0) return [...fresh];
  for (let end = fresh.length; end > 0; end--) {
    const length = Math.min(shown.length, end);
    let matches = true;
    for (let i = 1; i <= length; i++) {
      if (fresh[end - i] !== shown[shown.length - i]) {
        matches = false;
        break;
      }
    }
    if (matches) return fresh.slice(end);
  }
  return [...fresh];
}
