/**
 * One process, one implementation, one workload, one size:
 *
 *     node dist/bounded/worker.js <impl> <promise|timer> <n> [--verify]
 *
 * Maps `n` items once, checks that `n` mappings ran and the sum of the
 * results (with `--verify`, also that no more than `LIMIT` mappings were
 * in flight, and reports the peak; that costs time), and prints one JSON
 * line: the wall time of the run and the process's peak resident set size
 * (`process.resourceUsage().maxRSS`), which includes node's own baseline.
 */
import { findBoundedImpl } from "./registry.js";
import { LIMIT, expectedSum, isWorkload, probe } from "./work.js";

export interface BoundedResult {
  impl: string;
  workload: string;
  n: number;
  ms: number;
  maxRssMB: number;
  /** Only measured with `--verify`. */
  maxInFlight: number | undefined;
  stats: Record<string, number> | undefined;
}

async function main(): Promise<void> {
  const [implId, workload, size, flag] = process.argv.slice(2);
  probe.verify = flag === "--verify";
  const n = Number(size);
  if (implId === undefined || workload === undefined || !isWorkload(workload) || !(n > 0)) {
    throw new Error("usage: worker.js <impl> <promise|timer> <n> [--verify]");
  }
  const { impl } = await findBoundedImpl(implId).load();
  const started = performance.now();
  const sum = await impl.run(n, workload);
  const ms = performance.now() - started;
  if (probe.calls !== n) {
    throw new Error(`${implId} ${workload} ${n}: ${probe.calls} mappings ran, not ${n}`);
  }
  // More in flight than the limit would break the benchmark's rule; fewer is how a peer
  // schedules (p-map awaits between its first starts, so resolved promises finish early).
  if (probe.verify && probe.maxInFlight > LIMIT) {
    throw new Error(
      `${implId} ${workload} ${n}: ${probe.maxInFlight} mappings were in flight, more than ${LIMIT}`,
    );
  }
  if (sum !== expectedSum(n)) {
    throw new Error(`${implId} ${workload} ${n}: the results sum to ${sum}, not ${expectedSum(n)}`);
  }
  const result: BoundedResult = {
    impl: implId,
    workload,
    n,
    ms,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    maxInFlight: probe.verify ? probe.maxInFlight : undefined,
    stats: impl.stats?.(),
  };
  console.log(JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
