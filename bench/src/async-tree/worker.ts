/**
 * One process, one implementation, one variant:
 *
 *     node --expose-gc dist/async-tree/worker.js <impl> <variant>
 *       [--levels 6] [--branches 6] [--sleep 50] [--warmup 2] [--runs 5] [--budget 3000] [--gc]
 *
 * Runs the tree `warmup` times, then up to `runs` times (at least once,
 * fewer once `budget` ms of measured runs are spent), each run on fresh
 * state, checks after every run that the work done is the benchmark's
 * (fails loudly otherwise) and prints one JSON line with the wall time of
 * every run in ms. The garbage a run leaves is collected whenever V8 decides,
 * as in any program (with `--gc`, and node's --expose-gc, a full collection
 * runs before every run instead, outside the timed region).
 */
import { parseArgs, numberOption } from "../lib/args.js";
import { collectGarbage } from "../lib/gc.js";
import { findImpl } from "./registry.js";
import {
  FULL_TREE,
  TreeWork,
  checkCounts,
  expectedCounts,
  isVariant,
  type TreeShape,
  type WorkCounts,
} from "./work.js";

export interface WorkerResult {
  impl: string;
  variant: string;
  warmup: number[];
  times: number[];
  counts: WorkCounts;
  stats: Record<string, number> | undefined;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), [
    "levels",
    "branches",
    "sleep",
    "warmup",
    "runs",
    "budget",
  ]);
  const [implId, variant] = args.positional;
  if (implId === undefined || variant === undefined || !isVariant(variant)) {
    throw new Error("usage: worker.js <impl> <none|io|memoization|cpu_io_mixed> [options]");
  }
  const shape: TreeShape = {
    levels: numberOption(args, "levels", FULL_TREE.levels),
    branches: numberOption(args, "branches", FULL_TREE.branches),
    sleepMs: numberOption(args, "sleep", FULL_TREE.sleepMs),
  };
  const warmups = numberOption(args, "warmup", 2);
  const runs = numberOption(args, "runs", 5);
  const budget = numberOption(args, "budget", 3000);
  const forceGc = args.flags.has("gc");
  const { impl } = await findImpl(implId).load();
  const expected = expectedCounts(variant, shape);

  let counts = expected;
  const once = async (): Promise<number> => {
    const work = new TreeWork(variant, shape);
    if (forceGc) collectGarbage();
    const started = performance.now();
    const pending = impl.run(work);
    if (pending !== undefined) await pending;
    const elapsed = performance.now() - started;
    checkCounts(`${implId} ${variant}`, work.counts, expected);
    counts = work.counts;
    return elapsed;
  };

  const warmup: number[] = [];
  for (let i = 0; i < warmups; i++) warmup.push(await once());
  const times: number[] = [];
  let spent = 0;
  while (times.length < Math.max(1, runs) && (times.length === 0 || spent < budget)) {
    const t = await once();
    times.push(t);
    spent += t;
  }
  const result: WorkerResult = {
    impl: implId,
    variant,
    warmup,
    times,
    counts,
    stats: impl.lastStats?.(),
  };
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
