/**
 * Depth benchmarks, one measurement per process:
 *
 *     node --expose-gc dist/depth/worker.js chain <impl> <n>
 *     node --expose-gc dist/depth/worker.js nest-max <impl> [--limit 1000000]
 *     node --expose-gc dist/depth/worker.js resume <impl> <depth> [--resumes 2000]
 *
 * `chain` times a chain of n nested tasks (the time spent in the GC done
 * to measure the heap at the bottom is left out) and reports the heap it
 * holds per level. `nest-max` finds the deepest plain `yield*` nesting
 * that still runs (bisection; an overflow is caught as the RangeError it
 * is). `resume` times resumes of the innermost frame of a nesting `depth`
 * deep. Errors of the benchmarked code are reported, not thrown.
 */
import v8 from "node:v8";
import { numberOption, parseArgs } from "../lib/args.js";
import { requireGc } from "../lib/gc.js";
import { CHAINS } from "./chains.js";
import { NESTS } from "./nesting.js";

export interface DepthResult {
  ms?: number;
  bytesPerLevel?: number;
  maxDepth?: number;
  /** The search stopped at its limit: the real maximum is at least `maxDepth`. */
  capped?: boolean;
  nsPerResume?: number;
  error?: string;
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message.split("\n")[0]}`;
  return String(error);
}

async function chain(id: string, n: number): Promise<DepthResult> {
  const entry = CHAINS[id];
  if (entry === undefined) throw new Error(`unknown chain ${id}`);
  const gc = requireGc();
  gc();
  const heapBefore = v8.getHeapStatistics().used_heap_size;
  let leafHeap = NaN;
  let paused = 0;
  const started = performance.now();
  try {
    const value = await entry.chain(n, () => {
      const pausedAt = performance.now();
      gc();
      leafHeap = v8.getHeapStatistics().used_heap_size;
      paused += performance.now() - pausedAt;
    });
    if (value !== n) return { error: `returned ${value}, expected ${n}` };
  } catch (error) {
    return { error: describe(error) };
  }
  return {
    ms: performance.now() - started - paused,
    bytesPerLevel: (leafHeap - heapBefore) / n,
  };
}

async function nestMax(id: string, limit: number): Promise<DepthResult> {
  const entry = NESTS[id];
  if (entry === undefined) throw new Error(`unknown nesting ${id}`);
  let lastError = "";
  const works = async (depth: number): Promise<boolean> => {
    try {
      await entry.nest(depth, 1);
      return true;
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      lastError = describe(error);
      return false;
    }
  };
  let ok = 100;
  if (!(await works(ok))) return { maxDepth: 0, error: lastError };
  let bad = ok * 2;
  while (bad <= limit && (await works(bad))) {
    ok = bad;
    bad *= 2;
  }
  if (bad > limit) return { maxDepth: ok, capped: true };
  while (bad - ok > Math.max(1, ok / 200)) {
    const mid = Math.floor((ok + bad) / 2);
    if (await works(mid)) ok = mid;
    else bad = mid;
  }
  // The runtime must still work after the overflows it caught.
  if (!(await works(100))) return { maxDepth: ok, error: "broken after a stack overflow" };
  return { maxDepth: ok, error: lastError };
}

async function resume(id: string, depth: number, resumes: number): Promise<DepthResult> {
  const entry = NESTS[id];
  if (entry === undefined) throw new Error(`unknown nesting ${id}`);
  try {
    await entry.nest(depth, Math.max(1, resumes >> 2)); // warm-up
    const started = performance.now();
    await entry.nest(depth, resumes);
    const total = performance.now() - started;
    // The cost of building and leaving the chain, measured without resumes, is not a resume.
    const base = performance.now();
    await entry.nest(depth, 0);
    const setup = performance.now() - base;
    return { nsPerResume: (Math.max(0, total - setup) * 1e6) / resumes };
  } catch (error) {
    return { error: describe(error) };
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ["limit", "resumes"]);
  const [what, id, size] = args.positional;
  let result: DepthResult;
  if (what === "chain" && id !== undefined && size !== undefined) {
    result = await chain(id, Number(size));
  } else if (what === "nest-max" && id !== undefined) {
    result = await nestMax(id, numberOption(args, "limit", 1_000_000));
  } else if (what === "resume" && id !== undefined && size !== undefined) {
    result = await resume(id, Number(size), numberOption(args, "resumes", 2000));
  } else {
    throw new Error("usage: worker.js chain <impl> <n> | nest-max <impl> | resume <impl> <depth>");
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
