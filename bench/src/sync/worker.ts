/**
 * One process, one implementation, one benchmark:
 *
 *     node dist/sync/worker.js <impl> <bench> [--n 1000000] [--warmup 3] [--runs 10] [--budget 3000]
 *
 * Runs the benchmark `warmup` times, then up to `runs` times (at least
 * once, fewer once `budget` ms of measured runs are spent), checks after
 * every run that exactly the work was done (fails loudly otherwise), and
 * prints one JSON line with the wall time of every run in ms.
 */
import { numberOption, parseArgs } from "../lib/args.js";
import { SYNC_IMPLS } from "./registry.js";
import { findBench, runBench } from "./work.js";

export interface SyncWorkerResult {
  impl: string;
  bench: string;
  n: number;
  times: number[];
  stats: Record<string, number> | undefined;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ["n", "warmup", "runs", "budget"]);
  const [implId, benchId] = args.positional;
  const entry = SYNC_IMPLS.find((i) => i.id === implId);
  if (entry === undefined || benchId === undefined) {
    throw new Error(
      `usage: worker.js <${SYNC_IMPLS.map((i) => i.id).join("|")}> <bench> [options]`,
    );
  }
  const bench = findBench(benchId);
  const n = numberOption(args, "n", 1_000_000);
  const warmups = numberOption(args, "warmup", 3);
  const runs = numberOption(args, "runs", 10);
  const budget = numberOption(args, "budget", 3000);
  const { impl } = await entry.load();

  const once = async (): Promise<number> => {
    const started = performance.now();
    await runBench(impl, bench, n);
    return performance.now() - started;
  };
  for (let i = 0; i < warmups; i++) await once();
  const times: number[] = [];
  let spent = 0;
  while (times.length < Math.max(1, runs) && (times.length === 0 || spent < budget)) {
    const t = await once();
    times.push(t);
    spent += t;
  }
  const result: SyncWorkerResult = {
    impl: entry.id,
    bench: bench.id,
    n,
    times,
    stats: impl.lastStats?.(),
  };
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
