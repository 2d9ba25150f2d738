/**
 * The bounded-concurrency workload: `n` items from a lazy generator, at
 * most `LIMIT` mappings in flight, each mapping awaiting one promise that
 * gives back its item: a resolved promise (`promise`) or a 0 ms timer
 * (`timer`). Every implementation sums the results, so the sum checks that
 * every item was mapped exactly once.
 */
export const LIMIT = 1000;

export const WORKLOADS = ["promise", "timer"] as const;
export type Workload = (typeof WORKLOADS)[number];

export function isWorkload(value: string): value is Workload {
  return (WORKLOADS as readonly string[]).includes(value);
}

/** The source every implementation reads: lazy, one item at a time. */
export function* items(n: number): Generator<number, void> {
  for (let i = 0; i < n; i++) yield i;
}

/** The promise a mapping of `i` awaits. */
export function awaited(workload: Workload, i: number): Promise<number> {
  return workload === "promise"
    ? Promise.resolve(i)
    : new Promise((resolve) => setTimeout(resolve, 0, i));
}

/** What the results of `n` items sum to. */
export function expectedSum(n: number): number {
  return (n * (n - 1)) / 2;
}

/** One implementation: maps `n` items with `LIMIT` in flight, returns the sum of the results. */
export interface BoundedImpl {
  run(n: number, workload: Workload): Promise<number>;
  /** The copse runtime's counters of the last run, if any. */
  stats?(): Record<string, number> | undefined;
}
