/** Peak resident set size of this process so far, in MiB (getrusage reports KiB on Linux). */
export function peakRssMiB(): number {
  return round1(process.resourceUsage().maxRSS / 1024);
}

/** Resident set size of this process now, in MiB. */
export function currentRssMiB(): number {
  return round1(process.memoryUsage.rss() / (1024 * 1024));
}

export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Rounds seconds to milliseconds, which is all a wall clock on a shared machine resolves. */
export function roundSeconds(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
