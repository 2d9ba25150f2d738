/**
 * One process, one implementation, one workload, one size:
 *
 *     node dist/bounded/worker.js <impl> <promise|timer> <n>
 *
 * Maps `n` items once, checks the sum of the results, and prints one JSON
 * line: the wall time of the run and the process's peak resident set size
 * (`process.resourceUsage().maxRSS`), which includes node's own baseline.
 */
import { findBoundedImpl } from "./registry.js";
import { expectedSum, isWorkload } from "./work.js";

export interface BoundedResult {
  impl: string;
  workload: string;
  n: number;
  ms: number;
  maxRssMB: number;
  stats: Record<string, number> | undefined;
}

async function main(): Promise<void> {
  const [implId, workload, size] = process.argv.slice(2);
  const n = Number(size);
  if (implId === undefined || workload === undefined || !isWorkload(workload) || !(n > 0)) {
    throw new Error("usage: worker.js <impl> <promise|timer> <n>");
  }
  const { impl } = await findBoundedImpl(implId).load();
  const started = performance.now();
  const sum = await impl.run(n, workload);
  const ms = performance.now() - started;
  if (sum !== expectedSum(n)) {
    throw new Error(`${implId} ${workload} ${n}: the results sum to ${sum}, not ${expectedSum(n)}`);
  }
  const result: BoundedResult = {
    impl: implId,
    workload,
    n,
    ms,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    stats: impl.stats?.(),
  };
  console.log(JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
