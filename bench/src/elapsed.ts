/** Seconds since a `performance.now()` reading, to one decimal, as the harness reports them. */
export function secondsSince(start: number): number {
  return Number(((performance.now() - start) / 1000).toFixed(1));
}
