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

/**
 * What the mappings did, checked by the worker: `calls` always (one
 * increment per item, the same cost for everyone); with `verify` on (the
 * worker's `--verify`, which `--check` passes) also how many mappings
 * were in flight at most, which costs one more promise reaction per item
 * and so is left out of timed runs.
 */
export const probe = { verify: false, calls: 0, inFlight: 0, maxInFlight: 0 };

function settled(v: number): number {
  probe.inFlight--;
  return v;
}

/** Counts one mapping that starts; with `verify` on, it is in flight until `mappingEnded`. */
export function mappingStarted(): void {
  probe.calls++;
  if (probe.verify && ++probe.inFlight > probe.maxInFlight) probe.maxInFlight = probe.inFlight;
}

/** The end of a mapping counted by `mappingStarted` (only needed with `verify` on). */
export function mappingEnded(): void {
  if (probe.verify) probe.inFlight--;
}

/** The promise a mapping of `i` awaits. */
export function awaited(workload: Workload, i: number): Promise<number> {
  mappingStarted();
  const p: Promise<number> =
    workload === "promise"
      ? Promise.resolve(i)
      : new Promise((resolve) => setTimeout(resolve, 0, i));
  // The mapping ends when the promise settles, before the mapper sees the value.
  return probe.verify ? p.then(settled) : p;
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
