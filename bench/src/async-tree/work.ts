/**
 * The workload of pyperformance's `bm_async_tree`, shared by every
 * implementation: a tree of `levels` levels with `branches` children per
 * node whose leaves do the work of the variant. Each implementation walks
 * the tree with its own concurrency primitives (gather at every inner node)
 * and calls {@link TreeWork.leaf} at every leaf; that call does the
 * synchronous part of the leaf (random draws, the cache, the factorial) and
 * says whether the leaf must now wait for its mock I/O, which the
 * implementation does with its own sleep and reports with
 * {@link TreeWork.ioDone}.
 *
 * The constants and the probability logic are those of the Python source:
 * 6 levels x 6 branches, seed 0, 50 ms of mock I/O, 90 % of the data
 * memoizable, half the leaves CPU-bound (factorial(500)) in `cpu_io_mixed`.
 */
import { PythonRandom } from "../lib/python-random.js";

export const NUM_RECURSE_LEVELS = 6;
export const NUM_RECURSE_BRANCHES = 6;
export const RANDOM_SEED = 0;
export const IO_SLEEP_MS = 50;
export const MEMOIZABLE_PERCENTAGE = 90;
export const CPU_PROBABILITY = 0.5;
export const FACTORIAL_N = 500;

export const VARIANTS = ["none", "io", "memoization", "cpu_io_mixed"] as const;
export type Variant = (typeof VARIANTS)[number];

export function isVariant(name: string): name is Variant {
  return (VARIANTS as readonly string[]).includes(name);
}

/** What one run did: every implementation must report the same. */
export interface WorkCounts {
  leaves: number;
  /** Leaves that started their mock I/O. */
  sleeps: number;
  /** Mock I/O that finished (must equal `sleeps` when the run ends). */
  sleepsDone: number;
  factorials: number;
  cacheHits: number;
}

/** The shape of one run: the tree and the length of the mock I/O. */
export interface TreeShape {
  levels: number;
  branches: number;
  sleepMs: number;
}

export const FULL_TREE: TreeShape = {
  levels: NUM_RECURSE_LEVELS,
  branches: NUM_RECURSE_BRANCHES,
  sleepMs: IO_SLEEP_MS,
};

/** `math.factorial(n)` as a BigInt: the mock CPU-bound call. */
export function factorial(n: number): bigint {
  let result = 1n;
  for (let i = 2; i <= n; i++) result *= BigInt(i);
  return result;
}

/**
 * The state of one run: the generator (seeded like `random.seed(0)` in
 * `AsyncTree.__init__`), the memoization cache and the counters. A fresh
 * one per run, so every run does the same work (pyperf reuses one instance
 * across its loops; see bench/README.md).
 */
export class TreeWork {
  readonly counts: WorkCounts = {
    leaves: 0,
    sleeps: 0,
    sleepsDone: 0,
    factorials: 0,
    cacheHits: 0,
  };
  readonly levels: number;
  readonly branches: number;
  readonly sleepMs: number;
  /** The last factorial computed, kept so the work cannot be optimized away. */
  lastFactorial = 0n;
  private readonly random = new PythonRandom(RANDOM_SEED);
  private readonly cache = new Map<number, boolean>();

  constructor(
    readonly variant: Variant,
    shape: TreeShape = FULL_TREE,
  ) {
    this.levels = shape.levels;
    this.branches = shape.branches;
    this.sleepMs = shape.sleepMs;
  }

  /**
   * The synchronous part of a leaf's `workload_func`. Returns `true` when
   * the leaf must now do its mock I/O (sleep `sleepMs`, then call
   * {@link ioDone}), `false` when it is finished.
   */
  leaf(): boolean {
    this.counts.leaves++;
    switch (this.variant) {
      case "none":
        return false;
      case "io":
        this.counts.sleeps++;
        return true;
      case "memoization":
        return this.memoized();
      case "cpu_io_mixed":
        if (this.random.random() < CPU_PROBABILITY) {
          this.lastFactorial = factorial(FACTORIAL_N);
          this.counts.factorials++;
          return false;
        }
        return this.memoized();
    }
  }

  /** `MemoizationAsyncTree.workload_func` up to its `await`. */
  private memoized(): boolean {
    const data = this.random.randint(1, 100);
    if (data <= MEMOIZABLE_PERCENTAGE) {
      if (this.cache.get(data)) {
        this.counts.cacheHits++;
        return false;
      }
      this.cache.set(data, true);
    }
    this.counts.sleeps++;
    return true;
  }

