/** The sync benchmarks: what each one does, and the checks every implementation must pass. */

/** What one implementation provides; a missing member is a cell it has no primitive for. */
export interface SyncImpl {
  /** A producer task sends 0..n-1 through a channel of `capacity`; a consumer receives them all. Returns their sum. */
  channel?(n: number, capacity: number): Promise<number>;
  /** `tasks` tasks share `n` critical sections guarded by a mutex (one task when `tasks` is 1). */
  lock?(n: number, tasks: number, critical: Critical): Promise<void>;
  /** The same with a semaphore of `permits`. */
  semaphore?(n: number, tasks: number, permits: number, critical: Critical): Promise<void>;
  /** copse's runtime counters of the last run. */
  lastStats?(): Record<string, number> | undefined;
}

/**
 * What a critical section records: how many ran, and the most that were
 * inside at once. With `yields`, each section yields to the scheduler once
 * while holding the lock, so the other tasks queue up (contention).
 */
export class Critical {
  entered = 0;
  inside = 0;
  peak = 0;
  constructor(readonly yields: boolean) {}

  enter(): void {
    this.entered++;
    if (++this.inside > this.peak) this.peak = this.inside;
  }

  leave(): void {
    this.inside--;
  }
}

export interface Bench {
  readonly id: string;
  readonly label: string;
  /** What one operation is, for the table. */
  readonly what: string;
  readonly kind: "channel" | "lock" | "semaphore";
  readonly capacity: number;
  readonly tasks: number;
  readonly permits: number;
}

export const BENCHES: readonly Bench[] = [
  {
    id: "channel-0",
    label: "channel, capacity 0",
    what: "one value from a producer task to a consumer task (rendezvous)",
    kind: "channel",
    capacity: 0,
    tasks: 2,
    permits: 0,
  },
  {
    id: "channel-1",
    label: "channel, capacity 1",
    what: "one value through a buffer of 1",
    kind: "channel",
    capacity: 1,
    tasks: 2,
    permits: 0,
  },
  {
    id: "channel-1000",
    label: "channel, capacity 1000",
    what: "one value through a buffer of 1000",
    kind: "channel",
    capacity: 1000,
    tasks: 2,
    permits: 0,
  },
  {
    id: "lock-uncontended",
    label: "lock, uncontended",
    what: "acquire + release by one task, the lock always free",
    kind: "lock",
    capacity: 0,
    tasks: 1,
    permits: 1,
  },
  {
    id: "lock-contended",
    label: "lock, 4 tasks contending",
    what: "acquire, yield once holding it, release; 4 tasks queue for it",
    kind: "lock",
    capacity: 0,
    tasks: 4,
    permits: 1,
  },
  {
    id: "semaphore-uncontended",
    label: "semaphore(1), uncontended",
    what: "acquire + release of a permit by one task, one always free",
    kind: "semaphore",
    capacity: 0,
    tasks: 1,
    permits: 1,
  },
  {
    id: "semaphore-contended",
    label: "semaphore(2), 4 tasks contending",
    what: "acquire, yield once holding it, release; 4 tasks share 2 permits",
    kind: "semaphore",
    capacity: 0,
    tasks: 4,
    permits: 2,
  },
];

export function findBench(id: string): Bench {
  const bench = BENCHES.find((b) => b.id === id);
  if (bench === undefined) {
    throw new Error(`unknown sync benchmark ${id}; one of ${BENCHES.map((b) => b.id).join(", ")}`);
  }
  return bench;
}

/** Runs one benchmark once on `impl` and checks that it did exactly the work. */
export async function runBench(impl: SyncImpl, bench: Bench, n: number): Promise<void> {
  if (bench.kind === "channel") {
    const sum = await impl.channel!(n, bench.capacity);
    const expected = (n * (n - 1)) / 2;
    if (sum !== expected)
      throw new Error(`${bench.id}: received a sum of ${sum}, expected ${expected}`);
    return;
  }
  const critical = new Critical(bench.tasks > 1);
  if (bench.kind === "lock") await impl.lock!(n, bench.tasks, critical);
  else await impl.semaphore!(n, bench.tasks, bench.permits, critical);
  if (critical.entered !== n) {
    throw new Error(`${bench.id}: ${critical.entered} critical sections ran, expected ${n}`);
  }
  if (critical.peak > bench.permits) {
    throw new Error(
      `${bench.id}: ${critical.peak} tasks were inside at once, at most ${bench.permits} may be`,
    );
  }
  if (bench.tasks > 1 && critical.peak < bench.permits) {
    throw new Error(`${bench.id}: never more than ${critical.peak} inside: no contention happened`);
  }
}

/** Splits `n` sections among `tasks` tasks. */
export function shareOf(n: number, tasks: number, index: number): number {
  return Math.floor(n / tasks) + (index < n % tasks ? 1 : 0);
}