  /** A leaf's mock I/O finished. */
  ioDone(): void {
    this.counts.sleepsDone++;
  }
}

/** Number of leaves of a tree. */
export function leafCount(shape: TreeShape): number {
  return shape.branches ** shape.levels;
}

/**
 * The counts a run must end with, found by replaying the leaves one after
 * the other. Every leaf draws its numbers before its first suspension, so
 * the order in which a scheduler runs the leaves does not change them.
 */
export function expectedCounts(variant: Variant, shape: TreeShape): WorkCounts {
  const work = new TreeWork(variant, shape);
  const leaves = leafCount(shape);
  for (let i = 0; i < leaves; i++) if (work.leaf()) work.ioDone();
  return work.counts;
}

/**
 * The same counts as CPython 3.11 computes them (bench/tools/expected_counts.py),
 * for the full tree and the tiny tree of `bench:check`: a check of the
 * generator port, independent of {@link expectedCounts}.
 */
export const PYTHON_COUNTS: Record<string, Record<Variant, Omit<WorkCounts, "sleepsDone">>> = {
  "6x6": {
    none: { leaves: 46656, sleeps: 0, factorials: 0, cacheHits: 0 },
    io: { leaves: 46656, sleeps: 46656, factorials: 0, cacheHits: 0 },
    memoization: { leaves: 46656, sleeps: 4819, factorials: 0, cacheHits: 41837 },
    cpu_io_mixed: { leaves: 46656, sleeps: 2432, factorials: 23321, cacheHits: 20903 },
  },
  "3x6": {
    none: { leaves: 216, sleeps: 0, factorials: 0, cacheHits: 0 },
    io: { leaves: 216, sleeps: 216, factorials: 0, cacheHits: 0 },
    memoization: { leaves: 216, sleeps: 95, factorials: 0, cacheHits: 121 },
    cpu_io_mixed: { leaves: 216, sleeps: 65, factorials: 94, cacheHits: 57 },
  },
};

/** `random.seed(0); [random.random() for _ in range(5)]` in CPython 3.11. */
export const PYTHON_FIRST_RANDOM = [
  0.8444218515250481, 0.7579544029403025, 0.420571580830845, 0.25891675029296335,
  0.5112747213686085,
];

/** `random.seed(0); [random.randint(1, 100) for _ in range(10)]` in CPython 3.11. */
export const PYTHON_FIRST_RANDINT = [50, 98, 54, 6, 34, 66, 63, 52, 39, 62];

/** Throws unless `actual` is `expected` (and every started I/O finished). */
export function checkCounts(what: string, actual: WorkCounts, expected: WorkCounts): void {
  const keys = ["leaves", "sleeps", "sleepsDone", "factorials", "cacheHits"] as const;
  const wrong = keys.filter((key) => actual[key] !== expected[key]);
  if (wrong.length > 0) {
    throw new Error(
      `${what} did not do the work of the benchmark: ` +
        wrong.map((key) => `${key} ${actual[key]} (expected ${expected[key]})`).join(", "),
    );
  }
}

/** Checks the generator and the replayed counts against CPython's numbers. */
export function checkAgainstPython(): void {
  const r = new PythonRandom(RANDOM_SEED);
  const first = PYTHON_FIRST_RANDOM.map(() => r.random());
  const r2 = new PythonRandom(RANDOM_SEED);
  const ints = PYTHON_FIRST_RANDINT.map(() => r2.randint(1, 100));
  if (
    first.some((x, i) => x !== PYTHON_FIRST_RANDOM[i]) ||
    ints.some((x, i) => x !== PYTHON_FIRST_RANDINT[i])
  ) {
    throw new Error(
      `PythonRandom(0) does not match CPython: random() gave ${first.join(", ")}; randint gave ${ints.join(", ")}`,
    );
  }
  for (const [key, shape] of [
    ["6x6", FULL_TREE],
    ["3x6", { levels: 3, branches: 6, sleepMs: 1 }],
  ] as const) {
    for (const variant of VARIANTS) {
      const python = PYTHON_COUNTS[key]![variant];
      checkCounts(`the replay of ${variant} (${key})`, expectedCounts(variant, shape), {
        ...python,
        sleepsDone: python.sleeps,
      });
    }
  }
}
